//! The lanes and their cards. Only the cards on screen are laid out.

use super::text::{fit, width};
use crate::model::{Card, Verdict};
use crate::tui::app::{App, ColumnKind};
use crate::tui::layout::{self, Screen, CARD_ROWS};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, app: &App, screen: &Screen) {
    draw_top(frame, app, screen);
    for (col, area) in &screen.columns {
        draw_column(frame, app, *col, *area);
    }
}

fn draw_top(frame: &mut Frame, app: &App, screen: &Screen) {
    let t = &app.theme;
    let first = screen.columns.first().map_or(0, |c| c.0);
    let last = screen.columns.last().map_or(0, |c| c.0 + 1);
    let left = if first > 0 {
        format!("◀ {first} more  ")
    } else {
        String::new()
    };
    let right = if last < app.columns.len() {
        format!("  {} more ▶", app.columns.len() - last)
    } else {
        String::new()
    };
    let total = screen.top.width as usize;
    // The view and the filter shown first; the board's name gets the rest.
    let mut after = Vec::new();
    if let (Some(name), Some((i, _))) = (&app.view, app.active_view()) {
        after.push(Span::styled(
            format!("  view {}: {}", i + 1, fit(name, 24)),
            t.accent().add_modifier(Modifier::BOLD),
        ));
    }
    if !app.filter.is_empty() {
        after.push(Span::styled(
            format!("  filter: {}", fit(&app.filter.text, 30)),
            t.warn(),
        ));
    }
    let after_w: usize = after.iter().map(|s| s.width()).sum();
    let name_room = total
        .saturating_sub(width(&left) + after_w + width(&right))
        .max(8)
        .min(total / 2);
    let mut spans = vec![
        Span::styled(left.clone(), t.accent()),
        Span::styled(
            fit(&app.board.config.name, name_room),
            Style::default().add_modifier(Modifier::BOLD),
        ),
    ];
    spans.extend(after);
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let pad = (screen.top.width as usize).saturating_sub(used + width(&right));
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(Span::styled(right, t.accent()));
    frame.render_widget(Paragraph::new(Line::from(spans)), screen.top);
}

fn draw_column(frame: &mut Frame, app: &App, col: usize, area: Rect) {
    let t = &app.theme;
    let column = &app.columns[col];
    let selected_col = col == app.col;
    let w = area.width.saturating_sub(2) as usize;
    // Header: title, count and WIP limit.
    let (title, wip) = match &column.kind {
        ColumnKind::Lane(i) => {
            let l = &app.board.config.lanes[*i];
            (l.title.clone(), l.wip)
        }
        ColumnKind::Unknown(lane) => (format!("? {lane} (unknown lane)"), None),
        ColumnKind::Problems => ("⚠ Unreadable files".to_string(), None),
    };
    let over = wip.is_some_and(|w| column.total as u32 > w);
    let count = match wip {
        Some(w) => format!(" {}/{w}", column.total),
        None => format!(" {}", column.total),
    };
    let filtered = if column.items.len() + column.omitted != column.total
        && column.kind != ColumnKind::Problems
    {
        format!(" ({} shown)", column.items.len())
    } else {
        String::new()
    };
    let title_style = if column.kind == ColumnKind::Problems {
        t.error()
    } else if selected_col {
        t.accent()
    } else {
        Style::default().add_modifier(Modifier::BOLD)
    };
    let count_style = if over { t.error() } else { t.muted() };
    let flag = if over { " !" } else { "" };
    let title_w = w.saturating_sub(width(&count) + flag.len() + filtered.len());
    let header = Line::from(vec![
        Span::raw(" "),
        Span::styled(fit(&title, title_w), title_style),
        Span::styled(count, count_style),
        Span::styled(flag, count_style),
        Span::styled(filtered, t.muted()),
    ]);
    frame.render_widget(
        Paragraph::new(header),
        Rect::new(area.x, area.y, area.width, 1),
    );
    // Rule with scroll hints.
    let per_page = layout::cards_per_page(app.size).max(1);
    let first = app
        .scroll
        .get(col)
        .copied()
        .unwrap_or(0)
        .min(column.items.len());
    let below = column.items.len().saturating_sub(first + per_page);
    let mut hint = String::new();
    if first > 0 {
        hint.push_str(&format!(" ↑{first}"));
    }
    if below > 0 {
        hint.push_str(&format!(" ↓{below}"));
    }
    let rule_w = (area.width as usize).saturating_sub(2 + width(&hint));
    let rule_style = if selected_col { t.accent() } else { t.muted() };
    let rule = Line::from(vec![
        Span::raw(" "),
        Span::styled("─".repeat(rule_w), rule_style),
        Span::styled(hint, t.muted()),
    ]);
    frame.render_widget(
        Paragraph::new(rule),
        Rect::new(area.x, area.y + 1, area.width, 1),
    );
    // The cards on screen.
    for (k, &item) in column.items.iter().skip(first).take(per_page).enumerate() {
        let rect = layout::card_rect(area, k);
        if rect.height == 0 {
            break;
        }
        let selected = selected_col && first + k == app.row;
        let lines = match column.kind {
            ColumnKind::Problems => problem_lines(app, item, w),
            _ => card_lines(app, &app.board.cards[item], w),
        };
        let mut p = if selected {
            // On the selection's background, colours could vanish (a blue
            // label on blue): the selected card is drawn in its own colours.
            let plain: Vec<Line> = lines
                .into_iter()
                .map(|l| {
                    Line::from(
                        l.spans
                            .into_iter()
                            .map(|s| {
                                let mut st = s.style;
                                st.fg = None;
                                st.bg = None;
                                Span::styled(s.content, st)
                            })
                            .collect::<Vec<_>>(),
                    )
                })
                .collect();
            Paragraph::new(plain)
        } else {
            Paragraph::new(lines)
        };
        if selected {
            p = p.style(t.selected());
        }
        frame.render_widget(p, rect);
    }
    if column.items.is_empty() && area.height > layout::LANE_HEADER_ROWS {
        let msg = if column.total > 0 {
            "(none match the filter)"
        } else {
            "(empty)"
        };
        let r = layout::card_rect(area, 0);
        frame.render_widget(
            Paragraph::new(Span::styled(msg, t.muted())),
            Rect::new(r.x, r.y, r.width, 1),
        );
    }
    let _ = CARD_ROWS;
}

fn verdict_badge(v: Verdict) -> &'static str {
    match v {
        Verdict::Open => "○ open",
        Verdict::Supported => "✔ supported",
        Verdict::Refuted => "✘ refuted",
        Verdict::Inconclusive => "? inconclusive",
    }
}

/// Three lines: title; id, kind and verdict; labels, people, due, checklist.
fn card_lines(app: &App, card: &Card, w: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let title = Line::from(Span::styled(
        fit(&card.title, w),
        Style::default().add_modifier(Modifier::BOLD),
    ));
    let mut meta = vec![Span::styled(card.short_id().to_string(), t.muted())];
    // What it waits on and what its flags say, before what may be cut.
    meta.extend(super::links::badges(app, card));
    // The verdict says more than the kind: it goes first.
    if let Some(v) = card.verdict() {
        meta.push(Span::raw(" "));
        meta.push(Span::styled(verdict_badge(v), t.verdict(v)));
    }
    if card.verdict().is_none() || card.kind != "hypothesis" {
        meta.push(Span::raw(" "));
        meta.push(Span::raw(fit(&card.kind, 12)));
    }
    // Evidence whose data or stored value changed since the verdict (as
    // last checked on the worker).
    if app.stale.contains_key(&card.id) {
        meta.push(Span::styled(" ⚠stale", t.error()));
    }
    if card.extra.contains_key("conflicts") {
        meta.push(Span::styled(" ⚡conflict", t.error()));
    }
    // A decision: how many cards it rests on, in the error colour when a
    // verdict among them is stale (`lanes decisions` says what moved).
    if !card.rests_on.is_empty() {
        let shaken = card.rests_on.iter().any(|id| app.stale.contains_key(id));
        let style = if shaken { t.error() } else { t.muted() };
        meta.push(Span::styled(format!(" ⚖{}", card.rests_on.len()), style));
    }
    let mut items: Vec<(String, Style)> = Vec::new();
    if let Some(d) = &card.due {
        let overdue = card.is_overdue(app.today);
        // This year's dates as MM-DD; overdue ones flagged.
        let this_year = crate::model::date::format_date(app.today);
        let short = match d.get(..5) {
            Some(y) if this_year.starts_with(y) && d.len() == 10 => &d[5..],
            _ => d.as_str(),
        };
        let text = if overdue {
            format!("⏰{}!", fit(short, 10))
        } else {
            format!("⏰{}", fit(short, 10))
        };
        items.push((text, if overdue { t.error() } else { t.muted() }));
    }
    let (done, total) = card.checklist_progress();
    if total > 0 {
        items.push((format!("☑{done}/{total}"), t.muted()));
    }
    // Who holds a live claim on it (`lanes claim`).
    if let Some(c) = card.live_claim(app.wall) {
        items.push((format!("⚑{}", fit(&c.by, 20)), t.accent()));
    }
    for l in &card.labels {
        let color = app.board.config.label(l).and_then(|d| d.color.as_deref());
        items.push((format!("#{}", fit(l, 16)), t.label(color)));
    }
    for a in &card.assignees {
        items.push((
            format!("@{}", fit(a, 12)),
            t.accent().remove_modifier(Modifier::BOLD),
        ));
    }
    vec![
        title,
        Line::from(cut(meta, w)),
        Line::from(fit_items(items, w, t)),
    ]
}

/// All items if they fit; otherwise as many as fit with `+N` for the rest.
fn fit_items(
    items: Vec<(String, Style)>,
    w: usize,
    t: &crate::tui::theme::Theme,
) -> Vec<Span<'static>> {
    let widths: Vec<usize> = items.iter().map(|(text, _)| width(text) + 1).collect();
    let all_fit = widths.iter().sum::<usize>() <= w + 1;
    let n = items.len();
    let mut out = Vec::new();
    let mut used = 0;
    for (i, (text, style)) in items.into_iter().enumerate() {
        // Room for "+N" if items would still follow this one.
        let after = n - i - 1;
        let marker = if all_fit || after == 0 {
            0
        } else {
            1 + after.to_string().len()
        };
        if !all_fit && used + widths[i] + marker > w {
            out.push(Span::styled(format!("+{}", n - i), t.muted()));
            break;
        }
        used += widths[i];
        out.push(Span::styled(text, style));
        out.push(Span::raw(" "));
    }
    out
}

/// Drop spans that would run past the width.
fn cut(spans: Vec<Span<'static>>, w: usize) -> Vec<Span<'static>> {
    let mut used = 0;
    let mut out = Vec::new();
    for s in spans {
        let sw = s.width();
        if used + sw > w {
            let rest = w.saturating_sub(used);
            if rest > 1 {
                out.push(Span::styled(fit(&s.content, rest), s.style));
            }
            break;
        }
        used += sw;
        out.push(s);
    }
    out
}

fn problem_lines(app: &App, i: usize, w: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let Some(p) = app.board.problems.get(i) else {
        return Vec::new();
    };
    let file = p.path.rsplit('/').next().unwrap_or(&p.path).to_string();
    vec![
        Line::from(Span::styled(fit(&format!("⚠ {file}"), w), t.error())),
        Line::from(Span::raw(fit(
            &format!("{}:{}: {}", p.line, p.column, p.message),
            w,
        ))),
        Line::from(Span::styled(
            fit("e: fix in $EDITOR · Enter: full message", w),
            t.muted(),
        )),
    ]
}
