//! Which board a call works on: the one its `board` argument names, else
//! the first of the client's roots that holds one, else the server's
//! working folder, each found by walking up as the command line does. A
//! linked worktree's board is that worktree's (the walk stops at the
//! first `.lanes/board.yaml`, which is in the worktree's own files).
//!
//! A board a call names must be in a repository the server serves: the
//! one it was started in, or one of the client's roots (any worktree of
//! them). A path elsewhere is refused, so an agent cannot read or change
//! another project through the server.

use crate::{git, ops, store};
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

/// The root of the board a call works on (see the module's comment).
/// `named` is relative to `cwd`; `roots` are the client's roots as paths.
pub fn locate(named: Option<&str>, cwd: &Path, roots: &[PathBuf]) -> Result<PathBuf> {
    if let Some(n) = named.map(str::trim).filter(|n| !n.is_empty()) {
        if n.len() > 4096 {
            bail!("the board path is too long");
        }
        let p = cwd.join(n);
        let root = store::explicit_root(&p).or_else(|_| store::discover(&p))?;
        confine(&root, cwd, roots)?;
        return Ok(root);
    }
    for r in roots {
        if let Ok(root) = store::discover(r) {
            return Ok(root);
        }
    }
    store::discover(cwd)
}

/// The repository a folder is in, as its common git folder (the same for
/// every worktree of it).
fn repository_of(path: &Path) -> Option<PathBuf> {
    let repo = git::open(path).ok()?;
    std::fs::canonicalize(repo.commondir()).ok()
}

/// Refuse a board outside the repositories the server serves.
fn confine(root: &Path, cwd: &Path, roots: &[PathBuf]) -> Result<()> {
    let served: Vec<PathBuf> = std::iter::once(cwd)
        .chain(roots.iter().map(PathBuf::as_path))
        .filter_map(repository_of)
        .collect();
    if served.is_empty() {
        return Err(ops::refused(format!(
            "this server was started in {}, which is in no git repository, so it serves no board; start `lanes mcp` in your project (or with --board PATH)",
            cwd.display()
        )));
    }
    match repository_of(root) {
        Some(r) if served.contains(&r) => Ok(()),
        _ => Err(ops::refused(format!(
            "{} is outside the repository this server serves ({}); the server reads and writes only there",
            root.display(),
            served
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// A root's `file://` URI as a path (other schemes are not boards).
pub fn root_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file:///home/x`: an empty host; `file://localhost/home/x` too.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    Some(PathBuf::from(percent_decode(path)))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        // Two hex digits after `%` (read as bytes: the text after a `%`
        // a client sent need not split on a character boundary).
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        if let Some(v) = hex
            .filter(|_| b[i] == b'%')
            .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(
            root_path("file:///home/ana/My%20Project"),
            Some(PathBuf::from("/home/ana/My Project"))
        );
        assert_eq!(
            root_path("file://localhost/srv/x"),
            Some(PathBuf::from("/srv/x"))
        );
        assert_eq!(root_path("https://example.com/x"), None);
        // A `%` before a character of several bytes, or at the end.
        assert_eq!(
            root_path("file:///a%aé/b%"),
            Some(PathBuf::from("/a%aé/b%"))
        );
        assert_eq!(root_path("file:///%C3%A9"), Some(PathBuf::from("/é")));
    }
}
