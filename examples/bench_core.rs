//! Benchmark of the core commands on a generated board (issue 2, section 7).
//!
//! ```text
//! cargo run --release --example bench_core -- [--cards 10000] [--commits 10000]
//!     [--dir PATH] [--runs 15] [--keep] [--reuse] [--lanes PATH] [--old PATH]
//!     [--moves-only] [--seed N]
//! ```
//!
//! It creates a git repository holding a CRISP-DM board of `--cards` cards
//! (rendered by the library's own canonical writer, so they look exactly like
//! real ones) and a history of `--commits` commits streamed through
//! `git fast-import`: first commits add the cards in batches, every later
//! commit moves, annotates, ticks or decides one card, as `lanes` would.
//! Then it times the release `lanes` binary (median and min over `--runs`
//! runs after one warm-up) against the issue's targets and against minimal
//! baselines: a program that only reads and parses the same files, `cat`, and
//! `git add && git commit` doing the same change as `lanes move`.
//!
//! Without `--dir` the repository goes in a temporary folder that is removed
//! at the end (unless `--keep`); with `--dir` it is kept, and `--reuse`
//! measures an existing generated board again without regenerating it.
//!
//! With `--old PATH` (another `lanes` binary, say one built from main into
//! its own `--target-dir`), the board is copied and the other binary is
//! measured on the copy, its runs alternating with this build's and with
//! the git floor on each copy, so that both meet the same machine load:
//! each binary's caches stay in its own copy (two versions writing one
//! cache file would each find the other's unreadable). `--moves-only`
//! measures the moves and their floor alone (on 100,000 cards the
//! whole-board reads take minutes).
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

#[path = "bench_common/mod.rs"]
mod bench_common;

use anyhow::{anyhow, bail, Context, Result};
use bench_common::{
    cpu_now, find_lanes, git, lane_ranks, load_average, measure, ms, num, output, time_cmd, Rng,
    Stats, Step,
};
use lanes::model::{
    date, id, rank, Card, ChecklistItem, Direction, Experiment, Hypothesis, JournalEntry, Verdict,
};
use lanes::store::{self, Board};
use serde_yaml::Value;
use std::collections::HashSet;
use std::env;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cargo run --release --example bench_core -- [--cards 10000] [--commits 10000] [--dir PATH] [--runs 15] [--keep] [--reuse] [--lanes PATH] [--old PATH] [--moves-only] [--seed N]";

#[derive(Debug)]
struct Opts {
    cards: usize,
    commits: usize,
    dir: Option<PathBuf>,
    runs: usize,
    keep: bool,
    reuse: bool,
    lanes: Option<PathBuf>,
    old: Option<PathBuf>,
    moves_only: bool,
    seed: u64,
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        // Hidden modes used by re-executing this program.
        Some("--baseline-only") => baseline_only(args.get(1)),
        Some("--rss-of") => rss_of(&args[1..]),
        _ => parse_opts(&args).and_then(run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_core: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn parse_opts(args: &[String]) -> Result<Opts> {
    let mut o = Opts {
        cards: 10_000,
        commits: 10_000,
        dir: None,
        runs: 15,
        keep: false,
        reuse: false,
        lanes: None,
        old: None,
        moves_only: false,
        seed: 2,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| anyhow!("{a} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--cards" => o.cards = value()?.parse().context("--cards")?,
            "--commits" => o.commits = value()?.parse().context("--commits")?,
            "--runs" => o.runs = value()?.parse().context("--runs")?,
            "--seed" => o.seed = value()?.parse().context("--seed")?,
            "--dir" => o.dir = Some(value()?.into()),
            "--lanes" => o.lanes = Some(value()?.into()),
            "--old" => o.old = Some(value()?.into()),
            "--keep" => o.keep = true,
            "--moves-only" => o.moves_only = true,
            "--reuse" => o.reuse = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if o.cards < 10 {
        bail!("--cards must be at least 10");
    }
    if o.runs == 0 {
        bail!("--runs must be at least 1");
    }
    if o.reuse && o.dir.is_none() {
        bail!("--reuse needs --dir PATH (a board generated earlier)");
    }
    Ok(o)
}

// ---------------------------------------------------------------------------
// Small helpers

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

// ---------------------------------------------------------------------------
// Hidden modes

/// The "minimal program": read board.yaml and every card file and parse each
/// into a `serde_yaml::Value`, on one thread, nothing else. Returns how many
/// card files it parsed.
fn read_and_parse(root: &Path) -> Result<usize> {
    let board = fs::read_to_string(root.join(store::BOARD_FILE))?;
    std::hint::black_box(serde_yaml::from_str::<Value>(&board)?);
    let mut n = 0;
    for entry in fs::read_dir(root.join(store::CARDS_DIR))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = fs::read_to_string(&path)?;
            let value: Value = serde_yaml::from_str(&text)
                .with_context(|| format!("cannot parse {}", path.display()))?;
            std::hint::black_box(value);
            n += 1;
        }
    }
    Ok(n)
}

fn baseline_only(dir: Option<&String>) -> Result<()> {
    let dir = dir.ok_or_else(|| anyhow!("--baseline-only needs the board folder"))?;
    let n = read_and_parse(Path::new(dir))?;
    println!("{n}");
    Ok(())
}

/// Run one command and print the peak resident memory of it (KiB): in a
/// fresh process, RUSAGE_CHILDREN then holds only that child.
fn rss_of(args: &[String]) -> Result<()> {
    let (prog, rest) = args
        .split_first()
        .ok_or_else(|| anyhow!("--rss-of needs a command"))?;
    time_cmd(Command::new(prog).args(rest))?;
    println!("{}", children_max_rss_kib()?);
    Ok(())
}

#[cfg(unix)]
fn children_max_rss_kib() -> Result<u64> {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid `who` and a valid pointer to a rusage.
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) } != 0 {
        bail!("getrusage failed: {}", std::io::Error::last_os_error());
    }
    let raw = ru.ru_maxrss as u64;
    // Linux reports KiB, macOS bytes.
    Ok(if cfg!(target_os = "macos") {
        raw / 1024
    } else {
        raw
    })
}

#[cfg(not(unix))]
fn children_max_rss_kib() -> Result<u64> {
    bail!("peak memory is measured with getrusage, which this platform lacks")
}

// ---------------------------------------------------------------------------
// Generating the board and its history

const AUTHORS: &[(&str, &str)] = &[
    ("Amira Haddad", "amira@example.com"),
    ("Ben Okafor", "ben@example.com"),
    ("Chen Wei", "chen@example.com"),
    ("Dana Kowalski", "dana@example.com"),
    ("Eli Marquez", "eli@example.com"),
    ("Farah Siddiqui", "farah@example.com"),
    ("Gus Lindqvist", "gus@example.com"),
    ("Hana Sato", "hana@example.com"),
    ("recsys-ci[bot]", "ci@example.com"),
];
const HANDLES: &[&str] = &[
    "amira", "ben", "chen", "dana", "eli", "farah", "gus", "hana",
];
const LABELS: &[&str] = &[
    "blocked",
    "needs-data",
    "needs-review",
    "quick-win",
    "stakeholder",
    "tech-debt",
];
const VERBS: &[&str] = &[
    "Evaluate",
    "Clean",
    "Backfill",
    "Profile",
    "Train",
    "Tune",
    "Ablate",
    "Benchmark",
    "Investigate",
    "Document",
    "Ship",
    "Monitor",
    "Compare",
    "Validate",
    "Rework",
];
const OBJECTS: &[&str] = &[
    "session-recency features",
    "clickstream dedup",
    "cold-start fallback",
    "hybrid recommender",
    "item embeddings",
    "weekend traffic drift",
    "hold-out split",
    "catalogue metadata join",
    "implicit feedback weights",
    "ALS baseline",
    "two-tower retrieval",
    "A/B test guardrails",
    "popularity prior",
    "bot-traffic filter",
    "add-to-cart metric",
    "content-based similarity",
];
const QUALIFIERS: &[&str] = &[
    "for mobile",
    "on EU traffic",
    "v2",
    "with a 90-day window",
    "(weekly retrain)",
    "for new users",
    "",
    "",
    "",
];
const METRICS: &[(&str, Direction, f64, f64)] = &[
    ("precision@10", Direction::Higher, 0.08, 0.3),
    ("recall@20", Direction::Higher, 0.15, 0.5),
    ("ndcg@10", Direction::Higher, 0.1, 0.45),
    ("add-to-cart rate", Direction::Higher, 0.02, 0.09),
    ("AUC", Direction::Higher, 0.6, 0.9),
    ("F1", Direction::Higher, 0.3, 0.8),
    ("MAE", Direction::Lower, 0.5, 1.2),
    ("p95 latency ms", Direction::Lower, 40.0, 180.0),
];
const MODELS: &[&str] = &[
    "lightgbm-ranker",
    "als-implicit",
    "two-tower-128d",
    "sasrec",
    "item-knn",
    "hybrid-blend",
];
const CHECKS: &[&str] = &[
    "Freeze the hold-out split",
    "Log the dataset hash with the run",
    "Review the results with the PM",
    "Check for leakage from post-purchase events",
    "Write up the results in the team doc",
    "Add the metric to the monitoring dashboard",
    "Re-run with three seeds",
    "Segment the results by new vs returning users",
];
const NOTES: &[&str] = &[
    "Baseline reproduced within 0.2 points of last quarter's number; the gap is the new dedup rule.",
    "Weekend traffic looks different again: sessions are longer and basket sizes smaller. Splitting the evaluation by weekday.",
    "Talked to the catalogue team: the category field is free text before March, so the content features are noisy for old items.",
    "Run finished overnight. Validation ndcg@10 is up, but the cold-start slice is flat; the gain comes from heavy users only.",
    "Blocked on access to the raw clickstream bucket; ticket filed with data platform.",
    "Found ~3% duplicate events from the mobile SDK retry logic. Dropping exact duplicates within 2 s.",
    "A/B test readout: +10% add-to-cart against a +15% target. Not enough to ship as is, but the direction is right.",
    "Hyperparameter sweep done (48 configs). Best config is in the run notes; learning rate matters more than depth.",
    "PM asked for a per-segment breakdown before the go/no-go meeting on Thursday.",
    "Bias review: recommendations for new users skew towards bestsellers; adding a diversity constraint to the candidate set.",
    "Drift alert fired on Saturday (PSI 0.27 on session length). Retrain scheduled, monitoring threshold kept.",
    "Pairing session with Chen on the feature pipeline; the join on item id was silently dropping bundles.",
];
const BODIES: &[&str] = &[
    "Context: the current recommender is a popularity baseline with manual overrides. We want a model that beats it on the business metric without hurting latency.",
    "Scope: only logged-in sessions from the last 90 days. Guest sessions are out until the identity stitching work lands.",
    "Open question: is add-to-cart the right proxy, or should we wait for purchase data (two weeks of delay)?",
    "Plan:\n1. reproduce the baseline on the frozen split\n2. add the new features one group at a time\n3. report each ablation against the same seeds",
    "Links: design doc in the team drive, dashboard 'recs-offline-eval', previous attempt in the 2024 archive board.",
];

/// When the generated history starts: 2025-01-06 09:00 UTC.
const START: i64 = 20_094 * 86_400 + 9 * 3600;

fn title(rng: &mut Rng) -> String {
    let q = *rng.pick(QUALIFIERS);
    let t = format!("{} {}", rng.pick(VERBS), rng.pick(OBJECTS));
    if q.is_empty() {
        t
    } else {
        format!("{t} {q}")
    }
}

/// A new card as it is first added at time `t`.
fn new_card(rng: &mut Rng, id: String, lane: &str, rank: String, t: i64) -> Card {
    let kind = match rng.below(100) {
        0..=44 => "task",
        45..=74 => "hypothesis",
        _ => "experiment",
    };
    let mut card = Card::new(id, title(rng), lane.to_string(), rank, kind.to_string());
    for _ in 0..rng.below(3) {
        let l = rng.pick(LABELS).to_string();
        if !card.labels.contains(&l) {
            card.labels.push(l);
        }
    }
    for _ in 0..1 + rng.below(2) {
        let a = rng.pick(HANDLES).to_string();
        if !card.assignees.contains(&a) {
            card.assignees.push(a);
        }
    }
    // Created up to three weeks before it was added, but not before the
    // board existed.
    let day = t.div_euclid(86_400);
    let created_day = day - rng.range(0, 20.min(day - START.div_euclid(86_400)));
    card.created = Some(date::format_date(created_day));
    if rng.chance(30) {
        card.due = Some(date::format_date(created_day + rng.range(7, 60)));
    }
    let (metric, direction, lo, hi) = *rng.pick(METRICS);
    if kind == "hypothesis" || (kind == "experiment" && rng.chance(50)) {
        let baseline = rng.float(lo, hi);
        let lift = rng.float(0.03, 0.2);
        let target = match direction {
            Direction::Higher => baseline * (1.0 + lift),
            Direction::Lower => baseline * (1.0 - lift),
        };
        card.hypothesis = Some(Box::new(Hypothesis {
            statement: Some(format!(
                "{} will move {metric} by at least {:.0}% against the current baseline on the frozen hold-out split, without hurting p95 latency.",
                rng.pick(OBJECTS),
                lift * 100.0
            )),
            metric: Some(metric.to_string()),
            direction: Some(direction),
            baseline: Some(num(baseline)),
            target: Some(num(target)),
            ..Default::default()
        }));
    }
    if kind == "experiment" {
        let mut runs = vec![format!("mlflow:{}", rng.hex(32))];
        if rng.chance(50) {
            runs.push(format!("wandb:recsys/{}", rng.hex(8)));
        }
        card.experiment = Some(Box::new(Experiment {
            runs,
            dataset: Some(format!(
                "s3://recs-data/clickstream/{}@v{}",
                date::format_date(created_day - 7),
                rng.range(1, 9)
            )),
            model: Some(rng.pick(MODELS).to_string()),
            commit: Some(rng.hex(12)),
            cost: Some(num(rng.float(0.5, 80.0))),
            ..Default::default()
        }));
    }
    if rng.chance(60) {
        let start = rng.below(CHECKS.len());
        for i in 0..1 + rng.below(4) {
            card.checklist.push(ChecklistItem {
                text: CHECKS[(start + i) % CHECKS.len()].to_string(),
                done: rng.chance(40),
                ..Default::default()
            });
        }
    }
    let entries = 1 + rng.below(3);
    let mut at = created_day * 86_400 + rng.range(8 * 3600, 18 * 3600);
    for _ in 0..entries {
        at = (at + rng.range(600, 86_400)).min(t - 1);
        card.journal.push(JournalEntry {
            at: date::format_timestamp(at),
            by: rng.pick(AUTHORS).0.to_string(),
            text: rng.pick(NOTES).to_string(),
            ..Default::default()
        });
    }
    if rng.chance(35) {
        card.body = Some(rng.pick(BODIES).to_string());
    }
    if rng.chance(3) {
        card.archived = true;
    }
    // Keep new cards at about 550..1000 bytes, so that later notes leave
    // them mostly within 500..1200.
    loop {
        let len = store::render_card(&card, None).len();
        if len > 1000 && card.body.is_some() {
            card.body = None;
        } else if len > 1000 && card.checklist.len() > 1 {
            card.checklist.pop();
        } else if len > 1000 && card.journal.len() > 1 {
            card.journal.pop();
        } else if len < 550 && card.checklist.len() < 4 {
            let text = CHECKS[(card.checklist.len() * 3 + rng.below(3)) % CHECKS.len()];
            card.checklist.push(ChecklistItem {
                text: text.to_string(),
                done: rng.chance(40),
                ..Default::default()
            });
        } else if len < 550 && card.body.is_none() {
            card.body = Some(rng.pick(BODIES).to_string());
        } else {
            break;
        }
    }
    card
}

fn message(subject: &str, body: &str, verb: &str, ids: &[&str]) -> String {
    let mut m = format!("{subject}\n\n");
    if !body.is_empty() {
        m.push_str(body);
        m.push_str("\n\n");
    }
    m.push_str(&format!("Lanes-Action: {verb}\n"));
    for i in ids {
        m.push_str(&format!("Lanes-Card: {i}\n"));
    }
    m
}

/// One commit in a `git fast-import` stream.
fn fi_commit(
    w: &mut impl Write,
    branch: &str,
    who: (&str, &str),
    t: i64,
    msg: &str,
    files: &[(String, &str)],
) -> std::io::Result<()> {
    writeln!(w, "commit {branch}")?;
    writeln!(w, "author {} <{}> {t} +0000", who.0, who.1)?;
    writeln!(w, "committer {} <{}> {t} +0000", who.0, who.1)?;
    writeln!(w, "data {}", msg.len())?;
    w.write_all(msg.as_bytes())?;
    writeln!(w)?;
    for (path, content) in files {
        writeln!(w, "M 100644 inline {path}")?;
        writeln!(w, "data {}", content.len())?;
        w.write_all(content.as_bytes())?;
        writeln!(w)?;
    }
    writeln!(w)
}

struct Generated {
    commits: usize,
    add_commits: usize,
    spread_used: bool,
    stream: Duration,
    checkout: Duration,
    total: Duration,
    sizes: (usize, usize, usize, f64),
}

struct Live {
    card: Card,
    text: String,
    lane: usize,
}

fn generate(root: &Path, o: &Opts) -> Result<Generated> {
    let start = Instant::now();
    fs::create_dir_all(root)?;
    git(root, &["init", "-q"])?;
    git(root, &["config", "user.name", "Bench Runner"])?;
    git(root, &["config", "user.email", "bench@example.com"])?;
    let branch = git(root, &["symbolic-ref", "HEAD"])?.trim().to_string();
    let template = lanes::templates::BUILTIN
        .iter()
        .find(|(n, _)| *n == "crisp-dm")
        .map(|(_, t)| *t)
        .ok_or_else(|| anyhow!("no crisp-dm template"))?;
    let config = store::parse_board(template.as_bytes())?;
    let lanes: Vec<String> = config.lanes.iter().map(|l| l.id.clone()).collect();
    let mut rng = Rng(o.seed);

    // Lanes and ranks: more cards in the middle phases.
    const WEIGHTS: [usize; 6] = [8, 12, 20, 30, 15, 15];
    let mut lane_of: Vec<usize> = (0..o.cards)
        .map(|_| {
            let mut x = rng.below(100);
            let mut l = 0;
            while l + 1 < lanes.len() && x >= WEIGHTS[l.min(5)] {
                x -= WEIGHTS[l.min(5)];
                l += 1;
            }
            l
        })
        .collect();
    rng.shuffle(&mut lane_of);
    let mut ranks_sorted: Vec<Vec<String>> = Vec::new();
    let mut spread_used = true;
    let mut rank_pool: Vec<std::vec::IntoIter<String>> = Vec::new();
    for l in 0..lanes.len() {
        let n = lane_of.iter().filter(|&&x| x == l).count();
        let ranks = lane_ranks(n);
        spread_used &= ranks == rank::spread(n);
        ranks_sorted.push(ranks.clone());
        let mut shuffled = ranks;
        rng.shuffle(&mut shuffled);
        rank_pool.push(shuffled.into_iter());
    }
    let mut seen = HashSet::new();
    let ids: Vec<String> = (0..o.cards)
        .map(|_| loop {
            let i = id::new_id();
            if seen.insert(i.clone()) {
                break i;
            }
        })
        .collect();

    // Commit plan: one board commit, about a tenth of the rest adding cards
    // in batches, every other commit changing one card.
    let want_adds = ((o.commits.saturating_sub(1)) / 10).clamp(1, o.cards);
    let batch = o.cards.div_ceil(want_adds);
    let add_commits = o.cards.div_ceil(batch);
    let changes = o.commits.saturating_sub(1 + add_commits);

    let mut fi = Command::new("git")
        .args(["fast-import", "--quiet", "--done"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("cannot start git fast-import")?;
    let stdin = fi
        .stdin
        .take()
        .ok_or_else(|| anyhow!("no stdin for git fast-import"))?;
    let mut w = BufWriter::with_capacity(1 << 20, stdin);
    let mut t = START;
    let mut step = |rng: &mut Rng| {
        t += rng.range(60, 1200);
        t
    };

    let board_text = template.to_string();
    let at = step(&mut rng);
    fi_commit(
        &mut w,
        &branch,
        AUTHORS[0],
        at,
        &message("lanes: init CRISP-DM board", "", "init", &[] as &[&str]),
        &[(store::BOARD_FILE.to_string(), &board_text)],
    )?;

    let mut live: Vec<Live> = Vec::with_capacity(o.cards);
    for (b, chunk) in (0..o.cards).collect::<Vec<_>>().chunks(batch).enumerate() {
        let at = step(&mut rng);
        let who = *rng.pick(AUTHORS);
        let mut files = Vec::with_capacity(chunk.len());
        for &i in chunk {
            let l = lane_of[i];
            let r = rank_pool[l]
                .next()
                .ok_or_else(|| anyhow!("ran out of ranks"))?;
            let card = new_card(&mut rng, ids[i].clone(), &lanes[l], r, at);
            let text = store::render_card(&card, None);
            live.push(Live {
                card,
                text,
                lane: l,
            });
        }
        let first = live.len() - chunk.len();
        for c in &live[first..] {
            files.push((store::card_path(&c.card.id), c.text.as_str()));
        }
        let card_ids: Vec<&str> = live[first..].iter().map(|c| c.card.id.as_str()).collect();
        let msg = message(
            &format!("lanes: add {} cards (import batch {})", chunk.len(), b + 1),
            "",
            "add",
            &card_ids,
        );
        fi_commit(&mut w, &branch, who, at, &msg, &files)?;
    }

    // Single-card changes, as lanes makes them (the library's splicing
    // writer renders each new version over the previous text).
    for _ in 0..changes {
        let at = step(&mut rng);
        let who = *rng.pick(AUTHORS);
        let i = loop {
            let i = rng.below(live.len());
            if !live[i].card.archived {
                break i;
            }
        };
        let mut card = live[i].card.clone();
        let roll = rng.below(100);
        let can_tick = card.checklist.iter().any(|c| !c.done);
        let can_decide = card
            .hypothesis
            .as_ref()
            .is_some_and(|h| h.verdict == Verdict::Open);
        let (verb, detail, body) = if roll < 45 {
            // Move to a neighbouring phase (mostly forward), at a random
            // position in that lane.
            let from = live[i].lane;
            let to = if from + 1 < lanes.len() && (rng.chance(70) || from == 0) {
                from + 1
            } else if from > 0 && rng.chance(60) {
                from - 1
            } else {
                (from + 1 + rng.below(lanes.len() - 1)) % lanes.len()
            };
            let old = &mut ranks_sorted[from];
            if let Ok(p) = old.binary_search(&card.rank) {
                old.remove(p);
            }
            let target = &mut ranks_sorted[to];
            let new_rank = loop {
                let p = rng.below(target.len() + 1);
                let lo = p.checked_sub(1).map(|q| target[q].as_str());
                let r = rank::between(lo, target.get(p).map(String::as_str));
                if rank::is_valid(&r) && target.binary_search(&r).is_err() {
                    break r;
                }
            };
            let p = target.binary_search(&new_rank).unwrap_or_else(|p| p);
            target.insert(p, new_rank.clone());
            card.rank = new_rank;
            card.lane = lanes[to].clone();
            live[i].lane = to;
            (
                "move",
                format!("{} -> {}", lanes[from], lanes[to]),
                String::new(),
            )
        } else if roll < 55 && can_tick {
            let item = card
                .checklist
                .iter_mut()
                .find(|c| !c.done)
                .ok_or_else(|| anyhow!("no open item"))?;
            item.done = true;
            ("edit", String::new(), "checklist: (updated)".to_string())
        } else if roll < 65 && can_decide {
            let h = card
                .hypothesis
                .as_mut()
                .ok_or_else(|| anyhow!("no hypothesis"))?;
            let base = h.baseline.as_ref().and_then(Value::as_f64).unwrap_or(0.2);
            let result = base * rng.float(0.9, 1.25);
            h.result = Some(num(result));
            h.verdict = *rng.pick(&[Verdict::Supported, Verdict::Refuted, Verdict::Inconclusive]);
            (
                "verdict",
                format!(
                    "{}, result {}",
                    h.verdict,
                    (result * 1000.0).round() / 1000.0
                ),
                String::new(),
            )
        } else {
            let text = rng.pick(NOTES).to_string();
            card.journal.push(JournalEntry {
                at: date::format_timestamp(at),
                by: who.0.to_string(),
                text: text.clone(),
                ..Default::default()
            });
            ("note", String::new(), text)
        };
        let text = store::render_card(&card, Some(&live[i].text));
        let msg = message(
            &lanes::ops::subject(verb, &card, &detail),
            &body,
            verb,
            &[card.id.as_str()],
        );
        fi_commit(
            &mut w,
            &branch,
            who,
            at,
            &msg,
            &[(store::card_path(&card.id), &text)],
        )?;
        live[i].card = card;
        live[i].text = text;
    }
    writeln!(w, "done")?;
    w.flush()?;
    drop(w);
    let status = fi.wait()?;
    if !status.success() {
        bail!("git fast-import failed ({status})");
    }
    let stream = start.elapsed();

    let t0 = Instant::now();
    git(root, &["reset", "-q", "--hard"])?;
    let checkout = t0.elapsed();
    if !git(root, &["status", "--porcelain"])?.is_empty() {
        bail!("the work tree does not match HEAD after checkout");
    }
    let lens: Vec<usize> = live.iter().map(|c| c.text.len()).collect();
    let total: usize = lens.iter().sum();
    let within = lens.iter().filter(|&&n| (500..=1200).contains(&n)).count();
    Ok(Generated {
        commits: 1 + add_commits + changes,
        add_commits,
        spread_used,
        stream,
        checkout,
        total: start.elapsed(),
        sizes: (
            lens.iter().copied().min().unwrap_or(0),
            total / lens.len().max(1),
            lens.iter().copied().max().unwrap_or(0),
            within as f64 * 100.0 / lens.len().max(1) as f64,
        ),
    })
}

// ---------------------------------------------------------------------------
// Finding the lanes binary

// ---------------------------------------------------------------------------
// The benchmark

struct Row {
    what: String,
    stats: Option<Stats>,
    value: Option<String>,
    target: String,
    pass: Option<bool>,
}

fn row(what: &str, s: Stats, target: &str, pass: Option<bool>) -> Row {
    Row {
        what: what.into(),
        stats: Some(s),
        value: None,
        target: target.into(),
        pass,
    }
}

fn value_row(what: &str, value: String, target: &str, pass: Option<bool>) -> Row {
    Row {
        what: what.into(),
        stats: None,
        value: Some(value),
        target: target.into(),
        pass,
    }
}

/// The floor a move is measured against: the same change made by hand.
/// Rewrite the card's lane and rank lines (at the bottom of the lane,
/// below the card lanes just moved there, so no two cards share a rank),
/// then `git add` and `git commit`.
fn git_floor(
    root: &Path,
    card: &Card,
    target: &str,
    moved: &str,
    bottom: &mut Option<String>,
) -> Result<Duration> {
    let rel = store::card_path(&card.id);
    let moved_rel = store::card_path(moved);
    let moved_rank = store::parse_card(&moved_rel, &fs::read(root.join(&moved_rel))?)?
        .card
        .rank;
    let lo = bottom.clone().into_iter().chain([moved_rank]).max();
    let new_rank = rank::between(lo.as_deref(), None);
    *bottom = Some(new_rank.clone());
    let rank_line = if new_rank.bytes().all(|b| b.is_ascii_digit()) {
        format!("rank: \"{new_rank}\"\n")
    } else {
        format!("rank: {new_rank}\n")
    };
    let t = Instant::now();
    let path = root.join(&rel);
    let text = fs::read_to_string(&path)?;
    let edited: String = text
        .lines()
        .map(|l| {
            if l.starts_with("lane: ") {
                format!("lane: {target}\n")
            } else if l.starts_with("rank: ") {
                rank_line.clone()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    fs::write(&path, edited)?;
    let msg = format!(
        "move {} {} ({} -> {target})",
        id::short(&card.id),
        card.title,
        card.lane
    );
    time_cmd(Command::new("git").args(["add", &rel]).current_dir(root))?;
    time_cmd(
        Command::new("git")
            .args(["commit", "-q", "-m", &msg])
            .current_dir(root),
    )?;
    Ok(t.elapsed())
}

fn head_count(root: &Path) -> Result<usize> {
    Ok(git(root, &["rev-list", "--count", "HEAD"])?
        .trim()
        .parse()?)
}

fn check_clean(root: &Path, after: &str) -> Result<()> {
    let s = git(root, &["status", "--porcelain"])?;
    if !s.is_empty() {
        bail!("`git status --porcelain` is not empty after {after}:\n{s}");
    }
    Ok(())
}

/// Peak RSS (KiB) of a command, measured in a fresh copy of this program;
/// the largest of three runs.
fn peak_rss(root: &Path, cmd: &[&Path], args: &[&str]) -> Result<u64> {
    let me = env::current_exe()?;
    let mut worst = 0;
    for _ in 0..3 {
        let out = output(
            Command::new(&me)
                .arg("--rss-of")
                .args(cmd)
                .args(args)
                .current_dir(root)
                .env_remove("LANES_BOARD"),
        )?;
        worst = worst.max(out.trim().parse::<u64>().context("rss output")?);
    }
    Ok(worst)
}

fn run(o: Opts) -> Result<()> {
    let lanes_bin = find_lanes(o.lanes.as_deref())?;
    let mut tmp = None;
    let root = match &o.dir {
        Some(d) => {
            let exists = d.join(store::BOARD_FILE).is_file();
            if o.reuse && !exists {
                bail!("--reuse: {} holds no generated board", d.display());
            }
            if !o.reuse && d.exists() && fs::read_dir(d)?.next().is_some() {
                bail!(
                    "{} is not empty; give a new or empty folder (or --reuse to measure a board generated there before)",
                    d.display()
                );
            }
            fs::create_dir_all(d)?;
            fs::canonicalize(d)?
        }
        None => {
            let t = tempfile::Builder::new().prefix("lanes-bench-").tempdir()?;
            let p = fs::canonicalize(t.path())?;
            tmp = Some(t);
            p
        }
    };
    let load_start = load_average();
    println!("lanes core benchmark (issue 2, section 7)");
    let mut command = String::from("cargo run --release --example bench_core --");
    if !o.reuse {
        command.push_str(&format!(" --cards {} --commits {}", o.cards, o.commits));
    }
    command.push_str(&format!(" --runs {}", o.runs));
    if let Some(d) = &o.dir {
        command.push_str(&format!(" --dir {}", d.display()));
    }
    if let Some(old) = &o.old {
        command.push_str(&format!(" --old {}", old.display()));
    }
    for (on, flag) in [
        (o.reuse, " --reuse"),
        (o.keep, " --keep"),
        (o.moves_only, " --moves-only"),
    ] {
        if on {
            command.push_str(flag);
        }
    }
    println!("command: {command}");
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        git(&root, &["--version"])
            .unwrap_or_else(|_| "git ?".into())
            .trim()
    );
    println!("board:   {}", root.display());
    let source = env!("CARGO_MANIFEST_DIR");
    let commit = output(Command::new("git").args(["-C", source, "rev-parse", "--short", "HEAD"]))
        .map(|c| c.trim().to_string())
        .unwrap_or_else(|_| "?".into());
    let dirty = output(Command::new("git").args([
        "-C",
        source,
        "status",
        "--porcelain",
        "--",
        "src",
        "Cargo.toml",
    ]))
    .map(|s| !s.is_empty())
    .unwrap_or(false);
    println!(
        "binary:  {} (lanes {} at commit {commit}{})",
        lanes_bin.display(),
        env!("CARGO_PKG_VERSION"),
        if dirty {
            " + uncommitted changes in src/"
        } else {
            ""
        }
    );

    let mut generated_at = None;
    if o.reuse {
        println!("reusing the board generated there earlier");
    } else {
        let g = generate(&root, &o)?;
        generated_at = Some(Instant::now());
        println!(
            "generated {} cards and {} commits ({} adding cards in batches, {} changing one card) in {} (cards + fast-import {}, checkout {})",
            o.cards,
            g.commits,
            g.add_commits,
            g.commits - 1 - g.add_commits,
            secs(g.total),
            secs(g.stream),
            secs(g.checkout)
        );
        println!(
            "card files: {} .. {} bytes, mean {}, {:.0}% within 500..1200",
            g.sizes.0, g.sizes.2, g.sizes.1, g.sizes.3
        );
        if !g.spread_used {
            println!("note: rank::spread(n) gives invalid ranks for lanes this size, so ranks were seeded by bisection with rank::between");
        }
    }

    // The board must load cleanly with the library, or the figures mean
    // nothing.
    let board = Board::load(&root)?;
    if let Some(p) = board.problems.first() {
        bail!(
            "the generated board has {} problems, first: {p}",
            board.problems.len()
        );
    }
    let n_cards = board.cards.len();
    let visible = board.cards.iter().filter(|c| !c.archived).count();
    println!(
        "loaded:  {n_cards} cards ({visible} not archived), HEAD has {} commits\n",
        head_count(&root)?
    );

    // The other binary, on a copy of the board (see the module's notes).
    let old = match &o.old {
        Some(bin) => {
            let bin = fs::canonicalize(bin).with_context(|| format!("--old {}", bin.display()))?;
            let copy = PathBuf::from(format!("{}-old", root.display()));
            let t = Instant::now();
            if copy.exists() {
                fs::remove_dir_all(&copy)?;
            }
            let st = Command::new("cp")
                .arg("-a")
                .arg(&root)
                .arg(&copy)
                .status()?;
            if !st.success() {
                bail!("cannot copy {} to {}", root.display(), copy.display());
            }
            println!(
                "old:     {} measured on a copy, {} (copied in {})\n",
                bin.display(),
                copy.display(),
                secs(t.elapsed())
            );
            Some((bin, copy))
        }
        None => None,
    };
    let old_bin = old.as_ref().map(|o| o.0.as_path());
    let old_root = old.as_ref().map(|o| o.1.as_path());
    // Both repositories, with the binary measured in each.
    let mut sides: Vec<(&Path, &Path)> = vec![(&lanes_bin, &root)];
    if let (Some(b), Some(r)) = (old_bin, old_root) {
        sides.push((b, r));
    }
    let lanes_in = |bin: &Path, dir: &Path, args: &[&str]| {
        let mut c = Command::new(bin);
        c.args(args).current_dir(dir).env_remove("LANES_BOARD");
        c
    };
    let lanes_cmd = |args: &[&str]| lanes_in(&lanes_bin, &root, args);
    let runs = o.runs;
    let mut rows = Vec::new();

    // a. lanes list --json: its output checked once, then timed together
    // with b. the minimal program (in process and as a process), c. cat,
    // and g. show and validate.
    let out = output(&mut lanes_cmd(&["list", "--json"]))?;
    let listed: serde_json::Value = serde_json::from_str(&out).context("list --json output")?;
    let count = listed.as_array().map_or(0, Vec::len);
    if count != visible {
        bail!("lanes list --json printed {count} cards, expected {visible}");
    }
    let me = env::current_exe()?;
    let mut rng = Rng(o.seed ^ 0x5eed);
    let mut show_ids: Vec<&str> = board.cards.iter().map(|c| c.id.as_str()).collect();
    rng.shuffle(&mut show_ids);
    let mut read_only: Vec<Step> = vec![
        Box::new(|_| time_cmd(&mut lanes_cmd(&["list", "--json"]))),
        Box::new(|_| time_cmd(Command::new(&me).arg("--baseline-only").arg(&root))),
        Box::new(|_| {
            let t = Instant::now();
            let n = read_and_parse(&root)?;
            let took = t.elapsed();
            if n != n_cards {
                bail!("the minimal program parsed {n} card files, expected {n_cards}");
            }
            Ok(took)
        }),
        Box::new(|_| {
            time_cmd(
                Command::new("sh")
                    .args(["-c", "cat .lanes/cards/*.yaml > /dev/null"])
                    .current_dir(&root),
            )
        }),
        Box::new(|i| {
            time_cmd(&mut lanes_cmd(&[
                "show",
                id::short(show_ids[i % show_ids.len()]),
            ]))
        }),
        Box::new(|_| time_cmd(&mut lanes_cmd(&["validate"]))),
    ];
    if let (Some(b), Some(r)) = (old_bin, old_root) {
        read_only.push(Box::new(move |_| {
            time_cmd(&mut lanes_in(b, r, &["list", "--json"]))
        }));
    }
    if o.moves_only {
        read_only.clear();
    }
    let s = measure(runs, read_only)?;
    let none = Stats::of(&mut [], &mut []);
    let at = |i: usize| s.get(i).copied().unwrap_or(none);
    let (list, baseline, in_process, cat, show, validate) =
        (at(0), at(1), at(2), at(3), at(4), at(5));
    let old_list = s.get(6).copied();
    let ratio = list.median.as_secs_f64() / baseline.median.as_secs_f64().max(1e-9);

    // d. lanes move, a different card each run, alternating target lanes,
    // interleaved with e. the same change made by hand: rewrite the card's
    // lane and rank lines, then `git add` and `git commit`. With --old, the
    // same two on the copy with the other binary.
    let targets = ["modeling", "evaluation"];
    let mut pool: Vec<&Card> = board.cards.iter().filter(|c| !c.archived).collect();
    rng.shuffle(&mut pool);
    let mut pool = pool.into_iter();
    let mut pick = |target: &str| -> Result<Card> {
        pool.by_ref()
            .find(|c| c.lane != target)
            .cloned()
            .ok_or_else(|| anyhow!("not enough cards to move"))
    };
    // Right after generation every card file is "racily clean" for lanes'
    // caches (changed less than 2 s before they were written), so the
    // first moves would re-read every card; wait that out, as any board
    // that was not checked out a moment ago would be.
    if let Some(t) = generated_at {
        std::thread::sleep(Duration::from_secs(3).saturating_sub(t.elapsed()));
    }
    // The first move after a checkout or clone builds the summary cache
    // (.git/lanes/index-v2) by reading every card: measured apart, for
    // information, by removing the cache before each of three moves.
    let mut cold_moved = Vec::new();
    let mut cold = Vec::new();
    for (bin, dir) in &sides {
        let before = head_count(dir)?;
        let (mut wall, mut cpu) = (Vec::new(), Vec::new());
        for i in 0..3 {
            let _ = fs::remove_file(
                store::cache::Scratch::in_git_dir(&dir.join(".git")).file(store::cache::SUMMARY),
            );
            let (card, target) = match cold_moved.get(i) {
                Some((c, t)) => (Card::clone(c), *t),
                None => (pick(targets[i % 2])?, targets[i % 2]),
            };
            let c = cpu_now();
            wall.push(time_cmd(&mut lanes_in(
                bin,
                dir,
                &["move", id::short(&card.id), target],
            ))?);
            cpu.push(cpu_now().saturating_sub(c));
            if cold_moved.len() <= i {
                cold_moved.push((card, target));
            }
        }
        cold.push(Stats::of(&mut wall, &mut cpu));
        if head_count(dir)? - before != 3 {
            bail!(
                "three lanes moves did not make three commits in {}",
                dir.display()
            );
        }
    }
    let mut to_move = Vec::new();
    let mut to_edit = Vec::new();
    for i in 0..=runs {
        to_move.push((pick(targets[i % 2])?, targets[i % 2]));
        to_edit.push((pick(targets[i % 2])?, targets[i % 2]));
    }
    let last_rank = |lane: &str| {
        board
            .lane_cards(lane)
            .map(|c| c.rank.clone())
            .filter(|r| !r.is_empty())
            .max()
    };
    let befores: Vec<usize> = sides
        .iter()
        .map(|(_, dir)| head_count(dir))
        .collect::<Result<_>>()?;
    let bottoms: Vec<std::cell::RefCell<[Option<String>; 2]>> = sides
        .iter()
        .map(|_| std::cell::RefCell::new([last_rank(targets[0]), last_rank(targets[1])]))
        .collect();
    let mut moves: Vec<Step> = Vec::new();
    for (k, (bin, dir)) in sides.iter().enumerate() {
        let (bin, dir) = (*bin, *dir);
        let (to_move, to_edit, bottoms, lanes_in) = (&to_move, &to_edit, &bottoms[k], &lanes_in);
        moves.push(Box::new(move |i| {
            let (card, target) = &to_move[i];
            time_cmd(&mut lanes_in(
                bin,
                dir,
                &["move", id::short(&card.id), target],
            ))
        }));
        moves.push(Box::new(move |i| {
            let (card, target) = &to_edit[i];
            let moved = &to_move[i].0.id;
            git_floor(dir, card, target, moved, &mut bottoms.borrow_mut()[i % 2])
        }));
    }
    let s = measure(runs, moves)?;
    let (mv, git_cli) = (s[0], s[1]);
    let old_moves = (s.len() == 4).then(|| (s[2], s[3]));
    for ((_, dir), before) in sides.iter().zip(befores) {
        // Each lanes move made exactly one commit, and so did each git
        // commit.
        let advanced = head_count(dir)? - before;
        let lanes_commits = git(
            dir,
            &[
                "log",
                "--format=%(trailers:key=Lanes-Action,valueonly)",
                &format!("-{advanced}"),
            ],
        )?
        .lines()
        .filter(|l| l.trim() == "move")
        .count();
        if advanced != 2 * (runs + 1) || lanes_commits != runs + 1 {
            bail!(
                "in {}, HEAD advanced by {advanced} commits, {lanes_commits} of them by lanes, over {} lanes moves and {} git commits",
                dir.display(),
                runs + 1,
                runs + 1
            );
        }
        check_clean(dir, "lanes move and git commit")?;
        let after = Board::load(dir)?;
        for (card, lane) in to_move.iter().chain(&to_edit).chain(&cold_moved) {
            if after.card(&card.id).map(|c| c.lane.as_str()) != Some(*lane) {
                bail!(
                    "card {} is not in {lane} after its move in {}",
                    card.id,
                    dir.display()
                );
            }
        }
        if let Some(p) = after.problems.first() {
            bail!("the board has problems after the moves, first: {p}");
        }
    }
    // Peak memory of a move, on each side: three more moves (to the top
    // of the lane each card is in), each measured from a fresh small
    // process (a child of this one would count this one's memory).
    let mut rss_move = Vec::new();
    for (bin, dir) in &sides {
        let mut worst = 0;
        for (card, target) in to_move.iter().take(3) {
            let out = output(
                Command::new(&me)
                    .arg("--rss-of")
                    .arg(bin)
                    .args(["move", id::short(&card.id), target, "--top"])
                    .current_dir(dir)
                    .env_remove("LANES_BOARD"),
            )?;
            worst = worst.max(out.trim().parse::<u64>().context("rss output")?);
        }
        rss_move.push(worst);
    }

    // f. Peak memory.
    let (rss_list, rss_base) = if o.moves_only {
        (0, 0)
    } else {
        (
            peak_rss(&root, &[&lanes_bin], &["list", "--json"])?,
            peak_rss(&root, &[&me], &["--baseline-only", &root.to_string_lossy()])?,
        )
    };

    if !o.moves_only {
        rows.push(row(
            "lanes list --json",
            list,
            "< 150 ms",
            Some(list.median < Duration::from_millis(150)),
        ));
        if let Some(ol) = old_list {
            rows.push(row("  the same, old binary", ol, "", None));
            rows.push(value_row(
                "  new / old (medians)",
                format!(
                    "{:.2}x",
                    list.median.as_secs_f64() / ol.median.as_secs_f64()
                ),
                "<= 1.05x",
                Some(list.median.as_secs_f64() <= 1.05 * ol.median.as_secs_f64()),
            ));
        }
        rows.push(row("minimal read+parse, process", baseline, "", None));
        rows.push(row("minimal read+parse, in-process", in_process, "", None));
        rows.push(value_row(
            "list / minimal (process, medians)",
            format!("{ratio:.2}x"),
            "<= 2x",
            Some(ratio <= 2.0),
        ));
        rows.push(row("cat .lanes/cards/*.yaml", cat, "", None));
    }
    rows.push(row("lanes move (incl. commit)", mv, "", None));
    rows.push(row(
        "sed + git add + git commit (same change)",
        git_cli,
        "",
        None,
    ));
    let floor_ratio = |a: Stats, b: Stats| a.median.as_secs_f64() / b.median.as_secs_f64();
    rows.push(value_row(
        "move / git floor (medians)",
        format!("{:.2}x", floor_ratio(mv, git_cli)),
        "<= 0.35x",
        Some(floor_ratio(mv, git_cli) <= 0.35),
    ));
    rows.push(value_row(
        "peak RSS, lanes move",
        format!("{:.1} MiB", rss_move[0] as f64 / 1024.0),
        "< 64 MiB",
        Some(rss_move[0] < 64 * 1024),
    ));
    if let Some((old_mv, old_git)) = old_moves {
        rows.push(row("  lanes move, old binary", old_mv, "", None));
        rows.push(row("  git floor, on its copy", old_git, "", None));
        rows.push(value_row(
            "  old move / git floor (medians)",
            format!("{:.2}x", floor_ratio(old_mv, old_git)),
            "",
            None,
        ));
        rows.push(value_row(
            "  peak RSS, old lanes move",
            format!("{:.1} MiB", rss_move[1] as f64 / 1024.0),
            "",
            None,
        ));
    }
    rows.push(row(
        "lanes move, no summary cache (3 runs)",
        cold[0],
        "",
        None,
    ));
    if let Some(c) = cold.get(1) {
        rows.push(row("  the same, old binary", *c, "", None));
    }
    if !o.moves_only {
        rows.push(value_row(
            "peak RSS, lanes list --json",
            format!("{:.1} MiB", rss_list as f64 / 1024.0),
            "< 50 MiB",
            Some(rss_list < 50 * 1024),
        ));
        rows.push(value_row(
            "peak RSS, minimal read+parse",
            format!("{:.1} MiB", rss_base as f64 / 1024.0),
            "",
            None,
        ));
        rows.push(row("lanes show <id>", show, "", None));
        rows.push(row("lanes validate", validate, "", None));
    }

    println!(
        "{:<38} {:>10} {:>10} {:>10}   {:<9} result",
        format!("{runs} runs after a warm-up, interleaved"),
        "median",
        "min",
        "cpu",
        "target"
    );
    println!("{}", "-".repeat(89));
    for r in &rows {
        let (a, b, c) = match (&r.value, r.stats) {
            (Some(v), _) => (v.clone(), String::new(), String::new()),
            (None, Some(s)) => (ms(s.median), ms(s.min), ms(s.cpu)),
            _ => Default::default(),
        };
        let verdict = match r.pass {
            Some(true) => "PASS",
            Some(false) => "MISS",
            None => "",
        };
        println!(
            "{:<38} {a:>10} {b:>10} {c:>10}   {:<9} {verdict}",
            r.what, r.target
        );
    }
    println!(
        "\n{} of {} targets met. Checked: list --json printed all {visible} cards; over the interleaved moves HEAD advanced by exactly {} commits in each repository ({} lanes moves + {} git commits; the 3 uncached moves were checked apart), every moved card is in its new lane, and `git status --porcelain` is empty.",
        rows.iter().filter(|r| r.pass == Some(true)).count(),
        rows.iter().filter(|r| r.pass.is_some()).count(),
        2 * (runs + 1),
        runs + 1,
        runs + 1
    );
    println!(
        "load average: {} at start, {} at end",
        load_start,
        load_average()
    );

    match tmp {
        Some(t) if o.keep => {
            let p = t.keep();
            println!("kept {}", p.display());
        }
        Some(t) => {
            println!("removing {} (use --keep to keep it)", root.display());
            drop(t);
        }
        None => println!("kept {}", root.display()),
    }
    Ok(())
}
