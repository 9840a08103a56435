//! A light view of the board for commands that change one card: each card's
//! id, lane, rank, archived flag, title and the links that may not form a
//! cycle (`depends_on`, `parent`), without parsing every file.
//!
//! The summaries are cached in `<git dir>/lanes/index-v2` (never committed)
//! and each entry is trusted only while its file's size, mtime, ctime and
//! inode are unchanged, so edits by hand, `git pull` or another clone are
//! always seen. As git does for its index, entries whose file changed less
//! than two seconds before the cache was written are re-read ("racily
//! clean" files).

use super::cache::{scratch_file, REWRITE_AFTER};
use super::scan::{now_ns, scan, Stamp};
use super::{card_path, parse_board, read_board_file, read_cards, Problem, BOARD_FILE};
use crate::model::{BoardConfig, Card};
use anyhow::{bail, Result};
use std::collections::HashMap;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The cache file: this magic line and the write time (i128), then per
/// card: id (u8 length), mtime and ctime (i128), size and inode (u64),
/// archived (u8), lane and rank (u16 length), title (u32 length), links
/// (u32 length: the `depends_on` ids separated by spaces, a tab, the
/// parent); numbers little-endian, text UTF-8. Binary, so reading it
/// parses no numbers.
const MAGIC: &[u8] = b"lanes-index 5\n";
const CACHE_FILE: &str = "index-v2";

/// What `move` and friends need to know about every card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub id: String,
    pub lane: String,
    pub rank: String,
    pub archived: bool,
    pub title: String,
}

/// One card's summary, as ranges into the index's data.
#[derive(Debug, Clone)]
struct Entry {
    id: Range<usize>,
    lane: Range<usize>,
    rank: Range<usize>,
    title: Range<usize>,
    /// `depends_on` ids separated by spaces, a tab, the parent.
    links: Range<usize>,
    archived: bool,
    stamp: Option<Stamp>,
}

/// A card's `depends_on` and `parent` as one field of the index.
fn links_text(card: &Card) -> String {
    let mut s = card.depends_on.join(" ");
    s.push('\t');
    s.push_str(card.parent.as_deref().unwrap_or(""));
    s
}

/// The board's definition and a summary of every card. Summaries are kept
/// as they are in the cache file and made into [`Summary`] values only when
/// asked for (a 10,000-card board is tens of thousands of strings).
#[derive(Debug, Clone)]
pub struct Index {
    pub root: PathBuf,
    pub config: BoardConfig,
    /// The cache file's bytes, then the fields of cards read now.
    data: Vec<u8>,
    /// Readable cards, sorted by id.
    entries: Vec<Entry>,
    /// Ids of all card files, sorted.
    pub file_ids: Vec<String>,
    /// Card files that cannot be read, by id.
    pub broken: HashMap<String, Problem>,
}

impl Index {
    pub fn load(root: &Path) -> Result<Index> {
        let config = parse_board(&read_board_file(root, BOARD_FILE)?)?;
        let cache_path = scratch_file(root, CACHE_FILE);
        let mut data = cache_path
            .as_deref()
            .and_then(|p| read_with_room(p).ok())
            .and_then(super::checksum::unseal)
            .unwrap_or_default();
        let cached = parse(&data);
        let missing = cached.is_none();
        let (written, lines) = cached.unwrap_or_default();
        let expected: Vec<&[u8]> = lines.iter().map(|l| &data[l.id.clone()]).collect();
        let files = scan(root, &expected)?.files;
        // Match the sorted directory listing with the id-sorted cache: a
        // line is kept where its file is as it was when cached.
        let mut keep = vec![false; lines.len()];
        let mut stale: Vec<(&String, Option<Stamp>)> = Vec::new();
        let mut l = 0;
        for (id, now) in &files {
            while l < lines.len() && &data[lines[l].id.clone()] < id.as_bytes() {
                l += 1;
            }
            let trusted = lines.get(l).is_some_and(|line| {
                &data[line.id.clone()] == id.as_bytes()
                    && line.stamp.is_some()
                    && line.stamp == *now
                    && line.stamp.is_some_and(|s| s.settled(written))
            });
            if trusted {
                keep[l] = true;
            } else {
                stale.push((id, *now));
            }
        }
        // Rewriting the cache costs more than re-reading a few cards, so a
        // handful of stale entries (the cards just changed) wait until more
        // pile up.
        // Entries changed in the last two seconds would not be trusted even in
        // a cache written now, so they do not count (a script updating cards
        // in a loop would otherwise rewrite the cache on every command).
        let now = now_ns();
        let settled = stale
            .iter()
            .filter(|(_, s)| s.is_some_and(|s| s.settled(now)))
            .count();
        let changed = settled > REWRITE_AFTER || missing && !files.is_empty();
        let ids: Vec<String> = stale.iter().map(|(id, _)| (*id).clone()).collect();
        let mut broken = HashMap::new();
        // The stale cards read now, in id order like the kept entries.
        let mut fresh = Vec::with_capacity(stale.len());
        for ((id, stamp), result) in stale.iter().zip(read_cards(root, &ids)) {
            match result {
                Ok(lc) if lc.card.id == **id => {
                    let c = &lc.card;
                    let mut field = |s: &str| {
                        let start = data.len();
                        data.extend_from_slice(s.as_bytes());
                        start..data.len()
                    };
                    fresh.push(Entry {
                        id: field(&c.id),
                        lane: field(&c.lane),
                        rank: field(&c.rank),
                        title: field(&c.title),
                        links: field(&links_text(c)),
                        archived: c.archived,
                        stamp: *stamp,
                    });
                }
                Ok(lc) => {
                    broken.insert(
                        (*id).clone(),
                        Problem::new(
                            &card_path(id),
                            1,
                            1,
                            format!("id {:?} does not match the file name", lc.card.id),
                        ),
                    );
                }
                Err(p) => {
                    broken.insert((*id).clone(), p);
                }
            }
        }
        // Both are in id order: merge them.
        let mut keep = keep.into_iter();
        let mut entries = lines;
        entries.retain(|_| keep.next().unwrap_or(false));
        if !fresh.is_empty() {
            let kept = std::mem::take(&mut entries);
            entries.reserve(kept.len() + fresh.len());
            let mut fresh = fresh.into_iter().peekable();
            for e in kept {
                while let Some(f) = fresh.next_if(|f| data[f.id.clone()] < data[e.id.clone()]) {
                    entries.push(f);
                }
                entries.push(e);
            }
            entries.extend(fresh);
        }
        let index = Index {
            root: root.to_path_buf(),
            config,
            data,
            entries,
            file_ids: files.into_iter().map(|(id, _)| id).collect(),
            broken,
        };
        if changed {
            if let Some(p) = cache_path {
                // A cache that cannot be written only costs speed.
                let _ = write_cache(&p, &index);
            }
        }
        Ok(index)
    }

    /// A field (empty if the cache held bytes that are not UTF-8).
    fn text(&self, r: &Range<usize>) -> &str {
        std::str::from_utf8(&self.data[r.clone()]).unwrap_or_default()
    }

    fn summary_of(&self, e: &Entry) -> Summary {
        Summary {
            id: self.text(&e.id).to_string(),
            lane: self.text(&e.lane).to_string(),
            rank: self.text(&e.rank).to_string(),
            archived: e.archived,
            title: self.text(&e.title).to_string(),
        }
    }

    /// Resolve an id or unique prefix to a full id.
    pub fn resolve_id(&self, query: &str) -> Result<String> {
        super::resolve_prefix(&self.file_ids, query, |id| {
            self.summary(id).map(|s| s.title)
        })
    }

    pub fn summary(&self, id: &str) -> Option<Summary> {
        self.entries
            .binary_search_by(|e| self.data[e.id.clone()].cmp(id.as_bytes()))
            .ok()
            .map(|i| self.summary_of(&self.entries[i]))
    }

    /// The cards `id` depends on and its parent, as stored (`None`: no
    /// readable card `id`).
    pub fn links(&self, id: &str) -> Option<(Vec<&str>, Option<&str>)> {
        let i = self
            .entries
            .binary_search_by(|e| self.data[e.id.clone()].cmp(id.as_bytes()))
            .ok()?;
        let text = self.text(&self.entries[i].links);
        let (deps, parent) = text.split_once('\t').unwrap_or((text, ""));
        Some((
            deps.split(' ').filter(|d| !d.is_empty()).collect(),
            Some(parent).filter(|p| !p.is_empty()),
        ))
    }

    /// Read one card in full, now.
    pub fn read_card(&self, id: &str) -> Result<Card> {
        let rel = card_path(id);
        let bytes = read_board_file(&self.root, &rel)?;
        let lc = super::parse_card(&rel, &bytes)?;
        if lc.card.id != id {
            bail!(
                "{rel}: the card's id {:?} does not match its file name",
                lc.card.id
            );
        }
        Ok(lc.card)
    }

    /// Cards in a lane, in order (rank, then id; archived included): just
    /// what placing a card needs.
    pub fn lane_cards(&self, lane: &str) -> Vec<Placed<'_>> {
        let mut v: Vec<Placed<'_>> = self
            .entries
            .iter()
            .filter(|e| &self.data[e.lane.clone()] == lane.as_bytes())
            .map(|e| Placed {
                id: self.text(&e.id),
                rank: self.text(&e.rank),
            })
            .collect();
        v.sort_by(|a, b| a.rank.cmp(b.rank).then_with(|| a.id.cmp(b.id)));
        v
    }
}

/// A card's place in its lane (see [`Index::lane_cards`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed<'a> {
    pub id: &'a str,
    pub rank: &'a str,
}

/// lanes' own folder in the git dir (`.git/lanes`), found without opening
/// the repository.
pub fn scratch_dir(root: &Path) -> Option<PathBuf> {
    scratch_file(root, CACHE_FILE).and_then(|p| p.parent().map(Path::to_path_buf))
}

/// The cache file's bytes, with room after them for the fields of the cards
/// read now (growing a megabyte buffer would copy it).
fn read_with_room(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut f = fs::File::open(path)?;
    let len = f.metadata()?.len() as usize;
    let mut data = Vec::with_capacity(len + 64 * 1024);
    std::io::Read::read_to_end(&mut f, &mut data)?;
    Ok(data)
}

/// Parse the cache into entries (ranges into it); `None` if it is not a
/// cache this version wrote.
fn parse(data: &[u8]) -> Option<(i128, Vec<Entry>)> {
    let mut pos = MAGIC.len();
    if !data.starts_with(MAGIC) {
        return None;
    }
    let take = |pos: &mut usize, n: usize| -> Option<Range<usize>> {
        let r = *pos..pos.checked_add(n)?;
        data.get(r.clone())?;
        *pos = r.end;
        Some(r)
    };
    // A little-endian number of `n` (at most 16) bytes.
    let int = |pos: &mut usize, n: usize| -> Option<u128> {
        let mut buf = [0u8; 16];
        buf[..n].copy_from_slice(&data[take(pos, n)?]);
        Some(u128::from_le_bytes(buf))
    };
    // Text is checked to be UTF-8 when it is used (`Index::text`).
    let text = |pos: &mut usize, len_bytes: usize| -> Option<Range<usize>> {
        let n = int(pos, len_bytes)? as usize;
        take(pos, n)
    };
    let written = int(&mut pos, 16)? as i128;
    // About a hundred bytes per card.
    let mut entries: Vec<Entry> = Vec::with_capacity(data.len() / 96);
    while pos < data.len() {
        let id = text(&mut pos, 1)?;
        let stamp = Stamp {
            mtime: int(&mut pos, 16)? as i128,
            ctime: int(&mut pos, 16)? as i128,
            size: int(&mut pos, 8)? as u64,
            ino: int(&mut pos, 8)? as u64,
        };
        let archived = int(&mut pos, 1)? == 1;
        let lane = text(&mut pos, 2)?;
        let rank = text(&mut pos, 2)?;
        let title = text(&mut pos, 4)?;
        let links = text(&mut pos, 4)?;
        if entries
            .last()
            .is_some_and(|l| data[l.id.clone()] >= data[id.clone()])
        {
            return None; // not sorted: not ours
        }
        entries.push(Entry {
            id,
            lane,
            rank,
            title,
            links,
            archived,
            stamp: Some(stamp),
        });
    }
    Some((written, entries))
}

/// Escape text for one tab-separated cache field.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// Undo [`escape`].
pub(crate) fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn write_cache(path: &Path, index: &Index) -> Result<()> {
    let d = &index.data;
    let mut out = Vec::with_capacity(d.len() + index.entries.len() * 64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&now_ns().to_le_bytes());
    for e in &index.entries {
        let Some(stamp) = e.stamp else { continue };
        let (id, lane, rank, title, links) = (
            &d[e.id.clone()],
            &d[e.lane.clone()],
            &d[e.rank.clone()],
            &d[e.title.clone()],
            &d[e.links.clone()],
        );
        let (Ok(id_len), Ok(lane_len), Ok(rank_len), Ok(title_len), Ok(links_len)) = (
            u8::try_from(id.len()),
            u16::try_from(lane.len()),
            u16::try_from(rank.len()),
            u32::try_from(title.len()),
            u32::try_from(links.len()),
        ) else {
            continue;
        };
        out.push(id_len);
        out.extend_from_slice(id);
        out.extend_from_slice(&stamp.mtime.to_le_bytes());
        out.extend_from_slice(&stamp.ctime.to_le_bytes());
        out.extend_from_slice(&stamp.size.to_le_bytes());
        out.extend_from_slice(&stamp.ino.to_le_bytes());
        out.push(u8::from(e.archived));
        out.extend_from_slice(&lane_len.to_le_bytes());
        out.extend_from_slice(lane);
        out.extend_from_slice(&rank_len.to_le_bytes());
        out.extend_from_slice(rank);
        out.extend_from_slice(&title_len.to_le_bytes());
        out.extend_from_slice(title);
        out.extend_from_slice(&links_len.to_le_bytes());
        out.extend_from_slice(links);
    }
    super::checksum::write_sealed(path, |w| w.write_all(&out))?;
    // The text cache of earlier versions is not read any more.
    let _ = fs::remove_file(path.with_file_name("index-v1"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips() {
        for s in ["plain", "tab\there", "new\nline", "back\\slash\\t", ""] {
            assert_eq!(unescape(&escape(s)), s);
        }
    }
}
