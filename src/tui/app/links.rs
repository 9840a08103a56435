//! Keys in the links view (`b`): move among the cards a card is linked
//! to, go to one (`Enter`: selected on the board, its lane and scroll
//! brought into view), remove the selected link (`x`, then `y`), add one
//! (`a`).

use super::{App, Effect, LinkRow, Mode};
use crate::model::id;
use crate::ops::Action;
use crate::tui::command::KeyCommand;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

impl App {
    /// Open the links view of `card`; a card with no links says so.
    pub(super) fn open_links(&mut self, card: String) {
        if self.link_rows(&card).is_empty() {
            self.set_message(
                format!(
                    "{} has no links; {} links it to another card",
                    id::short(&card),
                    self.keymap.hint(KeyCommand::AddLink)
                ),
                false,
            );
            return;
        }
        self.mode = Mode::Links {
            card,
            cursor: 0,
            top: 0,
            unlink: false,
        };
    }

    pub(super) fn on_links_key(
        &mut self,
        card: String,
        cursor: usize,
        top: usize,
        unlink: bool,
        key: KeyEvent,
        cmd: Option<KeyCommand>,
    ) -> Vec<Effect> {
        let rows = self.link_rows(&card);
        let cards: Vec<usize> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r, LinkRow::Card(_)))
            .map(|(at, _)| at)
            .collect();
        if cards.is_empty() {
            // The last link went (a teammate's change, an unlink).
            self.close();
            self.set_message(format!("{} has no links now", id::short(&card)), false);
            return Vec::new();
        }
        let cursor = cursor.min(cards.len() - 1);
        let selected = match rows.get(cards[cursor]) {
            Some(LinkRow::Card(n)) => Some(*n),
            _ => None,
        };
        if unlink {
            let Some(n) = selected.filter(|_| key.code == KeyCode::Char('y')) else {
                self.set_message("the link stays", false);
                self.mode = self.links_mode(card, cursor, top, false);
                return Vec::new();
            };
            let ix = self.links();
            let (stores, kind, other) = n.link;
            let (stores, other) = (ix.id(stores).to_string(), ix.id(other).to_string());
            self.mode = self.links_mode(card, cursor, top, false);
            self.set_message("unlinking…", false);
            return vec![Effect::apply(Action::Unlink {
                card: stores,
                kind,
                other,
            })];
        }
        let page = crate::tui::view::measure(self, self.size).page as usize;
        let to = match cmd {
            Some(KeyCommand::Down) => Some(cursor + 1),
            Some(KeyCommand::Up) => Some(cursor.saturating_sub(1)),
            Some(KeyCommand::PageDown) => Some(cursor + page),
            Some(KeyCommand::PageUp) => Some(cursor.saturating_sub(page)),
            Some(KeyCommand::First) => Some(0),
            Some(KeyCommand::Last) => Some(usize::MAX),
            _ => None,
        };
        if let Some(to) = to {
            let to = to.min(cards.len() - 1);
            if to == cursor && matches!(cmd, Some(KeyCommand::Down | KeyCommand::PageDown)) {
                self.set_message("at the end", false);
            }
            // The row shown: the side's heading too when it is the first
            // card; the first row once back at the top.
            let row = cards[to];
            let first = if to == 0 { 0 } else { row.saturating_sub(1) };
            let top = if row >= top + page {
                row + 1 - page
            } else {
                top.min(first)
            };
            self.mode = self.links_mode(card, to, top, false);
            return Vec::new();
        }
        match (key.code, cmd) {
            (KeyCode::Enter, _) | (_, Some(KeyCommand::Open)) => {
                if let Some(n) = selected {
                    let to = self.links().id(n.card).to_string();
                    self.go_to_card(&to);
                }
            }
            (KeyCode::Char('x') | KeyCode::Delete, _) => {
                if let Some(n) = selected {
                    let ix = self.links();
                    let (stores, kind, other) = n.link;
                    let what = format!(
                        "remove the link \"{} {} {}\"? y: yes · any other key: no",
                        id::short(ix.id(stores)),
                        kind.verb(),
                        id::short(ix.id(other))
                    );
                    self.warn(what);
                    self.mode = self.links_mode(card, cursor, top, true);
                }
            }
            (_, Some(KeyCommand::AddLink)) => {
                self.back = Some(Box::new(self.links_mode(card.clone(), cursor, top, false)));
                self.pick_card(card);
            }
            (KeyCode::Esc, _) | (_, Some(KeyCommand::Quit | KeyCommand::Links)) => self.close(),
            (_, Some(KeyCommand::Help)) => {
                self.back = Some(Box::new(self.links_mode(card, cursor, top, false)));
                self.mode = Mode::Help {
                    scroll: 0,
                    query: None,
                };
            }
            _ => self.warn(format!(
                "links: j/k select · Enter goes to the card · x unlinks · {} adds · Esc closes",
                self.keymap.hint(KeyCommand::AddLink)
            )),
        }
        Vec::new()
    }

    fn links_mode(&self, card: String, cursor: usize, top: usize, unlink: bool) -> Mode {
        Mode::Links {
            card,
            cursor,
            top,
            unlink,
        }
    }

    /// Select `id` on the board, as the links view's `Enter` does: the
    /// view closes, the card's lane and row scroll into view (a filter
    /// hiding it is cleared). An archived card is not on the board: the
    /// view stays and says so.
    pub(super) fn go_to_card(&mut self, id_: &str) {
        let Some(card) = self.board.card(id_) else {
            self.warn(format!("{} is not on the board", id::short(id_)));
            return;
        };
        if card.archived {
            let msg = format!(
                "{} {} is archived: not on the board (`lanes restore` brings it back)",
                card.short_id(),
                card.title
            );
            self.warn(msg);
            return;
        }
        let msg = format!("at {} {}", card.short_id(), card.title);
        self.back = None;
        self.mode = Mode::Board;
        self.set_message(msg, false);
        // (says so if it clears a filter)
        self.show_card(id_);
    }
}
