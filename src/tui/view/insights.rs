//! Views computed from git history: a card's history and the flow chart
//! (the hypotheses table is in `hypotheses.rs`).

use super::block;
use super::text::fit;
use crate::history::flow::human;
use crate::tui::app::App;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Clear, Dataset, GraphType, Paragraph};
use ratatui::Frame;

/// The computed insights, or a "reading…" / error box drawn instead.
pub(super) fn ready<'a>(
    frame: &mut Frame,
    app: &'a App,
    area: Rect,
    b: Block,
) -> Option<&'a crate::tui::app::Insights> {
    let t = &app.theme;
    let line = match &app.insights {
        Some(Ok(i)) => return Some(i),
        Some(Err(e)) => Line::styled(fit(&e.to_string(), 200), t.error()),
        None => Line::styled("reading history…", t.muted()),
    };
    frame.render_widget(Paragraph::new(line).block(b), area);
    None
}

fn when(t: i64) -> String {
    let s = crate::model::date::format_timestamp(t);
    s[..16].replace('T', " ")
}

pub fn history_title(app: &App, card: &str) -> String {
    app.board
        .card(card)
        .map(|c| format!(" History · {} {} ", c.short_id(), fit(&c.title, 50)))
        .unwrap_or_else(|| " History ".into())
}

pub fn history_lines(app: &App, card: &str, width: u16) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut lines = Vec::new();
    match &app.history {
        Some((id, Ok(entries))) if id == card => {
            if entries.is_empty() {
                lines.push(Line::styled(
                    "No commits have changed this card yet.",
                    t.muted(),
                ));
            }
            for e in entries {
                let mut head = vec![
                    Span::styled(format!("{} ", when(e.time)), t.muted()),
                    // The agent that made it for its author, as `lanes log`
                    // names it ("Ana via claude-code").
                    Span::styled(
                        format!(
                            "{} ",
                            fit(
                                &crate::history::by_with_agent(&e.author, e.agent.as_deref()),
                                40
                            )
                        ),
                        Style::default().add_modifier(Modifier::BOLD),
                    ),
                    Span::styled(format!("{} ", &e.commit[..8]), t.muted()),
                ];
                if e.link {
                    head.push(Span::styled("mentions it: ", t.accent()));
                    head.push(Span::raw(fit(&e.subject, 80)));
                } else if e.action.is_none() {
                    head.push(Span::styled("edited outside lanes: ", t.warn()));
                    head.push(Span::raw(fit(&e.subject, 60)));
                }
                lines.push(Line::from(head));
                for c in e.change_lines() {
                    lines.push(Line::raw(format!(
                        "    {}",
                        fit(&c, width.saturating_sub(8) as usize)
                    )));
                }
            }
        }
        Some((id, Err(e))) if id == card => {
            lines.push(Line::styled(fit(&e.to_string(), 200), t.error()))
        }
        _ => lines.push(Line::styled("reading history…", t.muted())),
    }
    lines
}

pub fn flow(frame: &mut Frame, app: &App, area: Rect, scroll: u16) {
    let t = &app.theme;
    frame.render_widget(Clear, area);
    let b = block(
        app,
        " Flow ".to_string(),
        " j/k scroll the numbers · g/G top/end · Esc closes ",
    );
    let Some(insights) = ready(frame, app, area, b.clone()) else {
        return;
    };
    let f = &insights.flow;
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let (chart_area, _) = flow_areas(inner);
    // Cumulative flow: each lane's line is the sum of it and every later
    // lane, so the bands stack from the last lane up.
    let n = f.lanes.len();
    let series: Vec<Vec<(f64, f64)>> = (0..n)
        .map(|i| {
            f.cfd
                .iter()
                .enumerate()
                .map(|(d, (_, counts))| (d as f64, counts[i..].iter().sum::<usize>() as f64))
                .collect()
        })
        .collect();
    let colors = [
        ratatui::style::Color::Cyan,
        ratatui::style::Color::Blue,
        ratatui::style::Color::Magenta,
        ratatui::style::Color::Yellow,
        ratatui::style::Color::Green,
        ratatui::style::Color::Red,
        ratatui::style::Color::White,
    ];
    let title = |id: &str| {
        app.board
            .config
            .lane(id)
            .map_or(id.to_string(), |l| l.title.clone())
    };
    let datasets: Vec<Dataset> = series
        .iter()
        .enumerate()
        .map(|(i, data)| {
            let style = if t.color {
                Style::default().fg(colors[i % colors.len()])
            } else {
                Style::default()
            };
            Dataset::default()
                .name(fit(&title(&f.lanes[i]), 22))
                .marker(symbols::Marker::Braille)
                .graph_type(GraphType::Line)
                .style(style)
                .data(data)
        })
        .collect();
    let max_y = series
        .first()
        .map_or(1.0, |s| s.iter().map(|p| p.1).fold(1.0, f64::max));
    let days = f.cfd.len().max(1) as f64;
    let chart = Chart::new(datasets)
        .legend_position(Some(ratatui::widgets::LegendPosition::TopLeft))
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)))
        .x_axis(
            Axis::default()
                .bounds([0.0, days - 1.0])
                .labels(vec![Span::raw(f.since.clone()), Span::raw(f.until.clone())])
                .style(t.muted()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, max_y])
                .labels(vec![Span::raw("0"), Span::raw(format!("{max_y:.0}"))])
                .style(t.muted()),
        );
    frame.render_widget(chart, chart_area);
    let _ = scroll; // The numbers beside or below are drawn as a scrolling text.
}

/// Where the chart and the numbers go: side by side on a wide screen,
/// the chart above the numbers on a narrow one.
fn flow_areas(inner: Rect) -> (Rect, Rect) {
    if inner.width >= 120 {
        let [c, t] = Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(inner);
        (c, t.inner(ratatui::layout::Margin::new(1, 0)))
    } else {
        let chart_h = (inner.height * 2 / 5).clamp(6.min(inner.height), 16);
        let [c, _, t] = Layout::vertical([
            Constraint::Length(chart_h),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);
        (c, t)
    }
}

/// The flow view's numbers and where they go (inside the flow frame).
pub fn flow_text(app: &App, area: Rect) -> Option<(Rect, Vec<Line<'static>>)> {
    let t = &app.theme;
    let Some(Ok(insights)) = &app.insights else {
        return None;
    };
    let f = &insights.flow;
    let inner = area.inner(ratatui::layout::Margin::new(1, 1));
    let (_, text_area) = flow_areas(inner);
    let title = |id: &str| {
        app.board
            .config
            .lane(id)
            .map_or(id.to_string(), |l| l.title.clone())
    };
    let name_w = if text_area.width >= 70 { 22 } else { 16 };
    let mut lines = vec![Line::styled(
        "Cumulative flow, bands from the top",
        t.accent(),
    )];
    // The lane names, as many to a line as fit.
    let mut row = String::from(" ");
    for (i, l) in f.lanes.iter().enumerate() {
        let name = format!(
            " {}{}",
            title(l),
            if i + 1 < f.lanes.len() { " ·" } else { "" }
        );
        if super::text::width(&row) + super::text::width(&name) > text_area.width as usize
            && !row.trim().is_empty()
        {
            lines.push(Line::raw(std::mem::replace(&mut row, String::from(" "))));
        }
        row.push_str(&name);
    }
    lines.push(Line::raw(row));
    lines.extend([
        Line::raw(""),
        Line::styled("Time in lane (median · 85%)", t.accent()),
    ]);
    for c in &f.cycle {
        let v = c
            .time_in_lane
            .map(|s| {
                format!(
                    "{} · {}  ({})",
                    human(s.median),
                    human(s.p85),
                    crate::model::text::count(s.count, "visit", "visits")
                )
            })
            .unwrap_or_else(|| "—".into());
        lines.push(Line::raw(format!(
            "  {:<name_w$} {v}",
            fit(&title(&c.lane), name_w)
        )));
    }
    // As the text says it: every card that reached a done lane is
    // counted, with or without a journey to time.
    let untimed = f.finished - f.end_to_end.map_or(0, |s| s.count);
    if let Some(s) = f.end_to_end {
        lines.push(Line::raw(format!(
            "  {:<name_w$} {} · {}  ({})",
            "end to end",
            human(s.median),
            human(s.p85),
            crate::model::text::count(s.count, "card", "cards"),
            name_w = name_w,
        )));
    }
    if untimed > 0 {
        lines.push(Line::styled(
            format!(
                "  {:<name_w$} {untimed}{} reached a done lane, created there: no journey to time",
                if f.end_to_end.is_some() {
                    ""
                } else {
                    "end to end"
                },
                if f.end_to_end.is_some() { " more" } else { "" },
                name_w = name_w,
            ),
            t.muted(),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Throughput per week", t.accent()));
    for (w, k) in f.throughput.iter().rev().take(8).rev() {
        lines.push(Line::raw(format!("  {w}  {k:>3} {}", "■".repeat(*k))));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Loop-backs", t.accent()));
    if f.loop_backs.is_empty() {
        lines.push(Line::styled("  none", t.muted()));
    }
    for l in &f.loop_backs {
        lines.push(Line::raw(format!(
            "  {:>3}  {} → {}",
            l.count,
            fit(&title(&l.from), 18),
            fit(&title(&l.to), 18)
        )));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("WIP-limit breaches", t.accent()));
    if f.breaches.is_empty() {
        lines.push(Line::styled("  none", t.muted()));
    }
    for b in &f.breaches {
        lines.push(Line::styled(
            format!(
                "  {} >{}: {} … {} (max {})",
                fit(&title(&b.lane), 18),
                b.limit,
                &b.from[5..],
                &b.to[5..],
                b.max
            ),
            t.warn(),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Aging work in progress (age · lane's 85%)",
        t.accent(),
    ));
    if f.aging.is_empty() {
        lines.push(Line::styled("  none", t.muted()));
    }
    for a in f.aging.iter().take(12) {
        let text = format!(
            "  {} {:<7} {:<18} {} · {}",
            if a.over_p85 { "!" } else { " " },
            crate::model::id::short(&a.card),
            fit(&title(&a.lane), 18),
            human(a.age),
            a.lane_p85.map_or("—".to_string(), human)
        );
        lines.push(if a.over_p85 {
            Line::styled(text, t.warn())
        } else {
            Line::raw(text)
        });
    }
    Some((text_area, lines))
}
