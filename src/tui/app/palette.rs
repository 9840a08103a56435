//! The command palette (`:`, `Ctrl+p`): every key command of the table
//! (`command::TABLE`, with the keys in force) and every saved view, the
//! ones matching the words typed first; `Enter` runs the selected one on
//! the selected card, as its key would.

use super::{App, Effect, Mode, Prompt, Purpose};
use crate::tui::command::{KeyCommand, TABLE};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a palette row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Command(KeyCommand),
    /// The saved view at this index of [`App::views`].
    View(usize),
}

/// One row of the palette.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub pick: Pick,
    /// The command's name (as the config file's `keys:` has it), or the
    /// view's.
    pub name: String,
    /// Its keys in force, as help shows them.
    pub keys: String,
    pub about: String,
    /// A view lanes cannot use (Enter says why).
    pub broken: bool,
}

impl App {
    /// `:` / `Ctrl+p`: the palette, with `text` already typed.
    pub fn open_palette(&mut self, text: &str) {
        self.mode = Mode::Palette {
            query: Prompt::new(Purpose::Search, text.to_string()),
            cursor: 0,
        };
    }

    /// The palette's rows for `query`: all of them in order (the saved
    /// views first) when it is empty, else those matching every word,
    /// best first.
    pub fn palette_entries(&self, query: &str) -> Vec<Entry> {
        let mut all: Vec<Entry> = self
            .views
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let (about, broken) = match &v.view {
                    Ok(_) => (format!("saved view: {}", describe_view(self, i)), false),
                    Err(p) => (
                        format!("saved view that cannot be used: {}", p.describe()),
                        true,
                    ),
                };
                Entry {
                    pick: Pick::View(i),
                    name: v.name.clone(),
                    keys: if i < 9 {
                        (i + 1).to_string()
                    } else {
                        String::new()
                    },
                    about,
                    broken,
                }
            })
            .collect();
        all.extend(
            TABLE
                .iter()
                .filter(|s| s.command != KeyCommand::Palette)
                .map(|s| Entry {
                    pick: Pick::Command(s.command),
                    name: s.name.to_string(),
                    keys: keys_of(self, s.command),
                    about: s.about.to_string(),
                    broken: false,
                }),
        );
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return all;
        }
        let mut scored: Vec<(i64, Entry)> = all
            .into_iter()
            .filter_map(|e| score(&words, &e).map(|s| (s, e)))
            .collect();
        // Best first; the table's order among equals.
        scored.sort_by_key(|e| std::cmp::Reverse(e.0));
        scored.into_iter().map(|(_, e)| e).collect()
    }

    pub(super) fn on_palette_key(
        &mut self,
        mut query: Prompt,
        cursor: usize,
        key: KeyEvent,
    ) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let rows = self.palette_entries(&query.input).len();
        let last = rows.saturating_sub(1);
        let page = 10;
        let cursor = match key.code {
            KeyCode::Esc => {
                self.mode = Mode::Board;
                return Vec::new();
            }
            KeyCode::Enter => return self.palette_run(&query.input, cursor),
            KeyCode::Up | KeyCode::BackTab => cursor.saturating_sub(1),
            KeyCode::Char('p' | 'k') if ctrl => cursor.saturating_sub(1),
            KeyCode::Down | KeyCode::Tab => (cursor + 1).min(last),
            KeyCode::Char('n' | 'j') if ctrl => (cursor + 1).min(last),
            KeyCode::PageUp => cursor.saturating_sub(page),
            KeyCode::PageDown => (cursor + page).min(last),
            _ => {
                let before = query.input.clone();
                if !query.edit(&key) {
                    self.warn("type to find an action · ↑↓ select · Enter runs · Esc closes");
                }
                // New words: the best match is selected.
                if query.input != before {
                    0
                } else {
                    cursor
                }
            }
        };
        self.mode = Mode::Palette { query, cursor };
        Vec::new()
    }

    /// Enter: run the selected row, as its key would on the board.
    fn palette_run(&mut self, query: &str, cursor: usize) -> Vec<Effect> {
        let entries = self.palette_entries(query);
        let Some(entry) = entries.get(cursor).or(entries.first()) else {
            self.warn(format!("no action matches {query:?}"));
            return Vec::new();
        };
        self.mode = Mode::Board;
        match entry.pick {
            Pick::View(i) => {
                self.show_view(i + 1);
                Vec::new()
            }
            Pick::Command(cmd) => self.run(cmd),
        }
    }
}

/// A command's keys in force, as help shows them.
fn keys_of(app: &App, cmd: KeyCommand) -> String {
    let keys: Vec<String> = app
        .keymap
        .keys_for(cmd)
        .iter()
        .map(|k| k.to_string())
        .collect();
    if cmd == KeyCommand::View && keys.len() == 9 && keys[0] == "1" {
        // Nine keys read better as a range.
        return "1-9".into();
    }
    // As many as fit the palette's key column, the first always.
    let mut out = String::new();
    for k in keys {
        if !out.is_empty() && out.len() + 1 + k.len() > 12 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&k);
    }
    out
}

/// A view in a few words: its filter, sort and lanes.
fn describe_view(app: &App, i: usize) -> String {
    let Some(Ok(v)) = app.views.get(i).map(|v| &v.view) else {
        return String::new();
    };
    let mut parts = Vec::new();
    if !v.filter.is_empty() {
        parts.push(v.filter.text.clone());
    }
    if !v.sort.is_board_order() {
        let minus = if v.sort.reversed { "-" } else { "" };
        parts.push(format!("sort {minus}{}", v.sort.key.name()));
    }
    if !v.lanes.is_empty() {
        parts.push(format!("lanes {}", v.lanes.join(" ")));
    }
    if v.archived {
        parts.push("archived too".into());
    }
    if parts.is_empty() {
        "every card".into()
    } else {
        parts.join(" · ")
    }
}

/// How well `words` (lowercase) match an entry: none unless each word
/// is found in its name, keys or words, or its letters appear in order
/// in the name. Whole words in the name count most, then the start of a
/// name, then what it does; the name's letters in order least.
fn score(words: &[String], e: &Entry) -> Option<i64> {
    let name = e.name.to_lowercase().replace('-', " ");
    let about = e.about.to_lowercase();
    let keys = e.keys.to_lowercase();
    let mut total = 0;
    for w in words {
        total += if let Some(at) = name.find(w.as_str()) {
            let starts_word = at == 0 || name.as_bytes().get(at - 1) == Some(&b' ');
            100 + if at == 0 { 60 } else { 0 } + if starts_word { 30 } else { 0 }
        } else if keys.split(' ').any(|k| k == w) {
            90
        } else if let Some(at) = about.find(w.as_str()) {
            let starts_word = at == 0 || !about.as_bytes()[at - 1].is_ascii_alphanumeric();
            40 + if starts_word { 20 } else { 0 }
        } else if let Some(gaps) = in_order(w, &name) {
            30 - gaps.min(25) as i64
        } else {
            return None;
        };
    }
    // Shorter names first among equals: `undo` before `undo-all`.
    Some(total * 10 - name.len().min(9) as i64)
}

/// Whether the letters of `w` appear in order in `hay`, and how many
/// letters lie between them.
fn in_order(w: &str, hay: &str) -> Option<usize> {
    let mut gaps = 0;
    let mut first = None;
    let mut it = hay.char_indices();
    for c in w.chars() {
        loop {
            let (i, h) = it.next()?;
            if h == c {
                first.get_or_insert(i);
                break;
            }
            if first.is_some() {
                gaps += 1;
            }
        }
    }
    Some(gaps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, about: &str, keys: &str) -> Entry {
        Entry {
            pick: Pick::Command(KeyCommand::Quit),
            name: name.into(),
            keys: keys.into(),
            about: about.into(),
            broken: false,
        }
    }

    #[test]
    fn names_count_before_words_and_letters_in_order() {
        let words = |q: &str| q.split_whitespace().map(String::from).collect::<Vec<_>>();
        let archive = entry("archive", "archive the card", "x");
        let mv = entry("move-right", "move the card to the lane on the right", "L");
        let verdict = entry("verdict", "set verdict and result", "v");
        assert!(score(&words("arch"), &archive) > score(&words("arch"), &mv));
        assert!(score(&words("right"), &mv).is_some());
        assert!(score(&words("move right"), &mv) > score(&words("right"), &mv));
        assert!(score(&words("lane"), &mv).is_some(), "in what it does");
        assert!(score(&words("mvrt"), &mv).is_some(), "letters in order");
        assert_eq!(score(&words("zzz"), &mv), None);
        assert_eq!(
            score(&words("move zzz"), &mv),
            None,
            "every word must match"
        );
        assert!(score(&words("v"), &verdict) > score(&words("v"), &mv));
        assert_eq!(in_order("mr", "move right"), Some(4));
    }
}
