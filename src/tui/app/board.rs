//! Keys on the board: the keymap's commands.

use super::{About, App, ColumnKind, Effect, HypSort, Level, Mode, Prompt, Purpose, SyncState};
use crate::model::Card;
use crate::tui::command::KeyCommand;
use crate::tui::layout;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

impl App {
    pub(super) fn on_board_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.code == KeyCode::Esc {
            if !self.filter.is_empty() {
                self.set_filter("");
                self.set_message("filter cleared", false);
            } else if self.view.is_some() {
                self.leave_view();
            } else if self.message.is_some() {
                self.message = None;
            }
            return Vec::new();
        }
        match self.keymap.lookup(&key) {
            // The digit pressed is the view's number.
            Some(KeyCommand::View) => match key.code {
                KeyCode::Char(d @ '1'..='9') => {
                    self.show_view(d as usize - '0' as usize);
                    Vec::new()
                }
                _ => self.run(KeyCommand::View),
            },
            Some(cmd) => self.run(cmd),
            None => {
                if let Some(k) = crate::tui::keymap::Key::from_event(&key) {
                    self.warn(format!(
                        "{k} does nothing here; {} lists the keys",
                        self.keymap.hint(KeyCommand::Help)
                    ));
                }
                Vec::new()
            }
        }
    }

    /// Run a command from the keymap.
    pub fn run(&mut self, cmd: KeyCommand) -> Vec<Effect> {
        let per_page = layout::cards_per_page(self.size).max(1);
        if cmd.needs_card()
            && self.selected_card().is_none()
            && !(cmd == KeyCommand::Edit && self.selected_problem_path().is_some())
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
            KeyCommand::Left if self.col == 0 => self.set_message("already the first lane", false),
            KeyCommand::Right if self.col + 1 >= self.columns.len() => {
                self.set_message("already the last lane", false)
            }
            KeyCommand::Left => self.select(self.col - 1, self.row),
            KeyCommand::Right => self.select(self.col + 1, self.row),
            KeyCommand::Up => self.select(self.col, self.row.saturating_sub(1)),
            KeyCommand::Down => self.select(self.col, self.row + 1),
            KeyCommand::First => self.select(self.col, 0),
            KeyCommand::Last => self.select(self.col, usize::MAX),
            KeyCommand::PageUp => self.select(self.col, self.row.saturating_sub(per_page)),
            KeyCommand::PageDown => self.select(self.col, self.row + per_page),
            KeyCommand::MoveLeft | KeyCommand::MoveRight => {
                return self.move_sideways(cmd == KeyCommand::MoveLeft)
            }
            KeyCommand::MoveUp | KeyCommand::MoveDown => {
                return self.reorder(cmd == KeyCommand::MoveUp)
            }
            KeyCommand::MoveToLane => {
                if let Some(c) = self.selected_card() {
                    self.mode = Mode::PickLane { card: c.id.clone() };
                }
            }
            KeyCommand::Open => {
                if self.selected_card().is_some() {
                    self.mode = Mode::Detail { scroll: 0 };
                } else if let (Some(p), Some(path)) =
                    (self.selected_problem(), self.selected_problem_path())
                {
                    self.say(p, Level::Error, Some(About::File(path)));
                    self.message_open = true;
                }
            }
            // The title prompt at once; Tab in it switches the kind.
            KeyCommand::New => match self.lane_id(self.col).map(str::to_string) {
                Some(lane) => {
                    let kinds = self.kinds();
                    let kind = kinds
                        .iter()
                        .find(|k| *k == "task")
                        .unwrap_or(&kinds[0])
                        .clone();
                    self.mode = Mode::Prompt(Prompt::new_card(lane, &kind, kinds));
                }
                None => self.set_message("new cards go in a lane of the board", true),
            },
            KeyCommand::Edit => {
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
            // One field's prompt, the field chosen by the key.
            KeyCommand::EditTitle => self.edit_field("title"),
            KeyCommand::EditLabels => self.edit_field("labels"),
            KeyCommand::EditAssignees => self.edit_field("assignees"),
            KeyCommand::EditDue => self.edit_field("due"),
            KeyCommand::EditField => self.pick_field(),
            KeyCommand::Note => {
                self.prompt_for(|c| (Purpose::Note { card: c.id.clone() }, String::new()))
            }
            KeyCommand::Verdict => {
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
            KeyCommand::RecordResult => {
                if let Some(c) = self.selected_card() {
                    let metric = c
                        .hypothesis
                        .as_ref()
                        .and_then(|h| h.metric.clone().or_else(|| h.metric_key.clone()));
                    match metric {
                        Some(metric) => {
                            let card = c.id.clone();
                            self.set_message(format!("looking for runs that logged {metric}…"), false);
                            return vec![Effect::LoadRuns { card }];
                        }
                        None => self.set_message(
                            format!(
                                "{} has no hypothesis metric to read from a run; {} makes it a hypothesis",
                                c.short_id(),
                                self.keymap.hint(KeyCommand::Verdict)
                            ),
                            false,
                        ),
                    }
                }
            }
            KeyCommand::Checklist => {
                if let Some(c) = self.selected_card() {
                    if c.checklist.is_empty() {
                        self.set_message(
                            format!(
                                "{} has no checklist; add items in $EDITOR ({})",
                                c.short_id(),
                                self.keymap.hint(KeyCommand::Edit)
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
            KeyCommand::Conflicts => {
                if let Some(c) = self.selected_card() {
                    if crate::ops::resolve::recorded(c).is_empty() {
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
            KeyCommand::Links => {
                if let Some(c) = self.selected_card() {
                    let card = c.id.clone();
                    self.open_links(card);
                }
            }
            KeyCommand::AddLink => {
                if let Some(c) = self.selected_card() {
                    let card = c.id.clone();
                    self.pick_card(card);
                }
            }
            KeyCommand::Problems => self.next_problem(),
            KeyCommand::Messages => {
                if self.log.is_empty() {
                    self.set_message("no messages yet", false);
                } else {
                    // Open at the end: the newest messages.
                    self.mode = Mode::Messages { scroll: u16::MAX };
                    let max = crate::tui::view::measure(self, self.size).limit;
                    self.mode = Mode::Messages { scroll: max };
                }
            }
            KeyCommand::Lane => match self.columns.get(self.col).map(|c| c.kind.clone()) {
                Some(ColumnKind::Lane(_)) => self.mode = Mode::Lane { scroll: 0 },
                _ => self.set_message("not a lane of the board", false),
            },

            KeyCommand::Archive => {
                if let Some(c) = self.selected_card() {
                    self.mode = Mode::ConfirmArchive { card: c.id.clone() };
                }
            }
            KeyCommand::Undo => {
                self.set_message("undoing…", false);
                return vec![Effect::Undo];
            }
            KeyCommand::Redo => {
                self.set_message("redoing…", false);
                return vec![Effect::Redo];
            }
            KeyCommand::Filter => {
                let before = self.filter.text.clone();
                self.mode = Mode::Prompt(Prompt::new(
                    Purpose::Filter {
                        before: before.clone(),
                    },
                    before,
                ));
            }
            KeyCommand::Reload => {
                self.announce_reload = true;
                self.set_message("reloading the board from disk…", false);
                return vec![Effect::Reload];
            }
            KeyCommand::Sync => {
                if self.sync == SyncState::Running {
                    self.set_message("a sync is already running", false);
                } else {
                    self.sync = SyncState::Running;
                    return vec![Effect::Sync];
                }
            }
            KeyCommand::History => {
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
            KeyCommand::Hypotheses => {
                self.mode = Mode::Hypotheses {
                    cursor: 0,
                    sort: HypSort::Lane,
                };
                return vec![Effect::LoadInsights];
            }
            KeyCommand::Flow => {
                self.mode = Mode::Flow { scroll: 0 };
                return vec![Effect::LoadInsights];
            }
            KeyCommand::Changes => match &self.last_sync {
                Some(_) => self.mode = Mode::Changes { scroll: 0 },
                None => self.set_message(
                    format!(
                        "no sync yet in this session; press {} to sync",
                        self.keymap.hint(KeyCommand::Sync)
                    ),
                    false,
                ),
            },
            KeyCommand::Palette => self.open_palette(""),
            // Without a number: the palette, on the views.
            KeyCommand::View => self.open_palette("view"),
            KeyCommand::AllCards => self.leave_view(),
            KeyCommand::Help => {
                self.back = None;
                self.mode = Mode::help();
            }
            KeyCommand::Quit => return vec![Effect::Quit],
        }
        Vec::new()
    }

    pub(super) fn prompt_for(&mut self, f: impl Fn(&Card) -> (Purpose, String)) {
        if let Some(c) = self.selected_card() {
            let (purpose, initial) = f(c);
            let mut p = Prompt::new(purpose, initial);
            p.seen = Some(c.clone());
            self.mode = Mode::Prompt(p);
        }
    }

    /// Select the next thing that needs attention: an unreadable file or
    /// a card with recorded conflicts.
    pub(super) fn next_problem(&mut self) {
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
                        self.keymap.hint(KeyCommand::Conflicts)
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
}
