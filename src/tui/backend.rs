//! The last gate between the board screen and the terminal: every cell
//! ratatui is about to draw is checked, and one holding a control
//! character, an escape or a bidirectional override (text that escaped
//! `tui::text`, from a path nobody thought of) is drawn as `?`. The views
//! make text safe where it is laid out; this makes sure.

use crate::model::text::is_deceptive;
use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

/// A backend that draws only safe cells (see the module docs).
pub struct Safe<B: Backend>(pub B);

/// Whether a cell's text may go to a terminal as it is.
pub fn cell_is_safe(symbol: &str) -> bool {
    !symbol.chars().any(|c| c.is_control() || is_deceptive(c))
}

impl<B: Backend> Backend for Safe<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<(u16, u16, &Cell)> = content.collect();
        if cells.iter().all(|(_, _, c)| cell_is_safe(c.symbol())) {
            return self.0.draw(cells.into_iter());
        }
        let fixed: Vec<(u16, u16, Cell)> = cells
            .into_iter()
            .map(|(x, y, c)| {
                let mut c = c.clone();
                if !cell_is_safe(c.symbol()) {
                    c.set_symbol("?");
                }
                (x, y, c)
            })
            .collect();
        self.0.draw(fixed.iter().map(|(x, y, c)| (*x, *y, c)))
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.0.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.0.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.0.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.0.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.0.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.0.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.0.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    #[test]
    fn unsafe_cells_never_reach_the_terminal() {
        let mut t = Terminal::new(Safe(TestBackend::new(12, 1))).unwrap();
        t.draw(|f| {
            // Straight into the buffer, past every view's own care.
            let buf = f.buffer_mut();
            // (ratatui itself refuses C0 and C1 controls in cells, in debug
            // builds by assertion; overrides and invisible marks it lets by.)
            buf[(0, 0)].set_symbol("\u{2066}");
            buf[(1, 0)].set_symbol("]");
            buf[(2, 0)].set_symbol("\u{200b}");
            buf[(3, 0)].set_symbol("\u{202e}");
            buf[(4, 0)].set_symbol("o");
            buf[(5, 0)].set_symbol("é");
        })
        .unwrap();
        let shown: Vec<String> = (0..6)
            .map(|x| t.backend().0.buffer()[(x, 0)].symbol().to_string())
            .collect();
        assert_eq!(shown, ["?", "]", "?", "?", "o", "é"]);
    }
}
