//! A card: a task, a hypothesis or an experiment, one YAML file per card.

use super::value::{join, FieldError, FieldResult, Fields, MapBuilder};
use super::{date, id, rank};
use serde_yaml::{Mapping, Value};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Verdict {
    #[default]
    Open,
    Supported,
    Refuted,
    Inconclusive,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Verdict::Open,
        Verdict::Supported,
        Verdict::Refuted,
        Verdict::Inconclusive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Open => "open",
            Verdict::Supported => "supported",
            Verdict::Refuted => "refuted",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

impl FromStr for Verdict {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Verdict::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!("unknown verdict {s:?}; expected open, supported, refuted or inconclusive")
            })
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Higher,
    Lower,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Higher => "higher",
            Direction::Lower => "lower",
        }
    }
}

impl FromStr for Direction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "higher" => Ok(Direction::Higher),
            "lower" => Ok(Direction::Lower),
            _ => Err(format!("unknown direction {s:?}; expected higher or lower")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hypothesis {
    pub statement: Option<String>,
    pub metric: Option<String>,
    /// The key the tracker logs the metric under (`precision_at_10` for
    /// `precision@10`), when it is not the one MLflow's name rules give.
    pub metric_key: Option<String>,
    pub direction: Option<Direction>,
    pub baseline: Option<Value>,
    pub target: Option<Value>,
    pub result: Option<Value>,
    pub verdict: Verdict,
    /// Why the verdict holds although the numbers give another one
    /// (`lanes verdict --because`).
    pub rationale: Option<String>,
    pub extra: Mapping,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Experiment {
    pub runs: Vec<String>,
    pub dataset: Option<String>,
    pub model: Option<String>,
    pub commit: Option<String>,
    pub cost: Option<Value>,
    pub extra: Mapping,
}

/// What a decision card records beside its title (what was decided): the
/// decision in full, who took it and when. What it rests on is a link
/// (`rests_on`), what it replaces another (`supersedes`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decision {
    /// What was decided, and why, in full (the title says it in a line).
    pub statement: Option<String>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When: a date (`YYYY-MM-DD`) or a timestamp.
    pub decided_at: Option<String>,
    pub extra: Mapping,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChecklistItem {
    pub text: String,
    pub done: bool,
    pub extra: Mapping,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct JournalEntry {
    /// RFC 3339 UTC timestamp.
    pub at: String,
    pub by: String,
    pub text: String,
    pub extra: Mapping,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Card {
    pub id: String,
    pub title: String,
    pub lane: String,
    pub rank: String,
    pub kind: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub created: Option<String>,
    pub due: Option<String>,
    pub archived: bool,
    /// Cards this one waits for: it is blocked until each is done
    /// ([`super::links`]). One id per item, merged as a set.
    pub depends_on: Vec<String>,
    /// The card this one is part of.
    pub parent: Option<String>,
    /// Cards this one replaces (a newer hypothesis, a new decision).
    pub supersedes: Vec<String>,
    /// Cards to see also (the relation reads both ways).
    pub relates: Vec<String>,
    /// The evidence this card's conclusion rests on: the hypotheses and
    /// experiments a decision was taken on.
    pub rests_on: Vec<String>,
    /// Who works on it now, until when (`lanes claim`); see
    /// [`super::claim`].
    pub claim: Option<super::Claim>,
    /// Boxed: most of a card's size, and cards are moved around in bulk.
    pub hypothesis: Option<Box<Hypothesis>>,
    pub experiment: Option<Box<Experiment>>,
    pub decision: Option<Box<Decision>>,
    /// The team's own fields (`fields:`), as the file has them; their
    /// types are board.yaml's (`model::field::Schema`), checked by
    /// `lanes validate` and when set.
    pub fields: Mapping,
    pub checklist: Vec<ChecklistItem>,
    pub journal: Vec<JournalEntry>,
    pub body: Option<String>,
    /// Fields this version does not know, kept in file order.
    pub extra: Mapping,
}

fn parse_enum<T: FromStr<Err = String>>(f: &mut Fields, key: &str) -> FieldResult<Option<T>> {
    let path = f.path(key);
    match f.string(key)? {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|e| FieldError::new(path, e)),
    }
}

/// A list of card ids (links): each item must be a card id.
fn card_ids(f: &mut Fields, key: &str) -> FieldResult<Vec<String>> {
    let path = f.path(key);
    let ids = f.strings(key)?;
    for (i, s) in ids.iter().enumerate() {
        if !id::is_valid(s) {
            return Err(FieldError::new(
                join(&path, &i.to_string()),
                format!("{s:?} is not a card id"),
            ));
        }
    }
    Ok(ids)
}

fn check_date(value: &Option<String>, path: &str) -> FieldResult<()> {
    match value {
        Some(s) if !super::field::is_date(s) => Err(FieldError::new(
            path,
            format!("{s:?} is not a date (expected YYYY-MM-DD)"),
        )),
        _ => Ok(()),
    }
}

impl Hypothesis {
    fn from_fields(mut f: Fields) -> FieldResult<Self> {
        Ok(Hypothesis {
            statement: f.string("statement")?,
            metric: f.string("metric")?,
            metric_key: f.string("metric_key")?,
            direction: parse_enum(&mut f, "direction")?,
            baseline: f.scalar("baseline")?,
            target: f.scalar("target")?,
            result: f.scalar("result")?,
            verdict: parse_enum(&mut f, "verdict")?.unwrap_or_default(),
            rationale: f.string("rationale")?,
            extra: f.rest(),
        })
    }

    fn to_mapping(&self) -> Mapping {
        MapBuilder::new()
            .opt_str("statement", &self.statement)
            .opt_str("metric", &self.metric)
            .opt_str("metric_key", &self.metric_key)
            .opt_str("direction", &self.direction.map(|d| d.as_str().to_string()))
            .opt("baseline", &self.baseline)
            .opt("target", &self.target)
            .opt("result", &self.result)
            .str("verdict", self.verdict.as_str())
            .opt_str("rationale", &self.rationale)
            .extra(&self.extra)
            .build()
    }
}

impl Experiment {
    fn from_fields(mut f: Fields) -> FieldResult<Self> {
        Ok(Experiment {
            runs: f.strings("runs")?,
            dataset: f.string("dataset")?,
            model: f.string("model")?,
            commit: f.string("commit")?,
            cost: f.scalar("cost")?,
            extra: f.rest(),
        })
    }

    fn to_mapping(&self) -> Mapping {
        MapBuilder::new()
            .strings("runs", &self.runs)
            .opt_str("dataset", &self.dataset)
            .opt_str("model", &self.model)
            .opt_str("commit", &self.commit)
            .opt("cost", &self.cost)
            .extra(&self.extra)
            .build()
    }

    pub fn is_empty(&self) -> bool {
        self.to_mapping().is_empty()
    }
}

impl Decision {
    fn from_fields(mut f: Fields) -> FieldResult<Self> {
        let path = f.path("decided_at");
        let decided_at = f.string("decided_at")?;
        check_date(&decided_at, &path)?;
        Ok(Decision {
            statement: f.string("statement")?,
            decided_by: f.string("decided_by")?,
            decided_at,
            extra: f.rest(),
        })
    }

    fn to_mapping(&self) -> Mapping {
        MapBuilder::new()
            .opt_str("statement", &self.statement)
            .opt_str("decided_by", &self.decided_by)
            .opt_str("decided_at", &self.decided_at)
            .extra(&self.extra)
            .build()
    }

    pub fn is_empty(&self) -> bool {
        self.statement.is_none()
            && self.decided_by.is_none()
            && self.decided_at.is_none()
            && self.extra.is_empty()
    }

    /// When the decision was taken (seconds since the epoch), if it says.
    pub fn time(&self) -> Option<i64> {
        let at = self.decided_at.as_deref()?;
        date::parse_timestamp(at).or_else(|| date::parse_date(at).map(|d| d * 86_400))
    }
}

impl ChecklistItem {
    fn from_value(path: &str, v: Value) -> FieldResult<Self> {
        // `- write the report` is accepted as an open item. Its text is
        // required as in the long form (which is how it is written back).
        if let Value::String(text) = v {
            if text.trim().is_empty() {
                return Err(FieldError::new(path, "a checklist item needs text"));
            }
            return Ok(ChecklistItem {
                text,
                ..Default::default()
            });
        }
        let mut f = Fields::new(v, path)?;
        Ok(ChecklistItem {
            text: f.required_string("text")?,
            done: f.bool("done")?.unwrap_or(false),
            extra: f.rest(),
        })
    }

    fn to_value(&self) -> Value {
        Value::Mapping(
            MapBuilder::new()
                .str("text", &self.text)
                .put("done", Value::Bool(self.done))
                .extra(&self.extra)
                .build(),
        )
    }
}

impl JournalEntry {
    fn from_value(path: &str, v: Value) -> FieldResult<Self> {
        let mut f = Fields::new(v, path)?;
        let at = f.required_string("at")?;
        if date::parse_timestamp(&at).is_none() && date::parse_date(&at).is_none() {
            return Err(FieldError::new(
                join(path, "at"),
                format!("{at:?} is not a timestamp (expected e.g. 2026-11-27T10:00:00Z)"),
            ));
        }
        Ok(JournalEntry {
            at,
            by: f.string("by")?.unwrap_or_default(),
            text: f.string("text")?.unwrap_or_default(),
            extra: f.rest(),
        })
    }

    fn to_value(&self) -> Value {
        let mut b = MapBuilder::new();
        b.str("at", &self.at);
        if !self.by.is_empty() {
            b.str("by", &self.by);
        }
        Value::Mapping(b.str("text", &self.text).extra(&self.extra).build())
    }

    /// Seconds since the epoch, for ordering (0 when unparseable).
    pub fn time(&self) -> i64 {
        date::parse_timestamp(&self.at)
            .or_else(|| date::parse_date(&self.at).map(|d| d * 86_400))
            .unwrap_or(0)
    }
}

/// Whether a card due on `due` is past it (an archived card never is).
pub fn overdue(due: Option<&str>, archived: bool, today: i64) -> bool {
    !archived && due.and_then(date::parse_date).is_some_and(|d| d < today)
}

impl Card {
    /// A new card with the fields every card has.
    pub fn new(id: String, title: String, lane: String, rank: String, kind: String) -> Self {
        Card {
            id,
            title,
            lane,
            rank,
            kind,
            ..Default::default()
        }
    }

    /// Read a card from its parsed YAML document.
    pub fn from_value(value: Value) -> FieldResult<Card> {
        let mut f = Fields::new(value, "")?;
        let id = f.required_string("id")?;
        if !id::is_valid(&id) {
            return Err(FieldError::new(
                "id",
                format!("{id:?} is not a valid card id (lowercase letters, digits, - and _)"),
            ));
        }
        let title = f.string("title")?.unwrap_or_default();
        let lane = f.required_string("lane")?;
        let rank = f.string("rank")?.unwrap_or_default();
        if !rank.is_empty() && !rank::is_valid(&rank) {
            return Err(FieldError::new(
                "rank",
                format!(
                    "{rank:?} is not a valid rank (digits and lowercase letters, not ending in 0)"
                ),
            ));
        }
        let kind = f.string("kind")?.unwrap_or_else(|| "task".to_string());
        let labels = f.strings("labels")?;
        let assignees = f.strings("assignees")?;
        let created = f.string("created")?;
        check_date(&created, "created")?;
        let due = f.string("due")?;
        check_date(&due, "due")?;
        let archived = f.bool("archived")?.unwrap_or(false);
        let depends_on = card_ids(&mut f, "depends_on")?;
        let parent = f.string("parent")?;
        if let Some(p) = parent.as_deref().filter(|p| !id::is_valid(p)) {
            return Err(FieldError::new("parent", format!("{p:?} is not a card id")));
        }
        let supersedes = card_ids(&mut f, "supersedes")?;
        let relates = card_ids(&mut f, "relates")?;
        let rests_on = card_ids(&mut f, "rests_on")?;
        let claim = match f.take(super::claim::KEY) {
            None | Some(Value::Null) => None,
            Some(v) => Some(super::Claim::from_value(v, super::claim::KEY)?),
        };
        let hypothesis = f
            .mapping("hypothesis")?
            .map(|f| Hypothesis::from_fields(f).map(Box::new))
            .transpose()?;
        // An empty `experiment:` is no experiment (it is not written back).
        let experiment = f
            .mapping("experiment")?
            .map(|f| Experiment::from_fields(f).map(Box::new))
            .transpose()?
            .filter(|e| !e.is_empty());
        let decision = f
            .mapping("decision")?
            .map(|f| Decision::from_fields(f).map(Box::new))
            .transpose()?
            .filter(|d| !d.is_empty());
        let fields = match f.take(super::field::DECLARED) {
            None | Some(Value::Null) => Mapping::new(),
            Some(Value::Mapping(m)) => m,
            Some(other) => {
                return Err(FieldError::new(
                    super::field::DECLARED,
                    format!(
                        "expected a mapping of the fields board.yaml declares, found {}",
                        super::value::type_name(&other)
                    ),
                ))
            }
        };
        let checklist = f
            .list("checklist")?
            .into_iter()
            .map(|(p, v)| ChecklistItem::from_value(&p, v))
            .collect::<FieldResult<_>>()?;
        let journal = f
            .list("journal")?
            .into_iter()
            .map(|(p, v)| JournalEntry::from_value(&p, v))
            .collect::<FieldResult<_>>()?;
        let body = f.string("body")?;
        Ok(Card {
            id,
            title,
            lane,
            rank,
            kind,
            labels,
            assignees,
            created,
            due,
            archived,
            depends_on,
            parent,
            supersedes,
            relates,
            rests_on,
            claim,
            hypothesis,
            experiment,
            decision,
            fields,
            checklist,
            journal,
            body,
            extra: f.rest(),
        })
    }

    /// The card as a mapping in canonical key order, empty fields left out,
    /// unknown fields last.
    pub fn to_mapping(&self) -> Mapping {
        let mut b = MapBuilder::new();
        b.str("id", &self.id)
            .str("title", &self.title)
            .str("lane", &self.lane)
            .str("rank", &self.rank)
            .str("kind", &self.kind)
            .strings("labels", &self.labels)
            .strings("assignees", &self.assignees)
            .opt_str("created", &self.created)
            .opt_str("due", &self.due);
        if self.archived {
            b.put("archived", Value::Bool(true));
        }
        b.strings("depends_on", &self.depends_on)
            .opt_str("parent", &self.parent)
            .strings("supersedes", &self.supersedes)
            .strings("relates", &self.relates)
            .strings("rests_on", &self.rests_on);
        if let Some(c) = &self.claim {
            b.put(super::claim::KEY, c.to_value());
        }
        if let Some(h) = &self.hypothesis {
            b.put("hypothesis", Value::Mapping(h.to_mapping()));
        }
        if let Some(e) = &self.experiment {
            if !e.is_empty() {
                b.put("experiment", Value::Mapping(e.to_mapping()));
            }
        }
        if let Some(d) = &self.decision {
            if !d.is_empty() {
                b.put("decision", Value::Mapping(d.to_mapping()));
            }
        }
        if !self.fields.is_empty() {
            b.put(super::field::DECLARED, Value::Mapping(self.fields.clone()));
        }
        b.seq(
            "checklist",
            self.checklist.iter().map(ChecklistItem::to_value).collect(),
        )
        .seq(
            "journal",
            self.journal.iter().map(JournalEntry::to_value).collect(),
        )
        .opt_str("body", &self.body)
        .extra(&self.extra)
        .build()
    }

    pub fn to_value(&self) -> Value {
        Value::Mapping(self.to_mapping())
    }

    pub fn short_id(&self) -> &str {
        id::short(&self.id)
    }

    /// Its claim, if one holds at `now` (an expired claim is no claim).
    pub fn live_claim(&self, now: i64) -> Option<&super::Claim> {
        self.claim.as_ref().filter(|c| c.is_live(now))
    }

    pub fn verdict(&self) -> Option<Verdict> {
        self.hypothesis.as_ref().map(|h| h.verdict)
    }

    /// Checklist progress as (done, total).
    pub fn checklist_progress(&self) -> (usize, usize) {
        let done = self.checklist.iter().filter(|c| c.done).count();
        (done, self.checklist.len())
    }

    /// Whether the card is past its due date (and not archived).
    pub fn is_overdue(&self, today: i64) -> bool {
        overdue(self.due.as_deref(), self.archived, today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> FieldResult<Card> {
        Card::from_value(serde_yaml::from_str(s).expect("yaml"))
    }

    #[test]
    fn a_tagged_key_is_not_the_field() {
        // Read as the checklist, `!x checklist` left the real checklist
        // among the unknown fields, where it replaced the read one on
        // writing.
        let text = "id: abc123\nlane: x\n!x checklist:\n  - a\nchecklist:\n  - b\n";
        let c = parse(text).expect("card");
        assert_eq!(c.checklist.len(), 1);
        assert_eq!(c.checklist[0].text, "b");
        assert_eq!(c.extra.len(), 1);
        let back = crate::store::render_card(&c, Some(text));
        assert_eq!(
            crate::store::parse_card("", back.as_bytes()).unwrap().card,
            c
        );
    }

    #[test]
    fn a_blank_checklist_item_is_refused_in_either_form() {
        // `- " "` was read, and written back as `text: " "`, which is not.
        for item in ["\"\"", "\" \"", "{text: \" \"}"] {
            let text = format!("id: abc123\nlane: x\nchecklist:\n  - ok\n  - {item}\n");
            let e = parse(&text).unwrap_err();
            assert!(e.field.starts_with("checklist.1"), "{item}: {e:?}");
        }
    }

    #[test]
    fn an_empty_experiment_is_none() {
        // `to_mapping` leaves an empty experiment out, so reading one in
        // would not survive a write.
        let c = parse("id: abc123\nlane: x\nexperiment: {}\n").expect("card");
        assert_eq!(c.experiment, None);
        let c = parse("id: abc123\nlane: x\nexperiment: {runs: []}\n").expect("card");
        assert_eq!(c.experiment, None);
        let c = parse("id: abc123\nlane: x\nexperiment: {model: m}\n").expect("card");
        assert_eq!(Card::from_value(c.to_value()).expect("card"), c);
    }

    #[test]
    fn reads_a_full_card_and_keeps_unknown_fields() {
        let c = parse(
            "id: abc123\ntitle: T\nlane: modeling\nrank: i\nkind: hypothesis\nfuture: 1\nhypothesis:\n  metric: p@10\n  verdict: refuted\n  extra_h: x\n",
        )
        .expect("card");
        assert_eq!(c.verdict(), Some(Verdict::Refuted));
        assert_eq!(c.extra.len(), 1);
        let m = c.to_mapping();
        let keys: Vec<_> = m.keys().filter_map(|k| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "id",
                "title",
                "lane",
                "rank",
                "kind",
                "hypothesis",
                "future"
            ]
        );
        assert_eq!(
            parse(&serde_yaml::to_string(&m).expect("ser")).expect("again"),
            c
        );
    }

    #[test]
    fn fields_are_written_in_the_tables_order() {
        // Every field set, so every key is written.
        let c = parse(
            "id: abc123\ntitle: T\nlane: l\nrank: i\nkind: hypothesis\nlabels: [a]\nassignees: [b]\ncreated: 2026-01-01\ndue: 2026-02-01\narchived: true\ndepends_on: [d1]\nparent: p1\nsupersedes: [s1]\nrelates: [r1]\nrests_on: [h1]\nclaim: {by: Bo, at: 2026-01-01T10:00:00Z, until: 2026-01-01T12:00:00Z}\nhypothesis: {statement: s, metric: m, direction: higher, baseline: 1, target: 2, result: 3, verdict: supported}\nexperiment: {runs: [r], dataset: d, model: m, commit: c, cost: 1}\ndecision: {statement: s, decided_by: a, decided_at: 2026-01-02}\nfields: {priority: high}\nchecklist: [x]\njournal: [{at: 2026-01-01T00:00:00Z, by: a, text: t}]\nbody: b\n",
        )
        .expect("card");
        let order = |m: &Mapping, table: Vec<&str>| {
            let keys: Vec<&str> = m.keys().filter_map(|k| k.as_str()).collect();
            let known: Vec<&str> = table.into_iter().filter(|k| keys.contains(k)).collect();
            assert_eq!(
                keys, known,
                "written order differs from model::field::BUILTIN"
            );
        };
        let m = c.to_mapping();
        order(&m, crate::model::field::top_keys().collect());
        for group in ["hypothesis", "experiment", "decision"] {
            let Some(Value::Mapping(g)) = m.get(group) else {
                panic!("{group} not written");
            };
            order(g, crate::model::field::group_keys(group).collect());
        }
    }

    #[test]
    fn type_errors_name_the_field() {
        let e = parse("id: abc\nlane: x\nhypothesis:\n  verdict: maybe\n").unwrap_err();
        assert_eq!(e.field, "hypothesis.verdict");
        let e = parse("id: abc\nlane: x\nlabels: {a: 1}\n").unwrap_err();
        assert_eq!(e.field, "labels");
        let e = parse("id: ../etc\nlane: x\n").unwrap_err();
        assert_eq!(e.field, "id");
        let e = parse("id: abc\nlane: x\njournal:\n  - at: yesterday\n").unwrap_err();
        assert_eq!(e.field, "journal.0.at");
        let e = parse("id: abc\n").unwrap_err();
        assert_eq!(e.field, "lane");
        let e = parse("id: abc\nlane: x\ndepends_on: [ok1, ../etc]\n").unwrap_err();
        assert_eq!(e.field, "depends_on.1");
        let e = parse("id: abc\nlane: x\nparent: Not An Id\n").unwrap_err();
        assert_eq!(e.field, "parent");
        let e = parse("id: abc\nlane: x\nrelates: {a: 1}\n").unwrap_err();
        assert_eq!(e.field, "relates");
    }
}
