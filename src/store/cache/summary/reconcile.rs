//! Bringing the index up to date from a whole-board read.

use super::*;

/// A card as a whole-board read found it, for [`reconcile`].
pub(crate) struct Seen<'a> {
    pub id: &'a str,
    pub stamp: Stamp,
    pub lane: &'a str,
    pub rank: &'a str,
    pub title: &'a str,
    pub archived: bool,
    pub depends_on: Vec<&'a str>,
    pub parent: Option<&'a str>,
}

/// What a whole-board read checked, for [`reconcile`].
pub(crate) struct Checked<'a> {
    /// When the read began, before it looked at any file.
    pub began: i128,
    /// The cards folder's stamp, before it was listed.
    pub folder: Option<Stamp>,
    /// Git's index file's stamp, before any card file was looked at.
    pub git_index: Option<Stamp>,
    /// Every readable card with the stamp of its file, sorted by id.
    pub seen: Vec<Seen<'a>>,
    /// Card files that could not be read, sorted.
    pub unreadable: Vec<String>,
}

/// Bring the summary index up to date after a whole-board read that
/// checked every card file: written again only if any row differs.
pub(crate) fn reconcile(scratch: &Scratch, checked: &Checked<'_>) {
    let path = scratch.file(SUMMARY);
    if let Some(o) = open(&path) {
        let same_rows = o.rows.len() == checked.seen.len()
            && o.rows
                .iter()
                .zip(&checked.seen)
                .all(|(r, s)| r.stamp == s.stamp && &o.ids[r.id.clone()] == s.id.as_bytes());
        if same_rows && o.meta.unreadable == checked.unreadable {
            return;
        }
    }
    let meta = Meta {
        folder: checked.folder.filter(|f| f.settled(checked.began)),
        git_index: checked.git_index.filter(|g| g.settled(checked.began)),
        unreadable: checked.unreadable.clone(),
        lanes: Vec::new(),
    };
    let all = checked
        .seen
        .iter()
        .map(|s| {
            (
                Row {
                    id: s.id.to_string(),
                    lane: s.lane.to_string(),
                    rank: s.rank.to_string(),
                    title: s.title.to_string(),
                    archived: s.archived,
                    links: Linked {
                        depends_on: s.depends_on.iter().map(|d| d.to_string()).collect(),
                        parent: s.parent.map(str::to_string),
                    },
                },
                s.stamp,
            )
        })
        .collect();
    let _ = write(&path, checked.began, meta, all);
}
