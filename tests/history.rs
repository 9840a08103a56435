//! History and flow (issue 6) against generated histories with known
//! answers: a scripted board built with the real `lanes` binary by several
//! authors on set dates, plus a hand edit, a training-code commit naming a
//! card and a merged branch (see `common::history::scenario`).
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::history::*;
use common::*;
use serde_json::{json, Value};

type Changes = Vec<(String, Option<String>, Option<String>)>;

/// Timeline entries without rank changes (the order inside a lane is not
/// what these tests are about).
fn without_rank(entry: &Value) -> Changes {
    changes(entry)
        .into_iter()
        .filter(|(f, _, _)| f != "rank")
        .collect()
}

fn no_escapes(what: &str, text: &str) {
    assert!(
        !text.contains('\x1b') && !text.contains('\u{9b}'),
        "{what} lets an escape sequence through:\n{text}"
    );
}

// ---------------------------------------------------------------------------
// lanes log CARD

#[test]
fn card_timeline_lists_every_change_field_by_field() {
    let sc = scenario();
    let r = &sc.repo;
    let log = r.json(&["log", &sc.h, "--json"]);
    let entries = log.as_array().expect("an array");

    type Expected = (&'static str, Who, i64, Option<&'static str>, bool, Changes);
    let expected: Vec<Expected> = vec![
        (
            "add H",
            ALICE,
            ts(1, 10, 0),
            Some("add"),
            false,
            // Every field it was created with (issue 22).
            vec![
                ch("card", None, Some("created")),
                ch("title", None, Some("Weekend features")),
                ch("lane", None, Some("data-preparation")),
                ch("kind", None, Some("hypothesis")),
                ch("labels", None, Some("quick-win")),
                ch("assignees", None, Some("alice")),
                ch("created", None, Some("2026-10-01")),
                ch(
                    "hypothesis.statement",
                    None,
                    Some("Weekend features lift ndcg@10"),
                ),
                ch("hypothesis.metric", None, Some("ndcg@10")),
                ch("hypothesis.baseline", None, Some("0.21")),
                ch("hypothesis.target", None, Some("0.25")),
                ch("hypothesis.verdict", None, Some("open")),
            ],
        ),
        (
            "move H M",
            BOB,
            ts(2, 10, 0),
            Some("move"),
            false,
            vec![ch("lane", Some("data-preparation"), Some("modeling"))],
        ),
        (
            "move H DP",
            BOB,
            ts(3, 10, 0),
            Some("move"),
            false,
            vec![ch("lane", Some("modeling"), Some("data-preparation"))],
        ),
        (
            "move H M again",
            ALICE,
            ts(5, 10, 0),
            Some("move"),
            false,
            vec![ch("lane", Some("data-preparation"), Some("modeling"))],
        ),
        (
            "edit H result",
            CHEN,
            ts(6, 10, 0),
            Some("edit"),
            false,
            vec![
                ch("hypothesis.result", None, Some("0.232")),
                ch("experiment.cost", None, Some("12.5")),
            ],
        ),
        (
            "note H",
            CHEN,
            ts(6, 11, 0),
            Some("note"),
            false,
            vec![ch(
                "journal",
                None,
                Some("weekend traffic behaves differently"),
            )],
        ),
        (
            "verdict H",
            CHEN,
            ts(7, 10, 0),
            Some("verdict"),
            false,
            vec![
                ch("hypothesis.verdict", Some("open"), Some("refuted")),
                ch(
                    "hypothesis.rationale",
                    None,
                    Some("the lift is within the noise of the baseline"),
                ),
            ],
        ),
        (
            "edit H labels",
            ALICE,
            ts(7, 12, 0),
            Some("edit"),
            false,
            vec![
                ch("labels", None, Some("needs-review")),
                ch("labels", Some("quick-win"), None),
            ],
        ),
        (
            "hand edit",
            DANA,
            ts(8, 10, 0),
            None,
            false,
            vec![ch(
                "title",
                Some("Weekend features"),
                Some("Weekend features v2"),
            )],
        ),
        ("training", BOB, ts(8, 12, 0), None, true, vec![]),
        (
            "branch note H",
            CHEN,
            ts(9, 10, 0),
            Some("note"),
            false,
            vec![ch("journal", None, Some("seasonality check on the branch"))],
        ),
        (
            "move H E",
            BOB,
            ts(12, 10, 0),
            Some("move"),
            false,
            vec![ch("lane", Some("modeling"), Some("evaluation"))],
        ),
        (
            "move H M 3",
            BOB,
            ts(13, 10, 0),
            Some("move"),
            false,
            vec![ch("lane", Some("evaluation"), Some("modeling"))],
        ),
        (
            "move H E 2",
            BOB,
            ts(14, 10, 0),
            Some("move"),
            false,
            vec![ch("lane", Some("modeling"), Some("evaluation"))],
        ),
        (
            "move H D",
            ALICE,
            ts(15, 10, 0),
            Some("move"),
            false,
            vec![ch("lane", Some("evaluation"), Some("deployment"))],
        ),
    ];
    let got: Vec<&str> = entries.iter().map(|e| s(e, "subject")).collect();
    assert_eq!(entries.len(), expected.len(), "entries: {got:#?}\n{log:#}");
    for (e, (label, who, time, action, link, changes)) in entries.iter().zip(&expected) {
        assert_eq!(s(e, "commit"), sc.commit(label), "{label}: commit\n{e:#}");
        assert_eq!(s(e, "author"), who.name, "{label}: author");
        assert_eq!(e["time"], json!(time), "{label}: time");
        assert_eq!(e["action"].as_str(), *action, "{label}: action");
        assert_eq!(e["link"], json!(link), "{label}: link");
        assert_eq!(&without_rank(e), changes, "{label}: changes\n{e:#}");
    }
    // The merge brought the branch's change but did not change the card
    // itself: it is not an entry of its own.
    assert!(
        !entries.iter().any(|e| s(e, "commit") == sc.commit("merge")),
        "the merge commit is listed:\n{log:#}"
    );
    // Nor are commits that changed other cards only.
    for other in ["edit G cost", "add X", "move X M", "add K"] {
        assert!(!entries.iter().any(|e| s(e, "commit") == sc.commit(other)));
    }

    // --reverse: newest first, the same entries.
    let rev = r.json(&["log", &sc.h, "--json", "--reverse"]);
    let mut back: Vec<Value> = rev.as_array().expect("an array").clone();
    back.reverse();
    assert_eq!(&back, entries);

    // Filters.
    let bob = r.json(&[
        "log",
        &sc.h,
        "--json",
        "--author",
        "bob",
        "--since",
        "2026-10-12",
    ]);
    let labels: Vec<&str> = bob
        .as_array()
        .expect("an array")
        .iter()
        .map(|e| s(e, "commit"))
        .collect();
    assert_eq!(
        labels,
        vec![
            sc.commit("move H E"),
            sc.commit("move H M 3"),
            sc.commit("move H E 2")
        ]
    );
}

#[test]
fn card_timeline_text_reads_like_the_issue() {
    let sc = scenario();
    let r = &sc.repo;
    let text = ok(&r.lanes(&["log", &sc.h]));
    let lines: Vec<&str> = text.lines().collect();
    let first = format!(
        "2026-10-01 10:00  {}  Alice Archer  lanes: add {} Weekend features (data-preparation)",
        &sc.commit("add H")[..8],
        short(&sc.h)
    );
    assert_eq!(lines[0], first, "{text}");
    for want in [
        "    created",
        "    lane: (none) -> data-preparation",
        "    lane: data-preparation -> modeling",
        "    lane: modeling -> data-preparation",
        "    lane: evaluation -> deployment",
        "    hypothesis.result: (none) -> 0.232",
        "    experiment.cost: (none) -> 12.5",
        "    hypothesis.verdict: open -> refuted",
        "    journal: + \"weekend traffic behaves differently\"",
        "    journal: + \"seasonality check on the branch\"",
        "    labels: + needs-review",
        "    labels: - quick-win",
        "    title: Weekend features -> Weekend features v2",
    ] {
        assert!(lines.contains(&want), "no line {want:?} in:\n{text}");
    }
    let hand = format!(
        "2026-10-08 10:00  {}  Dana Diaz  Fix the weekend card title",
        &sc.commit("hand edit")[..8]
    );
    assert!(lines.contains(&hand.as_str()), "{text}");
    let training = format!(
        "2026-10-08 12:00  {}  Bob Brown  Train the weekend model  (mentions the card)",
        &sc.commit("training")[..8]
    );
    assert!(lines.contains(&training.as_str()), "{text}");
    assert!(!text.contains(&sc.commit("merge")[..8]), "{text}");
    // Oldest first; --reverse puts the newest on top.
    let rev = ok(&r.lanes(&["log", &sc.h, "--reverse"]));
    assert!(
        rev.lines().next().unwrap_or("").starts_with(&format!(
            "2026-10-15 10:00  {}  Alice Archer  lanes: move",
            &sc.commit("move H D")[..8]
        )),
        "{rev}"
    );
    // A card title with an escape sequence shows it visibly, never raw.
    no_escapes("lanes log K", &ok(&r.lanes(&["log", &sc.k])));
}

#[test]
fn commits_naming_a_card_by_short_id_link_to_it_and_merges_that_change_it_are_listed() {
    let r = Repo::new();
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    let c = r
        .lanes_as(
            ALICE,
            &iso(1, 10, 0),
            &[
                "add",
                "Cold-start fallback",
                "--lane",
                "modeling",
                "--label",
                "quick-win",
            ],
        )
        .trim()
        .to_string();
    let other = r
        .lanes_as(
            BOB,
            &iso(1, 11, 0),
            &["add", "Unrelated", "--lane", "modeling"],
        )
        .trim()
        .to_string();
    // Training code naming the card as lanes#<short id>.
    std::fs::write(r.abs("model.py"), "x = 1\n").expect("write");
    r.git(&["add", "model.py"]);
    let msg = format!("Retrain with a 90-day window (lanes#{})", short(&c));
    r.git_as(BOB, &iso(2, 10, 0), &["commit", "-q", "-m", &msg]);
    let link = r.head();

    // Both sides change the card in different places; git merges the text
    // cleanly, so the merge's version differs from both parents.
    r.git(&["checkout", "-q", "-b", "side"]);
    r.lanes_as(
        CHEN,
        &iso(3, 10, 0),
        &["note", &c, "tried on the side branch"],
    );
    r.git(&["checkout", "-q", "main"]);
    r.lanes_as(
        ALICE,
        &iso(3, 11, 0),
        &["edit", &c, "--set", "labels=[quick-win, needs-review]"],
    );
    r.git_as(
        ALICE,
        &iso(3, 12, 0),
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge branch 'side'",
            "side",
        ],
    );
    let merge = r.head();
    let text = std::fs::read_to_string(r.card_file(&c)).expect("card");
    assert!(
        text.contains("needs-review") && text.contains("tried on the side branch"),
        "{text}"
    );

    let log = r.json(&["log", &c, "--json"]);
    let entries = log.as_array().expect("array");
    let subjects: Vec<&str> = entries.iter().map(|e| s(e, "subject")).collect();
    assert_eq!(entries.len(), 5, "{subjects:#?}");
    let l = &entries[1];
    assert_eq!(s(l, "commit"), link);
    assert_eq!(l["link"], json!(true));
    assert_eq!(l["action"], Value::Null);
    assert_eq!(l["changes"], json!([]));
    let m = &entries[4];
    assert_eq!(s(m, "commit"), merge, "{log:#}");
    assert_eq!(m["link"], json!(false));
    assert_eq!(m["action"], Value::Null);
    assert_eq!(
        without_rank(m),
        vec![ch("journal", None, Some("tried on the side branch"))],
        "the merge compared with its first parent"
    );
    // The other card is not linked by the short-id mention.
    let o = r.json(&["log", &other, "--json"]);
    assert_eq!(o.as_array().expect("array").len(), 1, "{o:#}");
}

// ---------------------------------------------------------------------------
// lanes log (the board's feed)

fn feed_commits(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|e| s(e, "commit").to_string())
        .collect()
}

fn commits_of(sc: &Scenario, labels: &[&str]) -> Vec<String> {
    labels.iter().map(|l| sc.commit(l).to_string()).collect()
}

#[test]
fn board_feed_filters_by_date_author_and_lane() {
    let sc = scenario();
    let r = &sc.repo;
    // Newest first.
    let since = r.json(&["log", "--json", "--since", "2026-10-14"]);
    assert_eq!(
        feed_commits(&since),
        commits_of(
            &sc,
            &[
                "move Q D",
                "add Q",
                "verdict K",
                "archive M2",
                "move X D",
                "move H D",
                "verdict G",
                "move X E",
                "move H E 2",
            ]
        )
    );
    let first = &since[0];
    assert_eq!(s(first, "author"), ALICE.name);
    assert_eq!(first["time"], json!(ts(20, 10, 0)));
    assert_eq!(first["action"], json!("move"));
    assert_eq!(
        first["cards"],
        json!([{
            "id": sc.q,
            "title": "Ship popularity prior",
            "lane_before": "evaluation",
            "lane_after": "deployment",
        }])
    );
    let archive = &since[3];
    assert_eq!(archive["action"], json!("archive"));
    assert_eq!(archive["cards"][0]["id"], json!(sc.m2));

    let bob = r.json(&["log", "--json", "--author", "bob"]);
    assert_eq!(
        feed_commits(&bob),
        commits_of(
            &sc,
            &[
                "move X E",
                "move H E 2",
                "move H M 3",
                "move H E",
                "move X M again",
                "move X DP",
                "move X M",
                "move H DP",
                "move H M",
                "add X",
            ]
        ),
        "Bob's training-code commit changes no card and is not in the feed"
    );

    let eval = r.json(&["log", "--json", "--lane", "evaluation"]);
    assert_eq!(
        feed_commits(&eval),
        commits_of(
            &sc,
            &[
                "move Q D",
                "add Q",
                "verdict K",
                "move X D",
                "move H D",
                "move X E",
                "move H E 2",
                "move H M 3",
                "edit K cost",
                "add K",
                "move H E",
            ]
        )
    );

    let combined = r.json(&[
        "log",
        "--json",
        "--lane",
        "Deployment",
        "--since",
        "2026-10-15",
        "--reverse",
    ]);
    assert_eq!(
        feed_commits(&combined),
        commits_of(&sc, &["move H D", "move X D", "move Q D"])
    );

    // The hand edit is in the feed as Dana's, without a lanes action.
    let dana = r.json(&["log", "--json", "--author", "DANA"]);
    assert_eq!(feed_commits(&dana), commits_of(&sc, &["hand edit"]));
    assert_eq!(dana[0]["action"], Value::Null);
    assert_eq!(dana[0]["cards"][0]["lane_before"], json!("modeling"));
    assert_eq!(dana[0]["cards"][0]["lane_after"], json!("modeling"));
    let text = ok(&r.lanes(&["log", "--author", "dana"]));
    assert_eq!(
        text,
        format!(
            "2026-10-08 10:00  {}  Dana Diaz  Fix the weekend card title\n",
            &sc.commit("hand edit")[..8]
        )
    );
    no_escapes("lanes log", &ok(&r.lanes(&["log"])));
}

// ---------------------------------------------------------------------------
// lanes flow

const L: [&str; 6] = [
    "business-understanding",
    "data-understanding",
    "data-preparation",
    "modeling",
    "evaluation",
    "deployment",
];

fn spread(count: u64, median: i64, p85: i64) -> Value {
    json!({ "count": count, "median": median, "p85": p85 })
}

fn cycle(lane: &str, f: &Value) -> Value {
    f["cycle"]
        .as_array()
        .expect("cycle")
        .iter()
        .find(|c| c["lane"] == json!(lane))
        .unwrap_or_else(|| panic!("no lane {lane}"))["time_in_lane"]
        .clone()
}

fn cfd_on(f: &Value, day: &str) -> Value {
    f["cfd"]
        .as_array()
        .expect("cfd")
        .iter()
        .find(|d| d[0] == json!(day))
        .unwrap_or_else(|| panic!("no day {day} in the flow"))[1]
        .clone()
}

#[test]
fn flow_counts_cycle_times_loop_backs_and_wip_breaches() {
    let sc = scenario();
    let r = &sc.repo;
    let f = r.json(&["flow", "--json"]);
    assert_eq!(f["lanes"], json!(L));
    assert_eq!(f["since"], json!("2026-10-01"));
    let cfd = f["cfd"].as_array().expect("cfd");
    let until = s(&f, "until").to_string();
    assert_eq!(cfd.last().expect("days")[0], json!(until));
    // Cards per lane at the end of each day (archived M2 not counted).
    let want: &[(&str, [u64; 6])] = &[
        ("2026-10-01", [0, 0, 2, 1, 0, 0]),
        ("2026-10-02", [0, 0, 1, 2, 0, 0]),
        ("2026-10-03", [0, 0, 1, 2, 0, 0]),
        ("2026-10-04", [0, 0, 2, 1, 0, 0]),
        ("2026-10-05", [0, 0, 1, 2, 0, 0]),
        ("2026-10-06", [0, 0, 1, 2, 0, 0]),
        ("2026-10-07", [0, 0, 0, 3, 0, 0]),
        ("2026-10-08", [0, 0, 0, 3, 0, 0]),
        ("2026-10-09", [0, 0, 0, 3, 0, 0]),
        ("2026-10-10", [0, 0, 0, 5, 0, 0]),
        ("2026-10-11", [0, 0, 0, 5, 0, 0]),
        ("2026-10-12", [0, 0, 0, 4, 2, 0]),
        ("2026-10-13", [0, 0, 0, 5, 1, 0]),
        ("2026-10-14", [0, 0, 0, 3, 3, 0]),
        ("2026-10-15", [0, 0, 0, 3, 1, 2]),
        ("2026-10-16", [0, 0, 0, 2, 1, 2]),
        ("2026-10-17", [0, 0, 0, 2, 1, 2]),
        ("2026-10-18", [0, 0, 0, 2, 1, 2]),
        ("2026-10-19", [0, 0, 0, 2, 2, 2]),
        ("2026-10-20", [0, 0, 0, 2, 1, 3]),
    ];
    for (k, (day, counts)) in want.iter().enumerate() {
        assert_eq!(cfd[k], json!([day, counts]), "day {day}");
    }
    for d in &cfd[want.len()..] {
        assert_eq!(d[1], json!([0, 0, 0, 2, 1, 3]), "{d}");
    }
    // Time in lane per finished visit:
    // data preparation 1d, 2d, 2d, 3d; modeling 1d, 1d, 1d, 7d, 7d;
    // evaluation four visits of 1d; nobody left deployment.
    assert_eq!(cycle("data-preparation", &f), spread(4, 2 * DAY, 3 * DAY));
    assert_eq!(cycle("modeling", &f), spread(5, DAY, 7 * DAY));
    assert_eq!(cycle("evaluation", &f), spread(4, DAY, DAY));
    assert_eq!(cycle("deployment", &f), Value::Null);
    assert_eq!(cycle("business-understanding", &f), Value::Null);
    // End to end: H and X 14 days, Q (created in evaluation) 1 day.
    assert_eq!(f["end_to_end"], spread(3, 14 * DAY, 14 * DAY));
    let tp = f["throughput"].as_array().expect("throughput");
    assert_eq!(
        tp[..4],
        [
            json!(["2026-W40", 0]),
            json!(["2026-W41", 0]),
            json!(["2026-W42", 2]),
            json!(["2026-W43", 1])
        ]
    );
    assert!(tp[4..].iter().all(|w| w[1] == json!(0)), "{tp:?}");
    assert_eq!(
        f["loop_backs"],
        json!([
            {"from": "modeling", "to": "data-preparation", "count": 2},
            {"from": "evaluation", "to": "modeling", "count": 1},
        ])
    );
    assert_eq!(
        f["breaches"],
        json!([
            {"lane": "modeling", "limit": 4, "from": "2026-10-10", "to": "2026-10-11", "max": 5},
            {"lane": "modeling", "limit": 4, "from": "2026-10-13", "to": "2026-10-13", "max": 5},
            {"lane": "evaluation", "limit": 2, "from": "2026-10-14", "to": "2026-10-14", "max": 3},
            {"lane": "deployment", "limit": 2, "from": "2026-10-20", "to": until, "max": 3},
        ])
    );

    // The text output carries the same figures.
    let text = ok(&r.lanes(&["flow"]));
    let row =
        |lane: &str, n: usize, med: &str, p: &str| format!("  {lane:<28} {n:>6} {med:>7} {p:>7}");
    let lines: Vec<&str> = text.lines().collect();
    for want in [
        "Flow 2026-10-01 .. ".to_string() + &until,
        row("Data Preparation", 4, "2.0d", "3.0d"),
        row("Modeling", 5, "1.0d", "7.0d"),
        row("Evaluation", 4, "1.0d", "1.0d"),
        row("End to end (to done)", 3, "14.0d", "14.0d"),
        "  2026-W42    2 ■■".to_string(),
        "  2026-W43    1 ■".to_string(),
        "    2  Modeling -> Data Preparation".to_string(),
        "    1  Evaluation -> Modeling".to_string(),
        "  Modeling over 4 from 2026-10-10 to 2026-10-11 (at most 5)".to_string(),
        "  Modeling over 4 from 2026-10-13 to 2026-10-13 (at most 5)".to_string(),
        "  Evaluation over 2 from 2026-10-14 to 2026-10-14 (at most 3)".to_string(),
        format!("  Deployment over 2 from 2026-10-20 to {until} (at most 3)"),
    ] {
        assert!(
            lines.contains(&want.as_str()),
            "no line {want:?} in:\n{text}"
        );
    }
    for (day, counts) in [
        ("2026-10-01", "   0  0  2  1  0  0 "),
        ("2026-10-15", "   0  0  0  3  1  2 "),
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("  {day}{counts}"))),
            "no flow row for {day} in:\n{text}"
        );
    }
}

#[test]
fn flow_since_narrows_every_figure() {
    let sc = scenario();
    let f = sc.repo.json(&["flow", "--json", "--since", "2026-10-12"]);
    assert_eq!(f["since"], json!("2026-10-12"));
    assert_eq!(f["cfd"][0], json!(["2026-10-12", [0, 0, 0, 4, 2, 0]]));
    assert_eq!(cfd_on(&f, "2026-10-14"), json!([0, 0, 0, 3, 3, 0]));
    // Only visits that ended in the period: modeling 7d (H), 1d (H), 7d (X).
    assert_eq!(cycle("data-preparation", &f), Value::Null);
    assert_eq!(cycle("modeling", &f), spread(3, 7 * DAY, 7 * DAY));
    assert_eq!(cycle("evaluation", &f), spread(4, DAY, DAY));
    assert_eq!(f["end_to_end"], spread(3, 14 * DAY, 14 * DAY));
    assert_eq!(f["throughput"][0], json!(["2026-W42", 2]));
    assert_eq!(f["throughput"][1], json!(["2026-W43", 1]));
    assert_eq!(
        f["loop_backs"],
        json!([{"from": "evaluation", "to": "modeling", "count": 1}])
    );
    let breaches = f["breaches"].as_array().expect("breaches");
    assert_eq!(breaches.len(), 3, "{breaches:?}");
    assert_eq!(
        breaches[0],
        json!({"lane": "modeling", "limit": 4, "from": "2026-10-13", "to": "2026-10-13", "max": 5})
    );
}

// ---------------------------------------------------------------------------
// lanes report

fn person(rep: &Value, who: Who) -> &Value {
    &rep["people"][who.name]
}

/// Every Markdown table row has as many cell separators as its header:
/// an unescaped `|` in card text would add a column.
fn check_tables(md: &str) {
    let mut header: Option<usize> = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let bytes = line.as_bytes();
        let pipes = (0..bytes.len())
            .filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\'))
            .count();
        match header {
            None => header = Some(pipes),
            Some(n) => assert_eq!(pipes, n, "a row breaks its table: {line:?}\n{md}"),
        }
    }
}

#[test]
fn report_json_has_the_known_answers() {
    let sc = scenario();
    let r = &sc.repo;
    let rep = r.json(&["report", "--format", "json", "--since", "2026-10-01"]);
    assert_eq!(rep["board"], json!("Research board"));
    assert_eq!(rep["since"], json!("2026-10-01"));
    assert_eq!(
        rep["lanes"],
        json!([
            ["Business Understanding", 0, 3],
            ["Data Understanding", 0, 3],
            ["Data Preparation", 0, 3],
            ["Modeling", 2, 4],
            ["Evaluation", 1, 2],
            ["Deployment", 3, 2],
        ])
    );
    let tested: Vec<(&str, &str, &str, &str)> = rep["tested"]
        .as_array()
        .expect("tested")
        .iter()
        .map(|h| (s(h, "id"), s(h, "result"), s(h, "target"), s(h, "verdict")))
        .collect();
    assert_eq!(
        tested,
        vec![
            (sc.g.as_str(), "0.37", "0.35", "supported"),
            (sc.k.as_str(), "0.55", "0.6", "inconclusive"),
            (sc.h.as_str(), "0.232", "0.25", "refuted"),
        ]
    );
    let refuted: Vec<&str> = rep["refuted"]
        .as_array()
        .expect("refuted")
        .iter()
        .map(|h| s(h, "id"))
        .collect();
    assert_eq!(refuted, vec![sc.h.as_str()]);
    // 12.5 (a plain number), "3 GPU-hours" and "2 GPU-hours".
    assert_eq!(rep["cost_total"], json!({"": 12.5, "GPU-hours": 5.0}));
    assert_eq!(rep["cost_in_period"], json!({"": 12.5, "GPU-hours": 5.0}));
    assert_eq!(
        rep["overdue"],
        json!([[short(&sc.k), NASTY_TITLE, "2026-10-20"]])
    );
    assert_eq!(rep["over_wip"], json!([["Deployment", 3, 2]]));
    assert_eq!(
        rep["loop_backs"],
        json!([
            {"from": "Modeling", "to": "Data Preparation", "count": 2, "from_lane": "modeling", "to_lane": "data-preparation"},
            {"from": "Evaluation", "to": "Modeling", "count": 1, "from_lane": "evaluation", "to_lane": "modeling"},
        ])
    );
    // Who did what: board work only. Bob's training-code commit changes no
    // card file and is not counted; Chen's note on the merged branch is
    // Chen's; the merge only brings it in, changing no card itself, so it
    // is nobody's board work; Dana's hand edit is "other".
    assert_eq!(
        rep["people"],
        json!({
            "Alice Archer": {"add": 2, "edit": 2, "init": 1, "move": 4},
            "Bob Brown": {"add": 1, "move": 9},
            "Chen Wei": {"add": 4, "archive": 1, "edit": 2, "note": 2, "verdict": 3},
            "Dana Diaz": {"other": 1},
        })
    );

    // A later period: H's verdict (10-07) is no longer news.
    let late = r.json(&["report", "--format", "json", "--since", "2026-10-12"]);
    let ids: Vec<&str> = late["tested"]
        .as_array()
        .expect("tested")
        .iter()
        .map(|h| s(h, "id"))
        .collect();
    assert_eq!(ids, vec![sc.g.as_str(), sc.k.as_str()]);
    assert_eq!(late["refuted"], json!([]));
    assert_eq!(
        late["loop_backs"],
        json!([{"from": "Evaluation", "to": "Modeling", "count": 1, "from_lane": "evaluation", "to_lane": "modeling"}])
    );
    assert_eq!(
        late["people"],
        json!({
            "Alice Archer": {"add": 1, "move": 3},
            "Bob Brown": {"move": 4},
            "Chen Wei": {"add": 1, "archive": 1, "edit": 1, "verdict": 2},
        })
    );
    // Only Q changed after 10-17: no experiment cost touched in the period.
    let quiet = r.json(&["report", "--format", "json", "--since", "2026-10-17"]);
    assert_eq!(quiet["cost_in_period"], json!({}));
    assert_eq!(quiet["cost_total"], json!({"": 12.5, "GPU-hours": 5.0}));
    assert_eq!(quiet["tested"], json!([]));
}

#[test]
fn report_markdown_is_safe_and_complete() {
    let sc = scenario();
    let r = &sc.repo;
    let md = ok(&r.lanes(&["report", "--since", "2026-10-01"]));
    no_escapes("lanes report", &md);
    check_tables(&md);
    let lines: Vec<&str> = md.lines().collect();
    let has = |want: &str| {
        assert!(lines.contains(&want), "no line {want:?} in:\n{md}");
    };
    has("| Modeling | 2 | 4 |");
    has("| Deployment | 3 ⚠ | 2 |");
    has("## Hypotheses tested (3)");
    // Each row names its card (issue 22); none has a run.
    has(&format!("| {} | Two-tower beats ALS on recall@20 | recall@20 | 0.3 | 0.35 | 0.37 | — | **supported** |", short(&sc.g)));
    has(&format!(
        "| {} | Ablate \\| dropout ^[[31mred | F1 | 0.5 | 0.6 | 0.55 | — | **inconclusive** |",
        short(&sc.k)
    ));
    has(&format!(
        "| {} | Weekend features lift ndcg@10 | ndcg@10 | 0.21 | 0.25 | 0.232 | — | **refuted, because: the lift is within the noise of the baseline** |",
        short(&sc.h)
    ));
    // Refuted hypotheses are what we learned.
    let learned = md
        .split("## What we learned")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a 'What we learned' section");
    assert!(
        learned.contains(
            &format!("- Weekend features lift ndcg@10 ({}) — ndcg@10 came out at 0.232 against a target of 0.25 (baseline 0.21).", short(&sc.h))
        ),
        "{learned}"
    );
    assert!(!learned.contains("Two-tower"), "{learned}");
    let cost = md
        .lines()
        .find(|l| l.starts_with("Experiments touched in the period"))
        .expect("cost line");
    assert!(
        cost.contains("12.5") && cost.contains("5 GPU-hours"),
        "{cost}"
    );
    has(&format!(
        "- Overdue since 2026-10-20: Ablate \\| dropout ^[[31mred ({})",
        short(&sc.k)
    ));
    has("- Deployment holds 3 cards, over its limit of 2");
    has("- Modeling → Data Preparation: 2");
    has("- Evaluation → Modeling: 1");
    has("- Alice Archer: 2 add, 2 edit, 1 init, 4 move");
    has("- Bob Brown: 1 add, 9 move");
    has("- Chen Wei: 4 add, 1 archive, 2 edit, 2 note, 3 verdict");
    has("- Dana Diaz: 1 other");

    let late = ok(&r.lanes(&["report", "--since", "2026-10-12"]));
    check_tables(&late);
    assert!(late.contains("## Hypotheses tested (2)"), "{late}");
    assert!(late.contains("None refuted in this period."), "{late}");
}

// ---------------------------------------------------------------------------
// lanes hypotheses

/// A dotted path (`values.baseline`) in a JSON object.
fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

#[test]
fn deprecated_json_names_are_kept_beside_their_successors_and_documented() {
    use lanes::history::deprecated::{removed_in, ALIASES};
    let sc = scenario();
    let r = &sc.repo;
    let hyps = r.json(&["hypotheses", "--json"]);
    let rep = r.json(&["report", "--format", "json", "--since", "2026-10-01"]);
    let flow = r.json(&["flow", "--json"]);
    let format = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/FORMAT.md"))
        .expect("docs/FORMAT.md");
    let section = format
        .split("### Deprecated names")
        .nth(1)
        .and_then(|s| s.split("\n### ").next())
        .expect("docs/FORMAT.md has a Deprecated names section");
    for a in ALIASES {
        let objects: Vec<&Value> = match a.output {
            "lanes hypotheses --json" => vec![&hyps[0], &rep["tested"][0]],
            "lanes report --format json" => vec![&rep],
            "lanes flow --json" => vec![&flow],
            other => panic!("no check for {other}"),
        };
        for o in objects {
            assert!(
                at(o, a.old).is_some(),
                "{}: {} is gone too early",
                a.output,
                a.old
            );
            assert!(at(o, a.new).is_some(), "{}: no {}", a.output, a.new);
        }
        let row = section
            .lines()
            .find(|l| l.contains(&format!("`{}`", a.old)) && l.contains(&format!("`{}`", a.new)))
            .unwrap_or_else(|| panic!("docs/FORMAT.md lists no {} -> {}", a.old, a.new));
        assert!(
            row.trim_end().ends_with(&format!("| {} |", removed_in())),
            "{row}"
        );
    }
}

#[test]
fn hypotheses_json_has_numbers_as_numbers() {
    let r = Repo::with_board("crisp-dm");
    let id = r
        .ok(&[
            "add",
            "Zero baseline",
            "--hypothesis",
            "Alerts catch drift",
            "--metric",
            "recall",
            "--baseline",
            "0.0",
            "--target",
            "0.50",
        ])
        .trim()
        .to_string();
    let rows = r.json(&["hypotheses", "--json"]);
    let row = &rows[0];
    assert_eq!(row["id"], json!(id));
    assert_eq!(
        row["values"],
        json!({"baseline": 0.0, "target": 0.5, "result": null})
    );
    // No cost: null, not "".
    assert_eq!(row["experiment_cost"], Value::Null);
    ok(&r.lanes(&["edit", &id, "--set", "experiment.cost=14.50"]));
    let rows = r.json(&["hypotheses", "--json"]);
    assert_eq!(
        rows[0]["experiment_cost"],
        json!({"amount": 14.5, "unit": null})
    );
    ok(&r.lanes(&["edit", &id, "--set", "experiment.cost=$1,200 (spot)"]));
    let rows = r.json(&["hypotheses", "--json"]);
    assert_eq!(
        rows[0]["experiment_cost"],
        json!({"amount": 1200.0, "unit": "$"})
    );
}

#[test]
fn hypotheses_table_with_verdict_history() {
    let sc = scenario();
    let r = &sc.repo;
    let rows = r.json(&["hypotheses", "--json"]);
    let ids: Vec<&str> = rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|h| s(h, "id"))
        .collect();
    // Board order: G (modeling), K (evaluation), H (deployment).
    assert_eq!(ids, vec![sc.g.as_str(), sc.k.as_str(), sc.h.as_str()]);
    assert_eq!(
        rows[2],
        json!({
            "id": sc.h,
            "title": "Weekend features v2",
            "statement": "Weekend features lift ndcg@10",
            "metric": "ndcg@10",
            "direction": "",
            "baseline": "0.21",
            "target": "0.25",
            "result": "0.232",
            "verdict": "refuted",
            // The numbers alone give inconclusive: the team said why.
            "rationale": "the lift is within the noise of the baseline",
            "cost": "12.5",
            // The same, read as an amount (issue 27).
            "experiment_cost": {"amount": 12.5, "unit": null},
            "owner": "alice",
            "lane": "deployment",
            "verdicts": [["2026-10-01", "open"], ["2026-10-07", "refuted"]],
            // add, 3 moves, result, note, verdict, labels, hand edit, the
            // note made on the merged branch, 4 moves.
            "revisions": 14,
            "updated": "2026-10-15",
            // The same, typed.
            "values": {"baseline": 0.21, "target": 0.25, "result": 0.232},
            "verdict_history": [
                {"date": "2026-10-01", "at": "2026-10-01T10:00:00Z", "verdict": "open"},
                {"date": "2026-10-07", "at": "2026-10-07T10:00:00Z", "verdict": "refuted"},
            ],
            "updated_at": "2026-10-15T10:00:00Z",
            // No evidence recorded from a run: never stale.
            "stale": false,
            "stale_why": [],
            // No run behind the result (issue 22).
            "runs": [],
            "evidence_source": null,
            // Its labels (issue 29).
            "run": null,
            "labels": ["needs-review"],
        })
    );
    assert_eq!(
        rows[0],
        json!({
            "id": sc.g,
            "title": "Two-tower retrieval",
            "statement": "Two-tower beats ALS on recall@20",
            "metric": "recall@20",
            "direction": "",
            "baseline": "0.3",
            "target": "0.35",
            "result": "0.37",
            "verdict": "supported",
            "rationale": null,
            "cost": "3 GPU-hours",
            "experiment_cost": {"amount": 3.0, "unit": "GPU-hours"},
            "owner": "chen",
            "lane": "modeling",
            "verdicts": [["2026-10-01", "open"], ["2026-10-14", "supported"]],
            "revisions": 3,
            "updated": "2026-10-14",
            "values": {"baseline": 0.3, "target": 0.35, "result": 0.37},
            "verdict_history": [
                {"date": "2026-10-01", "at": "2026-10-01T10:10:00Z", "verdict": "open"},
                {"date": "2026-10-14", "at": "2026-10-14T11:00:00Z", "verdict": "supported"},
            ],
            "updated_at": "2026-10-14T11:00:00Z",
            // No evidence recorded from a run: never stale.
            "stale": false,
            "stale_why": [],
            // No run behind the result (issue 22).
            "runs": [],
            "evidence_source": null,
            "run": null,
            "labels": [],
        })
    );
    assert_eq!(rows[1]["title"], json!(NASTY_TITLE));
    assert_eq!(rows[1]["statement"], json!(""));
    assert_eq!(rows[1]["cost"], json!("2 GPU-hours"));
    assert_eq!(
        rows[1]["experiment_cost"],
        json!({"amount": 2.0, "unit": "GPU-hours"})
    );
    assert_eq!(rows[1]["owner"], json!(""));
    assert_eq!(
        rows[1]["verdicts"],
        json!([["2026-10-12", "open"], ["2026-10-16", "inconclusive"]])
    );

    let only = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["hypotheses", "--json"];
        a.extend_from_slice(args);
        r.json(&a)
            .as_array()
            .expect("rows")
            .iter()
            .map(|h| s(h, "id").to_string())
            .collect()
    };
    assert_eq!(only(&["--verdict", "refuted"]), vec![sc.h.clone()]);
    assert_eq!(only(&["--verdict", "supported"]), vec![sc.g.clone()]);
    assert_eq!(only(&["--verdict", "open"]), Vec::<String>::new());
    assert_eq!(
        only(&["--sort", "updated"]),
        vec![sc.k.clone(), sc.h.clone(), sc.g.clone()]
    );
    assert_eq!(
        only(&["--sort", "verdict"]),
        vec![sc.k.clone(), sc.h.clone(), sc.g.clone()]
    );
    assert_eq!(only(&["--metric", "NDCG"]), vec![sc.h.clone()]);
    assert_eq!(only(&["--lane", "modeling"]), vec![sc.g.clone()]);

    let text = ok(&r.lanes(&["hypotheses"]));
    no_escapes("lanes hypotheses", &text);
    let h_row = text
        .lines()
        .find(|l| l.starts_with(short(&sc.h)))
        .unwrap_or_else(|| panic!("no row for H in:\n{text}"));
    for want in [
        "Weekend features lift ndcg@10",
        "ndcg@10",
        "0.21 → 0.25 → 0.232",
        "refuted",
        "alice",
    ] {
        assert!(h_row.contains(want), "{want:?} not in {h_row:?}");
    }
}

// ---------------------------------------------------------------------------
// The history cache

/// Run a command once with the cache as it is and once from scratch (cache
/// deleted before): the answers must be the same.
fn same_as_fresh(r: &Repo, args: &[&str]) -> String {
    let cached = timeless(ok(&r.lanes(args)));
    let _ = std::fs::remove_file(r.history_cache());
    let fresh = timeless(ok(&r.lanes(args)));
    assert_eq!(
        cached, fresh,
        "lanes {args:?}: cached and fresh runs differ"
    );
    fresh
}

const CACHED: &[&[&str]] = &[
    &["flow", "--json"],
    &["log", "--json"],
    &["report", "--format", "json", "--since", "2026-10-01"],
    &["hypotheses", "--json"],
];

#[test]
fn history_cache_is_private_reused_and_never_stale() {
    let sc = scenario();
    let r = &sc.repo;
    let _ = std::fs::remove_file(r.history_cache());
    let first = ok(&r.lanes(&["flow", "--json"]));
    assert!(r.history_cache().is_file(), "no cache after a first run");
    assert_eq!(r.git(&["status", "--porcelain", "--ignored"]), "");
    assert_eq!(
        r.git(&["ls-files", "--others", "--cached"])
            .lines()
            .filter(|l| l.contains("history"))
            .count(),
        0
    );
    let cache_text = std::fs::read(r.history_cache()).expect("read cache");
    let second = ok(&r.lanes(&["flow", "--json"]));
    assert_eq!(
        timeless(first),
        timeless(second),
        "a second run changed the answer"
    );
    assert_eq!(
        std::fs::read(r.history_cache()).expect("read cache"),
        cache_text,
        "nothing changed, yet the cache was rewritten differently"
    );
    let reference: Vec<String> = CACHED.iter().map(|a| timeless(ok(&r.lanes(a)))).collect();

    // New commits show up.
    r.lanes_as(BOB, &iso(21, 10, 0), &["move", &sc.m1, "evaluation"]);
    r.lanes_as(CHEN, &iso(22, 10, 0), &["note", &sc.m1, "lr 3e-4 wins"]);
    r.lanes_as(ALICE, &iso(23, 10, 0), &["move", &sc.q, "evaluation"]);
    let f: Value = serde_json::from_str(&ok(&r.lanes(&["flow", "--json"]))).expect("json");
    assert_eq!(cfd_on(&f, "2026-10-21"), json!([0, 0, 0, 1, 2, 3]));
    assert_eq!(cfd_on(&f, "2026-10-23"), json!([0, 0, 0, 1, 3, 2]));
    assert_eq!(cycle("modeling", &f)["count"], json!(6));
    assert_eq!(
        f["loop_backs"][2],
        json!({"from": "deployment", "to": "evaluation", "count": 1})
    );
    for a in CACHED {
        same_as_fresh(r, a);
    }

    // Back three commits: exactly the answers from before, not the cache's.
    ok(&r.lanes(&["flow", "--json"])); // the cache now knows the three commits
    r.git(&["reset", "-q", "--hard", "HEAD~3"]);
    for (a, want) in CACHED.iter().zip(&reference) {
        let got = timeless(ok(&r.lanes(a)));
        let first = got
            .lines()
            .zip(want.lines())
            .enumerate()
            .find(|(_, (x, y))| x != y);
        assert!(
            &got == want,
            "lanes {a:?} after reset --hard HEAD~3: first difference at {first:?}"
        );
        assert_eq!(&same_as_fresh(r, a), want);
    }

    // A different line of history sharing a prefix (the merged branch).
    ok(&r.lanes(&["flow", "--json"]));
    r.git(&["checkout", "-q", "exp"]);
    for a in CACHED {
        same_as_fresh(r, a);
    }
    r.git(&["checkout", "-q", "main"]);
    // A rewritten tip: amend the last commit with another author and date.
    ok(&r.lanes(&["flow", "--json"]));
    r.git_as(
        DANA,
        &iso(20, 18, 0),
        &[
            "commit",
            "-q",
            "--amend",
            "--reset-author",
            "-m",
            "Move Q (amended)",
        ],
    );
    for a in CACHED {
        same_as_fresh(r, a);
    }
    let rep: Value = serde_json::from_str(&ok(&r.lanes(&[
        "report",
        "--format",
        "json",
        "--since",
        "2026-10-01",
    ])))
    .expect("json");
    assert_eq!(person(&rep, DANA), &json!({"other": 2}));

    // A damaged cache is ignored, not trusted.
    std::fs::write(r.history_cache(), "lanes-history 1\tnonsense\ngarbage\n").expect("write");
    let fresh_after_damage = ok(&r.lanes(&["flow", "--json"]));
    let _ = std::fs::remove_file(r.history_cache());
    assert_eq!(fresh_after_damage, ok(&r.lanes(&["flow", "--json"])));
    // So is a damaged or foreign list of merged-branch commits.
    let side = r.history_cache().with_file_name("side-v1");
    let want = ok(&r.lanes(&["log", "--json"]));
    for junk in ["lanes-side 1\tnot-a-commit\nc\tx\n", "garbage", ""] {
        std::fs::write(&side, junk).expect("write");
        assert_eq!(ok(&r.lanes(&["log", "--json"])), want);
    }
    assert_eq!(r.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_board_in_a_subfolder_of_the_repository() {
    let r = Repo::new();
    let sub = r.abs("research");
    std::fs::create_dir_all(&sub).expect("mkdir");
    let b = sub.to_str().expect("utf-8 path");
    std::fs::write(r.abs("README.md"), "code lives here\n").expect("write");
    r.git(&["add", "README.md"]);
    r.git_as(
        DANA,
        &iso(1, 8, 0),
        &["commit", "-q", "-m", "Start the project"],
    );
    r.lanes_as(ALICE, &iso(1, 9, 0), &["--board", b, "init"]);
    let c = r
        .lanes_as(
            ALICE,
            &iso(1, 10, 0),
            &["--board", b, "add", "C", "--lane", "modeling"],
        )
        .trim()
        .to_string();
    r.lanes_as(
        BOB,
        &iso(3, 10, 0),
        &["--board", b, "move", &c, "evaluation"],
    );
    r.lanes_as(BOB, &iso(4, 10, 0), &["--board", b, "move", &c, "modeling"]);
    let log = r.json(&["--board", b, "log", &c, "--json"]);
    let lanes: Vec<Changes> = log
        .as_array()
        .expect("array")
        .iter()
        .map(|e| {
            without_rank(e)
                .into_iter()
                .filter(|(f, _, _)| f == "lane")
                .collect()
        })
        .collect();
    assert_eq!(
        lanes,
        vec![
            vec![ch("lane", None, Some("modeling"))],
            vec![ch("lane", Some("modeling"), Some("evaluation"))],
            vec![ch("lane", Some("evaluation"), Some("modeling"))],
        ]
    );
    let f = r.json(&["--board", b, "flow", "--json"]);
    assert_eq!(cycle("modeling", &f), spread(1, 2 * DAY, 2 * DAY));
    assert_eq!(
        f["loop_backs"],
        json!([{"from": "evaluation", "to": "modeling", "count": 1}])
    );
    assert_eq!(cfd_on(&f, "2026-10-03"), json!([0, 0, 0, 0, 1, 0]));
}

// ---------------------------------------------------------------------------
// Bugs these tests found in src/ (fixed in 4076613): kept as regression
// tests.

#[test]
fn work_on_merged_branches_is_credited_to_its_author() {
    let sc = scenario();
    let r = &sc.repo;
    let rep = r.json(&["report", "--format", "json", "--since", "2026-10-01"]);
    assert_eq!(
        person(&rep, CHEN)["note"],
        json!(2),
        "Chen wrote two notes on H, one on branch exp: {:#}",
        rep["people"]
    );
    let chen = r.json(&["log", "--json", "--author", "chen"]);
    let item = chen
        .as_array()
        .expect("array")
        .iter()
        .find(|e| s(e, "commit") == sc.commit("branch note H"))
        .unwrap_or_else(|| panic!("Chen's note made on the merged branch is not in the feed"));
    assert_eq!(item["action"], json!("note"));
    assert_eq!(item["time"], json!(ts(9, 10, 0)));
    assert_eq!(item["cards"][0]["id"], json!(sc.h));
    // In time order among the main line's commits (newest first).
    let all = feed_commits(&r.json(&["log", "--json"]));
    let at = |label: &str| {
        all.iter()
            .position(|c| c == sc.commit(label))
            .unwrap_or_else(|| panic!("{label} not in the feed"))
    };
    assert!(at("edit G cost") < at("branch note H") && at("branch note H") < at("hand edit"));
}

#[test]
fn feed_items_from_merged_branches_look_like_the_others() {
    let sc = scenario();
    let r = &sc.repo;
    // On 10-09 H was in Modeling (it is in Deployment today).
    let modeling = r.json(&[
        "log",
        "--json",
        "--lane",
        "modeling",
        "--since",
        "2026-10-09",
    ]);
    let item = modeling
        .as_array()
        .expect("array")
        .iter()
        .find(|e| s(e, "commit") == sc.commit("branch note H"))
        .unwrap_or_else(|| {
            panic!("the branch note on H (in Modeling then) is missing: {modeling:#}")
        });
    assert_eq!(
        item["cards"],
        json!([{
            "id": sc.h,
            "title": "Weekend features v2",
            "lane_before": "modeling",
            "lane_after": "modeling",
        }])
    );
    let deployment = r.json(&["log", "--json", "--lane", "deployment"]);
    assert!(
        !feed_commits(&deployment).contains(&sc.commit("branch note H").to_string()),
        "H was not in Deployment on 10-09"
    );
}

#[test]
fn who_did_what_counts_board_work_only() {
    let r = Repo::new();
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    r.lanes_as(ALICE, &iso(1, 10, 0), &["add", "A card"]);
    std::fs::write(r.abs("README.md"), "docs\n").expect("write");
    r.git(&["add", "README.md"]);
    r.git_as(
        DANA,
        &iso(2, 10, 0),
        &["commit", "-q", "-m", "Write the README"],
    );
    let rep = r.json(&["report", "--format", "json", "--since", "2026-10-01"]);
    assert_eq!(
        rep["people"],
        json!({"Alice Archer": {"add": 1, "init": 1}}),
        "Dana's README commit is not board work"
    );
}

#[test]
fn rebased_commits_never_give_negative_durations() {
    let r = Repo::new();
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    let c = r
        .lanes_as(
            ALICE,
            &iso(1, 10, 0),
            &["add", "C", "--lane", "data-preparation"],
        )
        .trim()
        .to_string();
    r.lanes_as(ALICE, &iso(3, 10, 0), &["move", &c, "modeling"]);
    // Authored on the 2nd, rebased on top of the move on the 3rd (as
    // `git pull --rebase` does): author date older than its parent's.
    r.lanes_as_dates(
        BOB,
        &iso(2, 10, 0),
        &iso(3, 11, 0),
        &["move", &c, "deployment"],
    );
    let f = r.json(&["flow", "--json"]);
    for c in f["cycle"].as_array().expect("cycle") {
        if let Some(m) = c["time_in_lane"]["median"].as_i64() {
            assert!(m >= 0, "negative time in lane: {c}");
        }
    }
    let e2e = f["end_to_end"]["median"].as_i64().expect("a card finished");
    assert!(e2e >= 0, "negative end to end: {}", f["end_to_end"]);
}

#[test]
fn end_to_end_is_never_shorter_than_the_time_in_lanes() {
    let r = Repo::new();
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    let c = r
        .lanes_as(
            ALICE,
            &iso(1, 10, 0),
            &["add", "C", "--lane", "data-preparation"],
        )
        .trim()
        .to_string();
    r.lanes_as(ALICE, &iso(3, 10, 0), &["move", &c, "modeling"]);
    r.lanes_as_dates(
        BOB,
        &iso(2, 10, 0),
        &iso(3, 11, 0),
        &["move", &c, "deployment"],
    );
    let f = r.json(&["flow", "--json"]);
    let in_lanes: i64 = f["cycle"]
        .as_array()
        .expect("cycle")
        .iter()
        .filter_map(|c| c["time_in_lane"]["median"].as_i64())
        .sum();
    assert_eq!(cycle("data-preparation", &f), spread(1, 2 * DAY, 2 * DAY));
    let e2e = f["end_to_end"]["median"].as_i64().expect("a card finished");
    assert!(
        e2e >= in_lanes,
        "end to end {e2e} s, yet {in_lanes} s in lanes before the last: {f:#}"
    );
}

#[test]
fn an_unreadable_hand_edit_is_not_a_deletion() {
    let r = Repo::new();
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    let c = r
        .lanes_as(ALICE, &iso(1, 10, 0), &["add", "C", "--lane", "modeling"])
        .trim()
        .to_string();
    let path = r.card_file(&c);
    let good = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, format!("id: {c}\ntitle: [unclosed\n")).expect("write");
    r.git(&["add", "-A"]);
    r.git_as(DANA, &iso(2, 10, 0), &["commit", "-q", "-m", "Oops"]);
    std::fs::write(&path, good).expect("write");
    r.git(&["add", "-A"]);
    r.git_as(
        DANA,
        &iso(3, 10, 0),
        &["commit", "-q", "-m", "Fix the card"],
    );
    let log = r.json(&["log", &c, "--json"]);
    let entries = log.as_array().expect("array");
    assert_eq!(entries.len(), 3, "{log:#}");
    for e in &entries[1..] {
        assert!(
            !without_rank(e).iter().any(|(f, _, _)| f == "card"),
            "the card file was there all along, yet: {e:#}"
        );
    }
    let oops = without_rank(&entries[1]);
    assert_eq!(oops.len(), 1, "{oops:?}");
    assert_eq!(oops[0].0, "file");
    assert!(
        oops[0]
            .2
            .as_deref()
            .is_some_and(|a| a.starts_with("made unreadable")),
        "{oops:?}"
    );
    assert_eq!(
        without_rank(&entries[2]),
        vec![ch("file", None, Some("readable again"))],
        "the repair is compared with the last readable version"
    );
}

#[test]
fn the_timeline_of_a_removed_card() {
    let r = Repo::new();
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    let c = r
        .lanes_as(ALICE, &iso(1, 10, 0), &["add", "C", "--lane", "modeling"])
        .trim()
        .to_string();
    r.git_as(
        DANA,
        &iso(2, 10, 0),
        &["rm", "-q", &format!(".lanes/cards/{c}.yaml")],
    );
    r.git_as(DANA, &iso(2, 10, 0), &["commit", "-q", "-m", "Remove C"]);
    let out = r.lanes(&["log", &c, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(log.as_array().expect("array").len(), 2, "{log:#}");
    assert_eq!(
        changes(&log[1]),
        vec![ch("card", Some("existed"), None)],
        "{log:#}"
    );
}

#[test]
fn verdict_history_follows_yaml_not_layout() {
    let r = Repo::new();
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    let add = |title: &str, mm: i64| {
        r.lanes_as(
            ALICE,
            &iso(1, 10, mm),
            &[
                "add",
                title,
                "--kind",
                "hypothesis",
                "--hypothesis",
                title,
                "--metric",
                "F1",
            ],
        )
        .trim()
        .to_string()
    };
    let b = add("Four spaces", 0);
    let c = add("Quoted", 1);
    let pb = r.card_file(&b);
    let text = std::fs::read_to_string(&pb).expect("read");
    let text = text
        .replace("  verdict: open", "  verdict: refuted")
        .replace("\n  ", "\n    ");
    std::fs::write(&pb, text).expect("write");
    let pc = r.card_file(&c);
    let text = std::fs::read_to_string(&pc).expect("read");
    std::fs::write(&pc, text.replace("verdict: open", "verdict: \"refuted\"")).expect("write");
    r.git(&["add", "-A"]);
    r.git_as(
        DANA,
        &iso(2, 10, 0),
        &["commit", "-q", "-m", "Verdicts by hand"],
    );
    assert_eq!(ok(&r.lanes(&["validate"])), "");
    let rows = r.json(&["hypotheses", "--json"]);
    for row in rows.as_array().expect("rows") {
        assert_eq!(row["verdict"], json!("refuted"), "{row:#}");
        assert_eq!(
            row["verdicts"],
            json!([["2026-10-01", "open"], ["2026-10-02", "refuted"]]),
            "{row:#}"
        );
    }
    let rep = r.json(&["report", "--format", "json", "--since", "2026-10-01"]);
    assert_eq!(
        rep["tested"].as_array().expect("tested").len(),
        2,
        "{rep:#}"
    );
}

/// A card whose tree entry follows an entry whose object id holds a zero
/// byte 21 bytes before one of the card name's digits: a reader that finds
/// entry starts in a raw tree by looking back for `NUL + 20 bytes + digit`
/// starts in the middle of the name and loses the change. Flow and the feed
/// must still see the move.
#[test]
fn a_change_is_seen_whatever_the_bytes_of_the_neighbouring_tree_entry() {
    let r = Repo::new();
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    let mut ids: Vec<String> = Vec::new();
    // Two cards next to each other in the cards folder, the second with a
    // digit in its id (ids are random: add cards until such a pair exists).
    let (a, b, k) = loop {
        let n = ids.len();
        ids.push(
            r.lanes_as(
                ALICE,
                &iso(1, 10, n as i64),
                &["add", &format!("Card {n}"), "--lane", "modeling"],
            )
            .trim()
            .to_string(),
        );
        let mut sorted = ids.clone();
        sorted.sort();
        let found = sorted.windows(2).find_map(|w| {
            w[1].bytes()
                .rposition(|c| c.is_ascii_digit())
                .map(|k| (w[0].clone(), w[1].clone(), k))
        });
        if let Some(f) = found {
            break f;
        }
        assert!(ids.len() < 20, "no card id with a digit: {ids:?}");
    };
    // In the raw tree, b's entry is `100644 <b>.yaml\0<id>`, right after a's
    // 20 id bytes: the byte 21 before b's name character k is a's id byte
    // k + 6. Make it zero by padding a's file with a YAML comment.
    let path = r.card_file(&a);
    let base = std::fs::read_to_string(&path).expect("read");
    let text = (0..100_000)
        .map(|i| format!("{base}# pad {i}\n"))
        .find(|t| {
            git2::Oid::hash_object(git2::ObjectType::Blob, t.as_bytes())
                .expect("hash")
                .as_bytes()[k + 6]
                == 0
        })
        .expect("a padding that gives a zero byte");
    std::fs::write(&path, text).expect("write");
    r.git(&["add", "-A"]);
    r.git_as(DANA, &iso(2, 10, 0), &["commit", "-q", "-m", "Pad a card"]);
    let n = ids.len() as u64;
    r.lanes_as(BOB, &iso(3, 10, 0), &["move", &b, "evaluation"]);

    let f = r.json(&["flow", "--json"]);
    assert_eq!(cfd_on(&f, "2026-10-02"), json!([0, 0, 0, n, 0, 0]));
    assert_eq!(
        cfd_on(&f, "2026-10-03"),
        json!([0, 0, 0, n - 1, 1, 0]),
        "the move of {b} (after {a}) was lost"
    );
    let feed = r.json(&["log", "--json", "--since", "2026-10-03"]);
    assert_eq!(feed[0]["cards"][0]["id"], json!(b));
    assert_eq!(feed[0]["cards"][0]["lane_after"], json!("evaluation"));
    let log = r.json(&["log", &b, "--json"]);
    assert_eq!(log.as_array().expect("array").len(), 2, "{log:#}");
}

/// A long history is read on several threads, in stretches: the answers
/// must be those of reading it a little at a time (one stretch each).
#[test]
fn a_long_history_read_at_once_matches_one_read_in_steps() {
    let r = Repo::new();
    ok(&r.lanes(&["init"]));
    let lanes = [
        "business-understanding",
        "data-understanding",
        "data-preparation",
        "modeling",
        "evaluation",
    ];
    // 700 commits through fast-import, each moving one of 40 cards.
    let mut stream = String::new();
    let mut mark_time = 1_780_000_000i64;
    for n in 0..700usize {
        let id = format!("long{:02}xq7m", n % 40);
        let lane = lanes[(n / 40 + n % 3) % lanes.len()];
        let text = format!("id: {id}\ntitle: Card {}\nlane: {lane}\nrank: m\n", n % 40);
        mark_time += 3600;
        let msg = format!("lanes: move {id}\n\nLanes-Action: move\nLanes-Card: {id}\n");
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter Bot <bot@example.com> {mark_time} +0000\ndata {}\n{msg}\n",
            msg.len()
        ));
        if n == 0 {
            stream.push_str("from refs/heads/main^0\n");
        }
        stream.push_str(&format!(
            "M 100644 inline .lanes/cards/{id}.yaml\ndata {}\n{text}\n",
            text.len()
        ));
    }
    let mut child = r
        .git_cmd()
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("run git fast-import");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stream.as_bytes())
        .expect("feed fast-import");
    assert!(child.wait().expect("fast-import").success());
    r.git(&["reset", "-q", "--hard", "main"]);
    let tip = r.head();
    // In steps of 200 commits or fewer: each read is one stretch.
    let _ = std::fs::remove_file(r.history_cache());
    for back in [500, 300, 100, 0] {
        r.git(&["reset", "-q", "--hard", &format!("{tip}~{back}")]);
        ok(&r.lanes(&["log", "--json"]));
    }
    let stepped: Vec<String> = CACHED.iter().map(|a| timeless(ok(&r.lanes(a)))).collect();
    let _ = std::fs::remove_file(r.history_cache());
    let at_once: Vec<String> = CACHED.iter().map(|a| timeless(ok(&r.lanes(a)))).collect();
    assert_eq!(stepped, at_once);
    let flow: Value = serde_json::from_str(&at_once[0]).expect("flow json");
    assert!(flow.to_string().contains("loop"), "{flow}");
}

#[test]
fn reorders_read_as_moving_up_or_down_not_as_rank_keys() {
    let r = Repo::new();
    let at = |m: i64| iso(1, 9, m);
    r.lanes_as(ALICE, &at(0), &["init"]);
    let a = r
        .lanes_as(ALICE, &at(1), &["add", "Card A"])
        .trim()
        .to_string();
    let b = r
        .lanes_as(ALICE, &at(2), &["add", "Card B"])
        .trim()
        .to_string();
    r.lanes_as(ALICE, &at(2), &["add", "Card C", "--lane", "modeling"]);
    r.lanes_as(
        ALICE,
        &at(3),
        &["move", &a, "business-understanding", "--after", &b],
    );
    r.lanes_as(
        ALICE,
        &at(4),
        &["move", &a, "business-understanding", "--top"],
    );
    r.lanes_as(ALICE, &at(5), &["move", &a, "modeling"]);
    let text = ok(&r.lanes(&["log", &a]));
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("    ")).collect();
    assert_eq!(
        lines,
        [
            "    created",
            "    title: (none) -> Card A",
            "    lane: (none) -> business-understanding",
            "    kind: (none) -> task",
            "    created: (none) -> 2026-10-01",
            "    position: moved down",
            "    position: moved up",
            "    lane: business-understanding -> modeling",
        ],
        "{text}"
    );
    assert!(!text.contains("rank"), "{text}");
    // JSON keeps the fields as they are in the files.
    let log = r.json(&["log", &a, "--json"]);
    let ranks = log
        .as_array()
        .unwrap()
        .iter()
        .flat_map(changes)
        .filter(|(f, _, _)| f == "rank")
        .count();
    // Four: its first place (a created card lists every field), two
    // reorders, and a new place below Card C in modeling.
    assert_eq!(ranks, 4, "{log}");
}

// ---------------------------------------------------------------------------
// Times past 2106 (issue 21, item 10)

/// 100,000,000,000 seconds after the epoch: 5138-11-16T09:46:40Z, past
/// what 32 bits of seconds hold (2106).
const YEAR_5138: i64 = 100_000_000_000;

/// git's own reading of a commit's author and committer times.
fn git_times(r: &Repo, rev: &str) -> (i64, i64) {
    let line = r.git_line(&["log", "-1", "--format=%at %ct", rev]);
    let (a, c) = line.split_once(' ').expect("two times");
    (
        a.parse().expect("author time"),
        c.parse().expect("committer time"),
    )
}

/// The journal time of the card's last entry, in seconds.
fn last_journal_time(r: &Repo, id: &str) -> i64 {
    let card = r.card(id);
    let at = card["journal"]
        .as_sequence()
        .and_then(|j| j.last())
        .and_then(|e| e["at"].as_str())
        .expect("a journal entry")
        .to_string();
    lanes::model::date::parse_timestamp(&at).unwrap_or_else(|| panic!("journal time {at:?}"))
}

#[test]
fn a_change_dated_past_2106_is_committed_with_its_own_date() {
    let r = Repo::new();
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    let c = r
        .lanes_as(ALICE, &iso(1, 10, 0), &["add", "Far future"])
        .trim()
        .to_string();
    // GIT_AUTHOR_DATE and GIT_COMMITTER_DATE as git's own `@<seconds>`,
    // and as ISO 8601.
    r.at(Some(YEAR_5138));
    ok(&r.lanes(&["note", &c, "from the far future"]));
    assert_eq!(last_journal_time(&r, &c), YEAR_5138);
    assert_eq!(
        git_times(&r, "HEAD"),
        (YEAR_5138, YEAR_5138),
        "git reads another date than the journal's"
    );
    r.at(None);
    r.lanes_as(ALICE, "5138-11-16T09:47:40Z", &["move", &c, "modeling"]);
    assert_eq!(git_times(&r, "HEAD"), (YEAR_5138 + 60, YEAR_5138 + 60));
    let fsck = r.git_output(&["fsck", "--strict", "--no-dangling"]);
    assert!(fsck.status.success(), "git fsck: {}", both(&fsck));

    // History reads the times back as git does.
    let log = r.json(&["log", &c, "--json"]);
    let entries = log.as_array().expect("array");
    let tail: Vec<(i64, &str)> = entries[entries.len() - 2..]
        .iter()
        .map(|e| (e["time"].as_i64().expect("time"), s(e, "at")))
        .collect();
    assert_eq!(
        tail,
        [
            (YEAR_5138, "5138-11-16T09:46:40Z"),
            (YEAR_5138 + 60, "5138-11-16T09:47:40Z")
        ],
        "{log:#}"
    );

    // A signed commit carries the same date.
    let key = r.base().join("signing-key");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&key)
        .output();
    if !made.is_ok_and(|o| o.status.success()) {
        skip("ssh-keygen is not available for the signed commit");
        return;
    }
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("public key");
    let allowed = r.base().join("allowed-signers");
    std::fs::write(&allowed, format!("{} {public}", ALICE.email)).expect("write");
    for (k, v) in [
        ("gpg.format", "ssh"),
        ("user.signingkey", key.to_str().expect("path")),
        ("commit.gpgsign", "true"),
        (
            "gpg.ssh.allowedSignersFile",
            allowed.to_str().expect("path"),
        ),
    ] {
        r.git(&["config", k, v]);
    }
    r.lanes_as(
        ALICE,
        "@100000000120 +0200",
        &["note", &c, "signed, still far away"],
    );
    assert_eq!(last_journal_time(&r, &c), YEAR_5138 + 120);
    assert_eq!(git_times(&r, "HEAD"), (YEAR_5138 + 120, YEAR_5138 + 120));
    r.git(&["verify-commit", "HEAD"]);
}

// ---------------------------------------------------------------------------
// Partial and shallow clones (issue 21, item 8)

use common::remote::World;

/// A remote whose board has one card, "Loops", that goes from data
/// preparation to modeling and back four times (2026-10-02 to 10-09), with
/// filtered fetches allowed (as GitHub and GitLab allow them). The card's
/// id.
fn looping_remote() -> (World, String) {
    let world = World::new();
    let a = world.clone_remote("alice");
    a.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    let c = a
        .lanes_as(
            ALICE,
            &iso(1, 10, 0),
            &["add", "Loops", "--lane", "data-preparation"],
        )
        .trim()
        .to_string();
    for k in 0..4 {
        a.lanes_as(ALICE, &iso(2 + 2 * k, 10, 0), &["move", &c, "modeling"]);
        a.lanes_as(
            ALICE,
            &iso(3 + 2 * k, 10, 0),
            &["move", &c, "data-preparation"],
        );
    }
    a.git(&["push", "-q", "origin", "main"]);
    world.git_at(&world.remote, &["config", "uploadpack.allowFilter", "true"]);
    (world, c)
}

/// A `git://` URL on the loopback interface where nothing listens: a
/// remote that refuses connections.
fn refusing_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    format!("git://127.0.0.1:{port}/remote.git")
}

/// The world's remote as a `file://` URL: cloned with `--no-local`, it is
/// served by `git upload-pack` as over the network (filters included).
fn file_url(world: &World) -> String {
    format!("file://{}", world.remote.display())
}

/// Objects reachable from HEAD that this clone lacks (git's own count; it
/// fetches nothing to say so).
fn missing_objects(r: &Repo) -> usize {
    r.git(&["rev-list", "--objects", "--missing=print", "HEAD"])
        .lines()
        .filter(|l| l.starts_with('?'))
        .count()
}

fn loop_backs(f: &Value) -> Value {
    f["loop_backs"].clone()
}

const FOUR_LOOPS: fn() -> Value =
    || json!([{"from": "modeling", "to": "data-preparation", "count": 4}]);

/// Every field change of a card's log, as text, entry by entry.
fn log_lines(log: &Value) -> Vec<Vec<String>> {
    log.as_array()
        .expect("a list")
        .iter()
        .map(|e| {
            changes(e)
                .into_iter()
                .map(|(f, b, a)| format!("{f}: {b:?} -> {a:?}"))
                .collect()
        })
        .collect()
}

#[test]
fn a_partial_clone_fetches_the_card_versions_its_history_needs() {
    let (world, c) = looping_remote();
    let whole = world.clone_remote("whole");
    let p = world.clone_with(
        &file_url(&world),
        "partial",
        &["--filter=blob:none", "--no-local"],
    );
    let lacking = missing_objects(&p);
    assert!(lacking > 0, "the partial clone should lack card versions");

    let out = p.lanes(&["flow", "--json"]);
    let f: Value = serde_json::from_str(&ok(&out)).expect("json");
    assert_eq!(loop_backs(&f), FOUR_LOOPS(), "{f:#}");
    assert_eq!(f["history_complete"], json!(true), "{f:#}");
    assert_eq!(f["history_incomplete"], Value::Null);
    assert!(!stderr(&out).contains("incomplete"), "{}", stderr(&out));
    assert_eq!(missing_objects(&p), 0, "the versions were fetched, once");
    // The same answers as a whole clone, card log included.
    assert_eq!(
        timeless(ok(&p.lanes(&["flow", "--json"]))),
        timeless(ok(&whole.lanes(&["flow", "--json"])))
    );
    let log = p.json(&["log", &c, "--json"]);
    assert_eq!(log, whole.json(&["log", &c, "--json"]));
    let lanes: Vec<Changes> = log
        .as_array()
        .expect("list")
        .iter()
        .map(|e| {
            changes(e)
                .into_iter()
                .filter(|(f, _, _)| f == "lane")
                .collect()
        })
        .collect();
    assert_eq!(lanes.len(), 9, "{log:#}");
    for (k, l) in lanes[1..].iter().enumerate() {
        let (from, to) = if k % 2 == 0 {
            ("data-preparation", "modeling")
        } else {
            ("modeling", "data-preparation")
        };
        assert_eq!(l, &vec![ch("lane", Some(from), Some(to))], "{log:#}");
    }
}

#[test]
fn a_partial_clone_that_cannot_fetch_says_so_and_is_right_once_the_versions_arrive() {
    let (world, c) = looping_remote();
    let whole = world.clone_remote("whole");
    let want_flow = timeless(ok(&whole.lanes(&["flow", "--json"])));
    let want_log = whole.json(&["log", &c, "--json"]);
    let url = file_url(&world);
    let p = world.clone_with(&url, "partial", &["--filter=blob:none", "--no-local"]);
    // The remote stops answering: connections are refused.
    p.git(&["remote", "set-url", "origin", &refusing_url()]);
    let lacking = missing_objects(&p);
    assert!(lacking > 0);

    // Flow: the figures it can give, and plainly that they are incomplete.
    let out = p.lanes(&["flow", "--json"]);
    let f: Value = serde_json::from_str(&ok(&out)).expect("json");
    assert_eq!(f["history_complete"], json!(false), "{f:#}");
    let gap = &f["history_incomplete"];
    assert_eq!(gap["missing_card_versions"], json!(lacking), "{f:#}");
    assert_eq!(gap["shallow_since"], Value::Null);
    let err = stderr(&out);
    for want in [
        "history is incomplete",
        "partial clone missing",
        "fetching them from origin",
        "git fetch --refetch origin",
    ] {
        assert!(err.contains(want), "{want:?} not in: {err}");
        assert!(s(gap, "message").contains(want), "{want:?} not in {gap}");
    }
    let text = ok(&p.lanes(&["flow"]));
    assert!(text.contains("history is incomplete"), "{text}");
    // The card's log never takes a missing version for "no field changed".
    let text = ok(&p.lanes(&["log", &c]));
    assert!(!text.contains("no field changed"), "{text}");
    assert!(!text.contains("deleted"), "{text}");
    assert!(text.contains("not in this clone"), "{text}");
    let log = p.json(&["log", &c, "--json"]);
    let entries = log.as_array().expect("list");
    assert_eq!(entries.len(), 9, "{log:#}");
    assert!(
        entries
            .iter()
            .filter(|e| e["incomplete"] == json!(true))
            .count()
            >= lacking,
        "{log:#}"
    );
    // Created once, and then neither deleted nor created again.
    for line in log_lines(&log)[1..].concat() {
        assert!(
            !line.contains("no field changed") && !line.starts_with("card:"),
            "{line}\n{log:#}"
        );
    }
    let feed = p.json(&["log", "--json"]);
    assert!(
        feed.as_array()
            .expect("list")
            .iter()
            .any(|i| i["incomplete"] == json!(true)),
        "{feed:#}"
    );
    let rep = p.json(&["report", "--format", "json", "--since", "2026-10-01"]);
    assert_eq!(rep["history_complete"], json!(false), "{rep:#}");

    // The versions arrive through git itself (here `git log -p`, which
    // fetches them lazily); then the remote is gone again, so what lanes
    // shows next comes from its cache and the objects, not from a fetch
    // of its own.
    p.git(&["remote", "set-url", "origin", &url]);
    p.git(&["log", "-p", "--format=%H", "--", ".lanes"]);
    p.git(&["remote", "set-url", "origin", &refusing_url()]);
    assert_eq!(missing_objects(&p), 0);
    let out = p.lanes(&["flow", "--json"]);
    assert_eq!(timeless(ok(&out)), want_flow);
    assert!(!stderr(&out).contains("incomplete"), "{}", stderr(&out));
    assert_eq!(p.json(&["log", &c, "--json"]), want_log);
    // And a history read from scratch agrees.
    assert_eq!(same_as_fresh(&p, &["flow", "--json"]), want_flow);
}

#[test]
fn fetching_from_a_remote_that_never_answers_gives_up_at_the_deadline() {
    use std::io::Read;
    let (world, _) = looping_remote();
    let p = world.clone_with(
        &file_url(&world),
        "partial",
        &["--filter=blob:none", "--no-local"],
    );
    // Accepts connections and never answers; tells when one opens (None)
    // and when it closes (Some(true); Some(false): still open after 120 s).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let tx = tx.clone();
            let _ = tx.send(None);
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(120)));
                let mut buf = [0u8; 4096];
                let closed = loop {
                    match stream.read(&mut buf) {
                        Ok(0) => break true,
                        Ok(_) => continue,
                        Err(_) => break false,
                    }
                };
                let _ = tx.send(Some(closed));
            });
        }
    });
    p.git(&[
        "remote",
        "set-url",
        "origin",
        &format!("git://127.0.0.1:{port}/remote.git"),
    ]);
    p.git(&["config", "lanes.networkTimeout", "3"]);
    let start = std::time::Instant::now();
    let out = p
        .lanes_timeout(&["flow", "--json"], std::time::Duration::from_secs(300))
        .expect("lanes flow waited for a remote that never answers");
    let took = start.elapsed();
    let f: Value = serde_json::from_str(&ok(&out)).expect("json");
    assert_eq!(f["history_complete"], json!(false), "{f:#}");
    let err = stderr(&out);
    assert!(
        err.contains("got no answer in 3 s") && err.contains("lanes.networkTimeout"),
        "{err}"
    );
    assert!(took.as_secs() < 120, "took {took:?}");
    // git was killed with lanes' deadline, with all it started: nothing
    // runs in the clone any more, and the connection it opened (if the
    // machine let it connect in time) is closed.
    let left = processes_in(&p.path);
    assert!(left.is_empty(), "still running in the clone: {left:?}");
    if rx.try_recv() == Ok(None) {
        let closed = rx
            .recv_timeout(std::time::Duration::from_secs(150))
            .expect("the connection was never closed");
        assert_eq!(closed, Some(true), "the connection stayed open");
    }
}

/// Processes whose working folder is `dir` (Linux; none elsewhere).
fn processes_in(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| std::fs::read_link(e.path().join("cwd")).is_ok_and(|c| c == dir))
        .map(|e| {
            let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            String::from_utf8_lossy(&cmd).replace('\0', " ")
        })
        .collect()
}

#[test]
fn a_shallow_clone_says_where_its_history_starts_and_deepening_reads_it_again() {
    let (world, c) = looping_remote();
    let whole = world.clone_remote("whole");
    let want = timeless(ok(&whole.lanes(&["flow", "--json"])));
    let url = file_url(&world);
    // The last three commits: back to data preparation (10-07), modeling
    // (10-08), data preparation (10-09).
    let sh = world.clone_with(&url, "shallow", &["--depth", "3"]);
    let out = sh.lanes(&["flow", "--json"]);
    let f: Value = serde_json::from_str(&ok(&out)).expect("json");
    assert_eq!(
        loop_backs(&f),
        json!([{"from": "modeling", "to": "data-preparation", "count": 1}])
    );
    assert_eq!(f["history_complete"], json!(false));
    assert_eq!(
        f["history_incomplete"]["shallow_since"],
        json!("2026-10-07T10:00:00Z")
    );
    assert_eq!(f["history_incomplete"]["missing_card_versions"], json!(0));
    assert_eq!(f["end_to_end"], Value::Null, "no card was created in it");
    let err = stderr(&out);
    for want in [
        "history is incomplete",
        "shallow clone",
        "2026-10-07T10:00:00Z",
        "git fetch --unshallow",
    ] {
        assert!(err.contains(want), "{want:?} not in {err}");
    }
    let text = ok(&sh.lanes(&["log", &c]));
    let first: Vec<&str> = text.lines().skip(1).take(1).collect();
    assert_eq!(
        first,
        ["    history starts here (a shallow clone: earlier versions are not in this clone)"],
        "{text}"
    );
    assert!(!text.lines().any(|l| l.trim() == "created"), "{text}");
    let md = ok(&sh.lanes(&["report", "--since", "2026-10-01"]));
    assert!(md.contains("history is incomplete"), "{md}");

    // Two commits deeper: the cache is read again at the new cut.
    sh.git(&["fetch", "-q", "--deepen=2"]);
    let f = sh.json(&["flow", "--json"]);
    assert_eq!(
        loop_backs(&f),
        json!([{"from": "modeling", "to": "data-preparation", "count": 2}])
    );
    assert_eq!(
        f["history_incomplete"]["shallow_since"],
        json!("2026-10-05T10:00:00Z")
    );
    // The whole history: the figures of a whole clone.
    sh.git(&["fetch", "-q", "--unshallow"]);
    let out = sh.lanes(&["flow", "--json"]);
    assert_eq!(timeless(ok(&out)), want);
    assert!(!stderr(&out).contains("incomplete"), "{}", stderr(&out));
    let f = sh.json(&["flow", "--json"]);
    assert_eq!(loop_backs(&f), FOUR_LOOPS());
    assert_eq!(f["history_complete"], json!(true));
    assert_eq!(
        sh.json(&["log", &c, "--json"]),
        whole.json(&["log", &c, "--json"])
    );
}

// ---------------------------------------------------------------------------
// Issue 22: a record a PM can audit

/// A hypothesis made with every field the command line gives, at a set
/// time; its id.
fn full_hypothesis(r: &Repo) -> String {
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    r.lanes_as(
        ALICE,
        &iso(1, 10, 0),
        &[
            "add",
            "Session features",
            "--lane",
            "modeling",
            "--kind",
            "hypothesis",
            "--hypothesis",
            "Session-recency features lift precision@10 over the popularity baseline",
            "--metric",
            "precision@10",
            "--direction",
            "higher",
            "--baseline",
            "0.21",
            "--target",
            "0.25",
            "--label",
            "quick-win",
            "--assignee",
            "alice",
            "--due",
            "2026-12-01",
            "--body",
            "Compare on the frozen split.",
        ],
    )
    .trim()
    .to_string()
}

#[test]
fn created_lists_every_field_the_card_was_created_with() {
    let r = Repo::new();
    let id = full_hypothesis(&r);
    let log = r.json(&["log", &id, "--json"]);
    let first = &log[0];
    let got = changes(first);
    for want in [
        ch("card", None, Some("created")),
        ch("title", None, Some("Session features")),
        ch("lane", None, Some("modeling")),
        ch("kind", None, Some("hypothesis")),
        ch("labels", None, Some("quick-win")),
        ch("assignees", None, Some("alice")),
        ch("due", None, Some("2026-12-01")),
        ch(
            "hypothesis.statement",
            None,
            Some("Session-recency features lift precision@10 over the popularity baseline"),
        ),
        ch("hypothesis.metric", None, Some("precision@10")),
        ch("hypothesis.direction", None, Some("higher")),
        ch("hypothesis.baseline", None, Some("0.21")),
        ch("hypothesis.target", None, Some("0.25")),
        ch("hypothesis.verdict", None, Some("open")),
        ch("body", None, Some("Compare on the frozen split.")),
    ] {
        assert!(
            got.contains(&want),
            "no {want:?} in the created entry:\n{first:#}"
        );
    }
    // The id is the card, not news.
    assert!(!got.iter().any(|(f, ..)| f == "id"), "{first:#}");
    // The same in text, in the CLI and on the board's `i` view (which
    // reads the same timeline).
    let text = ok(&r.lanes(&["log", &id]));
    for want in [
        "    created",
        "    hypothesis.target: (none) -> 0.25",
        "    hypothesis.baseline: (none) -> 0.21",
        "    hypothesis.metric: (none) -> precision@10",
        "    hypothesis.statement: (none) -> Session-recency features lift precision@10 over the popularity baseline",
    ] {
        assert!(text.lines().any(|l| l == want), "no line {want:?} in:\n{text}");
    }
}

#[test]
fn one_command_says_whether_the_target_moved_after_the_first_result() {
    let r = Repo::new();
    let id = full_hypothesis(&r);
    r.lanes_as(BOB, &iso(2, 10, 0), &["move", &id, "evaluation"]);
    r.lanes_as(
        CHEN,
        &iso(3, 10, 0),
        &["edit", &id, "--set", "hypothesis.result=0.22"],
    );
    r.lanes_as(CHEN, &iso(3, 11, 0), &["note", &id, "below target"]);
    r.lanes_as(
        DANA,
        &iso(4, 10, 0),
        &["edit", &id, "--set", "hypothesis.target=0.2"],
    );
    let log = r.json(&[
        "log",
        &id,
        "--json",
        "--field",
        "hypothesis.target",
        "--field",
        "hypothesis.result",
    ]);
    let entries = log.as_array().expect("a list");
    let got: Vec<(String, Changes)> = entries
        .iter()
        .map(|e| (s(e, "author").to_string(), changes(e)))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                ALICE.name.to_string(),
                vec![
                    ch("card", None, Some("created")),
                    ch("hypothesis.target", None, Some("0.25")),
                ]
            ),
            (
                CHEN.name.to_string(),
                vec![ch("hypothesis.result", None, Some("0.22"))]
            ),
            (
                DANA.name.to_string(),
                vec![ch("hypothesis.target", Some("0.25"), Some("0.2"))]
            ),
        ],
        "{log:#}"
    );
    // The target moved a day after the first result, by Dana: in text too.
    let text = ok(&r.lanes(&[
        "log",
        &id,
        "--field",
        "hypothesis.target",
        "--field",
        "hypothesis.result",
    ]));
    let lines: Vec<&str> = text.lines().collect();
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| *l == needle)
            .unwrap_or_else(|| panic!("no line {needle:?} in:\n{text}"))
    };
    assert!(at("    hypothesis.result: (none) -> 0.22") < at("    hypothesis.target: 0.25 -> 0.2"));
    assert!(lines[at("    hypothesis.target: 0.25 -> 0.2") - 1].starts_with("2026-10-04 10:00"));
    assert!(
        !text.contains("lane:") && !text.contains("journal"),
        "{text}"
    );

    // A group takes every field in it.
    let group = r.json(&["log", &id, "--json", "--field", "hypothesis"]);
    let fields: Vec<String> = group
        .as_array()
        .expect("a list")
        .iter()
        .flat_map(changes)
        .map(|(f, ..)| f)
        .collect();
    assert!(
        fields.contains(&"hypothesis.statement".to_string()),
        "{fields:?}"
    );
    assert!(
        fields
            .iter()
            .all(|f| f == "card" || f.starts_with("hypothesis.")),
        "{fields:?}"
    );

    // A field never changed: nothing on stdout, and stderr says which
    // fields did change.
    let out = r.lanes(&["log", &id, "--field", "hypothesis.taget"]);
    assert!(ok(&out).is_empty(), "{}", both(&out));
    let err = stderr(&out);
    assert!(err.contains("no change to hypothesis.taget"), "{err}");
    assert!(err.contains("hypothesis.target"), "{err}");
    // --field is about one card's history.
    fails(&r.lanes(&["log", "--field", "lane"]), 2);
}

#[test]
fn notes_and_text_are_never_cut_in_json_or_a_file() {
    let r = Repo::new();
    let id = full_hypothesis(&r);
    let note = format!(
        "Ran the ablation on the frozen split. {} The end of a long note.",
        "Weekend sessions are shorter and the category mix shifts towards gifts. ".repeat(5)
    );
    assert!(note.chars().count() > 300);
    r.lanes_as(BOB, &iso(2, 10, 0), &["note", &id, &note]);
    let statement = format!(
        "{} and that is the whole claim",
        "A much longer statement ".repeat(8)
    );
    r.lanes_as(
        BOB,
        &iso(2, 11, 0),
        &[
            "edit",
            &id,
            "--set",
            &format!("hypothesis.statement={statement}"),
        ],
    );
    let log = r.json(&["log", &id, "--json"]);
    let all: Changes = log
        .as_array()
        .expect("a list")
        .iter()
        .flat_map(changes)
        .collect();
    assert!(
        all.contains(&ch("journal", None, Some(note.trim()))),
        "{log:#}"
    );
    assert!(
        all.iter()
            .any(|(f, _, a)| f == "hypothesis.statement" && a.as_deref() == Some(statement.trim())),
        "{log:#}"
    );
    // The note's author and time come with it.
    let entry = log
        .as_array()
        .expect("a list")
        .iter()
        .flat_map(|e| e["changes"].as_array().expect("changes").clone())
        .find(|c| c["field"] == "journal")
        .expect("a journal change");
    assert_eq!(entry["by"], BOB.name, "{entry:#}");
    assert_eq!(entry["at"], "2026-10-02T10:00:00Z", "{entry:#}");
    // Piped (not a terminal): the whole text, no ellipsis.
    let text = ok(&r.lanes(&["log", &id]));
    assert!(
        text.contains(&format!("journal: + {:?}", note.trim())),
        "{text}"
    );
    assert!(text.contains(statement.trim()), "{text}");
    assert!(!text.contains('…'), "{text}");
}

#[test]
fn on_a_terminal_the_log_is_cut_to_its_width_with_an_ellipsis() {
    if !common::tmux::tmux_or_skip() {
        return;
    }
    let r = Repo::new();
    let id = full_hypothesis(&r);
    // Too long for 80 columns, short enough for 200.
    let note = format!("{}END", "weekend sessions are shorter ".repeat(5));
    r.lanes_as(BOB, &iso(2, 10, 0), &["note", &id, &note]);
    let t = common::tmux::Tmux::start_command(&r, &["log", &id], true, &[], 80, 40);
    let screen = t.wait_for("the log", |s| s.contains(common::tmux::EXITED));
    let line = screen
        .lines()
        .find(|l| l.contains("journal: +"))
        .unwrap_or_else(|| panic!("no note in:\n{screen}"));
    assert!(line.trim_end().ends_with('…'), "{screen}");
    assert!(!screen.contains("END"), "{screen}");
    drop(t);
    // COLUMNS is honoured on a terminal.
    let t =
        common::tmux::Tmux::start_command(&r, &["log", &id], true, &[("COLUMNS", "200")], 80, 40);
    let screen = t.wait_for("the log", |s| s.contains(common::tmux::EXITED));
    assert!(
        screen.contains("END"),
        "a 200-column line wraps on an 80-column screen:\n{screen}"
    );
}

#[test]
fn undoing_a_note_reads_as_removing_that_journal_entry() {
    let r = Repo::new();
    r.ok(&["init"]);
    let id = r.add("Weekend features", &[]);
    r.at(Some(ts(2, 10, 0)));
    r.ok(&["note", &id, "weekend traffic behaves differently"]);
    r.at(Some(ts(2, 11, 0)));
    r.ok(&["undo"]);
    r.at(None);
    let text = ok(&r.lanes(&["log", &id]));
    assert!(
        text.lines().any(|l| l
            == format!(
                "    journal: removed note by {USER_NAME} at 2026-10-02T10:00:00Z: \"weekend traffic behaves differently\""
            )),
        "{text}"
    );
    assert!(!text.contains("rewritten (no field changed)"), "{text}");
    let log = r.json(&["log", &id, "--json"]);
    let last = changes(log.as_array().and_then(|a| a.last()).expect("an entry"));
    assert_eq!(
        last,
        vec![ch(
            "journal",
            Some("weekend traffic behaves differently"),
            None
        )]
    );
}

#[test]
fn a_checklist_tick_names_the_item() {
    let r = Repo::new();
    r.ok(&["init"]);
    let id = r.add("Model card", &[]);
    r.ok(&[
        "edit",
        &id,
        "--set",
        "checklist=[{text: Runbook, done: false}, {text: Fairness review, done: false}]",
    ]);
    r.ok(&["edit", &id, "--set", "checklist.1.done=true"]);
    let subject = r.head_subject();
    assert!(subject.contains("ticked \"Fairness review\""), "{subject}");
    assert!(!subject.contains("checklist.1.done"), "{subject}");
    assert!(r
        .head_message()
        .contains("checklist: ticked \"Fairness review\""));
    r.ok(&["edit", &id, "--set", "checklist.1.done=false"]);
    assert!(
        r.head_subject().contains("unticked \"Fairness review\""),
        "{}",
        r.head_subject()
    );

    let text = ok(&r.lanes(&["log", &id]));
    assert!(
        text.lines()
            .any(|l| l == "    checklist: ticked \"Fairness review\""),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l == "    checklist: unticked \"Fairness review\""),
        "{text}"
    );
    assert!(!text.contains("(done)"), "{text}");
    let log = r.json(&["log", &id, "--json"]);
    let ticks: Vec<&Value> = log
        .as_array()
        .expect("a list")
        .iter()
        .flat_map(|e| e["changes"].as_array().expect("changes"))
        .filter(|c| c["field"] == "checklist" && !c["op"].is_null())
        .collect();
    assert_eq!(ticks.len(), 2, "{log:#}");
    assert_eq!(ticks[0]["op"], "ticked");
    assert_eq!(ticks[0]["before"], "Fairness review");
    assert_eq!(ticks[0]["after"], "Fairness review (done)");
    assert_eq!(ticks[1]["op"], "unticked");
}

// ---------------------------------------------------------------------------
// Issue 22, item 5: a done state for aging and flow

/// The ids of the cards `lanes flow --json` lists as aging.
fn aging_ids(r: &Repo) -> Vec<String> {
    let f = r.json(&["flow", "--json"]);
    f["aging"]
        .as_array()
        .expect("aging")
        .iter()
        .map(|a| s(a, "card").to_string())
        .collect()
}

/// A crisp-dm board where modeling has a known 85th percentile (one
/// visit of a day) and cards sit there long after: `open` (no verdict),
/// `refuted` (has one), and in data-preparation (which has exit criteria)
/// `ready` (checklist all ticked) and `busy` (one item open).
struct Aging {
    repo: Repo,
    open: String,
    refuted: String,
    ready: String,
    busy: String,
}

fn aging_board() -> Aging {
    let r = Repo::new();
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    let add = |title: &str, lane: &str, extra: &[&str]| {
        let mut args = vec!["add", title, "--lane", lane];
        args.extend_from_slice(extra);
        r.lanes_as(ALICE, &iso(1, 10, 0), &args).trim().to_string()
    };
    let pace = add("Pacesetter", "modeling", &[]);
    let open = add("Open question", "modeling", &["--hypothesis", "Still open"]);
    let refuted = add("Answered", "modeling", &["--hypothesis", "Was wrong"]);
    let ready = add("Ready to move", "data-preparation", &[]);
    let busy = add("Still busy", "data-preparation", &[]);
    r.lanes_as(BOB, &iso(2, 10, 0), &["move", &pace, "evaluation"]);
    r.lanes_as(
        CHEN,
        &iso(3, 10, 0),
        &["verdict", &refuted, "refuted", "--result", "0.19"],
    );
    let list = "checklist=[{text: Dedup, done: true}, {text: Splits, done: true}]";
    r.lanes_as(CHEN, &iso(3, 11, 0), &["edit", &ready, "--set", list]);
    let list = "checklist=[{text: Dedup, done: true}, {text: Splits, done: false}]";
    r.lanes_as(CHEN, &iso(3, 12, 0), &["edit", &busy, "--set", list]);
    Aging {
        repo: r,
        open,
        refuted,
        ready,
        busy,
    }
}

#[test]
fn aging_counts_only_work_in_progress() {
    let a = aging_board();
    let r = &a.repo;
    let ids = aging_ids(r);
    // A verdict, or exit criteria met (its checklist all ticked in a lane
    // that has them): done, not stuck.
    assert!(
        !ids.contains(&a.refuted),
        "a hypothesis with a verdict ages: {ids:?}"
    );
    assert!(
        !ids.contains(&a.ready),
        "a card that met its exit criteria ages: {ids:?}"
    );
    assert!(ids.contains(&a.open) && ids.contains(&a.busy), "{ids:?}");
    // The stuck marks in the report and the flow text agree.
    let text = ok(&r.lanes(&["flow"]));
    let aging = &text[text.find("Aging work in progress").expect("aging")..];
    assert!(aging.contains(&format!("! {}", short(&a.open))), "{aging}");
    assert!(!aging.contains(short(&a.refuted)), "{aging}");
    let md = ok(&r.lanes(&["report", "--since", "2026-10-01"]));
    let aging = &md[md.find("## Aging").expect("aging")..];
    let stuck: Vec<&str> = aging.lines().filter(|l| l.contains("stuck?")).collect();
    assert_eq!(stuck.len(), 1, "{aging}");
    assert!(stuck[0].contains(short(&a.open)), "{aging}");
    // The card is no longer done once its verdict is taken back.
    r.lanes_as(CHEN, &iso(5, 10, 0), &["verdict", &a.refuted, "open"]);
    assert!(aging_ids(r).contains(&a.refuted));
}

#[test]
fn a_lane_the_board_marks_done_is_where_work_finishes() {
    let a = aging_board();
    let r = &a.repo;
    // Without a done lane, the last lane is where work ends (as before).
    let f = r.json(&["flow", "--json"]);
    assert_eq!(f["done_lanes"], json!(["deployment"]));
    // Mark modeling done, by hand, next to a field lanes does not know.
    let board = r.read(".lanes/board.yaml").replacen(
        "  - id: modeling\n",
        "  - id: modeling\n    done: true\n    colour_hint: teal\n",
        1,
    );
    assert!(board.contains("done: true"));
    r.commit_file(
        ".lanes/board.yaml",
        &board,
        "modeling is where our work ends",
    );
    assert_eq!(r.validate().0, Some(0), "{}", r.validate().1);
    let f = r.json(&["flow", "--json"]);
    assert_eq!(f["done_lanes"], json!(["modeling"]));
    let ids = aging_ids(r);
    assert!(
        !ids.contains(&a.open),
        "a card in a done lane ages: {ids:?}"
    );
    assert!(ids.contains(&a.busy), "{ids:?}");
    // Reaching it is finishing: the cards created there count.
    assert_eq!(f["finished"], json!(3), "{f:#}");
    // A card in the last lane, no longer done by position, ages.
    let late = r
        .lanes_as(
            ALICE,
            &iso(4, 10, 0),
            &["add", "Rollout", "--lane", "deployment"],
        )
        .trim()
        .to_string();
    assert!(aging_ids(r).contains(&late));
    // A flag that is not true or false is refused where it is.
    let bad = board.replace("done: true", "done: maybe");
    r.write(".lanes/board.yaml", &bad);
    let (code, text) = r.validate();
    assert_ne!(code, Some(0), "{text}");
    let line = bad
        .lines()
        .position(|l| l.contains("done: maybe"))
        .expect("the line")
        + 1;
    assert!(
        text.contains(&format!(".lanes/board.yaml:{line}:")) && text.contains("done"),
        "{text}"
    );
}

#[test]
fn the_flow_summary_agrees_with_its_tables() {
    // Cards created in the last lane reach it without a journey.
    let r = Repo::new();
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    for (i, title) in ["Canary rollout", "Model card"].iter().enumerate() {
        r.lanes_as(
            ALICE,
            &iso(2 + i as i64, 10, 0),
            &["add", title, "--lane", "deployment"],
        );
    }
    let f = r.json(&["flow", "--json", "--since", "2026-10-01"]);
    let weeks: u64 = f["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .map(|w| w["cards"].as_u64().expect("a count"))
        .sum();
    assert_eq!(weeks, 2);
    assert_eq!(f["finished"], json!(2));
    assert_eq!(f["finished_where_created"], json!(2));
    assert_eq!(f["end_to_end"], Value::Null);
    let text = ok(&r.lanes(&["flow", "--since", "2026-10-01"]));
    assert!(!text.contains("no card reached"), "{text}");
    assert!(
        text.contains("End to end: 2 cards reached Deployment in this period, all created there"),
        "{text}"
    );
    assert!(
        text.contains("Throughput (cards reaching Deployment per week; 2 in all)"),
        "{text}"
    );
    // One more with a journey: timed, and the others still said.
    let c = r
        .lanes_as(
            ALICE,
            &iso(5, 10, 0),
            &["add", "Monitoring", "--lane", "evaluation"],
        )
        .trim()
        .to_string();
    r.lanes_as(ALICE, &iso(6, 10, 0), &["move", &c, "deployment"]);
    let text = ok(&r.lanes(&["flow", "--since", "2026-10-01"]));
    assert!(
        text.contains("(2 more cards reached Deployment in this period, created there"),
        "{text}"
    );
    assert!(text.contains("3 in all"), "{text}");
}

#[test]
fn the_report_names_card_ids_and_the_runs_behind_each_result() {
    let r = Repo::new();
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    let add = |title: &str| {
        r.lanes_as(
            ALICE,
            &iso(1, 10, 0),
            &[
                "add",
                title,
                "--hypothesis",
                title,
                "--metric",
                "precision@10",
                "--target",
                "0.2",
            ],
        )
        .trim()
        .to_string()
    };
    let from_runs = add("Two-tower retrieval");
    let from_file = add("Session recency");
    r.lanes_as(
        BOB,
        &iso(2, 10, 0),
        &[
            "edit",
            &from_runs,
            "--set",
            "experiment.runs=[mlflow:8c1f2e, mlflow:8c1f3a]",
        ],
    );
    r.lanes_as(
        BOB,
        &iso(2, 11, 0),
        &[
            "verdict",
            &from_runs,
            "refuted",
            "--result",
            "0.18",
            "--because",
            "the baseline run was mislabelled",
        ],
    );
    r.write("metrics.json", r#"{"precision@10": 0.22}"#);
    r.at(Some(ts(3, 10, 0)));
    ok(&r.lanes(&["result", &from_file, "dvc:metrics.json"]));
    r.at(None);
    let rep = r.json(&["report", "--format", "json", "--since", "2026-10-01"]);
    let row = |id: &str| {
        rep["tested"]
            .as_array()
            .expect("tested")
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("{id} not tested: {rep:#}"))
            .clone()
    };
    assert_eq!(
        row(&from_runs)["runs"],
        json!(["mlflow:8c1f2e", "mlflow:8c1f3a"])
    );
    assert_eq!(row(&from_runs)["evidence_source"], Value::Null);
    assert_eq!(
        row(&from_file)["evidence_source"],
        json!("dvc:metrics.json#precision@10")
    );
    let md = ok(&r.lanes(&["report", "--since", "2026-10-01"]));
    check_tables(&md);
    let line = |id: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {} |", short(id))))
            .unwrap_or_else(|| panic!("no row for {id}:\n{md}"))
            .to_string()
    };
    assert!(
        line(&from_runs).contains("`mlflow:8c1f2e, mlflow:8c1f3a`"),
        "{md}"
    );
    assert!(
        line(&from_file).contains("`dvc:metrics.json#precision@10`"),
        "{md}"
    );
    // What we learned names the card and its run too.
    let learned = md
        .lines()
        .find(|l| l.starts_with("- Two-tower retrieval"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        learned.contains(short(&from_runs)) && learned.contains("mlflow:8c1f2e"),
        "{learned}"
    );
    // `lanes hypotheses --json` carries the same fields.
    let rows = r.json(&["hypotheses", "--json"]);
    assert!(rows
        .as_array()
        .expect("rows")
        .iter()
        .all(|h| h["runs"].is_array()));
}

#[test]
fn the_demo_report_for_the_last_30_days_is_full() {
    let r = Repo::bare_folder();
    let dir = r.path.join("demo");
    // The story's people sign its commits, but lanes refuses to commit
    // where git has no identity at all: give it one, as a user has.
    let out = r
        .lanes_cmd()
        .args(["demo", dir.to_str().expect("a path")])
        .env("GIT_AUTHOR_NAME", USER_NAME)
        .env("GIT_AUTHOR_EMAIL", USER_EMAIL)
        .env("GIT_COMMITTER_NAME", USER_NAME)
        .env("GIT_COMMITTER_EMAIL", USER_EMAIL)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run lanes demo");
    ok(&out);
    let demo = |args: &[&str]| {
        let out = r.lanes_in(&dir, args);
        serde_json::from_str::<Value>(&ok(&out)).expect("JSON")
    };
    // Its last step was made today or yesterday.
    let last: i64 = r
        .git_cmd()
        .current_dir(&dir)
        .args(["log", "-1", "--format=%at"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse()
                .expect("a time")
        })
        .expect("git log");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64;
    assert!(last <= now && now - last < 2 * DAY, "{last} vs {now}");
    let rep = demo(&["report", "--format", "json"]);
    assert!(
        !rep["tested"].as_array().expect("tested").is_empty(),
        "{rep:#}"
    );
    assert!(
        !rep["people"].as_object().expect("people").is_empty(),
        "{rep:#}"
    );
    // No hypothesis with a verdict is aging.
    let cards = demo(&["list", "--json"]);
    let decided: Vec<&str> = cards
        .as_array()
        .expect("cards")
        .iter()
        .filter(|c| {
            c["hypothesis"]["verdict"]
                .as_str()
                .is_some_and(|v| v != "open")
        })
        .map(|c| s(c, "id"))
        .collect();
    assert!(decided.len() >= 3, "{decided:?}");
    let f = demo(&["flow", "--json"]);
    for a in f["aging"].as_array().expect("aging") {
        assert!(!decided.contains(&s(a, "card")), "{a} has a verdict");
    }
    let md = ok(&r.lanes_in(&dir, &["report"]));
    assert!(!md.contains("No hypothesis got a verdict"), "{md}");
    check_tables(&md);
}

#[test]
fn cumulative_flow_counts_never_run_together() {
    // 1,000 cards in one lane and 120 in the next, written as files and
    // committed at once.
    let r = Repo::new();
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    for i in 0..1120 {
        let lane = if i < 1000 {
            "business-understanding"
        } else {
            "data-understanding"
        };
        let id = format!("bulk{i:05}x");
        r.write_card(
            &id,
            &format!("id: {id}\ntitle: Card {i}\nlane: {lane}\nrank: h{i:05}1\nkind: task\n"),
        );
    }
    r.git(&["add", "-A"]);
    r.git_as(
        BOB,
        &iso(2, 10, 0),
        &["commit", "-q", "-m", "import the backlog"],
    );
    let text = ok(&r.lanes(&["flow", "--since", "2026-10-02"]));
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with("2026-10-02"))
        .unwrap_or_else(|| panic!("no day row:\n{text}"));
    let nums: Vec<&str> = row.split_whitespace().skip(1).take(6).collect();
    assert_eq!(nums, ["1000", "120", "0", "0", "0", "0"], "{row}");
    // Every row lines up: the counts take the same columns each day.
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  2026-") && !l.contains("-W"))
        .collect();
    assert!(rows.len() > 5, "{text}");
    let bar_at = |l: &str| l.find(['█', '▓']).unwrap_or(l.len());
    assert!(
        rows.windows(2).all(|w| bar_at(w[0]) == bar_at(w[1])),
        "{text}"
    );
}
