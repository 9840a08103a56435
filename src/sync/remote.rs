//! Talking to the remote. By default fetch and push run the user's own
//! `git`, so `~/.ssh/config`, credential helpers, proxies and agent keys work
//! exactly as in their shell. Without a `git` executable, local-path and
//! `file://` remotes still work through git2.

use anyhow::{anyhow, bail, Result};
use git2::Repository;
use std::path::Path;
use std::process::{Command, Stdio};

/// How a network step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Net {
    Ok,
    /// The remote has no such branch yet.
    NoBranch,
    /// The push was refused because the remote moved on.
    Rejected,
    /// The remote answered but refused (permissions, a hook); git's message.
    Refused(String),
    /// The remote could not be reached; git's own message.
    Failed(String),
}

/// Whether git's output says the remote was reached (and said no), as
/// opposed to not reached at all.
fn reached(text: &str) -> bool {
    text.contains("[remote rejected]")
        || text.contains("pre-receive hook declined")
        || text.contains("remote: ")
        || text.contains("Permission denied (publickey)")
        || text.contains("Authentication failed")
        || text.contains("403")
}

fn git_available() -> bool {
    Command::new("git")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run_git(workdir: &Path, args: &[&str], interactive: bool) -> Result<(bool, String)> {
    let mut cmd = Command::new("git");
    cmd.current_dir(workdir).args(args);
    if !interactive {
        // Never stop to ask for a password in the background.
        cmd.env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_SSH_COMMAND", ssh_batch_command())
            .stdin(Stdio::null());
    }
    let out = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| anyhow!("cannot run git: {e}"))?;
    let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    Ok((out.status.success(), text.trim().to_string()))
}

/// Keep the user's ssh command, but never prompt.
fn ssh_batch_command() -> String {
    let base = std::env::var("GIT_SSH_COMMAND").unwrap_or_else(|_| "ssh".to_string());
    format!("{base} -o BatchMode=yes")
}

/// Fetch `branch` of `remote` into `refs/remotes/<remote>/<branch>`.
pub fn fetch(repo: &Repository, remote: &str, branch: &str, interactive: bool) -> Result<Net> {
    let refspec = format!("+refs/heads/{branch}:refs/remotes/{remote}/{branch}");
    let workdir = repo
        .workdir()
        .ok_or_else(|| anyhow!("the repository has no work tree"))?;
    if git_available() {
        let (ok, text) = run_git(
            workdir,
            &["fetch", "--quiet", "--no-tags", remote, &refspec],
            interactive,
        )?;
        if ok {
            return Ok(Net::Ok);
        }
        if text.contains("couldn't find remote ref") || text.contains("could not find remote ref") {
            return Ok(Net::NoBranch);
        }
        if reached(&text) {
            return Ok(Net::Refused(text));
        }
        return Ok(Net::Failed(text));
    }
    let mut r = repo.find_remote(remote)?;
    match r.fetch(&[&refspec], None, None) {
        Ok(()) => Ok(Net::Ok),
        Err(e)
            if e.message().contains("couldn't find remote ref")
                || e.code() == git2::ErrorCode::NotFound =>
        {
            Ok(Net::NoBranch)
        }
        Err(e) => Ok(Net::Failed(e.message().to_string())),
    }
}

/// Push the local branch to the remote's branch of the same name.
pub fn push(
    repo: &Repository,
    remote: &str,
    local: &str,
    branch: &str,
    interactive: bool,
) -> Result<Net> {
    let workdir = repo
        .workdir()
        .ok_or_else(|| anyhow!("the repository has no work tree"))?;
    let refspec = format!("{local}:refs/heads/{branch}");
    if git_available() {
        let (ok, text) = run_git(
            workdir,
            &["push", "--quiet", "--porcelain", remote, &refspec],
            interactive,
        )?;
        if ok {
            return Ok(Net::Ok);
        }
        // Someone pushed first (or while we pushed): fetch, merge, retry.
        if text.contains("[rejected]")
            || text.contains("non-fast-forward")
            || text.contains("fetch first")
            || text.contains("stale info")
            || text.contains("cannot lock ref")
            || (text.contains("failed to update ref") && text.contains("but expected"))
        {
            return Ok(Net::Rejected);
        }
        if reached(&text) {
            return Ok(Net::Refused(text));
        }
        return Ok(Net::Failed(text));
    }
    let mut r = repo.find_remote(remote)?;
    let rejected = std::cell::Cell::new(false);
    let mut cb = git2::RemoteCallbacks::new();
    cb.push_update_reference(|_, status| {
        if status.is_some() {
            rejected.set(true);
        }
        Ok(())
    });
    let mut opts = git2::PushOptions::new();
    opts.remote_callbacks(cb);
    match r.push(&[&refspec], Some(&mut opts)) {
        Ok(()) if rejected.get() => Ok(Net::Rejected),
        Ok(()) => Ok(Net::Ok),
        Err(e) if e.code() == git2::ErrorCode::NotFastForward => Ok(Net::Rejected),
        Err(e) => Ok(Net::Failed(e.message().to_string())),
    }
}

/// The remote and branch to sync with: the branch's upstream if set,
/// otherwise `<remote or origin>/<branch>`.
pub fn upstream(
    repo: &Repository,
    branch_ref: &str,
    remote: Option<&str>,
) -> Result<(String, String)> {
    let short = branch_ref.trim_start_matches("refs/heads/");
    let config = repo.config()?.snapshot()?;
    let cfg_remote = config.get_string(&format!("branch.{short}.remote")).ok();
    let cfg_merge = config
        .get_string(&format!("branch.{short}.merge"))
        .ok()
        .map(|m| m.trim_start_matches("refs/heads/").to_string());
    let remotes: Vec<String> = repo
        .remotes()?
        .iter()
        .filter_map(|r| r.ok().flatten().map(str::to_string))
        .collect();
    let name = match remote {
        Some(r) => r.to_string(),
        None => match cfg_remote.clone() {
            Some(r) if r != "." => r,
            _ if remotes.iter().any(|r| r == "origin") => "origin".to_string(),
            _ if remotes.len() == 1 => remotes[0].clone(),
            _ if remotes.is_empty() => bail!(
                "this repository has no remote to sync with; add one with `git remote add origin <url>` and run `lanes sync` again"
            ),
            _ => bail!(
                "no upstream for branch {short} and several remotes ({}); choose one with `lanes sync --remote NAME` or `git branch --set-upstream-to <remote>/{short}`",
                remotes.join(", ")
            ),
        },
    };
    if !remotes.contains(&name) {
        bail!(
            "there is no remote {name:?}; remotes are: {}",
            if remotes.is_empty() {
                "(none)".to_string()
            } else {
                remotes.join(", ")
            }
        );
    }
    let branch = match (remote, cfg_remote, cfg_merge) {
        (None, Some(_), Some(m)) => m,
        (Some(r), Some(cr), Some(m)) if r == cr => m,
        _ => short.to_string(),
    };
    Ok((name, branch))
}
