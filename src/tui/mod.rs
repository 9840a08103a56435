//! The terminal board. One event loop reads one channel; input, signals,
//! the watcher and the worker send into it. Each event goes to the app
//! (`app::App::update`), which changes its state and returns effects; the
//! loop runs them (on the worker, or here for the editor and the watcher)
//! and decides nothing itself. Drawing is a pure function of the app.
//!
//! - `app/`: the model (`state.rs`) and one update file per mode;
//! - `view/`: drawing; `layout`: where things go, as plain geometry;
//! - `command`: every key command, once; `keymap`, `config`, `theme`;
//! - `worker`: the git work, off the screen's thread;
//! - `terminal`, `finish`: the terminal itself, and quitting.

pub mod app;
pub mod backend;
pub mod command;
pub mod config;
mod event;
mod finish;
pub mod keymap;
pub mod layout;
pub mod messages;
pub mod moves;
pub mod prompt;
mod terminal;
pub mod text;
pub mod theme;
pub mod view;
mod worker;

pub use event::Event;
pub use terminal::restore_terminal;
pub use worker::{insights, repo_status};

use crate::git;
use crate::store::Board;
use crate::watch::{BoardWatcher, Changes};
use anyhow::Result;
use app::{App, Effect, Runner};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::Stdout;
use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};
use terminal::{Input, TerminalGuard};
use worker::Worker;

type Screen = Terminal<backend::Safe<CrosstermBackend<Stdout>>>;

/// Open the board screen on the board at `root`.
pub fn run(root: &Path) -> Result<()> {
    // The first screen shows the top of each lane; the worker then loads the
    // whole board (input waits for it, a few tens of milliseconds).
    let rows = ratatui::crossterm::terminal::size().map_or(50, |(_, h)| h);
    let board = Board::load_top(root, usize::from(rows).max(24))?;
    let (keymap, theme, mut problems) = config::load();
    let mut app = App::new(root.to_path_buf(), board, keymap, theme);
    // The user's own views, and who `@me` is.
    let personal = crate::config::read().unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    app.me = crate::config::me(personal.as_ref(), root);
    app.personal = personal;
    app.refresh_views();
    app.rebuild();
    if !problems.is_empty() {
        // All of them, whole: the message opens above the status line.
        let mut text = format!("config file:\n{}", problems.join("\n"));
        if !app.view_problems.is_empty() {
            text.push_str(&format!(
                "\nsaved views lanes cannot use (the others work):\n{}",
                app.view_problems.join("\n")
            ));
        }
        app.say(text, app::Level::Error, Some(app::About::Config));
    }

    let (tx, rx) = mpsc::channel::<Event>();
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous_hook(info);
    }));
    terminal::enter_terminal()?;
    let guard = TerminalGuard;
    // The board screen draws to the terminal itself: what it draws is made
    // safe cell by cell (`text`, `backend`), so it may hold stdout.
    #[allow(clippy::disallowed_methods)]
    let mut screen = Terminal::new(backend::Safe(CrosstermBackend::new(std::io::stdout())))?;
    let size = screen.size()?;
    app.resize(size.width, size.height);
    screen.draw(|f| view::draw(f, &app))?;

    let input = Input::start(tx.clone());
    terminal::start_signals(tx.clone());
    let worker = Worker::start(root.to_path_buf(), tx.clone());
    let git_dir = git::open(root).ok().map(|r| r.path().to_path_buf());
    let files_tx = tx.clone();
    let watcher = match BoardWatcher::start(root, git_dir.as_deref(), poll_asked(), move |c| {
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
                    app.keymap.hint(command::KeyCommand::Reload)
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
        worker,
        watcher,
        input,
        deferred: Vec::new(),
    };
    let looped = lp.run(&mut screen, &mut app, &rx);
    // However the loop ended (q, a signal, a terminal gone), move presses
    // still waiting are committed too.
    for effect in app.flush_moves() {
        lp.worker.send(effect);
    }
    drop(lp.watcher.take());
    lp.input.pause();
    // The screen closes (once: leaving the alternate screen twice may put
    // the cursor back over the lines below).
    drop(guard);
    let finished = finish::finish(&lp.worker, &rx);
    looped.and(finished)
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

/// The event loop: it hands each event to the app and runs the effects
/// the app returns.
struct Loop {
    worker: Worker,
    watcher: Option<BoardWatcher>,
    input: Input,
    /// Keys and clicks that arrived while only the top of the board was
    /// loaded; handled once the whole board is in.
    deferred: Vec<Event>,
}

impl Loop {
    fn run(&mut self, screen: &mut Screen, app: &mut App, rx: &Receiver<Event>) -> Result<()> {
        let start = app.start();
        if self.effects(screen, app, start)? {
            return Ok(());
        }
        loop {
            // Wake for whatever the app waits on by the clock: a burst of
            // file changes settling, a message expiring, J/K presses.
            let first = match app.next_deadline() {
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
            let due = app.due_effects();
            if self.effects(screen, app, due)? {
                return Ok(());
            }
            // Everything already waiting is handled before drawing once.
            let mut next = first;
            let mut files = Changes::default();
            while let Some(ev) = next {
                let effects = match ev {
                    Event::Files(c) => {
                        files.merge(c);
                        Vec::new()
                    }
                    ev @ (Event::Key(_) | Event::Mouse(_)) if app.waiting_for_board() => {
                        self.deferred.push(ev);
                        Vec::new()
                    }
                    ev @ Event::Loaded(_) => {
                        let mut effects = app.update(ev);
                        if !app.waiting_for_board() {
                            for ev in std::mem::take(&mut self.deferred) {
                                effects.extend(app.update(ev));
                            }
                        }
                        effects
                    }
                    ev => app.update(ev),
                };
                if self.effects(screen, app, effects)? {
                    return Ok(());
                }
                next = rx.try_recv().ok();
            }
            // Then the watcher's batches of this round, taken in as one,
            // and a burst held back that is due now.
            app.tick(Instant::now(), crate::model::date::now_secs());
            let effects = app.on_files(files);
            if self.effects(screen, app, effects)? {
                return Ok(());
            }
            screen.draw(|f| view::draw(f, app))?;
        }
        Ok(())
    }

    /// Run effects in order; true means quit.
    fn effects(
        &mut self,
        screen: &mut Screen,
        app: &mut App,
        effects: Vec<Effect>,
    ) -> Result<bool> {
        let mut queue = std::collections::VecDeque::from(effects);
        while let Some(effect) = queue.pop_front() {
            if effect.runner() != Runner::Screen {
                app.working_on(&effect);
                self.worker.send(effect);
                continue;
            }
            match effect {
                Effect::Quit => return Ok(true),
                Effect::Rewatch => {
                    if let Some(w) = self.watcher.as_mut() {
                        if let Err(e) = w.rewatch_board_dir() {
                            app.set_message(e, true);
                        }
                    }
                }
                Effect::EditInEditor(id) => {
                    let result = self.suspended(screen, || terminal::edit_card(&app.root, &id))?;
                    queue.extend(app.on_edited(result));
                }
                Effect::NoteInEditor { card, text } => {
                    let root = app.root.clone();
                    let result =
                        self.suspended(screen, || terminal::note_in_editor(&root, &text))?;
                    queue.extend(app.on_note_written(card, result));
                }
                // Worker effects went above.
                _ => {}
            }
        }
        Ok(false)
    }

    /// Run `f` with the screen handed over to another program ($EDITOR).
    fn suspended<T>(&mut self, screen: &mut Screen, f: impl FnOnce() -> T) -> Result<T> {
        self.input.pause();
        restore_terminal();
        let out = f();
        terminal::enter_terminal()?;
        screen.clear()?;
        self.input.resume();
        Ok(out)
    }
}

/// `LANES_WATCH=poll`: watch by polling.
fn poll_asked() -> bool {
    crate::env::Env::get().text("LANES_WATCH") == Some("poll")
}
