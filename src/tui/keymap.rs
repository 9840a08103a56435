//! Keys to commands. The keymap is data: defaults here, overridden by the
//! `keys:` section of the user's config file; the help screen is generated
//! from the keymap in force.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

/// What a key can do on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Left,
    Right,
    Up,
    Down,
    First,
    Last,
    PageUp,
    PageDown,
    MoveLeft,
    MoveRight,
    MoveUp,
    MoveDown,
    Open,
    New,
    Edit,
    EditTitle,
    EditLabels,
    EditAssignees,
    EditDue,
    Note,
    Verdict,
    RecordResult,
    Archive,
    Checklist,
    Conflicts,
    Undo,
    Redo,
    Filter,
    Reload,
    Sync,
    Changes,
    History,
    Hypotheses,
    Flow,
    Lane,
    Problems,
    Messages,
    Help,
    Quit,
}

impl Command {
    pub const ALL: [Command; 39] = [
        Command::Left,
        Command::Right,
        Command::Up,
        Command::Down,
        Command::First,
        Command::Last,
        Command::PageUp,
        Command::PageDown,
        Command::MoveLeft,
        Command::MoveRight,
        Command::MoveUp,
        Command::MoveDown,
        Command::Open,
        Command::New,
        Command::Edit,
        Command::EditTitle,
        Command::EditLabels,
        Command::EditAssignees,
        Command::EditDue,
        Command::Note,
        Command::Verdict,
        Command::RecordResult,
        Command::Archive,
        Command::Checklist,
        Command::Conflicts,
        Command::Undo,
        Command::Redo,
        Command::Filter,
        Command::Reload,
        Command::Sync,
        Command::Changes,
        Command::History,
        Command::Hypotheses,
        Command::Flow,
        Command::Lane,
        Command::Problems,
        Command::Messages,
        Command::Help,
        Command::Quit,
    ];

    /// The name used in the config file.
    pub fn name(self) -> &'static str {
        match self {
            Command::Left => "left",
            Command::Right => "right",
            Command::Up => "up",
            Command::Down => "down",
            Command::First => "first",
            Command::Last => "last",
            Command::PageUp => "page-up",
            Command::PageDown => "page-down",
            Command::MoveLeft => "move-left",
            Command::MoveRight => "move-right",
            Command::MoveUp => "move-up",
            Command::MoveDown => "move-down",
            Command::Open => "open",
            Command::New => "new",
            Command::Edit => "edit",
            Command::EditTitle => "edit-title",
            Command::EditLabels => "edit-labels",
            Command::EditAssignees => "edit-assignees",
            Command::EditDue => "edit-due",
            Command::Note => "note",
            Command::Verdict => "verdict",
            Command::RecordResult => "result-from-run",
            Command::Archive => "archive",
            Command::Checklist => "checklist",
            Command::Conflicts => "conflicts",
            Command::Undo => "undo",
            Command::Redo => "redo",
            Command::Filter => "filter",
            Command::Reload => "reload",
            Command::Sync => "sync",
            Command::Changes => "changes",
            Command::History => "history",
            Command::Hypotheses => "hypotheses",
            Command::Flow => "flow",
            Command::Lane => "lane",
            Command::Problems => "problems",
            Command::Messages => "messages",
            Command::Help => "help",
            Command::Quit => "quit",
        }
    }

    /// What the help screen says it does.
    pub fn describe(self) -> &'static str {
        match self {
            Command::Left => "select the lane to the left",
            Command::Right => "select the lane to the right",
            Command::Up => "select the card above",
            Command::Down => "select the card below",
            Command::First => "first card in the lane",
            Command::Last => "last card in the lane",
            Command::PageUp => "a page up",
            Command::PageDown => "a page down",
            Command::MoveLeft => "move the card to the lane on the left",
            Command::MoveRight => "move the card to the lane on the right",
            Command::MoveUp => "move the card up in its lane",
            Command::MoveDown => "move the card down in its lane",
            Command::Open => "open the card's details",
            Command::New => "new card in this lane",
            Command::Edit => "edit the card in $EDITOR",
            Command::EditTitle => "edit the title",
            Command::EditLabels => "edit the labels",
            Command::EditAssignees => "edit the assignees",
            Command::EditDue => "edit the due date",
            Command::Note => "add a journal note",
            Command::Verdict => "set verdict and result",
            Command::RecordResult => "result and verdict from a run (MLflow, DVC), with provenance",
            Command::Archive => "archive the card",
            Command::Checklist => "tick the card's checklist",
            Command::Conflicts => "resolve the conflicts a sync recorded on the card",
            Command::Undo => "undo your last change, again for the one before (a new commit each)",
            Command::Redo => "redo what undo took back (a new commit)",
            Command::Filter => "filter: text, label:x, @who, kind:x, verdict:x, lane:x",
            Command::Reload => "reload the board from disk",
            Command::Sync => "sync with the remote (fetch, merge, push)",
            Command::Changes => "what changed in the last sync",
            Command::History => "the card's history, field by field",
            Command::Hypotheses => "all hypotheses side by side",
            Command::Flow => "flow: cumulative flow, cycle times, loop-backs",
            Command::Lane => "the lane's exit criteria (definition of done) and WIP",
            Command::Problems => "go to the next problem: unreadable file, conflicts",
            Command::Messages => "every message of this session",
            Command::Help => "help for this view",
            Command::Quit => "quit",
        }
    }

    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }
}

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
    bindings: BTreeMap<Key, Command>,
}

const DEFAULTS: &[(Command, &[&str])] = &[
    (Command::Left, &["h", "Left"]),
    (Command::Right, &["l", "Right"]),
    (Command::Up, &["k", "Up"]),
    (Command::Down, &["j", "Down"]),
    (Command::First, &["g", "Home"]),
    (Command::Last, &["G", "End"]),
    (Command::PageUp, &["Ctrl+u", "PageUp"]),
    (Command::PageDown, &["Ctrl+d", "PageDown"]),
    (Command::MoveLeft, &["H", "Shift+Left"]),
    (Command::MoveRight, &["L", "Shift+Right"]),
    (Command::MoveUp, &["K", "Shift+Up"]),
    (Command::MoveDown, &["J", "Shift+Down"]),
    (Command::Open, &["Enter"]),
    (Command::New, &["n"]),
    (Command::Edit, &["e"]),
    (Command::EditTitle, &["t"]),
    (Command::EditLabels, &["#"]),
    (Command::EditAssignees, &["@"]),
    (Command::EditDue, &["D"]),
    (Command::Note, &["c"]),
    (Command::Verdict, &["v"]),
    (Command::RecordResult, &["r"]),
    (Command::Archive, &["x"]),
    (Command::Checklist, &["T"]),
    (Command::Conflicts, &["C"]),
    (Command::Undo, &["u"]),
    (Command::Redo, &["Ctrl+r"]),
    (Command::Filter, &["/"]),
    (Command::Reload, &["R"]),
    (Command::Sync, &["s"]),
    (Command::Changes, &["w"]),
    (Command::History, &["i"]),
    (Command::Hypotheses, &["p"]),
    (Command::Flow, &["f"]),
    (Command::Lane, &["d"]),
    (Command::Problems, &["!"]),
    (Command::Messages, &["m"]),
    (Command::Help, &["?"]),
    (Command::Quit, &["q", "Ctrl+c"]),
];

impl Default for Keymap {
    fn default() -> Self {
        let mut bindings = BTreeMap::new();
        for (cmd, keys) in DEFAULTS {
            for k in *keys {
                if let Some(key) = Key::parse(k) {
                    bindings.insert(key, *cmd);
                }
            }
        }
        Keymap { bindings }
    }
}

impl Keymap {
    pub fn lookup(&self, e: &KeyEvent) -> Option<Command> {
        Key::from_event(e).and_then(|k| self.bindings.get(&k).copied())
    }

    /// Apply the config file's `keys:` section: `command: [key, ...]`
    /// replaces that command's keys. Returns problems as messages.
    pub fn apply_overrides(&mut self, overrides: &BTreeMap<String, Vec<String>>) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, keys) in overrides {
            let Some(cmd) = Command::from_name(name) else {
                problems.push(format!("unknown command {name:?} in keys"));
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
            match self.bindings.insert(ctrl_c, Command::Quit) {
                Some(Command::Quit) | None => {}
                Some(other) => problems.push(format!(
                    "\"Ctrl+c\" always quits; it cannot be bound to {}",
                    other.name()
                )),
            }
        }
        // Nor without help: if its keys went to other commands, the first
        // free one of ?, F1 opens it.
        if self.keys_for(Command::Help).is_empty() {
            let free = ["?", "F1"]
                .into_iter()
                .filter_map(Key::parse)
                .find(|k| !self.bindings.contains_key(k));
            if let Some(k) = free {
                self.bindings.insert(k, Command::Help);
                problems.push(format!("\"help\" was left without a key: {k} opens it"));
            }
        }
        problems
    }

    /// The keys bound to a command, in a stable order.
    pub fn keys_for(&self, cmd: Command) -> Vec<Key> {
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
    pub fn hint(&self, cmd: Command) -> String {
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
        assert_eq!(km.lookup(&q), Some(Command::Quit));
        assert_eq!(km.lookup(&ctrl_c), Some(Command::Quit));
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
        assert_eq!(km.lookup(&ctrl_c), Some(Command::Quit));
        assert_eq!(
            km.lookup(&ev(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Command::Quit)
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
            Some(Command::MoveLeft)
        );
        assert_eq!(
            km.lookup(&ev(KeyCode::Left, KeyModifiers::SHIFT)),
            Some(Command::MoveLeft)
        );
        assert_eq!(
            km.lookup(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Command::Quit)
        );
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec!["Q".to_string()]);
        o.insert("bogus".to_string(), vec!["z".to_string()]);
        let problems = km.apply_overrides(&o);
        assert_eq!(problems.len(), 1);
        assert_eq!(km.lookup(&ev(KeyCode::Char('q'), KeyModifiers::NONE)), None);
        assert_eq!(
            km.lookup(&ev(KeyCode::Char('Q'), KeyModifiers::SHIFT)),
            Some(Command::Quit)
        );
        assert_eq!(km.hint(Command::Quit), "Q");
        for s in ["Shift+Left", "Ctrl+d", "Enter", "Space", "F5", "?"] {
            assert_eq!(Key::parse(s).map(|k| k.to_string()).as_deref(), Some(s));
        }
    }
}
