//! The commands that change the board, each one commit through
//! [`ops::apply`]: init, add, move, edit, note, verdict, claim, release,
//! archive, restore, commit, undo, redo, resolve, and the demo board.
//! What they say on stderr ([`report`]) is the same for all of them.

use super::args::{AddArgs, ClaimArgs, PlaceArgs, VerdictArgs};
use super::{evidence, read, sync};
use crate::model::Verdict;
use crate::ops::{self, Action, NewCard, Placement};
use crate::store;
use crate::templates;
use crate::term::{self, say};
use anyhow::{anyhow, bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(super) fn yaml_arg(s: &str) -> Result<serde_yaml::Value> {
    store::parse_value(s)
}

/// `--set FIELD=VALUE` options as (field, YAML value) pairs.
pub(super) fn set_args(set: &[String]) -> Result<Vec<(String, serde_yaml::Value)>> {
    set.iter()
        .map(|s| {
            let (k, v) = s.split_once('=').ok_or_else(|| {
                anyhow!("--set {s:?}: expected FIELD=VALUE, e.g. --set hypothesis.result=0.232")
            })?;
            Ok((k.trim().to_string(), yaml_arg(v)?))
        })
        .collect()
}

/// `ctx` keeping the numbers of `--set FIELD=VALUE` options as typed
/// (`--set hypothesis.target=0.20` writes `0.20`). A name board.yaml
/// declares is kept under `fields:`, so both places are named: the write
/// spells only the one that holds the new number.
pub(super) fn spell_sets(mut ctx: ops::Context, set: &[String]) -> ops::Context {
    for (k, v) in set.iter().filter_map(|s| s.split_once('=')) {
        let k = k.trim();
        ctx = ctx.spelling(k, v);
        if !k.contains('.') {
            ctx = ctx.spelling(&format!("fields.{k}"), v);
        }
    }
    ctx
}

/// Print an outcome of a mutating command to stderr.
pub(super) fn report(outcome: &ops::Outcome) {
    match (&outcome.commit, outcome.written.is_some()) {
        (Some(oid), _) => {
            let s = oid.to_string();
            say!("{} [{}]", outcome.summary, &s[..8.min(s.len())]);
        }
        (None, true) => say!(
            "{} (written, not committed: this board has `commit: manual`; run `lanes commit`)",
            outcome.summary
        ),
        (None, false) => say!("{}", outcome.summary),
    }
    if let ops::More::OverWip(w) = &outcome.more {
        say!("lanes: warning: {}", w.message());
    }
}

/// One action with the environment's context, reported on stderr.
pub(super) fn apply(r: &Path, action: Action) -> Result<ExitCode> {
    let outcome = ops::apply(&ops::Context::from_env(), r, action)?;
    report(&outcome);
    Ok(ExitCode::SUCCESS)
}

/// `lanes init`: a board from a template in `dir`'s repository.
pub(super) fn init(dir: &Path, template: &str, name: Option<String>) -> Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let t = templates::find(template)?;
    let init = ops::Init {
        template_text: t.text.clone(),
        template_name: t.name.clone(),
        name,
    };
    let done = ops::apply(&ops::Context::from_env(), dir, Action::Init(Box::new(init)))?;
    let ops::More::Created(root) = done.more else {
        bail!("the board was not created");
    };
    say!(
        "created a {} board in {}; add a card with `lanes add \"Title\"`",
        t.name,
        root.join(store::BOARD_DIR).display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `lanes add`: prints the new card's id on stdout.
pub(super) fn add(r: &Path, a: AddArgs) -> Result<ExitCode> {
    // `--target 0.20` is written `target: 0.20`.
    let mut ctx = ops::Context::from_env();
    for (path, typed) in [
        ("hypothesis.baseline", &a.baseline),
        ("hypothesis.target", &a.target),
    ] {
        if let Some(t) = typed {
            ctx = ctx.spelling(path, t);
        }
    }
    ctx = spell_sets(ctx, &a.set);
    let new = NewCard {
        title: a.title,
        lane: a.lane,
        kind: a.kind,
        labels: a.labels,
        assignees: a.assignees,
        due: a.due,
        hypothesis: a.hypothesis,
        metric: a.metric,
        metric_key: a.metric_key,
        direction: a.direction,
        baseline: a.baseline.as_deref().map(yaml_arg).transpose()?,
        target: a.target.as_deref().map(yaml_arg).transpose()?,
        body: a.body,
        links: a.links.links(),
        decision: None,
        set: set_args(&a.set)?,
    };
    let outcome = ops::apply(&ctx, r, Action::Add(Box::new(new)))?;
    writeln!(term::stdout(), "{}", outcome.card)?;
    report(&outcome);
    Ok(ExitCode::SUCCESS)
}

/// `lanes move`: to a lane, or within the card's own.
pub(super) fn move_card(
    r: &Path,
    card: String,
    lane: Option<String>,
    place: PlaceArgs,
) -> Result<ExitCode> {
    let placement = if place.top {
        Some(Placement::Top)
    } else if place.bottom {
        Some(Placement::Bottom)
    } else if let Some(c) = place.before {
        Some(Placement::Before(c))
    } else {
        place.after.map(Placement::After)
    };
    let action = Action::Move {
        card,
        lane,
        placement,
    };
    apply(r, action)
}

/// `lanes edit`: `--set`, `--file`, or the card in $EDITOR.
pub(super) fn edit(
    r: &Path,
    card: String,
    set: Vec<String>,
    file: Option<PathBuf>,
) -> Result<ExitCode> {
    let mut ctx = ops::Context::from_env();
    let action = if let Some(path) = file {
        let text = store::read_user_file(&path)?;
        Action::Replace { card, text }
    } else if !set.is_empty() {
        let fields = set_args(&set)?;
        ctx = spell_sets(ctx, &set);
        Action::Set { card, fields }
    } else {
        return edit_in_editor(r, &card);
    };
    let outcome = ops::apply(&ctx, r, action)?;
    report(&outcome);
    Ok(ExitCode::SUCCESS)
}

/// `lanes verdict`, with a given result or from a run (`--source`).
pub(super) fn verdict(r: &Path, a: VerdictArgs) -> Result<ExitCode> {
    let verdict: Verdict = a.verdict.parse().map_err(|e: String| anyhow!(e))?;
    if let Some(source) = &a.source {
        return evidence::verdict_from(r, &a.card, verdict, source, a.because);
    }
    let mut ctx = ops::Context::from_env();
    if let Some(typed) = &a.result {
        ctx = ctx.spelling("hypothesis.result", typed);
    }
    let result = a.result.as_deref().map(yaml_arg).transpose()?;
    let action = Action::Verdict {
        card: a.card,
        verdict,
        result,
        because: a.because,
    };
    let outcome = ops::apply(&ctx, r, action).map_err(evidence::verdict_hint)?;
    report(&outcome);
    Ok(ExitCode::SUCCESS)
}

/// `lanes claim`.
pub(super) fn claim(r: &Path, a: ClaimArgs) -> Result<ExitCode> {
    let for_secs = a
        .duration
        .as_deref()
        .map(crate::model::claim::parse_duration)
        .transpose()
        .map_err(|e| anyhow!("--for {e}"))?;
    let ctx = ops::Context::from_env().with_agent(a.agent);
    let outcome = ops::apply(
        &ctx,
        r,
        Action::Claim {
            card: a.card,
            for_secs,
        },
    )?;
    claimed(&outcome, a.json)?;
    report(&outcome);
    Ok(ExitCode::SUCCESS)
}

/// `lanes release`.
pub(super) fn release(
    r: &Path,
    card: String,
    agent: Option<String>,
    json: bool,
) -> Result<ExitCode> {
    let ctx = ops::Context::from_env().with_agent(agent);
    let outcome = ops::apply(&ctx, r, Action::Release { card })?;
    claimed(&outcome, json)?;
    report(&outcome);
    Ok(ExitCode::SUCCESS)
}

/// `lanes claim`/`lanes release --json`: the card, the commit and the
/// claim now on the card (null when none).
fn claimed(outcome: &ops::Outcome, json: bool) -> Result<()> {
    if !json {
        return Ok(());
    }
    let claim = outcome
        .written
        .as_ref()
        .and_then(|c| c.claim.as_ref())
        .map(|c| store::json::to_json(&c.to_value()));
    let value = serde_json::json!({
        "card": outcome.card,
        "commit": outcome.commit.map(|c| c.to_string()),
        "summary": outcome.summary,
        "claim": claim,
    });
    let mut out = term::stdout();
    term::json(&mut out, &value)?;
    out.flush()?;
    Ok(())
}

/// `lanes commit`: the pending changes of a `commit: manual` board.
pub(super) fn commit(r: &Path, message: Option<String>) -> Result<ExitCode> {
    let done = ops::apply(&ops::Context::from_env(), r, Action::Commit { message })?;
    match done.commit {
        Some(oid) => say!("{} [{}]", done.summary, &oid.to_string()[..8]),
        None => say!("{}", done.summary),
    }
    Ok(ExitCode::SUCCESS)
}

/// `lanes undo`/`lanes redo` (`action`): one line per commit on stderr,
/// or the outcome as JSON on stdout.
pub(super) fn undo(r: &Path, action: Action, json: bool) -> Result<ExitCode> {
    let done = ops::apply(&ops::Context::from_env(), r, action)?;
    let ops::More::Steps(outcome) = &done.more else {
        return Ok(ExitCode::SUCCESS);
    };
    if json {
        let mut out = term::stdout();
        term::json(&mut out, &outcome.to_json())?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    for done in &outcome.done {
        match &done.commit {
            Some(oid) => say!("{} [{}]", done.subject, &oid.to_string()[..8]),
            None => say!("{}", done.subject),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `lanes resolve`: settle a conflict a sync recorded.
pub(super) fn resolve(r: &Path, card: &str, field: &str, take: &str) -> Result<ExitCode> {
    let take = ops::resolve::Take::parse(take)?;
    let outcome = ops::resolve::resolve(&ops::Context::from_env(), r, card, field, &take)?;
    report(&outcome);
    Ok(ExitCode::SUCCESS)
}

/// `lanes edit CARD`: edit a copy in $EDITOR, validate, then write and commit.
fn edit_in_editor(r: &Path, query: &str) -> Result<ExitCode> {
    use ops::editor::{Choice, Edited};
    let ctx = ops::Context::from_env();
    match ops::editor::edit_in_editor(&ctx, r, query)? {
        Edited::Unchanged(msg) => say!("{msg}"),
        Edited::Applied(outcome) => report(&outcome),
        Edited::Conflict(conflict) => {
            use std::io::{BufRead, IsTerminal};
            say!("the card changed on disk while you were editing it; both changed:");
            for line in conflict.describe() {
                say!("  {line}");
            }
            if !std::io::stdin().is_terminal() {
                bail!(
                    "nothing was changed; your text is kept in {}",
                    conflict.recovery.display()
                );
            }
            term::say_partial(format_args!(
                "keep [m]ine, [t]heirs, or [b]oth (theirs, yours noted in the journal)? "
            ));
            let mut answer = String::new();
            std::io::stdin().lock().read_line(&mut answer)?;
            let choice = match answer.trim() {
                "m" | "mine" => Choice::Mine,
                "t" | "theirs" => Choice::Theirs,
                "b" | "both" => Choice::Both,
                _ => bail!(
                    "nothing was changed; your text is kept in {}",
                    conflict.recovery.display()
                ),
            };
            let outcome = conflict.resolve(&ctx, choice)?;
            report(&outcome);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `lanes demo`: the demo board in `dir` (default: a new temporary
/// folder), opened; what to do with it is said when the screen closes.
pub(super) fn demo(dir: Option<PathBuf>) -> Result<ExitCode> {
    let dir = match dir {
        Some(d) => d,
        None => crate::demo::temp_dir()?,
    };
    let root = crate::demo::create(&dir)?;
    say!("demo board created in {}", root.display());
    let code = read::open_board(&root)?;
    say!("{}", demo_closing_words(&root));
    Ok(code)
}

/// What the demo says when its board screen closes: where the board is,
/// how to go on with it (with `lanes` on PATH or without), how to remove
/// it.
fn demo_closing_words(root: &Path) -> String {
    let dir = sync::shell_quote(&root.display().to_string());
    let installed = crate::env::Env::get()
        .os("PATH")
        .map(|p| std::env::split_paths(p).any(|d| d.join(env!("CARGO_PKG_NAME")).is_file()))
        .unwrap_or(false);
    let go_on = if installed {
        format!("go on with `cd {dir} && lanes list` (or `lanes` for the board, `git log --stat` for its history)")
    } else {
        format!(
            "lanes is not on your PATH: `cargo install --path .` (in lanes' source folder) puts it there; until then `cargo run --release -- --board {dir} list`"
        )
    };
    format!(
        "the demo board is in {dir}
  {go_on}
  remove it with `rm -rf {dir}` when you are done"
    )
}
