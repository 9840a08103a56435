//! The stakeholder report and the hypotheses table.

use super::flow::{self, Flow};
use super::History;
use crate::model::{date, Card, Verdict};
use crate::store::Board;
use serde_yaml::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// One hypothesis card as a row of the comparison table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HypothesisRow {
    pub id: String,
    pub title: String,
    pub statement: String,
    pub metric: String,
    pub direction: String,
    pub baseline: String,
    pub target: String,
    pub result: String,
    pub verdict: String,
    /// Why the verdict holds when its numbers give another one
    /// (`hypothesis.rationale`), if a reason was given.
    pub rationale: Option<String>,
    pub cost: String,
    pub owner: String,
    pub lane: String,
    /// Verdict changes over time: (date, verdict). (Kept for scripts;
    /// [`HypothesisRow::verdict_history`] names the fields.)
    pub verdicts: Vec<(String, String)>,
    /// Commits that changed the card.
    pub revisions: usize,
    pub updated: String,
    /// Baseline, target and result as the card has them: numbers as JSON
    /// numbers, text as strings, `null` when absent.
    pub values: Values,
    /// Every verdict the card was given, in order.
    pub verdict_history: Vec<VerdictChange>,
    /// When the card last changed (ISO 8601), if it ever did.
    pub updated_at: Option<String>,
    /// The verdict was recorded from evidence that no longer matches the
    /// repository (`stale_why` says how); see [`mark_stale`].
    pub stale: bool,
    pub stale_why: Vec<String>,
    /// The card's runs (`experiment.runs`), as it has them.
    pub runs: Vec<String>,
    /// Where the current result was read, when lanes recorded it from a
    /// run (`hypothesis.evidence.source`: `mlflow:<run id>`,
    /// `dvc:<path>#<key>`).
    pub evidence_source: Option<String>,
}

impl HypothesisRow {
    /// The runs behind the result, for a table: the one it was read from,
    /// else the card's runs; empty when none is known.
    pub fn runs_text(&self) -> String {
        match &self.evidence_source {
            Some(s) => s.clone(),
            None => self.runs.join(", "),
        }
    }
}

/// Mark the rows whose verdicts are stale: card id -> why
/// ([`crate::evidence::stale::check_cards`]).
pub fn mark_stale(rows: &mut [HypothesisRow], stale: &HashMap<String, Vec<String>>) {
    for r in rows {
        if let Some(why) = stale.get(&r.id) {
            r.stale = true;
            r.stale_why = why.clone();
        }
    }
}

/// A verdict that may no longer hold, for the report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaleVerdict {
    pub id: String,
    pub title: String,
    pub verdict: String,
    pub why: Vec<String>,
}

/// Mark the report's stale verdicts, and list every stale one on the board.
pub fn mark_report_stale(rep: &mut Report, board: &Board, stale: &HashMap<String, Vec<String>>) {
    mark_stale(&mut rep.tested, stale);
    mark_stale(&mut rep.refuted, stale);
    rep.stale_verdicts = board
        .cards
        .iter()
        .filter_map(|c| {
            let why = stale.get(&c.id)?;
            Some(StaleVerdict {
                id: c.id.clone(),
                title: c.title.clone(),
                verdict: c.verdict().map(|v| v.to_string()).unwrap_or_default(),
                why: why.clone(),
            })
        })
        .collect();
}

/// A hypothesis's measures, typed.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Values {
    pub baseline: serde_json::Value,
    pub target: serde_json::Value,
    pub result: serde_json::Value,
}

/// A verdict given to a hypothesis.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerdictChange {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// ISO 8601, to the second.
    pub at: String,
    pub verdict: String,
}

fn v(x: &Option<Value>) -> String {
    match x {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => crate::model::text::show_value(other),
    }
}

/// Every hypothesis card (kind `hypothesis` or with a hypothesis), with how
/// its verdict changed over time.
pub fn hypotheses(board: &Board, history: &History) -> Vec<HypothesisRow> {
    let mut verdicts: HashMap<&str, Vec<VerdictChange>> = HashMap::new();
    let mut revisions: HashMap<&str, (usize, i64)> = HashMap::new();
    for ch in history.changes.iter().filter(|c| !c.unreadable()) {
        let t = ch.time;
        let r = revisions.entry(ch.card.as_str()).or_default();
        r.0 += 1;
        r.1 = r.1.max(t);
        if let Some(s) = &ch.state {
            let list = verdicts.entry(ch.card.as_str()).or_default();
            let verdict = s.verdict.clone().unwrap_or_default();
            if !verdict.is_empty() && list.last().map(|x| &x.verdict) != Some(&verdict) {
                list.push(VerdictChange {
                    date: date::format_date(t.div_euclid(86_400)),
                    at: date::format_timestamp(t),
                    verdict,
                });
            }
        }
    }
    board
        .cards
        .iter()
        .filter(|c| c.hypothesis.is_some() || c.kind == "hypothesis")
        .map(|c| {
            let h = c.hypothesis.clone().unwrap_or_default();
            let (revs, last) = revisions.get(c.id.as_str()).copied().unwrap_or((0, 0));
            let history = verdicts.remove(c.id.as_str()).unwrap_or_default();
            let typed = |v: &Option<Value>| {
                v.as_ref()
                    .map_or(serde_json::Value::Null, crate::store::json::to_json)
            };
            HypothesisRow {
                id: c.id.clone(),
                title: c.title.clone(),
                statement: h.statement.clone().unwrap_or_default(),
                metric: h.metric.clone().unwrap_or_default(),
                direction: h
                    .direction
                    .map(|d| d.as_str().to_string())
                    .unwrap_or_default(),
                baseline: v(&h.baseline),
                target: v(&h.target),
                result: v(&h.result),
                verdict: h.verdict.to_string(),
                rationale: h.rationale.clone(),
                cost: c
                    .experiment
                    .as_ref()
                    .map(|e| v(&e.cost))
                    .unwrap_or_default(),
                owner: c.assignees.join(", "),
                lane: c.lane.clone(),
                verdicts: history
                    .iter()
                    .map(|v| (v.date.clone(), v.verdict.clone()))
                    .collect(),
                revisions: revs,
                updated: if last > 0 {
                    date::format_date(last.div_euclid(86_400))
                } else {
                    String::new()
                },
                values: Values {
                    baseline: typed(&h.baseline),
                    target: typed(&h.target),
                    result: typed(&h.result),
                },
                verdict_history: history,
                updated_at: (last > 0).then(|| date::format_timestamp(last)),
                stale: false,
                stale_why: Vec::new(),
                runs: c
                    .experiment
                    .as_ref()
                    .map(|e| e.runs.clone())
                    .unwrap_or_default(),
                evidence_source: h.evidence().and_then(Result::ok).map(|e| e.source),
            }
        })
        .collect()
}

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

/// A cost as (amount, unit): `12.5` -> (12.5, ""), `2 GPU-hours` ->
/// (2, "GPU-hours"), `$40` -> (40, "$").
pub fn cost_of(v: &Option<Value>) -> Option<(f64, String)> {
    match v {
        Some(Value::Number(n)) => n.as_f64().map(|x| (x, String::new())),
        Some(Value::String(s)) => {
            let s = s.trim();
            let (prefix, rest) = match s.strip_prefix('$') {
                Some(r) => ("$", r),
                None => ("", s),
            };
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
                .unwrap_or(rest.len());
            let amount: f64 = rest[..end].replace(',', "").parse().ok()?;
            let unit = if prefix.is_empty() {
                unit_name(rest[end..].trim())
            } else {
                prefix.to_string()
            };
            Some((amount, unit))
        }
        _ => None,
    }
}

/// One name per unit, so that `1 CPU-hour` and `4 CPU-hours` add up: the
/// plural, as a total is usually more than one (`hour`, `hours` ->
/// `hours`). Units that are not words (`$`, `kWh`) stay as written.
pub fn unit_name(unit: &str) -> String {
    let is_word = unit.chars().last().is_some_and(|c| c.is_ascii_alphabetic()) && unit.len() > 1;
    if !is_word || unit.ends_with('s') || unit.chars().any(|c| c.is_ascii_digit()) {
        return unit.to_string();
    }
    let last_upper = unit.chars().last().is_some_and(|c| c.is_ascii_uppercase());
    if last_upper {
        // An abbreviation (`USD`, `GPU`): no plural.
        return unit.to_string();
    }
    format!("{unit}s")
}

/// A cost total in one unit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Cost {
    /// `GPU-hours`, `$`, or `null` for plain numbers.
    pub unit: Option<String>,
    pub amount: f64,
}

fn costs(totals: &BTreeMap<String, f64>) -> Vec<Cost> {
    totals
        .iter()
        .map(|(unit, amount)| Cost {
            unit: Some(unit.clone()).filter(|u| !u.is_empty()),
            amount: *amount,
        })
        .collect()
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

/// Everything the report says, for JSON or Markdown.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub board: String,
    pub since: String,
    pub until: String,
    pub lanes: Vec<(String, usize, Option<u32>)>,
    /// Hypotheses given a verdict in the period.
    pub tested: Vec<HypothesisRow>,
    pub refuted: Vec<HypothesisRow>,
    /// Costs per unit (`GPU-hours`, `$`, or "" for plain numbers).
    pub cost_in_period: BTreeMap<String, f64>,
    pub cost_total: BTreeMap<String, f64>,
    pub overdue: Vec<(String, String, String)>,
    pub over_wip: Vec<(String, usize, u32)>,
    pub loop_backs: Vec<flow::LoopBack>,
    /// Per author: lanes actions (add, move, note, verdict, ...) in the period.
    pub people: BTreeMap<String, BTreeMap<String, usize>>,
    /// The fields above that are bare tuples or keyed by "", with named
    /// fields (the tuples stay for scripts that read them).
    pub lane_counts: Vec<LaneCount>,
    pub over_wip_lanes: Vec<LaneCount>,
    pub overdue_cards: Vec<Overdue>,
    pub costs_in_period: Vec<Cost>,
    pub costs_total: Vec<Cost>,
    /// Cards in progress, longest in their lane first, against the lane's
    /// 85th-percentile time in lane: what is stuck before it is late.
    pub aging: Vec<AgingCard>,
    /// Verdicts whose evidence changed since they were given.
    pub stale_verdicts: Vec<StaleVerdict>,
    /// False when this clone lacks part of the history (see
    /// [`flow::Flow::history_complete`]).
    pub history_complete: bool,
    /// How the history is incomplete; `None` when it is whole.
    pub history_incomplete: Option<super::Incomplete>,
}

/// A lane and how full it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LaneCount {
    pub lane: String,
    pub title: String,
    pub cards: usize,
    pub wip: Option<u32>,
}

/// A card past its due date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Overdue {
    pub id: String,
    pub title: String,
    pub due: String,
}

/// [`flow::Aging`] with the card's title.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgingCard {
    #[serde(flatten)]
    pub aging: flow::Aging,
    pub title: String,
}

pub fn report(board: &Board, history: &History, flow: &Flow, since: i64, until: i64) -> Report {
    let rows = hypotheses(board, history);
    let in_period = |d: &str| {
        date::parse_date(d)
            .is_some_and(|d| d * 86_400 >= since.div_euclid(86_400) * 86_400 && d * 86_400 <= until)
    };
    let tested: Vec<HypothesisRow> = rows
        .iter()
        .filter(|r| {
            r.verdict != "open" && r.verdicts.iter().any(|(d, v)| v != "open" && in_period(d))
        })
        .cloned()
        .collect();
    let refuted = tested
        .iter()
        .filter(|r| r.verdict == "refuted")
        .cloned()
        .collect();
    let changed_in_period: std::collections::HashSet<&str> = history
        .changes
        .iter()
        .filter(|c| c.time >= since && c.time <= until)
        .map(|c| c.card.as_str())
        .collect();
    let sum = |cards: &mut dyn Iterator<Item = &Card>| {
        let mut totals: BTreeMap<String, f64> = BTreeMap::new();
        for c in cards {
            if let Some((x, unit)) = c.experiment.as_ref().and_then(|e| cost_of(&e.cost)) {
                *totals.entry(unit).or_default() += x;
            }
        }
        totals
    };
    let cost_total = sum(&mut board.cards.iter());
    let cost_in_period = sum(&mut board
        .cards
        .iter()
        .filter(|c| changed_in_period.contains(c.id.as_str())));
    let today = date::today();
    let overdue = board
        .cards
        .iter()
        .filter(|c| c.is_overdue(today))
        .map(|c| {
            (
                c.short_id().to_string(),
                c.title.clone(),
                c.due.clone().unwrap_or_default(),
            )
        })
        .collect();
    let lanes: Vec<(String, usize, Option<u32>)> = board
        .config
        .lanes
        .iter()
        .map(|l| {
            let n = board
                .cards
                .iter()
                .filter(|c| !c.archived && c.lane == l.id)
                .count();
            (l.title.clone(), n, l.wip)
        })
        .collect();
    let over_wip = lanes
        .iter()
        .filter_map(|(t, n, w)| w.filter(|w| *n > *w as usize).map(|w| (t.clone(), *n, w)))
        .collect();
    let lane_counts: Vec<LaneCount> = board
        .config
        .lanes
        .iter()
        .zip(&lanes)
        .map(|(l, (_, n, wip))| LaneCount {
            lane: l.id.clone(),
            title: l.title.clone(),
            cards: *n,
            wip: *wip,
        })
        .collect();
    let over_wip_lanes = lane_counts
        .iter()
        .filter(|l| l.wip.is_some_and(|w| l.cards > w as usize))
        .cloned()
        .collect();
    let overdue_cards = board
        .cards
        .iter()
        .filter(|c| c.is_overdue(today))
        .map(|c| Overdue {
            id: c.id.clone(),
            title: c.title.clone(),
            due: c.due.clone().unwrap_or_default(),
        })
        .collect();
    let (cost_in_period_ref, cost_total_ref) = (cost_in_period.clone(), cost_total.clone());
    let mut people: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    // Board work: lanes' own commits, and others that changed a card.
    let touched: std::collections::HashSet<usize> =
        history.changes.iter().map(|c| c.commit).collect();
    for (i, c) in history.commits.iter().enumerate() {
        if c.time < since || c.time > until || (c.action.is_none() && !touched.contains(&i)) {
            continue;
        }
        let action = c.action.clone().unwrap_or_else(|| "other".to_string());
        *people
            .entry(c.who())
            .or_default()
            .entry(action)
            .or_default() += 1;
    }
    let gaps = history.incomplete();
    Report {
        board: board.config.name.clone(),
        since: date::format_date(since.div_euclid(86_400)),
        until: date::format_date(until.div_euclid(86_400)),
        lanes,
        tested,
        refuted,
        cost_in_period,
        cost_total,
        overdue,
        over_wip,
        loop_backs: flow
            .loop_backs
            .iter()
            .map(|l| flow::LoopBack {
                from: board
                    .config
                    .lane(&l.from)
                    .map_or(l.from.clone(), |x| x.title.clone()),
                to: board
                    .config
                    .lane(&l.to)
                    .map_or(l.to.clone(), |x| x.title.clone()),
                count: l.count,
            })
            .collect(),
        people,
        lane_counts,
        over_wip_lanes,
        overdue_cards,
        costs_in_period: costs(&cost_in_period_ref),
        costs_total: costs(&cost_total_ref),
        aging: flow
            .aging
            .iter()
            .map(|a| AgingCard {
                aging: a.clone(),
                title: board
                    .card(&a.card)
                    .map(|c| c.title.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        stale_verdicts: Vec::new(),
        history_complete: gaps.is_none(),
        history_incomplete: gaps,
    }
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
            }
        );
        if let Some(r) = &h.rationale {
            let _ = writeln!(out, "  Refuted because: {}", cell(r));
        }
    }
    let _ = writeln!(
        out,
        "\n## Cost\n\nExperiments touched in the period: {}. All experiments on the board: {}.",
        cost_text(&r.cost_in_period),
        cost_text(&r.cost_total)
    );
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

/// Whether a verdict string means the hypothesis was tested.
pub fn is_tested(v: &str) -> bool {
    v.parse::<Verdict>().is_ok_and(|v| v != Verdict::Open)
}
