//! `lanes run CARD -- CMD ARGS...`: run a training command with the
//! terminal attached, then record on the card, in one commit, what it did:
//! a journal entry (command, exit status or the signal that killed it,
//! duration, commit), the result and verdict from the MLflow run it
//! created (or the metrics file given), and its cost from the board's
//! `settings.cost_per_hour`.
//!
//! lanes waits for the command as a shell waits for a foreground job: the
//! terminal sends Ctrl+C (SIGINT) and Ctrl+\ (SIGQUIT) to the whole
//! foreground process group, so the command gets them and decides what
//! they mean (a training loop may save and exit cleanly); lanes ignores
//! them while it waits, so it is still there to record what happened.

use super::{
    mlflow, provenance, read, repo_root, verdict_for, Options, Reading, Source, VerdictMode, Wanted,
};
use crate::history::report::cost_of;
use crate::model::{BoardConfig, Card};
use crate::ops::{self, Context};
use crate::store::Index;
use anyhow::{bail, Context as _, Result};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

/// What `lanes run` did.
#[derive(Debug)]
pub struct RunOutcome {
    /// The command's exit code (None: killed by a signal).
    pub code: Option<i32>,
    /// The signal that killed it, if one did.
    pub signal: Option<i32>,
    pub duration: Duration,
    /// The result recorded, if any.
    pub reading: Option<Reading>,
    /// Why no result was recorded (None when one was, or the command
    /// failed).
    pub no_result: Option<String>,
    /// The verdict kept with `--no-verdict` contradicts the result
    /// recorded (the run is over, so it is recorded all the same).
    pub disagrees: Option<super::verdict::Disagrees>,
    pub outcome: ops::Outcome,
}

impl RunOutcome {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The status a shell would give: the exit code, or 128+N for a
    /// command killed by signal N.
    pub fn shell_status(&self) -> i32 {
        match (self.code, self.signal) {
            (Some(c), _) => c,
            (None, Some(n)) => 128 + n,
            (None, None) => 1,
        }
    }
}

/// A signal's name as `kill -l` gives it, with `SIG`: `SIGINT`.
pub fn signal_name(n: i32) -> String {
    #[cfg(unix)]
    {
        let known = [
            (libc::SIGHUP, "SIGHUP"),
            (libc::SIGINT, "SIGINT"),
            (libc::SIGQUIT, "SIGQUIT"),
            (libc::SIGILL, "SIGILL"),
            (libc::SIGTRAP, "SIGTRAP"),
            (libc::SIGABRT, "SIGABRT"),
            (libc::SIGBUS, "SIGBUS"),
            (libc::SIGFPE, "SIGFPE"),
            (libc::SIGKILL, "SIGKILL"),
            (libc::SIGUSR1, "SIGUSR1"),
            (libc::SIGSEGV, "SIGSEGV"),
            (libc::SIGUSR2, "SIGUSR2"),
            (libc::SIGPIPE, "SIGPIPE"),
            (libc::SIGALRM, "SIGALRM"),
            (libc::SIGTERM, "SIGTERM"),
            (libc::SIGXCPU, "SIGXCPU"),
            (libc::SIGXFSZ, "SIGXFSZ"),
        ];
        if let Some((_, name)) = known.iter().find(|(s, _)| *s == n) {
            return (*name).to_string();
        }
    }
    format!("signal {n}")
}

/// While it lives, lanes ignores the signals a terminal sends the whole
/// foreground process group from the keyboard (SIGINT, SIGQUIT), as a
/// shell does while it waits for a job; dropping it restores what was
/// there. [`ShellWait::for_child`] gives the command the dispositions
/// lanes had, as a shell gives them to a job: default, unless lanes itself
/// was started with them ignored (`nohup`, a background job of a script).
#[cfg(unix)]
struct ShellWait {
    saved: Vec<(libc::c_int, libc::sigaction)>,
}

#[cfg(unix)]
impl ShellWait {
    const SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGQUIT];

    fn begin() -> std::io::Result<ShellWait> {
        let mut wait = ShellWait { saved: Vec::new() };
        for sig in Self::SIGNALS {
            // SAFETY: both structs are plain C data, zero is a valid
            // value, and sigaction only reads `ignore` and writes `old`.
            unsafe {
                let mut ignore: libc::sigaction = std::mem::zeroed();
                ignore.sa_sigaction = libc::SIG_IGN;
                libc::sigemptyset(&mut ignore.sa_mask);
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig, &ignore, &mut old) != 0 {
                    // `wait` restores the ones already changed.
                    return Err(std::io::Error::last_os_error());
                }
                wait.saved.push((sig, old));
            }
        }
        Ok(wait)
    }

    /// The signals the command gets back at their default, run in the
    /// child between fork and exec.
    fn for_child(&self) -> Vec<libc::c_int> {
        self.saved
            .iter()
            .filter(|(_, old)| old.sa_sigaction != libc::SIG_IGN)
            .map(|(sig, _)| *sig)
            .collect()
    }
}

#[cfg(unix)]
impl Drop for ShellWait {
    fn drop(&mut self) {
        for (sig, old) in &self.saved {
            // SAFETY: `old` is what sigaction returned for this signal.
            unsafe { libc::sigaction(*sig, old, std::ptr::null_mut()) };
        }
    }
}

/// `2h 03m`, `4m 12s`, `0.8s`.
pub fn show_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// The board's rate: `settings.cost_per_hour` as (amount, unit).
pub fn rate(config: &BoardConfig) -> Option<(f64, String)> {
    let v = config.settings.extra.get("cost_per_hour")?.clone();
    let (amount, unit) = cost_of(&Some(v))?;
    // `2.5 GPU-hour` per hour: the unit is what is spent, named once.
    Some((amount, unit))
}

fn quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+%".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// HEAD's id and whether tracked files outside the board differ from it.
fn head_state(root: &Path) -> (Option<String>, bool) {
    let Ok(repo) = crate::git::open(root) else {
        return (None, false);
    };
    let head = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .map(|c| c.id().to_string());
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(false).include_ignored(false);
    let dirty = repo.statuses(Some(&mut opts)).is_ok_and(|s| {
        s.iter().any(|e| {
            e.path()
                .is_ok_and(|p| !p.starts_with(".lanes/") && !p.contains("/.lanes/"))
        })
    });
    (head, dirty)
}

/// Run `command` for the card `card_query` and record what it did.
/// `metrics`: a metrics file the command writes (`dvc:` source), instead
/// of looking for the MLflow run it created.
pub fn run(
    ctx: &Context,
    root: &Path,
    card_query: &str,
    metrics: Option<&str>,
    opts: &Options,
    command: &[String],
) -> Result<RunOutcome> {
    let Some((program, args)) = command.split_first() else {
        bail!("give the command to run after --, e.g. lanes run 3fk2 -- python train.py");
    };
    let index = Index::load(root)?;
    let card = ops::lookup(&index, card_query)?;
    let wanted = super::wanted(&card, opts.metric.as_deref());
    let repo = repo_root(root);
    let (head, dirty) = head_state(root);
    let started_ms = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let clock = Instant::now();
    let mut cmd = std::process::Command::new(program);
    cmd.args(args);
    if opts.command_stdout_to_stderr {
        // The command writes to the terminal as it likes; only lanes'
        // report is kept off its stdout, which this stays.
        #[allow(clippy::disallowed_methods)]
        cmd.stdout(std::io::stderr());
    }
    #[cfg(unix)]
    let status = {
        use std::os::unix::process::CommandExt;
        let waiting = ShellWait::begin().context("cannot set up the wait for the command")?;
        let defaults = waiting.for_child();
        // SAFETY: only `signal`, which is async-signal-safe, runs between
        // fork and exec; `defaults` was built before the fork.
        unsafe {
            cmd.pre_exec(move || {
                for sig in &defaults {
                    libc::signal(*sig, libc::SIG_DFL);
                }
                Ok(())
            });
        }
        let status = cmd.status();
        drop(waiting);
        status
    };
    #[cfg(not(unix))]
    let status = cmd.status();
    let status = status.with_context(|| format!("cannot run {program:?}; nothing was recorded"))?;
    let duration = clock.elapsed();
    let shown: Vec<String> = command.iter().map(|a| quote(a)).collect();
    let at = match &head {
        Some(h) => format!(
            " at {}{}",
            &h[..h.len().min(8)],
            if dirty { " (dirty)" } else { "" }
        ),
        None => String::new(),
    };
    let code = status.code();
    #[cfg(unix)]
    let signal = std::os::unix::process::ExitStatusExt::signal(&status);
    #[cfg(not(unix))]
    let signal: Option<i32> = None;
    let killed = match signal {
        Some(n) => format!("killed by {}", signal_name(n)),
        None => "killed".to_string(),
    };
    let mut note = format!(
        "ran `{}`: {} after {}{at}",
        shown.join(" "),
        match code {
            Some(0) => "exit 0".to_string(),
            Some(c) => format!("failed (exit {c})"),
            None => killed.clone(),
        },
        show_duration(duration)
    );
    let mut reading = None;
    let mut no_result = None;
    let mut disagrees = None;
    if code == Some(0) {
        match find_result(ctx, &repo, &card, wanted, metrics, opts, started_ms) {
            Ok(mut r) => {
                let e = &mut r.reading.evidence;
                if e.commit_from.as_deref() == Some("head") {
                    e.commit = head.clone();
                    e.dirty = Some(dirty);
                }
                if let Some(d) = r.disagrees.take() {
                    // The run is over: its result is recorded, and the
                    // verdict kept (--no-verdict) is shown to disagree.
                    note.push_str(&format!(
                        "\nthe verdict {} is kept, but {d}: give the reason with `lanes verdict {} {} --because TEXT`",
                        d.given,
                        card.short_id(),
                        d.given
                    ));
                    disagrees = Some(d);
                }
                reading = Some(r.reading);
            }
            Err(e) => no_result = Some(format!("{e:#}")),
        }
    } else {
        note.push_str("; the verdict is left as it was");
    }
    let mut rec = match &reading {
        Some(r) => {
            note.push_str(&format!("\nresult: {}", r.describe()));
            r.clone().into_record("run")
        }
        None => ops::Record {
            card: card.id.clone(),
            result: None,
            verdict: None,
            evidence: None,
            metric_key: None,
            because: None,
            run: None,
            cost: None,
            note: None,
            verb: "run",
            detail: String::new(),
        },
    };
    if let Some(why) = &no_result {
        note.push_str(&format!("\nno result recorded: {why}"));
    }
    rec.detail = match (&reading, code) {
        (Some(r), _) => r.brief(),
        (None, Some(0)) => "exit 0, no result".to_string(),
        (None, Some(c)) => format!("failed, exit {c}"),
        (None, None) => killed,
    };
    if let Some((per_hour, unit)) = rate(&index.config) {
        rec.cost = Some((per_hour * duration.as_secs_f64() / 3600.0, unit));
    }
    rec.note = Some(note);
    let outcome = ops::apply(ctx, root, ops::Action::Record(Box::new(rec)))?;
    Ok(RunOutcome {
        code,
        signal,
        duration,
        reading,
        no_result,
        disagrees,
        outcome,
    })
}

/// A reading after a run, and whether the verdict it keeps disagrees.
struct Found {
    reading: Reading,
    disagrees: Option<super::verdict::Disagrees>,
}

/// Why no run of the command's gave a result: the runs it started and
/// the keys they logged, or that it started none.
fn no_run(
    reader: &mlflow::Reader,
    store: &mlflow::Store,
    card: &Card,
    wanted: &Wanted,
    started_ms: i64,
) -> Result<String> {
    let runs = reader.runs(Some(started_ms), 3)?;
    if runs.is_empty() {
        return Ok(format!(
            "no MLflow run in {} started after the command did; if it logs to another store, set MLFLOW_TRACKING_URI or give --store PATH; if it writes a metrics file instead, give --metrics PATH",
            store.path().display()
        ));
    }
    let mut logged = Vec::new();
    for r in &runs {
        let keys = reader.metric_keys(&r.id)?;
        logged.push(format!(
            "{} logged {}",
            &r.id[..r.id.len().min(8)],
            if keys.is_empty() {
                "no metrics".to_string()
            } else {
                keys.join(", ")
            }
        ));
    }
    let newest = &runs[0].id;
    Ok(format!(
        "the MLflow run{} the command started logged no {} (nor a key MLflow's name rules match to it): {}; record one of its keys with `lanes result {} mlflow:{}#KEY` (it becomes the hypothesis's metric_key)",
        if runs.len() == 1 { "" } else { "s" },
        wanted.describe(),
        logged.join("; "),
        card.short_id(),
        &newest[..newest.len().min(12)]
    ))
}

fn find_result(
    ctx: &Context,
    repo: &Path,
    card: &Card,
    wanted: Result<Wanted>,
    metrics: Option<&str>,
    opts: &Options,
    started_ms: i64,
) -> Result<Found> {
    let wanted = wanted?;
    let source = match metrics {
        Some(path) => Source::parse(&format!("dvc:{path}"))?,
        None => {
            let store = mlflow::find(repo, opts.store.as_deref())?;
            let reader = store.open()?;
            let newest = reader.recent(&wanted, Some(started_ms), 1)?;
            match newest.into_iter().next() {
                Some(r) => Source::Mlflow {
                    run: r.id,
                    key: None,
                },
                None => bail!("{}", no_run(&reader, &store, card, &wanted, started_ms)?),
            }
        }
    };
    let mut e = read(repo, &source, &wanted, opts.store.as_deref())?;
    provenance(ctx, repo, &mut e)?;
    let mode = match opts.verdict {
        VerdictMode::Skip => VerdictMode::Skip,
        _ => VerdictMode::IfPossible,
    };
    let verdict = verdict_for(card, e.value, mode)?;
    let because = super::verdict::reason(opts.because.as_deref())?;
    let disagrees = match verdict {
        Some(_) => None,
        None => card.hypothesis.as_deref().and_then(|h| {
            let mut after = h.clone();
            after.result = Some(super::number_value(e.value));
            after.rationale = because.clone();
            super::verdict::disagreement(&after)
        }),
    };
    e.verdict = verdict;
    Ok(Found {
        reading: Reading {
            card: card.id.clone(),
            evidence: e,
            verdict,
            metric: card.hypothesis.as_ref().and_then(|h| h.metric.clone()),
            metric_key: None,
            because,
        },
        disagrees,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(show_duration(Duration::from_millis(800)), "0.8s");
        assert_eq!(show_duration(Duration::from_secs(252)), "4m 12s");
        assert_eq!(show_duration(Duration::from_secs(7380)), "2h 03m");
    }
}
