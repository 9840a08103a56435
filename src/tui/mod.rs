//! The terminal board. One event loop reads one channel; input, signals
//! and the git worker send into it. Drawing is a pure function of `App`.

pub mod app;
pub mod backend;
pub mod config;
pub mod keymap;
pub mod layout;
pub mod messages;
pub mod prompt;
pub mod theme;
pub mod view;

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

/// Everything the event loop reacts to.
#[derive(Debug)]
pub enum Event {
    Key(event::KeyEvent),
    Mouse(event::MouseEvent),
    Resize(u16, u16),
    /// An action finished on the worker.
    Applied(Result<ops::Outcome, String>),
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
    /// A hypothesis's recent runs were read (for `r`).
    Runs(String, Result<Vec<crate::evidence::mlflow::Recent>, String>),
    /// Stale verdicts were checked: card id -> why.
    Stale(std::collections::HashMap<String, Vec<String>>),
    /// Hypotheses and flow were computed.
    Insights(Result<app::Insights, String>),
    /// SIGTERM, SIGHUP or SIGINT: leave cleanly.
    Terminate,
}

/// Work for the git worker thread.
enum Job {
    Apply(ops::Action),
    /// A note written in $EDITOR: its file is removed once the note is
    /// committed, and kept (and named) if that fails.
    ApplyNote(ops::Action, PathBuf),
    /// Undo (false) or redo (true) one change.
    Undo {
        redo: bool,
    },
    Reload,
    Status,
    /// The store's recent runs of a metric, for a card.
    Runs {
        card: String,
        metric: String,
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

fn start_signals(tx: Sender<Event>) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT]) {
        std::thread::spawn(move || {
            if signals.forever().next().is_some() {
                let _ = tx.send(Event::Terminate);
            }
        });
    }
}

fn start_worker(root: PathBuf, tx: Sender<Event>) -> Sender<Job> {
    let (jobs, rx) = mpsc::channel::<Job>();
    std::thread::spawn(move || {
        while let Ok(job) = rx.recv() {
            let (ev, wrote) = run_job(&root, job);
            if tx.send(ev).is_err() {
                return;
            }
            // After a change to the repository: branch, uncommitted files,
            // ahead/behind as they are now.
            if wrote && tx.send(Event::Status(repo_status(&root))).is_err() {
                return;
            }
        }
    });
    jobs
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
            let result = if redo {
                ops::undo::redo(root, &ctx(), 1)
            } else {
                ops::undo::undo(root, &ctx(), 1)
            };
            (
                Event::Undone(result.map(|o| o.summary()).map_err(text)),
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
            Err(e) => match e.downcast::<ops::ConflictError>() {
                Ok(c) => (Event::Conflict(c), false),
                Err(e) => applied(Err(text(e))),
            },
        },
        Job::Record { card, source } => {
            let opts = crate::evidence::Options::default();
            applied(
                crate::evidence::record_result(&ctx(), root, &card, &source, &opts)
                    .map(|(_, outcome)| outcome)
                    .map_err(text),
            )
        }
        Job::Reload => (Event::Loaded(Board::load(root).map_err(text)), false),
        Job::Status => (Event::Status(repo_status(root)), false),
        Job::Runs { card, metric } => {
            let runs = crate::evidence::recent_runs(root, &metric, 12).map_err(text);
            (Event::Runs(card, runs), false)
        }
        Job::Stale(cards) => (
            Event::Stale(crate::evidence::stale::check_cards(root, &cards)),
            false,
        ),
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
    let _guard = TerminalGuard;
    #[allow(clippy::disallowed_methods)]
    let mut terminal = Terminal::new(backend::Safe(CrosstermBackend::new(std::io::stdout())))?;
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    terminal.draw(|f| view::draw(f, &app))?;

    let input = Input::start(tx.clone());
    start_signals(tx.clone());
    let jobs = start_worker(root.to_path_buf(), tx.clone());
    let _ = jobs.send(Job::Status);
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
    lp.run(&mut terminal, &mut app, &rx, &input, watcher.as_mut())
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
    jobs: Sender<Job>,
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
                let _ = self.jobs.send(Job::Reload);
                Reload::Running
            }
            _ => Reload::RunningAndWanted,
        };
    }

    fn reload_done(&mut self, app: &mut App) {
        self.reload = match self.reload {
            Reload::RunningAndWanted => {
                let _ = self.jobs.send(Job::Reload);
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
                        recheck |= matches!(ev, Event::Applied(Ok(_)));
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
        let _ = self.jobs.send(Job::Stale(cards));
    }

    fn files(
        &mut self,
        app: &mut App,
        files: crate::watch::Changes,
        watcher: Option<&mut BoardWatcher>,
    ) {
        if files.git {
            let _ = self.jobs.send(Job::Status);
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
                let _ = self.jobs.send(Job::Status);
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
                let _ = self.jobs.send(Job::Apply(action));
            }
            Effect::Undo | Effect::Redo => {
                let redo = matches!(effect, Effect::Redo);
                app.work = Work::Running(if redo { "redoing" } else { "undoing" }.into());
                let _ = self.jobs.send(Job::Undo { redo });
            }
            Effect::Reload => {
                self.request_reload(app);
                let _ = self.jobs.send(Job::Status);
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
                        let _ = self.jobs.send(Job::Status);
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
                        let _ = self
                            .jobs
                            .send(Job::ApplyNote(ops::Action::Note { card, text }, kept));
                    }
                    Ok(None) => app.set_message("empty note: nothing added", false),
                    Err(e) => app.set_message(format!("{e:#}"), true),
                }
            }
            Effect::Sync => {
                let _ = self.jobs.send(Job::Sync);
            }
            Effect::LoadHistory(id) => {
                let _ = self.jobs.send(Job::History(id));
            }
            Effect::LoadInsights => {
                let _ = self.jobs.send(Job::Insights);
            }
            Effect::LoadRuns { card, metric } => {
                let _ = self.jobs.send(Job::Runs { card, metric });
            }
            Effect::RecordResult { card, source } => {
                app.work = Work::Running("reading the run".into());
                let _ = self.jobs.send(Job::Record { card, source });
            }
            Effect::ResolveEdit(conflict, choice) => {
                let _ = self.jobs.send(Job::Resolve(conflict, choice));
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
        Event::Runs(card, runs) => {
            app.on_runs(card, runs);
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
        Event::Terminate => vec![Effect::Quit],
    }
}
