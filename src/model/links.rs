//! How cards connect. A card stores its own links, one id per list item
//! (`depends_on`, `parent`, `supersedes`, `relates`: rows of
//! [`super::field`]); everything else is computed here from every card's
//! links and [`super::done`], never stored: the inverse relations
//! (`blocks`, `children`, `superseded_by`, related from), whether a card
//! is blocked or ready, cycles, and what research work rests on.
//!
//! - A card is **blocked** while it is not done and a card it depends on
//!   is not done. Done is [`super::done`] (a verdict, a done lane, met
//!   exit criteria). An archived card is done only if it was done when it
//!   was archived: archiving unfinished work abandons it, so what waits on
//!   it stays blocked, and is flagged with the way out.
//! - A card is **ready** when it is not archived, not done and not
//!   blocked.
//! - A card that is not done **can no longer finish** ([`Dead`]) when it
//!   is archived, superseded, rests directly on a refuted hypothesis, is in
//!   a `depends_on` cycle, or waits on a card that can no longer finish:
//!   work waiting on it is dead-blocked.
//! - `depends_on` and `parent` links never form a cycle: `lanes link`
//!   refuses one; a merge that makes one keeps every link and records a
//!   conflict; `lanes validate` reports it.
//!
//! A link to a card that does not exist (deleted, or not yet merged here)
//! is kept, reported by `validate` ([`Graph::dangling`]) and otherwise
//! ignored: it neither blocks nor counts as done.

use super::{done, BoardConfig, Card, Done, Progress, Verdict};
use std::collections::{HashMap, VecDeque};

/// A kind of link a card stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// This card waits for that one.
    DependsOn,
    /// This card is part of that one.
    Parent,
    /// This card replaces that one.
    Supersedes,
    /// See also (reads both ways).
    Relates,
    /// This card's conclusion (a decision) rests on that one's evidence.
    RestsOn,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::DependsOn,
        Kind::Parent,
        Kind::Supersedes,
        Kind::Relates,
        Kind::RestsOn,
    ];

    /// The card field that stores it (a row of [`super::field::BUILTIN`]).
    pub fn field(self) -> &'static str {
        match self {
            Kind::DependsOn => "depends_on",
            Kind::Parent => "parent",
            Kind::Supersedes => "supersedes",
            Kind::Relates => "relates",
            Kind::RestsOn => "rests_on",
        }
    }

    /// The kind stored in `field`.
    pub fn of_field(field: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.field() == field)
    }

    /// How a person says it, from the card that stores it.
    pub fn verb(self) -> &'static str {
        match self {
            Kind::DependsOn => "depends on",
            Kind::Parent => "is part of",
            Kind::Supersedes => "supersedes",
            Kind::Relates => "relates to",
            Kind::RestsOn => "rests on",
        }
    }

    /// The verb after "cannot" / "does not": `depend on`, `rest on`.
    pub fn infinitive(self) -> &'static str {
        match self {
            Kind::DependsOn => "depend on",
            Kind::Parent => "be part of",
            Kind::Supersedes => "supersede",
            Kind::Relates => "relate to",
            Kind::RestsOn => "rest on",
        }
    }

    /// How `lanes show` labels the cards it links to.
    pub fn label(self) -> &'static str {
        match self {
            Kind::DependsOn => "depends on",
            Kind::Parent => "parent",
            Kind::Supersedes => "supersedes",
            Kind::Relates => "relates to",
            Kind::RestsOn => "rests on",
        }
    }

    /// The same link seen from the other card.
    pub fn inverse_verb(self) -> &'static str {
        match self {
            Kind::DependsOn => "blocks",
            Kind::Parent => "has part",
            Kind::Supersedes => "is superseded by",
            Kind::Relates => "relates to",
            Kind::RestsOn => "is evidence for",
        }
    }

    /// Whether links of this kind may not form a cycle.
    pub fn acyclic(self) -> bool {
        matches!(self, Kind::DependsOn | Kind::Parent)
    }
}

impl Card {
    /// The ids this card links to with `kind`, as stored.
    pub fn links(&self, kind: Kind) -> Vec<&str> {
        match kind {
            Kind::DependsOn => self.depends_on.iter().map(String::as_str).collect(),
            Kind::Parent => self.parent.iter().map(String::as_str).collect(),
            Kind::Supersedes => self.supersedes.iter().map(String::as_str).collect(),
            Kind::Relates => self.relates.iter().map(String::as_str).collect(),
            Kind::RestsOn => self.rests_on.iter().map(String::as_str).collect(),
        }
    }

    /// Link to `id`; false when the link is there already. A card has one
    /// parent: a new one replaces it.
    pub fn add_link(&mut self, kind: Kind, id: &str) -> bool {
        let list = match kind {
            Kind::Parent => {
                if self.parent.as_deref() == Some(id) {
                    return false;
                }
                self.parent = Some(id.to_string());
                return true;
            }
            Kind::DependsOn => &mut self.depends_on,
            Kind::Supersedes => &mut self.supersedes,
            Kind::Relates => &mut self.relates,
            Kind::RestsOn => &mut self.rests_on,
        };
        if list.iter().any(|x| x == id) {
            return false;
        }
        list.push(id.to_string());
        true
    }

    /// Remove the link to `id`; false when there was none.
    pub fn remove_link(&mut self, kind: Kind, id: &str) -> bool {
        let list = match kind {
            Kind::Parent => {
                if self.parent.as_deref() != Some(id) {
                    return false;
                }
                self.parent = None;
                return true;
            }
            Kind::DependsOn => &mut self.depends_on,
            Kind::Supersedes => &mut self.supersedes,
            Kind::Relates => &mut self.relates,
            Kind::RestsOn => &mut self.rests_on,
        };
        let before = list.len();
        list.retain(|x| x != id);
        list.len() != before
    }

    /// The card as a node of the link graph.
    pub fn node(&self) -> Node<'_> {
        Node {
            id: &self.id,
            progress: self.progress(),
            archived: self.archived,
            depends_on: self.links(Kind::DependsOn),
            parent: self.parent.as_deref(),
            supersedes: self.links(Kind::Supersedes),
            relates: self.links(Kind::Relates),
            rests_on: self.links(Kind::RestsOn),
        }
    }
}

/// What the graph reads of a card (from a [`Card`], or from the card
/// cache without decoding the card: `store::codec::Head::node`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node<'a> {
    pub id: &'a str,
    pub progress: Progress<'a>,
    pub archived: bool,
    pub depends_on: Vec<&'a str>,
    pub parent: Option<&'a str>,
    pub supersedes: Vec<&'a str>,
    pub relates: Vec<&'a str>,
    pub rests_on: Vec<&'a str>,
}

impl<'a> Node<'a> {
    /// The ids it links to with `kind`, as stored.
    pub fn links(&self, kind: Kind) -> Vec<&'a str> {
        match kind {
            Kind::DependsOn => self.depends_on.clone(),
            Kind::Parent => self.parent.into_iter().collect(),
            Kind::Supersedes => self.supersedes.clone(),
            Kind::Relates => self.relates.clone(),
            Kind::RestsOn => self.rests_on.clone(),
        }
    }
}

/// A link to a card that does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dangling<'a> {
    /// The card that stores it (an index into the graph).
    pub card: usize,
    pub kind: Kind,
    /// Its place in the stored list (0 for `parent`).
    pub position: usize,
    pub id: &'a str,
}

/// Why a card that is not done can no longer finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Archived before it was done.
    Archived,
    /// Another card supersedes it.
    Superseded { by: usize },
    /// A hypothesis it depends on was refuted.
    PremiseRefuted { hypothesis: usize },
    /// It is in a `depends_on` cycle: it waits on itself.
    Cycle,
}

/// A card that is not done and can no longer finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dead {
    /// The card where it starts (this card, or one it waits on).
    pub cause: usize,
    pub why: Why,
    /// The card this one waits on towards `cause` (`None` when it is the
    /// cause).
    pub next: Option<usize>,
}

/// Something a person should know about the work a card rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// A hypothesis it depends on, directly or through `via` (in order),
    /// was refuted.
    PremiseRefuted { hypothesis: usize, via: Vec<usize> },
    /// A card it depends on is superseded by `by`.
    DependsOnSuperseded { card: usize, by: Vec<usize> },
    /// A card it depends on was archived before it was done.
    DependsOnArchived { card: usize },
    /// It waits, through `via` (in order, ending at `cause`), on a card
    /// that can no longer finish.
    DeadBlocked {
        via: Vec<usize>,
        cause: usize,
        why: Why,
    },
    /// It is in a `depends_on` cycle (the cycle, from this card back to
    /// it).
    InCycle { cycle: Vec<usize> },
}

impl Flag {
    /// The flag's name in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Flag::PremiseRefuted { .. } => "premise_refuted",
            Flag::DependsOnSuperseded { .. } => "depends_on_superseded",
            Flag::DependsOnArchived { .. } => "depends_on_archived",
            Flag::DeadBlocked { .. } => "dead_blocked",
            Flag::InCycle { .. } => "cycle",
        }
    }
}

impl Why {
    /// The reason's name in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Why::Archived => "archived",
            Why::Superseded { .. } => "superseded",
            Why::PremiseRefuted { .. } => "premise_refuted",
            Why::Cycle => "cycle",
        }
    }
}

/// When a hypothesis was refuted, as its evidence records it (seconds
/// since the epoch): a verdict `lanes result` or `lanes run` gave. `None`
/// for a verdict given by hand (its history knows when).
pub fn refuted_at(card: &Card) -> Option<i64> {
    let h = card.hypothesis.as_ref()?;
    if h.verdict != Verdict::Refuted {
        return None;
    }
    let e = h.evidence()?.ok()?;
    if e.verdict != Some(Verdict::Refuted) {
        return None;
    }
    super::date::parse_timestamp(e.recorded_at.as_deref()?)
}

/// A flag as a sentence. `name(i)` names a card (`3fk2a9 (Title)`);
/// `refuted(i)` says when hypothesis `i` was refuted, if known.
pub fn flag_text(
    flag: &Flag,
    name: &dyn Fn(usize) -> String,
    refuted: &dyn Fn(usize) -> Option<i64>,
) -> String {
    let on = |h: usize| {
        refuted(h)
            .map(|t| format!(" on {}", super::date::format_day_long(t.div_euclid(86_400))))
            .unwrap_or_default()
    };
    let chain = |via: &[usize]| {
        via.iter()
            .map(|&c| name(c))
            .collect::<Vec<_>>()
            .join(", which waits on ")
    };
    match flag {
        Flag::PremiseRefuted { hypothesis, via } if via.is_empty() => format!(
            "premise refuted: {} was refuted{}",
            name(*hypothesis),
            on(*hypothesis)
        ),
        Flag::PremiseRefuted { hypothesis, via } => format!(
            "premise refuted: it rests on {}, refuted{}, through {}",
            name(*hypothesis),
            on(*hypothesis),
            via.iter().map(|&c| name(c)).collect::<Vec<_>>().join(" and ")
        ),
        Flag::DependsOnSuperseded { card, by } => format!(
            "depends on {}, which is superseded by {}: should it depend on that instead?",
            name(*card),
            by.iter().map(|&c| name(c)).collect::<Vec<_>>().join(", ")
        ),
        Flag::DependsOnArchived { card } => format!(
            "depends on {}, archived before it was done: this card stays blocked until the link is removed (`lanes unlink`) or the card restored",
            name(*card)
        ),
        Flag::DeadBlocked { via, why, .. } => {
            let reason = match why {
                Why::Archived => "was archived before it was done".to_string(),
                Why::Superseded { by } => format!("is superseded by {}", name(*by)),
                Why::PremiseRefuted { hypothesis } => format!(
                    "rests on {}, refuted{}",
                    name(*hypothesis),
                    on(*hypothesis)
                ),
                Why::Cycle => "is in a dependency cycle".to_string(),
            };
            format!(
                "dead-blocked: waits on {}, which {reason}: it can no longer finish",
                chain(via)
            )
        }
        Flag::InCycle { cycle } => format!(
            "in a dependency cycle: {}; none of these can be ready until one link is removed (`lanes unlink`)",
            cycle.iter().map(|&c| name(c)).collect::<Vec<_>>().join(" → ")
        ),
    }
}

/// One card a blocked card waits on, in [`Graph::waits_on`]'s tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub card: usize,
    /// 1 for a card it depends on, 2 for one that card depends on, ...
    pub depth: usize,
    /// The card that waits on it (the blocked card at depth 1).
    pub via: usize,
    /// Shown earlier in the tree: its own waits are not repeated.
    pub repeated: bool,
}

type Ix = u32;

/// Every card's links, resolved, with the relations computed from them.
/// Cards are kept in id order; a card is named by its index.
#[derive(Debug, Clone)]
pub struct Graph<'a> {
    nodes: Vec<Node<'a>>,
    done: Vec<Option<Done>>,
    deps: Vec<Vec<Ix>>,
    parent: Vec<Option<Ix>>,
    supersedes: Vec<Vec<Ix>>,
    relates: Vec<Vec<Ix>>,
    blocks: Vec<Vec<Ix>>,
    children: Vec<Vec<Ix>>,
    superseded_by: Vec<Vec<Ix>>,
    related_by: Vec<Vec<Ix>>,
    rests_on: Vec<Vec<Ix>>,
    evidence_for: Vec<Vec<Ix>>,
    dead: Vec<Option<Dead>>,
    /// The nearest refuted hypothesis each card rests on, and the card it
    /// depends on towards it.
    premise: Vec<Option<(Ix, Ix)>>,
    dangling: Vec<Dangling<'a>>,
    /// `supersedes` and `relates` links of a card to itself (ignored).
    self_links: Vec<(usize, Kind)>,
}

impl<'a> Graph<'a> {
    /// The graph of these cards (any order; ids are unique) on `config`'s
    /// board.
    pub fn new(config: &BoardConfig, mut nodes: Vec<Node<'a>>) -> Graph<'a> {
        nodes.sort_unstable_by(|a, b| a.id.cmp(b.id));
        nodes.dedup_by(|a, b| a.id == b.id);
        let n = nodes.len();
        let find = |id: &str| {
            nodes
                .binary_search_by(|x| x.id.cmp(id))
                .ok()
                .map(|i| i as Ix)
        };
        let mut g = Graph {
            done: nodes
                .iter()
                .map(|x| done::done(config, &x.progress))
                .collect(),
            deps: vec![Vec::new(); n],
            parent: vec![None; n],
            supersedes: vec![Vec::new(); n],
            relates: vec![Vec::new(); n],
            blocks: vec![Vec::new(); n],
            children: vec![Vec::new(); n],
            superseded_by: vec![Vec::new(); n],
            related_by: vec![Vec::new(); n],
            rests_on: vec![Vec::new(); n],
            evidence_for: vec![Vec::new(); n],
            dead: vec![None; n],
            premise: vec![None; n],
            dangling: Vec::new(),
            self_links: Vec::new(),
            nodes: Vec::new(),
        };
        for (i, node) in nodes.iter().enumerate() {
            for kind in Kind::ALL {
                for (position, id) in node.links(kind).into_iter().enumerate() {
                    let Some(j) = find(id) else {
                        g.dangling.push(Dangling {
                            card: i,
                            kind,
                            position,
                            id,
                        });
                        continue;
                    };
                    let (out, back) = match kind {
                        Kind::DependsOn => (&mut g.deps[i], &mut g.blocks),
                        Kind::Parent => {
                            g.parent[i] = Some(j);
                            g.children[j as usize].push(i as Ix);
                            continue;
                        }
                        Kind::Supersedes | Kind::Relates | Kind::RestsOn if j as usize == i => {
                            g.self_links.push((i, kind));
                            continue;
                        }
                        Kind::Supersedes => (&mut g.supersedes[i], &mut g.superseded_by),
                        Kind::Relates => (&mut g.relates[i], &mut g.related_by),
                        Kind::RestsOn => (&mut g.rests_on[i], &mut g.evidence_for),
                    };
                    if !out.contains(&j) {
                        out.push(j);
                        back[j as usize].push(i as Ix);
                    }
                }
            }
        }
        g.nodes = nodes;
        g.find_dead();
        g.find_premises();
        g
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The index of the card with this id.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.nodes.binary_search_by(|x| x.id.cmp(id)).ok()
    }

    pub fn node(&self, i: usize) -> &Node<'a> {
        &self.nodes[i]
    }

    pub fn id(&self, i: usize) -> &'a str {
        self.nodes[i].id
    }

    /// Whether the card is done, and why ([`super::done`]).
    pub fn done(&self, i: usize) -> Option<Done> {
        self.done[i]
    }

    pub fn is_done(&self, i: usize) -> bool {
        self.done[i].is_some()
    }

    pub fn depends_on(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.deps[i].iter().map(|&j| j as usize)
    }

    /// Cards that depend on this one.
    pub fn blocks(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.blocks[i].iter().map(|&j| j as usize)
    }

    pub fn parent(&self, i: usize) -> Option<usize> {
        self.parent[i].map(|j| j as usize)
    }

    pub fn children(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.children[i].iter().map(|&j| j as usize)
    }

    pub fn supersedes(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.supersedes[i].iter().map(|&j| j as usize)
    }

    pub fn superseded_by(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.superseded_by[i].iter().map(|&j| j as usize)
    }

    /// Cards this one relates to (stored on it).
    pub fn relates(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.relates[i].iter().map(|&j| j as usize)
    }

    /// Cards that relate to this one (stored on them).
    pub fn related_by(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.related_by[i].iter().map(|&j| j as usize)
    }

    /// The cards this one rests on (a decision's evidence).
    pub fn rests_on(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.rests_on[i].iter().map(|&j| j as usize)
    }

    /// The cards (decisions) resting on this one.
    pub fn evidence_for(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.evidence_for[i].iter().map(|&j| j as usize)
    }

    /// The cards it depends on that are not done, when it is not done
    /// itself: what it waits on now.
    pub fn blocked_by(&self, i: usize) -> Vec<usize> {
        if self.is_done(i) {
            return Vec::new();
        }
        self.depends_on(i).filter(|&j| !self.is_done(j)).collect()
    }

    /// Not done, and waiting on a card that is not done.
    pub fn is_blocked(&self, i: usize) -> bool {
        !self.is_done(i) && self.deps[i].iter().any(|&j| !self.is_done(j as usize))
    }

    /// Not archived, not done, not blocked: work someone can pick up.
    pub fn is_ready(&self, i: usize) -> bool {
        !self.nodes[i].archived && !self.is_done(i) && !self.is_blocked(i)
    }

    /// Whether the card can no longer finish, and why.
    pub fn dead(&self, i: usize) -> Option<Dead> {
        self.dead[i]
    }

    /// Links to cards that do not exist.
    pub fn dangling(&self) -> &[Dangling<'a>] {
        &self.dangling
    }

    /// `supersedes` and `relates` links from a card to itself.
    pub fn self_links(&self) -> &[(usize, Kind)] {
        &self.self_links
    }

    /// What a blocked card waits on, transitively: each card it depends on
    /// that is not done, then what that one waits on, depth first, in id
    /// order. A card met again is marked `repeated` and not followed;
    /// at most `limit` entries.
    pub fn waits_on(&self, i: usize, limit: usize) -> Vec<Waiting> {
        let mut out = Vec::new();
        let mut seen = vec![false; self.len()];
        seen[i] = true;
        // (card, depth, via), popped last first: pushed in reverse.
        let mut stack: Vec<(usize, usize, usize)> = self
            .blocked_by(i)
            .into_iter()
            .rev()
            .map(|j| (j, 1, i))
            .collect();
        while let Some((card, depth, via)) = stack.pop() {
            if out.len() >= limit {
                break;
            }
            let repeated = seen[card];
            out.push(Waiting {
                card,
                depth,
                via,
                repeated,
            });
            if repeated {
                continue;
            }
            seen[card] = true;
            for j in self.blocked_by(card).into_iter().rev() {
                stack.push((j, depth + 1, card));
            }
        }
        out
    }

    /// The cards at the bottom of what `i` waits on: not done, and not
    /// waiting on anything themselves (finishing them unblocks the rest),
    /// in id order.
    pub fn root_blockers(&self, i: usize) -> Vec<usize> {
        let mut seen = vec![false; self.len()];
        let mut out = Vec::new();
        let mut stack = self.blocked_by(i);
        seen[i] = true;
        while let Some(c) = stack.pop() {
            if std::mem::replace(&mut seen[c], true) {
                continue;
            }
            let next = self.blocked_by(c);
            if next.is_empty() {
                out.push(c);
            }
            stack.extend(next);
        }
        out.sort_unstable();
        out
    }

    /// What a person should know about the work `i` rests on.
    pub fn flags(&self, i: usize) -> Vec<Flag> {
        let mut out = Vec::new();
        let direct: Vec<usize> = self
            .depends_on(i)
            .filter(|&j| self.nodes[j].progress.verdict == Some(Verdict::Refuted))
            .collect();
        for &h in &direct {
            out.push(Flag::PremiseRefuted {
                hypothesis: h,
                via: Vec::new(),
            });
        }
        if direct.is_empty() {
            if let Some((h, _)) = self.premise[i] {
                let mut via = Vec::new();
                let mut at = i;
                while let Some((_, next)) = self.premise[at] {
                    let next = next as usize;
                    if next == h as usize || via.contains(&next) || via.len() > self.len() {
                        break;
                    }
                    via.push(next);
                    at = next;
                }
                out.push(Flag::PremiseRefuted {
                    hypothesis: h as usize,
                    via,
                });
            }
        }
        for j in self.depends_on(i) {
            if !self.superseded_by[j].is_empty() {
                out.push(Flag::DependsOnSuperseded {
                    card: j,
                    by: self.superseded_by(j).collect(),
                });
            }
            if self.nodes[j].archived && !self.is_done(j) {
                out.push(Flag::DependsOnArchived { card: j });
            }
        }
        if let Some(d) = self.dead[i] {
            match (d.next, d.why) {
                (None, Why::Cycle) => {
                    if let Some(cycle) = self.cycle_through(i) {
                        out.push(Flag::InCycle { cycle });
                    }
                }
                (None, _) => {}
                // Said by the flags above.
                (Some(n), Why::Archived | Why::Superseded { .. }) if n == d.cause => {}
                (Some(_), why) => {
                    // Resting on the refuted premise it can no longer
                    // finish for: one flag says both.
                    if let Why::PremiseRefuted { hypothesis } = why {
                        out.retain(|f| {
                            !matches!(f, Flag::PremiseRefuted { hypothesis: h, via } if *h == hypothesis && !via.is_empty())
                        });
                    }
                    let mut via = Vec::new();
                    let mut at = i;
                    while let Some(n) = self.dead[at].and_then(|d| d.next) {
                        if via.contains(&n) {
                            break;
                        }
                        via.push(n);
                        at = n;
                    }
                    out.push(Flag::DeadBlocked {
                        via,
                        cause: d.cause,
                        why,
                    });
                }
            }
        }
        out
    }

    /// Cycles of `kind` links (`depends_on` or `parent`), each once: the
    /// cards of the cycle in order, from its smallest id, back to it.
    pub fn cycles(&self, kind: Kind) -> Vec<Vec<usize>> {
        let next = |i: usize| -> Vec<usize> {
            match kind {
                Kind::DependsOn => self.depends_on(i).collect(),
                Kind::Parent => self.parent(i).into_iter().collect(),
                _ => Vec::new(),
            }
        };
        components(self.len(), &next, &|_| true)
            .into_iter()
            .filter_map(|scc| cycle_in(&scc, &next))
            .collect()
    }

    /// A `depends_on` cycle through `i`, from `i` back to it.
    fn cycle_through(&self, i: usize) -> Option<Vec<usize>> {
        let path = find_path(i, i, |c| self.depends_on(c).collect::<Vec<_>>())?;
        Some(path)
    }

    /// Cards that are not done and can no longer finish: the causes
    /// (archived, superseded, resting directly on a refuted hypothesis, in
    /// a cycle of cards that are not done), then every card waiting on one.
    fn find_dead(&mut self) {
        let n = self.len();
        let mut queue = VecDeque::new();
        let open = |g: &Graph, i: usize| !g.is_done(i);
        let deps = |i: usize| -> Vec<usize> { self.depends_on(i).collect() };
        let in_cycles = components(n, &deps, &|i| !self.is_done(i));
        let mut dead = vec![None; n];
        for scc in in_cycles {
            for &i in &scc {
                dead[i] = Some(Dead {
                    cause: i,
                    why: Why::Cycle,
                    next: None,
                });
                queue.push_back(i);
            }
        }
        for (i, slot) in dead.iter_mut().enumerate() {
            if !open(self, i) || slot.is_some() {
                continue;
            }
            let why = if self.nodes[i].archived {
                Some(Why::Archived)
            } else if let Some(&by) = self.superseded_by[i].first() {
                Some(Why::Superseded { by: by as usize })
            } else {
                self.depends_on(i)
                    .find(|&j| self.nodes[j].progress.verdict == Some(Verdict::Refuted))
                    .map(|h| Why::PremiseRefuted { hypothesis: h })
            };
            if let Some(why) = why {
                *slot = Some(Dead {
                    cause: i,
                    why,
                    next: None,
                });
                queue.push_back(i);
            }
        }
        while let Some(d) = queue.pop_front() {
            let Some(at) = dead[d] else { continue };
            for &b in &self.blocks[d] {
                let b = b as usize;
                if dead[b].is_none() && open(self, b) {
                    dead[b] = Some(Dead {
                        cause: at.cause,
                        why: at.why,
                        next: Some(d),
                    });
                    queue.push_back(b);
                }
            }
        }
        self.dead = dead;
    }

    /// The nearest refuted hypothesis each card depends on, directly or
    /// through other cards (done or not).
    fn find_premises(&mut self) {
        let mut queue = VecDeque::new();
        let mut premise = vec![None; self.len()];
        for (h, node) in self.nodes.iter().enumerate() {
            if node.progress.verdict == Some(Verdict::Refuted) {
                queue.push_back((h, h));
            }
        }
        while let Some((at, h)) = queue.pop_front() {
            for &b in &self.blocks[at] {
                let b = b as usize;
                if premise[b].is_none() && b != h {
                    premise[b] = Some((h as Ix, at as Ix));
                    queue.push_back((b, h));
                }
            }
        }
        self.premise = premise;
    }
}

/// The strongly connected components with a cycle (more than one card, or
/// one that links to itself) among the cards `keep` admits, each sorted.
/// Iterative (Tarjan's algorithm with an explicit stack): a chain of
/// 100,000 links must not overflow the call stack.
fn components(
    n: usize,
    next: &dyn Fn(usize) -> Vec<usize>,
    keep: &dyn Fn(usize) -> bool,
) -> Vec<Vec<usize>> {
    const NONE: usize = usize::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut counter = 0;
    let mut out = Vec::new();
    for root in 0..n {
        if index[root] != NONE || !keep(root) {
            continue;
        }
        // (node, its successors, how many were visited)
        let mut calls: Vec<(usize, Vec<usize>, usize)> = Vec::new();
        index[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        calls.push((
            root,
            next(root).into_iter().filter(|&j| keep(j)).collect(),
            0,
        ));
        while let Some((v, succ, pos)) = calls.last_mut() {
            let v = *v;
            if let Some(&w) = succ.get(*pos) {
                *pos += 1;
                if index[w] == NONE {
                    index[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, next(w).into_iter().filter(|&j| keep(j)).collect(), 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some((u, ..)) = calls.last() {
                low[*u] = low[*u].min(low[v]);
            }
            if low[v] == index[v] {
                let mut scc = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    scc.push(w);
                    if w == v {
                        break;
                    }
                }
                if scc.len() > 1 || next(v).contains(&v) {
                    scc.sort_unstable();
                    out.push(scc);
                }
            }
        }
    }
    out.sort();
    out
}

/// One cycle in a strongly connected component: from its smallest card,
/// the shortest way back to it.
fn cycle_in(scc: &[usize], next: &dyn Fn(usize) -> Vec<usize>) -> Option<Vec<usize>> {
    let start = *scc.first()?;
    find_path(start, start, |c| {
        next(c)
            .into_iter()
            .filter(|j| scc.binary_search(j).is_ok())
            .collect::<Vec<_>>()
    })
}

/// The shortest way from `from` to `to` following `next` (breadth first):
/// the cards in order, both ends included (`from == to`: a cycle, which
/// needs at least one step). Works on indices or ids alike.
pub fn find_path<T, I>(from: T, to: T, mut next: impl FnMut(T) -> I) -> Option<Vec<T>>
where
    T: Clone + Eq + std::hash::Hash,
    I: IntoIterator<Item = T>,
{
    let mut came_from: HashMap<T, T> = HashMap::new();
    let mut queue = VecDeque::new();
    queue.push_back(from.clone());
    while let Some(at) = queue.pop_front() {
        for j in next(at.clone()) {
            if j == to {
                let mut path = vec![to.clone(), at.clone()];
                let mut cur = at;
                while cur != from {
                    cur = came_from.get(&cur)?.clone();
                    path.push(cur.clone());
                }
                path.reverse();
                return Some(path);
            }
            if j != from && !came_from.contains_key(&j) {
                came_from.insert(j.clone(), at.clone());
                queue.push_back(j);
            }
        }
    }
    None
}

/// A cycle as people read it: `a → b → a`, with short ids, at most
/// `max` cards named.
pub fn describe_cycle<S: AsRef<str>>(ids: &[S], max: usize) -> String {
    let short: Vec<&str> = ids.iter().map(|s| super::id::short(s.as_ref())).collect();
    if short.len() <= max + 1 {
        return short.join(" → ");
    }
    let mut out = short[..max].join(" → ");
    out.push_str(&format!(
        " → … ({} more) → {}",
        short.len() - 1 - max,
        short[short.len() - 1]
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LaneDef;

    fn board() -> BoardConfig {
        let lane = |id: &str, done: bool| LaneDef {
            id: id.into(),
            title: id.into(),
            done,
            ..Default::default()
        };
        BoardConfig {
            lanes: vec![
                lane("todo", false),
                lane("doing", false),
                lane("done", true),
            ],
            kinds: vec!["task".into(), "hypothesis".into()],
            ..Default::default()
        }
    }

    fn card(id: &str, lane: &str, deps: &[&str]) -> Card {
        let mut c = Card::new(id.into(), id.into(), lane.into(), "m".into(), "task".into());
        c.depends_on = deps.iter().map(|d| d.to_string()).collect();
        c
    }

    fn graph(cards: &[Card]) -> Graph<'_> {
        Graph::new(&board(), cards.iter().map(Card::node).collect())
    }

    fn ids(g: &Graph, v: impl IntoIterator<Item = usize>) -> Vec<String> {
        v.into_iter().map(|i| g.id(i).to_string()).collect()
    }

    #[test]
    fn blocked_and_ready_follow_done() {
        let mut cards = vec![
            card("a", "todo", &[]),
            card("b", "todo", &["a"]),
            card("c", "todo", &["b", "gone"]),
            card("d", "done", &["a"]),
            card("e", "todo", &["d"]),
        ];
        let g = graph(&cards);
        let i = |id: &str| g.index(id).unwrap();
        assert!(g.is_ready(i("a")));
        assert!(g.is_blocked(i("b")) && !g.is_ready(i("b")));
        assert_eq!(ids(&g, g.blocked_by(i("c"))), ["b"]);
        // A done card is never blocked; a card waiting on it is ready.
        assert!(!g.is_blocked(i("d")) && !g.is_ready(i("d")));
        assert!(g.is_ready(i("e")));
        assert_eq!(ids(&g, g.blocks(i("a"))), ["b", "d"]);
        // The dangling link is reported, and does not block.
        assert_eq!(g.dangling().len(), 1);
        assert_eq!(g.dangling()[0].id, "gone");
        assert_eq!(g.dangling()[0].position, 1);
        let w = g.waits_on(i("c"), 10);
        assert_eq!(ids(&g, w.iter().map(|w| w.card)), ["b", "a"]);
        assert_eq!(w[1].depth, 2);
        assert_eq!(ids(&g, g.root_blockers(i("c"))), ["a"]);
        // A verdict is done: the hypothesis no longer blocks.
        cards[0].kind = "hypothesis".into();
        cards[0].hypothesis = Some(Box::new(crate::model::Hypothesis {
            verdict: Verdict::Supported,
            ..Default::default()
        }));
        let g = graph(&cards);
        assert!(!g.is_blocked(g.index("b").unwrap()));
    }

    #[test]
    fn an_archived_card_blocks_unless_it_was_done_and_is_flagged() {
        let mut a = card("a", "todo", &[]);
        a.archived = true;
        let mut z = card("z", "done", &[]);
        z.archived = true;
        let cards = vec![a, card("b", "todo", &["a", "z"]), card("c", "todo", &["b"])];
        let mut cards = cards;
        cards.push(z);
        let g = graph(&cards);
        let i = |id: &str| g.index(id).unwrap();
        assert_eq!(ids(&g, g.blocked_by(i("b"))), ["a"]);
        assert_eq!(
            g.flags(i("b")),
            [Flag::DependsOnArchived { card: i("a") }],
            "a done card archived is no flag"
        );
        assert_eq!(
            g.flags(i("c")),
            [Flag::DeadBlocked {
                via: vec![i("b"), i("a")],
                cause: i("a"),
                why: Why::Archived
            }]
        );
    }

    #[test]
    fn premises_refuted_directly_and_through_other_cards() {
        let mut h = card("h", "doing", &[]);
        h.kind = "hypothesis".into();
        h.hypothesis = Some(Box::new(crate::model::Hypothesis {
            verdict: Verdict::Refuted,
            ..Default::default()
        }));
        let cards = vec![h, card("x", "todo", &["h"]), card("y", "todo", &["x"])];
        let g = graph(&cards);
        let i = |id: &str| g.index(id).unwrap();
        assert_eq!(
            g.flags(i("x")),
            [Flag::PremiseRefuted {
                hypothesis: i("h"),
                via: vec![]
            }]
        );
        // x can no longer finish, so y waits in vain: one flag says both.
        assert_eq!(
            g.flags(i("y")),
            [Flag::DeadBlocked {
                via: vec![i("x")],
                cause: i("x"),
                why: Why::PremiseRefuted { hypothesis: i("h") }
            }]
        );
        // Through a card that is done, it still rests on the premise.
        let mut done_x = cards.clone();
        done_x[1].lane = "done".into();
        let g2 = graph(&done_x);
        assert_eq!(
            g2.flags(g2.index("y").unwrap()),
            [Flag::PremiseRefuted {
                hypothesis: g2.index("h").unwrap(),
                via: vec![g2.index("x").unwrap()]
            }]
        );
        assert!(g.is_ready(i("x")), "the refuted hypothesis is done");
    }

    #[test]
    fn superseded_dependencies_and_inverses() {
        let mut new = card("new", "todo", &[]);
        new.supersedes = vec!["old".into()];
        new.relates = vec!["x".into(), "new".into()];
        let mut x = card("x", "todo", &["old"]);
        x.parent = Some("new".into());
        let cards = vec![new, card("old", "todo", &[]), x];
        let g = graph(&cards);
        let i = |id: &str| g.index(id).unwrap();
        assert_eq!(ids(&g, g.superseded_by(i("old"))), ["new"]);
        assert_eq!(ids(&g, g.children(i("new"))), ["x"]);
        assert_eq!(ids(&g, g.related_by(i("x"))), ["new"]);
        assert_eq!(g.self_links(), [(i("new"), Kind::Relates)]);
        assert_eq!(
            g.flags(i("x")),
            [Flag::DependsOnSuperseded {
                card: i("old"),
                by: vec![i("new")]
            }]
        );
        assert_eq!(
            g.dead(i("old")).map(|d| d.why),
            Some(Why::Superseded { by: i("new") })
        );
    }

    #[test]
    fn cycles_are_found_once_and_make_their_cards_dead() {
        let mut p = card("p", "todo", &[]);
        p.parent = Some("q".into());
        let mut q = card("q", "todo", &[]);
        q.parent = Some("p".into());
        let cards = vec![
            card("a", "todo", &["b"]),
            card("b", "todo", &["c"]),
            card("c", "todo", &["a"]),
            card("d", "todo", &["a"]),
            card("s", "todo", &["s"]),
            p,
            q,
        ];
        let g = graph(&cards);
        let i = |id: &str| g.index(id).unwrap();
        let cycles: Vec<Vec<String>> = g
            .cycles(Kind::DependsOn)
            .into_iter()
            .map(|c| ids(&g, c))
            .collect();
        assert_eq!(cycles, [vec!["a", "b", "c", "a"], vec!["s", "s"]]);
        let parents: Vec<Vec<String>> = g
            .cycles(Kind::Parent)
            .into_iter()
            .map(|c| ids(&g, c))
            .collect();
        assert_eq!(parents, [vec!["p", "q", "p"]]);
        assert_eq!(
            g.flags(i("b")),
            [Flag::InCycle {
                cycle: vec![i("b"), i("c"), i("a"), i("b")]
            }]
        );
        assert!(matches!(
            g.flags(i("d"))[0],
            Flag::DeadBlocked {
                why: Why::Cycle,
                ..
            }
        ));
        assert_eq!(
            describe_cycle(&["abcdefgh", "zz", "abcdefgh"], 5),
            "abcdef → zz → abcdef"
        );
        assert_eq!(
            describe_cycle(&["a", "b", "c", "d", "a"], 2),
            "a → b → … (2 more) → a"
        );
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 200_000;
        let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        let mut cards: Vec<Card> = (0..n)
            .map(|i| {
                let deps: Vec<&str> = if i + 1 < n {
                    vec![names[i + 1].as_str()]
                } else {
                    vec![]
                };
                card(&names[i], "todo", &deps)
            })
            .collect();
        cards[n - 1].depends_on = vec![names[0].clone()];
        let g = graph(&cards);
        assert_eq!(g.cycles(Kind::DependsOn)[0].len(), n + 1);
    }

    #[test]
    fn paths_between_ids() {
        let edges: HashMap<&str, Vec<&str>> =
            [("a", vec!["b"]), ("b", vec!["c", "d"]), ("d", vec!["a"])].into();
        let next = |x: &str| edges.get(x).cloned().unwrap_or_default();
        assert_eq!(find_path("b", "a", next), Some(vec!["b", "d", "a"]));
        assert_eq!(find_path("a", "a", next), Some(vec!["a", "b", "d", "a"]));
        assert_eq!(find_path("c", "a", next), None);
        let mut c = card("x", "todo", &[]);
        assert!(c.add_link(Kind::DependsOn, "y") && !c.add_link(Kind::DependsOn, "y"));
        assert!(c.add_link(Kind::Parent, "p") && c.add_link(Kind::Parent, "q"));
        assert_eq!(c.parent.as_deref(), Some("q"));
        assert!(!c.remove_link(Kind::Parent, "p") && c.remove_link(Kind::Parent, "q"));
        assert!(c.remove_link(Kind::DependsOn, "y") && c.depends_on.is_empty());
    }
}
