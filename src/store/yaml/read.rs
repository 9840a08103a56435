//! Reading board YAML: the limits, the checks before parsing (size, NUL,
//! UTF-8, conflict markers, nesting, alias bombs), the parse with a
//! `line:column` for every error, and finding a field's position.

use super::fast;
use serde_yaml::Value;

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
    if let Some(v) = fast::parse(text) {
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
pub(super) fn too_deep(text: &str) -> Option<(usize, usize)> {
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

/// Find the 1-based (line, column) of a dotted field path such as
/// `hypothesis.verdict` or `journal.2.at` in block-style text. Falls back to
/// the deepest part found, and to (1, 1).
pub fn locate(text: &str, field: &str) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let mut best = (1, 1);
    let mut from = 0usize;
    let mut parent_indent: isize = -1;
    // The parent was a list item whose first key is on its own line: that
    // line is the item's, not a sibling's.
    let mut on_item_line = false;
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
                if (i > from || !on_item_line) && (ind as isize) <= parent_indent {
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
                on_item_line = next == i;
                best = (i + 1, col + 1);
                from = next;
                parent_indent = ind;
            }
            None => break,
        }
    }
    best
}

/// Where `words` are written in the value of the field [`locate`] found
/// at (`line`, `column`): on that line from that column, or on the lines
/// below that belong to the field (a block scalar, a list). 1-based.
pub fn locate_near(text: &str, line: usize, column: usize, words: &str) -> Option<(usize, usize)> {
    if words.is_empty() {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.get(line.checked_sub(1)?)?;
    let indent = |l: &str| l.len() - l.trim_start().len();
    // Columns count characters; the field's column is where its value starts.
    let start = first
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(first.len(), |(b, _)| b);
    let col_of = |l: &str, byte: usize| l[..byte].chars().count() + 1;
    if let Some(i) = first.get(start..).and_then(|rest| rest.find(words)) {
        return Some((line, col_of(first, start + i)));
    }
    let own = indent(first);
    for (k, l) in lines.iter().enumerate().skip(line) {
        if !l.trim().is_empty() && indent(l) <= own && !l.trim_start().starts_with('-') {
            break;
        }
        if let Some(i) = l.find(words) {
            return Some((k + 1, col_of(l, i)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_in_a_value_are_found_where_they_are_written() {
        let text = "name: B\nviews:\n  mine: {filter: \"kind:task asignee:me\", lanes: [x]}\n  other:\n    lanes:\n      - modeling\n      - modelling\n    filter: label:x\n";
        let (l, c) = locate(text, "views.mine.filter");
        assert_eq!((l, c), (3, 9));
        assert_eq!(locate_near(text, l, c, "asignee:me"), Some((3, 29)));
        let (l, c) = locate(text, "views.other.lanes.1");
        assert_eq!(locate_near(text, l, c, "modelling"), Some((7, 9)));
        let (l, c) = locate(text, "views.other.lanes");
        assert_eq!(locate_near(text, l, c, "label:x"), None, "past the field");
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
