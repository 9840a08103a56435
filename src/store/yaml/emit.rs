//! Writing YAML: a deterministic, canonical block-style emitter whose
//! output reads back as the value it was given.

use super::read::too_deep;
use serde_yaml::{Mapping, Value};

/// Emit a mapping as a canonical block-style document.
pub fn emit(map: &Mapping) -> String {
    let emit_all = |escape_brackets: bool| {
        let mut out = Out {
            text: String::new(),
            escape_brackets,
        };
        for (k, v) in map {
            emit_entry(&mut out, k, v, 0);
        }
        out.text
    };
    let out = emit_all(false);
    if too_deep(&out).is_none() {
        return out;
    }
    // The depth check before the full parser counts brackets in text too,
    // and this text has so many that lanes would refuse what it wrote:
    // write them escaped in double quotes (`\x5b`, `\x7b`) instead.
    emit_all(true)
}

/// The document being written, and how: with `escape_brackets`, text with
/// `[` or `{` goes in double quotes, escaped.
pub(super) struct Out {
    pub(super) text: String,
    pub(super) escape_brackets: bool,
}

impl std::ops::Deref for Out {
    type Target = String;
    fn deref(&self) -> &String {
        &self.text
    }
}

impl std::ops::DerefMut for Out {
    fn deref_mut(&mut self) -> &mut String {
        &mut self.text
    }
}

impl Out {
    fn escaping_brackets(&self, s: &str) -> bool {
        self.escape_brackets && s.contains(['[', '{'])
    }
}

fn indent(out: &mut Out, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

pub(super) fn emit_entry(out: &mut Out, key: &Value, value: &Value, ind: usize) {
    indent(out, ind);
    emit_key(out, key, ind);
    emit_after_indicator(out, value, ind);
}

/// Longest key written as `key:`; the parser refuses an implicit key of
/// more than 1024 characters.
const MAX_IMPLICIT_KEY: usize = 1000;

/// A key and its colon, for a mapping at column `ind` (the indentation
/// already written): `key:`, or `? key` and `:` on the next line for a key
/// too long to be implicit.
fn emit_key(out: &mut Out, key: &Value, ind: usize) {
    let mut k = Out {
        text: String::new(),
        escape_brackets: out.escape_brackets,
    };
    emit_inline_scalar(&mut k, key);
    let k = k.text;
    if k.chars().count() <= MAX_IMPLICIT_KEY {
        out.push_str(&k);
    } else {
        out.push_str("? ");
        out.push_str(&k);
        out.push('\n');
        indent(out, ind);
    }
    out.push(':');
}

/// Emit a value that follows `key:` or `- ` (the indicator already written).
fn emit_after_indicator(out: &mut Out, value: &Value, ind: usize) {
    match value {
        Value::Mapping(m) if m.is_empty() => out.push_str(" {}\n"),
        Value::Sequence(s) if s.is_empty() => out.push_str(" []\n"),
        Value::Mapping(m) => {
            out.push('\n');
            for (k, v) in m {
                emit_entry(out, k, v, ind + 2);
            }
        }
        Value::Sequence(s) => {
            out.push('\n');
            emit_seq(out, s, ind + 2);
        }
        Value::Tagged(t) => {
            out.push(' ');
            out.push_str(&tag_text(&t.tag));
            emit_after_indicator(out, &t.value, ind);
        }
        Value::String(s) if is_block_candidate(out, s) => {
            out.push(' ');
            emit_block_scalar(out, s, ind + 2);
        }
        scalar => {
            out.push(' ');
            emit_inline_scalar(out, scalar);
            out.push('\n');
        }
    }
}

pub(super) fn emit_seq(out: &mut Out, seq: &[Value], ind: usize) {
    for item in seq {
        indent(out, ind);
        out.push('-');
        match item {
            Value::Mapping(m) if !m.is_empty() => {
                let mut first = true;
                for (k, v) in m {
                    if first {
                        out.push(' ');
                        emit_key(out, k, ind + 2);
                        emit_after_indicator(out, v, ind + 2);
                        first = false;
                    } else {
                        emit_entry(out, k, v, ind + 2);
                    }
                }
            }
            other => emit_after_indicator(out, other, ind),
        }
    }
}

/// Whether a literal block reads back as `s`: more than line breaks (a
/// block of blank lines reads as ""), and no character the parser takes as
/// a line break (LINE and PARAGRAPH SEPARATOR, NEL and CR among the
/// controls) or refuses.
fn is_block_candidate(out: &Out, s: &str) -> bool {
    !out.escaping_brackets(s)
        && s.contains('\n')
        && s.contains(|c| c != '\n')
        && !s.chars().any(|c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
        })
}

fn emit_block_scalar(out: &mut Out, s: &str, ind: usize) {
    out.push('|');
    // An indentation indicator is needed when the first line starts with a
    // space, or a tab (which the parser takes for indentation otherwise).
    let first_line = s.split('\n').find(|l| !l.is_empty()).unwrap_or("");
    if first_line.starts_with([' ', '\t']) {
        out.push('2');
    }
    let trailing = s.len() - s.trim_end_matches('\n').len();
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    let body = if trailing == 0 { s } else { &s[..s.len() - 1] };
    for line in body.split('\n') {
        if !line.is_empty() {
            indent(out, ind);
            out.push_str(line);
        }
        out.push('\n');
    }
}

/// A scalar on one line: plain when that reads back as the same string,
/// otherwise double-quoted.
fn emit_inline_scalar(out: &mut Out, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => {
            if is_plain_safe(out, s) {
                out.push_str(s);
            } else {
                double_quote(out, s);
            }
        }
        // Collections as keys, or tagged keys: rare; flow style, on one
        // line (serde_yaml would write a key `[a]` as the line `- a`).
        other => emit_flow(out, other),
    }
}

/// A tag as written: serde_yaml shows the non-specific tag `!` as `!!`,
/// which does not parse.
fn tag_text(tag: &serde_yaml::value::Tag) -> String {
    match tag.to_string() {
        t if t == "!!" => "!".to_string(),
        t => t,
    }
}

/// A value in flow style, on one line: strings double-quoted (the flow
/// indicators `,[]{}` end a plain scalar there).
fn emit_flow(out: &mut Out, v: &Value) {
    match v {
        Value::String(s) => double_quote(out, s),
        Value::Sequence(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                emit_flow(out, item);
            }
            out.push(']');
        }
        Value::Mapping(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                emit_flow(out, k);
                out.push_str(": ");
                emit_flow(out, item);
            }
            out.push('}');
        }
        Value::Tagged(t) => {
            out.push_str(&tag_text(&t.tag));
            out.push(' ');
            emit_flow(out, &t.value);
        }
        scalar => emit_inline_scalar(out, scalar),
    }
}

fn double_quote(out: &mut Out, s: &str) {
    let escape = out.escaping_brackets(s);
    out.push('"');
    for c in s.chars() {
        match c {
            '[' if escape => out.push_str("\\x5b"),
            '{' if escape => out.push_str("\\x7b"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

const YAML11_WORDS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
];

fn is_plain_safe(out: &Out, s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if out.escaping_brackets(s) {
        return false;
    }
    if s.starts_with(' ')
        || s.ends_with(' ')
        || s.ends_with(':')
        || s.contains(": ")
        || s.contains(" #")
        || s.starts_with("---")
        || s.starts_with("...")
        || YAML11_WORDS.contains(&s)
    {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `-x` and `?x`, `:x` are plain-safe, but keep it simple: only a dash
        // followed by a letter (like `-rf`) is allowed plain.
        let second = s[1..].chars().next();
        if !(first == '-' && second.is_some_and(char::is_alphabetic)) {
            return false;
        }
    }
    if s.chars().any(|c| {
        c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}' || c == '\u{85}'
    }) {
        return false;
    }
    // Dates read better plain; every YAML parser reads them as a date or text.
    if crate::model::date::parse_date(s).is_some() {
        return true;
    }
    // Anything that looks numeric (in YAML 1.1 or 1.2) stays quoted.
    if s.bytes()
        .all(|b| b.is_ascii_digit() || b"+-._:eExXoObB".contains(&b) || b.is_ascii_hexdigit())
        && s.bytes().any(|b| b.is_ascii_digit())
    {
        return false;
    }
    if matches!(
        s.to_ascii_lowercase().as_str(),
        ".inf" | "-.inf" | "+.inf" | ".nan"
    ) {
        return false;
    }
    // Last word: does it read back as the same string?
    matches!(serde_yaml::from_str::<Value>(s), Ok(Value::String(ref back)) if back == s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::yaml::{map, parse};

    #[test]
    fn emits_block_style_and_reads_back() {
        let m = map(
            "a: plain text\nb: 'true'\nc: '0.5'\nd: \"multi\\nline\\n\"\ne: [x, 'y: z']\nf: {g: 1}\nh: \"\\e[31mred\"\ni: ''\nj: \"  lead\\nx\"\n",
        );
        let text = emit(&m);
        assert_eq!(map(&text), m, "{text}");
        assert!(text.contains("a: plain text\n"));
        assert!(text.contains("b: \"true\"\n"));
        assert!(text.contains("d: |\n  multi\n  line\n"));
        assert!(text.contains("e:\n  - x\n  - \"y: z\"\n"));
        assert!(text.contains("f:\n  g: 1\n"));
        assert!(text.contains("h: \"\\e[31mred\"\n"));
    }

    #[test]
    fn a_block_may_start_with_a_tab() {
        for s in ["\t  run\nfeatures\n", "\n\tx\n y", "a\n\tb"] {
            let mut m = Mapping::new();
            m.insert("k".into(), Value::from(s));
            let out = emit(&m);
            assert_eq!(map(&out), m, "{s:?} -> {out:?}");
        }
    }

    #[test]
    fn strings_a_block_would_change_stay_quoted() {
        for s in [
            "\n",
            "\n\n",
            "a\u{2028}b\nc",
            "a\nb\u{2029}",
            "a\u{85}\nb",
            "a\r\nb",
        ] {
            let mut m = Mapping::new();
            m.insert("k".into(), Value::from(s));
            let out = emit(&m);
            assert!(out.starts_with("k: \""), "{s:?} -> {out:?}");
            assert_eq!(map(&out), m, "{s:?} -> {out:?}");
        }
    }

    #[test]
    fn brackets_in_text_are_not_nesting() {
        // Written by lanes, read back: in text (the fast path reads it), and
        // escaped where the depth check would count them.
        let many = "[".repeat(100) + &"{".repeat(100);
        let mut m = Mapping::new();
        m.insert("id".into(), "abc".into());
        m.insert("title".into(), Value::from(many.as_str()));
        m.insert("body".into(), Value::from(format!("{many}\n{many}\n")));
        let mut k = Mapping::new();
        k.insert("id".into(), "abc".into());
        k.insert(Value::from(format!("k{many}")), Value::from(1));
        // Off the fast path (a tab, a key of brackets): escaped.
        let mut off = m.clone();
        off.insert("t".into(), Value::from(format!("\t{many}")));
        off.insert(
            Value::from(format!("k{many}")),
            Value::from(format!("{many}\n")),
        );
        for m in [m, k, off] {
            let text = emit(&m);
            assert_eq!(parse(text.as_bytes()), Ok(Value::Mapping(m)), "{text}");
        }
        // Nesting itself is still refused.
        assert!(parse(format!("a: {}\n", "[".repeat(65)).as_bytes()).is_err());
    }

    #[test]
    fn odd_keys_read_back() {
        // Keys a hand-written file may have: collections, tags, and keys
        // too long to be implicit. Each was written as text that does not
        // parse.
        let long = "k".repeat(1100);
        for text in [
            "? [a, 'b: c', {x: [1]}]\n: 1\nj:\n  - ? {checklist: [{text: '', done: true}]}\n    : null\n",
            "? !x [a]\n: v\n? !y {a: 1}\n: w\n",
            "a: ! x\nb: !<!> y\n? ! [z]\n: 1\n",
            "list:\n  - ? [Mei]\n    : null\n    k: v\n",
            &format!("? {long}\n: x\nl:\n  - ? \"{long}\"\n    : y\n"),
        ] {
            let m = map(text);
            let out = emit(&m);
            assert_eq!(map(&out), m, "{text:?} -> {out:?}");
        }
    }

    #[test]
    fn list_of_mappings() {
        let m = map("journal:\n- at: x\n  by: me\n  text: |-\n    a\n    b\n");
        let text = emit(&m);
        assert_eq!(
            text,
            "journal:\n  - at: x\n    by: me\n    text: |-\n      a\n      b\n"
        );
    }
}
