//! Undo and redo of many levels, read from the branch's own history, so
//! they survive restarts and work the same from the board screen and the
//! command line.
//!
//! **The stack.** The first-parent chain of HEAD is walked newest first.
//! A commit counts when lanes made it (an action trailer, `model::oplog`), your
//! identity authored it (the [`Context`]'s, else git's), and it changed
//! this board. Among those:
//!
//! - an ordinary change (`move`, `edit`, `note`, `add`, `archive`, a hand
//!   edit lanes committed, ...) is one level of undo;
//! - an `undo` action trailer naming the change it undoes took that change
//!   back: it is no level itself, and the change is undone from then on;
//! - a `redo` action trailer naming the change it redoes made it again: the
//!   change is a level again, now taken back by reverting the redo;
//! - a merge that changed the board (`lanes sync`, `git pull`, whoever
//!   made it) and the board's creation (`init`) end the stack: undo
//!   refuses to go past them (your changes a merge brought in from its
//!   other side are not on the first-parent chain).
//!
//! Teammates' commits are not on your stack; they are kept by the merge
//! below, or the undo is refused. Redo re-applies what the most recent
//! undos took back, newest first, until a new ordinary change is made.
//!
//! **One step.** Each undone or redone change is one new commit, made
//! through the same transaction, hooks and signing as every lanes commit.
//! It reverts one commit `X` (the change itself, the redo that last made it,
//! or for a redo the undo that took it back) card by card: a three-way
//! merge with base = the card in `X`, ours = the card now, theirs = the
//! card before `X` ([`merge_card`]). A field changed since `X` (by anyone)
//! that `X` also changed is a conflict: the whole command is refused,
//! naming the card, the field and the commits, and nothing changes.
//! Undoing `add` removes the card file (as `git revert` would); redoing it
//! brings the file back.
//!
//! Every step of `undo N` is planned before the first commit, so a refusal
//! changes nothing; a commit that fails on the way (a hook refusing, say)
//! stops there, and what was done is reported.

mod stack;

use super::{check_card, check_readable, git_hooks, message, Context};
use crate::git;
use crate::merge::{merge_card, Side};
use crate::model::{date, id, Card};
use crate::store::{self, Index};
use anyhow::{anyhow, bail, Context as _, Result};
use git2::{Commit, Oid, Repository};
use serde::Serialize;
use serde_yaml::Value;
use stack::{stack, Stack};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// Undo or redo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Undo,
    Redo,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Undo => "undo",
            Kind::Redo => "redo",
        }
    }
}

/// One change that undo would take back (or redo make again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub kind: Kind,
    /// The change itself: the lanes commit that first made it.
    pub change: Oid,
    /// The commit this step reverts: the change, or the redo that last
    /// made it again; for a redo, the undo that took it back.
    pub reverts: Oid,
    /// The change's action trailer (`move`, `note`, ...).
    pub action: String,
    /// The change's subject without `lanes: `, e.g.
    /// `move 3fk2a9 Tune lr (data-preparation -> modeling)`.
    pub what: String,
    /// When the change was made (author time, seconds since the epoch).
    pub time: i64,
    /// Who made it (the author's name).
    pub author: String,
    /// The cards it changed (full ids).
    pub cards: Vec<String>,
}

impl Step {
    /// A line for the user: `undo move 3fk2a9 Tune lr (...)`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.kind.word(), self.what)
    }
}

/// One step done.
#[derive(Debug, Clone)]
pub struct Done {
    pub step: Step,
    /// The commit made (`None`: the board already was as the step would
    /// leave it, so nothing was committed).
    pub commit: Option<Oid>,
    /// Its subject.
    pub subject: String,
    /// When it was made (seconds since the epoch).
    pub time: i64,
    /// Board file paths changed, relative to the board root.
    pub changed: Vec<String>,
}

/// What `undo` or `redo` did, oldest step first.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub kind: Kind,
    pub done: Vec<Done>,
}

impl Outcome {
    /// The last commit made, if any.
    pub fn last_commit(&self) -> Option<Oid> {
        self.done.iter().rev().find_map(|d| d.commit)
    }

    /// A line for the user: what the last step did, and how many there
    /// were.
    pub fn summary(&self) -> String {
        match self.done.as_slice() {
            [] => format!("nothing to {}", self.kind.word()),
            [one] => one.step.describe(),
            [.., last] => format!(
                "{} ({} changes in all)",
                last.step.describe(),
                self.done.len()
            ),
        }
    }

    /// The outcome as typed JSON (documented in docs/FORMAT.md).
    pub fn to_json(&self) -> serde_json::Value {
        #[derive(Serialize)]
        struct Change<'a> {
            commit: String,
            action: &'a str,
            what: &'a str,
            author: &'a str,
            at: String,
        }
        #[derive(Serialize)]
        struct Item<'a> {
            commit: Option<String>,
            subject: &'a str,
            at: String,
            reverts: String,
            cards: &'a [String],
            files: &'a [String],
            change: Change<'a>,
        }
        let steps: Vec<Item> = self
            .done
            .iter()
            .map(|d| Item {
                commit: d.commit.map(|c| c.to_string()),
                subject: &d.subject,
                at: date::format_timestamp(d.time),
                reverts: d.step.reverts.to_string(),
                cards: &d.step.cards,
                files: &d.changed,
                change: Change {
                    commit: d.step.change.to_string(),
                    action: &d.step.action,
                    what: &d.step.what,
                    author: &d.step.author,
                    at: date::format_timestamp(d.step.time),
                },
            })
            .collect();
        serde_json::json!({ "action": self.kind, "steps": steps })
    }
}

/// The next `n` changes `undo` would take back, newest first (fewer when
/// there are fewer). Reads history only; changes nothing.
pub fn undo_plan(root: &Path, ctx: &Context, n: usize) -> Result<Vec<Step>> {
    let repo = git::open(root)?;
    Ok(stack(&repo, root, ctx, Kind::Undo, n)?.steps)
}

/// The next `n` changes `redo` would make again, most recently undone
/// first (fewer when there are fewer).
pub fn redo_plan(root: &Path, ctx: &Context, n: usize) -> Result<Vec<Step>> {
    let repo = git::open(root)?;
    Ok(stack(&repo, root, ctx, Kind::Redo, n)?.steps)
}

/// Whether `redo` has something to make again.
pub fn can_redo(root: &Path, ctx: &Context) -> Result<bool> {
    Ok(!redo_plan(root, ctx, 1)?.is_empty())
}

/// Take back your last `n` lanes changes, each as a new commit. Refused
/// with nothing changed when fewer than `n` can be undone or when one
/// would overwrite a later change.
pub fn undo(root: &Path, ctx: &Context, n: usize) -> Result<Outcome> {
    run(root, ctx, Kind::Undo, n)
}

/// Make again the last `n` changes undone, each as a new commit.
pub fn redo(root: &Path, ctx: &Context, n: usize) -> Result<Outcome> {
    run(root, ctx, Kind::Redo, n)
}

// ---------------------------------------------------------------------------
// Planning: every step's cards, before anything is written

/// A card file as a step leaves it.
struct Write {
    id: String,
    /// Relative to the board root.
    rel: String,
    /// The file now (`None`: absent).
    now: Option<Vec<u8>>,
    /// The file after the step (`None`: removed).
    after: Option<Vec<u8>>,
    /// Field changes, for the commit body.
    lines: Vec<String>,
}

/// A card version in a commit: its file bytes, if it has one there.
fn card_bytes(
    repo: &Repository,
    root: &Path,
    commit: &Commit,
    repo_rel: &str,
) -> Result<Option<Vec<u8>>> {
    match git::tree::entry_at(repo, commit.tree_id(), repo_rel)? {
        Some((oid, _)) => {
            fetch_lacking(repo, root, &[oid], "a version of the card")?;
            Ok(Some(repo.find_blob(oid)?.content().to_vec()))
        }
        None => Ok(None),
    }
}

/// Bring the objects of `ids` that a partial clone lacks (`what` they
/// are, for the message), as git fetches them on demand; a plain refusal
/// when they cannot be had.
fn fetch_lacking(repo: &Repository, root: &Path, ids: &[Oid], what: &str) -> Result<()> {
    let absent = git::partial::absent(repo, ids);
    if absent.is_empty() {
        return Ok(());
    }
    let timeout = git::process::Timeout::read(repo, root)?;
    git::partial::fetch_missing(repo, &absent, &timeout).map_err(
        |why| {
            anyhow!(
                "this is a partial clone that lacks {what} (git fetches such objects on demand), and {why}; run it again once the remote can be reached"
            )
        },
    )
}

fn parse(rel: &str, bytes: &[u8], whose: impl FnOnce() -> String) -> Result<Card> {
    store::parse_card(rel, bytes)
        .map(|l| l.card)
        .map_err(|p| anyhow!("{} cannot be read ({p}), so it cannot be put back", whose()))
}

/// The cards a commit changed under the board (ids), refusing other board
/// files.
fn changed_cards(repo: &Repository, commit: &Commit, board_dir: &str) -> Result<Vec<String>> {
    let parent = commit.parent(0)?;
    let tree_of = |c: &Commit| -> Result<Option<git2::Tree<'_>>> {
        Ok(crate::history::board_tree(repo, &c.tree()?, board_dir))
    };
    let (old, new) = (tree_of(&parent)?, tree_of(commit)?);
    let diff = repo.diff_tree_to_tree(old.as_ref(), new.as_ref(), None)?;
    let mut ids = Vec::new();
    for d in diff.deltas() {
        let path = d
            .new_file()
            .path()
            .or(d.old_file().path())
            .and_then(Path::to_str)
            .unwrap_or("");
        match path
            .strip_prefix("cards/")
            .and_then(|n| n.strip_suffix(".yaml"))
        {
            Some(id) if !id.contains('/') => ids.push(id.to_string()),
            _ => bail!(
                "{} changed {}/{path}, and undo only puts cards back; nothing was changed",
                short(commit.id()),
                store::BOARD_DIR
            ),
        }
    }
    Ok(ids)
}

fn short(oid: Oid) -> String {
    oid.to_string()[..8].to_string()
}

/// A dotted field's value in a card (`placement`: lane and rank).
fn field_value(card: &Card, field: &str) -> Value {
    let v = card.to_value();
    let top = field.split(['.', '[']).next().unwrap_or(field);
    match field {
        "placement" => Value::from(format!("{} {}", card.lane, card.rank)),
        _ => super::get_field(&v, field)
            .or_else(|| super::get_field(&v, top))
            .cloned()
            .unwrap_or(Value::Null),
    }
}

/// A conflict's field as the user knows it.
fn field_name(field: &str, a: &Card, b: &Card) -> String {
    match field {
        "placement" if a.lane != b.lane => "lane".to_string(),
        "placement" => "rank (its place in the lane)".to_string(),
        "" => "several fields".to_string(),
        f => f.to_string(),
    }
}

/// The newest commit after `since` that changed `field` of card `id`
/// (`None`: an uncommitted edit, or not found).
fn changed_by(
    repo: &Repository,
    root: &Path,
    repo_rel: &str,
    rel: &str,
    field: &str,
    since: Oid,
) -> Option<String> {
    let mut walk = repo.revwalk().ok()?;
    walk.push_head().ok()?;
    walk.hide(since).ok()?;
    for oid in walk.flatten() {
        let c = repo.find_commit(oid).ok()?;
        let Ok(p) = c.parent(0) else { continue };
        let (now, was) = (
            card_bytes(repo, root, &c, repo_rel).ok()?,
            card_bytes(repo, root, &p, repo_rel).ok()?,
        );
        if now == was {
            continue;
        }
        let read = |b: &Option<Vec<u8>>| {
            b.as_ref()
                .and_then(|b| store::parse_card(rel, b).ok())
                .map(|l| l.card)
        };
        let (n, w) = (read(&now), read(&was));
        let differs = match (&n, &w) {
            (Some(n), Some(w)) => field_value(n, field) != field_value(w, field),
            _ => true,
        };
        if differs {
            return Some(format!(
                "{} ({}, by {})",
                short(oid),
                c.summary().ok().flatten().unwrap_or(""),
                c.author().name().unwrap_or("")
            ));
        }
    }
    None
}

/// The journal as `revert` of one commit leaves it: the entries the commit
/// added are taken out, those it removed are put back, and everything
/// written since stays (the journal is append-only: a three-way merge of
/// it is a union and would keep the note being undone).
fn revert_journal(before: &Card, after: &Card, now: &Card) -> Vec<crate::model::JournalEntry> {
    let added: Vec<_> = after
        .journal
        .iter()
        .filter(|e| !before.journal.contains(e))
        .collect();
    let mut out: Vec<_> = now
        .journal
        .iter()
        .filter(|e| !added.contains(e))
        .cloned()
        .collect();
    for e in before.journal.iter().filter(|e| !after.journal.contains(e)) {
        if !out.contains(e) {
            let at = out.iter().position(|o| o.at > e.at).unwrap_or(out.len());
            out.insert(at, e.clone());
        }
    }
    out
}

/// Plan one step: each card the reverted commit changed, as it will be.
/// `state` holds the files as earlier steps of this command leave them.
fn plan_step(
    repo: &Repository,
    board: &Index,
    prefix: &str,
    step: &Step,
    state: &mut BTreeMap<String, Option<Vec<u8>>>,
) -> Result<Vec<Write>> {
    let board_dir = format!("{prefix}{}/", store::BOARD_DIR);
    let x = repo.find_commit(step.reverts)?;
    let parent = x.parent(0)?;
    let mut writes = Vec::new();
    let what = format!("{} {:?}", step.kind.word(), step.what);
    let which = match step.kind {
        Kind::Undo if step.reverts == step.change => format!("commit {}", short(step.change)),
        Kind::Undo => format!(
            "commit {}, made again in {}",
            short(step.change),
            short(step.reverts)
        ),
        Kind::Redo => format!(
            "commit {}, undone in {}",
            short(step.change),
            short(step.reverts)
        ),
    };
    let refuse = |msg: String| -> anyhow::Error {
        anyhow!("cannot {what} ({which}): {msg}; nothing was changed")
    };
    let ids = changed_cards(repo, &x, &board_dir)?;
    // The card versions before and after the change, fetched in one batch
    // where a partial clone lacks them.
    let mut versions = Vec::new();
    for id in &ids {
        let repo_rel = format!("{prefix}{}", store::card_path(id));
        for c in [&parent, &x] {
            if let Some((oid, _)) = git::tree::entry_at(repo, c.tree_id(), &repo_rel)? {
                versions.push(oid);
            }
        }
    }
    let what_lacks = if ids.len() == 1 {
        "the versions of the card this change needs".to_string()
    } else {
        format!("the versions of the {} cards this change needs", ids.len())
    };
    fetch_lacking(repo, &board.root, &versions, &what_lacks)
        .map_err(|e| refuse(format!("{e:#}")))?;
    for id in ids {
        let rel = store::card_path(&id);
        let repo_rel = format!("{prefix}{rel}");
        let now_bytes = match state.get(&rel) {
            Some(b) => b.clone(),
            None => store::read_if_exists(&board.root, &rel)?,
        };
        let before_bytes = card_bytes(repo, &board.root, &parent, &repo_rel)?;
        let after_bytes = card_bytes(repo, &board.root, &x, &repo_rel)?;
        let at = |c: &Commit| format!("card {} in {}", id::short(&id), short(c.id()));
        let before = before_bytes
            .as_deref()
            .map(|b| parse(&rel, b, || at(&parent)))
            .transpose()?;
        let after = after_bytes
            .as_deref()
            .map(|b| parse(&rel, b, || at(&x)))
            .transpose()?;
        let now = now_bytes
            .as_deref()
            .map(|b| parse(&rel, b, || format!("card {} on disk", id::short(&id))))
            .transpose()?;
        let title = now
            .as_ref()
            .or(after.as_ref())
            .or(before.as_ref())
            .map(|c| format!("{} {:?}", id::short(&id), message::clean_line(&c.title, 40)))
            .unwrap_or_else(|| id::short(&id).to_string());
        let new_bytes: Option<Vec<u8>> = match (&before, &after, &now) {
            (_, _, Some(n)) if after.as_ref() == Some(n) => before_bytes.clone(),
            (Some(b), Some(a), Some(n)) => {
                let mut merged = merge_card(Some(a), n, b, Side::Ours);
                if let Some(c) = merged.conflicts.first() {
                    let name = field_name(&c.field, n, a);
                    let by = changed_by(repo, &board.root, &repo_rel, &rel, &c.field, x.id())
                        .map(|b| format!("in {b}"))
                        .unwrap_or_else(|| "by an uncommitted edit of the file".to_string());
                    return Err(refuse(format!(
                        "card {title}: its {name} was changed since {by}"
                    )));
                }
                merged.card.journal = revert_journal(b, a, n);
                check_card(&board.config, &merged.card).map_err(|e| refuse(format!("{e:#}")))?;
                let text = now_bytes
                    .as_deref()
                    .and_then(|t| std::str::from_utf8(t).ok());
                Some(store::render_card(&merged.card, text).into_bytes())
            }
            (None, Some(a), Some(n)) => {
                let lines = message::changed_fields(a, n);
                let field = lines
                    .first()
                    .and_then(|l| l.split_once(':'))
                    .map(|(k, _)| k.to_string())
                    .unwrap_or_default();
                let by = changed_by(repo, &board.root, &repo_rel, &rel, &field, x.id())
                    .map(|b| format!("in {b}"))
                    .unwrap_or_else(|| "by an uncommitted edit of the file".to_string());
                return Err(refuse(format!(
                    "card {title} was changed since it was added (its {field}, {by}); archive it instead"
                )));
            }
            (Some(_), None, None) => before_bytes.clone(),
            (Some(_), None, Some(_)) => {
                return Err(refuse(format!("card {title} exists again")));
            }
            (_, Some(_), None) => {
                let by = changed_by(repo, &board.root, &repo_rel, &rel, "id", x.id())
                    .map(|b| format!(" in {b}"))
                    .unwrap_or_default();
                return Err(refuse(format!("card {title} was removed since{by}")));
            }
            (None, None, _) => continue,
        };
        if let Some(b) = &new_bytes {
            let text = String::from_utf8(b.clone()).map_err(|_| anyhow!("{rel} is not UTF-8"))?;
            check_readable(&rel, &text)?;
            // A link put back must still name a card and close no cycle.
            if let Ok(l) = store::parse_card(&rel, b) {
                super::link::check(board, now.as_ref(), &l.card)
                    .map_err(|e| refuse(format!("card {title}: {e:#}")))?;
            }
        }
        if new_bytes == now_bytes {
            continue;
        }
        let lines = match (&now, new_bytes.as_deref()) {
            (Some(n), Some(b)) => store::parse_card(&rel, b)
                .map(|l| message::changed_fields(n, &l.card))
                .unwrap_or_default(),
            (None, Some(_)) => vec![format!("{id}: put back")],
            (_, None) => vec![format!("{id}: removed")],
        };
        state.insert(rel.clone(), new_bytes.clone());
        writes.push(Write {
            id,
            rel,
            now: now_bytes,
            after: new_bytes,
            lines,
        });
    }
    Ok(writes)
}

// ---------------------------------------------------------------------------
// Doing it

fn run(root: &Path, ctx: &Context, kind: Kind, n: usize) -> Result<Outcome> {
    if n == 0 {
        return Ok(Outcome {
            kind,
            done: Vec::new(),
        });
    }
    let _lock = super::lock(root)?;
    let board = Index::load(root)?;
    if !super::auto_commit(&board.config) {
        bail!(
            "this board has `commit: manual`; {} works from lanes' commits, so commit your changes first (`lanes commit`)",
            kind.word()
        );
    }
    let repo = git::open(root)?;
    git::check_ready(&repo)?;
    let stack = stack(&repo, root, ctx, kind, n)?;
    if stack.steps.len() < n {
        bail!("{}", short_of(&stack, kind, n));
    }
    let prefix = git::repo_path(&repo, root, "")?;
    // Every step planned first: a refusal changes nothing.
    let mut state = BTreeMap::new();
    let mut plans = Vec::new();
    for step in &stack.steps {
        plans.push(plan_step(&repo, &board, &prefix, step, &mut state)?);
    }
    // Hand edits of the cards about to change are committed first, as
    // every lanes action does.
    let hooks = git_hooks(&board.config);
    let mut handled = HashSet::new();
    for w in plans.iter().flatten() {
        if !handled.insert(w.rel.clone()) {
            continue;
        }
        if let Some(now) = &w.now {
            if let Ok(card) = store::parse_card(&w.rel, now) {
                super::commit_hand_edit(
                    ctx,
                    &repo,
                    &format!("{prefix}{}", w.rel),
                    &card.card,
                    now,
                    hooks,
                )?;
            }
        }
    }
    let mut done = Vec::new();
    for (step, writes) in stack.steps.into_iter().zip(plans) {
        match commit_step(ctx, &repo, &board, &prefix, &step, &writes) {
            Ok(d) => done.push(d),
            Err(e) if done.is_empty() => return Err(e),
            Err(e) => {
                let did: Vec<String> = done.iter().map(|d: &Done| d.subject.clone()).collect();
                return Err(e.context(format!(
                    "{} of {n} steps were done ({}), then",
                    done.len(),
                    did.join("; ")
                )));
            }
        }
    }
    Ok(Outcome { kind, done })
}

/// Why fewer than `n` steps can be taken.
fn short_of(stack: &Stack, kind: Kind, n: usize) -> String {
    let k = stack.steps.len();
    let have = match k {
        0 => String::new(),
        1 => "only 1 change can be ".to_string(),
        k => format!("only {k} changes can be "),
    };
    let done_word = match kind {
        Kind::Undo => "undone",
        Kind::Redo => "redone",
    };
    let have = if k > 0 {
        format!("{have}{done_word} (asked for {n}); ")
    } else {
        String::new()
    };
    match (kind, &stack.barrier) {
        (Kind::Undo, Some((m, "a merge"))) => format!(
            "{have}cannot undo past the merge {} ({}, {}): a merge brings in teammates' changes and undo does not take it back; change the cards again instead (or `git revert -m 1 {}`); nothing was changed",
            short(m.id),
            m.what,
            date::format_timestamp(m.time),
            short(m.id)
        ),
        (Kind::Undo, Some((m, _))) if k == 0 => format!(
            "nothing to undo: none of your lanes changes on this branch since the board was created (in {}) is left to take back",
            short(m.id)
        ),
        (Kind::Undo, Some((m, _))) => format!(
            "{have}the board was created in {}, which undo does not take back; nothing was changed",
            short(m.id)
        ),
        (Kind::Undo, None) => format!(
            "{have}nothing {}to undo: no lanes change by you ({}) on this branch{}; nothing was changed",
            if k > 0 { "more " } else { "" },
            stack.who,
            if k > 0 { " before those" } else { "" }
        ),
        (Kind::Redo, _) => format!(
            "{have}nothing {}to redo: redo makes again what your last undos took back, until you make a new change; nothing was changed",
            if k > 0 { "more " } else { "" }
        ),
    }
}

/// Write one step's files and commit them through the transaction.
fn commit_step(
    ctx: &Context,
    repo: &Repository,
    board: &Index,
    prefix: &str,
    step: &Step,
    writes: &[Write],
) -> Result<Done> {
    let subject = format!(
        "lanes: {} {}",
        step.kind.word(),
        message::clean_line(&step.what, 100)
    );
    let changed: Vec<String> = writes.iter().map(|w| w.rel.clone()).collect();
    let time = ctx.now();
    if writes.is_empty() {
        return Ok(Done {
            step: step.clone(),
            commit: None,
            subject: format!("{subject}: the board already is that way; nothing changed"),
            time,
            changed,
        });
    }
    // Each file must still be what was planned on.
    for w in writes {
        if store::read_if_exists(&board.root, &w.rel)? != w.now {
            bail!(
                "{} changed on disk while lanes was working; run the command again",
                w.rel
            );
        }
    }
    let mut body = format!(
        "{} {} ({} by {}, {}).\n",
        match step.kind {
            Kind::Undo => "Takes back",
            Kind::Redo => "Makes again",
        },
        short(step.change),
        message::clean_line(&step.what, 80),
        message::clean_line(&step.author, 40),
        date::format_timestamp(step.time)
    );
    for w in writes {
        for l in &w.lines {
            body.push('\n');
            body.push_str(l);
        }
    }
    let cards: Vec<&str> = writes.iter().map(|w| w.id.as_str()).collect();
    let mut trailers = message::Trailers::new(step.kind.word(), &cards);
    match step.kind {
        Kind::Undo => trailers.undoes = Some(step.change.to_string()),
        Kind::Redo => trailers.redoes = Some(step.change.to_string()),
    }
    let msg = trailers.message(&subject, &body);
    let mut tx = git::Transaction::begin(repo, step.kind.word(), &subject)?;
    tx.sign_as(ctx.signer());
    tx.run_hooks(git_hooks(&board.config));
    let mut files = Vec::new();
    for w in writes {
        let repo_rel = format!("{prefix}{}", w.rel);
        tx.protect(&repo_rel, w.now.as_deref(), w.after.as_deref())?;
        files.push((repo_rel, None));
    }
    let mut written = Vec::new();
    let result = (|| -> Result<Oid> {
        for w in writes {
            let path = board.root.join(&w.rel);
            written.push(w);
            match &w.after {
                Some(b) => store::write_atomic(&path, b)?,
                None => std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", w.rel))?,
            }
        }
        tx.commit(&files, &msg)
    })();
    match result {
        Ok(oid) => Ok(Done {
            step: step.clone(),
            commit: Some(oid),
            subject,
            time,
            changed,
        }),
        Err(e) => {
            // Put the files back as they were, then let the transaction go.
            let mut failed = Vec::new();
            for w in written {
                let path = board.root.join(&w.rel);
                let r = match &w.now {
                    Some(b) => store::write_atomic(&path, b),
                    None => std::fs::remove_file(&path).map_err(Into::into),
                };
                if r.is_err() {
                    failed.push(w.rel.clone());
                }
            }
            drop(tx);
            Err(if failed.is_empty() {
                e.context("the change was not made")
            } else {
                e.context(format!("and {} could not be restored", failed.join(", ")))
            })
        }
    }
}
