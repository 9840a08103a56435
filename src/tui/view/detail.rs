//! Every field of the selected card, scrollable.

use crate::model::text::for_grid;
use crate::model::Card;
use crate::tui::app::App;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use serde_yaml::Value;

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "—".into(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim_end()
            .to_string(),
    }
}

fn opt(v: &Option<Value>) -> String {
    v.as_ref().map(value_text).unwrap_or_else(|| "—".into())
}

/// Where the result came from, and whether its verdict is stale.
fn evidence_lines(app: &App, card: &Card) -> Vec<Line<'static>> {
    let t = &app.theme;
    let field = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<11}"), t.muted()),
            Span::raw(for_grid(&v).into_owned()),
        ])
    };
    let Some(ev) = card.hypothesis.as_ref().and_then(|h| h.evidence()) else {
        return Vec::new();
    };
    let mut out = vec![
        Line::raw(""),
        Line::from(Span::styled("Evidence", t.accent())),
    ];
    let e = match ev {
        Ok(e) => e,
        Err(err) => {
            out.push(Line::from(Span::styled(
                format!("  cannot be read: {}", for_grid(&err.to_string())),
                t.error(),
            )));
            return out;
        }
    };
    out.push(field("source", e.source.clone()));
    let step = e.step.map(|s| format!(" at step {s}")).unwrap_or_default();
    out.push(field("value", format!("{} = {}{step}", e.metric, e.value)));
    if let (Some("name"), Some(m)) = (
        e.metric_from.as_deref(),
        card.hypothesis.as_ref().and_then(|h| h.metric.as_ref()),
    ) {
        out.push(field(
            "",
            format!("(the run's key for {m}, by MLflow's name rules)"),
        ));
    }
    if e.verdict.is_none() {
        if let Some(h) = card
            .hypothesis
            .as_deref()
            .filter(|h| h.verdict != crate::model::Verdict::Open)
        {
            out.push(field("verdict", format!("{} given by hand", h.verdict)));
        }
    }
    if let Some(r) = &e.run_time {
        out.push(field("run time", r.clone()));
    }
    if let Some(c) = &e.commit {
        let from = if e.commit_from.as_deref() == Some("head") {
            " (HEAD when recorded)"
        } else {
            ""
        };
        out.push(field("commit", format!("{}{from}", &c[..c.len().min(12)])));
    }
    if !e.params.is_empty() {
        let p: Vec<String> = e.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push(field("params", p.join(" ")));
    }
    for (p, h) in &e.data {
        out.push(field("data", format!("{p} {}", &h[..h.len().min(12)])));
    }
    if let Some(why) = app.stale.get(&card.id) {
        out.push(Line::from(Span::styled(
            "  ⚠ stale: the verdict may no longer hold".to_string(),
            t.error(),
        )));
        for w in why {
            out.push(Line::from(Span::styled(
                format!("    {}", for_grid(w)),
                t.error(),
            )));
        }
    }
    out
}

/// The card as lines of text, untrusted text made visible.
pub fn lines(app: &App, card: &Card) -> Vec<Line<'static>> {
    let t = &app.theme;
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let head = |s: &str| Line::from(Span::styled(s.to_string(), t.accent()));
    let field = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<11}"), t.muted()),
            Span::raw(for_grid(&v).into_owned()),
        ])
    };
    let mut out = vec![Line::from(Span::styled(
        for_grid(&card.title).into_owned(),
        bold,
    ))];
    let lane = app
        .board
        .config
        .lane(&card.lane)
        .map(|l| l.title.clone())
        .unwrap_or_else(|| format!("{} (unknown lane)", card.lane));
    out.push(field("id", card.id.clone()));
    out.push(field("lane", lane));
    out.push(field("kind", card.kind.clone()));
    if !card.labels.is_empty() {
        out.push(field("labels", card.labels.join(", ")));
    }
    if !card.assignees.is_empty() {
        out.push(field("assignees", card.assignees.join(", ")));
    }
    if let Some(c) = &card.created {
        out.push(field("created", c.clone()));
    }
    if let Some(d) = &card.due {
        let mut l = field("due", d.clone());
        if card.is_overdue(app.today) {
            l.spans.push(Span::styled("  overdue", t.error()));
        }
        out.push(l);
    }
    if card.archived {
        out.push(field("archived", "yes".into()));
    }
    // Who works on it (`lanes claim`), as `lanes show` says it.
    if let Some(c) = &card.claim {
        let since = crate::model::claim::minute(c.at_secs());
        if c.is_live(app.wall) {
            out.push(field(
                "claimed",
                format!("by {} (since {since})", c.describe()),
            ));
        } else {
            let mut l = field(
                "claim",
                format!(
                    "expired ({}, taken {since}); the card is free",
                    c.describe()
                ),
            );
            l.spans[1].style = t.muted();
            out.push(l);
        }
    }
    out.extend(super::links::detail_lines(
        app,
        card,
        usize::from(app.size.width).saturating_sub(8),
    ));
    if let Some(h) = &card.hypothesis {
        out.push(Line::raw(""));
        out.push(Line::from(vec![
            Span::styled("Hypothesis  ", t.accent()),
            Span::styled(h.verdict.to_string(), t.verdict(h.verdict)),
        ]));
        if let Some(s) = &h.statement {
            for l in s.split('\n').map(for_grid) {
                out.push(Line::raw(format!("  {l}")));
            }
        }
        if let Some(m) = &h.metric {
            let dir = h
                .direction
                .map(|d| format!(" ({} is better)", d.as_str()))
                .unwrap_or_default();
            out.push(field("metric", format!("{m}{dir}")));
        }
        if let Some(k) = &h.metric_key {
            out.push(field("key", format!("{k} (as the tracker logs it)")));
        }
        out.push(field(
            "baseline",
            format!(
                "{} → target {} → result {}",
                opt(&h.baseline),
                opt(&h.target),
                opt(&h.result)
            ),
        ));
        if let Some(r) = &h.rationale {
            out.push(field("because", r.clone()));
        }
        if let Some(d) = crate::evidence::verdict::disagreement(h) {
            out.push(Line::from(Span::styled(
                format!("  ⚠ {d}, and no reason is given"),
                t.error(),
            )));
        }
        for (k, v) in &h.extra {
            if k.as_str() == Some(crate::model::evidence::KEY) {
                continue;
            }
            out.push(field(&value_text(k), value_text(v)));
        }
        out.extend(evidence_lines(app, card));
    }
    if let Some(e) = &card.experiment {
        out.push(Line::raw(""));
        out.push(head("Experiment"));
        for r in &e.runs {
            out.push(field("run", r.clone()));
        }
        for (k, v) in [
            ("dataset", &e.dataset),
            ("model", &e.model),
            ("commit", &e.commit),
        ] {
            if let Some(v) = v {
                out.push(field(k, v.clone()));
            }
        }
        if e.cost.is_some() {
            out.push(field("cost", opt(&e.cost)));
        }
        for (k, v) in &e.extra {
            out.push(field(&value_text(k), value_text(v)));
        }
    }
    if card.decision.is_some() || !card.rests_on.is_empty() {
        out.push(Line::raw(""));
        out.push(head("Decision"));
        if let Some(d) = &card.decision {
            if let Some(s) = &d.statement {
                for l in s.split('\n').map(for_grid) {
                    out.push(Line::raw(format!("  {l}")));
                }
            }
            if let Some(by) = &d.decided_by {
                out.push(field("decided by", by.clone()));
            }
            if let Some(at) = &d.decided_at {
                out.push(field("decided at", at.clone()));
            }
        }
        // What it rests on, as those cards stand now.
        for id in &card.rests_on {
            let short = crate::model::id::short(id).to_string();
            let mut l = match app.board.card(id) {
                Some(c) => field("rests on", format!("{short} {}", c.title)),
                None => field("rests on", format!("{short} (not on this board)")),
            };
            if let Some(v) = app.board.card(id).and_then(Card::verdict) {
                l.spans.push(Span::raw("  "));
                l.spans.push(Span::styled(v.to_string(), t.verdict(v)));
            }
            out.push(l);
        }
    }
    let fields = app.board.config.fields.shown(&card.fields);
    if !fields.is_empty() {
        out.push(Line::raw(""));
        out.push(head("Fields"));
        for (label, value, from) in fields {
            let mut l = field(&label, value);
            if !from.note().is_empty() {
                l.spans.push(Span::styled(from.note(), t.muted()));
            }
            out.push(l);
        }
    }
    if !card.checklist.is_empty() {
        let (done, total) = card.checklist_progress();
        out.push(Line::raw(""));
        out.push(Line::from(vec![
            Span::styled(format!("Checklist {done}/{total}"), t.accent()),
            Span::styled(
                format!(
                    "  {} ticks items",
                    app.keymap.hint(crate::tui::command::KeyCommand::Checklist)
                ),
                t.muted(),
            ),
        ]));
        for item in &card.checklist {
            let mark = if item.done { "[x] " } else { "[ ] " };
            out.push(Line::raw(format!("  {mark}{}", for_grid(&item.text))));
        }
    }
    if !card.journal.is_empty() {
        out.push(Line::raw(""));
        out.push(head("Journal"));
        for j in &card.journal {
            out.push(Line::from(vec![
                Span::styled(format!("  {}  ", for_grid(&j.at)), t.muted()),
                Span::styled(for_grid(&j.by).into_owned(), bold),
            ]));
            for l in j.text.split('\n').map(for_grid) {
                out.push(Line::raw(format!("    {l}")));
            }
        }
    }
    if let Some(b) = &card.body {
        out.push(Line::raw(""));
        out.push(head("Notes"));
        for l in b.split('\n').map(for_grid) {
            out.push(Line::raw(format!("  {l}")));
        }
    }
    let conflicts = crate::ops::resolve::recorded(card);
    if !conflicts.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::from(vec![
            Span::styled(
                format!("Conflicts recorded by a sync ({})", conflicts.len()),
                t.error(),
            ),
            Span::styled(
                format!(
                    "  {} resolves them",
                    app.keymap.hint(crate::tui::command::KeyCommand::Conflicts)
                ),
                t.muted(),
            ),
        ]));
        for c in &conflicts {
            out.push(Line::raw(format!(
                "  {}: kept {} ({}) · other {} ({})",
                for_grid(&c.field),
                for_grid(&crate::ops::brief(&c.kept.value)),
                for_grid(&c.kept.who()),
                for_grid(&crate::ops::brief(&c.other.value)),
                for_grid(&c.other.who())
            )));
        }
    }
    let others: Vec<_> = card
        .extra
        .iter()
        .filter(|(k, _)| conflicts.is_empty() || k.as_str() != Some("conflicts"))
        .collect();
    if !others.is_empty() {
        out.push(Line::raw(""));
        out.push(head("Other fields"));
        for (k, v) in others {
            let text = value_text(v);
            for (i, l) in text.split('\n').map(for_grid).enumerate() {
                let key = if i == 0 { value_text(k) } else { String::new() };
                out.push(field(&key, l.to_string()));
            }
        }
    }
    out
}
