//! The bottom line: repository state and the last result, or the prompt.

use super::text::{fit, width};
use crate::tui::app::{App, Mode, SyncState, Work};
use crate::tui::keymap::Command;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let w = area.width as usize;
    let line = match &app.mode {
        Mode::Prompt(p) => {
            let label = format!("{}: ", p.purpose.label());
            let before: String = p.input.chars().take(p.cursor).collect();
            let shown = fit(&p.input, w.saturating_sub(label.width() + 1));
            let cursor_x = (label.width() + width(&before)).min(w.saturating_sub(1));
            frame.set_cursor_position(Position::new(area.x + cursor_x as u16, area.y));
            Line::from(vec![Span::styled(label, t.accent()), Span::raw(shown)])
        }
        Mode::PickVerdict { .. } => Line::from(vec![
            Span::styled("Verdict: ", t.accent()),
            Span::raw("[s]upported  [r]efuted  [i]nconclusive  [o]pen   Esc cancels"),
        ]),
        Mode::ConfirmArchive { card } => {
            let title = app
                .board
                .card(card)
                .map(|c| c.title.clone())
                .unwrap_or_default();
            Line::from(vec![
                Span::styled("Archive ", t.warn()),
                Span::raw(fit(
                    &format!("{} {title}", crate::model::id::short(card)),
                    w.saturating_sub(20),
                )),
                Span::styled("? y/n", t.warn()),
            ])
        }
        Mode::Resolve => {
            let what = app
                .pending
                .as_ref()
                .map(|p| p.describe())
                .unwrap_or_default();
            Line::from(vec![
                Span::styled("Changed on disk meanwhile ", t.error()),
                Span::raw(fit(&what, w.saturating_sub(60))),
                Span::styled("  keep [m]ine [t]heirs [b]oth", t.warn()),
            ])
        }
        _ => status_line(app, w),
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn clock(at: i64) -> String {
    let s = at.rem_euclid(86_400);
    format!("{:02}:{:02}", s / 3600, s % 3600 / 60)
}

/// ` · ↑2 ↓1 · synced 10:42` and friends.
fn sync_spans(app: &App) -> Vec<Span<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    if let Some((a, b)) = app.status.ahead_behind {
        if a > 0 || b > 0 {
            out.push(Span::styled(format!(" · ↑{a} ↓{b}"), t.muted()));
        }
    }
    match &app.sync {
        SyncState::Never => {}
        SyncState::Running => out.push(Span::styled(" · syncing…", t.accent())),
        SyncState::Done { at, .. } => out.push(Span::styled(
            format!(" · synced {} UTC", clock(*at)),
            t.muted(),
        )),
        SyncState::Failed { message, at } => out.push(Span::styled(
            format!(" · sync failed {} UTC: {}", clock(*at), fit(message, 30)),
            t.error(),
        )),
    }
    out
}

fn status_line(app: &App, w: usize) -> Line<'static> {
    let t = &app.theme;
    let s = &app.status;
    let mut left = vec![Span::styled(
        format!(
            " {} ",
            if s.branch.is_empty() {
                "…"
            } else {
                &s.branch
            }
        ),
        Style::default().add_modifier(Modifier::REVERSED),
    )];
    if s.uncommitted > 0 {
        left.push(Span::styled(
            format!(" {} uncommitted", s.uncommitted),
            t.warn(),
        ));
    }
    if let Some(w) = app.watch.as_deref().filter(|w| *w != "watching") {
        left.push(Span::styled(format!(" · {w}"), t.warn()));
    }
    left.extend(sync_spans(app));
    if let Work::Running(what) = &app.work {
        left.push(Span::styled(format!(" · {}…", fit(what, 20)), t.accent()));
    }
    let help = format!(" {} help ", app.keymap.hint(Command::Help));
    let used: usize = left.iter().map(|s| s.width()).sum::<usize>() + help.width();
    let room = w.saturating_sub(used + 2);
    if let Some(m) = &app.message {
        let style = if m.error { t.error() } else { Style::default() };
        let text = fit(&m.text.replace('\n', " · "), room);
        let pad = room.saturating_sub(width(&text));
        left.push(Span::raw("  "));
        left.push(Span::styled(text, style));
        left.push(Span::raw(" ".repeat(pad)));
    } else {
        left.push(Span::raw(" ".repeat(room + 2)));
    }
    left.push(Span::styled(help, t.muted()));
    Line::from(left)
}
