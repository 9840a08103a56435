//! Cycles a merge closes ([`crate::merge::cycles`]), recorded as conflicts
//! on the merged cards through the same [`record_conflicts`] as every
//! other merge conflict: by `lanes sync` on the whole merged board, by the
//! merge driver on the one card git gives it.

use super::tree_merge::{blob_text, made_by, record_conflicts, Lineage, Recorder};
use super::Report;
use crate::merge::{self, cycles, Side};
use crate::model::links::Kind;
use crate::model::Card;
use crate::store;
use anyhow::Result;
use git2::{Oid, Repository, Tree};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// A file in a tree: its blob and mode.
type Entry = (Oid, u32);

/// Card versions, each parsed once.
struct Cards<'r> {
    repo: &'r Repository,
    parsed: HashMap<Oid, Option<Card>>,
}

impl<'r> Cards<'r> {
    fn new(repo: &'r Repository) -> Self {
        Cards {
            repo,
            parsed: HashMap::new(),
        }
    }

    fn get(&mut self, oid: Option<Oid>) -> Option<&Card> {
        let oid = oid?;
        let repo = self.repo;
        self.parsed
            .entry(oid)
            .or_insert_with(|| {
                let bytes = blob_text(repo, Some(oid))?;
                store::parse_card("", &bytes).ok().map(|l| l.card)
            })
            .as_ref()
    }

    fn links(&mut self, oid: Option<Oid>, kind: Kind) -> Vec<String> {
        self.get(oid)
            .map(|c| c.links(kind).into_iter().map(str::to_string).collect())
            .unwrap_or_default()
    }
}

/// Whether a card file may hold a `depends_on` or `parent` link (most do
/// not: they are not parsed).
fn may_link(repo: &Repository, oid: Oid) -> bool {
    let Ok(blob) = repo.find_blob(oid) else {
        return false;
    };
    let text = blob.content();
    [&b"depends_on"[..], b"parent"]
        .iter()
        .any(|k| text.windows(k.len()).any(|w| w == *k))
}

/// The board as `lanes sync` merged it: the merged index and each side's
/// files.
struct Synced<'a, 'r> {
    cards: Cards<'r>,
    index: &'a git2::Index,
    cards_dir: &'a str,
    ours: &'a BTreeMap<String, Entry>,
    theirs: &'a BTreeMap<String, Entry>,
}

impl Synced<'_, '_> {
    fn path(&self, card: &str) -> String {
        format!("{}{card}.yaml", self.cards_dir)
    }
}

impl cycles::View for Synced<'_, '_> {
    fn merged(&mut self, card: &str, kind: Kind) -> Vec<String> {
        let oid = self
            .index
            .get_path(Path::new(&self.path(card)), 0)
            .map(|e| e.id);
        self.cards.links(oid, kind)
    }

    fn has(&mut self, side: Side, card: &str, kind: Kind, to: &str) -> bool {
        let files = if side == Side::Ours {
            self.ours
        } else {
            self.theirs
        };
        let oid = files.get(&self.path(card)).map(|e| e.0);
        self.cards.links(oid, kind).iter().any(|l| l == to)
    }
}

/// Record the cycles the merged `index` closes that neither side had, on
/// the cards holding their one-sided links, each side named by the commit
/// that made it (`lineage`: ours, theirs); `at`: the journal entry's time.
/// `files`: each side's board files. Returns the rewritten card files
/// (repository path, blob).
pub(super) fn record_in_sync(
    repo: &Repository,
    index: &git2::Index,
    cards_dir: &str,
    files: (&BTreeMap<String, Entry>, &BTreeMap<String, Entry>),
    lineage: (Lineage, Lineage),
    at: i64,
    report: &mut Report,
) -> Result<Vec<(String, Oid)>> {
    let (ours, theirs) = files;
    let mut view = Synced {
        cards: Cards::new(repo),
        index,
        cards_dir,
        ours,
        theirs,
    };
    // The links ours lacks: in cards the merge changed from ours.
    let mut candidates = Vec::new();
    for entry in index.iter() {
        let path = String::from_utf8_lossy(&entry.path).into_owned();
        if !path.starts_with(cards_dir) || entry.flags & 0x3000 != 0 {
            continue;
        }
        let was = ours.get(&path).map(|e| e.0);
        if was == Some(entry.id) || !may_link(repo, entry.id) {
            continue;
        }
        let Some(merged) = view.cards.get(Some(entry.id)).cloned() else {
            continue;
        };
        let before = view.cards.get(was).cloned();
        candidates.extend(cycles::added_links(before.as_ref(), &merged));
    }
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let found = cycles::new_cycles(&candidates, &mut view);
    let mut by_card: BTreeMap<String, Vec<cycles::CycleLink>> = BTreeMap::new();
    for l in found {
        by_card.entry(l.card.clone()).or_default().push(l);
    }
    let mut out = Vec::new();
    for (id, links) in by_card {
        let path = view.path(&id);
        let Some(oid) = index.get_path(Path::new(&path), 0).map(|e| e.id) else {
            continue;
        };
        let Some(bytes) = blob_text(repo, Some(oid)) else {
            continue;
        };
        let Ok(loaded) = store::parse_card(&path, &bytes) else {
            continue;
        };
        let mut card = loaded.card;
        let conflicts: Vec<merge::Conflict> =
            links.iter().map(|l| cycles::conflict(&card, l)).collect();
        let who = |c: &merge::Conflict, side: Side| {
            let (line, v) = match side {
                Side::Ours => (lineage.0, &c.ours),
                Side::Theirs => (lineage.1, &c.theirs),
            };
            made_by(repo, line, &path, &c.field, v)
        };
        let by = Recorder {
            name: "lanes sync",
            at,
            who: &who,
        };
        record_conflicts(&by, &mut card, &conflicts, report);
        let text = store::render_card(&card, std::str::from_utf8(&bytes).ok());
        out.push((path, repo.blob(text.as_bytes())?));
    }
    Ok(out)
}

/// The board as a plain `git merge` is merging it, seen from the merge
/// driver: this card as merged, every other card as git will merge it
/// (the side that changed it; both sides' links when both did).
struct Driven<'a, 'r> {
    cards: Cards<'r>,
    cards_dir: &'a str,
    base: Option<Tree<'r>>,
    ours: Tree<'r>,
    theirs: Tree<'r>,
    this: &'a Card,
    this_ours: &'a Card,
    this_theirs: &'a Card,
}

impl<'r> Driven<'_, 'r> {
    fn blob(&self, tree: Option<&Tree<'r>>, card: &str) -> Option<Oid> {
        let path = format!("{}{card}.yaml", self.cards_dir);
        tree?.get_path(Path::new(&path)).ok().map(|e| e.id())
    }
}

impl cycles::View for Driven<'_, '_> {
    fn merged(&mut self, card: &str, kind: Kind) -> Vec<String> {
        if card == self.this.id {
            return self
                .this
                .links(kind)
                .into_iter()
                .map(str::to_string)
                .collect();
        }
        let (b, o, t) = (
            self.blob(self.base.as_ref(), card),
            self.blob(Some(&self.ours), card),
            self.blob(Some(&self.theirs), card),
        );
        if o == t || t == b {
            return self.cards.links(o, kind);
        }
        if o == b {
            return self.cards.links(t, kind);
        }
        // Both sides changed it: git runs this driver for it too, and the
        // links merge as sets.
        let (bc, oc, tc) = (
            self.cards.get(b).cloned(),
            self.cards.get(o).cloned(),
            self.cards.get(t).cloned(),
        );
        match (oc, tc) {
            (Some(oc), Some(tc)) => merge::merge_card(bc.as_ref(), &oc, &tc, Side::Ours)
                .card
                .links(kind)
                .into_iter()
                .map(str::to_string)
                .collect(),
            (Some(c), None) | (None, Some(c)) => {
                c.links(kind).into_iter().map(str::to_string).collect()
            }
            (None, None) => Vec::new(),
        }
    }

    fn has(&mut self, side: Side, card: &str, kind: Kind, to: &str) -> bool {
        if card == self.this.id {
            let c = if side == Side::Ours {
                self.this_ours
            } else {
                self.this_theirs
            };
            return c.links(kind).contains(&to);
        }
        let tree = if side == Side::Ours {
            &self.ours
        } else {
            &self.theirs
        };
        let oid = self.blob(Some(tree), card);
        self.cards.links(oid, kind).iter().any(|l| l == to)
    }
}

/// In the merge driver: the links of `card` (merged from `ours` and
/// `theirs`) that one side lacks, which may close a cycle (empty for most
/// merges, which then read nothing more).
pub(super) fn driver_candidates(
    ours: &Card,
    theirs: &Card,
    card: &Card,
) -> Vec<(String, Kind, String)> {
    let mut candidates = cycles::added_links(Some(ours), card);
    candidates.extend(cycles::added_links(Some(theirs), card));
    candidates
}

/// In the merge driver of a `git merge` of `other` into `head` (both
/// sides' tips, and where they meet): the conflicts recording on `card`
/// (merged from `ours` and `theirs`) the cycles its one-sided links
/// (`candidates`) close with the rest of the board as git merges it.
#[allow(clippy::too_many_arguments)]
pub(super) fn record_in_driver(
    repo: &Repository,
    head: Lineage,
    other: Lineage,
    path: &str,
    card: &Card,
    ours: &Card,
    theirs: &Card,
    candidates: &[(String, Kind, String)],
) -> Result<Vec<merge::Conflict>> {
    let Some(cards_dir) = path
        .rfind("cards/")
        .map(|at| path[..at + "cards/".len()].to_string())
    else {
        return Ok(Vec::new());
    };
    let base = head
        .base
        .and_then(|b| repo.find_commit(b).ok())
        .and_then(|c| c.tree().ok());
    let mut view = Driven {
        cards: Cards::new(repo),
        cards_dir: &cards_dir,
        base,
        ours: repo.find_commit(head.tip)?.tree()?,
        theirs: repo.find_commit(other.tip)?.tree()?,
        this: card,
        this_ours: ours,
        this_theirs: theirs,
    };
    Ok(cycles::new_cycles(candidates, &mut view)
        .into_iter()
        .filter(|l| l.card == card.id)
        .map(|l| cycles::conflict(card, &l))
        .collect())
}
