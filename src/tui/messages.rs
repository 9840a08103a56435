//! What the board screen tells the user: the current message, how long it
//! stays, and the log of every message of the session (the `m` view).
//!
//! A message is replaced by the next one, and expires on its own: a note
//! after a few seconds, an error after longer. A message can be *about*
//! something (a card file, the board, sync): when that thing is fine again
//! the message goes, so the screen never shows a problem that is gone.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How much a message matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    /// How long a message of this level stays on the status line.
    pub fn lasts(self) -> Duration {
        match self {
            Level::Info => Duration::from_secs(5),
            Level::Warn => Duration::from_secs(10),
            Level::Error => Duration::from_secs(30),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warning",
            Level::Error => "error",
        }
    }
}

/// What a message is about, so it can go when its cause does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum About {
    /// A file of the board (`.lanes/cards/<id>.yaml`, `.lanes/board.yaml`).
    File(String),
    /// Reading the whole board.
    Board,
    /// The last sync.
    Sync,
    /// The user's config file.
    Config,
    /// Saved views lanes cannot use (in board.yaml or the config file).
    Views,
}

/// The message on the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub level: Level,
    pub at: Instant,
    pub about: Option<About>,
}

impl Message {
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }

    pub fn expired(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.at) >= self.level.lasts()
    }

    /// When it expires.
    pub fn due(&self) -> Instant {
        self.at + self.level.lasts()
    }
}

/// One line of the message log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub text: String,
    pub level: Level,
    /// Wall-clock seconds since the epoch (UTC), for the log view.
    pub wall: i64,
}

/// Every message of the session, newest last; the oldest go past `CAP`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Log {
    entries: VecDeque<Logged>,
    /// Messages dropped off the front.
    pub dropped: usize,
}

impl Log {
    pub const CAP: usize = 500;

    pub fn push(&mut self, text: &str, level: Level, wall: i64) {
        // The same message again (a retried sync) is one line.
        if let Some(last) = self.entries.back() {
            if last.text == text && last.level == level {
                return;
            }
        }
        if self.entries.len() == Self::CAP {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(Logged {
            text: text.to_string(),
            level,
            wall,
        });
    }

    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &Logged> + ExactSizeIterator {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Errors in the log.
    pub fn errors(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.level == Level::Error)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_expire_by_level_and_the_log_keeps_them() {
        let at = Instant::now();
        let m = Message {
            text: "moved".into(),
            level: Level::Info,
            at,
            about: None,
        };
        assert!(!m.expired(at + Duration::from_secs(4)));
        assert!(m.expired(at + Duration::from_secs(5)));
        let e = Message {
            level: Level::Error,
            ..m.clone()
        };
        assert!(!e.expired(at + Duration::from_secs(10)));
        assert!(e.is_error() && !m.is_error());
        let mut log = Log::default();
        for i in 0..Log::CAP + 3 {
            log.push(&format!("m{i}"), Level::Info, 0);
        }
        log.push(&format!("m{}", Log::CAP + 2), Level::Info, 0);
        assert_eq!(log.len(), Log::CAP);
        assert_eq!(log.dropped, 3);
        assert_eq!(log.entries().next().map(|e| e.text.as_str()), Some("m3"));
        log.push("bad", Level::Error, 0);
        assert_eq!(log.errors(), 1);
    }
}
