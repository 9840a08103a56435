//! The hypotheses tested in the period, what was learned, and the work
//! resting on refuted premises.

use super::{esc, Page};
use crate::history::report::HypothesisRow;
use crate::model::date;
use serde_json::Value as Json;
use std::fmt::Write;

/// The statement of a hypothesis, else its title.
fn statement(h: &HypothesisRow) -> &str {
    if h.statement.trim().is_empty() {
        &h.title
    } else {
        &h.statement
    }
}

/// The value a hypothesis has for `which`, as a cell.
fn value_cell(p: &mut Page, at: &str, which: &str, shown: &str, typed: &Json) {
    let text = if shown.is_empty() { "—" } else { shown };
    p.num_cell(&format!("{at}/values/{which}"), typed.clone(), text);
}

/// The run behind a result, as HTML: its id, when, and the code commit.
fn run_html(h: &HypothesisRow) -> String {
    match &h.run {
        Some(run) => {
            let mut s = format!("<code>{}</code>", esc(&run.source));
            if let Some(t) = &run.run_time {
                let _ = write!(
                    s,
                    "<br><span class=\"muted\">ran {}</span>",
                    esc(&t.replace('T', " ").replace('Z', " UTC"))
                );
            }
            if let Some(c) = &run.commit {
                let short = &c[..c.len().min(10)];
                let _ = write!(
                    s,
                    "<br><span class=\"muted\">code</span> <code>{}</code>{}",
                    esc(short),
                    if run.commit_from.as_deref() == Some("head") {
                        " <span class=\"muted\">(HEAD when recorded)</span>"
                    } else {
                        ""
                    }
                );
            }
            s
        }
        None if !h.runs.is_empty() => format!(
            "<code>{}</code><br><span class=\"muted\">(recorded by hand)</span>",
            esc(&h.runs.join(", "))
        ),
        None => "<span class=\"muted\">—</span>".to_string(),
    }
}

fn verdict_html(h: &HypothesisRow) -> String {
    let class = match h.verdict.as_str() {
        "supported" | "refuted" | "inconclusive" => h.verdict.as_str(),
        _ => "open",
    };
    let mut s = format!("<span class=\"v {class}\">{}</span>", esc(&h.verdict));
    if h.stale {
        let _ = write!(
            s,
            "<br><span class=\"stale\" title=\"{}\">⚠ stale: {}</span>",
            esc(&h.stale_why.join("; ")),
            esc(&h.stale_why.join("; "))
        );
    }
    s
}

pub(super) fn hypotheses(p: &mut Page) {
    let r = p.r;
    if r.tested.is_empty() {
        p.out
            .push_str("<p>No hypothesis got a verdict in this period.</p>\n");
    } else {
        let n = p.count("/tested", r.tested.len());
        let _ = write!(
            p.out,
            "<p>{n} hypotheses got a verdict in the period: what was predicted (baseline → target), what came out, and the run it came from.</p>\n\
             <div class=\"side\"><table class=\"wide\"><thead><tr><th>Hypothesis</th><th>Metric</th><th class=\"n\">Baseline</th><th class=\"n\">Target</th><th class=\"n\">Result</th><th>Verdict</th><th>Why</th><th>Run</th></tr></thead><tbody>\n"
        );
        for (i, h) in r.tested.iter().enumerate() {
            let at = ptr!("tested", i);
            let chips = p.chips(&h.labels);
            let _ = write!(
                p.out,
                "<tr><td class=\"hyp\"><span class=\"id\">{}</span> <b>{}</b> {chips}<div class=\"text\">{}</div></td><td>{}</td>",
                esc(crate::model::id::short(&h.id)),
                esc(&h.title),
                if h.statement.trim().is_empty() { String::new() } else { esc(&h.statement) },
                esc(&h.metric),
            );
            value_cell(p, &at, "baseline", &h.baseline, &h.values.baseline);
            value_cell(p, &at, "target", &h.target, &h.values.target);
            value_cell(p, &at, "result", &h.result, &h.values.result);
            let _ = writeln!(
                p.out,
                "<td>{}</td><td class=\"text\">{}</td><td>{}</td></tr>",
                verdict_html(h),
                h.rationale
                    .as_deref()
                    .map_or_else(|| "<span class=\"muted\">—</span>".to_string(), esc),
                run_html(h)
            );
        }
        p.out.push_str("</tbody></table></div>\n");
    }
    if !r.stale_verdicts.is_empty() {
        let _ = write!(
            p.out,
            "<h3>Stale verdicts ({})</h3><p>The evidence these verdicts were given from has changed since; re-run or re-record them.</p><ul>",
            r.stale_verdicts.len()
        );
        for s in &r.stale_verdicts {
            let _ = write!(
                p.out,
                "<li><span class=\"id\">{}</span> {} (<span class=\"v\">{}</span>): {}</li>",
                esc(crate::model::id::short(&s.id)),
                esc(&s.title),
                esc(&s.verdict),
                esc(&s.why.join("; "))
            );
        }
        p.out.push_str("</ul>\n");
    }
}

pub(super) fn learned(p: &mut Page) {
    let r = p.r;
    if r.refuted.is_empty() {
        p.out
            .push_str("<p>No hypothesis was refuted in this period.</p>\n");
        return;
    }
    p.out.push_str(
        "<p>Refuted hypotheses are knowledge, not waste: each rules something out.</p>\n<ul>\n",
    );
    for (i, h) in r.refuted.iter().enumerate() {
        let at = ptr!("refuted", i);
        let show = |s: &str| {
            if s.is_empty() {
                "—".to_string()
            } else {
                s.to_string()
            }
        };
        let result = p.figure(
            &format!("{at}/values/result"),
            h.values.result.clone(),
            &show(&h.result),
        );
        let target = p.figure(
            &format!("{at}/values/target"),
            h.values.target.clone(),
            &show(&h.target),
        );
        let baseline = p.figure(
            &format!("{at}/values/baseline"),
            h.values.baseline.clone(),
            &show(&h.baseline),
        );
        let _ = write!(
            p.out,
            "<li><span class=\"text\"><b>{}</b></span> <span class=\"id\">{}</span><br>{} came out at {result} against a target of {target} (baseline {baseline}).",
            esc(statement(h)),
            esc(crate::model::id::short(&h.id)),
            esc(if h.metric.is_empty() { "The metric" } else { &h.metric }),
        );
        if let Some(why) = &h.rationale {
            let _ = write!(p.out, "<br><span class=\"text\">{}</span>", esc(why));
        }
        if h.run.is_some() || !h.runs.is_empty() {
            let _ = write!(
                p.out,
                "<br><span class=\"muted\">From</span> {}",
                run_html(h)
            );
        }
        p.out.push_str("</li>\n");
    }
    p.out.push_str("</ul>\n");
}

/// Cards in progress that wait, directly or through others, on a refuted
/// hypothesis.
pub(super) fn resting(p: &mut Page) {
    let r = p.r;
    if r.resting_on_refuted.is_empty() {
        p.out
            .push_str("<p>Nothing in progress rests on a refuted hypothesis.</p>\n");
        return;
    }
    let n = r.resting_on_refuted.len();
    let count = p.count("/resting_on_refuted", n);
    let _ = write!(
        p.out,
        "<p>{count} {} in progress {} on a hypothesis that was refuted: worth a look before more time goes into {}.</p>\n<ul>\n",
        if n == 1 { "card" } else { "cards" },
        if n == 1 { "rests" } else { "rest" },
        if n == 1 { "it" } else { "them" },
    );
    for w in &r.resting_on_refuted {
        let when = w
            .refuted_on
            .as_deref()
            .and_then(date::parse_timestamp)
            .map(|t| format!(" on {}", date::format_day_long(t.div_euclid(86_400))))
            .unwrap_or_default();
        let through = if w.via.is_empty() {
            String::new()
        } else {
            let via: Vec<String> = w
                .via
                .iter()
                .map(|v| {
                    format!(
                        "<span class=\"id\">{}</span>",
                        esc(crate::model::id::short(v))
                    )
                })
                .collect();
            format!(", through {}", via.join(" and "))
        };
        let _ = writeln!(
            p.out,
            "<li><b>{}</b> <span class=\"id\">{}</span> ({}) rests on <i>{}</i> <span class=\"id\">{}</span>, <span class=\"v refuted\">refuted</span>{}{through}{}</li>",
            esc(&w.title),
            esc(crate::model::id::short(&w.id)),
            esc(&p.lane_title(&w.lane)),
            esc(&w.hypothesis_title),
            esc(crate::model::id::short(&w.hypothesis)),
            esc(&when),
            if w.dead_blocked {
                "; it waits on work that can no longer finish."
            } else {
                "."
            }
        );
    }
    p.out.push_str("</ul>\n");
}
