//! The stakeholder report and the hypotheses table: the rows and the
//! report as data (for JSON, the board screen and the HTML page); `text`
//! renders them as text and Markdown.

mod text;

pub use text::{cost_text, hypotheses_text, markdown, numbers_cell, reasons_text, verdict_cell};

use super::flow::{self, Flow};
use super::History;
use crate::model::{date, Card, Verdict};
use crate::store::Board;
use serde_yaml::Value;
use std::collections::{BTreeMap, HashMap};

/// One hypothesis card as a row of the comparison table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HypothesisRow {
    pub id: String,
    pub title: String,
    pub statement: String,
    pub metric: String,
    pub direction: String,
    /// The baseline, target and result as text, for tables. In JSON these
    /// three are deprecated (removed in 0.3, see
    /// [`deprecated`](super::deprecated)): [`HypothesisRow::values`] has
    /// them typed.
    pub baseline: String,
    pub target: String,
    pub result: String,
    pub verdict: String,
    /// Why the verdict holds when its numbers give another one
    /// (`hypothesis.rationale`), if a reason was given.
    pub rationale: Option<String>,
    /// `experiment.cost` as text ("" when none), for tables; deprecated
    /// in JSON for [`HypothesisRow::experiment_cost`].
    pub cost: String,
    /// `experiment.cost` as an amount and its unit (`unit` null for a
    /// plain number); `None` when the card has none, or none lanes can
    /// read as an amount.
    pub experiment_cost: Option<Cost>,
    pub owner: String,
    pub lane: String,
    /// Verdict changes over time: (date, verdict). Deprecated in JSON
    /// for [`HypothesisRow::verdict_history`], which names the fields.
    pub verdicts: Vec<(String, String)>,
    /// Commits that changed the card.
    pub revisions: usize,
    /// The day the card last changed ("" if never), for tables;
    /// deprecated in JSON for [`HypothesisRow::updated_at`].
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
    /// The run behind the current result, when lanes recorded it from
    /// one (`hypothesis.evidence`).
    pub run: Option<RunRef>,
    pub labels: Vec<String>,
}

/// The run a result was read from: which, when, from what code.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunRef {
    /// `mlflow:<run id>` or `dvc:<path>#<key>`.
    pub source: String,
    pub metric: String,
    pub value: f64,
    /// When the run ended (else started), ISO 8601.
    pub run_time: Option<String>,
    /// The code commit the run recorded (else HEAD when recorded).
    pub commit: Option<String>,
    /// `run` or `head`: where `commit` came from.
    pub commit_from: Option<String>,
    /// When lanes recorded it, ISO 8601.
    pub recorded_at: Option<String>,
}

/// Why a hypothesis got its verdict: `hypothesis.rationale`, as text. Read
/// from the hypothesis's fields as the card keeps them (a lanes that
/// predates the field keeps it among the unknown ones); absent, or not
/// text, is `None`.
pub fn rationale(h: &crate::model::Hypothesis) -> Option<String> {
    match h.extra.get("rationale")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim_end().to_string()),
        _ => None,
    }
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

/// The decisions a report over `[since, until]` shows: those taken in
/// it, and older ones still in force whose evidence moved.
fn report_decisions(
    all: &[super::decisions::DecisionRow],
    since: i64,
    until: i64,
) -> Vec<super::decisions::DecisionRow> {
    let (first, last) = (since.div_euclid(86_400), until.div_euclid(86_400));
    all.iter()
        .filter(|d| {
            let day = d.decided_at.as_deref().and_then(|a| {
                date::parse_date(a)
                    .or_else(|| date::parse_timestamp(a).map(|t| t.div_euclid(86_400)))
            });
            let taken = day.is_some_and(|day| day >= first && day <= last);
            let before_end = day.is_none_or(|day| day <= last);
            taken || (before_end && !d.is_superseded() && !d.flags.is_empty())
        })
        .cloned()
        .collect()
}

/// Mark the report's stale verdicts, and list every stale one on the board.
pub fn mark_report_stale(rep: &mut Report, board: &Board, stale: &HashMap<String, Vec<String>>) {
    mark_stale(&mut rep.tested, stale);
    mark_stale(&mut rep.refuted, stale);
    super::decisions::mark_stale(&mut rep.all_decisions, stale);
    if let (Some(since), Some(until)) = (
        date::parse_date(&rep.since).map(|d| d * 86_400),
        date::parse_date(&rep.until).map(|d| d * 86_400),
    ) {
        rep.decisions = report_decisions(&rep.all_decisions, since, until);
    }
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

/// When `card` was last given `verdict` (`refuted`), from the history:
/// the time of the latest change that turned its verdict into it.
pub fn verdict_time(history: &History, card: &str, verdict: &str) -> Option<i64> {
    let mut prev: Option<&str> = None;
    let mut at = None;
    for ch in history.of_card(card).filter(|c| !c.unreadable()) {
        let now = ch.state.as_ref().and_then(|s| s.verdict.as_deref());
        if now == Some(verdict) && prev != Some(verdict) {
            at = Some(ch.time);
        }
        prev = now;
    }
    at
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
                experiment_cost: c.experiment.as_ref().and_then(|e| cost_of(&e.cost)).map(
                    |(amount, unit)| Cost {
                        unit: Some(unit).filter(|u| !u.is_empty()),
                        amount,
                    },
                ),
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
                run: h.evidence().and_then(Result::ok).map(|e| RunRef {
                    source: e.source,
                    metric: e.metric,
                    value: e.value,
                    run_time: e.run_time,
                    commit: e.commit,
                    commit_from: e.commit_from,
                    recorded_at: e.recorded_at,
                }),
                labels: c.labels.clone(),
            }
        })
        .collect()
}

pub use crate::model::cost::{cost_of, unit_name};

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
    pub loop_backs: Vec<LoopBackRow>,
    /// Per author: lanes actions (add, move, note, verdict, ...) in the period.
    pub people: BTreeMap<String, BTreeMap<String, usize>>,
    /// The fields above that are bare tuples or keyed by "", with named
    /// fields. In JSON `lanes`, `overdue`, `over_wip`, `cost_in_period`
    /// and `cost_total` are deprecated for these (removed in 0.3, see
    /// [`deprecated`](super::deprecated)).
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
    /// Work in progress that rests on a refuted hypothesis: it depends on
    /// one, directly or through other cards.
    pub resting_on_refuted: Vec<RestingOnRefuted>,
    /// Time worked / time in progress over the period (see
    /// [`flow::Flow::flow_efficiency`]).
    pub flow_efficiency: Option<f64>,
    /// Time in progress and blocked per lane in the period.
    pub time_blocked_by_lane: Vec<flow::BlockedLane>,
    /// False when this clone lacks part of the history (see
    /// [`flow::Flow::history_complete`]).
    pub history_complete: bool,
    /// How the history is incomplete; `None` when it is whole.
    pub history_incomplete: Option<super::Incomplete>,
    /// The board's labels and their colours.
    pub labels: Vec<Label>,
    /// Cards per lane at the end of each day of the period (archived
    /// cards not counted): the cumulative flow diagram.
    pub cumulative_flow: Vec<flow::Day>,
    /// Time in each lane per visit that ended in the period, board order.
    pub time_in_lane: Vec<LaneTime>,
    /// Creation to first reaching a done lane, for cards that reached one
    /// in the period (flow's `end_to_end`); `None` when none did.
    pub cycle_time: Option<Timing>,
    /// The lanes where work is finished (see [`flow::Flow::done_lanes`]).
    pub done_lanes: Vec<String>,
    /// Cards first reaching a done lane per ISO week, and in all.
    pub weeks: Vec<flow::Week>,
    pub finished: usize,
    /// The aging work in progress per lane.
    pub aging_lanes: Vec<AgingLane>,
    /// Each budget board.yaml declares against its spend.
    pub budgets: Vec<super::budget::BudgetStatus>,
    /// Decisions taken in the period, and older ones (not superseded)
    /// whose evidence moved since: newest first.
    pub decisions: Vec<super::decisions::DecisionRow>,
    /// Every decision on the board, to choose [`Report::decisions`] from
    /// once stale verdicts are known.
    #[serde(skip)]
    all_decisions: Vec<super::decisions::DecisionRow>,
    /// Budgets (and other board.yaml fields) that cannot be read, as
    /// `path:line:column: message`: left out above.
    pub board_problems: Vec<String>,
}

/// A lane and how full it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LaneCount {
    pub lane: String,
    pub title: String,
    pub cards: usize,
    pub wip: Option<u32>,
    /// The lane's colour as board.yaml gives it (a name or `#rrggbb`);
    /// `None` when it gives none (or one lanes cannot read).
    pub color: Option<String>,
    /// Cards here are done.
    pub done: bool,
}

/// A label and its colour.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Label {
    pub name: String,
    pub color: Option<String>,
}

/// Median and 85th percentile of durations (seconds), with how they are
/// spread.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Timing {
    pub count: usize,
    pub median: i64,
    pub p85: i64,
    /// How many durations fall in each of [`BUCKETS`].
    pub histogram: Vec<Bucket>,
}

/// Time in one lane.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LaneTime {
    pub lane: String,
    pub title: String,
    /// `None` when no visit to the lane ended in the period.
    pub time_in_lane: Option<Timing>,
}

/// Durations from `from` up to (not including) `to` seconds; `to` is
/// `None` for the last bucket.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Bucket {
    pub label: String,
    pub from: i64,
    pub to: Option<i64>,
    pub count: usize,
}

/// The edges of the distribution buckets, in seconds, with their labels:
/// roughly doubling, from an hour to two months.
pub const BUCKETS: [(&str, i64); 9] = [
    ("< 1h", 0),
    ("1h–1d", 3_600),
    ("1–2d", 86_400),
    ("2–4d", 2 * 86_400),
    ("4–7d", 4 * 86_400),
    ("1–2w", 7 * 86_400),
    ("2–4w", 14 * 86_400),
    ("4–8w", 28 * 86_400),
    ("≥ 8w", 56 * 86_400),
];

/// The spread of `samples` (sorted seconds), or `None` for none.
pub fn timing(spread: Option<flow::Spread>, samples: &[i64]) -> Option<Timing> {
    let s = spread?;
    let histogram = BUCKETS
        .iter()
        .enumerate()
        .map(|(i, (label, from))| {
            let to = BUCKETS.get(i + 1).map(|b| b.1);
            Bucket {
                label: label.to_string(),
                from: *from,
                to,
                count: samples
                    .iter()
                    .filter(|&&x| x >= *from && to.is_none_or(|t| x < t))
                    .count(),
            }
        })
        .collect();
    Some(Timing {
        count: s.count,
        median: s.median,
        p85: s.p85,
        histogram,
    })
}

/// The aging work in progress of one lane.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgingLane {
    pub lane: String,
    pub title: String,
    /// Cards in progress here.
    pub cards: usize,
    /// Of those, how many are past the lane's 85th percentile.
    pub over_p85: usize,
    /// The lane's 85th-percentile time in lane (seconds), if known.
    pub lane_p85: Option<i64>,
    /// The longest a card has been here (seconds).
    pub oldest: i64,
}

/// A move back to an earlier lane, by lane title and id.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoopBackRow {
    /// The lanes' titles.
    pub from: String,
    pub to: String,
    pub count: usize,
    /// The lanes' ids.
    pub from_lane: String,
    pub to_lane: String,
}

/// A card past its due date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Overdue {
    pub id: String,
    pub title: String,
    pub due: String,
}

/// A card in progress resting on a refuted hypothesis.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RestingOnRefuted {
    pub id: String,
    pub title: String,
    pub lane: String,
    /// The refuted hypothesis.
    pub hypothesis: String,
    pub hypothesis_title: String,
    /// When it was refuted (ISO 8601), from its evidence or the history.
    pub refuted_on: Option<String>,
    /// The cards between them, in order (empty: it depends on it
    /// directly).
    pub via: Vec<String>,
    /// It waits on a card that can no longer finish because of it.
    pub dead_blocked: bool,
}

/// The work in progress on `board` resting on refuted hypotheses, most
/// direct first. When each was refuted: its evidence, else `history`.
pub fn resting_on_refuted(board: &Board, history: &History) -> Vec<RestingOnRefuted> {
    use crate::model::links::{Flag, Graph, Why};
    let g = Graph::new(&board.config, board.cards.iter().map(Card::node).collect());
    let card = |i: usize| board.card(g.id(i));
    let refuted_on = |h: usize| {
        card(h)
            .and_then(crate::model::links::refuted_at)
            .or_else(|| verdict_time(history, g.id(h), "refuted"))
            .map(date::format_timestamp)
    };
    let mut out = Vec::new();
    for i in 0..g.len() {
        if g.node(i).archived || g.is_done(i) {
            continue;
        }
        for f in g.flags(i) {
            let (h, via, dead) = match f {
                Flag::PremiseRefuted { hypothesis, via } => (hypothesis, via, false),
                Flag::DeadBlocked {
                    why: Why::PremiseRefuted { hypothesis },
                    via,
                    ..
                } => (hypothesis, via, true),
                _ => continue,
            };
            let Some(c) = card(i) else { continue };
            out.push(RestingOnRefuted {
                id: c.id.clone(),
                title: c.title.clone(),
                lane: c.lane.clone(),
                hypothesis: g.id(h).to_string(),
                hypothesis_title: card(h).map(|h| h.title.clone()).unwrap_or_default(),
                refuted_on: refuted_on(h),
                via: via.iter().map(|&v| g.id(v).to_string()).collect(),
                dead_blocked: dead,
            });
        }
    }
    out.sort_by(|a, b| {
        a.via
            .len()
            .cmp(&b.via.len())
            .then_with(|| a.hypothesis.cmp(&b.hypothesis))
            .then_with(|| a.id.cmp(&b.id))
    });
    out
}

/// [`flow::Aging`] with the card's title and labels.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgingCard {
    #[serde(flatten)]
    pub aging: flow::Aging,
    pub title: String,
    pub labels: Vec<String>,
}

/// The report of the board over `[since, until]` (seconds): one value
/// every format renders (Markdown, JSON, HTML), so they say the same.
/// `flow` is the board's flow over the same period. When the period ends
/// before today, lane counts are those at its end (from the history).
/// Budgets need the card versions the history names (read from git).
pub fn report(
    board: &Board,
    history: &History,
    flow: &Flow,
    since: i64,
    until: i64,
) -> anyhow::Result<Report> {
    let rows = hypotheses(board, history);
    let all_decisions = super::decisions::decisions(board, history, &rows);
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
        for x in totals.values_mut() {
            *x = crate::model::cost::round(*x);
        }
        totals
    };
    let cost_total = sum(&mut board.cards.iter());
    let cost_in_period = sum(&mut board
        .cards
        .iter()
        .filter(|c| changed_in_period.contains(c.id.as_str())));
    // As of the period's end: today, or the last day of a past period.
    let today = date::today().min(until.div_euclid(86_400));
    let at_end = (until.div_euclid(86_400) < date::today())
        .then(|| flow.days.last())
        .flatten();
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
            let n = match at_end {
                Some(day) => day.lanes.get(&l.id).copied().unwrap_or(0),
                None => board
                    .cards
                    .iter()
                    .filter(|c| !c.archived && c.lane == l.id)
                    .count(),
            };
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
            color: l
                .color
                .clone()
                .filter(|c| crate::model::board::is_lane_color(c)),
            done: board.config.is_done_lane(&l.id),
        })
        .collect();
    let title = |id: &str| {
        board
            .config
            .lane(id)
            .map_or(id.to_string(), |x| x.title.clone())
    };
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
    let aging: Vec<AgingCard> = flow
        .aging
        .iter()
        .map(|a| {
            let card = board.card(&a.card);
            AgingCard {
                aging: a.clone(),
                title: card.map(|c| c.title.clone()).unwrap_or_default(),
                labels: card.map(|c| c.labels.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let aging_lanes = board
        .config
        .lanes
        .iter()
        .filter_map(|l| {
            let here: Vec<&AgingCard> = aging.iter().filter(|a| a.aging.lane == l.id).collect();
            let first = here.first()?;
            Some(AgingLane {
                lane: l.id.clone(),
                title: l.title.clone(),
                cards: here.len(),
                over_p85: here.iter().filter(|a| a.aging.over_p85).count(),
                lane_p85: first.aging.lane_p85,
                oldest: here.iter().map(|a| a.aging.age).max().unwrap_or(0),
            })
        })
        .collect();
    let board_problems = if board.config.problems.is_empty() {
        Vec::new()
    } else {
        let text = crate::store::read_board_file(&board.root, crate::store::BOARD_FILE)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        board
            .config
            .problems
            .iter()
            .map(|e| {
                crate::store::Problem::from_field(crate::store::BOARD_FILE, &text, e).to_string()
            })
            .collect()
    };
    let gaps = history.incomplete();
    Ok(Report {
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
            .map(|l| LoopBackRow {
                from: title(&l.from),
                to: title(&l.to),
                count: l.count,
                from_lane: l.from.clone(),
                to_lane: l.to.clone(),
            })
            .collect(),
        people,
        lane_counts,
        over_wip_lanes,
        overdue_cards,
        costs_in_period: costs(&cost_in_period_ref),
        costs_total: costs(&cost_total_ref),
        aging,
        stale_verdicts: Vec::new(),
        resting_on_refuted: resting_on_refuted(board, history),
        flow_efficiency: flow.flow_efficiency,
        time_blocked_by_lane: flow.time_blocked_by_lane.clone(),
        history_complete: gaps.is_none(),
        history_incomplete: gaps,
        labels: board
            .config
            .labels
            .iter()
            .map(|l| Label {
                name: l.name.clone(),
                color: l.color.clone(),
            })
            .collect(),
        cumulative_flow: flow.days.clone(),
        time_in_lane: flow
            .cycle
            .iter()
            .enumerate()
            .map(|(i, c)| LaneTime {
                lane: c.lane.clone(),
                title: title(&c.lane),
                time_in_lane: timing(
                    c.time_in_lane,
                    flow.samples.lanes.get(i).map_or(&[][..], Vec::as_slice),
                ),
            })
            .collect(),
        cycle_time: timing(flow.end_to_end, &flow.samples.end_to_end),
        done_lanes: flow.done_lanes.clone(),
        weeks: flow.weeks.clone(),
        finished: flow.finished,
        aging_lanes,
        budgets: super::budget::statuses(&board.root, &board.config, history, since, until)?,
        decisions: report_decisions(&all_decisions, since, until),
        all_decisions,
        board_problems,
    })
}

/// Whether a verdict string means the hypothesis was tested.
pub fn is_tested(v: &str) -> bool {
    v.parse::<Verdict>().is_ok_and(|v| v != Verdict::Open)
}
