//! Property tests of the field merge (`lanes::merge`): generated cards and
//! boards, two sides derived from a common base.
//!
//! - merging with an unchanged side returns the other side;
//! - the result does not depend on which side is "ours" (swap the sides
//!   and the winner);
//! - nothing from either journal is lost;
//! - the result is a valid card that renders to YAML and parses back equal
//!   (also when spliced over the base's text, as `lanes sync` writes it);
//! - the three-way rules: a field changed on one side takes that side, the
//!   same field changed on both goes to the winner and is reported, lane and
//!   rank move together, labels and assignees merge as sets.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

use lanes::merge::{merge_board, merge_card, Conflict, Side};
use lanes::model::{
    BoardConfig, Card, ChecklistItem, CommitMode, Direction, Experiment, Hypothesis, JournalEntry,
    LabelDef, LaneDef, Verdict,
};
use lanes::store::{parse_board, parse_card, render_board, render_card};
use proptest::prelude::*;
use proptest::sample::subsequence;
use serde_yaml::{Mapping, Value};
use std::collections::BTreeSet;

// ---------------------------------------------------------------------------
// Generators

/// Text that YAML likes to misread, and ordinary text.
fn text() -> BoxedStrategy<String> {
    let tricky: Vec<&'static str> = vec![
        "plain words",
        "",
        "null",
        "~",
        "true",
        "No",
        "0.5",
        "1e3",
        "0x1F",
        "2026-01-01",
        "12:30",
        "- dash",
        "a: b",
        "key:",
        "#hash",
        "x # not a comment",
        "  leading spaces",
        "trailing spaces  ",
        "multi\nline",
        "multi\nline\n",
        "\nstarts with a newline",
        "tab\there",
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
        "%percent",
        "| pipe",
        "> gt",
        "?",
        "-",
        "\\backslash",
    ];
    prop_oneof![
        3 => proptest::sample::select(tricky).prop_map(str::to_string),
        2 => "[a-zA-Z0-9 ,.]{1,16}",
    ]
    .boxed()
}

fn scalar_value() -> BoxedStrategy<Value> {
    prop_oneof![
        (0u32..1000).prop_map(|n| Value::from(n as f64 / 1000.0)),
        (0i64..100).prop_map(Value::from),
        proptest::sample::select(vec!["+10%", "high", "0.2 ± 0.01"]).prop_map(Value::from),
    ]
    .boxed()
}

fn date() -> BoxedStrategy<String> {
    (1u32..=28, 1u32..=12)
        .prop_map(|(d, m)| format!("2026-{m:02}-{d:02}"))
        .boxed()
}

fn verdict() -> BoxedStrategy<Verdict> {
    proptest::sample::select(Verdict::ALL.to_vec()).boxed()
}

fn hypothesis() -> BoxedStrategy<Hypothesis> {
    (
        proptest::option::of(text()),
        proptest::option::of(proptest::sample::select(vec!["p@10", "auc", "latency"])),
        proptest::option::of(prop_oneof![Just(Direction::Higher), Just(Direction::Lower)]),
        proptest::option::of(scalar_value()),
        proptest::option::of(scalar_value()),
        proptest::option::of(scalar_value()),
        verdict(),
        proptest::option::of(proptest::sample::select(vec!["p_at_10", "auc_roc"])),
        proptest::option::of(text()),
    )
        .prop_map(
            |(statement, metric, direction, baseline, target, result, verdict, key, rationale)| {
                Hypothesis {
                    statement,
                    metric: metric.map(str::to_string),
                    metric_key: key.map(str::to_string),
                    direction,
                    baseline,
                    target,
                    result,
                    verdict,
                    rationale,
                    extra: Mapping::new(),
                }
            },
        )
        .boxed()
}

fn experiment() -> BoxedStrategy<Experiment> {
    (
        subsequence(vec!["mlflow:1", "mlflow:2", "wandb:a/b", "run-4"], 0..=4),
        proptest::option::of(text()),
        proptest::option::of(proptest::sample::select(vec!["als", "xgb", "bert"])),
        proptest::option::of(scalar_value()),
    )
        .prop_map(|(runs, dataset, model, cost)| Experiment {
            runs: runs.into_iter().map(str::to_string).collect(),
            dataset,
            model: model.map(str::to_string),
            commit: None,
            cost,
            extra: Mapping::new(),
        })
        .boxed()
}

fn checklist() -> BoxedStrategy<Vec<ChecklistItem>> {
    (
        subsequence(vec!["write it", "test it", "ship it", "tell them"], 0..=4),
        proptest::collection::vec(any::<bool>(), 4),
    )
        .prop_map(|(texts, done)| {
            texts
                .into_iter()
                .zip(done)
                .map(|(t, d)| ChecklistItem {
                    text: t.to_string(),
                    done: d,
                    extra: Mapping::new(),
                })
                .collect()
        })
        .boxed()
}

fn stamp(secs: i64) -> String {
    lanes::model::date::format_timestamp(secs)
}

const DAY0: i64 = 1_767_225_600; // 2026-01-01

/// A journal entry at `DAY0 + offset` (minutes).
fn entry_at(range: std::ops::Range<i64>) -> BoxedStrategy<JournalEntry> {
    (
        range,
        proptest::sample::select(vec!["Mei", "Raj", "Ana", ""]),
        text(),
    )
        .prop_map(|(m, by, text)| JournalEntry {
            at: stamp(DAY0 + m * 60),
            by: by.to_string(),
            text,
            extra: Mapping::new(),
        })
        .boxed()
}

/// Journal entries in strictly increasing time order (as lanes appends
/// them, a note at a time). Entries of the same second are left to
/// `journal_same_second_entries_keep_their_order`, a known bug.
fn journal(range: std::ops::Range<i64>, max: usize) -> BoxedStrategy<Vec<JournalEntry>> {
    proptest::collection::vec(entry_at(range), 0..=max)
        .prop_map(|mut v| {
            v.sort_by_key(|e| e.time());
            v.dedup_by_key(|e| e.time());
            v
        })
        .boxed()
}

fn set(pool: Vec<&'static str>) -> BoxedStrategy<Vec<String>> {
    let n = pool.len();
    subsequence(pool, 0..=n)
        .prop_shuffle()
        .prop_map(|v| v.into_iter().map(str::to_string).collect())
        .boxed()
}

const LANES: &[&str] = &["todo", "doing", "review", "done"];
const RANKS: &[&str] = &["i", "j", "h", "9", "a5", "zz", "i8", "0k"];

/// A whole card (id fixed: all versions are the same card).
fn card() -> BoxedStrategy<Card> {
    let head = (
        text(),
        proptest::sample::select(LANES.to_vec()),
        proptest::sample::select(RANKS.to_vec()),
        proptest::sample::select(vec!["task", "hypothesis", "experiment"]),
        set(vec!["x", "y", "z", "w"]),
        set(vec!["mei", "raj", "ana"]),
        proptest::option::of(date()),
        proptest::option::of(date()),
        any::<bool>(),
    );
    let tail = (
        proptest::option::of(hypothesis()),
        proptest::option::of(experiment()),
        checklist(),
        journal(0..600, 4),
        proptest::option::of(text()),
        proptest::option::of(prop_oneof![
            (0i64..9).prop_map(Value::from),
            text().prop_map(Value::from)
        ]),
    );
    (head, tail)
        .prop_map(
            |(
                (title, lane, rank, kind, labels, assignees, created, due, archived),
                (hypothesis, experiment, checklist, journal, body, future),
            )| {
                let mut c = Card::new(
                    "card01".into(),
                    title,
                    lane.into(),
                    rank.into(),
                    kind.into(),
                );
                c.labels = labels;
                c.assignees = assignees;
                c.created = created;
                c.due = due;
                c.archived = archived;
                c.hypothesis = hypothesis.map(Box::new);
                c.experiment = experiment.filter(|e| !e.is_empty()).map(Box::new);
                c.checklist = checklist;
                c.journal = journal;
                c.body = body;
                if let Some(v) = future {
                    c.extra.insert("zeta_future".into(), v);
                }
                c
            },
        )
        .boxed()
}

/// Which fields a side changes (a bit each), taking them from `alt`.
const FIELDS: usize = 15;

/// A version of `base` with the masked fields taken from `alt`; its journal
/// is the base's with `appended` added (a journal is only appended to).
fn derive(base: &Card, alt: &Card, mask: u32, appended: &[JournalEntry]) -> Card {
    let on = |i: usize| mask & (1 << i) != 0;
    let mut c = base.clone();
    if on(0) {
        c.title = alt.title.clone();
    }
    if on(1) {
        c.lane = alt.lane.clone();
    }
    if on(2) {
        c.rank = alt.rank.clone();
    }
    if on(3) {
        c.kind = alt.kind.clone();
    }
    if on(4) {
        c.labels = alt.labels.clone();
    }
    if on(5) {
        c.assignees = alt.assignees.clone();
    }
    if on(6) {
        c.due = alt.due.clone();
    }
    if on(7) {
        c.archived = alt.archived;
    }
    if on(8) {
        c.hypothesis = alt.hypothesis.clone();
    }
    if on(9) {
        // One field inside the hypothesis, as `--set hypothesis.result=`.
        let h = c.hypothesis.get_or_insert_with(Default::default);
        h.result = alt.hypothesis.as_ref().and_then(|h| h.result.clone());
        h.verdict = alt.verdict().unwrap_or_default();
    }
    if on(10) {
        c.experiment = alt.experiment.clone();
    }
    if on(11) {
        c.checklist = alt.checklist.clone();
    }
    if on(12) {
        c.body = alt.body.clone();
    }
    if on(13) {
        c.extra = alt.extra.clone();
    }
    if on(14) {
        c.created = alt.created.clone();
    }
    for e in appended {
        if !c.journal.contains(e) {
            c.journal.push(e.clone());
        }
    }
    c
}

/// (base, ours, theirs): two sides derived from one base.
fn three() -> BoxedStrategy<(Card, Card, Card)> {
    (
        card(),
        card(),
        card(),
        0u32..(1 << FIELDS),
        0u32..(1 << FIELDS),
        journal(600..1200, 3),
        journal(600..1200, 3),
    )
        .prop_map(|(base, alt_o, alt_t, mo, mt, jo, jt)| {
            let ours = derive(&base, &alt_o, mo, &jo);
            let theirs = derive(&base, &alt_t, mt, &jt);
            (base, ours, theirs)
        })
        .boxed()
}

fn mirrored(cs: &[Conflict]) -> Vec<Conflict> {
    cs.iter()
        .map(|c| Conflict {
            field: c.field.clone(),
            ours: c.theirs.clone(),
            theirs: c.ours.clone(),
            winner: c.winner.other(),
            reason: c.reason.clone(),
        })
        .collect()
}

fn side() -> BoxedStrategy<Side> {
    prop_oneof![Just(Side::Ours), Just(Side::Theirs)].boxed()
}

fn reparse(text: &str) -> Card {
    parse_card(".lanes/cards/card01.yaml", text.as_bytes())
        .unwrap_or_else(|p| panic!("{p}\n{text}"))
        .card
}

/// The three-way choice for one value.
fn expect3<T: PartialEq + Clone>(b: &T, o: &T, t: &T, w: Side) -> (T, bool) {
    if o == t {
        (o.clone(), false)
    } else if o == b {
        (t.clone(), false)
    } else if t == b {
        (o.clone(), false)
    } else {
        (if w == Side::Ours { o } else { t }.clone(), true)
    }
}

fn as_set(v: &[String]) -> BTreeSet<String> {
    v.iter().cloned().collect()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        // No regression files written into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Cards

proptest! {
    #![proptest_config(config())]

    #[test]
    fn unchanged_side_returns_the_other((base, ours, theirs) in three(), w in side()) {
        let m = merge_card(Some(&base), &ours, &base, w);
        prop_assert_eq!(&m.card, &ours);
        prop_assert!(m.conflicts.is_empty());
        let m = merge_card(Some(&base), &base, &theirs, w);
        prop_assert_eq!(&m.card, &theirs);
        prop_assert!(m.conflicts.is_empty());
        // Both sides made the same change.
        let m = merge_card(Some(&base), &ours, &ours, w);
        prop_assert_eq!(&m.card, &ours);
        prop_assert!(m.conflicts.is_empty());
    }

    #[test]
    fn result_does_not_depend_on_which_side_is_ours(
        (base, ours, theirs) in three(),
        w in side(),
        with_base in any::<bool>(),
    ) {
        let b = with_base.then_some(&base);
        let m1 = merge_card(b, &ours, &theirs, w);
        let m2 = merge_card(b, &theirs, &ours, w.other());
        prop_assert_eq!(&m1.card, &m2.card);
        prop_assert_eq!(&m1.conflicts, &mirrored(&m2.conflicts));
    }

    #[test]
    fn nothing_from_a_journal_is_lost(
        (base, ours, theirs) in three(),
        w in side(),
        with_base in any::<bool>(),
    ) {
        let b = with_base.then_some(&base);
        let m = merge_card(b, &ours, &theirs, w);
        for e in ours.journal.iter().chain(&theirs.journal) {
            prop_assert!(m.card.journal.contains(e), "lost {:?}", e);
        }
        // Nothing invented, time order, no duplicates.
        for e in &m.card.journal {
            prop_assert!(ours.journal.contains(e) || theirs.journal.contains(e));
        }
        let times: Vec<i64> = m.card.journal.iter().map(JournalEntry::time).collect();
        prop_assert!(times.windows(2).all(|x| x[0] <= x[1]), "{:?}", times);
        for (i, e) in m.card.journal.iter().enumerate() {
            prop_assert!(!m.card.journal[..i].contains(e), "duplicate {:?}", e);
        }
    }

    #[test]
    fn result_is_a_valid_card_and_round_trips(
        (base, ours, theirs) in three(),
        w in side(),
        with_base in any::<bool>(),
    ) {
        let b = with_base.then_some(&base);
        let m = merge_card(b, &ours, &theirs, w);
        let again = Card::from_value(m.card.to_value());
        prop_assert_eq!(again.as_ref().ok(), Some(&m.card), "{:?}", again.as_ref().err());
        let fresh = render_card(&m.card, None);
        prop_assert_eq!(&reparse(&fresh), &m.card, "rendered:\n{}", fresh);
        // Spliced over the base's text and over ours', as sync and the
        // merge driver write it.
        for prev in [render_card(&base, None), render_card(&ours, None)] {
            let spliced = render_card(&m.card, Some(&prev));
            prop_assert_eq!(&reparse(&spliced), &m.card, "over:\n{}\nrendered:\n{}", prev, spliced);
        }
    }

    #[test]
    fn three_way_rules_per_field((base, ours, theirs) in three(), w in side()) {
        let m = merge_card(Some(&base), &ours, &theirs, w);
        let c = &m.card;
        let names: Vec<&str> = m.conflicts.iter().map(|c| c.field.as_str()).collect();
        macro_rules! scalar {
            ($f:ident, $name:expr) => {{
                let (want, conflict) = expect3(&base.$f, &ours.$f, &theirs.$f, w);
                prop_assert_eq!(&c.$f, &want, "field {}", $name);
                prop_assert_eq!(names.contains(&$name), conflict, "conflict on {}: {:?}", $name, names);
            }};
        }
        scalar!(title, "title");
        scalar!(kind, "kind");
        scalar!(due, "due");
        scalar!(created, "created");
        scalar!(body, "body");
        // archived is written only when true, so "changed" means a value
        // present on one side and absent on the other: the same rule.
        scalar!(archived, "archived");
        // Placement: lane and rank from the same side, never mixed.
        let place = |x: &Card| (x.lane.clone(), x.rank.clone());
        let (want, conflict) = expect3(&place(&base), &place(&ours), &place(&theirs), w);
        prop_assert_eq!(place(c), want);
        prop_assert_eq!(names.contains(&"placement"), conflict);
        // Sets: additions from both kept, removals honoured.
        for (name, get) in [
            ("labels", (|x: &Card| x.labels.clone()) as fn(&Card) -> Vec<String>),
            ("assignees", |x: &Card| x.assignees.clone()),
        ] {
            let (b, o, t) = (as_set(&get(&base)), as_set(&get(&ours)), as_set(&get(&theirs)));
            let want: BTreeSet<String> = b
                .iter()
                .filter(|x| o.contains(*x) && t.contains(*x))
                .chain(o.difference(&b))
                .chain(t.difference(&b))
                .cloned()
                .collect();
            prop_assert_eq!(as_set(&get(c)), want, "{}", name);
            prop_assert!(!names.contains(&name), "sets never conflict");
        }
        // Every conflict names the winner's value as the merged one.
        for k in &m.conflicts {
            prop_assert_eq!(k.winner, w);
            prop_assert!(k.ours != k.theirs, "{:?}", k);
        }
    }
}

/// With journals that are not in time order (clocks differ between
/// machines; hand edits), a side that did not touch the journal still
/// re-sorts the other side's.
#[test]
fn unchanged_side_returns_the_other_with_an_unsorted_journal() {
    let mut base = Card::new(
        "card01".into(),
        "T".into(),
        "todo".into(),
        "i".into(),
        "task".into(),
    );
    base.journal.push(JournalEntry {
        at: stamp(DAY0 + 600),
        by: "Mei".into(),
        text: "first, by a fast clock".into(),
        extra: Mapping::new(),
    });
    let mut ours = base.clone();
    ours.title = "Changed".into();
    ours.journal.push(JournalEntry {
        at: stamp(DAY0),
        by: "Raj".into(),
        text: "appended later, by a slow clock".into(),
        extra: Mapping::new(),
    });
    let mut theirs = base.clone();
    theirs.due = Some("2026-02-02".into());
    let m = merge_card(Some(&base), &ours, &base, Side::Theirs);
    assert_eq!(m.card, ours);
    // Only the other side changed the journal: it is kept as that side wrote it.
    let m = merge_card(Some(&base), &ours, &theirs, Side::Theirs);
    assert_eq!(m.card.journal, ours.journal);
}

/// Two notes written in the same second on one side keep their order when
/// the other side changed the journal too.
#[test]
fn journal_same_second_entries_keep_their_order() {
    let base = Card::new(
        "card01".into(),
        "T".into(),
        "todo".into(),
        "i".into(),
        "task".into(),
    );
    let note = |text: &str| JournalEntry {
        at: stamp(DAY0),
        by: "Mei".into(),
        text: text.into(),
        extra: Mapping::new(),
    };
    let mut ours = base.clone();
    ours.journal = vec![note("zeta, written first"), note("alpha, written second")];
    assert_eq!(merge_card(Some(&base), &ours, &base, Side::Ours).card, ours);
    let mut theirs = base.clone();
    theirs.journal = vec![JournalEntry {
        at: stamp(DAY0 + 60),
        ..note("theirs")
    }];
    let m = merge_card(Some(&base), &ours, &theirs, Side::Ours);
    let texts: Vec<&str> = m.card.journal.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(
        texts,
        ["zeta, written first", "alpha, written second", "theirs"]
    );
}

// ---------------------------------------------------------------------------
// Boards

const LANE_POOL: &[&str] = &["todo", "doing", "review", "done", "icebox"];
const LABEL_POOL: &[&str] = &["blocked", "urgent", "bug", "idea"];
const COLORS: &[&str] = &["red", "green", "yellow", "blue"];

fn lane_def(id: &'static str) -> BoxedStrategy<LaneDef> {
    (
        text(),
        proptest::option::of(1u32..9),
        proptest::option::of(text()),
        proptest::bool::ANY,
    )
        .prop_map(move |(title, wip, exit, done)| LaneDef {
            id: id.to_string(),
            title,
            wip,
            exit,
            done,
            color: None,
            extra: Mapping::new(),
        })
        .boxed()
}

fn board() -> BoxedStrategy<BoardConfig> {
    let lanes = subsequence(LANE_POOL.to_vec(), 1..=LANE_POOL.len())
        .prop_shuffle()
        .prop_flat_map(|ids| ids.into_iter().map(lane_def).collect::<Vec<_>>());
    let labels = subsequence(LABEL_POOL.to_vec(), 0..=LABEL_POOL.len()).prop_flat_map(|names| {
        names
            .into_iter()
            .map(|n| {
                proptest::option::of(proptest::sample::select(COLORS.to_vec())).prop_map(move |c| {
                    LabelDef {
                        name: n.to_string(),
                        color: c.map(str::to_string),
                        extra: Mapping::new(),
                    }
                })
            })
            .collect::<Vec<_>>()
    });
    (
        text(),
        proptest::option::of(text()),
        lanes,
        labels,
        subsequence(vec!["task", "hypothesis", "experiment", "bug"], 1..=4),
        any::<bool>(),
        proptest::option::of(1i64..60),
    )
        .prop_map(|(name, description, lanes, labels, kinds, manual, every)| {
            let mut b = BoardConfig {
                name,
                description,
                lanes,
                labels,
                kinds: kinds.into_iter().map(str::to_string).collect(),
                ..Default::default()
            };
            b.settings.commit = if manual {
                CommitMode::Manual
            } else {
                CommitMode::Auto
            };
            if let Some(n) = every {
                b.settings.extra.insert("auto_sync".into(), Value::from(n));
            }
            b
        })
        .boxed()
}

/// A version of `base` changed as a person would: some lanes edited
/// (title, WIP), dropped or added, the order changed, labels and kinds
/// changed, settings and name changed; `alt` supplies the new values.
fn derive_board(base: &BoardConfig, alt: &BoardConfig, mask: u32) -> BoardConfig {
    let on = |i: usize| mask & (1 << i) != 0;
    let mut b = base.clone();
    if on(0) {
        b.name = alt.name.clone();
    }
    if on(1) {
        b.description = alt.description.clone();
    }
    // Lanes: edit those alt also has (title from bit 2, wip from bit 3).
    for l in &mut b.lanes {
        if let Some(a) = alt.lane(&l.id) {
            if on(2) {
                l.title = a.title.clone();
            }
            if on(3) {
                l.wip = a.wip;
            }
        }
    }
    if on(4) && b.lanes.len() > 1 {
        // Drop the lanes alt does not have (keeping at least one).
        let keep: Vec<LaneDef> = b
            .lanes
            .iter()
            .filter(|l| alt.lane(&l.id).is_some())
            .cloned()
            .collect();
        if !keep.is_empty() {
            b.lanes = keep;
        }
    }
    if on(5) {
        for a in &alt.lanes {
            if b.lane(&a.id).is_none() {
                b.lanes.push(a.clone());
            }
        }
    }
    if on(6) {
        b.lanes.reverse();
    }
    if on(7) {
        b.labels = alt.labels.clone();
    }
    if on(8) {
        b.kinds = alt.kinds.clone();
    }
    if on(9) {
        b.settings.commit = alt.settings.commit;
    }
    if on(10) {
        b.settings.extra = alt.settings.extra.clone();
    }
    b
}

fn three_boards() -> BoxedStrategy<(BoardConfig, BoardConfig, BoardConfig)> {
    (board(), board(), board(), 0u32..(1 << 11), 0u32..(1 << 11))
        .prop_map(|(base, ao, at, mo, mt)| {
            let o = derive_board(&base, &ao, mo);
            let t = derive_board(&base, &at, mt);
            (base, o, t)
        })
        .boxed()
}

fn reparse_board(text: &str) -> BoardConfig {
    parse_board(text.as_bytes()).unwrap_or_else(|p| panic!("{p}\n{text}"))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn board_unchanged_side_returns_the_other((base, ours, theirs) in three_boards(), w in side()) {
        let (m, c) = merge_board(Some(&base), &ours, &base, w);
        prop_assert_eq!(&m, &ours);
        prop_assert!(c.is_empty());
        let (m, c) = merge_board(Some(&base), &base, &theirs, w);
        prop_assert_eq!(&m, &theirs);
        prop_assert!(c.is_empty());
    }

    #[test]
    fn board_result_does_not_depend_on_which_side_is_ours(
        (base, ours, theirs) in three_boards(),
        w in side(),
        with_base in any::<bool>(),
    ) {
        let b = with_base.then_some(&base);
        let (m1, c1) = merge_board(b, &ours, &theirs, w);
        let (m2, c2) = merge_board(b, &theirs, &ours, w.other());
        prop_assert_eq!(&m1, &m2);
        prop_assert_eq!(&c1, &mirrored(&c2));
    }

    #[test]
    fn board_result_is_valid_and_round_trips(
        (base, ours, theirs) in three_boards(),
        w in side(),
        with_base in any::<bool>(),
    ) {
        let b = with_base.then_some(&base);
        let (m, _) = merge_board(b, &ours, &theirs, w);
        prop_assert!(!m.lanes.is_empty());
        let ids: BTreeSet<&str> = m.lanes.iter().map(|l| l.id.as_str()).collect();
        prop_assert_eq!(ids.len(), m.lanes.len(), "lane ids unique");
        let again = BoardConfig::from_value(Value::Mapping(m.to_mapping()));
        prop_assert_eq!(again.as_ref().ok(), Some(&m), "{:?}", again.as_ref().err());
        let fresh = render_board(&m, None);
        prop_assert_eq!(&reparse_board(&fresh), &m, "rendered:\n{}", fresh);
        let prev = render_board(&base, None);
        let spliced = render_board(&m, Some(&prev));
        prop_assert_eq!(&reparse_board(&spliced), &m, "over:\n{}\nrendered:\n{}", prev, spliced);
        // A lane edited on one side only keeps that edit (when the board
        // did not fall back to the winner's whole).
        for l in &m.lanes {
            let (bl, ol, tl) = (base.lane(&l.id), ours.lane(&l.id), theirs.lane(&l.id));
            if let (Some(bl), Some(ol), Some(tl), true) = (bl, ol, tl, with_base) {
                let (want, _) = expect3(&bl.title, &ol.title, &tl.title, w);
                prop_assert_eq!(&l.title, &want);
                let (want, _) = expect3(&bl.wip, &ol.wip, &tl.wip, w);
                prop_assert_eq!(&l.wip, &want);
            }
        }
    }
}

/// "board.yaml: lanes merged by id, labels and settings likewise": two
/// different settings changed on each side are both kept.
#[test]
fn board_settings_merge_key_by_key() {
    let base = reparse_board(
        "name: B\nlanes:\n  - id: a\n    title: A\nsettings:\n  commit: auto\n  auto_sync: 5\n",
    );
    let ours = reparse_board(
        "name: B\nlanes:\n  - id: a\n    title: A\nsettings:\n  commit: manual\n  auto_sync: 5\n",
    );
    let theirs = reparse_board(
        "name: B\nlanes:\n  - id: a\n    title: A\nsettings:\n  commit: auto\n  auto_sync: 15\n",
    );
    for w in [Side::Ours, Side::Theirs] {
        let (m, conflicts) = merge_board(Some(&base), &ours, &theirs, w);
        assert_eq!(m.settings.commit, CommitMode::Manual, "winner {w:?}");
        assert_eq!(
            m.settings.extra.get("auto_sync"),
            Some(&Value::from(15)),
            "winner {w:?}"
        );
        assert!(conflicts.is_empty(), "{conflicts:?}");
    }
}

/// Lanes added on both sides, one lane renamed on one side and given a WIP
/// limit on the other: everything kept, in a side-independent order.
#[test]
fn board_lanes_added_on_both_sides() {
    let base = reparse_board("name: B\nlanes:\n  - id: a\n    title: A\n  - id: b\n    title: B\n");
    let ours = reparse_board(
        "name: B\nlanes:\n  - id: a\n    title: Aye\n  - id: b\n    title: B\n  - id: c\n    title: C\n",
    );
    let theirs = reparse_board(
        "name: B\nlanes:\n  - id: a\n    title: A\n    wip: 2\n  - id: b\n    title: B\n  - id: d\n    title: D\n",
    );
    let (m, c) = merge_board(Some(&base), &ours, &theirs, Side::Ours);
    assert!(c.is_empty(), "{c:?}");
    let ids: Vec<&str> = m.lanes.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids.len(), 4);
    assert!(ids.contains(&"c") && ids.contains(&"d"));
    assert_eq!(
        m.lane("a").map(|l| (l.title.as_str(), l.wip)),
        Some(("Aye", Some(2)))
    );
    let (m2, _) = merge_board(Some(&base), &theirs, &ours, Side::Theirs);
    assert_eq!(m, m2);
}
