//! The history cache, `.git/lanes/history-v2`: plain text, one line per
//! commit followed by one line per change it made, sealed with a checksum
//! (damage means the history is read from git again). The first line names
//! the board folder, the commit the history was read at and, in a shallow
//! clone, its cut (the history is read again when the cut moves: `git
//! fetch --unshallow`, `--deepen`).
//!
//! ```text
//! lanes-history 6<TAB>.lanes/<TAB><head><TAB><shallow cut, or nothing>
//! c<TAB>id<TAB>author time<TAB>commit time<TAB>generation<TAB>author<TAB>subject<TAB>action<TAB>cards,…<TAB>mentions,…
//! x<TAB>card<TAB>time<TAB>blob<TAB>lane<TAB>archived<TAB>kind<TAB>verdict<TAB>ticked/total<TAB>depends_on,…
//! u<TAB>card<TAB>time<TAB>blob          (a version that cannot be read)
//! m<TAB>card<TAB>time<TAB>blob          (a version not in this clone: read when it arrives)
//! d<TAB>card<TAB>time                   (deleted)
//! ```

use super::{CardState, Change, CommitInfo, History};
use crate::store::index::{escape as esc, unescape as unesc};
use anyhow::{anyhow, bail, Result};
use git2::Oid;
use std::path::Path;

/// The cache's file name in `.git/lanes/`.
pub const FILE: &str = "history-v2";
const HEADER: &str = "lanes-history 7";

pub fn read(path: &Path, board_dir: &str) -> Result<History> {
    let bytes = crate::store::checksum::read_sealed(path)
        .ok_or_else(|| anyhow!("no cache, or a damaged one"))?;
    let text = String::from_utf8(bytes)?;
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let mut head = first.split('\t');
    if head.next() != Some(HEADER) || head.next().map(unesc).as_deref() != Some(board_dir) {
        bail!("a cache of another version or board");
    }
    let mut h = History {
        head: head.next().filter(|s| !s.is_empty()).map(str::to_string),
        ..History::default()
    };
    h.gaps.shallow_key = head.next().filter(|s| !s.is_empty()).map(str::to_string);
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        let commit = h.commits.len().checked_sub(1);
        let change = |card: &str, time: &str, blob: Option<&str>, state: Option<CardState>| {
            Ok::<_, anyhow::Error>(Change {
                commit: commit.ok_or_else(|| anyhow!("a change before any commit"))?,
                card: card.to_string(),
                state,
                time: time.parse()?,
                blob: blob.map(Oid::from_str).transpose()?,
                missing: false,
            })
        };
        match f.as_slice() {
            ["c", ..] => h.commits.push(commit_from(&f)?),
            ["x", card, time, blob, lane, archived, kind, verdict, checklist, depends_on] => {
                let (ticked, total) = checklist
                    .split_once('/')
                    .ok_or_else(|| anyhow!("bad cache line"))?;
                h.changes.push(change(
                    card,
                    time,
                    Some(blob),
                    Some(CardState {
                        lane: unesc(lane),
                        archived: *archived == "1",
                        kind: unesc(kind),
                        verdict: Some(unesc(verdict)).filter(|v| !v.is_empty()),
                        checklist: (ticked.parse()?, total.parse()?),
                        depends_on: depends_on
                            .split(',')
                            .filter(|d| !d.is_empty())
                            .map(str::to_string)
                            .collect(),
                    }),
                )?)
            }
            ["u", card, time, blob] => h.changes.push(change(card, time, Some(blob), None)?),
            ["m", card, time, blob] => h.changes.push(Change {
                missing: true,
                ..change(card, time, Some(blob), None)?
            }),
            ["d", card, time] => h.changes.push(change(card, time, None, None)?),
            _ => bail!("bad cache line"),
        }
    }
    Ok(h)
}

fn commit_from(f: &[&str]) -> Result<CommitInfo> {
    let ["c", id, time, committed, generation, author, subject, action, cards, mentions] = f else {
        bail!("bad cache line");
    };
    let list = |s: &str| {
        s.split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect()
    };
    Ok(CommitInfo {
        id: id.to_string(),
        time: time.parse()?,
        committed: committed.parse()?,
        generation: generation.parse()?,
        author: unesc(author),
        subject: unesc(subject),
        action: Some(unesc(action)).filter(|a| !a.is_empty()),
        cards: list(cards),
        mentions: list(mentions),
    })
}

pub fn write(path: &Path, board_dir: &str, h: &History) -> Result<()> {
    use std::fmt::Write;
    let mut out = format!(
        "{HEADER}\t{}\t{}\t{}\n",
        esc(board_dir),
        h.head.as_deref().unwrap_or(""),
        h.gaps.shallow_key.as_deref().unwrap_or("")
    );
    let mut by_commit: Vec<Vec<&Change>> = vec![Vec::new(); h.commits.len()];
    for ch in &h.changes {
        if let Some(list) = by_commit.get_mut(ch.commit) {
            list.push(ch);
        }
    }
    for (c, changes) in h.commits.iter().zip(by_commit) {
        let _ = writeln!(
            out,
            "c\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            c.id,
            c.time,
            c.committed,
            c.generation,
            esc(&c.author),
            esc(&c.subject),
            esc(c.action.as_deref().unwrap_or("")),
            c.cards.join(","),
            c.mentions.join(",")
        );
        for ch in changes {
            let _ = match (&ch.blob, &ch.state) {
                (Some(b), Some(s)) => writeln!(
                    out,
                    "x\t{}\t{}\t{b}\t{}\t{}\t{}\t{}\t{}/{}\t{}",
                    ch.card,
                    ch.time,
                    esc(&s.lane),
                    if s.archived { "1" } else { "0" },
                    esc(&s.kind),
                    esc(s.verdict.as_deref().unwrap_or("")),
                    s.checklist.0,
                    s.checklist.1,
                    s.depends_on.join(",")
                ),
                (Some(b), None) if ch.missing => {
                    writeln!(out, "m\t{}\t{}\t{b}", ch.card, ch.time)
                }
                (Some(b), None) => writeln!(out, "u\t{}\t{}\t{b}", ch.card, ch.time),
                (None, _) => writeln!(out, "d\t{}\t{}", ch.card, ch.time),
            };
        }
    }
    crate::store::checksum::write_sealed(path, |w| w.write_all(out.as_bytes()))?;
    // The first-parent caches of earlier versions are not read any more.
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_file(dir.join("history-v1"));
        let _ = std::fs::remove_file(dir.join("side-v1"));
    }
    Ok(())
}
