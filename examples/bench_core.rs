//! Benchmark of the core commands on a generated board (issue 2, section 7).
//!
//! ```text
//! cargo run --release --example bench_core -- [--cards 10000] [--commits 10000]
//!     [--dir PATH] [--runs 15] [--keep] [--reuse] [--lanes PATH] [--old PATH]
//!     [--moves-only] [--seed N]
//! ```
//!
//! It creates a git repository holding a CRISP-DM board of `--cards` cards
//! (from the examples' one generator, `bench_common::board`: rendered by the
//! library's own canonical writer, so they look exactly like real ones) and
//! a history of `--commits` commits streamed through `git fast-import`:
//! first commits add the cards in batches, every later commit moves,
//! annotates, ticks, labels, costs, decides or archives one card, as
//! `lanes` would.
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
use bench_common::board::{self, Live, Ranks, Spec, AUTHORS};
use bench_common::{
    cpu_now, find_lanes, git, load_average, measure, ms, output, time_cmd, Common, Rng, Stats,
    Step, Uses,
};
use clap::Parser;
use lanes::model::{id, rank, Card};
use lanes::store::{self, Board};
use serde_yaml::Value;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// Benchmark of the core commands on a generated board and history.
#[derive(Parser, Debug)]
#[command(name = "bench_core", args_conflicts_with_subcommands = true)]
struct Opts {
    #[command(flatten)]
    common: Common,
    /// Commits in the generated history.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    commits: usize,
    /// Measure the moves and their floor alone (on 100,000 cards the
    /// whole-board reads take minutes).
    #[arg(long)]
    moves_only: bool,
    #[command(subcommand)]
    hidden: Option<Hidden>,
}

/// Modes used by running this program again.
#[derive(clap::Subcommand, Debug)]
enum Hidden {
    /// Read and parse the board's files, nothing else: the baseline.
    #[command(hide = true)]
    BaselineOnly { dir: PathBuf },
    /// Run a command and print its peak resident memory (KiB).
    #[command(hide = true)]
    RssOf {
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
}

fn main() -> ExitCode {
    let o: Opts = bench_common::parse(
        Uses {
            defaults: &[("runs", "15"), ("seed", "2")],
            unused: &[],
            ..Default::default()
        },
        &[],
    );
    let result = match &o.hidden {
        Some(Hidden::BaselineOnly { dir }) => baseline_only(dir),
        Some(Hidden::RssOf { command }) => rss_of(command),
        None => check(&o).and_then(|()| run(o)),
    };
    bench_common::finish("bench_core", result)
}

fn check(o: &Opts) -> Result<()> {
    if o.common.cards < 10 {
        bail!("--cards must be at least 10");
    }
    if o.common.runs == 0 {
        bail!("--runs must be at least 1");
    }
    Ok(())
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

fn baseline_only(dir: &Path) -> Result<()> {
    let n = read_and_parse(dir)?;
    println!("{n}");
    Ok(())
}

/// Run one command and print the peak resident memory of it (KiB): in a
/// fresh process, RUSAGE_CHILDREN then holds only that child.
fn rss_of(args: &[String]) -> Result<()> {
    let (prog, rest) = args
        .split_first()
        .ok_or_else(|| anyhow!("rss-of needs a command"))?;
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
// Generating the board and its history (with bench_common::board)

/// When the generated history starts: 2025-01-06 09:00 UTC.
const START: i64 = 20_094 * 86_400 + 9 * 3600;

struct Generated {
    commits: usize,
    add_commits: usize,
    spread_used: bool,
    stream: Duration,
    checkout: Duration,
    total: Duration,
    sizes: (usize, usize, usize, f64),
}

/// The repository: one commit creating the board, about a tenth of the
/// rest adding the cards in batches, every other commit changing one card
/// as lanes would.
fn generate(root: &Path, o: &Opts) -> Result<Generated> {
    let start = Instant::now();
    let cards = o.common.cards;
    board::init_repo(root)?;
    let (template, lanes) = board::crisp_dm()?;
    let mut rng = Rng(o.common.seed);

    // Lanes and ranks: more cards in the middle phases, each lane's ranks
    // handed out in a random order (adding order is not rank order).
    let lane_of = board::lanes_by_weight(&mut rng, cards, &[8, 12, 20, 30, 15, 15]);
    let counts: Vec<usize> = (0..lanes.len())
        .map(|l| lane_of.iter().filter(|&&x| x == l).count())
        .collect();
    let mut ranks = Ranks::new(&counts);
    let spread_used = counts
        .iter()
        .enumerate()
        .all(|(l, &n)| ranks.lane(l) == rank::spread(n));
    let mut rank_pool: Vec<std::vec::IntoIter<String>> = (0..lanes.len())
        .map(|l| {
            let mut shuffled = ranks.lane(l).to_vec();
            rng.shuffle(&mut shuffled);
            shuffled.into_iter()
        })
        .collect();
    let ids = board::ids(&mut rng, cards);

    // Commit plan: one board commit, about a tenth of the rest adding cards
    // in batches, every other commit changing one card.
    let want_adds = ((o.commits.saturating_sub(1)) / 10).clamp(1, cards);
    let batch = cards.div_ceil(want_adds);
    let add_commits = cards.div_ceil(batch);
    let changes = o.commits.saturating_sub(1 + add_commits);

    let mut fi = board::FastImport::start(root)?;
    let mut t = START;
    let mut step = |rng: &mut Rng| {
        t += rng.range(60, 1200);
        t
    };
    let at = step(&mut rng);
    fi.commit(
        AUTHORS[0],
        at,
        &board::message("lanes: init CRISP-DM board", "", "init", &[]),
        &[(store::BOARD_FILE.to_string(), template)],
    )?;

    let mut live: Vec<Live> = Vec::with_capacity(cards);
    for (b, chunk) in (0..cards).collect::<Vec<_>>().chunks(batch).enumerate() {
        let at = step(&mut rng);
        let who = *rng.pick(AUTHORS);
        let first = live.len();
        for &i in chunk {
            let l = lane_of[i];
            let rank = rank_pool[l]
                .next()
                .ok_or_else(|| anyhow!("ran out of ranks"))?;
            // Created up to three weeks before it was added, but not
            // before the board existed.
            let day = at.div_euclid(86_400);
            let created = day - rng.range(0, 20.min(day - START.div_euclid(86_400)));
            let spec = Spec {
                id: ids[i].clone(),
                lane: &lanes[l],
                rank,
                kind: None,
                created,
                before: at,
            };
            live.push(Live::new(board::card(&mut rng, spec), l));
        }
        let files: Vec<(String, &str)> = live[first..]
            .iter()
            .map(|c| (store::card_path(&c.card.id), c.text.as_str()))
            .collect();
        let card_ids: Vec<&str> = live[first..].iter().map(|c| c.card.id.as_str()).collect();
        let msg = board::message(
            &format!("lanes: add {} cards (import batch {})", chunk.len(), b + 1),
            "",
            "add",
            &card_ids,
        );
        fi.commit(who, at, &msg, &files)?;
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
        let c = board::change(&mut rng, &mut live[i], &lanes, &mut ranks, at, who.0, false)?;
        let card = &live[i].card;
        let msg = board::message(
            &lanes::ops::subject(c.verb, card, &c.detail),
            &c.body,
            c.verb,
            &[card.id.as_str()],
        );
        fi.commit(
            who,
            at,
            &msg,
            &[(store::card_path(&card.id), live[i].text.as_str())],
        )?;
    }
    fi.finish()?;
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
                .arg("rss-of")
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
    let c = &o.common;
    let lanes_bin = find_lanes(c.lanes.as_deref())?;
    let (root, tmp) = c.folder("lanes-bench-")?;
    let load_start = load_average();
    println!("lanes core benchmark (issue 2, section 7)");
    let mut command = String::from("cargo run --release --example bench_core --");
    if !c.reuse {
        command.push_str(&format!(" --cards {} --commits {}", c.cards, o.commits));
    }
    command.push_str(&format!(" --runs {}", c.runs));
    if let Some(d) = &c.dir {
        command.push_str(&format!(" --dir {}", d.display()));
    }
    if let Some(old) = &c.old {
        command.push_str(&format!(" --old {}", old.display()));
    }
    for (on, flag) in [
        (c.reuse, " --reuse"),
        (c.keep, " --keep"),
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
    if c.reuse {
        println!("reusing the board generated there earlier");
    } else {
        let g = generate(&root, &o)?;
        generated_at = Some(Instant::now());
        println!(
            "generated {} cards and {} commits ({} adding cards in batches, {} changing one card) in {} (cards + fast-import {}, checkout {})",
            c.cards,
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
    let old = match &c.old {
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
    let runs = c.runs;
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
    let mut rng = Rng(c.seed ^ 0x5eed);
    let mut show_ids: Vec<&str> = board.cards.iter().map(|c| c.id.as_str()).collect();
    rng.shuffle(&mut show_ids);
    let mut read_only: Vec<Step> = vec![
        Box::new(|_| time_cmd(&mut lanes_cmd(&["list", "--json"]))),
        Box::new(|_| time_cmd(Command::new(&me).arg("baseline-only").arg(&root))),
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
                    .arg("rss-of")
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
            peak_rss(&root, &[&me], &["baseline-only", &root.to_string_lossy()])?,
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
        Some(t) if c.keep => {
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
