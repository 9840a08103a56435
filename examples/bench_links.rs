//! Benchmark of how research work connects (issue 25): `lanes ready` and
//! `lanes list --blocked` on a board of many linked cards, against
//! `lanes list --json` on the same board; `lanes link` against
//! `lanes move` on a board of 10,000 cards; the board screen's first
//! frame with links against the same board without.
//!
//! ```text
//! cargo run --release --example bench_links -- [--cards 20000] [--links 30000]
//!     [--link-cards 10000] [--runs 15] [--dir PATH] [--keep] [--lanes PATH] [--seed 25]
//!     [--frame-only]
//! ```
//!
//! It generates two boards (research-kanban, seeded ids and lanes from
//! `bench_common::board`, cards rendered by the library's own writer,
//! committed with `git fast-import`) in `--dir/big` and `--dir/small` (or a
//! temporary folder, removed unless `--keep`): `--cards`
//! cards with `--links` links (`depends_on` on earlier cards, so no
//! cycle; some parents, supersedes and relates; hypotheses with verdicts,
//! a done lane), and `--link-cards` cards for the write comparison. Then
//! it times the release `lanes` binary (median and min over `--runs` runs
//! after a warm-up, the compared commands interleaved in each round):
//!
//! - warm: the card cache in place, as after any earlier command;
//! - cold: the card cache (`.git/lanes/cards-v1`) removed before every
//!   run, so every card file is read and parsed (the files themselves stay
//!   in the page cache: no root here to drop it);
//! - `lanes link` (a new `depends_on` each run) against `lanes move`
//!   (another card each run), both committing;
//! - the board screen, on the `--cards` board and on the same cards
//!   generated without a link (`--dir/plain`), interleaved: the first
//!   frame as `lanes` draws it (`Board::load_top` for the terminal's
//!   rows, which works out the whole board's links index from every
//!   card's head, `App::new`, one draw into ratatui's `TestBackend`) at
//!   160x50 and at 80x24, each timed twice: in a fresh process (this
//!   benchmark run again with a hidden `--one-frame PATH`, wall and CPU
//!   time of the whole process: what a user starting `lanes` waits for),
//!   and repeated inside this warm process (heap and caches reused
//!   between frames, so it weighs what a frame allocates differently);
//!   the worker's full reload (`Board::load_linked` + `App::on_loaded`);
//!   drawing one frame while the selection moves. `--frame-only` measures
//!   only these.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

#[path = "bench_common/mod.rs"]
mod bench_common;

use anyhow::{anyhow, bail, Result};
use bench_common::board::{self, FastImport};
use bench_common::{
    find_lanes, git, load_average, measure, ms, time_cmd, Common, Rng, Stats, Step, Uses,
};
use clap::Parser;
use lanes::model::{id, Card, Hypothesis, Verdict};
use lanes::store::{self, Board};
use lanes::tui::app::App;
use lanes::tui::keymap::Keymap;
use lanes::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use std::fs;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// Benchmark of `lanes ready`, `lanes list --blocked` and `lanes link` on
/// generated boards of linked cards.
#[derive(Parser, Debug)]
#[command(name = "bench_links")]
struct Opts {
    #[command(flatten)]
    common: Common,
    /// Links on the board of `--cards` cards.
    #[arg(long, value_name = "N", default_value_t = 30_000)]
    links: usize,
    /// Cards on the board `lanes link` and `lanes move` are timed on (with
    /// half as many links again).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    link_cards: usize,
    /// Measure only the board screen (first frame, reload, drawing), with
    /// links and without.
    #[arg(long)]
    frame_only: bool,
    /// Draw the first frame of this board once and exit: what the
    /// fresh-process rows time (this benchmark runs itself with it).
    #[arg(long, value_name = "PATH", hide = true)]
    one_frame: Option<std::path::PathBuf>,
    /// The terminal of `--one-frame`, `WIDTHxHEIGHT`.
    #[arg(long, value_name = "WxH", hide = true, default_value = "160x50")]
    one_frame_size: String,
}

fn main() -> ExitCode {
    let o: Opts = bench_common::parse(
        Uses {
            defaults: &[("cards", "20000"), ("runs", "15"), ("seed", "25")],
            unused: &["reuse", "old"],
            ..Default::default()
        },
        &[],
    );
    if let Some(root) = &o.one_frame {
        let size = o
            .one_frame_size
            .split_once('x')
            .and_then(|(w, h)| Some((w.parse::<u16>().ok()?, h.parse::<u16>().ok()?)));
        let done = match size {
            Some((w, h)) => first_frame(root, w, h).map(drop),
            None => Err(anyhow!(
                "--one-frame-size: not WIDTHxHEIGHT: {}",
                o.one_frame_size
            )),
        };
        return bench_common::finish("bench_links", done);
    }
    bench_common::finish("bench_links", check(&o).and_then(|()| run(o)))
}

fn check(o: &Opts) -> Result<()> {
    if o.common.cards < 10 || o.link_cards < 10 || o.common.runs == 0 {
        bail!("--cards and --link-cards need at least 10 cards, --runs at least 1");
    }
    Ok(())
}

/// What a generated board holds.
struct Generated {
    ids: Vec<String>,
    took: Duration,
}

/// A research-kanban board of `n` cards with `links` links, committed in
/// one commit through `git fast-import`.
fn generate(root: &Path, n: usize, links: usize, seed: u64) -> Result<Generated> {
    let start = Instant::now();
    board::init_repo(root)?;
    let template = lanes::templates::BUILTIN
        .iter()
        .find(|(name, _)| *name == "research-kanban")
        .map(|(_, t)| *t)
        .ok_or_else(|| anyhow!("no research-kanban template"))?;
    let config = store::parse_board(template.as_bytes())?;
    let lanes: Vec<&str> = config.lanes.iter().map(|l| l.id.as_str()).collect();
    let mut rng = Rng(seed);
    let ids = board::ids(&mut rng, n);
    // Lanes: backlog and the middle heavy, a fifth done.
    let lane_of = board::lanes_by_weight(&mut rng, n, &[30, 15, 20, 15, 20][..lanes.len().min(5)]);
    let mut ranks: Vec<std::vec::IntoIter<String>> = (0..lanes.len())
        .map(|l| {
            let mut r = board::lane_ranks(lane_of.iter().filter(|&&x| x == l).count());
            rng.shuffle(&mut r);
            r.into_iter()
        })
        .collect();
    let mut cards: Vec<Card> = (0..n)
        .map(|i| {
            let l = lane_of[i];
            let rank = ranks[l].next().unwrap_or_else(|| "m".into());
            let kind = if rng.chance(30) { "hypothesis" } else { "task" };
            let mut c = Card::new(
                ids[i].clone(),
                format!("Card {i} of the generated board"),
                lanes[l].to_string(),
                rank,
                kind.to_string(),
            );
            c.created = Some("2026-01-05".into());
            if rng.chance(20) {
                c.labels = vec!["needs-data".into()];
            }
            if rng.chance(40) {
                c.assignees = vec![["ana", "bo", "cy"][rng.below(3)].into()];
            }
            if kind == "hypothesis" {
                let verdict = match rng.below(10) {
                    0 => Verdict::Refuted,
                    1 | 2 => Verdict::Supported,
                    _ => Verdict::Open,
                };
                c.hypothesis = Some(Box::new(Hypothesis {
                    statement: Some("A change that should move the metric".into()),
                    metric: Some("ndcg@10".into()),
                    verdict,
                    ..Default::default()
                }));
            }
            c
        })
        .collect();
    // Links: depends_on on an earlier card (a DAG: no cycle), a few
    // parents, supersedes and relates.
    let mut made = 0;
    while made < links {
        let i = 1 + rng.below(n - 1);
        let j = rng.below(i);
        let roll = rng.below(100);
        let (a, b) = (&ids[j], &mut cards[i]);
        let added = if roll < 80 {
            b.add_link(lanes::model::links::Kind::DependsOn, a)
        } else if roll < 88 && b.parent.is_none() {
            b.add_link(lanes::model::links::Kind::Parent, a)
        } else if roll < 94 {
            b.add_link(lanes::model::links::Kind::Supersedes, a)
        } else {
            b.add_link(lanes::model::links::Kind::Relates, a)
        };
        made += usize::from(added);
    }
    let mut files: Vec<(String, String)> =
        vec![(store::BOARD_FILE.to_string(), template.to_string())];
    files.extend(
        cards
            .iter()
            .map(|c| (store::card_path(&c.id), store::render_card(c, None))),
    );
    let files: Vec<(String, &str)> = files.iter().map(|(p, t)| (p.clone(), t.as_str())).collect();
    let mut fi = FastImport::start(root)?;
    fi.commit(
        ("Bench Runner", "bench@example.com"),
        1_767_600_000,
        "lanes: generated board\n\nLanes-Action: init\n",
        &files,
    )?;
    fi.finish()?;
    git(root, &["reset", "-q", "--hard"])?;
    Ok(Generated {
        ids,
        took: start.elapsed(),
    })
}

fn row(what: &str, s: &Stats) -> String {
    format!(
        "| {what} | {} ({}) | {} CPU |",
        ms(s.median),
        ms(s.min),
        ms(s.cpu)
    )
}

/// The board screen's first frame as `lanes` draws it: the top of each
/// lane (the whole board's links index from every card's head), the
/// app, one draw.
fn first_frame(root: &Path, w: u16, h: u16) -> Result<Duration> {
    let start = Instant::now();
    let board = Board::load_top(root, usize::from(h).max(24))?;
    let mut app = App::new(
        root.to_path_buf(),
        board,
        Keymap::default(),
        Theme::default(),
    );
    app.resize(w, h);
    let mut t = Terminal::new(TestBackend::new(w, h))?;
    t.draw(|f| lanes::tui::view::draw(f, &app))?;
    Ok(start.elapsed())
}

/// The board screen's first frame as a user gets it when `lanes` starts:
/// in a process of its own (this benchmark run again with `--one-frame`),
/// its heap and caches new, the wall time of the whole process. The CPU
/// time [`measure`] takes includes the waited-for process's.
fn first_frame_fresh(root: &Path, w: u16, h: u16) -> Result<Duration> {
    let start = Instant::now();
    let status = Command::new(std::env::current_exe()?)
        .arg("--one-frame")
        .arg(root)
        .arg("--one-frame-size")
        .arg(format!("{w}x{h}"))
        .status()?;
    let took = start.elapsed();
    if !status.success() {
        bail!(
            "drawing the first frame of {} failed: {status}",
            root.display()
        );
    }
    Ok(took)
}

/// The worker's full reload and the app taking it in.
fn full_reload(app: &mut App, root: &Path) -> Result<Duration> {
    let start = Instant::now();
    let board = Board::load_linked(root)?;
    app.on_loaded(board);
    Ok(start.elapsed())
}

/// Median time to draw one 160x50 frame while the selection moves down
/// each lane and across.
fn frame_draws(root: &Path) -> Result<Duration> {
    let mut app = App::new(
        root.to_path_buf(),
        Board::load_linked(root)?,
        Keymap::default(),
        Theme::default(),
    );
    app.resize(160, 50);
    let mut t = Terminal::new(TestBackend::new(160, 50))?;
    let mut times = Vec::new();
    for i in 0..220 {
        let c = if i % 40 == 39 { 'l' } else { 'j' };
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        let start = Instant::now();
        t.draw(|f| lanes::tui::view::draw(f, &app))?;
        if i >= 20 {
            times.push(start.elapsed());
        }
    }
    Ok(bench_common::median(&mut times))
}

/// The board screen on `big` (linked) against `plain` (the same cards,
/// no links), interleaved.
fn screen(big: &Path, plain: &Path, runs: usize) -> Result<()> {
    let steps: Vec<Step> = vec![
        Box::new(|_| first_frame(plain, 160, 50)),
        Box::new(|_| first_frame(big, 160, 50)),
        Box::new(|_| first_frame(plain, 80, 24)),
        Box::new(|_| first_frame(big, 80, 24)),
    ];
    let frames = measure(runs, steps)?;
    let steps: Vec<Step> = vec![
        Box::new(|_| first_frame_fresh(plain, 160, 50)),
        Box::new(|_| first_frame_fresh(big, 160, 50)),
        Box::new(|_| first_frame_fresh(plain, 80, 24)),
        Box::new(|_| first_frame_fresh(big, 80, 24)),
    ];
    let fresh = measure(runs, steps)?;
    let mut plain_app = App::new(
        plain.to_path_buf(),
        Board::load(plain)?,
        Keymap::default(),
        Theme::default(),
    );
    let mut big_app = App::new(
        big.to_path_buf(),
        Board::load(big)?,
        Keymap::default(),
        Theme::default(),
    );
    let steps: Vec<Step> = vec![
        Box::new(|_| full_reload(&mut plain_app, plain)),
        Box::new(|_| full_reload(&mut big_app, big)),
    ];
    let reloads = measure(runs.min(9), steps)?;
    let draws = [frame_draws(plain)?, frame_draws(big)?];
    let ratio = |a: &Stats, b: &Stats| a.median.as_secs_f64() / b.median.as_secs_f64();
    let cpu_ratio = |a: &Stats, b: &Stats| a.cpu.as_secs_f64() / b.cpu.as_secs_f64();
    println!("| board screen | without links | with links | ratio (CPU) |\n|---|---|---|---|");
    let rows = [
        ("first frame, 160x50, fresh process", &fresh, 0),
        ("first frame, 80x24, fresh process", &fresh, 2),
        ("first frame, 160x50, in a warm process", &frames, 0),
        ("first frame, 80x24, in a warm process", &frames, 2),
    ];
    for (what, s, k) in rows {
        println!(
            "| {what} | {} ({}), {} CPU | {} ({}), {} CPU | {:.2}x ({:.2}x) |",
            ms(s[k].median),
            ms(s[k].min),
            ms(s[k].cpu),
            ms(s[k + 1].median),
            ms(s[k + 1].min),
            ms(s[k + 1].cpu),
            ratio(&s[k + 1], &s[k]),
            cpu_ratio(&s[k + 1], &s[k])
        );
    }
    println!(
        "| full reload (worker + app) | {} ({}), {} CPU | {} ({}), {} CPU | {:.2}x ({:.2}x) |",
        ms(reloads[0].median),
        ms(reloads[0].min),
        ms(reloads[0].cpu),
        ms(reloads[1].median),
        ms(reloads[1].min),
        ms(reloads[1].cpu),
        ratio(&reloads[1], &reloads[0]),
        cpu_ratio(&reloads[1], &reloads[0])
    );
    println!(
        "| drawing a frame, 160x50 | {} | {} | {:.2}x |",
        ms(draws[0]),
        ms(draws[1]),
        draws[1].as_secs_f64() / draws[0].as_secs_f64()
    );
    for (what, s, k) in rows {
        let r = ratio(&s[k + 1], &s[k]);
        let c = cpu_ratio(&s[k + 1], &s[k]);
        println!(
            "{what} with links: {r:.2}x without, {c:.2}x its CPU (<= 1.1x: {})",
            if r <= 1.1 { "met" } else { "missed" }
        );
    }
    println!();
    Ok(())
}

fn run(o: Opts) -> Result<()> {
    let c = &o.common;
    let lanes_bin = find_lanes(c.lanes.as_deref())?;
    let (base, mut tmp) = c.folder("lanes-bench-links-")?;
    println!("lanes links benchmark (issue 25)");
    println!(
        "command: cargo run --release --example bench_links -- --cards {} --links {} --link-cards {} --runs {} --seed {}",
        c.cards, o.links, o.link_cards, c.runs, c.seed
    );
    println!(
        "machine: {} cores, load average at start {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        load_average()
    );
    let big = base.join("big");
    let g = generate(&big, c.cards, o.links, c.seed)?;
    println!(
        "generated {} cards with {} links in {:.1} s",
        c.cards,
        o.links,
        g.took.as_secs_f64()
    );
    // The same cards without a link (links are drawn after the cards).
    let plain = base.join("plain");
    generate(&plain, c.cards, 0, c.seed)?;
    // Files written just now are "racily clean" for lanes' caches for two
    // seconds: wait that out, then let one read write each card cache.
    std::thread::sleep(Duration::from_millis(2100));
    Board::load(&big)?;
    Board::load(&plain)?;
    screen(&big, &plain, c.runs)?;
    if o.frame_only {
        println!("load average at end {}", load_average());
        if let Some(t) = tmp.take().filter(|_| c.keep) {
            println!("boards kept in {}", t.keep().display());
        }
        return Ok(());
    }
    let cmd = |root: &Path, args: &[&str]| {
        let mut c = Command::new(&lanes_bin);
        c.args(args).current_dir(root).env_remove("LANES_BOARD");
        c
    };
    let cache = big.join(".git/lanes/cards-v1");
    // Files written just now are "racily clean" for lanes' caches for two
    // seconds: wait that out, as for any board not checked out a moment ago.
    std::thread::sleep(Duration::from_millis(2100));
    // Sanity: the board reads cleanly and the commands agree.
    let out = Command::new(&lanes_bin)
        .args(["validate"])
        .current_dir(&big)
        .output()?;
    if !out.status.success() {
        bail!(
            "the generated board does not validate: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let ready: serde_json::Value =
        serde_json::from_slice(&cmd(&big, &["ready", "--json"]).output()?.stdout)?;
    let blocked: serde_json::Value =
        serde_json::from_slice(&cmd(&big, &["list", "--blocked", "--json"]).output()?.stdout)?;
    let n_ready = ready.as_array().map_or(0, Vec::len);
    let n_blocked = blocked.as_array().map_or(0, Vec::len);
    println!("ready: {n_ready} cards, blocked: {n_blocked} cards\n");
    let runs = c.runs;
    let timed = |root: &Path, args: &'static [&'static str]| {
        let mut c = cmd(root, args);
        move |_| time_cmd(&mut c)
    };
    let cold = |root: &Path, args: &'static [&'static str]| {
        let mut c = cmd(root, args);
        let cache = cache.clone();
        move |_| {
            let _ = fs::remove_file(&cache);
            time_cmd(&mut c)
        }
    };
    let warm_steps: Vec<Step> = vec![
        Box::new(timed(&big, &["list", "--json"])),
        Box::new(timed(&big, &["ready"])),
        Box::new(timed(&big, &["list", "--blocked"])),
        Box::new(timed(&big, &["ready", "--json"])),
        Box::new(timed(&big, &["list", "--blocked", "--json"])),
    ];
    let warm = measure(runs, warm_steps)?;
    let cold_steps: Vec<Step> = vec![
        Box::new(cold(&big, &["list", "--json"])),
        Box::new(cold(&big, &["ready"])),
        Box::new(cold(&big, &["list", "--blocked"])),
    ];
    let cold_runs = runs.min(7);
    let coldm = measure(cold_runs, cold_steps)?;
    // Leave the cache warm again.
    let _ = cmd(&big, &["list", "--json"]).output()?;

    // Writes at --link-cards.
    let small = base.join("small");
    let gs = generate(&small, o.link_cards, o.link_cards * 3 / 2, c.seed ^ 7)?;
    println!(
        "generated {} cards with {} links in {:.1} s",
        o.link_cards,
        o.link_cards * 3 / 2,
        gs.took.as_secs_f64()
    );
    std::thread::sleep(Duration::from_millis(2100));
    // Warm both caches the way any earlier command would.
    let _ = cmd(&small, &["move", &gs.ids[0], "backlog"]).output()?;
    let _ = cmd(&small, &["list", "--json"]).output()?;
    let mut rng = Rng(c.seed ^ 0x11);
    let ids = gs.ids.clone();
    let n = ids.len();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for _ in 0..=runs {
        // A later card depends on an earlier one: never a cycle.
        let i = 1 + rng.below(n - 1);
        pairs.push((ids[i].clone(), ids[rng.below(i)].clone()));
    }
    let mut movers: Vec<String> = ids.clone();
    rng.shuffle(&mut movers);
    let targets = ["hypothesis", "experimenting"];
    let write_steps: Vec<Step> = vec![
        Box::new(|i| {
            let (a, b) = &pairs[i];
            time_cmd(&mut cmd(&small, &["link", a, "--depends-on", b]))
        }),
        Box::new(|i| {
            time_cmd(&mut cmd(
                &small,
                &["move", &movers[i], targets[i % 2], "--top"],
            ))
        }),
    ];
    let writes = measure(runs, write_steps)?;
    let show_steps: Vec<Step> = vec![Box::new(|i| {
        time_cmd(&mut cmd(&small, &["show", id::short(&ids[(i * 37) % n])]))
    })];
    let show = measure(runs, show_steps)?;
    let load_end = load_average();

    let ratio = |a: &Stats, b: &Stats| a.median.as_secs_f64() / b.median.as_secs_f64();
    let verdict = |ok: bool| if ok { "met" } else { "missed" };
    println!("| what | median (min) | CPU |\n|---|---|---|");
    println!(
        "{}",
        row(
            &format!("`lanes list --json`, warm, {} cards", c.cards),
            &warm[0]
        )
    );
    println!("{}", row("`lanes ready`, warm", &warm[1]));
    println!("{}", row("`lanes list --blocked`, warm", &warm[2]));
    println!("{}", row("`lanes ready --json`, warm", &warm[3]));
    println!("{}", row("`lanes list --blocked --json`, warm", &warm[4]));
    println!(
        "{}",
        row("`lanes list --json`, cold (no card cache)", &coldm[0])
    );
    println!("{}", row("`lanes ready`, cold", &coldm[1]));
    println!("{}", row("`lanes list --blocked`, cold", &coldm[2]));
    println!(
        "{}",
        row(&format!("`lanes link`, {} cards", o.link_cards), &writes[0])
    );
    println!("{}", row("`lanes move`, same board", &writes[1]));
    println!("{}", row("`lanes show`, same board", &show[0]));
    println!();
    let target = Duration::from_millis(100);
    for (what, s) in [("ready", &warm[1]), ("list --blocked", &warm[2])] {
        println!(
            "{what} warm: {} (< 100 ms: {})",
            ms(s.median),
            verdict(s.median < target)
        );
    }
    for (what, s) in [("ready", &coldm[1]), ("list --blocked", &coldm[2])] {
        let r = ratio(s, &coldm[0]);
        println!(
            "{what} cold: {:.2}x list --json cold (< 2x: {})",
            r,
            verdict(r < 2.0)
        );
    }
    let r = ratio(&writes[0], &writes[1]);
    println!(
        "link vs move: {:.2}x (within 1.2x: {})",
        r,
        verdict(r <= 1.2)
    );
    println!("load average at end {load_end}");
    if c.dir.is_some() {
        println!("boards kept in {}", base.display());
    } else if c.keep {
        if let Some(t) = tmp.take() {
            println!("boards kept in {}", t.keep().display());
        }
    }
    Ok(())
}
