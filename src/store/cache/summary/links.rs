//! The links section of the summary index: each linked card's `depends_on`
//! and `parent` links, decoded only when asked for.

use super::*;

/// A card's links that may not close a cycle, as its file stores them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Linked {
    /// The cards it depends on.
    pub depends_on: Vec<String>,
    /// The card it is part of.
    pub parent: Option<String>,
}

impl Linked {
    pub fn of(card: &crate::model::Card) -> Linked {
        Linked {
            depends_on: card.depends_on.clone(),
            parent: card.parent.clone(),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.depends_on.is_empty() && self.parent.is_none()
    }
}

/// Every linked card's links, by id.
pub(super) type LinkMap = BTreeMap<String, Linked>;

pub(super) fn encode_links<'a>(rows: impl Iterator<Item = &'a Row>) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rows.filter(|r| !r.links.is_empty()) {
        put_text(&mut out, 1, &r.id);
        put_text(&mut out, 4, r.links.parent.as_deref().unwrap_or(""));
        out.extend_from_slice(&(r.links.depends_on.len() as u32).to_le_bytes());
        for d in &r.links.depends_on {
            put_text(&mut out, 4, d);
        }
    }
    out
}

/// The links section as read: its bytes and where each linked card's id
/// and links are, in id order. Nothing is decoded until a card's links
/// are asked for (a cycle check visits a part of the board).
#[derive(Debug)]
pub(super) struct LinkTable {
    pub(super) bytes: Vec<u8>,
    /// Per linked card: its id, and where its links start.
    pub(super) rows: Vec<(std::ops::Range<usize>, usize)>,
}

impl LinkTable {
    /// `None` if the section does not read (cut short, out of order).
    pub(super) fn parse(bytes: Vec<u8>) -> Option<LinkTable> {
        let mut rows = Vec::new();
        let mut c = Cursor { b: &bytes, pos: 0 };
        while c.pos < bytes.len() {
            let n = usize::from(*c.take(1)?.first()?);
            let id = c.pos..c.pos + n;
            c.take(n)?;
            let at = c.pos;
            let parent = c.len(4)?;
            c.take(parent)?;
            for _ in 0..c.count()? {
                let n = c.len(4)?;
                c.take(n)?;
            }
            if rows
                .last()
                .is_some_and(|(last, _): &(std::ops::Range<usize>, usize)| {
                    bytes[last.clone()] >= bytes[id.clone()]
                })
            {
                return None;
            }
            rows.push((id, at));
        }
        Some(LinkTable { bytes, rows })
    }

    /// The links of the card at `at` (`None`: text that is not UTF-8).
    pub(super) fn decode(&self, at: usize) -> Option<Linked> {
        let mut c = Cursor {
            b: &self.bytes,
            pos: at,
        };
        let parent = Some(c.text(4)?)
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        let n = c.count()?;
        let mut depends_on = Vec::with_capacity(n);
        for _ in 0..n {
            depends_on.push(c.text(4)?.to_string());
        }
        Some(Linked { depends_on, parent })
    }

    /// Card `id`'s links: none when it has no row; `None` when its row
    /// does not read.
    pub(super) fn get(&self, id: &str) -> Option<Linked> {
        match self
            .rows
            .binary_search_by(|(r, _)| self.bytes[r.clone()].cmp(id.as_bytes()))
        {
            Ok(i) => self.decode(self.rows[i].1),
            Err(_) => Some(Linked::default()),
        }
    }

    /// Every linked card's links; `None` if a row does not read.
    pub(super) fn all(&self) -> Option<LinkMap> {
        self.rows
            .iter()
            .map(|(id, at)| {
                let id = std::str::from_utf8(&self.bytes[id.clone()]).ok()?;
                Some((id.to_string(), self.decode(*at)?))
            })
            .collect()
    }
}
