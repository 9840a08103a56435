//! Where things go on the screen. Pure functions of the terminal size and
//! the app state, shared by drawing and by mouse hit-testing.

use super::app::App;
use ratatui::layout::Rect;

/// Rows above the lanes (board name, lane scroll hints).
pub const TOP_ROWS: u16 = 1;
/// Rows below the lanes (status bar or prompt).
pub const BOTTOM_ROWS: u16 = 1;
/// Rows of a lane header (title line and rule).
pub const LANE_HEADER_ROWS: u16 = 2;
/// Rows a card takes, including the gap after it.
pub const CARD_ROWS: u16 = 4;
/// Narrowest a lane gets before lanes scroll sideways.
pub const MIN_COLUMN_WIDTH: u16 = 26;

/// How many cards fit in a lane.
pub fn cards_per_page(size: Rect) -> usize {
    let h = size
        .height
        .saturating_sub(TOP_ROWS + BOTTOM_ROWS + LANE_HEADER_ROWS);
    (h / CARD_ROWS) as usize
}

/// How many columns fit side by side.
pub fn visible_columns(width: u16, columns: usize) -> usize {
    ((width / MIN_COLUMN_WIDTH) as usize).clamp(1, columns.max(1))
}

/// The screen split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    pub top: Rect,
    /// (column index, area) for each visible column.
    pub columns: Vec<(usize, Rect)>,
    pub bottom: Rect,
}

pub fn screen(app: &App, area: Rect) -> Screen {
    let top = Rect::new(area.x, area.y, area.width, TOP_ROWS.min(area.height));
    let bottom_y = area.y + area.height.saturating_sub(BOTTOM_ROWS);
    let bottom = Rect::new(area.x, bottom_y, area.width, BOTTOM_ROWS.min(area.height));
    let body_y = area.y + TOP_ROWS;
    let body_h = area.height.saturating_sub(TOP_ROWS + BOTTOM_ROWS);
    let n = visible_columns(area.width, app.columns.len());
    let shown: Vec<usize> = (app.first_col..app.columns.len()).take(n).collect();
    let mut columns = Vec::with_capacity(shown.len());
    if !shown.is_empty() {
        let w = area.width / shown.len() as u16;
        let extra = area.width % shown.len() as u16;
        let mut x = area.x;
        for (k, col) in shown.into_iter().enumerate() {
            let width = w + u16::from((k as u16) < extra);
            columns.push((col, Rect::new(x, body_y, width, body_h)));
            x += width;
        }
    }
    Screen {
        top,
        columns,
        bottom,
    }
}

/// The area of the `k`-th visible card in a column area.
pub fn card_rect(column: Rect, k: usize) -> Rect {
    let y = column.y + LANE_HEADER_ROWS + k as u16 * CARD_ROWS;
    Rect::new(
        column.x + 1,
        y,
        column.width.saturating_sub(2),
        (CARD_ROWS - 1).min(column.bottom().saturating_sub(y)),
    )
}

/// What the mouse is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Card { col: usize, row: usize },
    Column { col: usize },
}

pub fn hit_test(app: &App, x: u16, y: u16) -> Option<Hit> {
    let s = screen(app, app.size);
    for (col, area) in s.columns {
        if x < area.x || x >= area.right() || y < area.y || y >= area.bottom() {
            continue;
        }
        if y >= area.y + LANE_HEADER_ROWS {
            let k = ((y - area.y - LANE_HEADER_ROWS) / CARD_ROWS) as usize;
            let row = app.scroll.get(col).copied().unwrap_or(0) + k;
            if row < app.columns[col].items.len() {
                return Some(Hit::Card { col, row });
            }
        }
        return Some(Hit::Column { col });
    }
    None
}
