//! The report and the hypotheses table as text: the terminal table,
//! the reasons under it, cost totals, and the Markdown report.

use super::{HypothesisRow, Report};
use crate::history::flow;
use crate::model::date;
use std::collections::BTreeMap;
use std::fmt::Write;

/// How a verdict reads in a table: with `⚠stale` when the evidence it
/// was given from has changed since (the mark every view shows).
pub fn verdict_cell(r: &HypothesisRow) -> String {
    if r.stale {
        format!("{} ⚠stale", r.verdict)
    } else {
        r.verdict.clone()
    }
}

/// `baseline → target → result`, `—` for a value not given.
pub fn numbers_cell(r: &HypothesisRow, arrow: &str) -> String {
    let v = |s: &str| {
        if s.is_empty() {
            "—".to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{}{arrow}{}{arrow}{}",
        v(&r.baseline),
        v(&r.target),
        v(&r.result)
    )
}

/// The narrowest the statement column gets before a less important column
/// (owner, then cost) is dropped to make room.
const MIN_STATEMENT: usize = 24;

/// The hypotheses table as text, `width` columns wide, or whole (`None`:
/// not a terminal, or `--wide`). Only the statement is ever cut, with an
/// ellipsis; ids, metric names, numbers, verdicts and costs are always
/// whole, and their columns as wide as their longest value. When the
/// table does not fit, the owner column goes first, then the cost column,
/// then the statement shrinks; past that, rows are longer than the width
/// (the terminal wraps them) rather than cut inside a number.
pub fn hypotheses_text(rows: &[HypothesisRow], width: Option<usize>) -> String {
    use crate::model::text::{fit_words, one_line, width as cols};
    const HEADS: [&str; 7] = [
        "id",
        "hypothesis",
        "metric",
        "base → target → result",
        "verdict",
        "cost",
        "owner",
    ];
    const TEXT: usize = 1;
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            let text = if r.statement.is_empty() {
                &r.title
            } else {
                &r.statement
            };
            [
                crate::model::id::short(&r.id).to_string(),
                one_line(text),
                one_line(&r.metric),
                one_line(&numbers_cell(r, " → ")),
                verdict_cell(r),
                one_line(&r.cost),
                one_line(&r.owner),
            ]
        })
        .collect();
    let mut need = [0usize; 7];
    for (i, h) in HEADS.iter().enumerate() {
        need[i] = cells
            .iter()
            .map(|c| cols(&c[i]))
            .chain([cols(h)])
            .max()
            .unwrap_or(0);
    }
    // A column nobody filled in says nothing.
    let mut shown = [true; 7];
    for i in [5, 6] {
        shown[i] = cells.iter().any(|c| !c[i].is_empty());
    }
    let mut text_w = need[TEXT];
    if let Some(total) = width {
        let others = |shown: &[bool; 7]| -> usize {
            (0..7)
                .filter(|&i| i != TEXT && shown[i])
                .map(|i| need[i] + 2)
                .sum()
        };
        for drop in [6, 5] {
            if total < others(&shown) + need[TEXT].min(MIN_STATEMENT) {
                shown[drop] = false;
            }
        }
        text_w = need[TEXT].min(total.saturating_sub(others(&shown)).max(12));
    }
    let last = (0..7).rev().find(|&i| shown[i]).unwrap_or(0);
    let line = |row: [&str; 7], out: &mut String| {
        for i in (0..7).filter(|&i| shown[i]) {
            let (cell, w) = if i == TEXT {
                (fit_words(row[i], text_w), text_w)
            } else {
                (row[i].to_string(), need[i])
            };
            out.push_str(&cell);
            if i != last {
                out.push_str(&" ".repeat(w.saturating_sub(cols(&cell)) + 2));
            }
        }
        while out.ends_with(' ') {
            out.pop();
        }
        out.push('\n');
    };
    let mut out = String::new();
    line(HEADS, &mut out);
    for c in &cells {
        line([&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6]], &mut out);
    }
    let stale: Vec<&HypothesisRow> = rows.iter().filter(|r| r.stale).collect();
    if !stale.is_empty() {
        let _ = writeln!(
            out,
            "\nstale verdicts (the evidence changed since they were given):"
        );
        for r in stale {
            let _ = writeln!(
                out,
                "  {} {} is stale: {}",
                crate::model::id::short(&r.id),
                r.verdict,
                one_line(&r.stale_why.join("; "))
            );
        }
    }
    out.push_str(&reasons_text(rows));
    out
}

/// The reasons given for verdicts, one line each, under a table.
pub fn reasons_text(rows: &[HypothesisRow]) -> String {
    let mut out = String::new();
    for r in rows {
        if let Some(why) = &r.rationale {
            if out.is_empty() {
                out.push_str("\nreasons given for verdicts:\n");
            }
            let _ = writeln!(
                out,
                "  {} {} because: {}",
                crate::model::id::short(&r.id),
                r.verdict,
                crate::model::text::one_line(why)
            );
        }
    }
    out
}

/// Costs summed per unit, as text: `11 GPU-hours, 5 CPU-hours`.
pub fn cost_text(totals: &BTreeMap<String, f64>) -> String {
    if totals.is_empty() {
        return "none recorded".to_string();
    }
    totals
        .iter()
        .map(|(unit, x)| {
            let n = if x.fract() == 0.0 {
                format!("{x:.0}")
            } else {
                format!("{x:.2}")
            };
            match unit.as_str() {
                "" => n,
                "$" => format!("${n}"),
                u => format!("{n} {u}"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Markdown a PM can paste. Card text is made safe for Markdown tables.
pub fn markdown(r: &Report) -> String {
    let cell = |s: &str| crate::model::text::one_line(s).replace('|', "\\|");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} — report {} to {}\n",
        cell(&r.board),
        r.since,
        r.until
    );
    if let Some(i) = &r.history_incomplete {
        let _ = writeln!(out, "> **Note:** {}\n", cell(&i.message));
    }
    for p in &r.board_problems {
        let _ = writeln!(out, "> **Left out:** {}\n", cell(p));
    }
    let _ = writeln!(
        out,
        "## Where things stand\n\n| Lane | Cards | WIP limit |\n|---|---:|---:|"
    );
    for (t, n, w) in &r.lanes {
        let flag = match w {
            Some(w) if *n > *w as usize => " ⚠",
            _ => "",
        };
        let _ = writeln!(
            out,
            "| {} | {n}{flag} | {} |",
            cell(t),
            w.map(|w| w.to_string()).unwrap_or_else(|| "—".into())
        );
    }
    let _ = writeln!(out, "\n## Hypotheses tested ({})\n", r.tested.len());
    if r.tested.is_empty() {
        let _ = writeln!(out, "No hypothesis got a verdict in this period.");
    } else {
        let _ = writeln!(out, "| Card | Hypothesis | Metric | Baseline | Target | Result | Run | Verdict |\n|---|---|---|---:|---:|---:|---|---|");
        for h in &r.tested {
            let text = if h.statement.is_empty() {
                &h.title
            } else {
                &h.statement
            };
            let runs = h.runs_text();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | **{}** |",
                crate::model::id::short(&h.id),
                cell(text),
                cell(&h.metric),
                cell(&h.baseline),
                cell(&h.target),
                cell(&h.result),
                if runs.is_empty() {
                    "—".to_string()
                } else {
                    format!("`{}`", cell(&runs).replace('`', "'"))
                },
                if h.stale {
                    format!("{} (stale: {})", h.verdict, cell(&h.stale_why.join("; ")))
                } else {
                    h.verdict.clone()
                } + &h
                    .rationale
                    .as_ref()
                    .map(|r| format!(", because: {}", cell(r)))
                    .unwrap_or_default()
            );
        }
    }
    if !r.stale_verdicts.is_empty() {
        let _ = writeln!(out, "\n## Stale verdicts\n");
        let _ = writeln!(
            out,
            "The evidence these verdicts were given from has changed since; re-run or re-record them.\n"
        );
        for s in &r.stale_verdicts {
            let _ = writeln!(
                out,
                "- {} ({}, {}): {}",
                cell(&s.title),
                crate::model::id::short(&s.id),
                s.verdict,
                cell(&s.why.join("; "))
            );
        }
    }
    let _ = writeln!(out, "\n## What we learned: refuted hypotheses\n");
    if r.refuted.is_empty() {
        let _ = writeln!(out, "None refuted in this period.");
    }
    for h in &r.refuted {
        let text = if h.statement.is_empty() {
            &h.title
        } else {
            &h.statement
        };
        let runs = h.runs_text();
        let _ = writeln!(
            out,
            "- {} ({}) — {} came out at {} against a target of {} (baseline {}){}.",
            cell(text),
            crate::model::id::short(&h.id),
            cell(&h.metric),
            cell(&h.result),
            cell(&h.target),
            cell(&h.baseline),
            if runs.is_empty() {
                String::new()
            } else {
                format!(", from `{}`", cell(&runs).replace('`', "'"))
            },
        );
        if let Some(r) = &h.rationale {
            let _ = writeln!(out, "  Refuted because: {}", cell(r));
        }
    }
    let _ = writeln!(out, "\n## Work resting on refuted premises\n");
    if r.resting_on_refuted.is_empty() {
        let _ = writeln!(out, "Nothing in progress rests on a refuted hypothesis.");
    }
    for w in &r.resting_on_refuted {
        let lane = r
            .lane_counts
            .iter()
            .find(|l| l.lane == w.lane)
            .map_or(w.lane.as_str(), |l| l.title.as_str());
        let when = w
            .refuted_on
            .as_deref()
            .and_then(date::parse_timestamp)
            .map(|t| format!(" on {}", date::format_day_long(t.div_euclid(86_400))))
            .unwrap_or_default();
        let through = if w.via.is_empty() {
            String::new()
        } else {
            format!(
                ", through {}",
                w.via
                    .iter()
                    .map(|v| crate::model::id::short(v).to_string())
                    .collect::<Vec<_>>()
                    .join(" and ")
            )
        };
        let _ = writeln!(
            out,
            "- {} ({}, {}) rests on *{}* ({}), refuted{when}{through}{}",
            cell(&w.title),
            crate::model::id::short(&w.id),
            cell(lane),
            cell(&w.hypothesis_title),
            crate::model::id::short(&w.hypothesis),
            if w.dead_blocked {
                "; it waits on work that can no longer finish."
            } else {
                "."
            }
        );
    }
    out.push_str(&crate::history::decisions::markdown(&r.decisions));
    let _ = writeln!(out, "\n## Flow efficiency\n");
    match r.flow_efficiency {
        None => {
            let _ = writeln!(out, "No card was in progress in this period.");
        }
        Some(e) => {
            let _ = writeln!(
                out,
                "Time worked / time in progress: {:.0}% (the rest was blocked, waiting on other cards).\n",
                e * 100.0
            );
            let _ = writeln!(
                out,
                "| Lane | In progress | Blocked | Flow efficiency |\n|---|---:|---:|---:|"
            );
            for l in r.time_blocked_by_lane.iter().filter(|l| l.in_progress > 0) {
                let lane = r
                    .lane_counts
                    .iter()
                    .find(|x| x.lane == l.lane)
                    .map_or(l.lane.as_str(), |x| x.title.as_str());
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    cell(lane),
                    flow::human(l.in_progress),
                    flow::human(l.blocked),
                    l.flow_efficiency
                        .map_or("—".to_string(), |e| format!("{:.0}%", e * 100.0))
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\n## Cost\n\nExperiments touched in the period: {}. All experiments on the board: {}.",
        cost_text(&r.cost_in_period),
        cost_text(&r.cost_total)
    );
    if !r.budgets.is_empty() {
        let _ = writeln!(
            out,
            "\n## Budgets\n\n| Budget | Period | Spent | Remaining | Used | Burn rate | Runs out |\n|---|---|---:|---:|---:|---:|---|"
        );
        for b in &r.budgets {
            let unit = b.unit.trim();
            let show = |x: f64| cell(&crate::model::cost::show_cost(x, unit));
            let _ = writeln!(
                out,
                "| {} per {} | {} ({} to {}) | {} | {} | {}%{} | {} a day | {} |",
                show(b.amount),
                b.period,
                b.label,
                b.start,
                b.end,
                show(b.spent),
                show(b.remaining),
                crate::model::cost::show_amount(b.used_percent),
                if b.over { " ⚠" } else { "" },
                show(b.burn_per_day),
                match &b.runs_out {
                    Some(d) if b.used_percent >= 100.0 => format!("ran out {d}"),
                    Some(d) => d.clone(),
                    None => format!("lasts the {} ({} projected)", b.period, show(b.projected)),
                }
            );
        }
        for b in r.budgets.iter().filter(|b| !b.earlier.is_empty()) {
            let list: Vec<String> = b
                .earlier
                .iter()
                .map(|e| {
                    format!(
                        "{} {} ({}%)",
                        e.label,
                        cell(&crate::model::cost::show_cost(e.spent, b.unit.trim())),
                        crate::model::cost::show_amount(e.used_percent)
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "\nEarlier periods of the {} budget: {}.",
                cell(&b.unit),
                list.join(", ")
            );
        }
    }
    let _ = writeln!(out, "\n## Needs attention\n");
    if r.overdue.is_empty() && r.over_wip.is_empty() {
        let _ = writeln!(out, "Nothing overdue, no lane over its WIP limit.");
    }
    for (id, t, d) in &r.overdue {
        let _ = writeln!(out, "- Overdue since {d}: {} ({id})", cell(t));
    }
    for (t, n, w) in &r.over_wip {
        let _ = writeln!(out, "- {} holds {n} cards, over its limit of {w}", cell(t));
    }
    let _ = writeln!(out, "\n## Aging work in progress\n");
    if r.aging.is_empty() {
        let _ = writeln!(out, "No card in progress.");
    } else {
        let _ = writeln!(
            out,
            "| Card | Lane | In lane for | Lane's 85th percentile | |\n|---|---|---:|---:|---|"
        );
    }
    for a in &r.aging {
        let lane = r
            .lane_counts
            .iter()
            .find(|l| l.lane == a.aging.lane)
            .map_or(a.aging.lane.as_str(), |l| l.title.as_str());
        let _ = writeln!(
            out,
            "| {} ({}) | {} | {} | {} | {} |",
            cell(&a.title),
            crate::model::id::short(&a.aging.card),
            cell(lane),
            flow::human(a.aging.age),
            a.aging.lane_p85.map_or("—".to_string(), flow::human),
            if a.aging.over_p85 { "stuck?" } else { "" }
        );
    }
    let _ = writeln!(out, "\n## Loop-backs\n");
    if r.loop_backs.is_empty() {
        let _ = writeln!(out, "No card moved back to an earlier phase.");
    }
    for l in &r.loop_backs {
        let _ = writeln!(out, "- {} → {}: {}", cell(&l.from), cell(&l.to), l.count);
    }
    let _ = writeln!(out, "\n## Who did what\n");
    for (who, actions) in &r.people {
        let list: Vec<String> = actions.iter().map(|(a, n)| format!("{n} {a}")).collect();
        let _ = writeln!(out, "- {}: {}", cell(who), list.join(", "));
    }
    out
}
