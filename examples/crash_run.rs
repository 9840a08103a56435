//! Crash run: `kill -9` lanes commands at random moments, and check after
//! every kill that the repository is whole and the next command works.
//!
//!     cargo run --release --example crash_run -- [--kills 300] [--seed N] [--keep]
//!
//! A repository with a board, a bare remote and a teammate's clone is made
//! in a temporary folder. Each round starts one of `add`, `move`, `note`,
//! `edit --set`, `undo`, `redo` or `sync` (the teammate pushes now and then, so syncs have
//! something to merge), kills it with SIGKILL after a random time within
//! that command's measured duration, then checks:
//! - `lanes validate` succeeds (this first command also finishes or rolls
//!   back what the killed one left, and says so);
//! - `git fsck --strict` succeeds;
//! - `git status --porcelain` is empty (nothing half-written, nothing
//!   staged, no stray file) and the index matches HEAD;
//! - no `index.lock`, branch lock or `index.lanes-old`/`-new` is left behind;
//! - a following `lanes note` succeeds.
//!
//! It prints how many kills landed mid-command, how many recoveries
//! finished or rolled back a transaction, and any failure (exit 1).
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

#[path = "bench_common/mod.rs"]
mod bench_common;

use anyhow::Result;
use bench_common::{find_lanes, output, Common, Rng, Uses};
use clap::Parser;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Kill -9 lanes commands at random moments; check the repository after
/// each.
#[derive(Parser, Debug)]
#[command(name = "crash_run")]
struct Opts {
    #[command(flatten)]
    common: Common,
    /// Commands to start and kill.
    #[arg(long, value_name = "N", default_value_t = 300)]
    kills: usize,
}

fn parse() -> Opts {
    bench_common::parse(
        Uses {
            defaults: &[("seed", "11")],
            unused: &["cards", "runs", "dir", "reuse", "old"],
            helps: &[
                (
                    "seed",
                    "Seed of the commands chosen and of when each is killed",
                ),
                ("keep", "Keep the repositories (their folder is printed)"),
            ],
        },
        &[],
    )
}

fn main() -> ExitCode {
    match run(parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("crash_run: {e:#}");
            ExitCode::from(2)
        }
    }
}

struct Env {
    lanes: PathBuf,
    home: PathBuf,
}

impl Env {
    fn cmd(&self, program: &Path, dir: &Path) -> Command {
        let mut c = Command::new(program);
        for v in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "LANES_BOARD",
            "LANES_CRASH_AT",
        ] {
            c.env_remove(v);
        }
        c.current_dir(dir)
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("LANES_CONFIG_DIR", self.home.join("lanes"))
            .stdin(Stdio::null());
        c
    }
    fn lanes(&self, dir: &Path, args: &[&str]) -> Command {
        let mut c = self.cmd(&self.lanes, dir);
        c.args(args);
        c
    }
    fn git(&self, dir: &Path, args: &[&str]) -> Result<String> {
        let mut c = self.cmd(Path::new("git"), dir);
        c.args(args);
        output(&mut c)
    }
}

fn run(o: Opts) -> Result<bool> {
    let lanes = find_lanes(o.common.lanes.as_deref())?;
    let tmp = tempfile::Builder::new().prefix("lanes-crash-").tempdir()?;
    let base = std::fs::canonicalize(tmp.path())?;
    let env = Env {
        lanes,
        home: base.join("home"),
    };
    std::fs::create_dir_all(&env.home)?;
    std::fs::write(
        env.home.join(".gitconfig"),
        "[user]\n\tname = Crash Test\n\temail = crash@example.com\n[init]\n\tdefaultBranch = main\n",
    )?;
    let me = base.join("me");
    let mate = base.join("mate");
    let remote = base.join("remote.git");
    env.git(&base, &["init", "-q", "--bare", "remote.git"])?;
    env.git(
        &base,
        &["clone", "-q", remote.to_str().unwrap_or_default(), "me"],
    )?;
    output(&mut env.lanes(&me, &["init"]))?;
    env.git(&me, &["push", "-q", "-u", "origin", "main"])?;
    env.git(
        &base,
        &["clone", "-q", remote.to_str().unwrap_or_default(), "mate"],
    )?;
    let mut cards = Vec::new();
    for i in 0..6 {
        let id = output(&mut env.lanes(&me, &["add", &format!("Card {i}"), "--body", "text"]))?;
        cards.push(id.trim().to_string());
    }
    output(&mut env.lanes(&me, &["sync"]))?;
    output(&mut env.lanes(&mate, &["sync"]))?;
    let lanes_ids = [
        "business",
        "data-und",
        "data-prep",
        "modeling",
        "evaluation",
    ];
    let mut rng = Rng(o.common.seed);
    // How long each command takes here, so that kills land inside it.
    let mut took = std::collections::BTreeMap::<&str, Duration>::new();
    for (name, args) in [
        ("add", vec!["add", "Timing card"]),
        ("move", vec!["move", cards[0].as_str(), "modeling"]),
        ("note", vec!["note", cards[0].as_str(), "timing"]),
        (
            "edit",
            vec!["edit", cards[0].as_str(), "--set", "labels=[t]"],
        ),
        ("undo", vec!["undo"]),
        ("redo", vec!["redo"]),
        ("sync", vec!["sync"]),
    ] {
        let t = Instant::now();
        output(&mut env.lanes(&me, &args))?;
        took.insert(name, t.elapsed());
    }
    output(&mut env.lanes(&me, &["sync"]))?;
    let (mut mid, mut finished, mut rolled, mut failures) = (0, 0, 0, 0);
    let mut by_cmd = std::collections::BTreeMap::<&str, usize>::new();
    let start = Instant::now();
    for round in 0..o.kills {
        if rng.chance(15) {
            // The teammate changes something and pushes.
            let card = rng.pick(&cards).clone();
            let _ = output(&mut env.lanes(&mate, &["note", &card, &format!("mate {round}")]));
            let _ = output(&mut env.lanes(&mate, &["sync"]));
        }
        let card = rng.pick(&cards).clone();
        let lane = *rng.pick(&lanes_ids);
        let note = format!("note {round}");
        let title = format!("Added {round}");
        let label = format!("labels=[r{round}]");
        let (name, args): (&str, Vec<&str>) = match rng.below(7) {
            0 => ("add", vec!["add", &title]),
            1 => ("move", vec!["move", &card, lane]),
            2 => ("note", vec!["note", &card, &note]),
            3 => ("edit", vec!["edit", &card, "--set", &label]),
            // Undo and redo write through the same transaction; after a
            // sync merge they may refuse, which is fine here.
            4 => ("undo", vec!["undo"]),
            5 => ("redo", vec!["redo"]),
            _ => ("sync", vec!["sync"]),
        };
        *by_cmd.entry(name).or_default() += 1;
        // Its own process group, killed whole: as when the machine or the
        // terminal dies, the `git fetch`/`git push` it runs dies with it.
        let mut cmd = env.lanes(&me, &args);
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
        let span = took[name].as_micros() as usize * 11 / 10;
        std::thread::sleep(Duration::from_micros(rng.below(span.max(1)) as u64));
        if child.try_wait()?.is_none() {
            mid += 1;
        }
        #[cfg(unix)]
        // SAFETY: signalling the process group we created.
        unsafe {
            libc::kill(-(child.id() as i32), libc::SIGKILL);
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Wait for the rest of the group to be gone.
        #[cfg(unix)]
        while unsafe { libc::kill(-(child.id() as i32), 0) } == 0 {
            std::thread::sleep(Duration::from_millis(2));
        }
        // The first command after: repairs, and must find the board whole.
        let v = env.lanes(&me, &["validate"]).output()?;
        let said = String::from_utf8_lossy(&v.stderr).into_owned();
        if said.contains("finished an interrupted") {
            finished += 1;
        } else if said.contains("rolled back") || said.contains("cleaned up after") {
            rolled += 1;
        }
        let mut problems = Vec::new();
        if !v.status.success() {
            problems.push(format!(
                "validate failed: {said}{}",
                String::from_utf8_lossy(&v.stdout)
            ));
        }
        let fsck = env
            .cmd(Path::new("git"), &me)
            .args(["fsck", "--strict", "--no-progress"])
            .output()?;
        if !fsck.status.success() {
            problems.push(format!(
                "git fsck: {}{}",
                String::from_utf8_lossy(&fsck.stdout),
                String::from_utf8_lossy(&fsck.stderr)
            ));
        }
        let status = env.git(&me, &["status", "--porcelain", "--untracked-files=all"])?;
        if !status.trim().is_empty() {
            problems.push(format!("git status not clean:\n{status}"));
        }
        let tree = env.git(&me, &["write-tree"])?;
        let head = env.git(&me, &["rev-parse", "HEAD^{tree}"])?;
        if tree != head {
            problems.push("the index differs from HEAD".to_string());
        }
        for lock in [
            "index.lock",
            "refs/heads/main.lock",
            "index.lanes-old",
            "index.lanes-new",
        ] {
            if me.join(".git").join(lock).exists() {
                problems.push(format!("{lock} left behind"));
            }
        }
        let next = env
            .lanes(&me, &["note", &card, &format!("after {round}")])
            .output()?;
        if !next.status.success() {
            problems.push(format!(
                "the next command failed: {}",
                String::from_utf8_lossy(&next.stderr)
            ));
        }
        if !problems.is_empty() {
            failures += 1;
            eprintln!("round {round} ({name} {args:?}):");
            for p in &problems {
                eprintln!("  {p}");
            }
            // Carry on from a clean state so later rounds still mean something.
            let _ = env.git(&me, &["reset", "-q", "--hard"]);
            let _ = std::fs::remove_file(me.join(".git/index.lock"));
        }
    }
    // Finally every clone converges.
    output(&mut env.lanes(&me, &["sync"]))?;
    output(&mut env.lanes(&mate, &["sync"]))?;
    output(&mut env.lanes(&me, &["sync"]))?;
    let (a, b) = (
        env.git(&me, &["rev-parse", "HEAD"])?,
        env.git(&mate, &["rev-parse", "HEAD"])?,
    );
    if a != b {
        failures += 1;
        eprintln!("the clones did not converge: {a} vs {b}");
    }
    println!(
        "{} kills in {:.0} s ({}): {mid} landed mid-command; the next command finished {finished} and rolled back {rolled} interrupted transactions; {failures} failures",
        o.kills,
        start.elapsed().as_secs_f64(),
        by_cmd
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if o.common.keep {
        println!("kept {}", tmp.keep().display());
    }
    Ok(failures == 0)
}
