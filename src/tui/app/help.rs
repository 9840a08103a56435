//! Typing in help: `/`, or a letter that is no key of help's, starts
//! words to find; help then keeps only the lines with all of them.
//! While words are typed every letter is one of them; the arrows and
//! page keys still scroll, `Esc` takes the words away, and `Enter` closes.

use super::{App, Effect, Mode, Prompt, Purpose};
use crate::tui::command::KeyCommand;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl App {
    /// A key in help, if it is about the words to find (`None`: a key
    /// for scrolling or closing, handled as in every scrolling view).
    pub(super) fn on_help_key(
        &mut self,
        query: Option<Prompt>,
        key: KeyEvent,
        cmd: Option<KeyCommand>,
    ) -> Option<Vec<Effect>> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let plain_char = matches!(key.code, KeyCode::Char(_)) && !ctrl && !alt;
        let mut q = match query {
            Some(q) => {
                match key.code {
                    KeyCode::Esc => {
                        self.mode = Mode::help();
                        return Some(Vec::new());
                    }
                    KeyCode::Enter => {
                        self.close();
                        return Some(Vec::new());
                    }
                    _ => {}
                }
                let editing = plain_char
                    || matches!(key.code, KeyCode::Backspace | KeyCode::Delete)
                    || (matches!(key.code, KeyCode::Left | KeyCode::Right)
                        && !key.modifiers.contains(KeyModifiers::SHIFT))
                    || (ctrl && matches!(key.code, KeyCode::Char('w' | 'u' | 'k' | 'a' | 'e')));
                if !editing {
                    return None;
                }
                q
            }
            None => {
                let scrolls_or_closes = matches!(
                    cmd,
                    Some(
                        KeyCommand::Up
                            | KeyCommand::Down
                            | KeyCommand::First
                            | KeyCommand::Last
                            | KeyCommand::PageUp
                            | KeyCommand::PageDown
                            | KeyCommand::Quit
                            | KeyCommand::Help
                    )
                );
                if !plain_char || scrolls_or_closes {
                    return None;
                }
                let q = Prompt::new(Purpose::Search, String::new());
                if key.code == KeyCode::Char('/') {
                    self.mode = Mode::Help {
                        scroll: 0,
                        query: Some(q),
                    };
                    return Some(Vec::new());
                }
                q
            }
        };
        q.edit(&key);
        // New words: from the top.
        self.mode = Mode::Help {
            scroll: 0,
            query: Some(q),
        };
        Some(Vec::new())
    }
}
