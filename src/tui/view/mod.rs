//! Drawing: a pure function of the app state.

mod board;
mod detail;
mod help;
mod insights;
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
        Mode::Changes { scroll } => changes(frame, app, popup(area, 80, 70), *scroll),
        Mode::History { card, scroll } => {
            insights::history(frame, app, popup(area, 92, 90), card, *scroll)
        }
        Mode::Hypotheses { scroll, sort } => {
            insights::hypotheses(frame, app, popup(area, 98, 92), *scroll, *sort)
        }
        Mode::Flow { scroll } => insights::flow(frame, app, popup(area, 98, 92), *scroll),
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

/// What the last sync brought in: cards added, moved, edited, with authors.
fn changes(frame: &mut Frame, app: &App, area: Rect, scroll: u16) {
    use ratatui::text::{Line, Span};
    use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};
    let t = &app.theme;
    let Some(report) = &app.last_sync else {
        return;
    };
    let mut lines = vec![Line::raw(report.summary()), Line::raw("")];
    if report.changed.is_empty() {
        lines.push(Line::styled("No cards changed.", t.muted()));
    }
    for c in &report.changed {
        let (title, lane) = match app.board.card(&c.id) {
            Some(card) => (card.title.clone(), card.lane.clone()),
            None => ("(removed)".into(), String::new()),
        };
        let by = if c.authors.is_empty() {
            String::new()
        } else {
            format!("  by {}", c.authors.join(", "))
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<8}", c.what), t.accent()),
            Span::styled(format!("{} ", crate::model::id::short(&c.id)), t.muted()),
            Span::raw(text::fit(&title, 40)),
            Span::styled(format!("  {lane}"), t.muted()),
            Span::raw(by),
        ]));
    }
    for c in &report.conflicts {
        lines.push(Line::styled(
            format!("conflict: {}", text::fit(c, 100)),
            t.error(),
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(t.accent())
        .title(Span::styled(" Since the last sync ", t.accent()))
        .title_bottom(Span::styled(" any key closes ", t.muted()));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
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
