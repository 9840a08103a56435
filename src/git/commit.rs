//! The pieces of a transaction (see [`super::txn`]): hashing the files to
//! commit, staging them into a copy of the index held in memory, building
//! the tree, and checking a commit out into such a copy. Nothing here
//! writes `.git/index` or moves a ref: the transaction does, under its lock.

use super::index_file::{self, Stat};
use super::tree;
use crate::store::cache::{Scratch, RECOVERED};
use anyhow::{anyhow, bail, Context, Result};
use git2::build::{CheckoutBuilder, TreeUpdateBuilder};
use git2::{FileMode, Oid, Repository};
use std::path::{Path, PathBuf};

/// One path to commit.
#[derive(Debug, Clone)]
pub struct Staging {
    /// Relative to the work tree, `/` separators.
    pub path: String,
    /// The blob (`None`: the path is removed).
    pub oid: Option<Oid>,
    /// The working file's stat data (`None`: content given, not read from
    /// the work tree; git re-checks such an entry next time it looks).
    pub stat: Option<Stat>,
}

impl Staging {
    fn mode(&self) -> u32 {
        self.stat.map_or(0o100644, |s| s.mode)
    }
}

/// Another handle on the same repository, with the same work tree (which
/// `GIT_WORK_TREE` may have placed away from the git dir).
pub fn second_handle(repo: &Repository) -> Result<Repository> {
    let h = Repository::open(repo.path())?;
    if let Some(wd) = repo.workdir() {
        if h.workdir() != Some(wd) {
            h.set_workdir(wd, false)?;
        }
    }
    Ok(h)
}

/// A second handle whose index is empty: libgit2 then reads attributes
/// from the work tree's `.gitattributes` only, never from the real index
/// (which may be one it cannot read, or a large one it need not read).
pub fn worktree_only_handle(repo: &Repository) -> Result<Repository> {
    let h = second_handle(repo)?;
    h.set_index(&mut git2::Index::new()?)?;
    Ok(h)
}

/// The index file's bytes and mtime (`None` if there is none yet).
pub fn read_index(path: &Path) -> Result<Option<(Vec<u8>, index_file::Time)>> {
    let open = std::fs::File::open(path).and_then(|mut f| {
        let meta = f.metadata()?;
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        std::io::Read::read_to_end(&mut f, &mut bytes)?;
        Ok((bytes, meta))
    });
    match open {
        Ok((bytes, meta)) => {
            let written = Stat::of(&meta).map_or((0, 0), |s| s.mtime);
            Ok(Some((bytes, written)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => bail!("cannot read the git index: {e}"),
    }
}

fn stat_of(full: &Path) -> Option<Stat> {
    std::fs::symlink_metadata(full)
        .ok()
        .as_ref()
        .and_then(Stat::of)
}

/// Hash each file as `git add` would (through its filters), or take the
/// given content, writing the blobs.
pub fn hash_files(repo: &Repository, files: &[(String, Option<Vec<u8>>)]) -> Result<Vec<Staging>> {
    let wd = repo
        .workdir()
        .ok_or_else(|| anyhow!("the repository is bare; lanes needs a work tree"))?;
    // Finding a path's filters means reading its attributes, and libgit2
    // reads the whole index to look for `.gitattributes` files in it, even
    // when the work tree has them. Git reads the index only for a
    // `.gitattributes` missing from the work tree (a sparse checkout), and
    // line-ending filters look at the index's copy of a file that has
    // carriage returns ("safer autocrlf"): those go through the real
    // index, the rest through a handle whose index is empty.
    // (A sparse index libgit2 cannot read: the work tree's attributes only.)
    let sparse = repo
        .config()?
        .get_bool("core.sparseCheckout")
        .unwrap_or(false)
        && repo.index().is_ok();
    let mut hasher: Option<Repository> = None;
    let mut out = Vec::with_capacity(files.len());
    for (p, content) in files {
        if let Some(bytes) = content {
            out.push(Staging {
                path: p.clone(),
                oid: Some(repo.blob(bytes)?),
                stat: None,
            });
            continue;
        }
        let full = wd.join(p);
        let meta = match std::fs::symlink_metadata(&full) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                out.push(Staging {
                    path: p.clone(),
                    oid: None,
                    stat: None,
                });
                continue;
            }
            Err(e) => bail!("cannot read {p}: {e}"),
        };
        let Some(before) = Stat::of(&meta) else {
            bail!("{p} is not a regular file; lanes commits only regular board files (nothing was changed)");
        };
        let content = std::fs::read(&full).with_context(|| format!("cannot read {p}"))?;
        let has_cr = content.contains(&b'\r');
        let hasher: &Repository = match &hasher {
            Some(h) => h,
            None => hasher.insert(worktree_only_handle(repo)?),
        };
        let attrs = if sparse { repo } else { hasher };
        let oid = if let Some(cleaned) = clean_filter(attrs, p, &content)? {
            repo.blob(&cleaned)?
        } else if sparse || has_cr {
            // Through the real index (a sparse one libgit2 cannot read: the
            // work tree's attributes, as for any other file).
            match repo.blob_path(&full) {
                Ok(oid) => oid,
                Err(_) => hasher.blob_path(&full)?,
            }
        } else {
            hasher.blob_path(&full)?
        };
        if stat_of(&full) != Some(before) {
            bail!("{p} changed while lanes was committing it; run the command again (nothing was changed)");
        }
        out.push(Staging {
            path: p.clone(),
            oid: Some(oid),
            stat: Some(before),
        });
    }
    Ok(out)
}

/// A path's content through its `filter=<driver>` attribute, as `git add`
/// runs the driver (libgit2 runs none): `filter.<driver>.clean` through the
/// shell, `%f` replaced by the quoted path, the file on its stdin, from the
/// top of the work tree. `None`: no driver applies (git's built-in line
/// ending and ident filters are then applied by libgit2). A required
/// driver that is missing or fails refuses the commit, as git does; an
/// optional one that fails passes the content through, as git does.
pub fn clean_filter(repo: &Repository, path: &str, content: &[u8]) -> Result<Option<Vec<u8>>> {
    let Some(driver) = repo
        .get_attr(
            Path::new(path),
            "filter",
            git2::AttrCheckFlags::FILE_THEN_INDEX,
        )?
        .filter(|d| !d.is_empty() && *d != "true" && *d != "false")
        .map(str::to_string)
    else {
        return Ok(None);
    };
    let config = repo.config()?.snapshot()?;
    let get = |k: &str| {
        config
            .get_string(&format!("filter.{driver}.{k}"))
            .ok()
            .filter(|v| !v.is_empty())
    };
    let required = config
        .get_bool(&format!("filter.{driver}.required"))
        .unwrap_or(false);
    let Some(clean) = get("clean") else {
        if get("process").is_some() && required {
            bail!(
                "{path} goes through filter {driver:?}, which has only a long-running `filter.{driver}.process` command; lanes runs `filter.{driver}.clean` commands only, so it refuses rather than commit the file unfiltered (nothing was changed)"
            );
        }
        if required {
            bail!(
                "{path} needs filter {driver:?} (filter.{driver}.required), but filter.{driver}.clean is not configured in this clone; set it up as your team's README says (git would refuse too; nothing was changed)"
            );
        }
        return Ok(None);
    };
    let quoted = format!("'{}'", path.replace('\'', "'\\''"));
    let command = clean.replace("%f", &quoted);
    let workdir = repo
        .workdir()
        .ok_or_else(|| anyhow!("the repository has no work tree"))?;
    let run = || -> Result<Vec<u8>> {
        let mut child = std::process::Command::new("sh")
            .args(["-c", &command])
            .current_dir(workdir)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot run filter.{driver}.clean"))?;
        let mut stdin = child.stdin.take().ok_or_else(|| anyhow!("no stdin"))?;
        let input = content.to_vec();
        let feeder = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
        let out = child.wait_with_output()?;
        let _ = feeder.join();
        if !out.status.success() {
            bail!(
                "filter.{driver}.clean ({clean}) failed on {path}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(out.stdout)
    };
    match run() {
        Ok(cleaned) => Ok(Some(cleaned)),
        Err(e) if required => {
            Err(e.context("the filter is required, so nothing was committed (nothing was changed)"))
        }
        Err(_) => Ok(Some(content.to_vec())),
    }
}

/// The new index: `index` (as read under the lock) with the staged paths
/// set or removed. Patched in place where [`index_file::patched`] can,
/// the cached ids of the folders in `trees` kept valid
/// ([`index_file::patched_with_trees`]); otherwise through libgit2 on a
/// private copy.
pub fn stage(
    repo: &Repository,
    index_path: &Path,
    index: Option<(Vec<u8>, index_file::Time)>,
    staged: &[Staging],
    trees: &[index_file::TreeIds],
) -> Result<Vec<u8>> {
    if let Some((bytes, written)) = index {
        let changes: Option<Vec<index_file::Change>> = staged
            .iter()
            .map(|s| {
                Some(index_file::Change {
                    path: s.path.clone(),
                    oid: s.oid?,
                    stat: s.stat?,
                })
            })
            .collect();
        if let Some(changes) = changes {
            if let Some((out, _)) = index_file::patched_with_trees(bytes, written, &changes, trees)
            {
                return Ok(out);
            }
        }
    }
    // The buffer went to the patch attempt: read the index again (it
    // cannot have changed: the caller holds its lock).
    let index = read_index(index_path)?;
    with_private_index(repo, index.as_ref().map(|(b, _)| b.as_slice()), |_, idx| {
        for s in staged {
            match s.oid {
                Some(oid) => {
                    let mut entry = super::blob_entry(&s.path, oid);
                    entry.mode = s.mode();
                    if let Some(st) = s.stat {
                        entry.ctime = git2::IndexTime::new(st.ctime.0 as i32, st.ctime.1);
                        entry.mtime = git2::IndexTime::new(st.mtime.0 as i32, st.mtime.1);
                        entry.dev = st.dev;
                        entry.ino = st.ino;
                        entry.uid = st.uid;
                        entry.gid = st.gid;
                        entry.file_size = st.size;
                    }
                    idx.add(&entry)?;
                }
                None => {
                    if idx.get_path(Path::new(&s.path), 0).is_some() {
                        idx.remove_path(Path::new(&s.path))?;
                    }
                }
            }
        }
        Ok(())
    })
}

/// Run `f` on a private copy of the index (`bytes`), owned by a second
/// handle on the repository, and return the copy's bytes as libgit2 wrote
/// them. The real index is never touched.
fn with_private_index(
    repo: &Repository,
    bytes: Option<&[u8]>,
    f: impl FnOnce(&Repository, &mut git2::Index) -> Result<()>,
) -> Result<Vec<u8>> {
    let scratch = Scratch::in_git_dir(repo.path());
    scratch
        .create()
        .with_context(|| format!("cannot create {}", scratch.path().display()))?;
    let tmp = scratch.private_index(std::process::id(), "tmp");
    let result = (|| -> Result<Vec<u8>> {
        match bytes {
            Some(b) => std::fs::write(&tmp, b).map_err(|e| {
                anyhow!("cannot write {}: {e} (nothing was changed)", tmp.display())
            })?,
            None => {
                let _ = std::fs::remove_file(&tmp);
            }
        }
        let scratch = second_handle(repo)?;
        let mut idx = match git2::Index::open(&tmp) {
            Ok(i) => i,
            Err(e)
                if e.message().contains("unsupported mandatory extension") && bytes.is_some() =>
            {
                // A split or sparse index (core.splitIndex, index.sparse),
                // which libgit2 cannot read: git itself rewrites this private
                // copy as one plain index (the shared index and the sparse
                // folders expanded), which git splits or sparsifies again
                // the next time it writes the index.
                plain_index(repo, &tmp)?;
                git2::Index::open(&tmp).map_err(|e| anyhow!("git index: {}", e.message()))?
            }
            Err(e) => bail!("git index: {}", e.message()),
        };
        scratch.set_index(&mut idx)?;
        f(&scratch, &mut idx)?;
        idx.write()
            .map_err(|e| anyhow!("cannot write the index: {}", e.message()))?;
        std::fs::read(&tmp).with_context(|| format!("cannot read {}", tmp.display()))
    })();
    let _ = std::fs::remove_file(&tmp);
    let mut lock = tmp.into_os_string();
    lock.push(".lock");
    let _ = std::fs::remove_file(PathBuf::from(lock));
    result
}

/// Rewrite the index file `path` as a single, full index with the real
/// `git` (which reads split and sparse indexes).
fn plain_index(repo: &Repository, path: &Path) -> Result<()> {
    let mut cmd = std::process::Command::new("git");
    cmd.args([
        "-c",
        "core.splitIndex=false",
        "-c",
        "index.sparse=false",
        "-c",
        "advice.sparseIndexExpanded=false",
        "update-index",
        "--no-split-index",
    ])
    .env("GIT_INDEX_FILE", path)
    .env("GIT_DIR", repo.path())
    .stdin(std::process::Stdio::null());
    if let Some(wd) = repo.workdir() {
        cmd.env("GIT_WORK_TREE", wd).current_dir(wd);
    }
    let out = cmd.output().map_err(|e| {
        anyhow!("this repository's index is split or sparse (core.splitIndex, index.sparse), which lanes reads through the `git` command, and git cannot be run: {e}; nothing was changed")
    })?;
    if !out.status.success() {
        bail!(
            "git could not rewrite a copy of the split or sparse index: {}; nothing was changed",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Whether `path` (relative to the work tree) is a board file: it lies in a
/// `.lanes` folder.
fn is_board_path(path: &str) -> bool {
    path.starts_with(".lanes/") || path.contains("/.lanes/")
}

/// Board files whose staged version (in `index`, the bytes of the index
/// file) is neither `head`'s nor the work tree's while the work tree holds
/// `head`'s: what a git command leaves that read the index before a lanes
/// commit and wrote it back after (`git commit` and `git add` read the
/// index before they take `index.lock`, and write back what they read).
/// Left alone, the next plain `git commit` would commit that stale entry
/// and revert lanes' change. Returns the entries that put `head`'s version
/// back (its blob with the working file's stat data, or a removal where
/// `head` has no such file), leaving out the paths in `skip` and any path
/// in conflict. A file that differs from `head` in the work tree (a hand
/// edit, staged or not) is not touched. Empty when the index is not one
/// this reads.
pub fn stale_board_entries(
    repo: &Repository,
    index: &[u8],
    head: Option<Oid>,
    skip: &[Staging],
) -> Result<Vec<Staging>> {
    let Some(head) = head else {
        return Ok(Vec::new());
    };
    if board_folders_match(repo, index, head)? {
        return Ok(Vec::new());
    }
    let mut staged: std::collections::HashMap<String, Oid> = std::collections::HashMap::new();
    let mut conflicted: Vec<String> = Vec::new();
    let mut roots: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let read = index_file::entry_ids(index, |path, oid, stage| {
        let Ok(path) = std::str::from_utf8(path) else {
            return;
        };
        if !is_board_path(path) {
            return;
        }
        let cut = if path.starts_with(".lanes/") {
            ".lanes".len()
        } else {
            path.find("/.lanes/").map_or(0, |i| i + "/.lanes".len())
        };
        if !roots.contains(&path[..cut]) {
            roots.insert(path[..cut].to_string());
        }
        if stage == 0 {
            staged.insert(path.to_string(), oid);
        } else {
            conflicted.push(path.to_string());
        }
    });
    if read.is_none() {
        return Ok(Vec::new());
    }
    let tree = repo.find_commit(head)?.tree()?;
    if tree.get_name(".lanes").is_some() {
        roots.insert(".lanes".to_string());
    }
    // HEAD's board files.
    let mut committed: std::collections::HashMap<String, Oid> = std::collections::HashMap::new();
    for root in &roots {
        let Ok(entry) = tree.get_path(Path::new(root)) else {
            continue;
        };
        let Ok(sub) = repo.find_tree(entry.id()) else {
            continue;
        };
        sub.walk(git2::TreeWalkMode::PreOrder, |dir, e| {
            if e.kind() == Some(git2::ObjectType::Blob) {
                if let Ok(name) = e.name() {
                    committed.insert(format!("{root}/{dir}{name}"), e.id());
                }
            }
            git2::TreeWalkResult::Ok
        })?;
    }
    let mut differ: Vec<(String, Option<Oid>)> = staged
        .iter()
        .filter(|(p, o)| committed.get(*p) != Some(o))
        .map(|(p, _)| (p.clone(), committed.get(p).copied()))
        .collect();
    differ.extend(
        committed
            .iter()
            .filter(|(p, _)| !staged.contains_key(*p))
            .map(|(p, o)| (p.clone(), Some(*o))),
    );
    differ.retain(|(p, _)| !conflicted.contains(p) && !skip.iter().any(|s| &s.path == p));
    differ.sort();
    let mut out = Vec::new();
    for (path, want) in differ {
        // The working file as git would store it; one lanes cannot hash
        // (not a regular file, changing) is left as it is.
        let Ok(mut now) = hash_files(repo, &[(path.clone(), None)]) else {
            continue;
        };
        let Some(now) = now.pop() else { continue };
        if now.oid == want {
            out.push(now);
        }
    }
    Ok(out)
}

/// Whether the index's cache of tree ids (its `TREE` extension, which
/// `git commit` and lanes' own commits keep) says that every board folder
/// in the index holds exactly `head`'s: then no board entry can be stale,
/// and [`stale_board_entries`] need not compare them one by one. The root
/// folder's cached id being `head`'s tree says it for the whole index;
/// else each board folder (`.lanes`, `<dir>/.lanes`) in the index or in
/// `head` must have `head`'s id. `false` whenever it cannot tell (no cache,
/// a folder marked invalid, a conflict).
fn board_folders_match(repo: &Repository, index: &[u8], head: Oid) -> Result<bool> {
    let Some((cached, conflicts)) = index_file::cached_tree_ids(index) else {
        return Ok(false);
    };
    if conflicts {
        return Ok(false);
    }
    let head_tree = repo.find_commit(head)?.tree_id();
    let cached_id = |dir: &str| {
        cached
            .iter()
            .find(|(d, _)| d == dir)
            .and_then(|(_, oid)| *oid)
    };
    if cached_id("") == Some(head_tree) {
        return Ok(true);
    }
    // The board folders: those the index has entries in, and HEAD's own.
    let mut roots: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut last: Vec<u8> = Vec::new();
    let read = index_file::entry_ids(index, |path, _, _| {
        let cut = if path.starts_with(b".lanes/") {
            Some(".lanes".len())
        } else {
            path.windows(8)
                .position(|w| w == b"/.lanes/")
                .map(|i| i + "/.lanes".len())
        };
        if let Some(root) = cut.map(|c| &path[..c]) {
            if root != last.as_slice() {
                last = root.to_vec();
                roots.insert(String::from_utf8_lossy(root).into_owned());
            }
        }
    });
    if read.is_none() {
        return Ok(false);
    }
    if tree::entry_at(repo, head_tree, ".lanes")?.is_some() {
        roots.insert(".lanes".to_string());
    }
    for root in &roots {
        let want = tree::entry_at(repo, head_tree, root)?.map(|(oid, _)| oid);
        if want.is_none() || cached_id(root) != want {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `parent`'s tree (empty for a first commit) with the staged blobs set or
/// removed. Changes within one folder (a card, or a few) splice that
/// folder's tree; anything else goes through libgit2's tree update.
pub fn build_tree(
    repo: &Repository,
    parent: Option<&git2::Commit<'_>>,
    staged: &[Staging],
) -> Result<Oid> {
    let base = match parent {
        Some(c) => c.tree()?,
        None => {
            let empty = repo.treebuilder(None)?.write()?;
            repo.find_tree(empty)?
        }
    };
    let plain = staged.iter().all(|s| s.mode() == 0o100644);
    let dirs: Vec<Option<(&str, &str)>> = staged.iter().map(|s| s.path.rsplit_once('/')).collect();
    if let (true, Some(Some((dir, _)))) = (plain, dirs.first()) {
        if dirs.iter().all(|d| d.is_some_and(|(d, _)| d == *dir)) {
            let names: Vec<(&str, Option<Oid>)> = staged
                .iter()
                .zip(&dirs)
                .filter_map(|(s, d)| d.map(|(_, name)| (name, s.oid)))
                .collect();
            if let Some(id) = tree::update_blobs(repo, &base, dir, &names)? {
                return Ok(id);
            }
        }
    }
    let mut update = TreeUpdateBuilder::new();
    for s in staged {
        match s.oid {
            Some(oid) => {
                let mode = if s.mode() == 0o100755 {
                    FileMode::BlobExecutable
                } else {
                    FileMode::Blob
                };
                update.upsert(&s.path, oid, mode)
            }
            None => update.remove(&s.path),
        };
    }
    Ok(update.create_updated(repo, &base)?)
}

/// The folders on the paths of `committed` (the root, `""`, included),
/// each with its tree id in `parent` and in `tree`, for the index's cache
/// of tree ids ([`index_file::patched_with_trees`]). Folders on the paths
/// of `others` (index entries changed that are not in the commit) are left
/// out, and so is a folder missing from either tree.
pub fn tree_ids(
    repo: &Repository,
    parent: Option<Oid>,
    tree: Oid,
    committed: &[Staging],
    others: &[Staging],
) -> Result<Vec<index_file::TreeIds>> {
    let Some(parent) = parent else {
        return Ok(Vec::new());
    };
    let was_root = repo.find_commit(parent)?.tree_id();
    let folders = |list: &[Staging]| -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        for s in list {
            out.insert(String::new());
            let mut at = 0;
            while let Some(i) = s.path[at..].find('/') {
                out.insert(s.path[..at + i].to_string());
                at += i + 1;
            }
        }
        out
    };
    let not = folders(others);
    let mut out = Vec::new();
    for dir in folders(committed).difference(&not) {
        let (was, now) = if dir.is_empty() {
            (Some(was_root), Some(tree))
        } else {
            let at = |root: Oid| -> Result<Option<Oid>> {
                Ok(tree::entry_at(repo, root, dir)?
                    .filter(|(_, mode)| *mode == 0o40000)
                    .map(|(oid, _)| oid))
            };
            (at(was_root)?, at(tree)?)
        };
        if let (Some(was), Some(now)) = (was, now) {
            out.push(index_file::TreeIds {
                dir: dir.clone(),
                was,
                now,
            });
        }
    }
    Ok(out)
}

fn blob_at(repo: &Repository, commit: Option<Oid>, path: &str) -> Result<Option<Oid>> {
    let Some(c) = commit else {
        return Ok(None);
    };
    let tree = repo.find_commit(c)?.tree()?;
    Ok(tree.get_path(Path::new(path)).ok().map(|e| e.id()))
}

/// The staged paths whose content differs between commits `a` and `b`.
pub fn touched_between(
    repo: &Repository,
    a: Option<Oid>,
    b: Option<Oid>,
    staged: &[Staging],
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for s in staged {
        if blob_at(repo, a, &s.path)? != blob_at(repo, b, &s.path)? {
            out.push(s.path.clone());
        }
    }
    Ok(out)
}

/// Paths that differ between two commits.
pub fn diff_paths(repo: &Repository, a: Option<Oid>, b: Oid) -> Result<Vec<String>> {
    let ta = a
        .map(|a| repo.find_commit(a).and_then(|c| c.tree()))
        .transpose()?;
    let tb = repo.find_commit(b)?.tree()?;
    let diff = repo.diff_tree_to_tree(ta.as_ref(), Some(&tb), None)?;
    let mut out = Vec::new();
    for d in diff.deltas() {
        for f in [d.old_file(), d.new_file()] {
            if let Some(p) = f.path().and_then(Path::to_str) {
                out.push(p.to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Before forcing `paths` to `target`'s versions: copy aside every working
/// file that holds neither `old`'s nor `target`'s version (a file the user
/// edited after a crash, or one half-written). Returns the folder used.
pub fn save_strays(
    repo: &Repository,
    old: Option<Oid>,
    target: Oid,
    paths: &[String],
) -> Result<Option<PathBuf>> {
    let Some(wd) = repo.workdir() else {
        return Ok(None);
    };
    let mut dir = None;
    for p in paths {
        let full = wd.join(p);
        let Ok(meta) = std::fs::symlink_metadata(&full) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let now = repo.blob_path(&full)?;
        if Some(now) == blob_at(repo, old, p)? || Some(now) == blob_at(repo, Some(target), p)? {
            continue;
        }
        let d = dir.get_or_insert_with(|| {
            Scratch::in_git_dir(repo.path())
                .file(RECOVERED)
                .join(crate::model::date::now_secs().to_string())
        });
        let dest = d.join(p);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(&full, &dest)
            .with_context(|| format!("cannot save {} to {}", full.display(), dest.display()))?;
    }
    Ok(dir)
}

/// A sparse checkout: libgit2 knows nothing of skip-worktree entries (it
/// would take every file outside the sparse patterns for a local deletion),
/// so git itself checks `target` out, as a fast-forward from HEAD
/// (`git read-tree -m -u HEAD <target>`: files outside the patterns stay
/// out, local changes are kept or the checkout refuses), on a private copy
/// of the index that the caller installs under its lock.
fn git_checkout(repo: &Repository, index: &[u8], target: Oid) -> Result<Vec<u8>> {
    let scratch = Scratch::in_git_dir(repo.path());
    scratch.create()?;
    let tmp = scratch.private_index(std::process::id(), "git");
    std::fs::write(&tmp, index).with_context(|| format!("cannot write {}", tmp.display()))?;
    let target_hex = target.to_string();
    let mut cmd = std::process::Command::new("git");
    cmd.args(["read-tree", "-m", "-u", "HEAD", &target_hex])
        .env("GIT_INDEX_FILE", &tmp)
        .env("GIT_DIR", repo.path())
        .stdin(std::process::Stdio::null());
    if let Some(wd) = repo.workdir() {
        cmd.env("GIT_WORK_TREE", wd).current_dir(wd);
    }
    let out = cmd.output();
    let result = match out {
        Ok(o) if o.status.success() => std::fs::read(&tmp).context("cannot read git's index"),
        Ok(o) => Err(anyhow!(
            "incoming changes would overwrite your uncommitted work (git says: {}); commit or stash it, then sync again (nothing was changed)",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(anyhow!(
            "this clone uses a sparse checkout, which lanes checks out through the `git` command, and git cannot be run: {e} (nothing was changed)"
        )),
    };
    let _ = std::fs::remove_file(&tmp);
    result
}

/// Check out commit `target` over the work tree (from HEAD's tree), on a
/// private copy of the index (`index`); returns the copy's new bytes. Safe by
/// default: refuses, changing nothing, if uncommitted work would be
/// overwritten. With `force_paths`, exactly those paths are written.
pub fn checkout_into_index(
    repo: &Repository,
    index: Option<&(Vec<u8>, index_file::Time)>,
    target: Oid,
    force_paths: &[String],
) -> Result<Vec<u8>> {
    let sparse = repo
        .config()?
        .get_bool("core.sparseCheckout")
        .unwrap_or(false);
    if sparse && force_paths.is_empty() {
        if let Some(bytes) = index.map(|(b, _)| b.as_slice()) {
            return git_checkout(repo, bytes, target);
        }
    }
    let blocked = std::cell::RefCell::new(Vec::new());
    let result = with_private_index(repo, index.map(|(b, _)| b.as_slice()), |scratch, _| {
        let tree = scratch.find_commit(target)?.tree()?;
        // The baseline is HEAD's tree: the branch is at the commit the
        // transaction started from.
        let mut co = CheckoutBuilder::new();
        if force_paths.is_empty() {
            co.safe();
            co.notify_on(git2::CheckoutNotificationType::CONFLICT);
            co.notify(|_, path, _, _, _| {
                if let Some(p) = path {
                    blocked.borrow_mut().push(p.display().to_string());
                }
                true
            });
        } else {
            co.force().disable_pathspec_match(true);
            for p in force_paths {
                co.path(p);
            }
        }
        co.progress(|_, done, _| {
            if done == 2 {
                super::txn::crash_point("checkout");
            }
        });
        scratch
            .checkout_tree(tree.as_object(), Some(&mut co))
            .map_err(|e| anyhow!("{}", e.message()))
    });
    match result {
        Ok(bytes) => Ok(bytes),
        Err(e) => {
            let files = blocked.into_inner();
            if force_paths.is_empty() {
                bail!(
                    "incoming changes would overwrite your uncommitted work in {}; commit or stash it, then sync again (nothing was changed)",
                    if files.is_empty() { e.to_string() } else { files.join(", ") }
                );
            }
            Err(e.context("cannot check out the synced files"))
        }
    }
}
