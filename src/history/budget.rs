//! Budgets: what the team spent of each unit in a budget's period, from
//! the history of `experiment.cost`, the burn rate and when the budget
//! runs out; and the warnings `lanes run`, `lanes result` and the board
//! give when a recorded cost takes a budget past 80% or 100%.
//!
//! Spend is what the costs on cards grew by: a card whose cost went from
//! 3 to 5 GPU-hours on a day spent 2 GPU-hours that day. A cost in
//! another unit is spend against that unit's budgets; a corrected
//! (lowered) cost lowers the spend. Costs are read from the card versions
//! in the history (as committed, author dates), only those a change could
//! have altered: lanes' own moves, notes, verdicts, archives and restores
//! never touch `experiment.cost`, so their versions are not read.

use super::flow::iso_week;
use super::History;
use crate::git;
use crate::model::cost::{cost_of, round, show_amount, unit_name};
use crate::model::{date, BoardConfig, Budget, BudgetPeriod};
use anyhow::Result;
use git2::Oid;
use serde_yaml::Value;
use std::collections::HashMap;
use std::path::Path;

const DAY: i64 = 86_400;

/// The share of a budget past which a recorded cost warns, in percent.
pub const WARN_AT: f64 = 80.0;

/// One period of a budget: a calendar week, month, quarter or year (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// `2026-W49`, `2026-12`, `2026-Q4`, `2026`.
    pub label: String,
    /// First and last day, in days since the epoch.
    pub first: i64,
    pub last: i64,
}

impl Window {
    /// The period of kind `period` holding `day` (days since the epoch).
    pub fn of(period: BudgetPeriod, day: i64) -> Window {
        let (y, m, _) = date::civil_from_days(day);
        let months = |first_month: u32, n: u32| {
            let first = date::days_from_civil(y, first_month, 1);
            let end = first_month + n;
            let next = if end > 12 {
                date::days_from_civil(y + 1, end - 12, 1)
            } else {
                date::days_from_civil(y, end, 1)
            };
            (first, next - 1)
        };
        let (label, (first, last)) = match period {
            BudgetPeriod::Week => {
                let monday = day - (day + 3).rem_euclid(7);
                (iso_week(day), (monday, monday + 6))
            }
            BudgetPeriod::Month => (format!("{y:04}-{m:02}"), months(m, 1)),
            BudgetPeriod::Quarter => {
                let q = (m - 1) / 3;
                (format!("{y:04}-Q{}", q + 1), months(q * 3 + 1, 3))
            }
            BudgetPeriod::Year => (format!("{y:04}"), months(1, 12)),
        };
        Window { label, first, last }
    }

    /// Days in the period.
    pub fn days(&self) -> i64 {
        self.last - self.first + 1
    }
}

/// A card's cost after a change, in one unit (`""` for plain numbers).
type Cost = Option<(f64, String)>;

/// The costs the history gives cards from some time on.
#[derive(Debug, Default)]
pub struct CostHistory {
    /// Each card's cost before `from`: card id -> cost.
    before: HashMap<String, Cost>,
    /// Every change from `from` on that may have altered a cost, in the
    /// history's order: (time, card id, commit index, cost after).
    points: Vec<(i64, String, usize, Cost)>,
}

/// Actions of lanes' own commits that never change `experiment.cost`.
fn leaves_costs_alone(action: Option<&str>) -> bool {
    matches!(
        action,
        Some("move" | "note" | "verdict" | "archive" | "restore")
    )
}

impl CostHistory {
    /// Read the costs that matter from `from` (seconds) on: every change
    /// at or after it that may have altered a card's cost, and, for the
    /// cards it changed, the cost each had before. Card versions are read
    /// on every core, each once.
    pub fn read(root: &Path, history: &History, from: i64) -> Result<CostHistory> {
        let may_alter = |c: &super::Change| {
            c.blob.is_some()
                && c.state.is_some()
                && !leaves_costs_alone(history.commits[c.commit].action.as_deref())
        };
        let mut later: Vec<usize> = Vec::new();
        let mut last_before: HashMap<&str, usize> = HashMap::new();
        for (i, c) in history.changes.iter().enumerate() {
            if !may_alter(c) {
                continue;
            }
            if c.time >= from {
                later.push(i);
            } else {
                last_before.insert(c.card.as_str(), i);
            }
        }
        let cards: std::collections::HashSet<&str> = later
            .iter()
            .map(|&i| history.changes[i].card.as_str())
            .collect();
        let earlier: Vec<(&str, usize)> = last_before
            .into_iter()
            .filter(|(card, _)| cards.contains(card))
            .collect();
        let mut blobs: Vec<Oid> = later
            .iter()
            .chain(earlier.iter().map(|(_, i)| i))
            .filter_map(|&i| history.changes[i].blob)
            .collect();
        blobs.sort_unstable();
        blobs.dedup();
        let costs: HashMap<Oid, Cost> = git::on_every_core(root, &blobs, 256, |repo, part| {
            let odb = repo.odb()?;
            Ok(part
                .iter()
                .map(|b| (*b, odb.read(*b).ok().and_then(|o| cost_in(o.data()))))
                .collect())
        })?
        .into_iter()
        .collect();
        let cost = |i: usize| {
            history.changes[i]
                .blob
                .and_then(|b| costs.get(&b).cloned())
                .flatten()
        };
        Ok(CostHistory {
            before: earlier
                .iter()
                .map(|(card, i)| (card.to_string(), cost(*i)))
                .collect(),
            points: later
                .iter()
                .map(|&i| {
                    let c = &history.changes[i];
                    (c.time, c.card.clone(), c.commit, cost(i))
                })
                .collect(),
        })
    }

    /// Add a change not in the history (a `commit: manual` board's
    /// written card), at `time`.
    pub fn push(&mut self, time: i64, card: &str, cost: Cost) {
        self.points.push((time, card.to_string(), usize::MAX, cost));
    }

    /// Spend of `unit` per day over `window`, up to and including day
    /// `until` (days since the epoch), leaving out the changes of commit
    /// in `skip` (indices into the history's commits): the day's spend, for
    /// each day from the window's first to `until`.
    fn daily(&self, unit: &str, window: &Window, until: i64, skip: &[usize]) -> Vec<f64> {
        let amount = |c: &Cost| match c {
            Some((x, u)) if u == unit => *x,
            _ => 0.0,
        };
        let mut now: HashMap<&str, f64> = self
            .before
            .iter()
            .map(|(card, c)| (card.as_str(), amount(c)))
            .collect();
        let days = (until - window.first + 1).max(0) as usize;
        let mut spend = vec![0.0; days];
        for (t, card, commit, c) in &self.points {
            if skip.contains(commit) {
                continue;
            }
            let day = t.div_euclid(DAY);
            if day > until.min(window.last) {
                break;
            }
            let new = amount(c);
            let old = now.insert(card.as_str(), new).unwrap_or(0.0);
            if day >= window.first {
                spend[(day - window.first) as usize] += new - old;
            }
        }
        spend
    }

    /// Spend of `unit` over `window` up to day `until`.
    fn spent(&self, unit: &str, window: &Window, until: i64, skip: &[usize]) -> f64 {
        round(self.daily(unit, window, until, skip).iter().sum())
    }
}

/// The cost on a card file, read the quick way where the file is as lanes
/// writes it, else parsed whole.
fn cost_in(bytes: &[u8]) -> Cost {
    let whole = || {
        crate::store::parse_card("", bytes)
            .ok()
            .and_then(|c| cost_of(&c.card.experiment.as_ref()?.cost))
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return whole();
    };
    let mut lines = text.lines().peekable();
    let mut inside = false;
    while let Some(line) = lines.next() {
        if !line.starts_with(' ') {
            if inside && !line.is_empty() && !line.starts_with('#') {
                // The next field: the experiment has no cost.
                return None;
            }
            if line.starts_with("experiment:") {
                if line.trim_end() != "experiment:" {
                    return whole();
                }
                inside = true;
            }
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(v) = line.strip_prefix("  cost:") {
            let v = v.trim();
            let plain = !v.is_empty()
                && !v.starts_with(['|', '>', '&', '*', '!', '{', '['])
                && !lines.peek().is_some_and(|n| n.starts_with("   "));
            if !plain {
                return whole();
            }
            return match serde_yaml::from_str::<Value>(v) {
                Ok(v) => cost_of(&Some(v)),
                Err(_) => whole(),
            };
        }
    }
    None
}

/// Where a budget stands in one of its periods.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PeriodSpend {
    /// `2026-Q4`.
    pub label: String,
    /// First and last day of the period.
    pub start: String,
    pub end: String,
    pub spent: f64,
    /// Spent as a share of the budget, in percent (one decimal).
    pub used_percent: f64,
}

/// One day of a budget's period: what had been spent by its end.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BudgetDay {
    pub date: String,
    pub spent: f64,
    pub remaining: f64,
}

/// A budget against its spend, in the period the report ends in.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BudgetStatus {
    /// As board.yaml names it.
    pub unit: String,
    pub amount: f64,
    /// `week`, `month`, `quarter` or `year`.
    pub period: String,
    /// The period the report ends in: `2026-Q4`, its first and last day.
    pub label: String,
    pub start: String,
    pub end: String,
    /// The day spend is counted to (the report's last day).
    pub as_of: String,
    pub days_elapsed: i64,
    pub days_in_period: i64,
    pub spent: f64,
    /// The budget less the spend (below zero when over).
    pub remaining: f64,
    /// Spent as a share of the budget, in percent (one decimal).
    pub used_percent: f64,
    /// Spend per day so far in the period.
    pub burn_per_day: f64,
    /// What the period will have spent at that rate.
    pub projected: f64,
    /// When the budget runs out at that rate (the day it ran out, when
    /// it has); `None` when it lasts the period.
    pub runs_out: Option<String>,
    /// More spent than the budget.
    pub over: bool,
    /// Each day of the period so far: the burn-down.
    pub days: Vec<BudgetDay>,
    /// The budget's earlier periods within the report's, oldest first.
    pub earlier: Vec<PeriodSpend>,
}

/// A rate or a projection as people read it: two decimals, or three
/// significant digits below one (0.368, 33.82, 1250.5).
fn brief(x: f64) -> f64 {
    if x.abs() >= 1.0 || x == 0.0 {
        (x * 100.0).round() / 100.0
    } else {
        let scale = 10f64.powi(2 - x.abs().log10().floor() as i32);
        (x * scale).round() / scale
    }
}

fn percent(spent: f64, amount: f64) -> f64 {
    (spent / amount * 1000.0).round() / 10.0
}

/// The unit a budget's spend is counted in: its unit as costs are grouped
/// (`GPU-hour` and `GPU-hours` are one).
fn unit_key(b: &Budget) -> String {
    match b.unit.trim() {
        "$" => "$".to_string(),
        u => unit_name(u),
    }
}

/// Every readable budget of `config` against the spend in the period the
/// report's `[since, until]` ends in, with the earlier periods it covers.
pub fn statuses(
    root: &Path,
    config: &BoardConfig,
    history: &History,
    since: i64,
    until: i64,
) -> Result<Vec<BudgetStatus>> {
    let budgets: Vec<&Budget> = config.budgets.list().collect();
    if budgets.is_empty() {
        return Ok(Vec::new());
    }
    let (first_day, last_day) = (since.div_euclid(DAY), until.div_euclid(DAY));
    let from = budgets
        .iter()
        .map(|b| Window::of(b.period, first_day.min(last_day)).first)
        .min()
        .unwrap_or(first_day)
        * DAY;
    let costs = CostHistory::read(root, history, from)?;
    Ok(budgets
        .iter()
        .map(|b| status(&costs, b, first_day, last_day))
        .collect())
}

fn status(costs: &CostHistory, b: &Budget, first_day: i64, last_day: i64) -> BudgetStatus {
    let unit = unit_key(b);
    let w = Window::of(b.period, last_day);
    let daily = costs.daily(&unit, &w, last_day, &[]);
    let mut total = 0.0;
    let mut ran_out = None;
    let days: Vec<BudgetDay> = daily
        .iter()
        .enumerate()
        .map(|(i, x)| {
            total += x;
            let day = w.first + i as i64;
            if ran_out.is_none() && round(total) >= b.amount {
                ran_out = Some(day);
            }
            BudgetDay {
                date: date::format_date(day),
                spent: round(total),
                remaining: round(b.amount - total),
            }
        })
        .collect();
    let spent = round(total);
    let elapsed = (last_day - w.first + 1).max(1);
    let burn = spent / elapsed as f64;
    let runs_out = ran_out.or_else(|| {
        (burn > 0.0)
            .then(|| last_day + ((b.amount - spent) / burn).ceil() as i64)
            .filter(|d| *d <= w.last)
    });
    let mut earlier = Vec::new();
    let mut day = first_day;
    loop {
        let e = Window::of(b.period, day);
        if e.first >= w.first {
            break;
        }
        let spent = costs.spent(&unit, &e, e.last, &[]);
        earlier.push(PeriodSpend {
            label: e.label.clone(),
            start: date::format_date(e.first),
            end: date::format_date(e.last),
            spent,
            used_percent: percent(spent, b.amount),
        });
        day = e.last + 1;
    }
    BudgetStatus {
        unit: b.unit.clone(),
        amount: b.amount,
        period: b.period.as_str().to_string(),
        label: w.label.clone(),
        start: date::format_date(w.first),
        end: date::format_date(w.last),
        as_of: date::format_date(last_day),
        days_elapsed: elapsed,
        days_in_period: w.days(),
        spent,
        remaining: round(b.amount - spent),
        used_percent: percent(spent, b.amount),
        burn_per_day: brief(burn),
        projected: brief(burn * w.days() as f64),
        runs_out: runs_out.map(date::format_date),
        over: spent > b.amount,
        days,
        earlier,
    }
}

/// `12 GPU-hours`, `$40`: an amount in a budget's unit.
pub fn show(amount: f64, unit: &str) -> String {
    crate::model::cost::show_cost(amount, unit.trim())
}

/// What a budget's spend says when a cost takes it from `before` to
/// `after`: past 80%, past 100%, or further over. `None` when it says
/// nothing (below 80%, already past 80% and not over, or no spend added).
fn warning(b: &Budget, w: &Window, before: f64, after: f64) -> Option<String> {
    if after <= before {
        return None;
    }
    let (was, now) = (percent(before, b.amount), percent(after, b.amount));
    let spent = format!(
        "{} of {} spent in {} ({now}%)",
        show(after, &b.unit),
        show(b.amount, &b.unit),
        w.label
    );
    if after > b.amount {
        Some(format!(
            "the {} budget per {} is over: {spent}, {} over",
            b.unit,
            b.period.as_str(),
            show(round(after - b.amount), &b.unit)
        ))
    } else if now >= 100.0 && was < 100.0 {
        Some(format!(
            "the {} budget per {} is used up: {spent}",
            b.unit,
            b.period.as_str()
        ))
    } else if now >= WARN_AT && was < WARN_AT {
        Some(format!(
            "the {} budget per {} is past {WARN_AT}%: {spent}, {} left",
            b.unit,
            b.period.as_str(),
            show(round(b.amount - after), &b.unit)
        ))
    } else {
        None
    }
}

/// The budget warnings for a change just made to card `card` on the board
/// at `root`: committed as `commit` (with the hand edit of the card lanes
/// committed just before it, if it did), or, on a `commit: manual` board,
/// written and not committed. A budget warns when the cost the change
/// recorded takes its current period past 80%, to 100%, or further over.
/// Empty when the board declares no budget or the change spent nothing.
pub fn warnings(root: &Path, card: &str, commit: Option<Oid>) -> Result<Vec<String>> {
    let config = crate::store::parse_board(&crate::store::read_board_file(
        root,
        crate::store::BOARD_FILE,
    )?)?;
    let budgets: Vec<&Budget> = config.budgets.list().collect();
    if budgets.is_empty() {
        return Ok(Vec::new());
    }
    let history = super::board_history(root)?;
    let find = |id: &str| history.commits.iter().rposition(|x| x.id == id);
    let made = match commit {
        Some(c) => match find(&c.to_string()) {
            Some(i) => Some(i),
            // A commit this history does not hold: nothing to say.
            None => return Ok(Vec::new()),
        },
        None => None,
    };
    // The change's commits: the commit, and the hand edit (or reapplied
    // change) of the same card lanes committed first (its parent), whose
    // cost it recorded too.
    let mut mine: Vec<usize> = made.into_iter().collect();
    if let (Some(c), Some(_)) = (commit, made) {
        let parent = git::open(root)
            .ok()
            .and_then(|repo| repo.find_commit(c).ok()?.parent_id(0).ok());
        if let Some(i) = parent.and_then(|p| find(&p.to_string())) {
            let p = &history.commits[i];
            if matches!(p.action.as_deref(), Some("hand-edit" | "reapply"))
                && p.cards.iter().any(|x| x == card)
            {
                mine.push(i);
            }
        }
    }
    let now = made.map_or_else(date::now_secs, |i| history.commits[i].time);
    let today = now.div_euclid(DAY);
    let from = budgets
        .iter()
        .map(|b| Window::of(b.period, today).first)
        .min()
        .unwrap_or(today)
        * DAY;
    let mut costs = CostHistory::read(root, &history, from)?;
    if made.is_none() {
        // Not committed: the card as written is the change.
        let bytes = crate::store::read_board_file(root, &crate::store::card_path(card))?;
        costs.push(now, card, cost_in(&bytes));
        mine.push(usize::MAX);
    }
    Ok(budgets
        .iter()
        .filter_map(|b| {
            let w = Window::of(b.period, today);
            let unit = unit_key(b);
            let before = costs.spent(&unit, &w, today, &mine);
            let after = costs.spent(&unit, &w, today, &[]);
            warning(b, &w, before, after)
        })
        .collect())
}

/// [`warnings`] as one line to add to a message (`" · ⚠ ..."`), or
/// nothing; a budget that cannot be checked says so.
pub fn warning_text(root: &Path, card: &str, commit: Option<Oid>) -> String {
    match warnings(root, card, commit) {
        Ok(w) if w.is_empty() => String::new(),
        Ok(w) => format!(" · ⚠ {}", w.join(" · ⚠ ")),
        Err(e) => format!(" · ⚠ the budgets could not be checked: {e:#}"),
    }
}

/// A budget's status in a sentence, for Markdown and text.
pub fn sentence(s: &BudgetStatus) -> String {
    let runs_out = match (&s.runs_out, s.over) {
        (Some(d), _) if s.used_percent >= 100.0 => format!("ran out on {d}"),
        (Some(d), _) => format!("runs out on {d} at this rate"),
        (None, _) => format!(
            "lasts the {} at this rate ({} projected)",
            s.period,
            show(s.projected, &s.unit)
        ),
    };
    format!(
        "{} of {} spent in {} ({}%), {} a day; {runs_out}",
        show(s.spent, &s.unit),
        show(s.amount, &s.unit),
        s.label,
        show_amount(s.used_percent),
        show(s.burn_per_day, &s.unit),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> i64 {
        date::parse_date(s).expect("a date")
    }

    #[test]
    fn rates_are_rounded_as_people_read_them() {
        assert_eq!(brief(0.367_647), 0.368);
        assert_eq!(brief(33.823_5), 33.82);
        assert_eq!(brief(0.004_21), 0.00421);
        assert_eq!(brief(0.0), 0.0);
    }

    #[test]
    fn periods_are_calendar_periods() {
        let w = Window::of(BudgetPeriod::Quarter, day("2026-11-27"));
        assert_eq!(w.label, "2026-Q4");
        assert_eq!((w.first, w.last), (day("2026-10-01"), day("2026-12-31")));
        assert_eq!(w.days(), 92);
        let w = Window::of(BudgetPeriod::Month, day("2024-02-10"));
        assert_eq!((w.label.as_str(), w.days()), ("2024-02", 29));
        let w = Window::of(BudgetPeriod::Month, day("2026-12-31"));
        assert_eq!(w.last, day("2026-12-31"));
        let w = Window::of(BudgetPeriod::Week, day("2026-12-06"));
        assert_eq!(w.label, "2026-W49");
        assert_eq!((w.first, w.last), (day("2026-11-30"), day("2026-12-06")));
        let w = Window::of(BudgetPeriod::Year, day("2026-03-01"));
        assert_eq!((w.label.as_str(), w.days()), ("2026", 365));
    }

    #[test]
    fn the_quick_cost_reading_agrees_with_the_parser() {
        let cards = [
            "id: a\nlane: x\nexperiment:\n  runs:\n    - mlflow:1\n  cost: 2.5 GPU-hours\njournal:\n  - at: 2026-01-01T00:00:00Z\n    by: x\n    text: \"cost: 3\"\n",
            "id: a\nlane: x\nexperiment:\n  cost: 14.5\n",
            "id: a\nlane: x\nexperiment:\n  cost: '$40'\n",
            "id: a\nlane: x\nexperiment: {cost: 7 CPU-hours}\n",
            "id: a\nlane: x\nexperiment:\n  cost: |-\n    9 GPU-hours\n",
            "id: a\nlane: x\nexperiment:\n  dataset: d\nbody: |\n  cost: 5\n",
            "id: a\nlane: x\nbody: |\n  experiment:\n    cost: 5\n",
            "id: a\nlane: x\nexperiment:\n  cost: 12 # dollars\n",
            "id: a\nlane: x\nexperiment:\n  cost: 3\n    GPU-hours\n",
        ];
        for text in cards {
            let card = crate::store::parse_card("", text.as_bytes()).expect("a card");
            let want = card.card.experiment.and_then(|e| cost_of(&e.cost));
            assert_eq!(cost_in(text.as_bytes()), want, "{text}");
        }
    }

    #[test]
    fn warnings_say_when_a_budget_crosses_a_line() {
        let b = Budget {
            unit: "GPU-hours".into(),
            amount: 400.0,
            period: BudgetPeriod::Quarter,
            extra: Default::default(),
        };
        let w = Window::of(b.period, day("2026-11-27"));
        assert_eq!(warning(&b, &w, 100.0, 300.0), None);
        let past = warning(&b, &w, 300.0, 330.0).expect("past 80%");
        assert!(past.contains("past 80%"), "{past}");
        assert!(
            past.contains("330 GPU-hours of 400 GPU-hours spent in 2026-Q4 (82.5%)"),
            "{past}"
        );
        assert!(past.contains("70 GPU-hours left"), "{past}");
        assert_eq!(warning(&b, &w, 330.0, 350.0), None);
        assert!(warning(&b, &w, 350.0, 400.0)
            .expect("used up")
            .contains("used up"));
        let over = warning(&b, &w, 390.0, 430.0).expect("over");
        assert!(
            over.contains("is over") && over.contains("30 GPU-hours over"),
            "{over}"
        );
        // Further over: it says so again.
        assert!(warning(&b, &w, 430.0, 431.0).is_some());
        // A correction that lowers the spend says nothing.
        assert_eq!(warning(&b, &w, 430.0, 300.0), None);
    }
}
