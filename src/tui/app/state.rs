//! The board screen's model: the app's state, its modes and what it
//! shows, with the accessors views and updates read. Nothing here knows
//! keys, the terminal, drawing or layout; the update files beside it
//! (one per mode) change this state and return effects.

use super::mode::{HypSort, Mode};
use crate::model::field::{Field, Schema};
use crate::model::filter::{Filter, Linked};
use crate::model::links::{Near, Side};
use crate::model::view::SavedView;
use crate::model::Card;
use crate::ops;
use crate::store::Board;
use crate::tui::keymap::Keymap;
use crate::tui::messages::{About, Level, Log, Message};
use crate::tui::moves::{self, Intent};
use crate::tui::theme::Theme;
use crate::watch::Settle;
use ratatui::layout::Rect;
use std::path::PathBuf;

/// What a column of the board shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnKind {
    /// A lane of board.yaml (its index there).
    Lane(usize),
    /// Cards whose lane board.yaml does not define.
    Unknown(String),
    /// Card files that could not be read.
    Problems,
}

/// One column: a lane and the cards shown in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub kind: ColumnKind,
    /// Indices into `board.cards` (or `board.problems` for `Problems`).
    pub items: Vec<usize>,
    /// Non-archived cards in the lane, whatever the filter (for WIP).
    pub total: usize,
    /// Cards of the lane not loaded yet (the first screen of a big board is
    /// drawn before the rest is decoded; see `Board::load_top`).
    pub omitted: usize,
}

/// Computed on the worker from git history.
#[derive(Debug, Clone, PartialEq)]
pub struct Insights {
    pub hypotheses: Vec<crate::history::report::HypothesisRow>,
    pub flow: crate::history::flow::Flow,
}

/// Sync as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SyncState {
    #[default]
    Never,
    Running,
    Done {
        summary: String,
        at: i64,
    },
    Failed {
        message: String,
        at: i64,
    },
}

/// A collision waiting for the user's choice.
#[derive(Debug)]
pub enum Pending {
    /// An edit in $EDITOR.
    Edit(ops::editor::EditConflict),
    /// An inline edit of one field.
    Field(ops::ConflictError),
}

impl Pending {
    pub fn describe(&self) -> String {
        match self {
            Pending::Edit(c) => c.describe().join("; "),
            Pending::Field(c) => format!(
                "{}: yours {}, on disk {}",
                c.field,
                ops::brief(&c.mine),
                ops::brief(&c.theirs)
            ),
        }
    }
}

/// State of background work shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Work {
    #[default]
    Idle,
    Running(String),
}

/// Full reloads of the board in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reload {
    #[default]
    Idle,
    Running,
    /// Running, and files changed since it started: one more when it ends.
    RunningAndWanted,
}

/// What the status bar shows besides the message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RepoStatus {
    pub branch: String,
    /// Board files changed and not committed.
    pub uncommitted: usize,
    /// Commits ahead of and behind the upstream, as of the last fetch.
    pub ahead_behind: Option<(usize, usize)>,
}

/// The most cards the links view lists on each side of a card.
pub const LINK_ROWS: usize = 200;

/// A row of the links view ([`App::link_rows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRow {
    /// A side's heading, with how many cards it has.
    Side(Side, usize),
    /// A card, and the link that puts it there.
    Card(Near),
    /// Cards of the side past the limit.
    More(usize),
}

pub struct App {
    pub root: PathBuf,
    pub board: Board,
    pub filter: Filter,
    /// The saved views in force (board.yaml's, then the user's), in the
    /// order number keys and the palette give them.
    pub views: Vec<SavedView>,
    /// The name of the view shown, if one is.
    pub view: Option<String>,
    /// What is wrong with the saved views, placed (`path:line:col: ...`).
    pub view_problems: Vec<String>,
    /// The user's config file as read at start: its views are read
    /// against the board each time the board loads.
    pub personal: Option<crate::config::Personal>,
    /// The names `@me` stands for in filters and views.
    pub me: Vec<String>,
    pub columns: Vec<Column>,
    /// Selected column and row.
    pub col: usize,
    pub row: usize,
    /// The selected card's id: the selection follows it across reloads.
    pub selected_id: Option<String>,
    /// First visible row of each column.
    pub scroll: Vec<usize>,
    /// First visible column.
    pub first_col: usize,
    pub mode: Mode,
    /// The view to go back to when the current one closes (a card opened
    /// from the hypotheses table returns there).
    pub back: Option<Box<Mode>>,
    /// The message on the status line, and every message of the session.
    pub message: Option<Message>,
    pub log: Log,
    /// An error too long for the status line is shown whole above it until
    /// the next key.
    pub message_open: bool,
    /// The event loop's clock: now, and the wall clock in seconds (UTC).
    pub now: std::time::Instant,
    pub wall: i64,
    /// A card just created: shown even if the filter would hide it.
    pub keep_visible: Option<String>,
    /// Cards with conflicts a sync recorded (for the status bar; counted
    /// when the board changes, not on every draw).
    pub conflicted: usize,
    /// Why each stale verdict is stale (card id -> reasons), as checked on
    /// the worker against `dvc.lock` and the run stores.
    pub stale: std::collections::HashMap<String, Vec<String>>,
    /// The user asked for a reload: say when it is done.
    pub announce_reload: bool,
    /// `H` `L` `J` `K` presses on one card not committed yet: they become
    /// one commit once the keys pause (`moves::Waiting::due`).
    pub waiting_move: Option<moves::Waiting>,
    /// Moves sent to the worker and not answered yet, oldest first: the
    /// board shows them until their commit comes back.
    pub sent_moves: Vec<Intent>,
    /// The id of the next move.
    pub(super) next_move: u64,
    pub status: RepoStatus,
    pub work: Work,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Terminal size.
    pub size: Rect,
    /// A card being dragged with the mouse: (card id, starting column).
    pub drag: Option<(String, usize)>,
    pub today: i64,
    /// Set when the board cannot be read (e.g. a branch without `.lanes/`).
    pub board_missing: Option<String>,
    /// How the board is watched ("watching", "polling", or why not).
    pub watch: Option<String>,
    /// A collision waiting for the user (shown in `Mode::Resolve`).
    pub pending: Option<Pending>,
    pub sync: SyncState,
    /// What the last sync brought in, with titles and authors.
    pub last_sync: Option<crate::sync::Report>,
    /// A card's history, once loaded: (card id, entries or error).
    pub history: Option<(String, Result<Vec<crate::history::Entry>, ops::Error>)>,
    /// Hypotheses and flow, once computed.
    pub insights: Option<Result<Insights, ops::Error>>,
    /// Full reads of the board on the worker: at most one runs and one
    /// more waits, so a burst of changes costs at most two reads.
    pub reload: Reload,
    /// File changes held back while a burst (a checkout, a pull) settles.
    pub settle: Settle,
}

impl App {
    pub fn new(root: PathBuf, board: Board, keymap: Keymap, theme: Theme) -> App {
        let mut app = App {
            root,
            board,
            filter: Filter::default(),
            views: Vec::new(),
            view: None,
            view_problems: Vec::new(),
            personal: None,
            me: Vec::new(),
            columns: Vec::new(),
            col: 0,
            row: 0,
            selected_id: None,
            scroll: Vec::new(),
            first_col: 0,
            mode: Mode::Board,
            back: None,
            message: None,
            log: Log::default(),
            message_open: false,
            now: std::time::Instant::now(),
            wall: crate::model::date::now_secs(),
            keep_visible: None,
            announce_reload: false,
            conflicted: 0,
            stale: Default::default(),
            waiting_move: None,
            sent_moves: Vec::new(),
            next_move: 1,
            status: RepoStatus::default(),
            work: Work::Idle,
            keymap,
            theme,
            size: Rect::new(0, 0, 80, 24),
            drag: None,
            today: crate::model::date::today(),
            board_missing: None,
            watch: None,
            pending: None,
            sync: SyncState::Never,
            last_sync: None,
            history: None,
            insights: None,
            reload: Reload::Idle,
            settle: Settle::default(),
        };
        app.refresh_views();
        app.rebuild();
        app
    }

    pub fn selected_card(&self) -> Option<&Card> {
        let col = self.columns.get(self.col)?;
        if col.kind == ColumnKind::Problems {
            return None;
        }
        col.items.get(self.row).map(|&i| &self.board.cards[i])
    }

    /// The lane id of a column, if it is a lane of the board.
    pub fn lane_id(&self, col: usize) -> Option<&str> {
        match self.columns.get(col)?.kind {
            ColumnKind::Lane(i) => Some(self.board.config.lanes[i].id.as_str()),
            _ => None,
        }
    }

    /// Tell the user something (an error if `error`).
    pub fn set_message(&mut self, text: impl Into<String>, error: bool) {
        let level = if error { Level::Error } else { Level::Info };
        self.say(text, level, None);
    }

    pub fn warn(&mut self, text: impl Into<String>) {
        self.say(text, Level::Warn, None);
    }

    /// A message, replacing the one shown, kept in the log; `about` lets it
    /// go when its cause does.
    pub fn say(&mut self, text: impl Into<String>, level: Level, about: Option<About>) {
        let text = text.into();
        self.log.push(&text, level, self.wall);
        // An error that does not fit the status line opens whole.
        self.message_open = level == Level::Error
            && (text.contains('\n')
                || crate::tui::text::width(&text) + 30 > usize::from(self.size.width));
        self.message = Some(Message {
            text,
            level,
            at: self.now,
            about,
        });
    }

    /// The cause of messages about `about` is gone: so are they.
    pub fn resolved(&mut self, about: &About) {
        if self.message.as_ref().and_then(|m| m.about.as_ref()) == Some(about) {
            self.message = None;
            self.message_open = false;
        }
    }

    /// Time passes: messages expire. The event loop calls this before
    /// each batch of events.
    pub fn tick(&mut self, now: std::time::Instant, wall: i64) {
        self.now = now;
        self.wall = wall;
        if self.message.as_ref().is_some_and(|m| m.expired(now)) && !self.message_open {
            self.message = None;
        }
    }

    /// When the loop must wake up by itself next: a message to expire, a
    /// pending reorder to commit, or a burst of file changes to take in.
    pub fn next_deadline(&self) -> Option<std::time::Instant> {
        let m = self
            .message
            .as_ref()
            .filter(|_| !self.message_open)
            .map(Message::due);
        let r = self.waiting_move.as_ref().map(|w| w.due);
        [m, r, self.settle.due()].into_iter().flatten().min()
    }

    /// What every card's links make of each card: worked out once per
    /// change to the board (`rebuild`), read by the views and the filter.
    pub fn links(&self) -> &crate::model::links::Index {
        self.board.links()
    }

    /// What the card's links make of it, for the filter's `ready` and
    /// `blocked` (looked up only when the filter has one of them).
    pub fn linked(&self, card: &Card) -> Linked {
        let view_reads = self
            .active_view()
            .is_some_and(|(_, v)| v.filter.reads_links());
        if !self.filter.reads_links() && !view_reads {
            return Linked::default();
        }
        let ix = self.links();
        ix.index(&card.id).map_or(Linked::default(), |i| Linked {
            ready: ix.is_ready(i),
            blocked: ix.is_blocked(i),
        })
    }

    /// The rows of the links view of card `id`: each side of its
    /// neighbourhood (`links::Index::neighbourhood`, at most
    /// [`LINK_ROWS`] cards a side) as a heading, its cards, and how many
    /// more there are. Nothing when the card has no links.
    pub fn link_rows(&self, id: &str) -> Vec<LinkRow> {
        let ix = self.links();
        let Some(i) = ix.index(id) else {
            return Vec::new();
        };
        let mut rows = Vec::new();
        for s in ix.neighbourhood(i, LINK_ROWS) {
            rows.push(LinkRow::Side(s.side, s.cards.len() + s.more));
            rows.extend(s.cards.into_iter().map(LinkRow::Card));
            if s.more > 0 {
                rows.push(LinkRow::More(s.more));
            }
        }
        rows
    }

    /// The board's fields: the built-in ones and those board.yaml declares
    /// under `fields:` (none if that does not read).
    pub fn schema(&self) -> Schema {
        self.board.config.fields.clone()
    }

    /// The fields `E` offers on a card: those a person sets, built-in then
    /// declared; a hypothesis's and an experiment's only on cards that are
    /// one.
    pub fn editable_fields(&self, card: &Card) -> Vec<Field> {
        let experiment = card.experiment.is_some() || card.kind == "experiment";
        self.schema()
            .settable()
            .filter(|f| match f.top() {
                "hypothesis" => card.hypothesis.is_some(),
                "experiment" => experiment,
                _ => true,
            })
            .cloned()
            .collect()
    }

    /// The hypotheses table's rows in the order shown.
    pub fn hypothesis_rows(&self) -> Vec<&crate::history::report::HypothesisRow> {
        let Some(Ok(i)) = &self.insights else {
            return Vec::new();
        };
        let sort = match &self.mode {
            Mode::Hypotheses { sort, .. } => *sort,
            _ => match self.back.as_deref() {
                Some(Mode::Hypotheses { sort, .. }) => *sort,
                _ => HypSort::Lane,
            },
        };
        let mut rows: Vec<_> = i.hypotheses.iter().collect();
        sort.sort(&mut rows);
        rows
    }

    /// The card kinds of the board, `task` first if there is none.
    pub fn kinds(&self) -> Vec<String> {
        let k = &self.board.config.kinds;
        if k.is_empty() {
            vec!["task".into()]
        } else {
            k.clone()
        }
    }

    pub(super) fn selected_problem(&self) -> Option<String> {
        let col = self.columns.get(self.col)?;
        if col.kind != ColumnKind::Problems {
            return None;
        }
        col.items
            .get(self.row)
            .and_then(|&i| self.board.problems.get(i))
            .map(|p| p.to_string())
    }

    pub(super) fn selected_problem_path(&self) -> Option<String> {
        let col = self.columns.get(self.col)?;
        if col.kind != ColumnKind::Problems {
            return None;
        }
        col.items
            .get(self.row)
            .and_then(|&i| self.board.problems.get(i))
            .map(|p| p.path.clone())
    }

    /// The cards whose verdicts rest on evidence, for the worker to check.
    pub fn evidence_cards(&self) -> Vec<Card> {
        self.board
            .cards
            .iter()
            .filter(|c| {
                c.hypothesis
                    .as_ref()
                    .is_some_and(|h| h.extra.contains_key(crate::model::evidence::KEY))
            })
            .cloned()
            .collect()
    }

    /// Replace or add a card in memory, keeping the board's order.
    pub fn upsert(&mut self, card: Card) {
        self.board.upsert(card);
    }

    pub(super) fn remove(&mut self, id: &str) {
        self.board.remove(id);
        self.board.file_ids.retain(|i| i != id);
    }
}
