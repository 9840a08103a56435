//! Which cards each column shows (filter, moves in progress, unknown
//! lanes, unreadable files), and keeping the selection on screen.

use super::{App, Column, ColumnKind};
use crate::model::filter::{Filter, Scope};
use crate::tui::layout;
use crate::tui::moves::{self, Intent};
use ratatui::layout::Rect;

impl App {
    /// Recompute the columns from the board and the filter, keeping the
    /// selection on the same card if it is still shown.
    pub fn rebuild(&mut self) {
        // Once per change to the board, never per frame.
        self.board.refresh_links();
        let config = &self.board.config;
        let view = self.active_view().map(|(_, v)| v);
        let stale = |id: &str| self.stale.contains_key(id);
        let scope = Scope {
            me: &self.me,
            today: self.today,
            stale: &stale,
            linked: Default::default(),
        };
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
            let linked = Scope {
                linked: self.linked(card),
                ..scope
            };
            let in_view = view.is_none_or(|v| v.shows(card, &linked));
            // Archived cards show only in a view that asks for them.
            if card.archived && !(view.is_some() && in_view) {
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
            if !card.archived {
                columns[col].total += 1;
            }
            if moved.is_some_and(|s| s.entered) {
                // Placed below, at the bottom of its new lane.
                continue;
            }
            // A card being moved stays in sight, whatever the filter.
            if (in_view && self.filter.matches_in(card, &linked))
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
        if let Some(v) = view {
            // A view in its own order, with the lanes it names.
            if !v.sort.is_board_order() {
                let cards = &self.board.cards;
                for c in &mut columns {
                    c.items
                        .sort_by(|a, b| v.sort.compare(&cards[*a], &cards[*b]));
                }
            }
            if !v.lanes.is_empty() {
                columns.retain(|c| match &c.kind {
                    ColumnKind::Lane(l) => v.shows_lane(&config.lanes[*l].id),
                    _ => false,
                });
            }
        }
        let filtered = !self.filter.is_empty() || view.is_some_and(|v| !v.filter.is_empty());
        if filtered && view.is_none_or(|v| v.lanes.is_empty()) {
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
    pub(super) fn shown_moves(&self) -> Vec<(usize, moves::Shown)> {
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
    pub(super) fn reselect(&mut self) {
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

    pub(super) fn clamp_row(&mut self) {
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

    pub(super) fn select(&mut self, col: usize, row: usize) {
        self.col = col.min(self.columns.len().saturating_sub(1));
        self.row = row;
        self.clamp_row();
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = Rect::new(0, 0, width, height);
        self.ensure_visible();
    }

    /// Select a card on the board, clearing a filter that hides it.
    pub(super) fn show_card(&mut self, id: &str) {
        self.selected_id = Some(id.to_string());
        self.rebuild();
        if self.selected_card().map(|c| c.id.as_str()) != Some(id) && !self.filter.is_empty() {
            self.set_filter("");
            self.selected_id = Some(id.to_string());
            self.rebuild();
            self.set_message("filter cleared to show the card", false);
        }
    }

    pub fn set_filter(&mut self, text: &str) {
        self.filter = Filter::parse(text).with_schema(&self.board.config.fields);
        if !self.filter.is_empty() {
            self.keep_visible = None;
        }
        self.rebuild();
    }
}
