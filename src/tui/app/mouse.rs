//! The mouse: click, drag a card to another lane, the wheel.

use super::{App, Effect, Mode};
use crate::ops::Placement;
use crate::tui::command::KeyCommand;
use crate::tui::layout::{self, Hit};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

impl App {
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
                    let cmd = if down {
                        KeyCommand::Down
                    } else {
                        KeyCommand::Up
                    };
                    let code = if down { KeyCode::Down } else { KeyCode::Up };
                    return self.on_mode_key(KeyEvent::new(code, KeyModifiers::NONE), Some(cmd));
                }
                _ => {}
            }
            return Vec::new();
        }
        let lens: Vec<usize> = self.columns.iter().map(|c| c.items.len()).collect();
        let screen = layout::screen(self.first_col, self.columns.len(), self.size);
        let hit = layout::hit_test(&screen, &self.scroll, &lens, m.column, m.row);
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
}
