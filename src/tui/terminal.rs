//! The terminal the board screen runs in: raw mode and the alternate
//! screen on and off, the thread that reads keys (paused while $EDITOR
//! owns the terminal), signals as events, and the editor sessions that
//! suspend the screen.

use super::Event;
use crate::git;
use crate::ops::{self, editor};
use crate::store;
use anyhow::{Context, Result};
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event as TermEvent,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

/// Put the terminal back: mouse off, main screen, cooked mode, cursor on.
// The board screen draws to the terminal itself: what it draws is made
// safe cell by cell (`text`), so it may hold stdout.
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
pub(super) fn enter_terminal() -> Result<()> {
    enable_raw_mode().context("cannot switch the terminal to raw mode")?;
    let mut out = std::io::stdout();
    execute!(out, EnterAlternateScreen, EnableMouseCapture)
        .context("cannot open the full-screen board")?;
    Ok(())
}

/// Restores the terminal however the board screen ends.
pub(super) struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Reads terminal input on its own thread; can be paused while an editor
/// owns the terminal.
pub(super) struct Input {
    paused: Arc<AtomicBool>,
    ack: Receiver<()>,
    resume: Sender<()>,
}

impl Input {
    pub(super) fn start(tx: Sender<Event>) -> Input {
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

    pub(super) fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        let _ = self.ack.recv_timeout(Duration::from_secs(1));
    }

    pub(super) fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
        let _ = self.resume.send(());
    }
}

/// SIGTERM, SIGHUP and SIGINT become `Event::Terminate`: the first quits
/// (finishing the work left); a later SIGINT or SIGTERM stops waiting for
/// it. A later SIGHUP does not (a closing terminal may send several).
pub(super) fn start_signals(tx: Sender<Event>) {
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

/// Edit a card in $EDITOR (the screen is suspended meanwhile).
pub(super) fn edit_card(root: &Path, id: &str) -> Result<editor::Edited> {
    let session = editor::EditSession::start(root, id)?;
    crate::term::say_line(format_args!(
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
pub(super) fn note_in_editor(root: &Path, start: &str) -> Result<Option<(String, PathBuf)>> {
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
