//! `lanes result` and `lanes run`: results and verdicts from the runs
//! themselves, and the evidence and staleness lines of `lanes show`.

use super::args::ReadArgs;
use crate::evidence::{self, Options, VerdictMode};
use crate::model::Card;
use crate::ops::{self, Context};
use crate::term::{self, say};
use anyhow::Result;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

fn options(read: &ReadArgs) -> Options {
    Options {
        metric: read.metric.clone(),
        store: read.store.clone(),
        verdict: if read.no_verdict {
            VerdictMode::Skip
        } else {
            VerdictMode::Give
        },
        command_stdout_to_stderr: read.json,
        because: read.because.clone(),
        expect: None,
    }
}

fn commit_note(outcome: &ops::Outcome) -> String {
    match &outcome.commit {
        Some(oid) => format!(" [{}]", &oid.to_string()[..8]),
        None if outcome.written.is_some() => {
            " (written, not committed: this board has `commit: manual`)".to_string()
        }
        None => String::new(),
    }
}

/// A verdict the numbers contradict, refused: the error says, after why,
/// how to give the reason on the command line.
pub fn verdict_hint(e: ops::Error) -> anyhow::Error {
    let disagrees = match &e {
        ops::Error::Other(_, inner) => inner
            .downcast_ref::<evidence::verdict::Disagrees>()
            .map(|d| d.computed),
        ops::Error::Conflict(_) => None,
    };
    match disagrees {
        Some(computed) => ops::refused(format!(
            "{e}; give the reason it holds with --because TEXT (kept as hypothesis.rationale), or the verdict the numbers give ({computed})"
        )),
        None => e.into(),
    }
}

/// The evidence as `--json` has it (docs/FORMAT.md).
fn evidence_json(e: &crate::model::Evidence) -> serde_json::Value {
    serde_json::json!({
        "source": e.source,
        "store": e.store,
        "metric": e.metric,
        "metric_from": e.metric_from,
        "step": e.step,
        "value": e.value,
        "run_time": e.run_time,
        "commit": e.commit,
        "commit_from": e.commit_from,
        "dirty": e.dirty,
        "params": e.params,
        "data": e.data,
        "recorded_at": e.recorded_at,
    })
}

/// What was recorded, as `--json` has it: the card, the commit, the
/// result and verdict, and the evidence.
fn recorded_json(reading: Option<&evidence::Reading>, outcome: &ops::Outcome) -> serde_json::Value {
    serde_json::json!({
        "card": outcome.card,
        "commit": outcome.commit.map(|c| c.to_string()),
        "result": reading.map(|r| r.evidence.value),
        "verdict": reading.and_then(|r| r.verdict).map(|v| v.to_string()),
        "rationale": reading.and_then(|r| r.because.clone()),
        "metric_key": reading.and_then(|r| r.metric_key.clone()),
        "evidence": reading.map(|r| evidence_json(&r.evidence)),
    })
}

/// Say on stderr when what was recorded takes a budget past 80% or 100%
/// (the command still succeeds: the cost is recorded).
fn warn_budgets(root: &Path, outcome: &ops::Outcome) {
    if outcome.written.is_none() {
        return;
    }
    match crate::history::budget::warnings(root, &outcome.card, outcome.commit) {
        Ok(found) => {
            for w in found {
                say!("lanes: warning: {w}");
            }
        }
        Err(e) => say!("lanes: warning: the budgets could not be checked: {e:#}"),
    }
}

/// `lanes result CARD SOURCE`.
pub fn result(root: &Path, card: &str, source: &str, read: ReadArgs) -> Result<ExitCode> {
    let opts = options(&read);
    let (reading, outcome) =
        evidence::record_result(&Context::from_env(), root, card, source, &opts)
            .map_err(|e| verdict_hint(e.into()))?;
    if read.json {
        term::json(
            &mut term::stdout(),
            &recorded_json(Some(&reading), &outcome),
        )?;
    } else {
        writeln!(term::stdout(), "{}", reading.describe())?;
    }
    say!("{}{}", outcome.summary, commit_note(&outcome));
    warn_budgets(root, &outcome);
    Ok(ExitCode::SUCCESS)
}

/// `lanes verdict CARD VERDICT --source SOURCE`: the run's value recorded
/// as the result, with its provenance, and the verdict given if the value
/// gives it (or `--because` says why it holds): `lanes result` checked
/// against the verdict the caller expects.
pub fn verdict_from(
    root: &Path,
    card: &str,
    verdict: crate::model::Verdict,
    source: &str,
    because: Option<String>,
) -> Result<ExitCode> {
    if verdict == crate::model::Verdict::Open {
        return Err(ops::refused(
            "open claims nothing, so there is no run to cite; give it without --source",
        ));
    }
    let opts = Options {
        because,
        expect: Some(verdict),
        ..Options::default()
    };
    let (reading, outcome) =
        evidence::record_result(&Context::from_env(), root, card, source, &opts)
            .map_err(|e| verdict_hint(e.into()))?;
    writeln!(term::stdout(), "{}", reading.describe())?;
    say!("{}{}", outcome.summary, commit_note(&outcome));
    Ok(ExitCode::SUCCESS)
}

/// `lanes run CARD [--metrics PATH] -- CMD ARGS...`. Exits with the
/// command's status as a shell gives it (128+N when signal N killed it),
/// or 1 when it succeeded but gave no result.
pub fn run(
    root: &Path,
    card: &str,
    metrics: Option<String>,
    read: ReadArgs,
    command: &[String],
) -> Result<ExitCode> {
    let opts = options(&read);
    let done = evidence::run::run(
        &Context::from_env(),
        root,
        card,
        metrics.as_deref(),
        &opts,
        command,
    )?;
    let took = evidence::run::show_duration(done.duration);
    match (&done.reading, done.code) {
        (Some(r), _) => say!("lanes: the command finished in {took}: {}", r.describe()),
        (None, Some(0)) => say!(
            "lanes: the command finished in {took}, but no result was recorded: {}",
            done.no_result.as_deref().unwrap_or("no run found")
        ),
        (None, Some(c)) => say!("lanes: the command failed (exit {c}) after {took}; the failure is in the card's journal, the verdict unchanged"),
        (None, _) => say!(
            "lanes: the command was {} after {took}; that is in the card's journal, the verdict unchanged",
            match done.signal {
                Some(n) => format!("killed by {}", evidence::run::signal_name(n)),
                None => "killed".to_string(),
            }
        ),
    }
    if let Some(d) = &done.disagrees {
        say!(
            "lanes: the verdict {} is kept (--no-verdict), but {d}; give the reason: lanes verdict {} {} --because TEXT",
            d.given,
            crate::model::id::short(&done.outcome.card),
            d.given
        );
    }
    say!("{}{}", done.outcome.summary, commit_note(&done.outcome));
    warn_budgets(root, &done.outcome);
    if read.json {
        let mut v = recorded_json(done.reading.as_ref(), &done.outcome);
        v["exit_code"] = serde_json::json!(done.code);
        v["signal"] = serde_json::json!(done.signal.map(evidence::run::signal_name));
        v["duration_seconds"] = serde_json::json!(done.duration.as_secs_f64());
        v["no_result"] = serde_json::json!(done.no_result);
        v["verdict_disagrees"] = serde_json::json!(done.disagrees.as_ref().map(|d| d.to_string()));
        term::json(&mut term::stdout(), &v)?;
    }
    Ok(match done.shell_status() {
        0 if done.reading.is_none() => ExitCode::from(1),
        status => ExitCode::from(u8::try_from(status).unwrap_or(1)),
    })
}

/// How the key read relates to the hypothesis's metric, for `lanes show`.
fn key_note(card: &Card, e: &crate::model::Evidence) -> String {
    let metric = card
        .hypothesis
        .as_ref()
        .and_then(|h| h.metric.clone())
        .unwrap_or_default();
    match e.metric_from.as_deref() {
        Some("name") => format!(" (the run's key for {metric}, by MLflow's name rules)"),
        Some("metric_key") => format!(" (hypothesis.metric_key for {metric})"),
        Some("given") if e.metric != metric => " (the key named when it was recorded)".into(),
        _ => String::new(),
    }
}

/// The evidence section of `lanes show`: where the result came from and
/// whether its verdict is stale.
pub fn show_text(root: &Path, card: &Card) -> String {
    let Some(ev) = card.hypothesis.as_ref().and_then(|h| h.evidence()) else {
        return String::new();
    };
    let mut out = String::from("\nevidence (current result; earlier ones: lanes log)\n");
    let e = match ev {
        Ok(e) => e,
        Err(err) => return format!("{out}  cannot be read: {err}\n"),
    };
    let mut line = |k: &str, v: String| out.push_str(&format!("  {k:<11} {v}\n"));
    line("source", e.source.clone());
    if let Some(s) = &e.store {
        line("store", s.clone());
    }
    let step = e.step.map(|s| format!(" at step {s}")).unwrap_or_default();
    line(
        "value",
        format!(
            "{} = {}{step}{}",
            e.metric,
            evidence::show_number(e.value),
            key_note(card, &e)
        ),
    );
    if let Some(t) = &e.run_time {
        line("run time", t.clone());
    }
    if let Some(c) = &e.commit {
        let from = match e.commit_from.as_deref() {
            Some("head") => " (HEAD when recorded)",
            Some("run") => " (recorded by the run)",
            _ => "",
        };
        let dirty = if e.dirty == Some(true) {
            " with uncommitted changes"
        } else {
            ""
        };
        line("commit", format!("{c}{from}{dirty}"));
    }
    if !e.params.is_empty() {
        let p: Vec<String> = e.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        line("params", p.join(" "));
    }
    for (p, h) in &e.data {
        line("data", format!("{p} {h}"));
    }
    if let Some(t) = &e.recorded_at {
        line("recorded", t.clone());
    }
    let h = card.hypothesis.as_deref();
    match (e.verdict, h) {
        (Some(v), Some(h)) if v == h.verdict => line("verdict", format!("{v} (from the value)")),
        (_, Some(h)) if h.verdict != crate::model::Verdict::Open => {
            let from_value = evidence::verdict::computed(h)
                .map(|c| format!("; the value gives {c}"))
                .unwrap_or_default();
            line(
                "verdict",
                format!("{} given by hand{from_value}", h.verdict),
            );
        }
        _ => {}
    }
    let why = evidence::stale::Checker::new(root).check(&e);
    if !why.is_empty() {
        out.push_str("  STALE: the verdict may no longer hold:\n");
        for w in why {
            out.push_str(&format!("    - {w}\n"));
        }
    }
    out
}
