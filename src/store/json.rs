//! Cards as JSON for scripts: the YAML field names, every field present in
//! the file, in file order (the `list --json` / `show --json` contract).

use crate::model::link_lookup::LinkLookup;
use crate::model::links::Kind;
use crate::model::Card;
use serde_yaml::Value;

/// A YAML value as JSON. Non-string keys become their text.
pub fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                J::from(i)
            } else if let Some(u) = n.as_u64() {
                J::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(J::Number)
                    .unwrap_or_else(|| J::String(n.to_string()))
            }
        }
        Value::String(s) => J::String(s.clone()),
        Value::Sequence(s) => J::Array(s.iter().map(to_json).collect()),
        Value::Mapping(m) => J::Object(
            m.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Value::String(s) => s.clone(),
                        other => serde_yaml::to_string(other)
                            .unwrap_or_default()
                            .trim()
                            .to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        Value::Tagged(t) => to_json(&t.value),
    }
}

pub fn card_json(card: &Card) -> serde_json::Value {
    to_json(&card.to_value())
}

/// The fields a card's JSON gains from the whole board (never cached: they
/// change when another card does): its links both ways, whether it is
/// blocked and by what, whether it is ready (which a live claim on it,
/// `claimed`, rules out: see [`super::query`]). The links it stores
/// (`depends_on`, `parent`, `supersedes`, `relates`) are in its own JSON
/// when it has them; `stored` says which it has, and those it lacks are
/// given here as empty (`[]`, `null`), so that every card has every field.
pub fn link_fields(
    g: &impl LinkLookup,
    id: &str,
    stored: &dyn Fn(Kind) -> bool,
    claimed: bool,
) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::Value as J;
    let mut m = serde_json::Map::new();
    let ids = |v: Vec<usize>| J::Array(v.into_iter().map(|i| J::from(g.id(i))).collect());
    let Some(i) = g.index(id) else {
        return m;
    };
    let empty = |m: &mut serde_json::Map<String, J>, kind: Kind| {
        if !stored(kind) {
            let v = if kind == Kind::Parent {
                J::Null
            } else {
                J::Array(Vec::new())
            };
            m.insert(kind.field().to_string(), v);
        }
    };
    empty(&mut m, Kind::DependsOn);
    m.insert("blocks".into(), ids(g.blocks(i).collect()));
    empty(&mut m, Kind::Parent);
    m.insert("children".into(), ids(g.children(i).collect()));
    empty(&mut m, Kind::Supersedes);
    m.insert("superseded_by".into(), ids(g.superseded_by(i).collect()));
    empty(&mut m, Kind::Relates);
    m.insert("related_by".into(), ids(g.related_by(i).collect()));
    empty(&mut m, Kind::RestsOn);
    m.insert("evidence_for".into(), ids(g.evidence_for(i).collect()));
    m.insert("blocked".into(), J::Bool(g.is_blocked(i)));
    m.insert("blocked_by".into(), ids(g.blocked_by(i)));
    m.insert("ready".into(), J::Bool(g.is_ready(i) && !claimed));
    m.insert("claimed".into(), J::Bool(claimed));
    m
}

/// [`link_fields`] as JSON text of `"key":value` pairs, to go inside a
/// card's object, with its claim judged at `now`.
///
/// The same text as [`link_fields`] serialized, written directly: `lanes
/// list --json` adds it to every card, so it allocates one string.
pub fn link_fields_text(g: &impl LinkLookup, head: &super::codec::Head, now: i64) -> String {
    let Some(i) = g.index(head.id) else {
        return String::new();
    };
    let claimed = head.claimed(now);
    let mut out = String::with_capacity(200);
    // Pushed piece by piece: `write!` costs more than the text, and
    // `lanes list --json` writes fourteen keys for every card.
    let key = |out: &mut String, k: &str| {
        if !out.is_empty() {
            out.push(',');
        }
        out.push('"');
        out.push_str(k);
        out.push_str("\":");
    };
    let ids = |out: &mut String, v: &mut dyn Iterator<Item = usize>| {
        out.push('[');
        for (n, j) in v.enumerate() {
            if n > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(g.id(j)).unwrap_or_default());
        }
        out.push(']');
    };
    let stored = |out: &mut String, kind: Kind, set: &[&str]| {
        if set.is_empty() {
            key(out, kind.field());
            out.push_str(if kind == Kind::Parent { "null" } else { "[]" });
        }
    };
    let parent: Vec<&str> = head.parent.into_iter().collect();
    stored(&mut out, Kind::DependsOn, &head.depends_on);
    key(&mut out, "blocks");
    ids(&mut out, &mut g.blocks(i));
    stored(&mut out, Kind::Parent, &parent);
    key(&mut out, "children");
    ids(&mut out, &mut g.children(i));
    stored(&mut out, Kind::Supersedes, &head.supersedes);
    key(&mut out, "superseded_by");
    ids(&mut out, &mut g.superseded_by(i));
    stored(&mut out, Kind::Relates, &head.relates);
    key(&mut out, "related_by");
    ids(&mut out, &mut g.related_by(i));
    stored(&mut out, Kind::RestsOn, &head.rests_on);
    key(&mut out, "evidence_for");
    ids(&mut out, &mut g.evidence_for(i));
    key(&mut out, "blocked");
    out.push_str(if g.is_blocked(i) { "true" } else { "false" });
    key(&mut out, "blocked_by");
    ids(&mut out, &mut g.blocked_by(i).into_iter());
    key(&mut out, "ready");
    out.push_str(if g.is_ready(i) && !claimed {
        "true"
    } else {
        "false"
    });
    key(&mut out, "claimed");
    out.push_str(if claimed { "true" } else { "false" });
    match crate::model::text::json_safe(&out) {
        std::borrow::Cow::Borrowed(_) => out,
        std::borrow::Cow::Owned(safe) => safe,
    }
}

/// An object's JSON text without its braces.
pub fn inner(v: &serde_json::Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    let text = match crate::model::text::json_safe(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(safe) => safe,
    };
    text.strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or_default()
        .to_string()
}

/// A YAML value serialized as JSON directly, without building a JSON tree
/// first (the same output as [`to_json`]).
pub struct AsJson<'a>(pub &'a Value);

impl serde::Serialize for AsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => s.serialize_i64(i),
                (_, Some(u), _) => s.serialize_u64(u),
                (_, _, Some(f)) if f.is_finite() => s.serialize_f64(f),
                _ => s.serialize_str(&n.to_string()),
            },
            Value::String(x) => s.serialize_str(x),
            Value::Sequence(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&AsJson(item))?;
                }
                seq.end()
            }
            Value::Mapping(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    match k {
                        Value::String(key) => map.serialize_entry(key, &AsJson(v))?,
                        other => {
                            let key = serde_yaml::to_string(other).unwrap_or_default();
                            map.serialize_entry(key.trim(), &AsJson(v))?
                        }
                    }
                }
                map.end()
            }
            Value::Tagged(t) => AsJson(&t.value).serialize(s),
        }
    }
}

/// A card's compact JSON, as one element of `list --json`.
/// Control, C1, DEL and bidirectional characters are `\u` escapes, as in
/// all of lanes' JSON (see `term::json`).
pub fn card_bytes(card: &Card) -> Vec<u8> {
    let text = serde_json::to_string(&AsJson(&card.to_value())).unwrap_or_default();
    match crate::model::text::json_safe(&text) {
        std::borrow::Cow::Borrowed(_) => text.into_bytes(),
        std::borrow::Cow::Owned(safe) => safe.into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_json_matches_the_json_tree() {
        let v: Value = serde_yaml::from_str(
            "id: abc\nn: 1\nf: 0.5\nneg: -2\nb: true\nnone: null\nlist: [a, {x: 1}]\n1: numeric key\nt: !tag 3\n",
        )
        .unwrap();
        let direct = serde_json::to_string(&AsJson(&v)).unwrap();
        let tree = serde_json::to_string(&to_json(&v)).unwrap();
        assert_eq!(direct, tree);
    }
}
