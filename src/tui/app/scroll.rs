//! Keys in the scrolling views: card details, help, history, flow, the
//! last sync's changes, messages, a lane.

use super::{App, Effect, Mode};
use crate::tui::command::KeyCommand;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

impl App {
    /// Keys in a scrolling view: j/k, pages, g/G, Esc; in the card's
    /// details also the editing keys.
    pub(super) fn on_scroll_key(
        &mut self,
        mode: &Mode,
        scroll: u16,
        key: KeyEvent,
        cmd: Option<KeyCommand>,
    ) -> Vec<Effect> {
        if let Mode::Help { query, .. } = mode {
            if let Some(effects) = self.on_help_key(query.clone(), key, cmd) {
                return effects;
            }
        }
        let crate::tui::view::Measure { limit: max, page } =
            crate::tui::view::measure(self, self.size);
        let to = match cmd {
            Some(KeyCommand::Down) => Some(scroll.saturating_add(1)),
            Some(KeyCommand::Up) => Some(scroll.saturating_sub(1)),
            Some(KeyCommand::PageDown) => Some(scroll.saturating_add(page)),
            Some(KeyCommand::PageUp) => Some(scroll.saturating_sub(page)),
            Some(KeyCommand::First) => Some(0),
            Some(KeyCommand::Last) => Some(max),
            _ => None,
        };
        if let Some(to) = to {
            let to = to.min(max);
            if to == scroll {
                match cmd {
                    Some(KeyCommand::Down | KeyCommand::PageDown) => {
                        self.set_message("at the end", false)
                    }
                    Some(KeyCommand::Up | KeyCommand::PageUp) => {
                        self.set_message("at the top", false)
                    }
                    _ => {}
                }
            }
            self.mode = mode.with_scroll(to);
            return Vec::new();
        }
        let opened_by = match mode {
            Mode::Help { .. } => Some(KeyCommand::Help),
            Mode::Changes { .. } => Some(KeyCommand::Changes),
            Mode::History { .. } => Some(KeyCommand::History),
            Mode::Flow { .. } => Some(KeyCommand::Flow),
            Mode::Messages { .. } => Some(KeyCommand::Messages),
            Mode::Lane { .. } => Some(KeyCommand::Lane),
            Mode::Detail { .. } => Some(KeyCommand::Open),
            _ => None,
        };
        if key.code == KeyCode::Esc
            || cmd == Some(KeyCommand::Quit)
            || (cmd.is_some() && cmd == opened_by)
            || (matches!(mode, Mode::Detail { .. }) && key.code == KeyCode::Enter)
        {
            self.close();
            return Vec::new();
        }
        if let Mode::Help { .. } = mode {
            self.warn("type to find a key · j/k scroll · Esc closes the help");
            return Vec::new();
        }
        if let (Mode::Detail { .. }, Some(cmd)) = (mode, cmd) {
            if cmd.needs_card() {
                // Editing keys work from the detail view too; the view
                // stays open for the checklist, conflicts and links.
                if !matches!(
                    cmd,
                    KeyCommand::Checklist
                        | KeyCommand::Conflicts
                        | KeyCommand::Links
                        | KeyCommand::AddLink
                ) {
                    self.back = None;
                    self.mode = Mode::Board;
                } else {
                    self.back = Some(Box::new(mode.clone()));
                }
                return self.run(cmd);
            }
        }
        if cmd == Some(KeyCommand::Help) {
            self.back = Some(Box::new(mode.clone()));
            self.mode = Mode::help();
            return Vec::new();
        }
        self.warn(format!(
            "{}: j/k scroll · g/G top and end · Esc closes",
            mode.context()
        ));
        Vec::new()
    }
}
