//! Board YAML: reading with positions (with a fast path for the files lanes
//! writes itself), a deterministic block-style emitter, and splicing, so
//! that a rewrite keeps the text of the fields that did not change.
//!
//! - `read`: limits, pre-parse checks, `parse` with `line:column` errors,
//!   and `locate` (a field's position in a file);
//! - `fast`: a reader for lanes' own canonical subset, answering exactly as
//!   the full parser would or not at all;
//! - `emit`: the canonical emitter;
//! - `splice`: `render`, the rewrite over an existing file;
//! - `spell`: `respell`, numbers written as the user typed them (`0.20`).

mod emit;
pub mod fast;
mod read;
mod spell;
mod splice;

pub use emit::emit;
pub use read::{locate, locate_near, parse, ParseError, MAX_DEPTH, MAX_FILE_BYTES};
pub use spell::{canonical_if_respelled, respell};
pub use splice::render;

/// A YAML text as a mapping, for the tests.
#[cfg(test)]
fn map(s: &str) -> serde_yaml::Mapping {
    match serde_yaml::from_str::<serde_yaml::Value>(s).expect("yaml") {
        serde_yaml::Value::Mapping(m) => m,
        _ => panic!("not a mapping"),
    }
}
