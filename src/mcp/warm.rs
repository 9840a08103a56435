//! The boards a server keeps in memory between calls: for each board a
//! call has named, its `board.yaml`, the heads of its cards (with their
//! JSON) and the links worked out from them, so that a `list` or `show`
//! costs what changed since the last call, not the size of the board.
//!
//! It is never stale. A watcher (inotify, through `notify`, on the board's
//! folder and the folder holding it) learns which card files were
//! created, changed or removed; before each call's answer the server
//! writes a file of its own in a folder the same watcher watches (in the
//! repository's lanes folder, `<git dir>/lanes/`) and waits until the
//! watcher reports it. The kernel queues a file's event before the write,
//! rename or unlink that caused it returns, and one watcher reports its
//! events in the order they were queued, so once the server's own write
//! is reported, so is every change to the board made before the call was
//! asked: in another terminal, by an editor, by `git checkout` or `git
//! pull`, by `lanes` itself. The cards named are read again; whatever
//! the watcher cannot say card by card (`board.yaml`, the board's folders
//! appearing or going, a lost event, too many cards at once) reads the
//! whole board again, under a new watcher. When no watcher can be started
//! (no inotify instance left) or the report does not come, every call
//! reads the whole board, as `lanes list` does.
//!
//! Writes through the server are files changed like any other: the next
//! call reads the cards they wrote.

use crate::model::link_lookup::LinkLookup;
use crate::model::links::{changes_graph, Derived, Index};
use crate::model::{BoardConfig, Card};
use crate::store::{self, Heads, BOARD_DIR};
use crate::watch::{classify, Changes};
use anyhow::Result;
use notify::{EventKind, RecursiveMode, Watcher as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Boards a server keeps at most; one more evicts the longest unused.
const MAX_BOARDS: usize = 8;

/// More changed cards than this in one call: read the whole board again.
const REREAD_OVER: usize = 512;

/// How long a call waits for the watcher to report the server's own
/// write before it reads the whole board instead.
const SYNC_WAIT: Duration = Duration::from_secs(10);

/// The boards of one server, by their root.
#[derive(Default)]
pub struct Boards {
    boards: Mutex<Vec<(PathBuf, Arc<Mutex<Warm>>)>>,
}

impl Boards {
    /// The board at `root`, kept or new (nothing is read yet).
    pub fn get(&self, root: &Path) -> Arc<Mutex<Warm>> {
        let mut boards = self.boards.lock().unwrap_or_else(PoisonError::into_inner);
        // Most recently used last.
        if let Some(i) = boards.iter().position(|(r, _)| r == root) {
            let b = boards.remove(i);
            let warm = b.1.clone();
            boards.push(b);
            return warm;
        }
        if boards.len() >= MAX_BOARDS {
            boards.remove(0);
        }
        let warm = Arc::new(Mutex::new(Warm::new(root)));
        boards.push((root.to_path_buf(), warm.clone()));
        warm
    }
}

/// What list and show read of a board, as its files are now.
pub struct Kept {
    pub config: BoardConfig,
    pub heads: Heads,
    pub links: Links,
}

/// The links index, with its cards found by id through a hash: listing
/// `ready` or `blocked` work looks up every card of the board.
pub struct Links {
    index: Index,
    at: foldhash::HashMap<String, usize>,
}

impl Links {
    fn new(config: &BoardConfig, heads: &Heads) -> Links {
        let index = Index::new(config, heads.nodes());
        let at = (0..index.len())
            .map(|i| (index.id(i).to_string(), i))
            .collect();
        Links { index, at }
    }
}

impl std::ops::Deref for Links {
    type Target = Derived;

    fn deref(&self) -> &Derived {
        &self.index
    }
}

impl LinkLookup for Links {
    fn index(&self, id: &str) -> Option<usize> {
        self.at.get(id).copied()
    }

    fn id(&self, i: usize) -> &str {
        self.index.id(i)
    }
}

impl Kept {
    fn load(root: &Path) -> Result<Kept> {
        let config = store::parse_board(&store::read_board_file(root, store::BOARD_FILE)?)?;
        let heads = Heads::load_kept(root)?;
        let links = Links::new(&config, &heads);
        Ok(Kept {
            config,
            heads,
            links,
        })
    }

    /// Read the named cards again; work the links out again if one of
    /// them came, went, or changed what the links make of it.
    fn refresh(&mut self, ids: &[&str]) {
        let card = |heads: &Heads, id: &str| -> Option<Card> { heads.card(id)?.ok() };
        let before: Vec<Option<Card>> = ids.iter().map(|id| card(&self.heads, id)).collect();
        self.heads.refresh(ids.iter().copied());
        let relink = ids
            .iter()
            .zip(before)
            .any(|(id, old)| match (old, card(&self.heads, id)) {
                (Some(old), Some(new)) => changes_graph(&self.config, &old, &new),
                (None, None) => false,
                _ => true,
            });
        if relink {
            self.links = Links::new(&self.config, &self.heads);
        }
    }
}

/// One board a server keeps, and the watch that keeps it true.
pub struct Warm {
    root: PathBuf,
    watch: Option<Watch>,
    kept: Option<Kept>,
}

impl Warm {
    fn new(root: &Path) -> Warm {
        Warm {
            root: root.to_path_buf(),
            watch: None,
            kept: None,
        }
    }

    /// Drop what is kept: the next call reads the whole board.
    pub fn forget(&mut self) {
        self.kept = None;
        self.watch = None;
    }

    /// The board as its files are at this moment (see the module's
    /// comment); an error is the one reading the whole board gives.
    pub fn fresh(&mut self) -> Result<&Kept> {
        let changes = self.watch.as_mut().and_then(Watch::sync);
        let few = changes
            .filter(|c| !c.full && !c.board && c.errors.is_empty() && c.cards.len() <= REREAD_OVER);
        if let (Some(c), Some(kept)) = (few, self.kept.take()) {
            let mut kept = kept;
            let ids: Vec<&str> = c.cards.iter().map(String::as_str).collect();
            if !ids.is_empty() {
                kept.refresh(&ids);
            }
            return Ok(self.kept.insert(kept));
        }
        // Watch first, then read: a change after the read is reported.
        self.forget();
        self.watch = Watch::start(&self.root);
        Ok(self.kept.insert(Kept::load(&self.root)?))
    }
}

/// What the watcher reported since the last call took it.
#[derive(Default)]
struct Pending {
    changes: Changes,
    /// How many of the server's own writes it reported.
    synced: u64,
}

#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    reported: Condvar,
}

/// A watch on one board.
struct Watch {
    _watcher: notify::RecommendedWatcher,
    shared: Arc<Shared>,
    /// The server's own file, written before each answer.
    marker: PathBuf,
    /// How many times it was written.
    written: u64,
}

impl Watch {
    /// Watch the board at `root`: its folder, the folder holding it (to
    /// see the board's folder come and go) and the server's marker.
    /// `None` when it cannot (no git folder, no inotify instance left).
    fn start(root: &Path) -> Option<Watch> {
        let scratch = store::cache::Scratch::of_board(root)?;
        let dir = scratch.create().ok()?.to_path_buf();
        // One per server and board (two boards can share a git folder).
        let board = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            root.hash(&mut h);
            h.finish()
        };
        let marker = dir.join(format!("mcp-{}-{board:016x}.marker", std::process::id()));
        let shared = Arc::new(Shared::default());
        let to = shared.clone();
        let (board_root, mark) = (root.to_path_buf(), marker.clone());
        let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            let mut p = to.pending.lock().unwrap_or_else(PoisonError::into_inner);
            match res {
                Ok(ev) => {
                    if ev.need_rescan() {
                        p.changes.full = true;
                    }
                    if ev.paths.contains(&mark) {
                        // One close after writing per marker write.
                        if matches!(
                            ev.kind,
                            EventKind::Access(notify::event::AccessKind::Close(
                                notify::event::AccessMode::Write
                            ))
                        ) {
                            p.synced += 1;
                            to.reported.notify_all();
                        }
                        return;
                    }
                    // Reads (the server's own included) are not changes.
                    if matches!(ev.kind, EventKind::Access(_)) {
                        return;
                    }
                    for path in &ev.paths {
                        classify(&board_root, None, path, &mut p.changes);
                    }
                }
                Err(e) => {
                    p.changes.full = true;
                    p.changes.errors.push(e.to_string());
                }
            }
        })
        .ok()?;
        watcher.watch(&dir, RecursiveMode::NonRecursive).ok()?;
        watcher.watch(root, RecursiveMode::NonRecursive).ok()?;
        watcher
            .watch(&root.join(BOARD_DIR), RecursiveMode::Recursive)
            .ok()?;
        Some(Watch {
            _watcher: watcher,
            shared,
            marker,
            written: 0,
        })
    }

    /// Every change made before now, once the watcher has reported it;
    /// `None` if it cannot be known (the marker cannot be written, or its
    /// report does not come in time).
    fn sync(&mut self) -> Option<Changes> {
        std::fs::write(&self.marker, self.written.to_string()).ok()?;
        self.written += 1;
        let deadline = Instant::now() + SYNC_WAIT;
        let mut p = self
            .shared
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while p.synced < self.written {
            let left = deadline.checked_duration_since(Instant::now())?;
            p = self
                .shared
                .reported
                .wait_timeout(p, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        Some(std::mem::take(&mut p.changes))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.marker);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boards_are_kept_by_root_and_the_longest_unused_goes_first() {
        let b = Boards::default();
        let first = b.get(Path::new("/a"));
        assert!(Arc::ptr_eq(&first, &b.get(Path::new("/a"))));
        for i in 0..MAX_BOARDS {
            b.get(&PathBuf::from(format!("/b{i}")));
        }
        assert!(!Arc::ptr_eq(&first, &b.get(Path::new("/a"))));
    }
}
