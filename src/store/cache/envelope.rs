//! The one file format of lanes' caches: a magic line, the cache's kind
//! and version, its sections, and a sealed trailer.
//!
//! ```text
//! "lanes-cache\n"  kind (u8 length, bytes)  version (u32)
//! section 0 … section n-1                    (the cache's own bytes)
//! trailer: per section its length and checksum (u64, u64), the time the
//!          cache's knowledge dates from (i128), n (u32), the checksum of
//!          the magic, kind, version and trailer (u64), "lanesum2"
//! ```
//!
//! Numbers are little-endian. A reader checks the magic, kind and version
//! and the trailer's own checksum when it opens the file, and each
//! section's checksum when it reads that section, so a cache can keep
//! apart what only some readers need (loading cards never reads their
//! JSON). A file cut off, from another version or damaged anywhere is no
//! cache: [`Sealed::open`] or [`Sealed::read`] says `None`.

use crate::store::checksum::{Sum, Summing};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

const MAGIC: &[u8] = b"lanes-cache\n";
const TAG: &[u8; 8] = b"lanesum2";
/// Written time, section count, trailer checksum, tag.
const TRAILER_END: usize = 16 + 4 + 8 + 8;

/// The part of a cache file before its sections.
fn prefix(kind: &str, version: u32) -> Vec<u8> {
    let mut p = Vec::with_capacity(MAGIC.len() + 1 + kind.len() + 4);
    p.extend_from_slice(MAGIC);
    p.push(kind.len() as u8);
    p.extend_from_slice(kind.as_bytes());
    p.extend_from_slice(&version.to_le_bytes());
    p
}

/// Writes a cache's sections (see [`write`]).
pub struct Writer<'a> {
    out: &'a mut dyn Write,
    table: Vec<(u64, u64)>,
}

impl Writer<'_> {
    /// Write the next section through `fill`.
    pub fn section(
        &mut self,
        fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut counted = Counted {
            inner: Summing {
                inner: &mut *self.out,
                sum: Sum::new(),
            },
            len: 0,
        };
        fill(&mut counted)?;
        self.table.push((counted.len, counted.inner.sum.finish()));
        Ok(())
    }
}

struct Counted<'a> {
    inner: Summing<'a>,
    len: u64,
}

impl Write for Counted<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Write a cache file atomically: `kind` and `version` say what it is,
/// `written` when its knowledge dates from, and `fill` writes its
/// sections, each through [`Writer::section`].
pub fn write(
    path: &Path,
    kind: &str,
    version: u32,
    written: i128,
    fill: impl FnOnce(&mut Writer<'_>) -> io::Result<()>,
) -> io::Result<()> {
    super::write_scratch(path, |out| {
        let head = prefix(kind, version);
        out.write_all(&head)?;
        let mut w = Writer {
            out: &mut *out,
            table: Vec::new(),
        };
        fill(&mut w)?;
        let table = w.table;
        let mut trailer = Vec::with_capacity(table.len() * 16 + TRAILER_END);
        for (len, sum) in &table {
            trailer.extend_from_slice(&len.to_le_bytes());
            trailer.extend_from_slice(&sum.to_le_bytes());
        }
        trailer.extend_from_slice(&written.to_le_bytes());
        trailer.extend_from_slice(&(table.len() as u32).to_le_bytes());
        let mut sum = Sum::new();
        sum.update(&head);
        sum.update(&trailer);
        trailer.extend_from_slice(&sum.finish().to_le_bytes());
        trailer.extend_from_slice(TAG);
        out.write_all(&trailer)
    })
}

/// One section of an open cache file.
#[derive(Debug, Clone, Copy)]
struct Section {
    at: u64,
    len: u64,
    sum: u64,
}

/// A cache file whose magic, kind, version and trailer are as expected;
/// its sections are read (and checked) on demand.
#[derive(Debug)]
pub struct Sealed {
    file: File,
    /// When the cache's knowledge dates from (as its writer said).
    pub written: i128,
    /// Which file this is: its write time, length and inode (another
    /// write of the cache is another file).
    pub identity: (i128, u64, u64),
    sections: Vec<Section>,
}

impl Sealed {
    /// Open a cache file of this kind and version; `None` if there is none
    /// or it is anything else.
    pub fn open(path: &Path, kind: &str, version: u32) -> Option<Sealed> {
        let mut file = File::open(path).ok()?;
        let meta = file.metadata().ok()?;
        let total = meta.len();
        #[cfg(unix)]
        let ino = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let ino = 0;
        let want = prefix(kind, version);
        let mut head = vec![0u8; want.len()];
        file.read_exact(&mut head).ok()?;
        if head != want || total < (want.len() + TRAILER_END) as u64 {
            return None;
        }
        let mut end = [0u8; TRAILER_END];
        file.seek(SeekFrom::End(-(TRAILER_END as i64))).ok()?;
        file.read_exact(&mut end).ok()?;
        if &end[TRAILER_END - 8..] != TAG {
            return None;
        }
        let written = i128::from_le_bytes(end[..16].try_into().ok()?);
        let n = u32::from_le_bytes(end[16..20].try_into().ok()?) as u64;
        let table_len = n.checked_mul(16)?;
        let trailer_at = total.checked_sub(table_len + TRAILER_END as u64)?;
        if trailer_at < want.len() as u64 {
            return None;
        }
        let mut table = vec![0u8; table_len as usize];
        file.seek(SeekFrom::Start(trailer_at)).ok()?;
        file.read_exact(&mut table).ok()?;
        let mut sum = Sum::new();
        sum.update(&head);
        sum.update(&table);
        sum.update(&end[..20]);
        if sum.finish() != u64::from_le_bytes(end[20..28].try_into().ok()?) {
            return None;
        }
        let mut sections = Vec::with_capacity(n as usize);
        let mut at = want.len() as u64;
        for row in table.chunks_exact(16) {
            let len = u64::from_le_bytes(row[..8].try_into().ok()?);
            let sum = u64::from_le_bytes(row[8..].try_into().ok()?);
            sections.push(Section { at, len, sum });
            at = at.checked_add(len)?;
        }
        if at != trailer_at {
            return None;
        }
        Some(Sealed {
            file,
            written,
            identity: (written, total, ino),
            sections,
        })
    }

    /// How many sections the file has.
    pub fn sections(&self) -> usize {
        self.sections.len()
    }

    /// The length of section `i`.
    pub fn len(&self, i: usize) -> Option<usize> {
        self.sections
            .get(i)
            .and_then(|s| usize::try_from(s.len).ok())
    }

    /// Section `i`'s bytes; `None` if there is no such section or its
    /// checksum does not match.
    pub fn read(&self, i: usize) -> Option<Vec<u8>> {
        let mut buf = Vec::new();
        self.read_into(i, &mut buf, 0)?;
        Some(buf)
    }

    /// Append section `i`'s bytes to `buf`, with room for `spare` more
    /// bytes after them (growing a large buffer later would copy it);
    /// `None`, leaving `buf` as it was, if its checksum does not match.
    /// Reads at the section's place without moving a shared position, so
    /// sections may be read later, or from several threads, and always
    /// from the file that was opened, even if it has been replaced since.
    pub fn read_into(&self, i: usize, buf: &mut Vec<u8>, spare: usize) -> Option<()> {
        let s = *self.sections.get(i)?;
        let len = usize::try_from(s.len).ok()?;
        let start = buf.len();
        buf.reserve_exact(len + spare);
        buf.resize(start + len, 0);
        let ok = read_at(&self.file, s.at, &mut buf[start..]).is_ok()
            && crate::store::checksum::sum(&buf[start..]) == s.sum;
        if !ok {
            buf.truncate(start);
            return None;
        }
        Some(())
    }
}

/// Fill `buf` from `file` at `at`.
#[cfg(unix)]
fn read_at(file: &File, at: u64, buf: &mut [u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn read_at(file: &File, mut at: u64, mut buf: &mut [u8]) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_read(buf, at)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        at += n as u64;
    }
    Ok(())
}

#[cfg(not(any(unix, windows)))]
fn read_at(mut file: &File, at: u64, buf: &mut [u8]) -> io::Result<()> {
    file.seek(SeekFrom::Start(at))?;
    file.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(path: &Path) {
        write(path, "test", 7, 1234, |w| {
            w.section(|o| o.write_all(b"first section"))?;
            w.section(|_| Ok(()))?;
            w.section(|o| {
                o.write_all(b"third, ")?;
                o.write_all(b"in two writes")
            })
        })
        .unwrap();
    }

    #[test]
    fn sections_read_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c");
        sample(&path);
        let s = Sealed::open(&path, "test", 7).unwrap();
        assert_eq!(s.written, 1234);
        assert_eq!(s.sections(), 3);
        assert_eq!(s.read(2).unwrap(), b"third, in two writes");
        assert_eq!(s.read(0).unwrap(), b"first section");
        assert_eq!(s.read(1).unwrap(), b"");
        assert_eq!(s.len(2), Some(20));
        assert!(s.read(3).is_none());
        let mut buf = b"kept".to_vec();
        s.read_into(0, &mut buf, 100).unwrap();
        assert_eq!(buf, b"keptfirst section");
        assert!(buf.capacity() >= buf.len() + 100);
        // Another kind or version is no cache.
        assert!(Sealed::open(&path, "tesT", 7).is_none());
        assert!(Sealed::open(&path, "test", 8).is_none());
    }

    #[test]
    fn any_damage_is_no_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c");
        sample(&path);
        let good = std::fs::read(&path).unwrap();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x10;
            std::fs::write(&path, &bad).unwrap();
            // Either the file does not open, or a section does not read.
            if let Some(s) = Sealed::open(&path, "test", 7) {
                let whole = (0..3).all(|k| s.read(k).is_some());
                assert!(!whole, "a flipped bit at {i} went unseen");
            }
        }
        for cut in [0, 5, good.len() / 2, good.len() - 1] {
            std::fs::write(&path, &good[..cut]).unwrap();
            assert!(Sealed::open(&path, "test", 7).is_none(), "cut at {cut}");
        }
        let mut longer = good.clone();
        longer.insert(20, b'x');
        std::fs::write(&path, &longer).unwrap();
        assert!(Sealed::open(&path, "test", 7).is_none());
    }
}
