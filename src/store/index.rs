//! A light view of the board for commands that change one card: which
//! card files there are, each lane's cards in order, and the cards'
//! `depends_on` and `parent` links, without parsing every file. The summaries come from the summary index in `.git/lanes/`
//! ([`cache::summary`](super::cache::summary)), which costs what changed
//! since it was written, not the size of the board.

use super::cache::summary::{self, Summaries};
use super::{card_path, parse_board, read_board_file, Problem, BOARD_FILE};
use crate::model::{BoardConfig, Card};
use anyhow::{bail, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use super::cache::summary::{Linked, Neighbour};

/// What `move` and friends need to know about a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub id: String,
    pub lane: String,
    pub rank: String,
    pub archived: bool,
    pub title: String,
}

/// The board's definition and what the summary index knows of its cards.
#[derive(Debug, Clone)]
pub struct Index {
    pub root: PathBuf,
    pub config: BoardConfig,
    summaries: Summaries,
    /// Ids of all card files, sorted.
    pub file_ids: Vec<String>,
    /// Card files that cannot be read, by id (of those read now).
    pub broken: HashMap<String, Problem>,
}

impl Index {
    pub fn load(root: &Path) -> Result<Index> {
        let config = parse_board(&read_board_file(root, BOARD_FILE)?)?;
        let mut summaries = summary::load(root)?;
        let file_ids = std::mem::take(&mut summaries.file_ids);
        let broken = std::mem::take(&mut summaries.broken);
        Ok(Index {
            root: root.to_path_buf(),
            config,
            summaries,
            file_ids,
            broken,
        })
    }

    /// Resolve an id or unique prefix to a full id.
    pub fn resolve_id(&self, query: &str) -> Result<String> {
        super::resolve_prefix(&self.file_ids, query, |id| {
            self.summary(id).map(|s| s.title)
        })
    }

    /// A card's summary (read from its file unless it was read just now).
    pub fn summary(&self, id: &str) -> Option<Summary> {
        match self.summaries.fresh.get(id) {
            Some(r) => Some(Summary {
                id: r.id.clone(),
                lane: r.lane.clone(),
                rank: r.rank.clone(),
                archived: r.archived,
                title: r.title.clone(),
            }),
            None => self.current(id),
        }
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

    /// The cards `id` depends on and its parent (`None`: no readable card
    /// `id`), from the summary index: a card whose file changed since is
    /// read now. (A card file rewritten in place and not staged is seen
    /// at the next whole-board read, as for lanes; `lanes validate` checks
    /// every link.)
    pub fn links(&self, id: &str) -> Option<Linked> {
        if self.broken.contains_key(id)
            || self
                .file_ids
                .binary_search_by(|f| f.as_str().cmp(id))
                .is_err()
        {
            return None;
        }
        self.summaries
            .links(id)
            .or_else(|| self.read_card(id).ok().map(|c| Linked::of(&c)))
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

    /// The cards of `lane` in order (rank, then id; archived included),
    /// starting after the card at `from` (rank, id), or before it when
    /// `backwards`: what placing a card next to others needs, read a part
    /// of the lane at a time.
    pub fn lane_walk<'a>(
        &'a self,
        lane: &'a str,
        from: Option<(&'a str, &'a str)>,
        backwards: bool,
    ) -> impl Iterator<Item = Neighbour> + 'a {
        self.summaries.walk(lane, from, backwards)
    }

    /// Whether the cards folder is as this index was loaded: asked just
    /// before a command replaces a card file (see [`Index::note_written`]).
    pub fn folder_unchanged(&self) -> bool {
        self.summaries.folder_unchanged()
    }

    /// Tell the summary index that this command has just replaced card
    /// `id`'s file, the folder having been unchanged just before
    /// ([`Index::folder_unchanged`]): the next command reads that card
    /// instead of listing the whole folder.
    pub fn note_written(&self, id: &str) {
        self.summaries.note_written(id);
    }

    /// Every card of `lane`, in order (rank, then id; archived included).
    pub fn lane_cards(&self, lane: &str) -> Vec<Neighbour> {
        self.summaries.walk(lane, None, false).collect()
    }
}
