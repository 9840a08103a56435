//! A hypothesis's evidence: where its `result` came from (a run in an
//! MLflow store, a DVC metrics file), with the run's provenance, so that a
//! verdict can be traced and checked months later.
//!
//! Kept on the card as `hypothesis.evidence`, a mapping written after
//! `verdict` in a fixed key order. A lanes that predates it keeps it as an
//! unknown field; a malformed one never makes the card unreadable (it is
//! reported where it is shown).

use super::value::{FieldResult, Fields, MapBuilder};
use super::{Hypothesis, Verdict};
use serde_yaml::{Mapping, Number, Value};
use std::collections::BTreeMap;

/// The key of the evidence mapping inside `hypothesis`.
pub const KEY: &str = "evidence";

/// The provenance of a recorded result.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evidence {
    /// Where the value was read: `mlflow:<run id>` or `dvc:<path>#<key>`.
    pub source: String,
    /// The MLflow store it was read from, relative to the repository root
    /// when inside it.
    pub store: Option<String>,
    /// The metric key as the run logged it.
    pub metric: String,
    /// How that key was chosen: `given` (named when recording),
    /// `metric_key` (the hypothesis's `metric_key`), `metric` (the
    /// hypothesis's `metric`, as written) or `name` (the hypothesis's
    /// `metric` by MLflow's name rules: `precision@10` ~ `precision_at_10`).
    pub metric_from: Option<String>,
    /// The step of the value read (the last one logged).
    pub step: Option<i64>,
    /// The value read: `result` when it was recorded.
    pub value: f64,
    /// When the run ended (else started), RFC 3339 UTC.
    pub run_time: Option<String>,
    /// The code commit the run recorded, else HEAD when it was recorded.
    pub commit: Option<String>,
    /// `run` (the run's own record) or `head` (HEAD when recorded).
    pub commit_from: Option<String>,
    /// The work tree had uncommitted changes when lanes ran the command.
    pub dirty: Option<bool>,
    /// The run's parameters, as text, by name.
    pub params: BTreeMap<String, String>,
    /// Hashes of the data the run depended on (from `dvc.lock`), by path.
    pub data: BTreeMap<String, String>,
    /// When lanes recorded it, RFC 3339 UTC.
    pub recorded_at: Option<String>,
    /// The verdict lanes gave from the value, if it gave one.
    pub verdict: Option<Verdict>,
    /// Fields this version does not know.
    pub extra: Mapping,
}

fn text_map(m: &BTreeMap<String, String>) -> Value {
    Value::Mapping(
        m.iter()
            .map(|(k, v)| (Value::String(k.clone()), Value::String(v.clone())))
            .collect(),
    )
}

fn read_text_map(f: &mut Fields, key: &str) -> FieldResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    if let Some(m) = f.mapping(key)? {
        for (k, v) in m.rest() {
            let k = match k {
                Value::String(s) => s,
                other => super::value::scalar_string(other, key)?,
            };
            let v = super::value::scalar_string(v, &format!("{key}.{k}"))?;
            out.insert(k, v);
        }
    }
    Ok(out)
}

impl Evidence {
    /// Read evidence from its YAML value; `path` names it in errors.
    pub fn from_value(value: Value, path: &str) -> FieldResult<Evidence> {
        let mut f = Fields::new(value, path)?;
        let source = f.required_string("source")?;
        let store = f.string("store")?;
        let metric = f.required_string("metric")?;
        let metric_from = f.string("metric_from")?;
        let step_path = f.path("step");
        let step = match f.scalar("step")? {
            None => None,
            Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
            Some(_) => {
                return Err(super::FieldError::new(
                    step_path,
                    "step must be a whole number",
                ))
            }
        };
        let value_path = f.path("value");
        let value = match f.scalar("value")? {
            Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
            _ => {
                return Err(super::FieldError::new(
                    value_path,
                    "the value read must be a number",
                ))
            }
        };
        let run_time = f.string("run_time")?;
        let commit = f.string("commit")?;
        let commit_from = f.string("commit_from")?;
        let dirty = f.bool("dirty")?;
        let params = read_text_map(&mut f, "params")?;
        let data = read_text_map(&mut f, "data")?;
        let recorded_at = f.string("recorded_at")?;
        let verdict_path = f.path("verdict");
        let verdict = match f.string("verdict")? {
            None => None,
            Some(s) => Some(
                s.parse()
                    .map_err(|e: String| super::FieldError::new(verdict_path, e))?,
            ),
        };
        Ok(Evidence {
            source,
            store,
            metric,
            metric_from,
            step,
            value,
            run_time,
            commit,
            commit_from,
            dirty,
            params,
            data,
            recorded_at,
            verdict,
            extra: f.rest(),
        })
    }

    /// The mapping in its fixed key order, empty fields left out.
    pub fn to_value(&self) -> Value {
        let mut b = MapBuilder::new();
        b.str("source", &self.source)
            .opt_str("store", &self.store)
            .str("metric", &self.metric)
            .opt_str("metric_from", &self.metric_from);
        if let Some(s) = self.step {
            b.put("step", Value::Number(s.into()));
        }
        b.put("value", Value::Number(Number::from(self.value)))
            .opt_str("run_time", &self.run_time)
            .opt_str("commit", &self.commit)
            .opt_str("commit_from", &self.commit_from);
        if let Some(d) = self.dirty {
            b.put("dirty", Value::Bool(d));
        }
        if !self.params.is_empty() {
            b.put("params", text_map(&self.params));
        }
        if !self.data.is_empty() {
            b.put("data", text_map(&self.data));
        }
        b.opt_str("recorded_at", &self.recorded_at)
            .opt_str("verdict", &self.verdict.map(|v| v.as_str().to_string()))
            .extra(&self.extra);
        Value::Mapping(b.build())
    }

    /// The run id, for a source that names a run.
    pub fn run_id(&self) -> Option<&str> {
        self.source.strip_prefix("mlflow:")
    }
}

impl Hypothesis {
    /// The hypothesis's evidence: `None` when it has none, an error when
    /// the mapping cannot be read.
    pub fn evidence(&self) -> Option<FieldResult<Evidence>> {
        self.extra
            .get(KEY)
            .map(|v| Evidence::from_value(v.clone(), "hypothesis.evidence"))
    }

    /// Set (or with `None` remove) the evidence, written first among the
    /// fields after `verdict`.
    pub fn set_evidence(&mut self, evidence: Option<&Evidence>) {
        let mut extra = Mapping::new();
        if let Some(e) = evidence {
            extra.insert(Value::String(KEY.into()), e.to_value());
        }
        for (k, v) in std::mem::take(&mut self.extra) {
            if k.as_str() != Some(KEY) {
                extra.insert(k, v);
            }
        }
        self.extra = extra;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Evidence {
        Evidence {
            source: "mlflow:8c1f2e".into(),
            store: Some("mlflow.db".into()),
            metric: "precision_at_10".into(),
            metric_from: Some("name".into()),
            step: Some(20),
            value: 0.232,
            run_time: Some("2026-11-02T10:14:00Z".into()),
            commit: Some("9f2c1ab".into()),
            commit_from: Some("run".into()),
            dirty: None,
            params: [("lr".to_string(), "0.01".to_string())].into(),
            data: [("data/clicks.csv".to_string(), "3f2a".to_string())].into(),
            recorded_at: Some("2026-11-02T10:20:00Z".into()),
            verdict: Some(Verdict::Supported),
            extra: Mapping::new(),
        }
    }

    #[test]
    fn evidence_round_trips_in_a_fixed_order() {
        let e = sample();
        let v = e.to_value();
        let keys: Vec<_> = v
            .as_mapping()
            .unwrap()
            .keys()
            .filter_map(|k| k.as_str())
            .collect();
        assert_eq!(
            keys,
            [
                "source",
                "store",
                "metric",
                "metric_from",
                "step",
                "value",
                "run_time",
                "commit",
                "commit_from",
                "params",
                "data",
                "recorded_at",
                "verdict"
            ]
        );
        assert_eq!(Evidence::from_value(v, "e").unwrap(), e);
    }

    #[test]
    fn evidence_goes_first_after_the_known_fields_and_keeps_others() {
        let mut h = Hypothesis::default();
        h.extra.insert("later".into(), Value::from(1));
        h.set_evidence(Some(&sample()));
        let keys: Vec<_> = h.extra.keys().filter_map(|k| k.as_str()).collect();
        assert_eq!(keys, ["evidence", "later"]);
        assert_eq!(h.evidence().unwrap().unwrap(), sample());
        h.set_evidence(None);
        assert!(h.evidence().is_none());
        assert_eq!(h.extra.len(), 1);
    }

    #[test]
    fn malformed_evidence_is_an_error_naming_the_field() {
        let mut h = Hypothesis::default();
        h.extra.insert(
            "evidence".into(),
            serde_yaml::from_str("{source: x}").unwrap(),
        );
        let e = h.evidence().unwrap().unwrap_err();
        assert_eq!(e.field, "hypothesis.evidence.metric");
    }
}
