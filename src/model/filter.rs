//! Card filters: free text plus `label:x`, `@who`, `kind:x`, `verdict:x`,
//! `lane:x`. All terms must match; matching ignores case.

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

    pub fn matches(&self, card: &Card) -> bool {
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
    }
}
