//! Flow metrics from the board's history: a cumulative flow diagram, cycle
//! times, throughput, loop-backs, WIP-limit breaches, and the time work
//! spent blocked (flow efficiency).

use super::History;
use crate::model::{date, BoardConfig};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::BTreeMap;

const DAY: i64 = 86_400;

/// A card entering a lane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub time: i64,
    pub card: String,
    /// None when the card was created, or first seen where a shallow
    /// clone's history starts.
    pub from: Option<String>,
    pub to: String,
    pub author: String,
    /// The card was created here (not merely first seen where a shallow
    /// clone's history is cut: when it entered its lane is not known).
    pub created: bool,
}

/// Median and 85th percentile of a set of durations, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Spread {
    pub count: usize,
    pub median: i64,
    pub p85: i64,
}

fn spread(mut v: Vec<i64>) -> Option<Spread> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    Some(Spread {
        count: v.len(),
        median: at(0.5),
        p85: at(0.85),
    })
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LaneCycle {
    pub lane: String,
    /// Time spent in the lane per visit, for visits that ended.
    pub time_in_lane: Option<Spread>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoopBack {
    pub from: String,
    pub to: String,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Breach {
    pub lane: String,
    pub limit: u32,
    /// First and last day over the limit (YYYY-MM-DD) and the most cards.
    pub from: String,
    pub to: String,
    pub max: usize,
}

/// One day of the cumulative flow diagram.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Cards per lane id at the end of the day (archived cards not
    /// counted).
    pub lanes: BTreeMap<String, usize>,
}

/// Cards reaching the last lane in one ISO week.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Week {
    /// `2026-W47`.
    pub week: String,
    pub cards: usize,
}

/// A card in progress and how long it has been in its lane, against how
/// long cards usually stay there (an aging work-in-progress chart).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Aging {
    pub card: String,
    pub lane: String,
    /// When it entered the lane (ISO 8601).
    pub since: String,
    /// Seconds in the lane so far.
    pub age: i64,
    /// The lane's 85th-percentile time in lane (seconds), if any visit
    /// has ended.
    pub lane_p85: Option<i64>,
    /// In the lane longer than 85% of the visits that ended: stuck.
    pub over_p85: bool,
}

/// How long a card was in progress in the period and how long of that it
/// was blocked ([`crate::model::links`]: not done, waiting on a card that
/// is not done).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BlockedCard {
    pub card: String,
    /// Seconds in progress (not done, not archived) in the period.
    pub in_progress: i64,
    /// Seconds of those it was blocked.
    pub blocked: i64,
    /// Time worked / time in progress: (in progress - blocked) / in
    /// progress.
    pub flow_efficiency: f64,
    /// Blocked at the end of the period.
    pub blocked_now: bool,
}

/// [`BlockedCard`] summed over the cards while they were in a lane.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BlockedLane {
    pub lane: String,
    pub in_progress: i64,
    pub blocked: i64,
    /// `None` when no card was in progress there in the period.
    pub flow_efficiency: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Flow {
    pub since: String,
    pub until: String,
    /// Lane ids in board order.
    pub lanes: Vec<String>,
    /// Per day: (YYYY-MM-DD, cards per lane in `lanes` order), archived
    /// cards not counted. Deprecated in JSON (removed in 0.3) for
    /// [`Flow::days`], which names them.
    pub cfd: Vec<(String, Vec<usize>)>,
    /// The cumulative flow diagram, one object per day.
    pub days: Vec<Day>,
    pub cycle: Vec<LaneCycle>,
    /// The lanes where work is finished: those the board marks `done:
    /// true`, or, on a board that marks none, the last lane (see
    /// [`BoardConfig::is_done_lane`]).
    pub done_lanes: Vec<String>,
    /// From creation to first reaching a done lane, for cards that were
    /// created elsewhere.
    pub end_to_end: Option<Spread>,
    /// Cards first reaching a done lane in the period (the throughput's
    /// total), created there or not.
    pub finished: usize,
    /// Of [`Flow::finished`], the cards created in a done lane: they
    /// have no journey for [`Flow::end_to_end`] to time.
    pub finished_where_created: usize,
    /// Cards first reaching a done lane per ISO week (`2026-W47`).
    /// Deprecated in JSON (removed in 0.3) for [`Flow::weeks`].
    pub throughput: Vec<(String, usize)>,
    pub weeks: Vec<Week>,
    pub loop_backs: Vec<LoopBack>,
    pub breaches: Vec<Breach>,
    /// Cards in progress, longest in their lane first: not archived, and
    /// not done ([`crate::model::done`]: no verdict, not in a done lane,
    /// their lane's exit criteria not met).
    pub aging: Vec<Aging>,
    /// Cards that spent time blocked in the period, most blocked first.
    pub time_blocked: Vec<BlockedCard>,
    /// Time in progress and blocked per lane, in board order.
    pub time_blocked_by_lane: Vec<BlockedLane>,
    /// Over every card: time worked / time in progress in the period
    /// (`None`: no card was in progress).
    pub flow_efficiency: Option<f64>,
    /// False when this clone lacks part of the history (a partial clone
    /// that could not fetch card versions, a shallow clone): the figures
    /// count only what it holds.
    pub history_complete: bool,
    /// How the history is incomplete; `None` when it is whole.
    pub history_incomplete: Option<super::Incomplete>,
    /// The durations the spreads above summarise (for distributions; not
    /// in `lanes flow --json`).
    #[serde(skip)]
    pub samples: Samples,
}

/// The durations behind [`Flow::cycle`] and [`Flow::end_to_end`], in
/// seconds, each sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Samples {
    /// Per lane, in board order: time in lane of each visit that ended in
    /// the period.
    pub lanes: Vec<Vec<i64>>,
    /// Creation to first reaching a done lane.
    pub end_to_end: Vec<i64>,
}

/// Every lane change, in order: from the history's card states.
pub fn moves(history: &History) -> Vec<Move> {
    let mut lane_of: HashMap<&str, String> = HashMap::new();
    let mut out = Vec::new();
    for ch in history.changes.iter().filter(|c| !c.unreadable()) {
        let c = &history.commits[ch.commit];
        match &ch.state {
            Some(s) => {
                let prev = lane_of.get(ch.card.as_str());
                if prev != Some(&s.lane) {
                    out.push(Move {
                        time: ch.time,
                        card: ch.card.clone(),
                        from: prev.cloned(),
                        to: s.lane.clone(),
                        author: c.author.clone(),
                        created: prev.is_none() && !history.is_cut(ch.commit),
                    });
                    lane_of.insert(ch.card.as_str(), s.lane.clone());
                }
            }
            None => {
                lane_of.remove(ch.card.as_str());
            }
        }
    }
    out
}

/// ISO week label of a day.
pub fn iso_week(days: i64) -> String {
    // ISO weeks start on Monday; 1970-01-01 was a Thursday.
    let weekday = (days + 3).rem_euclid(7); // 0 = Monday
    let thursday = days - weekday + 3;
    let (y, _, _) = date::civil_from_days(thursday);
    let jan1 = date::days_from_civil(y, 1, 1);
    let week = (thursday - jan1) / 7 + 1;
    format!("{y}-W{week:02}")
}

/// Compute flow metrics over `[since, until]` (seconds).
pub fn flow(history: &History, config: &BoardConfig, since: Option<i64>, until: i64) -> Flow {
    let lanes: Vec<String> = config.lanes.iter().map(|l| l.id.clone()).collect();
    let index: HashMap<&str, usize> = lanes
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let first = history.changes.first().map_or(until, |c| c.time);
    let since = since.unwrap_or(first).max(first.min(until));
    let in_range = |t: i64| t >= since && t <= until;
    // Cumulative flow: replay card states day by day, keeping the counts
    // per lane up to date as cards change (not recounting every day).
    let mut state: HashMap<&str, Option<usize>> = HashMap::new();
    let mut counts = vec![0usize; lanes.len()];
    let mut cfd = Vec::new();
    let mut changes = history.changes.iter().peekable();
    let (d0, d1) = (since.div_euclid(DAY), until.div_euclid(DAY));
    let mut counts_by_day: Vec<Vec<usize>> = Vec::new();
    for day in d0..=d1 {
        let end = (day + 1) * DAY;
        while let Some(ch) = changes.next_if(|ch| ch.time < end) {
            if ch.unreadable() {
                // An unreadable version leaves the card where it was.
                continue;
            }
            // The lane a card is counted in (None: archived, gone, or in
            // a lane the board does not define).
            let now = ch
                .state
                .as_ref()
                .filter(|s| !s.archived)
                .and_then(|s| index.get(s.lane.as_str()).copied());
            let before = state.insert(ch.card.as_str(), now).flatten();
            if let Some(b) = before {
                counts[b] -= 1;
            }
            if let Some(n) = now {
                counts[n] += 1;
            }
        }
        cfd.push((date::format_date(day), counts.clone()));
        counts_by_day.push(counts.clone());
    }
    // Time in lane per visit, end to end, throughput, loop-backs.
    let all_moves = moves(history);
    let mut entered: HashMap<&str, (String, i64)> = HashMap::new();
    let mut created: HashMap<&str, i64> = HashMap::new();
    let mut per_lane: BTreeMap<usize, Vec<i64>> = BTreeMap::new();
    let mut e2e = Vec::new();
    let mut done_weeks: BTreeMap<String, usize> = BTreeMap::new();
    let mut loops: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut finished: HashMap<&str, bool> = HashMap::new();
    let (mut finished_in_range, mut finished_where_created) = (0, 0);
    for m in &all_moves {
        if let Some((lane, t)) = entered.get(m.card.as_str()) {
            if in_range(m.time) {
                if let Some(&i) = index.get(lane.as_str()) {
                    // Never below zero (changes are in time order).
                    per_lane.entry(i).or_default().push((m.time - t).max(0));
                }
            }
        }
        if m.created {
            created.entry(m.card.as_str()).or_insert(m.time);
        }
        if let (Some(from), Some(&to)) = (&m.from, index.get(m.to.as_str())) {
            if let Some(&fi) = index.get(from.as_str()) {
                if to < fi && in_range(m.time) {
                    *loops.entry((fi, to)).or_default() += 1;
                }
            }
        }
        if index.contains_key(m.to.as_str())
            && config.is_done_lane(&m.to)
            && !finished.contains_key(m.card.as_str())
        {
            finished.insert(m.card.as_str(), true);
            if in_range(m.time) {
                finished_in_range += 1;
                // Cards created in a done lane have no journey to time.
                match (created.get(m.card.as_str()), &m.from) {
                    (Some(c), Some(_)) => e2e.push((m.time - c).max(0)),
                    _ => finished_where_created += usize::from(m.created),
                }
                *done_weeks
                    .entry(iso_week(m.time.div_euclid(DAY)))
                    .or_default() += 1;
            }
        }
        if m.from.is_none() && !m.created {
            // First seen where a shallow clone's history starts: when it
            // entered the lane is not known, so this visit is not timed.
            entered.remove(m.card.as_str());
        } else {
            entered.insert(m.card.as_str(), (m.to.clone(), m.time));
        }
    }
    let mut samples = Samples {
        lanes: Vec::with_capacity(lanes.len()),
        end_to_end: e2e.clone(),
    };
    samples.end_to_end.sort_unstable();
    let cycle: Vec<LaneCycle> = lanes
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut v = per_lane.remove(&i).unwrap_or_default();
            v.sort_unstable();
            samples.lanes.push(v.clone());
            LaneCycle {
                lane: l.clone(),
                time_in_lane: spread(v),
            }
        })
        .collect();
    // Aging work in progress: each card's current visit, against the p85
    // of every visit to that lane that ended (not only those in range).
    let mut visits: HashMap<&str, Vec<i64>> = HashMap::new();
    let mut current: HashMap<&str, (&str, i64)> = HashMap::new();
    // Visits whose start is not in a shallow clone's history.
    let mut untimed: HashSet<&str> = HashSet::new();
    for m in &all_moves {
        if let Some((lane, t)) = current.get(m.card.as_str()) {
            if !untimed.contains(m.card.as_str()) {
                visits.entry(lane).or_default().push((m.time - t).max(0));
            }
        }
        if m.from.is_none() && !m.created {
            untimed.insert(m.card.as_str());
        } else {
            untimed.remove(m.card.as_str());
        }
        current.insert(m.card.as_str(), (m.to.as_str(), m.time));
    }
    // Each card as it was at the end of the period: in progress when it
    // is there, not archived, and not done.
    let mut in_progress: HashMap<&str, bool> = HashMap::new();
    for ch in history
        .changes
        .iter()
        .filter(|c| !c.unreadable() && c.time <= until)
    {
        in_progress.insert(
            ch.card.as_str(),
            ch.state.as_ref().is_some_and(|s| {
                !s.archived && crate::model::done(config, &s.progress()).is_none()
            }),
        );
    }
    let p85: HashMap<&str, i64> = visits
        .into_iter()
        .filter_map(|(lane, v)| Some((lane, spread(v)?.p85)))
        .collect();
    let mut aging: Vec<Aging> = current
        .iter()
        .filter(|(card, (lane, t))| {
            in_progress.get(*card) == Some(&true) && index.contains_key(*lane) && *t <= until
        })
        .map(|(card, (lane, t))| {
            let age = until - t;
            let lane_p85 = p85.get(lane).copied();
            Aging {
                card: card.to_string(),
                lane: lane.to_string(),
                since: date::format_timestamp(*t),
                age,
                lane_p85,
                over_p85: lane_p85.is_some_and(|p| age > p),
            }
        })
        .collect();
    aging.sort_by(|a, b| b.age.cmp(&a.age).then_with(|| a.card.cmp(&b.card)));
    // Throughput for every week in range, zeros included.
    let mut throughput = Vec::new();
    let mut day = d0;
    while day <= d1 {
        let w = iso_week(day);
        if throughput.last().map(|(x, _): &(String, usize)| x) != Some(&w) {
            throughput.push((w.clone(), done_weeks.get(&w).copied().unwrap_or(0)));
        }
        day += 1;
    }
    let loop_backs = loops
        .into_iter()
        .map(|((f, t), count)| LoopBack {
            from: lanes[f].clone(),
            to: lanes[t].clone(),
            count,
        })
        .collect();
    // WIP breaches as spans of days.
    let mut breaches = Vec::new();
    for (i, lane) in config.lanes.iter().enumerate() {
        let Some(limit) = lane.wip else { continue };
        let mut open: Option<Breach> = None;
        for (k, counts) in counts_by_day.iter().enumerate() {
            let day = date::format_date(d0 + k as i64);
            if counts[i] > limit as usize {
                match &mut open {
                    Some(b) => {
                        b.to = day;
                        b.max = b.max.max(counts[i]);
                    }
                    None => {
                        open = Some(Breach {
                            lane: lane.id.clone(),
                            limit,
                            from: day.clone(),
                            to: day,
                            max: counts[i],
                        })
                    }
                }
            } else if let Some(b) = open.take() {
                breaches.push(b);
            }
        }
        breaches.extend(open);
    }
    let days = cfd
        .iter()
        .map(|(date, counts)| Day {
            date: date.clone(),
            lanes: lanes.iter().cloned().zip(counts.iter().copied()).collect(),
        })
        .collect();
    let weeks = throughput
        .iter()
        .map(|(week, cards)| Week {
            week: week.clone(),
            cards: *cards,
        })
        .collect();
    let blocked = time_blocked(history, config, since, until);
    let gaps = history.incomplete();
    Flow {
        since: date::format_date(d0),
        until: date::format_date(d1),
        lanes,
        cfd,
        days,
        cycle,
        done_lanes: config
            .lanes
            .iter()
            .filter(|l| config.is_done_lane(&l.id))
            .map(|l| l.id.clone())
            .collect(),
        end_to_end: spread(e2e),
        finished: finished_in_range,
        finished_where_created,
        throughput,
        weeks,
        loop_backs,
        breaches,
        aging,
        time_blocked: blocked.cards,
        time_blocked_by_lane: blocked.lanes,
        flow_efficiency: blocked.efficiency,
        history_complete: gaps.is_none(),
        history_incomplete: gaps,
        samples,
    }
}

/// What [`time_blocked`] finds.
struct Blocked {
    cards: Vec<BlockedCard>,
    lanes: Vec<BlockedLane>,
    efficiency: Option<f64>,
}

/// Replay the history and time, for each card, the spans in `[since,
/// until]` when it was in progress (not archived, not done by
/// [`crate::model::done`]) and when, of those, it was blocked: a card it
/// depends on existed and was not done. A card depending on one that does
/// not exist (not yet made, deleted) is not blocked by it, as on the board.
fn time_blocked(history: &History, config: &BoardConfig, since: i64, until: i64) -> Blocked {
    use std::collections::HashSet;
    /// What a card is now, as the replay goes.
    struct Now<'h> {
        lane: &'h str,
        in_progress: bool,
        blocked: bool,
        /// When this span (the state above) started.
        from: i64,
    }
    let mut state: HashMap<&str, &super::CardState> = HashMap::new();
    let mut dependents: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut now: HashMap<&str, Now> = HashMap::new();
    let mut per_card: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    let mut per_lane: HashMap<&str, (i64, i64)> = HashMap::new();
    // Count `card`'s span from `n.from` to `t` (clipped to the period).
    fn account<'h>(
        card: &'h str,
        n: &Now<'h>,
        t: i64,
        (since, until): (i64, i64),
        per_card: &mut BTreeMap<&'h str, (i64, i64)>,
        per_lane: &mut HashMap<&'h str, (i64, i64)>,
    ) {
        if !n.in_progress {
            return;
        }
        let secs = (t.min(until) - n.from.max(since)).max(0);
        for e in [
            per_card.entry(card).or_default(),
            per_lane.entry(n.lane).or_default(),
        ] {
            e.0 += secs;
            if n.blocked {
                e.1 += secs;
            }
        }
    }
    let is_done = |s: &super::CardState| crate::model::done(config, &s.progress()).is_some();
    for ch in history.changes.iter().filter(|c| !c.unreadable()) {
        let t = ch.time;
        let card = ch.card.as_str();
        if let Some(old) = state.get(card) {
            for d in &old.depends_on {
                if let Some(set) = dependents.get_mut(d.as_str()) {
                    set.remove(card);
                }
            }
        }
        match &ch.state {
            Some(s) => {
                state.insert(card, s);
                for d in &s.depends_on {
                    dependents.entry(d.as_str()).or_default().insert(card);
                }
            }
            None => {
                state.remove(card);
            }
        }
        // This card and those that depend on it may change.
        let mut touched: Vec<&str> = vec![card];
        if let Some(set) = dependents.get(card) {
            touched.extend(set.iter().copied());
        }
        for c in touched {
            let next = state.get(c).map(|s| {
                let in_progress = !s.archived && !is_done(s);
                let blocked = in_progress
                    && s.depends_on
                        .iter()
                        .any(|d| state.get(d.as_str()).is_some_and(|dep| !is_done(dep)));
                (s.lane.as_str(), in_progress, blocked)
            });
            let changed = match (now.get(c), next) {
                (Some(n), Some((lane, p, b))) => {
                    n.lane != lane || n.in_progress != p || n.blocked != b
                }
                (None, None) => false,
                _ => true,
            };
            if !changed {
                continue;
            }
            if let Some(n) = now.remove(c) {
                account(c, &n, t, (since, until), &mut per_card, &mut per_lane);
            }
            if let Some((lane, in_progress, blocked)) = next {
                now.insert(
                    c,
                    Now {
                        lane,
                        in_progress,
                        blocked,
                        from: t,
                    },
                );
            }
        }
    }
    // Spans still open end at `until`.
    let open: Vec<(&str, Now)> = now.drain().collect();
    let mut blocked_now: HashSet<&str> = HashSet::new();
    for (c, n) in &open {
        account(c, n, until, (since, until), &mut per_card, &mut per_lane);
        if n.in_progress && n.blocked {
            blocked_now.insert(c);
        }
    }
    let ratio = |p: i64, b: i64| (p > 0).then(|| (p - b) as f64 / p as f64);
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let (mut total_p, mut total_b) = (0, 0);
    let mut cards: Vec<BlockedCard> = Vec::new();
    for (c, (p, b)) in per_card {
        total_p += p;
        total_b += b;
        if b > 0 {
            cards.push(BlockedCard {
                card: c.to_string(),
                in_progress: p,
                blocked: b,
                flow_efficiency: round(ratio(p, b).unwrap_or(1.0)),
                blocked_now: blocked_now.contains(c),
            });
        }
    }
    cards.sort_by(|a, b| b.blocked.cmp(&a.blocked).then_with(|| a.card.cmp(&b.card)));
    let lanes = config
        .lanes
        .iter()
        .map(|l| {
            let (p, b) = per_lane.get(l.id.as_str()).copied().unwrap_or_default();
            BlockedLane {
                lane: l.id.clone(),
                in_progress: p,
                blocked: b,
                flow_efficiency: ratio(p, b).map(round),
            }
        })
        .collect();
    Blocked {
        cards,
        lanes,
        efficiency: ratio(total_p, total_b).map(round),
    }
}

/// A duration for people: `3.5d`, `7h`, `12m`.
pub fn human(secs: i64) -> String {
    if secs >= DAY {
        format!("{:.1}d", secs as f64 / DAY as f64)
    } else if secs >= 3600 {
        format!("{}h", secs / 3600)
    } else {
        format!("{}m", secs / 60)
    }
}

/// The flow as text for the terminal.
pub fn render_text(f: &Flow, config: &BoardConfig) -> String {
    use crate::model::text::one_line;
    use std::fmt::Write;
    let mut out = String::new();
    let title = |id: &str| config.lane(id).map_or(id.to_string(), |l| l.title.clone());
    let _ = writeln!(out, "Flow {} .. {}\n", f.since, f.until);
    if let Some(i) = &f.history_incomplete {
        let _ = writeln!(out, "! {}\n", i.message);
    }
    // Cumulative flow: one row a day (a week when the range is long),
    // drawn as stacked bars, last lane first.
    let _ = writeln!(
        out,
        "Cumulative flow (cards per lane, bars stacked from the last lane)"
    );
    let step = if f.cfd.len() > 40 { 7 } else { 1 };
    let marks: Vec<char> = "█▓▒░#=+-:.".chars().collect();
    let max_total = f
        .cfd
        .iter()
        .map(|(_, c)| c.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let scale = |n: usize| (n * 50).div_ceil(max_total);
    // Every count as wide as the largest and a space: 1000 and 120 never
    // run together.
    let digits = f
        .cfd
        .iter()
        .flat_map(|(_, c)| c.iter())
        .max()
        .map_or(1, |n| n.to_string().len());
    let width = (digits + 1).max(3);
    for (k, (day, counts)) in f.cfd.iter().enumerate() {
        if k % step != 0 && k + 1 != f.cfd.len() {
            continue;
        }
        let mut bar = String::new();
        for (i, &n) in counts.iter().enumerate().rev() {
            let m = marks[i % marks.len()];
            for _ in 0..scale(n) {
                bar.push(m);
            }
        }
        let nums: Vec<String> = counts.iter().map(|n| format!("{n:>width$}")).collect();
        let _ = writeln!(out, "  {day} {} {bar}", nums.join(""));
    }
    let legend: Vec<String> = f
        .lanes
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{} {}", marks[i % marks.len()], title(l)))
        .collect();
    let _ = writeln!(out, "  {}\n", legend.join("  "));
    let _ = writeln!(
        out,
        "Time in lane (per visit)        visits  median     85%"
    );
    for c in &f.cycle {
        match c.time_in_lane {
            Some(s) => {
                let _ = writeln!(
                    out,
                    "  {:<28} {:>6} {:>7} {:>7}",
                    title(&c.lane),
                    s.count,
                    human(s.median),
                    human(s.p85)
                );
            }
            None => {
                let _ = writeln!(out, "  {:<28} {:>6}       —       —", title(&c.lane), 0);
            }
        }
    }
    // Where work is finished: "Deployment", or "a done lane (A, B)".
    let done = match f.done_lanes.as_slice() {
        [one] => title(one),
        many => format!(
            "a done lane ({})",
            many.iter().map(|l| title(l)).collect::<Vec<_>>().join(", ")
        ),
    };
    let cards = |n: usize| format!("{n} card{}", if n == 1 { "" } else { "s" });
    // The summary says what the throughput table counts: every card that
    // reached a done lane, with or without a journey to time.
    let untimed = f.finished - f.end_to_end.map_or(0, |s| s.count);
    let why_untimed = if f.finished_where_created == untimed {
        "created there"
    } else {
        "created there, or before this clone's history starts"
    };
    match f.end_to_end {
        Some(s) => {
            let _ = writeln!(
                out,
                "  {:<28} {:>6} {:>7} {:>7}",
                "End to end (to done)",
                s.count,
                human(s.median),
                human(s.p85)
            );
            if untimed > 0 {
                let _ = writeln!(
                    out,
                    "  ({untimed} more card{} reached {} in this period, {why_untimed}: no journey to time)",
                    if untimed == 1 { "" } else { "s" },
                    one_line(&done)
                );
            }
        }
        None if f.finished == 0 => {
            let _ = writeln!(
                out,
                "  End to end: no card reached {} in this period",
                one_line(&done)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  End to end: {} reached {} in this period, all {why_untimed}: no journey to time",
                cards(f.finished),
                one_line(&done)
            );
        }
    }
    let _ = writeln!(
        out,
        "\nThroughput (cards reaching {} per week; {} in all)",
        one_line(&done),
        f.finished
    );
    for (w, n) in &f.throughput {
        let _ = writeln!(out, "  {w}  {n:>3} {}", "■".repeat(*n));
    }
    let _ = writeln!(out, "\nLoop-backs (cards moved to an earlier phase)");
    if f.loop_backs.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for l in &f.loop_backs {
        let _ = writeln!(
            out,
            "  {:>3}  {} -> {}",
            l.count,
            title(&l.from),
            title(&l.to)
        );
    }
    let _ = writeln!(out, "\nWIP-limit breaches");
    if f.breaches.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for b in &f.breaches {
        let _ = writeln!(
            out,
            "  {} over {} from {} to {} (at most {})",
            title(&b.lane),
            b.limit,
            b.from,
            b.to,
            b.max
        );
    }
    let _ = write!(out, "{}", aging_text(&f.aging, &title));
    let _ = write!(out, "{}", blocked_text(f, &title));
    out
}

/// A share as a percentage: `75%`.
fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// Time blocked per lane and the most blocked cards, with flow
/// efficiency (time worked / time in progress).
pub fn blocked_text(f: &Flow, title: &dyn Fn(&str) -> String) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nTime blocked (flow efficiency = time worked / time in progress{})",
        f.flow_efficiency
            .map(|e| format!(": {} overall", percent(e)))
            .unwrap_or_default()
    );
    if f.time_blocked.is_empty() {
        let _ = writeln!(out, "  no card was blocked in this period");
        return out;
    }
    let _ = writeln!(
        out,
        "  {:<28} {:>11} {:>8} {:>10}",
        "Lane", "in progress", "blocked", "efficiency"
    );
    for l in f.time_blocked_by_lane.iter().filter(|l| l.in_progress > 0) {
        let _ = writeln!(
            out,
            "  {:<28} {:>11} {:>8} {:>10}",
            crate::model::text::one_line(&title(&l.lane)),
            human(l.in_progress),
            human(l.blocked),
            l.flow_efficiency.map_or("—".to_string(), percent)
        );
    }
    let _ = writeln!(out, "  Most blocked cards (! = blocked now)");
    for c in f.time_blocked.iter().take(10) {
        let _ = writeln!(
            out,
            "  {} {:<8} blocked {} of {} in progress ({} efficiency)",
            if c.blocked_now { "!" } else { " " },
            crate::model::id::short(&c.card),
            human(c.blocked),
            human(c.in_progress),
            percent(c.flow_efficiency)
        );
    }
    if f.time_blocked.len() > 10 {
        let _ = writeln!(
            out,
            "  … and {} more (`lanes flow --json`)",
            f.time_blocked.len() - 10
        );
    }
    out
}

/// The aging work-in-progress table: each card in progress, its age in
/// its lane and that lane's 85th percentile; `!` marks a card past it.
pub fn aging_text(aging: &[Aging], title: &dyn Fn(&str) -> String) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nAging work in progress (age in lane against the lane's 85th percentile; ! = past it)"
    );
    if aging.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for a in aging {
        let p85 = a.lane_p85.map_or("—".to_string(), human);
        let _ = writeln!(
            out,
            "  {} {:<8} {:<24} {:>7} / p85 {:>6}",
            if a.over_p85 { "!" } else { " " },
            crate::model::id::short(&a.card),
            crate::model::text::one_line(&title(&a.lane)),
            human(a.age),
            p85
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_weeks() {
        let d = |s: &str| date::parse_date(s).unwrap();
        assert_eq!(iso_week(d("2026-11-27")), "2026-W48");
        assert_eq!(iso_week(d("2021-01-03")), "2020-W53");
        assert_eq!(iso_week(d("2024-12-30")), "2025-W01");
    }
}
