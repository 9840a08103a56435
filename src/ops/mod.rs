//! Actions: the one way the board changes. Keys, mouse and CLI commands all
//! become an [`Action`]; [`apply`] validates it, writes the card file
//! atomically and makes one commit.

pub mod claim;
pub use claim::claimant;
mod commit;
mod context;
pub mod editor;
pub mod error;
mod init;
mod link;
mod message;
mod record;
pub mod resolve;
mod set;
pub mod undo;
mod write;

pub use commit::commit_pending;
pub use context::Context;
pub use error::{busy, not_found, refused, Busy, Error, Held, Kind, NotFound, Refusal};
pub use init::init_board;
pub use message::{brief, clean_line, show_value, subject};
pub use record::{cost_value, Record};
pub use set::{get_field, set_field};
use write::{check_readable, commit_hand_edit, write_and_commit, Base, Said};

use crate::git;
pub use crate::model::links::Kind as LinkKind;
use crate::model::{
    date, id, rank, BoardConfig, Card, CommitMode, Hypothesis, JournalEntry, Verdict,
};
use crate::store::{self, Index};
use anyhow::{anyhow, bail, Result};
use serde_yaml::Value;
use std::path::{Path, PathBuf};

/// Where a moved card lands in its lane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    Top,
    Bottom,
    Before(String),
    After(String),
}

/// The fields of a new card.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewCard {
    pub title: String,
    pub lane: Option<String>,
    pub kind: Option<String>,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub due: Option<String>,
    pub hypothesis: Option<String>,
    pub metric: Option<String>,
    /// The key the tracker logs `metric` under (`hypothesis.metric_key`).
    pub metric_key: Option<String>,
    pub direction: Option<crate::model::Direction>,
    pub baseline: Option<Value>,
    pub target: Option<Value>,
    pub body: Option<String>,
    /// Links it starts with: (kind, the other card's id or unique prefix).
    pub links: Vec<(crate::model::links::Kind, String)>,
    /// What a decision records (kind `decision` when given).
    pub decision: Option<crate::model::card::Decision>,
    /// Fields to set, as `Action::Set` sets them (declared fields by
    /// their own names).
    pub set: Vec<(String, Value)>,
}

/// Everything that changes a board.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Add(Box<NewCard>),
    Move {
        card: String,
        /// `None`: reorder within its own lane (`placement` says where).
        lane: Option<String>,
        placement: Option<Placement>,
    },
    /// Set fields by dotted name; a `Null` value removes the field.
    Set {
        card: String,
        fields: Vec<(String, Value)>,
    },
    /// Set fields as `Set` does, but only if each still holds the value the
    /// user saw (`was`); otherwise fail with a [`ConflictError`] so the
    /// user can choose. Fields: (name, new value, value the user saw).
    SetChecked {
        card: String,
        fields: Vec<(String, Value, Value)>,
    },
    /// Replace the whole card file with text the user edited.
    Replace {
        card: String,
        text: String,
    },
    Note {
        card: String,
        text: String,
    },
    /// A verdict given by hand, with a result or not. One the numbers
    /// contradict needs `because` (kept as `hypothesis.rationale`).
    Verdict {
        card: String,
        verdict: Verdict,
        result: Option<Value>,
        because: Option<String>,
    },
    Archive {
        card: String,
    },
    Restore {
        card: String,
    },
    /// Claim a card for `for_secs` seconds (default: the board's
    /// `agents.claim_for`, else two hours), or renew one's own claim.
    Claim {
        card: String,
        for_secs: Option<i64>,
    },
    /// Give back the card's claim.
    Release {
        card: String,
    },
    /// Link `card` to `other` (stored on `card`: `lanes link X --blocks
    /// Y` is `Link { card: Y, kind: DependsOn, other: X }`). Refused when
    /// it would close a `depends_on` or `parent` cycle.
    Link {
        card: String,
        kind: LinkKind,
        other: String,
    },
    /// Remove the link from `card` to `other` (a link to a card that no
    /// longer exists too).
    Unlink {
        card: String,
        kind: LinkKind,
        other: String,
    },
    /// Record a run's result on a card (read by `evidence`), with its
    /// verdict, provenance, journal entry and cost: one commit.
    Record(Box<Record>),
    /// Take back your last `n` lanes changes, one commit each.
    Undo {
        n: usize,
    },
    /// Make again the last `n` changes you took back.
    Redo {
        n: usize,
    },
    /// Commit the board files changed by hand or by `commit: manual`.
    Commit {
        message: Option<String>,
    },
    /// Create a board from a template in the folder `apply` is given.
    Init(Box<Init>),
    /// Settle the conflicts a sync recorded on a card's `field` (its
    /// `conflicts:` entries) with `take`, as `lanes resolve` does: see
    /// [`resolve`].
    Resolve {
        card: String,
        field: String,
        take: resolve::Take,
    },
}

/// A board to create (`lanes init`).
#[derive(Debug, Clone, PartialEq)]
pub struct Init {
    /// The template's text and name.
    pub template_text: String,
    pub template_name: String,
    /// The board's name, if not the template's.
    pub name: Option<String>,
}

/// A field changed on disk since the user started editing it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictError {
    pub card: String,
    pub field: String,
    /// The value the user entered.
    pub mine: Value,
    /// The value on disk now.
    pub theirs: Value,
}

impl std::fmt::Display for ConflictError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} of {} changed on disk while you edited it (now {:?}, yours {:?})",
            self.field,
            id::short(&self.card),
            show_value(&self.theirs),
            show_value(&self.mine)
        )
    }
}

impl std::error::Error for ConflictError {}

/// What an applied action did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The card's full id (empty for actions on no one card).
    pub card: String,
    /// The card as written (None if nothing changed).
    pub written: Option<Card>,
    /// The commit subject (also the human summary).
    pub summary: String,
    /// The commit made, if any (none in `commit: manual` mode or no-ops;
    /// the last one when there were several).
    pub commit: Option<git2::Oid>,
    /// Board file paths changed, relative to the board root.
    pub changed: Vec<String>,
    /// What only some actions tell.
    pub more: More,
}

/// The rest of an [`Outcome`], by action.
#[derive(Debug, Clone, Default)]
pub enum More {
    #[default]
    None,
    /// Undo and redo: each step and its commit.
    Steps(undo::Outcome),
    /// A board was created at this root.
    Created(PathBuf),
    /// The card was added or moved to a lane now over its WIP limit
    /// (the change is made: a limit is a warning, as on the board).
    OverWip(OverWip),
}

/// A lane over its WIP limit after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverWip {
    pub lane: String,
    /// The lane's title.
    pub title: String,
    pub limit: u32,
}

impl OverWip {
    /// `Modeling is now over its WIP limit of 4`.
    pub fn message(&self) -> String {
        format!("{} is now over its WIP limit of {}", self.title, self.limit)
    }
}

/// Whether `card`, just written into its lane, puts the lane over its WIP
/// limit: the lane's other cards as `board` knew them before the write
/// (archived ones not counted), and this one. Counting stops at the
/// first card past the limit, so a long lane costs no more than a short
/// one.
fn over_wip(board: &Index, card: &Card) -> Option<OverWip> {
    let def = board.config.lane(&card.lane)?;
    let limit = def.wip?;
    if card.archived {
        return None;
    }
    let mut cards = 1;
    for n in board.lane_walk(&card.lane, None, false) {
        if n.id == card.id || board.summary(&n.id).is_none_or(|s| s.archived) {
            continue;
        }
        cards += 1;
        if cards > limit as usize {
            break;
        }
    }
    (cards > limit as usize).then(|| OverWip {
        lane: card.lane.clone(),
        title: def.title.clone(),
        limit,
    })
}

/// Apply an action to the board at `root`: the one way the board
/// changes, for the command line, the board screen and agents alike.
/// Lanes processes take turns: the board lock is held from reading to
/// committing. The error says what kind of failure it was.
pub fn apply(ctx: &Context, root: &Path, action: Action) -> std::result::Result<Outcome, Error> {
    let nothing = |summary: String, commit: Option<git2::Oid>, more: More| Outcome {
        card: String::new(),
        written: None,
        summary,
        commit,
        changed: Vec::new(),
        more,
    };
    Ok(match action {
        Action::Undo { n } => {
            let done = undo::undo(root, ctx, n)?;
            nothing(done.summary(), done.last_commit(), More::Steps(done))
        }
        Action::Redo { n } => {
            let done = undo::redo(root, ctx, n)?;
            nothing(done.summary(), done.last_commit(), More::Steps(done))
        }
        Action::Commit { message } => match commit_pending(ctx, root, message.as_deref())? {
            Some(oid) => nothing("committed board changes".into(), Some(oid), More::None),
            None => nothing("no board changes to commit".into(), None, More::None),
        },
        Action::Init(init) => {
            let (created, oid) = init_board(
                ctx,
                root,
                &init.template_text,
                &init.template_name,
                init.name.as_deref(),
            )?;
            nothing(
                format!("created a {} board", init.template_name),
                oid,
                More::Created(created),
            )
        }
        action => {
            let _lock = lock(root)?;
            let index = Index::load(root)?;
            apply_to(ctx, &index, action)?
        }
    })
}

/// Take the board lock (in `.git/lanes/`; boards outside git need none),
/// finishing or rolling back first what a killed lanes command left.
pub fn lock(root: &Path) -> Result<Option<store::lock::BoardLock>> {
    match store::cache::Scratch::of_board(root) {
        Some(scratch) => {
            let dir = scratch.path();
            let lock = store::lock::BoardLock::acquire(dir)?;
            if git::txn::pending_in(dir) {
                git::txn::recover(&git::open(root)?)?;
            }
            Ok(Some(lock))
        }
        None => Ok(None),
    }
}

/// Finish or roll back a transaction that a killed lanes command left in
/// `.git/lanes/` (cheap when there is none: one stat). Returns what was
/// done, for the user.
pub fn recover(root: &Path) -> Result<Option<String>> {
    let Some(scratch) = store::cache::Scratch::of_board(root) else {
        return Ok(None);
    };
    if !git::txn::pending_in(scratch.path()) {
        return Ok(None);
    }
    let _lock = store::lock::BoardLock::acquire(scratch.path())?;
    git::txn::recover(&git::open(root)?)
}

/// Apply an action to a board whose summary is already loaded.
pub fn apply_to(ctx: &Context, board: &Index, action: Action) -> Result<Outcome> {
    let config = &board.config;
    let (before, after, verb, detail, body) = match action {
        Action::Add(new) => {
            let card = new_card(ctx, board, *new)?;
            let detail = card.lane.clone();
            (None, card, "add", detail, String::new())
        }
        Action::Move {
            card,
            lane,
            placement,
        } => {
            let old = lookup(board, &card)?;
            // No lane: reorder within its own.
            let target = match &lane {
                Some(lane) => config.resolve_lane(lane).map_err(not_found)?.id.clone(),
                None if placement.is_some() => old.lane.clone(),
                None => {
                    return Err(refused(format!(
                        "say where {} goes: a lane, or --top, --bottom, --before or --after to reorder it in {}",
                        old.short_id(),
                        old.lane
                    )))
                }
            };
            let placement = match placement {
                Some(p) => p,
                None if old.lane == target => {
                    return Ok(no_change(
                        &old,
                        format!("{} is already in {target}", old.short_id()),
                    ));
                }
                None => Placement::Bottom,
            };
            let mut card = old.clone();
            card.rank = place(board, &old.id, &target, &placement)?;
            card.lane = target.clone();
            let detail = if old.lane == target {
                format!("reorder in {target}")
            } else {
                format!("{} -> {}", old.lane, target)
            };
            (Some(old), card, "move", detail, String::new())
        }
        Action::Set { card, fields } => {
            let old = lookup(board, &card)?;
            let mut value = old.to_value();
            let mut lines = Vec::new();
            let mut names = Vec::new();
            let fields = fields
                .into_iter()
                .map(|(f, v)| set::declared(&config.fields, &old, &f, v))
                .collect::<Result<Vec<_>>>()?;
            for (field, v) in &fields {
                set_field(&mut value, field, v.clone(), &old)?;
                let (name, line) = message::set_field_text(&old, field, v);
                names.push(name);
                lines.push(line);
            }
            set::order_declared(&mut value, &config.fields);
            let mut card = Card::from_value(value).map_err(|e| anyhow!("{e}"))?;
            lines.extend(verdict_by_hand(&old, &mut card, &fields)?);
            (Some(old), card, "edit", names.join(", "), lines.join("\n"))
        }
        Action::SetChecked { card, fields } => {
            let old = lookup(board, &card)?;
            let current = old.to_value();
            let mut plain = Vec::new();
            for (field, new, was) in fields {
                let now = set::get_field(&current, &field)
                    .cloned()
                    .unwrap_or(Value::Null);
                if now == new {
                    continue;
                }
                if now != was {
                    return Err(ConflictError {
                        card: old.id.clone(),
                        field,
                        mine: new,
                        theirs: now,
                    }
                    .into());
                }
                plain.push((field, new));
            }
            if plain.is_empty() {
                return Ok(no_change(
                    &old,
                    format!("{} already has that value", old.short_id()),
                ));
            }
            return apply_to(
                ctx,
                board,
                Action::Set {
                    card: old.id,
                    fields: plain,
                },
            );
        }
        Action::Resolve { card, field, take } => {
            return resolve::resolve_in(ctx, board, &card, &field, &take);
        }
        Action::Replace { card, text } => {
            // A card whose file is malformed can be replaced too: that is
            // how it gets fixed.
            let id = board.resolve_id(&card)?;
            let old = board.read_card(&id).ok();
            let loaded = store::parse_card(&store::card_path(&id), text.as_bytes())?;
            if loaded.card.id != id {
                return Err(refused(format!(
                    "the id changed from {id:?} to {:?}; a card's id cannot be changed",
                    loaded.card.id
                )));
            }
            let lines = match &old {
                Some(o) => message::changed_fields(o, &loaded.card),
                None => vec!["repaired a file that could not be read".to_string()],
            };
            let names: Vec<&str> = lines
                .iter()
                .filter_map(|l| l.split_once(':').map(|(k, _)| k))
                .collect();
            let detail = if old.is_some() {
                names.join(", ")
            } else {
                "repaired".to_string()
            };
            if let Some(o) = &old {
                require_evidence(ctx, config, o, &loaded.card)?;
            }
            let base = match &old {
                Some(o) => Base::Card(o),
                None => Base::Broken,
            };
            return write_and_commit(
                ctx,
                board,
                base,
                &loaded.card,
                Some(text),
                Said {
                    verb: "edit",
                    detail: &detail,
                    body: &lines.join("\n"),
                    also: &[],
                },
            );
        }
        Action::Note { card, text } => {
            let old = lookup(board, &card)?;
            if text.trim().is_empty() {
                return Err(refused(format!("the note is empty; give the text to add, e.g. lanes note {} \"what we learned\"", old.short_id())));
            }
            let mut card = old.clone();
            let by = author_name(ctx, &board.root);
            card.journal.push(JournalEntry {
                at: date::format_timestamp(ctx.now()),
                by,
                text: text.clone(),
                extra: Default::default(),
            });
            (Some(old), card, "note", String::new(), text)
        }
        Action::Verdict {
            card,
            verdict,
            result,
            because,
        } => {
            let old = lookup(board, &card)?;
            let mut card = old.clone();
            let h = card.hypothesis.get_or_insert_with(Default::default);
            h.verdict = verdict;
            if let Some(r) = &result {
                h.result = Some(r.clone());
            }
            let said = crate::evidence::verdict::by_hand(
                old.hypothesis.as_deref(),
                h,
                because.as_deref(),
            )?;
            let detail = match &result {
                Some(r) => format!("{verdict}, result {}", message::show_value(r)),
                None => verdict.to_string(),
            };
            let mut body: Vec<String> = h
                .rationale
                .iter()
                .map(|r| format!("hypothesis.rationale: {r}"))
                .collect();
            body.extend(said);
            (Some(old), card, "verdict", detail, body.join("\n"))
        }
        Action::Archive { card } => {
            let old = lookup(board, &card)?;
            if old.archived {
                return Ok(no_change(
                    &old,
                    format!("{} is already archived", old.short_id()),
                ));
            }
            let mut card = old.clone();
            card.archived = true;
            (Some(old), card, "archive", String::new(), String::new())
        }
        Action::Record(rec) => {
            let verb = rec.verb;
            let detail = rec.detail.clone();
            let (old, mut card, mut body) = record::build(ctx, board, *rec)?;
            if let Some(line) = claim::release_when_done(config, &old, &mut card) {
                body.push('\n');
                body.push_str(&line);
            }
            return write_and_commit(
                ctx,
                board,
                Base::Card(&old),
                &card,
                None,
                Said {
                    verb,
                    detail: &detail,
                    body: &body,
                    also: &[],
                },
            );
        }
        Action::Link { card, kind, other } => {
            let built = link::link(board, &card, kind, &other)?;
            return write_link(ctx, board, "link", built);
        }
        Action::Unlink { card, kind, other } => {
            let built = link::unlink(board, &card, kind, &other)?;
            return write_link(ctx, board, "unlink", built);
        }
        Action::Undo { .. } | Action::Redo { .. } | Action::Commit { .. } | Action::Init(_) => {
            bail!("this change is made with ops::apply (it takes its own lock)")
        }
        Action::Restore { card } => {
            let old = lookup(board, &card)?;
            if !old.archived {
                return Ok(no_change(
                    &old,
                    format!("{} is not archived", old.short_id()),
                ));
            }
            let mut card = old.clone();
            card.archived = false;
            (Some(old), card, "restore", String::new(), String::new())
        }
        Action::Claim { card, for_secs } => {
            let c = claim::take(ctx, board, &card, for_secs)?;
            (Some(c.before), c.after, "claim", c.detail, c.body)
        }
        Action::Release { card } => match claim::give_back(ctx, board, &card)? {
            Some(c) => (Some(c.before), c.after, "release", c.detail, c.body),
            None => {
                let old = lookup(board, &card)?;
                return Ok(no_change(
                    &old,
                    format!("{} is not claimed", old.short_id()),
                ));
            }
        },
    };
    let (mut after, mut body) = (after, body);
    if let Some(b) = &before {
        require_evidence(ctx, config, b, &after)?;
        if let Some(line) = claim::release_when_done(config, b, &mut after) {
            if !body.is_empty() {
                body.push('\n');
            }
            body.push_str(&line);
        }
    }
    let base = match &before {
        Some(b) => Base::Card(b),
        None => Base::New,
    };
    let said = Said {
        verb,
        detail: &detail,
        body: &body,
        also: &[],
    };
    let placed = before.as_ref().is_none_or(|b| b.lane != after.lane);
    let mut out = write_and_commit(ctx, board, base, &after, None, said)?;
    if placed && out.written.is_some() {
        if let Some(w) = over_wip(board, &after) {
            out.more = More::OverWip(w);
        }
    }
    Ok(out)
}

/// A verdict given without a run where the board (or, for an agent, its
/// default) wants one: refused, saying how to cite a run. A verdict from
/// a run goes through [`Action::Record`], which carries the evidence.
fn require_evidence(
    ctx: &Context,
    config: &BoardConfig,
    before: &Card,
    after: &Card,
) -> Result<()> {
    let Some(v) = after.verdict().filter(|v| *v != Verdict::Open) else {
        return Ok(());
    };
    let agent = ctx.agent.is_some();
    if after.verdict() == before.verdict() || !config.agents.evidence_required(agent) {
        return Ok(());
    }
    let why = match config.agents.require_evidence {
        Some(_) => "this board requires it (agents.require_evidence in .lanes/board.yaml)",
        None => {
            "an agent's verdict must (unless .lanes/board.yaml sets agents.require_evidence: false)"
        }
    };
    let id = after.short_id();
    Err(refused(format!(
        "a verdict must cite the run it comes from, and {why}; give the run as its source, mlflow:RUN_ID or dvc:PATH#key, and the verdict is computed from the run's value as `lanes result` does: `lanes verdict {id} {v} --source mlflow:RUN_ID` (or `lanes result {id} mlflow:RUN_ID`; through MCP, the verdict tool's `source`)"
    )))
}

/// Write a link change: one commit in the card that stores the link,
/// naming both cards.
fn write_link(
    ctx: &Context,
    board: &Index,
    verb: &str,
    built: std::result::Result<link::Built, (Card, String)>,
) -> Result<Outcome> {
    let b = match built {
        Ok(b) => b,
        Err((card, why)) => return Ok(no_change(&card, why)),
    };
    write_and_commit(
        ctx,
        board,
        Base::Card(&b.before),
        &b.after,
        None,
        Said {
            verb,
            detail: &b.detail,
            body: &b.body,
            also: &[b.other.as_str()],
        },
    )
}

fn no_change(card: &Card, why: String) -> Outcome {
    Outcome {
        card: card.id.clone(),
        written: None,
        summary: format!("{why}; nothing changed"),
        commit: None,
        changed: Vec::new(),
        more: More::None,
    }
}

/// Find a card by id prefix; a card whose file cannot be read is an error
/// that says why.
pub fn lookup(board: &Index, query: &str) -> Result<Card> {
    let id = board.resolve_id(query)?;
    board.read_card(&id).map_err(|e| {
        crate::error::Unreadable(format!(
            "card {id} cannot be read, so it cannot be changed:\n{e:#}\nfix the file (or `lanes edit {id}`) and try again"
        ))
        .into()
    })
}

/// Validate a card against the board before it is written.
pub fn check_card(config: &BoardConfig, card: &Card) -> Result<()> {
    // Whatever we write must read back: the same rules as for files.
    if let Err(e) = Card::from_value(card.to_value()) {
        return Err(refused(e.to_string()));
    }
    if config.lane(&card.lane).is_none() {
        return Err(not_found(format!(
            "unknown lane {:?}; lanes are: {}",
            card.lane,
            config
                .lanes
                .iter()
                .map(|l| l.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if !config.kinds.contains(&card.kind) {
        return Err(refused(format!(
            "unknown kind {:?}; this board's kinds are: {} (add more under `kinds` in .lanes/board.yaml)",
            card.kind,
            config.kinds.join(", ")
        )));
    }
    if card.title.trim().is_empty() {
        return Err(refused("a card needs a title"));
    }
    if !rank::is_valid(&card.rank) {
        return Err(refused(format!("{:?} is not a valid rank", card.rank)));
    }
    // Dates (due, created) were checked by the one date rule above
    // (`model::field::is_date`), as when the file is read.
    Ok(())
}

fn new_card(ctx: &Context, board: &Index, new: NewCard) -> Result<Card> {
    let config = &board.config;
    // A decision goes, unless told, where the first card it rests on is.
    let evidence_lane = || {
        let (_, first) = new
            .links
            .iter()
            .find(|(k, _)| *k == crate::model::links::Kind::RestsOn)?;
        let id = board.resolve_id(first).ok()?;
        Some(board.summary(&id)?.lane.clone()).filter(|l| config.lane(l).is_some())
    };
    let lane = match &new.lane {
        Some(l) => config.resolve_lane(l).map_err(not_found)?.id.clone(),
        None if new.decision.is_some() => {
            evidence_lane().unwrap_or_else(|| config.lanes[0].id.clone())
        }
        None => config.lanes[0].id.clone(),
    };
    let has_hypothesis = new.hypothesis.is_some()
        || new.metric.is_some()
        || new.metric_key.is_some()
        || new.direction.is_some()
        || new.baseline.is_some()
        || new.target.is_some();
    let kind = match new.kind {
        Some(k) => k,
        None if new.decision.is_some() => "decision".to_string(),
        None if has_hypothesis && config.kinds.iter().any(|k| k == "hypothesis") => {
            "hypothesis".to_string()
        }
        None => config
            .kinds
            .first()
            .cloned()
            .unwrap_or_else(|| "task".into()),
    };
    let mut id = id::new_id();
    while board.file_ids.binary_search(&id).is_ok() {
        id = id::new_id();
    }
    let rank = place(board, &id, &lane, &Placement::Bottom)?;
    let mut card = Card::new(id, new.title.trim().to_string(), lane, rank, kind);
    card.labels = new.labels;
    card.assignees = new.assignees;
    card.created = Some(date::format_date(ctx.today()));
    card.due = new.due;
    card.body = new.body;
    for (kind, other) in &new.links {
        let other = board.resolve_id(other)?;
        card.add_link(*kind, &other);
    }
    if let Some(mut d) = new.decision {
        // Who decided and when: the author, today, unless told.
        if d.decided_by.is_none() {
            d.decided_by = Some(author_name(ctx, &board.root)).filter(|n| !n.is_empty());
        }
        if d.decided_at.is_none() {
            d.decided_at = Some(date::format_date(ctx.today()));
        }
        card.decision = Some(Box::new(d));
    }
    if has_hypothesis || card.kind == "hypothesis" {
        card.hypothesis = Some(Box::new(Hypothesis {
            statement: new.hypothesis,
            metric: new.metric,
            metric_key: new.metric_key,
            direction: new.direction,
            baseline: new.baseline,
            target: new.target,
            ..Default::default()
        }));
    }
    if !new.set.is_empty() {
        let mut value = card.to_value();
        for (f, v) in new.set {
            let (f, v) = set::declared(&config.fields, &card, &f, v)?;
            set_field(&mut value, &f, v, &card)?;
        }
        set::order_declared(&mut value, &config.fields);
        card = Card::from_value(value).map_err(|e| anyhow!("{e}"))?;
    }
    Ok(card)
}

/// `--set` giving a hypothesis its verdict or result by hand: checked as
/// `lanes verdict` is ([`crate::evidence::verdict::by_hand`]), a
/// `hypothesis.rationale` set with it being the reason. Setting the
/// evidence itself (a restore) is taken as it is.
fn verdict_by_hand(old: &Card, card: &mut Card, fields: &[(String, Value)]) -> Result<Vec<String>> {
    let sets = |f: &str| {
        fields
            .iter()
            .any(|(k, _)| k == f || k.starts_with(&format!("{f}.")))
    };
    let by_hand = sets("hypothesis.verdict") || sets("hypothesis.result") || sets("hypothesis");
    if !by_hand || sets("hypothesis.evidence") {
        return Ok(Vec::new());
    }
    let Some(h) = card.hypothesis.as_deref_mut() else {
        return Ok(Vec::new());
    };
    let because = if sets("hypothesis.rationale") {
        h.rationale.clone()
    } else {
        None
    };
    crate::evidence::verdict::by_hand(old.hypothesis.as_deref(), h, because.as_deref()).map_err(
        |e| match e.downcast_ref::<crate::evidence::verdict::Disagrees>() {
            Some(_) => e.context(format!(
                "{} of {}: set hypothesis.rationale too, saying why the verdict holds",
                fields
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                old.short_id()
            )),
            None => e,
        },
    )
}

/// The rank for `moving` placed in `lane`.
pub fn place(board: &Index, moving: &str, lane: &str, placement: &Placement) -> Result<String> {
    // The card named to place against is read from its file.
    let anchor = match placement {
        Placement::Before(q) | Placement::After(q) => {
            let id = board.resolve_id(q)?;
            if id == moving {
                bail!("cannot place a card relative to itself");
            }
            let named = board.current(&id);
            match named {
                Some(a) if a.lane == lane => Some(a),
                _ => bail!(
                    "card {} is in {}, not in {lane}; --before/--after need a card in the target lane",
                    id::short(&id),
                    named.map(|a| a.lane).unwrap_or_default()
                ),
            }
        }
        _ => None,
    };
    // The other cards of the lane in order, from a place, one way: only
    // the ones next to where the card goes are read.
    let skip = anchor.as_ref().map(|a| a.id.as_str());
    fn ranks<'a>(
        board: &'a Index,
        lane: &'a str,
        skip: [Option<&'a str>; 2],
        from: Option<(&'a str, &'a str)>,
        backwards: bool,
    ) -> impl Iterator<Item = Option<String>> + 'a {
        board
            .lane_walk(lane, from, backwards)
            .filter(move |c| !skip.contains(&Some(c.id.as_str())))
            .map(|c| Some(c.rank).filter(|r| !r.is_empty()))
    }
    let others = |from, backwards| ranks(board, lane, [Some(moving), skip], from, backwards);
    let (lo, hi) = match (placement, &anchor) {
        (Placement::Top, _) => (None, others(None, false).next().flatten()),
        (Placement::Bottom, _) => (others(None, true).next().flatten(), None),
        (Placement::Before(_), Some(a)) => {
            let hi = Some(a.rank.clone()).filter(|r| !r.is_empty());
            // Back over cards tied with the anchor.
            let from = Some((a.rank.as_str(), a.id.as_str()));
            (others(from, true).find(|r| *r != hi).flatten(), hi)
        }
        (Placement::After(_), Some(a)) => {
            let lo = Some(a.rank.clone()).filter(|r| !r.is_empty());
            let from = Some((a.rank.as_str(), a.id.as_str()));
            (lo.clone(), others(from, false).find(|r| *r != lo).flatten())
        }
        _ => bail!("no card to place against"),
    };
    Ok(rank::between_unique(lo.as_deref(), hi.as_deref(), moving))
}

/// The name a journal entry is signed with: the commit's author.
pub(crate) fn author_name(ctx: &Context, root: &Path) -> String {
    let name = git::open(root)
        .ok()
        .and_then(|r| ctx.signer().signatures(&r).ok())
        .and_then(|(a, _)| a.name().ok().map(str::to_string))
        .unwrap_or_default();
    match &ctx.agent {
        Some(agent) => format!("{name} via {}", message::clean_line(agent, 60)),
        None => name,
    }
}

/// Whether lanes' commits run the repository's commit hooks: yes, as
/// `git commit` does, unless the board says `settings.git_hooks: false`.
pub fn git_hooks(config: &BoardConfig) -> bool {
    !matches!(
        config.settings.extra.get("git_hooks"),
        Some(Value::Bool(false))
    )
}

/// Whether the board commits each change itself.
pub fn auto_commit(config: &BoardConfig) -> bool {
    config.settings.commit == CommitMode::Auto
}
