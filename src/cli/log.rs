//! `lanes log`: a card's history, field by field, or the board's activity
//! feed. The history is read and filtered in [`crate::history::query`];
//! this prints it.

use super::args::LogArgs;
use super::warn_incomplete;
use crate::history::query::{self, CardLogQuery, FeedQuery};
use crate::model::text::one_line;
use crate::store::{self, Board};
use crate::term::{self, say};
use anyhow::{anyhow, Result};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn log(r: &Path, a: LogArgs) -> Result<ExitCode> {
    let since = a
        .since
        .as_deref()
        .map(crate::history::parse_since)
        .transpose()?;
    match a.card {
        Some(card) => {
            let q = CardLogQuery {
                since,
                author: a.author,
                fields: a.fields,
                reverse: a.reverse,
            };
            log_card(r, &card, &q, a.json)?
        }
        None => {
            let q = FeedQuery {
                since,
                author: a.author,
                lane: None,
                reverse: a.reverse,
            };
            log_board(r, q, a.lane.as_deref(), a.json)?
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn log_card(r: &Path, card: &str, q: &CardLogQuery, json: bool) -> Result<()> {
    let index = store::Index::load(r)?;
    let history = crate::history::board_history(r)?;
    // A card removed from the board still has its history.
    let id = query::card_id(&index, &history, card)?;
    warn_incomplete(&history);
    let log = query::card_log(r, &history, &id, q)?;
    if !q.fields.is_empty() && log.entries.is_empty() {
        say!(
            "lanes: no change to {} in the history of {}{}",
            q.fields.join(" or "),
            crate::model::id::short(&id),
            if log.changed.is_empty() {
                String::new()
            } else {
                format!("; the fields it changed: {}", log.changed.join(", "))
            }
        );
    }
    let mut out = term::stdout();
    if json {
        term::json(&mut out, &log.entries)?;
    } else {
        let width = term::stdout_width();
        for e in &log.entries {
            write_entry(&mut out, e, width)?;
        }
        if log.entries.is_empty() && q.fields.is_empty() {
            writeln!(out, "no history for {id} yet")?;
        }
    }
    out.flush()?;
    Ok(())
}

fn when(t: i64) -> String {
    let s = crate::model::date::format_timestamp(t);
    s[..16].replace('T', " ")
}

/// One entry of a card's log. On a terminal `width` columns wide, each
/// change is cut to the width (ending in `…`); in a file or a pipe
/// (`width` None) nothing is cut.
fn write_entry(
    out: &mut impl Write,
    e: &crate::history::Entry,
    width: Option<usize>,
) -> Result<()> {
    let mark = if e.link { "  (mentions the card)" } else { "" };
    writeln!(
        out,
        "{}  {}  {}  {}{mark}",
        when(e.time),
        &e.commit[..8],
        one_line(&crate::history::by_with_agent(
            &e.author,
            e.agent.as_deref()
        )),
        one_line(&e.subject)
    )?;
    for line in e.change_lines() {
        let line = one_line(&line);
        match width {
            Some(w) => writeln!(
                out,
                "    {}",
                crate::model::text::fit(&line, w.saturating_sub(4).max(20))
            )?,
            None => writeln!(out, "    {line}")?,
        }
    }
    Ok(())
}

/// The board's activity feed, newest first; `lane` (an id or title) is
/// resolved here, on the board.
fn log_board(r: &Path, mut q: FeedQuery, lane: Option<&str>, json: bool) -> Result<()> {
    let board = Board::load(r)?;
    let history = crate::history::board_history(r)?;
    warn_incomplete(&history);
    q.lane = lane
        .map(|l| {
            board
                .config
                .resolve_lane(l)
                .map(|x| x.id.clone())
                .map_err(|e| anyhow!(e))
        })
        .transpose()?;
    let items = query::feed(&board, &history, &q);
    let mut out = term::stdout();
    if json {
        term::json(&mut out, &items)?;
    } else {
        for it in &items {
            writeln!(
                out,
                "{}  {}  {}  {}",
                when(it.time),
                &it.commit[..8],
                one_line(&crate::history::by_with_agent(
                    &it.author,
                    it.agent.as_deref()
                )),
                one_line(&it.subject)
            )?;
            if it.cards.len() > 1 {
                writeln!(out, "    {} cards", it.cards.len())?;
            }
        }
    }
    out.flush()?;
    Ok(())
}
