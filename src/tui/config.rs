//! The user's config file (`<config dir>/config.yaml`): keymap and theme
//! (its saved views and `me:` are read by the library, `crate::config`).
//!
//! ```yaml
//! keys:
//!   move-left: [H, Shift+Left]
//!   quit: [q]
//! theme:
//!   accent: magenta
//!   selected: "#334455"
//! sync_every_minutes: 10
//! ```

use super::keymap::Keymap;
use super::theme::Theme;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct File {
    keys: BTreeMap<String, OneOrMany>,
    theme: BTreeMap<String, String>,
    sync_every_minutes: Option<u64>,
    /// Read by the library (`crate::config`): saved views and who `@me` is.
    #[allow(dead_code)]
    views: Option<serde_yaml::Value>,
    #[allow(dead_code)]
    me: Option<serde_yaml::Value>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Where the config file lives.
pub fn path() -> Option<PathBuf> {
    crate::config::path()
}

/// The user's auto-sync interval in minutes, if set.
pub fn sync_every_minutes() -> Option<u64> {
    let text = std::fs::read_to_string(path()?).ok()?;
    serde_yaml::from_str::<File>(&text).ok()?.sync_every_minutes
}

/// Keymap and theme from the config file, with any problems in it (which
/// the board shows; the defaults stand in).
pub fn load() -> (Keymap, Theme, Vec<String>) {
    match path() {
        Some(p) => match std::fs::read_to_string(&p) {
            Ok(text) => from_text(&p.display().to_string(), &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => from_text("", ""),
            Err(e) => {
                let (k, t, mut problems) = from_text("", "");
                problems.insert(0, format!("{}: cannot read: {e}", p.display()));
                (k, t, problems)
            }
        },
        None => from_text("", ""),
    }
}

/// Keymap and theme from the text of a config file named `name`. Each
/// problem reads `name:line:col: what is wrong`.
pub fn from_text(name: &str, text: &str) -> (Keymap, Theme, Vec<String>) {
    let mut problems = Vec::new();
    let file = if text.trim().is_empty() {
        File::default()
    } else {
        match serde_yaml::from_str::<File>(text) {
            Ok(f) => f,
            Err(e) => {
                let (line, col) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
                problems.push(format!(
                    "{name}:{line}:{col}: {}; the whole file is ignored (default keys and theme)",
                    first_sentence(&e.to_string())
                ));
                File::default()
            }
        }
    };
    let mut keymap = Keymap::default();
    let keys: BTreeMap<String, Vec<String>> = file
        .keys
        .into_iter()
        .map(|(k, v)| {
            let list = match v {
                OneOrMany::One(s) => vec![s],
                OneOrMany::Many(v) => v,
            };
            (k, list)
        })
        .collect();
    for p in keymap.apply_overrides(&keys) {
        problems.push(at(name, text, &p));
    }
    let (theme, theme_problems) = Theme::from_env(&file.theme);
    for p in theme_problems {
        problems.push(at(name, text, &p));
    }
    (keymap, theme, problems)
}

/// serde's message without the trailing ` at line L column C`.
fn first_sentence(msg: &str) -> &str {
    msg.split(" at line ").next().unwrap_or(msg)
}

/// A problem placed at the line of the file it is about: the first quoted
/// word of the message (a command, key or colour) where the file has it.
fn at(name: &str, text: &str, problem: &str) -> String {
    let near = problem.split('"').nth(1).unwrap_or("");
    let (line, col) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| {
            let found = l
                .find(&format!("{near}:"))
                .or_else(|| l.find(&format!("[{near}")).map(|c| c + 1))
                .or_else(|| l.find(near));
            found.filter(|_| !near.is_empty()).map(|c| (i + 1, c + 1))
        })
        .unwrap_or((1, 1));
    format!("{name}:{line}:{col}: {problem}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::command::KeyCommand;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    #[test]
    fn problems_name_the_file_line_and_column() {
        let text = "theme:\n  accent: magenta\nkeys:\n  quit: [Qq]\n  help: [x]\n  bogus: [z]\n";
        let (km, _, problems) = from_text("cfg.yaml", text);
        assert!(
            problems.contains(&"cfg.yaml:4:10: cannot read key \"Qq\" for quit".to_string()),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("cfg.yaml:6:3: unknown command \"bogus\"")
                    && p.contains("move-left, move-right")
                    && p.contains("edit-field")),
            "{problems:?}"
        );
        // Quit and help stay reachable.
        let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(km.lookup(&q), Some(KeyCommand::Quit));
        let x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
        assert_eq!(km.lookup(&x), Some(KeyCommand::Help));

        // A file that is not YAML: its position, and the defaults.
        let (km, _, problems) = from_text("cfg.yaml", "keys:\n  quit: [q\n  help: ?\n");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("cfg.yaml:3:"), "{problems:?}");
        assert!(problems[0].ends_with("the whole file is ignored (default keys and theme)"));
        assert_eq!(km.lookup(&q), Some(KeyCommand::Quit));

        // An unknown top-level key.
        let (_, _, problems) = from_text("cfg.yaml", "keys: {}\nthem:\n  accent: red\n");
        assert!(
            problems[0].starts_with("cfg.yaml:2:1: unknown field `them`"),
            "{problems:?}"
        );
    }

    #[test]
    fn help_is_never_left_without_a_key() {
        let (km, _, problems) = from_text("c", "keys:\n  filter: ['?']\n");
        assert_eq!(km.hint(KeyCommand::Filter), "?");
        assert_ne!(km.hint(KeyCommand::Help), "(unbound)", "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("help")), "{problems:?}");
    }
}
