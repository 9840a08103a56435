//! Where things go on the screen: pure geometry (the terminal's size, how
//! many columns there are and which comes first, how long and how far
//! scrolled each is), shared by drawing and by mouse hit-testing. It knows
//! nothing of the board or the app.

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

/// The screen split for `columns` columns, `first_col` the leftmost shown.
pub fn screen(first_col: usize, columns: usize, area: Rect) -> Screen {
    let top = Rect::new(area.x, area.y, area.width, TOP_ROWS.min(area.height));
    let bottom_y = area.y + area.height.saturating_sub(BOTTOM_ROWS);
    let bottom = Rect::new(area.x, bottom_y, area.width, BOTTOM_ROWS.min(area.height));
    let body_y = area.y + TOP_ROWS;
    let body_h = area.height.saturating_sub(TOP_ROWS + BOTTOM_ROWS);
    let n = visible_columns(area.width, columns);
    let shown: Vec<usize> = (first_col..columns).take(n).collect();
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

/// What is at (`x`, `y`) on `screen`: `first_row[col]` is the first card
/// shown in a column, `lens[col]` how many cards it has.
pub fn hit_test(
    screen: &Screen,
    first_row: &[usize],
    lens: &[usize],
    x: u16,
    y: u16,
) -> Option<Hit> {
    for &(col, area) in &screen.columns {
        if x < area.x || x >= area.right() || y < area.y || y >= area.bottom() {
            continue;
        }
        if y >= area.y + LANE_HEADER_ROWS {
            let k = ((y - area.y - LANE_HEADER_ROWS) / CARD_ROWS) as usize;
            let row = first_row.get(col).copied().unwrap_or(0) + k;
            if row < lens.get(col).copied().unwrap_or(0) {
                return Some(Hit::Card { col, row });
            }
        }
        return Some(Hit::Column { col });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_alone_says_what_is_under_the_mouse() {
        // 80 columns hold three lanes of 26; the second of five comes first.
        let s = screen(1, 5, Rect::new(0, 0, 80, 24));
        let shown: Vec<usize> = s.columns.iter().map(|c| c.0).collect();
        assert_eq!(shown, [1, 2, 3]);
        let (_, lane2) = s.columns[1];
        let card = card_rect(lane2, 1);
        // Lane 2 is scrolled by 3 and holds 5 cards: the second card on
        // screen is its fifth; the third row of cards is past its end.
        let first_row = [0, 0, 3, 0, 0];
        let lens = [9, 9, 5, 9, 9];
        assert_eq!(
            hit_test(&s, &first_row, &lens, card.x, card.y),
            Some(Hit::Card { col: 2, row: 4 })
        );
        let below = card_rect(lane2, 2);
        assert_eq!(
            hit_test(&s, &first_row, &lens, below.x, below.y),
            Some(Hit::Column { col: 2 })
        );
        assert_eq!(hit_test(&s, &first_row, &lens, 5, 0), None, "the top bar");
    }
}
