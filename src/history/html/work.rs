//! The sections on the work itself: loop-backs, aging work in progress,
//! what needs attention, and who did what.

use super::{esc, plural, Page};
use crate::history::flow::human;
use crate::history::svg::{self, num, Path, Scale};
use crate::model::cost::show_amount;
use serde_json::Value as Json;
use std::fmt::Write;

pub(super) fn loop_backs(p: &mut Page) {
    let r = p.r;
    if r.loop_backs.is_empty() {
        p.out
            .push_str("<p>No card moved back to an earlier lane in this period.</p>\n");
        return;
    }
    let total: usize = r.loop_backs.iter().map(|l| l.count).sum();
    let _ = writeln!(
        p.out,
        "<p>Cards moved back to an earlier lane: {} in all. In research this is normal (modeling sends work back to data preparation); many loops between the same lanes are worth a look.</p>",
        total
    );
    let lanes: Vec<&str> = r.lane_counts.iter().map(|l| l.lane.as_str()).collect();
    let (w, h, pad) = (720.0, 260.0, 60.0);
    let base = h - 62.0;
    let x = Scale::new(0.0, (lanes.len().max(2) - 1) as f64, pad, w - pad);
    let pos = |lane: &str| {
        lanes
            .iter()
            .position(|l| *l == lane)
            .map(|i| x.at(i as f64))
    };
    let max = r
        .loop_backs
        .iter()
        .map(|l| l.count)
        .max()
        .unwrap_or(1)
        .max(1);
    p.out.push_str("<div class=\"row\"><figure>");
    p.svg_open(
        w,
        h,
        "Loop-backs: moves to an earlier lane",
        "Lanes in board order along the bottom; each arc goes from the lane a card left back to the lane it returned to, thicker for more moves.",
    );
    let _ = write!(
        p.out,
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"11\" markerHeight=\"11\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10Z\" fill=\"#3a4352\"/></marker></defs>"
    );
    let mut axis = Path::new();
    axis.move_to(pad, base).line_to(w - pad, base);
    let _ = write!(p.out, "<path class=\"axis\" d=\"{}\"/>", axis.as_str());
    for (i, l) in r.loop_backs.iter().enumerate() {
        let (Some(x1), Some(x2)) = (pos(&l.from_lane), pos(&l.to_lane)) else {
            continue;
        };
        let mut arc = Path::new();
        let max_rise = base - 8.0 - 24.0;
        arc.arc(x1, x2, base - 8.0, max_rise);
        let width = 1.5 + 7.0 * l.count as f64 / max as f64;
        let color = p.lane(&l.from_lane);
        p.series(
            &arc,
            &format!(
                "fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" stroke-opacity=\"0.8\" marker-end=\"url(#arrow)\"",
                esc(&color),
                num(width)
            ),
            &format!("{} → {}: {}", l.from, l.to, plural(l.count, "move", "moves")),
        );
        let mid = (x1 + x2) / 2.0;
        let rise = ((x1 - x2).abs() / 2.0).min(max_rise);
        p.label(
            mid,
            base - 8.0 - rise - 4.0 - (i % 2) as f64 * 11.0,
            "middle",
            &l.count.to_string(),
        );
    }
    for (i, l) in r.lane_counts.iter().enumerate() {
        let cx = x.at(i as f64);
        let mut dot = Path::new();
        dot.dot(cx, base, 6.0);
        let color = p.lane(&l.lane);
        p.series(&dot, &format!("fill=\"{}\"", esc(&color)), &l.title);
        // Titles on up to two lines.
        let words: Vec<&str> = l.title.split_whitespace().collect();
        let (a, b) = if words.len() > 1 {
            let half = words.len().div_ceil(2);
            (words[..half].join(" "), words[half..].join(" "))
        } else {
            (l.title.clone(), String::new())
        };
        p.label(cx, base + 22.0, "middle", &a);
        if !b.is_empty() {
            p.label(cx, base + 35.0, "middle", &b);
        }
    }
    p.out.push_str("</svg>");
    let legend: Vec<(String, String)> = r
        .lane_counts
        .iter()
        .map(|l| (p.lane(&l.lane), format!("from {}", l.title)))
        .collect();
    p.legend(&legend);
    p.out.push_str("</figure>\n<div class=\"side\"><table><thead><tr><th>From</th><th>Back to</th><th class=\"n\">Moves</th></tr></thead><tbody>");
    for (i, l) in r.loop_backs.iter().enumerate() {
        let _ = write!(
            p.out,
            "<tr><td>{}</td><td>{}</td>",
            esc(&l.from),
            esc(&l.to)
        );
        p.num_cell(
            &ptr!("loop_backs", i, "count"),
            l.count,
            &l.count.to_string(),
        );
        p.out.push_str("</tr>");
    }
    p.out.push_str("</tbody></table></div></div>\n");
}

/// At most this many cards are listed by name as stuck (the JSON has all).
const STUCK_LISTED: usize = 50;

pub(super) fn aging(p: &mut Page) {
    let r = p.r;
    if r.aging.is_empty() {
        p.out.push_str("<p>No card is in progress.</p>\n");
        return;
    }
    p.out.push_str("<p>Each dot is a card in progress: how long it has been in its lane, against the dashed line of the lane's 85th percentile (85% of visits to the lane ended sooner). A dot above its line is stuck before it is late.</p>\n");
    let lanes: Vec<usize> = (0..r.aging_lanes.len()).collect();
    let day = 86_400.0;
    let max = r
        .aging
        .iter()
        .map(|a| a.aging.age)
        .chain(r.aging_lanes.iter().filter_map(|l| l.lane_p85))
        .max()
        .unwrap_or(0) as f64
        / day;
    let (w, h, left, right, top, bottom) = (720.0, 300.0, 48.0, 12.0, 10.0, 42.0);
    let ticks = svg::ticks(max.max(1.0), 5);
    let y = Scale::new(0.0, *ticks.last().unwrap_or(&1.0), h - bottom, top);
    let band = (w - left - right) / lanes.len().max(1) as f64;
    p.out.push_str("<div class=\"row\"><figure>");
    p.svg_open(
        w,
        h,
        "Aging work in progress against each lane's 85th percentile",
        "One column per lane with work in progress; dots are cards by days in the lane, dashed lines the lane's 85th-percentile time in lane.",
    );
    p.y_axis(&y, &ticks, left, w - right, &|t| {
        format!("{}d", show_amount(t))
    });
    for (k, &li) in lanes.iter().enumerate() {
        let lane = &r.aging_lanes[li];
        let color = p.lane(&lane.lane);
        let x0 = left + band * k as f64;
        let (mut ok, mut over) = (Path::new(), Path::new());
        for (j, a) in r
            .aging
            .iter()
            .filter(|a| a.aging.lane == lane.lane)
            .enumerate()
        {
            // Spread the dots across the column, the same way every time.
            let jitter = ((j as f64 * 0.618_034) % 1.0 - 0.5) * band * 0.6;
            let cx = x0 + band / 2.0 + jitter;
            let cy = y.at(a.aging.age as f64 / day);
            if a.aging.over_p85 {
                over.dot(cx, cy, 4.0);
            } else {
                ok.dot(cx, cy, 3.2);
            }
        }
        let within = lane.cards - lane.over_p85;
        p.series(
            &ok,
            &format!("fill=\"{}\" fill-opacity=\"0.7\"", esc(&color)),
            &format!(
                "{}: {} within the 85th percentile",
                lane.title,
                plural(within, "card", "cards")
            ),
        );
        p.series(
            &over,
            &format!(
                "fill=\"{}\" stroke=\"#c0392b\" stroke-width=\"2\"",
                esc(&color)
            ),
            &format!(
                "{}: {} past the 85th percentile",
                lane.title,
                plural(lane.over_p85, "card", "cards")
            ),
        );
        if let Some(p85) = lane.lane_p85 {
            let mut line = Path::new();
            let py = y.at(p85 as f64 / day);
            line.move_to(x0 + band * 0.12, py)
                .line_to(x0 + band * 0.88, py);
            p.series(
                &line,
                "stroke=\"#c0392b\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\" fill=\"none\"",
                &format!("{}: 85th percentile {}", lane.title, human(p85)),
            );
        }
        let title = &lane.title;
        let words: Vec<&str> = title.split_whitespace().collect();
        let (a, b) = if words.len() > 1 {
            let half = words.len().div_ceil(2);
            (words[..half].join(" "), words[half..].join(" "))
        } else {
            (title.clone(), String::new())
        };
        p.label(x0 + band / 2.0, h - bottom + 15.0, "middle", &a);
        if !b.is_empty() {
            p.label(x0 + band / 2.0, h - bottom + 28.0, "middle", &b);
        }
    }
    let _ = write!(
        p.out,
        "<path class=\"axis\" d=\"M{left} {b}H{r}\"/></svg>",
        b = num(h - bottom),
        r = num(w - right)
    );
    let mut legend: Vec<(String, String)> = r
        .aging_lanes
        .iter()
        .map(|l| (p.lane(&l.lane), l.title.clone()))
        .collect();
    legend.push((
        "#c0392b".into(),
        "85th percentile (dashed); ringed: past it".into(),
    ));
    p.legend(&legend);
    p.out.push_str("</figure>\n<div class=\"side\"><table><thead><tr><th>Lane</th><th class=\"n\">Cards</th><th class=\"n\">Past p85</th><th class=\"n\">p85</th><th class=\"n\">Oldest</th></tr></thead><tbody>");
    for (i, l) in r.aging_lanes.iter().enumerate() {
        let _ = write!(p.out, "<tr><td>{}</td>", esc(&l.title));
        p.num_cell(
            &ptr!("aging_lanes", i, "cards"),
            l.cards,
            &l.cards.to_string(),
        );
        p.num_cell(
            &ptr!("aging_lanes", i, "over_p85"),
            l.over_p85,
            &l.over_p85.to_string(),
        );
        p.secs_cell(&ptr!("aging_lanes", i, "lane_p85"), l.lane_p85);
        p.secs_cell(&ptr!("aging_lanes", i, "oldest"), Some(l.oldest));
        p.out.push_str("</tr>");
    }
    p.out.push_str("</tbody></table></div></div>\n");
    let stuck: Vec<(usize, &crate::history::report::AgingCard)> = r
        .aging
        .iter()
        .enumerate()
        .filter(|(_, a)| a.aging.over_p85)
        .collect();
    if stuck.is_empty() {
        p.out.push_str(
            "<p>No card has been in its lane longer than the lane's 85th percentile.</p>\n",
        );
        return;
    }
    let _ = write!(
        p.out,
        "<h3>Past their lane's 85th percentile ({})</h3>\n<table><thead><tr><th>Card</th><th>Lane</th><th class=\"n\">In lane for</th><th class=\"n\">85th pct</th><th>Since</th></tr></thead><tbody>",
        stuck.len()
    );
    for (i, a) in stuck.iter().take(STUCK_LISTED) {
        let chips = p.chips(&a.labels);
        let _ = write!(
            p.out,
            "<tr><td><span class=\"id\">{}</span> {} {chips}</td><td>{}</td>",
            esc(crate::model::id::short(&a.aging.card)),
            esc(&a.title),
            esc(&p.lane_title(&a.aging.lane)),
        );
        p.secs_cell(&ptr!("aging", i, "age"), Some(a.aging.age));
        p.secs_cell(&ptr!("aging", i, "lane_p85"), a.aging.lane_p85);
        let _ = write!(
            p.out,
            "<td>{}</td></tr>",
            esc(&a.aging.since[..10.min(a.aging.since.len())])
        );
    }
    p.out.push_str("</tbody></table>\n");
    if stuck.len() > STUCK_LISTED {
        let _ = writeln!(
            p.out,
            "<p class=\"muted\">and {} more (every one is in <code>lanes report --format json</code>).</p>",
            stuck.len() - STUCK_LISTED
        );
    }
}

pub(super) fn attention(p: &mut Page) {
    let r = p.r;
    if r.overdue_cards.is_empty() && r.over_wip_lanes.is_empty() {
        p.out
            .push_str("<p>Nothing overdue, no lane over its WIP limit.</p>\n");
        return;
    }
    p.out.push_str("<ul>");
    for o in &r.overdue_cards {
        let _ = write!(
            p.out,
            "<li><span class=\"over\">Overdue since {}</span>: <span class=\"id\">{}</span> {}</li>",
            esc(&o.due),
            esc(crate::model::id::short(&o.id)),
            esc(&o.title)
        );
    }
    for (i, l) in r.over_wip_lanes.iter().enumerate() {
        let _ = write!(
            p.out,
            "<li>{} holds {} cards, over its limit of {}</li>",
            esc(&l.title),
            p.figure(
                &ptr!("over_wip_lanes", i, "cards"),
                l.cards,
                &l.cards.to_string()
            ),
            p.figure(
                &ptr!("over_wip_lanes", i, "wip"),
                l.wip.map_or(Json::Null, Json::from),
                &l.wip.map_or("—".into(), |w| w.to_string())
            ),
        );
    }
    p.out.push_str("</ul>\n");
}

pub(super) fn people(p: &mut Page) {
    let r = p.r;
    if r.people.is_empty() {
        p.out
            .push_str("<p>Nobody changed the board in this period.</p>\n");
        return;
    }
    p.out.push_str(
        "<table><thead><tr><th>Who</th><th>Board changes in the period</th></tr></thead><tbody>",
    );
    for (who, actions) in &r.people {
        let list: Vec<String> = actions
            .iter()
            .map(|(a, n)| {
                format!(
                    "{} {}",
                    p.figure(&ptr!("people", who, a), *n, &n.to_string()),
                    esc(a)
                )
            })
            .collect();
        let _ = write!(
            p.out,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(who),
            list.join(", ")
        );
    }
    p.out.push_str("</tbody></table>\n");
}
