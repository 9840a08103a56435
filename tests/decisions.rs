//! Decision cards (issue 22), against real repositories, real git and the
//! real binary: `lanes decide` makes one commit holding what was decided,
//! on what and by whom; `lanes decisions` lists them newest first with
//! their evidence as it stands now; a verdict that changes after the
//! decision, a superseded decision, a dangling or open piece of evidence
//! are flagged, in the text, the JSON, `lanes show` and the report.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::history::{iso, ALICE, BOB};
use common::*;
use serde_json::Value as J;

/// A board with a supported hypothesis Alice concluded on 2 October.
fn board_with_hypothesis() -> (Repo, String) {
    let r = Repo::new();
    r.lanes_as(ALICE, &iso(1, 9, 0), &["init"]);
    let h = r
        .lanes_as(
            ALICE,
            &iso(1, 9, 5),
            &[
                "add",
                "Recency raises precision@10",
                "--hypothesis",
                "Session recency helps",
                "--metric",
                "precision@10",
                "--baseline",
                "0.20",
                "--target",
                "0.25",
                "--lane",
                "modeling",
            ],
        )
        .trim()
        .to_string();
    r.lanes_as(
        ALICE,
        &iso(2, 10, 0),
        &["verdict", &h, "supported", "--result", "0.27"],
    );
    (r, h)
}

#[test]
fn decide_commits_one_card_with_what_was_decided_on_what_and_by_whom() {
    let (r, h) = board_with_hypothesis();
    let before = r.commit_count();
    let d = r
        .lanes_as(
            BOB,
            &iso(3, 11, 0),
            &[
                "decide",
                "Ship recency features",
                "--rests-on",
                &h[..6],
                "--statement",
                "Ship in the November release",
                "--at",
                "2026-10-03",
            ],
        )
        .trim()
        .to_string();
    assert_eq!(r.commit_count(), before + 1, "one commit");
    assert_eq!(r.head_paths(), [card_path(&d)], "only the new card");
    assert!(
        r.head_subject().contains("Ship recency features"),
        "{}",
        r.head_subject()
    );
    let card = r.card(&d);
    assert_eq!(card["kind"].as_str(), Some("decision"));
    assert_eq!(
        card["lane"].as_str(),
        Some("modeling"),
        "the evidence's lane"
    );
    assert_eq!(card["rests_on"][0].as_str(), Some(h.as_str()));
    assert_eq!(
        card["decision"]["statement"].as_str(),
        Some("Ship in the November release")
    );
    assert_eq!(card["decision"]["decided_by"].as_str(), Some(BOB.name));
    assert_eq!(card["decision"]["decided_at"].as_str(), Some("2026-10-03"));
    // The file: fixed order, the decision group after the links.
    let keys = top_keys(&r.card_text(&d));
    let rests = keys.iter().position(|k| k == "rests_on").unwrap();
    let group = keys.iter().position(|k| k == "decision").unwrap();
    assert!(rests < group, "{keys:?}");

    let text = r.ok(&["decisions"]);
    assert!(text.contains("Ship recency features"), "{text}");
    assert!(text.contains(&format!("rests on  {}", short(&h))), "{text}");
    assert!(text.contains("supported"), "{text}");
    assert!(!text.contains('!'), "nothing moved yet: {text}");

    let j = r.json(&["decisions", "--json"]);
    let row = &j[0];
    assert_eq!(row["id"], J::from(d.as_str()));
    assert_eq!(row["decided_by"], J::from(BOB.name));
    assert_eq!(row["rests_on"][0]["verdict"], J::from("supported"));
    assert_eq!(
        row["rests_on"][0]["verdict_when_decided"],
        J::from("supported")
    );
    assert_eq!(row["rests_on"][0]["result"], J::from(0.27), "a number");
    assert_eq!(row["rests_on"][0]["target"], J::from(0.25));
    assert_eq!(row["flags"], J::Array(vec![]));

    // A decision is taken when recorded: never work to pick up.
    let ready = r.json(&["ready", "--json"]);
    let ids: Vec<&str> = ready
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(!ids.contains(&d.as_str()), "{ready}");
}

#[test]
fn a_verdict_changed_after_the_decision_is_flagged_everywhere() {
    let (r, h) = board_with_hypothesis();
    let d = r
        .lanes_as(
            ALICE,
            &iso(3, 9, 0),
            &["decide", "Ship recency features", "--rests-on", &h],
        )
        .trim()
        .to_string();
    // A rerun on clean data refutes it a week later.
    r.lanes_as(
        BOB,
        &iso(10, 9, 0),
        &[
            "verdict",
            &h,
            "refuted",
            "--result",
            "0.18",
            "--because",
            "the old eval set leaked",
        ],
    );
    let j = r.json(&["decisions", "--json"]);
    let e = &j[0]["rests_on"][0];
    assert_eq!(e["verdict_when_decided"], J::from("supported"));
    assert_eq!(e["verdict"], J::from("refuted"));
    assert_eq!(e["verdict_changed_at"], J::from("2026-10-10T09:00:00Z"));
    let flags = j[0]["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0]["kind"], J::from("verdict_changed"));
    assert_eq!(flags[0]["card"], J::from(h.as_str()));

    let text = r.ok(&["decisions"]);
    assert!(
        text.contains("was supported when decided, refuted since 10 October 2026"),
        "{text}"
    );
    let shown = r.ok(&["show", &d]);
    assert!(shown.contains("What moved since the decision"), "{shown}");
    assert!(shown.contains("was supported when decided"), "{shown}");
    let sj = r.json(&["show", &d, "--json"]);
    assert_eq!(sj["decision_flags"][0]["kind"], J::from("verdict_changed"));

    // The report shows it, though the decision is older than the period.
    let md = r.ok(&["report", "--since", "2026-10-09", "--until", "2026-10-11"]);
    let section = md
        .split("## Decisions")
        .nth(1)
        .expect("a Decisions section");
    assert!(section.contains("Ship recency features"), "{section}");
    assert!(
        section.contains("verdict changed since the decision"),
        "{section}"
    );
    let rj = r.json(&[
        "report",
        "--format",
        "json",
        "--since",
        "2026-10-09",
        "--until",
        "2026-10-11",
    ]);
    assert_eq!(rj["decisions"][0]["id"], J::from(d.as_str()));
    let html = r.ok(&["report", "--format", "html"]);
    assert!(html.contains("<section id=\"decisions\">"), "html section");
    assert!(html.contains("verdict changed since the decision"));
}

#[test]
fn a_superseded_decision_stays_marked_and_newest_comes_first() {
    let (r, h) = board_with_hypothesis();
    let old = r
        .lanes_as(
            ALICE,
            &iso(3, 9, 0),
            &["decide", "Keep the popularity baseline", "--rests-on", &h],
        )
        .trim()
        .to_string();
    let new = r
        .lanes_as(
            BOB,
            &iso(5, 9, 0),
            &[
                "decide",
                "Ship recency features",
                "--rests-on",
                &h,
                "--supersedes",
                &old,
            ],
        )
        .trim()
        .to_string();
    let j = r.json(&["decisions", "--json"]);
    let ids: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [new.as_str(), old.as_str()], "newest first");
    assert_eq!(j[0]["supersedes"][0]["id"], J::from(old.as_str()));
    assert_eq!(j[1]["superseded_by"][0]["id"], J::from(new.as_str()));
    let text = r.ok(&["decisions"]);
    assert!(
        text.contains("Keep the popularity baseline  [superseded]"),
        "{text}"
    );
    assert!(
        text.contains(&format!("superseded by {}", short(&new))),
        "{text}"
    );
    // The old decision's file is untouched: it stays as it was.
    assert!(r.exists(&card_path(&old)));
    assert!(r.card(&old).get("supersedes").is_none());
}

#[test]
fn evidence_missing_open_or_unknown_is_refused_or_flagged() {
    let (r, _) = board_with_hypothesis();
    let before = r.commit_count();
    let err = r.fails(&["decide", "Ship it", "--rests-on", "nosuchcard"]);
    assert!(err.contains("nosuchcard"), "{err}");
    assert_eq!(r.commit_count(), before, "nothing committed");

    let open = r.add(
        "Two-tower retrieval beats BM25",
        &["--hypothesis", "it does", "--lane", "modeling"],
    );
    let d = r
        .ok(&["decide", "Start the A/B test", "--rests-on", &open])
        .trim()
        .to_string();
    let j = r.json(&["decisions", "--json"]);
    assert_eq!(j[0]["flags"][0]["kind"], J::from("open"), "{j}");

    // A teammate's file names a card this clone does not have.
    let text = r
        .card_text(&d)
        .replace(&format!("- {open}"), &format!("- {open}\n  - ghost00001"));
    r.write_card(&d, &text);
    let j = r.json(&["decisions", "--json"]);
    let kinds: Vec<&str> = j[0]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["open", "missing"], "{j}");
    let v = r.lanes(&["validate"]);
    assert!(both(&v).contains("ghost00001"), "{}", both(&v));
}

#[test]
fn a_board_without_decisions_says_how_to_record_one() {
    let r = Repo::new();
    r.ok(&["init"]);
    let text = r.ok(&["decisions"]);
    assert!(text.contains("lanes decide"), "{text}");
    assert_eq!(r.json(&["decisions", "--json"]), J::Array(vec![]));
}
