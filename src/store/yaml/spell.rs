//! Numbers as the user typed them: `lanes add --target 0.20` writes
//! `target: 0.20`, not the `0.2` the emitter would (a YAML number keeps
//! its value, not its text, once parsed). After a card is rendered, each
//! number the user typed for a field is written back with its spelling,
//! where the rendered text has the number lanes would write and the
//! result reads back as the same card.

use super::locate;
use serde_yaml::{Mapping, Value};

/// A number's spelling worth keeping: YAML reads `typed` as a number that
/// lanes would write otherwise (`0.20`, `1e-3`, `+5`), and it is plain
/// number text (digits, sign, point, exponent), nothing a line could be
/// broken by. The number lanes would write, if so.
pub fn canonical_if_respelled(typed: &str) -> Option<String> {
    let ok = !typed.is_empty()
        && typed.bytes().any(|b| b.is_ascii_digit())
        && typed
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    if !ok {
        return None;
    }
    match serde_yaml::from_str::<Value>(typed) {
        Ok(Value::Number(n)) if n.to_string() != typed => Some(n.to_string()),
        _ => None,
    }
}

/// `text` with the number at each dotted `path` written as typed
/// (`spelled`: path and text), where the line holds the number as lanes
/// writes it. Returns `text` unchanged unless the result reads back (by
/// `canon`) exactly as `text` does.
pub fn respell(
    text: &str,
    spelled: &[(String, String)],
    canon: &dyn Fn(&str) -> Option<Mapping>,
) -> String {
    let mut out = text.to_string();
    let mut changed = false;
    for (path, typed) in spelled {
        let Some(canonical) = canonical_if_respelled(typed) else {
            continue;
        };
        let Some(last) = path.rsplit('.').next() else {
            continue;
        };
        let (line, column) = locate(&out, path);
        let Some((start, end)) = line_span(&out, line) else {
            continue;
        };
        let l = &out[start..end];
        let Some((key_part, value_part)) = l.split_at_checked(column.saturating_sub(1)) else {
            continue;
        };
        let key_part = key_part.trim_end();
        let key_ok = key_part
            .strip_suffix(':')
            .map(|k| k.trim_start().trim_start_matches("- "))
            .is_some_and(|k| k == last);
        let rest = value_part.strip_prefix(canonical.as_str());
        let rest_ok = rest.is_some_and(|r| r.trim().is_empty() || r.trim_start().starts_with('#'));
        if !(key_ok && rest_ok) {
            continue;
        }
        let at = start + column - 1;
        out.replace_range(at..at + canonical.len(), typed);
        changed = true;
    }
    if changed && canon(&out).is_some() && canon(&out) == canon(text) {
        out
    } else {
        text.to_string()
    }
}

/// The byte range of 1-based line `n` of `text`, without its line break.
fn line_span(text: &str, n: usize) -> Option<(usize, usize)> {
    let mut start = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == n {
            let body = l.trim_end_matches('\n').trim_end_matches('\r');
            return Some((start, start + body.len()));
        }
        start += l.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(t: &str) -> Option<Mapping> {
        match serde_yaml::from_str::<Value>(t) {
            Ok(Value::Mapping(m)) => Some(m),
            _ => None,
        }
    }

    fn spelled(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn typed_numbers_keep_their_text() {
        let text =
            "id: a\nhypothesis:\n  baseline: 0.18\n  target: 0.2\n  result: 1000.0\nrank: x\n";
        let out = respell(
            text,
            &spelled(&[
                ("hypothesis.target", "0.20"),
                ("hypothesis.result", "1e3"),
                ("hypothesis.baseline", "0.18"),
            ]),
            &canon,
        );
        assert_eq!(
            out,
            "id: a\nhypothesis:\n  baseline: 0.18\n  target: 0.20\n  result: 1e3\nrank: x\n"
        );
    }

    #[test]
    fn only_plain_numbers_of_the_same_value_are_respelled() {
        assert_eq!(canonical_if_respelled("0.20").as_deref(), Some("0.2"));
        assert_eq!(canonical_if_respelled("0.2"), None);
        assert_eq!(canonical_if_respelled("0x10"), None);
        assert_eq!(canonical_if_respelled("0.20 # x"), None);
        assert_eq!(canonical_if_respelled("high"), None);
        // Not the number the line holds (another value was set), a path
        // that is not there, text that is not a number: left alone.
        let text = "id: a\nhypothesis:\n  target: 0.3\n  metric: 0.2\n";
        let out = respell(
            text,
            &spelled(&[("hypothesis.target", "0.20"), ("hypothesis.result", "0.20")]),
            &canon,
        );
        assert_eq!(out, text);
        // The same key elsewhere is not taken for it.
        let text = "id: a\nexperiment:\n  target: 0.2\nhypothesis:\n  verdict: open\n";
        let out = respell(text, &spelled(&[("hypothesis.target", "0.20")]), &canon);
        assert_eq!(out, text);
    }
}
