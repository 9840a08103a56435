//! Editing one field of a card (`E`, and `t` `#` `@` `D` for the fields
//! they name): a short list of the fields the card can have, then one
//! prompt for any field, checked as it is typed by the field table's own
//! rule (`Field::parse_input`) and committed with the value the user saw,
//! so a change on disk meanwhile becomes a conflict. A new field, built-in
//! or declared in board.yaml, needs nothing here.

use super::{App, Effect, Mode, Prompt, Purpose};
use crate::model::field::{Field, Type};
use crate::model::Card;
use crate::ops;
use crate::tui::command::KeyCommand;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::borrow::Cow;

impl App {
    /// `E`: choose a field of the selected card.
    pub(super) fn pick_field(&mut self) {
        if let Some(c) = self.selected_card() {
            self.mode = Mode::PickField {
                card: c.id.clone(),
                cursor: 0,
            };
        }
    }

    /// The prompt for the field `key` of the selected card.
    pub(super) fn edit_field(&mut self, key: &str) {
        let Some(card) = self.selected_card().cloned() else {
            return;
        };
        match self.schema().get(key).cloned() {
            Some(field) => self.field_prompt(&card, field),
            None => self.warn(format!("this board has no field {key:?}")),
        }
    }

    /// Open the prompt for `field` on `card`, starting from its value.
    fn field_prompt(&mut self, card: &Card, mut field: Field) {
        let now = ops::get_field(&card.to_value(), &field.path())
            .cloned()
            .unwrap_or_default();
        let shown = field.show(&now);
        if shown.contains('\n') {
            // A one-line prompt would flatten it.
            self.set_message(
                format!(
                    "{} has several lines: {} edits the card in $EDITOR",
                    field.label,
                    self.keymap.hint(KeyCommand::Edit)
                ),
                false,
            );
            self.mode = Mode::Board;
            return;
        }
        if field.ty == Type::Kind {
            // The kinds this board has are the choice.
            field.ty = Type::Choice(Cow::Owned(
                self.kinds().into_iter().map(Cow::Owned).collect(),
            ));
        }
        let mut p = Prompt::new(
            Purpose::Field {
                card: card.id.clone(),
                field: Box::new(field),
            },
            shown.clone(),
        );
        p.current = Some(shown).filter(|s| !s.is_empty());
        p.seen = Some(card.clone());
        self.mode = Mode::Prompt(p);
    }

    /// Keys in the list of fields: j/k, a letter jumps to the next field
    /// it starts, Enter opens the field's prompt, Esc cancels.
    pub(super) fn on_pick_field_key(
        &mut self,
        card: String,
        cursor: usize,
        key: KeyEvent,
        cmd: Option<KeyCommand>,
    ) -> Vec<Effect> {
        let Some(c) = self.card_or_close(&card) else {
            return Vec::new();
        };
        let fields = self.editable_fields(&c);
        let last = fields.len().saturating_sub(1);
        let to = match (key.code, cmd) {
            (KeyCode::Esc, _) | (_, Some(KeyCommand::Quit)) => {
                self.cancelled("edit");
                return Vec::new();
            }
            (KeyCode::Enter, _) => {
                match fields.get(cursor) {
                    Some(f) => self.field_prompt(&c, f.clone()),
                    None => self.cancelled("edit"),
                }
                return Vec::new();
            }
            (_, Some(KeyCommand::Down)) => cursor + 1,
            (_, Some(KeyCommand::Up)) => cursor.saturating_sub(1),
            (_, Some(KeyCommand::First)) => 0,
            (_, Some(KeyCommand::Last)) => last,
            (KeyCode::Char(letter), _) => {
                let letter = letter.to_ascii_lowercase();
                let n = fields.len();
                let next = (1..=n)
                    .map(|k| (cursor + k) % n.max(1))
                    .find(|&i| fields[i].label.starts_with(letter));
                match next {
                    Some(i) => i,
                    None => {
                        self.warn(format!("no field starts with {letter}"));
                        cursor
                    }
                }
            }
            _ => {
                self.warn("fields: j/k or a letter selects · Enter edits · Esc cancels");
                cursor
            }
        };
        self.mode = Mode::PickField {
            card,
            cursor: to.min(last),
        };
        Vec::new()
    }
}

impl App {
    /// Whether setting `path` to `value` on the card `id` makes its
    /// hypothesis's numbers contradict its verdict (with no reason kept
    /// that still holds): lanes refuses that without a reason. None for
    /// fields outside the hypothesis, and for the rationale and evidence
    /// themselves.
    pub(super) fn field_disagreement(
        &self,
        id: &str,
        path: &str,
        value: &serde_yaml::Value,
    ) -> Option<crate::evidence::verdict::Disagrees> {
        let inside = path.strip_prefix("hypothesis.")?;
        if matches!(inside.split('.').next(), Some("rationale" | "evidence")) {
            return None;
        }
        let card = self.board.card(id)?;
        let old = card.hypothesis.as_deref()?;
        let mut v = card.to_value();
        ops::set_field(&mut v, path, value.clone(), card).ok()?;
        let new = Card::from_value(v).ok()?;
        crate::evidence::verdict::change_needs_reason(old, new.hypothesis.as_deref()?)
    }
}
