//! `lanes result` and `lanes run`: results and verdicts from the runs
//! themselves, and the evidence and staleness lines of `lanes show`.

use super::term::{self, say};
use crate::evidence::{self, Options, VerdictMode};
use crate::model::Card;
use crate::ops::{self, Context};
use anyhow::Result;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn options(metric: Option<String>, store: Option<PathBuf>, no_verdict: bool) -> Options {
    Options {
        metric,
        store,
        verdict: if no_verdict {
            VerdictMode::Skip
        } else {
            VerdictMode::Give
        },
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

/// `lanes result CARD SOURCE`.
pub fn result(
    root: &Path,
    card: &str,
    source: &str,
    metric: Option<String>,
    store: Option<PathBuf>,
    no_verdict: bool,
) -> Result<ExitCode> {
    let opts = options(metric, store, no_verdict);
    let (reading, outcome) =
        evidence::record_result(&Context::from_env(), root, card, source, &opts)?;
    writeln!(term::stdout(), "{}", reading.describe())?;
    say!("{}{}", outcome.summary, commit_note(&outcome));
    Ok(ExitCode::SUCCESS)
}

/// `lanes run CARD [--metrics PATH] -- CMD ARGS...`. Exits with the
/// command's status (1 when it was killed, or when it succeeded but gave
/// no result).
#[allow(clippy::too_many_arguments)]
pub fn run(
    root: &Path,
    card: &str,
    metrics: Option<String>,
    metric: Option<String>,
    store: Option<PathBuf>,
    no_verdict: bool,
    command: &[String],
) -> Result<ExitCode> {
    let opts = options(metric, store, no_verdict);
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
        (None, None) => say!("lanes: the command was killed after {took}; that is in the card's journal, the verdict unchanged"),
    }
    say!("{}{}", done.outcome.summary, commit_note(&done.outcome));
    Ok(match done.code {
        Some(0) if done.reading.is_some() => ExitCode::SUCCESS,
        Some(c) if c != 0 => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        _ => ExitCode::from(1),
    })
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
        format!("{} = {}{step}", e.metric, evidence::show_number(e.value)),
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
    if let Some(v) = e.verdict {
        line("verdict", format!("{v} (from the value)"));
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
