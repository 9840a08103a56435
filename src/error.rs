//! Markers for the kinds of failure callers branch on, set where the
//! failure happens (a lock held, an id with no card, a rule that says no)
//! and read once at the boundary of `ops` ([`crate::ops::Error`]).

/// A named thing (card, lane, run, file) does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotFound(pub String);

/// Another process holds what the change needs (a lock file, the branch
/// moving under it): trying again later may work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Busy(pub String);

/// The change is understood and against a rule (a bad value, a verdict
/// that contradicts its numbers, an append-only field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// A refusal, as an `anyhow` error (for `return Err(refused(...))`).
pub fn refused(message: impl Into<String>) -> anyhow::Error {
    Refusal(message.into()).into()
}

/// A busy repository, as an `anyhow` error.
pub fn busy(message: impl Into<String>) -> anyhow::Error {
    Busy(message.into()).into()
}

/// A thing not found, as an `anyhow` error.
pub fn not_found(message: impl Into<String>) -> anyhow::Error {
    NotFound(message.into()).into()
}

/// A file the change needs cannot be read (`path:line:col: ...` inside).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

/// Someone else holds a live claim on the card: the claim is in the
/// error, for a caller that shows who and until when.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Held {
    pub message: String,
    /// The card's full id.
    pub card: String,
    pub claim: crate::model::Claim,
}
