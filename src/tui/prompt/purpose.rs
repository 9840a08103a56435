//! What each prompt is for, and how typed text becomes a value: the
//! purposes (a title, a hypothesis step, any field, a verdict's reason),
//! the steps of a hypothesis and the parsers the checks share.

use crate::model::field::{Field, Type};
use crate::model::{Direction, Verdict};
use serde_yaml::Value;

/// The steps of a hypothesis being written on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HypStep {
    Title,
    Statement,
    Metric,
    Direction,
    Baseline,
    Target,
}

impl HypStep {
    pub fn next(self) -> Option<HypStep> {
        use HypStep::*;
        match self {
            Title => Some(Statement),
            Statement => Some(Metric),
            Metric => Some(Direction),
            Direction => Some(Baseline),
            Baseline => Some(Target),
            Target => None,
        }
    }

    /// Position among the steps, for `2/6`.
    pub(super) fn number(self) -> usize {
        self as usize + 1
    }
}

/// The change a reason goes with.
#[derive(Debug, Clone, PartialEq)]
pub enum Reasoned {
    /// A verdict given with `v`, with the result typed (if any).
    Verdict { result: Option<Value> },
    /// A hypothesis field set with `E`: its dotted name, the value, and
    /// the value the user saw.
    Field {
        path: String,
        value: Value,
        was: Value,
    },
}

/// A hypothesis as typed so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HypDraft {
    pub title: String,
    pub statement: Option<String>,
    pub metric: Option<String>,
    pub direction: Option<Direction>,
    pub baseline: Option<serde_yaml::Value>,
    pub target: Option<serde_yaml::Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    /// The title of a new card of `kind`.
    NewCard {
        lane: String,
        kind: String,
    },
    /// A hypothesis, step by step: a new card in `lane`, or the card `card`
    /// becoming one.
    Hypothesis {
        lane: String,
        card: Option<String>,
        step: HypStep,
        draft: Box<HypDraft>,
    },
    /// One field of a card (a row of `model::field`'s table, or one the
    /// board declares), checked as it is typed.
    Field {
        card: String,
        field: Box<Field>,
    },
    Note {
        card: String,
    },
    Result {
        card: String,
        verdict: Verdict,
    },
    /// Why `verdict` holds when the numbers give `computed`: asked before
    /// a change that makes them disagree is saved (`then`), and kept with
    /// it as the hypothesis's rationale.
    Because {
        card: String,
        verdict: Verdict,
        computed: Verdict,
        then: Box<Reasoned>,
    },
    Filter {
        before: String,
    },
    /// The run (or metrics file) a hypothesis's result comes from.
    Evidence {
        card: String,
    },
    /// Words to find (the command palette's, help's): nothing is saved.
    Search,
    /// Words or an id prefix that find the card to link `card` to.
    LinkTo {
        card: String,
    },
}

impl Purpose {
    /// A new card's title of `kind` in `lane`: a hypothesis's first step,
    /// or the one prompt of any other kind.
    pub fn new_card(lane: String, kind: &str) -> Purpose {
        if kind == "hypothesis" {
            Purpose::Hypothesis {
                lane,
                card: None,
                step: HypStep::Title,
                draft: Box::default(),
            }
        } else {
            Purpose::NewCard {
                lane,
                kind: kind.to_string(),
            }
        }
    }

    /// The kind of the new card whose title this prompt asks for.
    pub fn new_kind(&self) -> Option<&str> {
        match self {
            Purpose::NewCard { kind, .. } => Some(kind),
            Purpose::Hypothesis {
                card: None,
                step: HypStep::Title,
                ..
            } => Some("hypothesis"),
            _ => None,
        }
    }

    /// The lane of the new card whose title this prompt asks for.
    pub(super) fn new_lane(&self) -> Option<&str> {
        match self {
            Purpose::NewCard { lane, .. } => Some(lane),
            Purpose::Hypothesis {
                lane,
                card: None,
                step: HypStep::Title,
                ..
            } => Some(lane),
            _ => None,
        }
    }

    pub fn label(&self) -> String {
        match self {
            Purpose::NewCard { kind, .. } => format!("New {kind}"),
            Purpose::Hypothesis { step, card, .. } => {
                let total = if card.is_some() { 5 } else { 6 };
                let n = step.number() - usize::from(card.is_some());
                let what = match step {
                    HypStep::Title => "title",
                    HypStep::Statement => "statement (what you expect)",
                    HypStep::Metric => "metric",
                    HypStep::Direction => "better is [h]igher or [l]ower",
                    HypStep::Baseline => "baseline (number)",
                    HypStep::Target => "target (number)",
                };
                format!("Hypothesis {n}/{total} {what}")
            }
            Purpose::Field { field, .. } => field_label(field),
            Purpose::Note { .. } => "Journal note (Ctrl+o: $EDITOR)".into(),
            Purpose::Result { verdict, .. } => format!("Result for {verdict}"),
            Purpose::Because { verdict, .. } => format!("Reason for {verdict}"),
            Purpose::Filter { .. } => "Filter".into(),
            Purpose::Evidence { .. } => "Result from".into(),
            Purpose::Search => "Find".into(),
            Purpose::LinkTo { card } => format!("Link {} to", crate::model::id::short(card)),
        }
    }

    /// The card this prompt changes, if any.
    pub fn card(&self) -> Option<&str> {
        match self {
            Purpose::Field { card, .. }
            | Purpose::Note { card }
            | Purpose::Result { card, .. }
            | Purpose::Because { card, .. }
            | Purpose::Evidence { card }
            | Purpose::LinkTo { card } => Some(card),
            Purpose::Hypothesis { card, .. } => card.as_deref(),
            _ => None,
        }
    }
}

/// What a value typed so far amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Fine; a hint may say what it means (`Fri 2026-12-04`).
    Ok(Option<String>),
    /// Enter would be refused, and why.
    Bad(String),
}

/// A number as typed: `0.21`, `-3`, `1e-4`; a finite one.
pub fn number(s: &str) -> Option<serde_yaml::Value> {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(serde_yaml::Value::Number(i.into()));
    }
    let f: f64 = t.parse().ok()?;
    if !f.is_finite() || t.eq_ignore_ascii_case("nan") || t.to_ascii_lowercase().contains("inf") {
        return None;
    }
    Some(serde_yaml::Value::Number(f.into()))
}

/// `higher`/`lower` as typed: `h`, `hi`, `higher`, `up`, `l`, `lo`, `down`...
pub fn direction(s: &str) -> Option<Direction> {
    let t = s.trim().to_ascii_lowercase();
    if t.is_empty() {
        return None;
    }
    if "higher".starts_with(&t) || t == "up" || t == "max" {
        Some(Direction::Higher)
    } else if "lower".starts_with(&t) || t == "down" || t == "min" {
        Some(Direction::Lower)
    } else {
        None
    }
}

/// The fields a card cannot be without, of those a person sets.
fn required(field: &Field) -> bool {
    !field.declared && matches!(field.key.as_ref(), "title" | "kind")
}

/// A field's value as typed on screen: [`Field::parse_input`], with the
/// screen's habits (`@ana` and `#data` in lists are `ana` and `data`; an
/// empty list is no field). Empty text removes the value, except for a
/// field every card has.
pub fn field_input(field: &Field, text: &str, today: i64) -> Result<Value, String> {
    let text = match field.ty {
        Type::Texts | Type::People => text
            .split(',')
            .map(|item| item.trim().trim_start_matches('@').trim_start_matches('#'))
            .collect::<Vec<_>>()
            .join(","),
        _ => text.to_string(),
    };
    let value = field.parse_input(&text, today)?;
    Ok(match value {
        Value::Null if required(field) => return Err(format!("a card needs a {}", field.label)),
        Value::Sequence(items) if items.is_empty() => Value::Null,
        v => v,
    })
}

/// What a field's prompt is labelled: its name, and how its values are
/// typed (`Labels (comma separated)`).
pub(super) fn field_label(field: &Field) -> String {
    let mut name = field.label.to_string();
    if let Some(first) = name.get(..1) {
        name = first.to_uppercase() + &name[1..];
    }
    match &field.ty {
        Type::Texts | Type::People | Type::CardIds => format!("{name} (comma separated)"),
        Type::Date => format!("{name} (2026-12-24, +3d, fri; empty clears)"),
        Type::Choice(values) => format!("{name} ({})", values.join("/")),
        Type::Number => format!("{name} (number)"),
        Type::Bool => format!("{name} (yes/no)"),
        _ => name,
    }
}
