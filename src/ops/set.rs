//! `--set FIELD=VALUE`: set a dotted field in a card's YAML value.

use crate::error::refused;
use crate::model::field;
use crate::model::Card;
use anyhow::Result;
use serde_yaml::{Mapping, Value};

/// Set `field` (dotted, list items by index) to `value` in `card_value`.
/// `Null` removes the field. Unknown field names are refused unless the
/// card already has them (a typo should not become a new field).
pub fn set_field(card_value: &mut Value, field: &str, value: Value, card: &Card) -> Result<()> {
    let parts: Vec<&str> = field.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(refused(format!(
            "{field:?} is not a field name; use names like title or hypothesis.result"
        )));
    }
    if parts[0] == "id" {
        return Err(refused("a card's id cannot be changed"));
    }
    if parts[0] == "journal" {
        return Err(refused(
            "the journal is append-only: add an entry with `lanes note CARD TEXT` (--set cannot replace, remove or rewrite entries; git history keeps every version of the card)",
        ));
    }
    if parts[0] == crate::model::claim::KEY {
        return Err(refused(
            "a claim is taken with `lanes claim CARD` and given back with `lanes release CARD`; --set cannot write or remove one",
        ));
    }
    let exists = lookup(card_value, &parts).is_some();
    let top_ok = field::top_keys().any(|k| k == parts[0]) || card.extra.contains_key(parts[0]);
    let is_group = |g: &str| field::builtin(g).is_some_and(|f| f.ty == field::Type::Group);
    let nested_ok = match (parts[0], parts.get(1)) {
        (group, Some(k)) if is_group(group) => field::group_keys(group).any(|g| g == *k),
        _ => true,
    };
    if !exists && (!top_ok || !nested_ok) {
        let groups = field::top_keys()
            .filter(|g| is_group(g))
            .map(|g| {
                let keys = field::group_keys(g).collect::<Vec<_>>().join(",");
                format!("{g}.{{{keys}}}")
            })
            .collect::<Vec<_>>()
            .join(", ");
        return Err(refused(format!(
            "unknown field {field:?}; card fields are {}, {groups}",
            field::top_keys()
                .filter(|g| !is_group(g))
                .collect::<Vec<_>>()
                .join(", "),
        )));
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
                cur = m
                    .entry(key)
                    .or_insert_with(|| Value::Mapping(Mapping::new()));
            }
            Value::Sequence(seq) => {
                let Ok(index) = part.parse::<usize>() else {
                    return Err(refused(format!(
                        "{field:?}: {part:?} is not a list position (0, 1, ...)"
                    )));
                };
                let len = seq.len();
                if last && index == len && !value.is_null() {
                    seq.push(value);
                    return Ok(());
                }
                if index >= len {
                    return Err(refused(format!(
                        "{field:?}: the list has {len} items, so {index} is out of range"
                    )));
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
            _ => {
                return Err(refused(format!(
                    "{field:?}: {} is not a mapping or list",
                    parts[..i].join(".")
                )))
            }
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
