//! Benchmark of `lanes mcp` (issue 26): a warm server answering `show`
//! and `list` on a board of 10,000 cards, and a write through the server
//! against the command line's `lanes move`.
//!
//! ```text
//! cargo run --release --example bench_mcp -- [--cards 10000] [--runs 30] [--lanes PATH] [--keep]
//! ```
//!
//! It generates a git repository holding a CRISP-DM board of `--cards`
//! cards (written by the library's own canonical writer, one commit),
//! starts the release `lanes mcp` in it with a real MCP client over stdio
//! (rmcp's client side, as an agent would), warms it with one call of
//! each tool, then times each call from the client's request to its
//! answer:
//!
//! - `show` of a random card (goal: under 20 ms);
//! - `list`: the first page of the board (100 cards, the default page),
//!   a page of one lane's unclaimed cards, and the largest page (1,000
//!   cards) from the end of the board (goal: under 20 ms per call);
//! - `move` of a random card through the server, alternating with `lanes
//!   move` of another card run as a process, each one commit (goal: the
//!   server's write under 1.2x the command line's).
//!
//! Rounds alternate the steps, so that the load of a shared machine hits
//! all of them alike; medians and minimums are printed with the load,
//! and the CPU time each call cost: the server's (from /proc, all its
//! threads) and this client's, which a busy machine hardly changes.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

#[path = "bench_common/mod.rs"]
mod bench_common;

use anyhow::{anyhow, bail, Context as _, Result};
use bench_common::{find_lanes, git, lane_ranks, load_average, measure, ms, Rng, Stats, Step};
use lanes::model::Card;
use lanes::store;
use rmcp::model::{CallToolRequestParams, ClientCapabilities, ClientInfo, Implementation};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const USAGE: &str =
    "usage: cargo run --release --example bench_mcp -- [--cards 10000] [--runs 30] [--lanes PATH] [--keep]";

const LANES: [&str; 6] = [
    "business-understanding",
    "data-understanding",
    "data-preparation",
    "modeling",
    "evaluation",
    "deployment",
];

struct Opts {
    cards: usize,
    runs: usize,
    lanes: Option<PathBuf>,
    keep: bool,
}

fn parse_opts() -> Result<Opts> {
    let mut o = Opts {
        cards: 10_000,
        runs: 30,
        lanes: None,
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| anyhow!("{a} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--cards" => o.cards = value()?.parse().context("--cards")?,
            "--runs" => o.runs = value()?.parse().context("--runs")?,
            "--lanes" => o.lanes = Some(PathBuf::from(value()?)),
            "--keep" => o.keep = true,
            "-h" | "--help" => bail!("{USAGE}"),
            other => bail!("unknown option {other}\n{USAGE}"),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    match parse_opts().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_mcp: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A repository at `root` with a board of `n` cards, one commit. The ids.
fn generate(root: &Path, lanes_bin: &Path, n: usize) -> Result<Vec<String>> {
    git(root, &["init", "-q", "-b", "main"])?;
    git(root, &["config", "user.name", "Bench Mark"])?;
    git(root, &["config", "user.email", "bench@example.com"])?;
    git(root, &["config", "commit.gpgsign", "false"])?;
    let out = Command::new(lanes_bin)
        .arg("init")
        .current_dir(root)
        .stdin(Stdio::null())
        .output()?;
    if !out.status.success() {
        bail!("lanes init: {}", String::from_utf8_lossy(&out.stderr));
    }
    let mut rng = Rng(26);
    let ranks = lane_ranks(n.div_ceil(LANES.len()));
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id = lanes::model::id::new_id();
        let mut card = Card::new(
            id.clone(),
            format!("Generated card {i}: {}", rng.hex(8)),
            LANES[i % LANES.len()].to_string(),
            ranks[i / LANES.len()].clone(),
            "task".to_string(),
        );
        card.created = Some("2026-03-01".to_string());
        if rng.chance(30) {
            card.labels = vec![format!("label-{}", rng.below(12))];
        }
        if rng.chance(20) {
            card.body = Some(format!("Notes {}.\n", rng.hex(40)));
        }
        let path = root.join(store::card_path(&id));
        std::fs::write(&path, store::render_card(&card, None))?;
        ids.push(id);
    }
    git(root, &["add", "-A"])?;
    git(
        root,
        &["commit", "-q", "-m", &format!("{n} generated cards")],
    )?;
    Ok(ids)
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
    let lanes_bin = find_lanes(o.lanes.as_deref())?;
    let tmp = tempfile::Builder::new().prefix("bench-mcp-").tempdir()?;
    let root = std::fs::canonicalize(tmp.path())?;
    let t = Instant::now();
    let ids = generate(&root, &lanes_bin, o.cards)?;
    println!(
        "board: {} cards in {} (generated in {:.1} s); lanes: {}",
        ids.len(),
        root.display(),
        t.elapsed().as_secs_f64(),
        lanes_bin.display()
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
    let (first_list, page) = rt.block_on(call(&client, "list", json!({})))?;
    if page["total"] != json!(ids.len()) {
        bail!("list counts {} cards, not {}", page["total"], ids.len());
    }
    rt.block_on(call(&client, "show", json!({"card": &ids[0]})))?;
    println!(
        "first list (cold caches): {}; load {}",
        ms(first_list),
        load_average()
    );

    let rng = RefCell::new(Rng(7));
    let pick = || {
        let mut r = rng.borrow_mut();
        ids[r.below(ids.len())].clone()
    };
    let moves = RefCell::new(0usize);
    // Another lane than the card's, a different one each time.
    let next_lane = |card: &str| -> String {
        let mut m = moves.borrow_mut();
        *m += 1;
        let i = ids.iter().position(|x| x == card).unwrap_or(0);
        LANES[(i + 1 + *m % (LANES.len() - 1)) % LANES.len()].to_string()
    };
    // The server's CPU per step, summed over the timed runs.
    let spent = RefCell::new([Duration::ZERO; 5]);
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
            let (took, v) = mcp(3, i, "list", json!({"offset": last, "limit": 1000}))?;
            if v["cards"].as_array().map_or(0, Vec::len) != ids.len() - last {
                bail!("the last page lost cards");
            }
            Ok(took)
        }),
        Box::new(|i| {
            let id = pick();
            let lane = next_lane(&id);
            let (took, v) = mcp(4, i, "move", json!({"card": &id, "lane": lane}))?;
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
    let stats = measure(o.runs, steps)?;
    let names = [
        "show",
        "list, first page (100)",
        "list, a lane, unclaimed",
        "list, last 1000 cards",
        "move",
        "lanes move (a process)",
    ];
    println!(
        "\n{} runs each after a warm-up, alternating; load {}",
        o.runs,
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
            .map_or_else(|| "-".to_string(), |d| ms(*d / o.runs.max(1) as u32));
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
        "list: {} (first page), {} (a lane, unclaimed), {} (1000 cards); goal < 20 ms: {} / {} / {}",
        ms(stats[1].median),
        ms(stats[2].median),
        ms(stats[3].median),
        goal(&stats[1]),
        goal(&stats[2]),
        goal(&stats[3])
    );
    let ratio = stats[4].median.as_secs_f64() / stats[5].median.as_secs_f64();
    println!(
        "write: the server's move {} vs the command line's {}: {ratio:.2}x, goal < 1.2x: {}",
        ms(stats[4].median),
        ms(stats[5].median),
        if ratio < 1.2 { "met" } else { "MISSED" }
    );
    rt.block_on(client.cancel())
        .map_err(|e| anyhow!("close: {e}"))?;
    let commits = git(&root, &["rev-list", "--count", "HEAD"])?;
    println!("{} commits on the board", commits.trim());
    if o.keep {
        let kept = tmp.keep();
        println!("kept {}", kept.display());
    }
    Ok(())
}
