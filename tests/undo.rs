//! `lanes undo [N]` and `lanes redo [N]`: many levels, read from the
//! branch's own lanes commits, each step a new commit through the same
//! transaction as every action. Real repositories, the real binary (each
//! command a fresh process: the stack survives restarts by construction).
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

mod common;

use common::remote::World;
use common::{card_path, fails, ok, short, Repo};

/// A crisp-dm board with one card; its id.
fn board_with_card() -> (Repo, String) {
    let r = Repo::with_board("crisp-dm");
    let id = r.add("Tune lr", &[]);
    (r, id)
}

fn lane(r: &Repo, id: &str) -> String {
    r.card(id)["lane"].as_str().unwrap_or("").to_string()
}

fn title(r: &Repo, id: &str) -> String {
    r.card(id)["title"].as_str().unwrap_or("").to_string()
}

fn notes(r: &Repo, id: &str) -> Vec<String> {
    r.card_model(id)
        .journal
        .iter()
        .map(|e| e.text.clone())
        .collect()
}

/// HEAD's `Lanes-Undoes`/`Lanes-Redoes` trailer, checked to name `change`.
fn assert_head_reverts(r: &Repo, key: &str, action: &str, change: &str) {
    assert_eq!(r.head_trailer("Lanes-Action"), [action], "{}", r.log());
    assert_eq!(r.head_trailer(key), [change], "{}", r.head_message());
}

#[test]
fn undo_of_move_set_note_archive_and_add() {
    let (r, id) = board_with_card();
    let path = card_path(&id);
    let added = r.head();
    let first_lane = lane(&r, &id);
    let original = r.card_text(&id);

    r.ok(&["move", &id, "modeling"]);
    let moved = r.head();
    let out = r.lanes(&["undo"]);
    let said = common::stderr(&out);
    ok(&out);
    assert_eq!(lane(&r, &id), first_lane);
    assert_eq!(
        r.card_text(&id),
        original,
        "the file is as it was, byte for byte"
    );
    assert_head_reverts(&r, "Lanes-Undoes", "undo", &moved);
    assert_eq!(r.head_trailer("Lanes-Card"), [id.as_str()]);
    assert_eq!(
        r.head_paths(),
        [path.as_str()],
        "only the card is committed"
    );
    let subject = r.head_subject();
    assert!(
        subject.starts_with(&format!("lanes: undo move {} Tune lr", short(&id))),
        "{subject}"
    );
    assert!(said.contains(&subject), "the user is told: {said}");

    r.ok(&["edit", &id, "--set", "title=Tune the learning rate"]);
    let set = r.head();
    r.ok(&["undo"]);
    assert_eq!(title(&r, &id), "Tune lr");
    assert_head_reverts(&r, "Lanes-Undoes", "undo", &set);

    r.ok(&["note", &id, "lr 3e-4 diverges"]);
    assert_eq!(notes(&r, &id), ["lr 3e-4 diverges"]);
    r.ok(&["undo"]);
    assert!(notes(&r, &id).is_empty(), "the note is taken back");

    r.ok(&["archive", &id]);
    assert_eq!(r.card(&id)["archived"].as_bool(), Some(true));
    r.ok(&["undo"]);
    assert!(r.card(&id)["archived"].as_bool() != Some(true));
    assert!(r.list_ids(&[]).contains(&id), "back on the board");

    // Everything since the add is undone: the next undo removes the card,
    // as `git revert` of the add would.
    r.ok(&["undo"]);
    assert!(!r.exists(&path), "undo of add removes the card file");
    assert_head_reverts(&r, "Lanes-Undoes", "undo", &added);
    assert!(r.status().is_empty(), "{:?}", r.status());
    r.assert_healthy();

    // Nothing of ours is left before the board's creation.
    let head = r.head();
    let msg = r.fails(&["undo"]);
    assert!(msg.contains("nothing to undo"), "{msg}");
    assert_eq!(r.head(), head);
}

#[test]
fn undo_three_then_redo_two_and_a_second_undo_goes_further_back() {
    let (r, id) = board_with_card();
    r.ok(&["move", &id, "data-understanding"]);
    let one = r.head();
    r.ok(&["edit", &id, "--set", "title=Second"]);
    let two = r.head();
    r.ok(&["note", &id, "third"]);
    let three = r.head();

    // A second undo goes further back; it does not redo.
    r.ok(&["undo"]);
    assert_head_reverts(&r, "Lanes-Undoes", "undo", &three);
    r.ok(&["undo"]);
    assert_head_reverts(&r, "Lanes-Undoes", "undo", &two);
    assert_eq!(title(&r, &id), "Tune lr");
    r.ok(&["undo"]);
    assert_head_reverts(&r, "Lanes-Undoes", "undo", &one);
    assert_eq!(lane(&r, &id), "business-understanding");
    let subjects = r.subjects();
    assert!(subjects[0].starts_with("lanes: undo move"), "{subjects:?}");
    assert!(subjects[1].starts_with("lanes: undo edit"), "{subjects:?}");
    assert!(subjects[2].starts_with("lanes: undo note"), "{subjects:?}");

    // Redo makes the most recently undone changes again, one commit each.
    let before = r.commit_count();
    let plan = r.json(&["redo", "2", "--json"]);
    assert_eq!(r.commit_count(), before + 2);
    assert_eq!(plan["action"], "redo");
    let steps = plan["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["change"]["commit"], one.as_str());
    assert_eq!(steps[1]["change"]["commit"], two.as_str());
    assert_eq!(steps[1]["commit"], r.head().as_str());
    assert_eq!(steps[1]["change"]["action"], "edit");
    assert!(
        steps[0]["at"].as_str().unwrap_or("").ends_with('Z'),
        "{plan}"
    );
    assert_head_reverts(&r, "Lanes-Redoes", "redo", &two);
    assert_eq!(lane(&r, &id), "data-understanding");
    assert_eq!(title(&r, &id), "Second");
    assert!(
        notes(&r, &id).is_empty(),
        "the third change is still undone"
    );

    // One redo is left; the undo stack now starts with the redone edit.
    r.ok(&["redo"]);
    assert_eq!(notes(&r, &id), ["third"]);
    let msg = r.fails(&["redo"]);
    assert!(msg.contains("nothing to redo"), "{msg}");
    r.ok(&["undo", "2"]);
    assert!(notes(&r, &id).is_empty());
    assert_eq!(title(&r, &id), "Tune lr");
    assert_eq!(lane(&r, &id), "data-understanding");
    r.assert_healthy();
}

#[test]
fn a_new_change_clears_redo_and_undo_n_beyond_the_stack_changes_nothing() {
    let (r, id) = board_with_card();
    r.ok(&["move", &id, "modeling"]);
    r.ok(&["undo"]);
    r.ok(&["edit", &id, "--set", "due=2026-12-01"]);
    let snap = r.snapshot();
    let msg = r.fails(&["redo"]);
    assert!(msg.contains("nothing to redo"), "{msg}");
    snap.assert_same(&r.snapshot(), "a refused redo");

    // Two of ours are undoable (the edit and the add; the move is undone).
    let msg = r.fails(&["undo", "3"]);
    assert!(msg.contains("only 2 changes can be undone"), "{msg}");
    snap.assert_same(&r.snapshot(), "a refused undo 3");
    let usage = fails(&r.lanes(&["undo", "0"]), 2);
    assert!(usage.contains("invalid value '0'"), "{usage}");
}

#[test]
fn the_stack_survives_a_restart_and_lost_caches() {
    let (r, id) = board_with_card();
    r.ok(&["move", &id, "modeling"]);
    r.ok(&["undo"]);
    // Another process, with lanes' caches gone: the stack is in history.
    std::fs::remove_dir_all(r.abs(".git/lanes")).ok();
    let plan = r.json(&["redo", "--json"]);
    assert_eq!(plan["steps"][0]["change"]["action"], "move");
    assert_eq!(lane(&r, &id), "modeling");
}

#[test]
fn staged_work_and_other_files_stay_as_they_were() {
    let (r, id) = board_with_card();
    r.commit_file("README.md", "hello\n", "readme");
    r.ok(&["move", &id, "modeling"]);
    r.write("notes.txt", "staged\n");
    r.git(&["add", "notes.txt"]);
    r.write("README.md", "edited, not staged\n");
    r.write("scratch.txt", "untracked\n");
    let status = r.status();
    r.ok(&["undo"]);
    assert_eq!(r.status(), status, "the user's work is untouched");
    assert_eq!(r.head_paths(), [card_path(&id)]);
    assert_eq!(r.read("README.md"), "edited, not staged\n");
    assert_eq!(
        r.git_line(&["diff", "--cached", "--name-only"]),
        "notes.txt"
    );
}

#[test]
fn undo_with_index_lock_held_fails_clearly_and_changes_nothing() {
    let (r, id) = board_with_card();
    r.ok(&["move", &id, "modeling"]);
    r.write(".git/index.lock", "");
    let snap = r.snapshot();
    let msg = r.fails(&["undo"]);
    assert!(msg.contains("index.lock"), "{msg}");
    snap.assert_same(&r.snapshot(), "undo with index.lock held");
    std::fs::remove_file(r.abs(".git/index.lock")).unwrap();
    r.ok(&["undo"]);
    assert_eq!(lane(&r, &id), "business-understanding");
}

fn write_hook(r: &Repo, rel: &str, script: &str) {
    r.write(rel, script);
    std::fs::set_permissions(
        r.abs(rel),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
}

#[test]
fn undo_obeys_commit_hooks_like_every_lanes_commit() {
    let (r, id) = board_with_card();
    r.ok(&["move", &id, "modeling"]);
    write_hook(
        &r,
        ".git/hooks/commit-msg",
        "#!/bin/sh\nif grep -q '^Lanes-Action: undo' \"$1\" && [ -e \"$(dirname \"$0\")/refuse\" ]; then echo 'no undo today' >&2; exit 1; fi\nprintf '\\nReviewed-by: the hook\\n' >> \"$1\"\n",
    );
    r.write(".git/hooks/refuse", "");
    let snap = r.snapshot();
    let msg = r.fails(&["undo"]);
    assert!(msg.contains("no undo today"), "{msg}");
    snap.assert_same(&r.snapshot(), "undo refused by a hook");
    std::fs::remove_file(r.abs(".git/hooks/refuse")).unwrap();
    r.ok(&["undo"]);
    assert!(r.head_message().contains("Reviewed-by: the hook"));
    assert_eq!(lane(&r, &id), "business-understanding");
}

#[test]
fn a_teammates_change_is_kept_and_a_conflicting_undo_is_refused() {
    let (_world, clones) = World::with_board(&["ann", "bob"]);
    let (ann, bob) = (&clones[0], &clones[1]);
    let id = ann.add("Shared card", &[]);
    ann.ok(&["move", &id, "modeling"]);
    ann.sync();
    bob.sync();
    bob.ok(&["edit", &id, "--set", "title=Bob's title"]);
    bob.sync();
    ann.sync();
    // Bob's edit is on Ann's branch now; her undo takes back her move and
    // keeps his title.
    ann.ok(&["undo"]);
    assert_eq!(lane(ann, &id), "business-understanding");
    assert_eq!(title(ann, &id), "Bob's title");
    ann.ok(&["redo"]);
    assert_eq!(lane(ann, &id), "modeling");
    ann.sync();

    // Bob moves the card on; Ann's undo of her move would clobber it.
    bob.sync();
    bob.ok(&["move", &id, "evaluation"]);
    let bobs = bob.head();
    bob.sync();
    ann.sync();
    let head = ann.head();
    let status = ann.git(&["status", "--porcelain"]);
    let snap = ann.snapshot();
    let msg = ann.fails(&["undo"]);
    assert!(
        msg.contains(short(&id)) && msg.contains("lane") && msg.contains(&bobs[..8]),
        "names the card, the field and the commit: {msg}"
    );
    assert!(msg.contains("nothing was changed"), "{msg}");
    assert_eq!(ann.head(), head);
    assert_eq!(ann.git(&["status", "--porcelain"]), status);
    snap.assert_same(&ann.snapshot(), "a refused undo");
    assert_eq!(lane(ann, &id), "evaluation");
}

#[test]
fn undo_does_not_go_past_a_sync_merge() {
    let (_world, clones) = World::with_board(&["ann", "bob"]);
    let (ann, bob) = (&clones[0], &clones[1]);
    let a = ann.add("Ann's card", &[]);
    let b = bob.add("Bob's card", &[]);
    bob.sync();
    ann.sync();
    assert_eq!(
        ann.head_trailer("Lanes-Action"),
        ["sync"],
        "the sync made a merge: {}",
        ann.log()
    );
    let snap = ann.snapshot();
    let msg = ann.fails(&["undo"]);
    assert!(
        msg.contains("cannot undo past the merge") && msg.contains("nothing was changed"),
        "{msg}"
    );
    snap.assert_same(&ann.snapshot(), "undo refused at a merge");
    // A change made after the merge is undone as usual.
    ann.ok(&["move", &a, "modeling"]);
    ann.ok(&["undo"]);
    assert_eq!(lane(ann, &a), "business-understanding");
    assert!(ann.exists(&card_path(&b)));
}

#[test]
fn undo_does_not_skip_changes_a_teammates_merge_brought_in() {
    let (_world, clones) = World::with_board(&["ann", "bob"]);
    let (ann, bob) = (&clones[0], &clones[1]);
    let x = ann.add("Ann's card", &[]);
    ann.sync();
    bob.sync();
    ann.ok(&["move", &x, "modeling"]);
    ann.sync();
    bob.add("Bob's card", &[]);
    // Bob's sync merges Ann's move in as its second parent; Ann's next
    // sync fast-forwards to that merge, so her move is off her
    // first-parent chain. Undo must not skip it to undo her add.
    bob.sync();
    ann.sync();
    let snap = ann.snapshot();
    let msg = ann.fails(&["undo"]);
    assert!(msg.contains("cannot undo past the merge"), "{msg}");
    snap.assert_same(&ann.snapshot(), "undo refused at a teammate's merge");
    assert!(ann.exists(&card_path(&x)));
}

#[test]
fn the_library_plans_undoes_and_redoes_for_the_board_screen() {
    use lanes::ops::{undo, Context};
    let (r, id) = board_with_card();
    r.ok(&["move", &id, "modeling"]);
    let moved = r.head();
    let ctx = Context {
        at: None,
        who: Some(lanes::git::Who {
            name: common::USER_NAME.to_string(),
            email: common::USER_EMAIL.to_string(),
        }),
        ..Context::default()
    };
    let someone_else = Context::as_of(1_800_000_000, "Other", "other@example.com");
    let plan = undo::undo_plan(&r.path, &ctx, 5).expect("plan");
    assert_eq!(plan.len(), 2, "the move and the add: {plan:?}");
    assert_eq!(plan[0].change.to_string(), moved);
    assert_eq!(plan[0].action, "move");
    assert!(plan[0].describe().starts_with("undo move"), "{plan:?}");
    assert!(undo::undo_plan(&r.path, &someone_else, 5)
        .expect("plan")
        .is_empty());
    assert!(!undo::can_redo(&r.path, &ctx).expect("can_redo"));

    let out = undo::undo(&r.path, &ctx, 1).expect("undo");
    assert_eq!(out.done.len(), 1);
    assert_eq!(out.done[0].commit.map(|c| c.to_string()), Some(r.head()));
    assert_eq!(out.done[0].changed, [card_path(&id)]);
    assert!(out.summary().starts_with("undo move"), "{}", out.summary());
    assert!(undo::can_redo(&r.path, &ctx).expect("can_redo"));
    assert_eq!(undo::redo_plan(&r.path, &ctx, 3).expect("plan").len(), 1);

    let out = undo::redo(&r.path, &ctx, 1).expect("redo");
    assert_eq!(out.kind, undo::Kind::Redo);
    assert_eq!(lane(&r, &id), "modeling");
    assert!(!undo::can_redo(&r.path, &ctx).expect("can_redo"));
}

/// A `git://` URL on the loopback interface where nothing listens.
fn refusing_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    format!("git://127.0.0.1:{port}/remote.git")
}

/// Card versions (blobs) a clone lacks, by git's own count.
fn missing_objects(r: &Repo) -> usize {
    r.git(&["rev-list", "--objects", "--missing=print", "HEAD"])
        .lines()
        .filter(|l| l.starts_with('?'))
        .count()
}

#[test]
fn undo_in_a_partial_clone_fetches_the_versions_it_needs_or_says_plainly_why_not() {
    let (world, clones) = World::with_board(&["alice"]);
    let alice = &clones[0];
    let id = alice.add("Tune lr", &[]);
    alice.ok(&["move", &id, "modeling"]);
    alice.ok(&["move", &id, "evaluation"]);
    alice.push();
    world.git_at(&world.remote, &["config", "uploadpack.allowFilter", "true"]);
    // Alice's second clone, made with `--filter=blob:none`: the card's
    // older versions are fetched on demand.
    let url = format!("file://{}", world.remote.display());
    let p = world.clone_with(&url, "alice-partial", &["--filter=blob:none", "--no-local"]);
    p.git(&["config", "user.name", &alice.name]);
    p.git(&["config", "user.email", "alice@example.com"]);
    assert!(missing_objects(&p) > 0, "the clone lacks older versions");

    // The remote does not answer: a plain refusal, nothing changed.
    p.git(&["remote", "set-url", "origin", &refusing_url()]);
    let head = p.head();
    let err = fails(&p.lanes(&["undo"]), 1);
    for want in ["partial clone", "origin", "nothing was changed"] {
        assert!(err.contains(want), "{want:?} not in: {err}");
    }
    assert!(!err.contains("object not found"), "{err}");
    assert_eq!(p.head(), head);
    assert!(p.status().is_empty(), "{:?}", p.status());

    // It answers again: undo fetches what it needs, as git would.
    p.git(&["remote", "set-url", "origin", &url]);
    ok(&p.lanes(&["undo"]));
    assert_eq!(lane(&p, &id), "modeling");
    assert_eq!(p.head_trailer("Lanes-Action"), ["undo"]);
}
