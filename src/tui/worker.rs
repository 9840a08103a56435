//! The board screen's worker: it runs the effects the app asks for off
//! the screen's thread, so the screen never waits on git, and sends each
//! result back as an [`Event`]. Two queues, each on its own thread:
//! changes (commits, undo, sync), in order, and reads (the board, card
//! files, status, history, evidence), which never wait behind a sync.
//! A read the app asks for again while the last one still waits is
//! folded into it (status, stale checks, card files).
//!
//! On quit the worker is [closed](Worker::close): reads nobody waits for
//! are dropped, a sync not started is not started, and the changes the
//! user made are still made, each told on the [`Report`] channel close
//! returns (so each result is paired with its change exactly). A sync in
//! progress is stopped by [`stop_child_processes`]: its `git` dies, the
//! sync returns, and the changes queued behind it go through.

use super::app::{Effect, Insights, RepoStatus, Runner};
use super::{moves, Event};
use crate::git;
use crate::ops;
use crate::store::{self, Board};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// What the worker is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Running {
    /// A change to the board, in a few words.
    Change(String),
    Sync,
}

/// What the worker tells once the board is quitting.
#[derive(Debug)]
pub(super) enum Report {
    /// It starts on this change (in a few words).
    Started(String),
    /// A change ended (the one running at `close`, or one started since):
    /// its result.
    Ended(Event),
}

#[derive(Default)]
struct State {
    queue: VecDeque<Effect>,
    running: Option<Running>,
    /// Quitting: no effect is added; those queued are the changes to
    /// finish, and what happens is told here instead of to the board.
    closing: Option<Sender<Report>>,
    /// Quitting: stop after the job at hand (the reads' queue).
    stopped: bool,
}

struct Queue {
    state: Mutex<State>,
    wake: Condvar,
}

impl Queue {
    fn new() -> Arc<Queue> {
        Arc::new(Queue {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What the worker had to do when the board quit.
#[derive(Debug, Default)]
pub(super) struct Left {
    /// The change in progress.
    pub running: Option<Running>,
    /// Syncs asked for and not started (they will not be).
    pub syncs_not_started: usize,
    /// Changes queued, which the worker goes on to make.
    pub changes_queued: usize,
}

/// The worker's two threads and their queues.
pub(super) struct Worker {
    changes: Arc<Queue>,
    reads: Arc<Queue>,
    thread: std::thread::JoinHandle<()>,
}

impl Worker {
    /// Start the worker on the board at `root`; results go to `tx`.
    pub fn start(root: PathBuf, tx: Sender<Event>) -> Worker {
        let (changes, reads) = (Queue::new(), Queue::new());
        let (q, r, t) = (changes.clone(), root.clone(), tx.clone());
        let thread = std::thread::spawn(move || work(&r, &q, &t));
        let q = reads.clone();
        std::thread::spawn(move || work(&root, &q, &tx));
        Worker {
            changes,
            reads,
            thread,
        }
    }

    /// Queue an effect that runs on the worker (the screen's own are not
    /// taken; nothing is once the board is quitting).
    pub fn send(&self, effect: Effect) {
        let queue = match effect.runner() {
            Runner::Changes => &self.changes,
            Runner::Reads => &self.reads,
            Runner::Screen => return,
        };
        let mut s = queue.lock();
        if s.closing.is_some() || s.stopped {
            return;
        }
        fold(&mut s.queue, effect);
        queue.wake.notify_one();
    }

    /// The board quits: the reads and syncs still queued are dropped, the
    /// changes queued stay and the worker goes on to make them, then
    /// stops. A sync in progress is stopped (its child processes killed).
    /// From now on the worker tells what it does on the channel returned.
    pub fn close(&self) -> (Left, Receiver<Report>) {
        {
            let mut r = self.reads.lock();
            r.stopped = true;
            r.queue.clear();
            self.reads.wake.notify_one();
        }
        let (report, reports) = mpsc::channel();
        let mut s = self.changes.lock();
        s.closing = Some(report);
        let syncs = s.queue.iter().filter(|e| matches!(e, Effect::Sync)).count();
        s.queue.retain(|e| e.change().is_some());
        self.changes.wake.notify_one();
        if s.running == Some(Running::Sync) {
            // Under the lock: the worker cannot start another job (and its
            // children) meanwhile.
            stop_child_processes();
        }
        let left = Left {
            running: s.running.clone(),
            syncs_not_started: syncs,
            changes_queued: s.queue.len(),
        };
        (left, reports)
    }

    /// Stop waiting: the changes still queued are dropped (returned, for
    /// the user), and whatever the job in progress started is killed.
    pub fn give_up(&self) -> Vec<String> {
        let mut s = self.changes.lock();
        let dropped = s.queue.drain(..).filter_map(|e| e.change()).collect();
        stop_child_processes();
        dropped
    }

    /// Whether the changes' thread has stopped (after `close`, once its
    /// queue is done).
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }
}

/// Queue `effect`, folding a read into the same read still waiting: the
/// newer stale check replaces the older, status is read once, and card
/// files waiting to be read gather in one read.
fn fold(queue: &mut VecDeque<Effect>, effect: Effect) {
    match effect {
        Effect::Status if queue.iter().any(|e| matches!(e, Effect::Status)) => {}
        Effect::CheckStale(cards) => {
            queue.retain(|e| !matches!(e, Effect::CheckStale(_)));
            queue.push_back(Effect::CheckStale(cards));
        }
        Effect::ReadCards(ids) => {
            match queue.iter_mut().find_map(|e| match e {
                Effect::ReadCards(waiting) => Some(waiting),
                _ => None,
            }) {
                Some(waiting) => waiting.extend(ids),
                None => queue.push_back(Effect::ReadCards(ids)),
            }
        }
        effect => queue.push_back(effect),
    }
}

fn work(root: &Path, queue: &Queue, tx: &Sender<Event>) {
    loop {
        let effect = {
            let mut s = queue.lock();
            s.running = None;
            let effect = loop {
                if s.stopped {
                    return;
                }
                if let Some(effect) = s.queue.pop_front() {
                    break effect;
                }
                if s.closing.is_some() {
                    return;
                }
                s = queue.wake.wait(s).unwrap_or_else(|e| e.into_inner());
            };
            s.running = match (&effect, effect.change()) {
                (Effect::Sync, _) => Some(Running::Sync),
                (_, Some(what)) => Some(Running::Change(what)),
                (_, None) => None,
            };
            if let (Some(report), Some(what)) = (&s.closing, effect.change()) {
                let _ = report.send(Report::Started(what));
            }
            effect
        };
        let Some((ev, wrote)) = run(root, effect) else {
            continue;
        };
        // Quitting (since before the job ended, or after): told to the
        // one waiting for it, not to the board.
        let s = queue.lock();
        if s.stopped {
            return;
        }
        if let Some(report) = s.closing.clone() {
            let _ = report.send(Report::Ended(ev));
            continue;
        }
        drop(s);
        if tx.send(ev).is_err() {
            return;
        }
        // After a change to the repository: branch, uncommitted files,
        // ahead/behind as they are now.
        if wrote && tx.send(Event::Status(repo_status(root))).is_err() {
            return;
        }
    }
}

/// One effect on the worker: its event, and whether it changed the
/// repository (a commit, a sync). None for the screen's own effects
/// (never sent here).
fn run(root: &Path, effect: Effect) -> Option<(Event, bool)> {
    let err = ops::Error::from;
    // Who acts and when, as git would commit here.
    let ctx = || ops::Context::from_env();
    let applied = |result: Result<ops::Outcome, ops::Error>| {
        let ok = result.is_ok();
        (Event::Applied(result), ok)
    };
    Some(match effect {
        Effect::Apply { action, note } => {
            let result = ops::apply(&ctx(), root, action);
            match (note, result) {
                // The note is committed: its file goes.
                (Some(kept), Ok(o)) => {
                    if let Some(dir) = kept.parent() {
                        let _ = std::fs::remove_dir_all(dir);
                    }
                    applied(Ok(o))
                }
                (Some(kept), Err(e)) => applied(Err(e.context(format!(
                    "the note was not added; it is kept in {}",
                    kept.display()
                )))),
                (None, result) => applied(result),
            }
        }
        Effect::Move(intent) => {
            let result = moves::commit(&ctx(), root, &intent).map_err(err);
            let wrote = matches!(result, Ok(moves::Moved::Done(_)));
            (Event::Moved(intent.id, result), wrote)
        }
        Effect::Undo | Effect::Redo => {
            let action = match effect {
                Effect::Redo => ops::Action::Redo { n: 1 },
                _ => ops::Action::Undo { n: 1 },
            };
            let result = ops::apply(&ctx(), root, action);
            (Event::Undone(result.map(|o| o.summary)), true)
        }
        // A budget the recorded cost goes over is said with the result.
        Effect::RecordResult { card, source } => applied(
            crate::evidence::pick::record(&ctx(), root, &card, &source).map(|mut o| {
                o.summary += &crate::history::budget::warning_text(root, &o.card, o.commit);
                o
            }),
        ),
        Effect::ResolveEdit(conflict, choice) => {
            applied(conflict.resolve(&ctx(), choice).map_err(err))
        }
        Effect::Sync => {
            let opts = crate::sync::Options::from_env();
            (
                Event::Synced(crate::sync::sync(root, &opts).map_err(err)),
                true,
            )
        }
        Effect::Reload => (Event::Loaded(Board::load(root).map_err(err)), false),
        Effect::Status => (Event::Status(repo_status(root)), false),
        Effect::ReadCards(ids) => (
            Event::CardFiles(crate::watch::read_changed(root, &ids)),
            false,
        ),
        Effect::CheckStale(cards) => (
            Event::Stale(crate::evidence::stale::check_cards(root, &cards)),
            false,
        ),
        Effect::LoadHistory(id) => {
            let r = crate::history::timeline(root, &id).map_err(err);
            (Event::History(id, r), false)
        }
        Effect::LoadInsights => (Event::Insights(insights(root).map_err(err)), false),
        Effect::LoadRuns { card } => {
            let offer = crate::evidence::pick::offer_for(root, &card, 12);
            (Event::Runs(card, offer), false)
        }
        Effect::EditInEditor(_) | Effect::NoteInEditor { .. } | Effect::Rewatch | Effect::Quit => {
            return None
        }
    })
}

/// Hypotheses and flow for the views (off the screen's thread).
pub fn insights(root: &Path) -> anyhow::Result<Insights> {
    let board = Board::load(root)?;
    let history = crate::history::board_history(root)?;
    let flow = crate::history::flow::flow(
        &history,
        &board.config,
        None,
        crate::model::date::now_secs(),
    );
    Ok(Insights {
        hypotheses: crate::history::report::hypotheses(&board, &history),
        flow,
    })
}

/// Branch and uncommitted board files.
pub fn repo_status(root: &Path) -> RepoStatus {
    let Ok(repo) = git::open(root) else {
        return RepoStatus {
            branch: "(no git)".into(),
            ..Default::default()
        };
    };
    let uncommitted = git::repo_path(&repo, root, store::BOARD_DIR)
        .and_then(|dir| git::changed_paths(&repo, &format!("{dir}/")))
        .map(|p| p.len())
        .unwrap_or(0);
    // Ahead/behind the remote-tracking branch, as of the last fetch.
    let upstream = git::check_ready(&repo)
        .ok()
        .and_then(|b| crate::sync::remote::upstream(&repo, &b, None).ok())
        .and_then(|(r, b)| repo.refname_to_id(&format!("refs/remotes/{r}/{b}")).ok());
    let ahead_behind = match (repo.head().ok().and_then(|h| h.target()), upstream) {
        (Some(h), Some(u)) => repo.graph_ahead_behind(h, u).ok(),
        _ => None,
    };
    RepoStatus {
        branch: git::branch_name(&repo),
        uncommitted,
        ahead_behind,
    }
}

/// Stop the processes this one started, and theirs: the `git fetch` of a
/// sync stuck on the network when the board quits. Each gets SIGTERM, and
/// SIGKILL if it is still there a moment later; one that leads a process
/// group of its own (a git started in its own group so that a deadline
/// can kill it whole) has its whole group signalled. Children are found
/// by their parent's id, so this needs nothing from the code that started
/// them. Returns how many processes were signalled.
#[cfg(unix)]
pub fn stop_child_processes() -> usize {
    let me = i32::try_from(std::process::id()).unwrap_or(i32::MAX);
    // SAFETY: getpgrp has no preconditions and cannot fail.
    let my_group = unsafe { libc::getpgrp() };
    let table = processes::table();
    let mut mine: Vec<processes::Process> = Vec::new();
    let mut parents = vec![me];
    while let Some(parent) = parents.pop() {
        for p in table.iter().filter(|p| p.ppid == parent) {
            if !mine.iter().any(|m| m.pid == p.pid) {
                parents.push(p.pid);
                mine.push(p.clone());
            }
        }
    }
    let signal = |sig: libc::c_int| {
        for p in &mine {
            // SAFETY: kill only sends a signal; a process that is gone
            // makes it fail with ESRCH, which is what we want then.
            unsafe {
                if p.pgid == p.pid && p.pgid != my_group && p.pgid > 1 {
                    libc::kill(-p.pgid, sig);
                }
                libc::kill(p.pid, sig);
            }
        }
    };
    if mine.is_empty() {
        return 0;
    }
    signal(libc::SIGTERM);
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(1) {
        if mine.iter().all(|p| !processes::running(p.pid)) {
            return mine.len();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    signal(libc::SIGKILL);
    mine.len()
}

#[cfg(not(unix))]
pub fn stop_child_processes() -> usize {
    0
}

/// The process table, as much of it as stopping our children needs.
#[cfg(unix)]
mod processes {
    #[derive(Debug, Clone)]
    pub struct Process {
        pub pid: i32,
        pub ppid: i32,
        pub pgid: i32,
    }

    /// Every process: from /proc where there is one, from `ps` elsewhere.
    pub fn table() -> Vec<Process> {
        match std::fs::read_dir("/proc") {
            Ok(dir) => dir
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
                .filter_map(|pid| stat(pid).map(|(p, _)| p))
                .collect(),
            Err(_) => from_ps(),
        }
    }

    /// A process and its state letter, from `/proc/PID/stat`.
    fn stat(pid: i32) -> Option<(Process, char)> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // After the command name, which is in parentheses and may hold
        // anything: state, ppid, pgrp.
        let mut rest = text[text.rfind(')')? + 1..].split_whitespace();
        let state = rest.next()?.chars().next()?;
        let ppid = rest.next()?.parse().ok()?;
        let pgid = rest.next()?.parse().ok()?;
        Some((Process { pid, ppid, pgid }, state))
    }

    fn from_ps() -> Vec<Process> {
        let Ok(out) = std::process::Command::new("ps")
            .args(["-A", "-o", "pid=", "-o", "ppid=", "-o", "pgid="])
            .stderr(std::process::Stdio::null())
            .output()
        else {
            return Vec::new();
        };
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut f = l.split_whitespace().map(str::parse::<i32>);
                Some(Process {
                    pid: f.next()?.ok()?,
                    ppid: f.next()?.ok()?,
                    pgid: f.next()?.ok()?,
                })
            })
            .collect()
    }

    /// Whether the process still runs (a zombie waiting for its parent to
    /// read its exit status does not).
    pub fn running(pid: i32) -> bool {
        if std::path::Path::new("/proc/self").exists() {
            return stat(pid).is_some_and(|(_, state)| state != 'Z');
        }
        // SAFETY: signal 0 only checks that the process exists.
        unsafe { libc::kill(pid, 0) == 0 }
    }
}
