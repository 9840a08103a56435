//! Card filters: free text plus `label:x`, `@who`, `kind:x`, `verdict:x`,
//! `lane:x`, and the words `ready` and `blocked` (what the card's links
//! make of it: [`Linked`]). All terms must match; matching ignores case.

use super::Card;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub text: String,
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Text(String),
    Label(String),
    Assignee(String),
    Kind(String),
    Verdict(String),
    Lane(String),
    /// Not archived, not done, not blocked ([`super::links`]).
    Ready,
    /// Waiting on a card that is not done.
    Blocked,
}

/// What a card's links make of it, for the `ready` and `blocked` terms
/// (from the board's [`super::links::Index`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Linked {
    pub ready: bool,
    pub blocked: bool,
}

impl Filter {
    pub fn parse(text: &str) -> Filter {
        let terms = text
            .split_whitespace()
            .map(|w| {
                let lw = w.to_lowercase();
                if let Some(v) = lw.strip_prefix("label:") {
                    Term::Label(v.to_string())
                } else if let Some(v) = lw.strip_prefix('@') {
                    Term::Assignee(v.to_string())
                } else if let Some(v) = lw.strip_prefix("kind:") {
                    Term::Kind(v.to_string())
                } else if let Some(v) = lw.strip_prefix("verdict:") {
                    Term::Verdict(v.to_string())
                } else if let Some(v) = lw.strip_prefix("lane:") {
                    Term::Lane(v.to_string())
                } else if lw == "ready" {
                    Term::Ready
                } else if lw == "blocked" {
                    Term::Blocked
                } else {
                    Term::Text(lw)
                }
            })
            .collect();
        Filter {
            text: text.trim().to_string(),
            terms,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether it has a `ready` or `blocked` term: matching needs the
    /// card's links ([`Filter::matches_linked`]).
    pub fn reads_links(&self) -> bool {
        self.terms
            .iter()
            .any(|t| matches!(t, Term::Ready | Term::Blocked))
    }

    /// Whether the card matches, for a filter that reads no links (a
    /// `ready` or `blocked` term matches nothing here).
    pub fn matches(&self, card: &Card) -> bool {
        self.matches_linked(card, Linked::default())
    }

    /// Whether the card, with what its links make of it, matches.
    pub fn matches_linked(&self, card: &Card, linked: Linked) -> bool {
        self.terms.iter().all(|t| match t {
            Term::Text(w) => {
                contains(&card.title, w)
                    || card.id.starts_with(w.as_str())
                    || card.body.as_deref().is_some_and(|b| contains(b, w))
                    || card
                        .hypothesis
                        .as_ref()
                        .and_then(|h| h.statement.as_deref())
                        .is_some_and(|s| contains(s, w))
                    || card.labels.iter().any(|l| contains(l, w))
            }
            Term::Label(l) => card.labels.iter().any(|x| x.to_lowercase() == *l),
            Term::Assignee(a) => card.assignees.iter().any(|x| x.to_lowercase() == *a),
            Term::Kind(k) => card.kind.to_lowercase() == *k,
            Term::Verdict(v) => card.verdict().is_some_and(|x| x.as_str() == v),
            Term::Lane(l) => card.lane.starts_with(l.as_str()),
            Term::Ready => linked.ready,
            Term::Blocked => linked.blocked,
        })
    }
}

fn contains(hay: &str, needle_lower: &str) -> bool {
    hay.to_lowercase().contains(needle_lower)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Hypothesis, Verdict};

    #[test]
    fn terms_combine() {
        let mut c = Card::new(
            "abc".into(),
            "Cold start".into(),
            "modeling".into(),
            "i".into(),
            "hypothesis".into(),
        );
        c.labels = vec!["recsys".into()];
        c.assignees = vec!["mei".into()];
        c.hypothesis = Some(Box::new(Hypothesis {
            verdict: Verdict::Refuted,
            ..Default::default()
        }));
        assert!(
            Filter::parse("cold label:recsys @mei kind:hypothesis verdict:refuted").matches(&c)
        );
        assert!(!Filter::parse("warm").matches(&c));
        assert!(!Filter::parse("verdict:supported").matches(&c));
        assert!(Filter::parse("").matches(&c));
        // `ready` and `blocked` read the card's links, in any case.
        let ready = Linked {
            ready: true,
            blocked: false,
        };
        let f = Filter::parse("cold Ready");
        assert!(f.reads_links() && !Filter::parse("cold").reads_links());
        assert!(f.matches_linked(&c, ready) && !f.matches(&c));
        assert!(!Filter::parse("blocked").matches_linked(&c, ready));
        assert!(Filter::parse("BLOCKED @mei").matches_linked(
            &c,
            Linked {
                ready: false,
                blocked: true
            }
        ));
    }
}
