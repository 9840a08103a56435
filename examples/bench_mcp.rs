//! Benchmark of `lanes mcp` (issue 26): a warm server answering `show`
//! and `list` on a board of 10,000 cards, and a write through the server
//! against the command line's `lanes move`.
//!
//! ```text
//! cargo run --release --example bench_mcp -- [--cards 10000] [--runs 30] [--seed N]
//!     [--dir PATH] [--reuse] [--keep] [--lanes PATH]
//! ```
//!
//! It generates a git repository holding a CRISP-DM board of `--cards`
//! realistic cards (from the examples' one generator, `bench_common::board`,
//! rendered by the library's own writer; one commit), of which one in ten
//! is claimed and one in eight waits on another card, then starts the
//! release `lanes mcp` in it with a real MCP client over stdio (rmcp's
//! client side, as an agent would), warms it with one call of each tool,
//! then times each call from the client's request to its answer:
//!
//! - `show` of a random card (goal: under 20 ms);
//! - `list`: the first page of the board (100 cards, the default page), a
//!   page of one lane's unclaimed cards, the first page of ready work
//!   (`ready`: not blocked, done or claimed), and the largest page (1,000
//!   cards) from the end of the board (goal: under 20 ms per call);
//! - `move` of a random card through the server, alternating with `lanes
//!   move` of another card run as a process, each one commit (goal: the
//!   server's write under 1.2x the command line's).
//!
//! Rounds alternate the steps, so that the load of a shared machine hits
//! all of them alike; medians and minimums are printed with the load,
//! and the CPU time each call cost: the server's (from /proc, all its
//! threads) and this client's, which a busy machine hardly changes.
//!
//! Without `--dir` the repository goes in a temporary folder removed at
//! the end (unless `--keep`); `--dir PATH --reuse` measures a board this
//! benchmark generated there before.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

#[path = "bench_common/mod.rs"]
mod bench_common;

use anyhow::{anyhow, bail, Result};
use bench_common::board::{self, Spec};
use bench_common::{find_lanes, git, load_average, measure, ms, Common, Rng, Stats, Step, Uses};
use clap::Parser;
use lanes::model::Claim;
use lanes::store;
use rmcp::model::{CallToolRequestParams, ClientCapabilities, ClientInfo, Implementation};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::fs;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Benchmark of `lanes mcp`: `show`, `list` and a write through a warm
/// server, driven by a real MCP client.
#[derive(Parser, Debug)]
#[command(name = "bench_mcp")]
struct Opts {
    #[command(flatten)]
    common: Common,
}

fn main() -> ExitCode {
    let o: Opts = bench_common::parse(
        Uses {
            defaults: &[("runs", "30"), ("seed", "26")],
            unused: &["old"],
            ..Default::default()
        },
        &[],
    );
    bench_common::finish("bench_mcp", check(&o).and_then(|()| run(o)))
}

fn check(o: &Opts) -> Result<()> {
    if o.common.cards < 1_000 && !o.common.reuse {
        bail!("--cards must be at least 1000 (the largest page)");
    }
    Ok(())
}

/// A repository at `root` with a CRISP-DM board of `o.common.cards` cards
/// from the shared generator, one commit: one card in ten claimed (until
/// far in the future), one in eight waiting on the card before it in its
/// lane.
fn generate(root: &Path, o: &Opts) -> Result<()> {
    let cards = o.common.cards;
    board::init_repo(root)?;
    let (template, lanes) = board::crisp_dm()?;
    fs::create_dir_all(root.join(store::CARDS_DIR))?;
    fs::write(root.join(store::BOARD_FILE), template)?;
    let mut rng = Rng(o.common.seed);
    let per_lane = cards.div_ceil(lanes.len());
    let mut ids = board::ids(&mut rng, cards).into_iter();
    let mut made = Vec::with_capacity(cards);
    for (l, lane) in lanes.iter().enumerate() {
        let n = per_lane.min(cards - l * per_lane.min(cards));
        let mut before: Option<String> = None;
        for rank in board::lane_ranks(n) {
            let created = 20_400 + rng.below(300) as i64;
            let spec = Spec {
                id: ids.next().ok_or_else(|| anyhow!("ran out of ids"))?,
                lane,
                rank,
                kind: None,
                created,
                before: (created + 30) * 86_400,
            };
            let mut card = board::card(&mut rng, spec);
            if rng.chance(10) {
                let at = created * 86_400 + 9 * 3600;
                let by = rng.pick(board::AUTHORS).0;
                // Held for a century: live whenever this runs.
                let until = at + 100 * 365 * 86_400;
                card.claim = Some(Claim::new(&format!("{by} via claude-code"), at, until));
            }
            if let Some(b) = before.as_ref().filter(|_| rng.odds(1, 8)) {
                card.depends_on.push(b.clone());
            }
            before = Some(card.id.clone());
            made.push(card);
        }
    }
    board::write_cards(root, &made)?;
    git(root, &["add", "-A"])?;
    git(
        root,
        &["commit", "-q", "-m", &format!("{cards} generated cards")],
    )?;
    Ok(())
}

/// Each card's id with its lane's index, in id order.
type Placed = Vec<(String, usize)>;

/// The board at `root`: its lane ids in order, and where each card is.
fn read_board(root: &Path) -> Result<(Vec<String>, Placed)> {
    let board = store::Board::load(root)?;
    let lanes: Vec<String> = board.config.lanes.iter().map(|l| l.id.clone()).collect();
    let mut cards: Vec<(String, usize)> = board
        .cards
        .iter()
        .map(|c| (c.id.clone(), board.config.lane_index(&c.lane).unwrap_or(0)))
        .collect();
    cards.sort();
    Ok((lanes, cards))
}

type Client = RunningService<RoleClient, ClientInfo>;

/// CPU time (user and system, all threads) a process has used so far.
fn process_cpu(pid: u32) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // The fields after the command name (which may hold spaces).
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return Duration::ZERO;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    // utime and stime: fields 14 and 15, the 12th and 13th after the name.
    Duration::from_micros((ticks(11) + ticks(12)) * 1_000_000 / hz)
}

/// One call, timed from the request to the answer; its structured content.
async fn call(c: &Client, tool: &str, args: Value) -> Result<(Duration, Value)> {
    let Value::Object(args) = args else {
        bail!("arguments must be an object");
    };
    let start = Instant::now();
    let r = c
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args))
        .await
        .map_err(|e| anyhow!("{tool}: {e}"))?;
    let took = start.elapsed();
    if r.is_error == Some(true) {
        bail!("{tool} failed: {:?}", r.structured_content);
    }
    let v = r
        .structured_content
        .ok_or_else(|| anyhow!("{tool}: no structured content"))?;
    Ok((took, v))
}

fn run(o: Opts) -> Result<()> {
    let c = &o.common;
    // The temporary folder lives until the end of the run, unless kept.
    let (root, mut tmp) = c.folder("bench-mcp-")?;
    if let Some(t) = tmp.take_if(|_| c.keep) {
        eprintln!("keeping the board in {}", t.keep().display());
    }
    let lanes_bin = find_lanes(c.lanes.as_deref())?;
    let t = Instant::now();
    if c.reuse {
        println!("reusing the board generated in {}", root.display());
    } else {
        generate(&root, &o)?;
    }
    let (lanes, cards) = read_board(&root)?;
    let ids: Vec<String> = cards.iter().map(|(id, _)| id.clone()).collect();
    // Where each card is, as the moves below take it round the lanes.
    let lane_of = RefCell::new(
        cards
            .into_iter()
            .collect::<std::collections::HashMap<_, _>>(),
    );
    if ids.len() < 1_000 || lanes.len() < 2 {
        bail!(
            "the board has {} cards and {} lanes: too few to measure",
            ids.len(),
            lanes.len()
        );
    }
    println!(
        "board: {} cards in {} ({:.1} s); lanes: {}; seed {}",
        ids.len(),
        root.display(),
        t.elapsed().as_secs_f64(),
        lanes_bin.display(),
        c.seed
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut cmd = tokio::process::Command::new(&lanes_bin);
    cmd.arg("mcp").current_dir(&root).stderr(Stdio::null());
    let info = ClientInfo::new(
        ClientCapabilities::default(),
        Implementation::new("bench", "1.0"),
    );
    let (client, pid): (Client, Option<u32>) = rt.block_on(async {
        let child = TokioChildProcess::new(cmd)?;
        let pid = child.id();
        let client = info
            .serve(child)
            .await
            .map_err(|e| anyhow!("initialize: {e}"))?;
        Ok::<_, anyhow::Error>((client, pid))
    })?;
    let server_cpu = || pid.map_or(Duration::ZERO, process_cpu);
    // Warm the server and the board's caches: one call of each.
    let (first_list, page) = rt.block_on(call(&client, "list", json!({"all": true})))?;
    if page["total"] != json!(ids.len()) {
        bail!("list counts {} cards, not {}", page["total"], ids.len());
    }
    rt.block_on(call(&client, "show", json!({"card": &ids[0]})))?;
    println!(
        "first list (cold caches): {}; load {}",
        ms(first_list),
        load_average()
    );

    let rng = RefCell::new(Rng(c.seed ^ 0x5eed));
    let pick = || {
        let mut r = rng.borrow_mut();
        ids[r.below(ids.len())].clone()
    };
    let moves = RefCell::new(0usize);
    // Another lane than the card's, a different one each time.
    let next_lane = |card: &str| -> String {
        let mut m = moves.borrow_mut();
        *m += 1;
        let mut at = lane_of.borrow_mut();
        let now = at.get(card).copied().unwrap_or(0);
        let to = (now + 1 + *m % (lanes.len() - 1)) % lanes.len();
        at.insert(card.to_string(), to);
        lanes[to].clone()
    };
    // The server's CPU per step, summed over the timed runs.
    let spent = RefCell::new([Duration::ZERO; 6]);
    // One MCP call as a step: timed from request to answer, its server
    // CPU added to `spent[k]`, its answer checked.
    let mcp = |k: usize, run: usize, tool: &str, args: Value| -> Result<(Duration, Value)> {
        let before = server_cpu();
        let (took, v) = rt.block_on(call(&client, tool, args))?;
        if run > 0 {
            spent.borrow_mut()[k] += server_cpu().saturating_sub(before);
        }
        Ok((took, v))
    };
    let last = ids.len().saturating_sub(1000);
    let steps: Vec<Step<'_>> = vec![
        Box::new(|i| {
            let id = pick();
            let (took, v) = mcp(0, i, "show", json!({"card": &id}))?;
            if v["card"]["id"] != json!(id) {
                bail!("show answered another card");
            }
            Ok(took)
        }),
        Box::new(|i| {
            let (took, v) = mcp(1, i, "list", json!({}))?;
            if v["cards"].as_array().map_or(0, Vec::len) != 100.min(ids.len()) {
                bail!("the first page is not 100 cards");
            }
            Ok(took)
        }),
        Box::new(|i| {
            let args = json!({"lane": "modeling", "unclaimed": true});
            let (took, v) = mcp(2, i, "list", args)?;
            if v["cards"].as_array().is_none_or(Vec::is_empty) {
                bail!("a lane's page is empty");
            }
            Ok(took)
        }),
        Box::new(|i| {
            let (took, v) = mcp(3, i, "list", json!({"ready": true}))?;
            let cards = v["cards"].as_array().map_or(&[][..], Vec::as_slice);
            if cards.is_empty() || cards.iter().any(|c| c["ready"] != json!(true)) {
                bail!("the ready page is empty or holds cards that are not ready");
            }
            Ok(took)
        }),
        Box::new(|i| {
            let (took, v) = mcp(
                4,
                i,
                "list",
                json!({"offset": last, "limit": 1000, "all": true}),
            )?;
            if v["cards"].as_array().map_or(0, Vec::len) != ids.len() - last {
                bail!("the last page lost cards");
            }
            Ok(took)
        }),
        Box::new(|i| {
            let id = pick();
            let lane = next_lane(&id);
            let (took, v) = mcp(5, i, "move", json!({"card": &id, "lane": lane}))?;
            if v["commit"].is_null() {
                bail!("the server's move made no commit: {v}");
            }
            Ok(took)
        }),
        Box::new(|_| {
            let id = pick();
            let lane = next_lane(&id);
            let start = Instant::now();
            let out = Command::new(&lanes_bin)
                .args(["move", &id, &lane])
                .current_dir(&root)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .output()?;
            let took = start.elapsed();
            if !out.status.success() {
                bail!("lanes move: {}", String::from_utf8_lossy(&out.stderr));
            }
            Ok(took)
        }),
    ];
    let stats = measure(c.runs, steps)?;
    let names = [
        "show",
        "list, first page (100)",
        "list, a lane, unclaimed",
        "list, ready (100)",
        "list, last 1000 cards",
        "move",
        "lanes move (a process)",
    ];
    println!(
        "\n{} runs each after a warm-up, alternating; load {}",
        c.runs,
        load_average()
    );
    println!(
        "{:<26} {:>10} {:>10} {:>12} {:>12}",
        "step (MCP unless said)", "median", "min", "server cpu", "client cpu"
    );
    let spent = spent.into_inner();
    for (k, (name, s)) in names.iter().zip(&stats).enumerate() {
        // The command line's CPU is all its own (a waited-for child).
        let server = spent
            .get(k)
            .map_or_else(|| "-".to_string(), |d| ms(*d / c.runs.max(1) as u32));
        println!(
            "{name:<26} {:>10} {:>10} {:>12} {:>12}",
            ms(s.median),
            ms(s.min),
            server,
            ms(s.cpu)
        );
    }
    let goal = |s: &Stats| {
        if s.median < Duration::from_millis(20) {
            "met"
        } else {
            "MISSED"
        }
    };
    println!(
        "\nshow: {} per call, goal < 20 ms: {}",
        ms(stats[0].median),
        goal(&stats[0])
    );
    println!(
        "list: {} (first page), {} (a lane, unclaimed), {} (ready), {} (1000 cards); goal < 20 ms: {} / {} / {} / {}",
        ms(stats[1].median),
        ms(stats[2].median),
        ms(stats[3].median),
        ms(stats[4].median),
        goal(&stats[1]),
        goal(&stats[2]),
        goal(&stats[3]),
        goal(&stats[4])
    );
    let ratio = stats[5].median.as_secs_f64() / stats[6].median.as_secs_f64();
    println!(
        "write: the server's move {} vs the command line's {}: {ratio:.2}x, goal < 1.2x: {}",
        ms(stats[5].median),
        ms(stats[6].median),
        if ratio < 1.2 { "met" } else { "MISSED" }
    );
    rt.block_on(client.cancel())
        .map_err(|e| anyhow!("close: {e}"))?;
    let commits = git(&root, &["rev-list", "--count", "HEAD"])?;
    println!("{} commits on the board", commits.trim());
    Ok(())
}
