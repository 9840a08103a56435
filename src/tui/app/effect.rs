//! What the app asks for when something happens: the work itself, as the
//! worker runs it (there is no second list of jobs), or what only the
//! screen's own thread can do (the editor owns the terminal; the watcher
//! lives with the event loop). The event loop runs effects and decides
//! nothing; the app decides, in its update files.

use crate::model::id;
use crate::model::Card;
use crate::ops::{self, Action};
use crate::tui::moves::Intent;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Work the app asks for.
#[derive(Debug, PartialEq)]
pub enum Effect {
    /// Run an action on the worker. `note` is the file of a note written
    /// in $EDITOR: removed once the note is committed, kept (and named)
    /// if that fails.
    Apply {
        action: Action,
        note: Option<PathBuf>,
    },
    /// Commit `H` `L` `J` `K` presses on the worker, applied to the card
    /// as it is then (see `moves`).
    Move(Intent),
    /// Take back the last lanes change of yours, or put back the last
    /// one taken back (`lanes undo` / `lanes redo`), on the worker.
    Undo,
    Redo,
    /// Read a run's (or metrics file's) final value and record it on the
    /// card with its verdict and provenance, on the worker.
    RecordResult {
        card: String,
        source: String,
    },
    /// Settle an edit that collided with a change on disk.
    ResolveEdit(ops::editor::EditConflict, ops::editor::Choice),
    /// Fetch, merge and push on the worker.
    Sync,
    /// Read the whole board from disk again.
    Reload,
    /// Read the repository's state: branch, uncommitted board files,
    /// ahead/behind.
    Status,
    /// Read these cards' files again (they changed on disk).
    ReadCards(BTreeSet<String>),
    /// Check these cards' evidence against `dvc.lock` and the run stores.
    CheckStale(Vec<Card>),
    /// Read a card's history on the worker.
    LoadHistory(String),
    /// Compute hypotheses and flow on the worker.
    LoadInsights,
    /// Find what `r` offers for a hypothesis on the worker (the store's
    /// recent runs of its metric, or the keys of recent runs when none
    /// logged it, read from the card as it is on disk), then ask which
    /// one the result comes from.
    LoadRuns {
        card: String,
    },
    /// Suspend the screen and edit this card in $EDITOR.
    EditInEditor(String),
    /// Suspend the screen and write a journal note in $EDITOR, starting
    /// from `text`.
    NoteInEditor {
        card: String,
        text: String,
    },
    /// Watch the board's folder afresh (it was replaced: a checkout).
    Rewatch,
    Quit,
}

/// Who runs an effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// The worker's queue of changes and syncs, in order; what quitting
    /// finishes.
    Changes,
    /// The worker's reads: they never wait behind a sync, and nobody
    /// waits for them on quit.
    Reads,
    /// The event loop's own thread (the terminal, the watcher).
    Screen,
}

impl Effect {
    /// An action for the worker.
    pub fn apply(action: Action) -> Effect {
        Effect::Apply { action, note: None }
    }

    pub fn runner(&self) -> Runner {
        match self {
            Effect::Apply { .. }
            | Effect::Move(_)
            | Effect::Undo
            | Effect::Redo
            | Effect::RecordResult { .. }
            | Effect::ResolveEdit(..)
            | Effect::Sync => Runner::Changes,
            Effect::Reload
            | Effect::Status
            | Effect::ReadCards(_)
            | Effect::CheckStale(_)
            | Effect::LoadHistory(_)
            | Effect::LoadInsights
            | Effect::LoadRuns { .. } => Runner::Reads,
            Effect::EditInEditor(_)
            | Effect::NoteInEditor { .. }
            | Effect::Rewatch
            | Effect::Quit => Runner::Screen,
        }
    }

    /// What the status bar says while it runs, for the changes that say
    /// something ("saving").
    pub fn doing(&self) -> Option<&'static str> {
        use ops::Action::*;
        Some(match self {
            Effect::Apply { action, .. } => match action {
                Add(_) => "adding",
                Move { .. } => "moving",
                Set { .. } | SetChecked { .. } | Replace { .. } => "saving",
                Note { .. } => "adding note",
                Verdict { .. } => "saving verdict",
                Archive { .. } => "archiving",
                Restore { .. } => "restoring",
                Link { .. } => "linking",
                Unlink { .. } => "unlinking",
                Claim { .. } => "claiming",
                Release { .. } => "releasing",
                Record(_) => "recording",
                Undo { .. } => "undoing",
                Redo { .. } => "redoing",
                Commit { .. } => "committing",
                Init(_) => "creating the board",
                Resolve { .. } => "resolving",
            },
            Effect::Move(_) => "moving",
            Effect::Undo => "undoing",
            Effect::Redo => "redoing",
            Effect::RecordResult { .. } => "reading the run",
            _ => return None,
        })
    }

    /// The change to the board this makes, in a few words ("moving
    /// 3fk2x7 to evaluation"): what quitting must finish, or say it did
    /// not. None for reads, a sync and the screen's own work.
    pub fn change(&self) -> Option<String> {
        let short = |card: &str| id::short(card).to_string();
        Some(match self {
            Effect::Apply { action, note } => {
                let what = describe(action);
                match note {
                    Some(kept) => format!("{what} (the note is kept in {})", kept.display()),
                    None => what,
                }
            }
            Effect::Move(intent) => intent.describe(),
            Effect::Undo => "undoing your last change".into(),
            Effect::Redo => "redoing the change undone last".into(),
            Effect::RecordResult { card, source } => {
                format!("recording the result of {source} on {}", short(card))
            }
            Effect::ResolveEdit(conflict, _) => {
                format!("saving your edit of {}", short(&conflict.card_id))
            }
            _ => return None,
        })
    }
}

/// "moving 3fk2x7 to evaluation", "adding a note to 3fk2x7".
fn describe(action: &Action) -> String {
    use ops::Action::*;
    let short = |card: &str| id::short(card).to_string();
    match action {
        Add(new) => format!("adding {:?}", new.title),
        Move {
            card,
            lane: Some(lane),
            ..
        } => format!("moving {} to {lane}", short(card)),
        Move { card, .. } => format!("moving {}", short(card)),
        Set { card, .. } | SetChecked { card, .. } | Replace { card, .. } => {
            format!("saving {}", short(card))
        }
        Note { card, .. } => format!("adding a note to {}", short(card)),
        Verdict { card, .. } => format!("saving the verdict of {}", short(card)),
        Archive { card } => format!("archiving {}", short(card)),
        Restore { card } => format!("restoring {}", short(card)),
        Link { card, .. } => format!("linking {}", short(card)),
        Unlink { card, .. } => format!("unlinking {}", short(card)),
        Claim { card, .. } => format!("claiming {}", short(card)),
        Release { card } => format!("releasing {}", short(card)),
        Record(r) => format!("recording the result of {}", short(&r.card)),
        Undo { .. } => "undoing".to_string(),
        Redo { .. } => "redoing".to_string(),
        Commit { .. } => "committing the board".to_string(),
        Init(_) => "creating the board".to_string(),
        Resolve { card, field, .. } => {
            format!("settling the conflict on {field} of {}", short(card))
        }
    }
}
