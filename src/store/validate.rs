//! `lanes validate`: every problem on the board, with positions.

use super::codec::Head;
use super::{
    cache, card_path, is_board_file, parse_board, read_board_file, yaml, Board, Problem, BOARD_DIR,
    BOARD_FILE, CARDS_DIR,
};
use crate::model::links::{describe_cycle, Graph, Kind, Node};
use crate::model::{BoardConfig, Card};
use anyhow::Result;
use std::path::Path;

/// At most this many ids are named in a rank clash; the rest are counted.
pub const CLASH_IDS: usize = 10;

/// The board [`check_root`] checked.
#[derive(Debug)]
pub struct Checked {
    pub config: BoardConfig,
    /// How many cards could be read.
    pub cards: usize,
}

/// [`check`] on the board at `root`, without holding every card at once.
/// A loaded board of 100,000 cards is about 250 MB of cards; validation
/// needs only each card's id, lane, rank and kind. So the cards the card
/// cache vouches for are decoded on all cores, one at a time, keeping just
/// those. When the cache is to be rewritten (no cache yet, or many cards
/// changed), the cards are loaded whole, as [`Board::load`] does, which
/// rewrites it. A broken board.yaml is an error, as for [`Board::load`].
pub fn check_root(root: &Path) -> Result<(Vec<Problem>, Checked)> {
    let config = parse_board(&read_board_file(root, BOARD_FILE)?)?;
    let mut snapshot = cache::cards::Snapshot::load(root)?;
    if snapshot.outdated {
        let (cards, problems) = snapshot.into_cards(root, &config);
        let mut problems = check_cards(root, &config, problems, cards.iter().map(Facts::of));
        problems.extend(declared_problems(root, &config, cards.iter()));
        problems.sort_by(|a, b| a.path.cmp(&b.path).then(a.line.cmp(&b.line)));
        let cards = cards.len();
        return Ok((problems, Checked { config, cards }));
    }
    let problems = std::mem::take(&mut snapshot.problems);
    // The team's own fields are checked on whole cards, decoded only when
    // board.yaml declares some.
    let declared = if config.fields.declared.is_empty() {
        Vec::new()
    } else {
        let cards: Vec<Card> = snapshot
            .entries
            .iter()
            .filter_map(|e| snapshot.card(root, e).ok())
            .collect();
        declared_problems(root, &config, cards.iter())
    };
    // Every card's head has what the checks read (placement, kind, links,
    // progress): no card is decoded.
    let heads = snapshot.heads();
    let mut problems = check_cards(root, &config, problems, heads.iter().map(Facts::of_head));
    if !declared.is_empty() {
        problems.extend(declared);
        problems.sort_by(|a, b| a.path.cmp(&b.path).then(a.line.cmp(&b.line)));
    }
    let cards = heads.len();
    Ok((problems, Checked { config, cards }))
}

/// Problems found loading the board plus those only the whole board shows:
/// cards in unknown lanes, unknown kinds, missing or equal ranks, links to
/// cards that do not exist, and cycles of `depends_on` or `parent` links.
pub fn check(board: &Board) -> Vec<Problem> {
    let mut out = check_cards(
        &board.root,
        &board.config,
        board.problems.clone(),
        board.cards.iter().map(Facts::of),
    );
    out.extend(declared_problems(
        &board.root,
        &board.config,
        board.cards.iter(),
    ));
    out.sort_by(|a, b| a.path.cmp(&b.path).then(a.line.cmp(&b.line)));
    out
}

/// Values of the team's own fields (`fields:`) that do not have the type
/// board.yaml declares, each at its place in the card file. A field
/// board.yaml no longer declares is kept on cards and not reported.
fn declared_problems<'a>(
    root: &Path,
    config: &BoardConfig,
    cards: impl Iterator<Item = &'a Card>,
) -> Vec<Problem> {
    let mut out = Vec::new();
    for card in cards.filter(|c| !c.fields.is_empty()) {
        let mut text = None;
        for (k, v) in &card.fields {
            let Some(name) = k.as_str() else { continue };
            let Some(f) = config.fields.declared.iter().find(|f| f.key == name) else {
                continue;
            };
            if let Err(e) = f.check(v) {
                let rel = card_path(&card.id);
                let text = text.get_or_insert_with(|| {
                    read_board_file(root, &rel)
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default()
                });
                let path = format!("{}.{name}", crate::model::field::DECLARED);
                let (line, column) = yaml::locate(text, &path);
                out.push(Problem::new(&rel, line, column, format!("{name}: {e}")));
            }
        }
    }
    out
}

/// What the whole-board checks read of a card.
struct Facts<'a> {
    id: &'a str,
    lane: &'a str,
    rank: &'a str,
    kind: &'a str,
    node: Node<'a>,
}

impl<'a> Facts<'a> {
    fn of(card: &'a Card) -> Self {
        Facts {
            id: &card.id,
            lane: &card.lane,
            rank: &card.rank,
            kind: &card.kind,
            node: card.node(),
        }
    }

    fn of_head(head: &'a Head<'a>) -> Self {
        Facts {
            id: head.id,
            lane: head.lane,
            rank: head.rank,
            kind: head.kind,
            node: head.node(),
        }
    }
}

/// [`check`] on the cards of the board at `root`, given the problems found
/// loading it.
fn check_cards<'a>(
    root: &Path,
    config: &BoardConfig,
    mut out: Vec<Problem>,
    cards: impl Iterator<Item = Facts<'a>>,
) -> Vec<Problem> {
    let texts = |id: &str| {
        read_board_file(root, &card_path(id))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    let mut ranked: Vec<(&str, &str, &str)> = Vec::with_capacity(cards.size_hint().0);
    let mut nodes = Vec::with_capacity(cards.size_hint().0);
    for card in cards {
        nodes.push(card.node.clone());
        let mut found = Vec::new();
        if config.lane(card.lane).is_none() {
            found.push((
                "lane",
                format!(
                    "unknown lane {:?}; lanes are: {}",
                    card.lane,
                    config
                        .lanes
                        .iter()
                        .map(|l| l.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if !config.kinds.iter().any(|k| k == card.kind) {
            found.push((
                "kind",
                format!(
                    "unknown kind {:?}; board kinds are: {}",
                    card.kind,
                    config.kinds.join(", ")
                ),
            ));
        }
        if card.rank.is_empty() {
            found.push((
                "rank",
                "missing rank; `lanes move` gives the card one".to_string(),
            ));
        } else {
            ranked.push((card.lane, card.rank, card.id));
        }
        if !found.is_empty() {
            let rel = card_path(card.id);
            let text = texts(card.id);
            for (field, message) in found {
                let (line, column) = yaml::locate(&text, field);
                out.push(Problem::new(&rel, line, column, message));
            }
        }
    }
    out.extend(rank_clashes(ranked, &texts));
    out.extend(link_problems(&Graph::new(config, nodes), &texts));
    out.sort_by(|a, b| a.path.cmp(&b.path).then(a.line.cmp(&b.line)));
    out
}

/// Links to cards that do not exist (kept: the card may come back with a
/// merge; reported so a person decides), links of a card to itself, and
/// cycles of `depends_on` or `parent` links: each at the link in the file
/// (`depends_on.2`), a cycle at every link of it.
fn link_problems(g: &Graph, text: &dyn Fn(&str) -> String) -> Vec<Problem> {
    let mut out = Vec::new();
    let at = |card: &str, field: String, message: String| {
        let (line, column) = yaml::locate(&text(card), &field);
        Problem::new(&card_path(card), line, column, message)
    };
    let field_at = |kind: Kind, position: usize| match kind {
        Kind::Parent => "parent".to_string(),
        k => format!("{}.{position}", k.field()),
    };
    for d in g.dangling() {
        let card = g.id(d.card);
        out.push(at(
            card,
            field_at(d.kind, d.position),
            format!(
                "{}: no card {:?} on this board (deleted, or not merged here yet); the link is kept until it is removed: `lanes unlink {} --{} {}`",
                d.kind.field(),
                d.id,
                crate::model::id::short(card),
                d.kind.field().replace('_', "-"),
                d.id
            ),
        ));
    }
    for &(i, kind) in g.self_links() {
        let card = g.id(i);
        let position = g
            .node(i)
            .links(kind)
            .iter()
            .position(|l| *l == card)
            .unwrap_or(0);
        out.push(at(
            card,
            field_at(kind, position),
            format!("{}: a card cannot link to itself", kind.field()),
        ));
    }
    for kind in [Kind::DependsOn, Kind::Parent] {
        for cycle in g.cycles(kind) {
            let ids: Vec<&str> = cycle.iter().map(|&c| g.id(c)).collect();
            let named = describe_cycle(&ids, 12);
            for pair in ids.windows(2) {
                let (from, to) = (pair[0], pair[1]);
                let position = g
                    .node(g.index(from).unwrap_or_default())
                    .links(kind)
                    .iter()
                    .position(|l| *l == to)
                    .unwrap_or(0);
                let why = match kind {
                    Kind::DependsOn => "no card in it can ever be ready",
                    _ => "a card cannot be part of its own part",
                };
                out.push(at(
                    from,
                    field_at(kind, position),
                    format!(
                        "{} cycle: {named}; {why}: remove one link (`lanes unlink {} --{} {}` removes this one)",
                        kind.field(),
                        crate::model::id::short(from),
                        kind.field().replace('_', "-"),
                        crate::model::id::short(to)
                    ),
                ));
            }
        }
    }
    out
}

/// One problem per group of cards sharing a rank in a lane, given each
/// ranked card as `(lane, rank, id)`: at the `rank:` line of the group's
/// first card (by id), naming at most [`CLASH_IDS`] of the others. An
/// import that gives 100,000 cards one rank makes one line per lane, not a
/// list of every other card on every card's line (which grew with the
/// square of the group). `text` reads a card's file.
fn rank_clashes(
    mut ranked: Vec<(&str, &str, &str)>,
    text: &dyn Fn(&str) -> String,
) -> Vec<Problem> {
    ranked.sort_unstable();
    ranked
        .chunk_by(|a, b| a.0 == b.0 && a.1 == b.1)
        .filter(|group| group.len() > 1)
        .map(|group| {
            let (lane, rank, first) = group[0];
            let others: Vec<&str> = group[1..].iter().map(|c| c.2).collect();
            let (line, column) = yaml::locate(&text(first), "rank");
            Problem::new(
                &card_path(first),
                line,
                column,
                clash_message(lane, rank, &others),
            )
        })
        .collect()
}

fn clash_message(lane: &str, rank: &str, others: &[&str]) -> String {
    let named = &others[..others.len().min(CLASH_IDS)];
    let mut list = named.join(", ");
    if others.len() > named.len() {
        list.push_str(&format!(" and {} more", others.len() - named.len()));
    }
    format!(
        "rank {rank:?} is also used by {} other card{} in lane {lane}: {list}; order among these {} cards falls back to id (`lanes move CARD {lane} --before/--after CARD` gives a card a rank of its own)",
        others.len(),
        if others.len() == 1 { "" } else { "s" },
        others.len() + 1,
    )
}

/// Files under `.lanes/` that are not board files (see
/// [`super::is_board_file`]) and that the card scan does not already
/// report: temporary files a killed process left, editor swap files,
/// `.DS_Store`, anything else put there. Files `tracked` says the team
/// committed on purpose (a script kept with the board) are left out.
pub fn strays(root: &std::path::Path, tracked: impl Fn(&str) -> bool) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut walk = vec![BOARD_DIR.to_string()];
    while let Some(dir) = walk.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = format!("{dir}/{name}");
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                walk.push(rel);
                continue;
            }
            if is_board_file(&rel) || tracked(&rel) {
                continue;
            }
            // The scan reports visible non-card names in cards/ already.
            if dir == CARDS_DIR && !name.starts_with('.') {
                continue;
            }
            out.push(Problem::new(
                &rel,
                1,
                1,
                "not a board file (a temporary file a killed command left, or an editor's?): lanes ignores it and never commits it; remove it if nothing is writing it",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// `check_root` finds what loading the board and `check` find, card
    /// for card, whether the cards are read from their files, loaded whole
    /// to write the cache, or decoded from it.
    #[test]
    fn check_root_finds_what_check_on_the_loaded_board_finds() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        // A git dir, for the card cache (`.git/lanes/cards-v1`).
        fs::create_dir_all(root.join(".git")).unwrap();
        let template = crate::templates::BUILTIN
            .iter()
            .find(|(n, _)| *n == "research-kanban")
            .map(|(_, t)| *t)
            .unwrap();
        fs::create_dir_all(root.join(CARDS_DIR)).unwrap();
        fs::write(root.join(BOARD_FILE), template).unwrap();
        let card = |id: &str, text: &str| fs::write(root.join(card_path(id)), text).unwrap();
        for i in 0..40 {
            let id = format!("same{i:02}");
            card(
                &id,
                &format!("id: {id}\ntitle: T\nlane: backlog\nrank: m\nkind: task\n"),
            );
        }
        for i in 0..30 {
            let id = format!("own{i:02}");
            card(
                &id,
                &format!("id: {id}\ntitle: T\nlane: analysis\nrank: m{i}1\nkind: hypothesis\n"),
            );
        }
        card("pairb", "id: pairb\nlane: done\nrank: t\n");
        card("paira", "id: paira\nlane: done\nrank: t\nkind: task\n");
        card(
            "lost",
            "id: lost\ntitle: Lost\nlane: nowhere\nrank: m\nkind: spike\n",
        );
        card("lostb", "id: lostb\nlane: nowhere\nrank: m\n");
        card("norank", "id: norank\nlane: backlog\nkind: task\n");
        card("dupa", "id: dupb\nlane: done\nrank: m\n");
        card("dupb", "id: dupb\nlane: done\nrank: z\n");
        card("broken", "id: broken\nlane: [unclosed\n");
        card("badrank", "id: badrank\nlane: backlog\nrank: m0\n");
        fs::write(root.join(CARDS_DIR).join("Not A Card.yaml"), "x").unwrap();
        card(
            "cyca",
            "id: cyca\ntitle: T\nlane: backlog\nrank: c1\nkind: task\ndepends_on:\n- cycb\n",
        );
        card(
            "cycb",
            "id: cycb\ntitle: T\nlane: backlog\nrank: c2\nkind: task\ndepends_on:\n- nosuch\n- cyca\nrelates:\n- cycb\n",
        );

        let same = |when: &str| {
            let board = Board::load(root).unwrap();
            let want = check(&board);
            let (got, checked) = check_root(root).unwrap();
            assert_eq!(got, want, "{when}");
            assert_eq!(checked.cards, board.cards.len(), "{when}");
            assert_eq!(checked.config, board.config, "{when}");
            got
        };
        // Files changed just now: read from their files, not cached.
        let found = same("cards read from their files");
        let cache = root.join(".git/lanes/cards-v1");
        assert!(!cache.exists());
        // One clash per group: the 40 in backlog, the pair, the two lost.
        let clashes: Vec<&Problem> = found
            .iter()
            .filter(|p| p.message.contains("is also used by"))
            .collect();
        assert_eq!(clashes.len(), 3, "{found:#?}");
        assert!(found.iter().any(|p| p.path.ends_with("broken.yaml")));
        assert!(found.iter().any(|p| p.message.contains("duplicate id")));
        assert!(found.iter().any(|p| p.message.contains("missing rank")));
        assert!(found.iter().any(|p| p.message.contains("unknown kind")));
        assert!(found.iter().any(|p| p.path.ends_with("Not A Card.yaml")));
        // Each link of the cycle where it is written; the dangling id and
        // the link to itself at their items.
        let at = |p: &Problem| format!("{}:{}:{}", p.path, p.line, p.column);
        let cycle: Vec<String> = found
            .iter()
            .filter(|p| {
                p.message
                    .starts_with("depends_on cycle: cyca → cycb → cyca")
            })
            .map(at)
            .collect();
        assert_eq!(
            cycle,
            [".lanes/cards/cyca.yaml:7:3", ".lanes/cards/cycb.yaml:8:3"]
        );
        let dangling: Vec<String> = found
            .iter()
            .filter(|p| p.message.contains("no card \"nosuch\""))
            .map(at)
            .collect();
        assert_eq!(dangling, [".lanes/cards/cycb.yaml:7:3"]);
        assert!(found
            .iter()
            .any(|p| at(p) == ".lanes/cards/cycb.yaml:10:3" && p.message.contains("itself")));

        // Once the files are older than the cache's racy window, the first
        // run loads the cards whole and writes the cache; the next decodes
        // them from it.
        std::thread::sleep(std::time::Duration::from_millis(2100));
        fs::remove_file(&cache).ok();
        let (first, _) = check_root(root).unwrap();
        assert!(cache.exists(), "the first run writes the cache");
        assert_eq!(first, found);
        assert!(!cache::cards::Snapshot::load(root).unwrap().outdated);
        assert_eq!(same("cards decoded from the cache"), found);
    }
}
