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
                        let m = merge(&repo, &board_dir, ours, t, &remote, &branch, &mut attempt)?;
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
/// merging what arrived. The first rejection is retried at once, as git
/// users do by hand (the fetch brings the commits that won). Only pushes
/// that lose again and again pause, for a random time up to the length of
/// a try, doubled with each loss and no longer than [`MAX_PAUSE`], so that
/// racing clones take turns instead of all losing together.
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
        if self.losses <= 1 {
            return Duration::ZERO;
        }
        let unit = took.clamp(Duration::from_millis(20), Duration::from_secs(1));
        let most = (unit * 2u32.saturating_pow(self.losses - 2)).min(MAX_PAUSE);
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

fn blob_text(repo: &Repository, oid: Option<Oid>) -> Option<Vec<u8>> {
    oid.and_then(|o| repo.find_blob(o).ok())
        .map(|b| b.content().to_vec())
}

/// Who made a side of a merge (a commit), for conflict records.
#[derive(Debug, Clone)]
struct SideMeta {
    author: String,
    /// The author date, seconds since the epoch.
    at: i64,
    short: String,
}

fn meta(c: &Commit) -> SideMeta {
    SideMeta {
        author: c.author().name().unwrap_or("someone").to_string(),
        at: c.author().when().seconds(),
        short: c.id().to_string()[..8].to_string(),
    }
}

/// One side of a merge as the conflict records name it: the side's tip
/// and where the two sides' histories meet.
#[derive(Clone, Copy)]
struct Lineage {
    tip: Oid,
    base: Option<Oid>,
}

/// The commit that gave the card at `path` the value `value` of `field` on
/// one side of a merge: the newest commit there (after the merge base)
/// whose card holds that value while none of its parents' does. Falls
/// back to the newest commit that changed the file, then the side's tip.
fn made_by(repo: &Repository, side: Lineage, path: &str, field: &str, value: &Value) -> SideMeta {
    let found = || -> Option<SideMeta> {
        let blob_at = |c: &Commit| -> Option<Oid> {
            c.tree()
                .ok()?
                .get_path(Path::new(path))
                .ok()
                .map(|e| e.id())
        };
        let value_in = |blob: Option<Oid>| -> Option<Value> {
            let text = blob_text(repo, blob)?;
            let card = store::parse_card(path, &text).ok()?.card;
            Some(crate::ops::resolve::field_value(&card, field))
        };
        let mut walk = repo.revwalk().ok()?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)
            .ok()?;
        walk.push(side.tip).ok()?;
        if let Some(b) = side.base {
            walk.hide(b).ok()?;
        }
        let mut changed_file: Option<SideMeta> = None;
        for oid in walk.take(2_000).flatten() {
            let c = repo.find_commit(oid).ok()?;
            let mine = blob_at(&c);
            let parents: Vec<Option<Oid>> = c.parents().map(|p| blob_at(&p)).collect();
            if parents.iter().all(|p| *p == mine) {
                continue;
            }
            if changed_file.is_none() && c.parent_count() <= 1 {
                changed_file = Some(meta(&c));
            }
            if value_in(mine).as_ref() != Some(value) {
                continue;
            }
            if parents.iter().all(|p| value_in(*p).as_ref() != Some(value)) {
                return Some(meta(&c));
            }
        }
        changed_file
    };
    found().unwrap_or_else(|| match repo.find_commit(side.tip) {
        Ok(c) => meta(&c),
        Err(_) => SideMeta {
            author: "someone".into(),
            at: 0,
            short: String::new(),
        },
    })
}

/// Merge the remote tip into HEAD, resolving board files field by field:
/// the merge commit, not yet checked out (nothing here is changed).
fn merge(
    repo: &Repository,
    board_dir: &str,
    ours: Oid,
    theirs: Oid,
    remote: &str,
    branch: &str,
    report: &mut Report,
) -> Result<Oid> {
    let oc = repo.find_commit(ours)?;
    let tc = repo.find_commit(theirs)?;
    // As `git pull` does: histories with no common commit are two
    // projects, not two clones of one.
    let base_oid = repo.merge_base(ours, theirs).ok();
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
    let (ot, tt) = (oc.tree()?, tc.tree()?);
    let done_lane = done_lanes(repo, board_dir, [&ot, &tt]);
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
                lineage: (
                    Lineage {
                        tip: ours,
                        base: base_oid,
                    },
                    Lineage {
                        tip: theirs,
                        base: base_oid,
                    },
                ),
                path,
                done_lane: &done_lane,
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
    let lineage = (
        Lineage {
            tip: ours,
            base: base_oid,
        },
        Lineage {
            tip: theirs,
            base: base_oid,
        },
    );
    let files = (&o, &t);
    for (path, oid) in cycles::record_in_sync(
        repo,
        &index,
        &cards_dir,
        files,
        lineage,
        winner_time,
        report,
    )? {
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
    git::rules::create_commit(repo, &author, &committer, &msg, &tree, &[&oc, &tc])
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
    /// The two sides, to name who made each value of a conflict.
    lineage: (Lineage, Lineage),
    /// The file's path in the repository.
    path: &'a str,
    /// Whether a lane is a done lane, on either side's board.
    done_lane: &'a dyn Fn(&str) -> bool,
}

/// Whether `lane` is a done lane of the board.yaml in either tree (the
/// same answer on every clone, whichever side it merges from).
fn done_lanes(repo: &Repository, board_dir: &str, trees: [&Tree; 2]) -> impl Fn(&str) -> bool {
    let path = format!(
        "{board_dir}{}",
        store::BOARD_FILE.trim_start_matches(&format!("{BOARD_DIR}/"))
    );
    let configs: Vec<model::BoardConfig> = trees
        .iter()
        .filter_map(|t| t.get_path(Path::new(&path)).ok())
        .filter_map(|e| blob_text(repo, Some(e.id())))
        .filter_map(|b| store::parse_board(&b).ok())
        .collect();
    move |lane: &str| configs.iter().any(|c| c.is_done_lane(lane))
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
                merge::release_finished(bc.as_ref(), &mut card, ctx.done_lane);
                if !m.conflicts.is_empty() {
                    let who = |c: &merge::Conflict, side: Side| {
                        let (line, v) = match side {
                            Side::Ours => (ctx.lineage.0, &c.ours),
                            Side::Theirs => (ctx.lineage.1, &c.theirs),
                        };
                        made_by(repo, line, ctx.path, &c.field, v)
                    };
                    let by = Recorder {
                        name: "lanes sync",
                        at: ctx.winner_time,
                        who: &who,
                    };
                    record_conflicts(&by, &mut card, &m.conflicts, report);
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

/// Who records conflicts, when, and how each side's maker is found.
struct Recorder<'a> {
    /// The journal entry's `by`.
    name: &'a str,
    /// The journal entry's time.
    at: i64,
    who: &'a dyn Fn(&merge::Conflict, Side) -> SideMeta,
}

/// Write the losing values into the card (`conflicts`, each side named by
/// the author and date of the commit that made it) and its journal.
fn record_conflicts(
    by: &Recorder,
    card: &mut Card,
    conflicts: &[merge::Conflict],
    report: &mut Report,
) {
    let mut list = match card.extra.get("conflicts") {
        Some(Value::Sequence(s)) => s.clone(),
        _ => Vec::new(),
    };
    let mut lines = Vec::new();
    for c in conflicts {
        // Whose value was kept is the conflict's own winner (a link of a
        // cycle the merge closed is kept from the side that made it).
        let (kept, other) = match c.winner {
            Side::Ours => (&c.ours, &c.theirs),
            Side::Theirs => (&c.theirs, &c.ours),
        };
        let win = (by.who)(c, c.winner);
        let lose = (by.who)(c, c.winner.other());
        let mut m = Mapping::new();
        m.insert("field".into(), Value::from(c.field.clone()));
        for (name, value, who) in [("kept", kept, &win), ("other", other, &lose)] {
            m.insert(name.into(), value.clone());
            m.insert(format!("{name}_by").into(), Value::from(who.author.clone()));
            if who.at != 0 {
                m.insert(
                    format!("{name}_at").into(),
                    Value::from(date::format_timestamp(who.at)),
                );
            }
            if !who.short.is_empty() {
                m.insert(
                    format!("{name}_commit").into(),
                    Value::from(who.short.clone()),
                );
            }
        }
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
        let side = |v: &Value, who: &SideMeta| crate::ops::resolve::Side {
            value: v.clone(),
            by: who.author.clone(),
            at: (who.at != 0).then(|| date::format_timestamp(who.at)),
            commit: None,
        };
        let why = c
            .reason
            .as_ref()
            .map(|r| format!(" ({})", crate::ops::clean_line(r, 200)))
            .unwrap_or_default();
        lines.push(format!(
            "{}: kept {} over {}{why}",
            if c.field.is_empty() { "card" } else { &c.field },
            side(kept, &win).describe(),
            side(other, &lose).describe()
        ));
    }
    card.extra.insert("conflicts".into(), Value::Sequence(list));
    // A cycle's conflict is a link one side made, not a field both changed.
    let what = if conflicts.iter().all(|c| c.reason.is_some()) {
        "links of both sides close a cycle".to_string()
    } else {
        format!(
            "both sides changed {}",
            if conflicts.len() == 1 {
                "a field"
            } else {
                "fields"
            }
        )
    };
    card.journal.push(JournalEntry {
        at: date::format_timestamp(by.at),
        by: by.name.into(),
        text: format!(
            "Conflict: {what}:\n{}\nSettle with `lanes resolve {} FIELD --take kept|other|VALUE`.",
            lines.join("\n"),
            id::short(&card.id)
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

/// The commits a plain-git merge of a board file is between, as the merge
/// driver learns them: HEAD, and the commit being merged in.
#[derive(Debug, Clone, Default)]
pub struct DriverSides {
    /// The commit being merged (`git merge` names it in `GITHEAD_<oid>`
    /// for its drivers; read at the top and passed down), if known.
    pub incoming: Option<String>,
}

/// Board merge for `lanes merge-driver %O %A %B %P`: merge three versions
/// of a board file, writing the result over `ours`. `ours` wins
/// same-field conflicts (git gives no commit times here); losers are
/// recorded in the card, each side named by the author and date of the
/// commit that made it (HEAD's side, and the incoming commit's: from
/// `sides`, or the commit a rebase is replaying), never as ours/theirs;
/// so are the cycles its links close with the rest of the board as a
/// `git merge` merges it.
pub fn merge_driver(
    base: &Path,
    ours: &Path,
    theirs: &Path,
    path: &str,
    sides: &DriverSides,
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
                // The board as this work tree has it (git runs drivers at
                // its top).
                let board = rel
                    .rsplit_once("cards/")
                    .map(|(dir, _)| format!("{dir}board.yaml"))
                    .and_then(|p| std::fs::read(p).ok())
                    .and_then(|b| store::parse_board(&b).ok());
                if let Some(board) = board {
                    merge::release_finished(bc.as_ref(), &mut card, |l| board.is_done_lane(l));
                }
                // Links one side made that may close a cycle with the rest
                // of the board (most merges have none: no repository read).
                let candidates = cycles::driver_candidates(&o, &t, &card);
                if !m.conflicts.is_empty() || !candidates.is_empty() {
                    let found = driver_lineage(sides);
                    let mut conflicts = m.conflicts;
                    // Only `git merge` names the commit it merges; a rebase
                    // or cherry-pick replays one commit on another base, so
                    // the rest of the board is not known (`lanes validate`
                    // reports the cycle). Reading the commits can fail (a
                    // partial clone offline): the merge itself does not.
                    if let (Some(_), Some((repo, head, Some(other)))) = (&sides.incoming, &found) {
                        if let Ok(more) = cycles::record_in_driver(
                            repo,
                            *head,
                            *other,
                            rel,
                            &card,
                            &o,
                            &t,
                            &candidates,
                        ) {
                            conflicts.extend(more);
                        }
                    }
                    let unknown = |what: &str| SideMeta {
                        author: format!("unknown ({what})"),
                        at: 0,
                        short: String::new(),
                    };
                    let who = |c: &merge::Conflict, side: Side| -> SideMeta {
                        let (v, lineage) = match side {
                            Side::Ours => (&c.ours, found.as_ref().map(|f| f.1)),
                            Side::Theirs => (&c.theirs, found.as_ref().and_then(|f| f.2)),
                        };
                        match (&found, lineage) {
                            (Some((repo, _, _)), Some(l)) => made_by(repo, l, rel, &c.field, v),
                            (Some(_), None) => unknown("the merged commit is not known"),
                            (None, _) => unknown("no repository"),
                        }
                    };
                    if !conflicts.is_empty() {
                        let by = Recorder {
                            name: "lanes merge-driver",
                            at: date::now_secs(),
                            who: &who,
                        };
                        let mut r = Report::default();
                        record_conflicts(&by, &mut card, &conflicts, &mut r);
                    }
                }
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

/// The repository a merge driver runs in (git runs it at the top of the
/// work tree) and the two sides: HEAD's, and the incoming commit's if it
/// is known — named by `git merge`, or the commit a rebase or
/// cherry-pick sequence is replaying (the last line of its `done` list).
fn driver_lineage(sides: &DriverSides) -> Option<(Repository, Lineage, Option<Lineage>)> {
    let repo = Repository::open_from_env()
        .or_else(|_| Repository::discover("."))
        .ok()?;
    let head = repo.head().ok()?.target()?;
    let incoming = sides
        .incoming
        .as_deref()
        .and_then(|s| repo.revparse_single(s).ok())
        .or_else(|| {
            let done = std::fs::read_to_string(repo.path().join("rebase-merge/done"))
                .or_else(|_| std::fs::read_to_string(repo.path().join("sequencer/done")))
                .ok()?;
            let last = done.lines().rev().find(|l| !l.trim().is_empty())?;
            let sha = last.split_whitespace().nth(1)?;
            repo.revparse_single(sha).ok()
        })
        .and_then(|o| o.peel_to_commit().ok())
        .map(|c| c.id());
    let base = incoming.and_then(|i| repo.merge_base(head, i).ok());
    let ours = Lineage { tip: head, base };
    let theirs = incoming.map(|tip| Lineage { tip, base });
    Some((repo, ours, theirs))
}
