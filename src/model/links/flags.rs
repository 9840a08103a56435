//! What is wrong with how a card is linked, said as flags: a link to a
//! card that does not exist, work that can no longer finish and why, and
//! the flags `lanes show`, `lanes ready --explain` and the board print.

use super::{Card, Kind};
use crate::model::{date, Verdict};

/// A link to a card that does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dangling<'a> {
    /// The card that stores it (an index into the graph).
    pub card: usize,
    pub kind: Kind,
    /// Its place in the stored list (0 for `parent`).
    pub position: usize,
    pub id: &'a str,
}

/// Why a card that is not done can no longer finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Archived before it was done.
    Archived,
    /// Another card supersedes it.
    Superseded { by: usize },
    /// A hypothesis it depends on was refuted.
    PremiseRefuted { hypothesis: usize },
    /// It is in a `depends_on` cycle: it waits on itself.
    Cycle,
}

/// A card that is not done and can no longer finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dead {
    /// The card where it starts (this card, or one it waits on).
    pub cause: usize,
    pub why: Why,
    /// The card this one waits on towards `cause` (`None` when it is the
    /// cause).
    pub next: Option<usize>,
}

/// Something a person should know about the work a card rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// A hypothesis it depends on, directly or through `via` (in order),
    /// was refuted.
    PremiseRefuted { hypothesis: usize, via: Vec<usize> },
    /// A card it depends on is superseded by `by`.
    DependsOnSuperseded { card: usize, by: Vec<usize> },
    /// A card it depends on was archived before it was done.
    DependsOnArchived { card: usize },
    /// It waits, through `via` (in order, ending at `cause`), on a card
    /// that can no longer finish.
    DeadBlocked {
        via: Vec<usize>,
        cause: usize,
        why: Why,
    },
    /// It is in a `depends_on` cycle (the cycle, from this card back to
    /// it).
    InCycle { cycle: Vec<usize> },
}

impl Flag {
    /// The flag's name in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Flag::PremiseRefuted { .. } => "premise_refuted",
            Flag::DependsOnSuperseded { .. } => "depends_on_superseded",
            Flag::DependsOnArchived { .. } => "depends_on_archived",
            Flag::DeadBlocked { .. } => "dead_blocked",
            Flag::InCycle { .. } => "cycle",
        }
    }
}

impl Why {
    /// The reason's name in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Why::Archived => "archived",
            Why::Superseded { .. } => "superseded",
            Why::PremiseRefuted { .. } => "premise_refuted",
            Why::Cycle => "cycle",
        }
    }
}

/// When a hypothesis was refuted, as its evidence records it (seconds
/// since the epoch): a verdict `lanes result` or `lanes run` gave. `None`
/// for a verdict given by hand (its history knows when).
pub fn refuted_at(card: &Card) -> Option<i64> {
    let h = card.hypothesis.as_ref()?;
    if h.verdict != Verdict::Refuted {
        return None;
    }
    let e = h.evidence()?.ok()?;
    if e.verdict != Some(Verdict::Refuted) {
        return None;
    }
    date::parse_timestamp(e.recorded_at.as_deref()?)
}

/// A flag as a sentence. `name(i)` names a card (`3fk2a9 (Title)`);
/// `refuted(i)` says when hypothesis `i` was refuted, if known.
pub fn flag_text(
    flag: &Flag,
    name: &dyn Fn(usize) -> String,
    refuted: &dyn Fn(usize) -> Option<i64>,
) -> String {
    let on = |h: usize| {
        refuted(h)
            .map(|t| format!(" on {}", date::format_day_long(t.div_euclid(86_400))))
            .unwrap_or_default()
    };
    let chain = |via: &[usize]| {
        via.iter()
            .map(|&c| name(c))
            .collect::<Vec<_>>()
            .join(", which waits on ")
    };
    match flag {
        Flag::PremiseRefuted { hypothesis, via } if via.is_empty() => format!(
            "premise refuted: {} was refuted{}",
            name(*hypothesis),
            on(*hypothesis)
        ),
        Flag::PremiseRefuted { hypothesis, via } => format!(
            "premise refuted: it rests on {}, refuted{}, through {}",
            name(*hypothesis),
            on(*hypothesis),
            via.iter().map(|&c| name(c)).collect::<Vec<_>>().join(" and ")
        ),
        Flag::DependsOnSuperseded { card, by } => format!(
            "depends on {}, which is superseded by {}: should it depend on that instead?",
            name(*card),
            by.iter().map(|&c| name(c)).collect::<Vec<_>>().join(", ")
        ),
        Flag::DependsOnArchived { card } => format!(
            "depends on {}, archived before it was done: this card stays blocked until the link is removed (`lanes unlink`) or the card restored",
            name(*card)
        ),
        Flag::DeadBlocked { via, why, .. } => {
            let reason = match why {
                Why::Archived => "was archived before it was done".to_string(),
                Why::Superseded { by } => format!("is superseded by {}", name(*by)),
                Why::PremiseRefuted { hypothesis } => format!(
                    "rests on {}, refuted{}",
                    name(*hypothesis),
                    on(*hypothesis)
                ),
                Why::Cycle => "is in a dependency cycle".to_string(),
            };
            format!(
                "dead-blocked: waits on {}, which {reason}: it can no longer finish",
                chain(via)
            )
        }
        Flag::InCycle { cycle } => format!(
            "in a dependency cycle: {}; none of these can be ready until one link is removed (`lanes unlink`)",
            cycle.iter().map(|&c| name(c)).collect::<Vec<_>>().join(" → ")
        ),
    }
}
