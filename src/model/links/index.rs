//! The board screen's links: what the graph derived, kept with the ids
//! once the cards are gone ([`Index`]), the badge a card's flags give
//! ([`Mark`]), and a card's neighbourhood, side by side ([`Section`]).

use super::graph::Ix;
use super::{BoardConfig, Derived, Flag, Graph, Kind, Node};

impl Graph<'_> {
    /// Keep what was derived, with the ids, once the cards it was made
    /// from are gone: the board screen's [`Index`].
    pub fn into_index(self) -> Index {
        Index {
            ids: self.nodes.iter().map(|x| x.id.to_string()).collect(),
            derived: self.derived,
        }
    }
}

/// The whole board's links as the board screen keeps them: made once
/// each time the board is read (or a card's links, done state or
/// verdict change), never while drawing. Everything [`Derived`] says,
/// with the ids; how many cards a card waits on and the first thing its
/// flags say ([`Mark`]), for the cards' badges, are worked out from it
/// for the cards drawn only (a first screen shows a hundred of the
/// board's thousands).
#[derive(Debug, Clone, Default)]
pub struct Index {
    ids: Vec<String>,
    derived: Derived,
}

impl std::ops::Deref for Index {
    type Target = Derived;

    fn deref(&self) -> &Derived {
        &self.derived
    }
}

impl Index {
    /// The index of these cards (any order) on `config`'s board.
    pub fn new(config: &BoardConfig, nodes: Vec<Node<'_>>) -> Index {
        Graph::new(config, nodes).into_index()
    }

    /// The index of the card with this id.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.ids.binary_search_by(|x| x.as_str().cmp(id)).ok()
    }

    pub fn id(&self, i: usize) -> &str {
        &self.ids[i]
    }

    /// How many cards it waits on now: those it depends on that are not
    /// done (0 when it is done itself).
    pub fn waiting(&self, i: usize) -> usize {
        let d = &self.derived;
        match d.is_done(i) {
            true => 0,
            false => d.deps[i]
                .iter()
                .filter(|&&j| !d.is_done(j as usize))
                .count(),
        }
    }

    /// The card with this id: waiting on how many, and its mark.
    pub fn badge(&self, id: &str) -> (usize, Option<Mark>) {
        self.index(id)
            .map_or((0, None), |i| (self.waiting(i), self.mark(i)))
    }

    /// What `i` is linked to, side by side: what it depends on and what
    /// depends on it, transitively (depth first, a card met again in a
    /// side marked `repeated` and not followed), the cards it is part of
    /// (up to the top) and its parts (down to the last), and the cards it
    /// supersedes, is superseded by and relates to. At most `limit` cards
    /// a side; the rest are counted.
    pub fn neighbourhood(&self, i: usize, limit: usize) -> Vec<Section> {
        let mut out = Vec::new();
        for side in Side::ALL {
            let (cards, more) = match side {
                Side::DependsOn => self.tree(i, limit, &|c| self.deps[c].to_vec(), &|via, c| {
                    (via, Kind::DependsOn, c)
                }),
                Side::Blocks => self.tree(i, limit, &|c| self.blocks[c].to_vec(), &|via, c| {
                    (c, Kind::DependsOn, via)
                }),
                Side::PartOf => self.tree(
                    i,
                    limit,
                    &|c| self.parent[c].into_iter().collect(),
                    &|via, c| (via, Kind::Parent, c),
                ),
                Side::Parts => self.tree(i, limit, &|c| self.children[c].to_vec(), &|via, c| {
                    (c, Kind::Parent, via)
                }),
                Side::Supersedes => {
                    self.near(i, limit, self.supersedes(i), &|c| (i, Kind::Supersedes, c))
                }
                Side::SupersededBy => self.near(i, limit, self.superseded_by(i), &|c| {
                    (c, Kind::Supersedes, i)
                }),
                Side::Relates => {
                    let mine: Vec<usize> = self.relates(i).collect();
                    let theirs = self.related_by(i).filter(|c| !mine.contains(c));
                    let all: Vec<usize> = mine.iter().copied().chain(theirs).collect();
                    self.near(i, limit, all.into_iter(), &|c| {
                        if mine.contains(&c) {
                            (i, Kind::Relates, c)
                        } else {
                            (c, Kind::Relates, i)
                        }
                    })
                }
            };
            if !cards.is_empty() || more > 0 {
                out.push(Section { side, cards, more });
            }
        }
        out
    }

    /// One side, followed all the way.
    fn tree(
        &self,
        root: usize,
        limit: usize,
        next: &dyn Fn(usize) -> Vec<Ix>,
        link: &dyn Fn(usize, usize) -> (usize, Kind, usize),
    ) -> (Vec<Near>, usize) {
        let mut seen = vec![false; self.len()];
        seen[root] = true;
        let mut out = Vec::new();
        let mut more = 0;
        let mut stack: Vec<(usize, usize, usize)> = next(root)
            .into_iter()
            .rev()
            .map(|j| (j as usize, 1, root))
            .collect();
        while let Some((card, depth, via)) = stack.pop() {
            let repeated = seen[card];
            if out.len() < limit {
                out.push(Near {
                    card,
                    depth,
                    via,
                    repeated,
                    link: link(via, card),
                });
            } else {
                more += 1;
            }
            if repeated {
                continue;
            }
            seen[card] = true;
            for j in next(card).into_iter().rev() {
                stack.push((j as usize, depth + 1, card));
            }
        }
        (out, more)
    }

    /// One side, its cards linked to `root` itself.
    fn near(
        &self,
        root: usize,
        limit: usize,
        cards: impl Iterator<Item = usize>,
        link: &dyn Fn(usize) -> (usize, Kind, usize),
    ) -> (Vec<Near>, usize) {
        let all: Vec<usize> = cards.collect();
        let more = all.len().saturating_sub(limit);
        let out = all
            .into_iter()
            .take(limit)
            .map(|card| Near {
                card,
                depth: 1,
                via: root,
                repeated: false,
                link: link(card),
            })
            .collect();
        (out, more)
    }
}

/// The first thing a card's flags say ([`Flag`]), for a badge; the most
/// pressing first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mark {
    /// In a `depends_on` cycle.
    Cycle,
    /// Waits on something that can no longer finish.
    DeadBlocked,
    /// Rests on a refuted hypothesis.
    PremiseRefuted,
    /// Depends on a superseded card.
    DependsOnSuperseded,
    /// Depends on a card archived before it was done.
    DependsOnArchived,
}

impl Mark {
    pub fn of(flag: &Flag) -> Mark {
        match flag {
            Flag::InCycle { .. } => Mark::Cycle,
            Flag::DeadBlocked { .. } => Mark::DeadBlocked,
            Flag::PremiseRefuted { .. } => Mark::PremiseRefuted,
            Flag::DependsOnSuperseded { .. } => Mark::DependsOnSuperseded,
            Flag::DependsOnArchived { .. } => Mark::DependsOnArchived,
        }
    }
}

/// Which way the cards of a [`Section`] are linked to the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    DependsOn,
    Blocks,
    PartOf,
    Parts,
    Supersedes,
    SupersededBy,
    Relates,
}

impl Side {
    pub const ALL: [Side; 7] = [
        Side::DependsOn,
        Side::Blocks,
        Side::PartOf,
        Side::Parts,
        Side::Supersedes,
        Side::SupersededBy,
        Side::Relates,
    ];

    /// As a heading: what the card does to the cards below it.
    pub fn title(self) -> &'static str {
        match self {
            Side::DependsOn => "depends on",
            Side::Blocks => "blocks",
            Side::PartOf => "is part of",
            Side::Parts => "has parts",
            Side::Supersedes => "supersedes",
            Side::SupersededBy => "is superseded by",
            Side::Relates => "relates to",
        }
    }
}

/// The cards linked to a card one way ([`Index::neighbourhood`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub side: Side,
    pub cards: Vec<Near>,
    /// Cards past the limit, not listed.
    pub more: usize,
}

/// A card in a neighbourhood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Near {
    pub card: usize,
    /// 1: linked to the card itself; 2: to a card at depth 1; ...
    pub depth: usize,
    /// The card one level up the tree it is linked to.
    pub via: usize,
    /// Shown earlier in its side: its own links are not repeated.
    pub repeated: bool,
    /// The link between it and `via` as stored: the card that stores it,
    /// the kind, the card it names (what `lanes unlink` takes).
    pub link: (usize, Kind, usize),
}
