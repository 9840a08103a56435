//! The flow sections: where things stand, cumulative flow, time in lane
//! and cycle time, throughput, flow efficiency.

use super::{esc, month_day, plural, Page};
use crate::history::flow::human;
use crate::history::report::{Timing, BUCKETS};
use crate::history::svg::{self, num, Path, Scale};
use crate::model::cost::show_amount;
use crate::model::date;
use serde_json::Value as Json;
use std::fmt::Write;

pub(super) fn where_things_stand(p: &mut Page) {
    let r = p.r;
    let as_of = if r.until.as_str() < date::format_date(date::today()).as_str() {
        format!("at the end of {}", r.until)
    } else {
        "now".to_string()
    };
    let _ = write!(
        p.out,
        "<p>Cards in each lane {}, against its work-in-progress limit.</p>\n<table><thead><tr><th>Lane</th><th class=\"n\">Cards</th><th class=\"n\">WIP limit</th><th></th></tr></thead><tbody>\n",
        esc(&as_of)
    );
    for (i, l) in r.lane_counts.iter().enumerate() {
        p.out.push_str("<tr><td>");
        let c = p.lane(&l.lane);
        p.swatch(&c);
        let _ = write!(
            p.out,
            "{}{}</td>",
            esc(&l.title),
            if l.done {
                " <span class=\"muted\">(done)</span>"
            } else {
                ""
            }
        );
        p.num_cell(
            &ptr!("lane_counts", i, "cards"),
            l.cards,
            &l.cards.to_string(),
        );
        match l.wip {
            Some(w) => p.num_cell(&ptr!("lane_counts", i, "wip"), w, &w.to_string()),
            None => p.num_cell(&ptr!("lane_counts", i, "wip"), Json::Null, "—"),
        }
        let over = l.wip.is_some_and(|w| l.cards > w as usize);
        let _ = writeln!(
            p.out,
            "<td>{}</td></tr>",
            if over {
                "<span class=\"over\">over its limit</span>"
            } else {
                ""
            }
        );
    }
    p.out.push_str("</tbody></table>\n");
}

pub(super) fn cumulative_flow(p: &mut Page) {
    let r = p.r;
    let days = &r.cumulative_flow;
    if days.is_empty() {
        p.out.push_str("<p>No history in this period.</p>\n");
        return;
    }
    let lanes: Vec<(&str, &str)> = r
        .lane_counts
        .iter()
        .map(|l| (l.lane.as_str(), l.title.as_str()))
        .collect();
    let count = |d: usize, lane: &str| days[d].lanes.get(lane).copied().unwrap_or(0);
    let total = |d: usize| lanes.iter().map(|(l, _)| count(d, l)).sum::<usize>();
    let max = (0..days.len()).map(total).max().unwrap_or(0).max(1);
    let (w, h, left, right, top, bottom) = (720.0, 300.0, 44.0, 12.0, 10.0, 30.0);
    let n = days.len();
    let x = Scale::new(0.0, (n.max(2) - 1) as f64, left, w - right);
    let ticks = svg::ticks(max as f64, 5);
    let y = Scale::new(0.0, *ticks.last().unwrap_or(&1.0), h - bottom, top);
    p.out.push_str("<div class=\"row\"><figure>");
    p.svg_open(
        w,
        h,
        "Cumulative flow: cards per lane each day",
        &format!(
            "Stacked areas from {} to {}, the last lane at the bottom; the table beside gives the numbers.",
            days[0].date,
            days[n - 1].date
        ),
    );
    p.y_axis(&y, &ticks, left, w - right, &|t| show_amount(t));
    // Stacked from the last lane up.
    let xs = |d: usize| {
        if n == 1 {
            x.at(d as f64 + 0.5)
        } else {
            x.at(d as f64)
        }
    };
    let mut below = vec![0usize; n];
    for (lane, title) in lanes.iter().rev() {
        let mut d_path = Path::new();
        let tops: Vec<usize> = (0..n).map(|d| below[d] + count(d, lane)).collect();
        let single = n == 1;
        for (d, top) in tops.iter().enumerate() {
            let px = if single { left } else { xs(d) };
            if d == 0 {
                d_path.move_to(px, y.at(*top as f64));
            } else {
                d_path.line_to(px, y.at(*top as f64));
            }
        }
        if single {
            d_path.line_to(w - right, y.at(tops[0] as f64));
            d_path.line_to(w - right, y.at(below[0] as f64));
        }
        for d in (0..n).rev() {
            let px = if single { left } else { xs(d) };
            d_path.line_to(px, y.at(below[d] as f64));
        }
        d_path.close();
        let color = p.lane(lane);
        let first = count(0, lane);
        let last = count(n - 1, lane);
        p.series(
            &d_path,
            &format!("fill=\"{}\" fill-opacity=\"0.85\"", esc(&color)),
            &format!(
                "{title}: {first} cards on {}, {last} on {}",
                days[0].date,
                days[n - 1].date
            ),
        );
        below = tops;
    }
    // Dates along the bottom.
    let steps = 6.min(n);
    for k in 0..steps {
        let d = if steps == 1 {
            0
        } else {
            k * (n - 1) / (steps - 1)
        };
        let anchor = if k == 0 {
            "start"
        } else if k + 1 == steps {
            "end"
        } else {
            "middle"
        };
        p.label(xs(d), h - bottom + 16.0, anchor, &month_day(&days[d].date));
    }
    let _ = write!(
        p.out,
        "<path class=\"axis\" d=\"M{left} {b}H{r}\"/></svg>",
        b = num(h - bottom),
        r = num(w - right)
    );
    let legend: Vec<(String, String)> = lanes
        .iter()
        .map(|(l, t)| (p.lane(l), t.to_string()))
        .collect();
    p.legend(&legend);
    p.out.push_str(
        "<figcaption>A band that widens is work piling up in that lane; a flat top edge is work not arriving.</figcaption></figure>\n<div class=\"side\">",
    );
    let _ = write!(
        p.out,
        "<table><thead><tr><th>Lane</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
        esc(&days[0].date),
        esc(&days[n - 1].date)
    );
    for (lane, title) in &lanes {
        let _ = write!(p.out, "<tr><td>{}</td>", esc(title));
        let (a, b) = (count(0, lane), count(n - 1, lane));
        p.num_cell(
            &ptr!("cumulative_flow", 0, "lanes", lane),
            a,
            &a.to_string(),
        );
        p.num_cell(
            &ptr!("cumulative_flow", n - 1, "lanes", lane),
            b,
            &b.to_string(),
        );
        p.out.push_str("</tr>");
    }
    p.out.push_str("</tbody></table>\n<details><summary>Every day</summary><table class=\"wide\"><thead><tr><th>Day</th>");
    for (_, title) in &lanes {
        let _ = write!(p.out, "<th class=\"n\">{}</th>", esc(title));
    }
    p.out.push_str("</tr></thead><tbody>");
    for (d, day) in days.iter().enumerate() {
        let _ = write!(p.out, "<tr><td>{}</td>", esc(&day.date));
        for (lane, _) in &lanes {
            let c = count(d, lane);
            p.num_cell(
                &ptr!("cumulative_flow", d, "lanes", lane),
                c,
                &c.to_string(),
            );
        }
        p.out.push_str("</tr>");
    }
    p.out.push_str("</tbody></table></details></div></div>\n");
}

/// Where a duration falls on the distribution's axis: within its bucket,
/// in proportion (the last bucket as wide as the one before).
fn bucket_position(secs: i64) -> f64 {
    let i = BUCKETS
        .iter()
        .rposition(|(_, from)| secs >= *from)
        .unwrap_or(0);
    let from = BUCKETS[i].1 as f64;
    let to = BUCKETS
        .get(i + 1)
        .map_or(from * 2.0, |b| b.1 as f64)
        .max(from + 1.0);
    i as f64 + ((secs as f64 - from) / (to - from)).clamp(0.0, 1.0)
}

pub(super) fn times(p: &mut Page) {
    let r = p.r;
    let mut rows: Vec<(String, String, Option<&Timing>, String)> = r
        .time_in_lane
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (
                l.title.clone(),
                p.lane(&l.lane),
                l.time_in_lane.as_ref(),
                ptr!("time_in_lane", i, "time_in_lane"),
            )
        })
        .collect();
    rows.push((
        "Cycle time (created to done)".into(),
        "#1d2430".into(),
        r.cycle_time.as_ref(),
        ptr!("cycle_time"),
    ));
    let shown: Vec<&(String, String, Option<&Timing>, String)> =
        rows.iter().filter(|x| x.2.is_some()).collect();
    p.out.push_str("<p>How long a visit to each lane lasted, for visits that ended in the period, and how long cards took from creation to a done lane. The median is the solid mark, the 85th percentile the open one: 85% of visits took no longer.</p>\n");
    if shown.is_empty() {
        p.out
            .push_str("<p>No visit to a lane ended in this period.</p>\n");
    } else {
        let (w, row_h, left, right, top) = (720.0, 34.0, 190.0, 12.0, 8.0);
        let h = top + row_h * shown.len() as f64 + 34.0;
        let x = Scale::new(0.0, BUCKETS.len() as f64, left, w - right);
        p.out.push_str("<div class=\"row\"><figure>");
        p.svg_open(
            w,
            h,
            "Time in lane and cycle time: how visits are spread",
            "One row per lane: bars count the visits in each range of durations (an hour to eight weeks), marks show the median and the 85th percentile.",
        );
        let mut grid = Path::new();
        for k in 0..=BUCKETS.len() {
            grid.move_to(x.at(k as f64), top)
                .line_to(x.at(k as f64), top + row_h * shown.len() as f64);
        }
        let _ = write!(p.out, "<path class=\"grid\" d=\"{}\"/>", grid.as_str());
        for (k, row) in shown.iter().enumerate() {
            let (title, color, timing, _) = row;
            let Some(t) = timing else { continue };
            let base = top + row_h * (k as f64 + 1.0) - 4.0;
            let max = t
                .histogram
                .iter()
                .map(|b| b.count)
                .max()
                .unwrap_or(0)
                .max(1);
            let mut bars = Path::new();
            for (i, b) in t.histogram.iter().enumerate() {
                if b.count == 0 {
                    continue;
                }
                let bh = (row_h - 10.0) * b.count as f64 / max as f64;
                bars.rect(
                    x.at(i as f64) + 2.0,
                    base - bh,
                    x.at(1.0) - x.at(0.0) - 4.0,
                    bh,
                );
            }
            p.label(left - 8.0, base - 8.0, "end", title);
            p.series(
                &bars,
                &format!("fill=\"{}\" fill-opacity=\"0.8\"", esc(color)),
                &format!(
                    "{title}: {}, median {}, 85th percentile {}",
                    plural(t.count, "visit", "visits"),
                    human(t.median),
                    human(t.p85)
                ),
            );
            let (mx, px) = (
                x.at(bucket_position(t.median)),
                x.at(bucket_position(t.p85)),
            );
            let mut median = Path::new();
            median.dot(mx, base + 1.0, 3.5);
            p.series(
                &median,
                "fill=\"#1d2430\"",
                &format!("{title}: median {}", human(t.median)),
            );
            let mut p85 = Path::new();
            p85.dot(px, base + 1.0, 3.5);
            p.series(
                &p85,
                "fill=\"#fff\" stroke=\"#1d2430\" stroke-width=\"1.5\"",
                &format!("{title}: 85th percentile {}", human(t.p85)),
            );
        }
        let axis_y = top + row_h * shown.len() as f64;
        for (i, (label, _)) in BUCKETS.iter().enumerate() {
            p.label(x.at(i as f64 + 0.5), axis_y + 16.0, "middle", label);
        }
        p.out.push_str("</svg>");
        p.legend(&[
            ("#1d2430".into(), "median".into()),
            (
                "#ffffff; border:1.5px solid #1d2430".into(),
                "85th percentile".into(),
            ),
        ]);
        p.out.push_str("</figure>\n");
        p.out.push_str("<div class=\"side\">");
    }
    p.out.push_str("<table><thead><tr><th></th><th class=\"n\">Visits</th><th class=\"n\">Median</th><th class=\"n\">85th pct</th></tr></thead><tbody>");
    for (title, color, timing, at) in &rows {
        p.out.push_str("<tr><td>");
        p.swatch(color);
        let _ = write!(p.out, "{}</td>", esc(title));
        match timing {
            Some(t) => {
                p.num_cell(&format!("{at}/count"), t.count, &t.count.to_string());
                p.secs_cell(&format!("{at}/median"), Some(t.median));
                p.secs_cell(&format!("{at}/p85"), Some(t.p85));
            }
            None => p
                .out
                .push_str("<td class=\"n\">0</td><td class=\"n\">—</td><td class=\"n\">—</td>"),
        }
        p.out.push_str("</tr>");
    }
    p.out.push_str("</tbody></table>\n<details><summary>The distributions</summary><table class=\"wide\"><thead><tr><th></th>");
    for (label, _) in BUCKETS {
        let _ = write!(p.out, "<th class=\"n\">{}</th>", esc(label));
    }
    p.out.push_str("</tr></thead><tbody>");
    for (title, _, timing, at) in &rows {
        let Some(t) = timing else { continue };
        let _ = write!(p.out, "<tr><td>{}</td>", esc(title));
        for (i, b) in t.histogram.iter().enumerate() {
            p.num_cell(
                &format!("{at}/histogram/{i}/count"),
                b.count,
                &b.count.to_string(),
            );
        }
        p.out.push_str("</tr>");
    }
    p.out.push_str("</tbody></table></details>");
    if !shown.is_empty() {
        p.out.push_str("</div></div>");
    }
    p.out.push('\n');
}

pub(super) fn throughput(p: &mut Page) {
    let r = p.r;
    let done: Vec<String> = r.done_lanes.iter().map(|l| p.lane_title(l)).collect();
    let finished = p.figure("/finished", r.finished, &r.finished.to_string());
    let _ = writeln!(
        p.out,
        "<p>Cards first reaching {} each week: {finished} in the period.</p>",
        esc(&done.join(" or "))
    );
    let weeks = &r.weeks;
    if weeks.is_empty() {
        return;
    }
    let max = weeks.iter().map(|w| w.cards).max().unwrap_or(0).max(1);
    let (w, h, left, right, top, bottom) = (720.0, 220.0, 44.0, 12.0, 10.0, 30.0);
    let band = (w - left - right) / weeks.len() as f64;
    let ticks = svg::ticks(max as f64, 4);
    let y = Scale::new(0.0, *ticks.last().unwrap_or(&1.0), h - bottom, top);
    p.out.push_str("<div class=\"row\"><figure>");
    p.svg_open(
        w,
        h,
        "Throughput: cards finished per week",
        "One bar per ISO week of the period; the table beside gives the numbers.",
    );
    p.y_axis(&y, &ticks, left, w - right, &|t| show_amount(t));
    let mut bars = Path::new();
    for (i, wk) in weeks.iter().enumerate() {
        if wk.cards > 0 {
            let top_y = y.at(wk.cards as f64);
            bars.rect(
                left + band * i as f64 + band * 0.15,
                top_y,
                band * 0.7,
                h - bottom - top_y,
            );
        }
    }
    let color = r
        .done_lanes
        .first()
        .map_or_else(|| "#0072b2".to_string(), |l| p.lane(l));
    if bars.is_empty() {
        // An empty chart still has its series: a line at zero.
        bars.move_to(left, h - bottom)
            .line_to(w - right, h - bottom);
        p.series(
            &bars,
            &format!(
                "stroke=\"{}\" stroke-width=\"2\" fill=\"none\"",
                esc(&color)
            ),
            "No card finished in this period",
        );
    } else {
        p.series(
            &bars,
            &format!("fill=\"{}\"", esc(&color)),
            &format!("Cards finished per week: {} in all", r.finished),
        );
    }
    let every = weeks.len().div_ceil(12).max(1);
    for (i, wk) in weeks.iter().enumerate() {
        if i % every == 0 || i + 1 == weeks.len() {
            let label = wk.week.split_once('-').map_or(wk.week.as_str(), |(_, w)| w);
            p.label(
                left + band * (i as f64 + 0.5),
                h - bottom + 16.0,
                "middle",
                label,
            );
        }
    }
    let _ = write!(
        p.out,
        "<path class=\"axis\" d=\"M{left} {b}H{r}\"/></svg>",
        b = num(h - bottom),
        r = num(w - right)
    );
    p.legend(&[(color, format!("cards reaching {}", done.join(" or ")))]);
    p.out.push_str("</figure>\n<div class=\"side\">");
    let long = weeks.len() > 14;
    if long {
        p.out.push_str("<details><summary>Every week</summary>");
    }
    p.out
        .push_str("<table><thead><tr><th>Week</th><th class=\"n\">Cards</th></tr></thead><tbody>");
    for (i, wk) in weeks.iter().enumerate() {
        let _ = write!(p.out, "<tr><td>{}</td>", esc(&wk.week));
        p.num_cell(&ptr!("weeks", i, "cards"), wk.cards, &wk.cards.to_string());
        p.out.push_str("</tr>");
    }
    p.out.push_str("</tbody></table>");
    if long {
        p.out.push_str("</details>");
    }
    p.out.push_str("</div></div>\n");
}

/// Time worked against time in progress, and where work waited on other
/// cards.
pub(super) fn blocked(p: &mut Page) {
    let r = p.r;
    let Some(e) = r.flow_efficiency else {
        p.out
            .push_str("<p>No card was in progress in this period.</p>\n");
        return;
    };
    let pct = |e: f64| format!("{:.0}%", e * 100.0);
    let _ = write!(
        p.out,
        "<p>Time worked / time in progress: <b>{}</b> (the rest was blocked, waiting on other cards).</p>\n\
         <table><thead><tr><th>Lane</th><th class=\"n\">In progress</th><th class=\"n\">Blocked</th><th class=\"n\">Flow efficiency</th></tr></thead><tbody>",
        p.figure("/flow_efficiency", e, &pct(e))
    );
    for (i, l) in r.time_blocked_by_lane.iter().enumerate() {
        if l.in_progress <= 0 {
            continue;
        }
        let _ = write!(p.out, "<tr><td>{}</td>", esc(&p.lane_title(&l.lane)));
        p.secs_cell(
            &ptr!("time_blocked_by_lane", i, "in_progress"),
            Some(l.in_progress),
        );
        p.secs_cell(&ptr!("time_blocked_by_lane", i, "blocked"), Some(l.blocked));
        p.num_cell(
            &ptr!("time_blocked_by_lane", i, "flow_efficiency"),
            l.flow_efficiency.map_or(Json::Null, Json::from),
            &l.flow_efficiency.map_or("—".to_string(), pct),
        );
        p.out.push_str("</tr>");
    }
    p.out.push_str("</tbody></table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_have_a_place_on_the_distribution_axis() {
        assert_eq!(bucket_position(0), 0.0);
        assert!((bucket_position(86_400) - 2.0).abs() < 1e-9);
        assert!(bucket_position(3 * 86_400) > 3.0 && bucket_position(3 * 86_400) < 4.0);
        assert!(bucket_position(1000 * 86_400) <= 9.0);
    }
}
