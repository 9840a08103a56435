//! The integration tests' one harness: real git repositories in temporary
//! folders and runners for the real `lanes` binary and the real `git`, all
//! isolated from the developer's own configuration and environment.
//!
//! - this file: the isolation (one scrub list, one place that builds
//!   commands), `Repo` (a repository: files, commands, git and board
//!   queries) and the assertions on outputs (`ok`, `fails`);
//! - `remote`: a bare remote with clones (`World`, each clone a `Repo`),
//!   and a `git daemon` serving it on the loopback interface (`Daemon`);
//! - `history`: a scripted board history with known answers;
//! - `mcp`: an MCP client driving `lanes mcp` (rmcp's client side);
//! - `tui`: the terminal board in process, rendered into a test buffer;
//! - `tmux`: the real binary in a real terminal;
//! - `snapshot`: "nothing changed" assertions.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

pub mod browser;
pub mod history;
pub mod mcp;
pub mod remote;
pub mod snapshot;
pub mod tmux;
pub mod tui;

pub use snapshot::Snapshot;

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

/// The binary under test.
pub const LANES: &str = env!("CARGO_BIN_EXE_lanes");

/// The name and email of a new repository's configured user.
pub const USER_NAME: &str = "Test User";
pub const USER_EMAIL: &str = "test@example.com";

// ---------------------------------------------------------------------------
// Isolation

/// Environment variables that would let the developer's or CI's setup leak
/// into a test: removed from every command the harness builds (and unset
/// by the terminal tests' wrapper script).
pub const SCRUBBED: &[&str] = &[
    "LANES_BOARD",
    "LANES_CONFIG_DIR",
    "LANES_WATCH",
    "LANES_COMPLETE",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CEILING_DIRECTORIES",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
    "GIT_CONFIG",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_COUNT",
    "GIT_SSH_COMMAND",
    "EMAIL",
    "EDITOR",
    "VISUAL",
    "GIT_EDITOR",
    // Output that fits a terminal honours it.
    "COLUMNS",
];

/// `PATH` with the folder of the binary under test first, so that git
/// finds it for `lanes merge-driver`.
fn search_path() -> OsString {
    static PATH: OnceLock<OsString> = OnceLock::new();
    PATH.get_or_init(|| {
        let bin_dir = Path::new(LANES).parent().expect("binary folder");
        let mut paths = vec![bin_dir.to_path_buf()];
        if let Some(p) = std::env::var_os("PATH") {
            paths.extend(std::env::split_paths(&p));
        }
        std::env::join_paths(paths).expect("PATH")
    })
    .clone()
}

/// The variables every command gets, for a fake home and a lanes config
/// folder (after the `SCRUBBED` ones are removed).
pub fn isolated_vars(home: &Path, config: &Path) -> Vec<(&'static str, OsString)> {
    vec![
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ("HOME", home.into()),
        ("XDG_CONFIG_HOME", home.join(".config").into()),
        ("LANES_CONFIG_DIR", config.into()),
        ("GIT_TERMINAL_PROMPT", "0".into()),
        ("PATH", search_path()),
        ("LC_ALL", "C".into()),
    ]
}

/// The one place commands are built: `program` in `dir`, isolated.
pub fn isolated(program: impl AsRef<OsStr>, dir: &Path, home: &Path, config: &Path) -> Command {
    let mut cmd = Command::new(program);
    for v in SCRUBBED {
        cmd.env_remove(v);
    }
    cmd.envs(isolated_vars(home, config)).current_dir(dir);
    cmd
}

/// Someone who commits: author and committer of a command's commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Who {
    pub name: &'static str,
    pub email: &'static str,
}

impl Who {
    /// Commit as `self`, authored at `authored`, committed at `committed`
    /// (dates as git reads them from `GIT_AUTHOR_DATE`).
    fn apply(&self, cmd: &mut Command, authored: &str, committed: &str) {
        cmd.env("GIT_AUTHOR_NAME", self.name)
            .env("GIT_AUTHOR_EMAIL", self.email)
            .env("GIT_COMMITTER_NAME", self.name)
            .env("GIT_COMMITTER_EMAIL", self.email)
            .env("GIT_AUTHOR_DATE", authored)
            .env("GIT_COMMITTER_DATE", committed);
    }
}

// ---------------------------------------------------------------------------
// Outputs

/// Assert `out` succeeded; its stdout. `what` names the command.
fn succeeded(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: expected success, got exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap_or_else(|e| panic!("{what}: stdout: {e}"))
}

/// The exit codes of a refused or failed command, by kind (docs/FORMAT.md,
/// "Exit codes"): 1 refused or failed, 3 not found, 4 conflict, 5 busy,
/// 6 a file lanes cannot read, 7 a hook refused. 2 is a usage error.
pub const FAILURE_CODES: [i32; 6] = [1, 3, 4, 5, 6, 7];

/// Assert `out` exited with `code`; its stderr. `1` stands for any
/// failure kind's code (these tests were written when every failure
/// exited 1; the kind's own code is checked where the kind matters).
fn exited(out: &Output, code: i32, what: &str) -> String {
    let got = out.status.code();
    let matches = match code {
        1 => got.is_some_and(|c| FAILURE_CODES.contains(&c)),
        c => got == Some(c),
    };
    assert!(
        matches,
        "{what}: expected exit {code}, got {got:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Assert a command succeeded; its stdout.
pub fn ok(out: &Output) -> String {
    succeeded(out, "the command")
}

/// Assert a command exited with `code`; its stderr.
pub fn fails(out: &Output, code: i32) -> String {
    exited(out, code, "the command")
}

/// A command's stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// stdout and stderr of an output, for messages.
pub fn both(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether the tests run under CI (`CI=true`), where nothing may be
/// skipped for want of a tool.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Skip the running test for want of `reason`: prints a `SKIP` line that
/// shows even though the test harness captures output, or, under
/// `CI=true`, fails the test instead.
pub fn skip(reason: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    if in_ci() {
        panic!("{test} cannot run: {reason} (CI=true: not skipping)");
    }
    use std::io::Write;
    // Straight to the stderr stream: `eprintln!` would be captured.
    let _ = writeln!(std::io::stderr(), "SKIP {test}: {reason}");
}

/// The relative path of a card file.
pub fn card_path(id: &str) -> String {
    format!(".lanes/cards/{id}.yaml")
}

/// The first six characters of an id.
pub fn short(id: &str) -> &str {
    &id[..6.min(id.len())]
}

/// The top-level keys of a YAML text, in file order.
pub fn top_keys(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with('-') && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':').map(|(k, _)| k.to_string()))
        .collect()
}

/// The address space a watched `lanes` may have ([`Repo::lanes_watched`]):
/// far above what it needs, far below what a runaway read would take.
#[cfg(unix)]
pub const WATCHED_MEMORY_CAP: libc::rlim_t = 2 << 30;

/// What a watched run of `lanes` did.
pub struct Watched {
    /// `None`: still running at the deadline, and killed.
    pub output: Option<Output>,
    /// Peak resident memory, in kilobytes.
    pub max_rss_kb: i64,
}

impl Watched {
    /// The output of a run that finished in time, with bounded memory.
    pub fn finished(self, what: &str, max_rss_kb: i64) -> Output {
        let out = self
            .output
            .unwrap_or_else(|| panic!("{what} did not finish before the deadline (killed)"));
        assert!(
            self.max_rss_kb <= max_rss_kb,
            "{what} peaked at {} KB of memory (limit {max_rss_kb} KB); stderr: {}",
            self.max_rss_kb,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

// ---------------------------------------------------------------------------
// Repo

/// A git repository in a temporary folder, with a fake home and a lanes
/// config folder. A repository of its own holds `repo/` (the work tree),
/// `home/` and `config/`; a clone in a `remote::World` shares the world's
/// folder, home and config.
pub struct Repo {
    /// The temporary folder, for a repository of its own.
    tmp: Option<tempfile::TempDir>,
    /// The repository's work tree (where commands run by default).
    pub path: PathBuf,
    /// The fake `$HOME`.
    pub home: PathBuf,
    /// `$LANES_CONFIG_DIR` for every command.
    pub config: PathBuf,
    /// Who this repository is in failure messages (a clone's user name).
    pub name: String,
    /// Commit time for the commands run from now on (None: the clock).
    time: Mutex<Option<i64>>,
}

impl Repo {
    /// An empty folder (not a git repository yet).
    pub fn bare_folder() -> Repo {
        let tmp = tempfile::Builder::new()
            .prefix("lanes-test-")
            .tempdir()
            .expect("create a temporary folder");
        // Canonical, so paths printed by lanes compare equal to ours.
        let base = std::fs::canonicalize(tmp.path()).expect("canonicalize tempdir");
        let path = base.join("repo");
        let home = base.join("home");
        let config = base.join("config");
        for d in [&path, &home, &config] {
            std::fs::create_dir_all(d).expect("create test folders");
        }
        Repo {
            tmp: Some(tmp),
            path,
            home,
            config,
            name: "repo".to_string(),
            time: Mutex::new(None),
        }
    }

    /// A repository at `path` that lives in someone else's temporary
    /// folder (a clone in a `World`).
    fn within(path: PathBuf, home: &Path, config: &Path, name: String) -> Repo {
        Repo {
            tmp: None,
            path,
            home: home.to_path_buf(),
            config: config.to_path_buf(),
            name,
            time: Mutex::new(None),
        }
    }

    /// A fresh git repository (unborn `main`) with a local user identity
    /// (and no commit signing, for the tests that commit in process).
    pub fn new() -> Repo {
        let r = Repo::bare_folder();
        r.git(&["init", "-q", "-b", "main"]);
        r.git(&["config", "user.name", USER_NAME]);
        r.git(&["config", "user.email", USER_EMAIL]);
        r.git(&["config", "commit.gpgsign", "false"]);
        r
    }

    /// A repository with a board made by `lanes init --template <template>`.
    pub fn with_board(template: &str) -> Repo {
        let r = Repo::new();
        let out = r.lanes(&["init", "--template", template]);
        ok(&out);
        r
    }

    /// The temporary folder holding everything.
    pub fn base(&self) -> &Path {
        self.path.parent().expect("repo has a parent")
    }

    /// Keep the temporary folder (for debugging a failing test).
    pub fn keep(self) -> PathBuf {
        match self.tmp {
            Some(tmp) => tmp.keep(),
            // A clone: its world owns the folder.
            None => self.base().to_path_buf(),
        }
    }

    // --- commands --------------------------------------------------------

    /// Date the commits of the following commands at `secs` (author and
    /// committer), or use the clock again with `None`.
    pub fn at(&self, secs: Option<i64>) -> &Self {
        *self.time.lock().unwrap_or_else(|e| e.into_inner()) = secs;
        self
    }

    /// `program`, isolated, running in the repository.
    fn command(&self, program: &str) -> Command {
        let mut cmd = isolated(program, &self.path, &self.home, &self.config);
        if let Some(t) = *self.time.lock().unwrap_or_else(|e| e.into_inner()) {
            let d = format!("@{t} +0000");
            cmd.env("GIT_AUTHOR_DATE", &d).env("GIT_COMMITTER_DATE", &d);
        }
        cmd
    }

    /// The variables every command of this repository gets (for a shell
    /// script that must set them itself).
    pub fn env_vars(&self) -> Vec<(&'static str, OsString)> {
        isolated_vars(&self.home, &self.config)
    }

    /// A `lanes` command, isolated, running in the repository.
    pub fn lanes_cmd(&self) -> Command {
        self.command(LANES)
    }

    /// Run `lanes` in the repository.
    pub fn lanes(&self, args: &[&str]) -> Output {
        self.lanes_cmd()
            .args(args)
            .output()
            .expect("run the lanes binary")
    }

    /// Run `lanes` in `dir` (absolute, or relative to the repository).
    pub fn lanes_in(&self, dir: impl AsRef<Path>, args: &[&str]) -> Output {
        self.lanes_cmd()
            .current_dir(self.path.join(dir))
            .args(args)
            .output()
            .expect("run the lanes binary")
    }

    /// Run `lanes` with extra environment variables.
    pub fn lanes_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = self.lanes_cmd();
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run the lanes binary")
    }

    /// Run `lanes`, killing it after `limit`: `None` if it took longer.
    pub fn lanes_timeout(&self, args: &[&str], limit: std::time::Duration) -> Option<Output> {
        let out_path = self.base().join(".timeout-stdout");
        let err_path = self.base().join(".timeout-stderr");
        let mut child = self
            .lanes_cmd()
            .args(args)
            .stdout(std::fs::File::create(&out_path).expect("create stdout file"))
            .stderr(std::fs::File::create(&err_path).expect("create stderr file"))
            .spawn()
            .expect("run the lanes binary");
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for lanes") {
                break Some(status);
            }
            if start.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let stdout = std::fs::read(&out_path).unwrap_or_default();
        let stderr = std::fs::read(&err_path).unwrap_or_default();
        let _ = std::fs::remove_file(&out_path);
        let _ = std::fs::remove_file(&err_path);
        status.map(|status| Output {
            status,
            stdout,
            stderr,
        })
    }

    /// Run `lanes` under a watchdog, in a process group of its own: the
    /// group is killed after `limit`, lanes's address space is capped at
    /// [`WATCHED_MEMORY_CAP`] (a reader that balloons fails here instead
    /// of swamping the machine), and its peak memory is measured.
    #[cfg(unix)]
    pub fn lanes_watched(&self, args: &[&str], limit: std::time::Duration) -> Watched {
        use std::os::unix::process::{CommandExt, ExitStatusExt};
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let out_path = self.base().join(format!(".watched-{n}-stdout"));
        let err_path = self.base().join(format!(".watched-{n}-stderr"));
        let mut cmd = self.lanes_cmd();
        cmd.args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::fs::File::create(&out_path).expect("create stdout file"))
            .stderr(std::fs::File::create(&err_path).expect("create stderr file"))
            .process_group(0);
        // SAFETY: only setrlimit, which is async-signal-safe, runs between
        // fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                let cap = libc::rlimit {
                    rlim_cur: WATCHED_MEMORY_CAP,
                    rlim_max: WATCHED_MEMORY_CAP,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &cap) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("run the lanes binary");
        let pid = child.id() as libc::pid_t;
        let start = std::time::Instant::now();
        let mut killed = false;
        let (status, max_rss_kb) = loop {
            let mut status = 0;
            // SAFETY: an all-zero rusage is a valid value of the C struct.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: `pid` is our unreaped child; both pointers are valid
            // for writes for the duration of the call.
            let got = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
            if got == pid {
                break (status, usage.ru_maxrss as i64);
            }
            assert!(got == 0, "wait4: {}", std::io::Error::last_os_error());
            if !killed && start.elapsed() > limit {
                // SAFETY: signalling the process group we created.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
                killed = true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        // Whatever lanes started goes with it.
        // SAFETY: as above; ESRCH (nothing left) is the expected case.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
        drop(child);
        let stdout = std::fs::read(&out_path).unwrap_or_default();
        let stderr = std::fs::read(&err_path).unwrap_or_default();
        let _ = std::fs::remove_file(&out_path);
        let _ = std::fs::remove_file(&err_path);
        Watched {
            output: (!killed).then(|| Output {
                status: std::process::ExitStatus::from_raw(status),
                stdout,
                stderr,
            }),
            max_rss_kb,
        }
    }

    /// Run `lanes`, which must succeed; its stdout, trimmed.
    pub fn ok(&self, args: &[&str]) -> String {
        let what = format!("{}: lanes {args:?}", self.name);
        succeeded(&self.lanes(args), &what).trim().to_string()
    }

    /// Run `lanes`, which must exit 1; its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let what = format!("{}: lanes {args:?}", self.name);
        exited(&self.lanes(args), 1, &what)
    }

    /// Run `lanes` as `who` at `when` (author and committer); it must
    /// succeed. Its stdout.
    pub fn lanes_as(&self, who: Who, when: &str, args: &[&str]) -> String {
        self.lanes_as_dates(who, when, when, args)
    }

    /// Run `lanes` as `who` with different author and committer dates (a
    /// rebased commit keeps its older author date); it must succeed. Its
    /// stdout.
    pub fn lanes_as_dates(
        &self,
        who: Who,
        authored: &str,
        committed: &str,
        args: &[&str],
    ) -> String {
        let mut cmd = self.lanes_cmd();
        who.apply(&mut cmd, authored, committed);
        let out = cmd.args(args).output().expect("run the lanes binary");
        succeeded(
            &out,
            &format!("{}: lanes {args:?} as {}", self.name, who.name),
        )
    }

    /// Run `lanes`, which must succeed, and parse its stdout as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = succeeded(&self.lanes(args), &format!("{}: lanes {args:?}", self.name));
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("lanes {args:?}: {e}\n{out}"))
    }

    /// A `git` command, isolated, running in the repository.
    pub fn git_cmd(&self) -> Command {
        self.command("git")
    }

    /// Run git and return its output whatever the exit code.
    pub fn git_output(&self, args: &[&str]) -> Output {
        self.git_cmd().args(args).output().expect("run git")
    }

    /// Run git, which must succeed; its stdout.
    pub fn git(&self, args: &[&str]) -> String {
        succeeded(
            &self.git_output(args),
            &format!("{}: git {args:?}", self.name),
        )
    }

    /// Run git, which must succeed; its stdout without the trailing newline.
    pub fn git_line(&self, args: &[&str]) -> String {
        self.git(args).trim_end_matches('\n').to_string()
    }

    /// Run git as `who` at `when` (author and committer); it must succeed.
    /// Its stdout.
    pub fn git_as(&self, who: Who, when: &str, args: &[&str]) -> String {
        let mut cmd = self.git_cmd();
        who.apply(&mut cmd, when, when);
        let out = cmd.args(args).output().expect("run git");
        succeeded(
            &out,
            &format!("{}: git {args:?} as {}", self.name, who.name),
        )
    }

    // --- files -----------------------------------------------------------

    /// Absolute path of `rel` in the repository.
    pub fn abs(&self, rel: &str) -> PathBuf {
        self.path.join(rel)
    }

    /// Read a file of the repository as text.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.abs(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Read a file of the repository as bytes.
    pub fn read_bytes(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.abs(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Write a file of the repository (creating folders).
    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        let p = self.abs(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("create folders");
        }
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {rel}: {e}"));
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.abs(rel).exists()
    }

    /// Absolute path of a card file.
    pub fn card_file(&self, id: &str) -> PathBuf {
        self.abs(&card_path(id))
    }

    /// Write a card file as given (YAML text).
    pub fn write_card(&self, id: &str, yaml: &str) {
        self.write(&card_path(id), yaml);
    }

    /// A card file's text.
    pub fn card_text(&self, id: &str) -> String {
        self.read(&card_path(id))
    }

    /// A card file as YAML.
    pub fn card(&self, id: &str) -> serde_yaml::Value {
        let text = self.card_text(id);
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("card {id}: {e}\n{text}"))
    }

    /// A card read through the library (a valid card).
    pub fn card_model(&self, id: &str) -> lanes::model::Card {
        let rel = card_path(id);
        let text = self.read(&rel);
        lanes::store::parse_card(&rel, text.as_bytes())
            .unwrap_or_else(|p| panic!("{}: {p}\n{text}", self.name))
            .card
    }

    /// The ids of the card files in `.lanes/cards/`, sorted.
    pub fn card_ids(&self) -> Vec<String> {
        let dir = self.abs(".lanes/cards");
        let mut ids: Vec<String> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter_map(|n| n.strip_suffix(".yaml").map(str::to_string))
                .collect(),
            Err(_) => Vec::new(),
        };
        ids.sort();
        ids
    }

    /// Every file under `.lanes/`, by path relative to the repository.
    pub fn board_files(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        snapshot::collect(&self.path, &self.abs(".lanes"), &mut out);
        out
    }

    // --- git -------------------------------------------------------------

    /// The full id of HEAD, or "" on an unborn branch.
    pub fn head(&self) -> String {
        let out = self.git_output(&["rev-parse", "--verify", "-q", "HEAD"]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Number of commits reachable from HEAD (0 on an unborn branch).
    pub fn commit_count(&self) -> usize {
        if self.head().is_empty() {
            return 0;
        }
        self.git_line(&["rev-list", "--count", "HEAD"])
            .parse()
            .expect("a number")
    }

    /// The paths HEAD's commit changed.
    pub fn head_paths(&self) -> Vec<String> {
        self.git(&["show", "--name-only", "--format=", "HEAD"])
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// HEAD's subject line.
    pub fn head_subject(&self) -> String {
        self.git_line(&["log", "-1", "--format=%s"])
    }

    /// HEAD's whole message.
    pub fn head_message(&self) -> String {
        self.git(&["log", "-1", "--format=%B"])
    }

    /// Values of one trailer in HEAD's message, as git parses them.
    pub fn head_trailer(&self, key: &str) -> Vec<String> {
        self.git(&[
            "log",
            "-1",
            &format!("--format=%(trailers:key={key},valueonly)"),
        ])
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
    }

    /// Commit subjects, newest first.
    pub fn subjects(&self) -> Vec<String> {
        self.git(&["log", "--format=%s"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// `git log` of HEAD: one `<id> <parents> <subject>` line per commit.
    pub fn log(&self) -> String {
        self.git(&["log", "--format=%H %P %s"])
    }

    /// `git status --porcelain` lines (untracked files included), sorted.
    pub fn status(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .git(&["status", "--porcelain", "--untracked-files=all"])
            .lines()
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    }

    /// `git add -A && git commit`.
    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// Write `rel` and commit it with plain git.
    pub fn commit_file(&self, rel: &str, text: &str, message: &str) {
        self.write(rel, text);
        self.git(&["add", rel]);
        self.git(&["commit", "-q", "-m", message]);
    }

    // --- lanes -----------------------------------------------------------

    /// Add a card; returns its id (the command must succeed and print only
    /// the id).
    /// A hypothesis card in modeling with numbers a run can decide:
    /// precision from 0.18 to 0.2, higher is better.
    pub fn add_hypothesis(&self, title: &str) -> String {
        self.add(
            title,
            &[
                "--lane",
                "modeling",
                "--metric",
                "precision",
                "--baseline",
                "0.18",
                "--target",
                "0.2",
                "--direction",
                "higher",
            ],
        )
    }

    pub fn add(&self, title: &str, extra: &[&str]) -> String {
        let mut args = vec!["add", title];
        args.extend_from_slice(extra);
        let out = self.lanes(&args);
        let stdout = succeeded(&out, &format!("{}: lanes {args:?}", self.name));
        let id = stdout.trim_end_matches('\n');
        assert!(
            !id.is_empty() && !id.contains('\n') && !id.contains(' '),
            "add printed {stdout:?}"
        );
        assert!(
            id.len() == lanes::model::id::ID_LEN && lanes::model::id::is_valid(id),
            "lanes add printed {id:?}, not a card id"
        );
        id.to_string()
    }

    /// `lanes list --json` plus extra arguments, parsed.
    pub fn list_json(&self, extra: &[&str]) -> Vec<serde_json::Value> {
        let mut args = vec!["list", "--json"];
        args.extend_from_slice(extra);
        let out = ok(&self.lanes(&args));
        match serde_json::from_str(&out).unwrap_or_else(|e| panic!("list --json: {e}\n{out}")) {
            serde_json::Value::Array(a) => a,
            other => panic!("list --json is not an array: {other}"),
        }
    }

    /// The ids, in order, of `lanes list --json` with extra arguments.
    pub fn list_ids(&self, extra: &[&str]) -> Vec<String> {
        self.list_json(extra)
            .iter()
            .map(|c| c["id"].as_str().expect("id is a string").to_string())
            .collect()
    }

    /// `lanes show ID --json`, parsed.
    pub fn show_json(&self, id: &str) -> serde_json::Value {
        let out = ok(&self.lanes(&["show", id, "--json"]));
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("show --json: {e}\n{out}"))
    }

    /// Lane ids of the board, in order (from `.lanes/board.yaml`).
    pub fn lane_ids(&self) -> Vec<String> {
        let text = self.read(".lanes/board.yaml");
        let v: serde_yaml::Value = serde_yaml::from_str(&text).expect("board.yaml parses");
        v["lanes"]
            .as_sequence()
            .expect("lanes is a list")
            .iter()
            .map(|l| l["id"].as_str().expect("lane id").to_string())
            .collect()
    }

    /// `lanes validate`: its exit code and the problems it printed.
    pub fn validate(&self) -> (Option<i32>, String) {
        let out = self.lanes(&["validate"]);
        (out.status.code(), both(&out))
    }

    /// The board is healthy: `lanes validate` passes, no conflict marker
    /// in any file under `.lanes/`, and the board files are committed.
    pub fn assert_healthy(&self) {
        let (code, text) = self.validate();
        assert_eq!(
            code,
            Some(0),
            "{}: lanes validate failed:\n{text}",
            self.name
        );
        self.assert_no_markers_and_committed();
    }

    /// Like `assert_healthy`, but tolerating (only) equal ranks in a lane,
    /// which concurrent placements produce today (see the ignored tests).
    /// The number of problems `lanes validate` reported.
    pub fn assert_healthy_but_rank_ties(&self) -> usize {
        let (code, text) = self.validate();
        let problems: Vec<&str> = text.lines().filter(|l| l.starts_with(".lanes/")).collect();
        let other: Vec<&&str> = problems
            .iter()
            .filter(|l| !l.contains("is also used by"))
            .collect();
        assert!(
            other.is_empty() && (code == Some(0) || !problems.is_empty()),
            "{}: lanes validate failed:\n{text}",
            self.name
        );
        self.assert_no_markers_and_committed();
        problems.len()
    }

    fn assert_no_markers_and_committed(&self) {
        for (path, bytes) in self.board_files() {
            let text = String::from_utf8_lossy(&bytes);
            for m in ["<<<<<<<", ">>>>>>>"] {
                assert!(
                    !text.contains(m),
                    "{}: {path} holds a conflict marker:\n{text}",
                    self.name
                );
            }
        }
        let pending = self.git(&["status", "--porcelain", "--", ".lanes"]);
        assert!(
            pending.is_empty(),
            "{}: uncommitted board files after sync:\n{pending}",
            self.name
        );
    }

    /// Every file under the temporary folder (`.git/` internals excluded,
    /// except HEAD), with its bytes, plus the refs and index entries: used
    /// to assert that a refused command changed nothing at all.
    pub fn snapshot(&self) -> Snapshot {
        snapshot::take(self)
    }
}

/// Pretty JSON without what grows while a card is in progress: its age in
/// its lane and the oldest age (the lines go), its time in progress and
/// blocked and so its flow efficiency (the value becomes 0, the line
/// stays: it may be an object's last). Ages count seconds up to now, so
/// two runs a second apart differ in them and nothing else.
pub fn timeless(out: String) -> String {
    const NOW: &[&str] = &[
        "\"age\":",
        "\"in_progress\":",
        "\"blocked\":",
        "\"flow_efficiency\":",
    ];
    out.lines()
        .filter(|l| {
            let l = l.trim_start();
            !l.starts_with(NOW[0]) && !l.starts_with("\"oldest\":")
        })
        .map(
            |l| match NOW[1..].iter().find(|k| l.trim_start().starts_with(*k)) {
                Some(k) => format!("{k} 0{}", if l.ends_with(',') { "," } else { "" }),
                None => l.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}
