//! Git through git2: plain blocking functions, each opening its own
//! `Repository` from a path, so no handle crosses threads.

mod identity;
pub mod index_file;
pub mod tree;

pub use identity::{identity, parse_git_date, set_identity_override, Override};

use anyhow::{anyhow, bail, Context, Result};
use git2::{build::TreeUpdateBuilder, FileMode, Oid, Repository, RepositoryState};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long to wait for another process's `index.lock` to go away.
pub const LOCK_WAIT: Duration = Duration::from_secs(2);

/// libgit2 re-hashes every object it reads by default (with the slow,
/// collision-detecting SHA-1); git itself does not. History walks read
/// thousands of large trees, so lanes reads as git does.
fn setup() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::strict_hash_verification(false));
}

/// Open the repository that holds `path`.
pub fn open(path: &Path) -> Result<Repository> {
    setup();
    Repository::discover(path).map_err(|e| {
        anyhow!(
            "{} is not inside a git repository ({}); run `git init` or `lanes init` there",
            path.display(),
            e.message()
        )
    })
}

/// Open the repository at `path`, creating one (as `git init` would) if the
/// folder is in none. Returns the repository and whether it was created.
pub fn open_or_init(path: &Path) -> Result<(Repository, bool)> {
    setup();
    match Repository::discover(path) {
        Ok(r) if !r.is_bare() => Ok((r, false)),
        _ => {
            let r = Repository::init(path)
                .with_context(|| format!("cannot create a git repository in {}", path.display()))?;
            Ok((r, true))
        }
    }
}

/// The repository's work tree, canonicalized.
pub fn workdir(repo: &Repository) -> Result<PathBuf> {
    let wd = repo
        .workdir()
        .ok_or_else(|| anyhow!("the repository is bare; lanes needs a work tree"))?;
    Ok(std::fs::canonicalize(wd)?)
}

/// The path of `rel` (relative to the board root) relative to the work tree,
/// with `/` separators, as git wants it.
pub fn repo_path(repo: &Repository, root: &Path, rel: &str) -> Result<String> {
    let wd = workdir(repo)?;
    let root = std::fs::canonicalize(root)?;
    let prefix = root.strip_prefix(&wd).map_err(|_| {
        anyhow!(
            "the board {} is outside the repository's work tree {}",
            root.display(),
            wd.display()
        )
    })?;
    let mut p = prefix.to_string_lossy().replace('\\', "/");
    if !p.is_empty() {
        p.push('/');
    }
    p.push_str(rel);
    Ok(p)
}

/// The branch HEAD points to (`refs/heads/...`), refusing states in which a
/// commit would be wrong: detached HEAD, a merge, rebase, cherry-pick...
pub fn check_ready(repo: &Repository) -> Result<String> {
    let state = repo.state();
    if state != RepositoryState::Clean {
        let (what, how) = match state {
            RepositoryState::Merge => (
                "a merge",
                "finish it with `git commit`, or `git merge --abort`",
            ),
            RepositoryState::Rebase
            | RepositoryState::RebaseInteractive
            | RepositoryState::RebaseMerge => (
                "a rebase",
                "finish it with `git rebase --continue`, or `git rebase --abort`",
            ),
            RepositoryState::CherryPick | RepositoryState::CherryPickSequence => (
                "a cherry-pick",
                "finish it with `git cherry-pick --continue`, or `--abort`",
            ),
            RepositoryState::Revert | RepositoryState::RevertSequence => (
                "a revert",
                "finish it with `git revert --continue`, or `--abort`",
            ),
            RepositoryState::Bisect => ("a bisect", "end it with `git bisect reset`"),
            _ => ("another git operation", "finish or abort it"),
        };
        bail!("the repository is in the middle of {what}; {how}, then try again (nothing was changed)");
    }
    let head = repo.find_reference("HEAD")?;
    match head.symbolic_target().ok().flatten() {
        Some(t) => Ok(t.to_string()),
        None => bail!(
            "HEAD is detached, so a commit would belong to no branch; check out a branch (`git switch <branch>`) and try again (nothing was changed)"
        ),
    }
}

/// Wait for another process's index.lock to be released.
pub fn wait_for_index_lock(repo: &Repository) -> Result<()> {
    let lock = repo.path().join("index.lock");
    let start = Instant::now();
    while lock.exists() {
        if start.elapsed() > LOCK_WAIT {
            bail!(
                "{} is held by another git process; wait for it to finish (or remove the file if no git command is running) and try again (nothing was changed)",
                lock.display()
            );
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Ok(())
}

fn with_lock_retry<T>(mut f: impl FnMut() -> std::result::Result<T, git2::Error>) -> Result<T> {
    let start = Instant::now();
    loop {
        match f() {
            Err(e) if e.code() == git2::ErrorCode::Locked && start.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(e) if e.code() == git2::ErrorCode::Locked => {
                bail!(
                    "the git index is locked by another process: {}",
                    e.message()
                )
            }
            other => return other.map_err(|e| anyhow!("git: {}", e.message())),
        }
    }
}

/// Commit exactly `paths` (relative to the work tree, as they are now in the
/// working tree; missing files are deletions) on top of HEAD, like
/// `git commit --only`: the rest of the index and the working tree are left
/// as they are. The index entries of `paths` are updated to match.
pub fn commit_paths(repo: &Repository, paths: &[String], message: &str) -> Result<Oid> {
    let files: Vec<(String, Option<Vec<u8>>)> = paths.iter().map(|p| (p.clone(), None)).collect();
    commit_files(repo, &files, message)
}

/// Like [`commit_paths`], but a path may come with the exact content to
/// commit (its index entry gets that content too, while the working file is
/// left as it is): used to commit lanes' own lines of a file the user is
/// also editing, without the user's unfinished edits.
pub fn commit_files(
    repo: &Repository,
    files: &[(String, Option<Vec<u8>>)],
    message: &str,
) -> Result<Oid> {
    let branch = check_ready(repo)?;
    let (author, committer) = identity(repo)?;
    let parent = match repo.head() {
        Ok(h) => Some(h.peel_to_commit()?),
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            None
        }
        Err(e) => return Err(anyhow!("cannot read HEAD: {}", e.message())),
    };
    let base_tree = match &parent {
        Some(c) => c.tree()?,
        None => {
            let empty = repo.treebuilder(None)?.write()?;
            repo.find_tree(empty)?
        }
    };
    let (mut staged, changes) = match stage_in_place(repo, files)? {
        Some(done) => done,
        None => stage_libgit2(repo, files)?,
    };
    let changes: Vec<(&str, Option<Oid>)> =
        changes.iter().map(|(p, oid)| (p.as_str(), *oid)).collect();
    let tree_id = build_tree(repo, &base_tree, &changes)?;
    if parent.as_ref().is_some_and(|c| c.tree_id() == tree_id) {
        bail!("nothing to commit: the board files are unchanged");
    }
    staged.write()?;
    let tree = repo.find_tree(tree_id)?;
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    match repo.commit(Some(&branch), &author, &committer, message, &tree, &parents) {
        Ok(oid) => Ok(oid),
        Err(e) => {
            staged.undo(repo);
            if e.code() == git2::ErrorCode::Modified {
                bail!("the branch moved while lanes was committing (another process committed); run the command again");
            }
            Err(anyhow!("commit failed: {}", e.message()))
        }
    }
}

/// The index entries of a commit's paths, updated but not yet written.
enum Staged {
    /// The index file patched in place (see [`index_file`]), under a held
    /// `index.lock` until written.
    InPlace {
        lock: Option<IndexLock>,
        bytes: Vec<u8>,
        /// Each path's entry before (`None`: added).
        old: Vec<(String, Option<index_file::Change>)>,
    },
    /// libgit2's index, with the entries as they were, to put back.
    Libgit2 {
        index: git2::Index,
        old: Vec<(String, Option<git2::IndexEntry>)>,
    },
}

/// Each path with its new blob, or `None` for a removal.
type Changes = Vec<(String, Option<Oid>)>;

impl Staged {
    fn write(&mut self) -> Result<()> {
        match self {
            Staged::InPlace { lock, bytes, .. } => match lock.take() {
                Some(l) => l.commit(bytes),
                None => Ok(()),
            },
            Staged::Libgit2 { index, .. } => with_lock_retry(|| index.write()),
        }
    }

    /// Put the entries back as they were (best effort: the commit failed
    /// already, and that is the error to report).
    fn undo(self, repo: &Repository) {
        match self {
            Staged::InPlace { old, .. } => {
                let index_path = repo.path().join("index");
                // Entries that were there are patched back; an added one
                // needs libgit2 to remove it.
                let was: Option<Vec<index_file::Change>> =
                    old.iter().map(|(_, c)| c.clone()).collect();
                let restored = was.and_then(|was| {
                    let lock = IndexLock::acquire(repo).ok()?;
                    let (now, written) = read_index(&index_path).ok()??;
                    let (bytes, _) = index_file::patched(now, written, &was)?;
                    lock.commit(&bytes).ok()
                });
                if restored.is_none() {
                    if let Ok(mut index) = repo.index() {
                        let _ = with_lock_retry(|| index.read(true));
                        for (p, c) in &old {
                            let _ = match c {
                                Some(c) => {
                                    let mut entry = blob_entry(&c.path, c.oid);
                                    entry.mode = c.stat.mode;
                                    index.add(&entry)
                                }
                                None => index.remove_path(Path::new(p)),
                            };
                        }
                        let _ = index.write();
                    }
                }
            }
            Staged::Libgit2 { mut index, old } => {
                let _ = with_lock_retry(|| index.read(true));
                for (p, entry) in &old {
                    let _ = match entry {
                        Some(entry) => index.add(entry),
                        None => index.remove_path(Path::new(p)),
                    };
                }
                let _ = index.write();
            }
        }
    }
}

/// Stage files by patching the index file (the common cases: a card changed
/// or added). `None` when that does not apply: a removal, given content, a
/// file changing while it is read, or an index [`index_file::patched`]
/// leaves to libgit2.
fn stage_in_place(
    repo: &Repository,
    files: &[(String, Option<Vec<u8>>)],
) -> Result<Option<(Staged, Changes)>> {
    let Some(wd) = repo.workdir() else {
        return Ok(None);
    };
    if files.iter().any(|(_, content)| content.is_some()) {
        return Ok(None);
    }
    // Finding a path's filters means reading its attributes, and libgit2
    // reads the whole index to look for `.gitattributes` files in it, even
    // when the work tree has them. Git reads the index only for a
    // `.gitattributes` missing from the work tree (a sparse checkout): so
    // hash through a second handle whose index is empty, unless sparse or a
    // file has carriage returns (below).
    if repo
        .config()?
        .get_bool("core.sparseCheckout")
        .unwrap_or(false)
    {
        return Ok(None);
    }
    let hasher = Repository::open(repo.path())?;
    hasher.set_index(&mut git2::Index::new()?)?;
    let mut changes = Vec::with_capacity(files.len());
    for (p, _) in files {
        let full = wd.join(p);
        let stat = |full: &Path| {
            std::fs::symlink_metadata(full)
                .ok()
                .as_ref()
                .and_then(index_file::Stat::of)
        };
        let Some(before) = stat(&full) else {
            return Ok(None);
        };
        // Line-ending filters look at the index's copy of a file that has
        // carriage returns ("safer autocrlf"): libgit2 with the real index.
        if std::fs::read(&full).map_or(true, |b| b.contains(&b'\r')) {
            return Ok(None);
        }
        // Through the path's filters (line endings...), as `git add` does.
        let oid = hasher.blob_path(&full)?;
        if stat(&full) != Some(before) {
            return Ok(None);
        }
        changes.push(index_file::Change {
            path: p.clone(),
            oid,
            stat: before,
        });
    }
    let lock = IndexLock::acquire(repo)?;
    let Some((bytes, written)) = read_index(&repo.path().join("index"))? else {
        return Ok(None);
    };
    let Some((bytes, old)) = index_file::patched(bytes, written, &changes) else {
        return Ok(None);
    };
    let old = changes.iter().map(|c| c.path.clone()).zip(old).collect();
    let list = changes.into_iter().map(|c| (c.path, Some(c.oid))).collect();
    Ok(Some((
        Staged::InPlace {
            lock: Some(lock),
            bytes,
            old,
        },
        list,
    )))
}

/// The index file's bytes and mtime (`None` if there is none yet).
fn read_index(path: &Path) -> Result<Option<(Vec<u8>, index_file::Time)>> {
    let open = std::fs::File::open(path).and_then(|mut f| {
        let meta = f.metadata()?;
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        std::io::Read::read_to_end(&mut f, &mut bytes)?;
        Ok((bytes, meta))
    });
    match open {
        Ok((bytes, meta)) => {
            let written = index_file::Stat::of(&meta).map_or((0, 0), |s| s.mtime);
            Ok(Some((bytes, written)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => bail!("cannot read the git index: {e}"),
    }
}

/// Stage through libgit2's index: any case.
fn stage_libgit2(
    repo: &Repository,
    files: &[(String, Option<Vec<u8>>)],
) -> Result<(Staged, Changes)> {
    let mut index = repo.index()?;
    with_lock_retry(|| index.read(false))?;
    let old = files
        .iter()
        .map(|(p, _)| (p.clone(), index.get_path(Path::new(p), 0)))
        .collect();
    let wd = workdir(repo)?;
    let mut changes = Vec::with_capacity(files.len());
    for (p, content) in files {
        if let Some(bytes) = content {
            let oid = repo.blob(bytes)?;
            let mut entry = index
                .get_path(Path::new(p), 0)
                .unwrap_or_else(|| blob_entry(p, oid));
            entry.id = oid;
            entry.file_size = bytes.len() as u32;
            index.add(&entry)?;
            changes.push((p.clone(), Some(oid)));
        } else if wd.join(p).exists() {
            index.add_path(Path::new(p))?;
            let entry = index
                .get_path(Path::new(p), 0)
                .ok_or_else(|| anyhow!("{p} vanished from the index"))?;
            changes.push((p.clone(), Some(entry.id)));
        } else {
            if index.get_path(Path::new(p), 0).is_some() {
                index.remove_path(Path::new(p))?;
            }
            changes.push((p.clone(), None));
        }
    }
    Ok((Staged::Libgit2 { index, old }, changes))
}

/// `index.lock` taken as git takes it (created exclusively), for writing the
/// index file directly. Removed on drop unless committed.
struct IndexLock {
    path: PathBuf,
    index: PathBuf,
    file: Option<std::fs::File>,
}

impl IndexLock {
    /// Take the lock, waiting up to [`LOCK_WAIT`] for another holder.
    fn acquire(repo: &Repository) -> Result<IndexLock> {
        let index = repo.path().join("index");
        let path = repo.path().join("index.lock");
        let start = Instant::now();
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    return Ok(IndexLock {
                        path,
                        index,
                        file: Some(file),
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if start.elapsed() > LOCK_WAIT {
                        bail!(
                            "{} is held by another git process; wait for it to finish (or remove the file if no git command is running) and try again (nothing was changed)",
                            path.display()
                        );
                    }
                    std::thread::sleep(Duration::from_millis(25));
                }
                Err(e) => bail!("cannot create {}: {e}", path.display()),
            }
        }
    }

    /// Write `bytes` as the new index and release the lock.
    fn commit(mut self, bytes: &[u8]) -> Result<()> {
        use std::io::Write;
        let mut file = self.file.take().expect("an index lock holds its file");
        file.write_all(bytes)
            .and_then(|()| file.flush())
            .map_err(|e| anyhow!("cannot write {}: {e}", self.path.display()))?;
        drop(file);
        std::fs::rename(&self.path, &self.index)
            .map_err(|e| anyhow!("cannot replace {}: {e}", self.index.display()))?;
        self.path.clear();
        Ok(())
    }
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// `base` with the given blobs set or removed. Changes within one folder
/// (a card, or a few) splice that folder's tree; anything else goes through
/// libgit2's tree update.
fn build_tree(
    repo: &Repository,
    base: &git2::Tree<'_>,
    changes: &[(&str, Option<Oid>)],
) -> Result<Oid> {
    let dirs: Vec<Option<(&str, &str)>> = changes.iter().map(|(p, _)| p.rsplit_once('/')).collect();
    if let Some(Some((dir, _))) = dirs.first() {
        if dirs.iter().all(|d| d.is_some_and(|(d, _)| d == *dir)) {
            let names: Vec<(&str, Option<Oid>)> = changes
                .iter()
                .zip(&dirs)
                .filter_map(|((_, oid), d)| d.map(|(_, name)| (name, *oid)))
                .collect();
            if let Some(id) = tree::update_blobs(repo, base, dir, &names)? {
                return Ok(id);
            }
        }
    }
    let mut update = TreeUpdateBuilder::new();
    for (p, oid) in changes {
        match oid {
            Some(oid) => update.upsert(*p, *oid, FileMode::Blob),
            None => update.remove(*p),
        };
    }
    Ok(update.create_updated(repo, base)?)
}

/// An index entry for a regular file with no stat data (git re-checks the
/// working file's content when it next looks).
pub fn blob_entry(path: &str, oid: Oid) -> git2::IndexEntry {
    git2::IndexEntry {
        ctime: git2::IndexTime::new(0, 0),
        mtime: git2::IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: 0o100644,
        uid: 0,
        gid: 0,
        file_size: 0,
        id: oid,
        flags: path.len().min(0xfff) as u16,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    }
}

/// Board files under `dir_prefix` (relative to the work tree, ending in `/`)
/// that differ between HEAD, the index and the working tree.
pub fn changed_paths(repo: &Repository, dir_prefix: &str) -> Result<Vec<String>> {
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .pathspec(dir_prefix)
        .disable_pathspec_match(false);
    let statuses = repo.statuses(Some(&mut opts))?;
    let mut out: Vec<String> = statuses
        .iter()
        .filter_map(|s| s.path().ok().map(str::to_string))
        .filter(|p| p.starts_with(dir_prefix))
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// Short name of the current branch, or a description of HEAD.
pub fn branch_name(repo: &Repository) -> String {
    match repo.find_reference("HEAD") {
        Ok(h) => match h.symbolic_target().ok().flatten() {
            Some(t) => t.trim_start_matches("refs/heads/").to_string(),
            None => "(detached)".to_string(),
        },
        Err(_) => "(no HEAD)".to_string(),
    }
}
