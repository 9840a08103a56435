//! `lanes sync`: fetch the branch's upstream, fast-forward or merge card by
//! card, commit, check out safely, push; retry when someone pushed first.
//!
//! Network steps run the user's `git` (see `remote`); merging, committing
//! and checking out happen in-process through git2. Nothing is moved until
//! the merged tree is known to be clean and checks out without touching the
//! user's uncommitted work; on any refusal the repository is exactly as
//! before.
//!
//! This file is the sync loop (fetch, merge, check out, push, retry);
//! `tree_merge` merges the two commits' trees in memory, board files card
//! by card, and records the conflicts; `driver` is the same merge for one
//! file as git's merge driver (`lanes merge-driver`); `cycles` finds the
//! link cycles a merge closes; `remote` and `ssh` run the user's git.

pub(super) mod cycles;
mod driver;
pub mod remote;
pub mod ssh;
mod tree_merge;

pub use driver::{merge_driver, DriverSides};

use crate::git;
use crate::model::{self, date, id, Card};
use crate::store::{self, BOARD_DIR};
use anyhow::{anyhow, bail, Context, Result};
use git2::{Oid, Repository};
use remote::Net;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};
use tree_merge::{blob_text, walk_board};

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
    /// The moment claims are judged at (an `ops::Context`'s clock);
    /// `None`: the wall clock when the sync begins.
    pub now: Option<i64>,
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
            .field("now", &self.now)
            .finish()
    }
}

/// A card the sync changed here.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub id: String,
    /// added, changed or removed.
    pub what: String,
    /// Who changed it in the commits brought in (from their
    /// card trailers; empty for hand edits).
    pub authors: Vec<String>,
}

/// A claim this clone's person (or their agent) held on a card before the
/// sync, which the sync gave to someone else: when two clones claimed the
/// same card, the merge keeps the earlier claim in every clone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LostClaim {
    /// The card's full id.
    pub card: String,
    pub title: String,
    /// The claim held here before.
    pub yours: model::Claim,
    /// The claim the card holds now.
    pub holder: model::Claim,
    /// The claim kept had already ended when the sync ran (an earlier
    /// claim that expired offline): the card is free to claim again.
    pub holder_expired: bool,
}

impl LostClaim {
    /// `lost the claim on 3fk2a9 Title to Bo until 2026-05-01 14:00 UTC
    /// (claimed 10:00 UTC, before yours of 10:05 UTC)`.
    pub fn describe(&self) -> String {
        let (h, y) = (&self.holder, &self.yours);
        let why = if h.at_secs() < y.at_secs() {
            format!(
                "claimed {}, before yours of {}",
                model::claim::minute(h.at_secs()),
                model::claim::minute(y.at_secs())
            )
        } else if h.at_secs() == y.at_secs() {
            format!(
                "claimed at the same moment as yours, {}, and {:?} sorts first",
                model::claim::minute(h.at_secs()),
                h.by
            )
        } else {
            format!("claimed {}", model::claim::minute(h.at_secs()))
        };
        let free = if self.holder_expired {
            "; that claim has ended since, so the card is free: claim it again"
        } else {
            ""
        };
        format!(
            "lost the claim on {} {} to {} ({why}){free}",
            id::short(&self.card),
            crate::ops::clean_line(&self.title, 60),
            crate::ops::clean_line(&h.describe(), 100)
        )
    }
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
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
    /// Claims of this clone's person that the sync gave to another.
    pub lost_claims: Vec<LostClaim>,
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
        match self.lost_claims.as_slice() {
            [] => {}
            [one] => parts.push(format!(
                "lost the claim on {} to {}",
                id::short(&one.card),
                crate::ops::clean_line(&one.holder.by, 60)
            )),
            many => parts.push(format!("lost {} claims", many.len())),
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

pub(super) fn plural(n: usize) -> &'static str {
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
    let me = git::identity(&repo)
        .ok()
        .and_then(|(a, _)| a.name().ok().map(str::to_string))
        .unwrap_or_default();
    let mut race = Race::new(Instant::now());
    loop {
        race.tries += 1;
        let try_began = Instant::now();
        // git's automatic maintenance after a fetch is left to the first
        // try: a retry is only a few commits more.
        let theirs = match link.fetch(&branch, race.tries == 1)? {
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
                if let Some(pause) = race.dropped(&msg) {
                    if let Some(progress) = &opts.progress {
                        progress(&race.say_dropped(&remote, pause));
                    }
                    std::thread::sleep(pause);
                    continue;
                }
                report.offline = Some(msg_or(&msg, "the remote refused the fetch"));
                let known = repo.refname_to_id(&tracking).ok();
                report.ahead = match known {
                    Some(t) => repo.graph_ahead_behind(head_oid(&repo)?, t)?.0,
                    None => count_commits(&repo, head_oid(&repo)?)?,
                };
                return Ok(report);
            }
        };
        race.fetched(&repo, theirs, &me);
        let ours = head_oid(&repo)?;
        if race.tries == 1 {
            no_board_anywhere(&repo, &board_dir, ours, theirs, &remote, &branch)?;
        }
        // What the branch becomes: itself, the remote tip (fast-forward) or
        // a merge of both. A merge is pushed before it is checked out, so a
        // push that loses the race leaves nothing behind here: the next try
        // merges afresh (one merge commit per sync, not one per try).
        let mut attempt = Report {
            remote: remote.clone(),
            branch: branch.clone(),
            ..Default::default()
        };
        let mut behind = 0;
        let target = match theirs {
            Some(t) if t != ours => {
                let (ahead, b) = repo.graph_ahead_behind(ours, t)?;
                behind = b;
                if behind == 0 {
                    ours
                } else {
                    refuse_pending(&repo)?;
                    if ahead == 0 {
                        t
                    } else {
                        let m = tree_merge::merge(
                            &repo,
                            &board_dir,
                            ours,
                            t,
                            &remote,
                            &branch,
                            &mut attempt,
                        )?;
                        attempt.merge = Some(m.to_string());
                        m
                    }
                }
            }
            _ => ours,
        };
        attempt.pulled = behind;
        // Moves the branch to `target` (if it is not there) and keeps what
        // this try merged; false if a commit landed here meanwhile.
        let settle = |report: &mut Report, attempt: &Report| -> Result<bool> {
            if target != ours && !checkout_and_move(&repo, ours, target, "lanes sync: merge")? {
                return Ok(false);
            }
            report.pulled += attempt.pulled;
            report.conflicts.extend(attempt.conflicts.iter().cloned());
            report.salvaged.extend(attempt.salvaged.iter().cloned());
            if attempt.merge.is_some() {
                report.merge.clone_from(&attempt.merge);
            }
            Ok(true)
        };
        if theirs == Some(target) {
            // Nothing of ours is missing on the remote.
            if !settle(&mut report, &attempt)? {
                if race.out_of_time() {
                    bail!(
                        "the branch kept moving here while syncing ({}); your commits are safe, run `lanes sync` again",
                        race.tally()
                    );
                }
                continue;
            }
            break;
        }
        // Pushing is safe, but the user would think their edits went too.
        refuse_pending(&repo)?;
        match link.push(target, &branch)? {
            Net::Ok => {
                report.pushed = true;
                // Keep the tracking ref in step without another fetch.
                let _ = repo.reference(&tracking, target, true, "lanes sync: pushed");
                if !settle(&mut report, &attempt)? {
                    // A commit landed here while pushing: the next try
                    // finds the remote at our push and pushes it too.
                    continue;
                }
                break;
            }
            Net::Rejected => {
                let pause = race.rejected(try_began.elapsed());
                if let Some(why) = race.give_up() {
                    settle(&mut report, &attempt)?;
                    bail!(
                        "{why}; your commits are safe here ({}), run `lanes sync` again",
                        race.tally()
                    );
                }
                if let Some(progress) = &opts.progress {
                    progress(&race.say(&remote, &branch, pause));
                }
                std::thread::sleep(pause);
                continue;
            }
            Net::NoBranch => {
                settle(&mut report, &attempt)?;
                break;
            }
            Net::Refused(msg) => {
                settle(&mut report, &attempt)?;
                let now = head_oid(&repo)?;
                bail!(
                    "{remote} refused the push:\n{msg}\nyour commits are safe here ({} ahead); fix the cause and run `lanes sync` again",
                    repo.graph_ahead_behind(now, theirs.unwrap_or(now)).map(|x| x.0).unwrap_or(0)
                )
            }
            Net::Failed(msg) => {
                if let Some(pause) = race.dropped(&msg) {
                    if let Some(progress) = &opts.progress {
                        progress(&race.say_dropped(&remote, pause));
                    }
                    std::thread::sleep(pause);
                    continue;
                }
                settle(&mut report, &attempt)?;
                report.offline = Some(msg_or(&msg, "the remote refused the push"));
                break;
            }
        }
    }
    let end = head_oid(&repo)?;
    if end != start {
        report.changed = changed_cards(&repo, &board_dir, start, end)?;
        let now = opts.now.unwrap_or_else(date::now_secs);
        report.lost_claims =
            lost_claims(&repo, &board_dir, (start, end), &me, now, &report.changed);
    }
    if let Ok(t) = repo.refname_to_id(&tracking) {
        let (a, b) = repo.graph_ahead_behind(end, t)?;
        report.ahead = a;
        report.behind = b;
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
    let theirs = match link.fetch(&branch, true)? {
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
    let scratch = crate::store::cache::Scratch::in_git_dir(repo.path());
    let _ = scratch.create();
    let _ = std::fs::write(
        scratch.file(crate::store::cache::LAST_SYNC),
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

/// A sync racing teammates for the remote: its tries, who else is
/// pushing, and how long to pause after a push that lost.
///
/// A rejected push means a teammate's push went through: the team is
/// making progress, so the sync keeps trying (up to [`RETRY_FOR`]),
/// merging what arrived. The first [`FREE_LOSSES`] rejections are retried
/// at once, as git users do by hand (the fetch brings the commits that
/// won): in a small team each loss is a teammate's push going through, and
/// a pause would only make the sync slower than git's own loop. Only pushes
/// that lose more often than that pause, for a random time up to the length
/// of a try, doubled with each loss and no longer than [`MAX_PAUSE`], so
/// that a large team's clones take turns instead of all losing together.
struct Race {
    began: Instant,
    tries: usize,
    /// Rejected pushes in a row.
    losses: u32,
    /// Rejected pushes in a row after which the remote had not moved.
    stuck: usize,
    /// The remote tip at the last fetch, and whether that fetch moved it.
    seen: Option<Oid>,
    moved: bool,
    /// Authors of the commits that reached the remote during this sync
    /// (the user excluded).
    pushers: BTreeSet<String>,
    /// Connections the remote dropped (a busy server), retried.
    drops: u32,
}

/// Connections dropped by a busy remote that one sync retries (sshd's
/// `MaxStartups`, a git daemon at its connection limit, a proxy).
const MAX_DROPS: u32 = 6;

/// How long a sync keeps trying while teammates' pushes keep winning.
pub const RETRY_FOR: Duration = Duration::from_secs(600);

/// Rejected pushes a sync retries at once before it starts pausing: about
/// the size of a small team, each of whose pushes can beat this one once.
const FREE_LOSSES: u32 = 8;

/// The longest pause between two tries.
pub const MAX_PAUSE: Duration = Duration::from_secs(3);

/// Rejected pushes in a row, with the remote not moving in between, after
/// which a sync gives up: a remote that refuses for some other reason.
const STUCK_AFTER: usize = 8;

impl Race {
    fn new(began: Instant) -> Race {
        Race {
            began,
            tries: 0,
            losses: 0,
            stuck: 0,
            seen: None,
            moved: false,
            pushers: BTreeSet::new(),
            drops: 0,
        }
    }

    /// After a network step failed with git's `msg`: the pause before
    /// trying again if the remote dropped the connection as a busy server
    /// does, or None (offline: the sync stops there).
    fn dropped(&mut self, msg: &str) -> Option<Duration> {
        if !remote::dropped(msg) || self.drops >= MAX_DROPS || self.out_of_time() {
            return None;
        }
        self.drops += 1;
        let most = Duration::from_millis(100) * 2u32.pow(self.drops);
        Some(jitter(most.min(MAX_PAUSE)))
    }

    fn say_dropped(&self, remote: &str, pause: Duration) -> String {
        format!(
            "{remote} dropped the connection (busy?); retrying in {:.1} s ({} of {MAX_DROPS})",
            pause.as_secs_f64(),
            self.drops
        )
    }

    /// After a fetch: note who pushed since the last one.
    fn fetched(&mut self, repo: &Repository, tip: Option<Oid>, me: &str) {
        self.moved = self.tries > 1 && tip != self.seen;
        if self.moved {
            if let (Some(t), Some(before)) = (tip, self.seen) {
                if let Ok(mut walk) = repo.revwalk() {
                    if walk.push(t).is_ok() && walk.hide(before).is_ok() {
                        for oid in walk.take(1000).flatten() {
                            if let Ok(c) = repo.find_commit(oid) {
                                let who = c.author().name().unwrap_or("").to_string();
                                if !who.is_empty() && who != me {
                                    self.pushers.insert(who);
                                }
                            }
                        }
                    }
                }
            }
        }
        self.seen = tip;
    }

    /// After a push that lost, which took `took` from its fetch: the pause
    /// before the next try.
    fn rejected(&mut self, took: Duration) -> Duration {
        self.losses += 1;
        if self.moved || self.tries == 1 {
            self.stuck = 0;
        } else {
            self.stuck += 1;
        }
        if self.losses <= FREE_LOSSES {
            return Duration::ZERO;
        }
        let unit = took.clamp(Duration::from_millis(20), Duration::from_secs(1));
        let most = (unit * 2u32.saturating_pow(self.losses - FREE_LOSSES - 1)).min(MAX_PAUSE);
        jitter(most)
    }

    /// Why to stop trying, if it is time.
    fn give_up(&self) -> Option<String> {
        if self.stuck >= STUCK_AFTER {
            return Some(format!(
                "the remote refused {} pushes in a row as out of date although it did not move",
                self.stuck
            ));
        }
        self.out_of_time()
            .then(|| "the remote kept moving while syncing".to_string())
    }

    fn out_of_time(&self) -> bool {
        self.began.elapsed() > RETRY_FOR
    }

    /// `12 tries in 31 s`.
    fn tally(&self) -> String {
        format!(
            "{} tries in {} s",
            self.tries,
            self.began.elapsed().as_secs()
        )
    }

    /// What the user is told after a lost push.
    fn say(&self, remote: &str, branch: &str, pause: Duration) -> String {
        let who = match self.pushers.len() {
            0 => format!("{remote}/{branch} moved while pushing"),
            1 => "1 teammate pushing".to_string(),
            n => format!("{n} teammates pushing"),
        };
        let when = if pause.is_zero() {
            "merging and retrying now".to_string()
        } else {
            format!("retrying in {:.1} s", pause.as_secs_f64())
        };
        format!(
            "{who}; {when} (try {}, giving up after {} min)",
            self.tries + 1,
            RETRY_FOR.as_secs() / 60
        )
    }
}

/// A random pause between zero and `most`, so that racing clones spread
/// out.
fn jitter(most: Duration) -> Duration {
    let r = id::new_id().bytes().fold(0u64, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u64::from(b))
    });
    let ms = most.as_millis() as u64;
    Duration::from_millis(if ms == 0 { 0 } else { r % (ms + 1) })
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

/// Claims `me` (or an agent acting for them) held on the changed cards at
/// `from` that another holds at `to`.
fn lost_claims(
    repo: &Repository,
    board_dir: &str,
    (from, to): (Oid, Oid),
    me: &str,
    now: i64,
    changed: &[Change],
) -> Vec<LostClaim> {
    let card_at = |commit: Oid, id: &str| -> Option<Card> {
        let path = format!("{board_dir}cards/{id}.yaml");
        let tree = repo.find_commit(commit).ok()?.tree().ok()?;
        let blob = tree.get_path(Path::new(&path)).ok()?.id();
        let text = blob_text(repo, Some(blob))?;
        store::parse_card(&path, &text).ok().map(|l| l.card)
    };
    changed
        .iter()
        .filter(|c| c.what == "changed")
        .filter_map(|c| {
            let before = card_at(from, &c.id)?;
            let yours = before.claim.filter(|y| y.is_of_person(me))?;
            let after = card_at(to, &c.id)?;
            let holder = after.claim.filter(|h| h.by != yours.by)?;
            Some(LostClaim {
                card: c.id.clone(),
                title: after.title,
                yours,
                holder_expired: !holder.is_live(now),
                holder,
            })
        })
        .collect()
}

/// The claim `by` held on card `id` when the last sync began, if that
/// sync gave it to another and another holds it now (`holder`): what an
/// agent is told when it claims again after a sync.
pub fn lost_in_last_sync(
    root: &Path,
    id: &str,
    by: &str,
    holder: &model::Claim,
    now: i64,
) -> Option<LostClaim> {
    let repo = git::open(root).ok()?;
    let scratch = crate::store::cache::Scratch::in_git_dir(repo.path());
    let text = std::fs::read_to_string(scratch.file(crate::store::cache::LAST_SYNC)).ok()?;
    let before = Oid::from_str(text.split_whitespace().nth(1)?).ok()?;
    let prefix = git::repo_path(&repo, root, "").ok()?;
    let path = format!("{prefix}{BOARD_DIR}/cards/{id}.yaml");
    let tree = repo.find_commit(before).ok()?.tree().ok()?;
    let blob = tree.get_path(Path::new(&path)).ok()?.id();
    let card = store::parse_card(&path, &blob_text(&repo, Some(blob))?)
        .ok()?
        .card;
    let yours = card.claim.filter(|y| y.by == by && y.by != holder.by)?;
    Some(LostClaim {
        card: id.to_string(),
        title: card.title,
        yours,
        holder_expired: !holder.is_live(now),
        holder: holder.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small team's losses are retried at once, as git's own loop
    /// retries; only a sync that keeps losing pauses, never for longer
    /// than the bound.
    #[test]
    fn losses_are_retried_at_once_until_the_team_looks_large() {
        let mut race = Race::new(Instant::now());
        race.tries = 2;
        race.moved = true;
        let try_took = Duration::from_millis(400);
        for loss in 1..=FREE_LOSSES {
            assert_eq!(race.rejected(try_took), Duration::ZERO, "loss {loss}");
        }
        let mut paused = Duration::ZERO;
        for _ in 0..20 {
            let pause = race.rejected(try_took);
            assert!(pause <= MAX_PAUSE, "{pause:?}");
            paused += pause;
        }
        assert!(paused > Duration::ZERO, "twenty more losses never paused");
        assert_eq!(race.stuck, 0, "the remote moved each time");
    }
}
