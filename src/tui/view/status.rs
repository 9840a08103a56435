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

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let w = area.width as usize;
    let line = match &app.mode {
        Mode::Prompt(p) => {
            let mut label = format!("{}: ", p.label());
            if width(&label) > w / 2 {
                // Too long to share the line with what is typed: whole,
                // on the rows above, and a marker before the typing.
                above(frame, app, area, &label);
                label = "› ".into();
            }
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
            let mut choices = format!("{} · Esc cancels", lanes.join(" · "));
            if width(&label) + width(&choices) > w {
                // Every lane readable: the list on the rows above.
                above(frame, app, area, &lanes.join(" · "));
                choices = "its number · Esc cancels".into();
            }
            Line::from(vec![
                Span::styled(label.clone(), t.accent()),
                Span::raw(fit(&choices, w.saturating_sub(width(&label)))),
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

/// A prompt's label too long for the status line: whole, wrapped on the
/// rows just above it (over the bottom of the lanes).
fn above(frame: &mut Frame, app: &App, area: Rect, label: &str) {
    use ratatui::widgets::{Clear, Wrap};
    let text = Paragraph::new(Line::styled(
        crate::model::text::for_grid(label.trim_end()).into_owned(),
        app.theme.accent(),
    ))
    .wrap(Wrap { trim: true });
    let rows = u16::try_from(text.line_count(area.width))
        .unwrap_or(u16::MAX)
        .clamp(1, area.y.max(1));
    let r = Rect::new(
        area.x,
        area.y.saturating_sub(rows),
        area.width,
        rows.min(area.y),
    );
    frame.render_widget(Clear, r);
    frame.render_widget(text, r);
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

/// One part of the status line in its forms, longest first; the last may
/// be empty (the part can go).
struct Part {
    forms: Vec<Span<'static>>,
}

impl Part {
    fn new(style: Style, forms: &[String]) -> Part {
        Part {
            forms: forms
                .iter()
                .map(|f| Span::styled(f.clone(), style))
                .collect(),
        }
    }
}

/// ` · ↑2 ↓1 · synced 10:42 UTC` and shorter forms.
fn sync_part(app: &App) -> Option<Part> {
    let t = &app.theme;
    let moved = app
        .status
        .ahead_behind
        .filter(|(a, b)| *a > 0 || *b > 0)
        .map(|(a, b)| (format!(" · ↑{a} ↓{b}"), format!(" ↑{a}↓{b}")));
    let (long, short) = moved.unwrap_or_default();
    let (style, forms) = match &app.sync {
        SyncState::Never if long.is_empty() => return None,
        SyncState::Never => (t.muted(), vec![long.clone(), short.clone(), String::new()]),
        SyncState::Running => (
            t.accent(),
            vec![
                format!("{long} · syncing…"),
                format!("{short} syncing…"),
                format!("{short} ⟳"),
                " ⟳".into(),
            ],
        ),
        SyncState::Done { at, .. } => (
            t.muted(),
            vec![
                format!("{long} · synced {} UTC", clock(*at)),
                format!("{short} ✓{}", clock(*at)),
                short.clone(),
                String::new(),
            ],
        ),
        SyncState::Failed { message, at } => (
            t.error(),
            vec![
                format!(
                    "{long} · sync failed {} UTC: {}",
                    clock(*at),
                    fit(message, 30)
                ),
                format!("{short} · sync failed {}", clock(*at)),
                " ✗sync".into(),
            ],
        ),
    };
    Some(Part::new(style, &forms))
}

/// What is on the status line when no prompt is: the branch, what is not
/// committed, how the board is watched, sync, problems that may be off
/// screen and work in progress, then the last message, and the help key.
/// The message keeps its room: the others shorten first (sync, work,
/// watching, counts, the help key, the branch), each to a shorter form,
/// then to nothing where that loses nothing that matters.
fn status_line(app: &App, w: usize) -> Line<'static> {
    let t = &app.theme;
    let s = &app.status;
    let branch = if s.branch.is_empty() {
        "…"
    } else {
        &s.branch
    };
    let reversed = Style::default().add_modifier(Modifier::REVERSED);
    // In the order shown.
    let mut parts: Vec<Part> = vec![Part::new(
        reversed,
        &[
            format!(" {branch} "),
            format!(" {} ", fit(branch, 16)),
            format!(" {} ", fit(branch, 8)),
        ],
    )];
    let (branch_at, mut uncommitted_at, mut watch_at, mut sync_at) = (0, None, None, None);
    let (mut problems_at, mut work_at) = (None, None);
    if s.uncommitted > 0 {
        uncommitted_at = Some(parts.len());
        let n = s.uncommitted;
        parts.push(Part::new(
            t.warn(),
            &[
                format!(" {n} uncommitted"),
                format!(" {n} unc."),
                format!(" ✎{n}"),
            ],
        ));
    }
    if let Some(how) = app.watch.as_deref().filter(|w| *w != "watching") {
        watch_at = Some(parts.len());
        parts.push(Part::new(
            t.warn(),
            &[
                format!(" · {how}"),
                format!(" · {}", fit(how, 8)),
                String::new(),
            ],
        ));
    }
    if let Some(p) = sync_part(app) {
        sync_at = Some(parts.len());
        parts.push(p);
    }
    // Problems that may be off screen: unreadable files, recorded conflicts.
    let unreadable = app.board.problems.len();
    let conflicted = app.conflicted;
    if unreadable + conflicted > 0 {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut long = Vec::new();
        let mut short = Vec::new();
        if unreadable > 0 {
            long.push(plural(unreadable, "unreadable file", "unreadable files"));
            short.push(plural(unreadable, "file", "files"));
        }
        if conflicted > 0 {
            long.push(plural(
                conflicted,
                "card with conflicts",
                "cards with conflicts",
            ));
            short.push(plural(conflicted, "conflict", "conflicts"));
        }
        let key = app.keymap.hint(KeyCommand::Problems);
        problems_at = Some(parts.len());
        parts.push(Part::new(
            t.error(),
            &[
                format!(" · ⚠ {} ({key})", long.join(", ")),
                format!(" · ⚠ {} ({key})", short.join(", ")),
                format!(" ⚠{} ({key})", unreadable + conflicted),
                format!(" ⚠{}", unreadable + conflicted),
            ],
        ));
    }
    if let Work::Running(what) = &app.work {
        work_at = Some(parts.len());
        parts.push(Part::new(
            t.accent(),
            &[
                format!(" · {}…", fit(what, 20)),
                " · …".into(),
                String::new(),
            ],
        ));
    }
    let help_key = app.keymap.hint(KeyCommand::Help);
    let help_at = parts.len();
    parts.push(Part::new(
        t.muted(),
        &[
            format!(" {help_key} help "),
            format!(" {help_key} "),
            String::new(),
        ],
    ));
    let message = app.message.as_ref().map(|m| {
        let style = match m.level {
            Level::Error => t.error(),
            Level::Warn => t.warn(),
            Level::Info => Style::default(),
        };
        (m.text.replace('\n', " · "), style)
    });
    // A message open whole above the line needs no room here.
    let wanted = match &message {
        Some((text, _)) if !app.message_open => width(text) + 2,
        _ => 0,
    };
    // Shorten the others until the message fits: sync and the counts a
    // step each in turn, then the help key, then the branch.
    let tiers: [Vec<usize>; 3] = [
        [sync_at, work_at, watch_at, uncommitted_at, problems_at]
            .into_iter()
            .flatten()
            .collect(),
        vec![help_at],
        vec![branch_at],
    ];
    let mut level = vec![0usize; parts.len()];
    let used = |level: &[usize]| -> usize {
        parts
            .iter()
            .zip(level)
            .map(|(p, &l)| p.forms[l].width())
            .sum()
    };
    for tier in &tiers {
        while used(&level) + wanted > w {
            let mut shortened = false;
            for &i in tier {
                if used(&level) + wanted > w && level[i] + 1 < parts[i].forms.len() {
                    level[i] += 1;
                    shortened = true;
                }
            }
            if !shortened {
                break;
            }
        }
    }
    let room = w.saturating_sub(used(&level) + 2);
    let mut line: Vec<Span<'static>> = parts[..help_at]
        .iter()
        .zip(&level)
        .map(|(p, &l)| p.forms[l].clone())
        .collect();
    match message {
        Some((text, style)) => {
            let text = fit(&text, room);
            let pad = room.saturating_sub(width(&text));
            line.push(Span::raw("  "));
            line.push(Span::styled(text, style));
            line.push(Span::raw(" ".repeat(pad)));
        }
        None => line.push(Span::raw(" ".repeat(room + 2))),
    }
    line.push(parts[help_at].forms[level[help_at]].clone());
    Line::from(line)
}
