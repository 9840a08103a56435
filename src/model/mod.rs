//! Pure data and rules: cards, the board definition, ids, ranks and dates.
//! Nothing here touches the file system, git or the terminal.

pub mod board;
pub mod card;
pub mod claim;
pub mod cost;
pub mod date;
pub mod done;
pub mod evidence;
pub mod field;
pub mod filter;
pub mod id;
pub mod link_lookup;
pub mod links;
pub mod oplog;
pub mod rank;
pub mod text;
pub mod value;
pub mod view;

pub use board::{
    BoardConfig, Budget, BudgetEntry, BudgetPeriod, Budgets, CommitMode, LabelDef, LaneDef,
};
pub use card::{Card, ChecklistItem, Direction, Experiment, Hypothesis, JournalEntry, Verdict};
pub use claim::Claim;
pub use done::{done, Done, Progress};
pub use evidence::Evidence;
pub use value::FieldError;
