//! Clones that lack part of their history, and bringing it in.
//!
//! - A **partial clone** (`git clone --filter=blob:none`, `tree:0`, ...)
//!   holds every commit but only some of the files and folders; git fetches
//!   the rest from its promisor remote when a command needs it. libgit2
//!   does not: a missing object is an error (`object not found`). So lanes
//!   does what git does, through the user's own `git`: one
//!   `git fetch <remote> --filter=blob:none --stdin` with the ids it
//!   needs ([`fetch_missing`]), bounded in time (the same [`Timeout`] as every network step).
//! - A **shallow clone** (`--depth N`) stops at the commits listed in
//!   `.git/shallow`; before them there is nothing to fetch lazily, so
//!   history says where it starts ([`shallow`]).

use super::process::{self, Timeout};
use git2::{Oid, Repository};
use std::process::Command;

/// Whether a git2 error says an object is not in the repository (as
/// opposed to a path not being in a tree, or a damaged object).
pub fn is_missing(e: &git2::Error) -> bool {
    e.code() == git2::ErrorCode::NotFound && e.class() == git2::ErrorClass::Odb
}

/// The remotes git fetches missing objects from, in the order it asks
/// them: `extensions.partialClone`, then every remote with
/// `remote.<name>.promisor` set. Empty when the clone is not partial.
pub fn promisor_remotes(repo: &Repository) -> Vec<String> {
    let Ok(config) = repo.config().and_then(|mut c| c.snapshot()) else {
        return Vec::new();
    };
    let mut out: Vec<String> = config
        .get_string("extensions.partialclone")
        .ok()
        .filter(|r| !r.is_empty())
        .into_iter()
        .collect();
    if let Ok(mut entries) = config.entries(Some(r"^remote\..*\.promisor$")) {
        while let Some(Ok(e)) = entries.next() {
            let (Ok(name), Ok(value)) = (e.name(), e.value()) else {
                continue;
            };
            let on = matches!(
                value.to_ascii_lowercase().as_str(),
                "true" | "yes" | "on" | "1"
            );
            let remote = name["remote.".len()..name.len() - ".promisor".len()].to_string();
            if on && !out.contains(&remote) {
                out.push(remote);
            }
        }
    }
    out
}

/// Whether `repo` is a partial clone (it has a promisor remote).
pub fn is_partial(repo: &Repository) -> bool {
    !promisor_remotes(repo).is_empty()
}

/// Objects of `ids` that are not in the repository.
pub fn absent(repo: &Repository, ids: &[Oid]) -> Vec<Oid> {
    match repo.odb() {
        Ok(odb) => ids.iter().copied().filter(|id| !odb.exists(*id)).collect(),
        Err(_) => ids.to_vec(),
    }
}

/// Bring `ids` into the repository from its promisor remotes, in one batch
/// per remote, as git's own lazy fetch does
/// (`git -c fetch.negotiationAlgorithm=noop fetch <remote> --no-tags
/// --no-write-fetch-head --recurse-submodules=no --filter=blob:none
/// --stdin`, the ids on stdin). Each run has no terminal to prompt on and
/// is stopped, with everything it started, after `timeout` of silence. `Err`: why some are still missing, as a
/// clause for a sentence ("fetching them from origin (URL) failed: ...").
pub fn fetch_missing(repo: &Repository, ids: &[Oid], timeout: &Timeout) -> Result<(), String> {
    let mut want = absent(repo, ids);
    if want.is_empty() {
        return Ok(());
    }
    let remotes = promisor_remotes(repo);
    if remotes.is_empty() {
        return Err(
            "this clone has no promisor remote to fetch them from (run `git fsck`: objects are missing)"
                .to_string(),
        );
    }
    let mut why = String::new();
    for remote in &remotes {
        let url = repo
            .find_remote(remote)
            .ok()
            .and_then(|r| r.url().ok().map(str::to_string))
            .map(|u| format!(" ({u})"))
            .unwrap_or_default();
        let input: String = want.iter().map(|id| format!("{id}\n")).collect();
        let mut cmd = Command::new("git");
        cmd.args([
            "-c",
            "fetch.negotiationAlgorithm=noop",
            "fetch",
            remote,
            "--no-tags",
            "--no-write-fetch-head",
            "--recurse-submodules=no",
            "--filter=blob:none",
            "--stdin",
        ])
        .env("GIT_DIR", repo.path())
        .env("GIT_TERMINAL_PROMPT", "0")
        .current_dir(repo.workdir().unwrap_or(repo.path()));
        why = match process::run_fed(cmd, input.into_bytes(), timeout.limit) {
            Err(e) => format!("git, which fetches them, could not be run ({e})"),
            Ok(ran) if ran.timed_out() => format!(
                "fetching them from {remote}{url} got no answer in {} s (check the network and that {remote} answers, or raise {})",
                timeout.limit.as_secs(),
                timeout.setting()
            ),
            Ok(ran) if ran.status.is_some_and(|s| s.success()) => {
                want = absent(repo, &want);
                if want.is_empty() {
                    return Ok(());
                }
                format!("{remote}{url} did not send them")
            }
            Ok(ran) => format!(
                "fetching them from {remote}{url} failed: {}",
                last_lines(&String::from_utf8_lossy(&ran.stderr))
            ),
        };
    }
    Err(why)
}

/// The last lines of git's stderr, on one line.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let tail = &lines[lines.len().saturating_sub(3)..];
    crate::model::text::one_line(&tail.join(" / "))
}

/// Where a shallow clone's history is cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shallow {
    /// Names this cut (the id of `.git/shallow`'s text): it changes when
    /// `git fetch --unshallow` or `--deepen` moves the cut.
    pub key: String,
    /// The commits whose parents the clone does not hold.
    pub roots: Vec<Oid>,
}

/// The cut of a shallow clone; `None` for a whole one.
pub fn shallow(repo: &Repository) -> Option<Shallow> {
    let bytes = std::fs::read(repo.commondir().join("shallow")).ok()?;
    shallow_of(&bytes)
}

fn shallow_of(bytes: &[u8]) -> Option<Shallow> {
    let roots: Vec<Oid> = String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect();
    if roots.is_empty() {
        return None;
    }
    let key = Oid::hash_object(git2::ObjectType::Blob, bytes)
        .ok()?
        .to_string();
    Some(Shallow { key, roots })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shallow_file_names_its_cut() {
        assert_eq!(shallow_of(b""), None);
        let a = "c6d7778cba81ef6a781d54b744d1575dd5eda1f7";
        let b = "0641de57f1d2c0a3dd00b8a54ec6d6b12eb83b82";
        let one = shallow_of(format!("{a}\n").as_bytes()).unwrap();
        let two = shallow_of(format!("{a}\n{b}\n").as_bytes()).unwrap();
        assert_eq!(one.roots, vec![Oid::from_str(a).unwrap()]);
        assert_eq!(two.roots.len(), 2);
        assert_ne!(one.key, two.key, "a deeper or other cut is another key");
    }

    #[test]
    fn the_end_of_gits_message_on_one_line() {
        let err = "remote: counting\nfatal: unable to connect to 127.0.0.1:\n127.0.0.1[0: 127.0.0.1]: errno=Connection refused\n\n";
        assert_eq!(
            last_lines(err),
            "remote: counting / fatal: unable to connect to 127.0.0.1: / 127.0.0.1[0: 127.0.0.1]: errno=Connection refused"
        );
    }
}
