//! `lanes sync`: fetch the branch's upstream, fast-forward or merge card by
//! card, commit, check out safely, push; retry when someone pushed first.
//!
//! Network steps run the user's `git` (see `remote`); merging, committing
//! and checking out happen in-process through git2. Nothing is moved until
//! the merged tree is known to be clean and checks out without touching the
//! user's uncommitted work; on any refusal the repository is exactly as
//! before.

mod cycles;
pub mod remote;
pub mod ssh;

use crate::git;
use crate::merge::{self, Side};
use crate::model::{self, date, id, Card, JournalEntry};
use crate::store::{self, BOARD_DIR};
use anyhow::{anyhow, bail, Context, Result};
use git2::{Commit, ObjectType, Oid, Repository, Tree, TreeWalkMode, TreeWalkResult};
use remote::Net;
use serde_yaml::{Mapping, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a sync keeps trying when the remote keeps moving (a push
/// rejected because a teammate pushed first: fetch, merge, push again,
/// after a random pause so that racing clones spread out).
pub const RETRY_FOR: Duration = Duration::from_secs(30);

/// Where a sync reports what it is doing while it retries.
pub type Progress = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

#[derive(Clone, Default)]
pub struct Options {
    /// Remote to use instead of the branch's upstream.
    pub remote: Option<String>,
    /// Whether git may ask for passwords on the terminal.
    pub interactive: bool,
    /// Told what is happening when a sync has to try again or waits on
    /// the remote.
    pub progress: Option<Progress>,
    /// git's ssh variables, read at the top ([`Options::from_env`]): git
    /// runs with exactly these (and what a sync adds to them).
    pub ssh_env: ssh::SshEnv,
}

impl Options {
    /// A sync that must not prompt, with git's ssh variables from this
    /// process's environment (the board screen's).
    pub fn from_env() -> Options {
        Options {
            ssh_env: ssh::SshEnv::from_env(),
            ..Options::default()
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("remote", &self.remote)
            .field("interactive", &self.interactive)
            .field("progress", &self.progress.is_some())
            .field("ssh_env", &self.ssh_env)
            .finish()
    }
}

/// A card the sync changed here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: String,
    /// added, changed or removed.
    pub what: String,
    /// Who changed it in the commits brought in (from their
    /// card trailers; empty for hand edits).
    pub authors: Vec<String>,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub remote: String,
    pub branch: String,
    /// Commits brought in from the remote.
    pub pulled: usize,
    /// Whether local commits were pushed.
    pub pushed: bool,
    /// The merge commit, if one was made.
    pub merge: Option<String>,
    /// Cards that changed here because of the sync.
    pub changed: Vec<Change>,
    /// Fields both sides changed, as `id field: kept X, other Y`.
    pub conflicts: Vec<String>,
    /// Malformed files set aside under `.lanes/conflicts/`.
    pub salvaged: Vec<String>,
    /// Set when the remote could not be reached: git's message.
    pub offline: Option<String>,
    /// Commits here and not on the remote, and the other way round, after.
    pub ahead: usize,
    pub behind: usize,
}

impl Report {
    /// One line for the status bar or the terminal.
    pub fn summary(&self) -> String {
        if let Some(e) = &self.offline {
            let first = e.lines().next().unwrap_or("cannot reach the remote");
            return format!("offline · {} ahead · {first}", self.ahead);
        }
        let mut parts = Vec::new();
        if self.pulled > 0 {
            parts.push(format!(
                "{} commit{} in, {} card{} changed",
                self.pulled,
                plural(self.pulled),
                self.changed.len(),
                plural(self.changed.len())
            ));
        }
        if !self.conflicts.is_empty() {
            parts.push(format!(
                "{} conflict{} recorded",
                self.conflicts.len(),
                plural(self.conflicts.len())
            ));
        }
        if self.pushed {
            parts.push("pushed".into());
        }
        if parts.is_empty() {
            parts.push("up to date".into());
        }
        format!(
            "synced with {}/{}: {}",
            self.remote,
            self.branch,
            parts.join(", ")
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Sync the board at `root` with its remote.
pub fn sync(root: &Path, opts: &Options) -> Result<Report> {
    let _lock = crate::ops::lock(root)?;
    let repo = git::open(root)?;
    let branch_ref = git::check_ready(&repo)?;
    let prefix = git::repo_path(&repo, root, "")?;
    let board_dir = format!("{prefix}{BOARD_DIR}/");
    if repo.head().is_err() {
        return first_fetch(&repo, root, &branch_ref, &board_dir, opts);
    }
    refuse_filtered(&repo, &board_dir)?;
    // Uncommitted board changes would be lost or half-merged by a checkout:
    // checked just before one (a sync with nothing to bring in skips it).
    let refuse_pending = |repo: &Repository| -> Result<()> {
        let pending: Vec<String> = git::changed_paths(repo, &board_dir)?
            .into_iter()
            .filter(|p| store::is_board_file(&p[prefix.len()..]))
            .collect();
        if !pending.is_empty() {
            bail!(
                "uncommitted board changes: {}\ncommit them first (`lanes commit`) or discard them, then sync again (nothing was changed)",
                pending.join(", ")
            );
        }
        Ok(())
    };
    let (remote, branch) = remote::upstream(&repo, &branch_ref, opts.remote.as_deref())?;
    let link = remote::Link::open(&repo, root, &remote, opts)?;
    let tracking = format!("refs/remotes/{remote}/{branch}");
    let mut report = Report {
        remote: remote.clone(),
        branch: branch.clone(),
        ..Default::default()
    };
    let start = head_oid(&repo)?;
    let began = Instant::now();
    let mut tries = 0usize;
    let mut pause = Duration::from_millis(50);
    loop {
        tries += 1;
        let theirs = match link.fetch(&branch)? {
            Net::Ok => repo.refname_to_id(&tracking).ok(),
            Net::NoBranch => None,
            Net::Refused(msg) => bail!(
                "{remote} refused the fetch:\n{msg}\nnothing was changed; your work is safe here"
            ),
            failed => {
                let msg = match failed {
                    Net::Failed(m) => m,
                    _ => String::new(),
                };
                report.offline = Some(msg_or(&msg, "the remote refused the fetch"));
                let known = repo.refname_to_id(&tracking).ok();
                report.ahead = match known {
                    Some(t) => repo.graph_ahead_behind(head_oid(&repo)?, t)?.0,
                    None => count_commits(&repo, head_oid(&repo)?)?,
                };
                return Ok(report);
            }
        };
        let ours = head_oid(&repo)?;
        if tries == 1 {
            no_board_anywhere(&repo, &board_dir, ours, theirs, &remote, &branch)?;
        }
        if let Some(t) = theirs {
            if t != ours {
                let (ahead, behind) = repo.graph_ahead_behind(ours, t)?;
                if behind > 0 {
                    refuse_pending(&repo)?;
                    let moved = if ahead == 0 {
                        checkout_and_move(&repo, ours, t, "lanes sync: fast-forward")?
                    } else {
                        let mut attempt = report.clone();
                        match merge(&repo, &board_dir, ours, t, &remote, &branch, &mut attempt)? {
                            Some(m) => {
                                report = attempt;
                                report.merge = Some(m.to_string());
                                true
                            }
                            None => false,
                        }
                    };
                    if !moved {
                        // A commit landed here meanwhile: merge again.
                        if began.elapsed() > RETRY_FOR {
                            bail!("the branch kept moving here while syncing ({tries} tries in {} s); your commits are safe, run `lanes sync` again", began.elapsed().as_secs());
                        }
                        continue;
                    }
                    report.pulled += behind;
                }
            }
        }
        let ours = head_oid(&repo)?;
        let needs_push = match theirs {
            None => true,
            Some(t) => t != ours && repo.graph_ahead_behind(ours, t)?.0 > 0,
        };
        if !needs_push {
            break;
        }
        // Pushing is safe, but the user would think their edits went too.
        refuse_pending(&repo)?;
        match link.push(&branch_ref, &branch)? {
            Net::Ok => {
                report.pushed = true;
                // Keep the tracking ref in step without another fetch.
                let _ = repo.reference(&tracking, ours, true, "lanes sync: pushed");
                break;
            }
            Net::Rejected => {
                if began.elapsed() > RETRY_FOR {
                    break;
                }
                if let Some(progress) = &opts.progress {
                    progress(&format!(
                        "{remote}/{branch} moved while pushing; merging again (try {})",
                        tries + 1
                    ));
                }
                std::thread::sleep(backoff(pause));
                pause = (pause * 2).min(Duration::from_secs(2));
                continue;
            }
            Net::NoBranch => break,
            Net::Refused(msg) => bail!(
                "{remote} refused the push:\n{msg}\nyour commits are safe here ({} ahead); fix the cause and run `lanes sync` again",
                repo.graph_ahead_behind(ours, theirs.unwrap_or(ours)).map(|x| x.0).unwrap_or(0)
            ),
            Net::Failed(msg) => {
                report.offline = Some(msg_or(&msg, "the remote refused the push"));
                break;
            }
        }
    }
    let end = head_oid(&repo)?;
    if end != start {
        report.changed = changed_cards(&repo, &board_dir, start, end)?;
    }
    if let Ok(t) = repo.refname_to_id(&tracking) {
        let (a, b) = repo.graph_ahead_behind(end, t)?;
        report.ahead = a;
        report.behind = b;
    }
    if report.ahead > 0 && report.offline.is_none() && !report.pushed {
        bail!(
            "the remote kept moving while syncing ({tries} tries in {} s); your commits are safe here, run `lanes sync` again",
            began.elapsed().as_secs()
        );
    }
    record_sync(&repo, start);
    Ok(report)
}

/// Whether `commit` holds a board at `board_dir`.
fn has_board(repo: &Repository, commit: Oid, board_dir: &str) -> bool {
    repo.find_commit(commit)
        .and_then(|c| c.tree())
        .is_ok_and(|t| {
            t.get_path(Path::new(&format!("{board_dir}board.yaml")))
                .is_ok()
        })
}

/// A clone with no board whose upstream has none either: nothing to sync,
/// and only here is `lanes init` the way on. (A clone made before the
/// board existed syncs: the board comes with the merge.)
fn no_board_anywhere(
    repo: &Repository,
    board_dir: &str,
    ours: Oid,
    theirs: Option<Oid>,
    remote: &str,
    branch: &str,
) -> Result<()> {
    if has_board(repo, ours, board_dir) || theirs.is_some_and(|t| has_board(repo, t, board_dir)) {
        return Ok(());
    }
    bail!(
        "no board here or on {remote}/{branch} (no {board_dir}board.yaml in either): nothing to sync; `lanes init` creates a board, and `lanes sync` then shares it"
    )
}

/// Sync in a clone whose branch has no commits yet (cloned before anyone
/// pushed): the branch starts at its upstream, as `git pull` would do.
/// The branch is created only if it still does not exist, and the checkout
/// refuses to overwrite any file the user has.
fn first_fetch(
    repo: &Repository,
    root: &Path,
    branch_ref: &str,
    board_dir: &str,
    opts: &Options,
) -> Result<Report> {
    let (remote, branch) = remote::upstream(repo, branch_ref, opts.remote.as_deref())?;
    let link = remote::Link::open(repo, root, &remote, opts)?;
    let tracking = format!("refs/remotes/{remote}/{branch}");
    let mut report = Report {
        remote: remote.clone(),
        branch: branch.clone(),
        ..Default::default()
    };
    let theirs = match link.fetch(&branch)? {
        Net::Ok => repo.refname_to_id(&tracking).ok(),
        Net::NoBranch => None,
        Net::Refused(msg) => bail!("{remote} refused the fetch:\n{msg}\nnothing was changed"),
        Net::Failed(m) => {
            report.offline = Some(msg_or(&m, "the remote refused the fetch"));
            return Ok(report);
        }
        Net::Rejected => bail!("{remote} refused the fetch; nothing was changed"),
    };
    let Some(t) = theirs else {
        bail!(
            "this clone has no commits yet and {remote}/{branch} has none either: there is no board to sync; `lanes init` creates one"
        );
    };
    if !has_board(repo, t, board_dir) {
        bail!(
            "{remote}/{branch} has no board ({board_dir}board.yaml): nothing to sync; `lanes init` creates one"
        );
    }
    repo.reference(branch_ref, t, false, "lanes sync: start from upstream")
        .with_context(|| format!("{branch_ref} appeared while syncing; run `lanes sync` again"))?;
    let mut safe = git2::build::CheckoutBuilder::new();
    safe.safe();
    if let Err(e) = repo.checkout_head(Some(&mut safe)) {
        if let Ok(mut r) = repo.find_reference(branch_ref) {
            let _ = r.delete();
        }
        bail!("cannot check out {remote}/{branch} here ({e}); nothing was changed: move the files in the way aside and run `lanes sync` again");
    }
    report.pulled = count_commits(repo, t)?;
    Ok(report)
}

/// Board files that go through a filter driver (`filter=crypt` from
/// git-crypt, say) are stored in git as the driver's output: sync merges
/// and checks out board files itself and cannot run drivers, so it refuses
/// rather than merge ciphertext or write it over the user's files.
fn refuse_filtered(repo: &Repository, board_dir: &str) -> Result<()> {
    for rel in ["board.yaml", "cards/card.yaml"] {
        let path = format!("{board_dir}{rel}");
        // (A split or sparse index libgit2 cannot read: the work tree's
        // attributes only.)
        let flags = git2::AttrCheckFlags::FILE_THEN_INDEX;
        let worktree_only = || -> Result<Option<String>> {
            let other = git::commit::worktree_only_handle(repo)?;
            let v = other.get_attr(Path::new(&path), "filter", flags)?;
            Ok(v.map(str::to_string))
        };
        let driver = match repo.get_attr(Path::new(&path), "filter", flags) {
            Ok(v) => v.map(str::to_string),
            Err(_) => worktree_only()?,
        }
        .filter(|d| !d.is_empty() && d != "true" && d != "false");
        if let Some(d) = driver {
            bail!(
                "board files go through the filter {d:?} (see .gitattributes); lanes sync merges and checks out board files itself and cannot run filter drivers, so it refuses (nothing was changed). Sync with `git pull` and `git push` (after `lanes setup`), which run the filter"
            );
        }
    }
    Ok(())
}

fn msg_or(msg: &str, default: &str) -> String {
    if msg.trim().is_empty() {
        default.to_string()
    } else {
        msg.trim().to_string()
    }
}

fn head_oid(repo: &Repository) -> Result<Oid> {
    repo.head()?
        .target()
        .ok_or_else(|| anyhow!("HEAD does not point to a commit"))
}

fn count_commits(repo: &Repository, from: Oid) -> Result<usize> {
    let mut walk = repo.revwalk()?;
    walk.push(from)?;
    Ok(walk.count())
}

/// Remember where the last sync started, for "what changed since".
fn record_sync(repo: &Repository, before: Oid) {
    let dir = repo.path().join("lanes");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(
        dir.join("last-sync"),
        format!("{} {}\n", date::now_secs(), before),
    );
}

/// Check out `target` without touching uncommitted work (refusing if it
/// would), then move the branch to it, only if the branch is still at
/// `expected`: one transaction under `index.lock` (see [`git::txn`]), so a
/// `git commit` made meanwhile is never dropped. `Ok(false)`: the branch
/// had moved, nothing was changed.
fn checkout_and_move(repo: &Repository, expected: Oid, target: Oid, why: &str) -> Result<bool> {
    let mut tx = git::Transaction::begin(repo, "checkout", why)?;
    if tx.tip() != Some(expected) {
        return Ok(false);
    }
    tx.checkout(target, why, &[])?;
    Ok(true)
}

/// A pause before trying again, random between `base` and twice that, so
/// that clones racing for the remote spread out.
fn backoff(base: Duration) -> Duration {
    let r = id::new_id().bytes().fold(0u64, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u64::from(b))
    });
    base + Duration::from_millis(r % (base.as_millis() as u64).max(1))
}

fn blob_text(repo: &Repository, oid: Option<Oid>) -> Option<Vec<u8>> {
    oid.and_then(|o| repo.find_blob(o).ok())
        .map(|b| b.content().to_vec())
}

/// Who made each side, for conflict records.
struct SideMeta {
    author: String,
    short: String,
}

fn meta(c: &Commit) -> SideMeta {
    SideMeta {
        author: c.author().name().unwrap_or("someone").to_string(),
        short: c.id().to_string()[..8].to_string(),
    }
}

/// Merge the remote tip into HEAD, resolving board files field by field.
/// `None`: the branch moved while merging (nothing was changed).
#[allow(clippy::too_many_arguments)]
fn merge(
    repo: &Repository,
    board_dir: &str,
    ours: Oid,
    theirs: Oid,
    remote: &str,
    branch: &str,
    report: &mut Report,
) -> Result<Option<Oid>> {
    let oc = repo.find_commit(ours)?;
    let tc = repo.find_commit(theirs)?;
    // As `git pull` does: histories with no common commit are two
    // projects, not two clones of one.
    let base_tree = match repo.merge_base(ours, theirs) {
        Ok(b) => Some(repo.find_commit(b)?.tree()?),
        Err(e) if e.code() == git2::ErrorCode::NotFound => bail!(
            "refusing to merge unrelated histories: {remote}/{branch} shares no commit with your branch, so it is probably another project (check `git remote -v`); nothing was changed, nothing was pushed"
        ),
        Err(e) => bail!("cannot find where the histories meet: {}", e.message()),
    };
    // The later side wins same-field conflicts; ties go to the larger id.
    // Every clone computes the same winner, so clones converge.
    let winner = {
        let (ot, tt) = (oc.time().seconds(), tc.time().seconds());
        if tt > ot || (tt == ot && theirs > ours) {
            Side::Theirs
        } else {
            Side::Ours
        }
    };
    let (om, tm) = (meta(&oc), meta(&tc));
    let winner_time = if winner == Side::Ours {
        oc.time().seconds()
    } else {
        tc.time().seconds()
    };
    let mut index = match repo.merge_commits(&oc, &tc, None) {
        Ok(i) => i,
        // A split or sparse index libgit2 cannot read (it looks there for
        // attributes): merge through a handle whose index is empty, which
        // reads the work tree's .gitattributes only.
        Err(e) if e.message().contains("unsupported mandatory extension") => {
            let other = git::commit::worktree_only_handle(repo)?;
            let (o2, t2) = (other.find_commit(ours)?, other.find_commit(theirs)?);
            other.merge_commits(&o2, &t2, None)?
        }
        Err(e) => return Err(e.into()),
    };
    let blobs_in =
        |t: &Tree| -> Result<BTreeMap<String, Entry>> { board_entries(repo, t, board_dir) };
    let b = match &base_tree {
        Some(t) => blobs_in(t)?,
        None => BTreeMap::new(),
    };
    let o = blobs_in(&oc.tree()?)?;
    let t = blobs_in(&tc.tree()?)?;
    let paths: BTreeSet<&String> = b.keys().chain(o.keys()).chain(t.keys()).collect();
    let mut merged_cards = Vec::new();
    // Cards placed (added or moved) on one side only, with their result:
    // two such cards from different sides may share a rank.
    let mut placed: Vec<(String, Oid)> = Vec::new();
    let cards_dir = format!("{board_dir}cards/");
    for path in paths {
        let (bo, oo, to) = (
            b.get(path).copied(),
            o.get(path).copied(),
            t.get(path).copied(),
        );
        // Content and mode (an executable script or a symlink kept under
        // .lanes/ keeps its mode): one side's change is taken whole.
        let result: Option<Entry> = if oo == to {
            oo
        } else if oo == bo {
            to
        } else if to == bo {
            oo
        } else if oo.map(|e| e.0) == to.map(|e| e.0) {
            // Same content, modes changed differently: the winner's.
            if winner == Side::Ours {
                oo
            } else {
                to
            }
        } else {
            let mode = merged_mode(bo, oo, to, winner);
            let (bo, oo, to) = (bo.map(|e| e.0), oo.map(|e| e.0), to.map(|e| e.0));
            let rel = &path[board_dir.len() - BOARD_DIR.len() - 1..];
            let ctx = Ctx {
                repo,
                board_dir,
                winner,
                winner_time,
                ours: &om,
                theirs: &tm,
            };
            let (res, extra) = merge_file(&ctx, rel, bo, oo, to, report)?;
            for (p, oid) in extra {
                index.add(&git::blob_entry(&p, oid))?;
            }
            if rel.starts_with(store::CARDS_DIR) {
                merged_cards.push(rel.to_string());
            }
            res.map(|oid| (oid, mode))
        };
        let _ = index.conflict_remove(Path::new(path));
        match result {
            Some((oid, mode)) => {
                if path.starts_with(&cards_dir) && (oo != bo || to != bo) {
                    placed.push((path.clone(), oid));
                }
                let mut entry = git::blob_entry(path, oid);
                entry.mode = mode;
                index.add(&entry)?
            }
            None => {
                let _ = index.remove_path(Path::new(path));
            }
        }
    }
    for (path, oid) in separate_ties(repo, &index, &cards_dir, &placed)? {
        index.add(&git::blob_entry(&path, oid))?;
    }
    // Links from both sides that close a cycle together: every link is
    // kept, and the cycle recorded on the cards of its links.
    let sides = (winner, winner_time, &om, &tm);
    for (path, oid) in cycles::record_in_sync(repo, &index, &cards_dir, &o, &t, sides, report)? {
        index.add(&git::blob_entry(&path, oid))?;
        if !merged_cards.iter().any(|m| path.ends_with(m.as_str())) {
            let rel = &path[board_dir.len() - BOARD_DIR.len() - 1..];
            merged_cards.push(rel.to_string());
        }
    }
    if index.has_conflicts() {
        let mut paths = Vec::new();
        for c in index.conflicts()? {
            let c = c?;
            let e = c.our.or(c.their).or(c.ancestor);
            if let Some(e) = e {
                paths.push(String::from_utf8_lossy(&e.path).into_owned());
            }
        }
        paths.sort();
        paths.dedup();
        bail!(
            "cannot sync: files outside the board changed on both sides and conflict: {}\nmerge them by hand (`git pull`), then run `lanes sync` again; nothing was changed",
            paths.join(", ")
        );
    }
    let tree_id = index.write_tree_to(repo)?;
    let tree = repo.find_tree(tree_id)?;
    let (author, committer) = git::identity(repo)?;
    let mut msg = format!("lanes: sync with {remote}/{branch}\n\n");
    msg.push_str(&format!(
        "Merged {} card{} changed on both sides",
        merged_cards.len(),
        plural(merged_cards.len())
    ));
    if !report.conflicts.is_empty() {
        msg.push_str(&format!(
            "; {} conflict{} recorded in the cards",
            report.conflicts.len(),
            plural(report.conflicts.len())
        ));
    }
    msg.push_str(".\n");
    for c in report.conflicts.iter().take(50) {
        msg.push_str(&format!("- {}\n", crate::ops::clean_line(c, 200)));
    }
    let ids: Vec<&str> = merged_cards
        .iter()
        .filter_map(|p| p.rsplit('/').next().and_then(|n| n.strip_suffix(".yaml")))
        .collect();
    msg.push('\n');
    msg.push_str(&crate::model::oplog::Trailers::new("sync", &ids).render());
    let merge_oid = git::rules::create_commit(repo, &author, &committer, &msg, &tree, &[&oc, &tc])?;
    if !checkout_and_move(repo, ours, merge_oid, "lanes sync: merge")? {
        return Ok(None);
    }
    Ok(Some(merge_oid))
}

/// A file in a tree: its blob and mode.
type Entry = (Oid, u32);

/// The mode of a file both sides changed: the one that differs from the
/// base, or the winner's when both changed it.
fn merged_mode(
    base: Option<Entry>,
    ours: Option<Entry>,
    theirs: Option<Entry>,
    winner: Side,
) -> u32 {
    let (b, o, t) = (base.map(|e| e.1), ours.map(|e| e.1), theirs.map(|e| e.1));
    let pick = match (o, t) {
        (Some(o), Some(t)) if o == t => Some(o),
        (Some(o), Some(t)) if Some(o) == b => Some(t),
        (Some(o), Some(t)) if Some(t) == b => Some(o),
        (Some(o), Some(t)) => Some(if winner == Side::Ours { o } else { t }),
        (o, t) => o.or(t),
    };
    pick.unwrap_or(0o100644)
}

fn walk_board(repo: &Repository, tree: &Tree, board_dir: &str) -> Result<BTreeMap<String, Oid>> {
    Ok(board_entries(repo, tree, board_dir)?
        .into_iter()
        .map(|(p, (oid, _))| (p, oid))
        .collect())
}

/// Every file under the board folder of `tree`, with its blob and mode.
fn board_entries(
    repo: &Repository,
    tree: &Tree,
    board_dir: &str,
) -> Result<BTreeMap<String, Entry>> {
    let mut out = BTreeMap::new();
    let entry = match tree.get_path(Path::new(board_dir.trim_end_matches('/'))) {
        Ok(e) => e,
        Err(_) => return Ok(out),
    };
    let obj = entry.to_object(repo)?;
    let Some(sub) = obj.as_tree() else {
        return Ok(out);
    };
    sub.walk(TreeWalkMode::PreOrder, |parent, e| {
        if e.kind() == Some(ObjectType::Blob) {
            if let Ok(name) = e.name() {
                out.insert(
                    format!("{board_dir}{parent}{name}"),
                    (e.id(), e.filemode() as u32),
                );
            }
        }
        TreeWalkResult::Ok
    })?;
    Ok(out)
}

/// Cards placed on different sides can land on the same rank in one lane
/// (both added at the bottom of a lane by lanes before ranks carried a bit
/// of the card id, or by hand). Every tie after the first (by id) gets a
/// rank between the tie and the next rank in its lane (all of the merged
/// lane's cards are read for that, only when there is a tie), the same on
/// every clone. Returns the rewritten files.
fn separate_ties(
    repo: &Repository,
    merged: &git2::Index,
    cards_dir: &str,
    placed: &[(String, Oid)],
) -> Result<Vec<(String, Oid)>> {
    // (lane, rank) -> the cards there: (path, file text, card).
    type Place = (String, String);
    let mut by_place: BTreeMap<Place, Vec<(String, String, Card)>> = BTreeMap::new();
    for (path, oid) in placed {
        let Some(bytes) = blob_text(repo, Some(*oid)) else {
            continue;
        };
        let Ok(lc) = store::parse_card(path, &bytes) else {
            continue;
        };
        let key = (lc.card.lane.clone(), lc.card.rank.clone());
        let text = String::from_utf8_lossy(&bytes).into_owned();
        by_place
            .entry(key)
            .or_default()
            .push((path.clone(), text, lc.card));
    }
    by_place.retain(|_, cards| cards.len() > 1);
    if by_place.is_empty() {
        return Ok(Vec::new());
    }
    // Every rank used in the lanes with a tie, after the merge.
    let lanes: BTreeSet<&str> = by_place.keys().map(|(l, _)| l.as_str()).collect();
    let mut used: BTreeSet<(String, String)> = BTreeSet::new();
    for entry in merged.iter() {
        let path = String::from_utf8_lossy(&entry.path).into_owned();
        if !path.starts_with(cards_dir) || entry.flags & 0x3000 != 0 {
            continue;
        }
        let Some(bytes) = blob_text(repo, Some(entry.id)) else {
            continue;
        };
        if let Ok(lc) = store::parse_card(&path, &bytes) {
            if lanes.contains(lc.card.lane.as_str()) {
                used.insert((lc.card.lane, lc.card.rank));
            }
        }
    }
    let mut out = Vec::new();
    for ((lane, rank), mut cards) in by_place {
        cards.sort_by(|a, b| a.2.id.cmp(&b.2.id));
        let next = used
            .range((lane.clone(), rank.clone())..)
            .take_while(|(l, _)| *l == lane)
            .find(|(_, r)| *r > rank)
            .map(|(_, r)| r.clone());
        let mut prev = rank.clone();
        for (path, text, mut card) in cards.into_iter().skip(1) {
            let r = model::rank::between_unique(Some(&prev), next.as_deref(), &card.id);
            card.rank = r.clone();
            used.insert((lane.clone(), r.clone()));
            prev = r;
            let new_text = store::render_card(&card, Some(&text));
            out.push((path, repo.blob(new_text.as_bytes())?));
        }
    }
    Ok(out)
}

struct Ctx<'a> {
    repo: &'a Repository,
    board_dir: &'a str,
    winner: Side,
    winner_time: i64,
    ours: &'a SideMeta,
    theirs: &'a SideMeta,
}

/// A merged file's blob (None: deleted) and extra files to add.
type FileMerge = (Option<Oid>, Vec<(String, Oid)>);

/// Merge one board file changed on both sides. Returns the result blob
/// (None: deleted) and extra files to add (salvaged malformed versions).
fn merge_file(
    ctx: &Ctx,
    rel: &str,
    b: Option<Oid>,
    o: Option<Oid>,
    t: Option<Oid>,
    report: &mut Report,
) -> Result<FileMerge> {
    let repo = ctx.repo;
    let (bb, ob, tb) = (blob_text(repo, b), blob_text(repo, o), blob_text(repo, t));
    let mut extra = Vec::new();
    if rel == store::BOARD_FILE {
        let parse = |x: &Option<Vec<u8>>| x.as_ref().and_then(|x| store::parse_board(x).ok());
        let (bp, op, tp) = (parse(&bb), parse(&ob), parse(&tb));
        let result = match (op, tp) {
            (Some(op), Some(tp)) => {
                let (m, conflicts) = merge::merge_board(bp.as_ref(), &op, &tp, ctx.winner);
                for c in conflicts {
                    report
                        .conflicts
                        .push(format!("board.yaml {}", describe(&c)));
                }
                let base_text = bb.as_deref().and_then(|x| std::str::from_utf8(x).ok());
                Some(store::render_board(&m, base_text).into_bytes())
            }
            (Some(_), None) => {
                salvage(ctx, rel, &tb, t, &mut extra, report)?;
                ob
            }
            (None, Some(_)) => {
                salvage(ctx, rel, &ob, o, &mut extra, report)?;
                tb
            }
            (None, None) => {
                let (keep, lose, lose_oid) = if ctx.winner == Side::Ours {
                    (ob, tb, t)
                } else {
                    (tb, ob, o)
                };
                salvage(ctx, rel, &lose, lose_oid, &mut extra, report)?;
                keep
            }
        };
        return Ok((result.map(|x| repo.blob(&x)).transpose()?, extra));
    }
    if !rel.starts_with(store::CARDS_DIR) {
        // Other files under .lanes/ (e.g. conflicts/): the winner's.
        return Ok((if ctx.winner == Side::Ours { o } else { t }, extra));
    }
    let parse = |x: &Option<Vec<u8>>| {
        x.as_ref()
            .and_then(|x| store::parse_card(rel, x).ok())
            .map(|l| l.card)
    };
    let (bc, oc, tc) = (parse(&bb), parse(&ob), parse(&tb));
    let base_text = bb.as_deref().and_then(|x| std::str::from_utf8(x).ok());
    let card: Option<Card> = match (&ob, &tb) {
        // Deleted on one side, edited on the other: keep the edit, flagged.
        (None, Some(_)) | (Some(_), None) => {
            let (kept, deleted_by) = if ob.is_none() {
                (tc.clone(), ctx.ours)
            } else {
                (oc.clone(), ctx.theirs)
            };
            match kept {
                Some(mut c) => {
                    c.journal.push(JournalEntry {
                        at: date::format_timestamp(ctx.winner_time),
                        by: "lanes sync".into(),
                        text: format!(
                            "{} deleted this card (commit {}) while it was being edited elsewhere; kept with the edits",
                            deleted_by.author, deleted_by.short
                        ),
                        extra: Default::default(),
                    });
                    report.conflicts.push(format!(
                        "{} deleted on one side, edited on the other: kept",
                        id::short(&c.id)
                    ));
                    Some(c)
                }
                None => {
                    // The surviving side is malformed: keep its text as is.
                    return Ok((if ob.is_none() { t } else { o }, extra));
                }
            }
        }
        _ => match (oc, tc) {
            (Some(oc), Some(tc)) => {
                let m = merge::merge_card(bc.as_ref(), &oc, &tc, ctx.winner);
                let mut card = m.card;
                if !m.conflicts.is_empty() {
                    let sides = (ctx.winner, ctx.winner_time, ctx.ours, ctx.theirs);
                    record_conflicts(sides, &mut card, &m.conflicts, report);
                }
                Some(card)
            }
            (Some(oc), None) => {
                salvage(ctx, rel, &tb, t, &mut extra, report)?;
                Some(oc)
            }
            (None, Some(tc)) => {
                salvage(ctx, rel, &ob, o, &mut extra, report)?;
                Some(tc)
            }
            (None, None) => {
                let (keep, lose, lose_oid) = if ctx.winner == Side::Ours {
                    (o, ob, t)
                } else {
                    (t, tb, o)
                };
                salvage(ctx, rel, &lose, lose_oid, &mut extra, report)?;
                return Ok((keep, extra));
            }
        },
    };
    let Some(card) = card else {
        return Ok((None, extra));
    };
    let text = store::render_card(&card, base_text);
    Ok((Some(repo.blob(text.as_bytes())?), extra))
}

fn describe(c: &merge::Conflict) -> String {
    let (kept, other) = match c.winner {
        Side::Ours => (&c.ours, &c.theirs),
        Side::Theirs => (&c.theirs, &c.ours),
    };
    let mut s = format!(
        "{}: kept {}, other value {}",
        if c.field.is_empty() { "card" } else { &c.field },
        crate::ops::brief(kept),
        crate::ops::brief(other)
    );
    if let Some(why) = &c.reason {
        s.push_str(&format!(" ({})", crate::ops::clean_line(why, 200)));
    }
    s
}

/// Write the losing values into the card (`conflicts`) and its journal.
fn record_conflicts(
    sides: (Side, i64, &SideMeta, &SideMeta),
    card: &mut Card,
    conflicts: &[merge::Conflict],
    report: &mut Report,
) {
    let (_, winner_time, ours, theirs) = sides;
    let mut list = match card.extra.get("conflicts") {
        Some(Value::Sequence(s)) => s.clone(),
        _ => Vec::new(),
    };
    let mut lines = Vec::new();
    for c in conflicts {
        // Whose value was kept is the conflict's own winner (a link of a
        // cycle the merge closed is kept from the side that made it).
        let (kept, other, win, lose) = match c.winner {
            Side::Ours => (&c.ours, &c.theirs, ours, theirs),
            Side::Theirs => (&c.theirs, &c.ours, theirs, ours),
        };
        let mut m = Mapping::new();
        m.insert("field".into(), Value::from(c.field.clone()));
        m.insert("kept".into(), kept.clone());
        m.insert("kept_by".into(), Value::from(win.author.clone()));
        m.insert("other".into(), other.clone());
        m.insert("other_by".into(), Value::from(lose.author.clone()));
        if let Some(why) = &c.reason {
            m.insert("reason".into(), Value::from(why.clone()));
        }
        let entry = Value::Mapping(m);
        if !list.contains(&entry) {
            list.push(entry);
        }
        let line = describe(c);
        report
            .conflicts
            .push(format!("{} {line}", id::short(&card.id)));
        lines.push(format!("{line} ({} / {})", win.author, lose.author));
    }
    card.extra.insert("conflicts".into(), Value::Sequence(list));
    card.journal.push(JournalEntry {
        at: date::format_timestamp(winner_time),
        by: "lanes sync".into(),
        text: format!(
            "Sync conflict, resolve with the card's conflicts list:\n{}",
            lines.join("\n")
        ),
        extra: Default::default(),
    });
}

/// Keep a malformed version's text under `.lanes/conflicts/`.
fn salvage(
    ctx: &Ctx,
    rel: &str,
    text: &Option<Vec<u8>>,
    oid: Option<Oid>,
    extra: &mut Vec<(String, Oid)>,
    report: &mut Report,
) -> Result<()> {
    let (Some(_), Some(oid)) = (text, oid) else {
        return Ok(());
    };
    let name = rel.rsplit('/').next().unwrap_or("file.yaml");
    let stem = name.strip_suffix(".yaml").unwrap_or(name);
    let short = &oid.to_string()[..8];
    let target = format!("{}conflicts/{stem}-{short}.yaml", ctx.board_dir);
    extra.push((target.clone(), oid));
    report.salvaged.push(format!(
        "{rel} was malformed on one side; that version is kept in {}",
        &target[ctx.board_dir.len() - BOARD_DIR.len() - 1..]
    ));
    Ok(())
}

/// Cards that differ between two commits, with what happened to each and
/// who did it.
fn changed_cards(repo: &Repository, board_dir: &str, from: Oid, to: Oid) -> Result<Vec<Change>> {
    let mut authors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut walk = repo.revwalk()?;
    walk.push(to)?;
    walk.hide(from)?;
    for oid in walk.take(10_000) {
        let c = repo.find_commit(oid?)?;
        let trailers = crate::model::oplog::Trailers::parse(c.message().unwrap_or(""));
        if trailers.action.as_deref() == Some("sync") {
            continue;
        }
        let who = c.author().name().unwrap_or("someone").to_string();
        for id in trailers.cards {
            let list = authors.entry(id).or_default();
            if !list.contains(&who) {
                list.push(who.clone());
            }
        }
    }
    let a = walk_board(repo, &repo.find_commit(from)?.tree()?, board_dir)?;
    let b = walk_board(repo, &repo.find_commit(to)?.tree()?, board_dir)?;
    let cards = format!("{board_dir}cards/");
    let mut out = Vec::new();
    for path in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
        let Some(id) = path
            .strip_prefix(&cards)
            .and_then(|n| n.strip_suffix(".yaml"))
        else {
            continue;
        };
        let what = match (a.get(path), b.get(path)) {
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            (Some(x), Some(y)) if x != y => "changed",
            _ => continue,
        };
        out.push(Change {
            id: id.to_string(),
            what: what.to_string(),
            authors: authors.remove(id).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// What the merge driver knows of the merge git is making.
#[derive(Debug, Clone, Default)]
pub struct Merging {
    /// The work tree's top folder (where git runs the driver).
    pub workdir: std::path::PathBuf,
    /// The commits being merged into HEAD, as git names them to the driver
    /// (`GITHEAD_<id>`); empty in a rebase or a cherry-pick.
    pub heads: Vec<String>,
}

/// Board merge for `lanes merge-driver %O %A %B %P`: merge three versions
/// of a board file, writing the result over `ours`. `ours` wins
/// same-field conflicts (git gives no commit times here); losers are
/// recorded in the card, and so are cycles its links close with the rest
/// of the board as git merges it (see [`Merging`]).
pub fn merge_driver(
    base: &Path,
    ours: &Path,
    theirs: &Path,
    path: &str,
    merging: &Merging,
) -> Result<()> {
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("cannot read {}", p.display()));
    let (bb, ob, tb) = (read(base).ok(), read(ours)?, read(theirs)?);
    let rel = path;
    let out: Vec<u8> = if rel.ends_with("board.yaml") {
        let bp = bb.as_ref().and_then(|b| store::parse_board(b).ok());
        match (store::parse_board(&ob), store::parse_board(&tb)) {
            (Ok(o), Ok(t)) => {
                let (m, _) = merge::merge_board(bp.as_ref(), &o, &t, Side::Ours);
                let base_text = bb.as_deref().and_then(|x| std::str::from_utf8(x).ok());
                store::render_board(&m, base_text).into_bytes()
            }
            (Ok(_), Err(_)) => ob,
            (Err(_), Ok(_)) => tb,
            (Err(e), Err(_)) => bail!("both versions of {rel} are malformed: {e}"),
        }
    } else {
        let parse = |x: &[u8]| store::parse_card(rel, x).map(|l| l.card);
        let bc = bb.as_ref().and_then(|b| parse(b).ok());
        match (parse(&ob), parse(&tb)) {
            (Ok(o), Ok(t)) => {
                let m = merge::merge_card(bc.as_ref(), &o, &t, Side::Ours);
                let mut card = m.card;
                let ours_meta = SideMeta {
                    author: "ours".into(),
                    short: String::new(),
                };
                let theirs_meta = SideMeta {
                    author: "theirs".into(),
                    short: String::new(),
                };
                let sides = (Side::Ours, date::now_secs(), &ours_meta, &theirs_meta);
                if !m.conflicts.is_empty() {
                    let mut r = Report::default();
                    record_conflicts(sides, &mut card, &m.conflicts, &mut r);
                }
                // Reading the commits being merged can fail (a partial
                // clone offline): the merge itself does not.
                let _ = cycles::record_in_driver(
                    &merging.workdir,
                    rel,
                    &mut card,
                    &o,
                    &t,
                    &merging.heads,
                    sides,
                );
                let base_text = bb.as_deref().and_then(|x| std::str::from_utf8(x).ok());
                store::render_card(&card, base_text).into_bytes()
            }
            (Ok(_), Err(_)) => ob,
            (Err(_), Ok(_)) => tb,
            (Err(e), Err(_)) => bail!("both versions of {rel} are malformed: {e}"),
        }
    };
    store::write_atomic(ours, &out)
}
