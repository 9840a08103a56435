//! Settling collisions: conflicts a sync recorded on a card, and an
//! edit that met a change on disk.

use super::{App, Effect, Mode, Pending, Work};
use crate::ops::resolve::Take;
use crate::ops::{self, Action};
use crate::tui::command::KeyCommand;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

impl App {
    /// A change collided with one on disk: keep mine, theirs or both.
    pub(super) fn on_resolve_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let choice = match key.code {
            KeyCode::Char('m') => Some(ops::editor::Choice::Mine),
            KeyCode::Char('t') => Some(ops::editor::Choice::Theirs),
            KeyCode::Char('b') => Some(ops::editor::Choice::Both),
            _ => None,
        };
        let Some(choice) = choice else {
            self.warn("choose: m keeps mine, t keeps theirs, b keeps both");
            return Vec::new();
        };
        self.mode = Mode::Board;
        match self.pending.take() {
            Some(Pending::Edit(c)) => vec![Effect::ResolveEdit(c, choice)],
            Some(Pending::Field(c)) => self.resolve_field(c, choice),
            None => Vec::new(),
        }
    }

    pub(super) fn on_conflicts_key(
        &mut self,
        card: String,
        cursor: usize,
        key: KeyEvent,
        cmd: Option<KeyCommand>,
    ) -> Vec<Effect> {
        let Some(c) = self.card_or_close(&card) else {
            return Vec::new();
        };
        let list = ops::resolve::recorded(&c);
        let last = list.len().saturating_sub(1);
        let to = match (key.code, cmd) {
            (_, Some(KeyCommand::Down)) => cursor + 1,
            (_, Some(KeyCommand::Up)) => cursor.saturating_sub(1),
            (KeyCode::Esc, _) | (_, Some(KeyCommand::Quit)) => {
                self.close();
                return Vec::new();
            }
            (KeyCode::Char(choice @ ('a' | 'o' | 'e')), _) => {
                let Some(conflict) = list.get(cursor) else {
                    self.close();
                    self.warn("no conflicts are recorded on this card");
                    return Vec::new();
                };
                if choice == 'e' {
                    self.back = None;
                    self.mode = Mode::Board;
                    self.set_message(
                        "edit the field in $EDITOR, then remove its entry under conflicts:",
                        false,
                    );
                    return vec![Effect::EditInEditor(card)];
                }
                // Settled through the one writer, as `lanes resolve`
                // does: every entry of the field goes, the journal says
                // what was decided over what.
                let field = conflict.field.clone();
                let same: Vec<_> = list.iter().filter(|c| c.field == field).collect();
                let take = match choice {
                    'a' => Take::Kept,
                    // Syncs recorded different other values for the
                    // field: the one selected is taken.
                    _ if same.iter().any(|c| c.other.value != conflict.other.value) => {
                        Take::Value(conflict.other.value.clone())
                    }
                    _ => Take::Other,
                };
                let left = list.len() - same.len();
                if left == 0 {
                    self.close();
                } else {
                    // The entries before the cursor that stay.
                    let before = list[..cursor].iter().filter(|c| c.field != field).count();
                    self.mode = Mode::Conflicts {
                        card: card.clone(),
                        cursor: before.min(left - 1),
                    };
                }
                return vec![Effect::apply(Action::Resolve { card, field, take })];
            }
            _ => {
                self.warn("conflicts: j/k select · a accepts the kept value · o takes the other · e edits · Esc");
                return Vec::new();
            }
        };
        self.mode = Mode::Conflicts {
            card,
            cursor: to.min(last),
        };
        Vec::new()
    }

    /// A change collided with one on disk: ask.
    pub fn on_conflict(&mut self, pending: Pending) {
        self.work = Work::Idle;
        self.set_message(
            format!("changed on disk meanwhile: {}", pending.describe()),
            true,
        );
        self.pending = Some(pending);
        self.mode = Mode::Resolve;
    }

    pub(super) fn resolve_field(
        &mut self,
        c: ops::ConflictError,
        choice: ops::editor::Choice,
    ) -> Vec<Effect> {
        use ops::editor::Choice;
        match choice {
            Choice::Mine => vec![Effect::apply(Action::Set {
                card: c.card,
                fields: vec![(c.field, c.mine)],
            })],
            Choice::Theirs => {
                self.set_message(format!("kept {} as it is on disk", c.field), false);
                Vec::new()
            }
            Choice::Both => vec![Effect::apply(Action::Note {
                card: c.card,
                text: format!(
                    "Kept {} on disk ({}); I had entered {}",
                    c.field,
                    ops::brief(&c.theirs),
                    ops::brief(&c.mine)
                ),
            })],
        }
    }
}
