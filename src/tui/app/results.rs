//! Results from the worker and the watcher: what changed, and what to
//! say about it.

use super::{About, App, Level, Mode, Prompt, Purpose, RepoStatus, SyncState, Work};
use crate::ops;
use crate::store::Board;
use crate::tui::command::KeyCommand;
use crate::watch::CardFile;

impl App {
    /// An action finished on the worker.
    pub fn on_applied(&mut self, result: Result<ops::Outcome, String>) {
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
            Err(e) => self.set_message(e, true),
        }
    }

    /// The recent runs of a card's metric were read: ask which one.
    pub fn on_runs(
        &mut self,
        card: String,
        runs: Result<Vec<crate::evidence::mlflow::Recent>, String>,
    ) {
        if self.board.card(&card).is_none() {
            return;
        }
        let mut p = Prompt::new(Purpose::Evidence { card: card.clone() }, String::new());
        p.seen = self.board.card(&card).cloned();
        match runs {
            Ok(runs) if !runs.is_empty() => {
                p.choices = runs
                    .iter()
                    .map(|r| {
                        let at = crate::model::date::format_timestamp(r.start_ms.div_euclid(1000));
                        (
                            format!("mlflow:{}", r.id),
                            format!(
                                "{} · started {}",
                                crate::evidence::show_number(r.value),
                                at[..16].replace('T', " ")
                            ),
                        )
                    })
                    .collect();
                self.set_message(
                    format!("{} recent runs: Tab goes through them", runs.len()),
                    false,
                );
            }
            // Shown beside the empty prompt, which hides the status line.
            Ok(_) => {
                p.current = Some(
                    "no run in the store logged this metric: type a run id or dvc:PATH#key".into(),
                );
            }
            Err(e) => {
                let first = e.lines().next().unwrap_or_default().to_string();
                p.current = Some(format!("{first}; type mlflow:ID or dvc:PATH#key"));
                self.log.push(&e, Level::Info, self.wall);
            }
        }
        self.mode = Mode::Prompt(p);
    }

    /// An undo or redo finished on the worker: say what it did (the board
    /// is read again by the event loop).
    pub fn on_undone(&mut self, result: Result<String, String>) {
        self.work = Work::Idle;
        match result {
            Ok(summary) => self.set_message(summary, false),
            Err(e) => self.set_message(e, true),
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
    pub fn on_synced(&mut self, result: Result<crate::sync::Report, String>, now: i64) {
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
                self.say(e.clone(), Level::Error, Some(About::Sync));
                self.sync = SyncState::Failed {
                    message: e.lines().next().unwrap_or("failed").to_string(),
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
                    0 => format!("reloaded: {n} cards"),
                    p => format!("reloaded: {n} cards, {p} unreadable files"),
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

    /// Cards changed on disk (by someone else, an editor, `git pull`...).
    /// Returns whether anything on the board changed: the app's own writes
    /// come back identical and change nothing.
    pub fn on_card_files(&mut self, files: Vec<(String, CardFile)>) -> bool {
        let mut changed = false;
        for (id, state) in files {
            let rel = crate::store::card_path(&id);
            match state {
                CardFile::Card(card) => {
                    if self.board.problems.iter().any(|p| p.path == rel) {
                        // A file that did not read now does: its error goes.
                        self.board.problems.retain(|p| p.path != rel);
                        self.resolved(&About::File(rel.clone()));
                        self.set_message(format!("{rel} reads again"), false);
                        changed = true;
                    }
                    if self.board.card(&id) != Some(&*card) {
                        self.board.upsert(*card);
                        changed = true;
                    }
                }
                CardFile::Broken(problem) => {
                    let known = self.board.problems.contains(&problem);
                    if !known || self.board.card(&id).is_some() {
                        self.board.remove(&id);
                        self.board.problems.retain(|p| p.path != rel);
                        self.board.problems.push(problem);
                        self.board.problems.sort_by(|a, b| a.path.cmp(&b.path));
                        if let Err(pos) = self.board.file_ids.binary_search(&id) {
                            self.board.file_ids.insert(pos, id.clone());
                        }
                        changed = true;
                    }
                }
                CardFile::Gone => {
                    let had = self.board.card(&id).is_some()
                        || self.board.problems.iter().any(|p| p.path == rel);
                    if had {
                        self.remove(&id);
                        self.board.problems.retain(|p| p.path != rel);
                        changed = true;
                    }
                }
            }
        }
        if changed {
            self.rebuild();
        }
        changed
    }
}
