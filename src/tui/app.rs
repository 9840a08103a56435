//! The board screen's state and how keys, mouse and results change it.
//! No terminal here: `App` is updated by messages and returns effects for
//! the event loop to run (apply an action on the worker, open the editor,
//! quit). Tests drive it directly.

use super::keymap::{Command, Keymap};
use super::layout::{self, Hit};
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

/// A line of text being typed, and what it is for.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub purpose: Purpose,
    pub input: String,
    /// Cursor position in chars.
    pub cursor: usize,
    /// The card as it was when the prompt opened.
    pub seen: Option<Card>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    NewCard { lane: String },
    Title { card: String },
    Labels { card: String },
    Assignees { card: String },
    Due { card: String },
    Note { card: String },
    Result { card: String, verdict: Verdict },
    Filter { before: String },
}

impl Purpose {
    pub fn label(&self) -> &'static str {
        match self {
            Purpose::NewCard { .. } => "New card",
            Purpose::Title { .. } => "Title",
            Purpose::Labels { .. } => "Labels (comma separated)",
            Purpose::Assignees { .. } => "Assignees (comma separated)",
            Purpose::Due { .. } => "Due (YYYY-MM-DD, empty to clear)",
            Purpose::Note { .. } => "Journal note",
            Purpose::Result { .. } => "Result (empty to keep)",
            Purpose::Filter { .. } => "Filter",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Board,
    Detail {
        scroll: u16,
    },
    Help {
        scroll: u16,
    },
    Prompt(Prompt),
    PickVerdict {
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
    /// Every hypothesis side by side, sorted by a column.
    Hypotheses {
        scroll: u16,
        sort: HypSort,
    },
    /// Flow metrics and the cumulative flow diagram.
    Flow {
        scroll: u16,
    },
}

/// How the hypotheses table is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HypSort {
    Lane,
    Verdict,
    Metric,
    Updated,
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

/// The last thing that happened, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
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

/// How to take back the last change.
#[derive(Debug, Clone, PartialEq)]
pub struct Undo {
    pub card: String,
    /// The card before the change; None if the change created it.
    pub before: Option<Card>,
    pub what: String,
}

/// Work for the event loop.
#[derive(Debug, PartialEq)]
pub enum Effect {
    /// Run an action on the worker; `undo` is how to take it back.
    Apply {
        action: Action,
        undo: Option<Undo>,
    },
    /// Suspend the screen and edit this card in $EDITOR.
    EditInEditor(String),
    /// Read the board from disk again.
    Reload,
    /// Fetch, merge and push on the worker.
    Sync,
    /// Read a card's history on the worker.
    LoadHistory(String),
    /// Compute hypotheses and flow on the worker.
    LoadInsights,
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
    pub message: Option<Message>,
    pub status: RepoStatus,
    pub work: Work,
    pub keymap: Keymap,
    pub theme: Theme,
    pub undo: Option<Undo>,
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
            message: None,
            status: RepoStatus::default(),
            work: Work::Idle,
            keymap,
            theme,
            undo: None,
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
        for (i, card) in self.board.cards.iter().enumerate() {
            if card.archived {
                continue;
            }
            let col = match config.lane_index(&card.lane) {
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
            if self.filter.matches(card) {
                columns[col].items.push(i);
            }
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
        if !self.board.problems.is_empty() {
            columns.push(Column {
                kind: ColumnKind::Problems,
                items: (0..self.board.problems.len()).collect(),
                total: self.board.problems.len(),
                omitted: 0,
            });
        }
        self.columns = columns;
        self.scroll.resize(self.columns.len(), 0);
        self.reselect();
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

    pub fn set_message(&mut self, text: impl Into<String>, error: bool) {
        self.message = Some(Message {
            text: text.into(),
            error,
        });
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
        match self.mode.clone() {
            Mode::Board => self.on_board_key(key),
            Mode::Detail { scroll } => {
                match (key.code, self.keymap.lookup(&key)) {
                    (KeyCode::Esc | KeyCode::Enter, _)
                    | (_, Some(Command::Quit | Command::Open)) => self.mode = Mode::Board,
                    (_, Some(Command::Down)) => self.mode = Mode::Detail { scroll: scroll + 1 },
                    (_, Some(Command::Up)) => {
                        self.mode = Mode::Detail {
                            scroll: scroll.saturating_sub(1),
                        }
                    }
                    (_, Some(Command::PageDown)) => {
                        self.mode = Mode::Detail {
                            scroll: scroll + 10,
                        }
                    }
                    (_, Some(Command::PageUp)) => {
                        self.mode = Mode::Detail {
                            scroll: scroll.saturating_sub(10),
                        }
                    }
                    (_, Some(Command::First)) => self.mode = Mode::Detail { scroll: 0 },
                    // Editing keys work from the detail view too.
                    (_, Some(cmd)) if is_card_command(cmd) => {
                        self.mode = Mode::Board;
                        return self.run(cmd);
                    }
                    _ => {}
                }
                Vec::new()
            }
            Mode::Help { scroll } => {
                match (key.code, self.keymap.lookup(&key)) {
                    (_, Some(Command::Down)) => self.mode = Mode::Help { scroll: scroll + 1 },
                    (_, Some(Command::Up)) => {
                        self.mode = Mode::Help {
                            scroll: scroll.saturating_sub(1),
                        }
                    }
                    _ => self.mode = Mode::Board,
                }
                Vec::new()
            }
            Mode::Prompt(p) => self.on_prompt_key(p, key),
            Mode::History { card, scroll } => {
                self.mode = match self.keymap.lookup(&key) {
                    Some(Command::Down) => Mode::History {
                        card,
                        scroll: scroll + 1,
                    },
                    Some(Command::Up) => Mode::History {
                        card,
                        scroll: scroll.saturating_sub(1),
                    },
                    Some(Command::PageDown) => Mode::History {
                        card,
                        scroll: scroll + 10,
                    },
                    Some(Command::PageUp) => Mode::History {
                        card,
                        scroll: scroll.saturating_sub(10),
                    },
                    _ => Mode::Board,
                };
                Vec::new()
            }
            Mode::Hypotheses { scroll, sort } => {
                let sort_key = match key.code {
                    KeyCode::Char('v') => Some(HypSort::Verdict),
                    KeyCode::Char('m') => Some(HypSort::Metric),
                    KeyCode::Char('l') => Some(HypSort::Lane),
                    KeyCode::Char('u') => Some(HypSort::Updated),
                    _ => None,
                };
                self.mode = match (sort_key, self.keymap.lookup(&key)) {
                    (Some(s), _) => Mode::Hypotheses { scroll: 0, sort: s },
                    (_, Some(Command::Down)) => Mode::Hypotheses {
                        scroll: scroll + 1,
                        sort,
                    },
                    (_, Some(Command::Up)) => Mode::Hypotheses {
                        scroll: scroll.saturating_sub(1),
                        sort,
                    },
                    _ => Mode::Board,
                };
                Vec::new()
            }
            Mode::Flow { scroll } => {
                self.mode = match self.keymap.lookup(&key) {
                    Some(Command::Down) => Mode::Flow { scroll: scroll + 1 },
                    Some(Command::Up) => Mode::Flow {
                        scroll: scroll.saturating_sub(1),
                    },
                    _ => Mode::Board,
                };
                Vec::new()
            }
            Mode::Changes { scroll } => {
                self.mode = match self.keymap.lookup(&key) {
                    Some(Command::Down) => Mode::Changes { scroll: scroll + 1 },
                    Some(Command::Up) => Mode::Changes {
                        scroll: scroll.saturating_sub(1),
                    },
                    _ => Mode::Board,
                };
                Vec::new()
            }
            Mode::PickVerdict { card } => {
                let verdict = match key.code {
                    KeyCode::Char('s') => Some(Verdict::Supported),
                    KeyCode::Char('r') => Some(Verdict::Refuted),
                    KeyCode::Char('i') => Some(Verdict::Inconclusive),
                    KeyCode::Char('o') => Some(Verdict::Open),
                    _ => None,
                };
                self.mode = match verdict {
                    Some(verdict) => {
                        let current = self
                            .board
                            .card(&card)
                            .and_then(|c| c.hypothesis.as_ref())
                            .and_then(|h| h.result.as_ref())
                            .map(crate::ops::show_value)
                            .unwrap_or_default();
                        Mode::Prompt(Prompt::new(Purpose::Result { card, verdict }, current))
                    }
                    None => Mode::Board,
                };
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
                    let undo = self.undo_for(&card, "archive");
                    return vec![Effect::Apply {
                        action: Action::Archive { card },
                        undo,
                    }];
                }
                self.set_message("archive cancelled", false);
                Vec::new()
            }
        }
    }

    fn on_board_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.code == KeyCode::Esc {
            if !self.filter.is_empty() {
                self.set_filter("");
                self.set_message("filter cleared", false);
            }
            return Vec::new();
        }
        match self.keymap.lookup(&key) {
            Some(cmd) => self.run(cmd),
            None => Vec::new(),
        }
    }

    /// Run a command from the keymap.
    pub fn run(&mut self, cmd: Command) -> Vec<Effect> {
        let per_page = layout::cards_per_page(self.size).max(1);
        match cmd {
            Command::Left => self.select(self.col.saturating_sub(1), self.row),
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
                } else if let Some(p) = self.selected_problem() {
                    self.set_message(p, true);
                }
            }
            Command::New => match self.lane_id(self.col).map(str::to_string) {
                Some(lane) => {
                    self.mode = Mode::Prompt(Prompt::new(Purpose::NewCard { lane }, String::new()))
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
                    self.mode = Mode::PickVerdict { card: c.id.clone() };
                }
            }
            Command::Archive => {
                if let Some(c) = self.selected_card() {
                    self.mode = Mode::ConfirmArchive { card: c.id.clone() };
                }
            }
            Command::Undo => match self.undo.clone() {
                Some(u) => {
                    let inverse = self.undo_for(&u.card, &format!("undo of {}", u.what));
                    return vec![Effect::Apply {
                        action: Action::Revert {
                            card: u.card,
                            to: u.before.map(Box::new),
                            undoing: u.what,
                        },
                        undo: inverse,
                    }];
                }
                None => self.set_message("nothing to undo", false),
            },
            Command::Filter => {
                let before = self.filter.text.clone();
                self.mode = Mode::Prompt(Prompt::new(
                    Purpose::Filter {
                        before: before.clone(),
                    },
                    before,
                ));
            }
            Command::Reload => return vec![Effect::Reload],
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
                    scroll: 0,
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
            Command::Help => self.mode = Mode::Help { scroll: 0 },
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

    /// How to undo a change to `card` made now.
    fn undo_for(&self, card: &str, what: &str) -> Option<Undo> {
        Some(Undo {
            card: card.to_string(),
            before: self.board.card(card).cloned(),
            what: what.to_string(),
        })
    }

    fn move_sideways(&mut self, left: bool) -> Vec<Effect> {
        let Some(card) = self.selected_card().cloned() else {
            return Vec::new();
        };
        let Some(from) = self.board.config.lane_index(&card.lane) else {
            self.set_message(
                format!("{} is in an unknown lane; edit it to fix", card.short_id()),
                true,
            );
            return Vec::new();
        };
        let to = if left {
            from.checked_sub(1)
        } else {
            Some(from + 1)
        };
        let Some(lane) = to.and_then(|i| self.board.config.lanes.get(i)) else {
            return Vec::new();
        };
        self.move_card(&card, lane.id.clone(), None)
    }

    fn move_card(
        &mut self,
        card: &Card,
        lane: String,
        placement: Option<Placement>,
    ) -> Vec<Effect> {
        let undo = self.undo_for(&card.id, &format!("move to {lane}"));
        self.selected_id = Some(card.id.clone());
        vec![Effect::Apply {
            action: Action::Move {
                card: card.id.clone(),
                lane,
                placement,
            },
            undo,
        }]
    }

    fn reorder(&mut self, up: bool) -> Vec<Effect> {
        let Some(card) = self.selected_card().cloned() else {
            return Vec::new();
        };
        let Some(lane) = self.lane_id(self.col).map(str::to_string) else {
            return Vec::new();
        };
        let items = &self.columns[self.col].items;
        // Place relative to the neighbour among the shown cards.
        let placement = if up {
            match self.row.checked_sub(1).and_then(|r| items.get(r)) {
                Some(&i) => Placement::Before(self.board.cards[i].id.clone()),
                None => return Vec::new(),
            }
        } else {
            match items.get(self.row + 1) {
                Some(&i) => Placement::After(self.board.cards[i].id.clone()),
                None => return Vec::new(),
            }
        };
        self.move_card(&card, lane, Some(placement))
    }

    fn on_prompt_key(&mut self, mut p: Prompt, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                if let Purpose::Filter { .. } = p.purpose {
                    self.set_filter("");
                }
                self.mode = Mode::Board;
                return Vec::new();
            }
            KeyCode::Enter => {
                self.mode = Mode::Board;
                return self.submit(p);
            }
            KeyCode::Char('u') if ctrl => {
                p.input.clear();
                p.cursor = 0;
            }
            KeyCode::Char('c') if ctrl => {
                self.mode = Mode::Board;
                return Vec::new();
            }
            KeyCode::Char(c) if !ctrl => {
                let at = p.byte_at(p.cursor);
                p.input.insert(at, c);
                p.cursor += 1;
            }
            KeyCode::Backspace if p.cursor > 0 => {
                let at = p.byte_at(p.cursor - 1);
                p.input.remove(at);
                p.cursor -= 1;
            }
            KeyCode::Delete if p.cursor < p.input.chars().count() => {
                let at = p.byte_at(p.cursor);
                p.input.remove(at);
            }
            KeyCode::Left => p.cursor = p.cursor.saturating_sub(1),
            KeyCode::Right => p.cursor = (p.cursor + 1).min(p.input.chars().count()),
            KeyCode::Home => p.cursor = 0,
            KeyCode::End => p.cursor = p.input.chars().count(),
            _ => {}
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
        self.rebuild();
    }

    fn submit(&mut self, p: Prompt) -> Vec<Effect> {
        let text = p.input.trim().to_string();
        let list = |s: &str| -> serde_yaml::Value {
            serde_yaml::Value::Sequence(
                s.split(',')
                    .map(|x| x.trim().trim_start_matches('@'))
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
        let (action, card, what) = match p.purpose.clone() {
            Purpose::Filter { .. } => return Vec::new(),
            Purpose::NewCard { lane } => {
                if text.is_empty() {
                    return Vec::new();
                }
                let new = ops::NewCard {
                    title: text,
                    lane: Some(lane),
                    ..Default::default()
                };
                return vec![Effect::Apply {
                    action: Action::Add(Box::new(new)),
                    undo: None,
                }];
            }
            Purpose::Title { card } => {
                if text.is_empty() {
                    self.set_message("a card needs a title", true);
                    return Vec::new();
                }
                (
                    set(&card, "title", serde_yaml::Value::String(text)),
                    card,
                    "title",
                )
            }
            Purpose::Labels { card } => (set(&card, "labels", list(&text)), card, "labels"),
            Purpose::Assignees { card } => {
                (set(&card, "assignees", list(&text)), card, "assignees")
            }
            Purpose::Due { card } => {
                let v = if text.is_empty() {
                    serde_yaml::Value::Null
                } else {
                    serde_yaml::Value::String(text)
                };
                (set(&card, "due", v), card, "due date")
            }
            Purpose::Note { card } => {
                if text.is_empty() {
                    return Vec::new();
                }
                (
                    Action::Note {
                        card: card.clone(),
                        text,
                    },
                    card,
                    "note",
                )
            }
            Purpose::Result { card, verdict } => {
                let result = if text.is_empty() {
                    None
                } else {
                    crate::store::parse_value(&text).ok()
                };
                (
                    Action::Verdict {
                        card: card.clone(),
                        verdict,
                        result,
                    },
                    card,
                    "verdict",
                )
            }
        };
        let undo = self.undo_for(&card, what);
        vec![Effect::Apply { action, undo }]
    }

    /// A mouse event.
    pub fn on_mouse(&mut self, m: MouseEvent) -> Vec<Effect> {
        if self.mode != Mode::Board {
            if let MouseEventKind::Down(_) = m.kind {
                if matches!(self.mode, Mode::Detail { .. } | Mode::Help { .. }) {
                    self.mode = Mode::Board;
                }
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
    pub fn on_applied(&mut self, result: Result<ops::Outcome, String>, undo: Option<Undo>) {
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
                match &outcome.written {
                    Some(card) => self.upsert(card.clone()),
                    None => self.remove(&outcome.card),
                }
                if outcome.commit.is_none() && !outcome.changed.is_empty() {
                    self.status.uncommitted += 1;
                }
                self.selected_id = outcome
                    .written
                    .as_ref()
                    .filter(|c| !c.archived)
                    .map(|c| c.id.clone())
                    .or(self.selected_id.take());
                if undo.is_some() {
                    self.undo = undo;
                } else if let Some(c) = &outcome.written {
                    // A new card: undo removes it.
                    self.undo = Some(Undo {
                        card: c.id.clone(),
                        before: None,
                        what: "add".into(),
                    });
                }
                self.rebuild();
            }
            Err(e) => self.set_message(e, true),
        }
    }

    /// A sync finished on the worker.
    pub fn on_synced(&mut self, result: Result<crate::sync::Report, String>, now: i64) {
        match result {
            Ok(report) => {
                let summary = report.summary();
                self.set_message(summary.clone(), report.offline.is_some());
                self.sync = match &report.offline {
                    Some(_) => SyncState::Failed {
                        message: format!("offline · {} ahead", report.ahead),
                        at: now,
                    },
                    None => SyncState::Done { summary, at: now },
                };
                if !report.changed.is_empty() {
                    let hint = self.keymap.hint(Command::Changes);
                    self.set_message(
                        format!("{} · {hint}: what changed", report.summary()),
                        false,
                    );
                }
                self.last_sync = Some(report);
            }
            Err(e) => {
                self.set_message(e.clone(), true);
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
        let undo = self.undo_for(&c.card, &c.field);
        match choice {
            Choice::Mine => vec![Effect::Apply {
                action: Action::Set {
                    card: c.card,
                    fields: vec![(c.field, c.mine)],
                },
                undo,
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
                undo,
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
        self.rebuild();
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
            | Command::EditTitle
            | Command::EditLabels
            | Command::EditAssignees
            | Command::EditDue
            | Command::Note
            | Command::Verdict
            | Command::Archive
    )
}

impl Prompt {
    pub fn new(purpose: Purpose, input: String) -> Prompt {
        let cursor = input.chars().count();
        Prompt {
            purpose,
            input,
            cursor,
            seen: None,
        }
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.input
            .char_indices()
            .nth(chars)
            .map_or(self.input.len(), |(b, _)| b)
    }
}
