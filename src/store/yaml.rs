//! Canonical YAML: parsing with positions, and a deterministic block-style
//! emitter. Rewrites splice: top-level fields whose value did not change keep
//! their original text byte for byte.

use serde_yaml::{Mapping, Value};

/// Largest board file we read.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// A parse problem at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ParseError {
    fn at(line: usize, column: usize, message: impl Into<String>) -> Self {
        ParseError {
            line,
            column,
            message: message.into(),
        }
    }
}

/// Check raw bytes and parse them as one YAML document.
pub fn parse(bytes: &[u8]) -> Result<Value, ParseError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ParseError::at(
            1,
            1,
            format!(
                "file is {} bytes, over the {} byte limit for board files",
                bytes.len(),
                MAX_FILE_BYTES
            ),
        ));
    }
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        let (l, c) = line_col(bytes, pos);
        return Err(ParseError::at(
            l,
            c,
            "binary content (NUL byte) in a YAML file",
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (l, c) = line_col(bytes, e.valid_up_to());
            return Err(ParseError::at(l, c, "file is not valid UTF-8"));
        }
    };
    // Windows editors may start a file with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("<<<<<<<") || line.starts_with(">>>>>>>") || line == "=======" {
            return Err(ParseError::at(
                i + 1,
                1,
                "unresolved merge conflict marker; resolve the conflict (or run `lanes sync`) and try again",
            ));
        }
    }
    // Files lanes wrote take the fast path; anything else the full parser.
    // (The fast reader reads no flow collections and no deep blocks, so the
    // depth check, which counts every bracket, even in text, comes after
    // it: a title of brackets reads.)
    if let Some(v) = super::fast::parse(text) {
        return Ok(v);
    }
    if let Some((line, column)) = too_deep(text) {
        return Err(ParseError::at(
            line,
            column,
            format!("nesting deeper than {MAX_DEPTH} levels; board files are shallow"),
        ));
    }
    // Aliases can make a small file a huge value, and the full parser's own
    // limit grows with the file (a 200 KB card took 30 s and 5 GB to be
    // refused): measure the value first, stopping early. Without aliases a
    // file holds fewer values, and fewer bytes of text, than its length.
    if text.contains('*') && !fits(text, 3 * text.len() + 1000) {
        return Err(ParseError::at(
            1,
            1,
            "aliases (*name) expand to far more than the file holds; board files do not need that",
        ));
    }
    match serde_yaml::from_str::<Value>(text) {
        Ok(v) => Ok(v),
        Err(e) => {
            let message = strip_location(&e.to_string());
            let (line, column) = guess_position(text, &message)
                .or_else(|| e.location().map(|l| (l.line(), l.column())))
                .unwrap_or((1, 1));
            Err(ParseError::at(line, column, message))
        }
    }
}

/// Whether `text`, aliases expanded, holds at most `budget` values and
/// bytes of text (one for each value, and each string's length). Other
/// errors count as fitting: the parse proper reports them.
fn fits(text: &str, budget: usize) -> bool {
    use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, Visitor};
    use std::cell::Cell;

    struct Count<'a> {
        left: &'a Cell<usize>,
        over: &'a Cell<bool>,
    }

    impl Count<'_> {
        fn again(&self) -> Count<'_> {
            Count {
                left: self.left,
                over: self.over,
            }
        }

        fn tick<E: de::Error>(&self) -> Result<(), E> {
            self.take(1)
        }

        fn take<E: de::Error>(&self, n: usize) -> Result<(), E> {
            match self.left.get().checked_sub(n) {
                Some(n) => {
                    self.left.set(n);
                    Ok(())
                }
                None => {
                    self.over.set(true);
                    Err(E::custom("too many values"))
                }
            }
        }
    }

    impl<'de> DeserializeSeed<'de> for Count<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Count<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any YAML value")
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            self.tick()
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            self.tick()
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            self.tick()
        }
        fn visit_i128<E: de::Error>(self, _: i128) -> Result<(), E> {
            self.tick()
        }
        fn visit_u128<E: de::Error>(self, _: u128) -> Result<(), E> {
            self.tick()
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            self.tick()
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
            self.take(1 + s.len())
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            self.tick()
        }
        fn visit_none<E: de::Error>(self) -> Result<(), E> {
            self.tick()
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            self.tick()?;
            while seq.next_element_seed(self.again())?.is_some() {}
            Ok(())
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            self.tick()?;
            while map.next_entry_seed(self.again(), self.again())?.is_some() {}
            Ok(())
        }
        fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
            // A tagged value.
            use de::VariantAccess;
            let (IgnoredAny, value) = data.variant()?;
            value.newtype_variant_seed(self)
        }
    }

    let (left, over) = (Cell::new(budget), Cell::new(false));
    let count = Count {
        left: &left,
        over: &over,
    };
    let _ = count.deserialize(serde_yaml::Deserializer::from_str(text));
    !over.get()
}

/// Deepest nesting a board file may have.
pub const MAX_DEPTH: usize = 64;

/// A fast, conservative check before parsing (the parser's own recursion
/// limit takes quadratic time on hostile input): flow brackets nested too
/// deep, or block indentation too deep. Returns the position found.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent > MAX_DEPTH * 8 {
            return Some((i + 1, indent + 1));
        }
        for (j, b) in line.bytes().enumerate() {
            match b {
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Some((i + 1, j + 1));
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    None
}

fn line_col(bytes: &[u8], pos: usize) -> (usize, usize) {
    let before = &bytes[..pos];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = pos
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line, col)
}

/// Positions for the errors serde_yaml gives without one.
fn guess_position(text: &str, message: &str) -> Option<(usize, usize)> {
    if message.contains("more than one document") {
        // The second document starts at the second `---` (or the first
        // `---` after content).
        let mut seen_content = false;
        for (i, line) in text.lines().enumerate() {
            if line.starts_with("---") && seen_content {
                return Some((i + 1, 1));
            }
            if !line.trim().is_empty() && !line.starts_with('#') {
                seen_content = true;
            }
        }
    }
    if let Some(rest) = message.split("duplicate entry with key ").nth(1) {
        let key = rest.trim().trim_matches('"');
        let key = key.split('"').next().unwrap_or(key);
        let mut count = 0;
        for (i, line) in text.lines().enumerate() {
            let t = line.trim_start();
            let indent = line.len() - t.len();
            let t = t.strip_prefix("- ").unwrap_or(t);
            if let Some(after) = t.strip_prefix(key) {
                if after.trim_start().starts_with(':') {
                    count += 1;
                    if count == 2 {
                        return Some((i + 1, indent + 1));
                    }
                }
            }
        }
    }
    None
}

/// serde_yaml puts "at line X column Y" in its messages; we print the
/// position in front instead.
fn strip_location(msg: &str) -> String {
    let mut out = msg.to_string();
    while let Some(start) = out.find(" at line ") {
        let rest = &out[start + 9..];
        let end = rest
            .find(" column ")
            .map(|c| {
                let after = &rest[c + 8..];
                c + 8 + after.bytes().take_while(u8::is_ascii_digit).count()
            })
            .unwrap_or(0);
        if end == 0 {
            break;
        }
        out.replace_range(start..start + 9 + end, "");
    }
    out
}

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
struct Out {
    text: String,
    escape_brackets: bool,
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

fn emit_entry(out: &mut Out, key: &Value, value: &Value, ind: usize) {
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

fn emit_seq(out: &mut Out, seq: &[Value], ind: usize) {
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

/// One top-level entry of an existing document: its key and its lines.
struct Block<'a> {
    key: String,
    text: &'a str,
}

/// Split a block-style document into a preamble and top-level entries.
/// Returns None for anything we cannot split safely.
fn split_blocks(text: &str) -> Option<(&str, Vec<Block<'_>>)> {
    let mut starts: Vec<(usize, String)> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let first = line.as_bytes().first().copied();
        match first {
            None | Some(b' ' | b'\t' | b'#' | b'\n' | b'\r') => {}
            Some(b'-') if line.starts_with("---") => {
                if !starts.is_empty() {
                    return None;
                }
            }
            // `key:` then `- item` at the key's column: the item belongs
            // to the key's block.
            Some(b'-')
                if !starts.is_empty() && (line.starts_with("- ") || line.trim_end() == "-") => {}
            Some(
                b'-' | b'[' | b'{' | b'"' | b'\'' | b'?' | b'&' | b'*' | b'!' | b'|' | b'>' | b'.',
            ) => return None,
            Some(_) => {
                let colon = line.find(':')?;
                let key = &line[..colon];
                if key.contains(['#', '"', '\'']) {
                    return None;
                }
                starts.push((offset, key.trim_end().to_string()));
            }
        }
        offset += line.len();
    }
    let preamble_end = starts.first().map_or(text.len(), |s| s.0);
    let mut blocks = Vec::with_capacity(starts.len());
    for (i, (start, key)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(text.len(), |s| s.0);
        blocks.push(Block {
            key: key.clone(),
            text: &text[*start..end],
        });
    }
    Some((&text[..preamble_end], blocks))
}

/// Render `new` for writing over a file whose text was `original` and whose
/// canonical content was `old`. Fields equal in `old` and `new` keep their
/// original text; changed fields are emitted canonically; new fields go in
/// after the nearest field that precedes them in `new`'s order.
///
/// `canon` reads a text back into canonical form (through the model); the
/// splice is used only if it reads back as exactly `new`, otherwise the whole
/// document is emitted canonically.
pub fn render(
    original: Option<(&str, &Mapping)>,
    new: &Mapping,
    canon: &dyn Fn(&str) -> Option<Mapping>,
) -> String {
    let Some((text, old)) = original else {
        return emit(new);
    };
    let out = match splice(text, old, new) {
        Some(s) if canon(&s).as_ref() == Some(new) => s,
        _ => emit(new),
    };
    if text.contains("\r\n") {
        // Keep the file's Windows line endings.
        out.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        out
    }
}

fn splice(text: &str, old: &Mapping, new: &Mapping) -> Option<String> {
    let (preamble, blocks) = split_blocks(text)?;
    // The original text must hold exactly the old keys (in any order).
    let original = match serde_yaml::from_str::<Value>(text) {
        Ok(Value::Mapping(m)) => m,
        _ => return None,
    };
    if blocks.len() != original.len()
        || blocks
            .iter()
            .any(|b| !original.contains_key(Value::String(b.key.clone())))
    {
        return None;
    }
    let mut out = Out {
        text: String::with_capacity(text.len() + 64),
        escape_brackets: false,
    };
    out.push_str(preamble);
    let new_keys: Vec<&Value> = new.keys().collect();
    let mut placed: Vec<bool> = vec![false; new_keys.len()];
    // Place new fields that come before every original one.
    let emit_new_run = |out: &mut Out, placed: &mut Vec<bool>, upto: usize| {
        for i in 0..upto {
            if !placed[i] {
                placed[i] = true;
                emit_entry(out, new_keys[i], &new[new_keys[i]], 0);
            }
        }
    };
    for block in &blocks {
        let key = Value::String(block.key.clone());
        let pos = new_keys.iter().position(|k| **k == key);
        if let Some(p) = pos {
            // New keys that sort before this one and are not in the file yet.
            let pending: Vec<usize> = (0..p)
                .filter(|&i| !placed[i] && !original.contains_key(new_keys[i]))
                .collect();
            for i in pending {
                placed[i] = true;
                emit_entry(&mut out, new_keys[i], &new[new_keys[i]], 0);
            }
            placed[p] = true;
            if old.get(&key) == new.get(&key) {
                out.push_str(block.text);
                if !block.text.ends_with('\n') {
                    out.push('\n');
                }
            } else if let Some(kept) = old
                .get(&key)
                .and_then(|o| splice_value(block.text, o, &new[&key]))
            {
                out.push_str(&kept);
            } else {
                emit_entry(&mut out, &key, &new[&key], 0);
                // Keep comment lines that trailed the old block.
                out.push_str(trailing_comments(block.text));
            }
        } else if old.contains_key(&key) {
            // Removed field: dropped.
        } else {
            // The file has a key that neither old nor new know (e.g. null
            // values dropped by the model): keep as is.
            out.push_str(block.text);
        }
    }
    emit_new_run(&mut out, &mut placed, new_keys.len());
    Some(out.text)
}

/// A changed entry rewritten in place where its shape allows, so that
/// what did not change keeps its text: a block mapping keeps its unchanged
/// sub-entries (their spelling, comments and indentation: giving a verdict
/// leaves a hand-written `target: 0.20` alone), a block list that only grew
/// keeps its old items and gets the new ones after them. `None` when the
/// entry is not of that shape.
fn splice_value(block: &str, old: &Value, new: &Value) -> Option<String> {
    let tail = trailing_comments(block);
    let block = &block[..block.len() - tail.len()];
    let (head, body) = block.split_at(block.find('\n')? + 1);
    let after = head[head.find(':')? + 1..].trim();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let content = |l: &&str| !l.trim().is_empty() && !l.trim_start().starts_with('#');
    let first = body.lines().find(content)?;
    let ind = first.len() - first.trim_start_matches(' ').len();
    let pad = " ".repeat(ind);
    let mut dedented = String::with_capacity(body.len());
    for line in body.split_inclusive('\n') {
        if line.trim().is_empty() {
            dedented.push_str(line.strip_prefix(pad.as_str()).unwrap_or("\n"));
        } else {
            dedented.push_str(line.strip_prefix(pad.as_str())?);
        }
    }
    let inner = match (old, new) {
        (Value::Mapping(o), Value::Mapping(n))
            if ind > 0 && !first.trim_start().starts_with('-') =>
        {
            splice(&dedented, o, n)?
        }
        (Value::Sequence(o), Value::Sequence(n))
            if n.len() > o.len()
                && n[..o.len()] == o[..]
                && first.trim_start().starts_with('-') =>
        {
            let mut s = Out {
                text: dedented,
                escape_brackets: false,
            };
            if !s.ends_with('\n') {
                s.push('\n');
            }
            emit_seq(&mut s, &n[o.len()..], 0);
            s.text
        }
        _ => return None,
    };
    let mut out = String::with_capacity(block.len() + 64);
    out.push_str(head);
    for line in inner.split_inclusive('\n') {
        if line != "\n" {
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(tail);
    Some(out)
}

fn trailing_comments(block: &str) -> &str {
    let mut start = block.len();
    let lines: Vec<&str> = block.split_inclusive('\n').collect();
    for line in lines.iter().skip(1).rev() {
        let t = line.trim_start();
        if t.starts_with('#') || t.trim().is_empty() {
            start -= line.len();
        } else {
            break;
        }
    }
    &block[start..]
}

/// Find the 1-based (line, column) of a dotted field path such as
/// `hypothesis.verdict` or `journal.2.at` in block-style text. Falls back to
/// the deepest part found, and to (1, 1).
pub fn locate(text: &str, field: &str) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let mut best = (1, 1);
    let mut from = 0usize;
    let mut parent_indent: isize = -1;
    for part in field.split('.').filter(|p| !p.is_empty()) {
        let mut found = None;
        if let Ok(index) = part.parse::<usize>() {
            // The index-th `- ` item below the parent.
            let mut count = 0;
            let mut item_indent = None;
            for (i, line) in lines.iter().enumerate().skip(from) {
                let ind = line.len() - line.trim_start().len();
                let t = line.trim_start();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                if i > from.saturating_sub(1)
                    && (ind as isize) <= parent_indent
                    && !t.starts_with('-')
                {
                    break;
                }
                if (t.starts_with("- ") || t == "-") && *item_indent.get_or_insert(ind) == ind {
                    if count == index {
                        // The item's first key is on this same line.
                        found = Some((i, ind + 2, ind as isize, i));
                        break;
                    }
                    count += 1;
                }
            }
        } else {
            for (i, line) in lines.iter().enumerate().skip(from) {
                let stripped = line.trim_start();
                let ind = line.len() - stripped.len();
                let (t, ind) = match stripped.strip_prefix("- ") {
                    Some(rest) => (rest, ind + 2),
                    None => (stripped, ind),
                };
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                if i > from && (ind as isize) <= parent_indent {
                    break;
                }
                if let Some(rest) = t.strip_prefix(part) {
                    if rest.trim_start().starts_with(':') {
                        let after = rest.trim_start()[1..].len()
                            - rest.trim_start()[1..].trim_start().len();
                        let col =
                            ind + part.len() + (rest.len() - rest.trim_start().len()) + 1 + after;
                        found = Some((i, col, ind as isize, i + 1));
                        break;
                    }
                }
            }
        }
        match found {
            Some((i, col, ind, next)) => {
                best = (i + 1, col + 1);
                from = next;
                parent_indent = ind;
            }
            None => break,
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(s: &str) -> Mapping {
        match serde_yaml::from_str::<Value>(s).expect("yaml") {
            Value::Mapping(m) => m,
            _ => panic!("not a mapping"),
        }
    }

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

    #[test]
    fn splice_keeps_unchanged_text() {
        let original =
            "# note\nid: a\ntitle:   'odd  style'\nlane: x   # why\nrank: i\nfuture: {a: 1}\n";
        let old = map(original);
        let mut new = old.clone();
        new.insert("lane".into(), "modeling".into());
        new.insert("kind".into(), "task".into());
        let canon = |t: &str| match serde_yaml::from_str::<Value>(t) {
            Ok(Value::Mapping(m)) => Some(m),
            _ => None,
        };
        let out = render(Some((original, &old)), &new, &canon);
        assert_eq!(
            out,
            "# note\nid: a\ntitle:   'odd  style'\nlane: modeling\nrank: i\nfuture: {a: 1}\nkind: task\n"
        );
    }

    #[test]
    fn nested_changes_leave_their_neighbours_alone() {
        let canon = |t: &str| match serde_yaml::from_str::<Value>(t) {
            Ok(Value::Mapping(m)) => Some(m),
            _ => None,
        };
        let original = "id: a\nhypothesis:\n    metric: p@10   # hand written\n    baseline: 0.10\n    target: 0.20\n    verdict: open\n# about the journal\njournal:\n- at: 2026-01-01\n  by: ana\n  text:   'first'\nkind: task\n";
        let old = map(original);
        let mut new = old.clone();
        let h = new.get_mut("hypothesis").unwrap().as_mapping_mut().unwrap();
        h.insert("verdict".into(), "supported".into());
        h.insert("result".into(), Value::Number(0.25.into()));
        let entry = map("at: 2026-02-02\nby: bo\ntext: second\n");
        new.get_mut("journal")
            .unwrap()
            .as_sequence_mut()
            .unwrap()
            .push(Value::Mapping(entry));
        let out = render(Some((original, &old)), &new, &canon);
        assert_eq!(
            out,
            "id: a\nhypothesis:\n    metric: p@10   # hand written\n    baseline: 0.10\n    target: 0.20\n    verdict: supported\n    result: 0.25\n# about the journal\njournal:\n- at: 2026-01-01\n  by: ana\n  text:   'first'\n- at: 2026-02-02\n  by: bo\n  text: second\nkind: task\n"
        );
    }

    #[test]
    fn parse_errors_have_positions() {
        let e = parse(b"id: a\ntitle: [unclosed\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
        assert!(!e.message.contains("at line"), "{}", e.message);
        let e = parse(b"id: a\n<<<<<<< HEAD\nx: 1\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        let e = parse(b"id: a\x00").unwrap_err();
        assert_eq!((e.line, e.column), (1, 6));
        let bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
        let start = std::time::Instant::now();
        assert!(parse(bomb.as_bytes()).is_err());
        assert!(start.elapsed().as_secs() < 2);
        let deep = "[".repeat(10_000);
        assert!(parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn aliases_may_not_blow_a_file_up() {
        // A bomb padded so that serde_yaml's own limit (a hundred alias
        // jumps per event) lets it expand: before the count it took seconds
        // and gigabytes to refuse.
        let mut bomb = String::from("id: abc\nlane: x\na: &a [x,x,x,x,x,x,x,x,x]\n");
        for (c, prev) in ["b", "c", "d", "e", "f", "g"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f"])
        {
            bomb.push_str(&format!(
                "{c}: &{c} [{}]\n",
                vec![format!("*{prev}"); 9].join(",")
            ));
        }
        for i in 0..4 {
            bomb.push_str(&format!("h{i}: [*g, *g]\n"));
        }
        for i in 0..3000 {
            bomb.push_str(&format!("p{i}: x\n"));
        }
        let start = std::time::Instant::now();
        let e = parse(bomb.as_bytes()).unwrap_err();
        assert!(e.message.contains("aliases"), "{e:?}");
        assert!(start.elapsed().as_secs() < 2);
        // One alias of a long text, many times (each copy is a value).
        let long = "x".repeat(100_000);
        let mut copies = format!("id: abc\nlane: x\nt: &t {long}\nl:\n");
        for _ in 0..50 {
            copies.push_str("  - *t\n");
        }
        let e = parse(copies.as_bytes()).unwrap_err();
        assert!(e.message.contains("aliases"), "{e:?}");
        // Aliases that stay small are fine.
        let v = parse(b"base: &b {k: 1, l: [x, y]}\none: *b\ntwo: *b\nt: a*b\n").unwrap();
        assert_eq!(v["two"]["l"][1], Value::from("y"));
        assert_eq!(v["t"], Value::from("a*b"));
    }

    #[test]
    fn locates_fields() {
        let text = "id: a\nhypothesis:\n  metric: p\n  verdict: maybe\njournal:\n  - at: x\n    text: t\n  - at: bad\n";
        assert_eq!(locate(text, "hypothesis.verdict"), (4, 12));
        assert_eq!(locate(text, "journal.1.at"), (8, 9));
        assert_eq!(locate(text, "id"), (1, 5));
        assert_eq!(locate(text, "nothing"), (1, 1));
    }
}
