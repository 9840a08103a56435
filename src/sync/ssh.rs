//! The ssh that git runs for a remote, worked out as git works it out
//! (`connect.c`), so that lanes can add what a sync needs — batch mode
//! when nobody can answer a prompt, keepalives so that a dead connection
//! ends — to the user's own choice instead of replacing it:
//!
//! - the command: `GIT_SSH_COMMAND`, else `core.sshCommand` (both shell
//!   command lines), else `GIT_SSH` (a program, run without a shell), else
//!   `ssh`;
//! - its variant, which says which options it takes: `GIT_SSH_VARIANT`,
//!   else `ssh.variant`, else the command's name (`ssh`, `plink`,
//!   `tortoiseplink`), else what git's own probe finds: a command that
//!   accepts `-G` (OpenSSH's "print the configuration") is OpenSSH,
//!   anything else is "simple" and gets no options at all.
//!
//! Batch mode is `-o BatchMode=yes` for OpenSSH and `-batch` for PuTTY's
//! plink (TortoisePlink gets `-batch` from git already); a "simple" ssh
//! cannot be given options, so it is left exactly as it is (it has no
//! terminal to prompt on: see `process::Terminal::None`). The result is
//! the user's command line with the options after it, as
//! `GIT_SSH_COMMAND` for that one git.

use crate::git::process::{self, Terminal};
use std::process::Command;
use std::time::Duration;

/// git's ssh settings in the environment, read once at the top (the
/// command line, the board screen) and passed down.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshEnv {
    /// `GIT_SSH_COMMAND`: a shell command line; outranks everything.
    pub command: Option<String>,
    /// `GIT_SSH`: a program, run without a shell.
    pub program: Option<String>,
    /// `GIT_SSH_VARIANT`.
    pub variant: Option<String>,
}

impl SshEnv {
    /// As git will see them in this process's environment.
    pub fn from_env() -> SshEnv {
        let get = |k: &str| crate::env::Env::get().text(k).map(str::to_string);
        SshEnv {
            command: get("GIT_SSH_COMMAND"),
            program: get("GIT_SSH"),
            variant: get("GIT_SSH_VARIANT"),
        }
    }

    /// The variables as given, for a git child whose environment is
    /// built from this (and nothing the process happens to hold).
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        [
            ("GIT_SSH_COMMAND", &self.command),
            ("GIT_SSH", &self.program),
            ("GIT_SSH_VARIANT", &self.variant),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
    }
}

/// What kind of ssh a command is, as git decides (`enum ssh_variant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Not known from settings or the name: git probes it.
    Auto,
    Ssh,
    Plink,
    Putty,
    TortoisePlink,
    /// Takes no options: only the host and the command.
    Simple,
}

impl Variant {
    /// `GIT_SSH_VARIANT` / `ssh.variant`: git maps any other value to ssh.
    fn named(v: &str) -> Variant {
        match v {
            "auto" => Variant::Auto,
            "plink" => Variant::Plink,
            "putty" => Variant::Putty,
            "tortoiseplink" => Variant::TortoisePlink,
            "simple" => Variant::Simple,
            _ => Variant::Ssh,
        }
    }

    /// From the program's name, as git does.
    fn of_program(program: &str) -> Variant {
        let base = program
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(program)
            .to_ascii_lowercase();
        match base.as_str() {
            "ssh" | "ssh.exe" => Variant::Ssh,
            "plink" | "plink.exe" => Variant::Plink,
            "tortoiseplink" | "tortoiseplink.exe" => Variant::TortoisePlink,
            _ => Variant::Auto,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Variant::Auto => "auto",
            Variant::Ssh => "ssh",
            Variant::Plink => "plink",
            Variant::Putty => "putty",
            Variant::TortoisePlink => "tortoiseplink",
            Variant::Simple => "simple",
        }
    }
}

/// The ssh git will run, and whether it is a shell command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub text: String,
    pub cmdline: bool,
}

/// git's choice of ssh command (`get_ssh_command`, then `GIT_SSH`).
pub fn chosen(env: &SshEnv, config: &git2::Config) -> Chosen {
    if let Some(c) = &env.command {
        return Chosen {
            text: c.clone(),
            cmdline: true,
        };
    }
    if let Some(c) = config
        .get_string("core.sshCommand")
        .ok()
        .filter(|c| !c.is_empty())
    {
        return Chosen {
            text: c,
            cmdline: true,
        };
    }
    Chosen {
        text: env.program.clone().unwrap_or_else(|| "ssh".to_string()),
        cmdline: false,
    }
}

/// git's variant for `chosen`, before any probe.
pub fn variant(env: &SshEnv, config: &git2::Config, chosen: &Chosen) -> Variant {
    let set = env
        .variant
        .clone()
        .or_else(|| config.get_string("ssh.variant").ok());
    if let Some(v) = set {
        let v = Variant::named(&v);
        if v != Variant::Auto {
            return v;
        }
    }
    if chosen.cmdline {
        match first_word(&chosen.text) {
            Some(w) => Variant::of_program(&w),
            None => Variant::Auto,
        }
    } else {
        Variant::of_program(&chosen.text)
    }
}

/// The first word of a command line, split as git's `split_cmdline`
/// does (quotes and backslashes).
fn first_word(line: &str) -> Option<String> {
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = line.trim_start().chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => break,
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => word.push(c),
            (_, '\\') => word.push(chars.next()?),
            (_, c) => word.push(c),
        }
    }
    (!word.is_empty()).then_some(word)
}

/// Quote `s` for a POSIX shell.
fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@%=".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The host and port an ssh URL names (`ssh://[user@]host[:port]/path`,
/// `git+ssh://`, or scp-like `[user@]host:path`); `None` for any other
/// transport.
pub fn ssh_target(url: &str) -> Option<(String, Option<String>)> {
    let rest = ["ssh://", "git+ssh://", "ssh+git://"]
        .iter()
        .find_map(|p| url.strip_prefix(p));
    if let Some(rest) = rest {
        let authority = rest.split('/').next().unwrap_or(rest);
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port) = split_port(hostport);
        let host = match userinfo {
            Some(u) => format!("{u}@{host}"),
            None => host,
        };
        return Some((host, port));
    }
    if url.contains("://") || url.contains("::") {
        return None;
    }
    // scp-like: a colon before any slash (git's url_is_local_not_ssh).
    let colon = url.find(':')?;
    if url.find('/').is_some_and(|slash| slash < colon) {
        return None;
    }
    if let Some(inner) = url.strip_prefix('[') {
        // `[user@host:port]:path`
        let close = inner.find(']')?;
        let (host, port) = split_port(&inner[..close]);
        return Some((host, port));
    }
    Some((url[..colon].to_string(), None))
}

fn split_port(hostport: &str) -> (String, Option<String>) {
    if let Some(inner) = hostport.strip_prefix('[') {
        if let Some((host, after)) = inner.split_once(']') {
            let port = after.strip_prefix(':').filter(|p| !p.is_empty());
            return (host.to_string(), port.map(str::to_string));
        }
    }
    match hostport.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            (h.to_string(), Some(p.to_string()))
        }
        _ => (hostport.to_string(), None),
    }
}

/// What a sync's git needs for one ssh URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Variables for git (`GIT_SSH_COMMAND` with the options added, and
    /// `GIT_SSH_VARIANT` when lanes probed it); empty: leave git's ssh
    /// exactly as configured.
    pub vars: Vec<(&'static str, String)>,
}

/// How to run the user's ssh for `url`: with batch mode when `batch`,
/// and with keepalives every `keepalive` when the user's ssh
/// configuration sets none. `deadline` bounds the probe.
pub fn plan(
    env: &SshEnv,
    config: &git2::Config,
    url: &str,
    batch: bool,
    keepalive: Duration,
    deadline: Duration,
) -> Plan {
    let none = Plan { vars: Vec::new() };
    let Some((host, port)) = ssh_target(url) else {
        return none;
    };
    let chosen = chosen(env, config);
    let mut variant = variant(env, config, &chosen);
    let probed = variant == Variant::Auto;
    let mut ssh_config = None;
    if matches!(variant, Variant::Auto | Variant::Ssh) {
        // git's own probe (`ssh -G`, with the options git passes), which
        // also prints OpenSSH's configuration for the host.
        let mut args = vec!["-G".to_string(), "-o".into(), "SendEnv=GIT_PROTOCOL".into()];
        if let Some(p) = &port {
            args.push("-p".into());
            args.push(p.clone());
        }
        args.push(host);
        let answer = probe(&chosen, &args, deadline);
        if variant == Variant::Auto {
            variant = if answer.is_some() {
                Variant::Ssh
            } else {
                Variant::Simple
            };
        }
        ssh_config = answer;
    }
    let mut options: Vec<String> = Vec::new();
    if batch {
        match variant {
            Variant::Ssh => options.push("-o BatchMode=yes".into()),
            Variant::Plink | Variant::Putty => options.push("-batch".into()),
            Variant::TortoisePlink | Variant::Simple | Variant::Auto => {}
        }
    }
    if let Some(printed) = &ssh_config {
        let set = printed.lines().find_map(|l| {
            let mut w = l.split_whitespace();
            (w.next()? == "serveraliveinterval").then(|| w.next().unwrap_or("0").to_string())
        });
        if set.as_deref().is_none_or(|v| v == "0") {
            options.push(format!(
                "-o ServerAliveInterval={}",
                keepalive.as_secs().max(1)
            ));
        }
    }
    if options.is_empty() {
        return none;
    }
    let base = if chosen.cmdline {
        chosen.text.clone()
    } else {
        sh_quote(&chosen.text)
    };
    let mut vars = vec![("GIT_SSH_COMMAND", format!("{base} {}", options.join(" ")))];
    if probed {
        vars.push(("GIT_SSH_VARIANT", variant.as_str().to_string()));
    }
    Plan { vars }
}

/// Run the user's ssh with `args` as git runs it (a command line through
/// the shell, a program directly), with no terminal; its stdout if it
/// succeeded.
fn probe(chosen: &Chosen, args: &[String], deadline: Duration) -> Option<String> {
    let mut cmd = if chosen.cmdline {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(format!("{} \"$@\"", chosen.text))
            .arg(&chosen.text);
        c
    } else {
        Command::new(&chosen.text)
    };
    cmd.args(args);
    let ran = process::run(cmd, Terminal::None, deadline, |_| {}).ok()?;
    ran.status
        .filter(|s| s.success())
        .map(|_| String::from_utf8_lossy(&ran.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_urls_and_their_hosts() {
        let t = |u: &str| ssh_target(u);
        assert_eq!(
            t("ssh://git@example.com/x.git"),
            Some(("git@example.com".into(), None))
        );
        assert_eq!(
            t("ssh://example.com:2222/x"),
            Some(("example.com".into(), Some("2222".into())))
        );
        assert_eq!(
            t("git+ssh://[::1]:22/x"),
            Some(("::1".into(), Some("22".into())))
        );
        assert_eq!(
            t("git@github.com:team/board.git"),
            Some(("git@github.com".into(), None))
        );
        assert_eq!(
            t("[git@host:2200]:x.git"),
            Some(("git@host".into(), Some("2200".into())))
        );
        assert_eq!(t("git://example.com/x"), None);
        assert_eq!(t("https://example.com/x"), None);
        assert_eq!(t("/srv/x.git"), None);
        assert_eq!(t("./a:b"), None);
        assert_eq!(t("file:///srv/x.git"), None);
        assert_eq!(t("gcrypt::rsync://x"), None);
    }

    #[test]
    fn first_words_as_git_splits_them() {
        assert_eq!(first_word("ssh -i key").as_deref(), Some("ssh"));
        assert_eq!(
            first_word("'/opt/my ssh/plink' -P 22").as_deref(),
            Some("/opt/my ssh/plink")
        );
        assert_eq!(
            first_word("\"C:\\\\bin\\\\ssh.exe\" -v").as_deref(),
            Some("C:\\bin\\ssh.exe")
        );
        assert_eq!(
            first_word("  /usr/bin/ssh").as_deref(),
            Some("/usr/bin/ssh")
        );
        assert_eq!(first_word(""), None);
    }

    #[test]
    fn variants_by_name_and_setting() {
        assert_eq!(Variant::of_program("/usr/bin/ssh"), Variant::Ssh);
        assert_eq!(Variant::of_program("PLINK.EXE"), Variant::Plink);
        assert_eq!(
            Variant::of_program("C:\\x\\TortoisePlink.exe"),
            Variant::TortoisePlink
        );
        assert_eq!(Variant::of_program("my-ssh-wrapper"), Variant::Auto);
        assert_eq!(Variant::named("putty"), Variant::Putty);
        assert_eq!(Variant::named("anything"), Variant::Ssh);
    }
}
