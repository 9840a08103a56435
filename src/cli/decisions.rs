//! Decisions on the command line: `lanes decide` records one (a card of
//! kind `decision` resting on hypotheses and experiments), `lanes
//! decisions` lists them newest first with what they rest on and what
//! moved since. The answer is [`crate::history::decisions`].

use super::links::LinkFlags;
use super::{board_and_history, root, term, warn_incomplete};
use crate::model::card::Decision;
use crate::model::field;
use crate::model::links::Kind;
use crate::ops::{self, Action, NewCard};
use crate::term::say;
use anyhow::{anyhow, Result};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct DecideArgs {
    /// What was decided, in a line (the card's title)
    pub title: String,
    /// What was decided, and why, in full
    #[arg(long, value_name = "TEXT")]
    pub statement: Option<String>,
    /// Who decided (default: you, as git knows you)
    #[arg(long, value_name = "PERSON")]
    pub by: Option<String>,
    /// When it was decided: YYYY-MM-DD, +3d, fri (default: today)
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
    /// The lane to put it in (default: the lane of the first card it rests on)
    #[arg(long)]
    pub lane: Option<String>,
    /// A label (repeat for more)
    #[arg(long = "label")]
    pub labels: Vec<String>,
    #[command(flatten)]
    pub links: LinkFlags,
}

/// `lanes decide`: one commit adding the decision card.
pub fn decide(board: &Option<PathBuf>, a: DecideArgs) -> Result<ExitCode> {
    let r = root(board)?;
    let ctx = ops::Context::from_env();
    let decided_at = match a.at.as_deref() {
        None => None,
        Some(at) => {
            let f = field::builtin("decision.decided_at")
                .ok_or_else(|| anyhow!("decision.decided_at is not a field"))?;
            let v = f
                .parse_input(at, ctx.today())
                .map_err(|e| ops::refused(format!("--at {at:?}: {e}")))?;
            v.as_str().map(str::to_string)
        }
    };
    let links = a.links.links();
    let rests = links.iter().any(|(k, _)| *k == Kind::RestsOn);
    let new = NewCard {
        title: a.title,
        lane: a.lane,
        kind: Some("decision".into()),
        labels: a.labels,
        links,
        decision: Some(Decision {
            statement: a.statement,
            decided_by: a.by,
            decided_at,
            ..Decision::default()
        }),
        ..NewCard::default()
    };
    let outcome = ops::apply(&ctx, &r, Action::Add(Box::new(new)))?;
    writeln!(term::stdout(), "{}", outcome.card)?;
    super::write::report(&outcome);
    if !rests {
        say!(
            "lanes: note: this decision rests on nothing yet; name its evidence with `lanes link {} --rests-on CARD`",
            crate::model::id::short(&outcome.card)
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct DecisionsArgs {
    /// Never cut the text to the terminal's width (it is never cut in a file or a pipe)
    #[arg(long)]
    pub wide: bool,
    /// Print the decisions as JSON (see docs/FORMAT.md)
    #[arg(long)]
    pub json: bool,
}

/// `lanes decisions`: every decision, newest first, with its evidence.
pub fn decisions(board: &Option<PathBuf>, a: DecisionsArgs) -> Result<ExitCode> {
    let r = root(board)?;
    let (board, history) = board_and_history(&r)?;
    warn_incomplete(&history);
    let rows = crate::history::query::decisions(&r, &board, &history);
    let mut out = term::stdout();
    if a.json {
        term::json(&mut out, &rows)?;
    } else {
        let width = if a.wide { None } else { term::stdout_width() };
        write!(out, "{}", crate::history::decisions::text(&rows, width))?;
    }
    Ok(ExitCode::SUCCESS)
}
