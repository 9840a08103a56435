//! The card cache (`.git/lanes/cards-v1`) that makes `list` fast: whatever
//! happens to the card files or to the cache itself, what `lanes` prints is
//! what the files say. Real binary, real repository, real files.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text
#![cfg(unix)]

mod common;

use common::*;
use std::process::Command;

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
    let flow = r.ok(&["flow", "--json"]);
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
        r.ok(&["flow", "--json"]),
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
