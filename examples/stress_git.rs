//! Concurrency stress run: the user's own `git add` + `git commit` loop
//! beside a `lanes note` loop (and now and then `lanes move`), in one
//! repository, at full speed, for many rounds.
//!
//! ```text
//! cargo run --release --example stress_git -- [--rounds 600] [--runs 5] [--partial] [--keep]
//! ```
//!
//! `--partial` makes the user's commits `git commit -- <path>` (git's
//! partial commit) instead of a plain `git commit` of what `git add`
//! staged. After each run it checks what a person would check in
//! `git log -p`:
//! - no user commit touches a board file (a user commit whose tree reverts
//!   a note lanes had just committed is the fault this run exists for),
//!   unless lanes put back every board file it reverted with a
//!   `lanes: reapply` commit naming it: git's own race (a plain
//!   `git commit` reads the index before it takes `index.lock` and commits
//!   what it read), recovered, and counted as "reverts restored";
//! - no `lanes: hand edit` commit (lanes re-committing its own note);
//! - every note `lanes note` reported is in its card file and in exactly
//!   one commit (besides a recovered revert and its reapply); every user
//!   commit reported is on the branch once;
//! - `git fsck --strict` is clean, nothing under `.lanes/` is left
//!   uncommitted, no lock file is left.
//!
//! It prints each run's counts (user commits, notes, refusals such as
//! "index.lock exists", which are git's and lanes' correct answer to a
//! held lock) and exits 1 on the first run with a failure.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

#[path = "bench_common/mod.rs"]
mod bench_common;

use anyhow::{bail, Result};
use bench_common::{find_lanes, Common, Uses};
use clap::Parser;
use std::path::Path;
use std::process::{Command, ExitCode, Output, Stdio};

#[derive(Parser, Debug)]
#[command(
    name = "stress_git",
    about = "git add/commit loops beside lanes note loops; checks nothing is reverted or lost"
)]
struct Opts {
    #[command(flatten)]
    common: Common,
    /// Iterations of each loop per run.
    #[arg(long, value_name = "N", default_value_t = 600)]
    rounds: usize,
    /// The user commits with `git commit -- <path>` instead of a plain
    /// `git commit` after `git add`.
    #[arg(long)]
    partial: bool,
}

fn main() -> ExitCode {
    let opts: Opts = bench_common::parse(
        Uses {
            unused: &["cards", "seed", "dir", "reuse", "old"],
            helps: &[
                ("runs", "Independent runs (a fresh repository each)"),
                ("keep", "Keep the repositories (their paths are printed)"),
            ],
            ..Default::default()
        },
        &[],
    );
    match run_all(&opts) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("stress_git: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_all(opts: &Opts) -> Result<bool> {
    let lanes = find_lanes(opts.common.lanes.as_deref())?;
    let mut clean = 0;
    for run in 0..opts.common.runs {
        let dir = tempfile::tempdir()?;
        let root = dir.path().join("repo");
        let report = one_run(&lanes, &root, opts)?;
        println!(
            "run {}: {} user commits ({} refused), {} notes ({} refused), {} moves, {} reverts restored; {}",
            run + 1,
            report.user_commits,
            report.user_refused,
            report.notes,
            report.notes_refused,
            report.moves,
            report.restored,
            if report.failures.is_empty() {
                "clean".to_string()
            } else {
                format!("{} FAILURES", report.failures.len())
            }
        );
        for (why, n) in &report.why {
            println!("  refused {n}x: {why}");
        }
        for f in &report.failures {
            println!("  - {f}");
        }
        if opts.common.keep {
            println!("  kept {}", root.display());
            std::mem::forget(dir);
        }
        if !report.failures.is_empty() {
            println!("{clean} of {} runs clean before this one", run);
            return Ok(false);
        }
        clean += 1;
    }
    println!(
        "{clean} of {} runs clean ({} rounds each, {})",
        opts.common.runs,
        opts.rounds,
        if opts.partial {
            "git commit -- <path>"
        } else {
            "git add && git commit"
        }
    );
    Ok(true)
}

#[derive(Default)]
struct Report {
    user_commits: usize,
    user_refused: usize,
    notes: usize,
    notes_refused: usize,
    moves: usize,
    /// User commits that reverted lanes' changes (a stale index, git's own
    /// race) which lanes' next command on the card put back as
    /// `lanes: reapply`.
    restored: usize,
    /// Why git refused the user's commands (first line, paths and hashes
    /// masked), and how often.
    why: std::collections::BTreeMap<String, usize>,
    failures: Vec<String>,
}

/// The first line of what git said, with hashes and numbers masked.
fn first_line(cmd: &str, out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text.lines().next().unwrap_or("(no message)");
    let masked: String = line
        .split_whitespace()
        .map(|w| {
            if w.len() >= 7 && w.trim_matches('\'').chars().all(|c| c.is_ascii_hexdigit()) {
                "<hash>"
            } else if w.contains('/') {
                "<path>"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    format!("git {cmd}: {masked}")
}

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Stress")
        .env("GIT_AUTHOR_EMAIL", "stress@example.com")
        .env("GIT_COMMITTER_NAME", "Stress")
        .env("GIT_COMMITTER_EMAIL", "stress@example.com")
        .stdin(Stdio::null())
        .output()
        .expect("git runs")
}

fn git_ok(dir: &Path, args: &[&str]) -> Result<String> {
    let out = git(dir, args);
    if !out.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn lanes_cmd(lanes: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(lanes)
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Stress")
        .env("GIT_AUTHOR_EMAIL", "stress@example.com")
        .env("GIT_COMMITTER_NAME", "Stress")
        .env("GIT_COMMITTER_EMAIL", "stress@example.com")
        .env("LANES_CONFIG_DIR", dir.join(".git/no-config"))
        .stdin(Stdio::null())
        .output()
        .expect("lanes runs")
}

fn one_run(lanes: &Path, root: &Path, opts: &Opts) -> Result<Report> {
    std::fs::create_dir_all(root)?;
    git_ok(root, &["init", "-q", "-b", "main"])?;
    let init = lanes_cmd(lanes, root, &["init"]);
    if !init.status.success() {
        bail!("lanes init: {}", String::from_utf8_lossy(&init.stderr));
    }
    let mut cards = Vec::new();
    for i in 0..4 {
        let out = lanes_cmd(lanes, root, &["add", &format!("Card {i}")]);
        if !out.status.success() {
            bail!("lanes add: {}", String::from_utf8_lossy(&out.stderr));
        }
        cards.push(String::from_utf8_lossy(&out.stdout).trim().to_string());
    }
    std::fs::create_dir_all(root.join("src"))?;
    let rounds = opts.rounds;
    let partial = opts.partial;
    let (user, notes, moves) = std::thread::scope(|s| {
        let user = s.spawn(|| {
            let mut made = Vec::new();
            let mut refused = 0;
            let mut why = std::collections::BTreeMap::<String, usize>::new();
            for i in 0..rounds {
                let f = format!("src/u{i}.txt");
                std::fs::write(root.join(&f), format!("user {i}\n")).expect("write");
                let msg = format!("user commit {i}");
                // What a person does when git says index.lock exists: run
                // it again.
                let mut done = false;
                for _ in 0..200 {
                    let out = if partial {
                        git(root, &["add", &f]);
                        git(root, &["commit", "-q", "-m", &msg, "--", &f])
                    } else {
                        let add = git(root, &["add", &f]);
                        if !add.status.success() {
                            refused += 1;
                            *why.entry(first_line("add", &add)).or_insert(0) += 1;
                            continue;
                        }
                        git(root, &["commit", "-q", "-m", &msg])
                    };
                    if out.status.success() {
                        done = true;
                        break;
                    }
                    refused += 1;
                    *why.entry(first_line("commit", &out)).or_insert(0) += 1;
                    // "nothing to commit": an earlier try's commit landed
                    // although git reported a failure after it.
                    let log = git(root, &["log", "-1", "--format=%s"]);
                    if String::from_utf8_lossy(&log.stdout).trim() == msg {
                        done = true;
                        break;
                    }
                }
                if done {
                    made.push(msg);
                }
            }
            (made, refused, why)
        });
        let notes = s.spawn(|| {
            let mut notes = Vec::new();
            for i in 0..rounds {
                let card = &cards[i % cards.len()];
                let note = format!("observation <{i:05}>");
                let out = lanes_cmd(lanes, root, &["note", card, &note]);
                notes.push((card.clone(), note, out.status.success()));
            }
            notes
        });
        let moves = s.spawn(|| {
            let mut n = 0;
            for i in 0..rounds / 10 {
                let card = &cards[(i + 1) % cards.len()];
                let lane = ["modeling", "evaluation", "data-preparation"][i % 3];
                if lanes_cmd(lanes, root, &["move", card, lane])
                    .status
                    .success()
                {
                    n += 1;
                }
            }
            n
        });
        (
            user.join().expect("user loop"),
            notes.join().expect("notes loop"),
            moves.join().expect("moves loop"),
        )
    });
    let (user_commits, user_refused, why) = user;
    let mut r = Report {
        user_commits: user_commits.len(),
        user_refused,
        notes: notes.iter().filter(|n| n.2).count(),
        notes_refused: notes.iter().filter(|n| !n.2).count(),
        moves,
        why,
        ..Default::default()
    };
    check(root, lanes, &user_commits, &notes, &mut r)?;
    Ok(r)
}

fn check(
    root: &Path,
    lanes: &Path,
    user_commits: &[String],
    notes: &[(String, String, bool)],
    r: &mut Report,
) -> Result<()> {
    let log = git_ok(root, &["log", "--format=%H %s"])?;
    let touched_board = |hash: &str| -> Result<Vec<String>> {
        Ok(git_ok(
            root,
            &[
                "diff-tree",
                "--no-commit-id",
                "--name-only",
                "-r",
                hash,
                "--",
                ".lanes",
            ],
        )?
        .split_whitespace()
        .map(String::from)
        .collect())
    };
    // lanes' restores: `lanes: reapply ... (restores X, reverted by Y)`,
    // with the board files each put back.
    let mut reapplied: Vec<(String, String, Vec<String>)> = Vec::new();
    for line in log.lines() {
        let (hash, subject) = line.split_once(' ').unwrap_or((line, ""));
        if subject.starts_with("lanes: reapply") {
            if let Some(by) = subject
                .split("reverted by ")
                .nth(1)
                .map(|t| t.trim_end_matches(')').to_string())
            {
                reapplied.push((hash.to_string(), by, touched_board(hash)?));
            }
        }
    }
    // Commits that took part in a revert lanes restored: the user commit and
    // lanes' reapply; they are not counted as a note's changes.
    let mut recovered: std::collections::HashSet<String> = std::collections::HashSet::new();
    for line in log.lines() {
        let (hash, subject) = line.split_once(' ').unwrap_or((line, ""));
        if subject.starts_with("user commit") {
            let touched = touched_board(hash)?;
            if touched.is_empty() {
                continue;
            }
            // Recovered when lanes put back every board file it reverted.
            let restores: Vec<&(String, String, Vec<String>)> = reapplied
                .iter()
                .filter(|(_, by, _)| hash.starts_with(by.as_str()))
                .collect();
            let all_back = touched
                .iter()
                .all(|t| restores.iter().any(|(_, _, paths)| paths.contains(t)));
            if all_back {
                r.restored += 1;
                recovered.insert(hash.to_string());
                recovered.extend(restores.iter().map(|(h, _, _)| h.clone()));
            } else {
                r.failures.push(format!(
                    "{subject} ({}) changed board files: {}",
                    &hash[..8],
                    touched.join(", ")
                ));
            }
        }
        if subject.starts_with("lanes: hand edit") {
            r.failures
                .push(format!("{} is a hand edit: {subject}", &hash[..8]));
        }
    }
    for msg in user_commits {
        let n = log
            .lines()
            .filter(|l| l.split_once(' ').is_some_and(|(_, s)| s == msg))
            .count();
        if n != 1 {
            r.failures
                .push(format!("{msg} is on the branch {n} times, not once"));
        }
    }
    for (card, note, made) in notes {
        let path = format!(".lanes/cards/{card}.yaml");
        let text = std::fs::read_to_string(root.join(&path)).unwrap_or_default();
        if text.contains(note.as_str()) != *made {
            r.failures.push(format!(
                "{note}: lanes said {}, the card file {}",
                if *made { "added" } else { "refused" },
                if *made { "lacks it" } else { "has it" }
            ));
        }
        let commits = git_ok(root, &["log", "--format=%H", "-S", note, "--", &path])?;
        let adds = commits.lines().filter(|h| !recovered.contains(*h)).count();
        if *made && adds != 1 {
            r.failures
                .push(format!("{note} changed in {adds} commits, not 1"));
        }
    }
    let fsck = git(root, &["fsck", "--strict", "--no-progress"]);
    if !fsck.status.success() {
        r.failures.push(format!(
            "git fsck: {}",
            String::from_utf8_lossy(&fsck.stderr)
        ));
    }
    let status = git_ok(root, &["status", "--porcelain", "--", ".lanes"])?;
    if !status.trim().is_empty() {
        r.failures
            .push(format!("left uncommitted under .lanes: {}", status.trim()));
    }
    for lock in ["index.lock", "HEAD.lock", "refs/heads/main.lock"] {
        if root.join(".git").join(lock).exists() {
            r.failures.push(format!(".git/{lock} was left behind"));
        }
    }
    let validate = lanes_cmd(lanes, root, &["validate"]);
    if !validate.status.success() {
        r.failures.push(format!(
            "lanes validate: {}",
            String::from_utf8_lossy(&validate.stdout)
        ));
    }
    Ok(())
}
