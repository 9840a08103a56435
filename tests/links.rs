//! How research work connects (issue 25), against real repositories, real
//! git and the real binary: links merged from clones through `git daemon`
//! in every order, a cycle a merge made (by `lanes sync` and by the plain
//! git merge driver) recorded and settled, `lanes link` refusing one,
//! `validate` on dangling ids and cycles, ready/blocked/explain, the
//! research flags, the JSON fields, flow's blocked time and the report.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::remote::*;
use common::tui::{buffer, key, locate, press, run_effects, selected};
use common::*;
use serde_json::Value as J;
use std::collections::BTreeSet;

/// A card's links of one field, as stored in its file.
fn stored(c: &Repo, id: &str, field: &str) -> BTreeSet<String> {
    let card = c.card(id);
    match &card[field] {
        serde_yaml::Value::Sequence(items) => items
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect(),
        serde_yaml::Value::String(s) => [s.clone()].into(),
        _ => BTreeSet::new(),
    }
}

fn set(ids: &[&String]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Who made each side of the conflicts a merge recorded on a card, as
/// (kept_by, other_by).
fn makers(c: &Repo, id: &str) -> Vec<(String, String)> {
    match &c.card(id)["conflicts"] {
        serde_yaml::Value::Sequence(items) => items
            .iter()
            .map(|e| {
                let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
                (s("kept_by"), s("other_by"))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The conflicts a merge recorded on a card, as (field, reason).
fn recorded(c: &Repo, id: &str) -> Vec<(String, String)> {
    match &c.card(id)["conflicts"] {
        serde_yaml::Value::Sequence(items) => items
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap_or_default().to_string(),
                    e["reason"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A world served by `git daemon` with one clone per name, each holding
/// the same board and five cards Alice made: `a` depends on `b` and
/// supersedes `e`. None when git daemon cannot run (SKIP printed).
fn served(names: &[&str]) -> Option<(World, Daemon, Vec<Repo>, Vec<String>)> {
    let w = World::new();
    let daemon = w.serve_or_skip()?;
    let url = daemon.url();
    let first = w.clone_url(&url, names[0]);
    first.ok(&["init"]);
    let ids: Vec<String> = ["A", "B", "C", "D", "E"]
        .iter()
        .map(|t| first.add(&format!("Card {t}"), &[]))
        .collect();
    first.ok(&["link", &ids[0], "--depends-on", &ids[1]]);
    first.ok(&["link", &ids[0], "--supersedes", &ids[4]]);
    first.git(&["push", "-q", "-u", "origin", "main"]);
    let mut clones = vec![first];
    for n in &names[1..] {
        clones.push(w.clone_url(&url, n));
    }
    Some((w, daemon, clones, ids))
}

/// The ids a JSON command prints (an array of cards), in order.
fn ids_of(r: &Repo, args: &[&str]) -> Vec<String> {
    let v = r.json(args);
    v.as_array()
        .unwrap_or_else(|| panic!("{args:?} printed {v}"))
        .iter()
        .map(|c| c["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Every order of `n` items (n ≤ 3).
fn orders(n: usize) -> Vec<Vec<usize>> {
    match n {
        2 => vec![vec![0, 1], vec![1, 0]],
        _ => vec![
            vec![0, 1, 2],
            vec![0, 2, 1],
            vec![1, 0, 2],
            vec![1, 2, 0],
            vec![2, 0, 1],
            vec![2, 1, 0],
        ],
    }
}

/// Each clone adds and removes links offline; they sync in `order` (then
/// again, so every clone has everything): every clone ends with the same
/// board, holding every link added and none removed.
#[test]
fn links_merge_as_sets_from_two_and_three_clones_in_every_order() {
    for n in [2, 3] {
        for order in orders(n) {
            let names = ["alice", "bob", "carol"];
            let Some((_w, _daemon, clones, ids)) = served(&names[..n]) else {
                return;
            };
            let [a, b, c, d, e] = [&ids[0], &ids[1], &ids[2], &ids[3], &ids[4]];
            for cl in &clones[1..] {
                cl.pull();
            }
            // Alice adds a → c; Bob removes a → b and adds a → d and a
            // parent; Carol adds a → e, removes the supersedes link and
            // relates a to c.
            clones[0].ok(&["link", a, "--depends-on", c]);
            clones[1].ok(&["unlink", a, "--depends-on", &b[..6]]);
            clones[1].ok(&["link", d, "--blocks", a]);
            clones[1].ok(&["link", a, "--parent", c]);
            let mut want_deps = set(&[c, d]);
            let mut want_supersedes = set(&[e]);
            let mut want_relates = BTreeSet::new();
            if n == 3 {
                clones[2].ok(&["link", a, "--depends-on", e]);
                clones[2].ok(&["unlink", a, "--supersedes", e]);
                clones[2].ok(&["link", a, "--relates", c]);
                want_deps.insert(e.to_string());
                want_supersedes.clear();
                want_relates.insert(c.to_string());
            }
            for &k in order.iter().chain(&order[..n - 1]) {
                clones[k].sync();
            }
            let all: Vec<&Repo> = clones.iter().collect();
            assert_same_boards(&all);
            for cl in &clones {
                cl.assert_healthy();
                let what = format!("{n} clones, order {order:?}, {}", cl.name);
                assert_eq!(stored(cl, a, "depends_on"), want_deps, "{what}");
                assert_eq!(stored(cl, a, "supersedes"), want_supersedes, "{what}");
                assert_eq!(stored(cl, a, "relates"), want_relates, "{what}");
                assert_eq!(stored(cl, a, "parent"), set(&[c]), "{what}");
                assert!(recorded(cl, a).is_empty(), "{what}: {:?}", recorded(cl, a));
            }
        }
    }
}

/// Two clones each add one link offline; together they close a cycle. The
/// sync keeps both links and records the cycle on both cards; `validate`
/// reports it at each link; the board's conflict screen settles it (taking
/// the other value drops that link), and the board is whole again.
#[test]
fn a_cycle_a_sync_makes_is_kept_recorded_and_settled() {
    let Some((_w, _daemon, clones, ids)) = served(&["alice", "bob"]) else {
        return;
    };
    let (alice, bob) = (&clones[0], &clones[1]);
    bob.pull();
    let (x, y) = (&ids[2], &ids[3]);
    alice.ok(&["link", x, "--depends-on", y]);
    bob.ok(&["link", y, "--depends-on", x]);
    alice.sync();
    let said = bob.sync();
    assert!(said.contains("cycle"), "{said}");
    // Every link kept.
    assert_eq!(stored(bob, x, "depends_on"), set(&[y]));
    assert_eq!(stored(bob, y, "depends_on"), set(&[x]));
    // Recorded on both cards, each for its own link, kept from the one
    // who made it (by name, never ours/theirs).
    for (card, other, maker, not) in [(x, y, "Alice", "Bob"), (y, x, "Bob", "Alice")] {
        let r = recorded(bob, card);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].0, "depends_on");
        assert!(
            r[0].1.contains("cycle") && r[0].1.contains(&other[..6]),
            "{r:?}"
        );
        assert_eq!(makers(bob, card), vec![(maker.into(), not.into())]);
    }
    // validate names the cycle at each of its links.
    let (code, out) = bob.validate();
    assert_eq!(code, Some(1), "{out}");
    for card in [x, y] {
        let at = format!(".lanes/cards/{card}.yaml:");
        assert!(
            out.lines()
                .any(|l| l.starts_with(&at) && l.contains("depends_on cycle")),
            "{out}"
        );
    }
    // Neither can be ready; each is flagged.
    let ready = bob.ok(&["ready"]);
    assert!(
        !ready.contains(&x[..6]) && !ready.contains(&y[..6]),
        "{ready}"
    );
    let show = bob.ok(&["show", x]);
    assert!(show.contains("in a dependency cycle"), "{show}");
    // Settled on the board: `o` takes the other value on x (its link to y
    // goes), `a` keeps y's link.
    let mut app = bob.app(100, 30);
    press(&mut app, &[key('!')]);
    let first = selected(&app).expect("a card with conflicts");
    press(&mut app, &[key('C')]);
    locate(&buffer(&app), "Conflicts");
    let effects = press(&mut app, &[key('o')]);
    run_effects(&mut app, &bob.path, effects);
    let other = if &first == x { y } else { x };
    assert!(stored(bob, &first, "depends_on").is_empty());
    assert!(recorded(bob, &first).is_empty());
    press(&mut app, &[key('!')]);
    assert_eq!(selected(&app).as_ref(), Some(other));
    press(&mut app, &[key('C')]);
    let effects = press(&mut app, &[key('a')]);
    run_effects(&mut app, &bob.path, effects);
    assert_eq!(stored(bob, other, "depends_on"), set(&[&first]));
    assert!(recorded(bob, other).is_empty());
    bob.assert_healthy();
    let ready = bob.ok(&["ready"]);
    assert!(ready.contains(&first[..6]), "{ready}");
    bob.sync();
    alice.sync();
    assert_same_boards(&[alice, bob]);
}

/// A plain `git merge` with the lanes merge driver (`lanes setup`) that
/// closes a cycle through a card both sides changed keeps both links and
/// records the cycle on that card, as a sync does.
#[test]
fn the_plain_git_merge_driver_records_a_cycle_it_closes() {
    let r = Repo::with_board("crisp-dm");
    r.ok(&["setup"]);
    let x = r.add("Clean clickstream", &[]);
    let y = r.add("Train ranker", &[]);
    r.git(&["checkout", "-q", "-b", "other"]);
    r.ok(&["link", &y, "--depends-on", &x]);
    r.ok(&["edit", &x, "--set", "title=Clean the clickstream"]);
    r.git(&["checkout", "-q", "main"]);
    r.ok(&["link", &x, "--depends-on", &y]);
    let out = r.git_output(&["merge", "--no-edit", "other"]);
    assert!(out.status.success(), "{}", both(&out));
    assert!(!r.exists(".git/MERGE_HEAD"));
    assert_eq!(stored(&r, &x, "depends_on"), set(&[&y]));
    assert_eq!(stored(&r, &y, "depends_on"), set(&[&x]));
    assert_eq!(r.card_model(&x).title, "Clean the clickstream");
    let rec = recorded(&r, &x);
    assert_eq!(rec.len(), 1, "{rec:?}");
    assert_eq!(rec[0].0, "depends_on");
    assert!(rec[0].1.contains("cycle"), "{rec:?}");
    // Each side named by the commit that made it, as for every conflict
    // the driver records.
    assert_eq!(
        makers(&r, &x),
        vec![(USER_NAME.to_string(), USER_NAME.to_string())]
    );
    let file = r.card_text(&x);
    assert!(!file.contains("ours") && !file.contains("theirs"), "{file}");
    assert!(file.contains("links of both sides close a cycle"), "{file}");
    // The other card's file was merged by git alone (one side changed it):
    // the cycle is reported there by validate.
    let (code, out) = r.validate();
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!(".lanes/cards/{y}.yaml:")) && out.contains("depends_on cycle"),
        "{out}"
    );
    // Settled: the other value drops x's link, and the board is whole.
    let mut app = r.app(100, 30);
    press(&mut app, &[key('!')]);
    assert_eq!(selected(&app).as_deref(), Some(x.as_str()));
    press(&mut app, &[key('C')]);
    let effects = press(&mut app, &[key('o')]);
    run_effects(&mut app, &r.path, effects);
    assert!(stored(&r, &x, "depends_on").is_empty());
    r.assert_healthy();
}

/// A cycle the plain-git merge driver recorded is settled from the command
/// line as any other conflict: `lanes resolve CARD depends_on --take
/// other` drops the link in one commit, and the board is whole.
#[test]
fn a_merge_made_cycle_is_settled_with_lanes_resolve() {
    let r = Repo::with_board("crisp-dm");
    r.ok(&["setup"]);
    let x = r.add("Clean clickstream", &[]);
    let y = r.add("Train ranker", &[]);
    r.git(&["checkout", "-q", "-b", "other"]);
    r.ok(&["link", &y, "--depends-on", &x]);
    r.ok(&["edit", &x, "--set", "title=Clean the clickstream"]);
    r.git(&["checkout", "-q", "main"]);
    r.ok(&["link", &x, "--depends-on", &y]);
    let out = r.git_output(&["merge", "--no-edit", "other"]);
    assert!(out.status.success(), "{}", both(&out));
    assert_eq!(recorded(&r, &x).len(), 1);
    let n = r.commit_count();
    r.ok(&["resolve", &x[..6], "depends_on", "--take", "other"]);
    assert_eq!(r.commit_count(), n + 1);
    assert_eq!(r.head_trailer("Lanes-Action"), ["resolve"]);
    assert!(stored(&r, &x, "depends_on").is_empty());
    assert!(recorded(&r, &x).is_empty());
    assert_eq!(stored(&r, &y, "depends_on"), set(&[&x]));
    let (code, out) = r.validate();
    assert_eq!(code, Some(0), "{out}");
    r.assert_healthy();
}

/// `lanes link`: one commit in the card that stores the link, naming both
/// cards; `--blocks` writes on the other card; refusals with their exit
/// codes; a cycle refused and named; `lanes unlink`, also of a link to a
/// card that is gone.
#[test]
fn link_and_unlink_commit_once_in_the_card_that_stores_the_link() {
    let r = Repo::with_board("research-kanban");
    let clean = r.add("Clean clickstream", &[]);
    let train = r.add("Train ranker", &[]);
    let ship = r.add("Ship ranker", &[]);
    let before = r.commit_count();
    let said = r.ok(&["link", &train[..6], "--depends-on", &clean[..6]]);
    let _ = said;
    assert_eq!(r.commit_count(), before + 1);
    assert_eq!(
        r.head_subject(),
        format!(
            "lanes: link {} Train ranker (depends on {} Clean clickstream)",
            short(&train),
            short(&clean)
        )
    );
    assert_eq!(r.head_trailer("Lanes-Action"), ["link"]);
    assert_eq!(r.head_trailer("Lanes-Card"), [train.clone(), clean.clone()]);
    assert_eq!(r.head_paths(), [card_path(&train)]);
    // --blocks: stored on the other card, as its depends_on.
    r.ok(&["link", &train, "--blocks", &ship]);
    assert_eq!(r.head_paths(), [card_path(&ship)]);
    assert_eq!(stored(&r, &ship, "depends_on"), set(&[&train]));
    assert!(r.head_subject().starts_with(&format!(
        "lanes: link {} Ship ranker (depends on {} Train ranker",
        short(&ship),
        short(&train)
    )));
    // Again: nothing changes, and it says so.
    let n = r.commit_count();
    let out = r.lanes(&["link", &train, "--depends-on", &clean]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("already depends on"),
        "{}",
        stderr(&out)
    );
    assert_eq!(r.commit_count(), n);
    // Refusals, with nothing changed: itself (1), no such card (3), a
    // cycle (1), naming it.
    let e = fails(&r.lanes(&["link", &train, "--depends-on", &train]), 1);
    assert!(e.contains("cannot depend on itself"), "{e}");
    let e = fails(&r.lanes(&["link", &train, "--depends-on", "zzzzzz"]), 3);
    assert!(e.contains("no card"), "{e}");
    let e = fails(&r.lanes(&["link", &clean, "--depends-on", &ship]), 1);
    assert!(
        e.contains("cycle")
            && e.contains(&format!(
                "{} → {} → {} → {}",
                short(&clean),
                short(&ship),
                short(&train),
                short(&clean)
            )),
        "{e}"
    );
    let e = fails(&r.lanes(&["link", &ship, "--blocks", &clean]), 1);
    assert!(e.contains("cycle"), "{e}");
    // Parents too: a card cannot be part of its own part.
    r.ok(&["link", &train, "--parent", &ship]);
    let e = fails(&r.lanes(&["link", &ship, "--parent", &train]), 1);
    assert!(e.contains("parent cycle"), "{e}");
    assert_eq!(r.commit_count(), n + 1);
    // The same rule for an edit by hand through lanes.
    let e = fails(
        &r.lanes(&["edit", &clean, "--set", &format!("depends_on=[{ship}]")]),
        1,
    );
    assert!(e.contains("cycle"), "{e}");
    let e = fails(
        &r.lanes(&["edit", &clean, "--set", "depends_on=[nosuch1]"]),
        3,
    );
    assert!(e.contains("no card"), "{e}");
    // Unlink: one commit; of a link that is not there, nothing.
    r.ok(&["unlink", &train, "--depends-on", &clean[..4]]);
    assert!(stored(&r, &train, "depends_on").is_empty());
    assert_eq!(r.head_trailer("Lanes-Action"), ["unlink"]);
    let out = r.lanes(&["unlink", &train, "--depends-on", &clean]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("does not depend on"),
        "{}",
        stderr(&out)
    );
    // A link to a card deleted since stays, is reported, and can be
    // removed by its id.
    r.ok(&["link", &train, "--relates", &clean]);
    r.git(&["rm", "-q", &card_path(&clean)]);
    r.git(&["commit", "-q", "-m", "remove a card"]);
    r.ok(&["edit", &train, "--set", "title=Train the ranker"]);
    assert_eq!(stored(&r, &train, "relates"), set(&[&clean]));
    let (code, out) = r.validate();
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&format!("no card \"{clean}\"")), "{out}");
    r.ok(&["unlink", &train, "--relates", &clean]);
    assert!(stored(&r, &train, "relates").is_empty());
    // `lanes undo` takes a link back in one commit, and redo makes it again.
    r.ok(&["link", &ship, "--supersedes", &train]);
    r.ok(&["undo"]);
    assert!(stored(&r, &ship, "supersedes").is_empty());
    r.ok(&["redo"]);
    assert_eq!(stored(&r, &ship, "supersedes"), set(&[&train]));
    // The card's log shows the link; the other card's log names the commit.
    let log = r.ok(&["log", &ship]);
    assert!(log.contains(&format!("supersedes: + {train}")), "{log}");
    r.assert_healthy();
}

/// `lanes validate`: a link to no card and a cycle written by hand are
/// reported as `path:line:col` at the link; the board keeps working and
/// the dangling id is never dropped by a write.
#[test]
fn validate_reports_dangling_ids_and_cycles_at_the_link() {
    let r = Repo::with_board("research-kanban");
    let a = r.add("Card A", &[]);
    let b = r.add("Card B", &[]);
    let text = r.card_text(&a);
    r.write_card(
        &a,
        &format!("{text}depends_on:\n  - {b}\n  - gone42\nparent: {a}\n"),
    );
    let text = r.card_text(&b);
    r.write_card(&b, &format!("{text}depends_on:\n  - {a}\n"));
    r.commit_all("links by hand");
    let (code, out) = r.validate();
    assert_eq!(code, Some(1), "{out}");
    let line_of = |id: &str, needle: &str| {
        let text = r.card_text(id);
        let n = text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        format!(".lanes/cards/{id}.yaml:{n}:")
    };
    let lines: Vec<&str> = out.lines().collect();
    let has = |at: String, what: &str| {
        assert!(
            lines.iter().any(|l| l.starts_with(&at) && l.contains(what)),
            "{at} {what}:\n{out}"
        )
    };
    has(line_of(&a, "- gone42"), "no card \"gone42\"");
    has(line_of(&a, &format!("- {b}")), "depends_on cycle");
    has(line_of(&b, &format!("- {a}")), "depends_on cycle");
    has(line_of(&a, "parent:"), "parent cycle");
    // The rest of the board works; a write keeps the dangling id.
    r.ok(&["move", &a, "hypothesis"]);
    assert!(r.card_text(&a).contains("- gone42"));
    let ready = r.ok(&["ready"]);
    assert!(!ready.contains(&a[..6]), "{ready}");
}

/// Blocked and ready follow the board's done rule: a verdict, a done
/// lane, met exit criteria. An archived dependency that was not done keeps
/// blocking (and says so); one archived after it was done does not.
#[test]
fn ready_and_blocked_follow_done_and_explain_what_each_waits_on() {
    let r = Repo::with_board("research-kanban");
    let data = r.add("Get data access", &["--label", "needs-data"]);
    let clean = r.add("Clean clickstream", &["--assignee", "ana"]);
    let train = r.add(
        "Train ranker",
        &["--lane", "experimenting", "--assignee", "ana"],
    );
    let hyp = r.add("Recency helps", &["--hypothesis", "recency helps"]);
    let model = r.add("Model with recency", &[]);
    let old = r.add("Old pipeline", &["--lane", "done"]);
    let report = r.add("Write report", &[]);
    r.ok(&["link", &clean, "--depends-on", &data]);
    r.ok(&["link", &train, "--depends-on", &clean]);
    r.ok(&["link", &model, "--depends-on", &hyp]);
    r.ok(&["link", &report, "--depends-on", &old]);
    // In board order: lane, then rank.
    assert_eq!(
        ids_of(&r, &["ready", "--json"]),
        [data.clone(), hyp.clone(), report.clone()]
    );
    let text = r.ok(&["ready"]);
    let at = |id: &str| text.find(&id[..6]).unwrap_or(usize::MAX);
    assert!(at(&data) < at(&hyp) && at(&hyp) < at(&report), "{text}");
    let blocked = r.list_ids(&["--blocked"]);
    assert_eq!(
        blocked.iter().collect::<BTreeSet<_>>(),
        [&clean, &train, &model]
            .into_iter()
            .collect::<BTreeSet<_>>()
    );
    let listed = r.ok(&["list", "--blocked"]);
    assert!(listed.contains("blocked by 1"), "{listed}");
    // Filters.
    assert_eq!(
        ids_of(&r, &["ready", "--json", "--label", "needs-data"]),
        std::slice::from_ref(&data)
    );
    assert!(ids_of(&r, &["ready", "--json", "--assignee", "@ana"]).is_empty());
    assert_eq!(
        ids_of(&r, &["ready", "--json", "--lane", "done"]),
        Vec::<String>::new()
    );
    // --explain: what each blocked card waits on, all the way down.
    let explain = r.ok(&["ready", "--explain"]);
    let block = explain.split("Blocked (3)").nth(1).expect(&explain);
    let train_part = block
        .split(&format!("  {}", &train[..6]))
        .nth(1)
        .expect(block);
    assert!(
        train_part.contains(&format!("waits on {}", &clean[..6]))
            && train_part.contains(&format!("waits on {}", &data[..6]))
            && train_part.contains("to unblock it, finish:"),
        "{explain}"
    );
    // A verdict makes the hypothesis done: what waits on it is ready.
    r.ok(&["verdict", &hyp, "supported"]);
    assert!(ids_of(&r, &["ready", "--json"]).contains(&model));
    // Moving the data card to the done lane unblocks the chain one step.
    r.ok(&["move", &data, "done"]);
    let ready = ids_of(&r, &["ready", "--json"]);
    assert!(
        ready.contains(&clean) && !ready.contains(&train),
        "{ready:?}"
    );
    // Archived before it was done: still blocks, flagged with the way out.
    r.ok(&["archive", &clean]);
    assert!(r.list_ids(&["--blocked"]).contains(&train));
    let show = r.ok(&["show", &train]);
    assert!(show.contains("archived before it was done"), "{show}");
    // Archived after it was done: not in the way, no flag.
    r.ok(&["archive", &old]);
    assert!(ids_of(&r, &["ready", "--json"]).contains(&report));
    let show = r.ok(&["show", &report]);
    assert!(!show.contains("Flags"), "{show}");
}

/// The research flags: a card resting on a refuted hypothesis says when
/// it was refuted (from the history when the verdict was given by hand),
/// in `show`, `ready --explain` and the report; a dependency superseded by
/// a newer card is flagged; work waiting on a card that can no longer
/// finish is dead-blocked.
#[test]
fn work_resting_on_a_refuted_premise_is_flagged_with_the_date() {
    let r = Repo::with_board("research-kanban");
    let ana = Who {
        name: "Ana",
        email: "ana@example.com",
    };
    let t = "2026-03-20T10:00:00Z";
    let hyp = r
        .lanes_as(
            ana,
            t,
            &["add", "Recency helps", "--hypothesis", "recency helps"],
        )
        .trim()
        .to_string();
    let exp = r.lanes_as(
        ana,
        t,
        &["add", "Tune recency window", "--lane", "experimenting"],
    );
    let exp = exp.trim().to_string();
    let write = r.lanes_as(ana, t, &["add", "Write up the recency gain"]);
    let write = write.trim().to_string();
    r.lanes_as(ana, t, &["link", &exp, "--depends-on", &hyp]);
    r.lanes_as(ana, t, &["link", &write, "--depends-on", &exp]);
    r.lanes_as(ana, "2026-03-21T15:30:00Z", &["verdict", &hyp, "refuted"]);
    let show = r.ok(&["show", &exp]);
    let want = format!(
        "premise refuted: {} (Recency helps) was refuted on 21 March 2026",
        short(&hyp)
    );
    assert!(show.contains(&want), "{show}");
    let explain = r.ok(&["ready", "--explain"]);
    assert!(explain.contains(&want), "{explain}");
    assert!(explain.contains("dead-blocked"), "{explain}");
    let j = r.json(&["show", &exp, "--json"]);
    let flag = &j["flags"][0];
    assert_eq!(flag["flag"], "premise_refuted");
    assert_eq!(flag["card"], hyp.as_str());
    assert_eq!(flag["refuted_on"], "2026-03-21T15:30:00Z");
    let rep = r.ok(&["report", "--since", "2026-01-01"]);
    let section = rep
        .split("## Work resting on refuted premises")
        .nth(1)
        .expect(&rep);
    assert!(
        section.contains(&format!("({}", short(&exp)))
            && section.contains("refuted on 21 March 2026")
            && section.contains("can no longer finish"),
        "{section}"
    );
    let html = r.ok(&["report", "--since", "2026-01-01", "--format", "html"]);
    let section = html_section(&html, "resting");
    assert!(
        section.contains(&format!("<span class=\"id\">{}</span>", short(&exp)))
            && section.contains("refuted</span> on 21 March 2026")
            && section.contains("can no longer finish")
            && section.contains("data-json-len=\"/resting_on_refuted\">2</span>"),
        "{section}"
    );
    let rep = r.json(&["report", "--since", "2026-01-01", "--format", "json"]);
    let rest = rep["resting_on_refuted"].as_array().expect("a list");
    assert_eq!(rest.len(), 2, "{rest:?}");
    assert!(rest
        .iter()
        .any(|w| w["id"] == exp.as_str() && w["via"] == serde_json::json!([])));
    assert!(rest
        .iter()
        .any(|w| w["id"] == write.as_str() && w["via"] == serde_json::json!([exp.clone()])));
    // A newer hypothesis supersedes the refuted one: depending on the old
    // one is flagged.
    let newer = r.add("Session recency helps", &["--hypothesis", "sessions"]);
    r.ok(&["link", &newer, "--supersedes", &hyp]);
    let show = r.ok(&["show", &exp]);
    assert!(
        show.contains("which is superseded by") && show.contains(short(&newer)),
        "{show}"
    );
    let show = r.ok(&["show", &hyp]);
    assert!(
        show.contains("superseded by") && show.contains("blocks"),
        "{show}"
    );
}

/// The JSON of `list`, `show` and `ready` carries every card's links both
/// ways and whether it is blocked, typed, present on every card.
#[test]
fn the_json_of_list_show_and_ready_has_the_links_both_ways() {
    let r = Repo::with_board("research-kanban");
    let a = r.add("Parent", &[]);
    let b = r.add("Child", &[]);
    let c = r.add("Blocker", &[]);
    let d = r.add("Old", &[]);
    r.ok(&["link", &b, "--parent", &a]);
    r.ok(&["link", &b, "--depends-on", &c]);
    r.ok(&["link", &a, "--supersedes", &d]);
    r.ok(&["link", &c, "--relates", &a]);
    let all = r.list_json(&[]);
    let by_id = |id: &str| all.iter().find(|x| x["id"] == id).unwrap().clone();
    for card in &all {
        for k in [
            "depends_on",
            "blocks",
            "parent",
            "children",
            "supersedes",
            "superseded_by",
            "relates",
            "related_by",
            "blocked",
            "blocked_by",
            "ready",
        ] {
            assert!(card.get(k).is_some(), "{k} missing in {card}");
        }
    }
    let jb = by_id(&b);
    assert_eq!(jb["parent"], a.as_str());
    assert_eq!(jb["depends_on"], serde_json::json!([c]));
    assert_eq!(jb["blocked"], true);
    assert_eq!(jb["blocked_by"], serde_json::json!([c]));
    assert_eq!(jb["ready"], false);
    let ja = by_id(&a);
    assert_eq!(ja["children"], serde_json::json!([b]));
    assert_eq!(ja["parent"], J::Null);
    assert_eq!(ja["supersedes"], serde_json::json!([d]));
    assert_eq!(ja["related_by"], serde_json::json!([c]));
    assert_eq!(by_id(&c)["blocks"], serde_json::json!([b]));
    assert_eq!(by_id(&d)["superseded_by"], serde_json::json!([a]));
    assert_eq!(by_id(&d)["depends_on"], serde_json::json!([]));
    // The same fields from the cache on a second run (nothing changed)
    // and after another card changed (derived fields are never cached).
    assert_eq!(r.list_json(&[]), all);
    r.ok(&["move", &c, "done"]);
    let jb = r
        .list_json(&[])
        .into_iter()
        .find(|x| x["id"] == b.as_str())
        .unwrap();
    assert_eq!(jb["blocked"], false);
    assert_eq!(jb["ready"], true);
    let s = r.show_json(&b);
    assert_eq!(s["blocked_by"], serde_json::json!([]));
    assert_eq!(s["flags"], serde_json::json!([]));
    let ready = r.json(&["ready", "--json"]);
    let rb = ready
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == b.as_str())
        .expect("b is ready");
    assert_eq!(rb["parent"], a.as_str());
    assert!(rb.get("flags").is_none(), "flags come with --explain: {rb}");
    // --explain: flags on every card, and what each blocked card waits on.
    let e = r.add("Evaluate", &[]);
    r.ok(&["link", &e, "--depends-on", &b]);
    r.ok(&["move", &c, "backlog"]);
    let explained = r.json(&["ready", "--json", "--explain"]);
    let find = |list: &str, id: &str| {
        explained[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} not in {list}: {explained}"))
    };
    assert_eq!(find("ready", &c)["flags"], serde_json::json!([]));
    let je = find("blocked", &e);
    assert_eq!(je["flags"], serde_json::json!([]));
    let waits: Vec<(&str, i64)> = je["waits_on"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["id"].as_str().unwrap(), w["depth"].as_i64().unwrap()))
        .collect();
    assert_eq!(waits, [(b.as_str(), 1), (c.as_str(), 2)]);
    assert_eq!(je["unblocked_by"], serde_json::json!([c]));
}

/// `lanes flow` times the spans each card was blocked, from the history,
/// per card and per lane, as flow efficiency (time worked / time in
/// progress); so does the report.
#[test]
fn flow_times_what_was_blocked_per_card_and_lane() {
    let r = Repo::with_board("research-kanban");
    let ana = Who {
        name: "Ana",
        email: "ana@example.com",
    };
    let day = |d: u32| format!("2026-03-{d:02}T00:00:00Z");
    let a = r
        .lanes_as(ana, &day(1), &["add", "Get data"])
        .trim()
        .to_string();
    let b = r
        .lanes_as(ana, &day(1), &["add", "Use data"])
        .trim()
        .to_string();
    r.lanes_as(ana, &day(1), &["link", &b, "--depends-on", &a]);
    r.lanes_as(ana, &day(3), &["move", &a, "done"]);
    r.lanes_as(ana, &day(5), &["move", &b, "done"]);
    let f = r.json(&["flow", "--since", "2026-03-01", "--json"]);
    const D: i64 = 86_400;
    assert_eq!(
        f["time_blocked"],
        serde_json::json!([{
            "card": b,
            "in_progress": 4 * D,
            "blocked": 2 * D,
            "flow_efficiency": 0.5,
            "blocked_now": false,
        }])
    );
    let lanes = f["time_blocked_by_lane"].as_array().unwrap();
    let backlog = lanes.iter().find(|l| l["lane"] == "backlog").unwrap();
    assert_eq!(backlog["in_progress"], 6 * D);
    assert_eq!(backlog["blocked"], 2 * D);
    assert_eq!(backlog["flow_efficiency"], 0.667);
    assert_eq!(f["flow_efficiency"], 0.667);
    let text = r.ok(&["flow", "--since", "2026-03-01"]);
    assert!(
        text.contains("flow efficiency = time worked / time in progress: 67% overall")
            && text.contains(&format!(
                "{:<8} blocked 2.0d of 4.0d in progress (50% efficiency)",
                short(&b)
            )),
        "{text}"
    );
    let rep = r.ok(&["report", "--since", "2026-03-01"]);
    assert!(
        rep.contains("## Flow efficiency") && rep.contains("| Backlog | 6.0d | 2.0d | 67% |"),
        "{rep}"
    );
    let rep = r.json(&["report", "--since", "2026-03-01", "--format", "json"]);
    assert_eq!(rep["flow_efficiency"], 0.667);
    // The HTML report shows the same figures, each tagged with its place
    // in the JSON.
    let lane = lanes.iter().position(|l| l["lane"] == "backlog").unwrap();
    let html = r.ok(&["report", "--since", "2026-03-01", "--format", "html"]);
    let section = html_section(&html, "blocked");
    for (ptr, value, shown) in [
        ("/flow_efficiency".to_string(), "0.667", "67%"),
        (
            format!("/time_blocked_by_lane/{lane}/in_progress"),
            &*(6 * D).to_string(),
            "6.0d",
        ),
        (
            format!("/time_blocked_by_lane/{lane}/blocked"),
            &*(2 * D).to_string(),
            "2.0d",
        ),
        (
            format!("/time_blocked_by_lane/{lane}/flow_efficiency"),
            "0.667",
            "67%",
        ),
    ] {
        assert_eq!(
            rep.pointer(&ptr).map(|v| v.to_string()).as_deref(),
            Some(value)
        );
        assert!(
            section.contains(&format!(
                "data-json=\"{ptr}\" data-value=\"{value}\">{shown}<"
            )),
            "{ptr} {section}"
        );
    }
}

/// The body of the HTML report's section with anchor `id`.
fn html_section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = html[start..].find("</section>").expect("closed") + start;
    &html[start..end]
}
