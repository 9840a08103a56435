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
use std::collections::HashMap;
use std::fs;
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

impl Summary {
    fn of(card: &Card) -> Summary {
        Summary {
            id: card.id.clone(),
            lane: card.lane.clone(),
            rank: card.rank.clone(),
            archived: card.archived,
            title: card.title.clone(),
        }
    }
}

/// The board's definition and a summary of every card.
#[derive(Debug, Clone)]
pub struct Index {
    pub root: PathBuf,
    pub config: BoardConfig,
    /// Readable cards, sorted by id.
    pub cards: Vec<Summary>,
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
        let cache_text = cache_path
            .as_deref()
            .and_then(|p| fs::read_to_string(p).ok())
            .unwrap_or_default();
        let cached = Cached::parse(&cache_text);
        // Merge the sorted directory listing with the id-sorted cache.
        let mut cards = Vec::with_capacity(files.len());
        let mut stale = Vec::new();
        let mut lines = cached.lines.iter().peekable();
        for (id, now) in &files {
            while lines.next_if(|l| l.id < id.as_str()).is_some() {}
            match lines.peek() {
                Some(l)
                    if l.id == id && Some(l.stamp) == *now && l.stamp.settled(cached.written) =>
                {
                    cards.push(l.summary());
                    lines.next();
                }
                _ => stale.push(id.clone()),
            }
        }
        // Rewriting the cache costs more than re-reading a few cards, so a
        // handful of stale entries (the cards just changed) wait until more
        // pile up.
        let changed = stale.len() > REWRITE_AFTER || cached.lines.is_empty() && !files.is_empty();
        let mut broken = HashMap::new();
        for (id, result) in stale.iter().zip(read_cards(root, &stale)) {
            match result {
                Ok(lc) if lc.card.id == *id => cards.push(Summary::of(&lc.card)),
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
            cards.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        }
        let file_ids = files.iter().map(|(id, _)| id.clone()).collect();
        let index = Index {
            root: root.to_path_buf(),
            config,
            cards,
            file_ids,
            broken,
        };
        if changed {
            if let Some(p) = cache_path {
                // A cache that cannot be written only costs speed.
                let _ = write_cache(&p, &index, &files);
            }
        }
        Ok(index)
    }

    /// Resolve an id or unique prefix to a full id.
    pub fn resolve_id(&self, query: &str) -> Result<String> {
        super::resolve_prefix(&self.file_ids, query, |id| {
            self.summary(id).map(|s| s.title.clone())
        })
    }

    pub fn summary(&self, id: &str) -> Option<&Summary> {
        self.cards
            .binary_search_by(|c| c.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.cards[i])
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

    /// Cards in a lane, in order (rank, then id; archived included).
    pub fn lane_cards(&self, lane: &str) -> Vec<&Summary> {
        let mut v: Vec<&Summary> = self.cards.iter().filter(|c| c.lane == lane).collect();
        v.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.id.cmp(&b.id)));
        v
    }
}

/// lanes' own folder in the git dir (`.git/lanes`), found without opening
/// the repository.
pub fn scratch_dir(root: &Path) -> Option<PathBuf> {
    scratch_file(root, "index-v1").and_then(|p| p.parent().map(Path::to_path_buf))
}

/// One cache line, borrowed from the cache text.
struct Line<'a> {
    id: &'a str,
    stamp: Stamp,
    fields: [&'a str; 4],
}

impl Line<'_> {
    fn summary(&self) -> Summary {
        Summary {
            id: self.id.to_string(),
            lane: unescape(self.fields[0]),
            rank: unescape(self.fields[1]),
            archived: self.fields[2] == "1",
            title: unescape(self.fields[3]),
        }
    }
}

#[derive(Default)]
struct Cached<'a> {
    written: i128,
    /// Sorted by id.
    lines: Vec<Line<'a>>,
}

impl<'a> Cached<'a> {
    /// Parse the cache; anything unexpected means no cache.
    fn parse(text: &'a str) -> Cached<'a> {
        let mut it = text.lines();
        let written = match it.next().and_then(|h| h.strip_prefix(HEADER)) {
            Some(rest) => rest.trim().parse().unwrap_or(0),
            None => return Cached::default(),
        };
        let mut lines = Vec::new();
        for line in it {
            let mut f = line.split('\t');
            let (
                Some(id),
                Some(m),
                Some(c),
                Some(sz),
                Some(ino),
                Some(lane),
                Some(rank),
                Some(arch),
                Some(title),
                None,
            ) = (
                f.next(),
                f.next(),
                f.next(),
                f.next(),
                f.next(),
                f.next(),
                f.next(),
                f.next(),
                f.next(),
                f.next(),
            )
            else {
                return Cached::default();
            };
            let (Ok(mtime), Ok(ctime), Ok(size), Ok(ino)) =
                (m.parse(), c.parse(), sz.parse(), ino.parse())
            else {
                return Cached::default();
            };
            if lines.last().is_some_and(|l: &Line| l.id >= id) {
                // Not sorted: an old or foreign file.
                return Cached::default();
            }
            lines.push(Line {
                id,
                stamp: Stamp {
                    mtime,
                    ctime,
                    size,
                    ino,
                },
                fields: [lane, rank, arch, title],
            });
        }
        Cached { written, lines }
    }
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

fn write_cache(path: &Path, index: &Index, stamps: &[(String, Option<Stamp>)]) -> Result<()> {
    let mut out = String::with_capacity(index.cards.len() * 96);
    out.push_str(&format!("{HEADER} {}\n", now_ns()));
    // Both lists are sorted by id.
    let mut st = stamps.iter().peekable();
    for s in &index.cards {
        while st.next_if(|(id, _)| id.as_str() < s.id.as_str()).is_some() {}
        let Some((_, Some(stamp))) = st.peek().filter(|(id, _)| *id == s.id) else {
            continue;
        };
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            s.id,
            stamp.mtime,
            stamp.ctime,
            stamp.size,
            stamp.ino,
            escape(&s.lane),
            escape(&s.rank),
            if s.archived { "1" } else { "0" },
            escape(&s.title)
        ));
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
