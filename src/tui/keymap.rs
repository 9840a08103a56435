//! Keys to commands. The keymap is data: each command's default keys come
//! from the command table (`command::TABLE`), overridden by the `keys:`
//! section of the user's config file; the help screen is generated from
//! the keymap in force.

use super::command::{KeyCommand, TABLE};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

/// A key with its modifiers, normalised (a capital letter carries no Shift).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// KeyCode with an order, for a stable help screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    Named(u8),
    F(u8),
}

const NAMED: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("BackTab", KeyCode::BackTab),
    ("Backspace", KeyCode::Backspace),
    ("Delete", KeyCode::Delete),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Insert", KeyCode::Insert),
];

impl Key {
    pub fn from_event(e: &KeyEvent) -> Option<Key> {
        let code = match e.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            other => KeyCodeOrd::Named(NAMED.iter().position(|(_, k)| *k == other)? as u8),
        };
        let is_char = matches!(code, KeyCodeOrd::Char(_));
        Some(Key {
            code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
            shift: e.modifiers.contains(KeyModifiers::SHIFT) && !is_char,
        })
    }

    /// Parse `H`, `Shift+Left`, `Ctrl+d`, `Enter`, `Space`, `F5`.
    pub fn parse(s: &str) -> Option<Key> {
        let mut key = Key {
            code: KeyCodeOrd::Char(' '),
            ctrl: false,
            alt: false,
            shift: false,
        };
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl+") {
                key.ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("alt+") {
                key.alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("shift+") {
                key.shift = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        key.code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                if key.shift && c.is_ascii_lowercase() {
                    key.shift = false;
                    KeyCodeOrd::Char(c.to_ascii_uppercase())
                } else {
                    KeyCodeOrd::Char(c)
                }
            }
            _ if rest.eq_ignore_ascii_case("space") => KeyCodeOrd::Char(' '),
            _ if rest.len() > 1 && (rest.starts_with('F') || rest.starts_with('f')) => {
                KeyCodeOrd::F(rest[1..].parse().ok()?)
            }
            _ => KeyCodeOrd::Named(
                NAMED
                    .iter()
                    .position(|(n, _)| n.eq_ignore_ascii_case(rest))? as u8,
            ),
        };
        if matches!(key.code, KeyCodeOrd::Char(_)) {
            key.shift = false;
        }
        Some(key)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl+")?;
        }
        if self.alt {
            f.write_str("Alt+")?;
        }
        if self.shift {
            f.write_str("Shift+")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("Space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "F{n}"),
            KeyCodeOrd::Named(i) => f.write_str(NAMED.get(i as usize).map_or("?", |n| n.0)),
        }
    }
}

/// Keys for each command.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    bindings: BTreeMap<Key, KeyCommand>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut bindings = BTreeMap::new();
        for spec in TABLE {
            for k in spec.keys {
                if let Some(key) = Key::parse(k) {
                    bindings.insert(key, spec.command);
                }
            }
        }
        Keymap { bindings }
    }
}

impl Keymap {
    pub fn lookup(&self, e: &KeyEvent) -> Option<KeyCommand> {
        Key::from_event(e).and_then(|k| self.bindings.get(&k).copied())
    }

    /// Apply the config file's `keys:` section: `command: [key, ...]`
    /// replaces that command's keys. Returns problems as messages.
    pub fn apply_overrides(&mut self, overrides: &BTreeMap<String, Vec<String>>) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, keys) in overrides {
            let Some(cmd) = KeyCommand::from_name(name) else {
                let names: Vec<&str> = TABLE.iter().map(|s| s.name).collect();
                problems.push(format!(
                    "unknown command {name:?} in keys; the commands are {}",
                    names.join(", ")
                ));
                continue;
            };
            let parsed: Vec<Key> = keys
                .iter()
                .filter_map(|k| {
                    let p = Key::parse(k);
                    if p.is_none() {
                        problems.push(format!("cannot read key {k:?} for {name}"));
                    }
                    p
                })
                .collect();
            if parsed.is_empty() && !keys.is_empty() {
                // No way to reach the command is worse than the default.
                problems.push(format!(
                    "no usable key for \"{name}\": it keeps its default keys"
                ));
                continue;
            }
            self.bindings.retain(|_, c| *c != cmd);
            for k in parsed {
                self.bindings.insert(k, cmd);
            }
        }
        // Whatever the file says, Ctrl+C quits: nobody is left without a
        // way out of the board.
        if let Some(ctrl_c) = Key::parse("Ctrl+c") {
            match self.bindings.insert(ctrl_c, KeyCommand::Quit) {
                Some(KeyCommand::Quit) | None => {}
                Some(other) => problems.push(format!(
                    "\"Ctrl+c\" always quits; it cannot be bound to {}",
                    other.name()
                )),
            }
        }
        // Nor without help: if its keys went to other commands, the first
        // free one of ?, F1 opens it.
        if self.keys_for(KeyCommand::Help).is_empty() {
            let free = ["?", "F1"]
                .into_iter()
                .filter_map(Key::parse)
                .find(|k| !self.bindings.contains_key(k));
            if let Some(k) = free {
                self.bindings.insert(k, KeyCommand::Help);
                problems.push(format!("\"help\" was left without a key: {k} opens it"));
            }
        }
        problems
    }

    /// The keys bound to a command, in a stable order.
    pub fn keys_for(&self, cmd: KeyCommand) -> Vec<Key> {
        let mut keys: Vec<Key> = self
            .bindings
            .iter()
            .filter(|(_, c)| **c == cmd)
            .map(|(k, _)| *k)
            .collect();
        // Plain keys first: `q` before `Ctrl+c`.
        keys.sort_by_key(|k| {
            (
                k.ctrl || k.alt || k.shift,
                !matches!(k.code, KeyCodeOrd::Char(_)),
                *k,
            )
        });
        keys
    }

    /// The first key for a command, as text (for hints).
    pub fn hint(&self, cmd: KeyCommand) -> String {
        self.keys_for(cmd)
            .first()
            .map(|k| k.to_string())
            .unwrap_or_else(|| "(unbound)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEventKind;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers: mods,
            kind: KeyEventKind::Press,
            state: ratatui::crossterm::event::KeyEventState::NONE,
        }
    }

    #[test]
    fn a_config_typo_never_takes_away_the_way_out() {
        let ctrl_c = ev(KeyCode::Char('c'), KeyModifiers::CONTROL);
        let q = ev(KeyCode::Char('q'), KeyModifiers::NONE);
        // `quit: [Qq]` names no key lanes can read: quit keeps q and Ctrl+c.
        let mut km = Keymap::default();
        let overrides = BTreeMap::from([("quit".to_string(), vec!["Qq".to_string()])]);
        let problems = km.apply_overrides(&overrides);
        assert_eq!(km.lookup(&q), Some(KeyCommand::Quit));
        assert_eq!(km.lookup(&ctrl_c), Some(KeyCommand::Quit));
        assert!(
            problems.iter().any(|p| p.contains("\"Qq\"")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("keeps its default keys")),
            "{problems:?}"
        );
        // Ctrl+c given to another command, and quit moved to another key:
        // Ctrl+c still quits, and the file is told so.
        let mut km = Keymap::default();
        let overrides = BTreeMap::from([
            ("help".to_string(), vec!["Ctrl+c".to_string()]),
            ("quit".to_string(), vec!["x".to_string()]),
        ]);
        let problems = km.apply_overrides(&overrides);
        assert_eq!(km.lookup(&ctrl_c), Some(KeyCommand::Quit));
        assert_eq!(
            km.lookup(&ev(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(KeyCommand::Quit)
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("\"Ctrl+c\" always quits")),
            "{problems:?}"
        );
    }

    #[test]
    fn defaults_and_overrides() {
        let mut km = Keymap::default();
        assert_eq!(
            km.lookup(&ev(KeyCode::Char('H'), KeyModifiers::SHIFT)),
            Some(KeyCommand::MoveLeft)
        );
        assert_eq!(
            km.lookup(&ev(KeyCode::Left, KeyModifiers::SHIFT)),
            Some(KeyCommand::MoveLeft)
        );
        assert_eq!(
            km.lookup(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(KeyCommand::Quit)
        );
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec!["Q".to_string()]);
        o.insert("bogus".to_string(), vec!["z".to_string()]);
        let problems = km.apply_overrides(&o);
        assert_eq!(problems.len(), 1);
        assert_eq!(km.lookup(&ev(KeyCode::Char('q'), KeyModifiers::NONE)), None);
        assert_eq!(
            km.lookup(&ev(KeyCode::Char('Q'), KeyModifiers::SHIFT)),
            Some(KeyCommand::Quit)
        );
        assert_eq!(km.hint(KeyCommand::Quit), "Q");
        for s in ["Shift+Left", "Ctrl+d", "Enter", "Space", "F5", "?"] {
            assert_eq!(Key::parse(s).map(|k| k.to_string()).as_deref(), Some(s));
        }
    }
}
