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

/// A card's links that may not close a cycle, as its file stores them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Linked {
    /// The cards it depends on.
    pub depends_on: Vec<String>,
    /// The card it is part of.
    pub parent: Option<String>,
}

impl Linked {
    pub fn of(card: &crate::model::Card) -> Linked {
        Linked {
            depends_on: card.depends_on.clone(),
            parent: card.parent.clone(),
        }
    }

    fn is_empty(&self) -> bool {
        self.depends_on.is_empty() && self.parent.is_none()
    }
}

/// Every linked card's links, by id.
type LinkMap = BTreeMap<String, Linked>;

fn encode_links<'a>(rows: impl Iterator<Item = &'a Row>) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rows.filter(|r| !r.links.is_empty()) {
        put_text(&mut out, 1, &r.id);
        put_text(&mut out, 4, r.links.parent.as_deref().unwrap_or(""));
        out.extend_from_slice(&(r.links.depends_on.len() as u32).to_le_bytes());
        for d in &r.links.depends_on {
            put_text(&mut out, 4, d);
        }
    }
    out
}

/// The links section as read: its bytes and where each linked card's id
/// and links are, in id order. Nothing is decoded until a card's links
/// are asked for (a cycle check visits a part of the board).
#[derive(Debug)]
struct LinkTable {
    bytes: Vec<u8>,
    /// Per linked card: its id, and where its links start.
    rows: Vec<(std::ops::Range<usize>, usize)>,
}

impl LinkTable {
    /// `None` if the section does not read (cut short, out of order).
    fn parse(bytes: Vec<u8>) -> Option<LinkTable> {
        let mut rows = Vec::new();
        let mut c = Cursor { b: &bytes, pos: 0 };
        while c.pos < bytes.len() {
            let n = usize::from(*c.take(1)?.first()?);
            let id = c.pos..c.pos + n;
            c.take(n)?;
            let at = c.pos;
            let parent = c.len(4)?;
            c.take(parent)?;
            for _ in 0..c.count()? {
                let n = c.len(4)?;
                c.take(n)?;
            }
            if rows
                .last()
                .is_some_and(|(last, _): &(std::ops::Range<usize>, usize)| {
                    bytes[last.clone()] >= bytes[id.clone()]
                })
            {
                return None;
            }
            rows.push((id, at));
        }
        Some(LinkTable { bytes, rows })
    }

    /// The links of the card at `at` (`None`: text that is not UTF-8).
    fn decode(&self, at: usize) -> Option<Linked> {
        let mut c = Cursor {
            b: &self.bytes,
            pos: at,
        };
        let parent = Some(c.text(4)?)
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        let n = c.count()?;
        let mut depends_on = Vec::with_capacity(n);
        for _ in 0..n {
            depends_on.push(c.text(4)?.to_string());
        }
        Some(Linked { depends_on, parent })
    }

    /// Card `id`'s links: none when it has no row; `None` when its row
    /// does not read.
    fn get(&self, id: &str) -> Option<Linked> {
        match self
            .rows
            .binary_search_by(|(r, _)| self.bytes[r.clone()].cmp(id.as_bytes()))
        {
            Ok(i) => self.decode(self.rows[i].1),
            Err(_) => Some(Linked::default()),
        }
    }

    /// Every linked card's links; `None` if a row does not read.
    fn all(&self) -> Option<LinkMap> {
        self.rows
            .iter()
            .map(|(id, at)| {
                let id = std::str::from_utf8(&self.bytes[id.clone()]).ok()?;
                Some((id.to_string(), self.decode(*at)?))
            })
            .collect()
    }
}

/// A card next to where another is placed: its id and rank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbour {
    pub id: String,
    pub rank: String,
}

/// A card's place in board order within its lane.
type Key = (String, String);

/// One block of a lane: how many cards, its first and last (rank, id).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    rows: u32,
    first: Key,
    last: Key,
}

/// A lane's blocks, in board order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Lane {
    name: String,
    blocks: Vec<Block>,
}

/// What the index was last checked against, and where its lanes are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Meta {
    /// The cards folder's stamp, when its listing is the rows' ids and
    /// `unreadable`.
    folder: Option<Stamp>,
    /// The stamp of git's index file the rows agree with.
    git_index: Option<Stamp>,
    /// Card files that could not be read, sorted.
    unreadable: Vec<String>,
    /// The lanes, sorted by name; their blocks follow the ids section in
    /// this order.
    lanes: Vec<Lane>,
}

fn put_stamp(out: &mut Vec<u8>, s: Option<&Stamp>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            out.extend_from_slice(&s.mtime.to_le_bytes());
            out.extend_from_slice(&s.ctime.to_le_bytes());
            out.extend_from_slice(&s.size.to_le_bytes());
            out.extend_from_slice(&s.ino.to_le_bytes());
        }
    }
}

/// Text with a length of `n` bytes (1, 2 or 4) before it; `false` when it
/// does not fit.
fn put_text(out: &mut Vec<u8>, n: usize, s: &str) -> bool {
    let len = s.len() as u64;
    if n < 8 && len >> (8 * n) != 0 {
        return false;
    }
    out.extend_from_slice(&len.to_le_bytes()[..n]);
    out.extend_from_slice(s.as_bytes());
    true
}

impl Meta {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put_stamp(&mut out, self.folder.as_ref());
        put_stamp(&mut out, self.git_index.as_ref());
        out.extend_from_slice(&(self.unreadable.len() as u32).to_le_bytes());
        for id in &self.unreadable {
            put_text(&mut out, 1, id);
        }
        out.extend_from_slice(&(self.lanes.len() as u32).to_le_bytes());
        for lane in &self.lanes {
            put_text(&mut out, 2, &lane.name);
            out.extend_from_slice(&(lane.blocks.len() as u32).to_le_bytes());
            for b in &lane.blocks {
                out.extend_from_slice(&b.rows.to_le_bytes());
                for (rank, id) in [&b.first, &b.last] {
                    put_text(&mut out, 2, rank);
                    put_text(&mut out, 1, id);
                }
            }
        }
        out
    }

    fn parse(b: &[u8]) -> Option<Meta> {
        let mut c = Cursor { b, pos: 0 };
        let folder = c.stamp()?;
        let git_index = c.stamp()?;
        let n = c.count()?;
        let mut unreadable = Vec::with_capacity(n);
        for _ in 0..n {
            unreadable.push(c.text(1)?.to_string());
        }
        let n = c.count()?;
        let mut lanes = Vec::with_capacity(n);
        for _ in 0..n {
            let name = c.text(2)?.to_string();
            let k = c.count()?;
            let mut blocks = Vec::with_capacity(k);
            for _ in 0..k {
                let rows = u32::from_le_bytes(c.take(4)?.try_into().ok()?);
                let mut key = || Some((c.text(2)?.to_string(), c.text(1)?.to_string()));
                let (first, last) = (key()?, key()?);
                blocks.push(Block { rows, first, last });
            }
            lanes.push(Lane { name, blocks });
        }
        let sorted = unreadable.windows(2).all(|w| w[0] < w[1])
            && lanes.windows(2).all(|w| w[0].name < w[1].name);
        (c.pos == b.len() && sorted).then_some(Meta {
            folder,
            git_index,
            unreadable,
            lanes,
        })
    }
}

/// Changes lanes made since the index file was written, noted by the
/// commands that made them (see [`Summaries::note_written`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Notes {
    /// The index file they follow ([`Sealed::identity`]).
    base: (i128, u64, u64),
    /// The cards folder's stamp after the last of them.
    folder: Stamp,
    /// Card files to read again, whatever their rows say (sorted).
    changed: Vec<String>,
    /// Card files gone (sorted).
    gone: Vec<String>,
}

const NOTES_KIND: &str = "summary-notes";
const NOTES_VERSION: u32 = 1;

impl Notes {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.base.0.to_le_bytes());
        out.extend_from_slice(&self.base.1.to_le_bytes());
        out.extend_from_slice(&self.base.2.to_le_bytes());
        put_stamp(&mut out, Some(&self.folder));
        for list in [&self.changed, &self.gone] {
            out.extend_from_slice(&(list.len() as u32).to_le_bytes());
            for id in list {
                put_text(&mut out, 1, id);
            }
        }
        out
    }

    fn parse(b: &[u8]) -> Option<Notes> {
        let mut c = Cursor { b, pos: 0 };
        let base = (
            i128::from_le_bytes(c.take(16)?.try_into().ok()?),
            u64::from_le_bytes(c.take(8)?.try_into().ok()?),
            u64::from_le_bytes(c.take(8)?.try_into().ok()?),
        );
        let folder = c.stamp()??;
        let mut lists = [Vec::new(), Vec::new()];
        for list in &mut lists {
            let n = c.count()?;
            for _ in 0..n {
                list.push(c.text(1)?.to_string());
            }
        }
        let [changed, gone] = lists;
        (c.pos == b.len()).then_some(Notes {
            base,
            folder,
            changed,
            gone,
        })
    }

    /// The notes following the index file `identity`, if any.
    fn read(scratch: &Scratch, identity: (i128, u64, u64)) -> Option<Notes> {
        let f = Sealed::open(&scratch.file(SUMMARY_NOTES), NOTES_KIND, NOTES_VERSION)?;
        Notes::parse(&f.read(0)?).filter(|n| n.base == identity)
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }

    /// A count, bounded by what is left (a bad count must not allocate).
    fn count(&mut self) -> Option<usize> {
        let n = u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize;
        (n <= self.b.len() - self.pos).then_some(n)
    }

    /// A length of `n` bytes.
    fn len(&mut self, n: usize) -> Option<usize> {
        let mut len = [0u8; 8];
        len[..n].copy_from_slice(self.take(n)?);
        usize::try_from(u64::from_le_bytes(len)).ok()
    }

    /// Text after its length of `n` bytes.
    fn text(&mut self, n: usize) -> Option<&'a str> {
        let len = self.len(n)?;
        std::str::from_utf8(self.take(len)?).ok()
    }

    fn stamp(&mut self) -> Option<Option<Stamp>> {
        match self.take(1)?[0] {
            0 => Some(None),
            1 => Some(Some(Stamp {
                mtime: i128::from_le_bytes(self.take(16)?.try_into().ok()?),
                ctime: i128::from_le_bytes(self.take(16)?.try_into().ok()?),
                size: u64::from_le_bytes(self.take(8)?.try_into().ok()?),
                ino: u64::from_le_bytes(self.take(8)?.try_into().ok()?),
            })),
            _ => None,
        }
    }
}

/// A block's cards, in board order: (archived, id, rank, title).
fn parse_block(b: &[u8]) -> Option<Vec<(bool, &str, &str, &str)>> {
    let mut c = Cursor { b, pos: 0 };
    let mut rows = Vec::with_capacity(BLOCK);
    while c.pos < b.len() {
        let archived = match c.take(1)?[0] {
            0 => false,
            1 => true,
            _ => return None,
        };
        rows.push((archived, c.text(1)?, c.text(2)?, c.text(4)?));
    }
    Some(rows)
}

/// The index file as opened: its meta and id table (its blocks are read
/// when needed).
struct Opened {
    sealed: Sealed,
    /// Changes noted since the file was written.
    notes: Option<Notes>,
    since: i128,
    meta: Meta,
    ids: Vec<u8>,
    rows: Vec<IdRow>,
}

fn open(path: &Path) -> Option<Opened> {
    let sealed = Sealed::open(path, KIND, VERSION)?;
    let meta = Meta::parse(&sealed.read(META)?)?;
    let blocks: usize = meta.lanes.iter().map(|l| l.blocks.len()).sum();
    if sealed.sections() != FIRST_BLOCK + blocks {
        return None;
    }
    let ids = sealed.read(IDS)?;
    let rows = table::parse(&ids, 0..ids.len())?;
    Some(Opened {
        since: sealed.written,
        notes: None,
        sealed,
        meta,
        ids,
        rows,
    })
}

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
            ids.extend(meta.unreadable.iter().cloned());
            ids.extend(noted.iter().cloned());
            ids.sort_unstable();
            ids.dedup();
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

/// Two runs in walking order, merged.
struct Merge<A: Iterator<Item = Key>, B: Iterator<Item = Key>> {
    a: std::iter::Peekable<A>,
    b: std::iter::Peekable<B>,
    backwards: bool,
}

impl<A: Iterator<Item = Key>, B: Iterator<Item = Key>> Iterator for Merge<A, B> {
    type Item = Key;

    fn next(&mut self) -> Option<Key> {
        let take_a = match (self.a.peek(), self.b.peek()) {
            (Some(a), Some(b)) => (a < b) != self.backwards,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if take_a {
            self.a.next()
        } else {
            self.b.next()
        }
    }
}

/// A lane's cards from the index file's blocks, a block at a time.
struct BlockWalk<'a> {
    summaries: &'a Summaries,
    sealed: &'a Sealed,
    stale: &'a BTreeSet<String>,
    lane: &'a str,
    from: Option<(&'a str, &'a str)>,
    backwards: bool,
    /// The lane's blocks: (section, block), and the next to read.
    blocks: Vec<(usize, &'a Block)>,
    next_block: usize,
    /// The keys of the block being walked, in walking order.
    keys: std::vec::IntoIter<Key>,
    /// Set when a block turned out damaged: the lane read from the files.
    damaged: bool,
}

impl<'a> BlockWalk<'a> {
    fn new(
        summaries: &'a Summaries,
        sealed: &'a Sealed,
        lanes: &'a [Lane],
        stale: &'a BTreeSet<String>,
        lane: &'a str,
        from: Option<(&'a str, &'a str)>,
        backwards: bool,
    ) -> BlockWalk<'a> {
        let mut section = FIRST_BLOCK;
        let mut blocks = Vec::new();
        for l in lanes {
            for b in &l.blocks {
                if l.name == lane {
                    blocks.push((section, b));
                }
                section += 1;
            }
        }
        // Blocks wholly on the near side of `from` are not read.
        if let Some(f) = from {
            let key = |k: &'a Key| (k.0.as_str(), k.1.as_str());
            if backwards {
                blocks.retain(|(_, b)| key(&b.first) < f);
            } else {
                blocks.retain(|(_, b)| key(&b.last) > f);
            }
        }
        if backwards {
            blocks.reverse();
        }
        BlockWalk {
            summaries,
            sealed,
            stale,
            lane,
            from,
            backwards,
            blocks,
            next_block: 0,
            keys: Vec::new().into_iter(),
            damaged: false,
        }
    }

    /// Read the next block's keys; `false` when there is none left.
    fn advance(&mut self) -> bool {
        if self.damaged {
            return false;
        }
        let Some(&(section, _)) = self.blocks.get(self.next_block) else {
            return false;
        };
        self.next_block += 1;
        let parsed = self.sealed.read(section).and_then(|bytes| {
            parse_block(&bytes).map(|rows| {
                rows.into_iter()
                    .map(|(_, id, rank, _)| (rank.to_string(), id.to_string()))
                    .collect::<Vec<Key>>()
            })
        });
        let mut keys = match parsed {
            Some(keys) => keys,
            None => {
                // Damaged: the whole lane from its files, once.
                self.damaged = true;
                self.summaries.lane_from_files(self.lane)
            }
        };
        let stale = self.stale;
        let fresh = &self.summaries.fresh;
        let from = self.from;
        let backwards = self.backwards;
        keys.retain(|(rank, id)| {
            let k = (rank.as_str(), id.as_str());
            !stale.contains(id)
                && !fresh.contains_key(id)
                && match from {
                    None => true,
                    Some(f) if backwards => k < f,
                    Some(f) => k > f,
                }
        });
        if self.backwards {
            keys.reverse();
        }
        self.keys = keys.into_iter();
        true
    }
}

impl Iterator for BlockWalk<'_> {
    type Item = Key;

    fn next(&mut self) -> Option<Key> {
        loop {
            if let Some(k) = self.keys.next() {
                return Some(k);
            }
            if !self.advance() {
                return None;
            }
        }
    }
}

/// A card as a whole-board read found it, for [`reconcile`].
pub(crate) struct Seen<'a> {
    pub id: &'a str,
    pub stamp: Stamp,
    pub lane: &'a str,
    pub rank: &'a str,
    pub title: &'a str,
    pub archived: bool,
    pub depends_on: Vec<&'a str>,
    pub parent: Option<&'a str>,
}

/// What a whole-board read checked, for [`reconcile`].
pub(crate) struct Checked<'a> {
    /// When the read began, before it looked at any file.
    pub began: i128,
    /// The cards folder's stamp, before it was listed.
    pub folder: Option<Stamp>,
    /// Git's index file's stamp, before any card file was looked at.
    pub git_index: Option<Stamp>,
    /// Every readable card with the stamp of its file, sorted by id.
    pub seen: Vec<Seen<'a>>,
    /// Card files that could not be read, sorted.
    pub unreadable: Vec<String>,
}

/// Bring the summary index up to date after a whole-board read that
/// checked every card file: written again only if any row differs.
pub(crate) fn reconcile(scratch: &Scratch, checked: &Checked<'_>) {
    let path = scratch.file(SUMMARY);
    if let Some(o) = open(&path) {
        let same_rows = o.rows.len() == checked.seen.len()
            && o.rows
                .iter()
                .zip(&checked.seen)
                .all(|(r, s)| r.stamp == s.stamp && &o.ids[r.id.clone()] == s.id.as_bytes());
        if same_rows && o.meta.unreadable == checked.unreadable {
            return;
        }
    }
    let meta = Meta {
        folder: checked.folder.filter(|f| f.settled(checked.began)),
        git_index: checked.git_index.filter(|g| g.settled(checked.began)),
        unreadable: checked.unreadable.clone(),
        lanes: Vec::new(),
    };
    let all = checked
        .seen
        .iter()
        .map(|s| {
            (
                Row {
                    id: s.id.to_string(),
                    lane: s.lane.to_string(),
                    rank: s.rank.to_string(),
                    title: s.title.to_string(),
                    archived: s.archived,
                    links: Linked {
                        depends_on: s.depends_on.iter().map(|d| d.to_string()).collect(),
                        parent: s.parent.map(str::to_string),
                    },
                },
                s.stamp,
            )
        })
        .collect();
    let _ = write(&path, checked.began, meta, all);
}

#[cfg(test)]
mod tests {
    use super::*;

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
