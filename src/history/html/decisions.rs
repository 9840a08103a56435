//! The Decisions section: what was decided, on what evidence (as those
//! cards stand now), by whom and when, what replaced it, and what moved
//! in its evidence since.

use super::{esc, Page};
use crate::history::decisions::evidence_summary;
use crate::model::id::short;
use std::fmt::Write as _;

pub(super) fn decisions(p: &mut Page) {
    let r = p.r;
    if r.decisions.is_empty() {
        p.out
            .push_str("<p>No decision was recorded in this period.</p>\n");
        return;
    }
    let n = r.decisions.len();
    let count = p.count("/decisions", n);
    let _ = write!(
        p.out,
        "<p>{count} {}, newest first, each with the evidence it rests on as it stands today.</p>\n<ul class=\"decisions\">\n",
        if n == 1 { "decision" } else { "decisions" },
    );
    for d in &r.decisions {
        let mut who = Vec::new();
        if let Some(by) = &d.decided_by {
            who.push(format!("by {}", esc(by)));
        }
        if let Some(at) = &d.decided_at {
            who.push(esc(at));
        }
        let superseded = if d.is_superseded() {
            let by: Vec<String> = d
                .superseded_by
                .iter()
                .map(|s| {
                    format!(
                        "<span class=\"id\">{}</span> {}",
                        esc(short(&s.id)),
                        esc(&s.title)
                    )
                })
                .collect();
            format!(
                " <span class=\"muted\">— superseded by {}</span>",
                by.join(", ")
            )
        } else {
            String::new()
        };
        let _ = write!(
            p.out,
            "<li><b>{}</b> <span class=\"id\">{}</span> <span class=\"muted\">({})</span>{superseded}",
            esc(&d.title),
            esc(short(&d.id)),
            who.join(", ")
        );
        if let Some(s) = &d.statement {
            let _ = write!(p.out, "<br>{}", esc(s));
        }
        if !d.rests_on.is_empty() {
            p.out.push_str("<ul>");
            for e in &d.rests_on {
                let verdict = e
                    .verdict
                    .as_deref()
                    .map(|v| format!(" <span class=\"v {}\">{}</span>", esc(v), esc(v)))
                    .unwrap_or_default();
                let _ = write!(
                    p.out,
                    "<li>rests on <i>{}</i> <span class=\"id\">{}</span>{verdict} <span class=\"muted\">{}</span></li>",
                    esc(&e.title),
                    esc(short(&e.id)),
                    esc(&evidence_summary(e)),
                );
            }
            p.out.push_str("</ul>");
        }
        for f in &d.flags {
            let _ = write!(p.out, "<div class=\"warn\">⚠ {}</div>", esc(&f.text));
        }
        p.out.push_str("</li>\n");
    }
    p.out.push_str("</ul>\n");
}
