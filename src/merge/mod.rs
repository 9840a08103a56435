//! Three-way merge of a card, field by field, against the merge base.
//!
//! - A field changed on one side only takes that side; different fields
//!   changed on both sides are both kept.
//! - `journal` is the union of both sides' entries, in time order, without
//!   duplicates: nothing from a journal is ever lost.
//! - How each card field merges is its row in [`crate::model::field`]:
//!   sets (`labels`, `assignees`, `experiment.runs`, the links
//!   `depends_on`, `supersedes`, `relates`, a declared list field) keep
//!   additions from both sides and honour a removal; `checklist` items
//!   merge by their text, their `done` flags like any field; groups
//!   (`hypothesis`, `experiment`, declared `fields`) field by field.
//! - `lane` and `rank` are one placement: if both sides moved the card, one
//!   placement wins whole.
//! - `claim`: two clones that claimed the card keep the earlier claim (then
//!   the smaller name), whole, whichever side it is on and in whatever
//!   order clones merge; a new claim outlives a release of the old one, and
//!   a release outlives a renewal of it. Never a conflict: the loser is
//!   told by `lanes sync`.
//! - The same field changed differently on both sides goes to the side the
//!   caller names as winner; the loser's value is returned as a
//!   [`Conflict`] so it can be recorded or asked about.
//!
//! The result does not depend on which side is "ours": swapping the sides
//! and the winner gives the same card.

pub mod board;
pub mod cycles;

pub use board::merge_board;

use crate::model::field::{self, Merge};
use crate::model::{Card, Claim};
use serde_yaml::{Mapping, Value};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Ours,
    Theirs,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Ours => Side::Theirs,
            Side::Theirs => Side::Ours,
        }
    }
}

/// A field both sides changed differently.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// Dotted field name; `placement` for lane and rank together.
    pub field: String,
    /// Values as YAML (`Null` when a side removed the field).
    pub ours: Value,
    pub theirs: Value,
    /// Whose value the merged card holds.
    pub winner: Side,
    /// Why it is a conflict, when the values alone do not say (a link
    /// that closes a cycle: [`cycles`]).
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub card: Card,
    pub conflicts: Vec<Conflict>,
}

fn get<'a>(m: Option<&'a Mapping>, k: &str) -> Option<&'a Value> {
    m.and_then(|m| m.get(k))
}

/// The result when at most one side changed a value (both sides equal, or
/// one equal to the base); None when both changed it differently.
fn one_sided<'a>(
    base: Option<&'a Value>,
    ours: Option<&'a Value>,
    theirs: Option<&'a Value>,
) -> Option<Option<&'a Value>> {
    if ours == theirs || theirs == base {
        Some(ours)
    } else if ours == base {
        Some(theirs)
    } else {
        None
    }
}

/// Three-way choice for one value; `None` means absent.
fn pick<'a>(
    base: Option<&'a Value>,
    ours: Option<&'a Value>,
    theirs: Option<&'a Value>,
    winner: Side,
) -> (Option<&'a Value>, bool) {
    match one_sided(base, ours, theirs) {
        Some(v) => (v, false),
        None => (if winner == Side::Ours { ours } else { theirs }, true),
    }
}

fn seq(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Sequence(s)) => s.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.clone()],
    }
}

fn sort_key(v: &Value) -> String {
    serde_yaml::to_string(v).unwrap_or_default()
}

/// Three-way set merge keeping a stable, side-independent order: base
/// order for kept items, then additions in sorted order.
fn merge_set(base: Option<&Value>, ours: Option<&Value>, theirs: Option<&Value>) -> Option<Value> {
    if let Some(v) = one_sided(base, ours, theirs) {
        return v.cloned();
    }
    let (b, o, t) = (seq(base), seq(ours), seq(theirs));
    let mut out: Vec<Value> = b
        .iter()
        .filter(|x| o.contains(x) && t.contains(x))
        .cloned()
        .collect();
    let mut added: Vec<Value> = o
        .iter()
        .chain(t.iter())
        .filter(|x| !b.contains(x))
        .cloned()
        .collect();
    added.sort_by_key(sort_key);
    added.dedup();
    for a in added {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(Value::Sequence(out))
    }
}

fn entry_time(v: &Value) -> i64 {
    let at = v.get("at").and_then(Value::as_str).unwrap_or("");
    crate::model::date::parse_timestamp(at)
        .or_else(|| crate::model::date::parse_date(at).map(|d| d * 86_400))
        .unwrap_or(0)
}

/// Journal: union of both sides, in time order, duplicates removed.
fn merge_journal(
    base: Option<&Value>,
    ours: Option<&Value>,
    theirs: Option<&Value>,
) -> Option<Value> {
    if let Some(v) = one_sided(base, ours, theirs) {
        return v.cloned();
    }
    let (o, t) = (seq(ours), seq(theirs));
    // What both share at the start stays as it is; the two tails are
    // merged like sorted runs, so each side keeps its own order (two notes
    // in one second stay in the order they were written) and ties between
    // the sides are broken by content, the same whichever side is ours.
    let common = o.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let key = |e: &Value| (entry_time(e), sort_key(e));
    let (mut i, mut j) = (common, common);
    let mut out: Vec<Value> = o[..common].to_vec();
    let push = |out: &mut Vec<Value>, e: &Value| {
        if !out.contains(e) {
            out.push(e.clone());
        }
    };
    while i < o.len() || j < t.len() {
        let take_ours = match (o.get(i), t.get(j)) {
            (Some(a), Some(b)) => key(a) <= key(b),
            (Some(_), None) => true,
            _ => false,
        };
        if take_ours {
            push(&mut out, &o[i]);
            i += 1;
        } else {
            push(&mut out, &t[j]);
            j += 1;
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(Value::Sequence(out))
    }
}

/// Claims: see the module's comment. A value that is not a claim (a hand
/// edit) competes by its text, so the result is still the same on every
/// side.
fn merge_claim(
    base: Option<&Value>,
    ours: Option<&Value>,
    theirs: Option<&Value>,
) -> Option<Value> {
    if let Some(v) = one_sided(base, ours, theirs) {
        return v.cloned();
    }
    let read = |v: Option<&Value>| v.and_then(|v| Claim::from_value(v.clone(), "claim").ok());
    match (ours, theirs) {
        (Some(o), Some(t)) => {
            let earlier = match (read(Some(o)), read(Some(t))) {
                (Some(oc), Some(tc)) => oc.order() <= tc.order(),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => sort_key(o) <= sort_key(t),
            };
            Some(if earlier { o } else { t }.clone())
        }
        // One side released it, the other claimed: a claim taken anew
        // (not the base's, renewed) outlives the release.
        (Some(kept), None) | (None, Some(kept)) => {
            let renewed = match (read(base), read(Some(kept))) {
                (Some(b), Some(k)) => b.same_taking(&k),
                _ => false,
            };
            (!renewed).then(|| kept.clone())
        }
        (None, None) => None,
    }
}

/// Checklist items keyed by their text.
fn merge_checklist(
    base: Option<&Value>,
    ours: Option<&Value>,
    theirs: Option<&Value>,
    winner: Side,
    conflicts: &mut Vec<Conflict>,
) -> Option<Value> {
    if let Some(v) = one_sided(base, ours, theirs) {
        return v.cloned();
    }
    let text = |v: &Value| -> String {
        match v {
            Value::String(s) => s.clone(),
            other => other
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        }
    };
    let (b, o, t) = (seq(base), seq(ours), seq(theirs));
    let find = |list: &[Value], key: &str| list.iter().find(|x| text(x) == key).cloned();
    let mut keys: Vec<String> = b.iter().map(&text).collect();
    let mut added: Vec<String> = o
        .iter()
        .chain(t.iter())
        .map(&text)
        .filter(|k| !keys.contains(k))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    keys.append(&mut added);
    let mut out = Vec::new();
    for k in keys {
        let (bi, oi, ti) = (find(&b, &k), find(&o, &k), find(&t, &k));
        let (v, conflict) = pick(bi.as_ref(), oi.as_ref(), ti.as_ref(), winner);
        if conflict {
            // Both sides changed the same item (e.g. edited its fields).
            let merged = match (bi.as_ref(), oi.as_ref(), ti.as_ref()) {
                (_, Some(Value::Mapping(om)), Some(Value::Mapping(tm))) => {
                    let bm = match bi.as_ref() {
                        Some(Value::Mapping(m)) => Some(m),
                        _ => None,
                    };
                    let path = format!("checklist[{k}]");
                    Some(Value::Mapping(merge_mapping(
                        Doc::Card,
                        bm,
                        om,
                        tm,
                        winner,
                        &path,
                        conflicts,
                    )))
                }
                _ => {
                    conflicts.push(Conflict {
                        field: format!("checklist[{k}]"),
                        ours: oi.clone().unwrap_or(Value::Null),
                        theirs: ti.clone().unwrap_or(Value::Null),
                        winner,
                        reason: None,
                    });
                    v.cloned()
                }
            };
            out.extend(merged);
        } else if let Some(v) = v {
            out.push(v.clone());
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(Value::Sequence(out))
    }
}

/// Merge two mappings of board.yaml field by field.
pub(crate) fn merge_mapping_at(
    base: Option<&Mapping>,
    ours: &Mapping,
    theirs: &Mapping,
    winner: Side,
    path: &str,
    conflicts: &mut Vec<Conflict>,
) -> Mapping {
    merge_mapping(Doc::Board, base, ours, theirs, winner, path, conflicts)
}

/// What is being merged: a card (its fields merge as the field table
/// says) or board.yaml (its `kinds` are a set, its `settings` merge key by
/// key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Doc {
    Card,
    Board,
}

/// How the value at `path` merges.
fn merge_kind(doc: Doc, path: &str, value: Option<&Value>) -> Merge {
    match doc {
        // The declared fields' mapping, merged field by field (each as
        // its type says).
        Doc::Card if path == field::DECLARED => Merge::Group,
        Doc::Card => field::merge_of(path, value),
        Doc::Board => match path {
            "kinds" => Merge::Set,
            // Saved views merge by name.
            "settings" | "views" | "agents" => Merge::Group,
            _ => Merge::Scalar,
        },
    }
}

/// Merge two mappings field by field. `path` prefixes conflict names.
fn merge_mapping(
    doc: Doc,
    base: Option<&Mapping>,
    ours: &Mapping,
    theirs: &Mapping,
    winner: Side,
    path: &str,
    conflicts: &mut Vec<Conflict>,
) -> Mapping {
    // Keys in a side-independent order: base's, then new ones sorted.
    let mut keys: Vec<Value> = base
        .map(|b| b.keys().cloned().collect())
        .unwrap_or_default();
    let mut new: Vec<Value> = ours
        .keys()
        .chain(theirs.keys())
        .filter(|k| !keys.contains(k))
        .cloned()
        .collect();
    new.sort_by_key(sort_key);
    new.dedup();
    keys.extend(new);
    let mut out = Mapping::new();
    for key in keys {
        let name = key.as_str().unwrap_or_default().to_string();
        let full = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        let (b, o, t) = (get(base, &name), ours.get(&key), theirs.get(&key));
        let merged = match merge_kind(doc, &full, o.or(t).or(b)) {
            Merge::Claim => merge_claim(b, o, t),
            Merge::Append => merge_journal(b, o, t),
            Merge::Set => merge_set(b, o, t),
            Merge::Checklist => merge_checklist(b, o, t, winner, conflicts),
            Merge::Group => match (o, t) {
                (Some(Value::Mapping(om)), Some(Value::Mapping(tm))) if o != t => {
                    let bm = match b {
                        Some(Value::Mapping(m)) => Some(m),
                        _ => None,
                    };
                    Some(Value::Mapping(merge_mapping(
                        doc, bm, om, tm, winner, &full, conflicts,
                    )))
                }
                _ => scalar(b, o, t, winner, &full, conflicts),
            },
            Merge::Scalar | Merge::Placement => scalar(b, o, t, winner, &full, conflicts),
        };
        if let Some(v) = merged {
            out.insert(key, v);
        }
    }
    out
}

fn scalar(
    b: Option<&Value>,
    o: Option<&Value>,
    t: Option<&Value>,
    winner: Side,
    field: &str,
    conflicts: &mut Vec<Conflict>,
) -> Option<Value> {
    let (v, conflict) = pick(b, o, t, winner);
    if conflict {
        conflicts.push(Conflict {
            field: field.to_string(),
            ours: o.cloned().unwrap_or(Value::Null),
            theirs: t.cloned().unwrap_or(Value::Null),
            winner,
            reason: None,
        });
    }
    v.cloned()
}

fn placement(m: Option<&Mapping>) -> Value {
    let mut p = Mapping::new();
    p.insert(
        "lane".into(),
        get(m, "lane").cloned().unwrap_or(Value::Null),
    );
    p.insert(
        "rank".into(),
        get(m, "rank").cloned().unwrap_or(Value::Null),
    );
    Value::Mapping(p)
}

/// A card that one side finished while the other claimed it: moved into
/// a done lane (`is_done`) or given a verdict (other than open) or a new
/// result with one since `base`. In one clone that change would have
/// given the claim back; after the merge it does the same, so every clone
/// ends with the finished card unclaimed. Whether it did.
pub fn release_finished(
    base: Option<&Card>,
    merged: &mut Card,
    is_done: impl Fn(&str) -> bool,
) -> bool {
    let Some(b) = base else {
        return false;
    };
    if merged.claim.is_none() {
        return false;
    }
    let into_done = merged.lane != b.lane && is_done(&merged.lane) && !is_done(&b.lane);
    let concluded = |c: &Card| {
        c.hypothesis.as_deref().map(|h| {
            (
                h.verdict,
                h.result.clone(),
                h.extra.get(crate::model::evidence::KEY).cloned(),
            )
        })
    };
    let verdict = merged
        .verdict()
        .is_some_and(|v| v != crate::model::Verdict::Open)
        && concluded(merged) != concluded(b);
    if into_done || verdict {
        merged.claim = None;
        return true;
    }
    false
}

/// Merge `ours` and `theirs` against `base` (None when both sides created
/// the card). If the merged fields do not make a valid card (which only
/// happens with hand-made values), the winner's card is kept whole and
/// every differing field is reported as a conflict.
pub fn merge_card(base: Option<&Card>, ours: &Card, theirs: &Card, winner: Side) -> Merged {
    let bm = base.map(Card::to_mapping);
    let (om, tm) = (ours.to_mapping(), theirs.to_mapping());
    let mut conflicts = Vec::new();
    // Placement first, as one value.
    let (bp, op, tp) = (
        placement(bm.as_ref()),
        placement(Some(&om)),
        placement(Some(&tm)),
    );
    let (place, place_conflict) = pick(Some(&bp), Some(&op), Some(&tp), winner);
    let place = place.cloned().unwrap_or(op.clone());
    if place_conflict {
        conflicts.push(Conflict {
            field: "placement".into(),
            ours: op.clone(),
            theirs: tp.clone(),
            winner,
            reason: None,
        });
    }
    let strip = |m: &Mapping| {
        let mut m = m.clone();
        m.remove("lane");
        m.remove("rank");
        m
    };
    let bs = bm.as_ref().map(strip);
    let mut merged = merge_mapping(
        Doc::Card,
        bs.as_ref(),
        &strip(&om),
        &strip(&tm),
        winner,
        "",
        &mut conflicts,
    );
    if let Value::Mapping(p) = &place {
        for (k, v) in p {
            if !v.is_null() {
                merged.insert(k.clone(), v.clone());
            }
        }
    }
    match Card::from_value(Value::Mapping(merged)) {
        Ok(card) => Merged { card, conflicts },
        Err(_) => {
            let card = if winner == Side::Ours { ours } else { theirs }.clone();
            Merged {
                card,
                conflicts: vec![Conflict {
                    field: String::new(),
                    ours: ours.to_value(),
                    theirs: theirs.to_value(),
                    winner,
                    reason: None,
                }],
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{JournalEntry, Verdict};

    fn card() -> Card {
        let mut c = Card::new(
            "abc".into(),
            "Title".into(),
            "modeling".into(),
            "i".into(),
            "hypothesis".into(),
        );
        c.labels = vec!["a".into(), "b".into()];
        c.journal = vec![JournalEntry {
            at: "2026-01-01T00:00:00Z".into(),
            by: "x".into(),
            text: "first".into(),
            extra: Default::default(),
        }];
        c
    }

    fn note(c: &mut Card, at: &str, text: &str) {
        c.journal.push(JournalEntry {
            at: at.into(),
            by: "y".into(),
            text: text.into(),
            extra: Default::default(),
        });
    }

    #[test]
    fn different_fields_both_kept() {
        let base = card();
        let mut ours = base.clone();
        ours.title = "New title".into();
        let mut theirs = base.clone();
        theirs.due = Some("2026-12-01".into());
        let m = merge_card(Some(&base), &ours, &theirs, Side::Ours);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.card.title, "New title");
        assert_eq!(m.card.due.as_deref(), Some("2026-12-01"));
    }

    #[test]
    fn same_field_goes_to_winner_and_reports_loser() {
        let base = card();
        let mut ours = base.clone();
        ours.title = "Ours".into();
        let mut theirs = base.clone();
        theirs.title = "Theirs".into();
        let m = merge_card(Some(&base), &ours, &theirs, Side::Theirs);
        assert_eq!(m.card.title, "Theirs");
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].field, "title");
        assert_eq!(m.conflicts[0].ours, Value::from("Ours"));
    }

    #[test]
    fn placement_wins_whole() {
        let base = card();
        let mut ours = base.clone();
        ours.lane = "evaluation".into();
        ours.rank = "a".into();
        let mut theirs = base.clone();
        theirs.lane = "data-preparation".into();
        theirs.rank = "z".into();
        for w in [Side::Ours, Side::Theirs] {
            let m = merge_card(Some(&base), &ours, &theirs, w);
            let expect = if w == Side::Ours { &ours } else { &theirs };
            assert_eq!((&m.card.lane, &m.card.rank), (&expect.lane, &expect.rank));
            assert_eq!(m.conflicts[0].field, "placement");
        }
    }

    #[test]
    fn sets_and_journals() {
        let base = card();
        let mut ours = base.clone();
        ours.labels = vec!["a".into(), "b".into(), "c".into()];
        note(&mut ours, "2026-01-03T00:00:00Z", "ours");
        let mut theirs = base.clone();
        theirs.labels = vec!["b".into()];
        note(&mut theirs, "2026-01-02T00:00:00Z", "theirs");
        let m = merge_card(Some(&base), &ours, &theirs, Side::Ours);
        assert_eq!(m.card.labels, vec!["b".to_string(), "c".to_string()]);
        let texts: Vec<&str> = m.card.journal.iter().map(|j| j.text.as_str()).collect();
        assert_eq!(texts, ["first", "theirs", "ours"]);
        assert!(m.conflicts.is_empty());
        // Symmetric.
        let m2 = merge_card(Some(&base), &theirs, &ours, Side::Theirs);
        assert_eq!(m2.card, m.card);
    }

    #[test]
    fn nested_hypothesis_fields_merge() {
        let mut base = card();
        base.hypothesis = Some(Default::default());
        let mut ours = base.clone();
        ours.hypothesis.as_mut().unwrap().verdict = Verdict::Refuted;
        let mut theirs = base.clone();
        theirs.hypothesis.as_mut().unwrap().result = Some(Value::from(0.2));
        let m = merge_card(Some(&base), &ours, &theirs, Side::Ours);
        let h = m.card.hypothesis.unwrap();
        assert_eq!(h.verdict, Verdict::Refuted);
        assert_eq!(h.result, Some(Value::from(0.2)));
    }

    #[test]
    fn links_merge_as_sets_from_the_field_table() {
        let mut base = card();
        base.depends_on = vec!["a1".into(), "b1".into()];
        base.parent = Some("p1".into());
        let mut ours = base.clone();
        ours.depends_on = vec!["a1".into(), "b1".into(), "c1".into()];
        ours.supersedes = vec!["old".into()];
        let mut theirs = base.clone();
        theirs.depends_on = vec!["b1".into(), "d1".into()];
        theirs.relates = vec!["r1".into()];
        base.rests_on = vec!["h1".into()];
        ours.rests_on = vec!["h1".into(), "h2".into()];
        theirs.rests_on = vec!["h3".into()];
        for w in [Side::Ours, Side::Theirs] {
            let m = merge_card(Some(&base), &ours, &theirs, w);
            assert!(m.conflicts.is_empty(), "{:?}", m.conflicts);
            assert_eq!(m.card.depends_on, ["b1", "c1", "d1"]);
            assert_eq!(m.card.supersedes, ["old"]);
            assert_eq!(m.card.relates, ["r1"]);
            // h1 removed on their side, h2 and h3 added on one side each.
            assert_eq!(m.card.rests_on, ["h2", "h3"]);
            assert_eq!(m.card.parent.as_deref(), Some("p1"));
            let swapped = merge_card(Some(&base), &theirs, &ours, w.other());
            assert_eq!(swapped.card, m.card);
        }
        // One parent: changed differently on both sides, a conflict.
        let (mut o, mut t) = (base.clone(), base.clone());
        o.parent = Some("q1".into());
        t.parent = None;
        let m = merge_card(Some(&base), &o, &t, Side::Ours);
        assert_eq!(m.card.parent.as_deref(), Some("q1"));
        assert_eq!(m.conflicts[0].field, "parent");
    }

    #[test]
    fn declared_fields_merge_by_their_type() {
        let text = |extra: &str| {
            let mut c = card();
            let v: Value = serde_yaml::from_str(extra).unwrap();
            c.fields = v.as_mapping().unwrap().clone();
            c
        };
        let base = text("{reviewers: [ana], priority: low}");
        let ours = text("{reviewers: [ana, bo], priority: high}");
        let theirs = text("{reviewers: [cy], priority: low}");
        let m = merge_card(Some(&base), &ours, &theirs, Side::Theirs);
        assert!(m.conflicts.is_empty(), "{:?}", m.conflicts);
        let want: Value = serde_yaml::from_str("{reviewers: [bo, cy], priority: high}").unwrap();
        assert_eq!(Some(&Value::Mapping(m.card.fields.clone())), Some(&want));
    }

    #[test]
    fn unchanged_side_returns_the_other() {
        let base = card();
        let mut ours = base.clone();
        ours.title = "x".into();
        ours.labels.push("z".into());
        assert_eq!(
            merge_card(Some(&base), &ours, &base, Side::Theirs).card,
            ours
        );
        assert_eq!(merge_card(Some(&base), &base, &ours, Side::Ours).card, ours);
    }

    fn claimed(base: &Card, by: &str, at: i64) -> Card {
        let mut c = base.clone();
        c.claim = Some(Claim::new(by, at, at + 7200));
        c
    }

    /// Every order of `items`.
    fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
        if items.len() <= 1 {
            return vec![items.to_vec()];
        }
        let mut out = Vec::new();
        for i in 0..items.len() {
            let mut rest = items.to_vec();
            let first = rest.remove(i);
            for mut p in permutations(&rest) {
                p.insert(0, first.clone());
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn competing_claims_keep_the_earliest_then_the_smaller_name_in_every_order() {
        let base = card();
        // Ana and Bo at the same second (the name decides), Cy earlier
        // than both, Di later.
        let clones = [
            claimed(&base, "Bo", 1_000),
            claimed(&base, "Ana", 1_000),
            claimed(&base, "Cy", 999),
            claimed(&base, "Di", 1_001),
        ];
        let expect = clones[2].claim.clone();
        for order in permutations(&clones) {
            // As syncs through one remote do: each clone merges its card
            // with what the remote holds, the base being where they forked;
            // either side may be "ours", and either may be the winner
            // named for other fields.
            let mut remote = order[0].clone();
            for (i, next) in order[1..].iter().enumerate() {
                let side = if i % 2 == 0 { Side::Ours } else { Side::Theirs };
                let a = merge_card(Some(&base), next, &remote, side);
                let b = merge_card(Some(&base), &remote, next, side.other());
                assert_eq!(a.card, b.card, "the sides matter in {order:?}");
                assert!(a.conflicts.is_empty(), "a claim is never a conflict");
                remote = a.card;
            }
            assert_eq!(remote.claim, expect, "in {order:?}");
            // A clone that merged earlier and merges again gets the same.
            for c in &order {
                let again = merge_card(Some(&base), c, &remote, Side::Ours).card;
                assert_eq!(again.claim, expect);
            }
        }
        // The same second: the smaller name.
        let two = merge_card(Some(&base), &clones[0], &clones[1], Side::Ours);
        assert_eq!(two.card.claim.unwrap().by, "Ana");
    }

    #[test]
    fn a_new_claim_outlives_a_release_and_a_release_a_renewal() {
        let held = claimed(&card(), "Ana", 1_000);
        let mut released = held.clone();
        released.claim = None;
        let taken = claimed(&card(), "Bo", 2_000);
        let mut renewed = held.clone();
        renewed.claim = Some(Claim::new("Ana", 1_000, 99_000));
        for w in [Side::Ours, Side::Theirs] {
            let m = merge_card(Some(&held), &released, &taken, w);
            assert_eq!(m.card.claim, taken.claim);
            let m = merge_card(Some(&held), &taken, &released, w);
            assert_eq!(m.card.claim, taken.claim);
            let m = merge_card(Some(&held), &released, &renewed, w);
            assert_eq!(m.card.claim, None);
            let m = merge_card(Some(&held), &renewed, &released, w);
            assert_eq!(m.card.claim, None);
            assert!(m.conflicts.is_empty());
        }
        // A claim on one side only is taken, as any field.
        let m = merge_card(Some(&card()), &card(), &taken, Side::Ours);
        assert_eq!(m.card.claim, taken.claim);
    }

    #[test]
    fn a_card_finished_on_one_side_loses_the_claim_the_other_took() {
        let base = card();
        let held = claimed(&base, "Ana", 1_000);
        let mut finished = base.clone();
        finished.lane = "shipped".into();
        let done = |l: &str| l == "shipped";
        for (o, t) in [(&held, &finished), (&finished, &held)] {
            let mut m = merge_card(Some(&base), o, t, Side::Ours).card;
            assert!(m.claim.is_some(), "the merge alone keeps it");
            assert!(release_finished(Some(&base), &mut m, done));
            assert_eq!((m.lane.as_str(), m.claim), ("shipped", None));
        }
        let mut concluded = base.clone();
        concluded.hypothesis = Some(Box::new(crate::model::Hypothesis {
            verdict: Verdict::Supported,
            ..Default::default()
        }));
        let mut m = merge_card(Some(&base), &held, &concluded, Side::Theirs).card;
        assert!(release_finished(Some(&base), &mut m, done));
        assert_eq!(m.claim, None);
        // Claiming a card that was done already (to rework it) stays.
        let mut again = claimed(&finished, "Bo", 2_000);
        assert!(!release_finished(Some(&finished), &mut again, done));
        assert!(again.claim.is_some());
    }
}
