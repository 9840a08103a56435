//! What the app asks the event loop to do.

use crate::ops::{self, Action};
use crate::tui::moves::Intent;

/// Work for the event loop.
#[derive(Debug, PartialEq)]
pub enum Effect {
    /// Run an action on the worker.
    Apply {
        action: Action,
    },
    /// Commit `H` `L` `J` `K` presses on the worker, applied to the card
    /// as it is then (see `moves`).
    Move(Intent),
    /// Take back the last lanes change of yours, or put back the last
    /// one taken back (`lanes undo` / `lanes redo`), on the worker.
    Undo,
    Redo,
    /// Suspend the screen and edit this card in $EDITOR.
    EditInEditor(String),
    /// Suspend the screen and write a journal note in $EDITOR, starting
    /// from `text`.
    NoteInEditor {
        card: String,
        text: String,
    },
    /// Read the board from disk again.
    Reload,
    /// Fetch, merge and push on the worker.
    Sync,
    /// Read a card's history on the worker.
    LoadHistory(String),
    /// Compute hypotheses and flow on the worker.
    LoadInsights,
    /// Find the store's recent runs of a hypothesis's metric on the
    /// worker, then ask which one the result comes from.
    LoadRuns {
        card: String,
        metric: String,
    },
    /// Read a run's (or metrics file's) final value and record it on the
    /// card with its verdict and provenance, on the worker.
    RecordResult {
        card: String,
        source: String,
    },
    /// Settle an edit that collided with a change on disk.
    ResolveEdit(ops::editor::EditConflict, ops::editor::Choice),
    Quit,
}
