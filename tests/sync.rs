//! `lanes sync` and `lanes merge-driver` against real git: a bare repository
//! as the remote, clones in temporary folders, the real `lanes` binary, and
//! once a real `git daemon` on the loopback interface. No mocks.
//!
//! Every scenario checks the card fields it is about, that `lanes validate`
//! passes in every clone, that no file under `.lanes/` holds a conflict
//! marker, and (where the clones are synced) that they hold byte-identical
//! `.lanes/` trees.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::remote::*;
use common::tmux::{self, lanes_outside};
use common::*;
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A board on the remote and two clones of it: Alice (who made it) and Bob.
fn two() -> (World, Repo, Repo) {
    let (w, mut c) = World::with_board(&["alice", "bob"]);
    let b = c.pop().expect("bob");
    let a = c.pop().expect("alice");
    (w, a, b)
}

/// Alice adds a card, pushes it, Bob pulls it; returns its id.
fn shared_card(a: &Repo, b: &Repo, title: &str, args: &[&str]) -> String {
    let id = a.add(title, args);
    a.push();
    b.pull();
    id
}

/// Both clones healthy and identical, and at the remote's `main`.
fn assert_converged(w: &World, clones: &[&Repo]) {
    for c in clones {
        c.assert_healthy();
        assert_eq!(c.head(), w.remote_head(), "{} is not at the remote", c.name);
    }
    assert_same_boards(clones);
}

fn conflict_with<'a>(card: &'a [Value], field_name: &str) -> &'a Value {
    card.iter()
        .find(|c| c.get("field").and_then(Value::as_str) == Some(field_name))
        .unwrap_or_else(|| panic!("no conflict on {field_name} in {card:?}"))
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
        None => panic!("no {k} in {v:?}"),
    }
}

// ---------------------------------------------------------------------------
// The field merge through sync

#[test]
fn different_fields_of_one_card_are_both_kept() {
    let (w, a, b) = two();
    let id = shared_card(
        &a,
        &b,
        "Session recency",
        &["--lane", "modeling", "--hypothesis", "recency helps"],
    );
    let c = w.clone_remote("carol");
    a.ok(&["edit", &id, "--set", "title=Session-recency features"]);
    b.ok(&["edit", &id, "--set", "hypothesis.result=0.232"]);
    a.sync();
    let out = b.sync();
    assert!(!out.contains("conflict"), "no conflict expected:\n{out}");
    a.sync();
    c.sync();
    for cl in [&a, &b, &c] {
        let card = cl.card(&id);
        assert_eq!(
            text(&card, "title"),
            "Session-recency features",
            "{}",
            cl.name
        );
        assert_eq!(
            field(&card, "hypothesis.result"),
            Some(&Value::from(0.232)),
            "{}",
            cl.name
        );
        assert_eq!(text(&card, "hypothesis.statement"), "recency helps");
        assert_eq!(text(&card, "lane"), "modeling");
        assert!(conflicts(&card).is_empty(), "{}: {card:?}", cl.name);
    }
    // The merge is a real merge commit with both parents.
    let parents = b.git(&["log", "-1", "--format=%P", "HEAD"]);
    assert_eq!(parents.split_whitespace().count(), 2, "{parents}");
    assert_converged(&w, &[&a, &b, &c]);
}

/// Adjacent lines (title, lane, rank) changed on each side: what git's line
/// merge cannot do.
#[test]
fn move_on_one_side_and_edit_on_the_other_are_both_kept() {
    let (w, a, b) = two();
    let id = shared_card(&a, &b, "Baseline model", &["--lane", "data-preparation"]);
    a.ok(&["move", &id, "modeling"]);
    let placed = (text(&a.card(&id), "lane"), text(&a.card(&id), "rank"));
    b.ok(&["edit", &id, "--set", "title=Baseline model (logistic)"]);
    b.sync();
    a.sync();
    b.sync();
    for cl in [&a, &b] {
        let card = cl.card(&id);
        assert_eq!(text(&card, "title"), "Baseline model (logistic)");
        assert_eq!((text(&card, "lane"), text(&card, "rank")), placed);
        assert!(conflicts(&card).is_empty());
    }
    assert_converged(&w, &[&a, &b]);
}

/// The same field changed on both sides: the side whose commit is later
/// wins; the loser's value is recorded in the card and its journal.
/// `later_merges`: the later side is the one that runs the merge (ours
/// wins) rather than the one that pushed first (theirs wins).
fn same_field(later_merges: bool) {
    let (w, a, b) = two();
    let id = shared_card(&a, &b, "Original title", &["--lane", "modeling"]);
    let (ta, tb) = if later_merges {
        (T0 + 100, T0 + 200)
    } else {
        (T0 + 200, T0 + 100)
    };
    a.at(Some(ta))
        .ok(&["edit", &id, "--set", "title=Alpha title"]);
    a.at(None);
    b.at(Some(tb))
        .ok(&["edit", &id, "--set", "title=Beta title"]);
    b.at(None);
    a.sync();
    let out = b.sync();
    a.sync();
    let (kept, kept_by, other, other_by) = if later_merges {
        ("Beta title", "Bob", "Alpha title", "Alice")
    } else {
        ("Alpha title", "Alice", "Beta title", "Bob")
    };
    assert!(
        out.contains("conflict") && out.contains(other),
        "sync should report the conflict:\n{out}"
    );
    for cl in [&a, &b] {
        let card = cl.card(&id);
        assert_eq!(text(&card, "title"), kept, "{}", cl.name);
        let list = conflicts(&card);
        assert_eq!(list.len(), 1, "{list:?}");
        let c = conflict_with(&list, "title");
        assert_eq!(s(c, "kept"), kept);
        assert_eq!(s(c, "other"), other);
        assert_eq!(s(c, "kept_by"), kept_by);
        assert_eq!(s(c, "other_by"), other_by);
        let notes = journal(&card);
        assert!(
            notes
                .iter()
                .any(|(_, by, t)| by == "lanes sync" && t.contains("title") && t.contains(other)),
            "{}: no journal entry by lanes sync naming the lost value: {notes:?}",
            cl.name
        );
    }
    assert_converged(&w, &[&a, &b]);
}

#[test]
fn same_field_later_side_wins_when_it_merges() {
    same_field(true);
}

#[test]
fn same_field_later_side_wins_when_it_pushed_first() {
    same_field(false);
}

/// Both sides move the card to different lanes: one placement wins whole.
fn concurrent_moves(later_merges: bool) {
    let (w, a, b) = two();
    for (t, lane) in [
        ("m1", "modeling"),
        ("m2", "modeling"),
        ("e1", "evaluation"),
        ("e2", "evaluation"),
    ] {
        a.add(t, &["--lane", lane]);
    }
    let id = shared_card(&a, &b, "Moving card", &["--lane", "data-preparation"]);
    let (ta, tb) = if later_merges {
        (T0 + 100, T0 + 200)
    } else {
        (T0 + 200, T0 + 100)
    };
    a.at(Some(ta)).ok(&["move", &id, "modeling", "--top"]);
    a.at(None);
    b.at(Some(tb)).ok(&["move", &id, "evaluation", "--bottom"]);
    b.at(None);
    let place = |c: &Repo| {
        let card = c.card(&id);
        (text(&card, "lane"), text(&card, "rank"))
    };
    let (pa, pb) = (place(&a), place(&b));
    assert_ne!(pa.1, pb.1, "the test needs different ranks on each side");
    a.sync();
    b.sync();
    a.sync();
    let winner = if later_merges { &pb } else { &pa };
    for cl in [&a, &b] {
        let got = place(cl);
        assert_eq!(&got, winner, "{}: placement (lane, rank)", cl.name);
        let list = conflicts(&cl.card(&id));
        conflict_with(&list, "placement");
    }
    assert_converged(&w, &[&a, &b]);
}

#[test]
fn concurrent_moves_one_placement_wins_whole_later_merges() {
    concurrent_moves(true);
}

#[test]
fn concurrent_moves_one_placement_wins_whole_later_pushed_first() {
    concurrent_moves(false);
}

#[test]
fn concurrent_reorders_in_one_lane() {
    let (w, a, b) = two();
    let ids: Vec<String> = (1..=4)
        .map(|i| a.add(&format!("c{i}"), &["--lane", "modeling"]))
        .collect();
    a.push();
    b.pull();
    let rank = |c: &Repo, id: &str| text(&c.card(id), "rank");
    let base3 = rank(&a, &ids[2]);
    // Alice: c4 to the top, then c2 to the bottom.
    a.at(Some(T0 + 100));
    a.ok(&["move", &ids[3], "modeling", "--top"]);
    a.ok(&["move", &ids[1], "modeling", "--bottom"]);
    a.at(None);
    // Bob (later): c1 to the bottom, then c2 after c3.
    b.at(Some(T0 + 200));
    b.ok(&["move", &ids[0], "modeling", "--bottom"]);
    b.ok(&["move", &ids[1], "modeling", "--after", &ids[2]]);
    b.at(None);
    let a4 = rank(&a, &ids[3]);
    assert_ne!(rank(&a, &ids[1]), rank(&b, &ids[1]), "both moved c2");
    let (b1, b2) = (rank(&b, &ids[0]), rank(&b, &ids[1]));
    a.sync();
    b.sync();
    a.sync();
    for cl in [&a, &b] {
        assert_eq!(rank(cl, &ids[0]), b1, "c1 moved by Bob only");
        assert_eq!(rank(cl, &ids[1]), b2, "c2 moved by both: Bob's is later");
        assert_eq!(rank(cl, &ids[2]), base3, "c3 not moved");
        assert_eq!(rank(cl, &ids[3]), a4, "c4 moved by Alice only");
        let mut order: Vec<(String, String)> =
            ids.iter().map(|id| (rank(cl, id), id.clone())).collect();
        order.sort();
        let order: Vec<&str> = order.iter().map(|(_, id)| id.as_str()).collect();
        assert_eq!(
            order,
            [&ids[3], &ids[2], &ids[1], &ids[0]],
            "lane order c4 c3 c2 c1"
        );
        let list = conflicts(&cl.card(&ids[1]));
        conflict_with(&list, "placement");
    }
    assert_converged(&w, &[&a, &b]);
}

#[test]
fn journal_notes_from_both_sides_are_merged_in_time_order() {
    let (w, a, b) = two();
    let id = a.add("Noted card", &[]);
    a.ok(&["note", &id, "shared note"]);
    a.push();
    b.pull();
    // Distinct seconds, interleaved between the clones.
    std::thread::sleep(Duration::from_millis(1100));
    a.ok(&["note", &id, "alice first"]);
    std::thread::sleep(Duration::from_millis(1100));
    b.ok(&["note", &id, "bob only"]);
    std::thread::sleep(Duration::from_millis(1100));
    a.ok(&["note", &id, "alice second"]);
    a.sync();
    b.sync();
    a.sync();
    for cl in [&a, &b] {
        let card = cl.card(&id);
        let notes = journal(&card);
        let texts: Vec<&str> = notes.iter().map(|(_, _, t)| t.as_str()).collect();
        assert_eq!(
            texts,
            ["shared note", "alice first", "bob only", "alice second"],
            "{}",
            cl.name
        );
        let times: Vec<i64> = notes
            .iter()
            .map(|(at, _, _)| lanes::model::date::parse_timestamp(at).expect("timestamp"))
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
        let by: Vec<&str> = notes.iter().map(|(_, b, _)| b.as_str()).collect();
        assert_eq!(by, ["Alice", "Alice", "Bob", "Alice"]);
        assert!(conflicts(&card).is_empty());
    }
    assert_converged(&w, &[&a, &b]);
}

/// Two notes one person wrote within the same second keep their order
/// through a merge (the journal is append-only; a second is coarse).
#[test]
fn journal_same_second_notes_keep_their_order() {
    let (w, a, b) = two();
    let mut found = None;
    for _ in 0..5 {
        let id = a.add("Fast notes", &[]);
        a.ok(&["note", &id, "zeta, written first"]);
        a.ok(&["note", &id, "alpha, written second"]);
        let j = journal(&a.card(&id));
        if j[0].0 == j[1].0 {
            found = Some(id);
            break;
        }
    }
    let id = found.expect("two notes in the same second");
    a.push();
    b.pull();
    a.ok(&["edit", &id, "--set", "title=Fast notes, edited"]);
    b.ok(&["note", &id, "bob's note"]);
    a.sync();
    b.sync();
    a.sync();
    for cl in [&a, &b] {
        let texts: Vec<String> = journal(&cl.card(&id)).into_iter().map(|e| e.2).collect();
        let z = texts.iter().position(|t| t.starts_with("zeta"));
        let al = texts.iter().position(|t| t.starts_with("alpha"));
        assert!(z < al, "{}: {texts:?}", cl.name);
    }
    assert_converged(&w, &[&a, &b]);
}

#[test]
fn labels_and_assignees_merge_as_sets() {
    let (w, a, b) = two();
    let id = shared_card(
        &a,
        &b,
        "Labelled",
        &[
            "--label",
            "blocked",
            "--label",
            "needs-data",
            "--assignee",
            "ana",
            "--assignee",
            "raj",
        ],
    );
    a.ok(&[
        "edit",
        &id,
        "--set",
        "labels=[blocked, needs-data, quick-win]",
        "--set",
        "assignees=[ana, raj, mei]",
    ]);
    b.ok(&[
        "edit",
        &id,
        "--set",
        "labels=[needs-data]",
        "--set",
        "assignees=[raj]",
    ]);
    a.sync();
    b.sync();
    a.sync();
    let set = |v: &Value, k: &str| -> BTreeSet<String> {
        match v.get(k) {
            Some(Value::Sequence(s)) => s
                .iter()
                .map(|x| x.as_str().expect("text").to_string())
                .collect(),
            _ => BTreeSet::new(),
        }
    };
    for cl in [&a, &b] {
        let card = cl.card(&id);
        assert_eq!(
            set(&card, "labels"),
            ["needs-data", "quick-win"]
                .into_iter()
                .map(String::from)
                .collect(),
            "{}: added quick-win kept, removed blocked honoured",
            cl.name
        );
        assert_eq!(
            set(&card, "assignees"),
            ["mei", "raj"].into_iter().map(String::from).collect()
        );
        assert!(conflicts(&card).is_empty());
    }
    assert_converged(&w, &[&a, &b]);
}

#[test]
fn concurrent_creates_both_exist() {
    let (w, a, b) = two();
    let ia = a.add("From Alice", &["--lane", "modeling"]);
    let ib = b.add("From Bob", &["--lane", "evaluation"]);
    a.sync();
    b.sync();
    a.sync();
    for cl in [&a, &b] {
        assert_eq!(text(&cl.card(&ia), "title"), "From Alice");
        assert_eq!(text(&cl.card(&ib), "title"), "From Bob");
        let ids = cl.card_ids();
        assert!(ids.contains(&ia) && ids.contains(&ib), "{ids:?}");
    }
    assert_converged(&w, &[&a, &b]);
}

/// Two people add a card at the bottom of the same lane while apart: both
/// get the same rank, and `lanes validate` then fails in every clone.
#[test]
fn concurrent_creates_in_one_lane_validate() {
    let (w, a, b) = two();
    a.add("Existing", &["--lane", "modeling"]);
    a.push();
    b.pull();
    let ia = a.add("From Alice", &["--lane", "modeling"]);
    let ib = b.add("From Bob", &["--lane", "modeling"]);
    a.sync();
    b.sync();
    a.sync();
    for cl in [&a, &b] {
        assert!(cl.exists(&format!(".lanes/cards/{ia}.yaml")));
        assert!(cl.exists(&format!(".lanes/cards/{ib}.yaml")));
    }
    assert_converged(&w, &[&a, &b]);
}

/// A card deleted (`git rm` + commit) on one side and edited on the other:
/// the edit is kept and the journal says what happened.
fn delete_vs_edit(deleter_syncs_first: bool) {
    let (w, a, b) = two();
    let id = shared_card(&a, &b, "Doomed card", &["--lane", "modeling"]);
    let rel = format!(".lanes/cards/{id}.yaml");
    a.git(&["rm", "-q", &rel]);
    a.git(&["commit", "-q", "-m", "remove a card by hand"]);
    b.ok(&["edit", &id, "--set", "title=Rescued card"]);
    if deleter_syncs_first {
        a.sync();
        b.sync();
        a.sync();
    } else {
        b.sync();
        a.sync();
        b.sync();
    }
    for cl in [&a, &b] {
        assert!(cl.exists(&rel), "{}: the edited card must survive", cl.name);
        let card = cl.card(&id);
        assert_eq!(text(&card, "title"), "Rescued card");
        let notes = journal(&card);
        assert!(
            notes
                .iter()
                .any(|(_, by, t)| by == "lanes sync" && t.contains("deleted")),
            "{}: the journal should say the card was deleted elsewhere: {notes:?}",
            cl.name
        );
    }
    assert_converged(&w, &[&a, &b]);
}

#[test]
fn delete_vs_edit_keeps_the_edit_deleter_first() {
    delete_vs_edit(true);
}

#[test]
fn delete_vs_edit_keeps_the_edit_editor_first() {
    delete_vs_edit(false);
}

#[test]
fn board_yaml_changes_merge_by_lane() {
    let (w, a, b) = two();
    let board = ".lanes/board.yaml";
    let text_a = a
        .read(board)
        .replace("    title: Modeling\n", "    title: Model building\n");
    assert_ne!(text_a, a.read(board));
    a.commit_file(board, &text_a, "rename a lane");
    let text_b = b.read(board).replace("    wip: 4\n", "    wip: 6\n");
    assert_ne!(text_b, b.read(board));
    b.commit_file(board, &text_b, "raise a WIP limit");
    a.sync();
    b.sync();
    a.sync();
    for cl in [&a, &b] {
        let cfg = lanes::store::parse_board(cl.read(board).as_bytes()).expect("board.yaml");
        let lane = cfg.lane("modeling").expect("modeling lane");
        assert_eq!(lane.title, "Model building");
        assert_eq!(lane.wip, Some(6));
        assert_eq!(cfg.lanes.len(), 6);
    }
    assert_converged(&w, &[&a, &b]);
}

#[test]
fn malformed_card_on_one_side_is_salvaged() {
    let (w, a, b) = two();
    let id = shared_card(&a, &b, "Fragile", &["--lane", "modeling"]);
    let rel = format!(".lanes/cards/{id}.yaml");
    let broken = format!("id: {id}\ntitle: [unclosed\nlane: modeling\n");
    a.commit_file(&rel, &broken, "break a card by hand");
    b.ok(&["edit", &id, "--set", "title=Sturdy"]);
    a.sync();
    let out = b.sync();
    assert!(out.contains("malformed"), "{out}");
    a.sync();
    for cl in [&a, &b] {
        assert_eq!(text(&cl.card(&id), "title"), "Sturdy");
        let saved: Vec<(String, Vec<u8>)> = cl
            .board_files()
            .into_iter()
            .filter(|(p, _)| p.starts_with(".lanes/conflicts/"))
            .collect();
        assert_eq!(saved.len(), 1, "{}: {saved:?}", cl.name);
        assert!(saved[0].0.contains(&id), "{}", saved[0].0);
        assert_eq!(String::from_utf8_lossy(&saved[0].1), broken);
    }
    assert_converged(&w, &[&a, &b]);
}

// ---------------------------------------------------------------------------
// Files outside the board, and the user's own work

fn with_readme() -> (World, Repo, Repo, String) {
    let (w, a, b) = two();
    a.commit_file("README.md", "# Project\n\nSome text.\n", "readme");
    let id = shared_card(&a, &b, "A card", &["--lane", "modeling"]);
    (w, a, b, id)
}

#[test]
fn non_board_conflict_aborts_cleanly() {
    let (_w, a, b, id) = with_readme();
    a.commit_file(
        "README.md",
        "# Project by Alice\n\nSome text.\n",
        "alice readme",
    );
    a.ok(&["note", &id, "alice was here"]);
    a.sync();
    b.commit_file(
        "README.md",
        "# Project by Bob\n\nSome text.\n",
        "bob readme",
    );
    b.ok(&["edit", &id, "--set", "title=Bob's title"]);
    b.write("scratch.txt", "untracked scratch\n");
    let (head, status, card, log) = (b.head(), b.status(), b.card_text(&id), b.log());
    let err = b.fails(&["sync"]);
    assert!(
        err.contains("README.md"),
        "the message names the file:\n{err}"
    );
    assert_eq!(b.head(), head);
    assert_eq!(b.status(), status);
    assert_eq!(b.log(), log);
    assert_eq!(b.card_text(&id), card);
    assert_eq!(b.read("README.md"), "# Project by Bob\n\nSome text.\n");
    assert!(!b.exists(".git/MERGE_HEAD"), "no MERGE_HEAD left behind");
    assert_eq!(b.git(&["diff", "HEAD"]), "");
    b.assert_healthy();
}

#[test]
fn fast_forward_keeps_uncommitted_unrelated_work() {
    let (w, a, b, id) = with_readme();
    b.write("README.md", "# Project\n\nSome text.\nBob's local line.\n");
    b.write("notes.txt", "staged new file\n");
    b.git(&["add", "notes.txt"]);
    let status = b.status();
    assert_eq!(status, [" M README.md", "A  notes.txt"]);
    a.ok(&["edit", &id, "--set", "title=Changed by Alice"]);
    a.ok(&["note", &id, "note by alice"]);
    a.sync();
    b.sync();
    assert_eq!(b.head(), w.remote_head(), "fast-forwarded");
    assert_eq!(text(&b.card(&id), "title"), "Changed by Alice");
    assert_eq!(b.status(), status, "the user's work is untouched");
    assert_eq!(
        b.read("README.md"),
        "# Project\n\nSome text.\nBob's local line.\n"
    );
    assert_eq!(b.git(&["diff", "--cached", "--name-only"]), "notes.txt\n");
    assert_eq!(b.read("notes.txt"), "staged new file\n");
    b.assert_healthy();
    assert_same_boards(&[&a, &b]);
}

#[test]
fn merge_keeps_uncommitted_unrelated_work() {
    let (w, a, b, id) = with_readme();
    let other = b.add("Bob's card", &["--lane", "evaluation"]);
    b.write("README.md", "# Project\n\nSome text.\nBob's local line.\n");
    b.write("notes.txt", "staged new file\n");
    b.git(&["add", "notes.txt"]);
    let status = b.status();
    a.ok(&["edit", &id, "--set", "title=Changed by Alice"]);
    a.sync();
    b.sync();
    assert_eq!(b.head(), w.remote_head(), "merged and pushed");
    assert_eq!(text(&b.card(&id), "title"), "Changed by Alice");
    assert!(b.exists(&format!(".lanes/cards/{other}.yaml")));
    assert_eq!(b.status(), status, "the user's work is untouched");
    assert_eq!(b.git(&["diff", "--cached", "--name-only"]), "notes.txt\n");
    b.assert_healthy();
    a.sync();
    assert_same_boards(&[&a, &b]);
}

#[test]
fn incoming_change_to_a_locally_modified_file_is_refused() {
    let (_w, a, b, id) = with_readme();
    a.commit_file("README.md", "# Project\n\nAlice's text.\n", "alice readme");
    a.ok(&["note", &id, "alice note"]);
    a.sync();
    b.write("README.md", "# Project\n\nBob's uncommitted text.\n");
    let (head, status, card) = (b.head(), b.status(), b.card_text(&id));
    let err = b.fails(&["sync"]);
    assert!(err.contains("uncommitted"), "{err}");
    assert_eq!(b.head(), head);
    assert_eq!(b.status(), status);
    assert_eq!(b.card_text(&id), card);
    assert_eq!(
        b.read("README.md"),
        "# Project\n\nBob's uncommitted text.\n"
    );
    assert!(!b.exists(".git/MERGE_HEAD"));
}

// ---------------------------------------------------------------------------
// A push rejected because someone pushed meanwhile

/// A hook script in `clone` that, the first time it fires (marker file),
/// makes Carol add a card and push it. The script body's first line is
/// `guard`, a condition for firing at all.
fn install_hook(clone: &Repo, hook: &str, guard: &str, carol: &Repo) -> std::path::PathBuf {
    let marker = carol.path.with_file_name("hook-fired");
    let id_file = carol.path.with_file_name("carol-id");
    let script = format!(
        "#!/bin/sh\n{guard}\n[ -e '{marker}' ] && exit 0\n: > '{marker}'\nunset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES\ncd '{carol}' || exit 0\n'{lanes}' add 'Pushed by Carol meanwhile' --lane evaluation > '{id}' 2>/dev/null || exit 0\ngit push -q origin main >> '{log}' 2>&1\nexit 0\n",
        marker = marker.display(),
        carol = carol.path.display(),
        lanes = LANES,
        id = id_file.display(),
        log = carol.path.with_file_name("hook-log").display(),
    );
    let path = clone.abs(&format!(".git/hooks/{hook}"));
    std::fs::write(&path, script).expect("write hook");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    id_file
}

fn rejected_push(hook: &str, guard: &str) {
    let (w, a, b) = two();
    let id = shared_card(&a, &b, "Shared", &["--lane", "modeling"]);
    a.ok(&["edit", &id, "--set", "title=Alice's change"]);
    // Bob pushed first, so Alice's fetch brings something (and updates
    // refs/remotes/origin/main, which fires the reference-transaction hook).
    b.ok(&["note", &id, "Bob's note"]);
    b.push();
    let carol = w.clone_remote("carol");
    let id_file = install_hook(&a, hook, guard, &carol);
    let before = w.remote_head();
    a.sync();
    let carol_id = std::fs::read_to_string(&id_file)
        .expect("the hook ran")
        .trim()
        .to_string();
    assert_eq!(carol_id.len(), 10, "{carol_id:?}");
    assert_ne!(w.remote_head(), before);
    assert_eq!(a.head(), w.remote_head(), "Alice's sync pushed in the end");
    let remote_card = w
        .remote_file(&format!(".lanes/cards/{id}.yaml"))
        .expect("card on the remote");
    assert!(
        remote_card.contains("title: Alice's change"),
        "{remote_card}"
    );
    assert!(remote_card.contains("Bob's note"), "{remote_card}");
    assert!(
        w.remote_file(&format!(".lanes/cards/{carol_id}.yaml"))
            .is_some(),
        "Carol's card is on the remote"
    );
    std::fs::remove_file(a.abs(&format!(".git/hooks/{hook}"))).expect("remove hook");
    b.sync();
    carol.sync();
    assert_converged(&w, &[&a, &b, &carol]);
}

/// The remote moves between lanes' fetch and its push: a hook on the
/// fetch's update of `refs/remotes/origin/main` pushes Carol's commit.
#[test]
fn rejected_push_is_retried_after_fetch() {
    rejected_push(
        "reference-transaction",
        "[ \"$1\" = committed ] || exit 0\ngrep -q refs/remotes/origin/main || exit 0",
    );
}

/// The remote moves while lanes' push is under way (git's pre-push hook
/// runs after the remote advertised its refs, so the server refuses the
/// update: "[remote rejected] (failed to update ref)").
#[test]
fn rejected_push_is_retried_when_the_remote_moves_during_the_push() {
    rejected_push("pre-push", ":");
}

// ---------------------------------------------------------------------------
// Refusals: clear messages, nothing changed

fn assert_unchanged(c: &Repo, before: &(String, Vec<String>, String)) {
    assert_eq!(&c.head(), &before.0, "HEAD moved");
    assert_eq!(&c.status(), &before.1, "status changed");
    assert_eq!(&c.log(), &before.2, "history changed");
}

fn snapshot(c: &Repo) -> (String, Vec<String>, String) {
    (c.head(), c.status(), c.log())
}

#[test]
fn refuses_without_a_remote() {
    let (w, a, _b) = two();
    a.add("Local work", &[]);
    a.git(&["remote", "remove", "origin"]);
    let before = snapshot(&a);
    let remote = w.remote_head();
    let err = a.fails(&["sync"]);
    assert!(err.contains("git remote add"), "{err}");
    assert_unchanged(&a, &before);
    assert_eq!(w.remote_head(), remote);
    a.assert_healthy();
}

#[test]
fn refuses_on_a_detached_head() {
    let (w, a, _b) = two();
    a.add("Local work", &[]);
    a.git(&["checkout", "-q", "--detach"]);
    let before = snapshot(&a);
    let remote = w.remote_head();
    let err = a.fails(&["sync"]);
    assert!(err.contains("detached"), "{err}");
    assert_unchanged(&a, &before);
    assert!(!a
        .git_output(&["symbolic-ref", "-q", "HEAD"])
        .status
        .success());
    assert_eq!(w.remote_head(), remote);
    a.assert_healthy();
}

#[test]
fn refuses_with_uncommitted_board_changes_and_names_them() {
    let (w, a, _b) = two();
    let id = a.add("Committed card", &[]);
    let rel = format!(".lanes/cards/{id}.yaml");
    let edited = format!("{}# a hand edit\n", a.read(&rel));
    a.write(&rel, &edited);
    a.write(
        ".lanes/cards/zz0000000z.yaml",
        "id: zz0000000z\ntitle: New\nlane: modeling\nrank: i\n",
    );
    let before = snapshot(&a);
    let remote = w.remote_head();
    let err = a.fails(&["sync"]);
    assert!(err.contains(&rel), "names the modified card:\n{err}");
    assert!(
        err.contains(".lanes/cards/zz0000000z.yaml"),
        "names the new card:\n{err}"
    );
    assert_unchanged(&a, &before);
    assert_eq!(a.read(&rel), edited);
    assert_eq!(w.remote_head(), remote, "nothing pushed");
}

#[test]
fn refuses_in_the_middle_of_a_merge() {
    let (w, a, _b) = two();
    a.commit_file("README.md", "base\n", "readme");
    a.git(&["checkout", "-q", "-b", "side"]);
    a.commit_file("README.md", "side\n", "side readme");
    a.git(&["checkout", "-q", "main"]);
    a.commit_file("README.md", "main\n", "main readme");
    let out = a.git_output(&["merge", "-q", "side"]);
    assert!(!out.status.success(), "the merge must stop on a conflict");
    assert!(a.exists(".git/MERGE_HEAD"));
    let before = snapshot(&a);
    let remote = w.remote_head();
    let err = a.fails(&["sync"]);
    assert!(err.contains("middle of a merge"), "{err}");
    assert_unchanged(&a, &before);
    assert!(
        a.exists(".git/MERGE_HEAD"),
        "the user's merge is left alone"
    );
    assert_eq!(w.remote_head(), remote);
    a.assert_healthy();
}

#[test]
fn refuses_in_the_middle_of_a_rebase() {
    let (w, a, _b) = two();
    a.commit_file("README.md", "base\n", "readme");
    a.git(&["checkout", "-q", "-b", "side"]);
    a.commit_file("README.md", "side\n", "side readme");
    a.git(&["checkout", "-q", "main"]);
    a.commit_file("README.md", "main\n", "main readme");
    a.git(&["checkout", "-q", "side"]);
    let out = a.git_output(&["rebase", "-q", "main"]);
    assert!(!out.status.success(), "the rebase must stop on a conflict");
    let before = snapshot(&a);
    let remote = w.remote_head();
    let err = a.fails(&["sync"]);
    assert!(err.contains("middle of a rebase"), "{err}");
    assert_unchanged(&a, &before);
    assert!(a.exists(".git/rebase-merge") || a.exists(".git/rebase-apply"));
    assert_eq!(w.remote_head(), remote);
    a.assert_healthy();
}

#[test]
fn refuses_with_several_remotes_and_no_upstream() {
    let (w, a, _b) = two();
    let url = w.remote.to_string_lossy().into_owned();
    a.git(&["remote", "rename", "origin", "team"]);
    a.git(&["remote", "add", "backup", &url]);
    a.git(&["branch", "--unset-upstream"]);
    a.add("Local work", &[]);
    let before = snapshot(&a);
    let err = a.fails(&["sync"]);
    assert!(
        err.contains("--remote") && err.contains("--set-upstream-to"),
        "says how to choose a remote:\n{err}"
    );
    assert_unchanged(&a, &before);
    // Naming one works.
    let out = a.lanes(&["sync", "--remote", "team"]);
    assert!(out.status.success(), "{}", both(&out));
    assert_eq!(a.head(), w.remote_head());
    a.assert_healthy();
}

/// The server refuses the push (a pre-receive hook, as a protected branch
/// or a permission check would): git's own message reaches the user and
/// the local work is untouched.
#[test]
fn push_refused_by_the_server_passes_gits_message_through() {
    let (w, a, _b) = two();
    let hook = w.remote.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'permission denied: this board is read-only for you' >&2\nexit 1\n",
    )
    .expect("write hook");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    a.add("Not allowed", &[]);
    let before = snapshot(&a);
    let remote = w.remote_head();
    let err = a.fails(&["sync"]);
    assert!(
        err.contains("permission denied: this board is read-only for you"),
        "{err}"
    );
    assert_unchanged(&a, &before);
    assert_eq!(w.remote_head(), remote);
    a.assert_healthy();
}

/// A refusal by a server that answered is not "offline".
#[test]
fn push_refused_by_the_server_is_not_called_offline() {
    let (w, a, _b) = two();
    let hook = w.remote.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'permission denied' >&2\nexit 1\n").expect("hook");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    a.add("Not allowed", &[]);
    let err = a.fails(&["sync"]);
    assert!(!err.contains("could not reach"), "{err}");
    assert!(!err.contains("offline"), "{err}");
}

fn offline(url: &str) {
    let (w, a, _b) = two();
    let id = a.add("Offline work", &[]);
    a.ok(&["note", &id, "written on the train"]);
    a.git(&["remote", "set-url", "origin", url]);
    let before = snapshot(&a);
    let card = a.card_text(&id);
    let remote = w.remote_head();
    let started = Instant::now();
    let err = a.fails(&["sync"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "gave up in {:?}",
        started.elapsed()
    );
    assert!(err.contains("could not reach"), "{err}");
    assert!(err.contains("offline") && err.contains("2 ahead"), "{err}");
    assert_unchanged(&a, &before);
    assert_eq!(a.card_text(&id), card);
    assert_eq!(w.remote_head(), remote);
    a.assert_healthy();
}

#[test]
fn offline_remote_path_missing() {
    offline("/nonexistent/lanes-test/remote.git");
}

#[test]
fn offline_remote_port_closed() {
    offline("git://127.0.0.1:1/x");
}

#[test]
fn no_op_sync_changes_nothing() {
    let (w, a, b) = two();
    shared_card(&a, &b, "Quiet", &[]);
    let before = (snapshot(&a), w.remote_head());
    let out = a.sync();
    assert!(out.contains("up to date"), "{out}");
    assert_unchanged(&a, &before.0);
    assert_eq!(w.remote_head(), before.1);
}

#[test]
fn first_sync_of_a_new_branch_pushes_it() {
    let (w, a, _b) = two();
    a.git(&["switch", "-q", "-c", "feature"]);
    let id = a.add("On a branch", &[]);
    a.sync();
    let remote_feature = w.git_at(&w.remote, &["rev-parse", "feature"]);
    assert_eq!(remote_feature.trim(), a.head());
    assert!(w.remote_file(&format!(".lanes/cards/{id}.yaml")).is_none());
    let out = a.sync();
    assert!(out.contains("up to date"), "{out}");
}

// ---------------------------------------------------------------------------
// Through a real git server on the loopback interface

/// The smallest round trip through `git daemon`: Alice adds a card and
/// syncs, Bob syncs and has it.
#[test]
fn a_card_synced_through_git_daemon_reaches_the_other_clone() {
    let (w, _seed) = World::with_board(&["seed"]);
    let Some(daemon) = w.serve_or_skip() else {
        return;
    };
    let a = w.clone_url(&daemon.url(), "alice");
    let b = w.clone_url(&daemon.url(), "bob");
    for c in [&a, &b] {
        assert_eq!(c.git_line(&["remote", "get-url", "origin"]), daemon.url());
    }
    let id = a.add("Over the wire", &["--lane", "modeling"]);
    a.sync();
    assert_eq!(w.remote_head(), a.head(), "Alice's sync pushed");
    assert!(!b.exists(&card_path(&id)));
    b.sync();
    assert_eq!(b.head(), a.head(), "Bob's sync fetched Alice's commit");
    assert_eq!(text(&b.card(&id), "title"), "Over the wire");
    assert_eq!(text(&b.card(&id), "lane"), "modeling");
    assert_converged(&w, &[&a, &b]);
}

#[test]
fn sync_through_git_daemon_on_loopback() {
    let (w, seed) = {
        let (w, mut c) = World::with_board(&["seed"]);
        let s = c.pop().expect("seed");
        (w, s)
    };
    let id = seed.add("Served card", &["--lane", "modeling"]);
    seed.push();
    let Some(daemon) = w.serve_or_skip() else {
        return;
    };
    let url = daemon.url();
    let a = w.clone_url(&url, "alice");
    let b = w.clone_url(&url, "bob");
    a.ok(&["edit", &id, "--set", "title=Served and edited"]);
    b.ok(&["note", &id, "over git://"]);
    let ib = b.add("Bob over the daemon", &["--lane", "evaluation"]);
    a.sync();
    b.sync();
    a.sync();
    for cl in [&a, &b] {
        let card = cl.card(&id);
        assert_eq!(text(&card, "title"), "Served and edited");
        assert!(journal(&card).iter().any(|(_, _, t)| t == "over git://"));
        assert!(cl.exists(&format!(".lanes/cards/{ib}.yaml")));
    }
    assert_converged(&w, &[&a, &b]);
}

/// Dropping the test daemon leaves nothing behind: `git daemon` is a `git`
/// that starts `git-daemon`, which forks a child per connection; the whole
/// process group goes.
#[test]
fn dropping_the_test_daemon_leaves_no_process_behind() {
    if !proc_available() {
        skip("no /proc to see which processes are left");
        return;
    }
    let (w, _seed) = World::with_board(&["seed"]);
    let Some(daemon) = w.serve_or_skip() else {
        return;
    };
    // A connection, so that git-daemon has forked for it too.
    w.git_at(&w.base, &["ls-remote", &daemon.url()]);
    let serving = format!("--base-path={}", w.base.display());
    let daemons = || live_processes(|p| p.cmdline.contains(&serving));
    let running = daemons();
    assert!(
        running.iter().any(|m| m.contains("git-daemon")),
        "git-daemon serves the world: {running:#?}"
    );
    let group = daemon.group();
    drop(daemon);
    let start = Instant::now();
    while !daemons().is_empty() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        daemons().is_empty(),
        "left behind by the daemon: {:#?}",
        daemons()
    );
    let left = wait_group_gone(group, Duration::from_secs(10));
    assert!(left.is_empty(), "left in the daemon's group: {left:#?}");
}

// ---------------------------------------------------------------------------
// A remote that never answers: every network step has a deadline

/// Give the board a network deadline of `secs` (committed, as a team would).
fn board_deadline(c: &Repo, secs: u64) {
    let board = c.read(".lanes/board.yaml");
    assert!(board.contains("settings:\n"), "{board}");
    c.write(
        ".lanes/board.yaml",
        board.replace(
            "settings:\n",
            &format!("settings:\n  network_timeout_seconds: {secs}\n"),
        ),
    );
    c.commit_all("a short network deadline");
}

/// `lanes sync` against a server that accepts the connection and never
/// answers, at `url(port)`, with `env` (e.g. no git on PATH): it gives up
/// after the board's 2 s deadline with exit 1 and a message naming the
/// remote, its URL and what to check; nothing is changed, and no git, ssh
/// or helper process is left.
fn hung_remote(url_of: impl Fn(u16) -> String, env: &[(&str, &str)]) {
    if !proc_available() {
        skip("no /proc to see which processes are left");
        return;
    }
    let (w, a, _b) = two();
    board_deadline(&a, 2);
    a.add("Written while the server hangs", &[]);
    let silent = Silent::start();
    let url = url_of(silent.port);
    a.git(&["remote", "set-url", "origin", &url]);
    let before = snapshot(&a);
    let run = lanes_bounded(&a, &["sync"], env, Duration::from_secs(90));
    let left = git_left_in(&w.base, Duration::from_secs(10));
    let Some(out) = run.output else {
        panic!(
            "lanes sync still ran after {:?} against a remote that never answers (killed)\nleft: {left:#?}",
            run.took
        );
    };
    let said = both(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("no answer from origin ({url}) in 2 s")),
        "{said}"
    );
    assert!(
        said.contains("settings.network_timeout_seconds"),
        "says what to raise: {said}"
    );
    assert!(said.contains("offline"), "{said}");
    assert!(silent.accepted() >= 1, "lanes never connected: {said}");
    // It waited for the deadline, and not much longer (generous bounds
    // for a busy machine).
    assert!(run.took >= Duration::from_secs(2), "{:?}: {said}", run.took);
    assert!(run.took < Duration::from_secs(45), "{:?}: {said}", run.took);
    assert!(left.is_empty(), "left behind: {left:#?}");
    assert_unchanged(&a, &before);
    a.assert_healthy();
}

#[test]
fn a_git_remote_that_never_answers_is_given_up_on_at_the_deadline() {
    hung_remote(|port| format!("git://127.0.0.1:{port}/remote.git"), &[]);
}

/// Over http git runs `git-remote-http`, a child of its own: the whole
/// group is stopped.
#[test]
fn an_http_remote_that_never_answers_is_given_up_on_at_the_deadline() {
    hung_remote(|port| format!("http://127.0.0.1:{port}/remote.git"), &[]);
}

/// No git on PATH: libgit2 talks `git://` and `http://` itself, under the
/// same deadline.
#[test]
fn without_git_libgit2_gives_up_on_a_silent_git_remote() {
    let empty = tempfile::tempdir().expect("an empty folder for PATH");
    let path = empty.path().to_str().expect("UTF-8").to_string();
    hung_remote(
        |port| format!("git://127.0.0.1:{port}/remote.git"),
        &[("PATH", &path)],
    );
}

#[test]
fn without_git_libgit2_gives_up_on_a_silent_http_remote() {
    let empty = tempfile::tempdir().expect("an empty folder for PATH");
    let path = empty.path().to_str().expect("UTF-8").to_string();
    hung_remote(
        |port| format!("http://127.0.0.1:{port}/remote.git"),
        &[("PATH", &path)],
    );
}

/// lanes killed (kill -9, or its terminal closed) while git waits on a
/// remote that never answers: git goes with it instead of hanging on
/// forever in a process group of its own.
#[test]
fn git_does_not_outlive_a_killed_lanes() {
    if !proc_available() {
        skip("no /proc to see which processes are left");
        return;
    }
    let (w, a, _b) = two();
    a.add("Written while the server hangs", &[]);
    let silent = Silent::start();
    let url = format!("git://127.0.0.1:{}/remote.git", silent.port);
    a.git(&["remote", "set-url", "origin", &url]);
    // The default deadline (60 s): only lanes' death can end git in time.
    use std::os::unix::process::CommandExt;
    let mut lanes = a
        .lanes_cmd()
        .arg("sync")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .expect("run lanes");
    let group = lanes.id() as i32;
    let start = Instant::now();
    while silent.accepted() == 0 && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(silent.accepted() > 0, "git never connected");
    lanes.kill().expect("kill -9 lanes");
    let _ = lanes.wait();
    let left = git_left_in(&w.base, Duration::from_secs(10));
    kill_group(group);
    assert!(left.is_empty(), "outlived lanes: {left:#?}");
}

/// The deadline from git config outranks the board's, and the message
/// names it; a value that is not a number of seconds is refused with the
/// key named, and so is a bad board setting, with its line and column.
#[test]
fn the_deadline_comes_from_git_config_or_the_board_and_bad_values_are_named() {
    let (_w, a, _b) = two();
    board_deadline(&a, 40);
    let silent = Silent::start();
    let url = format!("git://127.0.0.1:{}/remote.git", silent.port);
    a.git(&["remote", "set-url", "origin", &url]);
    a.git(&["config", "lanes.networkTimeout", "1"]);
    let run = lanes_bounded(&a, &["sync"], &[], Duration::from_secs(90));
    let out = run.output.expect("lanes sync ended");
    let said = both(&out);
    assert!(said.contains("in 1 s"), "{said}");
    assert!(said.contains("git config lanes.networkTimeout"), "{said}");
    assert!(run.took < Duration::from_secs(30), "{:?}", run.took);

    a.git(&["config", "lanes.networkTimeout", "soon"]);
    let err = a.fails(&["sync"]);
    assert!(
        err.contains("lanes.networkTimeout") && err.contains("\"soon\""),
        "{err}"
    );

    a.git(&["config", "--unset", "lanes.networkTimeout"]);
    let board = a.read(".lanes/board.yaml");
    a.write(
        ".lanes/board.yaml",
        board.replace("network_timeout_seconds: 40", "network_timeout_seconds: 0"),
    );
    a.commit_all("no deadline at all");
    let err = a.fails(&["sync"]);
    let line = a
        .read(".lanes/board.yaml")
        .lines()
        .position(|l| l.contains("network_timeout_seconds"))
        .expect("the setting")
        + 1;
    assert!(
        err.contains(&format!(".lanes/board.yaml:{line}:"))
            && err.contains("settings.network_timeout_seconds"),
        "{err}"
    );
    assert_eq!(silent.accepted(), 1, "the refused syncs did not connect");
}

/// The board's `s` runs the same sync: with the remote hanging, the
/// status bar says so at the deadline, the board keeps working, and no
/// git is left running.
#[test]
fn the_board_screen_says_when_the_remote_never_answers() {
    if !tmux::tmux_or_skip() {
        return;
    }
    if !proc_available() {
        skip("no /proc to see which processes are left");
        return;
    }
    let (w, a, _b) = two();
    let id = a.add("On the board", &[]);
    let silent = Silent::start();
    let url = format!("git://127.0.0.1:{}/remote.git", silent.port);
    a.git(&["remote", "set-url", "origin", &url]);
    a.git(&["config", "lanes.networkTimeout", "2"]);
    let t = tmux::Tmux::start(&a, false);
    t.wait_for_text("On the board");
    t.keys(&["s"]);
    let (screen, took) = t.wait_within(Duration::from_secs(45), "the sync to give up", |s| {
        s.contains("no answer from origin")
    });
    assert!(took >= Duration::from_secs(1), "{took:?}\n{screen}");
    // The whole message is in the session's messages (M; m moves a card).
    t.keys(&["M"]);
    t.wait_for(&format!("the message naming {url}"), |s| {
        s.contains(&url) && s.contains("lanes.networkTimeout")
    });
    t.keys(&["Escape"]);
    assert!(silent.accepted() >= 1);
    let left = git_left_in(&w.base, Duration::from_secs(10));
    assert!(left.is_empty(), "left behind: {left:#?}");
    // The board still works after the failed sync.
    lanes_outside(&a, &["note", &id, "still here"]);
    assert!(a.card_text(&id).contains("still here"));
    t.keys(&["q"]);
    t.wait_for_end();
}

// ---------------------------------------------------------------------------
// The user's ssh, kept when nobody can answer a prompt

/// A stand-in for ssh: records its arguments (one line per run) in
/// `log`, answers git's `-G` probe as OpenSSH does, refuses options when
/// `strict` (a "simple" ssh), and runs the remote command here, on the
/// local bare repository. With `prompt`, it first asks for a passphrase
/// on the terminal and records the answer.
fn fake_ssh(dir: &Path, name: &str, log: &Path, strict: bool, prompt: bool) -> PathBuf {
    std::fs::create_dir_all(dir).expect("a folder for the wrapper");
    let path = dir.join(name);
    let log = log.display();
    let mut text = format!("#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{log}'\n");
    text.push_str("for a in \"$@\"; do [ \"$a\" = -G ] && exit 0; done\n");
    if strict {
        text.push_str("case \"$1\" in -*) echo \"unknown option $1\" >&2; exit 255;; esac\n");
    }
    if prompt {
        text.push_str(&format!(
            "printf 'passphrase: ' > /dev/tty; read pw < /dev/tty; echo \"typed: $pw\" >> '{log}'\n"
        ));
    }
    text.push_str("for last in \"$@\"; do :; done\nexec sh -c \"$last\"\n");
    std::fs::write(&path, text).expect("write the wrapper");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// Alice's clone with its remote reached over `ssh://` (through whatever
/// ssh the test configures), and a card to push.
fn over_ssh(w: &World, a: &Repo) -> String {
    let url = format!("ssh://git@example.invalid{}", w.remote.display());
    a.git(&["remote", "set-url", "origin", &url]);
    a.add("Pushed through the user's ssh", &[])
}

/// The lines the fake ssh recorded for git's transport (not the probes).
fn transport_runs(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("git-upload-pack") || l.contains("git-receive-pack"))
        .map(str::to_string)
        .collect()
}

/// A sync run with stdin not a terminal (cron, a script, the board
/// screen) through `core.sshCommand`: the configured command, with its
/// own arguments, carries the fetch and the push, with batch mode added.
#[test]
fn non_interactive_sync_keeps_core_ssh_command_and_adds_batch_mode() {
    let (w, a, _b) = two();
    let log = w.base.join("ssh.log");
    let ssh = fake_ssh(&w.base.join("bin"), "deploy-ssh", &log, false, false);
    a.git(&[
        "config",
        "core.sshCommand",
        &format!("{} -i deploy_key", ssh.display()),
    ]);
    let id = over_ssh(&w, &a);
    let out = a.lanes(&["sync"]);
    let said = both(&out);
    let runs = transport_runs(&log);
    assert!(out.status.success(), "{said}\nssh saw: {runs:#?}");
    assert_eq!(w.remote_head(), a.head(), "pushed through the wrapper");
    assert!(w.remote_file(&card_path(&id)).is_some());
    assert!(
        runs.iter().any(|l| l.contains("git-upload-pack")),
        "{runs:#?}"
    );
    assert!(
        runs.iter().any(|l| l.contains("git-receive-pack")),
        "{runs:#?}"
    );
    for l in &runs {
        assert!(
            l.contains("-i deploy_key"),
            "the configured command line: {l}"
        );
        assert!(l.contains("BatchMode=yes"), "batch mode added: {l}");
    }
}

/// `GIT_SSH` names a program (no shell): it is kept too, with batch mode.
#[test]
fn non_interactive_sync_keeps_git_ssh_and_adds_batch_mode() {
    let (w, a, _b) = two();
    let log = w.base.join("ssh.log");
    // A folder with a space: the program is quoted for the shell.
    let ssh = fake_ssh(&w.base.join("my bin"), "jump-ssh", &log, false, false);
    let id = over_ssh(&w, &a);
    let out = a.lanes_env(&["sync"], &[("GIT_SSH", ssh.to_str().expect("UTF-8"))]);
    let said = both(&out);
    let runs = transport_runs(&log);
    assert!(out.status.success(), "{said}\nssh saw: {runs:#?}");
    assert!(w.remote_file(&card_path(&id)).is_some());
    assert_eq!(runs.len(), 2, "a fetch and a push: {runs:#?}");
    for l in &runs {
        assert!(l.contains("BatchMode=yes"), "batch mode added: {l}");
    }
}

/// git's precedence: `GIT_SSH_COMMAND` outranks `core.sshCommand`.
#[test]
fn git_ssh_command_outranks_core_ssh_command() {
    let (w, a, _b) = two();
    let log = w.base.join("ssh.log");
    let ssh = fake_ssh(&w.base.join("bin"), "ssh-wrapper", &log, false, false);
    a.git(&[
        "config",
        "core.sshCommand",
        &format!("{} --from-config", ssh.display()),
    ]);
    over_ssh(&w, &a);
    let env_cmd = format!("{} --from-env", ssh.display());
    let out = a.lanes_env(&["sync"], &[("GIT_SSH_COMMAND", &env_cmd)]);
    let runs = transport_runs(&log);
    assert!(out.status.success(), "{}\nssh saw: {runs:#?}", both(&out));
    assert!(!runs.is_empty());
    for l in &runs {
        assert!(
            l.contains("--from-env") && !l.contains("--from-config"),
            "{l}"
        );
        assert!(l.contains("BatchMode=yes"), "{l}");
    }
}

/// An ssh that takes no options (`ssh.variant simple`) gets none: it is
/// run exactly as configured.
#[test]
fn a_simple_ssh_is_given_no_options() {
    let (w, a, _b) = two();
    let log = w.base.join("ssh.log");
    let ssh = fake_ssh(&w.base.join("bin"), "tunnel", &log, true, false);
    a.git(&["config", "core.sshCommand", &ssh.display().to_string()]);
    a.git(&["config", "ssh.variant", "simple"]);
    let id = over_ssh(&w, &a);
    let out = a.lanes(&["sync"]);
    let runs = transport_runs(&log);
    assert!(out.status.success(), "{}\nssh saw: {runs:#?}", both(&out));
    assert!(w.remote_file(&card_path(&id)).is_some());
    for l in &runs {
        assert!(!l.contains("BatchMode") && !l.starts_with('-'), "{l}");
    }
}

/// PuTTY's plink takes `-batch`, not OpenSSH's `-o BatchMode=yes`.
#[test]
fn plink_gets_its_own_batch_flag() {
    let (w, a, _b) = two();
    let log = w.base.join("ssh.log");
    let plink = fake_ssh(&w.base.join("bin"), "plink", &log, false, false);
    a.git(&["config", "core.sshCommand", &plink.display().to_string()]);
    over_ssh(&w, &a);
    let out = a.lanes(&["sync"]);
    let runs = transport_runs(&log);
    assert!(out.status.success(), "{}\nssh saw: {runs:#?}", both(&out));
    assert!(!runs.is_empty());
    for l in &runs {
        assert!(l.contains("-batch") && !l.contains("BatchMode"), "{l}");
    }
}

/// In a terminal, git and ssh may still prompt: the user's ssh asks for
/// a passphrase on the terminal (lanes hands it the terminal while it
/// runs, and takes it back), gets it, and has no batch mode.
#[test]
fn an_interactive_sync_lets_ssh_ask_on_the_terminal() {
    if !tmux::tmux_or_skip() {
        return;
    }
    let (w, a, _b) = two();
    let log = w.base.join("ssh.log");
    let ssh = fake_ssh(&w.base.join("bin"), "askpass-ssh", &log, false, true);
    a.git(&["config", "core.sshCommand", &ssh.display().to_string()]);
    let id = over_ssh(&w, &a);
    let term = Terminal::run(&a, &["sync"]);
    // A fetch and a push: two passphrases.
    for n in 1..=2 {
        term.wait_for(&format!("passphrase {n}"), |s| {
            s.matches("passphrase:").count() >= n
        });
        term.type_line(&format!("open sesame {n}"));
    }
    let (code, foreground) = term.finished();
    let recorded = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        code,
        "0",
        "lanes sync failed:\n{}\n{recorded}",
        term.screen()
    );
    assert!(
        recorded.contains("typed: open sesame 1") && recorded.contains("typed: open sesame 2"),
        "{recorded}"
    );
    assert!(!recorded.contains("BatchMode"), "{recorded}");
    assert!(w.remote_file(&card_path(&id)).is_some());
    // The shell has its terminal back: its group is the foreground one.
    let mut f = foreground.split_whitespace();
    assert_eq!(
        f.next(),
        f.next(),
        "terminal foreground group, shell's group: {foreground}"
    );
}

/// Ctrl+C while git has the terminal (at ssh's prompt) stops git and its
/// ssh; lanes says the sync was interrupted, changes nothing, and the
/// shell has its terminal back.
#[test]
fn ctrl_c_at_an_ssh_prompt_stops_the_sync() {
    if !tmux::tmux_or_skip() {
        return;
    }
    let (w, a, _b) = two();
    let log = w.base.join("ssh.log");
    let ssh = fake_ssh(&w.base.join("bin"), "askpass-ssh", &log, false, true);
    a.git(&["config", "core.sshCommand", &ssh.display().to_string()]);
    over_ssh(&w, &a);
    let before = snapshot(&a);
    let remote = w.remote_head();
    let term = Terminal::run(&a, &["sync"]);
    term.wait_for("the passphrase prompt", |s| s.contains("passphrase:"));
    assert!(term
        .tmux(&["send-keys", "-t", "main", "C-c"])
        .status
        .success());
    let (code, foreground) = term.finished();
    let screen = term.screen();
    assert_eq!(code, "1", "{screen}");
    assert!(
        screen.contains("interrupted while fetching from origin; nothing was changed"),
        "{screen}"
    );
    assert_unchanged(&a, &before);
    assert_eq!(w.remote_head(), remote);
    let mut f = foreground.split_whitespace();
    assert_eq!(
        f.next(),
        f.next(),
        "terminal foreground group, shell's group: {foreground}"
    );
    if proc_available() {
        let left = git_left_in(&w.base, Duration::from_secs(10));
        assert!(left.is_empty(), "left behind: {left:#?}");
    }
}

/// `lanes ARGS` in a tmux terminal of its own (its server killed on drop),
/// from a script that records the exit code and, after lanes, which
/// process group has the terminal.
struct Terminal {
    socket: String,
    exit_file: PathBuf,
    fg_file: PathBuf,
}

impl Terminal {
    fn run(r: &Repo, args: &[&str]) -> Terminal {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let socket = format!(
            "lanes-sync-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let base = r.base();
        let t = Terminal {
            socket,
            exit_file: base.join("term-exit.txt"),
            fg_file: base.join("term-fg.txt"),
        };
        let q = |p: &Path| tmux::sh_quote(&tmux::path_str(p));
        let mut text = format!("#!/bin/sh\nunset {}\n", SCRUBBED.join(" "));
        for (k, v) in r.env_vars() {
            text.push_str(&format!(
                "export {k}={}\n",
                tmux::sh_quote(v.to_str().expect("UTF-8"))
            ));
        }
        text.push_str(&format!("cd {} || exit 1\n", q(&r.path)));
        let args: Vec<String> = args.iter().map(|a| tmux::sh_quote(a)).collect();
        text.push_str(&format!("{} {}\n", tmux::sh_quote(LANES), args.join(" ")));
        text.push_str(&format!("echo $? > {}.tmp\n", q(&t.exit_file)));
        text.push_str(&format!(
            "ps -o tpgid= -o pgid= -p $$ > {}\n",
            q(&t.fg_file)
        ));
        text.push_str(&format!(
            "mv {}.tmp {}\nsleep 60\n",
            q(&t.exit_file),
            q(&t.exit_file)
        ));
        let script = base.join("term.sh");
        std::fs::write(&script, text).expect("write the script");
        let out = t.tmux(&[
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            "120",
            "-y",
            "35",
            &format!("sh {}", q(&script)),
        ]);
        assert!(out.status.success(), "tmux: {}", stderr(&out));
        t
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("run tmux")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn type_line(&self, text: &str) {
        assert!(self
            .tmux(&["send-keys", "-t", "main", "-l", text])
            .status
            .success());
        assert!(self
            .tmux(&["send-keys", "-t", "main", "Enter"])
            .status
            .success());
    }

    /// lanes' exit code and `tpgid pgid` after it, once it has ended.
    fn finished(&self) -> (String, String) {
        let start = Instant::now();
        loop {
            if let Ok(code) = std::fs::read_to_string(&self.exit_file) {
                let fg = std::fs::read_to_string(&self.fg_file).unwrap_or_default();
                return (code.trim().to_string(), fg.trim().to_string());
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "lanes did not end; the screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

// ---------------------------------------------------------------------------
// `lanes merge-driver` for plain git

#[test]
fn merge_driver_merges_a_plain_git_merge() {
    let (_w, a, b) = two();
    let id = shared_card(&a, &b, "Driver card", &["--lane", "data-preparation"]);
    let rel = format!(".lanes/cards/{id}.yaml");
    let prepare = |c: &Repo| {
        c.git(&["checkout", "-q", "-b", "other"]);
        c.ok(&["edit", &id, "--set", "title=Title from the branch"]);
        c.git(&["checkout", "-q", "main"]);
        c.ok(&["move", &id, "modeling"]);
    };
    // Without the driver, git's line merge conflicts on adjacent lines.
    prepare(&b);
    let out = b.git_output(&["merge", "--no-edit", "other"]);
    assert!(!out.status.success(), "control: {}", both(&out));
    b.git(&["merge", "--abort"]);
    // With it, the merge goes through card by card.
    let setup = a.lanes(&["setup"]);
    assert!(setup.status.success(), "{}", both(&setup));
    assert!(both(&setup).contains("each clone"), "{}", both(&setup));
    // By absolute path: git's shell may not have lanes on its PATH.
    let driver = a.git_line(&["config", "merge.lanes.driver"]);
    let bin = std::fs::canonicalize(LANES).unwrap();
    assert_eq!(
        driver,
        format!("{} merge-driver %O %A %B %P", bin.display())
    );
    prepare(&a);
    let out = a.git_output(&["merge", "--no-edit", "other"]);
    assert!(out.status.success(), "{}", both(&out));
    assert!(!a.exists(".git/MERGE_HEAD"));
    let card = a.card(&id);
    assert_eq!(text(&card, "title"), "Title from the branch");
    assert_eq!(text(&card, "lane"), "modeling");
    assert!(conflicts(&card).is_empty());
    assert!(!a.read(&rel).contains("<<<<<<<"));
    a.assert_healthy();
}

#[test]
fn merge_driver_records_a_same_field_conflict() {
    let (_w, a, b) = two();
    let id = shared_card(&a, &b, "Driver card", &["--lane", "modeling"]);
    a.ok(&["setup"]);
    a.git(&["checkout", "-q", "-b", "other"]);
    a.ok(&["edit", &id, "--set", "title=Theirs"]);
    a.git(&["checkout", "-q", "main"]);
    a.ok(&["edit", &id, "--set", "title=Ours"]);
    let out = a.git_output(&["merge", "--no-edit", "other"]);
    assert!(out.status.success(), "{}", both(&out));
    let card = a.card(&id);
    assert_eq!(text(&card, "title"), "Ours");
    let list = conflicts(&card);
    let c = conflict_with(&list, "title");
    assert_eq!(s(c, "other"), "Theirs");
    a.assert_healthy();
}

// ---------------------------------------------------------------------------
// Convergence: K clones, random operations, random sync orders

const LANE_IDS: &[&str] = &[
    "business-understanding",
    "data-understanding",
    "data-preparation",
    "modeling",
    "evaluation",
    "deployment",
];
const LABELS: &[&str] = &[
    "blocked",
    "needs-data",
    "needs-review",
    "quick-win",
    "stakeholder",
    "tech-debt",
];
const VERDICTS: &[&str] = &["supported", "refuted", "inconclusive"];

/// What the operations did, to check against the converged board.
#[derive(Default)]
struct Expect {
    added: Vec<String>,
    notes: Vec<(String, String)>,
    archived: BTreeSet<String>,
    titles: BTreeMap<String, BTreeSet<String>>,
    lanes: BTreeMap<String, BTreeSet<String>>,
    labels: BTreeMap<String, BTreeSet<String>>,
    verdicts: BTreeMap<String, BTreeSet<String>>,
    ops: usize,
    syncs: usize,
    conflicts: usize,
}

fn random_op(c: &Repo, rng: &mut Rng, ex: &mut Expect, tag: &str) {
    ex.ops += 1;
    let ids = c.card_ids();
    let kind = rng.below(100);
    if ids.is_empty() || kind < 15 {
        let lane = *rng.pick(LANE_IDS);
        let title = format!("Card {tag}");
        let id = c.add(&title, &["--lane", lane]);
        ex.added.push(id.clone());
        ex.titles.entry(id.clone()).or_default().insert(title);
        ex.lanes.entry(id).or_default().insert(lane.to_string());
        return;
    }
    let id = rng.pick(&ids).clone();
    match kind {
        15..=34 => {
            let lane = *rng.pick(LANE_IDS);
            let end = if rng.chance(50) { "--top" } else { "--bottom" };
            c.ok(&["move", &id, lane, end]);
            ex.lanes.entry(id).or_default().insert(lane.to_string());
        }
        35..=49 => {
            let title = format!("Title {tag}");
            c.ok(&["edit", &id, "--set", &format!("title={title}")]);
            ex.titles.entry(id).or_default().insert(title);
        }
        50..=69 => {
            let note = format!("note {tag}");
            c.ok(&["note", &id, &note]);
            ex.notes.push((id, note));
        }
        70..=81 => {
            let mut chosen: Vec<&str> = LABELS.iter().copied().filter(|_| rng.chance(30)).collect();
            chosen.sort();
            c.ok(&[
                "edit",
                &id,
                "--set",
                &format!("labels=[{}]", chosen.join(", ")),
            ]);
            let set = ex.labels.entry(id).or_default();
            set.extend(chosen.iter().map(|s| s.to_string()));
        }
        82..=93 => {
            let v = *rng.pick(VERDICTS);
            let result = format!("0.{}", 100 + rng.below(900));
            c.ok(&["verdict", &id, v, "--result", &result]);
            ex.verdicts.entry(id).or_default().insert(v.to_string());
        }
        _ => {
            c.ok(&["archive", &id]);
            ex.archived.insert(id);
        }
    }
}

fn sync_counting(c: &Repo, ex: &mut Expect) {
    let out = c.sync();
    assert!(!out.contains("malformed"), "{}: {out}", c.name);
    ex.syncs += 1;
    ex.conflicts += out.lines().filter(|l| l.starts_with("conflict:")).count();
}

/// Returns the number of rank-tie problems `lanes validate` reported.
fn converge(seed: u64, rounds: usize, strict: bool) -> usize {
    const NAMES: &[&str] = &["ann", "ben", "cat", "dan", "eve"];
    let started = Instant::now();
    let mut rng = Rng::new(seed);
    let (_w, clones) = World::with_board(NAMES);
    let mut ex = Expect::default();
    // A few cards everyone starts with.
    let first = &clones[0];
    for (i, lane) in LANE_IDS.iter().enumerate() {
        let title = format!("Seed card {i}");
        let id = first.add(&title, &["--lane", lane, "--label", "quick-win"]);
        ex.titles.entry(id.clone()).or_default().insert(title);
        ex.lanes
            .entry(id.clone())
            .or_default()
            .insert(lane.to_string());
        ex.labels.entry(id).or_default().insert("quick-win".into());
    }
    first.push();
    for c in &clones[1..] {
        c.pull();
    }
    for round in 0..rounds {
        for (ci, c) in clones.iter().enumerate() {
            for k in 0..1 + rng.below(3) {
                let tag = format!("s{seed} r{round} {} {k}", NAMES[ci]);
                random_op(c, &mut rng, &mut ex, &tag);
            }
        }
        let mut order: Vec<usize> = (0..clones.len()).collect();
        rng.shuffle(&mut order);
        for i in order {
            // Now and then a clone stays offline for a round.
            if rng.chance(85) {
                sync_counting(&clones[i], &mut ex);
            }
        }
    }
    for _ in 0..2 {
        for c in &clones {
            sync_counting(c, &mut ex);
        }
    }
    let refs: Vec<&Repo> = clones.iter().collect();
    assert_same_boards(&refs);
    let mut ties = 0;
    for c in &clones {
        if strict {
            c.assert_healthy();
        } else {
            ties = c.assert_healthy_but_rank_ties();
        }
    }
    // Every operation's effect is there, or recorded as a conflict.
    let c = &clones[0];
    let ids: BTreeSet<String> = c.card_ids().into_iter().collect();
    for id in &ex.added {
        assert!(ids.contains(id), "seed {seed}: added card {id} is missing");
    }
    let mut cards: BTreeMap<String, Value> = BTreeMap::new();
    for id in &ids {
        cards.insert(id.clone(), c.card(id));
    }
    for (id, note) in &ex.notes {
        let j = journal(&cards[id]);
        assert!(
            j.iter().any(|(_, _, t)| t == note),
            "seed {seed}: note {note:?} lost from {id}: {j:?}"
        );
    }
    for id in &ex.archived {
        assert_eq!(
            cards[id].get("archived"),
            Some(&Value::Bool(true)),
            "seed {seed}: {id} was archived"
        );
    }
    for (id, card) in &cards {
        let title = text(card, "title");
        assert!(
            ex.titles[id].contains(&title),
            "seed {seed}: {id} has a title nobody set: {title:?}"
        );
        let lane = text(card, "lane");
        assert!(
            ex.lanes[id].contains(&lane),
            "seed {seed}: {id} is in {lane}, where nobody put it"
        );
        if let Some(Value::Sequence(labels)) = card.get("labels") {
            for l in labels {
                let l = l.as_str().expect("label text");
                assert!(
                    ex.labels.get(id).is_some_and(|s| s.contains(l)),
                    "seed {seed}: {id} has label {l} nobody set"
                );
            }
        }
        if let Some(v) = ex.verdicts.get(id) {
            let got = text(card, "hypothesis.verdict");
            assert!(v.contains(&got), "seed {seed}: {id} verdict {got}");
        }
        for conflict in conflicts(card) {
            for k in ["field", "kept", "other", "kept_by", "other_by"] {
                assert!(conflict.get(k).is_some(), "{id}: conflict without {k}");
            }
            if conflict.get("field").and_then(Value::as_str) == Some("title") {
                let other = s(&conflict, "other");
                assert!(ex.titles[id].contains(&other), "{id}: lost title {other}");
            }
        }
        let j = journal(card);
        let times: Vec<i64> = j
            .iter()
            .map(|(at, _, _)| lanes::model::date::parse_timestamp(at).unwrap_or(0))
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "seed {seed}: {id} journal out of time order"
        );
        let unique: BTreeSet<&(String, String, String)> = j.iter().collect();
        assert_eq!(
            unique.len(),
            j.len(),
            "seed {seed}: {id} journal duplicates"
        );
    }
    eprintln!(
        "convergence seed {seed}: {} ops, {} syncs, {} conflicts, {} cards, {ties} rank-tie problems, {:.1?}",
        ex.ops,
        ex.syncs,
        ex.conflicts,
        ids.len(),
        started.elapsed()
    );
    ties
}

#[test]
fn convergence_seeds_1_to_3() {
    for seed in 1..=3 {
        converge(seed, 8, false);
    }
}

#[test]
fn convergence_seeds_4_to_6() {
    for seed in 4..=6 {
        converge(seed, 8, false);
    }
}

/// The same convergence run, but `lanes validate` must pass outright.
#[test]
fn convergence_validate_passes_everywhere() {
    for seed in 1..=6 {
        converge(seed, 8, true);
    }
}

// ---------------------------------------------------------------------------
// Conflicts named by author and date, and settled with `lanes resolve`

/// `2026-05-01T00:01:40Z` for `T0 + 100`.
fn iso(secs: i64) -> String {
    lanes::model::date::format_timestamp(secs)
}

/// `1 May` (or `1 May 2026` in another year): how conflicts name a date.
fn day(secs: i64) -> String {
    lanes::ops::resolve::short_date(&iso(secs)).expect("a date")
}

/// Mei and Ana clone the board through `git daemon`, share a hypothesis,
/// and set its result differently offline (Mei at T0+100, Ana at T0+200).
/// `mei_first`: Mei syncs first (Ana's later sync merges, Ana's value
/// wins), else Ana does (Mei merges, Ana's value still wins: it is later).
/// Both clones end synced; the card's id.
fn result_conflict(mei_first: bool) -> Option<(World, Daemon, Repo, Repo, String)> {
    let w = World::new();
    let d = w.serve_or_skip()?;
    let mei = w.clone_url(&d.url(), "mei");
    mei.ok(&["init"]);
    mei.git(&["push", "-q", "-u", "origin", "main"]);
    let id = mei.add(
        "Hybrid recommender",
        &["--kind", "hypothesis", "--lane", "modeling"],
    );
    mei.sync();
    let ana = w.clone_url(&d.url(), "ana");
    mei.at(Some(T0 + 100))
        .ok(&["edit", &id, "--set", "hypothesis.result=0.24"]);
    ana.at(Some(T0 + 200))
        .ok(&["edit", &id, "--set", "hypothesis.result=0.228"]);
    mei.at(None);
    ana.at(None);
    let (first, second) = if mei_first {
        (&mei, &ana)
    } else {
        (&ana, &mei)
    };
    first.sync();
    let out = second.sync();
    assert!(out.contains("conflict"), "{out}");
    first.sync();
    assert_converged(&w, &[&mei, &ana]);
    Some((w, d, mei, ana, id))
}

/// The conflict entry names each side by the author and date of the
/// commit that made it, the same in both clones, in either sync order;
/// `lanes show` lists it on lines of its own.
fn conflict_names_authors(mei_first: bool) {
    let Some((_w, _d, mei, ana, id)) = result_conflict(mei_first) else {
        return;
    };
    for c in [&mei, &ana] {
        let card = c.card(&id);
        assert!(s(&card, "hypothesis").contains("0.228"), "{card:?}");
        let list = conflicts(&card);
        assert_eq!(list.len(), 1, "{}: {list:?}", c.name);
        let e = conflict_with(&list, "hypothesis.result");
        assert_eq!(s(e, "kept"), "0.228");
        assert_eq!(s(e, "kept_by"), "Ana");
        assert_eq!(s(e, "kept_at"), iso(T0 + 200));
        assert_eq!(s(e, "other"), "0.24");
        assert_eq!(s(e, "other_by"), "Mei");
        assert_eq!(s(e, "other_at"), iso(T0 + 100));
        assert_eq!(s(e, "kept_commit").len(), 8);
        let text = c.card_text(&id);
        assert!(!text.contains("ours") && !text.contains("theirs"), "{text}");
        let shown = c.ok(&["show", &id]);
        assert!(
            shown.contains("Conflicts (1)")
                && shown.contains("\n  hypothesis.result\n")
                && shown.contains("    kept:  0.228  (Ana, 2026-05-01 00:03 UTC, commit ")
                && shown.contains("    other: 0.24  (Mei, 2026-05-01 00:01 UTC, commit "),
            "{}: lanes show:\n{shown}",
            c.name
        );
        assert!(!shown.contains("Other fields"), "{shown}");
        let journal = journal(&card);
        assert!(
            journal.iter().any(|(_, _, t)| t.contains(&format!(
                "hypothesis.result: kept 0.228 (Ana, {}) over 0.24 (Mei, {})",
                day(T0 + 200),
                day(T0 + 100)
            ))),
            "{journal:?}"
        );
    }
}

#[test]
fn sync_conflict_names_authors_and_dates_mei_syncs_first() {
    conflict_names_authors(true);
}

#[test]
fn sync_conflict_names_authors_and_dates_ana_syncs_first() {
    conflict_names_authors(false);
}

/// `lanes resolve` with `--take kept|other|VALUE`: one commit, a readable
/// subject, the entry gone, a journal line saying what won over what and
/// by whom, and the other clone gets it all with its next sync.
fn resolve_with(take: &str, value: &str, said: &str) {
    let Some((w, _d, mei, ana, id)) = result_conflict(true) else {
        return;
    };
    let before = mei.commit_count();
    let out = mei.lanes(&["resolve", short(&id), "hypothesis.result", "--take", take]);
    let err = both(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(mei.commit_count(), before + 1, "one commit");
    let subject = mei.head_subject();
    assert!(
        subject.starts_with(&format!(
            "lanes: resolve {} Hybrid recommender (hypothesis.result: ",
            short(&id)
        )),
        "{subject}"
    );
    assert!(err.contains(&subject), "{err}");
    let card = mei.card(&id);
    assert_eq!(
        s(field(&card, "hypothesis").unwrap(), "result"),
        value,
        "{card:?}"
    );
    assert!(card.get("conflicts").is_none(), "{card:?}");
    let (_, by, text) = journal(&card).pop().unwrap();
    assert_eq!(by, "Mei");
    assert_eq!(text, format!("resolved hypothesis.result: {said}"));
    assert!(mei.head_message().contains(&text), "{}", mei.head_message());
    mei.assert_healthy();
    mei.sync();
    ana.sync();
    assert_converged(&w, &[&mei, &ana]);
    assert!(ana.card(&id).get("conflicts").is_none());
    // Nothing left to resolve: a clear refusal, nothing changed.
    let again = mei.fails(&["resolve", &id, "hypothesis.result", "--take", "kept"]);
    assert!(again.contains("no recorded conflicts"), "{again}");
}

#[test]
fn resolve_take_kept() {
    resolve_with(
        "kept",
        "0.228",
        &format!(
            "kept 0.228 (Ana, {}) over 0.24 (Mei, {})",
            day(T0 + 200),
            day(T0 + 100)
        ),
    );
}

#[test]
fn resolve_take_other() {
    resolve_with(
        "other",
        "0.24",
        &format!(
            "took 0.24 (Mei, {}) over 0.228 (Ana, {})",
            day(T0 + 100),
            day(T0 + 200)
        ),
    );
}

#[test]
fn resolve_take_a_new_value() {
    resolve_with(
        "0.235",
        "0.235",
        &format!(
            "set 0.235 over 0.228 (Ana, {}) and 0.24 (Mei, {})",
            day(T0 + 200),
            day(T0 + 100)
        ),
    );
}

#[test]
fn resolve_names_the_fields_that_conflict_and_refuses_others() {
    let Some((_w, _d, mei, _ana, id)) = result_conflict(false) else {
        return;
    };
    let before = mei.head();
    let err = mei.fails(&["resolve", &id, "title", "--take", "kept"]);
    assert!(
        err.contains("no conflict on \"title\"") && err.contains("hypothesis.result"),
        "{err}"
    );
    assert_eq!(mei.head(), before, "nothing committed");
}

/// Entries written before authors and dates were recorded (`kept_by:
/// ours`) still read, show and resolve.
#[test]
fn resolve_reads_old_conflict_entries() {
    let r = Repo::with_board("crisp-dm");
    let id = r.add("Old conflict", &["--lane", "modeling"]);
    let mut text = r.card_text(&id);
    text.push_str(
        "conflicts:\n  - field: title\n    kept: Old conflict\n    kept_by: ours\n    other: Older title\n    other_by: theirs\n",
    );
    r.write_card(&id, &text);
    r.commit_all("hand-made conflict in the old format");
    let shown = r.ok(&["show", &id]);
    assert!(
        shown
            .contains("  title\n    kept:  Old conflict  (ours)\n    other: Older title  (theirs)"),
        "{shown:?}"
    );
    r.ok(&["resolve", &id, "title", "--take", "other"]);
    let card = r.card(&id);
    assert_eq!(text_of(&card, "title"), "Older title");
    assert!(card.get("conflicts").is_none());
    let (_, _, line) = journal(&card).pop().unwrap();
    assert_eq!(
        line,
        "resolved title: took \"Older title\" (theirs) over \"Old conflict\" (ours)"
    );
    r.assert_healthy();
}

fn text_of(v: &Value, k: &str) -> String {
    text(v, k)
}

/// Plain `git merge` with the driver (`lanes setup`), in both directions:
/// each side named by the author and date of the commit that made it,
/// never ours/theirs.
#[test]
fn merge_driver_names_authors_and_dates_both_ways() {
    for mei_merges in [true, false] {
        let (_w, a, b) = two();
        let id = shared_card(&a, &b, "Driver card", &["--lane", "modeling"]);
        for c in [&a, &b] {
            c.ok(&["setup"]);
        }
        let mei = Who {
            name: "Mei",
            email: "mei@example.com",
        };
        let ana = Who {
            name: "Ana",
            email: "ana@example.com",
        };
        a.lanes_as(
            mei,
            "@1777593700 +0000",
            &["edit", &id, "--set", "title=Mei's title"],
        );
        b.lanes_as(
            ana,
            "@1777593800 +0000",
            &["edit", &id, "--set", "title=Ana's title"],
        );
        let (merger, other, kept, kept_by, kept_at, lost, lost_by, lost_at) = if mei_merges {
            b.push();
            (
                &a,
                &b,
                "Mei's title",
                "Mei",
                T0 + 100,
                "Ana's title",
                "Ana",
                T0 + 200,
            )
        } else {
            a.push();
            (
                &b,
                &a,
                "Ana's title",
                "Ana",
                T0 + 200,
                "Mei's title",
                "Mei",
                T0 + 100,
            )
        };
        let _ = other;
        let out = merger.git_output(&["pull", "--no-rebase", "--no-edit"]);
        assert!(out.status.success(), "{}", both(&out));
        let card = merger.card(&id);
        assert_eq!(text(&card, "title"), kept);
        let list = conflicts(&card);
        let e = conflict_with(&list, "title");
        assert_eq!(s(e, "kept_by"), kept_by);
        assert_eq!(s(e, "kept_at"), iso(kept_at));
        assert_eq!(s(e, "other"), lost);
        assert_eq!(s(e, "other_by"), lost_by);
        assert_eq!(s(e, "other_at"), iso(lost_at));
        let file = merger.card_text(&id);
        assert!(!file.contains("ours") && !file.contains("theirs"), "{file}");
        merger.ok(&["resolve", &id, "title", "--take", "other"]);
        assert_eq!(text(&merger.card(&id), "title"), lost);
        merger.assert_healthy();
    }
}

// ---------------------------------------------------------------------------
// A busy remote that drops connections

/// A loopback proxy in front of `git daemon` that resets (RST) the first
/// `drops` connections as soon as it accepts them, as sshd does past its
/// `MaxStartups` and git daemon past `--max-connections`, and forwards
/// the rest. Stops when dropped.
struct Dropper {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Dropper {
    fn start(to: u16, drops: usize) -> Dropper {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use std::sync::Arc;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        listener.set_nonblocking(true).expect("non-blocking");
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let (st, acc) = (stop.clone(), accepted.clone());
        std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                let Ok((conn, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let n = acc.fetch_add(1, Ordering::SeqCst);
                conn.set_nonblocking(false).expect("blocking");
                if n < drops {
                    // SO_LINGER 0: close sends a reset.
                    let l = libc::linger {
                        l_onoff: 1,
                        l_linger: 0,
                    };
                    // SAFETY: setsockopt on a socket we own, with a valid linger.
                    unsafe {
                        use std::os::fd::AsRawFd;
                        libc::setsockopt(
                            conn.as_raw_fd(),
                            libc::SOL_SOCKET,
                            libc::SO_LINGER,
                            (&l as *const libc::linger).cast(),
                            std::mem::size_of::<libc::linger>() as libc::socklen_t,
                        );
                    }
                    drop(conn);
                    continue;
                }
                let Ok(up) = std::net::TcpStream::connect(("127.0.0.1", to)) else {
                    continue;
                };
                let (mut a1, mut b1) = (
                    conn.try_clone().expect("clone"),
                    up.try_clone().expect("clone"),
                );
                let (mut a2, mut b2) = (conn, up);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut a1, &mut b1);
                    let _ = b1.shutdown(std::net::Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut b2, &mut a2);
                    let _ = a2.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Dropper {
            port,
            stop,
            accepted,
        }
    }
}

impl Drop for Dropper {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A remote that drops the first connections (a busy server) does not end
/// the sync offline: it is tried again, says so, and the sync goes through.
#[test]
fn a_connection_dropped_by_a_busy_remote_is_tried_again() {
    let (w, a, b) = two();
    let Some(daemon) = w.serve_or_skip() else {
        return;
    };
    let id = shared_card(&a, &b, "Busy server", &["--lane", "modeling"]);
    let proxy = Dropper::start(daemon.port, 2);
    let url = format!("git://127.0.0.1:{}/remote.git", proxy.port);
    a.git(&["remote", "set-url", "origin", &url]);
    a.ok(&["note", &id, "through a busy server"]);
    let out = a.lanes(&["sync"]);
    let said = both(&out);
    assert!(out.status.success(), "{said}");
    assert!(!said.contains("offline"), "{said}");
    assert!(
        said.contains("origin dropped the connection (busy?); retrying in"),
        "{said}"
    );
    assert!(proxy.accepted.load(std::sync::atomic::Ordering::SeqCst) >= 3);
    assert_eq!(a.head(), w.remote_head());
    b.sync();
    assert!(journal(&b.card(&id))
        .iter()
        .any(|(_, _, t)| t == "through a busy server"));
}
