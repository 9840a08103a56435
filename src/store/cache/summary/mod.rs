//! The summary index, `index-v2`: for every card its id, lane, rank,
//! title, archived flag and the links that may not close a cycle
//! (`depends_on`, `parent`), all that a command changing one card needs to
//! know about the others (where to place a card, which ids are taken, what
//! a short id means, whether a new link closes a cycle). Loading it costs
//! what changed since it was written, not the size of the board:
//!
//! - the cards folder's own stamp says whether a card file was added,
//!   removed or replaced by a rename since (lanes' own writes, git's
//!   checkouts, editors that save through a temporary file); only then is
//!   the folder listed, and only files whose inode differs from the row's
//!   are looked at;
//! - git's index says which files git wrote or staged since (a checkout,
//!   pull, reset, merge or stash, `git add`, and libgit2's checkouts,
//!   which rewrite files in place): when the index file changed, the stat
//!   data git recorded for each card file is compared with the rows, in
//!   memory;
//! - rows whose file changed just before they were cached ("racily
//!   clean", see [`table`]) are `stat`-ed every time, as before;
//! - every whole-board read (`list`, the board screen, `validate`), which
//!   checks every card file anyway, brings the index up to date
//!   ([`reconcile`]).
//!
//! A command that has just replaced a card file itself, with nothing else
//! having changed the folder since it loaded the index, notes that (the
//! folder's new stamp and the cards it read again or wrote) in a small
//! file beside the index ([`Summaries::note_written`]), so that the next
//! command need not list the folder for its own write.
//!
//! What none of these can see is a card file rewritten in place (`echo
//! >>`, an editor that overwrites) and not staged: until the next
//! whole-board read, a command may place a card among the others as they
//! were. The cards a command reads or names are always read from their
//! files ([`Index::current`](crate::store::Index::current)).
//!
//! Only the ids and stamps are read whole. Each lane's cards are kept in
//! board order (rank, then id) in blocks of [`BLOCK`], each a section with
//! its own checksum, read only when a command walks that part of the lane
//! ([`Summaries::walk`]): placing a card at the bottom of a lane reads its
//! last block.
//!
//! The links are a section of their own, read only by a command that asks
//! for a card's links ([`Summaries::links`]: `lanes link` following
//! `depends_on` or `parent` links to see whether a new one closes a
//! cycle), never by a move.
//!
//! Sections (see [`envelope`]): the meta (the cards folder's stamp and the
//! index file's stamp the rows were checked against, each only when
//! settled; the ids of card files that could not be read; each lane's
//! blocks with their first and last card); the ids (a [`table`] of every
//! readable card's id and stamp); the links (every card with a
//! `depends_on` or `parent` link, in id order: id (u8 length), parent (u32
//! length, empty for none), how many `depends_on` ids (u32), each (u32
//! length)); then the blocks, lane by lane, each a run of cards: archived
//! (u8), id (u8 length), rank (u16 length), title (u32 length).

use super::envelope::{self, Sealed};
use super::table::{self, now_ns, Row as IdRow, Stamp};
use super::{Scratch, SUMMARY, SUMMARY_NOTES};
use crate::store::scan::{self, file_stamp};
use crate::store::{read_cards, Problem};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, OnceLock};

const KIND: &str = "summary";
const VERSION: u32 = 3;
const META: usize = 0;
const IDS: usize = 1;
const LINKS: usize = 2;
const FIRST_BLOCK: usize = 3;
/// Cards per block of a lane.
pub const BLOCK: usize = 256;

/// One card's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub id: String,
    pub lane: String,
    pub rank: String,
    pub title: String,
    pub archived: bool,
    pub links: Linked,
}

mod format;
mod links;
mod reconcile;
mod walk;

use format::*;
pub use links::Linked;
use links::*;
pub(crate) use reconcile::{reconcile, Checked, Seen};
use walk::*;

/// A card next to where another is placed: its id and rank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbour {
    pub id: String,
    pub rank: String,
}

/// A card's place in board order within its lane.
type Key = (String, String);

/// Where the lanes' cards come from.
#[derive(Debug, Clone)]
enum Lanes {
    /// Every card, by lane, in board order (the index was just built).
    Whole(BTreeMap<String, Vec<Key>>),
    /// The index file's blocks, read when walked; `stale` are the ids whose
    /// rows it holds are out of date (the cards changed or are gone).
    File {
        sealed: Arc<Sealed>,
        lanes: Arc<Vec<Lane>>,
        stale: Arc<BTreeSet<String>>,
    },
}

/// The board's card files as the summary index knows them.
#[derive(Debug, Clone)]
pub(crate) struct Summaries {
    root: std::path::PathBuf,
    scratch: Option<Scratch>,
    /// The index file this load followed (or wrote), if any.
    base: Option<(i128, u64, u64)>,
    /// The cards folder's stamp when the load looked, before listing it.
    folder: Option<Stamp>,
    /// Card files this load read again, and those gone.
    changed: Vec<String>,
    gone: Vec<String>,
    /// Ids of all card files, readable or not, sorted.
    pub file_ids: Vec<String>,
    /// Cards read from their files now, by id.
    pub fresh: BTreeMap<String, Row>,
    /// Card files that cannot be read, by id.
    pub broken: HashMap<String, Problem>,
    lanes: Lanes,
    links: Links,
}

/// Where the cards' links come from (those of [`Summaries::fresh`] are
/// there).
#[derive(Debug, Clone)]
enum Links {
    /// Every linked card's links (the index was just built).
    Whole(Arc<LinkMap>),
    /// The index file's links section, read when first asked for (`None`:
    /// it does not read); `stale` as in [`Lanes::File`].
    File {
        sealed: Arc<Sealed>,
        stale: Arc<BTreeSet<String>>,
        parsed: Arc<OnceLock<Option<LinkTable>>>,
    },
}

/// Which rows git says may have changed.
enum Suspects {
    None,
    Rows(Vec<bool>),
    All,
}

/// The card id of an index entry's path: `…/.lanes/cards/<id>.yaml`.
/// (Another board's cards in the same repository only cost a look.)
fn card_id_of(path: &[u8]) -> Option<&[u8]> {
    let stem = path.strip_suffix(b".yaml")?;
    let slash = stem.iter().rposition(|&b| b == b'/')?;
    let (dir, id) = (&stem[..slash], &stem[slash + 1..]);
    let cards = crate::store::CARDS_DIR.as_bytes();
    let in_cards = dir == cards
        || dir.len() > cards.len()
            && dir.ends_with(cards)
            && dir[dir.len() - cards.len() - 1] == b'/';
    (in_cards && !id.is_empty()).then_some(id)
}

/// Whether git's stat data for a file is what the row was made from.
/// Fields git leaves at zero (no nanoseconds, no inode on some systems)
/// are not compared.
fn agrees(git: &crate::git::index_file::Stat, s: &Stamp) -> bool {
    let split = |t: i128| {
        (
            t.div_euclid(1_000_000_000) as u32,
            t.rem_euclid(1_000_000_000) as u32,
        )
    };
    let same = |(gs, gn): (u32, u32), t: i128| {
        let (s, n) = split(t);
        gs == s && (gn == n || gn == 0)
    };
    same(git.mtime, s.mtime)
        && same(git.ctime, s.ctime)
        && git.size == s.size as u32
        && (git.ino == s.ino as u32 || git.ino == 0)
}

/// Compare git's index, when it changed since the rows were checked
/// against it, with the rows: (the index file's stamp before it was read,
/// which rows to check).
fn git_check(
    scratch: &Scratch,
    meta: &Meta,
    since: i128,
    ids: &[u8],
    rows: &[IdRow],
) -> (Option<Stamp>, Suspects) {
    let path = crate::git::index_file(scratch.git_dir());
    let observed = file_stamp(&path);
    let Some(now) = observed else {
        // No index: nothing git has written.
        return (None, Suspects::None);
    };
    if meta.git_index == Some(now) && now.settled(since) {
        return (observed, Suspects::None);
    }
    let Ok(bytes) = std::fs::read(&path) else {
        return (None, Suspects::All);
    };
    let mut flags = vec![false; rows.len()];
    // Entries come in path order, which for one board is nearly id order:
    // the next row is tried first, then a search.
    let mut next = 0;
    let read = crate::git::index_file::entry_stats(&bytes, |path, st| {
        let Some(id) = card_id_of(path) else { return };
        let at = if rows.get(next).is_some_and(|r| &ids[r.id.clone()] == id) {
            Some(next)
        } else {
            rows.binary_search_by(|r| ids[r.id.clone()].cmp(id)).ok()
        };
        if let Some(r) = at {
            flags[r] |= !agrees(&st, &rows[r].stamp);
            next = r + 1;
        }
    });
    match read {
        Some(()) => (observed, Suspects::Rows(flags)),
        None => (None, Suspects::All),
    }
}

/// Two sorted lists of ids as one, sorted, each id once.
fn merge_sorted(a: Vec<String>, b: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut b = b.into_iter().peekable();
    for id in a {
        while let Some(x) = b.next_if(|x| *x < id) {
            out.push(x);
        }
        if b.peek() == Some(&id) {
            b.next();
        }
        out.push(id);
    }
    out.extend(b);
    out.dedup();
    out
}

/// Load the summaries of the board at `root`, checking only what may have
/// changed (see the module's documentation), and write the index again
/// when enough changed.
pub(crate) fn load(root: &Path) -> anyhow::Result<Summaries> {
    let began = now_ns();
    let scratch = Scratch::of_board(root);
    let path = scratch.as_ref().map(|s| s.file(SUMMARY));
    let mut opened = path.as_deref().and_then(open);
    if let (Some(o), Some(s)) = (&mut opened, &scratch) {
        o.notes = Notes::read(s, o.sealed.identity);
    }
    let missing = opened.is_none();
    let notes = opened.as_ref().and_then(|o| o.notes.clone());
    let (since, meta, ids_bytes, rows) = match &opened {
        Some(o) => (o.since, o.meta.clone(), o.ids.as_slice(), o.rows.as_slice()),
        None => (0, Meta::default(), &[][..], &[][..]),
    };

    // Which card files there are: the rows' (and the unreadable files'),
    // while the folder has not changed; else as the folder lists them,
    // with the inode each name has now.
    let folder = scan::folder_stamp(root);
    // The folder as the index file, or the notes after it, last saw it.
    // (A noted stamp follows lanes' own write, checked then to be the
    // last change to the folder.)
    let same_folder = !missing
        && folder.is_some_and(|f| match &notes {
            Some(n) => n.folder == f,
            None => meta.folder == Some(f) && f.settled(since),
        });
    let (ids, listed): (Vec<String>, Option<Vec<(u64, bool)>>) = if same_folder {
        let mut ids: Vec<String> = rows
            .iter()
            .map(|r| String::from_utf8_lossy(&ids_bytes[r.id.clone()]).into_owned())
            .collect();
        let noted = notes.as_ref().map_or(&[][..], |n| n.changed.as_slice());
        if !meta.unreadable.is_empty() || !noted.is_empty() {
            // The rows' ids are sorted: merge the few others in (sorting
            // them all again cost a move more than the rest of the load).
            let mut more: Vec<String> = meta.unreadable.iter().chain(noted).cloned().collect();
            more.sort_unstable();
            more.dedup();
            ids = merge_sorted(ids, more);
        }
        if let Some(n) = &notes {
            ids.retain(|id| n.gone.binary_search(id).is_err());
        }
        (ids, None)
    } else {
        let files = scan::listing(root)?;
        let inos = files.iter().map(|f| (f.ino, f.regular)).collect();
        (files.into_iter().map(|f| f.id).collect(), Some(inos))
    };
    let row_of = table::match_rows(ids_bytes, rows, &ids);

    // What git wrote or staged since the rows were checked against it.
    let (git_index, suspects) = match &scratch {
        Some(s) if !missing => git_check(s, &meta, since, ids_bytes, rows),
        Some(s) => (
            file_stamp(&crate::git::index_file(s.git_dir())),
            Suspects::None,
        ),
        None => (None, Suspects::None),
    };

    // Files to look at: no row, a racily clean row, another inode, or one
    // git has seen change.
    let noted = notes.as_ref().map_or(&[][..], |n| n.changed.as_slice());
    let mut look: Vec<usize> = Vec::new();
    for (i, r) in row_of.iter().enumerate() {
        let Some(r) = *r else {
            look.push(i);
            continue;
        };
        if noted.binary_search(&ids[i]).is_ok() {
            look.push(i);
            continue;
        }
        let row = &rows[r];
        let sure = row.stamp.settled(since)
            && match &suspects {
                Suspects::None => true,
                Suspects::Rows(flags) => !flags[r],
                Suspects::All => false,
            }
            && listed
                .as_ref()
                .is_none_or(|l| l[i].1 && l[i].0 == row.stamp.ino);
        if !sure {
            look.push(i);
        }
    }
    let names: Vec<&str> = look.iter().map(|&i| ids[i].as_str()).collect();
    let stamps = scan::stamps(root, &names);
    let mut reread: Vec<(usize, Option<Stamp>)> = Vec::new();
    for (&i, now) in look.iter().zip(stamps) {
        match row_of[i] {
            Some(r) if Stamp::trusts(&rows[r].stamp, now.as_ref(), since) => {}
            _ => reread.push((i, now)),
        }
    }

    // Noted files that are gone since.
    let mut vanished: Vec<usize> = Vec::new();
    if same_folder {
        reread.retain(|(i, stamp)| {
            let gone = stamp.is_none()
                && std::fs::symlink_metadata(root.join(crate::store::card_path(&ids[*i])))
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
            if gone {
                vanished.push(*i);
            }
            !gone
        });
    }
    // The changed cards, read now (a batch at a time: a card in full is
    // far larger than its summary).
    let reread_ids: Vec<String> = reread.iter().map(|(i, _)| ids[*i].clone()).collect();
    let results = reread_ids.chunks(4096).flat_map(|batch| {
        read_cards(root, batch).into_iter().map(|r| {
            r.map(|lc| {
                let links = Linked::of(&lc.card);
                let c = lc.card;
                (c.id, c.lane, c.rank, c.title, c.archived, links)
            })
        })
    });
    let mut fresh: BTreeMap<String, Row> = BTreeMap::new();
    let mut fresh_stamps: HashMap<String, Stamp> = HashMap::new();
    let mut broken = HashMap::new();
    let mut settled_rereads = 0;
    for ((i, stamp), result) in reread.iter().zip(results) {
        let id = &ids[*i];
        let checked = result.and_then(|(card_id, lane, rank, title, archived, links)| {
            if card_id == *id {
                Ok(Row {
                    id: card_id,
                    lane,
                    rank,
                    title,
                    archived,
                    links,
                })
            } else {
                Err(table::id_problem(root, &ids, id, &card_id))
            }
        });
        match checked {
            Ok(row) => {
                settled_rereads += usize::from(stamp.is_some_and(|s| s.settled(began)));
                if let Some(s) = stamp {
                    fresh_stamps.insert(id.clone(), *s);
                }
                fresh.insert(id.clone(), row);
            }
            Err(p) => {
                broken.insert(id.clone(), p);
            }
        }
    }
    // Rows out of date: the cards read again, and files gone.
    let mut stale: BTreeSet<String> = reread_ids.iter().cloned().collect();
    let mut present = vec![false; rows.len()];
    for r in row_of.iter().flatten() {
        present[*r] = true;
    }
    for (r, _) in rows.iter().enumerate().filter(|(r, _)| !present[*r]) {
        stale.insert(String::from_utf8_lossy(&ids_bytes[rows[r].id.clone()]).into_owned());
    }
    let gone = present.iter().filter(|p| !**p).count();
    let mut gone_ids: Vec<String> = vanished.iter().map(|&i| ids[i].clone()).collect();
    gone_ids.extend(notes.iter().flat_map(|n| n.gone.iter().cloned()));
    for (r, _) in rows.iter().enumerate().filter(|(r, _)| !present[*r]) {
        gone_ids.push(String::from_utf8_lossy(&ids_bytes[rows[r].id.clone()]).into_owned());
    }
    gone_ids.sort_unstable();
    gone_ids.dedup();
    let mut ids = ids;
    if !vanished.is_empty() {
        ids.retain(|id| gone_ids.binary_search(id).is_err());
    }

    let mut summaries = Summaries {
        root: root.to_path_buf(),
        scratch: scratch.clone(),
        base: opened.as_ref().map(|o| o.sealed.identity),
        folder,
        changed: reread_ids.clone(),
        gone: gone_ids,
        file_ids: ids,
        fresh,
        broken,
        lanes: Lanes::Whole(BTreeMap::new()),
        links: Links::Whole(Arc::default()),
    };
    let rewrite = path.is_some() && table::worth_rewriting(missing, settled_rereads + gone);
    match opened {
        Some(o) if !rewrite => {
            let (sealed, stale) = (Arc::new(o.sealed), Arc::new(stale));
            summaries.links = Links::File {
                sealed: sealed.clone(),
                stale: stale.clone(),
                parsed: Arc::default(),
            };
            summaries.lanes = Lanes::File {
                sealed,
                lanes: Arc::new(o.meta.lanes),
                stale,
            }
        }
        _ => {
            // Every card's summary: the rows still good, and the cards
            // read now. (Without an index file every card was read.)
            let mut all: Vec<(Row, Stamp)> = Vec::with_capacity(summaries.file_ids.len());
            if let Some(o) = &opened {
                let Some(kept) = whole(o, &stale) else {
                    // A damaged block: read every card.
                    std::fs::remove_file(path.as_deref().unwrap_or(Path::new(""))).ok();
                    return load(root);
                };
                all.extend(kept);
            }
            for (id, row) in &summaries.fresh {
                if let Some(s) = fresh_stamps.get(id) {
                    all.push((row.clone(), *s));
                }
            }
            summaries.lanes = Lanes::Whole(by_lane(all.iter().map(|(r, _)| r)));
            summaries.links = Links::Whole(Arc::new(
                all.iter()
                    .filter(|(r, _)| !r.links.is_empty())
                    .map(|(r, _)| (r.id.clone(), r.links.clone()))
                    .collect(),
            ));
            if let (Some(p), true) = (&path, rewrite) {
                let meta = Meta {
                    folder: folder.filter(|f| f.settled(began)),
                    git_index: git_index.filter(|g| g.settled(began)),
                    unreadable: sorted_keys(&summaries.broken),
                    lanes: Vec::new(),
                };
                // A cache that cannot be written only costs speed.
                let _ = write(p, began, meta, all);
                summaries.base = Sealed::open(p, KIND, VERSION).map(|f| f.identity);
                summaries.changed.clear();
                summaries.gone.clear();
            }
        }
    }
    Ok(summaries)
}

/// Every card of an opened index but the `stale`, with its stamp; `None`
/// if a block is damaged.
fn whole(o: &Opened, stale: &BTreeSet<String>) -> Option<Vec<(Row, Stamp)>> {
    let stamp_of: HashMap<&[u8], Stamp> = o
        .rows
        .iter()
        .map(|r| (&o.ids[r.id.clone()], r.stamp))
        .collect();
    let mut links = LinkTable::parse(o.sealed.read(LINKS)?)?.all()?;
    let mut out = Vec::with_capacity(o.rows.len());
    let mut section = FIRST_BLOCK;
    for lane in &o.meta.lanes {
        for _ in &lane.blocks {
            let bytes = o.sealed.read(section)?;
            section += 1;
            for (archived, id, rank, title) in parse_block(&bytes)? {
                if stale.contains(id) {
                    continue;
                }
                let Some(stamp) = stamp_of.get(id.as_bytes()) else {
                    continue;
                };
                out.push((
                    Row {
                        id: id.to_string(),
                        lane: lane.name.clone(),
                        rank: rank.to_string(),
                        title: title.to_string(),
                        archived,
                        links: links.remove(id).unwrap_or_default(),
                    },
                    *stamp,
                ));
            }
        }
    }
    Some(out)
}

/// Cards by lane, each lane in board order.
fn by_lane<'a>(rows: impl Iterator<Item = &'a Row>) -> BTreeMap<String, Vec<Key>> {
    let mut lanes: BTreeMap<String, Vec<Key>> = BTreeMap::new();
    for r in rows {
        lanes
            .entry(r.lane.clone())
            .or_default()
            .push((r.rank.clone(), r.id.clone()));
    }
    for keys in lanes.values_mut() {
        keys.sort_unstable();
    }
    lanes
}

fn sorted_keys(broken: &HashMap<String, Problem>) -> Vec<String> {
    let mut ids: Vec<String> = broken.keys().cloned().collect();
    ids.sort_unstable();
    ids
}

/// Write the index of `all` cards; `meta`'s lanes are filled in here.
fn write(
    path: &Path,
    since: i128,
    mut meta: Meta,
    mut all: Vec<(Row, Stamp)>,
) -> std::io::Result<()> {
    // Cards whose text does not fit the layout are left out (read from
    // their files when needed).
    all.retain(|(r, _)| {
        r.id.len() <= usize::from(u8::MAX)
            && r.rank.len() <= usize::from(u16::MAX)
            && r.lane.len() <= usize::from(u16::MAX)
            && u32::try_from(r.title.len()).is_ok()
    });
    // Blocks: lane by lane, in board order.
    all.sort_unstable_by(|a, b| {
        (&a.0.lane, &a.0.rank, &a.0.id).cmp(&(&b.0.lane, &b.0.rank, &b.0.id))
    });
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    for run in all.chunk_by(|a, b| a.0.lane == b.0.lane) {
        let mut lane = Lane {
            name: run[0].0.lane.clone(),
            blocks: Vec::new(),
        };
        for chunk in run.chunks(BLOCK) {
            let mut bytes = Vec::with_capacity(chunk.len() * 64);
            for (r, _) in chunk {
                bytes.push(u8::from(r.archived));
                put_text(&mut bytes, 1, &r.id);
                put_text(&mut bytes, 2, &r.rank);
                put_text(&mut bytes, 4, &r.title);
            }
            let key = |r: &Row| (r.rank.clone(), r.id.clone());
            lane.blocks.push(Block {
                rows: chunk.len() as u32,
                first: key(&chunk[0].0),
                last: key(&chunk[chunk.len() - 1].0),
            });
            blocks.push(bytes);
        }
        meta.lanes.push(lane);
    }
    all.sort_unstable_by(|a, b| a.0.id.cmp(&b.0.id));
    let links = encode_links(all.iter().map(|(r, _)| r));
    envelope::write(path, KIND, VERSION, since, |w| {
        w.section(|out| out.write_all(&meta.encode()))?;
        w.section(|out| {
            for (r, stamp) in &all {
                table::put_row(out, &r.id, stamp, &[])?;
            }
            Ok(())
        })?;
        w.section(|out| out.write_all(&links))?;
        for b in &blocks {
            w.section(|out| out.write_all(b))?;
        }
        Ok(())
    })
}

impl Summaries {
    /// The cards of `lane` in board order (rank, then id), starting after
    /// `from` (before it, `backwards`), without `skip`: read a block of the
    /// index file at a time, with the cards that changed since in their
    /// places.
    pub fn walk<'a>(
        &'a self,
        lane: &'a str,
        from: Option<(&'a str, &'a str)>,
        backwards: bool,
    ) -> impl Iterator<Item = Neighbour> + 'a {
        let beyond = move |k: (&str, &str)| match from {
            None => true,
            Some(f) if backwards => k < f,
            Some(f) => k > f,
        };
        // The cards read now that are in this lane, in walking order.
        let mut fresh: Vec<Key> = self
            .fresh
            .values()
            .filter(|r| r.lane == lane && beyond((&r.rank, &r.id)))
            .map(|r| (r.rank.clone(), r.id.clone()))
            .collect();
        fresh.sort_unstable();
        if backwards {
            fresh.reverse();
        }
        let indexed: Box<dyn Iterator<Item = Key> + 'a> = match &self.lanes {
            Lanes::Whole(lanes) => {
                let keys = lanes.get(lane).map_or(&[][..], Vec::as_slice);
                let fresh_ids = &self.fresh;
                let iter = keys
                    .iter()
                    .filter(move |(_, id)| !fresh_ids.contains_key(id))
                    .filter(move |(r, id)| beyond((r, id)))
                    .cloned();
                if backwards {
                    Box::new(iter.rev().collect::<Vec<_>>().into_iter())
                } else {
                    Box::new(iter)
                }
            }
            Lanes::File {
                sealed,
                lanes,
                stale,
            } => Box::new(BlockWalk::new(
                self, sealed, lanes, stale, lane, from, backwards,
            )),
        };
        Merge {
            a: indexed.peekable(),
            b: fresh.into_iter().peekable(),
            backwards,
        }
        .map(|(rank, id)| Neighbour { id, rank })
    }

    /// Card `id`'s `depends_on` and `parent` links as the index knows
    /// them: the card read now, or the index file's links section (read
    /// the first time a card's links are asked for). `None`: not known
    /// here (the card changed or is gone since the file was written, or
    /// the section does not read): read its file.
    pub fn links(&self, id: &str) -> Option<Linked> {
        if let Some(r) = self.fresh.get(id) {
            return Some(r.links.clone());
        }
        match &self.links {
            Links::Whole(map) => Some(map.get(id).cloned().unwrap_or_default()),
            Links::File {
                sealed,
                stale,
                parsed,
            } => {
                if stale.contains(id) {
                    return None;
                }
                parsed
                    .get_or_init(|| sealed.read(LINKS).and_then(LinkTable::parse))
                    .as_ref()?
                    .get(id)
            }
        }
    }

    /// Whether the cards folder is as this load found it (nothing has
    /// added, removed or replaced a card file since): asked just before a
    /// command replaces a card file, so that it may then
    /// [note](Summaries::note_written) its write.
    pub fn folder_unchanged(&self) -> bool {
        self.folder.is_some() && scan::folder_stamp(&self.root) == self.folder
    }

    /// Note that this command has just replaced card `id`'s file (the
    /// folder having been as loaded just before, see
    /// [`Summaries::folder_unchanged`]): the next load then reads `id` and
    /// the cards this load read again, instead of listing the folder. Only
    /// when the folder's last change is this write (its stamp is the
    /// file's); anything else means nothing is noted, and the next load
    /// lists the folder. A note that cannot be written only costs speed.
    pub fn note_written(&self, id: &str) {
        let (Some(scratch), Some(base)) = (&self.scratch, self.base) else {
            return;
        };
        let (Some(folder), Some(file)) = (
            scan::folder_stamp(&self.root),
            file_stamp(&self.root.join(crate::store::card_path(id))),
        ) else {
            return;
        };
        if folder.mtime != file.ctime || folder.ctime != file.ctime {
            return;
        }
        let mut changed = self.changed.clone();
        changed.push(id.to_string());
        changed.sort_unstable();
        changed.dedup();
        let mut gone = self.gone.clone();
        gone.retain(|g| g != id);
        let notes = Notes {
            base,
            folder,
            changed,
            gone,
        };
        let _ = envelope::write(
            &scratch.file(SUMMARY_NOTES),
            NOTES_KIND,
            NOTES_VERSION,
            now_ns(),
            |w| w.section(|out| out.write_all(&notes.encode())),
        );
    }

    /// Every card of `lane` read from its file (when the index file turns
    /// out damaged while walking it), in board order.
    fn lane_from_files(&self, lane: &str) -> Vec<Key> {
        let mut keys: Vec<Key> = read_cards(&self.root, &self.file_ids)
            .into_iter()
            .flatten()
            .filter(|lc| lc.card.lane == lane)
            .map(|lc| (lc.card.rank, lc.card.id))
            .collect();
        keys.sort_unstable();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_ids_are_sorted_and_unique() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            merge_sorted(v(&["b", "d", "f"]), v(&["a", "d", "e", "g"])),
            v(&["a", "b", "d", "e", "f", "g"])
        );
        assert_eq!(merge_sorted(v(&[]), v(&["a"])), v(&["a"]));
        assert_eq!(merge_sorted(v(&["a"]), v(&[])), v(&["a"]));
    }

    #[test]
    fn meta_round_trips() {
        let key = |r: &str, i: &str| (r.to_string(), i.to_string());
        let m = Meta {
            folder: Some(Stamp {
                mtime: 1,
                ctime: -2,
                size: 3,
                ino: 4,
            }),
            git_index: None,
            unreadable: vec!["abc".into(), "abd".into()],
            lanes: vec![
                Lane {
                    name: "done".into(),
                    blocks: vec![Block {
                        rows: 2,
                        first: key("a", "x1"),
                        last: key("b", "x2"),
                    }],
                },
                Lane {
                    name: "todo".into(),
                    blocks: Vec::new(),
                },
            ],
        };
        assert_eq!(Meta::parse(&m.encode()), Some(m.clone()));
        let mut bytes = m.encode();
        bytes.push(0);
        assert_eq!(Meta::parse(&bytes), None);
        assert_eq!(
            Meta::parse(&Meta::default().encode()),
            Some(Meta::default())
        );
    }

    #[test]
    fn card_paths_in_the_index_name_their_card() {
        assert_eq!(card_id_of(b".lanes/cards/abc12.yaml"), Some(&b"abc12"[..]));
        assert_eq!(
            card_id_of(b"team/.lanes/cards/abc12.yaml"),
            Some(&b"abc12"[..])
        );
        assert_eq!(card_id_of(b"team/x.lanes/cards/abc12.yaml"), None);
        assert_eq!(card_id_of(b".lanes/board.yaml"), None);
        assert_eq!(card_id_of(b".lanes/cards/sub/abc.yaml"), None);
        assert_eq!(card_id_of(b".lanes/cards/abc.yml"), None);
    }

    /// Every card's `depends_on` and `parent` survive the file (cards
    /// without links take no room), are read from their own section only
    /// when asked for, and a card changed since is left to its file.
    #[test]
    fn links_round_trip_and_are_read_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let row = |i: usize, links: Linked| Row {
            id: format!("c{i:05}"),
            lane: ["a", "b"][i % 2].into(),
            rank: format!("r{i:05}"),
            title: format!("Card {i}"),
            archived: i.is_multiple_of(7),
            links,
        };
        let n = 2 * BLOCK + 5;
        let all: Vec<(Row, Stamp)> = (0..n)
            .map(|i| {
                let links = match i % 3 {
                    0 => Linked::default(),
                    1 => Linked {
                        depends_on: vec![format!("c{:05}", i + 1), "gone-card".into()],
                        parent: None,
                    },
                    _ => Linked {
                        depends_on: Vec::new(),
                        parent: Some(format!("c{:05}", i / 2)),
                    },
                };
                (row(i, links), Stamp::default())
            })
            .collect();
        write(&path, 1, Meta::default(), all.clone()).unwrap();
        let o = open(&path).unwrap();
        // Only the linked cards are in the section, in id order.
        let map = LinkTable::parse(o.sealed.read(LINKS).unwrap())
            .unwrap()
            .all()
            .unwrap();
        assert_eq!(
            map.len(),
            all.iter().filter(|(r, _)| !r.links.is_empty()).count()
        );
        // Rebuilding from the file keeps every card's links.
        let mut kept = whole(&o, &BTreeSet::new()).unwrap();
        kept.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        assert_eq!(kept, all);
        // Asked through a load that follows the file: a card changed since
        // is not known (its file is read), the rest are.
        let stale: BTreeSet<String> = ["c00004".to_string()].into();
        let sealed = Arc::new(o.sealed);
        let s = Summaries {
            root: dir.path().to_path_buf(),
            scratch: None,
            base: None,
            folder: None,
            changed: Vec::new(),
            gone: Vec::new(),
            file_ids: Vec::new(),
            fresh: BTreeMap::new(),
            broken: HashMap::new(),
            lanes: Lanes::Whole(BTreeMap::new()),
            links: Links::File {
                sealed: sealed.clone(),
                stale: Arc::new(stale),
                parsed: Arc::default(),
            },
        };
        for (r, _) in &all {
            let got = s.links(&r.id);
            if r.id == "c00004" {
                assert_eq!(got, None);
            } else {
                assert_eq!(got.as_ref(), Some(&r.links), "{}", r.id);
            }
        }
        // A damaged or disordered section does not read.
        let bytes = sealed.read(LINKS).unwrap();
        assert!(LinkTable::parse(bytes[..bytes.len() - 1].to_vec()).is_none());
        let mut twice = bytes.clone();
        twice.extend_from_slice(&bytes);
        assert!(LinkTable::parse(twice).is_none());
        // Text that is not UTF-8 in a row: that card's links are not
        // known (its file is read), the others' are.
        let mut bad = bytes.clone();
        let at = bad
            .windows(9)
            .position(|w| w == b"gone-card")
            .expect("a dependency's text");
        bad[at] = 0xff;
        let t = LinkTable::parse(bad).expect("the layout reads");
        let (hit, rest): (Vec<_>, Vec<_>) = all
            .iter()
            .filter(|(r, _)| !r.links.is_empty())
            .partition(|(r, _)| t.get(&r.id).is_none());
        assert_eq!(hit.len(), 1);
        assert!(rest
            .iter()
            .all(|(r, _)| t.get(&r.id).as_ref() == Some(&r.links)));
        assert!(t.all().is_none());
    }

    /// A lane walked from the file's blocks (with cards changed since and
    /// files gone) gives what sorting every card gives.
    #[test]
    fn walking_blocks_gives_the_lane_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let stamp = Stamp::default();
        let n = 3 * BLOCK + 17;
        let row = |i: usize, lane: &str, rank: String| Row {
            id: format!("c{i:05}"),
            lane: lane.into(),
            rank,
            title: format!("Card {i}"),
            archived: false,
            links: Linked::default(),
        };
        // Ranks in reverse id order, some tied.
        let all: Vec<(Row, Stamp)> = (0..n)
            .map(|i| {
                (
                    row(i, ["a", "b"][i % 2], format!("r{:05}", (n - i) / 3)),
                    stamp,
                )
            })
            .collect();
        write(&path, 1, Meta::default(), all.clone()).unwrap();
        let o = open(&path).unwrap();
        assert_eq!(o.meta.lanes.len(), 2);
        // Changes since: one card moved from a to b, one gone.
        let mut fresh = BTreeMap::new();
        fresh.insert("c00004".to_string(), row(4, "b", "r00000".into()));
        let stale: BTreeSet<String> = ["c00004".to_string(), "c00010".to_string()].into();
        let s = Summaries {
            root: dir.path().to_path_buf(),
            scratch: None,
            base: None,
            folder: None,
            changed: Vec::new(),
            gone: Vec::new(),
            file_ids: Vec::new(),
            fresh,
            broken: HashMap::new(),
            lanes: Lanes::File {
                sealed: Arc::new(o.sealed),
                lanes: Arc::new(o.meta.lanes),
                stale: Arc::new(stale.clone()),
            },
            links: Links::Whole(Arc::default()),
        };
        let mut truth: Vec<(Row, Stamp)> = all
            .into_iter()
            .filter(|(r, _)| !stale.contains(&r.id))
            .collect();
        truth.push((row(4, "b", "r00000".into()), stamp));
        for lane in ["a", "b", "c"] {
            let want = |keep: &dyn Fn(&Key) -> bool, back: bool| {
                let mut k: Vec<Key> = by_lane(truth.iter().map(|(r, _)| r))
                    .remove(lane)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|k| keep(k))
                    .collect();
                if back {
                    k.reverse();
                }
                k
            };
            let got = |from: Option<(&str, &str)>, back: bool| -> Vec<Key> {
                s.walk(lane, from, back).map(|n| (n.rank, n.id)).collect()
            };
            assert_eq!(got(None, false), want(&|_| true, false), "{lane}");
            assert_eq!(got(None, true), want(&|_| true, true), "{lane} backwards");
            for f in [("r00100", "c00500"), ("r00000", "c00004"), ("r00300", "")] {
                let after = |k: &Key| (k.0.as_str(), k.1.as_str()) > f;
                let before = |k: &Key| (k.0.as_str(), k.1.as_str()) < f;
                assert_eq!(
                    got(Some(f), false),
                    want(&after, false),
                    "{lane} after {f:?}"
                );
                assert_eq!(
                    got(Some(f), true),
                    want(&before, true),
                    "{lane} before {f:?}"
                );
            }
        }
    }
}
