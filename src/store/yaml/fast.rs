//! A fast reader for the YAML lanes itself writes: block mappings and
//! sequences indented by two spaces, plain, quoted and literal block
//! scalars. Anything outside that subset (comments, flow collections,
//! anchors, tags, unusual numbers, tabs...) returns `None`, and the caller
//! uses the full YAML parser instead. Where it answers, it answers exactly
//! as the full parser would (tests/fast_differential.rs compares the two on
//! generated and mutated files).

use serde_yaml::{Mapping, Number, Value};

/// Deepest block indentation read here (the recursion follows it); deeper
/// documents go to the full parser, which has its own limit.
const MAX_INDENT: usize = 2 * super::MAX_DEPTH;

/// Longest key read here: the full parser refuses a key that runs on for
/// over 1024 characters, so leave long ones to it.
const MAX_KEY: usize = 128;

/// Parse `text` if it is in lanes' canonical subset.
pub fn parse(text: &str) -> Option<Value> {
    if !ordinary_text(text) {
        return None;
    }
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    } else {
        // No final newline: fine for YAML, rare for us.
        return None;
    }
    if lines.is_empty() {
        // An empty file is null to the full parser, not an empty mapping.
        return None;
    }
    let mut p = Parser { lines, i: 0 };
    let map = p.mapping(0, None)?;
    if p.i != p.lines.len() {
        return None;
    }
    Some(Value::Mapping(map))
}

/// Whether every character of `text` is one the full parser reads as
/// itself: a newline, printable ASCII, or printable non-ASCII. Tabs and
/// carriage returns are left to the full parser, and so are characters it
/// refuses (C0 and C1 controls, DEL, U+FFFE, U+FFFF) and ones it reads as
/// something else: NEL, LINE and PARAGRAPH SEPARATOR are line breaks to it,
/// and a byte order mark starting a line is skipped.
fn ordinary_text(text: &str) -> bool {
    let b = text.as_bytes();
    // The text is UTF-8, so a lead byte is followed by its continuation
    // bytes; only these lead bytes start characters to refuse.
    b.iter().enumerate().all(|(i, &c)| match c {
        b'\n' | 0x20..=0x7e => true,
        // U+0080..U+009F (NEL among them).
        0xc2 => b[i + 1] >= 0xa0,
        // U+2028, U+2029.
        0xe2 => !(b[i + 1] == 0x80 && matches!(b[i + 2], 0xa8 | 0xa9)),
        // U+FEFF, U+FFFE, U+FFFF.
        0xef => !matches!((b[i + 1], b[i + 2]), (0xbb, 0xbf) | (0xbf, 0xbe | 0xbf)),
        0x80..=0xff => true,
        _ => false,
    })
}

struct Parser<'a> {
    lines: Vec<&'a str>,
    i: usize,
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A plain key that the full parser reads as the same string: letters,
/// digits, `_` and `-`, starting with a letter or `_` (a key such as `1`,
/// `0x1f` or `1e3` is a number to it), and not null or a boolean.
fn is_key(k: &str) -> bool {
    k.len() <= MAX_KEY
        && k.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !matches!(
            k,
            "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
        )
}

/// `key: value` or `key:` -> (key, value after ": "). Spaces between the
/// colon and the value separate them, however many there are.
fn split_entry(content: &str) -> Option<(&str, Option<&str>)> {
    let colon = content.find(':')?;
    let (key, rest) = (&content[..colon], &content[colon + 1..]);
    if !is_key(key) {
        return None;
    }
    if rest.is_empty() {
        Some((key, None))
    } else {
        rest.strip_prefix(' ')
            .map(|v| (key, Some(v.trim_start_matches(' '))))
    }
}

impl<'a> Parser<'a> {
    /// A block mapping whose keys sit at column `indent`. `first` is the
    /// content of a first entry that began after a sequence's `- `.
    fn mapping(&mut self, indent: usize, first: Option<&'a str>) -> Option<Mapping> {
        let mut map = Mapping::new();
        let mut pending = first;
        loop {
            let content = match pending.take() {
                Some(c) => c,
                None => {
                    let Some(line) = self.lines.get(self.i) else {
                        break;
                    };
                    let ind = indent_of(line);
                    if line.is_empty() || ind < indent {
                        if line.is_empty() {
                            return None;
                        }
                        break;
                    }
                    if ind > indent {
                        return None;
                    }
                    self.i += 1;
                    &line[ind..]
                }
            };
            if content.starts_with(['-', '#', '?', '"', '\'']) {
                return None;
            }
            let (key, value) = split_entry(content)?;
            let value = match value {
                Some(v) => self.value(v, indent)?,
                None => self.nested(indent)?,
            };
            let key = Value::String(key.to_string());
            if map.contains_key(&key) {
                // Duplicate keys are an error the full parser reports.
                return None;
            }
            map.insert(key, value);
        }
        Some(map)
    }

    /// The block under `key:` at `indent`: a mapping or a sequence two
    /// spaces deeper.
    fn nested(&mut self, indent: usize) -> Option<Value> {
        let line = self.lines.get(self.i)?;
        let ind = indent_of(line);
        if line.is_empty() || ind != indent + 2 || ind > MAX_INDENT {
            return None;
        }
        let content = &line[ind..];
        if content.starts_with("- ") || content == "-" {
            Some(Value::Sequence(self.sequence(ind)?))
        } else {
            Some(Value::Mapping(self.mapping(ind, None)?))
        }
    }

    /// A block sequence whose dashes sit at column `indent`.
    fn sequence(&mut self, indent: usize) -> Option<Vec<Value>> {
        let mut items = Vec::new();
        while let Some(line) = self.lines.get(self.i) {
            let ind = indent_of(line);
            if line.is_empty() {
                return None;
            }
            if ind < indent {
                break;
            }
            let content = &line[ind..];
            if ind > indent || !content.starts_with("- ") {
                return None;
            }
            self.i += 1;
            let item = &content[2..];
            if item.starts_with(['-', ' ']) {
                return None;
            }
            let looks_like_entry = split_entry(item).is_some() && !item.starts_with(['"', '\'']);
            if looks_like_entry {
                items.push(Value::Mapping(self.mapping(indent + 2, Some(item))?));
            } else {
                items.push(self.value(item, indent)?);
            }
        }
        Some(items)
    }

    /// A value written after `key: ` or `- ` (the key or dash at `indent`).
    fn value(&mut self, v: &'a str, indent: usize) -> Option<Value> {
        match v.as_bytes().first()? {
            b'|' => self.literal(v, indent),
            b'"' => double_quoted(v).map(Value::String),
            b'\'' => single_quoted(v).map(Value::String),
            b'[' => (v == "[]").then(|| Value::Sequence(Vec::new())),
            b'{' => (v == "{}").then(|| Value::Mapping(Mapping::new())),
            b'&' | b'*' | b'!' | b'%' | b'@' | b'`' | b'>' | b'#' | b'?' | b':' | b',' | b']'
            | b'}' => None,
            b'-' if v.len() == 1 || v.as_bytes()[1] == b' ' => None,
            _ => plain(v),
        }
    }

    /// A literal block scalar (`|`, `|-`, `|+`) below `indent`.
    fn literal(&mut self, header: &str, indent: usize) -> Option<Value> {
        let chomp = match header {
            "|" => Chomp::Clip,
            "|-" => Chomp::Strip,
            "|+" => Chomp::Keep,
            _ => return None,
        };
        let mut content: Option<usize> = None;
        let mut out: Vec<&str> = Vec::new();
        // The most spaces on a leading blank line.
        let mut lead = 0;
        while let Some(line) = self.lines.get(self.i) {
            let ind = indent_of(line);
            let blank = ind == line.len();
            match content {
                None if blank => {
                    // Leading blank lines: the indentation comes later.
                    lead = lead.max(ind);
                    out.push("");
                }
                None => {
                    if ind <= indent {
                        break;
                    }
                    if lead > ind {
                        // The full parser takes the indentation from the
                        // longest leading blank line, and this line is
                        // less indented than that.
                        return None;
                    }
                    content = Some(ind);
                    out.push(&line[ind..]);
                }
                Some(c) if blank && ind <= c => out.push(""),
                Some(c) if ind >= c => out.push(&line[c..]),
                Some(_) => break,
            }
            self.i += 1;
        }
        // Only blank lines: leave it to the full parser.
        content?;
        // Trailing blank lines belong to the chomping, and a less-indented
        // line after them ends the scalar.
        let mut trailing = 0;
        while out.len() > trailing && out[out.len() - 1 - trailing].is_empty() {
            trailing += 1;
        }
        let body = &out[..out.len() - trailing];
        let mut s = body.join("\n");
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => s.push('\n'),
            Chomp::Keep => {
                s.push('\n');
                for _ in 0..trailing {
                    s.push('\n');
                }
            }
        }
        Some(Value::String(s))
    }
}

enum Chomp {
    Clip,
    Strip,
    Keep,
}

/// Resolve a plain scalar as the full parser does (YAML 1.2 core schema),
/// or give up on anything number-like that is not a simple decimal.
fn plain(v: &str) -> Option<Value> {
    if v.ends_with(' ') || v.contains(" #") || v.contains(": ") || v.ends_with(':') {
        return None;
    }
    match v {
        "null" | "Null" | "NULL" | "~" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let first = v.as_bytes()[0];
    if first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.' {
        return number_or_date(v);
    }
    Some(Value::String(v.to_string()))
}

fn number_or_date(v: &str) -> Option<Value> {
    let b = v.as_bytes();
    let all = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    // Dates and UTC timestamps stay text.
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && all(&b[..4])
        && all(&b[5..7])
        && all(&b[8..])
    {
        return Some(Value::String(v.to_string()));
    }
    if b.len() == 20
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'Z'
        && all(&b[..4])
        && all(&b[11..13])
        && all(&b[14..16])
        && all(&b[17..19])
    {
        return Some(Value::String(v.to_string()));
    }
    let (neg, digits) = match v.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, v),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    if !all(int.as_bytes()) || (int.len() > 1 && int.starts_with('0')) {
        // Text like an id (`47qdpg8hn0`) is no number in any notation the
        // full parser knows (hex, octal, binary, exponents, inf, nan):
        // those use only these characters.
        let numeric = |c: u8| b"0123456789+-._abcdefABCDEFxXoOiInNtTyY".contains(&c);
        if v.bytes().any(|c| !numeric(c)) {
            return Some(Value::String(v.to_string()));
        }
        return None;
    }
    match frac {
        None if neg => int
            .parse::<i64>()
            .ok()
            .map(|n| Value::Number(Number::from(-n))),
        None => int
            .parse::<u64>()
            .ok()
            .map(|n| Value::Number(Number::from(n))),
        Some(f) if all(f.as_bytes()) => v
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(|x| Value::Number(Number::from(x))),
        Some(_) => None,
    }
}

fn double_quoted(v: &str) -> Option<String> {
    let inner = v.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return None,
            '\\' => {
                let e = chars.next()?;
                let hex = |chars: &mut std::str::Chars, n: usize| -> Option<char> {
                    let s: String = chars.by_ref().take(n).collect();
                    // Hex digits only: `from_str_radix` would take a sign.
                    if s.len() != n || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return None;
                    }
                    char::from_u32(u32::from_str_radix(&s, 16).ok()?)
                };
                out.push(match e {
                    '\\' => '\\',
                    '"' => '"',
                    '/' => '/',
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'e' => '\u{1b}',
                    '0' => '\0',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'v' => '\u{b}',
                    'x' => hex(&mut chars, 2)?,
                    'u' => hex(&mut chars, 4)?,
                    'U' => hex(&mut chars, 8)?,
                    _ => return None,
                });
            }
            c => out.push(c),
        }
    }
    Some(out)
}

fn single_quoted(v: &str) -> Option<String> {
    let inner = v.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' && chars.next() != Some('\'') {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(text: &str) {
        let full: Value = serde_yaml::from_str(text).expect("valid yaml");
        if let Some(fast) = parse(text) {
            assert_eq!(fast, full, "fast parse differs for:\n{text}");
        }
    }

    fn fast(text: &str) -> Value {
        let v = parse(text).unwrap_or_else(|| panic!("fast path refused:\n{text}"));
        same(text);
        v
    }

    #[test]
    fn canonical_documents_take_the_fast_path() {
        fast("id: abc\ntitle: Session-recency features\nlane: modeling\nrank: i\n");
        fast("labels:\n  - recsys\n  - cold-start\nempty: []\nnone: {}\n");
        fast("hypothesis:\n  baseline: 0.21\n  target: 12\n  result: -3\n  verdict: open\n");
        fast("journal:\n  - at: 2026-11-27T03:43:19Z\n    by: Mei\n    text: |-\n      line one\n\n      line three\n  - at: 2026-11-28\n    text: x\n");
        fast("body: |\n  keep\n  this\n\nnext: 1\n");
        fast("body: |+\n  kept\n\n\nnext: 1\n");
        fast("t: \"a\\e[31mb \\\"q\\\" \\x07 \\u00e9\"\ns: 'it''s'\n");
        fast("n: null\nb: true\nc: False\nd: ~\ne: 2026-01-01\n");
        fast("checklist:\n  - text: a\n    done: false\n  - plain item\n");
        fast("t: 日本語のタイトル 🚀\n");
        fast("id: 47qdpg8hn0\nother: 3fk2a9\nhex: 0x1g\n");
    }

    #[test]
    fn anything_else_falls_back() {
        for text in [
            "# comment\nid: a\n",
            "id: a # comment\n",
            "a: &x 1\nb: *x\n",
            "a: [1, 2]\n",
            "a: 0x1F\n",
            "a: 1e3\n",
            "a: .inf\n",
            "a: 007\n",
            "a: +1\n",
            "a: 1e5\n",
            "a: 0b101\n",
            "a: 12abc\n",
            "a:\n- zero-indented\n",
            "a: 1\na: 2\n",
            "a: >\n  folded\n",
            "a: 1",
            "a:\tb\n",
            "a: 1\r\n",
            "---\na: 1\n",
        ] {
            assert!(parse(text).is_none(), "should fall back: {text:?}");
        }
    }

    #[test]
    fn spaces_after_the_colon_separate_key_and_value() {
        let v = fast("id: abc\nlane:  modeling\ntitle:    \"t\"\nbody:   |\n  x\n");
        assert_eq!(v["lane"], Value::from("modeling"));
        assert_eq!(v["title"], Value::from("t"));
        assert_eq!(v["body"], Value::from("x\n"));
    }

    #[test]
    fn what_the_full_parser_reads_otherwise_falls_back() {
        let long_key = format!("{}: x\n", "k".repeat(1100));
        for text in [
            // Keys that are numbers, booleans or null to the full parser.
            "1: x\n",
            "0x1f: x\n",
            "true: x\n",
            "null: x\n",
            "list:\n  - 1: x\n",
            long_key.as_str(),
            // Signed hex escapes, which the full parser refuses.
            "t: \"\\x+1\"\n",
            "t: \"\\u+041\"\n",
            // Line breaks to the full parser, characters it refuses, and a
            // byte order mark it skips.
            "t: a\u{85}b\n",
            "t: a\u{2028}b\n",
            "t: a\u{2029}b\n",
            "t: |\n  a\u{85}b\n",
            "t: a\u{1}b\n",
            "t: a\u{7f}b\n",
            "t: a\u{9f}b\n",
            "t: a\u{fffe}b\n",
            "t: a\u{feff}b\n",
            // A leading blank line more indented than the first line.
            "t: |\n  \n x\n",
            "t: |\n    \n  x\n",
            // Null to the full parser, not an empty mapping.
            "",
        ] {
            assert!(parse(text).is_none(), "should fall back: {text:?}");
        }
        // Deep nesting is left to the full parser (and its limits).
        let mut deep = String::new();
        for i in 0..200 {
            deep.push_str(&" ".repeat(2 * i));
            deep.push_str("k:\n");
        }
        deep.push_str(&" ".repeat(400));
        deep.push_str("k: 1\n");
        assert!(parse(&deep).is_none());
    }

    #[test]
    fn emitted_documents_agree_with_the_full_parser() {
        // Everything the emitter writes, for tricky strings.
        let samples = [
            "",
            " lead",
            "trail ",
            "a: b",
            "#x",
            "x #y",
            "true",
            "yes",
            "null",
            "~",
            "0.5",
            "1e3",
            "007",
            "-",
            "- x",
            "-rf",
            "multi\nline",
            "multi\nline\n",
            "trailing\n\n",
            "\n\nlead",
            "  indented\nblock",
            "tab\there",
            "esc\u{1b}[2J",
            "quote\"s",
            "it's",
            "日本語",
            "2026-11-27",
            "12",
            "-4",
            "1.25",
            "[x]",
            "{y}",
            "@at",
            "`tick`",
            "!tag",
            "&a",
            "*b",
            "%p",
            "|",
            ">",
            "?q",
            ":c",
            ",",
            "...",
            "---",
            "\u{feff}bom",
            "\u{85}nel",
        ];
        for s in samples {
            let mut m = Mapping::new();
            m.insert("k".into(), Value::String(s.to_string()));
            let mut inner = Mapping::new();
            inner.insert("text".into(), Value::String(s.to_string()));
            m.insert(
                "list".into(),
                Value::Sequence(vec![Value::Mapping(inner), Value::String(s.to_string())]),
            );
            let text = crate::store::yaml::emit(&m);
            same(&text);
        }
    }

    #[test]
    fn templates_take_the_fast_path() {
        for (name, text) in crate::templates::BUILTIN {
            assert!(parse(text).is_some(), "{name}");
            same(text);
        }
    }
}
