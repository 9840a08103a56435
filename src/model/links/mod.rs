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

use super::{done, BoardConfig, Card, Progress, Verdict};

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

/// Every name and phrase a kind of link goes by, one row per kind (in
/// the order of the variants): the card field, how people say it both
/// ways, and how the command line offers it (`lanes link`, `lanes add`,
/// `lanes decide` build their options from these rows). A new kind of
/// link is a variant and a row.
struct Row {
    kind: Kind,
    field: &'static str,
    /// The command-line option: the field with dashes.
    option: &'static str,
    verb: &'static str,
    infinitive: &'static str,
    label: &'static str,
    inverse_verb: &'static str,
    acyclic: bool,
    /// A card holds at most one link of this kind: a new one replaces it.
    single: bool,
    /// `lanes link CARD --OPTION OTHER`'s help.
    link_help: &'static str,
    /// An option of `lanes link` naming the same link from the other
    /// card (stored on OTHER), with its help: `--blocks`.
    inverse_option: Option<(&'static str, &'static str)>,
    /// `lanes add --OPTION CARD`'s help, for a new card's link.
    new_help: &'static str,
}

const ROWS: &[Row] = &[
    Row {
        kind: Kind::DependsOn,
        field: "depends_on",
        option: "depends-on",
        verb: "depends on",
        infinitive: "depend on",
        label: "depends on",
        inverse_verb: "blocks",
        acyclic: true,
        single: false,
        link_help: "CARD waits for OTHER: it is blocked until OTHER is done (stored on CARD)",
        inverse_option: Some((
            "blocks",
            "OTHER waits for CARD (stored on OTHER, as its depends_on)",
        )),
        new_help: "It waits for this card (repeat for more)",
    },
    Row {
        kind: Kind::Parent,
        field: "parent",
        option: "parent",
        verb: "is part of",
        infinitive: "be part of",
        label: "parent",
        inverse_verb: "has part",
        acyclic: true,
        single: true,
        link_help: "CARD is part of OTHER (a card has one parent: a new one replaces it)",
        inverse_option: None,
        new_help: "It is part of this card",
    },
    Row {
        kind: Kind::Supersedes,
        field: "supersedes",
        option: "supersedes",
        verb: "supersedes",
        infinitive: "supersede",
        label: "supersedes",
        inverse_verb: "is superseded by",
        acyclic: false,
        single: false,
        link_help: "CARD replaces OTHER (a newer hypothesis, a new decision)",
        inverse_option: None,
        new_help: "It replaces this card: a newer hypothesis, a new decision (repeat for more)",
    },
    Row {
        kind: Kind::Relates,
        field: "relates",
        option: "relates",
        verb: "relates to",
        infinitive: "relate to",
        label: "relates to",
        inverse_verb: "relates to",
        acyclic: false,
        single: false,
        link_help: "CARD and OTHER are related: see also (reads both ways)",
        inverse_option: None,
        new_help: "See also (repeat for more)",
    },
    Row {
        kind: Kind::RestsOn,
        field: "rests_on",
        option: "rests-on",
        verb: "rests on",
        infinitive: "rest on",
        label: "rests on",
        inverse_verb: "is evidence for",
        acyclic: false,
        single: false,
        link_help: "CARD (a decision) rests on OTHER's evidence (a hypothesis, an experiment)",
        inverse_option: None,
        new_help:
            "The hypothesis or experiment it rests on: a decision's evidence (repeat for more)",
    },
];

impl Kind {
    /// Every kind, in the order of [`ROWS`].
    pub const ALL: [Kind; ROWS.len()] = {
        let mut all = [Kind::DependsOn; ROWS.len()];
        let mut i = 0;
        while i < ROWS.len() {
            all[i] = ROWS[i].kind;
            i += 1;
        }
        all
    };

    fn row(self) -> &'static Row {
        &ROWS[self as usize]
    }

    /// The card field that stores it (a row of [`super::field::BUILTIN`]).
    pub fn field(self) -> &'static str {
        self.row().field
    }

    /// The kind stored in `field`.
    pub fn of_field(field: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.field() == field)
    }

    /// How a person says it, from the card that stores it.
    pub fn verb(self) -> &'static str {
        self.row().verb
    }

    /// The verb after "cannot" / "does not": `depend on`, `rest on`.
    pub fn infinitive(self) -> &'static str {
        self.row().infinitive
    }

    /// How `lanes show` labels the cards it links to.
    pub fn label(self) -> &'static str {
        self.row().label
    }

    /// The same link seen from the other card.
    pub fn inverse_verb(self) -> &'static str {
        self.row().inverse_verb
    }

    /// Whether links of this kind may not form a cycle.
    pub fn acyclic(self) -> bool {
        self.row().acyclic
    }

    /// Whether a card holds at most one link of this kind (a new one
    /// replaces it).
    pub fn single(self) -> bool {
        self.row().single
    }

    /// The command-line option that names it: `depends-on`.
    pub fn option(self) -> &'static str {
        self.row().option
    }

    /// What `lanes link CARD --OPTION OTHER` does, as its help says it.
    pub fn link_help(self) -> &'static str {
        self.row().link_help
    }

    /// The option of `lanes link` for the same link named from the other
    /// card (stored on OTHER), and its help: `blocks` for depends-on.
    pub fn inverse_option(self) -> Option<(&'static str, &'static str)> {
        self.row().inverse_option
    }

    /// What a new card's `--OPTION CARD` (`lanes add`, `lanes decide`)
    /// does, as its help says it.
    pub fn new_help(self) -> &'static str {
        self.row().new_help
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
            depends_on: Ids::strings(&self.depends_on),
            parent: self.parent.as_deref(),
            supersedes: Ids::strings(&self.supersedes),
            relates: Ids::strings(&self.relates),
            rests_on: Ids::strings(&self.rests_on),
        }
    }
}

/// What the graph reads of a card (from a [`Card`], or from the card
/// cache without decoding the card: `store::codec::node`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node<'a> {
    pub id: &'a str,
    pub progress: Progress<'a>,
    pub archived: bool,
    pub depends_on: Ids<'a>,
    pub parent: Option<&'a str>,
    pub supersedes: Ids<'a>,
    pub relates: Ids<'a>,
    pub rests_on: Ids<'a>,
}

impl<'a> Node<'a> {
    /// The ids it links to with `kind`, as stored.
    pub fn links(&self, kind: Kind) -> Vec<&'a str> {
        match kind {
            Kind::DependsOn => self.depends_on.to_vec(),
            Kind::Parent => self.parent.into_iter().collect(),
            Kind::Supersedes => self.supersedes.to_vec(),
            Kind::Relates => self.relates.to_vec(),
            Kind::RestsOn => self.rests_on.to_vec(),
        }
    }
}

/// A card's ids of one link kind, as a [`Node`] holds them without a list
/// of its own: the card's, or still encoded where the store keeps them
/// (the board screen builds the graph of every card each time it reads
/// the board, and a list per card and kind was a tenth of that work).
#[derive(Clone, Copy)]
pub struct Ids<'a>(IdsOf<'a>);

#[derive(Clone, Copy)]
enum IdsOf<'a> {
    Strings(&'a [String]),
    Strs(&'a [&'a str]),
    /// Each id as its length (LEB128) and its bytes.
    Encoded(&'a [u8]),
}

impl<'a> Ids<'a> {
    pub fn strings(ids: &'a [String]) -> Ids<'a> {
        Ids(IdsOf::Strings(ids))
    }

    pub fn strs(ids: &'a [&'a str]) -> Ids<'a> {
        Ids(IdsOf::Strs(ids))
    }

    /// Ids encoded one after the other, each as its length (LEB128, as
    /// `store::codec` writes a string) and its bytes. The store that
    /// encoded them checks they read before it hands them over: reading
    /// stops at the first that does not.
    pub fn encoded(bytes: &'a [u8]) -> Ids<'a> {
        Ids(IdsOf::Encoded(bytes))
    }

    pub fn len(&self) -> usize {
        match self.0 {
            IdsOf::Strings(v) => v.len(),
            IdsOf::Strs(v) => v.len(),
            IdsOf::Encoded(_) => self.iter().count(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self.0 {
            IdsOf::Strings(v) => v.is_empty(),
            IdsOf::Strs(v) => v.is_empty(),
            IdsOf::Encoded(b) => b.is_empty(),
        }
    }

    pub fn iter(&self) -> IdsIter<'a> {
        IdsIter(self.bytes())
    }

    /// The ids' bytes: what the graph hashes, without checking again that
    /// each is text.
    pub fn bytes(&self) -> IdBytes<'a> {
        IdBytes(self.0)
    }

    pub fn to_vec(&self) -> Vec<&'a str> {
        self.iter().collect()
    }
}

impl<'a> IntoIterator for Ids<'a> {
    type Item = &'a str;
    type IntoIter = IdsIter<'a>;

    fn into_iter(self) -> IdsIter<'a> {
        self.iter()
    }
}

/// The ids of an [`Ids`], in the order stored.
pub struct IdsIter<'a>(IdBytes<'a>);

impl<'a> Iterator for IdsIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let id = std::str::from_utf8(self.0.next()?).ok();
        if id.is_none() {
            self.0 = IdBytes(IdsOf::Encoded(&[]));
        }
        id
    }
}

/// The bytes of the ids of an [`Ids`], in the order stored.
pub struct IdBytes<'a>(IdsOf<'a>);

impl<'a> Iterator for IdBytes<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        match &mut self.0 {
            IdsOf::Strings(v) => {
                let (first, rest) = v.split_first()?;
                *v = rest;
                Some(first.as_bytes())
            }
            IdsOf::Strs(v) => {
                let (first, rest) = v.split_first()?;
                *v = rest;
                Some(first.as_bytes())
            }
            IdsOf::Encoded(b) => {
                let (&byte, rest) = b.split_first()?;
                let (len, rest) = match byte {
                    0..0x80 => (usize::from(byte), rest),
                    _ => leb128(b)?,
                };
                let Some((id, rest)) = rest.split_at_checked(len) else {
                    *b = &[];
                    return None;
                };
                *b = rest;
                Some(id)
            }
        }
    }
}

/// The length at the start of `b` (LEB128, at most 10 bytes), and the
/// bytes after it: how [`Ids::encoded`] and `store::codec` read the
/// length before every string, in one place.
pub fn leb128(b: &[u8]) -> Option<(usize, &[u8])> {
    let mut len = 0usize;
    for (at, &byte) in b.iter().enumerate().take(10) {
        len |= usize::from(byte & 0x7f).checked_shl(7 * at as u32)?;
        if byte & 0x80 == 0 {
            return Some((len, &b[at + 1..]));
        }
    }
    None
}

impl PartialEq for Ids<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Ids<'_> {}

impl std::fmt::Debug for Ids<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
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

mod flags;
mod graph;
mod index;

pub use flags::{flag_text, refuted_at, Dangling, Dead, Flag, Why};
pub use graph::{find_path, Derived, Graph, Waiting};
pub use index::{Index, Mark, Near, Section, Side};

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
    use std::collections::HashMap;

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
    fn ids_of_every_shape_resolve_and_stay_apart() {
        // Ids told apart by their number (up to 12 characters of the id
        // alphabet) and ids compared whole (longer, or any other
        // character, as a hand-edited file may hold), side by side.
        let all = [
            "0",
            "00",
            "000",
            "a",
            "_",
            "-a",
            "a-",
            "z0",
            "0z",
            "3fk2a9qx7m",
            "____________",
            "abcdefghjkmn",
            "abcdefghjkmnp",
            "abcdefghjkmnq",
            "Upper",
            "\u{e9}t\u{e9}",
            "a b",
        ];
        let long = "x".repeat(64);
        let mut cards: Vec<Card> = all.iter().map(|id| card(id, "todo", &[])).collect();
        cards.push(card(&long, "todo", &[]));
        let every: Vec<String> = cards.iter().map(|c| c.id.clone()).collect();
        cards.push(card("links", "todo", &[]));
        let last = cards.len() - 1;
        cards[last].depends_on = every.iter().rev().cloned().collect();
        cards[last].depends_on.push("abcdefghjkm".into()); // a prefix of one
        cards[last].depends_on.push("x".repeat(63));
        let g = graph(&cards);
        for id in &every {
            assert_eq!(g.index(id).map(|i| g.id(i)), Some(id.as_str()));
        }
        let links = g.index("links").unwrap();
        let mut deps = ids(&g, g.depends_on(links));
        deps.sort();
        let mut want = every.clone();
        want.sort();
        assert_eq!(deps, want);
        let dangling: Vec<&str> = g.dangling().iter().map(|d| d.id).collect();
        assert_eq!(dangling, ["abcdefghjkm", &"x".repeat(63)]);
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
