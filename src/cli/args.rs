//! The command line's grammar: every subcommand and option, as clap
//! derive structs. What each command does is in [`super::read`],
//! [`super::write`] and the files named after their topics.

use super::{decisions, links};
use crate::templates;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

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
    Verdict(VerdictArgs),
    /// Claim a card: you (or your agent) work on it now, until a time; a live claim of someone else's is refused
    #[command(
        long_about = "Claim a card: you (or your agent) work on it now, until a time. One commit storing claim: {by, at, until} on the card.\n\nA live claim of someone else's is refused (exit 4), naming who holds it until when; your own is renewed (claim again to extend it); an expired one is replaced. `lanes ready` and `lanes list --unclaimed` skip claimed cards. Moving the card to a done lane or giving it a verdict releases the claim. When two clones claimed the same card offline, `lanes sync` keeps the earlier claim (then the smaller name) in every clone and tells the other it lost."
    )]
    Claim(ClaimArgs),
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
    Log(LogArgs),
    /// Every hypothesis side by side: metric, baseline -> target -> result, verdict
    Hypotheses(HypothesesArgs),
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
    Report(ReportArgs),
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
    MergeDriver(MergeDriverArgs),
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
    Run(RunArgs),
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

/// The filters `lanes list` and `lanes ready` share (the query they make:
/// [`CardFilter::query`]).
#[derive(Args, Debug)]
pub struct CardFilter {
    /// Only cards in this lane (id or title)
    #[arg(long)]
    pub lane: Option<String>,
    /// Only cards with this label
    #[arg(long)]
    pub label: Option<String>,
    /// Only cards assigned to this person (a leading @ is ignored)
    #[arg(long)]
    pub assignee: Option<String>,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub filter: CardFilter,
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

// `lanes log`.
#[derive(Args, Debug)]
pub struct LogArgs {
    /// The card (id or unique prefix); without it, the board's activity feed
    pub card: Option<String>,
    /// The other order: a card's history newest first (it reads oldest first); the board's feed oldest first (it reads newest first, like git log)
    #[arg(long)]
    pub reverse: bool,
    /// Only since this date (YYYY-MM-DD) or age (14d, 6w)
    #[arg(long)]
    pub since: Option<String>,
    /// Only commits whose author contains this text
    #[arg(long)]
    pub author: Option<String>,
    /// Only cards in (or moving through) this lane
    #[arg(long)]
    pub lane: Option<String>,
    /// With a CARD: only changes to this field (dotted, e.g. hypothesis.target; a group such as hypothesis takes every field in it); repeat for more
    #[arg(long = "field", value_name = "FIELD", requires = "card")]
    pub fields: Vec<String>,
    /// Print the entries as JSON (see docs/FORMAT.md)
    #[arg(long)]
    pub json: bool,
}

// `lanes hypotheses`.
#[derive(Args, Debug)]
pub struct HypothesesArgs {
    /// Only this verdict (open, supported, refuted, inconclusive)
    #[arg(long)]
    pub verdict: Option<String>,
    /// Only hypotheses in this lane
    #[arg(long)]
    pub lane: Option<String>,
    /// Only hypotheses on this metric
    #[arg(long)]
    pub metric: Option<String>,
    /// Sort by: lane (default), verdict, metric, updated, cost
    #[arg(long, value_enum, default_value_t = crate::history::query::HypSort::Lane)]
    pub sort: crate::history::query::HypSort,
    /// Never cut the text to the terminal's width (it is never cut in a file or a pipe)
    #[arg(long)]
    pub wide: bool,
    /// Print the hypotheses as JSON (see docs/FORMAT.md)
    #[arg(long)]
    pub json: bool,
}

// `lanes report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// From this date (YYYY-MM-DD) or age (14d, 6w)
    #[arg(long, default_value = "30d")]
    pub since: String,
    /// To the end of this date (YYYY-MM-DD) or age (14d, 6w); default: now
    #[arg(long)]
    pub until: Option<String>,
    /// Markdown to paste, JSON for tools, or one self-contained HTML page with charts (open it in a browser, print it to PDF)
    #[arg(long, default_value = "markdown", value_parser = ["markdown", "json", "html"])]
    pub format: String,
}

// `lanes verdict`.
#[derive(Args, Debug)]
pub struct VerdictArgs {
    /// The card: its id or any unique prefix of it
    pub card: String,
    /// The verdict
    #[arg(value_parser = ["open", "supported", "refuted", "inconclusive"])]
    pub verdict: String,
    /// The measured result (a number or text)
    #[arg(long)]
    pub result: Option<String>,
    /// Why the verdict holds: needed when the result, baseline, target and direction give another one (kept as hypothesis.rationale)
    #[arg(long, value_name = "TEXT")]
    pub because: Option<String>,
    /// The run the verdict comes from: mlflow:RUN_ID[#KEY] or dvc:PATH[#key.path]; its value is recorded as the result (as `lanes result` does) and must give this verdict (or --because says why it holds)
    #[arg(long, value_name = "SOURCE", conflicts_with = "result")]
    pub source: Option<String>,
}

// `lanes claim`.
#[derive(Args, Debug)]
pub struct ClaimArgs {
    /// The card: its id or any unique prefix of it
    pub card: String,
    /// How long: 30m, 2h, 1h30m, 3d, 1w (default: the board's agents.claim_for, else 2h; at most 30 days)
    #[arg(long = "for", value_name = "TIME")]
    pub duration: Option<String>,
    /// Claim as this agent, acting for you: the claim reads "You via NAME", and the commit carries a Lanes-Agent trailer
    #[arg(long = "as", value_name = "NAME")]
    pub agent: Option<String>,
    /// Print the claim as JSON (see docs/FORMAT.md)
    #[arg(long)]
    pub json: bool,
}

// `lanes merge-driver` (git's %O %A %B %P).
#[derive(Args, Debug)]
pub struct MergeDriverArgs {
    /// The common ancestor's version (git's %O)
    pub base: PathBuf,
    /// Our version, where the result is written (git's %A)
    pub ours: PathBuf,
    /// Their version (git's %B)
    pub theirs: PathBuf,
    /// The file's path in the repository (git's %P)
    pub path: String,
}

// `lanes run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The card: its id or any unique prefix of it
    pub card: String,
    /// Read the result from this metrics file (JSON, YAML or TOML) instead of the MLflow run the command created
    #[arg(long, value_name = "PATH")]
    pub metrics: Option<String>,
    #[command(flatten)]
    pub read: ReadArgs,
    /// The command and its arguments, after --
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}
