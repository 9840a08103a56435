//! The card cache: every readable card of the board in the compact form of
//! [`codec`], with the JSON `list --json` prints for it, kept in
//! `<git dir>/lanes/cards-v1` (never committed).
//!
//! Every card file is `stat`-ed and its row trusted only as the
//! [`table`] rule says (size, mtime, ctime and inode unchanged, not
//! racily clean), so edits by hand, `git pull` or another clone are always
//! seen: a whole-board read is a read of every card anyway. Decoding a
//! cached card costs a fraction of parsing its YAML. Having checked every
//! file, a whole-board read also brings the summary index up to date
//! ([`summary::reconcile`]).
//!
//! Sections (see [`envelope`]): the rows (see [`table`]), whose payload is
//! where the card's JSON is in the JSON section (u64 offset, u32 length)
//! and the encoded card; then the JSON, read only by `list --json`.

use super::envelope::{self, Sealed};
use super::summary::{self, Seen};
use super::table::{self, now_ns, Stamp};
use super::{Scratch, CARDS};
use crate::model::{BoardConfig, Card};
use crate::store::codec::{self, Head};
use crate::store::scan::{file_stamp, scan};
use crate::store::{card_path, json, Problem};
use anyhow::Result;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

const KIND: &str = "cards";
/// This file's own layout; the cards' layout ([`codec::LAYOUT_VERSION`])
/// is part of the version too.
const FORMAT: u32 = 1;
const TABLE: usize = 0;
const JSON: usize = 1;

fn version() -> u32 {
    FORMAT << 16 | codec::LAYOUT_VERSION
}

/// One cache entry, as ranges into the cache file's bytes.
#[derive(Debug, Clone)]
struct Record {
    id: Range<usize>,
    stamp: Stamp,
    card: Range<usize>,
    json: Range<usize>,
}

/// The cache file: the rows (every entry's id, stamp and encoded card,
/// and where its JSON is) and the JSON section, so that loading cards
/// never reads the JSON and listing JSON reads only what it copies.
#[derive(Default)]
struct CacheFile {
    /// When the cache's knowledge dates from.
    since: i128,
    cards: Vec<u8>,
    json: Vec<u8>,
    json_len: usize,
    records: Vec<Record>,
}

impl CacheFile {
    /// Read the cache (with its JSON section if `json`); `None` if there is
    /// none or anything about it is unexpected.
    fn read(path: &Path, json: bool) -> Option<CacheFile> {
        let f = Sealed::open(path, KIND, version())?;
        let cards = f.read(TABLE)?;
        let json_len = f.len(JSON)?;
        let json_bytes = if json { f.read(JSON)? } else { Vec::new() };
        let records = table::parse(&cards, 0..cards.len())?
            .into_iter()
            .map(|row| {
                let p = row.payload;
                let at = u64::from_le_bytes(cards.get(p.start..p.start + 8)?.try_into().ok()?);
                let len =
                    u32::from_le_bytes(cards.get(p.start + 8..p.start + 12)?.try_into().ok()?);
                let at = usize::try_from(at).ok()?;
                let end = at.checked_add(len as usize)?;
                (end <= json_len).then_some(Record {
                    id: row.id,
                    stamp: row.stamp,
                    card: p.start + 12..p.end,
                    json: at..end,
                })
            })
            .collect::<Option<Vec<Record>>>()?;
        Some(CacheFile {
            since: f.written,
            cards,
            json: json_bytes,
            json_len,
            records,
        })
    }
}

/// Where a card comes from.
#[derive(Debug)]
pub(crate) enum Source {
    /// An entry of the cache file (card bytes, JSON bytes — possibly empty).
    Cached(Range<usize>, Range<usize>),
    /// Read from its file just now, kept encoded (card bytes, JSON bytes).
    Encoded(Vec<u8>, Vec<u8>),
    /// Read from its file just now.
    Read(Box<Card>),
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub id: String,
    pub stamp: Option<Stamp>,
    pub source: Source,
}

/// Cards decoded in board order, the problems of those that did not
/// read, the cards a partial read left out by lane, and what was worked
/// out beside.
pub(crate) type Decoded<T> = (Vec<Card>, Vec<Problem>, Vec<(String, usize)>, T);

/// The board's card files, each either vouched for by the cache or read.
pub(crate) struct Snapshot {
    /// Ids of all card files, readable or not, sorted.
    pub file_ids: Vec<String>,
    /// Files that cannot be read, bad file names first.
    pub problems: Vec<Problem>,
    /// Readable cards, sorted by id.
    pub entries: Vec<Entry>,
    /// The cache file as read (its JSON section only when listing).
    file: CacheFile,
    scratch: Option<Scratch>,
    path: Option<PathBuf>,
    /// When this read began, before it looked at any file.
    began: i128,
    /// The cards folder's stamp before it was listed.
    folder: Option<Stamp>,
    /// Git's index file's stamp before any card file was looked at.
    git_index: Option<Stamp>,
    /// Whether the cache should be rewritten.
    pub outdated: bool,
}

/// A card file's bytes as an entry's source: the card, or (`encoded`, and
/// it encodes exactly) its encoding and its JSON.
fn source_of(
    root: &Path,
    file_ids: &[String],
    id: &str,
    bytes: &[u8],
    encoded: bool,
) -> Result<Source, Problem> {
    let rel = card_path(id);
    let card = table::checked_id(
        root,
        file_ids,
        id,
        crate::store::parse_card(&rel, bytes)?.card,
    )?;
    let exact = if encoded {
        codec::encode_exact(&card)
    } else {
        None
    };
    Ok(match exact {
        Some(bytes) => Source::Encoded(bytes, json::card_bytes(&card)),
        None => Source::Read(Box::new(card)),
    })
}

impl Snapshot {
    /// Check the cache against the card files, reading the cards it does not
    /// vouch for.
    pub fn load(root: &Path) -> Result<Snapshot> {
        Ok(Snapshot::load_as(root, false, None::<fn(&[&[u8]])>)?.0)
    }

    /// [`Snapshot::load`], working out `guess` from the cache's encoded
    /// cards (in id order) on another core while the card files are
    /// checked: what it gives is returned when the cache turns out to
    /// hold exactly the board's cards (every file vouched for, no other
    /// entry), so that it is what the snapshot's cards would give.
    pub fn load_guessing<T: Send>(
        root: &Path,
        guess: impl FnOnce(&[&[u8]]) -> T + Send,
    ) -> Result<(Snapshot, Option<T>)> {
        Snapshot::load_as(root, false, Some(guess))
    }

    /// Like [`Snapshot::load`] for a caller that only wants JSON: cards read
    /// from files are kept encoded with their JSON, not as cards (a third of
    /// the memory when the cache is cold).
    pub fn load_for_json(root: &Path) -> Result<Snapshot> {
        Ok(Snapshot::load_as(root, true, None::<fn(&[&[u8]])>)?.0)
    }

    fn load_as<T: Send>(
        root: &Path,
        encoded: bool,
        guess: Option<impl FnOnce(&[&[u8]]) -> T + Send>,
    ) -> Result<(Snapshot, Option<T>)> {
        let began = now_ns();
        let scratch = Scratch::of_board(root);
        let git_index = scratch
            .as_ref()
            .and_then(|s| file_stamp(&crate::git::index_file(s.git_dir())));
        let path = scratch.as_ref().map(|s| s.file(CARDS));
        let file = path.as_deref().and_then(|p| CacheFile::read(p, encoded));
        let missing = file.is_none();
        let file = file.unwrap_or_default();
        let (since, records, bytes) = (file.since, &file.records, &file.cards);
        let expected: Vec<&[u8]> = records.iter().map(|r| &bytes[r.id.clone()]).collect();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (scan, guessed) = match guess {
            Some(g) if cores > 1 && !records.is_empty() => std::thread::scope(|s| {
                let cards: Vec<&[u8]> = records.iter().map(|r| &bytes[r.card.clone()]).collect();
                let other = s.spawn(move || g(&cards));
                let scan = scan(root, &expected);
                let guessed = other
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                (scan, Some(guessed))
            }),
            _ => (scan(root, &expected), None),
        };
        let scan = scan?;
        let folder = scan.folder;
        let mut slots: Vec<Option<Source>> = Vec::with_capacity(scan.files.len());
        let mut stale = Vec::new();
        let mut recs = records.iter().peekable();
        for (i, (id, stamp)) in scan.files.iter().enumerate() {
            while recs
                .next_if(|r| &bytes[r.id.clone()] < id.as_bytes())
                .is_some()
            {}
            let hit = recs.peek().filter(|r| {
                &bytes[r.id.clone()] == id.as_bytes()
                    && Stamp::trusts(&r.stamp, stamp.as_ref(), since)
                    // Listing, ready and the link graph read the head of
                    // every cached card (loading cards decodes them whole
                    // and reads the file if that fails).
                    && codec::head_reads(&bytes[r.card.clone()])
            });
            match hit {
                Some(r) => slots.push(Some(Source::Cached(r.card.clone(), r.json.clone()))),
                None => {
                    slots.push(None);
                    stale.push(i);
                }
            }
        }
        // The guess holds when the cache held exactly these cards.
        let guessed = guessed.filter(|_| stale.is_empty() && slots.len() == records.len());
        let file_ids: Vec<String> = scan.files.iter().map(|(id, _)| id.clone()).collect();
        let mut problems = scan.problems;
        let mut cacheable = 0;
        let read = crate::store::par_map(&stale, |&i| {
            let id = &file_ids[i];
            let bytes = crate::store::read_board_file(root, &card_path(id))?;
            source_of(root, &file_ids, id, &bytes, encoded)
        });
        for (&i, result) in stale.iter().zip(read) {
            match result {
                Ok(source) => {
                    // Only entries a cache written now would trust count
                    // towards rewriting it.
                    cacheable += usize::from(scan.files[i].1.is_some_and(|s| s.settled(began)));
                    slots[i] = Some(source);
                }
                Err(p) => problems.push(p),
            }
        }
        // Problems in id order after the bad names (stale ids are sorted).
        let entries = scan
            .files
            .into_iter()
            .zip(slots)
            .filter_map(|((id, stamp), source)| {
                Some(Entry {
                    id,
                    stamp,
                    source: source?,
                })
            })
            .collect();
        let snapshot = Snapshot {
            file_ids,
            problems,
            entries,
            file,
            scratch,
            path,
            began,
            folder,
            git_index,
            outdated: table::worth_rewriting(missing, cacheable),
        };
        Ok((snapshot, guessed))
    }

    /// The card of an entry; a cached one that does not decode (a damaged
    /// cache) is read from its file instead.
    pub fn card(&self, root: &Path, e: &Entry) -> Result<Card, Problem> {
        match &e.source {
            Source::Read(card) => Ok((**card).clone()),
            Source::Encoded(bytes, _) => codec::decode(bytes)
                .filter(|c| c.id == e.id)
                .map_or_else(|| self.reread(root, &e.id), Ok),
            Source::Cached(card, _) => codec::decode(&self.file.cards[card.clone()])
                .filter(|c| c.id == e.id)
                .map_or_else(|| self.reread(root, &e.id), Ok),
        }
    }

    /// The head of every readable card, in id order: links, placement and
    /// progress of the whole board without decoding a card.
    pub fn heads(&self) -> Vec<Head<'_>> {
        self.entries
            .iter()
            .filter_map(|e| self.head_of(e))
            .collect()
    }

    /// Every readable card as a node of the link graph, in id order,
    /// without decoding a card (or the text of its head).
    pub fn nodes(&self) -> Vec<crate::model::links::Node<'_>> {
        let mut out = Vec::with_capacity(self.entries.len());
        out.extend(self.entries.iter().filter_map(|e| match &e.source {
            Source::Read(card) => Some(card.node()),
            Source::Encoded(c, _) => codec::node(c),
            Source::Cached(c, _) => codec::node(&self.file.cards[c.clone()]),
        }));
        out
    }

    /// For a caller that read heads only: rewrite the cache if many cards
    /// changed since it was written, and bring the summary index up to
    /// date (what [`Snapshot::into_cards`] does).
    pub fn settle(&self) {
        if self.outdated {
            self.save(&[]);
        }
        self.reconcile_summary();
    }

    fn reread(&self, root: &Path, id: &str) -> Result<Card, Problem> {
        let rel = card_path(id);
        let bytes = crate::store::read_board_file(root, &rel)?;
        let lc = crate::store::parse_card(&rel, &bytes)?;
        table::checked_id(root, &self.file_ids, id, lc.card)
    }

    /// Every readable card (decoded on all cores), in id order, with the
    /// problems of cards that turned out unreadable.
    pub fn into_cards(self, root: &Path, config: &BoardConfig) -> (Vec<Card>, Vec<Problem>) {
        if self.outdated {
            self.save(&[]);
        }
        self.reconcile_summary();
        let (cards, problems, _, ()) = self.decode_in_order(root, config, None, false, |_| ());
        (cards, problems)
    }

    /// [`Snapshot::into_cards`], working out `also` from the snapshot on
    /// another core meanwhile (what the whole board's heads say: its
    /// links).
    pub fn into_cards_with<T: Send>(
        self,
        root: &Path,
        config: &BoardConfig,
        also: impl FnOnce(&Snapshot) -> T + Send,
    ) -> (Vec<Card>, Vec<Problem>, T) {
        if self.outdated {
            self.save(&[]);
        }
        self.reconcile_summary();
        let (cards, problems, _, t) = self.decode_in_order(root, config, None, true, also);
        (cards, problems, t)
    }

    /// The head of an entry's card (`None`: a cached card that does not
    /// read, reported when it is decoded; load made sure a cached one
    /// reads).
    pub fn head_of<'a>(&'a self, e: &'a Entry) -> Option<Head<'a>> {
        match &e.source {
            Source::Read(card) => Some(Head::of(card)),
            Source::Encoded(c, _) => codec::head(c),
            Source::Cached(c, _) => codec::head(&self.file.cards[c.clone()]),
        }
    }

    /// Having checked every card file, bring the summary index up to date
    /// (see [`summary::reconcile`]).
    fn reconcile_summary(&self) {
        let Some(scratch) = &self.scratch else { return };
        // Load made sure every cached entry's head reads: the heads are
        // decoded only if the index is to be written again.
        let stamps = self
            .entries
            .iter()
            .filter_map(|e| Some((e.id.as_str(), e.stamp?)))
            .collect();
        let seen = || {
            let seen_one = |e| {
                let h = self.head_of(e)?;
                Some(Seen {
                    id: &e.id,
                    stamp: e.stamp?,
                    lane: h.lane,
                    rank: h.rank,
                    title: h.title,
                    archived: h.archived,
                    depends_on: h.depends_on,
                    parent: h.parent,
                })
            };
            self.entries.iter().filter_map(seen_one).collect()
        };
        // Card files that are not among the readable cards.
        let mut readable = self.entries.iter().map(|e| e.id.as_str()).peekable();
        let unreadable = self
            .file_ids
            .iter()
            .filter(|id| {
                while readable.next_if(|r| r < &id.as_str()).is_some() {}
                readable.peek() != Some(&id.as_str())
            })
            .cloned()
            .collect();
        summary::reconcile(
            scratch,
            &summary::Checked {
                began: self.began,
                folder: self.folder,
                git_index: self.git_index,
                stamps,
                unreadable,
            },
            seen,
        );
    }

    /// The first `per_lane` cards (not archived) of every lane, in board
    /// order, and how many more each lane has: a first screen without
    /// decoding the whole board. `also` is worked out from the snapshot
    /// on another core meanwhile (the whole board's links).
    pub fn into_top_with<T: Send>(
        self,
        root: &Path,
        config: &BoardConfig,
        per_lane: usize,
        also: impl FnOnce(&Snapshot) -> T + Send,
    ) -> Decoded<T> {
        self.decode_in_order(root, config, Some(per_lane), true, also)
    }

    /// Decode cards in board order (lane, rank, id), read off the cards'
    /// heads, so that the cards, large values, need no sorting afterwards.
    /// With `per_lane`, archived cards and all but the first `per_lane` of
    /// each lane are left out and counted. `also` is worked out from the
    /// snapshot too, on another core meanwhile when `beside`.
    fn decode_in_order<T: Send>(
        self,
        root: &Path,
        config: &BoardConfig,
        per_lane: Option<usize>,
        beside: bool,
        also: impl FnOnce(&Snapshot) -> T + Send,
    ) -> Decoded<T> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (wanted, omitted, decoded, t) = if beside && cores > 1 {
            std::thread::scope(|s| {
                let other = s.spawn(|| also(&self));
                let (wanted, omitted, decoded) = self.decode_wanted(root, config, per_lane);
                let t = other
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                (wanted, omitted, decoded, t)
            })
        } else {
            let t = also(&self);
            let (wanted, omitted, decoded) = self.decode_wanted(root, config, per_lane);
            (wanted, omitted, decoded, t)
        };
        let mut problems = self.problems;
        let mut sources: Vec<Option<Source>> =
            self.entries.into_iter().map(|e| Some(e.source)).collect();
        let mut cards = Vec::with_capacity(decoded.len());
        for (i, d) in wanted.into_iter().zip(decoded) {
            match d {
                Some(Ok(card)) => cards.push(card),
                Some(Err(p)) => problems.push(p),
                None => {
                    if let Some(Source::Read(card)) = sources[i].take() {
                        cards.push(*card);
                    }
                }
            }
        }
        (cards, problems, omitted, t)
    }

    /// The entries to decode, in board order, and the omitted counts (see
    /// [`Snapshot::decode_in_order`]), with the cards decoded (`None`:
    /// read from its file already).
    #[allow(clippy::type_complexity)]
    fn decode_wanted(
        &self,
        root: &Path,
        config: &BoardConfig,
        per_lane: Option<usize>,
    ) -> (
        Vec<usize>,
        Vec<(String, usize)>,
        Vec<Option<Result<Card, Problem>>>,
    ) {
        let mut order: Vec<(usize, &str, &str, &str, usize, bool)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                // Lane, rank and archived only: not every card's lists.
                let head = match &e.source {
                    Source::Read(c) => Some((c.lane.as_str(), c.rank.as_str(), c.archived)),
                    Source::Encoded(c, _) => codec::placement(c),
                    Source::Cached(c, _) => codec::placement(&self.file.cards[c.clone()]),
                };
                let (lane, rank, archived) = head.unwrap_or_default();
                let at = config.lane_index(lane).unwrap_or(usize::MAX);
                (at, lane, rank, e.id.as_str(), i, archived)
            })
            .collect();
        order.sort_unstable();
        let mut omitted: Vec<(String, usize)> = Vec::new();
        let mut wanted = Vec::with_capacity(order.len());
        let mut shown = 0;
        for (k, key) in order.iter().enumerate() {
            let Some(n) = per_lane else {
                wanted.push(key.4);
                continue;
            };
            if key.5 {
                continue;
            }
            if k == 0 || order[k - 1].1 != key.1 {
                shown = 0;
            }
            if shown < n {
                shown += 1;
                wanted.push(key.4);
            } else {
                match omitted.last_mut() {
                    Some((lane, count)) if lane == key.1 => *count += 1,
                    _ => omitted.push((key.1.to_string(), 1)),
                }
            }
        }
        let decoded = crate::store::par_map(&wanted, |&i| match &self.entries[i].source {
            Source::Read(_) => None,
            _ => Some(self.card(root, &self.entries[i])),
        });
        (wanted, omitted, decoded)
    }

    /// Write, as one JSON array, the cards `keep` selects, in board order
    /// (lane, rank, id), using the cache's JSON where it has it. `more`
    /// gives fields to add to a card's object (JSON text of `"key":value`
    /// pairs: what depends on other cards, never cached). Returns the
    /// problems of unreadable cards.
    pub fn write_json(
        &self,
        root: &Path,
        config: &BoardConfig,
        keep: impl Fn(&Head) -> bool,
        more: impl Fn(&Head) -> String,
        place: impl Fn(&Head) -> usize,
        out: &mut impl Write,
    ) -> Result<Vec<Problem>> {
        let pick = |h: &Head| keep(h).then(|| place(h));
        self.write_json_page(root, config, pick, more, (0, usize::MAX), out)
            .map(|(problems, _)| problems)
    }

    /// [`Snapshot::write_json`] of one page: of the cards `keep` selects, in
    /// board order, the `take` after the first `skip`. Also returns how
    /// many cards `keep` selects in all.
    pub fn write_json_page(
        &self,
        root: &Path,
        config: &BoardConfig,
        pick: impl Fn(&Head) -> Option<usize>,
        more: impl Fn(&Head) -> String,
        page: (usize, usize),
        out: &mut impl Write,
    ) -> Result<(Vec<Problem>, usize)> {
        let mut problems = self.problems.clone();
        let made = self.made_json(root, &mut problems, true);
        let total = self.write_page(config, pick, more, page, &made, out)?;
        let missing_json = made
            .iter()
            .zip(&self.entries)
            .filter(|(m, e)| m.is_some() && matches!(e.source, Source::Cached(..)))
            .count();
        if self.outdated || missing_json > table::REWRITE_AFTER {
            self.save(&made);
        }
        self.reconcile_summary();
        Ok((problems, total))
    }

    /// [`Snapshot::write_json_page`] of a snapshot kept in memory and
    /// brought up to date by [`Snapshot::refresh`]: the cache file and the
    /// summary index are left alone (they are checked against the files
    /// by whoever reads them next). Returns how many cards `pick` selects.
    pub fn write_json_page_kept(
        &self,
        root: &Path,
        config: &BoardConfig,
        pick: impl Fn(&Head) -> Option<usize>,
        more: impl Fn(&Head) -> String,
        page: (usize, usize),
        out: &mut impl Write,
    ) -> Result<usize> {
        let made = self.made_json(root, &mut Vec::new(), false);
        self.write_page(config, pick, more, page, &made, out)
    }

    /// By entry, the JSON of the cards the snapshot holds none for (on all
    /// cores when `parallel`); `None` for the others. A card that turns out
    /// unreadable is added to `problems`.
    fn made_json(
        &self,
        root: &Path,
        problems: &mut Vec<Problem>,
        parallel: bool,
    ) -> Vec<Option<Vec<u8>>> {
        let make = |e: &Entry| match &e.source {
            Source::Read(card) => Some(Ok(json::card_bytes(card))),
            Source::Encoded(..) => None,
            Source::Cached(_, j) if j.is_empty() => {
                Some(self.card(root, e).map(|card| json::card_bytes(&card)))
            }
            Source::Cached(..) => None,
        };
        let made = if parallel {
            crate::store::par_map(&self.entries, make)
        } else {
            self.entries.iter().map(make).collect()
        };
        made.into_iter()
            .map(|m| m.and_then(|r| r.map_err(|p| problems.push(p)).ok()))
            .collect()
    }

    /// Write the page of the cards `pick` selects (see
    /// [`Snapshot::write_json_page`]), with `made` the JSON of the entries
    /// the snapshot holds none for. Returns how many cards `pick` selects.
    fn write_page(
        &self,
        config: &BoardConfig,
        pick: impl Fn(&Head) -> Option<usize>,
        more: impl Fn(&Head) -> String,
        (skip, take): (usize, usize),
        made: &[Option<Vec<u8>>],
        out: &mut impl Write,
    ) -> Result<usize> {
        // Lane's place, lane, place given, rank, id, JSON, head.
        type Item<'x> = (usize, &'x str, usize, &'x str, &'x str, &'x [u8], Head<'x>);
        let mut items: Vec<Item> = Vec::with_capacity(self.entries.len());
        for (e, m) in self.entries.iter().zip(made) {
            // Load made sure every cached entry's head reads.
            let head = self.head_of(e);
            let Some(head) = head else { continue };
            let text: &[u8] = match (m, &e.source) {
                (Some(bytes), _) => bytes,
                (None, Source::Encoded(_, j)) => j,
                (None, Source::Cached(_, j)) if !j.is_empty() => &self.file.json[j.clone()],
                _ => continue, // unreadable, and reported
            };
            if let Some(at) = pick(&head) {
                let lane = config.lane_index(head.lane).unwrap_or(usize::MAX);
                items.push((lane, head.lane, at, head.rank, head.id, text, head));
            }
        }
        let total_picked = items.len();
        // Only the cards up to the page's end are put in order (the key
        // ends with the id, so the order is total).
        fn key<'k>(a: &Item<'k>) -> (usize, &'k str, usize, &'k str, &'k str) {
            (a.0, a.1, a.2, a.3, a.4)
        }
        let end = skip.saturating_add(take);
        if end < items.len() {
            items.select_nth_unstable_by(end, |a, b| key(a).cmp(&key(b)));
            items.truncate(end);
        }
        items.sort_unstable_by(|a, b| key(a).cmp(&key(b)));
        let total = total_picked;
        out.write_all(b"[")?;
        // What `more` adds, for the cards of the page only.
        for (i, item) in items.iter().skip(skip).take(take).enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            let extra = more(&item.6);
            match item.5.strip_suffix(b"}") {
                Some(open) if !extra.is_empty() => {
                    out.write_all(open)?;
                    out.write_all(if open.ends_with(b"{") { b"" } else { b"," })?;
                    out.write_all(extra.as_bytes())?;
                    out.write_all(b"}")?;
                }
                _ => out.write_all(item.5)?,
            }
        }
        out.write_all(b"]\n")?;
        Ok(total)
    }

    /// Read these cards' files again (created, changed or removed since
    /// the snapshot was made: a file watcher said so), keeping the others
    /// as they are. Cards read are kept encoded with their JSON. The cache
    /// file is not rewritten from a refreshed snapshot.
    pub fn refresh<'i>(&mut self, root: &Path, ids: impl IntoIterator<Item = &'i str>) {
        self.outdated = false;
        for id in ids {
            let rel = card_path(id);
            self.problems.retain(|p| p.path != rel);
            if let Ok(k) = self.entries.binary_search_by(|e| e.id.as_str().cmp(id)) {
                self.entries.remove(k);
            }
            let bytes = match crate::store::read_if_exists(root, &rel) {
                Ok(None) => {
                    if let Ok(k) = self.file_ids.binary_search_by(|f| f.as_str().cmp(id)) {
                        self.file_ids.remove(k);
                    }
                    continue;
                }
                Ok(Some(bytes)) => Ok(bytes),
                Err(p) => Err(p),
            };
            if let Err(k) = self.file_ids.binary_search_by(|f| f.as_str().cmp(id)) {
                self.file_ids.insert(k, id.to_string());
            }
            match bytes.and_then(|b| source_of(root, &self.file_ids, id, &b, true)) {
                Ok(source) => {
                    let at = self.entries.partition_point(|e| e.id.as_str() < id);
                    let entry = Entry {
                        id: id.to_string(),
                        stamp: None,
                        source,
                    };
                    self.entries.insert(at, entry);
                }
                Err(p) => self.problems.push(p),
            }
        }
    }

    /// Give every cached entry the cache holds no JSON for its JSON now,
    /// so that a snapshot kept in memory lists without decoding them again.
    pub fn fill_json(&mut self, root: &Path) {
        let made = self.made_json(root, &mut Vec::new(), true);
        for (e, m) in self.entries.iter_mut().zip(made) {
            if let (Some(j), Source::Cached(c, _)) = (m, &e.source) {
                e.source = Source::Encoded(self.file.cards[c.clone()].to_vec(), j);
            }
        }
    }

    /// Rewrite the cache from this snapshot. `made` holds, by entry, the
    /// JSON the caller made for cards the cache has none for (or is empty).
    fn save(&self, made: &[Option<Vec<u8>>]) {
        let Some(path) = &self.path else { return };
        // The cached JSON carries over; loading cards did not read it, so
        // read it now if the file is still the one we read.
        let old_json;
        let json_section: &[u8] = if self.file.json.len() == self.file.json_len {
            &self.file.json
        } else {
            old_json = CacheFile::read(path, true)
                .filter(|f| f.since == self.file.since)
                .map(|f| f.json)
                .unwrap_or_default();
            &old_json
        };
        let encoded = crate::store::par_map(&self.entries, |e| match (&e.source, e.stamp) {
            (Source::Read(card), Some(_)) => codec::encode_exact(card),
            _ => None,
        });
        // What each entry writes: id, stamp, card bytes, JSON bytes.
        let mut rows: Vec<(&str, Stamp, &[u8], &[u8])> = Vec::with_capacity(self.entries.len());
        for (i, (e, enc)) in self.entries.iter().zip(&encoded).enumerate() {
            let made = made.get(i).and_then(Option::as_deref);
            let Some(stamp) = e.stamp else { continue };
            let (card, json): (&[u8], &[u8]) = match (&e.source, enc) {
                (Source::Cached(c, j), _) => (
                    &self.file.cards[c.clone()],
                    made.or_else(|| json_section.get(j.clone()))
                        .unwrap_or_default(),
                ),
                (Source::Encoded(c, j), _) => (c, j),
                (Source::Read(_), Some(bytes)) => (bytes, made.unwrap_or_default()),
                (Source::Read(_), None) => continue,
            };
            if u32::try_from(json.len()).is_ok() {
                rows.push((&e.id, stamp, card, json));
            }
        }
        let _ = envelope::write(path, KIND, version(), self.began, |w| {
            w.section(|out| {
                let mut json_at = 0u64;
                for (id, stamp, card, json) in &rows {
                    let at = json_at.to_le_bytes();
                    let len = (json.len() as u32).to_le_bytes();
                    if table::put_row(out, id, stamp, &[&at, &len, card])? {
                        json_at += json.len() as u64;
                    }
                }
                Ok(())
            })?;
            w.section(|out| {
                for (id, _, card, json) in &rows {
                    // Only rows the table took.
                    if u8::try_from(id.len()).is_ok() && u32::try_from(card.len() + 12).is_ok() {
                        out.write_all(json)?;
                    }
                }
                Ok(())
            })
        });
    }
}
