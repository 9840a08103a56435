//! Card filters: free text plus `label:x`, `@who`, `kind:x`, `verdict:x`,
//! `lane:x`, and `name:x` for a field the board declares (`priority:high`).
//! All terms must match; matching ignores case. [`Where`] is the command
//! line's `--where FIELD=VALUE`, on any field.

use super::field::{self, Schema};
use super::Card;
use serde_yaml::Value;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub text: String,
    terms: Vec<Term>,
    /// Declared fields' defaults as text: (name, value).
    defaults: Vec<(String, Value)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Text(String),
    Label(String),
    Assignee(String),
    Kind(String),
    Verdict(String),
    Lane(String),
    /// A declared field's value: (name, value), both lower case.
    Field(String, String),
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
                } else if let Some((name, v)) = lw
                    .split_once(':')
                    .filter(|(n, v)| field::is_field_name(n) && !v.is_empty())
                {
                    Term::Field(name.to_string(), v.to_string())
                } else {
                    Term::Text(lw)
                }
            })
            .collect();
        Filter {
            text: text.trim().to_string(),
            terms,
            defaults: Vec::new(),
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
            Term::Field(name, v) => match self.defaults.iter().find(|(n, _)| n == name) {
                _ if card.fields.contains_key(name.as_str()) => {
                    value_is(card.fields.get(name.as_str()), v)
                }
                Some((_, d)) => value_is(Some(d), v),
                None => false,
            },
        })
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
}
