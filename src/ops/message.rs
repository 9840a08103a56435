//! Commit messages a person can read, with trailers tools can parse.

use crate::model::Card;
use serde_yaml::Value;

/// One line of untrusted text for a commit subject: control characters
/// become spaces, runs of space collapse, long text is cut with `…`.
pub fn clean_line(s: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    let out = out.trim_end().to_string();
    if out.chars().count() > max_chars {
        let cut: String = out.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    } else {
        out
    }
}

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
    full_with(subject, body, action, cards, &[])
}

/// [`full`] with more trailers after `Lanes-Action` (`Lanes-Undoes`, ...).
pub fn full_with(
    subject: &str,
    body: &str,
    action: &str,
    cards: &[&str],
    extra: &[(&str, String)],
) -> String {
    let mut msg = String::from(subject);
    msg.push_str("\n\n");
    let body = body.trim();
    if !body.is_empty() {
        // Keep the body free of escape sequences too (line breaks stay).
        let cleaned: Vec<String> = body.lines().map(|l| clean_line(l, 500)).collect();
        msg.push_str(&cleaned.join("\n"));
        msg.push_str("\n\n");
    }
    msg.push_str(&format!("Lanes-Action: {action}\n"));
    for (key, value) in extra {
        msg.push_str(&format!("{key}: {}\n", clean_line(value, 200)));
    }
    for c in cards {
        msg.push_str(&format!("Lanes-Card: {c}\n"));
    }
    msg
}

/// A value as one short line.
pub fn show_value(v: &Value) -> String {
    match v {
        Value::Null => "(removed)".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
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
