//! The environment lanes reads: declared once, read once.
//!
//! Every variable lanes honours is a row of [`VARS`], with what it does
//! (the man page's ENVIRONMENT section is printed from this table).
//! [`Env::get`] reads them all from the process the first time it is
//! called (the CLI's entry point does that before anything else) and the
//! rest of the code asks that snapshot, never the process: a value cannot
//! change under a running command, and a test that wants another value
//! runs the binary with it, or passes the setting itself (the watcher's
//! `poll`).
//!
//! A variable set to the empty string counts as unset, as it does for git
//! and most tools.

use std::ffi::{OsStr, OsString};
use std::sync::OnceLock;

/// One environment variable lanes reads.
#[derive(Debug, Clone, Copy)]
pub struct Var {
    pub name: &'static str,
    /// What it does, for the man page.
    pub about: &'static str,
    /// Listed for users (the crash-test hook is not).
    pub documented: bool,
}

const fn var(name: &'static str, about: &'static str) -> Var {
    Var {
        name,
        about,
        documented: true,
    }
}

/// Every variable lanes reads.
pub const VARS: &[Var] = &[
    var(
        "LANES_BOARD",
        "the board to open: a folder at or below the one holding .lanes/board.yaml (--board wins)",
    ),
    var(
        "LANES_CONFIG_DIR",
        "where config.yaml (keys, theme) and templates/ are read (default: the platform's config folder, e.g. ~/.config/lanes)",
    ),
    var(
        "LANES_WATCH",
        "poll: watch the board by polling instead of the system's file events (network file systems)",
    ),
    var(
        "VISUAL",
        "the editor for cards and notes, before EDITOR",
    ),
    var("EDITOR", "the editor for cards and notes (default: vi)"),
    var("NO_COLOR", "any value: the board draws without colour"),
    var(
        "COLUMNS",
        "the width tables are fitted to on a terminal",
    ),
    var(
        "MLFLOW_TRACKING_URI",
        "the MLflow store runs are read from (sqlite:///path or a folder), unless --store names one",
    ),
    var("HOME", "where ~/ in git configuration points"),
    var(
        "PATH",
        "searched for an installed lanes, for the demo's closing words",
    ),
    var("EMAIL", "the committer's e-mail when git config has none, as for git"),
    var(
        "GIT_DIR",
        "the repository's git folder, as for git (the current folder is then not searched)",
    ),
    var("GIT_WORK_TREE", "the work tree, as for git"),
    var("GIT_INDEX_FILE", "the index file, as for git"),
    var(
        "GIT_OBJECT_DIRECTORY",
        "the object store, as for git (objects are then written there directly)",
    ),
    var("GIT_AUTHOR_NAME", "the author of lanes' commits, as for git"),
    var("GIT_AUTHOR_EMAIL", "the author's e-mail, as for git"),
    var(
        "GIT_AUTHOR_DATE",
        "the author date of lanes' commits, and the moment lanes records, as for git",
    ),
    var("GIT_COMMITTER_NAME", "the committer, as for git"),
    var("GIT_COMMITTER_EMAIL", "the committer's e-mail, as for git"),
    var("GIT_COMMITTER_DATE", "the commit date, as for git"),
    var("GIT_SSH_COMMAND", "how sync reaches ssh remotes, as for git"),
    var("GIT_SSH", "the ssh program for sync, as for git"),
    var("GIT_SSH_VARIANT", "which ssh GIT_SSH is, as for git"),
    Var {
        name: "LANES_COMPLETE",
        about: "set by the scripts `lanes completions SHELL` prints: answer a Tab (the shell's name)",
        documented: false,
    },
    Var {
        name: "LANES_CRASH_AT",
        about: "crash tests: abort at the named point of a commit, as kill -9 would",
        documented: false,
    },
];

/// The variables of [`VARS`] as this process found them.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// Parallel to [`VARS`]: the value when set and not empty.
    values: Vec<Option<OsString>>,
    /// The commits `git merge` names in `GITHEAD_<oid>` (for the merge
    /// driver).
    merge_heads: Vec<String>,
}

impl Env {
    /// The process's environment, read the first time this is called.
    pub fn get() -> &'static Env {
        static PROCESS: OnceLock<Env> = OnceLock::new();
        PROCESS.get_or_init(Env::from_process)
    }

    /// Read every declared variable from the process now.
    pub fn from_process() -> Env {
        Env::from_pairs(std::env::vars_os())
    }

    /// An environment from name and value pairs (tests, children).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (OsString, OsString)>) -> Env {
        let mut env = Env {
            values: vec![None; VARS.len()],
            merge_heads: Vec::new(),
        };
        for (k, v) in pairs {
            let Some(k) = k.to_str() else { continue };
            if let Some(oid) = k.strip_prefix("GITHEAD_") {
                env.merge_heads.push(oid.to_string());
            }
            if v.is_empty() {
                continue;
            }
            if let Some(i) = VARS.iter().position(|d| d.name == k) {
                env.values[i] = Some(v);
            }
        }
        env.merge_heads.sort();
        env
    }

    /// A declared variable's value, when set and not empty.
    pub fn os(&self, name: &str) -> Option<&OsStr> {
        let i = VARS.iter().position(|d| d.name == name);
        debug_assert!(i.is_some(), "{name} is not declared in env::VARS");
        self.values.get(i?)?.as_deref()
    }

    /// A declared variable's value as text (`None` when unset, empty or
    /// not UTF-8).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.os(name)?.to_str()
    }

    /// The commits a running `git merge` names in `GITHEAD_<oid>`.
    pub fn merge_heads(&self) -> &[String] {
        &self.merge_heads
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_counts_as_unset_and_names_are_declared_once() {
        let env = Env::from_pairs([
            ("EDITOR".into(), "".into()),
            ("VISUAL".into(), "nvim".into()),
            ("GITHEAD_abc".into(), "theirs".into()),
            ("UNRELATED".into(), "x".into()),
        ]);
        assert_eq!(env.text("EDITOR"), None);
        assert_eq!(env.text("VISUAL"), Some("nvim"));
        assert_eq!(env.merge_heads(), ["abc"]);
        let mut names: Vec<&str> = VARS.iter().map(|v| v.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), VARS.len(), "a variable declared twice");
    }
}
