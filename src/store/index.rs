//! A light view of the board for commands that change one card: each card's
//! id, lane, rank, archived flag and title, without parsing every file.
//! The summaries come from the summary index in `.git/lanes/`
//! ([`cache::summary`](super::cache::summary)), which costs what changed
//! since it was written, not the size of the board.

use super::cache::summary::{self, Entry};
use super::{card_path, parse_board, read_board_file, Problem, BOARD_FILE};
use crate::model::{BoardConfig, Card};
use anyhow::{bail, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What `move` and friends need to know about every card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub id: String,
    pub lane: String,
    pub rank: String,
    pub archived: bool,
    pub title: String,
}

/// The board's definition and a summary of every card. Summaries are kept
/// as they are in the cache file and made into [`Summary`] values only when
/// asked for (a 10,000-card board is tens of thousands of strings).
#[derive(Debug, Clone)]
pub struct Index {
    pub root: PathBuf,
    pub config: BoardConfig,
    /// The cache file's rows, then the fields of cards read now.
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
        let s = summary::load(root)?;
        Ok(Index {
            root: root.to_path_buf(),
            config,
            data: s.data,
            entries: s.entries,
            file_ids: s.file_ids,
            broken: s.broken,
        })
    }

    /// A field (empty if the cache held bytes that are not UTF-8).
    fn text(&self, r: &std::ops::Range<usize>) -> &str {
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

    /// A card's summary as the index has it (see [`Index::current`] for
    /// one read from its file).
    pub fn summary(&self, id: &str) -> Option<Summary> {
        self.entries
            .binary_search_by(|e| self.data[e.id.clone()].cmp(id.as_bytes()))
            .ok()
            .map(|i| self.summary_of(&self.entries[i]))
    }

    /// A card's summary read from its file now, whatever the index says:
    /// for a card a command names (the index may not have seen a file
    /// rewritten in place). `None` if it cannot be read.
    pub fn current(&self, id: &str) -> Option<Summary> {
        let card = self.read_card(id).ok()?;
        Some(Summary {
            id: card.id,
            lane: card.lane,
            rank: card.rank,
            archived: card.archived,
            title: card.title,
        })
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
        self.lane_cards_with(lane, None)
    }

    /// [`Index::lane_cards`], with `current` (a card just read from its
    /// file, see [`Index::current`]) where its file says it is, instead of
    /// where the index had it.
    pub fn lane_cards_with<'a>(
        &'a self,
        lane: &str,
        current: Option<&'a Summary>,
    ) -> Vec<Placed<'a>> {
        let mut v: Vec<Placed<'a>> = self
            .entries
            .iter()
            .filter(|e| &self.data[e.lane.clone()] == lane.as_bytes())
            .filter(|e| current.is_none_or(|c| &self.data[e.id.clone()] != c.id.as_bytes()))
            .map(|e| Placed {
                id: self.text(&e.id),
                rank: self.text(&e.rank),
            })
            .collect();
        if let Some(c) = current.filter(|c| c.lane == lane) {
            v.push(Placed {
                id: &c.id,
                rank: &c.rank,
            });
        }
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
