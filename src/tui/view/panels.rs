//! Small views over the board: the message log, a lane's definition of
//! done, ticking a checklist, settling conflicts.

use super::block;
use super::text::fit;
use crate::model::text::for_grid;
use crate::tui::app::{App, ColumnKind};
use crate::tui::command::KeyCommand;
use crate::tui::messages::Level;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

fn clock(wall: i64) -> String {
    let s = wall.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

/// Every message of the session, oldest first, errors marked.
pub fn message_lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    if app.log.dropped > 0 {
        out.push(Line::styled(
            format!("({} older messages not kept)", app.log.dropped),
            t.muted(),
        ));
    }
    for m in app.log.entries() {
        let style = match m.level {
            Level::Error => t.error(),
            Level::Warn => t.warn(),
            Level::Info => Style::default(),
        };
        let mut lines = m.text.lines();
        let first = lines.next().unwrap_or_default();
        out.push(Line::from(vec![
            Span::styled(format!("{} UTC ", clock(m.wall)), t.muted()),
            Span::styled(format!("{:<8}", m.level.name()), style),
            Span::styled(for_grid(first).into_owned(), style),
        ]));
        for l in lines {
            out.push(Line::styled(format!("      {}", for_grid(l)), style));
        }
    }
    out
}

/// The selected lane: title, WIP, and its exit criteria.
pub fn lane(app: &App) -> Option<(String, Vec<Line<'static>>)> {
    let t = &app.theme;
    let ColumnKind::Lane(i) = app.columns.get(app.col)?.kind else {
        return None;
    };
    let def = app.board.config.lanes.get(i)?;
    let count = app.columns[app.col].total;
    let mut out = vec![Line::from(vec![
        Span::styled("cards      ", t.muted()),
        Span::raw(match def.wip {
            Some(w) if count as u32 > w => format!("{count}, over its WIP limit of {w}"),
            Some(w) => format!("{count} of a WIP limit of {w}"),
            None => format!("{count} (no WIP limit)"),
        }),
    ])];
    out.push(Line::from(vec![
        Span::styled("id         ", t.muted()),
        Span::raw(for_grid(&def.id).into_owned()),
    ]));
    out.push(Line::raw(""));
    match &def.exit {
        Some(exit) => {
            out.push(Line::styled(
                "Exit criteria (done means all of these)",
                t.accent(),
            ));
            for l in exit.lines() {
                out.push(Line::raw(format!("  {}", for_grid(l))));
            }
        }
        None => out.push(Line::styled(
            "No exit criteria: add `exit:` to this lane in .lanes/board.yaml.",
            t.muted(),
        )),
    }
    Some((format!(" {} ", fit(&def.title, 60)), out))
}

/// The fields `E` offers on a card, each with its value now, and what the
/// selected one is.
pub fn fields(frame: &mut Frame, app: &App, area: Rect, card: &str, cursor: usize) {
    let t = &app.theme;
    let Some(c) = app.board.card(card) else {
        return;
    };
    let fields = app.editable_fields(c);
    let now = c.to_value();
    let inner_h = usize::from(area.height.saturating_sub(4)).max(1);
    let first = (cursor + 1).saturating_sub(inner_h);
    let name_w = fields
        .iter()
        .map(|f| super::text::width(&f.label))
        .max()
        .unwrap_or(0)
        .min(24);
    let value_w = usize::from(area.width.saturating_sub(6)).saturating_sub(name_w + 2);
    let mut lines: Vec<Line> = fields
        .iter()
        .enumerate()
        .skip(first)
        .take(inner_h)
        .map(|(i, f)| {
            let value = crate::ops::get_field(&now, &f.path())
                .map(|v| f.show(v))
                .unwrap_or_default();
            let text = format!(
                " {:<name_w$}  {}",
                fit(&f.label, name_w),
                fit(&value.replace('\n', " ⏎ "), value_w)
            );
            if i == cursor {
                Line::styled(text, t.selected())
            } else {
                Line::from(vec![
                    Span::raw(format!(" {:<name_w$}  ", fit(&f.label, name_w))),
                    Span::styled(fit(&value.replace('\n', " ⏎ "), value_w), t.muted()),
                ])
            }
        })
        .collect();
    if let Some(f) = fields.get(cursor) {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            fit(
                &format!(" {}", f.about),
                usize::from(area.width.saturating_sub(4)),
            ),
            t.muted(),
        ));
    }
    let b = block(
        app,
        format!(" Edit a field · {} ", fit(&c.title, 40)),
        " j/k or a letter selects · Enter edits · Esc ",
    );
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(b), area);
}

/// A card's checklist with a cursor; Space ticks.
pub fn checklist(frame: &mut Frame, app: &App, area: Rect, card: &str, cursor: usize) {
    let t = &app.theme;
    let Some(c) = app.board.card(card) else {
        return;
    };
    let (done, total) = c.checklist_progress();
    let inner_h = area.height.saturating_sub(2) as usize;
    let first = (cursor + 1).saturating_sub(inner_h.max(1));
    let w = area.width.saturating_sub(8) as usize;
    let lines: Vec<Line> = c
        .checklist
        .iter()
        .enumerate()
        .skip(first)
        .map(|(i, item)| {
            let mark = if item.done { "[x]" } else { "[ ]" };
            let text = format!(" {mark} {}", fit(&item.text, w));
            if i == cursor {
                Line::styled(text, t.selected())
            } else if item.done {
                Line::styled(text, t.muted())
            } else {
                Line::raw(text)
            }
        })
        .collect();
    let b = block(
        app,
        format!(" Checklist {done}/{total} · {} ", fit(&c.title, 40)),
        " j/k select · Space ticks (one commit) · Esc closes ",
    );
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(b), area);
}

/// The conflicts a sync recorded on a card, one per entry, with choices.
pub fn conflicts(frame: &mut Frame, app: &App, area: Rect, card: &str, cursor: usize) {
    let t = &app.theme;
    let Some(c) = app.board.card(card) else {
        return;
    };
    let list = crate::ops::resolve::recorded(c);
    let mut lines = vec![
        Line::raw("A sync kept one side of each field below; the other side is kept here."),
        Line::raw(""),
    ];
    for (i, r) in list.iter().enumerate() {
        let sel = i == cursor;
        let head = Style::default().add_modifier(Modifier::BOLD);
        let marker = if sel { "▶ " } else { "  " };
        let field = if r.field.is_empty() {
            "the whole card"
        } else {
            &r.field
        };
        let l = Line::from(vec![
            Span::styled(marker, t.accent()),
            Span::styled(for_grid(field).into_owned(), head),
        ]);
        lines.push(if sel { l.style(t.selected()) } else { l });
        lines.push(Line::raw(format!(
            "    kept:  {}  ({})",
            for_grid(&crate::ops::brief(&r.kept.value)),
            for_grid(&r.kept.who())
        )));
        lines.push(Line::raw(format!(
            "    other: {}  ({})",
            for_grid(&crate::ops::brief(&r.other.value)),
            for_grid(&r.other.who())
        )));
    }
    let b = block(
        app,
        format!(" Conflicts · {} ", fit(&c.title, 40)),
        " a accept kept · o take the other · e edit · j/k · Esc ",
    );
    // Keep the selected entry in view (3 lines each after 2 of heading).
    let rows = area.height.saturating_sub(2) as usize;
    let end = 2 + (cursor + 1) * 3;
    let scroll = end.saturating_sub(rows);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(b)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(scroll).unwrap_or(0), 0)),
        area,
    );
}

/// A change collided with one on disk: both values in full, and the keys.
pub fn resolve(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let Some(p) = &app.pending else {
        return;
    };
    let mut lines = vec![
        Line::raw("The card changed on disk while you were editing it."),
        Line::raw(""),
    ];
    for l in p.describe().split("; ") {
        lines.push(Line::raw(for_grid(l).into_owned()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("m", t.accent()),
        Span::raw(" keep mine   "),
        Span::styled("t", t.accent()),
        Span::raw(" keep theirs (on disk)   "),
        Span::styled("b", t.accent()),
        Span::raw(" keep both (mine goes in the journal)"),
    ]));
    let b = block(
        app,
        " Changed on disk meanwhile ",
        format!(
            " m/t/b · {} all messages ",
            app.keymap.hint(KeyCommand::Messages)
        ),
    );
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(b).wrap(Wrap { trim: false }),
        area,
    );
}

/// What Tab goes through in a prompt (a hypothesis's recent runs, or
/// the keys of recent runs), just above the prompt, the one in the line
/// marked; above them, whole (wrapped, never cut), what they are.
pub fn choices(frame: &mut Frame, app: &App, p: &crate::tui::prompt::Prompt, area: Rect) {
    let t = &app.theme;
    let w = area.width.saturating_sub(2).min(90);
    let inner = w.saturating_sub(2);
    let about: Vec<Line> = p
        .about
        .iter()
        .map(|a| Line::styled(crate::model::text::for_grid(a).into_owned(), t.muted()))
        .collect();
    let about_rows = Paragraph::new(about.clone())
        .wrap(Wrap { trim: false })
        .line_count(inner) as u16;
    let room = area.height.saturating_sub(4).max(1);
    let rows = p
        .choices
        .len()
        .min(usize::from(room.saturating_sub(about_rows)).max(1));
    let first = p.choice.map_or(0, |c| (c + 1).saturating_sub(rows));
    let mut lines = about;
    lines.extend(
        p.choices
            .iter()
            .enumerate()
            .skip(first)
            .take(rows)
            .map(|(i, (v, what))| {
                let text = fit(&format!(" {v}  {what}"), usize::from(inner));
                if Some(i) == p.choice {
                    Line::styled(text, t.selected())
                } else {
                    Line::raw(text)
                }
            }),
    );
    let shown = if p.choices.is_empty() { 0 } else { rows as u16 };
    let h = (about_rows + shown + 2).min(area.height.saturating_sub(1));
    let r = Rect::new(area.x, (area.y + area.height).saturating_sub(h + 1), w, h);
    let (title, hint) = match (&p.purpose, p.choices.is_empty()) {
        (crate::tui::prompt::Purpose::Because { then, .. }, _) => (
            " Verdict against the numbers ",
            match **then {
                crate::tui::prompt::Reasoned::Verdict { .. } => " Enter gives the verdict · Esc ",
                crate::tui::prompt::Reasoned::Field { .. } => {
                    " Enter saves it with the reason · Esc "
                }
            },
        ),
        (_, true) => (" Result from a run ", " Enter records what is typed · Esc "),
        (_, false) => (" Result from a run ", " Tab next · Enter records · Esc "),
    };
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block(app, title, hint)),
        r,
    );
}
