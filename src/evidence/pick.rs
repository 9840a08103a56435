//! What the board's `r` offers for a hypothesis: the recent runs that
//! logged its metric (Tab goes through them), or, when none did, the keys
//! recent runs logged, to pick the one it is measured by (recorded as
//! `mlflow:RUN#KEY`, the key then kept as its `metric_key`). Every reason
//! is said for the screen: whole sentences, no command-line option.

use super::names::Wanted;
use super::VerdictMode;
use super::{mlflow, on_screen, record_result, repo_root, show_number, wanted, Options};
use crate::model::Card;
use crate::ops::{self, Context};
use crate::store::Index;
use std::path::Path;

/// Runs listed when none logged the metric: their keys are offered.
const RUNS_FOR_KEYS: usize = 5;
/// At most this many keys offered in all.
const MAX_KEYS: usize = 40;

/// What `r` offers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Offer {
    /// A sentence above the list: what it holds, or why there is nothing
    /// to pick and what to type instead.
    pub about: String,
    /// (source, what it is): `mlflow:RUN` for a run that logged the
    /// metric, `mlflow:RUN#KEY` for a key of a run when none did.
    pub choices: Vec<(String, String)>,
}

fn started(ms: i64) -> String {
    let at = crate::model::date::format_timestamp(ms.div_euclid(1000));
    at.get(..16).unwrap_or(&at).replace('T', " ")
}

/// Record what was picked (or typed) for the card `id`, as `lanes result`
/// does, for the board: a hypothesis without a numeric target still gets
/// its result, and an error is said for the screen (its kind kept: a held
/// lock is still "busy").
pub fn record(
    ctx: &Context,
    root: &Path,
    id: &str,
    source: &str,
) -> Result<ops::Outcome, ops::Error> {
    let opts = Options {
        verdict: VerdictMode::IfPossible,
        ..Default::default()
    };
    record_result(ctx, root, id, source, &opts)
        .map(|(_, outcome)| outcome)
        .map_err(|e| ops::Error::Other(ops::Error::kind_of(&e), anyhow::anyhow!(on_screen(&e))))
}

/// What `r` offers for the card `id` of the board at `root` (read now:
/// its metric and metric_key as they are on disk).
pub fn offer_for(root: &Path, id: &str, limit: usize) -> Offer {
    let card = Index::load(root).and_then(|index| ops::lookup(&index, id));
    match card {
        Ok(card) => offer(root, &card, limit),
        Err(e) => Offer {
            about: on_screen(&e),
            choices: Vec::new(),
        },
    }
}

/// What `r` offers for `card`, at most `limit` runs.
pub fn offer(root: &Path, card: &Card, limit: usize) -> Offer {
    let fail = |e: anyhow::Error| Offer {
        about: on_screen(&e),
        choices: Vec::new(),
    };
    let wanted = match wanted(card, None) {
        Ok(w) => w,
        Err(_) => {
            return Offer {
                about: format!(
                    "{} has no hypothesis metric to read from a run. Type dvc:PATH#key for a metrics file.",
                    card.short_id()
                ),
                choices: Vec::new(),
            }
        }
    };
    let store = match mlflow::find(&repo_root(root), None) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let reader = match store.open() {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let name = store.path().file_name().map_or_else(
        || store.path().display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    match offer_from(&reader, &name, &wanted, limit) {
        Ok(o) => o,
        Err(e) => fail(e),
    }
}

fn offer_from(
    reader: &mlflow::Reader,
    store: &str,
    wanted: &Wanted,
    limit: usize,
) -> anyhow::Result<Offer> {
    let recent = reader.recent(wanted, None, limit)?;
    if let Some(first) = recent.first() {
        let one_key = recent
            .iter()
            .all(|r| r.key == first.key && r.also.is_empty());
        let key = first.key.as_str();
        let what = wanted.describe();
        let about = if !one_key {
            format!("Recent runs that logged {what} (under the keys shown):")
        } else if wanted.metric_key.as_deref() == Some(key) {
            format!("Recent runs that logged {key} (the hypothesis's metric_key):")
        } else if wanted.metric.as_deref() == Some(key) {
            format!("Recent runs that logged {key}:")
        } else {
            format!("Recent runs that logged {what} (as {key}, by MLflow's name rules):")
        };
        let mut choices = Vec::new();
        for r in &recent {
            let when = started(r.start_ms);
            if r.also.is_empty() {
                let key = if one_key {
                    String::new()
                } else {
                    format!("{} ", r.key)
                };
                choices.push((
                    format!("mlflow:{}", r.id),
                    format!("{key}{} · started {when}", show_number(r.value)),
                ));
                continue;
            }
            // Two keys the name matches: each is offered by name.
            let short = &r.id[..r.id.len().min(12)];
            for (k, v) in reader.finals(&r.id)? {
                if k == r.key || r.also.contains(&k) {
                    choices.push((
                        format!("mlflow:{short}#{k}"),
                        format!("{} · started {when}", show_number(v)),
                    ));
                }
            }
        }
        return Ok(Offer { about, choices });
    }
    let runs: Vec<mlflow::Run> = reader
        .runs(None, limit.max(RUNS_FOR_KEYS))?
        .into_iter()
        .filter(|r| r.status == "FINISHED")
        .take(RUNS_FOR_KEYS)
        .collect();
    let mut choices = Vec::new();
    for r in &runs {
        let short = &r.id[..r.id.len().min(12)];
        for (key, value) in reader.finals(&r.id)? {
            if choices.len() >= MAX_KEYS {
                break;
            }
            choices.push((
                format!("mlflow:{short}#{key}"),
                format!(
                    "{} · run started {}",
                    show_number(value),
                    started(r.start_ms.unwrap_or(0))
                ),
            ));
        }
    }
    let about = if choices.is_empty() {
        format!(
            "No run in {store} logged {} yet, and no finished run logged any metric. Type a run id, or dvc:PATH#key for a metrics file.",
            wanted.describe()
        )
    } else {
        format!(
            "No run in {store} logged {}, nor a key MLflow's name rules match to it. Pick the key it is logged under: it becomes the hypothesis's metric_key.",
            wanted.describe()
        )
    };
    Ok(Offer { about, choices })
}
