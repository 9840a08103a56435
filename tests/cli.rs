//! End-to-end tests: the real `lanes` binary against real temporary git
//! repositories, inspected with the git command line. See issue 2 for the
//! contract these tests check.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text
#![cfg(unix)]

mod common;

use common::*;
use serde_json::Value as J;
use serde_yaml::Value as Y;
use std::time::{Duration, Instant};

const KANBAN: &str = "research-kanban";

/// What `lanes init` commits: the board, and the `.gitattributes` lines
/// that route board files to `lanes merge-driver` (the sync issue).
const INIT_PATHS: [&str; 2] = [".gitattributes", ".lanes/board.yaml"];

// ---------------------------------------------------------------------------
// helpers

/// Assert that HEAD is exactly one commit on top of `before`, touching only
/// the card file of `id`, with the standard subject and trailers. Returns
/// the subject.
fn assert_card_commit(r: &Repo, before: &str, verb: &str, id: &str, title: &str) -> String {
    let range = format!("{before}..HEAD");
    assert_eq!(
        r.git_line(&["rev-list", "--count", &range]),
        "1",
        "`{verb}` should make exactly one commit"
    );
    assert_eq!(
        r.head_paths(),
        vec![card_path(id)],
        "`{verb}` commit should touch only the card file"
    );
    let stat = r.git(&["show", "--stat", "--format=", "HEAD"]);
    assert!(
        stat.contains(&card_path(id)) && stat.contains(" 1 file changed"),
        "`{verb}` git show --stat: {stat}"
    );
    let subject = r.head_subject();
    let want = format!("lanes: {verb} {} {title}", short(id));
    assert!(
        subject.starts_with(&want),
        "subject {subject:?} should start with {want:?}"
    );
    assert_eq!(
        r.head_trailer("Lanes-Action"),
        vec![verb.to_string()],
        "Lanes-Action trailer in {:?}",
        r.head_message()
    );
    assert_eq!(
        r.head_trailer("Lanes-Card"),
        vec![id.to_string()],
        "Lanes-Card trailer in {:?}",
        r.head_message()
    );
    subject
}

/// The removed and added content lines of HEAD's diff.
fn head_diff_lines(r: &Repo) -> (Vec<String>, Vec<String>) {
    let diff = r.git(&["show", "--format=", "-U0", "HEAD"]);
    let minus = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .map(|l| l[1..].to_string())
        .collect();
    let plus = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .map(|l| l[1..].to_string())
        .collect();
    (minus, plus)
}

/// A move's diff changes at most the `lane:` and `rank:` lines.
fn assert_small_move_diff(r: &Repo) {
    let (minus, plus) = head_diff_lines(r);
    assert!(
        minus.len() <= 2 && plus.len() <= 2 && !plus.is_empty(),
        "a move should be a <= 2-line diff: -{minus:?} +{plus:?}"
    );
    for l in minus.iter().chain(&plus) {
        assert!(
            l.starts_with("lane: ") || l.starts_with("rank: "),
            "a move changed a line other than lane/rank: {l:?}"
        );
    }
}

/// Parse a YAML text.
fn yaml(text: &str) -> Y {
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// A card file parsed.
fn card_yaml(r: &Repo, id: &str) -> Y {
    yaml(&r.read(&card_path(id)))
}

fn ystr<'a>(v: &'a Y, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Y::as_str)
}

/// Commit everything under `.lanes/` with the git command line.
fn git_commit_board(r: &Repo, msg: &str) {
    r.git(&["add", "--", ".lanes"]);
    r.git(&["commit", "-q", "-m", msg]);
}

/// Write a shell script into the test folder and make it executable.
fn script(r: &Repo, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let p = r.base().join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    p.to_string_lossy().into_owned()
}

/// A string is an RFC 3339 UTC timestamp `YYYY-MM-DDTHH:MM:SSZ`.
fn is_utc_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

// ---------------------------------------------------------------------------
// 1. init

#[test]
fn init_writes_board_in_one_commit_and_refuses_twice() {
    let r = Repo::new();
    let out = r.lanes(&["init"]);
    ok(&out);
    assert!(r.exists(".lanes/board.yaml"));
    assert_eq!(r.commit_count(), 1);
    assert_eq!(r.head_paths(), INIT_PATHS);
    assert_eq!(
        r.git(&["ls-tree", "-r", "--name-only", "HEAD"]),
        ".gitattributes\n.lanes/board.yaml\n"
    );
    assert_eq!(
        r.read(".gitattributes"),
        ".lanes/*.yaml merge=lanes\n.lanes/cards/*.yaml merge=lanes\n"
    );
    assert!(r.head_subject().starts_with("lanes: init"));
    assert_eq!(r.head_trailer("Lanes-Action"), vec!["init"]);
    // The default template is CRISP-DM, written as shipped.
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/board-templates/crisp-dm.yaml"
    ))
    .expect("read the shipped template");
    assert_eq!(r.read(".lanes/board.yaml"), shipped);
    assert_eq!(r.lane_ids()[0], "business-understanding");
    assert!(r.status().is_empty(), "{:?}", r.status());
    assert_eq!(
        r.git_line(&["log", "-1", "--format=%an <%ae>"]),
        format!("{USER_NAME} <{USER_EMAIL}>")
    );

    // A second init refuses and changes nothing.
    let snap = r.snapshot();
    let err = fails(&r.lanes(&["init"]), 1);
    assert!(err.contains("already"), "{err}");
    snap.assert_same(&r.snapshot(), "a second `lanes init`");
    fails(
        &r.lanes(&["init", "--template", "mlops", "--name", "Other"]),
        1,
    );
    snap.assert_same(&r.snapshot(), "a second `lanes init --template mlops`");
    assert_eq!(r.read(".lanes/board.yaml"), shipped);
}

#[test]
fn init_outside_a_repository_creates_one() {
    let r = Repo::bare_folder();
    // No repository yet, so the identity comes from the (fake) global config.
    std::fs::write(
        r.home.join(".gitconfig"),
        format!("[user]\n\tname = {USER_NAME}\n\temail = {USER_EMAIL}\n"),
    )
    .expect("write .gitconfig");
    assert!(!r.exists(".git"));
    ok(&r.lanes(&["init"]));
    assert!(
        r.exists(".git"),
        "lanes init should have created a repository"
    );
    assert_eq!(
        std::path::PathBuf::from(r.git_line(&["rev-parse", "--show-toplevel"])),
        r.path
    );
    assert_eq!(r.commit_count(), 1);
    assert_eq!(r.head_paths(), INIT_PATHS);
    assert!(r.status().is_empty(), "{:?}", r.status());
    // And the board works.
    let id = r.add("First card", &[]);
    assert_eq!(r.commit_count(), 2);
    assert_eq!(r.head_paths(), vec![card_path(&id)]);
}

#[test]
fn init_with_template_and_name() {
    let r = Repo::new();
    ok(&r.lanes(&["init", "--template", KANBAN, "--name", "Recsys research"]));
    let text = r.read(".lanes/board.yaml");
    assert!(text.starts_with("name: Recsys research\n"), "{text}");
    assert_eq!(
        r.lane_ids(),
        ["backlog", "hypothesis", "experimenting", "analysis", "done"]
    );
    // Only the name differs from the shipped template.
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/board-templates/research-kanban.yaml"
    ))
    .expect("read the shipped template");
    assert_eq!(
        text.lines().skip(1).collect::<Vec<_>>(),
        shipped.lines().skip(1).collect::<Vec<_>>()
    );
    assert_eq!(r.head_paths(), INIT_PATHS);
    let id = r.add("First", &[]);
    assert_eq!(r.show_json(&id)["lane"], "backlog");

    // An unknown template is refused and creates nothing.
    let r2 = Repo::new();
    let snap = r2.snapshot();
    let err = fails(&r2.lanes(&["init", "--template", "no-such-template"]), 1);
    assert!(err.contains("crisp-dm"), "should list the templates: {err}");
    snap.assert_same(&r2.snapshot(), "init with an unknown template");
}

#[test]
fn init_on_unborn_branch_leaves_staged_work_alone() {
    let r = Repo::new();
    r.write("staged.txt", "x\n");
    r.git(&["add", "staged.txt"]);
    ok(&r.lanes(&["init"]));
    assert_eq!(r.commit_count(), 1);
    assert_eq!(r.head_paths(), INIT_PATHS);
    assert_eq!(r.git(&["diff", "--cached", "--name-only"]), "staged.txt\n");
    assert_eq!(r.status(), vec!["A  staged.txt"]);
}

#[test]
fn init_keeps_uncommitted_gitattributes_edits_out_of_its_commit() {
    let r = Repo::new();
    r.write(".gitattributes", "*.png binary\n");
    r.git(&["add", ".gitattributes"]);
    r.git(&["commit", "-q", "-m", "attributes"]);
    // The user's own, unfinished edit.
    r.write(".gitattributes", "*.png binary\n*.csv text\n");
    ok(&r.lanes(&["init"]));
    let committed = r.git(&["show", "HEAD:.gitattributes"]);
    assert!(
        !committed.contains("*.csv text"),
        "the user's unstaged line was committed:\n{committed}"
    );
    assert!(committed.contains("merge=lanes"), "{committed}");
    // The edit is still there, still uncommitted.
    assert!(r.read(".gitattributes").contains("*.csv text\n"));
    assert_eq!(r.git(&["diff", "--name-only"]), ".gitattributes\n");
}

// ---------------------------------------------------------------------------
// 2. add

#[test]
fn add_prints_only_the_id_and_writes_the_card() {
    let r = Repo::with_board(KANBAN);
    let before = r.head();
    let out = r.lanes(&["add", "Session-recency features"]);
    let stdout = ok(&out);
    assert_eq!(stdout.lines().count(), 1, "stdout: {stdout:?}");
    assert!(stdout.ends_with('\n'));
    let id = stdout.trim_end();
    assert!(
        id.len() >= 8
            && id
                .bytes()
                .all(|b| b"0123456789abcdefghjkmnpqrstvwxyz".contains(&b)),
        "id {id:?}"
    );
    assert_eq!(r.card_ids(), vec![id.to_string()]);
    let text = r.read(&card_path(id));
    assert!(
        text.starts_with(&format!(
            "id: {id}\ntitle: Session-recency features\nlane: backlog\nrank: "
        )),
        "{text}"
    );
    assert_card_commit(&r, &before, "add", id, "Session-recency features");
    assert!(r.status().is_empty(), "{:?}", r.status());
    // No field that changes on every write: no timestamps beyond `created`.
    let v = yaml(&text);
    assert!(is_date(ystr(&v, "created").expect("created")), "{text}");
    assert_eq!(
        top_keys(&text),
        ["id", "title", "lane", "rank", "kind", "created"]
    );
}

#[test]
fn add_with_every_option_writes_fields_in_canonical_order() {
    let r = Repo::with_board(KANBAN);
    let id = r.add(
        "Hybrid beats CF for new users",
        &[
            "--lane",
            "hypothesis",
            "--kind",
            "hypothesis",
            "--label",
            "recsys",
            "--label",
            "cold-start",
            "--assignee",
            "ana",
            "--assignee",
            "raj",
            "--due",
            "2026-12-01",
            "--hypothesis",
            "A hybrid recommender beats CF on users with < 3 sessions",
            "--metric",
            "ndcg@10",
            "--baseline",
            "0.21",
            "--target",
            "0.25",
        ],
    );
    let text = r.read(&card_path(&id));
    assert_eq!(
        top_keys(&text),
        [
            "id",
            "title",
            "lane",
            "rank",
            "kind",
            "labels",
            "assignees",
            "created",
            "due",
            "hypothesis"
        ],
        "{text}"
    );
    assert!(
        text.contains("labels:\n  - recsys\n  - cold-start\nassignees:\n  - ana\n  - raj\n"),
        "block style lists: {text}"
    );
    assert!(
        text.contains(
            "hypothesis:\n  statement: A hybrid recommender beats CF on users with < 3 sessions\n  metric: ndcg@10\n  baseline: 0.21\n  target: 0.25\n  verdict: open\n"
        ),
        "{text}"
    );
    let v = yaml(&text);
    assert_eq!(ystr(&v, "lane"), Some("hypothesis"));
    assert_eq!(ystr(&v, "kind"), Some("hypothesis"));
    assert_eq!(ystr(&v, "due"), Some("2026-12-01"));
    assert_eq!(v["hypothesis"]["baseline"].as_f64(), Some(0.21));
    assert_eq!(v["hypothesis"]["target"].as_f64(), Some(0.25));
    assert_eq!(r.head_paths(), vec![card_path(&id)]);

    // A lane can be named by its title too, and --kind experiment works.
    let id2 = r.add(
        "Try LightFM",
        &["--lane", "Experimenting", "--kind", "experiment"],
    );
    let v2 = card_yaml(&r, &id2);
    assert_eq!(ystr(&v2, "lane"), Some("experimenting"));
    assert_eq!(ystr(&v2, "kind"), Some("experiment"));
}

#[test]
fn numbers_keep_the_text_they_were_typed_with() {
    let r = Repo::with_board(KANBAN);
    let id = r.add(
        "Recency features",
        &[
            "--hypothesis",
            "Recency raises precision@10",
            "--metric",
            "precision@10",
            "--direction",
            "higher",
            "--baseline",
            "0.180",
            "--target",
            "0.20",
        ],
    );
    let path = card_path(&id);
    let text = r.read(&path);
    assert!(
        text.contains("  baseline: 0.180\n  target: 0.20\n"),
        "typed as 0.180 and 0.20: {text}"
    );
    // JSON gives the numbers.
    let card = r.json(&["show", &id, "--json"]);
    assert_eq!(card["hypothesis"]["baseline"], serde_json::json!(0.18));
    assert_eq!(card["hypothesis"]["target"], serde_json::json!(0.2));

    // --set: a one-line diff, the number as typed.
    r.ok(&[
        "edit",
        &id,
        "--set",
        "hypothesis.target=0.250",
        "--set",
        "experiment.cost=14.50",
    ]);
    let (minus, plus) = head_diff_lines(&r);
    assert_eq!(minus, ["  target: 0.20"], "{plus:?}");
    assert_eq!(plus, ["  target: 0.250", "experiment:", "  cost: 14.50"]);
    // The number the field holds, typed otherwise: nothing changes.
    let before = r.head();
    r.ok(&["edit", &id, "--set", "hypothesis.target=0.25"]);
    assert_eq!(r.head(), before, "no commit for the same number");
    assert!(r.read(&path).contains("  target: 0.250\n"));

    // A verdict's result, and the hand-typed numbers around it untouched.
    r.ok(&["verdict", &id, "supported", "--result", "0.300"]);
    let text = r.read(&path);
    assert!(
        text.contains(
            "  baseline: 0.180\n  target: 0.250\n  result: 0.300\n  verdict: supported\n"
        ),
        "{text}"
    );
    let card = r.json(&["show", &id, "--json"]);
    assert_eq!(card["hypothesis"]["result"], serde_json::json!(0.3));
    assert_eq!(card["experiment"]["cost"], serde_json::json!(14.5));

    // Only plain number text is kept as typed; anything else is YAML as
    // before (a hex number is written as the number it is).
    r.ok(&["edit", &id, "--set", "hypothesis.baseline=0x10"]);
    assert!(
        r.read(&path).contains("  baseline: 16\n"),
        "{}",
        r.read(&path)
    );
}

#[test]
fn add_default_lane_is_the_first() {
    let r = Repo::with_board("crisp-dm");
    let id = r.add("Talk to the merchandising team", &[]);
    assert_eq!(
        ystr(&card_yaml(&r, &id), "lane"),
        Some("business-understanding")
    );
    let r = Repo::with_board("mlops");
    let id = r.add("Ship v2", &[]);
    assert_eq!(
        ystr(&card_yaml(&r, &id), "lane"),
        Some(r.lane_ids()[0].as_str())
    );
}

#[test]
fn add_refuses_bad_input_without_writing_or_committing() {
    let r = Repo::with_board(KANBAN);
    let snap = r.snapshot();
    let cases: &[&[&str]] = &[
        &["add", "X", "--lane", "nowhere"],
        &["add", "X", "--due", "tomorrow"],
        &["add", "X", "--due", "2026-13-01"],
        &["add", "X", "--due", "2026-02-30"],
        &["add", "X", "--kind", "no-such-kind"],
        &["add", "   "],
    ];
    for args in cases {
        let out = r.lanes(args);
        let err = fails(&out, 1);
        assert!(!err.trim().is_empty(), "{args:?}: no message");
        assert!(out.stdout.is_empty(), "{args:?}: printed an id on failure");
        snap.assert_same(&r.snapshot(), &format!("{args:?}"));
    }
    assert!(r.card_ids().is_empty());
}

// ---------------------------------------------------------------------------
// 3. one commit per change

#[test]
fn every_mutating_command_is_one_commit_of_one_card() {
    let r = Repo::with_board(KANBAN);
    let bystander = r.add("Bystander", &["--lane", "experimenting"]);
    let bystander_text = r.read(&card_path(&bystander));
    let title = "Session-recency features";

    let h = r.head();
    let id = r.add(title, &["--kind", "hypothesis"]);
    let s = assert_card_commit(&r, &h, "add", &id, title);
    assert!(!s.contains('\n'));

    let h = r.head();
    ok(&r.lanes(&["move", &id, "experimenting"]));
    let s = assert_card_commit(&r, &h, "move", &id, title);
    assert!(
        s.ends_with("(backlog -> experimenting)"),
        "move subject {s:?}"
    );
    assert_small_move_diff(&r);

    // A reorder within the lane changes only the rank line.
    let h = r.head();
    ok(&r.lanes(&["move", &id, "experimenting", "--top"]));
    assert_card_commit(&r, &h, "move", &id, title);
    let (minus, plus) = head_diff_lines(&r);
    assert_eq!((minus.len(), plus.len()), (1, 1), "-{minus:?} +{plus:?}");
    assert!(minus[0].starts_with("rank: ") && plus[0].starts_with("rank: "));

    let h = r.head();
    ok(&r.lanes(&["edit", &id, "--set", "hypothesis.metric=ndcg@10"]));
    assert_card_commit(&r, &h, "edit", &id, title);

    let h = r.head();
    ok(&r.lanes(&["note", &id, "Recency helps returning users only"]));
    assert_card_commit(&r, &h, "note", &id, title);
    // A journal entry is an appended block.
    let (minus, plus) = head_diff_lines(&r);
    assert!(minus.is_empty(), "a note removed lines: {minus:?}");
    assert!(plus.iter().any(|l| l.contains("Recency helps")));

    let h = r.head();
    ok(&r.lanes(&["verdict", &id, "refuted", "--result", "0.19"]));
    let s = assert_card_commit(&r, &h, "verdict", &id, title);
    assert!(s.contains("refuted"), "{s}");

    let h = r.head();
    ok(&r.lanes(&["archive", &id]));
    assert_card_commit(&r, &h, "archive", &id, title);

    let h = r.head();
    ok(&r.lanes(&["restore", &id]));
    assert_card_commit(&r, &h, "restore", &id, title);

    // The other card was never touched.
    assert_eq!(r.read(&card_path(&bystander)), bystander_text);
    assert!(r.status().is_empty(), "{:?}", r.status());
    assert_eq!(
        r.git_line(&["log", "--format=%s", "-1", "--", &card_path(&bystander)]),
        format!("lanes: add {} Bystander (experimenting)", short(&bystander))
    );
}

#[test]
fn no_op_commands_make_no_commit() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Card", &["--lane", "hypothesis"]);
    let n = r.commit_count();
    ok(&r.lanes(&["move", &id, "hypothesis"]));
    ok(&r.lanes(&["restore", &id]));
    ok(&r.lanes(&["edit", &id, "--set", "title=Card"]));
    assert_eq!(r.commit_count(), n);
    assert!(r.status().is_empty(), "{:?}", r.status());
}

// ---------------------------------------------------------------------------
// 4. the user's own work is never touched

#[test]
fn staged_and_unstaged_user_work_survives_every_command() {
    let r = Repo::new();
    r.write("notes.md", "# notes\n");
    r.git(&["add", "notes.md"]);
    r.git(&["commit", "-q", "-m", "notes"]);
    r.write("staged.txt", "x\n");
    r.git(&["add", "staged.txt"]);
    r.write("notes.md", "# notes\nunstaged edit\n");

    let check = |what: &str| {
        assert_eq!(
            r.git(&["diff", "--cached", "--name-only"]),
            "staged.txt\n",
            "after {what}: index"
        );
        assert_eq!(
            r.git(&["diff", "--name-only"]),
            "notes.md\n",
            "after {what}: work tree"
        );
        assert_eq!(
            r.status(),
            vec![" M notes.md", "A  staged.txt"],
            "after {what}"
        );
        assert_eq!(r.read("staged.txt"), "x\n", "after {what}");
        assert_eq!(
            r.read("notes.md"),
            "# notes\nunstaged edit\n",
            "after {what}"
        );
        assert_eq!(r.git(&["show", ":staged.txt"]), "x\n", "after {what}");
        assert_eq!(r.git(&["show", ":notes.md"]), "# notes\n", "after {what}");
        let paths = r.head_paths();
        assert!(
            paths
                .iter()
                .all(|p| p.starts_with(".lanes/") || (what == "init" && p == ".gitattributes")),
            "after {what}: the commit holds {paths:?}"
        );
        assert_eq!(
            r.git(&["show", "HEAD:notes.md"]),
            "# notes\n",
            "after {what}: HEAD's notes.md"
        );
        assert!(
            r.git_output(&["cat-file", "-e", "HEAD:staged.txt"])
                .status
                .code()
                != Some(0),
            "after {what}: staged.txt was committed"
        );
        // The tree git would commit now is HEAD's plus the staged file:
        // lanes left no stale tree id cached in the index. (`write-tree`
        // also caches every tree id, so the next command must invalidate
        // what it changes.)
        let tree = r.git(&["write-tree"]);
        assert_eq!(
            r.git(&["diff-tree", "-r", "--name-only", "HEAD", tree.trim()]),
            "staged.txt\n",
            "after {what}: the index's cached trees"
        );
    };

    ok(&r.lanes(&["init", "--template", KANBAN]));
    check("init");
    let a = r.add("Card A", &[]);
    check("add");
    let b = r.add("Card B", &["--lane", "hypothesis"]);
    check("add");
    ok(&r.lanes(&["move", &a, "hypothesis", "--before", &b]));
    check("move");
    ok(&r.lanes(&["move", &a, "hypothesis", "--bottom"]));
    check("move --bottom");
    ok(&r.lanes(&["edit", &a, "--set", "labels=[recsys]"]));
    check("edit --set");
    let editor = script(
        &r,
        "editor.sh",
        "sed -i 's/^title: .*/title: Card A edited/' \"$1\"",
    );
    ok(&r.lanes_env(&["edit", &a], &[("EDITOR", &editor)]));
    check("edit (editor)");
    let file = r.base().join("replacement.yaml");
    std::fs::write(&file, r.read(&card_path(&b)).replace("Card B", "Card B v2")).unwrap();
    ok(&r.lanes(&["edit", &b, "--file", file.to_str().unwrap()]));
    check("edit --file");
    ok(&r.lanes(&["note", &a, "a note"]));
    check("note");
    ok(&r.lanes(&["verdict", &a, "supported", "--result", "0.3"]));
    check("verdict");
    ok(&r.lanes(&["archive", &b]));
    check("archive");
    ok(&r.lanes(&["restore", &b]));
    check("restore");
    // Refused commands too.
    fails(&r.lanes(&["move", &a, "nowhere"]), 1);
    check("a refused move");
    assert_eq!(r.commit_count(), 13);
    // The user's own `git commit` then holds their staged file on top of
    // lanes' last commit: the index git reads (its cached tree ids
    // included) agrees with the commits lanes made.
    r.git(&["commit", "-q", "-m", "mine"]);
    assert_eq!(
        r.git(&["diff", "--name-status", "HEAD~1", "HEAD"]),
        "A\tstaged.txt\n"
    );
    assert_eq!(r.status(), vec![" M notes.md"]);
}

// ---------------------------------------------------------------------------
// 5. prefix ids

#[test]
fn card_ids_resolve_by_unique_prefix() {
    let r = Repo::with_board(KANBAN);
    let mut ids: Vec<String> = Vec::new();
    // Ids are random: add cards until two share their first character
    // (at most 33 with a 32-character alphabet).
    let (a, b) = loop {
        let id = r.add(&format!("Card {}", ids.len()), &[]);
        if let Some(prev) = ids.iter().find(|p| p.as_bytes()[0] == id.as_bytes()[0]) {
            break (prev.clone(), id);
        }
        ids.push(id);
        assert!(ids.len() <= 33, "ids are not random base32: {ids:?}");
    };
    ids.push(b.clone());
    let first = &a[..1];

    // Ambiguous: exit 1, the candidates listed, nothing changed.
    let snap = r.snapshot();
    let err = fails(&r.lanes(&["move", first, "hypothesis"]), 1);
    assert!(
        err.contains(&a) && err.contains(&b),
        "should list both candidates: {err}"
    );
    assert!(err.contains("ambiguous"), "{err}");
    fails(&r.lanes(&["show", first]), 1);
    fails(&r.lanes(&["note", first, "x"]), 1);
    snap.assert_same(&r.snapshot(), "an ambiguous prefix");

    // The shortest unique prefix works, in any case.
    let unique = (1..=a.len())
        .map(|n| &a[..n])
        .find(|p| ids.iter().filter(|i| i.starts_with(p)).count() == 1)
        .expect("a unique prefix");
    assert_eq!(r.show_json(unique)["id"], a.as_str());
    assert_eq!(r.show_json(&unique.to_uppercase())["id"], a.as_str());
    let h = r.head();
    ok(&r.lanes(&["move", unique, "hypothesis"]));
    assert_card_commit(&r, &h, "move", &a, "Card");
    assert_eq!(r.show_json(&a)["lane"], "hypothesis");
    assert_eq!(r.show_json(short(&b))["id"], b.as_str());

    // Unknown: exit 1 with a message.
    let unused = "0123456789abcdefghjkmnpqrstvwxyz"
        .chars()
        .find(|c| !ids.iter().any(|i| i.starts_with(*c)))
        .expect("an unused first character");
    let unknown = format!("{unused}zzzzz");
    let snap = r.snapshot();
    let err = fails(&r.lanes(&["show", &unknown]), 1);
    assert!(err.contains("no card"), "{err}");
    fails(&r.lanes(&["move", &unknown, "analysis"]), 1);
    fails(&r.lanes(&["archive", &unknown]), 1);
    snap.assert_same(&r.snapshot(), "an unknown id");
}

// ---------------------------------------------------------------------------
// 6. move placement

#[test]
fn move_places_cards_top_bottom_before_after() {
    let r = Repo::with_board(KANBAN);
    let lane = |ids: &[&String]| -> Vec<String> { ids.iter().map(|s| s.to_string()).collect() };
    let a = r.add("A", &["--lane", "hypothesis"]);
    let b = r.add("B", &["--lane", "hypothesis"]);
    let c = r.add("C", &["--lane", "hypothesis"]);
    let d = r.add("D", &[]);
    let order = || r.list_ids(&["--lane", "hypothesis"]);
    assert_eq!(
        order(),
        lane(&[&a, &b, &c]),
        "cards are added at the bottom"
    );

    let mv = |args: &[&str]| {
        let h = r.head();
        let mut all = vec!["move"];
        all.extend_from_slice(args);
        ok(&r.lanes(&all));
        assert_eq!(
            r.git_line(&["rev-list", "--count", &format!("{h}..HEAD")]),
            "1"
        );
        assert_eq!(r.head_paths(), vec![card_path(args[0])], "{args:?}");
        assert_small_move_diff(&r);
    };
    mv(&[&c, "hypothesis", "--top"]);
    assert_eq!(order(), lane(&[&c, &a, &b]));
    mv(&[&c, "hypothesis", "--bottom"]);
    assert_eq!(order(), lane(&[&a, &b, &c]));
    mv(&[&a, "hypothesis", "--after", &b]);
    assert_eq!(order(), lane(&[&b, &a, &c]));
    mv(&[&c, "hypothesis", "--before", &b]);
    assert_eq!(order(), lane(&[&c, &b, &a]));
    mv(&[&a, "hypothesis", "--after", &c]);
    assert_eq!(order(), lane(&[&c, &a, &b]));
    // From another lane, by prefix.
    mv(&[&d, "hypothesis", "--before", short(&a)]);
    assert_eq!(order(), lane(&[&c, &d, &a, &b]));
    assert!(r.list_ids(&["--lane", "backlog"]).is_empty());
    // Default placement when changing lanes: the bottom.
    mv(&[&c, "analysis"]);
    mv(&[&c, "hypothesis"]);
    assert_eq!(order(), lane(&[&d, &a, &b, &c]));
    // Into an empty lane.
    mv(&[&b, "done", "--top"]);
    assert_eq!(r.list_ids(&["--lane", "done"]), lane(&[&b]));
    // Whole-board order: lane order, then rank.
    assert_eq!(r.list_ids(&[]), lane(&[&d, &a, &c, &b]));

    // Refusals change nothing.
    let snap = r.snapshot();
    let err = fails(&r.lanes(&["move", &a, "nowhere"]), 1);
    assert!(err.contains("nowhere"), "{err}");
    fails(&r.lanes(&["move", &a, "hypothesis", "--before", &b]), 1); // b is in done
    fails(&r.lanes(&["move", &a, "hypothesis", "--after", &a]), 1);
    fails(
        &r.lanes(&["move", &a, "hypothesis", "--top", "--bottom"]),
        2,
    );
    snap.assert_same(&r.snapshot(), "refused moves");
}

// ---------------------------------------------------------------------------
// 7. edit --set

#[test]
fn edit_set_fields_by_dotted_name_as_yaml_values() {
    let r = Repo::with_board(KANBAN);
    let id = r.add(
        "Cold start",
        &["--hypothesis", "Hybrid helps", "--metric", "ndcg"],
    );
    let path = card_path(&id);

    let h = r.head();
    ok(&r.lanes(&["edit", &id, "--set", "hypothesis.result=0.232"]));
    assert_card_commit(&r, &h, "edit", &id, "Cold start");
    let text = r.read(&path);
    assert!(text.contains("\n  result: 0.232\n"), "{text}");
    assert_eq!(
        card_yaml(&r, &id)["hypothesis"]["result"].as_f64(),
        Some(0.232)
    );
    assert_eq!(r.show_json(&id)["hypothesis"]["result"], J::from(0.232));

    ok(&r.lanes(&["edit", &id, "--set", "labels=[recsys, cold-start]"]));
    assert!(
        r.read(&path)
            .contains("\nlabels:\n  - recsys\n  - cold-start\n"),
        "{}",
        r.read(&path)
    );
    assert_eq!(
        r.show_json(&id)["labels"],
        serde_json::json!(["recsys", "cold-start"])
    );

    let h = r.head();
    ok(&r.lanes(&["edit", &id, "--set", "title=New title"]));
    assert_card_commit(&r, &h, "edit", &id, "New title");
    assert!(r.read(&path).contains("\ntitle: New title\n"));

    // Two fields, one commit; then removal with an empty value.
    let h = r.head();
    ok(&r.lanes(&[
        "edit",
        &id,
        "--set",
        "due=2026-03-01",
        "--set",
        "assignees=[ana]",
    ]));
    assert_card_commit(&r, &h, "edit", &id, "New title");
    assert!(r.read(&path).contains("\ndue: 2026-03-01\n"));
    ok(&r.lanes(&["edit", &id, "--set", "due="]));
    assert!(!r.read(&path).contains("due:"), "{}", r.read(&path));
    assert!(r.show_json(&id).get("due").is_none());
    // Keys stay in canonical order after all that.
    assert_eq!(
        top_keys(&r.read(&path)),
        [
            "id",
            "title",
            "lane",
            "rank",
            "kind",
            "labels",
            "assignees",
            "created",
            "hypothesis"
        ]
    );

    // Refusals: exit 1, file and history unchanged.
    let snap = r.snapshot();
    for set in [
        "nosuch=1",
        "id=x",
        "hypothesis.verdict=maybe",
        "hypothesis.nosuch=1",
        "lane=nowhere",
        "due=someday",
        "labels={a: 1}",
        "title=",
        "noequals",
    ] {
        let err = fails(&r.lanes(&["edit", &id, "--set", set]), 1);
        assert!(!err.trim().is_empty(), "--set {set}: no message");
        snap.assert_same(&r.snapshot(), &format!("--set {set}"));
    }
}

// ---------------------------------------------------------------------------
// 8. edit in $EDITOR

#[test]
fn edit_in_editor_commits_the_saved_file() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Original", &[]);
    let editor = script(
        &r,
        "editor.sh",
        "sed -i 's/^title: .*/title: Edited/' \"$1\"",
    );
    let h = r.head();
    ok(&r.lanes_env(&["edit", &id], &[("EDITOR", &editor)]));
    assert_card_commit(&r, &h, "edit", &id, "Edited");
    let v = card_yaml(&r, &id);
    assert_eq!(ystr(&v, "title"), Some("Edited"));
    assert!(r.status().is_empty(), "{:?}", r.status());

    // An editor that saves nothing new: no commit.
    let n = r.commit_count();
    ok(&r.lanes_env(&["edit", &id], &[("EDITOR", "true")]));
    assert_eq!(r.commit_count(), n);

    // An editor that fails: nothing changes.
    let failing = script(&r, "failing.sh", "echo 'title: Broken' >> \"$1\"; exit 3");
    let rename = script(&r, "rename.sh", "sed -i 's/^id: .*/id: other/' \"$1\"");
    let snap = r.snapshot();
    fails(&r.lanes_env(&["edit", &id], &[("EDITOR", &failing)]), 1);
    snap.assert_same(&r.snapshot(), "a failing editor");

    // An editor that changes the id: refused.
    fails(&r.lanes_env(&["edit", &id], &[("EDITOR", &rename)]), 1);
    snap.assert_same(&r.snapshot(), "an editor changing the id");
}

#[test]
fn edit_with_invalid_result_keeps_a_recovery_file() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Original", &[]);
    let path = card_path(&id);
    let original = r.read(&path);
    let invalid = original.replace("title: Original", "title: [unclosed, Original");
    assert_ne!(invalid, original);
    let bad_text = r.base().join("bad.yaml");
    std::fs::write(&bad_text, &invalid).unwrap();
    let editor = script(
        &r,
        "bad-editor.sh",
        &format!("cat '{}' > \"$1\"", bad_text.display()),
    );

    let snap = r.snapshot();
    let err = fails(&r.lanes_env(&["edit", &id], &[("EDITOR", &editor)]), 1);
    snap.assert_same(&r.snapshot(), "an invalid edit");
    assert_eq!(r.read(&path), original);
    assert!(r.status().is_empty(), "{:?}", r.status());

    // stderr names the recovery file, which holds the user's text.
    let recovery = err
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| "`'\",;:()".contains(c)))
        .find(|w| w.starts_with('/') && w.ends_with(".yaml") && std::path::Path::new(w).is_file())
        .unwrap_or_else(|| panic!("no recovery file named in: {err}"))
        .to_string();
    assert_eq!(std::fs::read_to_string(&recovery).unwrap(), invalid);

    // Fix it and apply it.
    std::fs::write(
        &recovery,
        invalid.replace("[unclosed, Original", "Fixed by hand"),
    )
    .unwrap();
    let h = r.head();
    ok(&r.lanes(&["edit", &id, "--file", &recovery]));
    assert_card_commit(&r, &h, "edit", &id, "Fixed by hand");
    assert_eq!(ystr(&card_yaml(&r, &id), "title"), Some("Fixed by hand"));
    assert!(r.status().is_empty(), "{:?}", r.status());

    // --file with invalid content is refused the same way.
    std::fs::write(&recovery, &invalid).unwrap();
    let snap = r.snapshot();
    fails(&r.lanes(&["edit", &id, "--file", &recovery]), 1);
    snap.assert_same(&r.snapshot(), "edit --file with invalid YAML");
}

// ---------------------------------------------------------------------------
// 9. note and identity

#[test]
fn note_appends_a_journal_entry_by_the_git_user() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Card", &[]);
    ok(&r.lanes(&["note", &id, "Clickstream has bot traffic"]));
    let v = r.show_json(&id);
    let journal = v["journal"].as_array().expect("journal is a list");
    assert_eq!(journal.len(), 1);
    let e = &journal[0];
    assert!(is_utc_timestamp(e["at"].as_str().unwrap()), "{e}");
    assert_eq!(e["by"], USER_NAME);
    assert_eq!(e["text"], "Clickstream has bot traffic");

    let before = r.read(&card_path(&id));
    ok(&r.lanes(&["note", &id, "Second note"]));
    let after = r.read(&card_path(&id));
    assert!(
        after.starts_with(&before),
        "a note must append:\n{before}\n---\n{after}"
    );
    let journal = r.show_json(&id)["journal"].clone();
    assert_eq!(journal[1]["text"], "Second note");

    // An empty note is refused.
    let snap = r.snapshot();
    fails(&r.lanes(&["note", &id, "  "]), 1);
    snap.assert_same(&r.snapshot(), "an empty note");
}

#[test]
fn commits_honour_git_author_and_date_variables() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Card", &[]);
    let env = [
        ("GIT_AUTHOR_NAME", "Train Bot"),
        ("GIT_AUTHOR_EMAIL", "bot@ci.example"),
        ("GIT_AUTHOR_DATE", "2020-01-02T03:04:05Z"),
        ("GIT_COMMITTER_DATE", "2020-01-02T03:04:05Z"),
    ];
    ok(&r.lanes_env(&["note", &id, "run 42 finished"], &env));
    assert_eq!(
        r.git_line(&["log", "-1", "--format=%an %ae %ad %cd", "--date=raw"]),
        "Train Bot bot@ci.example 1577934245 +0000 1577934245 +0000"
    );
    // The committer name is still the configured user.
    assert_eq!(
        r.git_line(&["log", "-1", "--format=%cn <%ce>"]),
        format!("{USER_NAME} <{USER_EMAIL}>")
    );
    let journal = r.show_json(&id)["journal"].clone();
    assert_eq!(journal[0]["by"], "Train Bot");

    ok(&r.lanes_env(
        &["verdict", &id, "supported"],
        &[
            ("GIT_COMMITTER_NAME", "CI"),
            ("GIT_COMMITTER_EMAIL", "ci@example.com"),
            ("GIT_AUTHOR_DATE", "@1700000000 +0100"),
            ("GIT_COMMITTER_DATE", "Tue, 14 Nov 2023 23:13:20 +0100"),
        ],
    ));
    assert_eq!(
        r.git_line(&["log", "-1", "--format=%an|%cn %ce|%ad|%cd", "--date=raw"]),
        format!("{USER_NAME}|CI ci@example.com|1700000000 +0100|1700000000 +0100")
    );

    // A date git would not understand is refused, not replaced by "now".
    let snap = r.snapshot();
    fails(
        &r.lanes_env(&["note", &id, "x"], &[("GIT_AUTHOR_DATE", "not a date")]),
        1,
    );
    snap.assert_same(&r.snapshot(), "a bad GIT_AUTHOR_DATE");
}

#[test]
fn no_git_identity_is_a_clear_error() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Card", &[]);
    r.git(&["config", "--unset", "user.name"]);
    r.git(&["config", "--unset", "user.email"]);
    let snap = r.snapshot();
    let err = fails(&r.lanes(&["note", &id, "who am I"]), 1);
    assert!(err.contains("git config user.name"), "{err}");
    snap.assert_same(&r.snapshot(), "a note without identity");
    let err = fails(&r.lanes(&["add", "Nobody's card"]), 1);
    assert!(err.contains("git config user.name"), "{err}");
    fails(&r.lanes(&["move", &id, "analysis"]), 1);
    snap.assert_same(&r.snapshot(), "add/move without identity");
    assert_eq!(r.card_ids(), vec![id]);
}

// ---------------------------------------------------------------------------
// 10. verdict, archive, restore

#[test]
fn verdict_archive_and_restore() {
    let r = Repo::with_board(KANBAN);
    let h1 = r.add(
        "Recency features lift NDCG",
        &[
            "--hypothesis",
            "Recency lifts NDCG",
            "--baseline",
            "0.21",
            "--target",
            "0.25",
        ],
    );
    let other = r.add("Other", &[]);

    let h = r.head();
    ok(&r.lanes(&["verdict", &h1, "refuted", "--result", "0.19"]));
    assert_card_commit(&r, &h, "verdict", &h1, "Recency features lift NDCG");
    let v = card_yaml(&r, &h1);
    assert_eq!(v["hypothesis"]["verdict"].as_str(), Some("refuted"));
    assert_eq!(v["hypothesis"]["result"].as_f64(), Some(0.19));
    assert_eq!(v["hypothesis"]["baseline"].as_f64(), Some(0.21));
    let text = r.read(&card_path(&h1));
    assert!(
        text.contains("  target: 0.25\n  result: 0.19\n  verdict: refuted\n"),
        "{text}"
    );

    // A verdict on a plain task gives it a hypothesis block.
    ok(&r.lanes(&["verdict", &other, "inconclusive"]));
    assert_eq!(
        card_yaml(&r, &other)["hypothesis"]["verdict"].as_str(),
        Some("inconclusive")
    );

    // An invalid verdict is a usage error.
    let snap = r.snapshot();
    fails(&r.lanes(&["verdict", &h1, "maybe"]), 2);
    snap.assert_same(&r.snapshot(), "verdict maybe");

    // Archive hides, --all shows, restore brings back.
    let h = r.head();
    ok(&r.lanes(&["archive", &h1]));
    assert_card_commit(&r, &h, "archive", &h1, "Recency features lift NDCG");
    assert_eq!(card_yaml(&r, &h1)["archived"].as_bool(), Some(true));
    assert_eq!(r.list_ids(&[]), vec![other.clone()]);
    let text = ok(&r.lanes(&["list"]));
    assert!(!text.contains(short(&h1)), "{text}");
    assert!(text.contains(short(&other)), "{text}");
    let all = r.list_json(&["--all"]);
    assert_eq!(all.len(), 2);
    let archived = all.iter().find(|c| c["id"] == h1.as_str()).expect("listed");
    assert_eq!(archived["archived"], true);
    assert!(ok(&r.lanes(&["list", "--all"])).contains(short(&h1)));
    // Still reachable by id.
    assert_eq!(r.show_json(&h1)["archived"], true);

    let h = r.head();
    ok(&r.lanes(&["restore", &h1]));
    assert_card_commit(&r, &h, "restore", &h1, "Recency features lift NDCG");
    let mut ids = r.list_ids(&[]);
    ids.sort();
    let mut want = vec![h1.clone(), other.clone()];
    want.sort();
    assert_eq!(ids, want);
    assert_ne!(r.show_json(&h1)["archived"], true);
}

// ---------------------------------------------------------------------------
// 11. JSON output and unknown fields

#[test]
fn list_json_is_one_array_in_lane_then_rank_order() {
    let r = Repo::with_board(KANBAN);
    let x = r.add("In analysis", &["--lane", "analysis"]);
    let y = r.add("Backlog first", &["--label", "recsys", "--assignee", "ana"]);
    let z = r.add("Backlog second", &[]);
    let w = r.add("Backlog top", &[]);
    ok(&r.lanes(&["move", &w, "backlog", "--top"]));
    let out = ok(&r.lanes(&["list", "--json"]));
    let v: J = serde_json::from_str(&out).expect("list --json is JSON");
    let arr = v.as_array().expect("one array");
    let ids: Vec<&str> = arr.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [w.as_str(), y.as_str(), z.as_str(), x.as_str()]);
    for c in arr {
        let keys: Vec<&String> = c.as_object().expect("objects").keys().collect();
        assert_eq!(keys[..5], ["id", "title", "lane", "rank", "kind"], "{c}");
    }
    assert_eq!(arr[1]["labels"], serde_json::json!(["recsys"]));
    assert_eq!(arr[1]["assignees"], serde_json::json!(["ana"]));
    // Filters.
    assert_eq!(r.list_ids(&["--label", "recsys"]), vec![y.clone()]);
    assert_eq!(r.list_ids(&["--assignee", "ana"]), vec![y.clone()]);
    assert_eq!(r.list_ids(&["--lane", "analysis"]), vec![x.clone()]);
    fails(&r.lanes(&["list", "--lane", "nowhere"]), 1);

    // show --json is one object: the same fields as the file, then the
    // card's links both ways (docs/FORMAT.md), as in list --json, and its
    // flags.
    let out = ok(&r.lanes(&["show", &y, "--json"]));
    let mut obj: J = serde_json::from_str(&out).expect("show --json is JSON");
    assert!(obj.is_object());
    let file_keys = top_keys(&r.read(&card_path(&y)));
    let json_keys: Vec<String> = obj.as_object().unwrap().keys().cloned().collect();
    let links = [
        "depends_on",
        "blocks",
        "parent",
        "children",
        "supersedes",
        "superseded_by",
        "relates",
        "related_by",
        "rests_on",
        "evidence_for",
        "blocked",
        "blocked_by",
        "ready",
        "claimed",
        "flags",
    ];
    assert_eq!(json_keys[..file_keys.len()], file_keys);
    assert_eq!(json_keys[file_keys.len()..], links);
    assert_eq!(obj["flags"], serde_json::json!([]));
    obj.as_object_mut().unwrap().remove("flags");
    assert_eq!(obj, arr[1]);
    // The human form names the card too.
    let text = ok(&r.lanes(&["show", &y]));
    assert!(
        text.contains("Backlog first") && text.contains(&y),
        "{text}"
    );
}

/// After a move of the card in `path` (whose text before was `before`),
/// the file must equal `before` with only the lane and rank lines changed.
fn assert_only_lane_and_rank_changed(r: &Repo, path: &str, before: &str, lane: &str) {
    let after = r.read(path);
    let old = yaml(before);
    let new = yaml(&after);
    let want = before
        .replace(
            &format!("lane: {}\n", ystr(&old, "lane").unwrap()),
            &format!("lane: {lane}\n"),
        )
        .replace(
            &format!("rank: {}\n", ystr(&old, "rank").unwrap()),
            &format!("rank: {}\n", ystr(&new, "rank").unwrap()),
        );
    // The rank may be written quoted ("y" would read as a boolean in YAML
    // 1.1); compare with the line lanes actually wrote.
    let rank_line = after
        .lines()
        .find(|l| l.starts_with("rank: "))
        .expect("a rank line");
    let want = want
        .lines()
        .map(|l| {
            if l.starts_with("rank: ") {
                rank_line
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert_eq!(after, want, "the move touched other lines");
}

#[test]
fn unknown_fields_round_trip_byte_for_byte() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Card", &["--hypothesis", "H", "--metric", "auc"]);
    let path = card_path(&id);
    let mut text = r.read(&path);
    // A teammate on a newer version adds fields this one does not know,
    // at the top level and inside a known mapping.
    text = text.replace("  metric: auc\n", "  metric: auc\n  ci95: [0.71, 0.74]\n");
    text.push_str(concat!(
        "future_field: {nested: [1, 2]}\n",
        "# a comment about it\n",
        "reviewers:\n",
        "  - name: kim   # odd spacing\n",
        "    seen: yes\n",
    ));
    r.write(&path, &text);
    r.git(&["commit", "-q", "-am", "hand edit"]);

    let h = r.head();
    ok(&r.lanes(&["move", &id, "analysis"]));
    assert_card_commit(&r, &h, "move", &id, "Card");
    assert_small_move_diff(&r);
    assert_only_lane_and_rank_changed(&r, &path, &text, "analysis");
    let after = r.read(&path);
    assert!(
        after.contains("\nfuture_field: {nested: [1, 2]}\n"),
        "{after}"
    );

    // show --json includes every field in the file.
    let v = r.show_json(&id);
    assert_eq!(v["future_field"], serde_json::json!({"nested": [1, 2]}));
    assert_eq!(v["hypothesis"]["ci95"], serde_json::json!([0.71, 0.74]));
    assert_eq!(v["reviewers"][0]["name"], "kim");
    assert_eq!(v["reviewers"][0]["seen"], "yes");
    let listed = r.list_json(&[]);
    assert_eq!(listed[0]["future_field"], v["future_field"]);

    // And through a note and an edit --set of another field (the changed
    // `hypothesis` block may be rewritten canonically, keeping `ci95`).
    ok(&r.lanes(&["note", &id, "still here"]));
    ok(&r.lanes(&["edit", &id, "--set", "hypothesis.result=0.73"]));
    let last = r.read(&path);
    let v = r.show_json(&id);
    assert_eq!(v["hypothesis"]["ci95"], serde_json::json!([0.71, 0.74]));
    assert_eq!(v["hypothesis"]["result"], J::from(0.73));
    for line in [
        "future_field: {nested: [1, 2]}",
        "# a comment about it",
        "  - name: kim   # odd spacing",
        "    seen: yes",
    ] {
        assert!(
            last.lines().any(|l| l == line),
            "line {line:?} lost:\n{last}"
        );
    }
    // The unknown field can be set, since the card already has it.
    ok(&r.lanes(&["edit", &id, "--set", "future_field.nested=[3]"]));
    assert_eq!(
        r.show_json(&id)["future_field"],
        serde_json::json!({"nested": [3]})
    );
}

#[test]
fn zero_indented_lists_survive_a_move_byte_for_byte() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Card", &[]);
    let path = card_path(&id);
    // The style PyYAML and many editors write: list items at the key's
    // indentation.
    let text = r
        .read(&path)
        .replace("kind: task\n", "kind: task\nlabels:\n- a\n- b\n")
        + "reviewers:\n- kim\n- raj\nfuture_field: {nested: [1, 2]}\n";
    r.write(&path, &text);
    r.git(&["commit", "-q", "-am", "hand edit"]);
    ok(&r.lanes(&["move", &id, "analysis"]));
    assert_only_lane_and_rank_changed(&r, &path, &text, "analysis");
    assert_small_move_diff(&r);
}

// ---------------------------------------------------------------------------
// 12. malformed files

/// A problem line `path:line:col: message`, parsed.
fn parse_problem(line: &str) -> (String, usize, usize, String) {
    let mut parts = line.splitn(4, ':');
    let path = parts.next().unwrap_or_default().to_string();
    let l = parts.next().and_then(|s| s.parse().ok());
    let c = parts.next().and_then(|s| s.parse().ok());
    let msg = parts.next().unwrap_or_default();
    match (l, c) {
        (Some(l), Some(c)) if msg.starts_with(' ') && msg.len() > 1 => {
            (path, l, c, msg[1..].to_string())
        }
        _ => panic!("not a path:line:column: message line: {line:?}"),
    }
}

#[test]
fn malformed_cards_are_reported_and_skipped() {
    let r = Repo::with_board(KANBAN);
    let good1 = r.add("Good one", &[]);
    let good2 = r.add("Good two", &[]);
    let bad: Vec<(&str, Vec<u8>)> = vec![
        (
            "badyaml",
            b"id: badyaml\ntitle: ok\nlane: backlog\nrank: m\nkind: task\nlabels: [unclosed\n".to_vec(),
        ),
        (
            "conflict",
            b"id: conflict\ntitle: x\n<<<<<<< HEAD\nlane: backlog\n=======\nlane: analysis\n>>>>>>> theirs\nrank: m\nkind: task\n".to_vec(),
        ),
        ("binary", b"id: binary\ntitle: \x00\x01\x02\xff junk\n".to_vec()),
        (
            "wrongtype",
            b"id: wrongtype\ntitle: Wrong type\nlane: backlog\nrank: m\nkind: task\nlabels: {a: 1}\n".to_vec(),
        ),
        ("huge", {
            let mut v = b"id: huge\ntitle: ".to_vec();
            v.extend(std::iter::repeat_n(b'a', 1024 * 1024 + 100));
            v.push(b'\n');
            v
        }),
    ];
    for (name, bytes) in &bad {
        r.write(&card_path(name), bytes);
    }
    git_commit_board(&r, "teammate's broken cards");

    let out = r.lanes(&["validate"]);
    fails(&out, 1);
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let problems: Vec<_> = stdout.lines().map(parse_problem).collect();
    for (name, _) in &bad {
        let n = problems.iter().filter(|p| p.0 == card_path(name)).count();
        assert_eq!(n, 1, "{name}: expected one problem line in:\n{stdout}");
    }
    assert_eq!(problems.len(), bad.len(), "{stdout}");
    let find = |name: &str| {
        problems
            .iter()
            .find(|p| p.0 == card_path(name))
            .cloned()
            .unwrap()
    };
    assert_eq!((find("conflict").1, find("conflict").2), (3, 1), "{stdout}");
    assert_eq!((find("binary").1, find("binary").2), (2, 8), "{stdout}");
    assert_eq!(find("wrongtype").1, 6, "{stdout}");
    assert!(find("badyaml").1 >= 6, "{stdout}");
    assert_eq!(find("huge").1, 1, "{stdout}");
    assert!(find("huge").3.contains("limit"), "{stdout}");
    assert!(find("conflict").3.contains("conflict"), "{stdout}");

    // list still lists the good cards and reports the bad on stderr.
    let out = r.lanes(&["list"]);
    let text = ok(&out);
    assert!(
        text.contains("Good one") && text.contains("Good two"),
        "{text}"
    );
    let err = stderr(&out);
    for (name, _) in &bad {
        assert!(err.contains(&card_path(name)), "{name} not reported: {err}");
    }
    let mut ids = r.list_ids(&[]);
    ids.sort();
    let mut want = vec![good1.clone(), good2.clone()];
    want.sort();
    assert_eq!(ids, want);

    // Good cards still move and take notes, one commit each.
    let h = r.head();
    ok(&r.lanes(&["move", &good1, "analysis"]));
    assert_card_commit(&r, &h, "move", &good1, "Good one");
    let h = r.head();
    ok(&r.lanes(&["note", &good2, "still works"]));
    assert_card_commit(&r, &h, "note", &good2, "Good two");

    // No command rewrites a file it could not parse.
    let snap = r.snapshot();
    for (name, bytes) in &bad {
        for args in [
            vec!["move", *name, "analysis"],
            vec!["note", *name, "x"],
            vec!["edit", *name, "--set", "title=Fixed"],
            vec!["archive", *name],
            vec!["show", *name],
        ] {
            let err = fails(&r.lanes(&args), 1);
            assert!(!err.trim().is_empty(), "{args:?}");
        }
        assert_eq!(
            &r.read_bytes(&card_path(name)),
            bytes,
            "{name} was rewritten"
        );
    }
    snap.assert_same(&r.snapshot(), "commands on malformed cards");
}

#[test]
fn alias_bombs_are_rejected_fast() {
    let r = Repo::with_board(KANBAN);
    let good = r.add("Good", &[]);
    let mut bomb = String::from("id: bomb\ntitle: t\nlane: backlog\nrank: m\nkind: task\n");
    bomb.push_str(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (i, prev) in ["a", "b", "c", "d", "e", "f", "g", "h"].iter().enumerate() {
        let name = (b'b' + i as u8) as char;
        let refs = vec![format!("*{prev}"); 9].join(",");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    r.write(&card_path("bomb"), &bomb);
    git_commit_board(&r, "a bomb");

    let out = r
        .lanes_timeout(&["validate"], Duration::from_secs(10))
        .expect("validate should reject an alias bomb within 10 s");
    fails(&out, 1);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let problems: Vec<_> = stdout.lines().map(parse_problem).collect();
    assert_eq!(problems.len(), 1, "{stdout}");
    assert_eq!(problems[0].0, card_path("bomb"));
    let out = r
        .lanes_timeout(&["list", "--json"], Duration::from_secs(10))
        .expect("list should skip an alias bomb within 10 s");
    let listed: J = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], good.as_str());
    let snap = r.snapshot();
    fails(&r.lanes(&["move", "bomb", "analysis"]), 1);
    snap.assert_same(&r.snapshot(), "a move of an alias bomb");
}

#[test]
fn deep_nesting_is_rejected_fast() {
    let r = Repo::with_board(KANBAN);
    let good = r.add("Good", &[]);
    // Well under the 1 MiB size bound.
    let deep = format!(
        "id: deep\ntitle: t\nlane: backlog\nrank: m\nkind: task\nx: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    r.write(&card_path("deep"), &deep);
    let out = r
        .lanes_timeout(&["validate"], Duration::from_secs(10))
        .expect("validate should reject deep nesting within 10 s");
    fails(&out, 1);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.starts_with(".lanes/cards/deep.yaml:6:"), "{stdout}");
    let out = r
        .lanes_timeout(&["list", "--json"], Duration::from_secs(10))
        .expect("list should skip deep nesting within 10 s");
    let listed: J = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(listed[0]["id"], good.as_str());
}

#[test]
fn validate_reports_unknown_lanes_equal_ranks_and_duplicate_ids() {
    let r = Repo::with_board(KANBAN);
    let good = r.add("Good", &[]);
    ok(&r.lanes(&["validate"]));
    r.write(
        &card_path("lost"),
        "id: lost\ntitle: Lost card\nlane: nowhere\nrank: m\nkind: task\n",
    );
    r.write(
        &card_path("tiea"),
        "id: tiea\ntitle: Tie A\nlane: analysis\nrank: t\nkind: task\n",
    );
    r.write(
        &card_path("tieb"),
        "id: tieb\ntitle: Tie B\nlane: analysis\nrank: t\nkind: task\n",
    );
    r.write(
        &card_path("dupa"),
        "id: dupb\ntitle: Copy of B\nlane: done\nrank: m\nkind: task\n",
    );
    r.write(
        &card_path("dupb"),
        "id: dupb\ntitle: B\nlane: done\nrank: t\nkind: task\n",
    );
    git_commit_board(&r, "hand-made cards");

    let out = r.lanes(&["validate"]);
    fails(&out, 1);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let problems: Vec<_> = stdout.lines().map(parse_problem).collect();
    let about = |name: &str| -> Vec<&(String, usize, usize, String)> {
        problems.iter().filter(|p| p.0 == card_path(name)).collect()
    };
    let lost = about("lost");
    assert!(
        lost.iter().any(|p| p.1 == 3 && p.3.contains("nowhere")),
        "unknown lane not reported on line 3: {stdout}"
    );
    // Once for the pair, at the rank line of the first of them.
    assert!(
        about("tiea")
            .iter()
            .any(|p| p.1 == 4 && p.3.contains("rank") && p.3.contains("tieb")),
        "equal rank not reported for tiea: {stdout}"
    );
    assert!(about("tieb").is_empty(), "{stdout}");
    assert!(
        about("dupa").iter().any(|p| p.3.contains("dupb")),
        "duplicate id not reported: {stdout}"
    );
    assert!(about(&good).is_empty(), "{stdout}");

    // Handled gracefully elsewhere: listed, movable, ties in id order.
    let ids = r.list_ids(&[]);
    for id in [good.as_str(), "lost", "tiea", "tieb", "dupb"] {
        assert!(ids.iter().any(|i| i == id), "{id} not listed: {ids:?}");
    }
    assert_eq!(r.list_ids(&["--lane", "analysis"]), ["tiea", "tieb"]);
    let h = r.head();
    ok(&r.lanes(&["move", "lost", "backlog"]));
    assert_card_commit(&r, &h, "move", "lost", "Lost card");
    ok(&r.lanes(&["move", "tieb", "analysis", "--top"]));
    assert_eq!(r.list_ids(&["--lane", "analysis"]), ["tieb", "tiea"]);
    let out = r.lanes(&["validate"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!stdout.contains("lost.yaml"), "{stdout}");
    assert!(!stdout.contains("tiea.yaml"), "{stdout}");
}

#[test]
fn ids_never_build_paths_outside_the_board() {
    let r = Repo::with_board("crisp-dm");
    let id = r.add("Card", &[]);
    // Files that look like cards, outside .lanes/cards.
    let card_like = "id: x\ntitle: Outside\nlane: modeling\nrank: m\nkind: task\n";
    r.write("x.yaml", card_like);
    r.write(".lanes/x.yaml", card_like);
    std::fs::write(r.base().join("x.yaml"), card_like).unwrap();
    r.git(&["add", "x.yaml", ".lanes/x.yaml"]);
    r.git(&["commit", "-q", "-m", "lookalikes"]);
    let snap = r.snapshot();
    for query in [
        "../../etc/passwd",
        "../x",
        "../../x",
        "../../../x",
        "/etc/passwd",
        "..",
        ".",
        "x/../../x",
        "",
    ] {
        for args in [
            vec!["move", query, "modeling"],
            vec!["note", query, "pwned"],
            vec!["edit", query, "--set", "title=pwned"],
            vec!["archive", query],
            vec!["show", query],
        ] {
            fails(&r.lanes(&args), 1);
        }
    }
    // Anchors and lanes are not paths either.
    fails(
        &r.lanes(&["move", &id, "modeling", "--before", "../../x"]),
        1,
    );
    fails(&r.lanes(&["move", &id, "../../x"]), 1);
    fails(&r.lanes(&["add", "T", "--lane", "../../x"]), 1);
    snap.assert_same(&r.snapshot(), "path-like ids");
}

#[test]
fn symlinked_card_files_are_refused() {
    let r = Repo::with_board(KANBAN);
    let good = r.add("Good", &[]);
    let outside = r.base().join("outside.yaml");
    let text = "id: link\ntitle: Outside\nlane: backlog\nrank: m\nkind: task\n";
    std::fs::write(&outside, text).unwrap();
    std::os::unix::fs::symlink(&outside, r.abs(&card_path("link"))).unwrap();
    let out = r.lanes(&["validate"]);
    fails(&out, 1);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(".lanes/cards/link.yaml:"),
        "{out:?}"
    );
    fails(&r.lanes(&["move", "link", "analysis"]), 1);
    fails(&r.lanes(&["note", "link", "x"]), 1);
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), text);
    assert_eq!(r.list_ids(&[]), vec![good]);
}

// ---------------------------------------------------------------------------
// 13. index.lock

#[test]
fn a_held_index_lock_fails_cleanly_then_works() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Card", &[]);
    let lock = r.path.join(".git/index.lock");
    std::fs::write(&lock, "").unwrap();
    let snap = r.snapshot();

    let t = Instant::now();
    let out = r.lanes(&["add", "Locked out"]);
    let took = t.elapsed();
    let err = fails(&out, 1);
    assert!(err.contains("index.lock"), "{err}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert!(out.stdout.is_empty());
    let err = fails(&r.lanes(&["move", &id, "analysis"]), 1);
    assert!(err.contains("index.lock"), "{err}");
    fails(&r.lanes(&["note", &id, "x"]), 1);
    snap.assert_same(&r.snapshot(), "commands under a held index.lock");
    assert_eq!(r.card_ids(), vec![id.clone()]);
    assert!(lock.exists(), "lanes removed someone else's lock");

    std::fs::remove_file(&lock).unwrap();
    let n = r.commit_count();
    let id2 = r.add("After the lock", &[]);
    assert_eq!(r.commit_count(), n + 1);
    assert_eq!(r.head_paths(), vec![card_path(&id2)]);

    // A lock released by a background thread while lanes waits: lanes
    // retries and succeeds.
    std::fs::write(&lock, "").unwrap();
    let child = r
        .lanes_cmd()
        .args(["add", "Waited for the lock"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let child = std::sync::Arc::new(std::sync::Mutex::new(child));
    let releaser = {
        let lock = lock.clone();
        let child = child.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            // Still waiting for the lock, not finished (or failed) already.
            let still_running = child.lock().unwrap().try_wait().unwrap().is_none();
            std::fs::remove_file(&lock).unwrap();
            still_running
        })
    };
    assert!(
        releaser.join().unwrap(),
        "lanes did not wait for the held index.lock"
    );
    let child = std::sync::Arc::try_unwrap(child)
        .expect("the thread is done")
        .into_inner()
        .unwrap();
    let id3 = ok(&child.wait_with_output().unwrap()).trim().to_string();
    assert_eq!(r.commit_count(), n + 2);
    assert_eq!(r.head_paths(), vec![card_path(&id3)]);
    assert!(r.status().is_empty(), "{:?}", r.status());
}

// ---------------------------------------------------------------------------
// 14. detached HEAD, merge in progress

#[test]
fn detached_head_is_refused() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Card", &[]);
    r.git(&["checkout", "-q", "--detach"]);
    let snap = r.snapshot();
    let err = fails(&r.lanes(&["add", "Detached"]), 1);
    assert!(err.contains("detached"), "{err}");
    fails(&r.lanes(&["move", &id, "analysis"]), 1);
    fails(&r.lanes(&["note", &id, "x"]), 1);
    snap.assert_same(&r.snapshot(), "commands on a detached HEAD");
    // Reading still works.
    assert_eq!(r.list_ids(&[]), vec![id]);
}

#[test]
fn a_merge_in_progress_is_refused() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Card", &[]);
    r.write("data.txt", "base\n");
    r.git(&["add", "data.txt"]);
    r.git(&["commit", "-q", "-m", "base"]);
    r.git(&["checkout", "-q", "-b", "other"]);
    r.write("data.txt", "theirs\n");
    r.git(&["commit", "-q", "-am", "theirs"]);
    r.git(&["checkout", "-q", "main"]);
    r.write("data.txt", "ours\n");
    r.git(&["commit", "-q", "-am", "ours"]);
    let merge = r.git_output(&["merge", "-q", "other"]);
    assert!(!merge.status.success(), "the merge should conflict");
    assert!(r.path.join(".git/MERGE_HEAD").exists());

    let snap = r.snapshot();
    let err = fails(&r.lanes(&["add", "Mid-merge"]), 1);
    assert!(err.contains("merge"), "{err}");
    fails(&r.lanes(&["move", &id, "analysis"]), 1);
    fails(&r.lanes(&["note", &id, "x"]), 1);
    snap.assert_same(&r.snapshot(), "commands during a merge");
    assert!(r.path.join(".git/MERGE_HEAD").exists());
    assert_eq!(r.card_ids(), vec![id]);
}

// ---------------------------------------------------------------------------
// 15. commit: manual

#[test]
fn manual_commit_mode_defers_to_lanes_commit() {
    let r = Repo::with_board(KANBAN);
    let c = r.add("Committed earlier", &[]);
    let board = r.read(".lanes/board.yaml");
    assert!(board.contains("  commit: auto\n"));
    r.write(
        ".lanes/board.yaml",
        board.replace("  commit: auto\n", "  commit: manual\n"),
    );
    r.git(&["commit", "-q", "-am", "manual commits"]);
    // User work that must stay out of the board commit.
    r.write("staged.txt", "x\n");
    r.git(&["add", "staged.txt"]);
    r.write("README.md", "readme\n");

    let n = r.commit_count();
    let a = r.add("Pending A", &[]);
    let b = r.add("Pending B", &["--lane", "analysis"]);
    ok(&r.lanes(&["note", &c, "pending note"]));
    ok(&r.lanes(&["move", &a, "hypothesis"]));
    assert_eq!(r.commit_count(), n, "manual mode must not commit");
    assert!(r.exists(&card_path(&a)) && r.exists(&card_path(&b)));
    assert!(r.read(&card_path(&c)).contains("pending note"));

    let h = r.head();
    let out = r.lanes(&["commit"]);
    ok(&out);
    assert_eq!(
        r.git_line(&["rev-list", "--count", &format!("{h}..HEAD")]),
        "1"
    );
    let mut want = vec![card_path(&a), card_path(&b), card_path(&c)];
    want.sort();
    assert_eq!(r.head_paths(), want);
    assert!(
        r.head_subject().starts_with("lanes: commit"),
        "{}",
        r.head_subject()
    );
    assert_eq!(r.head_trailer("Lanes-Action"), vec!["commit"]);
    let mut cards = r.head_trailer("Lanes-Card");
    cards.sort();
    let mut want_ids = vec![a.clone(), b.clone(), c.clone()];
    want_ids.sort();
    assert_eq!(cards, want_ids);
    assert_eq!(r.status(), vec!["?? README.md", "A  staged.txt"]);

    // Nothing pending: no commit.
    ok(&r.lanes(&["commit"]));
    assert_eq!(
        r.git_line(&["rev-list", "--count", &format!("{h}..HEAD")]),
        "1"
    );

    // A deleted card file is committed as a deletion.
    std::fs::remove_file(r.abs(&card_path(&b))).unwrap();
    ok(&r.lanes(&["commit", "-m", "drop B"]));
    assert_eq!(r.head_paths(), vec![card_path(&b)]);
    assert_eq!(r.head_subject(), "lanes: drop B");
    assert!(
        r.git_output(&["cat-file", "-e", &format!("HEAD:{}", card_path(&b))])
            .status
            .code()
            != Some(0)
    );
}

// ---------------------------------------------------------------------------
// 16. board discovery and usage errors

#[test]
fn board_is_found_from_subfolders_and_by_flag_or_env() {
    let r = Repo::with_board(KANBAN);
    let a = r.add("Card", &[]);
    std::fs::create_dir_all(r.abs("src/deep/er")).unwrap();
    assert_eq!(
        ok(&r.lanes_in("src/deep/er", &["list", "--json"])),
        ok(&r.lanes(&["list", "--json"]))
    );
    let out = r.lanes_in("src/deep/er", &["add", "From a subfolder"]);
    let b = ok(&out).trim().to_string();
    assert!(r.exists(&card_path(&b)));
    assert!(!r.exists(&format!("src/deep/er/{}", card_path(&b))));
    assert_eq!(r.head_paths(), vec![card_path(&b)]);

    // Outside the repository: no board.
    let elsewhere = r.home.clone();
    let err = fails(&r.lanes_in(&elsewhere, &["list"]), 1);
    assert!(err.contains("lanes init"), "{err}");
    let err = fails(&r.lanes_in(&elsewhere, &["add", "x"]), 1);
    assert!(err.contains("lanes init"), "{err}");

    // --board and LANES_BOARD.
    let repo = r.path.to_str().unwrap();
    let out = r
        .lanes_cmd()
        .current_dir(&elsewhere)
        .args(["--board", repo, "list", "--json"])
        .output()
        .unwrap();
    assert_eq!(ok(&out).matches("\"id\"").count(), 2);
    let out = r
        .lanes_cmd()
        .current_dir(&elsewhere)
        .args(["list", "--json", "--board", &format!("{repo}/.lanes")])
        .output()
        .unwrap();
    assert_eq!(ok(&out).matches("\"id\"").count(), 2);
    let out = r
        .lanes_cmd()
        .current_dir(&elsewhere)
        .env("LANES_BOARD", repo)
        .args(["move", &a, "analysis"])
        .output()
        .unwrap();
    ok(&out);
    assert_eq!(r.head_paths(), vec![card_path(&a)]);
    assert_eq!(r.show_json(&a)["lane"], "analysis");
    let out = r
        .lanes_cmd()
        .current_dir(&elsewhere)
        .args(["--board", elsewhere.to_str().unwrap(), "list"])
        .output()
        .unwrap();
    let err = fails(&out, 1);
    assert!(err.contains("lanes init"), "{err}");
}

#[test]
fn a_board_in_a_subfolder_of_the_repository() {
    let r = Repo::new();
    std::fs::create_dir_all(r.abs("project")).unwrap();
    ok(&r.lanes_in("project", &["init", "--template", KANBAN]));
    assert_eq!(
        r.head_paths(),
        vec![".gitattributes", "project/.lanes/board.yaml"]
    );
    assert!(
        r.read(".gitattributes")
            .contains("project/.lanes/cards/*.yaml merge=lanes\n"),
        "{}",
        r.read(".gitattributes")
    );
    let out = r.lanes_in("project", &["add", "Nested"]);
    let id = ok(&out).trim().to_string();
    assert_eq!(r.head_paths(), vec![format!("project/{}", card_path(&id))]);
    ok(&r.lanes_in("project", &["move", &id, "analysis"]));
    assert_eq!(r.head_paths(), vec![format!("project/{}", card_path(&id))]);
    // From the repository root there is no board.
    fails(&r.lanes(&["list"]), 1);
    assert!(r.status().is_empty(), "{:?}", r.status());
}

#[test]
fn usage_errors_exit_2() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Card", &[]);
    let snap = r.snapshot();
    let cases: &[&[&str]] = &[
        &["frobnicate"],
        &["add"],
        &["move", &id],
        &["move"],
        &["note", &id],
        &["verdict", &id],
        &["verdict", &id, "maybe"],
        &["list", "--bogus"],
        &["edit", &id, "--set", "title=x", "--file", "/dev/null"],
    ];
    for args in cases {
        let out = r.lanes(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(!out.stderr.is_empty(), "{args:?}: no usage message");
    }
    snap.assert_same(&r.snapshot(), "usage errors");
    // --help and --version succeed.
    ok(&r.lanes(&["--help"]));
    ok(&r.lanes(&["--version"]));
}

// ---------------------------------------------------------------------------
// 17. templates

#[test]
fn templates_lists_builtins_and_user_templates() {
    let r = Repo::new();
    let out = ok(&r.lanes(&["templates"]));
    for name in ["crisp-dm", "research-kanban", "mlops"] {
        assert!(
            out.lines().any(|l| l.starts_with(name)),
            "{name} missing:\n{out}"
        );
    }
    assert!(!out.contains("mine"));

    std::fs::create_dir_all(r.config.join("templates")).unwrap();
    std::fs::write(
        r.config.join("templates/mine.yaml"),
        "name: My flow\nlanes:\n  - id: todo\n    title: To do\n  - id: doing\n    title: Doing\n    wip: 2\n  - id: done\n    title: Done\nkinds:\n  - task\n  - spike\nsettings:\n  commit: auto\n",
    )
    .unwrap();
    let out = ok(&r.lanes(&["templates"]));
    assert!(out.lines().any(|l| l.starts_with("mine")), "{out}");
    for name in ["crisp-dm", "research-kanban", "mlops"] {
        assert!(
            out.lines().any(|l| l.starts_with(name)),
            "{name} missing:\n{out}"
        );
    }

    ok(&r.lanes(&["init", "--template", "mine"]));
    assert_eq!(r.lane_ids(), ["todo", "doing", "done"]);
    assert!(r.read(".lanes/board.yaml").starts_with("name: My flow\n"));
    let id = r.add("Spike it", &["--kind", "spike"]);
    let v = card_yaml(&r, &id);
    assert_eq!(ystr(&v, "lane"), Some("todo"));
    assert_eq!(ystr(&v, "kind"), Some("spike"));
}

// ---------------------------------------------------------------------------
// 18. escape sequences from teammates

#[test]
fn escape_sequences_in_cards_never_reach_the_terminal() {
    let r = Repo::with_board(KANBAN);
    let text = concat!(
        "id: evil\n",
        "title: \"\\e]0;pwned\\a\\e[2J\"\n",
        "lane: backlog\n",
        "rank: m\n",
        "kind: task\n",
        "labels:\n",
        "  - \"\\e[31mred\"\n",
        "assignees:\n",
        "  - \"\\e[5mkim\"\n",
        "hypothesis:\n",
        "  statement: \"\\e[8mhidden\\x9b2J\"\n",
        "  verdict: open\n",
        "journal:\n",
        "  - at: 2026-01-01T00:00:00Z\n",
        "    by: \"\\e[1mmallory\"\n",
        "    text: \"\\e[2Jnote\\u202eevil\"\n",
        "body: \"line one\\nline two \\e[2J\\a\"\n",
    );
    r.write(&card_path("evil"), text);
    git_commit_board(&r, "teammate's card");
    // The YAML escapes decode to real control characters.
    let v = card_yaml(&r, "evil");
    assert_eq!(ystr(&v, "title"), Some("\u{1b}]0;pwned\u{7}\u{1b}[2J"));

    let no_esc = |what: &str, bytes: &[u8]| {
        assert!(
            !bytes.contains(&0x1b) && !bytes.contains(&0x07),
            "{what} contains ESC/BEL: {:?}",
            String::from_utf8_lossy(bytes)
        );
    };
    // Text for people: no C0 escapes, and no C1 CSI either.
    let clean = |what: &str, bytes: &[u8]| {
        no_esc(what, bytes);
        assert!(
            !String::from_utf8_lossy(bytes).contains('\u{9b}'),
            "{what} contains a C1 CSI"
        );
    };
    for args in [
        vec!["list"],
        vec!["list", "--all"],
        vec!["show", "evil"],
        vec![],
    ] {
        let out = r.lanes(&args);
        let stdout = ok(&out);
        clean(&format!("{args:?} stdout"), &out.stdout);
        clean(&format!("{args:?} stderr"), &out.stderr);
        assert!(
            stdout.contains("^["),
            "{args:?}: no visible form:\n{stdout}"
        );
    }
    let out = ok(&r.lanes(&["show", "evil"]));
    assert!(out.contains("^[]0;pwned^G^[[2J"), "{out}");
    // JSON escapes control characters itself.
    let out = r.lanes(&["list", "--json"]);
    no_esc("list --json", &out.stdout);
    let arr: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(arr[0]["title"], "\u{1b}]0;pwned\u{7}\u{1b}[2J");
    no_esc("show --json", &r.lanes(&["show", "evil", "--json"]).stdout);

    // Commands that report the title, and the commit they make.
    let out = r.lanes(&["move", "evil", "analysis"]);
    ok(&out);
    clean("move stderr", &out.stderr);
    clean("commit message", r.head_message().as_bytes());
    let out = r.lanes(&["note", "evil", "\u{1b}[2Jfrom the command line"]);
    ok(&out);
    clean("note stderr", &out.stderr);
    clean("note commit message", r.head_message().as_bytes());

    // A malformed card's problem report is clean too.
    r.write(
        &card_path("evil2"),
        "id: evil2\ntitle: t\nlane: \"\\e[2Jnowhere\"\nrank: m\nkind: \"\\e]0;x\\a\"\n",
    );
    let out = r.lanes(&["validate"]);
    fails(&out, 1);
    clean("validate stdout", &out.stdout);
    clean("validate stderr", &out.stderr);
    let out = r.lanes(&["list"]);
    clean("list stdout", &out.stdout);
    clean("list stderr", &out.stderr);
}

// ---------------------------------------------------------------------------
// concurrency: several lanes processes at once (training jobs updating cards)

/// Run `lanes` with each argument list at the same time; their outputs.
fn run_parallel(r: &Repo, runs: &[Vec<String>]) -> Vec<std::process::Output> {
    let children: Vec<_> = runs
        .iter()
        .map(|args| {
            r.lanes_cmd()
                .args(args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn lanes")
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait for lanes"))
        .collect()
}

#[test]
fn concurrent_adds_keep_history_and_index_consistent() {
    let r = Repo::with_board(KANBAN);
    for round in 0..3 {
        let before = r.commit_count();
        let runs: Vec<Vec<String>> = (0..8)
            .map(|i| vec!["add".to_string(), format!("Parallel {round}.{i}")])
            .collect();
        let outs = run_parallel(&r, &runs);
        let mut added = Vec::new();
        for o in &outs {
            match o.status.code() {
                Some(0) => added.push(String::from_utf8_lossy(&o.stdout).trim().to_string()),
                Some(c) if FAILURE_CODES.contains(&c) => assert!(!o.stderr.is_empty()),
                other => panic!("exit {other:?}: {}", stderr(o)),
            }
        }
        assert_eq!(
            r.commit_count(),
            before + added.len(),
            "one commit per successful add"
        );
        let tree = r.git(&["ls-tree", "-r", "--name-only", "HEAD"]);
        for id in &added {
            assert!(
                tree.contains(&card_path(id)),
                "{id} reported added but not in HEAD"
            );
        }
        assert!(
            r.status().is_empty(),
            "round {round}: the index or work tree disagrees with HEAD: {:?}",
            r.status()
        );
    }
}

#[test]
fn concurrent_notes_on_one_card_lose_nothing() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Shared by training jobs", &[]);
    let mut succeeded: Vec<String> = Vec::new();
    for round in 0..3 {
        let runs: Vec<Vec<String>> = (0..6)
            .map(|i| {
                vec![
                    "note".into(),
                    id.clone(),
                    format!("job {round}.{i} finished"),
                ]
            })
            .collect();
        let outs = run_parallel(&r, &runs);
        for (o, args) in outs.iter().zip(&runs) {
            match o.status.code() {
                Some(0) => succeeded.push(args[2].clone()),
                Some(c) if FAILURE_CODES.contains(&c) => assert!(!o.stderr.is_empty()),
                other => panic!("exit {other:?}: {}", stderr(o)),
            }
        }
        // Every note reported as committed is in HEAD's card.
        let head = r.git(&["show", &format!("HEAD:{}", card_path(&id))]);
        let lost: Vec<&String> = succeeded
            .iter()
            .filter(|t| !head.contains(t.as_str()))
            .collect();
        assert!(
            lost.is_empty(),
            "round {round}: notes reported as committed but missing from HEAD: {lost:?}\n{head}"
        );
        assert!(
            r.status().is_empty(),
            "round {round}: the index or work tree disagrees with HEAD: {:?}",
            r.status()
        );
    }
    assert_eq!(
        r.show_json(&id)["journal"].as_array().map(Vec::len),
        Some(succeeded.len())
    );
}

// ---------------------------------------------------------------------------
// ranks, odd titles, worktrees

#[test]
fn a_long_lived_lane_still_accepts_cards() {
    let r = Repo::with_board(KANBAN);
    // The rank the last card of a lane gets after ~640 cards were appended
    // to it (ranks go i, r, v, x, y, z, zi, zr, ... one char per ~5).
    let rank = "z".repeat(128);
    r.write(
        &card_path("oldest"),
        format!("id: oldest\ntitle: Done long ago\nlane: done\nrank: {rank}\nkind: task\narchived: true\n"),
    );
    git_commit_board(&r, "a long-lived lane");
    ok(&r.lanes(&["validate"]));
    let id = r.add("One more", &["--lane", "done"]);
    assert_eq!(
        r.list_ids(&["--lane", "done", "--all"]),
        vec!["oldest".to_string(), id]
    );
    let other = r.add("Another", &[]);
    ok(&r.lanes(&["move", &other, "done"]));
}

#[test]
fn ranks_stay_short_under_repeated_inserts() {
    let r = Repo::with_board(KANBAN);
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(r.add(&format!("Card {i}"), &["--lane", "analysis"]));
    }
    // Repeatedly insert at the top and into one gap.
    for _ in 0..6 {
        ok(&r.lanes(&["move", &ids[11], "analysis", "--top"]));
        ok(&r.lanes(&["move", &ids[10], "analysis", "--after", &ids[0]]));
        ok(&r.lanes(&["move", &ids[11], "analysis", "--after", &ids[10]]));
    }
    let listed = r.list_json(&["--lane", "analysis"]);
    let ranks: Vec<&str> = listed.iter().map(|c| c["rank"].as_str().unwrap()).collect();
    let mut sorted = ranks.clone();
    sorted.sort();
    assert_eq!(ranks, sorted, "list order follows rank");
    assert!(ranks.iter().all(|k| k.len() <= 16), "ranks grew: {ranks:?}");
    ok(&r.lanes(&["validate"]));
}

#[test]
fn titles_that_look_like_yaml_round_trip_as_text() {
    let r = Repo::with_board(KANBAN);
    for title in [
        "null",
        "yes",
        "no",
        "~",
        "123",
        "0x1F",
        "1e3",
        ".inf",
        "2026-01-01",
        "a: b",
        "#hashtag",
        "- dash",
        "[list]",
        "{map}",
        "*star",
        "&anchor",
        "!tag",
        "|pipe",
        ">folded",
        "'single'",
        "\"double\"",
        "%percent",
        "@at",
        "`tick`",
        "trailing colon:",
        "ünïcödé 🚀 모델",
        "back\\slash",
    ] {
        let out = r.lanes(&["add", "--", title]);
        let id = ok(&out).trim().to_string();
        let v = r.show_json(&id);
        assert_eq!(v["title"], title, "{}", r.read(&card_path(&id)));
        assert_eq!(ystr(&card_yaml(&r, &id), "title"), Some(title));
        assert!(
            r.head_subject()
                .starts_with(&format!("lanes: add {} {title}", short(&id))),
            "{}",
            r.head_subject()
        );
    }
    ok(&r.lanes(&["validate"]));

    // A multi-line title keeps the commit subject on one line.
    let id = r.add("first line\nsecond line", &[]);
    assert_eq!(r.show_json(&id)["title"], "first line\nsecond line");
    let subject = r.head_subject();
    assert!(
        subject.starts_with(&format!("lanes: add {} first line", short(&id))),
        "{subject}"
    );
    assert_eq!(r.head_trailer("Lanes-Card"), vec![id.clone()]);
    // Multi-line notes and bodies too.
    ok(&r.lanes(&["note", &id, "line one\n  indented: two\n- three"]));
    assert_eq!(
        r.show_json(&id)["journal"][0]["text"],
        "line one\n  indented: two\n- three"
    );
    ok(&r.lanes(&["validate"]));
}

#[test]
fn works_in_a_linked_worktree() {
    let r = Repo::with_board(KANBAN);
    let main_head = r.head();
    let wt = r.base().join("wt");
    r.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feature",
        wt.to_str().unwrap(),
    ]);
    let out = r.lanes_in(&wt, &["add", "On a feature branch"]);
    let id = ok(&out).trim().to_string();
    assert!(wt.join(card_path(&id)).exists());
    assert!(!r.exists(&card_path(&id)));
    let git_wt = |args: &[&str]| {
        let out = r.git_cmd().current_dir(&wt).args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(
        git_wt(&["show", "--name-only", "--format=", "HEAD"]),
        format!("{}\n", card_path(&id))
    );
    assert_eq!(git_wt(&["status", "--porcelain"]), "");
    assert_eq!(r.head(), main_head, "the main worktree's branch moved");
    assert!(r.status().is_empty(), "{:?}", r.status());
    assert_eq!(
        r.git_line(&["log", "-1", "--format=%s", "feature"]),
        format!("lanes: add {} On a feature branch (backlog)", short(&id))
    );
}

// ---------------------------------------------------------------------------
// more bad input, clones and environment

#[test]
fn commands_never_write_a_card_they_cannot_read() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Good", &["--hypothesis", "H"]);
    let cases: &[&[&str]] = &[
        &["add", "List baseline", "--baseline", "[1, 2]"],
        &["add", "Map target", "--target", "{a: 1}"],
        &["verdict", &id, "refuted", "--result", "[1, 2]"],
        &["edit", &id, "--set", "hypothesis.result=[1, 2]"],
    ];
    for args in cases {
        let snap = r.snapshot();
        let out = r.lanes(args);
        match out.status.code() {
            Some(c) if FAILURE_CODES.contains(&c) => {
                snap.assert_same(&r.snapshot(), &format!("refused {args:?}"))
            }
            Some(0) => {
                let v = r.lanes(&["validate"]);
                assert!(
                    v.status.success(),
                    "{args:?} wrote a card lanes cannot read: {}",
                    String::from_utf8_lossy(&v.stdout)
                );
            }
            other => panic!("{args:?}: exit {other:?}"),
        }
    }
    ok(&r.lanes(&["move", &id, "analysis"]));
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let r = Repo::with_board(KANBAN);
    r.write(
        &card_path("bom"),
        "\u{feff}id: bom\ntitle: Saved by Notepad\nlane: backlog\nrank: m\nkind: task\n",
    );
    git_commit_board(&r, "bom");
    let out = r.lanes(&["validate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(r.list_ids(&[]), vec!["bom".to_string()]);
    ok(&r.lanes(&["move", "bom", "analysis"]));
}

#[test]
fn problem_positions_point_at_the_offending_line() {
    let r = Repo::with_board(KANBAN);
    r.write(
        &card_path("dupkey"),
        "id: dupkey\ntitle: a\nlane: backlog\ntitle: b\nrank: m\nkind: task\n",
    );
    r.write(
        &card_path("twodocs"),
        "id: twodocs\ntitle: a\nlane: backlog\nrank: m\nkind: task\n---\nid: x\n",
    );
    let out = r.lanes(&["validate"]);
    fails(&out, 1);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let problems: Vec<_> = stdout.lines().map(parse_problem).collect();
    let line_of = |name: &str| {
        problems
            .iter()
            .find(|p| p.0 == card_path(name))
            .map(|p| p.1)
    };
    assert_eq!(line_of("dupkey"), Some(4), "{stdout}");
    assert_eq!(line_of("twodocs"), Some(6), "{stdout}");
}

#[test]
fn other_malformed_cards_are_reported_with_positions() {
    let r = Repo::with_board(KANBAN);
    let good = r.add("Good", &[]);
    let files: &[(&str, &[u8], usize)] = &[
        ("badind", b"id: badind\ntitle: a\nlane: backlog\nrank: m\nkind: task\nhypothesis:\n  statement: x\n   metric: y\n", 8),
        ("badver", b"id: badver\ntitle: a\nlane: backlog\nrank: m\nkind: task\nhypothesis:\n  verdict: maybe\n", 7),
        ("tabs", b"id: tabs\ntitle: a\nlane: backlog\nrank: m\nkind: task\nlabels:\n\t- x\n", 7),
        ("latin", b"id: latin\ntitle: caf\xe9\nlane: backlog\nrank: m\nkind: task\n", 2),
        ("empty", b"", 1),
        ("notmap", b"- a\n- b\n", 1),
        ("noid", b"title: a\nlane: backlog\nrank: m\nkind: task\n", 1),
        ("badrank", b"id: badrank\ntitle: a\nlane: backlog\nrank: \"A B\"\nkind: task\n", 4),
    ];
    for (name, bytes, _) in files {
        r.write(&card_path(name), bytes);
    }
    r.write(
        ".lanes/cards/UPPER.yaml",
        "id: upper\ntitle: a\nlane: backlog\nrank: m\nkind: task\n",
    );
    r.write(".lanes/cards/notes.txt", "not a card\n");
    git_commit_board(&r, "more broken cards");
    let out = r.lanes(&["validate"]);
    fails(&out, 1);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let problems: Vec<_> = stdout.lines().map(parse_problem).collect();
    for (name, _, line) in files {
        let p = problems
            .iter()
            .find(|p| p.0 == card_path(name))
            .unwrap_or_else(|| panic!("{name} not reported:\n{stdout}"));
        assert_eq!(p.1, *line, "{name}: {stdout}");
    }
    assert!(stdout.contains(".lanes/cards/UPPER.yaml:1:1: "), "{stdout}");
    assert!(stdout.contains(".lanes/cards/notes.txt:1:1: "), "{stdout}");
    assert_eq!(r.list_ids(&[]), vec![good.clone()]);
    let snap = r.snapshot();
    for (name, _, _) in files {
        fails(&r.lanes(&["move", name, "analysis"]), 1);
    }
    snap.assert_same(&r.snapshot(), "moves of malformed cards");
    let h = r.head();
    ok(&r.lanes(&["move", &good, "analysis"]));
    assert_card_commit(&r, &h, "move", &good, "Good");
}

#[test]
fn a_broken_board_yaml_is_reported_and_blocks_changes() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Card", &[]);
    let board = r.read(".lanes/board.yaml");
    r.write(".lanes/board.yaml", format!("{board}lanes: [unclosed\n"));
    let snap = r.snapshot();
    let out = r.lanes(&["validate"]);
    fails(&out, 1);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let p = parse_problem(stdout.lines().next().expect("a problem line"));
    assert_eq!(p.0, ".lanes/board.yaml");
    for args in [
        vec!["list"],
        vec!["add", "x"],
        vec!["move", id.as_str(), "analysis"],
    ] {
        let err = fails(&r.lanes(&args), 1);
        assert!(err.contains(".lanes/board.yaml:"), "{args:?}: {err}");
    }
    snap.assert_same(&r.snapshot(), "commands with a broken board.yaml");
}

#[test]
fn a_fresh_clone_without_a_cards_folder_works() {
    // git does not keep empty folders: a clone of a new board has no
    // .lanes/cards/.
    let r = Repo::with_board(KANBAN);
    let clone = r.base().join("clone");
    r.git(&[
        "clone",
        "-q",
        r.path.to_str().unwrap(),
        clone.to_str().unwrap(),
    ]);
    assert!(!clone.join(".lanes/cards").exists());
    let c = |args: &[&str]| {
        r.lanes_cmd()
            .current_dir(&clone)
            .env("GIT_AUTHOR_NAME", "Cloner")
            .env("GIT_AUTHOR_EMAIL", "c@example.com")
            .env("GIT_COMMITTER_NAME", "Cloner")
            .env("GIT_COMMITTER_EMAIL", "c@example.com")
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(ok(&c(&["list", "--json"])).trim(), "[]");
    ok(&c(&["validate"]));
    let id = ok(&c(&["add", "First in the clone"])).trim().to_string();
    assert!(clone.join(card_path(&id)).is_file());
    let out = r
        .git_cmd()
        .current_dir(&clone)
        .args(["show", "--name-only", "--format=%an", "HEAD"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("Cloner\n\n{}\n", card_path(&id))
    );
}

#[test]
fn an_empty_lanes_board_variable_means_unset() {
    let r = Repo::with_board(KANBAN);
    let out = r.lanes_env(&["list", "--json"], &[("LANES_BOARD", "")]);
    assert_eq!(ok(&out).trim(), "[]");
}

#[test]
fn commits_on_a_large_board_store_valid_objects() {
    // Over 64 KiB of cards tree: lanes splices that tree and stores it
    // uncompressed; git must read it like any other object.
    let r = Repo::with_board(KANBAN);
    for n in 0..2000 {
        let id = format!("big{n:04}xq");
        r.write(
            &card_path(&id),
            format!("id: {id}\ntitle: Card {n}\nlane: backlog\nrank: m{n}a\n"),
        );
    }
    git_commit_board(&r, "2000 cards");
    let before = r.head();
    let id = "big0007xq";
    ok(&r.lanes(&["move", id, "hypothesis"]));
    ok(&r.lanes(&["note", id, "moved on a big board"]));
    ok(&r.lanes(&["move", "big1999xq", "done", "--top"]));
    assert_eq!(
        r.git_line(&["rev-list", "--count", &format!("{before}..HEAD")]),
        "3"
    );
    assert_eq!(r.head_paths(), vec![card_path("big1999xq")]);
    let fsck = r.git_output(&["fsck", "--strict", "--no-dangling"]);
    assert!(
        fsck.status.success(),
        "git fsck: {}",
        String::from_utf8_lossy(&fsck.stderr)
    );
    assert!(r.status().is_empty(), "{:?}", r.status());
    let validate = r.lanes(&["validate"]);
    assert_eq!(validate.status.code(), Some(0), "{}", stderr(&validate));
    // The tree git sees has every card, the moved one changed.
    let listing = r.git(&["ls-tree", "HEAD", ".lanes/cards/"]);
    assert_eq!(listing.lines().count(), 2000);
    let text = r.git(&["show", &format!("HEAD:{}", card_path(id))]);
    assert!(
        text.contains("lane: hypothesis") && text.contains("moved on a big board"),
        "{text}"
    );
}

/// A card file with CRLF line endings, committed that way, in a repository
/// with `core.autocrlf`: lanes' commit stores what `git add` would (git
/// keeps carriage returns a file already had in the index), and leaves
/// nothing to commit behind.
#[test]
fn crlf_card_under_autocrlf_commits_what_git_would() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Windows card", &[]);
    let rel = card_path(&id);
    let crlf = r.read(&rel).replace('\n', "\r\n");
    r.write(&rel, &crlf);
    r.git(&["-c", "core.autocrlf=false", "add", &rel]);
    r.git(&["-c", "core.autocrlf=false", "commit", "-q", "-m", "crlf"]);
    r.git(&["config", "core.autocrlf", "true"]);
    for (what, args) in [
        ("note", vec!["note", &id, "from a Windows machine"]),
        ("move", vec!["move", &id, "hypothesis"]),
    ] {
        ok(&r.lanes(&args));
        assert!(
            r.read(&rel).contains('\r'),
            "lanes kept the file's line endings"
        );
        assert_eq!(r.status(), Vec::<String>::new(), "after {what}");
        // The index held the file with carriage returns, so git keeps them.
        assert_eq!(
            r.git(&["rev-parse", &format!("HEAD:{rel}")]),
            r.git(&["hash-object", "--no-filters", &rel]),
            "after {what}"
        );
        // Make git hash the file again (a new mtime) and add it: git's blob
        // is the one lanes committed.
        let f = std::fs::File::options()
            .write(true)
            .open(r.abs(&rel))
            .unwrap();
        f.set_modified(std::time::SystemTime::now() + Duration::from_secs(5))
            .unwrap();
        r.git(&["add", &rel]);
        assert_eq!(
            r.git(&["diff", "--cached", "--name-only"]),
            "",
            "after {what}"
        );
    }
}

// ---------------------------------------------------------------------------
// validate: an import's shared ranks

/// An import that gives every card of a lane one rank: `lanes validate`
/// reports each group of cards sharing a rank once, at the rank line of
/// its first card (by id), naming at most ten of the others and counting
/// the rest, instead of listing every other card on every card's line
/// (output that grew with the square of the group: 91 s and 19 GiB at
/// 100,000 cards).
#[test]
fn validate_reports_a_shared_rank_once_per_group_with_a_bounded_id_list() {
    let r = Repo::with_board(KANBAN);
    let card = |id: &str, lane: &str, rank: &str| {
        r.write(
            &card_path(id),
            format!("id: {id}\ntitle: Imported {id}\nlane: {lane}\nrank: {rank}\nkind: task\n"),
        );
    };
    let big: Vec<String> = (0..300).map(|i| format!("imp{i:04}")).collect();
    for id in &big {
        card(id, "backlog", "m");
    }
    // The same rank in another lane is another group.
    let small = ["sml0", "sml1", "sml2", "sml3"];
    for id in small {
        card(id, "analysis", "m");
    }
    card("solo", "backlog", "t");
    git_commit_board(&r, "import");

    let out = r.lanes(&["validate"]);
    let err = fails(&out, 1);
    assert!(err.contains("2 problems found"), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let problems: Vec<_> = stdout.lines().map(parse_problem).collect();
    assert_eq!(problems.len(), 2, "one line per group:\n{stdout}");

    let (path, line, _, msg) = &problems[0];
    assert_eq!(path, &card_path("imp0000"), "{stdout}");
    assert_eq!(*line, 4, "at the rank line: {stdout}");
    for want in [
        "rank \"m\"",
        "299 other cards",
        "lane backlog",
        "and 289 more",
    ] {
        assert!(msg.contains(want), "{want:?} not in {msg}");
    }
    for id in &big[1..=10] {
        assert!(msg.contains(id.as_str()), "{id} not named in {msg}");
    }
    for id in &big[11..] {
        assert!(!msg.contains(id.as_str()), "{id} named in {msg}");
    }
    assert!(msg.contains("lanes move CARD backlog"), "{msg}");
    assert!(msg.len() < 400, "a bounded line: {msg}");

    let (path, line, _, msg) = &problems[1];
    assert_eq!(path, &card_path("sml0"), "{stdout}");
    assert_eq!(*line, 4, "{stdout}");
    for want in ["3 other cards", "lane analysis: sml1, sml2, sml3;"] {
        assert!(msg.contains(want), "{want:?} not in {msg}");
    }
    assert!(!msg.contains("more"), "{msg}");
    assert!(!stdout.contains("solo"), "{stdout}");
}

// ---------------------------------------------------------------------------
// lanes commit: files lanes cannot read (issue 21, item 9)

/// A board with `commit: manual`.
fn manual_board() -> Repo {
    let r = Repo::with_board(KANBAN);
    let board = r.read(".lanes/board.yaml");
    r.write(
        ".lanes/board.yaml",
        board.replace("  commit: auto\n", "  commit: manual\n"),
    );
    r.git(&["commit", "-q", "-am", "manual commits"]);
    r
}

#[test]
fn lanes_commit_refuses_card_files_it_cannot_read_and_commits_nothing() {
    let r = manual_board();
    let kept = r.add("Kept card", &[]);
    let gone = r.add("Card to remove", &[]);
    ok(&r.lanes(&["commit", "-m", "two cards"]));
    let head = r.head();

    // Pending: a new card, a card left with conflict markers by hand, a
    // new card file over 1 MiB, and a removed card.
    let new = r.add("Brand new card", &[]);
    let text = r.read(&card_path(&kept));
    let lane_line = text.lines().position(|l| l.starts_with("lane: ")).unwrap() + 1;
    r.write(
        &card_path(&kept),
        text.replace(
            "lane: backlog\n",
            "<<<<<<< ours\nlane: backlog\n=======\nlane: analysis\n>>>>>>> theirs\n",
        ),
    );
    let huge = "hugecard01";
    r.write(
        &card_path(huge),
        format!(
            "id: {huge}\ntitle: Huge\nlane: backlog\nrank: m\nbody: {}\n",
            "x".repeat(1_100_000)
        ),
    );
    std::fs::remove_file(r.abs(&card_path(&gone))).unwrap();
    let status = r.status();

    let out = r.lanes(&["commit"]);
    let err = fails(&out, 1);
    assert_eq!(r.head(), head, "nothing may be committed:\n{err}");
    assert_eq!(r.status(), status, "the files stay as they were");
    let problems: Vec<_> = err
        .lines()
        .filter(|l| l.starts_with(".lanes/"))
        .map(parse_problem)
        .collect();
    let paths: Vec<&str> = problems.iter().map(|p| p.0.as_str()).collect();
    let mut want = vec![card_path(&kept), card_path(huge)];
    want.sort();
    assert_eq!(paths, want, "each unreadable file, once:\n{err}");
    let marker = problems.iter().find(|p| p.0 == card_path(&kept)).unwrap();
    assert_eq!(marker.1, lane_line, "at the first marker:\n{err}");
    assert!(marker.3.contains("conflict"), "{err}");
    let big = problems.iter().find(|p| p.0 == card_path(huge)).unwrap();
    assert!(big.3.contains("byte limit"), "{err}");
    assert!(
        err.contains("nothing was committed"),
        "says what happened:\n{err}"
    );

    // Fixed and removed: the commit names each change for what it is.
    r.write(&card_path(&kept), &text);
    std::fs::remove_file(r.abs(&card_path(huge))).unwrap();
    ok(&r.lanes(&["commit"]));
    let msg = r.head_message();
    assert!(
        msg.contains(&format!("{} Brand new card (added)", short(&new))),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("{} Card to remove (deleted)", short(&gone))),
        "{msg}"
    );
    assert_eq!(msg.matches("(deleted)").count(), 1, "{msg}");
    let mut paths = r.head_paths();
    paths.sort();
    let mut want = vec![card_path(&new), card_path(&gone)];
    want.sort();
    assert_eq!(paths, want);
}

#[test]
fn lanes_commit_never_calls_a_new_card_deleted_when_another_cannot_be_read() {
    let r = manual_board();
    // An unreadable card elsewhere on the board (committed long ago) must
    // not make the new card's title unknown.
    r.write(
        &card_path("brokenold1"),
        "id: brokenold1\ntitle: [unclosed\n",
    );
    r.git(&["add", "-A"]);
    r.git(&["commit", "-q", "-m", "a broken card"]);
    let new = r.add("Fresh card", &[]);
    let edited = r.add("Edited later", &[]);
    ok(&r.lanes(&["commit", "-m", "first"]));
    let msg = r.head_message();
    assert!(!msg.contains("(deleted)"), "{msg}");
    for (id, title) in [(&new, "Fresh card"), (&edited, "Edited later")] {
        assert!(
            msg.contains(&format!("{} {title} (added)", short(id))),
            "{msg}"
        );
    }
    ok(&r.lanes(&["note", &edited, "pending note"]));
    ok(&r.lanes(&["commit"]));
    let msg = r.head_message();
    assert!(
        msg.contains(&format!("{} Edited later\n", short(&edited))),
        "a changed card is neither added nor deleted:\n{msg}"
    );
    assert!(
        !msg.contains("(deleted)") && !msg.contains("(added)"),
        "{msg}"
    );
    assert!(!msg.contains(&new), "{msg}");
}

/// Scripts branch on the kind of failure: each has its own exit code
/// (docs/FORMAT.md, "Exit codes").
#[test]
fn each_kind_of_failure_has_its_exit_code() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("Card", &[]);
    let code = |args: &[&str]| r.lanes(args).status.code();
    // Refused: a rule says no.
    assert_eq!(code(&["note", &id, "  "]), Some(1));
    // Not found: no such card, no such lane.
    assert_eq!(code(&["move", "zzzzzz", "done"]), Some(3));
    assert_eq!(code(&["move", &id, "no-such-lane"]), Some(3));
    // Busy: another process holds the index.
    let lock = r.path.join(".git/index.lock");
    std::fs::write(&lock, "").unwrap();
    assert_eq!(code(&["note", &id, "held"]), Some(5));
    std::fs::remove_file(&lock).unwrap();
    // A file lanes cannot read.
    let other = r.add("Other", &[]);
    r.write(&card_path(&other), "id: [unclosed\n");
    assert_eq!(code(&["note", &other, "x"]), Some(6));
    r.write(
        &card_path(&other),
        r.git(&["show", &format!("HEAD:{}", card_path(&other))]),
    );
    // A hook refuses the commit.
    let hook = r.path.join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(&hook, "#!/bin/sh\necho no >&2\nexit 1\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert_eq!(code(&["note", &id, "hooked"]), Some(7));
    std::fs::remove_file(&hook).unwrap();
    // And usage errors stay 2, success 0.
    assert_eq!(code(&["move"]), Some(2));
    assert_eq!(code(&["note", &id, "fine"]), Some(0));
}

// ---------------------------------------------------------------------------
// Issue 22: tables that never change meaning (`lanes hypotheses`)

const LONG_STATEMENT: &str = "Session-recency features lift precision over the popularity baseline on the frozen September split, for new and returning users alike, without slowing the page";
/// Longer than the 20 characters the metric column used to be cut at.
const LONG_METRIC: &str = "weekend_precision_at_10";

/// A board with a hypothesis whose statement and metric are long, a
/// numeric result and a cost with its unit; its id.
fn long_hypothesis(r: &Repo) -> String {
    ok(&r.lanes(&["init"]));
    let id = r.add(
        "Session recency",
        &[
            "--hypothesis",
            LONG_STATEMENT,
            "--metric",
            LONG_METRIC,
            "--baseline",
            "0.21",
            "--target",
            "0.25",
            "--assignee",
            "mei",
        ],
    );
    ok(&r.lanes(&[
        "edit",
        &id,
        "--set",
        "hypothesis.result=0.2318",
        "--set",
        "experiment.cost=3 GPU-hours",
    ]));
    id
}

#[test]
fn hypotheses_in_a_file_are_never_cut() {
    let r = Repo::new();
    long_hypothesis(&r);
    let text = ok(&r.lanes(&["hypotheses"]));
    assert!(text.contains(LONG_STATEMENT), "{text}");
    assert!(text.contains(LONG_METRIC), "{text}");
    assert!(text.contains("0.21 → 0.25 → 0.2318"), "{text}");
    assert!(text.contains("3 GPU-hours"), "{text}");
    assert!(!text.contains('…'), "{text}");
    // COLUMNS is for terminals: a file is whole whatever it says.
    let narrow = ok(&r.lanes_env(&["hypotheses"], &[("COLUMNS", "60")]));
    assert_eq!(narrow, text);
    // --wide changes nothing off a terminal.
    assert_eq!(ok(&r.lanes(&["hypotheses", "--wide"])), text);
}

/// `lanes ARGS` on an 80-column terminal: the screen once it has exited.
fn on_terminal(r: &Repo, args: &[&str], env: &[(&str, &str)]) -> String {
    let t = tmux::Tmux::start_command(r, args, true, env, 80, 30);
    t.wait_for("the command to finish", |s| s.contains(tmux::EXITED))
}

#[test]
fn hypotheses_on_a_terminal_fit_it_and_cut_only_the_statement() {
    if !tmux::tmux_or_skip() {
        return;
    }
    let r = Repo::new();
    long_hypothesis(&r);
    let screen = on_terminal(&r, &["hypotheses"], &[]);
    let row = screen
        .lines()
        .find(|l| l.contains("0.2318"))
        .unwrap_or_else(|| panic!("no row:\n{screen}"));
    // One screen line (nothing wrapped), the metric and the numbers whole,
    // the statement cut between words with an ellipsis.
    assert!(row.contains(LONG_METRIC), "{screen}");
    assert!(row.contains("0.21 → 0.25 → 0.2318"), "{screen}");
    assert!(row.trim_end().ends_with("open"), "{screen}");
    assert!(
        row.contains("Session-rec") && row.contains("… "),
        "{screen}"
    );
    assert!(!screen.contains("without slowing"), "{screen}");
    // COLUMNS on a terminal is honoured; --wide prints the whole text.
    for (args, env) in [
        (vec!["hypotheses"], vec![("COLUMNS", "400")]),
        (vec!["hypotheses", "--wide"], vec![]),
    ] {
        let screen = on_terminal(&r, &args, &env);
        // Wrapped by the terminal: compared without the spaces its line
        // ends swallow.
        let squeeze = |s: &str| s.split_whitespace().collect::<String>();
        assert!(
            squeeze(&screen).contains(&squeeze(LONG_STATEMENT)),
            "{args:?} {env:?}:\n{screen}"
        );
    }
}

#[test]
fn hypotheses_text_marks_a_stale_verdict_in_its_row() {
    let r = Repo::new();
    ok(&r.lanes(&["init"]));
    let id = r.add(
        "Session recency",
        &[
            "--hypothesis",
            "Recency raises precision",
            "--metric",
            "precision@10",
            "--baseline",
            "0.18",
            "--target",
            "0.2",
        ],
    );
    r.write("metrics.json", r#"{"precision@10": 0.22}"#);
    ok(&r.lanes(&["result", &id, "dvc:metrics.json"]));
    let text = ok(&r.lanes(&["hypotheses"]));
    assert!(!text.contains("stale"), "{text}");
    // The metrics file changed since the verdict was given.
    r.write("metrics.json", r#"{"precision@10": 0.19}"#);
    let text = ok(&r.lanes(&["hypotheses"]));
    let row = text
        .lines()
        .find(|l| l.starts_with(short(&id)))
        .unwrap_or_else(|| panic!("no row:\n{text}"));
    assert!(row.contains("supported ⚠stale"), "{text}");
}

// ---------------------------------------------------------------------------
// Saved views on the command line

/// `lanes ready --json ARGS`: the ids, in order.
fn ready_ids(r: &Repo, args: &[&str]) -> Vec<String> {
    let mut all = vec!["ready", "--json"];
    all.extend_from_slice(args);
    let v: J = serde_json::from_str(&ok(&r.lanes(&all))).expect("ready --json is JSON");
    v.as_array()
        .expect("an array")
        .iter()
        .map(|c| c["id"].as_str().expect("an id").to_string())
        .collect()
}

/// The board.yaml of `r` with `views` (YAML under `views:`) in place of
/// the template's.
fn set_views(r: &Repo, views: &str) {
    let text = r.read(".lanes/board.yaml");
    let head = text.split("\nviews:\n").next().expect("board.yaml");
    r.write(".lanes/board.yaml", format!("{head}\nviews:\n{views}"));
}

#[test]
fn list_view_shows_a_saved_views_cards_in_its_order() {
    let r = Repo::with_board(KANBAN);
    let b = r.add("Beta probe", &["--label", "recsys"]);
    let a = r.add("Alpha probe", &["--label", "recsys", "--assignee", "test"]);
    let other = r.add("Unrelated", &["--assignee", "test"]);
    let h = r.add(
        "Zeta rule",
        &[
            "--label",
            "recsys",
            "--hypothesis",
            "A rule helps",
            "--metric",
            "ctr",
        ],
    );
    // The template's views work as shipped: mine is the git identity's
    // (Test User <test@example.com>), open hypotheses are the hypothesis.
    assert_eq!(
        r.list_ids(&["--view", "mine"]),
        vec![a.clone(), other.clone()]
    );
    assert_eq!(r.list_ids(&["--view", "open-hypotheses"]), vec![h.clone()]);
    set_views(
        &r,
        "  recsys:\n    filter: label:recsys -kind:hypothesis\n    sort: title\n  shelf: {filter: is:archived}\n",
    );
    // Its filter and its sort (a to z), as JSON and as text.
    assert_eq!(
        r.list_ids(&["--view", "recsys"]),
        vec![a.clone(), b.clone()]
    );
    let text = ok(&r.lanes(&["list", "--view", "recsys"]));
    let alpha = text.find("Alpha probe").expect("alpha listed");
    assert!(
        alpha < text.find("Beta probe").expect("beta listed"),
        "{text}"
    );
    assert!(
        !text.contains("Zeta rule") && !text.contains("Unrelated"),
        "{text}"
    );
    // With the other options, all of them apply.
    assert_eq!(
        r.list_ids(&["--view", "recsys", "--assignee", "test"]),
        vec![a.clone()]
    );
    // A view of archived cards shows them without --all.
    ok(&r.lanes(&["archive", &b]));
    assert_eq!(r.list_ids(&["--view", "shelf"]), vec![b.clone()]);
    assert_eq!(r.list_ids(&["--view", "recsys"]), vec![a.clone()]);
    // The user's own views, in the config file, replace the board's of
    // the same name.
    std::fs::create_dir_all(&r.config).expect("config folder");
    std::fs::write(
        r.config.join("config.yaml"),
        "views:\n  recsys: {filter: \"kind:hypothesis\"}\n",
    )
    .expect("config");
    assert_eq!(r.list_ids(&["--view", "recsys"]), vec![h]);
    let err = fails(&r.lanes(&["ready", "--view", "recsy"]), 3);
    assert!(err.contains("did you mean recsys?"), "{err}");
    // ready --view: what can be picked up among the view's cards, in its
    // order (the archived one never).
    assert_eq!(ready_ids(&r, &["--view", "shelf"]), Vec::<String>::new());
    std::fs::remove_file(r.config.join("config.yaml")).expect("no config");
    let c = r.add("Aardvark probe", &["--label", "recsys"]);
    assert_eq!(
        ready_ids(&r, &["--view", "recsys"]),
        vec![c.clone(), a.clone()]
    );
    let text = ok(&r.lanes(&["ready", "--view", "recsys"]));
    assert!(
        text.find("Aardvark").expect("c") < text.find("Alpha").expect("a"),
        "{text}"
    );
    std::fs::write(
        r.config.join("config.yaml"),
        "views:\n  recsys: {filter: \"kind:hypothesis\"}\n",
    )
    .expect("config");
    // A name that is no view: not found (3), naming the views.
    let err = fails(&r.lanes(&["list", "--view", "nope"]), 3);
    assert!(
        err.contains("no view named \"nope\"; views are: recsys (yours), shelf"),
        "{err}"
    );
}

#[test]
fn a_view_lanes_cannot_read_is_an_error_at_its_place_and_the_rest_works() {
    let r = Repo::with_board(KANBAN);
    let a = r.add("Alpha", &["--label", "recsys"]);
    set_views(
        &r,
        "  good: {filter: label:recsys}\n  typo:\n    filter: label:recsys asignee:me\n  lanes:\n    lanes: [backlog, nowhere]\n",
    );
    let text = r.read(".lanes/board.yaml");
    let line = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .expect("in board.yaml")
            + 1
    };
    let err = fails(&r.lanes(&["list", "--view", "typo"]), 1);
    assert!(
        err.contains(&format!(
            "view \"typo\" cannot be used: .lanes/board.yaml:{}:26: views.typo.filter: unknown filter key \"asignee\" in \"asignee:me\"",
            line("asignee:me")
        )),
        "{err}"
    );
    // validate lists both, placed on the words themselves.
    let out = r.lanes(&["validate"]);
    let problems = fails(&out, 1);
    let all = format!("{problems}{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        all.contains(&format!(
            ".lanes/board.yaml:{}:22: views.lanes.lanes.1: unknown lane \"nowhere\"",
            line("nowhere")
        )),
        "{all}"
    );
    // The other view, the board and every other command work.
    assert_eq!(r.list_ids(&["--view", "good"]), vec![a.clone()]);
    assert_eq!(r.list_ids(&[]), vec![a.clone()]);
    ok(&r.lanes(&["move", &a, "analysis"]));
    // And views: stays as written: nothing rewrote it.
    assert_eq!(r.read(".lanes/board.yaml"), text);
}

/// The command line says what the board would (issue 27): a lane over its
/// WIP limit after `add` or `move` (the change is made), `move` without a
/// lane reorders in place, "did you mean" for lanes, card ids and labels,
/// and counts with their right plural.
#[test]
fn the_cli_warns_suggests_and_reorders_in_place() {
    let r = Repo::new();
    ok(&r.lanes(&["init"]));
    // evaluation allows 2 cards.
    let a = r.add("First eval", &["--lane", "evaluation"]);
    let out = r.lanes(&["add", "Second eval", "--lane", "evaluation"]);
    assert!(!stderr(&out).contains("WIP"), "{}", stderr(&out));
    let b = ok(&out).trim().to_string();
    let out = r.lanes(&["add", "Third eval", "--lane", "evaluation"]);
    let c = ok(&out).trim().to_string();
    assert!(
        stderr(&out).contains("warning: Evaluation is now over its WIP limit of 2"),
        "{}",
        stderr(&out)
    );
    assert!(r.exists(&card_path(&c)), "the card is added all the same");
    // An archived card does not count: archive one, and a move in is fine.
    ok(&r.lanes(&["archive", &c]));
    ok(&r.lanes(&["archive", &b]));
    let d = r.add("Modeling work", &["--lane", "modeling"]);
    let out = r.lanes(&["move", &d, "evaluation"]);
    ok(&out);
    assert!(!stderr(&out).contains("WIP"), "{}", stderr(&out));
    let out = r.lanes(&["move", &b, "modeling"]);
    ok(&out);

    // Reorder within its own lane: no lane needed.
    let before = r.commit_count();
    let out = r.lanes(&["move", &d, "--top"]);
    ok(&out);
    assert_eq!(r.commit_count(), before + 1);
    assert_eq!(r.card(&d)["lane"].as_str(), Some("evaluation"));
    let order: Vec<String> = r
        .json(&["list", "--lane", "evaluation", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(order, [d.clone(), a.clone()]);
    // Neither a lane nor a place: a usage error, as before.
    let err = fails(&r.lanes(&["move", &d]), 2);
    assert!(err.contains("<LANE>"), "{err}");

    // Did you mean.
    let err = fails(&r.lanes(&["move", &d, "modelling"]), 1);
    assert!(err.contains("did you mean modeling?"), "{err}");
    let typo = format!("{}{}", &a[..3], if &a[3..4] == "x" { "y" } else { "x" });
    let err = fails(&r.lanes(&["show", &typo]), 1);
    if !r
        .card_ids()
        .iter()
        .any(|i| i != &a && i.starts_with(&a[..3]))
    {
        assert!(
            err.contains(&format!("did you mean {} (First eval)?", short(&a))),
            "{err}"
        );
    }
    let out = r.lanes(&["list", "--label", "quick-wim"]);
    ok(&out);
    assert!(
        stderr(&out).contains("did you mean quick-win?"),
        "{}",
        stderr(&out)
    );

    // Plurals.
    let v = r.lanes(&["validate"]);
    assert!(
        stderr(&v).contains("board ok: 4 cards in 6 lanes"),
        "{}",
        stderr(&v)
    );
}
