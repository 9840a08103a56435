//! One card's history: every commit that changed it, as field changes a
//! person can read, plus commits elsewhere that name it (a card trailer, `model::oplog`
//! or `lanes#<short id>` in the message).

use crate::git;
use crate::model::field::{self, Merge};
use crate::model::{Card, JournalEntry};
use crate::store;
use anyhow::Result;
use git2::{Oid, Repository};
use serde_yaml::{Mapping, Value};
use std::collections::HashSet;
use std::path::Path;

/// One field's change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldChange {
    /// Dotted field name (`lane`, `hypothesis.result`, `journal`).
    pub field: String,
    /// Value before (None: absent). Whole, never cut.
    pub before: Option<String>,
    /// Value after (None: removed). Whole, never cut.
    pub after: Option<String>,
    /// What happened to an item of a list when it was neither added nor
    /// removed: `ticked` or `unticked` (a checklist item; `before` and
    /// `after` are the item as it was and is, `"X"` / `"X (done)"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
    /// A journal entry's author, as the card has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// A journal entry's time, as the card has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

impl FieldChange {
    /// A plain change of `field` from `before` to `after`.
    pub fn new(field: impl Into<String>, before: Option<String>, after: Option<String>) -> Self {
        FieldChange {
            field: field.into(),
            before,
            after,
            op: None,
            by: None,
            at: None,
        }
    }

    /// Whether the change is to `field` or, for a group such as
    /// `hypothesis`, to a field inside it (`hypothesis.target`).
    pub fn is_of(&self, field: &str) -> bool {
        let field = field.trim_end_matches('.');
        self.field == field
            || self
                .field
                .strip_prefix(field)
                .is_some_and(|rest| rest.starts_with('.'))
    }
}

impl std::fmt::Display for FieldChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.field.as_str(), &self.before, &self.after) {
            ("card", None, Some(_)) => write!(f, "created"),
            ("card", Some(_), None) => write!(f, "deleted"),
            ("file", None, Some(a)) => write!(f, "{a}"),
            ("journal", _, Some(a)) => write!(f, "journal: + {a:?}"),
            ("journal", Some(b), None) => write!(
                f,
                "journal: removed note by {} at {}: {b:?}",
                self.by
                    .as_deref()
                    .filter(|s| !s.is_empty())
                    .unwrap_or("(nobody)"),
                self.at.as_deref().unwrap_or("(no time)")
            ),
            (field, Some(b), Some(_)) if self.op.as_deref() == Some("ticked") => {
                write!(f, "{field}: ticked {b:?}")
            }
            (field, Some(_), Some(a)) if self.op.as_deref() == Some("unticked") => {
                write!(f, "{field}: unticked {a:?}")
            }
            (field, None, Some(a)) if is_set(field) || field == "checklist" => {
                write!(f, "{field}: + {a}")
            }
            (field, Some(b), None) if is_set(field) || field == "checklist" => {
                write!(f, "{field}: - {b}")
            }
            (field, b, a) => write!(
                f,
                "{field}: {} -> {}",
                b.as_deref().unwrap_or("(none)"),
                a.as_deref().unwrap_or("(none)")
            ),
        }
    }
}

/// A built-in set field (the field table's `Merge::Set`): its items are
/// added and removed one by one (`labels: + x`).
fn is_set(field: &str) -> bool {
    field::builtin(field).is_some_and(|f| f.merge == Merge::Set)
}

/// Whether a change of `field` to or from `value` is shown item by item:
/// a set, or a record that is a list (`conflicts`).
fn by_item(field: &str, value: Option<&Value>) -> bool {
    is_set(field)
        || field::builtin(field).is_some_and(|f| {
            f.ty == field::Type::Record && matches!(value, Some(Value::Sequence(_)))
        })
}

/// One commit in a card's timeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub commit: String,
    pub author: String,
    /// Seconds since the epoch: when the change was made (its commit's
    /// author time, see [`super::Change::time`]).
    pub time: i64,
    /// The same as ISO 8601.
    pub at: String,
    pub subject: String,
    /// The action trailer of lanes' own commits; None for hand edits and
    /// plain git.
    pub action: Option<String>,
    /// The agent that made the change for its author (the commit's
    /// `Lanes-Agent` trailer), if one did.
    pub agent: Option<String>,
    /// True when the commit names the card but does not change its file
    /// (training code, an experiment run).
    pub link: bool,
    pub changes: Vec<FieldChange>,
    /// What this commit did to the card is not all known here: its
    /// version of the card is not in this clone (a partial clone), the one
    /// before it is not (it is compared with an older one), or the history
    /// of a shallow clone starts at it.
    pub incomplete: bool,
}

impl Entry {
    /// The changes as lines a person reads. Ranks are internal sort keys:
    /// a new rank in the same lane reads as moving up or down, and next to
    /// a lane change it says nothing more.
    pub fn change_lines(&self) -> Vec<String> {
        let lane_changed = self.changes.iter().any(|c| c.field == "lane");
        self.changes
            .iter()
            .filter_map(|c| match (c.field.as_str(), &c.before, &c.after) {
                ("rank", ..) if lane_changed => None,
                ("rank", Some(b), Some(a)) => Some(
                    if a < b {
                        "position: moved up"
                    } else {
                        "position: moved down"
                    }
                    .to_string(),
                ),
                _ => Some(c.to_string()),
            })
            .collect()
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn seq(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Sequence(s)) => s.clone(),
        _ => Vec::new(),
    }
}

fn diff_map(prefix: &str, a: &Mapping, b: &Mapping, out: &mut Vec<FieldChange>) {
    let mut keys: Vec<&Value> = a.keys().collect();
    for k in b.keys() {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    for k in keys {
        let name = format!("{prefix}{}", text(k));
        let (x, y) = (a.get(k), b.get(k));
        if x == y {
            continue;
        }
        match field::merge_of(&name, y.or(x)) {
            Merge::Append => journal_changes(&seq(x), &seq(y), out),
            Merge::Checklist => checklist_changes(&seq(x), &seq(y), out),
            _ if by_item(&name, y.or(x)) => {
                let (old, new) = (seq(x), seq(y));
                for v in new.iter().filter(|v| !old.contains(v)) {
                    out.push(FieldChange::new(name.clone(), None, Some(item(v))));
                }
                for v in old.iter().filter(|v| !new.contains(v)) {
                    out.push(FieldChange::new(name.clone(), Some(item(v)), None));
                }
            }
            _ => match (x, y) {
                (Some(Value::Mapping(m)), Some(Value::Mapping(n))) => {
                    diff_map(&format!("{name}."), m, n, out)
                }
                (None, Some(Value::Mapping(n))) => {
                    diff_map(&format!("{name}."), &Mapping::new(), n, out)
                }
                (Some(Value::Mapping(m)), None) => {
                    diff_map(&format!("{name}."), m, &Mapping::new(), out)
                }
                _ => out.push(FieldChange::new(name, x.map(text), y.map(text))),
            },
        }
    }
}

/// An item of a list field as text: a checklist item with ` (done)` when
/// ticked, a conflict by its field, anything else as its value.
fn item(v: &Value) -> String {
    match v.get("text") {
        Some(t) => format!(
            "{}{}",
            text(t),
            if v.get("done") == Some(&Value::Bool(true)) {
                " (done)"
            } else {
                ""
            }
        ),
        None => match v.get("field") {
            Some(f) => format!("conflict on {}", text(f)),
            None => text(v),
        },
    }
}

/// Journal entries added and removed (an undone note is removed), each
/// with its author and time.
fn journal_changes(old: &[Value], new: &[Value], out: &mut Vec<FieldChange>) {
    let entry = |e: &Value, added: bool| {
        let t = e.get("text").map(text).unwrap_or_default();
        let (before, after) = if added {
            (None, Some(t))
        } else {
            (Some(t), None)
        };
        FieldChange {
            by: Some(e.get("by").map(text).unwrap_or_default()),
            at: e.get("at").map(text),
            ..FieldChange::new("journal", before, after)
        }
    };
    for e in new.iter().filter(|e| !old.contains(e)) {
        out.push(entry(e, true));
    }
    for e in old.iter().filter(|e| !new.contains(e)) {
        out.push(entry(e, false));
    }
}

/// Checklist items added, removed, ticked and unticked: an item whose
/// text is unchanged but whose `done` flipped is a tick, not a removal
/// and an addition.
fn checklist_changes(old: &[Value], new: &[Value], out: &mut Vec<FieldChange>) {
    let done = |v: &Value| v.get("done") == Some(&Value::Bool(true));
    let key = |v: &Value| v.get("text").map(text);
    let mut gone: Vec<&Value> = old.iter().filter(|v| !new.contains(v)).collect();
    let mut added = Vec::new();
    for v in new.iter().filter(|v| !old.contains(v)) {
        // The same item (by text) that was there with the other mark.
        let was = gone.iter().position(|o| {
            key(o).is_some() && key(o) == key(v) && done(o) != done(v) && {
                let (mut a, mut b) = ((*o).clone(), v.clone());
                if let (Value::Mapping(a), Value::Mapping(b)) = (&mut a, &mut b) {
                    a.remove("done");
                    b.remove("done");
                }
                a == b
            }
        });
        match was {
            Some(i) => {
                let o = gone.remove(i);
                out.push(FieldChange {
                    op: Some(if done(v) { "ticked" } else { "unticked" }.to_string()),
                    ..FieldChange::new("checklist", Some(item(o)), Some(item(v)))
                });
            }
            None => added.push(v),
        }
    }
    for v in added {
        out.push(FieldChange::new("checklist", None, Some(item(v))));
    }
    for v in gone {
        out.push(FieldChange::new("checklist", Some(item(v)), None));
    }
}

/// The field changes from one version of a card to the next.
pub fn diff_cards(before: Option<&Card>, after: Option<&Card>) -> Vec<FieldChange> {
    let mut out = Vec::new();
    match (before, after) {
        (None, None) => {}
        (None, Some(_)) => out.push(FieldChange::new("card", None, Some("created".into()))),
        (Some(_), None) => out.push(FieldChange::new("card", Some("existed".into()), None)),
        _ => {}
    }
    // A new card is compared with an empty one (no field at all): every
    // field it was created with is listed, what was first hypothesised
    // as well as where the card started.
    let empty = Mapping::new();
    let a = before.map(Card::to_mapping);
    let b = after.map(Card::to_mapping);
    let mut changes = Vec::new();
    diff_map(
        "",
        a.as_ref().unwrap_or(&empty),
        b.as_ref().unwrap_or(&empty),
        &mut changes,
    );
    if after.is_none() {
        // A removed card: that is the news, not each field going.
        changes.clear();
    }
    changes.retain(|c| c.field != "id");
    out.extend(changes);
    out
}

/// A version of the card file: absent, readable, there but unreadable, or
/// not in this clone.
enum Version {
    Absent,
    Card(Box<Card>),
    Unreadable(String),
    Missing,
}

fn card_at(repo: &Repository, blob: Option<Oid>) -> Version {
    let Some(blob) = blob else {
        return Version::Absent;
    };
    let b = match repo.find_blob(blob) {
        Ok(b) => b,
        Err(e) if git::partial::is_missing(&e) => return Version::Missing,
        Err(e) => return Version::Unreadable(e.message().to_string()),
    };
    match store::parse_card("", b.content()) {
        Ok(l) => Version::Card(Box::new(l.card)),
        Err(p) => Version::Unreadable(format!("{}:{}: {}", p.line, p.column, p.message)),
    }
}

/// The card at each of `blobs`, in order, read on as many threads as
/// there are cores (each with its own repository handle).
fn versions_of(root: &Path, blobs: &[Option<Oid>]) -> Result<Vec<Version>> {
    git::on_every_core(root, blobs, 16, |repo, part| {
        Ok(part.iter().map(|b| card_at(repo, *b)).collect())
    })
}

/// A one-line change that says something about the file, not a field.
fn about_file(what: String) -> FieldChange {
    FieldChange::new("file", None, Some(what))
}

/// Whether a commit names this card: a card trailer (at least
/// four characters of its id) or `lanes#<short id>` in its message.
fn names_card(c: &super::CommitInfo, id: &str) -> bool {
    let short = crate::model::id::short(id);
    c.cards
        .iter()
        .any(|v| v.len() >= 4 && id.starts_with(v.as_str()))
        || c.mentions.iter().any(|m| m.starts_with(short))
}

/// Every change to the card `card_id` (full id), in the order the board
/// history has them (so a card's log and the flow metrics agree), plus
/// the commits that name it.
pub fn timeline(root: &Path, card_id: &str) -> Result<Vec<Entry>> {
    timeline_in(root, &super::board_history(root)?, card_id)
}

/// [`timeline`] from a history already read.
pub fn timeline_in(root: &Path, history: &super::History, card_id: &str) -> Result<Vec<Entry>> {
    // Every version of the card, read and parsed on every core (a card
    // with a long journal has hundreds of long versions).
    let blobs: Vec<Option<Oid>> = history.of_card(card_id).map(|c| c.blob).collect();
    let mut versions = versions_of(root, &blobs)?.into_iter();
    // (time, generation, commit) of each entry, to put links in place.
    let mut out: Vec<((i64, u32, String), Entry)> = Vec::new();
    let mut last_readable: Option<Box<Card>> = None;
    // The commit of the last version read (short id).
    let mut last_commit: Option<String> = None;
    // Set while versions are not in this clone: at the commit of the first.
    let mut gap_since: Option<usize> = None;
    let mut was_unreadable = false;
    let mut changed = HashSet::new();
    for ch in history.of_card(card_id) {
        let c = &history.commits[ch.commit];
        changed.insert(ch.commit);
        let mut incomplete = false;
        let version = match versions.next().unwrap_or(Version::Absent) {
            // Marked missing when the history was read (and not fetched).
            _ if ch.missing => Version::Missing,
            v => v,
        };
        let mut entry_changes = match version {
            Version::Missing => {
                incomplete = true;
                gap_since.get_or_insert(ch.commit);
                vec![about_file(
                    "this version is not in this clone (a partial clone that could not fetch it): what changed is unknown".into(),
                )]
            }
            Version::Unreadable(why) => vec![about_file(format!("made unreadable ({why})"))],
            version => {
                let after = match version {
                    Version::Card(c) => Some(c),
                    _ => None,
                };
                // Compare with the last version that could be read.
                let mut changes = diff_cards(last_readable.as_deref(), after.as_deref());
                if was_unreadable && after.is_some() {
                    changes.retain(|c| c.field != "card");
                    changes.insert(0, about_file("readable again".into()));
                }
                if gap_since.take().is_some() {
                    // The versions between are not here: this is what
                    // changed since the last one that is.
                    incomplete = true;
                    changes.retain(|c| c.field != "card");
                    let same = if changes.is_empty() {
                        "; no field differs from it"
                    } else {
                        ""
                    };
                    changes.insert(
                        0,
                        about_file(match &last_commit {
                            Some(s) => format!("compared with its version in {s} (the versions between are not in this clone){same}"),
                            None => "the versions before are not in this clone".to_string(),
                        }),
                    );
                }
                if history.is_cut(ch.commit) && last_readable.is_none() && after.is_some() {
                    // A shallow clone's first commit: the card was here
                    // already, not created.
                    incomplete = true;
                    changes.retain(|c| c.field != "card");
                    changes.insert(
                        0,
                        about_file(
                            "history starts here (a shallow clone: earlier versions are not in this clone)".into(),
                        ),
                    );
                }
                last_readable = after;
                last_commit = Some(c.id[..8.min(c.id.len())].to_string());
                changes
            }
        };
        was_unreadable = entry_changes.first().is_some_and(|c| {
            c.after
                .as_deref()
                .is_some_and(|a| a.starts_with("made unreadable"))
        });
        if entry_changes.is_empty() {
            entry_changes.push(about_file("rewritten (no field changed)".into()));
        }
        out.push((
            (ch.time, c.generation, c.id.clone()),
            Entry {
                commit: c.id.clone(),
                author: c.author.clone(),
                time: ch.time,
                at: crate::model::date::format_timestamp(ch.time),
                subject: c.subject.clone(),
                action: c.action.clone(),
                agent: c.agent.clone(),
                link: false,
                changes: entry_changes,
                incomplete,
            },
        ));
    }
    for (i, c) in history.commits.iter().enumerate() {
        if !changed.contains(&i) && names_card(c, card_id) {
            out.push((
                (c.time, c.generation, c.id.clone()),
                Entry {
                    commit: c.id.clone(),
                    author: c.author.clone(),
                    time: c.time,
                    at: crate::model::date::format_timestamp(c.time),
                    subject: c.subject.clone(),
                    action: c.action.clone(),
                    agent: c.agent.clone(),
                    link: true,
                    changes: Vec::new(),
                    incomplete: false,
                },
            ));
        }
    }
    // Stable: a card's changes keep the history's order.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out.into_iter().map(|(_, e)| e).collect())
}

/// Keep only the changes to `fields` (dotted names; a group such as
/// `hypothesis` takes every field in it), and the entries that have one.
/// An entry keeps its `created` line, and an entry whose changes are not
/// all known here (see [`Entry::incomplete`]) is kept with what is said
/// about it, since it may have changed the field.
pub fn only_fields(entries: &mut Vec<Entry>, fields: &[String]) {
    let wanted = |c: &FieldChange| fields.iter().any(|f| c.is_of(f));
    entries.retain_mut(|e| {
        let hit = e.changes.iter().any(wanted);
        let unknown = e.incomplete && e.changes.iter().any(|c| c.field == "file");
        if e.link || !(hit || unknown) {
            return false;
        }
        e.changes
            .retain(|c| wanted(c) || c.field == "card" || c.field == "file");
        true
    });
}

/// The fields that changed in these entries, in the order first seen.
pub fn changed_fields(entries: &[Entry]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in entries.iter().flat_map(|e| &e.changes) {
        if !matches!(c.field.as_str(), "card" | "file") && !out.contains(&c.field) {
            out.push(c.field.clone());
        }
    }
    out
}

/// A journal entry as one line.
pub fn journal_line(j: &JournalEntry) -> String {
    format!(
        "{} {}: {}",
        j.at,
        j.by,
        crate::model::text::clean_line(&j.text, 100)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_fields_from_the_table_change_item_by_item() {
        let map = |s: &str| match serde_yaml::from_str::<Value>(s).unwrap() {
            Value::Mapping(m) => m,
            _ => unreachable!(),
        };
        let mut out = Vec::new();
        diff_map(
            "",
            &map("depends_on: [a1, b1]\nparent: p1\nlabels: [x]\n"),
            &map("depends_on: [b1, c1]\nlabels: [x, y]\nconflicts: [{field: title}]\n"),
            &mut out,
        );
        let lines: Vec<String> = out.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "depends_on: + c1",
                "depends_on: - a1",
                "parent: p1 -> (none)",
                "labels: + y",
                "conflicts: (none) -> conflict on title",
            ]
        );
    }
}
