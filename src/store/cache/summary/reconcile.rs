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
    /// Every readable card's id with the stamp of its file, sorted by id.
    pub stamps: Vec<(&'a str, Stamp)>,
    /// Card files that could not be read, sorted.
    pub unreadable: Vec<String>,
}

/// Bring the summary index up to date after a whole-board read that
/// checked every card file: written again, with the rows `seen` gives
/// (the cards of [`Checked::stamps`]), only if any card's stamp differs.
pub(crate) fn reconcile<'a>(
    scratch: &Scratch,
    checked: &Checked<'a>,
    seen: impl FnOnce() -> Vec<Seen<'a>>,
) {
    let path = scratch.file(SUMMARY);
    if let Some(o) = open(&path) {
        let same_rows = o.rows.len() == checked.stamps.len()
            && o.rows
                .iter()
                .zip(&checked.stamps)
                .all(|(r, s)| r.stamp == s.1 && &o.ids[r.id.clone()] == s.0.as_bytes());
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
    let all = seen()
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
