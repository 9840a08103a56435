//! Listing the cards folder and stat-ing every card file: what keeps the
//! caches honest, and on a large board most of what a small command costs.
//!
//! A cache knows which cards were there last time, so their files are
//! stat-ed on the other cores while this one reads the folder; only files
//! the cache did not know wait for the listing. Each thread stats by name
//! relative to its own handle on the folder (`fstatat`): no path walk from
//! the root, and no shared file handle whose reference count the threads
//! would fight over.

use super::{Problem, CARDS_DIR};
use crate::model::id;
use anyhow::{bail, Result};
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

pub(crate) use super::cache::table::Stamp;

/// The stamp of a regular file; `None` for anything else (a symlink or a
/// folder is never trusted, and reading it reports why). On unix,
/// [`Folder::stamp`] reads the same fields without a `Metadata`.
pub(crate) fn stamp_of(meta: &fs::Metadata) -> Option<Stamp> {
    if !meta.file_type().is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(Stamp {
            mtime: nanos(meta.mtime(), meta.mtime_nsec()),
            ctime: nanos(meta.ctime(), meta.ctime_nsec()),
            size: meta.size(),
            ino: meta.ino(),
        })
    }
    #[cfg(not(unix))]
    {
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        Some(Stamp {
            mtime,
            ctime: mtime,
            size: meta.len(),
            ino: 0,
        })
    }
}

#[cfg(unix)]
fn nanos(secs: i64, nsec: i64) -> i128 {
    secs as i128 * 1_000_000_000 + nsec as i128
}

/// The card files in the cards folder.
pub(crate) struct Scan {
    /// `(id, stamp)` sorted by id.
    pub files: Vec<(String, Option<Stamp>)>,
    /// Files in the cards folder that are not `<id>.yaml`.
    pub problems: Vec<Problem>,
    /// The cards folder's own stamp, taken before it was listed.
    pub folder: Option<Stamp>,
}

/// The cards folder's own stamp: it changes whenever a card file is added,
/// removed or replaced by a rename (lanes' own writes, git's checkouts,
/// editors that save through a temporary file), not when a file is
/// rewritten in place. `None` when there is no such folder.
pub(crate) fn folder_stamp(root: &Path) -> Option<Stamp> {
    let meta = fs::symlink_metadata(root.join(CARDS_DIR)).ok()?;
    if !meta.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(Stamp {
            mtime: nanos(meta.mtime(), meta.mtime_nsec()),
            ctime: nanos(meta.ctime(), meta.ctime_nsec()),
            size: meta.size(),
            ino: meta.ino(),
        })
    }
    #[cfg(not(unix))]
    {
        // No inode or ctime to tell a replaced folder: never trusted.
        let _ = meta;
        None
    }
}

/// A card file as its folder lists it, without a `stat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listed {
    pub id: String,
    /// Its inode number (0 where the platform has none).
    pub ino: u64,
    /// Whether the listing says it is a regular file (or does not say).
    pub regular: bool,
}

/// The card files of the cards folder, sorted by id, read from the folder
/// listing alone (files that are not cards are left out).
pub(crate) fn listing(root: &Path) -> Result<Vec<Listed>> {
    let dir = root.join(CARDS_DIR);
    match fs::symlink_metadata(&dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        _ => {}
    }
    let (found, _) = list(&dir)?;
    Ok(sorted_by_id(found))
}

/// The stamp of the file at `path` (not following a symlink).
pub(crate) fn file_stamp(path: &Path) -> Option<Stamp> {
    stamp_of(&fs::symlink_metadata(path).ok()?)
}

/// The stamps of some card files (`None`: gone, or not a regular file).
pub(crate) fn stamps(root: &Path, ids: &[&str]) -> Vec<Option<Stamp>> {
    match Folder::open(&root.join(CARDS_DIR)) {
        Ok(folder) => ids.iter().map(|id| folder.stamp(id.as_bytes())).collect(),
        Err(_) => vec![None; ids.len()],
    }
}

/// Stat-ing is handed out in runs of this many files.
const CHUNK: usize = 256;

/// List the cards folder and stat every card file. `expected` are the ids
/// a cache holds, sorted: they are stat-ed while the folder is read.
pub(crate) fn scan(root: &Path, expected: &[&[u8]]) -> Result<Scan> {
    let dir = root.join(CARDS_DIR);
    let folder_before = folder_stamp(root);
    let folder = match Folder::open(&dir) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Scan {
                files: Vec::new(),
                problems: Vec::new(),
                folder: None,
            })
        }
        Err(e) => bail!("cannot read {}: {e}", dir.display()),
    };
    // Threads besides this one, when there is enough to share.
    let helpers = if expected.len() >= 2 * CHUNK {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8)
            - 1
    } else {
        0
    };
    let next = AtomicUsize::new(0);
    // Stat `expected` in runs taken from `next`, until none are left.
    let stat_expected = |folder: &Folder| {
        let mut done = Vec::new();
        loop {
            let start = next.fetch_add(CHUNK, Ordering::Relaxed);
            if start >= expected.len() {
                return done;
            }
            let end = (start + CHUNK).min(expected.len());
            let stamps: Vec<Option<Stamp>> = expected[start..end]
                .iter()
                .map(|id| folder.stamp(id))
                .collect();
            done.push((start, stamps));
        }
    };
    let (listed, runs) = std::thread::scope(|s| {
        let helpers: Vec<_> = (0..helpers)
            .map(|_| {
                s.spawn(|| match folder.reopen() {
                    Ok(own) => stat_expected(&own),
                    Err(_) => Vec::new(),
                })
            })
            .collect();
        let listed = list(&dir);
        let mut runs = stat_expected(&folder);
        for h in helpers {
            runs.extend(h.join().unwrap_or_default());
        }
        (listed, runs)
    });
    let (found, mut problems) = listed?;
    let mut known: Vec<Option<Option<Stamp>>> = vec![None; expected.len()];
    for (start, stamps) in runs {
        for (i, s) in stamps.into_iter().enumerate() {
            known[start + i] = Some(s);
        }
    }
    problems.sort_by(|a, b| a.path.cmp(&b.path));
    let found: Vec<String> = sorted_by_id(found).into_iter().map(|l| l.id).collect();
    // Both sorted: take each listed file's stamp from `expected`. Files the
    // cache did not know (all of them, without a cache) are stat-ed now.
    let mut e = 0;
    let mut unknown = Vec::new();
    let mut files: Vec<(String, Option<Stamp>)> = found
        .into_iter()
        .enumerate()
        .map(|(i, id)| {
            while e < expected.len() && expected[e] < id.as_bytes() {
                e += 1;
            }
            match known.get(e) {
                Some(Some(s)) if expected[e] == id.as_bytes() => (id, *s),
                _ => {
                    unknown.push(i);
                    (id, None)
                }
            }
        })
        .collect();
    let stamps = super::par_map(&unknown, |&i| folder.stamp(files[i].0.as_bytes()));
    for (i, stamp) in unknown.into_iter().zip(stamps) {
        files[i].1 = stamp;
    }
    Ok(Scan {
        files,
        problems,
        folder: folder_before,
    })
}

/// `ids` sorted. Most ids differ in their first eight bytes, so those are
/// sorted as numbers in one compact array, and only ids sharing them are
/// compared as strings (sorting the strings themselves chases a pointer per
/// comparison).
fn sorted_by_id(files: Vec<Listed>) -> Vec<Listed> {
    let prefix = |s: &str| {
        let mut b = [0u8; 8];
        let n = s.len().min(8);
        b[..n].copy_from_slice(&s.as_bytes()[..n]);
        u64::from_be_bytes(b)
    };
    let mut keys: Vec<(u64, usize)> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (prefix(&f.id), i))
        .collect();
    keys.sort_unstable();
    for run in keys.chunk_by_mut(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            run.sort_unstable_by(|a, b| files[a.1].id.cmp(&files[b.1].id));
        }
    }
    let mut slots: Vec<Option<Listed>> = files.into_iter().map(Some).collect();
    keys.iter().filter_map(|&(_, i)| slots[i].take()).collect()
}

/// The card ids in the folder, unsorted, and files that are not cards.
fn list(dir: &Path) -> Result<(Vec<Listed>, Vec<Problem>)> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => bail!("cannot read {}: {e}", dir.display()),
    };
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            problems.push(Problem::new(
                CARDS_DIR,
                1,
                1,
                format!("file name {:?} is not valid UTF-8", entry.file_name()),
            ));
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        match name.strip_suffix(".yaml") {
            Some(stem) if id::is_valid(stem) => found.push(Listed {
                id: stem.to_string(),
                #[cfg(unix)]
                ino: std::os::unix::fs::DirEntryExt::ino(&entry),
                #[cfg(not(unix))]
                ino: 0,
                // From the listing where it says (no `stat`).
                regular: entry.file_type().map_or(true, |t| t.is_file()),
            }),
            _ => problems.push(Problem::new(
                &format!("{CARDS_DIR}/{name}"),
                1,
                1,
                "not a card file: card files are named <id>.yaml with a lowercase id",
            )),
        }
    }
    Ok((found, problems))
}

/// An open handle on the cards folder, to stat card files by name.
struct Folder {
    path: std::path::PathBuf,
    #[cfg(unix)]
    handle: fs::File,
}

impl Folder {
    fn open(path: &Path) -> std::io::Result<Folder> {
        #[cfg(unix)]
        {
            let handle = fs::File::open(path)?;
            if !handle.metadata()?.is_dir() {
                return Err(std::io::Error::other("not a folder"));
            }
            Ok(Folder {
                path: path.to_path_buf(),
                handle,
            })
        }
        #[cfg(not(unix))]
        {
            if !fs::metadata(path)?.is_dir() {
                return Err(std::io::Error::other("not a folder"));
            }
            Ok(Folder {
                path: path.to_path_buf(),
            })
        }
    }

    /// A handle of this thread's own.
    fn reopen(&self) -> std::io::Result<Folder> {
        Folder::open(&self.path)
    }

    /// The stamp of card `id`'s file (not following symlinks).
    #[cfg(unix)]
    fn stamp(&self, id: &[u8]) -> Option<Stamp> {
        use std::os::fd::AsRawFd;
        // `<id>.yaml` and a NUL, without allocating.
        let mut name = [0u8; 128];
        let len = id.len() + 5;
        if len >= name.len() || id.contains(&0) {
            return None;
        }
        name[..id.len()].copy_from_slice(id);
        name[id.len()..len].copy_from_slice(b".yaml");
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: `name` is NUL-terminated and outlives the call, `st` is
        // written by a successful call before it is read, and the folder's
        // descriptor is open for as long as `self` lives.
        let st = unsafe {
            if libc::fstatat(
                self.handle.as_raw_fd(),
                name.as_ptr().cast(),
                st.as_mut_ptr(),
                libc::AT_SYMLINK_NOFOLLOW,
            ) != 0
            {
                return None;
            }
            st.assume_init()
        };
        if st.st_mode & libc::S_IFMT != libc::S_IFREG {
            return None;
        }
        Some(Stamp {
            mtime: nanos(st.st_mtime, st.st_mtime_nsec),
            ctime: nanos(st.st_ctime, st.st_ctime_nsec),
            size: st.st_size as u64,
            ino: st.st_ino as u64,
        })
    }

    #[cfg(not(unix))]
    fn stamp(&self, id: &[u8]) -> Option<Stamp> {
        let name = format!("{}.yaml", std::str::from_utf8(id).ok()?);
        fs::symlink_metadata(self.path.join(name))
            .ok()
            .as_ref()
            .and_then(stamp_of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        fs::write(dir.join(name), text).unwrap();
    }

    /// Whatever the cache expects, the scan reports the folder as it is,
    /// with the stamps `std::fs` gives.
    #[test]
    fn scan_matches_the_folder_whatever_was_expected() {
        let tmp = tempfile::tempdir().unwrap();
        let cards = tmp.path().join(CARDS_DIR);
        fs::create_dir_all(&cards).unwrap();
        let ids: Vec<String> = (0..1500).map(|i| format!("c{i:05}")).collect();
        for id in &ids {
            write(&cards, &format!("{id}.yaml"), id);
        }
        write(&cards, "Bad Name.yaml", "x");
        write(&cards, ".hidden.yaml.tmp", "x");
        fs::create_dir(cards.join("zz00000.yaml")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(cards.join("c00001.yaml"), cards.join("zz00001.yaml")).unwrap();
        let want: Vec<(String, Option<Stamp>)> = {
            let mut v: Vec<String> = ids.clone();
            v.push("zz00000".into());
            #[cfg(unix)]
            v.push("zz00001".into());
            v.into_iter()
                .map(|id| {
                    let meta = fs::symlink_metadata(cards.join(format!("{id}.yaml"))).unwrap();
                    let stamp = stamp_of(&meta);
                    (id, stamp)
                })
                .collect()
        };
        // Expected: nothing; everything; a stale list with gone and unknown
        // ids.
        let all: Vec<&[u8]> = ids.iter().map(|s| s.as_bytes()).collect();
        let mut stale: Vec<String> = ids.iter().step_by(3).cloned().collect();
        stale.extend((0..700).map(|i| format!("d{i:05}")));
        stale.sort();
        let stale: Vec<&[u8]> = stale.iter().map(|s| s.as_bytes()).collect();
        for expected in [&[][..], &all[..], &stale[..]] {
            let scan = scan(tmp.path(), expected).unwrap();
            assert_eq!(scan.files, want);
            assert_eq!(scan.problems.len(), 1, "{:?}", scan.problems);
            assert!(scan.problems[0].path.ends_with("Bad Name.yaml"));
        }
        assert!(want[0].1.is_some());
        assert!(want.iter().rev().take(1).all(|(_, s)| s.is_none()));
    }

    #[test]
    fn a_missing_folder_is_an_empty_board() {
        let tmp = tempfile::tempdir().unwrap();
        let scan = scan(tmp.path(), &[b"abc".as_slice()]).unwrap();
        assert!(scan.files.is_empty() && scan.problems.is_empty());
    }
}
