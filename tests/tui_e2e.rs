//! The real `lanes` binary in a real terminal: tmux runs it on a temporary
//! board, `send-keys` types, `capture-pane` reads the screen. Skipped (with
//! a message) when tmux is not installed.
//!
//! Each test uses its own tmux server (`tmux -L <socket>`), so the
//! developer's tmux sessions are never touched, and the server is killed
//! when the test ends, pass or fail. Set `LANES_E2E_VERBOSE=1` to see
//! each screen the tests waited for.

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
const TIMEOUT: Duration = Duration::from_secs(5);
/// Printed by the wrapper script once lanes has exited.
const EXITED: &str = "LANES-E2E-EXITED";

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

macro_rules! require_tmux {
    () => {
        if !tmux_available() {
            eprintln!("skipping: tmux not installed");
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

/// A tmux server of our own running lanes in one pane. Dropping it kills
/// the server (and so lanes, if it still runs).
struct Tmux {
    socket: String,
    /// The server's socket file, removed with the server.
    socket_path: Option<PathBuf>,
    /// Files the wrapper script writes.
    pid_file: PathBuf,
    stty_file: PathBuf,
    exit_file: PathBuf,
    stderr_file: PathBuf,
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
        if let Some(p) = &self.socket_path {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Tmux {
    /// Start lanes on the board in `r` in a `WIDTH`x`HEIGHT` terminal.
    /// With `linger`, the pane stays open after lanes exits (showing
    /// `EXITED`) so the terminal's state can be inspected.
    fn start(r: &TestRepo, linger: bool) -> Tmux {
        Tmux::start_with(r, linger, &[])
    }

    /// `start`, with extra environment variables for lanes.
    fn start_with(r: &TestRepo, linger: bool, env: &[(&str, &str)]) -> Tmux {
        static N: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "lanes-e2e-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut t = Tmux {
            socket,
            socket_path: None,
            pid_file: r.base.join("lanes.pid"),
            stty_file: r.base.join("stty.txt"),
            exit_file: r.base.join("exit.txt"),
            stderr_file: r.base.join("stderr.txt"),
        };
        let script = r.base.join("run.sh");
        let q = |p: &Path| sh_quote(&path_str(p));
        let mut text = String::from("#!/bin/sh\n");
        text.push_str(
            "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_CONFIG GIT_CONFIG_GLOBAL \
             GIT_CONFIG_SYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME \
             GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_DATE LANES_BOARD EDITOR VISUAL\n",
        );
        text.push_str(&format!(
            "export HOME={} LANES_CONFIG_DIR={} XDG_CONFIG_HOME={} NO_COLOR=1 GIT_CONFIG_NOSYSTEM=1 LANG=C.UTF-8 LC_ALL=C.UTF-8\n",
            q(&r.home),
            q(&r.config),
            q(&r.home.join(".config")),
        ));
        for (k, v) in env {
            text.push_str(&format!("export {k}={}\n", sh_quote(v)));
        }
        text.push_str(&format!("cd {} || exit 1\n", q(&r.root)));
        // The inner shell records its pid and becomes lanes (exec), so the
        // pid file holds lanes's own pid.
        text.push_str(&format!(
            "sh -c 'echo $$ > \"$1\"; exec \"$2\"' sh {} {} 2> {}\n",
            q(&t.pid_file),
            sh_quote(LANES),
            q(&t.stderr_file)
        ));
        text.push_str(&format!("echo $? > {}\n", q(&t.exit_file)));
        text.push_str(&format!("stty -a > {}\n", q(&t.stty_file)));
        if linger {
            text.push_str(&format!("echo {EXITED}\nsleep 60\n"));
        }
        std::fs::write(&script, text).expect("write the wrapper script");
        let out = t
            .cmd()
            .args([
                "new-session",
                "-d",
                "-s",
                "main",
                "-x",
                &WIDTH.to_string(),
                "-y",
                &HEIGHT.to_string(),
                &format!("sh {}", q(&script)),
            ])
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = t.run(&["display-message", "-p", "#{socket_path}"]);
        let path = String::from_utf8_lossy(&path.stdout).trim().to_string();
        if path.ends_with(&t.socket) {
            t.socket_path = Some(PathBuf::from(path));
        }
        t
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run tmux")
    }

    /// Send keys by tmux name (`Enter`, `Escape`, `L`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(
            out.status.success(),
            "send-keys {keys:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Type text literally.
    fn type_text(&self, text: &str) {
        let out = self.run(&["send-keys", "-t", "main", "-l", text]);
        assert!(out.status.success(), "send-keys -l {text:?}");
    }

    fn alive(&self) -> bool {
        self.run(&["has-session", "-t", "main"]).status.success()
    }

    /// The screen as text (empty if the session is gone).
    fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", "main"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A tmux format for the pane, e.g. `#{alternate_on}`.
    fn pane_format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "main", format]);
        assert!(out.status.success(), "display-message {format}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn diagnostics(&self) -> String {
        format!(
            "stderr of lanes: {}\nexit: {}",
            std::fs::read_to_string(&self.stderr_file).unwrap_or_default(),
            std::fs::read_to_string(&self.exit_file).unwrap_or_default()
        )
    }

    /// Poll the screen until `ok` holds; panics with the last screen after
    /// `TIMEOUT`.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                if std::env::var_os("LANES_E2E_VERBOSE").is_some() {
                    eprintln!("--- {what}:\n{screen}");
                }
                return screen;
            }
            if start.elapsed() > TIMEOUT {
                panic!(
                    "timed out waiting for {what}; the screen:\n{screen}\n{}",
                    self.diagnostics()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for_text(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?} on screen"), |s| s.contains(text))
    }

    /// Wait for the tmux session to end.
    fn wait_for_end(&self) {
        let start = Instant::now();
        while self.alive() {
            if start.elapsed() > TIMEOUT {
                panic!(
                    "lanes did not exit; the screen:\n{}\n{}",
                    self.screen(),
                    self.diagnostics()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The terminal settings after lanes exited, as `stty -a` printed them.
    fn stty(&self) -> String {
        let start = Instant::now();
        loop {
            if let Ok(s) = std::fs::read_to_string(&self.stty_file) {
                if !s.is_empty() {
                    return s;
                }
            }
            if start.elapsed() > TIMEOUT {
                panic!("no stty output; {}", self.diagnostics());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Run the lanes binary (not in a terminal) in the repository.
fn lanes(r: &TestRepo, args: &[&str]) -> Output {
    let mut cmd = Command::new(LANES);
    r.isolate(&mut cmd);
    let out = cmd
        .args(args)
        .current_dir(&r.root)
        .env("NO_COLOR", "1")
        .output()
        .expect("run lanes");
    assert!(
        out.status.success(),
        "lanes {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A repository with a crisp-dm board made by `lanes init`.
fn repo_with_board() -> TestRepo {
    let r = TestRepo::git_only();
    lanes(&r, &["init"]);
    assert!(r.root.join(".lanes/board.yaml").is_file());
    r
}

/// The display column where `needle` starts on the row `y`, if it does.
fn column_of(screen: &str, y: usize, needle: &str) -> Option<usize> {
    let line = screen.lines().nth(y)?;
    line.find(needle).map(|i| line[..i].width())
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

/// The header row (the second row) and the column of a lane's title.
fn header_column(screen: &str, lane_title: &str) -> usize {
    column_of(screen, 1, lane_title)
        .unwrap_or_else(|| panic!("no {lane_title:?} header on row 2:\n{screen}"))
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
    require_tmux!();
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
    t.wait_for_text("New card:");
    t.type_text(title);
    t.wait_for_text(&format!("New card: {title}"));
    t.keys(&["Enter"]);
    let screen = t.wait_for("the new card in Business Understanding", |s| {
        card_position(s, title).map(|p| p.0) == column_of(s, 1, "Business Understanding")
            && s.contains("lanes: add")
    });
    assert!(screen.contains("Business Understanding 1/3"), "{screen}");
    let files: Vec<PathBuf> = std::fs::read_dir(r.root.join(".lanes/cards"))
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
        assert_eq!(x, header_column(&screen, lane));
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
    require_tmux!();
    let r = repo_with_board();
    let t = Tmux::start(&r, true);
    wait_for_board(&t);
    // Open help and a prompt first: quitting from the board still restores.
    t.keys(&["?"]);
    t.wait_for_text("any key closes");
    t.keys(&["Escape"]);
    t.wait_for("help to close", |s| !s.contains("any key closes"));
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
    require_tmux!();
    let r = repo_with_board();
    let t = Tmux::start(&r, true);
    wait_for_board(&t);
    // Mid-prompt, to be sure raw mode is in force.
    t.keys(&["n"]);
    t.wait_for_text("New card:");
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
    require_tmux!();
    let r = repo_with_board();
    lanes(&r, &["add", "Card to edit"]);
    // The "editor": rewrites the title, or writes broken YAML when asked.
    let bad = r.base.join("bad");
    let editor = r.base.join("editor.sh");
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
    let kept: Vec<PathBuf> = std::fs::read_dir(r.root.join(".git/lanes/recovery"))
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
    require_tmux!();
    let r = repo_with_board();
    lanes(&r, &["add", "Some card"]);
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
    require_tmux!();
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
