//! The board screen's state and how keys, mouse and results change it.
//! No terminal here: `App` is updated by messages and returns effects for
//! the event loop to run (apply an action on the worker, open the editor,
//! quit). Tests drive it directly.

use super::keymap::{Command, Keymap};
use super::layout::{self, Hit};
use super::moves::{self, Intent, Moved};
use super::theme::Theme;
use crate::model::filter::Filter;
use crate::model::{Card, Verdict};
use crate::ops::{self, Action, Placement};
use crate::store::Board;
use crate::watch::CardFile;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
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

pub use super::messages::{About, Level, Log, Message};
pub use super::prompt::{Check, HypDraft, HypStep, Prompt, Purpose};

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Board,
    Detail {
        scroll: u16,
    },
    /// The keys of the view underneath (`back`), then every other key.
    Help {
        scroll: u16,
    },
    Prompt(Prompt),
    PickVerdict {
        card: String,
    },
    /// `n`: which kind of card.
    PickKind {
        lane: String,
    },
    /// `v` on a card that has no hypothesis: make it one?
    ConfirmHypothesis {
        card: String,
    },
    ConfirmArchive {
        card: String,
    },
    /// A change collided with one on disk: keep mine, theirs or both.
    Resolve,
    /// What the last sync brought in.
    Changes {
        scroll: u16,
    },
    /// The selected card's history.
    History {
        card: String,
        scroll: u16,
    },
    /// Every hypothesis side by side, sorted by a column; `cursor` is the
    /// selected row.
    Hypotheses {
        cursor: usize,
        sort: HypSort,
    },
    /// Flow metrics and the cumulative flow diagram.
    Flow {
        scroll: u16,
    },
    /// Every message of this session.
    Messages {
        scroll: u16,
    },
    /// The selected lane: its exit criteria (definition of done), WIP.
    Lane {
        scroll: u16,
    },
    /// Ticking a card's checklist.
    Checklist {
        card: String,
        cursor: usize,
    },
    /// The conflicts a sync recorded on a card, one by one.
    Conflicts {
        card: String,
        cursor: usize,
    },
}

impl Mode {
    /// Views that scroll, with their scroll position.
    pub fn scroll(&self) -> Option<u16> {
        match self {
            Mode::Detail { scroll }
            | Mode::Help { scroll }
            | Mode::Changes { scroll }
            | Mode::History { scroll, .. }
            | Mode::Flow { scroll }
            | Mode::Messages { scroll }
            | Mode::Lane { scroll } => Some(*scroll),
            _ => None,
        }
    }

    fn with_scroll(&self, to: u16) -> Mode {
        let mut m = self.clone();
        match &mut m {
            Mode::Detail { scroll }
            | Mode::Help { scroll }
            | Mode::Changes { scroll }
            | Mode::History { scroll, .. }
            | Mode::Flow { scroll }
            | Mode::Messages { scroll }
            | Mode::Lane { scroll } => *scroll = to,
            _ => {}
        }
        m
    }

    /// The help section for this view.
    pub fn context(&self) -> &'static str {
        match self {
            Mode::Board => "board",
            Mode::Detail { .. } => "card details",
            Mode::Help { .. } => "help",
            Mode::Prompt(_) => "typing",
            Mode::PickVerdict { .. } | Mode::PickKind { .. } => "choosing",
            Mode::ConfirmHypothesis { .. } | Mode::ConfirmArchive { .. } => "confirming",
            Mode::Resolve => "a collision",
            Mode::Changes { .. } => "changes since the last sync",
            Mode::History { .. } => "card history",
            Mode::Hypotheses { .. } => "hypotheses",
            Mode::Flow { .. } => "flow",
            Mode::Messages { .. } => "messages",
            Mode::Lane { .. } => "lane",
            Mode::Checklist { .. } => "checklist",
            Mode::Conflicts { .. } => "conflicts",
        }
    }
}

/// How the hypotheses table is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HypSort {
    Lane,
    Verdict,
    Metric,
    Updated,
}

impl HypSort {
    pub fn name(self) -> &'static str {
        match self {
            HypSort::Lane => "lane",
            HypSort::Verdict => "verdict",
            HypSort::Metric => "metric",
            HypSort::Updated => "last update",
        }
    }
}

/// A conflict a sync recorded on a card (its `conflicts:` list).
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub field: String,
    pub kept: serde_yaml::Value,
    pub kept_by: String,
    pub other: serde_yaml::Value,
    pub other_by: String,
    /// The entry as it is in the file.
    pub raw: serde_yaml::Value,
}

/// The conflicts recorded on a card, as the sync writes them.
pub fn recorded_conflicts(card: &Card) -> Vec<Recorded> {
    let Some(serde_yaml::Value::Sequence(list)) = card.extra.get("conflicts") else {
        return Vec::new();
    };
    list.iter()
        .map(|raw| {
            let get = |k: &str| raw.get(k).cloned().unwrap_or_default();
            let text = |k: &str| match raw.get(k) {
                Some(serde_yaml::Value::String(s)) => s.clone(),
                Some(v) => ops::show_value(v),
                None => String::new(),
            };
            Recorded {
                field: text("field"),
                kept: get("kept"),
                kept_by: text("kept_by"),
                other: get("other"),
                other_by: text("other_by"),
                raw: raw.clone(),
            }
        })
        .collect()
}

/// `[t]ask [h]ypothesis [e]xperiment`.
pub fn kind_choices(kinds: &[String]) -> String {
    kinds
        .iter()
        .map(|k| {
            let mut c = k.chars();
            match c.next() {
                Some(f) => format!("[{f}]{}", c.as_str()),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
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

/// What the status bar shows besides the message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RepoStatus {
    pub branch: String,
    /// Board files changed and not committed.
    pub uncommitted: usize,
    /// Commits ahead of and behind the upstream, as of the last fetch.
    pub ahead_behind: Option<(usize, usize)>,
}

/// Work for the event loop.
#[derive(Debug, PartialEq)]
pub enum Effect {
    /// Run an action on the worker.
    Apply {
        action: Action,
    },
    /// Commit `H` `L` `J` `K` presses on the worker, applied to the card
    /// as it is then (see `moves`).
    Move(Intent),
    /// Take back the last lanes change of yours, or put back the last
    /// one taken back (`lanes undo` / `lanes redo`), on the worker.
    Undo,
    Redo,
    /// Suspend the screen and edit this card in $EDITOR.
    EditInEditor(String),
    /// Suspend the screen and write a journal note in $EDITOR, starting
    /// from `text`.
    NoteInEditor {
        card: String,
        text: String,
    },
    /// Read the board from disk again.
    Reload,
    /// Fetch, merge and push on the worker.
    Sync,
    /// Read a card's history on the worker.
    LoadHistory(String),
    /// Compute hypotheses and flow on the worker.
    LoadInsights,
    /// Find the store's recent runs of a hypothesis's metric on the
    /// worker, then ask which one the result comes from.
    LoadRuns {
        card: String,
        metric: String,
    },
    /// Read a run's (or metrics file's) final value and record it on the
    /// card with its verdict and provenance, on the worker.
    RecordResult {
        card: String,
        source: String,
    },
    /// Settle an edit that collided with a change on disk.
    ResolveEdit(ops::editor::EditConflict, ops::editor::Choice),
    Quit,
}

pub struct App {
    pub root: PathBuf,
    pub board: Board,
    pub filter: Filter,
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
    next_move: u64,
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
    pub history: Option<(String, Result<Vec<crate::history::Entry>, String>)>,
    /// Hypotheses and flow, once computed.
    pub insights: Option<Result<Insights, String>>,
}

impl App {
    pub fn new(root: PathBuf, board: Board, keymap: Keymap, theme: Theme) -> App {
        let mut app = App {
            root,
            board,
            filter: Filter::default(),
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
        };
        app.rebuild();
        app
    }

    /// Recompute the columns from the board and the filter, keeping the
    /// selection on the same card if it is still shown.
    pub fn rebuild(&mut self) {
        let config = &self.board.config;
        let mut columns: Vec<Column> = (0..config.lanes.len())
            .map(|i| Column {
                kind: ColumnKind::Lane(i),
                items: Vec::new(),
                total: 0,
                omitted: 0,
            })
            .collect();
        // Moves in progress show their cards where they will be.
        let moving = self.shown_moves();
        for (i, card) in self.board.cards.iter().enumerate() {
            if card.archived {
                continue;
            }
            let moved = moving.iter().find(|(j, _)| *j == i).map(|(_, s)| s);
            let lane = moved.map_or(card.lane.as_str(), |s| s.lane.as_str());
            let col = match config.lane_index(lane) {
                Some(c) => c,
                None => match columns
                    .iter()
                    .position(|c| c.kind == ColumnKind::Unknown(card.lane.clone()))
                {
                    Some(c) => c,
                    None => {
                        columns.push(Column {
                            kind: ColumnKind::Unknown(card.lane.clone()),
                            items: Vec::new(),
                            total: 0,
                            omitted: 0,
                        });
                        columns.len() - 1
                    }
                },
            };
            columns[col].total += 1;
            if moved.is_some_and(|s| s.entered) {
                // Placed below, at the bottom of its new lane.
                continue;
            }
            // A card being moved stays in sight, whatever the filter.
            if self.filter.matches(card)
                || self.keep_visible.as_deref() == Some(&card.id)
                || moved.is_some()
            {
                columns[col].items.push(i);
            }
        }
        for (i, shown) in &moving {
            let Some(items) = columns
                .iter_mut()
                .find(|c| matches!(c.kind, ColumnKind::Lane(l) if config.lanes[l].id == shown.lane))
                .map(|c| &mut c.items)
            else {
                continue;
            };
            let start = if shown.entered {
                items.len()
            } else {
                match items.iter().position(|j| j == i) {
                    Some(p) => {
                        items.remove(p);
                        p
                    }
                    None => continue,
                }
            };
            let to = moves::landing(start, shown.places, items.len());
            items.insert(to, *i);
        }
        for (lane, n) in &self.board.omitted {
            let col = columns.iter_mut().find(|c| match &c.kind {
                ColumnKind::Lane(i) => config.lanes[*i].id == *lane,
                ColumnKind::Unknown(l) => l == lane,
                ColumnKind::Problems => false,
            });
            if let Some(c) = col {
                c.total += n;
                c.omitted += n;
            }
        }
        if !self.filter.is_empty() {
            // A filter shows only the lanes with cards that match it (all
            // of them if none match, so the board never goes blank).
            if columns.iter().any(|c| !c.items.is_empty()) {
                columns.retain(|c| !c.items.is_empty());
            }
        }
        if !self.board.problems.is_empty() {
            columns.push(Column {
                kind: ColumnKind::Problems,
                items: (0..self.board.problems.len()).collect(),
                total: self.board.problems.len(),
                omitted: 0,
            });
        }
        self.columns = columns;
        self.conflicted = self
            .board
            .cards
            .iter()
            .filter(|c| !c.archived && c.extra.contains_key("conflicts"))
            .count();
        self.scroll.resize(self.columns.len(), 0);
        self.reselect();
    }

    /// Cards with moves in progress (sent or waiting) and where the moves
    /// show them, by index in `board.cards`.
    fn shown_moves(&self) -> Vec<(usize, moves::Shown)> {
        let intents: Vec<&Intent> = self
            .sent_moves
            .iter()
            .chain(self.waiting_move.as_ref().map(|w| &w.intent))
            .collect();
        let mut out: Vec<(usize, moves::Shown)> = Vec::new();
        for intent in &intents {
            let Some(i) = self.board.cards.iter().position(|c| c.id == intent.card) else {
                continue;
            };
            let card = &self.board.cards[i];
            if card.archived || out.iter().any(|(j, _)| *j == i) {
                continue;
            }
            let mine = intents.iter().copied().filter(|m| m.card == card.id);
            if let Some(s) = moves::shown(&self.board.config, &card.lane, mine) {
                out.push((i, s));
            }
        }
        out
    }

    /// Put the selection back on `selected_id` if it is shown; otherwise
    /// keep the position, clamped.
    fn reselect(&mut self) {
        if let Some(id) = self.selected_id.clone() {
            for (c, col) in self.columns.iter().enumerate() {
                if col.kind == ColumnKind::Problems {
                    continue;
                }
                if let Some(r) = col.items.iter().position(|&i| self.board.cards[i].id == id) {
                    self.col = c;
                    self.row = r;
                    self.ensure_visible();
                    return;
                }
            }
        }
        self.col = self.col.min(self.columns.len().saturating_sub(1));
        self.clamp_row();
    }

    fn clamp_row(&mut self) {
        let len = self.columns.get(self.col).map_or(0, |c| c.items.len());
        self.row = self.row.min(len.saturating_sub(1));
        self.selected_id = self.selected_card().map(|c| c.id.clone());
        self.ensure_visible();
    }

    /// Keep the selected card and column on screen.
    pub fn ensure_visible(&mut self) {
        let per_page = layout::cards_per_page(self.size).max(1);
        // No lane scrolled past what its last page needs (a terminal made
        // taller leaves no empty rows above a lane's top cards).
        for (s, col) in self.scroll.iter_mut().zip(&self.columns) {
            *s = (*s).min(col.items.len().saturating_sub(per_page));
        }
        if let Some(s) = self.scroll.get_mut(self.col) {
            if self.row < *s {
                *s = self.row;
            } else if self.row >= *s + per_page {
                *s = self.row + 1 - per_page;
            }
        }
        let visible = layout::visible_columns(self.size.width, self.columns.len());
        if self.col < self.first_col {
            self.first_col = self.col;
        } else if self.col >= self.first_col + visible {
            self.first_col = self.col + 1 - visible;
        }
        self.first_col = self
            .first_col
            .min(self.columns.len().saturating_sub(visible));
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

    fn select(&mut self, col: usize, row: usize) {
        self.col = col.min(self.columns.len().saturating_sub(1));
        self.row = row;
        self.clamp_row();
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
                || crate::tui::view::text::width(&text) + 30 > usize::from(self.size.width));
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

    /// When the loop must wake up by itself next: a message to expire or
    /// a pending reorder to commit.
    pub fn next_deadline(&self) -> Option<std::time::Instant> {
        let m = self
            .message
            .as_ref()
            .filter(|_| !self.message_open)
            .map(Message::due);
        let r = self.waiting_move.as_ref().map(|w| w.due);
        match (m, r) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = Rect::new(0, 0, width, height);
        self.ensure_visible();
    }

    /// A key press.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        // `Esc` and the next key read together (typed ahead, or over ssh)
        // arrive as Alt+key: unless something here binds that Alt key, it
        // is the two keys.
        if let Some(plain) = self.escape_then(&key) {
            let mut effects = self.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
            effects.extend(self.on_key(plain));
            return effects;
        }
        // An error opened whole closes with the next key; Esc and Enter
        // only close it.
        if self.message_open {
            self.message_open = false;
            if matches!(key.code, KeyCode::Esc | KeyCode::Enter) {
                return Vec::new();
            }
        }
        // Ctrl+C quits from anywhere, whatever the keymap says.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            let mut effects = self.flush_moves();
            effects.push(Effect::Quit);
            return effects;
        }
        // Pending move presses become a commit before anything else
        // happens, unless this key is another of them.
        let cmd = self.keymap.lookup(&key);
        let mut effects = Vec::new();
        if self.waiting_move.is_some()
            && !(self.mode == Mode::Board
                && matches!(
                    cmd,
                    Some(
                        Command::MoveUp
                            | Command::MoveDown
                            | Command::MoveLeft
                            | Command::MoveRight
                    )
                ))
        {
            effects = self.flush_moves();
        }
        effects.extend(self.on_mode_key(key, cmd));
        effects
    }

    /// An Alt+key that is `Esc` and a key read together: the key without
    /// Alt. lanes binds no Alt key by default; one the config binds, and the
    /// prompt's Alt+Backspace and Alt+arrows, stay what they are.
    fn escape_then(&self, key: &KeyEvent) -> Option<KeyEvent> {
        if !key.modifiers.contains(KeyModifiers::ALT) || self.keymap.lookup(key).is_some() {
            return None;
        }
        let editing = matches!(
            key.code,
            KeyCode::Backspace | KeyCode::Left | KeyCode::Right
        );
        if editing && matches!(self.mode, Mode::Prompt(_)) {
            return None;
        }
        let mut plain = *key;
        plain.modifiers.remove(KeyModifiers::ALT);
        Some(plain)
    }

    fn on_mode_key(&mut self, key: KeyEvent, cmd: Option<Command>) -> Vec<Effect> {
        let mode = self.mode.clone();
        if let Some(scroll) = mode.scroll() {
            return self.on_scroll_key(&mode, scroll, key, cmd);
        }
        match mode {
            Mode::Board => self.on_board_key(key),
            Mode::Prompt(p) => self.on_prompt_key(p, key),
            Mode::Hypotheses { cursor, sort } => self.on_hypotheses_key(cursor, sort, key, cmd),
            Mode::PickVerdict { card } => {
                let verdict = match key.code {
                    KeyCode::Char('s') => Some(Verdict::Supported),
                    KeyCode::Char('r') => Some(Verdict::Refuted),
                    KeyCode::Char('i') => Some(Verdict::Inconclusive),
                    KeyCode::Char('o') => Some(Verdict::Open),
                    _ => None,
                };
                match verdict {
                    Some(verdict) => {
                        let current = self
                            .board
                            .card(&card)
                            .and_then(|c| c.hypothesis.as_ref())
                            .and_then(|h| h.result.as_ref())
                            .map(crate::ops::show_value);
                        // A result is new each time: the prompt starts
                        // empty, and Enter on nothing keeps the old one.
                        let mut p = Prompt::new(Purpose::Result { card, verdict }, String::new());
                        p.current = current;
                        p.seen = self.board.card(p.purpose.card().unwrap_or("")).cloned();
                        self.mode = Mode::Prompt(p);
                    }
                    None => self.cancelled("verdict"),
                }
                Vec::new()
            }
            Mode::PickKind { lane } => {
                let kinds = self.kinds();
                let picked = match key.code {
                    KeyCode::Enter => kinds.first().cloned(),
                    KeyCode::Char(c) => kinds
                        .iter()
                        .find(|k| k.starts_with(c.to_ascii_lowercase()))
                        .cloned(),
                    _ => None,
                };
                match picked {
                    Some(kind) if kind == "hypothesis" => {
                        self.mode = Mode::Prompt(Prompt::new(
                            Purpose::Hypothesis {
                                lane,
                                card: None,
                                step: HypStep::Title,
                                draft: Box::default(),
                            },
                            String::new(),
                        ));
                    }
                    Some(kind) => {
                        self.mode = Mode::Prompt(Prompt::new(
                            Purpose::NewCard { lane, kind },
                            String::new(),
                        ))
                    }
                    None if key.code == KeyCode::Esc => self.cancelled("new card"),
                    None => self.warn(format!(
                        "no kind starts with that key: {}",
                        kind_choices(&kinds)
                    )),
                }
                Vec::new()
            }
            Mode::ConfirmHypothesis { card } => {
                if matches!(key.code, KeyCode::Char('y' | 'Y') | KeyCode::Enter) {
                    let lane = self
                        .board
                        .card(&card)
                        .map(|c| c.lane.clone())
                        .unwrap_or_default();
                    let mut p = Prompt::new(
                        Purpose::Hypothesis {
                            lane,
                            card: Some(card.clone()),
                            step: HypStep::Statement,
                            draft: Box::default(),
                        },
                        String::new(),
                    );
                    p.seen = self.board.card(&card).cloned();
                    self.mode = Mode::Prompt(p);
                } else {
                    self.cancelled("verdict");
                }
                Vec::new()
            }
            Mode::Resolve => {
                let choice = match key.code {
                    KeyCode::Char('m') => Some(ops::editor::Choice::Mine),
                    KeyCode::Char('t') => Some(ops::editor::Choice::Theirs),
                    KeyCode::Char('b') => Some(ops::editor::Choice::Both),
                    _ => None,
                };
                let Some(choice) = choice else {
                    self.warn("choose: m keeps mine, t keeps theirs, b keeps both");
                    return Vec::new();
                };
                self.mode = Mode::Board;
                match self.pending.take() {
                    Some(Pending::Edit(c)) => vec![Effect::ResolveEdit(c, choice)],
                    Some(Pending::Field(c)) => self.resolve_field(c, choice),
                    None => Vec::new(),
                }
            }
            Mode::ConfirmArchive { card } => {
                self.mode = Mode::Board;
                if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                    return vec![Effect::Apply {
                        action: Action::Archive { card },
                    }];
                }
                self.cancelled("archive");
                Vec::new()
            }
            Mode::Checklist { card, cursor } => self.on_checklist_key(card, cursor, key, cmd),
            Mode::Conflicts { card, cursor } => self.on_conflicts_key(card, cursor, key, cmd),
            // Scrolling views are handled above.
            _ => Vec::new(),
        }
    }

    fn cancelled(&mut self, what: &str) {
        self.mode = Mode::Board;
        self.set_message(format!("{what} cancelled"), false);
    }

    /// Close the current view: back to the one it was opened from.
    fn close(&mut self) {
        self.mode = self.back.take().map_or(Mode::Board, |m| *m);
    }

    /// Keys in a scrolling view: j/k, pages, g/G, Esc; in the card's
    /// details also the editing keys.
    fn on_scroll_key(
        &mut self,
        mode: &Mode,
        scroll: u16,
        key: KeyEvent,
        cmd: Option<Command>,
    ) -> Vec<Effect> {
        let max = crate::tui::view::scroll_limit(self);
        let page = crate::tui::view::page_height(self).max(1);
        let to = match cmd {
            Some(Command::Down) => Some(scroll.saturating_add(1)),
            Some(Command::Up) => Some(scroll.saturating_sub(1)),
            Some(Command::PageDown) => Some(scroll.saturating_add(page)),
            Some(Command::PageUp) => Some(scroll.saturating_sub(page)),
            Some(Command::First) => Some(0),
            Some(Command::Last) => Some(max),
            _ => None,
        };
        if let Some(to) = to {
            let to = to.min(max);
            if to == scroll {
                match cmd {
                    Some(Command::Down | Command::PageDown) => {
                        self.set_message("at the end", false)
                    }
                    Some(Command::Up | Command::PageUp) => self.set_message("at the top", false),
                    _ => {}
                }
            }
            self.mode = mode.with_scroll(to);
            return Vec::new();
        }
        let opened_by = match mode {
            Mode::Help { .. } => Some(Command::Help),
            Mode::Changes { .. } => Some(Command::Changes),
            Mode::History { .. } => Some(Command::History),
            Mode::Flow { .. } => Some(Command::Flow),
            Mode::Messages { .. } => Some(Command::Messages),
            Mode::Lane { .. } => Some(Command::Lane),
            Mode::Detail { .. } => Some(Command::Open),
            _ => None,
        };
        if key.code == KeyCode::Esc
            || cmd == Some(Command::Quit)
            || (cmd.is_some() && cmd == opened_by)
            || (matches!(mode, Mode::Detail { .. }) && key.code == KeyCode::Enter)
        {
            self.close();
            return Vec::new();
        }
        if let Mode::Help { .. } = mode {
            self.warn("j/k scroll · Esc closes the help");
            return Vec::new();
        }
        if let (Mode::Detail { .. }, Some(cmd)) = (mode, cmd) {
            if is_card_command(cmd) {
                // Editing keys work from the detail view too; the view
                // stays open for the checklist and conflicts.
                if !matches!(cmd, Command::Checklist | Command::Conflicts) {
                    self.back = None;
                    self.mode = Mode::Board;
                } else {
                    self.back = Some(Box::new(mode.clone()));
                }
                return self.run(cmd);
            }
        }
        if cmd == Some(Command::Help) {
            self.back = Some(Box::new(mode.clone()));
            self.mode = Mode::Help { scroll: 0 };
            return Vec::new();
        }
        self.warn(format!(
            "{}: j/k scroll · g/G top and end · Esc closes",
            mode.context()
        ));
        Vec::new()
    }

    fn on_hypotheses_key(
        &mut self,
        cursor: usize,
        sort: HypSort,
        key: KeyEvent,
        cmd: Option<Command>,
    ) -> Vec<Effect> {
        let rows = self.hypothesis_rows().len();
        let page = crate::tui::view::page_height(self).max(1) as usize;
        let sort_key = match key.code {
            KeyCode::Char('v') => Some(HypSort::Verdict),
            KeyCode::Char('m') => Some(HypSort::Metric),
            KeyCode::Char('l') => Some(HypSort::Lane),
            KeyCode::Char('u') => Some(HypSort::Updated),
            _ => None,
        };
        let last = rows.saturating_sub(1);
        let to = match (sort_key, cmd) {
            (Some(s), _) => {
                self.mode = Mode::Hypotheses { cursor: 0, sort: s };
                self.set_message(format!("sorted by {}", s.name()), false);
                return Vec::new();
            }
            (_, Some(Command::Down)) => cursor + 1,
            (_, Some(Command::Up)) => cursor.saturating_sub(1),
            (_, Some(Command::PageDown)) => cursor + page,
            (_, Some(Command::PageUp)) => cursor.saturating_sub(page),
            (_, Some(Command::First)) => 0,
            (_, Some(Command::Last)) => last,
            (_, Some(Command::Open)) => {
                let id = self.hypothesis_rows().get(cursor).map(|r| r.id.clone());
                match id {
                    Some(id) if self.board.card(&id).is_some() => {
                        self.show_card(&id);
                        self.back = Some(Box::new(Mode::Hypotheses { cursor, sort }));
                        self.mode = Mode::Detail { scroll: 0 };
                    }
                    Some(_) => self.warn("that card is no longer on the board"),
                    None => self.warn("no hypothesis selected"),
                }
                return Vec::new();
            }
            (_, Some(Command::Help)) => {
                self.back = Some(Box::new(self.mode.clone()));
                self.mode = Mode::Help { scroll: 0 };
                return Vec::new();
            }
            _ if key.code == KeyCode::Esc
                || matches!(cmd, Some(Command::Quit | Command::Hypotheses)) =>
            {
                self.close();
                return Vec::new();
            }
            _ => {
                self.warn("hypotheses: j/k select · Enter opens · l/v/m/u sort · Esc closes");
                return Vec::new();
            }
        };
        self.mode = Mode::Hypotheses {
            cursor: to.min(last),
            sort,
        };
        Vec::new()
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
        match sort {
            HypSort::Lane => {}
            HypSort::Verdict => rows.sort_by(|a, b| a.verdict.cmp(&b.verdict)),
            HypSort::Metric => rows.sort_by(|a, b| a.metric.cmp(&b.metric)),
            HypSort::Updated => rows.sort_by(|a, b| b.updated.cmp(&a.updated)),
        }
        rows
    }

    /// Select a card on the board, clearing a filter that hides it.
    fn show_card(&mut self, id: &str) {
        self.selected_id = Some(id.to_string());
        self.rebuild();
        if self.selected_card().map(|c| c.id.as_str()) != Some(id) && !self.filter.is_empty() {
            self.set_filter("");
            self.selected_id = Some(id.to_string());
            self.rebuild();
            self.set_message("filter cleared to show the card", false);
        }
    }

    /// The card a view is about; if it is gone (a pull removed it), the
    /// view closes and says so.
    fn card_or_close(&mut self, id: &str) -> Option<Card> {
        let card = self.board.card(id).cloned();
        if card.is_none() {
            self.close();
            self.warn("the card is gone");
        }
        card
    }

    fn on_checklist_key(
        &mut self,
        card: String,
        cursor: usize,
        key: KeyEvent,
        cmd: Option<Command>,
    ) -> Vec<Effect> {
        let Some(c) = self.card_or_close(&card) else {
            return Vec::new();
        };
        let n = c.checklist.len();
        let last = n.saturating_sub(1);
        let to = match cmd {
            Some(Command::Down) => cursor + 1,
            Some(Command::Up) => cursor.saturating_sub(1),
            Some(Command::First) => 0,
            Some(Command::Last) => last,
            _ if key.code == KeyCode::Esc || matches!(cmd, Some(Command::Quit)) => {
                self.close();
                return Vec::new();
            }
            _ if matches!(
                key.code,
                KeyCode::Char(' ') | KeyCode::Enter | KeyCode::Char('x')
            ) =>
            {
                let Some(item) = c.checklist.get(cursor) else {
                    self.warn("the checklist is empty; add items with e ($EDITOR)");
                    return Vec::new();
                };
                let field = format!("checklist.{cursor}.done");
                let seen = serde_yaml::Value::Bool(item.done);
                return vec![Effect::Apply {
                    action: Action::SetChecked {
                        card,
                        fields: vec![(field, serde_yaml::Value::Bool(!item.done), seen)],
                    },
                }];
            }
            _ => {
                self.warn("checklist: j/k select · Space ticks · Esc closes");
                return Vec::new();
            }
        };
        self.mode = Mode::Checklist {
            card,
            cursor: to.min(last),
        };
        Vec::new()
    }

    fn on_conflicts_key(
        &mut self,
        card: String,
        cursor: usize,
        key: KeyEvent,
        cmd: Option<Command>,
    ) -> Vec<Effect> {
        let Some(c) = self.card_or_close(&card) else {
            return Vec::new();
        };
        let list = recorded_conflicts(&c);
        let last = list.len().saturating_sub(1);
        let to = match (key.code, cmd) {
            (_, Some(Command::Down)) => cursor + 1,
            (_, Some(Command::Up)) => cursor.saturating_sub(1),
            (KeyCode::Esc, _) | (_, Some(Command::Quit)) => {
                self.close();
                return Vec::new();
            }
            (KeyCode::Char(choice @ ('a' | 'o' | 'e')), _) => {
                let Some(conflict) = list.get(cursor) else {
                    self.close();
                    self.warn("no conflicts are recorded on this card");
                    return Vec::new();
                };
                if choice == 'e' {
                    self.back = None;
                    self.mode = Mode::Board;
                    self.set_message(
                        "edit the field in $EDITOR, then remove its entry under conflicts:",
                        false,
                    );
                    return vec![Effect::EditInEditor(card)];
                }
                let rest: Vec<serde_yaml::Value> = list
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != cursor)
                    .map(|(_, c)| c.raw.clone())
                    .collect();
                let rest = if rest.is_empty() {
                    serde_yaml::Value::Null
                } else {
                    serde_yaml::Value::Sequence(rest)
                };
                let mut fields = vec![(
                    "conflicts".to_string(),
                    rest,
                    c.extra
                        .get("conflicts")
                        .cloned()
                        .unwrap_or(serde_yaml::Value::Null),
                )];
                if choice == 'o' {
                    let now = c.to_value();
                    if conflict.field == "placement" {
                        for k in ["lane", "rank"] {
                            if let Some(v) = conflict.other.get(k) {
                                fields.push((
                                    k.to_string(),
                                    v.clone(),
                                    ops::get_field(&now, k).cloned().unwrap_or_default(),
                                ));
                            }
                        }
                    } else {
                        fields.push((
                            conflict.field.clone(),
                            conflict.other.clone(),
                            ops::get_field(&now, &conflict.field)
                                .cloned()
                                .unwrap_or_default(),
                        ));
                    }
                }
                if list.len() == 1 {
                    self.close();
                }
                return vec![Effect::Apply {
                    action: Action::SetChecked { card, fields },
                }];
            }
            _ => {
                self.warn("conflicts: j/k select · a accepts the kept value · o takes the other · e edits · Esc");
                return Vec::new();
            }
        };
        self.mode = Mode::Conflicts {
            card,
            cursor: to.min(last),
        };
        Vec::new()
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

    fn on_board_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.code == KeyCode::Esc {
            if !self.filter.is_empty() {
                self.set_filter("");
                self.set_message("filter cleared", false);
            } else if self.message.is_some() {
                self.message = None;
            }
            return Vec::new();
        }
        match self.keymap.lookup(&key) {
            Some(cmd) => self.run(cmd),
            None => {
                if let Some(k) = super::keymap::Key::from_event(&key) {
                    self.warn(format!(
                        "{k} does nothing here; {} lists the keys",
                        self.keymap.hint(Command::Help)
                    ));
                }
                Vec::new()
            }
        }
    }

    /// Run a command from the keymap.
    pub fn run(&mut self, cmd: Command) -> Vec<Effect> {
        let per_page = layout::cards_per_page(self.size).max(1);
        if is_card_command(cmd)
            && self.selected_card().is_none()
            && !(cmd == Command::Edit && self.selected_problem_path().is_some())
        {
            self.set_message(
                match self.columns.get(self.col) {
                    Some(c) if c.items.is_empty() => "no card here: the lane is empty",
                    _ => "no card selected",
                },
                false,
            );
            return Vec::new();
        }
        match cmd {
            Command::Left if self.col == 0 => self.set_message("already the first lane", false),
            Command::Right if self.col + 1 >= self.columns.len() => {
                self.set_message("already the last lane", false)
            }
            Command::Left => self.select(self.col - 1, self.row),
            Command::Right => self.select(self.col + 1, self.row),
            Command::Up => self.select(self.col, self.row.saturating_sub(1)),
            Command::Down => self.select(self.col, self.row + 1),
            Command::First => self.select(self.col, 0),
            Command::Last => self.select(self.col, usize::MAX),
            Command::PageUp => self.select(self.col, self.row.saturating_sub(per_page)),
            Command::PageDown => self.select(self.col, self.row + per_page),
            Command::MoveLeft | Command::MoveRight => {
                return self.move_sideways(cmd == Command::MoveLeft)
            }
            Command::MoveUp | Command::MoveDown => return self.reorder(cmd == Command::MoveUp),
            Command::Open => {
                if self.selected_card().is_some() {
                    self.mode = Mode::Detail { scroll: 0 };
                } else if let (Some(p), Some(path)) =
                    (self.selected_problem(), self.selected_problem_path())
                {
                    self.say(p, Level::Error, Some(About::File(path)));
                    self.message_open = true;
                }
            }
            Command::New => match self.lane_id(self.col).map(str::to_string) {
                Some(lane) => {
                    let kinds = self.kinds();
                    self.mode = if kinds.len() == 1 {
                        let kind = kinds[0].clone();
                        Mode::Prompt(Prompt::new(Purpose::NewCard { lane, kind }, String::new()))
                    } else {
                        Mode::PickKind { lane }
                    };
                }
                None => self.set_message("new cards go in a lane of the board", true),
            },
            Command::Edit => {
                if let Some(c) = self.selected_card() {
                    return vec![Effect::EditInEditor(c.id.clone())];
                }
                if let Some(path) = self.selected_problem_path() {
                    // A broken file can be fixed in the editor.
                    if let Some(id) = path
                        .rsplit('/')
                        .next()
                        .and_then(|n| n.strip_suffix(".yaml"))
                    {
                        return vec![Effect::EditInEditor(id.to_string())];
                    }
                }
            }
            Command::EditTitle => {
                self.prompt_for(|c| (Purpose::Title { card: c.id.clone() }, c.title.clone()))
            }
            Command::EditLabels => {
                self.prompt_for(|c| (Purpose::Labels { card: c.id.clone() }, c.labels.join(", ")))
            }
            Command::EditAssignees => self.prompt_for(|c| {
                (
                    Purpose::Assignees { card: c.id.clone() },
                    c.assignees.join(", "),
                )
            }),
            Command::EditDue => self.prompt_for(|c| {
                (
                    Purpose::Due { card: c.id.clone() },
                    c.due.clone().unwrap_or_default(),
                )
            }),
            Command::Note => {
                self.prompt_for(|c| (Purpose::Note { card: c.id.clone() }, String::new()))
            }
            Command::Verdict => {
                if let Some(c) = self.selected_card() {
                    let id = c.id.clone();
                    self.mode = if c.hypothesis.is_some() {
                        Mode::PickVerdict { card: id }
                    } else {
                        // A verdict needs a hypothesis to judge.
                        Mode::ConfirmHypothesis { card: id }
                    };
                }
            }
            Command::RecordResult => {
                if let Some(c) = self.selected_card() {
                    let metric = c
                        .hypothesis
                        .as_ref()
                        .and_then(|h| h.metric.clone().or_else(|| h.metric_key.clone()));
                    match metric {
                        Some(metric) => {
                            let card = c.id.clone();
                            self.set_message(format!("looking for runs that logged {metric}…"), false);
                            return vec![Effect::LoadRuns { card, metric }];
                        }
                        None => self.set_message(
                            format!(
                                "{} has no hypothesis metric to read from a run; {} makes it a hypothesis",
                                c.short_id(),
                                self.keymap.hint(Command::Verdict)
                            ),
                            false,
                        ),
                    }
                }
            }
            Command::Checklist => {
                if let Some(c) = self.selected_card() {
                    if c.checklist.is_empty() {
                        self.set_message(
                            format!(
                                "{} has no checklist; add items in $EDITOR ({})",
                                c.short_id(),
                                self.keymap.hint(Command::Edit)
                            ),
                            false,
                        );
                    } else {
                        let first_open = c.checklist.iter().position(|i| !i.done).unwrap_or(0);
                        self.mode = Mode::Checklist {
                            card: c.id.clone(),
                            cursor: first_open,
                        };
                    }
                }
            }
            Command::Conflicts => {
                if let Some(c) = self.selected_card() {
                    if recorded_conflicts(c).is_empty() {
                        self.set_message(
                            format!("{} has no recorded conflicts", c.short_id()),
                            false,
                        );
                    } else {
                        self.mode = Mode::Conflicts {
                            card: c.id.clone(),
                            cursor: 0,
                        };
                    }
                }
            }
            Command::Problems => self.next_problem(),
            Command::Messages => {
                if self.log.is_empty() {
                    self.set_message("no messages yet", false);
                } else {
                    // Open at the end: the newest messages.
                    self.mode = Mode::Messages { scroll: u16::MAX };
                    let max = crate::tui::view::scroll_limit(self);
                    self.mode = Mode::Messages { scroll: max };
                }
            }
            Command::Lane => match self.columns.get(self.col).map(|c| c.kind.clone()) {
                Some(ColumnKind::Lane(_)) => self.mode = Mode::Lane { scroll: 0 },
                _ => self.set_message("not a lane of the board", false),
            },

            Command::Archive => {
                if let Some(c) = self.selected_card() {
                    self.mode = Mode::ConfirmArchive { card: c.id.clone() };
                }
            }
            Command::Undo => {
                self.set_message("undoing…", false);
                return vec![Effect::Undo];
            }
            Command::Redo => {
                self.set_message("redoing…", false);
                return vec![Effect::Redo];
            }
            Command::Filter => {
                let before = self.filter.text.clone();
                self.mode = Mode::Prompt(Prompt::new(
                    Purpose::Filter {
                        before: before.clone(),
                    },
                    before,
                ));
            }
            Command::Reload => {
                self.announce_reload = true;
                self.set_message("reloading the board from disk…", false);
                return vec![Effect::Reload];
            }
            Command::Sync => {
                if self.sync == SyncState::Running {
                    self.set_message("a sync is already running", false);
                } else {
                    self.sync = SyncState::Running;
                    return vec![Effect::Sync];
                }
            }
            Command::History => {
                if let Some(c) = self.selected_card() {
                    let id = c.id.clone();
                    self.history = None;
                    self.mode = Mode::History {
                        card: id.clone(),
                        scroll: 0,
                    };
                    return vec![Effect::LoadHistory(id)];
                }
            }
            Command::Hypotheses => {
                self.mode = Mode::Hypotheses {
                    cursor: 0,
                    sort: HypSort::Lane,
                };
                return vec![Effect::LoadInsights];
            }
            Command::Flow => {
                self.mode = Mode::Flow { scroll: 0 };
                return vec![Effect::LoadInsights];
            }
            Command::Changes => match &self.last_sync {
                Some(_) => self.mode = Mode::Changes { scroll: 0 },
                None => self.set_message(
                    format!(
                        "no sync yet in this session; press {} to sync",
                        self.keymap.hint(Command::Sync)
                    ),
                    false,
                ),
            },
            Command::Help => {
                self.back = None;
                self.mode = Mode::Help { scroll: 0 };
            }
            Command::Quit => return vec![Effect::Quit],
        }
        Vec::new()
    }

    fn prompt_for(&mut self, f: impl Fn(&Card) -> (Purpose, String)) {
        if let Some(c) = self.selected_card() {
            let (purpose, initial) = f(c);
            let mut p = Prompt::new(purpose, initial);
            p.seen = Some(c.clone());
            self.mode = Mode::Prompt(p);
        }
    }

    fn selected_problem(&self) -> Option<String> {
        let col = self.columns.get(self.col)?;
        if col.kind != ColumnKind::Problems {
            return None;
        }
        col.items
            .get(self.row)
            .and_then(|&i| self.board.problems.get(i))
            .map(|p| p.to_string())
    }

    fn selected_problem_path(&self) -> Option<String> {
        let col = self.columns.get(self.col)?;
        if col.kind != ColumnKind::Problems {
            return None;
        }
        col.items
            .get(self.row)
            .and_then(|&i| self.board.problems.get(i))
            .map(|p| p.path.clone())
    }

    /// `H`/`L`: the card moves to the next lane on screen at once; the
    /// commit waits for the keys to pause, and each press counts from
    /// where the screen shows the card (`L L`: two lanes on).
    fn move_sideways(&mut self, left: bool) -> Vec<Effect> {
        let Some(card) = self.selected_card().cloned() else {
            return Vec::new();
        };
        let Some(lane) = self.lane_id(self.col).map(str::to_string) else {
            self.set_message(
                format!("{} is in an unknown lane; edit it to fix", card.short_id()),
                true,
            );
            return Vec::new();
        };
        let from = self.board.config.lane_index(&lane).unwrap_or(0);
        let to = if left {
            from.checked_sub(1)
        } else {
            Some(from + 1)
        };
        let Some(to_lane) = to
            .and_then(|i| self.board.config.lanes.get(i))
            .map(|l| l.id.clone())
        else {
            self.set_message(
                format!(
                    "{} is already in the {} lane",
                    card.short_id(),
                    if left { "first" } else { "last" }
                ),
                false,
            );
            return Vec::new();
        };
        let step = if left { -1 } else { 1 };
        self.press_move(&card.id, &lane, |i| {
            i.lanes += step;
            // Places counted in the lane it left no longer mean anything.
            i.places = 0;
            i.to = to_lane;
        })
    }

    fn move_card(
        &mut self,
        card: &Card,
        lane: String,
        placement: Option<Placement>,
    ) -> Vec<Effect> {
        self.selected_id = Some(card.id.clone());
        let mut effects = self.flush_moves();
        effects.push(Effect::Apply {
            action: Action::Move {
                card: card.id.clone(),
                lane,
                placement,
            },
        });
        effects
    }

    /// `J`/`K`: the card moves on screen at once; the commit waits for
    /// the keys to pause, so five presses are one commit.
    fn reorder(&mut self, up: bool) -> Vec<Effect> {
        let Some(card) = self.selected_card().cloned() else {
            return Vec::new();
        };
        let Some(lane) = self.lane_id(self.col).map(str::to_string) else {
            self.set_message("cards in this column cannot be ordered", false);
            return Vec::new();
        };
        let shown = self.columns[self.col].items.len();
        let room = if up {
            self.row > 0
        } else {
            self.row + 1 < shown
        };
        if !room {
            self.set_message(
                format!(
                    "{} is already at the {} of the lane",
                    card.short_id(),
                    if up { "top" } else { "bottom" }
                ),
                false,
            );
            return Vec::new();
        }
        let step = if up { -1 } else { 1 };
        self.press_move(&card.id, &lane, |i| i.places += step)
    }

    /// One move key on `card`, shown in `lane`: added to the waiting
    /// intent if it is this card's, else a new intent (the other card's
    /// is committed first). The board shows the result at once.
    fn press_move(
        &mut self,
        card: &str,
        lane: &str,
        press: impl FnOnce(&mut Intent),
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self
            .waiting_move
            .as_ref()
            .is_some_and(|w| w.intent.card != card)
        {
            effects = self.flush_moves();
        }
        let due = self.now + moves::PAUSE;
        let waiting = match self.waiting_move.take() {
            Some(mut w) => {
                w.due = due;
                w
            }
            None => {
                let id = self.next_move;
                self.next_move += 1;
                moves::Waiting {
                    intent: Intent {
                        id,
                        card: card.to_string(),
                        from: lane.to_string(),
                        lanes: 0,
                        places: 0,
                        among: None,
                        to: lane.to_string(),
                    },
                    due,
                }
            }
        };
        let mut waiting = waiting;
        press(&mut waiting.intent);
        self.waiting_move = Some(waiting);
        self.selected_id = Some(card.to_string());
        self.rebuild();
        effects
    }

    /// Commit the waiting move presses now.
    pub fn flush_moves(&mut self) -> Vec<Effect> {
        let Some(w) = self.waiting_move.take() else {
            return Vec::new();
        };
        let mut intent = w.intent;
        if intent.is_empty() {
            // `L` then `H`: back where it was, nothing to commit.
            self.rebuild();
            return Vec::new();
        }
        if !self.filter.is_empty() {
            // Places count among the cards the screen shows in the lane
            // (the columns still show the intent).
            let mut cards = self
                .columns
                .iter()
                .filter(|c| c.kind != ColumnKind::Problems);
            intent.among = cards.find_map(|c| {
                let ids: Vec<&String> = c.items.iter().map(|&i| &self.board.cards[i].id).collect();
                ids.contains(&&intent.card).then(|| {
                    ids.into_iter()
                        .filter(|i| **i != intent.card)
                        .cloned()
                        .collect()
                })
            });
        }
        self.sent_moves.push(intent.clone());
        vec![Effect::Move(intent)]
    }

    /// Work that is due by the clock (after `tick`): waiting move presses.
    pub fn due_effects(&mut self) -> Vec<Effect> {
        if self
            .waiting_move
            .as_ref()
            .is_some_and(|w| w.due <= self.now)
        {
            return self.flush_moves();
        }
        Vec::new()
    }

    /// A move came back from the worker.
    pub fn on_moved(&mut self, id: u64, result: Result<Moved, String>) {
        self.sent_moves.retain(|i| i.id != id);
        match result {
            Ok(Moved::Done(outcome)) => self.on_applied(Ok(outcome)),
            Ok(Moved::Unchanged(why)) => {
                self.work = Work::Idle;
                self.set_message(why, false);
            }
            Ok(Moved::NotMade(why, card)) => {
                self.work = Work::Idle;
                self.warn(why);
                // Shown where it is now, without waiting for the watcher.
                self.upsert(*card);
            }
            Err(e) => self.on_applied(Err(e)),
        }
        // Without the move, the board shows the card where it is.
        self.rebuild();
    }

    /// Select the next thing that needs attention: an unreadable file or
    /// a card with recorded conflicts.
    fn next_problem(&mut self) {
        let conflicted: Vec<String> = self
            .columns
            .iter()
            .flat_map(|c| c.items.iter())
            .filter_map(|&i| self.board.cards.get(i))
            .filter(|c| c.extra.contains_key("conflicts"))
            .map(|c| c.id.clone())
            .collect();
        if let Some(p) = self
            .columns
            .iter()
            .position(|c| c.kind == ColumnKind::Problems)
        {
            if self.col != p {
                self.select(p, 0);
                let msg = self.selected_problem().unwrap_or_default();
                self.say(msg, Level::Error, None);
                return;
            }
        }
        let current = self.selected_card().map(|c| c.id.clone());
        let next = match current.and_then(|id| conflicted.iter().position(|c| *c == id)) {
            Some(i) => conflicted.get(i + 1).or(conflicted.first()),
            None => conflicted.first(),
        };
        match next.cloned() {
            Some(id) => {
                self.show_card(&id);
                self.set_message(
                    format!(
                        "{} has conflicts recorded by a sync: {} resolves them",
                        crate::model::id::short(&id),
                        self.keymap.hint(Command::Conflicts)
                    ),
                    false,
                );
            }
            None if self.board.problems.is_empty() => {
                self.set_message("no problems: every file reads and nothing conflicts", false)
            }
            None => {}
        }
    }

    fn on_prompt_key(&mut self, mut p: Prompt, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                if let Purpose::Filter { before } = &p.purpose {
                    // Esc puts back the filter there was.
                    let before = before.clone();
                    self.set_filter(&before);
                }
                self.back = None;
                self.cancelled(&p.purpose.label().to_lowercase());
                return Vec::new();
            }
            KeyCode::Enter => return self.submit(p),
            KeyCode::Tab if !p.choices.is_empty() => {
                if !p.complete() {
                    self.warn("no recent run matches what is typed");
                }
            }
            KeyCode::Char('o') if ctrl => {
                if let Purpose::Note { card } = &p.purpose {
                    // A longer note in $EDITOR, starting from what is typed.
                    self.mode = Mode::Board;
                    return vec![Effect::NoteInEditor {
                        card: card.clone(),
                        text: p.input,
                    }];
                }
            }
            _ => {
                if !p.edit(&key) {
                    self.warn(
                        "Enter accepts · Esc cancels · Ctrl+w deletes a word · Ctrl+u the line",
                    );
                }
            }
        }
        if let Purpose::Filter { .. } = p.purpose {
            // The filter applies as it is typed.
            let text = p.input.clone();
            self.set_filter(&text);
        }
        self.mode = Mode::Prompt(p);
        Vec::new()
    }

    pub fn set_filter(&mut self, text: &str) {
        self.filter = Filter::parse(text);
        if !self.filter.is_empty() {
            self.keep_visible = None;
        }
        self.rebuild();
    }

    /// Enter in a prompt: check the value, then act (or stay, saying why).
    fn submit(&mut self, p: Prompt) -> Vec<Effect> {
        if let Check::Bad(why) = p.check(self.today) {
            // The typed text stays for the user to fix.
            self.set_message(why, true);
            self.mode = Mode::Prompt(p);
            return Vec::new();
        }
        self.mode = Mode::Board;
        let text = p.input.trim().to_string();
        let list = |s: &str| -> serde_yaml::Value {
            serde_yaml::Value::Sequence(
                s.split(',')
                    .map(|x| x.trim().trim_start_matches('@').trim_start_matches('#'))
                    .filter(|x| !x.is_empty())
                    .map(|x| serde_yaml::Value::String(x.to_string()))
                    .collect(),
            )
        };
        // Inline edits say what the user saw, so a change made on disk
        // meanwhile is not silently overwritten.
        let seen = |card: &str, field: &str| -> serde_yaml::Value {
            let v = p
                .seen
                .as_ref()
                .filter(|c| c.id == card)
                .map(|c| c.to_value());
            v.as_ref()
                .and_then(|v| ops::get_field(v, field))
                .cloned()
                .unwrap_or(serde_yaml::Value::Null)
        };
        let set = |card: &str, field: &str, value: serde_yaml::Value| Action::SetChecked {
            card: card.to_string(),
            fields: vec![(field.to_string(), normalise(value), seen(card, field))],
        };
        let action = match p.purpose.clone() {
            Purpose::Evidence { card } => {
                if text.is_empty() {
                    self.set_message(
                        "type a run id, mlflow:ID or dvc:PATH#key (Tab: recent runs)",
                        true,
                    );
                    self.mode = Mode::Prompt(p);
                    return Vec::new();
                }
                return vec![Effect::RecordResult { card, source: text }];
            }
            Purpose::Filter { .. } => {
                if !self.filter.is_empty() {
                    let shown: usize = self
                        .columns
                        .iter()
                        .filter(|c| c.kind != ColumnKind::Problems)
                        .map(|c| c.items.len())
                        .sum();
                    self.set_message(format!("filter: {shown} cards shown · Esc clears"), false);
                }
                return Vec::new();
            }
            Purpose::NewCard { lane, kind } => {
                let new = ops::NewCard {
                    title: text,
                    lane: Some(lane),
                    kind: Some(kind),
                    ..Default::default()
                };
                return vec![Effect::Apply {
                    action: Action::Add(Box::new(new)),
                }];
            }
            Purpose::Hypothesis {
                lane,
                card,
                step,
                mut draft,
            } => {
                match step {
                    HypStep::Title => draft.title = text,
                    HypStep::Statement => draft.statement = Some(text).filter(|t| !t.is_empty()),
                    HypStep::Metric => draft.metric = Some(text).filter(|t| !t.is_empty()),
                    HypStep::Direction => draft.direction = super::prompt::direction(&text),
                    HypStep::Baseline => draft.baseline = super::prompt::number(&text),
                    HypStep::Target => draft.target = super::prompt::number(&text),
                }
                if let Some(next) = step.next() {
                    let mut np = Prompt::new(
                        Purpose::Hypothesis {
                            lane,
                            card,
                            step: next,
                            draft,
                        },
                        String::new(),
                    );
                    np.seen = p.seen;
                    self.mode = Mode::Prompt(np);
                    return Vec::new();
                }
                return self.hypothesis_done(lane, card, *draft, p.seen.as_ref());
            }
            Purpose::Title { card } => set(&card, "title", serde_yaml::Value::String(text)),
            Purpose::Labels { card } => set(&card, "labels", list(&text)),
            Purpose::Assignees { card } => set(&card, "assignees", list(&text)),
            Purpose::Due { card } => {
                let v = match crate::model::date::parse_relative(&text, self.today) {
                    Ok(d) if !text.is_empty() => {
                        serde_yaml::Value::String(crate::model::date::format_date(d))
                    }
                    _ => serde_yaml::Value::Null,
                };
                set(&card, "due", v)
            }
            Purpose::Note { card } => {
                if text.is_empty() {
                    self.set_message("empty note: nothing added", false);
                    return Vec::new();
                }
                Action::Note { card, text }
            }
            Purpose::Result { card, verdict } => {
                let result = if text.is_empty() {
                    None
                } else {
                    super::prompt::number(&text)
                };
                // A verdict the numbers contradict needs its reason.
                let against = self
                    .board
                    .card(&card)
                    .and_then(|c| c.hypothesis.as_deref())
                    .and_then(|h| {
                        crate::evidence::verdict::needs_reason(h, verdict, result.as_ref())
                    });
                if let Some(d) = against {
                    let mut q = Prompt::new(
                        Purpose::Because {
                            card,
                            verdict,
                            result,
                            computed: d.computed,
                        },
                        String::new(),
                    );
                    q.seen = p.seen;
                    q.about = Some(format!(
                        "The numbers give {}, not {verdict} ({}). Say why {verdict} holds: it is kept with the verdict as its rationale.",
                        d.computed, d.numbers
                    ));
                    self.mode = Mode::Prompt(q);
                    return Vec::new();
                }
                Action::Verdict {
                    card,
                    verdict,
                    result,
                    because: None,
                }
            }
            Purpose::Because {
                card,
                verdict,
                result,
                computed,
            } => {
                if text.is_empty() {
                    self.set_message(
                        format!("the numbers give {computed}: say why {verdict} holds, or Esc"),
                        true,
                    );
                    self.mode = Mode::Prompt(p);
                    return Vec::new();
                }
                Action::Verdict {
                    card,
                    verdict,
                    result,
                    because: Some(text),
                }
            }
        };
        vec![Effect::Apply { action }]
    }

    /// The last step of a hypothesis: a new card, or the fields on an
    /// existing one (which becomes a hypothesis).
    fn hypothesis_done(
        &mut self,
        lane: String,
        card: Option<String>,
        draft: HypDraft,
        seen: Option<&Card>,
    ) -> Vec<Effect> {
        let Some(card) = card else {
            let new = ops::NewCard {
                title: draft.title,
                lane: Some(lane),
                kind: Some("hypothesis".into()),
                hypothesis: draft.statement,
                metric: draft.metric,
                direction: draft.direction,
                baseline: draft.baseline,
                target: draft.target,
                ..Default::default()
            };
            return vec![Effect::Apply {
                action: Action::Add(Box::new(new)),
            }];
        };
        let now = seen.map(|c| c.to_value()).unwrap_or_default();
        let was = |f: &str| ops::get_field(&now, f).cloned().unwrap_or_default();
        let str_value =
            |s: Option<String>| s.map_or(serde_yaml::Value::Null, serde_yaml::Value::String);
        let mut fields = Vec::new();
        let kinds = self.kinds();
        if kinds.iter().any(|k| k == "hypothesis") {
            fields.push(("kind".to_string(), "hypothesis".into(), was("kind")));
        }
        for (f, v) in [
            ("hypothesis.statement", str_value(draft.statement)),
            ("hypothesis.metric", str_value(draft.metric)),
            (
                "hypothesis.direction",
                str_value(draft.direction.map(|d| d.as_str().to_string())),
            ),
            ("hypothesis.baseline", draft.baseline.unwrap_or_default()),
            ("hypothesis.target", draft.target.unwrap_or_default()),
        ] {
            if !v.is_null() {
                fields.push((f.to_string(), v, was(f)));
            }
        }
        if fields.iter().all(|(f, ..)| f == "kind") {
            // A hypothesis with nothing in it still needs the mapping.
            fields.push((
                "hypothesis.verdict".into(),
                "open".into(),
                was("hypothesis.verdict"),
            ));
        }
        vec![Effect::Apply {
            action: Action::SetChecked { card, fields },
        }]
    }

    /// A mouse event.
    pub fn on_mouse(&mut self, m: MouseEvent) -> Vec<Effect> {
        if self.mode != Mode::Board {
            match m.kind {
                MouseEventKind::Down(_)
                    if matches!(self.mode, Mode::Detail { .. } | Mode::Help { .. }) =>
                {
                    self.close()
                }
                // The wheel scrolls a view as j/k do.
                MouseEventKind::ScrollDown | MouseEventKind::ScrollUp
                    if !matches!(self.mode, Mode::Prompt(_)) =>
                {
                    let down = m.kind == MouseEventKind::ScrollDown;
                    let cmd = if down { Command::Down } else { Command::Up };
                    let code = if down { KeyCode::Down } else { KeyCode::Up };
                    return self.on_mode_key(KeyEvent::new(code, KeyModifiers::NONE), Some(cmd));
                }
                _ => {}
            }
            return Vec::new();
        }
        let hit = layout::hit_test(self, m.column, m.row);
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => match hit {
                Some(Hit::Card { col, row }) => {
                    self.select(col, row);
                    if let Some(c) = self.selected_card() {
                        self.drag = Some((c.id.clone(), col));
                    }
                }
                Some(Hit::Column { col }) => self.select(col, self.row),
                None => {}
            },
            MouseEventKind::Up(MouseButton::Left) => {
                let Some((id, from)) = self.drag.take() else {
                    return Vec::new();
                };
                let to = match hit {
                    Some(Hit::Card { col, .. } | Hit::Column { col }) => col,
                    None => return Vec::new(),
                };
                if to == from {
                    return Vec::new();
                }
                let Some(lane) = self.lane_id(to).map(str::to_string) else {
                    return Vec::new();
                };
                let placement = match hit {
                    Some(Hit::Card { col, row }) => self.columns[col]
                        .items
                        .get(row)
                        .map(|&i| Placement::Before(self.board.cards[i].id.clone())),
                    _ => None,
                };
                if let Some(card) = self.board.card(&id).cloned() {
                    return self.move_card(&card, lane, placement);
                }
            }
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let down = m.kind == MouseEventKind::ScrollDown;
                if let Some(Hit::Card { col, .. } | Hit::Column { col }) = hit {
                    if col != self.col {
                        self.select(col, self.scroll.get(col).copied().unwrap_or(0));
                    }
                }
                let row = if down {
                    self.row + 1
                } else {
                    self.row.saturating_sub(1)
                };
                self.select(self.col, row);
            }
            _ => {}
        }
        Vec::new()
    }

    /// An action finished on the worker.
    pub fn on_applied(&mut self, result: Result<ops::Outcome, String>) {
        self.work = Work::Idle;
        match result {
            Ok(outcome) => {
                let changed = outcome.commit.is_some()
                    || outcome.written.is_some()
                    || !outcome.changed.is_empty();
                self.set_message(outcome.summary.clone(), false);
                if !changed {
                    return;
                }
                // The card as it was: whether it is new, or changed lane.
                let before = self.board.card(&outcome.card).map(|c| c.lane.clone());
                let written = outcome.written.as_ref().filter(|c| !c.archived);
                let moved_into = written
                    .filter(|c| before.as_deref() != Some(c.lane.as_str()))
                    .map(|c| c.lane.clone());
                if let Some(c) = written.filter(|_| before.is_none()) {
                    // A new card stays in sight even if the filter would
                    // hide it.
                    if !self.filter.is_empty() && !self.filter.matches(c) {
                        self.keep_visible = Some(c.id.clone());
                    }
                }
                match &outcome.written {
                    Some(card) => self.upsert(card.clone()),
                    None => self.remove(&outcome.card),
                }
                if outcome.commit.is_none() && !outcome.changed.is_empty() {
                    self.status.uncommitted += 1;
                }
                self.selected_id = written.map(|c| c.id.clone()).or(self.selected_id.take());
                self.rebuild();
                if let Some(lane) = moved_into {
                    self.warn_wip(&lane, &outcome.summary);
                }
            }
            Err(e) => self.set_message(e, true),
        }
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

    /// What `r` offers for a card was read: its recent runs, or the keys
    /// of recent runs when none logged its metric. Ask which one.
    pub fn on_runs(&mut self, card: String, offer: crate::evidence::pick::Offer) {
        if self.board.card(&card).is_none() {
            return;
        }
        let mut p = Prompt::new(Purpose::Evidence { card: card.clone() }, String::new());
        p.seen = self.board.card(&card).cloned();
        if !offer.choices.is_empty() {
            self.set_message(
                format!(
                    "{} to pick from: Tab goes through them",
                    offer.choices.len()
                ),
                false,
            );
        }
        p.choices = offer.choices;
        p.about = Some(offer.about);
        self.mode = Mode::Prompt(p);
    }

    /// An undo or redo finished on the worker: say what it did (the board
    /// is read again by the event loop).
    pub fn on_undone(&mut self, result: Result<String, String>) {
        self.work = Work::Idle;
        match result {
            Ok(summary) => self.set_message(summary, false),
            Err(e) => self.set_message(e, true),
        }
    }

    /// Say so when a change took a lane past its WIP limit.
    fn warn_wip(&mut self, lane: &str, summary: &str) {
        let Some(def) = self.board.config.lane(lane) else {
            return;
        };
        let Some(limit) = def.wip else {
            return;
        };
        let count = self
            .board
            .cards
            .iter()
            .filter(|c| !c.archived && c.lane == lane)
            .count()
            + self
                .board
                .omitted
                .iter()
                .filter(|(l, _)| l == lane)
                .map(|(_, n)| n)
                .sum::<usize>();
        if count as u32 > limit {
            self.warn(format!(
                "{summary} · {} is over its WIP limit: {count}/{limit}",
                def.title
            ));
        }
    }

    /// A sync finished on the worker.
    pub fn on_synced(&mut self, result: Result<crate::sync::Report, String>, now: i64) {
        match result {
            Ok(report) => {
                let summary = report.summary();
                let level = if report.offline.is_some() {
                    Level::Warn
                } else {
                    Level::Info
                };
                self.say(summary.clone(), level, Some(About::Sync));
                self.sync = match &report.offline {
                    Some(_) => SyncState::Failed {
                        message: format!("offline · {} ahead", report.ahead),
                        at: now,
                    },
                    None => SyncState::Done { summary, at: now },
                };
                if !report.changed.is_empty() {
                    let hint = self.keymap.hint(Command::Changes);
                    self.say(
                        format!("{} · {hint}: what changed", report.summary()),
                        Level::Info,
                        Some(About::Sync),
                    );
                }
                self.last_sync = Some(report);
            }
            Err(e) => {
                self.say(e.clone(), Level::Error, Some(About::Sync));
                self.sync = SyncState::Failed {
                    message: e.lines().next().unwrap_or("failed").to_string(),
                    at: now,
                };
            }
        }
    }

    /// A change collided with one on disk: ask.
    pub fn on_conflict(&mut self, pending: Pending) {
        self.work = Work::Idle;
        self.set_message(
            format!("changed on disk meanwhile: {}", pending.describe()),
            true,
        );
        self.pending = Some(pending);
        self.mode = Mode::Resolve;
    }

    fn resolve_field(&mut self, c: ops::ConflictError, choice: ops::editor::Choice) -> Vec<Effect> {
        use ops::editor::Choice;
        match choice {
            Choice::Mine => vec![Effect::Apply {
                action: Action::Set {
                    card: c.card,
                    fields: vec![(c.field, c.mine)],
                },
            }],
            Choice::Theirs => {
                self.set_message(format!("kept {} as it is on disk", c.field), false);
                Vec::new()
            }
            Choice::Both => vec![Effect::Apply {
                action: Action::Note {
                    card: c.card,
                    text: format!(
                        "Kept {} on disk ({}); I had entered {}",
                        c.field,
                        ops::brief(&c.theirs),
                        ops::brief(&c.mine)
                    ),
                },
            }],
        }
    }

    /// Replace or add a card in memory, keeping the board's order.
    pub fn upsert(&mut self, card: Card) {
        self.board.upsert(card);
    }

    fn remove(&mut self, id: &str) {
        self.board.remove(id);
        self.board.file_ids.retain(|i| i != id);
    }

    /// A fresh board read from disk.
    pub fn on_loaded(&mut self, board: Board) {
        self.board = board;
        self.board_missing = None;
        self.resolved(&About::Board);
        if std::mem::take(&mut self.announce_reload) {
            let n = self.board.cards.iter().filter(|c| !c.archived).count();
            let problems = self.board.problems.len();
            self.set_message(
                match problems {
                    0 => format!("reloaded: {n} cards"),
                    p => format!("reloaded: {n} cards, {p} unreadable files"),
                },
                problems > 0,
            );
        }
        let stale = match self.message.as_ref().and_then(|m| m.about.as_ref()) {
            Some(About::File(f)) => !self.board.problems.iter().any(|p| p.path == *f),
            _ => false,
        };
        if stale {
            self.message = None;
            self.message_open = false;
        }
        self.rebuild();
    }

    /// The repository's state, read again. A failed sync stops being news
    /// once the branch is level with its upstream (a sync from the CLI, a
    /// `git pull`).
    pub fn on_status(&mut self, status: RepoStatus) {
        if matches!(self.sync, SyncState::Failed { .. }) && status.ahead_behind == Some((0, 0)) {
            self.sync = SyncState::Never;
            self.resolved(&About::Sync);
        }
        self.status = status;
    }

    /// Cards changed on disk (by someone else, an editor, `git pull`...).
    /// Returns whether anything on the board changed: the app's own writes
    /// come back identical and change nothing.
    pub fn on_card_files(&mut self, files: Vec<(String, CardFile)>) -> bool {
        let mut changed = false;
        for (id, state) in files {
            let rel = crate::store::card_path(&id);
            match state {
                CardFile::Card(card) => {
                    if self.board.problems.iter().any(|p| p.path == rel) {
                        // A file that did not read now does: its error goes.
                        self.board.problems.retain(|p| p.path != rel);
                        self.resolved(&About::File(rel.clone()));
                        self.set_message(format!("{rel} reads again"), false);
                        changed = true;
                    }
                    if self.board.card(&id) != Some(&*card) {
                        self.board.upsert(*card);
                        changed = true;
                    }
                }
                CardFile::Broken(problem) => {
                    let known = self.board.problems.contains(&problem);
                    if !known || self.board.card(&id).is_some() {
                        self.board.remove(&id);
                        self.board.problems.retain(|p| p.path != rel);
                        self.board.problems.push(problem);
                        self.board.problems.sort_by(|a, b| a.path.cmp(&b.path));
                        if let Err(pos) = self.board.file_ids.binary_search(&id) {
                            self.board.file_ids.insert(pos, id.clone());
                        }
                        changed = true;
                    }
                }
                CardFile::Gone => {
                    let had = self.board.card(&id).is_some()
                        || self.board.problems.iter().any(|p| p.path == rel);
                    if had {
                        self.remove(&id);
                        self.board.problems.retain(|p| p.path != rel);
                        changed = true;
                    }
                }
            }
        }
        if changed {
            self.rebuild();
        }
        changed
    }
}

/// An empty list means "no field", as the card files have it.
fn normalise(v: serde_yaml::Value) -> serde_yaml::Value {
    match v {
        serde_yaml::Value::Sequence(s) if s.is_empty() => serde_yaml::Value::Null,
        other => other,
    }
}

fn is_card_command(cmd: Command) -> bool {
    matches!(
        cmd,
        Command::Edit
            | Command::RecordResult
            | Command::Checklist
            | Command::Conflicts
            | Command::History
            | Command::MoveLeft
            | Command::MoveRight
            | Command::MoveUp
            | Command::MoveDown
            | Command::EditTitle
            | Command::EditLabels
            | Command::EditAssignees
            | Command::EditDue
            | Command::Note
            | Command::Verdict
            | Command::Archive
    )
}
