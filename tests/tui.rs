//! The terminal board without a terminal: rendering into ratatui's
//! TestBackend (insta snapshots and styled assertions) and key and mouse
//! handling on the app state, with actions run for real on a git board.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::tui::*;
use common::*;
use lanes::ops::{Action, Placement};
use lanes::store::Board;
use lanes::tui::app::{App, ColumnKind, Effect, Mode};
use lanes::tui::keymap::Keymap;
use lanes::tui::layout;
use lanes::tui::theme::Theme;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::style::{Color, Modifier};

// ---------------------------------------------------------------------------
// Fixtures

/// Fixed card ids: distinct in their first six characters (the short id).
fn id(n: u32) -> String {
    format!("c{n:02}x7mk2rf")
}

const SUPPORTED_HYPOTHESIS: &str = r#"labels:
  - recsys
  - needs-review
assignees:
  - ana
due: 2026-12-10
hypothesis:
  statement: A two-tower retrieval model raises recall@20 over the popularity baseline.
  metric: recall@20
  direction: higher
  baseline: 0.21
  target: 0.25
  result: 0.27
  verdict: supported
experiment:
  runs:
    - wandb://recsys/two-tower-041
    - wandb://recsys/two-tower-042
  dataset: clicks-2026-10
  model: two-tower-v3
  commit: 9f1c2ab
checklist:
  - text: Freeze the evaluation split
    done: true
  - text: Run three seeds
    done: false
journal:
  - at: 2026-11-20T09:15:00Z
    by: Ana
    text: Baseline reproduced at 0.21 on the frozen split.
  - at: 2026-11-25T16:40:00Z
    by: Ben
    text: |-
      Run 042 reaches 0.27 on validation.
      Seeds 2 and 3 still running.
body: |-
  Compare against the popularity baseline on the frozen split.
  Report recall@20 and coverage.
"#;

/// The sample board: nine cards over five lanes, Deployment empty.
fn sample() -> Repo {
    let r = Repo::crisp_dm();
    write_sample_cards(&r);
    r.commit_all("sample cards");
    r
}

fn write_sample_cards(r: &Repo) {
    let cards = [
        card(
            &id(1),
            "Define churn success metric",
            "business-understanding",
            "h",
            "task",
            "labels:\n  - stakeholder\nassignees:\n  - ana\ndue: 2026-12-15\nchecklist:\n  - text: Draft metric\n    done: true\n  - text: Agree baseline\n    done: false\n  - text: Sign-off\n    done: false\n",
        ),
        card(
            &id(2),
            "Interview support team",
            "business-understanding",
            "p",
            "task",
            "labels:\n  - quick-win\nassignees:\n  - ben\ndue: 2026-11-20\n",
        ),
        card(
            &id(3),
            "Profile event logs",
            "data-understanding",
            "h",
            "task",
            "labels:\n  - needs-data\nassignees:\n  - chen\nchecklist:\n  - text: Row counts\n    done: true\n  - text: Null report\n    done: true\n",
        ),
        card(
            &id(4),
            "Audit recsys click data",
            "data-understanding",
            "p",
            "task",
            "labels:\n  - recsys\n  - blocked\n",
        ),
        card(
            &id(5),
            "Feature store backfill",
            "data-preparation",
            "h",
            "task",
            "labels:\n  - tech-debt\n  - recsys\ndue: 2027-01-15\n",
        ),
        card(
            &id(6),
            "Two-tower model beats popularity",
            "modeling",
            "h",
            "hypothesis",
            SUPPORTED_HYPOTHESIS,
        ),
        card(
            &id(7),
            "Session features improve CTR",
            "modeling",
            "p",
            "hypothesis",
            "labels:\n  - recsys\nhypothesis:\n  statement: Session features lift CTR.\n  metric: ctr\n  baseline: 0.12\n  target: 0.13\n  result: 0.118\n  verdict: refuted\n",
        ),
        card(
            &id(8),
            "Tune learning rate schedule",
            "modeling",
            "t",
            "experiment",
            "assignees:\n  - ben\n  - chen\n",
        ),
        card(
            &id(9),
            "Calibration cuts false alarms",
            "evaluation",
            "h",
            "hypothesis",
            "assignees:\n  - ana\nhypothesis:\n  statement: Isotonic calibration cuts false alarms.\n  metric: false alarm rate\n  direction: lower\n  verdict: open\n",
        ),
    ];
    for (n, text) in cards.iter().enumerate() {
        r.write_card(&id(n as u32 + 1), text);
    }
}

/// The help screen shows the config file's path, which depends on the
/// environment: replace it (up to the popup border) with a placeholder.
fn normalize_config_path(screen: &str) -> String {
    const KEY: &str = "keys and theme (and your own views): ";
    screen
        .lines()
        .map(|line| match line.find(KEY) {
            Some(i) => {
                let start = i + KEY.len();
                let end = line[start..].find('│').map_or(line.len(), |e| start + e);
                let width = line[start..end].chars().count();
                let placeholder = "[CONFIG]";
                let shown = if width >= placeholder.len() {
                    format!("{placeholder:<width$}")
                } else {
                    placeholder[..width].to_string()
                };
                format!("{}{}{}", &line[..start], shown, &line[end..])
            }
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Select a card by id with the keys a user would press (h/l then j).
fn select_card(app: &mut App, card: &str) {
    let (col, row) = position_of(app, card).unwrap_or_else(|| panic!("{card} is not shown"));
    for _ in 0..app.columns.len() {
        app.on_key(key('h'));
    }
    for _ in 0..col {
        app.on_key(key('l'));
    }
    app.on_key(key('g'));
    for _ in 0..row {
        app.on_key(key('j'));
    }
    assert_eq!(selected(app).as_deref(), Some(card));
}

/// (column, row) of a card in the app's columns.
fn position_of(app: &App, card: &str) -> Option<(usize, usize)> {
    app.columns.iter().enumerate().find_map(|(c, col)| {
        if col.kind == ColumnKind::Problems {
            return None;
        }
        col.items
            .iter()
            .position(|&i| app.board.cards[i].id == card)
            .map(|r| (c, r))
    })
}

/// The lane a card is in, as the app sees it.
fn lane_in_app(app: &App, card: &str) -> Option<String> {
    let (c, _) = position_of(app, card)?;
    app.lane_id(c).map(str::to_string)
}

/// The ids shown in a lane, in order (none if the lane is hidden).
fn lane_ids(app: &App, lane: &str) -> Vec<String> {
    (0..app.columns.len())
        .find(|&c| app.lane_id(c) == Some(lane))
        .map(|c| column_ids(app, c))
        .unwrap_or_default()
}

/// The ids shown in a column, in order.
fn column_ids(app: &App, col: usize) -> Vec<String> {
    app.columns[col]
        .items
        .iter()
        .map(|&i| app.board.cards[i].id.clone())
        .collect()
}

/// A top-level scalar field of a card file.
fn file_field(r: &Repo, card: &str, field: &str) -> Option<String> {
    let text = r.read(&card_path(card));
    let prefix = format!("{field}:");
    text.lines()
        .find(|l| l.starts_with(&prefix))
        .map(|l| l[prefix.len()..].trim().trim_matches('"').to_string())
}

fn shift(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::SHIFT)
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> MouseEvent {
    MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }
}

// ---------------------------------------------------------------------------
// Snapshots

#[test]
fn board_at_120x32() {
    let r = sample();
    let app = r.app(120, 32);
    let terminal = render(&app);
    let buf = terminal.backend().buffer().clone();
    // Four lanes fit; two more are off to the right.
    for title in [
        "Business Understanding",
        "Data Understanding",
        "Data Preparation",
        "Modeling",
    ] {
        locate(&buf, title);
    }
    assert!(find(&buf, "Evaluation").is_none());
    locate(&buf, "2 more ▶");
    locate(&buf, "Test board");
    // Card contents: short id, kind, verdict badges, checklist, labels, people.
    locate(&buf, "c01x7m task");
    locate(&buf, "✔ support");
    locate(&buf, "✘ refuted");
    locate(&buf, "☑1/3");
    locate(&buf, "#stakeholder");
    // @ana does not fit in the column: a "+1" says one more item is there.
    locate(&buf, "#stakeholder +1");
    // Headers show count and WIP limit.
    locate(&buf, "Modeling 3/4");
    locate(&buf, "Business Understanding 2/3");
    insta::assert_snapshot!("board_120x32", terminal.backend());
}

#[test]
fn board_at_80x24_scrolls_sideways() {
    let r = sample();
    let mut app = r.app(80, 24);
    let terminal = render(&app);
    let buf = terminal.backend().buffer().clone();
    locate(&buf, "3 more ▶");
    assert!(find(&buf, "◀").is_none());
    insta::assert_snapshot!("board_80x24", terminal.backend());

    // Walking right scrolls the lanes; the hint on the left appears and
    // the selected lane is on screen.
    press(&mut app, &[key('l'), key('l'), key('l'), key('l')]);
    assert_eq!(app.lane_id(app.col), Some("evaluation"));
    let terminal = render(&app);
    let buf = terminal.backend().buffer().clone();
    locate(&buf, "Evaluation");
    locate(&buf, "Calibration cuts false");
    locate(&buf, "◀ 2 more");
    locate(&buf, "1 more ▶");
    assert!(find(&buf, "Business Understanding").is_none());
    insta::assert_snapshot!("board_80x24_scrolled", terminal.backend());
}

#[test]
fn resize_keeps_the_selection_on_screen() {
    let r = sample();
    let mut app = r.app(200, 50);
    // Everything fits at 200 columns: select the last lane's card.
    press(&mut app, &[key('l'); 4]);
    assert_eq!(selected(&app), Some(id(9)));
    app.resize(80, 24);
    let buf = buffer(&app);
    locate(&buf, "Calibration cuts false");
    app.resize(120, 32);
    let buf = buffer(&app);
    locate(&buf, "Calibration cuts false");
    locate(&buf, "Evaluation");
}

#[test]
fn card_detail_shows_every_field() {
    let r = sample();
    let mut app = r.app(120, 48);
    select_card(&mut app, &id(6));
    press(&mut app, &[code(KeyCode::Enter)]);
    assert_eq!(app.mode, Mode::Detail { scroll: 0 });
    let terminal = render(&app);
    let buf = terminal.backend().buffer().clone();
    for text in [
        "c06x7mk2rf",
        "Modeling",
        "hypothesis",
        "recsys, needs-review",
        "2026-12-10",
        "supported",
        "A two-tower retrieval model raises recall@20",
        "recall@20 (higher is better)",
        "0.21 → target 0.25 → result 0.27",
        "wandb://recsys/two-tower-041",
        "clicks-2026-10",
        "two-tower-v3",
        "9f1c2ab",
        "Checklist 1/2",
        "[x] Freeze the evaluation split",
        "[ ] Run three seeds",
        "Journal",
        "Baseline reproduced at 0.21",
        "Seeds 2 and 3 still running.",
        "Report recall@20 and coverage.",
    ] {
        locate(&buf, text);
    }
    // The journal is oldest first (newest last).
    let (_, first) = locate(&buf, "Baseline reproduced");
    let (_, last) = locate(&buf, "Run 042 reaches");
    assert!(first < last, "journal newest last");
    insta::assert_snapshot!("detail_hypothesis", terminal.backend());

    // It all fits: j does not scroll past the end, and says so.
    press(&mut app, &[key('j'), key('j')]);
    assert_eq!(app.mode, Mode::Detail { scroll: 0 });
    locate(&buffer(&app), "at the end");
    press(&mut app, &[code(KeyCode::Esc)]);
    assert_eq!(app.mode, Mode::Board);
}

#[test]
fn detail_on_a_small_terminal_scrolls() {
    let r = sample();
    let mut app = r.app(80, 24);
    select_card(&mut app, &id(6));
    press(&mut app, &[code(KeyCode::Enter)]);
    let buf = buffer(&app);
    locate(&buf, "c06x7m");
    assert!(find(&buf, "coverage.").is_none(), "the body is below");
    press(&mut app, &[key('j'); 30]);
    let buf = buffer(&app);
    locate(&buf, "Report recall@20 and coverage.");
}

#[test]
fn help_lists_the_keymap_in_force() {
    let r = sample();
    let mut app = r.app(120, 50);
    press(&mut app, &[key('?')]);
    assert_eq!(app.mode, Mode::help());
    let terminal = render(&app);
    let buf = terminal.backend().buffer().clone();
    for text in [
        "Keys",
        "move the card to the lane on the right",
        "undo your last change, again for the one before",
        "filter: text, label:x, @who, kind:x, verdict:x, lane:x, is:stale, ready, blocked",
        "Move cards",
        "Esc closes",
    ] {
        locate(&buf, text);
    }
    // Keys come from the keymap in force.
    let screen = screen_text(&buf);
    assert!(screen.contains("L Shift+Right") || screen.contains("Shift+Right L"));
    insta::assert_snapshot!(
        "help",
        normalize_config_path(&terminal.backend().to_string())
    );

    // Help is generated: rebinding a key changes it.
    let mut km = lanes::tui::keymap::Keymap::default();
    let mut o = std::collections::BTreeMap::new();
    o.insert("quit".to_string(), vec!["Q".to_string()]);
    assert!(km.apply_overrides(&o).is_empty());
    app.keymap = km;
    press(&mut app, &[key('G')]);
    let buf = buffer(&app);
    locate(&buf, "Mouse");
    let quit_line = lines(&buf)
        .into_iter()
        .find(|l| l.contains(" quit "))
        .expect("a quit line");
    assert!(quit_line.contains("Q "), "{quit_line}");
    // Ctrl+c quits whatever the config says (issue 15: no lock-out).
    assert!(quit_line.contains("Ctrl+c"), "{quit_line}");
}

#[test]
fn filter_narrows_the_lanes_and_shows_in_the_top_bar() {
    let r = sample();
    let mut app = r.app(120, 32);
    press(&mut app, &[key('/')]);
    type_text(&mut app, "label:recsys");
    // While typing, the prompt is at the bottom and the filter applies.
    let terminal = render(&app);
    let buf = terminal.backend().buffer().clone();
    let (_, y) = locate(&buf, "Filter: label:recsys");
    assert_eq!(y, 31, "the prompt is on the bottom row");
    insta::assert_snapshot!("filter_typing", terminal.backend());

    press(&mut app, &[code(KeyCode::Enter)]);
    assert_eq!(app.mode, Mode::Board);
    assert_eq!(app.filter.text, "label:recsys");
    let terminal = render(&app);
    let buf = terminal.backend().buffer().clone();
    let (_, y) = locate(&buf, "filter: label:recsys");
    assert_eq!(y, 0, "the filter shows in the top bar");
    // Only recsys cards are shown.
    assert!(find(&buf, "Define churn").is_none());
    assert!(find(&buf, "Profile event logs").is_none());
    assert!(find(&buf, "Tune learning rate").is_none());
    locate(&buf, "Audit recsys click data");
    locate(&buf, "Feature store backfill");
    locate(&buf, "Two-tower model beats");
    locate(&buf, "Session features improve");
    // Lanes with no match are hidden; counts stay the lane totals, with
    // how many are shown.
    assert!(find(&buf, "Business Understanding").is_none());
    locate(&buf, "Modeling 3/4 (2 shown)");
    assert_eq!(
        lane_ids(&app, "business-understanding"),
        Vec::<String>::new()
    );
    assert_eq!(lane_ids(&app, "modeling"), vec![id(6), id(7)]);
    insta::assert_snapshot!("filter_applied", terminal.backend());
}

/// Modeling (WIP 4) with five cards.
fn over_wip() -> Repo {
    let r = Repo::crisp_dm();
    write_sample_cards(&r);
    r.write_card(
        &id(10),
        &card(
            &id(10),
            "Gradient boosting baseline",
            "modeling",
            "v",
            "experiment",
            "",
        ),
    );
    r.write_card(
        &id(11),
        &card(
            &id(11),
            "Negative sampling ablation",
            "modeling",
            "x",
            "experiment",
            "",
        ),
    );
    r.commit_all("over wip");
    r
}

#[test]
fn lane_over_its_wip_limit_is_flagged() {
    let r = over_wip();
    let mut app = r.app(120, 32);
    select_card(&mut app, &id(6));
    let terminal = render(&app);
    let buf = terminal.backend().buffer().clone();
    let (x, y) = locate(&buf, "Modeling 5/4");
    assert_eq!(y, 1, "lane headers are on the second row");
    // Flagged in text as well as colour (NO_COLOR must still show it).
    let (fx, _) = locate(&buf, "5/4 !");
    assert!(fx > x);
    // Lanes within their limit are not flagged.
    locate(&buf, "Data Understanding 2/3");
    assert!(find(&buf, "2/3 !").is_none());
    insta::assert_snapshot!("over_wip", terminal.backend());
}

/// A card written by a teammate full of terminal escape sequences.
const HOSTILE: &str = r#"id: e01x7mk2rf
title: "Pwned \e]0;pwned\a\e[2J title"
lane: business-understanding
rank: a
kind: task
labels:
  - "\e[31mred\e[0m"
assignees:
  - "m\e[5mallory"
journal:
  - at: 2026-11-26T10:00:00Z
    by: "\e[8mghost"
    text: "click \e]8;;http://evil.example\ahere\e]8;;\a\e[2J\eP+q\e\\ done"
checklist:
  - text: "tab\there \x07bell"
    done: false
body: "line one\n\e[1;1H\e[2Joverwrite\rcarriage"
"#;

fn assert_no_raw_controls(buf: &ratatui::buffer::Buffer) {
    for y in buf.area.y..buf.area.bottom() {
        for x in buf.area.x..buf.area.right() {
            let s = buf[(x, y)].symbol();
            assert!(
                !s.chars().any(|c| c.is_control()),
                "raw control character {s:?} at ({x}, {y}):\n{}",
                screen_text(buf)
            );
        }
    }
}

#[test]
fn escape_sequences_are_shown_not_sent() {
    let r = Repo::crisp_dm();
    r.write_card("e01x7mk2rf", HOSTILE);
    r.commit_all("hostile card");
    let mut app = r.app(120, 32);
    assert!(app.board.problems.is_empty(), "{:?}", app.board.problems);
    assert_eq!(selected(&app).as_deref(), Some("e01x7mk2rf"));
    let terminal = render(&app);
    let buf = terminal.backend().buffer().clone();
    assert_no_raw_controls(&buf);
    let screen = screen_text(&buf);
    assert!(!screen.contains('\x1b') && !screen.contains('\x07'));
    locate(&buf, "Pwned ^[]0;pwned^G");
    locate(&buf, "#^[[31mred");
    insta::assert_snapshot!("escapes_board", terminal.backend());

    press(&mut app, &[code(KeyCode::Enter)]);
    let terminal = render(&app);
    let buf = terminal.backend().buffer().clone();
    assert_no_raw_controls(&buf);
    locate(&buf, "Pwned ^[]0;pwned^G^[[2J title");
    locate(&buf, "^[[8mghost");
    locate(&buf, "click ^[]8;;http://evil.example^Ghere");
    locate(&buf, "m^[[5mallory");
    locate(&buf, "tab    here ^Gbell");
    locate(&buf, "^[[1;1H^[[2Joverwrite");
    insta::assert_snapshot!("escapes_detail", terminal.backend());

    // The archive confirmation and prompts show the title safely too.
    press(&mut app, &[code(KeyCode::Esc), key('x')]);
    let buf = buffer(&app);
    assert_no_raw_controls(&buf);
    locate(&buf, "Pwned ^[");
    press(&mut app, &[key('n')]);
    let buf = buffer(&app);
    assert_no_raw_controls(&buf);
}

#[test]
fn escape_sequences_in_board_yaml_and_lane_names_are_shown_not_sent() {
    let r = Repo::crisp_dm();
    let board = r.read(".lanes/board.yaml");
    let board = board
        .replacen(
            "name: Test board",
            "name: \"Board \\e]0;owned\\a\\e[2J\"",
            1,
        )
        .replacen(
            "title: Business Understanding",
            "title: \"Biz \\e[31mRed\\e[0m\"",
            1,
        );
    r.write(".lanes/board.yaml", &board);
    r.write_card(
        &id(1),
        &card(&id(1), "Plain", "business-understanding", "h", "task", ""),
    );
    // A card in a lane board.yaml does not define, named with escapes.
    r.write_card(
        &id(2),
        "id: c02x7mk2rf\ntitle: Lost card\nlane: \"\\e[2Jnowhere\"\nrank: h\nkind: task\n",
    );
    r.commit_all("hostile board");
    let mut app = r.app(200, 30);
    assert_eq!(app.board.config.name, "Board \x1b]0;owned\x07\x1b[2J");
    let buf = buffer(&app);
    assert_no_raw_controls(&buf);
    locate(&buf, "Board ^[]0;owned^G^[[2J");
    locate(&buf, "Biz ^[[31mRed^[[0m");
    locate(&buf, "? ^[[2Jnowhere (unknown");
    locate(&buf, "Lost card");
    // The unknown-lane card can be opened; moving it says why not.
    select_card(&mut app, &id(2));
    assert!(press(&mut app, &[key('L')]).is_empty());
    assert!(app.message.as_ref().is_some_and(|m| m.is_error()));
    let buf = buffer(&app);
    assert_no_raw_controls(&buf);
    press(&mut app, &[code(KeyCode::Enter)]);
    let buf = buffer(&app);
    assert_no_raw_controls(&buf);
    locate(&buf, "^[[2Jnowhere (unknown lane)");
    // No new card goes into a lane that does not exist.
    press(&mut app, &[code(KeyCode::Esc), key('n')]);
    assert_eq!(app.mode, Mode::Board);
}

#[test]
fn any_terminal_size_renders_without_panic() {
    let r = sample();
    r.write(".lanes/cards/broken0001.yaml", "id: [\n");
    r.commit_all("broken");
    let sizes = [
        (1, 1),
        (2, 2),
        (10, 3),
        (25, 4),
        (26, 5),
        (40, 6),
        (52, 10),
        (79, 23),
        (80, 24),
        (120, 32),
        (300, 80),
    ];
    let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
    for (w, h) in sizes {
        let mut app = r.app(w, h);
        let check = |app: &mut App, keys: &[KeyEvent]| {
            press(app, keys);
            let _ = buffer(app);
        };
        check(&mut app, &[]);
        check(&mut app, &[key('G'), key('l'), key('l'), key('j')]);
        check(&mut app, &[code(KeyCode::Enter)]);
        check(&mut app, &[key('j'), key('j'), code(KeyCode::Esc)]);
        check(&mut app, &[key('?'), key('j')]);
        check(&mut app, &[code(KeyCode::Esc), key('/')]);
        check(&mut app, &[ctrl_u, key('x')]);
        check(&mut app, &[code(KeyCode::Enter), key('v')]);
        check(&mut app, &[code(KeyCode::Esc), key('x')]);
        check(&mut app, &[key('n'), key('n')]);
        check(&mut app, &[code(KeyCode::Esc)]);
        for _ in 0..10 {
            check(&mut app, &[key('l')]);
        }
        check(&mut app, &[code(KeyCode::Enter)]);
        // Every size in between, as a resize.
        app.resize(w / 2 + 1, h / 2 + 1);
        check(&mut app, &[]);
    }
}

#[test]
fn wide_characters_and_tabs_keep_the_columns() {
    let plain = sample();
    let wide = Repo::crisp_dm();
    write_sample_cards(&wide);
    // Card 1 gets a long CJK title with emoji and a tab, CJK labels and people.
    wide.write_card(
        &id(1),
        &card(
            &id(1),
            "日本語のタイトル 🚀 とても長いカードの名前です\tタブの後ろ 🧪🧪🧪",
            "business-understanding",
            "h",
            "task",
            "labels:\n  - 機械学習のラベル\n  - \"🔥hot\"\nassignees:\n  - 李雷\ndue: 2026-12-15\nchecklist:\n  - text: Draft metric\n    done: true\n  - text: Agree baseline\n    done: false\n  - text: Sign-off\n    done: false\n",
        ),
    );
    wide.commit_all("sample cards");
    for (w, h) in [(120, 32), (80, 24), (97, 30)] {
        let a = plain.app(w, h);
        let b = wide.app(w, h);
        let ba = buffer(&a);
        let bb = buffer(&b);
        locate(&bb, "日本語のタイトル 🚀");
        // The next column's header starts at the same x.
        assert_eq!(
            locate(&ba, "Data Understanding"),
            locate(&bb, "Data Understanding"),
            "at {w}x{h}"
        );
        // Everything right of the first column is exactly the same.
        let s = screen(&b);
        let x0 = s.columns[1].1.x;
        for y in s.columns[1].1.y..s.columns[1].1.bottom() {
            for x in x0..w {
                assert_eq!(
                    ba[(x, y)].symbol(),
                    bb[(x, y)].symbol(),
                    "cell ({x}, {y}) differs at {w}x{h}:\n{}\n---\n{}",
                    screen_text(&ba),
                    screen_text(&bb)
                );
            }
        }
        // Each row's display width is the terminal width.
        for line in lines(&bb) {
            assert!(
                unicode_width::UnicodeWidthStr::width(line.as_str()) <= w as usize,
                "{line:?}"
            );
        }
        assert!(!screen_text(&bb).contains('\t'));
    }
    let app = wide.app(120, 32);
    insta::assert_snapshot!("wide_characters", render(&app).backend());
}

#[test]
fn malformed_card_shows_as_an_error_card() {
    let r = sample();
    r.write(
        ".lanes/cards/broken0001.yaml",
        "id: broken0001\ntitle: Broken card\nlane: modeling\nrank: h\nlabels: [unclosed\n",
    );
    r.write(
        ".lanes/cards/baddue0001.yaml",
        "id: baddue0001\ntitle: Bad due date\nlane: modeling\nrank: i\ndue: someday\n",
    );
    r.commit_all("broken cards");
    let mut app = r.app(120, 32);
    assert_eq!(app.board.problems.len(), 2, "{:?}", app.board.problems);
    let problems = app.columns.len() - 1;
    assert_eq!(app.columns[problems].kind, ColumnKind::Problems);
    // The rest of the board is all there.
    assert_eq!(app.board.cards.len(), 9);
    // Walk to the last column.
    press(&mut app, &[key('l'); 8]);
    assert_eq!(app.col, problems);
    assert_eq!(selected(&app), None);
    let terminal = render(&app);
    let buf = terminal.backend().buffer().clone();
    locate(&buf, "⚠ Unreadable files 2");
    locate(&buf, "⚠ broken0001.yaml");
    locate(&buf, "⚠ baddue0001.yaml");
    let due = &app.board.problems[0];
    assert!(due.path.ends_with("baddue0001.yaml"));
    assert_eq!((due.line, due.column), (5, 6), "{due}");
    locate(&buf, "5:6: ");
    let broken = &app.board.problems[1];
    locate(&buf, &format!("{}:{}: ", broken.line, broken.column));
    insta::assert_snapshot!("malformed_card", terminal.backend());

    // Enter shows the full problem with the path in the status bar.
    press(&mut app, &[key('j'), code(KeyCode::Enter)]);
    let msg = app.message.clone().expect("a message");
    assert!(msg.is_error());
    assert!(
        msg.text.starts_with(".lanes/cards/broken0001.yaml:"),
        "{}",
        msg.text
    );
    let buf = buffer(&app);
    locate(&buf, ".lanes/cards/broken0001.yaml:");
    // Nothing breaks: keys that need a card do nothing here.
    for k in ['L', 'H', 'J', 'K', 'c', 'v', 'x', 'n', 't'] {
        let effects = app.on_key(key(k));
        assert!(effects.is_empty(), "{k} gave {effects:?}");
        press(&mut app, &[code(KeyCode::Esc)]);
    }
    // And the rest of the board works.
    press(&mut app, &[key('h'), key('h'), key('h'), key('g')]);
    assert_eq!(selected(&app), Some(id(6)));
}

// ---------------------------------------------------------------------------
// Styles where colour carries meaning

fn style_at(buf: &ratatui::buffer::Buffer, text: &str) -> (Color, Modifier, Color) {
    let (x, y) = locate(buf, text);
    let c = &buf[(x, y)];
    (c.fg, c.modifier, c.bg)
}

#[test]
fn colours_carry_meaning() {
    let r = over_wip();
    let mut app = r.app_with(Theme::default(), 120, 32);
    // Select a card whose colours are not under test (the selected card is
    // drawn in the selection's colours).
    select_card(&mut app, &id(3));
    let buf = buffer(&app);
    // Over-WIP count: red and bold.
    let (x, y) = locate(&buf, "5/4");
    for dx in 0..5 {
        let c = &buf[(x + dx, y)];
        assert_eq!(c.fg, Color::Red, "over-WIP count at x+{dx}");
        assert!(c.modifier.contains(Modifier::BOLD));
    }
    // A lane within its limit: not red.
    let (fg, _, _) = style_at(&buf, "2/3");
    assert_ne!(fg, Color::Red);
    // Verdicts.
    let (fg, _, _) = style_at(&buf, "✘ refuted");
    assert_eq!(fg, Color::Red);
    let (fg, _, _) = style_at(&buf, "refuted");
    assert_eq!(fg, Color::Red);
    let (fg, _, _) = style_at(&buf, "✔ support");
    assert_eq!(fg, Color::Green);
    // Overdue due date red; a future one not.
    let (fg, _, _) = style_at(&buf, "⏰11-20");
    assert_eq!(fg, Color::Red);
    let (fg, _, _) = style_at(&buf, "⏰12-15");
    assert_ne!(fg, Color::Red);
    // Labels in their board colour (quick-win is green, blocked red).
    let (fg, _, _) = style_at(&buf, "#quick-win");
    assert_eq!(fg, Color::Green);
    let (fg, _, _) = style_at(&buf, "#blocked");
    assert_eq!(fg, Color::Red);
    // The detail view colours the verdict too.
    select_card(&mut app, &id(7));
    press(&mut app, &[code(KeyCode::Enter)]);
    let buf = buffer(&app);
    let (x, y) = locate(&buf, "Hypothesis  refuted");
    assert_eq!(buf[(x + 12, y)].fg, Color::Red);
}

#[test]
fn selected_card_text_stays_readable() {
    // The selection paints a background; no text on it may take the same
    // colour as the background (e.g. a blue label on the blue selection).
    let r = sample();
    let mut app = r.app_with(Theme::default(), 120, 32);
    select_card(&mut app, &id(1)); // labelled `stakeholder`, which is blue
    let buf = buffer(&app);
    let s = screen(&app);
    let (_, area) = s
        .columns
        .iter()
        .find(|(c, _)| *c == app.col)
        .expect("shown");
    let rect = layout::card_rect(*area, app.row);
    let mut clashes = Vec::new();
    for y in rect.y..rect.bottom() {
        for x in rect.x..rect.right() {
            let c = &buf[(x, y)];
            if c.symbol().trim().is_empty() {
                continue;
            }
            if c.fg == c.bg && c.bg != Color::Reset {
                clashes.push(format!("{:?} at ({x}, {y})", c.symbol()));
            }
        }
    }
    assert!(
        clashes.is_empty(),
        "text the colour of the selection: {clashes:?}"
    );
}

#[test]
fn no_color_uses_no_colours() {
    let r = over_wip();
    let app = r.app(120, 32);
    let buf = buffer(&app);
    for y in 0..32 {
        for x in 0..120 {
            let c = &buf[(x, y)];
            assert_eq!(c.fg, Color::Reset, "fg at ({x}, {y}) {:?}", c.symbol());
            assert_eq!(c.bg, Color::Reset, "bg at ({x}, {y}) {:?}", c.symbol());
        }
    }
    // The selection and the over-WIP flag still show (reverse, bold).
    let (x, y) = locate(&buf, "Define churn");
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
    let (x, y) = locate(&buf, "5/4");
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
}

// ---------------------------------------------------------------------------
// Keys on the app state

#[test]
fn navigation_keys_move_the_selection() {
    let r = sample();
    let mut app = r.app(120, 32);
    assert_eq!(selected(&app), Some(id(1)));
    press(&mut app, &[key('j')]);
    assert_eq!(selected(&app), Some(id(2)));
    press(&mut app, &[key('j')]);
    assert_eq!(selected(&app), Some(id(2)), "j stops at the last card");
    press(&mut app, &[key('k')]);
    assert_eq!(selected(&app), Some(id(1)));
    press(&mut app, &[key('k')]);
    assert_eq!(selected(&app), Some(id(1)), "k stops at the first card");
    press(&mut app, &[key('l')]);
    assert_eq!(selected(&app), Some(id(3)));
    press(&mut app, &[key('l'), key('l')]);
    assert_eq!(selected(&app), Some(id(6)));
    press(&mut app, &[key('G')]);
    assert_eq!(selected(&app), Some(id(8)));
    press(&mut app, &[key('g')]);
    assert_eq!(selected(&app), Some(id(6)));
    // The row is kept (clamped) across lanes.
    press(&mut app, &[key('G'), key('h')]);
    assert_eq!(selected(&app), Some(id(5)));
    press(&mut app, &[key('h')]);
    assert_eq!(selected(&app), Some(id(3)));
    press(&mut app, &[key('h'), key('h')]);
    assert_eq!(selected(&app), Some(id(1)), "h stops at the first lane");
    // Arrows do the same.
    press(&mut app, &[code(KeyCode::Down)]);
    assert_eq!(selected(&app), Some(id(2)));
    press(&mut app, &[code(KeyCode::Right)]);
    assert_eq!(selected(&app), Some(id(4)));
    press(&mut app, &[code(KeyCode::Up), code(KeyCode::Left)]);
    assert_eq!(selected(&app), Some(id(1)));
    // An empty lane selects nothing.
    press(&mut app, &[key('l'); 5]);
    assert_eq!(app.lane_id(app.col), Some("deployment"));
    assert_eq!(selected(&app), None);
    // Nothing to act on: no effects.
    for k in ['L', 'H', 'J', 'K', 'c', 'v', 'x', 't', 'e'] {
        let effects = app.on_key(key(k));
        assert!(effects.is_empty(), "{k:?} gave {effects:?}");
    }
}

/// `m` then a lane's number: the card goes there in one commit, and the
/// selection follows it; a number past the last lane, or another key,
/// moves nothing.
#[test]
fn m_and_a_number_moves_the_card_to_that_lane() {
    let r = sample();
    let mut app = r.app(80, 24);
    let before = r.commit_count();
    assert_eq!(selected(&app), Some(id(1)));
    assert!(press(&mut app, &[key('m')]).is_empty());
    assert_eq!(app.mode, Mode::PickLane { card: id(1) });
    // The lanes by number, every one readable at 80 columns: above the
    // status line, which asks for the number.
    let buf = buffer(&app);
    let (_, asks) = locate(&buf, "to lane: its number · Esc cancels");
    let (_, first) = locate(&buf, "1 Business Understanding · 2 Data");
    let (_, last) = locate(&buf, "6 Deployment");
    assert_eq!(asks, 23, "{}", screen_text(&buf));
    assert!(
        first < asks && last < asks && first >= 21,
        "{}",
        screen_text(&buf)
    );
    let effects = press(&mut app, &[key('5')]);
    assert_eq!(app.mode, Mode::Board);
    assert_eq!(effects.len(), 1, "{effects:?}");
    assert_eq!(lane_in_app(&app, &id(1)).as_deref(), Some("evaluation"));
    run_effects(&mut app, &r.path, effects);
    assert_eq!(
        file_field(&r, &id(1), "lane").as_deref(),
        Some("evaluation")
    );
    assert_eq!(r.commit_count(), before + 1);
    assert!(
        r.subjects()[0].contains("(business-understanding -> evaluation)"),
        "{:?}",
        r.subjects()
    );
    assert_eq!(
        selected(&app),
        Some(id(1)),
        "the selection follows the card"
    );
    assert_eq!(app.lane_id(app.col), Some("evaluation"));
    // The lane it is in, a lane the board does not have, Esc, another key:
    // nothing moves.
    press(&mut app, &[key('m'), key('5')]);
    assert!(app
        .message
        .as_ref()
        .is_some_and(|m| m.text.contains("already in lane 5")));
    assert!(press(&mut app, &[key('m'), key('9')]).is_empty());
    assert!(app
        .message
        .as_ref()
        .is_some_and(|m| m.text.contains("the board has 6 lanes")));
    assert!(press(&mut app, &[key('m'), code(KeyCode::Esc)]).is_empty());
    assert!(press(&mut app, &[key('m'), key('x')]).is_empty());
    assert_eq!(app.mode, Mode::Board);
    assert_eq!(r.commit_count(), before + 1);
    assert_eq!(
        file_field(&r, &id(1), "lane").as_deref(),
        Some("evaluation")
    );
    // Help lists it, from the command table.
    press(&mut app, &[key('?')]);
    let screen = screen_text(&buffer(&app));
    assert!(screen.contains("move the card to lane N"), "{screen}");
}

#[test]
fn move_right_round_trip() {
    let r = sample();
    let mut app = r.app(120, 32);
    let before = r.commit_count();
    assert_eq!(selected(&app), Some(id(1)));
    // L moves the card on screen at once; the commit waits for a pause.
    assert!(press(&mut app, &[key('L')]).is_empty());
    assert_eq!(
        lane_in_app(&app, &id(1)).as_deref(),
        Some("data-understanding")
    );
    assert_eq!(r.commit_count(), before);
    let effects = pause(&mut app);
    assert_eq!(effects.len(), 1);
    match &effects[0] {
        Effect::Move(intent) => {
            assert_eq!(intent.card, id(1));
            assert_eq!(intent.from, "business-understanding");
            assert_eq!((intent.lanes, intent.places), (1, 0));
        }
        other => panic!("expected a move, got {other:?}"),
    }
    run_effects(&mut app, &r.path, effects);
    assert_eq!(
        lane_in_app(&app, &id(1)).as_deref(),
        Some("data-understanding")
    );
    assert_eq!(
        file_field(&r, &id(1), "lane").as_deref(),
        Some("data-understanding")
    );
    assert_eq!(r.commit_count(), before + 1);
    assert!(r.subjects()[0].starts_with("lanes: move c01x7m"));
    assert_eq!(
        selected(&app),
        Some(id(1)),
        "the selection follows the card"
    );
    assert_eq!(app.lane_id(app.col), Some("data-understanding"));
    // The board shows it there; the status bar says what happened.
    let buf = buffer(&app);
    let (hx, _) = locate(&buf, "Data Understanding");
    let (cx, _) = locate(&buf, "Define churn success");
    assert_eq!(cx, hx, "the card is under its new lane's header");
    locate(&buf, "lanes: move c01x7m");

    // Shift+Left moves it back; H at the first lane does nothing.
    let effects = press_then_pause(&mut app, &[shift(KeyCode::Left)]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(
        file_field(&r, &id(1), "lane").as_deref(),
        Some("business-understanding")
    );
    assert!(press_then_pause(&mut app, &[key('H')]).is_empty());
    assert_eq!(r.commit_count(), before + 2);
    // The last lane: L does nothing.
    select_card(&mut app, &id(9));
    let effects = press_then_pause(&mut app, &[key('L')]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(lane_in_app(&app, &id(9)).as_deref(), Some("deployment"));
    assert!(press(&mut app, &[key('L')]).is_empty());
}

/// `n` then the title straight away: no key is taken for a kind; `Tab`
/// switches the kind in the prompt, the title kept, and a hypothesis goes
/// on to its steps.
#[test]
fn n_types_the_title_at_once_and_tab_switches_the_kind() {
    let r = sample();
    let mut app = r.app(80, 24);
    let before = r.commit_count();
    press(&mut app, &[key('n')]);
    // Letters that used to pick a kind are the title's.
    assert!(type_text(&mut app, "the eval").is_empty());
    let Mode::Prompt(p) = &app.mode else {
        panic!("{:?}", app.mode)
    };
    assert_eq!(p.input, "the eval");
    locate(&buffer(&app), "New task (Tab: hypothesis): the eval");
    press(&mut app, &[code(KeyCode::Tab)]);
    locate(&buffer(&app), "(Tab: experiment): the eval");
    press(&mut app, &[code(KeyCode::Tab)]);
    locate(&buffer(&app), "New experiment (Tab: decision): the eval");
    press(&mut app, &[code(KeyCode::BackTab)]);
    let Mode::Prompt(p) = &app.mode else {
        panic!("{:?}", app.mode)
    };
    assert_eq!(p.purpose.new_kind(), Some("hypothesis"));
    assert_eq!(p.input, "the eval");
    // Enter on a hypothesis's title goes on to its statement.
    assert!(press(&mut app, &[code(KeyCode::Enter)]).is_empty());
    locate(&buffer(&app), "Hypothesis 2/6 statement");
    press(&mut app, &[code(KeyCode::Esc)]);
    assert_eq!(app.mode, Mode::Board);
    assert_eq!(r.commit_count(), before);
}

#[test]
fn new_card_round_trip() {
    let r = sample();
    let mut app = r.app(120, 32);
    let before = r.commit_count();
    press(&mut app, &[key('l'), key('l')]);
    assert_eq!(app.lane_id(app.col), Some("data-preparation"));
    // n asks the title at once, of a task unless Tab switches the kind.
    press(&mut app, &[key('n')]);
    assert!(matches!(app.mode, Mode::Prompt(_)));
    let buf = buffer(&app);
    locate(&buf, "New task (Tab: hypothesis): ");
    // Typing goes to the prompt, not to the keymap.
    let effects = type_text(&mut app, "Write the eval report q");
    assert!(effects.is_empty());
    press(
        &mut app,
        &[code(KeyCode::Backspace), code(KeyCode::Backspace)],
    );
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    assert_eq!(effects.len(), 1);
    assert!(matches!(
        &effects[0],
        Effect::Apply { action: Action::Add(new), .. }
            if new.title == "Write the eval report" && new.lane.as_deref() == Some("data-preparation")
    ));
    run_effects(&mut app, &r.path, effects);
    assert_eq!(r.commit_count(), before + 1);
    let card = app
        .selected_card()
        .expect("the new card is selected")
        .clone();
    assert_eq!(card.title, "Write the eval report");
    assert_eq!(card.lane, "data-preparation");
    let text = r.read(&card_path(&card.id));
    assert!(text.contains("title: Write the eval report"), "{text}");
    assert!(text.contains("lane: data-preparation"), "{text}");
    assert_eq!(column_ids(&app, 2), vec![id(5), card.id.clone()]);
    let buf = buffer(&app);
    locate(&buf, "Write the eval report");

    // Esc cancels; an empty title is refused and the prompt stays.
    press(&mut app, &[key('n')]);
    type_text(&mut app, "never");
    assert!(press(&mut app, &[code(KeyCode::Esc)]).is_empty());
    assert_eq!(app.mode, Mode::Board);
    press(&mut app, &[key('n')]);
    assert!(press(&mut app, &[code(KeyCode::Enter)]).is_empty());
    assert!(matches!(app.mode, Mode::Prompt(_)));
    assert!(app.message.as_ref().is_some_and(|m| m.is_error()));
    press(&mut app, &[code(KeyCode::Esc)]);
    assert_eq!(r.commit_count(), before + 1);
}

#[test]
fn reorder_round_trip() {
    let r = sample();
    let mut app = r.app(120, 32);
    select_card(&mut app, &id(6));
    let before = r.commit_count();
    // J moves the card on screen at once; the commit waits for a pause.
    assert!(press(&mut app, &[key('J')]).is_empty());
    assert_eq!(column_ids(&app, 3), vec![id(7), id(6), id(8)]);
    assert_eq!(r.commit_count(), before);
    let effects = pause(&mut app);
    assert!(matches!(
        &effects[..],
        [Effect::Move(intent)]
            if intent.card == id(6) && intent.from == "modeling" && (intent.lanes, intent.places) == (0, 1)
    ));
    run_effects(&mut app, &r.path, effects);
    assert_eq!(column_ids(&app, 3), vec![id(7), id(6), id(8)]);
    assert_eq!(selected(&app), Some(id(6)));
    assert_eq!(app.row, 1);
    // On disk: c06's rank now sorts between c07's and c08's.
    let rank = file_field(&r, &id(6), "rank").expect("a rank");
    assert!(rank.as_str() > "p" && rank.as_str() < "t", "{rank}");
    let reloaded: Vec<String> = r
        .load()
        .lane_cards("modeling")
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(reloaded, vec![id(7), id(6), id(8)]);
    // Shift+Down, then K twice without a pause: one commit, at the top.
    press(&mut app, &[shift(KeyCode::Down)]);
    assert_eq!(column_ids(&app, 3), vec![id(7), id(8), id(6)]);
    assert!(press(&mut app, &[key('J')]).is_empty(), "already last");
    locate(&buffer(&app), "already at the bottom");
    press(&mut app, &[key('K'), key('K')]);
    assert!(press(&mut app, &[key('K')]).is_empty(), "already first");
    assert_eq!(column_ids(&app, 3), vec![id(6), id(7), id(8)]);
    let effects = pause(&mut app);
    assert_eq!(effects.len(), 1, "{effects:?}");
    run_effects(&mut app, &r.path, effects);
    assert_eq!(column_ids(&app, 3), vec![id(6), id(7), id(8)]);
    assert_eq!(r.commit_count(), before + 2);
    assert!(pause(&mut app).is_empty());
    // Another key commits pending presses at once, before it acts.
    press(&mut app, &[key('J')]);
    let effects = press(&mut app, &[key('j')]);
    assert!(matches!(&effects[..], [Effect::Move(_)]), "{effects:?}");
    run_effects(&mut app, &r.path, effects);
    assert_eq!(r.commit_count(), before + 3);
    let reloaded: Vec<String> = r
        .load()
        .lane_cards("modeling")
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(reloaded, vec![id(7), id(6), id(8)]);
}

/// A teammate (here the CLI) moves the card to another lane while `J`
/// waits for the keys to pause: the delayed commit does not move it back.
#[test]
fn a_card_moved_elsewhere_during_the_pause_is_not_moved_back() {
    let r = sample();
    let mut app = r.app(120, 32);
    select_card(&mut app, &id(6));
    assert!(press(&mut app, &[key('J')]).is_empty());
    assert_eq!(lane_ids(&app, "modeling"), vec![id(7), id(6), id(8)]);
    ok(&r.lanes(&["move", &id(6), "evaluation"]));
    let commits = r.commit_count();
    let effects = pause(&mut app);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(
        file_field(&r, &id(6), "lane").as_deref(),
        Some("evaluation"),
        "the teammate's move stands"
    );
    assert_eq!(r.commit_count(), commits, "nothing was committed");
    let msg = app.message.clone().expect("a message");
    assert!(
        msg.text.contains("moved to evaluation") && msg.text.contains("not"),
        "{msg:?}"
    );
    assert_eq!(lane_in_app(&app, &id(6)).as_deref(), Some("evaluation"));
}

/// `J` means "one place down from where it is": when someone reorders the
/// lane during the pause, the card goes one place down from its new place
/// (on screen at once, on disk when it commits), not back before the card
/// that was its neighbour at the key press.
#[test]
fn a_reorder_applies_to_the_card_as_it_is_when_it_commits() {
    let r = sample();
    let mut app = r.app(120, 32);
    select_card(&mut app, &id(6));
    press(&mut app, &[key('J')]);
    assert_eq!(lane_ids(&app, "modeling"), vec![id(7), id(6), id(8)]);
    // Meanwhile: c08 to the top of the lane; the watcher reads it.
    ok(&r.lanes(&["move", &id(8), "modeling", "--top"]));
    let read = lanes::watch::read_changed(&r.path, &[id(8)].into_iter().collect());
    app.on_card_files(read);
    assert_eq!(
        lane_ids(&app, "modeling"),
        vec![id(8), id(7), id(6)],
        "the screen shows the press applied to the lane as it is now"
    );
    assert_eq!(selected(&app), Some(id(6)));
    let effects = pause(&mut app);
    run_effects(&mut app, &r.path, effects);
    let on_disk: Vec<String> = r
        .load()
        .lane_cards("modeling")
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(on_disk, vec![id(8), id(7), id(6)]);
    assert_eq!(lane_ids(&app, "modeling"), vec![id(8), id(7), id(6)]);
    assert!(
        r.subjects()[0].contains("reorder in modeling"),
        "{:?}",
        r.subjects()
    );
}

/// `L L` pressed quickly: each press counts against the board as the
/// screen shows it after the one before, and the card lands two lanes on,
/// in one commit. `L H` in a row is no move at all.
#[test]
fn lane_moves_queue_like_reorders_and_each_counts() {
    let r = sample();
    let mut app = r.app(120, 32);
    let commits = r.commit_count();
    select_card(&mut app, &id(1));
    let mut effects = press(&mut app, &[key('L')]);
    assert_eq!(
        lane_in_app(&app, &id(1)).as_deref(),
        Some("data-understanding")
    );
    assert_eq!(
        selected(&app),
        Some(id(1)),
        "the selection follows the card"
    );
    effects.extend(press(&mut app, &[key('L')]));
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(
        lane_in_app(&app, &id(1)).as_deref(),
        Some("data-preparation")
    );
    assert_eq!(lane_ids(&app, "data-preparation"), vec![id(5), id(1)]);
    assert_eq!(r.commit_count(), commits);
    let effects = pause(&mut app);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(r.commit_count(), commits + 1, "one commit for two presses");
    assert_eq!(
        file_field(&r, &id(1), "lane").as_deref(),
        Some("data-preparation")
    );
    assert!(
        r.subjects()[0].contains("(business-understanding -> data-preparation)"),
        "{:?}",
        r.subjects()
    );
    assert_eq!(lane_ids(&app, "data-preparation"), vec![id(5), id(1)]);
    // L then K: into the next lane, then one place up there.
    press(&mut app, &[key('L'), key('K')]);
    assert_eq!(lane_ids(&app, "modeling"), vec![id(6), id(7), id(1), id(8)]);
    let effects = pause(&mut app);
    run_effects(&mut app, &r.path, effects);
    let on_disk: Vec<String> = r
        .load()
        .lane_cards("modeling")
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(on_disk, vec![id(6), id(7), id(1), id(8)]);
    // L then H: back where it was, nothing to commit.
    let commits = r.commit_count();
    press(&mut app, &[key('L'), key('H')]);
    assert_eq!(lane_ids(&app, "modeling"), vec![id(6), id(7), id(1), id(8)]);
    let effects = pause(&mut app);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(r.commit_count(), commits);
}

/// Pending presses are committed when the board quits: `q`, and SIGTERM
/// or SIGHUP (which reach the app as `Event::Terminate`).
#[test]
fn quitting_commits_pending_presses() {
    for how in ["q", "signal"] {
        let r = sample();
        let mut app = r.app(120, 32);
        let commits = r.commit_count();
        select_card(&mut app, &id(6));
        assert!(press(&mut app, &[key('J')]).is_empty());
        let mut effects = match how {
            "q" => press(&mut app, &[key('q')]),
            _ => app.update(lanes::tui::Event::Terminate),
        };
        assert_eq!(effects.pop(), Some(Effect::Quit), "{how}");
        run_effects(&mut app, &r.path, effects);
        assert_eq!(r.commit_count(), commits + 1, "{how}");
        let on_disk: Vec<String> = r
            .load()
            .lane_cards("modeling")
            .map(|c| c.id.clone())
            .collect();
        assert_eq!(on_disk, vec![id(7), id(6), id(8)], "{how}");
    }
}

/// `Esc` and the next key read together arrive as `Alt+key`; lanes binds
/// no Alt key by default, so it is `Esc`, then the key.
#[test]
fn esc_and_a_key_read_together_are_two_keys() {
    let r = sample();
    let mut app = r.app(120, 32);
    let alt = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT);
    // The card's details, then Esc+p: closed, and the hypotheses open.
    press(&mut app, &[code(KeyCode::Enter)]);
    assert!(matches!(app.mode, Mode::Detail { .. }));
    press(&mut app, &[alt('p')]);
    assert!(
        matches!(app.mode, Mode::Hypotheses { .. }),
        "{:?}",
        app.mode
    );
    // A prompt: Esc+q cancels it, then quits.
    press(&mut app, &[code(KeyCode::Esc), key('t')]);
    assert!(matches!(app.mode, Mode::Prompt(_)));
    assert_eq!(press(&mut app, &[alt('q')]), vec![Effect::Quit]);
    assert_eq!(app.mode, Mode::Board);
    // A capital arrives with Shift as well: Esc+L moves the card.
    select_card(&mut app, &id(1));
    press(
        &mut app,
        &[KeyEvent::new(
            KeyCode::Char('L'),
            KeyModifiers::ALT | KeyModifiers::SHIFT,
        )],
    );
    assert_eq!(
        lane_in_app(&app, &id(1)).as_deref(),
        Some("data-understanding")
    );
    // An Alt key the config binds stays that key.
    let mut keymap = Keymap::default();
    let problems = keymap.apply_overrides(
        &[("flow".to_string(), vec!["Alt+p".to_string()])]
            .into_iter()
            .collect(),
    );
    assert!(problems.is_empty(), "{problems:?}");
    let mut app = App::new(r.path.clone(), r.load(), keymap, Theme::no_color());
    app.resize(120, 32);
    press(&mut app, &[alt('p')]);
    assert!(matches!(app.mode, Mode::Flow { .. }), "{:?}", app.mode);
}

#[test]
fn note_round_trip() {
    let r = sample();
    let mut app = r.app(120, 32);
    let before = r.commit_count();
    press(&mut app, &[key('c')]);
    let buf = buffer(&app);
    locate(&buf, "Journal note (Ctrl+o: $EDITOR): ");
    type_text(&mut app, "Finance agreed on churn = 90 days idle");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    assert!(
        matches!(&effects[..], [Effect::Apply { action: Action::Note { card, .. }, .. }] if *card == id(1))
    );
    run_effects(&mut app, &r.path, effects);
    assert_eq!(r.commit_count(), before + 1);
    let text = r.read(&card_path(&id(1)));
    assert!(
        text.contains("text: Finance agreed on churn = 90 days idle"),
        "{text}"
    );
    let card = app.selected_card().expect("selected");
    assert_eq!(card.id, id(1));
    assert_eq!(
        card.journal.last().map(|j| j.text.as_str()),
        Some("Finance agreed on churn = 90 days idle")
    );
    // The detail view shows it, last.
    press(&mut app, &[code(KeyCode::Enter)]);
    let buf = buffer(&app);
    locate(&buf, "Finance agreed on churn");
}

#[test]
fn verdict_round_trip() {
    let r = sample();
    let mut app = r.app(120, 32);
    select_card(&mut app, &id(9));
    let before = r.commit_count();
    press(&mut app, &[key('v')]);
    assert_eq!(app.mode, Mode::PickVerdict { card: id(9) });
    let buf = buffer(&app);
    locate(&buf, "[s]upported");
    press(&mut app, &[key('r')]);
    let buf = buffer(&app);
    locate(&buf, "Result for refuted: ");
    type_text(&mut app, "0.31");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    assert!(matches!(
        &effects[..],
        [Effect::Apply { action: Action::Verdict { card, verdict: lanes::model::Verdict::Refuted, result: Some(_), because: None }, .. }]
            if *card == id(9)
    ));
    run_effects(&mut app, &r.path, effects);
    assert_eq!(r.commit_count(), before + 1);
    let text = r.read(&card_path(&id(9)));
    assert!(text.contains("verdict: refuted"), "{text}");
    assert!(text.contains("result: 0.31"), "{text}");
    assert_eq!(
        app.selected_card().and_then(|c| c.verdict()),
        Some(lanes::model::Verdict::Refuted)
    );
    let buf = buffer(&app);
    locate(&buf, "✘ refuted");
    // Esc in the picker cancels.
    press(&mut app, &[key('v'), code(KeyCode::Esc)]);
    assert_eq!(app.mode, Mode::Board);
}

#[test]
fn archive_round_trip() {
    let r = sample();
    let mut app = r.app(120, 32);
    press(&mut app, &[key('j')]);
    assert_eq!(selected(&app), Some(id(2)));
    let before = r.commit_count();
    // n cancels.
    assert!(press(&mut app, &[key('x'), key('n')]).is_empty());
    assert_eq!(app.mode, Mode::Board);
    press(&mut app, &[key('x')]);
    assert_eq!(app.mode, Mode::ConfirmArchive { card: id(2) });
    let buf = buffer(&app);
    locate(&buf, "Archive c02x7m Interview support team? y/n");
    let effects = press(&mut app, &[key('y')]);
    assert!(
        matches!(&effects[..], [Effect::Apply { action: Action::Archive { card }, .. }] if *card == id(2))
    );
    run_effects(&mut app, &r.path, effects);
    assert_eq!(r.commit_count(), before + 1);
    assert!(r.read(&card_path(&id(2))).contains("archived: true"));
    assert_eq!(position_of(&app, &id(2)), None, "archived cards are hidden");
    assert_eq!(column_ids(&app, 0), vec![id(1)]);
    assert_eq!(selected(&app), Some(id(1)));
    let buf = buffer(&app);
    assert!(find(&buf, "Interview support").is_none_or(|(_, y)| y == 31));
    locate(&buf, "Business Understanding 1/3");
}

#[test]
fn undo_and_redo_walk_back_through_history() {
    let r = sample();
    let mut app = r.app(120, 32);
    let start = r.commit_count();
    // Nothing of mine yet: u says so and changes nothing.
    let effects = press(&mut app, &[key('u')]);
    assert_eq!(effects, vec![Effect::Undo]);
    run_effects(&mut app, &r.path, effects);
    let msg = app.message.clone().expect("a message");
    assert!(msg.text.contains("nothing to undo"), "{msg:?}");
    assert_eq!(r.commit_count(), start);
    // A move, then a note; u twice takes back both, newest first.
    let effects = press_then_pause(&mut app, &[key('L')]);
    run_effects(&mut app, &r.path, effects);
    let move_commit = r.git(&["rev-parse", "HEAD"]).trim().to_string();
    press(&mut app, &[key('c')]);
    type_text(&mut app, "Finance wants 90 days");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    run_effects(&mut app, &r.path, effects);
    let effects = press(&mut app, &[key('u')]);
    run_effects(&mut app, &r.path, effects);
    assert!(!r.read(&card_path(&id(1))).contains("Finance wants"));
    assert_eq!(
        file_field(&r, &id(1), "lane").as_deref(),
        Some("data-understanding")
    );
    let effects = press(&mut app, &[key('u')]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(
        file_field(&r, &id(1), "lane").as_deref(),
        Some("business-understanding")
    );
    assert_eq!(
        lane_in_app(&app, &id(1)).as_deref(),
        Some("business-understanding")
    );
    assert_eq!(r.commit_count(), start + 4, "each undo is a commit");
    let subjects = r.subjects();
    assert!(
        subjects[0].contains("undo") && subjects[0].contains("move c01x7m"),
        "{subjects:?}"
    );
    // History is not rewritten: the move is still an ancestor of HEAD.
    r.git(&["merge-base", "--is-ancestor", &move_commit, "HEAD"]);

    // The stack is the branch's history: a new board screen (a restart)
    // redoes with Ctrl+r.
    let mut app = r.app(120, 32);
    let ctrl_r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
    let effects = press(&mut app, &[ctrl_r]);
    assert_eq!(effects, vec![Effect::Redo]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(
        lane_in_app(&app, &id(1)).as_deref(),
        Some("data-understanding")
    );
    assert_eq!(r.commit_count(), start + 5);

    // Undo of a new card removes its file, again as a commit.
    press(&mut app, &[key('n')]);
    type_text(&mut app, "Short-lived card");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    run_effects(&mut app, &r.path, effects);
    let new_id = selected(&app).expect("the new card");
    let effects = press(&mut app, &[key('u')]);
    run_effects(&mut app, &r.path, effects);
    assert!(!r.path.join(card_path(&new_id)).exists());
    assert_eq!(position_of(&app, &new_id), None);

    // Undo of an archive brings the card back on the board.
    select_card(&mut app, &id(3));
    let effects = press(&mut app, &[key('x'), key('y')]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(position_of(&app, &id(3)), None);
    let effects = press(&mut app, &[key('u')]);
    run_effects(&mut app, &r.path, effects);
    assert!(!r.read(&card_path(&id(3))).contains("archived"));
    assert!(position_of(&app, &id(3)).is_some());
    assert_eq!(r.commit_count(), start + 9);
    assert_eq!(r.git(&["status", "--porcelain"]), "");
}

#[test]
fn inline_edits_round_trip() {
    let r = sample();
    let mut app = r.app(120, 32);
    let start = r.commit_count();
    let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
    // t: the prompt starts with the current title.
    press(&mut app, &[key('t')]);
    match &app.mode {
        Mode::Prompt(p) => assert_eq!(p.input, "Define churn success metric"),
        other => panic!("expected a prompt, got {other:?}"),
    }
    press(&mut app, &[ctrl_u]);
    type_text(&mut app, "Define the churn metric");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(
        file_field(&r, &id(1), "title").as_deref(),
        Some("Define the churn metric")
    );
    // #: labels, comma separated.
    press(&mut app, &[key('#'), ctrl_u]);
    type_text(&mut app, "stakeholder, quick-win");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(
        app.selected_card().map(|c| c.labels.clone()),
        Some(vec!["stakeholder".to_string(), "quick-win".to_string()])
    );
    // @: assignees, with or without @.
    press(&mut app, &[key('@'), ctrl_u]);
    type_text(&mut app, "@ana, bob");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(
        app.selected_card().map(|c| c.assignees.clone()),
        Some(vec!["ana".to_string(), "bob".to_string()])
    );
    // D: due date; then cleared.
    press(&mut app, &[key('D'), ctrl_u]);
    type_text(&mut app, "2026-12-24");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(file_field(&r, &id(1), "due").as_deref(), Some("2026-12-24"));
    press(&mut app, &[key('D'), ctrl_u]);
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(file_field(&r, &id(1), "due"), None);
    assert_eq!(r.commit_count(), start + 5);
    assert_eq!(selected(&app), Some(id(1)));

    // A bad date is refused: the error shows in the status bar, nothing
    // is written or committed.
    // A date the prompt cannot read is refused as typed; the text stays
    // for the user to fix and nothing is written.
    press(&mut app, &[key('D'), ctrl_u]);
    type_text(&mut app, "next tuesday");
    locate(&buffer(&app), "YYYY-MM-DD");
    assert!(press(&mut app, &[code(KeyCode::Enter)]).is_empty());
    assert!(app.message.as_ref().is_some_and(|m| m.is_error()));
    assert!(matches!(&app.mode, Mode::Prompt(p) if p.input == "next tuesday"));
    assert_eq!(r.commit_count(), start + 5);
    assert_eq!(r.git(&["status", "--porcelain"]), "");
    let buf = buffer(&app);
    locate(&buf, "next tuesday");
    press(&mut app, &[code(KeyCode::Esc)]);
    // An empty title is refused before anything runs.
    press(&mut app, &[key('t'), ctrl_u]);
    assert!(press(&mut app, &[code(KeyCode::Enter)]).is_empty());
    assert!(app.message.as_ref().is_some_and(|m| m.is_error()));
    locate(&buffer(&app), "a card needs a title");
    press(&mut app, &[code(KeyCode::Esc)]);
    // e asks the event loop to open the editor on this card.
    assert_eq!(
        press(&mut app, &[key('e')]),
        vec![Effect::EditInEditor(id(1))]
    );
}

#[test]
fn status_bar_shows_branch_changes_and_results() {
    let r = sample();
    let mut app = r.app(120, 32);
    app.status = lanes::tui::repo_status(&r.path);
    assert_eq!(app.status.branch, "main");
    assert_eq!(app.status.uncommitted, 0);
    let buf = buffer(&app);
    let (_, y) = locate(&buf, " main ");
    assert_eq!(y, 31);
    assert!(find(&buf, "uncommitted").is_none());
    // A board file changed outside lanes and not committed.
    r.write(
        &card_path(&id(2)),
        r.read(&card_path(&id(2))).replace("Interview", "Call"),
    );
    app.status = lanes::tui::repo_status(&r.path);
    assert_eq!(app.status.uncommitted, 1);
    let buf = buffer(&app);
    locate(&buf, "1 uncommitted");
    // The last action's result.
    let effects = press_then_pause(&mut app, &[key('L')]);
    run_effects(&mut app, &r.path, effects);
    let buf = buffer(&app);
    let (_, y) = locate(&buf, "lanes: move c01x7m Define churn success metric");
    assert_eq!(y, 31);
    // Sync state, shortened while the last action's message needs the
    // room, whole once it has gone.
    app.status.ahead_behind = Some((2, 1));
    app.sync = lanes::tui::app::SyncState::Running;
    let buf = buffer(&app);
    let (_, y) = locate(&buf, "✎1 ↑2↓1 ⟳");
    assert_eq!(y, 31);
    locate(&buf, "lanes: move c01x7m Define churn success metric (business-understanding -> data-understanding)");
    app.message = None;
    let buf = buffer(&app);
    let (_, y) = locate(&buf, "↑2 ↓1 · syncing…");
    assert_eq!(y, 31);
}

#[test]
fn filter_then_esc_clears() {
    let r = sample();
    let mut app = r.app(120, 32);
    press(&mut app, &[key('/')]);
    type_text(&mut app, "recsys");
    assert_eq!(app.filter.text, "recsys");
    // Lanes with no match are hidden while the filter is on.
    assert!(app.columns.iter().all(|c| !c.items.is_empty()));
    assert!(app.lane_id(0) != Some("business-understanding"));
    press(&mut app, &[code(KeyCode::Esc)]);
    assert_eq!(app.mode, Mode::Board);
    assert!(app.filter.is_empty());
    assert_eq!(column_ids(&app, 0), vec![id(1), id(2)]);
    let buf = buffer(&app);
    assert!(find(&buf, "filter:").is_none());

    // Applied with Enter, then Esc on the board clears it.
    press(&mut app, &[key('/')]);
    type_text(&mut app, "@ana");
    press(&mut app, &[code(KeyCode::Enter)]);
    assert_eq!(lane_ids(&app, "business-understanding"), vec![id(1)]);
    assert_eq!(lane_ids(&app, "modeling"), vec![id(6)]);
    assert_eq!(lane_ids(&app, "evaluation"), vec![id(9)]);
    assert_eq!(app.columns.len(), 3, "lanes with no match are hidden");
    locate(&buffer(&app), "3 cards shown");
    press(&mut app, &[code(KeyCode::Esc)]);
    assert!(app.filter.is_empty());
    assert_eq!(column_ids(&app, 3), vec![id(6), id(7), id(8)]);

    // The other terms.
    for (text, want) in [
        ("kind:hypothesis", vec![id(6), id(7), id(9)]),
        ("verdict:refuted", vec![id(7)]),
        ("verdict:open", vec![id(9)]),
        ("label:recsys @ana", vec![id(6)]),
        ("churn", vec![id(1)]),
    ] {
        press(&mut app, &[key('/')]);
        press(
            &mut app,
            &[KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)],
        );
        type_text(&mut app, text);
        press(&mut app, &[code(KeyCode::Enter)]);
        let shown: Vec<String> = (0..app.columns.len())
            .flat_map(|c| column_ids(&app, c))
            .collect();
        assert_eq!(shown, want, "filter {text:?}");
        press(&mut app, &[code(KeyCode::Esc)]);
    }
}

#[test]
fn help_opens_scrolls_and_closes() {
    let r = sample();
    let mut app = r.app(80, 24);
    press(&mut app, &[key('?')]);
    assert_eq!(app.mode, Mode::help());
    // j/k scroll the help; G goes to its end and no further.
    press(&mut app, &[key('j')]);
    assert_eq!(
        app.mode,
        Mode::Help {
            scroll: 1,
            query: None
        }
    );
    press(&mut app, &[key('G')]);
    let end = app.mode.scroll().expect("a scroll");
    assert!(end > 10, "{end}");
    press(&mut app, &[key('j')]);
    assert_eq!(app.mode.scroll(), Some(end), "the help stops at its end");
    locate(&buffer(&app), "keys and theme");
    // A letter that is no key of help's starts words to find; Esc takes
    // them away, then closes.
    let effects = press(&mut app, &[key('x')]);
    assert!(effects.is_empty());
    assert!(matches!(&app.mode, Mode::Help { query: Some(q), .. } if q.input == "x"));
    locate(&buffer(&app), "find: x");
    press(&mut app, &[code(KeyCode::Esc)]);
    assert_eq!(app.mode, Mode::help());
    press(&mut app, &[code(KeyCode::Esc)]);
    assert_eq!(app.mode, Mode::Board);
    press(&mut app, &[key('?')]);
    let effects = press(&mut app, &[key('q')]);
    assert!(effects.is_empty(), "q closes help without quitting");
    assert_eq!(app.mode, Mode::Board);
}

#[test]
fn q_quits() {
    let r = sample();
    let mut app = r.app(120, 32);
    assert_eq!(press(&mut app, &[key('q')]), vec![Effect::Quit]);
    assert_eq!(
        press(
            &mut app,
            &[KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)]
        ),
        vec![Effect::Quit]
    );
    // In a prompt, q is text.
    press(&mut app, &[key('n')]);
    assert!(press(&mut app, &[key('q')]).is_empty());
    // SIGTERM reaches the app as an event that quits (see
    // `quitting_commits_pending_presses` for presses waiting).
    assert_eq!(app.update(lanes::tui::Event::Terminate), vec![Effect::Quit]);
}

// ---------------------------------------------------------------------------
// Mouse

#[test]
fn click_selects_a_card() {
    let r = sample();
    let mut app = r.app(120, 32);
    let s = screen(&app);
    let (col, area) = s.columns[3];
    let rect = layout::card_rect(area, 1);
    let effects = app.on_mouse(mouse(
        MouseEventKind::Down(MouseButton::Left),
        rect.x + 3,
        rect.y + 1,
    ));
    assert!(effects.is_empty());
    assert_eq!(app.col, col);
    assert_eq!(selected(&app), Some(id(7)));
    // Releasing in the same lane does not move it.
    let effects = app.on_mouse(mouse(
        MouseEventKind::Up(MouseButton::Left),
        rect.x + 3,
        rect.y + 1,
    ));
    assert!(effects.is_empty());
    // A click on a lane's empty space selects the lane.
    let (_, area) = s.columns[2];
    let rect = layout::card_rect(area, 4);
    app.on_mouse(mouse(
        MouseEventKind::Down(MouseButton::Left),
        rect.x,
        rect.y,
    ));
    app.on_mouse(mouse(MouseEventKind::Up(MouseButton::Left), rect.x, rect.y));
    assert_eq!(app.lane_id(app.col), Some("data-preparation"));
    assert_eq!(selected(&app), Some(id(5)));
    // The same through the event loop's handler.
    let rect = layout::card_rect(s.columns[0].1, 1);
    app.update(lanes::tui::Event::Mouse(mouse(
        MouseEventKind::Down(MouseButton::Left),
        rect.x + 1,
        rect.y,
    )));
    assert_eq!(selected(&app), Some(id(2)));
}

#[test]
fn drag_moves_a_card_to_another_lane() {
    let r = sample();
    let mut app = r.app(120, 32);
    let before = r.commit_count();
    let s = screen(&app);
    let from = layout::card_rect(s.columns[0].1, 0);
    let to_area = s.columns[2].1;
    let drop = layout::card_rect(to_area, 3);
    assert!(app
        .on_mouse(mouse(
            MouseEventKind::Down(MouseButton::Left),
            from.x + 2,
            from.y
        ))
        .is_empty());
    app.on_mouse(mouse(
        MouseEventKind::Drag(MouseButton::Left),
        to_area.x + 5,
        drop.y,
    ));
    let effects = app.on_mouse(mouse(
        MouseEventKind::Up(MouseButton::Left),
        to_area.x + 5,
        drop.y,
    ));
    assert!(
        matches!(
            &effects[..],
            [Effect::Apply { action: Action::Move { card, lane, placement: None }, .. }]
                if *card == id(1) && lane.as_deref() == Some("data-preparation")
        ),
        "{effects:?}"
    );
    run_effects(&mut app, &r.path, effects);
    assert_eq!(
        file_field(&r, &id(1), "lane").as_deref(),
        Some("data-preparation")
    );
    assert_eq!(column_ids(&app, 2), vec![id(5), id(1)]);
    assert_eq!(selected(&app), Some(id(1)));
    assert_eq!(r.commit_count(), before + 1);

    // Dropped on a card: placed before it.
    let s = screen(&app);
    let from = layout::card_rect(s.columns[2].1, 1);
    let onto = layout::card_rect(s.columns[3].1, 1);
    app.on_mouse(mouse(
        MouseEventKind::Down(MouseButton::Left),
        from.x + 2,
        from.y,
    ));
    let effects = app.on_mouse(mouse(
        MouseEventKind::Up(MouseButton::Left),
        onto.x + 2,
        onto.y,
    ));
    assert!(
        matches!(
            &effects[..],
            [Effect::Apply { action: Action::Move { card, lane, placement: Some(Placement::Before(b)) }, .. }]
                if *card == id(1) && lane.as_deref() == Some("modeling") && *b == id(7)
        ),
        "{effects:?}"
    );
    run_effects(&mut app, &r.path, effects);
    assert_eq!(column_ids(&app, 3), vec![id(6), id(1), id(7), id(8)]);

    // Dropped outside any lane (the status bar): nothing.
    let s = screen(&app);
    let from = layout::card_rect(s.columns[3].1, 0);
    app.on_mouse(mouse(
        MouseEventKind::Down(MouseButton::Left),
        from.x + 2,
        from.y,
    ));
    let effects = app.on_mouse(mouse(MouseEventKind::Up(MouseButton::Left), 5, s.bottom.y));
    assert!(effects.is_empty(), "{effects:?}");
}

#[test]
fn mouse_in_a_popup_does_not_touch_the_board() {
    let r = sample();
    let mut app = r.app(120, 32);
    press(&mut app, &[key('?')]);
    let s = screen(&app);
    let rect = layout::card_rect(s.columns[3].1, 0);
    let effects = app.on_mouse(mouse(
        MouseEventKind::Down(MouseButton::Left),
        rect.x,
        rect.y,
    ));
    assert!(effects.is_empty());
    assert_eq!(app.mode, Mode::Board, "a click closes help");
    assert_eq!(selected(&app), Some(id(1)), "and does not select under it");
    // The wheel scrolls the help, not the board.
    press(&mut app, &[key('?')]);
    let wheel = mouse(MouseEventKind::ScrollDown, rect.x, rect.y);
    app.on_mouse(wheel);
    app.on_mouse(wheel);
    assert_eq!(
        app.mode,
        Mode::Help {
            scroll: 2,
            query: None
        }
    );
    assert_eq!(selected(&app), Some(id(1)));
}

// ---------------------------------------------------------------------------
// A large board

fn large_board(n: usize) -> Repo {
    let r = Repo::crisp_dm();
    let dir = r.path.join(".lanes/cards");
    for i in 0..n {
        let cid = format!("big{i:05}zz");
        // Ranks sort in i order and never end in 0.
        let text = format!(
            "id: {cid}\ntitle: Card number {i}\nlane: data-understanding\nrank: {i:05}1\nkind: task\n"
        );
        std::fs::write(dir.join(format!("{cid}.yaml")), text).expect("write a card");
    }
    r.commit_all("many cards");
    r
}

#[test]
fn a_long_lane_scrolls_to_keep_the_selection_visible() {
    let n = 2000;
    let r = large_board(n);
    let mut app = r.app(120, 32);
    assert_eq!(app.board.cards.len(), n);
    press(&mut app, &[key('l')]);
    assert_eq!(selected(&app).as_deref(), Some("big00000zz"));
    let buf = buffer(&app);
    locate(&buf, "Card number 0");
    let per_page = layout::cards_per_page(app.size);
    locate(&buf, &format!("↓{}", n - per_page));

    press(&mut app, &[key('G')]);
    assert_eq!(selected(&app).as_deref(), Some("big01999zz"));
    let terminal = render(&app);
    let buf = terminal.backend().buffer().clone();
    locate(&buf, "Card number 1999");
    assert!(find(&buf, "Card number 0").is_none());
    locate(&buf, &format!("↑{}", n - per_page));
    insta::assert_snapshot!("long_lane_end", terminal.backend());

    // Page up and k keep it visible too.
    press(&mut app, &[code(KeyCode::PageUp), key('k')]);
    let want = n - 1 - per_page - 1;
    assert_eq!(
        selected(&app),
        Some(format!("big{want:05}zz")),
        "a page up and one more"
    );
    let buf = buffer(&app);
    locate(&buf, &format!("Card number {want}"));
    press(&mut app, &[key('g')]);
    let buf = buffer(&app);
    locate(&buf, "Card number 0");

    // The wheel scrolls the lane under the pointer.
    let s = screen(&app);
    let area = s.columns[1].1;
    for _ in 0..20 {
        app.on_mouse(mouse(MouseEventKind::ScrollDown, area.x + 3, area.y + 5));
    }
    assert_eq!(selected(&app).as_deref(), Some("big00020zz"));
    assert!(app.scroll[1] > 0);
    let buf = buffer(&app);
    locate(&buf, "Card number 20");
    for _ in 0..5 {
        app.on_mouse(mouse(MouseEventKind::ScrollUp, area.x + 3, area.y + 5));
    }
    assert_eq!(selected(&app).as_deref(), Some("big00015zz"));
}

#[test]
fn drawing_a_large_board_is_quick() {
    let n = 2000;
    let r = large_board(n);
    let mut app = r.app(200, 60);
    press(&mut app, &[key('l'), key('G')]);
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 60)).expect("a terminal");
    let start = std::time::Instant::now();
    let frames = 20;
    for _ in 0..frames {
        terminal
            .draw(|f| lanes::tui::view::draw(f, &app))
            .expect("draw");
    }
    let per_frame = start.elapsed() / frames;
    eprintln!("{per_frame:?} per frame");
    // Generous for debug builds; the release budget is 2 ms on 10,000 cards.
    assert!(
        per_frame < std::time::Duration::from_millis(100),
        "{per_frame:?} per frame"
    );
}

#[test]
fn the_first_screen_shows_the_top_of_each_lane_with_true_counts() {
    let r = Repo::crisp_dm();
    // 12 cards in modeling (one archived), 3 in evaluation.
    for n in 0..12 {
        let extra = if n == 5 { "archived: true\n" } else { "" };
        let rank = format!("{}", (b'a' + n as u8) as char);
        r.write_card(
            &id(n),
            &card(
                &id(n),
                &format!("Model {n}"),
                "modeling",
                &rank,
                "task",
                extra,
            ),
        );
    }
    for n in 20..23 {
        r.write_card(
            &id(n),
            &card(&id(n), &format!("Eval {n}"), "evaluation", "m", "task", ""),
        );
    }
    let top = Board::load_top(&r.path, 4).expect("load top");
    assert!(top.is_partial());
    assert_eq!(top.omitted, vec![("modeling".to_string(), 7)]);
    let full = r.load();
    assert!(!full.is_partial());
    // The top is exactly the head of each lane of the full board.
    let lane = |b: &Board, l: &str| -> Vec<String> {
        b.cards
            .iter()
            .filter(|c| c.lane == l && !c.archived)
            .map(|c| c.id.clone())
            .collect()
    };
    assert_eq!(lane(&top, "modeling"), lane(&full, "modeling")[..4]);
    assert_eq!(lane(&top, "evaluation"), lane(&full, "evaluation"));

    let mut app = App::new(r.path.clone(), top, Keymap::default(), Theme::no_color());
    app.resize(160, 40);
    let modeling = app
        .columns
        .iter()
        .find(|c| c.kind == ColumnKind::Lane(3))
        .expect("modeling column");
    assert_eq!((modeling.items.len(), modeling.total), (4, 11));
    let text = screen_text(&buffer(&app));
    assert!(
        !text.contains("shown)"),
        "a partial lane is not a filtered one:\n{text}"
    );
    let header = lines(&buffer(&app))
        .into_iter()
        .find(|l| l.contains("Modeling"))
        .expect("modeling header");
    assert!(header.contains("Modeling 11"), "{header}");

    // The whole board replaces it.
    app.on_loaded(full);
    let modeling = &app.columns[3];
    assert_eq!(
        (modeling.items.len(), modeling.total, modeling.omitted),
        (11, 11, 0)
    );
}

// ---------------------------------------------------------------------------
// A day at 80x24 (issue 15)

/// What the worker does for `p` and `f`: hypotheses and flow, computed.
fn load_insights(app: &mut App) {
    app.insights = Some(lanes::tui::insights(&app.root).map_err(lanes::ops::Error::from));
}

/// The last commit's diff of one card, without the header.
fn last_diff(r: &Repo, card: &str) -> Vec<String> {
    r.git(&[
        "show",
        "--format=",
        "--unified=0",
        "HEAD",
        "--",
        &card_path(card),
    ])
    .lines()
    .filter(|l| {
        (l.starts_with('+') || l.starts_with('-')) && !l.starts_with("+++") && !l.starts_with("---")
    })
    .map(str::to_string)
    .collect()
}

#[test]
fn checklist_items_are_ticked_on_screen_one_commit_each() {
    let r = sample();
    let mut app = r.app(80, 24);
    let before = r.commit_count();
    press(&mut app, &[key('T')]);
    // The cursor starts on the first open item.
    assert_eq!(
        app.mode,
        Mode::Checklist {
            card: id(1),
            cursor: 1
        }
    );
    let buf = buffer(&app);
    locate(&buf, "Checklist 1/3");
    locate(&buf, "[ ] Agree baseline");
    let effects = press(&mut app, &[code(KeyCode::Char(' '))]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(r.commit_count(), before + 1);
    assert_eq!(
        last_diff(&r, &id(1)),
        vec![
            "-    done: false".to_string(),
            "+    done: true".to_string()
        ]
    );
    locate(&buffer(&app), "[x] Agree baseline");
    // Untick the first one; Esc closes.
    press(&mut app, &[key('k'), key('k')]);
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    run_effects(&mut app, &r.path, effects);
    assert!(r
        .read(&card_path(&id(1)))
        .contains("- text: Draft metric\n    done: false"));
    press(&mut app, &[code(KeyCode::Esc)]);
    assert_eq!(app.mode, Mode::Board);
    // A card with no checklist says how to add one.
    select_card(&mut app, &id(2));
    press(&mut app, &[key('T')]);
    assert_eq!(app.mode, Mode::Board);
    locate(&buffer(&app), "has no checklist");
}

#[test]
fn a_hypothesis_is_written_on_screen_step_by_step() {
    let r = sample();
    let mut app = r.app(80, 24);
    select_card(&mut app, &id(6));
    press(&mut app, &[key('n'), code(KeyCode::Tab)]);
    for (step, value) in [
        ("1/6 title", "Dropout 0.3 lowers val loss"),
        ("2/6 statement", "More dropout regularises the tower"),
        ("3/6 metric", "val_loss"),
        ("4/6 better is", "l"),
        ("5/6 baseline", "0.41"),
    ] {
        locate(&buffer(&app), step);
        type_text(&mut app, value);
        assert!(
            press(&mut app, &[code(KeyCode::Enter)]).is_empty(),
            "{step}"
        );
    }
    // A target that is not a number is refused as typed, and kept.
    locate(&buffer(&app), "6/6 target");
    type_text(&mut app, "lower");
    locate(&buffer(&app), "not a number");
    assert!(press(&mut app, &[code(KeyCode::Enter)]).is_empty());
    assert!(matches!(&app.mode, Mode::Prompt(p) if p.input == "lower"));
    press(
        &mut app,
        &[KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)],
    );
    type_text(&mut app, "0.38");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    run_effects(&mut app, &r.path, effects);
    let card = app.selected_card().expect("the new card").clone();
    assert_eq!(card.kind, "hypothesis");
    assert_eq!(card.lane, "modeling");
    let text = r.read(&card_path(&card.id));
    for line in [
        "statement: More dropout regularises the tower",
        "metric: val_loss",
        "direction: lower",
        "baseline: 0.41",
        "target: 0.38",
        "verdict: open",
    ] {
        assert!(text.contains(line), "{line}:\n{text}");
    }
}

#[test]
fn a_verdict_on_a_task_offers_to_make_it_a_hypothesis() {
    let r = sample();
    let mut app = r.app(80, 24);
    select_card(&mut app, &id(5));
    let before = r.commit_count();
    press(&mut app, &[key('v')]);
    assert_eq!(app.mode, Mode::ConfirmHypothesis { card: id(5) });
    locate(&buffer(&app), "Make it a hypothesis? y/n");
    // n: nothing happens, and it says so.
    press(&mut app, &[key('n')]);
    assert_eq!(app.mode, Mode::Board);
    assert_eq!(r.commit_count(), before);
    press(&mut app, &[key('v'), key('y')]);
    locate(&buffer(&app), "1/5 statement");
    for v in ["Backfill speeds up joins", "join_seconds", "lower", "", ""] {
        type_text(&mut app, v);
        let effects = press(&mut app, &[code(KeyCode::Enter)]);
        run_effects(&mut app, &r.path, effects);
    }
    assert_eq!(r.commit_count(), before + 1);
    let text = r.read(&card_path(&id(5)));
    assert!(text.contains("kind: hypothesis"), "{text}");
    assert!(text.contains("hypothesis:\n  statement: Backfill speeds up joins\n  metric: join_seconds\n  direction: lower\n"), "{text}");
    // Now v asks for the verdict.
    press(&mut app, &[key('v')]);
    assert_eq!(app.mode, Mode::PickVerdict { card: id(5) });
}

#[test]
fn conflicts_a_sync_recorded_are_settled_on_screen() {
    let r = sample();
    r.write_card(
        &id(4),
        &card(
            &id(4),
            "Audit recsys click data",
            "data-understanding",
            "p",
            "task",
            "labels:\n  - recsys\nconflicts:\n  - field: title\n    kept: Audit recsys click data\n    kept_by: Ana\n    other: Audit click data (all surfaces)\n    other_by: Ben\n  - field: due\n    kept: 2026-12-01\n    kept_by: Ana\n    other: 2026-12-08\n    other_by: Ben\n",
        ),
    );
    r.commit_all("a sync recorded conflicts");
    let mut app = r.app(80, 24);
    // The status bar says so, and ! goes there.
    locate(&buffer(&app), "1 card with conflicts (!)");
    press(&mut app, &[key('!')]);
    assert_eq!(selected(&app), Some(id(4)));
    press(&mut app, &[key('C')]);
    let buf = buffer(&app);
    locate(&buf, "Conflicts · Audit recsys");
    locate(&buf, "other: \"Audit click data (all surfaces)\"  (Ben)");
    // o on the title: the other value, and the entry goes.
    let effects = press(&mut app, &[key('o')]);
    run_effects(&mut app, &r.path, effects);
    let text = r.read(&card_path(&id(4)));
    assert!(
        text.contains("title: Audit click data (all surfaces)"),
        "{text}"
    );
    assert!(!text.contains("field: title"), "{text}");
    assert!(text.contains("field: due"), "{text}");
    // a on the due date: accept the kept value; no conflicts remain.
    assert!(matches!(app.mode, Mode::Conflicts { .. }));
    let effects = press(&mut app, &[key('a')]);
    run_effects(&mut app, &r.path, effects);
    let text = r.read(&card_path(&id(4)));
    assert!(!text.contains("conflicts"), "{text}");
    assert_eq!(app.mode, Mode::Board);
    assert!(find(&buffer(&app), "with conflicts").is_none());
}

/// Settling a conflict on screen is `lanes resolve`'s change, through the
/// one writer: each side named by its author and date, one commit whose
/// journal line says what was decided over what. Two syncs that set
/// different values of a field aside: `o` takes the one selected.
#[test]
fn a_conflict_settled_on_screen_is_resolved_as_lanes_resolve_does() {
    use lanes::ops::resolve::{short_date, Take};
    let r = sample();
    let (kept_at, other_at) = ("2026-12-01T09:00:00Z", "2026-12-02T10:00:00Z");
    r.write_card(
        &id(4),
        &card(
            &id(4),
            "Audit recsys click data",
            "data-understanding",
            "p",
            "task",
            &format!(
                "conflicts:\n  - field: due\n    kept: 2026-12-01\n    kept_by: Ana\n    kept_at: {kept_at}\n    other: 2026-12-08\n    other_by: Ben\n    other_at: {other_at}\n  - field: due\n    kept: 2026-12-01\n    kept_by: Ana\n    other: 2026-12-09\n    other_by: Chen\n  - field: title\n    kept: Audit recsys click data\n    kept_by: Ana\n    other: Audit clicks\n    other_by: Ben\n"
            ),
        ),
    );
    r.commit_all("a sync recorded conflicts");
    let mut app = r.app(100, 30);
    select_card(&mut app, &id(4));
    press(&mut app, &[key('C')]);
    let day = |at: &str| short_date(at).expect("a date");
    let screen = screen_text(&buffer(&app));
    assert!(
        screen.contains(&format!("(Ana, {})", day(kept_at))),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("(Ben, {})", day(other_at))),
        "{screen}"
    );
    // The second entry on due: o takes its value, over both.
    let effects = press(&mut app, &[key('j'), key('o')]);
    assert_eq!(
        effects,
        vec![Effect::apply(Action::Resolve {
            card: id(4),
            field: "due".into(),
            take: Take::Value("2026-12-09".into()),
        })]
    );
    assert_eq!(
        app.mode,
        Mode::Conflicts {
            card: id(4),
            cursor: 0
        },
        "the title's entry is left, selected"
    );
    let start = r.commit_count();
    run_effects(&mut app, &r.path, effects);
    assert_eq!(r.commit_count(), start + 1);
    assert!(
        r.head_subject().starts_with("lanes: resolve "),
        "{}",
        r.head_subject()
    );
    assert_eq!(file_field(&r, &id(4), "due").as_deref(), Some("2026-12-09"));
    let said = |r: &Repo| {
        r.card_model(&id(4))
            .journal
            .last()
            .map(|j| j.text.clone())
            .unwrap_or_default()
    };
    assert!(
        said(&r).starts_with("resolved due: set \"2026-12-09\" over "),
        "{}",
        said(&r)
    );
    assert!(said(&r).contains("Chen"), "{}", said(&r));
    // The title: a keeps it; nothing is left and the view closes.
    let effects = press(&mut app, &[key('a')]);
    assert_eq!(
        effects,
        vec![Effect::apply(Action::Resolve {
            card: id(4),
            field: "title".into(),
            take: Take::Kept,
        })]
    );
    assert_eq!(app.mode, Mode::Board);
    run_effects(&mut app, &r.path, effects);
    let text = r.read(&card_path(&id(4)));
    assert!(!text.contains("conflicts:"), "{text}");
    assert!(
        said(&r).starts_with("resolved title: kept "),
        "{}",
        said(&r)
    );
    assert_eq!(r.commit_count(), start + 2);
}

#[test]
fn messages_expire_go_with_their_cause_and_are_kept_in_the_log() {
    let r = sample();
    let mut app = r.app(80, 24);
    press(&mut app, &[key('h')]);
    locate(&buffer(&app), "already the first lane");
    let later = app.now + std::time::Duration::from_secs(6);
    app.tick(later, app.wall);
    assert!(app.message.is_none(), "an info message expires");
    // A long error opens whole above the status line; a key closes it.
    let long = format!("sync failed: {}", "the remote said no. ".repeat(8));
    app.set_message(long.clone(), true);
    assert!(app.message_open);
    let buf = buffer(&app);
    locate(&buf, "Esc closes · M all messages");
    press(&mut app, &[code(KeyCode::Esc)]);
    assert!(!app.message_open);
    assert_eq!(app.mode, Mode::Board, "Esc only closed the message");
    // Every message is in the log, M shows it.
    press(&mut app, &[key('M')]);
    assert!(matches!(app.mode, Mode::Messages { .. }));
    let screen = screen_text(&buffer(&app));
    assert!(screen.contains("already the first lane"), "{screen}");
    assert!(screen.contains("the remote said no"), "{screen}");
    press(&mut app, &[code(KeyCode::Esc)]);
    // A broken card's error goes when the file is fixed.
    let good = r.read(&card_path(&id(2)));
    r.write_card(&id(2), "id: [unclosed\n");
    let read = lanes::watch::read_changed(&r.path, &std::collections::BTreeSet::from([id(2)]));
    app.on_card_files(read);
    press(&mut app, &[key('!')]);
    assert!(app.message.as_ref().is_some_and(|m| m.is_error()));
    locate(&buffer(&app), "1 unreadable file");
    r.write_card(&id(2), &good);
    let read = lanes::watch::read_changed(&r.path, &std::collections::BTreeSet::from([id(2)]));
    app.on_card_files(read);
    let msg = app.message.clone().expect("a message");
    assert!(
        !msg.is_error() && msg.text.contains("reads again"),
        "{msg:?}"
    );
    assert!(find(&buffer(&app), "unreadable").is_none());
}

#[test]
fn a_move_past_the_wip_limit_warns() {
    let r = sample();
    let mut app = r.app(80, 24);
    // Data Understanding holds 2 of 3; two more go past it.
    for card in [id(1), id(2)] {
        select_card(&mut app, &card);
        let effects = press_then_pause(&mut app, &[key('L')]);
        run_effects(&mut app, &r.path, effects);
    }
    let msg = app.message.clone().expect("a message");
    assert_eq!(msg.level, lanes::tui::app::Level::Warn, "{msg:?}");
    assert!(
        msg.text
            .contains("Data Understanding is over its WIP limit: 4/3"),
        "{}",
        msg.text
    );
}

#[test]
fn a_card_made_under_a_filter_stays_in_sight() {
    let r = sample();
    let mut app = r.app(80, 24);
    press(&mut app, &[key('/')]);
    type_text(&mut app, "label:recsys");
    press(&mut app, &[code(KeyCode::Enter)]);
    press(&mut app, &[key('n')]);
    type_text(&mut app, "Check the join keys");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(
        app.selected_card().map(|c| c.title.as_str()),
        Some("Check the join keys")
    );
    locate(&buffer(&app), "Check the join keys");
    // A new filter drops it like any other card.
    press(&mut app, &[key('/')]);
    type_text(&mut app, " ");
    press(&mut app, &[code(KeyCode::Enter)]);
    assert!(find(&buffer(&app), "Check the join keys").is_none());
}

#[test]
fn the_hypotheses_view_at_80x24_has_a_cursor_and_opens_cards() {
    let r = sample();
    let mut app = r.app(80, 24);
    let effects = press(&mut app, &[key('p')]);
    assert_eq!(effects, vec![Effect::LoadInsights]);
    load_insights(&mut app);
    let buf = buffer(&app);
    // The statement column is wide enough to read.
    locate(&buf, "Isotonic calibration cuts");
    locate(&buf, "Session features lift CTR");
    press(&mut app, &[key('j')]);
    let row = app.hypothesis_rows()[1].id.clone();
    press(&mut app, &[code(KeyCode::Enter)]);
    assert!(matches!(app.mode, Mode::Detail { .. }));
    assert_eq!(selected(&app), Some(row.clone()));
    // Esc comes back to the table, the cursor where it was.
    press(&mut app, &[code(KeyCode::Esc)]);
    assert!(matches!(app.mode, Mode::Hypotheses { cursor: 1, .. }));
    press(&mut app, &[key('G')]);
    assert!(matches!(app.mode, Mode::Hypotheses { cursor: 2, .. }));
    press(&mut app, &[key('j')]);
    assert!(matches!(app.mode, Mode::Hypotheses { cursor: 2, .. }));
    press(&mut app, &[code(KeyCode::Esc)]);
    assert_eq!(app.mode, Mode::Board);
}

/// The board's hypotheses table sorts as `lanes hypotheses --sort` does:
/// one sort in the library serves both faces (l, v, m, u on the board).
#[test]
fn the_hypotheses_view_sorts_as_the_command_line_does() {
    let r = sample();
    let mut app = r.app(160, 50);
    press(&mut app, &[key('p')]);
    load_insights(&mut app);
    for (k, sort) in [
        ('v', "verdict"),
        ('m', "metric"),
        ('u', "updated"),
        ('l', "lane"),
    ] {
        press(&mut app, &[key(k)]);
        let board: Vec<String> = app.hypothesis_rows().iter().map(|h| h.id.clone()).collect();
        let cli: Vec<String> = r
            .json(&["hypotheses", "--json", "--sort", sort])
            .as_array()
            .expect("rows")
            .iter()
            .map(|h| h["id"].as_str().expect("an id").to_string())
            .collect();
        assert_eq!(board, cli, "sorted by {sort}");
    }
}

/// Every row of a framed popup starts and ends with its border: nothing
/// drawn over the frame.
fn frame_intact(buf: &ratatui::buffer::Buffer, title: &str) {
    let (x0, y0) = locate(buf, title);
    let all = lines(buf);
    let top = &all[y0 as usize];
    let chars: Vec<char> = top.chars().collect();
    let left = chars[..x0 as usize]
        .iter()
        .rposition(|&c| c == '╭')
        .expect("the frame's corner");
    let width = top
        .chars()
        .skip(left)
        .position(|c| c == '╮')
        .expect("the other corner");
    for (y, l) in all.iter().enumerate().skip(y0 as usize + 1) {
        let chars: Vec<char> = l.chars().collect();
        if chars.get(left) == Some(&'╰') {
            return;
        }
        assert_eq!(chars.get(left), Some(&'│'), "row {y}: {l}");
        assert_eq!(chars.get(left + width), Some(&'│'), "row {y}: {l}");
    }
    panic!("no bottom border");
}

#[test]
fn the_flow_view_stays_inside_its_frame_at_80x24() {
    let r = sample();
    let mut app = r.app(80, 24);
    press(&mut app, &[key('f')]);
    load_insights(&mut app);
    let buf = buffer(&app);
    frame_intact(&buf, " Flow ");
    locate(&buf, "Cumulative flow, bands from the top");
    // The numbers scroll, and stop at their end.
    press(&mut app, &[key('G')]);
    let end = app.mode.scroll().expect("scrolls");
    assert!(end > 0);
    press(&mut app, &[key('j')]);
    assert_eq!(app.mode.scroll(), Some(end));
    let buf = buffer(&app);
    frame_intact(&buf, " Flow ");
    locate(&buf, "Aging work in progress");
}

#[test]
fn a_taller_terminal_shows_a_lanes_top_cards_again() {
    let r = large_board(30);
    let mut app = r.app(80, 24);
    press(&mut app, &[key('l'), key('G')]);
    assert!(app.scroll[1] > 0);
    app.resize(80, 200);
    assert_eq!(app.scroll[1], 0, "every card fits now");
    let buf = buffer(&app);
    locate(&buf, "Card number 0");
}

#[test]
fn the_lane_view_shows_its_exit_criteria() {
    let r = sample();
    let mut app = r.app(80, 24);
    press(&mut app, &[key('d')]);
    let buf = buffer(&app);
    locate(&buf, "Business Understanding");
    locate(&buf, "Exit criteria");
    locate(&buf, "Business objective stated");
    locate(&buf, "2 of a WIP limit of 3");
    press(&mut app, &[key('G'), code(KeyCode::Esc)]);
    assert_eq!(app.mode, Mode::Board);
}

#[test]
fn help_starts_with_the_keys_of_the_view_it_was_opened_from() {
    let r = sample();
    let mut app = r.app(80, 24);
    press(&mut app, &[key('p')]);
    load_insights(&mut app);
    press(&mut app, &[key('?')]);
    let buf = buffer(&app);
    locate(&buf, "Keys · hypotheses");
    locate(&buf, "open its card (Esc comes back here)");
    press(&mut app, &[code(KeyCode::Esc)]);
    assert!(
        matches!(app.mode, Mode::Hypotheses { .. }),
        "back to the table"
    );
}

// ---------------------------------------------------------------------------
// The app decides; the event loop only runs what it asks for

/// A failed change keeps its kind on screen: a held lock is "busy: try
/// again" (a warning: nothing changed, and trying again works), not an
/// error box; once the lock is gone the same keys work.
#[test]
fn a_busy_repository_says_try_again_and_the_retry_works() {
    let r = sample();
    let mut app = r.app(120, 32);
    let start = r.commit_count();
    let lock = r.path.join(".git").join("index.lock");
    std::fs::write(&lock, "").expect("hold the index lock");
    let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
    let retitle = |app: &mut App| {
        press(app, &[key('t'), ctrl_u]);
        type_text(app, "Define the churn metric");
        press(app, &[code(KeyCode::Enter)])
    };
    let effects = retitle(&mut app);
    let [Effect::Apply { action, note: None }] = &effects[..] else {
        panic!("expected one action, got {effects:?}");
    };
    // What the worker does with it.
    let ctx = lanes::ops::Context::from_env();
    let result = lanes::ops::apply(&ctx, &r.path, action.clone());
    assert!(
        matches!(&result, Err(e) if e.kind() == lanes::ops::Kind::Busy),
        "{result:?}"
    );
    assert!(app.update(lanes::tui::Event::Applied(result)).is_empty());
    let msg = app.message.clone().expect("a message");
    assert_eq!(msg.level, lanes::tui::app::Level::Warn, "{msg:?}");
    assert!(msg.text.starts_with("busy: try again"), "{msg:?}");
    assert!(msg.text.contains("index.lock"), "{msg:?}");
    assert!(!app.message_open, "a busy lock is no error box");
    locate(&buffer(&app), "busy: try again");
    assert_eq!(r.commit_count(), start);
    // The lock goes; the same keys make the change.
    std::fs::remove_file(&lock).expect("drop the lock");
    let effects = retitle(&mut app);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(
        file_field(&r, &id(1), "title").as_deref(),
        Some("Define the churn metric")
    );
    assert_eq!(r.commit_count(), start + 1);
}

/// Files changed on disk: the app asks for the reads (on the worker) and
/// takes in what they find; a burst waits until the files are quiet and
/// costs one full read, and a second full read asked for while one runs
/// waits for it.
#[test]
fn the_app_asks_for_the_reads_a_change_on_disk_needs() {
    use lanes::tui::Event;
    use lanes::watch::Changes;
    let r = sample();
    let mut app = r.app(120, 32);
    assert_eq!(app.start(), vec![Effect::Status], "no evidence to check");
    // Another terminal retitles card 2.
    let path = card_path(&id(2));
    let text = r
        .read(&path)
        .replace("Interview support team", "Interview the support team");
    r.write(&path, &text);
    let ids: std::collections::BTreeSet<String> = [id(2)].into();
    let changed = Changes {
        cards: ids.clone(),
        ..Default::default()
    };
    assert_eq!(
        app.update(Event::Files(changed)),
        vec![Effect::ReadCards(ids.clone())]
    );
    // The worker reads them; the board shows the new title and the
    // repository's state is read again.
    let read = lanes::watch::read_changed(&app.root, &ids);
    assert_eq!(app.update(Event::CardFiles(read)), vec![Effect::Status]);
    assert_eq!(
        app.board.card(&id(2)).map(|c| c.title.as_str()),
        Some("Interview the support team")
    );
    locate(&buffer(&app), "Interview the support team");

    // A checkout: held back until the files are quiet.
    let checkout = Changes {
        git: true,
        full: true,
        ..Default::default()
    };
    assert!(app.update(Event::Files(checkout)).is_empty());
    let due = app.next_deadline().expect("the burst's deadline");
    app.tick(due, app.wall);
    let effects = app.on_files(Changes::default());
    assert_eq!(
        effects,
        vec![Effect::Status, Effect::Rewatch, Effect::Reload],
        "the burst taken in once"
    );
    // More files change while the board is read: one more read, after.
    let again = Changes {
        board: true,
        ..Default::default()
    };
    app.tick(due + lanes::watch::QUIET * 10, app.wall);
    assert_eq!(app.on_files(again), Vec::<Effect>::new());
    let due = app.next_deadline().expect("held");
    app.tick(due, app.wall);
    assert_eq!(app.on_files(Changes::default()), vec![Effect::Rewatch]);
    let loaded = Board::load(&r.path).map_err(lanes::ops::Error::from);
    assert_eq!(app.update(Event::Loaded(loaded)), vec![Effect::Reload]);
    let loaded = Board::load(&r.path).map_err(lanes::ops::Error::from);
    assert!(app.update(Event::Loaded(loaded)).is_empty());
    assert_eq!(app.reload, lanes::tui::app::Reload::Idle);
}

// ---------------------------------------------------------------------------
// One field editor (issue 23): any field through one prompt

/// The labels of the fields the `E` list shows, in order.
fn field_list(app: &App) -> Vec<String> {
    let Mode::PickField { card, .. } = &app.mode else {
        panic!("expected the list of fields, got {:?}", app.mode);
    };
    let card = app.board.card(card).expect("the card").clone();
    app.editable_fields(&card)
        .iter()
        .map(|f| f.label.to_string())
        .collect()
}

fn prompt_label(app: &App) -> String {
    match &app.mode {
        Mode::Prompt(p) => p.purpose.label(),
        other => panic!("expected a prompt, got {other:?}"),
    }
}

/// `E` lists the card's fields (a hypothesis's only on a hypothesis);
/// a letter jumps, Enter opens one prompt that checks the value with the
/// field table's rule as it is typed, and Enter commits it with the value
/// the user saw.
#[test]
fn any_field_is_edited_through_one_prompt() {
    let r = sample();
    let mut app = r.app(120, 32);
    let start = r.commit_count();
    let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
    // A task: no hypothesis fields.
    select_card(&mut app, &id(1));
    press(&mut app, &[key('E')]);
    let task_fields = field_list(&app);
    assert_eq!(task_fields[..4], ["title", "kind", "labels", "assignees"]);
    assert!(task_fields.contains(&"due".to_string()));
    assert!(
        !task_fields.contains(&"target".to_string()),
        "{task_fields:?}"
    );
    let buf = buffer(&app);
    locate(&buf, "Edit a field");
    locate(&buf, "Define churn success metric");
    press(&mut app, &[code(KeyCode::Esc)]);
    assert_eq!(app.mode, Mode::Board);

    // A hypothesis: its fields too; `t` goes to the next field starting
    // with it, past the title the list starts on: the target.
    select_card(&mut app, &id(6));
    press(&mut app, &[key('E')]);
    assert!(field_list(&app).contains(&"target".to_string()));
    press(&mut app, &[key('t')]);
    locate(&buffer(&app), "the value that would support it");
    press(&mut app, &[code(KeyCode::Enter)]);
    assert_eq!(prompt_label(&app), "Target (number)");
    assert!(matches!(&app.mode, Mode::Prompt(p) if p.input == "0.25"));
    press(&mut app, &[ctrl_u]);
    type_text(&mut app, "lots");
    locate(&buffer(&app), "\"lots\" is not a number");
    assert!(press(&mut app, &[code(KeyCode::Enter)]).is_empty());
    assert!(matches!(app.mode, Mode::Prompt(_)), "the text stays to fix");
    press(&mut app, &[ctrl_u]);
    // Still below the result 0.27: the verdict the numbers give stays.
    type_text(&mut app, "0.26");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    let [Effect::Apply {
        action: Action::SetChecked { card, fields },
        ..
    }] = &effects[..]
    else {
        panic!("expected one checked set, got {effects:?}");
    };
    assert_eq!(card, &id(6));
    assert_eq!(
        fields,
        &[(
            "hypothesis.target".to_string(),
            serde_yaml::Value::from(0.26),
            serde_yaml::Value::from(0.25)
        )]
    );
    run_effects(&mut app, &r.path, effects);
    assert!(
        r.read(&card_path(&id(6))).contains("target: 0.26\n"),
        "{}",
        r.read(&card_path(&id(6)))
    );
    assert_eq!(r.commit_count(), start + 1);

    // The kind is one of the board's kinds, whatever the case typed
    // (`k` is up, as in every list: `j` goes down to it).
    select_card(&mut app, &id(5));
    press(&mut app, &[key('E'), key('j'), code(KeyCode::Enter)]);
    assert!(
        prompt_label(&app).starts_with("Kind ("),
        "{}",
        prompt_label(&app)
    );
    press(&mut app, &[ctrl_u]);
    type_text(&mut app, "spaceship");
    locate(&buffer(&app), "\"spaceship\" is not one of");
    assert!(press(&mut app, &[code(KeyCode::Enter)]).is_empty());
    press(&mut app, &[ctrl_u]);
    type_text(&mut app, "Experiment");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(
        file_field(&r, &id(5), "kind").as_deref(),
        Some("experiment")
    );
    assert_eq!(r.commit_count(), start + 2);
}

/// A hypothesis field whose new value makes the numbers contradict the
/// verdict asks why, as `v` does, before anything is saved: the reason is
/// kept as the rationale in the same commit (without one, lanes refuses
/// the change).
#[test]
fn a_hypothesis_field_the_numbers_then_contradict_asks_why() {
    let r = sample();
    let mut app = r.app(120, 32);
    let start = r.commit_count();
    let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
    select_card(&mut app, &id(6));
    press(
        &mut app,
        &[key('E'), key('t'), code(KeyCode::Enter), ctrl_u],
    );
    assert_eq!(prompt_label(&app), "Target (number)");
    // Above the result 0.27: the numbers give inconclusive, not supported.
    type_text(&mut app, "0.3");
    assert!(press(&mut app, &[code(KeyCode::Enter)]).is_empty());
    assert_eq!(prompt_label(&app), "Reason for supported");
    let screen = screen_text(&buffer(&app));
    assert!(
        screen.contains("The numbers give inconclusive, not supported"),
        "{screen}"
    );
    // No reason, nothing saved.
    assert!(press(&mut app, &[code(KeyCode::Enter)]).is_empty());
    assert_eq!(prompt_label(&app), "Reason for supported");
    type_text(&mut app, "recall@20 is noisy at this size");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    let [Effect::Apply {
        action: Action::SetChecked { card, fields },
        note: None,
    }] = &effects[..]
    else {
        panic!("expected one checked set, got {effects:?}");
    };
    assert_eq!(card, &id(6));
    assert_eq!(
        fields,
        &[
            (
                "hypothesis.target".to_string(),
                serde_yaml::Value::from(0.3),
                serde_yaml::Value::from(0.25)
            ),
            (
                "hypothesis.rationale".to_string(),
                serde_yaml::Value::from("recall@20 is noisy at this size"),
                serde_yaml::Value::Null
            )
        ]
    );
    run_effects(&mut app, &r.path, effects);
    let text = r.read(&card_path(&id(6)));
    assert!(text.contains("target: 0.3\n"), "{text}");
    assert!(
        text.contains("rationale: recall@20 is noisy at this size"),
        "{text}"
    );
    assert!(text.contains("verdict: supported"), "{text}");
    assert_eq!(r.commit_count(), start + 1);
}

/// The value the prompt started from goes with the change: a change made
/// on disk while the prompt was open is a conflict to settle, never
/// overwritten.
#[test]
fn a_field_changed_on_disk_meanwhile_is_a_conflict() {
    let r = sample();
    let mut app = r.app(120, 32);
    let start = r.commit_count();
    let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
    select_card(&mut app, &id(5));
    press(&mut app, &[key('D'), ctrl_u]);
    assert_eq!(
        prompt_label(&app),
        "Due (2026-12-24, +3d, fri; empty clears)"
    );
    type_text(&mut app, "fri");
    locate(&buffer(&app), "Fri 2026-12-04");
    // Another terminal sets the due date meanwhile.
    let out = r.lanes(&["edit", &id(5), "--set", "due=2027-02-01"]);
    assert!(out.status.success(), "{out:?}");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    let [Effect::Apply { action, .. }] = &effects[..] else {
        panic!("expected one action, got {effects:?}");
    };
    let ctx = lanes::ops::Context::from_env();
    let result = lanes::ops::apply(&ctx, &r.path, action.clone());
    assert!(
        matches!(&result, Err(e) if e.kind() == lanes::ops::Kind::Conflict),
        "{result:?}"
    );
    app.update(lanes::tui::Event::Applied(result));
    assert_eq!(app.mode, Mode::Resolve);
    let buf = buffer(&app);
    locate(&buf, "Changed on disk meanwhile");
    locate(&buf, "2027-02-01");
    assert_eq!(file_field(&r, &id(5), "due").as_deref(), Some("2027-02-01"));
    assert_eq!(r.commit_count(), start + 1, "only the other terminal's");
    // Keep mine.
    let effects = press(&mut app, &[key('m')]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(file_field(&r, &id(5), "due").as_deref(), Some("2026-12-04"));
}

/// A field the board declares in board.yaml is edited like a built-in one,
/// with no prompt code of its own: listed after the built-in fields,
/// checked against its declared values.
#[test]
fn a_declared_field_is_edited_like_a_built_in_one() {
    let r = sample();
    let board = r.read(".lanes/board.yaml");
    r.write(
        ".lanes/board.yaml",
        format!("{board}fields:\n  priority: {{type: enum, values: [low, medium, high]}}\n"),
    );
    let text = r.read(&card_path(&id(2)));
    r.write(
        &card_path(&id(2)),
        format!("{text}fields:\n  priority: low\n"),
    );
    r.commit_all("a declared field");
    let mut app = r.app(120, 32);
    let start = r.commit_count();
    select_card(&mut app, &id(2));
    press(&mut app, &[key('E')]);
    let fields = field_list(&app);
    assert_eq!(
        fields.last().map(String::as_str),
        Some("priority"),
        "{fields:?}"
    );
    press(&mut app, &[key('p'), code(KeyCode::Enter)]);
    assert_eq!(prompt_label(&app), "Priority (low/medium/high)");
    let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(&mut app, &[ctrl_u]);
    type_text(&mut app, "urgent");
    locate(&buffer(&app), "\"urgent\" is not one of low, medium, high");
    assert!(press(&mut app, &[code(KeyCode::Enter)]).is_empty());
    press(&mut app, &[ctrl_u]);
    type_text(&mut app, "HIGH");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    run_effects(&mut app, &r.path, effects);
    assert!(
        r.read(&card_path(&id(2))).contains("priority: high"),
        "{}",
        r.read(&card_path(&id(2)))
    );
    assert_eq!(r.commit_count(), start + 1);
}

// ---------------------------------------------------------------------------
// Issue 22: tables that never change meaning (the `p` view)

/// A board of hypotheses whose metric names, numbers and costs must be
/// shown whole: one verdict changed over two commits (for the history
/// column).
fn hypotheses_board() -> Repo {
    let r = Repo::crisp_dm();
    let long = format!(
        "hypothesis:\n  statement: {}\n  metric: precision@10\n  direction: higher\n  baseline: 0.21\n  target: 0.25\n  result: 0.232\n  verdict: refuted\nassignees:\n  - mei\nexperiment:\n  cost: 3 GPU-hours\n",
        q("Session-recency features lift precision@10 over the popularity baseline on the frozen split")
    );
    let weekend = |verdict: &str| {
        format!("hypothesis:\n  statement: Weekend retraining recovers weekend recall.\n  metric: recall@20\n  baseline: 0.3\n  target: 0.35\n  result: 0.3125\n  verdict: {verdict}\nassignees:\n  - tomas\nexperiment:\n  cost: 14.5 GPU-hours\n")
    };
    r.write_card(
        &id(1),
        &card(
            &id(1),
            "Session recency",
            "modeling",
            "h",
            "hypothesis",
            &long,
        ),
    );
    r.write_card(
        &id(2),
        &card(
            &id(2),
            "Weekend retraining",
            "evaluation",
            "h",
            "hypothesis",
            &weekend("open"),
        ),
    );
    r.commit_all("hypotheses");
    r.write_card(
        &id(2),
        &card(
            &id(2),
            "Weekend retraining",
            "evaluation",
            "h",
            "hypothesis",
            &weekend("inconclusive"),
        ),
    );
    r.commit_all("a verdict");
    r
}

/// The rendered `p` view of `r` at `w`x`h`.
fn hypotheses_view(r: &Repo, w: u16, h: u16) -> (App, ratatui::buffer::Buffer) {
    let mut app = r.app(w, h);
    press(&mut app, &[key('p')]);
    load_insights(&mut app);
    let buf = buffer(&app);
    (app, buf)
}

#[test]
fn the_hypotheses_view_never_cuts_a_metric_name_or_a_number() {
    let r = hypotheses_board();
    for (w, h) in [(80, 24), (100, 30), (120, 32), (200, 50), (60, 20)] {
        let (_, buf) = hypotheses_view(&r, w, h);
        let screen = screen_text(&buf);
        for whole in ["precision@10", "recall@20", "inconclusive"] {
            assert!(screen.contains(whole), "{w}x{h}: {whole:?} cut:\n{screen}");
        }
        // The result is always there, whole; the statement is cut with an
        // ellipsis, never silently.
        assert!(
            screen.contains("0.232") && screen.contains("0.3125"),
            "{w}x{h}:\n{screen}"
        );
        if !screen.contains("on the frozen split") {
            assert!(screen.contains("Session-recency"), "{w}x{h}:\n{screen}");
            let row = lines(&buf)
                .into_iter()
                .find(|l| l.contains("Session-recency"))
                .expect("the row");
            assert!(row.contains('…'), "{w}x{h}: cut without an ellipsis: {row}");
        }
        if w >= 100 {
            assert!(screen.contains("0.21→0.25→0.232"), "{w}x{h}:\n{screen}");
        }
        // Where the cost is shown it is whole (at 200 columns it was
        // clipped to `3 GPU-hour`).
        if screen.contains("GPU-hour") {
            assert!(
                screen.contains("3 GPU-hours") && screen.contains("14.5 GPU-hours"),
                "{w}x{h}:\n{screen}"
            );
        }
        // Nothing is drawn over the frame.
        frame_intact(&buf, " Hypotheses ");
    }
    let (_, buf) = hypotheses_view(&r, 200, 50);
    let screen = screen_text(&buf);
    assert!(screen.contains("14.5 GPU-hours"), "{screen}");
    assert!(screen.contains("inconclusive"), "{screen}");
}

#[test]
fn the_hypotheses_view_at_80x24() {
    let r = hypotheses_board();
    let (app, _) = hypotheses_view(&r, 80, 24);
    let terminal = render(&app);
    insta::assert_snapshot!("hypotheses_80x24", terminal.backend());
}

#[test]
fn the_hypotheses_view_marks_stale_verdicts() {
    let r = hypotheses_board();
    let (mut app, buf) = hypotheses_view(&r, 80, 24);
    assert!(find(&buf, "stale").is_none());
    // What the board's stale check found (as the worker sets it).
    app.stale.insert(
        id(1),
        vec!["metrics.json now has precision@10 = 0.19".into()],
    );
    let buf = buffer(&app);
    let row = lines(&buf)
        .into_iter()
        .find(|l| l.contains("Session-recency"))
        .expect("the row");
    assert!(row.contains("refuted ⚠stale"), "{row}");
    assert!(row.contains("precision@10"), "{row}");
}

#[test]
fn the_history_view_shows_what_was_first_hypothesised() {
    let r = hypotheses_board();
    let mut app = r.app(120, 40);
    select_card(&mut app, &id(1));
    press(&mut app, &[key('i')]);
    app.history = Some((
        id(1),
        lanes::history::timeline(&r.path, &id(1)).map_err(lanes::ops::Error::from),
    ));
    let screen = screen_text(&buffer(&app));
    for want in [
        "hypothesis.metric: (none) -> precision@10",
        "hypothesis.target: (none) -> 0.25",
        "hypothesis.baseline: (none) -> 0.21",
    ] {
        assert!(screen.contains(want), "no {want:?} in:\n{screen}");
    }
}

#[test]
fn the_flow_view_counts_cards_that_reached_a_done_lane_where_they_were_created() {
    // The sample board's Deployment is empty: one card is created there.
    let r = sample();
    r.write_card(
        &id(20),
        &card(&id(20), "Canary rollout", "deployment", "h", "task", ""),
    );
    r.commit_all("a card created in the last lane");
    let mut app = r.app(100, 80);
    press(&mut app, &[key('f')]);
    load_insights(&mut app);
    let screen = screen_text(&buffer(&app));
    assert!(
        screen.contains("1 reached a done lane, created there"),
        "{screen}"
    );
}

// ---------------------------------------------------------------------------
// Saved views, the command palette, help that finds

/// The sample board with `views` (YAML under `views:`) in place of the
/// template's, committed.
fn sample_with_views(views: &str) -> Repo {
    let r = sample();
    let text = r.read(".lanes/board.yaml");
    let head = text.split("\nviews:\n").next().expect("board.yaml");
    r.write(".lanes/board.yaml", format!("{head}\nviews:\n{views}"));
    r.commit_all("views");
    r
}

const VIEWS: &str = "  recsys:\n    filter: label:recsys\n    sort: -title\n  mine:\n    filter: \"@me\"\n    lanes: [business-understanding, modeling, deployment]\n  bad:\n    filter: verdict:maybe\n";

/// Every card shown, column by column.
fn shown(app: &App) -> Vec<Vec<String>> {
    (0..app.columns.len()).map(|c| column_ids(app, c)).collect()
}

#[test]
fn number_keys_switch_saved_views_and_zero_shows_all() {
    let r = sample_with_views(VIEWS);
    let mut app = r.app(80, 24);
    app.me = vec!["ana".into()];
    // The broken view is said, placed in board.yaml, at the start.
    let said = app.message.clone().expect("the views' problem");
    assert!(said.is_error(), "{said:?}");
    assert!(
        said.text.contains(".lanes/board.yaml:")
            && said
                .text
                .contains("views.bad.filter: unknown verdict \"maybe\""),
        "{}",
        said.text
    );
    let all = shown(&app);

    // 1: the recsys cards, lane by lane, each lane Z to A by title.
    press(&mut app, &[key('1')]);
    assert_eq!(app.view.as_deref(), Some("recsys"));
    assert_eq!(
        shown(&app),
        vec![vec![id(4)], vec![id(5)], vec![id(6), id(7)]],
        "Two-tower before Session, Z to A"
    );
    let buf = buffer(&app);
    let (_, y) = locate(&buf, "view 1: recsys");
    assert_eq!(y, 0, "the header names the view");
    locate(&buf, "view 1: recsys · 4 cards · 0 shows all cards");
    // J/K cannot reorder in the view's own order.
    let effects = press(&mut app, &[shift(KeyCode::Char('J'))]);
    assert!(effects.is_empty() && app.waiting_move.is_none());
    assert!(app
        .message
        .as_ref()
        .is_some_and(|m| m.text.contains("this view sorts by title")));

    // 2: mine (ana's cards), in exactly the lanes the view names, the
    // empty Deployment too.
    press(&mut app, &[key('2')]);
    let lanes: Vec<Option<&str>> = (0..app.columns.len()).map(|c| app.lane_id(c)).collect();
    assert_eq!(
        lanes,
        [
            Some("business-understanding"),
            Some("modeling"),
            Some("deployment")
        ]
    );
    assert_eq!(shown(&app), vec![vec![id(1)], vec![id(6)], vec![]]);

    // 3 cannot be used: it says why, with its place; the view stays.
    press(&mut app, &[key('3')]);
    assert_eq!(app.view.as_deref(), Some("mine"));
    let m = app.message.clone().expect("why");
    assert!(
        m.text
            .contains("view 3 (bad) cannot be used: .lanes/board.yaml:"),
        "{}",
        m.text
    );
    // 4 is no view.
    press(&mut app, &[key('4')]);
    assert!(app.message.as_ref().is_some_and(|m| m
        .text
        .contains("no view 4; the views are 1 recsys, 2 mine, 3 bad")));

    // m then a number is still a move to that lane, not a view.
    select_card(&mut app, &id(1));
    let effects = press(&mut app, &[key('m'), key('3')]);
    assert_eq!(app.view.as_deref(), Some("mine"));
    assert_eq!(effects.len(), 1, "{effects:?}");
    run_effects(&mut app, &r.path, effects);
    assert_eq!(
        file_field(&r, &id(1), "lane").as_deref(),
        Some("data-preparation")
    );

    // 0 shows every card again; so does Esc, after the / filter it clears.
    press(&mut app, &[key('0')]);
    assert_eq!(app.view, None);
    assert_eq!(shown(&app).concat().len(), all.concat().len());
    press(&mut app, &[key('1'), key('/')]);
    type_text(&mut app, "two");
    press(&mut app, &[code(KeyCode::Enter)]);
    assert_eq!(shown(&app), vec![vec![id(6)]]);
    press(&mut app, &[code(KeyCode::Esc)]);
    assert_eq!(
        app.view.as_deref(),
        Some("recsys"),
        "Esc cleared the filter"
    );
    press(&mut app, &[code(KeyCode::Esc)]);
    assert_eq!(app.view, None, "then the view");
}

#[test]
fn a_view_can_show_archived_cards_and_follows_the_board_file() {
    let r = sample_with_views(
        "  shelf:\n    filter: is:archived\n  everything:\n    archived: true\n    sort: title\n",
    );
    let archived = r
        .read(&card_path(&id(3)))
        .replace("kind: task\n", "kind: task\narchived: true\n");
    r.write_card(&id(3), &archived);
    r.commit_all("archive 3");
    let mut app = r.app(120, 32);
    assert!(
        position_of(&app, &id(3)).is_none(),
        "archived: not on the board"
    );
    press(&mut app, &[key('1')]);
    assert_eq!(shown(&app), vec![vec![id(3)]]);
    // Archived cards do not count against the WIP limit.
    assert_eq!(
        app.columns[0].total, 1,
        "Data Understanding holds id 4 alone"
    );
    press(&mut app, &[key('2')]);
    assert_eq!(shown(&app).concat().len(), 9);
    // board.yaml changes: the views are read again; a view shown that is
    // gone is left, and a view mended says nothing more.
    let text = r.read(".lanes/board.yaml");
    let head = text.split("\nviews:\n").next().expect("board.yaml");
    r.write(
        ".lanes/board.yaml",
        format!("{head}\nviews:\n  shelf: is:archived\n"),
    );
    app.on_loaded(r.load());
    assert_eq!(app.view, None);
    assert_eq!(app.views.len(), 1);
    assert!(app
        .message
        .as_ref()
        .is_some_and(|m| m.text.contains("view \"everything\" is gone")));
}

#[test]
fn the_users_own_views_come_after_the_boards_and_replace_one_of_its_name() {
    let r = sample_with_views(VIEWS);
    let mut app = r.app(80, 24);
    app.personal = Some(lanes::config::Personal {
        name: "/home/ana/.config/lanes/config.yaml".into(),
        text: "views:\n  mine: \"@ben\"\n  blocked: label:blocked\n  typo: {lanes: [modelling]}\n"
            .into(),
    });
    app.refresh_views();
    let names: Vec<&str> = app.views.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["recsys", "mine", "bad", "blocked", "typo"]);
    press(&mut app, &[key('2')]);
    assert_eq!(
        shown(&app).concat(),
        [id(2), id(8)],
        "the user's mine: ben's"
    );
    press(&mut app, &[key('4')]);
    assert_eq!(shown(&app).concat(), [id(4)]);
    // The config file's problem is placed in it.
    assert!(
        app.view_problems
            .iter()
            .any(|p| p == "/home/ana/.config/lanes/config.yaml:4:18: views.typo.lanes.0: unknown lane \"modelling\"; did you mean modeling? lanes are business-understanding, data-understanding, data-preparation, modeling, evaluation, deployment"),
        "{:?}",
        app.view_problems
    );
}

#[test]
fn filters_know_who_me_is_and_which_verdicts_are_stale() {
    let r = sample();
    let mut app = r.app(120, 32);
    app.me = vec!["chen".into()];
    press(&mut app, &[key('/')]);
    type_text(&mut app, "@me");
    assert_eq!(shown(&app).concat(), [id(3), id(8)]);
    press(
        &mut app,
        &[KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)],
    );
    type_text(&mut app, "is:stale");
    // Nothing found stale yet: no card matches (and no lane is hidden).
    assert!(app.columns.iter().all(|c| c.items.is_empty()));
    assert_eq!(app.columns.len(), 6);
    app.update(lanes::tui::Event::Stale(std::collections::HashMap::from([
        (id(6), vec!["dvc.lock changed".to_string()]),
    ])));
    assert_eq!(shown(&app).concat(), [id(6)], "found stale: shown at once");
}

#[test]
fn the_palette_lists_every_command_once_and_runs_the_one_chosen() {
    let r = sample_with_views(VIEWS);
    let mut app = r.app(80, 24);
    let before = r.commit_count();
    select_card(&mut app, &id(2));
    press(&mut app, &[key(':')]);
    assert!(matches!(app.mode, Mode::Palette { .. }));
    // Every command of the key table but the palette itself, each once,
    // after the saved views.
    let entries = app.palette_entries("");
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(&names[..3], ["recsys", "mine", "bad"]);
    let commands: Vec<&str> = lanes::tui::command::TABLE
        .iter()
        .map(|s| s.name)
        .filter(|n| *n != "palette")
        .collect();
    assert_eq!(&names[3..], &commands[..]);
    let buf = buffer(&app);
    locate(&buf, "Commands and views (");
    locate(&buf, "saved view: label:recsys · sort -title");

    // Words typed: the best match first, with its key and what it does.
    type_text(&mut app, "arch");
    let buf = buffer(&app);
    let (_, y) = locate(&buf, "archive the card");
    let row = lines(&buf)[y as usize].clone();
    assert!(row.contains(" x ") && row.contains("archive"), "{row}");
    // Enter runs it on the selected card, as x would: it asks, then
    // archives in one commit.
    press(&mut app, &[code(KeyCode::Enter)]);
    assert_eq!(app.mode, Mode::ConfirmArchive { card: id(2) });
    let effects = press(&mut app, &[key('y')]);
    run_effects(&mut app, &r.path, effects);
    assert_eq!(r.commit_count(), before + 1);
    assert_eq!(file_field(&r, &id(2), "archived").as_deref(), Some("true"));

    // Ctrl+p opens it too; arrows choose; a view runs as its number does.
    press(
        &mut app,
        &[KeyEvent::new(KeyCode::Char('p'), KeyModifiers::CONTROL)],
    );
    type_text(&mut app, "view");
    let entries = app.palette_entries("view");
    let at = entries
        .iter()
        .position(|e| e.name == "mine")
        .expect("mine matches");
    for _ in 0..at {
        press(&mut app, &[code(KeyCode::Down)]);
    }
    press(&mut app, &[code(KeyCode::Enter)]);
    assert_eq!(app.mode, Mode::Board);
    assert_eq!(app.view.as_deref(), Some("mine"));

    // Keys shown are the keys in force; Esc closes without running.
    let mut km = Keymap::default();
    let o = std::collections::BTreeMap::from([("archive".to_string(), vec!["X".to_string()])]);
    assert!(km.apply_overrides(&o).is_empty());
    app.keymap = km;
    let archive = app
        .palette_entries("archive")
        .into_iter()
        .next()
        .expect("archive");
    assert_eq!(archive.keys, "X");
    press(&mut app, &[key(':')]);
    type_text(&mut app, "zzzz");
    locate(&buffer(&app), "nothing matches \"zzzz\"");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    assert!(effects.is_empty());
    press(&mut app, &[code(KeyCode::Esc)]);
    assert_eq!(app.mode, Mode::Board);
}

#[test]
fn help_keeps_the_lines_with_the_words_typed() {
    let r = sample_with_views(VIEWS);
    let mut app = r.app(80, 24);
    press(&mut app, &[key('?')]);
    // A word that starts with a key help has (m is not one) ...
    type_text(&mut app, "move-to");
    let screen = screen_text(&buffer(&app));
    assert!(screen.contains("move the card to lane N"), "{screen}");
    assert!(
        !screen.contains("move the card to the lane on the left"),
        "{screen}"
    );
    assert!(screen.contains("find: move-to"), "{screen}");
    // j and k are letters now; arrows still scroll.
    press(&mut app, &[code(KeyCode::Esc)]);
    press(&mut app, &[key('/')]);
    type_text(&mut app, "journal");
    let screen = screen_text(&buffer(&app));
    assert!(screen.contains("add a journal note"), "{screen}");
    assert!(!screen.contains("Move around"), "{screen}");
    // The saved views are in help too, found by their words.
    press(
        &mut app,
        &[KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)],
    );
    type_text(&mut app, "recsys");
    let screen = screen_text(&buffer(&app));
    assert!(
        screen.contains("Saved views") && screen.contains("recsys: label:recsys"),
        "{screen}"
    );
    type_text(&mut app, " qqq");
    locate(&buffer(&app), "No key matches");
    press(&mut app, &[code(KeyCode::Enter)]);
    assert_eq!(app.mode, Mode::Board, "Enter closes help");
}

#[test]
fn the_last_message_keeps_its_room_on_the_status_line_at_80_columns() {
    let r = sample();
    let mut app = r.app(80, 24);
    app.status = lanes::tui::app::RepoStatus {
        branch: "feature/cold-start-rules".into(),
        uncommitted: 3,
        ahead_behind: Some((2, 1)),
    };
    app.sync = lanes::tui::app::SyncState::Done {
        summary: "ok".into(),
        at: 1_764_240_000,
    };
    app.watch = Some("polling".into());
    app.conflicted = 2;
    // Without a message, on a wide terminal: everything at length.
    app.message = None;
    app.resize(140, 24);
    let line = lines(&buffer(&app))[23].clone();
    for part in [
        "feature/cold-start-rules",
        "3 uncommitted",
        "↑2 ↓1 · synced 10:40 UTC",
        "2 cards with conflicts (!)",
        "? help",
    ] {
        assert!(line.contains(part), "{part}: {line}");
    }
    // At 80 columns a move's feedback is whole; the others shortened,
    // not gone.
    app.resize(80, 24);
    let feedback = "moved c01x7m Define churn success metric to Data Understanding";
    app.set_message(feedback, false);
    let line = lines(&buffer(&app))[23].clone();
    assert!(line.contains(feedback), "{line}");
    assert!(line.contains("⚠2"), "the conflicts still show: {line}");
    assert!(
        line.contains("✎3"),
        "the uncommitted count still shows: {line}"
    );
    assert!(line.starts_with(" feature"), "{line}");
}

#[test]
fn a_prompt_label_longer_than_half_the_line_is_shown_whole_above_it() {
    let r = sample();
    let mut app = r.app(80, 24);
    press(&mut app, &[key('n'), code(KeyCode::Tab)]);
    type_text(&mut app, "Dropout lowers loss");
    press(&mut app, &[code(KeyCode::Enter)]);
    type_text(&mut app, "More dropout regularises");
    let buf = buffer(&app);
    let (x, y) = locate(&buf, "Hypothesis 2/6 statement (what you expect):");
    assert_eq!((x, y), (0, 22), "{}", screen_text(&buf));
    let (_, y) = locate(&buf, "› More dropout regularises");
    assert_eq!(y, 23);
    // A short label shares the line with what is typed, as before.
    press(&mut app, &[code(KeyCode::Enter)]);
    let buf = buffer(&app);
    let (_, y) = locate(&buf, "Hypothesis 3/6 metric: ");
    assert_eq!(y, 23);
}

// How cards connect (issue 25): badges, the `ready`/`blocked` filter,
// links in the details, the links view (`b`) and adding a link (`a`).

/// Link two cards through the same action as `lanes link`.
fn link(r: &Repo, card: &str, kind: lanes::model::links::Kind, other: &str) {
    lanes::ops::apply(
        &lanes::ops::Context::from_env(),
        &r.path,
        Action::Link {
            card: card.into(),
            kind,
            other: other.into(),
        },
    )
    .unwrap_or_else(|e| panic!("link {card} to {other}: {e}"));
}

/// The sample board with links: Feature store backfill (5) depends on
/// Profile event logs (3, done: its checklist meets its lane's exit
/// criteria) and Audit recsys click data (4), so it waits on one; Tune
/// learning rate (8) waits on 5; Calibration (9) rests on the refuted
/// Session features (7); Interview support team (2) is part of Define
/// churn (1).
fn linked() -> Repo {
    use lanes::model::links::Kind;
    let r = sample();
    link(&r, &id(5), Kind::DependsOn, &id(3));
    link(&r, &id(5), Kind::DependsOn, &id(4));
    link(&r, &id(8), Kind::DependsOn, &id(5));
    link(&r, &id(9), Kind::DependsOn, &id(7));
    link(&r, &id(2), Kind::Parent, &id(1));
    r
}

/// The text of the card box that holds `title` (its three lines).
fn card_box(buf: &ratatui::buffer::Buffer, title: &str) -> String {
    let (x, y) = locate(buf, title);
    (y..y + 3)
        .map(|row| {
            let (text, xs) = row_text(buf, row);
            text.chars()
                .zip(xs)
                .filter(|(_, cx)| *cx >= x && *cx < x + 24)
                .map(|(c, _)| c)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn cards_show_how_many_cards_they_wait_on_and_their_flags_at_80x24() {
    let r = linked();
    let mut app = r.app(80, 24);
    let buf = buffer(&app);
    // Data Preparation is the third lane: on screen at 80 columns.
    let backfill = card_box(&buf, "Feature store backfill");
    assert!(backfill.contains("c05x7m ⊘1"), "{backfill}");
    // A card that waits on nothing has no badge.
    let profile = card_box(&buf, "Profile event logs");
    assert!(!profile.contains('⊘'), "{profile}");
    // Further right: Tune learning rate waits on one; Calibration rests
    // on a refuted hypothesis.
    select_card(&mut app, &id(9));
    let buf = buffer(&app);
    let tune = card_box(&buf, "Tune learning rate");
    assert!(tune.contains("c08x7m ⊘1"), "{tune}");
    let calibration = card_box(&buf, "Calibration cuts");
    assert!(calibration.contains("⚑premise"), "{calibration}");
    // Done, the blocker no longer counts: no badge.
    r.lanes(&["move", &id(4), "deployment"]);
    app.on_loaded(r.load());
    select_card(&mut app, &id(5));
    let buf = buffer(&app);
    let backfill = card_box(&buf, "Feature store backfill");
    assert!(backfill.contains("c05x7m task"), "{backfill}");
}

#[test]
fn ready_and_blocked_filter_the_board() {
    let r = linked();
    let mut app = r.app(120, 32);
    press(&mut app, &[key('/')]);
    type_text(&mut app, "blocked");
    press(&mut app, &[code(KeyCode::Enter)]);
    let shown = |app: &App| -> Vec<String> {
        let mut v: Vec<String> = (0..app.columns.len())
            .flat_map(|c| column_ids(app, c))
            .collect();
        v.sort();
        v
    };
    assert_eq!(shown(&app), [id(5), id(8)]);
    locate(&buffer(&app), "filter: blocked");
    // Ready: not done (no verdict, no done lane, exit criteria not met),
    // not blocked.
    app.set_filter("ready");
    assert_eq!(shown(&app), [id(1), id(2), id(4), id(9)]);
    // Combined with other terms, in any case.
    app.set_filter("READY @ana");
    assert_eq!(shown(&app), [id(1), id(9)]);
    // A change to a link is seen at once: 8 no longer waits.
    lanes::ops::apply(
        &lanes::ops::Context::from_env(),
        &r.path,
        Action::Unlink {
            card: id(8),
            kind: lanes::model::links::Kind::DependsOn,
            other: id(5),
        },
    )
    .expect("unlink");
    let changed = lanes::watch::read_changed(&r.path, &[id(8)].into());
    app.on_card_files(changed);
    app.set_filter("blocked");
    assert_eq!(shown(&app), [id(5)]);
}

#[test]
fn details_list_links_both_ways_with_lane_and_verdict() {
    let r = linked();
    let mut app = r.app(100, 60);
    select_card(&mut app, &id(5));
    press(&mut app, &[code(KeyCode::Enter)]);
    let screen = screen_text(&buffer(&app));
    for want in [
        "⊘ blocked: waits on 1 card not done (c04x7m)",
        "depends on    c03x7m Profile event logs · Data Understanding · done",
        "depends on    c04x7m Audit recsys click data · Data Understanding",
        "blocks        c08x7m Tune learning rate schedule · Modeling",
    ] {
        assert!(screen.contains(want), "no {want:?} in:\n{screen}");
    }
    // The parent lists its parts with their lanes.
    press(&mut app, &[code(KeyCode::Esc)]);
    select_card(&mut app, &id(1));
    press(&mut app, &[code(KeyCode::Enter)]);
    let screen = screen_text(&buffer(&app));
    assert!(
        screen.contains("has part      c02x7m Interview support team · Business Understanding"),
        "{screen}"
    );
    // A card resting on a refuted hypothesis: its verdict, and the flag.
    press(&mut app, &[code(KeyCode::Esc)]);
    select_card(&mut app, &id(9));
    press(&mut app, &[code(KeyCode::Enter)]);
    let screen = screen_text(&buffer(&app));
    for want in [
        "depends on    c07x7m Session features improve CTR · Modeling · refuted",
        "⚑ premise refuted: c07x7m (Session features improve CTR) was refuted",
    ] {
        assert!(screen.contains(want), "no {want:?} in:\n{screen}");
    }
}

#[test]
fn the_links_view_shows_the_tree_and_enter_goes_to_a_card() {
    let r = linked();
    let mut app = r.app(80, 24);
    select_card(&mut app, &id(8));
    press(&mut app, &[key('b')]);
    assert!(matches!(app.mode, Mode::Links { .. }), "{:?}", app.mode);
    let buf = buffer(&app);
    let screen = screen_text(&buf);
    // 8 waits on 5, which waits on 3 and 4: indented under it.
    let (x5, y5) = locate(&buf, "c05x7m Feature store backfill");
    let (x3, y3) = locate(&buf, "c03x7m Profile event logs");
    let (x4, _) = locate(&buf, "c04x7m Audit recsys click data");
    assert!(y3 > y5 && x3 == x5 + 2 && x4 == x3, "{screen}");
    assert!(screen.contains("depends on (3)"), "{screen}");
    // The first card is selected; j selects the next; Enter goes there.
    press(&mut app, &[key('j'), code(KeyCode::Enter)]);
    assert_eq!(app.mode, Mode::Board);
    assert_eq!(selected(&app).as_deref(), Some(id(3).as_str()));
    assert_eq!(app.lane_id(app.col), Some("data-understanding"));
    let buf = buffer(&app);
    locate(&buf, "Data Understanding");
    // A card not shown by the filter: the filter goes.
    app.set_filter("label:stakeholder");
    select_card(&mut app, &id(1));
    press(&mut app, &[key('b')]);
    // 1 has one part: 2.
    press(&mut app, &[code(KeyCode::Enter)]);
    assert_eq!(selected(&app).as_deref(), Some(id(2).as_str()));
    assert!(app.filter.is_empty());
    // A card without links says so, and no view opens.
    select_card(&mut app, &id(6));
    press(&mut app, &[key('b')]);
    assert_eq!(app.mode, Mode::Board);
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("has no links")),
        "{:?}",
        app.message
    );
}

#[test]
fn the_links_view_scrolls_a_long_tree_at_80x24() {
    use lanes::model::links::Kind;
    let r = sample();
    // 30 cards waiting on the first.
    for n in 30..60 {
        r.write_card(
            &id(n),
            &card(
                &id(n),
                &format!("Waiting card {n}"),
                "modeling",
                "z",
                "task",
                "",
            ),
        );
    }
    r.commit_all("thirty cards");
    for n in 30..60 {
        link(&r, &id(n), Kind::DependsOn, &id(1));
    }
    let mut app = r.app(80, 24);
    select_card(&mut app, &id(1));
    press(&mut app, &[key('b')]);
    let buf = buffer(&app);
    locate(&buf, "blocks (30)");
    assert!(find(&buf, "Waiting card 59").is_none());
    // G: the last card, scrolled into view; the frame says where.
    press(&mut app, &[key('G')]);
    let buf = buffer(&app);
    locate(&buf, "Waiting card 59");
    assert!(find(&buf, "blocks (30)").is_none());
    assert!(screen_text(&buf).contains("/31 "), "{}", screen_text(&buf));
    // Enter goes to it (in Modeling, scrolled down the lane).
    press(&mut app, &[code(KeyCode::Enter)]);
    assert_eq!(selected(&app).as_deref(), Some(id(59).as_str()));
    locate(&buffer(&app), "Waiting card 59");
}

#[test]
fn unlinking_from_the_links_view_asks_then_commits() {
    let r = linked();
    let mut app = r.app(80, 24);
    select_card(&mut app, &id(8));
    press(&mut app, &[key('b')]);
    let commits = r.commit_count();
    // x asks; any key but y keeps the link.
    assert!(press(&mut app, &[key('x'), key('n')]).is_empty());
    assert_eq!(r.commit_count(), commits);
    let effects = press(&mut app, &[key('x')]);
    assert!(effects.is_empty());
    locate(&buffer(&app), "y removes the link");
    let effects = press(&mut app, &[key('y')]);
    assert_eq!(
        effects,
        [Effect::apply(Action::Unlink {
            card: id(8),
            kind: lanes::model::links::Kind::DependsOn,
            other: id(5),
        })]
    );
    run_effects(&mut app, &r.path, effects);
    assert_eq!(r.commit_count(), commits + 1);
    assert!(
        r.subjects()[0].contains("unlink c08x7m"),
        "{:?}",
        r.subjects()
    );
    assert!(!r.read(&card_path(&id(8))).contains("depends_on"));
    // Its last link gone, the view closes on the next key.
    press(&mut app, &[key('j')]);
    assert_eq!(app.mode, Mode::Board);
}

#[test]
fn a_link_is_added_by_picking_the_card_from_a_fuzzy_list() {
    let r = linked();
    let mut app = r.app(80, 24);
    select_card(&mut app, &id(1));
    press(&mut app, &[key('a')]);
    // Title words, in any order, narrow the list.
    type_text(&mut app, "back feat");
    let buf = buffer(&app);
    let screen = screen_text(&buf);
    assert!(screen.contains("Link c01x7m to"), "{screen}");
    assert!(screen.contains("1 card"), "{screen}");
    locate(&buf, "c05x7m Feature store backfill");
    assert!(find(&buf, "Profile event logs").is_none(), "{screen}");
    // Then how: d, depends on.
    press(&mut app, &[code(KeyCode::Enter)]);
    locate(&buffer(&app), "this card depends on it");
    let commits = r.commit_count();
    let effects = press(&mut app, &[key('d')]);
    assert_eq!(
        effects,
        [Effect::apply(Action::Link {
            card: id(1),
            kind: lanes::model::links::Kind::DependsOn,
            other: id(5),
        })]
    );
    run_effects(&mut app, &r.path, effects);
    assert_eq!(r.commit_count(), commits + 1);
    assert!(
        r.subjects()[0].contains("link c01x7m Define churn success metric"),
        "{:?}",
        r.subjects()
    );
    assert!(r
        .read(&card_path(&id(1)))
        .contains(&format!("depends_on:\n  - {}", id(5))));
    // The board shows it at once: 1 now waits on 5.
    let (waiting, _) = app.links().badge(&id(1));
    assert_eq!(waiting, 1);
    // An id prefix finds a card too; `b` stores the link on the other
    // card, as `lanes link --blocks` does.
    select_card(&mut app, &id(6));
    press(&mut app, &[key('a')]);
    type_text(&mut app, "c09");
    let effects = press(&mut app, &[code(KeyCode::Enter), key('b')]);
    assert_eq!(
        effects,
        [Effect::apply(Action::Link {
            card: id(9),
            kind: lanes::model::links::Kind::DependsOn,
            other: id(6),
        })]
    );
    // Esc cancels, nothing is linked.
    press(&mut app, &[key('a'), key('x'), code(KeyCode::Esc)]);
    assert_eq!(app.mode, Mode::Board);
}

#[test]
fn a_link_that_would_close_a_cycle_is_refused_naming_it() {
    let r = linked();
    let mut app = r.app(100, 24);
    // 3 depending on 8 closes 3 → 8 → 5 → 3.
    select_card(&mut app, &id(3));
    press(&mut app, &[key('a')]);
    type_text(&mut app, "tune");
    let effects = press(&mut app, &[code(KeyCode::Enter), key('d')]);
    let commits = r.commit_count();
    for e in effects {
        let Effect::Apply { action, .. } = e else {
            panic!("{e:?}")
        };
        let result = lanes::ops::apply(&lanes::ops::Context::from_env(), &r.path, action);
        app.on_applied(result);
    }
    assert_eq!(r.commit_count(), commits);
    let msg = app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(msg.contains("cycle"), "{msg}");
    assert!(msg.contains("c03x7m → c08x7m → c05x7m → c03x7m"), "{msg}");
    // Too long for the status line: shown whole above it.
    assert!(app.message_open);
    let screen = screen_text(&buffer(&app));
    assert!(
        screen.contains("cycle: c03x7m → c08x7m → c05x7m"),
        "{screen}"
    );
}

/// The card's history on the board names the agent that made a change
/// for its person, as `lanes log` does (issue 26).
#[test]
fn the_history_view_names_the_agent() {
    let r = Repo::crisp_dm();
    let id = r.add("Claimed by an agent", &["--lane", "modeling"]);
    r.ok(&["claim", &id, "--as", "claude-code"]);
    let mut app = r.app(140, 40);
    select_card(&mut app, &id);
    press(&mut app, &[key('i')]);
    app.history = Some((
        id.clone(),
        lanes::history::timeline(&r.path, &id).map_err(lanes::ops::Error::from),
    ));
    let screen = screen_text(&buffer(&app));
    // The commit's line (its short hash after the name), not the claim's
    // value among the changes.
    let head = r.git(&["rev-parse", "--short=8", "HEAD"]);
    let named = format!("{USER_NAME} via claude-code {}", head.trim());
    assert!(screen.contains(&named), "no {named:?} in:\n{screen}");
}

/// A card someone holds a live claim on shows the claimant; an expired
/// claim shows nothing.
#[test]
fn a_claimed_card_shows_its_claimant() {
    let r = Repo::crisp_dm();
    r.write_card(
        &id(1),
        &card(
            &id(1),
            "Held",
            "modeling",
            "i",
            "task",
            "claim:\n  by: Bo\n  at: 2026-01-01T10:00:00Z\n  until: 2999-01-01T00:00:00Z\n",
        ),
    );
    r.write_card(
        &id(2),
        &card(
            &id(2),
            "Was held",
            "modeling",
            "r",
            "task",
            "claim:\n  by: Cy\n  at: 2001-01-01T10:00:00Z\n  until: 2001-01-01T12:00:00Z\n",
        ),
    );
    let mut app = r.app(120, 32);
    let buf = buffer(&app);
    locate(&buf, "⚑Bo");
    assert!(find(&buf, "⚑Cy").is_none(), "an expired claim is shown");
    // The card's details say who holds it, and that an expired claim
    // leaves the card free.
    select_card(&mut app, &id(1));
    press(&mut app, &[code(KeyCode::Enter)]);
    let screen = screen_text(&buffer(&app));
    assert!(
        screen.contains("claimed    by Bo until 2999-01-01 00:00 UTC (since 2026-01-01 10:00 UTC)"),
        "{screen}"
    );
    press(&mut app, &[code(KeyCode::Esc)]);
    select_card(&mut app, &id(2));
    press(&mut app, &[code(KeyCode::Enter)]);
    let screen = screen_text(&buffer(&app));
    assert!(screen.contains("claim      expired (Cy until"), "{screen}");
    assert!(screen.contains("the card is free"), "{screen}");
}
