//! Running a network step's `git` so that it can never hang lanes: in a
//! process group of its own (so the whole tree — `git fetch`, `ssh`,
//! `git-remote-http` — can be stopped at once), with its stdout and stderr
//! read on threads (a chatty child never blocks on a full pipe), and a
//! deadline on silence: a child that says nothing for `silence` is stopped
//! (SIGTERM to the group, so git removes its lock files, then SIGKILL to
//! whatever is left) and the caller is told.
//!
//! On Linux the child is also told to end when lanes dies (killed, or its
//! terminal closed), which no longer reaches a group of its own.
//!
//! With `Terminal::Foreground` the group is handed the terminal while it
//! runs, as a shell hands it to a job, so ssh and git can still ask for a
//! passphrase; it is taken back afterwards. With `Terminal::None` the
//! child starts a session of its own and has no terminal at all: nothing
//! it runs can stop on a prompt.

use crate::store;
use anyhow::{anyhow, bail, Result};
use git2::Repository;
use serde_yaml::Value;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How the child may use the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminal {
    /// No terminal: a session of its own, stdin from /dev/null.
    None,
    /// The terminal lanes has on stdin, in the foreground while it runs
    /// (when lanes itself is in the foreground; otherwise as `None` but
    /// keeping stdin).
    Foreground,
}

/// When the caller hears how a long step is going.
const FIRST_BEAT: Duration = Duration::from_secs(5);
const BEAT_EVERY: Duration = Duration::from_secs(15);
/// How long a stopped group has to exit after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(2);
/// How much output is kept (the end of it: git's error comes last).
const KEEP: usize = 1024 * 1024;

/// How a long step is going, for the caller to tell the user.
#[derive(Debug, Clone)]
pub struct Beat {
    /// Since the child last wrote anything.
    pub silent: Duration,
    /// The last line the child wrote on stderr (git's progress), if any.
    pub last_line: Option<String>,
}

/// How the child ended.
#[derive(Debug)]
pub struct Ran {
    /// Its exit status; `None` if it was stopped for its silence.
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Whether it wrote anything at all.
    pub spoke: bool,
}

impl Ran {
    /// Stopped because it said nothing for the whole deadline.
    pub fn timed_out(&self) -> bool {
        self.status.is_none()
    }
}

enum Msg {
    Data(bool, Vec<u8>),
    Eof,
}

/// Run `cmd` to the end, or until it has been silent for `silence`; call
/// `beat` now and then while it runs.
pub fn run(
    cmd: Command,
    terminal: Terminal,
    silence: Duration,
    beat: impl FnMut(&Beat),
) -> std::io::Result<Ran> {
    run_with(cmd, terminal, None, silence, beat)
}

/// [`run`] with no terminal and `input` on the child's stdin (written on a
/// thread of its own, so a child that does not read cannot block lanes).
pub fn run_fed(cmd: Command, input: Vec<u8>, silence: Duration) -> std::io::Result<Ran> {
    run_with(cmd, Terminal::None, Some(input), silence, |_| {})
}

fn run_with(
    mut cmd: Command,
    terminal: Terminal,
    input: Option<Vec<u8>>,
    silence: Duration,
    mut beat: impl FnMut(&Beat),
) -> std::io::Result<Ran> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let foreground = own_group(&mut cmd, terminal);
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let spawned = cmd.spawn();
    // From here the terminal (if handed over: the child takes it before
    // its exec, even one that fails) is taken back however we leave.
    let _terminal = foreground.then(TakeBack::hold);
    let mut child = spawned?;
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        std::thread::spawn(move || {
            let _ = std::io::Write::write_all(&mut stdin, &bytes);
        });
    }
    let (tx, rx) = mpsc::channel();
    for (is_err, pipe) in [
        (
            false,
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
        (
            true,
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
    ] {
        let Some(mut pipe) = pipe else { continue };
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(Msg::Data(is_err, buf[..n].to_vec())).is_err() {
                            return;
                        }
                    }
                }
            }
            let _ = tx.send(Msg::Eof);
        });
    }
    drop(tx);
    let mut out = Output::default();
    let started = Instant::now();
    let mut next_beat = FIRST_BEAT;
    loop {
        if out.open == 0 {
            // Both pipes closed: the child is exiting.
            if let Some(status) = wait_exit(&mut child, &out, silence)? {
                return Ok(out.done(Some(status)));
            }
        } else {
            let now = started.elapsed();
            let until_silence = silence.saturating_sub(out.last.elapsed());
            let until_beat = next_beat.saturating_sub(now);
            // Pipes can stay open after the child exits (a grandchild
            // holding them): look at the child now and then too.
            let wait = until_silence
                .min(until_beat)
                .min(Duration::from_millis(200));
            match rx.recv_timeout(wait) {
                Ok(msg) => out.take(msg),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => out.open = 0,
            }
            if let Some(status) = child.try_wait()? {
                out.drain(&rx, Duration::from_millis(500));
                return Ok(out.done(Some(status)));
            }
        }
        let silent = out.last.elapsed();
        if silent >= silence {
            stop(&mut child);
            out.drain(&rx, Duration::from_millis(200));
            return Ok(out.done(None));
        }
        if started.elapsed() >= next_beat {
            next_beat = started.elapsed() + BEAT_EVERY;
            beat(&Beat {
                silent,
                last_line: out.last_line.clone(),
            });
        }
    }
}

/// After both pipes closed: the child's status once it has exited
/// (polled, briefly), or `None` to go round the loop (the deadline still
/// applies to a child that closed its output and hangs).
fn wait_exit(
    child: &mut Child,
    out: &Output,
    silence: Duration,
) -> std::io::Result<Option<ExitStatus>> {
    let mut pause = Duration::from_millis(1);
    while out.last.elapsed() < silence {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
    Ok(None)
}

/// What the child wrote, and when it last did.
struct Output {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// Pipes still open.
    open: usize,
    last: Instant,
    spoke: bool,
    /// The stderr line being written, and the last one finished (git's
    /// progress rewrites its line with `\r`).
    partial: Vec<u8>,
    last_line: Option<String>,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            stdout: Vec::new(),
            stderr: Vec::new(),
            open: 2,
            last: Instant::now(),
            spoke: false,
            partial: Vec::new(),
            last_line: None,
        }
    }
}

impl Output {
    fn take(&mut self, msg: Msg) {
        match msg {
            Msg::Eof => self.open = self.open.saturating_sub(1),
            Msg::Data(is_err, bytes) => {
                self.last = Instant::now();
                self.spoke = true;
                if is_err {
                    for &b in &bytes {
                        if b == b'\r' || b == b'\n' {
                            if !self.partial.is_empty() {
                                let line =
                                    String::from_utf8_lossy(&self.partial).trim().to_string();
                                if !line.is_empty() {
                                    self.last_line = Some(line);
                                }
                                self.partial.clear();
                            }
                        } else if self.partial.len() < 4096 {
                            self.partial.push(b);
                        }
                    }
                    keep_tail(&mut self.stderr, &bytes);
                } else {
                    keep_tail(&mut self.stdout, &bytes);
                }
            }
        }
    }

    /// Take what is still in the pipes, for at most `limit`.
    fn drain(&mut self, rx: &Receiver<Msg>, limit: Duration) {
        let until = Instant::now() + limit;
        while self.open > 0 {
            let left = until.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(msg) => {
                    let last = self.last;
                    self.take(msg);
                    // Output after the stop is not an answer.
                    self.last = last;
                }
                Err(_) => break,
            }
        }
    }

    fn done(self, status: Option<ExitStatus>) -> Ran {
        Ran {
            status,
            stdout: self.stdout,
            stderr: self.stderr,
            spoke: self.spoke,
        }
    }
}

fn keep_tail(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(bytes);
    if buf.len() > KEEP {
        let cut = buf.len() - KEEP / 2;
        buf.drain(..cut);
    }
}

#[cfg(unix)]
fn own_group(cmd: &mut Command, terminal: Terminal) -> bool {
    use std::os::unix::process::CommandExt;
    let take = terminal == Terminal::Foreground && in_foreground();
    // SAFETY: prctl and getppid are async-signal-safe.
    unsafe {
        let parent = libc::getpid();
        cmd.pre_exec(move || die_with_parent(parent));
    }
    match terminal {
        Terminal::None => {
            cmd.stdin(Stdio::null());
            // SAFETY: setsid is async-signal-safe; nothing else runs in
            // the child between fork and exec.
            unsafe {
                cmd.pre_exec(|| {
                    if libc::setsid() < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        Terminal::Foreground => {
            // SAFETY: setpgid, sigprocmask, tcsetpgrp and getpid are
            // async-signal-safe, and no memory is allocated.
            unsafe {
                cmd.pre_exec(move || {
                    if libc::setpgid(0, 0) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    if take {
                        // A shell giving a job the terminal: SIGTTOU
                        // would stop a background group doing this.
                        let mut block: libc::sigset_t = std::mem::zeroed();
                        let mut old: libc::sigset_t = std::mem::zeroed();
                        libc::sigemptyset(&mut block);
                        libc::sigaddset(&mut block, libc::SIGTTOU);
                        libc::sigprocmask(libc::SIG_BLOCK, &block, &mut old);
                        libc::tcsetpgrp(libc::STDIN_FILENO, libc::getpid());
                        libc::sigprocmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
                    }
                    Ok(())
                });
            }
        }
    }
    take
}

/// In the child: out of lanes' process group and session, the terminal's
/// hangup no longer reaches git, so on Linux git is told to end (SIGTERM:
/// it removes its lock files and stops its own children) when the thread
/// that started it dies — lanes killed, or its terminal closed. (`run`
/// waits for the child, so that thread outlives it otherwise.)
#[cfg(target_os = "linux")]
fn die_with_parent(parent: libc::pid_t) -> std::io::Result<()> {
    // SAFETY: plain system calls on the calling (child) process.
    unsafe {
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // lanes died before the line above: do not start at all (no
        // allocation here, between fork and exec).
        if libc::getppid() != parent {
            return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
        }
    }
    Ok(())
}

#[cfg(all(unix, not(target_os = "linux")))]
fn die_with_parent(_parent: libc::pid_t) -> std::io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn own_group(cmd: &mut Command, terminal: Terminal) -> bool {
    if terminal == Terminal::None {
        cmd.stdin(Stdio::null());
    }
    false
}

/// Whether lanes is the terminal's foreground job (so it can hand the
/// terminal to git, and must take it back).
#[cfg(unix)]
fn in_foreground() -> bool {
    // SAFETY: plain queries of the terminal on stdin.
    unsafe {
        libc::isatty(libc::STDIN_FILENO) == 1
            && libc::tcgetpgrp(libc::STDIN_FILENO) == libc::getpgrp()
    }
}

/// While the child has the terminal: SIGTTOU is blocked on this thread,
/// so that lanes, now a background job, can still print how the step goes
/// (under `stty tostop`) and take the terminal back; dropping it takes
/// the terminal back for lanes' own process group.
struct TakeBack {
    #[cfg(unix)]
    old: libc::sigset_t,
}

impl TakeBack {
    fn hold() -> TakeBack {
        #[cfg(unix)]
        // SAFETY: changes this thread's signal mask only; restored on drop.
        unsafe {
            let mut block: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut block);
            libc::sigaddset(&mut block, libc::SIGTTOU);
            libc::pthread_sigmask(libc::SIG_BLOCK, &block, &mut old);
            TakeBack { old }
        }
        #[cfg(not(unix))]
        TakeBack {}
    }
}

impl Drop for TakeBack {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: SIGTTOU is blocked on this thread (see `hold`), so a
        // background lanes is not stopped by taking the terminal back.
        unsafe {
            libc::tcsetpgrp(libc::STDIN_FILENO, libc::getpgrp());
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut());
        }
    }
}

/// Stop the child's whole group: SIGTERM (git removes its lock files and
/// stops its own children), then SIGKILL for anything still there; reap
/// the child. Returns once the group is gone (or after a bound, for a
/// process stuck in the kernel).
#[cfg(unix)]
fn stop(child: &mut Child) {
    let Ok(pgid) = libc::pid_t::try_from(child.id()) else {
        let _ = child.kill();
        let _ = child.wait();
        return;
    };
    let signal = |sig| {
        // SAFETY: signals our child's own group (it is not reaped yet, or
        // its group still has members, so the id is not reused).
        unsafe { libc::kill(-pgid, sig) == 0 }
    };
    signal(libc::SIGTERM);
    let until = Instant::now() + GRACE;
    while Instant::now() < until {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    signal(libc::SIGKILL);
    let _ = child.wait();
    // Grandchildren are reaped by init once killed: wait until the group
    // is empty, so that nothing of it outlives the step.
    let until = Instant::now() + Duration::from_secs(5);
    while signal(0) && Instant::now() < until {
        signal(libc::SIGKILL);
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(not(unix))]
fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    }

    fn group_alive(pid_file: &std::path::Path) -> bool {
        let pid: i32 = std::fs::read_to_string(pid_file)
            .expect("pid file")
            .trim()
            .parse()
            .expect("a pid");
        unsafe { libc::kill(-pid, 0) == 0 }
    }

    #[test]
    fn a_silent_child_and_its_children_are_stopped_at_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        // The grandchild ignores SIGTERM: only SIGKILL ends it.
        let script = format!(
            "echo $$ > {}; sh -c \"trap '' TERM; sleep 600\" & sleep 600",
            pid_file.display()
        );
        let started = Instant::now();
        let ran = run(sh(&script), Terminal::None, Duration::from_secs(1), |_| {}).unwrap();
        assert!(ran.timed_out());
        assert!(!ran.spoke);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{:?}",
            started.elapsed()
        );
        assert!(
            !group_alive(&pid_file),
            "a process of the group outlived the stop"
        );
    }

    #[test]
    fn a_child_that_keeps_talking_is_not_stopped() {
        // 5 s in all, never more than 0.25 s without a line: a deadline
        // of 3 s is on silence, not on the whole step.
        let script = "i=0; while [ $i -lt 20 ]; do echo step $i >&2; sleep 0.25; i=$((i+1)); done";
        let ran = run(sh(script), Terminal::None, Duration::from_secs(3), |_| {}).unwrap();
        assert!(
            !ran.timed_out(),
            "stopped: {:?}",
            String::from_utf8_lossy(&ran.stderr)
        );
        assert!(ran.status.unwrap().success());
        assert!(String::from_utf8_lossy(&ran.stderr).contains("step 19"));
    }

    #[test]
    fn a_chatty_child_on_both_pipes_does_not_block() {
        // 8 MiB on each pipe, far over a pipe's buffer.
        let script = "head -c 8388608 /dev/zero | tr '\\0' 'o'; head -c 8388608 /dev/zero | tr '\\0' 'e' >&2; echo end >&2";
        let ran = run(sh(script), Terminal::None, Duration::from_secs(60), |_| {}).unwrap();
        assert!(ran.status.unwrap().success());
        assert!(ran.stderr.ends_with(b"end\n"));
        assert!(ran.stdout.len() <= KEEP && !ran.stdout.is_empty());
    }

    #[test]
    fn the_child_has_no_terminal_and_no_stdin() {
        let ran = run(
            sh("if [ -r /dev/tty ] && (exec < /dev/tty) 2>/dev/null; then echo tty; fi; cat; echo done"),
            Terminal::None,
            Duration::from_secs(60),
            |_| {},
        )
        .unwrap();
        assert_eq!(String::from_utf8_lossy(&ran.stdout), "done\n");
    }

    #[test]
    fn the_last_progress_line_is_reported() {
        let mut beats = Vec::new();
        // A progress line rewritten with \r, then silence past the first beat.
        let script =
            "printf 'Receiving objects:  10%%\\rReceiving objects:  50%%\\r' >&2; sleep 6; echo ok";
        let ran = run(sh(script), Terminal::None, Duration::from_secs(30), |b| {
            beats.push(b.clone())
        })
        .unwrap();
        assert!(ran.status.unwrap().success());
        let beat = beats.first().expect("a beat after 5 s");
        assert_eq!(beat.last_line.as_deref(), Some("Receiving objects:  50%"));
        assert!(beat.silent >= Duration::from_secs(4), "{beat:?}");
    }
}

/// How long a network step may go without an answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest deadline a setting may give (a day).
const MAX_TIMEOUT_SECS: u64 = 86_400;
/// The board.yaml setting and the git config key for the deadline.
pub const TIMEOUT_SETTING: &str = "network_timeout_seconds";
pub const TIMEOUT_GIT_CONFIG: &str = "lanes.networkTimeout";

/// The deadline of every network step, and where it was set (to say what
/// to raise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout {
    pub limit: Duration,
    pub from: TimeoutFrom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutFrom {
    Default,
    /// `settings.network_timeout_seconds` in board.yaml (the team's).
    Board,
    /// `lanes.networkTimeout` in git config (this clone's or this user's;
    /// outranks the board's).
    GitConfig,
}

impl Timeout {
    /// `lanes.networkTimeout` from git config, else the board's
    /// `settings.network_timeout_seconds`, else 60 s. A value that is not
    /// a whole number of seconds from 1 to a day is refused, naming where
    /// it is. A board.yaml that cannot be read at all does not stop a
    /// sync (it may bring the fix): the default applies.
    pub fn read(repo: &Repository, root: &Path) -> Result<Timeout> {
        let config = repo.config()?.snapshot()?;
        if let Ok(v) = config.get_string(TIMEOUT_GIT_CONFIG) {
            let secs = seconds(&Value::String(v.clone())).ok_or_else(|| {
                anyhow!(
                    "git config {TIMEOUT_GIT_CONFIG} is {v:?}: expected a whole number of seconds from 1 to {MAX_TIMEOUT_SECS} (nothing was changed)"
                )
            })?;
            return Ok(Timeout {
                limit: Duration::from_secs(secs),
                from: TimeoutFrom::GitConfig,
            });
        }
        let default = Timeout {
            limit: DEFAULT_TIMEOUT,
            from: TimeoutFrom::Default,
        };
        let Ok(bytes) = store::read_board_file(root, store::BOARD_FILE) else {
            return Ok(default);
        };
        let Ok(board) = store::yaml::parse(&bytes) else {
            return Ok(default);
        };
        let Some(v) = board.get("settings").and_then(|s| s.get(TIMEOUT_SETTING)) else {
            return Ok(default);
        };
        match seconds(v) {
            Some(secs) => Ok(Timeout {
                limit: Duration::from_secs(secs),
                from: TimeoutFrom::Board,
            }),
            None => {
                let field = format!("settings.{TIMEOUT_SETTING}");
                let text = String::from_utf8_lossy(&bytes);
                let (line, column) = store::yaml::locate(&text, &field);
                let found = serde_yaml::to_string(v).unwrap_or_default();
                bail!(
                    "{}:{line}:{column}: {field}: expected a whole number of seconds from 1 to {MAX_TIMEOUT_SECS}, found {}; nothing was changed",
                    store::BOARD_FILE,
                    found.trim()
                )
            }
        }
    }

    /// What to raise, for messages.
    pub fn setting(&self) -> String {
        match self.from {
            TimeoutFrom::GitConfig => format!("git config {TIMEOUT_GIT_CONFIG}"),
            _ => format!("settings.{TIMEOUT_SETTING} in {}", store::BOARD_FILE),
        }
    }

    /// ssh's keepalive interval: three missed answers (ssh's default
    /// count) end the connection within the deadline.
    pub fn keepalive(&self) -> Duration {
        (self.limit / 3).clamp(Duration::from_secs(1), Duration::from_secs(15))
    }
}

/// Whole seconds from 1 to a day, as a number or as text.
fn seconds(v: &Value) -> Option<u64> {
    let n = match v {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (1..=MAX_TIMEOUT_SECS).contains(&n).then_some(n)
}
