//! The board definition: `.lanes/board.yaml`.

use super::filter::Known;
use super::value::{FieldError, FieldResult, Fields, MapBuilder};
use super::view::{Origin, Views};
use serde_yaml::{Mapping, Value};

pub const BOARD_KEYS: &[&str] = &[
    "name",
    "description",
    "lanes",
    "labels",
    "kinds",
    "settings",
    "budgets",
    "views",
    "fields",
    "agents",
];

/// Colours a label may have.
pub const COLORS: &[&str] = &[
    "red", "green", "yellow", "blue", "magenta", "cyan", "gray", "white",
];

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LaneDef {
    pub id: String,
    pub title: String,
    pub wip: Option<u32>,
    pub exit: Option<String>,
    /// Cards here are done (`done: true`): not work in progress, and
    /// reaching this lane is finishing (see [`super::done`]).
    pub done: bool,
    /// The lane's colour in charts (the HTML report): a colour name of
    /// [`COLORS`] or `#rrggbb`, as written. One lanes cannot read is kept
    /// as written, reported in [`BoardConfig::problems`] and not used.
    pub color: Option<String>,
    pub extra: Mapping,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelDef {
    pub name: String,
    pub color: Option<String>,
    pub extra: Mapping,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommitMode {
    /// Every change is committed at once (the default).
    #[default]
    Auto,
    /// Changes are written but left for `lanes commit`.
    Manual,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    pub commit: CommitMode,
    pub extra: Mapping,
}

/// How agents (and people) work on the board: `agents:` in board.yaml.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Agents {
    /// Whether a verdict must cite a run (`mlflow:ID`, `dvc:PATH#key`):
    /// `Some` as the board says, for everyone; `None` (unset): for agents
    /// only (writes through `lanes mcp`, or with `--as`).
    pub require_evidence: Option<bool>,
    /// How long a claim lasts when `lanes claim` names no time (`4h`).
    pub claim_for: Option<String>,
    pub extra: Mapping,
}

impl Agents {
    /// Whether a verdict given by an agent (`agent`) or a person must cite
    /// a run.
    pub fn evidence_required(&self, agent: bool) -> bool {
        self.require_evidence.unwrap_or(agent)
    }

    /// The board's default claim length, in seconds.
    pub fn claim_secs(&self) -> Option<i64> {
        self.claim_for
            .as_deref()
            .and_then(|s| super::claim::parse_duration(s).ok())
    }

    fn is_empty(&self) -> bool {
        self.require_evidence.is_none() && self.claim_for.is_none() && self.extra.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoardConfig {
    pub name: String,
    pub description: Option<String>,
    pub lanes: Vec<LaneDef>,
    pub labels: Vec<LabelDef>,
    pub kinds: Vec<String>,
    pub settings: Settings,
    /// What the team may spend per period (`budgets:`).
    pub budgets: Budgets,
    /// The team's saved views (`views:`; see [`super::view`]).
    pub views: Views,
    /// The team's own card fields (`fields:`); none when that does not
    /// read (reported in `problems`, kept as written).
    pub fields: super::field::Schema,
    /// `fields:` as written, to be written back unchanged.
    pub fields_raw: Option<Value>,
    pub agents: Agents,
    pub extra: Mapping,
    /// What is wrong in board.yaml without stopping the board: a budget,
    /// a lane colour or a saved view lanes cannot read. Each is kept as written, left
    /// out where it would be used, and reported by `lanes validate` (as
    /// `path:line:column`, from the field path).
    pub problems: Vec<FieldError>,
}

/// The periods a budget is counted over: calendar weeks (ISO weeks, from
/// Monday), months, quarters (January, April, July, October) and years,
/// in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BudgetPeriod {
    Week,
    Month,
    Quarter,
    Year,
}

impl BudgetPeriod {
    pub const ALL: [BudgetPeriod; 4] = [
        BudgetPeriod::Week,
        BudgetPeriod::Month,
        BudgetPeriod::Quarter,
        BudgetPeriod::Year,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BudgetPeriod::Week => "week",
            BudgetPeriod::Month => "month",
            BudgetPeriod::Quarter => "quarter",
            BudgetPeriod::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<BudgetPeriod> {
        BudgetPeriod::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// What the team may spend of one unit per period: `{unit: GPU-hours,
/// amount: 400, period: quarter}`. Spend is read from `experiment.cost`,
/// in the unit as the report groups costs (`1 GPU-hour` and `4 GPU-hours`
/// are one unit).
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    pub unit: String,
    pub amount: f64,
    pub period: BudgetPeriod,
    pub extra: Mapping,
}

/// One entry of `budgets:`: a budget, or the entry as written with why it
/// cannot be read (kept, and written back, as it was).
#[derive(Debug, Clone, PartialEq)]
pub enum BudgetEntry {
    Read(Budget),
    Unreadable(Value),
}

/// `budgets:` as board.yaml has it. A mistake in a budget never makes the
/// board unreadable: the entry is kept as written, its problem is in
/// [`BoardConfig::problems`], and the reports leave it out and say so.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Budgets {
    pub entries: Vec<BudgetEntry>,
    /// `budgets:` is there but is not a list: kept as written.
    pub whole: Option<Value>,
}

impl Budgets {
    /// The budgets that can be read, in file order.
    pub fn list(&self) -> impl Iterator<Item = &Budget> + '_ {
        self.entries.iter().filter_map(|e| match e {
            BudgetEntry::Read(b) => Some(b),
            BudgetEntry::Unreadable(_) => None,
        })
    }

    /// Whether board.yaml declares any budget (readable or not).
    pub fn is_declared(&self) -> bool {
        !self.entries.is_empty() || self.whole.is_some()
    }

    /// Read `budgets:` (at `path`), collecting what cannot be read in
    /// `problems`.
    fn read(value: Option<Value>, path: &str, problems: &mut Vec<FieldError>) -> Budgets {
        let Some(value) = value else {
            return Budgets::default();
        };
        let Value::Sequence(items) = value else {
            problems.push(FieldError::new(
                path,
                format!(
                    "expected a list of budgets such as [{{unit: GPU-hours, amount: 400, period: quarter}}], found {}",
                    super::value::type_name(&value)
                ),
            ));
            return Budgets {
                entries: Vec::new(),
                whole: Some(value),
            };
        };
        let mut entries: Vec<BudgetEntry> = Vec::new();
        // (unit as costs are grouped, period) -> the entry that has it.
        let mut seen: Vec<((String, BudgetPeriod), usize)> = Vec::new();
        for (i, v) in items.into_iter().enumerate() {
            let at = super::value::join(path, &i.to_string());
            match Budget::from_value(v.clone(), &at) {
                Ok(b) => {
                    let key = (super::cost::unit_name(b.unit.trim()), b.period);
                    if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                        problems.push(FieldError::new(
                            at,
                            format!(
                                "a second {} budget per {} (the first is {path}.{first}); give one per unit and period",
                                b.unit,
                                b.period.as_str()
                            ),
                        ));
                        entries.push(BudgetEntry::Unreadable(v));
                    } else {
                        seen.push((key, i));
                        entries.push(BudgetEntry::Read(b));
                    }
                }
                Err(e) => {
                    problems.push(e);
                    entries.push(BudgetEntry::Unreadable(v));
                }
            }
        }
        Budgets {
            entries,
            whole: None,
        }
    }

    /// `budgets:` as written, or `None` when there is none.
    fn to_value(&self) -> Option<Value> {
        if let Some(v) = &self.whole {
            return Some(v.clone());
        }
        if self.entries.is_empty() {
            return None;
        }
        Some(Value::Sequence(
            self.entries
                .iter()
                .map(|e| match e {
                    BudgetEntry::Read(b) => Value::Mapping(b.to_mapping()),
                    BudgetEntry::Unreadable(v) => v.clone(),
                })
                .collect(),
        ))
    }
}

impl Budget {
    pub fn from_value(value: Value, path: &str) -> FieldResult<Budget> {
        let mut f = Fields::new(value, path)?;
        let unit = f.required_string("unit")?.trim().to_string();
        let amount_path = f.path("amount");
        let amount = match f.take("amount") {
            Some(Value::Number(n)) => n
                .as_f64()
                .filter(|x| x.is_finite() && *x > 0.0)
                .ok_or_else(|| {
                    FieldError::new(
                        &amount_path,
                        format!("expected a positive number, found {n}"),
                    )
                })?,
            None => return Err(FieldError::new(amount_path, "is required")),
            Some(other) => {
                return Err(FieldError::new(
                    amount_path,
                    format!(
                        "expected a positive number, found {}",
                        super::value::type_name(&other)
                    ),
                ))
            }
        };
        let period_path = f.path("period");
        let period = match f.string("period")? {
            None => return Err(FieldError::new(period_path, "is required")),
            Some(p) => BudgetPeriod::parse(p.trim()).ok_or_else(|| {
                FieldError::new(
                    &period_path,
                    format!("unknown period {p:?}; use week, month, quarter or year"),
                )
            })?,
        };
        Ok(Budget {
            unit,
            amount,
            period,
            extra: f.rest(),
        })
    }

    pub fn to_mapping(&self) -> Mapping {
        let amount = if self.amount.fract() == 0.0 && self.amount.abs() < 1e15 {
            Value::Number((self.amount as i64).into())
        } else {
            Value::Number(self.amount.into())
        };
        MapBuilder::new()
            .str("unit", &self.unit)
            .put("amount", amount)
            .str("period", self.period.as_str())
            .extra(&self.extra)
            .build()
    }
}

/// Whether `s` is a colour a lane may have: a name of [`COLORS`] or
/// `#rrggbb`.
pub fn is_lane_color(s: &str) -> bool {
    COLORS.contains(&s)
        || (s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether `s` can be a lane id: lowercase letters, digits and dashes.
pub fn is_valid_lane_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl BoardConfig {
    pub fn from_value(value: Value) -> FieldResult<Self> {
        let mut f = Fields::new(value, "")?;
        let mut problems = Vec::new();
        let name = f.string("name")?.unwrap_or_default();
        let description = f.string("description")?;
        let mut lanes = Vec::new();
        for (path, v) in f.list("lanes")? {
            let mut l = Fields::new(v, &path)?;
            let id = l.required_string("id")?;
            if !is_valid_lane_id(&id) {
                return Err(FieldError::new(
                    l.path("id"),
                    format!("{id:?} is not a valid lane id (lowercase letters, digits and -)"),
                ));
            }
            if lanes.iter().any(|x: &LaneDef| x.id == id) {
                return Err(FieldError::new(
                    l.path("id"),
                    format!("lane {id:?} is defined twice"),
                ));
            }
            let color_path = l.path("color");
            // A colour that is not even text is kept as written, as an
            // unknown field.
            let mut kept = None;
            let color = match l.take("color") {
                None => None,
                Some(Value::String(c)) => {
                    if !is_lane_color(&c) {
                        problems.push(FieldError::new(
                            color_path,
                            format!(
                                "unknown colour {c:?}; use #rrggbb or one of {}",
                                COLORS.join(", ")
                            ),
                        ));
                    }
                    Some(c)
                }
                Some(other) => {
                    problems.push(FieldError::new(
                        color_path,
                        format!(
                            "expected a colour name or #rrggbb, found {}",
                            super::value::type_name(&other)
                        ),
                    ));
                    kept = Some(other);
                    None
                }
            };
            let title = l.string("title")?.unwrap_or_else(|| id.clone());
            let (wip, exit, done) = (l.u32("wip")?, l.string("exit")?, l.bool("done")?);
            let mut extra = l.rest();
            if let Some(v) = kept {
                extra.insert(Value::String("color".into()), v);
            }
            lanes.push(LaneDef {
                title,
                id,
                wip,
                exit,
                done: done.unwrap_or(false),
                color,
                extra,
            });
        }
        if lanes.is_empty() {
            return Err(FieldError::new("lanes", "a board needs at least one lane"));
        }
        let mut labels = Vec::new();
        for (path, v) in f.list("labels")? {
            let label = match v {
                Value::String(name) => LabelDef {
                    name,
                    ..Default::default()
                },
                v => {
                    let mut l = Fields::new(v, &path)?;
                    let name = l.required_string("name")?;
                    let color_path = l.path("color");
                    let color = l.string("color")?;
                    if let Some(c) = &color {
                        if !COLORS.contains(&c.as_str()) {
                            return Err(FieldError::new(
                                color_path,
                                format!("unknown colour {c:?}; use one of {}", COLORS.join(", ")),
                            ));
                        }
                    }
                    LabelDef {
                        name,
                        color,
                        extra: l.rest(),
                    }
                }
            };
            labels.push(label);
        }
        let mut kinds = f.strings("kinds")?;
        if kinds.is_empty() {
            kinds = ["task", "hypothesis", "experiment", "decision"]
                .map(String::from)
                .to_vec();
        }
        let settings = match f.mapping("settings")? {
            None => Settings::default(),
            Some(mut s) => {
                let path = s.path("commit");
                let commit = match s.string("commit")?.as_deref() {
                    None | Some("auto") => CommitMode::Auto,
                    Some("manual") => CommitMode::Manual,
                    Some(other) => {
                        return Err(FieldError::new(
                            path,
                            format!("unknown commit mode {other:?}; expected auto or manual"),
                        ))
                    }
                };
                Settings {
                    commit,
                    extra: s.rest(),
                }
            }
        };
        let budgets = Budgets::read(f.take("budgets"), "budgets", &mut problems);
        let fields_raw = f.take(super::field::DECLARED);
        let fields = match &fields_raw {
            None | Some(Value::Null) => super::field::Schema::default(),
            Some(v) => super::field::Schema::from_value(v.clone(), super::field::DECLARED)
                .unwrap_or_else(|e| {
                    problems.push(e);
                    super::field::Schema::default()
                }),
        };
        let lane_ids: Vec<String> = lanes.iter().map(|l| l.id.clone()).collect();
        let views = Views::read(
            f.take("views"),
            "views",
            Origin::Board,
            Known {
                lanes: &lane_ids,
                kinds: &kinds,
                fields: &fields,
            },
            &mut problems,
        );
        let agents = match f.mapping("agents")? {
            None => Agents::default(),
            Some(mut a) => {
                let require_evidence = a.bool("require_evidence")?;
                let path = a.path("claim_for");
                let claim_for = a.string("claim_for")?;
                if let Some(c) = &claim_for {
                    super::claim::parse_duration(c).map_err(|e| FieldError::new(path, e))?;
                }
                Agents {
                    require_evidence,
                    claim_for,
                    extra: a.rest(),
                }
            }
        };
        Ok(BoardConfig {
            name,
            description,
            lanes,
            labels,
            kinds,
            settings,
            budgets,
            views,
            fields,
            fields_raw,
            agents,
            extra: f.rest(),
            problems,
        })
    }

    pub fn to_mapping(&self) -> Mapping {
        let lanes = self
            .lanes
            .iter()
            .map(|l| {
                let mut b = MapBuilder::new();
                b.str("id", &l.id).str("title", &l.title);
                if let Some(w) = l.wip {
                    b.put("wip", Value::Number(w.into()));
                }
                b.opt_str("exit", &l.exit);
                if l.done {
                    b.put("done", Value::Bool(true));
                }
                b.opt_str("color", &l.color);
                Value::Mapping(b.extra(&l.extra).build())
            })
            .collect();
        let labels = self
            .labels
            .iter()
            .map(|l| {
                Value::Mapping(
                    MapBuilder::new()
                        .str("name", &l.name)
                        .opt_str("color", &l.color)
                        .extra(&l.extra)
                        .build(),
                )
            })
            .collect();
        let mut settings = MapBuilder::new();
        settings.str(
            "commit",
            match self.settings.commit {
                CommitMode::Auto => "auto",
                CommitMode::Manual => "manual",
            },
        );
        settings.extra(&self.settings.extra);
        let mut b = MapBuilder::new();
        b.str("name", &self.name)
            .opt_str("description", &self.description)
            .seq("lanes", lanes)
            .seq("labels", labels)
            .strings("kinds", &self.kinds)
            .put("settings", Value::Mapping(settings.build()));
        if let Some(v) = self.budgets.to_value() {
            b.put("budgets", v);
        }
        if let Some(v) = &self.fields_raw {
            b.put(super::field::DECLARED, v.clone());
        }
        if let Some(v) = self.views.to_value() {
            b.put("views", v);
        }
        if !self.agents.is_empty() {
            let mut a = MapBuilder::new();
            if let Some(r) = self.agents.require_evidence {
                a.put("require_evidence", Value::Bool(r));
            }
            a.opt_str("claim_for", &self.agents.claim_for)
                .extra(&self.agents.extra);
            b.put("agents", Value::Mapping(a.build()));
        }
        b.extra(&self.extra).build()
    }

    pub fn lane(&self, id: &str) -> Option<&LaneDef> {
        self.lanes.iter().find(|l| l.id == id)
    }

    /// Whether cards in lane `id` are done: the lane is marked `done:
    /// true`, or, on a board that marks no lane done, it is the last lane
    /// (where flow has always counted work as finished).
    pub fn is_done_lane(&self, id: &str) -> bool {
        match self.lanes.iter().any(|l| l.done) {
            true => self.lane(id).is_some_and(|l| l.done),
            false => self.lanes.last().is_some_and(|l| l.id == id),
        }
    }

    pub fn lane_index(&self, id: &str) -> Option<usize> {
        self.lanes.iter().position(|l| l.id == id)
    }

    pub fn label(&self, name: &str) -> Option<&LabelDef> {
        self.labels.iter().find(|l| l.name == name)
    }

    /// Find a lane by id, by title (any case), or by a unique prefix of either.
    pub fn resolve_lane(&self, query: &str) -> Result<&LaneDef, String> {
        if let Some(l) = self.lane(query) {
            return Ok(l);
        }
        let q = query.to_lowercase();
        let norm = |s: &str| s.to_lowercase().replace([' ', '_'], "-");
        if let Some(l) = self
            .lanes
            .iter()
            .find(|l| l.title.to_lowercase() == q || norm(&l.title) == norm(&q))
        {
            return Ok(l);
        }
        let hits: Vec<&LaneDef> = self
            .lanes
            .iter()
            .filter(|l| l.id.starts_with(&norm(&q)) || l.title.to_lowercase().starts_with(&q))
            .collect();
        match hits.as_slice() {
            [one] => Ok(one),
            [] => {
                let near = super::text::did_you_mean(
                    query,
                    self.lanes
                        .iter()
                        .flat_map(|l| [l.id.as_str(), l.title.as_str()]),
                )
                .and_then(|n| self.lanes.iter().find(|l| l.id == n || l.title == n))
                .map(|l| format!("did you mean {}? ", l.id))
                .unwrap_or_default();
                Err(format!(
                    "unknown lane {query:?}; {near}lanes are: {}",
                    self.lanes
                        .iter()
                        .map(|l| l.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
            many => Err(format!(
                "lane {query:?} is ambiguous: {}",
                many.iter()
                    .map(|l| l.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> BoardConfig {
        let v: Value = serde_yaml::from_str(text).expect("YAML");
        BoardConfig::from_value(v).expect("a board")
    }

    const LANES: &str = "name: B\nlanes:\n  - id: a\n    title: A\n";

    #[test]
    fn budgets_are_read_and_written_back_with_their_unknown_fields() {
        let b = read(&format!(
            "{LANES}budgets:\n  - {{unit: GPU-hours, amount: 400, period: quarter}}\n  - unit: USD\n    amount: 12000.5\n    period: month\n    owner: finance\n"
        ));
        assert!(b.problems.is_empty(), "{:?}", b.problems);
        let list: Vec<&Budget> = b.budgets.list().collect();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].unit, "GPU-hours");
        assert_eq!(list[0].amount, 400.0);
        assert_eq!(list[0].period, BudgetPeriod::Quarter);
        assert_eq!(list[1].amount, 12000.5);
        assert_eq!(list[1].period, BudgetPeriod::Month);
        let m = b.to_mapping();
        let written = &m["budgets"];
        assert_eq!(written[0]["amount"], Value::Number(400.into()));
        assert_eq!(written[1]["owner"], Value::String("finance".into()));
        // Read again: the same board.
        assert_eq!(
            BoardConfig::from_value(Value::Mapping(m)).expect("again"),
            b
        );
    }

    #[test]
    fn a_bad_budget_is_a_problem_kept_as_written_not_an_unreadable_board() {
        for (entry, field, says) in [
            (
                "{unit: GPU-hours, amount: 400, period: fortnight}",
                "budgets.0.period",
                "unknown period",
            ),
            (
                "{unit: GPU-hours, amount: -3, period: month}",
                "budgets.0.amount",
                "positive number",
            ),
            (
                "{unit: GPU-hours, amount: lots, period: month}",
                "budgets.0.amount",
                "positive number",
            ),
            (
                "{amount: 3, period: month}",
                "budgets.0.unit",
                "is required",
            ),
            (
                "{unit: USD, period: month}",
                "budgets.0.amount",
                "is required",
            ),
            ("{unit: USD, amount: 3}", "budgets.0.period", "is required"),
            ("just text", "budgets.0", "expected a mapping"),
        ] {
            let b = read(&format!(
                "{LANES}budgets:\n  - {entry}\n  - {{unit: USD, amount: 9, period: year}}\n"
            ));
            assert_eq!(b.problems.len(), 1, "{entry}: {:?}", b.problems);
            assert_eq!(b.problems[0].field, field, "{entry}");
            assert!(
                b.problems[0].message.contains(says),
                "{entry}: {:?}",
                b.problems
            );
            // The good one is read; the bad one is written back as it was.
            assert_eq!(b.budgets.list().count(), 1, "{entry}");
            let again = b.to_mapping();
            let original: Value = serde_yaml::from_str(entry).expect("YAML");
            assert_eq!(again["budgets"][0], original, "{entry}");
        }
        let b = read(&format!("{LANES}budgets: 400\n"));
        assert_eq!(b.problems[0].field, "budgets");
        assert_eq!(b.to_mapping()["budgets"], Value::Number(400.into()));
        // Two budgets for one unit and period: the second is refused.
        let b = read(&format!(
            "{LANES}budgets:\n  - {{unit: GPU-hour, amount: 4, period: week}}\n  - {{unit: GPU-hours, amount: 5, period: week}}\n  - {{unit: GPU-hours, amount: 50, period: month}}\n"
        ));
        assert_eq!(b.budgets.list().count(), 2);
        assert_eq!(b.problems[0].field, "budgets.1");
        assert!(b.problems[0].message.contains("second"), "{:?}", b.problems);
    }

    #[test]
    fn lane_colours_are_names_or_hex_and_a_bad_one_does_not_stop_the_board() {
        let b = read("name: B\nlanes:\n  - id: a\n    color: blue\n  - id: b\n    color: \"#1f77b4\"\n  - id: c\n    color: teal\n  - id: d\n    color: [1]\n");
        assert_eq!(b.lanes[0].color.as_deref(), Some("blue"));
        assert_eq!(b.lanes[1].color.as_deref(), Some("#1f77b4"));
        assert_eq!(b.lanes[2].color.as_deref(), Some("teal"));
        assert_eq!(b.lanes[3].color, None);
        let fields: Vec<&str> = b.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["lanes.2.color", "lanes.3.color"]);
        let m = b.to_mapping();
        assert_eq!(m["lanes"][2]["color"], Value::String("teal".into()));
        assert_eq!(
            m["lanes"][3]["color"],
            Value::Sequence(vec![Value::Number(1.into())])
        );
    }

    fn parse(text: &str) -> FieldResult<BoardConfig> {
        BoardConfig::from_value(serde_yaml::from_str(text).expect("yaml"))
    }

    #[test]
    fn the_agents_settings_are_read_checked_and_written_back() {
        let text = "name: b\nlanes:\n  - id: a\nagents:\n  require_evidence: true\n  claim_for: 4h\n  mood: calm\n";
        let b = parse(text).expect("board");
        assert_eq!(b.agents.require_evidence, Some(true));
        assert_eq!(b.agents.claim_secs(), Some(4 * 3600));
        assert!(b.agents.evidence_required(false));
        let again = BoardConfig::from_value(Value::Mapping(b.to_mapping())).expect("again");
        assert_eq!(again, b);
        // Unset: agents only, and nothing written.
        let plain = parse("name: b\nlanes:\n  - id: a\n").expect("board");
        assert!(plain.agents.evidence_required(true));
        assert!(!plain.agents.evidence_required(false));
        assert!(plain.to_mapping().get("agents").is_none());
        let e = parse("name: b\nlanes:\n  - id: a\nagents: {claim_for: forever}\n").unwrap_err();
        assert_eq!(e.field, "agents.claim_for");
        let e =
            parse("name: b\nlanes:\n  - id: a\nagents: {require_evidence: maybe}\n").unwrap_err();
        assert_eq!(e.field, "agents.require_evidence");
    }
}
