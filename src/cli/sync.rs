//! Working with other clones: `lanes sync` (fetch, merge card by card,
//! push; the loop is [`crate::sync`]), the git merge driver `lanes
//! merge-driver`, and `lanes setup`, which names it in this clone's git
//! config.

use super::args::MergeDriverArgs;
use super::root;
use crate::ops;
use crate::store;
use crate::term::{self, say};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `s` quoted for a POSIX shell (git runs merge drivers through `sh -c`).
pub(super) fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `lanes sync`: what changed on stdout (or the report as JSON),
/// conflicts and the summary on stderr; exit 1 when the remote could not
/// be reached.
pub(super) fn sync(
    board: &Option<PathBuf>,
    remote: Option<String>,
    json: bool,
) -> Result<ExitCode> {
    use std::io::IsTerminal;
    let here = std::env::current_dir()?;
    let r = match (board, store::discover(&here)) {
        // A clone made before the board existed: its upstream may
        // have one (sync says so if not).
        (None, Err(_)) => crate::git::work_tree_of(&here)?,
        _ => root(board)?,
    };
    let opts = crate::sync::Options {
        remote,
        interactive: std::io::stdin().is_terminal(),
        progress: Some(std::sync::Arc::new(|m: &str| say!("lanes: {m}"))),
        ssh_env: crate::sync::ssh::SshEnv::from_env(),
        now: Some(ops::Context::from_env().now()),
    };
    let report = crate::sync::sync(&r, &opts)?;
    if json {
        term::json(&mut term::stdout(), &report)?;
    }
    for c in report.changed.iter().filter(|_| !json) {
        let by = if c.authors.is_empty() {
            String::new()
        } else {
            format!("  by {}", c.authors.join(", "))
        };
        writeln!(
            term::stdout(),
            "{:<8} {}{by}",
            c.what,
            crate::model::id::short(&c.id)
        )?;
    }
    for c in &report.conflicts {
        say!("conflict: {c}");
    }
    for l in &report.lost_claims {
        say!("{}", l.describe());
    }
    for s in &report.salvaged {
        say!("malformed: {s}");
    }
    say!("{}", report.summary());
    if let Some(e) = &report.offline {
        say!(
            "could not reach {}: {e}
your work is safe here; run `lanes sync` again when the remote can be reached",
            report.remote
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// `lanes merge-driver %O %A %B %P`, as git runs it.
pub(super) fn merge_driver(a: &MergeDriverArgs) -> Result<ExitCode> {
    // `git merge` names the commit it merges in `GITHEAD_<oid>`.
    let incoming = crate::env::Env::get().merge_heads();
    let sides = crate::sync::DriverSides {
        incoming: (incoming.len() == 1).then(|| incoming[0].clone()),
    };
    crate::sync::merge_driver(&a.base, &a.ours, &a.theirs, &a.path, &sides)?;
    Ok(ExitCode::SUCCESS)
}

/// `lanes setup`: this clone's git config names the merge driver.
pub(super) fn setup(r: &Path) -> Result<ExitCode> {
    let repo = crate::git::open(r)?;
    let mut cfg = repo.config()?.open_level(git2::ConfigLevel::Local)?;
    // By absolute path: git runs drivers through its own shell, whose
    // PATH may not have lanes (an IDE's git, a binary from `cargo run`).
    let exe = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .context("cannot find the running lanes binary")?;
    let exe = exe
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the lanes binary's path {} is not UTF-8", exe.display()))?;
    let driver = format!("{} merge-driver %O %A %B %P", shell_quote(exe));
    cfg.set_str("merge.lanes.name", "lanes: merge board files card by card")?;
    cfg.set_str("merge.lanes.driver", &driver)?;
    say!(
        "this clone now merges board files card by card in plain `git merge`/`git pull`, with {exe}.\neach clone needs `lanes setup` once (git does not share this setting), and again if that binary moves."
    );
    Ok(ExitCode::SUCCESS)
}
