//! The real `lanes` binary in a real terminal: tmux runs it on a board,
//! `send-keys` types, `capture-pane` reads the screen.
//!
//! Each `Tmux` is a tmux server of its own (`tmux -L <socket>`), so the
//! developer's tmux sessions are never touched, and it is killed when the
//! test ends, pass or fail. Set `LANES_E2E_VERBOSE=1` to see each screen
//! the tests waited for.

use super::{ok, skip, Repo, LANES, SCRUBBED};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use unicode_width::UnicodeWidthStr;

/// The terminal's size.
pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 35;
/// Waiting for the board to start, keys to act, popups to open: generous,
/// for a loaded 2-core machine (the waits poll the screen, so a long limit
/// costs nothing when the screen is quick).
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// Printed by the wrapper script once lanes has exited (with `linger`).
pub const EXITED: &str = "LANES-E2E-EXITED";

/// Whether tmux runs here.
pub fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether tmux runs here; if not, a visible SKIP line (a failure under
/// `CI=true`). Tests start with `if !tmux_or_skip() { return; }`.
pub fn tmux_or_skip() -> bool {
    if tmux_available() {
        return true;
    }
    skip("tmux is not installed (the end-to-end terminal tests need it)");
    false
}

/// Quote for a POSIX shell.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

pub fn path_str(p: &Path) -> String {
    p.to_str().expect("a UTF-8 path").to_string()
}

/// Run `lanes` in the repository outside the terminal (another process
/// changing the board, or setting it up); it must succeed.
pub fn lanes_outside(r: &Repo, args: &[&str]) -> Output {
    let out = r.lanes_env(args, &[("NO_COLOR", "1")]);
    ok(&out);
    out
}

/// A tmux server of our own running lanes in one pane. Dropping it kills
/// the server (and so lanes, if it still runs).
pub struct Tmux {
    socket: String,
    /// The server's socket file, removed with the server.
    socket_path: Option<PathBuf>,
    /// Files the wrapper script writes: lanes's pid, `stty -a` after it
    /// exited, its exit code and its stderr.
    pub pid_file: PathBuf,
    pub stty_file: PathBuf,
    pub exit_file: PathBuf,
    pub stderr_file: PathBuf,
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
        if let Some(p) = &self.socket_path {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Tmux {
    /// Start lanes on the board in `r` in a `WIDTH`x`HEIGHT` terminal.
    /// With `linger`, the pane stays open after lanes exits (showing
    /// `EXITED`) so the terminal's state can be inspected.
    pub fn start(r: &Repo, linger: bool) -> Tmux {
        Tmux::start_with(r, linger, &[])
    }

    /// `start`, with extra environment variables for lanes.
    pub fn start_with(r: &Repo, linger: bool, env: &[(&str, &str)]) -> Tmux {
        Tmux::start_sized(r, linger, env, WIDTH, HEIGHT)
    }

    /// `start_with` in a `width`x`height` terminal.
    pub fn start_sized(
        r: &Repo,
        linger: bool,
        env: &[(&str, &str)],
        width: u16,
        height: u16,
    ) -> Tmux {
        Tmux::start_command(r, &[], linger, env, width, height)
    }

    /// `lanes ARGS` (a command printing to the terminal, or the board
    /// with no arguments) in a `width`x`height` terminal.
    pub fn start_command(
        r: &Repo,
        args: &[&str],
        linger: bool,
        env: &[(&str, &str)],
        width: u16,
        height: u16,
    ) -> Tmux {
        static N: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "lanes-e2e-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let base = r.base();
        let mut t = Tmux {
            socket,
            socket_path: None,
            pid_file: base.join("lanes.pid"),
            stty_file: base.join("stty.txt"),
            exit_file: base.join("exit.txt"),
            stderr_file: base.join("stderr.txt"),
        };
        let script = base.join("run.sh");
        let q = |p: &Path| sh_quote(&path_str(p));
        // The same isolation as every other command of the harness, in
        // shell: the tmux server's environment is the test's own.
        let mut text = format!("#!/bin/sh\nunset {}\n", SCRUBBED.join(" "));
        for (k, v) in r.env_vars() {
            let v = v.to_str().expect("a UTF-8 environment value");
            text.push_str(&format!("export {k}={}\n", sh_quote(v)));
        }
        text.push_str("export NO_COLOR=1 LANG=C.UTF-8 LC_ALL=C.UTF-8\n");
        for (k, v) in env {
            text.push_str(&format!("export {k}={}\n", sh_quote(v)));
        }
        text.push_str(&format!("cd {} || exit 1\n", q(&r.path)));
        // The inner shell records its pid and becomes lanes (exec), so the
        // pid file holds lanes's own pid.
        let args: Vec<String> = args.iter().map(|a| sh_quote(a)).collect();
        text.push_str(&format!(
            "sh -c 'echo $$ > \"$1\"; shift; exec \"$@\"' sh {} {} {} 2> {}\n",
            q(&t.pid_file),
            sh_quote(LANES),
            args.join(" "),
            q(&t.stderr_file)
        ));
        text.push_str(&format!("echo $? > {}\n", q(&t.exit_file)));
        text.push_str(&format!("stty -a > {}\n", q(&t.stty_file)));
        if linger {
            text.push_str(&format!("echo {EXITED}\nsleep 60\n"));
        }
        std::fs::write(&script, text).expect("write the wrapper script");
        let out = t.run(&[
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &format!("sh {}", q(&script)),
        ]);
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

    /// A tmux command for our server (not the one the tests may run in).
    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"])
            .env_remove("TMUX");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run tmux")
    }

    /// Send keys by tmux name (`Enter`, `Escape`, `L`).
    pub fn keys(&self, keys: &[&str]) {
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
    pub fn type_text(&self, text: &str) {
        let out = self.run(&["send-keys", "-t", "main", "-l", text]);
        assert!(out.status.success(), "send-keys -l {text:?}");
    }

    pub fn alive(&self) -> bool {
        self.run(&["has-session", "-t", "main"]).status.success()
    }

    /// The screen as text (empty if the session is gone).
    pub fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", "main"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A tmux format for the pane, e.g. `#{alternate_on}`.
    pub fn pane_format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "main", format]);
        assert!(out.status.success(), "display-message {format}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn diagnostics(&self) -> String {
        format!(
            "stderr of lanes: {}\nexit: {}",
            std::fs::read_to_string(&self.stderr_file).unwrap_or_default(),
            std::fs::read_to_string(&self.exit_file).unwrap_or_default()
        )
    }

    /// Poll the screen until `ok` holds; panics with the last screen after
    /// `limit`. The screen and how long it took.
    pub fn wait_within(
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
                    "timed out waiting for {what} ({limit:?}); the screen:\n{screen}\n{}",
                    self.diagnostics()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Poll the screen until `ok` holds; panics with the last screen after
    /// `TIMEOUT`.
    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        self.wait_within(TIMEOUT, what, ok).0
    }

    pub fn wait_for_text(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?} on screen"), |s| s.contains(text))
    }

    /// Wait for the tmux session to end.
    pub fn wait_for_end(&self) {
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
    pub fn stty(&self) -> String {
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

// ---------------------------------------------------------------------------
// Reading the screen

/// The display column where `needle` starts on the row `y`, if it does.
pub fn column_of(screen: &str, y: usize, needle: &str) -> Option<usize> {
    let line = screen.lines().nth(y)?;
    line.find(needle).map(|i| line[..i].width())
}

/// (column, row) of the first line below the headers showing `needle`.
pub fn card_position(screen: &str, needle: &str) -> Option<(usize, usize)> {
    screen
        .lines()
        .enumerate()
        .skip(3)
        .take(HEIGHT as usize - 4)
        .find_map(|(y, line)| line.find(needle).map(|i| (line[..i].width(), y)))
}

/// The column of a lane's title in the header row (the second row).
pub fn header_column(screen: &str, lane_title: &str) -> Option<usize> {
    column_of(screen, 1, lane_title)
}
