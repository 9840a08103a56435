//! The summary index's own sections as bytes: the meta (stamps, unreadable
//! files, each lane's blocks), the notes file beside it, and the blocks'
//! rows.

use super::*;

/// One block of a lane: how many cards, its first and last (rank, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Block {
    pub(super) rows: u32,
    pub(super) first: Key,
    pub(super) last: Key,
}

/// A lane's blocks, in board order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Lane {
    pub(super) name: String,
    pub(super) blocks: Vec<Block>,
}

/// What the index was last checked against, and where its lanes are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Meta {
    /// The cards folder's stamp, when its listing is the rows' ids and
    /// `unreadable`.
    pub(super) folder: Option<Stamp>,
    /// The stamp of git's index file the rows agree with.
    pub(super) git_index: Option<Stamp>,
    /// Card files that could not be read, sorted.
    pub(super) unreadable: Vec<String>,
    /// The lanes, sorted by name; their blocks follow the ids section in
    /// this order.
    pub(super) lanes: Vec<Lane>,
}

pub(super) fn put_stamp(out: &mut Vec<u8>, s: Option<&Stamp>) {
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
pub(super) fn put_text(out: &mut Vec<u8>, n: usize, s: &str) -> bool {
    let len = s.len() as u64;
    if n < 8 && len >> (8 * n) != 0 {
        return false;
    }
    out.extend_from_slice(&len.to_le_bytes()[..n]);
    out.extend_from_slice(s.as_bytes());
    true
}

impl Meta {
    pub(super) fn encode(&self) -> Vec<u8> {
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

    pub(super) fn parse(b: &[u8]) -> Option<Meta> {
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
pub(super) struct Notes {
    /// The index file they follow ([`Sealed::identity`]).
    pub(super) base: (i128, u64, u64),
    /// The cards folder's stamp after the last of them.
    pub(super) folder: Stamp,
    /// Card files to read again, whatever their rows say (sorted).
    pub(super) changed: Vec<String>,
    /// Card files gone (sorted).
    pub(super) gone: Vec<String>,
}

pub(super) const NOTES_KIND: &str = "summary-notes";
pub(super) const NOTES_VERSION: u32 = 1;

impl Notes {
    pub(super) fn encode(&self) -> Vec<u8> {
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

    pub(super) fn parse(b: &[u8]) -> Option<Notes> {
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
    pub(super) fn read(scratch: &Scratch, identity: (i128, u64, u64)) -> Option<Notes> {
        let f = Sealed::open(&scratch.file(SUMMARY_NOTES), NOTES_KIND, NOTES_VERSION)?;
        Notes::parse(&f.read(0)?).filter(|n| n.base == identity)
    }
}

pub(super) struct Cursor<'a> {
    pub(super) b: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }

    /// A count, bounded by what is left (a bad count must not allocate).
    pub(super) fn count(&mut self) -> Option<usize> {
        let n = u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize;
        (n <= self.b.len() - self.pos).then_some(n)
    }

    /// A length of `n` bytes.
    pub(super) fn len(&mut self, n: usize) -> Option<usize> {
        let mut len = [0u8; 8];
        len[..n].copy_from_slice(self.take(n)?);
        usize::try_from(u64::from_le_bytes(len)).ok()
    }

    /// Text after its length of `n` bytes.
    pub(super) fn text(&mut self, n: usize) -> Option<&'a str> {
        let len = self.len(n)?;
        std::str::from_utf8(self.take(len)?).ok()
    }

    pub(super) fn stamp(&mut self) -> Option<Option<Stamp>> {
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
pub(super) fn parse_block(b: &[u8]) -> Option<Vec<(bool, &str, &str, &str)>> {
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
pub(super) struct Opened {
    pub(super) sealed: Sealed,
    /// Changes noted since the file was written.
    pub(super) notes: Option<Notes>,
    pub(super) since: i128,
    pub(super) meta: Meta,
    pub(super) ids: Vec<u8>,
    pub(super) rows: Vec<IdRow>,
}

pub(super) fn open(path: &Path) -> Option<Opened> {
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
