//! `lanes merge-driver %O %A %B %P`: the card-by-card merge of one board
//! file for a plain `git merge` or `git pull` (`lanes setup` names it in
//! the clone's git config), with the same field rules and conflict
//! records as `lanes sync`'s tree merge.

use super::tree_merge::{made_by, record_conflicts, Lineage, Recorder, SideMeta};
use super::{cycles, Report};
use crate::merge::{self, Side};
use crate::model::date;
use crate::store::{self};
use anyhow::{bail, Context, Result};
use git2::Repository;
use std::path::Path;

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
