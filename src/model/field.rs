//! Every card field in one table: its key, its place in the file, its
//! type, how merges combine it, how a person sets it and how it is shown.
//! Parsing checks, `--set`, the merge, history, `lanes show`, the board's
//! detail view and its field editor read this table; a team's own fields,
//! declared under `fields:` in board.yaml, are rows of the same kind
//! ([`Schema`]).
//!
//! A built-in field is one row here (plus its member of [`super::Card`]
//! and the cache codec's two lines); nothing else lists fields by name.

use super::date;
use super::value::{type_name, FieldError, FieldResult};
use serde_yaml::{Mapping, Value};
use std::borrow::Cow;

/// What values a field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// The card's id (never changed).
    Id,
    /// One line of text.
    Text,
    /// Text that may run over several lines (written as a block).
    LongText,
    /// A lane of the board.
    Lane,
    /// A position in a lane (lanes' own sort key).
    Rank,
    /// A kind of card the board declares.
    Kind,
    /// A calendar date, `YYYY-MM-DD` (a full timestamp is accepted too).
    Date,
    /// A moment, RFC 3339 in UTC.
    Timestamp,
    Bool,
    /// A number (kept as the text the user typed).
    Number,
    /// A person: a name or handle.
    Person,
    /// A list of text items (labels, run references).
    Texts,
    /// A list of people.
    People,
    /// One of a fixed set of words.
    Choice(Cow<'static, [Cow<'static, str>]>),
    /// Another card's id.
    CardId,
    /// A list of other cards' ids.
    CardIds,
    /// A mapping of fields of its own (`hypothesis`, `experiment`).
    Group,
    /// The checklist: items with text and a done flag.
    Checklist,
    /// The journal: dated notes, appended only.
    Journal,
    /// A structured value lanes writes itself (evidence, claims).
    Record,
    /// The team's own fields (`fields:`), each declared in board.yaml.
    Declared,
}

const VERDICTS: &[Cow<'static, str>] = &[
    Cow::Borrowed("open"),
    Cow::Borrowed("supported"),
    Cow::Borrowed("refuted"),
    Cow::Borrowed("inconclusive"),
];
const DIRECTIONS: &[Cow<'static, str>] = &[Cow::Borrowed("higher"), Cow::Borrowed("lower")];

/// How a three-way merge combines a field changed on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// One value: a change on one side is taken; changes on both sides to
    /// different values are a conflict (the winner's value is kept).
    Scalar,
    /// A set: an item one side added is added, one side removed is removed.
    Set,
    /// Entries only ever added (the journal), merged by time.
    Append,
    /// Lane and rank move together.
    Placement,
    /// Items merged by text, ticks as scalars.
    Checklist,
    /// A mapping merged field by field.
    Group,
    /// Competing claims: the earlier one is kept (then the smaller name),
    /// whole; a new claim outlives a release, a release a renewal
    /// ([`crate::merge`]). Never a conflict.
    Claim,
}

/// How a person changes a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// `--set` and the board's field editor.
    Free,
    /// Only through its own command (named), never `--set`.
    Command(&'static str),
    /// Written by lanes alone (the id, evidence from runs).
    Never,
}

/// One field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The dotted name (`due`, `hypothesis.target`); a declared field's
    /// own name (stored under `fields:`).
    pub key: Cow<'static, str>,
    pub ty: Type,
    pub merge: Merge,
    /// How it is labelled on screen and in `lanes show`.
    pub label: Cow<'static, str>,
    /// One line for prompts and help.
    pub about: Cow<'static, str>,
    pub edit: Edit,
    /// A value for cards that do not have one (declared fields).
    pub default: Option<Value>,
    /// Declared in board.yaml (stored under `fields:`).
    pub declared: bool,
}

impl Field {
    const fn builtin(
        key: &'static str,
        ty: Type,
        merge: Merge,
        label: &'static str,
        about: &'static str,
        edit: Edit,
    ) -> Field {
        Field {
            key: Cow::Borrowed(key),
            ty,
            merge,
            label: Cow::Borrowed(label),
            about: Cow::Borrowed(about),
            edit,
            default: None,
            declared: false,
        }
    }

    /// The key as written in the card file (`fields.priority` for a
    /// declared field).
    pub fn path(&self) -> Cow<'_, str> {
        if self.declared {
            Cow::Owned(format!("{DECLARED}.{}", self.key))
        } else {
            Cow::Borrowed(&self.key)
        }
    }

    /// The top-level key it lives under (`hypothesis` for
    /// `hypothesis.target`).
    pub fn top(&self) -> &str {
        if self.declared {
            DECLARED
        } else {
            self.key.split('.').next().unwrap_or(&self.key)
        }
    }

    /// Whether `--set` and the field editor may change it.
    pub fn settable(&self) -> bool {
        self.edit == Edit::Free
    }

    /// Check a value read from a file or given by `--set` (`Null`:
    /// absent, always fine). The error says what is expected.
    pub fn check(&self, v: &Value) -> Result<(), String> {
        if v.is_null() {
            return Ok(());
        }
        check_type(&self.ty, v)
    }

    /// Read a value a person typed (a prompt, `--where`): the text as this
    /// field's type, checked. Empty text removes the value (`Null`).
    pub fn parse_input(&self, text: &str, today: i64) -> Result<Value, String> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(Value::Null);
        }
        let v = match &self.ty {
            Type::Date => {
                let day = date::parse_relative(t, today)?;
                Value::String(date::format_date(day))
            }
            Type::Number => match serde_yaml::from_str::<Value>(t) {
                Ok(v @ Value::Number(_)) => v,
                _ => return Err(format!("{t:?} is not a number")),
            },
            Type::Bool => match t.to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "on" => Value::Bool(true),
                "false" | "no" | "n" | "off" => Value::Bool(false),
                _ => return Err(format!("{t:?} is not yes or no")),
            },
            Type::Texts | Type::People | Type::CardIds => Value::Sequence(
                t.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
            ),
            Type::Choice(values) => {
                let lower = t.to_ascii_lowercase();
                match values.iter().find(|c| c.to_ascii_lowercase() == lower) {
                    Some(c) => Value::String(c.to_string()),
                    None => return Err(not_one_of(t, values)),
                }
            }
            _ => Value::String(t.to_string()),
        };
        self.check(&v)?;
        Ok(v)
    }

    /// A value as one line for people (lists joined with commas).
    pub fn show(&self, v: &Value) -> String {
        show_value(v)
    }
}

/// A value as one line for people.
pub fn show_value(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Sequence(items) => items.iter().map(show_value).collect::<Vec<_>>().join(", "),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn not_one_of(t: &str, values: &[Cow<'static, str>]) -> String {
    format!(
        "{t:?} is not one of {}",
        values
            .iter()
            .map(|v| v.as_ref())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The one date rule: `YYYY-MM-DD`, or a full RFC 3339 timestamp.
pub fn is_date(s: &str) -> bool {
    date::parse_date(s).is_some() || date::parse_timestamp(s).is_some()
}

fn check_type(ty: &Type, v: &Value) -> Result<(), String> {
    let text = |v: &Value| match v {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Ok(()),
        other => Err(format!("expected text, found {}", type_name(other))),
    };
    let list = |v: &Value, item: &dyn Fn(&Value) -> Result<(), String>| match v {
        Value::Sequence(items) => items.iter().try_for_each(item),
        other => Err(format!("expected a list, found {}", type_name(other))),
    };
    match ty {
        Type::Text | Type::LongText | Type::Person | Type::Kind | Type::Lane | Type::Rank => {
            text(v)
        }
        Type::Id | Type::CardId => match v {
            Value::String(s) if super::id::is_valid(s) => Ok(()),
            Value::String(s) => Err(format!("{s:?} is not a card id")),
            other => Err(format!("expected a card id, found {}", type_name(other))),
        },
        Type::Date => match v {
            Value::String(s) if is_date(s) => Ok(()),
            Value::String(s) => Err(format!("{s:?} is not a date (expected YYYY-MM-DD)")),
            other => Err(format!(
                "expected a date (YYYY-MM-DD), found {}",
                type_name(other)
            )),
        },
        Type::Timestamp => match v {
            Value::String(s) if date::parse_timestamp(s).is_some() => Ok(()),
            Value::String(s) => Err(format!(
                "{s:?} is not a timestamp (expected e.g. 2026-11-27T10:00:00Z)"
            )),
            other => Err(format!("expected a timestamp, found {}", type_name(other))),
        },
        Type::Bool => match v {
            Value::Bool(_) => Ok(()),
            other => Err(format!(
                "expected true or false, found {}",
                type_name(other)
            )),
        },
        Type::Number => match v {
            Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Ok(()),
            Value::Number(_) => Err("expected a finite number".into()),
            other => Err(format!("expected a number, found {}", type_name(other))),
        },
        Type::Choice(values) => match v {
            Value::String(s) if values.iter().any(|c| c == s) => Ok(()),
            Value::String(s) => Err(not_one_of(s, values)),
            other => Err(format!(
                "expected one of {}, found {}",
                values
                    .iter()
                    .map(|v| v.as_ref())
                    .collect::<Vec<_>>()
                    .join(", "),
                type_name(other)
            )),
        },
        Type::Texts | Type::People => list(v, &text),
        Type::CardIds => list(v, &|i| check_type(&Type::CardId, i)),
        Type::Group | Type::Record | Type::Declared => match v {
            Value::Mapping(_) => Ok(()),
            other => Err(format!(
                "expected a mapping of fields, found {}",
                type_name(other)
            )),
        },
        Type::Checklist | Type::Journal => match v {
            Value::Sequence(_) => Ok(()),
            other => Err(format!("expected a list, found {}", type_name(other))),
        },
    }
}

/// Where a card's declared fields are stored.
pub const DECLARED: &str = "fields";

use Edit::{Command, Free, Never};
use Merge::{Append, Group as Nested, Placement, Scalar, Set};

/// The built-in fields, in the order they are written in a card file
/// (nested fields right after their group).
pub static BUILTIN: [Field; 42] = [
    Field::builtin("id", Type::Id, Scalar, "id", "the card's id", Never),
    Field::builtin(
        "title",
        Type::Text,
        Scalar,
        "title",
        "what the card is about, in a line",
        Free,
    ),
    Field::builtin(
        "lane",
        Type::Lane,
        Placement,
        "lane",
        "where the card is",
        Command("lanes move"),
    ),
    Field::builtin(
        "rank",
        Type::Rank,
        Placement,
        "rank",
        "its place in the lane",
        Command("lanes move"),
    ),
    Field::builtin(
        "kind",
        Type::Kind,
        Scalar,
        "kind",
        "task, hypothesis, experiment, or the board's own",
        Free,
    ),
    Field::builtin(
        "labels",
        Type::Texts,
        Set,
        "labels",
        "labels, comma-separated",
        Free,
    ),
    Field::builtin(
        "assignees",
        Type::People,
        Set,
        "assignees",
        "who works on it, comma-separated",
        Free,
    ),
    Field::builtin(
        "created",
        Type::Date,
        Scalar,
        "created",
        "when the card was made",
        Free,
    ),
    Field::builtin(
        "due",
        Type::Date,
        Scalar,
        "due",
        "when it is due (YYYY-MM-DD, +3d, fri)",
        Free,
    ),
    Field::builtin(
        "archived",
        Type::Bool,
        Scalar,
        "archived",
        "hidden from the board",
        Command("lanes archive"),
    ),
    Field::builtin(
        "depends_on",
        Type::CardIds,
        Set,
        "depends on",
        "cards this one waits for (blocked until each is done)",
        Command("lanes link --depends-on"),
    ),
    Field::builtin(
        "parent",
        Type::CardId,
        Scalar,
        "parent",
        "the card this one is part of",
        Command("lanes link --parent"),
    ),
    Field::builtin(
        "supersedes",
        Type::CardIds,
        Set,
        "supersedes",
        "cards this one replaces (a newer hypothesis, a new decision)",
        Command("lanes link --supersedes"),
    ),
    Field::builtin(
        "relates",
        Type::CardIds,
        Set,
        "relates to",
        "cards to see also",
        Command("lanes link --relates"),
    ),
    Field::builtin(
        "rests_on",
        Type::CardIds,
        Set,
        "rests on",
        "the hypotheses and experiments a decision was taken on",
        Command("lanes link --rests-on"),
    ),
    Field::builtin(
        "claim",
        Type::Record,
        Merge::Claim,
        "claim",
        "who works on it now, and until when",
        Command("lanes claim"),
    ),
    Field::builtin(
        "hypothesis",
        Type::Group,
        Nested,
        "hypothesis",
        "what the card claims and how it is tested",
        Free,
    ),
    Field::builtin(
        "hypothesis.statement",
        Type::LongText,
        Scalar,
        "statement",
        "what you expect, and why",
        Free,
    ),
    Field::builtin(
        "hypothesis.metric",
        Type::Text,
        Scalar,
        "metric",
        "the metric that decides it (precision@10)",
        Free,
    ),
    Field::builtin(
        "hypothesis.metric_key",
        Type::Text,
        Scalar,
        "metric key",
        "the metric's name in the runs (precision_at_10), if not the metric",
        Free,
    ),
    Field::builtin(
        "hypothesis.direction",
        Type::Choice(Cow::Borrowed(DIRECTIONS)),
        Scalar,
        "direction",
        "whether higher or lower is better",
        Free,
    ),
    Field::builtin(
        "hypothesis.baseline",
        Type::Number,
        Scalar,
        "baseline",
        "the metric's value today",
        Free,
    ),
    Field::builtin(
        "hypothesis.target",
        Type::Number,
        Scalar,
        "target",
        "the value that would support it",
        Free,
    ),
    Field::builtin(
        "hypothesis.result",
        Type::Number,
        Scalar,
        "result",
        "the value measured",
        Free,
    ),
    Field::builtin(
        "hypothesis.verdict",
        Type::Choice(Cow::Borrowed(VERDICTS)),
        Scalar,
        "verdict",
        "open, supported, refuted or inconclusive",
        Command("lanes verdict"),
    ),
    Field::builtin(
        "hypothesis.rationale",
        Type::LongText,
        Scalar,
        "rationale",
        "why the verdict holds when its numbers say otherwise",
        Command("lanes verdict --because"),
    ),
    Field::builtin(
        "hypothesis.evidence",
        Type::Record,
        Scalar,
        "evidence",
        "the run the result was read from",
        Never,
    ),
    Field::builtin(
        "experiment",
        Type::Group,
        Nested,
        "experiment",
        "how the card was tried",
        Free,
    ),
    Field::builtin(
        "experiment.runs",
        Type::Texts,
        Set,
        "runs",
        "runs of the experiment (mlflow:ID, dvc:PATH)",
        Free,
    ),
    Field::builtin(
        "experiment.dataset",
        Type::Text,
        Scalar,
        "dataset",
        "the data it ran on",
        Free,
    ),
    Field::builtin(
        "experiment.model",
        Type::Text,
        Scalar,
        "model",
        "the model it trained",
        Free,
    ),
    Field::builtin(
        "experiment.commit",
        Type::Text,
        Scalar,
        "commit",
        "the code's commit",
        Free,
    ),
    Field::builtin(
        "experiment.cost",
        Type::Number,
        Scalar,
        "cost",
        "what it cost (GPU hours, money)",
        Free,
    ),
    Field::builtin(
        "decision",
        Type::Group,
        Nested,
        "decision",
        "what was decided, by whom and when",
        Free,
    ),
    Field::builtin(
        "decision.statement",
        Type::LongText,
        Scalar,
        "decided",
        "what was decided, and why, in full",
        Free,
    ),
    Field::builtin(
        "decision.decided_by",
        Type::Person,
        Scalar,
        "decided by",
        "who decided",
        Free,
    ),
    Field::builtin(
        "decision.decided_at",
        Type::Date,
        Scalar,
        "decided at",
        "when it was decided (YYYY-MM-DD)",
        Free,
    ),
    Field::builtin(
        DECLARED,
        Type::Declared,
        Nested,
        "fields",
        "the team's own fields, declared under fields: in board.yaml",
        Free,
    ),
    Field::builtin(
        "checklist",
        Type::Checklist,
        Merge::Checklist,
        "checklist",
        "steps to tick",
        Command("T on the board"),
    ),
    Field::builtin(
        "journal",
        Type::Journal,
        Append,
        "journal",
        "dated notes, appended only",
        Command("lanes note"),
    ),
    Field::builtin("body", Type::LongText, Scalar, "body", "free text", Free),
    Field::builtin(
        "conflicts",
        Type::Record,
        Scalar,
        "conflicts",
        "values a merge had to choose between",
        Never,
    ),
];

/// A built-in field by its dotted name.
pub fn builtin(key: &str) -> Option<&'static Field> {
    BUILTIN.iter().find(|f| f.key == key)
}

/// The top-level keys of a card file, in order.
pub fn top_keys() -> impl Iterator<Item = &'static str> {
    BUILTIN
        .iter()
        .filter(|f| !f.key.contains('.'))
        .map(|f| f.key.as_ref())
}

/// The fields inside a group (`hypothesis`), in order, by their own key.
pub fn group_keys(group: &str) -> impl Iterator<Item = &str> + '_ {
    BUILTIN.iter().filter_map(move |f| {
        f.key
            .strip_prefix(group)
            .and_then(|rest| rest.strip_prefix('.'))
    })
}

/// How a merge combines the field at `path` (a dotted name as in the file:
/// `labels`, `experiment.runs`, `fields.reviewers`). A declared field
/// merges by its type, which its value shows: a list is a set.
pub fn merge_of(path: &str, value: Option<&Value>) -> Merge {
    if let Some(name) = path
        .strip_prefix(DECLARED)
        .and_then(|r| r.strip_prefix('.'))
    {
        if !name.contains('.') {
            return match value {
                Some(Value::Sequence(items)) if items.iter().all(is_scalar) => Set,
                _ => Scalar,
            };
        }
    }
    builtin(path).map_or(Scalar, |f| f.merge)
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// The fields of a board: the built-in ones and those board.yaml declares.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// Declared fields, in the order board.yaml lists them.
    pub declared: Vec<Field>,
}

/// Where a declared field's shown value comes from ([`Schema::shown`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// The card has it.
    Set,
    /// board.yaml's default (the card has none).
    Default,
    /// The card has it, and board.yaml does not declare it.
    Undeclared,
}

impl Shown {
    /// What is said after the value.
    pub fn note(self) -> &'static str {
        match self {
            Shown::Set => "",
            Shown::Default => "  (default)",
            Shown::Undeclared => "  (not declared in board.yaml)",
        }
    }
}

/// The types a declared field may have, as board.yaml names them.
pub const DECLARED_TYPES: &[&str] = &[
    "text", "number", "date", "enum", "person", "people", "list", "bool", "card", "cards",
];

impl Schema {
    /// Read board.yaml's `fields:` mapping (`path` names it for errors).
    pub fn from_value(v: Value, path: &str) -> FieldResult<Schema> {
        let Value::Mapping(m) = v else {
            return Err(FieldError::new(
                path,
                format!(
                    "expected a mapping of field names to their types, found {}",
                    type_name(&v)
                ),
            ));
        };
        let mut declared: Vec<Field> = Vec::new();
        for (k, spec) in m {
            let Some(name) = k.as_str().map(str::to_string) else {
                return Err(FieldError::new(path, "a field's name must be text"));
            };
            let here = super::value::join(path, &name);
            if !is_field_name(&name) {
                return Err(FieldError::new(
                    &here,
                    format!("{name:?} is not a field name (lowercase letters, digits and _, starting with a letter)"),
                ));
            }
            if top_keys().any(|t| t == name) || group_keys("hypothesis").any(|t| t == name) {
                return Err(FieldError::new(
                    &here,
                    format!("{name:?} is a built-in field; give yours another name"),
                ));
            }
            if declared.iter().any(|f| f.key == name) {
                return Err(FieldError::new(
                    &here,
                    format!("{name:?} is declared twice"),
                ));
            }
            declared.push(declared_field(name, spec, &here)?);
        }
        Ok(Schema { declared })
    }

    /// The mapping board.yaml holds for these fields.
    pub fn to_value(&self) -> Value {
        let mut m = Mapping::new();
        for f in &self.declared {
            let mut spec = Mapping::new();
            let (ty, values) = match &f.ty {
                Type::Text => ("text", None),
                Type::Number => ("number", None),
                Type::Date => ("date", None),
                Type::Choice(v) => ("enum", Some(v)),
                Type::Person => ("person", None),
                Type::People => ("people", None),
                Type::Texts => ("list", None),
                Type::Bool => ("bool", None),
                Type::CardId => ("card", None),
                Type::CardIds => ("cards", None),
                _ => ("text", None),
            };
            spec.insert("type".into(), ty.into());
            if let Some(values) = values {
                spec.insert(
                    "values".into(),
                    Value::Sequence(
                        values
                            .iter()
                            .map(|v| Value::String(v.to_string()))
                            .collect(),
                    ),
                );
            }
            if let Some(d) = &f.default {
                spec.insert("default".into(), d.clone());
            }
            if f.about != f.key {
                spec.insert("about".into(), Value::String(f.about.to_string()));
            }
            m.insert(Value::String(f.key.to_string()), Value::Mapping(spec));
        }
        Value::Mapping(m)
    }

    /// A field by name: a built-in dotted name, or a declared field's name
    /// (also as `fields.<name>`).
    pub fn get(&self, name: &str) -> Option<&Field> {
        let own = name
            .strip_prefix(DECLARED)
            .and_then(|r| r.strip_prefix('.'))
            .unwrap_or(name);
        self.declared
            .iter()
            .find(|f| f.key == own)
            .or_else(|| builtin(name))
    }

    /// A card's declared fields for people, in board.yaml's order: (label,
    /// value as text, where it comes from). A declared field the card
    /// lacks shows its default; fields board.yaml does not declare (any
    /// more) come last, as the card has them.
    pub fn shown(&self, fields: &Mapping) -> Vec<(String, String, Shown)> {
        let mut out: Vec<(String, String, Shown)> = Vec::new();
        for f in &self.declared {
            match (fields.get(f.key.as_ref()), &f.default) {
                (Some(v), _) => out.push((f.label.to_string(), show_value(v), Shown::Set)),
                (None, Some(d)) => out.push((f.label.to_string(), show_value(d), Shown::Default)),
                (None, None) => {}
            }
        }
        for (k, v) in fields {
            let Some(k) = k.as_str() else { continue };
            if !self.declared.iter().any(|f| f.key == k) {
                out.push((k.to_string(), show_value(v), Shown::Undeclared));
            }
        }
        out
    }

    /// Every field a person may set, built-in then declared.
    pub fn settable(&self) -> impl Iterator<Item = &Field> {
        BUILTIN
            .iter()
            .filter(|f| f.settable() && !matches!(f.ty, Type::Group | Type::Declared))
            .chain(self.declared.iter())
    }
}

/// A name a team may give its own field: lower case letters, digits and
/// `_`, starting with a letter.
pub fn is_field_name(s: &str) -> bool {
    s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn declared_field(name: String, spec: Value, path: &str) -> FieldResult<Field> {
    // `priority: number` is short for `priority: {type: number}`.
    let spec = match spec {
        Value::String(t) => {
            let mut m = Mapping::new();
            m.insert("type".into(), Value::String(t));
            Value::Mapping(m)
        }
        other => other,
    };
    let mut f = super::value::Fields::new(spec, path)?;
    let ty_name = f.required_string("type")?;
    let values = f.strings("values")?;
    let about = f.string("about")?;
    let default = f.take("default");
    let ty_path = super::value::join(path, "type");
    let ty = match ty_name.as_str() {
        "text" => Type::Text,
        "number" => Type::Number,
        "date" => Type::Date,
        "person" => Type::Person,
        "people" => Type::People,
        "list" => Type::Texts,
        "bool" => Type::Bool,
        "card" => Type::CardId,
        "cards" => Type::CardIds,
        "enum" => {
            if values.is_empty() {
                return Err(FieldError::new(
                    super::value::join(path, "values"),
                    "an enum field needs its values, e.g. values: [low, medium, high]",
                ));
            }
            Type::Choice(Cow::Owned(values.into_iter().map(Cow::Owned).collect()))
        }
        other => {
            return Err(FieldError::new(
                ty_path,
                format!(
                    "{other:?} is not a field type; types are {}",
                    DECLARED_TYPES.join(", ")
                ),
            ))
        }
    };
    let rest = f.rest();
    if let Some((k, _)) = rest.iter().next() {
        return Err(FieldError::new(
            super::value::join(path, k.as_str().unwrap_or("?")),
            "unknown key; a field declares type, values (for enum), default and about",
        ));
    }
    let merge = match ty {
        Type::Texts | Type::People | Type::CardIds => Set,
        _ => Scalar,
    };
    let field = Field {
        label: Cow::Owned(name.replace('_', " ")),
        about: Cow::Owned(about.unwrap_or_else(|| name.clone())),
        key: Cow::Owned(name),
        ty,
        merge,
        edit: Free,
        default: None,
        declared: true,
    };
    if let Some(d) = default {
        field
            .check(&d)
            .map_err(|e| FieldError::new(super::value::join(path, "default"), e))?;
        return Ok(Field {
            default: Some(d),
            ..field
        });
    }
    Ok(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(yaml: &str) -> FieldResult<Schema> {
        Schema::from_value(serde_yaml::from_str(yaml).unwrap(), "fields")
    }

    #[test]
    fn declared_fields_are_read_in_order_and_checked() {
        let s = schema(
            "priority: {type: enum, values: [low, medium, high], default: medium}\neffort_days: {type: number}\nreviewer: person\ndecide_by: {type: date}\n",
        )
        .unwrap();
        let names: Vec<&str> = s.declared.iter().map(|f| f.key.as_ref()).collect();
        assert_eq!(names, ["priority", "effort_days", "reviewer", "decide_by"]);
        let p = s.get("priority").unwrap();
        assert_eq!(
            p.check(&"urgent".into()).unwrap_err(),
            "\"urgent\" is not one of low, medium, high"
        );
        assert_eq!(p.parse_input("HIGH", 0).unwrap(), Value::from("high"));
        assert_eq!(s.get("fields.priority").unwrap().key, "priority");
        assert!(s.get("effort_days").unwrap().check(&"x".into()).is_err());
        assert_eq!(
            s.get("decide_by").unwrap().parse_input("+1d", 0).unwrap(),
            Value::from("1970-01-02")
        );
        assert_eq!(
            schema(&serde_yaml::to_string(&s.to_value()).unwrap()).unwrap(),
            s
        );
    }

    #[test]
    fn bad_declarations_name_the_place() {
        assert_eq!(schema("due: text\n").unwrap_err().field, "fields.due");
        assert_eq!(
            schema("x: {type: colour}\n").unwrap_err().field,
            "fields.x.type"
        );
        assert_eq!(
            schema("x: {type: enum}\n").unwrap_err().field,
            "fields.x.values"
        );
        assert_eq!(
            schema("x: {type: number, default: lots}\n")
                .unwrap_err()
                .field,
            "fields.x.default"
        );
        assert_eq!(schema("Bad: text\n").unwrap_err().field, "fields.Bad");
    }

    #[test]
    fn the_table_orders_the_file_and_knows_merge_kinds() {
        let top: Vec<&str> = top_keys().collect();
        assert_eq!(top[..5], ["id", "title", "lane", "rank", "kind"]);
        assert!(group_keys("hypothesis").any(|k| k == "target"));
        assert_eq!(merge_of("labels", None), Set);
        assert_eq!(merge_of("experiment.runs", None), Set);
        assert_eq!(merge_of("title", None), Scalar);
        let list = Value::Sequence(vec!["a".into()]);
        assert_eq!(merge_of("fields.reviewers", Some(&list)), Set);
        assert_eq!(merge_of("fields.priority", Some(&"high".into())), Scalar);
    }

    #[test]
    fn numbers_are_checked() {
        let f = builtin("hypothesis.target").unwrap();
        assert_eq!(f.parse_input("0.25", 0).unwrap(), Value::from(0.25));
        assert!(f.parse_input("abc", 0).is_err());
        assert!(f.parse_input("NaN", 0).is_err());
    }
}
