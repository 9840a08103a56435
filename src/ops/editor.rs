//! Editing a card in the user's `$EDITOR`: a copy is edited, validated, and
//! only then written and committed; rejected text is kept in a recovery file.

use super::{apply, Action, Outcome};
use crate::git;
use crate::merge::{self, Side};
use crate::model::{date, id, Card};
use crate::store::cache::Scratch;
use crate::store::{self, Board};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// A folder for lanes' own scratch files, inside `.git/` so it is never
/// committed and never seen by the board watcher.
pub fn scratch_dir(root: &Path) -> Result<PathBuf> {
    Ok(scratch(root)?.path().to_path_buf())
}

/// [`scratch_dir`] as lanes' folder, created.
fn scratch(root: &Path) -> Result<Scratch> {
    let scratch = match git::open(root) {
        Ok(repo) => Scratch::in_git_dir(repo.path()),
        // No repository: a folder of lanes' own in the temporary folder.
        Err(_) => Scratch::in_git_dir(&std::env::temp_dir()),
    };
    scratch
        .create()
        .with_context(|| format!("cannot create {}", scratch.path().display()))?;
    Ok(scratch)
}

/// Where to keep a user's rejected edit of a card.
pub fn recovery_path(root: &Path, card_id: &str) -> Result<PathBuf> {
    let dir = scratch(root)?.file(store::cache::RECOVERY);
    std::fs::create_dir_all(&dir)?;
    let stamp = date::format_timestamp(date::now_secs()).replace(':', "");
    Ok(dir.join(format!("{card_id}-{stamp}.yaml")))
}

/// The editor command: `$VISUAL`, then `$EDITOR`, then `vi`.
pub fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| crate::env::Env::get().text(v).map(str::to_string))
        .find(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

/// Run the user's editor on a file and wait for it.
pub fn run_editor(path: &Path) -> Result<()> {
    let editor = editor_command();
    // Through the shell, so that EDITOR="code --wait" works as in git.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .arg(path)
        .status()
        .with_context(|| format!("cannot start the editor {editor:?}"))?;
    if !status.success() {
        bail!(
            "the editor {editor:?} exited with {status}; nothing was changed (your text is in {})",
            path.display()
        );
    }
    Ok(())
}

/// What came of an editing session.
#[derive(Debug)]
pub enum Edited {
    /// The user saved no change.
    Unchanged(String),
    /// The change was written (and committed unless the board is manual).
    Applied(Outcome),
    /// The card changed on disk meanwhile and both changed the same
    /// fields: the user must choose.
    Conflict(EditConflict),
}

/// How to settle fields both the user and someone else changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// The user's values.
    Mine,
    /// The values on disk.
    Theirs,
    /// The values on disk, with the user's recorded in the journal.
    Both,
}

/// An edit that collided with a change on disk.
#[derive(Debug, PartialEq)]
pub struct EditConflict {
    pub root: PathBuf,
    pub card_id: String,
    base: Option<Card>,
    mine: Card,
    theirs: Card,
    /// The fields both sides changed, with both values.
    pub conflicts: Vec<merge::Conflict>,
    /// The user's text, kept until the conflict is settled.
    pub recovery: PathBuf,
}

impl EditConflict {
    /// One line per conflicting field: `title: yours "A", on disk "B"`.
    pub fn describe(&self) -> Vec<String> {
        self.conflicts
            .iter()
            .map(|c| {
                format!(
                    "{}: yours {}, on disk {}",
                    if c.field.is_empty() { "card" } else { &c.field },
                    super::message::brief(&c.ours),
                    super::message::brief(&c.theirs)
                )
            })
            .collect()
    }

    /// Write the merged card the user chose and commit it.
    pub fn resolve(self, ctx: &super::Context, choice: Choice) -> Result<Outcome> {
        let winner = match choice {
            Choice::Mine => Side::Ours,
            Choice::Theirs | Choice::Both => Side::Theirs,
        };
        let mut merged = merge::merge_card(self.base.as_ref(), &self.mine, &self.theirs, winner);
        if choice == Choice::Both {
            let by = super::author_name(ctx, &self.root);
            let lines: Vec<String> = merged
                .conflicts
                .iter()
                .map(|c| format!("{}: {}", c.field, super::message::brief(&c.ours)))
                .collect();
            merged.card.journal.push(crate::model::JournalEntry {
                at: date::format_timestamp(ctx.now()),
                by,
                text: format!(
                    "Kept the values on disk; my edit had:\n{}",
                    lines.join("\n")
                ),
                extra: Default::default(),
            });
        }
        let rel = store::card_path(&self.card_id);
        let current = store::read_if_exists(&self.root, &rel)
            .ok()
            .flatten()
            .and_then(|b| String::from_utf8(b).ok());
        let text = store::render_card(&merged.card, current.as_deref());
        let outcome = apply(
            ctx,
            &self.root,
            Action::Replace {
                card: self.card_id.clone(),
                text,
            },
        )?;
        let _ = std::fs::remove_file(&self.recovery);
        Ok(outcome)
    }
}

/// A card file copied out for editing.
pub struct EditSession {
    pub root: PathBuf,
    pub card_id: String,
    pub original: String,
    /// The copy the editor works on.
    pub path: PathBuf,
}

impl EditSession {
    /// Copy the card (by id or prefix; a malformed card can be edited too).
    pub fn start(root: &Path, query: &str) -> Result<EditSession> {
        let board = Board::load(root)?;
        let card_id = board.resolve_id(query)?;
        let rel = store::card_path(&card_id);
        let original = String::from_utf8(store::read_board_file(root, &rel)?)
            .map_err(|_| anyhow::anyhow!("{rel} is not UTF-8 text"))?;
        let path = scratch(root)?.edit_copy(&card_id);
        std::fs::write(&path, &original)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(EditSession {
            root: root.to_path_buf(),
            card_id,
            original,
            path,
        })
    }

    /// After the editor exits: validate and apply, or keep the user's text
    /// in a recovery file named in the error.
    pub fn finish(self, ctx: &super::Context) -> Result<Edited> {
        let text = store::read_user_file(&self.path)?;
        if text == self.original {
            let _ = std::fs::remove_file(&self.path);
            return Ok(Edited::Unchanged(format!(
                "no changes to {}",
                id::short(&self.card_id)
            )));
        }
        // Someone changed the card while it was being edited: merge field
        // by field rather than overwrite their change.
        let rel = store::card_path(&self.card_id);
        let on_disk = store::read_if_exists(&self.root, &rel)
            .ok()
            .flatten()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        let text = if on_disk != self.original {
            let mine = store::parse_card(&rel, text.as_bytes());
            let theirs = store::parse_card(&rel, on_disk.as_bytes());
            match (mine, theirs) {
                (Ok(mine), Ok(theirs)) => {
                    let base = store::parse_card(&rel, self.original.as_bytes())
                        .ok()
                        .map(|l| l.card);
                    let merged =
                        merge::merge_card(base.as_ref(), &mine.card, &theirs.card, Side::Ours);
                    if !merged.conflicts.is_empty() {
                        let keep = recovery_path(&self.root, &self.card_id)?;
                        std::fs::write(&keep, &text)?;
                        let _ = std::fs::remove_file(&self.path);
                        return Ok(Edited::Conflict(EditConflict {
                            root: self.root.clone(),
                            card_id: self.card_id.clone(),
                            base,
                            mine: mine.card,
                            theirs: theirs.card,
                            conflicts: merged.conflicts,
                            recovery: keep,
                        }));
                    }
                    store::render_card(&merged.card, Some(&on_disk))
                }
                // Invalid text is refused below, with a recovery file.
                _ => text,
            }
        } else {
            text
        };
        let action = Action::Replace {
            card: self.card_id.clone(),
            text,
        };
        match apply(ctx, &self.root, action) {
            Ok(outcome) => {
                let _ = std::fs::remove_file(&self.path);
                Ok(Edited::Applied(outcome))
            }
            Err(e) => {
                let keep = recovery_path(&self.root, &self.card_id)?;
                std::fs::rename(&self.path, &keep)
                    .or_else(|_| std::fs::copy(&self.path, &keep).map(|_| ()))?;
                bail!(
                    "{e:#}\nthe card was not changed; your text is kept in {}\nfix it and apply it with `lanes edit {} --file {}`",
                    keep.display(),
                    id::short(&self.card_id),
                    keep.display()
                )
            }
        }
    }
}

/// The whole `lanes edit CARD` flow for a terminal that is ours.
pub fn edit_in_editor(ctx: &super::Context, root: &Path, query: &str) -> Result<Edited> {
    let session = EditSession::start(root, query)?;
    run_editor(&session.path)?;
    session.finish(ctx)
}
