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

/// Whether changing `before` into `after` (the same card) changes what
/// a [`Graph`] makes of the board: its links, whether it is archived or
/// done, or a refuted verdict. A new title or note does not; a move does
/// only into or out of done.
pub fn changes_graph(config: &BoardConfig, before: &Card, after: &Card) -> bool {
    let key = |c: &Card| {
        let progress = c.progress();
        (
            c.archived,
            done::done(config, &progress).is_some(),
            progress.verdict == Some(Verdict::Refuted),
        )
    };
    before.id != after.id
        || key(before) != key(after)
        || before.depends_on != after.depends_on
        || before.parent != after.parent
        || before.supersedes != after.supersedes
        || before.relates != after.relates
}

/// Links of one kind, every card's in one array (compressed rows):
/// `adj[i]` is the cards card `i` links to, in the order stored.
#[derive(Debug, Clone, Default)]
struct Adj {
    start: Vec<u32>,
    to: Vec<Ix>,
}

impl Adj {
    /// From (card, card it names) pairs in card order; `flip`: the
    /// inverse (each card's list in the order of the cards naming it).
    fn new(n: usize, pairs: &[(Ix, Ix)], flip: bool) -> Adj {
        let key = |&(a, b): &(Ix, Ix)| if flip { (b, a) } else { (a, b) };
        let mut start = vec![0u32; n + 1];
        for p in pairs {
            start[key(p).0 as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut at: Vec<u32> = start[..n].to_vec();
        let mut to = vec![0; pairs.len()];
        for p in pairs {
            let (from, x) = key(p);
            to[at[from as usize] as usize] = x;
            at[from as usize] += 1;
        }
        Adj { start, to }
    }
}

impl std::ops::Index<usize> for Adj {
    type Output = [Ix];

    fn index(&self, i: usize) -> &[Ix] {
        &self.to[self.start[i] as usize..self.start[i + 1] as usize]
    }
}

/// An id as a number: its first 15 bytes and its length. Two ids of up
/// to 15 bytes (card ids have 10) are the same exactly when their keys
/// are; longer ones are compared whole.
fn id_key(id: &str) -> u128 {
    let mut k = [0u8; 16];
    let b = id.as_bytes();
    let n = b.len().min(15);
    k[..n].copy_from_slice(&b[..n]);
    k[15] = u8::try_from(b.len()).unwrap_or(u8::MAX);
    u128::from_le_bytes(k)
}

/// The cards' ids hashed, for resolving links: a binary search through
/// the cards (or a look at a card's id) would miss the cache at every
/// step, and a board has a link or two per card to resolve. Open
/// addressing, at most half full; a slot holds a card's index + 1 (0:
/// empty).
#[derive(Debug, Clone)]
struct IdTable {
    keys: Vec<u128>,
    slots: Vec<Ix>,
    shift: u32,
}

impl IdTable {
    fn new(nodes: &[Node]) -> IdTable {
        let bits = (nodes.len().max(1) * 2)
            .next_power_of_two()
            .trailing_zeros()
            .max(1);
        let mut t = IdTable {
            keys: nodes.iter().map(|x| id_key(x.id)).collect(),
            slots: vec![0; 1 << bits],
            shift: 64 - bits,
        };
        for i in 0..nodes.len() {
            let mut at = t.home(t.keys[i]);
            while t.slots[at] != 0 {
                at = (at + 1) & (t.slots.len() - 1);
            }
            t.slots[at] = i as Ix + 1;
        }
        t
    }

    fn home(&self, key: u128) -> usize {
        let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
        (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    /// The index of the node with this id.
    fn find(&self, nodes: &[Node], id: &str) -> Option<Ix> {
        let key = id_key(id);
        let mut at = self.home(key);
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                return None;
            }
            let i = (slot - 1) as usize;
            if self.keys[i] == key && (id.len() < 16 || nodes[i].id == id) {
                return Some(slot - 1);
            }
            at = (at + 1) & (self.slots.len() - 1);
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
/// Cards are kept in id order; a card is named by its index. What is
/// derived is in [`Derived`] (reached through `Deref`), which owns its
/// data: [`Graph::into_index`] keeps it, with the ids, as an [`Index`].
#[derive(Debug, Clone)]
pub struct Graph<'a> {
    nodes: Vec<Node<'a>>,
    /// The nodes' ids hashed, for [`Graph::index`].
    ids: IdTable,
    derived: Derived,
    dangling: Vec<Dangling<'a>>,
    /// `supersedes` and `relates` links of a card to itself (ignored).
    self_links: Vec<(usize, Kind)>,
}

/// What every card's links make of each card, by its index in id order:
/// the relations both ways, done, blocked and ready, what can no longer
/// finish, and the refuted premises work rests on. Computed once from
/// the whole board ([`Graph::new`]); owns its data.
#[derive(Debug, Clone, Default)]
pub struct Derived {
    done: Vec<Option<Done>>,
    archived: Vec<bool>,
    /// A hypothesis refuted.
    refuted: Vec<bool>,
    deps: Adj,
    parent: Vec<Option<Ix>>,
    supersedes: Adj,
    relates: Adj,
    blocks: Adj,
    children: Adj,
    superseded_by: Adj,
    related_by: Adj,
    rests_on: Adj,
    evidence_for: Adj,
    dead: Vec<Option<Dead>>,
    /// The nearest refuted hypothesis each card rests on, and the card it
    /// depends on towards it.
    premise: Vec<Option<(Ix, Ix)>>,
}

impl<'a> std::ops::Deref for Graph<'a> {
    type Target = Derived;

    fn deref(&self) -> &Derived {
        &self.derived
    }
}

impl<'a> Graph<'a> {
    /// The graph of these cards (any order; ids are unique) on `config`'s
    /// board.
    pub fn new(config: &BoardConfig, mut nodes: Vec<Node<'a>>) -> Graph<'a> {
        nodes.sort_unstable_by(|a, b| a.id.cmp(b.id));
        nodes.dedup_by(|a, b| a.id == b.id);
        let n = nodes.len();
        let ids = IdTable::new(&nodes);
        let find = |id: &str| ids.find(&nodes, id);
        let mut dangling = Vec::new();
        let mut self_links = Vec::new();
        let mut parent = vec![None; n];
        // Each kind's links as (card, card it names), in card order, a
        // link repeated in a card's list kept once.
        let mut pairs: [Vec<(Ix, Ix)>; 5] = Default::default();
        for (i, node) in nodes.iter().enumerate() {
            for (k, kind) in Kind::ALL.into_iter().enumerate() {
                let stored: &[&str] = match kind {
                    Kind::DependsOn => &node.depends_on,
                    Kind::Parent => node.parent.as_slice(),
                    Kind::Supersedes => &node.supersedes,
                    Kind::Relates => &node.relates,
                    Kind::RestsOn => &node.rests_on,
                };
                let first = pairs[k].len();
                for (position, &id) in stored.iter().enumerate() {
                    let Some(j) = find(id) else {
                        dangling.push(Dangling {
                            card: i,
                            kind,
                            position,
                            id,
                        });
                        continue;
                    };
                    match kind {
                        Kind::Parent => parent[i] = Some(j),
                        Kind::Supersedes | Kind::Relates | Kind::RestsOn if j as usize == i => {
                            self_links.push((i, kind));
                            continue;
                        }
                        _ => {}
                    }
                    if !pairs[k][first..].iter().any(|&(_, x)| x == j) {
                        pairs[k].push((i as Ix, j));
                    }
                }
            }
        }
        let [deps, parents, supersedes, relates, rests_on] = &pairs;
        let mut g = Derived {
            done: nodes
                .iter()
                .map(|x| done::done(config, &x.progress))
                .collect(),
            archived: nodes.iter().map(|x| x.archived).collect(),
            refuted: nodes
                .iter()
                .map(|x| x.progress.verdict == Some(Verdict::Refuted))
                .collect(),
            deps: Adj::new(n, deps, false),
            blocks: Adj::new(n, deps, true),
            parent,
            children: Adj::new(n, parents, true),
            supersedes: Adj::new(n, supersedes, false),
            superseded_by: Adj::new(n, supersedes, true),
            relates: Adj::new(n, relates, false),
            related_by: Adj::new(n, relates, true),
            rests_on: Adj::new(n, rests_on, false),
            evidence_for: Adj::new(n, rests_on, true),
            dead: vec![None; n],
            premise: vec![None; n],
        };
        g.find_dead();
        g.find_premises();
        Graph {
            nodes,
            ids,
            derived: g,
            dangling,
            self_links,
        }
    }

    /// The index of the card with this id.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.ids.find(&self.nodes, id).map(|i| i as usize)
    }

    pub fn node(&self, i: usize) -> &Node<'a> {
        &self.nodes[i]
    }

    pub fn id(&self, i: usize) -> &'a str {
        self.nodes[i].id
    }

    /// Links to cards that do not exist.
    pub fn dangling(&self) -> &[Dangling<'a>] {
        &self.dangling
    }

    /// `supersedes` and `relates` links from a card to itself.
    pub fn self_links(&self) -> &[(usize, Kind)] {
        &self.self_links
    }
}

impl Derived {
    pub fn len(&self) -> usize {
        self.done.len()
    }

    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
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
        !self.archived[i] && !self.is_done(i) && !self.is_blocked(i)
    }

    /// Whether the card can no longer finish, and why.
    pub fn dead(&self, i: usize) -> Option<Dead> {
        self.dead[i]
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
        let direct: Vec<usize> = self.depends_on(i).filter(|&j| self.refuted[j]).collect();
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
            if self.archived[j] && !self.is_done(j) {
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

    /// The first thing [`Derived::flags`] would say of `i` ([`Mark`]),
    /// read off what was derived without building the flags (whose
    /// chains of cards cost more than a badge needs).
    pub fn mark(&self, i: usize) -> Option<Mark> {
        let mut out: Option<Mark> = None;
        let mut say = |m: Mark| out = Some(out.map_or(m, |o| o.min(m)));
        match self.dead[i] {
            Some(Dead {
                why: Why::Cycle,
                next: None,
                ..
            }) => say(Mark::Cycle),
            // Said by the flags about what it depends on, below.
            Some(Dead {
                why: Why::Archived | Why::Superseded { .. },
                next: Some(n),
                cause,
            }) if n == cause => {}
            Some(Dead { next: Some(_), .. }) => say(Mark::DeadBlocked),
            _ => {}
        }
        if self.premise[i].is_some() {
            say(Mark::PremiseRefuted);
        }
        for j in self.depends_on(i) {
            if self.refuted[j] {
                say(Mark::PremiseRefuted);
            }
            if !self.superseded_by[j].is_empty() {
                say(Mark::DependsOnSuperseded);
            }
            if self.archived[j] && !self.is_done(j) {
                say(Mark::DependsOnArchived);
            }
        }
        out
    }

    /// Cycles of `kind` links (`depends_on` or `parent`), each once: the
    /// cards of the cycle in order, from its smallest id, back to it.
    pub fn cycles(&self, kind: Kind) -> Vec<Vec<usize>> {
        let next = |i: usize| -> &[Ix] {
            match kind {
                Kind::DependsOn => &self.deps[i],
                Kind::Parent => self.parent[i].as_slice(),
                _ => &[],
            }
        };
        let owned = |i: usize| -> Vec<usize> { next(i).iter().map(|&j| j as usize).collect() };
        components(self.len(), &next, &|_| true)
            .into_iter()
            .filter_map(|scc| cycle_in(&scc, &owned))
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
        let open = |g: &Derived, i: usize| !g.is_done(i);
        let deps = |i: usize| -> &[Ix] { &self.deps[i] };
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
            let why = if self.archived[i] {
                Some(Why::Archived)
            } else if let Some(&by) = self.superseded_by[i].first() {
                Some(Why::Superseded { by: by as usize })
            } else {
                self.depends_on(i)
                    .find(|&j| self.refuted[j])
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
        for (h, &refuted) in self.refuted.iter().enumerate() {
            if refuted {
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
fn components<'g>(
    n: usize,
    next: &dyn Fn(usize) -> &'g [Ix],
    keep: &dyn Fn(usize) -> bool,
) -> Vec<Vec<usize>> {
    const NONE: usize = usize::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut counter = 0;
    let mut out = Vec::new();
    // (node, how many of its successors were looked at)
    let mut calls: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != NONE || !keep(root) {
            continue;
        }
        index[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        calls.push((root, 0));
        while let Some((v, pos)) = calls.last_mut() {
            let v = *v;
            if let Some(&w) = next(v).get(*pos) {
                *pos += 1;
                let w = w as usize;
                if !keep(w) {
                    continue;
                }
                if index[w] == NONE {
                    index[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some((u, _)) = calls.last() {
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
                if scc.len() > 1 || next(v).contains(&(v as Ix)) {
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

impl Graph<'_> {
    /// Keep what was derived, with the ids, once the cards it was made
    /// from are gone: the board screen's [`Index`].
    pub fn into_index(self) -> Index {
        let d = self.derived;
        let n = d.len();
        let mut waiting = vec![0u32; n];
        let mut marks = vec![None; n];
        for i in 0..n {
            if !d.is_done(i) {
                let open = d.deps[i].iter().filter(|&&j| !d.is_done(j as usize));
                waiting[i] = u32::try_from(open.count()).unwrap_or(u32::MAX);
            }
            marks[i] = d.mark(i);
        }
        Index {
            ids: self.nodes.iter().map(|x| x.id.to_string()).collect(),
            derived: d,
            waiting,
            marks,
        }
    }
}

/// The whole board's links as the board screen keeps them: made once
/// each time the board is read (or a card's links, done state or
/// verdict change), never while drawing. Everything [`Derived`] says,
/// with the ids, how many cards each card waits on, and the first
/// thing its flags say ([`Mark`]), for the cards' badges.
#[derive(Debug, Clone, Default)]
pub struct Index {
    ids: Vec<String>,
    derived: Derived,
    waiting: Vec<u32>,
    marks: Vec<Option<Mark>>,
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
        self.waiting[i] as usize
    }

    /// The first thing its flags say, if anything.
    pub fn mark(&self, i: usize) -> Option<Mark> {
        self.marks[i]
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
    fn the_index_counts_waits_marks_cards_and_lists_neighbourhoods() {
        let mut h = card("h", "done", &[]);
        h.kind = "hypothesis".into();
        h.hypothesis = Some(Box::new(crate::model::Hypothesis {
            verdict: Verdict::Refuted,
            ..Default::default()
        }));
        let mut top = card("top", "todo", &[]);
        top.relates = vec!["x".into()];
        let mut mid = card("mid", "todo", &["a", "b"]);
        mid.parent = Some("top".into());
        let mut x = card("x", "todo", &["h"]);
        x.parent = Some("mid".into());
        let cards = [
            card("a", "todo", &["b"]),
            card("b", "done", &[]),
            mid,
            top,
            x,
            h,
            card("y", "todo", &["mid"]),
        ];
        let ix = Index::new(&board(), cards.iter().map(Card::node).collect());
        let i = |id: &str| ix.index(id).unwrap();
        assert_eq!(ix.id(i("mid")), "mid");
        assert_eq!(ix.index("nope"), None);
        // mid waits on a (b is done); y on mid; a on nothing.
        assert_eq!(ix.waiting(i("mid")), 1);
        assert_eq!(ix.badge("y"), (1, None));
        assert_eq!(ix.badge("a"), (0, None));
        assert_eq!(ix.mark(i("x")), Some(Mark::PremiseRefuted));
        assert_eq!(Index::default().badge("a"), (0, None));
        let sides = ix.neighbourhood(i("mid"), 10);
        let names = |side: Side| -> Vec<(String, usize, bool)> {
            sides
                .iter()
                .find(|s| s.side == side)
                .map(|s| {
                    s.cards
                        .iter()
                        .map(|n| (ix.id(n.card).to_string(), n.depth, n.repeated))
                        .collect()
                })
                .unwrap_or_default()
        };
        // a, then what a depends on (b, met again below a: repeated).
        assert_eq!(
            names(Side::DependsOn),
            [
                ("a".to_string(), 1, false),
                ("b".to_string(), 2, false),
                ("b".to_string(), 1, true)
            ]
        );
        assert_eq!(names(Side::Blocks), [("y".to_string(), 1, false)]);
        assert_eq!(names(Side::PartOf), [("top".to_string(), 1, false)]);
        assert_eq!(names(Side::Parts), [("x".to_string(), 1, false)]);
        assert!(names(Side::Relates).is_empty());
        // The link each row shows, as stored.
        let dep = &sides[0].cards[1];
        assert_eq!(dep.link, (i("a"), Kind::DependsOn, i("b")));
        assert_eq!(
            ix.neighbourhood(i("y"), 10)[0].cards[0].link,
            (i("y"), Kind::DependsOn, i("mid"))
        );
        // Parts all the way down; the parent chain all the way up.
        let top_sides = ix.neighbourhood(i("top"), 10);
        let parts: Vec<(&str, usize)> = top_sides
            .iter()
            .find(|s| s.side == Side::Parts)
            .map(|s| s.cards.iter().map(|n| (ix.id(n.card), n.depth)).collect())
            .unwrap_or_default();
        assert_eq!(parts, [("mid", 1), ("x", 2)]);
        let x_up: Vec<&str> = ix
            .neighbourhood(i("x"), 10)
            .iter()
            .find(|s| s.side == Side::PartOf)
            .map(|s| s.cards.iter().map(|n| ix.id(n.card)).collect())
            .unwrap_or_default();
        assert_eq!(x_up, ["mid", "top"]);
        // Relates reads both ways, each stored where it is.
        let rel = ix.neighbourhood(i("x"), 10);
        let r = rel.iter().find(|s| s.side == Side::Relates).unwrap();
        assert_eq!(r.cards[0].link, (i("top"), Kind::Relates, i("x")));
        // The limit: one card listed, the rest counted.
        let cut = ix.neighbourhood(i("mid"), 1);
        assert_eq!((cut[0].cards.len(), cut[0].more), (1, 2));
    }

    #[test]
    fn marks_put_what_is_most_pressing_first() {
        let mut a = card("a", "todo", &[]);
        a.archived = true;
        let mut s = card("s", "todo", &[]);
        s.supersedes = vec!["old".into()];
        let cards = [
            a,
            card("b", "todo", &["a"]),
            card("c", "todo", &["b"]),
            card("old", "todo", &[]),
            s,
            card("w", "todo", &["old"]),
            card("p", "todo", &["q"]),
            card("q", "todo", &["p"]),
        ];
        let ix = Index::new(&board(), cards.iter().map(Card::node).collect());
        let m = |id: &str| ix.mark(ix.index(id).unwrap());
        assert_eq!(m("b"), Some(Mark::DependsOnArchived));
        assert_eq!(m("c"), Some(Mark::DeadBlocked));
        assert_eq!(m("w"), Some(Mark::DependsOnSuperseded));
        assert_eq!(m("p"), Some(Mark::Cycle));
        assert_eq!(m("s"), None);
        // The badge says what the flags would say first, on every card.
        let g = Graph::new(&board(), cards.iter().map(Card::node).collect());
        for i in 0..g.len() {
            assert_eq!(
                g.mark(i),
                g.flags(i).iter().map(Mark::of).min(),
                "{}",
                g.id(i)
            );
        }
    }

    #[test]
    fn a_badge_says_what_the_flags_say_first_on_a_tangled_board() {
        // A small random source: the same board every run.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut roll = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        let names: Vec<String> = (0..300).map(|i| format!("k{i:03}")).collect();
        let lanes = ["todo", "doing", "done"];
        let mut cards: Vec<Card> = names.iter().map(|n| card(n, lanes[roll(3)], &[])).collect();
        for (i, c) in cards.iter_mut().enumerate() {
            for _ in 0..roll(4) {
                // Mostly earlier cards; now and then a later one (cycles).
                let j = if roll(10) == 0 {
                    roll(300)
                } else {
                    roll(i.max(1))
                };
                c.depends_on.push(names[j].clone());
            }
            match roll(12) {
                0 => c.archived = true,
                1 => c.supersedes.push(names[roll(300)].clone()),
                2 | 3 => {
                    c.kind = "hypothesis".into();
                    c.hypothesis = Some(Box::new(crate::model::Hypothesis {
                        verdict: Verdict::Refuted,
                        ..Default::default()
                    }));
                }
                _ => {}
            }
        }
        let g = graph(&cards);
        let mut marked = 0;
        for i in 0..g.len() {
            let first = g.flags(i).iter().map(Mark::of).min();
            assert_eq!(g.mark(i), first, "{}", g.id(i));
            marked += usize::from(first.is_some());
        }
        assert!(marked > 50, "the board should flag plenty: {marked}");
    }

    #[test]
    fn ids_sharing_their_first_bytes_are_told_apart() {
        let long = "abcdefghijklmnopq";
        let cards = vec![
            card("abcdefgh1", "todo", &["abcdefgh2", "abcdefgh"]),
            card("abcdefgh2", "todo", &["abc", "abcdefgh3", long]),
            card("abcdefgh", "todo", &[]),
            card("abc", "todo", &["abcdefgh1x", "abcdefghijklmnopz"]),
            card(long, "todo", &[]),
        ];
        let g = graph(&cards);
        let i = |id: &str| g.index(id).unwrap();
        assert_eq!(
            ids(&g, g.depends_on(i("abcdefgh1"))),
            ["abcdefgh2", "abcdefgh"]
        );
        assert_eq!(ids(&g, g.blocks(i("abc"))), ["abcdefgh2"]);
        assert_eq!(ids(&g, g.blocks(i(long))), ["abcdefgh2"]);
        let gone: Vec<&str> = g.dangling().iter().map(|d| d.id).collect();
        assert_eq!(gone, ["abcdefgh1x", "abcdefghijklmnopz", "abcdefgh3"]);
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
