//! Keys in a card's checklist: ticking items.

use super::{App, Effect, Mode};
use crate::ops::Action;
use crate::tui::command::KeyCommand;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

impl App {
    pub(super) fn on_checklist_key(
        &mut self,
        card: String,
        cursor: usize,
        key: KeyEvent,
        cmd: Option<KeyCommand>,
    ) -> Vec<Effect> {
        let Some(c) = self.card_or_close(&card) else {
            return Vec::new();
        };
        let n = c.checklist.len();
        let last = n.saturating_sub(1);
        let to = match cmd {
            Some(KeyCommand::Down) => cursor + 1,
            Some(KeyCommand::Up) => cursor.saturating_sub(1),
            Some(KeyCommand::First) => 0,
            Some(KeyCommand::Last) => last,
            _ if key.code == KeyCode::Esc || matches!(cmd, Some(KeyCommand::Quit)) => {
                self.close();
                return Vec::new();
            }
            _ if matches!(
                key.code,
                KeyCode::Char(' ') | KeyCode::Enter | KeyCode::Char('x')
            ) =>
            {
                let Some(item) = c.checklist.get(cursor) else {
                    self.warn("the checklist is empty; add items with e ($EDITOR)");
                    return Vec::new();
                };
                let field = format!("checklist.{cursor}.done");
                let seen = serde_yaml::Value::Bool(item.done);
                return vec![Effect::apply(Action::SetChecked {
                    card,
                    fields: vec![(field, serde_yaml::Value::Bool(!item.done), seen)],
                })];
            }
            _ => {
                self.warn("checklist: j/k select · Space ticks · Esc closes");
                return Vec::new();
            }
        };
        self.mode = Mode::Checklist {
            card,
            cursor: to.min(last),
        };
        Vec::new()
    }
}
