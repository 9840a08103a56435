//! Benchmark of `lanes validate` on a board where large groups of cards
//! share one rank, as an import that gives every card the same rank
//! produces (the issue: 100,000 such cards ran 91 s and peaked at 19 GiB,
//! because every card's problem listed every other card of its group).
//!
//! ```text
//! cargo run --release --example bench_validate -- [--cards 100000] [--group 16000]
//!     [--groups 4] [--pairs 3] [--runs 5] [--dir PATH] [--reuse] [--keep]
//!     [--lanes PATH] [--seed N]
//! ```
//!
//! It creates a git repository holding a CRISP-DM board of `--cards` cards
//! (from `bench_common::board`, rendered by the library's canonical writer
//! and committed with git):
//! `--groups` groups of `--group` cards (at most one group per lane), each
//! sharing one rank, `--pairs` pairs of cards sharing a rank, and every
//! other card with a rank of its own. Then it runs the release `lanes
//! validate` once with no card cache (the cold run: it parses every card
//! file and writes the cache, as the first command after an import or a
//! fresh clone does), and `--runs` times more (warm), and reports the wall
//! time and the peak resident memory of each run (the child's own
//! `ru_maxrss`, from `wait4`). It also checks the output: one rank-clash
//! line per group and pair, exit status 1.
//!
//! `--lanes PATH` measures another `lanes` binary (an older build, say) on
//! the same board; without `--dir` the board goes in a temporary folder that
//! is removed at the end (unless `--keep`); `--reuse` measures a board
//! generated in `--dir` earlier.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

#[path = "bench_common/mod.rs"]
mod bench_common;

use anyhow::{anyhow, bail, Context, Result};
use bench_common::board::{self, Spec};
use bench_common::{find_lanes, git, load_average, median, ms, output, Common, Rng, Uses};
use clap::Parser;
use lanes::model::rank;
use lanes::store;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The targets of the issue, for 100,000 cards.
const TARGET_SECS: f64 = 2.0;
const TARGET_MIB: f64 = 200.0;

/// Benchmark of `lanes validate` on a board where large groups of cards
/// share one rank.
#[derive(Parser, Debug)]
#[command(name = "bench_validate")]
struct Opts {
    #[command(flatten)]
    common: Common,
    /// Cards in each group sharing one rank.
    #[arg(long, value_name = "N", default_value_t = 16_000)]
    group: usize,
    /// Groups (one per lane, from modeling on).
    #[arg(long, value_name = "N", default_value_t = 4)]
    groups: usize,
    /// Pairs of cards sharing a rank in the first lane.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pairs: usize,
}

fn main() -> ExitCode {
    let o: Opts = bench_common::parse(
        Uses {
            defaults: &[("cards", "100000"), ("seed", "7")],
            unused: &["old"],
            ..Default::default()
        },
        &[],
    );
    bench_common::finish("bench_validate", check(&o).and_then(|()| run(o)))
}

fn check(o: &Opts) -> Result<()> {
    if o.group < 2 && o.groups > 0 {
        bail!("--group must be at least 2");
    }
    if o.groups * o.group + 2 * o.pairs > o.common.cards {
        bail!(
            "{} groups of {} cards and {} pairs need more than --cards {}",
            o.groups,
            o.group,
            o.pairs,
            o.common.cards
        );
    }
    if o.common.runs == 0 {
        bail!("--runs must be at least 1");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Generating the board (with bench_common::board)

/// What the generated board should make `lanes validate` report.
struct Expected {
    /// Rank clashes: groups plus pairs.
    clashes: usize,
    /// Mean card file size, bytes.
    mean_bytes: usize,
}

fn generate(root: &Path, o: &Opts) -> Result<Expected> {
    let cards = o.common.cards;
    board::init_repo(root)?;
    let (template, lanes) = board::crisp_dm()?;
    if o.groups > lanes.len() {
        bail!(
            "--groups {}: at most {} (one group per lane)",
            o.groups,
            lanes.len()
        );
    }
    let mut rng = Rng(o.common.seed);

    // Distinct ids, in a random order (so groups are not id ranges).
    let ids = board::ids(&mut rng, cards);

    // (lane, rank) per card: the groups first (in modeling, evaluation,
    // and on round the lanes), then every other card in a random lane with
    // a rank of its own, but for `pairs` pairs in the first lane.
    let shared = rank::spread(1).remove(0);
    let mut places: Vec<(usize, String)> = Vec::with_capacity(cards);
    for g in 0..o.groups {
        let lane = (3 + g) % lanes.len();
        places.extend((0..o.group).map(|_| (lane, shared.clone())));
    }
    let rest = cards - places.len();
    let mut lane_of: Vec<usize> = (0..rest).map(|_| rng.below(lanes.len())).collect();
    lane_of.sort_unstable();
    for l in 0..lanes.len() {
        let n = lane_of.iter().filter(|&&x| x == l).count();
        // Ranks after the shared one, so that no other card joins a group.
        let mut ranks: Vec<String> = board::lane_ranks(n)
            .into_iter()
            .map(|r| format!("{shared}{r}"))
            .collect();
        if l == 0 {
            for p in 0..o.pairs.min(n / 2) {
                ranks[2 * p + 1] = ranks[2 * p].clone();
            }
        }
        places.extend(ranks.into_iter().map(|r| (l, r)));
    }
    rng.shuffle(&mut places);

    // Written as files and committed with `git add` (a `git fast-import`
    // stream, as bench_core uses, searches a folder's entries one by one:
    // minutes for 100,000 files in one folder).
    fs::create_dir_all(root.join(store::CARDS_DIR))?;
    fs::write(root.join(store::BOARD_FILE), template)?;
    git(root, &["add", "--", store::BOARD_FILE])?;
    git(root, &["commit", "-q", "-m", "lanes: init CRISP-DM board"])?;
    let generated = ids.into_iter().zip(places).map(|(id, (lane, rank))| {
        let created = 20_094 + rng.range(0, 300);
        let spec = Spec {
            id,
            lane: &lanes[lane],
            rank,
            kind: None,
            created,
            before: (created + 30) * 86_400,
        };
        board::card(&mut rng, spec)
    });
    let bytes = board::write_cards(root, generated)?;
    git(root, &["add", "--", store::CARDS_DIR])?;
    let msg = format!("lanes: import {cards} cards");
    git(root, &["commit", "-q", "-m", &msg])?;
    if !git(root, &["status", "--porcelain"])?.is_empty() {
        bail!("the work tree is not clean after committing the board");
    }
    Ok(Expected {
        clashes: o.groups + o.pairs.min(lane_of.iter().filter(|&&l| l == 0).count() / 2),
        mean_bytes: bytes / cards.max(1),
    })
}

// ---------------------------------------------------------------------------
// Measuring

/// One run's figures.
#[derive(Debug, Clone, Copy)]
struct Run {
    wall: Duration,
    /// User plus system CPU time: unlike wall time, hardly affected by
    /// other jobs on a shared machine.
    cpu: Duration,
    /// Peak resident memory, KiB.
    rss_kib: u64,
    code: Option<i32>,
}

/// Run `cmd` with its output discarded, and wait for it with `wait4`, which
/// gives this child's own peak resident memory.
#[cfg(unix)]
fn run_measured(cmd: &mut Command) -> Result<Run> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let start = Instant::now();
    let child = cmd.spawn().with_context(|| format!("cannot run {cmd:?}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: getrusage-style out-parameter; zeroed is a valid rusage.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet waited for (std's `Child` does not
    // wait on drop); `status` and `ru` are valid for writes.
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    let wall = start.elapsed();
    drop(child);
    if got != pid {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let raw = ru.ru_maxrss as u64;
    // Linux reports KiB, macOS bytes.
    let rss_kib = if cfg!(target_os = "macos") {
        raw / 1024
    } else {
        raw
    };
    let cpu = [ru.ru_utime, ru.ru_stime]
        .iter()
        .map(|tv| Duration::from_secs(tv.tv_sec as u64) + Duration::from_micros(tv.tv_usec as u64))
        .sum();
    Ok(Run {
        wall,
        cpu,
        rss_kib,
        code,
    })
}

#[cfg(not(unix))]
fn run_measured(_cmd: &mut Command) -> Result<Run> {
    bail!("peak memory is measured with wait4, which this platform lacks")
}

/// What one run of `lanes validate` printed, read as it streams out (an old
/// binary may print gigabytes): problem lines, rank-clash lines, the longest
/// line, and the exit code.
struct Printed {
    lines: usize,
    clashes: usize,
    longest: usize,
    code: Option<i32>,
    first_clash: Option<String>,
    summary: String,
}

fn read_output(cmd: &mut Command) -> Result<Printed> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow!("no stdout for {cmd:?}"))?;
    let mut p = Printed {
        lines: 0,
        clashes: 0,
        longest: 0,
        code: None,
        first_clash: None,
        summary: String::new(),
    };
    let mut reader = BufReader::with_capacity(1 << 16, stdout);
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line)? > 0 {
        p.lines += 1;
        p.longest = p.longest.max(line.len());
        let text = String::from_utf8_lossy(&line);
        if text.contains(": rank ") && text.contains("is also used by") {
            p.clashes += 1;
            if p.first_clash.is_none() {
                p.first_clash = Some(text.trim_end().chars().take(400).collect());
            }
        }
        line.clear();
    }
    let out = child.wait_with_output()?;
    p.code = out.status.code();
    p.summary = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    Ok(p)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn run(o: Opts) -> Result<()> {
    let c = &o.common;
    let lanes_bin = find_lanes(c.lanes.as_deref())?;
    let (root, mut tmp) = c.folder("lanes-bench-validate-")?;
    println!("lanes validate benchmark (rank clashes in large groups)");
    let mut command = String::from("cargo run --release --example bench_validate --");
    if !c.reuse {
        command.push_str(&format!(
            " --cards {} --group {} --groups {} --pairs {}",
            c.cards, o.group, o.groups, o.pairs
        ));
    }
    command.push_str(&format!(" --runs {}", c.runs));
    if let Some(d) = &c.dir {
        command.push_str(&format!(" --dir {}", d.display()));
    }
    if c.reuse {
        command.push_str(" --reuse");
    }
    if let Some(l) = &c.lanes {
        command.push_str(&format!(" --lanes {}", l.display()));
    }
    println!("command: {command}");
    println!(
        "machine: {} cores, load average {} at the start",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        load_average()
    );
    println!("board:   {}", root.display());
    let source = env!("CARGO_MANIFEST_DIR");
    let commit = output(Command::new("git").args(["-C", source, "rev-parse", "--short", "HEAD"]))
        .map(|c| c.trim().to_string())
        .unwrap_or_else(|_| "?".into());
    println!(
        "binary:  {}{}",
        lanes_bin.display(),
        if c.lanes.is_some() {
            String::new()
        } else {
            format!(" (built from commit {commit} and the work tree)")
        }
    );

    let expected = if c.reuse {
        println!("reusing the board generated there earlier");
        None
    } else {
        let t = Instant::now();
        let e = generate(&root, &o)?;
        println!(
            "generated {} cards ({} groups of {} sharing a rank, {} pairs; mean card {} bytes) in {:.1} s",
            c.cards,
            o.groups,
            o.group,
            o.pairs,
            e.mean_bytes,
            t.elapsed().as_secs_f64()
        );
        Some(e)
    };

    let validate = || {
        let mut c = Command::new(&lanes_bin);
        c.arg("validate")
            .current_dir(&root)
            .env_remove("LANES_BOARD")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
        c
    };

    // Cold: no card cache (this run writes it).
    let cache = store::cache::Scratch::of_board(&root).map(|s| s.file(store::cache::CARDS));
    if let Some(c) = &cache {
        let _ = fs::remove_file(c);
    }
    let cold = run_measured(&mut validate())?;
    if !cache.as_ref().is_some_and(|c| c.is_file()) {
        println!(
            "warning: no card cache at {:?} after the first run: was it cold, and are the warm runs warm?",
            cache
        );
    }
    // What it prints, checked once (a warm run).
    let printed = read_output(&mut validate())?;
    // Warm runs.
    let mut warm = Vec::with_capacity(c.runs);
    for _ in 0..c.runs {
        warm.push(run_measured(&mut validate())?);
    }
    let load_end = load_average();

    println!();
    println!(
        "output:  exit {:?}, {} lines, {} rank-clash lines{}, longest line {} bytes; stderr: {}",
        printed.code,
        printed.lines,
        printed.clashes,
        expected
            .as_ref()
            .map(|e| format!(" (expected {})", e.clashes))
            .unwrap_or_default(),
        printed.longest,
        printed.summary
    );
    if let Some(c) = &printed.first_clash {
        println!("first clash: {c}");
    }
    let mut ok = printed.code == Some(1);
    if let Some(e) = &expected {
        ok &= printed.clashes == e.clashes && printed.lines == e.clashes;
    }
    if !ok {
        println!(
            "warning: the output is not one line per rank clash with exit 1 (an older binary?)"
        );
    }
    let codes_ok = std::iter::once(&cold)
        .chain(&warm)
        .all(|r| r.code == printed.code);
    if !codes_ok {
        println!("warning: the exit status differed between runs");
    }

    let mut walls: Vec<Duration> = warm.iter().map(|r| r.wall).collect();
    let med = median(&mut walls);
    let peak = warm.iter().map(|r| r.rss_kib).max().unwrap_or(0);
    let mut rss: Vec<u64> = warm.iter().map(|r| r.rss_kib).collect();
    rss.sort_unstable();
    let pass = |secs: f64, kib: u64| {
        if secs < TARGET_SECS && mib(kib) < TARGET_MIB {
            "within target"
        } else {
            "OVER target"
        }
    };
    println!();
    println!(
        "{:<34} {:>10} {:>10} {:>10} {:>10} {:>12}  (issue: < {TARGET_SECS} s, < {TARGET_MIB} MiB at 100,000 cards)",
        "lanes validate", "median", "min", "max", "CPU", "peak RSS"
    );
    println!(
        "{:<34} {:>10} {:>10} {:>10} {:>10} {:>8.1} MiB  {}",
        "cold (no card cache; writes it)",
        ms(cold.wall),
        "",
        "",
        ms(cold.cpu),
        mib(cold.rss_kib),
        pass(cold.wall.as_secs_f64(), cold.rss_kib)
    );
    let mut cpus: Vec<Duration> = warm.iter().map(|r| r.cpu).collect();
    println!(
        "{:<34} {:>10} {:>10} {:>10} {:>10} {:>8.1} MiB  {}",
        format!("warm ({} runs)", c.runs),
        ms(med),
        ms(walls[0]),
        ms(walls[walls.len() - 1]),
        ms(median(&mut cpus)),
        mib(peak),
        pass(med.as_secs_f64(), peak)
    );
    println!(
        "warm peak RSS per run: {} MiB",
        rss.iter()
            .map(|k| format!("{:.1}", mib(*k)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("load average at the end: {load_end}");

    if c.keep {
        if let Some(t) = tmp.take() {
            let p = t.keep();
            println!("kept the board in {}", p.display());
        }
    }
    Ok(())
}
