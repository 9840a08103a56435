//! Benchmark of `lanes sync` (issue 5, "Speed").
//!
//! ```text
//! cargo run --release --example bench_sync -- [--cards 5000] [--changed 1000]
//!     [--conflicts 100] [--others 100] [--runs 5] [--noop-runs 15] [--keep] [--lanes PATH]
//!     [--seed N]
//! ```
//!
//! Builds, in a temporary folder, a bare remote and clones of it holding a
//! board of `--cards` cards (from `bench_common::board`, written by the
//! library's own renderer and committed with the git CLI). Clone B changes `--changed` cards and pushes:
//! for all but `--conflicts` of them a field clone A leaves alone (`due`),
//! for the others the title. Clone A, meanwhile, changes the title of those
//! `--conflicts` cards (the same-field conflicts) and adds a journal note to
//! `--others` cards among B's (both sides changed them, different fields).
//! B's commits are later, so B's titles win and A's are recorded.
//!
//! Then it times the release `lanes sync` in A (fetch, merge card by card,
//! commit, check out, push), `--runs` times from the same starting state,
//! and splits its time with git's own trace (`GIT_TRACE2_EVENT`) into the
//! git processes lanes runs (fetch, push) and the rest: the merge, commit
//! and checkout done in-process. A plain `git fetch` of the same data into
//! a third clone is the reference. Finally it times a no-op sync (nothing
//! changed anywhere) against a plain `git fetch`, and checks the merged
//! board: every change present, every conflict recorded, `lanes validate`
//! clean, the merge pushed.
//!
//! ```text
//! cargo run --release --example bench_sync -- storm [--clones 8,32] [--cards 1000]
//!     [--rounds 4] [--lanes PATH] [--seed N] [--keep]
//! ```
//!
//! The team storm (issue 28): for each size, a board of `--cards` cards
//! served by `git daemon` on 127.0.0.1, that many lanes clones and as many
//! plain-git clones (with `lanes setup`'s merge driver) of a copy of it.
//! Each round every member adds a card, notes a shared card and its own,
//! then all sync at the same moment: `lanes sync` in the lanes clones, then
//! git's loop in the git clones (`git pull --no-rebase` + `git push`,
//! again at once until the push goes through). Rounds alternate the two,
//! so a change in the machine's load hits both; it prints each round's wall
//! times, their ratio, members that gave up, and the load average. The
//! folder with the remotes and clones is removed at the end, unless
//! `--keep`.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

#[path = "bench_common/mod.rs"]
mod bench_common;

use anyhow::{anyhow, bail, Context, Result};
use bench_common::board::{self, Spec};
use bench_common::{find_lanes, Common, Rng, Uses};
use clap::Parser;
use lanes::model::{rank, Card, JournalEntry};
use lanes::store;
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The target for the merge and commit of a sync bringing the changes.
const MERGE_TARGET: Duration = Duration::from_secs(1);

/// Commit times: the base, A's changes, B's (later: B wins conflicts).
const T_BASE: i64 = 1_777_593_600;
const T_A: i64 = T_BASE + 1_000;
const T_B: i64 = T_BASE + 2_000;

/// Benchmark of `lanes sync`, and (`storm`) a team syncing at once.
#[derive(Parser, Debug)]
#[command(name = "bench_sync", args_conflicts_with_subcommands = true)]
struct Opts {
    #[command(flatten)]
    common: Common,
    /// Cards clone B changes and pushes.
    #[arg(long, value_name = "N", default_value_t = 1_000)]
    changed: usize,
    /// Of those, cards whose title clone A changes too (same-field
    /// conflicts).
    #[arg(long, value_name = "N", default_value_t = 100)]
    conflicts: usize,
    /// Of B's cards, cards A adds a note to (both sides, different fields).
    #[arg(long, value_name = "N", default_value_t = 100)]
    others: usize,
    /// Timed runs of the no-op sync.
    #[arg(long, value_name = "N", default_value_t = 15)]
    noop_runs: usize,
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(clap::Subcommand, Debug)]
enum Mode {
    /// Every clone of a team syncing at the same moment, lanes against
    /// git's own pull-push loop.
    Storm(storm::Opts),
}

fn main() -> ExitCode {
    let o: Opts = bench_common::parse(
        Uses {
            defaults: &[("cards", "5000"), ("seed", "7")],
            unused: &["dir", "reuse", "old"],
            ..Default::default()
        },
        &[(
            "storm",
            Uses {
                defaults: &[("cards", "1000"), ("seed", "7")],
                unused: &["runs", "dir", "reuse", "old"],
                ..Default::default()
            },
        )],
    );
    let ran = match o.mode {
        Some(Mode::Storm(s)) => storm::main(s),
        None => check(&o).and_then(|()| run(o)),
    };
    match ran {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("bench_sync: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn check(o: &Opts) -> Result<()> {
    if o.conflicts > o.changed || o.changed > o.common.cards || o.others > o.changed - o.conflicts {
        bail!("need conflicts <= changed <= cards and others <= changed - conflicts");
    }
    if o.common.runs == 0 || o.noop_runs == 0 {
        bail!("--runs and --noop-runs must be at least 1");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Processes

/// Everything we run: isolated from the user's git configuration.
struct Env {
    home: PathBuf,
}

impl Env {
    fn cmd(&self, program: &Path, dir: &Path) -> Command {
        let mut c = Command::new(program);
        for v in [
            "LANES_BOARD",
            "LANES_CONFIG_DIR",
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "GIT_AUTHOR_DATE",
            "GIT_COMMITTER_DATE",
            "GIT_AUTHOR_NAME",
            "GIT_AUTHOR_EMAIL",
            "GIT_COMMITTER_NAME",
            "GIT_COMMITTER_EMAIL",
            "GIT_CONFIG_GLOBAL",
            "GIT_TRACE2_EVENT",
        ] {
            c.env_remove(v);
        }
        c.env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("LANES_CONFIG_DIR", self.home.join("lanes"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C")
            .current_dir(dir)
            .stdin(Stdio::null());
        c
    }

    fn git_cmd(&self, dir: &Path) -> Command {
        self.cmd(Path::new("git"), dir)
    }

    /// Run git, which must succeed; its stdout.
    fn git(&self, dir: &Path, args: &[&str]) -> Result<String> {
        output(self.git_cmd(dir).args(args))
    }

    /// Run git with commit dates `at`.
    fn git_at(&self, dir: &Path, at: i64, args: &[&str]) -> Result<String> {
        let d = format!("@{at} +0000");
        output(
            self.git_cmd(dir)
                .env("GIT_AUTHOR_DATE", &d)
                .env("GIT_COMMITTER_DATE", &d)
                .args(args),
        )
    }
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

// ---------------------------------------------------------------------------
// The board

fn stamp(secs: i64) -> String {
    lanes::model::date::format_timestamp(secs)
}

/// `n` cards spread over the CRISP-DM lanes, in lane order.
fn generate_cards(n: usize, seed: u64) -> Result<Vec<Card>> {
    let mut rng = Rng(seed);
    let (_, lanes) = board::crisp_dm()?;
    let ids = board::ids(&mut rng, n);
    let ranks = rank::spread(n.div_ceil(lanes.len()));
    let created = T_BASE.div_euclid(86_400) - 10;
    Ok(ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| {
            let spec = Spec {
                id,
                lane: &lanes[i % lanes.len()],
                rank: ranks[i / lanes.len()].clone(),
                kind: None,
                created,
                before: T_BASE,
            };
            board::card(&mut rng, spec)
        })
        .collect())
}

fn card_rel(id: &str) -> String {
    store::card_path(id)
}

/// Rewrite some cards in `clone` (as lanes would: splicing over the file)
/// and commit them in batches of 100 with lanes-style messages.
fn change_cards(
    env: &Env,
    clone: &Path,
    ids: &[String],
    at: i64,
    what: &str,
    change: &dyn Fn(usize, &mut Card),
) -> Result<()> {
    for (batch_no, batch) in ids.chunks(100).enumerate() {
        for (k, id) in batch.iter().enumerate() {
            let rel = card_rel(id);
            let path = clone.join(&rel);
            let old = fs::read_to_string(&path)?;
            let mut card = store::parse_card(&rel, old.as_bytes())
                .map_err(|p| anyhow!("{p}"))?
                .card;
            change(batch_no * 100 + k, &mut card);
            fs::write(&path, store::render_card(&card, Some(&old)))?;
        }
        let mut msg = format!(
            "lanes: {what} ({} cards)\n\nLanes-Action: edit\n",
            batch.len()
        );
        for id in batch {
            msg.push_str(&format!("Lanes-Card: {id}\n"));
        }
        env.git_at(clone, at, &["commit", "-q", "-a", "-m", &msg])?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Timing

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

fn min(v: &[Duration]) -> Duration {
    v.iter().copied().min().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// Time spent in the git processes lanes started, by git command, from a
/// `GIT_TRACE2_EVENT` file (top-level processes only), and how many ran.
fn git_time(trace: &Path) -> Result<BTreeMap<String, (usize, Duration)>> {
    let text = fs::read_to_string(trace).unwrap_or_default();
    let mut cmd_of: BTreeMap<String, String> = BTreeMap::new();
    let mut out: BTreeMap<String, (usize, Duration)> = BTreeMap::new();
    for line in text.lines() {
        let Ok(ev) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let sid = ev["sid"].as_str().unwrap_or_default().to_string();
        if sid.contains('/') {
            continue; // a process git itself started
        }
        match ev["event"].as_str() {
            Some("start") => {
                let cmd = ev["argv"]
                    .as_array()
                    .and_then(|a| a.get(1))
                    .and_then(|v| v.as_str())
                    .unwrap_or("?")
                    .to_string();
                cmd_of.insert(sid, cmd);
            }
            Some("exit") => {
                let t = ev["t_abs"].as_f64().unwrap_or(0.0);
                let cmd = cmd_of.get(&sid).cloned().unwrap_or_else(|| "?".into());
                let e = out.entry(cmd).or_default();
                e.0 += 1;
                e.1 += Duration::from_secs_f64(t);
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Copy a folder (cp -a) over a fresh target.
fn restore(from: &Path, to: &Path) -> Result<()> {
    if to.exists() {
        fs::remove_dir_all(to)?;
    }
    let st = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .context("cp -a")?;
    if !st.success() {
        bail!("cp -a {} {} failed", from.display(), to.display());
    }
    Ok(())
}

struct Row {
    what: String,
    median: String,
    min: String,
    target: String,
    pass: Option<bool>,
}

fn row(what: &str, median: String, min: String, target: &str, pass: Option<bool>) -> Row {
    Row {
        what: what.to_string(),
        median,
        min,
        target: target.to_string(),
        pass,
    }
}

// ---------------------------------------------------------------------------
// The benchmark

fn run(o: Opts) -> Result<bool> {
    let lanes_bin = find_lanes(o.common.lanes.as_deref())?;
    let tmp = tempfile::Builder::new()
        .prefix("lanes-bench-sync-")
        .tempdir()?;
    let base = fs::canonicalize(tmp.path())?;
    let env = Env {
        home: base.join("home"),
    };
    fs::create_dir_all(&env.home)?;
    fs::create_dir_all(env.home.join("lanes"))?;
    let remote = base.join("remote.git");
    let (a, b, c) = (base.join("a"), base.join("b"), base.join("c"));
    let lanes = |dir: &Path| env.cmd(&lanes_bin, dir);

    // The board, on the remote.
    let started = Instant::now();
    env.git(&base, &["init", "-q", "--bare", "-b", "main", "remote.git"])?;
    let seed = base.join("seed");
    env.git(&base, &["clone", "-q", "remote.git", "seed"])?;
    env.git(&seed, &["config", "user.name", "Seed"])?;
    env.git(&seed, &["config", "user.email", "seed@example.com"])?;
    output(
        lanes(&seed)
            .env("GIT_COMMITTER_DATE", format!("@{T_BASE} +0000"))
            .arg("init"),
    )?;
    let cards = generate_cards(o.common.cards, o.common.seed)?;
    board::write_cards(&seed, &cards)?;
    env.git(&seed, &["add", "-A"])?;
    env.git_at(
        &seed,
        T_BASE,
        &[
            "commit",
            "-q",
            "-m",
            &format!("bench: {} cards", o.common.cards),
        ],
    )?;
    env.git(&seed, &["push", "-q", "-u", "origin", "main"])?;
    for (dir, name) in [(&a, "Alice"), (&b, "Bob"), (&c, "Carol")] {
        let d = dir.file_name().and_then(|n| n.to_str()).unwrap_or("x");
        env.git(&base, &["clone", "-q", "remote.git", d])?;
        env.git(dir, &["config", "user.name", name])?;
        env.git(dir, &["config", "user.email", &format!("{d}@example.com")])?;
    }

    // B: `changed` cards; the last `conflicts` of them by title.
    let ids: Vec<String> = cards.iter().map(|c| c.id.clone()).collect();
    let plain = o.changed - o.conflicts;
    let b_fields = &ids[..plain];
    let conflicting = &ids[plain..o.changed];
    let a_others = &ids[..o.others];
    let due = |i: usize| format!("2027-{:02}-{:02}", 1 + i % 12, 1 + i % 28);
    change_cards(&env, &b, b_fields, T_B, "edit due", &|i, c| {
        c.due = Some(due(i))
    })?;
    change_cards(&env, &b, conflicting, T_B, "edit title", &|i, c| {
        c.title = format!("Bob's title {i}")
    })?;
    env.git(&b, &["push", "-q", "origin", "main"])?;
    // A: the same titles, and notes on cards B changed too.
    change_cards(&env, &a, conflicting, T_A, "edit title", &|i, c| {
        c.title = format!("Alice's title {i}")
    })?;
    change_cards(&env, &a, a_others, T_A, "note", &|i, c| {
        c.journal.push(JournalEntry {
            at: stamp(T_A),
            by: "Alice".into(),
            text: format!("bench note {i}"),
            extra: Default::default(),
        })
    })?;
    let a_start = env.git(&a, &["rev-parse", "HEAD"])?.trim().to_string();
    let b_head = env.git(&b, &["rev-parse", "HEAD"])?.trim().to_string();
    let setup = started.elapsed();

    // Pristine copies, to time every run from the same state.
    let keep_dir = base.join("pristine");
    fs::create_dir_all(&keep_dir)?;
    for d in [&a, &c, &remote] {
        restore(d, &keep_dir.join(d.file_name().unwrap_or_default()))?;
    }

    let mut sync_total = Vec::new();
    let mut in_lanes = Vec::new();
    let mut fetch_in_sync = Vec::new();
    let mut push_in_sync = Vec::new();
    let mut plain_fetch = Vec::new();
    let mut last_stdout = String::new();
    let refspec = "+refs/heads/main:refs/remotes/origin/main";
    for run in 0..o.common.runs {
        if run > 0 {
            for d in [&a, &c, &remote] {
                restore(&keep_dir.join(d.file_name().unwrap_or_default()), d)?;
            }
            // The copies have new inodes: refresh the index's stat data, as
            // any git command in a real clone would have, so that nothing
            // re-hashes every file because of the copy.
            for d in [&a, &c] {
                env.git(d, &["update-index", "-q", "--refresh"])?;
            }
        }
        // The reference: a plain fetch of the same data.
        let t = Instant::now();
        env.git(&c, &["fetch", "--quiet", "--no-tags", "origin", refspec])?;
        plain_fetch.push(t.elapsed());
        // The sync, with git's trace of the processes it runs.
        let trace = base.join(format!("trace-{run}.json"));
        let t = Instant::now();
        let out = lanes(&a)
            .arg("sync")
            .env("GIT_TRACE2_EVENT", &trace)
            .output()?;
        let total = t.elapsed();
        if !out.status.success() {
            bail!(
                "lanes sync failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        last_stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let g = git_time(&trace)?;
        let in_git: Duration = g.values().map(|(_, d)| *d).sum();
        sync_total.push(total);
        in_lanes.push(total.saturating_sub(in_git));
        fetch_in_sync.push(g.get("fetch").map(|x| x.1).unwrap_or_default());
        push_in_sync.push(g.get("push").map(|x| x.1).unwrap_or_default());
    }

    // Check the merged board.
    let mut problems = Vec::new();
    let head = env.git(&a, &["rev-parse", "HEAD"])?.trim().to_string();
    let parents = env.git(&a, &["log", "-1", "--format=%P", "HEAD"])?;
    let parents: Vec<&str> = parents.split_whitespace().collect();
    if parents.len() != 2
        || !parents.contains(&a_start.as_str())
        || !parents.contains(&b_head.as_str())
    {
        problems.push(format!(
            "HEAD {head} is not a merge of A and B: {parents:?}"
        ));
    }
    let remote_head = env.git(&remote, &["rev-parse", "main"])?.trim().to_string();
    if remote_head != head {
        problems.push("the merge was not pushed".to_string());
    }
    let status = env.git(&a, &["status", "--porcelain"])?;
    if !status.is_empty() {
        problems.push(format!("A's work tree is not clean:\n{status}"));
    }
    let read = |id: &str| -> Result<Card> {
        let rel = card_rel(id);
        let text = fs::read_to_string(a.join(&rel))?;
        Ok(store::parse_card(&rel, text.as_bytes())
            .map_err(|p| anyhow!("{p}"))?
            .card)
    };
    let mut merged_b = 0;
    let mut merged_a = 0;
    let mut recorded = 0;
    for (i, id) in b_fields.iter().enumerate() {
        let card = read(id)?;
        if card.due.as_deref() == Some(due(i).as_str()) {
            merged_b += 1;
        }
        if i < o.others
            && card
                .journal
                .iter()
                .any(|e| e.text == format!("bench note {i}"))
        {
            merged_a += 1;
        }
    }
    for (i, id) in conflicting.iter().enumerate() {
        let card = read(id)?;
        if card.title == format!("Bob's title {i}") {
            merged_b += 1;
        }
        let other = format!("Alice's title {i}");
        let ok = match card.extra.get("conflicts") {
            Some(Value::Sequence(list)) => list.iter().any(|c| {
                c.get("field").and_then(Value::as_str) == Some("title")
                    && c.get("other").and_then(Value::as_str) == Some(other.as_str())
            }),
            _ => false,
        };
        if ok {
            recorded += 1;
        }
    }
    let with_conflicts = ids
        .iter()
        .filter(|id| {
            fs::read_to_string(a.join(card_rel(id)))
                .map(|t| t.contains("\nconflicts:"))
                .unwrap_or(false)
        })
        .count();
    if merged_b != o.changed {
        problems.push(format!("{merged_b} of B's {} changes merged", o.changed));
    }
    if merged_a != o.others {
        problems.push(format!("{merged_a} of A's {} notes kept", o.others));
    }
    if recorded != o.conflicts || with_conflicts != o.conflicts {
        problems.push(format!(
            "{recorded} conflicts recorded as expected, {with_conflicts} cards with conflicts (want {})",
            o.conflicts
        ));
    }
    let reported = last_stdout
        .lines()
        .filter(|l| l.starts_with("changed") || l.starts_with("added"))
        .count();
    let validate = lanes(&a).arg("validate").output()?;
    if !validate.status.success() {
        problems.push(format!(
            "lanes validate failed:\n{}",
            String::from_utf8_lossy(&validate.stdout)
        ));
    }

    // A no-op sync (everything is in step now) against a plain fetch.
    let mut noop = Vec::new();
    let mut noop_fetch = Vec::new();
    let mut noop_git = BTreeMap::new();
    let mut noop_in_lanes = Vec::new();
    for i in 0..o.noop_runs {
        let t = Instant::now();
        env.git(&a, &["fetch", "--quiet", "--no-tags", "origin", refspec])?;
        noop_fetch.push(t.elapsed());
        let trace = base.join(format!("noop-{i}.json"));
        let t = Instant::now();
        let out = lanes(&a)
            .arg("sync")
            .env("GIT_TRACE2_EVENT", &trace)
            .output()?;
        noop.push(t.elapsed());
        if !out.status.success() || !String::from_utf8_lossy(&out.stderr).contains("up to date") {
            problems.push(format!(
                "no-op sync did not say up to date:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
            break;
        }
        noop_git = git_time(&trace)?;
        let in_git: Duration = noop_git.values().map(|(_, d)| *d).sum();
        noop_in_lanes.push(
            noop.last()
                .copied()
                .unwrap_or_default()
                .saturating_sub(in_git),
        );
    }
    if env.git(&a, &["rev-parse", "HEAD"])?.trim() != head {
        problems.push("a no-op sync moved HEAD".to_string());
    }

    // Report.
    let merge_ok = median(&in_lanes) < MERGE_TARGET;
    let count = |k: &str| noop_git.get(k).map(|x| x.0).unwrap_or(0);
    let net_ok = count("fetch") == 1 && count("push") == 0;
    // "A no-op sync costs no more than one fetch", taken literally.
    let noop_ok = median(&noop) <= median(&noop_fetch);
    let rows = vec![
        row(
            &format!("sync bringing {} changed cards: total", o.changed),
            ms(median(&sync_total)),
            ms(min(&sync_total)),
            "",
            None,
        ),
        row(
            "  git fetch run by lanes (trace2)",
            ms(median(&fetch_in_sync)),
            ms(min(&fetch_in_sync)),
            "",
            None,
        ),
        row(
            "  git push run by lanes (trace2)",
            ms(median(&push_in_sync)),
            ms(min(&push_in_sync)),
            "",
            None,
        ),
        row(
            "  merge + commit + checkout (lanes itself)",
            ms(median(&in_lanes)),
            ms(min(&in_lanes)),
            "< 1 s",
            Some(merge_ok),
        ),
        row(
            "reference: plain git fetch of the same data",
            ms(median(&plain_fetch)),
            ms(min(&plain_fetch)),
            "",
            None,
        ),
        row(
            "no-op sync",
            ms(median(&noop)),
            ms(min(&noop)),
            "<= 1 plain fetch",
            Some(noop_ok),
        ),
        row(
            "  of which lanes itself (not in git)",
            ms(median(&noop_in_lanes)),
            ms(min(&noop_in_lanes)),
            "",
            None,
        ),
        row(
            "reference: plain no-op git fetch",
            ms(median(&noop_fetch)),
            ms(min(&noop_fetch)),
            "",
            None,
        ),
        row(
            "git processes in a no-op sync",
            format!("{} fetch, {} push", count("fetch"), count("push")),
            String::new(),
            "1 fetch, 0 push",
            Some(net_ok),
        ),
        row(
            "merged board checked",
            format!(
                "{merged_b} B + {merged_a} A changes, {recorded} conflicts, {reported} cards reported"
            ),
            String::new(),
            &format!("{} + {}, {}", o.changed, o.others, o.conflicts),
            Some(problems.is_empty()),
        ),
    ];
    println!(
        "bench_sync: {} cards; B changed {} ({} by a field A left alone, {} by title), A changed {} titles (conflicts) and noted {} of B's cards; {} runs, {} no-op runs (setup {:.1} s)",
        o.common.cards,
        o.changed,
        plain,
        o.conflicts,
        o.conflicts,
        o.others,
        o.common.runs,
        o.noop_runs,
        setup.as_secs_f64()
    );
    println!("binary: {}", lanes_bin.display());
    println!();
    println!(
        "{:<46} {:>24} {:>9}  {:<18} result",
        "measure", "median", "min", "target"
    );
    for r in &rows {
        println!(
            "{:<46} {:>24} {:>9}  {:<18} {}",
            r.what,
            r.median,
            r.min,
            r.target,
            match r.pass {
                Some(true) => "PASS",
                Some(false) => "MISS",
                None => "",
            }
        );
    }
    for p in &problems {
        println!("problem: {p}");
    }
    if o.common.keep {
        let kept = tmp.keep();
        println!("kept in {}", kept.display());
    }
    Ok(merge_ok && net_ok && noop_ok && problems.is_empty())
}

/// The team storm: lanes' sync against git's own pull-push loop.
mod storm {
    use super::{board, generate_cards, output, Env};
    use anyhow::{bail, Result};
    use bench_common::{find_lanes, load_average, Common};
    use std::fs;
    use std::os::unix::process::CommandExt;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Stdio};
    use std::sync::Barrier;
    use std::time::{Duration, Instant};

    use super::bench_common;

    /// `git daemon` in a process group of its own, killed whole on drop.
    struct Daemon {
        child: Child,
        port: u16,
    }

    impl Drop for Daemon {
        fn drop(&mut self) {
            // SAFETY: kill(2) of the process group this benchmark started.
            unsafe {
                libc::kill(-(self.child.id() as i32), libc::SIGKILL);
            }
            let _ = self.child.wait();
        }
    }

    fn daemon(env: &Env, base: &Path) -> Result<Daemon> {
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")?
                .local_addr()?
                .port();
            let child = env
                .git_cmd(base)
                .args([
                    "daemon",
                    "--reuseaddr",
                    "--export-all",
                    "--enable=receive-pack",
                    "--max-connections=0",
                    &format!("--base-path={}", base.display()),
                    "--listen=127.0.0.1",
                    &format!("--port={port}"),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()?;
            let mut d = Daemon { child, port };
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(5) {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Ok(d);
                }
                if d.child.try_wait()?.is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
        }
        bail!("git daemon would not start")
    }

    /// Everything one storm size needs.
    struct Team {
        lanes: Vec<PathBuf>,
        git: Vec<PathBuf>,
        shared: (String, String),
        _daemon: Daemon,
    }

    fn team(env: &Env, bin: &Path, base: &Path, n: usize, o: &Opts) -> Result<Team> {
        fs::create_dir_all(base)?;
        env.git(base, &["init", "-q", "--bare", "-b", "main", "remote.git"])?;
        let seed = base.join("seed");
        env.git(base, &["clone", "-q", "remote.git", "seed"])?;
        env.git(&seed, &["config", "user.name", "Seed"])?;
        env.git(&seed, &["config", "user.email", "seed@example.com"])?;
        output(env.cmd(bin, &seed).arg("init"))?;
        board::write_cards(&seed, generate_cards(o.common.cards, o.common.seed)?)?;
        env.git(&seed, &["add", "-A"])?;
        env.git(&seed, &["commit", "-q", "-m", "seeded cards"])?;
        env.git(&seed, &["push", "-q", "origin", "main"])?;
        env.git(
            base,
            &["clone", "-q", "--bare", "remote.git", "remote-git.git"],
        )?;
        let d = daemon(env, base)?;
        let mut lanes_clones = Vec::new();
        let mut git_clones = Vec::new();
        for (kind, list, repo) in [
            ("m", &mut lanes_clones, "remote.git"),
            ("g", &mut git_clones, "remote-git.git"),
        ] {
            for i in 0..n {
                let name = format!("{kind}{i:02}");
                let url = format!("git://127.0.0.1:{}/{repo}", d.port);
                env.git(base, &["clone", "-q", &url, &name])?;
                let dir = base.join(&name);
                env.git(&dir, &["config", "user.name", &name.to_uppercase()])?;
                env.git(
                    &dir,
                    &["config", "user.email", &format!("{name}@example.com")],
                )?;
                if kind == "g" {
                    output(env.cmd(bin, &dir).arg("setup"))?;
                }
                list.push(dir);
            }
        }
        // One shared card in each world, everybody up to date.
        let mut shared = Vec::new();
        for list in [&lanes_clones, &git_clones] {
            let id = output(env.cmd(bin, &list[0]).args(["add", "Shared hypothesis"]))?
                .trim()
                .to_string();
            env.git(&list[0], &["push", "-q", "origin", "main"])?;
            for c in &list[1..] {
                env.git(c, &["pull", "-q", "--ff-only"])?;
            }
            shared.push(id);
        }
        Ok(Team {
            lanes: lanes_clones,
            git: git_clones,
            shared: (shared[0].clone(), shared[1].clone()),
            _daemon: d,
        })
    }

    fn work(env: &Env, bin: &Path, dir: &Path, round: usize, shared: &str) -> Result<()> {
        let id = output(env.cmd(bin, dir).args([
            "add",
            &format!("Round {round}"),
            "--lane",
            "data-preparation",
        ]))?
        .trim()
        .to_string();
        output(
            env.cmd(bin, dir)
                .args(["note", shared, &format!("saw {round}")]),
        )?;
        output(env.cmd(bin, dir).args(["note", &id, "first note"]))?;
        Ok(())
    }

    /// Run `each` in every clone at the same moment; the wall time and the
    /// clones whose run failed, with what they said.
    fn at_once(
        dirs: &[PathBuf],
        each: &(dyn Fn(&Path) -> Result<()> + Sync),
    ) -> (Duration, Vec<String>) {
        let barrier = Barrier::new(dirs.len());
        let start = std::sync::OnceLock::new();
        let failed: Vec<String> = std::thread::scope(|s| {
            let hs: Vec<_> = dirs
                .iter()
                .map(|d| {
                    let (b, start) = (&barrier, &start);
                    s.spawn(move || {
                        if b.wait().is_leader() {
                            let _ = start.set(Instant::now());
                        }
                        each(d).err().map(|e| format!("{}: {e:#}", d.display()))
                    })
                })
                .collect();
            hs.into_iter()
                .filter_map(|h| h.join().ok().flatten())
                .collect()
        });
        (
            start.get().map(Instant::elapsed).unwrap_or_default(),
            failed,
        )
    }

    /// The team storm's options.
    #[derive(clap::Args, Debug)]
    pub struct Opts {
        #[command(flatten)]
        common: Common,
        /// Team sizes to measure, one after the other.
        #[arg(long, value_name = "N,N,...", value_delimiter = ',', default_values_t = [8, 32])]
        clones: Vec<usize>,
        /// Rounds per size, lanes and git alternating.
        #[arg(long, value_name = "N", default_value_t = 4)]
        rounds: usize,
    }

    pub fn main(o: Opts) -> Result<bool> {
        let (sizes, cards, rounds) = (&o.clones, o.common.cards, o.rounds);
        let bin = find_lanes(o.common.lanes.as_deref())?;
        let tmp = tempfile::Builder::new()
            .prefix("lanes-bench-storm-")
            .tempdir()?;
        let base = fs::canonicalize(tmp.path())?;
        let env = Env {
            home: base.join("home"),
        };
        fs::create_dir_all(env.home.join("lanes"))?;
        println!(
            "bench_sync storm: {cards} cards, {rounds} rounds per size, binary {}",
            bin.display()
        );
        println!("lanes: every clone runs `lanes sync` at the same moment");
        println!("git:   every clone runs `until git pull -q --no-rebase --no-edit && git push -q origin HEAD; do :; done` at the same moment (lanes' merge driver set up)");
        println!("each member first adds a card, notes a shared card and its own (`lanes add`, `lanes note`)\n");
        println!(
            "{:>6} {:>5} {:>9} {:>10} {:>6} {:>8}  load",
            "clones", "round", "lanes", "git loop", "ratio", "gave up"
        );
        let mut all_ok = true;
        for &n in sizes {
            let t = team(&env, &bin, &base.join(format!("n{n}")), n, &o)?;
            for round in 0..rounds {
                for (dirs, shared) in [(&t.lanes, &t.shared.0), (&t.git, &t.shared.1)] {
                    for d in dirs.iter() {
                        work(&env, &bin, d, round, shared)?;
                    }
                }
                let (lanes_took, gave_up) = at_once(&t.lanes, &|d| {
                    output(env.cmd(&bin, d).arg("sync")).map(drop)
                });
                let (git_took, git_failed) = at_once(&t.git, &|d| {
                    let start = Instant::now();
                    loop {
                        let pulled = env
                            .git_cmd(d)
                            .args(["pull", "-q", "--no-rebase", "--no-edit"])
                            .stdout(Stdio::null())
                            .stderr(Stdio::null())
                            .status()?
                            .success();
                        if pulled
                            && env
                                .git_cmd(d)
                                .args(["push", "-q", "origin", "HEAD"])
                                .stdout(Stdio::null())
                                .stderr(Stdio::null())
                                .status()?
                                .success()
                        {
                            return Ok(());
                        }
                        if start.elapsed() > Duration::from_secs(900) {
                            bail!("git's loop did not get through in 15 min");
                        }
                    }
                });
                let ratio = lanes_took.as_secs_f64() / git_took.as_secs_f64().max(1e-9);
                println!(
                    "{n:>6} {:>5} {:>7.1} s {:>8.1} s {:>5.2}x {:>8}  {}",
                    round + 1,
                    lanes_took.as_secs_f64(),
                    git_took.as_secs_f64(),
                    ratio,
                    format!("{}/{n}", gave_up.len()),
                    load_average()
                );
                for f in gave_up.iter().chain(&git_failed) {
                    println!("  failed: {f}");
                }
                all_ok &= gave_up.is_empty() && git_failed.is_empty();
            }
        }
        if o.common.keep {
            println!("kept in {}", tmp.keep().display());
        }
        Ok(all_ok)
    }
}
