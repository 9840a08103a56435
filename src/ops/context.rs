//! Who acts, and when: the explicit context every change is made in. A
//! card's `created` date, a journal entry's `at` and `by`, and the commit's
//! author and dates all come from it, so an import, a bot or a replay that
//! sets `GIT_AUTHOR_DATE` gets cards whose dates agree with their commits.
//!
//! The command line and the board screen build it from the environment
//! ([`Context::from_env`]); the demo and tests build it from their story.
//! Nothing here is process-wide: two contexts never mix.

use crate::git::{self, Signer, Who};
use crate::model::date;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The time of every change made in this context (seconds since the
    /// epoch); `None`: the wall clock at each change.
    pub at: Option<i64>,
    /// A fixed author and committer; `None`: git's rules (config and the
    /// `GIT_*` variables).
    pub who: Option<Who>,
    /// The agent acting for that person (an MCP client's name, `lanes mcp
    /// --as NAME`): named in journal entries ("Ana via claude-code") and in
    /// a `Lanes-Agent` trailer; the author stays the person.
    pub agent: Option<String>,
    /// Numbers as the user typed them, by dotted field path
    /// (`hypothesis.target`, `0.20`): a card this context writes with a
    /// new number at that path spells it so, not as lanes would (`0.2`).
    /// The value is the same; only the file's text keeps the spelling.
    pub spelled: Vec<(String, String)>,
}

impl Context {
    /// As git would commit here: the author date `GIT_AUTHOR_DATE` names,
    /// if any, else the wall clock; the identity from config and the
    /// environment. A date git would not understand is left to the commit,
    /// which refuses it with git's own message.
    pub fn from_env() -> Context {
        let at = crate::env::Env::get()
            .text("GIT_AUTHOR_DATE")
            .filter(|v| !v.trim().is_empty())
            .and_then(git::parse_git_date)
            .map(|t| t.seconds());
        Context {
            at,
            who: None,
            agent: None,
            spelled: Vec::new(),
        }
    }

    /// A fixed moment, as a fixed person (the demo's story, tests).
    pub fn as_of(at: i64, name: &str, email: &str) -> Context {
        Context {
            at: Some(at),
            who: Some(Who {
                name: name.to_string(),
                email: email.to_string(),
            }),
            agent: None,
            spelled: Vec::new(),
        }
    }

    /// The same, with an agent acting.
    pub fn with_agent(mut self, agent: Option<String>) -> Context {
        self.agent = agent.filter(|a| !a.trim().is_empty());
        self
    }

    /// The same, with the number typed for `path` kept as `typed` (when it
    /// is a plain number lanes would write otherwise).
    pub fn spelling(mut self, path: &str, typed: &str) -> Context {
        let typed = typed.trim();
        if crate::store::yaml::canonical_if_respelled(typed).is_some() {
            self.spelled.push((path.to_string(), typed.to_string()));
        }
        self
    }

    /// Now, in this context.
    pub fn now(&self) -> i64 {
        self.at.unwrap_or_else(date::now_secs)
    }

    /// Today (days since the epoch, UTC), in this context.
    pub fn today(&self) -> i64 {
        self.now().div_euclid(86_400)
    }

    /// Who signs the commits made in this context.
    pub fn signer(&self) -> Signer {
        Signer {
            who: self.who.clone(),
            at: self.at,
        }
    }
}
