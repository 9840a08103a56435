//! Benchmark of the terminal board (issue 3) and the live board (issue 4)
//! on a generated board.
//!
//! ```text
//! cargo run --release --example bench_tui -- [--cards 10000] [--runs 50] [--dir PATH]
//!     [--keep] [--lanes PATH] [--seed N]
//! ```
//!
//! It writes a CRISP-DM board of `--cards` realistic cards (from
//! `bench_common::board`, rendered by the library's own writer, spread over
//! the six lanes) into a fresh git
//! repository with one commit, then measures, against the issues' targets:
//!
//! - drawing one frame at 160x50 into ratatui's `TestBackend` while the
//!   selection moves (issue 3: under 2 ms);
//! - the first frame in-process (`Board::load_top` for a 50-row terminal,
//!   `App::new`, first draw; the whole board then loads on the worker)
//!   against what `lanes list --json` does in-process (`store::list_json`
//!   into a buffered sink, as when its output goes to a file)
//!   (issue 3: at most 1.2x), and the
//!   release binary's `lanes list --json` as a process;
//! - reloading one changed card (`read_changed` + `on_card_files`, issue 4:
//!   under 5 ms) and the whole board (`Board::load` + `on_loaded`, within
//!   the core issue's 150 ms `lanes list` budget);
//! - the real watcher: from writing a card file to its `Changes` arriving,
//!   and to the app having it on screen (issue 4: within 200 ms);
//! - a burst rewriting 5,000 card files as fast as possible while an
//!   event-loop model takes the batches in: batches delivered, how often
//!   the board was read, time until the final state is loaded (issue 4:
//!   one coalesced reload);
//! - the command palette: `:` pressed to its frame drawn, and a word's
//!   key typed in it to the narrowed frame (issue 27: under one frame,
//!   16 ms); `--runs` times each;
//! - saved views: a number key pressed to the board drawn in that view,
//!   going through the template's four (mine, open hypotheses by last
//!   update, stale verdicts, overdue by due date) and back to all cards
//!   with `0` (issue 27: under 50 ms); `--runs` switches in all.
//!
//! Without `--dir` the repository goes in a temporary folder removed at
//! the end (unless `--keep`).
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

#[path = "bench_common/mod.rs"]
mod bench_common;

use anyhow::{anyhow, bail, Result};
use bench_common::board::{self, Spec};
use bench_common::{find_lanes, git, load_average, median, ms, Common, Rng, Uses};
use clap::Parser;
use lanes::model::Card;
use lanes::store::{self, Board};
use lanes::tui::app::App;
use lanes::tui::keymap::Keymap;
use lanes::tui::theme::Theme;
use lanes::watch::{self, BoardWatcher, Changes};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WIDTH: u16 = 160;
const HEIGHT: u16 = 50;
const FRAMES: usize = 200;
const FIRST_FRAME_RUNS: usize = 15;
const SINGLE_RELOADS: usize = 100;
const FULL_RELOADS: usize = 10;
const LATENCY_RUNS: usize = 20;
const BURST: usize = 5_000;

/// Benchmark of the terminal board and the live board on a generated
/// board.
#[derive(Parser, Debug)]
#[command(name = "bench_tui")]
struct Opts {
    #[command(flatten)]
    common: Common,
}

fn main() -> ExitCode {
    let o: Opts = bench_common::parse(
        Uses {
            defaults: &[("seed", "3"), ("runs", "50")],
            unused: &["reuse", "old"],
            helps: &[(
                "runs",
                "Palette opens, palette keys and view switches timed, each (after warm-ups)",
            )],
        },
        &[],
    );
    bench_common::finish("bench_tui", check(&o).and_then(|()| run(o)))
}

fn check(o: &Opts) -> Result<()> {
    if o.common.cards < 100 {
        bail!("--cards must be at least 100");
    }
    if o.common.runs == 0 {
        bail!("--runs must be at least 1");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Small helpers

/// The value at fraction `q` of the sorted samples.
fn quantile(v: &mut [Duration], q: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * q).round() as usize;
    v.get(i).copied().unwrap_or_default()
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn terminal() -> Result<Terminal<TestBackend>> {
    Ok(Terminal::new(TestBackend::new(WIDTH, HEIGHT))?)
}

fn draw(t: &mut Terminal<TestBackend>, app: &App) -> Result<()> {
    t.draw(|f| lanes::tui::view::draw(f, app))?;
    Ok(())
}

fn new_app(root: &Path, board: Board) -> App {
    let mut app = App::new(
        root.to_path_buf(),
        board,
        Keymap::default(),
        Theme::default(),
    );
    app.resize(WIDTH, HEIGHT);
    app
}

// ---------------------------------------------------------------------------
// The generated board (bench_common::board)

/// Write the board and make one commit. Returns the card ids.
fn generate(root: &Path, o: &Opts) -> Result<Vec<String>> {
    let cards = o.common.cards;
    board::init_repo(root)?;
    let (template, lanes) = board::crisp_dm()?;
    fs::create_dir_all(root.join(store::CARDS_DIR))?;
    fs::write(root.join(store::BOARD_FILE), template)?;
    fs::write(
        root.join(".gitattributes"),
        ".lanes/*.yaml merge=lanes\n.lanes/cards/*.yaml merge=lanes\n",
    )?;
    let mut rng = Rng(o.common.seed);
    // Most cards early in the process, fewer in the later lanes.
    let weights = [30usize, 22, 18, 15, 9, 6];
    let total: usize = weights.iter().sum();
    let mut counts: Vec<usize> = weights.iter().map(|w| cards * w / total).collect();
    counts[0] += cards - counts.iter().sum::<usize>();
    let mut ids = board::ids(&mut rng, cards).into_iter();
    let mut made = Vec::with_capacity(cards);
    for (lane, n) in lanes.iter().zip(&counts) {
        for rank in board::lane_ranks(*n) {
            let created = 20_400 + rng.below(300) as i64;
            let spec = Spec {
                id: ids.next().ok_or_else(|| anyhow!("ran out of ids"))?,
                lane,
                rank,
                kind: None,
                created,
                before: (created + 30) * 86_400,
            };
            made.push(board::card(&mut rng, spec));
        }
    }
    board::write_cards(root, &made)?;
    git(root, &["add", "-A"])?;
    git(
        root,
        &["commit", "-q", "-m", &format!("{cards} generated cards")],
    )?;
    Ok(made.into_iter().map(|c| c.id).collect())
}

/// Rewrite a card's file with a new title (as an outside edit would).
fn retitle(root: &Path, card: &Card, title: String) -> Result<()> {
    let rel = store::card_path(&card.id);
    let path = root.join(&rel);
    let old = fs::read_to_string(&path)?;
    let mut c = card.clone();
    c.title = title;
    fs::write(&path, store::render_card(&c, Some(&old)))?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Finding the lanes binary

// ---------------------------------------------------------------------------
// The report

struct Row {
    what: String,
    value: String,
    target: String,
    pass: Option<bool>,
}

fn row(what: impl Into<String>, value: impl Into<String>, target: &str, pass: Option<bool>) -> Row {
    Row {
        what: what.into(),
        value: value.into(),
        target: target.into(),
        pass,
    }
}

fn print_rows(rows: &[Row]) {
    let w0 = rows.iter().map(|r| r.what.len()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r.value.len()).max().unwrap_or(0);
    let w2 = rows.iter().map(|r| r.target.len()).max().unwrap_or(0);
    println!(
        "{:w0$}  {:>w1$}  {:w2$}  result",
        "measure", "value", "target"
    );
    println!("{}", "-".repeat(w0 + w1 + w2 + 12));
    for r in rows {
        let verdict = match r.pass {
            Some(true) => "PASS",
            Some(false) => "MISS",
            None => "",
        };
        println!(
            "{:w0$}  {:>w1$}  {:w2$}  {verdict}",
            r.what, r.value, r.target
        );
    }
}

// ---------------------------------------------------------------------------
// The measurements

/// Median time to draw one frame while the selection moves.
fn frame_draw(root: &Path) -> Result<(Duration, Duration)> {
    let mut app = new_app(root, Board::load(root)?);
    let mut t = terminal()?;
    let mut times = Vec::with_capacity(FRAMES);
    let mut right = true;
    for i in 0..FRAMES + 20 {
        // Down the lane, and every 40 frames to the next lane and back.
        let k = if i % 40 == 39 {
            if app.col + 1 >= app.columns.len() {
                right = false;
            } else if app.col == 0 {
                right = true;
            }
            if right {
                'l'
            } else {
                'h'
            }
        } else {
            'j'
        };
        app.on_key(key(k));
        let start = Instant::now();
        draw(&mut t, &app)?;
        if i >= 20 {
            times.push(start.elapsed());
        }
    }
    let p90 = quantile(&mut times, 0.9);
    Ok((median(&mut times), p90))
}

/// In-process first frame and in-process `lanes list --json`, interleaved:
/// (median, min) of each.
fn first_frame(root: &Path) -> Result<((Duration, Duration), (Duration, Duration))> {
    let mut tui = Vec::new();
    let mut list = Vec::new();
    for i in 0..=FIRST_FRAME_RUNS {
        // What `lanes` does before its first frame: the top of each lane
        // (as many cards as the terminal has rows), the app, one draw.
        let start = Instant::now();
        let app = new_app(root, Board::load_top(root, usize::from(HEIGHT))?);
        let mut t = terminal()?;
        draw(&mut t, &app)?;
        let a = start.elapsed();
        drop((app, t));

        let start = Instant::now();
        let config = store::parse_board(&store::read_board_file(root, store::BOARD_FILE)?)?;
        let mut out = std::io::BufWriter::new(std::io::sink());
        store::list_json(root, &config, |h| !h.archived, &mut out)?;
        std::hint::black_box(&out);
        let b = start.elapsed();
        if i > 0 {
            tui.push(a);
            list.push(b);
        }
    }
    Ok(((median(&mut tui), tui[0]), (median(&mut list), list[0])))
}

/// The release binary's `lanes list --json > /dev/null`: (median, min).
fn list_process(root: &Path, bin: &Path) -> Result<(Duration, Duration)> {
    let mut times = Vec::new();
    for i in 0..=FIRST_FRAME_RUNS {
        let start = Instant::now();
        let out = Command::new(bin)
            .args(["list", "--json"])
            .current_dir(root)
            .env_remove("LANES_BOARD")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()?;
        let took = start.elapsed();
        if !out.status.success() {
            bail!(
                "lanes list --json failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if i > 0 {
            times.push(took);
        }
    }
    let m = median(&mut times);
    Ok((m, times[0]))
}

/// One outside change to one card: read it and apply it (median, p90).
fn single_reload(root: &Path, ids: &[String]) -> Result<(Duration, Duration)> {
    let mut app = new_app(root, Board::load(root)?);
    let mut times = Vec::with_capacity(SINGLE_RELOADS);
    for i in 0..SINGLE_RELOADS {
        let id = &ids[(i * 7919) % ids.len()];
        let card = app
            .board
            .card(id)
            .cloned()
            .ok_or_else(|| anyhow!("no card {id}"))?;
        retitle(root, &card, format!("{} (rev {i})", card.title))?;
        let changed: BTreeSet<String> = [id.clone()].into();
        let start = Instant::now();
        let read = watch::read_changed(root, &changed);
        let did = app.on_card_files(read);
        times.push(start.elapsed());
        if !did {
            bail!("on_card_files did not take the change to {id}");
        }
    }
    let p90 = quantile(&mut times, 0.9);
    Ok((median(&mut times), p90))
}

/// `Board::load` + `on_loaded` of the whole board: (median, min).
fn full_reload(root: &Path) -> Result<(Duration, Duration)> {
    let mut app = new_app(root, Board::load(root)?);
    let mut times = Vec::new();
    for _ in 0..FULL_RELOADS {
        let start = Instant::now();
        let board = Board::load(root)?;
        app.on_loaded(board);
        times.push(start.elapsed());
    }
    let m = median(&mut times);
    Ok((m, times[0]))
}

/// `:` to the palette's frame, and each key of a word typed in it to
/// the narrowed frame: ((median, p90) of opening, (median, p90) of a key).
fn palette(root: &Path, runs: usize) -> Result<((Duration, Duration), (Duration, Duration))> {
    let mut app = new_app(root, Board::load(root)?);
    let mut t = terminal()?;
    let mut open = Vec::with_capacity(runs);
    let mut typed = Vec::with_capacity(runs);
    let word = "archive";
    for i in 0..runs + 5 {
        let start = Instant::now();
        app.on_key(key(':'));
        draw(&mut t, &app)?;
        let took = start.elapsed();
        if !matches!(app.mode, lanes::tui::app::Mode::Palette { .. }) {
            bail!("':' did not open the palette");
        }
        // One key of the word per run, in turn.
        for c in word.chars().take(1 + i % word.len()) {
            let start = Instant::now();
            app.on_key(key(c));
            draw(&mut t, &app)?;
            if i >= 5 {
                typed.push(start.elapsed());
            }
        }
        app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        if i >= 5 {
            open.push(took);
        }
    }
    let (o90, t90) = (quantile(&mut open, 0.9), quantile(&mut typed, 0.9));
    Ok(((median(&mut open), o90), (median(&mut typed), t90)))
}

/// (view name, cards it shows).
type Shown = Vec<(String, usize)>;

/// A number key to the board drawn in that saved view, through the
/// board's views and `0` in turn: (median, p90, cards each view shows).
fn view_switch(root: &Path, runs: usize) -> Result<(Duration, Duration, Shown)> {
    let mut app = new_app(root, Board::load(root)?);
    // `@me` is one of the generated handles.
    app.me = vec![board::HANDLES[0].to_string()];
    let n = app.views.len().min(9);
    if n == 0 {
        bail!("the generated board has no saved views");
    }
    let mut t = terminal()?;
    let keys: Vec<char> = (1..=n)
        .map(|i| char::from(b'0' + i as u8))
        .chain(['0'])
        .collect();
    let mut shown = Vec::new();
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs + keys.len() {
        let k = keys[i % keys.len()];
        let start = Instant::now();
        app.on_key(key(k));
        draw(&mut t, &app)?;
        let took = start.elapsed();
        let want = (k != '0').then(|| app.views[usize::from(k as u8 - b'1')].name.clone());
        if app.view != want {
            bail!("{k} showed {:?}, not {want:?}", app.view);
        }
        if i < keys.len() {
            shown.push((
                want.unwrap_or_else(|| "all cards".into()),
                app.cards_shown(),
            ));
        } else {
            times.push(took);
        }
    }
    let p90 = quantile(&mut times, 0.9);
    Ok((median(&mut times), p90, shown))
}

type Batches = mpsc::Receiver<(Instant, Changes)>;

fn start_watcher(root: &Path) -> Result<(BoardWatcher, Batches)> {
    let (tx, rx) = mpsc::channel();
    let w = BoardWatcher::start(root, Some(&root.join(".git")), false, move |c| {
        let _ = tx.send((Instant::now(), c));
    })
    .map_err(|e| anyhow!("the watcher did not start: {e}"))?;
    Ok((w, rx))
}

/// The watcher end to end: (median to `Changes`, median and max to the
/// app having it drawn, how it watches).
fn watcher_latency(root: &Path, ids: &[String]) -> Result<(Duration, Duration, Duration, String)> {
    let (w, rx) = start_watcher(root)?;
    let mut app = new_app(root, Board::load(root)?);
    let mut t = terminal()?;
    std::thread::sleep(Duration::from_millis(200));
    while rx.try_recv().is_ok() {}
    let mut to_changes = Vec::new();
    let mut to_screen = Vec::new();
    for i in 0..LATENCY_RUNS {
        let id = &ids[(i * 104_729 + 13) % ids.len()];
        let card = app
            .board
            .card(id)
            .cloned()
            .ok_or_else(|| anyhow!("no card {id}"))?;
        let start = Instant::now();
        retitle(root, &card, format!("{} (live {i})", card.title))?;
        let (at, changes) = loop {
            match rx.recv_timeout(Duration::from_secs(3)) {
                Ok((at, c)) if c.cards.contains(id) || c.needs_full_reload() => break (at, c),
                Ok(_) => continue,
                Err(_) => bail!("the watcher did not report a change to {id} within 3 s"),
            }
        };
        to_changes.push(at - start);
        if changes.needs_full_reload() {
            app.on_loaded(Board::load(root)?);
        } else {
            app.on_card_files(watch::read_changed(root, &changes.cards));
        }
        draw(&mut t, &app)?;
        to_screen.push(start.elapsed());
        if !app
            .board
            .card(id)
            .is_some_and(|c| c.title.ends_with(&format!("(live {i})")))
        {
            bail!("the app does not show the change to {id}");
        }
        std::thread::sleep(Duration::from_millis(100));
        while rx.try_recv().is_ok() {}
    }
    let max = to_screen.iter().max().copied().unwrap_or_default();
    Ok((
        median(&mut to_changes),
        median(&mut to_screen),
        max,
        w.how.to_string(),
    ))
}

#[derive(Debug, Default)]
struct Burst {
    written_in: Duration,
    batches: usize,
    /// Times the app took batches in (a full reload or some card reads).
    applied: usize,
    full_reloads: usize,
    partial_reads: usize,
    cards_read: usize,
    /// From the first write to the app having the final state drawn.
    settled: Duration,
    /// Longest step on the UI thread (taking a batch in and drawing; a
    /// full reload's reading of the board happens on the worker).
    longest_step: Duration,
}

/// Rewrite `BURST` card files as fast as possible while a model of the
/// event loop takes the watcher's batches in: each wake-up folds every
/// batch already waiting into one, reloads the board if that batch asks for
/// it (else reads the changed cards) and draws a frame.
fn burst(root: &Path, ids: &[String]) -> Result<Burst> {
    let n = BURST.min(ids.len());
    let board = Board::load(root)?;
    let mut texts = Vec::with_capacity(n);
    let mut want = HashMap::with_capacity(n);
    for id in &ids[..n] {
        let card = board.card(id).ok_or_else(|| anyhow!("no card {id}"))?;
        let mut c = card.clone();
        c.title = format!("{} (burst)", card.title);
        let rel = store::card_path(id);
        let old = fs::read_to_string(root.join(&rel))?;
        texts.push((root.join(&rel), store::render_card(&c, Some(&old))));
        want.insert(id.clone(), c.title);
    }
    let (w, rx) = start_watcher(root)?;
    let mut app = new_app(root, board);
    std::thread::sleep(Duration::from_millis(200));
    while rx.try_recv().is_ok() {}

    let done = Arc::new(AtomicBool::new(false));
    let writer_done = done.clone();
    let start = Instant::now();
    let writer = std::thread::spawn(move || -> Result<Duration> {
        let t0 = Instant::now();
        for (path, text) in &texts {
            fs::write(path, text)?;
        }
        writer_done.store(true, Ordering::SeqCst);
        Ok(t0.elapsed())
    });

    let mut b = Burst::default();
    let mut t = terminal()?;
    let mut first = true;
    // Batches go through the product's Settle, as in the event loop: small
    // ones apply at once, a burst is held until the files are quiet.
    let mut settle = watch::Settle::default();
    loop {
        let wait = match settle.due() {
            Some(due) => due.saturating_duration_since(Instant::now()),
            None if first => Duration::from_secs(3),
            None => Duration::from_millis(500),
        };
        let ready = match rx.recv_timeout(wait) {
            Ok((_, mut files)) => {
                first = false;
                b.batches += 1;
                while let Ok((_, more)) = rx.try_recv() {
                    b.batches += 1;
                    files.merge(more);
                }
                settle.offer(files, Instant::now())
            }
            Err(RecvTimeoutError::Timeout) => match settle.take_due(Instant::now()) {
                Some(held) => Some(held),
                None if settle.due().is_some() || !done.load(Ordering::SeqCst) => continue,
                None => break,
            },
            Err(_) => break,
        };
        let Some(files) = ready else {
            continue;
        };
        // The event loop reads a whole board on its worker; the rest of a
        // step is on the UI thread.
        let mut step = Instant::now();
        if files.needs_full_reload() {
            b.full_reloads += 1;
            let loaded = Board::load(root)?;
            step = Instant::now();
            app.on_loaded(loaded);
        } else if !files.cards.is_empty() {
            b.partial_reads += 1;
            b.cards_read += files.cards.len();
            app.on_card_files(watch::read_changed(root, &files.cards));
        }
        draw(&mut t, &app)?;
        b.applied += 1;
        b.longest_step = b.longest_step.max(step.elapsed());
        b.settled = start.elapsed();
    }
    b.written_in = writer
        .join()
        .map_err(|_| anyhow!("the writer panicked"))??;
    drop(w);
    let wrong = want
        .iter()
        .filter(|(id, title)| app.board.card(id).map(|c| &c.title) != Some(*title))
        .count();
    if wrong > 0 {
        bail!("after the burst, {wrong} of {n} cards in the app are not as written");
    }
    Ok(b)
}

fn run(o: Opts) -> Result<()> {
    let c = &o.common;
    // The temporary folder lives until the end of the run, unless kept.
    let (root, mut tmp) = c.folder("bench-tui-")?;
    if let Some(t) = tmp.take_if(|_| c.keep) {
        eprintln!("keeping the board in {}", t.keep().display());
    }
    let bin = find_lanes(c.lanes.as_deref())?;
    let t = Instant::now();
    let ids = generate(&root, &o)?;
    let bytes: u64 = fs::read_dir(root.join(store::CARDS_DIR))?
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "bench_tui: {} cards ({} KiB of YAML) generated and committed in {:.1} s; {} cores; load average {}",
        ids.len(),
        bytes / 1024,
        t.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        load_average()
    );
    // Warm the page cache.
    Board::load(&root)?;

    let mut rows = Vec::new();
    let (frame, frame_p90) = frame_draw(&root)?;
    rows.push(row(
        format!("frame draw {WIDTH}x{HEIGHT}, median of {FRAMES} (p90)"),
        format!("{} ({})", ms(frame), ms(frame_p90)),
        "< 2 ms",
        Some(frame < Duration::from_millis(2)),
    ));

    let ((tui, tui_min), (list, list_min)) = first_frame(&root)?;
    let ratio = tui.as_secs_f64() / list.as_secs_f64();
    rows.push(row(
        format!(
            "first frame in-process: load_top + App::new + draw, median of {FIRST_FRAME_RUNS} (min)"
        ),
        format!("{} ({})", ms(tui), ms(tui_min)),
        "",
        None,
    ));
    rows.push(row(
        "list --json in-process (store::list_json), median (min)",
        format!("{} ({})", ms(list), ms(list_min)),
        "",
        None,
    ));
    rows.push(row(
        "first frame / list --json, medians",
        format!("{ratio:.2}x"),
        "<= 1.2x",
        Some(ratio <= 1.2),
    ));
    let (proc, proc_min) = list_process(&root, &bin)?;
    rows.push(row(
        "lanes list --json > /dev/null (process), median (min)",
        format!("{} ({})", ms(proc), ms(proc_min)),
        "",
        None,
    ));

    let (single, single_p90) = single_reload(&root, &ids)?;
    rows.push(row(
        format!("single-card reload, median of {SINGLE_RELOADS} (p90)"),
        format!("{} ({})", ms(single), ms(single_p90)),
        "< 5 ms",
        Some(single < Duration::from_millis(5)),
    ));
    let (full, full_min) = full_reload(&root)?;
    rows.push(row(
        format!("full reload (load + on_loaded), median of {FULL_RELOADS} (min)"),
        format!("{} ({})", ms(full), ms(full_min)),
        "<= 150 ms",
        Some(full <= Duration::from_millis(150)),
    ));

    let runs = c.runs;
    let ((open, open_p90), (typed, typed_p90)) = palette(&root, runs)?;
    rows.push(row(
        format!("palette: ':' to its frame drawn, median of {runs} (p90)"),
        format!("{} ({})", ms(open), ms(open_p90)),
        "< 16 ms",
        Some(open_p90 < Duration::from_millis(16)),
    ));
    rows.push(row(
        "palette: a key typed to the narrowed frame, median (p90)",
        format!("{} ({})", ms(typed), ms(typed_p90)),
        "< 16 ms",
        Some(typed_p90 < Duration::from_millis(16)),
    ));
    let (switch, switch_p90, shown) = view_switch(&root, runs)?;
    rows.push(row(
        format!("view switch: 1-9/0 to the board drawn, median of {runs} (p90)"),
        format!("{} ({})", ms(switch), ms(switch_p90)),
        "< 50 ms",
        Some(switch_p90 < Duration::from_millis(50)),
    ));
    let shown: Vec<String> = shown.iter().map(|(v, n)| format!("{v} {n}")).collect();
    rows.push(row(
        "view switch: cards each view shows",
        shown.join(", "),
        "",
        None,
    ));

    let (to_changes, to_screen, worst, how) = watcher_latency(&root, &ids)?;
    rows.push(row(
        format!("watcher ({how}): write -> Changes, median of {LATENCY_RUNS}"),
        ms(to_changes),
        "",
        None,
    ));
    rows.push(row(
        "write -> app shows it (read, apply, draw): median",
        ms(to_screen),
        "<= 200 ms",
        Some(to_screen <= Duration::from_millis(200)),
    ));
    rows.push(row(
        "write -> app shows it: worst",
        ms(worst),
        "<= 200 ms",
        Some(worst <= Duration::from_millis(200)),
    ));

    let b = burst(&root, &ids)?;
    let n = BURST.min(ids.len());
    rows.push(row(
        format!("burst: {n} files rewritten in"),
        ms(b.written_in),
        "",
        None,
    ));
    rows.push(row(
        "burst: batches delivered by the watcher",
        b.batches.to_string(),
        "",
        None,
    ));
    rows.push(row(
        "burst: times the app read the board",
        format!(
            "{} ({} full, {} partial of {} cards)",
            b.applied, b.full_reloads, b.partial_reads, b.cards_read
        ),
        "1 coalesced reload (<= 2)",
        Some(b.applied <= 2),
    ));
    rows.push(row(
        "burst: longest UI-thread step (apply + draw)",
        ms(b.longest_step),
        "",
        None,
    ));
    rows.push(row(
        "burst: first write -> final state loaded",
        ms(b.settled),
        "",
        None,
    ));
    println!();
    print_rows(&rows);
    Ok(())
}
