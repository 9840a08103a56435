//! Talking to the remote. By default fetch and push run the user's own
//! `git`, so `~/.ssh/config`, credential helpers, proxies and agent keys work
//! exactly as in their shell. Without a `git` executable, local-path,
//! `file://`, `git://` and `http://` remotes still work through libgit2.
//!
//! Every step has a deadline on silence (60 s unless `lanes.networkTimeout`
//! or the board's `settings.network_timeout_seconds` says otherwise): git
//! runs in a process group of its own (`process`), and a step that hears
//! nothing for that long is stopped, group and all, and reported as "no
//! answer from <remote> (<url>)". git's own limits (curl's low-speed limit,
//! ssh keepalives) are set to match where the user has set none, and the
//! user's ssh command is kept, with batch mode added when nobody can answer
//! a prompt (`ssh`).

use super::ssh::{self, SshEnv};
use super::Progress;
use crate::git::process::{self, Terminal, Timeout};
use anyhow::{anyhow, bail, Result};
use git2::Repository;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

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

/// Whether git's message is one of its own timeouts (curl's low-speed
/// limit, ssh's keepalive, a connect that timed out): no answer, as when
/// lanes' own deadline ends the step.
fn timed_out(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("curl 28")
        || t.contains("operation too slow")
        || t.contains("timeout, server")
        || t.contains("timed out")
}

/// Whether git's message says the remote dropped the connection after
/// accepting it, as a busy server does (sshd's `MaxStartups`, a git
/// daemon at its connection limit): worth another try, unlike a refused
/// connection or an unknown host.
pub fn dropped(text: &str) -> bool {
    text.contains("Connection reset by peer")
        || text.contains("early EOF")
        || text.contains("kex_exchange_identification")
        || text.contains("Connection closed by remote host")
}

/// git's progress lines (its own and the server's `remote: ...`), which
/// say nothing about why a step failed.
fn is_progress(line: &str) -> bool {
    const TITLES: &[&str] = &[
        "Enumerating objects",
        "Counting objects",
        "Compressing objects",
        "Writing objects",
        "Receiving objects",
        "Resolving deltas",
        "Unpacking objects",
        "Checking objects",
        "Checking connectivity",
        "Finding sources",
        "Delta compression",
        "Total ",
    ];
    let l = line.trim();
    let l = l.strip_prefix("remote:").map_or(l, str::trim_start);
    l.is_empty() || TITLES.iter().any(|t| l.starts_with(t))
}

/// git's stderr without its progress (lines rewritten with `\r`).
fn without_progress(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .split(['\r', '\n'])
        .filter(|l| !is_progress(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `url` as it may be shown: a password in it is hidden.
fn shown(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@') {
            if let Some((user, _)) = rest[..at].split_once(':') {
                return format!("{scheme}://{user}:***{}", &rest[at..]);
            }
        }
    }
    url.to_string()
}

/// One remote, as a sync talks to it: its URLs, the deadline, and how git
/// must be run (prompting or not, the user's ssh kept). Built once per
/// sync.
pub struct Link<'a> {
    repo: &'a Repository,
    workdir: PathBuf,
    name: String,
    timeout: Timeout,
    interactive: bool,
    progress: Option<Progress>,
    ssh_env: SshEnv,
    /// Whether a `git` executable runs here (else libgit2, for the
    /// transports it has): assumed until running one fails.
    git: std::cell::Cell<bool>,
    /// The ssh plan for each URL, worked out once.
    plans: RefCell<BTreeMap<String, ssh::Plan>>,
}

/// How a git step ended: whether it succeeded and what it said, or
/// (`Err`) that it was stopped for want of an answer.
type GitStep = std::result::Result<(bool, String), String>;

/// Which way a step goes, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    Fetch,
    Push,
}

impl<'a> Link<'a> {
    pub fn open(
        repo: &'a Repository,
        root: &Path,
        name: &str,
        opts: &super::Options,
    ) -> Result<Link<'a>> {
        let workdir = repo
            .workdir()
            .ok_or_else(|| anyhow!("the repository has no work tree"))?
            .to_path_buf();
        Ok(Link {
            repo,
            workdir,
            name: name.to_string(),
            timeout: Timeout::read(repo, root)?,
            interactive: opts.interactive,
            progress: opts.progress.clone(),
            ssh_env: opts.ssh_env.clone(),
            git: std::cell::Cell::new(true),
            plans: RefCell::new(BTreeMap::new()),
        })
    }

    /// The URL git uses for `way` (`insteadOf` applied; `pushurl` for a
    /// push).
    fn url(&self, way: Way) -> String {
        let Ok(r) = self.repo.find_remote(&self.name) else {
            return String::new();
        };
        let url = match way {
            Way::Push => r.pushurl_bytes().unwrap_or(r.url_bytes()),
            Way::Fetch => r.url_bytes(),
        };
        String::from_utf8_lossy(url).into_owned()
    }

    /// "no answer from origin (url) in 60 s; ...".
    fn no_answer(&self, way: Way, url: &str, spoke: bool) -> String {
        let secs = self.timeout.limit.as_secs();
        let what = match (spoke, way) {
            (false, _) => format!("no answer from {} ({}) in {secs} s", self.name, shown(url)),
            (true, Way::Fetch) => format!(
                "{} ({}) stopped answering while fetching: nothing for {secs} s",
                self.name,
                shown(url)
            ),
            (true, Way::Push) => format!(
                "{} ({}) stopped answering while pushing: nothing for {secs} s",
                self.name,
                shown(url)
            ),
        };
        format!(
            "{what}; check the network (or the server) or raise {}",
            self.timeout.setting()
        )
    }

    /// Run git for one network step under the deadline: `None` if there is
    /// no `git` executable here (libgit2 does the step), `Some(Err(msg))`
    /// if it was stopped for want of an answer, else whether it succeeded
    /// and what it said (stderr without progress, then stdout).
    fn run_git(&self, args: &[&str], way: Way) -> Result<Option<GitStep>> {
        if !self.git.get() {
            return Ok(None);
        }
        let url = self.url(way);
        let mut cmd = Command::new("git");
        cmd.current_dir(&self.workdir);
        // git's own deadlines, where the user has set none: curl gives up
        // below 1 byte/s for as long as lanes waits.
        let config = self.repo.config()?.snapshot()?;
        let secs = self.timeout.limit.as_secs().to_string();
        for (key, value) in [
            ("http.lowSpeedLimit", "1"),
            ("http.lowSpeedTime", secs.as_str()),
        ] {
            if config.get_string(key).is_err() {
                cmd.arg("-c").arg(format!("{key}={value}"));
            }
        }
        cmd.args(args);
        // The child's ssh settings are exactly those read at the top, plus
        // what the sync adds to them.
        for k in ["GIT_SSH_COMMAND", "GIT_SSH", "GIT_SSH_VARIANT"] {
            cmd.env_remove(k);
        }
        cmd.envs(self.ssh_env.vars());
        let plan = self
            .plans
            .borrow_mut()
            .entry(url.clone())
            .or_insert_with(|| {
                ssh::plan(
                    &self.ssh_env,
                    &config,
                    &url,
                    !self.interactive,
                    self.timeout.keepalive(),
                    self.timeout.limit,
                )
            })
            .clone();
        cmd.envs(plan.vars);
        let terminal = if self.interactive {
            Terminal::Foreground
        } else {
            // Never stop to ask for a password in the background.
            cmd.env("GIT_TERMINAL_PROMPT", "0");
            Terminal::None
        };
        let verb = match way {
            Way::Fetch => "fetching from",
            Way::Push => "pushing to",
        };
        let limit = self.timeout.limit.as_secs();
        let beat = |b: &process::Beat| {
            let Some(say) = &self.progress else { return };
            if b.silent >= Duration::from_secs(3) {
                say(&format!(
                    "{verb} {} ({}): no answer for {} s; giving up after {limit} s",
                    self.name,
                    shown(&url),
                    b.silent.as_secs()
                ));
            } else if let Some(line) = &b.last_line {
                say(&format!("{verb} {}: {line}", self.name));
            }
        };
        let ran = match process::run(cmd, terminal, self.timeout.limit, beat) {
            Ok(ran) => ran,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.git.set(false);
                return Ok(None);
            }
            Err(e) => bail!("cannot run git: {e}"),
        };
        if ran.timed_out() {
            return Ok(Some(Err(self.no_answer(way, &url, ran.spoke))));
        }
        if interrupted(ran.status) {
            // Ctrl+C in the terminal git had: the user stops the sync.
            let name = &self.name;
            match way {
                Way::Fetch => bail!("interrupted while fetching from {name}; nothing was changed"),
                Way::Push => bail!(
                    "interrupted while pushing to {name}; your commits are safe here, run `lanes sync` again"
                ),
            }
        }
        let mut text = without_progress(&ran.stderr);
        text.push('\n');
        text.push_str(&String::from_utf8_lossy(&ran.stdout));
        let text = text.trim().to_string();
        let ok = ran.status.is_some_and(|s| s.success());
        if !ok && timed_out(&text) {
            return Ok(Some(Err(format!(
                "{}\n{text}",
                self.no_answer(way, &url, ran.spoke)
            ))));
        }
        Ok(Some(Ok((ok, text))))
    }

    /// Bound libgit2's own network reads and connects by the deadline (the
    /// fallback without a `git` executable: local paths, `file://`, and
    /// its built-in `git://` and `http://`).
    fn libgit2_deadline(&self) {
        let ms = i32::try_from(self.timeout.limit.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: libgit2's timeouts are process-wide ints read when a
        // socket is opened or waited on; lanes runs one network step at a
        // time (a sync holds the board lock, the board screen syncs on its
        // one worker), so nothing reads them while they change.
        unsafe {
            let _ = git2::opts::set_server_connect_timeout_in_milliseconds(ms);
            let _ = git2::opts::set_server_timeout_in_milliseconds(ms);
        }
    }

    /// A libgit2 error as a step's outcome.
    fn libgit2_failed(&self, e: &git2::Error, way: Way) -> Net {
        if e.code() == git2::ErrorCode::Timeout || timed_out(e.message()) {
            return Net::Failed(format!(
                "{}\n{}",
                self.no_answer(way, &self.url(way), false),
                e.message()
            ));
        }
        Net::Failed(e.message().to_string())
    }

    /// Fetch `branch` into `refs/remotes/<remote>/<branch>`; `maintain`:
    /// let git run its automatic maintenance afterwards (as `git fetch`
    /// does), which a retry within one sync skips.
    pub fn fetch(&self, branch: &str, maintain: bool) -> Result<Net> {
        let remote = &self.name;
        let refspec = format!("+refs/heads/{branch}:refs/remotes/{remote}/{branch}");
        // (As configuration rather than `--no-auto-maintenance`, which
        // gits before 2.29 do not know.)
        let mut args = vec![];
        if !maintain {
            args.extend(["-c", "maintenance.auto=false", "-c", "gc.auto=0"]);
        }
        args.extend(["fetch", "--quiet", "--progress", "--no-tags"]);
        args.extend([remote.as_str(), refspec.as_str()]);
        if let Some(step) = self.run_git(&args, Way::Fetch)? {
            let (ok, text) = match step {
                Ok(done) => done,
                Err(no_answer) => return Ok(Net::Failed(no_answer)),
            };
            if ok {
                return Ok(Net::Ok);
            }
            if text.contains("couldn't find remote ref")
                || text.contains("could not find remote ref")
            {
                return Ok(Net::NoBranch);
            }
            if reached(&text) {
                return Ok(Net::Refused(text));
            }
            return Ok(Net::Failed(text));
        }
        self.libgit2_deadline();
        let mut r = self.repo.find_remote(remote)?;
        match r.fetch(&[&refspec], None, None) {
            Ok(()) => Ok(Net::Ok),
            Err(e)
                if e.message().contains("couldn't find remote ref")
                    || e.code() == git2::ErrorCode::NotFound =>
            {
                Ok(Net::NoBranch)
            }
            Err(e) => Ok(self.libgit2_failed(&e, Way::Fetch)),
        }
    }

    /// Push `commit` to the remote's `branch`. The remote takes it only
    /// if it is still at a commit that `commit` contains (git's
    /// fast-forward rule, checked by the server as a compare-and-swap);
    /// otherwise [`Net::Rejected`].
    pub fn push(&self, commit: git2::Oid, branch: &str) -> Result<Net> {
        let remote = &self.name;
        let refspec = format!("{commit}:refs/heads/{branch}");
        let args = [
            "push",
            "--quiet",
            "--progress",
            "--porcelain",
            remote.as_str(),
            refspec.as_str(),
        ];
        if let Some(step) = self.run_git(&args, Way::Push)? {
            let (ok, text) = match step {
                Ok(done) => done,
                Err(no_answer) => return Ok(Net::Failed(no_answer)),
            };
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
        self.libgit2_deadline();
        // libgit2 pushes references: the commit goes by a temporary one.
        let temp = format!("refs/lanes/sync-push-{}", std::process::id());
        self.repo
            .reference(&temp, commit, true, "lanes sync: push")?;
        let pushed = self.libgit2_push(&format!("{temp}:refs/heads/{branch}"));
        if let Ok(mut r) = self.repo.find_reference(&temp) {
            let _ = r.delete();
        }
        pushed
    }

    fn libgit2_push(&self, refspec: &str) -> Result<Net> {
        let mut r = self.repo.find_remote(&self.name)?;
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
        match r.push(&[refspec], Some(&mut opts)) {
            Ok(()) if rejected.get() => Ok(Net::Rejected),
            Ok(()) => Ok(Net::Ok),
            Err(e) if e.code() == git2::ErrorCode::NotFastForward => Ok(Net::Rejected),
            Err(e) => Ok(self.libgit2_failed(&e, Way::Push)),
        }
    }
}

/// Whether git was ended by SIGINT (Ctrl+C while it had the terminal).
fn interrupted(status: Option<std::process::ExitStatus>) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        status.and_then(|s| s.signal()) == Some(libc::SIGINT)
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        false
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
