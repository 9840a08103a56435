//! The command palette: the words typed, then the matching actions and
//! saved views, each with its keys and what it does; the selected one is
//! highlighted and kept in sight.

use super::block;
use super::text::{fit, width};
use crate::model::text::for_grid;
use crate::tui::app::{App, Prompt};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

/// Where the palette goes on a screen of `area`: near the top, most of
/// the width, as tall as its rows need (up to most of the screen).
pub fn area(area: Rect, rows: usize) -> Rect {
    let w = if area.width <= 100 {
        area.width.saturating_sub(2)
    } else {
        (area.width * 3 / 4).max(98).min(area.width)
    };
    // The frame, the words typed and a rule, then the rows.
    let want = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(4);
    let h = want.clamp(6, area.height.saturating_sub(3).max(6));
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + 1.min(area.height.saturating_sub(h)),
        w,
        h.min(area.height),
    )
}

pub fn draw(frame: &mut Frame, app: &App, screen: Rect, query: &Prompt, cursor: usize) {
    let t = &app.theme;
    let entries = app.palette_entries(&query.input);
    let r = area(screen, entries.len().max(1));
    let inner_w = usize::from(r.width.saturating_sub(2));
    let rows = usize::from(r.height.saturating_sub(4)).max(1);
    let cursor = cursor.min(entries.len().saturating_sub(1));
    let first = (cursor + 1).saturating_sub(rows);
    // The words typed, with the cursor.
    let prompt = "› ";
    let (shown, col) = query.window(inner_w.saturating_sub(width(prompt) + 1));
    let mut lines = vec![
        Line::from(vec![Span::styled(prompt, t.accent()), Span::raw(shown)]),
        Line::styled("─".repeat(inner_w), t.muted()),
    ];
    let key_w = entries
        .iter()
        .map(|e| width(&e.keys))
        .max()
        .unwrap_or(0)
        .clamp(3, 12);
    let name_w = entries
        .iter()
        .map(|e| width(&e.name))
        .max()
        .unwrap_or(0)
        .clamp(6, 18);
    for (i, e) in entries.iter().enumerate().skip(first).take(rows) {
        let about_w = inner_w.saturating_sub(key_w + name_w + 5);
        let keys = format!(" {:>key_w$} ", fit(&e.keys, key_w));
        let name = format!(" {:<name_w$} ", fit(&for_grid(&e.name), name_w));
        let about = fit(&for_grid(&e.about), about_w);
        if i == cursor {
            let text = format!("{keys}{name} {about}");
            let pad = inner_w.saturating_sub(width(&text));
            lines.push(Line::styled(
                format!("{text}{}", " ".repeat(pad)),
                t.selected(),
            ));
        } else {
            let about_style = if e.broken { t.error() } else { t.muted() };
            lines.push(Line::from(vec![
                Span::styled(keys, t.accent()),
                Span::raw(name),
                Span::raw(" "),
                Span::styled(about, about_style),
            ]));
        }
    }
    if entries.is_empty() {
        lines.push(Line::styled(
            format!(" nothing matches {:?}", fit(&query.input, 40)),
            t.muted(),
        ));
    }
    let title = format!(" Commands and views ({}) ", entries.len());
    let position = if entries.len() > rows {
        format!(" {}/{} ", cursor + 1, entries.len())
    } else {
        String::new()
    };
    let block = block(app, title, " ↑↓ select · Enter runs · Esc closes ").title_bottom(
        Line::from(Span::styled(position, t.muted())).alignment(ratatui::layout::Alignment::Right),
    );
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
    let x = r.x + 1 + u16::try_from(width(prompt) + col).unwrap_or(0);
    frame.set_cursor_position(Position::new(x.min(r.right().saturating_sub(2)), r.y + 1));
}
