//! The live board (issue 4) against the real file watcher: a temporary git
//! repository, `BoardWatcher` sending its batches into a channel, and an
//! `App` that applies them the way the event loop does (a full reload when
//! the batch asks for one, otherwise only the changed card files).
//!
//! Each step writes files the way an editor, a script or git would, waits
//! for the watcher's batches (up to 2 s for the first, then 300 ms of
//! silence), applies them and checks the board the app shows.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::tui::*;
use common::*;
use lanes::ops::Action;
use lanes::store::{self, Board};
use lanes::tui::app::{App, ColumnKind};
use lanes::tui::Event;
use lanes::watch::{self, BoardWatcher, Changes};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long to wait for the first batch after a change on disk.
const FIRST: Duration = Duration::from_secs(2);
/// Silence that ends a step: no batch for this long.
const QUIET: Duration = Duration::from_millis(300);
/// A changed card must be reported within this (the issue asks 200 ms end
/// to end; the benchmark measures the real figure, tests stay robust on a
/// loaded machine).
const PROMPT: Duration = Duration::from_secs(1);

/// Fixed ids, distinct in their first six characters.
fn id(n: u32) -> String {
    format!("w{n:02}x7mk2rf")
}

/// What one step saw and did.
#[derive(Debug, Default)]
struct Step {
    /// Batches the watcher delivered.
    batches: usize,
    /// From the change on disk to the first batch.
    latency: Option<Duration>,
    /// All batches folded together.
    changes: Changes,
    /// The step read the whole board again.
    full_reload: bool,
    /// The board in the app changed.
    changed: bool,
}

/// How a burst of batches went.
#[derive(Debug, Default)]
struct Burst {
    batches: usize,
    /// Cards reported by each batch.
    sizes: Vec<usize>,
    latency: Option<Duration>,
    /// Every card reported.
    cards: std::collections::BTreeSet<String>,
    /// Times the app took in changes (each a full reload or a read of
    /// some cards, then a redraw).
    applied: usize,
    full_reloads: usize,
    partial_reads: usize,
    cards_read: usize,
    /// From the change to the last batch applied.
    settled: Duration,
    /// When each batch was offered to `Settle`.
    offered: Vec<Instant>,
}

impl Burst {
    /// The most times `Settle` may let a burst in, given when its batches
    /// came: per spell of changes (batches less than `watch::QUIET` apart),
    /// one small batch let through at once, and one per `watch::MAX_WAIT`
    /// begun. This depends on how the files changed, not on how the
    /// machine scheduled the test; without coalescing, every batch would
    /// be taken in on its own.
    fn coalesced_bound(&self) -> usize {
        let mut spells: Vec<(Instant, Instant)> = Vec::new();
        for &t in &self.offered {
            match spells.last_mut() {
                Some((_, end)) if t.saturating_duration_since(*end) < watch::QUIET => *end = t,
                _ => spells.push((t, t)),
            }
        }
        spells
            .iter()
            .map(|(start, end)| {
                let span = end.saturating_duration_since(*start);
                2 + (span.as_millis() / watch::MAX_WAIT.as_millis()) as usize
            })
            .sum()
    }
}

/// A board, its watcher and the app that follows it.
struct Live {
    r: Repo,
    app: App,
    watcher: BoardWatcher,
    rx: Receiver<(Instant, Changes)>,
    /// When the last change on disk was made.
    mark: Instant,
    full_reloads: usize,
    /// git running in the background.
    running: Option<std::process::Child>,
}

impl Live {
    fn start(r: Repo) -> Live {
        Live::start_with(r, false)
    }

    fn start_with(r: Repo, poll: bool) -> Live {
        let (tx, rx) = mpsc::channel();
        let git_dir = r.path.join(".git");
        let watcher = BoardWatcher::start(&r.path, Some(&git_dir), poll, move |c| {
            let _ = tx.send((Instant::now(), c));
        })
        .unwrap_or_else(|e| panic!("the watcher did not start: {e}"));
        let app = r.app(160, 50);
        let live = Live {
            r,
            app,
            watcher,
            rx,
            mark: Instant::now(),
            full_reloads: 0,
            running: None,
        };
        // Nothing happened yet; drop anything left from setting up.
        while live.rx.recv_timeout(Duration::from_millis(150)).is_ok() {}
        live
    }

    fn root(&self) -> &Path {
        &self.r.path
    }

    /// Write a file (relative to the root) in place, and note the time.
    fn write(&mut self, rel: &str, text: &str) {
        self.r.write(rel, text);
        self.mark = Instant::now();
    }

    /// Start git in the background (the app keeps running meanwhile).
    fn spawn_git(&mut self, args: &[&str]) {
        let mut cmd = self.r.git_cmd();
        cmd.args(args).stdout(std::process::Stdio::null());
        self.mark = Instant::now();
        self.running = Some(cmd.spawn().expect("start git"));
    }

    /// Whether the background git still runs; panics if it failed.
    fn git_running(&mut self) -> bool {
        let Some(child) = &mut self.running else {
            return false;
        };
        match child.try_wait().expect("wait for git") {
            None => true,
            Some(status) => {
                assert!(status.success(), "git failed: {status}");
                self.running = None;
                false
            }
        }
    }

    fn git(&mut self, args: &[&str]) {
        self.r.git(args);
        self.mark = Instant::now();
    }

    /// Gather the watcher's batches until it is quiet and apply them as the
    /// event loop does.
    fn step(&mut self) -> Step {
        let mut step = Step::default();
        let mut wait = FIRST;
        loop {
            match self.rx.recv_timeout(wait) {
                Ok((at, c)) => {
                    if step.batches == 0 {
                        step.latency = Some(at.saturating_duration_since(self.mark));
                    }
                    step.batches += 1;
                    step.changes.merge(c);
                    wait = QUIET;
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => panic!("the watcher stopped"),
            }
        }
        let files = step.changes.clone();
        (step.full_reload, step.changed) = self.apply(&files);
        step
    }

    /// Apply one (folded) batch as the board's app decides it
    /// (`take_in` in src/tui/app/files.rs), running its reads in line:
    /// (whether it reloaded the whole board, whether the board changed).
    fn apply(&mut self, files: &Changes) -> (bool, bool) {
        if files.needs_full_reload() || self.app.board_missing.is_some() {
            if let Err(e) = self.watcher.rewatch_board_dir() {
                panic!("rewatch: {e}");
            }
            self.full_reloads += 1;
            let loaded = Board::load(self.root()).map_err(lanes::ops::Error::from);
            self.app.update(Event::Loaded(loaded));
            (true, true)
        } else if !files.cards.is_empty() {
            let read = watch::read_changed(&self.app.root, &files.cards);
            (false, self.app.on_card_files(read))
        } else {
            (false, false)
        }
    }

    /// A burst as the event loop lives it: each time it wakes up it folds
    /// the batches already waiting into one and applies that; a full reload
    /// takes as long as it takes, and the batches arriving meanwhile fold
    /// into the next (the worker runs at most one reload and queues one).
    /// Take in a burst the way the event loop does: batches go through the
    /// product's `Settle`, which holds big ones back until the files are
    /// quiet and then releases them as one.
    fn burst(&mut self) -> Burst {
        let mut b = Burst::default();
        let mut settle = lanes::watch::Settle::default();
        loop {
            let wait = match settle.due() {
                Some(due) => due.saturating_duration_since(Instant::now()),
                None if b.batches == 0 => FIRST,
                None => QUIET,
            };
            match self.rx.recv_timeout(wait) {
                Ok((at, files)) => {
                    if b.batches == 0 {
                        b.latency = Some(at.saturating_duration_since(self.mark));
                    }
                    b.batches += 1;
                    b.sizes.push(files.cards.len());
                    b.cards.extend(files.cards.iter().cloned());
                    let now = Instant::now();
                    b.offered.push(now);
                    if let Some(now) = settle.offer(files, now) {
                        self.take_in(&now, &mut b);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(held) = settle.take_due(Instant::now()) {
                        self.take_in(&held, &mut b);
                        continue;
                    }
                    if settle.due().is_some() || self.git_running() {
                        continue;
                    }
                    break;
                }
                Err(RecvTimeoutError::Disconnected) => panic!("the watcher stopped"),
            }
        }
        b
    }

    /// Apply one released batch, counting what it cost.
    fn take_in(&mut self, files: &Changes, b: &mut Burst) {
        match self.apply(files) {
            (true, _) => b.full_reloads += 1,
            (false, _) if !files.cards.is_empty() => {
                b.partial_reads += 1;
                b.cards_read += files.cards.len();
            }
            _ => {}
        }
        b.applied += 1;
        b.settled = self.mark.elapsed();
    }

    /// `step`, insisting that something arrived within `PROMPT`.
    fn step_prompt(&mut self, what: &str) -> Step {
        let s = self.step();
        let latency = s
            .latency
            .unwrap_or_else(|| panic!("{what}: the watcher reported nothing within {FIRST:?}"));
        assert!(
            latency <= PROMPT,
            "{what}: reported after {latency:?}, over {PROMPT:?}"
        );
        s
    }

    fn card(&self, id: &str) -> Option<&lanes::model::Card> {
        self.app.board.card(id)
    }

    /// The selected card's id.
    fn selected(&self) -> Option<String> {
        selected(&self.app)
    }

    fn screen(&self) -> String {
        screen_text(&buffer(&self.app))
    }
}

/// Move the selection to a card with the navigation keys.
fn select(app: &mut App, card: &str) {
    let (col, row) = app
        .columns
        .iter()
        .enumerate()
        .find_map(|(c, column)| {
            if column.kind == ColumnKind::Problems {
                return None;
            }
            column
                .items
                .iter()
                .position(|&i| app.board.cards[i].id == card)
                .map(|r| (c, r))
        })
        .unwrap_or_else(|| panic!("card {card} is not shown"));
    while app.col != col {
        let k = if app.col < col { 'l' } else { 'h' };
        press(app, &[key(k)]);
    }
    while app.row != row {
        let k = if app.row < row { 'j' } else { 'k' };
        press(app, &[key(k)]);
    }
    assert_eq!(selected(app).as_deref(), Some(card));
}

/// Lane of the column the selection is in.
fn selected_lane(app: &App) -> Option<String> {
    app.lane_id(app.col).map(str::to_string)
}

/// Three cards in Modeling, one in Evaluation, committed.
fn board() -> Repo {
    let r = Repo::crisp_dm();
    r.write_card(
        &id(1),
        &card(
            &id(1),
            "Baseline logistic regression",
            "modeling",
            "h",
            "task",
            "",
        ),
    );
    r.write_card(
        &id(2),
        &card(
            &id(2),
            "Try gradient boosting",
            "modeling",
            "p",
            "experiment",
            "",
        ),
    );
    r.write_card(
        &id(3),
        &card(
            &id(3),
            "Tune the learning rate",
            "modeling",
            "t",
            "hypothesis",
            "labels:\n  - quick-win\n",
        ),
    );
    r.write_card(
        &id(4),
        &card(&id(4), "Hold-out evaluation", "evaluation", "h", "task", ""),
    );
    r.commit_all("cards");
    r
}

#[test]
fn a_plain_write_shows_and_the_selection_follows_the_card() {
    let mut live = Live::start(board());
    select(&mut live.app, &id(3));
    assert_eq!(live.app.row, 2);

    // Retitled and moved to the top of its lane by rank.
    let text = card(
        &id(3),
        "Warmup schedule",
        "modeling",
        "b",
        "hypothesis",
        "labels:\n  - quick-win\n",
    );
    live.write(&card_path(&id(3)), &text);
    let s = live.step_prompt("plain write");
    assert!(!s.full_reload, "one card needs no full reload: {s:?}");
    assert!(s.changed);
    assert_eq!(
        s.changes.cards.iter().cloned().collect::<Vec<_>>(),
        vec![id(3)]
    );
    assert_eq!(
        live.card(&id(3)).map(|c| c.title.as_str()),
        Some("Warmup schedule")
    );
    assert_eq!(live.selected(), Some(id(3)), "the selection follows the id");
    assert_eq!(live.app.row, 0, "the card is now first in its lane");
    assert!(live.screen().contains("Warmup schedule"));

    // Into another lane: the selection goes with it.
    let text = card(
        &id(3),
        "Warmup schedule",
        "evaluation",
        "z",
        "hypothesis",
        "labels:\n  - quick-win\n",
    );
    live.write(&card_path(&id(3)), &text);
    let s = live.step_prompt("lane change");
    assert!(s.changed);
    assert_eq!(live.selected(), Some(id(3)));
    assert_eq!(selected_lane(&live.app).as_deref(), Some("evaluation"));
    assert_eq!(live.app.row, 1);
}

#[test]
fn a_card_leaving_the_filter_drops_out_cleanly() {
    let mut live = Live::start(board());
    live.app.set_filter("label:quick-win");
    select(&mut live.app, &id(3));
    // The label goes: the card no longer matches the filter.
    live.write(
        &card_path(&id(3)),
        &card(
            &id(3),
            "Tune the learning rate",
            "modeling",
            "t",
            "hypothesis",
            "",
        ),
    );
    let s = live.step_prompt("label removed");
    assert!(s.changed);
    assert!(live.card(&id(3)).is_some(), "still on the board");
    let shown: usize = live.app.columns.iter().map(|c| c.items.len()).sum();
    assert_eq!(shown, 0, "no card matches the filter any more");
    assert_eq!(live.selected(), None);
    // Drawing the empty, filtered board works.
    assert!(!live.screen().contains("Tune the learning rate"));
}

#[test]
fn an_atomic_write_then_rename_is_one_change() {
    let mut live = Live::start(board());
    select(&mut live.app, &id(2));
    let dir = live.root().join(store::CARDS_DIR);
    let tmp = dir.join(format!(".{}.yaml.tmp123", id(2)));
    std::fs::write(
        &tmp,
        card(
            &id(2),
            "Try gradient boosting (LightGBM)",
            "modeling",
            "p",
            "experiment",
            "",
        ),
    )
    .expect("write the temporary file");
    std::fs::rename(&tmp, dir.join(format!("{}.yaml", id(2)))).expect("rename");
    live.mark = Instant::now();
    let s = live.step_prompt("atomic save");
    assert!(!s.full_reload, "{s:?}");
    assert_eq!(
        s.changes.cards.iter().cloned().collect::<Vec<_>>(),
        vec![id(2)],
        "the temporary file is not a card"
    );
    assert_eq!(
        live.card(&id(2)).map(|c| c.title.as_str()),
        Some("Try gradient boosting (LightGBM)")
    );
    assert!(
        live.app.board.problems.is_empty(),
        "{:?}",
        live.app.board.problems
    );
    assert_eq!(live.selected(), Some(id(2)));
}

#[test]
fn a_vim_style_save_with_a_backup_is_one_change() {
    let mut live = Live::start(board());
    select(&mut live.app, &id(1));
    let dir = live.root().join(store::CARDS_DIR);
    let file = dir.join(format!("{}.yaml", id(1)));
    let backup = dir.join(format!("{}.yaml~", id(1)));
    // vim: probe the folder with "4913", move the original aside, write a
    // new file, delete the backup.
    let probe = dir.join("4913");
    std::fs::write(&probe, "").expect("probe");
    std::fs::remove_file(&probe).expect("remove probe");
    std::fs::rename(&file, &backup).expect("rename to backup");
    std::fs::write(
        &file,
        card(
            &id(1),
            "Baseline logistic regression v2",
            "modeling",
            "h",
            "task",
            "",
        ),
    )
    .expect("write the new file");
    std::fs::remove_file(&backup).expect("remove the backup");
    live.mark = Instant::now();
    let s = live.step_prompt("vim save");
    assert!(!s.full_reload, "{s:?}");
    assert_eq!(
        s.changes.cards.iter().cloned().collect::<Vec<_>>(),
        vec![id(1)]
    );
    assert_eq!(
        live.card(&id(1)).map(|c| c.title.as_str()),
        Some("Baseline logistic regression v2")
    );
    assert!(
        live.app.board.problems.is_empty(),
        "{:?}",
        live.app.board.problems
    );
    assert_eq!(live.app.board.cards.len(), 4);
    assert_eq!(live.selected(), Some(id(1)));
}

#[test]
fn a_deleted_card_disappears() {
    let mut live = Live::start(board());
    select(&mut live.app, &id(2));
    std::fs::remove_file(live.root().join(card_path(&id(2)))).expect("delete");
    live.mark = Instant::now();
    let s = live.step_prompt("delete");
    assert!(s.changed);
    assert!(live.card(&id(2)).is_none());
    assert!(!live.app.board.file_ids.contains(&id(2)));
    assert_eq!(live.app.board.cards.len(), 3);
    assert!(live.app.board.problems.is_empty());
    assert!(!live.screen().contains("Try gradient boosting"));
    // The selection lands on a neighbour in the same lane.
    assert_eq!(selected_lane(&live.app).as_deref(), Some("modeling"));
    assert!(live.selected().is_some());
}

#[test]
fn a_malformed_card_becomes_an_error_card_and_fixing_it_restores_it() {
    let mut live = Live::start(board());
    select(&mut live.app, &id(4));
    let rel = card_path(&id(4));
    // A flow sequence never closed, on line 2.
    live.write(
        &rel,
        &format!(
            "id: {}\ntitle: [Hold-out evaluation\nlane: evaluation\nrank: h\nkind: task\n",
            id(4)
        ),
    );
    let s = live.step_prompt("malformed");
    assert!(s.changed);
    assert!(live.card(&id(4)).is_none(), "the broken card is not a card");
    let problems = &live.app.board.problems;
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!(p.path, rel);
    assert!(p.line >= 2 && p.column >= 1, "{p}");
    let shown = p.to_string();
    assert!(
        shown.starts_with(&format!("{rel}:{}:{}: ", p.line, p.column)),
        "{shown}"
    );
    assert!(
        live.app
            .columns
            .iter()
            .any(|c| c.kind == ColumnKind::Problems && c.items.len() == 1),
        "an error card is shown"
    );
    assert!(live.app.board.file_ids.contains(&id(4)));
    // The error column may be off to the right: go there.
    while live.app.columns[live.app.col].kind != ColumnKind::Problems {
        press(&mut live.app, &[key('l')]);
    }
    let screen = live.screen();
    assert!(
        screen.contains(&format!("{}.yaml", id(4))),
        "the error card names the file:\n{screen}"
    );

    // A field error (not YAML syntax) points at its line too.
    live.write(
        &rel,
        &card(
            &id(4),
            "Hold-out evaluation",
            "evaluation",
            "h",
            "task",
            "due: someday\n",
        ),
    );
    let s = live.step_prompt("bad due date");
    assert!(s.changed);
    let p = &live.app.board.problems;
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(
        (p[0].path.as_str(), p[0].line),
        (rel.as_str(), 6),
        "{}",
        p[0]
    );

    // Fixed: the card is back and the error card gone.
    live.write(
        &rel,
        &card(
            &id(4),
            "Hold-out evaluation (fixed)",
            "evaluation",
            "h",
            "task",
            "",
        ),
    );
    let s = live.step_prompt("fixed");
    assert!(s.changed);
    assert!(
        live.app.board.problems.is_empty(),
        "{:?}",
        live.app.board.problems
    );
    assert_eq!(
        live.card(&id(4)).map(|c| c.title.as_str()),
        Some("Hold-out evaluation (fixed)")
    );
    assert!(!live
        .app
        .columns
        .iter()
        .any(|c| c.kind == ColumnKind::Problems));
}

#[test]
fn checking_out_other_branches_follows_their_boards() {
    let r = board();
    // "other": card 2 gone, card 1 in another lane, a new card 5.
    r.git(&["checkout", "-q", "-b", "other"]);
    std::fs::remove_file(r.path.join(card_path(&id(2)))).expect("delete");
    r.write_card(
        &id(1),
        &card(
            &id(1),
            "Baseline logistic regression",
            "evaluation",
            "p",
            "task",
            "",
        ),
    );
    r.write_card(
        &id(5),
        &card(
            &id(5),
            "Only on the other branch",
            "deployment",
            "h",
            "task",
            "",
        ),
    );
    r.commit_all("other board");
    // "bare": no board at all.
    r.git(&["checkout", "-q", "-b", "bare", "main"]);
    r.git(&["rm", "-r", "-q", ".lanes"]);
    r.write("README.md", "no board on this branch\n");
    r.commit_all("no board");
    r.git(&["checkout", "-q", "main"]);

    let mut live = Live::start(r);
    select(&mut live.app, &id(1));

    live.git(&["checkout", "-q", "other"]);
    let s = live.step_prompt("checkout other");
    assert!(s.changes.git, "HEAD moved: {s:?}");
    assert!(s.changed);
    let mut ids: Vec<&str> = live.app.board.cards.iter().map(|c| c.id.as_str()).collect();
    ids.sort();
    let want = [id(1), id(3), id(4), id(5)];
    assert_eq!(ids, want.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        live.card(&id(1)).map(|c| c.lane.as_str()),
        Some("evaluation")
    );
    assert_eq!(
        live.selected(),
        Some(id(1)),
        "the selection followed card 1"
    );
    assert_eq!(selected_lane(&live.app).as_deref(), Some("evaluation"));

    // A branch without a board: a clear screen, not a crash.
    live.git(&["checkout", "-q", "bare"]);
    let s = live.step_prompt("checkout bare");
    assert!(s.full_reload, "the board folder vanished: {s:?}");
    assert!(
        live.app.board_missing.is_some(),
        "board_missing is set when the board folder is gone"
    );
    let screen = live.screen();
    assert!(screen.contains("No board here right now"), "{screen}");

    // Back to main: the board is back, and watched again.
    live.git(&["checkout", "-q", "main"]);
    let s = live.step_prompt("checkout main");
    assert!(s.full_reload, "{s:?}");
    assert!(live.app.board_missing.is_none());
    let mut ids: Vec<&str> = live.app.board.cards.iter().map(|c| c.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, [id(1), id(2), id(3), id(4)]);
    assert_eq!(live.card(&id(1)).map(|c| c.lane.as_str()), Some("modeling"));
    assert!(live.screen().contains("Try gradient boosting"));

    live.write(
        &card_path(&id(2)),
        &card(&id(2), "Watched again", "modeling", "p", "experiment", ""),
    );
    let s = live.step_prompt("write after the board came back");
    assert!(s.changed);
    assert_eq!(
        live.card(&id(2)).map(|c| c.title.as_str()),
        Some("Watched again")
    );
}

const BULK: u32 = 2000;
const LANES: [&str; 6] = [
    "business-understanding",
    "data-understanding",
    "data-preparation",
    "modeling",
    "evaluation",
    "deployment",
];

fn bulk_id(n: u32) -> String {
    format!("b{n:04}q")
}

/// `BULK` cards on main; the branch "bulk" changes every one of them (title
/// and lane) in one commit. Checked out on main.
fn bulk_board() -> Repo {
    let r = Repo::crisp_dm();
    let write = |n: u32, title: String, lane: &str| {
        let rank = format!("m{n:04}1");
        r.write_card(
            &bulk_id(n),
            &card(&bulk_id(n), &title, lane, &rank, "task", ""),
        );
    };
    for n in 0..BULK {
        write(n, format!("Card {n}"), LANES[n as usize % 6]);
    }
    r.commit_all("2000 cards");
    r.git(&["checkout", "-q", "-b", "bulk"]);
    for n in 0..BULK {
        write(n, format!("Card {n} (bulk)"), LANES[(n as usize + 1) % 6]);
    }
    r.commit_all("2000 cards changed at once");
    r.git(&["checkout", "-q", "main"]);
    r
}

/// The whole bulk commit is on the app's board.
fn assert_bulk_state(live: &Live) {
    assert_eq!(live.app.board.cards.len(), BULK as usize);
    assert!(
        live.app.board.problems.is_empty(),
        "{:?}",
        live.app.board.problems
    );
    for n in 0..BULK {
        let c = live.card(&bulk_id(n)).expect("every card is there");
        assert_eq!(c.title, format!("Card {n} (bulk)"));
        assert_eq!(c.lane, LANES[(n as usize + 1) % 6]);
    }
    assert_eq!(
        live.selected(),
        Some(bulk_id(7)),
        "the selection followed the card"
    );
    assert_eq!(selected_lane(&live.app).as_deref(), Some(LANES[8 % 6]));
}

/// Check out "bulk" in the background while the app follows along.
fn bulk_checkout() -> (Live, Burst) {
    let mut live = Live::start(bulk_board());
    assert_eq!(live.app.board.cards.len(), BULK as usize);
    select(&mut live.app, &bulk_id(7));
    live.spawn_git(&["checkout", "-q", "bulk"]);
    let b = live.burst();
    eprintln!(
        "{BULK}-card checkout: {} batches (cards per batch {:?}); the app took them in \
         {} times: {} full reloads, {} reads of {} cards in all; settled {:?} after git started",
        b.batches, b.sizes, b.applied, b.full_reloads, b.partial_reads, b.cards_read, b.settled
    );
    (live, b)
}

#[test]
fn a_checkout_changing_2000_cards_is_read_in_a_few_batches() {
    let (live, b) = bulk_checkout();
    let latency = b.latency.expect("the watcher reported the checkout");
    assert!(latency <= PROMPT, "first batch after {latency:?}");
    assert_eq!(
        b.cards.len(),
        BULK as usize,
        "every changed card was reported"
    );
    assert!(
        b.batches < BULK as usize / 4,
        "{} batches for one checkout of {BULK} files: not coalesced",
        b.batches
    );
    // Far fewer reads of the board than files (one would be best: see the
    // ignored test below).
    assert!(
        b.applied * 10 < BULK as usize,
        "the app took one checkout in {} times: {b:?}",
        b.applied
    );
    assert_bulk_state(&live);
}

/// One checkout is taken in as one spell of changes: the board ends up
/// right, and the app reads it no more often than the spells of file
/// changes allow (three times on a machine that keeps up: a first small
/// batch, a burst let go at `MAX_WAIT`, the rest once quiet), never once
/// per batch. On a loaded machine git itself pauses, and each real pause
/// may cost one more read; the bound counts them from the batches' times.
#[test]
fn a_checkout_changing_2000_cards_is_one_coalesced_reload() {
    let (live, b) = bulk_checkout();
    assert_bulk_state(&live);
    let bound = b.coalesced_bound();
    assert!(
        b.applied <= bound,
        "the app took in one checkout {} times, more than the {bound} its spells of changes \
         allow ({} full reloads, {} reads of {} cards; {} batches, cards per batch {:?})",
        b.applied,
        b.full_reloads,
        b.partial_reads,
        b.cards_read,
        b.batches,
        b.sizes
    );
}

/// `Settle` on a clock of its own: a burst is held until the files are
/// quiet; a stream of changes is taken in once per `MAX_WAIT`; a small
/// batch after a quiet spell goes through at once, one that follows
/// another closely waits for the quiet.
#[test]
fn settle_takes_a_spell_of_changes_in_once() {
    let t0 = Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    let batch = |first: usize, n: usize| Changes {
        cards: (first..first + n)
            .map(|i| format!("s{i:04}x7mk2r"))
            .collect(),
        ..Default::default()
    };
    let mut settle = watch::Settle::default();
    // Forty batches of five cards, 20 ms apart (a checkout of 200 files).
    let mut taken = Vec::new();
    for i in 0..40u64 {
        let now = at(i * 20);
        taken.extend(settle.take_due(now));
        taken.extend(settle.offer(batch(i as usize * 5, 5), now));
    }
    // The first batch went through at once; the other 39 wait for quiet.
    let sizes: Vec<usize> = taken.iter().map(|c| c.cards.len()).collect();
    assert_eq!(sizes.len(), 1, "taken in {} times: {sizes:?}", sizes.len());
    assert_eq!(taken[0].cards.len(), 5);
    assert!(
        settle.take_due(at(39 * 20 + 100)).is_none(),
        "not quiet yet"
    );
    let rest = settle
        .take_due(at(39 * 20) + watch::QUIET)
        .expect("quiet: the rest");
    assert_eq!(rest.cards.len(), 195);
    assert!(settle.due().is_none());
    // A stream that never pauses for 5 s: taken in once per MAX_WAIT.
    let mut settle = watch::Settle::default();
    let mut times = 0;
    for i in 0..250u64 {
        let now = at(i * 20);
        times += usize::from(settle.take_due(now).is_some());
        times += usize::from(settle.offer(batch(0, 20), now).is_some());
    }
    times += usize::from(settle.take_due(at(250 * 20) + watch::QUIET).is_some());
    let most = 2 + (5000 / watch::MAX_WAIT.as_millis()) as usize;
    assert!(
        (2..=most).contains(&times),
        "{times} times for one 5 s stream"
    );
    // After a quiet spell a small batch goes through at once again.
    assert!(settle.offer(batch(0, 1), at(10_000)).is_some());
}

#[test]
fn the_apps_own_write_changes_nothing_twice() {
    let mut live = Live::start(board());
    select(&mut live.app, &id(2));
    // As the worker does for `L`: apply, then hand the outcome to the app.
    let outcome = lanes::ops::apply(
        &lanes::ops::Context::from_env(),
        live.root(),
        Action::Move {
            card: id(2),
            lane: Some("evaluation".into()),
            placement: None,
        },
    )
    .expect("move");
    live.mark = Instant::now();
    assert!(outcome.commit.is_some());
    live.app.on_applied(Ok(outcome));
    assert_eq!(
        live.card(&id(2)).map(|c| c.lane.as_str()),
        Some("evaluation")
    );
    let cards_before = live.app.board.cards.clone();
    let s = live.step_prompt("own write");
    assert!(
        s.changes.cards.contains(&id(2)),
        "the watcher saw the write: {s:?}"
    );
    assert!(s.changes.git, "the commit moved the branch: {s:?}");
    assert!(!s.full_reload, "{s:?}");
    assert!(
        !s.changed,
        "on_card_files reported a change for the app's own write"
    );
    assert_eq!(live.app.board.cards, cards_before);
    assert_eq!(live.selected(), Some(id(2)));
    assert_eq!(selected_lane(&live.app).as_deref(), Some("evaluation"));
}

/// A watcher started as `LANES_WATCH=poll` starts it.
fn polling(r: Repo) -> Live {
    Live::start_with(r, true)
}

#[test]
fn polling_when_asked_still_sees_changes() {
    let mut live = polling(board());
    assert_eq!(live.watcher.how, "polling");
    // The poller compares modification times in whole seconds: change the
    // file in a later second than it was written (see the test below).
    std::thread::sleep(Duration::from_millis(1100));
    live.write(
        &card_path(&id(1)),
        &card(&id(1), "Seen by polling", "modeling", "h", "task", ""),
    );
    let s = live.step();
    let latency = s.latency.expect("polling reported the change");
    assert!(
        latency <= Duration::from_secs(2),
        "polling took {latency:?}"
    );
    assert!(s.changed);
    assert_eq!(
        live.card(&id(1)).map(|c| c.title.as_str()),
        Some("Seen by polling")
    );
}

#[test]
fn polling_sees_a_second_write_within_the_same_second() {
    let mut live = polling(board());
    assert_eq!(live.watcher.how, "polling");
    // Start just after a wall-clock second begins, a second after setup.
    std::thread::sleep(Duration::from_millis(1100));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970");
    std::thread::sleep(Duration::from_millis(1020 - u64::from(now.subsec_millis())));
    live.write(
        &card_path(&id(1)),
        &card(&id(1), "First write", "modeling", "h", "task", ""),
    );
    // The poller (every 500 ms) reports it; the app reads it at once.
    let (_, files) = live
        .rx
        .recv_timeout(Duration::from_millis(900))
        .expect("the first write was reported");
    assert!(live.apply(&files).1, "the first write changed the card");
    // A second write in the same second as the first.
    live.write(
        &card_path(&id(1)),
        &card(&id(1), "Other write", "modeling", "h", "task", ""),
    );
    let s = live.step();
    assert!(s.latency.is_some(), "the second write was never reported");
    assert_eq!(
        live.card(&id(1)).map(|c| c.title.as_str()),
        Some("Other write")
    );
}
