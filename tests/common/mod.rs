//! Helpers for the integration tests: a real git repository in a temporary
//! folder and a runner for the real `lanes` binary, isolated from the
//! developer's own git configuration and environment.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub const LANES: &str = env!("CARGO_BIN_EXE_lanes");

/// The name and email of the repository's configured user.
pub const USER_NAME: &str = "Test User";
pub const USER_EMAIL: &str = "test@example.com";

#[path = "../shared/scrub.rs"]
mod scrub;
use scrub::SCRUBBED;

/// A temporary folder holding a git repository (`repo/`), a fake home
/// (`home/`) and a lanes config folder (`config/`).
pub struct Repo {
    tmp: tempfile::TempDir,
    /// The repository's work tree (where commands run by default).
    pub path: PathBuf,
    /// The fake `$HOME`.
    pub home: PathBuf,
    /// `$LANES_CONFIG_DIR` for every command.
    pub config: PathBuf,
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
            tmp,
            path,
            home,
            config,
        }
    }

    /// A fresh git repository (unborn `main`) with a local user identity.
    pub fn new() -> Repo {
        let r = Repo::bare_folder();
        r.git(&["init", "-q", "-b", "main"]);
        r.git(&["config", "user.name", USER_NAME]);
        r.git(&["config", "user.email", USER_EMAIL]);
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
        self.tmp.keep()
    }

    fn isolate(&self, cmd: &mut Command) {
        for v in SCRUBBED {
            cmd.env_remove(v);
        }
        cmd.env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("LANES_CONFIG_DIR", &self.config)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C");
    }

    /// A `lanes` command, isolated, running in the repository.
    pub fn lanes_cmd(&self) -> Command {
        let mut cmd = Command::new(LANES);
        self.isolate(&mut cmd);
        cmd.current_dir(&self.path);
        cmd
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

    /// A `git` command, isolated, running in the repository.
    pub fn git_cmd(&self) -> Command {
        let mut cmd = Command::new("git");
        self.isolate(&mut cmd);
        cmd.current_dir(&self.path);
        cmd
    }

    /// Run git and return its output whatever the exit code.
    pub fn git_output(&self, args: &[&str]) -> Output {
        self.git_cmd().args(args).output().expect("run git")
    }

    /// Run git, which must succeed; its stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_output(args);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("git output is UTF-8")
    }

    /// Run git, which must succeed; its stdout without the trailing newline.
    pub fn git_line(&self, args: &[&str]) -> String {
        self.git(args).trim_end_matches('\n').to_string()
    }

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

    /// Add a card; returns its id (the command must succeed and print only
    /// the id).
    pub fn add(&self, title: &str, extra: &[&str]) -> String {
        let mut args = vec!["add", title];
        args.extend_from_slice(extra);
        let out = self.lanes(&args);
        let stdout = ok(&out);
        let id = stdout.trim_end_matches('\n');
        assert!(
            !id.is_empty() && !id.contains('\n') && !id.contains(' '),
            "add printed {stdout:?}"
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

    /// Every file under the temporary folder (`.git/` internals excluded,
    /// except HEAD), with its bytes, plus the refs and index entries: used
    /// to assert that a refused command changed nothing at all.
    pub fn snapshot(&self) -> Snapshot {
        let mut files = BTreeMap::new();
        walk(self.base(), self.base(), &mut files);
        let git_dir = self.path.join(".git");
        if let Ok(b) = std::fs::read(git_dir.join("HEAD")) {
            files.insert("repo/.git/HEAD".to_string(), b);
        }
        // Refs and the index's entries (not its bytes: git refreshes stat
        // data in it whenever it likes).
        let refs = if git_dir.exists() {
            let show =
                |args: &[&str]| String::from_utf8_lossy(&self.git_output(args).stdout).into_owned();
            format!(
                "{}--\n{}",
                show(&["show-ref", "--head"]),
                show(&["ls-files", "--stage"])
            )
        } else {
            String::new()
        };
        Snapshot { files, refs }
    }
}

/// The state of a test folder, for "nothing changed" assertions.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub files: BTreeMap<String, Vec<u8>>,
    pub refs: String,
}

impl Snapshot {
    /// Panic with the differing paths if `other` differs.
    pub fn assert_same(&self, other: &Snapshot, what: &str) {
        if self == other {
            return;
        }
        let mut diffs = Vec::new();
        for (k, v) in &self.files {
            match other.files.get(k) {
                None => diffs.push(format!("removed {k}")),
                Some(w) if w != v => diffs.push(format!("changed {k}")),
                _ => {}
            }
        }
        for k in other.files.keys() {
            if !self.files.contains_key(k) {
                diffs.push(format!("added {k}"));
            }
        }
        if self.refs != other.refs {
            diffs.push(format!("refs: {:?} -> {:?}", self.refs, other.refs));
        }
        panic!("{what} changed files: {diffs:#?}");
    }
}

fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let p = e.path();
        let rel = p
            .strip_prefix(base)
            .expect("under base")
            .to_string_lossy()
            .replace('\\', "/");
        // git's own bookkeeping (index, HEAD, refs) is compared separately;
        // lanes' scratch folder (.git/lanes) is allowed to change.
        if rel.ends_with("/.git") || rel == ".git" {
            continue;
        }
        let ft = match e.file_type() {
            Ok(t) => t,
            Err(_) => continue,
        };
        if ft.is_dir() {
            walk(base, &p, out);
        } else if let Ok(b) = std::fs::read(&p) {
            out.insert(rel, b);
        }
    }
}

/// Assert a command succeeded; its stdout.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "expected success, got {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

/// Assert a command exited with `code`; its stderr.
pub fn fails(out: &Output, code: i32) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A command's stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
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
