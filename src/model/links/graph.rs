//! The link graph: every card's links resolved (ids hashed, each kind's
//! links in one array), the relations both ways, done, blocked, ready,
//! what can no longer finish, cycles and the refuted premises work rests
//! on ([`Graph`], [`Derived`]), and the walks over it.

use super::{done, BoardConfig, Dangling, Dead, Flag, Kind, Mark, Node, Why};
use crate::model::{Done, Verdict};
use std::collections::{HashMap, VecDeque};

/// Links of one kind, every card's in one array (compressed rows):
/// `adj[i]` is the cards card `i` links to, in the order stored.
#[derive(Debug, Clone, Default)]
pub(super) struct Adj {
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

/// An id as a number. An id of up to 12 characters of the id alphabet
/// (lowercase letters, digits, `-`, `_`; card ids have 10) is read as a
/// number in base 39 with digits 1 to 38: two such ids are the same
/// exactly when their keys are, and every key is below `39^12`. Any other
/// id gets a hash at or above it, and is compared whole.
fn id_key(id: &[u8]) -> u64 {
    const DIGITS: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut d = 1;
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            if c.is_ascii_digit() || c.is_ascii_lowercase() || c == b'-' || c == b'_' {
                t[b] = d;
                d += 1;
            }
            b += 1;
        }
        t
    };
    const EXACT: u64 = 39u64.pow(12);
    let b = id;
    if b.len() <= 12 {
        let mut k = 0u64;
        let mut exact = true;
        for &c in b {
            let d = DIGITS[usize::from(c)];
            exact &= d != 0;
            k = k * 39 + u64::from(d);
        }
        if exact {
            return k;
        }
    }
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &c in b {
        h = (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3);
    }
    EXACT + h % (u64::MAX - EXACT)
}

/// Whether ids with this key are told apart by their keys alone.
fn key_is_exact(key: u64) -> bool {
    key < 39u64.pow(12)
}

/// The cards' ids hashed, for resolving links: a binary search through
/// the cards (or a look at a card's id) would miss the cache at every
/// step, and a board has a link or two per card to resolve. Open
/// addressing, at most half full; a slot holds a card's index + 1 (0:
/// empty).
#[derive(Debug, Clone)]
struct IdTable {
    keys: Vec<u64>,
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
            keys: nodes.iter().map(|x| id_key(x.id.as_bytes())).collect(),
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

    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    /// The index of the node with this id.
    fn find(&self, nodes: &[Node], id: &str) -> Option<Ix> {
        self.find_key(nodes, id_key(id.as_bytes()), id.as_bytes())
    }

    /// [`IdTable::find`], the id's key worked out.
    fn find_key(&self, nodes: &[Node], key: u64, id: &[u8]) -> Option<Ix> {
        let mut at = self.home(key);
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                return None;
            }
            let i = (slot - 1) as usize;
            if self.keys[i] == key && (key_is_exact(key) || nodes[i].id.as_bytes() == id) {
                return Some(slot - 1);
            }
            at = (at + 1) & (self.slots.len() - 1);
        }
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

pub(super) type Ix = u32;

/// Every card's links, resolved, with the relations computed from them.
/// Cards are kept in id order; a card is named by its index. What is
/// derived is in [`Derived`] (reached through `Deref`), which owns its
/// data: [`Graph::into_index`] keeps it, with the ids, as an [`Index`](super::Index).
#[derive(Debug, Clone)]
pub struct Graph<'a> {
    pub(super) nodes: Vec<Node<'a>>,
    /// The nodes' ids hashed, for [`Graph::index`].
    ids: IdTable,
    pub(super) derived: Derived,
    pub(super) dangling: Vec<Dangling<'a>>,
    /// `supersedes` and `relates` links of a card to itself (ignored).
    pub(super) self_links: Vec<(usize, Kind)>,
}

/// What every card's links make of each card, by its index in id order:
/// the relations both ways, done, blocked and ready, what can no longer
/// finish, and the refuted premises work rests on. Computed once from
/// the whole board ([`Graph::new`]); owns its data.
#[derive(Debug, Clone, Default)]
pub struct Derived {
    pub(super) done: Vec<Option<Done>>,
    pub(super) archived: Vec<bool>,
    /// A hypothesis refuted.
    pub(super) refuted: Vec<bool>,
    pub(super) deps: Adj,
    pub(super) parent: Vec<Option<Ix>>,
    pub(super) supersedes: Adj,
    pub(super) relates: Adj,
    pub(super) blocks: Adj,
    pub(super) children: Adj,
    pub(super) superseded_by: Adj,
    pub(super) related_by: Adj,
    pub(super) rests_on: Adj,
    pub(super) evidence_for: Adj,
    pub(super) dead: Vec<Option<Dead>>,
    /// The nearest refuted hypothesis each card rests on, and the card it
    /// depends on towards it.
    pub(super) premise: Vec<Option<(Ix, Ix)>>,
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
        let mut dangling = Vec::new();
        let mut self_links = Vec::new();
        let mut parent = vec![None; n];
        let find = |id: &[u8]| ids.find_key(&nodes, id_key(id), id);
        // Each kind's links as (card, card it names), in card order, a
        // link repeated in a card's list kept once.
        let mut pairs: [Vec<(Ix, Ix)>; 5] = Default::default();
        for (i, node) in nodes.iter().enumerate() {
            // Where this list's pairs start in its kind's.
            let mut first = 0;
            let mut add = |kind: Kind, position: usize, id: &'a [u8]| {
                let k = kind as usize;
                if position == 0 {
                    first = pairs[k].len();
                }
                let Some(j) = find(id) else {
                    dangling.push(Dangling {
                        card: i,
                        kind,
                        position,
                        // Text: a card's, or checked by the store.
                        id: std::str::from_utf8(id).unwrap_or_default(),
                    });
                    return;
                };
                match kind {
                    Kind::Parent => parent[i] = Some(j),
                    Kind::Supersedes | Kind::Relates | Kind::RestsOn if j as usize == i => {
                        self_links.push((i, kind));
                        return;
                    }
                    _ => {}
                }
                if !pairs[k][first..].iter().any(|&(_, x)| x == j) {
                    pairs[k].push((i as Ix, j));
                }
            };
            for kind in Kind::ALL {
                let ids = match kind {
                    Kind::DependsOn => node.depends_on,
                    Kind::Parent => {
                        if let Some(p) = node.parent {
                            add(kind, 0, p.as_bytes());
                        }
                        continue;
                    }
                    Kind::Supersedes => node.supersedes,
                    Kind::Relates => node.relates,
                    Kind::RestsOn => node.rests_on,
                };
                for (position, id) in ids.bytes().enumerate() {
                    add(kind, position, id);
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

    /// Whether the card is done, and why ([`crate::model::done`]).
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
