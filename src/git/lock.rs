//! Git's lock files, taken as git takes them: `<file>.lock` created
//! exclusively, written, then renamed over `<file>`. Whoever holds the lock
//! file owns the file; a `git` command that finds it fails at once instead
//! of overwriting our work (and we wait for, and never remove, theirs).

use anyhow::{anyhow, bail, Result};
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// How long to wait for another process's `index.lock` to go away.
pub const LOCK_WAIT: Duration = Duration::from_secs(2);

/// The identity of a file (device and inode), to recognise a lock file we
/// created after a crash.
pub type FileId = (u64, u64);

#[cfg(unix)]
pub fn file_id(meta: &std::fs::Metadata) -> FileId {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
pub fn file_id(meta: &std::fs::Metadata) -> FileId {
    (meta.len(), 0)
}

/// Whether process `pid` is still running (on this machine).
#[cfg(unix)]
pub fn pid_alive(pid: u32) -> bool {
    if pid == 0 || pid > i32::MAX as u32 {
        return false;
    }
    // SAFETY: kill with signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid as i32, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
pub fn pid_alive(_pid: u32) -> bool {
    true
}

/// What a person should read about a lock file that is in the way: how old
/// it is and when it is safe to remove.
pub fn held_message(lock: &Path, what: &str) -> String {
    let age = std::fs::metadata(lock)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .map(|d| format!(", created {} ago", human_age(d)))
        .unwrap_or_default();
    format!(
        "{} exists{age}: another git command is changing {what}, or one was killed and left it behind. \
If no git or lanes command is running in this repository, it is safe to remove it (`rm {}`); then try again (nothing was changed)",
        lock.display(),
        lock.display()
    )
}

fn human_age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        7200..=172_799 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

/// `index.lock`, held from reading the index to replacing it. Removed on
/// drop unless committed.
///
/// The new index is *published* (made the real index) before the branch
/// moves, while the lock is still held: `git commit` reads `HEAD` first and
/// the index second, without the lock, so a commit that sees the moved
/// branch must also see the index that goes with it. Publishing gives the
/// index a second name (a hard link to the lock file) and renames that
/// over the index; the old index keeps a name of its own until the change
/// is over, so that a failure (or recovery after a crash) puts it back.
/// Nobody can write the index meanwhile: `index.lock` still exists.
#[derive(Debug)]
pub struct IndexLock {
    path: PathBuf,
    index: PathBuf,
    file: Option<std::fs::File>,
    id: FileId,
    /// Published: whether there was an index before (kept as
    /// [`old_index_path`]).
    published: Option<bool>,
}

/// `<index>.<suffix>`: names lanes keeps beside the index while it
/// publishes one (same folder, so a rename moves them).
fn beside(index: &Path, suffix: &str) -> PathBuf {
    let mut p = index.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Where the index before a published change is kept until the change is
/// over (and where recovery finds it).
pub fn old_index_path(index: &Path) -> PathBuf {
    beside(index, ".lanes-old")
}

/// The second name a published index is given before it is renamed over
/// the index.
pub fn new_index_path(index: &Path) -> PathBuf {
    beside(index, ".lanes-new")
}

/// Give `from` the second name `to` (a hard link; a copy where the file
/// system has none).
fn second_name(from: &Path, to: &Path) -> std::io::Result<()> {
    let _ = std::fs::remove_file(to);
    match std::fs::hard_link(from, to) {
        Ok(()) => Ok(()),
        Err(_) => {
            std::fs::copy(from, to)?;
            std::fs::File::open(to)?.sync_all()
        }
    }
}

/// Whether two paths name the same file (device and inode).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::symlink_metadata(a), std::fs::symlink_metadata(b)) {
        (Ok(x), Ok(y)) => file_id(&x) == file_id(&y),
        _ => false,
    }
}

impl IndexLock {
    /// Take the lock for the index file `index`, waiting up to
    /// [`LOCK_WAIT`] for another holder.
    pub fn acquire(index: &Path) -> Result<IndexLock> {
        let mut path = index.as_os_str().to_owned();
        path.push(".lock");
        let path = PathBuf::from(path);
        let start = Instant::now();
        loop {
            match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    let id = file.metadata().map(|m| file_id(&m)).unwrap_or((0, 0));
                    return Ok(IndexLock {
                        path,
                        index: index.to_path_buf(),
                        file: Some(file),
                        id,
                        published: None,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if start.elapsed() > LOCK_WAIT {
                        return Err(crate::error::busy(held_message(&path, "the index")));
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => bail!("cannot create {}: {e}", path.display()),
            }
        }
    }

    /// The lock file's identity (device, inode).
    pub fn id(&self) -> FileId {
        self.id
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write `bytes` as the lock file's whole content (the index to be),
    /// keeping the lock. May be called again to replace it, until the index
    /// is published.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if self.published.is_some() {
            bail!("the index was already published; it cannot be rewritten in place");
        }
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| anyhow!("the index lock was already released"))?;
        let r = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(bytes))
            .and_then(|()| file.flush());
        r.map_err(|e| {
            anyhow!(
                "cannot write {}: {e} (nothing was changed)",
                self.path.display()
            )
        })
    }

    /// Make what was written the real index, still holding the lock (see
    /// the type's documentation). Until [`IndexLock::commit`], dropping the
    /// lock puts the old index back.
    pub fn publish(&mut self) -> Result<()> {
        if self.published.is_some() {
            return Ok(());
        }
        let old = old_index_path(&self.index);
        let had_index = match std::fs::symlink_metadata(&self.index) {
            Ok(_) => {
                second_name(&self.index, &old).map_err(|e| {
                    anyhow!(
                        "cannot keep the index as {}: {e} (nothing was changed)",
                        old.display()
                    )
                })?;
                true
            }
            Err(_) => false,
        };
        let new = new_index_path(&self.index);
        let done = second_name(&self.path, &new).and_then(|()| std::fs::rename(&new, &self.index));
        if let Err(e) = done {
            let _ = std::fs::remove_file(&new);
            let _ = std::fs::remove_file(&old);
            bail!(
                "cannot replace {}: {e} (nothing was changed)",
                self.index.display()
            );
        }
        self.published = Some(had_index);
        Ok(())
    }

    /// Replace the index with what was written (already done if it was
    /// published), releasing the lock.
    pub fn commit(mut self) -> Result<()> {
        drop(self.file.take());
        let path = std::mem::take(&mut self.path);
        match self.published.take() {
            Some(_) => {
                // The index is the lock file's content already.
                let _ = std::fs::remove_file(old_index_path(&self.index));
                std::fs::remove_file(&path)
                    .map_err(|e| anyhow!("cannot remove {}: {e}", path.display()))
            }
            None => std::fs::rename(&path, &self.index)
                .map_err(|e| anyhow!("cannot replace {}: {e}", self.index.display())),
        }
    }
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        if self.path.as_os_str().is_empty() {
            return;
        }
        // A published index whose change did not happen: the old one goes
        // back before the lock is released.
        match self.published {
            Some(true) => {
                let _ = std::fs::rename(old_index_path(&self.index), &self.index);
            }
            Some(false) => {
                let _ = std::fs::remove_file(&self.index);
            }
            None => {}
        }
        let _ = std::fs::remove_file(&self.path);
    }
}
