//! Which board a call works on: the one its `board` argument names, else
//! the first of the client's roots that holds one, else the server's
//! working folder, each found by walking up as the command line does. A
//! linked worktree's board is that worktree's (the walk stops at the
//! first `.lanes/board.yaml`, which is in the worktree's own files).

use crate::store;
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
        return store::explicit_root(&p).or_else(|_| store::discover(&p));
    }
    for r in roots {
        if let Ok(root) = store::discover(r) {
            return Ok(root);
        }
    }
    store::discover(cwd)
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
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
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
    }
}
