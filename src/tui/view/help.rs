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
        Mode::Links { .. } => fixed(vec![
            ("j k ↑ ↓", "select a card"),
            ("Ctrl+d Ctrl+u g G", "a page, first, last"),
            ("Enter", "go to the card on the board"),
            ("x", "remove the selected card's link (asks y/n)"),
            ("a", "link the card to another"),
            ("Esc q b", "close"),
        ]),
        Mode::PickCard { .. } => fixed(vec![
            ("typing", "find the card: an id prefix or title words"),
            ("↑ ↓ Tab", "select a card"),
            ("Enter", "choose it, then how the two connect"),
            ("Esc", "cancel"),
        ]),
        Mode::PickLinkKind { .. } => fixed(vec![
            ("d", "this card depends on the other"),
            ("b", "this card blocks the other"),
            ("p", "this card is part of the other"),
            ("s", "this card supersedes the other"),
            ("r", "the two relate"),
            ("Esc", "cancel"),
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

/// A command's keys in force, as help lists them.
fn keys_of(app: &App, cmd: KeyCommand) -> String {
    let keys: Vec<String> = app
        .keymap
        .keys_for(cmd)
        .iter()
        .map(|k| k.to_string())
        .collect();
    if keys.is_empty() {
        "(unbound)".to_string()
    } else {
        keys.join(" ")
    }
}

/// Help's lines: every section, or with `query` only the lines holding
/// all its words (and the headings above them).
pub fn lines(app: &App, query: Option<&str>) -> Vec<Line<'static>> {
    let t = &app.theme;
    let words: Vec<String> = query
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    let wanted = |text: &str| {
        let text = text.to_lowercase();
        words.iter().all(|w| text.contains(w.as_str()))
    };
    // (heading, lines as (text to match, line)).
    let mut sections: Vec<(String, Vec<(String, Line<'static>)>)> = Vec::new();
    let row = |keys: String, what: &str| {
        (
            format!("{keys} {what}"),
            Line::from(vec![
                Span::styled(format!("  {keys:<18} "), t.accent()),
                Span::raw(what.to_string()),
            ]),
        )
    };
    let text = |s: &str| (s.to_string(), Line::raw(format!("  {s}")));
    let back = app.back.as_deref().unwrap_or(&Mode::Board);
    let own = view_keys(app, back);
    if !own.is_empty() {
        let rows = own.into_iter().map(|(k, what)| row(k, what)).collect();
        sections.push((format!("In {}", back.context()), rows));
    }
    for topic in Topic::ALL {
        let rows = KeyCommand::in_topic(topic)
            .map(|cmd| {
                let (m, line) = row(keys_of(app, cmd), cmd.describe());
                // The config file's name finds it too (`move-to-lane`).
                (format!("{m} {}", cmd.name()), line)
            })
            .collect();
        sections.push((topic.title().to_string(), rows));
    }
    if !app.views.is_empty() {
        let rows = app
            .views
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let key = if i < 9 {
                    (i + 1).to_string()
                } else {
                    "palette".into()
                };
                let what = match &v.view {
                    Ok(view) if view.filter.is_empty() => "every card".to_string(),
                    Ok(view) => view.filter.text.clone(),
                    Err(_) => "cannot be used (see the messages)".to_string(),
                };
                let (m, line) = row(key, &format!("{}: {what}", v.name));
                (format!("view {m}"), line)
            })
            .collect();
        sections.push(("Saved views".into(), rows));
    }
    sections.push((
        "Filter terms".into(),
        vec![
            text("words match title and text · label:x · @who (@me: you) · kind:x · verdict:x · lane:x"),
            text("is:stale · is:overdue · is:archived · is:conflicted · ready · blocked · -term leaves out what matches"),
            text("terms combine (all must match); lanes with no match are hidden"),
        ],
    ));
    sections.push((
        "Typing".into(),
        vec![
            text("Enter accepts · Esc cancels · Ctrl+w deletes a word · Ctrl+u to the start · Ctrl+k to the end · Ctrl+a/e start/end"),
            text("dates: 2026-12-24, today, tomorrow, +3d, +2w, +1m, fri · a journal note opens in $EDITOR with Ctrl+o"),
        ],
    ));
    sections.push((
        "Mouse".into(),
        vec![text(
            "click selects · drag a card onto another lane moves it · wheel scrolls",
        )],
    ));
    let mut out = Vec::new();
    for (heading, rows) in sections {
        let rows: Vec<Line> = rows
            .into_iter()
            .filter(|(m, _)| wanted(&format!("{heading} {m}")))
            .map(|(_, l)| l)
            .collect();
        if rows.is_empty() {
            continue;
        }
        out.push(Line::styled(heading, t.accent()));
        out.extend(rows);
        out.push(Line::raw(""));
    }
    if out.is_empty() {
        out.push(Line::styled(
            format!(
                "No key matches {:?}: Backspace or Esc takes the words back",
                query.unwrap_or("")
            ),
            t.muted(),
        ));
    } else if words.is_empty() {
        if let Some(p) = crate::tui::config::path() {
            out.push(Line::from(Span::styled(
                format!("keys and theme (and your own views): {}", p.display()),
                t.muted(),
            )));
        }
    }
    out
}
