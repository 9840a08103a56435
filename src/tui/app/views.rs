//! Saved views on the board: `1`-`9` show one, `0` (or Esc once no `/`
//! filter is left) shows every card again. The views in force are read
//! again whenever the board is; the one shown is kept by name.

use super::{About, App, ColumnKind, Level};
use crate::model::filter::Scope;
use crate::model::view::{self, View, Views};
use crate::tui::command::KeyCommand;

impl App {
    /// Read the views in force again: board.yaml's, then the user's (see
    /// `model::view::catalog`). Their problems are said once, when they
    /// change, and go when fixed; a view shown that is gone or can no
    /// longer be used is left.
    pub fn refresh_views(&mut self) {
        let mine = match &self.personal {
            Some(p) => p.views(&self.board.config),
            None => Views::default(),
        };
        self.views = view::catalog(&self.board.config.views, &mine)
            .into_iter()
            .cloned()
            .collect();
        if let Some(name) = self.view.clone() {
            if !self.views.iter().any(|v| v.name == name && v.view.is_ok()) {
                self.view = None;
                self.warn(format!(
                    "view {name:?} is gone or cannot be used now: all cards shown"
                ));
            }
        }
        let mut problems = self.board.config.views.problems();
        problems.extend(mine.problems());
        if problems != self.view_problems {
            if problems.is_empty() {
                self.resolved(&About::Views);
            } else {
                self.say(
                    format!(
                        "saved views lanes cannot use (the others work):\n{}",
                        problems.join("\n")
                    ),
                    Level::Error,
                    Some(About::Views),
                );
            }
            self.view_problems = problems;
        }
    }

    /// The view shown, with its index in [`App::views`].
    pub fn active_view(&self) -> Option<(usize, &View)> {
        let name = self.view.as_deref()?;
        let (i, saved) = self
            .views
            .iter()
            .enumerate()
            .find(|(_, v)| v.name == name)?;
        saved.view.as_ref().ok().map(|v| (i, v))
    }

    /// `f` with what filters need to know: who `@me` is, today, and the
    /// verdicts found stale.
    pub fn with_scope<R>(&self, f: impl FnOnce(&Scope) -> R) -> R {
        let stale = |id: &str| self.stale.contains_key(id);
        f(&Scope {
            me: &self.me,
            today: self.today,
            stale: &stale,
            linked: Default::default(),
        })
    }

    /// Cards shown on the board now (unreadable files aside).
    pub fn cards_shown(&self) -> usize {
        self.columns
            .iter()
            .filter(|c| c.kind != ColumnKind::Problems)
            .map(|c| c.items.len())
            .sum()
    }

    /// Show the view numbered `n` (from 1, as the palette and the keys
    /// count them).
    pub fn show_view(&mut self, n: usize) {
        let Some(saved) = n.checked_sub(1).and_then(|i| self.views.get(i)).cloned() else {
            let text = if self.views.is_empty() {
                "no saved views yet: add them under views: in .lanes/board.yaml (the team's) or in your config file (yours)".to_string()
            } else {
                let names: Vec<String> = self
                    .views
                    .iter()
                    .enumerate()
                    .map(|(i, v)| format!("{} {}", i + 1, v.name))
                    .collect();
                format!("no view {n}; the views are {}", names.join(", "))
            };
            self.set_message(text, false);
            return;
        };
        match &saved.view {
            Err(p) => self.say(
                format!("view {n} ({}) cannot be used: {}", saved.name, p.describe()),
                Level::Error,
                Some(About::Views),
            ),
            Ok(_) => {
                self.view = Some(saved.name.clone());
                self.keep_visible = None;
                self.rebuild();
                let n_cards = self.cards_shown();
                self.set_message(
                    format!(
                        "view {n}: {} · {n_cards} card{} · {} shows all cards",
                        saved.name,
                        if n_cards == 1 { "" } else { "s" },
                        self.keymap.hint(KeyCommand::AllCards)
                    ),
                    false,
                );
            }
        }
    }

    /// `0`: every card again.
    pub fn leave_view(&mut self) {
        match self.view.take() {
            Some(name) => {
                self.rebuild();
                self.set_message(format!("left view {name}: all cards"), false);
            }
            None => self.set_message("all cards shown already", false),
        }
    }
}
