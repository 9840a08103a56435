//! A light view of the board for commands that change one card: each card's
//! id, lane, rank, archived flag and title, without parsing every file.
//!
//! The summaries are cached in `<git dir>/lanes/index-v1` (never committed)
//! and each entry is trusted only while its file's size, mtime, ctime and
//! inode are unchanged, so edits by hand, `git pull` or another clone are
//! always seen. As git does for its index, entries whose file changed less
//! than two seconds before the cache was written are re-read ("racily
//! clean" files).

use super::{
    card_path, list_card_ids, parse_board, read_board_file, read_cards, Problem, BOARD_FILE,
};
use crate::model::{BoardConfig, Card};
use anyhow::{bail, Result};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

const HEADER: &str = "lanes-index 1";
/// Entries modified this close to the cache write are re-read next time.
const RACY_NS: i128 = 2_000_000_000;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    mtime: i128,
    ctime: i128,
    size: u64,
    ino: u64,
}

fn stamp(meta: &fs::Metadata) -> Stamp {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            mtime: meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128,
            ctime: meta.ctime() as i128 * 1_000_000_000 + meta.ctime_nsec() as i128,
            size: meta.size(),
            ino: meta.ino(),
        }
    }
    #[cfg(not(unix))]
    {
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        Stamp {
            mtime,
            ctime: mtime,
            size: meta.len(),
            ino: 0,
        }
    }
}

/// The board's definition and a summary of every card.
#[derive(Debug, Clone)]
pub struct Index {
    pub root: PathBuf,
    pub config: BoardConfig,
    /// Readable cards, in lane order, then rank, then id.
    pub cards: Vec<Summary>,
    /// Ids of all card files, sorted.
    pub file_ids: Vec<String>,
    /// Card files that cannot be read, by id.
    pub broken: HashMap<String, Problem>,
}

impl Index {
    pub fn load(root: &Path) -> Result<Index> {
        let config = parse_board(&read_board_file(root, BOARD_FILE)?)?;
        let (file_ids, _) = list_card_ids(root)?;
        let cache_path = cache_path(root);
        let cached = cache_path.as_deref().map(read_cache).unwrap_or_default();
        let dir = root.join(super::CARDS_DIR);
        let mut stamps: HashMap<String, Stamp> = HashMap::with_capacity(file_ids.len());
        if let Ok(entries) = fs::read_dir(&dir) {
            for e in entries.flatten() {
                let name = e.file_name();
                let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".yaml")) else {
                    continue;
                };
                if let Ok(meta) = e.metadata() {
                    if meta.is_file() {
                        stamps.insert(id.to_string(), stamp(&meta));
                    }
                }
            }
        }
        let mut cards = Vec::with_capacity(file_ids.len());
        let mut stale = Vec::new();
        for id in &file_ids {
            match (cached.entries.get(id), stamps.get(id)) {
                (Some((st, summary)), Some(now))
                    if st == now && now.mtime < cached.written - RACY_NS =>
                {
                    cards.push(summary.clone())
                }
                _ => stale.push(id.clone()),
            }
        }
        let mut broken = HashMap::new();
        let fresh = read_cards(root, &stale);
        let changed = !stale.is_empty() || cached.entries.len() != cards.len();
        for (id, result) in stale.iter().zip(fresh) {
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
        let mut index = Index {
            root: root.to_path_buf(),
            config,
            cards,
            file_ids,
            broken,
        };
        index.sort();
        if changed {
            if let Some(p) = cache_path {
                // A cache that cannot be written only costs speed.
                let _ = write_cache(&p, &index, &stamps);
            }
        }
        Ok(index)
    }

    fn sort(&mut self) {
        let config = &self.config;
        let pos = |lane: &str| config.lane_index(lane).unwrap_or(usize::MAX);
        self.cards.sort_by(|a, b| {
            pos(&a.lane)
                .cmp(&pos(&b.lane))
                .then_with(|| a.lane.cmp(&b.lane))
                .then_with(|| a.rank.cmp(&b.rank))
                .then_with(|| a.id.cmp(&b.id))
        });
    }

    /// Resolve an id or unique prefix to a full id.
    pub fn resolve_id(&self, query: &str) -> Result<String> {
        super::resolve_prefix(&self.file_ids, query, |id| {
            self.summary(id).map(|s| s.title.clone())
        })
    }

    pub fn summary(&self, id: &str) -> Option<&Summary> {
        self.cards.iter().find(|c| c.id == id)
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

    /// Cards in a lane, in order (archived included).
    pub fn lane_cards<'a>(&'a self, lane: &'a str) -> impl Iterator<Item = &'a Summary> + 'a {
        self.cards.iter().filter(move |c| c.lane == lane)
    }
}

/// lanes' own folder in the git dir (`.git/lanes`), found without opening
/// the repository.
pub fn scratch_dir(root: &Path) -> Option<PathBuf> {
    cache_path(root).and_then(|p| p.parent().map(Path::to_path_buf))
}

fn cache_path(root: &Path) -> Option<PathBuf> {
    // Find the git dir without opening the repository: `.git` is a folder,
    // or a file saying `gitdir: <path>` (worktrees, submodules).
    let mut dir = Some(root);
    while let Some(d) = dir {
        let dot = d.join(".git");
        if dot.is_dir() {
            return Some(dot.join("lanes").join("index-v1"));
        }
        if dot.is_file() {
            let text = fs::read_to_string(&dot).ok()?;
            let target = text.strip_prefix("gitdir:")?.trim();
            return Some(d.join(target).join("lanes").join("index-v1"));
        }
        dir = d.parent();
    }
    None
}

#[derive(Default)]
struct Cached {
    written: i128,
    entries: HashMap<String, (Stamp, Summary)>,
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

fn read_cache(path: &Path) -> Cached {
    let Ok(text) = fs::read_to_string(path) else {
        return Cached::default();
    };
    let mut lines = text.lines();
    let written = match lines.next().and_then(|h| h.strip_prefix(HEADER)) {
        Some(rest) => rest.trim().parse().unwrap_or(0),
        None => return Cached::default(),
    };
    let mut entries = HashMap::new();
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 9 {
            return Cached::default();
        }
        let (Ok(mtime), Ok(ctime), Ok(size), Ok(ino)) =
            (f[1].parse(), f[2].parse(), f[3].parse(), f[4].parse())
        else {
            return Cached::default();
        };
        let summary = Summary {
            id: f[0].to_string(),
            lane: unescape(f[5]),
            rank: unescape(f[6]),
            archived: f[7] == "1",
            title: unescape(f[8]),
        };
        entries.insert(
            summary.id.clone(),
            (
                Stamp {
                    mtime,
                    ctime,
                    size,
                    ino,
                },
                summary,
            ),
        );
    }
    Cached { written, entries }
}

fn write_cache(path: &Path, index: &Index, stamps: &HashMap<String, Stamp>) -> Result<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128);
    let mut out = String::with_capacity(index.cards.len() * 64);
    out.push_str(&format!("{HEADER} {now}\n"));
    for s in &index.cards {
        let Some(st) = stamps.get(&s.id) else {
            continue;
        };
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            s.id,
            st.mtime,
            st.ctime,
            st.size,
            st.ino,
            escape(&s.lane),
            escape(&s.rank),
            if s.archived { "1" } else { "0" },
            escape(&s.title)
        ));
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&tmp, out)?;
    fs::rename(&tmp, path)?;
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
