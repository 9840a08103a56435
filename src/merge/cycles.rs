//! Cycles a merge makes. Two clones that each add a link offline (one
//! `A depends_on B`, the other `B depends_on A`) merge without a conflict
//! in any one card, and together close a cycle. A merge keeps every link
//! (dropping one would lose a teammate's work) and records the cycle as a
//! conflict on each card holding a link of the cycle that only one side
//! made: its kept value is the merged list, its other value the list
//! without that link, so settling it (on the board's `C`, or the conflict
//! commands) by taking the other value breaks the cycle.
//!
//! Sync sees the whole merged board; the plain-git merge driver sees the
//! one card git asks it to merge, and the rest through the commits being
//! merged (see `sync::merge_driver`).

use super::{Conflict, Side};
use crate::model::links::{describe_cycle, find_path, Kind};
use crate::model::Card;
use serde_yaml::Value;
use std::collections::BTreeSet;

/// A link of a new cycle that one side of the merge made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleLink {
    /// The card that stores the link.
    pub card: String,
    pub kind: Kind,
    /// The card it links to.
    pub to: String,
    /// The whole cycle, from `card` back to it.
    pub cycle: Vec<String>,
    /// The side whose version of `card` has the link.
    pub side: Side,
}

/// How the merge looks at the board.
pub trait View {
    /// A card's `kind` links in the merged board (empty when there is no
    /// such card).
    fn merged(&mut self, card: &str, kind: Kind) -> Vec<String>;
    /// Whether `side`'s version of `card` has the link to `to`.
    fn has(&mut self, side: Side, card: &str, kind: Kind, to: &str) -> bool;
}

/// The links of new cycles (cycles of `depends_on` or `parent` links that
/// neither side had) that one side made. `candidates`: links of the merged
/// board that one side lacks, (card, kind, target); every new cycle has
/// one that ours lacks, so those suffice.
pub fn new_cycles(candidates: &[(String, Kind, String)], view: &mut dyn View) -> Vec<CycleLink> {
    let mut seen: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut out = Vec::new();
    for (card, kind, to) in candidates {
        if !kind.acyclic() || card == to {
            continue;
        }
        let Some(path) = find_path(to.clone(), card.clone(), |c: String| view.merged(&c, *kind))
        else {
            continue;
        };
        let mut cycle = vec![card.clone()];
        cycle.extend(path);
        // The same cycle from another of its links: once.
        let mut key = cycle[..cycle.len() - 1].to_vec();
        let start = key
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.cmp(b.1))
            .map_or(0, |(i, _)| i);
        key.rotate_left(start);
        if !seen.insert(key) {
            continue;
        }
        let mut links = Vec::new();
        let mut on_both = true;
        for pair in cycle.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let ours = view.has(Side::Ours, a, *kind, b);
            let theirs = view.has(Side::Theirs, a, *kind, b);
            on_both &= theirs;
            if ours != theirs {
                links.push(CycleLink {
                    card: a.clone(),
                    kind: *kind,
                    to: b.clone(),
                    cycle: Vec::new(),
                    side: if ours { Side::Ours } else { Side::Theirs },
                });
            }
        }
        // Theirs had the whole cycle already: not the merge's doing.
        if on_both {
            continue;
        }
        for l in &mut links {
            // From this card round to it.
            let at = cycle.iter().position(|c| *c == l.card).unwrap_or(0);
            let mut c: Vec<String> = cycle[at..cycle.len() - 1].to_vec();
            c.extend_from_slice(&cycle[..=at]);
            l.cycle = c;
        }
        out.extend(links);
    }
    out
}

/// The conflict to record on `card` (as merged) for a link of a new
/// cycle: kept, the merged links (the side that made it); other, the same
/// without it.
pub fn conflict(card: &Card, link: &CycleLink) -> Conflict {
    let kept: Value = match link.kind {
        Kind::Parent => card.parent.clone().map_or(Value::Null, Value::String),
        kind => Value::Sequence(
            card.links(kind)
                .into_iter()
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
    };
    let without = match link.kind {
        Kind::Parent => Value::Null,
        kind => {
            let rest: Vec<Value> = card
                .links(kind)
                .into_iter()
                .filter(|s| *s != link.to)
                .map(|s| Value::String(s.to_string()))
                .collect();
            if rest.is_empty() {
                Value::Null
            } else {
                Value::Sequence(rest)
            }
        }
    };
    let (ours, theirs) = match link.side {
        Side::Ours => (kept, without),
        Side::Theirs => (without, kept),
    };
    Conflict {
        field: link.kind.field().to_string(),
        ours,
        theirs,
        winner: link.side,
        reason: Some(format!(
            "the merge closed a {} cycle: {}; the other value drops the link to {}",
            link.kind.field(),
            describe_cycle(&link.cycle, 12),
            crate::model::id::short(&link.to)
        )),
    }
}

/// The links `merged` has that `side` lacks, of the kinds that may not
/// form a cycle: candidates for [`new_cycles`].
pub fn added_links(side: Option<&Card>, merged: &Card) -> Vec<(String, Kind, String)> {
    let mut out = Vec::new();
    for kind in [Kind::DependsOn, Kind::Parent] {
        let had = side.map(|c| c.links(kind)).unwrap_or_default();
        for to in merged.links(kind) {
            if !had.contains(&to) {
                out.push((merged.id.clone(), kind, to.to_string()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Board {
        merged: HashMap<&'static str, Vec<&'static str>>,
        ours: HashMap<&'static str, Vec<&'static str>>,
        theirs: HashMap<&'static str, Vec<&'static str>>,
    }

    impl View for Board {
        fn merged(&mut self, card: &str, _: Kind) -> Vec<String> {
            self.merged
                .get(card)
                .map(|v| v.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default()
        }
        fn has(&mut self, side: Side, card: &str, _: Kind, to: &str) -> bool {
            let m = if side == Side::Ours {
                &self.ours
            } else {
                &self.theirs
            };
            m.get(card).is_some_and(|v| v.contains(&to))
        }
    }

    #[test]
    fn a_cycle_from_both_sides_is_found_once_with_each_sides_link() {
        let mut b = Board {
            merged: [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"])].into(),
            ours: [("a", vec!["b"]), ("b", vec!["c"])].into(),
            theirs: [("b", vec!["c"]), ("c", vec!["a"])].into(),
        };
        let candidates = vec![
            ("c".to_string(), Kind::DependsOn, "a".to_string()),
            ("c".to_string(), Kind::DependsOn, "a".to_string()),
        ];
        let found = new_cycles(&candidates, &mut b);
        let got: Vec<(&str, &str, Side, Vec<&str>)> = found
            .iter()
            .map(|l| {
                (
                    l.card.as_str(),
                    l.to.as_str(),
                    l.side,
                    l.cycle.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("c", "a", Side::Theirs, vec!["c", "a", "b", "c"]),
                ("a", "b", Side::Ours, vec!["a", "b", "c", "a"]),
            ]
        );
        // A cycle theirs had whole is not the merge's.
        b.ours.clear();
        b.theirs = b.merged.clone();
        assert!(new_cycles(&candidates, &mut b).is_empty());
        let mut card = Card::new(
            "c".into(),
            "C".into(),
            "l".into(),
            "m".into(),
            "task".into(),
        );
        card.depends_on = vec!["a".into(), "z".into()];
        let c = conflict(&card, &found[0]);
        assert_eq!(c.winner, Side::Theirs);
        assert_eq!(c.theirs, serde_yaml::from_str::<Value>("[a, z]").unwrap());
        assert_eq!(c.ours, serde_yaml::from_str::<Value>("[z]").unwrap());
        assert!(c.reason.unwrap().contains("c → a → b → c"));
    }
}
