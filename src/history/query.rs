//! Questions the command line, the board screen and agents ask of the
//! board and its history, answered once here: the hypotheses table,
//! filtered, sorted and checked for stale verdicts; the decisions and
//! what they rest on; a card's log and the board's activity feed.

use super::report::{self, HypothesisRow};
use super::{by_with_agent, timeline, CommitInfo, Entry, History};
use crate::store::{Board, Index};
use anyhow::Result;
use std::collections::HashMap;
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

    /// Sort rows (which come in board order), owned or borrowed (the
    /// board screen sorts references to the rows it keeps).
    pub fn sort<R: std::borrow::Borrow<HypothesisRow>>(self, rows: &mut [R]) {
        fn field<R: std::borrow::Borrow<HypothesisRow>>(r: &R) -> &HypothesisRow {
            r.borrow()
        }
        match self {
            HypSort::Lane => {}
            HypSort::Verdict => rows.sort_by(|a, b| field(a).verdict.cmp(&field(b).verdict)),
            HypSort::Metric => rows.sort_by(|a, b| field(a).metric.cmp(&field(b).metric)),
            HypSort::Updated => rows.sort_by(|a, b| field(b).updated.cmp(&field(a).updated)),
            HypSort::Cost => rows.sort_by(|a, b| {
                let n = |s: &str| {
                    s.split_whitespace()
                        .next()
                        .and_then(|n| n.trim_start_matches('$').parse::<f64>().ok())
                        .unwrap_or(0.0)
                };
                n(&field(b).cost).total_cmp(&n(&field(a).cost))
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

/// Which changes of a card's history `lanes log CARD` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardLogQuery {
    /// Only changes at or after this time (seconds since the epoch).
    pub since: Option<i64>,
    /// Only commits whose author (or the agent that made them for the
    /// author) contains this text, in any case.
    pub author: Option<String>,
    /// Only changes to these fields (or groups of fields).
    pub fields: Vec<String>,
    /// Newest first (the log reads oldest first).
    pub reverse: bool,
}

/// A card's log, as [`card_log`] answers it.
#[derive(Debug, Clone)]
pub struct CardLog {
    pub entries: Vec<Entry>,
    /// The fields the card's history changed within the time and author
    /// filters: what to suggest when [`CardLogQuery::fields`] found
    /// nothing (empty without fields asked for).
    pub changed: Vec<String>,
}

/// The card `query` (an id or unique prefix) names: one on the board, or
/// else one removed from the board whose history is still there.
pub fn card_id(index: &Index, history: &History, query: &str) -> Result<String> {
    match index.resolve_id(query) {
        Ok(id) => Ok(id),
        Err(e) => {
            let q = query.trim().to_lowercase();
            let mut ids: Vec<&str> = history
                .changes
                .iter()
                .map(|c| c.card.as_str())
                .filter(|id| id.starts_with(&q))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            match ids.as_slice() {
                [one] => Ok(one.to_string()),
                _ => Err(e),
            }
        }
    }
}

/// The card's history, field by field, filtered as `q` says.
pub fn card_log(root: &Path, history: &History, id: &str, q: &CardLogQuery) -> Result<CardLog> {
    let mut entries = timeline::timeline_in(root, history, id)?;
    entries.retain(|e| q.since.is_none_or(|s| e.time >= s));
    if let Some(a) = &q.author {
        // The agent counts too: `--author claude-code` finds its work.
        let a = a.to_lowercase();
        entries.retain(|e| {
            by_with_agent(&e.author, e.agent.as_deref())
                .to_lowercase()
                .contains(&a)
        });
    }
    let mut changed = Vec::new();
    if !q.fields.is_empty() {
        changed = timeline::changed_fields(&entries);
        timeline::only_fields(&mut entries, &q.fields);
    }
    if q.reverse {
        entries.reverse();
    }
    Ok(CardLog { entries, changed })
}

/// Which commits the board's activity feed (`lanes log`) shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedQuery {
    /// Only commits at or after this time (seconds since the epoch).
    pub since: Option<i64>,
    /// Only commits whose author (or agent) contains this text, any case.
    pub author: Option<String>,
    /// Only commits moving a card in or out of this lane, or touching a
    /// card in it (a lane id, already resolved).
    pub lane: Option<String>,
    /// Oldest first (the feed reads newest first, like git log).
    pub reverse: bool,
}

/// One commit of the activity feed (`lanes log --json` prints these).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FeedItem {
    pub commit: String,
    pub time: i64,
    /// `time` as ISO 8601.
    pub at: String,
    pub author: String,
    /// The agent that made it for its author (`Lanes-Agent`).
    pub agent: Option<String>,
    pub subject: String,
    pub action: Option<String>,
    pub cards: Vec<FeedCard>,
    /// A card version of this commit is not in this clone, or a shallow
    /// clone's history starts here: the lanes may be wrong.
    pub incomplete: bool,
}

/// A card a feed commit touched, with its lane before and after.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FeedCard {
    pub id: String,
    /// Its title on the board now (null when it left the board).
    pub title: Option<String>,
    pub lane_before: Option<String>,
    pub lane_after: Option<String>,
}

/// (card, lane before, lane after) for each card a commit touched.
type Touched = Vec<(String, Option<String>, Option<String>)>;

/// The board's activity feed: the commits that touched cards, with the
/// cards and the lanes they moved between, filtered and ordered as `q`
/// says.
pub fn feed(board: &Board, history: &History, q: &FeedQuery) -> Vec<FeedItem> {
    let mut per_commit: Vec<Touched> = vec![Vec::new(); history.commits.len()];
    // Commits whose effect on a card is not all known here.
    let mut incomplete = vec![false; history.commits.len()];
    for &i in &history.gaps.cut {
        incomplete[i] = true;
    }
    let mut lane_of: HashMap<&str, String> = HashMap::new();
    for ch in &history.changes {
        let before = lane_of.get(ch.card.as_str()).cloned();
        incomplete[ch.commit] |= ch.missing;
        if ch.unreadable() {
            // An unreadable version leaves the card where it was.
            per_commit[ch.commit].push((ch.card.clone(), before.clone(), before));
            continue;
        }
        let after = ch.state.as_ref().map(|s| s.lane.clone());
        match &after {
            Some(a) => {
                lane_of.insert(ch.card.as_str(), a.clone());
            }
            None => {
                lane_of.remove(ch.card.as_str());
            }
        }
        per_commit[ch.commit].push((ch.card.clone(), before, after));
    }
    let author = q.author.as_ref().map(|a| a.to_lowercase());
    let mut items: Vec<FeedItem> = history
        .commits
        .iter()
        .zip(&per_commit)
        .zip(&incomplete)
        .filter(|((c, touched), _)| {
            keeps(c, touched, q.since, author.as_deref(), q.lane.as_deref())
        })
        .map(|((c, touched), &gap)| feed_item(c, touched, board, gap))
        .collect();
    items.sort_by_key(|it| it.time);
    if !q.reverse {
        items.reverse();
    }
    items
}

/// Whether a commit that touched `touched` passes the feed's filters.
fn keeps(
    c: &CommitInfo,
    touched: &Touched,
    since: Option<i64>,
    author: Option<&str>,
    lane: Option<&str>,
) -> bool {
    let by_author = author.is_none_or(|a| c.who().to_lowercase().contains(a));
    let in_lane = lane.is_none_or(|l| {
        touched
            .iter()
            .any(|(_, b, a)| b.as_deref() == Some(l) || a.as_deref() == Some(l))
    });
    !touched.is_empty() && since.is_none_or(|s| c.time >= s) && by_author && in_lane
}

fn feed_item(c: &CommitInfo, touched: &Touched, board: &Board, incomplete: bool) -> FeedItem {
    let cards = touched
        .iter()
        .map(|(id, b, a)| FeedCard {
            id: id.clone(),
            title: board.card(id).map(|x| x.title.clone()),
            lane_before: b.clone(),
            lane_after: a.clone(),
        })
        .collect();
    FeedItem {
        commit: c.id.clone(),
        time: c.time,
        at: crate::model::date::format_timestamp(c.time),
        author: c.author.clone(),
        agent: c.agent.clone(),
        subject: c.subject.clone(),
        action: c.action.clone(),
        cards,
        incomplete,
    }
}
