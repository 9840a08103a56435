//! Changing a few entries of one large tree (the cards folder: one entry
//! per card) without rebuilding it.
//!
//! libgit2's tree update parses the whole tree into a hash map, sorts it
//! again and deflates the result; for a 10,000-card board that is most of a
//! commit's time. Here the stored tree's bytes are spliced in place (entries
//! are sorted, so the changed ones are found by binary search) and a large
//! result is stored as a loose object without compression (a valid zlib
//! stream of stored blocks, which git and libgit2 read like any other; `git
//! gc` packs it as usual). The resulting object id is the one a full
//! rebuild gives: trees are content-addressed.

use anyhow::{anyhow, Result};
use git2::{ObjectType, Oid, Repository, Tree};
use sha1::{Digest, Sha1};
use std::cmp::Ordering;
use std::io::Write;
use std::ops::Range;
use std::path::Path;

/// Trees at least this large are written uncompressed.
const STORE_OVER: usize = 64 * 1024;

/// One entry of a raw tree: its name, whether it is a subtree, and its
/// bytes in the tree.
struct Entry {
    name: Range<usize>,
    tree: bool,
    bytes: Range<usize>,
}

/// Parse a raw tree; `None` if it is not well formed or not sorted.
fn entries(data: &[u8]) -> Option<Vec<Entry>> {
    let mut out: Vec<Entry> = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let start = pos;
        let space = pos + data[pos..].iter().position(|&b| b == b' ')?;
        let mode = &data[pos..space];
        let nul = space + 1 + data[space + 1..].iter().position(|&b| b == 0)?;
        let end = nul + 1 + 20;
        if end > data.len() || nul == space + 1 {
            return None;
        }
        let e = Entry {
            name: space + 1..nul,
            tree: mode == b"40000",
            bytes: start..end,
        };
        if let Some(last) = out.last() {
            if compare(data, last, &data[e.name.clone()], e.tree) != Ordering::Less {
                return None;
            }
        }
        out.push(e);
        pos = end;
    }
    Some(out)
}

/// Git's tree order: names compared as bytes, a subtree's name as if it
/// ended in `/`.
fn compare(data: &[u8], e: &Entry, name: &[u8], tree: bool) -> Ordering {
    let a = &data[e.name.clone()];
    let common = a.len().min(name.len());
    match a[..common].cmp(&name[..common]) {
        Ordering::Equal => {
            let next = |s: &[u8], t: bool| match s.get(common) {
                Some(&c) => c,
                None if t => b'/',
                None => 0,
            };
            next(a, e.tree).cmp(&next(name, tree))
        }
        other => other,
    }
}

/// The object id and mode of the entry at `path` (`/`-separated) under the
/// tree `root`, reading raw trees (no parsing into libgit2's structures:
/// the cards folder of a large board is a 400 KB tree). `None`: no entry.
pub fn entry_at(repo: &Repository, root: Oid, path: &str) -> Result<Option<(Oid, u32)>> {
    let odb = repo.odb()?;
    let mut tree = root;
    let mut parts = path.split('/').peekable();
    while let Some(name) = parts.next() {
        let object = odb.read(tree)?;
        if object.kind() != ObjectType::Tree {
            return Ok(None);
        }
        let data = object.data();
        let mut found = None;
        let mut pos = 0;
        while pos < data.len() {
            let Some(space) = data[pos..].iter().position(|&b| b == b' ') else {
                break;
            };
            let space = pos + space;
            let Some(nul) = data[space + 1..].iter().position(|&b| b == 0) else {
                break;
            };
            let nul = space + 1 + nul;
            if nul + 21 > data.len() {
                break;
            }
            if &data[space + 1..nul] == name.as_bytes() {
                let mode = std::str::from_utf8(&data[pos..space])
                    .ok()
                    .and_then(|m| u32::from_str_radix(m, 8).ok())
                    .unwrap_or(0);
                found = Some((Oid::from_bytes(&data[nul + 1..nul + 21])?, mode));
                break;
            }
            pos = nul + 21;
        }
        match found {
            None => return Ok(None),
            Some((oid, mode)) if parts.peek().is_none() => return Ok(Some((oid, mode))),
            Some((oid, 0o40000)) => tree = oid,
            Some(_) => return Ok(None),
        }
    }
    Ok(None)
}

/// Set (`Some(oid)`, a regular file) or remove (`None`) blob entries of the
/// tree at `dir` (e.g. `.lanes/cards`) in `base`, and return the new root
/// tree. `None` when this does not apply (the folder is missing, or a name
/// is also a subtree there); the caller then rebuilds the usual way.
pub fn update_blobs(
    repo: &Repository,
    base: &Tree<'_>,
    dir: &str,
    changes: &[(&str, Option<Oid>)],
) -> Result<Option<Oid>> {
    let Ok(entry) = base.get_path(Path::new(dir)) else {
        return Ok(None);
    };
    if entry.kind() != Some(ObjectType::Tree) {
        return Ok(None);
    }
    let odb = repo.odb()?;
    let object = odb.read(entry.id())?;
    if object.kind() != ObjectType::Tree {
        return Ok(None);
    }
    let data = object.data();
    let Some(list) = entries(data) else {
        return Ok(None);
    };
    let mut changes: Vec<(&str, Option<Oid>)> = changes.to_vec();
    changes.sort_by(|a, b| a.0.cmp(b.0));
    changes.dedup_by(|a, b| a.0 == b.0);
    // Splice: copy runs of unchanged entries, write changed ones.
    let mut out = Vec::with_capacity(data.len() + 64);
    let mut next = 0; // first entry not yet copied
    for (name, oid) in &changes {
        if name.is_empty() || name.contains('/') || name.as_bytes().contains(&0) {
            return Ok(None);
        }
        let at = list[next..]
            .binary_search_by(|e| compare(data, e, name.as_bytes(), false))
            .map(|i| i + next)
            .map_err(|i| i + next);
        // A subtree of the same name would sort elsewhere; refuse it.
        if list
            .iter()
            .any(|e| e.tree && &data[e.name.clone()] == name.as_bytes())
        {
            return Ok(None);
        }
        let (copy_to, skip) = match at {
            Ok(i) => (i, 1),
            Err(i) => (i, 0),
        };
        if let (Some(first), Some(last)) = (list.get(next), copy_to.checked_sub(1)) {
            if copy_to > next {
                out.extend_from_slice(&data[first.bytes.start..list[last].bytes.end]);
            }
        }
        if let Some(oid) = oid {
            out.extend_from_slice(b"100644 ");
            out.extend_from_slice(name.as_bytes());
            out.push(0);
            out.extend_from_slice(oid.as_bytes());
        }
        next = copy_to + skip;
    }
    if let Some(first) = list.get(next) {
        out.extend_from_slice(&data[first.bytes.start..]);
    }
    let new_dir = if out.len() >= STORE_OVER {
        write_stored(repo, ObjectType::Tree, &out)?
    } else {
        odb.write(ObjectType::Tree, &out)?
    };
    if new_dir == entry.id() {
        return Ok(Some(base.id()));
    }
    let mut update = git2::build::TreeUpdateBuilder::new();
    update.upsert(dir, new_dir, git2::FileMode::Tree);
    Ok(Some(update.create_updated(repo, base)?))
}

/// Store an object as a loose object whose zlib stream is made of stored
/// (uncompressed) blocks.
pub fn write_stored(repo: &Repository, kind: ObjectType, body: &[u8]) -> Result<Oid> {
    let header = format!("{} {}\0", kind.str(), body.len());
    // The id of an object lanes made itself: plain SHA-1 (collision
    // detection, libgit2's default, guards against crafted input and costs
    // three times as much). Header and body are hashed and written where
    // they are, never copied into one buffer (a large board's cards
    // folder is megabytes).
    let mut sha = Sha1::new();
    sha.update(header.as_bytes());
    sha.update(body);
    let oid = Oid::from_bytes(&sha.finalize())?;
    let hex = oid.to_string();
    let dir = repo.commondir().join("objects").join(&hex[..2]);
    let path = dir.join(&hex[2..]);
    if path.exists() {
        return Ok(oid);
    }
    std::fs::create_dir_all(&dir).map_err(|e| anyhow!("cannot create {}: {e}", dir.display()))?;
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("tmp_lanes_{}_{seq}", std::process::id());
    // Written in lanes' own folder and renamed into place, so that a
    // process killed meanwhile leaves nothing among the objects for
    // `git fsck` to report; what it leaves there is swept by the next run.
    let tmp = match object_tmp_dir(repo) {
        Some(own) => own.join(name),
        None => dir.join(name),
    };
    let result = (|| -> std::io::Result<()> {
        let mut f = std::io::BufWriter::with_capacity(256 * 1024, std::fs::File::create(&tmp)?);
        zlib_stored(&[header.as_bytes(), body], &mut f)?;
        crate::git::txn::crash_point("object-tmp");
        let f = f.into_inner().map_err(|e| e.into_error())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o444))?;
        }
        drop(f);
        match std::fs::rename(&tmp, &path) {
            // Someone else stored the same object meanwhile: that is fine.
            Err(_) if path.exists() => {
                let _ = std::fs::remove_file(&tmp);
                Ok(())
            }
            other => other,
        }
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(anyhow!("cannot write object {hex}: {e}"));
    }
    Ok(oid)
}

/// Where [`write_stored`] writes objects before renaming them into place:
/// `.git/lanes/objects-tmp`, on the object store's file system (what
/// killed processes leave there is swept when the next transaction
/// begins). `None` when it cannot be made or the object store is
/// elsewhere (`GIT_OBJECT_DIRECTORY`), where a rename from it could cross
/// file systems.
fn object_tmp_dir(repo: &Repository) -> Option<std::path::PathBuf> {
    if crate::env::Env::get().os("GIT_OBJECT_DIRECTORY").is_some() {
        return None;
    }
    let dir = object_tmp_path(repo);
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

/// `.git/lanes/objects-tmp` ([`crate::store::cache::objects_tmp`]).
pub fn object_tmp_path(repo: &Repository) -> std::path::PathBuf {
    crate::store::cache::objects_tmp(repo.commondir())
}

/// Remove the temporary objects of processes that are gone.
pub fn sweep_object_tmp(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix("tmp_lanes_"))
            .and_then(|n| n.split('_').next())
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !crate::git::lock::pid_alive(pid) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// `parts`, one after the other, written to `out` as a zlib stream of
/// stored deflate blocks.
fn zlib_stored(parts: &[&[u8]], out: &mut impl Write) -> std::io::Result<()> {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    out.write_all(&[0x78, 0x01])?;
    if total == 0 {
        out.write_all(&[1, 0, 0, 0xff, 0xff])?;
    }
    let mut adler = Adler32::new();
    let mut left = total;
    // Blocks of up to 65,535 bytes, across the parts' boundaries.
    let mut part = 0;
    let mut at = 0;
    while left > 0 {
        let len = left.min(65_535);
        left -= len;
        out.write_all(&[u8::from(left == 0)])?;
        out.write_all(&(len as u16).to_le_bytes())?;
        out.write_all(&(!(len as u16)).to_le_bytes())?;
        let mut need = len;
        while need > 0 {
            let p = parts[part];
            let n = need.min(p.len() - at);
            out.write_all(&p[at..at + n])?;
            adler.update(&p[at..at + n]);
            at += n;
            need -= n;
            if at == p.len() {
                part += 1;
                at = 0;
            }
        }
        while part < parts.len() && parts[part].is_empty() {
            part += 1;
        }
    }
    out.write_all(&adler.finish().to_be_bytes())
}

/// Adler-32 (zlib's checksum), fed in pieces.
struct Adler32 {
    a: u32,
    b: u32,
}

impl Adler32 {
    const MOD: u32 = 65_521;

    fn new() -> Adler32 {
        Adler32 { a: 1, b: 0 }
    }

    fn update(&mut self, data: &[u8]) {
        // 5552 bytes is the most that can be summed before b could overflow.
        for chunk in data.chunks(5552) {
            for &byte in chunk {
                self.a += u32::from(byte);
                self.b += self.a;
            }
            self.a %= Self::MOD;
            self.b %= Self::MOD;
        }
    }

    fn finish(&self) -> u32 {
        (self.b << 16) | self.a
    }
}

#[cfg(test)]
fn adler32(data: &[u8]) -> u32 {
    let mut a = Adler32::new();
    a.update(data);
    a.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_at_finds_what_libgit2_finds() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let blob = repo.blob(b"x").unwrap();
        let mut inner = repo.treebuilder(None).unwrap();
        inner.insert("a.yaml", blob, 0o100644).unwrap();
        inner.insert("a", blob, 0o100755).unwrap();
        let inner = inner.write().unwrap();
        let mut root = repo.treebuilder(None).unwrap();
        root.insert("cards", inner, 0o040000).unwrap();
        root.insert("cards.txt", blob, 0o100644).unwrap();
        let root = root.write().unwrap();
        assert_eq!(
            entry_at(&repo, root, "cards/a.yaml").unwrap(),
            Some((blob, 0o100644))
        );
        assert_eq!(
            entry_at(&repo, root, "cards/a").unwrap(),
            Some((blob, 0o100755))
        );
        assert_eq!(
            entry_at(&repo, root, "cards").unwrap(),
            Some((inner, 0o40000))
        );
        assert_eq!(entry_at(&repo, root, "cards/b.yaml").unwrap(), None);
        assert_eq!(entry_at(&repo, root, "cards.txt/x").unwrap(), None);
        assert_eq!(entry_at(&repo, root, "nope/a.yaml").unwrap(), None);
    }

    #[test]
    fn adler32_matches_known_values() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        let big = vec![0xffu8; 100_000];
        // Computed byte by byte with modulo at every step.
        let (mut a, mut b) = (1u64, 0u64);
        for &x in &big {
            a = (a + u64::from(x)) % 65_521;
            b = (b + a) % 65_521;
        }
        assert_eq!(u64::from(adler32(&big)), (b << 16) | a);
    }

    fn repo() -> (tempfile::TempDir, Repository) {
        let dir = tempfile::tempdir().expect("temp dir");
        let repo = Repository::init(dir.path()).expect("init");
        (dir, repo)
    }

    /// A base tree with `n` cards plus a few awkward neighbours.
    fn base(repo: &Repository, n: usize) -> Oid {
        let mut cards = repo.treebuilder(None).unwrap();
        for i in 0..n {
            let blob = repo.blob(format!("card {i}\n").as_bytes()).unwrap();
            cards
                .insert(format!("c{i:05}.yaml"), blob, 0o100644)
                .unwrap();
        }
        let sub = {
            let mut t = repo.treebuilder(None).unwrap();
            let b = repo.blob(b"x").unwrap();
            t.insert("inner", b, 0o100644).unwrap();
            t.write().unwrap()
        };
        // "c00001.yaml.d" (a folder) sorts next to "c00001.yaml".
        cards.insert("c00001.yaml.d", sub, 0o040000).unwrap();
        let cards = cards.write().unwrap();
        let mut lanes = repo.treebuilder(None).unwrap();
        lanes.insert("cards", cards, 0o040000).unwrap();
        let board = repo.blob(b"name: b\n").unwrap();
        lanes.insert("board.yaml", board, 0o100644).unwrap();
        let lanes = lanes.write().unwrap();
        let mut root = repo.treebuilder(None).unwrap();
        root.insert(".lanes", lanes, 0o040000).unwrap();
        root.write().unwrap()
    }

    #[test]
    fn splicing_gives_the_tree_a_full_rebuild_gives() {
        let (_d, repo) = repo();
        for n in [0usize, 1, 3, 5000] {
            let base_id = base(&repo, n);
            let base = repo.find_tree(base_id).unwrap();
            let new_blob = repo.blob(b"changed\n").unwrap();
            let cases: Vec<Vec<(String, Option<Oid>)>> = vec![
                vec![("c00000.yaml".into(), Some(new_blob))],
                vec![("c00001.yaml".into(), Some(new_blob))],
                vec![(format!("c{:05}.yaml", n.saturating_sub(1)), None)],
                vec![("a-first.yaml".into(), Some(new_blob))],
                vec![("zz-last.yaml".into(), Some(new_blob))],
                vec![("c00001.yaml0".into(), Some(new_blob))],
                vec![
                    ("c00002.yaml".into(), None),
                    ("new.yaml".into(), Some(new_blob)),
                    ("c00000.yaml".into(), Some(new_blob)),
                ],
                vec![("absent.yaml".into(), None)],
            ];
            for case in cases {
                let changes: Vec<(&str, Option<Oid>)> =
                    case.iter().map(|(n, o)| (n.as_str(), *o)).collect();
                let fast = update_blobs(&repo, &base, ".lanes/cards", &changes)
                    .unwrap()
                    .expect("applies");
                let mut slow = git2::build::TreeUpdateBuilder::new();
                for (name, oid) in &changes {
                    let path = format!(".lanes/cards/{name}");
                    match oid {
                        Some(o) => slow.upsert(path, *o, git2::FileMode::Blob),
                        None => slow.remove(path),
                    };
                }
                match slow.create_updated(&repo, &base) {
                    Ok(slow) => assert_eq!(fast, slow, "n={n} {case:?}"),
                    // libgit2 refuses to remove what is not there; the
                    // splice leaves the tree as it was.
                    Err(_) if changes.iter().all(|c| c.1.is_none()) => {
                        assert_eq!(fast, base_id, "n={n} {case:?}")
                    }
                    Err(_) => continue,
                }
                // It reads back, through libgit2, whole.
                let cards = repo
                    .find_tree(fast)
                    .unwrap()
                    .get_path(Path::new(".lanes/cards"))
                    .map(|e| repo.find_tree(e.id()).unwrap().len());
                assert!(cards.is_ok() || n == 0);
            }
        }
    }

    #[test]
    fn a_name_that_is_also_a_folder_falls_back() {
        let (_d, repo) = repo();
        let base = repo.find_tree(base(&repo, 3)).unwrap();
        let blob = repo.blob(b"x").unwrap();
        let got = update_blobs(
            &repo,
            &base,
            ".lanes/cards",
            &[("c00001.yaml.d", Some(blob))],
        );
        assert_eq!(got.unwrap(), None);
        let got = update_blobs(&repo, &base, ".lanes/missing", &[("a", Some(blob))]);
        assert_eq!(got.unwrap(), None);
    }

    #[test]
    fn stored_objects_read_back_through_libgit2() {
        let (_d, repo) = repo();
        for len in [0usize, 1, 65_535, 65_536, 200_000] {
            let body: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let oid = write_stored(&repo, ObjectType::Blob, &body).unwrap();
            assert_eq!(oid, Oid::hash_object(ObjectType::Blob, &body).unwrap());
            let blob = repo.find_blob(oid).unwrap();
            assert_eq!(blob.content(), &body[..], "len {len}");
            // Writing it again is a no-op.
            assert_eq!(write_stored(&repo, ObjectType::Blob, &body).unwrap(), oid);
        }
    }
}
