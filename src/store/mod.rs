//! The board on disk: finding it, reading and validating its YAML files, and
//! writing them atomically. No git and no terminal here.

pub mod cache;
pub mod checksum;
pub mod codec;
pub mod index;
pub mod json;
pub mod lock;
pub mod query;
pub mod read;
pub mod scan;
pub mod validate;

pub use index::Index;
pub mod yaml;

use crate::model::{id, BoardConfig, Card, FieldError};
use anyhow::{anyhow, bail, Context, Result};
use serde_yaml::Value;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The board folder, relative to the board root.
pub const BOARD_DIR: &str = ".lanes";
/// The board definition, relative to the board root.
pub const BOARD_FILE: &str = ".lanes/board.yaml";
/// The cards folder, relative to the board root.
pub const CARDS_DIR: &str = ".lanes/cards";
/// Where sync keeps a malformed version of a file it could not merge.
pub const CONFLICTS_DIR: &str = ".lanes/conflicts";

/// A problem with one board file, printed as `path:line:column: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Path relative to the board root, with `/` separators.
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for Problem {}

impl Problem {
    pub fn new(path: &str, line: usize, column: usize, message: impl Into<String>) -> Self {
        Problem {
            path: path.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    /// A field's problem at its place in `text` (the file at `path`).
    pub fn from_field(path: &str, text: &str, e: &FieldError) -> Self {
        let (line, column) = yaml::locate(text, &e.field);
        let (line, column) = e
            .near
            .as_deref()
            .and_then(|words| yaml::locate_near(text, line, column, words))
            .unwrap_or((line, column));
        Problem::new(path, line, column, e.to_string())
    }
}

/// Whether `rel` (relative to the board root, `/` separators) is a file
/// lanes reads and commits: `.lanes/board.yaml`, `.lanes/cards/<id>.yaml`,
/// or a version kept by sync under `.lanes/conflicts/`. Anything else under
/// `.lanes/` (a temporary file a killed process left, an editor's swap
/// file, `.DS_Store`) is reported by `validate` and never committed.
pub fn is_board_file(rel: &str) -> bool {
    if rel == BOARD_FILE {
        return true;
    }
    let in_dir = |dir: &str| {
        rel.strip_prefix(dir)
            .and_then(|r| r.strip_prefix('/'))
            .and_then(|n| n.strip_suffix(".yaml"))
            .filter(|stem| !stem.contains('/'))
    };
    if let Some(stem) = in_dir(CARDS_DIR) {
        return crate::model::id::is_valid(stem);
    }
    in_dir(CONFLICTS_DIR).is_some_and(|stem| !stem.is_empty() && !stem.starts_with('.'))
}

/// The relative path of a card's file.
pub fn card_path(id: &str) -> String {
    format!("{CARDS_DIR}/{id}.yaml")
}

/// Walk up from `start` to the folder that holds `.lanes/board.yaml`.
pub fn discover(start: &Path) -> Result<PathBuf> {
    let start =
        fs::canonicalize(start).with_context(|| format!("cannot open {}", start.display()))?;
    // With `GIT_WORK_TREE` set, git works on that tree wherever it runs
    // from; so does lanes, when the current folder is outside it.
    let start = match crate::env::Env::get()
        .os("GIT_WORK_TREE")
        .and_then(|w| fs::canonicalize(w).ok())
    {
        Some(wt) if !start.starts_with(&wt) => wt,
        _ => start,
    };
    let mut dir = Some(start.as_path());
    while let Some(d) = dir {
        if d.join(BOARD_FILE).is_file() {
            return Ok(d.to_path_buf());
        }
        dir = d.parent();
    }
    bail!(
        "no board found in {} or any parent folder; run `lanes init` to create one, or point to one with --board PATH",
        start.display()
    )
}

/// Resolve an explicit `--board` / `LANES_BOARD` path: the folder holding
/// `.lanes/`, or `.lanes/` itself.
pub fn explicit_root(path: &Path) -> Result<PathBuf> {
    let p = fs::canonicalize(path)
        .with_context(|| format!("board path {} does not exist", path.display()))?;
    if p.join(BOARD_FILE).is_file() {
        return Ok(p);
    }
    if p.file_name().is_some_and(|n| n == BOARD_DIR) && p.join("board.yaml").is_file() {
        if let Some(parent) = p.parent() {
            return Ok(parent.to_path_buf());
        }
    }
    bail!(
        "{} holds no board (.lanes/board.yaml); run `lanes init` there first",
        path.display()
    )
}

/// A card read from its file.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedCard {
    pub card: Card,
}

/// Parse one card file's bytes. `rel` is its path relative to the root.
pub fn parse_card(rel: &str, bytes: &[u8]) -> Result<LoadedCard, Problem> {
    let value = yaml::parse(bytes).map_err(|e| Problem::new(rel, e.line, e.column, e.message))?;
    let text = std::str::from_utf8(bytes).unwrap_or_default();
    let card = Card::from_value(value).map_err(|e| Problem::from_field(rel, text, &e))?;
    Ok(LoadedCard { card })
}

/// Parse board.yaml's bytes.
pub fn parse_board(bytes: &[u8]) -> Result<BoardConfig, Problem> {
    let value =
        yaml::parse(bytes).map_err(|e| Problem::new(BOARD_FILE, e.line, e.column, e.message))?;
    let text = std::str::from_utf8(bytes).unwrap_or_default();
    let mut config =
        BoardConfig::from_value(value).map_err(|e| Problem::from_field(BOARD_FILE, text, &e))?;
    config
        .views
        .place(|e| Problem::from_field(BOARD_FILE, text, e).to_string());
    Ok(config)
}

/// Render a card for writing over `previous_text` (if the file exists).
pub fn render_card(card: &Card, previous_text: Option<&str>) -> String {
    let new = card.to_mapping();
    let old = previous_text.and_then(|t| parse_card("", t.as_bytes()).ok());
    let canon = |t: &str| {
        parse_card("", t.as_bytes())
            .ok()
            .map(|c| c.card.to_mapping())
    };
    match (&old, previous_text) {
        (Some(o), Some(t)) => yaml::render(Some((t, &o.card.to_mapping())), &new, &canon),
        _ => yaml::emit(&new),
    }
}

/// A rendered card's `text` with the numbers at each dotted path of
/// `spelled` written as the user typed them (`0.20`, not `0.2`), where
/// the card reads back the same ([`yaml::respell`]).
pub fn respell_card(text: String, spelled: &[(String, String)]) -> String {
    if spelled.is_empty() {
        return text;
    }
    let canon = |t: &str| {
        parse_card("", t.as_bytes())
            .ok()
            .map(|c| c.card.to_mapping())
    };
    yaml::respell(&text, spelled, &canon)
}

/// Render board.yaml.
pub fn render_board(config: &BoardConfig, previous_text: Option<&str>) -> String {
    let new = config.to_mapping();
    let old = previous_text.and_then(|t| parse_board(t.as_bytes()).ok());
    let canon = |t: &str| parse_board(t.as_bytes()).ok().map(|c| c.to_mapping());
    match (old, previous_text) {
        (Some(o), Some(t)) => yaml::render(Some((t, &o.to_mapping())), &new, &canon),
        _ => yaml::emit(&new),
    }
}

/// The whole board as read from disk.
#[derive(Debug, Clone)]
pub struct Board {
    /// The folder that holds `.lanes/`.
    pub root: PathBuf,
    pub config: BoardConfig,
    /// Cards that could be read, in lane order, then rank, then id.
    pub cards: Vec<Card>,
    /// Card files that could not be read (and other problems found loading).
    pub problems: Vec<Problem>,
    /// Ids of all card files, readable or not (for prefix lookup).
    pub file_ids: Vec<String>,
    /// Cards a partial load ([`Board::load_top`]) left out, by lane: (lane
    /// id, number not archived). Empty when every card was loaded.
    pub omitted: Vec<(String, usize)>,
    /// What every card's links make of each card, for the board screen
    /// ([`Board::links`]): made when the board is read for the screen
    /// (`load_top`, `load_linked`: from every card's head, so a partial
    /// load has the whole board's) or by [`Board::refresh_links`];
    /// `None` once a change to a card's links, done state or verdict
    /// makes it out of date.
    links: Option<crate::model::links::Index>,
}

/// The board's folders must be real folders. A committed symbolic link
/// `.lanes/cards -> ../../elsewhere` (git stores it as a link and checks it
/// out as one) would have lanes list, validate and write files outside the
/// repository; lanes refuses such a board, with the way out. Checked
/// whenever board.yaml is read, which every command and every reload does
/// first.
pub fn check_folders(root: &Path) -> Result<(), Problem> {
    for rel in [BOARD_DIR, CARDS_DIR, CONFLICTS_DIR] {
        let path = root.join(rel);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::read_link(&path)
                    .map(|t| t.display().to_string())
                    .unwrap_or_default();
                return Err(Problem::new(
                    rel,
                    1,
                    1,
                    format!(
                        "is a symbolic link (to {target}); lanes keeps the board inside the repository and does not follow links out of it: replace the link with a folder holding the files (`git rm {rel}`, then `mkdir {rel}`)"
                    ),
                ));
            }
            Ok(m) if !m.is_dir() => {
                return Err(Problem::new(rel, 1, 1, "is not a folder"));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && rel != BOARD_DIR => {}
            Err(e) => return Err(Problem::new(rel, 1, 1, format!("cannot read: {e}"))),
        }
    }
    Ok(())
}

/// Refuse to write `rel` (relative to `base`, `/` separators) when a
/// folder on its way is a symbolic link: the write would land outside.
pub fn check_no_links(base: &Path, rel: &str) -> Result<()> {
    let mut dir = base.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, part) in parts.iter().enumerate().take(parts.len().saturating_sub(1)) {
        dir.push(part);
        if fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
            bail!(
                "{} is a symbolic link; lanes does not write through links (nothing was changed)",
                parts[..=i].join("/")
            );
        }
    }
    Ok(())
}

/// A board file's bytes if it exists (`None` if not), read as
/// [`read_board_file`] reads: never through a link, never over the size
/// bound.
pub fn read_if_exists(root: &Path, rel: &str) -> Result<Option<Vec<u8>>, Problem> {
    if rel == BOARD_FILE {
        check_folders(root)?;
    }
    match read::read_within(root, rel, &read::BOARD_FILES) {
        Ok(c) => Ok(Some(c.bytes)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.problem()),
    }
}

/// Read a file the user named (`lanes edit --file PATH`, the copy an
/// editor saved) as text: only a regular file (a FIFO would block, a
/// device like `/dev/zero` would never end), at most the size bound of a
/// board file, UTF-8.
pub fn read_user_file(path: &Path) -> Result<String> {
    const CARD_FILES: read::Rules = read::Rules {
        what: "card files",
        ..read::BOARD_FILES
    };
    let text = read::read_path(path, &CARD_FILES).and_then(read::Contents::into_text)?;
    Ok(text)
}

/// Read a board file (see [`read`]): a regular file, not a link, at most
/// [`yaml::MAX_FILE_BYTES`].
pub fn read_board_file(root: &Path, rel: &str) -> Result<Vec<u8>, Problem> {
    if rel == BOARD_FILE {
        check_folders(root)?;
    }
    read::read_within(root, rel, &read::BOARD_FILES)
        .map(|c| c.bytes)
        .map_err(|e| e.problem())
}

impl Board {
    /// Read board.yaml and every card. Card problems are collected, not
    /// fatal; a broken board.yaml is an error.
    pub fn load(root: &Path) -> Result<Board> {
        Board::load_with(root, None, false)
    }

    /// The top of the board, fast: the first `per_lane` cards (not
    /// archived) of each lane, with the rest counted in
    /// [`Board::omitted`]. For a first screen while the whole board loads.
    pub fn load_top(root: &Path, per_lane: usize) -> Result<Board> {
        Board::load_with(root, Some(per_lane), true)
    }

    /// The whole board with its links worked out ([`Board::links`]), as
    /// the board screen reads it.
    pub fn load_linked(root: &Path) -> Result<Board> {
        Board::load_with(root, None, true)
    }

    fn load_with(root: &Path, per_lane: Option<usize>, linked: bool) -> Result<Board> {
        let config = parse_board(&read_board_file(root, BOARD_FILE)?)?;
        // The links' index from every card's head: from the card cache on
        // another core while the card files are checked (it holds when the
        // cache holds the board's cards as they are); otherwise on another
        // core while the cards are decoded.
        let (snapshot, guessed) = if linked {
            cache::cards::Snapshot::load_guessing(root, |cards| {
                let nodes = cards.iter().filter_map(|c| codec::node(c)).collect();
                crate::model::links::Index::new(&config, nodes)
            })?
        } else {
            (cache::cards::Snapshot::load(root)?, None)
        };
        let file_ids = snapshot.file_ids.clone();
        let index = |s: &cache::cards::Snapshot| match guessed {
            Some(index) => Some(index),
            None => linked.then(|| crate::model::links::Index::new(&config, s.nodes())),
        };
        let (cards, problems, omitted, links) = match per_lane {
            None if !linked => {
                let (cards, problems) = snapshot.into_cards(root, &config);
                (cards, problems, Vec::new(), None)
            }
            None => {
                let (cards, problems, links) = snapshot.into_cards_with(root, &config, index);
                (cards, problems, Vec::new(), links)
            }
            Some(n) => snapshot.into_top_with(root, &config, n, index),
        };
        let mut board = Board {
            root: root.to_path_buf(),
            config,
            cards,
            problems,
            file_ids,
            omitted,
            links,
        };
        // Already in order unless a damaged cache entry was read again.
        board.sort();
        Ok(board)
    }

    /// Whether this is a partial load (see [`Board::load_top`]).
    pub fn is_partial(&self) -> bool {
        !self.omitted.is_empty()
    }

    /// Sort cards by lane order (unknown lanes last), rank, then id. Cards
    /// are large, so the order is worked out on keys and applied once.
    pub fn sort(&mut self) {
        let config = &self.config;
        let mut order: Vec<(usize, &str, &str, &str, usize)> = self
            .cards
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    config.lane_index(&c.lane).unwrap_or(usize::MAX),
                    c.lane.as_str(),
                    c.rank.as_str(),
                    c.id.as_str(),
                    i,
                )
            })
            .collect();
        order.sort_unstable();
        // Apply the permutation in place, one cycle at a time.
        let mut from: Vec<usize> = order.into_iter().map(|k| k.4).collect();
        for start in 0..from.len() {
            let mut i = start;
            while from[i] != start {
                let j = from[i];
                self.cards.swap(i, j);
                from[i] = i;
                i = j;
            }
            from[i] = i;
        }
    }

    /// Put a card in (replacing one with the same id) at its sorted place,
    /// without sorting the whole board.
    pub fn upsert(&mut self, card: Card) {
        // The links' index holds unless the change is one it reads.
        let keep = self
            .card(&card.id)
            .is_some_and(|old| !crate::model::links::changes_graph(&self.config, old, &card));
        let links = self.links.take();
        self.remove(&card.id);
        self.links = links.filter(|_| keep);
        let rel = card_path(&card.id);
        self.problems.retain(|p| p.path != rel);
        if let Err(pos) = self.file_ids.binary_search(&card.id) {
            self.file_ids.insert(pos, card.id.clone());
        }
        let config = &self.config;
        let key = |c: &Card| {
            (
                config.lane_index(&c.lane).unwrap_or(usize::MAX),
                c.lane.clone(),
                c.rank.clone(),
                c.id.clone(),
            )
        };
        let k = key(&card);
        let pos = self.cards.partition_point(|c| key(c) < k);
        self.cards.insert(pos, card);
    }

    /// Take a card out (its file is gone or unreadable).
    pub fn remove(&mut self, id: &str) {
        if let Some(i) = self.cards.iter().position(|c| c.id == id) {
            self.cards.remove(i);
            self.links = None;
        }
    }

    /// What every card's links make of each card (blocked, ready,
    /// flags, both ways): as last worked out, empty if never (see
    /// [`Board::refresh_links`]).
    pub fn links(&self) -> &crate::model::links::Index {
        static EMPTY: std::sync::LazyLock<crate::model::links::Index> =
            std::sync::LazyLock::new(Default::default);
        self.links.as_ref().unwrap_or(&EMPTY)
    }

    /// Work out the links' index again if a change to a card made it out
    /// of date (from the cards loaded: a partial load keeps the one made
    /// from every card's head until a change to a card's links).
    pub fn refresh_links(&mut self) {
        if self.links.is_none() {
            self.links = Some(crate::model::links::Index::new(
                &self.config,
                self.cards.iter().map(Card::node).collect(),
            ));
        }
    }

    /// Resolve a card id or unique prefix to a full id.
    pub fn resolve_id(&self, query: &str) -> Result<String> {
        resolve_prefix(&self.file_ids, query, |id| {
            self.card(id).map(|c| c.title.clone())
        })
    }

    pub fn card(&self, id: &str) -> Option<&Card> {
        self.cards.iter().find(|c| c.id == id)
    }

    /// The problem that keeps a card file from loading, if any.
    pub fn problem_for(&self, id: &str) -> Option<&Problem> {
        let rel = card_path(id);
        self.problems.iter().find(|p| p.path == rel)
    }

    /// Cards in one lane, in order (archived included).
    pub fn lane_cards<'a>(&'a self, lane: &'a str) -> impl Iterator<Item = &'a Card> + 'a {
        self.cards.iter().filter(move |c| c.lane == lane)
    }
}

/// Find the single id in sorted `ids` that starts with `query`.
pub fn resolve_prefix(
    ids: &[String],
    query: &str,
    title: impl Fn(&str) -> Option<String>,
) -> Result<String> {
    let q = query.trim().to_lowercase();
    if q.is_empty() || !id::is_valid(&q) {
        return Err(crate::error::refused(format!("{query:?} is not a card id; card ids are lowercase letters and digits (see `lanes list`)")));
    }
    let start = ids.partition_point(|i| i.as_str() < q.as_str());
    let hits: Vec<&String> = ids[start..]
        .iter()
        .take_while(|i| i.starts_with(&q))
        .collect();
    match hits.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            // A typo in a prefix: the one id whose start is a letter or two
            // away from it.
            let near =
                crate::model::text::did_you_mean(&q, ids.iter().filter_map(|i| i.get(..q.len())))
                    .and_then(|p| {
                        let start = ids.partition_point(|i| i.as_str() < p);
                        let mut with = ids[start..].iter().take_while(|i| i.starts_with(p));
                        match (with.next(), with.next()) {
                            (Some(one), None) => Some(one),
                            _ => None,
                        }
                    })
                    .map(|id| match title(id) {
                        Some(t) => format!(
                            "did you mean {} ({})? ",
                            id::short(id),
                            crate::model::text::clean_line(&t, 60)
                        ),
                        None => format!("did you mean {}? ", id::short(id)),
                    })
                    .unwrap_or_default();
            Err(crate::error::not_found(format!(
                "no card {query:?} on this board; {near}`lanes list --all` shows every card"
            )))
        }
        many => {
            if let Some(exact) = many.iter().find(|i| ***i == q) {
                return Ok((*exact).clone());
            }
            let list: Vec<String> = many
                .iter()
                .map(|i| match title(i) {
                    Some(t) => format!("  {i}  {t}"),
                    None => format!("  {i}"),
                })
                .collect();
            Err(crate::error::refused(format!(
                "card id {query:?} is ambiguous; it matches:\n{}\ngive more characters",
                list.join("\n")
            )))
        }
    }
}

/// Write `lanes list --json`: the cards `keep` selects, in board order, as
/// one JSON array, straight from the card cache (no card is parsed or
/// decoded unless its file changed), each with its links both ways and
/// whether it is blocked ([`json::link_fields`], computed from every
/// card's head, never cached; claims judged by the wall clock). Returns
/// the problems of unreadable cards.
pub fn list_json(
    root: &Path,
    config: &BoardConfig,
    keep: impl Fn(&codec::Head) -> bool,
    out: &mut impl Write,
) -> Result<Vec<Problem>> {
    let heads = Heads::load_for_json(root)?;
    let all = heads.heads();
    let graph =
        crate::model::links::Graph::new(config, all.iter().map(codec::Head::node).collect());
    let now = crate::model::date::now_secs();
    heads.write_json(
        config,
        keep,
        |h| json::link_fields_text(&graph, h, now),
        out,
    )
}

/// Every readable card's head (id, placement, links, progress: see
/// [`codec::Head`]) from the card cache, without decoding a card: what
/// `ready`, `show` and the link graph need of the whole board.
pub struct Heads {
    root: PathBuf,
    snapshot: cache::cards::Snapshot,
}

impl Heads {
    /// Refused, as every read of the board is, when a board folder is a
    /// symbolic link ([`check_folders`]).
    pub fn load(root: &Path) -> Result<Heads> {
        check_folders(root)?;
        let snapshot = cache::cards::Snapshot::load(root)?;
        snapshot.settle();
        Ok(Heads {
            root: root.to_path_buf(),
            snapshot,
        })
    }

    /// For a caller that prints cards as JSON ([`Heads::write_json`]):
    /// cards read from their files are kept encoded with their JSON.
    pub fn load_for_json(root: &Path) -> Result<Heads> {
        check_folders(root)?;
        Ok(Heads {
            root: root.to_path_buf(),
            snapshot: cache::cards::Snapshot::load_for_json(root)?,
        })
    }

    /// Write the cards `keep` selects as one JSON array in board order,
    /// each object with the fields `more` gives (JSON text of
    /// `"key":value` pairs) added. Returns the problems of unreadable
    /// cards.
    pub fn write_json(
        &self,
        config: &BoardConfig,
        keep: impl Fn(&codec::Head) -> bool,
        more: impl Fn(&codec::Head) -> String,
        out: &mut impl Write,
    ) -> Result<Vec<Problem>> {
        self.write_json_placed(config, keep, more, |_| 0, out)
    }

    /// [`Heads::write_json`], each lane's cards in the order `place`
    /// gives them (a saved view's), then the board's.
    pub fn write_json_placed(
        &self,
        config: &BoardConfig,
        keep: impl Fn(&codec::Head) -> bool,
        more: impl Fn(&codec::Head) -> String,
        place: impl Fn(&codec::Head) -> usize,
        out: &mut impl Write,
    ) -> Result<Vec<Problem>> {
        self.snapshot
            .write_json(&self.root, config, keep, more, place, out)
    }

    /// [`Heads::write_json`] of one page: of the cards `keep` selects, in
    /// board order, the `take` after the first `skip`. Also returns how
    /// many cards `keep` selects in all.
    pub fn write_json_page(
        &self,
        config: &BoardConfig,
        keep: impl Fn(&codec::Head) -> bool,
        more: impl Fn(&codec::Head) -> String,
        place: impl Fn(&codec::Head) -> usize,
        page: (usize, usize),
        out: &mut impl Write,
    ) -> Result<(Vec<Problem>, usize)> {
        self.snapshot.write_json_page(
            &self.root,
            config,
            |h| keep(h).then(|| place(h)),
            more,
            page,
            out,
        )
    }

    /// [`Heads::write_json_page`] of heads kept in memory and brought up
    /// to date with [`Heads::refresh`] (see
    /// [`cache::cards::Snapshot::write_json_page_kept`]). Returns how many
    /// cards `keep` selects.
    pub fn write_json_page_kept(
        &self,
        config: &BoardConfig,
        keep: impl Fn(&codec::Head) -> bool,
        more: impl Fn(&codec::Head) -> String,
        place: impl Fn(&codec::Head) -> usize,
        page: (usize, usize),
        out: &mut impl Write,
    ) -> Result<usize> {
        self.snapshot.write_json_page_kept(
            &self.root,
            config,
            |h| keep(h).then(|| place(h)),
            more,
            page,
            out,
        )
    }

    /// Heads to keep in memory between reads (the MCP server's): as
    /// [`Heads::load_for_json`], with every card's JSON at hand.
    pub fn load_kept(root: &Path) -> Result<Heads> {
        let mut heads = Heads::load_for_json(root)?;
        heads.snapshot.settle();
        heads.snapshot.fill_json(root);
        Ok(heads)
    }

    /// Read these cards' files again (created, changed or removed since
    /// the heads were read), keeping the others as they are.
    pub fn refresh<'i>(&mut self, ids: impl IntoIterator<Item = &'i str>) {
        self.snapshot.refresh(&self.root, ids);
    }

    /// Every readable card as a node of the link graph, in id order.
    pub fn nodes(&self) -> Vec<crate::model::links::Node<'_>> {
        self.snapshot.nodes()
    }

    /// The head of one readable card.
    pub fn head(&self, id: &str) -> Option<codec::Head<'_>> {
        let entries = &self.snapshot.entries;
        let i = entries.binary_search_by(|e| e.id.as_str().cmp(id)).ok()?;
        self.snapshot.head_of(&entries[i])
    }

    /// The heads, in id order.
    pub fn heads(&self) -> Vec<codec::Head<'_>> {
        self.snapshot.heads()
    }

    /// Ids of all card files, readable or not, sorted.
    pub fn file_ids(&self) -> &[String] {
        &self.snapshot.file_ids
    }

    /// Card files that cannot be read.
    pub fn problems(&self) -> &[Problem] {
        &self.snapshot.problems
    }

    /// One card, whole.
    pub fn card(&self, id: &str) -> Option<Result<Card, Problem>> {
        let e = self
            .snapshot
            .entries
            .binary_search_by(|e| e.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.snapshot.entries[i])?;
        Some(self.snapshot.card(&self.root, e))
    }

    /// Resolve an id or unique prefix to a full id.
    pub fn resolve_id(&self, query: &str) -> Result<String> {
        // Titles are read only to name the cards an ambiguous prefix
        // matches: no head is decoded otherwise.
        let entries = &self.snapshot.entries;
        resolve_prefix(&self.snapshot.file_ids, query, |id| {
            let e = entries
                .binary_search_by(|e| e.id.as_str().cmp(id))
                .ok()
                .and_then(|i| entries.get(i))?;
            self.snapshot.head_of(e).map(|h| h.title.to_string())
        })
    }
}

/// Read and parse card files, on as many threads as there are cores.
pub fn read_cards(root: &Path, ids: &[String]) -> Vec<Result<LoadedCard, Problem>> {
    par_map(ids, |id| {
        let rel = card_path(id);
        let bytes = read_board_file(root, &rel)?;
        parse_card(&rel, &bytes)
    })
}

/// `items.iter().map(f)`, split over as many threads as there are cores
/// (up to 8) when there are enough items to be worth it.
pub fn par_map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    if threads <= 1 || items.len() < 64 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Write a file atomically: a temporary file in the same folder, flushed to
/// disk, then renamed over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| anyhow!("{} has no parent folder", path.display()))?;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(anyhow!("cannot write {}: {e}", path.display()));
    }
    Ok(())
}

/// The value a YAML text parses to (for `--set FIELD=VALUE`).
pub fn parse_value(text: &str) -> Result<Value> {
    if text.is_empty() {
        return Ok(Value::Null);
    }
    serde_yaml::from_str(text).map_err(|e| anyhow!("{text:?} is not a valid YAML value: {e}"))
}
