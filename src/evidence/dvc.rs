//! DVC: metrics files (JSON, YAML or TOML, as `dvc metrics show` reads
//! them; DVCLive's `dvclive/metrics.json` among them) and `dvc.lock`, whose
//! hashes say which data a result was computed from.

use crate::store::read::{self, Links, Rules};
use anyhow::{anyhow, bail, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// `dvc.lock`: large pipelines (`foreach` stages over many files) make
/// long ones, but not this long.
pub const LOCK_FILE: Rules = Rules {
    what: "dvc.lock files",
    max_bytes: 32 << 20,
    links: Links::Inside,
    root: "the repository",
};

/// A metrics file: a few numbers, in practice.
pub const METRICS_FILE: Rules = Rules {
    what: "metrics files",
    max_bytes: 16 << 20,
    links: Links::Inside,
    root: "the repository",
};

/// DVCLive's `params.yaml` beside a metrics file.
pub const PARAMS_FILE: Rules = Rules {
    what: "params files",
    max_bytes: 1 << 20,
    ..METRICS_FILE
};

/// A metrics file's content: numbers in nested mappings.
#[derive(Debug, Clone, PartialEq)]
pub enum Tree {
    Number(f64),
    Map(Vec<(String, Tree)>),
    /// Text, lists, booleans: not metrics.
    Other,
    /// A NaN or infinite value as the file spelled it (`NaN`, `.inf`).
    NonFinite(String),
}

impl Tree {
    fn get(&self, key: &str) -> Option<&Tree> {
        match self {
            Tree::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value at a dotted path; a key may itself hold dots
    /// (`train.loss` as one key or as `train: {loss: …}`).
    pub fn at(&self, segs: &[&str]) -> Option<&Tree> {
        if segs.is_empty() {
            return Some(self);
        }
        for i in (1..=segs.len()).rev() {
            if let Some(child) = self.get(&segs[..i].join(".")) {
                if let Some(t) = child.at(&segs[i..]) {
                    return Some(t);
                }
            }
        }
        None
    }

    /// Every metric (numeric leaf) as (dotted path, tree).
    pub fn leaves(&self) -> Vec<(String, &Tree)> {
        let mut out = Vec::new();
        fn walk<'a>(t: &'a Tree, path: &str, out: &mut Vec<(String, &'a Tree)>) {
            match t {
                Tree::Map(m) => {
                    for (k, v) in m {
                        let p = if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        };
                        walk(v, &p, out);
                    }
                }
                Tree::Number(_) | Tree::NonFinite(_) => out.push((path.to_string(), t)),
                Tree::Other => {}
            }
        }
        walk(self, "", &mut out);
        out
    }
}

fn from_json(v: serde_json::Value) -> Tree {
    match v {
        serde_json::Value::Number(n) => n.as_f64().map_or(Tree::Other, Tree::Number),
        serde_json::Value::Object(m) => {
            Tree::Map(m.into_iter().map(|(k, v)| (k, from_json(v))).collect())
        }
        _ => Tree::Other,
    }
}

fn from_yaml(v: serde_yaml::Value) -> Tree {
    use serde_yaml::Value;
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.is_finite() => Tree::Number(f),
            Some(f) => Tree::NonFinite(f.to_string()),
            None => Tree::Other,
        },
        Value::Mapping(m) => Tree::Map(
            m.into_iter()
                .filter_map(|(k, v)| {
                    let k = match k {
                        Value::String(s) => s,
                        Value::Number(n) => n.to_string(),
                        _ => return None,
                    };
                    Some((k, from_yaml(v)))
                })
                .collect(),
        ),
        Value::Tagged(t) => from_yaml(t.value),
        _ => Tree::Other,
    }
}

fn from_toml(v: toml::Value) -> Tree {
    match v {
        toml::Value::Float(f) if f.is_finite() => Tree::Number(f),
        toml::Value::Float(f) => Tree::NonFinite(f.to_string()),
        toml::Value::Integer(i) => Tree::Number(i as f64),
        toml::Value::Table(t) => Tree::Map(t.into_iter().map(|(k, v)| (k, from_toml(v))).collect()),
        _ => Tree::Other,
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Read a metrics file; `shown` is how errors name it.
pub fn parse_metrics(text: &str, shown: &str) -> Result<Tree> {
    let ext = Path::new(shown)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "json" => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => Ok(from_json(v)),
            Err(e) => {
                // Python's json writes NaN and Infinity, which JSON has not.
                let offset = text
                    .lines()
                    .take(e.line().saturating_sub(1))
                    .map(|l| l.len() + 1)
                    .sum::<usize>()
                    + e.column().saturating_sub(1);
                let at = text.get(offset..).unwrap_or("");
                for bad in ["NaN", "Infinity", "-Infinity"] {
                    if at.starts_with(bad) {
                        bail!(
                            "{shown}:{}:{}: the value is {bad}, not a finite number",
                            e.line(),
                            e.column()
                        );
                    }
                }
                bail!("{shown}:{}:{}: not valid JSON: {e}", e.line(), e.column())
            }
        },
        "yaml" | "yml" => serde_yaml::from_str::<serde_yaml::Value>(text)
            .map(from_yaml)
            .map_err(|e| {
                let (l, c) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
                anyhow!("{shown}:{l}:{c}: not valid YAML: {e}")
            }),
        "toml" => toml::from_str::<toml::Value>(text)
            .map(from_toml)
            .map_err(|e| {
                let (l, c) = e.span().map_or((1, 1), |s| line_col(text, s.start));
                anyhow!("{shown}:{l}:{c}: not valid TOML: {}", e.message())
            }),
        _ => bail!("{shown}: a DVC metrics file is .json, .yaml, .yml or .toml"),
    }
}

/// A value read from a metrics file.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricValue {
    pub key: String,
    pub value: f64,
    pub step: Option<i64>,
}

/// The metric `key` (a dotted path) of a metrics file.
pub fn metric(tree: &Tree, key: &str, shown: &str) -> Result<MetricValue> {
    let segs: Vec<&str> = key.split('.').collect();
    let step = match tree.get("step") {
        Some(Tree::Number(n)) if n.fract() == 0.0 => Some(*n as i64),
        _ => None,
    };
    match tree.at(&segs) {
        Some(Tree::Number(n)) => Ok(MetricValue {
            key: key.to_string(),
            value: *n,
            step,
        }),
        Some(Tree::NonFinite(s)) => {
            bail!("{shown}: {key} is {s}, not a finite number; nothing was recorded")
        }
        Some(_) => bail!("{shown}: {key} is not a number"),
        None => {
            let leaves = tree.leaves();
            let last = segs.last().copied().unwrap_or(key);
            let elsewhere: Vec<&str> = leaves
                .iter()
                .map(|(p, _)| p.as_str())
                .filter(|p| *p == last || p.ends_with(&format!(".{last}")))
                .collect();
            if let Some(p) = elsewhere.first() {
                bail!(
                    "{shown} has no {key}, but has {}: use dvc:{shown}#{p} (or --metric {p})",
                    elsewhere.join(", ")
                );
            }
            let all: Vec<&str> = leaves.iter().map(|(p, _)| p.as_str()).collect();
            bail!(
                "{shown} has no metric {key}; it has: {}",
                if all.is_empty() {
                    "none".to_string()
                } else {
                    all.join(", ")
                }
            )
        }
    }
}

/// A stage of `dvc.lock`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stage {
    pub name: String,
    pub deps: Vec<(String, String)>,
    pub outs: Vec<(String, String)>,
    pub params: BTreeMap<String, String>,
}

/// `dvc.lock`: what each stage ran on and produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Lock {
    pub stages: Vec<Stage>,
}

fn hash_of(entry: &serde_yaml::Value) -> Option<String> {
    ["md5", "etag", "checksum"]
        .iter()
        .find_map(|k| entry.get(*k))
        .and_then(|v| match v {
            serde_yaml::Value::String(s) => Some(s.clone()),
            serde_yaml::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
}

fn scalar_text(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Null => String::new(),
        other => serde_json::to_string(&crate::store::json::to_json(other)).unwrap_or_default(),
    }
}

impl Lock {
    /// Read `dvc.lock` in `repo_root`, if there is one (a regular file
    /// inside the repository, at most [`LOCK_FILE`]'s bound).
    pub fn load(repo_root: &Path) -> Result<Option<Lock>> {
        let text = match read::read_within(repo_root, "dvc.lock", &LOCK_FILE)
            .and_then(read::Contents::into_text)
        {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Lock::parse(&text, "dvc.lock").map(Some)
    }

    pub fn parse(text: &str, shown: &str) -> Result<Lock> {
        let v: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
            let (l, c) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
            anyhow!("{shown}:{l}:{c}: not valid YAML: {e}")
        })?;
        let mut lock = Lock::default();
        let Some(stages) = v.get("stages").and_then(|s| s.as_mapping()) else {
            return Ok(lock);
        };
        for (name, s) in stages {
            let list = |k: &str| -> Vec<(String, String)> {
                s.get(k)
                    .and_then(|d| d.as_sequence())
                    .map(|seq| {
                        seq.iter()
                            .filter_map(|e| {
                                let p = e.get("path")?.as_str()?.to_string();
                                Some((p, hash_of(e)?))
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let mut params = BTreeMap::new();
            if let Some(files) = s.get("params").and_then(|p| p.as_mapping()) {
                for (_, values) in files {
                    if let Some(m) = values.as_mapping() {
                        for (k, v) in m {
                            params.insert(scalar_text(k), scalar_text(v));
                        }
                    }
                }
            }
            lock.stages.push(Stage {
                name: scalar_text(name),
                deps: list("deps"),
                outs: list("outs"),
                params,
            });
        }
        Ok(lock)
    }

    /// The stage that produces `path`, if any.
    pub fn producer(&self, path: &str) -> Option<&Stage> {
        let path = path.trim_start_matches("./");
        self.stages.iter().find(|s| {
            s.outs
                .iter()
                .any(|(p, _)| p.trim_start_matches("./") == path)
        })
    }

    /// The data a result depended on: the deps of the stage that produced
    /// `metrics_file`, or (for a run lanes cannot place in the pipeline)
    /// the deps of every stage.
    pub fn depended_on(&self, metrics_file: Option<&str>) -> BTreeMap<String, String> {
        let stages: Vec<&Stage> = match metrics_file.and_then(|m| self.producer(m)) {
            Some(s) => vec![s],
            None => self.stages.iter().collect(),
        };
        stages
            .into_iter()
            .flat_map(|s| s.deps.iter().cloned())
            .collect()
    }

    /// The hash `dvc.lock` holds now for every path it names.
    pub fn current(&self) -> BTreeMap<&str, &str> {
        let mut out = BTreeMap::new();
        for s in &self.stages {
            for (p, h) in s.outs.iter().chain(&s.deps) {
                out.entry(p.as_str()).or_insert(h.as_str());
            }
        }
        out
    }
}

/// Read `key` from the metrics file at `rel` (relative to `repo_root`;
/// a regular file inside the repository, at most [`METRICS_FILE`]'s
/// bound), and its modification time. A file that cannot be read is a
/// [`read::ReadError`].
pub fn read_file(repo_root: &Path, rel: &str, key: &str) -> Result<(MetricValue, Option<i64>)> {
    let file = read::read_within(repo_root, rel, &METRICS_FILE)?;
    let mtime = file
        .modified
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64);
    let text = file.into_text()?;
    let tree = parse_metrics(&text, rel)?;
    let m = metric(&tree, key, rel)?;
    Ok((m, mtime))
}

/// The params DVCLive wrote beside a metrics file, if any.
pub fn params_beside(repo_root: &Path, rel: &str) -> BTreeMap<String, String> {
    let Some(dir) = Path::new(rel).parent() else {
        return BTreeMap::new();
    };
    let file = dir.join("params.yaml");
    let Ok(text) = read::read_within(repo_root, &file.to_string_lossy(), &PARAMS_FILE)
        .and_then(read::Contents::into_text)
    else {
        return BTreeMap::new();
    };
    let Ok(serde_yaml::Value::Mapping(m)) = serde_yaml::from_str(&text) else {
        return BTreeMap::new();
    };
    m.iter()
        .map(|(k, v)| (scalar_text(k), scalar_text(v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_found_by_dotted_path_in_every_format() {
        for (name, text) in [
            ("m.json", r#"{"eval": {"p": 0.2}, "step": 3}"#),
            ("m.yaml", "eval:\n  p: 0.2\nstep: 3\n"),
            ("m.toml", "step = 3\n[eval]\np = 0.2\n"),
            ("m.json", r#"{"eval.p": 0.2, "step": 3}"#),
        ] {
            let t = parse_metrics(text, name).unwrap();
            let m = metric(&t, "eval.p", name).unwrap();
            assert_eq!((m.value, m.step), (0.2, Some(3)), "{name}");
        }
    }

    #[test]
    fn a_key_at_another_path_is_named() {
        let t = parse_metrics(r#"{"eval": {"p": 0.2}}"#, "m.json").unwrap();
        let e = metric(&t, "train.p", "m.json").unwrap_err().to_string();
        assert!(e.contains("has no train.p, but has eval.p"), "{e}");
        let e = metric(&t, "q", "m.json").unwrap_err().to_string();
        assert!(e.contains("it has: eval.p"), "{e}");
    }

    #[test]
    fn non_finite_values_and_bad_files_are_errors_with_positions() {
        let e = parse_metrics("{\"p\": NaN}", "m.json")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("m.json:1:7: the value is NaN"), "{e}");
        let t = parse_metrics("p: .inf\n", "m.yaml").unwrap();
        assert!(metric(&t, "p", "m.yaml").is_err());
        let e = parse_metrics("a = \n", "m.toml").unwrap_err().to_string();
        assert!(e.starts_with("m.toml:1:"), "{e}");
    }
}
