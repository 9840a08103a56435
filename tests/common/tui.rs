//! The terminal board in process: boards built by hand with fixed ids,
//! rendering into ratatui's TestBackend, and finding text and styles on
//! the rendered screen.

use super::Repo;
use lanes::store::Board;
use lanes::tui::app::{App, Effect};
use lanes::tui::keymap::Keymap;
use lanes::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use std::path::Path;
use unicode_width::UnicodeWidthStr;

/// The day every test board treats as today.
pub const TODAY: &str = "2026-11-27";

impl Repo {
    /// A repository with a crisp-dm board named "Test board" (one commit),
    /// made in process.
    pub fn crisp_dm() -> Repo {
        let r = Repo::new();
        let text = lanes::templates::BUILTIN
            .iter()
            .find(|(n, _)| *n == "crisp-dm")
            .map(|(_, t)| *t)
            .expect("crisp-dm template");
        lanes::ops::init_board(
            &lanes::ops::Context::from_env(),
            &r.path,
            text,
            "crisp-dm",
            Some("Test board"),
        )
        .expect("init the board");
        r
    }

    /// The board, read in process.
    pub fn load(&self) -> Board {
        Board::load(&self.path).expect("load the board")
    }

    /// An app on this board, without colour, today pinned, sized.
    pub fn app(&self, w: u16, h: u16) -> App {
        self.app_with(Theme::no_color(), w, h)
    }

    pub fn app_with(&self, theme: Theme, w: u16, h: u16) -> App {
        let mut app = App::new(self.path.clone(), self.load(), Keymap::default(), theme);
        app.today = lanes::model::date::parse_date(TODAY).expect("a date");
        app.resize(w, h);
        app
    }
}

/// A YAML double-quoted string.
pub fn q(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A simple card: the fields every card has plus `extra` YAML lines.
pub fn card(id: &str, title: &str, lane: &str, rank: &str, kind: &str, extra: &str) -> String {
    let mut s = format!(
        "id: {id}\ntitle: {}\nlane: {lane}\nrank: {rank}\nkind: {kind}\n",
        q(title)
    );
    s.push_str(extra);
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// Render the app into a fresh TestBackend of its size.
pub fn render(app: &App) -> Terminal<TestBackend> {
    let mut terminal =
        Terminal::new(TestBackend::new(app.size.width, app.size.height)).expect("a test terminal");
    terminal
        .draw(|f| lanes::tui::view::draw(f, app))
        .expect("draw");
    terminal
}

/// Where the board's parts are on the app's screen, as drawing puts them.
pub fn screen(app: &App) -> lanes::tui::layout::Screen {
    lanes::tui::layout::screen(app.first_col, app.columns.len(), app.size)
}

/// The rendered buffer of a freshly drawn app.
pub fn buffer(app: &App) -> Buffer {
    render(app).backend().buffer().clone()
}

/// The visible text of one row with, for each char, the x of its cell.
/// Cells hidden behind a wide character are skipped.
pub fn row_text(buf: &Buffer, y: u16) -> (String, Vec<u16>) {
    let mut text = String::new();
    let mut xs = Vec::new();
    let mut skip = 0usize;
    for x in buf.area.x..buf.area.right() {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        let sym = buf[(x, y)].symbol();
        for c in sym.chars() {
            text.push(c);
            xs.push(x);
        }
        skip = sym.width().saturating_sub(1);
    }
    (text, xs)
}

/// All rows as text.
pub fn lines(buf: &Buffer) -> Vec<String> {
    (buf.area.y..buf.area.bottom())
        .map(|y| row_text(buf, y).0)
        .collect()
}

/// The whole screen as text, one line per row.
pub fn screen_text(buf: &Buffer) -> String {
    lines(buf).join("\n")
}

/// Every (x, y) where `needle` starts on screen.
pub fn find_all(buf: &Buffer, needle: &str) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    for y in buf.area.y..buf.area.bottom() {
        let (text, xs) = row_text(buf, y);
        let chars: Vec<char> = text.chars().collect();
        let n: Vec<char> = needle.chars().collect();
        if n.is_empty() || chars.len() < n.len() {
            continue;
        }
        for i in 0..=chars.len() - n.len() {
            if chars[i..i + n.len()] == n[..] {
                out.push((xs[i], y));
            }
        }
    }
    out
}

/// Where `needle` first appears on screen.
pub fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    find_all(buf, needle).into_iter().next()
}

/// Where `needle` first appears; panics with the screen if it does not.
pub fn locate(buf: &Buffer, needle: &str) -> (u16, u16) {
    find(buf, needle)
        .unwrap_or_else(|| panic!("{needle:?} is not on screen:\n{}", screen_text(buf)))
}

/// A key press without modifiers.
pub fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

pub fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// Send keys; collect every effect.
pub fn press(app: &mut App, keys: &[KeyEvent]) -> Vec<Effect> {
    let mut out = Vec::new();
    for k in keys {
        out.extend(app.on_key(*k));
    }
    out
}

/// Type text into a prompt, char by char.
pub fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(app.on_key(key(c)));
    }
    out
}

/// Run every `Apply` and `Move` effect for real, as the event loop's
/// worker does, and feed the outcome back into the app. Panics on anything
/// else.
pub fn run_effects(app: &mut App, root: &Path, effects: Vec<Effect>) {
    for e in effects {
        match e {
            Effect::Apply { action, .. } => {
                let outcome = lanes::ops::apply(&lanes::ops::Context::from_env(), root, action)
                    .unwrap_or_else(|e| panic!("the action failed: {e:#}"));
                app.on_applied(Ok(outcome));
            }
            // The worker's own code: the intent applied to the card as it
            // is on disk now.
            Effect::Move(intent) => {
                let result =
                    lanes::tui::moves::commit(&lanes::ops::Context::from_env(), root, &intent)
                        .map_err(lanes::ops::Error::from);
                app.on_moved(intent.id, result);
            }
            // What the event loop does with them: the worker runs the
            // undo or redo, then the board is read again.
            e @ (Effect::Undo | Effect::Redo) => {
                let ctx = lanes::ops::Context::from_env();
                let result = if e == Effect::Redo {
                    lanes::ops::undo::redo(root, &ctx, 1)
                } else {
                    lanes::ops::undo::undo(root, &ctx, 1)
                };
                app.on_undone(result.map(|o| o.summary()).map_err(lanes::ops::Error::from));
                app.on_loaded(lanes::store::Board::load(root).expect("the board reads"));
            }
            other => panic!("unexpected effect {other:?}"),
        }
    }
}

/// Let the keys pause long enough for pending `H` `L` `J` `K` presses to
/// become their commit: the effects that are then due.
pub fn pause(app: &mut App) -> Vec<Effect> {
    let later = app.now + lanes::tui::moves::PAUSE;
    app.tick(later, app.wall);
    app.due_effects()
}

/// Press keys, then let the keys pause: every effect, the move presses'
/// commit included.
pub fn press_then_pause(app: &mut App, keys: &[KeyEvent]) -> Vec<Effect> {
    let mut effects = press(app, keys);
    effects.extend(pause(app));
    effects
}

/// The selected card's id.
pub fn selected(app: &App) -> Option<String> {
    app.selected_card().map(|c| c.id.clone())
}
