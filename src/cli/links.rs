//! How research work connects, on the command line: `lanes link`,
//! `lanes unlink`, `lanes ready`, `lanes list --blocked`, and the links
//! and flags `lanes show` prints. The graph and its rules are
//! [`crate::model::links`]; this is reading the board and printing.

use super::args::CardFilter;
use super::{output, term};
use crate::model::link_lookup::LinkLookup;
use crate::model::links::{flag_text, Flag, Graph, Kind, Why};
use crate::model::text::one_line;
use crate::model::{date, id, BoardConfig, Card};
use crate::ops::{self, Action};
use crate::store::query::{Query, State};
use crate::store::{self, codec::Head, json, Heads, Problem};
use anyhow::{anyhow, bail, Result};
use clap::{Arg, ArgAction, ArgGroup, ArgMatches, Args, FromArgMatches};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct LinkArgs {
    /// The card: its id or any unique prefix of it
    pub card: String,
    #[command(flatten)]
    pub to: LinkTo,
}

/// One link, from CARD: `--OPTION OTHER` for one kind of link
/// ([`Kind::ALL`]; `--blocks OTHER` names a depends-on link from OTHER),
/// exactly one. The options are built from the kinds' rows, so a new kind
/// of link is offered here with no change to this file.
#[derive(Debug, Clone)]
pub struct LinkTo {
    pub kind: Kind,
    /// Named from OTHER's side (`--blocks`): stored on OTHER.
    pub inverse: bool,
    pub other: String,
}

/// The id of the group of [`LinkTo`]'s options (clap's derive named it
/// after the struct).
const LINK_TO: &str = "LinkTo";

/// Each kind's options for one link: (id, option, help, kind, inverse).
fn link_options() -> impl Iterator<Item = (&'static str, &'static str, &'static str, Kind, bool)> {
    Kind::ALL.into_iter().flat_map(|k| {
        let own = (k.field(), k.option(), k.link_help(), k, false);
        let inverse = k.inverse_option().map(|(o, help)| (o, o, help, k, true));
        std::iter::once(own).chain(inverse)
    })
}

impl clap::Args for LinkTo {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let mut cmd = cmd;
        let mut ids = Vec::new();
        for (id, option, help, _, _) in link_options() {
            cmd = cmd.arg(
                Arg::new(id)
                    .long(option)
                    .value_name("OTHER")
                    .value_parser(clap::value_parser!(String))
                    .action(ArgAction::Set)
                    .help(help),
            );
            ids.push(id);
        }
        cmd.group(
            ArgGroup::new(LINK_TO)
                .multiple(false)
                .required(true)
                .args(ids),
        )
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for LinkTo {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        Self::from_arg_matches_mut(&mut m.clone())
    }

    fn from_arg_matches_mut(m: &mut ArgMatches) -> Result<Self, clap::Error> {
        for (id, _, _, kind, inverse) in link_options() {
            if let Some(other) = m.remove_one::<String>(id) {
                return Ok(LinkTo {
                    kind,
                    inverse,
                    other,
                });
            }
        }
        let options: Vec<String> = link_options().map(|o| format!("--{}", o.1)).collect();
        Err(clap::Error::raw(
            clap::error::ErrorKind::MissingRequiredArgument,
            format!("say which link: {} OTHER\n", options.join(", ")),
        ))
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

/// Links a new card starts with (`lanes add`, `lanes decide`): `--OPTION
/// CARD` for each kind of link ([`Kind::ALL`]), repeatable but for a kind
/// a card holds one of (`--parent`). Built from the kinds' rows, as
/// [`LinkTo`] is.
#[derive(Debug, Clone, Default)]
pub struct LinkFlags {
    links: Vec<(Kind, String)>,
}

/// The id of the group of [`LinkFlags`]' options.
const LINK_FLAGS: &str = "LinkFlags";

impl clap::Args for LinkFlags {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let mut cmd = cmd;
        for k in Kind::ALL {
            cmd = cmd.arg(
                Arg::new(k.field())
                    .long(k.option())
                    .value_name("CARD")
                    .value_parser(clap::value_parser!(String))
                    .action(if k.single() {
                        ArgAction::Set
                    } else {
                        ArgAction::Append
                    })
                    .help(k.new_help()),
            );
        }
        cmd.group(
            ArgGroup::new(LINK_FLAGS)
                .multiple(true)
                .args(Kind::ALL.map(Kind::field)),
        )
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for LinkFlags {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        Self::from_arg_matches_mut(&mut m.clone())
    }

    fn from_arg_matches_mut(m: &mut ArgMatches) -> Result<Self, clap::Error> {
        let mut links = Vec::new();
        for k in Kind::ALL {
            let given = m.remove_many::<String>(k.field()).into_iter().flatten();
            links.extend(given.map(|o| (k, o)));
        }
        Ok(LinkFlags { links })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl LinkFlags {
    /// The links, in the order of [`Kind::ALL`].
    pub fn links(self) -> Vec<(Kind, String)> {
        self.links
    }
}

impl LinkArgs {
    /// The card that stores the link, the kind, the other card.
    fn parts(self) -> (String, Kind, String) {
        let LinkTo {
            kind,
            inverse,
            other,
        } = self.to;
        if inverse {
            (other, kind, self.card)
        } else {
            (self.card, kind, other)
        }
    }
}

/// A label board.yaml does not declare, a letter or two from one it does:
/// most likely a typo (an undeclared label is allowed), said on stderr.
pub fn label_hint(config: &BoardConfig, label: Option<&str>) {
    let Some(l) = label else { return };
    let declared = || config.labels.iter().map(|d| d.name.as_str());
    if declared().any(|d| d == l) {
        return;
    }
    if let Some(near) = crate::model::text::did_you_mean(l, declared()) {
        crate::term::say!("lanes: note: board.yaml declares no label {l:?}; did you mean {near}?");
    }
}

impl CardFilter {
    /// The query of these filters on `config`'s board at `now` (a label
    /// like a declared one named on stderr: [`label_hint`]).
    pub fn query(&self, config: &BoardConfig, now: i64) -> Result<Query> {
        label_hint(config, self.label.as_deref());
        Ok(Query {
            label: self.label.clone(),
            assignee: self.assignee.clone(),
            ..Query::new(config, self.lane.as_deref(), now).map_err(|e| anyhow!(e))?
        })
    }
}

/// `lanes link` and `lanes unlink`: one commit in the card that stores
/// the link.
pub fn link(r: &Path, args: LinkArgs, unlink: bool) -> Result<ExitCode> {
    let (card, kind, other) = args.parts();
    let action = if unlink {
        Action::Unlink { card, kind, other }
    } else {
        Action::Link { card, kind, other }
    };
    let outcome = ops::apply(&ops::Context::from_env(), r, action)?;
    super::write::report(&outcome);
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct ReadyArgs {
    #[command(flatten)]
    pub filter: CardFilter,
    /// Only among the cards a saved view shows (`views:` in board.yaml or in your config file), in its order
    #[arg(long, value_name = "NAME")]
    pub view: Option<String>,
    /// Also list the blocked cards, each with what it waits on (transitively), and every card's flags
    #[arg(long)]
    pub explain: bool,
    /// Print the cards as JSON (see docs/FORMAT.md); with --explain, {"ready": [...], "blocked": [...]}
    #[arg(long)]
    pub json: bool,
}

/// The board's heads and their links (as just worked out, or as the MCP
/// server keeps them), with what printing needs.
struct Linked<'a, G = Graph<'a>> {
    config: &'a BoardConfig,
    heads: HeadsIn<'a>,
    graph: &'a G,
    /// When each refuted hypothesis a printed flag names was refuted.
    refuted: HashMap<usize, i64>,
}

/// Where [`Linked`] finds a card's head: among the heads decoded for the
/// whole board, or, one at a time, among heads kept between reads.
#[derive(Clone, Copy)]
enum HeadsIn<'a> {
    All(&'a [Head<'a>]),
    Kept(&'a Heads),
}

impl<'a, G: LinkLookup> Linked<'a, G> {
    fn new(config: &'a BoardConfig, heads: HeadsIn<'a>, graph: &'a G) -> Linked<'a, G> {
        Linked {
            config,
            heads,
            graph,
            refuted: HashMap::new(),
        }
    }

    fn head(&self, i: usize) -> Option<Head<'a>> {
        let id = self.graph.id(i);
        match self.heads {
            HeadsIn::All(all) => all
                .binary_search_by(|h| h.id.cmp(id))
                .ok()
                .map(|k| all[k].clone()),
            HeadsIn::Kept(heads) => heads.head(id),
        }
    }

    /// `3fk2a9 (Title)`.
    fn name(&self, i: usize) -> String {
        let short = id::short(self.graph.id(i));
        match self.head(i) {
            Some(h) => format!(
                "{short} ({})",
                one_line(&crate::ops::clean_line(h.title, 50))
            ),
            None => short.to_string(),
        }
    }

    fn lane_title(&self, lane: &str) -> String {
        self.config
            .lane(lane)
            .map_or_else(|| lane.to_string(), |l| l.title.clone())
    }

    /// `3fk2a9  Title  Lane  <verdict>  (done) (archived)`, for lists of
    /// linked cards.
    fn row(&self, i: usize) -> String {
        let Some(h) = self.head(i) else {
            return id::short(self.graph.id(i)).to_string();
        };
        let mut s = format!(
            "{}  {}  {}",
            id::short(h.id),
            one_line(&crate::ops::clean_line(h.title, 50)),
            one_line(&self.lane_title(h.lane))
        );
        if let Some(v) = h.verdict {
            let _ = write!(s, "  <{v}>");
        }
        if self.graph.is_done(i) {
            s.push_str("  (done)");
        } else if self.graph.is_blocked(i) {
            s.push_str("  (blocked)");
        }
        if h.archived {
            s.push_str("  (archived)");
        }
        s
    }

    /// The refuted hypotheses these flags name.
    fn hypotheses(flags: &[Flag]) -> impl Iterator<Item = usize> + '_ {
        flags.iter().filter_map(|f| match f {
            Flag::PremiseRefuted { hypothesis, .. }
            | Flag::DeadBlocked {
                why: Why::PremiseRefuted { hypothesis },
                ..
            } => Some(*hypothesis),
            _ => None,
        })
    }

    /// When the refuted hypotheses of `flags` were refuted: from their
    /// evidence, else (only then) from the board's history.
    fn dates(&self, r: &Path, heads: &Heads, flags: &[Flag]) -> HashMap<usize, i64> {
        let wanted: BTreeSet<usize> = Self::hypotheses(flags).collect();
        let mut out = HashMap::new();
        let mut missing = Vec::new();
        for h in wanted {
            let at = heads
                .card(self.graph.id(h))
                .and_then(|c| c.ok())
                .and_then(|c| crate::model::links::refuted_at(&c));
            match at {
                Some(t) => {
                    out.insert(h, t);
                }
                None => missing.push(h),
            }
        }
        if missing.is_empty() {
            return out;
        }
        // A verdict given by hand: its history knows when. (A board
        // outside git, or a history that cannot be read: no date.)
        if let Ok(history) = crate::history::board_history(r) {
            for h in missing {
                if let Some(t) =
                    crate::history::report::verdict_time(&history, self.graph.id(h), "refuted")
                {
                    out.insert(h, t);
                }
            }
        }
        out
    }

    fn flag_line(&self, f: &Flag) -> String {
        flag_text(f, &|i| self.name(i), &|h| self.refuted.get(&h).copied())
    }

    fn flags_json(&self, flags: &[Flag]) -> serde_json::Value {
        use serde_json::{json, Value as J};
        let ids = |v: &[usize]| J::Array(v.iter().map(|&i| J::from(self.graph.id(i))).collect());
        J::Array(
            flags
                .iter()
                .map(|f| {
                    let mut m = serde_json::Map::new();
                    m.insert("flag".into(), J::from(f.kind()));
                    match f {
                        Flag::PremiseRefuted { hypothesis, via } => {
                            m.insert("card".into(), J::from(self.graph.id(*hypothesis)));
                            m.insert("via".into(), ids(via));
                            m.insert("refuted_on".into(), self.refuted_json(*hypothesis));
                        }
                        Flag::DependsOnSuperseded { card, by } => {
                            m.insert("card".into(), J::from(self.graph.id(*card)));
                            m.insert("by".into(), ids(by));
                        }
                        Flag::DependsOnArchived { card } => {
                            m.insert("card".into(), J::from(self.graph.id(*card)));
                        }
                        Flag::DeadBlocked { via, cause, why } => {
                            m.insert("card".into(), J::from(self.graph.id(*cause)));
                            m.insert("via".into(), ids(via));
                            m.insert("why".into(), J::from(why.as_str()));
                            match why {
                                Why::Superseded { by } => {
                                    m.insert("by".into(), json!([self.graph.id(*by)]));
                                }
                                Why::PremiseRefuted { hypothesis } => {
                                    m.insert(
                                        "hypothesis".into(),
                                        J::from(self.graph.id(*hypothesis)),
                                    );
                                    m.insert("refuted_on".into(), self.refuted_json(*hypothesis));
                                }
                                _ => {}
                            }
                        }
                        Flag::InCycle { cycle } => {
                            m.insert("cycle".into(), ids(cycle));
                        }
                    }
                    m.insert("message".into(), J::from(self.flag_line(f)));
                    J::Object(m)
                })
                .collect(),
        )
    }

    fn refuted_json(&self, h: usize) -> serde_json::Value {
        self.refuted.get(&h).map_or(serde_json::Value::Null, |&t| {
            serde_json::Value::from(date::format_timestamp(t))
        })
    }

    /// What a blocked card waits on, as JSON: each card once, in the
    /// order of [`Graph::waits_on`], with its depth and the card waiting
    /// on it.
    fn waits_json(&self, i: usize) -> serde_json::Value {
        use serde_json::Value as J;
        J::Array(
            self.graph
                .waits_on(i, WAITS_LIMIT)
                .into_iter()
                .filter(|w| !w.repeated)
                .map(|w| {
                    let h = self.head(w.card);
                    serde_json::json!({
                        "id": self.graph.id(w.card),
                        "title": h.as_ref().map(|h| h.title),
                        "lane": h.as_ref().map(|h| h.lane),
                        "depth": w.depth,
                        "waited_on_by": self.graph.id(w.via),
                        "blocked": self.graph.is_blocked(w.card),
                    })
                })
                .collect(),
        )
    }

    /// The waits of a blocked card, as indented lines.
    fn waits_text(&self, i: usize, out: &mut String) {
        let waits = self.graph.waits_on(i, WAITS_LIMIT);
        for w in &waits {
            let pad = "  ".repeat(w.depth + 1);
            let again = if w.repeated { "  (see above)" } else { "" };
            let _ = writeln!(out, "{pad}waits on {}{again}", self.row(w.card));
        }
        if waits.len() >= WAITS_LIMIT {
            let _ = writeln!(
                out,
                "    … (more: `lanes show {}`)",
                id::short(self.graph.id(i))
            );
        }
        let roots = self.graph.root_blockers(i);
        if !roots.is_empty() && waits.iter().any(|w| w.depth > 1) {
            let names: Vec<String> = roots.iter().map(|&c| self.name(c)).collect();
            let _ = writeln!(out, "    to unblock it, finish: {}", names.join(", "));
        }
    }
}

/// At most this many lines of what one card waits on.
const WAITS_LIMIT: usize = 40;

/// `lanes ready`: cards not blocked, not done, not archived and not
/// claimed, in board order; with `--explain`, the claimed and the blocked
/// ones too, the blocked with what they wait on, and every card's flags.
pub fn ready(r: &Path, args: ReadyArgs) -> Result<ExitCode> {
    let config = store::parse_board(&store::read_board_file(r, store::BOARD_FILE)?)?;
    let now = ops::Context::from_env().now();
    let mut query = args.filter.query(&config, now)?;
    if let Some(name) = &args.view {
        query.only = Some(super::views::pick(r, &config, name, false)?.places());
    }
    let heads = if args.json {
        Heads::load_for_json(r)?
    } else {
        Heads::load(r)?
    };
    let all = heads.heads();
    let graph = Graph::new(&config, all.iter().map(Head::node).collect());
    let mut linked = Linked::new(&config, HeadsIn::All(&all), &graph);
    let (ready, claimed, blocked, flags) = {
        let g = linked.graph;
        let pick = |state: State| {
            Query {
                state,
                ..query.clone()
            }
            .select(&config, &heads, &all, g)
        };
        let ready = pick(State::Ready);
        let (claimed, blocked) = if args.explain {
            // Ready but for a live claim on it.
            let claimed = pick(State::Any)
                .into_iter()
                .filter(|h| h.claimed(now) && g.index(h.id).is_some_and(|i| g.is_ready(i)))
                .collect();
            (claimed, pick(State::Blocked))
        } else {
            (Vec::new(), Vec::new())
        };
        // Flags (and what their dates cost) with --explain only.
        let flags: HashMap<usize, Vec<Flag>> = if args.explain {
            ready
                .iter()
                .chain(&claimed)
                .chain(&blocked)
                .filter_map(|h| g.index(h.id))
                .map(|i| (i, g.flags(i)))
                .filter(|(_, f)| !f.is_empty())
                .collect()
        } else {
            HashMap::new()
        };
        (ready, claimed, blocked, flags)
    };
    let every: Vec<Flag> = flags.values().flatten().cloned().collect();
    linked.refuted = linked.dates(r, &heads, &every);
    let linked = linked;
    let g = linked.graph;
    let ids = |v: &[&Head]| v.iter().map(|h| h.id.to_string()).collect::<BTreeSet<_>>();
    let (ready_ids, claimed_ids, blocked_ids) = (ids(&ready), ids(&claimed), ids(&blocked));
    let is = |h: &Head, set: &BTreeSet<String>| set.contains(h.id);
    let mut out = term::stdout();
    let problems = heads.problems().to_vec();
    if args.json {
        let more = |h: &Head, waits: bool| {
            let mut m = json::link_fields_text(g, h, now);
            if !args.explain {
                return m;
            }
            let Some(i) = g.index(h.id) else { return m };
            let f = flags.get(&i).map(Vec::as_slice).unwrap_or_default();
            let _ = write!(
                m,
                ",\"flags\":{}",
                serde_json::to_string(&linked.flags_json(f)).unwrap_or_default()
            );
            if waits {
                let _ = write!(
                    m,
                    ",\"waits_on\":{},\"unblocked_by\":{}",
                    serde_json::to_string(&linked.waits_json(i)).unwrap_or_default(),
                    serde_json::to_string(
                        &g.root_blockers(i)
                            .into_iter()
                            .map(|c| g.id(c))
                            .collect::<Vec<_>>()
                    )
                    .unwrap_or_default()
                );
            }
            crate::model::text::json_safe(&m).into_owned()
        };
        if args.explain {
            out.write_all(b"{\"ready\":")?;
            let (r, c, b) = (&ready_ids, &claimed_ids, &blocked_ids);
            heads.write_json_placed(
                &config,
                |h| is(h, r),
                |h| more(h, false),
                |h| query.place(h),
                &mut out,
            )?;
            out.write_all(b",\"claimed\":")?;
            heads.write_json_placed(
                &config,
                |h| is(h, c),
                |h| more(h, false),
                |h| query.place(h),
                &mut out,
            )?;
            out.write_all(b",\"blocked\":")?;
            heads.write_json_placed(
                &config,
                |h| is(h, b),
                |h| more(h, true),
                |h| query.place(h),
                &mut out,
            )?;
            out.write_all(b"}\n")?;
        } else {
            let r = &ready_ids;
            heads.write_json_placed(
                &config,
                |h| is(h, r),
                |h| more(h, false),
                |h| query.place(h),
                &mut out,
            )?;
        }
    } else {
        let lists = Lists {
            ready: &ready,
            claimed: &claimed,
            blocked: &blocked,
        };
        let text = ready_text(&linked, &lists, &flags, args.explain, now);
        write!(out, "{text}")?;
    }
    out.flush()?;
    for p in &problems {
        say_problem(p);
    }
    Ok(ExitCode::SUCCESS)
}

fn say_problem(p: &Problem) {
    term::say_line(format_args!("{p}"));
}

/// What `lanes ready` lists: ready cards; with `--explain`, those only a
/// live claim keeps from being ready, and the blocked ones.
struct Lists<'x, 'h, 'a> {
    ready: &'x [&'h Head<'a>],
    claimed: &'x [&'h Head<'a>],
    blocked: &'x [&'h Head<'a>],
}

fn ready_text(
    linked: &Linked,
    lists: &Lists,
    flags: &HashMap<usize, Vec<Flag>>,
    explain: bool,
    now: i64,
) -> String {
    let g = &linked.graph;
    let mut out = String::new();
    let today = date::today();
    let ready = lists.ready;
    if !explain {
        // Under lane headings, as `lanes list`, counting what is ready
        // (a WIP limit counts every card in the lane, not these).
        let mut lane: Option<&str> = None;
        for h in ready {
            if lane != Some(h.lane) {
                lane = Some(h.lane);
                let n = ready.iter().filter(|x| x.lane == h.lane).count();
                if !out.is_empty() {
                    out.push('\n');
                }
                let _ = writeln!(out, "{} ({n} ready)", one_line(&linked.lane_title(h.lane)));
            }
            let _ = writeln!(out, "  {}", output::card_line(h, today, 0, now));
        }
        return out;
    }
    let flag_lines = |out: &mut String, i: Option<usize>| {
        if let Some(f) = i.and_then(|i| flags.get(&i)) {
            for flag in f {
                let _ = writeln!(out, "    ! {}", linked.flag_line(flag));
            }
        }
    };
    let _ = writeln!(out, "Ready ({})", ready.len());
    if ready.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for h in ready {
        let _ = writeln!(
            out,
            "  {}  {}",
            output::card_line(h, today, 0, now),
            one_line(&linked.lane_title(h.lane))
        );
        flag_lines(&mut out, g.index(h.id));
    }
    // Only when there are some: a board without claims reads as before.
    if !lists.claimed.is_empty() {
        let _ = writeln!(
            out,
            "\nClaimed ({}): ready, but someone works on them",
            lists.claimed.len()
        );
        for h in lists.claimed {
            let _ = writeln!(
                out,
                "  {}  {}",
                output::card_line(h, today, 0, now),
                one_line(&linked.lane_title(h.lane))
            );
            flag_lines(&mut out, g.index(h.id));
        }
    }
    let blocked = lists.blocked;
    let _ = writeln!(out, "\nBlocked ({})", blocked.len());
    if blocked.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for h in blocked {
        let Some(i) = g.index(h.id) else { continue };
        let _ = writeln!(
            out,
            "  {}  {}",
            output::card_line(h, today, g.blocked_by(i).len(), now),
            one_line(&linked.lane_title(h.lane))
        );
        linked.waits_text(i, &mut out);
        flag_lines(&mut out, Some(i));
    }
    out
}

/// What `lanes show` reads of a card and the board around it.
struct Shown<'x, 'a, G = Graph<'a>> {
    card: &'x Card,
    config: &'x BoardConfig,
    linked: &'x Linked<'a, G>,
    /// The card in the link graph.
    i: Option<usize>,
    flags: &'x [Flag],
    /// A decision's row, with what moved in its evidence since.
    decision: Option<crate::history::decisions::DecisionRow>,
    now: i64,
}

/// Read card `query` and what `lanes show` says about it, and hand it to
/// `f`. Claims are judged at `now`.
fn read_shown<T>(r: &Path, query: &str, now: i64, f: impl FnOnce(Shown) -> Result<T>) -> Result<T> {
    let heads = Heads::load(r)?;
    // The card first: an unknown or unreadable card is the error to give.
    let id = heads.resolve_id(query)?;
    let card = shown_card(&heads, &id)?;
    let config = store::parse_board(&store::read_board_file(r, store::BOARD_FILE)?)?;
    let all = heads.heads();
    let graph = Graph::new(&config, all.iter().map(Head::node).collect());
    shown(r, &heads, &config, HeadsIn::All(&all), &graph, card, now, f)
}

/// Card `id`, whole, or why it cannot be read.
fn shown_card(heads: &Heads, id: &str) -> Result<Card> {
    match heads.card(id) {
        Some(Ok(c)) => Ok(c),
        Some(Err(p)) => bail!("card {id} cannot be read:\n{p}"),
        None => {
            let rel = store::card_path(id);
            match heads.problems().iter().find(|p| p.path == rel) {
                Some(p) => bail!("card {id} cannot be read:\n{p}"),
                None => bail!("card {id} cannot be read"),
            }
        }
    }
}

/// What `lanes show` says about `card`, from the board's heads and their
/// links, handed to `f`.
#[allow(clippy::too_many_arguments)]
fn shown<'a, G: LinkLookup, T>(
    r: &Path,
    heads: &Heads,
    config: &'a BoardConfig,
    all: HeadsIn<'a>,
    graph: &'a G,
    card: Card,
    now: i64,
    f: impl FnOnce(Shown<'_, 'a, G>) -> Result<T>,
) -> Result<T> {
    let mut linked = Linked::new(config, all, graph);
    let i = linked.graph.index(&card.id);
    let flags = i.map(|i| linked.graph.flags(i)).unwrap_or_default();
    linked.refuted = linked.dates(r, heads, &flags);
    // A decision is shown with what moved in its evidence since it was
    // taken (that needs the history, read for decisions only).
    let decision = if crate::history::decisions::is_decision(&card) {
        let (board, history) = super::board_and_history(r)?;
        crate::history::query::decisions(r, &board, &history)
            .into_iter()
            .find(|d| d.id == card.id)
    } else {
        None
    };
    f(Shown {
        card: &card,
        config,
        linked: &linked,
        i,
        flags: &flags,
        decision,
        now,
    })
}

impl<G: LinkLookup> Shown<'_, '_, G> {
    /// As `lanes show --json` prints it: the card's fields, then its links
    /// both ways, whether it is blocked, ready and claimed, its flags and
    /// (blocked) what it waits on; a decision's `decision_flags`.
    fn json(&self) -> Result<serde_json::Value> {
        let card = self.card;
        let mut v = output::card_json(card);
        if let (serde_json::Value::Object(m), Some(d)) = (&mut v, &self.decision) {
            m.insert("decision_flags".into(), serde_json::to_value(&d.flags)?);
        }
        if let (serde_json::Value::Object(m), Some(i)) = (&mut v, self.i) {
            let g = self.linked.graph;
            let claimed = card.live_claim(self.now).is_some();
            m.extend(json::link_fields(
                g,
                &card.id,
                &|k| !card.links(k).is_empty(),
                claimed,
            ));
            m.insert("flags".into(), self.linked.flags_json(self.flags));
            if g.is_blocked(i) {
                m.insert("waits_on".into(), self.linked.waits_json(i));
            }
        }
        Ok(v)
    }
}

/// Card `query` as `lanes show --json` prints it (see [`Shown::json`]),
/// with claims judged at `now`: what the MCP `show` tool answers too.
pub fn show_json(r: &Path, query: &str, now: i64) -> Result<serde_json::Value> {
    read_shown(r, query, now, |s| s.json())
}

/// [`show_json`] from the board's heads and links as a caller keeps them
/// between reads (the MCP server): no card file is read but this card's
/// (and, for a decision, the board's history).
pub fn show_json_kept(
    r: &Path,
    heads: &Heads,
    config: &BoardConfig,
    links: &impl LinkLookup,
    query: &str,
    now: i64,
) -> Result<serde_json::Value> {
    let id = heads.resolve_id(query)?;
    let card = shown_card(heads, &id)?;
    shown(
        r,
        heads,
        config,
        HeadsIn::Kept(heads),
        links,
        card,
        now,
        |s| s.json(),
    )
}

/// `lanes show CARD`: the card with its links both ways and its flags.
pub fn show(r: &Path, query: &str, json: bool) -> Result<ExitCode> {
    let now = ops::Context::from_env().now();
    let mut out = term::stdout();
    if json {
        let v = show_json(r, query, now)?;
        term::json(&mut out, &v)?;
        return Ok(ExitCode::SUCCESS);
    }
    read_shown(r, query, now, |s| {
        let card = s.card;
        let links =
            s.i.map(|i| links_text(s.linked, card, i, s.flags))
                .unwrap_or_default();
        write!(out, "{}", output::show_text(s.config, card, &links, now))?;
        if let Some(d) = s.decision.filter(|d| !d.flags.is_empty()) {
            writeln!(out, "\nWhat moved since the decision")?;
            for f in &d.flags {
                writeln!(out, "  ! {}", one_line(&f.text))?;
            }
        }
        write!(out, "{}", super::evidence::show_text(r, card))?;
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The links section of `lanes show`: each link both ways with the
/// other card's short id, title, lane and verdict; what it waits on when
/// it is blocked; its flags.
fn links_text(linked: &Linked, card: &Card, i: usize, flags: &[Flag]) -> String {
    let g = &linked.graph;
    let mut rows: Vec<(&str, String)> = Vec::new();
    let mut add = |label: &'static str, list: Vec<usize>| {
        for j in list {
            rows.push((label, linked.row(j)));
        }
    };
    add("depends on", g.depends_on(i).collect());
    add("blocks", g.blocks(i).collect());
    add("parent", g.parent(i).into_iter().collect());
    add("children", g.children(i).collect());
    add("supersedes", g.supersedes(i).collect());
    add("superseded by", g.superseded_by(i).collect());
    let mut related: Vec<usize> = g.relates(i).chain(g.related_by(i)).collect();
    related.sort_unstable();
    related.dedup();
    add("relates to", related);
    add("rests on", g.rests_on(i).collect());
    add("evidence for", g.evidence_for(i).collect());
    for d in g.dangling().iter().filter(|d| d.card == i) {
        let label = d.kind.label();
        rows.push((
            label,
            format!(
                "{}  (no such card on this board: deleted, or not synced yet)",
                id::short(d.id)
            ),
        ));
    }
    if rows.is_empty() && flags.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let state = if g.is_done(i) {
        "done".to_string()
    } else if g.is_blocked(i) {
        let n = g.blocked_by(i).len();
        format!(
            "blocked: waits on {n} card{}",
            if n == 1 { "" } else { "s" }
        )
    } else if card.archived {
        "archived".to_string()
    } else {
        "ready".to_string()
    };
    let _ = writeln!(out, "\nLinks ({state})");
    for (label, row) in rows {
        let _ = writeln!(out, "  {label:<14} {row}");
    }
    if g.is_blocked(i) && g.waits_on(i, 2).iter().any(|w| w.depth > 1) {
        let _ = writeln!(out, "  waiting, all the way down:");
        linked.waits_text(i, &mut out);
    }
    if !flags.is_empty() {
        let _ = writeln!(out, "\nFlags");
        for f in flags {
            let _ = writeln!(out, "  ! {}", linked.flag_line(f));
        }
    }
    out
}

/// `lanes list`, `--blocked` and `--json`: cards in board order.
pub fn list(r: &Path, config: &BoardConfig, query: &Query, as_json: bool) -> Result<()> {
    let mut out = term::stdout();
    let problems = if as_json {
        query.write_json(r, config, (0, usize::MAX), &mut out)?.0
    } else {
        let heads = Heads::load(r)?;
        let all = heads.heads();
        let g = Graph::new(config, all.iter().map(Head::node).collect());
        let blocked = |id: &str| g.index(id).map_or(0, |i| g.blocked_by(i).len());
        let cards: Vec<Head> = query
            .select(config, &heads, &all, &g)
            .into_iter()
            .cloned()
            .collect();
        write!(
            out,
            "{}",
            output::list_text(config, &cards, &blocked, query.now)
        )?;
        heads.problems().to_vec()
    };
    out.flush()?;
    for p in &problems {
        say_problem(p);
    }
    Ok(())
}
