//! One card's history: every commit that changed it, as field changes a
//! person can read, plus commits elsewhere that name it (`Lanes-Card: <id>`
//! or `lanes#<short id>` in the message).

use super::{board_tree, commit_info};
use crate::git;
use crate::model::{Card, JournalEntry};
use crate::store::{self, BOARD_DIR};
use anyhow::Result;
use git2::{Oid, Repository, Sort};
use serde_yaml::{Mapping, Value};
use std::collections::HashMap;
use std::path::Path;

/// One field's change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldChange {
    /// Dotted field name (`lane`, `hypothesis.result`, `journal`).
    pub field: String,
    /// Value before (None: absent).
    pub before: Option<String>,
    /// Value after (None: removed).
    pub after: Option<String>,
}

impl std::fmt::Display for FieldChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.field.as_str(), &self.before, &self.after) {
            ("card", None, Some(_)) => write!(f, "created"),
            ("card", Some(_), None) => write!(f, "deleted"),
            ("journal", _, Some(a)) => write!(f, "journal: + {a:?}"),
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

fn is_set(field: &str) -> bool {
    matches!(field, "labels" | "assignees" | "experiment.runs")
}

/// One commit in a card's timeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub commit: String,
    pub author: String,
    /// Seconds since the epoch (author time).
    pub time: i64,
    pub subject: String,
    /// `Lanes-Action` of lanes' own commits; None for hand edits and
    /// plain git.
    pub action: Option<String>,
    /// True when the commit names the card but does not change its file
    /// (training code, an experiment run).
    pub link: bool,
    pub changes: Vec<FieldChange>,
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
        match name.as_str() {
            "journal" => {
                let old = seq(x);
                for e in seq(y) {
                    if !old.contains(&e) {
                        let t = e.get("text").map(text).unwrap_or_default();
                        out.push(FieldChange {
                            field: "journal".into(),
                            before: None,
                            after: Some(crate::ops::clean_line(&t, 120)),
                        });
                    }
                }
            }
            "labels" | "assignees" | "experiment.runs" | "checklist" | "conflicts" => {
                let (old, new) = (seq(x), seq(y));
                let show = |v: &Value| match v.get("text") {
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
                };
                for v in new.iter().filter(|v| !old.contains(v)) {
                    out.push(FieldChange {
                        field: name.clone(),
                        before: None,
                        after: Some(show(v)),
                    });
                }
                for v in old.iter().filter(|v| !new.contains(v)) {
                    out.push(FieldChange {
                        field: name.clone(),
                        before: Some(show(v)),
                        after: None,
                    });
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
                _ => out.push(FieldChange {
                    field: name,
                    before: x.map(text).map(|s| crate::ops::clean_line(&s, 120)),
                    after: y.map(text).map(|s| crate::ops::clean_line(&s, 120)),
                }),
            },
        }
    }
}

/// The field changes from one version of a card to the next.
pub fn diff_cards(before: Option<&Card>, after: Option<&Card>) -> Vec<FieldChange> {
    let mut out = Vec::new();
    match (before, after) {
        (None, None) => {}
        (None, Some(_)) => out.push(FieldChange {
            field: "card".into(),
            before: None,
            after: Some("created".into()),
        }),
        (Some(_), None) => out.push(FieldChange {
            field: "card".into(),
            before: Some("existed".into()),
            after: None,
        }),
        _ => {}
    }
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
    if before.is_none() {
        // A new card: say where it started, not every field.
        changes.retain(|c| matches!(c.field.as_str(), "lane" | "title" | "kind"));
    }
    if after.is_none() {
        // A removed card: that is the news, not each field going.
        changes.clear();
    }
    changes.retain(|c| c.field != "id");
    out.extend(changes);
    out
}

fn cards_id(repo: &Repository, tree: &git2::Tree, board_dir: &str) -> Option<Oid> {
    board_tree(repo, tree, board_dir)?
        .get_name("cards")
        .map(|e| e.id())
}

/// A version of the card file: absent, readable, or there but unreadable.
enum Version {
    Absent,
    Card(Box<Card>),
    Unreadable(String),
}

fn card_at(repo: &Repository, blob: Option<Oid>) -> Version {
    let Some(b) = blob.and_then(|b| repo.find_blob(b).ok()) else {
        return Version::Absent;
    };
    match store::parse_card("", b.content()) {
        Ok(l) => Version::Card(Box::new(l.card)),
        Err(p) => Version::Unreadable(format!("{}:{}: {}", p.line, p.column, p.message)),
    }
}

/// Whether a commit message names this card.
fn names_card(msg: &str, id: &str) -> bool {
    let short = crate::model::id::short(id);
    msg.lines().any(|l| {
        l.strip_prefix("Lanes-Card:")
            .map(|v| {
                let v = v.trim();
                v.len() >= 4 && id.starts_with(v)
            })
            .unwrap_or(false)
    }) || msg.contains(&format!("lanes#{short}"))
}

/// Every commit that changed the card `card_id` (full id), oldest first,
/// plus commits that name it.
pub fn timeline(root: &Path, card_id: &str) -> Result<Vec<Entry>> {
    let repo = git::open(root)?;
    let board_dir = format!("{}{BOARD_DIR}/", git::repo_path(&repo, root, "")?);
    let Some(head) = repo.head().ok().and_then(|h| h.target()) else {
        return Ok(Vec::new());
    };
    let odb = repo.odb()?;
    // `<mode> <id>.yaml\0<20-byte id>` in a raw tree: found by a byte
    // search, without parsing the cards folder's thousands of entries.
    let needle = format!(" {card_id}.yaml\0").into_bytes();
    let mut folder_of: HashMap<Oid, Option<Oid>> = HashMap::new();
    let mut blob_in: HashMap<Oid, Option<Oid>> = HashMap::new();
    let mut cards_folder = |commit: &git2::Commit| -> Option<Oid> {
        *folder_of.entry(commit.id()).or_insert_with(|| {
            commit
                .tree()
                .ok()
                .and_then(|t| cards_id(&repo, &t, &board_dir))
        })
    };
    let mut card_blob = |folder: Option<Oid>| -> Option<Oid> {
        let folder = folder?;
        *blob_in.entry(folder).or_insert_with(|| {
            let obj = odb.read(folder).ok()?;
            let data = obj.data();
            let at = data
                .windows(needle.len())
                .position(|w| w == needle.as_slice())?
                + needle.len();
            Oid::from_bytes(data.get(at..at + 20)?).ok()
        })
    };
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)?;
    walk.push(head)?;
    let mut out = Vec::new();
    let mut last_readable: Option<Box<Card>> = None;
    let mut was_unreadable = false;
    for oid in walk {
        let c = repo.find_commit(oid?)?;
        let now_folder = cards_folder(&c);
        let parents: Vec<git2::Commit> = c.parents().collect();
        let parent_folders: Vec<Option<Oid>> = parents.iter().map(&mut cards_folder).collect();
        // Cheap test first: the cards folder itself unchanged.
        let folder_same = parent_folders.contains(&now_folder);
        let mut changed = false;
        let mut entry_changes = Vec::new();
        if !folder_same || parents.is_empty() {
            let now = card_blob(now_folder);
            let before: Vec<Option<Oid>> = parent_folders.iter().map(|f| card_blob(*f)).collect();
            // Merges count only when they changed the card themselves.
            let differs = if before.is_empty() {
                now.is_some()
            } else {
                before.iter().all(|b| *b != now)
            };
            if differs {
                changed = true;
                entry_changes = match card_at(&repo, now) {
                    Version::Unreadable(why) => vec![FieldChange {
                        field: "file".into(),
                        before: None,
                        after: Some(format!("made unreadable ({why})")),
                    }],
                    version => {
                        let after = match version {
                            Version::Card(c) => Some(c),
                            _ => None,
                        };
                        // Compare with the last version that could be read.
                        let mut changes = diff_cards(last_readable.as_deref(), after.as_deref());
                        if was_unreadable && after.is_some() {
                            changes.retain(|c| c.field != "card");
                            changes.insert(
                                0,
                                FieldChange {
                                    field: "file".into(),
                                    before: None,
                                    after: Some("readable again".into()),
                                },
                            );
                        }
                        last_readable = after;
                        changes
                    }
                };
                was_unreadable = entry_changes.first().is_some_and(|c| {
                    c.after
                        .as_deref()
                        .is_some_and(|a| a.starts_with("made unreadable"))
                });
                if entry_changes.is_empty() {
                    entry_changes.push(FieldChange {
                        field: "file".into(),
                        before: None,
                        after: Some("rewritten (no field changed)".into()),
                    });
                }
            }
        }
        let link = !changed && names_card(c.message().unwrap_or(""), card_id);
        if changed || link {
            let info = commit_info(&c);
            out.push(Entry {
                commit: info.id,
                author: info.author,
                time: info.time,
                subject: info.subject,
                action: info.action,
                link,
                changes: entry_changes,
            });
        }
    }
    Ok(out)
}

/// A journal entry as one line.
pub fn journal_line(j: &JournalEntry) -> String {
    format!(
        "{} {}: {}",
        j.at,
        j.by,
        crate::ops::clean_line(&j.text, 100)
    )
}
