//! The board screen's views (modes): which one is open, what it holds,
//! how far it is scrolled, and the help section it belongs to.

use crate::tui::prompt::Prompt;

/// The view open on the board screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Board,
    Detail {
        scroll: u16,
    },
    /// The keys of the view underneath (`back`), then every other key;
    /// `query` keeps only the lines with the words typed.
    Help {
        scroll: u16,
        query: Option<Prompt>,
    },
    /// The command palette: every key command and saved view, the ones
    /// matching the words typed first; `cursor` is the selected row.
    Palette {
        query: Prompt,
        cursor: usize,
    },
    Prompt(Prompt),
    PickVerdict {
        card: String,
    },
    /// `m`: the number of the lane to move the card to.
    PickLane {
        card: String,
    },
    /// `v` on a card that has no hypothesis: make it one?
    ConfirmHypothesis {
        card: String,
    },
    ConfirmArchive {
        card: String,
    },
    /// A change collided with one on disk: keep mine, theirs or both.
    Resolve,
    /// What the last sync brought in.
    Changes {
        scroll: u16,
    },
    /// The selected card's history.
    History {
        card: String,
        scroll: u16,
    },
    /// Every hypothesis side by side, sorted by a column; `cursor` is the
    /// selected row.
    Hypotheses {
        cursor: usize,
        sort: HypSort,
    },
    /// Flow metrics and the cumulative flow diagram.
    Flow {
        scroll: u16,
    },
    /// Every message of this session.
    Messages {
        scroll: u16,
    },
    /// The selected lane: its exit criteria (definition of done), WIP.
    Lane {
        scroll: u16,
    },
    /// `E`: which of the card's fields to edit.
    PickField {
        card: String,
        cursor: usize,
    },
    /// Ticking a card's checklist.
    Checklist {
        card: String,
        cursor: usize,
    },
    /// The conflicts a sync recorded on a card, one by one.
    Conflicts {
        card: String,
        cursor: usize,
    },
    /// `b`: what the card depends on and what depends on it,
    /// transitively, its parent and parts, what it supersedes and relates
    /// to (`App::link_rows`). `cursor` is the selected card among the
    /// rows, `top` the first row shown; `unlink`: asking whether to remove
    /// the selected card's link.
    Links {
        card: String,
        cursor: usize,
        top: usize,
        unlink: bool,
    },
    /// `a`: the card to link `card` to, from the cards matching what is
    /// typed in `line` (`matches`, best first, of `total`); `cursor` is
    /// the selected one.
    PickCard {
        card: String,
        line: Prompt,
        matches: Vec<String>,
        total: usize,
        cursor: usize,
    },
    /// Then how the two connect (`d` `b` `p` `s` `r`).
    PickLinkKind {
        card: String,
        other: String,
    },
}

impl Mode {
    /// Help, opened afresh.
    pub fn help() -> Mode {
        Mode::Help {
            scroll: 0,
            query: None,
        }
    }

    /// Views that scroll, with their scroll position.
    pub fn scroll(&self) -> Option<u16> {
        match self {
            Mode::Detail { scroll }
            | Mode::Help { scroll, .. }
            | Mode::Changes { scroll }
            | Mode::History { scroll, .. }
            | Mode::Flow { scroll }
            | Mode::Messages { scroll }
            | Mode::Lane { scroll } => Some(*scroll),
            _ => None,
        }
    }

    pub(super) fn with_scroll(&self, to: u16) -> Mode {
        let mut m = self.clone();
        match &mut m {
            Mode::Detail { scroll }
            | Mode::Help { scroll, .. }
            | Mode::Changes { scroll }
            | Mode::History { scroll, .. }
            | Mode::Flow { scroll }
            | Mode::Messages { scroll }
            | Mode::Lane { scroll } => *scroll = to,
            _ => {}
        }
        m
    }

    /// The help section for this view.
    pub fn context(&self) -> &'static str {
        match self {
            Mode::Board => "board",
            Mode::Detail { .. } => "card details",
            Mode::Help { .. } => "help",
            Mode::Palette { .. } => "the command palette",
            Mode::Prompt(_) => "typing",
            Mode::PickVerdict { .. } => "choosing",
            Mode::PickLane { .. } => "choosing a lane",
            Mode::ConfirmHypothesis { .. } | Mode::ConfirmArchive { .. } => "confirming",
            Mode::Resolve => "a collision",
            Mode::Changes { .. } => "changes since the last sync",
            Mode::History { .. } => "card history",
            Mode::Hypotheses { .. } => "hypotheses",
            Mode::Flow { .. } => "flow",
            Mode::Messages { .. } => "messages",
            Mode::Lane { .. } => "lane",
            Mode::PickField { .. } => "choosing a field",
            Mode::Checklist { .. } => "checklist",
            Mode::Conflicts { .. } => "conflicts",
            Mode::Links { .. } => "links",
            Mode::PickCard { .. } => "choosing a card to link",
            Mode::PickLinkKind { .. } => "choosing a link",
        }
    }
}

/// How the hypotheses table is sorted: the library's sort, the one
/// `lanes hypotheses --sort` uses.
pub use crate::history::query::HypSort;
