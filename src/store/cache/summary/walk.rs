//! Walking a lane in board order: the index file's blocks a block at a
//! time, merged with the cards read since.

use super::*;

/// Two runs in walking order, merged.
pub(super) struct Merge<A: Iterator<Item = Key>, B: Iterator<Item = Key>> {
    pub(super) a: std::iter::Peekable<A>,
    pub(super) b: std::iter::Peekable<B>,
    pub(super) backwards: bool,
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
pub(super) struct BlockWalk<'a> {
    pub(super) summaries: &'a Summaries,
    pub(super) sealed: &'a Sealed,
    pub(super) stale: &'a BTreeSet<String>,
    pub(super) lane: &'a str,
    pub(super) from: Option<(&'a str, &'a str)>,
    pub(super) backwards: bool,
    /// The lane's blocks: (section, block), and the next to read.
    pub(super) blocks: Vec<(usize, &'a Block)>,
    pub(super) next_block: usize,
    /// The keys of the block being walked, in walking order.
    pub(super) keys: std::vec::IntoIter<Key>,
    /// Set when a block turned out damaged: the lane read from the files.
    pub(super) damaged: bool,
}

impl<'a> BlockWalk<'a> {
    pub(super) fn new(
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
    pub(super) fn advance(&mut self) -> bool {
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
