//! The walk behind [`board_history`](super::board_history): every commit,
//! parents first, compared with each of its parents' cards folders.
//!
//! A commit with one parent changed the cards that differ from it. A merge
//! changed a card itself only where the card differs from every parent
//! (two edits combined field by field); where it kept one side's version
//! of a card, that side's change is already in the history, dated when it
//! was made, and the merge adds nothing, unless the version it kept is
//! older than the one it set aside: then the card changed back at the
//! merge, and the history says so.
//!
//! Each change is dated by its commit's author time, raised to the time of
//! the change it was made on (found by the card file's blob), so clocks
//! that disagree never make a card move before the move it followed.

use super::{card_state, changed_entries, commit_info, entry_at, CardState, Change, History};
use crate::git;
use crate::git::pack::{self, Packs};
use crate::git::partial::is_missing;
use anyhow::Result;
use git2::{ObjectType, Oid, Repository, Sort};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::rc::Rc;

/// Raw cards folders kept at hand: consecutive commits are nearly always
/// parent and child, so each folder is read about once.
const RECENT: usize = 8;

/// How one commit's cards folder differs from each parent's: per parent,
/// (card, its blob there, its blob here). `None`: the folder is the same
/// as a parent's, so the commit changed no card itself.
type FolderDiff = Option<Vec<Vec<(String, Option<Oid>, Option<Oid>)>>>;

/// A commit of the walk: its id, its root folder (tree) and its parents.
struct Step {
    id: Oid,
    tree: Oid,
    parents: Vec<Oid>,
}

/// Reads cards folders and compares them, for one thread.
struct Reader<'r> {
    repo: &'r Repository,
    objects: pack::Reader<'r>,
    /// Commit → its root folder, as the walk read them.
    trees: &'r HashMap<Oid, Oid>,
    board_dir: &'r str,
    /// Commit → its cards folder.
    folders: HashMap<Oid, Option<Oid>>,
    /// Root folder → its cards folder (a commit that changed nothing
    /// under it has its parent's root folder).
    by_root: HashMap<Oid, Option<Oid>>,
    recent: Vec<(Oid, Rc<Vec<u8>>)>,
    /// Folders (trees) this clone lacks, found since last taken.
    missing: Vec<Oid>,
}

/// The entry `name` of a raw tree: its object id.
fn tree_entry(raw: &[u8], name: &str) -> Option<Oid> {
    let mut at = 0;
    while let Some((n, id, next)) = entry_at(raw, at) {
        if n == name.as_bytes() {
            return Oid::from_bytes(id).ok();
        }
        at = next;
    }
    None
}

impl<'r> Reader<'r> {
    fn folder(&mut self, commit: Oid) -> Option<Oid> {
        if let Some(f) = self.folders.get(&commit) {
            return *f;
        }
        let root = match self.trees.get(&commit) {
            Some(t) => Some(*t),
            None => self.repo.find_commit(commit).ok().map(|c| c.tree_id()),
        };
        let f = match root {
            None => None,
            Some(root) => match self.by_root.get(&root) {
                Some(f) => *f,
                None => {
                    let f = self.find_folder(root).unwrap_or_else(|absent| {
                        self.missing.push(absent);
                        None
                    });
                    self.by_root.insert(root, f);
                    f
                }
            },
        };
        self.folders.insert(commit, f);
        f
    }

    /// The cards folder under a commit's root folder (`None`: it has
    /// none), or the folder on the way to it that this clone lacks
    /// (`Err`).
    fn find_folder(&mut self, root: Oid) -> Result<Option<Oid>, Oid> {
        let mut tree = |id: Oid| match self.objects.read(id) {
            Ok(o) if o.kind == ObjectType::Tree => Ok(Some(o.data)),
            Ok(_) => Ok(None),
            Err(e) if is_missing(&e) => Err(id),
            Err(_) => Ok(None),
        };
        let Some(mut t) = tree(root)? else {
            return Ok(None);
        };
        for name in self.board_dir.trim_end_matches('/').split('/') {
            let Some(id) = tree_entry(&t, name) else {
                return Ok(None);
            };
            match tree(id)? {
                Some(sub) => t = sub,
                None => return Ok(None),
            }
        }
        Ok(tree_entry(&t, "cards"))
    }

    fn raw(&mut self, folder: Option<Oid>) -> Option<Rc<Vec<u8>>> {
        let folder = folder?;
        if let Some((_, o)) = self.recent.iter().find(|(id, _)| *id == folder) {
            return Some(Rc::clone(o));
        }
        let o = match self.objects.read(folder) {
            Ok(o) => o.data,
            Err(e) => {
                if is_missing(&e) {
                    self.missing.push(folder);
                }
                return None;
            }
        };
        if self.recent.len() >= RECENT {
            self.recent.remove(0);
        }
        self.recent.push((folder, Rc::clone(&o)));
        Some(o)
    }

    /// How `commit`'s cards folder differs from each of its parents'.
    fn diff(&mut self, commit: Oid, parents: &[Oid]) -> FolderDiff {
        let now = self.folder(commit);
        let before: Vec<Option<Oid>> = parents.iter().map(|p| self.folder(*p)).collect();
        if !before.is_empty() && before.contains(&now) {
            return None;
        }
        let now_raw = self.raw(now);
        let now_bytes = now_raw.as_deref().map_or(&[][..], |o| &o[..]);
        let sides = if before.is_empty() {
            vec![None]
        } else {
            before
        };
        let mut out = Vec::with_capacity(sides.len());
        for b in sides {
            let raw = self.raw(b);
            let old = raw.as_deref().map_or(&[][..], |o| &o[..]);
            out.push(
                changed_entries(old, now_bytes)
                    .into_iter()
                    .filter_map(|(n, o, w)| Some((n.strip_suffix(".yaml")?.to_string(), o, w)))
                    .collect(),
            );
        }
        Some(out)
    }
}

/// The folder differences of `commits` (with their parents), on every
/// core: contiguous stretches of the walk, so that a thread mostly reads
/// folders it has just read. With them, the folders this clone lacks
/// (then the differences are not to be believed).
fn diffs(
    root: &Path,
    packs: &Packs,
    board_dir: &str,
    commits: &[Step],
) -> Result<(Vec<FolderDiff>, Vec<Oid>)> {
    let trees: HashMap<Oid, Oid> = commits.iter().map(|s| (s.id, s.tree)).collect();
    let parts = git::on_every_core(root, commits, 256, |repo, part| {
        let mut r = Reader {
            repo,
            objects: pack::Reader::new(packs, repo)?,
            trees: &trees,
            board_dir,
            folders: HashMap::new(),
            by_root: HashMap::new(),
            recent: Vec::new(),
            missing: Vec::new(),
        };
        Ok(part
            .iter()
            .map(|s| (r.diff(s.id, &s.parents), std::mem::take(&mut r.missing)))
            .collect())
    })?;
    let mut missing = Vec::new();
    let diffs = parts
        .into_iter()
        .map(|(d, m)| {
            missing.extend(m);
            d
        })
        .collect();
    missing.sort_unstable();
    missing.dedup();
    Ok((diffs, missing))
}

/// Turns folder differences into dated changes, commit by commit, parents
/// first.
struct Dater {
    /// Card file blob → time of the change that wrote it.
    produced: HashMap<Oid, i64>,
}

impl Dater {
    fn time_of(&self, blob: Option<Oid>) -> Option<i64> {
        blob.and_then(|b| self.produced.get(&b)).copied()
    }

    fn push(
        &mut self,
        out: &mut Vec<Change>,
        commit: usize,
        card: String,
        blob: Option<Oid>,
        time: i64,
    ) {
        if let Some(b) = blob {
            self.produced.insert(b, time);
        }
        out.push(Change {
            commit,
            card,
            state: None,
            time,
            blob,
            missing: false,
        });
    }

    /// The changes commit `idx` (made at `author_time`, differing from its
    /// parents as `diff` says) made to cards itself.
    fn changes_of(
        &mut self,
        diff: FolderDiff,
        author_time: i64,
        idx: usize,
        out: &mut Vec<Change>,
    ) {
        let Some(mut per_parent) = diff else {
            return;
        };
        if per_parent.len() == 1 {
            for (card, old, new) in per_parent.pop().unwrap_or_default() {
                let time = self
                    .time_of(old)
                    .map_or(author_time, |t| t.max(author_time));
                self.push(out, idx, card, new, time);
            }
            return;
        }
        // A merge: the card's version in each parent, and in the merge.
        let mut merged: BTreeMap<String, Option<Oid>> = BTreeMap::new();
        let per_parent: Vec<HashMap<String, Option<Oid>>> = per_parent
            .into_iter()
            .map(|d| {
                d.into_iter()
                    .map(|(card, old, new)| {
                        merged.insert(card.clone(), new);
                        (card, old)
                    })
                    .collect()
            })
            .collect();
        for (card, new) in merged {
            let versions: Vec<Option<Oid>> = per_parent
                .iter()
                .map(|d| d.get(&card).copied().unwrap_or(new))
                .collect();
            if per_parent.iter().all(|d| d.contains_key(&card)) {
                let prev = versions.iter().filter_map(|v| self.time_of(*v)).max();
                let time = prev.map_or(author_time, |t| t.max(author_time));
                self.push(out, idx, card, new, time);
                continue;
            }
            // The merge kept one side's version: a change only when the
            // version set aside was made later.
            let Some(kept) = self.time_of(new) else {
                continue;
            };
            let set_aside = versions
                .iter()
                .filter(|v| **v != new)
                .filter_map(|v| self.time_of(*v))
                .max();
            if let Some(later) = set_aside.filter(|t| *t > kept) {
                // The kept version is written again, now (its producer
                // time stays: other merges compare with when it was made).
                out.push(Change {
                    commit: idx,
                    card,
                    state: None,
                    time: later.max(author_time),
                    blob: new,
                    missing: false,
                });
            }
        }
    }
}

/// Add to `history` the commits reachable from `head` but not from `from`
/// (all of them when `from` is `None`), parents first, with the changes
/// they made and the card states after them (a version this clone lacks
/// is marked [`Change::missing`]). When this clone lacks folders (trees)
/// the walk needs, `history` is left as it was and their ids returned.
pub(super) fn extend(
    root: &Path,
    repo: &Repository,
    board_dir: &str,
    history: &mut History,
    head: Oid,
    from: Option<Oid>,
) -> Result<Vec<Oid>> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    walk.push(head)?;
    if let Some(f) = from {
        walk.hide(f)?;
    }
    let mut generation: HashMap<Oid, u32> = HashMap::new();
    for c in &history.commits {
        if let Ok(id) = Oid::from_str(&c.id) {
            generation.insert(id, c.generation);
        }
    }
    let mut infos = Vec::new();
    let mut graph: Vec<Step> = Vec::new();
    for oid in walk {
        let oid = oid?;
        let c = repo.find_commit(oid)?;
        let mut info = commit_info(&c);
        let parents: Vec<Oid> = c.parent_ids().collect();
        info.generation = 1 + parents
            .iter()
            .map(|p| generation.get(p).copied().unwrap_or(0))
            .max()
            .unwrap_or(0);
        generation.insert(oid, info.generation);
        infos.push(info);
        graph.push(Step {
            id: oid,
            tree: c.tree_id(),
            parents,
        });
    }
    let packs = Packs::open(repo);
    let (folder_diffs, missing) = diffs(root, &packs, board_dir, &graph)?;
    if !missing.is_empty() {
        return Ok(missing);
    }
    let mut dater = Dater {
        produced: HashMap::new(),
    };
    for ch in &history.changes {
        if let Some(b) = ch.blob {
            let t = dater.produced.entry(b).or_insert(ch.time);
            *t = (*t).max(ch.time);
        }
    }
    let first_new = history.changes.len();
    for (info, diff) in infos.into_iter().zip(folder_diffs) {
        let idx = history.commits.len();
        dater.changes_of(diff, info.time, idx, &mut history.changes);
        history.commits.push(info);
    }
    fill_states(root, &packs, &mut history.changes[first_new..])?;
    Ok(Vec::new())
}

/// A card file's state by blob: `None` when this clone lacks the blob;
/// `Some(None)` when the file cannot be read as a card.
pub(super) type States = HashMap<Oid, Option<Option<CardState>>>;

/// Read the card state of each blob (each once, on every core), in the
/// order the packs hold them, so that each version is rebuilt from the one
/// before it.
pub(super) fn read_states(root: &Path, packs: &Packs, blobs: &[Oid]) -> Result<States> {
    let mut blobs = blobs.to_vec();
    blobs.sort_by_cached_key(|b| packs.locate(*b));
    let parts = git::on_every_core(root, &blobs, 512, |repo, part| {
        let mut objects = pack::Reader::new(packs, repo)?;
        Ok(part
            .iter()
            .map(|b| {
                let state = match objects.read(*b) {
                    Ok(o) => Some(card_state(&o.data)),
                    Err(e) if is_missing(&e) => None,
                    Err(_) => Some(None),
                };
                (*b, state)
            })
            .collect())
    })?;
    Ok(parts.into_iter().collect())
}

/// Read the card state of every change.
fn fill_states(root: &Path, packs: &Packs, changes: &mut [Change]) -> Result<()> {
    let mut blobs: Vec<Oid> = changes.iter().filter_map(|c| c.blob).collect();
    blobs.sort_unstable();
    blobs.dedup();
    let states = read_states(root, packs, &blobs)?;
    for c in changes {
        if let Some(b) = c.blob {
            match states.get(&b) {
                Some(Some(state)) => c.state = state.clone(),
                _ => c.missing = true,
            }
        }
    }
    Ok(())
}
