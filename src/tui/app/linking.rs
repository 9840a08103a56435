//! Keys while adding a link (`a`): the card to link to, picked from a
//! list filtered as you type (an id prefix or title words), then how the
//! two connect. The link is committed through the same action as
//! `lanes link` (one commit, on the card that stores it); a link that
//! would close a cycle is refused there, and the refusal names the cycle.

use super::{App, Effect, Mode, Prompt, Purpose};
use crate::model::id;
use crate::model::links::Kind;
use crate::ops::Action;
use crate::store::Board;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The most cards the picker lists.
pub const PICK_ROWS: usize = 200;

/// The link kinds offered, with their keys: what the picked card becomes
/// to the card the link starts from (`d`: the card depends on it).
pub const LINK_KEYS: [(char, &str); 5] = [
    ('d', "depends on it (waits for it)"),
    ('b', "blocks it (it waits for this card)"),
    ('p', "is part of it (it is the parent)"),
    ('s', "supersedes it (replaces it)"),
    ('r', "relates to it (see also)"),
];

impl App {
    /// Start linking `card` to another: every other card listed, those not
    /// archived first, in board order.
    pub(super) fn pick_card(&mut self, card: String) {
        let (matches, total) = find_cards(&self.board, &card, "");
        if total == 0 {
            self.set_message("no other card to link to", false);
            return;
        }
        self.mode = Mode::PickCard {
            line: Prompt::new(Purpose::LinkTo { card: card.clone() }, String::new()),
            card,
            matches,
            total,
            cursor: 0,
        };
    }

    pub(super) fn on_pick_card_key(&mut self, mode: Mode, key: KeyEvent) -> Vec<Effect> {
        let Mode::PickCard {
            card,
            mut line,
            mut matches,
            mut total,
            mut cursor,
        } = mode
        else {
            return Vec::new();
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                self.close();
                self.set_message("linking cancelled", false);
                return Vec::new();
            }
            KeyCode::Enter => {
                let Some(other) = matches.get(cursor).cloned() else {
                    self.warn(format!(
                        "no card matches {:?}: type part of an id or of a title",
                        line.input.trim()
                    ));
                    self.mode = Mode::PickCard {
                        card,
                        line,
                        matches,
                        total,
                        cursor,
                    };
                    return Vec::new();
                };
                self.mode = Mode::PickLinkKind { card, other };
                return Vec::new();
            }
            KeyCode::Down | KeyCode::Tab => cursor += 1,
            KeyCode::Char('n') if ctrl => cursor += 1,
            KeyCode::Up | KeyCode::BackTab => cursor = cursor.saturating_sub(1),
            KeyCode::Char('p') if ctrl => cursor = cursor.saturating_sub(1),
            KeyCode::PageDown => cursor += 10,
            KeyCode::PageUp => cursor = cursor.saturating_sub(10),
            _ => {
                if line.edit(&key) {
                    (matches, total) = find_cards(&self.board, &card, &line.input);
                    cursor = 0;
                }
            }
        }
        let cursor = cursor.min(matches.len().saturating_sub(1));
        self.mode = Mode::PickCard {
            card,
            line,
            matches,
            total,
            cursor,
        };
        Vec::new()
    }

    pub(super) fn on_pick_link_kind_key(
        &mut self,
        card: String,
        other: String,
        key: KeyEvent,
    ) -> Vec<Effect> {
        let action = match key.code {
            KeyCode::Char('d') => Action::Link {
                card,
                kind: Kind::DependsOn,
                other,
            },
            // Stored on the other card, as `lanes link --blocks` does.
            KeyCode::Char('b') => Action::Link {
                card: other,
                kind: Kind::DependsOn,
                other: card,
            },
            KeyCode::Char('p') => Action::Link {
                card,
                kind: Kind::Parent,
                other,
            },
            KeyCode::Char('s') => Action::Link {
                card,
                kind: Kind::Supersedes,
                other,
            },
            KeyCode::Char('r') => Action::Link {
                card,
                kind: Kind::Relates,
                other,
            },
            KeyCode::Esc => {
                self.close();
                self.set_message("linking cancelled", false);
                return Vec::new();
            }
            _ => {
                self.warn(
                    "d depends on · b blocks · p part of · s supersedes · r relates · Esc cancels",
                );
                self.mode = Mode::PickLinkKind { card, other };
                return Vec::new();
            }
        };
        self.close();
        if let Action::Link { card, .. } = &action {
            self.set_message(format!("linking {}…", id::short(card)), false);
        }
        vec![Effect::apply(action)]
    }
}

/// The cards `query` finds to link `except` to, best first (at most
/// [`PICK_ROWS`]), and how many it finds. Every word typed must match,
/// each by one of (best first): the start of the card's id, the start of
/// a word of its title, a part of its title, its letters in order in the
/// title. Ties go to cards not archived, then board order.
pub fn find_cards(board: &Board, except: &str, query: &str) -> (Vec<String>, usize) {
    let terms: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let mut found: Vec<(u32, bool, usize)> = Vec::new();
    for (at, card) in board.cards.iter().enumerate() {
        if card.id == except {
            continue;
        }
        let title = card.title.to_lowercase();
        let mut total = 0u32;
        let mut all = true;
        for t in &terms {
            match score(t, &card.id, &title) {
                Some(s) => total += u32::from(s),
                None => {
                    all = false;
                    break;
                }
            }
        }
        if all {
            found.push((total, card.archived, at));
        }
    }
    found.sort_unstable();
    let n = found.len();
    let ids = found
        .into_iter()
        .take(PICK_ROWS)
        .map(|(_, _, at)| board.cards[at].id.clone())
        .collect();
    (ids, n)
}

/// How well one typed word (lower case) matches a card: 0 the start of
/// its id, 1 the start of a title word, 2 inside the title, 3 its
/// letters in order in the title; `None` not at all.
fn score(term: &str, id_: &str, title: &str) -> Option<u8> {
    if id_.starts_with(term) {
        return Some(0);
    }
    let words = title.split(|c: char| !c.is_alphanumeric());
    if words.clone().any(|w| w.starts_with(term)) {
        return Some(1);
    }
    if title.contains(term) {
        return Some(2);
    }
    let mut rest = title.chars();
    term.chars()
        .all(|c| rest.by_ref().any(|t| t == c))
        .then_some(3)
}

#[cfg(test)]
mod tests {
    use super::score;

    #[test]
    fn a_word_matches_by_id_then_title_words_then_letters() {
        let title = "profile event logs";
        assert_eq!(score("c03x", "c03x7mk2rf", title), Some(0));
        assert_eq!(score("ev", "c03x7mk2rf", title), Some(1));
        assert_eq!(score("ent", "c03x7mk2rf", title), Some(2));
        assert_eq!(score("pel", "c03x7mk2rf", title), Some(3));
        assert_eq!(score("zz", "c03x7mk2rf", title), None);
        assert_eq!(score("lgp", "c03x7mk2rf", title), None, "in order only");
    }
}
