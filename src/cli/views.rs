//! `--view NAME`: a saved view (board.yaml's `views:` or the user's
//! config file's) chosen on the command line, and the cards it shows.

use crate::config::{self, Personal};
use crate::error::{not_found, refused};
use crate::model::filter::Scope;
use crate::model::view::{self, Origin, View, Views};
use crate::model::{date, BoardConfig, Card};
use crate::store::Board;
use anyhow::{anyhow, Result};
use std::collections::HashMap;
use std::path::Path;

/// The view named `name` and whom `@me` names. An unknown name is not
/// found (exit 3); a view lanes cannot read is refused (exit 1) with its
/// `path:line:column`.
fn find(root: &Path, config: &BoardConfig, name: &str) -> Result<(View, Vec<String>)> {
    let personal = config::read().map_err(|e| anyhow!(e))?;
    let mine = match &personal {
        Some(p) => p.views(config),
        None => Views::default(),
    };
    let all = view::catalog(&config.views, &mine);
    let Some(saved) = all.iter().find(|v| v.name == name) else {
        return Err(not_found(unknown(name, &all, personal.as_ref())));
    };
    match &saved.view {
        Ok(v) => Ok((v.clone(), config::me(personal.as_ref(), root))),
        Err(p) => Err(refused(format!(
            "view {name:?} cannot be used: {}",
            p.describe()
        ))),
    }
}

fn unknown(name: &str, all: &[&view::SavedView], personal: Option<&Personal>) -> String {
    if all.is_empty() {
        let file = personal.map_or_else(
            || config::path().map_or("your config file".into(), |p| p.display().to_string()),
            |p| p.name.clone(),
        );
        return format!(
            "no view named {name:?}: the board has no saved views (add them under views: in .lanes/board.yaml, or in {file})"
        );
    }
    let names: Vec<String> = all
        .iter()
        .map(|v| match v.origin {
            Origin::Board => v.name.clone(),
            Origin::Personal => format!("{} (yours)", v.name),
        })
        .collect();
    let hint = crate::model::text::did_you_mean(name, all.iter().map(|v| v.name.as_str()))
        .map(|n| format!("did you mean {n}? "))
        .unwrap_or_default();
    format!(
        "no view named {name:?}; {hint}views are: {}",
        names.join(", ")
    )
}

/// The cards a saved view picked: their ids, each with its place in
/// the view's order (lane by lane in the board's order, each lane in the
/// view's sort).
#[derive(Debug, Clone, Default)]
pub struct Picked {
    place: HashMap<String, usize>,
}

impl Picked {
    /// The cards the view shows, each with its place.
    pub fn places(self) -> HashMap<String, usize> {
        self.place
    }
}

/// `--view NAME`: the cards of the board at `root` the view shows (the
/// archived ones too with `all`).
pub fn pick(root: &Path, config: &BoardConfig, name: &str, all: bool) -> Result<Picked> {
    let (view, me) = find(root, config, name)?;
    let board = Board::load(root)?;
    let place = cards(root, &board, &view, &me, all)
        .into_iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();
    Ok(Picked { place })
}

/// The cards of `board` the view shows, lane by lane in the board's
/// order, each lane in the view's order. `all` shows archived cards too.
fn cards<'a>(
    root: &Path,
    board: &'a Board,
    view: &View,
    me: &[String],
    all: bool,
) -> Vec<&'a Card> {
    let stale = if view.filter.needs_stale() {
        crate::evidence::stale::check_cards(root, &board.cards)
    } else {
        Default::default()
    };
    let is_stale = |id: &str| stale.contains_key(id);
    let scope = Scope {
        me,
        today: date::today(),
        stale: &is_stale,
        linked: Default::default(),
    };
    // `ready` and `blocked` in a view's filter read the link graph.
    let graph = crate::model::links::Graph::new(
        &board.config,
        board.cards.iter().map(Card::node).collect(),
    );
    let scope_of = |c: &Card| {
        let linked = graph
            .index(&c.id)
            .map(|i| crate::model::filter::Linked {
                ready: graph.is_ready(i),
                blocked: graph.is_blocked(i),
            })
            .unwrap_or_default();
        Scope { linked, ..scope }
    };
    let mut shown: Vec<&Card> = board
        .cards
        .iter()
        .filter(|c| view.shows_lane(&c.lane))
        .filter(|c| {
            if all && c.archived {
                view.filter.matches_in(c, &scope_of(c))
            } else {
                view.shows(c, &scope_of(c))
            }
        })
        .collect();
    // The board's cards come in lane order: a stable sort keeps it.
    let lane = |c: &Card| board.config.lane_index(&c.lane).unwrap_or(usize::MAX);
    shown.sort_by(|a, b| lane(a).cmp(&lane(b)).then(view.sort.compare(a, b)));
    shown
}
