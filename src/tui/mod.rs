//! The terminal board. One event loop reads one channel; input, signals
//! and the git worker send into it. Drawing is a pure function of `App`.

pub mod app;
pub mod backend;
pub mod config;
pub mod keymap;
pub mod layout;
pub mod messages;
pub mod moves;
pub mod prompt;
pub mod theme;
pub mod view;
mod worker;

use crate::git;
use crate::ops::{self, editor};
use crate::store::{self, Board};
use crate::watch::BoardWatcher;
use anyhow::{Context, Result};
use app::{App, Effect, RepoStatus, Work};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event as TermEvent,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::Terminal;
use std::io::Stdout;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};
use worker::{Job, Report, Running, Worker};

/// Everything the event loop reacts to.
#[derive(Debug)]
pub enum Event {
    Key(event::KeyEvent),
    Mouse(event::MouseEvent),
    Resize(u16, u16),
    /// An action finished on the worker.
    Applied(Result<ops::Outcome, String>),
    /// Move presses (the intent with this id) were committed, or not.
    Moved(u64, Result<moves::Moved, String>),
    /// An undo or redo finished: what it did, in a line.
    Undone(Result<String, String>),
    /// The board was read again.
    Loaded(Result<Board, String>),
    Status(RepoStatus),
    /// Files changed on disk.
    Files(crate::watch::Changes),
    /// An inline edit collided with a change on disk.
    Conflict(ops::ConflictError),
    /// A sync finished.
    Synced(Result<crate::sync::Report, String>),
    /// Time for an automatic sync.
    AutoSync,
    /// A card's history was read.
    History(String, Result<Vec<crate::history::Entry>, String>),
    /// What `r` offers for a hypothesis was read: its recent runs, or keys.
    Runs(String, crate::evidence::pick::Offer),
    /// Stale verdicts were checked: card id -> why.
    Stale(std::collections::HashMap<String, Vec<String>>),
    /// Hypotheses and flow were computed.
    Insights(Result<app::Insights, String>),
    /// SIGTERM, SIGHUP or SIGINT: leave cleanly. (Once quitting, SIGINT
    /// or SIGTERM again: stop waiting for the work left.)
    Terminate,
}

/// Put the terminal back: mouse off, main screen, cooked mode, cursor on.
// The board screen draws to the terminal itself: what it draws is made
// safe cell by cell (`view::text`), so it may hold stdout.
#[allow(clippy::disallowed_methods)]
pub fn restore_terminal() {
    let mut out = std::io::stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

#[allow(clippy::disallowed_methods)]
fn enter_terminal() -> Result<()> {
    enable_raw_mode().context("cannot switch the terminal to raw mode")?;
    let mut out = std::io::stdout();
    execute!(out, EnterAlternateScreen, EnableMouseCapture)
        .context("cannot open the full-screen board")?;
    Ok(())
}

/// Restores the terminal however the board screen ends.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Reads terminal input on its own thread; can be paused while an editor
/// owns the terminal.
struct Input {
    paused: Arc<AtomicBool>,
    ack: Receiver<()>,
    resume: Sender<()>,
}

impl Input {
    fn start(tx: Sender<Event>) -> Input {
        let paused = Arc::new(AtomicBool::new(false));
        let (ack_tx, ack) = mpsc::channel();
        let (resume, resume_rx) = mpsc::channel::<()>();
        let p = paused.clone();
        std::thread::spawn(move || loop {
            if p.load(Ordering::SeqCst) {
                let _ = ack_tx.send(());
                if resume_rx.recv().is_err() {
                    return;
                }
                continue;
            }
            match event::poll(Duration::from_millis(50)) {
                Ok(true) => {
                    let ev = match event::read() {
                        Ok(TermEvent::Key(k)) => Event::Key(k),
                        Ok(TermEvent::Mouse(m)) => Event::Mouse(m),
                        Ok(TermEvent::Resize(w, h)) => Event::Resize(w, h),
                        Ok(_) => continue,
                        Err(_) => return,
                    };
                    if tx.send(ev).is_err() {
                        return;
                    }
                }
                Ok(false) => {}
                Err(_) => return,
            }
        });
        Input {
            paused,
            ack,
            resume,
        }
    }

    fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        let _ = self.ack.recv_timeout(Duration::from_secs(1));
    }

    fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
        let _ = self.resume.send(());
    }
}

/// SIGTERM, SIGHUP and SIGINT become `Event::Terminate`: the first quits
/// (finishing the work left); a later SIGINT or SIGTERM stops waiting for
/// it. A later SIGHUP does not (a closing terminal may send several).
fn start_signals(tx: Sender<Event>) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT]) {
        std::thread::spawn(move || {
            let mut first = true;
            for signal in signals.forever() {
                if (first || signal != SIGHUP) && tx.send(Event::Terminate).is_err() {
                    return;
                }
                first = false;
            }
        });
    }
}

/// Hypotheses and flow for the views (off the UI thread).
pub fn insights(root: &Path) -> Result<app::Insights> {
    let board = Board::load(root)?;
    let history = crate::history::board_history(root)?;
    let flow = crate::history::flow::flow(
        &history,
        &board.config,
        None,
        crate::model::date::now_secs(),
    );
    Ok(app::Insights {
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

/// Open the board screen on the board at `root`.
pub fn run(root: &Path) -> Result<()> {
    // The first screen shows the top of each lane; the worker then loads the
    // whole board (input waits for it, a few tens of milliseconds).
    let rows = ratatui::crossterm::terminal::size().map_or(50, |(_, h)| h);
    let board = Board::load_top(root, usize::from(rows).max(24))?;
    let (keymap, theme, problems) = config::load();
    let mut app = App::new(root.to_path_buf(), board, keymap, theme);
    if !problems.is_empty() {
        // All of them, whole: the message opens above the status line.
        app.say(
            format!("config file:\n{}", problems.join("\n")),
            app::Level::Error,
            Some(app::About::Config),
        );
    }

    let (tx, rx) = mpsc::channel::<Event>();
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous_hook(info);
    }));
    enter_terminal()?;
    let guard = TerminalGuard;
    #[allow(clippy::disallowed_methods)]
    let mut terminal = Terminal::new(backend::Safe(CrosstermBackend::new(std::io::stdout())))?;
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    terminal.draw(|f| view::draw(f, &app))?;

    let input = Input::start(tx.clone());
    start_signals(tx.clone());
    let jobs = Worker::start(root.to_path_buf(), tx.clone());
    jobs.send(Job::Status);
    let git_dir = git::open(root).ok().map(|r| r.path().to_path_buf());
    let files_tx = tx.clone();
    let mut watcher = match BoardWatcher::start(root, git_dir.as_deref(), move |c| {
        let _ = files_tx.send(Event::Files(c));
    }) {
        Ok(w) => {
            app.watch = Some(w.how.to_string());
            Some(w)
        }
        Err(e) => {
            app.watch = Some("not watching".into());
            app.set_message(
                format!(
                    "{e}; press {} to reload",
                    app.keymap.hint(keymap::Command::Reload)
                ),
                true,
            );
            None
        }
    };
    if let Some(minutes) = auto_sync_minutes(&app) {
        let tick = tx.clone();
        std::thread::spawn(move || loop {
            if tick.send(Event::AutoSync).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_secs(minutes * 60));
        });
    }
    let mut lp = Loop {
        jobs,
        reload: Reload::Idle,
        settle: Default::default(),
        deferred: Vec::new(),
    };
    if app.board.is_partial() {
        lp.request_reload(&mut app);
    } else {
        lp.check_stale(&mut app);
    }
    let looped = lp.run(&mut terminal, &mut app, &rx, &input, watcher.as_mut());
    // However the loop ended (q, a signal, a terminal gone), move presses
    // still waiting are committed too.
    for effect in app.flush_moves() {
        if let Effect::Move(intent) = effect {
            lp.jobs.send(Job::Move(intent));
        }
    }
    drop(watcher);
    input.pause();
    // The screen closes (once: leaving the alternate screen twice may put
    // the cursor back over the lines below).
    drop(guard);
    let finished = finish(&lp.jobs, &rx);
    looped.and(finished)
}

/// The longest quitting waits for the changes left to be made.
const QUIT_WAIT: Duration = Duration::from_secs(120);
/// The longest quitting waits for a sync to stop once its git is killed.
const SYNC_STOP: Duration = Duration::from_secs(10);

/// The board has closed: finish on the terminal what the worker still has
/// to do. Changes the user made are made, each on a line ("lanes:
/// finishing: moving 3fk2x7 to evaluation… done"); a sync in progress is
/// stopped and one not started is not started; a second SIGINT or SIGTERM
/// (or `QUIT_WAIT`) stops the waiting. Whatever was not done is named, and
/// makes the exit status 1.
fn finish(worker: &Worker, rx: &Receiver<Event>) -> Result<()> {
    use crate::cli::term::{say_line, say_partial};
    let (left, reports) = worker.close();
    let start = Instant::now();
    let mut deadline = start + QUIT_WAIT;
    // What the line on the terminal is waiting for, if one is open.
    let mut open: Option<String> = None;
    let mut not_done: Vec<String> = Vec::new();
    let mut failed = 0;
    match &left.running {
        Some(Running::Change(what)) => {
            say_partial(format_args!("lanes: finishing: {what}… "));
            open = Some(what.clone());
        }
        Some(Running::Sync) => {
            say_partial(format_args!("lanes: stopping the sync with the remote… "));
            open = Some("the sync with the remote".into());
            deadline = start + SYNC_STOP;
        }
        Some(Running::Read) | None => {}
    }
    if left.syncs_not_started > 0 {
        not_done.push("the sync with the remote you asked for (run `lanes sync`)".into());
    }
    // Nothing to wait for but a read (history, a reload): it ends with us.
    let idle = matches!(left.running, Some(Running::Read) | None) && left.changes_queued == 0;
    let why = loop {
        if idle {
            break None;
        }
        // A second SIGINT or SIGTERM: stop waiting.
        if rx.try_iter().any(|ev| matches!(ev, Event::Terminate)) {
            break Some("interrupted".to_string());
        }
        let report = match reports.recv_timeout(Duration::from_millis(50)) {
            Ok(report) => report,
            Err(_) if worker.is_finished() => break None,
            Err(_) if Instant::now() > deadline => {
                break Some(format!(
                    "gave up waiting after {} s",
                    start.elapsed().as_secs()
                ))
            }
            Err(_) => continue,
        };
        match report {
            Report::Started(what) => {
                say_partial(format_args!("lanes: finishing: {what}… "));
                open = Some(what);
                deadline = start + QUIT_WAIT;
            }
            Report::Ended(ev) => {
                let Some((done, said)) = outcome(&ev) else {
                    continue;
                };
                if !done {
                    failed += 1;
                }
                if open.take().is_some() {
                    say_line(format_args!("{said}"));
                }
            }
        }
    };
    if let Some(why) = why {
        let dropped = worker.give_up();
        if let Some(what) = open.take() {
            say_line(format_args!("not finished ({why})"));
            not_done.push(format!(
                "{what} (if it was half made, the next lanes command finishes or rolls it back)"
            ));
        }
        not_done.extend(dropped);
    }
    for what in &not_done {
        say_line(format_args!("lanes: not done: {what}"));
    }
    if failed + not_done.len() > 0 {
        anyhow::bail!("quit before everything asked for was done (see above)");
    }
    Ok(())
}

/// How a result the worker sent when quitting reads on the terminal:
/// (whether it was done, what to say). None for reads.
fn outcome(ev: &Event) -> Option<(bool, String)> {
    let failed = |e: &str| (false, format!("failed: {e}"));
    Some(match ev {
        Event::Applied(Ok(_)) | Event::Moved(_, Ok(moves::Moved::Done(_))) => (true, "done".into()),
        Event::Moved(_, Ok(moves::Moved::Unchanged(why))) => (true, format!("done ({why})")),
        Event::Moved(_, Ok(moves::Moved::NotMade(why, _))) => (false, format!("not made: {why}")),
        Event::Undone(Ok(summary)) => (true, format!("done: {summary}")),
        Event::Applied(Err(e)) | Event::Moved(_, Err(e)) | Event::Undone(Err(e)) => failed(e),
        Event::Conflict(c) => (false, format!("not saved: {c}")),
        Event::Synced(Ok(r)) if r.offline.is_none() => (true, format!("done: {}", r.summary())),
        Event::Synced(_) => (
            false,
            "stopped before it finished (run `lanes sync` to sync)".into(),
        ),
        _ => return None,
    })
}

/// Auto-sync interval: `settings.sync_every_minutes` in board.yaml, or
/// `sync_every_minutes` in the user's config; 0 or absent means off.
fn auto_sync_minutes(app: &App) -> Option<u64> {
    let from_board = app
        .board
        .config
        .settings
        .extra
        .get("sync_every_minutes")
        .and_then(serde_yaml::Value::as_u64);
    from_board
        .or_else(config::sync_every_minutes)
        .filter(|m| *m > 0)
}

/// Full reloads run on the worker; at most one runs and one more waits, so a
/// burst of changes costs at most two reads of the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reload {
    Idle,
    Running,
    RunningAndWanted,
}

struct Loop {
    jobs: Worker,
    reload: Reload,
    /// File changes held back while a burst (a checkout, a pull) settles.
    settle: crate::watch::Settle,
    /// Keys and clicks that arrived while only the top of the board was
    /// loaded; handled once the whole board is in.
    deferred: Vec<Event>,
}

impl Loop {
    fn request_reload(&mut self, app: &mut App) {
        self.reload = match self.reload {
            Reload::Idle => {
                app.work = Work::Running("reloading".into());
                self.jobs.send(Job::Reload);
                Reload::Running
            }
            _ => Reload::RunningAndWanted,
        };
    }

    fn reload_done(&mut self, app: &mut App) {
        self.reload = match self.reload {
            Reload::RunningAndWanted => {
                self.jobs.send(Job::Reload);
                app.work = Work::Running("reloading".into());
                Reload::Running
            }
            _ => Reload::Idle,
        };
    }

    fn run(
        &mut self,
        terminal: &mut Terminal<backend::Safe<CrosstermBackend<Stdout>>>,
        app: &mut App,
        rx: &Receiver<Event>,
        input: &Input,
        mut watcher: Option<&mut BoardWatcher>,
    ) -> Result<()> {
        loop {
            // Wake for the next settle of file changes, message expiry or
            // pending J/K presses, whichever comes first.
            let due = [self.settle.due(), app.next_deadline()]
                .into_iter()
                .flatten()
                .min();
            let first = match due {
                Some(due) => match rx.recv_timeout(due.saturating_duration_since(Instant::now())) {
                    Ok(ev) => Some(ev),
                    Err(mpsc::RecvTimeoutError::Timeout) => None,
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                },
                None => match rx.recv() {
                    Ok(ev) => Some(ev),
                    Err(_) => break,
                },
            };
            app.tick(Instant::now(), crate::model::date::now_secs());
            for effect in app.due_effects() {
                if self.effect(terminal, app, input, effect)? {
                    return Ok(());
                }
            }
            let mut next = first;
            let mut files = crate::watch::Changes::default();
            // Whether the cards may have changed: evidence is checked again.
            let mut recheck = false;
            // Handle everything already waiting before drawing once.
            while let Some(ev) = next {
                let effects = match ev {
                    Event::Files(c) => {
                        files.merge(c);
                        Vec::new()
                    }
                    ev @ (Event::Key(_) | Event::Mouse(_))
                        if app.board.is_partial() && self.reload != Reload::Idle =>
                    {
                        self.deferred.push(ev);
                        Vec::new()
                    }
                    Event::Loaded(result) => {
                        recheck = true;
                        self.reload_done(app);
                        let mut effects = handle(app, Event::Loaded(result));
                        if !app.board.is_partial() || self.reload == Reload::Idle {
                            for ev in std::mem::take(&mut self.deferred) {
                                effects.extend(handle(app, ev));
                            }
                        }
                        effects
                    }
                    ev => {
                        recheck |= matches!(
                            ev,
                            Event::Applied(Ok(_)) | Event::Moved(_, Ok(moves::Moved::Done(_)))
                        );
                        handle(app, ev)
                    }
                };
                for effect in effects {
                    if self.effect(terminal, app, input, effect)? {
                        return Ok(());
                    }
                }
                next = rx.try_recv().ok();
            }
            let now = Instant::now();
            if !files.is_empty() {
                if let Some(now_changes) = self.settle.offer(files, now) {
                    self.files(app, now_changes, watcher.as_deref_mut());
                    recheck = true;
                }
            }
            if let Some(burst) = self.settle.take_due(now) {
                self.files(app, burst, watcher.as_deref_mut());
                recheck = true;
            }
            if recheck {
                self.check_stale(app);
            }
            terminal.draw(|f| view::draw(f, app))?;
        }
        Ok(())
    }

    /// Check the evidence of the cards that have some, on the worker,
    /// when they changed (or the board was read again: `dvc.lock` or a
    /// store may have changed too).
    fn check_stale(&mut self, app: &mut App) {
        let cards = app.evidence_cards();
        if cards.is_empty() {
            app.stale.clear();
            return;
        }
        self.jobs.send(Job::Stale(cards));
    }

    fn files(
        &mut self,
        app: &mut App,
        files: crate::watch::Changes,
        watcher: Option<&mut BoardWatcher>,
    ) {
        if files.git {
            self.jobs.send(Job::Status);
        }
        if let Some(e) = files.errors.first() {
            app.set_message(format!("watcher: {e}"), true);
        }
        if files.needs_full_reload() || app.board_missing.is_some() {
            if let Some(w) = watcher {
                if let Err(e) = w.rewatch_board_dir() {
                    app.set_message(e, true);
                }
            }
            self.request_reload(app);
        } else if app.board.is_partial() && !files.cards.is_empty() {
            // Changed cards may be among those not loaded yet.
            self.request_reload(app);
        } else if !files.cards.is_empty() {
            let read = crate::watch::read_changed(&app.root, &files.cards);
            if app.on_card_files(read) {
                self.jobs.send(Job::Status);
            }
        }
    }

    /// Run one effect; true means quit.
    fn effect(
        &mut self,
        terminal: &mut Terminal<backend::Safe<CrosstermBackend<Stdout>>>,
        app: &mut App,
        input: &Input,
        effect: Effect,
    ) -> Result<bool> {
        match effect {
            Effect::Quit => return Ok(true),
            Effect::Apply { action } => {
                app.work = Work::Running(action_name(&action).into());
                self.jobs.send(Job::Apply(action));
            }
            Effect::Move(intent) => {
                app.work = Work::Running("moving".into());
                self.jobs.send(Job::Move(intent));
            }
            Effect::Undo | Effect::Redo => {
                let redo = matches!(effect, Effect::Redo);
                app.work = Work::Running(if redo { "redoing" } else { "undoing" }.into());
                self.jobs.send(Job::Undo { redo });
            }
            Effect::Reload => {
                self.request_reload(app);
                self.jobs.send(Job::Status);
            }
            Effect::EditInEditor(id) => {
                input.pause();
                restore_terminal();
                let result = edit_card(&app.root, &id);
                enter_terminal()?;
                terminal.clear()?;
                input.resume();
                match result {
                    Ok(editor::Edited::Applied(outcome)) => {
                        app.on_applied(Ok(outcome));
                        self.jobs.send(Job::Status);
                    }
                    Ok(editor::Edited::Unchanged(msg)) => app.set_message(msg, false),
                    Ok(editor::Edited::Conflict(c)) => app.on_conflict(app::Pending::Edit(c)),
                    Err(e) => app.set_message(format!("{e:#}"), true),
                }
            }
            Effect::NoteInEditor { card, text } => {
                input.pause();
                restore_terminal();
                let result = note_in_editor(&app.root, &text);
                enter_terminal()?;
                terminal.clear()?;
                input.resume();
                match result {
                    Ok(Some((text, kept))) => {
                        app.work = Work::Running("adding note".into());
                        self.jobs
                            .send(Job::ApplyNote(ops::Action::Note { card, text }, kept));
                    }
                    Ok(None) => app.set_message("empty note: nothing added", false),
                    Err(e) => app.set_message(format!("{e:#}"), true),
                }
            }
            Effect::Sync => {
                self.jobs.send(Job::Sync);
            }
            Effect::LoadHistory(id) => {
                self.jobs.send(Job::History(id));
            }
            Effect::LoadInsights => {
                self.jobs.send(Job::Insights);
            }
            Effect::LoadRuns { card, .. } => {
                self.jobs.send(Job::Runs { card });
            }
            Effect::RecordResult { card, source } => {
                app.work = Work::Running("reading the run".into());
                self.jobs.send(Job::Record { card, source });
            }
            Effect::ResolveEdit(conflict, choice) => {
                self.jobs.send(Job::Resolve(conflict, choice));
            }
        }
        Ok(false)
    }
}

fn edit_card(root: &Path, id: &str) -> Result<editor::Edited> {
    let session = editor::EditSession::start(root, id)?;
    crate::cli::term::say_line(format_args!(
        "editing {} (save and quit the editor to return to the board)",
        crate::model::id::short(id)
    ));
    editor::run_editor(&session.path)?;
    session.finish(&ops::Context::from_env())
}

/// Write a journal note in $EDITOR, starting from `start`: the note and
/// the file that holds it (kept until the note is committed), or None if
/// it is left empty. Lines starting with `#` are instructions and are
/// dropped. The file lives in the repository's `.git/lanes/`, never in a
/// shared temporary folder.
fn note_in_editor(root: &Path, start: &str) -> Result<Option<(String, PathBuf)>> {
    let scratch = crate::store::cache::Scratch::in_git_dir(git::open(root)?.path());
    let dir = scratch.note_dir(std::process::id(), crate::model::date::now_secs());
    std::fs::create_dir_all(&dir).context("cannot make a folder for the note")?;
    let path = dir.join("NOTE.md");
    std::fs::write(
        &path,
        format!(
            "{start}\n# Write the journal note above. Lines starting with # are dropped;\n# an empty note adds nothing.\n"
        ),
    )
    .context("cannot write the note file")?;
    let text = editor::run_editor(&path).and_then(|()| store::read_user_file(&path))?;
    let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let note = kept.join("\n").trim().to_string();
    if note.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(None);
    }
    Ok(Some((note, path)))
}

fn action_name(a: &ops::Action) -> &'static str {
    use ops::Action::*;
    match a {
        Add(_) => "adding",
        Move { .. } => "moving",
        Set { .. } | SetChecked { .. } | Replace { .. } => "saving",
        Note { .. } => "adding note",
        Verdict { .. } => "saving verdict",
        Archive { .. } => "archiving",
        Restore { .. } => "restoring",
        Claim { .. } => "claiming",
        Release { .. } => "releasing",
        Record(_) => "recording",
        Undo { .. } => "undoing",
        Redo { .. } => "redoing",
        Commit { .. } => "committing",
        Init(_) => "creating the board",
    }
}

/// Turn one event into state changes and effects.
pub fn handle(app: &mut App, ev: Event) -> Vec<Effect> {
    match ev {
        Event::Key(k) => app.on_key(k),
        Event::Mouse(m) => app.on_mouse(m),
        Event::Resize(w, h) => {
            app.resize(w, h);
            Vec::new()
        }
        Event::Applied(result) => {
            app.on_applied(result);
            Vec::new()
        }
        Event::Moved(id, result) => {
            app.on_moved(id, result);
            Vec::new()
        }
        Event::Undone(result) => {
            let done = result.is_ok();
            app.on_undone(result);
            // Undo writes card files and commits: read the board again.
            if done {
                vec![Effect::Reload]
            } else {
                Vec::new()
            }
        }
        Event::Loaded(Ok(board)) => {
            app.work = Work::Idle;
            app.on_loaded(board);
            Vec::new()
        }
        Event::Loaded(Err(e)) => {
            app.work = Work::Idle;
            if app.root.join(store::BOARD_FILE).exists() {
                app.say(e, app::Level::Error, Some(app::About::Board));
            } else {
                app.board_missing = Some(e);
            }
            Vec::new()
        }
        Event::Status(s) => {
            app.on_status(s);
            Vec::new()
        }
        Event::Files(_) => Vec::new(),
        Event::Conflict(c) => {
            app.on_conflict(app::Pending::Field(c));
            Vec::new()
        }
        Event::Synced(result) => {
            let changed = result.as_ref().is_ok_and(|r| !r.changed.is_empty());
            app.on_synced(result, crate::model::date::now_secs());
            if changed {
                vec![Effect::Reload]
            } else {
                Vec::new()
            }
        }
        Event::History(id, r) => {
            app.history = Some((id, r));
            Vec::new()
        }
        Event::Runs(card, offer) => {
            app.on_runs(card, offer);
            Vec::new()
        }
        Event::Stale(map) => {
            app.stale = map;
            Vec::new()
        }
        Event::Insights(r) => {
            app.insights = Some(r);
            Vec::new()
        }
        Event::AutoSync => {
            if app.sync == app::SyncState::Running {
                Vec::new()
            } else {
                app.sync = app::SyncState::Running;
                vec![Effect::Sync]
            }
        }
        // Move presses waiting for a pause are committed first.
        Event::Terminate => {
            let mut effects = app.flush_moves();
            effects.push(Effect::Quit);
            effects
        }
    }
}
