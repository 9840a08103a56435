//! Who makes a commit: git config, overridden by the environment exactly as
//! git does (`GIT_AUTHOR_NAME`, `GIT_COMMITTER_DATE`, ...).

use crate::model::date;
use anyhow::{anyhow, bail, Result};
use git2::{Repository, Signature, Time};

fn env(name: &str) -> Option<String> {
    crate::env::Env::get().text(name).map(str::to_string)
}

/// A fixed author and committer (the demo board's story has several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub name: String,
    pub email: String,
}

/// Who signs a commit and when. The default follows git's rules (config,
/// then `GIT_AUTHOR_NAME`, `GIT_COMMITTER_DATE` and the rest); `who` fixes
/// author and committer, `at` the time when the environment names none.
/// It reaches the commit explicitly (see `ops::Context`): no process-wide
/// state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signer {
    pub who: Option<Who>,
    pub at: Option<i64>,
}

/// Author and committer for a new commit, by git's rules.
pub fn identity(repo: &Repository) -> Result<(Signature<'static>, Signature<'static>)> {
    Signer::default().signatures(repo)
}

impl Signer {
    /// Author and committer for a new commit.
    pub fn signatures(
        &self,
        repo: &Repository,
    ) -> Result<(Signature<'static>, Signature<'static>)> {
        if let Some(o) = &self.who {
            let when = self.at.unwrap_or_else(date::now_secs);
            let sig = Signature::new(&o.name, &o.email, &Time::new(when, 0))?;
            return Ok((sig.clone(), sig));
        }
        let config = repo.config()?.snapshot()?;
        let cfg = |key: &str| config.get_string(key).ok().filter(|v| !v.is_empty());
        let make = |role: &str| -> Result<Signature<'static>> {
            let upper = role.to_uppercase();
            let name = env(&format!("GIT_{upper}_NAME"))
                .or_else(|| cfg(&format!("{role}.name")))
                .or_else(|| cfg("user.name"));
            let email = env(&format!("GIT_{upper}_EMAIL"))
                .or_else(|| cfg(&format!("{role}.email")))
                .or_else(|| cfg("user.email"))
                .or_else(|| env("EMAIL"));
            let (Some(name), Some(email)) = (name, email) else {
                bail!(
                    "no git identity for the commit: set one with `git config user.name \"Your Name\"` and `git config user.email you@example.com` (or GIT_{upper}_NAME and GIT_{upper}_EMAIL); nothing was changed"
                );
            };
            let time = match env(&format!("GIT_{upper}_DATE")) {
                Some(d) => parse_git_date(&d).ok_or_else(|| {
                    anyhow!("GIT_{upper}_DATE={d:?} is not a date git understands (e.g. \"2026-11-27T10:00:00+01:00\" or \"@1764237600 +0000\")")
                })?,
                None => Time::new(self.at.unwrap_or_else(date::now_secs), 0),
            };
            Ok(Signature::new(&name, &email, &time)?)
        };
        Ok((make("author")?, make("committer")?))
    }
}

/// The names `@me` in a filter stands for: the author's name as git gives
/// it (config, then `GIT_AUTHOR_NAME`), its first word, and the part of
/// the email before `@`, lowercase (`Mei Lin <mei@lab.org>`: `mei lin`,
/// `mei`). Empty when git names no one.
pub fn me(repo: &Repository) -> Vec<String> {
    let config = repo.config().and_then(|mut c| c.snapshot()).ok();
    let cfg = |key: &str| {
        config
            .as_ref()
            .and_then(|c| c.get_string(key).ok())
            .filter(|v| !v.is_empty())
    };
    let name = env("GIT_AUTHOR_NAME")
        .or_else(|| cfg("author.name"))
        .or_else(|| cfg("user.name"));
    let email = env("GIT_AUTHOR_EMAIL")
        .or_else(|| cfg("author.email"))
        .or_else(|| cfg("user.email"))
        .or_else(|| env("EMAIL"));
    names_of(name.as_deref(), email.as_deref())
}

fn names_of(name: Option<&str>, email: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        let s = s.trim().to_lowercase();
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    if let Some(n) = name {
        add(n);
        add(n.split_whitespace().next().unwrap_or(""));
    }
    if let Some(e) = email {
        add(e.split('@').next().unwrap_or(""));
    }
    out
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Parse the date formats git accepts in `GIT_*_DATE`: git's internal
/// `<seconds> <offset>` (optionally with `@`), RFC 2822 and ISO 8601.
/// A date without an offset is taken as UTC.
pub fn parse_git_date(s: &str) -> Option<Time> {
    let s = s.trim();
    let mk = |secs: i64, off: i64| Some(Time::new(secs, (off / 60) as i32));
    // @1234567890 [+0100] or 1234567890 +0100
    let raw = s.strip_prefix('@').unwrap_or(s);
    let mut parts = raw.split_whitespace();
    if let Some(first) = parts.next() {
        if first.bytes().all(|b| b.is_ascii_digit()) && (s.starts_with('@') || first.len() >= 9) {
            let secs: i64 = first.parse().ok()?;
            let off = match parts.next() {
                Some(o) => date::parse_offset(o)?,
                None => 0,
            };
            return mk(secs, off);
        }
    }
    // ISO 8601: 2005-04-07T22:13:13[.frac][Z|+02:00] or "2005-04-07 22:13:13 +0200"
    if s.len() >= 19 && s.as_bytes()[4] == b'-' && s.is_char_boundary(19) {
        let main = &s[..19];
        let mut rest = s[19..].trim_start();
        if let Some(r) = rest.strip_prefix('.') {
            rest = r
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start();
        }
        let off = if rest.is_empty() {
            0
        } else {
            date::parse_offset(rest)?
        };
        let as_utc = date::parse_timestamp(&format!("{}Z", main.replacen(' ', "T", 1)))?;
        return mk(as_utc - off, off);
    }
    // RFC 2822: [Thu, ]07 Apr 2005 22:13:13 +0200
    let body = match s.split_once(", ") {
        Some((_, b)) => b,
        None => s,
    };
    let f: Vec<&str> = body.split_whitespace().collect();
    if f.len() >= 4 {
        let day: u32 = f[0].parse().ok()?;
        let mon = MONTHS
            .iter()
            .position(|m| f[1].to_lowercase().starts_with(m))? as u32
            + 1;
        let year: i64 = f[2].parse().ok()?;
        let hms: Vec<i64> = f[3]
            .split(':')
            .map(|x| x.parse().ok())
            .collect::<Option<_>>()?;
        if hms.len() < 2 {
            return None;
        }
        let off = match f.get(4) {
            Some(o) => date::parse_offset(o)?,
            None => 0,
        };
        let days = date::parse_date(&format!("{year:04}-{mon:02}-{day:02}"))?;
        let local = days * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms.get(2).copied().unwrap_or(0);
        return mk(local - off, off);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> (i64, i32) {
        let t = parse_git_date(s).unwrap_or_else(|| panic!("{s}"));
        (t.seconds(), t.offset_minutes())
    }

    #[test]
    fn me_is_the_name_its_first_word_and_the_email_user() {
        assert_eq!(
            names_of(Some("Mei Lin"), Some("mei.lin@lab.org")),
            ["mei lin", "mei", "mei.lin"]
        );
        assert_eq!(names_of(Some("ana"), Some("ana@x")), ["ana"]);
        assert!(names_of(None, None).is_empty());
    }

    #[test]
    fn git_date_formats() {
        assert_eq!(secs("@1700000000 +0100"), (1_700_000_000, 60));
        assert_eq!(secs("1700000000 -0230"), (1_700_000_000, -150));
        assert_eq!(secs("@1700000000"), (1_700_000_000, 0));
        assert_eq!(secs("2023-11-14T22:13:20Z"), (1_700_000_000, 0));
        assert_eq!(secs("2023-11-14T23:13:20+01:00"), (1_700_000_000, 60));
        assert_eq!(secs("2023-11-14 23:13:20 +0100"), (1_700_000_000, 60));
        assert_eq!(secs("2023-11-14T22:13:20"), (1_700_000_000, 0));
        assert_eq!(secs("Tue, 14 Nov 2023 23:13:20 +0100"), (1_700_000_000, 60));
        assert!(parse_git_date("yesterday-ish").is_none());
    }
}
