//! History for a distributed team (issue 14): three clones work offline
//! and sync in different orders, one of them rebasing; the flow metrics,
//! the verdict history and each card's log must tell the same story, in
//! every clone, whatever the order.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text
#![cfg(unix)]

mod common;

use common::history::{ALICE, BOB, CHEN};
use common::remote::World;
use common::*;
use serde_json::Value as J;
use std::collections::BTreeMap;

const DAY: i64 = 86_400;

/// `2026-03-DDTHH:00:00+00:00`.
fn at(day: u32, hour: u32) -> String {
    format!("2026-03-{day:02}T{hour:02}:00:00+00:00")
}

/// Seconds since the epoch of [`at`].
fn secs(day: u32, hour: u32) -> i64 {
    // 2026-03-01T00:00:00Z
    1_772_323_200 + (day as i64 - 1) * DAY + hour as i64 * 3600
}

/// `git pull --rebase` then `git push`, as a teammate who rebases would,
/// dated `when` (the rebase renews committer dates, not author dates).
fn pull_rebase_push(r: &Repo, who: Who, when: &str) {
    let run = |args: &[&str]| {
        let out = r
            .git_cmd()
            .args(args)
            .env("GIT_COMMITTER_NAME", who.name)
            .env("GIT_COMMITTER_EMAIL", who.email)
            .env("GIT_COMMITTER_DATE", when)
            .output()
            .expect("run git");
        assert!(out.status.success(), "git {args:?}: {}", both(&out));
    };
    run(&["pull", "-q", "--rebase"]);
    run(&["push", "-q", "origin", "HEAD"]);
}

struct Story {
    flow: J,
    hypotheses: J,
    /// Card title → its log.
    logs: BTreeMap<String, J>,
}

/// The same six weeks of work, synced in the order `order` names.
fn story(order: &str) -> Story {
    let world = World::new();
    let ana = world.clone_remote("ana");
    ana.lanes_as(ALICE, &at(1, 9), &["init"]);
    let h = ana
        .lanes_as(
            ALICE,
            &at(1, 10),
            &[
                "add",
                "Feature X raises precision@10",
                "--kind",
                "hypothesis",
            ],
        )
        .trim()
        .to_string();
    ana.lanes_as(ALICE, &at(1, 11), &["sync"]);
    let bo = world.clone_remote("bo");
    let chen = world.clone_remote("chen");
    for c in [&ana, &bo, &chen] {
        c.ok(&["setup"]);
    }
    // Offline work, each in their own clone.
    bo.lanes_as(BOB, &at(2, 10), &["move", &h, "data-understanding"]);
    let t = chen
        .lanes_as(CHEN, &at(3, 10), &["add", "Tune the ranker"])
        .trim()
        .to_string();
    let x = ana
        .lanes_as(ALICE, &at(4, 10), &["add", "Label audit"])
        .trim()
        .to_string();
    chen.lanes_as(CHEN, &at(5, 10), &["move", &t, "modeling"]);
    bo.lanes_as(BOB, &at(10, 10), &["move", &h, "data-preparation"]);
    let sync = |r: &Repo, who: Who, day: u32| {
        r.lanes_as(who, &at(day, 18), &["sync"]);
    };
    match order {
        "chen-ana-bo" => {
            sync(&chen, CHEN, 12);
            sync(&ana, ALICE, 13);
        }
        _ => {
            sync(&bo, BOB, 11);
            sync(&ana, ALICE, 12);
        }
    }
    chen.lanes_as(CHEN, &at(15, 10), &["move", &t, "evaluation"]);
    ana.lanes_as(ALICE, &at(20, 10), &["move", &x, "data-understanding"]);
    bo.lanes_as(
        BOB,
        &at(21, 10),
        &["verdict", &h, "refuted", "--result", "0.11"],
    );
    match order {
        "chen-ana-bo" => {
            sync(&bo, BOB, 26);
            // Chen rebases instead of merging.
            pull_rebase_push(&chen, CHEN, &at(27, 9));
            sync(&ana, ALICE, 28);
        }
        _ => {
            sync(&chen, CHEN, 16);
            sync(&ana, ALICE, 22);
            pull_rebase_push(&bo, BOB, &at(26, 9));
        }
    }
    bo.lanes_as(BOB, &at(29, 10), &["move", &h, "modeling"]);
    // Everyone syncs until all agree.
    for round in 0..3 {
        let day = 30 + round;
        sync(&bo, BOB, day);
        sync(&chen, CHEN, day);
        sync(&ana, ALICE, day);
    }
    let head = ana.head();
    for c in [&bo, &chen] {
        assert_eq!(c.head(), head, "{order}: the clones did not converge");
    }
    // Every clone, cold and warm, says the same.
    let mut flows = Vec::new();
    for c in [&ana, &bo, &chen] {
        let _ = std::fs::remove_file(c.path.join(".git/lanes/history-v2"));
        flows.push(c.json(&["flow", "--json", "--since", "2026-03-01"]));
        flows.push(c.json(&["flow", "--json", "--since", "2026-03-01"]));
    }
    for f in &flows[1..] {
        assert_same(
            &stable(f),
            &stable(&flows[0]),
            &format!("{order}: clones disagree on flow"),
        );
    }
    let hypotheses = ana.json(&["hypotheses", "--json"]);
    for c in [&bo, &chen] {
        assert_eq!(c.json(&["hypotheses", "--json"]), hypotheses, "{order}");
    }
    let mut logs = BTreeMap::new();
    for (title, id) in [("H", &h), ("T", &t), ("X", &x)] {
        let log = ana.json(&["log", id, "--json"]);
        for c in [&bo, &chen] {
            assert_eq!(
                c.json(&["log", id, "--json"]),
                log,
                "{order}: log of {title}"
            );
        }
        logs.insert(title.to_string(), log);
    }
    Story {
        flow: flows.swap_remove(0),
        hypotheses,
        logs,
    }
}

/// A flow without what depends on the moment it was computed (ages; time
/// in progress and blocked, which grows while a card is in progress, and
/// so flow efficiency) or on random card ids. Which cards were blocked,
/// and whether they are now, stays.
fn stable(flow: &J) -> J {
    let mut f = flow.clone();
    for a in f["aging"].as_array_mut().unwrap() {
        let a = a.as_object_mut().unwrap();
        a.remove("card");
        a.remove("age");
    }
    for list in ["time_blocked", "time_blocked_by_lane"] {
        for t in f[list].as_array_mut().unwrap() {
            for k in ["in_progress", "blocked", "flow_efficiency"] {
                t[k] = J::from(0);
            }
        }
    }
    f["flow_efficiency"] = J::from(0);
    f
}

/// Assert two JSON values are equal, naming the first difference only
/// (a flow is long).
fn assert_same(a: &J, b: &J, what: &str) {
    fn first_difference(a: &J, b: &J, path: &str) -> Option<String> {
        match (a, b) {
            (J::Object(x), J::Object(y)) => {
                for k in x.keys().chain(y.keys()) {
                    let (p, q) = (x.get(k).unwrap_or(&J::Null), y.get(k).unwrap_or(&J::Null));
                    if let Some(d) = first_difference(p, q, &format!("{path}.{k}")) {
                        return Some(d);
                    }
                }
                None
            }
            (J::Array(x), J::Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]"))),
            _ if a == b => None,
            _ => Some(format!("{path}: {a} vs {b}")),
        }
    }
    if let Some(d) = first_difference(a, b, "") {
        panic!("{what}: {d}");
    }
}

/// A card's visits to lanes from its log: (lane, entered, left).
fn visits(log: &J) -> Vec<(String, i64, Option<i64>)> {
    let mut out: Vec<(String, i64, Option<i64>)> = Vec::new();
    for e in log.as_array().unwrap() {
        let time = e["time"].as_i64().unwrap();
        for c in e["changes"].as_array().unwrap() {
            if c["field"] == "lane" {
                if let Some(last) = out.last_mut() {
                    last.2 = Some(time);
                }
                out.push((c["after"].as_str().unwrap().to_string(), time, None));
            }
        }
    }
    out
}

/// The median as flow computes it.
fn median(mut v: Vec<i64>) -> i64 {
    v.sort_unstable();
    v[((v.len() as f64 - 1.0) * 0.5).round() as usize]
}

#[test]
fn three_clones_in_any_sync_order_agree_with_the_card_logs() {
    let a = story("chen-ana-bo");
    let b = story("bo-ana-chen");
    assert_same(
        &stable(&a.flow),
        &stable(&b.flow),
        "the order of syncing changed the flow",
    );
    // (Card ids are random: the rest must be the same.)
    let without_ids = |v: &J| {
        let mut v = v.clone();
        for row in v.as_array_mut().unwrap() {
            row.as_object_mut().unwrap().remove("id");
        }
        v
    };
    assert_same(
        &without_ids(&a.hypotheses),
        &without_ids(&b.hypotheses),
        "hypotheses",
    );
    // Known answers: H sat 8 days in Data Understanding and 19 in Data
    // Preparation; it was refuted on 21 March, not on the day of a sync.
    let h = visits(&a.logs["H"]);
    let lanes: Vec<(&str, i64, Option<i64>)> =
        h.iter().map(|(l, s, e)| (l.as_str(), *s, *e)).collect();
    assert_eq!(
        lanes,
        vec![
            ("business-understanding", secs(1, 10), Some(secs(2, 10))),
            ("data-understanding", secs(2, 10), Some(secs(10, 10))),
            ("data-preparation", secs(10, 10), Some(secs(29, 10))),
            ("modeling", secs(29, 10), None),
        ]
    );
    let time_in = |lane: &str| {
        a.flow["cycle"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["lane"] == lane)
            .map(|c| c["time_in_lane"].clone())
            .unwrap()
    };
    assert_eq!(time_in("data-understanding")["median"], 8 * DAY);
    assert_eq!(time_in("data-preparation")["median"], 19 * DAY);
    let row = a.hypotheses.as_array().unwrap()[0].clone();
    assert_eq!(row["verdict"], "refuted");
    assert_eq!(
        row["verdicts"],
        serde_json::json!([["2026-03-01", "open"], ["2026-03-21", "refuted"]])
    );
    // Every lane's time in lane is what the cards' logs give.
    let mut per_lane: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for log in a.logs.values() {
        for (lane, start, end) in visits(log) {
            if let Some(end) = end {
                per_lane.entry(lane).or_default().push(end - start);
            }
        }
    }
    for c in a.flow["cycle"].as_array().unwrap() {
        let lane = c["lane"].as_str().unwrap();
        match per_lane.remove(lane) {
            Some(v) => {
                assert_eq!(c["time_in_lane"]["count"], v.len(), "{lane}");
                assert_eq!(c["time_in_lane"]["median"], median(v), "{lane}");
            }
            None => assert!(c["time_in_lane"].is_null(), "{lane}: {c}"),
        }
    }
    // Loop-backs: none in this story; end to end: nobody finished.
    assert_eq!(a.flow["loop_backs"], serde_json::json!([]));
    // Aging work in progress: T in Evaluation since 15 March (no visit
    // there has ended, so no p85), X in Data Understanding since 20 March,
    // past that lane's 85th percentile (8 days). H, in Modeling since 29
    // March, has its verdict: done, not stuck (issue 22).
    let aging: Vec<(String, String, Option<i64>, bool)> = a.flow["aging"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["lane"].as_str().unwrap().to_string(),
                x["since"].as_str().unwrap().to_string(),
                x["lane_p85"].as_i64(),
                x["over_p85"].as_bool().unwrap(),
            )
        })
        .collect();
    let entry = |lane: &str, since: &str, p85: Option<i64>, over: bool| {
        (lane.to_string(), since.to_string(), p85, over)
    };
    assert_eq!(
        aging,
        vec![
            entry("evaluation", "2026-03-15T10:00:00Z", None, false),
            entry(
                "data-understanding",
                "2026-03-20T10:00:00Z",
                Some(8 * DAY),
                true
            ),
        ]
    );
}

#[test]
fn sync_in_a_clone_made_before_the_board_existed() {
    for had_commits in [false, true] {
        let world = World::new();
        let early = world.clone_remote("early");
        if had_commits {
            // The repository had a README before the board.
            early.write("README.md", "# research\n");
            early.git(&["add", "README.md"]);
            early.git(&["commit", "-qm", "readme"]);
            early.push();
        }
        let founder = world.clone_remote("founder");
        founder.ok(&["init"]);
        let id = founder.add("Baseline model", &[]);
        founder.sync();
        // The early clone has no board; its upstream has one.
        let out = early.lanes(&["sync"]);
        let text = both(&out);
        assert!(out.status.success(), "had commits {had_commits}: {text}");
        assert!(!text.contains("lanes init"), "{text}");
        assert!(early.list_ids(&[]).contains(&id), "{text}");
        assert_eq!(early.head(), founder.head());
    }
    // With no board anywhere, sync says so (and only then suggests init).
    let world = World::new();
    let lonely = world.clone_remote("lonely");
    lonely.write("README.md", "# research\n");
    lonely.git(&["add", "README.md"]);
    lonely.git(&["commit", "-qm", "readme"]);
    lonely.push();
    let err = lonely.fails(&["sync"]);
    assert!(
        err.contains("no board") && err.contains("lanes init"),
        "{err}"
    );
}

#[test]
fn card_dates_come_from_the_author_date_as_in_git() {
    // An import or a replay sets the dates; the cards must agree with
    // their commits.
    let r = Repo::with_board("crisp-dm");
    let id = r
        .lanes_as(
            ALICE,
            "2026-03-01T10:00:00+00:00",
            &["add", "Imported card"],
        )
        .trim()
        .to_string();
    r.lanes_as(
        BOB,
        "2026-03-02T11:30:00+00:00",
        &["note", &id, "replayed note"],
    );
    let card = r.card(&id);
    assert_eq!(card["created"].as_str(), Some("2026-03-01"));
    let entry = &card["journal"][0];
    assert_eq!(
        entry["at"].as_str(),
        Some("2026-03-02T11:30:00Z"),
        "{card:?}"
    );
    assert_eq!(entry["by"].as_str(), Some(BOB.name));
    assert_eq!(
        r.git_line(&["log", "-1", "--format=%at %an"]),
        format!("{} Bob Brown", secs(2, 11) + 1800)
    );
    // Without the variables: today, by the configured user.
    let other = r.add("Made now", &[]);
    let today = r.git_line(&["log", "-1", "--format=%ad", "--date=format:%Y-%m-%d"]);
    assert_eq!(r.card(&other)["created"].as_str(), Some(today.as_str()));
}
