//! The commands that only read the board: the board as text, `lanes
//! list`, `lanes hypotheses`, `lanes flow`, `lanes report` and `lanes
//! templates`. The questions are answered in the library
//! ([`store::query`], [`crate::history::query`], [`crate::history::flow`],
//! [`crate::history::report`]); this is printing the answers.

use super::args::{HypothesesArgs, ListArgs, ReportArgs};
use super::{board_and_history, links, output, views, warn_incomplete};
use crate::ops;
use crate::store::{self, codec::Head, Board};
use crate::templates;
use crate::term::{self, say};
use anyhow::{anyhow, bail, Result};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// The board screen when we have a terminal; the board as text otherwise.
pub(super) fn open_board(r: &Path) -> Result<ExitCode> {
    use std::io::IsTerminal;
    if term::stdout_is_terminal() && std::io::stdin().is_terminal() {
        crate::tui::run(r)?;
    } else {
        let board = Board::load(r)?;
        print_board(&board, false)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_board(board: &Board, all: bool) -> Result<()> {
    let cards: Vec<_> = board.cards.iter().filter(|c| all || !c.archived).collect();
    let mut out = term::stdout();
    writeln!(
        out,
        "{}\n",
        crate::model::text::one_line(&board.config.name)
    )?;
    let heads: Vec<Head> = cards.iter().map(|c| Head::of(c)).collect();
    let graph = crate::model::links::Graph::new(
        &board.config,
        board.cards.iter().map(crate::model::Card::node).collect(),
    );
    let blocked = |id: &str| graph.index(id).map_or(0, |i| graph.blocked_by(i).len());
    let now = ops::Context::from_env().now();
    write!(
        out,
        "{}",
        output::list_text(&board.config, &heads, &blocked, now)
    )?;
    for p in &board.problems {
        say!("{p}");
    }
    Ok(())
}

/// `lanes list`: the cards a [`store::query::Query`] keeps, as text or
/// JSON.
pub(super) fn list(r: &Path, args: &ListArgs) -> Result<ExitCode> {
    let config = store::parse_board(&store::read_board_file(r, store::BOARD_FILE)?)?;
    let now = ops::Context::from_env().now();
    let state = if args.blocked {
        store::query::State::Blocked
    } else if args.ready {
        store::query::State::Ready
    } else {
        store::query::State::Any
    };
    let mut query = store::query::Query {
        all: args.all,
        state,
        unclaimed: args.unclaimed,
        ..args.filter.query(&config, now)?
    };
    if let Some(name) = &args.view {
        query.only = Some(views::pick(r, &config, name, args.all)?.places());
    }
    query.wheres = args
        .wheres
        .iter()
        .map(|w| crate::model::filter::Where::parse(w, &config.fields))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(ops::refused)?;
    links::list(r, &config, &query, args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// `lanes hypotheses`: every hypothesis side by side.
pub(super) fn hypotheses(r: &Path, a: HypothesesArgs) -> Result<ExitCode> {
    let (board, history) = board_and_history(r)?;
    warn_incomplete(&history);
    let lane = a
        .lane
        .map(|l| {
            board
                .config
                .resolve_lane(&l)
                .map(|x| x.id.clone())
                .map_err(|e| anyhow!(e))
        })
        .transpose()?;
    let query = crate::history::query::HypQuery {
        verdict: a.verdict,
        lane,
        metric: a.metric,
        sort: a.sort,
    };
    let rows = crate::history::query::hypotheses(r, &board, &history, &query);
    let mut out = term::stdout();
    if a.json {
        term::json(&mut out, &rows)?;
    } else {
        let width = if a.wide { None } else { term::stdout_width() };
        write!(
            out,
            "{}",
            crate::history::report::hypotheses_text(&rows, width)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `lanes flow`: cumulative flow, cycle times, throughput.
pub(super) fn flow(r: &Path, since: Option<&str>, json: bool) -> Result<ExitCode> {
    // Flow needs the lanes, not the cards.
    let config = store::parse_board(&store::read_board_file(r, store::BOARD_FILE)?)?;
    let history = crate::history::board_history(r)?;
    if json {
        // The text says it at its top.
        warn_incomplete(&history);
    }
    let since = since.map(crate::history::parse_since).transpose()?;
    let f = crate::history::flow::flow(&history, &config, since, crate::model::date::now_secs());
    let mut out = term::stdout();
    if json {
        term::json(&mut out, &f)?;
    } else {
        write!(out, "{}", crate::history::flow::render_text(&f, &config))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `lanes report`: Markdown, JSON or an HTML page for stakeholders.
pub(super) fn report(r: &Path, a: ReportArgs) -> Result<ExitCode> {
    let since = crate::history::parse_since(&a.since)?;
    let until = match a.until.as_deref() {
        Some(u) => crate::history::parse_until(u)?,
        None => crate::model::date::now_secs(),
    };
    if until < since {
        bail!(
            "--until {} is before --since {}: the period would be empty",
            crate::model::date::format_date(until.div_euclid(86_400)),
            crate::model::date::format_date(since.div_euclid(86_400))
        );
    }
    let (board, history) = board_and_history(r)?;
    if a.format != "markdown" {
        // The Markdown and the page say it at their top.
        warn_incomplete(&history);
    }
    let f = crate::history::flow::flow(&history, &board.config, Some(since), until);
    let mut rep = crate::history::report::report(&board, &history, &f, since, until)?;
    let stale = crate::evidence::stale::check_cards(r, &board.cards);
    crate::history::report::mark_report_stale(&mut rep, &board, &stale);
    for p in &rep.board_problems {
        say!("lanes: warning: {p} (left out of the report)");
    }
    let mut out = term::stdout();
    match a.format.as_str() {
        "json" => term::json(&mut out, &rep)?,
        "html" => out.write_all(crate::history::html::page(&rep).as_bytes())?,
        _ => write!(out, "{}", crate::history::report::markdown(&rep))?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `lanes templates`: the board templates, built in and your own.
pub(super) fn templates() -> Result<ExitCode> {
    let mut out = term::stdout();
    for t in templates::list() {
        let summary = store::parse_board(t.text.as_bytes())
            .map(|c| {
                c.lanes
                    .iter()
                    .map(|l| l.title.clone())
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .unwrap_or_else(|p| format!("invalid: {p}"));
        writeln!(out, "{:<16} {:<10} {}", t.name, t.source, summary)?;
    }
    if let Some(d) = templates::user_dir() {
        writeln!(out, "\nyour own templates go in {}", d.display())?;
    }
    Ok(ExitCode::SUCCESS)
}
