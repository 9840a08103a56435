//! The repository's own rules: lanes behaves as `git commit`/`git merge`
//! would, or refuses before changing anything. Real git, real repositories.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

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

fn write_hook(r: &Repo, rel: &str, script: &str) {
    r.write(rel, script);
    std::fs::set_permissions(
        r.abs(rel),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
}

#[test]
fn commit_hooks_run_as_git_commit_runs_them_and_a_refusal_changes_nothing() {
    let r = Repo::with_board("crisp-dm");
    let card = r.add("A card", &[]);
    // The user's own staged work must not reach the hooks' index.
    r.write("staged.txt", "mine\n");
    r.git(&["add", "staged.txt"]);
    let seen = r.base().join("seen.txt");
    write_hook(
        &r,
        "tools/hooks/pre-commit",
        &format!(
            "#!/bin/sh\ngit diff --cached --name-only > '{}'\nif git diff --cached | grep -q 'AWS_SECRET='; then echo 'secret in the commit' >&2; exit 1; fi\n",
            seen.display()
        ),
    );
    write_hook(
        &r,
        "tools/hooks/commit-msg",
        "#!/bin/sh\nprintf '\\nReviewed-by: the hook\\n' >> \"$1\"\n",
    );
    let marker = r.base().join("post-commit-ran");
    write_hook(
        &r,
        "tools/hooks/post-commit",
        &format!("#!/bin/sh\ngit rev-parse HEAD > '{}'\n", marker.display()),
    );
    r.git(&["config", "core.hooksPath", "tools/hooks"]);

    let head = r.head();
    let msg = fails(&r.lanes(&["note", &card, "AWS_SECRET=abc"]), 1);
    assert!(
        msg.contains("pre-commit hook refused") && msg.contains("secret in the commit"),
        "{msg}"
    );
    assert_eq!(r.head(), head, "nothing was committed");
    assert!(
        !r.read(&card_path(&card)).contains("AWS_SECRET"),
        "the card is as it was"
    );
    assert!(!marker.exists());
    assert_eq!(
        std::fs::read_to_string(&seen).unwrap().trim(),
        card_path(&card),
        "the hook saw exactly lanes' change"
    );
    let status = r.git(&["status", "--porcelain"]);
    assert!(status.contains("A  staged.txt"), "{status}");
    assert!(!status.contains(".lanes"), "{status}");

    ok(&r.lanes(&["note", &card, "a clean note"]));
    assert!(
        r.head_message().contains("Reviewed-by: the hook"),
        "{}",
        r.head_message()
    );
    assert_eq!(std::fs::read_to_string(&marker).unwrap().trim(), r.head());
    let files = r.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(files.trim(), card_path(&card));

    // A board can opt out.
    let board = r.read(".lanes/board.yaml");
    r.write(
        ".lanes/board.yaml",
        board.replace("settings:\n", "settings:\n  git_hooks: false\n"),
    );
    r.git(&["commit", "-q", "-m", "no hooks", "--", ".lanes/board.yaml"]);
    ok(&r.lanes(&["note", &card, "AWS_SECRET=allowed here"]));
    assert!(!r.head_message().contains("Reviewed-by"));
}

/// A throwaway ssh key, and git configured to sign with it and to verify
/// its signatures.
fn ssh_signing(r: &Repo) -> Option<std::path::PathBuf> {
    let key = r.base().join("signing-key");
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&key)
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        _ => {
            let msg = "SKIP ssh signing: ssh-keygen is not available";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
            eprintln!("{msg}");
            return None;
        }
    }
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let allowed = r.base().join("allowed-signers");
    std::fs::write(&allowed, format!("{USER_EMAIL} {public}")).unwrap();
    for (k, v) in [
        ("gpg.format", "ssh"),
        ("user.signingkey", key.to_str().unwrap()),
        ("commit.gpgsign", "true"),
        ("gpg.ssh.allowedSignersFile", allowed.to_str().unwrap()),
    ] {
        r.git(&["config", k, v]);
    }
    Some(key)
}

#[test]
fn commits_are_signed_when_the_repository_says_so() {
    let r = Repo::with_board("crisp-dm");
    let card = r.add("A card", &[]);
    let Some(_key) = ssh_signing(&r) else {
        return;
    };
    ok(&r.lanes(&["move", &card, "modeling"]));
    let v = r.git_output(&["verify-commit", "HEAD"]);
    assert!(v.status.success(), "{}", both(&v));
    assert!(both(&v).contains("Good \"git\" signature"), "{}", both(&v));
    // A signature that cannot be made fails the action, changing nothing.
    r.git(&["config", "user.signingkey", "/nonexistent/key"]);
    let head = r.head();
    let msg = fails(&r.lanes(&["note", &card, "unsigned?"]), 1);
    assert!(
        msg.contains("could not be signed") && msg.contains("commit.gpgsign"),
        "{msg}"
    );
    assert_eq!(r.head(), head);
    assert!(!r.read(&card_path(&card)).contains("unsigned?"));
    assert_eq!(r.git(&["status", "--porcelain"]), "");
}

#[test]
fn sync_merge_commits_are_signed_too() {
    let (_w, clones) = World::with_board(&["alice", "bob"]);
    let (a, b) = (&clones[0], &clones[1]);
    ok(&a.lanes(&["add", "From Alice"]));
    a.sync();
    ok(&b.lanes(&["add", "From Bob"]));
    let Some(_key) = ssh_signing(b) else {
        return;
    };
    // The allowed signers name Bob's address.
    let allowed = b.base().join("allowed-signers");
    let text = std::fs::read_to_string(&allowed).unwrap();
    std::fs::write(&allowed, text.replace(USER_EMAIL, "bob@example.com")).unwrap();
    b.sync();
    assert_eq!(
        b.git(&["log", "-1", "--format=%P"])
            .split_whitespace()
            .count(),
        2
    );
    let v = b.git_output(&["verify-commit", "HEAD"]);
    assert!(v.status.success(), "{}", both(&v));
}

/// A reversible "encryption" filter (rot13), as git-crypt would be set up.
fn rot13_filter(r: &Repo, required: bool) {
    let rot = "tr 'A-Za-z' 'N-ZA-Mn-za-m'";
    r.git(&["config", "filter.rot13.clean", rot]);
    r.git(&["config", "filter.rot13.smudge", rot]);
    r.git(&[
        "config",
        "filter.rot13.required",
        if required { "true" } else { "false" },
    ]);
    let attrs = r.read(".gitattributes");
    r.write(".gitattributes", format!("{attrs}.lanes/** filter=rot13\n"));
    r.git(&["add", ".gitattributes"]);
    r.git(&["add", "--renormalize", ".lanes"]);
    r.git(&["commit", "-q", "-m", "encrypt the board"]);
}

fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            c => c,
        })
        .collect()
}

#[test]
fn a_clean_filter_on_board_files_is_applied_and_a_missing_required_one_refuses() {
    let (_w, clones) = World::with_board(&["alice"]);
    let r = &clones[0];
    let card = r.add("Secret plan", &[]);
    rot13_filter(r, true);
    ok(&r.lanes(&["note", &card, "the launch is on Tuesday"]));
    let rel = card_path(&card);
    let stored = r.git(&["cat-file", "-p", &format!("HEAD:{rel}")]);
    assert_eq!(
        stored,
        rot13(&r.read(&rel)),
        "the blob is the filter's output"
    );
    assert!(!stored.contains("Tuesday"));
    assert_eq!(r.git(&["status", "--porcelain"]), "", "git sees no change");
    // Sync cannot run the driver: it refuses, changing nothing.
    let head = r.head();
    let msg = fails(&r.lanes(&["sync"]), 1);
    assert!(msg.contains("filter") && msg.contains("rot13"), "{msg}");
    assert_eq!(r.head(), head);
    // The driver missing in this clone: a required filter refuses.
    r.git(&["config", "--unset", "filter.rot13.clean"]);
    let msg = fails(&r.lanes(&["note", &card, "plaintext?"]), 1);
    assert!(
        msg.contains("filter.rot13.clean") && msg.contains("nothing was changed"),
        "{msg}"
    );
    assert_eq!(r.head(), head);
    assert!(!r.read(&rel).contains("plaintext?"));
}

#[test]
fn git_dir_work_tree_and_index_file_are_honoured() {
    let r = Repo::bare_folder();
    let gitdir = r.base().join("meta.git");
    let wt = r.path.clone();
    r.git(&[
        "--git-dir",
        gitdir.to_str().unwrap(),
        "init",
        "-q",
        "-b",
        "main",
    ]);
    let env = [
        ("GIT_DIR", gitdir.to_str().unwrap()),
        ("GIT_WORK_TREE", wt.to_str().unwrap()),
    ];
    let git = |args: &[&str], extra: &[(&str, &str)]| {
        let mut c = r.git_cmd();
        c.envs(env).envs(extra.iter().copied()).args(args);
        let out = c.output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", both(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    git(&["config", "user.name", USER_NAME], &[]);
    git(&["config", "user.email", USER_EMAIL], &[]);
    ok(&r.lanes_env(&["init"], &env));
    assert!(!r.exists(".git"), "no second repository in the work tree");
    let id = ok(&r.lanes_env(&["add", "Through GIT_DIR"], &env))
        .trim()
        .to_string();
    assert_eq!(git(&["status", "--porcelain"], &[]), "");
    assert!(git(&["log", "--format=%s"], &[]).contains("Through GIT_DIR"));
    // Run from another folder: GIT_WORK_TREE says where the board is.
    let elsewhere = r.base().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let out = r
        .lanes_cmd()
        .current_dir(&elsewhere)
        .envs(env)
        .args(["move", &id, "modeling"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", both(&out));
    assert!(
        gitdir.join("lanes").exists(),
        "lanes' own files live in GIT_DIR"
    );

    // An alternate index: lanes updates it, and leaves the default alone.
    let alt = r.base().join("alt-index");
    let alt_env = [("GIT_INDEX_FILE", alt.to_str().unwrap())];
    git(&["read-tree", "HEAD"], &alt_env);
    git(&["update-index", "--refresh", "-q"], &alt_env);
    let default_before = std::fs::read(gitdir.join("index")).unwrap();
    let mut all: Vec<(&str, &str)> = env.to_vec();
    all.extend(alt_env);
    ok(&r.lanes_env(&["note", &id, "alternate index"], &all));
    assert_eq!(
        git(&["status", "--porcelain"], &alt_env),
        "",
        "the alternate index is current"
    );
    assert_eq!(std::fs::read(gitdir.join("index")).unwrap(), default_before);
}

#[test]
fn a_sha256_repository_gets_an_honest_message() {
    let r = Repo::bare_folder();
    let out = r.git_output(&["init", "-q", "--object-format=sha256", "-b", "main"]);
    if !out.status.success() {
        eprintln!("SKIP: this git cannot make SHA-256 repositories");
        return;
    }
    let msg = fails(&r.lanes(&["init"]), 1);
    assert!(
        msg.contains("SHA-256") && msg.contains("nothing was changed"),
        "{msg}"
    );
    assert!(!r.exists(".lanes"));
}

#[test]
fn a_deep_board_keeps_gitattributes_lines_short() {
    let r = Repo::new();
    // A path of about 2 KB, in folders of 200 characters.
    let mut deep = std::path::PathBuf::from("projects");
    for i in 0..10 {
        deep.push(format!("{i}{}", "d".repeat(199)));
    }
    let dir = r.abs(deep.to_str().unwrap());
    std::fs::create_dir_all(&dir).unwrap();
    ok(&r.lanes_in(&dir, &["init"]));
    ok(&r.lanes_in(&dir, &["add", "Deep card"]));
    let fsck = r.git_output(&["fsck", "--strict", "--no-progress"]);
    assert!(fsck.status.success(), "{}", both(&fsck));
    for f in r
        .git(&["ls-files", "*.gitattributes", ".gitattributes"])
        .lines()
    {
        for line in r.read(f).lines() {
            assert!(line.len() < 1024, "{f}: a {} byte line", line.len());
        }
    }
    // And git still finds the merge driver for the cards.
    let card = r.git(&["ls-files", "*/cards/*.yaml"]);
    let attr = r.git(&["check-attr", "merge", "--", card.trim()]);
    assert!(attr.trim().ends_with("merge: lanes"), "{attr}");
    // A remote that checks objects accepts the push.
    let remote = r.base().join("strict.git");
    r.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    r.git(&[
        "-C",
        remote.to_str().unwrap(),
        "config",
        "receive.fsckObjects",
        "true",
    ]);
    r.git(&["push", "-q", remote.to_str().unwrap(), "main"]);
}

#[test]
fn sync_in_a_sparse_checkout_touches_only_what_is_checked_out() {
    for sparse_index in [false, true] {
        let (_w, clones) = World::with_board(&["alice", "bob"]);
        let (a, b) = (&clones[0], &clones[1]);
        a.write("src/code.txt", "code\n");
        a.write("other/data.txt", "data v1\n");
        a.git(&["add", "src", "other"]);
        a.git(&["commit", "-q", "-m", "code and data"]);
        let id = a.add("Shared", &[]);
        a.sync();
        b.sync();
        let mut args = vec!["sparse-checkout", "set", "--cone"];
        if sparse_index {
            args.push("--sparse-index");
        }
        args.extend([".lanes", "src"]);
        b.git(&args);
        assert!(!b.exists("other/data.txt"));
        // A teammate changes a file outside Bob's cone, and a card.
        a.write("other/data.txt", "data v2\n");
        a.git(&["commit", "-q", "-am", "data v2"]);
        ok(&a.lanes(&["note", &id, "from alice"]));
        a.sync();
        // Bob has work of his own, so the sync merges.
        ok(&b.lanes(&["note", &id, "from bob"]));
        let said = b.sync();
        assert!(said.contains("synced"), "{said}");
        assert!(!b.exists("other/data.txt"), "the sparse folder stays out");
        assert_eq!(
            b.git(&["status", "--porcelain"]),
            "",
            "sparse index {sparse_index}"
        );
        let card = b.read(&card_path(&id));
        assert!(
            card.contains("from alice") && card.contains("from bob"),
            "{card}"
        );
        assert_eq!(
            b.git(&["show", "HEAD:other/data.txt"]),
            "data v2\n",
            "the merge holds the teammate's change"
        );
        // A fast-forward too.
        a.sync();
        ok(&a.lanes(&["note", &id, "alice again"]));
        a.write("other/data.txt", "data v3\n");
        a.git(&["commit", "-q", "-am", "data v3"]);
        a.sync();
        b.sync();
        assert_eq!(b.head(), a.head());
        assert!(!b.exists("other/data.txt"));
        assert_eq!(b.git(&["status", "--porcelain"]), "");
        ok(&b.lanes(&["validate"]));
    }
}

#[test]
fn split_and_sparse_indexes_take_commits() {
    for (what, setup) in [
        (
            "split index",
            vec![
                vec!["config", "core.splitIndex", "true"],
                vec!["update-index", "--split-index"],
            ],
        ),
        (
            "sparse index",
            vec![vec![
                "sparse-checkout",
                "set",
                "--cone",
                "--sparse-index",
                ".lanes",
            ]],
        ),
    ] {
        let r = Repo::with_board("crisp-dm");
        r.write("elsewhere/file.txt", "x\n");
        r.git(&["add", "elsewhere"]);
        r.git(&["commit", "-q", "-m", "a folder outside"]);
        for args in &setup {
            r.git(args);
        }
        r.write("staged.txt", "staged\n");
        r.git(&["add", "staged.txt"]);
        let id = r.add("Card", &[]);
        ok(&r.lanes(&["move", &id, "modeling"]));
        ok(&r.lanes(&["note", &id, "noted"]));
        let status = r.git(&["status", "--porcelain"]);
        assert_eq!(status, "A  staged.txt\n", "{what}");
        let staged = r.git(&["ls-files", "-s", &card_path(&id)]);
        let head = r.git(&["rev-parse", &format!("HEAD:{}", card_path(&id))]);
        assert!(staged.contains(head.trim()), "{what}: {staged}");
        let fsck = r.git_output(&["fsck", "--strict", "--no-progress"]);
        assert!(fsck.status.success(), "{what}: {}", both(&fsck));
    }
}

#[test]
fn commits_are_signed_with_gpg_where_it_is_installed() {
    let r = Repo::with_board("crisp-dm");
    let card = r.add("A card", &[]);
    let gnupg = r.base().join("gnupg");
    std::fs::create_dir_all(&gnupg).unwrap();
    std::fs::set_permissions(&gnupg, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let gpg = |args: &[&str]| {
        std::process::Command::new("gpg")
            .env("GNUPGHOME", &gnupg)
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(args)
            .output()
    };
    match gpg(&[
        "--quick-gen-key",
        &format!("{USER_NAME} <{USER_EMAIL}>"),
        "ed25519",
        "sign",
        "1d",
    ]) {
        Ok(o) if o.status.success() => {}
        other => {
            let msg = format!("SKIP gpg signing: gpg cannot make a key here ({other:?})");
            assert!(
                std::env::var("CI").as_deref() != Ok("true") || which_gpg().is_none(),
                "{msg}"
            );
            eprintln!("{msg}");
            return;
        }
    }
    r.git(&["config", "commit.gpgsign", "true"]);
    r.git(&["config", "user.signingkey", USER_EMAIL]);
    let env = [("GNUPGHOME", gnupg.to_str().unwrap())];
    ok(&r.lanes_env(&["move", &card, "modeling"], &env));
    let v = r
        .git_cmd()
        .env("GNUPGHOME", &gnupg)
        .args(["verify-commit", "HEAD"])
        .output()
        .unwrap();
    assert!(v.status.success(), "{}", both(&v));
    assert!(both(&v).contains("Good signature"), "{}", both(&v));
    let _ = std::process::Command::new("gpgconf")
        .env("GNUPGHOME", &gnupg)
        .args(["--kill", "gpg-agent"])
        .output();
}

fn which_gpg() -> Option<()> {
    std::process::Command::new("gpg")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| ())
}
