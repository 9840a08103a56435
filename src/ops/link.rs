//! `lanes link` and `lanes unlink`, and the rules every write of a card's
//! links keeps (a link, an edit in $EDITOR, `--set`): a new link names a
//! card that exists and not the card itself, and `depends_on` and
//! `parent` links never close a cycle.

use super::message::clean_line;
use crate::error::{not_found, refused};
use crate::model::links::{describe_cycle, find_path, Kind};
use crate::model::{id, Card};
use crate::store::Index;
use anyhow::Result;

/// A link change, ready to be written: the card as it will be, what the
/// commit says, and the other card (named in the commit's trailers).
pub(super) struct Built {
    pub before: Card,
    pub after: Card,
    pub detail: String,
    pub body: String,
    pub other: String,
}

/// How a card is named in a commit: `k81bd0 Other title`.
fn named(board: &Index, id: &str) -> String {
    match board.summary(id) {
        Some(s) => format!("{} {}", id::short(id), clean_line(&s.title, 40)),
        None => id::short(id).to_string(),
    }
}

/// The change `lanes link CARD --<kind> OTHER` makes to CARD, or `Err`
/// with the outcome when nothing is to change (the link is there).
pub(super) fn link(
    board: &Index,
    card: &str,
    kind: Kind,
    other: &str,
) -> Result<std::result::Result<Built, (Card, String)>> {
    let before = super::lookup(board, card)?;
    let other = board.resolve_id(other)?;
    if other == before.id {
        return Err(refused(format!(
            "{} cannot {} itself",
            before.short_id(),
            kind.infinitive()
        )));
    }
    let mut after = before.clone();
    let was = after.parent.clone();
    if !after.add_link(kind, &other) {
        let why = format!(
            "{} already {} {}",
            before.short_id(),
            kind.verb(),
            id::short(&other)
        );
        return Ok(Err((before, why)));
    }
    let mut detail = format!("{} {}", kind.verb(), named(board, &other));
    if let (Kind::Parent, Some(was)) = (kind, was) {
        detail.push_str(&format!(", was part of {}", id::short(&was)));
    }
    let body = match kind {
        Kind::Parent => format!("parent: {other}"),
        _ => format!("{}: + {other}", kind.field()),
    };
    Ok(Ok(Built {
        before,
        after,
        detail,
        body,
        other,
    }))
}

/// The change `lanes unlink CARD --<kind> OTHER` makes to CARD. OTHER
/// is found among CARD's own links first (a prefix of one), so that a
/// link to a card that no longer exists can be removed too.
pub(super) fn unlink(
    board: &Index,
    card: &str,
    kind: Kind,
    other: &str,
) -> Result<std::result::Result<Built, (Card, String)>> {
    let before = super::lookup(board, card)?;
    let q = other.trim().to_lowercase();
    let own: Vec<&str> = before
        .links(kind)
        .into_iter()
        .filter(|l| l.starts_with(&q))
        .collect();
    let other = match own.as_slice() {
        [one] => one.to_string(),
        [] => {
            let id = board.resolve_id(other)?;
            let why = format!(
                "{} does not {} {}",
                before.short_id(),
                match kind {
                    Kind::Parent => "have the parent",
                    _ => kind.infinitive(),
                },
                id::short(&id)
            );
            return Ok(Err((before, why)));
        }
        many => {
            if let Some(exact) = many.iter().find(|l| **l == q) {
                exact.to_string()
            } else {
                return Err(refused(format!(
                    "{other:?} matches {} of {}'s links ({}); give more characters",
                    many.len(),
                    before.short_id(),
                    many.join(", ")
                )));
            }
        }
    };
    let mut after = before.clone();
    after.remove_link(kind, &other);
    let detail = format!("no longer {} {}", kind.verb(), named(board, &other));
    let body = match kind {
        Kind::Parent => "parent: (removed)".to_string(),
        _ => format!("{}: - {other}", kind.field()),
    };
    Ok(Ok(Built {
        before,
        after,
        detail,
        body,
        other,
    }))
}

/// The links `after` has that `before` did not, by kind.
fn added<'a>(before: Option<&Card>, after: &'a Card) -> Vec<(Kind, &'a str)> {
    let mut out = Vec::new();
    for kind in Kind::ALL {
        let old = before.map(|b| b.links(kind)).unwrap_or_default();
        for l in after.links(kind) {
            if !old.contains(&l) {
                out.push((kind, l));
            }
        }
    }
    out
}

/// Check the links a write adds to a card (links it already had are left
/// as they are: a teammate may have deleted the card one names): each
/// names another card that exists, and no `depends_on` or `parent` link
/// closes a cycle, on the board as it is with this card written.
pub fn check(board: &Index, before: Option<&Card>, after: &Card) -> Result<()> {
    let new = added(before, after);
    for &(kind, other) in &new {
        if other == after.id {
            return Err(refused(format!(
                "{}: {} cannot link to itself",
                kind.field(),
                after.short_id()
            )));
        }
        if board
            .file_ids
            .binary_search_by(|f| f.as_str().cmp(other))
            .is_err()
        {
            return Err(not_found(format!(
                "{}: no card {other:?} on this board; a link names a card by its full id (`lanes link` takes any unique prefix)",
                kind.field()
            )));
        }
    }
    // The board's links as they will be: this card's new ones, the
    // others' from the summary index.
    let deps = |c: &str| -> Vec<String> {
        if c == after.id {
            return after.depends_on.clone();
        }
        board.links(c).map(|l| l.depends_on).unwrap_or_default()
    };
    let parent = |c: &str| -> Vec<String> {
        if c == after.id {
            return after.parent.iter().cloned().collect();
        }
        board.links(c).and_then(|l| l.parent).into_iter().collect()
    };
    for &(kind, other) in &new {
        let path = match kind {
            Kind::DependsOn => find_path(other.to_string(), after.id.clone(), |c| deps(&c)),
            Kind::Parent => find_path(other.to_string(), after.id.clone(), |c| parent(&c)),
            _ => continue,
        };
        if let Some(path) = path {
            let mut cycle = vec![after.id.clone()];
            cycle.extend(path);
            let (what, why) = match kind {
                Kind::DependsOn => ("depends_on", "a card cannot wait on work that waits on it"),
                _ => ("parent", "a card cannot be part of its own part"),
            };
            return Err(refused(format!(
                "{} {} {} would close a {what} cycle: {}; {why} (`lanes unlink` one of these links first)",
                after.short_id(),
                kind.verb(),
                id::short(other),
                describe_cycle(&cycle, 12)
            )));
        }
    }
    Ok(())
}
