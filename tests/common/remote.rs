//! A bare repository as the remote and clones of it in one temporary
//! folder, each clone a `Repo` with its own git identity; a `git daemon`
//! serving the remote on the loopback interface (in a process group of its
//! own, killed whole when dropped); a remote that accepts connections and
//! never answers; running lanes in a process group of its own and finding
//! the processes a test left; helpers to read card YAML and a small
//! deterministic random number generator.

use super::{isolated, skip, Repo};
use serde_yaml::Value;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A fixed point in time for commits that must be ordered (2026-05-01).
pub const T0: i64 = 1_777_593_600;

/// A temporary folder with a bare remote (`remote.git`, branch `main`),
/// a fake home and lanes config folder shared by every clone, and room
/// for the clones.
pub struct World {
    tmp: tempfile::TempDir,
    pub base: PathBuf,
    pub remote: PathBuf,
    pub home: PathBuf,
    pub config: PathBuf,
}

impl World {
    /// An empty bare remote.
    pub fn new() -> World {
        let tmp = tempfile::Builder::new()
            .prefix("lanes-sync-")
            .tempdir()
            .expect("create a temporary folder");
        let base = std::fs::canonicalize(tmp.path()).expect("canonicalize tempdir");
        let home = base.join("home");
        let config = base.join("config");
        for d in [&home, &config] {
            std::fs::create_dir_all(d).expect("create test folders");
        }
        let world = World {
            tmp,
            remote: base.join("remote.git"),
            base,
            home,
            config,
        };
        world.git_at(
            &world.base,
            &["init", "-q", "--bare", "-b", "main", "remote.git"],
        );
        world
    }

    /// A remote holding a fresh board (made by the first clone, `names[0]`,
    /// with `lanes init`), and one clone per name, all at the same commit.
    pub fn with_board(names: &[&str]) -> (World, Vec<Repo>) {
        let world = World::new();
        let first = world.clone_remote(names[0]);
        first.ok(&["init"]);
        first.git(&["push", "-q", "-u", "origin", "main"]);
        let mut clones = vec![first];
        for n in &names[1..] {
            clones.push(world.clone_remote(n));
        }
        (world, clones)
    }

    /// Keep the temporary folder (for debugging a failing test).
    pub fn keep(self) -> PathBuf {
        self.tmp.keep()
    }

    /// `program`, isolated, running in `dir`.
    fn command(&self, program: &str, dir: &Path) -> Command {
        isolated(program, dir, &self.home, &self.config)
    }

    /// Run git in `dir`, whatever the outcome.
    pub fn git_output_at(&self, dir: &Path, args: &[&str]) -> Output {
        self.command("git", dir)
            .args(args)
            .output()
            .expect("run git")
    }

    /// Run git in `dir`, which must succeed; its stdout.
    pub fn git_at(&self, dir: &Path, args: &[&str]) -> String {
        super::succeeded(
            &self.git_output_at(dir, args),
            &format!("git {args:?} in {}", dir.display()),
        )
    }

    /// The remote's `main`.
    pub fn remote_head(&self) -> String {
        self.git_at(&self.remote, &["rev-parse", "main"])
            .trim()
            .to_string()
    }

    /// A file of the remote's `main`, if it has it.
    pub fn remote_file(&self, rel: &str) -> Option<String> {
        let out = self.git_output_at(&self.remote, &["show", &format!("main:{rel}")]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Clone the bare remote into `<base>/<name>`.
    pub fn clone_remote(&self, name: &str) -> Repo {
        let url = self.remote.to_string_lossy().into_owned();
        self.clone_url(&url, name)
    }

    /// Clone `url` into `<base>/<name>` with identity `Name <name@example.com>`.
    pub fn clone_url(&self, url: &str, name: &str) -> Repo {
        self.clone_with(url, name, &[])
    }

    /// [`World::clone_url`] with more `git clone` options
    /// (`--filter=blob:none`, `--depth 1`).
    pub fn clone_with(&self, url: &str, name: &str, options: &[&str]) -> Repo {
        let mut args = vec!["clone", "-q"];
        args.extend_from_slice(options);
        args.extend([url, name]);
        self.git_at(&self.base, &args);
        let c = Repo::within(
            self.base.join(name),
            &self.home,
            &self.config,
            display_name(name),
        );
        c.git(&["config", "user.name", &c.name]);
        c.git(&["config", "user.email", &format!("{name}@example.com")]);
        c
    }

    /// Serve the world's folder with `git daemon` on the loopback
    /// interface (see `Daemon::url`), or why it could not start.
    pub fn serve(&self) -> Result<Daemon, String> {
        Daemon::start(self)
    }

    /// `serve`, or `None` after a visible SKIP line (a failure under
    /// `CI=true`) when `git daemon` cannot run here.
    pub fn serve_or_skip(&self) -> Option<Daemon> {
        match self.serve() {
            Ok(d) => Some(d),
            Err(why) => {
                skip(&format!("git daemon unavailable ({why})"));
                None
            }
        }
    }
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

/// `alice` -> `Alice`.
fn display_name(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// All clones hold byte-identical `.lanes/` trees.
pub fn assert_same_boards(clones: &[&Repo]) {
    let first = clones[0].board_files();
    for c in &clones[1..] {
        let other = c.board_files();
        let names_a: Vec<&String> = first.keys().collect();
        let names_b: Vec<&String> = other.keys().collect();
        assert_eq!(
            names_a, names_b,
            "{} and {} hold different board files",
            clones[0].name, c.name
        );
        for (path, bytes) in &first {
            assert!(
                other.get(path) == Some(bytes),
                "{path} differs between {} and {}:\n--- {}\n{}\n--- {}\n{}",
                clones[0].name,
                c.name,
                clones[0].name,
                String::from_utf8_lossy(bytes),
                c.name,
                String::from_utf8_lossy(&other[path])
            );
        }
    }
}

impl Repo {
    /// `lanes sync`, which must succeed; its stdout and stderr.
    pub fn sync(&self) -> String {
        let out = self.lanes(&["sync"]);
        let text = super::both(&out);
        assert!(
            out.status.success(),
            "{}: lanes sync failed ({:?}):\n{text}",
            self.name,
            out.status.code()
        );
        text
    }

    /// `git pull --ff-only` (setting up, not under test).
    pub fn pull(&self) {
        self.git(&["pull", "-q", "--ff-only"]);
    }

    /// `git push` (setting up, not under test).
    pub fn push(&self) {
        self.git(&["push", "-q", "origin", "HEAD"]);
    }
}

// ---------------------------------------------------------------------------
// git daemon

/// `git daemon` serving a folder on 127.0.0.1 at an ephemeral port, with
/// pushes enabled. It runs in a process group of its own (`git daemon` is
/// a `git` that starts `git-daemon`, which forks a child per connection):
/// dropping it kills the whole group and waits until none of it is left.
pub struct Daemon {
    child: Child,
    pub port: u16,
}

impl Daemon {
    /// How many ports to try before giving up.
    const ATTEMPTS: usize = 5;
    /// How long a started daemon may take to accept connections.
    const READY: Duration = Duration::from_secs(5);

    /// Serve `world.base`: pick a free port (bind port 0, drop the
    /// listener), start the daemon on it and wait until it accepts
    /// connections; another port if it exits (the port was taken
    /// meanwhile) or never listens.
    fn start(world: &World) -> Result<Daemon, String> {
        let mut last = String::new();
        for attempt in 0..Self::ATTEMPTS {
            let port = {
                let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
                l.local_addr().map_err(|e| e.to_string())?.port()
            };
            let log = world.base.join(format!("git-daemon-{attempt}.log"));
            let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
            let child = world
                .command("git", &world.base)
                .args([
                    "daemon",
                    "--reuseaddr",
                    "--export-all",
                    "--enable=receive-pack",
                    &format!("--base-path={}", world.base.display()),
                    "--listen=127.0.0.1",
                    &format!("--port={port}"),
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log_file)
                .process_group(0)
                .spawn();
            let child = match child {
                Ok(c) => c,
                Err(e) => return Err(format!("cannot run git daemon: {e}")),
            };
            let mut d = Daemon { child, port };
            let start = Instant::now();
            last = loop {
                if let Ok(Some(status)) = d.child.try_wait() {
                    let said = std::fs::read_to_string(&log).unwrap_or_default();
                    break format!("git daemon exited ({status}): {}", said.trim());
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Ok(d);
                }
                if start.elapsed() > Self::READY {
                    break format!(
                        "git daemon did not accept connections within {:?}",
                        Self::READY
                    );
                }
                std::thread::sleep(Duration::from_millis(25));
            };
            // `d` drops here: the daemon, if it still runs, is killed.
        }
        Err(last)
    }

    /// The URL of the world's remote through the daemon.
    pub fn url(&self) -> String {
        self.url_of("remote.git")
    }

    /// The URL of `rel` (relative to the served folder) through the daemon.
    pub fn url_of(&self, rel: &str) -> String {
        format!("git://127.0.0.1:{}/{rel}", self.port)
    }

    /// The daemon's process group.
    pub fn group(&self) -> i32 {
        self.child.id() as i32
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        kill_group(self.group());
        let _ = self.child.wait();
        wait_group_gone(self.group(), Duration::from_secs(10));
    }
}

/// SIGKILL to every process of group `pgid`.
pub fn kill_group(pgid: i32) {
    // SAFETY: a plain kill(2) of a process group this test started.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

/// Wait (up to `limit`) until no live process is left in group `pgid`
/// (killed processes are reaped by init a moment later); what is left.
pub fn wait_group_gone(pgid: i32, limit: Duration) -> Vec<String> {
    let start = Instant::now();
    loop {
        let left = live_processes(|p| p.pgid == pgid);
        if left.is_empty() || start.elapsed() > limit {
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------
// Processes (from /proc)

/// A process as /proc shows it.
pub struct Proc {
    pub pid: i32,
    pub pgid: i32,
    pub sid: i32,
    /// Its working folder (unreadable for other users' processes).
    pub cwd: Option<PathBuf>,
    pub cmdline: String,
    /// The program's name (`git`, `git-remote-http`, `ssh`).
    pub program: String,
}

/// Whether /proc can be read here (Linux); the checks of what a test left
/// behind need it.
pub fn proc_available() -> bool {
    Path::new("/proc/self/stat").exists()
}

/// Live processes (not zombies) for which `keep` holds, as
/// `pid pgid cmdline` lines.
pub fn live_processes(keep: impl Fn(&Proc) -> bool) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid pgrp session ...`; comm may hold spaces.
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let f: Vec<&str> = after.split_whitespace().collect();
        if f.len() < 4 || f[0] == "Z" || f[0] == "X" {
            continue;
        }
        let args: Vec<String> = std::fs::read(e.path().join("cmdline"))
            .map(|b| {
                b.split(|&c| c == 0)
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let p = Proc {
            pid,
            pgid: f[2].parse().unwrap_or(0),
            sid: f[3].parse().unwrap_or(0),
            cwd: std::fs::read_link(e.path().join("cwd")).ok(),
            cmdline: args.join(" ").trim().to_string(),
            program: args
                .first()
                .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
                .unwrap_or_default(),
        };
        if keep(&p) {
            found.push(format!("{} {} {}", p.pid, p.pgid, p.cmdline));
        }
    }
    found
}

/// git's processes (`git`, `git-remote-http`, `git-upload-pack`, ...)
/// and `ssh` working in `dir` or below — what a sync there starts —
/// waiting up to `limit` for them to go; what is left.
pub fn git_left_in(dir: &Path, limit: Duration) -> Vec<String> {
    let start = Instant::now();
    loop {
        let left = live_processes(|p| {
            (p.program.starts_with("git") || p.program == "ssh")
                && p.cwd.as_deref().is_some_and(|c| c.starts_with(dir))
        });
        if left.is_empty() || start.elapsed() > limit {
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------
// A remote that never answers

/// A TCP server on 127.0.0.1 (an ephemeral port) that accepts every
/// connection and never sends a byte: a remote that hangs, as a stuck
/// server or a black-holing proxy does. Connections are held until it is
/// dropped.
pub struct Silent {
    pub port: u16,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Silent {
    pub fn start() -> Silent {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (accepted, stop) = (accepted.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut held = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((conn, _)) => {
                            held.push(conn);
                            accepted.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        Silent {
            port,
            accepted,
            stop,
            thread: Some(thread),
        }
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------------------
// lanes in a process group of its own

/// A finished (or killed) run of lanes in a process group of its own.
pub struct Bounded {
    /// `None`: it was still running at the limit and was killed.
    pub output: Option<Output>,
    pub took: Duration,
    /// lanes' process group (also its pid).
    pub group: i32,
}

/// Run `lanes ARGS` in `repo` in a process group of its own, stdin not a
/// terminal, with `env` added; kill its whole group if it runs past
/// `limit` (so that a lanes that hangs cannot outlive the test).
pub fn lanes_bounded(repo: &Repo, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Bounded {
    let dir = tempfile::tempdir().expect("a folder for the output");
    let out_path = dir.path().join("stdout");
    let err_path = dir.path().join("stderr");
    let mut cmd = repo.lanes_cmd();
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .process_group(0);
    let start = Instant::now();
    let mut child = cmd.spawn().expect("run the lanes binary");
    let group = child.id() as i32;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for lanes") {
            break Some(status);
        }
        if start.elapsed() > limit {
            kill_group(group);
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = start.elapsed();
    let output = status.map(|status| Output {
        status,
        stdout: std::fs::read(&out_path).unwrap_or_default(),
        stderr: std::fs::read(&err_path).unwrap_or_default(),
    });
    Bounded {
        output,
        took,
        group,
    }
}

// ---------------------------------------------------------------------------
// Card YAML

/// A field of a YAML value by dotted path (`hypothesis.result`).
pub fn field<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    for part in path.split('.') {
        cur = cur.get(part)?;
    }
    Some(cur)
}

/// A text field by dotted path (panics if absent or not text).
pub fn text(v: &Value, path: &str) -> String {
    field(v, path)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no text field {path} in {v:?}"))
        .to_string()
}

/// The card's `conflicts` list.
pub fn conflicts(card: &Value) -> Vec<Value> {
    match card.get("conflicts") {
        Some(Value::Sequence(s)) => s.clone(),
        _ => Vec::new(),
    }
}

/// The card's journal entries as (at, by, text).
pub fn journal(card: &Value) -> Vec<(String, String, String)> {
    match card.get("journal") {
        Some(Value::Sequence(s)) => s
            .iter()
            .map(|e| {
                let g = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                (g("at"), g("by"), g("text"))
            })
            .collect(),
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// Random operations

/// A small deterministic random number generator (splitmix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}
