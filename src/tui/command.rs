//! Every key command of the board, declared once: its name in the config
//! file, what it does (as help says it), its default keys, the help topic
//! it is listed under, and whether it acts on the selected card. The
//! keymap, the help screen, the config file's `keys:` names and the
//! command palette all read [`TABLE`]; nothing else lists the commands.
//!
//! Adding a command is one row below (the enum is made from the rows)
//! and one arm in `app::board::run`, which says what it does.

use std::fmt;

/// Where help lists a command, in the order help shows the topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    MoveAround,
    MoveCards,
    ChangeCards,
    Views,
    BoardAndTeam,
}

impl Topic {
    pub const ALL: [Topic; 5] = [
        Topic::MoveAround,
        Topic::MoveCards,
        Topic::ChangeCards,
        Topic::Views,
        Topic::BoardAndTeam,
    ];

    /// The heading help shows.
    pub fn title(self) -> &'static str {
        match self {
            Topic::MoveAround => "Move around",
            Topic::MoveCards => "Move cards",
            Topic::ChangeCards => "Change cards",
            Topic::Views => "Views",
            Topic::BoardAndTeam => "Board and team",
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub command: KeyCommand,
    /// The name in the config file's `keys:` section.
    pub name: &'static str,
    /// What help (and the palette) says it does.
    pub about: &'static str,
    /// Its keys unless the config file says otherwise.
    pub keys: &'static [&'static str],
    pub topic: Topic,
    /// It acts on the selected card (and says so when there is none).
    pub needs_card: bool,
}

/// Declares [`KeyCommand`] and [`TABLE`] from one list of rows:
/// `Variant "name" Topic card|any [keys] "what it does";`.
macro_rules! key_commands {
    ($($variant:ident $name:literal $topic:ident $card:ident [$($key:literal),*] $about:literal;)*) => {
        /// What a key can do on the board (the CLI's subcommands are
        /// `cli::Command`; these are the screen's).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum KeyCommand {
            $($variant,)*
        }

        /// Every key command, in the order help lists them.
        pub static TABLE: &[Spec] = &[
            $(Spec {
                command: KeyCommand::$variant,
                name: $name,
                about: $about,
                keys: &[$($key),*],
                topic: Topic::$topic,
                needs_card: key_commands!(@card $card),
            },)*
        ];
    };
    (@card card) => { true };
    (@card any) => { false };
}

key_commands! {
    Left "left" MoveAround any ["h", "Left"] "select the lane to the left";
    Right "right" MoveAround any ["l", "Right"] "select the lane to the right";
    Up "up" MoveAround any ["k", "Up"] "select the card above";
    Down "down" MoveAround any ["j", "Down"] "select the card below";
    First "first" MoveAround any ["g", "Home"] "first card in the lane";
    Last "last" MoveAround any ["G", "End"] "last card in the lane";
    PageUp "page-up" MoveAround any ["Ctrl+u", "PageUp"] "a page up";
    PageDown "page-down" MoveAround any ["Ctrl+d", "PageDown"] "a page down";
    Problems "problems" MoveAround any ["!"] "go to the next problem: unreadable file, conflicts";
    MoveLeft "move-left" MoveCards card ["H", "Shift+Left"] "move the card to the lane on the left";
    MoveRight "move-right" MoveCards card ["L", "Shift+Right"] "move the card to the lane on the right";
    MoveUp "move-up" MoveCards card ["K", "Shift+Up"] "move the card up in its lane";
    MoveDown "move-down" MoveCards card ["J", "Shift+Down"] "move the card down in its lane";
    MoveToLane "move-to-lane" MoveCards card ["m"] "move the card to lane N: then the lane's number, 1-9 (one commit)";
    New "new" ChangeCards any ["n"] "new card in this lane: type its title (Tab switches the kind)";
    Open "open" ChangeCards any ["Enter"] "open the card's details";
    Edit "edit" ChangeCards card ["e"] "edit the card in $EDITOR";
    EditTitle "edit-title" ChangeCards card ["t"] "edit the title";
    EditLabels "edit-labels" ChangeCards card ["#"] "edit the labels";
    EditAssignees "edit-assignees" ChangeCards card ["@"] "edit the assignees";
    EditDue "edit-due" ChangeCards card ["D"] "edit the due date";
    EditField "edit-field" ChangeCards card ["E"] "edit any field: pick it, then type its value";
    Note "note" ChangeCards card ["c"] "add a journal note";
    Verdict "verdict" ChangeCards card ["v"] "set verdict and result";
    RecordResult "result-from-run" ChangeCards card ["r"] "result and verdict from a run (MLflow, DVC), with provenance";
    Checklist "checklist" ChangeCards card ["T"] "tick the card's checklist";
    Conflicts "conflicts" ChangeCards card ["C"] "resolve the conflicts a sync recorded on the card";
    AddLink "add-link" ChangeCards card ["a"] "link the card to another, found by id or title words (one commit)";
    Archive "archive" ChangeCards card ["x"] "archive the card";
    Undo "undo" ChangeCards any ["u"] "undo your last change, again for the one before (a new commit each)";
    Redo "redo" ChangeCards any ["Ctrl+r"] "redo what undo took back (a new commit)";
    Palette "palette" Views any [":", "Ctrl+p"] "command palette: find any action by name, Enter runs it";
    Filter "filter" Views any ["/"] "filter: text, label:x, @who, kind:x, verdict:x, lane:x, is:stale, ready, blocked";
    View "view" Views any ["1", "2", "3", "4", "5", "6", "7", "8", "9"] "show saved view N (views: in board.yaml and your config)";
    AllCards "all-cards" Views any ["0"] "leave the view: all cards again";
    Lane "lane" Views any ["d"] "the lane's exit criteria (definition of done) and WIP";
    History "history" Views card ["i"] "the card's history, field by field";
    Links "links" Views card ["b"] "what the card depends on and what depends on it, parts too; Enter goes to one";
    Hypotheses "hypotheses" Views any ["p"] "all hypotheses side by side";
    Flow "flow" Views any ["f"] "flow: cumulative flow, cycle times, loop-backs";
    Changes "changes" Views any ["w"] "what changed in the last sync";
    Messages "messages" Views any ["M"] "every message of this session";
    Reload "reload" BoardAndTeam any ["R"] "reload the board from disk";
    Sync "sync" BoardAndTeam any ["s"] "sync with the remote (fetch, merge, push)";
    Help "help" BoardAndTeam any ["?"] "help for this view";
    Quit "quit" BoardAndTeam any ["q", "Ctrl+c"] "quit";
}

impl KeyCommand {
    /// Its row of the table.
    pub fn spec(self) -> &'static Spec {
        // Rows are made in the enum's order.
        &TABLE[self as usize]
    }

    /// The name used in the config file.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// What the help screen says it does.
    pub fn describe(self) -> &'static str {
        self.spec().about
    }

    /// Whether it acts on the selected card.
    pub fn needs_card(self) -> bool {
        self.spec().needs_card
    }

    pub fn from_name(name: &str) -> Option<KeyCommand> {
        TABLE.iter().find(|s| s.name == name).map(|s| s.command)
    }

    /// The commands under a help topic, in order.
    pub fn in_topic(topic: Topic) -> impl Iterator<Item = KeyCommand> {
        TABLE
            .iter()
            .filter(move |s| s.topic == topic)
            .map(|s| s.command)
    }
}

impl fmt::Display for KeyCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_command_with_a_unique_name() {
        for (i, s) in TABLE.iter().enumerate() {
            assert_eq!(s.command as usize, i, "{s:?}");
            assert_eq!(s.command.spec(), s);
            assert_eq!(KeyCommand::from_name(s.name), Some(s.command));
            assert!(
                !s.keys.is_empty() && !s.about.is_empty(),
                "{s:?} needs keys and words"
            );
        }
        // Help lists every command under exactly one of its topics.
        let listed: usize = Topic::ALL
            .iter()
            .map(|t| KeyCommand::in_topic(*t).count())
            .sum();
        assert_eq!(listed, TABLE.len());
        assert_eq!(KeyCommand::from_name("bogus"), None);
        assert_eq!(KeyCommand::RecordResult.to_string(), "result-from-run");
    }
}
