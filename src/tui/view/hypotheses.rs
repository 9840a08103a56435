//! The hypotheses table (`p`): one row per hypothesis, columns that
//! never change meaning (a name or number shown whole, or left out), and
//! each verdict's history.

use super::block;
use super::insights::ready;
use super::text::{fit, width};
use crate::history::report::{numbers_cell, HypothesisRow};
use crate::tui::app::{App, HypSort};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table};
use ratatui::Frame;

/// Rows of the hypotheses table that fit in its frame.
pub fn table_rows(area: Rect) -> u16 {
    // Frame (2) and header (1).
    area.height.saturating_sub(3).max(1)
}

pub fn hypotheses(frame: &mut Frame, app: &App, area: Rect, cursor: usize, sort: HypSort) {
    let t = &app.theme;
    frame.render_widget(Clear, area);
    let b = block(
        app,
        format!(" Hypotheses · by {} ", sort.name()),
        " j/k · Enter opens · sort l v m u · Esc ",
    );
    if ready(frame, app, area, b.clone()).is_none() {
        return;
    }
    let rows = app.hypothesis_rows();
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "No hypotheses on this board yet: n, then h, writes one.",
                t.muted(),
            ))
            .block(b),
            area,
        );
        return;
    }
    let stale = |r: &HypothesisRow| r.stale || app.stale.contains_key(&r.id);
    let cols = HypColumns::new(&rows, area.width.saturating_sub(2) as usize, &stale);
    let visible = table_rows(area) as usize;
    let first = (cursor + 1).saturating_sub(visible);
    let header = Row::new(cols.titles()).style(t.accent());
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, r)| {
            let text = if r.statement.is_empty() {
                &r.title
            } else {
                &r.statement
            };
            let verdict = r.verdict.parse().unwrap_or_default();
            let mut verdict_cell = vec![Span::styled(r.verdict.clone(), t.verdict(verdict))];
            if stale(r) {
                verdict_cell.push(Span::styled(" ⚠stale", t.error()));
            }
            let mut cells = vec![
                Cell::from(Span::styled(
                    crate::model::id::short(&r.id).to_string(),
                    t.muted(),
                )),
                Cell::from(crate::model::text::fit_words(text, cols.text)),
                Cell::from(fit(&r.metric, cols.metric)),
            ];
            match cols.numbers {
                Numbers::All(w) => cells.push(Cell::from(fit(&numbers_cell(r, "→"), w))),
                Numbers::Result(w) => cells.push(Cell::from(fit(
                    if r.result.is_empty() {
                        "—"
                    } else {
                        &r.result
                    },
                    w,
                ))),
                Numbers::None => {}
            }
            cells.push(Cell::from(Line::from(verdict_cell)));
            if let Some(w) = cols.owner {
                cells.push(Cell::from(fit(&r.owner, w)));
            }
            if let Some(w) = cols.cost {
                cells.push(Cell::from(fit(&r.cost, w)));
            }
            if let Some(w) = cols.history {
                cells.push(Cell::from(verdict_history(r, w)));
            }
            let row = Row::new(cells);
            if i == cursor {
                row.style(t.selected())
            } else {
                row
            }
        })
        .collect();
    frame.render_widget(
        Table::new(body, cols.widths())
            .header(header)
            .block(b)
            .column_spacing(1),
        area,
    );
}

/// What the numbers column shows: baseline → target → result, the result
/// alone, or nothing (a very narrow screen), each with its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numbers {
    All(usize),
    Result(usize),
    None,
}

/// The hypotheses table's columns for a width: the id, the statement, the
/// metric, the numbers and the verdict always (the statement takes what
/// is left, cut with an ellipsis); the owner, the cost and the verdict
/// history when they fit. Metric names, numbers, verdicts and costs get
/// the width their longest value needs, so they are never cut; before
/// the statement would be narrower than [`MIN_TEXT`], the full numbers
/// give way to the result alone, and the optional columns are left out.
struct HypColumns {
    text: usize,
    metric: usize,
    numbers: Numbers,
    verdict: usize,
    owner: Option<usize>,
    cost: Option<usize>,
    history: Option<usize>,
}

/// The narrowest statement column beside the full numbers and the
/// optional columns (they give way first).
const MIN_TEXT: usize = 30;
/// The narrowest statement column beside the result (which gives way
/// only on a very narrow screen).
const LEAST_TEXT: usize = 12;
/// The verdict history column at most (its oldest verdicts give way).
const MAX_HISTORY: usize = 40;

impl HypColumns {
    fn new(rows: &[&HypothesisRow], inner: usize, stale: &dyn Fn(&HypothesisRow) -> bool) -> Self {
        let need = |head: &str, f: &dyn Fn(&HypothesisRow) -> String| {
            rows.iter()
                .map(|r| width(&f(r)))
                .chain([width(head)])
                .max()
                .unwrap_or(0)
        };
        let dash = |s: &str| {
            if s.is_empty() {
                "—".to_string()
            } else {
                s.to_string()
            }
        };
        let metric = need("metric", &|r| r.metric.clone());
        let all = need("base→target→result", &|r| numbers_cell(r, "→"));
        let result = need("result", &|r| dash(&r.result));
        let verdict = need("verdict", &|r| {
            format!("{}{}", r.verdict, if stale(r) { " ⚠stale" } else { "" })
        });
        let text = need("hypothesis", &|r| {
            if r.statement.is_empty() {
                r.title.clone()
            } else {
                r.statement.clone()
            }
        });
        let filled = |f: &dyn Fn(&HypothesisRow) -> &str| rows.iter().any(|r| !f(r).is_empty());
        let owner = filled(&|r| &r.owner).then(|| need("owner", &|r| r.owner.clone()));
        let cost = filled(&|r| &r.cost).then(|| need("cost", &|r| r.cost.clone()));
        let history = rows
            .iter()
            .any(|r| !r.verdicts.is_empty())
            .then(|| need("history", &|r| history_text(r)).min(MAX_HISTORY));
        // Columns are one apart; the id is six wide.
        let base = 6 + 1 + metric + 1 + verdict + 1;
        let room = |used: usize| inner.saturating_sub(used);
        let mut c = HypColumns {
            text: 0,
            metric,
            numbers: Numbers::All(all),
            verdict,
            owner: None,
            cost: None,
            history: None,
        };
        // The statement may be as narrow as `MIN_TEXT` for the full
        // numbers and the optional columns, as `LEAST_TEXT` for the result.
        let (min_text, least_text) = (text.min(MIN_TEXT), text.min(LEAST_TEXT));
        let mut used = base + all + 1;
        if room(used) < min_text {
            c.numbers = Numbers::Result(result);
            used = base + result + 1;
        }
        if room(used) < least_text {
            c.numbers = Numbers::None;
            used = base;
        }
        for (col, w) in [(1, cost), (0, owner), (2, history)] {
            let Some(w) = w else { continue };
            if room(used + w + 1) >= min_text {
                used += w + 1;
                match col {
                    0 => c.owner = Some(w),
                    1 => c.cost = Some(w),
                    _ => c.history = Some(w),
                }
            }
        }
        // Still too narrow: the metric is cut, with an ellipsis, rather
        // than clipped by the table.
        if room(used) < least_text {
            let short = metric.saturating_sub(least_text - room(used)).max(4);
            used = used - metric + short;
            c.metric = short;
        }
        c.text = room(used).max(1);
        c
    }

    fn titles(&self) -> Vec<&'static str> {
        let mut t = vec!["id", "hypothesis", "metric"];
        match self.numbers {
            Numbers::All(_) => t.push("base→target→result"),
            Numbers::Result(_) => t.push("result"),
            Numbers::None => {}
        }
        t.push("verdict");
        if self.owner.is_some() {
            t.push("owner");
        }
        if self.cost.is_some() {
            t.push("cost");
        }
        if self.history.is_some() {
            t.push("history");
        }
        t
    }

    fn widths(&self) -> Vec<Constraint> {
        let mut w = vec![
            Constraint::Length(6),
            Constraint::Length(self.text as u16),
            Constraint::Length(self.metric as u16),
        ];
        if let Numbers::All(n) | Numbers::Result(n) = self.numbers {
            w.push(Constraint::Length(n as u16));
        }
        w.push(Constraint::Length(self.verdict as u16));
        w.extend(
            [self.owner, self.cost, self.history]
                .into_iter()
                .flatten()
                .map(|x| Constraint::Length(x as u16)),
        );
        w
    }
}

/// A hypothesis's verdicts over time: `10-07 refuted, 10-14 supported`.
fn history_text(r: &HypothesisRow) -> String {
    r.verdicts
        .iter()
        .map(|(d, v)| format!("{} {v}", d.get(5..).unwrap_or(d)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// [`history_text`] in `w` columns: the latest verdicts that fit, after
/// `…, ` when older ones are left out (never a verdict cut in two).
fn verdict_history(r: &HypothesisRow, w: usize) -> String {
    let all = history_text(r);
    if width(&all) <= w {
        return all;
    }
    let mut kept: Vec<String> = Vec::new();
    for (d, v) in r.verdicts.iter().rev() {
        let item = format!("{} {v}", d.get(5..).unwrap_or(d));
        let next = width(&item) + 2 + kept.iter().map(|k| width(k) + 2).sum::<usize>();
        if next + 1 > w {
            break;
        }
        kept.insert(0, item);
    }
    if kept.is_empty() {
        return fit(&all, w);
    }
    format!("…, {}", kept.join(", "))
}
