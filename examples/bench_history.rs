//! Benchmark of history and flow (issue 6, "Speed") on a generated
//! repository.
//!
//! ```text
//! cargo run --release --example bench_history -- [--cards 5000] [--commits 20000]
//!     [--runs 5] [--hot 200] [--dir PATH] [--keep] [--reuse] [--generate-only]
//!     [--no-explain] [--lanes PATH] [--seed N]
//! ```
//!
//! It streams a repository through `git fast-import`: commit 1 adds the
//! CRISP-DM board and all `--cards` cards (from `bench_common::board`,
//! written by the library's own canonical writer), then every later commit
//! changes ONE card the way lanes does (a move, loop-backs included, a
//! journal note, a verdict, a ticked checklist item, a label or cost edit,
//! now and then an archive), with `Lanes-Action` /
//! `Lanes-Card` trailers, several authors and increasing dates. One "hot"
//! hypothesis card gets about `--hot` of the changes, spread over the whole
//! history. Then it times the release `lanes` binary, each command spawned
//! (median and min of `--runs` runs after one warm-up), against the issue's
//! targets:
//!
//! - `lanes log <hot card>` and `lanes log <cold card>` on a first run
//!   (`.git/lanes/history-v2` deleted before) at most 1x
//!   `git log -p -- .lanes/cards/<card>.yaml`, and under 100 ms when
//!   nothing changed since the last run;
//! - `lanes flow` under 1.5 s cold and under 100 ms warm;
//! - `lanes report` and `lanes hypotheses` warm (100 ms, as flow);
//! - `lanes report --format html` at most 1.5x `--format json` (the same
//!   report data, one more renderer), and the page under 2 MB, over the
//!   whole generated history and over its last 30 days (issue 29). The
//!   board declares budgets, so both formats compute them.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

#[path = "bench_common/mod.rs"]
mod bench_common;

use anyhow::{anyhow, bail, Context, Result};
use bench_common::board::{self, Live, Ranks, Spec, AUTHORS};
use bench_common::{
    cpu_now, find_lanes, git, load_average, measure, ms, output, time_cmd, Common, Rng, Stats,
    Step, Uses,
};
use clap::Parser;
use lanes::model::date;
use lanes::store;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Benchmark of history and flow on a generated repository.
#[derive(Parser, Debug)]
#[command(name = "bench_history", args_conflicts_with_subcommands = true)]
struct Opts {
    #[command(flatten)]
    common: Common,
    /// Commits in the generated history.
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    commits: usize,
    /// About how many of the changes go to the one "hot" card.
    #[arg(long, value_name = "N", default_value_t = 200)]
    hot: usize,
    /// Generate the repository in `--dir` and stop (measure it later with
    /// `--reuse`).
    #[arg(long, requires = "dir")]
    generate_only: bool,
    /// Do not run the in-process experiments that explain a missed target.
    #[arg(long)]
    no_explain: bool,
    #[command(subcommand)]
    hidden: Option<Hidden>,
}

/// Modes used by running this program again.
#[derive(clap::Subcommand, Debug)]
enum Hidden {
    /// One in-process experiment, in a fresh process so that libgit2's
    /// global options and object cache start clean.
    #[command(hide = true)]
    Experiment {
        name: String,
        repo: String,
        hot: String,
    },
}

fn main() -> ExitCode {
    let o: Opts = bench_common::parse(
        Uses {
            defaults: &[("cards", "5000"), ("seed", "6")],
            unused: &["old"],
            ..Default::default()
        },
        &[],
    );
    let result = match &o.hidden {
        Some(Hidden::Experiment { name, repo, hot }) => experiment(name, repo, hot),
        None => check(&o).and_then(|()| run(o)),
    };
    bench_common::finish("bench_history", result)
}

fn check(o: &Opts) -> Result<()> {
    if o.common.cards < 10 {
        bail!("--cards must be at least 10");
    }
    if o.commits < 2 {
        bail!("--commits must be at least 2");
    }
    if o.common.runs == 0 {
        bail!("--runs must be at least 1");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Small helpers

// ---------------------------------------------------------------------------
// Generating the repository (with bench_common::board)

/// When the generated history starts: 2025-06-02 09:00 UTC.
const START: i64 = 20_241 * 86_400 + 9 * 3600;

struct Generated {
    hot: String,
    cold: String,
    commits: usize,
    hot_changes: usize,
    loop_backs: usize,
    took: Duration,
}

fn generate(root: &Path, o: &Opts) -> Result<Generated> {
    let start = Instant::now();
    let cards = o.common.cards;
    board::init_repo(root)?;
    let (template, lanes) = board::crisp_dm()?;
    let mut rng = Rng(o.common.seed);

    // Cards: more in the middle phases.
    let lane_of = board::lanes_by_weight(&mut rng, cards, &[10, 12, 20, 30, 14, 14]);
    let counts: Vec<usize> = (0..lanes.len())
        .map(|l| lane_of.iter().filter(|&&x| x == l).count())
        .collect();
    let mut ranks = Ranks::new(&counts);
    let mut rank_next: Vec<usize> = vec![0; lanes.len()];
    let ids = board::ids(&mut rng, cards);
    let mut live: Vec<Live> = Vec::with_capacity(cards);
    for (id, &l) in ids.into_iter().zip(&lane_of) {
        let rank = ranks.lane(l)[rank_next[l]].clone();
        rank_next[l] += 1;
        let spec = Spec {
            id,
            lane: &lanes[l],
            rank,
            kind: None,
            created: START.div_euclid(86_400) - rng.range(0, 30),
            before: START - 60,
        };
        live.push(Live::new(board::card(&mut rng, spec), l));
    }
    // The hot card: a hypothesis in the first lane; the cold one is never
    // changed after commit 1 (never picked below).
    let hot = live
        .iter()
        .position(|c| c.card.hypothesis.is_some() && c.lane == 0 && !c.card.archived)
        .unwrap_or(0);
    let cold = (hot + 1 + cards / 2) % cards;

    let mut fi = board::FastImport::start(root)?;
    let mut t = START;

    // Commit 1: the board (with budgets: every report computes them) and
    // every card.
    let board_text = format!(
        "{template}budgets:\n  - {{unit: GPU-hours, amount: 3000, period: quarter}}\n  - {{unit: GPU-hours, amount: 900, period: month}}\n"
    );
    let mut files: Vec<(String, &str)> = vec![(store::BOARD_FILE.to_string(), &board_text)];
    for c in &live {
        files.push((store::card_path(&c.card.id), c.text.as_str()));
    }
    fi.commit(
        AUTHORS[0],
        t,
        &format!("lanes: import {cards} cards into the CRISP-DM board\n\nLanes-Action: init\n"),
        &files,
    )?;
    drop(files);

    let changes = o.commits - 1;
    let hot_every = (changes / o.hot.max(1)).max(1);
    let mut loop_backs = 0;
    for n in 0..changes {
        t += rng.range(5 * 60, 50 * 60);
        let who = *rng.pick(AUTHORS);
        let is_hot = o.hot > 0 && n % hot_every == hot_every / 2;
        let i = if is_hot {
            hot
        } else {
            loop {
                let i = rng.below(live.len());
                if i != hot && i != cold && !live[i].card.archived {
                    break i;
                }
            }
        };
        let c = board::change(&mut rng, &mut live[i], &lanes, &mut ranks, t, who.0, is_hot)?;
        if c.loop_back {
            loop_backs += 1;
        }
        let card = &live[i].card;
        let msg = board::message(
            &lanes::ops::subject(c.verb, card, &c.detail),
            &c.body,
            c.verb,
            &[card.id.as_str()],
        );
        fi.commit(
            who,
            t,
            &msg,
            &[(store::card_path(&card.id), live[i].text.as_str())],
        )?;
    }
    fi.finish()?;
    git(root, &["reset", "-q", "--hard"])?;
    if !git(root, &["status", "--porcelain"])?.is_empty() {
        bail!("the work tree does not match HEAD after checkout");
    }
    Ok(Generated {
        hot: live[hot].card.id.clone(),
        cold: live[cold].card.id.clone(),
        commits: o.commits,
        hot_changes: live[hot].changes,
        loop_backs,
        took: start.elapsed(),
    })
}

// ---------------------------------------------------------------------------
// The benchmark

struct Row {
    what: String,
    stats: Option<Stats>,
    value: String,
    target: String,
    pass: Option<bool>,
}

fn print_rows(rows: &[Row]) {
    println!(
        "\n{:<46} {:>11} {:>11} {:>11}  {:<18} result",
        "measurement", "median", "min", "cpu", "target"
    );
    println!("{}", "-".repeat(109));
    for r in rows {
        let (med, min, cpu) = match &r.stats {
            Some(s) => (ms(s.median), ms(s.min), ms(s.cpu)),
            None => (r.value.clone(), String::new(), String::new()),
        };
        let verdict = match r.pass {
            Some(true) => "PASS",
            Some(false) => "MISS",
            None => "",
        };
        println!(
            "{:<46} {:>11} {:>11} {:>11}  {:<18} {verdict}",
            r.what, med, min, cpu, r.target
        );
    }
}

/// `lanes report` over `period` (first and last day) in `format`.
fn report_args<'a>(period: &'a (String, String), format: &'a str) -> [&'a str; 7] {
    [
        "report", "--since", &period.0, "--until", &period.1, "--format", format,
    ]
}

/// The page's size against the issue's 2 MB.
fn page_row(what: &str, bytes: usize) -> Row {
    Row {
        what: what.into(),
        stats: None,
        value: format!("{:.2} MB", bytes as f64 / 1_048_576.0),
        target: "< 2 MB".into(),
        pass: Some(bytes < 2 << 20),
    }
}

fn lanes_cmd(bin: &Path, root: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin);
    c.args(args).current_dir(root).env_remove("LANES_BOARD");
    c
}

fn git_cmd(root: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("git");
    c.args(["--no-pager", "-c", "color.ui=never"])
        .args(args)
        .current_dir(root);
    c
}

fn run(o: Opts) -> Result<()> {
    let c = &o.common;
    let built = find_lanes(c.lanes.as_deref())?;
    // Measure a private copy: other work in the same target folder may
    // rebuild the binary while the benchmark runs.
    let bin_dir = tempfile::Builder::new()
        .prefix("lanes-bench-bin-")
        .tempdir()?;
    let lanes_bin = bin_dir
        .path()
        .join(format!("lanes{}", env::consts::EXE_SUFFIX));
    fs::copy(&built, &lanes_bin).with_context(|| format!("cannot copy {}", built.display()))?;
    let (root, tmp) = c.folder("lanes-bench-history-")?;
    println!("lanes history benchmark (issue 6, Speed)");
    println!(
        "command: cargo run --release --example bench_history -- --cards {} --commits {} --runs {} --hot {}",
        c.cards, o.commits, c.runs, o.hot
    );
    println!(
        "machine: {} cores, load {} at start, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        load_average(),
        git(&root, &["--version"])
            .unwrap_or_else(|_| "git ?".into())
            .trim()
    );
    println!("repo:    {}", root.display());
    println!("binary:  {} (measured as a private copy)", built.display());

    let (hot, cold) = if c.reuse {
        let ids = fs::read_to_string(root.join(".git").join("bench-history-ids"))
            .context("--reuse: no .git/bench-history-ids")?;
        let mut it = ids.split_whitespace().map(str::to_string);
        match (it.next(), it.next()) {
            (Some(h), Some(c)) => (h, c),
            _ => bail!("--reuse: bad .git/bench-history-ids"),
        }
    } else {
        let g = generate(&root, &o)?;
        fs::write(
            root.join(".git").join("bench-history-ids"),
            format!("{} {}\n", g.hot, g.cold),
        )?;
        println!(
            "generated {} commits ({} loop-back moves; hot card {} changed {} times, cold card {} never) in {:.1} s",
            g.commits,
            g.loop_backs,
            g.hot,
            g.hot_changes,
            g.cold,
            g.took.as_secs_f64()
        );
        (g.hot, g.cold)
    };
    if o.generate_only {
        println!(
            "generated only; measure with --reuse --dir {}",
            root.display()
        );
        return Ok(());
    }
    let commits: usize = git(&root, &["rev-list", "--count", "HEAD"])?
        .trim()
        .parse()?;
    let hot_path = store::card_path(&hot);
    let cold_path = store::card_path(&cold);
    let git_hot = git(&root, &["log", "--format=%H", "--", &hot_path])?
        .lines()
        .count();
    let git_cold = git(&root, &["log", "--format=%H", "--", &cold_path])?
        .lines()
        .count();
    let count_entries = |id: &str| -> Result<usize> {
        let out = output(&mut lanes_cmd(&lanes_bin, &root, &["log", id, "--json"]))?;
        let v: serde_json::Value = serde_json::from_str(&out)?;
        Ok(v.as_array().map_or(0, Vec::len))
    };
    let lanes_hot = count_entries(&hot)?;
    let lanes_cold = count_entries(&cold)?;
    println!(
        "history: {commits} commits; hot card: {git_hot} commits per git, {lanes_hot} entries per lanes; cold card: {git_cold} per git, {lanes_cold} per lanes"
    );
    if git_hot != lanes_hot || git_cold != lanes_cold {
        println!("WARNING: lanes log and git log disagree on how many commits changed a card");
    }
    let cache = history_cache(&root);
    // The report's periods: the whole history, and its last 30 days.
    let last: i64 = git(&root, &["log", "-1", "--format=%at"])?.trim().parse()?;
    let end = date::format_date(last.div_euclid(86_400));
    let whole = (date::format_date(START.div_euclid(86_400)), end.clone());
    let month = (date::format_date(last.div_euclid(86_400) - 29), end);
    let mut page_sizes = Vec::new();
    for period in [&whole, &month] {
        let json = output(&mut lanes_cmd(
            &lanes_bin,
            &root,
            &report_args(period, "json"),
        ))?;
        let html = output(&mut lanes_cmd(
            &lanes_bin,
            &root,
            &report_args(period, "html"),
        ))?;
        let v: serde_json::Value = serde_json::from_str(&json)?;
        let count = |k: &str| v[k].as_array().map_or(0, Vec::len);
        println!(
            "report {} to {}: {} tested, {} in progress, {} days, {} budgets; JSON {} bytes, HTML {} bytes",
            period.0,
            period.1,
            count("tested"),
            count("aging"),
            count("cumulative_flow"),
            count("budgets"),
            json.len(),
            html.len()
        );
        page_sizes.push(html.len());
    }
    let load = load_average();

    let log_hot = ["log", hot.as_str()];
    let log_cold = ["log", cold.as_str()];
    let git_hot_args = ["log", "-p", "--", hot_path.as_str()];
    let git_cold_args = ["log", "-p", "--", cold_path.as_str()];
    // A first run reads the history from git (cache deleted before); a
    // warm run finds nothing changed since the last one.
    let cold_run = |args: &[&str]| {
        let _ = fs::remove_file(&cache);
        time_cmd(&mut lanes_cmd(&lanes_bin, &root, args))
    };
    let steps: Vec<Step> = vec![
        Box::new(|_| cold_run(&log_hot)),
        Box::new(|_| time_cmd(&mut lanes_cmd(&lanes_bin, &root, &log_hot))),
        Box::new(|_| time_cmd(&mut git_cmd(&root, &git_hot_args))),
        Box::new(|_| cold_run(&log_cold)),
        Box::new(|_| time_cmd(&mut lanes_cmd(&lanes_bin, &root, &log_cold))),
        Box::new(|_| time_cmd(&mut git_cmd(&root, &git_cold_args))),
        Box::new(|_| cold_run(&["flow"])),
        // Warm: nothing changed since the last run.
        Box::new(|_| time_cmd(&mut lanes_cmd(&lanes_bin, &root, &["flow"]))),
        Box::new(|_| time_cmd(&mut lanes_cmd(&lanes_bin, &root, &["report"]))),
        Box::new(|_| time_cmd(&mut lanes_cmd(&lanes_bin, &root, &["hypotheses"]))),
        // For scale: the same board loaded without any history.
        Box::new(|_| time_cmd(&mut lanes_cmd(&lanes_bin, &root, &["list"]))),
        // The report as JSON and as the HTML page, over the whole history
        // and over its last 30 days.
        Box::new(|_| {
            time_cmd(&mut lanes_cmd(
                &lanes_bin,
                &root,
                &report_args(&whole, "json"),
            ))
        }),
        Box::new(|_| {
            time_cmd(&mut lanes_cmd(
                &lanes_bin,
                &root,
                &report_args(&whole, "html"),
            ))
        }),
        Box::new(|_| {
            time_cmd(&mut lanes_cmd(
                &lanes_bin,
                &root,
                &report_args(&month, "json"),
            ))
        }),
        Box::new(|_| {
            time_cmd(&mut lanes_cmd(
                &lanes_bin,
                &root,
                &report_args(&month, "html"),
            ))
        }),
    ];
    let s = measure(c.runs, steps)?;
    let ratio = |a: Stats, b: Stats| a.median.as_secs_f64() / b.median.as_secs_f64().max(1e-9);
    let r_hot = ratio(s[0], s[2]);
    let r_cold = ratio(s[3], s[5]);
    let row = |what: &str, st: Stats, target: &str, pass: Option<bool>| Row {
        what: what.to_string(),
        stats: Some(st),
        value: String::new(),
        target: target.to_string(),
        pass,
    };
    let ratio_row = |what: &str, r: f64| Row {
        what: what.to_string(),
        stats: None,
        value: format!("{r:.2}x"),
        target: "<= 1x".into(),
        pass: Some(r <= 1.0),
    };
    let under = |st: Stats, limit: Duration| Some(st.median < limit);
    let rows = vec![
        row(
            &format!("lanes log <hot card> ({lanes_hot} entries), first run"),
            s[0],
            "",
            None,
        ),
        row(
            "lanes log <hot card>, nothing changed since",
            s[1],
            "< 100 ms",
            under(s[1], Duration::from_millis(100)),
        ),
        row("git log -p -- <hot card path>", s[2], "", None),
        ratio_row("  lanes first run / git, hot card", r_hot),
        row(
            &format!("lanes log <cold card> ({lanes_cold} entry), first run"),
            s[3],
            "",
            None,
        ),
        row(
            "lanes log <cold card>, nothing changed since",
            s[4],
            "< 100 ms",
            under(s[4], Duration::from_millis(100)),
        ),
        row("git log -p -- <cold card path>", s[5], "", None),
        ratio_row("  lanes first run / git, cold card", r_cold),
        row(
            "lanes flow, cold (cache deleted)",
            s[6],
            "< 1500 ms",
            under(s[6], Duration::from_millis(1500)),
        ),
        row(
            "lanes flow, warm (nothing changed)",
            s[7],
            "< 100 ms",
            under(s[7], Duration::from_millis(100)),
        ),
        row(
            "lanes report, warm",
            s[8],
            "< 100 ms (as flow)",
            under(s[8], Duration::from_millis(100)),
        ),
        row(
            "lanes hypotheses, warm",
            s[9],
            "< 100 ms (as flow)",
            under(s[9], Duration::from_millis(100)),
        ),
        row("lanes list (board load only, for scale)", s[10], "", None),
        row("lanes report --format json, whole history", s[11], "", None),
        row("lanes report --format html, whole history", s[12], "", None),
        Row {
            what: "  html / json, whole history".into(),
            stats: None,
            value: format!("{:.2}x", ratio(s[12], s[11])),
            target: "<= 1.5x".into(),
            pass: Some(ratio(s[12], s[11]) <= 1.5),
        },
        page_row("  the page, whole history", page_sizes[0]),
        row("lanes report --format json, last 30 days", s[13], "", None),
        row("lanes report --format html, last 30 days", s[14], "", None),
        Row {
            what: "  html / json, last 30 days".into(),
            stats: None,
            value: format!("{:.2}x", ratio(s[14], s[13])),
            target: "<= 1.5x".into(),
            pass: Some(ratio(s[14], s[13]) <= 1.5),
        },
        page_row("  the page, last 30 days", page_sizes[1]),
    ];
    print_rows(&rows);
    println!(
        "\n{} runs after one warm-up; load average {} before timing, {} after",
        c.runs,
        load,
        load_average()
    );
    let missed = rows.iter().filter(|r| r.pass == Some(false)).count();
    if missed > 0 {
        println!("{missed} target(s) missed");
    } else {
        println!("all targets met");
    }
    if missed > 0 && !o.no_explain {
        explain(&root, &hot)?;
    }
    if c.keep {
        if let Some(t) = tmp {
            let kept = t.keep();
            println!("kept {}", kept.display());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Where the time goes: in-process experiments with the same libgit2 lanes
// uses, each in a fresh process (libgit2's options and caches are global),
// and git's own floors for the same walks.

const EXPERIMENTS: &[(&str, &str)] = &[
    ("walk", "walk all commits from HEAD, commits parsed"),
    ("ids", "first-parent walk + cards folder id per commit"),
    (
        "load-verify",
        "+ cards tree parsed once/commit, SHA-1 check",
    ),
    ("load-noverify", "+ cards tree parsed once/commit, no check"),
    ("raw", "+ cards tree read raw once/commit, no check"),
    ("raw-copy", "+ the same, each raw tree copied once more"),
    ("raw-par", "+ raw reads split over all cores"),
    ("blobs", "read every changed card blob once"),
    ("cache", "history loaded from its cache (nothing new)"),
    ("log-parsed", "card walk: each tree parsed once, no check"),
];

fn explain(root: &Path, hot: &str) -> Result<()> {
    let me = env::current_exe()?;
    let hot_path = store::card_path(hot);
    println!("\nWhere the time goes (one run each; cpu = user + system of the process)");
    println!("{:<50} {:>11} {:>11}  result", "experiment", "wall", "cpu");
    println!("{}", "-".repeat(90));
    let one = |what: &str, cmd: &mut Command| -> Result<()> {
        cmd.stdin(Stdio::null()).stderr(Stdio::inherit());
        let c = cpu_now();
        let start = Instant::now();
        let out = cmd
            .output()
            .with_context(|| format!("cannot run {cmd:?}"))?;
        let wall = start.elapsed();
        let cpu = cpu_now().saturating_sub(c);
        if !out.status.success() {
            bail!("{cmd:?} failed ({})", out.status);
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let result = if text.lines().count() > 1 {
            format!("{} lines", text.lines().count())
        } else {
            text.trim().to_string()
        };
        println!("{what:<50} {:>11} {:>11}  {result}", ms(wall), ms(cpu));
        Ok(())
    };
    one(
        "git rev-list HEAD -- <hot card path>",
        Command::new("git")
            .args(["rev-list", "HEAD", "--", &hot_path])
            .current_dir(root),
    )?;
    one(
        "git log --raw -- .lanes/cards (every card change)",
        Command::new("git")
            .args([
                "log",
                "--format=%H",
                "--raw",
                "--no-renames",
                "--",
                store::CARDS_DIR,
            ])
            .current_dir(root),
    )?;
    // The blobs every change brought, for the "blobs" experiment.
    let raw = git(
        root,
        &[
            "log",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "--format=",
            "--",
            store::CARDS_DIR,
        ],
    )?;
    let blobs: Vec<&str> = raw
        .lines()
        .filter_map(|l| l.split_whitespace().nth(3))
        .filter(|id| id.bytes().any(|b| b != b'0'))
        .collect();
    fs::write(
        root.join(".git").join("bench-history-blobs"),
        blobs.join("\n"),
    )?;
    for (name, what) in EXPERIMENTS {
        one(
            what,
            Command::new(&me)
                .arg("experiment")
                .arg(name)
                .arg(root)
                .arg(hot),
        )?;
    }
    let cache = history_cache(root);
    if let Ok(m) = fs::metadata(&cache) {
        println!("history cache: {} bytes", m.len());
    }
    Ok(())
}

/// Where lanes keeps the history cache of the repository at `root`.
fn history_cache(root: &Path) -> PathBuf {
    store::cache::Scratch::in_git_dir(&root.join(".git")).file(store::cache::HISTORY)
}

/// The first-parent line from HEAD, oldest first.
fn first_parent_line(repo: &git2::Repository) -> Result<Vec<git2::Oid>> {
    let mut walk = repo.revwalk()?;
    walk.push_head()?;
    walk.simplify_first_parent()?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
    Ok(walk.collect::<std::result::Result<Vec<_>, _>>()?)
}

fn cards_tree_id(c: &git2::Commit) -> Option<git2::Oid> {
    c.tree()
        .ok()?
        .get_path(Path::new(store::CARDS_DIR))
        .ok()
        .map(|e| e.id())
}

/// The cards folder of each commit on the first-parent line, oldest first,
/// dropping repeats (commits that changed no card).
fn cards_folders(repo: &git2::Repository) -> Result<Vec<git2::Oid>> {
    let mut out: Vec<git2::Oid> = Vec::new();
    for oid in first_parent_line(repo)? {
        let c = repo.find_commit(oid)?;
        if let Some(t) = cards_tree_id(&c) {
            if out.last() != Some(&t) {
                out.push(t);
            }
        }
    }
    Ok(out)
}

fn experiment(name: &str, root: &str, hot: &str) -> Result<()> {
    git2::opts::strict_hash_verification(name == "load-verify");
    let repo = git2::Repository::open(root)?;
    let mut n: usize = 0;
    match name {
        "walk" => {
            let mut walk = repo.revwalk()?;
            walk.push_head()?;
            for oid in walk {
                let c = repo.find_commit(oid?)?;
                n += c.message().map_or(0, str::len);
            }
        }
        "ids" => n = cards_folders(&repo)?.len(),
        "load-verify" | "load-noverify" => {
            for id in cards_folders(&repo)? {
                n += repo.find_tree(id)?.len();
            }
        }
        "raw" | "raw-copy" => {
            let odb = repo.odb()?;
            for id in cards_folders(&repo)? {
                let o = odb.read(id)?;
                if name == "raw-copy" {
                    n += std::hint::black_box(o.data().to_vec()).len();
                } else {
                    n += o.data().len();
                }
            }
        }
        "raw-par" => {
            let ids = cards_folders(&repo)?;
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let chunk = ids.len().div_ceil(threads).max(1);
            n = std::thread::scope(|s| -> Result<usize> {
                let handles: Vec<_> = ids
                    .chunks(chunk)
                    .map(|part| {
                        s.spawn(move || -> Result<usize> {
                            let repo = git2::Repository::open(root)?;
                            let odb = repo.odb()?;
                            let mut n = 0;
                            for id in part {
                                n += odb.read(*id)?.data().len();
                            }
                            Ok(n)
                        })
                    })
                    .collect();
                let mut total = 0;
                for h in handles {
                    total += h.join().map_err(|_| anyhow!("a thread panicked"))??;
                }
                Ok(total)
            })?;
        }
        "blobs" => {
            let list =
                fs::read_to_string(Path::new(root).join(".git").join("bench-history-blobs"))?;
            let odb = repo.odb()?;
            for id in list.lines() {
                let blob = odb.read(git2::Oid::from_str(id)?)?;
                n += usize::from(blob.data().starts_with(b"id: "));
            }
        }
        "cache" => {
            let h = lanes::history::board_history(Path::new(root))?;
            n = h.commits.len() + h.changes.len();
        }
        "log-parsed" => {
            let hot_name = format!("{hot}.yaml");
            let mut walk = repo.revwalk()?;
            walk.push_head()?;
            walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME | git2::Sort::REVERSE)?;
            // The hot card's blob per cards tree, each tree loaded once.
            let mut seen: std::collections::HashMap<git2::Oid, Option<git2::Oid>> =
                std::collections::HashMap::new();
            let mut blob_in = |tree: Option<git2::Oid>| -> Result<Option<git2::Oid>> {
                let Some(id) = tree else { return Ok(None) };
                if let Some(b) = seen.get(&id) {
                    return Ok(*b);
                }
                let b = repo.find_tree(id)?.get_name(&hot_name).map(|e| e.id());
                seen.insert(id, b);
                Ok(b)
            };
            for oid in walk {
                let c = repo.find_commit(oid?)?;
                let now = cards_tree_id(&c);
                let parents: Vec<Option<git2::Oid>> =
                    c.parents().map(|p| cards_tree_id(&p)).collect();
                if parents.contains(&now) {
                    continue;
                }
                let mut before = Vec::new();
                for p in parents {
                    before.push(blob_in(p)?);
                }
                let b_now = blob_in(now)?;
                // Merges count only when they changed the card themselves.
                let differs = if before.is_empty() {
                    b_now.is_some()
                } else {
                    before.iter().all(|b| *b != b_now)
                };
                n += usize::from(differs);
            }
        }
        other => bail!("unknown experiment {other}"),
    }
    println!("{n}");
    Ok(())
}
