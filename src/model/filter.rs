//! Card filters, the language of `/` on the board and of saved views:
//! free text plus `label:x`, `@who` (or `assignee:who`; `me` is you),
//! `kind:x`, `verdict:x`, `lane:x`, `is:stale|overdue|archived|conflicted`,
//! the words `ready` and `blocked` (what the card's links make of it:
//! [`Linked`]),
//! and `name:x` for a field the board declares (`priority:high`); a
//! leading `-` negates a term. All terms must match; matching ignores
//! case. [`Where`] is the command line's `--where FIELD=VALUE`, on any
//! field.
//!
//! Typed on the board, `name:x` naming no declared field matches no card
//! (and `http://x` is text). A saved view is read strictly
//! ([`Filter::parse_strict`]): an unknown key, verdict, kind, lane or `is:`
//! value is a mistake to report.

use super::field::{self, Schema};
use super::{Card, Verdict};
use serde_yaml::Value;

/// The keys a term may have, as help and errors list them.
pub const KEYS: &[&str] = &["label", "assignee", "kind", "verdict", "lane", "is"];

/// What `is:` can ask about a card.
pub const STATES: &[&str] = &["stale", "overdue", "archived", "conflicted"];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub text: String,
    terms: Vec<(bool, Term)>,
    /// Declared fields' defaults as text: (name, value).
    defaults: Vec<(String, Value)>,
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
    /// A declared field's value: (name, value), both lower case.
    Field(String, String),
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
    /// What the card's links make of it (`ready`, `blocked`).
    pub linked: Linked,
}

impl Default for Scope<'_> {
    fn default() -> Self {
        Scope {
            me: &[],
            today: i64::MIN,
            stale: &|_| false,
            linked: Linked::default(),
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

/// What a saved view's filter may name: the board's lanes, kinds and
/// declared fields.
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    pub lanes: &'a [String],
    pub kinds: &'a [String],
    pub fields: &'a Schema,
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
            defaults: Vec::new(),
        }
    }

    /// The same filter, with `schema`'s defaults standing in for declared
    /// fields a card does not have (`priority:medium` matches a card
    /// without a priority when medium is the default).
    pub fn with_schema(mut self, schema: &Schema) -> Filter {
        self.defaults = schema
            .declared
            .iter()
            .filter_map(|f| Some((f.key.to_string(), f.default.clone()?)))
            .collect();
        self
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
        Ok(Filter::parse(text).with_schema(known.fields))
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

    /// Whether it has a `ready` or `blocked` term: matching needs the
    /// card's links ([`Scope::linked`]).
    pub fn reads_links(&self) -> bool {
        self.terms
            .iter()
            .any(|(_, t)| matches!(t, Term::Ready | Term::Blocked))
    }

    /// Whether the card, with what its links make of it, matches (no
    /// other scope: `@me`, `is:overdue` and `is:stale` match nothing).
    pub fn matches_linked(&self, card: &Card, linked: Linked) -> bool {
        self.matches_in(
            card,
            &Scope {
                linked,
                ..Scope::default()
            },
        )
    }

    pub fn matches_in(&self, card: &Card, scope: &Scope) -> bool {
        self.terms
            .iter()
            .all(|(negated, t)| term_matches(t, card, scope, &self.defaults) != *negated)
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
    } else if lw == "ready" {
        Term::Ready
    } else if lw == "blocked" {
        Term::Blocked
    } else if let Some((name, v)) = lw
        .split_once(':')
        .filter(|(n, v)| field::is_field_name(n) && !v.is_empty() && !v.starts_with("//"))
    {
        Term::Field(name.to_string(), v.to_string())
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
    let declared = || known.fields.declared.iter().map(|f| f.key.as_ref());
    if !KEYS.contains(&key) && declared().any(|f: &str| f == key) {
        return value.is_empty().then(|| format!("{word:?} names no {key}"));
    }
    if !KEYS.contains(&key) {
        let hint = super::text::did_you_mean(key, KEYS.iter().copied().chain(declared()))
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

fn term_matches(t: &Term, card: &Card, scope: &Scope, defaults: &[(String, Value)]) -> bool {
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
        Term::Ready => scope.linked.ready,
        Term::Blocked => scope.linked.blocked,
        Term::Field(name, v) => match defaults.iter().find(|(n, _)| n == name) {
            _ if card.fields.contains_key(name.as_str()) => {
                value_is(card.fields.get(name.as_str()), v)
            }
            Some((_, d)) => value_is(Some(d), v),
            None => false,
        },
    }
}

/// Whether a field's value is `want` (lower case): text, a number or a
/// bool as text in any case, a list that holds it.
fn value_is(v: Option<&Value>, want: &str) -> bool {
    match v {
        Some(Value::Sequence(items)) => items.iter().any(|i| value_is(Some(i), want)),
        Some(Value::Number(n)) => {
            n.to_string() == want
                || want
                    .parse::<f64>()
                    .is_ok_and(|w| n.as_f64().is_some_and(|x| x == w))
        }
        Some(v @ (Value::String(_) | Value::Bool(_))) => {
            field::show_value(v).to_lowercase() == want
                || matches!(v, Value::Bool(b) if b.to_string() == want)
        }
        _ => false,
    }
}

/// `--where FIELD=VALUE`: cards whose field has that value (any case; a
/// list holding it; a number equal to it). FIELD is a field the board
/// declares (`priority`), or a built-in one by its dotted name (`kind`,
/// `hypothesis.metric`, `experiment.dataset`).
#[derive(Debug, Clone, PartialEq)]
pub struct Where {
    /// The dotted path in the card file.
    path: String,
    want: String,
    /// The declared default, for cards without the field.
    default: Option<Value>,
}

impl Where {
    pub fn parse(text: &str, schema: &Schema) -> Result<Where, String> {
        let (name, want) = text.split_once('=').ok_or_else(|| {
            format!("--where {text:?}: expected FIELD=VALUE, e.g. --where priority=high")
        })?;
        let name = name.trim();
        let want = want.trim().to_lowercase();
        let own = name
            .strip_prefix(field::DECLARED)
            .and_then(|r| r.strip_prefix('.'))
            .unwrap_or(name);
        if let Some(f) = schema.declared.iter().find(|f| f.key == own) {
            return Ok(Where {
                path: format!("{}.{own}", field::DECLARED),
                want,
                default: f.default.clone(),
            });
        }
        if field::builtin(name).is_some() {
            return Ok(Where {
                path: name.to_string(),
                want,
                default: None,
            });
        }
        let names: Vec<String> = schema
            .declared
            .iter()
            .map(|f| f.key.to_string())
            .chain(field::BUILTIN.iter().map(|f| f.key.to_string()))
            .collect();
        let hint = super::text::did_you_mean(name, names.iter().map(String::as_str))
            .map(|n| format!("; did you mean {n}?"))
            .unwrap_or_default();
        Err(format!("--where: unknown field {name:?}{hint}"))
    }

    pub fn matches(&self, card: &Card) -> bool {
        let value = card.to_value();
        let mut cur = Some(&value);
        for part in self.path.split('.') {
            cur = cur.and_then(|v| v.get(part));
        }
        match cur {
            Some(v) => value_is(Some(v), &self.want),
            None => value_is(self.default.as_ref(), &self.want),
        }
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
            linked: Linked::default(),
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
        let schema = Schema::from_value(
            serde_yaml::from_str("priority: {type: enum, values: [low, high]}").unwrap(),
            "fields",
        )
        .unwrap();
        let known = Known {
            lanes: &lanes,
            kinds: &kinds,
            fields: &schema,
        };
        assert!(Filter::parse_strict("priority:high -priority:low", known).is_ok());
        let e = Filter::parse_strict("priorty:high", known).unwrap_err();
        assert!(
            e.message.contains("did you mean priority:?"),
            "{}",
            e.message
        );
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
        // On the board the same words are never an error: a field no card
        // has, matching none.
        assert!(!Filter::parse("asignee:me").is_empty());
        assert!(!Filter::parse("asignee:me").matches(&card()));
    }

    #[test]
    fn declared_fields_filter_with_their_defaults() {
        let schema = Schema::from_value(
            serde_yaml::from_str(
                "priority: {type: enum, values: [low, medium, high], default: medium}\ndatasets: list\n",
            )
            .unwrap(),
            "fields",
        )
        .unwrap();
        let mut c = Card::new(
            "abc".into(),
            "T".into(),
            "l".into(),
            "i".into(),
            "task".into(),
        );
        let f = |text: &str| Filter::parse(text).with_schema(&schema);
        assert!(f("priority:medium").matches(&c), "the default");
        assert!(!f("priority:high").matches(&c));
        c.fields.insert("priority".into(), "High".into());
        c.fields.insert(
            "datasets".into(),
            serde_yaml::from_str("[clicks-v3, x]").unwrap(),
        );
        assert!(f("priority:high datasets:clicks-v3").matches(&c));
        assert!(!f("priority:medium").matches(&c));
        assert!(!f("reviewer:ana").matches(&c), "a field no card has");
        let w = Where::parse("priority=HIGH", &schema).unwrap();
        assert!(w.matches(&c));
        assert!(Where::parse("kind=task", &schema).unwrap().matches(&c));
        assert!(Where::parse("prioritx=high", &schema)
            .unwrap_err()
            .contains("did you mean priority?"));
    }

    #[test]
    fn ready_and_blocked_read_the_links() {
        let c = card();
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
