//! History: what happened to each card, read from git. No terminal here.
//!
//! Two walks:
//! - [`board_history`]: the branch's first-parent line, each commit compared
//!   with its first parent: "what the board looked like when". Flow metrics
//!   and reports use it. It is cached in `.git/lanes/history-v1`, keyed by
//!   commit id, so a second run only reads new commits.
//! - [`timeline`]: every commit that changed one card (merges only when
//!   they changed it themselves), with field-level changes.

pub mod flow;
pub mod report;
pub mod timeline;

pub use timeline::{timeline, Entry, FieldChange};

use crate::git;
use crate::store::{self, BOARD_DIR};
use anyhow::{anyhow, Result};
use git2::{Delta, Oid, Repository, Tree};
use std::collections::HashMap;
use std::path::Path;

/// A commit on the branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    /// Author time, seconds since the epoch.
    pub time: i64,
    pub author: String,
    pub subject: String,
    /// `Lanes-Action` trailer, if lanes made it.
    pub action: Option<String>,
    /// `Lanes-Card` trailers.
    pub cards: Vec<String>,
}

/// What matters about a card for flow and reports, after a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardState {
    pub lane: String,
    pub archived: bool,
    pub kind: String,
    pub verdict: Option<String>,
}

/// One card changed by one commit (`state: None`: the card was deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Index into `History::commits`.
    pub commit: usize,
    pub card: String,
    pub state: Option<CardState>,
}

/// The board's first-parent history, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub commits: Vec<CommitInfo>,
    pub changes: Vec<Change>,
}

pub(crate) fn commit_info(c: &git2::Commit) -> CommitInfo {
    let msg = c.message().unwrap_or("");
    let mut action = None;
    let mut cards = Vec::new();
    for line in msg.lines() {
        if let Some(a) = line.strip_prefix("Lanes-Action: ") {
            action = Some(a.trim().to_string());
        } else if let Some(id) = line.strip_prefix("Lanes-Card: ") {
            cards.push(id.trim().to_string());
        }
    }
    CommitInfo {
        id: c.id().to_string(),
        time: c.author().when().seconds(),
        author: c.author().name().unwrap_or("").to_string(),
        subject: c.summary().ok().flatten().unwrap_or("").to_string(),
        action,
        cards,
    }
}

/// The board folder's tree in a commit, if it has one.
pub(crate) fn board_tree<'r>(
    repo: &'r Repository,
    tree: &Tree,
    board_dir: &str,
) -> Option<Tree<'r>> {
    let entry = tree
        .get_path(Path::new(board_dir.trim_end_matches('/')))
        .ok()?;
    repo.find_tree(entry.id()).ok()
}

/// The cards folder's tree id inside a board tree.
fn cards_tree_id(board: Option<&Tree>) -> Option<Oid> {
    board.and_then(|t| t.get_name("cards")).map(|e| e.id())
}

/// Read a card's state from its file text: a quick line scan for files in
/// lanes' canonical form, the YAML parser otherwise.
pub(crate) fn card_state(bytes: &[u8]) -> Option<CardState> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lane = None;
    let mut archived = false;
    let mut kind = None;
    let mut verdict = None;
    let mut in_hypothesis = false;
    let mut plain = true;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("lane: ") {
            lane = Some(v);
        } else if let Some(v) = line.strip_prefix("kind: ") {
            kind = Some(v);
        } else if let Some(v) = line.strip_prefix("archived: ") {
            archived = v.trim() == "true";
        } else if line.starts_with("hypothesis:") {
            in_hypothesis = true;
            continue;
        } else if in_hypothesis {
            if let Some(v) = line.strip_prefix("  verdict: ") {
                verdict = Some(v.trim().to_string());
            } else if !line.starts_with(' ') {
                in_hypothesis = false;
            }
            continue;
        } else {
            continue;
        }
        if line.contains(['"', '\'', '#', '&', '*', '!']) {
            plain = false;
        }
    }
    match (lane, plain) {
        (Some(l), true) => Some(CardState {
            lane: l.trim().to_string(),
            archived,
            kind: kind.unwrap_or("task").trim().to_string(),
            verdict,
        }),
        _ => {
            let card = store::parse_card("", bytes).ok()?.card;
            Some(CardState {
                lane: card.lane.clone(),
                archived: card.archived,
                kind: card.kind.clone(),
                verdict: card.verdict().map(|v| v.to_string()),
            })
        }
    }
}

/// The board's first-parent history at HEAD, from the cache where possible.
pub fn board_history(root: &Path) -> Result<History> {
    let repo = git::open(root)?;
    let board_dir = format!("{}{BOARD_DIR}/", git::repo_path(&repo, root, "")?);
    let head = match repo.head().ok().and_then(|h| h.target()) {
        Some(h) => h,
        None => return Ok(History::default()),
    };
    let cache_path = repo.path().join("lanes").join("history-v1");
    let mut history = cache::read(&cache_path, &board_dir).unwrap_or_default();
    // Walk back from HEAD until a commit the cache already has.
    let known: HashMap<String, usize> = history
        .commits
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();
    let mut new_commits = Vec::new();
    let mut cursor = Some(head);
    let mut keep_upto = None;
    while let Some(oid) = cursor {
        if let Some(&i) = known.get(&oid.to_string()) {
            keep_upto = Some(i);
            break;
        }
        let c = repo.find_commit(oid)?;
        cursor = c.parent_id(0).ok();
        new_commits.push(oid);
    }
    if keep_upto.map(|i| i + 1) != Some(history.commits.len()) || keep_upto.is_none() {
        // HEAD is not a descendant of the cache's tip (reset, rewrite):
        // keep what is shared, drop the rest.
        let keep = keep_upto.map_or(0, |i| i + 1);
        history.commits.truncate(keep);
        history.changes.retain(|c| c.commit < keep);
    }
    drop(known);
    if new_commits.is_empty() {
        return Ok(history);
    }
    new_commits.reverse();
    for oid in new_commits {
        let c = repo.find_commit(oid)?;
        let idx = history.commits.len();
        history.commits.push(commit_info(&c));
        let tree = c.tree()?;
        let now = board_tree(&repo, &tree, &board_dir);
        let before = match c.parent(0) {
            Ok(p) => board_tree(&repo, &p.tree()?, &board_dir),
            Err(_) => None,
        };
        let (a, b) = (cards_tree_id(before.as_ref()), cards_tree_id(now.as_ref()));
        if a == b {
            continue;
        }
        let old = a.map(|o| repo.find_tree(o)).transpose()?;
        let new = b.map(|o| repo.find_tree(o)).transpose()?;
        let diff = repo.diff_tree_to_tree(old.as_ref(), new.as_ref(), None)?;
        for d in diff.deltas() {
            let file = match d.status() {
                Delta::Deleted => d.old_file(),
                _ => d.new_file(),
            };
            let Some(name) = file.path().and_then(|p| p.to_str()) else {
                continue;
            };
            let Some(id) = name.strip_suffix(".yaml") else {
                continue;
            };
            let state = match d.status() {
                Delta::Deleted => None,
                _ => repo
                    .find_blob(d.new_file().id())
                    .ok()
                    .and_then(|blob| card_state(blob.content())),
            };
            // An unreadable version leaves the card where it was.
            if state.is_none() && d.status() != Delta::Deleted {
                continue;
            }
            history.changes.push(Change {
                commit: idx,
                card: id.to_string(),
                state,
            });
        }
    }
    let _ = cache::write(&cache_path, &board_dir, &history);
    Ok(history)
}

mod cache {
    //! A plain-text cache of the board history: one line per commit and
    //! per change, rebuilt from any point where HEAD's line leaves it.

    use super::{CardState, Change, CommitInfo, History};
    use anyhow::{bail, Result};
    use std::path::Path;

    const HEADER: &str = "lanes-history 1";

    use crate::store::index::{escape as esc, unescape as unesc};

    /// The commit the cache's next change line belongs to.
    fn last(h: &History) -> Result<usize> {
        h.commits
            .len()
            .checked_sub(1)
            .ok_or_else(|| anyhow::anyhow!("bad cache"))
    }

    pub fn read(path: &Path, board_dir: &str) -> Result<History> {
        let text = std::fs::read_to_string(path)?;
        let mut lines = text.lines();
        if lines.next() != Some(&format!("{HEADER}\t{}", esc(board_dir))[..]) {
            bail!("stale cache");
        }
        let mut h = History::default();
        for line in lines {
            let f: Vec<&str> = line.split('\t').collect();
            match f.as_slice() {
                ["c", id, time, author, subject, action, cards] => h.commits.push(CommitInfo {
                    id: id.to_string(),
                    time: time.parse()?,
                    author: unesc(author),
                    subject: unesc(subject),
                    action: Some(unesc(action)).filter(|a| !a.is_empty()),
                    cards: cards
                        .split(',')
                        .filter(|c| !c.is_empty())
                        .map(str::to_string)
                        .collect(),
                }),
                ["x", card, lane, archived, kind, verdict] => h.changes.push(Change {
                    commit: last(&h)?,
                    card: card.to_string(),
                    state: Some(CardState {
                        lane: unesc(lane),
                        archived: *archived == "1",
                        kind: unesc(kind),
                        verdict: Some(unesc(verdict)).filter(|v| !v.is_empty()),
                    }),
                }),
                ["d", card] => h.changes.push(Change {
                    commit: last(&h)?,
                    card: card.to_string(),
                    state: None,
                }),
                _ => bail!("bad cache line"),
            }
        }
        Ok(h)
    }

    pub fn write(path: &Path, board_dir: &str, h: &History) -> Result<()> {
        let mut out = format!("{HEADER}\t{}\n", esc(board_dir));
        let mut changes = h.changes.iter().peekable();
        for (i, c) in h.commits.iter().enumerate() {
            out.push_str(&format!(
                "c\t{}\t{}\t{}\t{}\t{}\t{}\n",
                c.id,
                c.time,
                esc(&c.author),
                esc(&c.subject),
                esc(c.action.as_deref().unwrap_or("")),
                c.cards.join(",")
            ));
            while let Some(ch) = changes.next_if(|ch| ch.commit == i) {
                match &ch.state {
                    Some(s) => out.push_str(&format!(
                        "x\t{}\t{}\t{}\t{}\t{}\n",
                        ch.card,
                        esc(&s.lane),
                        if s.archived { "1" } else { "0" },
                        esc(&s.kind),
                        esc(s.verdict.as_deref().unwrap_or(""))
                    )),
                    None => out.push_str(&format!("d\t{}\n", ch.card)),
                }
            }
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, out)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}

/// Parse `--since`: `YYYY-MM-DD`, or `Nd`/`Nw` for days or weeks ago.
pub fn parse_since(s: &str) -> Result<i64> {
    let s = s.trim();
    if let Some(d) = crate::model::date::parse_date(s) {
        return Ok(d * 86_400);
    }
    let (num, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = num
        .parse()
        .map_err(|_| anyhow!("--since {s:?}: use a date (2026-10-01) or an age (14d, 6w)"))?;
    let days = match unit {
        "d" => n,
        "w" => n * 7,
        _ => {
            return Err(anyhow!(
                "--since {s:?}: use a date (2026-10-01) or an age (14d, 6w)"
            ))
        }
    };
    Ok(crate::model::date::now_secs() - days * 86_400)
}
