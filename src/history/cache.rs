//! The history cache, `.git/lanes/history-v2`, in the envelope every lanes
//! cache has ([`store::cache::envelope`](crate::store::cache::envelope)):
//! binary, every text once, so that a run with nothing new loads it in
//! milliseconds. Damage its checksums show, another version or another
//! board means the history is read from git again. The key names the
//! board folder, the commit the history was read at and, in a shallow
//! clone, its cut (the history is read again when the cut moves: `git
//! fetch --unshallow`, `--deepen`).
//!
//! Sections; numbers little-endian, a text is its index in the strings
//! (`u32::MAX`: none), a list is a u32 count and its items:
//!
//! ```text
//! key      board folder, head, shallow cut (u32 length, bytes each)
//! strings  u32 count, then each: u32 length, UTF-8 bytes
//! commits  per commit: id (20 bytes), author time, commit time (i64),
//!          generation (u32), author, subject, action, agent (texts),
//!          cards, mentions (lists of texts)
//! changes  per change: commit (u32), card (text), time (i64), what (u8:
//!          0 a readable version, 1 a version that cannot be read, 2 a
//!          version not in this clone, 3 deleted), the blob (20 bytes,
//!          unless deleted), and for a readable version: lane (text),
//!          archived (u8), kind, verdict (text), checklist ticked and
//!          total (u32 each), depends_on (list of texts)
//! ```

use super::{CardState, Change, CommitInfo, History};
use crate::store::cache::{envelope, Scratch, HISTORY};
use anyhow::{anyhow, bail, Result};
use git2::Oid;
use std::collections::HashMap;

const KIND: &str = "history";
const VERSION: u32 = 9;
const NONE: u32 = u32::MAX;

/// Read the cache for the board folder `board_dir`.
pub fn read(scratch: &Scratch, board_dir: &str) -> Result<History> {
    let f = envelope::Sealed::open(&scratch.file(HISTORY), KIND, VERSION)
        .ok_or_else(|| anyhow!("no cache, or one of another version"))?;
    let damaged = || anyhow!("a damaged cache");
    let key = f.read(0).ok_or_else(damaged)?;
    let mut k = Reader::new(&key);
    if k.text()? != board_dir {
        bail!("a cache of another board");
    }
    let head = k.text()?;
    let shallow = k.text()?;
    k.end()?;
    let strings_bytes = f.read(1).ok_or_else(damaged)?;
    let mut r = Reader::new(&strings_bytes);
    let n = r.count()?;
    let mut strings: Vec<&str> = Vec::with_capacity(n);
    for _ in 0..n {
        strings.push(r.text()?);
    }
    r.end()?;
    let text = |i: u32| -> Result<&str> {
        strings
            .get(i as usize)
            .copied()
            .ok_or_else(|| anyhow!("bad cache text"))
    };
    let opt = |i: u32| -> Result<Option<String>> {
        Ok(if i == NONE {
            None
        } else {
            Some(text(i)?.to_string())
        })
    };
    let mut h = History {
        head: Some(head.to_string()).filter(|s| !s.is_empty()),
        ..History::default()
    };
    h.gaps.shallow_key = Some(shallow.to_string()).filter(|s| !s.is_empty());

    let commits = f.read(2).ok_or_else(damaged)?;
    let mut r = Reader::new(&commits);
    let n = r.count()?;
    h.commits.reserve(n);
    for _ in 0..n {
        let id = hex(r.take(20)?);
        let time = r.i64()?;
        let committed = r.i64()?;
        let generation = r.u32()?;
        let author = text(r.u32()?)?.to_string();
        let subject = text(r.u32()?)?.to_string();
        let action = opt(r.u32()?)?;
        let agent = opt(r.u32()?)?;
        let mut list = || -> Result<Vec<String>> {
            let n = r.count()?;
            (0..n).map(|_| Ok(text(r.u32()?)?.to_string())).collect()
        };
        let cards = list()?;
        let mentions = list()?;
        h.commits.push(CommitInfo {
            id,
            time,
            committed,
            generation,
            author,
            subject,
            action,
            agent,
            cards,
            mentions,
        });
    }
    r.end()?;

    let changes = f.read(3).ok_or_else(damaged)?;
    let mut r = Reader::new(&changes);
    let n = r.count()?;
    h.changes.reserve(n);
    for _ in 0..n {
        let commit = r.u32()? as usize;
        if commit >= h.commits.len() {
            bail!("a change of no commit");
        }
        let card = text(r.u32()?)?.to_string();
        let time = r.i64()?;
        let what = r.u8()?;
        let blob = if what == 3 {
            None
        } else {
            Some(Oid::from_bytes(r.take(20)?)?)
        };
        let state = if what == 0 {
            Some(CardState {
                lane: text(r.u32()?)?.to_string(),
                archived: r.u8()? == 1,
                kind: text(r.u32()?)?.to_string(),
                verdict: opt(r.u32()?)?,
                checklist: (r.u32()? as usize, r.u32()? as usize),
                depends_on: {
                    let n = r.count()?;
                    (0..n)
                        .map(|_| Ok(text(r.u32()?)?.to_string()))
                        .collect::<Result<Vec<String>>>()?
                },
            })
        } else {
            None
        };
        if what > 3 {
            bail!("bad cache change");
        }
        h.changes.push(Change {
            commit,
            card,
            state,
            time,
            blob,
            missing: what == 2,
        });
    }
    r.end()?;
    Ok(h)
}

/// An object id's 40 hex digits (formatting each through `Display` costs
/// more than the rest of reading a commit).
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = vec![0u8; bytes.len() * 2];
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 15)];
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Bounds-checked reads from a section.
struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(b: &'a [u8]) -> Reader<'a> {
        Reader { b, pos: 0 }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| anyhow!("bad cache"))?;
        let s = self
            .b
            .get(self.pos..end)
            .ok_or_else(|| anyhow!("a cache cut short"))?;
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into()?))
    }

    fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.take(8)?.try_into()?))
    }

    /// A count, bounded by what is left (a bad count must not allocate
    /// gigabytes).
    fn count(&mut self) -> Result<usize> {
        let n = self.u32()? as usize;
        if n > self.b.len() - self.pos {
            bail!("bad cache count");
        }
        Ok(n)
    }

    fn text(&mut self) -> Result<&'a str> {
        let n = self.u32()? as usize;
        Ok(std::str::from_utf8(self.take(n)?)?)
    }

    fn end(&self) -> Result<()> {
        if self.pos != self.b.len() {
            bail!("bad cache length");
        }
        Ok(())
    }
}

/// Every text once, in the order first met.
#[derive(Default)]
struct Strings<'a> {
    index: HashMap<&'a str, u32>,
    list: Vec<&'a str>,
}

impl<'a> Strings<'a> {
    fn of(&mut self, s: &'a str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.list.len() as u32;
        self.index.insert(s, i);
        self.list.push(s);
        i
    }

    fn opt(&mut self, s: Option<&'a str>) -> u32 {
        s.map_or(NONE, |s| self.of(s))
    }
}

fn put_text(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Write the cache of the board folder `board_dir`'s history.
pub fn write(scratch: &Scratch, board_dir: &str, h: &History) -> Result<()> {
    let mut strings = Strings::default();
    let mut commits = Vec::with_capacity(h.commits.len() * 64);
    commits.extend_from_slice(&(h.commits.len() as u32).to_le_bytes());
    for c in &h.commits {
        commits.extend_from_slice(Oid::from_str(&c.id)?.as_bytes());
        commits.extend_from_slice(&c.time.to_le_bytes());
        commits.extend_from_slice(&c.committed.to_le_bytes());
        commits.extend_from_slice(&c.generation.to_le_bytes());
        for s in [
            strings.of(&c.author),
            strings.of(&c.subject),
            strings.opt(c.action.as_deref()),
            strings.opt(c.agent.as_deref()),
        ] {
            commits.extend_from_slice(&s.to_le_bytes());
        }
        for list in [&c.cards, &c.mentions] {
            commits.extend_from_slice(&(list.len() as u32).to_le_bytes());
            for s in list {
                commits.extend_from_slice(&strings.of(s).to_le_bytes());
            }
        }
    }
    let mut changes = Vec::with_capacity(h.changes.len() * 50);
    changes.extend_from_slice(&(h.changes.len() as u32).to_le_bytes());
    for ch in &h.changes {
        changes.extend_from_slice(&(ch.commit as u32).to_le_bytes());
        changes.extend_from_slice(&strings.of(&ch.card).to_le_bytes());
        changes.extend_from_slice(&ch.time.to_le_bytes());
        let what: u8 = match (&ch.blob, &ch.state) {
            (None, _) => 3,
            (Some(_), Some(_)) => 0,
            (Some(_), None) if ch.missing => 2,
            (Some(_), None) => 1,
        };
        changes.push(what);
        if let Some(b) = &ch.blob {
            changes.extend_from_slice(b.as_bytes());
        }
        if let (Some(_), Some(s)) = (&ch.blob, &ch.state) {
            changes.extend_from_slice(&strings.of(&s.lane).to_le_bytes());
            changes.push(u8::from(s.archived));
            changes.extend_from_slice(&strings.of(&s.kind).to_le_bytes());
            changes.extend_from_slice(&strings.opt(s.verdict.as_deref()).to_le_bytes());
            changes.extend_from_slice(&(s.checklist.0 as u32).to_le_bytes());
            changes.extend_from_slice(&(s.checklist.1 as u32).to_le_bytes());
            changes.extend_from_slice(&(s.depends_on.len() as u32).to_le_bytes());
            for d in &s.depends_on {
                changes.extend_from_slice(&strings.of(d).to_le_bytes());
            }
        }
    }
    let mut key = Vec::new();
    put_text(&mut key, board_dir);
    put_text(&mut key, h.head.as_deref().unwrap_or(""));
    put_text(&mut key, h.gaps.shallow_key.as_deref().unwrap_or(""));
    let mut text = Vec::new();
    text.extend_from_slice(&(strings.list.len() as u32).to_le_bytes());
    for s in &strings.list {
        put_text(&mut text, s);
    }
    envelope::write(
        &scratch.file(HISTORY),
        KIND,
        VERSION,
        crate::store::cache::table::now_ns(),
        |w| {
            for section in [&key, &text, &commits, &changes] {
                w.section(|out| out.write_all(section))?;
            }
            Ok(())
        },
    )?;
    // The caches of earlier versions are not read any more.
    scratch.remove_retired();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> History {
        let commit = |i: u8, action: Option<&str>| CommitInfo {
            id: Oid::from_bytes(&[i; 20]).unwrap().to_string(),
            time: 1_700_000_000 + i64::from(i),
            committed: 1_700_000_100 + i64::from(i),
            generation: u32::from(i) + 1,
            author: "Ana Lima".into(),
            subject: format!("lanes: move card {i}\twith a tab"),
            action: action.map(str::to_string),
            agent: (i == 0).then(|| "claude-code".to_string()),
            cards: vec!["abc123".into()],
            mentions: if i == 1 {
                vec!["def456".into(), "abc123".into()]
            } else {
                vec![]
            },
        };
        let mut h = History {
            head: Some(Oid::from_bytes(&[1; 20]).unwrap().to_string()),
            commits: vec![commit(0, Some("add")), commit(1, None)],
            ..History::default()
        };
        let blob = Some(Oid::from_bytes(&[9; 20]).unwrap());
        let state = |lane: &str, verdict: Option<&str>| CardState {
            lane: lane.into(),
            archived: verdict.is_some(),
            kind: "hypothesis".into(),
            verdict: verdict.map(str::to_string),
            checklist: (1, 3),
            // What it waits on: none while open, two cards (one of them
            // also a card of the history) once refuted.
            depends_on: match verdict {
                None => Vec::new(),
                Some(_) => vec!["def456".into(), "zzz999".into()],
            },
        };
        h.changes = vec![
            Change {
                commit: 0,
                card: "abc123".into(),
                state: Some(state("backlog", None)),
                time: 5,
                blob,
                missing: false,
            },
            Change {
                commit: 1,
                card: "abc123".into(),
                state: Some(state("done", Some("refuted"))),
                time: 6,
                blob,
                missing: false,
            },
            Change {
                commit: 1,
                card: "def456".into(),
                state: None,
                time: 6,
                blob,
                missing: true,
            },
            Change {
                commit: 1,
                card: "ghi789".into(),
                state: None,
                time: 6,
                blob,
                missing: false,
            },
            Change {
                commit: 1,
                card: "jkl000".into(),
                state: None,
                time: 7,
                blob: None,
                missing: false,
            },
        ];
        h.gaps.shallow_key = Some("cut 1".into());
        h
    }

    #[test]
    fn a_history_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let scratch = Scratch::in_git_dir(dir.path());
        let h = sample();
        write(&scratch, ".lanes/", &h).unwrap();
        assert_eq!(read(&scratch, ".lanes/").unwrap(), h);
        assert!(read(&scratch, "team/.lanes/").is_err(), "another board");
        let empty = History::default();
        write(&scratch, ".lanes/", &empty).unwrap();
        assert_eq!(read(&scratch, ".lanes/").unwrap(), empty);
    }
}
