//! The bottom line: repository state and the last result, or the prompt.

use super::text::{fit, width};
use crate::tui::app::{App, Check, Mode, SyncState, Work};
use crate::tui::command::KeyCommand;
use crate::tui::messages::Level;
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
            let label = format!("{}: ", p.label());
            let label = fit(&label, w / 2);
            // What the value amounts to, or why Enter would refuse it.
            let (note, style) = match p.check(app.today) {
                Check::Ok(Some(h)) => (format!("  {h}"), t.muted()),
                Check::Ok(None) => (String::new(), t.muted()),
                Check::Bad(why)
                    if !p.input.trim().is_empty()
                        || app.message.as_ref().is_some_and(|m| m.is_error()) =>
                {
                    (format!("  {why}"), t.error())
                }
                Check::Bad(_) => (String::new(), t.muted()),
            };
            // The note gets what the typing does not need (20 columns).
            let note = fit(&note, w.saturating_sub(width(&label) + 20));
            let room = w.saturating_sub(width(&label) + width(&note) + 1).max(4);
            let (shown, col) = p.window(room);
            let cursor_x = (width(&label) + col).min(w.saturating_sub(1));
            frame.set_cursor_position(Position::new(area.x + cursor_x as u16, area.y));
            let pad = room.saturating_sub(width(&shown));
            Line::from(vec![
                Span::styled(label, t.accent()),
                Span::raw(shown),
                Span::raw(" ".repeat(pad)),
                Span::styled(note, style),
            ])
        }
        Mode::PickVerdict { .. } => Line::from(vec![
            Span::styled("Verdict: ", t.accent()),
            Span::raw(fit(
                "[s]upported [r]efuted [i]nconclusive [o]pen · Esc cancels",
                w.saturating_sub(9),
            )),
        ]),
        Mode::PickLane { card } => {
            let lanes: Vec<String> = app
                .board
                .config
                .lanes
                .iter()
                .take(9)
                .enumerate()
                .map(|(i, l)| format!("{} {}", i + 1, crate::model::text::for_grid(&l.title)))
                .collect();
            let label = format!("Move {} to lane: ", crate::model::id::short(card));
            Line::from(vec![
                Span::styled(label.clone(), t.accent()),
                Span::raw(fit(
                    &format!("{} · Esc cancels", lanes.join(" · ")),
                    w.saturating_sub(width(&label)),
                )),
            ])
        }
        Mode::ConfirmHypothesis { card } => Line::from(vec![
            Span::styled(
                fit(
                    &format!(
                        "{} is a {} with no hypothesis to judge. ",
                        crate::model::id::short(card),
                        app.board.card(card).map_or("card", |c| c.kind.as_str())
                    ),
                    w.saturating_sub(34),
                ),
                t.warn(),
            ),
            Span::raw("Make it a hypothesis? y/n"),
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
        Mode::Resolve => Line::from(vec![
            Span::styled("Changed on disk meanwhile: ", t.error()),
            Span::styled("m", t.accent()),
            Span::raw(" mine · "),
            Span::styled("t", t.accent()),
            Span::raw(" theirs · "),
            Span::styled("b", t.accent()),
            Span::raw(" both"),
        ]),
        _ => status_line(app, w),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// An error too long for the status line, whole, just above it.
pub fn open_message(frame: &mut Frame, app: &App, area: Rect) {
    use ratatui::widgets::{Block, BorderType, Borders, Clear, Wrap};
    let t = &app.theme;
    let Some(m) = &app.message else {
        return;
    };
    let w = area.width.saturating_sub(2).max(10);
    let text: Vec<Line> = m
        .text
        .lines()
        .map(|l| Line::raw(crate::model::text::for_grid(l).into_owned()))
        .collect();
    let p = Paragraph::new(text).wrap(Wrap { trim: false });
    let max_rows = area.height.saturating_sub(4).max(3);
    let rows = (p.line_count(w.saturating_sub(2)) as u16).min(max_rows);
    let h = rows + 2;
    let r = Rect::new(
        area.x + 1,
        (area.y + area.height).saturating_sub(h + 1),
        w,
        h,
    );
    let style = if m.is_error() { t.error() } else { t.accent() };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(style)
        .title(Span::styled(format!(" {} ", m.level.name()), style))
        .title_bottom(Span::styled(
            format!(
                " Esc closes · {} all messages ",
                app.keymap.hint(KeyCommand::Messages)
            ),
            t.muted(),
        ));
    frame.render_widget(Clear, r);
    frame.render_widget(p.block(block), r);
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
    // Problems that may be off screen: unreadable files, recorded conflicts.
    let unreadable = app.board.problems.len();
    let conflicted = app.conflicted;
    if unreadable + conflicted > 0 {
        let mut parts = Vec::new();
        if unreadable > 0 {
            parts.push(format!(
                "{unreadable} unreadable file{}",
                if unreadable == 1 { "" } else { "s" }
            ));
        }
        if conflicted > 0 {
            parts.push(format!(
                "{conflicted} card{} with conflicts",
                if conflicted == 1 { "" } else { "s" }
            ));
        }
        left.push(Span::styled(
            format!(
                " · ⚠ {} ({})",
                parts.join(", "),
                app.keymap.hint(KeyCommand::Problems)
            ),
            t.error(),
        ));
    }
    if let Work::Running(what) = &app.work {
        left.push(Span::styled(format!(" · {}…", fit(what, 20)), t.accent()));
    }
    let help = format!(" {} help ", app.keymap.hint(KeyCommand::Help));
    let used: usize = left.iter().map(|s| s.width()).sum::<usize>() + help.width();
    let room = w.saturating_sub(used + 2);
    if let Some(m) = &app.message {
        let style = match m.level {
            Level::Error => t.error(),
            Level::Warn => t.warn(),
            Level::Info => Style::default(),
        };
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
