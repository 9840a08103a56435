//! `lanes validate`: every problem on the board, with positions.

use super::{card_path, is_board_file, yaml, Board, Problem, BOARD_DIR, CARDS_DIR};

/// At most this many ids are named in a rank clash; the rest are counted.
pub const CLASH_IDS: usize = 10;

/// Problems found loading the board plus those only the whole board shows:
/// cards in unknown lanes, unknown kinds, missing or equal ranks.
pub fn check(board: &Board) -> Vec<Problem> {
    let mut out = board.problems.clone();
    let texts =
        |id: &str| std::fs::read_to_string(board.root.join(card_path(id))).unwrap_or_default();
    let mut ranked: Vec<(&str, &str, &str)> = Vec::with_capacity(board.cards.len());
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
            ranked.push((card.lane.as_str(), card.rank.as_str(), card.id.as_str()));
        }
        if !found.is_empty() {
            let text = texts(&card.id);
            for (field, message) in found {
                let (line, column) = yaml::locate(&text, field);
                out.push(Problem::new(&rel, line, column, message));
            }
        }
    }
    out.extend(rank_clashes(ranked, texts));
    out.sort_by(|a, b| a.path.cmp(&b.path).then(a.line.cmp(&b.line)));
    out
}

/// One problem per group of cards sharing a rank in a lane, given each
/// ranked card as `(lane, rank, id)`: at the `rank:` line of the group's
/// first card (by id), naming at most [`CLASH_IDS`] of the others. An
/// import that gives 100,000 cards one rank makes one line per lane, not a
/// list of every other card on every card's line (which grew with the
/// square of the group). `text` reads a card's file.
fn rank_clashes(
    mut ranked: Vec<(&str, &str, &str)>,
    text: impl Fn(&str) -> String,
) -> Vec<Problem> {
    ranked.sort_unstable();
    ranked
        .chunk_by(|a, b| a.0 == b.0 && a.1 == b.1)
        .filter(|group| group.len() > 1)
        .map(|group| {
            let (lane, rank, first) = group[0];
            let others: Vec<&str> = group[1..].iter().map(|c| c.2).collect();
            let (line, column) = yaml::locate(&text(first), "rank");
            Problem::new(
                &card_path(first),
                line,
                column,
                clash_message(lane, rank, &others),
            )
        })
        .collect()
}

fn clash_message(lane: &str, rank: &str, others: &[&str]) -> String {
    let named = &others[..others.len().min(CLASH_IDS)];
    let mut list = named.join(", ");
    if others.len() > named.len() {
        list.push_str(&format!(" and {} more", others.len() - named.len()));
    }
    format!(
        "rank {rank:?} is also used by {} other card{} in lane {lane}: {list}; order among these {} cards falls back to id (`lanes move CARD {lane} --before/--after CARD` gives a card a rank of its own)",
        others.len(),
        if others.len() == 1 { "" } else { "s" },
        others.len() + 1,
    )
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
