//! Questions the command line, the board screen and agents ask of the
//! board and its history, answered once here: the hypotheses table,
//! filtered, sorted and checked for stale verdicts; the decisions and
//! what they rest on.

use super::report::{self, HypothesisRow};
use super::History;
use crate::store::Board;
use std::path::Path;

/// How the hypotheses table is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum HypSort {
    /// Board order: lane, then rank.
    #[default]
    Lane,
    Verdict,
    Metric,
    /// Most recently changed first.
    Updated,
    /// Most expensive first.
    Cost,
}

impl HypSort {
    /// Every sort, in the order a key cycles through them.
    pub const ALL: [HypSort; 5] = [
        HypSort::Lane,
        HypSort::Verdict,
        HypSort::Metric,
        HypSort::Updated,
        HypSort::Cost,
    ];

    /// How people read it ("sorted by last update").
    pub fn name(self) -> &'static str {
        match self {
            HypSort::Lane => "lane",
            HypSort::Verdict => "verdict",
            HypSort::Metric => "metric",
            HypSort::Updated => "last update",
            HypSort::Cost => "cost",
        }
    }

    /// Sort rows (which come in board order).
    pub fn sort(self, rows: &mut [HypothesisRow]) {
        match self {
            HypSort::Lane => {}
            HypSort::Verdict => rows.sort_by(|a, b| a.verdict.cmp(&b.verdict)),
            HypSort::Metric => rows.sort_by(|a, b| a.metric.cmp(&b.metric)),
            HypSort::Updated => rows.sort_by(|a, b| b.updated.cmp(&a.updated)),
            HypSort::Cost => rows.sort_by(|a, b| {
                let n = |s: &str| {
                    s.split_whitespace()
                        .next()
                        .and_then(|n| n.trim_start_matches('$').parse::<f64>().ok())
                        .unwrap_or(0.0)
                };
                n(&b.cost).total_cmp(&n(&a.cost))
            }),
        }
    }
}

/// Which hypotheses, in what order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HypQuery {
    /// Only this verdict.
    pub verdict: Option<String>,
    /// Only this lane (an id, already resolved).
    pub lane: Option<String>,
    /// Only metrics containing this text (any case).
    pub metric: Option<String>,
    pub sort: HypSort,
}

/// The hypotheses table: filtered, sorted, and with stale verdicts marked
/// (their evidence checked against `dvc.lock` and the run stores).
pub fn hypotheses(
    root: &Path,
    board: &Board,
    history: &History,
    q: &HypQuery,
) -> Vec<HypothesisRow> {
    let metric = q.metric.as_ref().map(|m| m.to_lowercase());
    let mut rows: Vec<HypothesisRow> = report::hypotheses(board, history)
        .into_iter()
        .filter(|h| q.verdict.as_ref().is_none_or(|v| h.verdict == *v))
        .filter(|h| q.lane.as_ref().is_none_or(|l| h.lane == *l))
        .filter(|h| {
            metric
                .as_ref()
                .is_none_or(|m| h.metric.to_lowercase().contains(m))
        })
        .collect();
    q.sort.sort(&mut rows);
    let stale =
        crate::evidence::stale::check_cards(root, rows.iter().filter_map(|h| board.card(&h.id)));
    report::mark_stale(&mut rows, &stale);
    rows
}

/// Every decision, newest first, with its evidence as it stands now and
/// the verdicts it rests on checked for staleness.
pub fn decisions(
    root: &Path,
    board: &Board,
    history: &History,
) -> Vec<super::decisions::DecisionRow> {
    let rows = report::hypotheses(board, history);
    let mut out = super::decisions::decisions(board, history, &rows);
    let rested: std::collections::BTreeSet<&str> = out
        .iter()
        .flat_map(|d| d.rests_on.iter().map(|e| e.id.as_str()))
        .collect();
    let stale = crate::evidence::stale::check_cards(
        root,
        rested.into_iter().filter_map(|id| board.card(id)),
    );
    super::decisions::mark_stale(&mut out, &stale);
    out
}
