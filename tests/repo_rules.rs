//! The repository's own rules: lanes behaves as `git commit`/`git merge`
//! would, or refuses before changing anything. Real git, real repositories.

mod common;

use common::remote::World;
use common::*;

#[test]
fn init_in_a_bare_repository_is_refused() {
    let r = Repo::bare_folder();
    r.git(&["init", "-q", "--bare", "-b", "main"]);
    let before = r.git(&["count-objects", "-v"]);
    let msg = fails(&r.lanes(&["init"]), 1);
    assert!(
        msg.contains("bare repository")
            && msg.contains("git clone")
            && msg.contains("nothing was changed"),
        "{msg}"
    );
    assert!(!r.exists(".lanes"), "no board was created");
    assert!(!r.exists(".git"), "no nested repository was created");
    assert_eq!(r.git(&["count-objects", "-v"]), before);
}

#[test]
fn sync_refuses_a_remote_with_unrelated_history() {
    let (w, clones) = World::with_board(&["me"]);
    let me = &clones[0];
    me.add("Mine", &[]);
    // Another project's history pushed to the remote's branch.
    let other = Repo::new();
    other.write("README", "another project\n");
    other.git(&["add", "README"]);
    other.git(&["commit", "-q", "-m", "other project"]);
    other.git(&["push", "-q", "-f", w.remote.to_str().unwrap(), "main"]);
    let remote_before = w.remote_head();
    let head_before = me.head();
    let msg = fails(&me.lanes(&["sync"]), 1);
    assert!(msg.contains("unrelated histories"), "{msg}");
    assert_eq!(me.head(), head_before, "the branch did not move");
    assert_eq!(w.remote_head(), remote_before, "nothing was pushed");
    assert!(!me.exists("README"));
    assert_eq!(me.git(&["status", "--porcelain"]), "");
}

#[test]
fn the_merge_driver_is_registered_by_absolute_path_and_unmerged_files_are_reported() {
    let (_w, clones) = World::with_board(&["alice", "bob"]);
    let (a, b) = (&clones[0], &clones[1]);
    let id = a.add("Shared", &[]);
    a.sync();
    b.sync();
    // Both change the card; Alice pushes first.
    ok(&a.lanes(&["note", &id, "from alice"]));
    a.sync();
    ok(&b.lanes(&["edit", &id, "--set", "labels=[bob]"]));
    ok(&b.lanes(&["setup"]));
    let driver = b.git_line(&["config", "merge.lanes.driver"]);
    let bin = std::fs::canonicalize(LANES).unwrap();
    assert!(
        driver.starts_with(bin.to_str().unwrap())
            || driver.starts_with(&format!("'{}", bin.display())),
        "{driver}"
    );
    // Plain git, with a PATH that does not have lanes on it.
    let path = std::env::var("PATH").unwrap_or_default();
    let out = b
        .git_cmd()
        .env("PATH", &path)
        .args(["pull", "-q", "--no-rebase", "--no-edit"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", both(&out));
    let card = b.read(&card_path(&id));
    assert!(
        card.contains("from alice") && card.contains("bob"),
        "{card}"
    );
    ok(&b.lanes(&["validate"]));

    // A driver git cannot run: the pull stops with the card unmerged, and
    // validate says so instead of "board ok".
    ok(&a.lanes(&["note", &id, "alice again"]));
    a.sync();
    ok(&b.lanes(&["note", &id, "bob again"]));
    b.git(&[
        "config",
        "merge.lanes.driver",
        "lanes-missing merge-driver %O %A %B %P",
    ]);
    let out = b
        .git_cmd()
        .args(["pull", "-q", "--no-rebase", "--no-edit"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "the pull should stop");
    let v = b.lanes(&["validate"]);
    let said = both(&v);
    assert_eq!(v.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("{}:1:1: unmerged", card_path(&id))) && said.contains("lanes setup"),
        "{said}"
    );
}

#[test]
fn modes_and_symlinks_under_the_board_survive_a_sync_merge() {
    let (_w, clones) = World::with_board(&["alice", "bob"]);
    let (a, b) = (&clones[0], &clones[1]);
    let id = a.add("Card", &[]);
    a.write(".lanes/tools/refresh.sh", "#!/bin/sh\necho refresh\n");
    std::fs::set_permissions(
        a.abs(".lanes/tools/refresh.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    std::os::unix::fs::symlink("refresh.sh", a.abs(".lanes/tools/latest")).unwrap();
    a.git(&["add", ".lanes/tools"]);
    a.git(&["commit", "-q", "-m", "tools"]);
    a.sync();
    b.sync();
    // Both sides change things; the merge is lanes'.
    ok(&a.lanes(&["note", &id, "a"]));
    a.write(".lanes/tools/refresh.sh", "#!/bin/sh\necho refresh v2\n");
    a.git(&["commit", "-q", "-am", "tools v2"]);
    a.sync();
    ok(&b.lanes(&["note", &id, "b"]));
    let said = b.sync();
    assert!(said.contains("synced"), "{said}");
    let ls = b.git(&["ls-tree", "-r", "HEAD", ".lanes/tools"]);
    assert!(
        ls.contains("100755 blob") && ls.contains("refresh.sh"),
        "{ls}"
    );
    assert!(ls.contains("120000 blob") && ls.contains("latest"), "{ls}");
    assert!(
        b.git(&["log", "-1", "--format=%P"])
            .split_whitespace()
            .count()
            == 2
    );
    let meta = std::fs::symlink_metadata(b.abs(".lanes/tools/latest")).unwrap();
    assert!(meta.file_type().is_symlink());
    assert_eq!(b.git(&["status", "--porcelain"]), "");
    // A tracked helper under .lanes/ is not a stray file.
    ok(&b.lanes(&["validate"]));
}
