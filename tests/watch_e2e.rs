//! The live board in a real terminal (issue 4): the real `lanes` binary
//! runs in tmux on a temporary board while a second process changes cards
//! with `lanes move` and `lanes note`; the screen must follow within a
//! second and keep the selection on the same card.
//!
//! Skipped (with a message) when tmux is not installed. Each test runs its
//! own tmux server (`tmux -L <socket>`), killed when the test ends, pass or
//! fail. `LANES_E2E_VERBOSE=1` prints each screen waited for.

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::TestRepo;
use unicode_width::UnicodeWidthStr;

const LANES: &str = env!("CARGO_BIN_EXE_lanes");
const WIDTH: u16 = 120;
const HEIGHT: u16 = 35;
/// Waiting for the board to start, keys to act, popups to open.
const TIMEOUT: Duration = Duration::from_secs(5);
/// A change made by another process must be on screen within this.
const LIVE: Duration = Duration::from_secs(1);

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

macro_rules! require_tmux {
    () => {
        if !tmux_available() {
            eprintln!("skipping: tmux is not installed (the live-board end-to-end tests need it)");
            return;
        }
    };
}

/// Quote for a POSIX shell.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn path_str(p: &Path) -> String {
    p.to_str().expect("a UTF-8 path").to_string()
}

/// A tmux server of our own running lanes in one pane; dropping it kills
/// the server, and lanes with it.
struct Tmux {
    socket: String,
    stderr_file: PathBuf,
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

impl Tmux {
    /// Start lanes on the board in `r` in a `WIDTH`x`HEIGHT` terminal.
    fn start(r: &TestRepo) -> Tmux {
        static N: AtomicUsize = AtomicUsize::new(0);
        let t = Tmux {
            socket: format!(
                "lanes-watch-e2e-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ),
            stderr_file: r.base.join("stderr.txt"),
        };
        let q = |p: &Path| sh_quote(&path_str(p));
        let mut text = String::from("#!/bin/sh\n");
        text.push_str(
            "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_CONFIG GIT_CONFIG_GLOBAL \
             GIT_CONFIG_SYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME \
             GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_DATE LANES_BOARD LANES_WATCH \
             EDITOR VISUAL\n",
        );
        text.push_str(&format!(
            "export HOME={} LANES_CONFIG_DIR={} XDG_CONFIG_HOME={} NO_COLOR=1 \
             GIT_CONFIG_NOSYSTEM=1 LANG=C.UTF-8 LC_ALL=C.UTF-8\n",
            q(&r.home),
            q(&r.config),
            q(&r.home.join(".config")),
        ));
        text.push_str(&format!("cd {} || exit 1\n", q(&r.root)));
        text.push_str(&format!(
            "exec {} 2> {}\n",
            sh_quote(LANES),
            q(&t.stderr_file)
        ));
        let script = r.base.join("run.sh");
        std::fs::write(&script, text).expect("write the wrapper script");
        let out = t.run(&[
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            &WIDTH.to_string(),
            "-y",
            &HEIGHT.to_string(),
            &format!("sh {}", q(&script)),
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("run tmux")
    }

    /// Press keys (tmux key names).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "send-keys {keys:?}");
    }

    /// The screen as text.
    fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", "main"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn diagnostics(&self) -> String {
        format!(
            "stderr of lanes: {}",
            std::fs::read_to_string(&self.stderr_file).unwrap_or_default()
        )
    }

    /// Poll the screen until `ok` holds or `limit` passes. Returns the screen
    /// and how long it took.
    fn wait_within(
        &self,
        limit: Duration,
        what: &str,
        ok: impl Fn(&str) -> bool,
    ) -> (String, Duration) {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                if std::env::var_os("LANES_E2E_VERBOSE").is_some() {
                    eprintln!("--- {what}:\n{screen}");
                }
                return (screen, start.elapsed());
            }
            if start.elapsed() > limit {
                panic!(
                    "{what}: not on screen after {limit:?}; the screen:\n{screen}\n{}",
                    self.diagnostics()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        self.wait_within(TIMEOUT, what, ok).0
    }
}

/// Run the lanes binary (not in the terminal) in the repository.
fn lanes(r: &TestRepo, args: &[&str]) -> Output {
    let mut cmd = Command::new(LANES);
    r.isolate(&mut cmd);
    let out = cmd
        .args(args)
        .current_dir(&r.root)
        .env("NO_COLOR", "1")
        .env_remove("LANES_WATCH")
        .output()
        .expect("run lanes");
    assert!(
        out.status.success(),
        "lanes {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Add a card to the first lane; its full id.
fn add(r: &TestRepo, title: &str) -> String {
    let out = lanes(r, &["add", title]);
    let text = String::from_utf8_lossy(&out.stdout);
    let id = text
        .split_whitespace()
        .find(|w| w.len() >= 6 && lanes::model::id::is_valid(w))
        .unwrap_or_else(|| panic!("no id in the output of lanes add: {text:?}"))
        .to_string();
    // The printed id may be the short one: the file has the full one.
    std::fs::read_dir(r.root.join(".lanes/cards"))
        .expect("the cards folder")
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_string))
        .find(|f| f.starts_with(&id))
        .unwrap_or_else(|| panic!("no card file for {id}"))
}

/// A crisp-dm board with three cards in Business Understanding.
fn board() -> (TestRepo, [String; 3]) {
    let r = TestRepo::git_only();
    lanes(&r, &["init"]);
    let ids = [
        add(&r, "Alpha card"),
        add(&r, "Beta card"),
        add(&r, "Gamma card"),
    ];
    (r, ids)
}

/// (column, row) of the first line below the headers showing `needle`.
fn card_position(screen: &str, needle: &str) -> Option<(usize, usize)> {
    screen
        .lines()
        .enumerate()
        .skip(3)
        .take(HEIGHT as usize - 4)
        .find_map(|(y, line)| line.find(needle).map(|i| (line[..i].width(), y)))
}

/// The column of a lane's title in the header row (the second row).
fn header_column(screen: &str, lane_title: &str) -> Option<usize> {
    let line = screen.lines().nth(1)?;
    line.find(lane_title).map(|i| line[..i].width())
}

/// The card titled `title` is drawn under the lane `lane_title`.
fn in_lane(screen: &str, title: &str, lane_title: &str) -> bool {
    match (
        card_position(screen, title),
        header_column(screen, lane_title),
    ) {
        (Some((x, _)), Some(h)) => x == h,
        _ => false,
    }
}

/// The board is up.
fn wait_for_board(t: &Tmux) -> String {
    t.wait_for("the board", |s| {
        s.contains("Business Understanding") && s.contains("? help") && s.contains("Gamma card")
    })
}

/// Open the detail popup of the selected card, check it is `id`, close it.
fn assert_selected(t: &Tmux, id: &str) -> String {
    t.keys(&["Enter"]);
    let screen = t.wait_for(&format!("the detail of {id}"), |s| {
        s.contains("Esc close") && s.contains(id)
    });
    t.keys(&["Escape"]);
    t.wait_for("the detail to close", |s| !s.contains("Esc close"));
    screen
}

#[test]
fn a_move_by_another_process_shows_within_a_second_and_keeps_the_selection() {
    require_tmux!();
    let (r, [_alpha, _beta, gamma]) = board();
    let t = Tmux::start(&r);
    let screen = wait_for_board(&t);
    assert!(
        in_lane(&screen, "Gamma card", "Business Understanding"),
        "{screen}"
    );
    // Select Gamma, the third card of the first lane.
    t.keys(&["j", "j"]);
    assert_selected(&t, &gamma);

    let started = Instant::now();
    lanes(&r, &["move", &gamma, "modeling"]);
    let finished = Instant::now();
    let (screen, after_exit) = t.wait_within(LIVE, "Gamma card under Modeling", |s| {
        in_lane(s, "Gamma card", "Modeling")
    });
    eprintln!(
        "lanes move ran for {:?}; the screen showed the card {after_exit:?} after it exited",
        finished - started,
    );
    assert!(screen.contains("Modeling 1/4"), "{screen}");
    assert!(screen.contains("Business Understanding 2/3"), "{screen}");
    assert!(
        !in_lane(&screen, "Gamma card", "Business Understanding"),
        "{screen}"
    );

    // The selection followed the card to its new lane.
    let detail = assert_selected(&t, &gamma);
    assert!(detail.contains("Gamma card"), "{detail}");
    assert!(
        detail
            .lines()
            .any(|l| l.contains("lane") && l.contains("Modeling")),
        "the detail shows the new lane:\n{detail}"
    );
    // Nothing was written by the board itself.
    assert_eq!(r.git(&["status", "--porcelain"]), "");
    t.keys(&["q"]);
}

#[test]
fn a_note_added_by_another_process_shows_in_the_detail() {
    require_tmux!();
    let (r, [alpha, beta, _gamma]) = board();
    let t = Tmux::start(&r);
    wait_for_board(&t);
    t.keys(&["j"]);
    assert_selected(&t, &beta);

    let note = "Run 17 finished: AUC 0.912 on the hold-out split";
    let written = Instant::now();
    lanes(&r, &["note", &beta, note]);
    // Reopen the detail until the note shows (within a second).
    let shown = loop {
        t.keys(&["Enter"]);
        let screen = t.wait_for("the detail", |s| {
            s.contains("Esc close") && s.contains(&beta)
        });
        t.keys(&["Escape"]);
        t.wait_for("the detail to close", |s| !s.contains("Esc close"));
        if screen.contains(note) {
            break screen;
        }
        assert!(
            written.elapsed() <= LIVE + Duration::from_millis(500),
            "the note is not in the detail {:?} after `lanes note`:\n{screen}\n{}",
            written.elapsed(),
            t.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    eprintln!(
        "the note was in the detail {:?} after `lanes note` started",
        written.elapsed()
    );
    assert!(shown.contains("Journal"), "{shown}");
    assert!(shown.contains("Beta card"), "{shown}");
    // Still on Beta, the other cards untouched.
    assert_selected(&t, &beta);
    let screen = t.screen();
    assert!(
        screen.contains("Alpha card") && screen.contains(&alpha[..6]),
        "{screen}"
    );
    t.keys(&["q"]);
}
