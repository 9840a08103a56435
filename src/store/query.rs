//! Which cards a listing shows: the filters `lanes list`, `lanes ready`
//! and the MCP `list` tool share (lane, label, assignee, archived, blocked,
//! ready, unclaimed), applied to the card heads and the link graph, in
//! board order, and `--where FIELD=VALUE` terms, applied to the whole
//! cards of the heads the other filters keep (decoded from the card
//! cache only then). One query, so that a person on the command line and
//! an agent over MCP are shown the same cards.
//!
//! Ready work is what someone can pick up now: not done, not archived,
//! not waiting on a card that is not done ([`Graph::is_ready`]), and not
//! held by a live claim (an expired claim is no claim).

use super::codec::Head;
use super::{json, Heads, Problem};
use crate::model::filter::Where;
use crate::model::link_lookup::LinkLookup;
use crate::model::links::Graph;
use crate::model::BoardConfig;
use anyhow::Result;
use std::io::Write;
use std::path::Path;

/// Which cards, by where they stand in the link graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum State {
    /// Every card (the other filters still apply).
    #[default]
    Any,
    /// Not done, and waiting on a card that is not done.
    Blocked,
    /// Work someone can pick up now (see the module's comment).
    Ready,
}

/// The filters of one listing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// A lane's id (resolved from an id or title by [`Query::new`]).
    pub lane: Option<String>,
    pub label: Option<String>,
    /// A person; a leading `@` is ignored.
    pub assignee: Option<String>,
    /// Archived cards too.
    pub all: bool,
    pub state: State,
    /// Only cards nobody holds a live claim on.
    pub unclaimed: bool,
    /// The moment claims are judged at (seconds since the epoch).
    pub now: i64,
    /// Only these cards, each with its place among them (a saved view's
    /// cards in its order, `--where`'s matches); `None`: every card. A
    /// card here is shown archived or not: whoever chose them said.
    pub only: Option<std::collections::HashMap<String, usize>>,
    /// Only cards whose fields have these values (`--where`), all of
    /// them; read from the whole card, so applied after the filters on
    /// heads ([`Query::keeps_card`]).
    pub wheres: Vec<Where>,
}

impl Query {
    /// Every card but the archived ones, in lane `lane` (an id or title)
    /// if given, with claims judged at `now`. The error says the lane is
    /// not on the board, and which are.
    pub fn new(config: &BoardConfig, lane: Option<&str>, now: i64) -> Result<Query, String> {
        let lane = match lane {
            Some(l) => Some(config.resolve_lane(l)?.id.clone()),
            None => None,
        };
        Ok(Query {
            lane,
            now,
            ..Query::default()
        })
    }

    /// Whether the card passes the filters read from its head (all but
    /// [`Query::wheres`]). `g` is the whole board's link graph.
    pub fn keeps(&self, h: &Head, g: &impl LinkLookup) -> bool {
        let chosen = self.only.as_ref().map(|o| o.contains_key(h.id));
        (self.all || !h.archived || chosen == Some(true))
            && chosen != Some(false)
            && self.lane.as_ref().is_none_or(|l| h.lane == l)
            && self
                .label
                .as_ref()
                .is_none_or(|l| h.labels.contains(&l.as_str()))
            && self
                .assignee
                .as_ref()
                .is_none_or(|a| h.assignees.contains(&a.trim_start_matches('@')))
            && !(self.unclaimed && h.claimed(self.now))
            && match self.state {
                State::Any => true,
                State::Blocked => g.index(h.id).is_some_and(|i| g.is_blocked(i)),
                State::Ready => is_ready(g, h, self.now),
            }
    }

    /// Whether the card is shown: it passes [`Query::keeps`], then the
    /// `--where` terms on the whole card, decoded from `cards` only when
    /// there are terms. A card that cannot be decoded matches no term.
    pub fn keeps_card(&self, cards: &Heads, h: &Head, g: &impl LinkLookup) -> bool {
        self.keeps(h, g) && self.matches_wheres(cards, h)
    }

    /// Whether the whole card has the values [`Query::wheres`] asks for.
    fn matches_wheres(&self, cards: &Heads, h: &Head) -> bool {
        if self.wheres.is_empty() {
            return true;
        }
        match cards.card(h.id) {
            Some(Ok(card)) => self.wheres.iter().all(|w| w.matches(&card)),
            _ => false,
        }
    }

    /// The cards shown, in board order. `heads` are `cards`' heads
    /// ([`Heads::heads`]).
    pub fn select<'h, 'a>(
        &self,
        config: &BoardConfig,
        cards: &Heads,
        heads: &'h [Head<'a>],
        g: &impl LinkLookup,
    ) -> Vec<&'h Head<'a>> {
        let mut v: Vec<&Head> = heads
            .iter()
            .filter(|h| self.keeps_card(cards, h, g))
            .collect();
        board_order(config, &mut v);
        if self.only.is_some() {
            // Lane by lane, in the places given (a stable sort).
            v.sort_by_key(|h| {
                (
                    config.lane_index(h.lane).unwrap_or(usize::MAX),
                    self.place(h),
                )
            });
        }
        v
    }

    /// A card's place among [`Query::only`] (0 without it).
    pub fn place(&self, h: &Head) -> usize {
        self.only
            .as_ref()
            .and_then(|o| o.get(h.id).copied())
            .unwrap_or(0)
    }

    /// The cards shown, as `lanes list --json` prints them (each card's
    /// fields with its links both ways, whether it is blocked and whether
    /// it is ready), of one page: the `take` after the first `skip`.
    /// Returns the problems of unreadable cards and how many cards the
    /// query shows in all.
    pub fn write_json(
        &self,
        root: &Path,
        config: &BoardConfig,
        (skip, take): (usize, usize),
        out: &mut impl Write,
    ) -> Result<(Vec<Problem>, usize)> {
        let heads = Heads::load_for_json(root)?;
        let g = Graph::new(config, heads.nodes());
        heads.write_json_page(
            config,
            |h| self.keeps_card(&heads, h, &g),
            |h| json::link_fields_text(&g, h, self.now),
            |h| self.place(h),
            (skip, take),
            out,
        )
    }

    /// [`Query::write_json`] from heads already read and their links
    /// worked out (the MCP server keeps both between calls), leaving the
    /// card cache alone. Returns how many cards the query shows in all.
    pub fn write_json_kept(
        &self,
        heads: &Heads,
        links: &impl LinkLookup,
        config: &BoardConfig,
        (skip, take): (usize, usize),
        out: &mut impl Write,
    ) -> Result<usize> {
        heads.write_json_page_kept(
            config,
            |h| self.keeps_card(heads, h, links),
            |h| json::link_fields_text(links, h, self.now),
            |h| self.place(h),
            (skip, take),
            out,
        )
    }
}

/// Whether someone can pick the card up at `now`: ready in the link graph
/// and not held by a live claim.
pub fn is_ready(g: &impl LinkLookup, h: &Head, now: i64) -> bool {
    g.index(h.id).is_some_and(|i| g.is_ready(i)) && !h.claimed(now)
}

/// Heads in board order: lane (as board.yaml lists them; unknown lanes
/// last), rank, id.
pub fn board_order<'h, 'a>(config: &BoardConfig, heads: &mut [&'h Head<'a>]) {
    heads.sort_by(|a, b| {
        let key = |h: &Head<'a>| {
            (
                config.lane_index(h.lane).unwrap_or(usize::MAX),
                h.lane,
                h.rank,
                h.id,
            )
        };
        key(a).cmp(&key(b))
    });
}
