//! When a card is done: the one rule that says whether a card is work in
//! progress. Aging and flow read it (a done card is never "stuck"); so
//! does anything that asks whether a card is finished, blocked or ready.

use super::{BoardConfig, Card, Verdict};

/// What the rule reads of a card: a card on the board, or a card as it
/// was after a commit in its history ([`crate::history::CardState`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress<'a> {
    pub lane: &'a str,
    /// Its hypothesis's verdict, if it has a hypothesis.
    pub verdict: Option<Verdict>,
    /// Its checklist: (ticked, total).
    pub checklist: (usize, usize),
    /// It records a decision (kind `decision`): taken when recorded.
    pub decision: bool,
}

impl Card {
    /// What [`done`] reads of this card.
    pub fn progress(&self) -> Progress<'_> {
        Progress {
            lane: &self.lane,
            verdict: self.verdict(),
            checklist: self.checklist_progress(),
            decision: self.kind == DECISION,
        }
    }
}

/// The kind of card that records a decision.
pub const DECISION: &str = "decision";

/// Why a card is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Done {
    /// Its hypothesis has a verdict (supported, refuted or inconclusive):
    /// the question it asked is answered.
    Verdict,
    /// It records a decision: taken when it was recorded.
    Decided,
    /// It is in a done lane ([`BoardConfig::is_done_lane`]).
    Lane,
    /// Its lane has exit criteria and every item of its checklist is
    /// ticked: it has met them and waits to move on. (Exit criteria are
    /// free text, so the checklist is how a card says it met them.)
    ExitMet,
}

impl Done {
    pub fn as_str(self) -> &'static str {
        match self {
            Done::Verdict => "verdict",
            Done::Decided => "decided",
            Done::Lane => "done lane",
            Done::ExitMet => "exit criteria met",
        }
    }
}

/// Whether a card is done, and why; `None`: it is work in progress. The
/// one rule: a card whose hypothesis has a verdict, or that is in a done
/// lane, or that has met its lane's exit criteria, is done.
pub fn done(config: &BoardConfig, card: &Progress) -> Option<Done> {
    if card.verdict.is_some_and(|v| v != Verdict::Open) {
        return Some(Done::Verdict);
    }
    if card.decision {
        return Some(Done::Decided);
    }
    if config.is_done_lane(card.lane) {
        return Some(Done::Lane);
    }
    let (ticked, total) = card.checklist;
    let has_exit = config
        .lane(card.lane)
        .and_then(|l| l.exit.as_deref())
        .is_some_and(|e| !e.trim().is_empty());
    if has_exit && total > 0 && ticked == total {
        return Some(Done::ExitMet);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LaneDef;

    fn board(done_lane: bool) -> BoardConfig {
        let lane = |id: &str, exit: Option<&str>, done: bool| LaneDef {
            id: id.into(),
            title: id.into(),
            exit: exit.map(str::to_string),
            done,
            ..Default::default()
        };
        BoardConfig {
            lanes: vec![
                lane("todo", None, false),
                lane("doing", Some("- tests pass"), false),
                lane("shipped", None, done_lane),
                lane("monitor", None, false),
            ],
            ..Default::default()
        }
    }

    fn card(lane: &str, verdict: Option<Verdict>, checklist: (usize, usize)) -> Progress<'_> {
        Progress {
            lane,
            verdict,
            checklist,
            decision: false,
        }
    }

    #[test]
    fn a_verdict_a_done_lane_or_met_exit_criteria_is_done() {
        let b = board(true);
        assert_eq!(done(&b, &card("todo", None, (0, 0))), None);
        assert_eq!(done(&b, &card("todo", Some(Verdict::Open), (0, 0))), None);
        for v in [Verdict::Supported, Verdict::Refuted, Verdict::Inconclusive] {
            assert_eq!(
                done(&b, &card("todo", Some(v), (0, 0))),
                Some(Done::Verdict)
            );
        }
        assert_eq!(done(&b, &card("shipped", None, (0, 0))), Some(Done::Lane));
        // A done lane is marked: the last lane is not done by position.
        assert_eq!(done(&b, &card("monitor", None, (0, 0))), None);
        // Exit criteria met: every item ticked, in a lane that has them.
        assert_eq!(done(&b, &card("doing", None, (2, 2))), Some(Done::ExitMet));
        assert_eq!(done(&b, &card("doing", None, (1, 2))), None);
        assert_eq!(done(&b, &card("doing", None, (0, 0))), None);
        assert_eq!(
            done(&b, &card("todo", None, (2, 2))),
            None,
            "no exit criteria"
        );
    }

    #[test]
    fn the_done_flag_is_read_and_written_back_beside_unknown_fields() {
        let text = "name: b\nlanes:\n  - id: a\n  - id: z\n    done: true\n    hue: teal\n";
        let b = BoardConfig::from_value(serde_yaml::from_str(text).expect("yaml")).expect("board");
        assert!(b.lanes[1].done && !b.lanes[0].done);
        let again =
            BoardConfig::from_value(serde_yaml::Value::Mapping(b.to_mapping())).expect("again");
        assert_eq!(again, b);
        let lane = &b.to_mapping()["lanes"][1];
        assert_eq!(lane["done"], serde_yaml::Value::Bool(true));
        assert_eq!(lane["hue"], serde_yaml::Value::from("teal"));
        assert!(
            b.to_mapping()["lanes"][0].get("done").is_none(),
            "false is not written"
        );
        let bad = "name: b\nlanes:\n  - id: a\n    done: maybe\n";
        let e = BoardConfig::from_value(serde_yaml::from_str(bad).expect("yaml")).unwrap_err();
        assert_eq!(e.field, "lanes.0.done");
    }

    #[test]
    fn a_board_that_marks_no_lane_done_ends_in_its_last_lane() {
        let b = board(false);
        assert_eq!(done(&b, &card("monitor", None, (0, 0))), Some(Done::Lane));
        assert_eq!(done(&b, &card("shipped", None, (0, 0))), None);
    }
}
