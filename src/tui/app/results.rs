//! Results from the worker and the watcher: what changed, and what to
//! say about it.

use super::{
    About, App, Effect, Level, Mode, Pending, Prompt, Purpose, RepoStatus, SyncState, Work,
};
use crate::ops::{self, editor};
use crate::store::Board;
use crate::tui::command::KeyCommand;
use std::path::PathBuf;

impl App {
    /// An action finished on the worker.
    pub fn on_applied(&mut self, result: Result<ops::Outcome, ops::Error>) {
        self.work = Work::Idle;
        match result {
            Ok(outcome) => {
                let changed = outcome.commit.is_some()
                    || outcome.written.is_some()
                    || !outcome.changed.is_empty();
                self.set_message(outcome.summary.clone(), false);
                if !changed {
                    return;
                }
                // The card as it was: whether it is new, or changed lane.
                let before = self.board.card(&outcome.card).map(|c| c.lane.clone());
                let written = outcome.written.as_ref().filter(|c| !c.archived);
                let moved_into = written
                    .filter(|c| before.as_deref() != Some(c.lane.as_str()))
                    .map(|c| c.lane.clone());
                if let Some(c) = written.filter(|_| before.is_none()) {
                    // A new card stays in sight even if the filter would
                    // hide it.
                    if !self.filter.is_empty() && !self.filter.matches(c) {
                        self.keep_visible = Some(c.id.clone());
                    }
                }
                match &outcome.written {
                    Some(card) => self.upsert(card.clone()),
                    None => self.remove(&outcome.card),
                }
                if outcome.commit.is_none() && !outcome.changed.is_empty() {
                    self.status.uncommitted += 1;
                }
                self.selected_id = written.map(|c| c.id.clone()).or(self.selected_id.take());
                self.rebuild();
                if let Some(lane) = moved_into {
                    self.warn_wip(&lane, &outcome.summary);
                }
            }
            Err(e) => self.failed(e),
        }
    }

    /// A change failed: told by its kind. A conflict asks which value to
    /// keep.
    pub(super) fn failed(&mut self, e: ops::Error) {
        self.work = Work::Idle;
        match e {
            ops::Error::Conflict(c) => self.on_conflict(Pending::Field(*c)),
            e => {
                let (level, text) = failure(&e);
                // A refusal says why and the way out (a link's cycle,
                // named): whole, as an error is, when the status line
                // would cut it.
                let long = crate::tui::text::width(&text) + 30 > usize::from(self.size.width);
                self.say(text, level, None);
                if e.kind() == ops::Kind::Refused && long {
                    self.message_open = true;
                }
            }
        }
    }

    /// What `r` offers for a card was read: its recent runs, or the keys
    /// of recent runs when none logged its metric. Ask which one.
    pub fn on_runs(&mut self, card: String, offer: crate::evidence::pick::Offer) {
        if self.board.card(&card).is_none() {
            return;
        }
        let mut p = Prompt::new(Purpose::Evidence { card: card.clone() }, String::new());
        p.seen = self.board.card(&card).cloned();
        if !offer.choices.is_empty() {
            self.set_message(
                format!(
                    "{} to pick from: Tab goes through them",
                    offer.choices.len()
                ),
                false,
            );
        }
        p.choices = offer.choices;
        p.about = Some(offer.about);
        self.mode = Mode::Prompt(p);
    }

    /// An undo or redo finished on the worker: say what it did (the board
    /// is read again by the event loop).
    pub fn on_undone(&mut self, result: Result<String, ops::Error>) {
        self.work = Work::Idle;
        match result {
            Ok(summary) => self.set_message(summary, false),
            Err(e) => self.failed(e),
        }
    }

    /// Say so when a change took a lane past its WIP limit.
    pub(super) fn warn_wip(&mut self, lane: &str, summary: &str) {
        let Some(def) = self.board.config.lane(lane) else {
            return;
        };
        let Some(limit) = def.wip else {
            return;
        };
        let count = self
            .board
            .cards
            .iter()
            .filter(|c| !c.archived && c.lane == lane)
            .count()
            + self
                .board
                .omitted
                .iter()
                .filter(|(l, _)| l == lane)
                .map(|(_, n)| n)
                .sum::<usize>();
        if count as u32 > limit {
            self.warn(format!(
                "{summary} · {} is over its WIP limit: {count}/{limit}",
                def.title
            ));
        }
    }

    /// A sync finished on the worker.
    pub fn on_synced(&mut self, result: Result<crate::sync::Report, ops::Error>, now: i64) {
        match result {
            Ok(report) => {
                let summary = report.summary();
                let level = if report.offline.is_some() {
                    Level::Warn
                } else {
                    Level::Info
                };
                self.say(summary.clone(), level, Some(About::Sync));
                self.sync = match &report.offline {
                    Some(_) => SyncState::Failed {
                        message: format!("offline · {} ahead", report.ahead),
                        at: now,
                    },
                    None => SyncState::Done { summary, at: now },
                };
                if !report.changed.is_empty() {
                    let hint = self.keymap.hint(KeyCommand::Changes);
                    self.say(
                        format!("{} · {hint}: what changed", report.summary()),
                        Level::Info,
                        Some(About::Sync),
                    );
                }
                self.last_sync = Some(report);
            }
            Err(e) => {
                let (level, text) = failure(&e);
                self.say(text.clone(), level, Some(About::Sync));
                self.sync = SyncState::Failed {
                    message: text.lines().next().unwrap_or("failed").to_string(),
                    at: now,
                };
            }
        }
    }

    /// A fresh board read from disk.
    pub fn on_loaded(&mut self, board: Board) {
        self.board = board;
        self.board_missing = None;
        self.resolved(&About::Board);
        if std::mem::take(&mut self.announce_reload) {
            let n = self.board.cards.iter().filter(|c| !c.archived).count();
            let problems = self.board.problems.len();
            self.set_message(
                match problems {
                    0 => format!(
                        "reloaded: {}",
                        crate::model::text::count(n, "card", "cards")
                    ),
                    p => format!(
                        "reloaded: {}, {}",
                        crate::model::text::count(n, "card", "cards"),
                        crate::model::text::count(p, "unreadable file", "unreadable files")
                    ),
                },
                problems > 0,
            );
        }
        let stale = match self.message.as_ref().and_then(|m| m.about.as_ref()) {
            Some(About::File(f)) => !self.board.problems.iter().any(|p| p.path == *f),
            _ => false,
        };
        if stale {
            self.message = None;
            self.message_open = false;
        }
        // board.yaml may have new views, or mended ones.
        self.refresh_views();
        self.rebuild();
    }

    /// The repository's state, read again. A failed sync stops being news
    /// once the branch is level with its upstream (a sync from the CLI, a
    /// `git pull`).
    pub fn on_status(&mut self, status: RepoStatus) {
        if matches!(self.sync, SyncState::Failed { .. }) && status.ahead_behind == Some((0, 0)) {
            self.sync = SyncState::Never;
            self.resolved(&About::Sync);
        }
        self.status = status;
    }

    /// The card came back from $EDITOR.
    pub fn on_edited(&mut self, result: anyhow::Result<editor::Edited>) -> Vec<Effect> {
        match result {
            Ok(editor::Edited::Applied(outcome)) => {
                self.on_applied(Ok(outcome));
                let mut effects = vec![Effect::Status];
                effects.extend(self.check_stale());
                return effects;
            }
            Ok(editor::Edited::Unchanged(msg)) => self.set_message(msg, false),
            Ok(editor::Edited::Conflict(c)) => self.on_conflict(Pending::Edit(c)),
            Err(e) => self.set_message(format!("{e:#}"), true),
        }
        Vec::new()
    }

    /// A journal note came back from $EDITOR: the note and the file that
    /// holds it until it is committed, or None if it was left empty.
    pub fn on_note_written(
        &mut self,
        card: String,
        result: anyhow::Result<Option<(String, PathBuf)>>,
    ) -> Vec<Effect> {
        match result {
            Ok(Some((text, kept))) => {
                return vec![Effect::Apply {
                    action: ops::Action::Note { card, text },
                    note: Some(kept),
                }]
            }
            Ok(None) => self.set_message("empty note: nothing added", false),
            Err(e) => self.set_message(format!("{e:#}"), true),
        }
        Vec::new()
    }
}

/// How a failure reads on the status line, by its kind: a held lock is
/// to be waited out, a refusal or a missing card is the board's rules
/// speaking (nothing changed either way); anything else is an error.
pub fn failure(e: &ops::Error) -> (Level, String) {
    use ops::Kind;
    match e.kind() {
        Kind::Busy => (Level::Warn, format!("busy: try again in a moment · {e}")),
        Kind::Refused => (Level::Warn, format!("refused: {e}")),
        Kind::NotFound => (Level::Warn, format!("not found: {e}")),
        Kind::Conflict | Kind::Problem | Kind::HookFailed | Kind::Failed => {
            (Level::Error, e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_said_by_its_kind() {
        let said = |e: anyhow::Error| failure(&ops::Error::from(e));
        let (level, text) = said(ops::busy("index.lock exists"));
        assert_eq!(level, Level::Warn);
        assert_eq!(text, "busy: try again in a moment · index.lock exists");
        assert_eq!(
            said(ops::refused("the journal is append-only")),
            (Level::Warn, "refused: the journal is append-only".into())
        );
        assert_eq!(
            said(ops::not_found("no card \"zz\"")),
            (Level::Warn, "not found: no card \"zz\"".into())
        );
        assert_eq!(
            said(anyhow::anyhow!("disk full")),
            (Level::Error, "disk full".into())
        );
    }
}
