//! The tools, each a thin call into the library. Arguments are named as
//! the command line names them; results are typed (with their JSON
//! schemas) and carry the same fields as the matching `--json` output.
//! A failure is a tool error holding the message the command line would
//! print and its kind (`not_found`, `busy`, ...; docs/FORMAT.md).

use super::board::{locate, root_path};
use super::warm::{Boards, Kept, Warm};
use super::Options;
use crate::cli::links::{show_json, show_json_kept};
use crate::model::BoardConfig;
use crate::ops::{self, Action, NewCard, Placement};
use crate::store::query::{Query, State};
use crate::store::{self, Board};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{CallToolResult, Implementation, ServerCapabilities, ServerInfo};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_handler, tool_router, RoleServer, ServerHandler};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The longest text a call may give (a note, a title): a card file holds
/// at most 1 MiB, and an agent's note is a paragraph.
const MAX_TEXT: usize = 64 * 1024;

/// The longest name a call may give (a card id or prefix, a lane, a
/// label, a run): names are short.
const MAX_NAME: usize = 1024;

/// The agent's name when neither `--as` nor the client gives one: writes
/// through the server are always an agent's.
const UNNAMED_AGENT: &str = "mcp";

/// The MCP server: its options and its tools.
#[derive(Clone)]
pub struct Server {
    opts: Arc<Options>,
    /// The boards calls named, kept between calls.
    boards: Arc<Boards>,
    tool_router: ToolRouter<Server>,
}

/// A tool's answer: typed content, or a tool error. (Tools spell it out:
/// the tool macro reads `Result<Json<T>, _>` from the signature to publish
/// the output schema.)
type Reply<T> = Result<Json<T>, CallToolResult>;

fn tool_error(kind: ops::Kind, message: &str) -> CallToolResult {
    CallToolResult::structured_error(json!({
        "kind": kind.as_str(),
        "exit_code": kind.exit_code(),
        "message": message,
    }))
}

/// A failed call as a tool error: a refusal because someone else holds
/// the card also carries their `claim`, and `lost` when the caller held
/// it before the last sync gave it to them.
fn call_error(e: &ops::Error, lost: Option<&crate::sync::LostClaim>) -> CallToolResult {
    let mut body = json!({
        "kind": e.kind().as_str(),
        "exit_code": e.exit_code(),
        "message": match lost {
            Some(l) => format!("{e}; you {}", l.describe()),
            None => e.to_string(),
        },
    });
    if let Some(h) = e.held() {
        body["claim"] = serde_json::to_value(&h.claim).unwrap_or(Value::Null);
    }
    if let Some(l) = lost {
        body["lost"] = serde_json::to_value(l).unwrap_or(Value::Null);
    }
    CallToolResult::structured_error(body)
}

/// Every name a call gives, bounded.
fn names<'a>(items: impl IntoIterator<Item = Option<&'a String>>) -> Result<(), ops::Error> {
    for n in items.into_iter().flatten() {
        if n.len() > MAX_NAME {
            return Err(ops::refused(format!(
                "a name of {} bytes was given; names (cards, lanes, labels, runs) are at most {MAX_NAME} bytes",
                n.len()
            ))
            .into());
        }
    }
    Ok(())
}

fn bounded(what: &str, text: &str) -> Result<(), ops::Error> {
    if text.len() > MAX_TEXT {
        return Err(ops::refused(format!(
            "{what} is {} bytes; at most {MAX_TEXT} can be given in one call",
            text.len()
        ))
        .into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Arguments

#[derive(Debug, Deserialize, JsonSchema)]
pub struct BoardArgs {
    /// The board's folder (or any folder inside its repository); default:
    /// the client's root, else the server's working folder.
    pub board: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListArgs {
    pub board: Option<String>,
    /// Only cards in this lane (id or title).
    pub lane: Option<String>,
    /// Only cards with this label.
    pub label: Option<String>,
    /// Only cards assigned to this person.
    pub assignee: Option<String>,
    /// Archived cards too.
    #[serde(default)]
    pub all: bool,
    /// Only cards nobody holds a live claim on.
    #[serde(default)]
    pub unclaimed: bool,
    /// Only cards someone can pick up now (as `lanes ready`): not blocked,
    /// not done, not archived, not claimed.
    #[serde(default)]
    pub ready: bool,
    /// Only cards waiting on a card that is not done.
    #[serde(default)]
    pub blocked: bool,
    /// Only cards whose field has this value, as `lanes list --where`:
    /// `FIELD=VALUE`, a field board.yaml declares (`priority=high`) or a
    /// built-in one (`kind=hypothesis`); all must hold.
    #[serde(default, rename = "where")]
    pub wheres: Vec<String>,
    /// At most this many cards (default 100, at most 1000).
    pub limit: Option<usize>,
    /// Skip this many first (for the next page: the answer's `next_offset`).
    pub offset: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CardArgs {
    pub board: Option<String>,
    /// The card's id, or a unique prefix of it.
    pub card: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddArgs {
    pub board: Option<String>,
    pub title: String,
    /// The lane (default: the first).
    pub lane: Option<String>,
    /// task, hypothesis, experiment, or the board's own kinds.
    pub kind: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub assignees: Vec<String>,
    /// What the hypothesis claims ("adding X raises precision@10 by 2 points").
    pub hypothesis: Option<String>,
    /// The metric that decides it.
    pub metric: Option<String>,
    /// `higher` or `lower` is better.
    pub direction: Option<String>,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    /// Free text.
    pub body: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct MoveArgs {
    pub board: Option<String>,
    pub card: String,
    /// The lane to move it to (id or title).
    pub lane: String,
    /// `top` or `bottom` of the lane (default: bottom).
    pub position: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct NoteArgs {
    pub board: Option<String>,
    pub card: String,
    /// The journal entry.
    pub text: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ResultArgs {
    pub board: Option<String>,
    pub card: String,
    /// The run: `mlflow:RUN_ID` or `dvc:PATH[#key.path]`.
    pub source: String,
    /// The run's metric key, if not the card's metric.
    pub metric: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ClaimArgs {
    pub board: Option<String>,
    pub card: String,
    /// How long: 30m, 2h, 1h30m, 3d (default: the board's, else 2h).
    #[serde(rename = "for")]
    pub duration: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct VerdictArgs {
    pub board: Option<String>,
    pub card: String,
    /// The run it comes from: `mlflow:RUN_ID` or `dvc:PATH#key`.
    pub source: Option<String>,
    /// supported, refuted, inconclusive or open (default: what the run gives).
    pub verdict: Option<String>,
    /// Why the verdict holds when the numbers give another.
    pub because: Option<String>,
    /// The run's metric key, if not the card's metric.
    pub metric: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct HypothesesArgs {
    pub board: Option<String>,
    /// Only this verdict (open, supported, refuted, inconclusive).
    pub verdict: Option<String>,
    /// Only this lane.
    pub lane: Option<String>,
    /// Only metrics containing this text.
    pub metric: Option<String>,
}

// ---------------------------------------------------------------------------
// Results

#[derive(Debug, Serialize, JsonSchema)]
pub struct LaneView {
    pub id: String,
    pub title: String,
    /// Its work-in-progress limit, if any.
    pub wip: Option<u32>,
    /// Cards in it (not archived).
    pub cards: usize,
    pub over_wip: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BoardView {
    /// The board's folder (the one holding `.lanes/`).
    pub root: String,
    pub name: String,
    pub lanes: Vec<LaneView>,
    /// Card files that cannot be read, as `path:line:col: message`.
    pub problems: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Cards {
    /// Cards as `lanes list --json` has them (docs/FORMAT.md).
    pub cards: Vec<Value>,
    /// How many cards the filters select in all.
    pub total: usize,
    /// The `offset` of the next page; null when this is the last.
    pub next_offset: Option<usize>,
}

/// Cards one `list` answers by default, and at most: an agent reads its
/// answer whole, and a board of thousands of cards would fill its context.
const LIST_PAGE: usize = 100;
const LIST_MAX: usize = 1000;

#[derive(Debug, Serialize, JsonSchema)]
pub struct CardView {
    /// The card as `lanes show --json` has it (docs/FORMAT.md): every
    /// field, its links both ways, whether it is blocked, ready or
    /// claimed, its flags.
    pub card: Value,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Written {
    /// The card's full id.
    pub card: String,
    /// The commit made (none when nothing changed).
    pub commit: Option<String>,
    /// What was done, as the commit's subject says it.
    pub summary: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Recorded {
    pub card: String,
    pub commit: Option<String>,
    pub summary: String,
    /// The run's final value of the metric.
    pub result: Option<f64>,
    /// The verdict computed from it (none when the card has no target).
    pub verdict: Option<String>,
    /// Where the value came from (`hypothesis.evidence`, docs/FORMAT.md).
    pub evidence: Value,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Claimed {
    pub card: String,
    /// The commit made (none when nothing changed).
    pub commit: Option<String>,
    pub summary: String,
    /// The card's claim now, `{by, at, until}` (null when released).
    pub claim: Value,
}

impl Claimed {
    fn of(o: &ops::Outcome) -> Claimed {
        let claim = o
            .written
            .as_ref()
            .and_then(|c| c.claim.as_ref())
            .map_or(Value::Null, |c| serde_json::to_value(c).unwrap_or_default());
        Claimed {
            card: o.card.clone(),
            commit: o.commit.map(|c| c.to_string()),
            summary: o.summary.clone(),
            claim,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Hypotheses {
    /// Rows as `lanes hypotheses --json` has them (docs/FORMAT.md).
    pub hypotheses: Vec<Value>,
}

impl Written {
    fn of(o: &ops::Outcome) -> Written {
        Written {
            card: o.card.clone(),
            commit: o.commit.map(|c| c.to_string()),
            summary: o.summary.clone(),
        }
    }
}

// ---------------------------------------------------------------------------

/// A failed call: the error, and the caller's claim a sync gave away.
struct Failure(ops::Error, Option<Box<crate::sync::LostClaim>>);

impl<E: Into<ops::Error>> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure(e.into(), None)
    }
}

/// A card someone else holds: when the caller held it before the last
/// sync, that sync gave it away, and the answer says so.
fn lost_claim(root: &Path, ctx: &ops::Context, e: ops::Error) -> Failure {
    let lost = e.held().and_then(|h| {
        let me = ops::claimant(ctx, root);
        crate::sync::lost_in_last_sync(root, &h.card, &me, &h.claim, ctx.now())
    });
    let lost = lost.map(Box::new);
    Failure(e, lost)
}

/// One call's board: where it is, who acts, and the board as the server
/// keeps it between calls.
struct Call {
    root: PathBuf,
    ctx: ops::Context,
    warm: Arc<Mutex<Warm>>,
}

impl Call {
    /// A write, one commit, exactly as the command line makes it.
    fn apply(&self, action: Action) -> Result<ops::Outcome, ops::Error> {
        ops::apply(&self.ctx, &self.root, action)
    }

    /// What `kept` makes of the board as its files are now (kept between
    /// calls: see [`super::warm`]); when the board cannot be read, what
    /// `cold` makes of it read from the files, whose error says why just
    /// as the command line's does.
    fn read<T>(
        &self,
        kept: impl FnOnce(&Kept) -> Result<T, ops::Error>,
        cold: impl FnOnce() -> Result<T, ops::Error>,
    ) -> Result<T, ops::Error> {
        let mut warm = self.warm.lock().unwrap_or_else(|poisoned| {
            // A call that panicked may have left it half updated.
            let mut w = poisoned.into_inner();
            w.forget();
            w
        });
        match warm.fresh() {
            Ok(k) => kept(k),
            Err(_) => {
                drop(warm);
                cold()
            }
        }
    }
}

impl Server {
    /// Where this call's board is and who acts; then `f`, on a blocking
    /// thread, with the board; its failure as a tool error.
    async fn with_board<T, F>(
        &self,
        rc: &RequestContext<RoleServer>,
        board: Option<String>,
        f: F,
    ) -> Reply<T>
    where
        T: Send + 'static,
        F: FnOnce(&Call) -> Result<T, ops::Error> + Send + 'static,
    {
        let roots = self.roots(rc).await;
        let agent = self
            .opts
            .agent
            .clone()
            .or_else(|| {
                rc.peer
                    .peer_info()
                    .map(|p| p.client_info.name.clone())
                    .filter(|n| !n.trim().is_empty())
            })
            .unwrap_or_else(|| UNNAMED_AGENT.to_string());
        let cwd = self.opts.cwd.clone();
        let boards = self.boards.clone();
        let work = tokio::task::spawn_blocking(move || {
            let run = || -> Result<T, Failure> {
                names([board.as_ref()])?;
                let root = locate(board.as_deref(), &cwd, &roots)?;
                ops::recover(&root)?;
                let call = Call {
                    warm: boards.get(&root),
                    ctx: ops::Context::from_env().with_agent(Some(agent)),
                    root,
                };
                f(&call).map_err(|e| lost_claim(&call.root, &call.ctx, e))
            };
            run()
        });
        match work.await {
            Ok(Ok(v)) => Ok(Json(v)),
            Ok(Err(Failure(e, lost))) => Err(call_error(&e, lost.as_deref())),
            Err(e) => Err(tool_error(
                ops::Kind::Failed,
                &format!("the call failed: {e}"),
            )),
        }
    }

    /// A write: the action `make` gives (having checked the arguments),
    /// applied as the command line applies it, its outcome rendered.
    async fn act<R, M>(
        &self,
        rc: &RequestContext<RoleServer>,
        board: Option<String>,
        make: M,
        render: fn(&ops::Outcome) -> R,
    ) -> Reply<R>
    where
        R: Send + 'static,
        M: FnOnce() -> Result<Action, ops::Error> + Send + 'static,
    {
        self.with_board(rc, board, move |call| Ok(render(&call.apply(make()?)?)))
            .await
    }

    /// The client's roots as folders, when it has any (asked each call: a
    /// client may change them). Roots are deprecated by the protocol's
    /// SEP-2577 but still what most clients send; the `board` argument
    /// stays the way to name a board.
    #[allow(deprecated)]
    async fn roots(&self, rc: &RequestContext<RoleServer>) -> Vec<PathBuf> {
        let has_roots = rc
            .peer
            .peer_info()
            .is_some_and(|p| p.capabilities.roots.is_some());
        if !has_roots {
            return Vec::new();
        }
        match tokio::time::timeout(Duration::from_secs(5), rc.peer.list_roots()).await {
            Ok(Ok(list)) => list
                .roots
                .iter()
                .filter_map(|r| root_path(&r.uri))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A page of `query`'s cards, from the board kept (`Some`) or read now.
fn list_page(
    root: &Path,
    query: &Query,
    config: &BoardConfig,
    kept: Option<&Kept>,
    (skip, take): (usize, usize),
) -> Result<Cards, ops::Error> {
    let mut bytes = Vec::new();
    let total = match kept {
        Some(k) => query.write_json_kept(&k.heads, &k.links, config, (skip, take), &mut bytes)?,
        None => query.write_json(root, config, (skip, take), &mut bytes)?.1,
    };
    let cards: Vec<Value> = serde_json::from_slice(&bytes)
        .map_err(|e| anyhow::anyhow!("the card list is not JSON: {e}"))?;
    let next_offset = (skip.saturating_add(take) < total).then(|| skip + take);
    Ok(Cards {
        cards,
        total,
        next_offset,
    })
}

/// The query a `list` call asks for, on `config`'s board.
fn list_query(a: &ListArgs, config: &BoardConfig, now: i64) -> Result<Query, ops::Error> {
    let state = match (a.ready, a.blocked) {
        (true, true) => {
            return Err(ops::refused(
                "a card cannot be ready and blocked: give one of ready and blocked",
            )
            .into())
        }
        (true, false) => State::Ready,
        (false, true) => State::Blocked,
        (false, false) => State::Any,
    };
    Ok(Query {
        label: a.label.clone(),
        assignee: a.assignee.clone(),
        all: a.all,
        state,
        unclaimed: a.unclaimed,
        wheres: a
            .wheres
            .iter()
            .map(|w| crate::model::filter::Where::parse(w, &config.fields))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ops::refused)?,
        ..Query::new(config, a.lane.as_deref(), now).map_err(ops::not_found)?
    })
}

impl Recorded {
    /// A result recorded from a run, with the verdict it gives.
    fn of_run(reading: &crate::evidence::Reading, done: &ops::Outcome) -> Recorded {
        Recorded {
            card: done.card.clone(),
            commit: done.commit.map(|c| c.to_string()),
            summary: done.summary.clone(),
            result: Some(reading.evidence.value),
            verdict: reading.verdict.map(|v| v.to_string()),
            evidence: store::json::to_json(&reading.evidence.to_value()),
        }
    }
}

#[tool_router]
impl Server {
    pub fn new(opts: Options) -> Server {
        Server {
            opts: Arc::new(opts),
            boards: Arc::new(Boards::default()),
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        description = "The board: its lanes with their card counts and WIP limits, and unreadable files."
    )]
    async fn board(
        &self,
        Parameters(a): Parameters<BoardArgs>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<BoardView>, CallToolResult> {
        self.with_board(&rc, a.board, |call| {
            let root = &call.root;
            let b = Board::load(root)?;
            let lanes = b
                .config
                .lanes
                .iter()
                .map(|l| {
                    let cards = b
                        .cards
                        .iter()
                        .filter(|c| !c.archived && c.lane == l.id)
                        .count()
                        + b.omitted
                            .iter()
                            .find(|(lane, _)| *lane == l.id)
                            .map_or(0, |(_, n)| *n);
                    LaneView {
                        id: l.id.clone(),
                        title: l.title.clone(),
                        wip: l.wip,
                        cards,
                        over_wip: l.wip.is_some_and(|w| cards > w as usize),
                    }
                })
                .collect();
            Ok(BoardView {
                root: root.display().to_string(),
                name: b.config.name.clone(),
                lanes,
                problems: b.problems.iter().map(|p| p.to_string()).collect(),
            })
        })
        .await
    }

    #[tool(
        description = "Cards in board order, filtered as `lanes list` filters them: `ready` for work to pick up now (not blocked, done or claimed), `blocked`, `unclaimed`. Pages of 100: see `total` and `next_offset`."
    )]
    async fn list(
        &self,
        Parameters(a): Parameters<ListArgs>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<Cards>, CallToolResult> {
        self.with_board(&rc, a.board.clone(), move |call| {
            names([a.lane.as_ref(), a.label.as_ref(), a.assignee.as_ref()])?;
            let skip = a.offset.unwrap_or(0);
            let take = a.limit.unwrap_or(LIST_PAGE);
            let page = |config: &BoardConfig, kept: Option<&Kept>| {
                let query = list_query(&a, config, call.ctx.now())?;
                if take == 0 || take > LIST_MAX {
                    return Err(ops::refused(format!(
                        "limit {take}: give from 1 to {LIST_MAX} (page on with offset)"
                    ))
                    .into());
                }
                list_page(&call.root, &query, config, kept, (skip, take))
            };
            call.read(
                |k| page(&k.config, Some(k)),
                || {
                    let board = store::read_board_file(&call.root, store::BOARD_FILE)?;
                    page(&store::parse_board(&board)?, None)
                },
            )
        })
        .await
    }

    #[tool(description = "One card, every field (as `lanes show --json`).")]
    async fn show(
        &self,
        Parameters(a): Parameters<CardArgs>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<CardView>, CallToolResult> {
        self.with_board(&rc, a.board, move |call| {
            names([Some(&a.card)])?;
            let (root, now) = (&call.root, call.ctx.now());
            let card = call.read(
                |k| {
                    Ok(show_json_kept(
                        root, &k.heads, &k.config, &k.links, &a.card, now,
                    )?)
                },
                || Ok(show_json(root, &a.card, now)?),
            )?;
            Ok(CardView { card })
        })
        .await
    }

    #[tool(
        description = "Add a card (one commit); a hypothesis when a statement or metric is given."
    )]
    async fn add(
        &self,
        Parameters(a): Parameters<AddArgs>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<Written>, CallToolResult> {
        let board = a.board.clone();
        let make = move || {
            bounded("the title", &a.title)?;
            for t in [&a.hypothesis, &a.body].into_iter().flatten() {
                bounded("the text", t)?;
            }
            names(
                [a.lane.as_ref(), a.kind.as_ref(), a.metric.as_ref()]
                    .into_iter()
                    .chain(a.labels.iter().map(Some))
                    .chain(a.assignees.iter().map(Some)),
            )?;
            let direction = a
                .direction
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(ops::refused)?;
            let number = |n: Option<f64>| n.map(serde_yaml::Value::from);
            Ok(Action::Add(Box::new(NewCard {
                title: a.title,
                lane: a.lane,
                kind: a.kind,
                labels: a.labels,
                assignees: a.assignees,
                due: None,
                hypothesis: a.hypothesis,
                metric: a.metric,
                metric_key: None,
                direction,
                baseline: number(a.baseline),
                target: number(a.target),
                body: a.body,
                ..NewCard::default()
            })))
        };
        self.act(&rc, board, make, Written::of).await
    }

    #[tool(name = "move", description = "Move a card to a lane (one commit).")]
    async fn move_card(
        &self,
        Parameters(a): Parameters<MoveArgs>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<Written>, CallToolResult> {
        let board = a.board.clone();
        let make = move || {
            names([Some(&a.card), Some(&a.lane), a.position.as_ref()])?;
            let placement = match a.position.as_deref() {
                None => None,
                Some("top") => Some(Placement::Top),
                Some("bottom") => Some(Placement::Bottom),
                Some(other) => {
                    return Err(
                        ops::refused(format!("position {other:?}: give top or bottom")).into(),
                    )
                }
            };
            Ok(Action::Move {
                card: a.card,
                lane: Some(a.lane),
                placement,
            })
        };
        self.act(&rc, board, make, Written::of).await
    }

    #[tool(
        description = "Add an entry to a card's journal (one commit; the journal is append-only)."
    )]
    async fn note(
        &self,
        Parameters(a): Parameters<NoteArgs>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<Written>, CallToolResult> {
        let board = a.board.clone();
        let make = move || {
            bounded("the note", &a.text)?;
            names([Some(&a.card)])?;
            Ok(Action::Note {
                card: a.card,
                text: a.text,
            })
        };
        self.act(&rc, board, make, Written::of).await
    }

    #[tool(
        description = "Record a run's final value of the card's metric as its result, with the verdict it gives and the run's provenance (as `lanes result`)."
    )]
    async fn result(
        &self,
        Parameters(a): Parameters<ResultArgs>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<Recorded>, CallToolResult> {
        self.with_board(&rc, a.board.clone(), move |call| {
            names([Some(&a.card), Some(&a.source), a.metric.as_ref()])?;
            let opts = crate::evidence::Options {
                metric: a.metric,
                ..Default::default()
            };
            let (reading, done) =
                crate::evidence::record_result(&call.ctx, &call.root, &a.card, &a.source, &opts)?;
            Ok(Recorded::of_run(&reading, &done))
        })
        .await
    }

    #[tool(
        description = "Claim a card: you work on it now, until a time (one commit). Refused while someone else's claim holds; claim again to renew yours."
    )]
    async fn claim(
        &self,
        Parameters(a): Parameters<ClaimArgs>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<Claimed>, CallToolResult> {
        let board = a.board.clone();
        let make = move || {
            names([Some(&a.card), a.duration.as_ref()])?;
            let for_secs = a
                .duration
                .as_deref()
                .map(crate::model::claim::parse_duration)
                .transpose()
                .map_err(ops::refused)?;
            Ok(Action::Claim {
                card: a.card,
                for_secs,
            })
        };
        self.act(&rc, board, make, Claimed::of).await
    }

    #[tool(description = "Give back your claim on a card (one commit).")]
    async fn release(
        &self,
        Parameters(a): Parameters<CardArgs>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<Claimed>, CallToolResult> {
        let board = a.board.clone();
        let make = move || {
            names([Some(&a.card)])?;
            Ok(Action::Release { card: a.card })
        };
        self.act(&rc, board, make, Claimed::of).await
    }

    #[tool(
        description = "Conclude a hypothesis from a run (`source`): its value becomes the result and gives the verdict, as `lanes result` does. A verdict without a run is refused."
    )]
    async fn verdict(
        &self,
        Parameters(a): Parameters<VerdictArgs>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<Recorded>, CallToolResult> {
        self.with_board(&rc, a.board.clone(), move |call| {
            names([
                Some(&a.card),
                a.source.as_ref(),
                a.verdict.as_ref(),
                a.metric.as_ref(),
            ])?;
            if let Some(b) = &a.because {
                bounded("the reason", b)?;
            }
            let verdict = a
                .verdict
                .as_deref()
                .map(str::parse::<crate::model::Verdict>)
                .transpose()
                .map_err(ops::refused)?;
            match (a.source, verdict) {
                (Some(source), v) => {
                    if v == Some(crate::model::Verdict::Open) {
                        return Err(ops::refused(
                            "open claims nothing, so there is no run to cite; give it without a source",
                        )
                        .into());
                    }
                    let opts = crate::evidence::Options {
                        metric: a.metric,
                        because: a.because,
                        expect: v,
                        ..Default::default()
                    };
                    let (reading, done) =
                        crate::evidence::record_result(&call.ctx, &call.root, &a.card, &source, &opts)?;
                    Ok(Recorded::of_run(&reading, &done))
                }
                (None, Some(verdict)) => {
                    // Checked in ops: without a run, only `open` (or a
                    // board that asks no evidence of agents) passes.
                    let done = call.apply(Action::Verdict {
                        card: a.card,
                        verdict,
                        result: None,
                        because: a.because,
                    })?;
                    let h = done.written.as_ref().and_then(|c| c.hypothesis.as_deref());
                    Ok(Recorded {
                        card: done.card.clone(),
                        commit: done.commit.map(|c| c.to_string()),
                        summary: done.summary.clone(),
                        result: h
                            .and_then(|h| h.result.as_ref())
                            .and_then(serde_yaml::Value::as_f64),
                        verdict: Some(verdict.to_string()),
                        evidence: Value::Null,
                    })
                }
                (None, None) => Err(ops::refused(
                    "give the run the verdict comes from as `source` (mlflow:RUN_ID or dvc:PATH#key): its value is recorded as the result and gives the verdict",
                )
                .into()),
            }
        })
        .await
    }

    #[tool(
        description = "Every hypothesis side by side: statement, metric, baseline, target, result, verdict, stale marks (as `lanes hypotheses --json`)."
    )]
    async fn hypotheses(
        &self,
        Parameters(a): Parameters<HypothesesArgs>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<Hypotheses>, CallToolResult> {
        self.with_board(&rc, a.board.clone(), move |call| {
            let root = &call.root;
            names([a.verdict.as_ref(), a.lane.as_ref(), a.metric.as_ref()])?;
            let board = Board::load(root)?;
            let history = crate::history::board_history(root)?;
            let lane = match &a.lane {
                Some(l) => Some(
                    board
                        .config
                        .resolve_lane(l)
                        .map_err(ops::not_found)?
                        .id
                        .clone(),
                ),
                None => None,
            };
            let query = crate::history::query::HypQuery {
                verdict: a.verdict,
                lane,
                metric: a.metric,
                sort: Default::default(),
            };
            let rows = crate::history::query::hypotheses(root, &board, &history, &query);
            let hypotheses = rows
                .iter()
                .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
                .collect();
            Ok(Hypotheses { hypotheses })
        })
        .await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerInfo {
        ServerInfo::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("lanes", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "A kanban board for research work kept in the git repository. Find work with `list` (`ready: true`: not blocked, not done, not claimed by others), `claim` a card before working on it and `release` it when you stop, read a card with `show`, record what you did with `note`, and conclude a hypothesis with `result` or `verdict`, citing the run. Each write is one git commit under your user's name, marked as made by you.".to_string(),
            )
    }
}
