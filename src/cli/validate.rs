//! `lanes validate`: every problem on the board as `path:line:column:
//! message`: the files' own ([`store::validate`]), what board.yaml gets
//! wrong without stopping the board, board files a git merge left
//! unmerged, and stray files under `.lanes/`.

use crate::store;
use crate::term::{self, say};
use anyhow::Result;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// All problems on the board, as `path:line:column: message`, with the
/// board's size when it could be read.
pub fn problems(r: &Path) -> Result<(Vec<store::Problem>, Option<store::validate::Checked>)> {
    let (mut found, board) = match store::validate::check_root(r) {
        Ok((found, b)) => (found, Some(b)),
        Err(e) => match e.downcast::<store::Problem>() {
            Ok(p) => (vec![p], None),
            Err(e) => return Err(e),
        },
    };
    if let Some(b) = board.as_ref().filter(|b| !b.config.problems.is_empty()) {
        // What is wrong in board.yaml without stopping the board (a
        // budget, a lane colour).
        let text = store::read_board_file(r, store::BOARD_FILE)
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .unwrap_or_default();
        found.extend(
            b.config
                .problems
                .iter()
                .map(|e| store::Problem::from_field(store::BOARD_FILE, &text, e)),
        );
    }
    found.extend(unmerged(r));
    found.extend(strays(r));
    found.sort_by(|a, b| a.path.cmp(&b.path).then(a.line.cmp(&b.line)));
    Ok((found, board))
}

/// Stray files under `.lanes/` (see [`store::validate::strays`]), leaving
/// out those committed on purpose.
fn strays(r: &Path) -> Vec<store::Problem> {
    let repo = crate::git::open(r).ok();
    let prefix = repo
        .as_ref()
        .and_then(|repo| crate::git::repo_path(repo, r, "").ok())
        .unwrap_or_default();
    let index = repo.as_ref().and_then(|repo| repo.index().ok());
    store::validate::strays(r, |rel| {
        index.as_ref().is_some_and(|i| {
            i.get_path(Path::new(&format!("{prefix}{rel}")), 0)
                .is_some()
        })
    })
}

/// Board files git left unmerged in its index: a plain `git merge` or
/// `git pull` that could not run the lanes merge driver stops with the
/// file unmerged (and, without a driver, with no markers in it).
fn unmerged(r: &Path) -> Vec<store::Problem> {
    let Ok(repo) = crate::git::open(r) else {
        return Vec::new();
    };
    let (Ok(prefix), Ok(index)) = (crate::git::repo_path(&repo, r, ""), repo.index()) else {
        return Vec::new();
    };
    let Ok(conflicts) = index.conflicts() else {
        return Vec::new();
    };
    let mut paths: Vec<String> = conflicts
        .flatten()
        .filter_map(|c| c.our.or(c.their).or(c.ancestor))
        .map(|e| String::from_utf8_lossy(&e.path).into_owned())
        .filter_map(|p| p.strip_prefix(&prefix).map(str::to_string))
        .filter(|p| p.starts_with(store::BOARD_DIR) && p[store::BOARD_DIR.len()..].starts_with('/'))
        .collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .map(|p| {
            store::Problem::new(
                &p,
                1,
                1,
                "unmerged: a git merge stopped on this file (was the lanes merge driver missing? run `lanes setup`). Redo the merge with `git checkout -m -- <file>` and `git add` the result, or `lanes sync`; `git add` on the file as it is now would drop the other side's changes",
            )
        })
        .collect()
}

pub(super) fn validate(r: &Path) -> Result<ExitCode> {
    let (found, board) = problems(r)?;
    let mut out = term::stdout();
    for p in &found {
        writeln!(out, "{p}")?;
    }
    match (found.is_empty(), board) {
        (true, Some(board)) => {
            say!(
                "board ok: {} in {}",
                crate::model::text::count(board.cards, "card", "cards"),
                crate::model::text::count(board.config.lanes.len(), "lane", "lanes")
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            say!(
                "{} problem{} found",
                found.len(),
                if found.len() == 1 { "" } else { "s" }
            );
            Ok(ExitCode::from(1))
        }
    }
}
