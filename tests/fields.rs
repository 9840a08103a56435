//! The team's own typed fields (issue 23), declared under `fields:` in
//! board.yaml, against real repositories, real git and the real binary:
//! set with `lanes add/edit --set`, checked and written in declared order,
//! shown with their defaults, listed and filtered with `--where`,
//! validated at their line, merged by type by the plain-git merge driver,
//! reported in `lanes log`, and kept on cards when board.yaml drops them.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::*;
use serde_json::Value as J;

const FIELDS: &str = "fields:
  priority: {type: enum, values: [low, medium, high], default: medium}
  effort_days: {type: number}
  reviewer: {type: person}
  datasets: {type: list}
";

/// A crisp-dm board declaring FIELDS, committed.
fn board() -> Repo {
    let r = Repo::with_board("crisp-dm");
    let text = r.read(".lanes/board.yaml");
    r.write(".lanes/board.yaml", format!("{text}{FIELDS}"));
    r.commit_all("declare fields");
    r
}

#[test]
fn declared_fields_are_set_checked_ordered_shown_and_listed() {
    let r = board();
    // Set at creation, in any order: written in board.yaml's order.
    let a = r.add(
        "Backfill clicks",
        &["--set", "reviewer=mei", "--set", "priority=HIGH"],
    );
    let text = r.card_text(&a);
    let fields = text.split("fields:\n").nth(1).expect("a fields: block");
    assert!(
        fields.starts_with("  priority: high\n  reviewer: mei\n"),
        "{text}"
    );
    // Checked as declared; nothing is written when refused.
    let before = r.commit_count();
    let err = r.fails(&["edit", &a, "--set", "priority=urgent"]);
    assert!(
        err.contains("priority: \"urgent\" is not one of low, medium, high"),
        "{err}"
    );
    let err = r.fails(&["edit", &a, "--set", "effort_days=lots"]);
    assert!(err.contains("effort_days: expected a number"), "{err}");
    let err = r.fails(&["edit", &a, "--set", "priorty=low"]);
    assert!(err.contains("did you mean priority?"), "{err}");
    let err = r.fails(&["add", "Y", "--set", "fields.nosuch=1"]);
    assert!(err.contains("unknown field \"nosuch\""), "{err}");
    assert_eq!(r.commit_count(), before);
    r.ok(&["edit", &a, "--set", "effort_days=2.5"]);
    r.ok(&["edit", &a, "--set", "datasets=[clicks-v3, sessions-v1]"]);
    let card = r.card(&a);
    assert_eq!(card["fields"]["effort_days"].as_f64(), Some(2.5));
    let keys: Vec<&str> = card["fields"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(keys, ["priority", "effort_days", "reviewer", "datasets"]);

    // Shown with labels; a default where the card has none.
    let b = r.add("Profile logs", &[]);
    let shown = r.ok(&["show", &b]);
    assert!(
        shown.contains("priority:") && shown.contains("medium  (default)"),
        "{shown}"
    );
    let shown = r.ok(&["show", &a]);
    assert!(shown.contains("effort days: 2.5"), "{shown}");

    // JSON typed as in the file; --where on declared and built-in fields.
    let j = r.json(&["show", &a, "--json"]);
    assert_eq!(j["fields"]["effort_days"], J::from(2.5));
    assert_eq!(j["fields"]["priority"], J::from("high"));
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["list", "--json"];
        all.extend_from_slice(args);
        r.json(&all)
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&["--where", "priority=high"]), vec![a.clone()]);
    assert_eq!(
        ids(&["--where", "priority=medium"]),
        vec![b.clone()],
        "the default"
    );
    assert_eq!(ids(&["--where", "datasets=clicks-v3"]), vec![a.clone()]);
    assert_eq!(ids(&["--where", "effort_days=2.50"]), vec![a.clone()]);
    assert_eq!(
        ids(&["--where", "priority=high", "--where", "reviewer=bo"]),
        Vec::<String>::new()
    );
    assert_eq!(ids(&["--where", "kind=task"]).len(), 2);
    let err = r.fails(&["list", "--where", "prioritty=high"]);
    assert!(err.contains("did you mean priority?"), "{err}");

    // History, field by field.
    let log = r.ok(&["log", &a]);
    assert!(log.contains("fields.effort_days: (none) -> 2.5"), "{log}");
}

#[test]
fn a_wrong_value_is_reported_at_its_line_and_a_dropped_declaration_keeps_values() {
    let r = board();
    let a = r.add("Backfill clicks", &["--set", "priority=low"]);
    // A teammate's hand edit.
    let text = r.card_text(&a).replace("priority: low", "priority: urgent");
    r.write_card(&a, &text);
    let line = text
        .lines()
        .position(|l| l.contains("priority: urgent"))
        .unwrap()
        + 1;
    let (code, out) = r.validate();
    assert_eq!(code, Some(1), "{out}");
    let column = text.lines().nth(line - 1).unwrap().find("urgent").unwrap() + 1;
    assert!(
        out.contains(&format!(
            ".lanes/cards/{a}.yaml:{line}:{column}: priority: \"urgent\" is not one of low, medium, high"
        )),
        "{out}"
    );
    // The rest of the board works: the card lists.
    assert_eq!(r.json(&["list", "--json"]).as_array().unwrap().len(), 1);
    r.ok(&["edit", &a, "--set", "priority=medium"]);
    let (code, out) = r.validate();
    assert_eq!(code, Some(0), "{out}");

    // A bad declaration is reported in board.yaml; the board still opens.
    let board = r.read(".lanes/board.yaml");
    r.write(
        ".lanes/board.yaml",
        board.replace("effort_days: {type: number}", "effort_days: {type: colour}"),
    );
    let (code, out) = r.validate();
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(".lanes/board.yaml:") && out.contains("\"colour\" is not a field type"),
        "{out}"
    );
    r.ok(&["list"]);

    // board.yaml no longer declares the fields: values stay on cards,
    // through other edits, shown as undeclared.
    r.write(".lanes/board.yaml", board.replace(FIELDS, ""));
    r.commit_all("drop the fields");
    r.ok(&["edit", &a, "--set", "title=Backfill all clicks"]);
    assert_eq!(r.card(&a)["fields"]["priority"].as_str(), Some("medium"));
    let shown = r.ok(&["show", &a]);
    assert!(shown.contains("(not declared in board.yaml)"), "{shown}");
    // Still settable, since the card has it.
    r.ok(&["edit", &a, "--set", "fields.priority=high"]);
    assert_eq!(r.card(&a)["fields"]["priority"].as_str(), Some("high"));
}

#[test]
fn git_merges_declared_fields_by_type() {
    let r = board();
    r.ok(&["setup"]);
    let a = r.add("Backfill clicks", &["--set", "datasets=[clicks-v3]"]);
    r.git(&["checkout", "-q", "-b", "other"]);
    r.ok(&["edit", &a, "--set", "priority=high"]);
    r.ok(&["edit", &a, "--set", "datasets=[clicks-v3, sessions-v1]"]);
    r.git(&["checkout", "-q", "main"]);
    r.ok(&["edit", &a, "--set", "reviewer=mei"]);
    r.ok(&["edit", &a, "--set", "datasets=[clicks-v3, catalogue-v2]"]);
    let out = r.git_output(&["merge", "--no-edit", "other"]);
    assert!(out.status.success(), "{}", both(&out));
    let card = r.card(&a);
    assert_eq!(card["fields"]["priority"].as_str(), Some("high"));
    assert_eq!(card["fields"]["reviewer"].as_str(), Some("mei"));
    let mut ds: Vec<&str> = card["fields"]["datasets"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    ds.sort_unstable();
    assert_eq!(ds, ["catalogue-v2", "clicks-v3", "sessions-v1"], "a set");
    assert!(card.get("conflicts").is_none(), "{card:?}");
    let (code, out) = r.validate();
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn a_declared_number_keeps_the_text_it_was_typed_with() {
    let r = board();
    // `--set effort_days=2.50`, at creation and later: written as typed
    // (issue 27), the number in JSON.
    let a = r.add("Backfill clicks", &["--set", "effort_days=2.50"]);
    let path = card_path(&a);
    assert!(
        r.read(&path).contains("fields:\n  effort_days: 2.50\n"),
        "{}",
        r.read(&path)
    );
    r.ok(&["edit", &a, "--set", "fields.effort_days=4.50"]);
    assert!(r.read(&path).contains("  effort_days: 4.50\n"));
    let card = r.json(&["show", &a, "--json"]);
    assert_eq!(card["fields"]["effort_days"], J::from(4.5));
}

/// `--where` is part of the library's listing query: any caller that sets
/// `Query::wheres` (the command line, the MCP server) gets the matching
/// cards, from the text listing's `select` and the JSON listing alike,
/// after the other filters (archived, lane) and within a saved view's
/// choice.
#[test]
fn the_listing_query_applies_where_terms_to_whole_cards() {
    use lanes::model::filter::Where;
    use lanes::model::links::Graph;
    use lanes::store::{self, codec::Head, query::Query, Heads};
    let r = board();
    let high = r.add("Backfill clicks", &["--set", "priority=high"]);
    let low = r.add("Profile logs", &["--set", "priority=low"]);
    let defaulted = r.add("Tune ranker", &[]);
    let archived = r.add("Old idea", &["--set", "priority=high"]);
    r.ok(&["archive", &archived]);
    let config = store::parse_board(r.read(".lanes/board.yaml").as_bytes()).unwrap();
    let term = |t: &str| Where::parse(t, &config.fields).unwrap();
    let query = |wheres: Vec<Where>| Query {
        wheres,
        ..Query::new(&config, None, 0).unwrap()
    };
    let heads = Heads::load(&r.path).unwrap();
    let all = heads.heads();
    let g = Graph::new(&config, all.iter().map(Head::node).collect());
    let selected = |q: &Query| -> Vec<String> {
        q.select(&config, &heads, &all, &g)
            .iter()
            .map(|h| h.id.to_string())
            .collect()
    };
    let listed = |q: &Query| -> Vec<String> {
        let mut out = Vec::new();
        q.write_json(&r.path, &config, (0, usize::MAX), &mut out)
            .unwrap();
        let cards: J = serde_json::from_slice(&out).unwrap();
        cards
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };

    let q = query(vec![term("priority=HIGH")]);
    assert_eq!(selected(&q), vec![high.clone()], "archived cards stay out");
    assert_eq!(listed(&q), vec![high.clone()]);
    let q = Query { all: true, ..q };
    let mut both = vec![high.clone(), archived.clone()];
    both.sort();
    let mut got = selected(&q);
    got.sort();
    assert_eq!(got, both, "--all: the archived one too");
    let q = query(vec![term("priority=medium")]);
    assert_eq!(
        selected(&q),
        vec![defaulted.clone()],
        "the declared default"
    );
    assert_eq!(listed(&q), vec![defaulted.clone()]);
    let q = query(vec![term("kind=task"), term("priority=low")]);
    assert_eq!(selected(&q), vec![low.clone()], "every term must hold");
    // Within the cards a view chose, in its order.
    let q = Query {
        only: Some([(low.clone(), 0), (high.clone(), 1)].into_iter().collect()),
        ..query(vec![term("priority=high")])
    };
    assert_eq!(selected(&q), vec![high.clone()]);
    assert_eq!(listed(&q), vec![high.clone()]);
    // No term: every card the other filters keep.
    let mut three = vec![high, low, defaulted];
    three.sort();
    let mut got = selected(&query(Vec::new()));
    got.sort();
    assert_eq!(got, three);

    // The text listing on the command line takes the same terms.
    let text = r.ok(&["list", "--where", "priority=low"]);
    assert!(text.contains("Profile logs"), "{text}");
    assert!(!text.contains("Backfill clicks"), "{text}");
}
