//! The live board in a real terminal (issue 4): the real `lanes` binary
//! runs in tmux on a temporary board while a second process changes cards
//! with `lanes move` and `lanes note`; the screen must follow within a
//! second and keep the selection on the same card.
//!
//! Skipped with a SKIP line when tmux is not installed (a failure under
//! `CI=true`). Each test runs its own tmux server (`tmux -L <socket>`),
//! killed when the test ends, pass or fail (see `common::tmux`).
//! `LANES_E2E_VERBOSE=1` prints each screen waited for.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::tmux::*;
use common::{card_path, Repo};
use std::time::{Duration, Instant};

/// A change made by another process must be on screen within this.
const LIVE: Duration = Duration::from_secs(1);

/// A crisp-dm board with three cards in Business Understanding.
fn board() -> (Repo, [String; 3]) {
    let r = Repo::new();
    lanes_outside(&r, &["init"]);
    let ids = ["Alpha card", "Beta card", "Gamma card"].map(|title| {
        let id = r.add(title, &[]);
        assert!(r.exists(&card_path(&id)), "no card file for {id}");
        id
    });
    (r, ids)
}

/// The card titled `title` is drawn under the lane `lane_title`.
fn in_lane(screen: &str, title: &str, lane_title: &str) -> bool {
    match (
        card_position(screen, title),
        header_column(screen, lane_title),
    ) {
        (Some((x, _)), Some(h)) => x == h,
        _ => false,
    }
}

/// The board is up.
fn wait_for_board(t: &Tmux) -> String {
    t.wait_for("the board", |s| {
        s.contains("Business Understanding") && s.contains("? help") && s.contains("Gamma card")
    })
}

/// Open the detail popup of the selected card, check it is `id`, close it.
fn assert_selected(t: &Tmux, id: &str) -> String {
    t.keys(&["Enter"]);
    let screen = t.wait_for(&format!("the detail of {id}"), |s| {
        s.contains("Esc close") && s.contains(id)
    });
    t.keys(&["Escape"]);
    t.wait_for("the detail to close", |s| !s.contains("Esc close"));
    screen
}

#[test]
fn a_move_by_another_process_shows_within_a_second_and_keeps_the_selection() {
    if !tmux_or_skip() {
        return;
    }
    let (r, [_alpha, _beta, gamma]) = board();
    let t = Tmux::start(&r, false);
    let screen = wait_for_board(&t);
    assert!(
        in_lane(&screen, "Gamma card", "Business Understanding"),
        "{screen}"
    );
    // Select Gamma, the third card of the first lane.
    t.keys(&["j", "j"]);
    assert_selected(&t, &gamma);

    let started = Instant::now();
    lanes_outside(&r, &["move", &gamma, "modeling"]);
    let finished = Instant::now();
    let (screen, after_exit) = t.wait_within(LIVE, "Gamma card under Modeling", |s| {
        in_lane(s, "Gamma card", "Modeling")
    });
    eprintln!(
        "lanes move ran for {:?}; the screen showed the card {after_exit:?} after it exited",
        finished - started,
    );
    assert!(screen.contains("Modeling 1/4"), "{screen}");
    assert!(screen.contains("Business Understanding 2/3"), "{screen}");
    assert!(
        !in_lane(&screen, "Gamma card", "Business Understanding"),
        "{screen}"
    );

    // The selection followed the card to its new lane.
    let detail = assert_selected(&t, &gamma);
    assert!(detail.contains("Gamma card"), "{detail}");
    assert!(
        detail
            .lines()
            .any(|l| l.contains("lane") && l.contains("Modeling")),
        "the detail shows the new lane:\n{detail}"
    );
    // Nothing was written by the board itself.
    assert_eq!(r.git(&["status", "--porcelain"]), "");
    t.keys(&["q"]);
}

#[test]
fn a_note_added_by_another_process_shows_in_the_detail() {
    if !tmux_or_skip() {
        return;
    }
    let (r, [alpha, beta, _gamma]) = board();
    let t = Tmux::start(&r, false);
    wait_for_board(&t);
    t.keys(&["j"]);
    assert_selected(&t, &beta);

    let note = "Run 17 finished: AUC 0.912 on the hold-out split";
    let written = Instant::now();
    lanes_outside(&r, &["note", &beta, note]);
    // Reopen the detail until the note shows (within a second).
    let shown = loop {
        t.keys(&["Enter"]);
        let screen = t.wait_for("the detail", |s| {
            s.contains("Esc close") && s.contains(&beta)
        });
        t.keys(&["Escape"]);
        t.wait_for("the detail to close", |s| !s.contains("Esc close"));
        if screen.contains(note) {
            break screen;
        }
        assert!(
            written.elapsed() <= LIVE + Duration::from_millis(500),
            "the note is not in the detail {:?} after `lanes note`:\n{screen}\n{}",
            written.elapsed(),
            t.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    eprintln!(
        "the note was in the detail {:?} after `lanes note` started",
        written.elapsed()
    );
    assert!(shown.contains("Journal"), "{shown}");
    assert!(shown.contains("Beta card"), "{shown}");
    // Still on Beta, the other cards untouched.
    assert_selected(&t, &beta);
    let screen = t.screen();
    assert!(
        screen.contains("Alpha card") && screen.contains(&alpha[..6]),
        "{screen}"
    );
    t.keys(&["q"]);
}
