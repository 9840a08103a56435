//! The demo board: a recommendation-engine project told through cards.
//!
//! `create` replays about three months of a small team's work through the
//! real library API: every step is an [`Action`] applied with
//! [`ops::apply`], so every step is a real commit, made by one of four
//! people at a set time. The story is written for September to November
//! 2026 and told shifted by whole days so that its last day is today (or
//! yesterday, when its last step would be later than now): the board
//! looks current, and `lanes report` for the last 30 days has its last
//! month in it. Every date the story writes (due dates, dates in text)
//! moves with it. Apart from card ids (which are random) and the shift,
//! the history is the same every time.

mod runs;

use crate::model::{date, Verdict};
use crate::ops::{self, Action, NewCard, Placement};
use anyhow::{anyhow, bail, Context, Result};
use serde_yaml::{Mapping, Value};
use std::path::{Path, PathBuf};

/// A fresh temporary folder for the demo.
pub fn temp_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    let dir = base.join(format!("lanes-demo-{}", crate::model::id::new_id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Create the demo repository in `dir` (which must be empty or missing);
/// returns the board root.
///
/// The demo always gets a git repository of its own, even when `dir` lies
/// inside another repository: its history is made up and must not land in
/// anybody's project.
pub fn create(dir: &Path) -> Result<PathBuf> {
    create_at(dir, date::now_secs())
}

/// [`create`] with the story ending on the day of `now` (seconds since
/// the epoch) rather than today: the same board whatever the clock says.
pub fn create_at(dir: &Path, now: i64) -> Result<PathBuf> {
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} is not empty; the demo needs an empty or new folder",
                dir.display()
            );
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    git2::Repository::init(dir)
        .with_context(|| format!("cannot create a git repository in {}", dir.display()))?;

    tell_story(dir, now)
}

const YEAR: i64 = 2026;

/// The story's last step, as written (`tell_story` checks it is).
const LAST_STEP: &str = "11-20 16:00";

const DAY: i64 = 86_400;

/// How far (whole days, in seconds) the story is moved so that its last
/// step falls on the day of `now`, or the day before when that step's
/// time of day is still to come.
fn shift_for(now: i64) -> Result<i64> {
    let end = story_time(LAST_STEP)?;
    let shift = (now.div_euclid(DAY) - end.div_euclid(DAY)) * DAY;
    Ok(if end + shift > now {
        shift - DAY
    } else {
        shift
    })
}

const BU: &str = "business-understanding";
const DU: &str = "data-understanding";
const DP: &str = "data-preparation";
const MOD: &str = "modeling";
const EVAL: &str = "evaluation";
const DEP: &str = "deployment";

struct Person {
    name: &'static str,
    email: &'static str,
}

/// Product manager.
const PRIYA: Person = Person {
    name: "Priya Raman",
    email: "priya@shop.example",
};
/// Data engineer.
const JONAS: Person = Person {
    name: "Jonas Weber",
    email: "jonas@shop.example",
};
/// Data scientist.
const MEI: Person = Person {
    name: "Mei Chen",
    email: "mei@shop.example",
};
/// ML engineer.
const TOMAS: Person = Person {
    name: "Tomás Alvarez",
    email: "tomas@shop.example",
};

/// Seconds since the epoch for `"MM-DD HH:MM"` (UTC) in the demo's year.
/// Steps fall on weekdays only: the team does not work weekends (which is
/// part of why nobody noticed the weekend traffic for so long).
fn story_time(when: &str) -> Result<i64> {
    let bad = || anyhow!("demo time {when:?} is not \"MM-DD HH:MM\"");
    let (day, time) = when.split_once(' ').ok_or_else(bad)?;
    let (m, d) = day.split_once('-').ok_or_else(bad)?;
    let (h, min) = time.split_once(':').ok_or_else(bad)?;
    let (m, d): (u32, u32) = (m.parse()?, d.parse()?);
    let (h, min): (i64, i64) = (h.parse()?, min.parse()?);
    if date::parse_date(&format!("{YEAR}-{m:02}-{d:02}")).is_none() || h > 23 || min > 59 {
        return Err(bad());
    }
    let days = date::days_from_civil(YEAR, m, d);
    // 1970-01-01 was a Thursday: (days + 3) % 7 is 0 on Mondays.
    if (days + 3).rem_euclid(7) >= 5 {
        bail!("demo time {when:?} falls on a weekend");
    }
    Ok(days * 86_400 + h * 3600 + min * 60)
}

/// The board being written, and where the story is in time.
struct Story {
    root: PathBuf,
    /// When the story is (as told: shifted).
    now: i64,
    /// How far the story is moved from the dates it is written with
    /// (whole days, in seconds; see [`shift_for`]).
    shift: i64,
    /// Who acts in the story now, and when: every change is made in it.
    ctx: ops::Context,
}

impl Story {
    /// Continue the story at `when` ("MM-DD HH:MM" as written), as `who`.
    fn at(&mut self, when: &str, who: &Person) -> Result<()> {
        let t = story_time(when)? + self.shift;
        if t < self.now {
            bail!("demo step at {when} goes back in time");
        }
        self.now = t;
        self.ctx = ops::Context::as_of(t, who.name, who.email);
        Ok(())
    }

    /// `text` with every date in it (`YYYY-MM-DD`) moved with the story.
    fn dates(&self, text: &str) -> String {
        let days = self.shift / DAY;
        let b = text.as_bytes();
        let is_date = |i: usize| {
            b.get(i..i + 10).is_some_and(|d| {
                d.iter().enumerate().all(|(k, c)| {
                    if k == 4 || k == 7 {
                        *c == b'-'
                    } else {
                        c.is_ascii_digit()
                    }
                })
            }) && (i == 0 || !b[i - 1].is_ascii_digit())
                && b.get(i + 10).is_none_or(|c| !c.is_ascii_digit())
        };
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < b.len() {
            if is_date(i) {
                if let Some(d) = date::parse_date(&text[i..i + 10]) {
                    out.push_str(&date::format_date(d + days));
                    i += 10;
                    continue;
                }
            }
            // Dates are ASCII: copy up to the next byte that could start one.
            let next = (i + 1..b.len())
                .find(|&j| text.is_char_boundary(j))
                .unwrap_or(b.len());
            out.push_str(&text[i..next]);
            i = next;
        }
        out
    }

    /// A YAML value with the dates in its text moved with the story.
    fn value_dates(&self, v: Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.dates(&s)),
            Value::Sequence(items) => {
                Value::Sequence(items.into_iter().map(|x| self.value_dates(x)).collect())
            }
            Value::Mapping(m) => Value::Mapping(
                m.into_iter()
                    .map(|(k, x)| (k, self.value_dates(x)))
                    .collect(),
            ),
            other => other,
        }
    }

    fn apply(&self, action: Action) -> Result<String> {
        let outcome = ops::apply(&self.ctx, &self.root, action)?;
        if outcome.commit.is_none() {
            bail!("demo step made no commit: {}", outcome.summary);
        }
        Ok(outcome.card)
    }

    /// Add a card; returns its id.
    fn add(&self, mut card: NewCard) -> Result<String> {
        card.title = self.dates(&card.title);
        for text in [&mut card.due, &mut card.hypothesis, &mut card.body]
            .into_iter()
            .flatten()
        {
            *text = self.dates(text);
        }
        self.apply(Action::Add(Box::new(card)))
    }

    fn mv(&self, card: &str, lane: &str) -> Result<()> {
        self.place(card, lane, None)
    }

    fn place(&self, card: &str, lane: &str, placement: Option<Placement>) -> Result<()> {
        self.apply(Action::Move {
            card: card.to_string(),
            lane: lane.to_string(),
            placement,
        })
        .map(drop)
    }

    fn set(&self, card: &str, fields: Vec<(&str, Value)>) -> Result<()> {
        let fields = fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), self.value_dates(v)))
            .collect();
        self.apply(Action::Set {
            card: card.to_string(),
            fields,
        })
        .map(drop)
    }

    fn note(&self, card: &str, text: &str) -> Result<()> {
        self.apply(Action::Note {
            card: card.to_string(),
            text: self.dates(text),
        })
        .map(drop)
    }

    fn verdict(&self, card: &str, verdict: Verdict, result: f64) -> Result<()> {
        self.apply(Action::Verdict {
            card: card.to_string(),
            verdict,
            result: Some(Value::from(result)),
            because: None,
        })
        .map(drop)
    }

    /// A verdict the numbers alone do not give, and why it holds.
    fn verdict_because(&self, card: &str, verdict: Verdict, result: f64, why: &str) -> Result<()> {
        self.apply(Action::Verdict {
            card: card.to_string(),
            verdict,
            result: Some(Value::from(result)),
            because: Some(why.to_string()),
        })
        .map(drop)
    }

    fn archive(&self, card: &str) -> Result<()> {
        self.apply(Action::Archive {
            card: card.to_string(),
        })
        .map(drop)
    }
}

/// A new card of `kind` in `lane`.
fn card(kind: &str, lane: &str, title: &str) -> NewCard {
    NewCard {
        title: title.to_string(),
        lane: Some(lane.to_string()),
        kind: Some(kind.to_string()),
        ..Default::default()
    }
}

/// A new hypothesis card.
fn hypothesis(
    lane: &str,
    title: &str,
    statement: &str,
    metric: &str,
    baseline: f64,
    target: f64,
) -> NewCard {
    NewCard {
        hypothesis: Some(statement.to_string()),
        metric: Some(metric.to_string()),
        baseline: Some(Value::from(baseline)),
        target: Some(Value::from(target)),
        ..card("hypothesis", lane, title)
    }
}

/// Builder-style setters for the optional fields of a new card.
trait CardExt {
    fn labels(self, labels: &[&str]) -> Self;
    fn who(self, assignees: &[&str]) -> Self;
    fn due(self, date: &str) -> Self;
    fn body(self, text: &str) -> Self;
}

impl CardExt for NewCard {
    fn labels(mut self, labels: &[&str]) -> Self {
        self.labels = labels.iter().map(|s| s.to_string()).collect();
        self
    }
    fn who(mut self, assignees: &[&str]) -> Self {
        self.assignees = assignees.iter().map(|s| s.to_string()).collect();
        self
    }
    fn due(mut self, date: &str) -> Self {
        self.due = Some(date.to_string());
        self
    }
    fn body(mut self, text: &str) -> Self {
        self.body = Some(text.to_string());
        self
    }
}

fn text(s: &str) -> Value {
    Value::String(s.to_string())
}

fn done() -> Value {
    Value::Bool(true)
}

fn strings(items: &[&str]) -> Value {
    Value::Sequence(items.iter().map(|s| text(s)).collect())
}

fn checklist(items: &[(&str, bool)]) -> Value {
    Value::Sequence(
        items
            .iter()
            .map(|(t, d)| {
                let mut m = Mapping::new();
                m.insert(text("text"), text(t));
                m.insert(text("done"), Value::Bool(*d));
                Value::Mapping(m)
            })
            .collect(),
    )
}

/// An `experiment` mapping; empty arguments are left out.
fn experiment(runs: &[&str], dataset: &str, model: &str, commit: &str, cost: &str) -> Value {
    let mut m = Mapping::new();
    if !runs.is_empty() {
        m.insert(text("runs"), strings(runs));
    }
    for (key, value) in [
        ("dataset", dataset),
        ("model", model),
        ("commit", commit),
        ("cost", cost),
    ] {
        if !value.is_empty() {
            m.insert(text(key), text(value));
        }
    }
    Value::Mapping(m)
}

fn higher() -> (&'static str, Value) {
    ("hypothesis.direction", text("higher"))
}

/// The whole history, step by step.
fn tell_story(dir: &Path, now: i64) -> Result<PathBuf> {
    let mut s = Story {
        root: dir.to_path_buf(),
        now: i64::MIN,
        shift: shift_for(now)?,
        ctx: ops::Context::default(),
    };

    // ---- Week 1: kickoff and business understanding ------------------
    s.at("09-01 09:00", &PRIYA)?;
    // The built-in template, not a user template of the same name: the
    // story needs the CRISP-DM lanes and labels.
    let template = crate::templates::BUILTIN
        .iter()
        .find(|(name, _)| *name == "crisp-dm")
        .map(|(_, text)| *text)
        .ok_or_else(|| anyhow!("the built-in crisp-dm template is missing"))?;
    // The team's compute budgets: the quarter's GPU hours the story
    // mentions, and the year's cloud bill.
    let init = ops::Init {
        template_text: format!(
            "{template}budgets:\n  - {{unit: GPU-hours, amount: 400, period: quarter}}\n  - {{unit: USD, amount: 600, period: year}}\n"
        ),
        template_name: "crisp-dm".into(),
        name: Some("Recommendation engine".into()),
    };
    let created = ops::apply(&s.ctx, dir, ops::Action::Init(Box::new(init)))?;
    let ops::More::Created(root) = created.more else {
        bail!("the demo board was not created");
    };
    s.root = root;

    s.at("09-01 09:20", &PRIYA)?;
    let kickoff = s.add(
        card("task", BU, "Kickoff: agree scope, team and weekly cadence")
            .who(&["priya"])
            .body(
                "Recommendations on the shop are a popularity widget from 2019. \
                 Three months to find out whether a learned recommender is worth running.",
            ),
    )?;
    s.at("09-01 09:25", &PRIYA)?;
    s.set(
        &kickoff,
        vec![(
            "checklist",
            checklist(&[
                (
                    "Team: Priya (PM), Jonas (data), Mei (modeling), Tomás (ML engineering)",
                    false,
                ),
                ("Weekly demo on Thursdays, board reviewed live", false),
                (
                    "Board lives in the recs repo: every change is a commit",
                    false,
                ),
            ]),
        )],
    )?;

    s.at("09-01 09:40", &PRIYA)?;
    let goal = s.add(
        card(
            "task",
            BU,
            "Business goal: raise add-to-cart rate from recommendations",
        )
        .labels(&["stakeholder"])
        .who(&["priya"])
        .body(
            "Recommendation widgets (home page \"For you\", product page \"You may also like\", \
                 cart page) drive 9% of add-to-carts today.\n\n\
                 Objective: raise the add-to-cart rate from recommendations by 15% (relative) \
                 without slowing the pages down.\n\n\
                 Baseline (July-August): 4.1% of sessions that see a recommendation widget \
                 add a recommended item to the cart.\n\n\
                 Decision owner: Head of E-commerce. Sign-off: an A/B test.",
        ),
    )?;
    s.at("09-01 10:05", &PRIYA)?;
    s.set(
        &goal,
        vec![(
            "checklist",
            checklist(&[
                ("Objective signed off by the Head of E-commerce", false),
                ("Baseline add-to-cart rate measured (July-August)", true),
                (
                    "Constraints: p95 latency under 50 ms, consented users only",
                    true,
                ),
            ]),
        )],
    )?;

    s.at("09-01 14:30", &PRIYA)?;
    let interviews = s.add(
        card("task", BU, "Stakeholder interviews")
            .labels(&["stakeholder"])
            .who(&["priya"])
            .due("2026-09-25")
            .body(
                "What does a good recommendation mean to each team, \
                 and what must never be recommended?",
            ),
    )?;
    s.at("09-01 14:35", &PRIYA)?;
    s.set(
        &interviews,
        vec![(
            "checklist",
            checklist(&[
                ("Merchandising", false),
                ("CRM / newsletter team", false),
                ("Mobile app team", false),
                ("Customer service", false),
                ("Legal / privacy (consent, profiling)", false),
            ]),
        )],
    )?;

    s.at("09-02 09:15", &PRIYA)?;
    let targets = s.add(
        card(
            "task",
            BU,
            "Translate add-to-cart goal into precision@10 / recall@10 targets",
        )
        .who(&["priya", "mei"]),
    )?;

    s.at("09-02 09:40", &JONAS)?;
    let audit = s.add(
        card("task", DU, "Clickstream audit: July-August events")
            .who(&["jonas"])
            .body(
                "410M events from the web and app SDKs, 2026-07-01 to 2026-08-31. \
                 Check volumes, duplicates, sessions and bots before anybody trains on it.",
            ),
    )?;
    s.at("09-02 09:45", &JONAS)?;
    s.set(
        &audit,
        vec![(
            "checklist",
            checklist(&[
                ("Event volumes per day and platform", true),
                ("Duplicate events", false),
                ("Session ids vs. real visits", false),
                ("Bot and crawler traffic", false),
                ("Join to the catalogue (orphan SKUs)", false),
            ]),
        )],
    )?;

    s.at("09-02 11:10", &MEI)?;
    s.note(
        &targets,
        "The add-to-cart goal needs an offline proxy we can score on logged data. \
         Proposal: precision@10 and recall@10 against the next session's add-to-carts. \
         In last year's widget test both moved together with add-to-cart, \
         so they are a fair stand-in for choosing what to A/B test.",
    )?;
    s.at("09-02 15:00", &MEI)?;
    s.set(
        &targets,
        vec![
            (
                "body",
                text(
                    "Offline proxy for the add-to-cart goal, scored on each user's \
                     next-session add-to-carts:\n\n\
                     - precision@10 >= 0.22 (popularity widget today: 0.12)\n\
                     - recall@10 >= 0.30 (today: 0.17)\n\
                     - served in under 50 ms p95\n\n\
                     The decision is still the A/B test on add-to-cart rate; \
                     these targets decide what is worth A/B testing.",
                ),
            ),
            ("labels", strings(&["needs-review"])),
        ],
    )?;

    s.at("09-03 10:00", &JONAS)?;
    let gaps = s.add(
        card("task", DU, "Catalogue metadata gaps")
            .labels(&["needs-data"])
            .who(&["jonas", "mei"]),
    )?;
    s.at("09-03 11:30", &PRIYA)?;
    let attribution = s.add(
        card(
            "task",
            DU,
            "Define attribution: which add-to-carts count as from recommendations",
        )
        .labels(&["stakeholder"])
        .who(&["priya", "jonas"]),
    )?;
    s.at("09-03 16:20", &PRIYA)?;
    s.set(&interviews, vec![("checklist.0.done", done())])?;
    s.at("09-03 16:25", &PRIYA)?;
    s.note(
        &interviews,
        "Merchandising: never recommend out-of-stock items; promoted brands are fine \
         if they are labelled. They want more of the long tail seen.",
    )?;

    s.at("09-04 10:00", &PRIYA)?;
    s.set(
        &kickoff,
        vec![
            ("checklist.0.done", done()),
            ("checklist.1.done", done()),
            ("checklist.2.done", done()),
        ],
    )?;
    s.at("09-04 14:00", &PRIYA)?;
    s.note(
        &targets,
        "Agreed with the Head of E-commerce at Thursday's demo: \
         0.22 / 0.30 offline, then the A/B test decides.",
    )?;
    s.at("09-04 14:05", &PRIYA)?;
    s.set(&targets, vec![("labels", strings(&[]))])?;

    // ---- Week 2: what the clickstream really looks like ---------------
    s.at("09-07 09:30", &JONAS)?;
    s.note(
        &audit,
        "Bot traffic: 11.4% of sessions come from crawlers and scripted clients. \
         Only 58% of them say so in the user agent; the rest show up as more than \
         5 events per second, or hundreds of product views with no scrolling.",
    )?;
    s.at("09-07 09:35", &JONAS)?;
    s.set(&audit, vec![("checklist.3.done", done())])?;
    s.at("09-07 11:00", &PRIYA)?;
    s.set(&goal, vec![("checklist.0.done", done())])?;
    s.at("09-07 11:05", &PRIYA)?;
    s.note(
        &goal,
        "Signed off by the Head of E-commerce: +15% relative add-to-cart rate from \
         recommendation widgets, decided by an A/B test. Anything below that needs \
         a conversation, not an automatic no.",
    )?;
    s.at("09-07 15:10", &PRIYA)?;
    s.set(&interviews, vec![("checklist.1.done", done())])?;

    s.at("09-08 10:20", &JONAS)?;
    s.note(
        &audit,
        "Duplicates: 3.2% of events are exact repeats within one second. The app SDK \
         retries when the network is slow and the collector does not deduplicate.",
    )?;
    s.at("09-08 14:45", &JONAS)?;
    s.note(
        &audit,
        "Session ids are not visits: the web SDK resets the session id at midnight UTC, \
         the app every time it comes back from the background. 14% of real visits are \
         split into two or more sessions, so every session feature would be wrong \
         without a rebuild.",
    )?;
    s.at("09-08 14:50", &JONAS)?;
    s.set(
        &audit,
        vec![("checklist.1.done", done()), ("checklist.2.done", done())],
    )?;
    s.at("09-08 16:00", &PRIYA)?;
    s.archive(&kickoff)?;

    s.at("09-09 09:50", &MEI)?;
    s.note(
        &gaps,
        "18% of active SKUs have no description, 7% no category and 23% no brand. \
         About 2,100 new SKUs arrive every week and most come without text for their \
         first days. That hurts anything content-based, and cold-start most of all.",
    )?;
    s.at("09-09 10:30", &JONAS)?;
    s.set(
        &gaps,
        vec![(
            "body",
            text(
                "Catalogue coverage, 312k active SKUs:\n\n\
                 - description: 18% missing (41% of SKUs in their first week)\n\
                 - category: 7% missing\n\
                 - brand: 23% missing\n\
                 - images: 2% missing\n\n\
                 The supplier feed has most of it, but we have no access to it yet.",
            ),
        )],
    )?;
    s.at("09-09 14:00", &JONAS)?;
    s.set(&audit, vec![("checklist.4.done", done())])?;
    s.at("09-09 14:05", &JONAS)?;
    s.note(
        &audit,
        "0.6% of product views point at SKUs missing from the catalogue export \
         (delisted items). Harmless; dropped in preparation.",
    )?;

    s.at("09-10 09:30", &JONAS)?;
    let bots = s.add(card("task", DP, "Bot filtering for the clickstream").who(&["jonas"]))?;
    s.at("09-10 09:35", &JONAS)?;
    let sessions = s.add(
        card(
            "task",
            DP,
            "Sessionization: rebuild visits from device id and a 30-minute gap",
        )
        .who(&["jonas"]),
    )?;
    s.at("09-10 09:40", &JONAS)?;
    let dedup = s.add(
        card("task", DP, "Deduplicate SDK retry events")
            .labels(&["quick-win"])
            .who(&["jonas"]),
    )?;
    s.at("09-10 11:00", &PRIYA)?;
    s.note(
        &attribution,
        "Agreed with Jonas and Analytics: an add-to-cart counts as from recommendations \
         when the same SKU was clicked in a recommendation tile earlier in the same visit \
         (rebuilt visits, not SDK session ids). View-through does not count.",
    )?;

    s.at("09-11 10:15", &JONAS)?;
    s.note(
        &dedup,
        "Dedup key: device id, event type, SKU and the timestamp cut to the second. \
         Removes 3.1% of events; about 0.02% of those were real double clicks, \
         which we can live with.",
    )?;
    s.at("09-11 10:20", &JONAS)?;
    s.set(
        &dedup,
        vec![(
            "experiment",
            experiment(&[], "clickstream-dedup-v1", "", "a41c9e2", ""),
        )],
    )?;

    // ---- Week 3: cleaning, splits, first models -----------------------
    s.at("09-14 09:40", &JONAS)?;
    s.note(
        &bots,
        "The user-agent list alone catches 58% of the bots. Added rules: more than \
         5 events per second, more than 300 product views in a visit, or 50+ pages \
         with no scroll and no dwell time. Together they remove 11.1% of sessions.",
    )?;
    s.at("09-14 11:30", &JONAS)?;
    s.note(
        &sessions,
        "Visits rebuilt from device id plus a 30-minute inactivity gap. 14% of SDK \
         sessions were fragments; the median visit goes from 4.2 to 6.8 minutes \
         and the midnight resets are gone.",
    )?;
    s.at("09-14 11:35", &JONAS)?;
    s.set(
        &sessions,
        vec![(
            "experiment",
            experiment(&[], "clickstream-clean-v1", "", "7b3e0f1", ""),
        )],
    )?;
    s.at("09-14 15:00", &PRIYA)?;
    s.archive(&dedup)?;

    s.at("09-15 09:20", &MEI)?;
    let splits = s.add(
        card(
            "task",
            DP,
            "Freeze train / validation / hold-out splits (time-based)",
        )
        .who(&["mei"])
        .body(
            "Time-based, so no model ever sees the future:\n\n\
             - train: 2026-07-01 to 2026-09-06\n\
             - validation: 2026-09-07 to 2026-09-13\n\
             - hold-out: 2026-09-14 to 2026-09-20 (scored once, in Evaluation)\n\n\
             All on clickstream-clean-v1: bots removed, events deduplicated, visits rebuilt.",
        ),
    )?;
    s.at("09-15 09:30", &MEI)?;
    s.set(
        &splits,
        vec![(
            "checklist",
            checklist(&[
                ("Splits written with content hashes", false),
                (
                    "Leakage check: no feature uses events after the split time",
                    false,
                ),
                ("Hold-out locked (read access for Evaluation only)", false),
            ]),
        )],
    )?;
    s.at("09-15 14:00", &MEI)?;
    let text_features = s.add(
        card(
            "task",
            DP,
            "Product-text features: TF-IDF over title and description",
        )
        .who(&["mei"]),
    )?;

    s.at("09-16 09:30", &MEI)?;
    let als = s.add(
        hypothesis(
            MOD,
            "ALS collaborative filtering beats the popularity widget",
            "Implicit-feedback ALS on views, add-to-carts and purchases raises \
             precision@10 over the popularity-by-category widget",
            "precision_at_10",
            0.12,
            0.16,
        )
        .who(&["mei"]),
    )?;
    s.at("09-16 09:35", &MEI)?;
    s.set(&als, vec![higher()])?;

    s.at("09-17 09:45", &JONAS)?;
    s.note(
        &bots,
        "False positives: B2B buyers on office-supply accounts look like scripts \
         (hundreds of SKUs, fast). Whitelisted by account type; 0.4% of sessions came back.",
    )?;
    s.at("09-17 10:00", &JONAS)?;
    s.set(
        &bots,
        vec![(
            "experiment",
            experiment(&[], "clickstream-clean-v1", "", "7b3e0f1", ""),
        )],
    )?;
    s.at("09-17 13:30", &TOMAS)?;
    let sweep = s.add(
        card(
            "experiment",
            MOD,
            "ALS hyperparameter sweep: factors, regularization, alpha",
        )
        .who(&["tomas"]),
    )?;

    s.at("09-18 10:00", &PRIYA)?;
    s.set(&interviews, vec![("checklist.2.done", done())])?;
    s.at("09-18 10:05", &PRIYA)?;
    s.note(
        &interviews,
        "Mobile app team: two widget slots on the product page and a 40 ms budget on \
         their side, so our service has to answer in 50 ms p95.",
    )?;
    s.at("09-18 15:00", &MEI)?;
    s.set(
        &text_features,
        vec![(
            "experiment",
            experiment(&[], "catalogue-2026-09-15", "", "c19d2aa", ""),
        )],
    )?;
    s.at("09-18 15:05", &MEI)?;
    s.note(
        &text_features,
        "Title + description, 50k-term vocabulary, sublinear tf. \
         18% of SKUs only have a title, so their vectors are thin.",
    )?;

    // ---- Week 4: baseline model ----------------------------------------
    s.at("09-21 09:30", &MEI)?;
    s.set(
        &splits,
        vec![
            ("checklist.0.done", done()),
            ("checklist.1.done", done()),
            ("checklist.2.done", done()),
        ],
    )?;
    s.at("09-21 09:35", &MEI)?;
    s.note(
        &splits,
        "Splits frozen and hashed. The leakage check found one: 'bought together' \
         counts were computed over the whole period, hold-out included. \
         Rebuilt them from the train split only.",
    )?;
    s.at("09-22 10:00", &TOMAS)?;
    s.set(
        &sweep,
        vec![(
            "experiment",
            experiment(
                &[
                    "mlflow:0412470e53b2781a5d1089d6531aa85c",
                    "mlflow:041394885d1a1d89dc59bc09dd22eb3d",
                ],
                "clickstream-clean-v1 / splits-v1",
                "implicit ALS, 48-run grid",
                "5d0e7b4",
                "46 USD (spot CPU)",
            ),
        )],
    )?;
    s.at("09-22 10:10", &TOMAS)?;
    s.note(
        &sweep,
        "Best of 48 runs: 128 factors, regularization 0.05, alpha 40. Beyond 128 factors \
         validation precision@10 is flat and training time doubles.",
    )?;
    s.at("09-22 16:00", &MEI)?;
    s.set(
        &als,
        vec![(
            "experiment",
            experiment(
                &[
                    "mlflow:3f9a1cc167c03e650cb5ab6e1246316d",
                    "mlflow:3f9a2e34e13f49ff2b38305b2a35d851",
                ],
                "clickstream-clean-v1 / splits-v1",
                "implicit ALS, 128 factors",
                "5d0e7b4",
                "4 CPU-hours",
            ),
        )],
    )?;
    s.at("09-23 10:30", &MEI)?;
    s.verdict(&als, Verdict::Supported, 0.18)?;
    s.at("09-23 10:35", &MEI)?;
    s.note(
        &als,
        "0.18 vs 0.12 on validation, recall@10 0.27. \
         ALS is the new baseline every other model has to beat.",
    )?;

    s.at("09-23 11:00", &MEI)?;
    let content = s.add(
        hypothesis(
            MOD,
            "Content-based alone beats ALS on precision@10",
            "TF-IDF similarity on product title and description recommends better than ALS, \
             because 40% of users have fewer than five interactions",
            "precision_at_10",
            0.18,
            0.19,
        )
        .who(&["mei"]),
    )?;
    s.at("09-23 11:05", &MEI)?;
    s.set(&content, vec![higher()])?;
    s.at("09-23 14:20", &MEI)?;
    let hybrid = s.add(
        hypothesis(
            MOD,
            "Hybrid ALS + content features raises precision@10 from 0.18 to 0.22",
            "A LightGBM ranker over ALS candidates, with TF-IDF similarity and category \
             popularity as features, raises precision@10 from 0.18 to 0.22",
            "precision_at_10",
            0.18,
            0.22,
        )
        .who(&["mei", "tomas"]),
    )?;
    s.at("09-23 14:25", &MEI)?;
    s.set(&hybrid, vec![higher()])?;

    s.at("09-24 09:30", &MEI)?;
    let cold = s.add(
        hypothesis(
            MOD,
            "Popularity + content features fix cold-start for new users and items",
            "For items in their first 7 days and users with fewer than 3 interactions, \
             blending category popularity and content similarity raises recall@10 \
             from 0.02 (ALS alone) to 0.08",
            "recall_at_10_new_items",
            0.02,
            0.08,
        )
        .who(&["mei"]),
    )?;
    s.at("09-24 09:35", &MEI)?;
    s.set(&cold, vec![higher()])?;
    s.at("09-24 11:00", &TOMAS)?;
    let pinsage = s.add(
        hypothesis(
            MOD,
            "A graph neural recommender (PinSage) beats the hybrid",
            "PinSage embeddings over the user-item graph raise precision@10 above the hybrid",
            "precision_at_10",
            0.22,
            0.25,
        )
        .who(&["tomas"]),
    )?;
    s.at("09-25 10:00", &MEI)?;
    s.set(&text_features, vec![("labels", strings(&["needs-review"]))])?;

    // ---- Week 5: a refuted idea, and cold-start hits the catalogue -----
    s.at("09-28 09:40", &MEI)?;
    s.set(
        &content,
        vec![(
            "experiment",
            experiment(
                &["mlflow:4a07d226b368f25083f6cb3517c166fc"],
                "clickstream-clean-v1 / splits-v1 / catalogue-2026-09-15",
                "TF-IDF kNN",
                "9e21f30",
                "1 CPU-hour",
            ),
        )],
    )?;
    s.at("09-28 09:45", &MEI)?;
    s.note(
        &content,
        "TF-IDF recommends near-duplicates: the same T-shirt in six colours fills the \
         whole list. Diversifying by product group helps a little, but precision@10 \
         stays at 0.14.",
    )?;
    s.at("09-29 10:00", &MEI)?;
    s.verdict(&content, Verdict::Refuted, 0.14)?;
    s.at("09-29 10:05", &MEI)?;
    s.note(
        &content,
        "Refuted, and worth knowing: content similarity alone loses to ALS, even for light \
         users. The TF-IDF vectors stay, as features in the hybrid, not as a model.",
    )?;
    s.at("09-29 14:00", &PRIYA)?;
    s.note(
        &content,
        "Good to have this before the steering committee asks for 'a model that reads \
         the product text'. Shared in Thursday's demo.",
    )?;

    s.at("09-30 09:30", &MEI)?;
    s.note(
        &cold,
        "Stuck on the catalogue: 41% of first-week SKUs have no description, so content \
         features are empty exactly where cold-start needs them. Back to data preparation \
         until the item metadata is backfilled.",
    )?;
    s.at("09-30 09:35", &MEI)?;
    s.mv(&cold, DP)?;
    s.at("09-30 09:40", &MEI)?;
    s.set(&cold, vec![("labels", strings(&["needs-data"]))])?;
    s.at("09-30 11:00", &JONAS)?;
    let backfill = s.add(
        card("task", DP, "Item metadata backfill from the supplier feed")
            .labels(&["blocked"])
            .who(&["jonas"])
            .body(
                "Descriptions, categories and brands for the SKUs that have none, \
                 taken from the supplier feed every night.",
            ),
    )?;
    s.at("09-30 11:05", &JONAS)?;
    s.note(
        &backfill,
        "Blocked: we have no credentials for the supplier feed. Asked Supplier Ops.",
    )?;

    s.at("10-01 15:30", &PRIYA)?;
    s.note(
        &backfill,
        "Escalated to the Head of Supplier Ops; access promised for next week.",
    )?;
    s.at("10-01 16:00", &PRIYA)?;
    s.archive(&attribution)?;
    s.at("10-02 09:15", &MEI)?;
    s.place(&hybrid, MOD, Some(Placement::Top))?;
    s.at("10-02 11:00", &TOMAS)?;
    s.note(
        &pinsage,
        "Parked: a PinSage prototype needs about 300 GPU-hours per training run and the \
         quarter's GPU budget is 400. Revisit if the hybrid stalls.",
    )?;

    // ---- Week 6: unblocked, the hybrid lands ---------------------------
    s.at("10-05 09:30", &PRIYA)?;
    s.archive(&pinsage)?;
    s.at("10-05 10:00", &MEI)?;
    s.set(&text_features, vec![("labels", strings(&[]))])?;
    s.at("10-05 10:05", &MEI)?;
    s.archive(&text_features)?;
    s.at("10-06 10:30", &JONAS)?;
    s.set(
        &backfill,
        vec![
            ("labels", strings(&[])),
            (
                "experiment",
                experiment(&[], "catalogue-2026-10-06", "", "e5a8d31", ""),
            ),
        ],
    )?;
    s.at("10-06 10:35", &JONAS)?;
    s.note(
        &backfill,
        "Feed access granted. Backfilled descriptions for 84% of the SKUs that had none \
         and categories for 97%; the job now runs nightly at 02:00.",
    )?;
    s.at("10-07 14:00", &MEI)?;
    s.set(
        &hybrid,
        vec![(
            "experiment",
            experiment(
                &[
                    "mlflow:6c1f081de87738255a10f581f0806e7e",
                    "mlflow:6c1f3bd4ba80c35b886885bff46fca2c",
                    "mlflow:6c20a46521ca7146b0a031232589adaa",
                ],
                "clickstream-clean-v1 / splits-v1 / catalogue-2026-10-06",
                "ALS-128 candidates + LightGBM ranker",
                "b7d4e19",
                "9 GPU-hours",
            ),
        )],
    )?;
    s.at("10-07 14:10", &MEI)?;
    s.note(
        &hybrid,
        "LightGBM ranker over the top 200 ALS candidates, with TF-IDF similarity, category \
         popularity and price-band features. Validation precision@10 0.225, recall@10 0.30.",
    )?;
    s.at("10-08 09:30", &MEI)?;
    s.mv(&cold, MOD)?;
    s.at("10-08 09:35", &MEI)?;
    s.set(&cold, vec![("labels", strings(&[]))])?;
    s.at("10-08 09:40", &MEI)?;
    s.note(
        &cold,
        "Back in modeling: with the backfill, 95% of new items have a description on day one.",
    )?;
    s.at("10-09 10:00", &MEI)?;
    s.verdict(&hybrid, Verdict::Supported, 0.225)?;
    s.at("10-09 10:05", &TOMAS)?;
    s.note(
        &hybrid,
        "p95 latency 31 ms with candidates precomputed hourly; fits the 50 ms budget.",
    )?;

    // ---- Week 7: evaluation starts -------------------------------------
    s.at("10-12 09:30", &MEI)?;
    let recency = s.add(
        hypothesis(
            MOD,
            "Weighting recent events raises recall@10",
            "Giving the last three events of a visit double weight raises the hybrid's \
             recall@10 from 0.30 to 0.32",
            "recall_at_10",
            0.30,
            0.32,
        )
        .who(&["mei"]),
    )?;
    s.at("10-12 09:35", &MEI)?;
    s.set(&recency, vec![higher()])?;
    s.at("10-12 11:00", &MEI)?;
    let holdout = s.add(
        card(
            "task",
            EVAL,
            "Hold-out check: hybrid on the frozen hold-out week",
        )
        .who(&["mei"]),
    )?;
    s.at("10-12 11:05", &MEI)?;
    s.set(
        &holdout,
        vec![(
            "checklist",
            checklist(&[
                ("Score once on the hold-out week", false),
                ("Compare with validation", false),
                ("Compare with the business-understanding targets", false),
            ]),
        )],
    )?;
    s.at("10-13 10:00", &MEI)?;
    s.set(
        &holdout,
        vec![
            ("checklist.0.done", done()),
            ("checklist.1.done", done()),
            ("checklist.2.done", done()),
        ],
    )?;
    s.at("10-13 10:05", &MEI)?;
    s.note(
        &holdout,
        "Hold-out precision@10 0.219 (validation 0.225), recall@10 0.30. Within noise of \
         validation and a hair under the 0.22 target: good enough to A/B test.",
    )?;
    s.at("10-13 10:10", &MEI)?;
    s.note(
        &hybrid,
        "Hold-out week: precision@10 0.219, recall@10 0.30. Holds up outside validation.",
    )?;
    s.at("10-13 16:00", &JONAS)?;
    s.archive(&backfill)?;

    s.at("10-14 09:30", &PRIYA)?;
    let fairness = s.add(
        card(
            "task",
            EVAL,
            "Bias and fairness review: new vs returning users",
        )
        .labels(&["needs-review"])
        .who(&["priya", "mei"]),
    )?;
    s.at("10-14 09:40", &PRIYA)?;
    s.set(
        &fairness,
        vec![(
            "checklist",
            checklist(&[
                ("precision@10 by user tenure (new / returning)", false),
                ("Exposure by price tier", false),
                ("Long-tail coverage", false),
                ("Review with Legal / privacy", false),
            ]),
        )],
    )?;
    s.at("10-14 09:45", &PRIYA)?;
    s.place(&fairness, EVAL, Some(Placement::Before(holdout.clone())))?;
    s.at("10-14 15:00", &MEI)?;
    s.set(
        &cold,
        vec![(
            "experiment",
            experiment(
                &["mlflow:71d0c217a907713a90a33ea55f9dcb4c"],
                "clickstream-clean-v1 / splits-v1 / catalogue-2026-10-06",
                "hybrid + category-popularity blend",
                "c3a9f57",
                "2 GPU-hours",
            ),
        )],
    )?;
    s.at("10-15 10:00", &MEI)?;
    s.verdict(&cold, Verdict::Supported, 0.085)?;
    s.at("10-15 10:05", &MEI)?;
    s.note(
        &cold,
        "New items: recall@10 0.085 against 0.02 for ALS alone. New users are still weak \
         (0.06), so they get category popularity blended in until their third interaction.",
    )?;
    s.at("10-16 09:20", &TOMAS)?;
    s.archive(&sweep)?;
    s.at("10-16 10:00", &PRIYA)?;
    let ab = s.add(
        hypothesis(
            EVAL,
            "A/B test: hybrid recommender vs popularity widget",
            "The hybrid recommender raises the add-to-cart rate from recommendations by at \
             least 15% relative to the popularity widget",
            "add_to_cart_rate_uplift",
            0.0,
            0.15,
        )
        .who(&["priya", "tomas"]),
    )?;
    s.at("10-16 10:05", &PRIYA)?;
    s.set(&ab, vec![higher()])?;

    // ---- Week 8: canary and A/B test ------------------------------------
    s.at("10-19 09:30", &TOMAS)?;
    let canary = s.add(
        card(
            "task",
            DEP,
            "Canary rollout of the hybrid recommender behind flag recs.hybrid",
        )
        .who(&["tomas"]),
    )?;
    s.at("10-19 09:35", &TOMAS)?;
    s.set(
        &canary,
        vec![(
            "checklist",
            checklist(&[
                (
                    "Rollback drill: flag off, back to the popularity widget",
                    false,
                ),
                ("5% of traffic for 24 hours", false),
                ("25% of traffic", false),
                ("50% of traffic (A/B test)", false),
                ("100% of traffic", false),
            ]),
        )],
    )?;
    s.at("10-19 14:00", &MEI)?;
    s.note(
        &fairness,
        "precision@10: returning users 0.26, new users 0.09 (popularity widget: 0.15 / \
         0.08). The hybrid helps returning users far more; new users are not worse off.",
    )?;
    s.at("10-19 14:05", &MEI)?;
    s.set(&fairness, vec![("checklist.0.done", done())])?;
    s.at("10-20 10:00", &TOMAS)?;
    s.set(
        &canary,
        vec![("checklist.0.done", done()), ("checklist.1.done", done())],
    )?;
    s.at("10-20 10:05", &TOMAS)?;
    s.note(
        &canary,
        "Rollback drill: flag off and back on the popularity widget in 40 seconds. \
         5% canary for 24 hours: error rate 0.02%, p95 33 ms.",
    )?;
    s.at("10-21 11:00", &MEI)?;
    s.set(
        &recency,
        vec![(
            "experiment",
            experiment(
                &[
                    "mlflow:7a3301977b1e8624794e18743fa5c2a6",
                    "mlflow:7a3302c4ed1ceeb690234e26f8405976",
                    "mlflow:7a3303ace5ced867789177beb37bdb44",
                    "mlflow:7a330419347c43b8005ea5f5538b3f55",
                    "mlflow:7a330528eeaa7513b20dad37d81a84ac",
                ],
                "clickstream-clean-v1 / splits-v1",
                "hybrid + recency weights, 5 seeds",
                "d08f6a2",
                "11 GPU-hours",
            ),
        )],
    )?;
    s.at("10-21 16:00", &TOMAS)?;
    s.set(&canary, vec![("checklist.2.done", done())])?;
    s.at("10-22 09:30", &MEI)?;
    s.verdict(&recency, Verdict::Inconclusive, 0.303)?;
    s.at("10-22 09:35", &MEI)?;
    s.note(
        &recency,
        "recall@10 0.303 vs 0.300, but across five seeds the spread is +/- 0.004. \
         Can't tell it from noise at this data size, and not worth the extra moving \
         part for now.",
    )?;
    s.at("10-22 14:00", &TOMAS)?;
    s.set(&canary, vec![("checklist.3.done", done())])?;
    s.at("10-22 14:05", &TOMAS)?;
    s.note(
        &ab,
        "A/B test started: 50/50 by user id, two full weeks so both halves see two \
         weekends. Minimum detectable effect 8% relative at 80% power.",
    )?;
    s.at("10-23 10:00", &PRIYA)?;
    s.archive(&holdout)?;

    // ---- Week 9 ---------------------------------------------------------
    s.at("10-26 10:00", &MEI)?;
    s.note(
        &fairness,
        "Long-tail coverage: the hybrid recommends 31% of the catalogue in a week, the \
         popularity widget 12%. Exposure by price tier stays within 2 points of the \
         catalogue mix.",
    )?;
    s.at("10-26 10:05", &MEI)?;
    s.set(
        &fairness,
        vec![("checklist.1.done", done()), ("checklist.2.done", done())],
    )?;
    s.at("10-28 15:00", &PRIYA)?;
    s.note(
        &interviews,
        "The customer-service interview slipped again: the team is preparing for peak \
         season. Blocked until after Black Friday.",
    )?;
    s.at("10-28 15:05", &PRIYA)?;
    s.set(
        &interviews,
        vec![
            ("labels", strings(&["stakeholder", "blocked"])),
            ("checklist.4.done", done()),
        ],
    )?;

    // ---- Week 10: the A/B result ----------------------------------------
    s.at("11-02 09:30", &TOMAS)?;
    let model_card = s.add(
        card("task", DEP, "Model card and runbook for the recommender")
            .labels(&["needs-review"])
            .who(&["tomas", "priya"])
            .due("2026-11-13"),
    )?;
    s.at("11-02 09:35", &TOMAS)?;
    s.set(
        &model_card,
        vec![(
            "checklist",
            checklist(&[
                ("Runbook: flag, rollback, retraining, on-call", false),
                ("Model card: data, metrics, known weaknesses", false),
                ("Sign-off by Priya", false),
            ]),
        )],
    )?;
    s.at("11-06 16:00", &TOMAS)?;
    s.note(
        &ab,
        "Final numbers after 14 days and 2.3M users: add-to-cart rate from \
         recommendations +10.2% (95% CI +7.1% to +13.4%). Clearly positive, clearly \
         below the +15% target. Split by day: +13.0% on weekdays, only +4.1% on weekends.",
    )?;
    s.at("11-06 16:05", &TOMAS)?;
    s.verdict_because(
        &ab,
        Verdict::Refuted,
        0.102,
        "+10.2% is short of the +15% the launch case needs, and the 95% CI (+7.1% to +13.4%) rules 15% out",
    )?;

    // ---- Week 11: ship behind the flag, and the weekend problem ----------
    s.at("11-09 10:00", &PRIYA)?;
    s.set(
        &ab,
        vec![(
            "body",
            text(
                "Verdict: refuted. The hybrid lifted the add-to-cart rate from \
                 recommendations by 10.2% (95% CI 7.1% to 13.4%); the whole interval is \
                 below the +15% target.\n\n\
                 Shipped anyway, behind the flag recs.hybrid at 50% of traffic \
                 (decided 2026-11-09 with the Head of E-commerce):\n\n\
                 - the uplift is real, and nothing got worse: latency, returns and \
                 complaints are flat\n\
                 - +10% is worth about 1.3% of online revenue, far more than the \
                 project costs to run\n\
                 - +15% was set before we had any data; one model change was not going \
                 to get there alone\n\n\
                 Not at 100% yet: on weekends the uplift is only +4.1%. \
                 See the weekend drift card.",
            ),
        )],
    )?;
    s.at("11-09 10:05", &PRIYA)?;
    s.note(
        &ab,
        "Refuted against the target, shipped behind a flag: the reasons are in the card \
         body. A refuted hypothesis is a result, not a failure.",
    )?;
    s.at("11-09 11:00", &TOMAS)?;
    s.note(
        &canary,
        "Holding at 50% behind recs.hybrid after the A/B decision. \
         100% waits for the weekend question.",
    )?;
    s.at("11-09 14:00", &TOMAS)?;
    let drift = s.add(
        card(
            "task",
            DEP,
            "Weekend drift: session length and category mix",
        )
        .who(&["tomas", "mei"])
        .body(
            "The A/B uplift is +13.0% on weekdays but +4.1% on weekends. \
                 Is weekend traffic a different population?",
        ),
    )?;
    s.at("11-10 10:00", &TOMAS)?;
    s.note(
        &drift,
        "Drift monitor over the last four weekends: Saturday and Sunday visits are 38% \
         longer, the category mix moves to home & garden and toys (+9 points), and online \
         precision@10 drops from 0.22 on weekdays to 0.17 on weekends. PSI of the \
         category mix: 0.24 on weekends, 0.03 on weekdays.",
    )?;
    s.at("11-10 10:05", &TOMAS)?;
    s.place(&drift, DEP, Some(Placement::Top))?;
    s.at("11-11 09:30", &MEI)?;
    s.note(
        &drift,
        "Not one odd weekend: the same pattern in 4 of 4 weekends since the canary, and \
         in August's clickstream too. Training data is 71% weekday traffic, so the model \
         learns weekday behaviour. This is a data question first.",
    )?;
    s.at("11-11 09:35", &MEI)?;
    s.place(&drift, DU, Some(Placement::Top))?;
    s.at("11-11 10:00", &MEI)?;
    let weekend = s.add(
        hypothesis(
            MOD,
            "Weekend-specific retraining recovers weekend precision@10",
            "A model trained with weekend traffic weighted up (or a separate weekend model) \
             raises weekend precision@10 from 0.17 back to 0.21",
            "precision_at_10_weekend",
            0.17,
            0.21,
        )
        .labels(&["needs-data"])
        .who(&["mei"])
        .due("2026-12-04"),
    )?;
    s.at("11-11 10:05", &MEI)?;
    s.set(&weekend, vec![higher()])?;
    s.at("11-11 10:10", &MEI)?;
    s.place(&weekend, MOD, Some(Placement::Before(hybrid.clone())))?;

    s.at("11-12 09:30", &JONAS)?;
    s.set(&bots, vec![("labels", strings(&["tech-debt"]))])?;
    s.at("11-12 09:35", &JONAS)?;
    s.note(
        &bots,
        "Bot filtering and sessionization still run from my notebook. Weekend retraining \
         needs them every week: port both to an Airflow DAG first.",
    )?;
    s.at("11-12 09:40", &JONAS)?;
    s.set(&sessions, vec![("labels", strings(&["tech-debt"]))])?;
    s.at("11-13 10:00", &TOMAS)?;
    s.set(&model_card, vec![("checklist.0.done", done())])?;
    s.at("11-13 10:05", &TOMAS)?;
    s.note(
        &model_card,
        "Runbook done (flag, rollback, retraining, on-call). The model card waits for the \
         fairness review and the weekend findings.",
    )?;

    // ---- Week 12: where things stand -------------------------------------
    s.at("11-16 10:00", &MEI)?;
    s.set(
        &weekend,
        vec![(
            "experiment",
            experiment(
                &["mlflow:9b11e030b25e0ecd2b0fc6935931e6ac"],
                "clickstream-clean-v2, weekends 2026-07-04 to 2026-11-15",
                "hybrid + is_weekend feature",
                "f2c6d83",
                "3 GPU-hours",
            ),
        )],
    )?;
    s.at("11-16 10:05", &MEI)?;
    s.note(
        &weekend,
        "First try with an is_weekend feature: weekend precision@10 0.19 on 18 weekend \
         days. Too few weekends to trust; at least four more before a verdict.",
    )?;
    s.at("11-17 14:00", &PRIYA)?;
    s.note(
        &fairness,
        "Sent the new vs. returning users numbers to Legal for the profiling review. \
         Waiting for their answer.",
    )?;
    s.at("11-18 11:00", &PRIYA)?;
    s.note(
        &model_card,
        "Past due: the model card can't be signed off before Legal is back on the \
         fairness review.",
    )?;
    s.at("11-19 15:00", &TOMAS)?;
    s.note(
        &drift,
        "Alert added: weekend PSI of the category mix above 0.2 pages the on-call.",
    )?;
    s.at("11-20 16:00", &PRIYA)?;
    s.note(
        &goal,
        "Status for the steering committee: the hybrid is live for 50% of users at +10.2% \
         add-to-cart from recommendations (target +15%, refuted). Next: weekend \
         retraining, then 100%.",
    )?;

    if s.now != story_time(LAST_STEP)? + s.shift {
        bail!("the demo's last step is not at {LAST_STEP}, where its dates are moved from");
    }
    // The runs the cards name, in an MLflow store beside the board.
    runs::log(&s.root, s.now)?;
    Ok(s.root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{validate, Board};
    use std::collections::BTreeSet;

    /// (author name, author email, commit time, subject) from HEAD back.
    fn history(root: &Path) -> Vec<(String, String, i64, String)> {
        let repo = git2::Repository::open(root).expect("repo");
        let mut walk = repo.revwalk().expect("revwalk");
        walk.push_head().expect("head");
        walk.map(|oid| {
            let c = repo.find_commit(oid.expect("oid")).expect("commit");
            let a = c.author();
            (
                a.name().unwrap_or_default().to_string(),
                a.email().unwrap_or_default().to_string(),
                c.time().seconds(),
                c.summary().ok().flatten().unwrap_or_default().to_string(),
            )
        })
        .collect()
    }

    /// 2027-03-10 08:00 UTC: a day the story is told up to.
    const NOW: i64 = 1_804_636_800 + 8 * 3600;

    #[test]
    fn demo_board_tells_the_story() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = create_at(dir.path(), NOW).expect("demo");

        let board = Board::load(&root).expect("load");
        assert!(board.problems.is_empty(), "{:?}", board.problems);
        assert!(
            validate::check(&board).is_empty(),
            "{:?}",
            validate::check(&board)
        );
        assert!(board.cards.len() >= 25, "{} cards", board.cards.len());
        for v in [Verdict::Supported, Verdict::Refuted, Verdict::Inconclusive] {
            assert!(
                board.cards.iter().any(|c| c.verdict() == Some(v)),
                "no {v} card"
            );
        }
        assert!(board.cards.iter().any(|c| c.archived));
        let today = NOW.div_euclid(DAY);
        assert!(board.cards.iter().any(|c| c.is_overdue(today)));

        let log = history(&root);
        assert!(log.len() > 60, "{} commits", log.len());
        let loops = log
            .iter()
            .filter(|(.., s)| s.contains("(modeling -> data-preparation)"))
            .count();
        assert!(loops >= 1, "no card went back from modeling");
        let authors: BTreeSet<&str> = log.iter().map(|(n, ..)| n.as_str()).collect();
        assert!(authors.len() >= 3, "{authors:?}");
        // Dates walk forward through the story, which ends on the day
        // before NOW (its last step, at 16:00, is after 08:00).
        let times: Vec<i64> = log.iter().rev().map(|(_, _, t, _)| *t).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        let shift = shift_for(NOW).expect("shift");
        assert_eq!(shift % DAY, 0);
        assert_eq!(times[0], story_time("09-01 09:00").expect("time") + shift);
        let last = *times.last().expect("last");
        assert_eq!(last, story_time(LAST_STEP).expect("time") + shift);
        assert_eq!(date::format_timestamp(last), "2027-03-09T16:00:00Z");
    }

    #[test]
    fn the_story_ends_today_or_yesterday_and_its_dates_move_with_it() {
        // At 16:00 or later the last step is today; before, yesterday.
        for (now, last_day) in [
            (NOW, "2027-03-09"),
            (NOW + 8 * 3600, "2027-03-10"),
            (NOW + 8 * 3600 - 1, "2027-03-09"),
        ] {
            let end = story_time(LAST_STEP).expect("time") + shift_for(now).expect("shift");
            assert!(end <= now);
            assert_eq!(date::format_date(end.div_euclid(DAY)), last_day);
        }
        // As written, the story ends on 2026-11-20 at 16:00: told at 17:00
        // the day after, every date in it is a day later.
        let story = Story {
            root: PathBuf::new(),
            now: 0,
            shift: shift_for(story_time(LAST_STEP).expect("time") + DAY + 3600).expect("shift"),
            ctx: ops::Context::default(),
        };
        assert_eq!(story.shift, DAY);
        assert_eq!(
            story
                .dates("2026-07-01 to 2026-08-31, catalogue-2026-09-15, 12026-01-011 é 2026-02-30"),
            "2026-07-02 to 2026-09-01, catalogue-2026-09-16, 12026-01-011 é 2026-02-30"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let root = create_at(
            dir.path(),
            story_time(LAST_STEP).expect("time") + DAY + 3600,
        )
        .expect("demo");
        let board = Board::load(&root).expect("load");
        let interviews = board
            .cards
            .iter()
            .find(|c| c.title == "Stakeholder interviews")
            .expect("the interviews card");
        assert_eq!(interviews.due.as_deref(), Some("2026-09-26"));
    }

    #[test]
    fn concurrent_demos_do_not_mix() {
        let dirs: Vec<_> = (0..2)
            .map(|_| tempfile::tempdir().expect("tempdir"))
            .collect();
        let roots: Vec<PathBuf> = std::thread::scope(|scope| {
            let handles: Vec<_> = dirs
                .iter()
                .map(|d| scope.spawn(move || create_at(d.path(), NOW).expect("demo")))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        // Same authors at the same times: deterministic apart from ids.
        let strip = |log: Vec<(String, String, i64, String)>| {
            log.into_iter()
                .map(|(n, e, t, _)| (n, e, t))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(history(&roots[0])), strip(history(&roots[1])));
        // The story's clock was its own: the wall clock is untouched.
        assert!(date::now_secs() > story_time(LAST_STEP).expect("time"));
    }

    #[test]
    fn refuses_a_folder_that_is_not_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
        let err = create(dir.path()).unwrap_err();
        assert!(err.to_string().contains("not empty"), "{err}");
        assert!(!dir.path().join(".git").exists());
    }
}
