//! Decisions: cards of kind `decision` (or with a `decision:` group), each
//! with what it rests on as those cards stand now (verdict, values, the
//! run behind them), who decided and when, what it replaces and what
//! replaced it, and flags when its evidence moved after it was taken: a
//! verdict changed since, a verdict gone stale, evidence left open,
//! superseded, archived or missing.
//!
//! One answer for `lanes decisions`, the report (Markdown, JSON, HTML),
//! the board and agents.

use super::report::HypothesisRow;
use super::{Change, History};
use crate::model::links::Graph;
use crate::model::{date, Card};
use crate::store::Board;
use std::collections::HashMap;

/// A card a decision points at (what it supersedes, what superseded it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CardRef {
    pub id: String,
    pub title: String,
}

/// One card a decision rests on, as it stands now.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evidence {
    pub id: String,
    /// Empty when the card is not on this board (`exists` is false).
    pub title: String,
    pub kind: String,
    pub lane: String,
    pub exists: bool,
    pub archived: bool,
    /// The hypothesis's verdict now (`None`: not a hypothesis).
    pub verdict: Option<String>,
    /// Its verdict when the decision was taken, from the history (`None`
    /// when the history does not say: the card is newer, or the history
    /// is incomplete).
    pub verdict_when_decided: Option<String>,
    /// When its verdict last changed after the decision (ISO 8601).
    pub verdict_changed_at: Option<String>,
    pub metric: Option<String>,
    /// Numbers as JSON numbers, text as strings, `null` when absent.
    pub baseline: serde_json::Value,
    pub target: serde_json::Value,
    pub result: serde_json::Value,
    /// The run its result was read from (`mlflow:<id>`, `dvc:<path>#<key>`).
    pub source: Option<String>,
    /// The card's runs (`experiment.runs`).
    pub runs: Vec<String>,
    /// Its verdict was recorded from evidence that no longer matches the
    /// repository (`stale_why` says how).
    pub stale: bool,
    pub stale_why: Vec<String>,
    /// Cards that supersede it.
    pub superseded_by: Vec<String>,
}

/// Something a reader of a decision should know.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DecisionFlag {
    /// `verdict_changed`, `stale`, `open`, `superseded`, `archived`,
    /// `missing`.
    pub kind: &'static str,
    /// The card it is about.
    pub card: String,
    /// The flag as a sentence.
    pub text: String,
}

/// One decision.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DecisionRow {
    pub id: String,
    /// What was decided, in a line.
    pub title: String,
    /// What was decided, in full (`decision.statement`).
    pub statement: Option<String>,
    pub decided_by: Option<String>,
    /// As the card says it (`decision.decided_at`), else the day the card
    /// was made.
    pub decided_at: Option<String>,
    pub lane: String,
    pub archived: bool,
    pub rests_on: Vec<Evidence>,
    pub supersedes: Vec<CardRef>,
    /// Later decisions that replace this one: it stays, marked.
    pub superseded_by: Vec<CardRef>,
    pub flags: Vec<DecisionFlag>,
}

impl DecisionRow {
    /// Whether a later decision replaces it.
    pub fn is_superseded(&self) -> bool {
        !self.superseded_by.is_empty()
    }
}

/// Whether `card` is a decision.
pub fn is_decision(card: &Card) -> bool {
    card.kind == crate::model::done::DECISION || card.decision.is_some()
}

/// The moment a decision was taken: its `decided_at` (a date counts to
/// the end of that day, unless the card was made that day: then the
/// moment it was made), else when it was made (history, then `created`).
fn decided_time(card: &Card, made: Option<i64>) -> Option<i64> {
    let d = card.decision.as_deref();
    let at = d.and_then(|d| d.decided_at.as_deref());
    if let Some(t) = at.and_then(date::parse_timestamp) {
        return Some(t);
    }
    if let Some(day) = at.and_then(date::parse_date) {
        return Some(match made {
            Some(m) if m.div_euclid(86_400) == day => m,
            _ => day * 86_400 + 86_399,
        });
    }
    made.or_else(|| {
        card.created
            .as_deref()
            .and_then(date::parse_date)
            .map(|d| d * 86_400 + 86_399)
    })
}

/// Every decision on `board`, newest first (then by id). `rows` are the
/// board's hypotheses ([`super::report::hypotheses`], stale marks
/// included when they are known).
pub fn decisions(board: &Board, history: &History, rows: &[HypothesisRow]) -> Vec<DecisionRow> {
    let cards: Vec<&Card> = board.cards.iter().filter(|c| is_decision(c)).collect();
    if cards.is_empty() {
        return Vec::new();
    }
    let g = Graph::new(&board.config, board.cards.iter().map(Card::node).collect());
    // The history of the cards decisions name, read once.
    let mut wanted: HashMap<&str, Vec<&Change>> = HashMap::new();
    for c in &cards {
        wanted.entry(c.id.as_str()).or_default();
        for e in &c.rests_on {
            wanted.entry(e.as_str()).or_default();
        }
    }
    for ch in history.changes.iter().filter(|c| !c.unreadable()) {
        if let Some(list) = wanted.get_mut(ch.card.as_str()) {
            list.push(ch);
        }
    }
    let hyp: HashMap<&str, &HypothesisRow> = rows.iter().map(|r| (r.id.as_str(), r)).collect();
    let title = |id: &str| board.card(id).map(|c| c.title.clone()).unwrap_or_default();
    let refs = |ids: Vec<usize>| -> Vec<CardRef> {
        ids.into_iter()
            .map(|i| CardRef {
                id: g.id(i).to_string(),
                title: title(g.id(i)),
            })
            .collect()
    };
    let mut out: Vec<(Option<i64>, DecisionRow)> = cards
        .iter()
        .map(|c| {
            let made = wanted
                .get(c.id.as_str())
                .and_then(|l| l.first())
                .map(|ch| ch.time);
            let when = decided_time(c, made);
            let i = g.index(&c.id);
            let rests_on: Vec<Evidence> = c
                .rests_on
                .iter()
                .map(|e| evidence(board, &g, hyp.get(e.as_str()).copied(), e, &wanted, when))
                .collect();
            let flags = flags(&rests_on);
            let d = c.decision.as_deref();
            let row = DecisionRow {
                id: c.id.clone(),
                title: c.title.clone(),
                statement: d.and_then(|d| d.statement.clone()),
                decided_by: d.and_then(|d| d.decided_by.clone()),
                decided_at: d.and_then(|d| d.decided_at.clone()).or_else(|| {
                    made.map(|t| date::format_date(t.div_euclid(86_400)))
                        .or_else(|| c.created.clone())
                }),
                lane: c.lane.clone(),
                archived: c.archived,
                rests_on,
                supersedes: i.map_or_else(Vec::new, |i| refs(g.supersedes(i).collect())),
                superseded_by: i.map_or_else(Vec::new, |i| refs(g.superseded_by(i).collect())),
                flags,
            };
            (when, row)
        })
        .collect();
    out.sort_by(|(ta, a), (tb, b)| tb.cmp(ta).then_with(|| a.id.cmp(&b.id)));
    out.into_iter().map(|(_, r)| r).collect()
}

fn evidence(
    board: &Board,
    g: &Graph,
    row: Option<&HypothesisRow>,
    id: &str,
    history: &HashMap<&str, Vec<&Change>>,
    decided: Option<i64>,
) -> Evidence {
    let card = board.card(id);
    let h = card.and_then(|c| c.hypothesis.as_deref());
    let typed = |v: &Option<serde_yaml::Value>| {
        v.as_ref()
            .map_or(serde_json::Value::Null, crate::store::json::to_json)
    };
    // The verdict at the decision, and the last change after it.
    let (mut then, mut changed) = (None, None);
    if let (Some(h), Some(t)) = (h, decided) {
        let mut last: Option<&str> = None;
        let changes = history.get(id).map_or(&[][..], Vec::as_slice);
        for ch in changes {
            let v = ch
                .state
                .as_ref()
                .and_then(|s| s.verdict.as_deref())
                .unwrap_or("open");
            if ch.time <= t {
                then = Some(v);
            } else if last != Some(v) && then.is_some() {
                changed = Some(ch.time);
            }
            last = Some(v);
        }
        if then == Some(h.verdict.as_str()) {
            changed = None;
        }
    }
    Evidence {
        id: id.to_string(),
        title: card.map(|c| c.title.clone()).unwrap_or_default(),
        kind: card.map(|c| c.kind.clone()).unwrap_or_default(),
        lane: card.map(|c| c.lane.clone()).unwrap_or_default(),
        exists: card.is_some(),
        archived: card.is_some_and(|c| c.archived),
        verdict: h.map(|h| h.verdict.to_string()),
        verdict_when_decided: then.map(str::to_string),
        verdict_changed_at: changed.map(date::format_timestamp),
        metric: h.and_then(|h| h.metric.clone()),
        baseline: typed(&h.and_then(|h| h.baseline.clone())),
        target: typed(&h.and_then(|h| h.target.clone())),
        result: typed(&h.and_then(|h| h.result.clone())),
        source: row.and_then(|r| r.evidence_source.clone()),
        runs: card
            .and_then(|c| c.experiment.as_deref())
            .map(|e| e.runs.clone())
            .unwrap_or_default(),
        stale: row.is_some_and(|r| r.stale),
        stale_why: row.map(|r| r.stale_why.clone()).unwrap_or_default(),
        superseded_by: g
            .index(id)
            .map(|i| g.superseded_by(i).map(|j| g.id(j).to_string()).collect())
            .unwrap_or_default(),
    }
}

/// The flags a decision's evidence raises, in the order of its evidence.
fn flags(rests_on: &[Evidence]) -> Vec<DecisionFlag> {
    let mut out = Vec::new();
    for e in rests_on {
        let short = crate::model::id::short(&e.id);
        let name = if e.title.is_empty() {
            short.to_string()
        } else {
            format!("{short} ({})", crate::model::text::one_line(&e.title))
        };
        let mut flag = |kind: &'static str, text: String| {
            out.push(DecisionFlag {
                kind,
                card: e.id.clone(),
                text,
            })
        };
        if !e.exists {
            flag(
                "missing",
                format!(
                    "rests on {short}, which is not on this board (deleted, or not synced yet)"
                ),
            );
            continue;
        }
        if let (Some(now), Some(then), Some(at)) =
            (&e.verdict, &e.verdict_when_decided, &e.verdict_changed_at)
        {
            let day = date::parse_timestamp(at)
                .map(|t| date::format_day_long(t.div_euclid(86_400)))
                .unwrap_or_else(|| at.clone());
            flag(
                "verdict_changed",
                format!("verdict changed since the decision: {name} was {then} when decided, {now} since {day}"),
            );
        }
        if e.stale {
            flag(
                "stale",
                format!(
                    "the verdict of {name} may no longer hold: {}",
                    e.stale_why.join("; ")
                ),
            );
        }
        if e.verdict.as_deref() == Some("open") {
            flag("open", format!("{name} has no verdict yet"));
        }
        if !e.superseded_by.is_empty() {
            let by: Vec<&str> = e
                .superseded_by
                .iter()
                .map(|s| crate::model::id::short(s))
                .collect();
            flag(
                "superseded",
                format!("{name} is superseded by {}", by.join(", ")),
            );
        }
        if e.archived {
            flag("archived", format!("{name} is archived"));
        }
    }
    out
}

/// Mark the evidence whose verdict `stale` names (card id → why), and
/// flag the decisions resting on it.
pub fn mark_stale(rows: &mut [DecisionRow], stale: &HashMap<String, Vec<String>>) {
    for r in rows {
        let mut changed = false;
        for e in &mut r.rests_on {
            if let Some(why) = stale.get(&e.id) {
                changed |= !e.stale;
                e.stale = true;
                e.stale_why = why.clone();
            }
        }
        if changed {
            r.flags = flags(&r.rests_on);
        }
    }
}

fn json_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// What a card a decision rests on says now, in a few words: `supported
/// precision@10 0.31 (target 0.30)`, `experiment, runs mlflow:abc`.
pub fn evidence_summary(e: &Evidence) -> String {
    use crate::model::text::one_line;
    if !e.exists {
        return "not on this board".into();
    }
    let mut parts: Vec<String> = Vec::new();
    match &e.verdict {
        Some(v) => {
            parts.push(v.clone());
            if let Some(m) = &e.metric {
                parts.push(one_line(m));
            }
            if let Some(r) = json_text(&e.result) {
                let target = json_text(&e.target)
                    .map(|t| format!(" (target {t})"))
                    .unwrap_or_default();
                parts.push(format!("{}{}", one_line(&r), one_line(&target)));
            }
        }
        None => parts.push(one_line(&e.kind)),
    }
    if let Some(s) = &e.source {
        parts.push(format!("from {}", one_line(s)));
    } else if !e.runs.is_empty() {
        parts.push(format!("runs {}", one_line(&e.runs.join(", "))));
    }
    parts.join("  ")
}

/// The decisions as text for a terminal or a file, newest first; lines
/// are cut to `width` when given.
pub fn text(rows: &[DecisionRow], width: Option<usize>) -> String {
    use crate::model::id::short;
    use crate::model::text::{fit, one_line};
    use std::fmt::Write as _;
    if rows.is_empty() {
        return "No decisions on this board. Record one with `lanes decide TITLE --rests-on CARD`.\n"
            .into();
    }
    let mut out = String::new();
    // Titles and evidence lines are cut to the width; the statement and
    // the flags never are (the terminal wraps them).
    let mut put = |s: String, cut: bool| {
        let s = match width {
            Some(w) if cut => fit(&s, w),
            _ => s,
        };
        let _ = writeln!(out, "{}", s.trim_end());
    };
    for (n, r) in rows.iter().enumerate() {
        if n > 0 {
            put(String::new(), true);
        }
        let mark = if r.is_superseded() {
            "  [superseded]"
        } else {
            ""
        };
        put(
            format!("{}  {}{mark}", short(&r.id), one_line(&r.title)),
            true,
        );
        let mut said = Vec::new();
        if let Some(at) = &r.decided_at {
            said.push(format!("decided {}", one_line(at)));
        }
        if let Some(by) = &r.decided_by {
            said.push(format!("by {}", one_line(by)));
        }
        said.push(format!("in {}", one_line(&r.lane)));
        if r.archived {
            said.push("archived".into());
        }
        put(format!("    {}", said.join(" ")), true);
        if let Some(s) = &r.statement {
            for l in s.lines().filter(|l| !l.trim().is_empty()) {
                put(format!("    {}", one_line(l)), false);
            }
        }
        for (k, e) in r.rests_on.iter().enumerate() {
            let head = if k == 0 { "rests on" } else { "        " };
            put(
                format!(
                    "    {head}  {}  {}  {}",
                    short(&e.id),
                    one_line(&e.title),
                    evidence_summary(e)
                ),
                true,
            );
        }
        if r.rests_on.is_empty() {
            put(
                "    rests on nothing recorded (lanes link CARD --rests-on HYPOTHESIS)".into(),
                true,
            );
        }
        for s in &r.supersedes {
            put(
                format!("    supersedes {}  {}", short(&s.id), one_line(&s.title)),
                true,
            );
        }
        for s in &r.superseded_by {
            put(
                format!("    superseded by {}  {}", short(&s.id), one_line(&s.title)),
                true,
            );
        }
        for f in &r.flags {
            put(format!("    ! {}", one_line(&f.text)), false);
        }
    }
    out
}

/// The report's Decisions section, as Markdown.
pub fn markdown(rows: &[DecisionRow]) -> String {
    use crate::model::id::short;
    use std::fmt::Write as _;
    let cell = |s: &str| crate::model::text::one_line(s).replace('|', "\\|");
    let mut out = format!("\n## Decisions ({})\n\n", rows.len());
    if rows.is_empty() {
        out.push_str("No decision was recorded in this period.\n");
        return out;
    }
    for r in rows {
        let who = r
            .decided_by
            .as_deref()
            .map(|b| format!(" by {}", cell(b)))
            .unwrap_or_default();
        let when = r
            .decided_at
            .as_deref()
            .map(|d| format!(", {}", cell(d)))
            .unwrap_or_default();
        let superseded = if r.is_superseded() {
            let by: Vec<String> = r
                .superseded_by
                .iter()
                .map(|s| format!("{} ({})", short(&s.id), cell(&s.title)))
                .collect();
            format!(" — *superseded by {}*", by.join(", "))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "- **{}** ({}{who}{when}){superseded}",
            cell(&r.title),
            short(&r.id)
        );
        if let Some(s) = &r.statement {
            let _ = writeln!(out, "  {}", cell(s));
        }
        for e in &r.rests_on {
            let _ = writeln!(
                out,
                "  - rests on {} {}: {}",
                short(&e.id),
                cell(&e.title),
                cell(&evidence_summary(e))
            );
        }
        for f in &r.flags {
            let _ = writeln!(out, "  - ⚠ {}", cell(&f.text));
        }
    }
    out
}
