//! Moving cards with `H` `L` `J` `K`: each press shows at once; the
//! presses on one card become one commit once the keys pause. `m` and a
//! lane's number move a card there in one commit, the same way.

use super::{App, ColumnKind, Effect, Mode, Work};
use crate::model::Card;
use crate::ops::{self, Action, Placement};
use crate::tui::moves::{self, Intent, Moved};

impl App {
    /// `H`/`L`: the card moves to the next lane on screen at once; the
    /// commit waits for the keys to pause, and each press counts from
    /// where the screen shows the card (`L L`: two lanes on).
    pub(super) fn move_sideways(&mut self, left: bool) -> Vec<Effect> {
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

    /// `m` then a key: a lane's number (1-9) moves the card there at once,
    /// one commit by the path `H`/`L` take; anything else cancels.
    pub(super) fn on_pick_lane_key(
        &mut self,
        card: String,
        key: ratatui::crossterm::event::KeyEvent,
    ) -> Vec<Effect> {
        use ratatui::crossterm::event::KeyCode;
        self.mode = Mode::Board;
        let lanes = self.board.config.lanes.len();
        let n = match key.code {
            KeyCode::Char(c @ '1'..='9') => c as usize - '0' as usize,
            KeyCode::Esc => {
                self.cancelled("move");
                return Vec::new();
            }
            _ => {
                self.set_message(
                    format!("move cancelled: type a lane's number, 1-{}", lanes.min(9)),
                    false,
                );
                return Vec::new();
            }
        };
        let Some(to) = self.board.config.lanes.get(n - 1).map(|l| l.id.clone()) else {
            self.warn(format!(
                "the board has {lanes} lane{}: type 1-{}",
                if lanes == 1 { "" } else { "s" },
                lanes.min(9)
            ));
            return Vec::new();
        };
        // The card where the screen shows it (moves in flight included).
        let Some(shown) = self
            .selected_card()
            .filter(|c| c.id == card)
            .and_then(|_| self.lane_id(self.col))
            .map(str::to_string)
        else {
            self.warn("the card is gone");
            return Vec::new();
        };
        let short = crate::model::id::short(&card).to_string();
        let (Some(from_i), Some(to_i)) = (
            self.board.config.lane_index(&shown),
            self.board.config.lane_index(&to),
        ) else {
            self.set_message(
                format!("{short} is in an unknown lane; edit it to fix"),
                true,
            );
            return Vec::new();
        };
        if from_i == to_i {
            self.set_message(format!("{short} is already in lane {n}, {to}"), false);
            return Vec::new();
        }
        let step = to_i as i64 - from_i as i64;
        let mut effects = self.press_move(&card, &shown, |i| {
            i.lanes += step;
            i.places = 0;
            i.to = to;
        });
        // No pause to wait for: the move is whole.
        effects.extend(self.flush_moves());
        effects
    }

    pub(super) fn move_card(
        &mut self,
        card: &Card,
        lane: String,
        placement: Option<Placement>,
    ) -> Vec<Effect> {
        self.selected_id = Some(card.id.clone());
        let mut effects = self.flush_moves();
        effects.push(Effect::apply(Action::Move {
            card: card.id.clone(),
            lane: Some(lane),
            placement,
        }));
        effects
    }

    /// `J`/`K`: the card moves on screen at once; the commit waits for
    /// the keys to pause, so five presses are one commit.
    pub(super) fn reorder(&mut self, up: bool) -> Vec<Effect> {
        let Some(card) = self.selected_card().cloned() else {
            return Vec::new();
        };
        let Some(lane) = self.lane_id(self.col).map(str::to_string) else {
            self.set_message("cards in this column cannot be ordered", false);
            return Vec::new();
        };
        // A view in its own order shows no rank to move a card along.
        if let Some((_, v)) = self.active_view().filter(|(_, v)| !v.sort.is_board_order()) {
            let sort = v.sort.key.name();
            self.set_message(
                format!(
                    "this view sorts by {sort}: cards are reordered in the board's order ({} shows it)",
                    self.keymap.hint(crate::tui::command::KeyCommand::AllCards)
                ),
                false,
            );
            return Vec::new();
        }
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
    pub(super) fn press_move(
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
    pub fn on_moved(&mut self, id: u64, result: Result<Moved, ops::Error>) {
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
            Err(e) => self.failed(e),
        }
        // Without the move, the board shows the card where it is.
        self.rebuild();
    }
}
