//! One lanes process changes the board at a time: an OS file lock on
//! `.git/lanes/lock`, held from reading a card to committing it, so parallel
//! commands (training jobs updating one card) queue instead of overwriting
//! each other.
//!
//! The lock is the operating system's (`flock` on Unix), not the file's
//! existence: it goes away with the process that held it, however that
//! process ended, so there is no stale lock to judge and take over. (A
//! lock file that is created and deleted cannot be taken over safely: a
//! waiter that judged it stale could delete the next holder's file.) The
//! file itself stays; it holds the last holder's process id, for messages.

use anyhow::{bail, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long to wait for another lanes process.
pub const WAIT: Duration = Duration::from_secs(20);

/// Held while a command changes the board; released on drop (or when the
/// process ends).
#[derive(Debug)]
pub struct BoardLock {
    _file: File,
}

impl BoardLock {
    /// Take the lock in `dir` (created if needed), waiting up to [`WAIT`]
    /// for another process that holds it.
    pub fn acquire(dir: &Path) -> Result<BoardLock> {
        BoardLock::acquire_within(dir, WAIT)
    }

    pub fn acquire_within(dir: &Path, wait: Duration) -> Result<BoardLock> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(super::cache::LOCK);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    if start.elapsed() > wait {
                        let mut holder = String::new();
                        let _ = file.read_to_string(&mut holder);
                        return Err(crate::error::busy(format!(
                            "another lanes command is changing this board (process {} holds {}); try again when it has finished",
                            holder.split_whitespace().next().unwrap_or("?"),
                            path.display()
                        )));
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(TryLockError::Error(e)) => {
                    bail!("cannot lock {}: {e}", path.display())
                }
            }
        }
        // Who holds it, for the message above (best effort).
        let _ = file.set_len(0).and_then(|()| {
            file.rewind()?;
            writeln!(
                file,
                "{} {}",
                std::process::id(),
                crate::model::date::now_secs()
            )
        });
        Ok(BoardLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_released_on_drop() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = BoardLock::acquire(dir.path()).expect("first");
        let err =
            BoardLock::acquire_within(dir.path(), Duration::from_millis(50)).expect_err("held");
        let msg = err.to_string();
        assert!(
            msg.contains("another lanes command") && msg.contains(&std::process::id().to_string()),
            "{msg}"
        );
        drop(first);
        let again = BoardLock::acquire_within(dir.path(), Duration::from_millis(50));
        assert!(again.is_ok(), "released on drop");
    }

    #[test]
    fn threads_take_turns() {
        let dir = tempfile::tempdir().expect("temp dir");
        let counter = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    let _l = BoardLock::acquire(dir.path()).expect("lock");
                    // Nobody else inside at the same time.
                    assert_eq!(counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst), 0);
                    std::thread::sleep(Duration::from_millis(5));
                    counter.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                });
            }
        });
    }
}
