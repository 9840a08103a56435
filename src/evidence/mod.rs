//! Evidence-linked hypotheses: a card's result and verdict read from the
//! run that produced them (an MLflow run, a DVC metrics file), recorded
//! with the run's provenance, and checked later for staleness.
//!
//! - `mlflow`: MLflow's SQLite and file stores, read-only;
//! - `dvc`: metrics files and `dvc.lock`;
//! - `verdict`: the rule from direction, baseline and target;
//! - `stale`: whether a recorded verdict still holds;
//! - `run`: `lanes run`, a training command recorded on its card.
//!
//! Everything here reads; the one change, recording, goes through
//! [`ops::record`](crate::ops::record) as one commit.

pub mod dvc;
pub mod mlflow;
pub mod run;
pub mod stale;
pub mod verdict;

use crate::model::{date, Card, Evidence, Verdict};
use crate::ops::{self, Context, Record};
use crate::store::Index;
use anyhow::{anyhow, bail, Result};
use serde_yaml::{Number, Value};
use std::path::{Path, PathBuf};

/// Where a result is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `mlflow:RUN_ID` (a bare run id means the same).
    Mlflow(String),
    /// `dvc:PATH[#key.path]`, PATH relative to the repository root.
    Dvc { path: String, key: Option<String> },
}

impl Source {
    pub fn parse(s: &str) -> Result<Source> {
        let s = s.trim();
        if let Some(id) = s.strip_prefix("mlflow:") {
            return Ok(Source::Mlflow(id.trim().to_string()));
        }
        if let Some(rest) = s.strip_prefix("dvc:") {
            let (path, key) = match rest.split_once('#') {
                Some((p, k)) => (p, Some(k.trim().to_string()).filter(|k| !k.is_empty())),
                None => (rest, None),
            };
            if path.trim().is_empty() {
                bail!("{s:?}: name the metrics file, e.g. dvc:dvclive/metrics.json#eval.precision");
            }
            return Ok(Source::Dvc {
                path: path.trim().trim_start_matches("./").to_string(),
                key,
            });
        }
        if s.len() >= 6 && s.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(Source::Mlflow(s.to_string()));
        }
        bail!("{s:?} is not a source; use mlflow:RUN_ID or dvc:PATH[#key.path]")
    }
}

/// Whether recording gives a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictMode {
    /// Give it; a hypothesis without a numeric target is an error.
    Give,
    /// Leave the verdict as it is (`--no-verdict`).
    Skip,
    /// Give it when the hypothesis has the numbers (after a long run).
    IfPossible,
}

/// How to record a result.
#[derive(Debug, Clone)]
pub struct Options {
    /// The metric key (default: the card's `hypothesis.metric`).
    pub metric: Option<String>,
    /// The MLflow store (default: found as MLflow finds it).
    pub store: Option<PathBuf>,
    pub verdict: VerdictMode,
    /// `lanes run`: the command's standard output goes to standard error,
    /// so lanes' own stdout holds only its `--json` report.
    pub command_stdout_to_stderr: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            metric: None,
            store: None,
            verdict: VerdictMode::Give,
            command_stdout_to_stderr: false,
        }
    }
}

/// The top of the work tree holding the board (the board's folder when
/// it is not in git): where `mlflow.db`, `mlruns/` and `dvc.lock` are.
pub fn repo_root(root: &Path) -> PathBuf {
    crate::git::open(root)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .and_then(|p| std::fs::canonicalize(p).ok())
        .unwrap_or_else(|| root.to_path_buf())
}

/// A path as evidence keeps it: relative to the repository when inside.
fn shown_path(repo_root: &Path, p: &Path) -> String {
    let p = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    match p.strip_prefix(repo_root) {
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => p.to_string_lossy().into_owned(),
    }
}

/// The evidence's store, found again from where it was recorded: inside
/// the repository (a regular database or a folder, not through a link out
/// of it), or outside it only when it is the store the user named
/// (`MLFLOW_TRACKING_URI`): a path in a teammate's card is never opened on
/// its own. `Ok(None)`: not here, or outside (that proves nothing);
/// `Err`: why lanes refuses to open what is there.
pub(crate) fn store_of(repo_root: &Path, e: &Evidence) -> Result<Option<mlflow::Store>, String> {
    let Some(s) = e.store.as_deref() else {
        return Ok(None);
    };
    if Path::new(s).is_absolute() {
        let named = mlflow::configured().and_then(Result::ok);
        let same = |store: &mlflow::Store| {
            let canon = |p: &Path| std::fs::canonicalize(p).ok();
            canon(store.path()).is_some_and(|a| canon(Path::new(s)) == Some(a))
        };
        return Ok(named.filter(same));
    }
    match crate::store::read::locate(repo_root, s, &mlflow::IN_REPOSITORY) {
        Ok(found) if found.meta.is_dir() => Ok(Some(mlflow::Store::Files(found.path))),
        Ok(found) => found
            .file(&mlflow::IN_REPOSITORY)
            .map(|p| Some(mlflow::Store::Sqlite(p)))
            .map_err(|e| e.to_string()),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

fn finite(value: f64, what: &str) -> Result<f64> {
    if value.is_nan() {
        bail!("{what} is NaN (not a number); nothing was recorded");
    }
    if value.is_infinite() {
        bail!("{what} is infinite; nothing was recorded");
    }
    Ok(value)
}

fn short_run(id: &str) -> &str {
    &id[..8.min(id.len())]
}

/// Read `metric` from `source`, with the provenance the source itself
/// holds (not yet HEAD, dvc.lock or the verdict: see [`provenance`]).
pub fn read(
    repo_root: &Path,
    source: &Source,
    metric: &str,
    store: Option<&Path>,
) -> Result<Evidence> {
    match source {
        Source::Mlflow(query) => {
            let store = mlflow::find(repo_root, store)?;
            let reader = store.open()?;
            let run = reader.run(query)?;
            let short = short_run(&run.id);
            if run.deleted {
                bail!("MLflow run {short} was deleted; it gives no result");
            }
            match run.status.as_str() {
                "FINISHED" => {}
                "RUNNING" | "SCHEDULED" => bail!(
                    "MLflow run {short} is still running (status {}); record its result when it has finished",
                    run.status
                ),
                other => bail!(
                    "MLflow run {short} did not finish (status {other}); a failed run gives no result (note the failure with `lanes note`)"
                ),
            }
            let Some(last) = reader.final_value(&run.id, metric)? else {
                let keys = reader.metric_keys(&run.id)?;
                bail!(
                    "MLflow run {short} has no metric {metric:?}; it logged: {} (give --metric KEY)",
                    if keys.is_empty() {
                        "no metrics".to_string()
                    } else {
                        keys.join(", ")
                    }
                );
            };
            let value = finite(
                last.value,
                &format!("the final {metric} of run {short} (step {})", last.step),
            )?;
            let commit = reader.tag(&run.id, "mlflow.source.git.commit")?;
            let params = reader.params(&run.id)?;
            let time = run.end_ms.or(run.start_ms).map(|ms| ms.div_euclid(1000));
            Ok(Evidence {
                source: format!("mlflow:{}", run.id),
                store: Some(shown_path(repo_root, store.path())),
                metric: metric.to_string(),
                step: Some(last.step),
                value,
                run_time: time.map(date::format_timestamp),
                commit_from: commit.as_ref().map(|_| "run".to_string()),
                commit,
                params,
                ..Default::default()
            })
        }
        Source::Dvc { path, key } => {
            let key = key.as_deref().unwrap_or(metric);
            let (m, mtime) = dvc::read_file(repo_root, path, key)?;
            let value = finite(m.value, &format!("{key} in {path}"))?;
            Ok(Evidence {
                source: format!("dvc:{path}#{}", m.key),
                metric: m.key,
                step: m.step,
                value,
                run_time: mtime.map(date::format_timestamp),
                ..Default::default()
            })
        }
    }
}

/// Complete evidence read from a source: the code commit (HEAD when the
/// run recorded none), the data hashes and params `dvc.lock` holds, when
/// it was recorded.
pub fn provenance(ctx: &Context, repo_root: &Path, e: &mut Evidence) -> Result<()> {
    if e.commit.is_none() {
        if let Some(head) = crate::git::open(repo_root)
            .ok()
            .and_then(|r| r.head().ok()?.peel_to_commit().ok().map(|c| c.id()))
        {
            e.commit = Some(head.to_string());
            e.commit_from = Some("head".into());
        }
    }
    let metrics_file = e
        .source
        .strip_prefix("dvc:")
        .map(|s| s.split('#').next().unwrap_or(s).to_string());
    if let Some(lock) = dvc::Lock::load(repo_root)? {
        e.data = lock.depended_on(metrics_file.as_deref());
        if e.params.is_empty() {
            if let Some(stage) = metrics_file.as_deref().and_then(|m| lock.producer(m)) {
                e.params = stage.params.clone();
            }
        }
    }
    if e.params.is_empty() {
        if let Some(m) = &metrics_file {
            e.params = dvc::params_beside(repo_root, m);
        }
    }
    e.recorded_at = Some(date::format_timestamp(ctx.now()));
    Ok(())
}

/// The metric a card's result is about.
pub fn metric_of(card: &Card, explicit: Option<&str>) -> Result<String> {
    explicit
        .map(str::to_string)
        .or_else(|| card.hypothesis.as_ref().and_then(|h| h.metric.clone()))
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| {
            anyhow!(
                "card {} has no hypothesis.metric; give --metric KEY (or set it: lanes edit {} --set hypothesis.metric=KEY)",
                card.short_id(),
                card.short_id()
            )
        })
}

/// The verdict evidence gives a card, as `mode` asks.
pub fn verdict_for(card: &Card, value: f64, mode: VerdictMode) -> Result<Option<Verdict>> {
    let h = card.hypothesis.clone().unwrap_or_default();
    match mode {
        VerdictMode::Skip => Ok(None),
        VerdictMode::Give => verdict::verdict(&h, value).map(Some),
        VerdictMode::IfPossible => Ok(verdict::verdict(&h, value).ok()),
    }
}

/// Evidence read and checked for a card: what recording it would do.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The card's full id.
    pub card: String,
    pub evidence: Evidence,
    pub verdict: Option<Verdict>,
}

impl Reading {
    /// One line for people: `precision 0.232 (step 2) from mlflow:59de1f80 → supported`.
    pub fn describe(&self) -> String {
        let e = &self.evidence;
        let step = e.step.map(|s| format!(" (step {s})")).unwrap_or_default();
        let source = match e.run_id() {
            Some(id) => format!("mlflow:{}", short_run(id)),
            None => e.source.clone(),
        };
        let verdict = self.verdict.map(|v| format!(" → {v}")).unwrap_or_default();
        format!(
            "{} {}{step} from {source}{verdict}",
            e.metric,
            show_number(e.value)
        )
    }

    /// The commit subject's detail: `0.232 from mlflow:59de1f80, supported`.
    pub fn brief(&self) -> String {
        let e = &self.evidence;
        let source = match e.run_id() {
            Some(id) => format!("mlflow:{}", short_run(id)),
            None => e.source.split('#').next().unwrap_or(&e.source).to_string(),
        };
        let verdict = self.verdict.map(|v| format!(", {v}")).unwrap_or_default();
        format!("{} from {source}{verdict}", show_number(e.value))
    }

    /// The record that puts it on the card (`verb`: `result` or `run`).
    pub fn into_record(self, verb: &'static str) -> Record {
        let detail = self.brief();
        let run = self.evidence.run_id().map(|id| format!("mlflow:{id}"));
        Record {
            card: self.card,
            result: Some(number_value(self.evidence.value)),
            verdict: self.verdict,
            run,
            evidence: Some(self.evidence),
            cost: None,
            note: None,
            verb,
            detail,
        }
    }
}

/// A result as YAML: a number.
pub fn number_value(v: f64) -> Value {
    Value::Number(Number::from(v))
}

/// A number as people read it (no trailing `.0` noise beyond what is there).
pub fn show_number(v: f64) -> String {
    format!("{v}")
}

/// Read the evidence `source` gives `card` (one card of the board at
/// `root`), checked, with its provenance and verdict. Reads only.
pub fn reading(
    ctx: &Context,
    root: &Path,
    card: &Card,
    source: &str,
    opts: &Options,
) -> Result<Reading> {
    let metric = metric_of(card, opts.metric.as_deref())?;
    let source = Source::parse(source)?;
    let repo = repo_root(root);
    let mut e = read(&repo, &source, &metric, opts.store.as_deref())?;
    provenance(ctx, &repo, &mut e)?;
    let verdict = verdict_for(card, e.value, opts.verdict)?;
    e.verdict = verdict;
    Ok(Reading {
        card: card.id.clone(),
        evidence: e,
        verdict,
    })
}

/// `lanes result`: read `source` and record it on the card, one commit.
pub fn record_result(
    ctx: &Context,
    root: &Path,
    card_query: &str,
    source: &str,
    opts: &Options,
) -> Result<(Reading, ops::Outcome)> {
    let index = Index::load(root)?;
    let card = ops::lookup(&index, card_query)?;
    let r = reading(ctx, root, &card, source, opts)?;
    let outcome = ops::apply(
        ctx,
        root,
        ops::Action::Record(Box::new(r.clone().into_record("result"))),
    )?;
    Ok((r, outcome))
}

/// The store's most recent runs that logged `metric`, newest first (for
/// completing a run id on the board screen): id, start time, final value.
pub fn recent_runs(root: &Path, metric: &str, limit: usize) -> Result<Vec<mlflow::Recent>> {
    let store = mlflow::find(&repo_root(root), None)?;
    store.open()?.recent(metric, None, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse() {
        assert_eq!(
            Source::parse("mlflow:abc123").unwrap(),
            Source::Mlflow("abc123".into())
        );
        assert_eq!(
            Source::parse("59de1f809d48").unwrap(),
            Source::Mlflow("59de1f809d48".into())
        );
        assert_eq!(
            Source::parse("dvc:./dvclive/metrics.json#eval.p").unwrap(),
            Source::Dvc {
                path: "dvclive/metrics.json".into(),
                key: Some("eval.p".into())
            }
        );
        assert!(Source::parse("wandb:x/y").is_err());
        assert!(Source::parse("dvc:").is_err());
    }
}
