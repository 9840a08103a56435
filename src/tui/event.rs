//! Everything the board screen reacts to: input, signals, the watcher and
//! the worker's results send these into the event loop's one channel, and
//! [`App::update`](super::app::App::update) turns each into state changes
//! and effects. A failure keeps its kind ([`ops::Error`]): the screen says
//! "busy: try again" for a held lock, offers mine/theirs for a conflict,
//! and shows a refusal as the rule it is.

use crate::ops;
use crate::tui::app::{Insights, RepoStatus};
use crate::tui::moves;
use crate::watch::{CardFile, Changes};
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use std::collections::HashMap;

#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// An action finished on the worker (a conflict is an error of its
    /// kind, with both values).
    Applied(Result<ops::Outcome, ops::Error>),
    /// Move presses (the intent with this id) were committed, or not.
    Moved(u64, Result<moves::Moved, ops::Error>),
    /// An undo or redo finished: what it did, in a line.
    Undone(Result<String, ops::Error>),
    /// The board was read again.
    Loaded(Result<crate::store::Board, ops::Error>),
    Status(RepoStatus),
    /// Files changed on disk (as the watcher tells it).
    Files(Changes),
    /// Changed card files were read again.
    CardFiles(Vec<(String, CardFile)>),
    /// A sync finished.
    Synced(Result<crate::sync::Report, ops::Error>),
    /// Time for an automatic sync.
    AutoSync,
    /// A card's history was read.
    History(String, Result<Vec<crate::history::Entry>, ops::Error>),
    /// What `r` offers for a hypothesis was read: its recent runs, or keys.
    Runs(String, crate::evidence::pick::Offer),
    /// Stale verdicts were checked: card id -> why.
    Stale(HashMap<String, Vec<String>>),
    /// Hypotheses and flow were computed.
    Insights(Result<Insights, ops::Error>),
    /// SIGTERM, SIGHUP or SIGINT: leave cleanly. (Once quitting, SIGINT
    /// or SIGTERM again: stop waiting for the work left.)
    Terminate,
}
