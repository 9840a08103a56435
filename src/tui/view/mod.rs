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
    if let Some(why) = &app.board_missing {
        missing(frame, app, area, why);
        status::draw(frame, app, screen.bottom);
        return;
    }
    board::draw(frame, app, &screen);
    status::draw(frame, app, screen.bottom);
    match &app.mode {
        Mode::Detail { scroll } => detail::draw(frame, app, popup(area, 92, 90), *scroll),
        Mode::Help { scroll } => help::draw(frame, app, popup(area, 80, 90), *scroll),
        _ => {}
    }
}

/// The board folder is gone (a branch without a board): say so plainly.
fn missing(frame: &mut Frame, app: &App, area: Rect, why: &str) {
    use ratatui::text::Line;
    use ratatui::widgets::{Paragraph, Wrap};
    let lines = vec![
        Line::styled("No board here right now", app.theme.error()),
        Line::raw(""),
        Line::raw(format!(
            "{} has no readable .lanes/board.yaml (this branch may have no board).",
            text::fit(&app.root.display().to_string(), 60)
        )),
        Line::raw("The board comes back by itself when the folder does: switch back to a branch with a board, or run `lanes init`."),
        Line::raw(""),
        Line::styled(text::fit(why, 200), app.theme.muted()),
    ];
    let r = popup(area, 80, 50);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), r);
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
