//! Moves made with keys on the board screen: `H` `L` (lanes) and `J` `K`
//! (places in a lane). Presses on one card gather into one [`Intent`] — so
//! many lanes left or right, then so many places up or down — that the
//! board shows at once and commits when the keys pause ([`PAUSE`]).
//!
//! What travels to the worker is the intent, not a position: [`commit`]
//! reads the card again under the board lock and applies the intent to the
//! card as it is then. A card someone moved to another lane meanwhile (the
//! CLI, a teammate's sync) is left where they put it and the user is told
//! ([`Moved::NotMade`]); a lane reordered meanwhile gets the card moved
//! "two places down" from where it is now, not back next to the card that
//! was its neighbour at the key press.

use crate::model::{id, BoardConfig, Card};
use crate::ops::{self, Action, Placement};
use crate::store::Index;
use anyhow::{anyhow, Result};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long the keys may pause between presses of one move.
pub const PAUSE: Duration = Duration::from_millis(700);

/// What the user asked of one card with the move keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    /// Pairs the worker's answer with the intent.
    pub id: u64,
    pub card: String,
    /// The lane the card was in at the first press, as the screen showed
    /// it: the intent holds only while the card is still there.
    pub from: String,
    /// Lanes to the right (negative: to the left). A card that changes
    /// lane comes in at the bottom of its new lane.
    pub lanes: i64,
    /// Then places down (negative: up) in the lane it ends in.
    pub places: i64,
    /// Under a filter, the cards places are counted among (the others the
    /// screen showed in that lane); `None`: every card of the lane.
    pub among: Option<Vec<String>>,
    /// The lane the screen showed the card in after the last press (for
    /// messages: the move itself is `lanes` and `places`).
    pub to: String,
}

/// An intent waiting for the keys to pause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub intent: Intent,
    /// Commit when no other press came by then.
    pub due: Instant,
}

/// How a committed intent ended.
#[derive(Debug, Clone)]
pub enum Moved {
    Done(ops::Outcome),
    /// The card is already where the intent puts it.
    Unchanged(String),
    /// The card changed meanwhile so that the intent no longer holds: why,
    /// and the card as it is now.
    NotMade(String, Box<Card>),
}

impl Intent {
    /// Whether the intent asks for anything (`L` then `H` does not).
    pub fn is_empty(&self) -> bool {
        self.lanes == 0 && self.places == 0
    }

    /// "moving c06x7m to evaluation", "moving c06x7m 2 places down".
    pub fn describe(&self) -> String {
        let short = id::short(&self.card);
        if self.lanes != 0 {
            return format!("moving {short} to {}", self.to);
        }
        let n = self.places.unsigned_abs();
        format!(
            "moving {short} {n} place{} {} in {}",
            if n == 1 { "" } else { "s" },
            if self.places < 0 { "up" } else { "down" },
            self.from
        )
    }
}

/// Where the moves in progress show a card: its lane, whether it came in
/// from another lane (then it starts at the bottom), and the places it
/// moved from there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub lane: String,
    pub entered: bool,
    pub places: i64,
}

/// Fold the intents for one card (oldest first) over the lane it is in on
/// disk. An intent whose `from` is not the lane the card is in by then is
/// passed over: the card moved underneath it (the commit will say so), or
/// it was already committed and the board shows the result. `None`: the
/// intents change nothing on screen.
pub fn shown<'a>(
    config: &BoardConfig,
    lane: &str,
    intents: impl IntoIterator<Item = &'a Intent>,
) -> Option<Shown> {
    let mut at = Shown {
        lane: lane.to_string(),
        entered: false,
        places: 0,
    };
    let mut any = false;
    for i in intents {
        if i.from != at.lane {
            continue;
        }
        if i.lanes != 0 {
            let Some(to) = target(config, &i.from, i.lanes) else {
                continue;
            };
            at = Shown {
                lane: to,
                entered: true,
                places: i.places,
            };
        } else {
            at.places += i.places;
        }
        any = true;
    }
    any.then_some(at)
}

/// The lane `lanes` away from `from`, if there is one.
fn target(config: &BoardConfig, from: &str, lanes: i64) -> Option<String> {
    let i = i64::try_from(config.lane_index(from)?).ok()? + lanes;
    let i = usize::try_from(i).ok()?;
    config.lanes.get(i).map(|l| l.id.clone())
}

/// Where a card lands among `others` cards of its lane: from `start`
/// (its place among them, or their count when it came in from another
/// lane), `places` on, kept inside the lane.
pub fn landing(start: usize, places: i64, others: usize) -> usize {
    let to = i64::try_from(start)
        .unwrap_or(i64::MAX)
        .saturating_add(places);
    usize::try_from(to.max(0)).unwrap_or(usize::MAX).min(others)
}

/// Apply the intent to the card as it is on disk now: the action that
/// does it, or why there is none.
pub fn resolve(index: &Index, intent: &Intent) -> Result<Result<Action, Moved>> {
    let card = ops::lookup(index, &intent.card)?;
    let short = card.short_id();
    if card.archived {
        let why = format!("{short} was archived meanwhile: not moved");
        return Ok(Err(Moved::NotMade(why, Box::new(card))));
    }
    if card.lane != intent.from {
        let undone = if intent.lanes != 0 {
            format!("not moved to {}", intent.to)
        } else {
            format!("not reordered in {}", intent.from)
        };
        let why = format!(
            "{short} was moved to {} meanwhile, so it stays there ({undone})",
            card.lane
        );
        return Ok(Err(Moved::NotMade(why, Box::new(card))));
    }
    let lane = target(&index.config, &card.lane, intent.lanes).ok_or_else(|| {
        anyhow!(
            "{short}: there is no lane {} {} from {} (board.yaml changed?); not moved",
            intent.lanes.unsigned_abs(),
            if intent.lanes < 0 { "left" } else { "right" },
            card.lane
        )
    })?;
    let (others, start) = counted(index, &card, &lane, intent);
    let start = if intent.lanes != 0 {
        others.len()
    } else {
        start
    };
    let to = landing(start, intent.places, others.len());
    if intent.lanes == 0 && to == start {
        return Ok(Err(Moved::Unchanged(format!(
            "{short} is already there; nothing changed"
        ))));
    }
    let placement = match (others.get(to), others.last()) {
        (Some(next), _) => Placement::Before(next.clone()),
        (None, Some(last)) => Placement::After(last.clone()),
        (None, None) => Placement::Bottom,
    };
    Ok(Ok(Action::Move {
        card: card.id,
        lane: Some(lane),
        placement: Some(placement),
    }))
}

/// The other cards of `lane` that places count among, in order, and how
/// many of them come before `card` (when it is in that lane).
fn counted(index: &Index, card: &Card, lane: &str, intent: &Intent) -> (Vec<String>, usize) {
    let mut others = Vec::new();
    let mut before = 0;
    let mut seen = false;
    for c in index.lane_cards(lane) {
        if c.id == card.id.as_str() {
            seen = true;
            continue;
        }
        let archived = index.summary(&c.id).is_none_or(|s| s.archived);
        let shown = intent.among.as_ref().is_none_or(|a| a.contains(&c.id));
        if archived || !shown {
            continue;
        }
        if !seen {
            before += 1;
        }
        others.push(c.id.to_string());
    }
    (others, before)
}

/// Commit an intent: read the card under the board lock, apply the intent
/// to it as it is, commit. What the board screen's worker runs for `H`
/// `L` `J` `K`.
pub fn commit(ctx: &ops::Context, root: &Path, intent: &Intent) -> Result<Moved> {
    let _lock = ops::lock(root)?;
    let index = Index::load(root)?;
    match resolve(&index, intent)? {
        Ok(action) => Ok(Moved::Done(ops::apply_to(ctx, &index, action)?)),
        Err(why) => Ok(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landing_stays_in_the_lane() {
        assert_eq!(landing(1, 1, 3), 2);
        assert_eq!(landing(1, -5, 3), 0);
        assert_eq!(landing(3, 4, 3), 3);
        assert_eq!(landing(3, -1, 3), 2);
        assert_eq!(landing(0, i64::MAX, 2), 2);
        assert_eq!(landing(0, i64::MIN, 2), 0);
    }
}
