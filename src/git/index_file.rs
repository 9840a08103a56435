//! Updating a few entries of git's index file (`.git/index`) in place.
//!
//! A board change commits one or two card files, but libgit2 reads all of
//! the index into memory (10,000 entries for a 10,000-card board), hashes it
//! with collision-detecting SHA-1, then sorts, hashes and writes all of it
//! again: a third of a `lanes move`. A changed card keeps its path, so its
//! entry keeps its size in the file: only its stat data and object id
//! change. Here those fields are overwritten where they are, the cache of
//! tree ids (the `TREE` extension) is told that the folders on the path
//! changed, and the file's trailing checksum is recomputed.
//!
//! Only what is fully understood is touched: index versions 2 to 4, entries
//! at stage 0 without the assume-valid, skip-worktree or intent-to-add flags,
//! and no extension that git calls required (split index, sparse index).
//! Anything else returns `None` and the caller goes through libgit2, which
//! handles every case, only slower. Format:
//! <https://git-scm.com/docs/index-format>.

use git2::Oid;
use sha1::{Digest, Sha1};

const HEADER: usize = 12;
const HASH: usize = 20;
/// ctime, mtime (seconds and nanoseconds), dev, ino, mode, uid, gid, size.
const STAT: usize = 40;
/// The stat fields, the object id and the 16-bit flags.
const FIXED: usize = STAT + HASH + 2;

const ASSUME_VALID: u16 = 0x8000;
const EXTENDED: u16 = 0x4000;
const STAGE: u16 = 0x3000;
const NAME_MASK: u16 = 0x0fff;

/// The stat data git records for a working file, each field cut to 32 bits
/// as git stores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub ctime: Time,
    pub mtime: Time,
    pub dev: u32,
    pub ino: u32,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u32,
}

impl Stat {
    /// The stat data of a regular file; `None` for anything else.
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Option<Stat> {
        use std::os::unix::fs::MetadataExt;
        if !meta.file_type().is_file() {
            return None;
        }
        Some(Stat {
            ctime: (meta.ctime() as u32, meta.ctime_nsec() as u32),
            mtime: (meta.mtime() as u32, meta.mtime_nsec() as u32),
            dev: meta.dev() as u32,
            ino: meta.ino() as u32,
            mode: if meta.mode() & 0o100 != 0 {
                0o100755
            } else {
                0o100644
            },
            uid: meta.uid(),
            gid: meta.gid(),
            size: meta.size() as u32,
        })
    }

    #[cfg(not(unix))]
    pub fn of(_meta: &std::fs::Metadata) -> Option<Stat> {
        None
    }

    fn write(&self, out: &mut [u8]) {
        let fields = [
            self.ctime.0,
            self.ctime.1,
            self.mtime.0,
            self.mtime.1,
            self.dev,
            self.ino,
            self.mode,
            self.uid,
            self.gid,
            self.size,
        ];
        for (chunk, v) in out.chunks_exact_mut(4).zip(fields) {
            chunk.copy_from_slice(&v.to_be_bytes());
        }
    }

    fn read(b: &[u8]) -> Stat {
        let f = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Stat {
            ctime: (f(0), f(4)),
            mtime: (f(8), f(12)),
            dev: f(16),
            ino: f(20),
            mode: f(24),
            uid: f(28),
            gid: f(32),
            size: f(36),
        }
    }
}

/// A file time as the index keeps it: seconds and nanoseconds.
pub type Time = (u32, u32);

/// A patched index file, and each path's entry as it was (`None`: added).
pub type Patched = (Vec<u8>, Vec<Option<Change>>);

/// One path's entry: its stat data and object id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Relative to the work tree, with `/` separators.
    pub path: String,
    pub oid: Oid,
    pub stat: Stat,
}

/// `index` (the bytes of an index file) with the entries of `changes` set to
/// their new stat data and ids, and each path's entry as it was before
/// (`None`: the path is new, and its entry was added). `None` when the file
/// is not in a shape this handles: a path with a conflicted or flagged
/// entry, a file mode change, a new path in a version 4 index or one using
/// fsmonitor, a file where a new path's folder should be, an unknown
/// version or required extension, a malformed file.
///
/// `written` is the index file's mtime (seconds, nanoseconds). Another
/// entry whose file changed at or after that moment ("racily clean") may
/// be modified without its stat data showing it: git checks the content of
/// such entries when it reads the index, but a newer index would hide
/// them, so their recorded size is set to 0 ("smudged", as git and libgit2
/// do when they write one), and git compares their content next time.
/// `(0, 0)` skips this, as git does for an index without a time.
pub fn patched(index: Vec<u8>, written: Time, changes: &[Change]) -> Option<Patched> {
    patched_with_trees(index, written, changes, &[])
}

/// A folder's tree id in the commit a change is built on (`was`) and in
/// the commit made of it (`now`); `dir` is `/`-separated, `""` for the
/// root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeIds {
    pub dir: String,
    pub was: Oid,
    pub now: Oid,
}

/// [`patched`], keeping the cached tree ids (the `TREE` extension) of the
/// folders in `trees` valid, as `git commit` does, instead of marking them
/// invalid: a folder whose cached id is its `was` (its entries are exactly
/// the parent commit's folder) holds, once `changes` are applied, exactly
/// the new commit's folder, `now`. The caller gives only folders whose
/// every change in `changes` went into that commit (`was` to `now`); any
/// other folder on a changed path is marked invalid. Git's next commit
/// then reuses the ids, and a later lanes commit sees at once that the
/// board files in the index are the committed ones
/// ([`cached_tree_ids`]).
pub fn patched_with_trees(
    index: Vec<u8>,
    written: Time,
    changes: &[Change],
    trees: &[TreeIds],
) -> Option<Patched> {
    // Changed entries are overwritten in this buffer; the extensions are
    // copied out before it is cut after the entries.
    let mut out = index;
    let (version, count) = header(&out)?;
    let body_end = out.len() - HASH;
    // The trailing checksum is not verified, as git does not verify it when
    // reading (only `git fsck` does); all zeros means `index.skipHash`.
    let skip_hash = out[body_end..].iter().all(|&b| b == 0);
    // A path given twice would be added twice.
    let mut paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
    paths.sort_unstable();
    if paths.windows(2).any(|w| w[0] == w[1]) {
        return None;
    }
    let mut old: Vec<Option<Change>> = vec![None; changes.len()];
    // Where each new path's entry goes: before the first entry sorting
    // after it.
    let mut insert_at: Vec<Option<usize>> = vec![None; changes.len()];
    let mut walk = Walk::new(version, body_end);
    for _ in 0..count {
        let (start, flags) = walk.step(&out)?;
        let path = &walk.path;
        for (i, c) in changes.iter().enumerate() {
            let want = c.path.as_bytes();
            if insert_at[i].is_none() && path.as_slice() > want && old[i].is_none() {
                insert_at[i] = Some(start);
            }
            // A file where a folder of the path is, or a folder (entries
            // below it) where the path is: git would refuse to add it.
            let dir_of = |long: &[u8], short: &[u8]| {
                long.len() > short.len() && long.starts_with(short) && long[short.len()] == b'/'
            };
            if dir_of(want, path) || dir_of(path, want) {
                return None;
            }
        }
        let Some(i) = changes
            .iter()
            .position(|c| c.path.as_bytes() == path.as_slice())
        else {
            let mtime = (be32(&out, start + 8)?, be32(&out, start + 12)?);
            if written.0 != 0 && mtime >= written {
                out[start + STAT - 4..start + STAT].fill(0);
            }
            continue;
        };
        let plain = flags & (ASSUME_VALID | EXTENDED | STAGE) == 0;
        if !plain || old[i].is_some() || insert_at[i].is_some() {
            return None;
        }
        let was = Stat::read(&out[start..start + STAT]);
        if was.mode != changes[i].stat.mode || !matches!(was.mode, 0o100644 | 0o100755) {
            return None;
        }
        old[i] = Some(Change {
            path: changes[i].path.clone(),
            oid: Oid::from_bytes(&out[start + STAT..start + STAT + HASH]).ok()?,
            stat: was,
        });
        changes[i].stat.write(&mut out[start..start + STAT]);
        out[start + STAT..start + STAT + HASH].copy_from_slice(changes[i].oid.as_bytes());
    }
    let mut pos = walk.pos;
    let entries_end = pos;
    // New paths: after every entry if none sorts after them.
    let mut added: Vec<(usize, &Change)> = changes
        .iter()
        .zip(&old)
        .zip(&insert_at)
        .filter(|((_, was), _)| was.is_none())
        .map(|((c, _), at)| (at.unwrap_or(entries_end), c))
        .collect();
    if !added.is_empty() && version == 4 {
        // Each v4 path is stored relative to the one before it.
        return None;
    }
    // Extensions: each is a 4-byte signature, a 32-bit size and its data.
    let mut tail: Vec<u8> = Vec::with_capacity(body_end - entries_end);
    let mut eoie = false;
    while pos < body_end {
        let sig: [u8; 4] = out.get(pos..pos + 4)?.try_into().ok()?;
        let size = be32(&out, pos + 4)? as usize;
        let data = out.get(pos + 8..(pos + 8).checked_add(size)?)?;
        if data.len() != size || pos + 8 + size > body_end {
            return None;
        }
        match &sig {
            b"TREE" => {
                let added: Vec<&str> = changes
                    .iter()
                    .zip(&old)
                    .filter(|(_, was)| was.is_none())
                    .map(|(c, _)| c.path.as_str())
                    .collect();
                let tree = update_tree(data, changes, &added, trees)?;
                tail.extend_from_slice(&sig);
                tail.extend_from_slice(&u32::try_from(tree.len()).ok()?.to_be_bytes());
                tail.extend_from_slice(&tree);
            }
            // The end-of-index-entries marker hashes the other extensions'
            // headers: it is written again below.
            b"EOIE" if pos + 8 + size == body_end => eoie = true,
            // Offsets of blocks of entries, for reading on several threads:
            // an added entry moves the later ones, and git does without.
            b"IEOT" if !added.is_empty() => {}
            // The fsmonitor bitmap is by entry position.
            b"FSMN" if !added.is_empty() => return None,
            // Required extensions (lowercase first letter) change what the
            // entries mean: leave those files to libgit2.
            s if s[0].is_ascii_lowercase() => return None,
            // Optional ones (resolve-undo, untracked cache, fsmonitor,
            // entry offsets) stay valid: no entry moved or changed meaning.
            _ => tail.extend_from_slice(&out[pos..pos + 8 + size]),
        }
        pos += 8 + size;
    }
    if pos != body_end {
        return None;
    }
    out.truncate(entries_end);
    // From the last insertion point back, so earlier ones stay put.
    added.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.path.cmp(&a.1.path)));
    for (at, c) in &added {
        out.splice(*at..*at, new_entry(c)?);
    }
    let entries_end = out.len();
    let total = u32::try_from(count + added.len()).ok()?;
    out[8..12].copy_from_slice(&total.to_be_bytes());
    if eoie {
        let mut headers = Sha1::new();
        let mut at = 0;
        while at < tail.len() {
            headers.update(&tail[at..at + 8]);
            at += 8 + be32(&tail, at + 4)? as usize;
        }
        tail.extend_from_slice(b"EOIE");
        tail.extend_from_slice(&24u32.to_be_bytes());
        tail.extend_from_slice(&u32::try_from(entries_end).ok()?.to_be_bytes());
        tail.extend_from_slice(&headers.finalize());
    }
    out.extend_from_slice(&tail);
    if skip_hash {
        out.extend_from_slice(&[0; HASH]);
    } else {
        let sum = Sha1::digest(&out);
        out.extend_from_slice(&sum);
    }
    Some((out, old))
}

/// Walks the entries of an index file, one at a time, keeping the current
/// entry's path (version 4 stores each path relative to the one before).
struct Walk {
    version: u32,
    /// Where the next entry starts.
    pos: usize,
    /// Where the entries and extensions end (the trailing checksum).
    body_end: usize,
    /// The path of the entry last stepped over.
    path: Vec<u8>,
}

impl Walk {
    fn new(version: u32, body_end: usize) -> Walk {
        Walk {
            version,
            pos: HEADER,
            body_end,
            path: Vec::new(),
        }
    }

    /// Step over the next entry of `data`: where it starts and its flags
    /// (its path is then in `self.path`); `None` if it is malformed.
    fn step(&mut self, data: &[u8]) -> Option<(usize, u16)> {
        let start = self.pos;
        let flags = u16::from_be_bytes(
            data.get(start + FIXED - 2..start + FIXED)?
                .try_into()
                .ok()?,
        );
        let mut name_at = start + FIXED;
        if flags & EXTENDED != 0 {
            if self.version < 3 {
                return None;
            }
            name_at += 2;
        }
        // The entry's path, and where the next entry starts.
        if self.version == 4 {
            let (strip, n) = varint(data.get(name_at..)?)?;
            let keep = self.path.len().checked_sub(strip)?;
            self.path.truncate(keep);
            let suffix_at = name_at + n;
            let nul = suffix_at
                + data
                    .get(suffix_at..self.body_end)?
                    .iter()
                    .position(|&b| b == 0)?;
            self.path.extend_from_slice(&data[suffix_at..nul]);
            self.pos = nul + 1;
        } else {
            let len = usize::from(flags & NAME_MASK);
            let nul = if len < usize::from(NAME_MASK) {
                name_at + len
            } else {
                name_at
                    + data
                        .get(name_at..self.body_end)?
                        .iter()
                        .position(|&b| b == 0)?
            };
            self.path.clear();
            self.path.extend_from_slice(data.get(name_at..nul)?);
            // 1 to 8 NULs pad the entry to a multiple of 8 bytes.
            self.pos = start + ((nul - start + 8) & !7);
        }
        (self.pos <= self.body_end).then_some((start, flags))
    }
}

/// The version and entry count of an index file this reads (versions 2
/// to 4, with room for the trailing checksum).
fn header(index: &[u8]) -> Option<(u32, usize)> {
    if index.len() < HEADER + HASH || &index[..4] != b"DIRC" {
        return None;
    }
    let version = be32(index, 4)?;
    (2..=4)
        .contains(&version)
        .then_some((version, be32(index, 8)? as usize))
}

/// What git last saw of each file: `seen` gets every entry at stage 0,
/// its path (relative to the work tree) and its stat data, as a reader of
/// the index learns which files git has written or staged since it last
/// looked. `None` when `index` is not an index file this reads (versions
/// 2 to 4).
pub fn entry_stats(index: &[u8], mut seen: impl FnMut(&[u8], Stat)) -> Option<()> {
    let (version, count) = header(index)?;
    let mut walk = Walk::new(version, index.len() - HASH);
    for _ in 0..count {
        let (start, flags) = walk.step(index)?;
        if flags & STAGE == 0 {
            seen(&walk.path, Stat::read(&index[start..start + STAT]));
        }
    }
    Some(())
}

/// Every entry's path (relative to the work tree), object id and stage
/// (0, or 1 to 3 for a conflict), in the index's order. `None` when
/// `index` is not an index file this reads (versions 2 to 4).
pub fn entry_ids(index: &[u8], mut seen: impl FnMut(&[u8], Oid, u16)) -> Option<()> {
    let (version, count) = header(index)?;
    let mut walk = Walk::new(version, index.len() - HASH);
    for _ in 0..count {
        let (start, flags) = walk.step(index)?;
        let oid = Oid::from_bytes(index.get(start + STAT..start + STAT + HASH)?).ok()?;
        seen(&walk.path, oid, (flags & STAGE) >> 12);
    }
    Some(())
}

/// A version 2/3 entry for a new path at stage 0: stat data, id, flags
/// (the name's length), the name and 1 to 8 NULs.
fn new_entry(c: &Change) -> Option<Vec<u8>> {
    let name = c.path.as_bytes();
    if name.contains(&0) {
        return None;
    }
    let len = (FIXED + name.len() + 8) & !7;
    let mut e = vec![0u8; len];
    c.stat.write(&mut e[..STAT]);
    e[STAT..STAT + HASH].copy_from_slice(c.oid.as_bytes());
    let flags = name.len().min(usize::from(NAME_MASK)) as u16;
    e[FIXED - 2..FIXED].copy_from_slice(&flags.to_be_bytes());
    e[FIXED..FIXED + name.len()].copy_from_slice(name);
    Some(e)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Git's offset varint (index v4): each byte's high bit says more follows,
/// and each continuation adds one before shifting.
fn varint(b: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    let mut byte = *b.first()?;
    let mut v = usize::from(byte & 0x7f);
    while byte & 0x80 != 0 {
        i += 1;
        byte = *b.get(i)?;
        v = v.checked_add(1)?.checked_mul(128)? | usize::from(byte & 0x7f);
    }
    Some((v, i + 1))
}

/// One node of the cached tree ids: a folder, how many index entries it
/// covers (-1: invalid, no id), its subfolders and its tree id.
struct Node<'a> {
    name: &'a [u8],
    entries: i64,
    subtrees: Vec<Node<'a>>,
    oid: Option<[u8; HASH]>,
}

/// The `TREE` extension with every folder on the changed paths (and the
/// root) marked invalid, as git does when an entry below it changes,
/// except the folders of `trees` whose cached id was their `was`: those
/// get their `now`, and one more entry for each path of `added` below
/// them.
fn update_tree(
    data: &[u8],
    changes: &[Change],
    added: &[&str],
    trees: &[TreeIds],
) -> Option<Vec<u8>> {
    let mut pos = 0;
    let mut root = parse_node(data, &mut pos, 0)?;
    if pos != data.len() {
        return None;
    }
    // Each folder on a changed path: whether it keeps a valid id.
    let mut keep: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    for c in changes {
        // The folders on the path, each with whether its cached id was
        // its `was`; a folder missing from the cache (a new one) leaves
        // every folder above it invalid, as git's own invalidation does.
        let parts: Vec<&str> = c.path.split('/').collect();
        let mut dirs: Vec<(String, bool)> = Vec::new();
        let mut dir = String::new();
        let mut node = Some(&root);
        for part in &parts[..parts.len() - 1] {
            dirs.push((dir.clone(), matches_was(node, &dir, trees)));
            node = node.and_then(|n| n.subtrees.iter().find(|s| s.name == part.as_bytes()));
            if !dir.is_empty() {
                dir.push('/');
            }
            dir.push_str(part);
        }
        let complete = node.is_some();
        dirs.push((dir.clone(), matches_was(node, &dir, trees) && complete));
        // A folder stays valid only with every folder below it on the
        // path (git never has a valid folder above an invalid one).
        let mut below_ok = true;
        for (d, ok) in dirs.into_iter().rev() {
            below_ok &= ok;
            *keep.entry(d).or_insert(true) &= below_ok;
        }
    }
    fn visit(
        node: &mut Node<'_>,
        dir: &str,
        keep: &std::collections::HashMap<String, bool>,
        added: &[&str],
        trees: &[TreeIds],
    ) {
        if let Some(k) = keep.get(dir) {
            let now = trees.iter().find(|t| t.dir == dir).map(|t| t.now);
            match (k, now) {
                (true, Some(now)) => {
                    let below = |p: &&&str| {
                        dir.is_empty() || p.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
                    };
                    node.entries += added.iter().filter(below).count() as i64;
                    let mut id = [0u8; HASH];
                    id.copy_from_slice(now.as_bytes());
                    node.oid = Some(id);
                }
                _ => {
                    node.entries = -1;
                    node.oid = None;
                }
            }
        }
        for s in &mut node.subtrees {
            let name = String::from_utf8_lossy(s.name).into_owned();
            let sub = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            if keep
                .keys()
                .any(|k| k == &sub || k.starts_with(&format!("{sub}/")))
            {
                visit(s, &sub, keep, added, trees);
            }
        }
    }
    visit(&mut root, "", &keep, added, trees);
    let mut out = Vec::with_capacity(data.len());
    write_node(&root, &mut out);
    Some(out)
}

/// Whether the cached folder `node` (at `dir`) has the id `trees` gives as
/// its `was`.
fn matches_was(node: Option<&Node<'_>>, dir: &str, trees: &[TreeIds]) -> bool {
    node.and_then(|n| n.oid.as_ref())
        .is_some_and(|id| trees.iter().any(|t| t.dir == dir && id == t.was.as_bytes()))
}

/// Folders of the cache of tree ids and their ids (`None`: invalid).
pub type CachedTrees = Vec<(String, Option<Oid>)>;

/// The folders of the index's cache of tree ids (the `TREE` extension),
/// each with its tree id (`None`: marked invalid), the root as `""`; and
/// whether any entry is in conflict (stages 1 to 3). `None` when the index
/// is not one this reads or has no such cache.
pub fn cached_tree_ids(index: &[u8]) -> Option<(CachedTrees, bool)> {
    let (version, count) = header(index)?;
    let body_end = index.len() - HASH;
    let mut walk = Walk::new(version, body_end);
    let mut conflicts = false;
    for _ in 0..count {
        let (_, flags) = walk.step(index)?;
        conflicts |= flags & STAGE != 0;
    }
    let mut pos = walk.pos;
    while pos + 8 <= body_end {
        let size = be32(index, pos + 4)? as usize;
        let data = index.get(pos + 8..(pos + 8).checked_add(size)?)?;
        if &index[pos..pos + 4] == b"TREE" {
            let mut at = 0;
            let root = parse_node(data, &mut at, 0)?;
            let mut out = Vec::new();
            fn flatten(n: &Node<'_>, dir: String, out: &mut Vec<(String, Option<Oid>)>) {
                out.push((dir.clone(), n.oid.and_then(|o| Oid::from_bytes(&o).ok())));
                for s in &n.subtrees {
                    let name = String::from_utf8_lossy(s.name);
                    let sub = if dir.is_empty() {
                        name.into_owned()
                    } else {
                        format!("{dir}/{name}")
                    };
                    flatten(s, sub, out);
                }
            }
            flatten(&root, String::new(), &mut out);
            return Some((out, conflicts));
        }
        pos += 8 + size;
    }
    None
}

/// Folders nest no deeper than paths are long.
const MAX_DEPTH: usize = 4096;

fn parse_node<'a>(data: &'a [u8], pos: &mut usize, depth: usize) -> Option<Node<'a>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let rest = data.get(*pos..)?;
    let nul = rest.iter().position(|&b| b == 0)?;
    let name = &rest[..nul];
    let line_len = rest[nul + 1..].iter().position(|&b| b == b'\n')?;
    let line = &rest[nul + 1..nul + 1 + line_len];
    let space = line.iter().position(|&b| b == b' ')?;
    let count: i64 = std::str::from_utf8(&line[..space]).ok()?.parse().ok()?;
    let subtree_count: usize = std::str::from_utf8(&line[space + 1..]).ok()?.parse().ok()?;
    *pos += nul + 1 + line_len + 1;
    let oid = if count >= 0 {
        let id: [u8; HASH] = data.get(*pos..*pos + HASH)?.try_into().ok()?;
        *pos += HASH;
        Some(id)
    } else {
        None
    };
    let mut subtrees = Vec::with_capacity(subtree_count.min(1024));
    for _ in 0..subtree_count {
        subtrees.push(parse_node(data, pos, depth + 1)?);
    }
    Some(Node {
        name,
        entries: count,
        subtrees,
        oid,
    })
}

fn write_node(node: &Node<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(node.name);
    out.push(0);
    out.extend_from_slice(node.entries.to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(node.subtrees.len().to_string().as_bytes());
    out.push(b'\n');
    if let Some(oid) = &node.oid {
        out.extend_from_slice(oid);
    }
    for s in &node.subtrees {
        write_node(s, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
            .env("GIT_AUTHOR_NAME", "T")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "T")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Set a file's times an hour back, so git never sees it as racily
    /// clean (and never smudges its entry when it writes the index).
    fn age(path: &Path) {
        let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_times(
            std::fs::FileTimes::new()
                .set_modified(past)
                .set_accessed(past),
        )
        .unwrap();
    }

    /// A file's mtime as git keeps it.
    fn mtime(path: &Path) -> Time {
        let s = Stat::of(&std::fs::metadata(path).unwrap()).unwrap();
        s.mtime
    }

    /// A committed repository with cards in nested folders and a file
    /// outside them, configured by `config` (`git -c` pairs for every call).
    fn repo(config: &[&str]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        git(d, &["init", "-q", "-b", "main"]);
        for kv in config {
            let (k, v) = kv.split_once('=').unwrap();
            git(d, &["config", k, v]);
        }
        std::fs::create_dir_all(d.join(".lanes/cards")).unwrap();
        std::fs::create_dir_all(d.join("src/deep/er")).unwrap();
        let mut files = vec![
            ".lanes/board.yaml".to_string(),
            "src/deep/er/x.rs".into(),
            "README".into(),
        ];
        files.extend((0..40).map(|i| format!(".lanes/cards/c{i:03}.yaml")));
        for f in &files {
            std::fs::write(d.join(f), format!("{f}\n")).unwrap();
            age(&d.join(f));
        }
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", "start"]);
        tmp
    }

    fn change(d: &Path, path: &str, text: &str) -> Change {
        let full = d.join(path);
        std::fs::write(&full, text).unwrap();
        age(&full);
        let oid = git(d, &["hash-object", "-w", path]);
        Change {
            path: path.to_string(),
            oid: Oid::from_str(oid.trim()).unwrap(),
            stat: Stat::of(&std::fs::symlink_metadata(&full).unwrap()).unwrap(),
        }
    }

    /// The index file lanes writes for changed files is the one
    /// `git update-index` writes for them, byte for byte, whatever the
    /// index version and extensions, and git then sees what was written.
    #[test]
    fn patched_index_is_the_one_git_writes() {
        let setups: &[&[&str]] = &[
            &[],
            &["index.version=3"],
            &["index.version=4"],
            &[
                "index.recordEndOfIndexEntries=true",
                "index.recordOffsetTable=true",
            ],
            &["index.skipHash=true"],
        ];
        for config in setups {
            let tmp = repo(config);
            let d = tmp.path();
            let index = d.join(".git/index");
            // git writes its cache of tree ids on commit: the TREE extension
            // must be there for this test to mean anything.
            let before = std::fs::read(&index).unwrap();
            assert!(before.windows(4).any(|w| w == b"TREE"), "{config:?}");
            let changes = vec![
                change(d, ".lanes/cards/c007.yaml", "moved\n"),
                change(
                    d,
                    ".lanes/cards/c031.yaml",
                    "noted, and longer than before\n",
                ),
            ];
            let (ours, old) = patched(before.clone(), mtime(&index), &changes).expect("handled");
            assert_eq!(old.len(), 2);
            assert_eq!(old[0].as_ref().unwrap().path, ".lanes/cards/c007.yaml");
            git(
                d,
                &[
                    "update-index",
                    ".lanes/cards/c007.yaml",
                    ".lanes/cards/c031.yaml",
                ],
            );
            let theirs = std::fs::read(&index).unwrap();
            // The entries are byte for byte git's. (Git recomputes the tree
            // ids it cached where lanes marks them invalid: both are valid.)
            let end = |b: &[u8]| b.windows(4).position(|w| w == b"TREE").unwrap();
            assert_eq!(end(&ours), end(&theirs), "{config:?}");
            assert!(
                ours[..end(&ours)] == theirs[..end(&theirs)],
                "{config:?}: entries differ"
            );
            let eoie = |b: &[u8]| b.windows(4).any(|w| w == b"EOIE");
            assert_eq!(eoie(&ours), eoie(&theirs), "{config:?}");
            // The root and the folders of the changed paths are invalid in
            // lanes' TREE; the other folder keeps its id.
            let tree = &ours[end(&ours) + 8..];
            let has = |part: &[u8]| tree.windows(part.len()).any(|w| w == part);
            assert!(tree.starts_with(b"\0-1 2\n"), "{config:?}");
            assert!(
                has(b".lanes\0-1 1\n") && has(b"cards\0-1 0\n"),
                "{config:?}"
            );
            assert!(has(b"src\x001 1\n") && has(b"er\x001 0\n"), "{config:?}");
            check_eoie(&ours, end(&ours));
            let zeros = |b: &[u8]| b[b.len() - 20..].iter().all(|&x| x == 0);
            assert_eq!(zeros(&ours), zeros(&theirs), "{config:?}");
            // And git agrees with it: nothing unstaged, the new tree holds
            // the new blobs (the cached tree ids were invalidated).
            std::fs::write(&index, &ours).unwrap();
            assert_eq!(
                git(d, &["status", "--porcelain"]),
                "M  .lanes/cards/c007.yaml\nM  .lanes/cards/c031.yaml\n"
            );
            let tree = git(d, &["write-tree"]);
            let listed = git(d, &["ls-tree", "-r", tree.trim(), ".lanes/cards/c007.yaml"]);
            assert!(listed.contains(&changes[0].oid.to_string()), "{listed}");
            git(d, &["fsck", "--no-dangling"]);
            // With EOIE, git's threaded reader takes the offsets as written.
            git(d, &["-c", "index.threads=2", "status", "--porcelain"]);
            // Patching the old entries back gives the original entries.
            let old: Vec<Change> = old.into_iter().map(Option::unwrap).collect();
            let (back, _) = patched(ours.clone(), (0, 0), &old).unwrap();
            assert!(
                back[..end(&back)] == before[..end(&before)],
                "{config:?}: not restored"
            );
        }
    }

    /// The `TREE` extension bytes of an index file.
    fn tree_ext(index: &[u8]) -> Vec<u8> {
        let at = index.windows(4).position(|w| w == b"TREE").unwrap();
        let size = be32(index, at + 4).unwrap() as usize;
        index[at + 8..at + 8 + size].to_vec()
    }

    /// With the folders' ids before and after a commit, the cached tree
    /// ids come out as git's own after it stages the same change and
    /// writes the tree (`git write-tree` recomputes and saves them): byte
    /// for byte, entry counts included, for a changed and an added card;
    /// a folder whose changes are not all in the commit (README, at the
    /// root) is marked invalid, as are folders whose `was` is not their
    /// cached id.
    #[test]
    fn cached_tree_ids_are_the_ones_git_computes() {
        for config in [
            &[][..],
            &["index.version=4"][..],
            &["index.skipHash=true"][..],
        ] {
            let tmp = repo(config);
            let d = tmp.path();
            let index = d.join(".git/index");
            let before = std::fs::read(&index).unwrap();
            let id = |rev: &str| Oid::from_str(git(d, &["rev-parse", rev]).trim()).unwrap();
            let was = |dir: &str| id(&format!("HEAD:{dir}"));
            let mut changes = vec![change(d, ".lanes/cards/c007.yaml", "moved\n")];
            let added = config.is_empty();
            if added {
                changes.push(change(d, ".lanes/cards/c0155.yaml", "new\n"));
            }
            let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
            let mut args = vec!["update-index", "--add"];
            args.extend(&paths);
            git(d, &args);
            let tree = git(d, &["write-tree"]);
            let theirs = std::fs::read(&index).unwrap();
            let now = |dir: &str| id(&format!("{}:{dir}", tree.trim()));
            let trees: Vec<TreeIds> = [
                ("", ""),
                (".lanes", ".lanes"),
                (".lanes/cards", ".lanes/cards"),
            ]
            .iter()
            .map(|(dir, rev)| TreeIds {
                dir: dir.to_string(),
                was: if dir.is_empty() {
                    id("HEAD^{tree}")
                } else {
                    was(rev)
                },
                now: if dir.is_empty() {
                    Oid::from_str(tree.trim()).unwrap()
                } else {
                    now(rev)
                },
            })
            .collect();
            let (ours, _) =
                patched_with_trees(before.clone(), (0, 0), &changes, &trees).expect("handled");
            assert_eq!(tree_ext(&ours), tree_ext(&theirs), "{config:?}");
            let (cached, conflicts) = cached_tree_ids(&ours).unwrap();
            assert!(!conflicts);
            assert!(cached.contains(&(String::new(), Some(Oid::from_str(tree.trim()).unwrap()))));
            assert!(cached.contains(&(".lanes/cards".to_string(), Some(now(".lanes/cards")))));
            // git reads it back: nothing staged beyond the change, and its
            // next commit is the tree lanes cached.
            std::fs::write(&index, &ours).unwrap();
            git(d, &["fsck", "--no-dangling"]);
            assert_eq!(git(d, &["write-tree"]).trim(), tree.trim());
            // A change outside the commit (README) leaves the root invalid
            // and the board folders valid; a wrong `was` leaves its folder
            // invalid.
            git(d, &["reset", "-q", "--hard"]);
            let before = std::fs::read(&index).unwrap();
            let mut more = changes.clone();
            more.push(change(d, "README", "edited\n"));
            let (ours, _) = patched_with_trees(before.clone(), (0, 0), &more, &trees[1..]).unwrap();
            let (cached, _) = cached_tree_ids(&ours).unwrap();
            let of = |dir: &str| cached.iter().find(|(d, _)| d == dir).unwrap().1;
            assert_eq!(of(""), None);
            assert_eq!(of(".lanes/cards"), Some(now(".lanes/cards")));
            assert_eq!(of("src/deep/er"), Some(was("src/deep/er")));
            let mut wrong = trees.clone();
            wrong[2].was = wrong[2].now;
            let (ours, _) = patched_with_trees(before, (0, 0), &changes, &wrong).unwrap();
            let (cached, _) = cached_tree_ids(&ours).unwrap();
            let of = |dir: &str| cached.iter().find(|(d, _)| d == dir).unwrap().1;
            assert_eq!(of(".lanes/cards"), None);
            assert_eq!(of(".lanes"), None);
            assert_eq!(of(""), None);
            assert_eq!(of("src/deep/er"), Some(was("src/deep/er")));
        }
    }

    /// New paths get the entries `git update-index --add` gives them, in
    /// their sorted places (first, between, last, two at one place),
    /// alongside a changed one.
    #[test]
    fn added_paths_are_the_entries_git_adds() {
        let setups: &[&[&str]] = &[
            &[],
            &["index.version=3"],
            &["index.skipHash=true"],
            &[
                "index.recordEndOfIndexEntries=true",
                "index.recordOffsetTable=true",
            ],
        ];
        for config in setups {
            let tmp = repo(config);
            let d = tmp.path();
            let index = d.join(".git/index");
            let before = std::fs::read(&index).unwrap();
            let paths = [
                ".lanes/cards/c0155.yaml",
                ".lanes/cards/c0156.yaml",
                ".a-first",
                "zzz/last.yaml",
                ".lanes/cards/c039.yaml",
            ];
            let changes: Vec<Change> = paths
                .iter()
                .map(|p| {
                    std::fs::create_dir_all(d.join(p).parent().unwrap()).unwrap();
                    change(d, p, &format!("new {p}\n"))
                })
                .collect();
            let (ours, old) = patched(before.clone(), mtime(&index), &changes).expect("handled");
            assert_eq!(old.iter().filter(|o| o.is_none()).count(), 4, "{config:?}");
            let mut args = vec!["update-index", "--add"];
            args.extend(paths);
            git(d, &args);
            let theirs = std::fs::read(&index).unwrap();
            let end = |b: &[u8]| b.windows(4).position(|w| w == b"TREE").unwrap();
            assert!(
                ours[..end(&ours)] == theirs[..end(&theirs)],
                "{config:?}: entries differ"
            );
            check_eoie(&ours, end(&ours));
            std::fs::write(&index, &ours).unwrap();
            let status = git(d, &["status", "--porcelain"]);
            assert_eq!(
                status,
                "A  .a-first\nA  .lanes/cards/c0155.yaml\nA  .lanes/cards/c0156.yaml\nM  .lanes/cards/c039.yaml\nA  zzz/last.yaml\n",
                "{config:?}"
            );
            let tree = git(d, &["write-tree"]);
            let listed = git(d, &["ls-tree", "-r", "--name-only", tree.trim()]);
            assert!(
                listed.contains("zzz/last.yaml\n") && listed.contains(".a-first\n"),
                "{listed}"
            );
            git(d, &["-c", "index.threads=2", "status", "--porcelain"]);
            git(d, &["fsck", "--no-dangling"]);
        }
        // Version 4 stores each path relative to the one before: libgit2
        // adds there.
        let tmp = repo(&["index.version=4"]);
        let d = tmp.path();
        let before = std::fs::read(d.join(".git/index")).unwrap();
        let c = change(d, ".lanes/cards/c0155.yaml", "x\n");
        assert!(patched(before, (0, 0), &[c]).is_none());
    }

    /// If the index ends with an EOIE extension, it holds where the
    /// entries end and the SHA-1 of the other extensions' headers.
    fn check_eoie(index: &[u8], entries_end: usize) {
        let body = &index[..index.len() - HASH];
        let mut pos = entries_end;
        let mut headers = Sha1::new();
        while pos < body.len() {
            let size = be32(body, pos + 4).unwrap() as usize;
            if &body[pos..pos + 4] == b"EOIE" {
                assert_eq!(pos + 8 + size, body.len(), "EOIE is last");
                assert_eq!(be32(body, pos + 8).unwrap() as usize, entries_end);
                assert_eq!(&body[pos + 12..pos + 32], headers.finalize().as_slice());
                return;
            }
            headers.update(&body[pos..pos + 8]);
            pos += 8 + size;
        }
    }

    #[test]
    fn what_it_does_not_handle_is_left_to_libgit2() {
        let tmp = repo(&[]);
        let d = tmp.path();
        let index = std::fs::read(d.join(".git/index")).unwrap();
        let c = change(d, ".lanes/cards/c001.yaml", "x\n");
        // A new path where a file stands for its folder, or below which
        // entries are.
        let mut under_file = c.clone();
        under_file.path = "README/x.yaml".into();
        assert!(patched(index.clone(), (0, 0), &[under_file]).is_none());
        let mut over_folder = c.clone();
        over_folder.path = ".lanes/cards".into();
        assert!(patched(index.clone(), (0, 0), &[over_folder]).is_none());
        // A mode change.
        let mut exec = c.clone();
        exec.stat.mode = 0o100755;
        assert!(patched(index.clone(), (0, 0), &[exec]).is_none());
        // A conflicted path (stages 1-3).
        let blob = c.oid.to_string();
        let conflicted = {
            let mut child = Command::new("git")
                .args(["update-index", "--index-info"])
                .current_dir(d)
                .stdin(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            use std::io::Write;
            let stdin = child.stdin.as_mut().unwrap();
            writeln!(stdin, "0 {}\t.lanes/cards/c001.yaml", "0".repeat(40)).unwrap();
            for stage in 1..=3 {
                writeln!(stdin, "100644 {blob} {stage}\t.lanes/cards/c001.yaml").unwrap();
            }
            assert!(child.wait().unwrap().success());
            std::fs::read(d.join(".git/index")).unwrap()
        };
        assert!(patched(conflicted, (0, 0), std::slice::from_ref(&c)).is_none());
        // A split index (a required extension).
        git(d, &["update-index", "--split-index"]);
        let split = std::fs::read(d.join(".git/index")).unwrap();
        assert!(split.windows(4).any(|w| w == b"link"));
        assert!(patched(split, (0, 0), std::slice::from_ref(&c)).is_none());
        // The same path twice.
        let mut twice = c.clone();
        twice.path = ".lanes/cards/new.yaml".into();
        assert!(patched(index.clone(), (0, 0), &[twice.clone(), twice]).is_none());
        // Not an index at all, or cut short.
        assert!(patched(b"DIRC".to_vec(), (0, 0), std::slice::from_ref(&c)).is_none());
        assert!(patched(
            index[..index.len() / 2].to_vec(),
            (0, 0),
            std::slice::from_ref(&c)
        )
        .is_none());
        assert!(patched(vec![0u8; 64], (0, 0), std::slice::from_ref(&c)).is_none());
    }

    /// An entry whose file changed at or after the index was written may
    /// hide a change: it is smudged, and git looks at its content.
    #[test]
    fn racily_clean_entries_are_smudged() {
        let tmp = repo(&[]);
        let d = tmp.path();
        let index = d.join(".git/index");
        let c = change(d, ".lanes/cards/c001.yaml", "x\n");
        // README changed after the index was written, and git recorded
        // that; then it changes again, keeping its size and times.
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
        let set_later = || {
            let f = std::fs::File::options()
                .write(true)
                .open(d.join("README"))
                .unwrap();
            f.set_modified(later).unwrap();
        };
        std::fs::write(d.join("README"), "R1\n").unwrap();
        set_later();
        git(d, &["update-index", "README"]);
        std::fs::write(d.join("README"), "R2\n").unwrap();
        set_later();
        let bytes = std::fs::read(&index).unwrap();
        let (ours, _) = patched(bytes.clone(), mtime(&index), std::slice::from_ref(&c)).unwrap();
        std::fs::write(&index, &ours).unwrap();
        let debug = git(d, &["ls-files", "--debug", "README"]);
        assert!(debug.contains("size: 0"), "{debug}");
        // The index is newer than README now, yet git sees the change
        // (staged R1, then R2 in the work tree).
        let status = git(d, &["status", "--porcelain"]);
        assert!(status.contains("MM README"), "{status}");
        // Without a time nothing is smudged.
        let (plain, _) = patched(bytes, (0, 0), std::slice::from_ref(&c)).unwrap();
        assert_ne!(plain, ours);
    }

    #[test]
    fn offset_varint_matches_git() {
        // From git's varint.c: 0..127 in one byte, then 128 is 0x80 0x00.
        assert_eq!(varint(&[0x05]), Some((5, 1)));
        assert_eq!(varint(&[0x80, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0x81, 0x7f]), Some((((1 + 1) << 7) | 0x7f, 2)));
        assert_eq!(varint(&[0x80]), None);
    }
}
