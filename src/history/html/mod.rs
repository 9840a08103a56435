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
//!   ([`SECTIONS`]): a new section is a function and a line there. They
//!   live in files by theme: `flow` (where things stand, cumulative flow,
//!   times, throughput, flow efficiency), `work` (loop-backs, aging, needs
//!   attention, who did what), `hypotheses` (tested, learned, work resting
//!   on refuted premises), `budgets` (budgets, costs).
//! - Each chart has a legend, a `<title>` per series and the numbers in a
//!   table beside it.

use super::flow::human;
use super::report::Report;
use super::svg::{self, num, Path, Scale};
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
    ($($part:expr),+ $(,)?) => { $crate::history::html::pointer(&[$(&$part as &dyn std::fmt::Display),+]) };
}

// The sections, declared after `ptr!`, which they use.
mod budgets;
mod decisions;
mod flow;
mod hypotheses;
mod work;

use budgets::{budgets, costs};
use decisions::decisions;
use flow::{blocked, cumulative_flow, throughput, times, where_things_stand};
use hypotheses::{hypotheses, learned, resting};
use work::{aging, attention, loop_backs, people};

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
/// section is one function and one line here.
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
    ("decisions", "Decisions", decisions),
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
.warn{color:var(--warn)}
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
}
