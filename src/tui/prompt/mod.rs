//! Typing on the board screen: a one-line editor (cursor, word and line
//! deletion, horizontal scroll) and what each prompt is for, with the
//! checks a value gets as it is typed.

mod purpose;

pub use purpose::{direction, field_input, number, Check, HypDraft, HypStep, Purpose, Reasoned};

use crate::model::date;
use crate::model::field::Type;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_yaml::Value;

/// A line of text being typed, and what it is for.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub purpose: Purpose,
    pub input: String,
    /// Cursor position in chars.
    pub cursor: usize,
    /// The card as it was when the prompt opened.
    pub seen: Option<crate::model::Card>,
    /// What the value is now, shown beside an empty prompt
    /// (`now 0.204; Enter keeps it`).
    pub current: Option<String>,
    /// Values Tab completes to (a hypothesis's recent runs), with what
    /// each is: (value, description).
    pub choices: Vec<(String, String)>,
    /// The choice Tab last put in the line.
    pub choice: Option<usize>,
    /// A sentence shown whole above the choices: what they are, or why
    /// there are none and what to type instead.
    pub about: Option<String>,
    /// The kinds `Tab` cycles a new card's prompt through (the board's;
    /// empty where the kind is not the prompt's to choose).
    pub kinds: Vec<String>,
}

impl Prompt {
    pub fn new(purpose: Purpose, input: String) -> Prompt {
        let cursor = input.chars().count();
        Prompt {
            purpose,
            input,
            cursor,
            seen: None,
            current: None,
            choices: Vec::new(),
            choice: None,
            about: None,
            kinds: Vec::new(),
        }
    }

    /// The title prompt of a new card in `lane`: `kind` first (a
    /// hypothesis goes on to its steps), `Tab` cycling through `kinds`.
    /// What is typed goes to the title at once, so keys typed ahead of
    /// the screen are never taken for anything else.
    pub fn new_card(lane: String, kind: &str, kinds: Vec<String>) -> Prompt {
        let mut p = Prompt::new(Purpose::new_card(lane, kind), String::new());
        if kinds.len() > 1 {
            p.kinds = kinds;
        }
        p
    }

    /// The kind `Tab` (or `Shift+Tab`, `back`) would switch to, if this
    /// prompt can switch.
    pub fn other_kind(&self, back: bool) -> Option<&str> {
        let kind = self.purpose.new_kind()?;
        let n = self.kinds.len();
        if n < 2 {
            return None;
        }
        let at = self.kinds.iter().position(|k| k == kind).unwrap_or(0);
        let next = if back { (at + n - 1) % n } else { (at + 1) % n };
        Some(&self.kinds[next])
    }

    /// `Tab` in a new card's title: the next kind, the title kept.
    pub fn switch_kind(&mut self, back: bool) -> bool {
        let kind = self.other_kind(back).map(str::to_string);
        let lane = self.purpose.new_lane().map(str::to_string);
        let (Some(kind), Some(lane)) = (kind, lane) else {
            return false;
        };
        self.purpose = Purpose::new_card(lane, &kind);
        true
    }

    /// What the prompt is labelled on screen: what it is for, and what
    /// `Tab` switches to where it switches kinds.
    pub fn label(&self) -> String {
        match self.other_kind(false) {
            Some(next) => format!("{} (Tab: {next})", self.purpose.label()),
            None => self.purpose.label(),
        }
    }

    /// Check the value as typed; `today` for relative dates.
    pub fn check(&self, today: i64) -> Check {
        let t = self.input.trim();
        match &self.purpose {
            Purpose::Field { field, .. } => match field_input(field, t, today) {
                Err(why) => Check::Bad(why),
                Ok(Value::Null) => Check::Ok(Some(match &self.current {
                    Some(_) => format!("empty: no {}", field.label),
                    None => field.about.to_string(),
                })),
                Ok(Value::String(d)) if field.ty == Type::Date => {
                    Check::Ok(date::parse_date(&d).map(|day| format!("{} {d}", date::weekday(day))))
                }
                Ok(_) => Check::Ok(None),
            },
            Purpose::Result { .. } if t.is_empty() => match &self.current {
                Some(c) => Check::Ok(Some(format!("keeps {c}"))),
                None => Check::Ok(Some("no result yet: Enter sets the verdict only".into())),
            },
            Purpose::Result { .. } => match number(t) {
                Some(_) => Check::Ok(None),
                None => Check::Bad(format!("{t:?} is not a number (0.21, -3, 1e-4)")),
            },
            Purpose::Because { computed, .. } if t.is_empty() => {
                Check::Ok(Some(format!("the numbers give {computed}")))
            }
            Purpose::NewCard { .. } if t.is_empty() => Check::Bad("a card needs a title".into()),
            // Empty: say where runs come from (or why none were found).
            Purpose::Evidence { .. } if t.is_empty() => Check::Ok(Some(
                self.current
                    .clone()
                    .unwrap_or_else(|| "a run id, mlflow:ID or dvc:PATH#key".into()),
            )),
            Purpose::Evidence { .. } => match self.choice.and_then(|i| self.choices.get(i)) {
                Some((v, what)) if v == t => Check::Ok(Some(what.clone())),
                _ => Check::Ok(None),
            },
            Purpose::Hypothesis { step, .. } => match step {
                HypStep::Title if t.is_empty() => Check::Bad("a card needs a title".into()),
                HypStep::Direction => match direction(t) {
                    Some(d) => Check::Ok(Some(format!("{} is better", d.as_str()))),
                    None => Check::Bad("type h (higher is better) or l (lower)".into()),
                },
                HypStep::Baseline | HypStep::Target if t.is_empty() => {
                    Check::Ok(Some("empty: not known yet".into()))
                }
                HypStep::Baseline | HypStep::Target => match number(t) {
                    Some(_) => Check::Ok(None),
                    None => Check::Bad(format!("{t:?} is not a number (0.21, -3, 1e-4)")),
                },
                _ => Check::Ok(None),
            },
            _ => Check::Ok(None),
        }
    }

    /// Tab: the next choice that starts with what was typed (all of them
    /// when the line holds a choice already), put in the line.
    pub fn complete(&mut self) -> bool {
        if self.choices.is_empty() {
            return false;
        }
        let typed = match self.choice.and_then(|i| self.choices.get(i)) {
            Some((v, _)) if *v == self.input => String::new(),
            _ => self.input.trim().to_string(),
        };
        let n = self.choices.len();
        let from = self.choice.map_or(0, |i| i + 1);
        let next = (0..n)
            .map(|k| (from + k) % n)
            .find(|&i| self.choices[i].0.starts_with(&typed) || self.choices[i].0.contains(&typed));
        match next {
            Some(i) => {
                self.input = self.choices[i].0.clone();
                self.cursor = self.input.chars().count();
                self.choice = Some(i);
                true
            }
            None => false,
        }
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.input
            .char_indices()
            .nth(chars)
            .map_or(self.input.len(), |(b, _)| b)
    }

    fn len(&self) -> usize {
        self.input.chars().count()
    }

    /// An editing key: true if it was one (and the line may have changed).
    pub fn edit(&mut self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('u') if ctrl => {
                let at = self.byte_at(self.cursor);
                self.input.replace_range(..at, "");
                self.cursor = 0;
            }
            KeyCode::Char('k') if ctrl => {
                let at = self.byte_at(self.cursor);
                self.input.truncate(at);
            }
            KeyCode::Char('w') if ctrl => self.delete_word(),
            KeyCode::Backspace if alt || ctrl => self.delete_word(),
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.len(),
            KeyCode::Char('b') if ctrl => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Char('f') if ctrl => self.cursor = (self.cursor + 1).min(self.len()),
            KeyCode::Left if ctrl || alt => self.cursor = self.word_start(),
            KeyCode::Right if ctrl || alt => self.cursor = self.word_end(),
            KeyCode::Char(_) if ctrl || alt => return false,
            KeyCode::Char(c) => {
                // Pasted line breaks and tabs become spaces: one line.
                let c = if c.is_control() { ' ' } else { c };
                let at = self.byte_at(self.cursor);
                self.input.insert(at, c);
                self.cursor += 1;
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let at = self.byte_at(self.cursor - 1);
                self.input.remove(at);
                self.cursor -= 1;
            }
            KeyCode::Delete if self.cursor < self.len() => {
                let at = self.byte_at(self.cursor);
                self.input.remove(at);
            }
            KeyCode::Backspace | KeyCode::Delete => {}
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.len()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.len(),
            _ => return false,
        }
        true
    }

    fn chars(&self) -> Vec<char> {
        self.input.chars().collect()
    }

    fn word_start(&self) -> usize {
        let c = self.chars();
        let mut i = self.cursor;
        while i > 0 && c[i - 1].is_whitespace() {
            i -= 1;
        }
        while i > 0 && !c[i - 1].is_whitespace() {
            i -= 1;
        }
        i
    }

    fn word_end(&self) -> usize {
        let c = self.chars();
        let mut i = self.cursor;
        while i < c.len() && c[i].is_whitespace() {
            i += 1;
        }
        while i < c.len() && !c[i].is_whitespace() {
            i += 1;
        }
        i
    }

    fn delete_word(&mut self) {
        let start = self.word_start();
        let (a, b) = (self.byte_at(start), self.byte_at(self.cursor));
        self.input.replace_range(a..b, "");
        self.cursor = start;
    }

    /// The part of the line shown in `width` columns so the cursor is on
    /// screen, and the cursor's column in it. Text left of the window is
    /// marked with `…`.
    pub fn window(&self, width: usize) -> (String, usize) {
        use unicode_width::UnicodeWidthChar;
        let shown: Vec<(char, usize)> = crate::model::text::for_grid(&self.input)
            .chars()
            .map(|c| (c, c.width().unwrap_or(0)))
            .collect();
        let width = width.max(2);
        // Width up to the cursor (display text may differ in length from
        // the input only for invisible characters; clamp).
        let cursor = self.cursor.min(shown.len());
        let before: usize = shown[..cursor].iter().map(|c| c.1).sum();
        let mut start = 0;
        let mut skipped = 0;
        // Keep the cursor inside, leaving one column for the `…` marker.
        while before - skipped >= width - 1 && start < cursor {
            skipped += shown[start].1;
            start += 1;
        }
        let mut out = String::new();
        let mut used = 0;
        if start > 0 {
            out.push('…');
            used = 1;
        }
        for &(c, w) in &shown[start..] {
            if used + w > width {
                break;
            }
            out.push(c);
            used += w;
        }
        let col = usize::from(start > 0) + before - skipped;
        (out, col)
    }
}

#[cfg(test)]
mod tests {
    use super::purpose::field_label;
    use super::*;
    use crate::model::{Direction, Verdict};

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    fn typed(p: &mut Prompt, s: &str) {
        for c in s.chars() {
            p.edit(&key(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    #[test]
    fn words_and_lines_are_deleted_like_a_shell() {
        let mut p = Prompt::new(Purpose::Filter { before: "".into() }, String::new());
        typed(&mut p, "label:data  @ana churn");
        p.edit(&key(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(p.input, "label:data  @ana ");
        p.edit(&key(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(p.input, "label:data  ");
        p.edit(&key(KeyCode::Left, KeyModifiers::NONE));
        p.edit(&key(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!((p.input.as_str(), p.cursor), (" ", 0));
        p.edit(&key(KeyCode::Char('e'), KeyModifiers::CONTROL));
        typed(&mut p, "é x");
        p.edit(&key(KeyCode::Char('a'), KeyModifiers::CONTROL));
        p.edit(&key(KeyCode::Right, KeyModifiers::CONTROL));
        assert_eq!(p.cursor, 2);
        p.edit(&key(KeyCode::Char('k'), KeyModifiers::CONTROL));
        assert_eq!(p.input, " é");
    }

    #[test]
    fn a_long_line_scrolls_to_keep_the_cursor_visible() {
        let mut p = Prompt::new(Purpose::Note { card: "x".into() }, String::new());
        typed(&mut p, &"abcdefghij".repeat(3));
        let (shown, col) = p.window(10);
        assert_eq!((shown.as_str(), col), ("…cdefghij", 9));
        p.edit(&key(KeyCode::Home, KeyModifiers::NONE));
        let (shown, col) = p.window(10);
        assert_eq!((shown.as_str(), col), ("abcdefghij", 0));
    }

    #[test]
    fn tab_cycles_through_the_choices_that_match() {
        let mut p = Prompt::new(Purpose::Evidence { card: "x".into() }, String::new());
        // Empty, it says where runs come from, or why there are none.
        p.current = Some("no MLflow store found".into());
        assert_eq!(p.check(0), Check::Ok(Some("no MLflow store found".into())));
        p.choices = vec![
            ("mlflow:aa11".into(), "0.23".into()),
            ("mlflow:bb22".into(), "0.21".into()),
            ("mlflow:ab33".into(), "0.19".into()),
        ];
        assert!(p.complete());
        assert_eq!(p.input, "mlflow:aa11");
        assert_eq!(p.check(0), Check::Ok(Some("0.23".into())));
        assert!(p.complete());
        assert_eq!(p.input, "mlflow:bb22");
        p.input = "mlflow:ab".into();
        p.choice = None;
        assert!(p.complete());
        assert_eq!(p.input, "mlflow:ab33");
        p.input = "zz".into();
        p.choice = None;
        assert!(!p.complete());
        assert_eq!(p.input, "zz");
    }

    #[test]
    fn a_field_is_read_as_the_table_says_with_the_screens_habits() {
        let field = |k: &str| crate::model::field::builtin(k).unwrap();
        assert_eq!(
            field_input(field("assignees"), "@ana, bob,", 0),
            Ok(Value::Sequence(vec!["ana".into(), "bob".into()]))
        );
        assert_eq!(
            field_input(field("labels"), "#data , quick-win", 0),
            Ok(Value::Sequence(vec!["data".into(), "quick-win".into()]))
        );
        // An empty list is no field; a title cannot go.
        assert_eq!(field_input(field("labels"), " , ", 0), Ok(Value::Null));
        assert_eq!(
            field_input(field("title"), "  ", 0),
            Err("a card needs a title".into())
        );
        assert_eq!(field_input(field("due"), "", 0), Ok(Value::Null));
        assert!(field_input(field("hypothesis.baseline"), "x", 0).is_err());
        assert_eq!(field_label(field("labels")), "Labels (comma separated)");
        assert_eq!(field_label(field("title")), "Title");
        assert_eq!(
            field_label(field("hypothesis.direction")),
            "Direction (higher/lower)"
        );
    }

    #[test]
    fn values_are_checked_as_typed() {
        let today = date::parse_date("2026-11-27").unwrap();
        let due = Box::new(crate::model::field::builtin("due").unwrap().clone());
        let mut p = Prompt::new(
            Purpose::Field {
                card: "x".into(),
                field: due,
            },
            String::new(),
        );
        assert_eq!(
            p.purpose.label(),
            "Due (2026-12-24, +3d, fri; empty clears)"
        );
        typed(&mut p, "fri");
        assert_eq!(p.check(today), Check::Ok(Some("Fri 2026-12-04".into())));
        typed(&mut p, "x");
        assert!(matches!(p.check(today), Check::Bad(_)));
        let mut r = Prompt::new(
            Purpose::Result {
                card: "x".into(),
                verdict: Verdict::Supported,
            },
            String::new(),
        );
        r.current = Some("0.204".into());
        assert_eq!(r.check(today), Check::Ok(Some("keeps 0.204".into())));
        typed(&mut r, "twenty");
        assert!(matches!(r.check(today), Check::Bad(m) if m.contains("not a number")));
        assert_eq!(number("0.25"), Some(serde_yaml::Value::Number(0.25.into())));
        assert_eq!(number("NaN"), None);
        assert_eq!(number("inf"), None);
        assert_eq!(direction("h"), Some(Direction::Higher));
        assert_eq!(direction("Lower"), Some(Direction::Lower));
        assert_eq!(direction("x"), None);
    }
}
