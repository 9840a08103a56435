//! Drawing: a pure function of the app state.

mod board;
mod detail;
mod help;
mod hypotheses;
mod insights;
mod links;
mod palette;
mod panels;
mod status;

use super::text;

use super::app::{App, Mode};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let screen = super::layout::screen(app.first_col, app.columns.len(), area);
    if let Some(why) = &app.board_missing {
        missing(frame, app, area, why);
        status::draw(frame, app, screen.bottom);
        return;
    }
    board::draw(frame, app, &screen);
    status::draw(frame, app, screen.bottom);
    // Help opened from a view shows over that view.
    if let (Mode::Help { .. }, Some(back)) = (&app.mode, app.back.as_deref()) {
        draw_mode(frame, app, back, area);
    }
    draw_mode(frame, app, &app.mode, area);
    if app.message_open {
        status::open_message(frame, app, area);
    }
}

fn draw_mode(frame: &mut Frame, app: &App, mode: &Mode, area: Rect) {
    match mode {
        Mode::Hypotheses { cursor, sort } => {
            hypotheses::hypotheses(frame, app, popup(area, 98, 92), *cursor, *sort)
        }
        Mode::Flow { scroll } => insights::flow(frame, app, popup(area, 98, 92), *scroll),
        Mode::PickField { card, cursor } => {
            panels::fields(frame, app, popup(area, 80, 70), card, *cursor)
        }
        Mode::Checklist { card, cursor } => {
            panels::checklist(frame, app, popup(area, 80, 70), card, *cursor)
        }
        Mode::Conflicts { card, cursor } => {
            panels::conflicts(frame, app, popup(area, 90, 80), card, *cursor)
        }
        Mode::Resolve => panels::resolve(frame, app, popup(area, 90, 60)),
        Mode::Palette { query, cursor } => palette::draw(frame, app, area, query, *cursor),
        Mode::Links {
            card,
            cursor,
            top,
            unlink,
        } => links::neighbourhood(frame, app, area, card, *cursor, *top, *unlink),
        Mode::PickCard {
            card,
            line,
            matches,
            total,
            cursor,
        } => links::pick_card(frame, app, area, card, line, matches, *total, *cursor),
        Mode::PickLinkKind { card, other } => links::pick_kind(frame, app, area, card, other),
        Mode::Prompt(p) if !p.choices.is_empty() || p.about.is_some() => {
            panels::choices(frame, app, p, area)
        }
        _ => {}
    }
    // Scrolling text last: the flow view's numbers go inside its frame.
    if let Some(c) = content(app, mode, area) {
        scrolled(frame, app, &c, mode.scroll().unwrap_or(0));
    }
}

/// A scrolling view's text: where it goes and what it says.
pub struct Content {
    pub area: Rect,
    pub title: String,
    pub lines: Vec<Line<'static>>,
    /// Long lines wrap (card text) or are cut (tables).
    pub wrap: bool,
    pub hint: String,
}

impl Content {
    fn paragraph(&self) -> Paragraph<'static> {
        let p = Paragraph::new(self.lines.clone());
        if self.wrap {
            p.wrap(Wrap { trim: false })
        } else {
            p
        }
    }

    /// Rows inside the frame.
    fn inner(&self) -> Rect {
        self.area.inner(ratatui::layout::Margin::new(1, 1))
    }

    /// Rows of text once wrapped to the frame's width.
    fn height(&self) -> usize {
        self.paragraph().line_count(self.inner().width)
    }
}

/// The text of the scrolling view `mode`, if it is one.
fn content(app: &App, mode: &Mode, area: Rect) -> Option<Content> {
    let hint = " j/k scroll · g/G top/end · Esc closes ".to_string();
    Some(match mode {
        Mode::Detail { .. } => {
            let card = app.selected_card()?;
            let a = popup(area, 92, 90);
            Content {
                area: a,
                title: format!(
                    " {} · {} ",
                    card.short_id(),
                    text::fit(&card.title, a.width.saturating_sub(14) as usize)
                ),
                lines: detail::lines(app, card),
                wrap: true,
                hint: format!(
                    " j/k scroll · {} checklist · e edit · ? keys · Esc closes ",
                    app.keymap.hint(super::command::KeyCommand::Checklist)
                ),
            }
        }
        Mode::Help { query, .. } => Content {
            area: popup(area, 86, 92),
            title: match query {
                Some(q) => format!(
                    " Keys · {} · find: {}▏ ",
                    app.back.as_deref().unwrap_or(&Mode::Board).context(),
                    text::fit(&q.input, 30)
                ),
                None => format!(
                    " Keys · {} ",
                    app.back.as_deref().unwrap_or(&Mode::Board).context()
                ),
            },
            lines: help::lines(app, query.as_ref().map(|q| q.input.as_str())),
            wrap: true,
            hint: match query {
                Some(_) => " type to find · ↑↓ scroll · Esc: all keys · Enter closes ".into(),
                None => " type to find · j/k scroll · g/G top/end · Esc closes ".into(),
            },
        },
        Mode::Changes { .. } => Content {
            area: popup(area, 86, 80),
            title: " Since the last sync ".into(),
            lines: changes_lines(app),
            wrap: true,
            hint,
        },
        Mode::History { card, .. } => {
            let a = popup(area, 92, 90);
            Content {
                area: a,
                title: insights::history_title(app, card),
                lines: insights::history_lines(app, card, a.width),
                wrap: true,
                hint,
            }
        }
        Mode::Flow { .. } => {
            let (a, lines) = insights::flow_text(app, popup(area, 98, 92))?;
            Content {
                area: a,
                title: String::new(),
                lines,
                wrap: false,
                hint,
            }
        }
        Mode::Messages { .. } => Content {
            area: popup(area, 92, 80),
            title: format!(" Messages ({}) ", app.log.len()),
            lines: panels::message_lines(app),
            wrap: true,
            hint,
        },
        Mode::Lane { .. } => {
            let (title, lines) = panels::lane(app)?;
            Content {
                area: popup(area, 86, 80),
                title,
                lines,
                wrap: true,
                hint,
            }
        }
        _ => return None,
    })
}

/// How a view's text measures on a screen of `size`: how far it can
/// scroll and how far a page moves. Pure: the app's scroll keys ask it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    /// The most the view can scroll: its last line at the bottom of its
    /// frame.
    pub limit: u16,
    /// Rows a page moves (at least 1).
    pub page: u16,
}

/// Measure the current view of `app` on a screen of `size`.
pub fn measure(app: &App, size: Rect) -> Measure {
    let area = Rect::new(0, 0, size.width, size.height);
    let content = content(app, &app.mode, area);
    let limit = match &content {
        Some(c) => {
            // The flow view's numbers sit inside its frame, unwrapped.
            let (rows, lines) = if matches!(app.mode, Mode::Flow { .. }) {
                (c.area.height, c.lines.len())
            } else {
                (c.inner().height, c.height())
            };
            u16::try_from(lines.saturating_sub(rows as usize)).unwrap_or(u16::MAX)
        }
        None => 0,
    };
    let page = match &app.mode {
        Mode::Hypotheses { .. } => hypotheses::table_rows(popup(area, 98, 92)),
        Mode::Links { .. } => links::rows_shown(area),
        _ => content
            .map_or(10, |c| c.inner().height)
            .saturating_sub(1)
            .max(1),
    };
    Measure {
        limit,
        page: page.max(1),
    }
}

/// A popup's frame: rounded, in the accent colour, the title on top and
/// the keys that work at the bottom.
pub(super) fn block<'a>(app: &App, title: impl Into<String>, hint: impl Into<String>) -> Block<'a> {
    let t = &app.theme;
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(t.accent())
        .title(Span::styled(title.into(), t.accent()))
        .title_bottom(Span::styled(hint.into(), t.muted()))
}

/// A framed, scrolled text; the frame says where in the text it is.
fn scrolled(frame: &mut Frame, app: &App, c: &Content, scroll: u16) {
    if c.title.is_empty() {
        // The flow view draws its own frame; this is only its text.
        let max = c.lines.len().saturating_sub(c.area.height as usize);
        let scroll = scroll.min(u16::try_from(max).unwrap_or(u16::MAX));
        frame.render_widget(c.paragraph().scroll((scroll, 0)), c.area);
        return;
    }
    let t = &app.theme;
    let total = c.height();
    let rows = c.inner().height as usize;
    let max = total.saturating_sub(rows);
    let scroll = usize::from(scroll).min(max);
    let position = if max == 0 {
        String::new()
    } else {
        format!(" {}-{}/{} ", scroll + 1, (scroll + rows).min(total), total)
    };
    let block = block(app, c.title.clone(), c.hint.clone()).title_bottom(
        Line::from(Span::styled(position, t.muted())).alignment(ratatui::layout::Alignment::Right),
    );
    frame.render_widget(Clear, c.area);
    frame.render_widget(
        c.paragraph()
            .block(block)
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        c.area,
    );
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
fn changes_lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let Some(report) = &app.last_sync else {
        return Vec::new();
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
    lines
}

/// A centred area taking `pw`% of the width and `ph`% of the height; on a
/// small terminal, nearly all of it.
fn popup(area: Rect, pw: u16, ph: u16) -> Rect {
    let pw = if area.width <= 100 { pw.max(96) } else { pw };
    let ph = if area.height <= 30 { ph.max(88) } else { ph };
    let w = (area.width as u32 * pw as u32 / 100) as u16;
    let h = (area.height as u32 * ph as u32 / 100) as u16;
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height.saturating_sub(1) - h.min(area.height.saturating_sub(1))) / 2,
        w,
        h.min(area.height.saturating_sub(1)),
    )
}
