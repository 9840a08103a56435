//! Evidence-linked hypotheses: a card's result and verdict read from the
//! run that produced them (an MLflow run, a DVC metrics file), recorded
//! with the run's provenance, and checked later for staleness.
//!
//! - `mlflow`: MLflow's SQLite and file stores, read-only;
//! - `names`: which key of a run a hypothesis's metric is logged under;
//! - `pick`: what the board's `r` offers to record a result from;
//! - `dvc`: metrics files and `dvc.lock`;
//! - `verdict`: the rule from direction, baseline and target;
//! - `stale`: whether a recorded verdict still holds;
//! - `run`: `lanes run`, a training command recorded on its card.
//!
//! Everything here reads; the one change, recording, goes through
//! [`ops::record`](crate::ops::record) as one commit.

pub mod dvc;
pub mod mlflow;
pub mod names;
pub mod pick;
pub mod run;
pub mod stale;
pub mod verdict;

use crate::model::{date, Card, Evidence, Verdict};
use crate::ops::{self, Context, Record};
use crate::store::Index;
use anyhow::{bail, Result};
use names::{KeyFrom, Pick, Wanted};
use serde_yaml::{Number, Value};
use std::path::{Path, PathBuf};

/// Where a result is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `mlflow:RUN_ID[#KEY]` (a bare run id means the same): the run, and
    /// the key to read when it is named.
    Mlflow { run: String, key: Option<String> },
    /// `dvc:PATH[#key.path]`, PATH relative to the repository root.
    Dvc { path: String, key: Option<String> },
}

impl Source {
    pub fn parse(s: &str) -> Result<Source> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("mlflow:") {
            let (run, key) = match rest.split_once('#') {
                Some((r, k)) => (r, Some(k.trim().to_string()).filter(|k| !k.is_empty())),
                None => (rest, None),
            };
            return Ok(Source::Mlflow {
                run: run.trim().to_string(),
                key,
            });
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
            return Ok(Source::Mlflow {
                run: s.to_string(),
                key: None,
            });
        }
        bail!("{s:?} is not a source; use mlflow:RUN_ID[#KEY] or dvc:PATH[#key.path]")
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
    /// Why the verdict holds (`--because`): kept as the hypothesis's
    /// `rationale`.
    pub because: Option<String>,
    /// The verdict the caller gives (`lanes verdict --source`, the MCP
    /// verdict tool): recorded only if the run's value gives it too, or
    /// with `because` saying why it holds anyway.
    pub expect: Option<Verdict>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            metric: None,
            store: None,
            verdict: VerdictMode::Give,
            command_stdout_to_stderr: false,
            because: None,
            expect: None,
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

/// A run that logged no key for the metric: the keys it did log. Its
/// text names the command-line option that reads one; [`NoKey::on_screen`]
/// says it for the board screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoKey {
    /// The run's id, shortened.
    pub run: String,
    /// What was wanted, as [`Wanted::describe`] says it.
    pub wanted: String,
    /// Every key the run logged, sorted.
    pub keys: Vec<String>,
}

impl NoKey {
    fn what(&self) -> String {
        format!(
            "MLflow run {} logged no {} (nor a key MLflow's name rules match to it); it logged: {}",
            self.run,
            self.wanted,
            if self.keys.is_empty() {
                "no metrics".to_string()
            } else {
                self.keys.join(", ")
            }
        )
    }

    /// The reason as the board screen gives it.
    pub fn on_screen(&self) -> String {
        format!(
            "{}. Press r again and pick one of its keys with Tab.",
            self.what()
        )
    }
}

impl std::fmt::Display for NoKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}. Read one with --metric KEY (it becomes the hypothesis's metric_key), or set it: lanes edit CARD --set hypothesis.metric_key=KEY",
            self.what()
        )
    }
}

impl std::error::Error for NoKey {}

/// An error as the board screen shows it: the reasons that name a
/// command-line option in their text say what to do on the screen
/// instead.
pub fn on_screen(e: &anyhow::Error) -> String {
    if let Some(k) = e.downcast_ref::<NoKey>() {
        return k.on_screen();
    }
    if let Some(s) = e.downcast_ref::<mlflow::NoStore>() {
        return s.on_screen();
    }
    format!("{e:#}")
}

/// Read what `wanted` names from `source`, with the provenance the source
/// itself holds (not yet HEAD, dvc.lock or the verdict: see
/// [`provenance`]). The evidence's `metric` is the key read and
/// `metric_from` how it was chosen.
pub fn read(
    repo_root: &Path,
    source: &Source,
    wanted: &Wanted,
    store: Option<&Path>,
) -> Result<Evidence> {
    match source {
        Source::Mlflow { run: query, key } => {
            let wanted = match key {
                Some(k) => Wanted {
                    given: Some(k.clone()),
                    ..wanted.clone()
                },
                None => wanted.clone(),
            };
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
            let keys = reader.metric_keys(&run.id)?;
            let (metric, from) = match wanted.pick(&keys) {
                Pick::Found(k, from) => (k, from),
                Pick::Ambiguous(found) => bail!(
                    "MLflow run {short} logged more than one key {} names by MLflow's name rules: {}; name the one to read as mlflow:{short}#KEY (it becomes the hypothesis's metric_key)",
                    wanted.describe(),
                    found.join(", ")
                ),
                Pick::None => {
                    return Err(NoKey {
                        run: short.to_string(),
                        wanted: wanted.describe(),
                        keys,
                    }
                    .into())
                }
            };
            let Some(last) = reader.final_value(&run.id, &metric)? else {
                bail!("MLflow run {short} has no value of {metric:?}");
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
                metric,
                metric_from: Some(from.as_str().to_string()),
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
            // A metrics file's keys are paths into it: the one named, else
            // the hypothesis's metric_key, else its metric.
            let (key, from) = match (key, &wanted.given, &wanted.metric_key, &wanted.metric) {
                (Some(k), ..) | (None, Some(k), ..) => (k, KeyFrom::Given),
                (None, None, Some(k), _) => (k, KeyFrom::MetricKey),
                (None, None, None, Some(m)) => (m, KeyFrom::Metric),
                (None, None, None, None) => {
                    bail!("name the key to read: dvc:{path}#key.path")
                }
            };
            let (m, mtime) = dvc::read_file(repo_root, path, key)?;
            let value = finite(m.value, &format!("{key} in {path}"))?;
            Ok(Evidence {
                source: format!("dvc:{path}#{}", m.key),
                metric: m.key,
                metric_from: Some(from.as_str().to_string()),
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

/// What a card's result is read as: the key named when recording
/// (`--metric`), the hypothesis's `metric_key` and `metric`.
pub fn wanted(card: &Card, given: Option<&str>) -> Result<Wanted> {
    let h = card.hypothesis.as_deref();
    let nonempty = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let w = Wanted {
        given: nonempty(given),
        metric_key: nonempty(h.and_then(|h| h.metric_key.as_deref())),
        metric: nonempty(h.and_then(|h| h.metric.as_deref())),
    };
    if w.given.is_none() && w.metric_key.is_none() && w.metric.is_none() {
        bail!(
            "card {} has no hypothesis.metric; give --metric KEY (or set it: lanes edit {} --set hypothesis.metric=KEY)",
            card.short_id(),
            card.short_id()
        );
    }
    Ok(w)
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
    /// The hypothesis's metric, as it names it (`precision@10`).
    pub metric: Option<String>,
    /// The key to keep as the hypothesis's `metric_key`: one named when
    /// recording that its metric does not otherwise find.
    pub metric_key: Option<String>,
    /// Why the verdict holds, to keep as its `rationale`.
    pub because: Option<String>,
}

impl Reading {
    /// How the key read relates to the hypothesis's metric, when it is
    /// not the metric as written: ` (precision@10 by MLflow's name rules)`.
    fn key_note(&self) -> String {
        let e = &self.evidence;
        let metric = self.metric.as_deref().unwrap_or_default();
        if self.metric_key.is_some() {
            return format!(" (now the hypothesis's metric_key for {metric})");
        }
        match e.metric_from.as_deref() {
            Some("name") => format!(" (the run's key for {metric}, by MLflow's name rules)"),
            Some("metric_key") => format!(" (the hypothesis's metric_key for {metric})"),
            _ => String::new(),
        }
    }

    /// One line for people: `precision_at_10 0.232 (step 2) from
    /// mlflow:59de1f80 → supported (the run's key for precision@10, by
    /// MLflow's name rules)`.
    pub fn describe(&self) -> String {
        let e = &self.evidence;
        let step = e.step.map(|s| format!(" (step {s})")).unwrap_or_default();
        let source = match e.run_id() {
            Some(id) => format!("mlflow:{}", short_run(id)),
            None => e.source.clone(),
        };
        let verdict = self.verdict.map(|v| format!(" → {v}")).unwrap_or_default();
        format!(
            "{} {}{step} from {source}{verdict}{}",
            e.metric,
            show_number(e.value),
            self.key_note()
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
            metric_key: self.metric_key,
            because: self.because,
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

/// The key to keep as the hypothesis's `metric_key` after reading `e`: a
/// key named when recording (MLflow), which the hypothesis's own names do
/// not find in the run's keys.
fn key_to_keep(card: &Card, e: &Evidence, keys_of_run: &[String]) -> Option<String> {
    if e.run_id().is_none() || e.metric_from.as_deref() != Some(KeyFrom::Given.as_str()) {
        return None;
    }
    let own = wanted(card, None).ok()?;
    match own.pick(keys_of_run) {
        Pick::Found(k, _) if k == e.metric => None,
        _ => Some(e.metric.clone()),
    }
}

/// The keys the run behind `e` logged (none for a metrics file).
fn keys_of(repo: &Path, e: &Evidence, store: Option<&Path>) -> Vec<String> {
    let Some(id) = e.run_id() else {
        return Vec::new();
    };
    mlflow::find(repo, store)
        .and_then(|s| s.open())
        .and_then(|r| r.metric_keys(id))
        .unwrap_or_default()
}

/// The verdict a card keeps (`--no-verdict`) against a new result: an
/// error when the numbers give another one and no reason is given.
fn check_kept_verdict(card: &Card, value: f64, because: Option<&str>) -> Result<()> {
    let Some(h) = card.hypothesis.as_deref() else {
        return Ok(());
    };
    let mut after = h.clone();
    after.result = Some(number_value(value));
    after.rationale = because.map(str::to_string);
    match verdict::disagreement(&after) {
        Some(d) => Err(anyhow::Error::new(d).context(format!(
            "with --no-verdict {} keeps its verdict, which the new result contradicts",
            card.short_id()
        ))),
        None => Ok(()),
    }
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
    let wanted = wanted(card, opts.metric.as_deref())?;
    let source = Source::parse(source)?;
    let repo = repo_root(root);
    let mut e = read(&repo, &source, &wanted, opts.store.as_deref())?;
    provenance(ctx, &repo, &mut e)?;
    let because = verdict::reason(opts.because.as_deref())?;
    let verdict = match opts.expect {
        Some(given) => {
            // The verdict given must be the one the value gives, or say
            // why it holds; lanes claims only the one it computed.
            let mut h = card.hypothesis.as_deref().cloned().unwrap_or_default();
            h.result = Some(number_value(e.value));
            h.verdict = given;
            h.rationale.clone_from(&because);
            if let Some(d) = verdict::disagreement(&h) {
                return Err(anyhow::Error::new(d).context(format!(
                    "the run's {} is {}",
                    e.metric,
                    show_number(e.value)
                )));
            }
            e.verdict =
                verdict_for(card, e.value, VerdictMode::IfPossible)?.filter(|v| *v == given);
            Some(given)
        }
        None => {
            let verdict = verdict_for(card, e.value, opts.verdict)?;
            if verdict.is_none() {
                check_kept_verdict(card, e.value, because.as_deref())?;
            }
            e.verdict = verdict;
            verdict
        }
    };
    // Only a key named when recording may become the metric_key: the
    // run's keys are read again only then.
    let metric_key = if e.metric_from.as_deref() == Some(KeyFrom::Given.as_str()) {
        key_to_keep(card, &e, &keys_of(&repo, &e, opts.store.as_deref()))
    } else {
        None
    };
    Ok(Reading {
        card: card.id.clone(),
        evidence: e,
        verdict,
        metric: card.hypothesis.as_ref().and_then(|h| h.metric.clone()),
        metric_key,
        because,
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

/// The store's most recent runs that logged a key `wanted` reads, newest
/// first, each with its final value and the key.
pub fn recent_runs(root: &Path, wanted: &Wanted, limit: usize) -> Result<Vec<mlflow::Recent>> {
    let store = mlflow::find(&repo_root(root), None)?;
    store.open()?.recent(wanted, None, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse() {
        assert_eq!(
            Source::parse("mlflow:abc123").unwrap(),
            Source::Mlflow {
                run: "abc123".into(),
                key: None
            }
        );
        assert_eq!(
            Source::parse("mlflow:abc123#precision_at_10").unwrap(),
            Source::Mlflow {
                run: "abc123".into(),
                key: Some("precision_at_10".into())
            }
        );
        assert_eq!(
            Source::parse("59de1f809d48").unwrap(),
            Source::Mlflow {
                run: "59de1f809d48".into(),
                key: None
            }
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
