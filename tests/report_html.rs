//! The HTML report (issue 29): one self-contained page a PM opens in a
//! browser, rendered from the same data as `lanes report --format json`;
//! and budgets, in every report format, in `lanes validate`, `lanes run`
//! and `lanes result`.
//!
//! The page is opened in a real headless Chromium (Debian's package;
//! `.ci/run` installs it): a test that cannot find one says SKIP, and
//! fails under `CI=true`.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::history::*;
use common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// `&quot;` and the like back to text (the entities the page writes).
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every value of attribute `name` in `html`, in order, unescaped.
fn attr_values(html: &str, name: &str) -> Vec<String> {
    let key = format!(" {name}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&key) {
        rest = &rest[i + key.len()..];
        let end = rest.find('"').expect("a closed attribute");
        out.push(unescape(&rest[..end]));
        rest = &rest[end..];
    }
    out
}

/// The figures the page tags: (JSON pointer, the value it shows).
fn figures(html: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(" data-json=\"") {
        rest = &rest[i + 12..];
        let end = rest.find('"').expect("closed");
        let ptr = unescape(&rest[..end]);
        rest = &rest[end..];
        let v = rest
            .strip_prefix("\" data-value=\"")
            .expect("data-value follows data-json");
        let end = v.find('"').expect("closed");
        let value: Value = serde_json::from_str(&unescape(&v[..end]))
            .unwrap_or_else(|e| panic!("data-value of {ptr} is not JSON: {e}"));
        out.push((ptr, value));
        rest = &v[end..];
    }
    out
}

fn same_number(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

/// Check every figure the page tags against the report's JSON; how many.
fn check_figures(html: &str, json: &Value) -> usize {
    let figs = figures(html);
    for (ptr, value) in &figs {
        let want = json
            .pointer(ptr)
            .unwrap_or_else(|| panic!("the page shows {ptr}, which the JSON does not have"));
        assert!(
            same_number(want, value),
            "{ptr}: the page shows {value}, the JSON has {want}"
        );
    }
    for ptr in attr_values(html, "data-json-len") {
        let n = json
            .pointer(&ptr)
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("{ptr} is not a list in the JSON"))
            .len();
        assert!(
            html.contains(&format!("data-json-len=\"{ptr}\">{n}</span>")),
            "the page's count of {ptr} is not the JSON's {n}"
        );
    }
    figs.len()
}

/// The report of the board at `r` for `args` in JSON and HTML.
fn both_formats(r: &Repo, args: &[&str]) -> (Value, String) {
    let mut j = vec!["report", "--format", "json"];
    j.extend_from_slice(args);
    let mut h = vec!["report", "--format", "html"];
    h.extend_from_slice(args);
    (r.json(&j), ok(&r.lanes(&h)))
}

/// The body of the section with anchor `id`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = html[start..].find("</section>").expect("closed") + start;
    &html[start..end]
}

/// Set board.yaml's budgets (committed with plain git).
fn set_budgets(r: &Repo, yaml: &str) {
    let board = r.read(".lanes/board.yaml");
    r.commit_file(".lanes/board.yaml", &format!("{board}{yaml}"), "budgets");
}

// ---------------------------------------------------------------------------
// The page in a real browser

/// The demo board, made by `lanes demo DIR` in a fresh folder.
fn demo() -> (Repo, PathBuf) {
    let r = Repo::bare_folder();
    let dir = r.path.join("demo");
    let out = r
        .lanes_cmd()
        .args(["demo", dir.to_str().expect("a path")])
        .env("GIT_AUTHOR_NAME", USER_NAME)
        .env("GIT_AUTHOR_EMAIL", USER_EMAIL)
        .env("GIT_COMMITTER_NAME", USER_NAME)
        .env("GIT_COMMITTER_EMAIL", USER_EMAIL)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run lanes demo");
    ok(&out);
    (r, dir)
}

/// Open `page` in the browser: a screenshot, its console and network logs,
/// and the DOM it built. (screenshot path, console messages, requests, DOM)
fn open(browser: &Path, work: &Path, page: &Path) -> (PathBuf, Vec<String>, Vec<String>, String) {
    let shot = work.join(format!(
        "{}.png",
        page.file_stem().and_then(|s| s.to_str()).unwrap_or("page")
    ));
    let netlog = work.join(format!(
        "{}.netlog.json",
        page.file_stem().and_then(|s| s.to_str()).unwrap_or("page")
    ));
    let run = browser::run(
        browser,
        work,
        page,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".into(),
            format!("--log-net-log={}", netlog.display()),
        ],
    );
    let console = browser::console_messages(&run.log, page);
    let requests = browser::page_requests(&netlog);
    let dom = browser::run(browser, work, page, &["--dump-dom".into()]).stdout;
    (shot, console, requests, dom)
}

/// Every `d` of the `<path>` elements in `html`.
fn paths(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<path") {
        rest = &rest[i + 5..];
        let tag_end = rest.find('>').expect("a closed tag");
        out.push(
            attr_values(&rest[..tag_end], "d")
                .into_iter()
                .next()
                .unwrap_or_default(),
        );
    }
    out
}

#[test]
fn the_demo_report_opens_in_a_real_browser_with_its_charts_and_fetches_nothing() {
    let Some(browser) = browser::find() else {
        skip("no chromium (apt-get install chromium; .ci/run installs it)");
        return;
    };
    let (r, dir) = demo();
    let page = r.base().join("report.html");
    let html = ok(&r.lanes_in(&dir, &["report", "--format", "html"]));
    std::fs::write(&page, &html).expect("write the page");
    assert!(html.len() < 2 << 20, "{} bytes", html.len());
    let work = r.base().join("browser");
    std::fs::create_dir_all(&work).expect("a folder");

    // First, the checks themselves: a page that logs an error and fetches
    // an image is caught by both.
    let bad = r.base().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><body><p>x</p><img src=\"https://example.invalid/x.png\"><script>console.error('boom')</script></body></html>",
    )
    .expect("write");
    let (_, console, requests, _) = open(&browser, &work, &bad);
    assert!(
        console.iter().any(|l| l.contains("boom")),
        "the console check sees nothing: {console:?}"
    );
    assert_eq!(
        requests,
        ["https://example.invalid/x.png"],
        "the network check"
    );

    let (shot, console, requests, dom) = open(&browser, &work, &page);
    let (w, h, data) = browser::png_facts(&shot);
    assert_eq!((w, h), (1280, 2000), "the screenshot's size");
    // A blank page compresses to a few kilobytes; charts and tables do not.
    assert!(
        data > 40_000,
        "the screenshot holds {data} bytes of image: blank?"
    );
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(requests.is_empty(), "the page fetched: {requests:#?}");
    // Nothing to fetch in the DOM the browser built either: no script, no
    // external source or link (only the page's own #anchors).
    assert!(!dom.contains("<script"), "a script in the DOM");
    assert_eq!(
        attr_values(&dom, "src"),
        Vec::<String>::new(),
        "an element loads something"
    );
    for v in attr_values(&dom, "href") {
        assert!(v.starts_with('#'), "a link to {v}");
    }
    // The charts: each is an SVG whose series are paths with data.
    for id in [
        "flow",
        "times",
        "throughput",
        "loop-backs",
        "aging",
        "budgets",
    ] {
        let s = section(&dom, id);
        assert!(s.contains("<svg"), "no chart in {id}");
        let ds = paths(s);
        assert!(
            ds.len() >= 2 && ds.iter().all(|d| d.len() > 4 && d.starts_with('M')),
            "{id}: paths {ds:?}"
        );
        assert!(s.contains("<title"), "{id}: no titles");
        assert!(s.contains("<table"), "{id}: no table of the numbers");
    }
    // Two budgets, two burn-downs.
    assert_eq!(section(&dom, "budgets").matches("<svg").count(), 2);
    // It prints to PDF as the browser prints it, over several pages.
    let pdf = work.join("report.pdf");
    browser::run(
        &browser,
        &work,
        &page,
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".into(),
        ],
    );
    let bytes = std::fs::read(&pdf).expect("the PDF");
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    // Page objects (`/Type /Page`, not the `/Pages` tree).
    let key = b"/Type /Page";
    let pages = bytes
        .windows(key.len() + 1)
        .filter(|w| w.starts_with(key) && w[key.len()] != b's')
        .count();
    assert!((2..=40).contains(&pages), "{pages} pages");
}

#[test]
fn hostile_titles_are_text_on_the_page() {
    let r = Repo::new();
    r.ok(&["init"]);
    let board = r.read(".lanes/board.yaml");
    // A lane title and a label name that try to break out too.
    let board = board
        .replace(
            "title: Modeling",
            "title: \"Model</text></svg><script>alert(2)</script>\"",
        )
        .replace(
            "name: quick-win",
            "name: \"q\\\"><img src=x onerror=alert(3)>\"",
        );
    r.commit_file(".lanes/board.yaml", &board, "hostile board");
    let titles = [
        "<script>alert(1)</script>",
        "\" onmouseover=\"alert(4)\" x=\"",
        "' onfocus='alert(5)' autofocus='",
        "</td></tr></table><iframe src=//evil.example>",
    ];
    let mut ids = Vec::new();
    for t in titles {
        let id = r.ok(&[
            "add",
            t,
            "--lane",
            "modeling",
            "--hypothesis",
            t,
            "--metric",
            t,
        ]);
        ids.push(id.trim().to_string());
    }
    r.ok(&[
        "edit",
        &ids[0],
        "--set",
        "labels=[\"q\\\"><img src=x onerror=alert(3)>\"]",
    ]);
    r.ok(&["verdict", &ids[0], "inconclusive", "--result", "0.2"]);
    r.ok(&["verdict", &ids[1], "refuted", "--result", "0.1"]);
    r.ok(&["edit", &ids[3], "--set", "due=2020-01-01"]);
    r.ok(&["verdict", &ids[2], "supported", "--result", "<b>9</b>"]);
    let html = ok(&r.lanes(&["report", "--format", "html"]));
    let lower = html.to_lowercase();
    for tag in ["<script", "<img", "<iframe", "onmouseover=\"", "onfocus='"] {
        assert!(!lower.contains(tag), "{tag} reaches the page:\n{html}");
    }
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("&quot; onmouseover=&quot;alert(4)&quot; x=&quot;"));
    assert!(html.contains("&#39; onfocus=&#39;alert(5)&#39; autofocus=&#39;"));
    assert!(html.contains("Model&lt;/text&gt;&lt;/svg&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
    // Every attribute the page writes is one the page means: none comes
    // from a title.
    for name in ["onmouseover", "onfocus", "onerror", "autofocus"] {
        assert!(
            attr_values(&html, name).is_empty(),
            "{name} is an attribute"
        );
    }
    let Some(browser) = browser::find() else {
        skip("no chromium for the hostile page (apt-get install chromium)");
        return;
    };
    let page = r.base().join("hostile.html");
    std::fs::write(&page, &html).expect("write");
    let work = r.base().join("browser");
    std::fs::create_dir_all(&work).expect("a folder");
    let dom = browser::run(&browser, &work, &page, &["--dump-dom".into()]).stdout;
    let lower = dom.to_lowercase();
    for tag in ["<script", "<img", "<iframe"] {
        assert!(!lower.contains(tag), "the browser built {tag}:\n{dom}");
    }
    // The titles are there, as text.
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{dom}"
    );
}

// ---------------------------------------------------------------------------
// Same numbers everywhere

#[test]
fn every_figure_on_the_page_is_the_jsons() {
    let sc = scenario();
    let r = &sc.repo;
    set_budgets(
        r,
        "budgets:\n  - {unit: GPU-hours, amount: 4, period: month}\n  - {unit: GPU-hours, amount: 40, period: year}\n",
    );
    for args in [
        &["--since", "2026-10-01", "--until", "2026-10-31"][..],
        &["--since", "2026-10-03", "--until", "2026-10-09"][..],
        // Ending today would end at a different second for each run:
        // ages would differ by the time between them.
        &["--since", "2026-10-01", "--until", "2026-11-15"][..],
    ] {
        let (json, html) = both_formats(r, args);
        let n = check_figures(&html, &json);
        assert!(n > 60, "only {n} figures are tagged for {args:?}");
        let ptrs: Vec<String> = figures(&html).into_iter().map(|(p, _)| p).collect();
        for want in [
            "/lane_counts/3/cards",
            "/budgets/0/spent",
            "/budgets/1/burn_per_day",
            "/weeks/0/cards",
            "/time_in_lane/3/time_in_lane/median",
        ] {
            assert!(
                ptrs.iter().any(|p| p == want),
                "{want} is not on the page for {args:?}"
            );
        }
        for prefix in [
            "/cumulative_flow/",
            "/aging_lanes/",
            "/people/",
            "/costs_total/",
        ] {
            assert!(
                ptrs.iter().any(|p| p.starts_with(prefix)),
                "nothing from {prefix} on the page for {args:?}"
            );
        }
    }
    // The period with verdicts: the hypotheses' figures too.
    let (json, html) = both_formats(r, &["--since", "2026-10-01", "--until", "2026-10-31"]);
    assert!(json["tested"].as_array().is_some_and(|t| t.len() == 3));
    let ptrs: Vec<String> = figures(&html).into_iter().map(|(p, _)| p).collect();
    for i in 0..3 {
        assert!(ptrs.contains(&format!("/tested/{i}/values/result")));
    }
    assert!(ptrs.contains(&"/refuted/0/values/target".to_string()));
    assert!(ptrs.contains(&"/loop_backs/0/count".to_string()));
}

// ---------------------------------------------------------------------------
// --until

#[test]
fn until_ends_the_period_in_every_format() {
    let sc = scenario();
    let r = &sc.repo;
    let rep = r.json(&[
        "report",
        "--format",
        "json",
        "--since",
        "2026-10-01",
        "--until",
        "2026-10-06",
    ]);
    assert_eq!(rep["until"], json!("2026-10-06"));
    // H's verdict came on 10-07: not in this period.
    assert_eq!(rep["tested"], json!([]));
    // Lanes as they were at the end of 10-06, from the history.
    let flow = r.json(&["flow", "--json", "--since", "2026-10-01"]);
    let day = flow["days"]
        .as_array()
        .expect("days")
        .iter()
        .find(|d| d["date"] == json!("2026-10-06"))
        .expect("10-06")
        .clone();
    for l in rep["lane_counts"].as_array().expect("lanes") {
        let lane = l["lane"].as_str().expect("id");
        assert_eq!(l["cards"], day["lanes"][lane], "{lane}");
    }
    let last = rep["cumulative_flow"]
        .as_array()
        .expect("days")
        .last()
        .cloned();
    assert_eq!(last.map(|d| d["date"].clone()), Some(json!("2026-10-06")));
    let md = ok(&r.lanes(&["report", "--since", "2026-10-01", "--until", "2026-10-06"]));
    assert!(md.contains("report 2026-10-01 to 2026-10-06"), "{md}");
    let html = ok(&r.lanes(&[
        "report",
        "--format",
        "html",
        "--since",
        "2026-10-01",
        "--until",
        "2026-10-06",
    ]));
    assert!(html.contains("data-value=\"&quot;2026-10-06&quot;\">2026-10-06</span>"));
    // An empty period is refused.
    let err = r.fails(&["report", "--since", "2026-10-10", "--until", "2026-10-01"]);
    assert!(
        err.contains("--until 2026-10-01 is before --since 2026-10-10"),
        "{err}"
    );
    let err = r.fails(&["report", "--until", "someday"]);
    assert!(err.contains("--until \"someday\""), "{err}");
}

// ---------------------------------------------------------------------------
// The research record

#[test]
fn tested_hypotheses_carry_their_rationale_and_the_run_behind_the_result() {
    let r = Repo::new();
    r.ok(&["init"]);
    let id = r
        .ok(&[
            "add",
            "Session recency",
            "--hypothesis",
            "Recency raises p@10",
            "--metric",
            "precision_at_10",
            "--direction",
            "higher",
            "--baseline",
            "0.18",
            "--target",
            "0.2",
        ])
        .trim()
        .to_string();
    r.write("metrics.json", "{\"precision_at_10\": 0.16, \"step\": 3}\n");
    r.git(&["add", "metrics.json"]);
    r.git(&["commit", "-q", "-m", "metrics"]);
    let code = r.head();
    ok(&r.lanes(&["result", &id, "dvc:metrics.json"]));
    // The rationale a newer lanes writes beside the verdict (this one
    // keeps it as a field it does not know).
    let text = r.card_text(&id);
    let with = text.replacen(
        "  verdict: refuted\n",
        "  verdict: refuted\n  rationale: Recency only helps returning users, <5% of traffic\n",
        1,
    );
    assert_ne!(with, text, "{text}");
    r.commit_file(&card_path(&id), &with, "rationale");
    let (json, html) = both_formats(&r, &["--since", "7d"]);
    let row = &json["tested"][0];
    assert_eq!(row["verdict"], json!("refuted"));
    assert_eq!(
        row["rationale"],
        json!("Recency only helps returning users, <5% of traffic")
    );
    assert_eq!(
        row["run"]["source"],
        json!("dvc:metrics.json#precision_at_10")
    );
    assert_eq!(row["run"]["commit"], json!(code));
    assert!(row["run"]["run_time"].is_string(), "{row}");
    assert_eq!(json["refuted"][0]["rationale"], row["rationale"]);
    let tested = section(&html, "hypotheses");
    assert!(tested.contains("Recency only helps returning users, &lt;5% of traffic"));
    assert!(tested.contains("<code>dvc:metrics.json#precision_at_10</code>"));
    assert!(tested.contains(&code[..10]), "the run's code commit");
    let learned = section(&html, "learned");
    assert!(learned.contains("Recency only helps returning users"));
    let md = ok(&r.lanes(&["report", "--since", "7d"]));
    assert!(md.contains("dvc:metrics.json#precision_at_10"), "{md}");
    assert!(
        md.contains("**refuted, because: Recency only helps returning users, <5% of traffic** |"),
        "{md}"
    );
    assert!(
        md.contains("Refuted because: Recency only helps returning users, <5% of traffic"),
        "{md}"
    );
    // No rationale: nothing, and nothing breaks.
    r.commit_file(&card_path(&id), &text, "no rationale");
    let json = r.json(&["report", "--format", "json", "--since", "7d"]);
    assert_eq!(json["tested"][0]["rationale"], Value::Null);
}

// ---------------------------------------------------------------------------
// Budgets

const WHO: Who = ALICE;

/// A board whose GPU costs are known: 30 GPU-hours in Q3, then 200 in
/// October (100, 50 and 50 more), and $40 in October.
fn budget_board() -> (Repo, [String; 3]) {
    let r = Repo::new();
    r.lanes_as(WHO, "2026-09-01T09:00:00Z", &["init"]);
    let board = r.read(".lanes/board.yaml");
    r.write(
        ".lanes/board.yaml",
        format!(
            "{board}budgets:\n  - {{unit: GPU-hours, amount: 400, period: quarter}}\n  - unit: $\n    amount: 50\n    period: month\n    owner: finance\n"
        ),
    );
    r.git_as(WHO, "2026-09-01T09:10:00Z", &["commit", "-qam", "budgets"]);
    let add = |title: &str, when: &str| {
        r.lanes_as(WHO, when, &["add", title, "--kind", "experiment"])
            .trim()
            .to_string()
    };
    let a = add("Sweep A", "2026-09-02T10:00:00Z");
    let b = add("Sweep B", "2026-09-02T10:05:00Z");
    let c = add("Sweep C", "2026-09-02T10:10:00Z");
    let cost = |id: &str, when: &str, v: &str| {
        r.lanes_as(
            WHO,
            when,
            &["edit", id, "--set", &format!("experiment.cost={v}")],
        );
    };
    cost(&c, "2026-09-20T10:00:00Z", "30 GPU-hours");
    cost(&a, "2026-10-05T10:00:00Z", "100 GPU-hours");
    cost(&b, "2026-10-10T10:00:00Z", "50 GPU-hour");
    // Moves and notes never change a cost (and are not read for one).
    r.lanes_as(WHO, "2026-10-12T10:00:00Z", &["move", &a, "modeling"]);
    cost(&a, "2026-10-20T10:00:00Z", "150 GPU-hours");
    cost(&c, "2026-10-21T10:00:00Z", "$40");
    (r, [a, b, c])
}

#[test]
fn budgets_show_spend_burn_rate_and_when_they_run_out_in_every_format() {
    let (r, _) = budget_board();
    let (json, html) = both_formats(&r, &["--since", "2026-09-01", "--until", "2026-10-31"]);
    let gpu = &json["budgets"][0];
    assert_eq!(gpu["unit"], json!("GPU-hours"));
    assert_eq!(gpu["period"], json!("quarter"));
    assert_eq!(gpu["label"], json!("2026-Q4"));
    assert_eq!(gpu["start"], json!("2026-10-01"));
    assert_eq!(gpu["end"], json!("2026-12-31"));
    assert_eq!(gpu["as_of"], json!("2026-10-31"));
    // C's 30 GPU-hours were Q3's. Q4: A's 100, B's 50 and A's 50 more,
    // less C's 30 when its cost became dollars (a correction lowers the
    // spend).
    assert_eq!(gpu["spent"], json!(170.0));
    assert_eq!(gpu["remaining"], json!(230.0));
    assert_eq!(gpu["used_percent"], json!(42.5));
    assert_eq!(gpu["days_elapsed"], json!(31));
    assert_eq!(gpu["days_in_period"], json!(92));
    assert_eq!(gpu["burn_per_day"], json!(5.48));
    assert_eq!(gpu["projected"], json!(504.52));
    // 230 left at 170/31 a day: 42 more days after 10-31.
    assert_eq!(gpu["runs_out"], json!("2026-12-12"));
    assert_eq!(gpu["over"], json!(false));
    assert_eq!(
        gpu["earlier"],
        json!([{"label": "2026-Q3", "start": "2026-07-01", "end": "2026-09-30", "spent": 30.0, "used_percent": 7.5}])
    );
    let days = gpu["days"].as_array().expect("days");
    assert_eq!(days.len(), 31);
    assert_eq!(
        days[4],
        json!({"date": "2026-10-05", "spent": 100.0, "remaining": 300.0})
    );
    assert_eq!(days[9]["spent"], json!(150.0));
    assert_eq!(days[19]["spent"], json!(200.0));
    assert_eq!(days[20]["spent"], json!(170.0));
    let usd = &json["budgets"][1];
    assert_eq!(
        (usd["unit"].clone(), usd["spent"].clone()),
        (json!("$"), json!(40.0))
    );
    assert_eq!(usd["label"], json!("2026-10"));
    assert_eq!(usd["used_percent"], json!(80.0));
    assert_eq!(usd["earlier"][0]["spent"], json!(0.0));
    // Markdown.
    let md = ok(&r.lanes(&["report", "--since", "2026-09-01", "--until", "2026-10-31"]));
    assert!(
        md.contains("| 400 GPU-hours per quarter | 2026-Q4 (2026-10-01 to 2026-12-31) | 170 GPU-hours | 230 GPU-hours | 42.5% | 5.48 GPU-hours a day | 2026-12-12 |"),
        "{md}"
    );
    assert!(
        md.contains("Earlier periods of the GPU-hours budget: 2026-Q3 30 GPU-hours (7.5%)."),
        "{md}"
    );
    // The page: figures equal to the JSON's, and a burn-down per budget.
    check_figures(&html, &json);
    let s = section(&html, "budgets");
    assert_eq!(s.matches("<svg").count(), 2);
    assert!(s.contains("Burn-down of the GPU-hours budget for 2026-Q4"));
    assert!(s.contains("At this rate it runs out on 2026-12-12"));
    // A budget past its amount: over, and it ran out on the day it did.
    let (r2, [a, ..]) = budget_board();
    r2.lanes_as(
        WHO,
        "2026-10-25T10:00:00Z",
        &["edit", &a, "--set", "experiment.cost=520 GPU-hours"],
    );
    let over = r2.json(&[
        "report",
        "--format",
        "json",
        "--since",
        "2026-10-01",
        "--until",
        "2026-10-31",
    ]);
    let gpu = &over["budgets"][0];
    assert_eq!(gpu["spent"], json!(540.0));
    assert_eq!(gpu["over"], json!(true));
    assert_eq!(gpu["runs_out"], json!("2026-10-25"));
}

#[test]
fn a_malformed_budget_is_reported_with_its_place_and_the_board_keeps_working() {
    let r = Repo::with_board("crisp-dm");
    let board = r.read(".lanes/board.yaml");
    let text = format!(
        "{board}budgets:\n  - {{unit: GPU-hours, amount: 400, period: quarter}}\n  - unit: USD\n    amount: 12000\n    period: fortnight\n"
    );
    r.commit_file(".lanes/board.yaml", &text, "budgets");
    let line = text
        .lines()
        .position(|l| l.contains("period: fortnight"))
        .expect("the line")
        + 1;
    let out = r.lanes(&["validate"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", stderr(&out));
    assert!(
        stdout.contains(&format!(
            ".lanes/board.yaml:{line}:13: budgets.1.period: unknown period \"fortnight\"; use week, month, quarter or year"
        )),
        "{stdout}"
    );
    // Everything else works; the good budget is reported, the bad one
    // left out and named.
    r.ok(&["add", "Still works"]);
    ok(&r.lanes(&["list"]));
    let rep = r.json(&["report", "--format", "json"]);
    assert_eq!(rep["budgets"].as_array().map(Vec::len), Some(1));
    assert!(
        rep["board_problems"][0].as_str().is_some_and(
            |p| p.starts_with(&format!(".lanes/board.yaml:{line}:13: budgets.1.period"))
        ),
        "{rep}"
    );
    let out = r.lanes(&["report"]);
    assert!(
        stderr(&out).contains("budgets.1.period"),
        "{}",
        stderr(&out)
    );
    assert!(ok(&out).contains("**Left out:**"));
    // A bad lane colour is the same kind of problem.
    let text = text.replacen(
        "    title: Modeling\n",
        "    title: Modeling\n    color: chartreuse\n",
        1,
    );
    r.commit_file(".lanes/board.yaml", &text, "colour");
    let stdout = String::from_utf8_lossy(&r.lanes(&["validate"]).stdout).into_owned();
    assert!(
        stdout.contains("lanes.3.color: unknown colour \"chartreuse\""),
        "{stdout}"
    );
    // The file is never rewritten by reading it.
    assert_eq!(r.read(".lanes/board.yaml"), text);
}

#[test]
fn lane_colours_colour_the_charts() {
    let r = Repo::new();
    r.lanes_as(WHO, "2026-10-01T09:00:00Z", &["init"]);
    let board = r
        .read(".lanes/board.yaml")
        .replacen(
            "    title: Modeling\n",
            "    title: Modeling\n    color: \"#123abc\"\n",
            1,
        )
        .replacen(
            "    title: Evaluation\n",
            "    title: Evaluation\n    color: magenta\n",
            1,
        );
    r.commit_file(".lanes/board.yaml", &board, "colours");
    let id = r.lanes_as(
        WHO,
        "2026-10-02T09:00:00Z",
        &["add", "A", "--lane", "modeling"],
    );
    r.lanes_as(
        WHO,
        "2026-10-03T09:00:00Z",
        &["move", id.trim(), "evaluation"],
    );
    let html = ok(&r.lanes(&["report", "--format", "html", "--since", "2026-10-01"]));
    let flow = section(&html, "flow");
    assert!(flow.contains("fill=\"#123abc\""), "the lane's own colour");
    assert!(flow.contains("fill=\"#b8379a\""), "magenta");
    // The others get the palette.
    assert!(flow.contains("fill=\"#0072b2\""));
    let json = r.json(&["report", "--format", "json", "--since", "2026-10-01"]);
    assert_eq!(json["lane_counts"][3]["color"], json!("#123abc"));
    assert_eq!(json["lane_counts"][0]["color"], Value::Null);
}

/// A board whose cost rate is one GPU-hour a second, with a budget of
/// 100 GPU-hours a year, and a hypothesis card.
fn run_board(spent: &str) -> (Repo, String) {
    let r = Repo::with_board("crisp-dm");
    let board = r.read(".lanes/board.yaml").replace(
        "settings:\n",
        "settings:\n  cost_per_hour: 3600 GPU-hours\n",
    );
    r.commit_file(
        ".lanes/board.yaml",
        &format!("{board}budgets:\n  - {{unit: GPU-hours, amount: 100, period: year}}\n"),
        "budget",
    );
    let id = r
        .ok(&[
            "add",
            "Sweep",
            "--hypothesis",
            "More data helps",
            "--metric",
            "p",
            "--direction",
            "higher",
            "--baseline",
            "0.1",
            "--target",
            "0.2",
        ])
        .trim()
        .to_string();
    let other = r.ok(&["add", "Earlier sweep", "--kind", "experiment"]);
    r.ok(&[
        "edit",
        other.trim(),
        "--set",
        &format!("experiment.cost={spent}"),
    ]);
    (r, id)
}

/// `lanes run` of a command that takes at least a second and writes the
/// card's metric.
fn run_a_second(r: &Repo, id: &str) -> std::process::Output {
    r.lanes(&[
        "run",
        id,
        "--metrics",
        "m.json",
        "--",
        "sh",
        "-c",
        "sleep 1.2; echo '{\"p\": 0.3}' > m.json",
    ])
}

#[test]
fn lanes_run_warns_when_its_cost_takes_a_budget_past_80_and_100_percent() {
    // 79 of 100 spent; a run of a second or more costs at least one.
    let (r, id) = run_board("79 GPU-hours");
    let out = run_a_second(&r, &id);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("lanes: warning: the GPU-hours budget per year is past 80%: "),
        "{err}"
    );
    // Past 80% already and not over: said once, not again.
    let out = run_a_second(&r, &id);
    assert_eq!(out.status.code(), Some(0));
    assert!(!stderr(&out).contains("budget"), "{}", stderr(&out));
    // Over: said, and said again for every cost past it.
    let (r, id) = run_board("99.5 GPU-hours");
    for _ in 0..2 {
        let out = run_a_second(&r, &id);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(
            err.contains("the GPU-hours budget per year is over: "),
            "{err}"
        );
    }
    // The cost is recorded all the same.
    let cost = r.card(&id)["experiment"]["cost"]
        .as_str()
        .map(str::to_string);
    assert!(cost.is_some_and(|c| c.ends_with("GPU-hours")));
}

#[test]
fn lanes_result_warns_for_the_cost_it_commits_with_it() {
    let (r, id) = run_board("70 GPU-hours");
    r.write("m.json", "{\"p\": 0.3}\n");
    r.git(&["add", "m.json"]);
    r.git(&["commit", "-q", "-m", "metrics"]);
    // The run's cost typed into the card by hand, not committed: lanes
    // commits it with the result.
    let text = r.card_text(&id);
    r.write_card(&id, &format!("{text}experiment:\n  cost: 15 GPU-hours\n"));
    let out = r.lanes(&["result", &id, "dvc:m.json"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let year = lanes::model::date::civil_from_days(lanes::model::date::today()).0;
    assert!(
        err.contains(&format!("lanes: warning: the GPU-hours budget per year is past 80%: 85 GPU-hours of 100 GPU-hours spent in {year} (85%), 15 GPU-hours left")),
        "{err}"
    );
    // A result that records no cost says nothing.
    let out = r.lanes(&["result", &id, "dvc:m.json"]);
    assert!(!stderr(&out).contains("budget"), "{}", stderr(&out));
}

#[test]
fn the_board_warns_when_a_result_it_records_takes_a_budget_past_80_percent() {
    if !common::tmux::tmux_or_skip() {
        return;
    }
    let (r, id) = run_board("70 GPU-hours");
    // The other card out of the way: the hypothesis is the one selected.
    let cards = r.json(&["list", "--json"]);
    let other = cards
        .as_array()
        .expect("cards")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_string())
        .find(|c| *c != id)
        .expect("the other card");
    r.ok(&["move", &other, "modeling"]);
    r.write("m.json", "{\"p\": 0.3}\n");
    r.git(&["add", "m.json"]);
    r.git(&["commit", "-q", "-m", "metrics"]);
    // The run's cost typed into the card, not committed.
    let text = r.card_text(&id);
    r.write_card(&id, &format!("{text}experiment:\n  cost: 15 GPU-hours\n"));
    let t = common::tmux::Tmux::start_sized(&r, false, &[], 220, 30);
    t.wait_for_text("Sweep");
    t.keys(&["r"]);
    t.wait_for_text("dvc:PATH");
    t.type_text("dvc:m.json");
    t.keys(&["Enter"]);
    let screen = t.wait_for_text("past 80%");
    assert!(
        screen.contains("the GPU-hours budget per year is past 80%: 85 GPU-hours of 100"),
        "{screen}"
    );
    t.keys(&["q"]);
    t.wait_for_end();
}
