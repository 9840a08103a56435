//! The board screen's state and how keys, mouse and results change it,
//! Elm-style: the model is [`App`] (`state.rs` and `mode.rs`, which know
//! no keys, no terminal and no drawing); [`App::update`] takes every
//! event and hands keys to the open mode's own file; every update returns
//! [`Effect`]s for the event loop to run (work for the worker, the editor,
//! quitting). Tests drive it directly.

mod board;
mod checklist;
mod columns;
mod conflicts;
mod effect;
mod fields;
mod files;
mod help;
mod hypotheses;
mod linking;
mod links;
mod mode;
mod mouse;
mod moving;
mod palette;
mod prompts;
mod results;
mod scroll;
mod state;
mod views;

pub use crate::tui::messages::{About, Level, Log, Message};
pub use crate::tui::prompt::{Check, HypDraft, HypStep, Prompt, Purpose};
pub use effect::{Effect, Runner};
pub use linking::{find_cards, LINK_KEYS, PICK_ROWS};
pub use mode::{HypSort, Mode};
pub use state::{
    App, Column, ColumnKind, Insights, LinkRow, Pending, Reload, RepoStatus, SyncState, Work,
    LINK_ROWS,
};

use crate::model::Card;
use crate::store;
use crate::tui::command::KeyCommand;
use crate::tui::moves::Moved;
use crate::tui::Event;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

impl App {
    /// One event: the state changes it makes, and the work it asks for.
    pub fn update(&mut self, ev: Event) -> Vec<Effect> {
        match ev {
            Event::Key(k) => self.on_key(k),
            Event::Mouse(m) => self.on_mouse(m),
            Event::Resize(w, h) => {
                self.resize(w, h);
                Vec::new()
            }
            Event::Applied(result) => {
                let done = result.is_ok();
                self.on_applied(result);
                // The cards may have changed: evidence is checked again.
                if done {
                    self.check_stale().into_iter().collect()
                } else {
                    Vec::new()
                }
            }
            Event::Moved(id, result) => {
                let done = matches!(result, Ok(Moved::Done(_)));
                self.on_moved(id, result);
                if done {
                    self.check_stale().into_iter().collect()
                } else {
                    Vec::new()
                }
            }
            Event::Undone(result) => {
                let done = result.is_ok();
                self.on_undone(result);
                // Undo writes card files and commits: read the board again.
                if done {
                    self.request_reload().into_iter().collect()
                } else {
                    Vec::new()
                }
            }
            Event::Loaded(result) => {
                self.work = Work::Idle;
                let mut effects: Vec<Effect> = self.reload_done().into_iter().collect();
                match result {
                    Ok(board) => self.on_loaded(board),
                    Err(e) if self.root.join(store::BOARD_FILE).exists() => {
                        self.say(e.to_string(), Level::Error, Some(About::Board))
                    }
                    Err(e) => self.board_missing = Some(e.to_string()),
                }
                // `dvc.lock` or a store may have changed too.
                effects.extend(self.check_stale());
                effects
            }
            Event::Status(s) => {
                self.on_status(s);
                Vec::new()
            }
            Event::Files(c) => self.on_files(c),
            Event::CardFiles(read) => {
                let mut effects = Vec::new();
                if self.on_card_files(read) {
                    effects.push(Effect::Status);
                }
                effects.extend(self.check_stale());
                effects
            }
            Event::Synced(result) => {
                let changed = result.as_ref().is_ok_and(|r| !r.changed.is_empty());
                self.on_synced(result, self.wall);
                if changed {
                    self.request_reload().into_iter().collect()
                } else {
                    Vec::new()
                }
            }
            Event::History(id, r) => {
                self.history = Some((id, r));
                Vec::new()
            }
            Event::Runs(card, offer) => {
                self.on_runs(card, offer);
                Vec::new()
            }
            Event::Stale(map) => {
                self.stale = map;
                // `is:stale` shows what was just found.
                let view = self
                    .active_view()
                    .is_some_and(|(_, v)| v.filter.needs_stale());
                if view || self.filter.needs_stale() {
                    self.rebuild();
                }
                Vec::new()
            }
            Event::Insights(r) => {
                self.insights = Some(r);
                Vec::new()
            }
            Event::AutoSync => {
                if self.sync == SyncState::Running {
                    Vec::new()
                } else {
                    self.sync = SyncState::Running;
                    vec![Effect::Sync]
                }
            }
            // Move presses waiting for a pause are committed first.
            Event::Terminate => {
                let mut effects = self.flush_moves();
                effects.push(Effect::Quit);
                effects
            }
        }
    }

    /// The event loop sent `effect` to the worker: the status bar says
    /// what runs.
    pub fn working_on(&mut self, effect: &Effect) {
        if let Some(what) = effect.doing() {
            self.work = Work::Running(what.into());
        }
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
                        KeyCommand::MoveUp
                            | KeyCommand::MoveDown
                            | KeyCommand::MoveLeft
                            | KeyCommand::MoveRight
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
    pub(super) fn escape_then(&self, key: &KeyEvent) -> Option<KeyEvent> {
        if !key.modifiers.contains(KeyModifiers::ALT) || self.keymap.lookup(key).is_some() {
            return None;
        }
        let editing = matches!(
            key.code,
            KeyCode::Backspace | KeyCode::Left | KeyCode::Right
        );
        let typing = matches!(
            self.mode,
            Mode::Prompt(_) | Mode::Palette { .. } | Mode::Help { query: Some(_), .. }
        );
        if editing && typing {
            return None;
        }
        let mut plain = *key;
        plain.modifiers.remove(KeyModifiers::ALT);
        Some(plain)
    }

    pub(super) fn on_mode_key(&mut self, key: KeyEvent, cmd: Option<KeyCommand>) -> Vec<Effect> {
        let mode = self.mode.clone();
        if let Some(scroll) = mode.scroll() {
            return self.on_scroll_key(&mode, scroll, key, cmd);
        }
        match mode {
            Mode::Board => self.on_board_key(key),
            Mode::Prompt(p) => self.on_prompt_key(p, key),
            Mode::Palette { query, cursor } => self.on_palette_key(query, cursor, key),
            Mode::Hypotheses { cursor, sort } => self.on_hypotheses_key(cursor, sort, key, cmd),
            Mode::PickVerdict { card } => self.on_pick_verdict_key(card, key),
            Mode::PickLane { card } => self.on_pick_lane_key(card, key),
            Mode::ConfirmHypothesis { card } => self.on_confirm_hypothesis_key(card, key),
            Mode::Resolve => self.on_resolve_key(key),
            Mode::ConfirmArchive { card } => self.on_confirm_archive_key(card, key),
            Mode::PickField { card, cursor } => self.on_pick_field_key(card, cursor, key, cmd),
            Mode::Checklist { card, cursor } => self.on_checklist_key(card, cursor, key, cmd),
            Mode::Conflicts { card, cursor } => self.on_conflicts_key(card, cursor, key, cmd),
            Mode::Links {
                card,
                cursor,
                top,
                unlink,
            } => self.on_links_key(card, cursor, top, unlink, key, cmd),
            Mode::PickCard { .. } => self.on_pick_card_key(mode, key),
            Mode::PickLinkKind { card, other } => self.on_pick_link_kind_key(card, other, key),
            // Scrolling views are handled above.
            _ => Vec::new(),
        }
    }

    pub(super) fn cancelled(&mut self, what: &str) {
        self.mode = Mode::Board;
        self.set_message(format!("{what} cancelled"), false);
    }

    /// Close the current view: back to the one it was opened from.
    pub(super) fn close(&mut self) {
        self.mode = self.back.take().map_or(Mode::Board, |m| *m);
    }

    /// The card a view is about; if it is gone (a pull removed it), the
    /// view closes and says so.
    pub(super) fn card_or_close(&mut self, id: &str) -> Option<Card> {
        let card = self.board.card(id).cloned();
        if card.is_none() {
            self.close();
            self.warn("the card is gone");
        }
        card
    }
}
