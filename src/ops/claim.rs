//! Claims as changes: taking one (`lanes claim`), giving it back (`lanes
//! release`), and the rule that a card that finishes gives its claim back
//! in the same commit. The clock is the context's; the claimant is the
//! context's person, and its agent when one acts ("Ana via claude-code").

use super::{author_name, lookup, refused, Context};
use crate::error::Held;
use crate::model::{claim, BoardConfig, Card, Claim};
use crate::store::Index;
use anyhow::Result;

/// A claim taken or given back: the card before and after, the commit
/// subject's detail and its body.
pub(super) struct Change {
    pub before: Card,
    pub after: Card,
    pub detail: String,
    pub body: String,
}

/// The error for a card someone else holds.
pub fn held(card: &Card, c: &Claim) -> anyhow::Error {
    Held {
        message: format!(
            "{} is claimed by {} (since {}); pick another card (`lanes list --unclaimed`), or wait until the claim ends",
            card.short_id(),
            c.describe(),
            claim::minute(c.at_secs())
        ),
        card: card.id.clone(),
        claim: c.clone(),
    }
    .into()
}

/// The name a claim made in this context carries: the person, and the
/// agent acting for them (`Ana via claude-code`).
pub fn claimant(ctx: &Context, root: &std::path::Path) -> String {
    author_name(ctx, root)
}

/// Claim `query` for `for_secs` (default: the board's `agents.claim_for`,
/// else two hours). A live claim of another is refused; one's own is
/// renewed (keeping when it was taken, which decides between clones); an
/// expired one is replaced.
pub(super) fn take(
    ctx: &Context,
    board: &Index,
    query: &str,
    for_secs: Option<i64>,
) -> Result<Change> {
    let before = lookup(board, query)?;
    let now = ctx.now();
    let by = author_name(ctx, &board.root);
    if by.trim().is_empty() {
        return Err(refused(
            "a claim names who holds it, and git has no user.name here; set it with `git config user.name \"Your Name\"`",
        ));
    }
    if before.archived {
        return Err(refused(format!(
            "{} is archived; restore it (`lanes restore {}`) before claiming it",
            before.short_id(),
            before.short_id()
        )));
    }
    let secs = match for_secs {
        Some(s) => s,
        None => board
            .config
            .agents
            .claim_secs()
            .unwrap_or(claim::DEFAULT_SECS),
    };
    if !(60..=claim::MAX_SECS).contains(&secs) {
        return Err(refused(
            "a claim lasts from a minute to 30 days; claim again to renew it",
        ));
    }
    let mut after = before.clone();
    let mut body = Vec::new();
    let taken = match before.live_claim(now) {
        Some(c) if c.by != by => return Err(held(&before, c)),
        Some(c) => {
            body.push(format!(
                "renewed the claim taken at {}",
                claim::minute(c.at_secs())
            ));
            Claim {
                until: Some(crate::model::date::format_timestamp(now + secs)),
                ..c.clone()
            }
        }
        None => {
            if let Some(old) = &before.claim {
                body.push(format!(
                    "replaces {}'s expired claim ({})",
                    old.by,
                    old.describe()
                ));
            }
            Claim::new(&by, now, now + secs)
        }
    };
    let detail = taken.describe();
    after.claim = Some(taken);
    Ok(Change {
        before,
        after,
        detail,
        body: body.join("\n"),
    })
}

/// Give back the claim on `query`; `None` when it has none. An agent gives
/// back only its own live claim (a person may give back anyone's, e.g. one
/// left by an agent that stopped).
pub(super) fn give_back(ctx: &Context, board: &Index, query: &str) -> Result<Option<Change>> {
    let before = lookup(board, query)?;
    let Some(c) = before.claim.clone() else {
        return Ok(None);
    };
    let now = ctx.now();
    let by = author_name(ctx, &board.root);
    if ctx.agent.is_some() && c.is_live(now) && c.by != by {
        return Err(anyhow::Error::new(Held {
            message: format!(
                "{} is claimed by {}, not by {by}; an agent gives back only its own claims (a person can: `lanes release {}`)",
                before.short_id(),
                c.describe(),
                before.short_id()
            ),
            card: before.id.clone(),
            claim: c,
        }));
    }
    let mut after = before.clone();
    after.claim = None;
    let (detail, body) = if c.is_live(now) {
        (
            format!("{}'s claim", c.by),
            format!("claim: released ({})", c.describe()),
        )
    } else {
        (
            format!("{}'s expired claim", c.by),
            format!("claim: removed ({}, expired)", c.describe()),
        )
    };
    Ok(Some(Change {
        before,
        after,
        detail,
        body,
    }))
}

/// A card that finishes gives its claim back in the same change: one
/// moved into a done lane, or given a verdict (other than open) or a new
/// result or evidence with one. The line for the commit's body, when it
/// did.
pub(super) fn release_when_done(
    config: &BoardConfig,
    before: &Card,
    after: &mut Card,
) -> Option<String> {
    let c = after.claim.as_ref()?;
    let into_done = after.lane != before.lane && config.is_done_lane(&after.lane);
    let verdict = |card: &Card| {
        card.hypothesis.as_deref().map(|h| {
            (
                h.verdict,
                h.result.clone(),
                h.extra.get(crate::model::evidence::KEY).cloned(),
            )
        })
    };
    let concluded = after
        .verdict()
        .is_some_and(|v| v != crate::model::Verdict::Open)
        && verdict(after) != verdict(before);
    if !into_done && !concluded {
        return None;
    }
    let line = format!(
        "claim: released ({}), the card {}",
        c.describe(),
        if into_done {
            "is done"
        } else {
            "has its verdict"
        }
    );
    after.claim = None;
    Some(line)
}
