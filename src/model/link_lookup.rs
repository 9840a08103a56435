//! What a reader of the links needs of them, whether they were just
//! worked out from the cards ([`Graph`], which borrows the cards' ids) or
//! are kept between reads ([`Index`], which owns them: the board screen's
//! and the MCP server's). Listing and showing cards read either.

use super::links::{Derived, Graph, Index};
use std::ops::Deref;

/// The board's links, resolved: every relation through `Deref`, and a
/// card's place in them by id.
pub trait LinkLookup: Deref<Target = Derived> {
    /// The index of the card with this id.
    fn index(&self, id: &str) -> Option<usize>;
    /// The id of the card at index `i`.
    fn id(&self, i: usize) -> &str;
}

impl LinkLookup for Graph<'_> {
    fn index(&self, id: &str) -> Option<usize> {
        Graph::index(self, id)
    }

    fn id(&self, i: usize) -> &str {
        Graph::id(self, i)
    }
}

impl LinkLookup for Index {
    fn index(&self, id: &str) -> Option<usize> {
        Index::index(self, id)
    }

    fn id(&self, i: usize) -> &str {
        Index::id(self, i)
    }
}
