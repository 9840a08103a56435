//! Benchmark of the research record (issue 22): `lanes hypotheses` and
//! `lanes decisions` on a board of linked hypotheses and the decisions
//! resting on them, warm (the caches in place, as after any earlier
//! command). Goal: both under 150 ms at 1,000 hypotheses and 200
//! decisions.
//!
//! ```text
//! cargo run --release --example bench_decisions -- [--cards 1000] [--decisions 200]
//!     [--runs 15] [--dir PATH] [--keep] [--lanes PATH] [--seed 22]
//! ```
//!
//! It generates a CRISP-DM board (seeded ids, cards from
//! `bench_common::board`, rendered by the library's own writer) whose
//! history is streamed through `git fast-import` as a team makes it: one
//! commit per hypothesis (`--cards` of them, each depending on an earlier
//! one now and then), one per decision (`--decisions`, each resting on two
//! to four hypotheses, a fifth superseding an earlier decision), then a
//! verdict changed on a tenth of the hypotheses after the decisions, so
//! that decisions are flagged. Then it times the release `lanes` binary
//! (median and min over `--runs` runs after a warm-up, the commands
//! interleaved in each round).
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

#[path = "bench_common/mod.rs"]
mod bench_common;

use anyhow::{bail, Result};
use bench_common::board::{self, FastImport, Spec, AUTHORS};
use bench_common::{find_lanes, load_average, measure, ms, time_cmd, Common, Rng, Step, Uses};
use clap::Parser;
use lanes::model::card::Decision;
use lanes::model::links::Kind;
use lanes::model::{Card, Verdict};
use lanes::store;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// Benchmark of `lanes hypotheses` and `lanes decisions` on a generated
/// board of linked hypotheses and decisions.
#[derive(Parser, Debug)]
#[command(name = "bench_decisions")]
struct Opts {
    #[command(flatten)]
    common: Common,
    /// Decision cards, each resting on two to four hypotheses.
    #[arg(long, value_name = "N", default_value_t = 200)]
    decisions: usize,
}

fn main() -> ExitCode {
    let o: Opts = bench_common::parse(
        Uses {
            defaults: &[("cards", "1000"), ("runs", "15"), ("seed", "22")],
            unused: &["reuse", "old"],
            helps: &[("cards", "Hypotheses on the generated board.")],
        },
        &[],
    );
    bench_common::finish("bench_decisions", run(o))
}

/// 2026-01-05 09:00 UTC: when the generated history starts.
const T0: i64 = 1_767_603_600;

/// The board's history, committed through `git fast-import`.
fn generate(root: &Path, hyps: usize, decisions: usize, seed: u64) -> Result<Duration> {
    let start = Instant::now();
    board::init_repo(root)?;
    let (template, lanes) = board::crisp_dm()?;
    let mut rng = Rng(seed);
    let ids = board::ids(&mut rng, hyps + decisions);
    let mut fi = FastImport::start(root)?;
    let mut t = T0;
    let who = |rng: &mut Rng| *rng.pick(AUTHORS);
    fi.commit(
        who(&mut rng),
        t,
        "lanes: init\n\nLanes-Action: init\n",
        &[(store::BOARD_FILE.to_string(), template)],
    )?;
    let ranks = board::lane_ranks(hyps + decisions);
    let mut cards: Vec<Card> = Vec::with_capacity(hyps + decisions);
    let commit = |fi: &mut FastImport, rng: &mut Rng, t: i64, verb: &str, c: &Card| {
        let text = store::render_card(c, None);
        let msg = board::message(
            &format!("lanes: {verb} {} {}", &c.id[..6], c.title),
            "",
            verb,
            &[&c.id],
        );
        fi.commit(who(rng), t, &msg, &[(store::card_path(&c.id), &text)])
    };
    for (i, id) in ids[..hyps].iter().enumerate() {
        t += 600;
        let lane = &lanes[2 + rng.below(3)];
        let mut c = board::card(
            &mut rng,
            Spec {
                id: id.clone(),
                lane,
                rank: ranks[i].clone(),
                kind: Some("hypothesis"),
                created: t.div_euclid(86_400),
                before: t,
            },
        );
        if let Some(h) = c.hypothesis.as_deref_mut() {
            h.verdict = match rng.below(10) {
                0..=2 => Verdict::Supported,
                3..=4 => Verdict::Refuted,
                5 => Verdict::Inconclusive,
                _ => Verdict::Open,
            };
        }
        if i > 0 && rng.chance(40) {
            c.add_link(Kind::DependsOn, &ids[rng.below(i)]);
        }
        commit(&mut fi, &mut rng, t, "add", &c)?;
        cards.push(c);
    }
    for (k, id) in ids[hyps..].iter().enumerate() {
        t += 1800;
        let mut c = Card::new(
            id.clone(),
            format!("Decision {k}: ship what the evidence supports"),
            lanes[4].clone(),
            ranks[hyps + k].clone(),
            "decision".into(),
        );
        for _ in 0..rng.between(2, 4) {
            c.add_link(Kind::RestsOn, &ids[rng.below(hyps)]);
        }
        if k > 0 && rng.chance(20) {
            c.add_link(Kind::Supersedes, &ids[hyps + rng.below(k)]);
        }
        c.decision = Some(Box::new(Decision {
            statement: Some("Agreed at the weekly review, on the evidence named.".into()),
            decided_by: Some(AUTHORS[k % AUTHORS.len()].0.into()),
            decided_at: Some(lanes::model::date::format_date(t.div_euclid(86_400))),
            ..Decision::default()
        }));
        c.created = Some(lanes::model::date::format_date(t.div_euclid(86_400)));
        commit(&mut fi, &mut rng, t, "add", &c)?;
        cards.push(c);
    }
    // A tenth of the hypotheses get another verdict after the decisions.
    for _ in 0..hyps / 10 {
        t += 3600;
        let i = rng.below(hyps);
        let c = &mut cards[i];
        if let Some(h) = c.hypothesis.as_deref_mut() {
            h.verdict = match h.verdict {
                Verdict::Supported => Verdict::Refuted,
                _ => Verdict::Supported,
            };
        }
        let c = c.clone();
        commit(&mut fi, &mut rng, t, "verdict", &c)?;
    }
    fi.finish()?;
    bench_common::git(root, &["reset", "-q", "--hard"])?;
    Ok(start.elapsed())
}

fn run(o: Opts) -> Result<()> {
    let c = &o.common;
    if c.cards < 10 || o.decisions == 0 || c.runs == 0 {
        bail!("--cards needs at least 10 hypotheses, --decisions and --runs at least 1");
    }
    let lanes_bin = find_lanes(c.lanes.as_deref())?;
    let (base, tmp) = c.folder("lanes-bench-decisions-")?;
    println!("lanes research-record benchmark (issue 22)");
    println!(
        "command: cargo run --release --example bench_decisions -- --cards {} --decisions {} --runs {} --seed {}",
        c.cards, o.decisions, c.runs, c.seed
    );
    println!(
        "machine: {} cores, load average at start {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        load_average()
    );
    let root = base.join("board");
    let took = generate(&root, c.cards, o.decisions, c.seed)?;
    println!(
        "generated {} hypotheses and {} decisions with their history in {:.1} s",
        c.cards,
        o.decisions,
        took.as_secs_f64()
    );
    // Files written just now are "racily clean" for lanes' caches for two
    // seconds: wait that out, as for any board not checked out a moment ago.
    std::thread::sleep(Duration::from_millis(2100));
    let cmd = |args: &[&str]| {
        let mut cmd = Command::new(&lanes_bin);
        cmd.args(args).current_dir(&root).env_remove("LANES_BOARD");
        cmd
    };
    let out = cmd(&["decisions", "--json"]).output()?;
    if !out.status.success() {
        bail!(
            "lanes decisions failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    let flagged = rows
        .iter()
        .filter(|d| d["flags"].as_array().is_some_and(|f| !f.is_empty()))
        .count();
    let superseded = rows
        .iter()
        .filter(|d| d["superseded_by"].as_array().is_some_and(|f| !f.is_empty()))
        .count();
    if rows.len() != o.decisions {
        bail!("lanes decisions listed {} of {}", rows.len(), o.decisions);
    }
    println!("{flagged} decisions flagged, {superseded} superseded\n");
    let timed = |args: &'static [&'static str]| {
        let mut c = cmd(args);
        move |_| time_cmd(&mut c)
    };
    let steps: Vec<Step> = vec![
        Box::new(timed(&["hypotheses"])),
        Box::new(timed(&["hypotheses", "--json"])),
        Box::new(timed(&["decisions"])),
        Box::new(timed(&["decisions", "--json"])),
    ];
    let stats = measure(c.runs, steps)?;
    let goal = Duration::from_millis(150);
    println!(
        "| warm, {} hypotheses, {} decisions | median (min) | CPU | goal < 150 ms |",
        c.cards, o.decisions
    );
    println!("|---|---|---|---|");
    for (what, s) in [
        "`lanes hypotheses`",
        "`lanes hypotheses --json`",
        "`lanes decisions`",
        "`lanes decisions --json`",
    ]
    .iter()
    .zip(&stats)
    {
        println!(
            "| {what} | {} ({}) | {} | {} |",
            ms(s.median),
            ms(s.min),
            ms(s.cpu),
            if s.median < goal { "met" } else { "missed" }
        );
    }
    println!("\nload average at end {}", load_average());
    if c.keep {
        if let Some(t) = tmp {
            println!("kept {}", t.keep().display());
        }
    }
    Ok(())
}
