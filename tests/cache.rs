//! The card cache (`.git/lanes/cards-v1`) that makes `list` fast: whatever
//! happens to the card files or to the cache itself, what `lanes` prints is
//! what the files say. Real binary, real repository, real files.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text
#![cfg(unix)]

mod common;

use common::*;
use std::process::{Command, Output};

const CACHE: &str = ".git/lanes/cards-v1";

/// Cards that exercise the encoding: unknown fields at every level, tagged
/// values, floats, big integers, non-string keys, escapes, CRLF, archived.
fn exotic_cards() -> Vec<(String, String)> {
    let mut cards = Vec::new();
    for i in 0..24 {
        let id = format!("cache{i:02}x");
        let lane = ["backlog", "hypothesis", "experimenting", "analysis", "done"][i % 5];
        let mut text = format!(
            "id: {id}\ntitle: Card {i} \"quoted\" ünïcode 実験\nlane: {lane}\nrank: {}\nkind: hypothesis\nlabels:\n- l{}\n- shared\nassignees:\n- ana\n",
            (b'a' + (i as u8 % 20)) as char,
            i % 3
        );
        match i % 6 {
            0 => text.push_str("hypothesis:\n  statement: s\n  baseline: 0.1\n  target: +15%\n  result: 18446744073709551615\n  verdict: refuted\n  reviewer: bo\n"),
            1 => text.push_str("future: !custom {a: 1}\n"),
            2 => text.push_str("experiment:\n  runs:\n  - mlflow:1\n  cost: 12.5\n  gpu: {hours: 3.5, kinds: [a100, null, true]}\n7: seven\n"),
            3 => text.push_str("archived: true\nbody: |\n  line one\n  line two\n"),
            4 => text.push_str("checklist:\n- text: a\n  done: true\n  by: x\njournal:\n- at: 2026-01-05T10:00:00Z\n  by: ana\n  text: \"\\e[31mred\"\n"),
            _ => text = text.replace('\n', "\r\n"),
        }
        cards.push((id, text));
    }
    cards
}

/// Wait until files written just now are old enough for the cache to trust
/// (it re-reads files changed within two seconds of its writing, as git
/// does with its index).
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(2100));
}

/// Set a file's mtime an hour back (its ctime stays now).
fn age(r: &Repo, rel: &str) {
    let st = Command::new("touch")
        .args(["-d", "1 hour ago"])
        .arg(r.abs(rel))
        .status()
        .expect("run touch");
    assert!(st.success());
}

fn list_raw(r: &Repo, extra: &[&str]) -> (String, String) {
    let mut args = vec!["list"];
    args.extend_from_slice(extra);
    let out = r.lanes(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    (String::from_utf8(out.stdout).expect("utf-8"), err)
}

#[test]
fn list_through_the_cache_matches_the_files_whatever_changes() {
    let r = Repo::with_board("research-kanban");
    for (id, text) in exotic_cards() {
        r.write(&card_path(&id), text);
    }
    settle();

    // Cold: no cache yet; the run writes one.
    assert!(!r.exists(CACHE));
    let (cold, _) = list_raw(&r, &["--json", "--all"]);
    assert!(r.exists(CACHE), "list --json writes the card cache");
    let parsed: serde_json::Value = serde_json::from_str(&cold).expect("json");
    assert_eq!(parsed.as_array().map(Vec::len), Some(24));
    // Warm: the same bytes, from the cache.
    assert_eq!(list_raw(&r, &["--json", "--all"]).0, cold);
    // Text list (full cards, decoded from the cache) agrees with a cold one.
    let (text_warm, _) = list_raw(&r, &["--all"]);
    std::fs::remove_file(r.abs(CACHE)).expect("remove cache");
    let (text_cold, _) = list_raw(&r, &["--all"]);
    assert_eq!(text_warm, text_cold);
    assert_eq!(list_raw(&r, &["--json", "--all"]).0, cold);
    // Filters read the cached heads.
    let archived = r.list_ids(&["--all"]).len() - r.list_ids(&[]).len();
    assert_eq!(archived, 4);
    assert_eq!(r.list_ids(&["--label", "l1", "--all"]).len(), 8);
    assert_eq!(r.list_ids(&["--lane", "done", "--all"]).len(), 4);
    assert_eq!(r.list_ids(&["--assignee", "@ana", "--all"]).len(), 24);

    // A card rewritten in place with the same size and an old mtime.
    let rel = card_path("cache03x");
    let before = r.read(&rel);
    let after = before.replace("Card 3 ", "Drac 3 ");
    assert_eq!(before.len(), after.len());
    r.write(&rel, &after);
    age(&r, &rel);
    let card = r.show_json("cache03x");
    assert!(
        card["title"].as_str().unwrap().starts_with("Drac 3"),
        "{card}"
    );
    let (json, _) = list_raw(&r, &["--json", "--all"]);
    assert!(json.contains("Drac 3"), "list sees the in-place edit");

    // A deleted card goes; a new one comes; a broken one is reported while
    // the rest still lists.
    std::fs::remove_file(r.abs(&card_path("cache04x"))).expect("delete");
    r.write(
        &card_path("cachenew"),
        "id: cachenew\ntitle: New\nlane: backlog\nrank: m\n",
    );
    r.write(&card_path("cache05x"), "id: cache05x\ntitle: [unclosed\n");
    let (json, err) = list_raw(&r, &["--json", "--all"]);
    let ids: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(&json)
        .expect("json")
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!ids.contains(&"cache04x".to_string()));
    assert!(!ids.contains(&"cache05x".to_string()));
    assert!(ids.contains(&"cachenew".to_string()));
    assert_eq!(ids.len(), 23);
    assert!(err.contains(".lanes/cards/cache05x.yaml:3:1: "), "{err}");

    // A damaged or foreign cache file is ignored, never believed.
    let expected = list_raw(&r, &["--json", "--all"]).0;
    let good = std::fs::read(r.abs(CACHE)).expect("cache");
    for damaged in [
        good[..good.len() / 2].to_vec(),
        b"lanes-cards 1\ngarbage".to_vec(),
        vec![0xff; 4096],
        Vec::new(),
    ] {
        std::fs::write(r.abs(CACHE), &damaged).expect("damage cache");
        assert_eq!(list_raw(&r, &["--json", "--all"]).0, expected);
        assert_eq!(list_raw(&r, &["--all"]).0, list_raw(&r, &["--all"]).0);
    }
}

#[test]
fn a_symlinked_card_is_refused_even_when_its_target_is_cached() {
    let r = Repo::with_board("research-kanban");
    for (id, text) in exotic_cards().into_iter().take(20) {
        r.write(&card_path(&id), text);
    }
    settle();
    list_raw(&r, &["--json"]);
    assert!(r.exists(CACHE));
    // Replace a card by a link to another card's file.
    let link = r.abs(&card_path("cache01x"));
    std::fs::remove_file(&link).expect("remove");
    std::os::unix::fs::symlink(r.abs(&card_path("cache02x")), &link).expect("symlink");
    let (json, err) = list_raw(&r, &["--json", "--all"]);
    assert!(!json.contains("\"cache01x\""), "{json}");
    assert!(
        err.contains(".lanes/cards/cache01x.yaml:1:1: is a symbolic link"),
        "{err}"
    );
}

#[test]
fn the_summary_cache_for_move_sees_edits_and_survives_damage() {
    const INDEX: &str = ".git/lanes/index-v2";
    let r = Repo::with_board("research-kanban");
    for (n, lane) in ["backlog", "backlog", "analysis", "analysis"]
        .iter()
        .enumerate()
    {
        let id = format!("sumry{n}xq");
        r.write(
            &card_path(&id),
            format!(
                "id: {id}\ntitle: Card {n}\nlane: {lane}\nrank: {}\n",
                ["b", "d", "b", "d"][n]
            ),
        );
    }
    r.git(&["add", "-A"]);
    r.git(&["commit", "-q", "-m", "cards"]);
    settle();
    // A move that changes nothing reads the summary (and writes it).
    ok(&r.lanes(&["move", "sumry0", "backlog"]));
    assert!(r.exists(INDEX), "the summary cache is written");
    // Moved by hand into `analysis` with an old mtime: the next move must
    // see it there (placing after it needs its lane and rank).
    let rel = card_path("sumry1xq");
    let text = r.read(&rel).replace("lane: backlog", "lane: analysis");
    r.write(&rel, text.replace("rank: d\n", "rank: f\n"));
    age(&r, &rel);
    ok(&r.lanes(&["move", "sumry0", "analysis", "--after", "sumry1"]));
    let order: Vec<String> = r
        .list_json(&["--lane", "analysis"])
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(order, ["sumry2xq", "sumry3xq", "sumry1xq", "sumry0xq"]);
    // A damaged cache is no cache.
    for junk in [b"lanes-index 3\n".to_vec(), vec![0xff; 300], Vec::new()] {
        std::fs::write(r.abs(INDEX), &junk).expect("damage");
        ok(&r.lanes(&["move", "sumry3", "backlog"]));
        ok(&r.lanes(&["move", "sumry3", "analysis", "--before", "sumry2"]));
        assert_eq!(r.list_ids(&["--lane", "analysis"])[0], "sumry3xq");
    }
    // Only the hand edit is left uncommitted; lanes committed its own.
    assert_eq!(r.status(), [" M .lanes/cards/sumry1xq.yaml"]);
}

/// Replace every `from` in a file with `to` (same length: the file stays
/// well formed, only its content lies).
fn tamper(path: &std::path::Path, from: &[u8], to: &[u8]) -> usize {
    assert_eq!(from.len(), to.len());
    let mut bytes = std::fs::read(path).expect("read cache");
    let mut n = 0;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            n += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    std::fs::write(path, bytes).expect("write cache");
    n
}

#[test]
fn caches_with_damaged_content_are_rebuilt_not_believed() {
    let r = Repo::with_board("crisp-dm");
    let a = r.add("Genuine title", &["--lane", "modeling"]);
    r.ok(&["move", &a, "evaluation"]);
    settle();
    let list = list_raw(&r, &[]).0;
    let json = list_raw(&r, &["--json"]).0;
    let summary = r.ok(&["show", &a]);
    let flow = timeless(r.ok(&["flow", "--json"]));
    let gitdir = r.path.join(".git/lanes");
    // Every cache holds the title or the lane; each gets a lie of the
    // same length, so that only a checksum can tell.
    let mut lied = 0;
    for name in ["cards-v1", "index-v2", "history-v2"] {
        let p = gitdir.join(name);
        assert!(p.exists(), "{name} was written");
        lied += tamper(&p, b"Genuine", b"Forged!");
        lied += tamper(&p, b"evaluation", b"deployment");
    }
    assert!(lied >= 4, "the caches held the text ({lied} places)");
    assert_eq!(list_raw(&r, &[]).0, list, "list believed a damaged cache");
    assert_eq!(
        list_raw(&r, &["--json"]).0,
        json,
        "list --json believed a damaged cache"
    );
    assert_eq!(r.ok(&["show", &a]), summary);
    assert_eq!(
        timeless(r.ok(&["flow", "--json"])),
        flow,
        "flow believed a damaged cache"
    );
    let log = r.ok(&["log", &a]);
    assert!(
        !log.contains("Forged") && log.contains("evaluation"),
        "{log}"
    );
    // And each was written again, whole.
    for name in ["cards-v1", "history-v2"] {
        let text = std::fs::read(gitdir.join(name)).unwrap();
        assert!(
            !text.windows(7).any(|w| w == b"Forged!"),
            "{name} still holds the damage"
        );
    }
}

/// A board of `n` cards written straight into the repository (much faster
/// than `n` commands) and committed, in the `modeling` lane of a
/// CRISP-DM board; their files are then older than the caches' racy
/// window.
fn big_board(r: &Repo, n: usize) -> Vec<String> {
    let ids: Vec<String> = (0..n).map(|i| format!("bulk{i:05}")).collect();
    for (i, id) in ids.iter().enumerate() {
        r.write(
            &card_path(id),
            format!("id: {id}\ntitle: Bulk card {i}\nlane: modeling\nrank: m{i:05}k\n"),
        );
    }
    r.git(&["add", "-A"]);
    r.git(&["commit", "-q", "-m", "bulk cards"]);
    settle();
    ids
}

/// Run lanes under `strace`, counting the card files it looked at (a
/// `stat` or an `open` naming `<id>.yaml` of an id starting `bulk`) and
/// the reads of the cards folder's listing; `None` when strace cannot run
/// here.
fn card_files_looked_at(r: &Repo, args: &[&str]) -> Option<(Output, usize, usize)> {
    let log = r.base().join("strace.log");
    let inner = r.lanes_cmd();
    let mut cmd = Command::new("strace");
    cmd.args([
        "-f",
        "-qq",
        "-y",
        "-e",
        "trace=%stat,open,openat,getdents64",
        "-o",
    ])
    .arg(&log)
    .arg(inner.get_program())
    .args(args);
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.current_dir(inner.get_current_dir().expect("a folder"));
    let out = cmd.output().ok()?;
    let trace = std::fs::read_to_string(&log).ok()?;
    if trace.is_empty() {
        return None;
    }
    let looked = trace
        .lines()
        .filter(|l| l.contains("\"bulk") || l.contains("/bulk"))
        .filter(|l| l.contains(".yaml\""))
        .count();
    let listed = trace
        .lines()
        .filter(|l| l.contains("getdents64(") && l.contains(".lanes/cards>"))
        .count();
    Some((out, looked, listed))
}

#[test]
fn a_move_looks_at_what_changed_not_at_every_card() {
    let r = Repo::with_board("crisp-dm");
    let ids = big_board(&r, 2000);
    // A whole-board read checks every file and leaves the caches warm.
    assert_eq!(r.list_ids(&["--lane", "modeling"]).len(), 2000);
    let Some((out, looked, listed)) = card_files_looked_at(&r, &["move", &ids[7], "evaluation"])
    else {
        skip("strace is not available");
        return;
    };
    ok(&out);
    assert!(
        looked <= 20 && listed == 0,
        "a move on a 2,000-card board looked at {looked} card files and read the folder's listing {listed} times"
    );
    // And another, after the first replaced a card file: what it noted
    // spares listing the folder.
    let (out, looked, listed) =
        card_files_looked_at(&r, &["move", &ids[8], "evaluation"]).expect("strace ran before");
    ok(&out);
    assert!(
        looked <= 20 && listed == 0,
        "the second move looked at {looked} card files and read the folder's listing {listed} times"
    );
    assert_eq!(
        r.list_ids(&["--lane", "evaluation"]),
        [ids[7].clone(), ids[8].clone()]
    );
}

/// The last cards of a lane, in board order.
fn lane_tail(r: &Repo, lane: &str, n: usize) -> Vec<String> {
    let ids = r.list_ids(&["--lane", lane]);
    ids[ids.len().saturating_sub(n)..].to_vec()
}

/// `id`'s file text moved to the bottom of `evaluation` by hand: with a
/// rank just past the one a move would give a card there if it did not see
/// this edit (so a move that misses it lands above it).
fn past_the_bottom(r: &Repo, id: &str) -> String {
    let last = r
        .list_json(&["--lane", "evaluation"])
        .iter()
        .filter_map(|c| c["rank"].as_str().map(str::to_string))
        .max();
    let blind = lanes::model::rank::between(last.as_deref(), None);
    r.read(&card_path(id))
        .replace("lane: modeling", "lane: evaluation")
        .replace(
            &format!("rank: {}", &r.card_model(id).rank),
            &format!("rank: {blind}z"),
        )
}

#[test]
fn a_move_sees_every_change_git_lanes_or_an_editor_made_to_other_cards() {
    let (_w, clones) = common::remote::World::with_board(&["me", "teammate"]);
    let (me, mate) = (&clones[0], &clones[1]);
    let ids = big_board(me, 40);
    me.git(&["push", "-q", "origin", "main"]);
    mate.git(&["pull", "-q", "--ff-only"]);
    settle();
    // Warm caches: every row settled.
    assert_eq!(me.list_ids(&["--lane", "modeling"]).len(), 40);
    let teammate_moves = |id: &str| {
        me.git(&["push", "-q", "origin", "main"]);
        mate.git(&["pull", "-q", "--ff-only"]);
        mate.write(&card_path(id), past_the_bottom(mate, id));
        mate.git(&["commit", "-q", "-am", "moved by hand"]);
        mate.git(&["push", "-q", "origin", "main"]);
    };

    // A teammate's move arrives through `lanes sync` (libgit2 rewrites
    // the file in place: the cards folder does not change).
    teammate_moves(&ids[1]);
    me.ok(&["sync"]);
    me.ok(&["move", &ids[2], "evaluation"]);
    assert_eq!(
        lane_tail(me, "evaluation", 2),
        [ids[1].as_str(), ids[2].as_str()]
    );

    // ... and through `git pull` (git replaces the file, often with the
    // same inode number).
    teammate_moves(&ids[3]);
    me.git(&["pull", "-q", "--ff-only"]);
    me.ok(&["move", &ids[4], "evaluation"]);
    assert_eq!(
        lane_tail(me, "evaluation", 2),
        [ids[3].as_str(), ids[4].as_str()]
    );

    // A hand edit in place, staged with `git add`.
    let text = past_the_bottom(me, &ids[5]);
    me.write(&card_path(&ids[5]), text);
    me.git(&["add", &card_path(&ids[5])]);
    me.ok(&["move", &ids[6], "evaluation"]);
    assert_eq!(
        lane_tail(me, "evaluation", 2),
        [ids[5].as_str(), ids[6].as_str()]
    );

    // An editor's save through a temporary file renamed over the card.
    let text = past_the_bottom(me, &ids[9]);
    let tmp = me.abs(".lanes/cards/.edit.tmp");
    std::fs::write(&tmp, text).expect("write");
    std::fs::rename(&tmp, me.abs(&card_path(&ids[9]))).expect("rename");
    me.ok(&["move", &ids[10], "evaluation"]);
    assert_eq!(
        lane_tail(me, "evaluation", 2),
        [ids[9].as_str(), ids[10].as_str()]
    );

    // A hand edit in place, not staged, seen by a whole-board read.
    let text = past_the_bottom(me, &ids[11]);
    me.write(&card_path(&ids[11]), text);
    me.ok(&["list"]);
    me.ok(&["move", &ids[12], "evaluation"]);
    assert_eq!(
        lane_tail(me, "evaluation", 2),
        [ids[11].as_str(), ids[12].as_str()]
    );
}

/// `lanes link` checks whether a new link closes a cycle with the other
/// cards' links as the summary index knows them, as a move reads it: a
/// 2,000-card board whose cards 0 → 1 → … → 40 wait on each other; the
/// link closing the chain is refused, naming it, having looked at a few
/// card files, not at every card of the chain. A link edited by hand and
/// staged, or edited in place and seen by a whole-board read since, counts
/// at once.
#[test]
fn link_checks_cycles_with_the_summary_index_and_sees_every_change() {
    let r = Repo::with_board("crisp-dm");
    let n = 2000;
    let ids: Vec<String> = (0..n).map(|i| format!("bulk{i:05}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let deps = if i < 40 {
            format!("depends_on:\n  - {}\n", ids[i + 1])
        } else {
            String::new()
        };
        r.write(
            &card_path(id),
            format!("id: {id}\ntitle: Bulk card {i}\nlane: modeling\nrank: m{i:05}k\n{deps}"),
        );
    }
    r.git(&["add", "-A"]);
    r.git(&["commit", "-q", "-m", "bulk cards"]);
    settle();
    // A whole-board read leaves the caches warm, links included.
    assert_eq!(r.list_ids(&["--lane", "modeling"]).len(), n);
    let Some((out, looked, listed)) =
        card_files_looked_at(&r, &["link", &ids[40], "--depends-on", &ids[0]])
    else {
        skip("strace is not available");
        return;
    };
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // The cycle named: 40 → 0 → 1 → … → 39 → 40, twelve of its cards
    // and the count of the rest.
    let e = stderr(&out);
    assert!(
        e.contains("depends_on cycle") && e.contains("(29 more)"),
        "{e}"
    );
    assert!(
        looked <= 20 && listed == 0,
        "a link on a 2,000-card board looked at {looked} card files and read the folder's listing {listed} times"
    );
    // A link that closes nothing is written, looking at as little.
    let (out, looked, _) = card_files_looked_at(&r, &["link", &ids[1999], "--depends-on", &ids[0]])
        .expect("strace ran before");
    ok(&out);
    assert!(looked <= 20, "looked at {looked} card files");

    // Card 5 no longer waits on 6, by hand, staged: the chain is broken,
    // and the link that closed it is now written.
    let text = r.read(&card_path(&ids[5]));
    r.write(
        &card_path(&ids[5]),
        text.replace(&format!("depends_on:\n  - {}\n", ids[6]), ""),
    );
    r.git(&["add", &card_path(&ids[5])]);
    r.ok(&["link", &ids[40], "--depends-on", &ids[0]]);

    // Card 50 waits on 40, edited in place and not staged, seen by a
    // whole-board read: 0 may not wait on 50 (0 → 50 → 40 → 0).
    let text = r.read(&card_path(&ids[50]));
    r.write(
        &card_path(&ids[50]),
        format!("{text}depends_on:\n  - {}\n", ids[40]),
    );
    r.ok(&["list"]);
    let out = r.lanes(&["link", &ids[0], "--depends-on", &ids[50]]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("depends_on cycle"),
        "{}",
        stderr(&out)
    );
}

/// What the board screen's links index says of every card: (id, cards it
/// waits on, its mark), in id order.
fn badges(board: &lanes::store::Board) -> Vec<(String, usize, Option<lanes::model::links::Mark>)> {
    let ix = board.links();
    let mut ids = board.file_ids.clone();
    ids.retain(|id| ix.index(id).is_some());
    ids.into_iter()
        .map(|id| {
            let (waiting, mark) = ix.badge(&id);
            (id, waiting, mark)
        })
        .collect()
}

/// The same, worked out from the cards as read from their files.
fn badges_of_the_files(r: &Repo) -> Vec<(String, usize, Option<lanes::model::links::Mark>)> {
    let mut board = lanes::store::Board::load(&r.path).expect("the board");
    board.refresh_links();
    badges(&board)
}

/// The board screen works out its links index from the cache while the
/// card files are checked: what it shows is what the files say, whether
/// the cache holds every card as it is, a card edited by hand since, or
/// a card whose file is gone.
#[test]
fn the_screens_links_index_is_what_the_files_say_whatever_the_cache_holds() {
    use lanes::store::Board;
    let r = Repo::with_board("research-kanban");
    let a = r.add("Get data access", &[]);
    let b = r.add("Clean clickstream", &[]);
    let c = r.add("Train ranker", &[]);
    let d = r.add("Write report", &[]);
    r.ok(&["link", &b, "--depends-on", &a]);
    r.ok(&["link", &c, "--depends-on", &b]);
    settle();
    list_raw(&r, &[]);
    let want = badges_of_the_files(&r);
    assert_eq!(want.len(), 4);
    assert!(want.contains(&(c.clone(), 1, None)), "{want:?}");
    for board in [Board::load_top(&r.path, 1), Board::load_linked(&r.path)] {
        assert_eq!(badges(&board.expect("the board")), want);
    }
    // A link added by hand: the cache's copy of the card is stale.
    let rel = card_path(&d);
    let text = r.read(&rel);
    r.write(&rel, format!("{text}depends_on:\n  - {c}\n"));
    let want = badges_of_the_files(&r);
    assert!(want.contains(&(d.clone(), 1, None)), "{want:?}");
    for board in [Board::load_top(&r.path, 1), Board::load_linked(&r.path)] {
        assert_eq!(badges(&board.expect("the board")), want);
    }
    // A card file gone: the cache's entry for it is not a card.
    settle();
    list_raw(&r, &[]);
    std::fs::remove_file(r.abs(&card_path(&a))).expect("remove a card file");
    let want = badges_of_the_files(&r);
    assert!(want.contains(&(b.clone(), 0, None)), "{want:?}");
    for board in [Board::load_top(&r.path, 1), Board::load_linked(&r.path)] {
        assert_eq!(badges(&board.expect("the board")), want);
    }
}
