//! Benchmark of evidence-linked hypotheses.
//!
//! ```text
//! cargo run --release --example bench_evidence -- [--runs 10] [--mlflow-runs 10000]
//!     [--cards 1000] [--lanes PATH] [--keep] [--seed N]
//! ```
//!
//! It creates a git repository with a CRISP-DM board and, at its root, an
//! MLflow SQLite store of `--mlflow-runs` finished runs written with
//! MLflow's schema (tables experiments, runs, metrics, latest_metrics,
//! params, tags, with MLflow's indexes; 5 steps of `precision_at_10` and
//! `loss` per run, 3 params, 3 tags), a `dvc.lock` of 20 stages, and
//! `--cards` hypothesis cards whose evidence names one run each, with its
//! data hashes (one in ten stale: a changed hash or stored value). Then it
//! times the release binary:
//!
//! - `lanes result CARD mlflow:RUN` (reading the run, its params and tags,
//!   dvc.lock, and committing), alternating between two runs so that each
//!   is a real change; target < 50 ms;
//! - `lanes hypotheses` warm (history cached, nothing changed between
//!   runs), which checks every card's evidence against dvc.lock and the
//!   store; target < 150 ms.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

#[path = "bench_common/mod.rs"]
mod bench_common;

use anyhow::{bail, Result};
use bench_common::board::{self, Spec};
use bench_common::{
    find_lanes, git, load_average, median, ms, output, time_cmd, Common, Rng, Uses,
};
use clap::Parser;
use lanes::model::{Direction, Evidence, Hypothesis, Verdict};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// MLflow's tables as its migrations leave them (MLflow 3.x), the six
/// lanes reads.
const SCHEMA: &str = r#"
CREATE TABLE experiments (
    experiment_id INTEGER NOT NULL, name VARCHAR(256) NOT NULL, artifact_location VARCHAR(256),
    lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT,
    workspace VARCHAR(63) DEFAULT 'default' NOT NULL,
    CONSTRAINT experiment_pk PRIMARY KEY (experiment_id),
    CONSTRAINT uq_experiments_workspace_name UNIQUE (workspace, name));
CREATE TABLE runs (
    run_uuid VARCHAR(32) NOT NULL, name VARCHAR(250), source_type VARCHAR(20), source_name VARCHAR(500),
    entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9), start_time BIGINT,
    end_time BIGINT, source_version VARCHAR(50), lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200),
    experiment_id INTEGER, deleted_time BIGINT,
    CONSTRAINT run_pk PRIMARY KEY (run_uuid),
    FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id));
CREATE TABLE metrics (
    "key" VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL,
    run_uuid VARCHAR(32) NOT NULL, step BIGINT DEFAULT '0' NOT NULL, is_nan BOOLEAN DEFAULT '0' NOT NULL,
    CONSTRAINT metric_pk PRIMARY KEY ("key", timestamp, step, run_uuid, value, is_nan),
    FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));
CREATE INDEX index_metrics_run_uuid ON metrics (run_uuid);
CREATE INDEX index_metrics_run_uuid_key_step ON metrics (run_uuid, "key", step);
CREATE TABLE latest_metrics (
    "key" VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT, step BIGINT NOT NULL,
    is_nan BOOLEAN NOT NULL, run_uuid VARCHAR(32) NOT NULL,
    CONSTRAINT latest_metric_pk PRIMARY KEY ("key", run_uuid),
    FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));
CREATE INDEX index_latest_metrics_run_uuid ON latest_metrics (run_uuid);
CREATE TABLE params (
    "key" VARCHAR(250) NOT NULL, value VARCHAR(8000) NOT NULL, run_uuid VARCHAR(32) NOT NULL,
    CONSTRAINT param_pk PRIMARY KEY ("key", run_uuid),
    FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));
CREATE INDEX index_params_run_uuid ON params (run_uuid);
CREATE TABLE tags (
    "key" VARCHAR(250) NOT NULL, value VARCHAR(8000), run_uuid VARCHAR(32) NOT NULL,
    CONSTRAINT tag_pk PRIMARY KEY ("key", run_uuid),
    FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));
CREATE INDEX index_tags_run_uuid ON tags (run_uuid);
"#;

/// Benchmark of evidence-linked hypotheses.
#[derive(Parser, Debug)]
#[command(name = "bench_evidence")]
struct Args {
    #[command(flatten)]
    common: Common,
    /// Finished runs in the generated MLflow store.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    mlflow_runs: usize,
}

/// A run's final precision: its last step's value.
fn final_value(i: usize) -> f64 {
    0.15 + (i % 97) as f64 / 1000.0
}

fn write_store(path: &Path, rng: &mut Rng, n: usize) -> Result<Vec<String>> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(SCHEMA)?;
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO experiments VALUES (1, 'recsys', 'file:///tmp/a', 'active', 0, 0, 'default')",
        [],
    )?;
    let mut ids = Vec::with_capacity(n);
    {
        let mut run = tx.prepare(
            "INSERT INTO runs VALUES (?1, ?2, 'LOCAL', 'train.py', '', 'bench', 'FINISHED', ?3, ?4, '', 'active', '', 1, NULL)",
        )?;
        let mut metric = tx.prepare("INSERT INTO metrics VALUES (?1, ?2, ?3, ?4, ?5, 0)")?;
        let mut latest = tx.prepare("INSERT INTO latest_metrics VALUES (?1, ?2, ?3, ?4, 0, ?5)")?;
        let mut param = tx.prepare("INSERT INTO params VALUES (?1, ?2, ?3)")?;
        let mut tag = tx.prepare("INSERT INTO tags VALUES (?1, ?2, ?3)")?;
        let t0: i64 = 1_790_000_000_000;
        for i in 0..n {
            let id = rng.hex(32);
            let start = t0 + i as i64 * 60_000;
            run.execute(rusqlite::params![
                id,
                format!("run-{i}"),
                start,
                start + 50_000
            ])?;
            for step in 0..5i64 {
                let ts = start + step * 10_000;
                let p = final_value(i) - (4 - step) as f64 * 0.01;
                metric.execute(rusqlite::params!["precision_at_10", p, ts, id, step])?;
                metric.execute(rusqlite::params![
                    "loss",
                    1.0 / (step + 1) as f64,
                    ts,
                    id,
                    step
                ])?;
                if step == 4 {
                    latest.execute(rusqlite::params!["precision_at_10", p, ts, step, id])?;
                    latest.execute(rusqlite::params!["loss", 0.2, ts, step, id])?;
                }
            }
            for (k, v) in [("lr", "0.01"), ("epochs", "5"), ("model", "als")] {
                param.execute(rusqlite::params![k, v, id])?;
            }
            for (k, v) in [
                ("mlflow.source.git.commit", rng.hex(40)),
                ("mlflow.user", "bench".to_string()),
                ("mlflow.runName", format!("run-{i}")),
            ] {
                tag.execute(rusqlite::params![k, v, id])?;
            }
            ids.push(id);
        }
    }
    tx.commit()?;
    Ok(ids)
}

fn dvc_lock(rng: &mut Rng) -> (String, Vec<(String, String)>) {
    let mut text = String::from("schema: '2.0'\nstages:\n");
    let mut deps = Vec::new();
    for s in 0..20 {
        text.push_str(&format!(
            "  stage{s}:\n    cmd: python stage{s}.py\n    deps:\n"
        ));
        for d in 0..3 {
            let path = format!("data/part-{s}-{d}.parquet");
            let hash = rng.hex(32);
            text.push_str(&format!(
                "    - path: {path}\n      hash: md5\n      md5: {hash}\n      size: 1000\n"
            ));
            deps.push((path, hash));
        }
        text.push_str(&format!(
            "    outs:\n    - path: out/stage{s}\n      hash: md5\n      md5: {}.dir\n",
            rng.hex(32)
        ));
    }
    (text, deps)
}

fn main() -> Result<()> {
    let a: Args = bench_common::parse(
        Uses {
            defaults: &[("runs", "10"), ("cards", "1000"), ("seed", "7")],
            unused: &["dir", "reuse", "old"],
            ..Default::default()
        },
        &[],
    );
    let bin = find_lanes(a.common.lanes.as_deref())?;
    let tmp = tempfile::tempdir()?;
    let root = tmp.path().join("repo");
    board::init_repo(&root)?;
    output(Command::new(&bin).arg("init").current_dir(&root))?;
    let mut rng = Rng(a.common.seed);
    let t = std::time::Instant::now();
    let ids = write_store(&root.join("mlflow.db"), &mut rng, a.mlflow_runs)?;
    println!(
        "MLflow store: {} runs in {:.1} s ({} KiB)",
        ids.len(),
        t.elapsed().as_secs_f64(),
        std::fs::metadata(root.join("mlflow.db"))?.len() / 1024
    );
    let (lock, deps) = dvc_lock(&mut rng);
    std::fs::write(root.join("dvc.lock"), &lock)?;

    // Hypothesis cards with evidence, one run each.
    let ranks = board::lane_ranks(a.common.cards);
    let card_ids = board::ids(&mut rng, a.common.cards);
    let mut first = String::new();
    for (i, (rank, id)) in ranks.into_iter().zip(card_ids).enumerate() {
        if i == 0 {
            first = id.clone();
        }
        let run_index = i * 7 % ids.len();
        let mut value = final_value(run_index);
        let mut data: BTreeMap<String, String> =
            deps.iter().skip(i % 20 * 3).take(3).cloned().collect();
        if i % 10 == 3 {
            value += 0.001; // the stored value differs: stale
        }
        if i % 10 == 7 {
            if let Some(h) = data.values_mut().next() {
                *h = "0".repeat(32); // the data changed: stale
            }
        }
        let mut h = Hypothesis {
            statement: Some(format!("Feature {i} raises precision@10")),
            // As the README writes it: the run's key is found by MLflow's
            // name rules (precision_at_10).
            metric: Some("precision@10".into()),
            direction: Some(Direction::Higher),
            baseline: Some(0.18.into()),
            target: Some(0.2.into()),
            result: Some(value.into()),
            verdict: if value >= 0.2 {
                Verdict::Supported
            } else {
                Verdict::Inconclusive
            },
            ..Default::default()
        };
        h.set_evidence(Some(&Evidence {
            source: format!("mlflow:{}", ids[run_index]),
            store: Some("mlflow.db".into()),
            metric: "precision_at_10".into(),
            metric_from: Some("name".into()),
            step: Some(4),
            value,
            run_time: Some("2026-09-01T10:00:00Z".into()),
            commit: Some(rng.hex(40)),
            commit_from: Some("run".into()),
            params: [("lr".to_string(), "0.01".to_string())].into(),
            data,
            recorded_at: Some("2026-09-02T10:00:00Z".into()),
            verdict: Some(h.verdict),
            ..Default::default()
        }));
        // A generated hypothesis card, its hypothesis the one above (and
        // no experiment: its runs would be in no store).
        let spec = Spec {
            id,
            lane: "modeling",
            rank,
            kind: Some("hypothesis"),
            created: 20_697,
            before: 20_697 * 86_400 + 20 * 3600,
        };
        let mut card = board::card(&mut rng, spec);
        card.title = format!("Feature {i}");
        card.hypothesis = Some(Box::new(h));
        card.experiment = None;
        card.archived = false;
        board::write_cards(&root, [card])?;
    }
    git(&root, &["add", "-A", ".lanes", "dvc.lock"])?;
    git(&root, &["commit", "-q", "-m", "cards"])?;

    // Check the output once: one in five cards stale.
    let rows = output(
        Command::new(&bin)
            .args(["hypotheses", "--json"])
            .current_dir(&root),
    )?;
    let rows: serde_json::Value = serde_json::from_str(&rows)?;
    let stale = rows
        .as_array()
        .map(|r| r.iter().filter(|x| x["stale"] == true).count())
        .unwrap_or(0);
    println!(
        "{} hypotheses, {stale} stale",
        rows.as_array().map_or(0, Vec::len)
    );
    if stale != a.common.cards / 5 {
        bail!(
            "expected {} stale verdicts, found {stale}",
            a.common.cards / 5
        );
    }

    let lanes = |args: &[&str]| -> Result<Duration> {
        time_cmd(Command::new(&bin).args(args).current_dir(&root))
    };
    let runs = [
        format!("mlflow:{}", ids[ids.len() / 2]),
        format!("mlflow:{}", ids[ids.len() / 3]),
    ];
    // Warm-up, then timed runs.
    lanes(&["result", &first, &runs[1]])?;
    let mut result_times = Vec::new();
    for i in 0..a.common.runs {
        result_times.push(lanes(&["result", &first, &runs[i % 2]])?);
    }
    lanes(&["hypotheses"])?;
    let mut hyp_times = Vec::new();
    for _ in 0..a.common.runs {
        hyp_times.push(lanes(&["hypotheses"])?);
    }
    let best = |v: &[Duration]| v.iter().min().copied().unwrap_or_default();
    let rb = best(&result_times);
    let hb = best(&hyp_times);
    let rm = median(&mut result_times);
    let hm = median(&mut hyp_times);
    println!("load average: {}", load_average());
    println!(
        "lanes result (store of {} runs):     {} ({}) — target < 50 ms: {}",
        ids.len(),
        ms(rm),
        ms(rb),
        if rm < Duration::from_millis(50) {
            "met"
        } else {
            "missed"
        }
    );
    println!(
        "lanes hypotheses ({} with evidence): {} ({}) — target < 150 ms: {}",
        a.common.cards,
        ms(hm),
        ms(hb),
        if hm < Duration::from_millis(150) {
            "met"
        } else {
            "missed"
        }
    );
    if a.common.keep {
        println!("kept in {}", tmp.keep().display());
    }
    Ok(())
}
