//! The one generator of boards the examples measure on: seeded ids,
//! realistic cards (rendered by the library's own writer, so they look
//! exactly like real ones), lanes and ranks, the repository, and
//! histories streamed through `git fast-import` whose commits change
//! cards the way a team does.

use super::{git, num, Rng};
use anyhow::{anyhow, bail, Context, Result};
use lanes::model::{
    date, id, rank, Card, ChecklistItem, Direction, Experiment, Hypothesis, JournalEntry, Verdict,
};
use lanes::store;
use serde_yaml::Value;
use std::borrow::Borrow;
use std::collections::HashSet;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};

// ---------------------------------------------------------------------------
// What cards are made of: a recommender team's work

pub const AUTHORS: &[(&str, &str)] = &[
    ("Amira Haddad", "amira@example.com"),
    ("Ben Okafor", "ben@example.com"),
    ("Chen Wei", "chen@example.com"),
    ("Dana Kowalski", "dana@example.com"),
    ("Eli Marquez", "eli@example.com"),
    ("Farah Siddiqui", "farah@example.com"),
    ("Gus Lindqvist", "gus@example.com"),
    ("Hana Sato", "hana@example.com"),
    ("recsys-ci[bot]", "ci@example.com"),
];
pub const HANDLES: &[&str] = &[
    "amira", "ben", "chen", "dana", "eli", "farah", "gus", "hana",
];
pub const LABELS: &[&str] = &[
    "blocked",
    "needs-data",
    "needs-review",
    "quick-win",
    "stakeholder",
    "tech-debt",
];
const VERBS: &[&str] = &[
    "Evaluate",
    "Clean",
    "Backfill",
    "Profile",
    "Train",
    "Tune",
    "Ablate",
    "Benchmark",
    "Investigate",
    "Document",
    "Ship",
    "Monitor",
    "Compare",
    "Validate",
    "Rework",
];
const OBJECTS: &[&str] = &[
    "session-recency features",
    "clickstream dedup",
    "cold-start fallback",
    "hybrid recommender",
    "item embeddings",
    "weekend traffic drift",
    "hold-out split",
    "catalogue metadata join",
    "implicit feedback weights",
    "ALS baseline",
    "two-tower retrieval",
    "A/B test guardrails",
    "popularity prior",
    "bot-traffic filter",
    "add-to-cart metric",
    "content-based similarity",
];
const QUALIFIERS: &[&str] = &[
    "for mobile",
    "on EU traffic",
    "v2",
    "with a 90-day window",
    "(weekly retrain)",
    "for new users",
    "",
    "",
    "",
];
const METRICS: &[(&str, Direction, f64, f64)] = &[
    ("precision@10", Direction::Higher, 0.08, 0.3),
    ("recall@20", Direction::Higher, 0.15, 0.5),
    ("ndcg@10", Direction::Higher, 0.1, 0.45),
    ("add-to-cart rate", Direction::Higher, 0.02, 0.09),
    ("AUC", Direction::Higher, 0.6, 0.9),
    ("F1", Direction::Higher, 0.3, 0.8),
    ("MAE", Direction::Lower, 0.5, 1.2),
    ("p95 latency ms", Direction::Lower, 40.0, 180.0),
];
const MODELS: &[&str] = &[
    "lightgbm-ranker",
    "als-implicit",
    "two-tower-128d",
    "sasrec",
    "item-knn",
    "hybrid-blend",
];
const CHECKS: &[&str] = &[
    "Freeze the hold-out split",
    "Log the dataset hash with the run",
    "Review the results with the PM",
    "Check for leakage from post-purchase events",
    "Write up the results in the team doc",
    "Add the metric to the monitoring dashboard",
    "Re-run with three seeds",
    "Segment the results by new vs returning users",
];
pub const NOTES: &[&str] = &[
    "Baseline reproduced within 0.2 points of last quarter's number; the gap is the new dedup rule.",
    "Weekend traffic looks different again: sessions are longer and basket sizes smaller. Splitting the evaluation by weekday.",
    "Talked to the catalogue team: the category field is free text before March, so the content features are noisy for old items.",
    "Run finished overnight. Validation ndcg@10 is up, but the cold-start slice is flat; the gain comes from heavy users only.",
    "Blocked on access to the raw clickstream bucket; ticket filed with data platform.",
    "Found ~3% duplicate events from the mobile SDK retry logic. Dropping exact duplicates within 2 s.",
    "A/B test readout: +10% add-to-cart against a +15% target. Not enough to ship as is, but the direction is right.",
    "Hyperparameter sweep done (48 configs). Best config is in the run notes; learning rate matters more than depth.",
    "PM asked for a per-segment breakdown before the go/no-go meeting on Thursday.",
    "Bias review: recommendations for new users skew towards bestsellers; adding a diversity constraint to the candidate set.",
    "Drift alert fired on Saturday (PSI 0.27 on session length). Retrain scheduled, monitoring threshold kept.",
    "Pairing session with Chen on the feature pipeline; the join on item id was silently dropping bundles.",
];
const BODIES: &[&str] = &[
    "Context: the current recommender is a popularity baseline with manual overrides. We want a model that beats it on the business metric without hurting latency.",
    "Scope: only logged-in sessions from the last 90 days. Guest sessions are out until the identity stitching work lands.",
    "Open question: is add-to-cart the right proxy, or should we wait for purchase data (two weeks of delay)?",
    "Plan:\n1. reproduce the baseline on the frozen split\n2. add the new features one group at a time\n3. report each ablation against the same seeds",
    "Links: design doc in the team drive, dashboard 'recs-offline-eval', previous attempt in the 2024 archive board.",
];

// ---------------------------------------------------------------------------
// The board and its repository

/// The built-in CRISP-DM template's text and its lane ids, in order.
pub fn crisp_dm() -> Result<(&'static str, Vec<String>)> {
    let template = lanes::templates::BUILTIN
        .iter()
        .find(|(n, _)| *n == "crisp-dm")
        .map(|(_, t)| *t)
        .ok_or_else(|| anyhow!("no crisp-dm template"))?;
    let config = store::parse_board(template.as_bytes()).map_err(|p| anyhow!("{p}"))?;
    Ok((
        template,
        config.lanes.iter().map(|l| l.id.clone()).collect(),
    ))
}

/// A new git repository in `root` (created if missing) on branch `main`,
/// committing as "Bench Runner", never signing.
pub fn init_repo(root: &Path) -> Result<()> {
    fs::create_dir_all(root)?;
    git(root, &["init", "-q", "-b", "main"])?;
    for (key, value) in [
        ("user.name", "Bench Runner"),
        ("user.email", "bench@example.com"),
        ("commit.gpgsign", "false"),
    ] {
        git(root, &["config", key, value])?;
    }
    Ok(())
}

/// A card id drawn from `rng`, in lanes' id alphabet: the same seed, the
/// same ids.
pub fn id(rng: &mut Rng) -> String {
    (0..id::ID_LEN)
        .map(|_| char::from(id::ALPHABET[rng.below(id::ALPHABET.len())]))
        .collect()
}

/// `n` distinct ids.
pub fn ids(rng: &mut Rng, n: usize) -> Vec<String> {
    let mut seen = HashSet::with_capacity(n);
    (0..n)
        .map(|_| loop {
            let i = id(rng);
            if seen.insert(i.clone()) {
                break i;
            }
        })
        .collect()
}

/// A lane for each of `n` cards, lane `l` drawn with weight `weights[l]`.
pub fn lanes_by_weight(rng: &mut Rng, n: usize, weights: &[usize]) -> Vec<usize> {
    let total: usize = weights.iter().sum();
    (0..n)
        .map(|_| {
            let mut x = rng.below(total);
            let mut l = 0;
            while l + 1 < weights.len() && x >= weights[l] {
                x -= weights[l];
                l += 1;
            }
            l
        })
        .collect()
}

/// Ranks for `n` cards in one lane: `rank::spread`, or balanced bisection
/// with `rank::between` should spread give invalid ranks.
pub fn lane_ranks(n: usize) -> Vec<String> {
    let spread = rank::spread(n);
    if spread.iter().all(|r| rank::is_valid(r)) {
        return spread;
    }
    fn bisect(lo: Option<&str>, hi: Option<&str>, n: usize, out: &mut Vec<String>) {
        if n == 0 {
            return;
        }
        let mid = rank::between(lo, hi);
        let left = (n - 1) / 2;
        bisect(lo, Some(&mid), left, out);
        out.push(mid.clone());
        bisect(Some(&mid), hi, n - 1 - left, out);
    }
    let mut out = Vec::with_capacity(n);
    bisect(None, None, n, &mut out);
    out
}

/// Each card's file, rendered as lanes writes a new card, under `root`;
/// returns the bytes written.
pub fn write_cards(
    root: &Path,
    cards: impl IntoIterator<Item = impl Borrow<Card>>,
) -> Result<usize> {
    fs::create_dir_all(root.join(store::CARDS_DIR))?;
    let mut bytes = 0;
    for card in cards {
        let card = card.borrow();
        let text = store::render_card(card, None);
        bytes += text.len();
        fs::write(root.join(store::card_path(&card.id)), text)?;
    }
    Ok(bytes)
}

// ---------------------------------------------------------------------------
// Cards

/// A card to generate.
pub struct Spec<'a> {
    pub id: String,
    pub lane: &'a str,
    pub rank: String,
    /// `task`, `hypothesis` or `experiment`; `None` for the usual mix:
    /// 45% tasks, 30% hypotheses, 25% experiments.
    pub kind: Option<&'a str>,
    /// The day it was created (days since the epoch).
    pub created: i64,
    /// Its journal entries fall on that day or later, before this time
    /// (seconds since the epoch).
    pub before: i64,
}

fn title(rng: &mut Rng) -> String {
    let q = *rng.pick(QUALIFIERS);
    let t = format!("{} {}", rng.pick(VERBS), rng.pick(OBJECTS));
    if q.is_empty() {
        t
    } else {
        format!("{t} {q}")
    }
}

/// A card as a team writes one: labels, assignees, a due date now and
/// then; a hypothesis with a metric, baseline and target; an experiment
/// with runs, data, model, commit and a cost (in GPU-hours half the time);
/// a checklist, journal entries, a body. Rendered, it is 550 to 1,000
/// bytes, so that later notes leave most cards within 500 to 1,200.
pub fn card(rng: &mut Rng, spec: Spec) -> Card {
    let kind = spec.kind.unwrap_or_else(|| match rng.below(100) {
        0..=44 => "task",
        45..=74 => "hypothesis",
        _ => "experiment",
    });
    let mut card = Card::new(
        spec.id,
        title(rng),
        spec.lane.to_string(),
        spec.rank,
        kind.to_string(),
    );
    for _ in 0..rng.below(3) {
        let l = rng.pick(LABELS).to_string();
        if !card.labels.contains(&l) {
            card.labels.push(l);
        }
    }
    for _ in 0..1 + rng.below(2) {
        let a = rng.pick(HANDLES).to_string();
        if !card.assignees.contains(&a) {
            card.assignees.push(a);
        }
    }
    card.created = Some(date::format_date(spec.created));
    if rng.chance(30) {
        card.due = Some(date::format_date(spec.created + rng.range(7, 60)));
    }
    let (metric, direction, lo, hi) = *rng.pick(METRICS);
    if kind == "hypothesis" || (kind == "experiment" && rng.chance(50)) {
        let baseline = rng.float(lo, hi);
        let lift = rng.float(0.03, 0.2);
        let target = match direction {
            Direction::Higher => baseline * (1.0 + lift),
            Direction::Lower => baseline * (1.0 - lift),
        };
        card.hypothesis = Some(Box::new(Hypothesis {
            statement: Some(format!(
                "{} will move {metric} by at least {:.0}% against the current baseline on the frozen hold-out split, without hurting p95 latency.",
                rng.pick(OBJECTS),
                lift * 100.0
            )),
            metric: Some(metric.to_string()),
            direction: Some(direction),
            baseline: Some(num(baseline)),
            target: Some(num(target)),
            ..Default::default()
        }));
    }
    if kind == "experiment" || (kind == "hypothesis" && rng.chance(50)) {
        let mut runs = vec![format!("mlflow:{}", rng.hex(32))];
        if rng.chance(50) {
            runs.push(format!("wandb:recsys/{}", rng.hex(8)));
        }
        card.experiment = Some(Box::new(Experiment {
            runs,
            dataset: Some(format!(
                "s3://recs-data/clickstream/{}@v{}",
                date::format_date(spec.created - 7),
                rng.range(1, 9)
            )),
            model: Some(rng.pick(MODELS).to_string()),
            commit: Some(rng.hex(12)),
            cost: Some(if rng.chance(50) {
                num(rng.float(0.5, 80.0))
            } else {
                Value::String(format!("{} GPU-hours", rng.range(1, 40)))
            }),
            ..Default::default()
        }));
    }
    if rng.chance(60) {
        let start = rng.below(CHECKS.len());
        for i in 0..1 + rng.below(4) {
            card.checklist.push(ChecklistItem {
                text: CHECKS[(start + i) % CHECKS.len()].to_string(),
                done: rng.chance(40),
                ..Default::default()
            });
        }
    }
    let mut at = spec.created * 86_400 + rng.range(8 * 3600, 18 * 3600);
    for _ in 0..1 + rng.below(3) {
        at = (at + rng.range(600, 86_400)).min(spec.before - 1);
        card.journal.push(JournalEntry {
            at: date::format_timestamp(at),
            by: rng.pick(AUTHORS).0.to_string(),
            text: rng.pick(NOTES).to_string(),
            ..Default::default()
        });
    }
    if rng.chance(35) {
        card.body = Some(rng.pick(BODIES).to_string());
    }
    if rng.chance(3) {
        card.archived = true;
    }
    loop {
        let len = store::render_card(&card, None).len();
        if len > 1000 && card.body.is_some() {
            card.body = None;
        } else if len > 1000 && card.checklist.len() > 1 {
            card.checklist.pop();
        } else if len > 1000 && card.journal.len() > 1 {
            card.journal.pop();
        } else if len < 550 && card.checklist.len() < 4 {
            let text = CHECKS[(card.checklist.len() * 3 + rng.below(3)) % CHECKS.len()];
            card.checklist.push(ChecklistItem {
                text: text.to_string(),
                done: rng.chance(40),
                ..Default::default()
            });
        } else if len < 550 && card.body.is_none() {
            card.body = Some(rng.pick(BODIES).to_string());
        } else {
            break;
        }
    }
    card
}

// ---------------------------------------------------------------------------
// Histories: cards changing, commit by commit

/// Every lane's ranks, sorted, as cards move between lanes.
pub struct Ranks(Vec<Vec<String>>);

impl Ranks {
    /// Ranks for `counts[l]` cards in lane `l` ([`lane_ranks`]).
    pub fn new(counts: &[usize]) -> Ranks {
        Ranks(counts.iter().map(|&n| lane_ranks(n)).collect())
    }

    /// Lane `l`'s ranks, in order.
    pub fn lane(&self, l: usize) -> &[String] {
        &self.0[l]
    }

    /// A card ranked `rank` in lane `from` moves to lane `to`, at a random
    /// position there: its new rank.
    pub fn moved(&mut self, rng: &mut Rng, from: usize, to: usize, rank: &str) -> String {
        if let Ok(p) = self.0[from].binary_search_by(|r| r.as_str().cmp(rank)) {
            self.0[from].remove(p);
        }
        let target = &mut self.0[to];
        let new_rank = loop {
            let p = rng.below(target.len() + 1);
            let lo = p.checked_sub(1).map(|q| target[q].as_str());
            let r = rank::between(lo, target.get(p).map(String::as_str));
            if rank::is_valid(&r) && target.binary_search(&r).is_err() {
                break r;
            }
        };
        let p = target.binary_search(&new_rank).unwrap_or_else(|p| p);
        target.insert(p, new_rank.clone());
        new_rank
    }
}

/// A card of a generated history as it is now: its file's text (each new
/// version is spliced over it, as lanes writes), its lane, and how many
/// changes it has had.
pub struct Live {
    pub card: Card,
    pub text: String,
    pub lane: usize,
    pub changes: usize,
}

impl Live {
    pub fn new(card: Card, lane: usize) -> Live {
        let text = store::render_card(&card, None);
        Live {
            card,
            text,
            lane,
            changes: 0,
        }
    }
}

/// One change, for its commit: `lanes: <verb> <card> <detail>`, then `body`.
pub struct Change {
    pub verb: &'static str,
    pub detail: String,
    pub body: String,
    /// A move back to an earlier lane.
    pub loop_back: bool,
}

/// Change `live` as a team does, at `at` by `who`: a move to a
/// neighbouring lane (forward three times in four), a verdict, a ticked
/// checklist item, a label, a cost, now and then an archive, else a
/// journal note; then its new text. A `hot` card (one a benchmark follows
/// through the history) may be decided again and is never archived.
pub fn change(
    rng: &mut Rng,
    live: &mut Live,
    lanes: &[String],
    ranks: &mut Ranks,
    at: i64,
    who: &str,
    hot: bool,
) -> Result<Change> {
    let mut card = live.card.clone();
    let roll = rng.below(100);
    let decidable = card
        .hypothesis
        .as_ref()
        .is_some_and(|h| hot || h.verdict == Verdict::Open);
    let can_tick = card.checklist.iter().any(|c| !c.done);
    let mut loop_back = false;
    let (verb, detail, body) = if roll < 45 {
        let from = live.lane;
        let last = lanes.len() - 1;
        let to = if from == 0 || (from < last && rng.chance(75)) {
            from + 1
        } else {
            from - 1
        };
        loop_back = to < from;
        card.rank = ranks.moved(rng, from, to, &card.rank);
        card.lane = lanes[to].clone();
        live.lane = to;
        (
            "move",
            format!("{} -> {}", lanes[from], lanes[to]),
            String::new(),
        )
    } else if roll < 55 && decidable {
        let h = card
            .hypothesis
            .as_mut()
            .ok_or_else(|| anyhow!("no hypothesis"))?;
        let base = h.baseline.as_ref().and_then(Value::as_f64).unwrap_or(0.2);
        let result = base * rng.float(0.9, 1.25);
        h.result = Some(num(result));
        h.verdict = *rng.pick(&[Verdict::Supported, Verdict::Refuted, Verdict::Inconclusive]);
        (
            "verdict",
            format!(
                "{}, result {}",
                h.verdict,
                (result * 1000.0).round() / 1000.0
            ),
            String::new(),
        )
    } else if roll < 62 && can_tick {
        if let Some(item) = card.checklist.iter_mut().find(|c| !c.done) {
            item.done = true;
        }
        (
            "edit",
            "checklist".to_string(),
            "checklist: (updated)".to_string(),
        )
    } else if roll < 68 {
        let l = rng.pick(LABELS).to_string();
        match card.labels.iter().position(|x| *x == l) {
            Some(p) => {
                card.labels.remove(p);
            }
            None => card.labels.push(l),
        }
        ("edit", "labels".to_string(), String::new())
    } else if roll < 71 && card.experiment.is_some() {
        if let Some(e) = card.experiment.as_mut() {
            e.cost = Some(Value::String(format!("{} GPU-hours", rng.range(1, 60))));
        }
        ("edit", "experiment.cost".to_string(), String::new())
    } else if roll < 72 && !hot {
        card.archived = true;
        ("archive", String::new(), String::new())
    } else {
        let text = rng.pick(NOTES).to_string();
        card.journal.push(JournalEntry {
            at: date::format_timestamp(at),
            by: who.to_string(),
            text: text.clone(),
            ..Default::default()
        });
        ("note", String::new(), text)
    };
    live.text = store::render_card(&card, Some(&live.text));
    live.card = card;
    live.changes += 1;
    Ok(Change {
        verb,
        detail,
        body,
        loop_back,
    })
}

/// A lanes commit message: the subject, the body, and the trailers that
/// name the action and its cards.
pub fn message(subject: &str, body: &str, verb: &str, ids: &[&str]) -> String {
    let mut m = format!("{subject}\n\n");
    if !body.is_empty() {
        m.push_str(body);
        m.push_str("\n\n");
    }
    m.push_str(&format!("Lanes-Action: {verb}\n"));
    for i in ids {
        m.push_str(&format!("Lanes-Card: {i}\n"));
    }
    m
}

/// Commits streamed into a repository through `git fast-import`, on the
/// branch HEAD names: thousands a second, each with its own author and
/// time.
pub struct FastImport {
    child: Child,
    w: BufWriter<ChildStdin>,
    branch: String,
}

impl FastImport {
    pub fn start(root: &Path) -> Result<FastImport> {
        let branch = git(root, &["symbolic-ref", "HEAD"])?.trim().to_string();
        let mut child = Command::new("git")
            .args(["fast-import", "--quiet", "--done"])
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .context("cannot start git fast-import")?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| anyhow!("no stdin for git fast-import"))?;
        Ok(FastImport {
            child,
            w: BufWriter::with_capacity(1 << 20, stdin),
            branch,
        })
    }

    /// One commit by `who` at `t` (seconds since the epoch, UTC) writing
    /// `files` (path, content).
    pub fn commit(
        &mut self,
        who: (&str, &str),
        t: i64,
        msg: &str,
        files: &[(String, &str)],
    ) -> Result<()> {
        let w = &mut self.w;
        writeln!(w, "commit {}", self.branch)?;
        writeln!(w, "author {} <{}> {t} +0000", who.0, who.1)?;
        writeln!(w, "committer {} <{}> {t} +0000", who.0, who.1)?;
        writeln!(w, "data {}", msg.len())?;
        w.write_all(msg.as_bytes())?;
        writeln!(w)?;
        for (path, content) in files {
            writeln!(w, "M 100644 inline {path}")?;
            writeln!(w, "data {}", content.len())?;
            w.write_all(content.as_bytes())?;
            writeln!(w)?;
        }
        writeln!(w)?;
        Ok(())
    }

    /// End the stream and wait for git to write it. The work tree is not
    /// checked out: `git reset --hard` does that.
    pub fn finish(mut self) -> Result<()> {
        writeln!(self.w, "done")?;
        self.w.flush()?;
        drop(self.w);
        let status = self.child.wait()?;
        if !status.success() {
            bail!("git fast-import failed ({status})");
        }
        Ok(())
    }
}
