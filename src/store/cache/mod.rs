//! lanes' own folder in the git dir, `.git/lanes/`: never committed, never
//! seen by the board watcher, and the only place lanes writes outside the
//! board's files and git's own. This module owns its path (found with the
//! one git-dir discovery, [`git::locate`](crate::git::locate)), the name of
//! every file in it, atomic writes of those files, and the caches kept
//! there:
//!
//! - [`envelope`]: the one file format of every cache (magic, kind and
//!   version, a checksum per section, a sealed trailer);
//! - [`table`]: the one stamp-checked table, git's racy-clean rule written
//!   once, that says which cached entries a card file still vouches for;
//! - [`cards`]: every card in a compact form with its `list --json` text,
//!   for whole-board reads (`cards-v1`);
//! - [`summary`]: each card's id, lane, rank, title, archived flag and
//!   `depends_on` and `parent` links, for commands that change one card
//!   (`index-v2`), kept apart so that a change never rewrites the card
//!   cache;
//! - the history cache (`history-v2`) is written by
//!   [`history`](crate::history) in the same envelope.
//!
//! Anything unexpected in a cache (another version, a cut-off write,
//! damage its checksums show) means no cache, never a wrong card; deleting
//! any cache is always safe.

pub mod cards;
pub mod envelope;
pub mod summary;
pub mod table;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The transaction journal ([`git::txn`](crate::git::txn)).
pub const JOURNAL: &str = "transaction";
/// The board lock ([`store::lock`](crate::store::lock)).
pub const LOCK: &str = "lock";
/// The card cache ([`cards`]).
pub const CARDS: &str = "cards-v1";
/// The summary index ([`summary`]).
pub const SUMMARY: &str = "index-v2";
/// What lanes changed in the cards folder since the summary index was
/// written ([`summary`]).
pub const SUMMARY_NOTES: &str = "index-v2-notes";
/// The history cache ([`history`](crate::history)).
pub const HISTORY: &str = "history-v2";
/// Where and when the last sync started.
pub const LAST_SYNC: &str = "last-sync";
/// Rejected edits of a card, kept for the user.
pub const RECOVERY: &str = "recovery";
/// Files a crashed checkout would have overwritten, kept for the user.
pub const RECOVERED: &str = "recovered";
/// Objects being written, in the common git dir (see [`objects_tmp`]).
pub const OBJECTS_TMP: &str = "objects-tmp";
/// Caches of earlier versions, removed when their successors are written.
const RETIRED: &[&str] = &["index-v1", "history-v1", "side-v1"];

/// lanes' folder in one git dir (`<git dir>/lanes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scratch {
    git_dir: PathBuf,
    dir: PathBuf,
}

impl Scratch {
    /// The folder in `git_dir` (a repository's [`path`](git2::Repository::path)).
    pub fn in_git_dir(git_dir: &Path) -> Scratch {
        Scratch {
            git_dir: git_dir.to_path_buf(),
            dir: git_dir.join("lanes"),
        }
    }

    /// The git dir the folder is in.
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// The folder of the repository holding the board at `root`, found
    /// without opening the repository; `None` outside git.
    pub fn of_board(root: &Path) -> Option<Scratch> {
        crate::git::locate(root).map(|l| Scratch::in_git_dir(&l.git_dir))
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// A file (or folder) in it, by one of this module's names.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The folder, created if it does not exist yet.
    pub fn create(&self) -> std::io::Result<&Path> {
        fs::create_dir_all(&self.dir)?;
        Ok(&self.dir)
    }

    /// Where a change keeps the file it replaces until its commit is made
    /// (a hard link: putting it back needs no free space).
    pub fn backup(&self, pid: u32) -> PathBuf {
        self.dir.join(format!("backup.{pid}"))
    }

    /// The copy of a card the user's editor works on.
    pub fn edit_copy(&self, card: &str) -> PathBuf {
        self.dir.join(format!("edit-{card}.yaml"))
    }

    /// A folder for a journal note written in the user's editor.
    pub fn note_dir(&self, pid: u32, secs: i64) -> PathBuf {
        self.dir.join(format!("note-{pid}-{secs}"))
    }

    /// A private copy of git's index (`ext`: `tmp` for libgit2's, `git`
    /// for git's own).
    pub fn private_index(&self, pid: u32, ext: &str) -> PathBuf {
        self.dir.join(format!("index.{pid}.{ext}"))
    }

    /// The stem of the files an ssh signature is made with.
    pub fn signing(&self, pid: u32) -> PathBuf {
        self.dir.join(format!("sign.{pid}"))
    }

    /// Remove the caches of earlier versions (nothing reads them).
    pub fn remove_retired(&self) {
        for name in RETIRED {
            let _ = fs::remove_file(self.dir.join(name));
        }
    }
}

/// Where objects are written before they are renamed into the object
/// store: lanes' folder in the common git dir (shared by linked worktrees,
/// as the object store is).
pub fn objects_tmp(common_dir: &Path) -> PathBuf {
    Scratch::in_git_dir(common_dir).file(OBJECTS_TMP)
}

/// Write a scratch file atomically, streaming it through `fill`: a
/// temporary file beside it, renamed over it. A cache that cannot be
/// written only costs speed, so callers may ignore the error.
pub fn write_scratch(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    // Unique per write: two threads of one process may save at once.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{seq}", std::process::id()));
    let result = (|| {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, fs::File::create(&tmp)?);
        fill(&mut w)?;
        w.flush()?;
        drop(w);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_writes_of_one_scratch_file_never_mix() {
        let dir = tempfile::tempdir().expect("temp dir");
        let scratch = Scratch::in_git_dir(dir.path());
        let path = scratch.file(CARDS);
        let contents: Vec<Vec<u8>> = (0..6u8)
            .map(|i| vec![b'a' + i; 200_000 + usize::from(i) * 1000])
            .collect();
        for _ in 0..5 {
            std::thread::scope(|s| {
                for c in &contents {
                    let path = &path;
                    s.spawn(move || write_scratch(path, |w| w.write_all(c)).expect("write"));
                }
            });
            let got = fs::read(&path).expect("read");
            assert!(
                contents.contains(&got),
                "a mix of writes ({} bytes)",
                got.len()
            );
        }
        // No temporary files are left behind.
        let left: Vec<_> = fs::read_dir(scratch.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from(CARDS)]);
    }
}
