//! Views computed from git history: a card's history, the hypotheses
//! table and the flow chart.

use super::text::fit;
use crate::history::flow::human;
use crate::tui::app::{App, HypSort};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, BorderType, Borders, Cell, Chart, Clear, Dataset, GraphType, Paragraph, Row, Table,
};
use ratatui::Frame;

fn block<'a>(app: &App, title: String, hint: &'a str) -> Block<'a> {
    let t = &app.theme;
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(t.accent())
        .title(Span::styled(title, t.accent()))
        .title_bottom(Span::styled(hint, t.muted()))
}

/// The computed insights, or a "reading…" / error box drawn instead.
fn ready<'a>(
    frame: &mut Frame,
    app: &'a App,
    area: Rect,
    b: Block,
) -> Option<&'a crate::tui::app::Insights> {
    let t = &app.theme;
    let line = match &app.insights {
        Some(Ok(i)) => return Some(i),
        Some(Err(e)) => Line::styled(fit(e, 200), t.error()),
        None => Line::styled("reading history…", t.muted()),
    };
    frame.render_widget(Paragraph::new(line).block(b), area);
    None
}

fn when(t: i64) -> String {
    let s = crate::model::date::format_timestamp(t);
    s[..16].replace('T', " ")
}

pub fn history(frame: &mut Frame, app: &App, area: Rect, card: &str, scroll: u16) {
    let t = &app.theme;
    let title = app
        .board
        .card(card)
        .map(|c| format!(" History · {} {} ", c.short_id(), fit(&c.title, 50)))
        .unwrap_or_else(|| " History ".into());
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
                    Span::styled(
                        format!("{} ", fit(&e.author, 24)),
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
                        fit(&c, area.width.saturating_sub(8) as usize)
                    )));
                }
            }
        }
        Some((id, Err(e))) if id == card => lines.push(Line::styled(fit(e, 200), t.error())),
        _ => lines.push(Line::styled("reading history…", t.muted())),
    }
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(app, title, " j/k scroll · any key closes "))
            .scroll((scroll, 0)),
        area,
    );
}

pub fn hypotheses(frame: &mut Frame, app: &App, area: Rect, scroll: u16, sort: HypSort) {
    let t = &app.theme;
    frame.render_widget(Clear, area);
    let b = block(
        app,
        " Hypotheses ".to_string(),
        " sort: l lane · v verdict · m metric · u updated · any other key closes ",
    );
    let Some(insights) = ready(frame, app, area, b.clone()) else {
        return;
    };
    let rows = &insights.hypotheses;
    let mut rows: Vec<_> = rows.iter().collect();
    match sort {
        HypSort::Lane => {}
        HypSort::Verdict => rows.sort_by(|a, b| a.verdict.cmp(&b.verdict)),
        HypSort::Metric => rows.sort_by(|a, b| a.metric.cmp(&b.metric)),
        HypSort::Updated => rows.sort_by(|a, b| b.updated.cmp(&a.updated)),
    }
    let header = Row::new([
        "id",
        "hypothesis",
        "metric",
        "baseline → target → result",
        "verdict",
        "history",
        "cost",
        "owner",
    ])
    .style(t.accent());
    let body: Vec<Row> = rows
        .iter()
        .skip(scroll as usize)
        .map(|r| {
            let text = if r.statement.is_empty() {
                &r.title
            } else {
                &r.statement
            };
            let dash = |s: &str| {
                if s.is_empty() {
                    "—".to_string()
                } else {
                    fit(s, 12)
                }
            };
            let verdict = r.verdict.parse().unwrap_or_default();
            let history: Vec<String> = r
                .verdicts
                .iter()
                .map(|(d, v)| format!("{} {v}", &d[5..]))
                .collect();
            Row::new(vec![
                Cell::from(Span::styled(
                    crate::model::id::short(&r.id).to_string(),
                    t.muted(),
                )),
                Cell::from(fit(text, 60)),
                Cell::from(fit(&r.metric, 20)),
                Cell::from(format!(
                    "{} → {} → {}",
                    dash(&r.baseline),
                    dash(&r.target),
                    dash(&r.result)
                )),
                Cell::from(Span::styled(r.verdict.clone(), t.verdict(verdict))),
                Cell::from(fit(&history.join(", "), 40)),
                Cell::from(fit(&r.cost, 14)),
                Cell::from(fit(&r.owner, 16)),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(6),
        Constraint::Fill(3),
        Constraint::Fill(1),
        Constraint::Length(26),
        Constraint::Length(12),
        Constraint::Fill(1),
        Constraint::Length(10),
        Constraint::Length(12),
    ];
    frame.render_widget(Table::new(body, widths).header(header).block(b), area);
}

pub fn flow(frame: &mut Frame, app: &App, area: Rect, scroll: u16) {
    let t = &app.theme;
    frame.render_widget(Clear, area);
    let b = block(
        app,
        " Flow ".to_string(),
        " j/k scroll the numbers · any other key closes ",
    );
    let Some(insights) = ready(frame, app, area, b.clone()) else {
        return;
    };
    let f = &insights.flow;
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let [chart_area, text_area] =
        Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(inner);
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
    let mut lines = vec![Line::styled("Time in lane (median · 85%)", t.accent())];
    for c in &f.cycle {
        let v = c
            .time_in_lane
            .map(|s| {
                format!(
                    "{} · {}  ({} visits)",
                    human(s.median),
                    human(s.p85),
                    s.count
                )
            })
            .unwrap_or_else(|| "—".into());
        lines.push(Line::raw(format!("  {:<22} {v}", fit(&title(&c.lane), 22))));
    }
    if let Some(s) = f.end_to_end {
        lines.push(Line::raw(format!(
            "  {:<22} {} · {}  ({} cards)",
            "end to end",
            human(s.median),
            human(s.p85),
            s.count
        )));
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
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), text_area);
}
