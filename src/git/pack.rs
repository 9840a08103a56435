//! Objects read straight from a repository's pack files, for walks that
//! read thousands of versions of the same large tree (history: every
//! commit's cards folder, every card version).
//!
//! libgit2 reads a deltified object by rebuilding it from its chain of
//! deltas, with one 16 MiB cache of rebuilt bases per pack that it empties
//! whole once full: with cards folders of 200 kB that is every 80 reads,
//! and each time the chain is rebuilt from its full base (inflated again).
//! A [`Reader`] keeps what it rebuilt, per thread, and drops the least
//! recently used, so a walk that reads each version after the one it was
//! made from applies one delta per object, as git's own delta base cache
//! does.
//!
//! Only what it can read with certainty comes from here: pack index
//! version 2 files in `objects/pack`. Anything else (a loose object, an
//! alternate, an object whose pack entry does not read as expected, a
//! pack removed by a `git gc` meanwhile) is read through libgit2, which
//! also gives the errors (an object missing in a partial clone is
//! [`partial::is_missing`](super::partial::is_missing)). Like the rest of
//! lanes ([`setup`](super::setup)), objects are not re-hashed when read.

use git2::{ObjectType, Odb, Oid, Repository};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The pack indexes of a repository: read once, shared by every thread's
/// [`Reader`].
pub struct Packs {
    packs: Vec<Pack>,
}

/// One pack: its index, and its entries' offsets in order (an entry ends
/// where the next begins).
struct Pack {
    path: PathBuf,
    /// The whole `.idx` file (version 2).
    idx: Vec<u8>,
    count: usize,
    /// Every entry's offset, sorted, then the offset of the pack's
    /// trailing checksum.
    ends: Vec<u64>,
}

const IDX_MAGIC: [u8; 4] = [0xff, b't', b'O', b'c'];

impl Pack {
    fn open(idx_path: &Path) -> Option<Pack> {
        let idx = std::fs::read(idx_path).ok()?;
        if idx.get(..8)? != [IDX_MAGIC, 2u32.to_be_bytes()].concat() {
            return None;
        }
        let fanout = |i: usize| -> Option<u32> {
            let at = 8 + 4 * i;
            Some(u32::from_be_bytes(idx.get(at..at + 4)?.try_into().ok()?))
        };
        let count = fanout(255)? as usize;
        // Fan-out, ids, CRCs, offsets, then the large offsets.
        let small = 8 + 1024 + count * 24;
        if idx.len() < small + count * 4 + 40 {
            return None;
        }
        let path = idx_path.with_extension("pack");
        let pack_len = std::fs::metadata(&path).ok()?.len();
        let mut pack = Pack {
            path,
            idx,
            count,
            ends: Vec::with_capacity(count + 1),
        };
        for i in 0..count {
            let off = pack.offset(i)?;
            pack.ends.push(off);
        }
        pack.ends.sort_unstable();
        pack.ends.push(pack_len.checked_sub(20)?);
        Some(pack)
    }

    /// The pack offset of the `i`-th id in the index.
    fn offset(&self, i: usize) -> Option<u64> {
        let at = 8 + 1024 + self.count * 24 + i * 4;
        let v = u32::from_be_bytes(self.idx.get(at..at + 4)?.try_into().ok()?);
        if v & 0x8000_0000 == 0 {
            return Some(u64::from(v));
        }
        let at = 8 + 1024 + self.count * 28 + (v & 0x7fff_ffff) as usize * 8;
        Some(u64::from_be_bytes(
            self.idx.get(at..at + 8)?.try_into().ok()?,
        ))
    }

    /// Where the object `id` is in this pack.
    fn find(&self, id: &[u8]) -> Option<u64> {
        let first = usize::from(id[0]);
        let fanout = |i: usize| -> usize {
            let at = 8 + 4 * i;
            u32::from_be_bytes(self.idx[at..at + 4].try_into().unwrap_or_default()) as usize
        };
        let (mut lo, mut hi) = (
            if first == 0 { 0 } else { fanout(first - 1) },
            fanout(first),
        );
        hi = hi.min(self.count);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let at = 8 + 1024 + mid * 20;
            match self.idx[at..at + 20].cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.offset(mid),
            }
        }
        None
    }

    /// Where the entry at `off` ends.
    fn end_of(&self, off: u64) -> Option<u64> {
        let i = self.ends.partition_point(|&e| e <= off);
        self.ends.get(i).copied()
    }
}

impl Packs {
    /// The version 2 indexes in the repository's `objects/pack` (none
    /// when it cannot be listed: every object is then read by libgit2).
    pub fn open(repo: &Repository) -> Packs {
        let dir = repo.commondir().join("objects").join("pack");
        let mut idx: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                    .collect()
            })
            .unwrap_or_default();
        idx.sort();
        Packs {
            packs: idx.iter().filter_map(|p| Pack::open(p)).collect(),
        }
    }

    /// The pack and offset of object `id`, if a pack holds it.
    pub fn locate(&self, id: Oid) -> Option<(usize, u64)> {
        self.packs
            .iter()
            .enumerate()
            .find_map(|(i, p)| Some((i, p.find(id.as_bytes())?)))
    }
}

/// An object as read: its type and bytes (shared with the reader's
/// cache).
#[derive(Clone)]
pub struct Object {
    pub kind: ObjectType,
    pub data: Rc<Vec<u8>>,
}

/// Bytes of rebuilt objects a reader keeps (per thread).
const CACHE_BYTES: usize = 48 << 20;
/// Buffers kept for reuse.
const SPARE: usize = 32;
/// Bytes read from a pack file at a time (at least: a whole entry is read
/// at once): neighbours of small entries come with them, without copying
/// much of a pack read out of order.
const WINDOW: usize = 64 << 10;

/// Reads objects for one thread: the packs' entries it inflated and
/// rebuilt are kept (most recently used first), so that a chain of deltas
/// read in order rebuilds each object once.
pub struct Reader<'p> {
    packs: &'p Packs,
    odb: Odb<'p>,
    files: Vec<Option<File>>,
    /// Per pack: a window of its bytes (start, bytes).
    windows: Vec<(u64, Vec<u8>)>,
    /// (pack, offset) → the object rebuilt there, and when it was last
    /// used.
    cache: HashMap<(usize, u64), (Object, u64)>,
    /// When last used → (pack, offset), least recent first.
    by_use: BTreeMap<u64, (usize, u64)>,
    cached_bytes: usize,
    uses: u64,
    /// Buffers of objects the cache let go, for the next objects rebuilt
    /// (a walk rebuilds thousands of the same size).
    spare: Vec<Vec<u8>>,
    z: Inflater,
}

impl<'p> Reader<'p> {
    pub fn new(packs: &'p Packs, repo: &'p Repository) -> Result<Reader<'p>, git2::Error> {
        Ok(Reader {
            packs,
            odb: repo.odb()?,
            files: packs.packs.iter().map(|_| None).collect(),
            windows: packs.packs.iter().map(|_| (0, Vec::new())).collect(),
            cache: HashMap::new(),
            by_use: BTreeMap::new(),
            cached_bytes: 0,
            uses: 0,
            spare: Vec::new(),
            z: Inflater::new(),
        })
    }

    /// Object `id`, from a pack where one holds it, through libgit2
    /// otherwise (whose error says why it cannot be read).
    pub fn read(&mut self, id: Oid) -> Result<Object, git2::Error> {
        if let Some(o) = self.packs.locate(id).and_then(|(p, off)| self.at(p, off)) {
            return Ok(o);
        }
        let o = self.odb.read(id)?;
        Ok(Object {
            kind: o.kind(),
            data: Rc::new(o.data().to_vec()),
        })
    }

    /// The object whose entry is at `off` in pack `p`; `None` when it does
    /// not read as expected.
    fn at(&mut self, p: usize, off: u64) -> Option<Object> {
        // The chain of deltas down to a base this reader has, or a whole
        // object: (offset, delta start, delta size).
        let mut chain: Vec<(u64, u64, usize)> = Vec::new();
        let mut at = off;
        let mut base = loop {
            if let Some(o) = self.cached(p, at) {
                break o;
            }
            let (kind, size, data_at) = self.header(p, at)?;
            match kind {
                1..=4 => {
                    let data = self.inflate(p, data_at, size)?;
                    let kind = match kind {
                        1 => ObjectType::Commit,
                        2 => ObjectType::Tree,
                        3 => ObjectType::Blob,
                        _ => ObjectType::Tag,
                    };
                    let o = Object {
                        kind,
                        data: Rc::new(data),
                    };
                    self.keep(p, at, &o);
                    break o;
                }
                6 => {
                    let (back, delta_at) = self.ofs_base(p, data_at)?;
                    chain.push((at, delta_at, size));
                    at = at.checked_sub(back).filter(|&b| b > 0)?;
                }
                7 => {
                    let id = Oid::from_bytes(self.bytes(p, data_at, 20)?).ok()?;
                    chain.push((at, data_at + 20, size));
                    match self.packs.packs[p].find(id.as_bytes()) {
                        Some(b) => at = b,
                        None => break self.read(id).ok()?,
                    }
                }
                _ => return None,
            }
            if chain.len() > 10_000 {
                return None;
            }
        };
        while let Some((obj_at, delta_at, size)) = chain.pop() {
            let delta = self.inflate(p, delta_at, size)?;
            let data = apply_delta(&base.data, &delta, &mut self.spare)?;
            base = Object {
                kind: base.kind,
                data: Rc::new(data),
            };
            self.keep(p, obj_at, &base);
        }
        Some(base)
    }

    fn cached(&mut self, p: usize, off: u64) -> Option<Object> {
        let (o, used) = self.cache.get_mut(&(p, off))?;
        self.uses += 1;
        self.by_use.remove(used);
        *used = self.uses;
        self.by_use.insert(self.uses, (p, off));
        Some(o.clone())
    }

    /// Keep a rebuilt object; past the budget, the least recently used go
    /// (their buffers are used again).
    fn keep(&mut self, p: usize, off: u64, o: &Object) {
        if o.data.len() > CACHE_BYTES / 8 {
            return;
        }
        self.uses += 1;
        self.cached_bytes += cost(o);
        self.by_use.insert(self.uses, (p, off));
        if let Some((old, used)) = self.cache.insert((p, off), (o.clone(), self.uses)) {
            self.cached_bytes -= cost(&old);
            self.by_use.remove(&used);
        }
        while self.cached_bytes > CACHE_BYTES {
            let Some((_, k)) = self.by_use.pop_first() else {
                break;
            };
            let Some((old, _)) = self.cache.remove(&k) else {
                continue;
            };
            self.cached_bytes -= cost(&old);
            if let Ok(buf) = Rc::try_unwrap(old.data) {
                if self.spare.len() < SPARE {
                    self.spare.push(buf);
                }
            }
        }
    }

    /// An entry's header: type, size (of the object, or of the delta),
    /// and where what follows it starts.
    fn header(&mut self, p: usize, off: u64) -> Option<(u8, usize, u64)> {
        let b = self.bytes(p, off, 1)?;
        let kind = (b[0] >> 4) & 7;
        let mut size = usize::from(b[0] & 15);
        let mut more = b[0] & 0x80 != 0;
        let (mut at, mut shift) = (off + 1, 4);
        while more {
            let c = self.bytes(p, at, 1)?[0];
            if shift > 56 {
                return None;
            }
            size |= usize::from(c & 0x7f) << shift;
            shift += 7;
            more = c & 0x80 != 0;
            at += 1;
        }
        Some((kind, size, at))
    }

    /// An offset delta's distance back to its base, and where the delta
    /// data starts.
    fn ofs_base(&mut self, p: usize, at: u64) -> Option<(u64, u64)> {
        let mut c = self.bytes(p, at, 1)?[0];
        let mut back = u64::from(c & 0x7f);
        let mut pos = at + 1;
        while c & 0x80 != 0 {
            c = self.bytes(p, pos, 1)?[0];
            back = back.checked_add(1)?.checked_mul(128)? | u64::from(c & 0x7f);
            pos += 1;
        }
        Some((back, pos))
    }

    /// The zlib stream at `at` (up to the entry's end), inflated: exactly
    /// `size` bytes.
    fn inflate(&mut self, p: usize, at: u64, size: usize) -> Option<Vec<u8>> {
        let end = self.packs.packs[p].end_of(at)?;
        let len = usize::try_from(end.checked_sub(at)?).ok()?;
        // zlib deflates by at most about 1032:1; a damaged size says more.
        if size > len.saturating_mul(1100).saturating_add(64) {
            return None;
        }
        self.bytes(p, at, len)?;
        let (start, window) = &self.windows[p];
        let from = usize::try_from(at - start).ok()?;
        self.z.inflate(&window[from..from + len], size)
    }

    /// `len` bytes of pack `p` from `at`, through the pack's window.
    fn bytes(&mut self, p: usize, at: u64, len: usize) -> Option<&[u8]> {
        let (start, window) = &self.windows[p];
        let inside = at >= *start && at + len as u64 <= start + window.len() as u64;
        if !inside {
            let pack = &self.packs.packs[p];
            if self.files[p].is_none() {
                let mut f = File::open(&pack.path).ok()?;
                let mut magic = [0u8; 4];
                read_at(&mut f, 0, &mut magic).ok()?;
                if &magic != b"PACK" {
                    return None;
                }
                self.files[p] = Some(f);
            }
            let file_end = pack.ends.last().copied()? + 20;
            let want = (len.max(WINDOW) as u64).min(file_end.checked_sub(at)?);
            if want < len as u64 {
                return None;
            }
            let mut buf = std::mem::take(&mut self.windows[p].1);
            buf.resize(usize::try_from(want).ok()?, 0);
            read_at(self.files[p].as_mut()?, at, &mut buf).ok()?;
            self.windows[p] = (at, buf);
        }
        let (start, window) = &self.windows[p];
        let from = usize::try_from(at - start).ok()?;
        window.get(from..from + len)
    }
}

/// What an object costs the cache: its bytes, and its place in the maps.
fn cost(o: &Object) -> usize {
    o.data.len() + 96
}

/// Fill `buf` from the file at `at`.
fn read_at(f: &mut File, at: u64, buf: &mut [u8]) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    f.seek(SeekFrom::Start(at))?;
    f.read_exact(buf)
}

/// A git delta applied to `base` (`None`: it does not apply), into a
/// spare buffer of about the right size where there is one.
fn apply_delta(base: &[u8], delta: &[u8], spare: &mut Vec<Vec<u8>>) -> Option<Vec<u8>> {
    let mut at = 0;
    let varint = |at: &mut usize| -> Option<usize> {
        let (mut v, mut shift) = (0usize, 0);
        loop {
            let c = *delta.get(*at)?;
            *at += 1;
            if shift > 56 {
                return None;
            }
            v |= usize::from(c & 0x7f) << shift;
            shift += 7;
            if c & 0x80 == 0 {
                return Some(v);
            }
        }
    };
    if varint(&mut at)? != base.len() {
        return None;
    }
    let size = varint(&mut at)?;
    let fits = |b: &Vec<u8>| b.capacity() >= size && b.capacity() <= size.saturating_mul(2);
    let mut out = match spare.iter().position(fits) {
        Some(i) => spare.swap_remove(i),
        // Grown as copied where a damaged delta claims too much.
        None => Vec::with_capacity(size.min(1 << 26)),
    };
    out.clear();
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let mut arg = |bits: u8, shifts: std::ops::Range<u32>| -> Option<usize> {
                let mut v = 0usize;
                for (i, s) in shifts.enumerate() {
                    if bits & (1 << i) != 0 {
                        v |= usize::from(*delta.get(at)?) << (8 * s);
                        at += 1;
                    }
                }
                Some(v)
            };
            let off = arg(op & 15, 0..4)?;
            let len = match arg((op >> 4) & 7, 0..3)? {
                0 => 0x10000,
                n => n,
            };
            out.extend_from_slice(base.get(off..off.checked_add(len)?)?);
        } else if op != 0 {
            let n = usize::from(op);
            out.extend_from_slice(delta.get(at..at + n)?);
            at += n;
        } else {
            return None;
        }
        if out.len() > size {
            return None;
        }
    }
    (out.len() == size).then_some(out)
}

/// zlib's inflate, one stream at a time, its state kept between streams.
struct Inflater(flate2::Decompress);

impl Inflater {
    fn new() -> Inflater {
        Inflater(flate2::Decompress::new(true))
    }

    /// `input` inflated, when it is one zlib stream of exactly `size`
    /// bytes.
    fn inflate(&mut self, input: &[u8], size: usize) -> Option<Vec<u8>> {
        self.0.reset(true);
        // One byte more than expected, to see a stream that is longer.
        let mut out: Vec<u8> = Vec::with_capacity(size.checked_add(1)?);
        let status = self
            .0
            .decompress_vec(input, &mut out, flate2::FlushDecompress::Finish)
            .ok()?;
        (status == flate2::Status::StreamEnd && out.len() == size).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every object of a packed repository reads as libgit2 reads it.
    #[test]
    fn reads_what_libgit2_reads() {
        let tmp = tempfile::tempdir().expect("a temp dir");
        let dir = tmp.path().to_path_buf();
        let run = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .args(args)
                .current_dir(&dir)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_AUTHOR_NAME", "a")
                .env("GIT_AUTHOR_EMAIL", "a@b")
                .env("GIT_COMMITTER_NAME", "a")
                .env("GIT_COMMITTER_EMAIL", "a@b")
                .output()
                .expect("git runs")
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        run(&["init", "-q", "."]);
        let cards = dir.join("cards");
        std::fs::create_dir_all(&cards).expect("a folder");
        for round in 0..30 {
            for i in 0..40 {
                let text = format!(
                    "id: c{i}\nlane: l{}\ntitle: card {i} of a board\nround: {round}\n",
                    (i + round) % 7
                );
                std::fs::write(cards.join(format!("c{i:03}.yaml")), text).expect("a card");
            }
            run(&["add", "-A"]);
            run(&["commit", "-q", "-m", &format!("round {round}")]);
        }
        run(&["repack", "-a", "-d", "-q", "--depth=20"]);
        let repo = Repository::open(&dir).expect("a repository");
        let packs = Packs::open(&repo);
        assert_eq!(packs.packs.len(), 1);
        let mut reader = Reader::new(&packs, &repo).expect("a reader");
        let odb = repo.odb().expect("its objects");
        let mut ids = Vec::new();
        odb.foreach(|id| {
            ids.push(*id);
            true
        })
        .expect("objects listed");
        assert!(ids.len() > 1000, "{}", ids.len());
        let mut from_packs = 0;
        for id in ids {
            // Read from the pack itself, not through libgit2's way round.
            let packed = packs.locate(id).and_then(|(p, off)| reader.at(p, off));
            from_packs += usize::from(packed.is_some());
            let want = odb.read(id).expect("libgit2 reads it");
            let got = reader.read(id).expect("lanes reads it");
            assert_eq!(got.kind, want.kind(), "{id}");
            assert_eq!(&got.data[..], want.data(), "{id}");
        }
        assert!(from_packs > 1000, "{from_packs}");
        // What no pack holds: a loose object comes through libgit2, and
        // an object this clone lacks says so as libgit2 says it.
        let loose = repo.blob(b"id: loose\nlane: x\n").expect("a loose blob");
        assert!(packs.locate(loose).is_none());
        assert_eq!(
            &reader.read(loose).expect("read").data[..],
            b"id: loose\nlane: x\n"
        );
        let absent = Oid::from_str("0123456789abcdef0123456789abcdef01234567").expect("an id");
        let err = reader.read(absent).err().expect("an error");
        assert!(super::super::partial::is_missing(&err), "{err}");
    }
}
