//! Hostile, odd and oversized input from a teammate (issue 13): nothing a
//! board file holds may reach outside the board, take over the terminal or
//! bend the format. The real binary, real repositories.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text
#![cfg(unix)]

mod common;

use common::*;

const KANBAN: &str = "research-kanban";

/// Bytes a terminal would act on: ESC, BEL, CR, backspace, DEL, a C1 CSI
/// (raw or as UTF-8) and a right-to-left override.
fn assert_terminal_safe(what: &str, bytes: &[u8]) {
    for (i, w) in bytes.windows(3).enumerate() {
        let bad = match w {
            [0x1b | 0x07 | 0x0d | 0x08 | 0x7f, ..] => true,
            [0xc2, 0x80..=0x9f, _] => true,
            [0xe2, 0x80, 0xae] => true,
            [0x9b, ..] => i == 0 || bytes[i - 1] < 0x80,
            _ => false,
        };
        assert!(
            !bad,
            "{what} printed a terminal control at byte {i}: {:?}",
            String::from_utf8_lossy(&bytes[i.saturating_sub(20)..(i + 20).min(bytes.len())])
        );
    }
}

#[test]
fn no_output_passes_escape_sequences_through() {
    let r = Repo::with_board(KANBAN);
    // A teammate's board: lane titles and card text that would write the
    // clipboard (OSC 52), retitle the window, clear the screen, start a C1
    // CSI, return the carriage and reverse the text.
    let evil = "X\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\rY\u{202e}Z\u{7f}";
    let board = r.read(".lanes/board.yaml").replace(
        "title: Hypothesis",
        &format!("title: \"{}\"", yaml_escaped(evil)),
    );
    r.write(".lanes/board.yaml", board);
    r.git(&["commit", "-qam", "hostile lane title"]);
    let id = r
        .ok(&["add", "plain", "--lane", "hypothesis"])
        .trim()
        .to_string();
    r.ok(&[
        "edit",
        &id,
        "--set",
        &format!("title=\"{}\"", yaml_escaped(evil)),
    ]);
    r.ok(&["note", &id, evil]);
    r.ok(&[
        "edit",
        &id,
        "--set",
        &format!(
            "hypothesis={{statement: \"{}\", metric: \"{}\"}}",
            yaml_escaped(evil),
            yaml_escaped(evil)
        ),
    ]);
    for args in [
        vec!["flow"],
        vec!["flow", "--json"],
        vec!["list"],
        vec!["list", "--json"],
        vec!["show", &id],
        vec!["show", &id, "--json"],
        vec!["log", &id],
        vec!["log", &id, "--json"],
        vec!["report"],
        vec!["report", "--format", "json"],
        vec!["hypotheses"],
        vec!["hypotheses", "--json"],
        vec!["validate"],
        vec!["move", &id, "nowhere\u{1b}[2J"],
    ] {
        let out = r.lanes(&args);
        assert_terminal_safe(&format!("lanes {args:?} (stdout)"), &out.stdout);
        assert_terminal_safe(&format!("lanes {args:?} (stderr)"), &out.stderr);
        if args.iter().any(|a| *a == "--json" || *a == "json") {
            // Still JSON, and the text is all there once decoded.
            let v: serde_json::Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("lanes {args:?}: not JSON: {e}"));
            if args[0] != "flow" && args[0] != "log" {
                assert!(v.to_string().contains("\\u001b]52"), "{args:?}: {v}");
            }
        }
    }
    // The flow text shows the escape, visibly.
    let flow = r.ok(&["flow"]);
    assert!(flow.contains("^[]52;c;"), "{flow}");
}

/// `s` as the inside of a double-quoted YAML string.
fn yaml_escaped(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || c == '\u{202e}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Every file under `dir`, with its bytes.
fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut walk = vec![dir.to_path_buf()];
    while let Some(d) = walk.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn linked_board_folders_are_refused_and_nothing_outside_is_touched() {
    for link in [".lanes/cards", ".lanes"] {
        let r = Repo::with_board(KANBAN);
        let id = r.add("inside", &[]);
        // A folder outside the repository, with a card of its own.
        let outside = r.base().join("elsewhere");
        let target = outside.join(link.trim_start_matches(".lanes").trim_start_matches('/'));
        std::fs::create_dir_all(&outside).unwrap();
        let moved = r.path.join(link);
        std::process::Command::new("cp")
            .args(["-R"])
            .arg(&moved)
            .arg(if link == ".lanes" {
                outside.join(".lanes")
            } else {
                target.clone()
            })
            .status()
            .unwrap();
        std::fs::remove_dir_all(&moved).unwrap();
        let to = if link == ".lanes" {
            outside.join(".lanes")
        } else {
            target
        };
        std::os::unix::fs::symlink(&to, &moved).unwrap();
        r.git(&["add", "-A"]);
        r.git(&["commit", "-qm", "a teammate links the board folder away"]);
        let before = files_under(&outside);
        let head = r.head();
        for args in [
            vec!["list"],
            vec!["list", "--json"],
            vec!["validate"],
            vec!["show", &id],
            vec!["add", "written outside?"],
            vec!["move", &id, "analysis"],
        ] {
            let out = r.lanes(&args);
            assert!(!out.status.success(), "{link}: lanes {args:?} succeeded");
            let err = both(&out);
            assert!(
                err.contains(&format!("{link}:1:1: is a symbolic link")) && err.contains("git rm"),
                "{link}: lanes {args:?}: {err}"
            );
        }
        assert_eq!(
            files_under(&outside),
            before,
            "{link}: files outside changed"
        );
        assert_eq!(r.head(), head, "{link}: a commit was made");
    }
}

#[test]
fn a_linked_board_file_is_refused() {
    let r = Repo::with_board(KANBAN);
    let outside = r.base().join("board.yaml");
    std::fs::copy(r.path.join(".lanes/board.yaml"), &outside).unwrap();
    std::fs::remove_file(r.path.join(".lanes/board.yaml")).unwrap();
    std::os::unix::fs::symlink(&outside, r.path.join(".lanes/board.yaml")).unwrap();
    let err = r.fails(&["list"]);
    assert!(
        err.contains(".lanes/board.yaml:1:1: is a symbolic link"),
        "{err}"
    );
}

#[test]
fn notes_never_grow_a_card_past_what_lanes_reads() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("long notes", &[]);
    // Arguments are at most 128 KiB each on Linux.
    let note = "measured again; ".repeat(100 * 1024 / 16);
    let mut refused = None;
    for i in 0..20 {
        let head = r.head();
        let before = r.card_text(&id);
        let out = r.lanes(&["note", &id, &note]);
        if out.status.success() {
            continue;
        }
        let err = fails(&out, 1);
        assert!(
            err.contains("over the 1048576 byte limit for a card file")
                && err.contains("the change was not made"),
            "{err}"
        );
        assert_eq!(r.head(), head, "a refused note made a commit");
        assert_eq!(r.card_text(&id), before, "a refused note changed the file");
        refused = Some(i);
        break;
    }
    let i = refused.expect("notes were never refused");
    assert!(i >= 9, "refused after {i} notes of 100 KiB");
    // The card is still there for every command.
    assert!(r.list_ids(&[]).contains(&id));
    r.ok(&["show", &id]);
    r.ok(&["move", &id, "analysis"]);
    r.assert_healthy();
}

#[test]
fn the_journal_cannot_be_rewritten_with_set() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("keeps its journal", &[]);
    r.ok(&["note", &id, "first finding"]);
    let before = r.card_text(&id);
    let head = r.head();
    for set in [
        "journal=[]",
        "journal.0.text=rewritten",
        "journal.0=",
        "journal=",
    ] {
        let err = r.fails(&["edit", &id, "--set", set]);
        assert!(
            err.contains("the journal is append-only") && err.contains("lanes note"),
            "{set}: {err}"
        );
    }
    assert_eq!(r.card_text(&id), before);
    assert_eq!(r.head(), head);
}

#[test]
fn a_verdict_changes_only_its_own_lines() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("hand written", &[]);
    // As a person would write it: their own indentation and spelling.
    let text = format!(
        "{}hypothesis:\n    statement: Feature X raises precision@10\n    metric: precision@10   # the offline one\n    direction: higher\n    baseline: 0.10\n    target: 0.20\n    verdict: open\n",
        r.card_text(&id)
    );
    r.commit_file(&card_path(&id), &text, "hand-written hypothesis");
    r.ok(&["verdict", &id, "supported", "--result", "0.231"]);
    let diff = r.git(&["show", "--format=", "-U0", "HEAD"]);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(
        changed,
        vec![
            "-    verdict: open",
            "+    result: 0.231",
            "+    verdict: supported"
        ],
        "{diff}"
    );
    assert!(r.card_text(&id).contains("    target: 0.20\n"));
}

#[test]
fn edit_from_a_file_reads_only_regular_files_of_card_size() {
    let r = Repo::with_board(KANBAN);
    let id = r.add("replace me", &[]);
    let head = r.head();
    // A device that never ends.
    let out = r
        .lanes_timeout(
            &["edit", &id, "--file", "/dev/zero"],
            std::time::Duration::from_secs(20),
        )
        .expect("edit --file /dev/zero did not finish");
    let err = fails(&out, 1);
    assert!(err.contains("/dev/zero is not a regular file"), "{err}");
    // A FIFO nobody writes to.
    let fifo = r.base().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let out = r
        .lanes_timeout(
            &["edit", &id, "--file", fifo.to_str().unwrap()],
            std::time::Duration::from_secs(20),
        )
        .expect("edit --file FIFO blocked");
    let err = fails(&out, 1);
    assert!(err.contains("is not a regular file"), "{err}");
    // A regular file over the bound.
    let big = r.base().join("big.yaml");
    std::fs::write(
        &big,
        format!("{}body: |\n{}", r.card_text(&id), "  x\n".repeat(300_000)),
    )
    .unwrap();
    let err = r.fails(&["edit", &id, "--file", big.to_str().unwrap()]);
    assert!(err.contains("over the 1048576 byte limit"), "{err}");
    assert_eq!(r.head(), head);
}

#[test]
fn init_reads_gitattributes_and_templates_only_as_regular_files() {
    // A teammate committed .gitattributes as a link to a device that
    // never ends: lanes init refuses, at once, and writes nothing.
    let r = Repo::new();
    r.write("README", "x\n");
    r.commit_all("start");
    std::os::unix::fs::symlink("/dev/zero", r.abs(".gitattributes")).unwrap();
    let out = r
        .lanes_watched(
            &["init", "--template", KANBAN],
            std::time::Duration::from_secs(60),
        )
        .finished("init beside a linked .gitattributes", 300 * 1024);
    let err = fails(&out, 1);
    assert!(
        err.contains(".gitattributes is a symbolic link (to /dev/zero)"),
        "{err}"
    );
    assert!(!r.exists(".lanes"), "init wrote the board anyway");
    assert!(std::fs::symlink_metadata(r.abs(".gitattributes"))
        .unwrap()
        .file_type()
        .is_symlink());
    // A template named as a FIFO: refused at once, not waited on.
    std::fs::remove_file(r.abs(".gitattributes")).unwrap();
    let fifo = r.base().join("template.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let out = r
        .lanes_watched(
            &["init", "--template", fifo.to_str().unwrap()],
            std::time::Duration::from_secs(60),
        )
        .finished("init from a FIFO template", 300 * 1024);
    let err = fails(&out, 1);
    assert!(err.contains("is not a regular file (a FIFO)"), "{err}");
    assert!(!r.exists(".lanes"));
}
