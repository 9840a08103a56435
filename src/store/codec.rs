//! A compact binary encoding of cards, for the card cache only (never
//! committed, never read by people). Decoding one is a run of string copies,
//! far cheaper than parsing the card's YAML; the cache keeps a card in this
//! form only if it decodes back to exactly the same card.
//!
//! Layout: strings are a LEB128 length and UTF-8 bytes; optional values a
//! 0/1 byte and the value; lists a length and the items. The card's fields
//! come in a fixed order, the ones `list` filters and sorts on first, so
//! [`head`] can stop early: then its links and what [`crate::model::done`]
//! reads of it (its verdict and checklist counts, repeated there so that
//! `ready` and the link fields of `list --json` need no whole card; a
//! card whose repeated counts disagree with it does not decode).

use crate::model::{
    card::{ChecklistItem, Decision, Direction, Experiment, Hypothesis, JournalEntry, Verdict},
    Card, Claim,
};
use serde_yaml::{Mapping, Number, Value};

/// The version of the layout [`encode`] writes. Caches carry it and are
/// dropped when it differs, so it must move whenever the bytes of any card
/// would change: a field added, removed or moved, a new encoding of a
/// value, a change in what parsing puts where (the golden-bytes test in
/// this file fails until it has moved).
pub const LAYOUT_VERSION: u32 = 6;

/// Encode a card, or `None` when it holds something the encoding does not
/// carry (a tagged YAML value).
pub fn encode(card: &Card) -> Option<Vec<u8>> {
    let mut w = Writer(Vec::with_capacity(1024));
    // Destructured so that a new field cannot be forgotten here.
    let Card {
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
        extra,
    } = card;
    w.str(id);
    w.str(title);
    w.str(lane);
    w.str(rank);
    w.str(kind);
    w.strs(labels);
    w.strs(assignees);
    w.byte(u8::from(*archived));
    w.strs(depends_on);
    w.opt_str(parent);
    w.strs(supersedes);
    w.strs(relates);
    w.strs(rests_on);
    w.byte(verdict_code(card.verdict())?);
    let (ticked, total) = card.checklist_progress();
    w.len(ticked);
    w.len(total);
    w.opt_str(created);
    w.opt_str(due);
    // The claim after `due`, so that [`head`] reads it without skipping
    // its unknown fields.
    match claim {
        None => w.byte(0),
        Some(c) => {
            let Claim {
                by,
                at,
                until,
                extra,
            } = c;
            w.byte(1);
            w.str(by);
            w.str(at);
            w.opt_str(until);
            w.mapping(extra)?;
        }
    }
    w.opt_str(body);
    match hypothesis {
        None => w.byte(0),
        Some(h) => {
            let Hypothesis {
                statement,
                metric,
                metric_key,
                direction,
                baseline,
                target,
                result,
                verdict,
                rationale,
                extra,
            } = &**h;
            w.byte(1);
            w.opt_str(statement);
            w.opt_str(metric);
            w.opt_str(metric_key);
            w.byte(match direction {
                None => 0,
                Some(Direction::Higher) => 1,
                Some(Direction::Lower) => 2,
            });
            w.opt_value(baseline)?;
            w.opt_value(target)?;
            w.opt_value(result)?;
            w.byte(Verdict::ALL.iter().position(|v| v == verdict)? as u8);
            w.opt_str(rationale);
            w.mapping(extra)?;
        }
    }
    match experiment {
        None => w.byte(0),
        Some(e) => {
            let Experiment {
                runs,
                dataset,
                model,
                commit,
                cost,
                extra,
            } = &**e;
            w.byte(1);
            w.strs(runs);
            w.opt_str(dataset);
            w.opt_str(model);
            w.opt_str(commit);
            w.opt_value(cost)?;
            w.mapping(extra)?;
        }
    }
    match decision {
        None => w.byte(0),
        Some(d) => {
            let Decision {
                statement,
                decided_by,
                decided_at,
                extra,
            } = &**d;
            w.byte(1);
            w.opt_str(statement);
            w.opt_str(decided_by);
            w.opt_str(decided_at);
            w.mapping(extra)?;
        }
    }
    w.mapping(fields)?;
    w.len(checklist.len());
    for item in checklist {
        let ChecklistItem { text, done, extra } = item;
        w.str(text);
        w.byte(u8::from(*done));
        w.mapping(extra)?;
    }
    w.len(journal.len());
    for entry in journal {
        let JournalEntry {
            at,
            by,
            text,
            extra,
        } = entry;
        w.str(at);
        w.str(by);
        w.str(text);
        w.mapping(extra)?;
    }
    w.mapping(extra)?;
    Some(w.0)
}

/// Decode a card; `None` if the bytes are not an encoded card.
pub fn decode(bytes: &[u8]) -> Option<Card> {
    let mut r = Reader { b: bytes, pos: 0 };
    let mut card = Card {
        id: r.string()?,
        title: r.string()?,
        lane: r.string()?,
        rank: r.string()?,
        kind: r.string()?,
        labels: r.strings()?,
        assignees: r.strings()?,
        archived: r.flag()?,
        depends_on: r.strings()?,
        parent: r.opt_string()?,
        supersedes: r.strings()?,
        relates: r.strings()?,
        rests_on: r.strings()?,
        ..Card::default()
    };
    let progress = (r.byte()?, r.len()?, r.len()?);
    card.created = r.opt_string()?;
    card.due = r.opt_string()?;
    card.claim = if r.flag()? {
        Some(Claim {
            by: r.string()?,
            at: r.string()?,
            until: r.opt_string()?,
            extra: r.mapping()?,
        })
    } else {
        None
    };
    card.body = r.opt_string()?;
    if r.flag()? {
        card.hypothesis = Some(Box::new(Hypothesis {
            statement: r.opt_string()?,
            metric: r.opt_string()?,
            metric_key: r.opt_string()?,
            direction: match r.byte()? {
                0 => None,
                1 => Some(Direction::Higher),
                2 => Some(Direction::Lower),
                _ => return None,
            },
            baseline: r.opt_value()?,
            target: r.opt_value()?,
            result: r.opt_value()?,
            verdict: *Verdict::ALL.get(r.byte()? as usize)?,
            rationale: r.opt_string()?,
            extra: r.mapping()?,
        }));
    }
    if r.flag()? {
        card.experiment = Some(Box::new(Experiment {
            runs: r.strings()?,
            dataset: r.opt_string()?,
            model: r.opt_string()?,
            commit: r.opt_string()?,
            cost: r.opt_value()?,
            extra: r.mapping()?,
        }));
    }
    if r.flag()? {
        card.decision = Some(Box::new(Decision {
            statement: r.opt_string()?,
            decided_by: r.opt_string()?,
            decided_at: r.opt_string()?,
            extra: r.mapping()?,
        }));
    }
    card.fields = r.mapping()?;
    let n = r.count()?;
    card.checklist = (0..n)
        .map(|_| {
            Some(ChecklistItem {
                text: r.string()?,
                done: r.flag()?,
                extra: r.mapping()?,
            })
        })
        .collect::<Option<_>>()?;
    let n = r.count()?;
    card.journal = (0..n)
        .map(|_| {
            Some(JournalEntry {
                at: r.string()?,
                by: r.string()?,
                text: r.string()?,
                extra: r.mapping()?,
            })
        })
        .collect::<Option<_>>()?;
    card.extra = r.mapping()?;
    let (ticked, total) = card.checklist_progress();
    let repeated = (verdict_code(card.verdict())?, ticked, total);
    (r.pos == bytes.len() && progress == repeated).then_some(card)
}

/// Encode a card only if it decodes back to the same card.
pub fn encode_exact(card: &Card) -> Option<Vec<u8>> {
    let bytes = encode(card)?;
    (decode(&bytes).as_ref() == Some(card)).then_some(bytes)
}

/// A hypothesis's verdict as one byte: 0 for no hypothesis.
fn verdict_code(v: Option<Verdict>) -> Option<u8> {
    match v {
        None => Some(0),
        Some(v) => Verdict::ALL
            .iter()
            .position(|x| *x == v)
            .map(|i| i as u8 + 1),
    }
}

/// The fields `list` filters and sorts on, the card's links and what
/// [`crate::model::done`] reads of it, borrowed from an encoded card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub lane: &'a str,
    pub rank: &'a str,
    pub kind: &'a str,
    pub labels: Vec<&'a str>,
    pub assignees: Vec<&'a str>,
    pub archived: bool,
    pub depends_on: Vec<&'a str>,
    pub parent: Option<&'a str>,
    pub supersedes: Vec<&'a str>,
    pub relates: Vec<&'a str>,
    pub rests_on: Vec<&'a str>,
    pub verdict: Option<Verdict>,
    /// Its checklist: (ticked, total).
    pub checklist: (usize, usize),
    pub due: Option<&'a str>,
    /// Its claim: who holds it, and until when (RFC 3339).
    pub claim: Option<HeadClaim<'a>>,
}

/// A claim as [`Head`] borrows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadClaim<'a> {
    pub by: &'a str,
    pub until: Option<&'a str>,
}

impl HeadClaim<'_> {
    /// Whether it holds at `now` (the rule of [`Claim::is_live`]).
    pub fn is_live(&self, now: i64) -> bool {
        self.until
            .and_then(crate::model::date::parse_timestamp)
            .is_none_or(|u| now < u)
    }

    /// `Bo until 2026-05-01 14:00 UTC` (the text of [`Claim::describe`]).
    pub fn describe(&self) -> String {
        crate::model::claim::describe(
            self.by,
            self.until.and_then(crate::model::date::parse_timestamp),
        )
    }
}

impl<'a> Head<'a> {
    pub fn of(card: &'a Card) -> Head<'a> {
        let strs = |v: &'a [String]| v.iter().map(String::as_str).collect();
        Head {
            id: &card.id,
            title: &card.title,
            lane: &card.lane,
            rank: &card.rank,
            kind: &card.kind,
            labels: strs(&card.labels),
            assignees: strs(&card.assignees),
            archived: card.archived,
            depends_on: strs(&card.depends_on),
            parent: card.parent.as_deref(),
            supersedes: strs(&card.supersedes),
            relates: strs(&card.relates),
            rests_on: strs(&card.rests_on),
            verdict: card.verdict(),
            checklist: card.checklist_progress(),
            due: card.due.as_deref(),
            claim: card.claim.as_ref().map(|c| HeadClaim {
                by: &c.by,
                until: c.until.as_deref(),
            }),
        }
    }

    /// What [`crate::model::done`] reads of the card.
    pub fn progress(&self) -> crate::model::Progress<'a> {
        crate::model::Progress {
            lane: self.lane,
            verdict: self.verdict,
            checklist: self.checklist,
            decision: self.kind == crate::model::done::DECISION,
        }
    }

    /// The card as a node of the link graph.
    pub fn node(&self) -> crate::model::links::Node<'_> {
        use crate::model::links::Ids;
        crate::model::links::Node {
            id: self.id,
            progress: self.progress(),
            archived: self.archived,
            depends_on: Ids::strs(&self.depends_on),
            parent: self.parent,
            supersedes: Ids::strs(&self.supersedes),
            relates: Ids::strs(&self.relates),
            rests_on: Ids::strs(&self.rests_on),
        }
    }

    /// Whether a claim holds on the card at `now`.
    pub fn claimed(&self, now: i64) -> bool {
        self.claim.as_ref().is_some_and(|c| c.is_live(now))
    }
}

/// Read the leading fields of an encoded card without decoding the rest.
pub fn head(bytes: &[u8]) -> Option<Head<'_>> {
    head_as(bytes, true)
}

/// Whether [`head`] reads the card, without collecting its lists (no
/// allocation: a load checks every cached card's head this way).
pub fn head_reads(bytes: &[u8]) -> bool {
    head_as(bytes, false).is_some()
}

/// [`head`], its lists left empty (but checked) unless `lists`.
fn head_as(bytes: &[u8], lists: bool) -> Option<Head<'_>> {
    let mut r = Reader { b: bytes, pos: 0 };
    fn strs<'a>(r: &mut Reader<'a>, lists: bool) -> Option<Vec<&'a str>> {
        if lists {
            r.strs()
        } else {
            let n = r.count()?;
            (0..n).try_for_each(|_| r.str().map(drop))?;
            Some(Vec::new())
        }
    }
    let id = r.str()?;
    let title = r.str()?;
    let lane = r.str()?;
    let rank = r.str()?;
    let kind = r.str()?;
    let labels = strs(&mut r, lists)?;
    let assignees = strs(&mut r, lists)?;
    let archived = r.flag()?;
    let depends_on = strs(&mut r, lists)?;
    let parent = if r.flag()? { Some(r.str()?) } else { None };
    let supersedes = strs(&mut r, lists)?;
    let relates = strs(&mut r, lists)?;
    let rests_on = strs(&mut r, lists)?;
    let verdict = match r.byte()? {
        0 => None,
        n => Some(*Verdict::ALL.get(usize::from(n) - 1)?),
    };
    let checklist = (r.len()?, r.len()?);
    if r.flag()? {
        r.str()?; // created
    }
    let due = if r.flag()? { Some(r.str()?) } else { None };
    let claim = if r.flag()? {
        let by = r.str()?;
        let _at = r.str()?;
        let until = if r.flag()? { Some(r.str()?) } else { None };
        Some(HeadClaim { by, until })
    } else {
        None
    };
    Some(Head {
        id,
        title,
        lane,
        rank,
        kind,
        labels,
        assignees,
        archived,
        depends_on,
        parent,
        supersedes,
        relates,
        rests_on,
        verdict,
        checklist,
        due,
        claim,
    })
}

/// An encoded card as a node of the link graph, read off its head
/// without the text a graph does not need (title, labels, people). Reads
/// the layout as [`head`] does.
pub fn node(bytes: &[u8]) -> Option<crate::model::links::Node<'_>> {
    let mut r = Reader { b: bytes, pos: 0 };
    let id = r.str()?;
    r.skip_str()?; // title
    let lane = r.str()?;
    r.skip_str()?; // rank
    let kind = r.str()?;
    for _ in 0..2 {
        // labels, assignees
        for _ in 0..r.count()? {
            r.skip_str()?;
        }
    }
    let archived = r.flag()?;
    let depends_on = r.ids()?;
    let parent = if r.flag()? { Some(r.str()?) } else { None };
    let supersedes = r.ids()?;
    let relates = r.ids()?;
    let rests_on = r.ids()?;
    let verdict = match r.byte()? {
        0 => None,
        n => Some(*Verdict::ALL.get(usize::from(n) - 1)?),
    };
    let checklist = (r.len()?, r.len()?);
    Some(crate::model::links::Node {
        id,
        progress: crate::model::Progress {
            lane,
            verdict,
            checklist,
            decision: kind == crate::model::done::DECISION,
        },
        archived,
        depends_on,
        parent,
        supersedes,
        relates,
        rests_on,
    })
}

/// Where an encoded card goes on the board, read without the rest of
/// its head: (lane, rank, archived). What ordering the board needs,
/// without decoding every card's lists.
pub fn placement(bytes: &[u8]) -> Option<(&str, &str, bool)> {
    let mut r = Reader { b: bytes, pos: 0 };
    r.skip_str()?; // id
    r.skip_str()?; // title
    let lane = r.str()?;
    let rank = r.str()?;
    r.skip_str()?; // kind
    for _ in 0..2 {
        // labels, assignees
        for _ in 0..r.count()? {
            r.skip_str()?;
        }
    }
    Some((lane, rank, r.flag()?))
}

struct Writer(Vec<u8>);

impl Writer {
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }

    fn len(&mut self, mut n: usize) {
        loop {
            let low = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.0.push(low);
                return;
            }
            self.0.push(low | 0x80);
        }
    }

    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    fn opt_str(&mut self, s: &Option<String>) {
        match s {
            None => self.byte(0),
            Some(s) => {
                self.byte(1);
                self.str(s);
            }
        }
    }

    fn strs(&mut self, items: &[String]) {
        self.len(items.len());
        for s in items {
            self.str(s);
        }
    }

    fn opt_value(&mut self, v: &Option<Value>) -> Option<()> {
        match v {
            None => self.byte(0),
            Some(v) => {
                self.byte(1);
                self.value(v)?;
            }
        }
        Some(())
    }

    fn mapping(&mut self, m: &Mapping) -> Option<()> {
        self.len(m.len());
        for (k, v) in m {
            self.value(k)?;
            self.value(v)?;
        }
        Some(())
    }

    fn value(&mut self, v: &Value) -> Option<()> {
        match v {
            Value::Null => self.byte(0),
            Value::Bool(false) => self.byte(1),
            Value::Bool(true) => self.byte(2),
            Value::Number(n) => {
                if n.is_f64() {
                    self.byte(5);
                    self.0
                        .extend_from_slice(&n.as_f64()?.to_bits().to_le_bytes());
                } else if let Some(u) = n.as_u64() {
                    self.byte(4);
                    self.0.extend_from_slice(&u.to_le_bytes());
                } else {
                    self.byte(3);
                    self.0.extend_from_slice(&n.as_i64()?.to_le_bytes());
                }
            }
            Value::String(s) => {
                self.byte(6);
                self.str(s);
            }
            Value::Sequence(items) => {
                self.byte(7);
                self.len(items.len());
                for item in items {
                    self.value(item)?;
                }
            }
            Value::Mapping(m) => {
                self.byte(8);
                self.mapping(m)?;
            }
            Value::Tagged(_) => return None,
        }
        Some(())
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.b.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn flag(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn len(&mut self) -> Option<usize> {
        let (n, rest) = crate::model::links::leb128(self.b.get(self.pos..)?)?;
        self.pos = self.b.len() - rest.len();
        Some(n)
    }

    /// A list length, bounded by what is left (a corrupt length must not
    /// allocate gigabytes).
    fn count(&mut self) -> Option<usize> {
        let n = self.len()?;
        (n <= self.b.len() - self.pos).then_some(n)
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.len()?;
        let end = self.pos.checked_add(n)?;
        let s = self.b.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    /// A list of strings left encoded, checked to read: a link list of
    /// [`node`], read again one id at a time when the graph is built.
    fn ids(&mut self) -> Option<crate::model::links::Ids<'a>> {
        let n = self.count()?;
        let start = self.pos;
        let mut ascii = true;
        for _ in 0..n {
            ascii &= self.bytes()?.is_ascii();
        }
        let bytes = &self.b[start..self.pos];
        // Ids are ascii; anything else is checked piece by piece.
        if !ascii {
            let mut again = Reader { b: bytes, pos: 0 };
            (0..n).try_for_each(|_| again.str().map(drop))?;
        }
        Some(crate::model::links::Ids::encoded(bytes))
    }

    /// Past a string, unread.
    fn skip_str(&mut self) -> Option<()> {
        self.bytes().map(|_| ())
    }

    fn strs(&mut self) -> Option<Vec<&'a str>> {
        let n = self.count()?;
        (0..n).map(|_| self.str()).collect()
    }

    fn string(&mut self) -> Option<String> {
        self.str().map(str::to_string)
    }

    fn opt_string(&mut self) -> Option<Option<String>> {
        if self.flag()? {
            self.string().map(Some)
        } else {
            Some(None)
        }
    }

    fn strings(&mut self) -> Option<Vec<String>> {
        let n = self.count()?;
        (0..n).map(|_| self.string()).collect()
    }

    fn fixed(&mut self) -> Option<[u8; 8]> {
        let end = self.pos + 8;
        let b = self.b.get(self.pos..end)?.try_into().ok()?;
        self.pos = end;
        Some(b)
    }

    fn opt_value(&mut self) -> Option<Option<Value>> {
        if self.flag()? {
            self.value(0).map(Some)
        } else {
            Some(None)
        }
    }

    fn mapping(&mut self) -> Option<Mapping> {
        self.mapping_at(0)
    }

    fn mapping_at(&mut self, depth: usize) -> Option<Mapping> {
        let n = self.count()?;
        let mut m = Mapping::with_capacity(n);
        for _ in 0..n {
            let k = self.value(depth + 1)?;
            let v = self.value(depth + 1)?;
            m.insert(k, v);
        }
        Some(m)
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > super::yaml::MAX_DEPTH {
            return None;
        }
        Some(match self.byte()? {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::Number(Number::from(i64::from_le_bytes(self.fixed()?))),
            4 => Value::Number(Number::from(u64::from_le_bytes(self.fixed()?))),
            5 => Value::Number(Number::from(f64::from_bits(u64::from_le_bytes(
                self.fixed()?,
            )))),
            6 => Value::String(self.string()?),
            7 => {
                let n = self.count()?;
                Value::Sequence(
                    (0..n)
                        .map(|_| self.value(depth + 1))
                        .collect::<Option<_>>()?,
                )
            }
            8 => Value::Mapping(self.mapping_at(depth + 1)?),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::parse_card;

    const FULL: &str = "id: 3fk2a9q7xm
title: \"Session-recency features \\e[31m\"
lane: modeling
rank: i
kind: hypothesis
labels:
- recsys
- cold-start
assignees:
- ana
created: 2026-01-05
due: 2026-02-01
archived: true
depends_on:
- dep1
- dep2
parent: par1
supersedes:
- old1
relates:
- rel1
rests_on:
- hyp1
claim:
  by: Bo via claude-code
  at: 2026-01-05T10:00:00Z
  until: 2026-01-05T12:00:00Z
  lease: renewable
hypothesis:
  statement: Recency raises precision@10
  metric: precision@10
  metric_key: val/precision_at_10
  direction: higher
  baseline: 0.21
  target: +15%
  result: 18446744073709551615
  verdict: refuted
  rationale: the eval set leaked
  reviewer: bo
experiment:
  runs:
  - mlflow:1
  dataset: clicks-v3
  model: lightgbm
  commit: abc123
  cost: -12
  gpu: {hours: 3.5, kind: [a100, null, true]}
decision:
  statement: Ship it
  decided_by: ana
  decided_at: 2026-01-09
  venue: weekly review
fields:
  priority: high
  effort_days: 2.5
checklist:
- text: hold-out check
  done: true
  by: ana
journal:
- at: 2026-01-05T10:00:00Z
  by: ana
  text: |-
    weekend traffic
    behaves differently
body: |
  Free text.
future_field:
  nested: [1, 2.5, -3, .nan]
7: seven
";

    #[test]
    fn a_full_card_round_trips_and_its_head_reads_early() {
        let card = parse_card("c.yaml", FULL.as_bytes()).unwrap().card;
        let bytes = encode(&card).unwrap();
        assert_eq!(decode(&bytes).as_ref(), Some(&card));
        let hyp = card.hypothesis.as_deref().unwrap();
        assert_eq!(hyp.metric_key.as_deref(), Some("val/precision_at_10"));
        assert_eq!(hyp.rationale.as_deref(), Some("the eval set leaked"));
        let h = head(&bytes).unwrap();
        assert_eq!(h, Head::of(&card));
        assert_eq!(h.labels, ["recsys", "cold-start"]);
        assert!(h.archived);
        assert_eq!(h.depends_on, ["dep1", "dep2"]);
        assert_eq!(h.parent, Some("par1"));
        assert_eq!(h.verdict, Some(Verdict::Refuted));
        assert_eq!(h.checklist, (1, 1));
        // Where it goes, and the graph's node, read without the rest.
        assert_eq!(placement(&bytes), Some((h.lane, h.rank, h.archived)));
        assert_eq!(node(&bytes), Some(h.node()));
        assert_eq!(node(&bytes).unwrap().depends_on.to_vec(), ["dep1", "dep2"]);
        let cut = bytes.len().min(20);
        assert_eq!(placement(&bytes[..cut]), None);
        assert_eq!(node(&bytes[..cut]), None);
        let c = h.claim.as_ref().unwrap();
        assert_eq!(c.by, "Bo via claude-code");
        assert!(h.claimed(parse_ts("2026-01-05T11:59:59Z")));
        assert!(!h.claimed(parse_ts("2026-01-05T12:00:00Z")));
    }

    #[test]
    fn a_node_reads_its_links_as_written_whatever_their_bytes() {
        // Hand-edited files may link to ids no card could have: long,
        // not ascii, or empty. The node reads them back as written.
        let mut card = parse_card("c.yaml", FULL.as_bytes()).unwrap().card;
        let long = "x".repeat(300);
        card.depends_on = vec![
            "\u{e9}t\u{e9}".into(),
            long.clone(),
            String::new(),
            "a".into(),
        ];
        card.relates = vec![];
        let bytes = encode(&card).unwrap();
        let n = node(&bytes).unwrap();
        assert_eq!(n.depends_on.to_vec(), ["\u{e9}t\u{e9}", &long, "", "a"]);
        assert_eq!(n.depends_on.len(), 4);
        assert!(n.relates.is_empty() && n.relates.to_vec().is_empty());
        assert_eq!(n, card.node());
        // Damage inside a list is no node, not a shorter list.
        let at = bytes.windows(2).position(|w| w == [0xc3, 0xa9]).unwrap();
        let mut bad = bytes.clone();
        bad[at] = 0xff;
        assert_eq!(node(&bad), None);
    }

    fn parse_ts(s: &str) -> i64 {
        crate::model::date::parse_timestamp(s).unwrap()
    }

    /// Every layout [`LAYOUT_VERSION`] has named, oldest first: the version
    /// and the bytes [`FULL`] encodes to in it. Append a row when the
    /// layout changes (with the version raised); never edit a row.
    const LAYOUTS: &[(u32, &str)] = &[
        (
            1,
            concat!(
                "0a33666b3261397137786d1e53657373696f6e2d726563656e6379206665617475726573201b5b33",
                "316d086d6f64656c696e6701690a6879706f74686573697302067265637379730a636f6c642d7374",
                "6172740103616e6101010a323032362d30312d3035010a323032362d30322d3031010b4672656520",
                "746578742e0a01011b526563656e63792072616973657320707265636973696f6e403130010c7072",
                "65636973696f6e403130010105e17a14ae47e1ca3f0106042b3135250104ffffffffffffffff0201",
                "060872657669657765720602626f0101086d6c666c6f773a310109636c69636b732d763301086c69",
                "67687467626d01066162633132330103f4ffffffffffffff01060367707508020605686f75727305",
                "0000000000000c4006046b696e6407030604613130300002010e686f6c642d6f757420636865636b",
                "0101060262790603616e610114323032362d30312d30355431303a30303a30305a03616e61237765",
                "656b656e6420747261666669630a6265686176657320646966666572656e746c790002060c667574",
                "7572655f6669656c64080106066e6573746564070404010000000000000005000000000000044003",
                "fdffffffffffffff05000000000000f87f0407000000000000000605736576656e",
            ),
        ),
        (
            2,
            concat!(
                "0a33666b3261397137786d1e53657373696f6e2d726563656e6379206665617475726573201b5b33",
                "316d086d6f64656c696e6701690a6879706f74686573697302067265637379730a636f6c642d7374",
                "6172740103616e6101010a323032362d30312d3035010a323032362d30322d3031010b4672656520",
                "746578742e0a01011b526563656e63792072616973657320707265636973696f6e403130010c7072",
                "65636973696f6e403130011376616c2f707265636973696f6e5f61745f3130010105e17a14ae47e1",
                "ca3f0106042b3135250104ffffffffffffffff020113746865206576616c20736574206c65616b65",
                "6401060872657669657765720602626f0101086d6c666c6f773a310109636c69636b732d76330108",
                "6c6967687467626d01066162633132330103f4ffffffffffffff01060367707508020605686f7572",
                "73050000000000000c4006046b696e6407030604613130300002010e686f6c642d6f757420636865",
                "636b0101060262790603616e610114323032362d30312d30355431303a30303a30305a03616e6123",
                "7765656b656e6420747261666669630a6265686176657320646966666572656e746c790002060c66",
                "75747572655f6669656c64080106066e657374656407040401000000000000000500000000000004",
                "4003fdffffffffffffff05000000000000f87f0407000000000000000605736576656e",
            ),
        ),
        (
            3,
            concat!(
                "0a33666b3261397137786d1e53657373696f6e2d726563656e6379206665617475726573201b5b33",
                "316d086d6f64656c696e6701690a6879706f74686573697302067265637379730a636f6c642d7374",
                "6172740103616e6101020464657031046465703201047061723101046f6c6431010472656c310301",
                "01010a323032362d30312d3035010a323032362d30322d3031010b4672656520746578742e0a0101",
                "1b526563656e63792072616973657320707265636973696f6e403130010c707265636973696f6e40",
                "3130011376616c2f707265636973696f6e5f61745f3130010105e17a14ae47e1ca3f0106042b3135",
                "250104ffffffffffffffff020113746865206576616c20736574206c65616b656401060872657669",
                "657765720602626f0101086d6c666c6f773a310109636c69636b732d763301086c6967687467626d",
                "01066162633132330103f4ffffffffffffff01060367707508020605686f75727305000000000000",
                "0c4006046b696e6407030604613130300002010e686f6c642d6f757420636865636b010106026279",
                "0603616e610114323032362d30312d30355431303a30303a30305a03616e61237765656b656e6420",
                "747261666669630a6265686176657320646966666572656e746c790002060c6675747572655f6669",
                "656c64080106066e6573746564070404010000000000000005000000000000044003fdffffffffff",
                "ffff05000000000000f87f0407000000000000000605736576656e",
            ),
        ),
        (
            4,
            concat!(
                "0a33666b3261397137786d1e53657373696f6e2d726563656e6379206665617475726573201b5b33",
                "316d086d6f64656c696e6701690a6879706f74686573697302067265637379730a636f6c642d7374",
                "6172740103616e6101020464657031046465703201047061723101046f6c6431010472656c310104",
                "68797031030101010a323032362d30312d3035010a323032362d30322d3031010b46726565207465",
                "78742e0a01011b526563656e63792072616973657320707265636973696f6e403130010c70726563",
                "6973696f6e403130011376616c2f707265636973696f6e5f61745f3130010105e17a14ae47e1ca3f",
                "0106042b3135250104ffffffffffffffff020113746865206576616c20736574206c65616b656401",
                "060872657669657765720602626f0101086d6c666c6f773a310109636c69636b732d763301086c69",
                "67687467626d01066162633132330103f4ffffffffffffff01060367707508020605686f75727305",
                "0000000000000c4006046b696e6407030604613130300002010107536869702069740103616e6101",
                "0a323032362d30312d303901060576656e7565060d7765656b6c7920726576696577010e686f6c64",
                "2d6f757420636865636b0101060262790603616e610114323032362d30312d30355431303a30303a",
                "30305a03616e61237765656b656e6420747261666669630a6265686176657320646966666572656e",
                "746c790002060c6675747572655f6669656c64080106066e65737465640704040100000000000000",
                "05000000000000044003fdffffffffffffff05000000000000f87f04070000000000000006057365",
                "76656e",
            ),
        ),
        (
            5,
            concat!(
                "0a33666b3261397137786d1e53657373696f6e2d726563656e6379206665617475726573201b5b33",
                "316d086d6f64656c696e6701690a6879706f74686573697302067265637379730a636f6c642d7374",
                "6172740103616e6101020464657031046465703201047061723101046f6c6431010472656c310104",
                "68797031030101010a323032362d30312d3035010a323032362d30322d3031010b46726565207465",
                "78742e0a01011b526563656e63792072616973657320707265636973696f6e403130010c70726563",
                "6973696f6e403130011376616c2f707265636973696f6e5f61745f3130010105e17a14ae47e1ca3f",
                "0106042b3135250104ffffffffffffffff020113746865206576616c20736574206c65616b656401",
                "060872657669657765720602626f0101086d6c666c6f773a310109636c69636b732d763301086c69",
                "67687467626d01066162633132330103f4ffffffffffffff01060367707508020605686f75727305",
                "0000000000000c4006046b696e6407030604613130300002010107536869702069740103616e6101",
                "0a323032362d30312d303901060576656e7565060d7765656b6c7920726576696577020608707269",
                "6f72697479060468696768060b6566666f72745f64617973050000000000000440010e686f6c642d",
                "6f757420636865636b0101060262790603616e610114323032362d30312d30355431303a30303a30",
                "305a03616e61237765656b656e6420747261666669630a6265686176657320646966666572656e74",
                "6c790002060c6675747572655f6669656c64080106066e6573746564070404010000000000000005",
                "000000000000044003fdffffffffffffff05000000000000f87f0407000000000000000605736576",
                "656e",
            ),
        ),
        (
            6,
            concat!(
                "0a33666b3261397137786d1e53657373696f6e2d726563656e6379206665617475726573201b5b33",
                "316d086d6f64656c696e6701690a6879706f74686573697302067265637379730a636f6c642d7374",
                "6172740103616e6101020464657031046465703201047061723101046f6c6431010472656c310104",
                "68797031030101010a323032362d30312d3035010a323032362d30322d30310112426f2076696120",
                "636c617564652d636f646514323032362d30312d30355431303a30303a30305a0114323032362d30",
                "312d30355431323a30303a30305a0106056c65617365060972656e657761626c65010b4672656520",
                "746578742e0a01011b526563656e63792072616973657320707265636973696f6e403130010c7072",
                "65636973696f6e403130011376616c2f707265636973696f6e5f61745f3130010105e17a14ae47e1",
                "ca3f0106042b3135250104ffffffffffffffff020113746865206576616c20736574206c65616b65",
                "6401060872657669657765720602626f0101086d6c666c6f773a310109636c69636b732d76330108",
                "6c6967687467626d01066162633132330103f4ffffffffffffff01060367707508020605686f7572",
                "73050000000000000c4006046b696e6407030604613130300002010107536869702069740103616e",
                "61010a323032362d30312d303901060576656e7565060d7765656b6c792072657669657702060870",
                "72696f72697479060468696768060b6566666f72745f64617973050000000000000440010e686f6c",
                "642d6f757420636865636b0101060262790603616e610114323032362d30312d30355431303a3030",
                "3a30305a03616e61237765656b656e6420747261666669630a626568617665732064696666657265",
                "6e746c790002060c6675747572655f6669656c64080106066e657374656407040401000000000000",
                "0005000000000000044003fdffffffffffffff05000000000000f87f040700000000000000060573",
                "6576656e",
            ),
        ),
    ];

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn the_layout_changes_only_with_its_version() {
        let card = parse_card("c.yaml", FULL.as_bytes()).unwrap().card;
        let now = hex(&encode(&card).unwrap());
        let versions: Vec<u32> = LAYOUTS.iter().map(|l| l.0).collect();
        assert!(
            versions.windows(2).all(|w| w[0] < w[1]),
            "LAYOUTS must list versions in rising order: {versions:?}"
        );
        if let Some((v, _)) = LAYOUTS
            .iter()
            .find(|(v, bytes)| *bytes == now && *v != LAYOUT_VERSION)
        {
            panic!("the card layout is the one of version {v}, but LAYOUT_VERSION says {LAYOUT_VERSION}");
        }
        let (last, golden) = LAYOUTS[LAYOUTS.len() - 1];
        assert!(
            last == LAYOUT_VERSION && golden == now,
            "the card layout changed: raise LAYOUT_VERSION (now {LAYOUT_VERSION}) in src/store/codec.rs \
             so that caches written with the old layout are dropped, and append to LAYOUTS:\n({}, \"{now}\"),",
            if last == LAYOUT_VERSION { LAYOUT_VERSION + 1 } else { LAYOUT_VERSION }
        );
    }

    #[test]
    fn a_minimal_card_round_trips() {
        let card = Card::new(
            "abc".into(),
            String::new(),
            "x".into(),
            String::new(),
            "task".into(),
        );
        assert_eq!(decode(&encode_exact(&card).unwrap()), Some(card));
    }

    #[test]
    fn repeated_progress_must_agree_with_the_card() {
        let card = parse_card("c.yaml", FULL.as_bytes()).unwrap().card;
        let mut other = card.clone();
        if let Some(h) = other.hypothesis.as_mut() {
            h.verdict = Verdict::Supported;
        }
        let (a, b) = (encode(&card).unwrap(), encode(&other).unwrap());
        // The first byte that differs is the repeated verdict in the head.
        let at = a.iter().zip(&b).position(|(x, y)| x != y).unwrap();
        assert_eq!(head(&b).unwrap().verdict, Some(Verdict::Supported));
        let mut forged = a.clone();
        forged[at] = b[at];
        assert_eq!(head(&forged).unwrap().verdict, Some(Verdict::Supported));
        assert_eq!(decode(&forged), None, "the head disagrees with the card");
    }

    #[test]
    fn tagged_values_are_not_encoded() {
        let text = "id: abc\nlane: x\nodd: !custom 3\n";
        let card = parse_card("c.yaml", text.as_bytes()).unwrap().card;
        assert_eq!(encode(&card), None);
    }

    #[test]
    fn corrupt_bytes_decode_to_nothing() {
        let card = parse_card("c.yaml", FULL.as_bytes()).unwrap().card;
        let bytes = encode(&card).unwrap();
        for cut in [0, 1, 7, bytes.len() / 2, bytes.len() - 1] {
            assert_eq!(decode(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer), None);
        // A huge length must not allocate.
        assert_eq!(
            decode(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
            None
        );
    }
}
