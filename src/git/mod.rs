//! Git through git2: plain blocking functions, each opening its own
//! `Repository` from a path, so no handle crosses threads.

pub mod commit;
mod identity;
pub mod index_file;
pub mod lock;
pub mod pack;
pub mod partial;
pub mod process;
pub mod rules;
pub mod tree;
pub mod txn;

pub use identity::{identity, me, parse_git_date, Signer, Who};
pub use lock::LOCK_WAIT;
pub use txn::Transaction;

use anyhow::{anyhow, bail, Context, Result};
use git2::{Oid, Repository, RepositoryState};
use std::path::{Path, PathBuf};

/// libgit2 re-hashes every object it reads by default (with the slow,
/// collision-detecting SHA-1); git itself does not. History walks read
/// thousands of large trees, so lanes reads as git does.
fn setup() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::strict_hash_verification(false));
}

/// Where a repository's git dir is, as [`locate`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The git dir: `.git`, or a linked worktree's or a submodule's own.
    pub git_dir: PathBuf,
    /// The folder holding the `.git` that named it; `None` when `GIT_DIR`
    /// named it.
    pub top: Option<PathBuf>,
}

/// The one git-dir discovery, as git does it: the folder `GIT_DIR` names
/// when it is set (relative to the current folder; the current folder is
/// then not searched), else the nearest `.git` at or above `start`, a
/// folder or a file saying `gitdir: <path>` (linked worktrees,
/// submodules). A few `stat`s, no repository opened: lanes' own folder in
/// the git dir ([`crate::store::cache::Scratch`]) is found with it, and
/// [`open`] opens what it finds. `None`: no `.git` (a bare repository is
/// left to libgit2, which says what it is).
pub fn locate(start: &Path) -> Option<Located> {
    if let Some(dir) = crate::env::Env::get().os("GIT_DIR") {
        let dir = PathBuf::from(dir);
        let git_dir = if dir.is_absolute() {
            dir
        } else {
            std::env::current_dir().ok()?.join(dir)
        };
        return Some(Located { git_dir, top: None });
    }
    // Searched up the folder's real path, as git searches from its
    // current folder.
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let mut at = Some(start.as_path());
    while let Some(d) = at {
        let dot = d.join(".git");
        match std::fs::metadata(&dot) {
            Ok(m) if m.is_dir() => {
                return Some(Located {
                    git_dir: dot,
                    top: Some(d.to_path_buf()),
                })
            }
            Ok(m) if m.is_file() => {
                let text = std::fs::read_to_string(&dot).ok()?;
                let target = text.strip_prefix("gitdir:")?.trim();
                return Some(Located {
                    git_dir: d.join(target),
                    top: Some(d.to_path_buf()),
                });
            }
            _ => at = d.parent(),
        }
    }
    None
}

/// The index file of the repository whose git dir is `git_dir`:
/// `GIT_INDEX_FILE` when set (relative to the current folder), as git
/// reads it.
pub fn index_file(git_dir: &Path) -> PathBuf {
    match crate::env::Env::get().os("GIT_INDEX_FILE") {
        Some(f) => {
            let f = PathBuf::from(f);
            if f.is_absolute() {
                f
            } else {
                std::env::current_dir().map(|d| d.join(&f)).unwrap_or(f)
            }
        }
        None => git_dir.join("index"),
    }
}

/// Open what [`locate`] finds from `path` (libgit2 searches only where it
/// finds nothing: a bare repository, or no repository, which it explains).
fn open_located(path: &Path) -> std::result::Result<Repository, git2::Error> {
    match locate(path) {
        Some(Located { top: None, .. }) => from_env(),
        Some(Located { top: Some(top), .. }) => Repository::open_ext(
            &top,
            git2::RepositoryOpenFlags::NO_SEARCH,
            std::iter::empty::<&std::ffi::OsStr>(),
        ),
        None => Repository::discover(path),
    }
}

/// Open the repository that holds `path`.
pub fn open(path: &Path) -> Result<Repository> {
    setup();
    open_located(path).map_err(|e| {
        if let Some(msg) = unsupported(&e) {
            return anyhow!("{msg}");
        }
        anyhow!(
            "{} is not inside a git repository ({}); run `git init` or `lanes init` there",
            path.display(),
            e.message()
        )
    })
}

/// The top folder of the work tree `path` is in (for commands that work
/// before a board exists here, like `lanes sync` in an early clone).
pub fn work_tree_of(path: &Path) -> Result<std::path::PathBuf> {
    let repo = open(path)?;
    let wd = repo.workdir().ok_or_else(|| {
        anyhow!(
            "{} is a bare repository: lanes needs a work tree",
            repo.path().display()
        )
    })?;
    Ok(std::fs::canonicalize(wd).unwrap_or_else(|_| wd.to_path_buf()))
}

/// `f` over contiguous stretches of `items`, one stretch per core (up to
/// 8, each at least `min_chunk` long), each thread with a repository handle
/// of its own (a `Repository` is not shared between threads); the results
/// in order.
pub fn on_every_core<T: Sync, U: Send>(
    root: &Path,
    items: &[T],
    min_chunk: usize,
    f: impl Fn(&Repository, &[T]) -> Result<Vec<U>> + Sync,
) -> Result<Vec<U>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let chunk = items.len().div_ceil(threads).max(min_chunk.max(1));
    let f = &f;
    let parts: Vec<Result<Vec<U>>> = std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || f(&open(root)?, part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut out = Vec::with_capacity(items.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

/// The repository `GIT_DIR` names (with `GIT_WORK_TREE`, `GIT_INDEX_FILE`
/// and the other variables git reads): as git does, the current folder is
/// then not searched.
fn from_env() -> std::result::Result<Repository, git2::Error> {
    Repository::open_from_env().and_then(|r| {
        if let Some(wt) = crate::env::Env::get().os("GIT_WORK_TREE") {
            r.set_workdir(Path::new(&wt), false)?;
        }
        Ok(r)
    })
}

/// An honest message for a repository libgit2 cannot open at all.
fn unsupported(e: &git2::Error) -> Option<String> {
    let m = e.message();
    if m.contains("objectformat") || m.contains("sha256") {
        return Some(format!(
            "this repository stores objects with SHA-256 (extensions.objectFormat), which the git library lanes is built on cannot read yet; lanes works with SHA-1 repositories only (nothing was changed) [{m}]"
        ));
    }
    if m.contains("unsupported extension") {
        return Some(format!(
            "this repository uses a git extension the library lanes is built on does not support, so lanes cannot safely change it (nothing was changed) [{m}]"
        ));
    }
    None
}

/// Open the repository at `path`, creating one (as `git init` would) if the
/// folder is in none. Returns the repository and whether it was created.
pub fn open_or_init(path: &Path) -> Result<(Repository, bool)> {
    setup();
    let named_by_env = locate(path).is_some_and(|l| l.top.is_none());
    let found = open_located(path);
    if let Some(msg) = found.as_ref().err().and_then(unsupported) {
        bail!("{msg}");
    }
    if named_by_env && found.is_err() {
        bail!(
            "GIT_DIR is set but names no repository ({}); unset it or run `git init` first (nothing was changed)",
            found.err().map(|e| e.message().to_string()).unwrap_or_default()
        );
    }
    match found {
        Ok(r) if !r.is_bare() => Ok((r, false)),
        Ok(r) => bail!(
            "{} is a bare repository (it has no work tree to hold a board); clone it (`git clone {} <folder>`) and run `lanes init` in the clone (nothing was changed)",
            r.path().display(),
            r.path().display()
        ),
        Err(_) => {
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

/// Commit exactly `paths` (relative to the work tree, as they are now in the
/// working tree; missing files are deletions) on top of the branch, like
/// `git commit --only`: the rest of the index and the working tree are left
/// as they are. The index entries of `paths` are updated to match. One
/// transaction (see [`txn`]).
/// `hooks`: whether the repository's commit hooks run (see
/// [`Transaction::run_hooks`]).
pub fn commit_paths(
    repo: &Repository,
    signer: &Signer,
    paths: &[String],
    message: &str,
    hooks: bool,
) -> Result<Oid> {
    let files: Vec<(String, Option<Vec<u8>>)> = paths.iter().map(|p| (p.clone(), None)).collect();
    commit_files(repo, signer, &files, message, hooks)
}

/// Like [`commit_paths`], but a path may come with the exact content to
/// commit (its index entry gets that content too, while the working file is
/// left as it is): used to commit lanes' own lines of a file the user is
/// also editing, without the user's unfinished edits.
pub fn commit_files(
    repo: &Repository,
    signer: &Signer,
    files: &[(String, Option<Vec<u8>>)],
    message: &str,
    hooks: bool,
) -> Result<Oid> {
    let subject = message.lines().next().unwrap_or("");
    let mut tx = Transaction::begin(repo, "commit", subject)?;
    tx.sign_as(signer.clone());
    tx.run_hooks(hooks);
    tx.commit(files, message)
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
    let statuses = match repo.statuses(Some(&mut opts)) {
        Ok(s) => s,
        // A split or sparse index libgit2 cannot read: ask git.
        Err(e) if e.message().contains("unsupported mandatory extension") => {
            return changed_paths_by_git(repo, dir_prefix)
        }
        Err(e) => return Err(e.into()),
    };
    let mut out: Vec<String> = statuses
        .iter()
        .filter_map(|s| s.path().ok().map(str::to_string))
        .filter(|p| p.starts_with(dir_prefix))
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

fn changed_paths_by_git(repo: &Repository, dir_prefix: &str) -> Result<Vec<String>> {
    let mut cmd = std::process::Command::new("git");
    cmd.args([
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--no-renames",
        "--",
        dir_prefix,
    ])
    .env("GIT_DIR", repo.path())
    .stdin(std::process::Stdio::null());
    if let Some(wd) = repo.workdir() {
        cmd.env("GIT_WORK_TREE", wd).current_dir(wd);
    }
    let out = cmd
        .output()
        .map_err(|e| anyhow!("cannot run git status for this split or sparse index: {e}"))?;
    if !out.status.success() {
        bail!(
            "git status failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let mut paths: Vec<String> = out
        .stdout
        .split(|&b| b == 0)
        .filter(|e| e.len() > 3)
        .map(|e| String::from_utf8_lossy(&e[3..]).into_owned())
        .filter(|p| p.starts_with(dir_prefix))
        .collect();
    paths.sort();
    paths.dedup();
    Ok(paths)
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
