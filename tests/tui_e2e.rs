//! The real `lanes` binary in a real terminal: tmux runs it on a temporary
//! board, `send-keys` types, `capture-pane` reads the screen. Skipped with
//! a SKIP line when tmux is not installed (a failure under `CI=true`).
//!
//! Each test uses its own tmux server (`tmux -L <socket>`), so the
//! developer's tmux sessions are never touched, and the server is killed
//! when the test ends, pass or fail (see `common::tmux`). Set
//! `LANES_E2E_VERBOSE=1` to see each screen the tests waited for.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::tmux::*;
use common::{card_path, short, Repo};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// A repository with a crisp-dm board made by `lanes init`.
fn repo_with_board() -> Repo {
    let r = Repo::new();
    lanes_outside(&r, &["init"]);
    assert!(r.path.join(".lanes/board.yaml").is_file());
    r
}

/// The terminal is back in cooked mode with echo.
fn assert_cooked(stty: &str) {
    let flags: Vec<&str> = stty.split_whitespace().collect();
    for f in ["icanon", "echo", "isig", "icrnl"] {
        assert!(flags.contains(&f), "{f} is off after lanes exited:\n{stty}");
        let off = format!("-{f}");
        assert!(!flags.contains(&off.as_str()), "{off}:\n{stty}");
    }
}

/// The pane left the alternate screen, shows the cursor and no longer
/// reports the mouse.
fn assert_screen_restored(t: &Tmux) {
    assert_eq!(
        t.pane_format("#{alternate_on}"),
        "0",
        "still on the alternate screen"
    );
    assert_eq!(t.pane_format("#{cursor_flag}"), "1", "the cursor is hidden");
    assert_eq!(
        t.pane_format("#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}"),
        "000",
        "mouse reporting is still on"
    );
    let screen = t.screen();
    assert!(
        !screen.contains("Business Understanding"),
        "the board is still on screen:\n{screen}"
    );
}

/// The board is up and in the state a running TUI should have.
fn wait_for_board(t: &Tmux) -> String {
    let screen = t.wait_for("the board", |s| {
        s.contains("Business Understanding") && s.contains("? help")
    });
    assert_eq!(
        t.pane_format("#{alternate_on}"),
        "1",
        "not on the alternate screen"
    );
    screen
}

#[test]
fn create_move_twice_open_and_quit() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    let commits_before = r.commit_count();
    let t = Tmux::start(&r, false);
    let screen = wait_for_board(&t);
    assert!(screen.contains("CRISP-DM"), "{screen}");
    // The mouse is captured while the board runs.
    assert_eq!(t.pane_format("#{mouse_any_flag}"), "1");

    // A new card in the first lane.
    let title = "Measure churn baseline";
    t.keys(&["n"]);
    t.wait_for_text("New task (Tab: hypothesis):");
    t.type_text(title);
    t.wait_for_text(&format!("New task (Tab: hypothesis): {title}"));
    t.keys(&["Enter"]);
    let screen = t.wait_for("the new card in Business Understanding", |s| {
        card_position(s, title).map(|p| p.0) == column_of(s, 1, "Business Understanding")
            && s.contains("lanes: add")
    });
    assert!(screen.contains("Business Understanding 1/3"), "{screen}");
    let files: Vec<PathBuf> = std::fs::read_dir(r.path.join(".lanes/cards"))
        .expect("the cards folder")
        .map(|e| e.expect("an entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let id = files[0]
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("an id")
        .to_string();
    let short = &id[..6];
    assert!(screen.contains(short), "the short id is shown:\n{screen}");

    // L twice: the card follows, and the screen shows it under each lane.
    for (lane, from_to) in [
        (
            "Data Understanding",
            "business-understanding -> data-understanding",
        ),
        ("Data Preparation", "data-understanding -> data-preparation"),
    ] {
        t.keys(&["L"]);
        let screen = t.wait_for(&format!("the card under {lane}"), |s| {
            card_position(s, title).is_some_and(|(x, _)| Some(x) == column_of(s, 1, lane))
                && s.contains(from_to)
        });
        assert!(screen.contains(&format!("{lane} 1/3")), "{screen}");
        let (x, _) = card_position(&screen, title).expect("the card");
        assert_eq!(Some(x), header_column(&screen, lane), "{screen}");
    }

    // Enter opens the detail popup with the full id and the lane.
    t.keys(&["Enter"]);
    let screen = t.wait_for("the detail popup", |s| {
        s.contains(&id) && s.contains("Esc close")
    });
    let lane_line = screen
        .lines()
        .find(|l| l.contains("lane") && l.contains("Data Preparation") && l.contains('│'))
        .unwrap_or_else(|| panic!("no lane field in the detail:\n{screen}"));
    assert!(lane_line.contains("lane"), "{lane_line}");
    assert!(screen.contains(title));

    t.keys(&["Escape"]);
    t.wait_for("the popup to close", |s| {
        !s.contains("Esc close") && s.contains(title)
    });

    t.keys(&["q"]);
    t.wait_for_end();
    assert_eq!(
        std::fs::read_to_string(&t.exit_file)
            .unwrap_or_default()
            .trim(),
        "0",
        "{}",
        t.diagnostics()
    );
    drop(t);

    // The file and the history.
    let text = r.read(&format!(".lanes/cards/{id}.yaml"));
    assert!(text.contains("lane: data-preparation"), "{text}");
    assert!(text.contains(&format!("title: {title}")), "{text}");
    assert_eq!(r.commit_count(), commits_before + 3);
    let subjects = r.subjects();
    assert_eq!(
        &subjects[..3],
        &[
            format!("lanes: move {short} {title} (data-understanding -> data-preparation)"),
            format!("lanes: move {short} {title} (business-understanding -> data-understanding)"),
            format!("lanes: add {short} {title} (business-understanding)"),
        ],
        "{subjects:?}"
    );
    assert_eq!(r.git(&["status", "--porcelain"]), "");
}

#[test]
fn quitting_restores_the_terminal() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    let t = Tmux::start(&r, true);
    wait_for_board(&t);
    // Open help and a prompt first: quitting from the board still restores.
    t.keys(&["?"]);
    t.wait_for_text("Esc closes");
    t.keys(&["Escape"]);
    t.wait_for("help to close", |s| !s.contains("Esc closes"));
    t.keys(&["q"]);
    t.wait_for_text(EXITED);
    assert_eq!(
        std::fs::read_to_string(&t.exit_file)
            .unwrap_or_default()
            .trim(),
        "0"
    );
    assert_cooked(&t.stty());
    assert_screen_restored(&t);
}

#[test]
fn sigterm_ends_the_app_and_restores_the_terminal() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    let t = Tmux::start(&r, true);
    wait_for_board(&t);
    // Mid-prompt, to be sure raw mode is in force.
    t.keys(&["n"]);
    t.wait_for_text("New task (Tab: hypothesis):");
    let pid = std::fs::read_to_string(&t.pid_file)
        .expect("the pid file")
        .trim()
        .to_string();
    assert!(pid.parse::<u32>().is_ok(), "{pid:?}");
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(status.success());
    t.wait_for_text(EXITED);
    assert_cooked(&t.stty());
    assert_screen_restored(&t);
    // Nothing was written.
    assert_eq!(r.git(&["status", "--porcelain"]), "");
}

#[test]
fn editing_in_the_editor_suspends_and_restores_the_board() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    lanes_outside(&r, &["add", "Card to edit"]);
    // The "editor": rewrites the title, or writes broken YAML when asked.
    let bad = r.base().join("bad");
    let editor = r.base().join("editor.sh");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\nif [ -f {bad} ]; then printf 'id: [\\n' > \"$1\"; else sed -i 's/^title: .*/title: Edited in the editor/' \"$1\"; fi\n",
            bad = sh_quote(&path_str(&bad))
        ),
    )
    .expect("write the editor");
    let editor_cmd = format!("sh {}", sh_quote(&path_str(&editor)));
    let commits = r.commit_count();
    let t = Tmux::start_with(&r, false, &[("EDITOR", &editor_cmd)]);
    wait_for_board(&t);
    t.wait_for_text("Card to edit");
    t.keys(&["e"]);
    let screen = t.wait_for("the edited title", |s| {
        s.contains("Edited in the editor") && s.contains("lanes: edit")
    });
    assert!(!screen.contains("Card to edit"), "{screen}");
    assert_eq!(
        t.pane_format("#{alternate_on}"),
        "1",
        "back on the board screen"
    );
    assert_eq!(r.commit_count(), commits + 1);

    // Broken text is refused; the card is unchanged and the text kept.
    std::fs::write(&bad, "").expect("write the flag");
    t.keys(&["e"]);
    let screen = t.wait_for("the refusal", |s| s.contains("did not find expected"));
    assert!(screen.contains("Edited in the editor"), "{screen}");
    assert_eq!(t.pane_format("#{alternate_on}"), "1");
    assert_eq!(r.commit_count(), commits + 1);
    assert_eq!(r.git(&["status", "--porcelain"]), "");
    // The user's text is kept.
    let kept: Vec<PathBuf> = std::fs::read_dir(r.path.join(".git/lanes/recovery"))
        .map(|d| d.map(|e| e.expect("an entry").path()).collect())
        .unwrap_or_default();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        std::fs::read_to_string(&kept[0]).expect("the kept text"),
        "id: [\n"
    );
    t.keys(&["q"]);
    t.wait_for_end();
}

/// CPU time (user + system) a process has used, from /proc.
fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let hz = u64::try_from(hz).ok().filter(|h| *h > 0)?;
    Some(Duration::from_millis(ticks * 1000 / hz))
}

#[test]
fn an_idle_board_does_no_work() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    lanes_outside(&r, &["add", "Some card"]);
    let t = Tmux::start(&r, false);
    wait_for_board(&t);
    t.wait_for_text("Some card");
    let pid = std::fs::read_to_string(&t.pid_file)
        .expect("the pid file")
        .trim()
        .to_string();
    if cpu_time(&pid).is_none() {
        eprintln!("skipping: no /proc to measure CPU time");
        return;
    }
    // Let start-up work (status, first watch events) settle.
    std::thread::sleep(Duration::from_secs(1));
    let before = cpu_time(&pid).expect("cpu time");
    let start = Instant::now();
    let mut reloads_seen = 0;
    while start.elapsed() < Duration::from_secs(3) {
        let screen = t.screen();
        if screen.contains("reloading") {
            reloads_seen += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let used = cpu_time(&pid).expect("cpu time") - before;
    assert!(
        reloads_seen == 0 && used < Duration::from_millis(150),
        "nothing changed, yet lanes showed \"reloading\" on {reloads_seen} of ~30 screens \
         and used {used:?} of CPU in 3 s"
    );
    t.keys(&["q"]);
    t.wait_for_end();
}

#[test]
fn a_lane_longer_than_the_first_screen_loads_whole() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    // More cards in one lane than the first screen decodes (one per row).
    for n in 0..60u8 {
        let id = format!("long{n:02}xk7m");
        r.write_card(
            &id,
            &format!(
                "id: {id}\ntitle: Long lane card {n:02}\nlane: business-understanding\nrank: {}{}\n",
                (b'b' + n / 20) as char,
                (b'b' + n % 20) as char
            ),
        );
    }
    r.commit_all("sixty cards");
    let t = Tmux::start(&r, false);
    // The header counts every card at once, not just the loaded top.
    let screen = t.wait_for("the board", |s| s.contains("Long lane card 00"));
    assert!(screen.contains(" 60/3 !"), "{screen}");
    assert!(!screen.contains("shown)"), "{screen}");
    // Walk to the 51st card (past the first screen's share) and open it.
    for _ in 0..50 {
        t.keys(&["j"]);
    }
    t.keys(&["Enter"]);
    let screen = t.wait_for("the detail of card 50", |s| {
        s.contains("long50xk7m") && s.contains("Esc close")
    });
    assert!(screen.contains("Long lane card 50"), "{screen}");
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    t.wait_for_end();
}

/// A researcher's day in an 80x24 pane (issue 15): a config typo, an
/// unreadable card, the hypotheses table, writing a hypothesis on screen,
/// J presses that become one commit, help, and the way out.
#[test]
fn a_day_in_an_80x24_pane() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    for (title, extra) in [
        ("Define churn metric", vec![]),
        ("Profile event logs", vec![]),
        ("Audit click data", vec![]),
        (
            "Session features",
            vec![
                "--lane",
                "modeling",
                "--hypothesis",
                "Session features lift CTR by two points",
                "--metric",
                "ctr",
            ],
        ),
    ] {
        let mut args = vec!["add", title];
        args.extend(extra);
        lanes_outside(&r, &args);
    }
    // A teammate's card that does not read, and a config with a typo.
    std::fs::write(
        r.path.join(".lanes/cards/zzbroken01.yaml"),
        "id: zzbroken01\ntitle: [unclosed\n",
    )
    .expect("write a broken card");
    std::fs::create_dir_all(&r.config).expect("the config folder");
    std::fs::write(r.config.join("config.yaml"), "keys:\n  quit: [Qq]\n").expect("config");
    let commits = r.commit_count();
    let t = Tmux::start_sized(&r, true, &[], 80, 24);
    // The config problem opens whole, with file:line:col; Esc closes it.
    let screen = t.wait_for("the config problem", |s| {
        s.contains("config.yaml:2:10: cannot read key \"Qq\" for")
    });
    assert!(screen.contains("Esc closes"), "{screen}");
    t.keys(&["Escape"]);
    // The unreadable card is off to the right; the status bar says so.
    let screen = t.wait_for("the problem count", |s| {
        s.contains("1 unreadable file (!)") && !s.contains("Esc closes")
    });
    assert!(
        !screen.contains("Unreadable files"),
        "off screen at first:\n{screen}"
    );
    t.keys(&["!"]);
    let screen = t.wait_for("the unreadable file, whole", |s| {
        s.contains("Unreadable files") && s.contains("zzbroken01.yaml")
    });
    assert!(screen.contains("Esc closes"), "{screen}");
    t.keys(&["Escape"]);

    // The hypotheses table at 80 columns: readable, with a cursor.
    t.keys(&["p"]);
    let screen = t.wait_for_text("Session features lift CTR");
    assert!(screen.contains("Hypotheses"), "{screen}");
    t.keys(&["Enter"]);
    // The table shows "metric" and "ctr" too: wait for the popup itself,
    // and for it to close, so the Escapes are not sent in one read
    // (crossterm reads ESC ESC as one Esc).
    t.wait_for("the card's details", |s| {
        s.contains("metric") && s.contains("ctr") && s.contains("Esc close")
    });
    t.keys(&["Escape"]);
    t.wait_for("the table again", |s| {
        s.contains("Hypotheses · by lane") && !s.contains("Esc close")
    });
    t.keys(&["Escape"]);
    t.wait_for("the board", |s| !s.contains("Hypotheses"));

    // A hypothesis written on screen, in the first lane.
    t.keys(&["g", "h", "h", "h", "h", "n"]);
    t.wait_for_text("New task");
    t.keys(&["Tab"]);
    for (step, value) in [
        ("1/6 title", "Dropout lowers loss"),
        ("2/6 statement", "More dropout regularises"),
        ("3/6 metric", "val_loss"),
        ("4/6 better", "lower"),
        ("5/6 baseline", "0.41"),
        ("6/6 target", "0.38"),
    ] {
        t.wait_for_text(step);
        t.type_text(value);
        t.keys(&["Enter"]);
    }
    t.wait_for_text("lanes: add");
    assert_eq!(r.commit_count(), commits + 1);
    let text = std::fs::read_dir(r.path.join(".lanes/cards"))
        .expect("cards")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).unwrap_or_default())
        .find(|t| t.contains("Dropout lowers loss"))
        .expect("the new card");
    assert!(
        text.contains("direction: lower") && text.contains("target: 0.38"),
        "{text}"
    );

    // Three J presses in a row: the card moves at once, one commit.
    t.keys(&["g", "J", "J", "J"]);
    t.wait_for("the three presses committed", |_| {
        r.list_json(&["--lane", "business-understanding"])
            .last()
            .is_some_and(|c| c["title"] == "Define churn metric")
    });
    assert_eq!(
        r.commit_count(),
        commits + 2,
        "one commit for three presses"
    );

    // Help is per view and scrolls; then q still quits.
    t.keys(&["?"]);
    let screen = t.wait_for_text("Keys · board");
    assert!(screen.contains("Move around"), "{screen}");
    t.keys(&["G"]);
    t.wait_for_text("Mouse");
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    t.wait_for_text(EXITED);
    assert_eq!(
        std::fs::read_to_string(&t.exit_file)
            .unwrap_or_default()
            .trim(),
        "0",
        "{}",
        t.diagnostics()
    );
}

/// Undo, redo, a checklist tick, a filter and a message that goes by
/// itself, at 80x24 in a real terminal.
#[test]
fn undo_redo_ticks_and_filters_in_an_80x24_pane() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    let id = lanes_outside(&r, &["add", "Agree the metric", "--label", "kpi"]);
    let id = String::from_utf8_lossy(&id.stdout).trim().to_string();
    let path = r.path.join(format!(".lanes/cards/{id}.yaml"));
    let mut text = std::fs::read_to_string(&path).expect("the card");
    text.push_str(
        "checklist:\n  - text: Draft it\n    done: false\n  - text: Sign off\n    done: false\n",
    );
    std::fs::write(&path, text).expect("write the checklist");
    r.commit_all("a checklist");
    lanes_outside(&r, &["add", "Profile the logs"]);
    let start = r.commit_count();
    let t = Tmux::start_sized(&r, true, &[], 80, 24);
    t.wait_for_text("Agree the metric");

    // T, Space: one item ticked, one commit.
    t.keys(&["g", "T"]);
    t.wait_for_text("Checklist 0/2");
    t.keys(&["Space"]);
    t.wait_for_text("[x] Draft it");
    t.keys(&["Escape"]);
    t.wait_for_text("☑1/2");
    assert_eq!(r.commit_count(), start + 1);

    // L moves it; u takes back the move, u again the tick; Ctrl+r redoes.
    t.keys(&["L"]);
    t.wait_for("the move", |_| r.commit_count() == start + 2);
    t.keys(&["u"]);
    t.wait_for("the undo of the move", |_| r.commit_count() == start + 3);
    t.keys(&["u"]);
    t.wait_for_text("☑0/2");
    assert_eq!(r.commit_count(), start + 4);
    t.keys(&["C-r"]);
    t.wait_for_text("☑1/2");
    assert_eq!(r.commit_count(), start + 5);
    let text = std::fs::read_to_string(&path).expect("the card");
    assert!(text.contains("lane: business-understanding"), "{text}");
    assert!(text.contains("- text: Draft it\n    done: true"), "{text}");

    // A filter hides lanes with no match and says how many cards show.
    t.keys(&["/"]);
    t.type_text("label:kpi");
    t.keys(&["Enter"]);
    let screen = t.wait_for_text("1 card shown");
    assert!(!screen.contains("Profile the logs"), "{screen}");
    assert!(!screen.contains("Data Understanding"), "{screen}");
    // The message goes by itself.
    t.wait_within(TIMEOUT, "the message to expire", |s| {
        !s.contains("card shown")
    });
    // (Esc and q typed at once are two keys too: see
    // `esc_and_a_key_in_one_write_are_two_keys`.)
    t.keys(&["Escape"]);
    t.wait_for_text("filter cleared");
    t.keys(&["q"]);
    t.wait_for_text(EXITED);
}

/// Ctrl+o in the note prompt: a longer note in $EDITOR, starting from
/// what was typed; the file is gone once the note is committed.
#[test]
fn a_long_note_is_written_in_the_editor() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    let id = lanes_outside(&r, &["add", "Card with a story"]);
    let id = String::from_utf8_lossy(&id.stdout).trim().to_string();
    let editor = r.base().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf 'First line typed\\nsecond line from the editor\\n# dropped\\n' > \"$1\"\n",
    )
    .expect("write the editor");
    let editor_cmd = format!("sh {}", sh_quote(&path_str(&editor)));
    let commits = r.commit_count();
    let t = Tmux::start_sized(&r, false, &[("EDITOR", &editor_cmd)], 80, 24);
    t.wait_for_text("Card with a story");
    t.keys(&["c"]);
    t.wait_for_text("Journal note");
    t.type_text("First line typed");
    t.keys(&["C-o"]);
    t.wait_for("the note committed", |_| r.commit_count() == commits + 1);
    let text = r.read(&format!(".lanes/cards/{id}.yaml"));
    assert!(
        text.contains("First line typed\n      second line from the editor"),
        "{text}"
    );
    assert!(!text.contains("dropped"), "{text}");
    // The worker removes the note's file once the commit is made.
    let notes_left = || {
        std::fs::read_dir(r.path.join(".git/lanes"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.file_name().to_string_lossy().starts_with("note-"))
                    .count()
            })
            .unwrap_or(0)
    };
    t.wait_for("the note's file removed", |_| notes_left() == 0);
    t.keys(&["q"]);
    t.wait_for_end();
}

// ---------------------------------------------------------------------------
// Quitting keeps what the screen showed; keys typed fast (issue 21)

/// Three cards in the first lane, in this order.
const THREE: [&str; 3] = ["Alpha card", "Bravo card", "Charlie card"];

fn repo_with_three() -> Repo {
    let r = repo_with_board();
    for title in THREE {
        lanes_outside(&r, &["add", title]);
    }
    r
}

/// The titles of the first lane's cards on disk, in order.
fn order_on_disk(r: &Repo) -> Vec<String> {
    r.list_json(&["--lane", "business-understanding"])
        .iter()
        .map(|c| c["title"].as_str().expect("a title").to_string())
        .collect()
}

/// The three titles in the order the screen shows them, if all are shown.
fn order_on_screen(screen: &str) -> Option<Vec<String>> {
    let mut rows = THREE
        .iter()
        .map(|t| card_position(screen, t).map(|(_, y)| (y, t.to_string())))
        .collect::<Option<Vec<_>>>()?;
    rows.sort();
    Some(rows.into_iter().map(|(_, t)| t).collect())
}

fn lanes_pid(t: &Tmux) -> String {
    let pid = std::fs::read_to_string(&t.pid_file)
        .expect("the pid file")
        .trim()
        .to_string();
    assert!(pid.parse::<u32>().is_ok(), "{pid:?}");
    pid
}

fn exit_code(t: &Tmux) -> String {
    std::fs::read_to_string(&t.exit_file)
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// What lanes printed on its stderr.
fn lanes_stderr(t: &Tmux) -> String {
    std::fs::read_to_string(&t.stderr_file).unwrap_or_default()
}

#[test]
fn j_then_q_within_the_pause_commits_the_reorder() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_three();
    let commits = r.commit_count();
    let t = Tmux::start_sized(&r, true, &[], 80, 24);
    t.wait_for("the three cards", |s| order_on_screen(s).is_some());
    // Alpha is selected; J and q in one write: q comes within the pause.
    t.keys(&["J", "q"]);
    t.wait_within(LONG, "lanes to exit", |s| s.contains(EXITED));
    assert_eq!(exit_code(&t), "0", "{}", t.diagnostics());
    assert_eq!(
        order_on_disk(&r),
        ["Bravo card", "Alpha card", "Charlie card"]
    );
    assert_eq!(r.commit_count(), commits + 1);
    assert!(
        r.head_subject()
            .contains("reorder in business-understanding"),
        "{}",
        r.log()
    );
    assert_eq!(r.git(&["status", "--porcelain"]), "");
    assert_cooked(&t.stty());
    assert_screen_restored(&t);
}

/// Press `J` (or `K` back), see it on screen, and send `signal` to lanes
/// while the press still waits for its commit; the reorder the screen
/// showed is committed before lanes exits.
fn a_signal_within_the_pause_keeps_the_reorder(signal: &str) {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_three();
    let t = Tmux::start_sized(&r, true, &[], 80, 24);
    t.wait_for("the three cards", |s| order_on_screen(s).is_some());
    let pid = lanes_pid(&t);
    let mut shown: Vec<String> = THREE.iter().map(|s| s.to_string()).collect();
    for attempt in 0.. {
        assert!(
            attempt < 10,
            "the pause always ended before the signal could be sent"
        );
        let before = r.commit_count();
        let key = if shown[0] == THREE[0] { "J" } else { "K" };
        shown.swap(0, 1);
        t.keys(&[key]);
        t.wait_for(&format!("{key} on screen"), |s| {
            order_on_screen(s).as_ref() == Some(&shown)
        });
        if r.commit_count() == before {
            let status = Command::new("kill")
                .args([signal, &pid])
                .status()
                .expect("run kill");
            assert!(status.success());
            break;
        }
        // The pause ended before we looked (a busy machine): that press is
        // committed; try again.
    }
    t.wait_within(LONG, "lanes to exit", |s| s.contains(EXITED));
    assert_eq!(order_on_disk(&r), shown, "{}", t.diagnostics());
    assert!(r.head_subject().contains("reorder"), "{}", r.log());
    assert_eq!(r.git(&["status", "--porcelain"]), "");
    assert_cooked(&t.stty());
    assert_screen_restored(&t);
}

#[test]
fn sigterm_within_the_pause_commits_the_reorder() {
    a_signal_within_the_pause_keeps_the_reorder("-TERM");
}

#[test]
fn sighup_within_the_pause_commits_the_reorder() {
    a_signal_within_the_pause_keeps_the_reorder("-HUP");
}

/// Long enough for anything lanes does on quit, on a loaded machine.
const LONG: Duration = Duration::from_secs(30);

/// A "remote" that accepts connections and never answers: a fetch from it
/// waits forever. It knows how many connections are still open (a git
/// that still runs keeps its connection open).
struct SilentRemote {
    port: u16,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    open: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SilentRemote {
    fn start() -> SilentRemote {
        use std::io::Read;
        use std::sync::atomic::Ordering::SeqCst;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen on 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let port = listener.local_addr().expect("its address").port();
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let open = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (a, o, s) = (accepted.clone(), open.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut conns = Vec::new();
            while !s.load(SeqCst) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        a.fetch_add(1, SeqCst);
                        o.fetch_add(1, SeqCst);
                        let (o, s) = (o.clone(), s.clone());
                        conns.push(std::thread::spawn(move || {
                            let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
                            let mut buf = [0u8; 4096];
                            // Read what git says, answer nothing, until it
                            // hangs up (or the test ends).
                            while !s.load(SeqCst) {
                                match stream.read(&mut buf) {
                                    Ok(0) => break,
                                    Ok(_) => {}
                                    Err(e)
                                        if matches!(
                                            e.kind(),
                                            std::io::ErrorKind::WouldBlock
                                                | std::io::ErrorKind::TimedOut
                                                | std::io::ErrorKind::Interrupted
                                        ) => {}
                                    Err(_) => break,
                                }
                            }
                            o.fetch_sub(1, SeqCst);
                        }));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
            for c in conns {
                let _ = c.join();
            }
        });
        SilentRemote {
            port,
            accepted,
            open,
            stop,
            thread: Some(thread),
        }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn open(&self) -> usize {
        self.open.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for SilentRemote {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Processes named `git` working in `dir` (from /proc; empty elsewhere).
fn git_processes_in(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter(|e| std::fs::read_link(e.path().join("cwd")).is_ok_and(|c| c == dir))
        .filter_map(|e| {
            let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            cmd.starts_with("git")
                .then(|| format!("{}: {cmd}", e.file_name().to_string_lossy()))
        })
        .collect()
}

/// A sync stuck on a remote that never answers, a move, then `q`: lanes
/// stops the sync (its git is killed, not left behind), makes the move,
/// says so on the terminal, and exits.
#[test]
fn quitting_during_a_stuck_sync_finishes_the_move_and_leaves_no_git_behind() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_three();
    let remote = SilentRemote::start();
    r.git(&[
        "remote",
        "add",
        "origin",
        &format!("git://127.0.0.1:{}/board.git", remote.port),
    ]);
    let commits = r.commit_count();
    let t = Tmux::start_sized(&r, false, &[], 80, 24);
    t.wait_for("the three cards", |s| order_on_screen(s).is_some());
    t.keys(&["s"]);
    t.wait_within(LONG, "the sync to reach the remote", |_| {
        remote.accepted() > 0
    });
    // The move waits behind the sync; q right after it.
    t.keys(&["L"]);
    t.wait_for("the card in the next lane", |s| {
        let x = |title| card_position(s, title).map(|p| p.0);
        (x("Alpha card").is_some() && x("Alpha card") != x("Bravo card")) || s.contains("moving")
    });
    t.keys(&["q"]);
    let start = Instant::now();
    while t.alive() {
        assert!(
            start.elapsed() < LONG,
            "lanes did not exit:\n{}\n{}",
            t.screen(),
            t.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let err = lanes_stderr(&t);
    eprintln!("lanes said on quitting:\n{err}");
    assert_eq!(r.commit_count(), commits + 1, "{err}");
    assert!(
        r.head_subject()
            .contains("(business-understanding -> data-understanding)"),
        "{}",
        r.log()
    );
    assert!(err.contains("finishing: moving"), "{err}");
    assert!(err.contains("done"), "{err}");
    assert!(err.contains("sync"), "what happened to the sync: {err}");
    // No git left behind: its connection to the remote is closed.
    let start = Instant::now();
    while remote.open() > 0 || !git_processes_in(&r.path).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "a git process outlived lanes ({} connection(s) still open): {:?}",
            remote.open(),
            git_processes_in(&r.path)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A sync stuck on a remote that never answers holds up no read: a card
/// changed in another terminal shows, and a card's history opens, while
/// the sync still waits.
#[test]
fn reads_do_not_wait_behind_a_stuck_sync() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_three();
    let remote = SilentRemote::start();
    r.git(&[
        "remote",
        "add",
        "origin",
        &format!("git://127.0.0.1:{}/board.git", remote.port),
    ]);
    let t = Tmux::start_sized(&r, false, &[], 100, 30);
    t.wait_for("the three cards", |s| order_on_screen(s).is_some());
    t.keys(&["s"]);
    t.wait_within(LONG, "the sync to reach the remote", |_| {
        remote.accepted() > 0
    });
    // Another terminal (an editor) retitles the first card.
    let alpha = r.list_json(&["--lane", "business-understanding"])[0]["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let path = card_path(&alpha);
    let text = r.read(&path).replace("Alpha card", "Alpha renamed");
    r.write(&path, &text);
    t.wait_within(LONG, "the new title on screen", |s| {
        s.contains("Alpha renamed") && s.contains("syncing")
    });
    // The selected card's history reads while the sync waits.
    t.keys(&["i"]);
    let (screen, _) = t.wait_within(LONG, "the card's history", |s| {
        s.contains("History") && !s.contains("reading history")
    });
    assert!(screen.contains("syncing"), "the sync still runs:\n{screen}");
    assert!(remote.open() > 0, "the sync still waits on the remote");
    t.keys(&["Escape", "q"]);
    let start = Instant::now();
    while t.alive() {
        assert!(
            start.elapsed() < LONG,
            "lanes did not exit:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `L L` typed quickly: two lanes on, not one.
#[test]
fn l_l_typed_quickly_moves_the_card_two_lanes() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    let id = lanes_outside(&r, &["add", "Quick mover"]);
    let id = String::from_utf8_lossy(&id.stdout).trim().to_string();
    let t = Tmux::start_sized(&r, false, &[], 80, 24);
    t.wait_for_text("Quick mover");
    let commits = r.commit_count();
    t.keys(&["L", "L"]);
    let screen = t.wait_within(LONG, "the move committed", |_| {
        r.commit_count() > commits
            && r.read(&format!(".lanes/cards/{id}.yaml"))
                .contains("lane: data-preparation")
    });
    assert_eq!(
        card_position(&screen.0, "Quick mover").map(|p| p.0),
        column_of(&screen.0, 1, "Data Preparation"),
        "{}",
        screen.0
    );
    assert!(
        r.head_subject().contains("-> data-preparation)"),
        "{}",
        r.log()
    );
    t.keys(&["q"]);
    t.wait_for_end();
}

/// `Esc` and the next key in one write (typed ahead, or over ssh) are two
/// keys: the popup closes and the key acts.
#[test]
fn esc_and_a_key_in_one_write_are_two_keys() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_three();
    let t = Tmux::start_sized(&r, false, &[], 80, 24);
    t.wait_for("the three cards", |s| order_on_screen(s).is_some());
    t.keys(&["Enter"]);
    t.wait_for_text("Esc close");
    // ESC and p in one write.
    t.type_text("\x1bp");
    t.wait_for("the hypotheses table", |s| {
        s.contains("Hypotheses") && !s.contains("Esc close")
    });
    // And by key name, in one send-keys: Escape then q quits.
    t.keys(&["Escape", "q"]);
    t.wait_for_end();
    assert_eq!(exit_code(&t), "0", "{}", t.diagnostics());
}

/// `n` and a title typed straight after it, in one write: the title is the
/// card's, whole (no key of it picks a kind or is lost).
#[test]
fn a_title_typed_straight_after_n_is_kept_whole() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    let commits = r.commit_count();
    let t = Tmux::start_sized(&r, false, &[], 80, 24);
    t.wait_for_text("? help");
    t.type_text("nCold-start rule\r");
    // On the board, the prompt closed: the card was committed.
    t.wait_for("the new card", |s| {
        s.contains("Cold-start rule") && !s.contains("New task")
    });
    assert_eq!(r.commit_count(), commits + 1, "{}", t.diagnostics());
    let files: Vec<PathBuf> = std::fs::read_dir(r.path.join(".lanes/cards"))
        .expect("the cards folder")
        .map(|e| e.expect("an entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).expect("the card");
    assert!(text.contains("title: Cold-start rule\n"), "{text}");
    assert!(text.contains("kind: task\n"), "{text}");
    t.keys(&["q"]);
    t.wait_for_end();
}

/// `m` then a lane's number, in one write at 80x24: the card is in that
/// lane in one commit.
#[test]
fn m_and_a_number_moves_the_card_to_that_lane() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    let title = "Feature store spike";
    lanes_outside(&r, &["add", title, "--lane", "business-understanding"]);
    let commits = r.commit_count();
    let t = Tmux::start_sized(&r, false, &[], 80, 24);
    t.wait_for_text(title);
    t.type_text("m3");
    let screen = t.wait_for("the card under Data Preparation", |s| {
        card_position(s, title).is_some_and(|(x, _)| Some(x) == column_of(s, 1, "Data Preparation"))
            && s.contains("lanes: move")
    });
    assert!(screen.contains("Data Preparation 1/"), "{screen}");
    assert_eq!(r.commit_count(), commits + 1, "{}", t.diagnostics());
    let subjects = r.subjects();
    assert!(
        subjects[0].contains("(business-understanding -> data-preparation)"),
        "{subjects:?}"
    );
    t.keys(&["q"]);
    t.wait_for_end();
}

/// The command palette at 80x24: `:` opens it, words typed choose
/// `move-right`, Enter runs it on the selected card: one commit.
#[test]
fn the_palette_finds_an_action_and_enter_runs_it() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    let title = "Agree the churn metric";
    lanes_outside(&r, &["add", title]);
    let commits = r.commit_count();
    let t = Tmux::start_sized(&r, false, &[], 80, 24);
    t.wait_for_text(title);
    t.keys(&[":"]);
    let screen = t.wait_for_text("Commands and views");
    // The template's saved views come first, then the commands.
    assert!(screen.contains("open-hypotheses"), "{screen}");
    t.type_text("move right");
    let screen = t.wait_for("the words and the best match", |s| {
        s.contains("› move right") && s.contains("Commands and views (1)")
    });
    assert!(
        screen.contains("move the card to the lane on the right"),
        "{screen}"
    );
    t.keys(&["Enter"]);
    t.wait_for("the card under Data Understanding, committed", |s| {
        card_position(s, title)
            .is_some_and(|(x, _)| Some(x) == column_of(s, 1, "Data Understanding"))
            && s.contains("lanes: move")
            && !s.contains("Commands and views")
    });
    assert_eq!(r.commit_count(), commits + 1, "{}", t.diagnostics());
    assert!(
        r.subjects()[0].contains("(business-understanding -> data-understanding)"),
        "{:?}",
        r.subjects()
    );
    // Ctrl+p opens it too; Esc closes it without running anything.
    t.keys(&["C-p"]);
    t.wait_for_text("Commands and views");
    t.keys(&["Escape"]);
    t.wait_for("the palette to close", |s| {
        !s.contains("Commands and views")
    });
    t.keys(&["q"]);
    t.wait_for_end();
    assert_eq!(r.commit_count(), commits + 1);
}

/// Saved views on number keys at 80x24: the template's (board.yaml) and
/// the user's own (config file); 0 shows every card again.
#[test]
fn number_keys_show_saved_views_in_an_80x24_pane() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    lanes_outside(&r, &["add", "Mine to do", "--assignee", "test"]);
    lanes_outside(&r, &["add", "Someone else's", "--assignee", "ana"]);
    lanes_outside(
        &r,
        &[
            "add",
            "Cold-start rule",
            "--lane",
            "modeling",
            "--hypothesis",
            "A rule beats popularity for new users",
            "--metric",
            "ctr",
        ],
    );
    std::fs::create_dir_all(&r.config).expect("the config folder");
    std::fs::write(
        r.config.join("config.yaml"),
        "views:\n  ana: {filter: \"@ana\"}\n",
    )
    .expect("config");
    let t = Tmux::start_sized(&r, false, &[], 80, 24);
    t.wait_for_text("Someone else's");
    // 1: mine (the git identity is Test User <test@...>).
    t.keys(&["1"]);
    let screen = t.wait_for_text("view 1: mine");
    assert!(screen.contains("Mine to do"), "{screen}");
    assert!(!screen.contains("Someone else's"), "{screen}");
    assert!(!screen.contains("Cold-start rule"), "{screen}");
    // 2: hypotheses without a verdict.
    t.keys(&["2"]);
    let screen = t.wait_for_text("view 2: open-hypotheses");
    assert!(screen.contains("Cold-start rule"), "{screen}");
    assert!(!screen.contains("Mine to do"), "{screen}");
    // 5: the user's own, after the board's four.
    t.keys(&["5"]);
    let screen = t.wait_for_text("view 5: ana");
    assert!(screen.contains("Someone else's"), "{screen}");
    assert!(!screen.contains("Mine to do"), "{screen}");
    // 0: every card.
    t.keys(&["0"]);
    t.wait_for("every card again", |s| {
        // (Modeling, with the hypothesis, is off to the right again.)
        s.contains("Mine to do")
            && s.contains("Someone else's")
            && s.contains("3 more ▶")
            && !s.contains("view 5")
    });
    t.keys(&["q"]);
    t.wait_for_end();
}

/// At 80x24, with board changes not committed and an unreadable file,
/// the feedback of a move is whole on the status line; the counts are
/// shortened, still there.
#[test]
fn a_moves_feedback_is_whole_on_a_busy_80_column_status_line() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    let title = "Spike";
    lanes_outside(&r, &["add", title, "--lane", "modeling"]);
    // Uncommitted: a card changed by hand; unreadable: a broken one.
    lanes_outside(&r, &["add", "Draft the plan"]);
    let other = std::fs::read_dir(r.path.join(".lanes/cards"))
        .expect("cards")
        .map(|e| e.expect("entry").path())
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("Draft the plan")))
        .expect("the second card");
    let text = std::fs::read_to_string(&other).expect("card");
    std::fs::write(&other, text.replace("Draft the plan", "Draft the plan v2")).expect("edit");
    std::fs::write(
        r.path.join(".lanes/cards/zzbroken01.yaml"),
        "id: zzbroken01\ntitle: [unclosed\n",
    )
    .expect("a broken card");
    let t = Tmux::start_sized(&r, false, &[], 80, 24);
    t.wait_for("the board and its problems", |s| {
        s.contains("uncommitted") && s.contains("1 unreadable file")
    });
    // To Modeling, fourth of the lanes (off screen at first), and on.
    t.keys(&["l", "l", "l"]);
    t.wait_for_text(title);
    t.keys(&["L"]);
    let screen = t.wait_for("the move's feedback", |s| s.contains("lanes: move"));
    let bottom = screen.lines().nth(23).unwrap_or_default().to_string();
    let short = bottom
        .split("lanes: move ")
        .nth(1)
        .and_then(|s| s.get(..6))
        .unwrap_or_default()
        .to_string();
    let whole = format!("lanes: move {short} {title} (modeling -> evaluation)");
    assert!(bottom.contains(&whole), "{whole:?} not whole in:\n{bottom}");
    assert!(bottom.contains('⚠'), "the problem count stays: {bottom}");
    assert!(
        bottom.contains("✎2") || bottom.contains("2 unc"),
        "the uncommitted count stays: {bottom}"
    );
    t.keys(&["q"]);
    t.wait_for_end();
}

// ---------------------------------------------------------------------------
// How cards connect (issue 25), in an 80x24 pane.

/// Add a card outside the screen: its full id.
fn add_card(r: &Repo, title: &str, lane: &str) -> String {
    let out = lanes_outside(r, &["add", title, "--lane", lane]);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The screen line just below the first one showing `needle`.
fn line_below(screen: &str, needle: &str) -> String {
    let mut lines = screen.lines();
    lines.find(|l| l.contains(needle));
    lines.next().unwrap_or_default().to_string()
}

/// A card waiting on two others shows `⊘2` under its title; done, one
/// of them no longer counts, as the screen follows the files.
#[test]
fn a_blocked_card_shows_how_many_cards_it_waits_on() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    let ranker = add_card(&r, "Train the ranker", "business-understanding");
    let clean = add_card(&r, "Clean the clickstream", "business-understanding");
    let sessions = add_card(&r, "Sessionise events", "data-understanding");
    lanes_outside(&r, &["link", &ranker, "--depends-on", &clean]);
    lanes_outside(&r, &["link", &ranker, "--depends-on", &sessions]);
    let t = Tmux::start_sized(&r, false, &[], 80, 24);
    let screen = t.wait_for("the badge", |s| {
        line_below(s, "Train the ranker").contains(&format!("{} ⊘2", short(&ranker)))
    });
    assert!(
        !line_below(&screen, "Clean the clickstream").contains('⊘'),
        "{screen}"
    );
    // A blocker done elsewhere (moved to the done lane): one left.
    lanes_outside(&r, &["move", &clean, "deployment"]);
    t.wait_for("one blocker left", |s| {
        line_below(s, "Train the ranker").contains(&format!("{} ⊘1", short(&ranker)))
    });
    t.keys(&["q"]);
    t.wait_for_end();
}

/// `b` shows the card's neighbourhood; `Enter` on a card in a lane off
/// screen goes there: the board scrolls to its lane and selects it.
#[test]
fn the_links_view_goes_to_a_card_in_a_lane_off_screen() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    let ranker = add_card(&r, "Train the ranker", "business-understanding");
    let canary = add_card(&r, "Canary the pipeline", "deployment");
    let report = add_card(&r, "Weekly report", "evaluation");
    lanes_outside(&r, &["link", &ranker, "--depends-on", &canary]);
    lanes_outside(&r, &["link", &report, "--depends-on", &ranker]);
    let t = Tmux::start_sized(&r, false, &[], 80, 24);
    let screen = t.wait_for_text("Train the ranker");
    assert!(
        !screen.contains("Deployment"),
        "off screen at 80 columns:\n{screen}"
    );
    t.keys(&["b"]);
    let screen = t.wait_for("the links view", |s| {
        s.contains("depends on (1)") && s.contains("blocks (1)")
    });
    for want in [
        format!("{} Canary the pipeline · Deployment", short(&canary)),
        format!("{} Weekly report · Evaluation", short(&report)),
    ] {
        assert!(screen.contains(&want), "no {want:?} in:\n{screen}");
    }
    // The first card (what it depends on) is selected: go there.
    t.keys(&["Enter"]);
    let screen = t.wait_for("the board at the card", |s| {
        s.contains(&format!("at {} Canary the pipeline", short(&canary)))
            && header_column(s, "Deployment").is_some()
    });
    assert!(
        !screen.contains("depends on (1)"),
        "the view closed:\n{screen}"
    );
    // It is the selected card: its details open.
    t.keys(&["Enter"]);
    t.wait_for("its details", |s| {
        s.contains(&format!("{} · Canary the pipeline", short(&canary)))
    });
    t.keys(&["Escape", "q"]);
    t.wait_for_end();
}

/// `a`, a few letters of the other card's title, `Enter`, `d`: one
/// commit linking the two, as `lanes link --depends-on` makes it.
#[test]
fn a_link_is_added_by_picking_the_card_from_a_fuzzy_list() {
    if !tmux_or_skip() {
        return;
    }
    let r = repo_with_board();
    let ranker = add_card(&r, "Train the ranker", "business-understanding");
    let clean = add_card(&r, "Clean the clickstream", "data-preparation");
    add_card(&r, "Weekly report", "evaluation");
    let commits = r.commit_count();
    let t = Tmux::start_sized(&r, false, &[], 80, 24);
    t.wait_for_text("Train the ranker");
    t.keys(&["a"]);
    t.wait_for_text(&format!("Link {} to", short(&ranker)));
    t.type_text("click");
    let screen = t.wait_for("one card found", |s| {
        s.contains("1 card") && s.contains("Find: click")
    });
    assert!(screen.contains("Clean the clickstream"), "{screen}");
    assert!(!screen.contains("Weekly report"), "{screen}");
    t.keys(&["Enter"]);
    t.wait_for_text("this card depends on it");
    t.keys(&["d"]);
    t.wait_for("the link on the board", |s| {
        line_below(s, "Train the ranker").contains(&format!("{} ⊘1", short(&ranker)))
            && s.contains("lanes: link")
    });
    assert_eq!(r.commit_count(), commits + 1, "{}", t.diagnostics());
    let subject = &r.subjects()[0];
    assert!(
        subject.contains(&format!("link {} Train the ranker", short(&ranker)))
            && subject.contains(&format!("depends on {}", short(&clean))),
        "{subject}"
    );
    let file = std::fs::read_to_string(r.path.join(card_path(&ranker))).expect("the card");
    assert!(
        file.contains(&format!("depends_on:\n  - {clean}\n")),
        "{file}"
    );
    t.keys(&["q"]);
    t.wait_for_end();
}
