//! Completions that know the board: after `lanes move ` Tab offers the
//! card ids (with their titles where the shell shows descriptions), after
//! `lanes move 3fk2 ` the lanes, after `--label` the labels, and so on.
//!
//! The scripts `lanes completions SHELL` prints are clap_complete's
//! dynamic ones: on Tab the shell runs `LANES_COMPLETE=SHELL lanes --
//! WORDS...`, and [`answer`] (first thing in [`super::main`]) prints the
//! candidates for the word under the cursor. clap_complete's engine walks
//! the same definitions as the parser, so subcommands and options are
//! never out of date; the values come from the board through the
//! completers [`decorate`] attaches, by a rule on each argument (its value
//! name or id), so a new `CARD` argument completes card ids without being
//! told.
//!
//! Candidates are read fast, from the card cache ([`Heads`], the same one
//! `lanes ready` reads; no card file is parsed unless it changed since)
//! and board.yaml, on the board `--board` (on the line being completed),
//! `LANES_BOARD` or the current folder names. No board, or one that cannot
//! be read, gives no candidates and prints nothing: a Tab never writes an
//! error over the user's command line.
//!
//! clap_complete writes the candidates to stdout itself, bypassing
//! [`term`](crate::term) (its separators are control characters, which the
//! terminal gate would make visible). What reaches it from the board is
//! made safe here instead: a value with a control or deceptive character
//! is left out, and descriptions pass [`visible`].

use super::Cli;
use crate::env::Env;
use crate::model::text::visible;
use crate::model::BoardConfig;
use crate::store::{self, Heads};
use clap::CommandFactory;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use clap_complete::env::{Bash, CompleteEnv, Elvish, EnvCompleter, Fish, Powershell, Zsh};
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The variable the completion scripts set: the shell to answer for.
pub const VAR: &str = "LANES_COMPLETE";

/// The board named on the line being completed (`--board PATH`).
static BOARD_ARG: OnceLock<PathBuf> = OnceLock::new();

/// Answer a completion request from a shell script, if this is one
/// (`LANES_COMPLETE` set): print the candidates, or the registration
/// script when no words follow. Returns the exit code when it was one
/// (the process then ends), `None` otherwise. A request that cannot be
/// answered prints nothing and fails (the scripts then offer nothing).
pub fn answer() -> Option<std::process::ExitCode> {
    Env::get().os(VAR)?;
    let args: Vec<OsString> = std::env::args_os().collect();
    let words = args.iter().position(|a| a == "--").map(|i| &args[i + 1..]);
    if let Some(board) = words.and_then(board_on_line) {
        let _ = BOARD_ARG.set(board);
    }
    let cwd = std::env::current_dir().ok();
    match CompleteEnv::with_factory(command)
        .var(VAR)
        .try_complete(args.iter().cloned(), cwd.as_deref())
    {
        Ok(true) => Some(std::process::ExitCode::SUCCESS),
        Ok(false) => None,
        // A registration asked for an unknown shell: say so.
        Err(e) if words.is_none() => {
            let _ = e.print();
            Some(std::process::ExitCode::from(2))
        }
        Err(_) => Some(std::process::ExitCode::from(1)),
    }
}

/// `lanes completions SHELL`: the script that registers the dynamic
/// completions for `lanes` (found on PATH when Tab is pressed).
pub fn registration(shell: clap_complete::Shell, out: &mut impl Write) -> anyhow::Result<()> {
    let adapter: &dyn EnvCompleter = match shell {
        clap_complete::Shell::Bash => &Bash,
        clap_complete::Shell::Zsh => &Zsh,
        clap_complete::Shell::Fish => &Fish,
        clap_complete::Shell::Elvish => &Elvish,
        clap_complete::Shell::PowerShell => &Powershell,
        other => anyhow::bail!("no completions for {other}"),
    };
    let mut script = Vec::new();
    adapter.write_registration(VAR, "lanes", "lanes", "lanes", &mut script)?;
    out.write_all(&script)?;
    if shell == clap_complete::Shell::Zsh {
        // Installed on $fpath as `_lanes`, zsh runs the file itself on the
        // first Tab, which only registers the completer: complete this
        // Tab too. Sourced, the script is not `_lanes` and this does
        // nothing.
        writeln!(
            out,
            "[[ ${{funcstack[1]}} = _lanes ]] && _clap_dynamic_completer_lanes \"$@\""
        )?;
    }
    Ok(())
}

/// The command line's definition with the board's completers attached to
/// its arguments.
pub fn command() -> clap::Command {
    decorate(Cli::command())
}

/// Attach a completer to every argument below `cmd` whose values are
/// cards, lanes, labels, assignees, kinds, verdicts, templates or saved
/// views (by value name or id).
pub fn decorate(cmd: clap::Command) -> clap::Command {
    let restore = cmd.get_name() == "restore";
    cmd.mut_args(|a| attach(a, restore))
        .mut_subcommands(decorate)
}

/// What an argument's values are, for completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    Cards,
    ArchivedCards,
    Lanes,
    Labels,
    Assignees,
    Kinds,
    Verdicts,
    Templates,
    Views,
}

/// What `arg`'s values are, if they come from the board.
pub fn values_of(arg: &clap::Arg, restore: bool) -> Option<Values> {
    let value_name = arg
        .get_value_names()
        .and_then(|v| v.first())
        .map(|s| s.as_str());
    let id = arg.get_id().as_str();
    if !arg.get_action().takes_values() {
        return None;
    }
    let cards = if restore {
        Values::ArchivedCards
    } else {
        Values::Cards
    };
    Some(match (value_name, id) {
        (Some("CARD" | "OTHER"), _) | (_, "card") => cards,
        (_, "lane" | "lanes") => Values::Lanes,
        (_, "label" | "labels") => Values::Labels,
        (_, "assignee" | "assignees" | "by") => Values::Assignees,
        (_, "kind") => Values::Kinds,
        (_, "template") => Values::Templates,
        (_, "view") => Values::Views,
        (_, "verdict") if arg.get_possible_values().is_empty() => Values::Verdicts,
        _ => return None,
    })
}

fn attach(arg: clap::Arg, restore: bool) -> clap::Arg {
    if arg.get_id() == "board" {
        return arg.value_hint(clap::ValueHint::DirPath);
    }
    let Some(values) = values_of(&arg, restore) else {
        return arg;
    };
    let completer = match values {
        Values::Cards => ArgValueCompleter::new(|c: &OsStr| cards(c, false)),
        Values::ArchivedCards => ArgValueCompleter::new(|c: &OsStr| cards(c, true)),
        Values::Lanes => ArgValueCompleter::new(lanes),
        Values::Labels => ArgValueCompleter::new(labels),
        Values::Assignees => ArgValueCompleter::new(assignees),
        Values::Kinds => ArgValueCompleter::new(kinds),
        Values::Verdicts => ArgValueCompleter::new(verdicts),
        Values::Templates => ArgValueCompleter::new(templates),
        Values::Views => ArgValueCompleter::new(views),
    };
    arg.add(completer)
}

/// `--board PATH` or `--board=PATH` among the words of the line being
/// completed (the last one wins, as when parsing).
fn board_on_line(words: &[OsString]) -> Option<PathBuf> {
    let mut found = None;
    let mut it = words.iter();
    while let Some(w) = it.next() {
        let w = w.to_str()?;
        if w == "--" {
            break;
        }
        let value = match w.strip_prefix("--board") {
            // bash splits `--board=PATH` at `=` (COMP_WORDBREAKS).
            Some("") => match it.next().and_then(|v| v.to_str()) {
                Some("=") => it.next().and_then(|v| v.to_str()).map(str::to_string),
                v => v.map(str::to_string),
            },
            Some(rest) => rest.strip_prefix('=').map(str::to_string),
            None => None,
        };
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            found = Some(expand_home(&v));
        }
    }
    found
}

/// `~/x` as the shell would expand it (the words reach us as typed).
fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), Env::get().os("HOME")) {
        (Some(rest), Some(home)) => Path::new(home).join(rest),
        _ => PathBuf::from(p),
    }
}

/// The board the line works on, if there is one.
fn root() -> Option<PathBuf> {
    let named = BOARD_ARG
        .get()
        .cloned()
        .or_else(|| Env::get().os("LANES_BOARD").map(PathBuf::from));
    match named {
        Some(p) => store::explicit_root(&p).ok(),
        None => store::discover(&std::env::current_dir().ok()?).ok(),
    }
}

fn config(root: &Path) -> Option<BoardConfig> {
    store::parse_board(&store::read_board_file(root, store::BOARD_FILE).ok()?).ok()
}

/// A value safe to hand to the shell as typed text.
fn safe(value: &str) -> bool {
    !value.is_empty() && matches!(visible(value, false), std::borrow::Cow::Borrowed(_))
}

fn candidate(value: &str, help: Option<String>) -> CompletionCandidate {
    CompletionCandidate::new(value).help(help.map(|h| visible(&h, false).into_owned().into()))
}

/// Card ids starting with `current` (any case), in board order (lane,
/// then rank), each described by its title and lane. Archived cards are
/// offered only where nothing else matches (or only they, for `restore`).
pub fn cards(current: &OsStr, archived_wanted: bool) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    let Some(root) = root() else {
        return Vec::new();
    };
    let Ok(heads) = Heads::load(&root) else {
        return Vec::new();
    };
    let config = config(&root);
    let lane_pos = |lane: &str| {
        config
            .as_ref()
            .and_then(|c| c.lane_index(lane))
            .unwrap_or(usize::MAX)
    };
    let prefix = current.to_lowercase();
    let mut found: Vec<_> = heads
        .heads()
        .into_iter()
        .filter(|h| h.id.starts_with(&prefix) && safe(h.id))
        .collect();
    found.sort_by(|a, b| (lane_pos(a.lane), a.rank, a.id).cmp(&(lane_pos(b.lane), b.rank, b.id)));
    found
        .into_iter()
        .map(|h| {
            let help = if h.archived {
                format!("{} (archived)", h.title)
            } else {
                format!("{} ({})", h.title, h.lane)
            };
            candidate(h.id, Some(help)).hide(h.archived != archived_wanted)
        })
        .collect()
}

/// The board's lane ids starting with `current`, described by their titles.
pub fn lanes(current: &OsStr) -> Vec<CompletionCandidate> {
    let (Some(current), Some(config)) = (current.to_str(), root().and_then(|r| config(&r))) else {
        return Vec::new();
    };
    config
        .lanes
        .iter()
        .filter(|l| l.id.starts_with(current) && safe(&l.id))
        .map(|l| candidate(&l.id, Some(l.title.clone())))
        .collect()
}

/// Values that start with `current`, with how many cards have each.
fn counted(current: &OsStr, counts: BTreeMap<String, usize>) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    counts
        .into_iter()
        .filter(|(v, _)| v.starts_with(current) && safe(v))
        .map(|(v, n)| {
            let help = match n {
                1 => "1 card".to_string(),
                n => format!("{n} cards"),
            };
            candidate(&v, Some(help))
        })
        .collect()
}

/// Labels: those board.yaml defines and those cards carry.
pub fn labels(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(root) = root() else {
        return Vec::new();
    };
    let mut counts = BTreeMap::new();
    if let Some(config) = config(&root) {
        for l in config.labels {
            counts.entry(l.name).or_insert(0);
        }
    }
    if let Ok(heads) = Heads::load(&root) {
        for h in heads.heads().iter().filter(|h| !h.archived) {
            for l in &h.labels {
                *counts.entry(l.to_string()).or_insert(0) += 1;
            }
        }
    }
    counted(current, counts)
}

/// Everyone a card is assigned to.
pub fn assignees(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(heads) = root().and_then(|r| Heads::load(&r).ok()) else {
        return Vec::new();
    };
    let mut counts = BTreeMap::new();
    for h in heads.heads().iter().filter(|h| !h.archived) {
        for a in &h.assignees {
            *counts.entry(a.to_string()).or_insert(0) += 1;
        }
    }
    counted(current, counts)
}

/// The board's card kinds.
pub fn kinds(current: &OsStr) -> Vec<CompletionCandidate> {
    let (Some(current), Some(config)) = (current.to_str(), root().and_then(|r| config(&r))) else {
        return Vec::new();
    };
    config
        .kinds
        .iter()
        .filter(|k| k.starts_with(current) && safe(k))
        .map(|k| candidate(k, None))
        .collect()
}

/// The verdicts (for an option that takes any text, such as `lanes
/// hypotheses --verdict`).
pub fn verdicts(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_str().unwrap_or_default();
    ["open", "supported", "refuted", "inconclusive"]
        .into_iter()
        .filter(|v| v.starts_with(current))
        .map(|v| candidate(v, None))
        .collect()
}

/// The board templates `lanes init --template` takes (needs no board).
pub fn templates(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_str().unwrap_or_default();
    crate::templates::list()
        .into_iter()
        .filter(|t| t.name.starts_with(current) && safe(&t.name))
        .map(|t| candidate(&t.name, Some(t.source)))
        .collect()
}

/// Saved views (`--view NAME`): the board's and the user's.
pub fn views(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(root) = root() else {
        return Vec::new();
    };
    let personal = crate::config_dir().map(|d| d.join("config.yaml"));
    views_in(&root, personal.as_deref(), current)
}

/// The names under `views:` in `root`'s board.yaml, then those in the
/// user's config file `personal` not among them (marked as theirs), each
/// described by its filter. Read as plain YAML, whatever else the files
/// hold: a view lanes cannot use is still a name to complete.
pub fn views_in(root: &Path, personal: Option<&Path>, current: &OsStr) -> Vec<CompletionCandidate> {
    use crate::model::view::{catalog, Origin};
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    // The views in force, as the board and `--view` see them
    // (model::view::catalog): the board's, each replaced by the user's of
    // the same name, then the user's others.
    let Ok(config) = store::read_board_file(root, store::BOARD_FILE)
        .map_err(anyhow::Error::from)
        .and_then(|b| store::parse_board(&b).map_err(anyhow::Error::from))
    else {
        return Vec::new();
    };
    let mine = personal
        .and_then(|p| {
            Some(crate::config::Personal {
                name: p.display().to_string(),
                text: std::fs::read_to_string(p).ok()?,
            })
        })
        .map(|p| p.views(&config))
        .unwrap_or_default();
    catalog(&config.views, &mine)
        .into_iter()
        .filter(|v| v.name.starts_with(current) && safe(&v.name))
        .map(|v| {
            let filter = v
                .view
                .as_ref()
                .map(|x| x.filter.text.clone())
                .unwrap_or_default();
            let help = match (filter.as_str(), v.origin) {
                ("", Origin::Board) => String::new(),
                ("", Origin::Personal) => "yours".to_string(),
                (f, Origin::Board) => f.to_string(),
                (f, Origin::Personal) => format!("{f} (yours)"),
            };
            candidate(&v.name, Some(help).filter(|h| !h.is_empty()))
        })
        .collect()
}
