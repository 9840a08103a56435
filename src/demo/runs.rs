//! The demo's MLflow runs: an `mlflow.db` at the demo repository's root,
//! written in the schema MLflow itself writes (`mlflow_schema.sql`, taken
//! by tests/fixtures/evidence/make.sh from a store MLflow wrote), so that
//! `r` on the board and `lanes result` read the runs the story's cards
//! name, as they would a team's. Like a team's, the store is not in git:
//! it is listed in the repository's `.git/info/exclude`.

use super::story_time;
use anyhow::{Context as _, Result};
use rusqlite::{params, Connection};
use std::path::Path;

/// An MLflow SQLite store's schema and first rows, as MLflow writes them.
const SCHEMA: &str = include_str!("mlflow_schema.sql");

/// The story's last step, as written: the runs are placed in time
/// relative to it, so they move with the story.
const STORY_END: &str = "11-20 16:00";

/// One run of the story.
struct Run {
    id: &'static str,
    experiment: &'static str,
    name: &'static str,
    /// When it started, as the story is written ("MM-DD HH:MM").
    at: &'static str,
    minutes: i64,
    /// The code commit it ran (abbreviated as the cards have it).
    commit: &'static str,
    params: &'static [(&'static str, &'static str)],
    /// Each metric's values, one per step.
    metrics: &'static [(&'static str, &'static [f64])],
}

const ALS: &[(&str, &str)] = &[
    ("model", "implicit-als"),
    ("alpha", "40"),
    ("regularization", "0.05"),
];

/// The runs the story's cards name (`experiment.runs`), and one the
/// weekend hypothesis has not recorded yet.
const RUNS: &[Run] = &[
    Run {
        id: "0412470e53b2781a5d1089d6531aa85c",
        experiment: "als-sweep",
        name: "als-f64",
        at: "09-21 16:00",
        minutes: 95,
        commit: "5d0e7b4",
        params: &[
            ("factors", "64"),
            ("model", "implicit-als"),
            ("alpha", "40"),
        ],
        metrics: &[
            ("precision_at_10", &[0.151, 0.168, 0.172]),
            ("recall_at_10", &[0.22, 0.25, 0.26]),
        ],
    },
    Run {
        id: "041394885d1a1d89dc59bc09dd22eb3d",
        experiment: "als-sweep",
        name: "als-f128",
        at: "09-21 18:30",
        minutes: 180,
        commit: "5d0e7b4",
        params: &[
            ("factors", "128"),
            ("model", "implicit-als"),
            ("alpha", "40"),
        ],
        metrics: &[
            ("precision_at_10", &[0.158, 0.174, 0.18]),
            ("recall_at_10", &[0.23, 0.26, 0.27]),
        ],
    },
    Run {
        id: "3f9a1cc167c03e650cb5ab6e1246316d",
        experiment: "recs",
        name: "als-128-validation",
        at: "09-22 11:00",
        minutes: 120,
        commit: "5d0e7b4",
        params: ALS,
        metrics: &[
            ("precision_at_10", &[0.161, 0.176, 0.18]),
            ("recall_at_10", &[0.24, 0.26, 0.27]),
            ("train_loss", &[0.91, 0.62, 0.55]),
        ],
    },
    Run {
        id: "3f9a2e34e13f49ff2b38305b2a35d851",
        experiment: "recs",
        name: "als-128-seed-2",
        at: "09-22 13:30",
        minutes: 118,
        commit: "5d0e7b4",
        params: ALS,
        metrics: &[
            ("precision_at_10", &[0.159, 0.175, 0.179]),
            ("recall_at_10", &[0.24, 0.26, 0.27]),
            ("train_loss", &[0.92, 0.63, 0.55]),
        ],
    },
    Run {
        id: "4a07d226b368f25083f6cb3517c166fc",
        experiment: "recs",
        name: "tfidf-knn",
        at: "09-25 14:00",
        minutes: 40,
        commit: "9e21f30",
        params: &[("model", "tfidf-knn"), ("neighbours", "50")],
        metrics: &[("precision_at_10", &[0.14]), ("recall_at_10", &[0.19])],
    },
    Run {
        id: "6c1f081de87738255a10f581f0806e7e",
        experiment: "recs",
        name: "hybrid-lgbm-v1",
        at: "10-06 11:00",
        minutes: 170,
        commit: "b7d4e19",
        params: &[("model", "als-128+lightgbm"), ("candidates", "200")],
        metrics: &[
            ("precision_at_10", &[0.196, 0.209, 0.214]),
            ("recall_at_10", &[0.27, 0.29, 0.29]),
        ],
    },
    Run {
        id: "6c1f3bd4ba80c35b886885bff46fca2c",
        experiment: "recs",
        name: "hybrid-lgbm-price-band",
        at: "10-06 15:00",
        minutes: 175,
        commit: "b7d4e19",
        params: &[
            ("model", "als-128+lightgbm"),
            ("candidates", "200"),
            ("price_band", "true"),
        ],
        metrics: &[
            ("precision_at_10", &[0.201, 0.215, 0.219]),
            ("recall_at_10", &[0.28, 0.29, 0.3]),
        ],
    },
    Run {
        id: "6c20a46521ca7146b0a031232589adaa",
        experiment: "recs",
        name: "hybrid-lgbm-final",
        at: "10-07 10:00",
        minutes: 180,
        commit: "b7d4e19",
        params: &[
            ("model", "als-128+lightgbm"),
            ("candidates", "200"),
            ("price_band", "true"),
        ],
        metrics: &[
            ("precision_at_10", &[0.205, 0.219, 0.225]),
            ("recall_at_10", &[0.28, 0.3, 0.3]),
            ("add_to_cart_rate", &[0.031]),
        ],
    },
    Run {
        id: "71d0c217a907713a90a33ea55f9dcb4c",
        experiment: "recs",
        name: "hybrid-popularity-blend",
        at: "10-14 11:00",
        minutes: 110,
        commit: "c3a9f57",
        params: &[("model", "hybrid+popularity-blend"), ("blend_days", "7")],
        metrics: &[
            ("recall_at_10_new_items", &[0.05, 0.079, 0.085]),
            ("precision_at_10", &[0.214, 0.22, 0.221]),
        ],
    },
    Run {
        id: "7a3301977b1e8624794e18743fa5c2a6",
        experiment: "recs",
        name: "recency-seed-1",
        at: "10-20 10:00",
        minutes: 55,
        commit: "d08f6a2",
        params: &[("recency_weight", "2"), ("seed", "1")],
        metrics: &[("recall_at_10", &[0.299]), ("precision_at_10", &[0.224])],
    },
    Run {
        id: "7a3302c4ed1ceeb690234e26f8405976",
        experiment: "recs",
        name: "recency-seed-2",
        at: "10-20 11:00",
        minutes: 55,
        commit: "d08f6a2",
        params: &[("recency_weight", "2"), ("seed", "2")],
        metrics: &[("recall_at_10", &[0.303]), ("precision_at_10", &[0.226])],
    },
    Run {
        id: "7a3303ace5ced867789177beb37bdb44",
        experiment: "recs",
        name: "recency-seed-3",
        at: "10-20 12:00",
        minutes: 55,
        commit: "d08f6a2",
        params: &[("recency_weight", "2"), ("seed", "3")],
        metrics: &[("recall_at_10", &[0.307]), ("precision_at_10", &[0.225])],
    },
    Run {
        id: "7a330419347c43b8005ea5f5538b3f55",
        experiment: "recs",
        name: "recency-seed-4",
        at: "10-20 13:00",
        minutes: 55,
        commit: "d08f6a2",
        params: &[("recency_weight", "2"), ("seed", "4")],
        metrics: &[("recall_at_10", &[0.301]), ("precision_at_10", &[0.224])],
    },
    Run {
        id: "7a330528eeaa7513b20dad37d81a84ac",
        experiment: "recs",
        name: "recency-seed-5",
        at: "10-20 14:00",
        minutes: 55,
        commit: "d08f6a2",
        params: &[("recency_weight", "2"), ("seed", "5")],
        metrics: &[("recall_at_10", &[0.305]), ("precision_at_10", &[0.226])],
    },
    Run {
        id: "9b11e030b25e0ecd2b0fc6935931e6ac",
        experiment: "recs",
        name: "weekend-feature",
        at: "11-13 10:00",
        minutes: 150,
        commit: "f2c6d83",
        params: &[("model", "hybrid+is_weekend"), ("weekend_days", "18")],
        metrics: &[
            ("precision_at_10_weekend", &[0.176, 0.186, 0.19]),
            ("precision_at_10", &[0.219, 0.221, 0.221]),
        ],
    },
    Run {
        id: "9b2f415e7520368df89b8b92f746dc42",
        experiment: "recs",
        name: "weekend-weighted",
        at: "11-19 14:00",
        minutes: 160,
        commit: "f2c6d83",
        params: &[("model", "hybrid+weekend-weights"), ("weekend_days", "22")],
        metrics: &[
            ("precision_at_10_weekend", &[0.181, 0.195, 0.204]),
            ("precision_at_10", &[0.218, 0.22, 0.22]),
        ],
    },
];

/// The run ids the story's cards may name (`mlflow:<id>`).
#[cfg(test)]
pub fn ids() -> impl Iterator<Item = &'static str> {
    RUNS.iter().map(|r| r.id)
}

/// Write the demo's `mlflow.db` in `root`, the story having ended at
/// `end` (seconds since the epoch): each run at its place in the story.
pub fn log(root: &Path, end: i64) -> Result<()> {
    let path = root.join("mlflow.db");
    let mut db = Connection::open(&path)
        .with_context(|| format!("cannot create the demo's MLflow store {}", path.display()))?;
    let tx = db.transaction()?;
    tx.execute_batch(SCHEMA)?;
    let written_end = story_time(STORY_END)?;
    let ms = |at: &str| -> Result<i64> { Ok((end - (written_end - story_time(at)?)) * 1000) };
    let artifacts = root.join("mlruns");
    let mut experiments: Vec<&str> = vec!["Default"];
    for r in RUNS {
        if !experiments.contains(&r.experiment) {
            experiments.push(r.experiment);
        }
    }
    let created = ms(RUNS[0].at)? - 3_600_000;
    for (i, name) in experiments.iter().enumerate() {
        tx.execute(
            "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace) VALUES (?1, ?2, ?3, 'active', ?4, ?4, 'default')",
            params![i as i64, name, artifacts.join(i.to_string()).display().to_string(), created],
        )?;
    }
    for r in RUNS {
        let experiment = experiments
            .iter()
            .position(|e| *e == r.experiment)
            .unwrap_or(0);
        let start = ms(r.at)?;
        let end = start + r.minutes * 60_000;
        tx.execute(
            "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time) VALUES (?1, ?2, 'UNKNOWN', '', '', 'mei', 'FINISHED', ?3, ?4, '', 'active', ?5, ?6, NULL)",
            params![
                r.id,
                r.name,
                start,
                end,
                artifacts
                    .join(experiment.to_string())
                    .join(r.id)
                    .join("artifacts")
                    .display()
                    .to_string(),
                experiment as i64
            ],
        )?;
        // A full commit id, as MLflow records it: the card's abbreviated
        // one, made up to 40 hex digits.
        let commit: String = format!("{}{}{}", r.commit, r.id, r.id)
            .chars()
            .take(40)
            .collect();
        for (k, v) in [
            ("mlflow.user", "mei"),
            ("mlflow.source.name", "train.py"),
            ("mlflow.source.type", "LOCAL"),
            ("mlflow.source.git.commit", commit.as_str()),
            ("mlflow.source.git.branch", "main"),
            ("mlflow.runName", r.name),
        ] {
            tx.execute(
                "INSERT INTO tags (key, value, run_uuid) VALUES (?1, ?2, ?3)",
                params![k, v, r.id],
            )?;
        }
        for (k, v) in r.params {
            tx.execute(
                "INSERT INTO params (key, value, run_uuid) VALUES (?1, ?2, ?3)",
                params![k, v, r.id],
            )?;
        }
        for (key, values) in r.metrics {
            let mut last = None;
            for (step, value) in values.iter().enumerate() {
                // Steps spread over the run, as training logs them.
                let at =
                    start + (r.minutes * 60_000) * (step as i64 + 1) / (values.len() as i64 + 1);
                tx.execute(
                    "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
                    params![key, value, at, r.id, step as i64],
                )?;
                last = Some((value, at, step as i64));
            }
            if let Some((value, at, step)) = last {
                tx.execute(
                    "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?1, ?2, ?3, ?4, 0, ?5)",
                    params![key, value, at, step, r.id],
                )?;
            }
        }
    }
    tx.commit()?;
    // A team keeps its tracking store out of git; so does the demo.
    if let Some(exclude) = git2::Repository::open(root)
        .ok()
        .map(|repo| repo.path().join("info").join("exclude"))
    {
        if let Some(dir) = exclude.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut text = std::fs::read_to_string(&exclude).unwrap_or_default();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("# The demo's MLflow runs (lanes demo)\n/mlflow.db\n/mlflow.db-journal\n");
        crate::store::write_atomic(&exclude, text.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Board;

    #[test]
    fn the_cards_name_the_runs_in_the_store_and_they_end_before_the_story() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = super::super::create(dir.path()).expect("the demo");
        let board = Board::load(&root).expect("the board");
        let named: Vec<String> = board
            .cards
            .iter()
            .filter_map(|c| c.experiment.as_ref())
            .flat_map(|e| e.runs.clone())
            .collect();
        let ids: Vec<&str> = ids().collect();
        for run in &named {
            let id = run.strip_prefix("mlflow:").expect("an MLflow run");
            assert!(ids.contains(&id), "{run} is not in the demo's store");
        }
        // All but the newest weekend run (not recorded yet) are on a card.
        let unnamed: Vec<&&str> = ids
            .iter()
            .filter(|id| !named.iter().any(|n| n.ends_with(**id)))
            .collect();
        assert_eq!(unnamed, [&"9b2f415e7520368df89b8b92f746dc42"]);
        // The runs end before the story does, and are read back by lanes.
        let reader = crate::evidence::mlflow::Store::Sqlite(root.join("mlflow.db"))
            .open()
            .expect("an MLflow store lanes reads");
        let repo = git2::Repository::open(&root).expect("repo");
        let head = repo
            .head()
            .and_then(|h| h.peel_to_commit())
            .expect("HEAD")
            .time()
            .seconds();
        for id in &ids {
            let run = reader.run(id).expect("the run");
            assert_eq!(run.status, "FINISHED");
            assert!(
                run.end_ms.is_some_and(|e| e <= head * 1000),
                "{id} ends after the story"
            );
        }
        // The store is not in the story's history, and git leaves it out.
        assert!(repo
            .status_should_ignore(std::path::Path::new("mlflow.db"))
            .unwrap());
    }
}
