//! Claims (`lanes claim`, `lanes release`): one commit each, refused on a
//! live claim of someone else's, ignored once expired, given back when a
//! card finishes, and kept by the merge in every clone: eight clones that
//! claim the same card at the same moment through `git daemon` on
//! loopback end with the same single holder, and each loser is told.
//! Also the board's `agents.require_evidence` on the command line.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::remote::*;
use common::*;
use serde_json::{json, Value};
use std::sync::Barrier;

const BO: Who = Who {
    name: "Bo Brandt",
    email: "bo@example.com",
};

/// A moment git reads from `GIT_AUTHOR_DATE`.
fn git_date(secs: i64) -> String {
    format!("@{secs} +0000")
}

fn now() -> i64 {
    lanes::model::date::now_secs()
}

fn claim_of(r: &Repo, id: &str) -> Value {
    r.show_json(id)["claim"].clone()
}

#[test]
fn a_claim_is_one_commit_and_a_second_claimant_is_refused_with_who_and_until() {
    let r = Repo::with_board("crisp-dm");
    let id = r.add("Session recency", &["--lane", "modeling"]);
    let other = r.add("Cold start", &["--lane", "modeling"]);
    let before = r.commit_count();

    let out = r.ok(&["claim", &id, "--for", "3h", "--json"]);
    let claimed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(claimed["claim"]["by"], USER_NAME);
    assert_eq!(r.commit_count(), before + 1, "one commit");
    assert_eq!(r.head_paths(), vec![card_path(&id)]);
    assert!(
        r.head_subject().starts_with(&format!(
            "lanes: claim {} Session recency ({USER_NAME} until ",
            short(&id)
        )),
        "{}",
        r.head_subject()
    );
    assert_eq!(r.head_trailer("Lanes-Action"), ["claim"]);
    assert_eq!(r.head_trailer("Lanes-Card"), vec![id.clone()]);
    let c = claim_of(&r, &id);
    let at = lanes::model::date::parse_timestamp(c["at"].as_str().unwrap()).unwrap();
    let until = lanes::model::date::parse_timestamp(c["until"].as_str().unwrap()).unwrap();
    assert_eq!(until - at, 3 * 3600);
    assert!((at - now()).abs() < 600);

    // Someone else: refused (exit 4, a conflict), naming who and until.
    let mut cmd = r.lanes_cmd();
    cmd.env("GIT_AUTHOR_NAME", BO.name)
        .env("GIT_AUTHOR_EMAIL", BO.email)
        .args(["claim", &id]);
    let out = cmd.output().unwrap();
    let msg = fails(&out, 4);
    let until_text = lanes::model::claim::minute(until);
    assert!(
        msg.contains(&format!("claimed by {USER_NAME} until {until_text}")),
        "{msg}"
    );
    assert_eq!(r.commit_count(), before + 1, "nothing changed");
    // An agent of the same person is someone else too.
    let msg = fails(&r.lanes(&["claim", &id, "--as", "codex"]), 4);
    assert!(msg.contains(USER_NAME), "{msg}");

    // The holder renews it: when it was taken stays (it decides between
    // clones), the end moves.
    r.ok(&["claim", &id, "--for", "5h"]);
    let renewed = claim_of(&r, &id);
    assert_eq!(renewed["at"], c["at"]);
    assert_ne!(renewed["until"], c["until"]);

    // list shows the claimant; --unclaimed skips the card.
    let text = r.ok(&["list"]);
    let line = text.lines().find(|l| l.contains(short(&id))).unwrap();
    assert!(
        line.contains(&format!("claimed by {USER_NAME} until")),
        "{line}"
    );
    assert_eq!(r.list_ids(&["--unclaimed"]).len(), 1);
    assert_eq!(r.list_ids(&["--unclaimed"]), vec![other.clone()]);
    assert_eq!(r.list_json(&[])[0]["claim"]["by"], USER_NAME);
    let shown = r.ok(&["show", &id]);
    assert!(
        shown.contains(&format!("claimed:    by {USER_NAME} until")),
        "{shown}"
    );

    // An agent gives back only its own claim; a person anyone's.
    let msg = fails(&r.lanes(&["release", &id, "--as", "codex"]), 4);
    assert!(msg.contains("only its own"), "{msg}");
    let out = r.ok(&["release", &id, "--json"]);
    let released: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(released["claim"], Value::Null);
    assert_eq!(r.head_trailer("Lanes-Action"), ["release"]);
    assert!(r.head_subject().contains(&format!("({USER_NAME}'s claim)")));
    assert_eq!(claim_of(&r, &id), Value::Null);
    assert_eq!(r.list_ids(&["--unclaimed"]).len(), 2);
    let again = r.lanes(&["release", &id]);
    assert!(
        stderr(&again).contains("is not claimed"),
        "{}",
        stderr(&again)
    );

    // Claimed as an agent: the claim and the trailer name it.
    r.ok(&["claim", &other, "--as", "nightly-trainer"]);
    assert_eq!(
        claim_of(&r, &other)["by"],
        format!("{USER_NAME} via nightly-trainer")
    );
    assert_eq!(r.head_trailer("Lanes-Agent"), ["nightly-trainer"]);
    // The claim is lanes' own field: --set cannot forge one.
    let msg = r.fails(&[
        "edit",
        &id,
        "--set",
        "claim={by: x, at: 2026-01-01T00:00:00Z}",
    ]);
    assert!(msg.contains("lanes claim"), "{msg}");
    r.assert_healthy();
}

#[test]
fn an_expired_claim_is_ignored_everywhere() {
    let r = Repo::with_board("crisp-dm");
    let id = r.add("Session recency", &[]);
    // Claimed three hours ago for an hour.
    let then = now() - 3 * 3600;
    r.lanes_as(
        Who {
            name: USER_NAME,
            email: USER_EMAIL,
        },
        &git_date(then),
        &["claim", &id, "--for", "1h"],
    );
    assert_eq!(claim_of(&r, &id)["by"], USER_NAME, "on the card");
    let line = r.ok(&["list"]);
    assert!(!line.contains("claimed by"), "{line}");
    assert_eq!(r.list_ids(&["--unclaimed"]), vec![id.clone()]);
    let shown = r.ok(&["show", &id]);
    assert!(shown.contains("claim:      expired ("), "{shown}");
    // Anyone may claim it now; the commit says whose claim it replaces.
    r.lanes_as(BO, &git_date(now()), &["claim", &id]);
    assert_eq!(claim_of(&r, &id)["by"], BO.name);
    let body = r.head_message();
    assert!(
        body.contains(&format!("replaces {USER_NAME}'s expired claim")),
        "{body}"
    );
    assert!(r.list_ids(&["--unclaimed"]).is_empty());
}

#[test]
fn finishing_a_card_gives_its_claim_back_in_the_same_commit() {
    let r = Repo::with_board("crisp-dm");
    let moved = r.add("Ship it", &["--lane", "evaluation"]);
    let concluded = r.add_hypothesis("Recency");
    let recorded = r.add(
        "Recency again",
        &[
            "--lane",
            "modeling",
            "--metric",
            "precision",
            "--baseline",
            "0.18",
            "--target",
            "0.2",
        ],
    );
    for id in [&moved, &concluded, &recorded] {
        r.ok(&["claim", id]);
    }
    // A move between lanes that are not done keeps it.
    r.ok(&["move", &moved, "modeling"]);
    assert_eq!(claim_of(&r, &moved)["by"], USER_NAME);
    r.ok(&["move", &moved, "evaluation"]);
    // Into the done lane (crisp-dm's last, deployment): released.
    let count = r.commit_count();
    r.ok(&["move", &moved, "deployment"]);
    assert_eq!(r.commit_count(), count + 1, "the same commit");
    assert_eq!(claim_of(&r, &moved), Value::Null);
    assert!(r.head_message().contains("claim: released ("));
    assert_eq!(r.head_trailer("Lanes-Action"), ["move"]);
    // A verdict given by hand.
    r.ok(&["verdict", &concluded, "supported", "--result", "0.25"]);
    assert_eq!(claim_of(&r, &concluded), Value::Null);
    assert_eq!(r.head_trailer("Lanes-Action"), ["verdict"]);
    // `open` concludes nothing.
    r.ok(&["claim", &concluded]);
    r.ok(&["verdict", &concluded, "open"]);
    assert_eq!(claim_of(&r, &concluded)["by"], USER_NAME);
    // A result read from a run, with the verdict it gives.
    r.write("metrics.json", r#"{"precision": 0.25}"#);
    r.ok(&["result", &recorded, "dvc:metrics.json#precision"]);
    assert_eq!(claim_of(&r, &recorded), Value::Null);
    assert_eq!(r.head_trailer("Lanes-Action"), ["result"]);
    r.assert_healthy();
}

#[test]
fn a_board_that_requires_evidence_refuses_a_bare_verdict_on_the_command_line() {
    let r = Repo::with_board("crisp-dm");
    let id = r.add(
        "Recency",
        &[
            "--metric",
            "precision",
            "--baseline",
            "0.18",
            "--target",
            "0.2",
        ],
    );
    // People are not restricted unless the board says so.
    r.ok(&["verdict", &id, "supported", "--result", "0.3"]);
    r.ok(&["verdict", &id, "open"]);
    let mut board = r.read(".lanes/board.yaml");
    board.push_str("agents:\n  require_evidence: true\n");
    r.commit_file(".lanes/board.yaml", &board, "require evidence");
    let count = r.commit_count();
    let msg = r.fails(&["verdict", &id, "supported", "--result", "0.3"]);
    assert!(msg.contains("must cite the run"), "{msg}");
    assert!(msg.contains("--source mlflow:RUN_ID"), "{msg}");
    assert!(msg.contains("agents.require_evidence"), "{msg}");
    let msg = r.fails(&["edit", &id, "--set", "hypothesis.verdict=supported"]);
    assert!(msg.contains("must cite the run"), "{msg}");
    assert_eq!(r.commit_count(), count, "nothing committed");
    // Citing a run: its value is the result, and must give the verdict.
    r.write("metrics.json", r#"{"precision": 0.19}"#);
    let msg = r.fails(&[
        "verdict",
        &id,
        "supported",
        "--source",
        "dvc:metrics.json#precision",
    ]);
    assert!(
        msg.contains("the numbers give inconclusive, not supported"),
        "{msg}"
    );
    assert_eq!(r.commit_count(), count);
    r.write("metrics.json", r#"{"precision": 0.25}"#);
    r.ok(&[
        "verdict",
        &id,
        "supported",
        "--source",
        "dvc:metrics.json#precision",
    ]);
    let card = r.show_json(&id);
    assert_eq!(card["hypothesis"]["verdict"], "supported");
    assert_eq!(card["hypothesis"]["result"], 0.25);
    assert_eq!(
        card["hypothesis"]["evidence"]["source"],
        "dvc:metrics.json#precision"
    );
    assert_eq!(card["hypothesis"]["evidence"]["verdict"], "supported");
    assert_eq!(r.head_trailer("Lanes-Action"), ["result"]);
    // `open` needs no run.
    r.ok(&["verdict", &id, "open"]);
}

/// Run `each` for every clone at the same moment.
fn at_once<T: Send>(clones: &[Repo], each: impl Fn(&Repo) -> T + Sync) -> Vec<T> {
    let barrier = Barrier::new(clones.len());
    std::thread::scope(|s| {
        let handles: Vec<_> = clones
            .iter()
            .map(|c| {
                let (b, each) = (&barrier, &each);
                s.spawn(move || {
                    b.wait();
                    each(c)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn eight_clones_claiming_one_card_at_once_end_with_one_holder_and_each_loser_is_told() {
    let names: Vec<String> = (0..8).map(|i| format!("c{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (w, _seed) = World::with_board(&["seed"]);
    let Some(daemon) = w.serve_or_skip() else {
        return;
    };
    let clones: Vec<Repo> = refs.iter().map(|n| w.clone_url(&daemon.url(), n)).collect();
    let id = clones[0].add("The one card everybody wants", &["--lane", "modeling"]);
    clones[0].sync();
    for c in &clones[1..] {
        c.sync();
    }
    // Everybody claims it at the same moment, offline.
    let claims: Vec<Value> = at_once(&clones, |c| {
        ok(&c.lanes(&["claim", &id, "--for", "4h"]));
        claim_of(c, &id)
    });
    let key = |c: &Value| {
        (
            lanes::model::date::parse_timestamp(c["at"].as_str().unwrap()).unwrap(),
            c["by"].as_str().unwrap().to_string(),
        )
    };
    let winner = claims.iter().min_by_key(|c| key(c)).unwrap().clone();
    // Everybody syncs at once, again and again until a round changes
    // nothing anywhere.
    let mut told: Vec<Vec<Value>> = vec![Vec::new(); clones.len()];
    let mut quiet = false;
    for _round in 0..12 {
        let reports = at_once(&clones, |c| {
            let out = c.lanes(&["sync", "--json"]);
            let said = both(&out);
            assert!(out.status.success(), "{}: {said}", c.name);
            let v: Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{}: sync --json: {e}\n{said}", c.name));
            (v, said)
        });
        let mut moved = false;
        for (i, (v, said)) in reports.iter().enumerate() {
            moved |= v["pulled"].as_u64() != Some(0) || v["pushed"] == true;
            for l in v["lost_claims"].as_array().unwrap() {
                assert!(said.contains("lost the claim on"), "{said}");
                told[i].push(l.clone());
            }
        }
        if !moved {
            quiet = true;
            break;
        }
    }
    assert!(quiet, "the clones kept syncing");
    let all: Vec<&Repo> = clones.iter().collect();
    assert_same_boards(&all);
    for c in &clones {
        assert_eq!(c.head(), w.remote_head(), "{} is not at the remote", c.name);
        let held = claim_of(c, &id);
        assert_eq!(held, winner, "{} holds another claim", c.name);
        c.assert_healthy();
        let card = c.read(&card_path(&id));
        assert!(
            !card.contains("conflicts:"),
            "no conflict recorded:\n{card}"
        );
    }
    for (i, c) in clones.iter().enumerate() {
        let mine = &claims[i];
        if *mine == winner {
            assert!(told[i].is_empty(), "the winner {} was told it lost", c.name);
            continue;
        }
        assert!(
            !told[i].is_empty(),
            "{} lost its claim and was not told",
            c.name
        );
        for l in &told[i] {
            assert_eq!(l["card"], id.as_str());
            assert_eq!(l["yours"], *mine, "{}: {l}", c.name);
            assert!(
                key(&l["holder"]) < key(mine),
                "{}: lost to a later claim: {l}",
                c.name
            );
            assert_eq!(l["holder_expired"], false);
        }
    }
}

/// Across clones: an earlier claim that expired offline is kept by the
/// merge but ignored, and its loser is told the card is free; a card one
/// clone finished loses its claim in every clone.
#[test]
fn expired_and_finished_claims_across_clones() {
    let (w, _seed) = World::with_board(&["seed"]);
    let Some(daemon) = w.serve_or_skip() else {
        return;
    };
    let ana = w.clone_url(&daemon.url(), "ana");
    let bo = w.clone_url(&daemon.url(), "bo");
    let card = ana.add("Stale claim", &["--lane", "modeling"]);
    let done = ana.add("Finished elsewhere", &["--lane", "evaluation"]);
    ana.sync();
    bo.sync();
    let t = now();
    // Ana claimed it three hours ago for an hour, offline; Bo claims now.
    ana.at(Some(t - 3 * 3600));
    ok(&ana.lanes(&["claim", &card, "--for", "1h"]));
    ana.at(None);
    ok(&bo.lanes(&["claim", &card]));
    // Ana holds a live claim on the other card; Bo finishes it.
    ok(&ana.lanes(&["claim", &done]));
    ana.sync();
    ok(&bo.lanes(&["move", &done, "deployment"]));
    let out = bo.lanes(&["sync", "--json"]);
    let said = both(&out);
    assert!(out.status.success(), "{said}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lost = report["lost_claims"].as_array().unwrap();
    assert_eq!(lost.len(), 1, "{said}");
    assert_eq!(lost[0]["card"], card.as_str());
    assert_eq!(lost[0]["holder"]["by"], "Ana");
    assert_eq!(lost[0]["holder_expired"], true);
    assert!(said.contains("the card is free: claim it again"), "{said}");
    ana.sync();
    let clones = [&ana, &bo];
    assert_same_boards(&clones);
    for c in clones {
        // The expired claim is on the card, and ignored.
        assert_eq!(claim_of(c, &card)["by"], "Ana");
        let free = c.list_ids(&["--unclaimed"]);
        assert!(free.contains(&card), "{}: {free:?}", c.name);
        // The finished card holds no claim anywhere.
        assert_eq!(claim_of(c, &done), Value::Null, "{}", c.name);
        assert_eq!(c.show_json(&done)["lane"], "deployment");
    }
    // Bo claims it again, and everybody sees it.
    ok(&bo.lanes(&["claim", &card]));
    bo.sync();
    ana.sync();
    assert_eq!(claim_of(&ana, &card)["by"], "Bo");
    assert!(!ana.list_ids(&["--unclaimed"]).contains(&card));
}

/// Ready work leaves out cards someone holds a live claim on, wherever it
/// is asked for: `lanes ready` (text, JSON, `--explain`), `lanes list
/// --ready` and the JSON's `ready`; an expired claim does not count.
/// `--unclaimed` and `--blocked` combine.
#[test]
fn ready_work_leaves_out_live_claims() {
    let r = Repo::with_board("crisp-dm");
    let free = r.add("Free to take", &["--lane", "modeling"]);
    let held = r.add("Held by Bo", &["--lane", "modeling"]);
    let lapsed = r.add("Held once", &["--lane", "modeling"]);
    let waits = r.add("Waits for the free one", &["--lane", "modeling"]);
    r.ok(&["link", &waits, "--depends-on", &free]);
    r.lanes_as(BO, &git_date(now()), &["claim", &held, "--for", "2h"]);
    let me = Who {
        name: USER_NAME,
        email: USER_EMAIL,
    };
    r.lanes_as(
        me,
        &git_date(now() - 3 * 3600),
        &["claim", &lapsed, "--for", "1h"],
    );

    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let json = |args: &[&str]| -> Value { serde_json::from_str(&r.ok(args)).unwrap() };
    let ready = json(&["ready", "--json"]);
    assert_eq!(ids(&ready), [free.clone(), lapsed.clone()]);
    assert_eq!(r.list_ids(&["--ready"]), [free.clone(), lapsed.clone()]);
    let text = r.ok(&["ready"]);
    assert!(!text.contains(&held[..6]), "{text}");
    // Every card says whether it is ready and whether it is claimed.
    let all = r.list_json(&[]);
    let card = |id: &str| all.iter().find(|c| c["id"] == id).unwrap().clone();
    assert_eq!(
        (card(&held)["ready"].clone(), card(&held)["claimed"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(
        (
            card(&lapsed)["ready"].clone(),
            card(&lapsed)["claimed"].clone()
        ),
        (json!(true), json!(false))
    );
    assert_eq!(card(&waits)["ready"], json!(false));
    // --explain names the claimed card apart, with who holds it.
    let explained = r.ok(&["ready", "--explain"]);
    assert!(explained.contains("Claimed (1)"), "{explained}");
    assert!(
        explained.contains(&format!("claimed by {} until", BO.name)),
        "{explained}"
    );
    let explained = json(&["ready", "--explain", "--json"]);
    assert_eq!(ids(&explained["ready"]), [free.clone(), lapsed.clone()]);
    assert_eq!(ids(&explained["claimed"]), vec![held.clone()]);
    assert_eq!(ids(&explained["blocked"]), vec![waits.clone()]);
    // The filters combine.
    assert_eq!(r.list_ids(&["--blocked"]), vec![waits.clone()]);
    r.lanes_as(BO, &git_date(now()), &["claim", &waits]);
    assert_eq!(r.list_ids(&["--blocked"]), vec![waits.clone()]);
    assert!(r.list_ids(&["--blocked", "--unclaimed"]).is_empty());
    assert_eq!(r.list_ids(&["--unclaimed"]), [free.clone(), lapsed.clone()]);
    fails(&r.lanes(&["list", "--blocked", "--ready"]), 2);
    // Given back, it is ready again.
    r.ok(&["release", &held]);
    assert_eq!(
        ids(&json(&["ready", "--json"])),
        [free.clone(), held.clone(), lapsed.clone()]
    );
    let text = r.ok(&["ready", "--explain"]);
    assert!(!text.contains("Claimed ("), "{text}");
}
