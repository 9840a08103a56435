//! The in-memory tree merge of `lanes sync`: the remote tip merged into
//! HEAD without touching the work tree, board files field by field
//! ([`crate::merge`]), every other file as git would, the losing values
//! recorded on the cards with who made each side, malformed versions kept
//! under `.lanes/conflicts/`. The result is a merge commit not yet checked
//! out; [`super::sync`] decides what to do with it.

use super::{cycles, plural, Report};
use crate::git;
use crate::merge::{self, Side};
use crate::model::{self, date, id, Card, JournalEntry};
use crate::store::{self, BOARD_DIR};
use anyhow::{bail, Result};
use git2::{Commit, ObjectType, Oid, Repository, Tree, TreeWalkMode, TreeWalkResult};
use serde_yaml::{Mapping, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub(super) fn blob_text(repo: &Repository, oid: Option<Oid>) -> Option<Vec<u8>> {
    oid.and_then(|o| repo.find_blob(o).ok())
        .map(|b| b.content().to_vec())
}

/// Who made a side of a merge (a commit), for conflict records.
#[derive(Debug, Clone)]
pub(super) struct SideMeta {
    pub(super) author: String,
    /// The author date, seconds since the epoch.
    pub(super) at: i64,
    pub(super) short: String,
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
pub(super) struct Lineage {
    pub(super) tip: Oid,
    pub(super) base: Option<Oid>,
}

/// The commit that gave the card at `path` the value `value` of `field` on
/// one side of a merge: the newest commit there (after the merge base)
/// whose card holds that value while none of its parents' does. Falls
/// back to the newest commit that changed the file, then the side's tip.
pub(super) fn made_by(
    repo: &Repository,
    side: Lineage,
    path: &str,
    field: &str,
    value: &Value,
) -> SideMeta {
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
pub(super) fn merge(
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
    // Each side as the conflict records name it.
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
                lineage,
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

pub(super) fn walk_board(
    repo: &Repository,
    tree: &Tree,
    board_dir: &str,
) -> Result<BTreeMap<String, Oid>> {
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
pub(super) struct Recorder<'a> {
    /// The journal entry's `by`.
    pub(super) name: &'a str,
    /// The journal entry's time.
    pub(super) at: i64,
    pub(super) who: &'a dyn Fn(&merge::Conflict, Side) -> SideMeta,
}

/// Write the losing values into the card (`conflicts`, each side named by
/// the author and date of the commit that made it) and its journal.
pub(super) fn record_conflicts(
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
