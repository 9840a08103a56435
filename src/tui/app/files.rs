//! The files under the board changing on disk (another terminal, an
//! editor, `git pull`): bursts held until they settle, changed cards read
//! again on the worker, the whole board read again when only that will
//! do (at most one read running and one waiting).

use super::{About, App, Effect, Reload, Work};
use crate::watch::{CardFile, Changes};

impl App {
    /// What to do first when the screen opens: read the repository's
    /// state, and the whole board if only its top was read.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut effects = vec![Effect::Status];
        if self.board.is_partial() {
            effects.extend(self.request_reload());
        } else {
            effects.extend(self.check_stale());
        }
        effects
    }

    /// The watcher says files changed (its batches since the last call
    /// folded into one; none is fine). A big burst is held until the files
    /// are quiet (see `watch::Settle`); one held before is taken in once
    /// it is due.
    pub fn on_files(&mut self, files: Changes) -> Vec<Effect> {
        let mut effects = Vec::new();
        if !files.is_empty() {
            if let Some(now) = self.settle.offer(files, self.now) {
                effects = self.take_in(now);
            }
        }
        if let Some(burst) = self.settle.take_due(self.now) {
            effects.extend(self.take_in(burst));
        }
        effects
    }

    /// Changes to take in now.
    fn take_in(&mut self, files: Changes) -> Vec<Effect> {
        let mut effects = Vec::new();
        if files.git {
            effects.push(Effect::Status);
        }
        if let Some(e) = files.errors.first() {
            self.set_message(format!("watcher: {e}"), true);
        }
        if files.needs_full_reload() || self.board_missing.is_some() {
            effects.push(Effect::Rewatch);
            effects.extend(self.request_reload());
        } else if self.board.is_partial() && !files.cards.is_empty() {
            // Changed cards may be among those not loaded yet.
            effects.extend(self.request_reload());
        } else if !files.cards.is_empty() {
            // The evidence is checked again once they are read.
            effects.push(Effect::ReadCards(files.cards));
        } else {
            // `dvc.lock` or a store may have changed with the branch.
            effects.extend(self.check_stale());
        }
        effects
    }

    /// Read the whole board again: at once, or after the read running now.
    pub fn request_reload(&mut self) -> Option<Effect> {
        match self.reload {
            Reload::Idle => {
                self.reload = Reload::Running;
                self.work = Work::Running("reloading".into());
                Some(Effect::Reload)
            }
            _ => {
                self.reload = Reload::RunningAndWanted;
                None
            }
        }
    }

    /// A full read ended: the one waiting, if files changed meanwhile.
    pub(super) fn reload_done(&mut self) -> Option<Effect> {
        match self.reload {
            Reload::RunningAndWanted => {
                self.reload = Reload::Running;
                self.work = Work::Running("reloading".into());
                Some(Effect::Reload)
            }
            _ => {
                self.reload = Reload::Idle;
                None
            }
        }
    }

    /// Only the top of the board is loaded and the rest is being read:
    /// keys and clicks wait for it.
    pub fn waiting_for_board(&self) -> bool {
        self.board.is_partial() && self.reload != Reload::Idle
    }

    /// Check the evidence of the cards that have some, on the worker.
    pub fn check_stale(&mut self) -> Option<Effect> {
        let cards = self.evidence_cards();
        if cards.is_empty() {
            self.stale.clear();
            return None;
        }
        Some(Effect::CheckStale(cards))
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
