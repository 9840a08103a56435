//! Helpers for reading typed fields out of a parsed YAML mapping, with
//! errors that name the field (the store turns the name into line:column).

use serde_yaml::{Mapping, Value};
use std::fmt;

/// A problem with one field of a document. `field` is a dotted path such as
/// `hypothesis.verdict` or `journal.2.at` (empty for the whole document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    /// The words in the field's value the problem is about (a filter's
    /// term, a lane in a list), so its position can be given exactly.
    pub near: Option<String>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
            near: None,
        }
    }

    /// The problem is about `words` inside the field's value.
    pub fn near(mut self, words: impl Into<String>) -> Self {
        self.near = Some(words.into());
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

pub type FieldResult<T> = Result<T, FieldError>;

/// Join a parent path and a key.
pub fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// A short description of a value's type for error messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// Reads fields out of a mapping, taking each known key so that what is
/// left over are the unknown fields to preserve, in file order. (Entries
/// are taken out of a list rather than removed from the map, which would
/// shift the rest each time.)
pub struct Fields {
    entries: Vec<(Value, Option<Value>)>,
    path: String,
}

impl Fields {
    pub fn new(value: Value, path: &str) -> FieldResult<Self> {
        match value {
            Value::Mapping(map) => Ok(Fields {
                entries: map.into_iter().map(|(k, v)| (k, Some(v))).collect(),
                path: path.to_string(),
            }),
            other => Err(FieldError::new(
                path,
                format!("expected a mapping of fields, found {}", type_name(&other)),
            )),
        }
    }

    pub fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    pub fn take(&mut self, key: &str) -> Option<Value> {
        let slot = self
            .entries
            .iter_mut()
            // The key itself, not a tagged one (`!x title`), which
            // `as_str` would see through: that one stays an unknown field.
            .find(|(k, v)| v.is_some() && matches!(k, Value::String(s) if s == key))
            .and_then(|(_, v)| v.take());
        match slot {
            Some(Value::Null) | None => None,
            Some(v) => Some(v),
        }
    }

    pub fn string(&mut self, key: &str) -> FieldResult<Option<String>> {
        let path = self.path(key);
        self.take(key).map(|v| scalar_string(v, &path)).transpose()
    }

    pub fn required_string(&mut self, key: &str) -> FieldResult<String> {
        match self.string(key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(FieldError::new(self.path(key), "is required")),
        }
    }

    pub fn bool(&mut self, key: &str) -> FieldResult<Option<bool>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(FieldError::new(
                self.path(key),
                format!("expected true or false, found {}", type_name(&other)),
            )),
        }
    }

    pub fn u32(&mut self, key: &str) -> FieldResult<Option<u32>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) if n.as_u64().is_some_and(|x| x <= u32::MAX as u64) => {
                Ok(n.as_u64().map(|x| x as u32))
            }
            Some(other) => Err(FieldError::new(
                self.path(key),
                format!("expected a whole number, found {}", describe(&other)),
            )),
        }
    }

    /// A number or a short text (metrics may be `0.232` or `+10%`).
    pub fn scalar(&mut self, key: &str) -> FieldResult<Option<Value>> {
        match self.take(key) {
            None => Ok(None),
            Some(v @ (Value::Number(_) | Value::String(_) | Value::Bool(_))) => Ok(Some(v)),
            Some(other) => Err(FieldError::new(
                self.path(key),
                format!("expected a number or text, found {}", type_name(&other)),
            )),
        }
    }

    pub fn strings(&mut self, key: &str) -> FieldResult<Vec<String>> {
        let path = self.path(key);
        match self.take(key) {
            None => Ok(Vec::new()),
            Some(Value::Sequence(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| scalar_string(v, &join(&path, &i.to_string())))
                .collect(),
            // A single value where a list is expected is read as a list of one.
            Some(v @ (Value::String(_) | Value::Number(_))) => Ok(vec![scalar_string(v, &path)?]),
            Some(other) => Err(FieldError::new(
                path,
                format!("expected a list, found {}", type_name(&other)),
            )),
        }
    }

    pub fn list(&mut self, key: &str) -> FieldResult<Vec<(String, Value)>> {
        let path = self.path(key);
        match self.take(key) {
            None => Ok(Vec::new()),
            Some(Value::Sequence(items)) => Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (join(&path, &i.to_string()), v))
                .collect()),
            Some(other) => Err(FieldError::new(
                path,
                format!("expected a list, found {}", type_name(&other)),
            )),
        }
    }

    pub fn mapping(&mut self, key: &str) -> FieldResult<Option<Fields>> {
        let path = self.path(key);
        self.take(key).map(|v| Fields::new(v, &path)).transpose()
    }

    /// What is left: the fields this version does not know.
    pub fn rest(self) -> Mapping {
        self.entries
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect()
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Number(n) => format!("{n}"),
        Value::String(s) => format!("{s:?}"),
        other => type_name(other).to_string(),
    }
}

/// Text from a scalar; numbers and booleans are accepted as their text.
pub fn scalar_string(v: Value, path: &str) -> FieldResult<String> {
    match v {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(FieldError::new(
            path,
            format!("expected text, found {}", type_name(&other)),
        )),
    }
}

/// Builds a mapping in a fixed key order, leaving out empty fields.
#[derive(Default)]
pub struct MapBuilder {
    map: Mapping,
}

impl MapBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn put(&mut self, key: &str, value: Value) -> &mut Self {
        self.map.insert(Value::String(key.to_string()), value);
        self
    }

    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        self.put(key, Value::String(value.to_string()))
    }

    pub fn opt_str(&mut self, key: &str, value: &Option<String>) -> &mut Self {
        if let Some(v) = value {
            self.str(key, v);
        }
        self
    }

    pub fn opt(&mut self, key: &str, value: &Option<Value>) -> &mut Self {
        if let Some(v) = value {
            self.put(key, v.clone());
        }
        self
    }

    pub fn strings(&mut self, key: &str, values: &[String]) -> &mut Self {
        if !values.is_empty() {
            let seq = values.iter().map(|s| Value::String(s.clone())).collect();
            self.put(key, Value::Sequence(seq));
        }
        self
    }

    pub fn seq(&mut self, key: &str, values: Vec<Value>) -> &mut Self {
        if !values.is_empty() {
            self.put(key, Value::Sequence(values));
        }
        self
    }

    pub fn extra(&mut self, extra: &Mapping) -> &mut Self {
        for (k, v) in extra {
            self.map.insert(k.clone(), v.clone());
        }
        self
    }

    pub fn build(&mut self) -> Mapping {
        std::mem::take(&mut self.map)
    }
}
