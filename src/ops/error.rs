//! The kinds of failure a caller branches on, each with its exit code:
//! a script retries when the repository is busy, asks for another id when
//! a card is not found, and shows the two values of a conflict. The
//! message is the same whichever face (CLI, board, agent) shows it.
//!
//! The core keeps `anyhow` inside; the places that know a failure's kind
//! say so with a small marker type (`crate::error`: [`NotFound`],
//! [`Busy`], [`Refusal`]; or the typed [`ConflictError`], [`crate::store::Problem`],
//! [`crate::git::rules::HookFailed`]), and [`Error`] reads the kind from
//! the chain once, at the boundary of `ops`.

use super::ConflictError;
pub use crate::error::{busy, not_found, refused, Busy, Held, NotFound, Refusal, Unreadable};
use std::fmt;

/// What went wrong, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Anything else: I/O, git, the network.
    Failed,
    /// A rule said no; nothing changed.
    Refused,
    NotFound,
    /// A field changed meanwhile (both values are in the error), or
    /// someone else holds a live claim on the card.
    Conflict,
    /// Another process holds the repository; nothing changed.
    Busy,
    /// A file lanes cannot read (`path:line:col: ...`).
    Problem,
    /// A git hook refused the commit.
    HookFailed,
}

impl Kind {
    /// Every kind, in the order of their exit codes.
    pub const ALL: [Kind; 7] = [
        Kind::Failed,
        Kind::Refused,
        Kind::NotFound,
        Kind::Conflict,
        Kind::Busy,
        Kind::Problem,
        Kind::HookFailed,
    ];

    /// What a failure of this kind means, for the man page.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Failed => "it failed (I/O, git, the network)",
            Kind::Refused => "a rule refused the change; nothing changed",
            Kind::NotFound => "a card, lane, run or file named does not exist",
            Kind::Conflict => "a field changed meanwhile; both values are in the message",
            Kind::Busy => {
                "another process holds the repository (index.lock); nothing changed, try again"
            }
            Kind::Problem => "a board file cannot be read (path:line:col in the message)",
            Kind::HookFailed => "a git hook refused the commit; nothing changed",
        }
    }

    /// The process exit code for this kind (docs/FORMAT.md, "Exit
    /// codes"). 2 is a usage error, from the argument parser.
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Failed | Kind::Refused => 1,
            Kind::NotFound => 3,
            Kind::Conflict => 4,
            Kind::Busy => 5,
            Kind::Problem => 6,
            Kind::HookFailed => 7,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Failed => "failed",
            Kind::Refused => "refused",
            Kind::NotFound => "not_found",
            Kind::Conflict => "conflict",
            Kind::Busy => "busy",
            Kind::Problem => "problem",
            Kind::HookFailed => "hook_failed",
        }
    }
}

/// A failed change: its kind, and the whole message (every context the
/// core added). A conflict keeps its two values for the board to offer.
#[derive(Debug)]
pub enum Error {
    Conflict(Box<ConflictError>),
    Other(Kind, anyhow::Error),
}

impl Error {
    pub fn kind(&self) -> Kind {
        match self {
            Error::Conflict(_) => Kind::Conflict,
            Error::Other(k, _) => *k,
        }
    }

    pub fn exit_code(&self) -> u8 {
        self.kind().exit_code()
    }

    /// The claim another holds, when that is why the change was refused.
    pub fn held(&self) -> Option<&Held> {
        match self {
            Error::Other(_, e) => e.chain().find_map(|c| c.downcast_ref::<Held>()),
            Error::Conflict(_) => None,
        }
    }

    /// The same failure with `what` said first (`what: the failure`), as
    /// anyhow's `context`; its kind stays (a conflict's values stay in
    /// the chain, but it is no longer offered as mine/theirs).
    pub fn context(self, what: impl fmt::Display + Send + Sync + 'static) -> Error {
        match self {
            Error::Other(kind, e) => Error::Other(kind, e.context(what)),
            Error::Conflict(c) => {
                Error::Other(Kind::Conflict, anyhow::Error::new(*c).context(what))
            }
        }
    }

    /// The kind of an error from the core, read from the markers in its
    /// chain (the first one found, outermost first).
    pub fn kind_of(e: &anyhow::Error) -> Kind {
        for cause in e.chain() {
            if let Some(known) = cause.downcast_ref::<Error>() {
                return known.kind();
            }
            if cause.is::<ConflictError>() || cause.is::<Held>() {
                return Kind::Conflict;
            }
            if cause.is::<Busy>() {
                return Kind::Busy;
            }
            if cause.is::<NotFound>() {
                return Kind::NotFound;
            }
            if cause.is::<crate::git::rules::HookFailed>() {
                return Kind::HookFailed;
            }
            if cause.is::<crate::store::Problem>() || cause.is::<Unreadable>() {
                return Kind::Problem;
            }
            // A verdict its numbers contradict: a rule said no.
            if cause.is::<Refusal>() || cause.is::<crate::evidence::verdict::Disagrees>() {
                return Kind::Refused;
            }
        }
        Kind::Failed
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Error {
        match e.downcast::<ConflictError>() {
            Ok(c) => Error::Conflict(Box::new(c)),
            Err(e) => Error::Other(Error::kind_of(&e), e),
        }
    }
}

impl From<crate::store::Problem> for Error {
    fn from(p: crate::store::Problem) -> Error {
        Error::Other(Kind::Problem, p.into())
    }
}

impl From<ConflictError> for Error {
    fn from(c: ConflictError) -> Error {
        Error::Conflict(Box::new(c))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Conflict(c) => c.fmt(f),
            Error::Other(_, e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn the_kind_is_read_through_contexts() {
        let e = anyhow::Error::from(Busy("index.lock exists".into()))
            .context("the change was not made");
        assert_eq!(Error::kind_of(&e), Kind::Busy);
        let e: Error = e.into();
        assert_eq!(e.exit_code(), 5);
        assert_eq!(e.to_string(), "the change was not made: index.lock exists");
        let e: Error = Err::<(), _>(not_found("no card \"zz\""))
            .context("x")
            .unwrap_err()
            .into();
        assert_eq!(e.kind(), Kind::NotFound);
        assert_eq!(
            Error::from(anyhow::anyhow!("disk full")).kind(),
            Kind::Failed
        );
        assert_eq!(Error::from(refused("no")).exit_code(), 1);
        let e = Error::from(anyhow::Error::from(Busy("index.lock exists".into())))
            .context("the note was not added");
        assert_eq!(e.kind(), Kind::Busy);
        assert_eq!(e.to_string(), "the note was not added: index.lock exists");
    }
}
