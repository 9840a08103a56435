//! Drawing: a pure function of the app state.

mod board;
mod detail;
mod help;
mod status;
pub mod text;

use super::app::{App, Mode};
use ratatui::layout::Rect;
use ratatui::Frame;

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let screen = super::layout::screen(app, area);
    board::draw(frame, app, &screen);
    status::draw(frame, app, screen.bottom);
    match &app.mode {
        Mode::Detail { scroll } => detail::draw(frame, app, popup(area, 92, 90), *scroll),
        Mode::Help { scroll } => help::draw(frame, app, popup(area, 80, 90), *scroll),
        _ => {}
    }
}

/// A centred area taking `pw`% of the width and `ph`% of the height.
fn popup(area: Rect, pw: u16, ph: u16) -> Rect {
    let w = (area.width as u32 * pw as u32 / 100) as u16;
    let h = (area.height as u32 * ph as u32 / 100) as u16;
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
