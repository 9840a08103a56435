//! The command line: parse arguments ([`args`]), find the board, and call
//! the command. Exit codes: 0 success, 1 user error, 2 usage error.
//!
//! Where a command lives: [`read`] for the commands that only read (list,
//! hypotheses, flow, report, templates), [`write`] for those that commit
//! (init, add, move, edit, note, verdict, claim, archive, undo, ...),
//! and a file per topic for the rest: [`log`], [`validate`], [`sync`]
//! (sync, merge-driver, setup), [`links`] (link, unlink, ready, show),
//! [`decisions`], [`evidence`] (result, run), [`views`], [`man`],
//! [`complete`].

pub mod args;
pub mod complete;
mod decisions;
mod evidence;
pub mod links;
mod log;
mod man;
pub mod output;
mod read;
mod sync;
mod validate;
mod views;
mod write;

pub use args::{Cli, Command};
pub use man::man_page;
pub use validate::problems;

use crate::ops::{self, Action};
use crate::store::{self, Board};
use crate::term::{self, say};
use anyhow::Result;
use clap::Parser;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Parse the command line and run it.
pub fn main() -> ExitCode {
    // The environment, read once here (crate::env); clap reads
    // `LANES_BOARD` itself, and `LANES_BOARD=` (set but empty) means unset,
    // as for most tools.
    if crate::env::Env::get().os("LANES_BOARD").is_none() {
        std::env::remove_var("LANES_BOARD");
    }
    // A Tab in a shell whose completion script `lanes completions` printed.
    if let Some(code) = complete::answer() {
        return code;
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => code,
        // `lanes log | head`: the reader has what it wanted.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            say!("lanes: {e:#}");
            ExitCode::from(crate::ops::Error::kind_of(&e).exit_code())
        }
    }
}

/// The board the command works on. A lanes command killed earlier (a
/// transaction left in `.git/lanes/`) is finished or rolled back first, and
/// the user is told which.
fn root(cli_board: &Option<PathBuf>) -> Result<PathBuf> {
    let r = match cli_board {
        Some(p) => store::explicit_root(p),
        None => store::discover(&std::env::current_dir()?),
    }?;
    if let Some(msg) = ops::recover(&r)? {
        say!("lanes: {msg}");
    }
    Ok(r)
}

/// The folder `--board` names, or the current one: where `lanes init`
/// and `lanes mcp` start (no board need be there yet).
fn here(cli_board: &Option<PathBuf>) -> Result<PathBuf> {
    Ok(match cli_board {
        Some(p) => p.clone(),
        None => std::env::current_dir()?,
    })
}

/// The board and its history, read at the same time (one core each).
fn board_and_history(r: &Path) -> Result<(Board, crate::history::History)> {
    std::thread::scope(|s| {
        let history = s.spawn(|| crate::history::board_history(r));
        let board = Board::load(r)?;
        let history = history
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))?;
        Ok((board, history))
    })
}

/// Say on stderr when the history a command read is incomplete (a partial
/// clone that could not fetch card versions, a shallow clone): the output
/// counts only what this clone holds.
fn warn_incomplete(history: &crate::history::History) {
    if let Some(i) = history.incomplete() {
        say!("lanes: warning: {}", i.message);
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let b = &cli.board;
    let Some(command) = cli.command else {
        return read::open_board(&root(b)?);
    };
    match command {
        // Reading.
        Command::List(a) => read::list(&root(b)?, &a),
        Command::Show { card, json } => links::show(&root(b)?, &card, json),
        Command::Ready(a) => links::ready(&root(b)?, a),
        Command::Hypotheses(a) => read::hypotheses(&root(b)?, a),
        Command::Decisions(a) => decisions::decisions(b, a),
        Command::Log(a) => log::log(&root(b)?, a),
        Command::Flow { since, json } => read::flow(&root(b)?, since.as_deref(), json),
        Command::Report(a) => read::report(&root(b)?, a),
        Command::Validate => validate::validate(&root(b)?),
        Command::Templates => read::templates(),
        Command::Tui => read::open_board(&root(b)?),
        // Writing: one commit each.
        Command::Init { template, name } => write::init(&here(b)?, &template, name),
        Command::Add(a) => write::add(&root(b)?, a),
        Command::Move { card, lane, place } => write::move_card(&root(b)?, card, lane, place),
        Command::Edit { card, set, file } => write::edit(&root(b)?, card, set, file),
        Command::Note { card, text } => write::apply(&root(b)?, Action::Note { card, text }),
        Command::Verdict(a) => write::verdict(&root(b)?, a),
        Command::Claim(a) => write::claim(&root(b)?, a),
        Command::Release { card, agent, json } => write::release(&root(b)?, card, agent, json),
        Command::Archive { card } => write::apply(&root(b)?, Action::Archive { card }),
        Command::Restore { card } => write::apply(&root(b)?, Action::Restore { card }),
        Command::Link(a) => links::link(&root(b)?, a, false),
        Command::Unlink(a) => links::link(&root(b)?, a, true),
        Command::Decide(a) => decisions::decide(b, a),
        Command::Commit { message } => write::commit(&root(b)?, message),
        Command::Undo { n, json } => write::undo(&root(b)?, Action::Undo { n: n as usize }, json),
        Command::Redo { n, json } => write::undo(&root(b)?, Action::Redo { n: n as usize }, json),
        Command::Resolve { card, field, take } => write::resolve(&root(b)?, &card, &field, &take),
        Command::Result { card, source, read } => evidence::result(&root(b)?, &card, &source, read),
        Command::Run(a) => evidence::run(&root(b)?, &a.card, a.metrics, a.read, &a.command),
        Command::Demo { dir } => write::demo(dir),
        // Working with other clones.
        Command::Sync { remote, json } => sync::sync(b, remote, json),
        Command::MergeDriver(a) => sync::merge_driver(&a),
        Command::Setup => sync::setup(&root(b)?),
        // The rest.
        Command::Completions { shell } => man::completions(shell),
        Command::Man => man::man(),
        Command::Mcp { agent } => {
            let cwd = here(b)?;
            crate::mcp::serve(crate::mcp::Options { cwd, agent })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
