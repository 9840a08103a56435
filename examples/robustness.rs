//! Robustness run: generated and mutated card files, board files, cache
//! files and three-way merge inputs, fed to lanes' readers, writers and
//! merge. Every case runs under `catch_unwind`, and a watchdog flags any
//! case that runs longer than `--hang-ms` (2 s) as a hang.
//!
//! ```text
//! cargo run --release --example robustness -- [--cases N] [--seed S]
//!     [--threads T] [--family card|board|codec|cache|merge]
//!     [--case I [--dump DIR]]
//! ```
//!
//! Families (`--cases` is the total, split 8:3:4:1:4):
//!
//! - `card`: card files -> the fast reader (compared with the full parser
//!   where it answers), `yaml::parse`, `parse_card`; a card that parses is
//!   rendered (`render_card`, fresh and spliced over the file's text) and
//!   must parse back to the same card; its cache encoding and JSON too.
//! - `board`: board.yaml -> `parse_board`; a board that parses is rendered
//!   (fresh and spliced) and must parse back to the same board.
//! - `codec`: encoded cards (what the card cache stores per card) ->
//!   `codec::head`, `codec::decode`; what decodes must encode and decode
//!   back the same.
//! - `cache`: the cache files themselves (`.git/lanes/cards-v1` and
//!   `index-v2` of a real temporary repository, both parsers private)
//!   mutated on disk, then `Board::load`, `Board::load_top`, `Index::load`
//!   and `list_json`, which must not fail. Results that differ from the
//!   card files are counted, not failed (`wrong-*`, and `invalid-json`
//!   when the listing is not JSON): this cache has no checksum, so a
//!   changed byte inside an entry whose file stamp still matches is read as
//!   it is.
//! - `merge`: base, ours and theirs (generated edits of one card, rendered,
//!   some mutated) -> `merge_card` for both winners; the merged card must
//!   render to a file that parses back to it. Swapping the sides and the
//!   winner should give the same card; when it does not, that is counted
//!   (`asymmetric`). Also `merge_board`, and 1 in 64 cases through
//!   `sync::merge_driver` on files, whose output must parse.
//!
//! Each case is generated from (seed, case index) alone: `--case I` reruns
//! case I by itself and prints its inputs. The exit status is non-zero if
//! any case panicked, hung or failed a check.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

#[path = "bench_common/mod.rs"]
mod bench_common;

// One random stream per case: `Rng::for_case(seed, index)`.
use bench_common::{number, Common, Rng, Uses};
use clap::Parser;
use lanes::merge::{merge_board, merge_card, Side};
use lanes::model::board::Settings;
use lanes::model::{
    BoardConfig, Card, ChecklistItem, CommitMode, Direction, Experiment, Hypothesis, JournalEntry,
    LabelDef, LaneDef, Verdict,
};
use lanes::store::yaml::{self, fast};
use lanes::store::{self, codec, Board, Index};
use serde_yaml::{Mapping, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Text pools

/// Text YAML likes to misread, and text with characters YAML treats
/// specially.
const TRICKY: &[&str] = &[
    "",
    " ",
    "null",
    "~",
    "true",
    "No",
    "yes",
    "0.5",
    "-0",
    "1e3",
    "0x1F",
    "0o17",
    "007",
    ".inf",
    "-.inf",
    ".nan",
    "2026-01-01",
    "2026-11-27T03:43:19Z",
    "12:30",
    "- dash",
    "-rf",
    "a: b",
    "key:",
    "#hash",
    "x # not a comment",
    "  leading spaces",
    "trailing spaces  ",
    "multi\nline",
    "multi\nline\n",
    "trailing\n\n\n",
    "\nstarts with a newline",
    "  indented\nblock",
    "tab\there",
    "cr\rlf",
    "crlf\r\nline",
    "quote ' and \"",
    "=======",
    "<<<<<<< HEAD",
    ">>>>>>> theirs",
    "ünïcödé 日本語 🚀",
    "@at",
    "`tick`",
    "[x]",
    "{y: 1}",
    "*star",
    "&anchor",
    "!tag",
    "!!str",
    "%percent",
    "| pipe",
    "> gt",
    "?",
    "? q",
    "-",
    "---",
    "...",
    "\\backslash",
    "esc \u{1b}[31m red",
    "nul \u{0} byte",
    "bell \u{7}",
    "del \u{7f}",
    "c1 \u{85} nel",
    "c1 \u{9f}",
    "ls \u{2028} ps \u{2029}",
    "bom \u{feff}",
    "\u{feff}bom first",
    "nonchar \u{fffe}",
    "nbsp\u{a0}#x",
    "lane:  modeling",
];

const WORDS: &[&str] = &[
    "session",
    "recency",
    "features",
    "baseline",
    "model",
    "eval",
    "data",
    "run",
    "p@10",
    "AUC",
    "cold-start",
    "Mei",
    "Raj",
    "Ana",
];

const LANES: &[&str] = &[
    "backlog",
    "modeling",
    "data-preparation",
    "evaluation",
    "done",
    "x",
    "a-b_c",
];

const KEYS: &[&str] = &[
    "x-custom", "owner", "links", "notes", "k_1", "1", "true", "null", "0x1f", "y", "a b", "<<",
];

fn gen_text(r: &mut Rng) -> String {
    match r.below(10) {
        0..=3 => r.pick(TRICKY).to_string(),
        4..=7 => {
            let n = r.between(1, 6);
            (0..n).map(|_| *r.pick(WORDS)).collect::<Vec<_>>().join(" ")
        }
        8 => {
            // Characters that matter to YAML, in any order.
            const CHARS: &[char] = &[
                'a', 'b', ' ', ' ', ':', '#', '-', '\'', '"', '\\', '\n', '\t', '\r', '[', '{',
                '&', '*', '!', '|', '>', '%', '@', 'é', '日', '🚀', '\u{1}', '\u{85}', '\u{2028}',
                '\u{feff}', '0', '.', 'e',
            ];
            let n = r.between(1, 16);
            (0..n).map(|_| *r.pick(CHARS)).collect()
        }
        _ => {
            // Many lines.
            let n = r.between(2, 12);
            (0..n)
                .map(|_| {
                    if r.odds(1, 4) {
                        String::new()
                    } else {
                        format!("{}{}", " ".repeat(r.below(3)), r.pick(WORDS))
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

fn gen_word(r: &mut Rng, alphabet: &[u8], lo: usize, hi: usize) -> String {
    let n = r.between(lo, hi);
    (0..n).map(|_| *r.pick(alphabet) as char).collect()
}

const LOWER_DIGITS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn gen_id(r: &mut Rng) -> String {
    gen_word(r, LOWER_DIGITS, 4, 12)
}

fn gen_rank(r: &mut Rng) -> String {
    let mut s = gen_word(r, LOWER_DIGITS, 0, 4);
    s.push(*r.pick(b"123456789abcdefghijklmnopqrstuvwxyz") as char);
    s
}

const DAY0: i64 = 1_767_225_600; // 2026-01-01

fn gen_date(r: &mut Rng) -> String {
    lanes::model::date::format_date(DAY0 / 86_400 + r.below(1000) as i64)
}

fn gen_stamp(r: &mut Rng) -> String {
    lanes::model::date::format_timestamp(DAY0 + r.below(50_000_000) as i64)
}

fn gen_scalar(r: &mut Rng) -> Value {
    match r.below(9) {
        0 => Value::Null,
        1 => Value::Bool(r.odds(1, 2)),
        2 => Value::from(r.next() as i64),
        3 => Value::from(r.below(1000) as u64),
        4 => Value::from((r.next() % 100_000) as f64 / 1000.0),
        5 => Value::from(*r.pick(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 1e300])),
        _ => Value::from(gen_text(r)),
    }
}

fn gen_value(r: &mut Rng, depth: usize) -> Value {
    if depth >= 3 {
        return gen_scalar(r);
    }
    match r.below(12) {
        0 | 1 => Value::Sequence((0..r.below(4)).map(|_| gen_value(r, depth + 1)).collect()),
        2 | 3 => {
            let mut m = Mapping::new();
            for _ in 0..r.below(4) {
                let k = if r.odds(1, 6) {
                    gen_scalar(r)
                } else {
                    Value::from(*r.pick(KEYS))
                };
                m.insert(k, gen_value(r, depth + 1));
            }
            Value::Mapping(m)
        }
        4 if r.odds(1, 4) => Value::Tagged(Box::new(serde_yaml::value::TaggedValue {
            tag: serde_yaml::value::Tag::new(*r.pick(&["x", "custom", "!str"])),
            value: gen_scalar(r),
        })),
        _ => gen_scalar(r),
    }
}

fn gen_extra(r: &mut Rng, known: &[&str]) -> Mapping {
    let mut m = Mapping::new();
    if r.odds(1, 3) {
        for _ in 0..r.between(1, 4) {
            let k = *r.pick(KEYS);
            if !known.contains(&k) {
                m.insert(Value::from(k), gen_value(r, 1));
            }
        }
    }
    m
}

fn opt<T>(r: &mut Rng, f: impl FnOnce(&mut Rng) -> T) -> Option<T> {
    if r.odds(1, 2) {
        Some(f(r))
    } else {
        None
    }
}

fn gen_card(r: &mut Rng) -> Card {
    let id = gen_id(r);
    let title = gen_text(r);
    let lane = if r.odds(4, 5) {
        r.pick(LANES).to_string()
    } else {
        gen_text(r)
    };
    let rank = if r.odds(9, 10) {
        gen_rank(r)
    } else {
        String::new()
    };
    let kind = r.pick(&["task", "hypothesis", "experiment"]).to_string();
    let mut c = Card::new(id, title, lane, rank, kind);
    c.labels = (0..r.below(4)).map(|_| gen_text(r)).collect();
    c.assignees = (0..r.below(3)).map(|_| r.pick(WORDS).to_string()).collect();
    c.created = opt(r, gen_date);
    c.due = opt(r, gen_date);
    c.archived = r.odds(1, 8);
    if r.odds(1, 4) {
        c.claim = Some(gen_claim(r));
    }
    if r.odds(1, 3) {
        c.hypothesis = Some(Box::new(Hypothesis {
            statement: opt(r, gen_text),
            metric: opt(r, gen_text),
            metric_key: opt(r, gen_text),
            direction: opt(r, |r| *r.pick(&[Direction::Higher, Direction::Lower])),
            baseline: opt(r, gen_scalar).filter(|v| !v.is_null()),
            target: opt(r, gen_scalar).filter(|v| !v.is_null()),
            result: opt(r, gen_scalar).filter(|v| !v.is_null()),
            verdict: *r.pick(&Verdict::ALL),
            rationale: opt(r, gen_text),
            extra: gen_extra(
                r,
                &[
                    "statement",
                    "metric",
                    "metric_key",
                    "direction",
                    "verdict",
                    "rationale",
                ],
            ),
        }));
    }
    if r.odds(1, 4) {
        c.experiment = Some(Box::new(Experiment {
            runs: (0..r.below(3)).map(|_| gen_text(r)).collect(),
            dataset: opt(r, gen_text),
            model: opt(r, gen_text),
            commit: opt(r, |r| gen_word(r, b"0123456789abcdef", 7, 40)),
            cost: opt(r, gen_scalar).filter(|v| !v.is_null()),
            extra: gen_extra(r, &["runs", "dataset", "model", "commit", "cost"]),
        }));
    }
    c.checklist = (0..r.below(4))
        .map(|_| ChecklistItem {
            text: gen_text(r),
            done: r.odds(1, 2),
            extra: gen_extra(r, &["text", "done"]),
        })
        .collect();
    c.journal = (0..r.below(4))
        .map(|_| JournalEntry {
            at: gen_stamp(r),
            by: r.pick(WORDS).to_string(),
            text: gen_text(r),
            extra: gen_extra(r, &["at", "by", "text"]),
        })
        .collect();
    c.body = opt(r, gen_text);
    // The team's own fields: any values (their types are board.yaml's).
    c.fields = gen_extra(r, &[]);
    let known: Vec<&str> = lanes::model::field::top_keys().collect();
    c.extra = gen_extra(r, &known);
    c
}

fn gen_claim(r: &mut Rng) -> lanes::model::Claim {
    lanes::model::Claim {
        by: r.pick(WORDS).to_string(),
        at: gen_stamp(r),
        until: opt(r, gen_stamp),
        extra: gen_extra(r, &["by", "at", "until"]),
    }
}

/// Edits of a card, as people and commands make them.
fn edit_card(r: &mut Rng, base: &Card) -> Card {
    let mut c = base.clone();
    for _ in 0..r.below(5) {
        match r.below(12) {
            0 => c.title = gen_text(r),
            1 => {
                c.lane = r.pick(LANES).to_string();
                c.rank = gen_rank(r);
            }
            2 => c.labels.push(gen_text(r)),
            3 => {
                if !c.labels.is_empty() {
                    let i = r.below(c.labels.len());
                    c.labels.remove(i);
                }
            }
            4 => c.journal.push(JournalEntry {
                at: gen_stamp(r),
                by: r.pick(WORDS).to_string(),
                text: gen_text(r),
                extra: Mapping::new(),
            }),
            5 => {
                if let Some(item) = c.checklist.first_mut() {
                    item.done = !item.done;
                } else {
                    c.checklist.push(ChecklistItem {
                        text: gen_text(r),
                        done: false,
                        extra: Mapping::new(),
                    });
                }
            }
            6 => {
                let h = c.hypothesis.get_or_insert_with(Default::default);
                h.verdict = *r.pick(&Verdict::ALL);
                h.result = Some(gen_scalar(r)).filter(|v| !v.is_null());
            }
            7 => c.due = opt(r, gen_date),
            8 => {
                c.extra.insert(Value::from(*r.pick(KEYS)), gen_value(r, 1));
            }
            9 => c.body = opt(r, gen_text),
            10 => c.archived = !c.archived,
            11 if r.odds(1, 2) => {
                c.claim = if c.claim.is_some() && r.odds(1, 2) {
                    None
                } else {
                    Some(gen_claim(r))
                };
            }
            _ => c.assignees.push(r.pick(WORDS).to_string()),
        }
    }
    c
}

fn gen_board(r: &mut Rng) -> BoardConfig {
    let mut lanes: Vec<LaneDef> = Vec::new();
    for _ in 0..r.between(1, 7) {
        let id = if r.odds(2, 3) {
            r.pick(LANES).to_string()
        } else {
            gen_word(r, b"abcdefghijklmnopqrstuvwxyz0123456789-_", 1, 12)
        };
        if lanes.iter().any(|l| l.id == id) {
            continue;
        }
        lanes.push(LaneDef {
            title: gen_text(r),
            id,
            wip: opt(r, |r| r.below(12) as u32),
            exit: opt(r, gen_text),
            done: r.below(4) == 0,
            color: opt(r, |r| r.pick(lanes::model::board::COLORS).to_string()),
            extra: gen_extra(r, &["id", "title", "wip", "exit", "done", "color"]),
        });
    }
    let colors = lanes::model::board::COLORS;
    // Budgets: one per unit (two for one unit and period are refused).
    let mut units = vec!["GPU-hours", "USD", "$", "CPU-hours"];
    let budgets = lanes::model::Budgets {
        entries: (0..r.below(3))
            .map(|_| {
                let unit = units.remove(r.below(units.len()));
                lanes::model::BudgetEntry::Read(lanes::model::Budget {
                    unit: unit.to_string(),
                    amount: (1 + r.below(5000)) as f64,
                    period: *r.pick(&lanes::model::BudgetPeriod::ALL),
                    extra: gen_extra(r, &["unit", "amount", "period"]),
                })
            })
            .collect(),
        whole: None,
    };
    BoardConfig {
        name: gen_text(r),
        description: opt(r, gen_text),
        lanes,
        labels: (0..r.below(4))
            .map(|_| LabelDef {
                name: gen_text(r),
                color: opt(r, |r| r.pick(colors).to_string()),
                extra: gen_extra(r, &["name", "color"]),
            })
            .collect(),
        kinds: (0..r.below(4)).map(|_| r.pick(WORDS).to_string()).collect(),
        settings: Settings {
            commit: *r.pick(&[CommitMode::Auto, CommitMode::Manual]),
            extra: gen_extra(r, &["commit"]),
        },
        budgets,
        views: Default::default(),
        fields: Default::default(),
        fields_raw: None,
        agents: lanes::model::board::Agents {
            require_evidence: opt(r, |r| r.odds(1, 2)),
            claim_for: opt(r, |r| r.pick(&["30m", "4h", "2d"]).to_string()),
            extra: gen_extra(r, &["require_evidence", "claim_for"]),
        },
        extra: gen_extra(r, lanes::model::board::BOARD_KEYS),
        problems: Vec::new(),
    }
}

fn edit_board(r: &mut Rng, base: &BoardConfig) -> BoardConfig {
    let mut b = base.clone();
    for _ in 0..r.below(4) {
        match r.below(6) {
            0 => b.name = gen_text(r),
            1 => {
                let id = gen_word(r, b"abcdefghij-", 1, 8);
                if b.lane(&id).is_none() {
                    b.lanes.push(LaneDef {
                        title: gen_text(r),
                        id,
                        ..Default::default()
                    });
                }
            }
            2 => {
                if b.lanes.len() > 1 {
                    let i = r.below(b.lanes.len());
                    b.lanes.remove(i);
                }
            }
            3 => {
                if let Some(l) = b.lanes.first_mut() {
                    l.wip = opt(r, |r| r.below(9) as u32);
                    l.title = gen_text(r);
                }
            }
            4 => b.labels.push(LabelDef {
                name: gen_text(r),
                ..Default::default()
            }),
            _ => {
                b.settings.commit = *r.pick(&[CommitMode::Auto, CommitMode::Manual]);
            }
        }
    }
    b
}

/// Card files as people write them (not as lanes does).
const STYLED_CARDS: &[&str] = &[
    "# a card\nid: abc123\ntitle: 'Styled  card' # trailing\nlane:  modeling\nrank: i\nlabels: [a, b, \"c d\"]\nassignees:\n- Mei\n- Raj\nhypothesis: {statement: s, verdict: open, baseline: 0.21}\njournal:\n  - {at: 2026-01-01T00:00:00Z, by: x, text: y}\nbody: >\n  folded\n  text\n",
    "id: abc123\r\ntitle: crlf\r\nlane: modeling\r\nrank: i\r\nbody: |\r\n  two\r\n  lines\r\n",
    "\u{feff}id: abc123\nlane: modeling\n",
    "---\nid: abc123\nlane: modeling\n...\n",
    "id: &i abc123\nlane: modeling\ntitle: *i\n",
    "id: !!str abc123\nlane: modeling\nrank: !!str 1\ntitle: !custom x\n",
    "{id: abc123, lane: modeling, title: flow, labels: [a, b]}\n",
    "id: abc123\nlane: modeling\nchecklist:\n  - write it\n  - text: test it\n    done: true\nexperiment:\n  runs: [r1, r2]\n  cost: 12.5\n",
    "id: abc123\nlane: modeling\nextra: &x {a: 1}\nmore: *x\n<<: {z: 1}\n",
    "? id\n: abc123\nlane: modeling\n",
    "id: abc123\nlane: modeling\ntitle: \"esc \\e \\x41 \\u00e9 \\U0001F680 \\N \\_ \\L \\P\"\nbody: |2-\n    indented\n  less\n",
    "id: abc123\nlane: modeling\njournal:\n  - at: 2026-01-01\n    text: |+\n      kept\n\n\n  - at: 2026-01-02T00:00:00Z\n",
    "id: abc123\nlane: modeling\nhypothesis:\n  baseline: 0x1f\n  target: 1e3\n  result: .nan\n  direction: higher\n",
    "id:\tabc123\nlane: modeling\n",
];

const STYLED_BOARDS: &[&str] = &[
    "name: B\nlanes: [{id: a}, {id: b, wip: 2}]\nlabels: [x, {name: y, color: red}]\nsettings: {commit: manual}\n",
    "# board\nname: 'B'\nlanes:\n- id: a\n  title: A # comment\n- id: b\n  exit: >\n    folded\nkinds: [task]\n",
    "name: B\r\nlanes:\r\n  - id: a\r\n",
    "lanes:\n  - &l {id: a, title: A}\n  - *l\n",
];

// ---------------------------------------------------------------------------
// Mutations

/// YAML-significant bytes, broken UTF-8, NUL, controls, conflict markers.
const TOKENS: &[&[u8]] = &[
    b": ",
    b":",
    b"  ",
    b" ",
    b"\t",
    b"\n",
    b"\r\n",
    b"\r",
    b"- ",
    b"-",
    b"? ",
    b"# c",
    b"#",
    b"'",
    b"''",
    b"\"",
    b"\\",
    b"\\x",
    b"\\x+1",
    b"\\u",
    b"\\U0010FFFF",
    b"\\U00110000",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b"&a ",
    b"*a",
    b"*nope",
    b"!!str ",
    b"!!binary ",
    b"!!int ",
    b"!!map ",
    b"!x ",
    b"!<tag:x> ",
    b"|",
    b"|-",
    b"|+",
    b"|2",
    b"|9",
    b">",
    b">-",
    b"~",
    b"null",
    b"true",
    b"yes",
    b"0x1f",
    b"1e3",
    b"-.inf",
    b".nan",
    b"007",
    b"99999999999999999999999",
    b"%YAML 1.2\n",
    b"%TAG ! tag:x,2000:\n",
    b"---\n",
    b"...\n",
    b"--- ",
    b"<<: *a\n",
    b"<<: [*a, *a]\n",
    b"\xef\xbb\xbf",
    b"\xc2\x85",
    b"\xe2\x80\xa8",
    b"\x00",
    b"\x01",
    b"\x1b[2J",
    b"\x7f",
    b"\xff",
    b"\xfe",
    b"\xc3",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xc0\xaf",
    b"<<<<<<< HEAD\n",
    b"=======\n",
    b">>>>>>> theirs\n",
    b"id: ",
    b"id: zz\n",
    b"lane: ",
    b"rank: ",
    b"rank: 0\n",
    b"archived: yes\n",
    b"due: 2026-02-30\n",
    b"journal:\n  - at: 2026-01-01\n",
    b"journal: x\n",
    b"hypothesis:\n  verdict: ",
    b"hypothesis: [1]\n",
    b"checklist:\n  - ",
    b"checklist:\n  - done: true\n",
    b"labels: {a: 1}\n",
    b"lanes: []\n",
    b"lanes:\n  - id: A B\n",
    b"lanes:\n  - id: a\n  - id: a\n",
    b"settings:\n  commit: never\n",
    b"wip: -1\n",
];

/// Billion laughs.
const ALIAS_BOMB: &str = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";

/// Largest input made (a bit over the 1 MiB limit for board files).
const MAX_INPUT: usize = yaml::MAX_FILE_BYTES + 64 * 1024;

fn line_starts(b: &[u8]) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(
        b.iter()
            .enumerate()
            .filter(|(_, &c)| c == b'\n')
            .map(|(i, _)| i + 1),
    );
    v
}

/// The line `i` as a range (without its newline).
fn line_range(b: &[u8], starts: &[usize], i: usize) -> std::ops::Range<usize> {
    let s = starts[i].min(b.len());
    let e = b[s..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| s + p);
    s..e
}

fn deep(r: &mut Rng) -> Vec<u8> {
    let n = *r.pick(&[8usize, 63, 64, 65, 100, 129, 1000, 10_000, 100_000]);
    match r.below(6) {
        0 => "[".repeat(n).into_bytes(),
        1 => "{a: ".repeat(n).into_bytes(),
        2 => "- ".repeat(n).into_bytes(),
        3 => "&a [".repeat(n.min(5000)).into_bytes(),
        4 => {
            // A block mapping ladder.
            let n = n.min(2000);
            let mut s = String::new();
            for i in 0..n {
                s.push_str(&" ".repeat(2 * i));
                s.push_str("k:\n");
            }
            s.into_bytes()
        }
        _ => {
            // A block sequence ladder.
            let n = n.min(2000);
            let mut s = String::new();
            for i in 0..n {
                s.push_str(&" ".repeat(2 * i));
                s.push_str("-\n");
            }
            s.into_bytes()
        }
    }
}

/// One mutation of a text file.
fn mutate_text(r: &mut Rng, b: &mut Vec<u8>) {
    let len = b.len();
    let at = r.below(len + 1);
    match r.below(20) {
        0 => {
            if len > 0 {
                let i = r.below(len);
                b[i] ^= 1 << r.below(8);
            }
        }
        1 => {
            if len > 0 {
                let i = r.below(len);
                b[i] = r.next() as u8;
            }
        }
        2..=5 => {
            let t = *r.pick(TOKENS);
            b.splice(at..at, t.iter().copied());
        }
        6 => {
            // A token at the start of a line, or after its indentation.
            let starts = line_starts(b);
            let s = starts[r.below(starts.len())].min(len);
            let s = if r.odds(1, 2) {
                s + b[s..].iter().take_while(|&&c| c == b' ').count()
            } else {
                s
            };
            let t = *r.pick(TOKENS);
            b.splice(s..s, t.iter().copied());
        }
        7 => {
            let end = (at + r.between(1, 16)).min(len);
            b.drain(at..end);
        }
        8 => {
            let end = (at + r.between(1, 64)).min(len);
            let piece = b[at..end].to_vec();
            b.splice(end..end, piece);
        }
        9 => b.truncate(at),
        10 => {
            let starts = line_starts(b);
            let (x, y) = (r.below(starts.len()), r.below(starts.len()));
            let (lx, ly) = (line_range(b, &starts, x), line_range(b, &starts, y));
            let (first, second) = if lx.start <= ly.start {
                (lx, ly)
            } else {
                (ly, lx)
            };
            if first.end <= second.start {
                let a = b[first.clone()].to_vec();
                let c = b[second.clone()].to_vec();
                b.splice(second, a);
                b.splice(first, c);
            }
        }
        11 => {
            let starts = line_starts(b);
            let l = line_range(b, &starts, r.below(starts.len()));
            let mut line = b[l.clone()].to_vec();
            line.push(b'\n');
            b.splice(l.start..l.start, line);
        }
        12 => {
            // Reindent a line.
            let starts = line_starts(b);
            let l = line_range(b, &starts, r.below(starts.len()));
            if r.odds(1, 2) {
                let n = r.between(1, 5);
                b.splice(l.start..l.start, std::iter::repeat_n(b' ', n));
            } else {
                let lead = b[l.clone()].iter().take_while(|&&c| c == b' ').count();
                let n = lead.min(r.between(1, 4));
                b.drain(l.start..l.start + n);
            }
        }
        13 => {
            // Repeat a piece: usually a few times, rarely up to the limit.
            let end = (at + r.between(1, 64)).min(len);
            let piece = b[at..end].to_vec();
            if !piece.is_empty() {
                let room = MAX_INPUT.saturating_sub(len) / piece.len();
                let times = if r.odds(1, 50) {
                    room
                } else {
                    r.below(room.min(2000) + 1)
                };
                let rep = piece.repeat(times);
                b.splice(end..end, rep);
            }
        }
        14 => {
            let d = deep(r);
            b.splice(at..at, d);
        }
        15 => {
            let starts = line_starts(b);
            let s = starts[r.below(starts.len())].min(len);
            b.splice(s..s, ALIAS_BOMB.bytes());
        }
        16 => {
            // Conflict markers around some lines.
            let starts = line_starts(b);
            let x = r.below(starts.len());
            let y = (x + r.between(1, 4)).min(starts.len() - 1);
            let (s, e) = (starts[x].min(len), starts[y].min(len));
            let mid = b[s..e].to_vec();
            let mut block = b"<<<<<<< HEAD\n".to_vec();
            block.extend_from_slice(&mid);
            block.extend_from_slice(b"=======\n");
            block.extend_from_slice(&mid);
            block.extend_from_slice(b">>>>>>> theirs\n");
            b.splice(s..e, block);
        }
        17 => {
            // Line endings, the final newline, a byte order mark.
            match r.below(3) {
                0 => {
                    let crlf: Vec<u8> = b
                        .iter()
                        .flat_map(|&c| {
                            if c == b'\n' {
                                vec![b'\r', b'\n']
                            } else {
                                vec![c]
                            }
                        })
                        .collect();
                    *b = crlf;
                }
                1 => {
                    if b.last() == Some(&b'\n') {
                        b.pop();
                    } else {
                        b.push(b'\n');
                    }
                }
                _ => {
                    b.splice(0..0, *b"\xef\xbb\xbf");
                }
            }
        }
        _ => {
            // Replace a value after `: ` with a token.
            let colons: Vec<usize> = b
                .windows(2)
                .enumerate()
                .filter(|(_, w)| w == b": ")
                .map(|(i, _)| i + 2)
                .collect();
            if !colons.is_empty() {
                let s = colons[r.below(colons.len())];
                let e = b[s..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| s + p);
                let t = *r.pick(TOKENS);
                b.splice(s..e, t.iter().copied());
            }
        }
    }
    b.truncate(MAX_INPUT);
}

/// One mutation of binary data (encoded cards, cache files).
fn mutate_binary(r: &mut Rng, b: &mut Vec<u8>) {
    let len = b.len();
    let at = r.below(len + 1);
    match r.below(10) {
        0..=2 => {
            if len > 0 {
                let i = r.below(len);
                b[i] ^= 1 << r.below(8);
            }
        }
        3 => {
            if len > 0 {
                let i = r.below(len);
                let any = r.next() as u8;
                b[i] = *r.pick(&[0, 1, 2, 0x7f, 0x80, 0xff, any]);
            }
        }
        4 => {
            // A number at its extremes (lengths, counts, stamps).
            let n = r.pick(&[1usize, 2, 4, 8, 16]).min(&len).to_owned();
            let i = r.below(len - n + 1);
            let fill = *r.pick(&[0x00u8, 0xff, 0x7f, 0x80]);
            b[i..i + n].iter_mut().for_each(|x| *x = fill);
        }
        5 => {
            const JUNK: &[&[u8]] = &[
                b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
                b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80",
                b"\x00",
                b"\x07\x08",
                b"\xff\xff\xff\x7f",
                b"\xc3",
                b"lanes-cards 2\n",
                b"lanes-index 3\n",
            ];
            let junk = *r.pick(JUNK);
            b.splice(at..at, junk.iter().copied());
        }
        6 => {
            let end = (at + r.between(1, 32)).min(len);
            b.drain(at..end);
        }
        7 => {
            let end = (at + r.between(1, 64)).min(len);
            let piece = b[at..end].to_vec();
            b.splice(end..end, piece);
        }
        8 => b.truncate(at),
        _ => {
            // Swap two pieces.
            let n = r.between(1, 17);
            if len >= 2 * n {
                let x = r.below(len - 2 * n + 1);
                let y = r.between(x + n, len - n + 1);
                for k in 0..n {
                    b.swap(x + k, y + k);
                }
            }
        }
    }
}

fn mutations(r: &mut Rng, b: &mut Vec<u8>, binary: bool) {
    let n = match r.below(20) {
        0..=2 => 0,
        3..=16 => r.between(1, 4),
        _ => r.between(4, 13),
    };
    for _ in 0..n {
        if binary {
            mutate_binary(r, b);
        } else {
            mutate_text(r, b);
        }
    }
}

// ---------------------------------------------------------------------------
// Families

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
enum Family {
    Card,
    Board,
    Codec,
    Cache,
    Merge,
}

const FAMILIES: [(Family, &str, u64); 5] = [
    (Family::Card, "card", 8),
    (Family::Board, "board", 3),
    (Family::Codec, "codec", 4),
    (Family::Cache, "cache", 1),
    (Family::Merge, "merge", 4),
];

const SLOTS: u64 = 20;

fn family_of(index: u64) -> Family {
    let mut slot = index % SLOTS;
    for (f, _, w) in FAMILIES {
        if slot < w {
            return f;
        }
        slot -= w;
    }
    unreachable!("weights add up to SLOTS")
}

fn name_of(f: Family) -> &'static str {
    FAMILIES.iter().find(|x| x.0 == f).map_or("?", |x| x.1)
}

/// What one case found: counters to add, and a failed check if any.
#[derive(Default)]
struct Outcome {
    notes: Vec<&'static str>,
    failure: Option<String>,
}

/// Inputs of a case: what each is, and its bytes.
type Inputs = Vec<(String, Vec<u8>)>;

thread_local! {
    /// The inputs of the case, kept only for `--case` (and kept as they
    /// are made, so that a case that panics still shows them).
    static KEPT: RefCell<Option<Inputs>> = const { RefCell::new(None) };
}

fn keep(what: &str, bytes: &[u8]) {
    KEPT.with(|k| {
        if let Some(v) = k.borrow_mut().as_mut() {
            v.push((what.to_string(), bytes.to_vec()));
        }
    });
}

impl Outcome {
    fn note(&mut self, n: &'static str) {
        self.notes.push(n);
    }

    fn fail(&mut self, what: String) {
        if self.failure.is_none() {
            self.failure = Some(what);
        }
    }
}

fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let mut out = format!("{s:?}");
    if out.len() > 2000 {
        let mut cut = 2000;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str(&format!("... ({} bytes)", b.len()));
    }
    out
}

const REL: &str = ".lanes/cards/abc123.yaml";

/// The fast reader answers as the full parser does, or defers.
fn check_fast(text: &str, o: &mut Outcome) {
    if let Some(v) = fast::parse(text) {
        o.note("fast-answered");
        match serde_yaml::from_str::<Value>(text) {
            Ok(full) if full == v => {}
            Ok(full) => o.fail(format!("fast reader {v:?} != full parser {full:?}")),
            Err(e) => o.fail(format!("fast reader {v:?}, full parser fails: {e}")),
        }
    }
}

/// A parsed card renders to text that parses back to it, fresh and spliced
/// over `previous` (as lanes writes an edited file).
fn check_card_round_trip(card: &Card, previous: Option<&str>, o: &mut Outcome) {
    for prev in [None, previous] {
        let text = store::render_card(card, prev);
        match store::parse_card(REL, text.as_bytes()) {
            Ok(back) if back.card == *card => {}
            Ok(back) => o.fail(format!(
                "render_card (over {}) reads back differently:\n  card {card:?}\n  back {:?}\n  text {text:?}",
                if prev.is_some() { "the file" } else { "nothing" },
                back.card
            )),
            Err(p) => o.fail(format!(
                "render_card (over {}) does not parse: {p}\n  card {card:?}\n  text {text:?}",
                if prev.is_some() { "the file" } else { "nothing" },
            )),
        }
        if previous.is_none() {
            break;
        }
    }
}

fn check_board_round_trip(config: &BoardConfig, previous: Option<&str>, o: &mut Outcome) {
    for prev in [None, previous] {
        let text = store::render_board(config, prev);
        match store::parse_board(text.as_bytes()) {
            Ok(back) if back == *config => {}
            Ok(back) => o.fail(format!(
                "render_board reads back differently:\n  board {config:?}\n  back {back:?}\n  text {text:?}"
            )),
            Err(p) => o.fail(format!(
                "render_board does not parse: {p}\n  board {config:?}\n  text {text:?}"
            )),
        }
        if previous.is_none() {
            break;
        }
    }
}

fn card_case(r: &mut Rng, o: &mut Outcome) {
    let mut bytes = if r.odds(1, 7) {
        r.pick(STYLED_CARDS).as_bytes().to_vec()
    } else {
        let card = gen_card(r);
        store::render_card(&card, None).into_bytes()
    };
    mutations(r, &mut bytes, false);
    keep("card file", &bytes);
    let text = std::str::from_utf8(&bytes).ok();
    if let Some(t) = text {
        check_fast(t, o);
        // Error positions for a field path.
        const FIELDS: &[&str] = &["id", "hypothesis.verdict", "journal.1.at", "x.0"];
        let field = *r.pick(FIELDS);
        let _ = yaml::locate(t, field);
    }
    let _ = yaml::parse(&bytes);
    match store::parse_card(REL, &bytes) {
        Ok(lc) => {
            o.note("parsed");
            check_card_round_trip(&lc.card, text, o);
            if let Some(enc) = codec::encode_exact(&lc.card) {
                if codec::decode(&enc).as_ref() != Some(&lc.card) || codec::head(&enc).is_none() {
                    o.fail("codec: an exact encoding does not decode back".into());
                }
            }
            let json = store::json::card_bytes(&lc.card);
            if serde_json::from_slice::<serde_json::Value>(&json).is_err() {
                o.fail(format!("card JSON does not parse: {}", show(&json)));
            }
        }
        Err(_) => o.note("refused"),
    }
}

fn board_case(r: &mut Rng, o: &mut Outcome) {
    let mut bytes = match r.below(10) {
        0 => r.pick(lanes::templates::BUILTIN).1.as_bytes().to_vec(),
        1 => r.pick(STYLED_BOARDS).as_bytes().to_vec(),
        _ => store::render_board(&gen_board(r), None).into_bytes(),
    };
    mutations(r, &mut bytes, false);
    keep("board.yaml", &bytes);
    let text = std::str::from_utf8(&bytes).ok();
    if let Some(t) = text {
        check_fast(t, o);
    }
    match store::parse_board(&bytes) {
        Ok(config) => {
            o.note("parsed");
            check_board_round_trip(&config, text, o);
        }
        Err(_) => o.note("refused"),
    }
}

fn codec_case(r: &mut Rng, o: &mut Outcome) {
    let card = gen_card(r);
    let mut bytes = match codec::encode(&card) {
        Some(b) => b,
        None => {
            o.note("tagged");
            let mut c = card.clone();
            c.extra.clear();
            c.hypothesis = None;
            c.experiment = None;
            c.checklist.clear();
            c.journal.clear();
            codec::encode(&c).unwrap_or_default()
        }
    };
    mutations(r, &mut bytes, true);
    keep("encoded card", &bytes);
    if codec::head(&bytes).is_some() {
        o.note("head-read");
    }
    if let Some(c) = codec::decode(&bytes) {
        o.note("decoded");
        match codec::encode(&c).map(|b| codec::decode(&b)) {
            Some(Some(back)) if back == c => {}
            _ => o.fail(format!("codec: a decoded card does not encode back: {c:?}")),
        }
    }
}

/// A real temporary repository with a board, cards and lanes' caches, for
/// the `cache` family (one per worker thread).
struct CacheRig {
    _dir: tempfile::TempDir,
    root: PathBuf,
    cards_v1: PathBuf,
    index_v2: PathBuf,
    cards_seed: Vec<u8>,
    index_seed: Vec<u8>,
    config: BoardConfig,
    truth_cards: Vec<Card>,
    truth_json: Vec<u8>,
    truth_summaries: Vec<Option<store::index::Summary>>,
    ids: Vec<String>,
}

impl CacheRig {
    /// The board and card files; `prime` (after the files settle) writes
    /// the caches.
    fn create(seed: u64, worker: usize) -> CacheRig {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        git2::Repository::init(&root).expect("git init");
        let mut r = Rng::for_case(seed ^ 0xCAC4E, worker as u64);
        let config = BoardConfig {
            name: "Robustness".into(),
            lanes: LANES[..5]
                .iter()
                .map(|id| LaneDef {
                    id: id.to_string(),
                    title: id.to_string(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        fs::create_dir_all(root.join(store::CARDS_DIR)).expect("cards dir");
        fs::write(
            root.join(store::BOARD_FILE),
            store::render_board(&config, None),
        )
        .expect("board.yaml");
        let config = store::parse_board(&fs::read(root.join(store::BOARD_FILE)).unwrap())
            .expect("generated board parses");
        let mut ids = Vec::new();
        while ids.len() < 12 {
            let card = gen_card(&mut r);
            let text = store::render_card(&card, None);
            let Ok(lc) = store::parse_card(REL, text.as_bytes()) else {
                continue;
            };
            if ids.contains(&lc.card.id) || ["broken1", "other1"].contains(&lc.card.id.as_str()) {
                continue;
            }
            fs::write(root.join(store::card_path(&lc.card.id)), text).expect("card");
            ids.push(lc.card.id);
        }
        // One file that does not parse, one with another card's id.
        fs::write(root.join(store::card_path("broken1")), "id: [\n").expect("card");
        fs::write(
            root.join(store::card_path("other1")),
            format!("id: {}\nlane: x\n", ids[0]),
        )
        .expect("card");
        ids.push("broken1".into());
        ids.push("other1".into());
        ids.sort();
        let lanes_dir = root.join(".git").join("lanes");
        CacheRig {
            cards_v1: lanes_dir.join("cards-v1"),
            index_v2: lanes_dir.join("index-v2"),
            _dir: dir,
            root,
            cards_seed: Vec::new(),
            index_seed: Vec::new(),
            config,
            truth_cards: Vec::new(),
            truth_json: Vec::new(),
            truth_summaries: Vec::new(),
            ids,
        }
    }

    fn prime(&mut self) {
        let _ = fs::remove_file(&self.cards_v1);
        let _ = fs::remove_file(&self.index_v2);
        // Truth first, with no cache at all.
        let board = Board::load(&self.root).expect("board loads");
        self.truth_cards = board.cards;
        let _ = fs::remove_file(&self.cards_v1);
        // The cache with its JSON section, written by listing.
        store::list_json(&self.root, &self.config, |_| true, &mut self.truth_json).expect("list");
        self.cards_seed = fs::read(&self.cards_v1).expect("lanes wrote cards-v1");
        let index = Index::load(&self.root).expect("index loads");
        self.truth_summaries = self.ids.iter().map(|id| index.summary(id)).collect();
        self.index_seed = fs::read(&self.index_v2).expect("lanes wrote index-v2");
        // Both caches are trusted as written.
        let again = Board::load(&self.root).expect("board loads");
        assert_eq!(again.cards, self.truth_cards, "cached cards");
        assert_eq!(self.cards_seed, fs::read(&self.cards_v1).unwrap());
    }
}

fn cache_case(r: &mut Rng, o: &mut Outcome, rig: &mut CacheRig) {
    let mut cards = rig.cards_seed.clone();
    let mut index = rig.index_seed.clone();
    match r.below(10) {
        0..=4 => mutations(r, &mut cards, true),
        5..=8 => mutations(r, &mut index, true),
        _ => {
            mutations(r, &mut cards, true);
            mutations(r, &mut index, true);
        }
    }
    keep("cards-v1", &cards);
    keep("index-v2", &index);
    fs::write(&rig.cards_v1, &cards).expect("write cards-v1");
    fs::write(&rig.index_v2, &index).expect("write index-v2");
    match Board::load(&rig.root) {
        Ok(board) => {
            if board.cards != rig.truth_cards {
                o.note("wrong-cards");
            }
        }
        Err(e) => o.fail(format!("Board::load fails: {e:#}")),
    }
    fs::write(&rig.cards_v1, &cards).expect("write cards-v1");
    match Board::load_top(&rig.root, 2) {
        Ok(board) => {
            if board.cards.iter().any(|c| !rig.truth_cards.contains(c)) {
                o.note("wrong-top");
            }
        }
        Err(e) => o.fail(format!("Board::load_top fails: {e:#}")),
    }
    fs::write(&rig.cards_v1, &cards).expect("write cards-v1");
    let mut json = Vec::new();
    match store::list_json(&rig.root, &rig.config, |_| true, &mut json) {
        Ok(_) => {
            if json != rig.truth_json {
                o.note("wrong-json");
            }
            if serde_json::from_slice::<serde_json::Value>(&json).is_err() {
                // The JSON section is copied as it is (no checksum).
                o.note("invalid-json");
            }
        }
        Err(e) => o.fail(format!("list_json fails: {e:#}")),
    }
    match Index::load(&rig.root) {
        Ok(index) => {
            let summaries: Vec<_> = rig.ids.iter().map(|id| index.summary(id)).collect();
            if summaries != rig.truth_summaries {
                o.note("wrong-index");
            }
            for lane in &rig.config.lanes {
                let _ = index.lane_cards(&lane.id);
            }
            let _ = index.resolve_id(&rig.ids[r.below(rig.ids.len())][..2]);
        }
        Err(e) => o.fail(format!("Index::load fails: {e:#}")),
    }
}

/// Render, sometimes mutate, and parse one side of a merge.
fn side_text(r: &mut Rng, card: &Card, over: Option<&str>) -> Vec<u8> {
    let mut bytes = store::render_card(card, over).into_bytes();
    if r.odds(1, 3) {
        for _ in 0..r.between(1, 3) {
            mutate_text(r, &mut bytes);
        }
    }
    bytes
}

fn merge_case(r: &mut Rng, o: &mut Outcome, scratch: &Path) {
    let base = gen_card(r);
    let base_plain = store::render_card(&base, None);
    let ours = edit_card(r, &base);
    let theirs = edit_card(r, &base);
    let ob = side_text(r, &ours, Some(&base_plain));
    let tb = side_text(r, &theirs, Some(&base_plain));
    let bb = side_text(r, &base, None);
    keep("base", &bb);
    keep("ours", &ob);
    keep("theirs", &tb);
    let parse = |b: &[u8]| store::parse_card(REL, b).ok().map(|l| l.card);
    let base_text = std::str::from_utf8(&bb).ok();
    let bc = if r.odds(1, 10) { None } else { parse(&bb) };
    match (parse(&ob), parse(&tb)) {
        (Some(o_card), Some(t_card)) => {
            o.note("merged");
            let mut results = Vec::new();
            for winner in [Side::Ours, Side::Theirs] {
                let m = merge_card(bc.as_ref(), &o_card, &t_card, winner);
                if !m.conflicts.is_empty() {
                    o.note("conflicts");
                }
                let text = store::render_card(&m.card, base_text);
                match store::parse_card(REL, text.as_bytes()) {
                    Ok(back) if back.card == m.card => {}
                    Ok(back) => o.fail(format!(
                        "merged card reads back differently:\n  card {:?}\n  back {:?}",
                        m.card, back.card
                    )),
                    Err(p) => o.fail(format!("merged card does not parse: {p}\n  text {text:?}")),
                }
                results.push(m.card);
            }
            // The doc's promise: swapping the sides and the winner gives the
            // same card.
            let swapped = merge_card(bc.as_ref(), &t_card, &o_card, Side::Theirs);
            if swapped.card != results[0] {
                o.note("asymmetric");
            }
        }
        _ => o.note("side-unreadable"),
    }
    // Boards, one case in four.
    if r.odds(1, 4) {
        let base = gen_board(r);
        let base_text = store::render_board(&base, None);
        let mut sides = Vec::new();
        for _ in 0..2 {
            let side = edit_board(r, &base);
            let mut b = store::render_board(&side, Some(&base_text)).into_bytes();
            if r.odds(1, 3) {
                mutate_text(r, &mut b);
            }
            sides.push(store::parse_board(&b).ok());
        }
        let bp = store::parse_board(base_text.as_bytes()).ok();
        if let (Some(ob), Some(tb)) = (&sides[0], &sides[1]) {
            o.note("boards-merged");
            for winner in [Side::Ours, Side::Theirs] {
                let (m, _) = merge_board(bp.as_ref(), ob, tb, winner);
                let text = store::render_board(&m, Some(&base_text));
                match store::parse_board(text.as_bytes()) {
                    Ok(back) if back == m => {}
                    Ok(back) => o.fail(format!(
                        "merged board reads back differently:\n  board {m:?}\n  back {back:?}"
                    )),
                    Err(p) => o.fail(format!("merged board does not parse: {p}\n  text {text:?}")),
                }
            }
        }
    }
    // git's merge driver, on files, one case in 64.
    if r.odds(1, 64) {
        o.note("driver");
        let (bp, op, tp) = (
            scratch.join("base"),
            scratch.join("ours"),
            scratch.join("theirs"),
        );
        fs::write(&bp, &bb).expect("write base");
        fs::write(&op, &ob).expect("write ours");
        fs::write(&tp, &tb).expect("write theirs");
        match lanes::sync::merge_driver(&bp, &op, &tp, REL, &Default::default()) {
            Ok(()) => {
                let out = fs::read(&op).expect("read merged");
                if store::parse_card(REL, &out).is_err()
                    && (parse(&ob).is_some() || parse(&tb).is_some())
                {
                    o.fail(format!(
                        "merge driver wrote an unreadable card: {}",
                        show(&out)
                    ));
                }
            }
            Err(e) => {
                if parse(&ob).is_some() || parse(&tb).is_some() {
                    o.fail(format!("merge driver fails with a readable side: {e:#}"));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The run

/// Generated and mutated board files, caches and merges, fed to every
/// reader and the merge.
#[derive(Parser, Debug)]
#[command(name = "robustness")]
struct Options {
    #[command(flatten)]
    common: Common,
    /// Cases in all (with `--family`, of that family).
    #[arg(long, value_name = "N", default_value = "1000000", value_parser = number)]
    cases: u64,
    /// Worker threads (default: the cores, at most 2).
    #[arg(long, value_name = "T", value_parser = number)]
    threads: Option<u64>,
    /// Only cases of this family.
    #[arg(long, value_enum)]
    family: Option<Family>,
    /// Run case I alone and print its inputs.
    #[arg(long, value_name = "I", value_parser = number)]
    case: Option<u64>,
    /// With `--case`: write its inputs into this folder.
    #[arg(long, value_name = "DIR", requires = "case")]
    dump: Option<PathBuf>,
    /// A case running longer than this is a hang.
    #[arg(long, value_name = "MS", default_value = "2000", value_parser = number)]
    hang_ms: u64,
}

fn options() -> Options {
    bench_common::parse(
        Uses {
            unused: &["cards", "runs", "dir", "reuse", "keep", "lanes", "old"],
            helps: &[(
                "seed",
                "Seed of every case (each generated from the seed and its index alone)",
            )],
            ..Default::default()
        },
        &[],
    )
}

impl Options {
    fn threads(&self) -> usize {
        match self.threads {
            Some(t) => t.max(1) as usize,
            None => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .min(2),
        }
    }
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A worker's current case, for the watchdog.
struct Slot {
    /// Milliseconds since the start when the case began; 0 when idle.
    since: AtomicU64,
    index: AtomicU64,
    flagged: AtomicBool,
}

#[derive(Default, Clone)]
struct Tally {
    cases: u64,
    panics: u64,
    hangs: u64,
    failures: u64,
    max_ms: u64,
    max_case: u64,
    notes: BTreeMap<&'static str, u64>,
}

struct Shared {
    next: AtomicU64,
    done: AtomicU64,
    tallies: Mutex<BTreeMap<Family, Tally>>,
    reports: Mutex<Vec<String>>,
    hung: Mutex<Vec<(Family, u64)>>,
}

/// Run one case; `None` if it panicked (the message is in LAST_PANIC).
fn run_case(
    opts: &Options,
    index: u64,
    rig: &mut Option<CacheRig>,
    scratch: &Path,
) -> Option<Outcome> {
    let family = family_of(index);
    catch_unwind(AssertUnwindSafe(|| {
        let mut r = Rng::for_case(opts.common.seed, index);
        let mut o = Outcome::default();
        match family {
            Family::Card => card_case(&mut r, &mut o),
            Family::Board => board_case(&mut r, &mut o),
            Family::Codec => codec_case(&mut r, &mut o),
            Family::Cache => {
                let rig = rig.as_mut().expect("a cache rig for this worker");
                cache_case(&mut r, &mut o, rig)
            }
            Family::Merge => merge_case(&mut r, &mut o, scratch),
        }
        o
    }))
    .ok()
}

fn repro(opts: &Options, index: u64) -> String {
    format!(
        "cargo run --release --example robustness -- --seed {} --case {index}",
        opts.common.seed
    )
}

fn wanted(opts: &Options, index: u64) -> bool {
    opts.family.is_none_or(|f| family_of(index) == f)
}

fn main() {
    let opts = options();
    // lanes finds its caches through GIT_DIR when it is set.
    for var in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"] {
        if std::env::var_os(var).is_some() {
            eprintln!("robustness: unset {var} first (lanes would follow it)");
            std::process::exit(2);
        }
    }
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(msg));
    }));
    if let Some(index) = opts.case {
        one_case(&opts, index);
        return;
    }
    // Cases per family, for the summary: with --family, --cases of it.
    let total = opts.cases;
    let threads = opts.threads();
    let start = Instant::now();
    let needs_rigs = (0..SLOTS).any(|i| family_of(i) == Family::Cache && wanted(&opts, i));
    let mut rigs: Vec<Option<CacheRig>> = (0..threads)
        .map(|w| needs_rigs.then(|| CacheRig::create(opts.common.seed, w)))
        .collect();
    if needs_rigs {
        // Card files must be older than a cache by two seconds for the
        // cache to vouch for them (as git does with its index).
        std::thread::sleep(Duration::from_millis(2100));
        for rig in rigs.iter_mut().flatten() {
            rig.prime();
        }
    }
    let shared = Arc::new(Shared {
        next: AtomicU64::new(0),
        done: AtomicU64::new(0),
        tallies: Mutex::new(BTreeMap::new()),
        reports: Mutex::new(Vec::new()),
        hung: Mutex::new(Vec::new()),
    });
    let slots: Arc<Vec<Slot>> = Arc::new(
        (0..threads)
            .map(|_| Slot {
                since: AtomicU64::new(0),
                index: AtomicU64::new(0),
                flagged: AtomicBool::new(false),
            })
            .collect(),
    );
    let finished = Arc::new(AtomicBool::new(false));
    let opts = Arc::new(opts);
    println!(
        "robustness: seed {}, {} cases{}, {} threads, hang after {} ms",
        opts.common.seed,
        total,
        opts.family
            .map_or(String::new(), |f| format!(" of family {}", name_of(f))),
        threads,
        opts.hang_ms
    );
    // The watchdog.
    let watchdog = {
        let (slots, shared, finished, opts) = (
            slots.clone(),
            shared.clone(),
            finished.clone(),
            opts.clone(),
        );
        std::thread::spawn(move || {
            let mut last_progress = Instant::now();
            while !finished.load(Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                let now = start.elapsed().as_millis() as u64 + 1;
                for slot in slots.iter() {
                    let since = slot.since.load(Relaxed);
                    if since == 0 {
                        continue;
                    }
                    let ran = now.saturating_sub(since);
                    let index = slot.index.load(Relaxed);
                    if ran > opts.hang_ms && !slot.flagged.swap(true, Relaxed) {
                        let family = family_of(index);
                        println!(
                            "HANG: {} case {index} running for {ran} ms; reproduce: {}",
                            name_of(family),
                            repro(&opts, index)
                        );
                        shared.hung.lock().unwrap().push((family, index));
                    }
                    if ran > 60_000 {
                        println!("robustness: a case has run for a minute; giving up");
                        summary(&shared, &opts, start.elapsed());
                        std::process::exit(3);
                    }
                }
                if last_progress.elapsed() > Duration::from_secs(10) {
                    last_progress = Instant::now();
                    let done = shared.done.load(Relaxed);
                    eprintln!(
                        "  {done} / {total} cases, {:.0} s",
                        start.elapsed().as_secs_f64()
                    );
                }
            }
        })
    };
    let workers: Vec<_> = rigs
        .into_iter()
        .enumerate()
        .map(|(w, mut rig)| {
            let (slots, shared, opts) = (slots.clone(), shared.clone(), opts.clone());
            std::thread::Builder::new()
                .name(format!("worker-{w}"))
                .spawn(move || {
                    let scratch = tempfile::tempdir().expect("scratch dir");
                    let mut local: BTreeMap<Family, Tally> = BTreeMap::new();
                    let slot = &slots[w];
                    loop {
                        // Take the next wanted case.
                        let index = loop {
                            let i = shared.next.fetch_add(1, Relaxed);
                            if wanted(&opts, i) {
                                break i;
                            }
                        };
                        let seq = shared.done.fetch_add(1, Relaxed);
                        if seq >= total {
                            break;
                        }
                        let family = family_of(index);
                        slot.index.store(index, Relaxed);
                        slot.flagged.store(false, Relaxed);
                        let t0 = Instant::now();
                        slot.since
                            .store(start.elapsed().as_millis() as u64 + 1, Relaxed);
                        let outcome = run_case(&opts, index, &mut rig, scratch.path());
                        slot.since.store(0, Relaxed);
                        let ms = t0.elapsed().as_millis() as u64;
                        let t = local.entry(family).or_default();
                        t.cases += 1;
                        if ms > t.max_ms || t.cases == 1 {
                            t.max_ms = ms;
                            t.max_case = index;
                        }
                        match outcome {
                            None => {
                                t.panics += 1;
                                let msg = LAST_PANIC
                                    .with(|p| p.borrow_mut().take())
                                    .unwrap_or_default();
                                shared.reports.lock().unwrap().push(format!(
                                    "PANIC: {} case {index}: {msg}\n  reproduce: {}",
                                    name_of(family),
                                    repro(&opts, index)
                                ));
                            }
                            Some(o) => {
                                for n in o.notes {
                                    *t.notes.entry(n).or_default() += 1;
                                }
                                if let Some(f) = o.failure {
                                    t.failures += 1;
                                    shared.reports.lock().unwrap().push(format!(
                                        "FAILED: {} case {index}: {f}\n  reproduce: {}",
                                        name_of(family),
                                        repro(&opts, index)
                                    ));
                                }
                            }
                        }
                    }
                    let mut all = shared.tallies.lock().unwrap();
                    for (f, t) in local {
                        let a = all.entry(f).or_default();
                        a.cases += t.cases;
                        a.panics += t.panics;
                        a.failures += t.failures;
                        if t.max_ms >= a.max_ms {
                            a.max_ms = t.max_ms;
                            a.max_case = t.max_case;
                        }
                        for (n, c) in t.notes {
                            *a.notes.entry(n).or_default() += c;
                        }
                    }
                })
                .expect("spawn worker")
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    finished.store(true, Relaxed);
    watchdog.join().expect("watchdog");
    let bad = summary(&shared, &opts, start.elapsed());
    std::process::exit(i32::from(bad));
}

/// Print the reports and the table; whether anything went wrong.
fn summary(shared: &Shared, opts: &Options, elapsed: Duration) -> bool {
    let reports = shared.reports.lock().unwrap();
    for r in reports.iter().take(20) {
        println!("{r}");
    }
    if reports.len() > 20 {
        println!("... and {} more", reports.len() - 20);
    }
    let mut tallies = shared.tallies.lock().unwrap().clone();
    for (f, _) in shared.hung.lock().unwrap().iter() {
        tallies.entry(*f).or_default().hangs += 1;
    }
    println!(
        "{:<7} {:>9} {:>7} {:>6} {:>9} {:>7}  notes",
        "family", "cases", "panics", "hangs", "failures", "max ms"
    );
    let mut total = Tally::default();
    for (f, t) in &tallies {
        let notes: Vec<String> = t.notes.iter().map(|(n, c)| format!("{n} {c}")).collect();
        println!(
            "{:<7} {:>9} {:>7} {:>6} {:>9} {:>7}  {}",
            name_of(*f),
            t.cases,
            t.panics,
            t.hangs,
            t.failures,
            t.max_ms,
            notes.join(", ")
        );
        total.cases += t.cases;
        total.panics += t.panics;
        total.hangs += t.hangs;
        total.failures += t.failures;
        total.max_ms = total.max_ms.max(t.max_ms);
    }
    println!(
        "{:<7} {:>9} {:>7} {:>6} {:>9} {:>7}",
        "total", total.cases, total.panics, total.hangs, total.failures, total.max_ms
    );
    let slowest = tallies.values().max_by_key(|t| t.max_ms);
    println!(
        "seed {}, {:.1} s{}",
        opts.common.seed,
        elapsed.as_secs_f64(),
        slowest.map_or(String::new(), |t| format!(
            ", slowest case {} ({} ms)",
            t.max_case, t.max_ms
        ))
    );
    total.panics + total.hangs + total.failures > 0
}

/// `--case I`: run one case by itself and show its inputs.
fn one_case(opts: &Options, index: u64) {
    let family = family_of(index);
    let mut rig = (family == Family::Cache).then(|| {
        let mut rig = CacheRig::create(opts.common.seed, 0);
        std::thread::sleep(Duration::from_millis(2100));
        rig.prime();
        rig
    });
    let scratch = tempfile::tempdir().expect("scratch dir");
    let t0 = Instant::now();
    KEPT.with(|k| *k.borrow_mut() = Some(Vec::new()));
    let outcome = run_case(opts, index, &mut rig, scratch.path());
    let ms = t0.elapsed().as_millis();
    let kept = KEPT.with(|k| k.borrow_mut().take()).unwrap_or_default();
    println!(
        "{} case {index} (seed {}), {ms} ms",
        name_of(family),
        opts.common.seed
    );
    for (i, (what, bytes)) in kept.iter().enumerate() {
        println!("{what} ({} bytes): {}", bytes.len(), show(bytes));
        if let Some(dir) = &opts.dump {
            let path = dir.join(format!("{index}-{i}-{}", what.replace(' ', "-")));
            fs::create_dir_all(dir).expect("dump folder");
            fs::write(&path, bytes).expect("dump");
            println!("  written to {}", path.display());
        }
    }
    match outcome {
        None => {
            let msg = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_default();
            println!("PANIC: {msg}");
            std::process::exit(1);
        }
        Some(o) => {
            println!("notes: {:?}", o.notes);
            if let Some(f) = o.failure {
                println!("FAILED: {f}");
                std::process::exit(1);
            }
            println!("ok");
        }
    }
}
