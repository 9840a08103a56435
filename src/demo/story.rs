//! How the demo is told: the people, the lanes, the [`Story`] that applies
//! each step as one of them at a set time, and builders for the cards and
//! values the steps write.

use super::{story_time, DAY};
use crate::model::{date, Verdict};
use crate::ops::{self, Action, NewCard, Placement};
use anyhow::{bail, Result};
use serde_yaml::{Mapping, Value};
use std::path::PathBuf;

pub(super) const BU: &str = "business-understanding";
pub(super) const DU: &str = "data-understanding";
pub(super) const DP: &str = "data-preparation";
pub(super) const MOD: &str = "modeling";
pub(super) const EVAL: &str = "evaluation";
pub(super) const DEP: &str = "deployment";

pub(super) struct Person {
    name: &'static str,
    email: &'static str,
}

/// Product manager.
pub(super) const PRIYA: Person = Person {
    name: "Priya Raman",
    email: "priya@shop.example",
};
/// Data engineer.
pub(super) const JONAS: Person = Person {
    name: "Jonas Weber",
    email: "jonas@shop.example",
};
/// Data scientist.
pub(super) const MEI: Person = Person {
    name: "Mei Chen",
    email: "mei@shop.example",
};
/// ML engineer.
pub(super) const TOMAS: Person = Person {
    name: "Tomás Alvarez",
    email: "tomas@shop.example",
};

/// The board being written, and where the story is in time.
pub(super) struct Story {
    pub(super) root: PathBuf,
    /// When the story is (as told: shifted).
    pub(super) now: i64,
    /// How far the story is moved from the dates it is written with
    /// (whole days, in seconds; see [`super::shift_for`]).
    pub(super) shift: i64,
    /// Who acts in the story now, and when: every change is made in it.
    pub(super) ctx: ops::Context,
}

impl Story {
    /// Continue the story at `when` ("MM-DD HH:MM" as written), as `who`.
    pub(super) fn at(&mut self, when: &str, who: &Person) -> Result<()> {
        let t = story_time(when)? + self.shift;
        if t < self.now {
            bail!("demo step at {when} goes back in time");
        }
        self.now = t;
        self.ctx = ops::Context::as_of(t, who.name, who.email);
        Ok(())
    }

    /// `text` with every date in it (`YYYY-MM-DD`) moved with the story.
    pub(super) fn dates(&self, text: &str) -> String {
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
    pub(super) fn add(&self, mut card: NewCard) -> Result<String> {
        card.title = self.dates(&card.title);
        for text in [&mut card.due, &mut card.hypothesis, &mut card.body]
            .into_iter()
            .flatten()
        {
            *text = self.dates(text);
        }
        self.apply(Action::Add(Box::new(card)))
    }

    /// Record a decision in `lane`, taken now by the person acting, on
    /// `rests_on`, replacing `supersedes`; returns its id.
    pub(super) fn decide(
        &self,
        lane: &str,
        title: &str,
        statement: &str,
        rests_on: &[&String],
        supersedes: &[&String],
    ) -> Result<String> {
        use crate::model::links::Kind;
        let links = rests_on
            .iter()
            .map(|id| (Kind::RestsOn, id.to_string()))
            .chain(
                supersedes
                    .iter()
                    .map(|id| (Kind::Supersedes, id.to_string())),
            )
            .collect();
        self.add(NewCard {
            links,
            decision: Some(crate::model::card::Decision {
                statement: Some(self.dates(statement)),
                ..Default::default()
            }),
            ..card("decision", lane, title)
        })
    }

    pub(super) fn mv(&self, card: &str, lane: &str) -> Result<()> {
        self.place(card, lane, None)
    }

    pub(super) fn place(&self, card: &str, lane: &str, placement: Option<Placement>) -> Result<()> {
        self.apply(Action::Move {
            card: card.to_string(),
            lane: Some(lane.to_string()),
            placement,
        })
        .map(drop)
    }

    pub(super) fn set(&self, card: &str, fields: Vec<(&str, Value)>) -> Result<()> {
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

    pub(super) fn note(&self, card: &str, text: &str) -> Result<()> {
        self.apply(Action::Note {
            card: card.to_string(),
            text: self.dates(text),
        })
        .map(drop)
    }

    pub(super) fn verdict(&self, card: &str, verdict: Verdict, result: f64) -> Result<()> {
        self.apply(Action::Verdict {
            card: card.to_string(),
            verdict,
            result: Some(Value::from(result)),
            because: None,
        })
        .map(drop)
    }

    /// A verdict the numbers alone do not give, and why it holds.
    pub(super) fn verdict_because(
        &self,
        card: &str,
        verdict: Verdict,
        result: f64,
        why: &str,
    ) -> Result<()> {
        self.apply(Action::Verdict {
            card: card.to_string(),
            verdict,
            result: Some(Value::from(result)),
            because: Some(why.to_string()),
        })
        .map(drop)
    }

    pub(super) fn archive(&self, card: &str) -> Result<()> {
        self.apply(Action::Archive {
            card: card.to_string(),
        })
        .map(drop)
    }
}

/// A new card of `kind` in `lane`.
pub(super) fn card(kind: &str, lane: &str, title: &str) -> NewCard {
    NewCard {
        title: title.to_string(),
        lane: Some(lane.to_string()),
        kind: Some(kind.to_string()),
        ..Default::default()
    }
}

/// A new hypothesis card.
pub(super) fn hypothesis(
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
pub(super) trait CardExt {
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

pub(super) fn text(s: &str) -> Value {
    Value::String(s.to_string())
}

pub(super) fn done() -> Value {
    Value::Bool(true)
}

pub(super) fn strings(items: &[&str]) -> Value {
    Value::Sequence(items.iter().map(|s| text(s)).collect())
}

pub(super) fn checklist(items: &[(&str, bool)]) -> Value {
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
pub(super) fn experiment(
    runs: &[&str],
    dataset: &str,
    model: &str,
    commit: &str,
    cost: &str,
) -> Value {
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

pub(super) fn higher() -> (&'static str, Value) {
    ("hypothesis.direction", text("higher"))
}

/// The ids of the story's cards, filled in as the weeks add them: a card
/// added in one week is moved, noted and archived in later ones.
#[derive(Default)]
pub(super) struct Cards {
    pub(super) kickoff: String,
    pub(super) goal: String,
    pub(super) interviews: String,
    pub(super) targets: String,
    pub(super) audit: String,
    pub(super) gaps: String,
    pub(super) attribution: String,
    pub(super) bots: String,
    pub(super) sessions: String,
    pub(super) dedup: String,
    pub(super) splits: String,
    pub(super) text_features: String,
    pub(super) als: String,
    pub(super) sweep: String,
    pub(super) content: String,
    pub(super) hybrid: String,
    pub(super) cold: String,
    pub(super) pinsage: String,
    pub(super) backfill: String,
    pub(super) recency: String,
    pub(super) holdout: String,
    pub(super) fairness: String,
    pub(super) ab: String,
    pub(super) canary: String,
    pub(super) model_card: String,
    pub(super) drift: String,
    pub(super) weekend: String,
    pub(super) launch_rule: String,
}
