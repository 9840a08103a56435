//! Watching the board folder: file events, debounced, turned into "these
//! cards changed" for the event loop. The watcher never reads card files;
//! the loop decides between reloading a few cards and a full reload.

use crate::model::Card;
use crate::store::{self, Problem, BOARD_DIR};
use notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{
    new_debouncer, new_debouncer_opt, DebounceEventResult, Debouncer, NoCache, RecommendedCache,
};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

/// How long file events are gathered before they are reported.
pub const DEBOUNCE: Duration = Duration::from_millis(60);
/// More changed cards than this in one batch: reload the whole board.
pub const FULL_RELOAD_OVER: usize = 64;

/// What changed on disk, gathered over a short window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Ids of card files created, changed or removed.
    pub cards: BTreeSet<String>,
    /// board.yaml changed.
    pub board: bool,
    /// The board folder itself appeared or vanished, or events were lost:
    /// read everything again.
    pub full: bool,
    /// HEAD or a branch moved (checkout, pull, commit elsewhere).
    pub git: bool,
    /// Problems the watcher itself ran into.
    pub errors: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.cards.is_empty() && !self.board && !self.full && !self.git && self.errors.is_empty()
    }

    /// Fold a later batch into this one.
    pub fn merge(&mut self, other: Changes) {
        self.cards.extend(other.cards);
        self.board |= other.board;
        self.full |= other.full;
        self.git |= other.git;
        self.errors.extend(other.errors);
    }

    /// Whether the whole board should be read again.
    pub fn needs_full_reload(&self) -> bool {
        self.full || self.board || self.cards.len() > FULL_RELOAD_OVER
    }
}

/// Sort one changed path into `changes`.
pub fn classify(root: &Path, git_dir: Option<&Path>, path: &Path, changes: &mut Changes) {
    if let Some(g) = git_dir {
        if let Ok(rel) = path.strip_prefix(g) {
            let s = rel.to_string_lossy();
            if s == "HEAD" || s == "packed-refs" || s.starts_with("refs/heads") {
                changes.git = true;
            }
            return;
        }
    }
    let Ok(rel) = path.strip_prefix(root) else {
        return;
    };
    let parts: Vec<&str> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    match parts.as_slice() {
        [dir] if *dir == BOARD_DIR => changes.full = true,
        [dir, "board.yaml"] if *dir == BOARD_DIR => changes.board = true,
        [dir, "cards"] if *dir == BOARD_DIR => changes.full = true,
        [dir, "cards", name] if *dir == BOARD_DIR => {
            if let Some(id) = name.strip_suffix(".yaml") {
                if !id.starts_with('.') && crate::model::id::is_valid(id) {
                    changes.cards.insert(id.to_string());
                }
            }
        }
        _ => {}
    }
}

/// Holds back bursts of changes (a checkout, a pull writing thousands of
/// files over a second or two) until the files are quiet, so the board is
/// read once. A small batch after a quiet spell passes straight through.
///
/// How often a burst is taken in depends only on the files: once per
/// spell of changes (batches less than `QUIET` apart), plus once per
/// `MAX_WAIT` the spell lasts, plus a first small batch let through at
/// once; never once per batch.
#[derive(Debug, Default)]
pub struct Settle {
    /// The changes held, when the burst started, when its last batch came.
    burst: Option<(Changes, Instant, Instant)>,
    /// When the last batch came (held or not).
    last: Option<Instant>,
}

/// A batch bigger than this (or one that moves HEAD, touches board.yaml or
/// needs a full reload, or comes less than `QUIET` after the one before)
/// starts a burst.
pub const BURST_OVER: usize = 16;
/// How long the files must be quiet before a burst is applied.
pub const QUIET: Duration = Duration::from_millis(150);
/// The longest a burst is held back.
pub const MAX_WAIT: Duration = Duration::from_secs(2);

impl Settle {
    /// A batch arrived at `now`: the changes to apply now, if any.
    pub fn offer(&mut self, changes: Changes, now: Instant) -> Option<Changes> {
        // Files still changing (a burst just let go at `MAX_WAIT`, or a
        // small batch just let through): this one waits for the quiet too.
        let busy = self
            .last
            .is_some_and(|l| now.saturating_duration_since(l) < QUIET);
        self.last = Some(now);
        match &mut self.burst {
            Some((held, _, last)) => {
                held.merge(changes);
                *last = now;
                None
            }
            None if busy
                || changes.cards.len() > BURST_OVER
                || changes.full
                || changes.board
                || changes.git =>
            {
                self.burst = Some((changes, now, now));
                None
            }
            None => Some(changes),
        }
    }

    /// When the held burst is due, if there is one.
    pub fn due(&self) -> Option<Instant> {
        self.burst
            .as_ref()
            .map(|(_, started, last)| (*last + QUIET).min(*started + MAX_WAIT))
    }

    /// The held burst, once it is due.
    pub fn take_due(&mut self, now: Instant) -> Option<Changes> {
        if self.due().is_some_and(|d| now >= d) {
            self.burst.take().map(|(c, _, _)| c)
        } else {
            None
        }
    }
}

/// A card file as it is now.
#[derive(Debug, Clone, PartialEq)]
pub enum CardFile {
    Card(Box<Card>),
    Broken(Problem),
    Gone,
}

/// Read the named cards from disk.
pub fn read_changed(root: &Path, ids: &BTreeSet<String>) -> Vec<(String, CardFile)> {
    ids.iter()
        .map(|id| {
            let rel = store::card_path(id);
            let state = if !root.join(&rel).exists() {
                CardFile::Gone
            } else {
                match store::read_board_file(root, &rel).and_then(|b| store::parse_card(&rel, &b)) {
                    Ok(lc) if lc.card.id == *id => CardFile::Card(Box::new(lc.card)),
                    Ok(lc) => CardFile::Broken(Problem::new(
                        &rel,
                        1,
                        1,
                        format!("id {:?} does not match the file name", lc.card.id),
                    )),
                    Err(p) => CardFile::Broken(p),
                }
            };
            (id.clone(), state)
        })
        .collect()
}

enum Inner {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<notify::PollWatcher, NoCache>),
}

/// A running watch on a board.
pub struct BoardWatcher {
    inner: Inner,
    root: PathBuf,
    board_dir_watched: bool,
    /// How it watches, for the status bar.
    pub how: &'static str,
}

impl BoardWatcher {
    /// Watch the board at `root` (and HEAD and branches in `git_dir`),
    /// calling `send` with each batch of changes. Falls back to polling if
    /// native events are unavailable (e.g. the inotify limit is reached);
    /// `poll` forces polling (`LANES_WATCH=poll`).
    pub fn start(
        root: &Path,
        git_dir: Option<&Path>,
        poll: bool,
        send: impl Fn(Changes) + Send + Clone + 'static,
    ) -> Result<BoardWatcher, String> {
        let handler = |send: Box<dyn Fn(Changes) + Send>, root: PathBuf, git: Option<PathBuf>| {
            move |res: DebounceEventResult| {
                let mut changes = Changes::default();
                match res {
                    Ok(events) => {
                        for ev in events {
                            // Reads (lanes' own included) are not changes.
                            if matches!(ev.kind, notify::EventKind::Access(_)) {
                                continue;
                            }
                            if ev.need_rescan() {
                                changes.full = true;
                            }
                            for p in &ev.paths {
                                classify(&root, git.as_deref(), p, &mut changes);
                            }
                        }
                    }
                    Err(errors) => {
                        changes.full = true;
                        changes.errors = errors.iter().map(|e| e.to_string()).collect();
                    }
                }
                if !changes.is_empty() {
                    send(changes);
                }
            }
        };
        let force_poll = poll;
        let git = git_dir.map(Path::to_path_buf);
        let native_err = if force_poll {
            "polling was asked for (LANES_WATCH=poll)".to_string()
        } else {
            let h = handler(Box::new(send.clone()), root.to_path_buf(), git.clone());
            match new_debouncer(DEBOUNCE, None, h) {
                Ok(d) => {
                    let mut w = BoardWatcher {
                        inner: Inner::Native(d),
                        root: root.to_path_buf(),
                        board_dir_watched: false,
                        how: "watching",
                    };
                    match w.add_watches(git_dir) {
                        Ok(()) => return Ok(w),
                        Err(e) => e,
                    }
                }
                Err(e) => e.to_string(),
            }
        };
        let h = handler(Box::new(send), root.to_path_buf(), git);
        // Compare contents too: modification times have one-second
        // granularity on some systems, and a second write in the same
        // second would otherwise be missed for good.
        let config = notify::Config::default()
            .with_poll_interval(Duration::from_millis(500))
            .with_compare_contents(true);
        let d = new_debouncer_opt::<_, notify::PollWatcher, NoCache>(
            DEBOUNCE, None, h, NoCache, config,
        )
        .map_err(|e| format!("cannot watch the board ({native_err}; polling failed too: {e})"))?;
        let mut w = BoardWatcher {
            inner: Inner::Poll(d),
            root: root.to_path_buf(),
            board_dir_watched: false,
            how: "polling",
        };
        w.add_watches(git_dir)?;
        Ok(w)
    }

    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> Result<(), String> {
        let r = match &mut self.inner {
            Inner::Native(d) => d.watch(path, mode),
            Inner::Poll(d) => d.watch(path, mode),
        };
        r.map_err(|e| format!("cannot watch {}: {e}", path.display()))
    }

    fn add_watches(&mut self, git_dir: Option<&Path>) -> Result<(), String> {
        // The root, shallowly, to see .lanes/ come and go.
        let root = self.root.clone();
        self.watch(&root, RecursiveMode::NonRecursive)?;
        self.rewatch_board_dir()?;
        if let Some(g) = git_dir {
            // HEAD and packed-refs live directly in the git dir.
            self.watch(g, RecursiveMode::NonRecursive)?;
            let heads = g.join("refs").join("heads");
            if heads.is_dir() {
                self.watch(&heads, RecursiveMode::Recursive)?;
            }
        }
        Ok(())
    }

    /// Watch `.lanes/` again if it (re)appeared. Call after a full change.
    pub fn rewatch_board_dir(&mut self) -> Result<(), String> {
        let dir = self.root.join(BOARD_DIR);
        if dir.is_dir() {
            if !self.board_dir_watched {
                self.watch(&dir, RecursiveMode::Recursive)?;
                self.board_dir_watched = true;
            }
        } else {
            self.board_dir_watched = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths() {
        let root = Path::new("/r");
        let git = Path::new("/r/.git");
        let mut c = Changes::default();
        classify(
            root,
            Some(git),
            Path::new("/r/.lanes/cards/abc123.yaml"),
            &mut c,
        );
        classify(
            root,
            Some(git),
            Path::new("/r/.lanes/cards/.abc123.yaml.99.tmp"),
            &mut c,
        );
        classify(
            root,
            Some(git),
            Path::new("/r/.lanes/cards/abc123.yaml~"),
            &mut c,
        );
        classify(root, Some(git), Path::new("/r/src/main.rs"), &mut c);
        classify(root, Some(git), Path::new("/r/.git/index"), &mut c);
        assert_eq!(c.cards.len(), 1);
        assert!(!c.board && !c.full && !c.git);
        classify(root, Some(git), Path::new("/r/.git/HEAD"), &mut c);
        classify(root, Some(git), Path::new("/r/.lanes/board.yaml"), &mut c);
        assert!(c.git && c.board && c.needs_full_reload());
        let mut d = Changes::default();
        classify(root, Some(git), Path::new("/r/.lanes"), &mut d);
        assert!(d.full);
    }
}
