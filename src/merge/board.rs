//! Three-way merge of board.yaml: lanes by id and labels by name, each
//! merged field by field; settings and other fields key by key.

use super::{merge_mapping_at, Conflict, Side};
use crate::model::BoardConfig;
use serde_yaml::{Mapping, Value};

fn items(m: Option<&Mapping>, key: &str) -> Vec<Value> {
    match m.and_then(|m| m.get(key)) {
        Some(Value::Sequence(s)) => s.clone(),
        _ => Vec::new(),
    }
}

fn id_of(v: &Value, key: &str) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    }
}

/// Merge a list of mappings identified by `key` (lanes by `id`, labels by
/// `name`). Order: the winner's, with the other side's new items after.
fn merge_list(
    base: Vec<Value>,
    ours: Vec<Value>,
    theirs: Vec<Value>,
    key: &str,
    winner: Side,
    path: &str,
    conflicts: &mut Vec<Conflict>,
) -> Vec<Value> {
    let ids = |l: &[Value]| l.iter().map(|v| id_of(v, key)).collect::<Vec<_>>();
    let (bi, oi, ti) = (ids(&base), ids(&ours), ids(&theirs));
    // Order: if one side kept the base order, the other side's order wins.
    let theirs_first = oi == bi || (ti != bi && winner == Side::Theirs);
    let (first, second) = if theirs_first { (&ti, &oi) } else { (&oi, &ti) };
    let mut order: Vec<String> = first.clone();
    for id in second {
        if !order.contains(id) {
            order.push(id.clone());
        }
    }
    let find = |l: &[Value], id: &str| l.iter().find(|v| id_of(v, key) == id).cloned();
    let mut out = Vec::new();
    for id in order {
        let (b, o, t) = (find(&base, &id), find(&ours, &id), find(&theirs, &id));
        // Removed on one side and untouched on the other: removed.
        let merged = match (&b, &o, &t) {
            (Some(b), None, Some(t)) if b == t => None,
            (Some(b), Some(o), None) if b == o => None,
            (_, Some(Value::Mapping(om)), Some(Value::Mapping(tm))) => {
                let bm = match &b {
                    Some(Value::Mapping(m)) => Some(m),
                    _ => None,
                };
                let p = format!("{path}[{id}]");
                Some(Value::Mapping(merge_mapping_at(
                    bm, om, tm, winner, &p, conflicts,
                )))
            }
            (_, Some(o), None) => Some(o.clone()),
            (_, None, Some(t)) => Some(t.clone()),
            (_, Some(o), Some(t)) => Some(if winner == Side::Ours { o } else { t }.clone()),
            _ => None,
        };
        out.extend(merged);
    }
    out
}

/// Merge three versions of board.yaml. The result is always a valid board
/// (if the fields do not make one, the winner's board is kept whole).
pub fn merge_board(
    base: Option<&BoardConfig>,
    ours: &BoardConfig,
    theirs: &BoardConfig,
    winner: Side,
) -> (BoardConfig, Vec<Conflict>) {
    let bm = base.map(BoardConfig::to_mapping);
    let (om, tm) = (ours.to_mapping(), theirs.to_mapping());
    let mut conflicts = Vec::new();
    let strip = |m: &Mapping| {
        let mut m = m.clone();
        m.remove("lanes");
        m.remove("labels");
        m
    };
    let bs = bm.as_ref().map(strip);
    let mut merged = merge_mapping_at(
        bs.as_ref(),
        &strip(&om),
        &strip(&tm),
        winner,
        "",
        &mut conflicts,
    );
    for (list, key) in [("lanes", "id"), ("labels", "name")] {
        let l = merge_list(
            items(bm.as_ref(), list),
            items(Some(&om), list),
            items(Some(&tm), list),
            key,
            winner,
            list,
            &mut conflicts,
        );
        if !l.is_empty() {
            merged.insert(list.into(), Value::Sequence(l));
        }
    }
    match BoardConfig::from_value(Value::Mapping(merged)) {
        Ok(b) => (b, conflicts),
        Err(_) => (
            if winner == Side::Ours { ours } else { theirs }.clone(),
            conflicts,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(text: &str) -> BoardConfig {
        crate::store::parse_board(text.as_bytes()).unwrap()
    }

    #[test]
    fn saved_views_merge_by_name_and_are_written_back_as_they_were() {
        let base = board("name: B\nlanes:\n  - id: a\n    title: A\n");
        let ours = board(
            "name: B\nlanes:\n  - id: a\n    title: A\n    wip: 3\nviews:\n  mine: \"@me\"\n",
        );
        let theirs_text = "name: B\nlanes:\n  - id: a\n    title: A\nkinds:\n  - task\nsettings:\n  commit: auto\nviews:\n  # the team's\n  open: {filter: \"verdict:open\", sort: -updated, later: 1}\n";
        let theirs = board(theirs_text);
        let (m, c) = merge_board(Some(&base), &ours, &theirs, Side::Ours);
        assert!(c.is_empty(), "{c:?}");
        let names: Vec<&str> = m.views.list.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["mine", "open"]);
        assert_eq!(m.lanes[0].wip, Some(3));
        // A field this version does not know makes that view unusable (and
        // reported), never lost.
        assert!(m.views.list[1].view.is_err());
        let text = crate::store::render_board(&m, Some(theirs_text));
        assert!(
            text.contains("  open: {filter: \"verdict:open\", sort: -updated, later: 1}\n"),
            "{text}"
        );
        assert!(text.contains("wip: 3"), "{text}");
        // Nothing changed: nothing rewritten.
        assert_eq!(
            crate::store::render_board(&theirs, Some(theirs_text)),
            theirs_text
        );
    }

    #[test]
    fn lanes_merge_by_id() {
        let base = board("name: B\nlanes:\n  - id: a\n    title: A\n  - id: b\n    title: B\n");
        let ours = board(
            "name: B\nlanes:\n  - id: a\n    title: A\n    wip: 3\n  - id: b\n    title: B\n",
        );
        let theirs = board("name: B\nlanes:\n  - id: a\n    title: A\n  - id: b\n    title: Bee\n  - id: c\n    title: C\n");
        let (m, c) = merge_board(Some(&base), &ours, &theirs, Side::Ours);
        assert!(c.is_empty());
        assert_eq!(m.lanes.len(), 3);
        assert_eq!(m.lanes[0].wip, Some(3));
        assert_eq!(m.lanes[1].title, "Bee");
        let (m2, _) = merge_board(Some(&base), &theirs, &ours, Side::Theirs);
        assert_eq!(m, m2);
    }
}
