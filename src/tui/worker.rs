//! The board screen's worker: one thread runs the screen's git work in
//! order (commits, reloads, sync, history), so the screen never waits on
//! it, and sends each result back as an [`Event`].
//!
//! On quit the worker is [closed](Worker::close): reads nobody waits for
//! are dropped, a sync not started is not started, and the changes the
//! user made are still made, each told on the [`Report`] channel close
//! returns (so each result is paired with its job exactly). A sync in
//! progress is stopped by [`stop_child_processes`]: its `git` dies, the
//! sync returns, and the changes queued behind it go through.

use super::{insights, moves, repo_status, Event};
use crate::model::id;
use crate::ops::{self, editor};
use crate::store::Board;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Work for the worker thread.
pub(super) enum Job {
    Apply(ops::Action),
    /// `H` `L` `J` `K` presses, applied to the card as it is when they
    /// commit.
    Move(moves::Intent),
    /// A note written in $EDITOR: its file is removed once the note is
    /// committed, and kept (and named) if that fails.
    ApplyNote(ops::Action, PathBuf),
    /// Undo (false) or redo (true) one change.
    Undo {
        redo: bool,
    },
    Reload,
    Status,
    /// What `r` offers for a card: its metric's recent runs, or keys.
    Runs {
        card: String,
    },
    /// Record a run's result on a card.
    Record {
        card: String,
        source: String,
    },
    /// Check these cards' evidence against `dvc.lock` and the run stores.
    Stale(Vec<crate::model::Card>),
    Resolve(editor::EditConflict, editor::Choice),
    Sync,
    History(String),
    Insights,
}

impl Job {
    /// The change to the board this job makes, in a few words ("moving
    /// 3fk2x7 to evaluation"): what quitting must finish, or say it did
    /// not. None for reads and for a sync.
    pub(super) fn change(&self) -> Option<String> {
        let short = |card: &str| id::short(card).to_string();
        Some(match self {
            Job::Apply(action) => describe(action),
            Job::Move(intent) => intent.describe(),
            Job::ApplyNote(action, kept) => format!(
                "{} (the note is kept in {})",
                describe(action),
                kept.display()
            ),
            Job::Undo { redo: false } => "undoing your last change".into(),
            Job::Undo { redo: true } => "redoing the change undone last".into(),
            Job::Record { card, source } => {
                format!("recording the result of {source} on {}", short(card))
            }
            Job::Resolve(conflict, _) => {
                format!("saving your edit of {}", short(&conflict.card_id))
            }
            Job::Sync
            | Job::Reload
            | Job::Status
            | Job::Runs { .. }
            | Job::Stale(_)
            | Job::History(_)
            | Job::Insights => return None,
        })
    }

    fn running(&self) -> Running {
        match (self, self.change()) {
            (Job::Sync, _) => Running::Sync,
            (_, Some(what)) => Running::Change(what),
            (_, None) => Running::Read,
        }
    }
}

/// "moving 3fk2x7 to evaluation", "adding a note to 3fk2x7".
fn describe(action: &ops::Action) -> String {
    use ops::Action::*;
    let short = |card: &str| id::short(card).to_string();
    match action {
        Add(new) => format!("adding {:?}", new.title),
        Move { card, lane, .. } => format!("moving {} to {lane}", short(card)),
        Set { card, .. } | SetChecked { card, .. } | Replace { card, .. } => {
            format!("saving {}", short(card))
        }
        Note { card, .. } => format!("adding a note to {}", short(card)),
        Verdict { card, .. } => format!("saving the verdict of {}", short(card)),
        Archive { card } => format!("archiving {}", short(card)),
        Restore { card } => format!("restoring {}", short(card)),
        Claim { card, .. } => format!("claiming {}", short(card)),
        Release { card } => format!("releasing {}", short(card)),
        Record(r) => format!("recording the result of {}", short(&r.card)),
        Undo { .. } => "undoing".to_string(),
        Redo { .. } => "redoing".to_string(),
        Commit { .. } => "committing the board".to_string(),
        Init(_) => "creating the board".to_string(),
    }
}

/// What the worker is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Running {
    /// A change to the board, in a few words.
    Change(String),
    Sync,
    /// A read (reload, status, history...): nobody waits for it on quit.
    Read,
}

/// What the worker tells once the board is quitting.
#[derive(Debug)]
pub(super) enum Report {
    /// It starts on this change (in a few words).
    Started(String),
    /// A job ended (the one running at `close`, or one started since):
    /// its result.
    Ended(Event),
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    running: Option<Running>,
    /// Quitting: no job is added; those queued are the changes to finish,
    /// and what happens is told here instead of to the board.
    closing: Option<Sender<Report>>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What the worker had to do when the board quit.
#[derive(Debug, Default)]
pub(super) struct Left {
    /// The job in progress.
    pub running: Option<Running>,
    /// Syncs asked for and not started (they will not be).
    pub syncs_not_started: usize,
    /// Changes queued, which the worker goes on to make.
    pub changes_queued: usize,
}

/// The worker thread and its queue.
pub(super) struct Worker {
    shared: Arc<Shared>,
    thread: std::thread::JoinHandle<()>,
}

impl Worker {
    /// Start the worker on the board at `root`; results go to `tx`.
    pub fn start(root: PathBuf, tx: Sender<Event>) -> Worker {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
        });
        let s = shared.clone();
        let thread = std::thread::spawn(move || work(&root, &s, &tx));
        Worker { shared, thread }
    }

    /// Queue a job (none once the board is quitting).
    pub fn send(&self, job: Job) {
        let mut s = self.shared.lock();
        if s.closing.is_none() {
            s.queue.push_back(job);
            self.shared.wake.notify_one();
        }
    }

    /// The board quits: the reads and syncs still queued are dropped, the
    /// changes queued stay and the worker goes on to make them, then
    /// stops. A sync in progress is stopped (its child processes killed).
    /// From now on the worker tells what it does on the channel returned.
    pub fn close(&self) -> (Left, Receiver<Report>) {
        let (report, reports) = mpsc::channel();
        let mut s = self.shared.lock();
        s.closing = Some(report);
        let syncs = s.queue.iter().filter(|j| matches!(j, Job::Sync)).count();
        s.queue.retain(|j| j.change().is_some());
        self.shared.wake.notify_one();
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
        let mut s = self.shared.lock();
        let dropped = s.queue.drain(..).filter_map(|j| j.change()).collect();
        stop_child_processes();
        dropped
    }

    /// Whether the worker has stopped (after `close`, once the queue is
    /// done).
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }
}

fn work(root: &Path, shared: &Shared, tx: &Sender<Event>) {
    loop {
        let job = {
            let mut s = shared.lock();
            s.running = None;
            let job = loop {
                if let Some(job) = s.queue.pop_front() {
                    break job;
                }
                if s.closing.is_some() {
                    return;
                }
                s = shared.wake.wait(s).unwrap_or_else(|e| e.into_inner());
            };
            s.running = Some(job.running());
            if let (Some(report), Some(what)) = (&s.closing, job.change()) {
                let _ = report.send(Report::Started(what));
            }
            job
        };
        let (ev, wrote) = run_job(root, job);
        // Quitting (since before the job ended, or after): told to the
        // one waiting for it, not to the board.
        if let Some(report) = shared.lock().closing.clone() {
            let _ = report.send(Report::Ended(ev));
            continue;
        }
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

/// One job on the worker: its event, and whether it changed the
/// repository (a commit, a sync).
fn run_job(root: &Path, job: Job) -> (Event, bool) {
    let text = |e: anyhow::Error| format!("{e:#}");
    // Who acts and when, as git would commit here.
    let ctx = || ops::Context::from_env();
    let applied = |result: Result<ops::Outcome, String>| {
        let ok = result.is_ok();
        (Event::Applied(result), ok)
    };
    match job {
        Job::History(id) => {
            let r = crate::history::timeline(root, &id).map_err(text);
            (Event::History(id, r), false)
        }
        Job::Insights => (Event::Insights(insights(root).map_err(text)), false),
        Job::Sync => {
            let opts = crate::sync::Options::from_env();
            (
                Event::Synced(crate::sync::sync(root, &opts).map_err(text)),
                true,
            )
        }
        Job::Resolve(conflict, choice) => applied(conflict.resolve(&ctx(), choice).map_err(text)),
        Job::Undo { redo } => {
            let action = match redo {
                true => ops::Action::Redo { n: 1 },
                false => ops::Action::Undo { n: 1 },
            };
            let result = ops::apply(&ctx(), root, action);
            (
                Event::Undone(result.map(|o| o.summary).map_err(|e| e.to_string())),
                true,
            )
        }
        Job::ApplyNote(action, kept) => applied(match ops::apply(&ctx(), root, action) {
            Ok(o) => {
                if let Some(dir) = kept.parent() {
                    let _ = std::fs::remove_dir_all(dir);
                }
                Ok(o)
            }
            Err(e) => Err(format!("{e:#}\nyour note is kept in {}", kept.display())),
        }),
        Job::Apply(action) => match ops::apply(&ctx(), root, action) {
            Ok(o) => applied(Ok(o)),
            Err(ops::Error::Conflict(c)) => (Event::Conflict(*c), false),
            Err(e) => applied(Err(e.to_string())),
        },
        Job::Move(intent) => {
            let result = moves::commit(&ctx(), root, &intent).map_err(text);
            let wrote = matches!(result, Ok(moves::Moved::Done(_)));
            (Event::Moved(intent.id, result), wrote)
        }
        Job::Record { card, source } => {
            applied(crate::evidence::pick::record(&ctx(), root, &card, &source))
        }
        Job::Reload => (Event::Loaded(Board::load(root).map_err(text)), false),
        Job::Status => (Event::Status(repo_status(root)), false),
        Job::Runs { card } => {
            let offer = crate::evidence::pick::offer_for(root, &card, 12);
            (Event::Runs(card, offer), false)
        }
        Job::Stale(cards) => (
            Event::Stale(crate::evidence::stale::check_cards(root, &cards)),
            false,
        ),
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
