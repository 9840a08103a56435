//! The undo and redo stack, read from history: your lanes commits on the
//! first-parent chain, what each is (a change, an undo, a redo, a barrier),
//! and the first `n` steps.

use super::{fetch_lacking, Kind, Step};
use crate::git;
use crate::ops::{message, Context};
use crate::store;
use anyhow::Result;
use git2::{Commit, Oid, Repository};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// What a commit on the stack is.
#[derive(Debug, Clone)]
pub(super) enum Event {
    /// An ordinary change.
    Change,
    /// An undo of this change.
    Undo(Oid),
    /// A redo of this change.
    Redo(Oid),
    /// Undo cannot go past this commit (a merge, or the board's creation).
    Barrier(&'static str),
}

/// A lanes commit of yours on the first-parent chain.
#[derive(Debug, Clone)]
pub(super) struct Mine {
    pub(super) id: Oid,
    pub(super) event: Event,
    pub(super) action: String,
    pub(super) what: String,
    pub(super) time: i64,
    pub(super) author: String,
    pub(super) cards: Vec<String>,
}

/// Steps found, and why the stack ended where it did.
pub(super) struct Stack {
    pub(super) steps: Vec<Step>,
    /// The commit that ended the walk before `n` steps were found, and
    /// what it is.
    pub(super) barrier: Option<(Mine, &'static str)>,
    pub(super) who: String,
}

/// The author email (or name, without one) that makes a commit yours.
fn me(repo: &Repository, ctx: &Context) -> Result<(String, String)> {
    let (author, _) = ctx.signer().signatures(repo)?;
    Ok((
        author.email().unwrap_or("").to_lowercase(),
        author.name().unwrap_or("").to_string(),
    ))
}

fn is_mine(c: &Commit, me: &(String, String)) -> bool {
    let a = c.author();
    let email = a.email().unwrap_or("").to_lowercase();
    if !me.0.is_empty() || !email.is_empty() {
        email == me.0
    } else {
        a.name().unwrap_or("") == me.1
    }
}

/// The board folder's tree id in a commit.
fn board_tree_id(repo: &Repository, commit: &Commit, board_dir: &str) -> Option<Oid> {
    let tree = commit.tree().ok()?;
    crate::history::board_tree(repo, &tree, board_dir).map(|t| t.id())
}

/// The commit's trailers: action, the change it undoes/redoes, cards.
fn trailers(msg: &str) -> (Option<String>, Option<Oid>, Option<Oid>, Vec<String>) {
    let t = message::Trailers::parse(msg);
    let oid = |s: Option<String>| s.and_then(|s| Oid::from_str(&s).ok());
    (t.action, oid(t.undoes), oid(t.redoes), t.cards)
}

/// Your lanes commits on this board, newest first, lazily.
fn my_commits<'r>(
    repo: &'r Repository,
    root: &Path,
    ctx: &Context,
) -> Result<impl Iterator<Item = Result<Mine>> + 'r> {
    let board_dir = format!("{}{}/", git::repo_path(repo, root, "")?, store::BOARD_DIR);
    let me = me(repo, ctx)?;
    let root = root.to_path_buf();
    let mut next = repo.head().ok().and_then(|h| h.target());
    let mut done = false;
    Ok(std::iter::from_fn(move || loop {
        if done {
            return None;
        }
        let id = next?;
        let c = match repo.find_commit(id) {
            Ok(c) => c,
            Err(e) => return Some(Err(e.into())),
        };
        next = c.parent_id(0).ok();
        let msg = c.message().unwrap_or("");
        let (action, undoes, redoes, cards) = trailers(msg);
        // A merge that changed the board ends the stack whoever made it
        // (`lanes sync`, `git pull`): changes of yours it brought in from
        // its other side are not on this chain, so undo must not skip
        // over them to an older change.
        let merge = c.parent_count() > 1;
        if !merge && (action.is_none() || !is_mine(&c, &me)) {
            continue;
        }
        // A partial clone made with `--filter=tree:0` lacks older commits'
        // folders: without them every card would seem gone.
        let trees: Vec<Oid> = std::iter::once(c.tree_id())
            .chain(c.parent(0).ok().map(|p| p.tree_id()))
            .collect();
        if let Err(e) = fetch_lacking(repo, &root, &trees, "the folders of older commits") {
            done = true;
            return Some(Err(e.context("nothing was changed")));
        }
        let here = board_tree_id(repo, &c, &board_dir);
        let before = c
            .parent(0)
            .ok()
            .and_then(|p| board_tree_id(repo, &p, &board_dir));
        let action = action.unwrap_or_else(|| "merge".to_string());
        if here.is_none() || (here == before && action != "init") {
            continue;
        }
        let event = if merge {
            done = true;
            Event::Barrier("a merge")
        } else if action == "init" || before.is_none() {
            done = true;
            Event::Barrier("the board's creation")
        } else if action == "sync" {
            done = true;
            Event::Barrier("a merge")
        } else {
            match (action.as_str(), undoes, redoes) {
                ("undo", Some(u), _) => Event::Undo(u),
                ("redo", _, Some(r)) => Event::Redo(r),
                _ => Event::Change,
            }
        };
        let subject = c.summary().ok().flatten().unwrap_or("").to_string();
        return Some(Ok(Mine {
            id,
            event,
            action,
            what: subject
                .strip_prefix("lanes: ")
                .unwrap_or(&subject)
                .to_string(),
            time: c.author().when().seconds(),
            author: c.author().name().unwrap_or("").to_string(),
            cards,
        }));
    }))
}

/// The first `n` steps of the undo or redo stack.
pub(super) fn stack(
    repo: &Repository,
    root: &Path,
    ctx: &Context,
    kind: Kind,
    n: usize,
) -> Result<Stack> {
    let (email, name) = me(repo, ctx)?;
    let who = if email.is_empty() { name } else { email };
    // The change each step is about, for its description: a change's own
    // commit, found further back than the redo or undo that names it.
    let mut changes: BTreeMap<Oid, Mine> = BTreeMap::new();
    let mut out = Stack {
        steps: Vec::new(),
        barrier: None,
        who,
    };
    // Pending steps whose change's commit is not seen yet: (reverts, change).
    let mut found: Vec<(Oid, Oid)> = Vec::new();
    match kind {
        Kind::Undo => {
            // Newest first: the newest event about a change says whether
            // it is done now (a change or a redo) or undone (an undo).
            let mut seen: HashSet<Oid> = HashSet::new();
            let mut walk = my_commits(repo, root, ctx)?;
            for m in walk.by_ref() {
                let m = m?;
                let (change, reverts) = match &m.event {
                    Event::Change => (m.id, m.id),
                    Event::Redo(c) => (*c, m.id),
                    Event::Undo(c) => {
                        seen.insert(*c);
                        continue;
                    }
                    Event::Barrier(what) => {
                        if found.len() < n {
                            out.barrier = Some((m.clone(), what));
                        }
                        break;
                    }
                };
                if m.event_is_change() {
                    changes.insert(m.id, m.clone());
                }
                if found.len() < n && seen.insert(change) {
                    found.push((reverts, change));
                }
                if found.len() >= n && found.iter().all(|(_, c)| changes.contains_key(c)) {
                    break;
                }
            }
        }
        Kind::Redo => {
            // The undos and redos since your last ordinary change, played
            // forward: what they left undone can be redone, newest first.
            let mut suffix = Vec::new();
            for m in my_commits(repo, root, ctx)? {
                let m = m?;
                match m.event {
                    Event::Change | Event::Barrier(_) => break,
                    _ => suffix.push(m),
                }
            }
            let mut undone: Vec<(Oid, Oid)> = Vec::new();
            for m in suffix.iter().rev() {
                match m.event {
                    Event::Undo(c) => undone.push((m.id, c)),
                    Event::Redo(c) => undone.retain(|(_, u)| *u != c),
                    _ => {}
                }
            }
            found = undone.into_iter().rev().take(n).collect();
            if !found.is_empty() {
                let wanted: HashSet<Oid> = found.iter().map(|(_, c)| *c).collect();
                for m in my_commits(repo, root, ctx)? {
                    let m = m?;
                    if wanted.contains(&m.id) {
                        changes.insert(m.id, m.clone());
                        if changes.len() == wanted.len() {
                            break;
                        }
                    }
                }
            }
        }
    }
    for (reverts, change) in found {
        let step = match changes.get(&change) {
            Some(m) => Step {
                kind,
                change,
                reverts,
                action: m.action.clone(),
                what: m.what.clone(),
                time: m.time,
                author: m.author.clone(),
                cards: m.cards.clone(),
            },
            // The change is not on this branch's first-parent chain (a
            // rebase rewrote it): describe it from the commit itself.
            None => {
                let c = repo
                    .find_commit(change)
                    .or_else(|_| repo.find_commit(reverts))?;
                let subject = c.summary().ok().flatten().unwrap_or("").to_string();
                let (action, _, _, cards) = trailers(c.message().unwrap_or(""));
                let author = c.author();
                Step {
                    kind,
                    change,
                    reverts,
                    action: action.unwrap_or_default(),
                    what: subject
                        .strip_prefix("lanes: ")
                        .unwrap_or(&subject)
                        .to_string(),
                    time: author.when().seconds(),
                    author: author.name().unwrap_or("").to_string(),
                    cards,
                }
            }
        };
        out.steps.push(step);
    }
    Ok(out)
}

impl Mine {
    fn event_is_change(&self) -> bool {
        matches!(self.event, Event::Change)
    }
}
