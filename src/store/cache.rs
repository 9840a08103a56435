//! The card cache: every readable card of the board in the compact form of
//! [`codec`](super::codec), with the JSON `list --json` prints for it, kept
//! in `<git dir>/lanes/cards-v1` (never committed).
//!
//! As git does with its index, an entry is trusted only while its file's
//! size, mtime, ctime and inode are what they were, and entries whose file
//! changed less than two seconds before the cache was written are read
//! again ("racily clean"), so edits by hand, `git pull` or another clone are
//! always seen. Checking costs one `stat` per card; decoding a cached card
//! costs a fraction of parsing its YAML. Anything unexpected in the cache
//! file (another version, a cut-off write, damage its checksums show) means
//! no cache, never a wrong card.

use super::codec::{self, Head};
use super::scan::{now_ns, scan, Stamp};
use super::{card_path, checksum, json, Problem};
use crate::model::{BoardConfig, Card};
use anyhow::Result;
use std::fs;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

const MAGIC: &[u8] = b"lanes-cards 4\n";
/// Magic, write time (i128), card section length, JSON section length,
/// card section checksum, JSON section checksum (each section is checked
/// when it is read: loading cards never reads the JSON).
const HEADER_LEN: usize = MAGIC.len() + 16 + 8 + 8 + 8 + 8;
/// Rewriting the cache costs more than reading a few changed cards, so it
/// waits until more than this many entries are out of date.
pub(crate) const REWRITE_AFTER: usize = 16;

/// A file of lanes' own in the git dir (`.git/lanes/<name>`), found without
/// opening the repository.
pub(crate) fn scratch_file(root: &Path, name: &str) -> Option<PathBuf> {
    // `GIT_DIR` names the git dir, as for git itself.
    if let Some(dir) = std::env::var_os("GIT_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        let dir = if dir.is_absolute() {
            dir
        } else {
            std::env::current_dir().ok()?.join(dir)
        };
        return Some(dir.join("lanes").join(name));
    }
    // `.git` is a folder, or a file saying `gitdir: <path>` (worktrees,
    // submodules).
    let mut dir = Some(root);
    while let Some(d) = dir {
        let dot = d.join(".git");
        if dot.is_dir() {
            return Some(dot.join("lanes").join(name));
        }
        if dot.is_file() {
            let text = fs::read_to_string(&dot).ok()?;
            let target = text.strip_prefix("gitdir:")?.trim();
            return Some(d.join(target).join("lanes").join(name));
        }
        dir = d.parent();
    }
    None
}

/// Write a scratch file atomically, streaming it through `fill` (a cache
/// that cannot be written only costs speed, so callers may ignore the
/// error).
pub(crate) fn write_scratch(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    // Unique per write: two threads of one process may save at once.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{seq}", std::process::id()));
    let result = (|| {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, fs::File::create(&tmp)?);
        fill(&mut w)?;
        w.flush()?;
        drop(w);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// One cache entry, as ranges into the cache file's bytes.
#[derive(Debug, Clone)]
struct Record {
    id: Range<usize>,
    stamp: Stamp,
    card: Range<usize>,
    json: Range<usize>,
}

/// The cache file: a card section (every entry's id, stamp and encoded
/// card, and where its JSON is) and a JSON section, so that loading cards
/// never reads the JSON and listing JSON reads only what it copies.
#[derive(Default)]
struct CacheFile {
    written: i128,
    cards: Vec<u8>,
    json: Vec<u8>,
    json_len: usize,
    records: Vec<Record>,
}

impl CacheFile {
    /// Read the cache (with its JSON section if `json`); `None` if there is
    /// none or anything about it is unexpected.
    fn read(path: &Path, json: bool) -> Option<CacheFile> {
        use std::io::Read;
        let mut f = fs::File::open(path).ok()?;
        let total = f.metadata().ok()?.len();
        let mut head = [0u8; HEADER_LEN];
        f.read_exact(&mut head).ok()?;
        let rest = head.strip_prefix(MAGIC)?;
        let written = i128::from_le_bytes(rest[..16].try_into().ok()?);
        let cards_len = u64::from_le_bytes(rest[16..24].try_into().ok()?);
        let json_len = u64::from_le_bytes(rest[24..32].try_into().ok()?);
        let cards_sum = u64::from_le_bytes(rest[32..40].try_into().ok()?);
        let json_sum = u64::from_le_bytes(rest[40..48].try_into().ok()?);
        if (HEADER_LEN as u64)
            .checked_add(cards_len)?
            .checked_add(json_len)?
            != total
        {
            return None;
        }
        let mut cards = vec![0; usize::try_from(cards_len).ok()?];
        f.read_exact(&mut cards).ok()?;
        if checksum::sum(&cards) != cards_sum {
            return None;
        }
        let json_len = usize::try_from(json_len).ok()?;
        let mut json_bytes = Vec::new();
        if json {
            json_bytes = vec![0; json_len];
            f.read_exact(&mut json_bytes).ok()?;
            if checksum::sum(&json_bytes) != json_sum {
                return None;
            }
        }
        let records = parse_records(&cards, json_len)?;
        Some(CacheFile {
            written,
            cards,
            json: json_bytes,
            json_len,
            records,
        })
    }
}

/// Parse the card section; `None` if it is not well formed.
fn parse_records(bytes: &[u8], json_len: usize) -> Option<Vec<Record>> {
    let mut pos = 0;
    let mut records: Vec<Record> = Vec::new();
    let fixed = |pos: &mut usize, n: usize| -> Option<Range<usize>> {
        let r = *pos..pos.checked_add(n)?;
        bytes.get(r.clone())?;
        *pos = r.end;
        Some(r)
    };
    let u64_at = |r: Range<usize>| u64::from_le_bytes(bytes[r].try_into().unwrap_or([0; 8]));
    let u32_at = |r: Range<usize>| u32::from_le_bytes(bytes[r].try_into().unwrap_or([0; 4]));
    let i128_at = |r: Range<usize>| i128::from_le_bytes(bytes[r].try_into().unwrap_or([0; 16]));
    let sized = |pos: &mut usize| -> Option<Range<usize>> {
        let n = u32_at(fixed(pos, 4)?) as usize;
        fixed(pos, n)
    };
    while pos < bytes.len() {
        let id = sized(&mut pos)?;
        let mtime = i128_at(fixed(&mut pos, 16)?);
        let ctime = i128_at(fixed(&mut pos, 16)?);
        let size = u64_at(fixed(&mut pos, 8)?);
        let ino = u64_at(fixed(&mut pos, 8)?);
        let card = sized(&mut pos)?;
        let json_at = usize::try_from(u64_at(fixed(&mut pos, 8)?)).ok()?;
        let json_end = json_at.checked_add(u32_at(fixed(&mut pos, 4)?) as usize)?;
        if json_end > json_len {
            return None;
        }
        std::str::from_utf8(&bytes[id.clone()]).ok()?;
        if records
            .last()
            .is_some_and(|l| bytes[l.id.clone()] >= bytes[id.clone()])
        {
            return None; // not sorted: not ours
        }
        records.push(Record {
            id,
            stamp: Stamp {
                mtime,
                ctime,
                size,
                ino,
            },
            card,
            json: json_at..json_end,
        });
    }
    Some(records)
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
    path: Option<PathBuf>,
    /// Whether the cache should be rewritten.
    pub outdated: bool,
}

impl Snapshot {
    /// Check the cache against the card files, reading the cards it does not
    /// vouch for.
    pub fn load(root: &Path) -> Result<Snapshot> {
        Snapshot::load_as(root, false)
    }

    /// Like [`Snapshot::load`] for a caller that only wants JSON: cards read
    /// from files are kept encoded with their JSON, not as cards (a third of
    /// the memory when the cache is cold).
    pub fn load_for_json(root: &Path) -> Result<Snapshot> {
        Snapshot::load_as(root, true)
    }

    fn load_as(root: &Path, encoded: bool) -> Result<Snapshot> {
        let path = scratch_file(root, "cards-v1");
        let file = path.as_deref().and_then(|p| CacheFile::read(p, encoded));
        let missing = file.is_none();
        let file = file.unwrap_or_default();
        let (written, records, bytes) = (file.written, &file.records, &file.cards);
        let expected: Vec<&[u8]> = records.iter().map(|r| &bytes[r.id.clone()]).collect();
        let scan = scan(root, &expected)?;
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
                    && Some(r.stamp) == *stamp
                    && r.stamp.settled(written)
                    // Listing, ready and the link graph read the head of
                    // every cached card (loading cards decodes them whole
                    // and reads the file if that fails).
                    && codec::head(&bytes[r.card.clone()]).is_some()
            });
            match hit {
                Some(r) => slots.push(Some(Source::Cached(r.card.clone(), r.json.clone()))),
                None => {
                    slots.push(None);
                    stale.push(i);
                }
            }
        }
        let file_ids: Vec<String> = scan.files.iter().map(|(id, _)| id.clone()).collect();
        let mut problems = scan.problems;
        let mut cacheable = 0;
        let now = now_ns();
        let read = super::par_map(&stale, |&i| {
            let id = &file_ids[i];
            let rel = card_path(id);
            let bytes = super::read_board_file(root, &rel)?;
            let card = checked_id(root, &file_ids, id, super::parse_card(&rel, &bytes)?.card)?;
            let exact = if encoded {
                codec::encode_exact(&card)
            } else {
                None
            };
            Ok(match exact {
                Some(bytes) => Source::Encoded(bytes, json::card_bytes(&card)),
                None => Source::Read(Box::new(card)),
            })
        });
        for (&i, result) in stale.iter().zip(read) {
            match result {
                Ok(source) => {
                    // Only entries a cache written now would trust count
                    // towards rewriting it.
                    cacheable += usize::from(scan.files[i].1.is_some_and(|s| s.settled(now)));
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
        Ok(Snapshot {
            file_ids,
            problems,
            entries,
            file,
            path,
            outdated: cacheable > REWRITE_AFTER || missing && cacheable > 0,
        })
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
        self.entries.iter().filter_map(|e| self.head(e)).collect()
    }

    /// The head of an entry (load made sure a cached one reads).
    pub fn head<'s>(&'s self, e: &'s Entry) -> Option<Head<'s>> {
        match &e.source {
            Source::Read(card) => Some(Head::of(card)),
            Source::Encoded(c, _) => codec::head(c),
            Source::Cached(c, _) => codec::head(&self.file.cards[c.clone()]),
        }
    }

    /// Rewrite the cache if many cards changed since it was written (what
    /// [`Snapshot::into_cards`] does, for a caller that read heads only).
    pub fn save_if_outdated(&self) {
        if self.outdated {
            self.save(&[]);
        }
    }

    fn reread(&self, root: &Path, id: &str) -> Result<Card, Problem> {
        let rel = card_path(id);
        let bytes = super::read_board_file(root, &rel)?;
        let lc = super::parse_card(&rel, &bytes)?;
        checked_id(root, &self.file_ids, id, lc.card)
    }

    /// Every readable card (decoded on all cores), in id order, with the
    /// problems of cards that turned out unreadable.
    pub fn into_cards(self, root: &Path, config: &BoardConfig) -> (Vec<Card>, Vec<Problem>) {
        if self.outdated {
            self.save(&[]);
        }
        let (cards, problems, _) = self.decode_in_order(root, config, None);
        (cards, problems)
    }

    /// The first `per_lane` cards (not archived) of every lane, in board
    /// order, and how many more each lane has: a first screen without
    /// decoding the whole board.
    pub fn into_top(
        self,
        root: &Path,
        config: &BoardConfig,
        per_lane: usize,
    ) -> (Vec<Card>, Vec<Problem>, Vec<(String, usize)>) {
        self.decode_in_order(root, config, Some(per_lane))
    }

    /// Decode cards in board order (lane, rank, id), read off the cards'
    /// heads, so that the cards, large values, need no sorting afterwards.
    /// With `per_lane`, archived cards and all but the first `per_lane` of
    /// each lane are left out and counted.
    fn decode_in_order(
        self,
        root: &Path,
        config: &BoardConfig,
        per_lane: Option<usize>,
    ) -> (Vec<Card>, Vec<Problem>, Vec<(String, usize)>) {
        let mut order: Vec<(usize, &str, &str, &str, usize, bool)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let head = match &e.source {
                    Source::Read(c) => Some((c.lane.as_str(), c.rank.as_str(), c.archived)),
                    Source::Encoded(c, _) => codec::head(c).map(|h| (h.lane, h.rank, h.archived)),
                    Source::Cached(c, _) => codec::head(&self.file.cards[c.clone()])
                        .map(|h| (h.lane, h.rank, h.archived)),
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
        let decoded = super::par_map(&wanted, |&i| match &self.entries[i].source {
            Source::Read(_) => None,
            _ => Some(self.card(root, &self.entries[i])),
        });
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
        (cards, problems, omitted)
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
        out: &mut impl Write,
    ) -> Result<Vec<Problem>> {
        let mut problems = self.problems.clone();
        // JSON for the cards the cache has none for.
        let made: Vec<Option<Vec<u8>>> = super::par_map(&self.entries, |e| match &e.source {
            Source::Read(card) => Some(Ok(json::card_bytes(card))),
            Source::Encoded(..) => None,
            Source::Cached(_, j) if j.is_empty() => {
                Some(self.card(root, e).map(|card| json::card_bytes(&card)))
            }
            Source::Cached(..) => None,
        })
        .into_iter()
        .map(|m| m.and_then(|r| r.map_err(|p| problems.push(p)).ok()))
        .collect();
        let mut items = Vec::with_capacity(self.entries.len());
        for (e, m) in self.entries.iter().zip(&made) {
            // Load made sure every cached entry's head reads.
            let head = match &e.source {
                Source::Read(card) => Some(Head::of(card)),
                Source::Encoded(c, _) => codec::head(c),
                Source::Cached(c, _) => codec::head(&self.file.cards[c.clone()]),
            };
            let Some(head) = head else { continue };
            let text: &[u8] = match (m, &e.source) {
                (Some(bytes), _) => bytes,
                (None, Source::Encoded(_, j)) => j,
                (None, Source::Cached(_, j)) if !j.is_empty() => &self.file.json[j.clone()],
                _ => continue, // unreadable, and reported
            };
            if keep(&head) {
                let lane = config.lane_index(head.lane).unwrap_or(usize::MAX);
                let extra = more(&head);
                items.push((lane, head.lane, head.rank, head.id, text, extra));
            }
        }
        items.sort_unstable_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));
        out.write_all(b"[")?;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            match item.4.strip_suffix(b"}") {
                Some(open) if !item.5.is_empty() => {
                    out.write_all(open)?;
                    out.write_all(if open.ends_with(b"{") { b"" } else { b"," })?;
                    out.write_all(item.5.as_bytes())?;
                    out.write_all(b"}")?;
                }
                _ => out.write_all(item.4)?,
            }
        }
        out.write_all(b"]\n")?;
        let missing_json = made
            .iter()
            .zip(&self.entries)
            .filter(|(m, e)| m.is_some() && matches!(e.source, Source::Cached(..)))
            .count();
        if self.outdated || missing_json > REWRITE_AFTER {
            self.save(&made);
        }
        Ok(problems)
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
                .filter(|f| f.written == self.file.written)
                .map(|f| f.json)
                .unwrap_or_default();
            &old_json
        };
        let encoded = super::par_map(&self.entries, |e| match (&e.source, e.stamp) {
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
            if [e.id.len(), card.len(), json.len()]
                .iter()
                .all(|&n| u32::try_from(n).is_ok())
            {
                rows.push((&e.id, stamp, card, json));
            }
        }
        let cards_len: usize = rows
            .iter()
            .map(|(id, _, card, _)| 4 + id.len() + 48 + 4 + card.len() + 12)
            .sum();
        let json_len: usize = rows.iter().map(|r| r.3.len()).sum();
        let card_section = |out: &mut dyn Write| -> std::io::Result<()> {
            let mut json_at = 0u64;
            for (id, stamp, card, json) in &rows {
                put_sized(out, id.as_bytes())?;
                out.write_all(&stamp.mtime.to_le_bytes())?;
                out.write_all(&stamp.ctime.to_le_bytes())?;
                out.write_all(&stamp.size.to_le_bytes())?;
                out.write_all(&stamp.ino.to_le_bytes())?;
                put_sized(out, card)?;
                out.write_all(&json_at.to_le_bytes())?;
                out.write_all(&(json.len() as u32).to_le_bytes())?;
                json_at += json.len() as u64;
            }
            Ok(())
        };
        // The sections are summed before they are written, so that the
        // header can carry the sums.
        let mut cards_sum = checksum::Sum::new();
        let mut sink = std::io::sink();
        let mut summing = checksum::Summing {
            inner: &mut sink,
            sum: checksum::Sum::new(),
        };
        if card_section(&mut summing).is_ok() {
            cards_sum = summing.sum;
        }
        let mut json_sum = checksum::Sum::new();
        for (_, _, _, json) in &rows {
            json_sum.update(json);
        }
        let _ = write_scratch(path, |out| {
            out.write_all(MAGIC)?;
            out.write_all(&now_ns().to_le_bytes())?;
            out.write_all(&(cards_len as u64).to_le_bytes())?;
            out.write_all(&(json_len as u64).to_le_bytes())?;
            out.write_all(&cards_sum.finish().to_le_bytes())?;
            out.write_all(&json_sum.finish().to_le_bytes())?;
            card_section(out)?;
            for (_, _, _, json) in &rows {
                out.write_all(json)?;
            }
            Ok(())
        });
    }
}

fn put_sized(out: &mut dyn Write, bytes: &[u8]) -> std::io::Result<()> {
    out.write_all(&(bytes.len() as u32).to_le_bytes())?;
    out.write_all(bytes)
}

/// A card read from `id`'s file must carry that id.
pub(crate) fn checked_id(
    root: &Path,
    file_ids: &[String],
    id: &str,
    card: Card,
) -> Result<Card, Problem> {
    if card.id == id {
        return Ok(card);
    }
    let rel = card_path(id);
    let bytes = super::read_board_file(root, &rel).unwrap_or_default();
    let (line, column) = super::yaml::locate(&String::from_utf8_lossy(&bytes), "id");
    let msg = if file_ids.binary_search(&card.id).is_ok() {
        format!(
            "duplicate id {:?}: that id belongs to {}; give this card the id {id:?} of its file name",
            card.id,
            card_path(&card.id)
        )
    } else {
        format!(
            "id {:?} does not match the file name; set it to {id:?}",
            card.id
        )
    };
    Err(Problem::new(&rel, line, column, msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_writes_of_one_scratch_file_never_mix() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("lanes").join("cards-v1");
        let contents: Vec<Vec<u8>> = (0..6u8)
            .map(|i| vec![b'a' + i; 200_000 + usize::from(i) * 1000])
            .collect();
        for _ in 0..5 {
            std::thread::scope(|s| {
                for c in &contents {
                    let path = &path;
                    s.spawn(move || write_scratch(path, |w| w.write_all(c)).expect("write"));
                }
            });
            let got = fs::read(&path).expect("read");
            assert!(
                contents.contains(&got),
                "a mix of writes ({} bytes)",
                got.len()
            );
        }
        // No temporary files are left behind.
        let left: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("cards-v1")]);
    }
}
