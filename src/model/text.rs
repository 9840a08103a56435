//! Untrusted text made safe to show: card files come from teammates, and
//! control characters or escape sequences in them must never reach a
//! terminal raw. This is the one sanitizer: the CLI's writer
//! (`crate::term`), its JSON and the board screen all go through it.

use std::borrow::Cow;

/// Replace control characters with visible forms: `^[` for ESC, `^A`.. for
/// other C0 controls, `^?` for DEL, `\u{9b}` style for C1 controls and
/// for characters that make text display differently from what it is
/// (bidirectional overrides, invisible spaces). Tabs become spaces;
/// newlines are kept only when `keep_newlines`.
pub fn visible(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !any_after_ascii(s, keep_newlines, |c| needs_escape(c, keep_newlines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\t' => out.push_str("    "),
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push((b'@' + c as u8) as char);
            }
            '\u{7f}' => out.push_str("^?"),
            c if needs_escape(c, keep_newlines) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether any character of `s` is one `hit` names, looking at characters
/// only from the first byte that is not printable ASCII (or a newline, when
/// `newlines`): what a terminal or JSON receives is nearly all plain ASCII,
/// which needs no decoding to be known safe.
fn any_after_ascii(s: &str, newlines: bool, hit: impl Fn(char) -> bool) -> bool {
    let plain = |b: &u8| (0x20..0x7f).contains(b) || (newlines && *b == b'\n');
    let start = plain_words(s.as_bytes(), newlines);
    match s.as_bytes()[start..].iter().position(|b| !plain(b)) {
        None => false,
        // A byte below 0x80 is a whole character: the slice is on a boundary.
        Some(i) => s[start + i..].chars().any(hit),
    }
}

/// How many leading bytes of `b`, a whole number of 8-byte words, are
/// all printable ASCII (0x20..0x7e, and newlines when `newlines`):
/// eight bytes tested at once, since the CLI's gate and its JSON look at
/// every byte of megabytes of output.
fn plain_words(b: &[u8], newlines: bool) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Whether any byte of `w` is zero (exact for every byte with its high
    // bit clear, which is all that is left to test).
    let zero_in = |w: u64| w.wrapping_sub(ONES) & !w & HIGH != 0;
    let mut done = 0;
    for chunk in b.chunks_exact(8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        // A byte at 0x80 or above, or below 0x20 (its high bit clear and
        // still clear after adding 0x60), or DEL.
        let odd = w & HIGH != 0
            || w.wrapping_add(0x60 * ONES) & HIGH != HIGH
            || zero_in(w ^ (0x7f * ONES));
        if odd {
            // Newlines are allowed: look closer, byte by byte.
            if !newlines
                || chunk
                    .iter()
                    .any(|&c| !((0x20..0x7f).contains(&c) || c == b'\n'))
            {
                return done;
            }
        }
        done += 8;
    }
    done
}

fn needs_escape(c: char, keep_newlines: bool) -> bool {
    c.is_control() && !(keep_newlines && c == '\n') || is_deceptive(c)
}

/// Characters no terminal should receive from untrusted text even though
/// they are not controls: bidirectional embeddings, overrides and isolates
/// (they reorder what follows, "Trojan Source"), invisible spaces and
/// marks, the byte-order mark, and the line and paragraph separators.
/// The zero-width joiner and non-joiner are left alone: emoji sequences
/// and several scripts need them.
pub fn is_deceptive(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200b}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// Whether JSON output must write `c` as a `\u` escape so that a JSON
/// document printed to a terminal (`lanes list --json | jq`) is as safe as
/// text output: C0 controls, DEL, C1 controls and the characters of
/// [`is_deceptive`].
pub fn json_escapes(c: char) -> bool {
    c.is_control() || is_deceptive(c)
}

/// `s` with every character [`json_escapes`] names written as `\uXXXX`.
/// Only for text that is already JSON: outside strings JSON has no such
/// characters, inside a string the escape means the same character.
pub fn json_safe(s: &str) -> Cow<'_, str> {
    if !any_after_ascii(s, true, |c| json_escapes(c) && !matches!(c, '\n' | '\t')) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if json_escapes(c) && !matches!(c, '\n' | '\t') {
            // Outside the basic plane none are escaped, so one unit.
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line: like `visible`, with newlines shown as `⏎`.
pub fn one_line(s: &str) -> String {
    visible(s, true).replace('\n', " ⏎ ")
}

/// Text for a character grid, where every terminal must agree on how many
/// columns each character takes: [`visible`], then the joiners and
/// selectors whose rendering differs between terminals are taken out (a
/// zero-width-joiner emoji becomes its parts side by side, an emoji's skin
/// tone or presentation selector goes), and a combining mark with nothing
/// to combine with (at the start, or after a control shown as `^X`) is
/// shown as `\u{…}`. At most two combining marks stay on one character.
pub fn for_grid(s: &str) -> Cow<'_, str> {
    let safe = visible(s, false);
    if !safe
        .chars()
        .any(|c| is_unstable_joiner(c) || unicode_width::UnicodeWidthChar::width(c) == Some(0))
    {
        return safe;
    }
    let mut out = String::with_capacity(safe.len());
    let mut marks = 0;
    let mut base = false;
    for c in safe.chars() {
        if is_unstable_joiner(c) {
            continue;
        }
        if unicode_width::UnicodeWidthChar::width(c) == Some(0) {
            if !base {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
                continue;
            }
            marks += 1;
            if marks <= 2 {
                out.push(c);
            }
            continue;
        }
        marks = 0;
        base = true;
        out.push(c);
    }
    Cow::Owned(out)
}

/// `s` made safe for a character grid ([`for_grid`]) and at most `width`
/// columns wide, ending in `…` when cut (CJK and emoji take two columns;
/// tabs become spaces). The one way text is cut to a width: tables, the
/// board screen and terminal output all use it.
pub fn fit(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let safe = for_grid(s);
    let total: usize = safe.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return safe.into_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    let limit = width.saturating_sub(1);
    for c in safe.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > limit {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// [`fit`] for prose: cut at the last space that leaves at least half the
/// width, so a word, a number or a metric name in it is never cut in two
/// (`precision@1…`); at a character only when there is no such space.
pub fn fit_words(s: &str, width: usize) -> String {
    let cut = fit(s, width);
    if !cut.ends_with('…') {
        return cut;
    }
    let kept = cut.trim_end_matches('…');
    match kept.rfind(' ') {
        Some(at) if self::width(&kept[..at]) * 2 >= width => {
            format!("{}…", kept[..at].trim_end())
        }
        _ => cut,
    }
}

/// Display width of text (after making it safe for a grid).
pub fn width(s: &str) -> usize {
    use unicode_width::UnicodeWidthChar;
    for_grid(s).chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Zero-width joiner, variation selectors and emoji skin-tone modifiers:
/// whether they fuse their neighbours into one glyph depends on the
/// terminal and its font, so widths computed for them cannot be trusted.
fn is_unstable_joiner(c: char) -> bool {
    matches!(
        c,
        '\u{200d}' | '\u{fe00}'..='\u{fe0f}' | '\u{1f3fb}'..='\u{1f3ff}' | '\u{e0100}'..='\u{e01ef}'
    )
}

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

/// A value as one short line.
pub fn show_value(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::Null => "(removed)".into(),
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// `n` and the noun for it: `1 card`, `3 cards`, `0 cards`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The candidate closest to `input`, when it is close enough to be a
/// typo of it (a few letters changed, missing, extra or swapped; any
/// case): for "did you mean" hints. `None` when none is, or two are
/// equally close.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let a: Vec<char> = input.to_lowercase().chars().collect();
    let limit = (a.len() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    let mut tie = false;
    for c in candidates {
        let b: Vec<char> = c.to_lowercase().chars().collect();
        let d = distance(&a, &b);
        if d == 0 || d > limit {
            continue;
        }
        match best {
            Some((bd, bc)) if d == bd && bc.to_lowercase() != c.to_lowercase() => tie = true,
            Some((bd, _)) if d >= bd => {}
            _ => {
                best = Some((d, c));
                tie = false;
            }
        }
    }
    best.filter(|_| !tie).map(|(_, c)| c)
}

/// Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`.
fn distance(a: &[char], b: &[char]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_scan_stops_at_every_byte_that_is_not_plain() {
        // Every byte value at every place of a word, after a plain
        // prefix of every length: the words counted plain are exactly
        // those whose every byte is.
        let plain = |c: u8, nl: bool| (0x20..0x7f).contains(&c) || (nl && c == b'\n');
        for newlines in [false, true] {
            for at in 0..24 {
                for c in 0..=255u8 {
                    let mut b = vec![b'a'; 24];
                    b[at] = c;
                    let want = if plain(c, newlines) { 24 } else { at / 8 * 8 };
                    assert_eq!(plain_words(&b, newlines), want, "{c:#x} at {at}");
                }
            }
        }
        assert!(any_after_ascii("0123456789abcdef\u{1b}", false, |c| c == '\u{1b}'));
        assert!(!any_after_ascii("0123456789abcdef\n", true, |_| true));
    }

    #[test]
    fn escapes_are_made_visible() {
        assert_eq!(visible("a\x1b[31mb\x07", false), "a^[[31mb^G");
        assert_eq!(visible("x\u{9b}2J", false), "x\\u{9b}2J");
        assert_eq!(visible("ok", false), "ok");
        assert_eq!(visible("a\nb", true), "a\nb");
        assert_eq!(visible("a\nb", false), "a^Jb");
        assert_eq!(visible("a\rb", true), "a^Mb");
        assert_eq!(one_line("a\nb"), "a ⏎ b");
        assert_eq!(visible("\u{202e}abc", false), "\\u{202e}abc");
        // Joiners are text, not tricks.
        assert_eq!(visible("👨\u{200d}👩", false), "👨\u{200d}👩");
    }

    #[test]
    fn plain_ascii_is_passed_as_is_and_anything_after_it_checked() {
        assert!(matches!(visible("plain text\n", true), Cow::Borrowed(_)));
        assert_eq!(visible("plain\n", false), "plain^J");
        assert_eq!(
            visible("ascii then é\u{202e}x", true),
            "ascii then é\\u{202e}x"
        );
        assert_eq!(visible("é then \x1b", true), "é then ^[");
        assert!(matches!(json_safe("{\"a\":\"é\"}"), Cow::Borrowed(_)));
        assert_eq!(json_safe("\"abc\u{9b}\""), "\"abc\\u009b\"");
    }

    #[test]
    fn json_escapes_what_text_makes_visible() {
        assert_eq!(
            json_safe("\"a\u{7f}\u{9b}\u{202e}\u{200d}\""),
            "\"a\\u007f\\u009b\\u202e\u{200d}\""
        );
        assert_eq!(json_safe("[\n  \"x\"\n]"), "[\n  \"x\"\n]");
        let v: serde_json::Value = serde_json::from_str(&json_safe("\"\u{9b}2J\"")).unwrap();
        assert_eq!(v, "\u{9b}2J");
    }

    #[test]
    fn prose_is_cut_between_words() {
        let s = "Session features lift precision@10 over the baseline";
        assert_eq!(fit_words(s, 100), s);
        assert_eq!(fit_words(s, 34), "Session features lift…");
        assert_eq!(fit(s, 34), "Session features lift precision@1…");
        assert!(width(&fit_words(s, 34)) <= 34);
        // No space in the second half: cut at a character.
        assert_eq!(fit_words("a precision@10_weekend", 12), "a precision…");
    }

    #[test]
    fn grid_text_has_one_width_everywhere() {
        assert_eq!(for_grid("👨\u{200d}👩\u{200d}👧"), "👨👩👧");
        assert_eq!(for_grid("👍\u{1f3fd}"), "👍");
        assert_eq!(for_grid("❤\u{fe0f}"), "❤");
        assert_eq!(for_grid("e\u{301}"), "e\u{301}");
        assert_eq!(for_grid("\u{301}x"), "\\u{301}x");
        assert_eq!(for_grid("a\u{301}\u{302}\u{303}\u{304}"), "a\u{301}\u{302}");
        assert_eq!(for_grid("plain"), "plain");
    }

    #[test]
    fn typos_find_their_word() {
        let lanes = [
            "business-understanding",
            "modeling",
            "evaluation",
            "deployment",
        ];
        assert_eq!(did_you_mean("modelling", lanes), Some("modeling"));
        assert_eq!(did_you_mean("Evalution", lanes), Some("evaluation"));
        assert_eq!(did_you_mean("deplyoment", lanes), Some("deployment"));
        assert_eq!(did_you_mean("training", lanes), None);
        assert_eq!(
            did_you_mean("modeling", lanes),
            None,
            "an exact match is no typo"
        );
        assert_eq!(did_you_mean("ab", ["ac", "ad"]), None, "a tie says nothing");
        assert_eq!(count(1, "card", "cards"), "1 card");
        assert_eq!(count(0, "card", "cards"), "0 cards");
    }
}
