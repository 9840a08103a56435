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

/// A field named by `--set` as the card file spells it, with its value
/// checked: a declared field's own name (`priority`) is
/// `fields.priority`, and its value must have the type board.yaml gives
/// it (an enum's value in any case is written as declared). Other names
/// are returned as they are. A `fields.NAME` board.yaml does not declare
/// is refused, unless the card has it already (a field removed from
/// board.yaml stays on cards and can still be changed).
pub fn declared(
    schema: &field::Schema,
    card: &Card,
    name: &str,
    value: Value,
) -> Result<(String, Value)> {
    let parts: Vec<&str> = name.split('.').collect();
    let own = match parts.as_slice() {
        [top, own] if *top == field::DECLARED => *own,
        [one]
            if field::builtin(one).is_none()
                && !card.extra.contains_key(*one)
                && schema.declared.iter().any(|f| f.key == *one) =>
        {
            one
        }
        [one] if field::builtin(one).is_none() && !card.extra.contains_key(*one) => {
            // Neither built in nor declared: a typo of either?
            let mut names: Vec<String> =
                schema.declared.iter().map(|f| f.key.to_string()).collect();
            names.extend(field::top_keys().map(str::to_string));
            if let Some(n) = crate::model::text::did_you_mean(one, names.iter().map(String::as_str))
            {
                return Err(refused(format!("unknown field {one:?}; did you mean {n}?")));
            }
            return Ok((name.to_string(), value));
        }
        _ => return Ok((name.to_string(), value)),
    };
    let path = format!("{}.{own}", field::DECLARED);
    let Some(f) = schema.declared.iter().find(|f| f.key == own) else {
        if card.fields.contains_key(own) {
            return Ok((path, value));
        }
        let names: Vec<&str> = schema.declared.iter().map(|f| f.key.as_ref()).collect();
        let hint = crate::model::text::did_you_mean(own, names.iter().copied())
            .map(|n| format!("did you mean {n}? "))
            .unwrap_or_default();
        return Err(refused(if names.is_empty() {
            format!("unknown field {own:?}: board.yaml declares no fields of its own (see `fields:` in docs/FORMAT.md)")
        } else {
            format!(
                "unknown field {own:?}; {hint}board.yaml declares {}",
                names.join(", ")
            )
        }));
    };
    let value = match (&f.ty, value) {
        (field::Type::Choice(values), Value::String(s)) => Value::String(
            values
                .iter()
                .find(|c| c.eq_ignore_ascii_case(&s))
                .map_or(s, |c| c.to_string()),
        ),
        (_, v) => v,
    };
    f.check(&value)
        .map_err(|e| refused(format!("{own}: {e}")))?;
    Ok((path, value))
}

/// Put a card's declared fields in the order board.yaml declares them
/// (fields it does not declare after them, as they were).
pub fn order_declared(card_value: &mut Value, schema: &field::Schema) {
    let Some(Value::Mapping(fields)) = card_value.get_mut(field::DECLARED) else {
        return;
    };
    let rank = |k: &Value| {
        k.as_str()
            .and_then(|k| schema.declared.iter().position(|f| f.key == k))
            .unwrap_or(usize::MAX)
    };
    let mut entries: Vec<(Value, Value)> = std::mem::take(fields).into_iter().collect();
    entries.sort_by_key(|(k, _)| rank(k));
    fields.extend(entries);
    if fields.is_empty() {
        if let Value::Mapping(card) = card_value {
            card.remove(field::DECLARED);
        }
    }
}
