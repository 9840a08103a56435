//! The one stamp-checked table behind the card cache and the summary
//! index: rows keyed by card id, each holding the stamp of the file it was
//! made from and the cache's own bytes for it, and git's rule for when a
//! row may be believed, written once.
//!
//! As git does with its index, a row is trusted only while its file's
//! size, mtime, ctime and inode are what they were, and rows whose file
//! changed less than [`RACY_NS`] before the time the cache's knowledge
//! dates from ("racily clean": a change in the same clock tick would not
//! show in the stamp) are checked again every time. That time is taken
//! before the files are looked at, so a change made while a cache is being
//! built is never taken for settled.
//!
//! Row layout: id (u8 length, bytes), mtime and ctime (i128), size and
//! inode (u64), payload (u32 length, bytes); little-endian, sorted by id.

use crate::model::Card;
use crate::store::{card_path, read_board_file, yaml, Problem};
use std::io::{self, Write};
use std::ops::Range;
use std::path::Path;

/// Rows changed this close to the cache's time are checked again.
pub const RACY_NS: i128 = 2_000_000_000;

/// Rewriting a cache costs more than re-reading a few changed cards, so
/// it waits until more than this many rows are out of date.
pub const REWRITE_AFTER: usize = 16;

/// What identifies a version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stamp {
    pub mtime: i128,
    pub ctime: i128,
    pub size: u64,
    pub ino: u64,
}

impl Stamp {
    /// Whether a cache whose knowledge dates from `since` may trust this
    /// stamp: the file had settled before then.
    pub fn settled(&self, since: i128) -> bool {
        self.mtime < since - RACY_NS && self.ctime < since - RACY_NS
    }

    /// Whether `cached`, in a cache dating from `since`, vouches for a file
    /// whose stamp is now `now` (`None`: not a regular file, or gone).
    pub fn trusts(cached: &Stamp, now: Option<&Stamp>, since: i128) -> bool {
        now == Some(cached) && cached.settled(since)
    }
}

/// The time now, in nanoseconds since the epoch.
pub fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// Whether a cache should be written again: it is missing (and there is
/// something to keep), or more rows than [`REWRITE_AFTER`] were read again
/// that a cache written now would trust.
pub fn worth_rewriting(missing: bool, settled_rereads: usize) -> bool {
    settled_rereads > REWRITE_AFTER || missing && settled_rereads > 0
}

/// One row, as ranges into the table's bytes.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: Range<usize>,
    pub stamp: Stamp,
    pub payload: Range<usize>,
}

/// Write one row, its payload in `parts` (rows must come sorted by id).
/// `false` (nothing written) when a length does not fit the layout.
pub fn put_row(out: &mut dyn Write, id: &str, stamp: &Stamp, parts: &[&[u8]]) -> io::Result<bool> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let (Ok(id_len), Ok(payload_len)) = (u8::try_from(id.len()), u32::try_from(len)) else {
        return Ok(false);
    };
    out.write_all(&[id_len])?;
    out.write_all(id.as_bytes())?;
    out.write_all(&stamp.mtime.to_le_bytes())?;
    out.write_all(&stamp.ctime.to_le_bytes())?;
    out.write_all(&stamp.size.to_le_bytes())?;
    out.write_all(&stamp.ino.to_le_bytes())?;
    out.write_all(&payload_len.to_le_bytes())?;
    for p in parts {
        out.write_all(p)?;
    }
    Ok(true)
}

/// Parse the rows in `bytes[range]`; `None` if they are not well formed
/// or not sorted by id.
pub fn parse(bytes: &[u8], range: Range<usize>) -> Option<Vec<Row>> {
    let end = range.end;
    let mut pos = range.start;
    let take = |pos: &mut usize, n: usize| -> Option<Range<usize>> {
        let r = *pos..pos.checked_add(n)?;
        if r.end > end {
            return None;
        }
        *pos = r.end;
        Some(r)
    };
    let int = |r: Range<usize>| -> u128 {
        let mut buf = [0u8; 16];
        buf[..r.len()].copy_from_slice(&bytes[r]);
        u128::from_le_bytes(buf)
    };
    // About a hundred bytes per row in the summary index.
    let mut rows: Vec<Row> = Vec::with_capacity((end - range.start) / 96);
    while pos < end {
        let id_len = int(take(&mut pos, 1)?) as usize;
        let id = take(&mut pos, id_len)?;
        let stamp = Stamp {
            mtime: int(take(&mut pos, 16)?) as i128,
            ctime: int(take(&mut pos, 16)?) as i128,
            size: int(take(&mut pos, 8)?) as u64,
            ino: int(take(&mut pos, 8)?) as u64,
        };
        let payload_len = int(take(&mut pos, 4)?) as usize;
        let payload = take(&mut pos, payload_len)?;
        std::str::from_utf8(&bytes[id.clone()]).ok()?;
        if rows
            .last()
            .is_some_and(|l| bytes[l.id.clone()] >= bytes[id.clone()])
        {
            return None;
        }
        rows.push(Row { id, stamp, payload });
    }
    Some(rows)
}

/// For each of `ids` (sorted), the row of `rows` (sorted) with the same
/// id, if any: one merge of two sorted lists.
pub fn match_rows<'a, S: AsRef<[u8]> + 'a>(
    bytes: &[u8],
    rows: &[Row],
    ids: impl IntoIterator<Item = &'a S>,
) -> Vec<Option<usize>> {
    let mut r = 0;
    ids.into_iter()
        .map(|id| {
            let id = id.as_ref();
            while r < rows.len() && &bytes[rows[r].id.clone()] < id {
                r += 1;
            }
            (r < rows.len() && &bytes[rows[r].id.clone()] == id).then_some(r)
        })
        .collect()
}

/// A card read from `id`'s file must carry that id: the one rule for
/// every cache and every reader. `file_ids` are the ids of all card files,
/// sorted (to say whose id a copied card carries).
pub fn checked_id(root: &Path, file_ids: &[String], id: &str, card: Card) -> Result<Card, Problem> {
    if card.id == id {
        return Ok(card);
    }
    Err(id_problem(root, file_ids, id, &card.id))
}

/// What is wrong with the card in `id`'s file carrying the id `carried`.
pub fn id_problem(root: &Path, file_ids: &[String], id: &str, carried: &str) -> Problem {
    let rel = card_path(id);
    let bytes = read_board_file(root, &rel).unwrap_or_default();
    let (line, column) = yaml::locate(&String::from_utf8_lossy(&bytes), "id");
    let msg = if file_ids
        .binary_search_by(|f| f.as_str().cmp(carried))
        .is_ok()
    {
        format!(
            "duplicate id {carried:?}: that id belongs to {}; give this card the id {id:?} of its file name",
            card_path(carried)
        )
    } else {
        format!("id {carried:?} does not match the file name; set it to {id:?}")
    };
    Problem::new(&rel, line, column, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(t: i128) -> Stamp {
        Stamp {
            mtime: t,
            ctime: t,
            size: 10,
            ino: 7,
        }
    }

    #[test]
    fn rows_round_trip_and_must_be_sorted() {
        let mut out = b"before".to_vec();
        for (id, t, p) in [
            ("a1", 1, &b"x"[..]),
            ("b22", 2, b""),
            ("c333", 3, b"payload"),
        ] {
            assert!(put_row(&mut out, id, &stamp(t), &[p]).unwrap());
        }
        let rows = parse(&out, 6..out.len()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(&out[rows[2].id.clone()], b"c333");
        assert_eq!(&out[rows[2].payload.clone()], b"payload");
        assert_eq!(rows[1].stamp, stamp(2));
        assert!(parse(&out, 6..out.len() - 1).is_none(), "cut short");
        let mut unsorted = Vec::new();
        put_row(&mut unsorted, "b", &stamp(1), &[]).unwrap();
        put_row(&mut unsorted, "a", &stamp(1), &[]).unwrap();
        assert!(parse(&unsorted, 0..unsorted.len()).is_none());
        let ids = ["a0", "a1", "c333", "d"];
        assert_eq!(
            match_rows(&out, &rows, &ids),
            vec![None, Some(0), Some(2), None]
        );
    }

    #[test]
    fn racily_clean_rows_are_not_trusted() {
        let since = 100 * RACY_NS;
        let old = stamp(since - RACY_NS - 1);
        assert!(Stamp::trusts(&old, Some(&old), since));
        let recent = stamp(since - RACY_NS + 1);
        assert!(!Stamp::trusts(&recent, Some(&recent), since));
        let changed = Stamp { size: 11, ..old };
        assert!(!Stamp::trusts(&old, Some(&changed), since));
        assert!(!Stamp::trusts(&old, None, since));
        assert!(worth_rewriting(true, 1) && !worth_rewriting(true, 0));
        assert!(
            worth_rewriting(false, REWRITE_AFTER + 1) && !worth_rewriting(false, REWRITE_AFTER)
        );
    }
}
