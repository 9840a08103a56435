//! How the CLI prints cards: text for people (with untrusted text made
//! visible), JSON for scripts (the YAML field names, every field).

use crate::model::text::{one_line, visible};
use crate::model::{date, BoardConfig, Card};
use crate::store::codec::Head;
use serde_yaml::Value;

pub use crate::store::json::{card_json, to_json, AsJson};
use std::fmt::Write;

/// One line per card, grouped under lane headings. `blocked(id)`: how
/// many cards it waits on (0: it is not blocked). A claim shows while it
/// holds at `now`.
pub fn list_text(
    config: &BoardConfig,
    cards: &[Head],
    blocked: &dyn Fn(&str) -> usize,
    now: i64,
) -> String {
    let mut out = String::new();
    let today = date::today();
    let mut current: Option<&str> = None;
    for card in cards {
        if current != Some(card.lane) {
            current = Some(card.lane);
            let count = cards.iter().filter(|c| c.lane == card.lane).count();
            let (title, wip) = match config.lane(card.lane) {
                Some(l) => (l.title.clone(), l.wip),
                None => (format!("{} (unknown lane)", card.lane), None),
            };
            if !out.is_empty() {
                out.push('\n');
            }
            match wip {
                Some(w) if count as u32 > w => {
                    let _ = writeln!(out, "{} ({count}/{w}, over WIP limit)", one_line(&title));
                }
                Some(w) => {
                    let _ = writeln!(out, "{} ({count}/{w})", one_line(&title));
                }
                None => {
                    let _ = writeln!(out, "{} ({count})", one_line(&title));
                }
            }
        }
        let _ = writeln!(out, "  {}", card_line(card, today, blocked(card.id), now));
    }
    out
}

/// `3fk2a9  hypothesis  Title  [label] @who  due 2026-12-01  refuted`,
/// then `blocked by N` when it waits on N cards, and `claimed by Bo until
/// 2026-05-01 14:00 UTC` while a claim holds at `now`.
pub fn card_line(card: &Head, today: i64, blocked: usize, now: i64) -> String {
    let mut s = format!(
        "{}  {:<10}  {}",
        crate::model::id::short(card.id),
        one_line(card.kind),
        one_line(card.title)
    );
    if let Some(v) = card.verdict {
        let _ = write!(s, "  <{v}>");
    }
    for l in &card.labels {
        let _ = write!(s, "  [{}]", one_line(l));
    }
    for a in &card.assignees {
        let _ = write!(s, "  @{}", one_line(a));
    }
    if let Some(d) = card.due {
        let _ = write!(s, "  due {}", one_line(d));
        if crate::model::card::overdue(Some(d), card.archived, today) {
            s.push_str(" (overdue)");
        }
    }
    let (done, total) = card.checklist;
    if total > 0 {
        let _ = write!(s, "  {done}/{total}");
    }
    if blocked > 0 {
        let _ = write!(s, "  blocked by {blocked}");
    }
    if card.archived {
        s.push_str("  (archived)");
    }
    if let Some(c) = card.claim.as_ref().filter(|c| c.is_live(now)) {
        let _ = write!(s, "  claimed by {}", one_line(&c.describe()));
    }
    s
}

fn scalar(v: &Option<Value>) -> String {
    match v {
        None => "—".into(),
        Some(v) => one_line(&crate::ops::clean_line(&value_text(v), 200)),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// Every field of a card, for people; `links` (its links both ways, see
/// `cli::links`) goes after its own fields. Its claim is read at `now`.
pub fn show_text(config: &BoardConfig, card: &Card, links: &str, now: i64) -> String {
    let mut out = String::new();
    let lane = config
        .lane(&card.lane)
        .map(|l| l.title.clone())
        .unwrap_or_else(|| format!("{} (unknown lane)", card.lane));
    let _ = writeln!(out, "{}  {}", card.id, one_line(&card.title));
    let _ = writeln!(out, "lane:       {}", one_line(&lane));
    let _ = writeln!(out, "kind:       {}", one_line(&card.kind));
    if !card.labels.is_empty() {
        let _ = writeln!(out, "labels:     {}", one_line(&card.labels.join(", ")));
    }
    if !card.assignees.is_empty() {
        let _ = writeln!(out, "assignees:  {}", one_line(&card.assignees.join(", ")));
    }
    if let Some(c) = &card.created {
        let _ = writeln!(out, "created:    {}", one_line(c));
    }
    if let Some(d) = &card.due {
        let overdue = if card.is_overdue(date::today()) {
            " (overdue)"
        } else {
            ""
        };
        let _ = writeln!(out, "due:        {}{overdue}", one_line(d));
    }
    if card.archived {
        let _ = writeln!(out, "archived:   yes");
    }
    if let Some(c) = &card.claim {
        let since = crate::model::claim::minute(c.at_secs());
        if c.is_live(now) {
            let _ = writeln!(
                out,
                "claimed:    by {} (since {since})",
                one_line(&c.describe())
            );
        } else {
            let _ = writeln!(
                out,
                "claim:      expired ({}, taken {since}); the card is free",
                one_line(&c.describe())
            );
        }
    }
    out.push_str(links);
    if let Some(h) = &card.hypothesis {
        let _ = writeln!(out, "\nHypothesis  [{}]", h.verdict);
        if let Some(s) = &h.statement {
            let _ = writeln!(out, "  {}", visible(s, true).replace('\n', "\n  "));
        }
        let dir = h
            .direction
            .map(|d| format!(" ({} is better)", d.as_str()))
            .unwrap_or_default();
        if let Some(m) = &h.metric {
            let _ = writeln!(out, "  metric:   {}{dir}", one_line(m));
        }
        if let Some(k) = &h.metric_key {
            let _ = writeln!(out, "  key:      {} (as the tracker logs it)", one_line(k));
        }
        let _ = writeln!(
            out,
            "  baseline {} -> target {} -> result {}",
            scalar(&h.baseline),
            scalar(&h.target),
            scalar(&h.result)
        );
        if let Some(r) = &h.rationale {
            let _ = writeln!(
                out,
                "  because:  {}",
                visible(r, true).replace('\n', "\n            ")
            );
        }
        if let Some(d) = crate::evidence::verdict::disagreement(h) {
            let _ = writeln!(out, "  ! {d}, and no reason is given");
        }
    }
    if let Some(e) = &card.experiment {
        let _ = writeln!(out, "\nExperiment");
        for r in &e.runs {
            let _ = writeln!(out, "  run:      {}", one_line(r));
        }
        for (k, v) in [
            ("dataset", &e.dataset),
            ("model", &e.model),
            ("commit", &e.commit),
        ] {
            if let Some(v) = v {
                let _ = writeln!(out, "  {k:<9} {}", one_line(v));
            }
        }
        if e.cost.is_some() {
            let _ = writeln!(out, "  cost:     {}", scalar(&e.cost));
        }
    }
    if let Some(d) = &card.decision {
        let _ = writeln!(out, "\nDecision");
        if let Some(s) = &d.statement {
            let _ = writeln!(out, "  {}", visible(s, true).replace('\n', "\n  "));
        }
        if let Some(by) = &d.decided_by {
            let _ = writeln!(out, "  by:       {}", one_line(by));
        }
        if let Some(at) = &d.decided_at {
            let _ = writeln!(out, "  at:       {}", one_line(at));
        }
    }
    let fields = config.fields.shown(&card.fields);
    if !fields.is_empty() {
        let _ = writeln!(out, "\nFields");
        let w = fields
            .iter()
            .map(|(l, ..)| l.chars().count())
            .max()
            .unwrap_or(0)
            + 1;
        for (label, value, from) in &fields {
            let _ = writeln!(
                out,
                "  {:<w$} {}{}",
                format!("{}:", one_line(label)),
                one_line(value),
                from.note()
            );
        }
    }
    if !card.checklist.is_empty() {
        let (done, total) = card.checklist_progress();
        let _ = writeln!(out, "\nChecklist  {done}/{total}");
        for item in &card.checklist {
            let mark = if item.done { "x" } else { " " };
            let _ = writeln!(out, "  [{mark}] {}", one_line(&item.text));
        }
    }
    if !card.journal.is_empty() {
        let _ = writeln!(out, "\nJournal");
        for j in &card.journal {
            let _ = writeln!(out, "  {}  {}", one_line(&j.at), one_line(&j.by));
            let _ = writeln!(
                out,
                "    {}",
                visible(&j.text, true).replace('\n', "\n    ")
            );
        }
    }
    if let Some(b) = &card.body {
        let _ = writeln!(out, "\n{}", visible(b, true).trim_end());
    }
    let conflicts = crate::ops::resolve::recorded(card);
    if !conflicts.is_empty() {
        let _ = writeln!(
            out,
            "\nConflicts ({}): settle with `lanes resolve {} FIELD --take kept|other|VALUE`",
            conflicts.len(),
            card.short_id()
        );
        for c in &conflicts {
            let _ = writeln!(out, "  {}", one_line(&c.field));
            for (label, side) in [("kept: ", &c.kept), ("other:", &c.other)] {
                let _ = writeln!(
                    out,
                    "    {label} {}  ({})",
                    one_line(&crate::ops::clean_line(&scalar_or_yaml(&side.value), 200)),
                    one_line(&side_origin(side))
                );
            }
        }
    }
    let others: Vec<_> = card
        .extra
        .iter()
        .filter(|(k, _)| conflicts.is_empty() || k.as_str() != Some("conflicts"))
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "\nOther fields");
        for (k, v) in others {
            let _ = writeln!(
                out,
                "  {}: {}",
                one_line(&value_text(k)),
                one_line(&crate::ops::clean_line(&value_text(v), 200))
            );
        }
    }
    out
}

/// A conflict side's value on one line: text as it is, anything else as
/// YAML flow (`{lane: modeling, rank: i3}`).
fn scalar_or_yaml(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::Null => "(removed)".to_string(),
        serde_yaml::Value::String(s) => s.clone(),
        other => crate::ops::show_value(other),
    }
}

/// `Mei Chen, 2026-12-03 14:05 UTC, commit 1a2b3c4d`: who made a
/// conflict's side, as recorded.
fn side_origin(side: &crate::ops::resolve::Side) -> String {
    let mut parts = vec![if side.by.is_empty() {
        "unknown".to_string()
    } else {
        side.by.clone()
    }];
    if let Some(at) = &side.at {
        parts.push(match date::parse_timestamp(at) {
            Some(secs) => {
                let t = date::format_timestamp(secs);
                format!("{} {} UTC", &t[..10], &t[11..16])
            }
            None => at.clone(),
        });
    }
    if let Some(c) = &side.commit {
        parts.push(format!("commit {c}"));
    }
    parts.join(", ")
}
