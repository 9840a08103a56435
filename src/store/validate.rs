//! `lanes validate`: every problem on the board, with positions.

use super::{card_path, is_board_file, yaml, Board, Problem, BOARD_DIR, CARDS_DIR};
use std::collections::HashMap;

/// Problems found loading the board plus those only the whole board shows:
/// cards in unknown lanes, unknown kinds, missing or equal ranks.
pub fn check(board: &Board) -> Vec<Problem> {
    let mut out = board.problems.clone();
    let texts =
        |id: &str| std::fs::read_to_string(board.root.join(card_path(id))).unwrap_or_default();
    let mut by_rank: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    for card in &board.cards {
        let rel = card_path(&card.id);
        let mut found = Vec::new();
        if board.config.lane(&card.lane).is_none() {
            found.push((
                "lane",
                format!(
                    "unknown lane {:?}; lanes are: {}",
                    card.lane,
                    board
                        .config
                        .lanes
                        .iter()
                        .map(|l| l.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if !board.config.kinds.contains(&card.kind) {
            found.push((
                "kind",
                format!(
                    "unknown kind {:?}; board kinds are: {}",
                    card.kind,
                    board.config.kinds.join(", ")
                ),
            ));
        }
        if card.rank.is_empty() {
            found.push((
                "rank",
                "missing rank; `lanes move` gives the card one".to_string(),
            ));
        } else {
            by_rank
                .entry((card.lane.as_str(), card.rank.as_str()))
                .or_default()
                .push(card.id.as_str());
        }
        if !found.is_empty() {
            let text = texts(&card.id);
            for (field, message) in found {
                let (line, column) = yaml::locate(&text, field);
                out.push(Problem::new(&rel, line, column, message));
            }
        }
    }
    let mut ties: Vec<_> = by_rank
        .into_iter()
        .filter(|(_, ids)| ids.len() > 1)
        .collect();
    ties.sort();
    for ((lane, rank), ids) in ties {
        for id in &ids {
            let (line, column) = yaml::locate(&texts(id), "rank");
            let others: Vec<&str> = ids.iter().filter(|x| *x != id).copied().collect();
            out.push(Problem::new(
                &card_path(id),
                line,
                column,
                format!(
                    "rank {rank:?} is also used by {} in lane {lane}; order between them falls back to id (move one to fix)",
                    others.join(", ")
                ),
            ));
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path).then(a.line.cmp(&b.line)));
    out
}

/// Files under `.lanes/` that are not board files (see
/// [`super::is_board_file`]) and that the card scan does not already
/// report: temporary files a killed process left, editor swap files,
/// `.DS_Store`, anything else put there. Files `tracked` says the team
/// committed on purpose (a script kept with the board) are left out.
pub fn strays(root: &std::path::Path, tracked: impl Fn(&str) -> bool) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut walk = vec![BOARD_DIR.to_string()];
    while let Some(dir) = walk.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = format!("{dir}/{name}");
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                walk.push(rel);
                continue;
            }
            if is_board_file(&rel) || tracked(&rel) {
                continue;
            }
            // The scan reports visible non-card names in cards/ already.
            if dir == CARDS_DIR && !name.starts_with('.') {
                continue;
            }
            out.push(Problem::new(
                &rel,
                1,
                1,
                "not a board file (a temporary file a killed command left, or an editor's?): lanes ignores it and never commits it; remove it if nothing is writing it",
            ));
        }
    }
    out
}
