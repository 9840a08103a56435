//! The summary index, `index-v2`: for every card its id, lane, rank,
//! title and archived flag, all that a command changing one card needs to
//! know about the others (where to place a card, which ids are taken, what
//! a short id means). Loading it costs what changed since it was written,
//! not the size of the board; no card file is `stat`-ed unless something
//! says it may have changed:
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
//! What none of these can see is a card file rewritten in place (`echo
//! >>`, an editor that overwrites) and not staged: until the next
//! whole-board read, a command may place a card among the others as they
//! were. The cards a command reads or names are always read from their
//! files ([`Index::current`](crate::store::Index::current)).
//!
//! Sections: the meta (the cards folder's stamp and the index file's stamp
//! the rows were checked against, each only when settled; the ids of card
//! files that could not be read), then the rows (see [`table`]), whose
//! payload is archived (u8), lane and rank (u16 length, bytes), title (u32
//! length, bytes).

use super::envelope::{self, Sealed};
use super::table::{self, now_ns, Row, Stamp};
use super::{Scratch, SUMMARY};
use crate::store::scan::{self, file_stamp};
use crate::store::{read_cards, Problem};
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

const KIND: &str = "summary";
const VERSION: u32 = 1;
const META: usize = 0;
const ROWS: usize = 1;

/// One card's summary, as ranges into [`Summaries::data`].
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub id: Range<usize>,
    pub lane: Range<usize>,
    pub rank: Range<usize>,
    pub title: Range<usize>,
    pub archived: bool,
    /// The stamp of the file it was read from (`None`: not to be cached).
    pub stamp: Option<Stamp>,
}

/// The board's card files as the summary index knows them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Summaries {
    /// The cached rows' bytes, then the fields of cards read now.
    pub data: Vec<u8>,
    /// Readable cards, sorted by id.
    pub entries: Vec<Entry>,
    /// Ids of all card files, readable or not, sorted.
    pub file_ids: Vec<String>,
    /// Card files that cannot be read, by id.
    pub broken: HashMap<String, Problem>,
}

/// What the index was last checked against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Meta {
    /// The cards folder's stamp, when its listing is the rows' ids and
    /// `unreadable`.
    folder: Option<Stamp>,
    /// The stamp of git's index file the rows agree with.
    git_index: Option<Stamp>,
    /// Card files that could not be read, sorted.
    unreadable: Vec<String>,
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

impl Meta {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put_stamp(&mut out, self.folder.as_ref());
        put_stamp(&mut out, self.git_index.as_ref());
        let ids: Vec<&String> = self
            .unreadable
            .iter()
            .filter(|id| id.len() <= usize::from(u8::MAX))
            .collect();
        out.extend_from_slice(&(ids.len() as u32).to_le_bytes());
        for id in ids {
            out.push(id.len() as u8);
            out.extend_from_slice(id.as_bytes());
        }
        out
    }

    fn parse(b: &[u8]) -> Option<Meta> {
        let mut c = Cursor { b, pos: 0 };
        let folder = c.stamp()?;
        let git_index = c.stamp()?;
        let n = u32::from_le_bytes(c.take(4)?.try_into().ok()?) as usize;
        let mut unreadable = Vec::with_capacity(n.min(b.len()));
        for _ in 0..n {
            let len = usize::from(c.take(1)?[0]);
            unreadable.push(String::from_utf8(c.take(len)?.to_vec()).ok()?);
        }
        if c.pos != b.len() || unreadable.windows(2).any(|w| w[0] >= w[1]) {
            return None;
        }
        Some(Meta {
            folder,
            git_index,
            unreadable,
        })
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

/// A row's payload.
fn payload(archived: bool, lane: &str, rank: &str, title: &str) -> Option<Vec<u8>> {
    let lane_len = u16::try_from(lane.len()).ok()?;
    let rank_len = u16::try_from(rank.len()).ok()?;
    let title_len = u32::try_from(title.len()).ok()?;
    let mut p = Vec::with_capacity(9 + lane.len() + rank.len() + title.len());
    p.push(u8::from(archived));
    p.extend_from_slice(&lane_len.to_le_bytes());
    p.extend_from_slice(lane.as_bytes());
    p.extend_from_slice(&rank_len.to_le_bytes());
    p.extend_from_slice(rank.as_bytes());
    p.extend_from_slice(&title_len.to_le_bytes());
    p.extend_from_slice(title.as_bytes());
    Some(p)
}

/// A row as an entry (its payload's fields as ranges); `None` if the
/// payload is not well formed.
fn entry_of(data: &[u8], row: &Row) -> Option<Entry> {
    let mut pos = row.payload.start;
    let end = row.payload.end;
    let mut take = |n: usize| -> Option<Range<usize>> {
        let r = pos..pos.checked_add(n)?;
        if r.end > end {
            return None;
        }
        pos = r.end;
        Some(r)
    };
    let archived = match data[take(1)?.start] {
        0 => false,
        1 => true,
        _ => return None,
    };
    let n = take(2)?;
    let lane = take(usize::from(u16::from_le_bytes(data[n].try_into().ok()?)))?;
    let n = take(2)?;
    let rank = take(usize::from(u16::from_le_bytes(data[n].try_into().ok()?)))?;
    let n = take(4)?;
    let title = take(u32::from_le_bytes(data[n].try_into().ok()?) as usize)?;
    if pos != end {
        return None;
    }
    Some(Entry {
        id: row.id.clone(),
        lane,
        rank,
        title,
        archived,
        stamp: Some(row.stamp),
    })
}

/// The index file as read.
#[derive(Default)]
struct Cached {
    since: i128,
    meta: Meta,
    /// The rows section, with room after it for cards read now.
    data: Vec<u8>,
    rows: Vec<Row>,
}

/// Read the index file; `None` if there is none or it is not whole.
fn read(path: &Path) -> Option<Cached> {
    let mut f = Sealed::open(path, KIND, VERSION)?;
    let meta = Meta::parse(&f.read(META)?)?;
    let mut data = Vec::new();
    // Room for the fields of the cards read now.
    f.read_into(ROWS, &mut data, 64 * 1024)?;
    let rows = table::parse(&data, 0..data.len())?;
    Some(Cached {
        since: f.written,
        meta,
        data,
        rows,
    })
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
    data: &[u8],
    rows: &[Row],
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
    let Some(entries) = crate::git::index_file::entry_stats(&bytes, |p| card_id_of(p).is_some())
    else {
        return (None, Suspects::All);
    };
    let mut by_id: Vec<(&[u8], &crate::git::index_file::Stat)> = entries
        .iter()
        .filter_map(|(p, st)| Some((card_id_of(p)?, st)))
        .collect();
    by_id.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut flags = vec![false; rows.len()];
    let ids = by_id.iter().map(|(id, _)| id);
    for ((_, st), r) in by_id.iter().zip(table::match_rows(data, rows, ids)) {
        if let Some(r) = r {
            flags[r] |= !agrees(st, &rows[r].stamp);
        }
    }
    (observed, Suspects::Rows(flags))
}

/// Load the summaries of the board at `root`, checking only what may have
/// changed (see the module's documentation), and write the index again
/// when enough changed.
pub(crate) fn load(root: &Path) -> anyhow::Result<Summaries> {
    let began = now_ns();
    let scratch = Scratch::of_board(root);
    let path = scratch.as_ref().map(|s| s.file(SUMMARY));
    let cached = path.as_deref().and_then(read);
    let missing = cached.is_none();
    let Cached {
        since,
        meta,
        mut data,
        rows,
    } = cached.unwrap_or_default();

    // Which card files there are: the rows' (and the unreadable files'),
    // while the folder has not changed; else as the folder lists them,
    // with the inode each name has now.
    let folder = scan::folder_stamp(root);
    let same_folder =
        !missing && folder.is_some_and(|f| meta.folder == Some(f) && f.settled(since));
    let (ids, listed): (Vec<String>, Option<Vec<(u64, bool)>>) = if same_folder {
        let mut ids: Vec<String> = rows
            .iter()
            .map(|r| String::from_utf8_lossy(&data[r.id.clone()]).into_owned())
            .collect();
        if !meta.unreadable.is_empty() {
            ids.extend(meta.unreadable.iter().cloned());
            ids.sort_unstable();
            ids.dedup();
        }
        (ids, None)
    } else {
        let files = scan::listing(root)?;
        let inos = files.iter().map(|f| (f.ino, f.regular)).collect();
        (files.into_iter().map(|f| f.id).collect(), Some(inos))
    };
    let row_of = table::match_rows(&data, &rows, &ids);

    // What git wrote or staged since the rows were checked against it.
    let (git_index, suspects) = match &scratch {
        Some(s) if !missing => git_check(s, &meta, since, &data, &rows),
        Some(s) => (
            file_stamp(&crate::git::index_file(s.git_dir())),
            Suspects::None,
        ),
        None => (None, Suspects::None),
    };

    // Files to look at: no row, a racily clean row, another inode, or one
    // git has seen change.
    let mut look: Vec<usize> = Vec::new();
    for (i, r) in row_of.iter().enumerate() {
        let Some(r) = *r else {
            look.push(i);
            continue;
        };
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

    // The changed cards, read now (in id order, as the rows).
    let reread_ids: Vec<String> = reread.iter().map(|(i, _)| ids[*i].clone()).collect();
    let results = read_cards(root, &reread_ids);
    let mut fresh: HashMap<usize, Option<Entry>> = HashMap::with_capacity(reread.len());
    let mut broken = HashMap::new();
    let mut settled_rereads = 0;
    for ((i, stamp), result) in reread.iter().zip(results) {
        let id = &ids[*i];
        match result.and_then(|lc| table::checked_id(root, &ids, id, lc.card)) {
            Ok(c) => {
                let mut field = |s: &str| {
                    let start = data.len();
                    data.extend_from_slice(s.as_bytes());
                    start..data.len()
                };
                settled_rereads += usize::from(stamp.is_some_and(|s| s.settled(began)));
                fresh.insert(
                    *i,
                    Some(Entry {
                        id: field(&c.id),
                        lane: field(&c.lane),
                        rank: field(&c.rank),
                        title: field(&c.title),
                        archived: c.archived,
                        stamp: *stamp,
                    }),
                );
            }
            Err(p) => {
                fresh.insert(*i, None);
                broken.insert(id.clone(), p);
            }
        }
    }
    let mut entries = Vec::with_capacity(ids.len());
    for (i, r) in row_of.iter().enumerate() {
        match fresh.remove(&i) {
            Some(e) => entries.extend(e),
            None => {
                entries.extend(r.and_then(|r| entry_of(&data, &rows[r])));
            }
        }
    }
    // Rows of files gone count as changes too.
    let gone = rows.len() - row_of.iter().flatten().count();
    let summaries = Summaries {
        data,
        entries,
        file_ids: ids,
        broken,
    };
    if let Some(p) = &path {
        if table::worth_rewriting(missing, settled_rereads + gone) {
            let meta = Meta {
                folder: folder.filter(|f| f.settled(began)),
                git_index: git_index.filter(|g| g.settled(began)),
                unreadable: sorted_keys(&summaries.broken),
            };
            let rows = summaries.entries.iter().filter_map(|e| {
                let text = |r: &Range<usize>| std::str::from_utf8(&summaries.data[r.clone()]).ok();
                Some((
                    text(&e.id)?,
                    e.stamp?,
                    payload(e.archived, text(&e.lane)?, text(&e.rank)?, text(&e.title)?)?,
                ))
            });
            // A cache that cannot be written only costs speed.
            let _ = write(p, began, &meta, rows);
        }
    }
    Ok(summaries)
}

fn sorted_keys(broken: &HashMap<String, Problem>) -> Vec<String> {
    let mut ids: Vec<String> = broken.keys().cloned().collect();
    ids.sort_unstable();
    ids
}

fn write<'a>(
    path: &Path,
    since: i128,
    meta: &Meta,
    rows: impl Iterator<Item = (&'a str, Stamp, Vec<u8>)>,
) -> std::io::Result<()> {
    envelope::write(path, KIND, VERSION, since, |w| {
        w.section(|out| out.write_all(&meta.encode()))?;
        w.section(|out| {
            for (id, stamp, payload) in rows {
                table::put_row(out, id, &stamp, &[&payload])?;
            }
            Ok(())
        })
    })
}

/// A card as a whole-board read found it, for [`reconcile`].
pub(crate) struct Seen<'a> {
    pub id: &'a str,
    pub stamp: Stamp,
    pub lane: &'a str,
    pub rank: &'a str,
    pub title: &'a str,
    pub archived: bool,
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
    if let Some(c) = read(&path) {
        let same_rows = c.rows.len() == checked.seen.len()
            && c.rows
                .iter()
                .zip(&checked.seen)
                .all(|(r, s)| r.stamp == s.stamp && &c.data[r.id.clone()] == s.id.as_bytes());
        if same_rows && c.meta.unreadable == checked.unreadable {
            return;
        }
    }
    let meta = Meta {
        folder: checked.folder.filter(|f| f.settled(checked.began)),
        git_index: checked.git_index.filter(|g| g.settled(checked.began)),
        unreadable: checked.unreadable.clone(),
    };
    let rows = checked
        .seen
        .iter()
        .filter_map(|s| Some((s.id, s.stamp, payload(s.archived, s.lane, s.rank, s.title)?)));
    let _ = write(&path, checked.began, &meta, rows);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_round_trips() {
        let m = Meta {
            folder: Some(Stamp {
                mtime: 1,
                ctime: -2,
                size: 3,
                ino: 4,
            }),
            git_index: None,
            unreadable: vec!["abc".into(), "abd".into()],
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
}
