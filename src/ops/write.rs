//! Writing one card and committing it: the write every card action ends
//! in, the backup that puts the file back when the commit fails, and the
//! commit of a hand edit found on the way.

use super::{
    auto_commit, busy, check_card, git_hooks, link, message, no_change, subject, Context, More,
    Outcome,
};
use crate::git;
use crate::model::Card;
use crate::store::{self, Index};
use anyhow::{anyhow, bail, Context as _, Result};
use std::path::{Path, PathBuf};

/// What the file being written is expected to hold now.
pub(super) enum Base<'a> {
    /// Nothing: a new card.
    New,
    /// This card, exactly as loaded.
    Card(&'a Card),
    /// A file that could not be read (being repaired).
    Broken,
}

/// lanes never writes a card it would refuse to read: a note that grows a
/// card past the size bound for card files (which protects every reader
/// from a teammate's oversized file) is refused, with nothing changed.
pub(super) fn check_readable(rel: &str, text: &str) -> Result<()> {
    let limit = store::yaml::MAX_FILE_BYTES;
    if text.len() > limit {
        bail!(
            "{rel} would be {} bytes, over the {limit} byte limit for a card file, so the change was not made; keep long notes and results in a file in the repository and link it from the card",
            text.len()
        );
    }
    store::parse_card(rel, text.as_bytes())
        .map_err(|p| anyhow!("the change was not made: {rel} would not read back ({p})"))?;
    Ok(())
}

/// The numbers of `ctx.spelled` this write sets: those whose value
/// differs from the card's before (a number left as it was keeps its
/// text, whatever was typed).
fn spelled_here(ctx: &Context, base: &Base<'_>, after: &Card) -> Vec<(String, String)> {
    if ctx.spelled.is_empty() {
        return Vec::new();
    }
    let before = match base {
        Base::Card(b) => Some(b.to_value()),
        Base::New | Base::Broken => None,
    };
    let after_value = after.to_value();
    ctx.spelled
        .iter()
        .filter(|(path, _)| {
            let now = super::set::get_field(&after_value, path);
            let was = before.as_ref().and_then(|b| super::set::get_field(b, path));
            matches!(now, Some(serde_yaml::Value::Number(_))) && now != was
        })
        .cloned()
        .collect()
}

/// What a commit says about its change: `lanes: <verb> <card> <detail>`,
/// then `body`; its trailers name the card and the cards in `also`.
pub(super) struct Said<'a> {
    pub(super) verb: &'a str,
    pub(super) detail: &'a str,
    pub(super) body: &'a str,
    pub(super) also: &'a [&'a str],
}

/// Write one card and commit it. `text` is the exact file text to write
/// (from an editor); otherwise the card is rendered canonically, splicing
/// over the current file.
pub(super) fn write_and_commit(
    ctx: &Context,
    board: &Index,
    base: Base<'_>,
    after: &Card,
    text: Option<String>,
    said: Said<'_>,
) -> Result<Outcome> {
    let Said {
        verb,
        detail,
        body,
        also,
    } = said;
    check_card(&board.config, after)?;
    match &base {
        Base::Card(b) => link::check(board, Some(b), after)?,
        Base::New => link::check(board, None, after)?,
        // A file being repaired: its links are checked by `validate`.
        Base::Broken => {}
    }
    let root = &board.root;
    let rel = store::card_path(&after.id);
    let path = root.join(&rel);
    // The file as it is now: it must still be what we read.
    store::check_folders(root)?;
    let current = match store::read_if_exists(root, &rel)? {
        Some(b) => Some(String::from_utf8(b).map_err(|_| anyhow!("{rel} is not UTF-8"))?),
        None => None,
    };
    match (&base, &current) {
        (Base::Card(b), Some(cur)) => {
            let now = store::parse_card(&rel, cur.as_bytes())?;
            if now.card != **b {
                return Err(busy(format!(
                    "{rel} changed on disk while lanes was working; run the command again"
                )));
            }
        }
        (Base::Card(_) | Base::Broken, None) => {
            return Err(busy(format!(
                "{rel} was deleted while lanes was working; nothing was changed"
            )))
        }
        (Base::New, Some(_)) => bail!("{rel} already exists"),
        (Base::New, None) | (Base::Broken, Some(_)) => {}
    }
    let new_text = text.unwrap_or_else(|| {
        let rendered = store::render_card(after, current.as_deref());
        store::respell_card(rendered, &spelled_here(ctx, &base, after))
    });
    check_readable(&rel, &new_text)?;
    if current.as_deref() == Some(new_text.as_str()) {
        return Ok(no_change(
            after,
            format!("{} is unchanged", after.short_id()),
        ));
    }
    let subject = subject(verb, after, detail);
    if !auto_commit(&board.config) {
        store::write_atomic(&path, new_text.as_bytes())?;
        return Ok(Outcome {
            card: after.id.clone(),
            written: Some(after.clone()),
            summary: subject,
            commit: None,
            changed: vec![rel],
            more: More::None,
        });
    }
    let repo = git::open(root)?;
    let repo_rel = git::repo_path(&repo, root, &rel)?;
    if let (Base::Card(b), Some(cur)) = (&base, &current) {
        commit_hand_edit(
            ctx,
            &repo,
            &repo_rel,
            b,
            cur.as_bytes(),
            git_hooks(&board.config),
        )?;
    }
    let mut cards = vec![after.id.as_str()];
    cards.extend(also.iter().filter(|c| **c != after.id));
    let mut trailers = message::Trailers::new(verb, &cards);
    trailers.agent = ctx.agent.clone();
    let msg = trailers.message(&subject, body);
    let mut tx = git::Transaction::begin(&repo, verb, &subject)?;
    tx.sign_as(ctx.signer());
    tx.run_hooks(git_hooks(&board.config));
    tx.protect(
        &repo_rel,
        current.as_deref().map(str::as_bytes),
        Some(new_text.as_bytes()),
    )?;
    let backup = Backup::take(&repo, &path)?;
    // Nothing else has changed the cards folder since the board was
    // loaded: the write can be noted for the next command.
    let quiet = board.folder_unchanged();
    store::write_atomic(&path, new_text.as_bytes())?;
    match tx.commit(&[(repo_rel, None)], &msg) {
        Ok(oid) => {
            if quiet {
                board.note_written(&after.id);
            }
            Ok(Outcome {
                card: after.id.clone(),
                written: Some(after.clone()),
                summary: subject,
                commit: Some(oid),
                changed: vec![rel],
                more: More::None,
            })
        }
        Err(e) => {
            // Put the file back as it was, then let the transaction go.
            let restored = backup.restore(&path, current.as_deref().map(str::as_bytes));
            drop(tx);
            Err(match restored {
                Ok(()) => e.context("the change was not made"),
                Err(r) => e.context(format!("and {rel} could not be restored: {r}")),
            })
        }
    }
}

/// The file a change is about to replace, kept by a second name (a hard
/// link in `.git/lanes/`) so that putting it back after a failed commit
/// needs no free space: a full disk is a common reason for that failure.
struct Backup {
    link: Option<PathBuf>,
}

impl Backup {
    fn take(repo: &git2::Repository, path: &Path) -> Result<Backup> {
        let link = store::cache::Scratch::in_git_dir(repo.path()).backup(std::process::id());
        let _ = std::fs::remove_file(&link);
        if !path.exists() {
            return Ok(Backup { link: None });
        }
        // Another file system (or no hard links): restored by rewriting.
        let link = std::fs::hard_link(path, &link).ok().map(|()| link);
        Ok(Backup { link })
    }

    /// Put `path` back as it was: `before` is its content (`None`: it did
    /// not exist).
    fn restore(self, path: &Path, before: Option<&[u8]>) -> Result<()> {
        match (&self.link, before) {
            (Some(link), Some(_)) => std::fs::rename(link, path)
                .with_context(|| format!("cannot put back {}", path.display())),
            (None, Some(b)) => store::write_atomic(path, b),
            (_, None) => std::fs::remove_file(path)
                .with_context(|| format!("cannot remove {}", path.display())),
        }
    }
}

impl Drop for Backup {
    fn drop(&mut self) {
        if let Some(link) = &self.link {
            let _ = std::fs::remove_file(link);
        }
    }
}

/// A card file the user edited by hand and did not commit: before a lanes
/// action on that card, the hand edit becomes its own commit
/// (`lanes: hand edit <id> <title> (<fields>)`), so that the action's
/// commit holds the action alone and `lanes log` tells the two apart.
pub(super) fn commit_hand_edit(
    ctx: &Context,
    repo: &git2::Repository,
    repo_rel: &str,
    card: &Card,
    text: &[u8],
    hooks: bool,
) -> Result<()> {
    let head = match repo.head().and_then(|h| h.peel_to_commit()) {
        Ok(c) => c.tree_id(),
        Err(_) => return Ok(()),
    };
    let committed = git::tree::entry_at(repo, head, repo_rel)?.map(|(oid, _)| oid);
    if committed == Some(git2::Oid::hash_object(git2::ObjectType::Blob, text)?) {
        return Ok(());
    }
    if let Some(c) = committed {
        // Line-ending and other filters: compare what git would store.
        if git::commit::hash_files(repo, &[(repo_rel.to_string(), None)])?
            .first()
            .and_then(|s| s.oid)
            == Some(c)
        {
            return Ok(());
        }
    }
    let was = committed
        .and_then(|c| repo.find_blob(c).ok())
        .and_then(|b| store::parse_card(repo_rel, b.content()).ok())
        .map(|l| l.card);
    let (detail, lines) = match &was {
        Some(w) => {
            let lines = message::changed_fields(w, card);
            let names: Vec<&str> = lines
                .iter()
                .filter_map(|l| l.split_once(':').map(|(k, _)| k))
                .collect();
            (names.join(", "), lines)
        }
        None if committed.is_some() => ("repaired".to_string(), Vec::new()),
        None => ("created by hand".to_string(), Vec::new()),
    };
    // The work tree holds what a lanes commit wrote, and a later commit
    // that was not lanes' took it back: not a hand edit, but lanes' change
    // restored (the signature of a `git commit` of an index read before
    // lanes committed).
    let stored = git::commit::hash_files(repo, &[(repo_rel.to_string(), None)])
        .ok()
        .and_then(|s| s.first().and_then(|s| s.oid));
    let msg = match stored.and_then(|w| reverted_lanes_change(repo, repo_rel, w)) {
        Some(r) => {
            let short = |c: &git2::Commit<'_>| c.id().to_string()[..8].to_string();
            let what = |c: &git2::Commit<'_>| {
                format!(
                    "{} ({}, by {})",
                    c.id(),
                    message::clean_line(c.summary().ok().flatten().unwrap_or(""), 72),
                    c.author().name().unwrap_or("someone")
                )
            };
            let subject = subject(
                "reapply",
                card,
                &format!(
                    "restores {}, reverted by {}",
                    short(&r.change),
                    short(&r.revert)
                ),
            );
            let mut body = format!(
                "Restores lanes' change {}\nwhich {} reverted: that commit set this card's file back to its version before lanes' change, while the work tree kept lanes' version (what a `git commit` does that commits an index it read before lanes committed).",
                what(&r.change),
                what(&r.revert)
            );
            if !lines.is_empty() {
                body.push_str("\n\n");
                body.push_str(&lines.join("\n"));
            }
            message::full(&subject, &body, "reapply", &[card.id.as_str()])
        }
        None => {
            let detail = if detail.is_empty() {
                "formatting".to_string()
            } else {
                detail
            };
            let subject = subject("hand edit", card, &detail);
            message::full(
                &subject,
                &lines.join("\n"),
                "hand-edit",
                &[card.id.as_str()],
            )
        }
    };
    git::commit_paths(repo, &ctx.signer(), &[repo_rel.to_string()], &msg, hooks)
        .map(|_| ())
        .map_err(|e| e.context("your uncommitted edit of the card could not be committed first, so the change was not made"))
}

/// A lanes change that a later commit took back: `change` (a lanes commit)
/// set the file to what the work tree holds now, `revert` (not a lanes
/// commit, one parent) set it back to the version before, and nothing has
/// changed the file since.
struct Reverted<'r> {
    change: git2::Commit<'r>,
    revert: git2::Commit<'r>,
}

/// How far back along the first-parent chain a revert is looked for.
const REVERT_DEPTH: usize = 200;

/// Whether the file `repo_rel`, which holds the blob `worktree` in the work
/// tree and something else in HEAD, holds a lanes change that a later
/// commit reverted (see [`Reverted`]). Only what history shows is claimed:
/// the commit that last changed the file in HEAD's first-parent chain gave
/// it back the version it had before, the version the work tree holds was
/// written by a lanes commit, and the reverting commit is not lanes' own.
fn reverted_lanes_change<'r>(
    repo: &'r git2::Repository,
    repo_rel: &str,
    worktree: git2::Oid,
) -> Option<Reverted<'r>> {
    let blob = |c: &git2::Commit<'_>| {
        git::tree::entry_at(repo, c.tree_id(), repo_rel)
            .ok()
            .map(|e| e.map(|(o, _)| o))
    };
    // The commit that last changed the file, and the file before it.
    let last_change = |from: git2::Commit<'r>| -> Option<(git2::Commit<'r>, Option<git2::Oid>)> {
        let now = blob(&from)?;
        let mut c = from;
        for _ in 0..REVERT_DEPTH {
            let parent = c.parent(0).ok()?;
            let before = blob(&parent)?;
            if before != now {
                return Some((c, before));
            }
            c = parent;
        }
        None
    };
    let head = repo.head().ok()?.peel_to_commit().ok()?;
    let (revert, before) = last_change(head)?;
    if before != Some(worktree)
        || revert.parent_count() != 1
        || message::Trailers::parse(revert.message().unwrap_or("")).is_lanes()
    {
        return None;
    }
    let (change, _) = last_change(revert.parent(0).ok()?)?;
    if !message::Trailers::parse(change.message().unwrap_or("")).is_lanes() {
        return None;
    }
    Some(Reverted { change, revert })
}
