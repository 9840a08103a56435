//! Never lose work: every lanes write is a git transaction (index.lock held
//! from read to rename, the branch moved by compare-and-swap, a journal for
//! crashes). Tested against the real `git` binary running at the same time,
//! real crashes (`LANES_CRASH_AT` aborts the process at a named point, as
//! `kill -9` would), and a real full disk.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::remote::World;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Everything a healthy repository shows: nothing left half-done.
fn assert_clean(r: &Repo, dir: &Path, what: &str) {
    let git = |args: &[&str]| {
        r.git_cmd()
            .current_dir(dir)
            .args(args)
            .output()
            .expect("run git")
    };
    let fsck = git(&["fsck", "--strict", "--no-progress"]);
    assert!(fsck.status.success(), "{what}: git fsck: {}", text(&fsck));
    let status = git(&["status", "--porcelain", "--untracked-files=all"]);
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "",
        "{what}: git status is not clean"
    );
    let gitdir = dir.join(".git");
    // Nothing half-written among the objects or in lanes' own folder.
    for sub in std::fs::read_dir(gitdir.join("objects")).unwrap().flatten() {
        if let Ok(files) = std::fs::read_dir(sub.path()) {
            for f in files.flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                assert!(
                    !name.starts_with("tmp_"),
                    "{what}: {name} left among the objects"
                );
            }
        }
    }
    if let Ok(files) = std::fs::read_dir(gitdir.join("lanes/objects-tmp")) {
        let left: Vec<_> = files.flatten().map(|f| f.file_name()).collect();
        assert!(
            left.is_empty(),
            "{what}: {left:?} left in .git/lanes/objects-tmp"
        );
    }
    assert!(
        !gitdir.join("index.lock").exists(),
        "{what}: index.lock left"
    );
    assert!(
        !gitdir.join("refs/heads/main.lock").exists(),
        "{what}: refs/heads/main.lock left"
    );
    for left in ["index.lanes-old", "index.lanes-new"] {
        assert!(!gitdir.join(left).exists(), "{what}: {left} left");
    }
    let journal = std::fs::read_to_string(gitdir.join("lanes/transaction")).unwrap_or_default();
    assert!(
        journal.is_empty() || journal.ends_with("\nend\n"),
        "{what}: journal left: {journal}"
    );
    let v = r.lanes_in(dir, &["validate"]);
    assert!(v.status.success(), "{what}: validate: {}", text(&v));
    // HEAD's tree is what the index holds.
    let tree = git(&["write-tree"]);
    let head = git(&["rev-parse", "HEAD^{tree}"]);
    assert_eq!(
        String::from_utf8_lossy(&tree.stdout),
        String::from_utf8_lossy(&head.stdout),
        "{what}: index differs from HEAD"
    );
}

const POINTS: &[&str] = &[
    "journal",
    "locked",
    "staging",
    "ref-locked",
    "index-written",
    "published",
    "branch-moved",
    "renamed",
];

/// Whether a command killed at `point` had made its change.
fn landed(point: &str) -> bool {
    matches!(point, "branch-moved" | "renamed")
}

#[test]
fn a_command_killed_at_any_point_is_finished_or_rolled_back() {
    let r = Repo::with_board("crisp-dm");
    let card = r.add("Session recency features", &["--lane", "data-prep"]);
    for (n, point) in POINTS.iter().enumerate() {
        for cmd in ["move", "note", "add", "edit"] {
            let before = r.head();
            let note = format!("note {n} {cmd}");
            let title = format!("Card at {point}");
            let lane_now = lane_of(&r.read(&card_path(&card)));
            let lane = if lane_now == "modeling" {
                "data-prep"
            } else {
                "modeling"
            };
            let args: Vec<&str> = match cmd {
                "move" => vec!["move", &card, lane],
                "note" => vec!["note", &card, &note],
                "add" => vec!["add", &title],
                _ => vec!["edit", &card, "--set", "labels=[crash]"],
            };
            let cards_before = r.card_ids();
            let lane_before = lane_of(&r.read(&card_path(&card)));
            let out = r.lanes_env(&args, &[("LANES_CRASH_AT", point)]);
            assert!(
                !out.status.success(),
                "{cmd} at {point} should have died: {}",
                text(&out)
            );
            // The next command, whatever it is, repairs and says so.
            let next = r.lanes(&["list"]);
            let said = stderr(&next);
            assert!(next.status.success(), "list after {cmd} at {point}: {said}");
            let expect = if landed(point) {
                "finished an interrupted lanes command"
            } else {
                "interrupted lanes command"
            };
            assert!(
                said.contains(expect),
                "{cmd} at {point}: recovery message: {said:?}"
            );
            assert_clean(&r, &r.path, &format!("{cmd} at {point}"));
            let moved = r.head() != before;
            assert_eq!(moved, landed(point), "{cmd} at {point}: commit made?");
            let card_text = r.read(&card_path(&card));
            match cmd {
                "note" => assert_eq!(card_text.contains(&note), landed(point), "{point}"),
                "move" => {
                    let want = if landed(point) {
                        lane_id(lane).to_string()
                    } else {
                        lane_before.clone()
                    };
                    assert_eq!(lane_of(&card_text), want, "{point}");
                }
                "add" => assert_eq!(
                    r.card_ids().len(),
                    cards_before.len() + usize::from(landed(point)),
                    "{point}"
                ),
                _ => {}
            }
            // And the next change works.
            ok(&r.lanes(&["edit", &card, "--set", &format!("labels=[after-{n}]")]));
        }
    }
    // Nothing half-written was ever committed: every card in history parses.
    let log = r.git(&["log", "-p", "--format=%H", "--", ".lanes/cards"]);
    assert!(!log.contains("\n+\n+\n"), "empty lines committed");
}

fn lane_id(short: &str) -> &str {
    match short {
        "data-prep" => "data-preparation",
        other => other,
    }
}

fn lane_of(card_text: &str) -> String {
    card_text
        .lines()
        .find_map(|l| l.strip_prefix("lane: "))
        .unwrap_or("")
        .to_string()
}

/// `git commit` reads `HEAD`, then the index, without the lock: at every
/// instant, whoever sees the branch moved by lanes must see the index that
/// goes with it, or a user's commit made then reverts lanes' change (seen
/// as a user commit deleting a note, and lanes re-committing it as a hand
/// edit). Stopped right after the branch moves, the index git reads
/// already holds the change; stopped right before, it does not (and
/// recovery puts the index back as it was).
#[test]
fn the_index_git_reads_goes_with_the_branch_it_reads() {
    let r = Repo::with_board("crisp-dm");
    let card = r.add("Session recency features", &[]);
    let path = card_path(&card);
    let staged = |r: &Repo| r.git(&["ls-files", "-s", "--", &path]);
    let blob_at = |r: &Repo, rev: &str| r.git(&["rev-parse", &format!("{rev}:{path}")]);
    for (point, moved) in [("branch-moved", true), ("published", false)] {
        let before = r.head();
        let index_before = staged(&r);
        let out = r.lanes_env(
            &["note", &card, &format!("seen at {point}")],
            &[("LANES_CRASH_AT", point)],
        );
        assert!(
            !out.status.success(),
            "{point}: should have died: {}",
            text(&out)
        );
        assert_eq!(r.head() != before, moved, "{point}: branch moved?");
        // What a `git commit` starting now would read: HEAD, then the
        // index (git reads it before it tries the lock).
        let head_blob = blob_at(&r, "HEAD");
        if moved {
            assert!(
                staged(&r).contains(head_blob.trim()),
                "{point}: HEAD has {head_blob} but the index git reads has {}",
                staged(&r)
            );
        } else {
            // The published index is the new one (a `git commit` that read
            // it with the old HEAD cannot take the lock, and its
            // compare-and-swap on HEAD fails once lanes moves it)...
            assert_ne!(staged(&r), index_before, "{point}: index not published");
        }
        // ...and the next command finishes or rolls back, index included.
        let next = r.lanes(&["list"]);
        assert!(next.status.success(), "{point}: {}", text(&next));
        if !moved {
            assert_eq!(staged(&r), index_before, "{point}: old index not put back");
        }
        assert_clean(&r, &r.path, point);
    }
}

/// From before lanes publishes its index until the branch has moved, lanes
/// holds the branch's own lock file (`refs/heads/main.lock`, git's ref
/// lock): a `git commit` that read `HEAD` before lanes moved it and the
/// index after lanes published it (the new index, lanes' change in it)
/// cannot move the branch in between and so never commits lanes' change as
/// its own; git says "cannot lock ref". Stopped at each point of that
/// stretch (as `kill -9` stops it), the lock is held, git's update of the
/// branch is refused, and the next lanes command removes the lock it left.
#[test]
fn the_branch_is_locked_while_lanes_publishes_its_index() {
    let r = Repo::with_board("crisp-dm");
    let card = r.add("Session recency features", &[]);
    let ref_lock = r.abs(".git/refs/heads/main.lock");
    for point in ["published", "index-written", "ref-locked"] {
        let before = r.head();
        let out = r.lanes_env(
            &["note", &card, &format!("seen at {point}")],
            &[("LANES_CRASH_AT", point)],
        );
        assert!(
            !out.status.success(),
            "{point}: should have died: {}",
            text(&out)
        );
        assert!(ref_lock.exists(), "{point}: the branch is not locked");
        // The last step of a `git commit` that read HEAD = `before`: git's
        // compare-and-swap of the branch through HEAD.
        let other = r.git_line(&["commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "user"]);
        let out = r.git_output(&["update-ref", "-m", "commit: user", "HEAD", &other, &before]);
        assert!(
            !out.status.success(),
            "{point}: git moved the branch while lanes held it"
        );
        assert!(
            text(&out).contains("cannot lock ref"),
            "{point}: {}",
            text(&out)
        );
        assert_eq!(r.head(), before, "{point}");
        // The next command cleans up and says so.
        let next = r.lanes(&["list"]);
        assert!(next.status.success(), "{point}: {}", text(&next));
        assert!(
            stderr(&next).contains("main.lock"),
            "{point}: recovery does not mention the branch lock: {}",
            stderr(&next)
        );
        assert_clean(&r, &r.path, point);
        // git can commit again.
        r.git(&[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            &format!("after {point}"),
        ]);
    }
    // A lanes commit still moves HEAD's reflog and the branch's.
    ok(&r.lanes(&["note", &card, "landed"]));
    let reflog = r.git(&["reflog", "-1", "--format=%gs", "HEAD"]);
    assert!(reflog.starts_with("commit: lanes: note"), "{reflog}");
    let reflog = r.git(&["reflog", "-1", "--format=%gs", "main"]);
    assert!(reflog.starts_with("commit: lanes: note"), "{reflog}");
}

/// A plain `git commit` runs its `pre-commit` hook after it has written the
/// index, then reads the index again and moves the branch from the HEAD it
/// read at its start. A lanes command in that hook, stopped after it
/// published its index and before it moved the branch (as `kill -9` stops
/// it), used to let git commit lanes' note as the user's own; recovery then
/// put the index and the card file back, leaving HEAD with a note the work
/// tree did not have. Now the branch is locked over that stretch: git's
/// commit fails with "cannot lock ref" and nothing mixes.
#[test]
fn git_commit_around_a_lanes_command_in_its_pre_commit_hook_takes_nothing_of_lanes() {
    let r = Repo::with_board("crisp-dm");
    let card = r.add("Session recency features", &[]);
    let before = r.head();
    // (lanes runs the same hook for its own commit: that inner run does
    // nothing.)
    let hook = r.path.join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\n[ -n \"$IN_GIT_HOOK\" ] && exit 0\nIN_GIT_HOOK=1 LANES_CRASH_AT=published '{LANES}' note {card} 'from the hook' >/dev/null 2>&1\nexit 0\n"
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    r.write("code.py", "print(1)\n");
    r.git(&["add", "code.py"]);
    let out = r.git_output(&["commit", "-q", "-m", "user work"]);
    std::fs::remove_file(&hook).unwrap();
    assert!(
        !out.status.success(),
        "git committed while lanes was between its index and its branch: {}",
        r.git(&["show", "--stat", "--format=%s", "HEAD"])
    );
    assert!(text(&out).contains("cannot lock ref"), "{}", text(&out));
    assert_eq!(r.head(), before);
    // The next lanes command rolls the note back; the user's commit then
    // takes the user's file alone.
    let next = r.lanes(&["list"]);
    assert!(next.status.success(), "{}", text(&next));
    r.git(&["add", "code.py"]);
    r.git(&["commit", "-q", "-m", "user work"]);
    assert_eq!(r.head_paths(), vec!["code.py".to_string()]);
    assert!(!r.read(&card_path(&card)).contains("from the hook"));
    assert_clean(&r, &r.path, "after");
}

/// A lock file of the branch that a running git holds is never taken for
/// one a killed lanes left: recovery removes only the lock file its journal
/// names.
#[test]
fn recovery_leaves_a_branch_lock_it_did_not_take() {
    let r = Repo::with_board("crisp-dm");
    let card = r.add("Session recency features", &[]);
    let out = r.lanes_env(&["note", &card, "x"], &[("LANES_CRASH_AT", "published")]);
    assert!(!out.status.success(), "{}", text(&out));
    let ref_lock = r.abs(".git/refs/heads/main.lock");
    // The lanes lock goes and another process (git) takes the branch's
    // lock now, after the journal was written (a new file while the old
    // one still exists, so that it cannot reuse its inode).
    r.write(".git/git-lock-tmp", "");
    std::fs::rename(r.abs(".git/git-lock-tmp"), &ref_lock).unwrap();
    let next = r.lanes(&["list"]);
    assert!(next.status.success(), "{}", text(&next));
    assert!(
        ref_lock.exists(),
        "recovery removed a branch lock it did not take"
    );
    std::fs::remove_file(&ref_lock).unwrap();
    assert_clean(&r, &r.path, "after");
}

/// git's own race: `git commit` (and `git add`) read the index before they
/// take `index.lock`, and write back what they read. One that read it just
/// before a lanes commit leaves a board file staged at its version before
/// lanes' change while HEAD and the work tree hold lanes' version; the next
/// plain `git commit` would commit that entry and revert lanes' change. The
/// next lanes commit puts such entries back to HEAD's version (a card
/// missing from the index too) in the same index write, commits nothing
/// for them, and calls nothing a hand edit; a card the user staged by hand
/// is left staged.
#[test]
fn a_stale_index_entry_left_by_git_is_put_back_by_the_next_lanes_command() {
    let r = Repo::with_board("crisp-dm");
    let a = r.add("Card A", &[]);
    let b = r.add("Card B", &[]);
    let d = r.add("Card D", &[]);
    let (pa, pb, pd) = (card_path(&a), card_path(&b), card_path(&d));
    let old_a = r.git_line(&["rev-parse", &format!("HEAD:{pa}")]);
    ok(&r.lanes(&["note", &a, "lanes' note"]));
    let c = r.add("Card C", &[]);
    let pc = card_path(&c);
    // What a git command that read the index before those two commits
    // writes back: A at its old version, no C at all.
    r.git(&[
        "update-index",
        "--cacheinfo",
        &format!("100644,{old_a},{pa}"),
    ]);
    r.git(&["update-index", "--force-remove", &pc]);
    // And the user's own staged hand edit of D.
    let hand = r
        .read(&pd)
        .replace("title: Card D", "title: Card D by hand");
    r.write(&pd, &hand);
    r.git(&["add", &pd]);
    let staged = |r: &Repo| {
        let mut v: Vec<String> = r
            .git(&["diff", "--cached", "--name-only"])
            .lines()
            .map(String::from)
            .collect();
        v.sort();
        v
    };
    let mut want = vec![pa.clone(), pc.clone(), pd.clone()];
    want.sort();
    assert_eq!(staged(&r), want, "the stale state was not made");
    let before = r.commit_count();
    ok(&r.lanes(&["note", &b, "another note"]));
    // One commit, B's note alone.
    assert_eq!(r.commit_count(), before + 1);
    assert_eq!(r.head_paths(), vec![pb.clone()]);
    assert!(
        r.head_subject().starts_with("lanes: note"),
        "{}",
        r.head_subject()
    );
    // A and C are staged as HEAD has them; D's hand edit is still staged.
    assert_eq!(
        staged(&r),
        vec![pd.clone()],
        "stale entries left in the index"
    );
    // Entries git can trust: status sees nothing else.
    let status = r.git(&["status", "--porcelain"]);
    assert_eq!(status, format!("M  {pd}\n"), "{status}");
    // The user's next plain commit takes their own work only.
    r.write("code.py", "print(1)\n");
    r.git(&["add", "code.py"]);
    r.git(&["commit", "-q", "-m", "user work"]);
    let mut paths = r.head_paths();
    paths.sort();
    let mut want = vec![pd.clone(), "code.py".to_string()];
    want.sort();
    assert_eq!(paths, want);
    assert!(r.read(&pa).contains("lanes' note"));
    assert!(r
        .git(&["show", &format!("HEAD:{pa}")])
        .contains("lanes' note"));
    assert!(r.git(&["cat-file", "-e", &format!("HEAD:{pc}")]).is_empty());
}

/// The folder ids git caches in its index (its `TREE` extension), by
/// folder (`""`: the root); `None`: marked invalid.
fn cached_trees(r: &Repo) -> Vec<(String, Option<String>)> {
    let index = std::fs::read(r.abs(".git/index")).expect("read the index");
    let (trees, _) = lanes::git::index_file::cached_tree_ids(&index).expect("a TREE extension");
    trees
        .into_iter()
        .map(|(d, o)| (d, o.map(|o| o.to_string())))
        .collect()
}

/// A lanes commit leaves git's cache of folder ids as `git commit` leaves
/// it: the folders it changed hold the new commit's ids (so git's next
/// commit and lanes' next check of stale board entries need not look at
/// every card), and they are the right ones: the same as git computes
/// from the index's entries alone.
#[test]
fn a_lanes_commit_keeps_git_s_cached_folder_ids_right() {
    let r = Repo::with_board("crisp-dm");
    let a = r.add("Card A", &[]);
    r.add("Card B", &[]);
    r.write("code.py", "print(1)\n");
    r.git(&["add", "code.py"]);
    r.git(&["commit", "-q", "-m", "user work"]);
    ok(&r.lanes(&["move", &a, "modeling"]));
    ok(&r.lanes(&["note", &a, "a note"]));
    let c = r.add("Card C", &[]);
    let cached = cached_trees(&r);
    for (dir, rev) in [
        ("", "HEAD^{tree}"),
        (".lanes", "HEAD:.lanes"),
        (".lanes/cards", "HEAD:.lanes/cards"),
    ] {
        let want = r.git_line(&["rev-parse", rev]);
        let got = cached
            .iter()
            .find(|(d, _)| d == dir)
            .and_then(|(_, o)| o.clone());
        assert_eq!(got.as_deref(), Some(want.as_str()), "cached id of {dir:?}");
    }
    // The entries hash to those ids, computed afresh by git in an index
    // of the same entries without any cache.
    let fresh = r.base().join("fresh-index");
    let listed = r.git(&["ls-files", "-s"]);
    let mut child = r
        .git_cmd()
        .args(["update-index", "--index-info"])
        .env("GIT_INDEX_FILE", &fresh)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("run git");
    std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), listed.as_bytes())
        .expect("write");
    assert!(child.wait().expect("git runs").success());
    let out = r
        .git_cmd()
        .args(["write-tree"])
        .env("GIT_INDEX_FILE", &fresh)
        .output()
        .expect("run git");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r.git_line(&["rev-parse", "HEAD^{tree}"])
    );
    // git agrees the index is HEAD's, and commits only what is added next.
    assert_eq!(r.git(&["status", "--porcelain"]), "");
    r.write("code.py", "print(2)\n");
    r.git(&["add", "code.py"]);
    r.git(&["commit", "-q", "-m", "more work"]);
    assert_eq!(r.head_paths(), vec!["code.py".to_string()]);
    assert!(r
        .git(&["show", &format!("HEAD:{}", card_path(&c))])
        .contains("Card C"));
    let _ = std::fs::remove_file(&fresh);
}

/// A git command that read the index (with its cache of folder ids) before
/// a lanes commit and wrote it back after leaves folder ids that are valid
/// for the old commit only: the next lanes command does not trust them,
/// and puts the stale entry back.
#[test]
fn an_index_written_back_from_before_a_lanes_commit_is_not_trusted() {
    let r = Repo::with_board("crisp-dm");
    let a = r.add("Card A", &[]);
    let b = r.add("Card B", &[]);
    r.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "git caches the folder ids",
    ]);
    let pa = card_path(&a);
    let old_index = std::fs::read(r.abs(".git/index")).expect("read the index");
    ok(&r.lanes(&["note", &a, "lanes' note"]));
    // What git writes back: the index it read before lanes' commit.
    std::fs::write(r.abs(".git/index"), &old_index).expect("write the index");
    assert_eq!(
        r.git(&["diff", "--cached", "--name-only"]).trim(),
        pa,
        "the stale state was not made"
    );
    ok(&r.lanes(&["note", &b, "another note"]));
    assert_eq!(
        r.git(&["diff", "--cached", "--name-only"]),
        "",
        "stale entry left"
    );
    assert_eq!(r.git(&["status", "--porcelain"]), "");
    r.write("code.py", "print(1)\n");
    r.git(&["add", "code.py"]);
    r.git(&["commit", "-q", "-m", "user work"]);
    assert!(r
        .git(&["show", &format!("HEAD:{pa}")])
        .contains("lanes' note"));
}

/// When a user's `git commit` did commit a stale index (one it read before
/// a lanes commit) and so reverted lanes' change while the work tree kept
/// it, the next lanes action on that card commits the work tree's version
/// back as what it is: `lanes: reapply`, naming the lanes commit it
/// restores and the commit that reverted it, never "hand edit". A real
/// hand edit is still one.
#[test]
fn a_lanes_change_a_stale_git_commit_reverted_is_restored_under_its_name() {
    let r = Repo::with_board("crisp-dm");
    let card = r.add("Session recency features", &[]);
    let path = card_path(&card);
    let old_blob = r.git_line(&["rev-parse", &format!("HEAD:{path}")]);
    ok(&r.lanes(&["move", &card, "modeling"]));
    let moved = r.head();
    let moved_blob = r.git_line(&["rev-parse", &format!("HEAD:{path}")]);
    // The user's commit of an index read before the move.
    r.git(&[
        "update-index",
        "--cacheinfo",
        &format!("100644,{old_blob},{path}"),
    ]);
    r.write("code.py", "print(1)\n");
    r.git(&["add", "code.py"]);
    r.git(&["commit", "-q", "-m", "user work"]);
    let revert = r.head();
    assert!(!r
        .git(&["show", &format!("HEAD:{path}")])
        .contains("lane: modeling"));
    assert!(
        r.read(&path).contains("lane: modeling"),
        "work tree keeps the move"
    );
    ok(&r.lanes(&["note", &card, "after the revert"]));
    let subject = r.git_line(&["log", "-1", "--format=%s", "HEAD~1"]);
    assert!(
        subject.starts_with("lanes: reapply")
            && subject.contains(&format!("restores {}", &moved[..8]))
            && subject.contains(&format!("reverted by {}", &revert[..8])),
        "{subject}"
    );
    let body = r.git(&["log", "-1", "--format=%B", "HEAD~1"]);
    assert!(
        body.contains(&moved) && body.contains("Lanes-Action: reapply"),
        "{body}"
    );
    assert!(body.contains("user work"), "{body}");
    assert_eq!(
        r.git_line(&["rev-parse", &format!("HEAD~1:{path}")]),
        moved_blob,
        "the restore is exactly lanes' version"
    );
    assert!(r.head_subject().starts_with("lanes: note"));
    let log = r.git(&["log", "--format=%s"]);
    assert!(!log.contains("hand edit"), "{log}");
    assert_clean(&r, &r.path, "after the restore");
    // A real hand edit is still called one.
    let text = r
        .read(&path)
        .replace("title: Session recency features", "title: By hand");
    r.write(&path, &text);
    ok(&r.lanes(&["note", &card, "after the hand edit"]));
    let subject = r.git_line(&["log", "-1", "--format=%s", "HEAD~1"]);
    assert!(subject.starts_with("lanes: hand edit"), "{subject}");
}

#[test]
fn a_held_index_lock_makes_git_wait_and_lanes_explain() {
    let r = Repo::with_board("crisp-dm");
    let card = r.add("A card", &[]);
    // Left by a killed git: lanes names it and says when it may go.
    r.write(".git/index.lock", "");
    let out = r.lanes(&["move", &card, "modeling"]);
    let msg = fails(&out, 1);
    assert!(
        msg.contains("index.lock exists")
            && msg.contains("safe to remove")
            && msg.contains("nothing was changed"),
        "{msg}"
    );
    assert!(!r.read(&card_path(&card)).contains("lane: modeling"));
    std::fs::remove_file(r.abs(".git/index.lock")).unwrap();
    // A branch lock likewise.
    r.write(".git/refs/heads/main.lock", "");
    let msg = fails(&r.lanes(&["move", &card, "modeling"]), 1);
    assert!(
        msg.contains("main.lock exists") && msg.contains("safe to remove"),
        "{msg}"
    );
    std::fs::remove_file(r.abs(".git/refs/heads/main.lock")).unwrap();
    assert_clean(&r, &r.path, "after the locks");
    ok(&r.lanes(&["move", &card, "modeling"]));
}

#[test]
fn while_lanes_holds_the_index_git_commit_refuses_and_nothing_mixes() {
    let r = Repo::with_board("crisp-dm");
    let card = r.add("A card", &[]);
    r.write("code.py", "print(1)\n");
    r.git(&["add", "code.py"]);
    let repo = git2::Repository::open(&r.path).unwrap();
    let mut tx = lanes::git::Transaction::begin(&repo, "commit", "test").unwrap();
    // git's own protocol: the index is ours, so git fails at once.
    let out = r.git_output(&["commit", "-q", "-m", "user work"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("index.lock"), "{}", text(&out));
    let rel = card_path(&card);
    let mut t = r.read(&rel);
    t = t.replace("lane: business-understanding", "lane: modeling");
    r.write(&rel, &t);
    tx.commit(&[(rel.clone(), None)], "lanes: move (test)\n")
        .unwrap();
    drop(tx);
    // Now git commits the user's staged file, and only it.
    r.git(&["commit", "-q", "-m", "user work"]);
    let files = r.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(files.trim(), "code.py");
    let files = r.git(&["show", "--name-only", "--format=", "HEAD~1"]);
    assert_eq!(files.trim(), rel);
    assert_clean(&r, &r.path, "after both");
}

/// Commit `path` with `content` on the branch without touching the index or
/// the work tree, as another tool would (plumbing: no index.lock).
fn commit_behind_the_index(r: &Repo, path: &str, content: &str, message: &str) -> String {
    let tmp_index = r.base().join("other-index");
    let env_git = |args: &[&str], input: Option<&str>| -> String {
        let mut cmd = r.git_cmd();
        cmd.env("GIT_INDEX_FILE", &tmp_index).args(args);
        let out = if let Some(i) = input {
            use std::io::Write;
            let mut child = cmd
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(i.as_bytes()).unwrap();
            child.wait_with_output().unwrap()
        } else {
            cmd.output().unwrap()
        };
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    env_git(&["read-tree", "HEAD"], None);
    let blob = env_git(&["hash-object", "-w", "--stdin"], Some(content));
    env_git(
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("100644,{blob},{path}"),
        ],
        None,
    );
    let tree = env_git(&["write-tree"], None);
    let head = r.head();
    let commit = env_git(&["commit-tree", &tree, "-p", &head, "-m", message], None);
    r.git(&["update-ref", "refs/heads/main", &commit, &head]);
    let _ = std::fs::remove_file(&tmp_index);
    commit
}

#[test]
fn a_branch_moved_under_a_commit_is_built_upon_or_refused() {
    let r = Repo::with_board("crisp-dm");
    let card = r.add("A card", &[]);
    let rel = card_path(&card);
    let repo = git2::Repository::open(&r.path).unwrap();

    // Another tool commits an unrelated file meanwhile: lanes' commit goes
    // on top of it; both are on the branch.
    let mut tx = lanes::git::Transaction::begin(&repo, "commit", "test").unwrap();
    let theirs = commit_behind_the_index(&r, "notes.txt", "theirs\n", "their commit");
    r.write(
        &rel,
        r.read(&rel).replace("title: A card", "title: Renamed"),
    );
    let ours = tx.commit(&[(rel.clone(), None)], "lanes: edit\n").unwrap();
    drop(tx);
    assert_eq!(r.head(), ours.to_string());
    assert_eq!(r.git_line(&["rev-parse", "HEAD~1"]), theirs);
    let files = r.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(files.trim(), rel, "the rebuilt commit holds only the card");

    // Another tool changes the same card meanwhile: refused, their commit
    // stays, the index is untouched.
    let mut tx = lanes::git::Transaction::begin(&repo, "commit", "test").unwrap();
    let index_before = std::fs::read(r.abs(".git/index")).unwrap();
    let theirs = commit_behind_the_index(&r, &rel, "title: theirs\n", "their card edit");
    r.write(&rel, r.read(&rel).replace("title: Renamed", "title: Mine"));
    let err = tx
        .commit(&[(rel.clone(), None)], "lanes: edit\n")
        .unwrap_err()
        .to_string();
    drop(tx);
    assert!(err.contains("moved while lanes was committing"), "{err}");
    assert!(err.contains(&rel), "{err}");
    assert_eq!(r.head(), theirs);
    assert_eq!(std::fs::read(r.abs(".git/index")).unwrap(), index_before);
    assert!(!r.abs(".git/index.lock").exists());
}

#[test]
fn a_hand_edit_is_committed_before_the_action_as_its_own_commit() {
    let r = Repo::with_board("crisp-dm");
    let card = r.add("Old title", &[]);
    let rel = card_path(&card);
    r.write(
        &rel,
        r.read(&rel)
            .replace("title: Old title", "title: Hand title"),
    );
    let before = r.commit_count();
    ok(&r.lanes(&["move", &card, "modeling"]));
    assert_eq!(r.commit_count(), before + 2);
    let hand = r.git_line(&["log", "-1", "--format=%s", "HEAD~1"]);
    assert!(
        hand.starts_with(&format!("lanes: hand edit {}", short(&card))) && hand.contains("(title)"),
        "{hand}"
    );
    let diff = r.git(&["show", "--format=", "HEAD"]);
    assert!(
        !diff.contains("-title") && !diff.contains("+title"),
        "the move holds the move only:\n{diff}"
    );
    assert!(diff.contains("+lane: modeling"), "{diff}");
    let log = ok(&r.lanes(&["log", &card]));
    assert!(log.contains("hand edit"), "{log}");
    assert_clean(&r, &r.path, "after");
}

#[test]
fn stray_files_under_the_board_are_reported_and_never_committed() {
    let r = Repo::with_board("crisp-dm");
    let card = r.add("A card", &[]);
    for stray in [
        &format!(".lanes/cards/.{card}.yaml.4242.tmp"),
        ".lanes/cards/.notes.yaml.swp",
        ".lanes/.DS_Store",
    ] {
        r.write(stray, "junk");
    }
    let v = r.lanes(&["validate"]);
    let out = text(&v);
    assert_eq!(v.status.code(), Some(1), "{out}");
    assert!(
        out.contains(".lanes/.DS_Store:1:1: not a board file"),
        "{out}"
    );
    assert!(out.contains(".notes.yaml.swp"), "{out}");
    assert!(out.contains(".4242.tmp"), "{out}");
    // `lanes commit` commits board files only.
    r.write(
        &card_path(&card),
        r.read(&card_path(&card)).replace("A card", "B card"),
    );
    ok(&r.lanes(&["commit"]));
    let files = r.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(files.trim(), card_path(&card));
}

#[test]
fn a_sync_killed_in_its_checkout_is_finished_by_the_next_command() {
    let (_w, clones) = World::with_board(&["me", "other"]);
    let (r, other) = (&clones[0], &clones[1]);
    r.add("Mine", &[]);
    let mut theirs = Vec::new();
    for i in 0..12 {
        let out = other.lanes(&["add", &format!("Theirs {i}"), "--body", "x"]);
        theirs.push(ok(&out).trim().to_string());
    }
    ok(&other.lanes(&["sync"]));
    for point in ["checkout", "index-written"] {
        // A fast-forward first, then a merge.
        if point == "index-written" {
            ok(&r.lanes(&["add", "Mine too"]));
            ok(&other.lanes(&["add", "Theirs late"]));
            ok(&other.lanes(&["sync"]));
        }
        let out = r.lanes_env(&["sync"], &[("LANES_CRASH_AT", point)]);
        assert!(!out.status.success(), "{point}: {}", text(&out));
        let next = r.lanes(&["list", "--json"]);
        let said = stderr(&next);
        assert!(
            said.contains("finished an interrupted lanes"),
            "{point}: {said}"
        );
        assert_clean(r, &r.path, point);
        let ids = r.card_ids();
        for id in &theirs {
            assert!(ids.contains(id), "{point}: {id} missing");
            assert!(!r.read(&card_path(id)).is_empty(), "{point}: empty card");
        }
        ok(&r.lanes(&["sync"]));
        ok(&other.lanes(&["sync"]));
    }
    assert_eq!(r.head(), other.head());
}

#[test]
fn concurrent_git_and_lanes_lose_nothing() {
    let (_w, clones) = World::with_board(&["me", "teammate"]);
    let r = &clones[0];
    let mut cards = Vec::new();
    for i in 0..4 {
        cards.push(r.add(&format!("Card {i}"), &[]));
    }
    const N: usize = 12;
    let retry = |f: &dyn Fn() -> Output| -> bool {
        // What a person does when git says index.lock exists: run it again.
        for _ in 0..40 {
            let out = f();
            if out.status.success() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(15));
        }
        false
    };
    // The user's two git commands never overlap each other: git itself
    // loses a `git add` that races a `git commit -- <path>` (a partial
    // commit writes back the index it read before it took the lock; seen
    // with git alone, no lanes: 5 of 205 staged files lost). What is under
    // test is lanes running beside them.
    let user = std::sync::Mutex::new(());
    let (user_commits, staged, notes) = std::thread::scope(|s| {
        let committer = s.spawn(|| {
            let mut made = Vec::new();
            for i in 0..N {
                let f = format!("src/u{i}.txt");
                r.write(&f, format!("user {i}\n"));
                let msg = format!("user commit {i}");
                let done = retry(&|| {
                    let _one_at_a_time = user.lock().unwrap_or_else(|e| e.into_inner());
                    r.git_output(&["add", &f]);
                    r.git_output(&["commit", "-q", "-m", &msg, "--", &f])
                });
                if done {
                    made.push(msg);
                }
            }
            made
        });
        let stager = s.spawn(|| {
            let mut staged = Vec::new();
            for i in 0..N {
                let f = format!("staged/s{i}.txt");
                r.write(&f, format!("staged {i}\n"));
                if retry(&|| {
                    let _one_at_a_time = user.lock().unwrap_or_else(|e| e.into_inner());
                    r.git_output(&["add", &f])
                }) {
                    staged.push(f);
                }
            }
            staged
        });
        let lanes_side = s.spawn(|| {
            let mut notes = Vec::new();
            for i in 0..N {
                let card = &cards[i % cards.len()];
                let note = format!("observation number {i}");
                let out = r.lanes(&["note", card, &note]);
                notes.push((card.clone(), note, out.status.success()));
                let lane = ["modeling", "evaluation", "data-prep"][i % 3];
                let _ = r.lanes(&["move", card, lane]);
                if i % 4 == 0 {
                    let _ = r.lanes(&["sync"]);
                }
            }
            notes
        });
        (
            committer.join().unwrap(),
            stager.join().unwrap(),
            lanes_side.join().unwrap(),
        )
    });
    let subjects = r.git(&["log", "--format=%s"]);
    for msg in &user_commits {
        assert_eq!(
            subjects.lines().filter(|l| l == msg).count(),
            1,
            "{msg} must be on the branch once"
        );
    }
    assert!(!user_commits.is_empty());
    let cached = r.git(&["diff", "--cached", "--name-only"]);
    for f in &staged {
        assert!(cached.lines().any(|l| l == f), "{f} is no longer staged");
    }
    for (card, note, made) in &notes {
        let in_file = r.read(&card_path(card)).contains(note.as_str());
        assert_eq!(in_file, *made, "{note}: reported {made}");
        let commits = r.git(&["log", "--format=%H", "-S", note, "--", &card_path(card)]);
        assert_eq!(
            commits.lines().count(),
            usize::from(*made),
            "{note} is in {} commits",
            commits.lines().count()
        );
    }
    let fsck = r.git_output(&["fsck", "--strict", "--no-progress"]);
    assert!(fsck.status.success(), "{}", text(&fsck));
    ok(&r.lanes(&["validate"]));
    // Nothing under the board is left uncommitted.
    let status = r.git(&["status", "--porcelain", "--", ".lanes"]);
    assert_eq!(status, "");
}

/// A small tmpfs to fill up (root only).
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    fn mount(at: PathBuf, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(&at).ok()?;
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&at)
            .output()
            .ok()?;
        out.status.success().then_some(SmallDisk { path: at })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .output();
    }
}

#[test]
fn a_full_disk_changes_nothing() {
    let r = Repo::new();
    let Some(disk) = SmallDisk::mount(r.base().join("small"), "4m") else {
        let msg = "SKIP a_full_disk_changes_nothing: cannot mount a tmpfs (needs root)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
        eprintln!("{msg}");
        return;
    };
    let dir = disk.path.join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    let git = |args: &[&str]| {
        let out = r.git_cmd().current_dir(&dir).args(args).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["config", "user.name", "T"]);
    git(&["config", "user.email", "t@example.com"]);
    ok(&r.lanes_in(&dir, &["init"]));
    let card = ok(&r.lanes_in(&dir, &["add", "First"])).trim().to_string();
    std::fs::write(dir.join("user.txt"), "mine\n").unwrap();
    git(&["add", "user.txt"]);
    // Fill the disk, then give back a little more room each round: every
    // command either fully happens or changes nothing.
    let filler = disk.path.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
    }
    let full = std::fs::metadata(&filler).unwrap().len();
    let (mut made, mut refused) = (0, 0);
    for step in 0..40u64 {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&filler)
            .unwrap();
        f.set_len(full.saturating_sub(step * 65536)).unwrap();
        drop(f);
        let head = git(&["rev-parse", "HEAD"]);
        let title = format!("Card {step}");
        let out = r.lanes_in(&dir, &["note", &card, &title]);
        let said = text(&out);
        if out.status.success() {
            made += 1;
            assert_ne!(git(&["rev-parse", "HEAD"]), head);
        } else {
            refused += 1;
            eprintln!("step {step}: refused: {said}");
            assert!(
                said.contains("not made")
                    || said.contains("nothing was changed")
                    || said.contains("No space"),
                "{said}"
            );
            assert_eq!(git(&["rev-parse", "HEAD"]), head, "{said}");
            assert!(
                !std::fs::read_to_string(dir.join(card_path(&card)))
                    .unwrap()
                    .contains(&title),
                "{said}"
            );
        }
        let status = git(&["--no-optional-locks", "status", "--porcelain"]);
        assert_eq!(status, "A  user.txt\n", "step {step}: {said}");
        assert!(!dir.join(".git/index.lock").exists());
    }
    assert!(made > 0 && refused > 0, "made {made}, refused {refused}");
    std::fs::remove_file(&filler).unwrap();
    let fsck = r
        .git_cmd()
        .current_dir(&dir)
        .args(["fsck", "--strict", "--no-progress"])
        .output()
        .unwrap();
    assert!(fsck.status.success(), "{}", text(&fsck));
}

#[test]
fn a_tree_write_killed_leaves_nothing_among_the_objects() {
    // Large enough that lanes writes the cards folder's tree itself.
    let r = Repo::with_board("crisp-dm");
    for n in 0..1700 {
        let id = format!("big{n:05}x");
        r.write(
            &card_path(&id),
            format!("id: {id}\ntitle: Card {n}\nlane: modeling\nrank: a{n:05}z\n"),
        );
    }
    r.commit_all("a big board");
    let before = r.head();
    let out = r.lanes_env(
        &["move", "big00007x", "evaluation"],
        &[("LANES_CRASH_AT", "object-tmp")],
    );
    assert!(!out.status.success(), "should have died: {}", text(&out));
    let own = r.path.join(".git/lanes/objects-tmp");
    let left: Vec<_> = std::fs::read_dir(&own).unwrap().flatten().collect();
    assert_eq!(
        left.len(),
        1,
        "the object being written is in lanes' own folder"
    );
    let next = r.lanes(&["list", "--lane", "evaluation"]);
    assert!(
        stderr(&next).contains("interrupted lanes command"),
        "{}",
        text(&next)
    );
    assert_eq!(r.head(), before);
    assert_clean(&r, &r.path, "killed in a tree write");
    // The same move, now whole.
    ok(&r.lanes(&["move", "big00007x", "evaluation"]));
    assert_clean(&r, &r.path, "after the move");
}
