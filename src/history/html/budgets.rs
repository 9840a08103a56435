//! Budgets (with their burn-down charts) and costs.

use super::{esc, month_day, Page};
use crate::history::svg::{self, Path, Scale};
use crate::model::cost::{show_amount, show_cost};
use crate::model::date;
use serde_json::Value as Json;
use std::fmt::Write;

pub(super) fn budgets(p: &mut Page) {
    let r = p.r;
    if r.budgets.is_empty() {
        p.out.push_str("<p>board.yaml declares no budget (<code>budgets: [{unit: GPU-hours, amount: 400, period: quarter}]</code>).</p>\n");
        return;
    }
    p.out.push_str("<p>Spend is what the costs recorded on cards (<code>experiment.cost</code>) grew by in the budget's period.</p>\n");
    for (i, b) in r.budgets.iter().enumerate() {
        let at = ptr!("budgets", i);
        let _ = write!(
            p.out,
            "<h3>{} per {} — {}</h3>\n<div class=\"row\"><figure>",
            esc(&show_cost(b.amount, b.unit.trim())),
            esc(&b.period),
            esc(&b.label)
        );
        burn_down(p, b);
        p.out
            .push_str("</figure>\n<div class=\"side\"><table><tbody>");
        let unit = b.unit.trim();
        let rows: [(&str, &str, Json, String); 6] = [
            (
                "Budget",
                "amount",
                b.amount.into(),
                show_cost(b.amount, unit),
            ),
            ("Spent", "spent", b.spent.into(), show_cost(b.spent, unit)),
            (
                "Remaining",
                "remaining",
                b.remaining.into(),
                show_cost(b.remaining, unit),
            ),
            (
                "Used",
                "used_percent",
                b.used_percent.into(),
                format!("{}%", show_amount(b.used_percent)),
            ),
            (
                "Burn rate",
                "burn_per_day",
                b.burn_per_day.into(),
                format!("{} a day", show_cost(b.burn_per_day, unit)),
            ),
            (
                "At this rate, by the end",
                "projected",
                b.projected.into(),
                show_cost(b.projected, unit),
            ),
        ];
        for (name, key, value, text) in rows {
            let _ = write!(p.out, "<tr><th>{}</th>", esc(name));
            p.num_cell(&format!("{at}/{key}"), value, &text);
            p.out.push_str("</tr>");
        }
        p.out.push_str("<tr><th>Runs out</th>");
        let runs_out = match &b.runs_out {
            Some(d) if b.used_percent >= 100.0 => format!("ran out {d}"),
            Some(d) => d.clone(),
            None => format!("lasts the {}", b.period),
        };
        p.num_cell(
            &format!("{at}/runs_out"),
            b.runs_out.clone().map_or(Json::Null, Json::from),
            &runs_out,
        );
        let _ = write!(
            p.out,
            "</tr><tr><th>Days</th><td class=\"n\">{} of {}</td></tr></tbody></table>",
            p.figure(
                &format!("{at}/days_elapsed"),
                b.days_elapsed,
                &b.days_elapsed.to_string()
            ),
            p.figure(
                &format!("{at}/days_in_period"),
                b.days_in_period,
                &b.days_in_period.to_string()
            ),
        );
        if !b.earlier.is_empty() {
            p.out.push_str("<table><thead><tr><th>Earlier</th><th class=\"n\">Spent</th><th class=\"n\">Used</th></tr></thead><tbody>");
            for (k, e) in b.earlier.iter().enumerate() {
                let _ = write!(p.out, "<tr><td>{}</td>", esc(&e.label));
                p.num_cell(
                    &format!("{at}/earlier/{k}/spent"),
                    e.spent,
                    &show_cost(e.spent, unit),
                );
                p.num_cell(
                    &format!("{at}/earlier/{k}/used_percent"),
                    e.used_percent,
                    &format!("{}%", show_amount(e.used_percent)),
                );
                p.out.push_str("</tr>");
            }
            p.out.push_str("</tbody></table>");
        }
        p.out.push_str("</div></div>\n");
    }
}

/// A budget's burn-down: what is left each day of its period, the pace
/// that would spend it exactly, and where the current rate leads.
fn burn_down(p: &mut Page, b: &crate::history::budget::BudgetStatus) {
    let (w, h, left, right, top, bottom) = (720.0, 260.0, 60.0, 14.0, 12.0, 30.0);
    let n = b.days_in_period as f64;
    let x = Scale::new(0.0, n, left, w - right);
    let lowest = b
        .days
        .iter()
        .map(|d| d.remaining)
        .fold(0.0_f64, f64::min)
        .min(b.amount - b.projected);
    let ticks = svg::ticks_between(lowest, b.amount, 5);
    let (y0, y1) = (
        ticks.first().copied().unwrap_or(0.0),
        ticks.last().copied().unwrap_or(b.amount),
    );
    let y = Scale::new(y0, y1, h - bottom, top);
    let unit = b.unit.trim().to_string();
    p.svg_open(
        w,
        h,
        &format!("Burn-down of the {} budget for {}", b.unit, b.label),
        &format!(
            "What is left of {} each day from {} to {}: the ideal pace, the spend so far and where this rate leads.",
            show_cost(b.amount, &unit),
            b.start,
            b.end
        ),
    );
    p.y_axis(&y, &ticks, left, w - right, &|t| show_amount(t));
    let mut zero = Path::new();
    zero.move_to(left, y.at(0.0)).line_to(w - right, y.at(0.0));
    let _ = write!(p.out, "<path class=\"axis\" d=\"{}\"/>", zero.as_str());
    let mut warn = Path::new();
    let warn_y = y.at(b.amount * (1.0 - crate::history::budget::WARN_AT / 100.0));
    warn.move_to(left, warn_y).line_to(w - right, warn_y);
    p.series(
        &warn,
        "stroke=\"#b36b00\" stroke-width=\"1\" stroke-dasharray=\"2 3\" fill=\"none\"",
        &format!("{}% used", crate::history::budget::WARN_AT),
    );
    let mut ideal = Path::new();
    ideal
        .move_to(x.at(0.0), y.at(b.amount))
        .line_to(x.at(n), y.at(0.0));
    p.series(
        &ideal,
        "stroke=\"#9aa3b2\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\" fill=\"none\"",
        &format!(
            "Even pace: {} a day",
            show_cost(b.amount / n.max(1.0), &unit)
        ),
    );
    let mut left_line = Path::new();
    left_line.move_to(x.at(0.0), y.at(b.amount));
    for (i, d) in b.days.iter().enumerate() {
        left_line.line_to(x.at(i as f64 + 1.0), y.at(d.remaining));
    }
    let color = if b.over { "#c0392b" } else { "#0072b2" };
    p.series(
        &left_line,
        &format!("stroke=\"{color}\" stroke-width=\"2.5\" fill=\"none\""),
        &format!(
            "Remaining: {} of {} after {} spent",
            show_cost(b.remaining, &unit),
            show_cost(b.amount, &unit),
            show_cost(b.spent, &unit)
        ),
    );
    let done = b.days.len() as f64;
    if b.burn_per_day > 0.0 && done < n && b.remaining > 0.0 {
        let mut ahead = Path::new();
        let end_day = match &b.runs_out {
            Some(d) => date::parse_date(d)
                .zip(date::parse_date(&b.start))
                .map_or(n, |(d, s)| (d - s + 1) as f64),
            None => n,
        };
        let end_left = b.remaining - b.burn_per_day * (end_day - done);
        ahead
            .move_to(x.at(done), y.at(b.remaining))
            .line_to(x.at(end_day), y.at(end_left.max(y0)));
        p.series(
            &ahead,
            &format!(
                "stroke=\"{color}\" stroke-width=\"2\" stroke-dasharray=\"4 3\" fill=\"none\""
            ),
            &match &b.runs_out {
                Some(d) => format!("At this rate it runs out on {d}"),
                None => format!(
                    "At this rate: {} spent by {}",
                    show_cost(b.projected, &unit),
                    b.end
                ),
            },
        );
    }
    p.label(x.at(0.0), h - bottom + 16.0, "start", &month_day(&b.start));
    p.label(x.at(n), h - bottom + 16.0, "end", &month_day(&b.end));
    if done > 0.0 && done < n {
        p.label(
            x.at(done),
            h - bottom + 16.0,
            "middle",
            &month_day(&b.as_of),
        );
    }
    p.out.push_str("</svg>");
    p.legend(&[
        (color.to_string(), "remaining (dashed: at this rate)".into()),
        ("#9aa3b2".into(), "even pace".into()),
        (
            "#b36b00".into(),
            format!("{}% used", crate::history::budget::WARN_AT),
        ),
    ]);
}

pub(super) fn costs(p: &mut Page) {
    let r = p.r;
    if r.costs_total.is_empty() {
        p.out.push_str("<p>No cost is recorded on the board.</p>\n");
        return;
    }
    p.out.push_str("<p>Costs recorded on cards (<code>experiment.cost</code>), by unit: on the cards that changed in the period, and on the whole board.</p>\n<table><thead><tr><th>Unit</th><th class=\"n\">Cards changed in the period</th><th class=\"n\">All cards</th></tr></thead><tbody>");
    for (i, c) in r.costs_total.iter().enumerate() {
        let unit = c.unit.clone().unwrap_or_default();
        let _ = write!(
            p.out,
            "<tr><td>{}</td>",
            if unit.is_empty() {
                "<span class=\"muted\">(no unit)</span>".to_string()
            } else {
                esc(&unit)
            }
        );
        match r.costs_in_period.iter().position(|x| x.unit == c.unit) {
            Some(k) => {
                let x = r.costs_in_period[k].amount;
                p.num_cell(
                    &ptr!("costs_in_period", k, "amount"),
                    x,
                    &show_cost(x, &unit),
                );
            }
            None => p.out.push_str("<td class=\"n\">0</td>"),
        }
        p.num_cell(
            &ptr!("costs_total", i, "amount"),
            c.amount,
            &show_cost(c.amount, &unit),
        );
        p.out.push_str("</tr>");
    }
    p.out.push_str("</tbody></table>\n");
}
