//! What `git commit` obeys and libgit2 does not do by itself: commit
//! signing (`commit.gpgsign`, with the user's own gpg, gpgsm or ssh-keygen)
//! and the commit hooks (`pre-commit`, `prepare-commit-msg`, `commit-msg`,
//! `post-commit`, from `core.hooksPath` or the repository's hooks folder).

use anyhow::{anyhow, bail, Context, Result};
use git2::{Commit, Oid, Repository, Signature, Tree};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Make a commit object (no ref moves), signed as `git commit` would sign
/// it when `commit.gpgsign` is set. A signing failure is an error: the
/// commit is not made.
pub fn create_commit(
    repo: &Repository,
    author: &Signature<'_>,
    committer: &Signature<'_>,
    message: &str,
    tree: &Tree<'_>,
    parents: &[&Commit<'_>],
) -> Result<Oid> {
    let config = repo.config()?.snapshot()?;
    let buffer = repo.commit_create_buffer(author, committer, message, tree, parents)?;
    let buffer = with_full_times(&buffer, author, committer);
    if !config.get_bool("commit.gpgsign").unwrap_or(false) {
        return Ok(repo.odb()?.write(git2::ObjectType::Commit, &buffer)?);
    }
    let buffer = std::str::from_utf8(&buffer)
        .map_err(|_| anyhow!("the commit is not UTF-8 and cannot be signed"))?;
    let committer_id = format!(
        "{} <{}>",
        committer.name().unwrap_or(""),
        committer.email().unwrap_or("")
    );
    let signature = sign(repo, &config, buffer, &committer_id).map_err(|e| {
        e.context("commit.gpgsign is set and the commit could not be signed (check user.signingkey and gpg.format, or unset commit.gpgsign); nothing was changed")
    })?;
    Ok(repo.commit_signed(buffer, &signature, None)?)
}

/// The commit object `buffer` with the author's and committer's times
/// written in full. libgit2 writes a signature's seconds as 32 bits
/// (`%u`), so a date past 2106 wraps (5138 becomes 2008) while the card's
/// journal keeps the true one; git itself writes 64 bits.
fn with_full_times(buffer: &[u8], author: &Signature<'_>, committer: &Signature<'_>) -> Vec<u8> {
    let header_end = buffer
        .windows(2)
        .position(|w| w == b"\n\n")
        .map_or(buffer.len(), |p| p + 1);
    let mut out = Vec::with_capacity(buffer.len() + 8);
    let mut fixed = (false, false);
    for line in buffer[..header_end].split_inclusive(|&b| b == b'\n') {
        let sig = if line.starts_with(b"author ") && !fixed.0 {
            fixed.0 = true;
            Some(author)
        } else if line.starts_with(b"committer ") && !fixed.1 {
            fixed.1 = true;
            Some(committer)
        } else {
            None
        };
        // `<header> <name> <<email>> <seconds> <offset>\n`: the seconds are
        // the second field from the end.
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let fields = sig.and_then(|s| {
            let offset_at = body.iter().rposition(|&b| b == b' ')?;
            let secs_at = body[..offset_at].iter().rposition(|&b| b == b' ')?;
            Some((s, secs_at, offset_at))
        });
        match fields {
            Some((s, secs_at, offset_at)) => {
                out.extend_from_slice(&body[..=secs_at]);
                out.extend_from_slice(s.when().seconds().to_string().as_bytes());
                out.extend_from_slice(&body[offset_at..]);
                out.push(b'\n');
            }
            None => out.extend_from_slice(line),
        }
    }
    out.extend_from_slice(&buffer[header_end..]);
    out
}

fn sign(repo: &Repository, config: &git2::Config, buffer: &str, committer: &str) -> Result<String> {
    let get = |k: &str| config.get_string(k).ok().filter(|v| !v.is_empty());
    let format = get("gpg.format").unwrap_or_else(|| "openpgp".into());
    let key = get("user.signingkey");
    match format.as_str() {
        "openpgp" | "x509" => {
            let program = if format == "x509" {
                get("gpg.x509.program").unwrap_or_else(|| "gpgsm".into())
            } else {
                get("gpg.openpgp.program")
                    .or_else(|| get("gpg.program"))
                    .unwrap_or_else(|| "gpg".into())
            };
            let key = key.unwrap_or_else(|| committer.to_string());
            let mut child = Command::new(&program)
                .args(["--status-fd=2", "-bsau", &key])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .with_context(|| format!("cannot run {program} (gpg.program)"))?;
            child
                .stdin
                .take()
                .ok_or_else(|| anyhow!("no stdin for {program}"))?
                .write_all(buffer.as_bytes())?;
            let out = child.wait_with_output()?;
            let status = String::from_utf8_lossy(&out.stderr);
            if !out.status.success() || !status.contains("SIG_CREATED") {
                bail!("{program} failed: {}", status.trim());
            }
            String::from_utf8(out.stdout).context("the signature is not text")
        }
        "ssh" => {
            let program = get("gpg.ssh.program").unwrap_or_else(|| "ssh-keygen".into());
            let Some(key) = key else {
                bail!("gpg.format is ssh but user.signingkey is not set (lanes does not run gpg.ssh.defaultKeyCommand)");
            };
            let scratch = crate::store::cache::Scratch::in_git_dir(repo.path());
            scratch.create()?;
            let base = scratch.signing(std::process::id());
            let key_file = base.with_extension("key");
            let (key_path, literal) = match key.strip_prefix("key::") {
                Some(literal) => {
                    std::fs::write(&key_file, format!("{literal}\n"))?;
                    (key_file.clone(), true)
                }
                None => (PathBuf::from(expand_home(&key)), false),
            };
            let public = literal
                || std::fs::read_to_string(&key_path)
                    .map(|t| {
                        t.starts_with("ssh-") || t.starts_with("ecdsa-") || t.starts_with("sk-")
                    })
                    .unwrap_or(false);
            let payload = base.with_extension("payload");
            let sig = base.with_extension("payload.sig");
            std::fs::write(&payload, buffer)?;
            let mut cmd = Command::new(&program);
            cmd.args(["-Y", "sign", "-n", "git", "-f"]).arg(&key_path);
            if public {
                cmd.arg("-U");
            }
            let out = cmd
                .arg(&payload)
                .stdin(Stdio::null())
                .output()
                .with_context(|| format!("cannot run {program} (gpg.ssh.program)"));
            let result = out.and_then(|out| {
                if !out.status.success() {
                    bail!(
                        "{program} failed: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    );
                }
                std::fs::read_to_string(&sig).context("ssh-keygen wrote no signature")
            });
            for f in [&payload, &sig, &key_file] {
                let _ = std::fs::remove_file(f);
            }
            result
        }
        other => bail!("gpg.format {other:?} is not one git knows (openpgp, x509, ssh)"),
    }
}

fn expand_home(p: &str) -> String {
    match (p.strip_prefix("~/"), crate::env::Env::get().text("HOME")) {
        (Some(rest), Some(home)) => format!("{home}/{rest}"),
        _ => p.to_string(),
    }
}

/// The repository's commit hooks.
pub struct Hooks {
    dir: PathBuf,
    workdir: PathBuf,
}

/// A hook that said no: its name and what it printed.
#[derive(Debug)]
pub struct HookFailed {
    pub hook: String,
    pub output: String,
}

impl std::fmt::Display for HookFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} hook refused the commit; nothing was changed",
            self.hook
        )?;
        let out = self.output.trim();
        if !out.is_empty() {
            write!(f, ":\n{out}")?;
        }
        Ok(())
    }
}

impl std::error::Error for HookFailed {}

impl Hooks {
    /// The hooks folder as git finds it: `core.hooksPath` (relative to the
    /// work tree, `~` expanded), else `hooks/` in the common git dir.
    pub fn of(repo: &Repository) -> Result<Hooks> {
        let workdir = repo
            .workdir()
            .ok_or_else(|| anyhow!("the repository has no work tree"))?
            .to_path_buf();
        let config = repo.config()?.snapshot()?;
        let dir = match config
            .get_string("core.hooksPath")
            .ok()
            .filter(|s| !s.is_empty())
        {
            Some(p) => {
                let p = PathBuf::from(expand_home(&p));
                if p.is_absolute() {
                    p
                } else {
                    workdir.join(p)
                }
            }
            None => repo.commondir().join("hooks"),
        };
        Ok(Hooks { dir, workdir })
    }

    /// The hook `name`, if it exists and may be run.
    pub fn find(&self, name: &str) -> Option<PathBuf> {
        let p = self.dir.join(name);
        let meta = std::fs::metadata(&p).ok()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
                return None;
            }
        }
        #[cfg(not(unix))]
        if !meta.is_file() {
            return None;
        }
        Some(p)
    }

    /// Whether any commit hook is there (cheap).
    pub fn any(&self) -> bool {
        [
            "pre-commit",
            "prepare-commit-msg",
            "commit-msg",
            "post-commit",
        ]
        .iter()
        .any(|h| self.find(h).is_some())
    }

    /// Run hook `name` with `args`, against the index file `index`, as git
    /// does (from the top of the work tree, `GIT_INDEX_FILE` set, no
    /// editor). A missing hook passes.
    pub fn run(&self, name: &str, args: &[&str], index: &Path) -> Result<()> {
        let Some(path) = self.find(name) else {
            return Ok(());
        };
        let out = Command::new(&path)
            .args(args)
            .current_dir(&self.workdir)
            .env("GIT_INDEX_FILE", index)
            .env("GIT_EDITOR", ":")
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("cannot run the {name} hook {}", path.display()))?;
        if out.status.success() {
            return Ok(());
        }
        let mut output = String::from_utf8_lossy(&out.stderr).into_owned();
        output.push_str(&String::from_utf8_lossy(&out.stdout));
        Err(HookFailed {
            hook: name.to_string(),
            output: crate::model::text::visible(&output, true).into_owned(),
        }
        .into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_past_2106_are_written_in_full() {
        let when = |s: i64, off: i32| git2::Time::new(s, off);
        let a = Signature::new("A B", "a@example.com", &when(100_000_000_000, 120)).unwrap();
        let c = Signature::new("C", "c@example.com", &when(4_294_967_296, -150)).unwrap();
        // As libgit2 writes them: the seconds wrapped to 32 bits.
        let wrapped = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
author A B <a@example.com> 1215752192 +0200\n\
committer C <c@example.com> 0 -0230\n\
\n\
author 1 +0000 is the message, not a header\n";
        let fixed = with_full_times(wrapped, &a, &c);
        assert_eq!(
            String::from_utf8(fixed).unwrap(),
            "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
author A B <a@example.com> 100000000000 +0200\n\
committer C <c@example.com> 4294967296 -0230\n\
\n\
author 1 +0000 is the message, not a header\n"
        );
    }
}
