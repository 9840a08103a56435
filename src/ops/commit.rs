//! `lanes commit`: committing the pending changes under `.lanes/` (for
//! `commit: manual`), each file read as lanes reads it first.

use super::{clean_line, git_hooks, lock, message, Context};
use crate::git;
use crate::model::id;
use crate::store;
use anyhow::{bail, Result};
use std::path::Path;

/// Commit every pending change under `.lanes/` (for `commit: manual`).
/// Refused, with nothing committed, when a card file or board.yaml to be
/// committed cannot be read: each is named as `path:line:column: message`.
pub fn commit_pending(
    ctx: &Context,
    root: &Path,
    message_text: Option<&str>,
) -> Result<Option<git2::Oid>> {
    let _lock = lock(root)?;
    let repo = git::open(root)?;
    git::check_ready(&repo)?;
    git::identity(&repo)?;
    let prefix = git::repo_path(&repo, root, "")?;
    let dir = format!("{prefix}{}/", store::BOARD_DIR);
    // Board files only: a temporary or editor file under .lanes/ is never
    // committed (`lanes validate` reports it).
    let paths: Vec<String> = git::changed_paths(&repo, &dir)?
        .into_iter()
        .filter(|p| store::is_board_file(&p[prefix.len()..]))
        .collect();
    if paths.is_empty() {
        return Ok(None);
    }
    let head = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let mut ids = Vec::new();
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for p in &paths {
        let rel = &p[prefix.len()..];
        let pending = match pending_file(root, rel) {
            Ok(f) => f,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let Some(id) = rel
            .strip_prefix(store::CARDS_DIR)
            .and_then(|r| r.strip_prefix('/'))
            .and_then(|n| n.strip_suffix(".yaml"))
        else {
            lines.push(p.clone());
            continue;
        };
        let in_head = || {
            head.as_ref()
                .and_then(|t| t.get_path(Path::new(p)).ok())
                .and_then(|e| repo.find_blob(e.id()).ok())
        };
        let line = match pending {
            Pending::Card(title) if in_head().is_none() => format!("{title} (added)"),
            Pending::Card(title) => title,
            // A removed card: named by its title in HEAD, when there.
            Pending::Other | Pending::Absent => {
                let title = in_head()
                    .and_then(|b| store::parse_card(rel, b.content()).ok())
                    .map(|c| clean_line(&c.card.title, 60));
                match title {
                    Some(t) => format!("{t} (deleted)"),
                    None => "(deleted)".to_string(),
                }
            }
        };
        lines.push(format!("{} {line}", id::short(id)));
        ids.push(id.to_string());
    }
    if !problems.is_empty() {
        let n = problems.len();
        let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        bail!(
            "{n} board file{} cannot be read, so nothing was committed; fix {} (`lanes validate` lists every problem; `git checkout -- <path>` puts back a card's committed version) and run `lanes commit` again:\n{}",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" },
            list.join("\n")
        );
    }
    let subject = match message_text {
        Some(m) => format!("lanes: {}", clean_line(m, 64)),
        None => format!(
            "lanes: commit {} board change{}",
            paths.len(),
            if paths.len() == 1 { "" } else { "s" }
        ),
    };
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let msg = message::full(&subject, &lines.join("\n"), "commit", &id_refs);
    let hooks = store::read_board_file(root, store::BOARD_FILE)
        .ok()
        .and_then(|b| store::parse_board(&b).ok())
        .is_none_or(|c| git_hooks(&c));
    Ok(Some(git::commit_paths(
        &repo,
        &ctx.signer(),
        &paths,
        &msg,
        hooks,
    )?))
}

/// A board file `lanes commit` is about to commit, as it is on disk.
enum Pending {
    /// A card file that reads; its title, cleaned for a commit message.
    Card(String),
    /// board.yaml, or a version sync set aside, that reads.
    Other,
    /// Removed.
    Absent,
}

/// Read a board file to be committed as lanes reads it (never through a
/// link, at most 1 MiB, parsed; a card's id must match its file name): a
/// file lanes cannot read is a problem, never a commit.
fn pending_file(root: &Path, rel: &str) -> Result<Pending, store::Problem> {
    let Some(bytes) = store::read_if_exists(root, rel)? else {
        return Ok(Pending::Absent);
    };
    if rel == store::BOARD_FILE {
        store::parse_board(&bytes)?;
        return Ok(Pending::Other);
    }
    let Some(id) = rel
        .strip_prefix(store::CARDS_DIR)
        .and_then(|r| r.strip_prefix('/'))
        .and_then(|n| n.strip_suffix(".yaml"))
    else {
        // `.lanes/conflicts/`: text sync set aside because it could not be
        // read; committed as it is.
        return Ok(Pending::Other);
    };
    let card = store::parse_card(rel, &bytes)?.card;
    if card.id != id {
        let text = String::from_utf8_lossy(&bytes);
        let (line, column) = store::yaml::locate(&text, "id");
        return Err(store::Problem::new(
            rel,
            line,
            column,
            format!(
                "id {:?} does not match the file name; set it to {id:?}",
                card.id
            ),
        ));
    }
    Ok(Pending::Card(clean_line(&card.title, 60)))
}
