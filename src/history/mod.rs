//! History: what happened to each card, read from git. No terminal here.
//!
//! - [`board_history`]: every commit reachable from HEAD, merged branches
//!   included, and every change a commit made to a card itself (a merge
//!   only where it changed a card itself, or kept the older of two
//!   versions). Each change is dated by its commit's author time, so a
//!   teammate's move between two syncs is dated when it was made, not when
//!   it was merged, and a teammate who rebases changes nothing. Flow
//!   metrics, reports and each card's log all read it, so they agree. It
//!   is cached in `.git/lanes/history-v2` (see [`cache`]), so a second run
//!   only walks new commits.
//! - [`timeline`]: one card's changes from that history, as field changes
//!   a person reads, plus commits that name the card.
//! - What a clone lacks ([`Gaps`]): a partial clone's missing card versions
//!   and folders are fetched as git fetches them (see
//!   [`git::partial`](crate::git::partial)); what still cannot be had, and
//!   where a shallow clone's history starts, is said
//!   ([`History::incomplete`]), never taken for "nothing changed". The
//!   cache records both, and is brought up to date when they change.

pub mod budget;
mod cache;
pub mod decisions;
pub mod deprecated;
pub mod flow;
pub mod html;
pub mod query;
pub mod report;
mod svg;
pub mod timeline;
mod walk;

pub use timeline::{timeline, timeline_in, Entry, FieldChange};

use crate::git;
use crate::store::{self, BOARD_DIR};
use anyhow::{anyhow, bail, Result};
use git2::{Oid, Repository, Tree};
use std::path::Path;

/// A commit reachable from HEAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    /// Author time, seconds since the epoch: when the change was made
    /// (kept by rebases and merges).
    pub time: i64,
    /// Committer time: when the commit was last written (a rebase renews
    /// it).
    pub committed: i64,
    /// 1 + the highest generation of its parents (a root commit is 1):
    /// puts changes of the same second in the order they were built on
    /// each other.
    pub generation: u32,
    pub author: String,
    pub subject: String,
    /// The action trailer, if lanes made it (`model::oplog`).
    pub action: Option<String>,
    /// The agent that made it for its author (`Lanes-Agent`), if any.
    pub agent: Option<String>,
    /// The card trailers.
    pub cards: Vec<String>,
    /// Card ids the message mentions as `lanes#<short id>`.
    pub mentions: Vec<String>,
}

/// What matters about a card for flow and reports, after a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardState {
    pub lane: String,
    pub archived: bool,
    pub kind: String,
    pub verdict: Option<String>,
    /// Its checklist: (ticked, total).
    pub checklist: (usize, usize),
    /// The cards it depends on (for the time it spent blocked).
    pub depends_on: Vec<String>,
}

impl CardState {
    /// What [`crate::model::done`] reads of the card.
    pub fn progress(&self) -> crate::model::Progress<'_> {
        crate::model::Progress {
            lane: &self.lane,
            verdict: self.verdict.as_deref().and_then(|v| v.parse().ok()),
            checklist: self.checklist,
            decision: self.kind == crate::model::done::DECISION,
        }
    }
}

/// One card changed by one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Index into `History::commits`.
    pub commit: usize,
    pub card: String,
    /// The card after the change; `None` when it was deleted or when this
    /// version cannot be read (see [`Change::unreadable`]).
    pub state: Option<CardState>,
    /// When the change was made: its commit's author time, raised to the
    /// time of the change it was made on where a teammate's clock was
    /// behind (a card never moves before the move it followed).
    pub time: i64,
    /// The card file after the change (`None`: deleted).
    pub blob: Option<Oid>,
    /// The card file's version is not in this clone (a partial clone that
    /// could not fetch it): what the change did is unknown.
    pub missing: bool,
}

impl Change {
    /// A version of the card file that cannot be read, or is not in this
    /// clone: the card stays where it was for flow and reports; its log
    /// says which.
    pub fn unreadable(&self) -> bool {
        self.blob.is_some() && self.state.is_none()
    }
}

/// What this clone lacks of the history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gaps {
    /// The shallow clone's cut ([`git::partial::Shallow::key`]) the history
    /// was read with; `None` for a whole clone. A history read with
    /// another cut is read again.
    pub shallow_key: Option<String>,
    /// Commits where a shallow clone's history is cut (indices into
    /// [`History::commits`]): their parents are not in this clone.
    pub cut: Vec<usize>,
    /// The remote missing card versions come from (a partial clone).
    pub remote: Option<String>,
    /// Why missing card versions could not be fetched.
    pub fetch_error: Option<String>,
}

/// How a history is incomplete, for people and for `--json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Incomplete {
    /// Card versions this partial clone lacks: their changes are not
    /// counted.
    pub missing_card_versions: usize,
    /// A shallow clone: when the oldest commit it holds was made (ISO
    /// 8601); nothing before is known.
    pub shallow_since: Option<String>,
    /// The same in a sentence, with what to run.
    pub message: String,
}

/// Every commit reachable from HEAD (parents before children) and every
/// change to a card, in the order they were made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// The commit the history was read at.
    pub head: Option<String>,
    pub commits: Vec<CommitInfo>,
    /// Sorted by time, then generation, commit id and card: the same order
    /// in every clone that has the same commits.
    pub changes: Vec<Change>,
    /// What this clone lacks (nothing, in a whole clone).
    pub gaps: Gaps,
}

impl History {
    /// Put the changes in their order (see [`History::changes`]).
    fn sort(&mut self) {
        let commits = &self.commits;
        self.changes.sort_by(|a, b| {
            let (ca, cb) = (&commits[a.commit], &commits[b.commit]);
            a.time
                .cmp(&b.time)
                .then(ca.generation.cmp(&cb.generation))
                .then_with(|| ca.id.cmp(&cb.id))
                .then_with(|| a.card.cmp(&b.card))
        });
    }

    /// One card's changes, in order.
    pub fn of_card<'a>(&'a self, card: &'a str) -> impl Iterator<Item = &'a Change> + 'a {
        self.changes.iter().filter(move |c| c.card == card)
    }

    /// How many card versions (files) this clone lacks.
    pub fn missing_versions(&self) -> usize {
        let mut blobs: Vec<Oid> = self
            .changes
            .iter()
            .filter(|c| c.missing)
            .filter_map(|c| c.blob)
            .collect();
        blobs.sort_unstable();
        blobs.dedup();
        blobs.len()
    }

    /// Whether commit `idx` is where a shallow clone's history is cut.
    pub fn is_cut(&self, idx: usize) -> bool {
        self.gaps.cut.contains(&idx)
    }

    /// When a shallow clone's history starts: the author time of the
    /// oldest commit where it is cut.
    pub fn starts_at(&self) -> Option<i64> {
        self.gaps
            .cut
            .iter()
            .filter_map(|&i| self.commits.get(i))
            .map(|c| c.time)
            .min()
    }

    /// How this history is incomplete; `None` when it is whole.
    pub fn incomplete(&self) -> Option<Incomplete> {
        let missing = self.missing_versions();
        let since = self.starts_at();
        if missing == 0 && since.is_none() {
            return None;
        }
        let mut parts = Vec::new();
        let versions = format!(
            "{missing} card version{}",
            if missing == 1 { "" } else { "s" }
        );
        if missing > 0 && self.gaps.remote.is_none() {
            parts.push(format!(
                "this clone lacks {versions}, whose changes are not counted, and has no promisor remote to fetch them from (objects are missing: run `git fsck`)"
            ));
        } else if let Some(remote) = self.gaps.remote.as_deref().filter(|_| missing > 0) {
            parts.push(format!(
                "this is a partial clone missing {versions}, whose changes are not counted{}; run the command again once {remote} can be reached (lanes fetches them as git does), or make this a whole clone with `git config --unset remote.{remote}.partialclonefilter && git fetch --refetch {remote}`",
                self.gaps
                    .fetch_error
                    .as_deref()
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default()
            ));
        }
        if let Some(t) = since {
            parts.push(format!(
                "this is a shallow clone, so its history starts at {} and nothing before is counted; run `git fetch --unshallow` for the rest",
                crate::model::date::format_timestamp(t)
            ));
        }
        Some(Incomplete {
            missing_card_versions: missing,
            shallow_since: since.map(crate::model::date::format_timestamp),
            message: format!("history is incomplete: {}", parts.join("; and ")),
        })
    }
}

/// A commit's facts (`generation` is set by the walk).
pub(crate) fn commit_info(c: &git2::Commit) -> CommitInfo {
    let msg = c.message().unwrap_or("");
    let crate::model::oplog::Trailers {
        action,
        cards,
        agent,
        ..
    } = crate::model::oplog::Trailers::parse(msg);
    let mut mentions: Vec<String> = msg
        .match_indices("lanes#")
        .filter_map(|(at, tag)| {
            let id: String = msg[at + tag.len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                .collect();
            (id.len() >= 4).then_some(id)
        })
        .collect();
    mentions.sort();
    mentions.dedup();
    CommitInfo {
        id: c.id().to_string(),
        time: c.author().when().seconds(),
        committed: c.time().seconds(),
        generation: 0,
        author: c.author().name().unwrap_or("").to_string(),
        subject: c.summary().ok().flatten().unwrap_or("").to_string(),
        action,
        agent,
        cards,
        mentions,
    }
}

impl CommitInfo {
    /// Who made it, as people read it: the author, and the agent acting
    /// for them (`Ana Lytic via claude-code`), as journal entries say it.
    pub fn who(&self) -> String {
        by_with_agent(&self.author, self.agent.as_deref())
    }
}

/// `author`, or `author via agent` when an agent acted for them.
pub fn by_with_agent(author: &str, agent: Option<&str>) -> String {
    match agent {
        Some(a) if !a.is_empty() => format!("{author} via {a}"),
        _ => author.to_string(),
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

/// The entry of a raw tree at byte `at`: (name, object id bytes, next).
pub(crate) fn entry_at(raw: &[u8], at: usize) -> Option<(&[u8], &[u8], usize)> {
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

/// An entry that differs between two trees: its name, its object before
/// and after (`None`: absent).
type Differs<'a> = (&'a str, Option<Oid>, Option<Oid>);

/// Entries that differ between two raw trees. The common start and end
/// are skipped by comparing bytes, so only the entries around the change
/// are looked at; the rest is a merge of two name-sorted lists.
fn changed_entries<'a>(old: &'a [u8], new: &'a [u8]) -> Vec<Differs<'a>> {
    let same = common_prefix(old, new);
    let start = entry_start(old, same);
    let (mut i, mut j) = (start, start);
    let mut out = Vec::new();
    let name = |n: &'a [u8]| std::str::from_utf8(n).unwrap_or_default();
    let oid = |b: &[u8]| Oid::from_bytes(b).ok();
    loop {
        if old.len() - i == new.len() - j && old[i..] == new[j..] {
            break;
        }
        match (entry_at(old, i), entry_at(new, j)) {
            (Some(a), Some(b)) if a.0 == b.0 => {
                if a.1 != b.1 {
                    out.push((name(b.0), oid(a.1), oid(b.1)));
                }
                i = a.2;
                j = b.2;
            }
            (Some(a), Some(b)) if a.0 < b.0 => {
                out.push((name(a.0), oid(a.1), None));
                i = a.2;
            }
            (Some(a), None) => {
                out.push((name(a.0), oid(a.1), None));
                i = a.2;
            }
            (_, Some(b)) => {
                out.push((name(b.0), None, oid(b.1)));
                j = b.2;
            }
            (None, None) => break,
        }
    }
    out
}

/// Read a card's state from its file text: a quick line scan for files in
/// lanes' canonical form, the YAML parser otherwise.
pub(crate) fn card_state(bytes: &[u8]) -> Option<CardState> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lane = None;
    let mut archived = false;
    let mut kind = None;
    let mut verdict = None;
    let mut checklist = (0, 0);
    let mut depends_on = Vec::new();
    let mut section = "";
    let mut plain = true;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("lane: ") {
            lane = Some(v);
        } else if let Some(v) = line.strip_prefix("kind: ") {
            kind = Some(v);
        } else if let Some(v) = line.strip_prefix("archived: ") {
            archived = v.trim() == "true";
        } else if line.starts_with("hypothesis:")
            || line.starts_with("checklist:")
            || line.starts_with("depends_on:")
        {
            section = if line.starts_with('h') {
                "hypothesis"
            } else if line.starts_with('c') {
                "checklist"
            } else {
                "depends_on"
            };
            // `checklist: []` and the like: read the file properly.
            plain &= line.trim_end().ends_with(':');
            continue;
        } else if line.starts_with('-') {
            // A list not indented under its key: read the file properly.
            plain = false;
            continue;
        } else if line.starts_with(' ') && section == "depends_on" {
            // Ids as lanes writes them: `  - <id>`.
            match line.strip_prefix("  - ").map(str::trim) {
                Some(id) if crate::model::id::is_valid(id) => depends_on.push(id.to_string()),
                _ => plain = false,
            }
            continue;
        } else if line.starts_with(' ') && section == "hypothesis" {
            if let Some(v) = line.strip_prefix("  verdict: ") {
                verdict = Some(v.trim().to_string());
            }
            continue;
        } else if line.starts_with(' ') && section == "checklist" {
            // Items as lanes writes them: `  - text: …` then `    done: …`.
            if line.starts_with("  - ") {
                checklist.1 += 1;
                plain &= line.starts_with("  - text:");
            } else if let Some(v) = line.strip_prefix("    done: ") {
                checklist.0 += usize::from(v.trim() == "true");
            }
            continue;
        } else {
            if !line.starts_with(' ') {
                section = "";
            }
            continue;
        }
        section = "";
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
            checklist,
            depends_on,
        }),
        _ => {
            let card = store::parse_card("", bytes).ok()?.card;
            Some(CardState {
                lane: card.lane.clone(),
                archived: card.archived,
                kind: card.kind.clone(),
                verdict: card.verdict().map(|v| v.to_string()),
                checklist: card.checklist_progress(),
                depends_on: card.depends_on.clone(),
            })
        }
    }
}

/// The board's history at HEAD, from the cache where possible: a run
/// after new commits walks only those. In a partial clone, the card
/// versions and folders it needs are fetched first (see [`Gaps`]).
pub fn board_history(root: &Path) -> Result<History> {
    let repo = git::open(root)?;
    let board_dir = format!("{}{BOARD_DIR}/", git::repo_path(&repo, root, "")?);
    let Some(head) = repo.head().ok().and_then(|h| h.target()) else {
        return Ok(History::default());
    };
    let shallow = git::partial::shallow(&repo);
    let shallow_key = shallow.as_ref().map(|s| s.key.clone());
    let scratch = store::cache::Scratch::in_git_dir(repo.path());
    let mut history = cache::read(&scratch, &board_dir).unwrap_or_default();
    // Unshallowed or deepened since: what was read stopped at the old cut.
    if history.gaps.shallow_key != shallow_key {
        history = History::default();
    }
    let cached_head = history.head.as_deref().and_then(|h| Oid::from_str(h).ok());
    let mut changed = false;
    if cached_head != Some(head) {
        // Only commits the cache lacks are walked, when HEAD has moved on
        // from the commit it was read at; otherwise (a reset, a rewrite)
        // all.
        let from = cached_head.filter(|&old| repo.graph_descendant_of(head, old).unwrap_or(false));
        if from.is_none() {
            history = History::default();
        }
        read_commits(root, &repo, &board_dir, &mut history, head, from)?;
        history.head = Some(head.to_string());
        changed = true;
    }
    history.gaps.shallow_key = shallow_key;
    history.gaps.cut = match &shallow {
        Some(s) => {
            let roots: std::collections::HashSet<String> =
                s.roots.iter().map(Oid::to_string).collect();
            (0..history.commits.len())
                .filter(|&i| roots.contains(&history.commits[i].id))
                .collect()
        }
        None => Vec::new(),
    };
    changed |= complete_versions(root, &repo, &mut history)?;
    if changed {
        let _ = cache::write(&scratch, &board_dir, &history);
    }
    history.sort();
    Ok(history)
}

/// [`walk::extend`], fetching the folders (trees) a partial clone lacks
/// first, as git would; refused when they cannot be had, since a commit
/// whose folder is unknown would read as every card deleted.
fn read_commits(
    root: &Path,
    repo: &Repository,
    board_dir: &str,
    history: &mut History,
    head: Oid,
    from: Option<Oid>,
) -> Result<()> {
    // A fetch brings folders with every folder inside them: one round,
    // unless the remote sends less.
    for _ in 0..3 {
        let missing = walk::extend(root, repo, board_dir, history, head, from)?;
        if missing.is_empty() {
            return Ok(());
        }
        let timeout = git::process::Timeout::read(repo, root)?;
        if let Err(why) = git::partial::fetch_missing(repo, &missing, &timeout) {
            bail!(
                "history cannot be read: this partial clone lacks {} folder{} (trees) of its history, and {why}; run the command again once the remote can be reached",
                missing.len(),
                if missing.len() == 1 { "" } else { "s" }
            );
        }
    }
    bail!("history cannot be read: this partial clone lacks folders (trees) of its history that its promisor remote does not send; run `git fsck`")
}

/// Card versions the history lacks: those that have arrived since (a
/// `git fetch`, a `git log -p`) are read; the rest are fetched in one
/// batch from the promisor remote, and what still cannot be had is noted
/// in [`Gaps`]. Whether any version was read.
fn complete_versions(root: &Path, repo: &Repository, history: &mut History) -> Result<bool> {
    history.gaps.fetch_error = None;
    history.gaps.remote = None;
    let mut wanted: Vec<Oid> = history
        .changes
        .iter()
        .filter(|c| c.missing)
        .filter_map(|c| c.blob)
        .collect();
    if wanted.is_empty() {
        return Ok(false);
    }
    wanted.sort_unstable();
    wanted.dedup();
    history.gaps.remote = git::partial::promisor_remotes(repo).into_iter().next();
    let absent = git::partial::absent(repo, &wanted);
    if !absent.is_empty() {
        let timeout = git::process::Timeout::read(repo, root)?;
        if let Err(why) = git::partial::fetch_missing(repo, &absent, &timeout) {
            history.gaps.fetch_error = Some(why);
        }
    }
    let still = git::partial::absent(repo, &wanted);
    let arrived: Vec<Oid> = wanted.into_iter().filter(|b| !still.contains(b)).collect();
    if arrived.is_empty() {
        return Ok(false);
    }
    let states = walk::read_states(root, &git::pack::Packs::open(repo), &arrived)?;
    for c in history.changes.iter_mut().filter(|c| c.missing) {
        if let Some(Some(state)) = c.blob.and_then(|b| states.get(&b)) {
            c.state = state.clone();
            c.missing = false;
        }
    }
    Ok(true)
}

/// Parse `--until`: the end of a day `YYYY-MM-DD` (its last second), or
/// `Nd`/`Nw` for that long ago.
pub fn parse_until(s: &str) -> Result<i64> {
    let t = s.trim();
    if let Some(d) = crate::model::date::parse_date(t) {
        return Ok(d * 86_400 + 86_399);
    }
    parse_since(t)
        .map_err(|_| anyhow!("--until {t:?}: use a date (2026-10-31) or an age (14d, 6w)"))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick scan reads what the YAML parser reads, checklists included.
    #[test]
    fn the_quick_scan_agrees_with_the_parser() {
        let cards = [
            "id: a1\nlane: x\nchecklist:\n  - text: \"Runbook: flag\"\n    done: true\n  - text: Sign-off\n    done: false\njournal:\n  - at: 2026-11-13T10:05:00Z\n    text: \"done: true\"\n",
            "id: a1\nlane: x\nchecklist:\n  - text: |-\n      two lines\n          done: true\n    done: false\n  - text: b\n    done: true\n",
            "id: a1\nlane: x\nchecklist: [a, {text: b, done: true}]\n",
            "id: a1\nlane: x\nchecklist:\n  - just text\n  - text: b\n    done: true\n",
            "id: a1\nlane: x\nhypothesis:\n  verdict: refuted\nchecklist:\n  - text: a\n    done: true\narchived: true\n",
            "id: a1\nlane: x\n",
            "id: a1\nlane: x\ndepends_on:\n  - b2\n  - c3\nchecklist:\n  - text: a\n    done: true\n",
            "id: a1\nlane: x\ndepends_on: [b2, c3]\n",
            "id: a1\nlane: x\ndepends_on:\n- b2\n",
            "id: a1\nlane: x\nchecklist:\n- text: a\n  done: true\n",
        ];
        for text in cards {
            let quick = card_state(text.as_bytes()).expect("a state");
            let card = store::parse_card("", text.as_bytes()).expect("a card").card;
            assert_eq!(quick.checklist, card.checklist_progress(), "{text}");
            assert_eq!(quick.lane, card.lane, "{text}");
            assert_eq!(quick.depends_on, card.depends_on, "{text}");
            assert_eq!(quick.archived, card.archived, "{text}");
            assert_eq!(
                quick.verdict,
                card.verdict().map(|v| v.to_string()),
                "{text}"
            );
        }
    }
}
