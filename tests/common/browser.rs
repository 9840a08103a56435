//! A real headless browser for pages lanes writes: Debian's Chromium,
//! run without npm or a driver, from its command line (`--screenshot`,
//! `--dump-dom`, its console log on stderr and its network log), in a
//! process group of its own that is killed when the run ends.
//!
//! The flags are the ones this machine needs as root (no sandbox, no GPU,
//! none of Chromium's own background traffic), with a fresh profile each
//! run, and every host name resolving to nothing: a page that tried to
//! fetch anything would find nothing, and the network log says it tried.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The browser, if this machine has one: `LANES_TEST_CHROMIUM`, else
/// `chromium` (Debian), `chromium-browser` or `google-chrome` on `PATH`.
pub fn find() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LANES_TEST_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// What a browser run left behind.
pub struct Run {
    /// Everything Chromium logged (its console messages among them).
    pub log: String,
    /// stdout (the DOM, for `--dump-dom`).
    pub stdout: String,
}

/// How long one browser run may take on a busy machine.
const DEADLINE: Duration = Duration::from_secs(180);

/// Run the browser on `page` with `extra` flags, in folder `work` (its
/// profile goes there), killing its whole process group at the end.
pub fn run(browser: &Path, work: &Path, page: &Path, extra: &[String]) -> Run {
    use std::os::unix::process::CommandExt;
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let profile = work.join(format!("profile-{n}"));
    let out_path = work.join(format!("browser-{n}.out"));
    let err_path = work.join(format!("browser-{n}.err"));
    let url = format!("file://{}", page.display());
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(&url)
    .current_dir(work)
    .env("HOME", work)
    .stdin(Stdio::null())
    .stdout(std::fs::File::create(&out_path).expect("create the browser's stdout"))
    .stderr(std::fs::File::create(&err_path).expect("create the browser's stderr"))
    .process_group(0);
    let mut child = cmd.spawn().expect("start the browser");
    let pid = child.id() as i32;
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for the browser") {
            break Some(s);
        }
        if start.elapsed() > DEADLINE {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // The browser's helpers (zygote, renderer) are in its group.
    // SAFETY: kill has no memory-safety preconditions.
    unsafe { libc::kill(-pid, libc::SIGKILL) };
    let _ = child.wait();
    let log = std::fs::read_to_string(&err_path).unwrap_or_default();
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    assert!(
        status.is_some(),
        "the browser did not finish in {DEADLINE:?} on {url}; its log:\n{log}"
    );
    Run { log, stdout }
}

/// The console messages the page itself logged (errors among them):
/// Chromium logs each as `CONSOLE` with the page's URL as its source.
pub fn console_messages(log: &str, page: &Path) -> Vec<String> {
    let url = format!("file://{}", page.display());
    log.lines()
        .filter(|l| l.contains(":CONSOLE") && l.contains(&url))
        .map(str::to_string)
        .collect()
}

/// The requests the page made, from Chromium's network log: each URL a
/// request was started for on the page's behalf (its network isolation
/// key is the page's, `file://`), other than `file:` and `data:` ones.
/// Chromium's own requests (none are expected with the flags above) have
/// another key and are not the page's.
pub fn page_requests(netlog: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(netlog).expect("read the network log");
    // A log cut short by the browser's exit lacks its closing brackets.
    let v: serde_json::Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .expect("the network log is JSON");
    let start_job = v["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_i64()
        .expect("URL_REQUEST_START_JOB in the log's constants");
    v["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"].as_i64() == Some(start_job))
        .filter(|e| {
            e["params"]["network_isolation_key"]
                .as_str()
                .is_some_and(|k| k.starts_with("file://"))
        })
        .filter_map(|e| e["params"]["url"].as_str())
        .filter(|u| !u.starts_with("file:") && !u.starts_with("data:"))
        .map(str::to_string)
        .collect()
}

/// Width, height and the bytes of image data of a PNG file (its IHDR
/// and IDAT chunks), checking its signature.
pub fn png_facts(path: &Path) -> (u32, u32, usize) {
    let b = std::fs::read(path).expect("read the screenshot");
    assert!(
        b.len() > 33 && b.starts_with(b"\x89PNG\r\n\x1a\n") && &b[12..16] == b"IHDR",
        "{} is not a PNG",
        path.display()
    );
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let (w, h) = (be(16), be(20));
    let mut data = 0;
    let mut i = 8;
    while i + 8 <= b.len() {
        let len = be(i) as usize;
        if &b[i + 4..i + 8] == b"IDAT" {
            data += len;
        }
        i += 12 + len;
    }
    (w, h, data)
}
