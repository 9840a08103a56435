//! The help screen, generated from the keymap in force.

use crate::tui::app::App;
use crate::tui::keymap::Command;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};
use ratatui::Frame;

pub fn lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    for cmd in Command::ALL {
        let keys: Vec<String> = app
            .keymap
            .keys_for(cmd)
            .iter()
            .map(|k| k.to_string())
            .collect();
        let keys = if keys.is_empty() {
            "(unbound)".to_string()
        } else {
            keys.join(" ")
        };
        out.push(Line::from(vec![
            Span::styled(format!("{keys:<20}"), t.accent()),
            Span::raw(cmd.describe()),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::from(Span::styled("Mouse", t.accent())));
    out.push(Line::raw(
        "click selects · drag a card onto another lane moves it · wheel scrolls",
    ));
    out.push(Line::raw(""));
    out.push(Line::from(Span::styled("Prompts", t.accent())));
    out.push(Line::raw("Enter accepts · Esc cancels · Ctrl+u clears"));
    if let Some(p) = crate::tui::config::path() {
        out.push(Line::raw(""));
        out.push(Line::from(Span::styled(
            format!("keys and theme: {}", p.display()),
            t.muted(),
        )));
    }
    out
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect, scroll: u16) {
    let t = &app.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(t.accent())
        .title(Span::styled(" Keys ", t.accent()))
        .title_bottom(Span::styled(" any key closes ", t.muted()));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines(app)).block(block).scroll((scroll, 0)),
        area,
    );
}
