//! The command line: parse arguments into actions and print results.
//! Exit codes: 0 success, 1 user error, 2 usage error.

pub mod complete;
mod decisions;
mod evidence;
pub mod links;
pub mod output;
mod views;

use crate::term::{self, say};

use crate::model::Verdict;
use crate::ops::{self, Action, NewCard, Placement};
use crate::store::{self, codec::Head, Board};
use crate::templates;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, CommandFactory, Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "lanes",
    version,
    about = "A kanban board for research and ML teams, kept as YAML files in git",
    long_about = "A kanban board for research and ML teams, kept as YAML files in git.\n\nEvery change is one git commit touching only board files (.lanes/)."
)]
pub struct Cli {
    /// The board to use: a folder holding .lanes/ (default: found by walking up from here)
    #[arg(long, global = true, env = "LANES_BOARD", value_name = "PATH", value_hint = clap::ValueHint::DirPath)]
    pub board: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a board in this folder's git repository (creating the repository if needed)
    Init {
        /// Template name (see `lanes templates`) or path to a board.yaml
        #[arg(long, default_value = templates::DEFAULT)]
        template: String,
        /// The board's name
        #[arg(long)]
        name: Option<String>,
    },
    /// Add a card; prints its id
    Add(AddArgs),
    /// Move a card to a lane, or reorder it within its lane
    #[command(
        long_about = "Move a card to a lane (to its bottom unless --top, --before or --after say where), or, without a lane, reorder it within its own lane.\n\nA lane over its WIP limit after the move is said on stderr; the move is made (exit 0)."
    )]
    Move {
        /// The card: its id or any unique prefix of it
        card: String,
        /// The lane to move it to: its id or title (any unique prefix); without it, --top, --bottom, --before or --after reorder the card in its own lane
        #[arg(required_unless_present_any = ["top", "bottom", "before", "after"])]
        lane: Option<String>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Edit a card in $EDITOR, or set fields with --set FIELD=VALUE
    Edit {
        /// The card: its id or any unique prefix of it
        card: String,
        /// Set a field (dotted names for nested fields; VALUE is YAML; empty VALUE removes it)
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
        /// Replace the card with the contents of a file (e.g. a recovery file)
        #[arg(long, value_name = "PATH", conflicts_with = "set")]
        file: Option<PathBuf>,
    },
    /// Add a journal note to a card
    Note {
        /// The card: its id or any unique prefix of it
        card: String,
        /// The note's text (the author and time are added from git)
        text: String,
    },
    /// Give a hypothesis its verdict
    Verdict {
        /// The card: its id or any unique prefix of it
        card: String,
        /// The verdict
        #[arg(value_parser = ["open", "supported", "refuted", "inconclusive"])]
        verdict: String,
        /// The measured result (a number or text)
        #[arg(long)]
        result: Option<String>,
        /// Why the verdict holds: needed when the result, baseline, target and direction give another one (kept as hypothesis.rationale)
        #[arg(long, value_name = "TEXT")]
        because: Option<String>,
        /// The run the verdict comes from: mlflow:RUN_ID[#KEY] or dvc:PATH[#key.path]; its value is recorded as the result (as `lanes result` does) and must give this verdict (or --because says why it holds)
        #[arg(long, value_name = "SOURCE", conflicts_with = "result")]
        source: Option<String>,
    },
    /// Claim a card: you (or your agent) work on it now, until a time; a live claim of someone else's is refused
    #[command(
        long_about = "Claim a card: you (or your agent) work on it now, until a time. One commit storing claim: {by, at, until} on the card.\n\nA live claim of someone else's is refused (exit 4), naming who holds it until when; your own is renewed (claim again to extend it); an expired one is replaced. `lanes ready` and `lanes list --unclaimed` skip claimed cards. Moving the card to a done lane or giving it a verdict releases the claim. When two clones claimed the same card offline, `lanes sync` keeps the earlier claim (then the smaller name) in every clone and tells the other it lost."
    )]
    Claim {
        /// The card: its id or any unique prefix of it
        card: String,
        /// How long: 30m, 2h, 1h30m, 3d, 1w (default: the board's agents.claim_for, else 2h; at most 30 days)
        #[arg(long = "for", value_name = "TIME")]
        duration: Option<String>,
        /// Claim as this agent, acting for you: the claim reads "You via NAME", and the commit carries a Lanes-Agent trailer
        #[arg(long = "as", value_name = "NAME")]
        agent: Option<String>,
        /// Print the claim as JSON (see docs/FORMAT.md)
        #[arg(long)]
        json: bool,
    },
    /// Give back a card's claim
    #[command(
        long_about = "Give back a card's claim, in one commit. A person can give back anyone's claim (one left by an agent that stopped, say); with --as, as an agent, only one's own live claim."
    )]
    Release {
        /// The card: its id or any unique prefix of it
        card: String,
        /// Release as this agent, acting for you (only its own claim)
        #[arg(long = "as", value_name = "NAME")]
        agent: Option<String>,
        /// Print what was done as JSON (see docs/FORMAT.md)
        #[arg(long)]
        json: bool,
    },
    /// Archive a card (hidden from lists unless --all)
    Archive {
        /// The card: its id or any unique prefix of it
        card: String,
    },
    /// Bring an archived card back
    Restore {
        /// The card: its id or any unique prefix of it
        card: String,
    },
    /// List cards in lane order, then rank
    List(ListArgs),
    /// Link a card to another: it depends on, blocks, is part of, supersedes, relates to or rests on it
    #[command(
        long_about = "Link a card to another, in one commit on the card that stores the link: CARD --depends-on OTHER (CARD waits for OTHER), --blocks OTHER (OTHER waits for CARD: stored on OTHER), --parent OTHER (CARD is part of OTHER), --supersedes OTHER (CARD replaces OTHER), --relates OTHER (see also), --rests-on OTHER (CARD, a decision, was taken on OTHER's evidence).\n\nA link that would close a cycle of depends-on or parent links is refused, naming the cycle. `lanes show` lists a card's links both ways; `lanes ready` lists what can be picked up now."
    )]
    Link(links::LinkArgs),
    /// Remove a link (the same options as `lanes link`)
    Unlink(links::LinkArgs),
    /// Cards someone can pick up now: not blocked, not done, not archived, in board order
    #[command(
        long_about = "Cards someone can pick up now: not archived, not done, and not waiting on a card that is not done, in board order.\n\nDone is the board's rule: a hypothesis with a verdict, a card in a done lane, or one that met its lane's exit criteria. A card that depends on an archived card that was not done stays blocked (archiving abandons work). --explain lists the blocked cards too, each with what it waits on, transitively, and flags work resting on refuted hypotheses, superseded or archived cards."
    )]
    Ready(links::ReadyArgs),
    /// Record a decision: what was decided, on which hypotheses and experiments, by whom and when
    #[command(
        long_about = "Record a decision, in one commit: a card of kind `decision` whose title says what was decided. --rests-on names the hypotheses and experiments it was taken on (their verdicts and values are shown from those cards, never copied); --supersedes the decisions it replaces (they stay, marked). Who decided and when default to you and today.\n\n`lanes decisions` lists them newest first, and flags a decision whose evidence moved since: a verdict changed or gone stale, a hypothesis still open, superseded, archived or missing."
    )]
    Decide(decisions::DecideArgs),
    /// Decisions, newest first, with what each rests on and what changed since
    Decisions(decisions::DecisionsArgs),
    /// Show one card
    Show {
        /// The card: its id or any unique prefix of it
        card: String,
        /// Print the card as JSON (every field, as in the file)
        #[arg(long)]
        json: bool,
    },
    /// Check board.yaml and every card; print problems as path:line:column: message
    Validate,
    /// List the board templates
    Templates,
    /// Commit pending board changes (for boards with `commit: manual`)
    Commit {
        /// The commit subject (after "lanes: ")
        #[arg(short, long)]
        message: Option<String>,
    },
    /// Open the board screen (the same as `lanes` with no command)
    Tui,
    /// A card's history (every change, field by field), or the board's activity
    Log {
        /// The card (id or unique prefix); without it, the board's activity feed
        card: Option<String>,
        /// The other order: a card's history newest first (it reads oldest first); the board's feed oldest first (it reads newest first, like git log)
        #[arg(long)]
        reverse: bool,
        /// Only since this date (YYYY-MM-DD) or age (14d, 6w)
        #[arg(long)]
        since: Option<String>,
        /// Only commits whose author contains this text
        #[arg(long)]
        author: Option<String>,
        /// Only cards in (or moving through) this lane
        #[arg(long)]
        lane: Option<String>,
        /// With a CARD: only changes to this field (dotted, e.g. hypothesis.target; a group such as hypothesis takes every field in it); repeat for more
        #[arg(long = "field", value_name = "FIELD", requires = "card")]
        fields: Vec<String>,
        /// Print the entries as JSON (see docs/FORMAT.md)
        #[arg(long)]
        json: bool,
    },
    /// Every hypothesis side by side: metric, baseline -> target -> result, verdict
    Hypotheses {
        /// Only this verdict (open, supported, refuted, inconclusive)
        #[arg(long)]
        verdict: Option<String>,
        /// Only hypotheses in this lane
        #[arg(long)]
        lane: Option<String>,
        /// Only hypotheses on this metric
        #[arg(long)]
        metric: Option<String>,
        /// Sort by: lane (default), verdict, metric, updated, cost
        #[arg(long, value_enum, default_value_t = crate::history::query::HypSort::Lane)]
        sort: crate::history::query::HypSort,
        /// Never cut the text to the terminal's width (it is never cut in a file or a pipe)
        #[arg(long)]
        wide: bool,
        /// Print the hypotheses as JSON (see docs/FORMAT.md)
        #[arg(long)]
        json: bool,
    },
    /// Flow: cumulative flow, cycle times, throughput, loop-backs, WIP breaches
    Flow {
        /// From this date (YYYY-MM-DD) or age (14d, 6w); default: the board's start
        #[arg(long)]
        since: Option<String>,
        /// Print the metrics as JSON (see docs/FORMAT.md)
        #[arg(long)]
        json: bool,
    },
    /// A report for stakeholders (Markdown to paste, JSON for tools, or an HTML page with charts)
    Report {
        /// From this date (YYYY-MM-DD) or age (14d, 6w)
        #[arg(long, default_value = "30d")]
        since: String,
        /// To the end of this date (YYYY-MM-DD) or age (14d, 6w); default: now
        #[arg(long)]
        until: Option<String>,
        /// Markdown to paste, JSON for tools, or one self-contained HTML page with charts (open it in a browser, print it to PDF)
        #[arg(long, default_value = "markdown", value_parser = ["markdown", "json", "html"])]
        format: String,
    },
    /// Fetch, merge card by card, and push
    Sync {
        /// The remote to sync with (default: the branch's upstream, or origin)
        #[arg(long)]
        remote: Option<String>,
        /// Print what the sync did as JSON on stdout (see docs/FORMAT.md)
        #[arg(long)]
        json: bool,
    },
    /// Merge three versions of a board file (git merge driver: %O %A %B %P)
    #[command(name = "merge-driver", hide = true)]
    MergeDriver {
        /// The common ancestor's version (git's %O)
        base: PathBuf,
        /// Our version, where the result is written (git's %A)
        ours: PathBuf,
        /// Their version (git's %B)
        theirs: PathBuf,
        /// The file's path in the repository (git's %P)
        path: String,
    },
    /// Configure this clone so plain `git merge` merges board files card by card
    Setup,
    /// Take back your last N lanes changes, each as a new commit (default 1)
    #[command(
        long_about = "Take back your last N lanes changes on this branch, newest first, each as a new commit (never rewriting history).\n\nOnly your own changes are undone (commits made by your git identity); a teammate's change is skipped, and an undo that would overwrite a later change to the same field is refused, changing nothing. Undoing an undo is `lanes redo`."
    )]
    Undo {
        /// How many changes to take back
        #[arg(default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        n: u32,
        /// Print what was done as JSON (see docs/FORMAT.md)
        #[arg(long)]
        json: bool,
    },
    /// Make again the last N changes you undid, each as a new commit (default 1)
    #[command(
        long_about = "Make again the last N changes you took back with `lanes undo`, most recently undone first, each as a new commit.\n\nRedo is possible until you make a new change: like an editor's, a new change clears what can be redone."
    )]
    Redo {
        /// How many undone changes to make again
        #[arg(default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        n: u32,
        /// Print what was done as JSON (see docs/FORMAT.md)
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script that completes card ids, lanes, labels and assignees too (see README for installing it)
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff; view it with `lanes man | man -l -`)
    Man,
    /// Serve the board to agents over the Model Context Protocol (stdio)
    #[command(
        long_about = "Serve the board to coding agents over the Model Context Protocol, on stdin and stdout.\n\nTools: board, list, show, add, move, note, claim, release, result, verdict, hypotheses. A verdict must cite a run (unless .lanes/board.yaml sets agents.require_evidence: false). Each write is one git commit, exactly as the command line makes it; the agent is named in the journal (\"Ana via claude-code\") and in a Lanes-Agent trailer, and the author stays your git identity. Every tool takes a `board` path; without one, the client's root or the folder the server was started in is used (a linked worktree's own board). See docs/AGENTS.md.",
        after_help = crate::mcp::CLIENT_HELP
    )]
    Mcp {
        /// The agent's name in commits and journal entries (default: the MCP client's name)
        #[arg(long = "as", value_name = "NAME")]
        agent: Option<String>,
    },
    /// Create the demo board (a recommendation-engine project) and open it
    Demo {
        /// Where to create it (default: a new temporary folder)
        dir: Option<PathBuf>,
    },
    /// Record a run's final value of the card's metric as its result, with the verdict and the run's provenance
    Result {
        /// The card: its id or any unique prefix of it
        card: String,
        /// mlflow:RUN_ID, or dvc:PATH[#key.path] for a DVC metrics file
        source: String,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Run a training command, then record its journal entry, result, verdict and cost on the card
    #[command(
        long_about = "Run a training command, then record its journal entry, result, verdict and cost on the card, in one commit.\n\nlanes waits for the command as a shell waits for a job: Ctrl+C and Ctrl+\\ go to the command, and lanes stays to record what happened (the exit status, or the signal that killed it). lanes exits with the command's status, 128+N when signal N killed it (130 for Ctrl+C), and 1 when it succeeded but gave no result."
    )]
    Run {
        /// The card: its id or any unique prefix of it
        card: String,
        /// Read the result from this metrics file (JSON, YAML or TOML) instead of the MLflow run the command created
        #[arg(long, value_name = "PATH")]
        metrics: Option<String>,
        #[command(flatten)]
        read: ReadArgs,
        /// The command and its arguments, after --
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<String>,
    },
    /// Settle a conflict a sync recorded on a card: keep the kept value, take the other, or give one
    #[command(
        long_about = "Settle a conflict that `lanes sync` (or the merge driver) recorded on a card, in one commit: the field gets its value, the entry leaves the card's `conflicts:` list, and the journal says what was decided, over what, and by whom.\n\n`lanes show CARD` lists the card's conflicts: each field with both values, who made them and when."
    )]
    Resolve {
        /// The card: its id or any unique prefix of it
        card: String,
        /// The conflicting field, as `lanes show` names it (e.g. hypothesis.result, placement)
        field: String,
        /// kept (the value the merge kept), other (the value it set aside), or a new VALUE (YAML)
        #[arg(long, value_name = "kept|other|VALUE")]
        take: String,
    },
}

/// How `lanes result` and `lanes run` read a run and report.
#[derive(Args, Debug)]
pub struct ReadArgs {
    /// The run's metric key to read (default: the hypothesis's metric_key, else its metric, matched by MLflow's name rules); it becomes the hypothesis's metric_key
    #[arg(long, value_name = "KEY")]
    pub metric: Option<String>,
    /// Record the result and evidence, but leave the verdict as it is
    #[arg(long)]
    pub no_verdict: bool,
    /// Why the verdict holds (kept as hypothesis.rationale): needed with --no-verdict when the new result contradicts the verdict kept
    #[arg(long, value_name = "TEXT")]
    pub because: Option<String>,
    /// The MLflow store: a SQLite file or an mlruns/ folder (default: MLFLOW_TRACKING_URI, else mlflow.db or mlruns/ at the repository root)
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Print what was recorded as JSON on stdout (see docs/FORMAT.md)
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// The card's title
    pub title: String,
    /// The lane to add it to: id or title (default: the first lane)
    #[arg(long)]
    pub lane: Option<String>,
    /// The card's kind, one of the board's `kinds` (default: the first, or hypothesis with --hypothesis)
    #[arg(long)]
    pub kind: Option<String>,
    /// A label (repeat for more)
    #[arg(long = "label")]
    pub labels: Vec<String>,
    /// Someone working on it (repeat for more)
    #[arg(long = "assignee")]
    pub assignees: Vec<String>,
    /// Due date, YYYY-MM-DD
    #[arg(long)]
    pub due: Option<String>,
    /// The hypothesis statement
    #[arg(long)]
    pub hypothesis: Option<String>,
    /// The metric the hypothesis is measured by (e.g. precision@10)
    #[arg(long)]
    pub metric: Option<String>,
    /// The key the tracker logs the metric under, when MLflow's name rules do not find it (precision@10 finds precision_at_10 without it)
    #[arg(long, value_name = "KEY")]
    pub metric_key: Option<String>,
    /// Which way the metric is better: higher or lower
    #[arg(long)]
    pub direction: Option<crate::model::Direction>,
    /// The metric's value today (a number or text)
    #[arg(long)]
    pub baseline: Option<String>,
    /// The value the hypothesis predicts (a number or text)
    #[arg(long)]
    pub target: Option<String>,
    /// Free text
    #[arg(long)]
    pub body: Option<String>,
    /// Set a field, as `lanes edit --set` does: a field board.yaml declares (priority=high) or a dotted built-in one (repeat for more)
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub links: links::LinkFlags,
}

#[derive(Args, Debug)]
#[group(multiple = false)]
pub struct PlaceArgs {
    /// Put it first in the lane
    #[arg(long)]
    pub top: bool,
    /// Put it last in the lane (the default when changing lanes)
    #[arg(long)]
    pub bottom: bool,
    /// Put it just before this card
    #[arg(long, value_name = "CARD")]
    pub before: Option<String>,
    /// Put it just after this card
    #[arg(long, value_name = "CARD")]
    pub after: Option<String>,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only cards in this lane (id or title)
    #[arg(long)]
    pub lane: Option<String>,
    /// Only cards with this label
    #[arg(long)]
    pub label: Option<String>,
    /// Only cards assigned to this person (a leading @ is ignored)
    #[arg(long)]
    pub assignee: Option<String>,
    /// Include archived cards
    #[arg(long)]
    pub all: bool,
    /// Only the cards a saved view shows (`views:` in board.yaml or in your config file), in its order
    #[arg(long, value_name = "NAME")]
    pub view: Option<String>,
    /// Only cards that are blocked: not done, and waiting on a card that is not done
    #[arg(long, conflicts_with = "ready")]
    pub blocked: bool,
    /// Only cards whose field has this value: a field board.yaml declares (priority=high) or a built-in one (kind=hypothesis, hypothesis.metric=ndcg@10); any case; repeat for more
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    pub wheres: Vec<String>,
    /// Only cards someone can pick up now, as `lanes ready` lists them: not blocked, not done, not archived, not claimed
    #[arg(long)]
    pub ready: bool,
    /// Only cards nobody holds a live claim on (see `lanes claim`)
    #[arg(long)]
    pub unclaimed: bool,
    /// Print the cards as JSON (each card as its YAML, every field, with its links both ways)
    #[arg(long)]
    pub json: bool,
}

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

fn yaml_arg(s: &str) -> Result<serde_yaml::Value> {
    store::parse_value(s)
}

/// `--set FIELD=VALUE` options as (field, YAML value) pairs.
fn set_args(set: &[String]) -> Result<Vec<(String, serde_yaml::Value)>> {
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
fn spell_sets(mut ctx: ops::Context, set: &[String]) -> ops::Context {
    for (k, v) in set.iter().filter_map(|s| s.split_once('=')) {
        let k = k.trim();
        ctx = ctx.spelling(k, v);
        if !k.contains('.') {
            ctx = ctx.spelling(&format!("fields.{k}"), v);
        }
    }
    ctx
}

/// `s` quoted for a POSIX shell (git runs merge drivers through `sh -c`).
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
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

/// Print an outcome of a mutating command to stderr.
fn report(outcome: &ops::Outcome, board_root: &Path) {
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
    let _ = board_root;
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    let Some(command) = cli.command else {
        let r = root(&cli.board)?;
        return open_board(&r);
    };
    match command {
        Command::Log {
            card,
            reverse,
            since,
            author,
            lane,
            fields,
            json,
        } => {
            let r = root(&cli.board)?;
            let since = since
                .as_deref()
                .map(crate::history::parse_since)
                .transpose()?;
            match card {
                Some(q) => log_card(
                    &r,
                    &q,
                    &LogFilter {
                        reverse,
                        since,
                        author: author.as_deref(),
                        fields: &fields,
                    },
                    json,
                )?,
                None => log_board(&r, reverse, since, author.as_deref(), lane.as_deref(), json)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Hypotheses {
            verdict,
            lane,
            metric,
            sort,
            wide,
            json,
        } => {
            let r = root(&cli.board)?;
            let (board, history) = board_and_history(&r)?;
            warn_incomplete(&history);
            let lane = lane
                .map(|l| {
                    board
                        .config
                        .resolve_lane(&l)
                        .map(|x| x.id.clone())
                        .map_err(|e| anyhow!(e))
                })
                .transpose()?;
            let query = crate::history::query::HypQuery {
                verdict,
                lane,
                metric,
                sort,
            };
            let rows = crate::history::query::hypotheses(&r, &board, &history, &query);
            let mut out = term::stdout();
            if json {
                term::json(&mut out, &rows)?;
            } else {
                let width = if wide { None } else { term::stdout_width() };
                write!(
                    out,
                    "{}",
                    crate::history::report::hypotheses_text(&rows, width)
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Flow { since, json } => {
            let r = root(&cli.board)?;
            // Flow needs the lanes, not the cards.
            let config = store::parse_board(&store::read_board_file(&r, store::BOARD_FILE)?)?;
            let history = crate::history::board_history(&r)?;
            if json {
                // The text says it at its top.
                warn_incomplete(&history);
            }
            let since = since
                .as_deref()
                .map(crate::history::parse_since)
                .transpose()?;
            let f = crate::history::flow::flow(
                &history,
                &config,
                since,
                crate::model::date::now_secs(),
            );
            let mut out = term::stdout();
            if json {
                term::json(&mut out, &f)?;
            } else {
                write!(out, "{}", crate::history::flow::render_text(&f, &config))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            since,
            until,
            format,
        } => {
            let r = root(&cli.board)?;
            let since = crate::history::parse_since(&since)?;
            let until = match until.as_deref() {
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
            let (board, history) = board_and_history(&r)?;
            if format != "markdown" {
                // The Markdown and the page say it at their top.
                warn_incomplete(&history);
            }
            let f = crate::history::flow::flow(&history, &board.config, Some(since), until);
            let mut rep = crate::history::report::report(&board, &history, &f, since, until)?;
            let stale = crate::evidence::stale::check_cards(&r, &board.cards);
            crate::history::report::mark_report_stale(&mut rep, &board, &stale);
            for p in &rep.board_problems {
                say!("lanes: warning: {p} (left out of the report)");
            }
            let mut out = term::stdout();
            match format.as_str() {
                "json" => term::json(&mut out, &rep)?,
                "html" => out.write_all(crate::history::html::page(&rep).as_bytes())?,
                _ => write!(out, "{}", crate::history::report::markdown(&rep))?,
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sync { remote, json } => {
            use std::io::IsTerminal;
            let here = std::env::current_dir()?;
            let r = match (&cli.board, store::discover(&here)) {
                // A clone made before the board existed: its upstream may
                // have one (sync says so if not).
                (None, Err(_)) => crate::git::work_tree_of(&here)?,
                _ => root(&cli.board)?,
            };
            let opts = crate::sync::Options {
                remote,
                interactive: std::io::stdin().is_terminal(),
                progress: Some(std::sync::Arc::new(|m: &str| say!("lanes: {m}"))),
                ssh_env: crate::sync::ssh::SshEnv::from_env(),
                now: Some(ops::Context::from_env().now()),
            };
            let report = crate::sync::sync(&r, &opts)?;
            if json {
                term::json(&mut term::stdout(), &report)?;
            }
            for c in report.changed.iter().filter(|_| !json) {
                let by = if c.authors.is_empty() {
                    String::new()
                } else {
                    format!("  by {}", c.authors.join(", "))
                };
                writeln!(
                    term::stdout(),
                    "{:<8} {}{by}",
                    c.what,
                    crate::model::id::short(&c.id)
                )?;
            }
            for c in &report.conflicts {
                say!("conflict: {c}");
            }
            for l in &report.lost_claims {
                say!("{}", l.describe());
            }
            for s in &report.salvaged {
                say!("malformed: {s}");
            }
            say!("{}", report.summary());
            if let Some(e) = &report.offline {
                say!(
                    "could not reach {}: {e}
your work is safe here; run `lanes sync` again when the remote can be reached",
                    report.remote
                );
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::MergeDriver {
            base,
            ours,
            theirs,
            path,
        } => {
            // `git merge` names the commit it merges in `GITHEAD_<oid>`.
            let incoming = crate::env::Env::get().merge_heads();
            let sides = crate::sync::DriverSides {
                incoming: (incoming.len() == 1).then(|| incoming[0].clone()),
            };
            crate::sync::merge_driver(&base, &ours, &theirs, &path, &sides)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Setup => {
            let r = root(&cli.board)?;
            let repo = crate::git::open(&r)?;
            let mut cfg = repo.config()?.open_level(git2::ConfigLevel::Local)?;
            // By absolute path: git runs drivers through its own shell, whose
            // PATH may not have lanes (an IDE's git, a binary from `cargo run`).
            let exe = std::env::current_exe()
                .and_then(std::fs::canonicalize)
                .context("cannot find the running lanes binary")?;
            let exe = exe.to_str().ok_or_else(|| {
                anyhow::anyhow!("the lanes binary's path {} is not UTF-8", exe.display())
            })?;
            let driver = format!("{} merge-driver %O %A %B %P", shell_quote(exe));
            cfg.set_str("merge.lanes.name", "lanes: merge board files card by card")?;
            cfg.set_str("merge.lanes.driver", &driver)?;
            say!(
                "this clone now merges board files card by card in plain `git merge`/`git pull`, with {exe}.\neach clone needs `lanes setup` once (git does not share this setting), and again if that binary moves."
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Tui => {
            let r = root(&cli.board)?;
            open_board(&r)
        }
        Command::Init { template, name } => {
            let dir = match &cli.board {
                Some(p) => p.clone(),
                None => std::env::current_dir()?,
            };
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let t = templates::find(&template)?;
            let init = ops::Init {
                template_text: t.text.clone(),
                template_name: t.name.clone(),
                name,
            };
            let done = ops::apply(
                &ops::Context::from_env(),
                &dir,
                Action::Init(Box::new(init)),
            )?;
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
        Command::Add(a) => {
            let r = root(&cli.board)?;
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
            let outcome = ops::apply(&ctx, &r, Action::Add(Box::new(new)))?;
            writeln!(term::stdout(), "{}", outcome.card)?;
            report(&outcome, &r);
            Ok(ExitCode::SUCCESS)
        }
        Command::Move { card, lane, place } => {
            let r = root(&cli.board)?;
            let placement = if place.top {
                Some(Placement::Top)
            } else if place.bottom {
                Some(Placement::Bottom)
            } else if let Some(c) = place.before {
                Some(Placement::Before(c))
            } else {
                place.after.map(Placement::After)
            };
            let outcome = ops::apply(
                &ops::Context::from_env(),
                &r,
                Action::Move {
                    card,
                    lane,
                    placement,
                },
            )?;
            report(&outcome, &r);
            Ok(ExitCode::SUCCESS)
        }
        Command::Edit { card, set, file } => {
            let r = root(&cli.board)?;
            let mut ctx = ops::Context::from_env();
            let action = if let Some(path) = file {
                let text = store::read_user_file(&path)?;
                Action::Replace { card, text }
            } else if !set.is_empty() {
                let fields = set_args(&set)?;
                ctx = spell_sets(ctx, &set);
                Action::Set { card, fields }
            } else {
                return edit_in_editor(&r, &card);
            };
            let outcome = ops::apply(&ctx, &r, action)?;
            report(&outcome, &r);
            Ok(ExitCode::SUCCESS)
        }
        Command::Note { card, text } => {
            let r = root(&cli.board)?;
            let outcome = ops::apply(&ops::Context::from_env(), &r, Action::Note { card, text })?;
            report(&outcome, &r);
            Ok(ExitCode::SUCCESS)
        }
        Command::Verdict {
            card,
            verdict,
            result: _,
            because,
            source: Some(source),
        } => {
            let r = root(&cli.board)?;
            let verdict: Verdict = verdict.parse().map_err(|e: String| anyhow!(e))?;
            evidence::verdict_from(&r, &card, verdict, &source, because)
        }
        Command::Verdict {
            card,
            verdict,
            result,
            because,
            source: None,
        } => {
            let r = root(&cli.board)?;
            let verdict: Verdict = verdict.parse().map_err(|e: String| anyhow!(e))?;
            let mut ctx = ops::Context::from_env();
            if let Some(typed) = &result {
                ctx = ctx.spelling("hypothesis.result", typed);
            }
            let result = result.as_deref().map(yaml_arg).transpose()?;
            let outcome = ops::apply(
                &ctx,
                &r,
                Action::Verdict {
                    card,
                    verdict,
                    result,
                    because,
                },
            )
            .map_err(evidence::verdict_hint)?;
            report(&outcome, &r);
            Ok(ExitCode::SUCCESS)
        }
        Command::Claim {
            card,
            duration,
            agent,
            json,
        } => {
            let r = root(&cli.board)?;
            let for_secs = duration
                .as_deref()
                .map(crate::model::claim::parse_duration)
                .transpose()
                .map_err(|e| anyhow!("--for {e}"))?;
            let ctx = ops::Context::from_env().with_agent(agent);
            let outcome = ops::apply(&ctx, &r, Action::Claim { card, for_secs })?;
            claimed(&outcome, json)?;
            report(&outcome, &r);
            Ok(ExitCode::SUCCESS)
        }
        Command::Release { card, agent, json } => {
            let r = root(&cli.board)?;
            let ctx = ops::Context::from_env().with_agent(agent);
            let outcome = ops::apply(&ctx, &r, Action::Release { card })?;
            claimed(&outcome, json)?;
            report(&outcome, &r);
            Ok(ExitCode::SUCCESS)
        }
        Command::Archive { card } => {
            let r = root(&cli.board)?;
            let outcome = ops::apply(&ops::Context::from_env(), &r, Action::Archive { card })?;
            report(&outcome, &r);
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { card } => {
            let r = root(&cli.board)?;
            let outcome = ops::apply(&ops::Context::from_env(), &r, Action::Restore { card })?;
            report(&outcome, &r);
            Ok(ExitCode::SUCCESS)
        }
        Command::List(args) => {
            let r = root(&cli.board)?;
            list(&r, &args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { card, json } => {
            let r = root(&cli.board)?;
            links::show(&r, &card, json)
        }
        Command::Link(args) => {
            let r = root(&cli.board)?;
            links::link(&r, args, false)
        }
        Command::Unlink(args) => {
            let r = root(&cli.board)?;
            links::link(&r, args, true)
        }
        Command::Decide(args) => decisions::decide(&cli.board, args),
        Command::Decisions(args) => decisions::decisions(&cli.board, args),
        Command::Ready(args) => {
            let r = root(&cli.board)?;
            links::ready(&r, args)
        }
        Command::Validate => {
            let r = root(&cli.board)?;
            validate(&r)
        }
        Command::Templates => {
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
        Command::Commit { message } => {
            let r = root(&cli.board)?;
            let done = ops::apply(&ops::Context::from_env(), &r, Action::Commit { message })?;
            match done.commit {
                Some(oid) => say!("{} [{}]", done.summary, &oid.to_string()[..8]),
                None => say!("{}", done.summary),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Undo { n, json } => {
            let r = root(&cli.board)?;
            let n = n as usize;
            let done = ops::apply(&ops::Context::from_env(), &r, Action::Undo { n })?;
            report_undo(&done, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Redo { n, json } => {
            let r = root(&cli.board)?;
            let n = n as usize;
            let done = ops::apply(&ops::Context::from_env(), &r, Action::Redo { n })?;
            report_undo(&done, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut out = term::stdout();
            complete::registration(shell, &mut out)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Mcp { agent } => {
            let cwd = match &cli.board {
                Some(p) => p.clone(),
                None => std::env::current_dir()?,
            };
            crate::mcp::serve(crate::mcp::Options { cwd, agent })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut out = term::stdout();
            man_page(&mut out)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { dir } => {
            let dir = match dir {
                Some(d) => d,
                None => crate::demo::temp_dir()?,
            };
            let root = crate::demo::create(&dir)?;
            say!("demo board created in {}", root.display());
            let code = open_board(&root)?;
            say!("{}", demo_closing_words(&root));
            Ok(code)
        }
        Command::Result { card, source, read } => {
            let r = root(&cli.board)?;
            evidence::result(&r, &card, &source, read)
        }
        Command::Resolve { card, field, take } => {
            let r = root(&cli.board)?;
            let take = ops::resolve::Take::parse(&take)?;
            let outcome =
                ops::resolve::resolve(&ops::Context::from_env(), &r, &card, &field, &take)?;
            report(&outcome, &r);
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            card,
            metrics,
            read,
            command,
        } => {
            let r = root(&cli.board)?;
            evidence::run(&r, &card, metrics, read, &command)
        }
    }
}

/// What the demo says when its board screen closes: where the board is,
/// how to go on with it (with `lanes` on PATH or without), how to remove
/// it.
fn demo_closing_words(root: &Path) -> String {
    let dir = shell_quote(&root.display().to_string());
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

/// The man page: `lanes` and, as sections of the same page, every
/// subcommand with its options (hidden ones left out).
pub fn man_page(out: &mut impl Write) -> Result<()> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    // `.TH` first, as man(7) has it: clap_mangen puts its definition of
    // the apostrophe string before it, and again before every section.
    let mut title = Vec::new();
    man.render_title(&mut title)?;
    let title = String::from_utf8_lossy(&title);
    let th: Vec<&str> = title.lines().filter(|l| l.starts_with(".TH")).collect();
    let rest: Vec<&str> = title.lines().filter(|l| !l.starts_with(".TH")).collect();
    writeln!(out, "{}", th.join("\n"))?;
    writeln!(out, "{}", rest.join("\n"))?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    let mut roff = clap_mangen::roff::Roff::new();
    roff.control("SH", ["COMMANDS"]);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        let mut usage = sub.clone().bin_name(format!("lanes {name}"));
        roff.control("SS", [name]);
        roff.text([clap_mangen::roff::roman(
            usage.render_usage().to_string().replace("Usage: ", ""),
        )]);
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(|a| a.to_string())
            .unwrap_or_default();
        for para in about.split("\n\n") {
            roff.control("PP", []);
            roff.text([clap_mangen::roff::roman(para)]);
        }
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            let mut head = Vec::new();
            if let Some(s) = arg.get_short() {
                head.push(format!("-{s}"));
            }
            if let Some(l) = arg.get_long() {
                head.push(format!("--{l}"));
            }
            let value = arg
                .get_value_names()
                .and_then(|v| v.first())
                .map(|v| v.to_string())
                .unwrap_or_else(|| id.to_uppercase());
            if head.is_empty() {
                head.push(format!("<{value}>"));
            } else if arg.get_action().takes_values() {
                let last = head.len() - 1;
                head[last] = format!("{} <{value}>", head[last]);
            }
            roff.control("TP", []);
            roff.text([clap_mangen::roff::bold(head.join(", "))]);
            let help = arg
                .get_long_help()
                .or(arg.get_help())
                .map(|h| h.to_string())
                .unwrap_or_default();
            roff.text([clap_mangen::roff::roman(help)]);
        }
    }
    man_sections(&mut roff);
    roff.to_writer(out)?;
    man.render_version_section(out)?;
    Ok(())
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

/// The man page's ENVIRONMENT (from [`crate::env::VARS`]), FILES, BOARD
/// KEYS (from the key-command table), EXIT STATUS (from [`ops::Kind`])
/// and EXAMPLES.
fn man_sections(roff: &mut clap_mangen::roff::Roff) {
    use clap_mangen::roff::{bold, roman};
    let item = |roff: &mut clap_mangen::roff::Roff, head: &str, text: &str| {
        roff.control("TP", []);
        roff.text([bold(head)]);
        roff.text([roman(text)]);
    };
    roff.control("SH", ["ENVIRONMENT"]);
    for v in crate::env::VARS.iter().filter(|v| v.documented) {
        item(roff, v.name, v.about);
    }
    roff.control("SH", ["BOARD KEYS"]);
    roff.text([roman(
        "The board screen's keys (lanes, or lanes tui), by topic, from its one table of key commands; each can be bound to other keys under keys: in the config file, by the name in brackets.",
    )]);
    for topic in crate::tui::command::Topic::ALL {
        roff.control("SS", [topic.title()]);
        for cmd in crate::tui::command::KeyCommand::in_topic(topic) {
            let spec = cmd.spec();
            item(
                roff,
                &format!("{} ({})", spec.keys.join(", "), spec.name),
                spec.about,
            );
        }
    }
    roff.control("SH", ["FILES"]);
    for (path, what) in [
        (".lanes/board.yaml", "the board: lanes, WIP limits, labels, settings (committed)"),
        (".lanes/cards/ID.yaml", "one card per file (committed)"),
        (".gitattributes", "names the card-by-card merge driver for board files (lanes init adds the lines; lanes setup enables it in a clone)"),
        (".git/lanes/", "caches and the transaction journal of this clone (never committed; safe to delete)"),
        ("$LANES_CONFIG_DIR/config.yaml", "your key bindings (keys:) and colours (theme:) for the board"),
        ("$LANES_CONFIG_DIR/templates/NAME.yaml", "your own board templates for lanes init --template"),
    ] {
        item(roff, path, what);
    }
    roff.control("SH", ["EXIT STATUS"]);
    item(roff, "0", "success");
    item(
        roff,
        "2",
        "a usage error: an unknown option or a missing argument",
    );
    for code in 1..=7u8 {
        let kinds: Vec<&str> = ops::Kind::ALL
            .iter()
            .filter(|k| k.exit_code() == code)
            .map(|k| k.describe())
            .collect();
        if !kinds.is_empty() {
            item(roff, &code.to_string(), &kinds.join("; or "));
        }
    }
    roff.control("SH", ["EXAMPLES"]);
    for (cmd, what) in [
        ("lanes demo", "open a demo board in a temporary folder"),
        (
            "lanes init --template crisp-dm",
            "start a board in this repository",
        ),
        ("lanes", "open the board"),
        (
            "lanes add 'Clean the clickstream' --lane data-preparation",
            "add a task",
        ),
        (
            "lanes move 3fk2 modeling --top",
            "move a card (any unique prefix of its id)",
        ),
        (
            "lanes result 3fk2 mlflow:RUN_ID",
            "record a run's value as a hypothesis's result, with its verdict",
        ),
        (
            "lanes run 3fk2 --metrics metrics.json -- python train.py",
            "run training, then record what it measured",
        ),
        (
            "lanes hypotheses --verdict refuted",
            "what the team learned",
        ),
        (
            "lanes report --format html > report.html",
            "a report for the people who never open a terminal",
        ),
        ("lanes sync", "fetch, merge card by card, push"),
    ] {
        item(roff, cmd, what);
    }
}

/// Print what `lanes undo`/`lanes redo` did: one line per commit on
/// stderr, or the outcome as JSON on stdout.
fn report_undo(done: &ops::Outcome, json: bool) -> Result<()> {
    let ops::More::Steps(outcome) = &done.more else {
        return Ok(());
    };
    if json {
        let mut out = term::stdout();
        term::json(&mut out, &outcome.to_json())?;
        out.flush()?;
        return Ok(());
    }
    for done in &outcome.done {
        match &done.commit {
            Some(oid) => say!("{} [{}]", done.subject, &oid.to_string()[..8]),
            None => say!("{}", done.subject),
        }
    }
    Ok(())
}

/// The board screen when we have a terminal; the board as text otherwise.
fn open_board(r: &Path) -> Result<ExitCode> {
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

fn list(r: &Path, args: &ListArgs) -> Result<()> {
    let config = store::parse_board(&store::read_board_file(r, store::BOARD_FILE)?)?;
    let now = ops::Context::from_env().now();
    let state = if args.blocked {
        store::query::State::Blocked
    } else if args.ready {
        store::query::State::Ready
    } else {
        store::query::State::Any
    };
    links::label_hint(&config, args.label.as_deref());
    let mut query = store::query::Query {
        label: args.label.clone(),
        assignee: args.assignee.clone(),
        all: args.all,
        state,
        unclaimed: args.unclaimed,
        ..store::query::Query::new(&config, args.lane.as_deref(), now).map_err(|e| anyhow!(e))?
    };
    if let Some(name) = &args.view {
        query.only = Some(views::pick(r, &config, name, args.all)?.places());
    }
    let wheres = args
        .wheres
        .iter()
        .map(|w| crate::model::filter::Where::parse(w, &config.fields))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(ops::refused)?;
    if !wheres.is_empty() {
        // `--where` reads whole cards: the ones that match, with the
        // places a view gave them.
        let board = Board::load(r)?;
        let matching = board
            .cards
            .iter()
            .filter(|c| args.view.is_some() || args.all || !c.archived)
            .filter(|c| wheres.iter().all(|w| w.matches(c)))
            .filter(|c| query.only.as_ref().is_none_or(|o| o.contains_key(&c.id)))
            .map(|c| {
                let at = query.only.as_ref().and_then(|o| o.get(&c.id).copied());
                (c.id.clone(), at.unwrap_or(0))
            })
            .collect();
        query.only = Some(matching);
    }
    links::list(r, &config, &query, args.json)
}

/// All problems on the board, as `path:line:column: message`, with the
/// board's size when it could be read.
pub fn problems(r: &Path) -> Result<(Vec<store::Problem>, Option<store::validate::Checked>)> {
    let (mut found, board) = match store::validate::check_root(r) {
        Ok((found, b)) => (found, Some(b)),
        Err(e) => match e.downcast::<store::Problem>() {
            Ok(p) => (vec![p], None),
            Err(e) => return Err(e),
        },
    };
    if let Some(b) = board.as_ref().filter(|b| !b.config.problems.is_empty()) {
        // What is wrong in board.yaml without stopping the board (a
        // budget, a lane colour).
        let text = store::read_board_file(r, store::BOARD_FILE)
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .unwrap_or_default();
        found.extend(
            b.config
                .problems
                .iter()
                .map(|e| store::Problem::from_field(store::BOARD_FILE, &text, e)),
        );
    }
    found.extend(unmerged(r));
    found.extend(strays(r));
    found.sort_by(|a, b| a.path.cmp(&b.path).then(a.line.cmp(&b.line)));
    Ok((found, board))
}

/// Stray files under `.lanes/` (see [`store::validate::strays`]), leaving
/// out those committed on purpose.
fn strays(r: &Path) -> Vec<store::Problem> {
    let repo = crate::git::open(r).ok();
    let prefix = repo
        .as_ref()
        .and_then(|repo| crate::git::repo_path(repo, r, "").ok())
        .unwrap_or_default();
    let index = repo.as_ref().and_then(|repo| repo.index().ok());
    store::validate::strays(r, |rel| {
        index.as_ref().is_some_and(|i| {
            i.get_path(Path::new(&format!("{prefix}{rel}")), 0)
                .is_some()
        })
    })
}

/// Board files git left unmerged in its index: a plain `git merge` or
/// `git pull` that could not run the lanes merge driver stops with the
/// file unmerged (and, without a driver, with no markers in it).
fn unmerged(r: &Path) -> Vec<store::Problem> {
    let Ok(repo) = crate::git::open(r) else {
        return Vec::new();
    };
    let (Ok(prefix), Ok(index)) = (crate::git::repo_path(&repo, r, ""), repo.index()) else {
        return Vec::new();
    };
    let Ok(conflicts) = index.conflicts() else {
        return Vec::new();
    };
    let mut paths: Vec<String> = conflicts
        .flatten()
        .filter_map(|c| c.our.or(c.their).or(c.ancestor))
        .map(|e| String::from_utf8_lossy(&e.path).into_owned())
        .filter_map(|p| p.strip_prefix(&prefix).map(str::to_string))
        .filter(|p| p.starts_with(store::BOARD_DIR) && p[store::BOARD_DIR.len()..].starts_with('/'))
        .collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .map(|p| {
            store::Problem::new(
                &p,
                1,
                1,
                "unmerged: a git merge stopped on this file (was the lanes merge driver missing? run `lanes setup`). Redo the merge with `git checkout -m -- <file>` and `git add` the result, or `lanes sync`; `git add` on the file as it is now would drop the other side's changes",
            )
        })
        .collect()
}

fn validate(r: &Path) -> Result<ExitCode> {
    let (found, board) = problems(r)?;
    let mut out = term::stdout();
    for p in &found {
        writeln!(out, "{p}")?;
    }
    match (found.is_empty(), board) {
        (true, Some(board)) => {
            say!(
                "board ok: {} in {}",
                crate::model::text::count(board.cards, "card", "cards"),
                crate::model::text::count(board.config.lanes.len(), "lane", "lanes")
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            say!(
                "{} problem{} found",
                found.len(),
                if found.len() == 1 { "" } else { "s" }
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// What `lanes log CARD` shows of the card's history.
struct LogFilter<'a> {
    reverse: bool,
    since: Option<i64>,
    author: Option<&'a str>,
    /// Only changes to these fields (or groups of fields).
    fields: &'a [String],
}

fn log_card(r: &Path, query: &str, filter: &LogFilter, json: bool) -> Result<()> {
    let index = store::Index::load(r)?;
    let history = crate::history::board_history(r)?;
    let id = match index.resolve_id(query) {
        Ok(id) => id,
        // A card removed from the board still has its history.
        Err(e) => {
            let q = query.trim().to_lowercase();
            let mut ids: Vec<&str> = history
                .changes
                .iter()
                .map(|c| c.card.as_str())
                .filter(|id| id.starts_with(&q))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            match ids.as_slice() {
                [one] => one.to_string(),
                _ => return Err(e),
            }
        }
    };
    warn_incomplete(&history);
    let mut entries = crate::history::timeline_in(r, &history, &id)?;
    entries.retain(|e| filter.since.is_none_or(|s| e.time >= s));
    if let Some(a) = filter.author {
        // The agent counts too: `--author claude-code` finds its work.
        let a = a.to_lowercase();
        entries.retain(|e| {
            crate::history::by_with_agent(&e.author, e.agent.as_deref())
                .to_lowercase()
                .contains(&a)
        });
    }
    if !filter.fields.is_empty() {
        let changed = crate::history::timeline::changed_fields(&entries);
        crate::history::timeline::only_fields(&mut entries, filter.fields);
        if entries.is_empty() {
            say!(
                "lanes: no change to {} in the history of {}{}",
                filter.fields.join(" or "),
                crate::model::id::short(&id),
                if changed.is_empty() {
                    String::new()
                } else {
                    format!("; the fields it changed: {}", changed.join(", "))
                }
            );
        }
    }
    if filter.reverse {
        entries.reverse();
    }
    let mut out = term::stdout();
    if json {
        term::json(&mut out, &entries)?;
    } else {
        let width = term::stdout_width();
        for e in &entries {
            write_entry(&mut out, e, width)?;
        }
        if entries.is_empty() && filter.fields.is_empty() {
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
    use crate::model::text::one_line;
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

fn log_board(
    r: &Path,
    reverse: bool,
    since: Option<i64>,
    author: Option<&str>,
    lane: Option<&str>,
    json: bool,
) -> Result<()> {
    use crate::model::text::one_line;
    let board = Board::load(r)?;
    let history = crate::history::board_history(r)?;
    warn_incomplete(&history);
    let lane = lane
        .map(|l| {
            board
                .config
                .resolve_lane(l)
                .map(|x| x.id.clone())
                .map_err(|e| anyhow!(e))
        })
        .transpose()?;
    let author = author.map(str::to_lowercase);
    // Cards each commit touched, with the lane each was in before and after.
    // (card, lane before, lane after) for each commit.
    type Touched = Vec<(String, Option<String>, Option<String>)>;
    let mut per_commit: Vec<Touched> = vec![Vec::new(); history.commits.len()];
    // Commits whose effect on a card is not all known here.
    let mut incomplete = vec![false; history.commits.len()];
    for &i in &history.gaps.cut {
        incomplete[i] = true;
    }
    let mut lane_of: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    for ch in &history.changes {
        let before = lane_of.get(ch.card.as_str()).cloned();
        incomplete[ch.commit] |= ch.missing;
        if ch.unreadable() {
            // An unreadable version leaves the card where it was.
            per_commit[ch.commit].push((ch.card.clone(), before.clone(), before));
            continue;
        }
        let after = ch.state.as_ref().map(|s| s.lane.clone());
        match &after {
            Some(a) => {
                lane_of.insert(ch.card.as_str(), a.clone());
            }
            None => {
                lane_of.remove(ch.card.as_str());
            }
        }
        per_commit[ch.commit].push((ch.card.clone(), before, after));
    }
    #[derive(serde::Serialize)]
    struct Item<'a> {
        commit: &'a str,
        time: i64,
        /// `time` as ISO 8601.
        at: String,
        author: &'a str,
        /// The agent that made it for its author (`Lanes-Agent`).
        agent: Option<&'a str>,
        subject: &'a str,
        action: Option<&'a str>,
        cards: Vec<serde_json::Value>,
        /// A card version of this commit is not in this clone, or a
        /// shallow clone's history starts here: the lanes may be wrong.
        incomplete: bool,
    }
    /// A commit with the cards it touched, if it passes the filters.
    fn item<'a>(
        c: &'a crate::history::CommitInfo,
        touched: &Touched,
        board: &Board,
        since: Option<i64>,
        author: Option<&str>,
        lane: Option<&str>,
    ) -> Option<Item<'a>> {
        let by_author = author.is_none_or(|a| c.who().to_lowercase().contains(a));
        let in_lane = lane.is_none_or(|l| {
            touched
                .iter()
                .any(|(_, b, a)| b.as_deref() == Some(l) || a.as_deref() == Some(l))
        });
        if touched.is_empty() || since.is_some_and(|s| c.time < s) || !by_author || !in_lane {
            return None;
        }
        let cards = touched
            .iter()
            .map(|(id, b, a)| {
                serde_json::json!({
                    "id": id,
                    "title": board.card(id).map(|x| x.title.clone()),
                    "lane_before": b,
                    "lane_after": a,
                })
            })
            .collect();
        Some(Item {
            commit: &c.id,
            time: c.time,
            at: crate::model::date::format_timestamp(c.time),
            author: &c.author,
            agent: c.agent.as_deref(),
            subject: &c.subject,
            action: c.action.as_deref(),
            cards,
            incomplete: false,
        })
    }
    let (author, lane) = (author.as_deref(), lane.as_deref());
    let mut items: Vec<Item> = history
        .commits
        .iter()
        .zip(&per_commit)
        .zip(&incomplete)
        .filter_map(|((c, touched), &gap)| {
            let it = item(c, touched, &board, since, author, lane)?;
            Some(Item {
                incomplete: gap,
                ..it
            })
        })
        .collect();
    items.sort_by_key(|it| it.time);
    if !reverse {
        // The feed reads newest first, like git log; --reverse for oldest.
        items.reverse();
    }
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
                one_line(&crate::history::by_with_agent(it.author, it.agent)),
                one_line(it.subject)
            )?;
            if it.cards.len() > 1 {
                writeln!(out, "    {} cards", it.cards.len())?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// `lanes edit CARD`: edit a copy in $EDITOR, validate, then write and commit.
fn edit_in_editor(r: &Path, query: &str) -> Result<ExitCode> {
    use ops::editor::{Choice, Edited};
    let ctx = ops::Context::from_env();
    match ops::editor::edit_in_editor(&ctx, r, query)? {
        Edited::Unchanged(msg) => say!("{msg}"),
        Edited::Applied(outcome) => report(&outcome, r),
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
            report(&outcome, r);
        }
    }
    Ok(ExitCode::SUCCESS)
}
