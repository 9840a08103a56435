//! Card filters, the language of `/` on the board and of saved views:
//! free text plus `label:x`, `@who` (or `assignee:who`; `me` is you),
//! `kind:x`, `verdict:x`, `lane:x` and `is:stale|overdue|archived|conflicted`;
//! a leading `-` negates a term. All terms must match; matching ignores
//! case.
//!
//! Typed on the board, a word that only looks like a term (`http://x`)
//! is text. A saved view is read strictly ([`Filter::parse_strict`]): an
//! unknown key, verdict, kind, lane or `is:` value is a mistake to report.

use super::{Card, Verdict};

/// The keys a term may have, as help and errors list them.
pub const KEYS: &[&str] = &["label", "assignee", "kind", "verdict", "lane", "is"];

/// What `is:` can ask about a card.
pub const STATES: &[&str] = &["stale", "overdue", "archived", "conflicted"];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub text: String,
    terms: Vec<(bool, Term)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Text(String),
    Label(String),
    /// `me` stands for the user ([`Scope::me`]).
    Assignee(String),
    Kind(String),
    Verdict(String),
    Lane(String),
    Is(State),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A verdict whose evidence changed since ([`Scope::stale`]).
    Stale,
    Overdue,
    Archived,
    /// Conflicts a sync recorded on the card.
    Conflicted,
    /// An `is:` value this version does not know: matches nothing.
    Unknown,
}

impl State {
    fn parse(s: &str) -> State {
        match s {
            "stale" => State::Stale,
            "overdue" => State::Overdue,
            "archived" => State::Archived,
            "conflicted" => State::Conflicted,
            _ => State::Unknown,
        }
    }
}

/// What matching needs to know besides the card: who "me" is, today's
/// date and which verdicts are stale (checked against the run stores
/// elsewhere). The default knows none of them: `@me`, `is:overdue` and
/// `is:stale` then match nothing.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    /// The user's names, lowercase (see `git::identity::me`).
    pub me: &'a [String],
    /// Days since 1970-01-01 (for `is:overdue`).
    pub today: i64,
    /// Whether a card's verdict is stale, by card id.
    pub stale: &'a dyn Fn(&str) -> bool,
}

impl Default for Scope<'_> {
    fn default() -> Self {
        Scope {
            me: &[],
            today: i64::MIN,
            stale: &|_| false,
        }
    }
}

impl std::fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("me", &self.me)
            .field("today", &self.today)
            .finish_non_exhaustive()
    }
}

/// What a saved view's filter may name: the board's lanes and kinds.
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    pub lanes: &'a [String],
    pub kinds: &'a [String],
}

/// A term a strict filter cannot read: the term as written and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermError {
    pub term: String,
    pub message: String,
}

impl Filter {
    /// Read a filter as typed on the board: nothing is refused.
    pub fn parse(text: &str) -> Filter {
        let terms = text.split_whitespace().map(read_term).collect();
        Filter {
            text: text.trim().to_string(),
            terms,
        }
    }

    /// Read a saved view's filter: every term must mean what it says. The
    /// first term that does not is the error.
    pub fn parse_strict(text: &str, known: Known) -> Result<Filter, TermError> {
        for word in text.split_whitespace() {
            if let Some(message) = check_term(word, known) {
                return Err(TermError {
                    term: word.to_string(),
                    message,
                });
            }
        }
        Ok(Filter::parse(text))
    }

    /// Why the first doubtful term of `text` may not mean what the user
    /// thinks (an unknown key is read as text on the board), if any.
    pub fn doubt(text: &str, known: Known) -> Option<TermError> {
        Filter::parse_strict(text, known).err()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether some term asks for archived cards (`is:archived`).
    pub fn wants_archived(&self) -> bool {
        self.terms
            .iter()
            .any(|(neg, t)| !neg && *t == Term::Is(State::Archived))
    }

    /// Whether some term needs to know which verdicts are stale.
    pub fn needs_stale(&self) -> bool {
        self.terms.iter().any(|(_, t)| *t == Term::Is(State::Stale))
    }

    /// Matching without a scope: `@me`, `is:overdue` and `is:stale` match
    /// nothing.
    pub fn matches(&self, card: &Card) -> bool {
        self.matches_in(card, &Scope::default())
    }

    pub fn matches_in(&self, card: &Card, scope: &Scope) -> bool {
        self.terms
            .iter()
            .all(|(negated, t)| term_matches(t, card, scope) != *negated)
    }
}

fn read_term(word: &str) -> (bool, Term) {
    let (negated, w) = match word.strip_prefix('-') {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, word),
    };
    let lw = w.to_lowercase();
    let term = if let Some(v) = lw.strip_prefix("label:") {
        Term::Label(v.to_string())
    } else if let Some(v) = lw
        .strip_prefix('@')
        .or_else(|| lw.strip_prefix("assignee:"))
    {
        Term::Assignee(v.trim_start_matches('@').to_string())
    } else if let Some(v) = lw.strip_prefix("kind:") {
        Term::Kind(v.to_string())
    } else if let Some(v) = lw.strip_prefix("verdict:") {
        Term::Verdict(v.to_string())
    } else if let Some(v) = lw.strip_prefix("lane:") {
        Term::Lane(v.to_string())
    } else if let Some(v) = lw.strip_prefix("is:") {
        Term::Is(State::parse(v))
    } else {
        // A lone `-` is text too.
        return (false, Term::Text(word.to_lowercase()));
    };
    (negated, term)
}

/// Why a strict filter refuses `word`, if it does.
fn check_term(word: &str, known: Known) -> Option<String> {
    let w = word
        .strip_prefix('-')
        .filter(|r| !r.is_empty())
        .unwrap_or(word);
    let lw = w.to_lowercase();
    let (key, value) = match lw.strip_prefix('@') {
        Some(v) => ("assignee", v),
        None => match lw.split_once(':') {
            Some((k, v)) => (k, v),
            None => return None,
        },
    };
    // `http://x`, `10:30`: a word with a colon that is not `key:`.
    let looks_like_key = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
        && !value.starts_with("//");
    if !looks_like_key {
        return None;
    }
    if !KEYS.contains(&key) {
        let hint = super::text::did_you_mean(key, KEYS.iter().copied())
            .map(|k| format!("did you mean {k}:? "))
            .unwrap_or_default();
        return Some(format!(
            "unknown filter key {key:?} in {word:?}; {hint}the keys are {}, and @who",
            KEYS.iter()
                .map(|k| format!("{k}:"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    if value.is_empty() {
        return Some(format!("{word:?} names no {key}"));
    }
    let list = |items: &[String]| items.join(", ");
    match key {
        "verdict" if value.parse::<Verdict>().is_err() => Some(format!(
            "unknown verdict {value:?} in {word:?}; verdicts are {}",
            Verdict::ALL.map(|v| v.as_str()).join(", ")
        )),
        "kind" if !known.kinds.iter().any(|k| k.to_lowercase() == value) => Some(format!(
            "unknown kind {value:?} in {word:?}; the board's kinds are {}",
            list(known.kinds)
        )),
        "lane" if !known.lanes.iter().any(|l| l.starts_with(value)) => Some(format!(
            "no lane starts with {value:?} (in {word:?}); lanes are {}",
            list(known.lanes)
        )),
        "is" if State::parse(value) == State::Unknown => Some(format!(
            "unknown state {value:?} in {word:?}; `is:` takes {}",
            STATES.join(", ")
        )),
        _ => None,
    }
}

fn term_matches(t: &Term, card: &Card, scope: &Scope) -> bool {
    match t {
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
        Term::Assignee(a) if a == "me" => card
            .assignees
            .iter()
            .any(|x| scope.me.iter().any(|m| x.to_lowercase() == *m)),
        Term::Assignee(a) => card.assignees.iter().any(|x| x.to_lowercase() == *a),
        Term::Kind(k) => card.kind.to_lowercase() == *k,
        Term::Verdict(v) => card.verdict().is_some_and(|x| x.as_str() == v),
        Term::Lane(l) => card.lane.starts_with(l.as_str()),
        Term::Is(State::Stale) => card.hypothesis.is_some() && (scope.stale)(&card.id),
        Term::Is(State::Overdue) => scope.today != i64::MIN && card.is_overdue(scope.today),
        Term::Is(State::Archived) => card.archived,
        Term::Is(State::Conflicted) => card.extra.contains_key("conflicts"),
        Term::Is(State::Unknown) => false,
    }
}

fn contains(hay: &str, needle_lower: &str) -> bool {
    hay.to_lowercase().contains(needle_lower)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Hypothesis, Verdict};

    fn card() -> Card {
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
        c
    }

    #[test]
    fn terms_combine() {
        let c = card();
        assert!(
            Filter::parse("cold label:recsys @mei kind:hypothesis verdict:refuted").matches(&c)
        );
        assert!(!Filter::parse("warm").matches(&c));
        assert!(!Filter::parse("verdict:supported").matches(&c));
        assert!(Filter::parse("").matches(&c));
        assert!(Filter::parse("assignee:mei -verdict:open -label:x").matches(&c));
        assert!(!Filter::parse("-@mei").matches(&c));
        assert!(!Filter::parse("-").matches(&c), "a lone - is text");
    }

    #[test]
    fn me_today_and_staleness_come_from_the_scope() {
        let mut c = card();
        c.due = Some("2026-01-02".into());
        let f = Filter::parse("@me is:overdue is:stale");
        assert!(!f.matches(&c), "no scope: no one is me");
        let me = vec!["mei".to_string()];
        let stale = |id: &str| id == "abc";
        let today = crate::model::date::parse_date("2026-03-01").unwrap();
        let scope = Scope {
            me: &me,
            today,
            stale: &stale,
        };
        assert!(f.matches_in(&c, &scope));
        assert!(f.needs_stale());
        c.assignees = vec!["ana".into()];
        assert!(!f.matches_in(&c, &scope));
        assert!(Filter::parse("-@me").matches_in(&c, &scope));
    }

    #[test]
    fn a_strict_filter_names_what_it_cannot_read() {
        let lanes = ["modeling".to_string(), "evaluation".to_string()];
        let kinds = ["task".to_string(), "hypothesis".to_string()];
        let known = Known {
            lanes: &lanes,
            kinds: &kinds,
        };
        assert!(Filter::parse_strict(
            "kind:hypothesis verdict:open @me lane:model is:stale -is:archived http://x",
            known
        )
        .is_ok());
        for (text, term, says) in [
            (
                "kind:task asignee:me",
                "asignee:me",
                "unknown filter key \"asignee\"",
            ),
            ("verdict:maybe", "verdict:maybe", "unknown verdict"),
            ("kind:epic", "kind:epic", "unknown kind"),
            ("lane:deploy", "lane:deploy", "no lane starts with"),
            ("-is:old", "-is:old", "unknown state"),
            ("label:", "label:", "names no label"),
        ] {
            let e = Filter::parse_strict(text, known).unwrap_err();
            assert_eq!(e.term, term, "{text}");
            assert!(e.message.contains(says), "{text}: {}", e.message);
        }
        // On the board the same words are text, never an error.
        assert!(!Filter::parse("asignee:me").is_empty());
    }
}
