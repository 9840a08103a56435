//! One lanes process changes the board at a time: a lock file in the git
//! dir (`.git/lanes/lock`) held from reading a card to committing it, so
//! parallel commands (training jobs updating one card) queue instead of
//! overwriting each other.

use anyhow::{bail, Result};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long to wait for another lanes process.
pub const WAIT: Duration = Duration::from_secs(20);
/// A lock older than this whose owner cannot be checked is taken over.
const STALE: Duration = Duration::from_secs(120);

/// Held while a command changes the board; released on drop.
#[derive(Debug)]
pub struct BoardLock {
    path: PathBuf,
}

fn owner_alive(text: &str) -> Option<bool> {
    let pid: u32 = text.split_whitespace().next()?.parse().ok()?;
    let proc_dir = Path::new("/proc");
    if !proc_dir.is_dir() {
        return None;
    }
    Some(proc_dir.join(pid.to_string()).exists())
}

impl BoardLock {
    /// Take the lock in `dir` (created if needed), waiting for another
    /// process that holds it; a lock left by a dead process is taken over.
    pub fn acquire(dir: &Path) -> Result<BoardLock> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("lock");
        let start = Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    let _ = writeln!(
                        f,
                        "{} {}",
                        std::process::id(),
                        crate::model::date::now_secs()
                    );
                    return Ok(BoardLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    let age = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .unwrap_or_default();
                    let dead = match owner_alive(&text) {
                        Some(alive) => !alive && !text.is_empty(),
                        None => age > STALE,
                    };
                    if dead {
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    if start.elapsed() > WAIT {
                        bail!(
                            "another lanes command is changing this board (lock {} held by process {}); try again, or remove the file if no lanes command is running",
                            path.display(),
                            text.split_whitespace().next().unwrap_or("?")
                        );
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(e) => bail!("cannot create {}: {e}", path.display()),
            }
        }
    }
}

impl Drop for BoardLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
