//! lanes: a kanban board for research and ML teams, stored as YAML files in git.
//!
//! The library holds everything but the terminal: the data model (`model`),
//! reading and writing the YAML files (`store`), committing through git2
//! (`git`), and the actions that CLI and TUI share (`ops`). What reaches
//! the terminal as text goes through one gate (`term`).

// A panic in the library would end a board screen or a sync half-way:
// failures are errors the caller reports (tests may unwrap).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
// Events and effects carry a card by value; they are few and short-lived.
#![allow(clippy::large_enum_variant)]

pub mod cli;
pub mod config;
pub mod demo;
pub mod env;
pub mod error;
pub mod evidence;
pub mod git;
pub mod history;
pub mod mcp;
pub mod merge;
pub mod model;
pub mod ops;
pub mod store;
pub mod sync;
pub mod templates;
pub mod term;
pub mod tui;
pub mod watch;

/// The user's configuration folder for lanes (templates, keymap, theme).
pub fn config_dir() -> Option<std::path::PathBuf> {
    if let Some(d) = env::Env::get().os("LANES_CONFIG_DIR") {
        return Some(d.into());
    }
    directories::ProjectDirs::from("", "", "lanes").map(|p| p.config_dir().to_path_buf())
}
