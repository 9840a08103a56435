//! "Nothing changed" assertions: every file of a test folder, its refs and
//! its index entries.

use super::Repo;
use std::collections::BTreeMap;
use std::path::Path;

/// The state of a test folder, for "nothing changed" assertions.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub files: BTreeMap<String, Vec<u8>>,
    pub refs: String,
}

/// `Repo::snapshot`.
pub(super) fn take(r: &Repo) -> Snapshot {
    let mut files = BTreeMap::new();
    walk(r.base(), r.base(), &mut files);
    let git_dir = r.path.join(".git");
    if let Ok(b) = std::fs::read(git_dir.join("HEAD")) {
        files.insert("repo/.git/HEAD".to_string(), b);
    }
    // Refs and the index's entries (not its bytes: git refreshes stat
    // data in it whenever it likes).
    let refs = if git_dir.exists() {
        let show = |args: &[&str]| String::from_utf8_lossy(&r.git_output(args).stdout).into_owned();
        format!(
            "{}--\n{}",
            show(&["show-ref", "--head"]),
            show(&["ls-files", "--stage"])
        )
    } else {
        String::new()
    };
    Snapshot { files, refs }
}

impl Snapshot {
    /// Panic with the differing paths if `other` differs.
    pub fn assert_same(&self, other: &Snapshot, what: &str) {
        if self == other {
            return;
        }
        let mut diffs = Vec::new();
        for (k, v) in &self.files {
            match other.files.get(k) {
                None => diffs.push(format!("removed {k}")),
                Some(w) if w != v => diffs.push(format!("changed {k}")),
                _ => {}
            }
        }
        for k in other.files.keys() {
            if !self.files.contains_key(k) {
                diffs.push(format!("added {k}"));
            }
        }
        if self.refs != other.refs {
            diffs.push(format!("refs: {:?} -> {:?}", self.refs, other.refs));
        }
        panic!("{what} changed files: {diffs:#?}");
    }
}

/// Every file under `dir` but git's own folders, by path relative to
/// `base`.
fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let p = e.path();
        let rel = p
            .strip_prefix(base)
            .expect("under base")
            .to_string_lossy()
            .replace('\\', "/");
        // git's own bookkeeping (index, HEAD, refs) is compared separately;
        // lanes' scratch folder (.git/lanes) is allowed to change.
        if rel.ends_with("/.git") || rel == ".git" {
            continue;
        }
        let ft = match e.file_type() {
            Ok(t) => t,
            Err(_) => continue,
        };
        if ft.is_dir() {
            walk(base, &p, out);
        } else if let Ok(b) = std::fs::read(&p) {
            out.insert(rel, b);
        }
    }
}

/// Every file under `dir`, by path relative to `root` (`Repo::board_files`).
pub(super) fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(root, &p, out);
        } else {
            let rel = p
                .strip_prefix(root)
                .expect("inside the repository")
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(&p).expect("read a board file"));
        }
    }
}
