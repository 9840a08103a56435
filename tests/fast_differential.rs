//! Differential test of the fast reader (`lanes::store::yaml::fast`)
//! against the full YAML parser (serde_yaml, which `parse_card` falls back
//! to).
//!
//! On generated card files, and on those files mutated at the byte, token
//! and line level with YAML-significant text, the fast reader gives exactly
//! the full parser's value, or defers (`None`). It never gives a different
//! value, and never a value where the full parser reports an error.
//!
//! Case counts are modest by default; `PROPTEST_CASES=100000 cargo test
//! --release --test fast_differential` runs a longer search.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

use lanes::model::{Card, ChecklistItem, Direction, Experiment, Hypothesis, JournalEntry, Verdict};
use lanes::store::yaml::fast;
use lanes::store::{parse_card, render_card};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_yaml::{Mapping, Value};

/// The property: the fast reader agrees with the full parser or defers.
fn agrees(text: &str) -> Result<(), TestCaseError> {
    let Some(fast) = fast::parse(text) else {
        return Ok(());
    };
    match serde_yaml::from_str::<Value>(text) {
        Ok(full) => prop_assert_eq!(
            &fast,
            &full,
            "fast reader and full parser differ on {:?}",
            text
        ),
        Err(e) => prop_assert!(
            false,
            "fast reader read {:?} where the full parser fails ({}) on {:?}",
            fast,
            e,
            text
        ),
    }
    Ok(())
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------
// Raw YAML pieces

/// Keys cards have, and others lanes would keep.
const KEYS: &[&str] = &[
    "id",
    "title",
    "lane",
    "rank",
    "kind",
    "labels",
    "assignees",
    "created",
    "due",
    "archived",
    "body",
    "hypothesis",
    "checklist",
    "journal",
    "text",
    "x-custom",
    "k_1",
    "_k",
];

/// Keys YAML reads as something other than their text (numbers, booleans,
/// null), and keys that are not plain.
const ODD_KEYS: &[&str] = &[
    "1", "0", "-1", "007", "0x1f", "1e3", "1_0", "true", "False", "null", "NULL", "yes", "y", "on",
    "inf", "nan", "~", "-k", "\"id\"", "'id'", "? id", "id ", " id", "a b", "<<", "&a id",
    "!!str id", "[id]", "{id}", "#id", "日本", "id\u{85}",
];

/// Scalars as written after `key: ` or `- `: ordinary text, and the text
/// YAML resolves to numbers, booleans and null.
const SCALARS: &[&str] = &[
    "0",
    "12",
    "-3",
    "0.25",
    "-1.5",
    "true",
    "False",
    "null",
    "~",
    "yes",
    "no",
    "2026-11-27",
    "2026-11-27T03:43:19Z",
    "modeling",
    "Session-recency features",
    "i",
    "p@10",
    "a-b_c",
    "it's",
    "say \"hi\"",
    "50%",
    "a, b",
    "a]",
    "a{b}",
    "a#b",
    "a:b",
    "http://x.y/z",
    "-rf",
    "日本語",
    "🚀 launch",
    "a\u{a0}b",
    "a\\b",
    "C:\\path",
    "'it''s'",
    "'a # b'",
    "\"q\"",
    "\"\"",
    "''",
    "\"a\\\"b\"",
    "\"\\t\\n\\r\\e\\0\\a\\b\\f\\v\\/\\\\\"",
    "\"\\x41\\u00e9\\U0001F680\"",
    "\"a#\"",
    "[]",
    "{}",
];

/// Scalars YAML reads as something other than text, or not at all, or
/// that the fast reader is likely to get wrong.
const ODD_SCALARS: &[&str] = &[
    "0",
    "1",
    "-1",
    "-0",
    "+1",
    "+0",
    "007",
    "-007",
    "1.5",
    "-0.25",
    "0.1",
    "1.",
    ".5",
    "-.5",
    "1e3",
    "1E-3",
    "1.5e3",
    "0x1f",
    "0X1F",
    "0o17",
    "0b101",
    "1_000",
    "99999999999999999999",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    ".inf",
    "-.inf",
    "+.inf",
    ".nan",
    ".NaN",
    "inf",
    "-inf",
    "nan",
    "infinity",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Yes",
    "true",
    "True",
    "TRUE",
    "tRUE",
    "false",
    "null",
    "Null",
    "NULL",
    "nULL",
    "~",
    "",
    "2026-11-27",
    "2026-11-27T03:43:19Z",
    "2026-1-1",
    "2026-11-27 03:43:19",
    "12:30",
    "1:2:3",
    "3fk2a9",
    "47qdpg8hn0",
    "0xzz",
    "0x",
    "a#b",
    "a # c",
    "a #c",
    "a: b",
    "a:b",
    "a:",
    "http://x.y/z",
    "-rf",
    "- x",
    "-",
    "--",
    "---",
    "...",
    "? x",
    "?x",
    ":x",
    ": x",
    "@x",
    "`x`",
    "%x",
    "&a x",
    "&a",
    "*a",
    "!!str 1",
    "!!int \"1\"",
    "!t x",
    "!",
    "[]",
    "{}",
    "[ ]",
    "[a, b]",
    "{a: 1}",
    "[a",
    "a]",
    "a, b",
    "a{b}",
    "\"q\"",
    "\"\"",
    "''",
    "'it''s'",
    "'a'b'",
    "'a''",
    "\"a\\\"b\"",
    "\"\\t\\n\\r\\e\\0\\a\\b\\f\\v\\/\\\\\"",
    "\"\\x41\\u00e9\\U0001F680\"",
    "\"\\x+1\"",
    "\"\\u+041\"",
    "\"\\x-1\"",
    "\"\\xg1\"",
    "\"\\ud800\"",
    "\"\\U00110000\"",
    "\"\\q\"",
    "\"\\N\\_\\L\\P\\ \"",
    "\"\\",
    "\"a\" b",
    "'a' b",
    "\"a\" # c",
    "\"a",
    "'a",
    "\"a#\"",
    "日本語",
    "🚀 launch",
    "a\u{a0}b",
    "x\u{85}y",
    "\"x\u{85}y\"",
    "x\u{2028}y",
    "x\u{2029}y",
    "\u{feff}x",
    "x\u{feff}",
    "a\u{1}b",
    "\"a\u{1}b\"",
    "a\u{7f}b",
    "a\u{9f}b",
    "a\u{fffe}b",
    "a\u{ffff}",
    "|",
    "|-",
    "|+",
    "|2",
    ">",
    ">-",
    "| ",
    "| # c",
    "a\\b",
    "C:\\path",
    "'",
    "\"",
    "#",
    "# c",
    "a #",
    "a#",
    "a  b",
    "a ",
    " a",
    "\t",
    "a\tb",
    "<<<<<<< HEAD",
    "=======",
];

/// What goes between `key:` and a value.
const SEPS: &[&str] = &["  ", "   ", "    ", "", "\t", " \t", "\t "];

/// Lines of block scalar bodies.
const BODY_LINES: &[&str] = &[
    "text",
    "more text",
    "text",
    "more text",
    "",
    "",
    " ",
    "  ",
    " lead",
    "trail ",
    "# not a comment",
    "- not an item",
    "key: not a key",
    "---",
    "...",
    "\"quoted\"",
    "日本語",
];

/// Lines of block scalar bodies with characters YAML treats specially.
const ODD_BODY_LINES: &[&str] = &[
    "x\u{85}y",
    "x\u{2028}y",
    "a\u{1}b",
    "\u{feff}",
    "\u{feff}x",
    "tab\there",
    "cr\r",
];

/// Whole lines to insert.
const LINES: &[&str] = &[
    "",
    " ",
    "  ",
    "   ",
    "# comment",
    "  # comment",
    "---",
    "...",
    "--- # doc",
    "--- x",
    "%YAML 1.2",
    "%TAG ! tag:x,2000:",
    "- x",
    "  - x",
    "-",
    "x: 1",
    "  x: 1",
    "    x: 1",
    " x: 1",
    "id: dup",
    "lane: dup",
    "<<: *a",
    "? k",
    ": v",
    "  more text",
    "   more",
    "<<<<<<< HEAD",
    "=======",
    ">>>>>>> theirs",
    "lane:  modeling",
    "title:   spaced",
    "a: &a x",
    "b: *a",
    "\u{feff}id: bom",
    "\tx: tab",
];

/// Tokens to insert or replace with.
const TOKENS: &[&str] = &[
    " ", "  ", "\t", "\n", "\r", "\r\n", ":", ": ", " #", "#", " # c", "-", "- ", "?", "? ", ",",
    "[", "]", "{", "}", "&a ", "*a", "!!str ", "!x ", "|", "|-", ">", "'", "''", "\"", "\\", "\\x",
    "\\u00", "\\n", "+", "x+1", "u+04", "x4", "u00e", "~", "null", "true", "yes", "0x", "1e3",
    "007", "0", "1", ".", ".inf", "%", "@", "`", "---", "...", "\u{feff}", "\u{85}", "\u{2028}",
    "\u{a0}", "\u{1}", "\u{7f}", "\u{9f}", "\u{fffe}", "é", "🚀", "x",
];

// ---------------------------------------------------------------------------
// Generated documents: block mappings and sequences, styled freely

#[derive(Debug, Clone)]
enum Node {
    /// A scalar written on the key's line.
    Scalar(&'static str),
    /// A block scalar: header, then (extra indentation, text) lines.
    Block(&'static str, Vec<(usize, &'static str)>),
    /// A nested mapping, `step` columns deeper.
    Map(usize, Vec<Entry>),
    /// A nested sequence, `step` columns deeper.
    Seq(usize, Vec<Node>),
}

fn step() -> impl Strategy<Value = usize> {
    prop_oneof![30 => Just(2usize), 1 => select(vec![0usize, 1, 3, 4])]
}

fn key() -> BoxedStrategy<&'static str> {
    prop_oneof![30 => select(KEYS), 1 => select(ODD_KEYS)].boxed()
}

fn sep() -> BoxedStrategy<&'static str> {
    prop_oneof![25 => Just(" "), 1 => select(SEPS)].boxed()
}

fn leaf() -> BoxedStrategy<Node> {
    let header = prop_oneof![
        20 => select(vec!["|", "|-", "|+"]),
        1 => select(vec!["|2", "|1-", "|+2", ">", ">-", "|  ", "| # c"]),
    ];
    let line = prop_oneof![
        12 => (Just(0usize), select(BODY_LINES)),
        1 => (1usize..4, select(BODY_LINES)),
        1 => (Just(0usize), select(ODD_BODY_LINES)),
    ];
    prop_oneof![
        20 => select(SCALARS).prop_map(Node::Scalar),
        1 => select(ODD_SCALARS).prop_map(Node::Scalar),
        4 => (header, proptest::collection::vec(line, 1..5))
            .prop_map(|(h, lines)| Node::Block(h, lines)),
        1 => select(vec!["|", "|-", "|+"]).prop_map(|h| Node::Block(h, Vec::new())),
    ]
    .boxed()
}

fn node() -> BoxedStrategy<Node> {
    leaf()
        .prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                (
                    step(),
                    proptest::collection::vec((key(), sep(), inner.clone()), 1..5)
                )
                    .prop_map(|(s, entries)| Node::Map(s, distinct(entries))),
                (
                    step(),
                    proptest::collection::vec(prop_oneof![4 => leaf(), 1 => inner], 1..4)
                )
                    .prop_map(|(s, items)| Node::Seq(s, items)),
            ]
        })
        .boxed()
}

type Entry = (&'static str, &'static str, Node);

/// Entries with distinct keys (duplicates come from the mutations).
fn distinct(mut entries: Vec<Entry>) -> Vec<Entry> {
    let mut seen = std::collections::HashSet::new();
    entries.retain(|(k, _, _)| seen.insert(*k));
    entries
}

fn document() -> BoxedStrategy<String> {
    proptest::collection::vec((key(), sep(), node()), 1..8)
        .prop_map(|entries| {
            let mut out = String::new();
            for (k, sep, v) in &distinct(entries) {
                entry(&mut out, 0, k, sep, v);
            }
            out
        })
        .boxed()
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// `key:<sep><value>` at column `ind` (the indentation already written
/// when `inline`).
fn entry(out: &mut String, ind: usize, key: &str, sep: &str, v: &Node) {
    pad(out, ind);
    entry_inline(out, ind, key, sep, v);
}

fn entry_inline(out: &mut String, ind: usize, key: &str, sep: &str, v: &Node) {
    out.push_str(key);
    out.push(':');
    after_indicator(out, ind, sep, v);
}

/// A value after `key:` or `-` at column `ind`.
fn after_indicator(out: &mut String, ind: usize, sep: &str, v: &Node) {
    match v {
        Node::Scalar(s) => {
            out.push_str(sep);
            out.push_str(s);
            out.push('\n');
        }
        Node::Block(header, lines) => {
            out.push_str(sep);
            out.push_str(header);
            out.push('\n');
            for (extra, line) in lines {
                if !line.is_empty() {
                    pad(out, ind + 2 + extra);
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        Node::Map(step, entries) => {
            out.push('\n');
            for (k, s, v) in entries {
                entry(out, ind + step, k, s, v);
            }
        }
        Node::Seq(step, items) => {
            out.push('\n');
            for item in items {
                pad(out, ind + step);
                out.push('-');
                match item {
                    // A mapping item starts on the dash's line.
                    Node::Map(_, entries) => {
                        out.push(' ');
                        for (i, (k, s, v)) in entries.iter().enumerate() {
                            if i == 0 {
                                entry_inline(out, ind + step + 2, k, s, v);
                            } else {
                                entry(out, ind + step + 2, k, s, v);
                            }
                        }
                    }
                    other => after_indicator(out, ind + step, " ", other),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Valid cards, as lanes writes them

fn text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(SCALARS).prop_map(str::to_string),
        1 => select(ODD_SCALARS).prop_map(str::to_string),
        2 => select(BODY_LINES).prop_map(str::to_string),
        1 => select(ODD_BODY_LINES).prop_map(str::to_string),
        2 => "[a-zA-Z0-9 ,.:#'\"-]{0,16}",
        2 => proptest::collection::vec(select(BODY_LINES), 1..4).prop_map(|l| l.join("\n")),
    ]
    .boxed()
}

fn number() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        select(SCALARS).prop_map(Value::from),
        select(ODD_SCALARS).prop_map(Value::from),
    ]
    .boxed()
}

fn card() -> BoxedStrategy<Card> {
    let lane = prop_oneof![
        select(vec!["modeling", "data-preparation", "done"]).prop_map(str::to_string),
        text(),
    ];
    let hypothesis = (
        proptest::option::of(text()),
        proptest::option::of(number()),
        proptest::option::of(number()),
        select(Verdict::ALL.to_vec()),
        proptest::option::of(text()),
    )
        .prop_map(
            |(statement, baseline, result, verdict, rationale)| Hypothesis {
                statement,
                metric: Some("p@10".into()),
                metric_key: Some("p_at_10".into()),
                direction: Some(Direction::Higher),
                baseline,
                target: None,
                result,
                verdict,
                rationale,
                extra: Mapping::new(),
            },
        );
    let experiment = (
        proptest::collection::vec(text(), 0..3),
        proptest::option::of(number()),
    )
        .prop_map(|(runs, cost)| Experiment {
            runs,
            cost,
            ..Default::default()
        });
    let journal = proptest::collection::vec(
        (text(), text()).prop_map(|(by, text)| JournalEntry {
            at: "2026-11-27T03:43:19Z".into(),
            by,
            text,
            extra: Mapping::new(),
        }),
        0..3,
    );
    let checklist = proptest::collection::vec(
        (text(), any::<bool>()).prop_map(|(text, done)| ChecklistItem {
            text,
            done,
            extra: Mapping::new(),
        }),
        0..3,
    );
    let extra = proptest::collection::vec((key(), number()), 0..3).prop_map(|kv| {
        kv.into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect::<Mapping>()
    });
    (
        ("[a-z0-9]{4,10}", text(), lane, "[0-9a-z]{0,3}[1-9a-z]"),
        (
            proptest::collection::vec(text(), 0..3),
            proptest::option::of(text()),
            any::<bool>(),
        ),
        (
            proptest::option::of(hypothesis),
            proptest::option::of(experiment),
            journal,
            checklist,
            extra,
        ),
    )
        .prop_map(
            |(
                (id, title, lane, rank),
                (labels, body, archived),
                (hypothesis, experiment, journal, checklist, extra),
            )| {
                let mut c = Card::new(id, title, lane, rank, "hypothesis".into());
                c.labels = labels;
                c.body = body;
                c.archived = archived;
                c.hypothesis = hypothesis.map(Box::new);
                c.experiment = experiment.map(Box::new);
                c.journal = journal;
                c.checklist = checklist;
                // Known fields belong to the card, not to its extras.
                c.extra = extra
                    .into_iter()
                    .filter(|(k, _)| {
                        !k.as_str()
                            .is_some_and(|k| lanes::model::field::top_keys().any(|t| t == k))
                    })
                    .collect();
                c
            },
        )
        .boxed()
}

// ---------------------------------------------------------------------------
// Mutations

#[derive(Debug, Clone)]
enum Mutation {
    InsertToken(Index, &'static str),
    ReplaceChar(Index, &'static str),
    DeleteChars(Index, usize),
    DuplicateRange(Index, usize),
    InsertLine(Index, &'static str),
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    Reindent(Index, usize, bool),
    TrailingSpaces(Index, usize),
    WidenSeparator(Index, usize),
    Truncate(Index),
    KeepLines(Index),
    AfterIndicator(Index, &'static str),
    Repeat(Index, usize, usize),
    ToggleFinalNewline,
    Crlf,
}

fn mutation() -> BoxedStrategy<Mutation> {
    prop_oneof![
        4 => (any::<Index>(), select(TOKENS)).prop_map(|(i, t)| Mutation::InsertToken(i, t)),
        3 => (any::<Index>(), select(TOKENS)).prop_map(|(i, t)| Mutation::ReplaceChar(i, t)),
        2 => (any::<Index>(), 1usize..4).prop_map(|(i, n)| Mutation::DeleteChars(i, n)),
        1 => (any::<Index>(), 1usize..12).prop_map(|(i, n)| Mutation::DuplicateRange(i, n)),
        3 => (any::<Index>(), select(LINES)).prop_map(|(i, l)| Mutation::InsertLine(i, l)),
        1 => any::<Index>().prop_map(Mutation::DeleteLine),
        1 => any::<Index>().prop_map(Mutation::DuplicateLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        2 => (any::<Index>(), 1usize..4, any::<bool>())
            .prop_map(|(i, n, more)| Mutation::Reindent(i, n, more)),
        2 => (any::<Index>(), 1usize..3).prop_map(|(i, n)| Mutation::TrailingSpaces(i, n)),
        3 => (any::<Index>(), 1usize..3).prop_map(|(i, n)| Mutation::WidenSeparator(i, n)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => any::<Index>().prop_map(Mutation::KeepLines),
        3 => (any::<Index>(), select(TOKENS)).prop_map(|(i, t)| Mutation::AfterIndicator(i, t)),
        1 => (any::<Index>(), 1usize..4, select(vec![2usize, 10, 100, 1100, 3000]))
            .prop_map(|(i, n, times)| Mutation::Repeat(i, n, times)),
        1 => Just(Mutation::ToggleFinalNewline),
        1 => Just(Mutation::Crlf),
    ]
    .boxed()
}

/// Byte offset of the `i`-th char boundary (the end included).
fn boundary(s: &str, i: &Index) -> usize {
    let n = s.chars().count() + 1;
    let k = i.index(n);
    s.char_indices().map(|(b, _)| b).nth(k).unwrap_or(s.len())
}

fn lines_of(s: &str) -> Vec<String> {
    s.split('\n').map(str::to_string).collect()
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut s = text.to_string();
    match m {
        Mutation::InsertToken(i, t) => {
            let at = boundary(&s, i);
            s.insert_str(at, t);
        }
        Mutation::ReplaceChar(i, t) => {
            let at = boundary(&s, i);
            let end = s[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            s.replace_range(at..end, t);
        }
        Mutation::DeleteChars(i, n) => {
            let at = boundary(&s, i);
            let end = s[at..]
                .char_indices()
                .nth(*n)
                .map_or(s.len(), |(b, _)| at + b);
            s.replace_range(at..end, "");
        }
        Mutation::DuplicateRange(i, n) => {
            let at = boundary(&s, i);
            let end = s[at..]
                .char_indices()
                .nth(*n)
                .map_or(s.len(), |(b, _)| at + b);
            let piece = s[at..end].to_string();
            s.insert_str(end, &piece);
        }
        Mutation::InsertLine(i, line) => {
            let mut lines = lines_of(&s);
            let at = i.index(lines.len());
            lines.insert(at, line.to_string());
            s = lines.join("\n");
        }
        Mutation::DeleteLine(i) => {
            let mut lines = lines_of(&s);
            lines.remove(i.index(lines.len()));
            s = lines.join("\n");
        }
        Mutation::DuplicateLine(i) => {
            let mut lines = lines_of(&s);
            let at = i.index(lines.len());
            let line = lines[at].clone();
            lines.insert(at, line);
            s = lines.join("\n");
        }
        Mutation::SwapLines(a, b) => {
            let mut lines = lines_of(&s);
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
            s = lines.join("\n");
        }
        Mutation::Reindent(i, n, more) => {
            let mut lines = lines_of(&s);
            let at = i.index(lines.len());
            let line = &mut lines[at];
            if *more {
                line.insert_str(0, &" ".repeat(*n));
            } else {
                let lead = line.len() - line.trim_start_matches(' ').len();
                line.replace_range(..lead.min(*n), "");
            }
            s = lines.join("\n");
        }
        Mutation::TrailingSpaces(i, n) => {
            let mut lines = lines_of(&s);
            let at = i.index(lines.len());
            lines[at].push_str(&" ".repeat(*n));
            s = lines.join("\n");
        }
        Mutation::WidenSeparator(i, n) => {
            // One more space after a `key:` or a `- `.
            let seps: Vec<usize> = s
                .match_indices(": ")
                .chain(s.match_indices("- "))
                .map(|(b, m)| b + m.len())
                .collect();
            if !seps.is_empty() {
                let at = seps[i.index(seps.len())];
                s.insert_str(at, &" ".repeat(*n));
            }
        }
        Mutation::Truncate(i) => {
            let at = boundary(&s, i);
            s.truncate(at);
        }
        Mutation::KeepLines(i) => {
            let lines = lines_of(&s);
            let keep = i.index(lines.len() + 1);
            s = lines[..keep].join("\n");
        }
        Mutation::AfterIndicator(i, t) => {
            // Right after a character YAML gives a meaning to.
            let at: Vec<usize> = s
                .match_indices(['\\', ':', '-', '|', '"', '\'', '#', '&', '*', '!'])
                .map(|(b, m)| b + m.len())
                .collect();
            if !at.is_empty() {
                s.insert_str(at[i.index(at.len())], t);
            }
        }
        Mutation::Repeat(i, n, times) => {
            let at = boundary(&s, i);
            let end = s[at..]
                .char_indices()
                .nth(*n)
                .map_or(s.len(), |(b, _)| at + b);
            let piece = s[at..end].repeat(*times);
            s.insert_str(end, &piece);
        }
        Mutation::ToggleFinalNewline => {
            if s.ends_with('\n') {
                s.pop();
            } else {
                s.push('\n');
            }
        }
        Mutation::Crlf => s = s.replace('\n', "\r\n"),
    }
    s
}

fn mutated(base: BoxedStrategy<String>, max: usize) -> BoxedStrategy<(String, String)> {
    (base, proptest::collection::vec(mutation(), 0..=max))
        .prop_map(|(text, ms)| {
            let out = ms.iter().fold(text.clone(), |t, m| apply(&t, m));
            (text, out)
        })
        .boxed()
}

// ---------------------------------------------------------------------------
// Scalars: how the text after `key: ` (or a key itself) resolves

/// Text made of what YAML scalars are made of: digits and letters that
/// spell numbers, booleans and null, signs, dots, indicators, quotes,
/// spaces and a few characters outside ASCII.
fn scalar_text() -> BoxedStrategy<String> {
    let plain = proptest::collection::vec(
        prop_oneof![
            6 => select(vec![
                "0", "1", "7", "9", "a", "b", "e", "E", "f", "x", "X", "o", "O", "n", "N",
                "i", "l", "u", "t", "r", "y", "s", "T", "F", "+", "-", ".", "_", ":",
            ]),
            1 => select(vec![
                " ", "#", "'", "\"", "\\", "~", "!", "&", "*", "|", ">", "%", "@", "`",
                ",", "[", "]", "{", "}", "?", "\u{a0}", "\u{85}", "é", "\u{feff}",
            ]),
            1 => select(vec![
                "null", "true", "false", "True", "NULL", "inf", "nan", ".inf", ".nan", "0x",
                "0o", "0b", "e3", "1e3",
            ]),
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat());
    let simple = select(vec![
        "0", "a", "b", "t", "n", "v", "f", "r", "e", " ", "\"", "/", "\\", "N", "_", "L", "P", "q",
        "'",
    ])
    .prop_map(|e| format!("\\{e}"));
    // `\x`, `\u`, `\U` and what may follow them.
    let hex = (
        select(vec!["x", "u", "U"]),
        proptest::collection::vec(
            prop_oneof![
                6 => select(vec!["0", "0", "4", "1", "9", "a", "F", "d8"]),
                1 => select(vec!["+", "-", "g", " ", "\"", "é"]),
            ],
            0..9,
        ),
    )
        .prop_map(|(e, digits)| format!("\\{e}{}", digits.concat()));
    let escape = prop_oneof![simple, hex];
    let double = proptest::collection::vec(prop_oneof![2 => "[a-z #:'é]{1,3}", 1 => escape], 0..4)
        .prop_map(|parts| format!("\"{}\"", parts.concat()));
    let single = "[a-z #:'\"é]{0,6}".prop_map(|t| format!("'{t}'"));
    prop_oneof![4 => plain, 2 => double, 1 => single].boxed()
}

/// Documents with the scalar in the places scalars go.
fn scalar_document() -> BoxedStrategy<String> {
    (scalar_text(), 0..5usize)
        .prop_map(|(t, place)| match place {
            0 => format!("id: abc\ntitle: {t}\n"),
            1 => format!("{t}: x\nlane: modeling\n"),
            2 => format!("labels:\n  - {t}\n  - b\n"),
            3 => format!("journal:\n  - at: x\n    {t}: y\n  - {t}: z\n"),
            _ => format!("h:\n  baseline: {t}\n  target:  {t}\n"),
        })
        .boxed()
}

fn canonical_card() -> BoxedStrategy<String> {
    card().prop_map(|c| render_card(&c, None)).boxed()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(600),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Cards as lanes writes them, and mutations of them.
    #[test]
    fn fast_reader_agrees_on_mutated_cards((original, text) in mutated(canonical_card(), 4)) {
        agrees(&original)?;
        agrees(&text)?;
    }

    /// Block YAML in any style, and mutations of it.
    #[test]
    fn fast_reader_agrees_on_mutated_documents((original, text) in mutated(document(), 3)) {
        agrees(&original)?;
        agrees(&text)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(5000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Scalars and keys of every style, resolved (small documents, so many
    /// more cases).
    #[test]
    fn fast_reader_agrees_on_scalars(text in scalar_document()) {
        agrees(&text)?;
    }
}

// ---------------------------------------------------------------------------
// Known answers

/// The full parser's value for a card file, through `parse_card`.
fn card_of(text: &str) -> Card {
    parse_card(".lanes/cards/abc.yaml", text.as_bytes())
        .unwrap_or_else(|p| panic!("{p}: {text:?}"))
        .card
}

#[test]
fn lane_after_two_spaces_is_the_lane() {
    let text = "id: abc\ntitle: t\nlane:  modeling\nrank: i\n";
    let full: Value = serde_yaml::from_str(text).unwrap();
    assert_eq!(full["lane"], Value::from("modeling"));
    if let Some(fast) = fast::parse(text) {
        assert_eq!(fast["lane"], Value::from("modeling"));
    }
    assert_eq!(card_of(text).lane, "modeling");
    // However wide the gap, and whatever the value's style.
    for (line, lane) in [
        ("lane:   modeling", "modeling"),
        ("lane:    \"modeling\"", "modeling"),
        ("lane:  'modeling'", "modeling"),
        ("lane:  modeling  # the lane", "modeling"),
    ] {
        let text = format!("id: abc\n{line}\n");
        agrees(&text).unwrap();
        assert_eq!(card_of(&text).lane, lane, "{text:?}");
    }
}

/// Each of these once read differently on the fast path (or read where
/// the full parser refuses the file).
#[test]
fn known_discrepancies_agree() {
    for text in [
        "lane:  modeling\n",
        "body:  |\n  text\n",
        "t:  \"q\"\n",
        "1: x\n",
        "0x1f: x\n",
        "true: x\n",
        "null: x\n",
        "list:\n  - 1: x\n",
        "t: \"\\x+1\"\n",
        "t: \"\\u+041\"\n",
        "t: a\u{85}b\n",
        "t: \"a\u{85}b\"\n",
        "t: a\u{2028}b\n",
        "t: a\u{1}b\n",
        "t: a\u{7f}b\n",
        "t: a\u{9f}b\n",
        "t: a\u{fffe}b\n",
        "t: a\u{feff}b\n",
        "t: |\n  a\u{85}b\n",
        "t: |\n  \n x\n",
        "t: |\n    \n  x\n",
        "",
    ] {
        agrees(text).unwrap();
    }
    let long_key = format!("{}: x\n", "k".repeat(1100));
    agrees(&long_key).unwrap();
}

/// The fast path still answers for what lanes writes (a reader that always
/// deferred would pass the properties above).
#[test]
fn canonical_files_still_take_the_fast_path() {
    for text in [
        "id: abc\ntitle: Session-recency features\nlane: modeling\nrank: i\n",
        "id: abc\nlane:  modeling\n",
        "id: abc\nlabels:\n  - a\n  - b\nbody: |\n  line\n\n  more\n",
        "id: abc\nt: \"\\x41\\u00e9\"\njournal:\n  - at: 2026-11-27T03:43:19Z\n    text: x\n",
    ] {
        assert!(fast::parse(text).is_some(), "{text:?}");
        agrees(text).unwrap();
    }
}
