//! `--set FIELD=VALUE`: set a dotted field in a card's YAML value.

use crate::model::card::CARD_KEYS;
use crate::model::Card;
use anyhow::{bail, Result};
use serde_yaml::{Mapping, Value};

const HYPOTHESIS_KEYS: &[&str] = &[
    "statement",
    "metric",
    "metric_key",
    "direction",
    "baseline",
    "target",
    "result",
    "verdict",
    "rationale",
    "evidence",
];
const EXPERIMENT_KEYS: &[&str] = &["runs", "dataset", "model", "commit", "cost"];

/// Set `field` (dotted, list items by index) to `value` in `card_value`.
/// `Null` removes the field. Unknown field names are refused unless the
/// card already has them (a typo should not become a new field).
pub fn set_field(card_value: &mut Value, field: &str, value: Value, card: &Card) -> Result<()> {
    let parts: Vec<&str> = field.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        bail!("{field:?} is not a field name; use names like title or hypothesis.result");
    }
    if parts[0] == "id" {
        bail!("a card's id cannot be changed");
    }
    if parts[0] == "journal" {
        bail!(
            "the journal is append-only: add an entry with `lanes note CARD TEXT` (--set cannot replace, remove or rewrite entries; git history keeps every version of the card)"
        );
    }
    let known = |list: &[&str], key: &str| list.contains(&key);
    let exists = lookup(card_value, &parts).is_some();
    let top_ok = known(CARD_KEYS, parts[0]) || card.extra.contains_key(parts[0]);
    let nested_ok = match (parts[0], parts.get(1)) {
        ("hypothesis", Some(k)) => known(HYPOTHESIS_KEYS, k),
        ("experiment", Some(k)) => known(EXPERIMENT_KEYS, k),
        _ => true,
    };
    if !exists && (!top_ok || !nested_ok) {
        bail!(
            "unknown field {field:?}; card fields are {}, hypothesis.{{{}}}, experiment.{{{}}}",
            CARD_KEYS.join(", "),
            HYPOTHESIS_KEYS.join(","),
            EXPERIMENT_KEYS.join(",")
        );
    }
    let mut cur = card_value;
    for (i, part) in parts.iter().enumerate() {
        let last = i == parts.len() - 1;
        match cur {
            Value::Mapping(m) => {
                let key = Value::String(part.to_string());
                if last {
                    if value.is_null() {
                        m.remove(&key);
                    } else {
                        m.insert(key, value);
                    }
                    return Ok(());
                }
                if !m.contains_key(&key) {
                    m.insert(key.clone(), Value::Mapping(Mapping::new()));
                }
                cur = m.get_mut(&key).expect("just inserted");
            }
            Value::Sequence(seq) => {
                let Ok(index) = part.parse::<usize>() else {
                    bail!("{field:?}: {part:?} is not a list position (0, 1, ...)");
                };
                let len = seq.len();
                if last && index == len && !value.is_null() {
                    seq.push(value);
                    return Ok(());
                }
                if index >= len {
                    bail!("{field:?}: the list has {len} items, so {index} is out of range");
                }
                if last {
                    if value.is_null() {
                        seq.remove(index);
                    } else {
                        seq[index] = value;
                    }
                    return Ok(());
                }
                cur = &mut seq[index];
            }
            _ => bail!(
                "{field:?}: {} is not a mapping or list",
                parts[..i].join(".")
            ),
        }
    }
    Ok(())
}

/// The value at a dotted field name, if present.
pub fn get_field<'a>(v: &'a Value, field: &str) -> Option<&'a Value> {
    let parts: Vec<&str> = field.split('.').collect();
    lookup(v, &parts)
}

fn lookup<'a>(v: &'a Value, parts: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for p in parts {
        cur = match cur {
            Value::Mapping(m) => m.get(*p)?,
            Value::Sequence(s) => s.get(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}
