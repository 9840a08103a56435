//! The report as one self-contained HTML page: inline CSS and SVG charts
//! drawn here, no script, no font or image fetched from anywhere, so it
//! opens from a file, a CI artifact or a static site, and prints to PDF.
//!
//! - It renders the same [`Report`] value as `lanes report --format json`:
//!   every figure in a table carries the JSON pointer of the value it
//!   shows (`data-json="/budgets/0/spent"`) and that value
//!   (`data-value`), so a test can check each against the JSON.
//! - Every string from cards, runs, commits and board.yaml goes through
//!   [`esc`], the one escape function (text and attribute values alike).
//! - The page is a list of sections, each one function reading the report
//!   ([`SECTIONS`]): a new section is a function and a line there.
//! - Each chart has a legend, a `<title>` per series and the numbers in a
//!   table beside it.

use super::flow::human;
use super::report::{HypothesisRow, Report, Timing, BUCKETS};
use super::svg::{self, num, Path, Scale};
use crate::model::cost::{show_amount, show_cost};
use crate::model::{date, text};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::fmt::Write;

/// Text made safe for HTML, in element content and in quoted attribute
/// values: `& < > " '` escaped, and control and deceptive characters
/// (bidirectional overrides, invisible spaces) made visible as the
/// terminal shows them ([`text::visible`]). Newlines are kept.
pub fn esc(s: &str) -> String {
    let shown = text::visible(s, true);
    let mut out = String::with_capacity(shown.len() + 8);
    for c in shown.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A JSON pointer (RFC 6901) to `parts` of the report's JSON.
fn pointer(parts: &[&dyn std::fmt::Display]) -> String {
    let mut p = String::new();
    for part in parts {
        p.push('/');
        p.push_str(&part.to_string().replace('~', "~0").replace('/', "~1"));
    }
    p
}

macro_rules! ptr {
    ($($part:expr),+ $(,)?) => { pointer(&[$(&$part as &dyn std::fmt::Display),+]) };
}

/// The page being written, with what every section needs.
struct Page<'a> {
    r: &'a Report,
    out: String,
    /// Each lane's colour, by lane id.
    lane_color: HashMap<&'a str, String>,
    /// Each label's colour, by name.
    label_color: HashMap<&'a str, String>,
    /// For unique element ids.
    ids: usize,
}

/// A section of the page: reads the report, writes one `<section>`.
type Section = fn(&mut Page);

/// The page's sections, in order: (anchor, heading, the function). A new
/// section (decisions) is one function and one line here.
const SECTIONS: &[(&str, &str, Section)] = &[
    ("where", "Where things stand", where_things_stand),
    ("flow", "Cumulative flow", cumulative_flow),
    ("times", "Time in lane and cycle time", times),
    ("throughput", "Throughput", throughput),
    ("loop-backs", "Loop-backs", loop_backs),
    ("aging", "Aging work in progress", aging),
    ("hypotheses", "Hypotheses tested", hypotheses),
    ("learned", "What we learned", learned),
    ("resting", "Work resting on refuted premises", resting),
    ("blocked", "Flow efficiency", blocked),
    ("budgets", "Budgets", budgets),
    ("costs", "Costs", costs),
    ("attention", "Needs attention", attention),
    ("people", "Who did what", people),
];

/// The report as an HTML page.
pub fn page(r: &Report) -> String {
    let mut p = Page {
        r,
        out: String::with_capacity(64 * 1024),
        lane_color: r
            .lane_counts
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let c = l
                    .color
                    .as_deref()
                    .and_then(svg::color)
                    .unwrap_or_else(|| svg::LANE_PALETTE[i % svg::LANE_PALETTE.len()].into());
                (l.lane.as_str(), c)
            })
            .collect(),
        label_color: r
            .labels
            .iter()
            .filter_map(|l| Some((l.name.as_str(), svg::color(l.color.as_deref()?)?)))
            .collect(),
        ids: 0,
    };
    let title = format!("{} — report {} to {}", r.board, r.since, r.until);
    let _ = write!(
        p.out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"lanes {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&title)
    );
    header(&mut p);
    p.out.push_str("<main>\n");
    for (anchor, heading, section) in SECTIONS {
        let _ = write!(
            p.out,
            "<section id=\"{anchor}\">\n<h2>{}</h2>\n",
            esc(heading)
        );
        section(&mut p);
        p.out.push_str("</section>\n");
    }
    p.out.push_str(
        "</main>\n<footer><p>Made by <code>lanes report --format html</code> from the board's files and its git history; \
         every figure here is the one <code>lanes report --format json</code> gives for the same period.</p></footer>\n</body>\n</html>\n",
    );
    p.out
}

const CSS: &str = r#"
:root{--ink:#1d2430;--muted:#5b6576;--line:#d9dee6;--soft:#f4f6f9;--ok:#2a7d2e;--bad:#c0392b;--warn:#b36b00}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;color:var(--ink);background:#fff;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header,main,footer{max-width:1180px;margin:0 auto;padding:0 24px}
header{padding-top:20px;border-bottom:1px solid var(--line)}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:19px;margin:28px 0 10px;padding-top:8px;border-top:1px solid var(--line)}
h3{font-size:15px;margin:16px 0 6px}
p{margin:6px 0}
.sub{color:var(--muted);margin:0 0 10px}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0 14px;padding:0;list-style:none}
.kpis li{background:var(--soft);border-radius:6px;padding:8px 12px;min-width:120px}
.kpis b{display:block;font-size:20px}
nav ul{display:flex;flex-wrap:wrap;gap:4px 14px;list-style:none;padding:0;margin:8px 0 14px}
nav a{color:var(--muted)}
.note{background:#fff6e5;border-left:4px solid var(--warn);padding:8px 12px;margin:10px 0}
.row{display:flex;flex-wrap:wrap;gap:20px;align-items:flex-start}
figure{margin:0;flex:3 1 520px;min-width:0}
figure svg{width:100%;height:auto;display:block}
.side{flex:2 1 300px;min-width:0;overflow-x:auto}
figcaption{color:var(--muted);font-size:12px;margin-top:4px}
table{border-collapse:collapse;width:100%;margin:4px 0 10px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;background:var(--soft)}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.wide td{font-size:13px}
.text{white-space:pre-line}
.hyp{min-width:16em}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;list-style:none;padding:0;margin:6px 0;font-size:12px}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.sw.line{height:3px;vertical-align:3px}
.chip{display:inline-block;border-radius:9px;padding:0 7px;font-size:11px;color:#fff;margin:1px 2px 1px 0;white-space:nowrap}
.v{font-weight:600;white-space:nowrap}
.v.supported{color:var(--ok)}.v.refuted{color:var(--bad)}.v.inconclusive{color:var(--warn)}.v.open{color:var(--muted)}
.stale{color:var(--bad);font-size:12px}
.over{color:var(--bad);font-weight:600}
.id,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.muted{color:var(--muted)}
details{margin:4px 0 10px}
summary{cursor:pointer;color:var(--muted)}
svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#3a4352}
svg .axis{stroke:#9aa3b2;stroke-width:1;fill:none}
svg .grid{stroke:#e6e9ef;stroke-width:1;fill:none}
footer{color:var(--muted);font-size:12px;border-top:1px solid var(--line);margin-top:28px;padding-bottom:24px}
@media print{
 @page{size:A4;margin:12mm}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 body{font-size:10px}
 header,main,footer{max-width:none;padding:0}
 nav,details{display:none}
 .row{display:block}
 .side{overflow:visible}
 figure,tr,.kpis,li{break-inside:avoid}
 h2,h3{break-after:avoid}
 a{color:inherit;text-decoration:none}
}
"#;

impl Page<'_> {
    fn id(&mut self, what: &str) -> String {
        self.ids += 1;
        format!("{what}-{}", self.ids)
    }

    fn lane(&self, id: &str) -> String {
        self.lane_color
            .get(id)
            .cloned()
            .unwrap_or_else(|| svg::LANE_PALETTE[7].into())
    }

    fn lane_title(&self, id: &str) -> String {
        self.r
            .lane_counts
            .iter()
            .find(|l| l.lane == id)
            .map_or(id, |l| l.title.as_str())
            .to_string()
    }

    /// A figure cell: `text` shown, tagged with the JSON pointer and the
    /// value it shows.
    fn num_cell(&mut self, ptr: &str, value: impl Into<Json>, text: &str) {
        let value: Json = value.into();
        let _ = write!(
            self.out,
            "<td class=\"n\" data-json=\"{}\" data-value=\"{}\">{}</td>",
            esc(ptr),
            esc(&value.to_string()),
            esc(text)
        );
    }

    /// A count shown in running text: the length of the list at `ptr`.
    fn count(&mut self, ptr: &str, n: usize) -> String {
        format!("<span data-json-len=\"{}\">{n}</span>", esc(ptr))
    }

    /// An inline figure, tagged as [`Page::num_cell`] tags cells.
    fn figure(&self, ptr: &str, value: impl Into<Json>, text: &str) -> String {
        let value: Json = value.into();
        format!(
            "<span data-json=\"{}\" data-value=\"{}\">{}</span>",
            esc(ptr),
            esc(&value.to_string()),
            esc(text)
        )
    }

    /// A duration cell: human text, seconds as the value.
    fn secs_cell(&mut self, ptr: &str, secs: Option<i64>) {
        match secs {
            Some(s) => self.num_cell(ptr, s, &human(s)),
            None => self.num_cell(ptr, Json::Null, "—"),
        }
    }

    fn swatch(&mut self, color: &str) {
        let _ = write!(
            self.out,
            "<span class=\"sw\" style=\"background:{}\"></span>",
            esc(color)
        );
    }

    fn chips(&self, labels: &[String]) -> String {
        let mut s = String::new();
        for l in labels {
            let c = self
                .label_color
                .get(l.as_str())
                .cloned()
                .unwrap_or_else(|| "#7f7f7f".into());
            let _ = write!(
                s,
                "<span class=\"chip\" style=\"background:{}\">{}</span>",
                esc(&c),
                esc(l)
            );
        }
        s
    }

    /// A legend: colour swatches with names.
    fn legend(&mut self, items: &[(String, String)]) {
        self.out.push_str("<ul class=\"legend\">");
        for (color, name) in items {
            self.out.push_str("<li>");
            self.swatch(color);
            let _ = write!(self.out, "{}</li>", esc(name));
        }
        self.out.push_str("</ul>\n");
    }

    /// Open an SVG chart `w` x `h` with its title and description.
    fn svg_open(&mut self, w: f64, h: f64, title: &str, desc: &str) {
        let id = self.id("chart");
        let _ = write!(
            self.out,
            "<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" xmlns=\"http://www.w3.org/2000/svg\">\
             <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
            num(w),
            num(h),
            esc(title),
            esc(desc)
        );
    }

    /// A series: a path with its own `<title>`.
    fn series(&mut self, d: &Path, style: &str, title: &str) {
        if d.is_empty() {
            return;
        }
        let _ = write!(
            self.out,
            "<path d=\"{}\" {style}><title>{}</title></path>",
            d.as_str(),
            esc(title)
        );
    }

    fn label(&mut self, x: f64, y: f64, anchor: &str, s: &str) {
        let _ = write!(
            self.out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            num(x),
            num(y),
            esc(s)
        );
    }

    /// Horizontal grid lines and their values on the left.
    fn y_axis(&mut self, y: &Scale, ticks: &[f64], x0: f64, x1: f64, show: &dyn Fn(f64) -> String) {
        let mut grid = Path::new();
        for t in ticks {
            let py = y.at(*t);
            grid.move_to(x0, py).line_to(x1, py);
        }
        let _ = write!(self.out, "<path class=\"grid\" d=\"{}\"/>", grid.as_str());
        for t in ticks {
            self.label(x0 - 4.0, y.at(*t) + 3.5, "end", &show(*t));
        }
    }
}

fn month_day(day: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    match date::parse_date(day).map(date::civil_from_days) {
        Some((_, m, d)) => format!("{} {d}", MONTHS[(m as usize + 11) % 12]),
        None => day.to_string(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

// ---------------------------------------------------------------------------
// The header

fn header(p: &mut Page) {
    let r = p.r;
    let _ = write!(
        p.out,
        "<header>\n<h1>{}</h1>\n<p class=\"sub\">Report for {} to {}</p>\n",
        esc(&r.board),
        p.figure("/since", r.since.as_str(), &r.since),
        p.figure("/until", r.until.as_str(), &r.until),
    );
    if let Some(i) = &r.history_incomplete {
        let _ = writeln!(
            p.out,
            "<p class=\"note\"><b>Note:</b> {}</p>",
            esc(&i.message)
        );
    }
    for problem in &r.board_problems {
        let _ = writeln!(
            p.out,
            "<p class=\"note\"><b>Left out:</b> <code>{}</code></p>",
            esc(problem)
        );
    }
    let in_progress = r.aging.len();
    let tested = p.count("/tested", r.tested.len());
    let refuted = p.count("/refuted", r.refuted.len());
    let aging = p.count("/aging", in_progress);
    let finished = p.figure("/finished", r.finished, &r.finished.to_string());
    let _ = write!(
        p.out,
        "<ul class=\"kpis\"><li><b>{tested}</b>hypotheses tested</li><li><b>{refuted}</b>refuted: learned</li>\
         <li><b>{finished}</b>cards finished</li><li><b>{aging}</b>cards in progress</li></ul>\n<nav><ul>"
    );
    for (anchor, heading, _) in SECTIONS {
        let _ = write!(p.out, "<li><a href=\"#{anchor}\">{}</a></li>", esc(heading));
    }
    p.out.push_str("</ul></nav>\n</header>\n");
}

// ---------------------------------------------------------------------------
// Sections

fn where_things_stand(p: &mut Page) {
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

fn cumulative_flow(p: &mut Page) {
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

fn times(p: &mut Page) {
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

fn throughput(p: &mut Page) {
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

fn loop_backs(p: &mut Page) {
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

fn aging(p: &mut Page) {
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
    let stuck: Vec<(usize, &super::report::AgingCard)> = r
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

fn hypotheses(p: &mut Page) {
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

fn learned(p: &mut Page) {
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
fn resting(p: &mut Page) {
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

/// Time worked against time in progress, and where work waited on other
/// cards.
fn blocked(p: &mut Page) {
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

fn budgets(p: &mut Page) {
    let r = p.r;
    if r.budgets.is_empty() {
        p.out.push_str("<p>board.yaml declares no budget (<code>budgets: [{unit: GPU-hours, amount: 400, period: quarter}]</code>).</p>\n");
        return;
    }
    p.out.push_str("<p>Spend is what the costs recorded on cards (<code>experiment.cost</code>) grew by in the budget's period.</p>\n");
    for (i, b) in r.budgets.iter().enumerate() {
        let at = ptr!("budgets", i);
        let _ = write!(
            p.out,
            "<h3>{} per {} — {}</h3>\n<div class=\"row\"><figure>",
            esc(&show_cost(b.amount, b.unit.trim())),
            esc(&b.period),
            esc(&b.label)
        );
        burn_down(p, b);
        p.out
            .push_str("</figure>\n<div class=\"side\"><table><tbody>");
        let unit = b.unit.trim();
        let rows: [(&str, &str, Json, String); 6] = [
            (
                "Budget",
                "amount",
                b.amount.into(),
                show_cost(b.amount, unit),
            ),
            ("Spent", "spent", b.spent.into(), show_cost(b.spent, unit)),
            (
                "Remaining",
                "remaining",
                b.remaining.into(),
                show_cost(b.remaining, unit),
            ),
            (
                "Used",
                "used_percent",
                b.used_percent.into(),
                format!("{}%", show_amount(b.used_percent)),
            ),
            (
                "Burn rate",
                "burn_per_day",
                b.burn_per_day.into(),
                format!("{} a day", show_cost(b.burn_per_day, unit)),
            ),
            (
                "At this rate, by the end",
                "projected",
                b.projected.into(),
                show_cost(b.projected, unit),
            ),
        ];
        for (name, key, value, text) in rows {
            let _ = write!(p.out, "<tr><th>{}</th>", esc(name));
            p.num_cell(&format!("{at}/{key}"), value, &text);
            p.out.push_str("</tr>");
        }
        p.out.push_str("<tr><th>Runs out</th>");
        let runs_out = match &b.runs_out {
            Some(d) if b.used_percent >= 100.0 => format!("ran out {d}"),
            Some(d) => d.clone(),
            None => format!("lasts the {}", b.period),
        };
        p.num_cell(
            &format!("{at}/runs_out"),
            b.runs_out.clone().map_or(Json::Null, Json::from),
            &runs_out,
        );
        let _ = write!(
            p.out,
            "</tr><tr><th>Days</th><td class=\"n\">{} of {}</td></tr></tbody></table>",
            p.figure(
                &format!("{at}/days_elapsed"),
                b.days_elapsed,
                &b.days_elapsed.to_string()
            ),
            p.figure(
                &format!("{at}/days_in_period"),
                b.days_in_period,
                &b.days_in_period.to_string()
            ),
        );
        if !b.earlier.is_empty() {
            p.out.push_str("<table><thead><tr><th>Earlier</th><th class=\"n\">Spent</th><th class=\"n\">Used</th></tr></thead><tbody>");
            for (k, e) in b.earlier.iter().enumerate() {
                let _ = write!(p.out, "<tr><td>{}</td>", esc(&e.label));
                p.num_cell(
                    &format!("{at}/earlier/{k}/spent"),
                    e.spent,
                    &show_cost(e.spent, unit),
                );
                p.num_cell(
                    &format!("{at}/earlier/{k}/used_percent"),
                    e.used_percent,
                    &format!("{}%", show_amount(e.used_percent)),
                );
                p.out.push_str("</tr>");
            }
            p.out.push_str("</tbody></table>");
        }
        p.out.push_str("</div></div>\n");
    }
}

/// A budget's burn-down: what is left each day of its period, the pace
/// that would spend it exactly, and where the current rate leads.
fn burn_down(p: &mut Page, b: &super::budget::BudgetStatus) {
    let (w, h, left, right, top, bottom) = (720.0, 260.0, 60.0, 14.0, 12.0, 30.0);
    let n = b.days_in_period as f64;
    let x = Scale::new(0.0, n, left, w - right);
    let lowest = b
        .days
        .iter()
        .map(|d| d.remaining)
        .fold(0.0_f64, f64::min)
        .min(b.amount - b.projected);
    let ticks = svg::ticks_between(lowest, b.amount, 5);
    let (y0, y1) = (
        ticks.first().copied().unwrap_or(0.0),
        ticks.last().copied().unwrap_or(b.amount),
    );
    let y = Scale::new(y0, y1, h - bottom, top);
    let unit = b.unit.trim().to_string();
    p.svg_open(
        w,
        h,
        &format!("Burn-down of the {} budget for {}", b.unit, b.label),
        &format!(
            "What is left of {} each day from {} to {}: the ideal pace, the spend so far and where this rate leads.",
            show_cost(b.amount, &unit),
            b.start,
            b.end
        ),
    );
    p.y_axis(&y, &ticks, left, w - right, &|t| show_amount(t));
    let mut zero = Path::new();
    zero.move_to(left, y.at(0.0)).line_to(w - right, y.at(0.0));
    let _ = write!(p.out, "<path class=\"axis\" d=\"{}\"/>", zero.as_str());
    let mut warn = Path::new();
    let warn_y = y.at(b.amount * (1.0 - super::budget::WARN_AT / 100.0));
    warn.move_to(left, warn_y).line_to(w - right, warn_y);
    p.series(
        &warn,
        "stroke=\"#b36b00\" stroke-width=\"1\" stroke-dasharray=\"2 3\" fill=\"none\"",
        &format!("{}% used", super::budget::WARN_AT),
    );
    let mut ideal = Path::new();
    ideal
        .move_to(x.at(0.0), y.at(b.amount))
        .line_to(x.at(n), y.at(0.0));
    p.series(
        &ideal,
        "stroke=\"#9aa3b2\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\" fill=\"none\"",
        &format!(
            "Even pace: {} a day",
            show_cost(b.amount / n.max(1.0), &unit)
        ),
    );
    let mut left_line = Path::new();
    left_line.move_to(x.at(0.0), y.at(b.amount));
    for (i, d) in b.days.iter().enumerate() {
        left_line.line_to(x.at(i as f64 + 1.0), y.at(d.remaining));
    }
    let color = if b.over { "#c0392b" } else { "#0072b2" };
    p.series(
        &left_line,
        &format!("stroke=\"{color}\" stroke-width=\"2.5\" fill=\"none\""),
        &format!(
            "Remaining: {} of {} after {} spent",
            show_cost(b.remaining, &unit),
            show_cost(b.amount, &unit),
            show_cost(b.spent, &unit)
        ),
    );
    let done = b.days.len() as f64;
    if b.burn_per_day > 0.0 && done < n && b.remaining > 0.0 {
        let mut ahead = Path::new();
        let end_day = match &b.runs_out {
            Some(d) => date::parse_date(d)
                .zip(date::parse_date(&b.start))
                .map_or(n, |(d, s)| (d - s + 1) as f64),
            None => n,
        };
        let end_left = b.remaining - b.burn_per_day * (end_day - done);
        ahead
            .move_to(x.at(done), y.at(b.remaining))
            .line_to(x.at(end_day), y.at(end_left.max(y0)));
        p.series(
            &ahead,
            &format!(
                "stroke=\"{color}\" stroke-width=\"2\" stroke-dasharray=\"4 3\" fill=\"none\""
            ),
            &match &b.runs_out {
                Some(d) => format!("At this rate it runs out on {d}"),
                None => format!(
                    "At this rate: {} spent by {}",
                    show_cost(b.projected, &unit),
                    b.end
                ),
            },
        );
    }
    p.label(x.at(0.0), h - bottom + 16.0, "start", &month_day(&b.start));
    p.label(x.at(n), h - bottom + 16.0, "end", &month_day(&b.end));
    if done > 0.0 && done < n {
        p.label(
            x.at(done),
            h - bottom + 16.0,
            "middle",
            &month_day(&b.as_of),
        );
    }
    p.out.push_str("</svg>");
    p.legend(&[
        (color.to_string(), "remaining (dashed: at this rate)".into()),
        ("#9aa3b2".into(), "even pace".into()),
        (
            "#b36b00".into(),
            format!("{}% used", super::budget::WARN_AT),
        ),
    ]);
}

fn costs(p: &mut Page) {
    let r = p.r;
    if r.costs_total.is_empty() {
        p.out.push_str("<p>No cost is recorded on the board.</p>\n");
        return;
    }
    p.out.push_str("<p>Costs recorded on cards (<code>experiment.cost</code>), by unit: on the cards that changed in the period, and on the whole board.</p>\n<table><thead><tr><th>Unit</th><th class=\"n\">Cards changed in the period</th><th class=\"n\">All cards</th></tr></thead><tbody>");
    for (i, c) in r.costs_total.iter().enumerate() {
        let unit = c.unit.clone().unwrap_or_default();
        let _ = write!(
            p.out,
            "<tr><td>{}</td>",
            if unit.is_empty() {
                "<span class=\"muted\">(no unit)</span>".to_string()
            } else {
                esc(&unit)
            }
        );
        match r.costs_in_period.iter().position(|x| x.unit == c.unit) {
            Some(k) => {
                let x = r.costs_in_period[k].amount;
                p.num_cell(
                    &ptr!("costs_in_period", k, "amount"),
                    x,
                    &show_cost(x, &unit),
                );
            }
            None => p.out.push_str("<td class=\"n\">0</td>"),
        }
        p.num_cell(
            &ptr!("costs_total", i, "amount"),
            c.amount,
            &show_cost(c.amount, &unit),
        );
        p.out.push_str("</tr>");
    }
    p.out.push_str("</tbody></table>\n");
}

fn attention(p: &mut Page) {
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

fn people(p: &mut Page) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_text_and_attributes() {
        assert_eq!(
            esc("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(esc("\" onload='x' &"), "&quot; onload=&#39;x&#39; &amp;");
        // Control and bidirectional characters are shown, not obeyed.
        assert_eq!(esc("a\u{1b}[31mb\u{202e}c"), "a^[[31mb\\u{202e}c");
        assert_eq!(esc("two\nlines"), "two\nlines");
    }

    #[test]
    fn pointers_escape_their_parts() {
        assert_eq!(ptr!("people", "a/b~c", "add"), "/people/a~1b~0c/add");
        assert_eq!(ptr!("tested", 3, "values"), "/tested/3/values");
    }

    #[test]
    fn durations_have_a_place_on_the_distribution_axis() {
        assert_eq!(bucket_position(0), 0.0);
        assert!((bucket_position(86_400) - 2.0).abs() < 1e-9);
        assert!(bucket_position(3 * 86_400) > 3.0 && bucket_position(3 * 86_400) < 4.0);
        assert!(bucket_position(1000 * 86_400) <= 9.0);
    }
}
