//! Keys in the hypotheses table.

use super::{App, Effect, HypSort, Mode};
use crate::tui::command::KeyCommand;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

impl App {
    pub(super) fn on_hypotheses_key(
        &mut self,
        cursor: usize,
        sort: HypSort,
        key: KeyEvent,
        cmd: Option<KeyCommand>,
    ) -> Vec<Effect> {
        let rows = self.hypothesis_rows().len();
        let page = usize::from(crate::tui::view::measure(self, self.size).page);
        let sort_key = match key.code {
            KeyCode::Char('v') => Some(HypSort::Verdict),
            KeyCode::Char('m') => Some(HypSort::Metric),
            KeyCode::Char('l') => Some(HypSort::Lane),
            KeyCode::Char('u') => Some(HypSort::Updated),
            _ => None,
        };
        let last = rows.saturating_sub(1);
        let to = match (sort_key, cmd) {
            (Some(s), _) => {
                self.mode = Mode::Hypotheses { cursor: 0, sort: s };
                self.set_message(format!("sorted by {}", s.name()), false);
                return Vec::new();
            }
            (_, Some(KeyCommand::Down)) => cursor + 1,
            (_, Some(KeyCommand::Up)) => cursor.saturating_sub(1),
            (_, Some(KeyCommand::PageDown)) => cursor + page,
            (_, Some(KeyCommand::PageUp)) => cursor.saturating_sub(page),
            (_, Some(KeyCommand::First)) => 0,
            (_, Some(KeyCommand::Last)) => last,
            (_, Some(KeyCommand::Open)) => {
                let id = self.hypothesis_rows().get(cursor).map(|r| r.id.clone());
                match id {
                    Some(id) if self.board.card(&id).is_some() => {
                        self.show_card(&id);
                        self.back = Some(Box::new(Mode::Hypotheses { cursor, sort }));
                        self.mode = Mode::Detail { scroll: 0 };
                    }
                    Some(_) => self.warn("that card is no longer on the board"),
                    None => self.warn("no hypothesis selected"),
                }
                return Vec::new();
            }
            (_, Some(KeyCommand::Help)) => {
                self.back = Some(Box::new(self.mode.clone()));
                self.mode = Mode::help();
                return Vec::new();
            }
            _ if key.code == KeyCode::Esc
                || matches!(cmd, Some(KeyCommand::Quit | KeyCommand::Hypotheses)) =>
            {
                self.close();
                return Vec::new();
            }
            _ => {
                self.warn("hypotheses: j/k select · Enter opens · l/v/m/u sort · Esc closes");
                return Vec::new();
            }
        };
        self.mode = Mode::Hypotheses {
            cursor: to.min(last),
            sort,
        };
        Vec::new()
    }
}
