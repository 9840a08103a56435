//! The help screen, generated from the keymap in force: the keys of the
//! view it was opened from first, then every board key by topic.

use crate::tui::app::{App, Mode};
use crate::tui::command::{KeyCommand, Topic};
use ratatui::text::{Line, Span};

/// Keys of a view that are not keymap commands: (keys, what).
fn view_keys(app: &App, mode: &Mode) -> Vec<(String, &'static str)> {
    let scroll = vec![
        ("j k ↑ ↓", "scroll a line"),
        ("Ctrl+d Ctrl+u", "scroll a page"),
        ("g G", "top, end"),
        ("Esc q", "close"),
    ];
    let fixed = |keys: Vec<(&str, &'static str)>| {
        keys.into_iter()
            .map(|(k, what)| (k.to_string(), what))
            .collect::<Vec<_>>()
    };
    match mode {
        Mode::Board => Vec::new(),
        Mode::Detail { .. } => {
            // The card's commands work here as on the board.
            let card_keys = |topic: Topic| {
                KeyCommand::in_topic(topic)
                    .filter(|c| c.needs_card())
                    .map(|c| app.keymap.hint(c))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let mut k = fixed(scroll);
            k.push(("Enter".into(), "close"));
            k.push((
                card_keys(Topic::ChangeCards),
                "change the card, as on the board",
            ));
            k.push((card_keys(Topic::MoveCards), "move it"));
            k
        }
        Mode::PickField { .. } => fixed(vec![
            ("j k", "select a field"),
            ("a letter", "the next field starting with it"),
            ("Enter", "edit it: the prompt checks the value as you type"),
            ("Esc", "cancel"),
        ]),
        Mode::Hypotheses { .. } => fixed(vec![
            ("j k", "select a hypothesis"),
            ("Enter", "open its card (Esc comes back here)"),
            ("l v m u", "sort by lane, verdict, metric, last update"),
            ("g G", "first, last"),
            ("Esc q p", "close"),
        ]),
        Mode::Checklist { .. } => fixed(vec![
            ("j k", "select an item"),
            ("Space Enter x", "tick or untick it (one commit)"),
            ("Esc", "close"),
        ]),
        Mode::Conflicts { .. } => fixed(vec![
            ("j k", "select a conflict"),
            ("a", "accept the value the sync kept"),
            ("o", "take the other value"),
            ("e", "edit the card in $EDITOR"),
            ("Esc", "close"),
        ]),
        _ => fixed(scroll),
    }
}

pub fn lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    let back = app.back.as_deref().unwrap_or(&Mode::Board);
    let row = |keys: String, what: &str| {
        Line::from(vec![
            Span::styled(format!("  {keys:<18} "), t.accent()),
            Span::raw(what.to_string()),
        ])
    };
    let own = view_keys(app, back);
    if !own.is_empty() {
        out.push(Line::styled(format!("In {}", back.context()), t.accent()));
        for (k, what) in own {
            out.push(row(k, what));
        }
        out.push(Line::raw(""));
    }
    for topic in Topic::ALL {
        out.push(Line::styled(topic.title(), t.accent()));
        for cmd in KeyCommand::in_topic(topic) {
            let keys: Vec<String> = app
                .keymap
                .keys_for(cmd)
                .iter()
                .map(|k| k.to_string())
                .collect();
            let keys = if keys.is_empty() {
                "(unbound)".to_string()
            } else {
                keys.join(" ")
            };
            out.push(row(keys, cmd.describe()));
        }
        out.push(Line::raw(""));
    }
    out.push(Line::styled("Filter terms", t.accent()));
    out.push(Line::raw(
        "  words match title and text · label:x · @who · kind:x · verdict:x · lane:x",
    ));
    out.push(Line::raw(
        "  terms combine (all must match); lanes with no match are hidden",
    ));
    out.push(Line::raw(""));
    out.push(Line::styled("Typing", t.accent()));
    out.push(Line::raw(
        "  Enter accepts · Esc cancels · Ctrl+w deletes a word · Ctrl+u to the start · Ctrl+k to the end · Ctrl+a/e start/end",
    ));
    out.push(Line::raw(
        "  dates: 2026-12-24, today, tomorrow, +3d, +2w, +1m, fri · a journal note opens in $EDITOR with Ctrl+o",
    ));
    out.push(Line::raw(""));
    out.push(Line::styled("Mouse", t.accent()));
    out.push(Line::raw(
        "  click selects · drag a card onto another lane moves it · wheel scrolls",
    ));
    if let Some(p) = crate::tui::config::path() {
        out.push(Line::raw(""));
        out.push(Line::from(Span::styled(
            format!("keys and theme: {}", p.display()),
            t.muted(),
        )));
    }
    out
}
