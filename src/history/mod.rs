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
use git2::{Oid, Repository, Tree};
use std::collections::HashMap;
use std::path::Path;

/// A commit on the branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    /// Author time, seconds since the epoch.
    pub time: i64,
    /// Committer time: when the change reached this branch (rebased
    /// commits keep older author times). Flow metrics use this.
    pub committed: i64,
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
        committed: c.time().seconds(),
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

/// The card changes of a stretch of the first-parent line, given as
/// (commit index, root tree), starting after the commit whose root tree is
/// `start`.
fn folder_changes(
    root: &Path,
    board_dir: &str,
    start: Option<Oid>,
    work: &[(usize, Oid)],
) -> Result<Vec<Change>> {
    let repo = git::open(root)?;
    let odb = repo.odb()?;
    let folder_of = |tree: Oid| {
        repo.find_tree(tree)
            .ok()
            .and_then(|t| cards_tree_id(board_tree(&repo, &t, board_dir).as_ref()))
    };
    let read = |t: Option<Oid>| t.and_then(|t| odb.read(t).ok());
    let mut out = Vec::new();
    let mut before_id = start.and_then(folder_of);
    let mut last_tree = start;
    // The previous commit's folder is kept raw, so each tree is read once.
    let mut prev: Option<(Option<Oid>, Option<git2::OdbObject>)> = None;
    for &(idx, tree) in work {
        let now = if last_tree == Some(tree) {
            before_id
        } else {
            folder_of(tree)
        };
        last_tree = Some(tree);
        if now == before_id {
            continue;
        }
        let before_raw = match prev.take() {
            Some((id, raw)) if id == before_id => raw,
            _ => read(before_id),
        };
        let now_raw = read(now);
        let (old, new) = (
            before_raw.as_ref().map_or(&[][..], |o| o.data()),
            now_raw.as_ref().map_or(&[][..], |o| o.data()),
        );
        for (name, blob) in changed_entries(old, new) {
            let Some(id) = name.strip_suffix(".yaml") else {
                continue;
            };
            let state = match blob {
                None => None,
                Some(b) => match repo
                    .find_blob(b)
                    .ok()
                    .and_then(|blob| card_state(blob.content()))
                {
                    Some(s) => Some(s),
                    // An unreadable version leaves the card where it was.
                    None => continue,
                },
            };
            out.push(Change {
                commit: idx,
                card: id.to_string(),
                state,
            });
        }
        prev = Some((now, now_raw));
        before_id = now;
    }
    Ok(out)
}

/// The entry of a raw tree at byte `at`: (name, object id bytes, next).
fn entry_at(raw: &[u8], at: usize) -> Option<(&[u8], &[u8], usize)> {
    let rest = raw.get(at..)?;
    let sp = rest.iter().position(|&b| b == b' ')?;
    let nul = sp + 1 + rest[sp + 1..].iter().position(|&b| b == 0)?;
    let id = rest.get(nul + 1..nul + 21)?;
    Some((&rest[sp + 1..nul], id, at + nul + 21))
}

/// The start of the entry holding byte `p` (or starting at `p`). An entry
/// is `<mode> <name>\0<20-byte id>`: it starts with a digit, right after
/// the previous entry's 20 id bytes, which follow a NUL.
fn entry_start(raw: &[u8], p: usize) -> usize {
    let mut s = p.min(raw.len());
    loop {
        if s == 0 {
            return 0;
        }
        if s >= 21 && raw[s - 21] == 0 && starts_with_mode(&raw[s..]) {
            return s;
        }
        s -= 1;
    }
}

/// Length of the common start of two byte strings, compared a block at a
/// time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 64 <= n && a[i..i + 64] == b[i..i + 64] {
        i += 64;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// Whether bytes start with a tree entry's mode and the space after it.
fn starts_with_mode(b: &[u8]) -> bool {
    [
        &b"100644 "[..],
        b"100755 ",
        b"120000 ",
        b"40000 ",
        b"160000 ",
    ]
    .iter()
    .any(|m| b.starts_with(m))
}

/// Entries that differ between two raw trees: (name, new blob or None if
/// removed). The common start and end are skipped by comparing bytes, so
/// only the entries around the change are looked at; the rest is a merge
/// of two name-sorted lists.
fn changed_entries<'a>(old: &'a [u8], new: &'a [u8]) -> Vec<(&'a str, Option<Oid>)> {
    let same = common_prefix(old, new);
    let start = entry_start(old, same);
    let (mut i, mut j) = (start, start);
    let mut out = Vec::new();
    let name = |n: &'a [u8]| std::str::from_utf8(n).unwrap_or_default();
    loop {
        if old.len() - i == new.len() - j && old[i..] == new[j..] {
            break;
        }
        match (entry_at(old, i), entry_at(new, j)) {
            (Some(a), Some(b)) if a.0 == b.0 => {
                if a.1 != b.1 {
                    out.push((name(b.0), Oid::from_bytes(b.1).ok()));
                }
                i = a.2;
                j = b.2;
            }
            (Some(a), Some(b)) if a.0 < b.0 => {
                out.push((name(a.0), None));
                i = a.2;
            }
            (Some(a), None) => {
                out.push((name(a.0), None));
                i = a.2;
            }
            (_, Some(b)) => {
                out.push((name(b.0), Oid::from_bytes(b.1).ok()));
                j = b.2;
            }
            (None, None) => break,
        }
    }
    out
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
    // A verdict we did not see where lanes writes it, or quoted: read the
    // file properly.
    if verdict
        .as_deref()
        .is_some_and(|v| v.starts_with(['"', '\'']))
    {
        plain = false;
    }
    if verdict.is_none() && text.contains("verdict:") {
        plain = false;
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
    // (commit, its root tree) for every commit the cache lacks.
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
        new_commits.push((commit_info(&c), c.tree_id(), c.parent_id(0).ok()));
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
    // Which commits changed the cards folder: (commit index, folder before,
    // folder after). Cheap: small trees only.
    // (commit index, its root tree); the oldest new commit's parent's tree
    // starts the line.
    let start = new_commits
        .first()
        .and_then(|(_, _, parent)| repo.find_commit((*parent)?).ok())
        .map(|c| c.tree_id());
    let mut work: Vec<(usize, Oid)> = Vec::with_capacity(new_commits.len());
    for (info, tree, _) in new_commits {
        work.push((history.commits.len(), tree));
        history.commits.push(info);
    }
    // Reading every version of a large cards folder is most of a cold
    // history: contiguous stretches go to each core, each with its own
    // repository handle.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let chunk = work.len().div_ceil(threads).max(256);
    let parts: Vec<Result<Vec<Change>>> = std::thread::scope(|s| {
        let handles: Vec<_> = work
            .chunks(chunk)
            .enumerate()
            .map(|(k, part)| {
                // Each stretch starts from the tree just before it.
                let before = if k == 0 {
                    start
                } else {
                    Some(work[k * chunk - 1].1)
                };
                let board_dir = board_dir.as_str();
                s.spawn(move || folder_changes(root, board_dir, before, part))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    for part in parts {
        history.changes.extend(part?);
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

    const HEADER: &str = "lanes-history 3";

    use crate::store::index::{escape as esc, unescape as unesc};

    /// The commit the cache's next change line belongs to.
    fn last(h: &History) -> Result<usize> {
        h.commits
            .len()
            .checked_sub(1)
            .ok_or_else(|| anyhow::anyhow!("bad cache"))
    }

    /// A sealed cache file's text; an error if it is missing or damaged
    /// (then the history is read from git again).
    fn read_text(path: &Path) -> Result<String> {
        let bytes = crate::store::checksum::read_sealed(path)
            .ok_or_else(|| anyhow::anyhow!("no cache, or a damaged one"))?;
        Ok(String::from_utf8(bytes)?)
    }

    pub fn read(path: &Path, board_dir: &str) -> Result<History> {
        let text = read_text(path)?;
        let mut lines = text.lines();
        if lines.next() != Some(&format!("{HEADER}\t{}", esc(board_dir))[..]) {
            bail!("stale cache");
        }
        let mut h = History::default();
        for line in lines {
            let f: Vec<&str> = line.split('\t').collect();
            match f.as_slice() {
                ["c", ..] => h.commits.push(commit_from(&f)?),
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

    /// A commit as one cache line.
    fn commit_line(c: &CommitInfo) -> String {
        format!(
            "c\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            c.id,
            c.time,
            c.committed,
            esc(&c.author),
            esc(&c.subject),
            esc(c.action.as_deref().unwrap_or("")),
            c.cards.join(",")
        )
    }

    fn commit_from(f: &[&str]) -> Result<CommitInfo> {
        let ["c", id, time, committed, author, subject, action, cards] = f else {
            bail!("bad cache line");
        };
        Ok(CommitInfo {
            id: id.to_string(),
            time: time.parse()?,
            committed: committed.parse()?,
            author: unesc(author),
            subject: unesc(subject),
            action: Some(unesc(action)).filter(|a| !a.is_empty()),
            cards: cards
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
        })
    }

    const SIDE_HEADER: &str = "lanes-side 2";

    /// The side commits cached for the HEAD they were found from.
    pub fn read_side(path: &Path) -> Result<(String, Vec<CommitInfo>)> {
        let text = read_text(path)?;
        let mut lines = text.lines();
        let head = lines
            .next()
            .and_then(|l| l.strip_prefix(SIDE_HEADER))
            .and_then(|l| l.strip_prefix('\t'))
            .ok_or_else(|| anyhow::anyhow!("stale cache"))?;
        let commits = lines
            .map(|l| commit_from(&l.split('\t').collect::<Vec<_>>()))
            .collect::<Result<_>>()?;
        Ok((head.to_string(), commits))
    }

    pub fn write_side(path: &Path, head: &str, commits: &[CommitInfo]) -> Result<()> {
        let mut out = format!("{SIDE_HEADER}\t{head}\n");
        for c in commits {
            out.push_str(&commit_line(c));
        }
        crate::store::checksum::write_sealed(path, |w| {
            std::io::Write::write_all(w, out.as_bytes())
        })?;
        Ok(())
    }

    pub fn write(path: &Path, board_dir: &str, h: &History) -> Result<()> {
        let mut out = format!("{HEADER}\t{}\n", esc(board_dir));
        let mut changes = h.changes.iter().peekable();
        for (i, c) in h.commits.iter().enumerate() {
            out.push_str(&commit_line(c));
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
        crate::store::checksum::write_sealed(path, |w| {
            std::io::Write::write_all(w, out.as_bytes())
        })?;
        Ok(())
    }
}

/// lanes' own commits on merged branches: reachable from HEAD but not on
/// its first-parent line (which [`board_history`] follows). Their authors
/// did board work too; they are found by their trailers.
pub fn side_commits(root: &Path, history: &History) -> Result<Vec<CommitInfo>> {
    let repo = git::open(root)?;
    let Some(head) = repo.head().ok().and_then(|h| h.target()) else {
        return Ok(Vec::new());
    };
    let main: std::collections::HashSet<&str> =
        history.commits.iter().map(|c| c.id.as_str()).collect();
    // Cached for the HEAD they were found from (a walk of every commit is
    // about 200 ms at 20,000 commits). When HEAD has moved forward along
    // its first-parent line, only the commits since are walked.
    let path = repo.path().join("lanes").join("side-v1");
    let cached = cache::read_side(&path).ok();
    let head_id = head.to_string();
    if let Some((h, commits)) = &cached {
        if *h == head_id {
            return Ok(commits.clone());
        }
    }
    let mut walk = repo.revwalk()?;
    walk.push(head)?;
    let mut out = Vec::new();
    match cached {
        Some((old, commits)) if main.contains(old.as_str()) => {
            walk.hide(Oid::from_str(&old)?)?;
            out = commits;
        }
        _ => {}
    }
    for oid in walk {
        let oid = oid?;
        let id = oid.to_string();
        if main.contains(id.as_str()) {
            continue;
        }
        let c = repo.find_commit(oid)?;
        let info = commit_info(&c);
        if info.action.is_some() {
            out.push(info);
        }
    }
    out.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.id.cmp(&b.id)));
    let _ = cache::write_side(&path, &head_id, &out);
    Ok(out)
}

/// A card's lane in a commit's first parent and in the commit itself (for
/// commits off the first-parent line, whose changes the cached history
/// does not hold).
pub fn lanes_around(root: &Path, commit: &str, card: &str) -> (Option<String>, Option<String>) {
    let lane_in = |repo: &Repository, c: &git2::Commit, board_dir: &str| -> Option<String> {
        let folder = cards_tree_id(board_tree(repo, &c.tree().ok()?, board_dir).as_ref())?;
        let tree = repo.find_tree(folder).ok()?;
        let blob = repo
            .find_blob(tree.get_name(&format!("{card}.yaml"))?.id())
            .ok()?;
        card_state(blob.content()).map(|s| s.lane)
    };
    let Ok(repo) = git::open(root) else {
        return (None, None);
    };
    let Ok(prefix) = git::repo_path(&repo, root, "") else {
        return (None, None);
    };
    let board_dir = format!("{prefix}{BOARD_DIR}/");
    let Some(c) = Oid::from_str(commit)
        .ok()
        .and_then(|o| repo.find_commit(o).ok())
    else {
        return (None, None);
    };
    let before = c
        .parent(0)
        .ok()
        .and_then(|p| lane_in(&repo, &p, &board_dir));
    (before, lane_in(&repo, &c, &board_dir))
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
