//! A light view of the board for commands that change one card: each card's
//! id, lane, rank, archived flag and title, without parsing every file.
//!
//! The summaries are cached in `<git dir>/lanes/index-v1` (never committed)
//! and each entry is trusted only while its file's size, mtime, ctime and
//! inode are unchanged, so edits by hand, `git pull` or another clone are
//! always seen. As git does for its index, entries whose file changed less
//! than two seconds before the cache was written are re-read ("racily
//! clean" files).

use super::cache::{now_ns, scan, scratch_file, write_scratch, Stamp, REWRITE_AFTER};
use super::{card_path, parse_board, read_board_file, read_cards, Problem, BOARD_FILE};
use crate::model::{BoardConfig, Card};
use anyhow::{bail, Result};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

const HEADER: &str = "lanes-index 2";

/// What `move` and friends need to know about every card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub id: String,
    pub lane: String,
    pub rank: String,
    pub archived: bool,
    pub title: String,
}

/// One card's summary, as escaped fields in the index's text.
#[derive(Debug, Clone)]
struct Entry {
    id: Range<usize>,
    lane: Range<usize>,
    rank: Range<usize>,
    title: Range<usize>,
    archived: bool,
    stamp: Option<Stamp>,
}

/// The board's definition and a summary of every card. Summaries are kept
/// as they are in the cache file and made into [`Summary`] values only when
/// asked for (a 10,000-card board is tens of thousands of strings).
#[derive(Debug, Clone)]
pub struct Index {
    pub root: PathBuf,
    pub config: BoardConfig,
    /// The cache file's text, then the escaped fields of cards read now.
    text: String,
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
        let files = scan(root)?.files;
        let cache_path = scratch_file(root, "index-v1");
        let mut text = cache_path
            .as_deref()
            .and_then(|p| fs::read_to_string(p).ok())
            .unwrap_or_default();
        let cached = parse(&text);
        let missing = cached.is_none();
        let (written, lines) = cached.unwrap_or_default();
        // Merge the sorted directory listing with the id-sorted cache.
        let mut entries = Vec::with_capacity(files.len());
        let mut stale = Vec::new();
        let mut it = lines.into_iter().peekable();
        for (id, now) in &files {
            while it.next_if(|l| &text[l.id.clone()] < id.as_str()).is_some() {}
            match it.peek() {
                Some(l)
                    if &text[l.id.clone()] == id.as_str()
                        && l.stamp.is_some()
                        && l.stamp == *now
                        && l.stamp.is_some_and(|s| s.settled(written)) =>
                {
                    entries.push(it.next().expect("peeked"));
                }
                _ => stale.push((id.clone(), *now)),
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
        let ids: Vec<String> = stale.iter().map(|(id, _)| id.clone()).collect();
        let mut broken = HashMap::new();
        for ((id, stamp), result) in stale.iter().zip(read_cards(root, &ids)) {
            match result {
                Ok(lc) if lc.card.id == *id => {
                    let c = &lc.card;
                    let mut field = |s: &str| {
                        let start = text.len();
                        text.push_str(&escape(s));
                        start..text.len()
                    };
                    entries.push(Entry {
                        id: field(&c.id),
                        lane: field(&c.lane),
                        rank: field(&c.rank),
                        title: field(&c.title),
                        archived: c.archived,
                        stamp: *stamp,
                    });
                }
                Ok(lc) => {
                    broken.insert(
                        id.clone(),
                        Problem::new(
                            &card_path(id),
                            1,
                            1,
                            format!("id {:?} does not match the file name", lc.card.id),
                        ),
                    );
                }
                Err(p) => {
                    broken.insert(id.clone(), p);
                }
            }
        }
        if !stale.is_empty() {
            entries.sort_unstable_by(|a, b| text[a.id.clone()].cmp(&text[b.id.clone()]));
        }
        let index = Index {
            root: root.to_path_buf(),
            config,
            text,
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

    fn field(&self, r: &Range<usize>) -> String {
        unescape(&self.text[r.clone()])
    }

    fn summary_of(&self, e: &Entry) -> Summary {
        Summary {
            id: self.text[e.id.clone()].to_string(),
            lane: self.field(&e.lane),
            rank: self.field(&e.rank),
            archived: e.archived,
            title: self.field(&e.title),
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
            .binary_search_by(|e| self.text[e.id.clone()].cmp(id))
            .ok()
            .map(|i| self.summary_of(&self.entries[i]))
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
        let escaped = escape(lane);
        let field = |r: &Range<usize>| -> Cow<'_, str> {
            let raw = &self.text[r.clone()];
            if raw.contains('\\') {
                Cow::Owned(unescape(raw))
            } else {
                Cow::Borrowed(raw)
            }
        };
        let mut v: Vec<Placed<'_>> = self
            .entries
            .iter()
            .filter(|e| self.text[e.lane.clone()] == *escaped)
            .map(|e| Placed {
                id: &self.text[e.id.clone()],
                rank: field(&e.rank),
            })
            .collect();
        v.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.id.cmp(b.id)));
        v
    }
}

/// A card's place in its lane (see [`Index::lane_cards`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed<'a> {
    pub id: &'a str,
    pub rank: Cow<'a, str>,
}

/// lanes' own folder in the git dir (`.git/lanes`), found without opening
/// the repository.
pub fn scratch_dir(root: &Path) -> Option<PathBuf> {
    scratch_file(root, "index-v1").and_then(|p| p.parent().map(Path::to_path_buf))
}

/// Parse the cache text into entries (ranges into it); `None` if it is
/// not a cache this version wrote.
fn parse(text: &str) -> Option<(i128, Vec<Entry>)> {
    let header = text.lines().next()?;
    let written = header.strip_prefix(HEADER)?.trim().parse().unwrap_or(0);
    let mut entries: Vec<Entry> = Vec::new();
    let mut pos = header.len() + 1;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let mut fields = [0..0, 0..0, 0..0, 0..0, 0..0, 0..0, 0..0, 0..0, 0..0];
        let mut start = pos;
        for (k, f) in fields.iter_mut().enumerate() {
            let stop = if k == 8 {
                end
            } else {
                start + text[start..end].find('\t')?
            };
            *f = start..stop;
            start = stop + 1;
        }
        if text[fields[8].clone()].contains('\t') {
            return None;
        }
        let num = |r: &Range<usize>| text[r.clone()].parse::<i128>().ok();
        let stamp = Stamp {
            mtime: num(&fields[1])?,
            ctime: num(&fields[2])?,
            size: u64::try_from(num(&fields[3])?).ok()?,
            ino: u64::try_from(num(&fields[4])?).ok()?,
        };
        if entries
            .last()
            .is_some_and(|l| text[l.id.clone()] >= text[fields[0].clone()])
        {
            return None; // not sorted: an old or foreign file
        }
        entries.push(Entry {
            id: fields[0].clone(),
            lane: fields[5].clone(),
            rank: fields[6].clone(),
            archived: &text[fields[7].clone()] == "1",
            title: fields[8].clone(),
            stamp: Some(stamp),
        });
        pos = end + 1;
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
    let t = &index.text;
    let mut out = String::with_capacity(t.len() + 64);
    out.push_str(&format!("{HEADER} {}\n", now_ns()));
    for e in &index.entries {
        let Some(stamp) = e.stamp else { continue };
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            &t[e.id.clone()],
            stamp.mtime,
            stamp.ctime,
            stamp.size,
            stamp.ino,
            &t[e.lane.clone()],
            &t[e.rank.clone()],
            if e.archived { "1" } else { "0" },
            &t[e.title.clone()]
        );
    }
    write_scratch(path, |w| w.write_all(out.as_bytes()))?;
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
