//! Commit messages a person can read, with trailers tools can parse.

pub use crate::model::oplog::Trailers;
pub use crate::model::text::{clean_line, show_value};
use crate::model::Card;
use serde_yaml::Value;

/// `lanes: <verb> <short-id> <title> (<detail>)`
pub fn subject(verb: &str, card: &Card, detail: &str) -> String {
    let mut s = format!(
        "lanes: {verb} {} {}",
        card.short_id(),
        clean_line(&card.title, 60)
    );
    if !detail.is_empty() {
        s.push_str(&format!(" ({})", clean_line(detail, 60)));
    }
    s
}

/// The full message: subject, optional body, and the trailers.
pub fn full(subject: &str, body: &str, action: &str, cards: &[&str]) -> String {
    Trailers::new(action, cards).message(subject, body)
}

/// The top-level fields that differ between two versions of a card.
pub fn changed_fields(old: &Card, new: &Card) -> Vec<String> {
    let a = old.to_mapping();
    let b = new.to_mapping();
    let mut out = Vec::new();
    for (k, v) in &b {
        if a.get(k) != Some(v) {
            out.push(format!(
                "{}: {}",
                k.as_str().unwrap_or("?"),
                clean_line(&show_value(v), 80)
            ));
        }
    }
    for k in a.keys() {
        if !b.contains_key(k) {
            out.push(format!("{}: (removed)", k.as_str().unwrap_or("?")));
        }
    }
    out
}

/// What setting `field` to `v` on `card` is called in a commit: the name
/// for its subject and the line for its body. Ticking a checklist item
/// names the item (`ticked "Draft the metric"`), not `checklist.0.done`.
pub fn set_field_text(card: &Card, field: &str, v: &Value) -> (String, String) {
    let tick = field
        .strip_prefix("checklist.")
        .and_then(|f| f.strip_suffix(".done"))
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| card.checklist.get(n))
        .zip(v.as_bool());
    match tick {
        Some((item, done)) => {
            let what = format!(
                "{} {:?}",
                if done { "ticked" } else { "unticked" },
                clean_line(&item.text, 50)
            );
            (what.clone(), format!("checklist: {what}"))
        }
        None => (field.to_string(), format!("{field}: {}", show_value(v))),
    }
}

/// A value in a few words, for questions and journal notes.
pub fn brief(v: &Value) -> String {
    match v {
        Value::Null => "(none)".to_string(),
        Value::String(s) => format!("{:?}", clean_line(s, 60)),
        other => clean_line(&show_value(other), 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_hostile_titles() {
        assert_eq!(clean_line("a\x1b[31m\n b\t", 50), "a [31m b");
        assert_eq!(clean_line("abcdef", 4), "abc…");
    }
}
