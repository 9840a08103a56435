//! A team syncing at once: clones that each add cards and notes, then all
//! run `lanes sync` at the same moment through `git daemon` on loopback,
//! for several rounds. Every sync must succeed (a rejected push retries
//! with random backoff), every clone must end byte-identical, every card
//! and note present once, and the board must validate: ranks minted
//! offline never collide.
//!
//! `cargo test --test sync_storm` runs 8 clones; the 32-clone storm is
//! `cargo test --release --test sync_storm -- --ignored --nocapture`, which
//! prints the wall time of each round.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::remote::*;
use common::*;
use std::process::Output;
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// Run a storm of `n` clones for `rounds` rounds; the wall time of each
/// round's simultaneous syncs.
fn storm(n: usize, rounds: usize) -> Option<Vec<Duration>> {
    let (w, _seed) = World::with_board(&["seed"]);
    let daemon = w.serve_or_skip()?;
    let clones: Vec<Repo> = (0..n)
        .map(|i| w.clone_url(&daemon.url(), &format!("m{i:02}")))
        .collect();
    // One shared card everybody notes on: same-card edits merge too.
    let shared = clones[0].add("Shared hypothesis", &["--lane", "modeling"]);
    clones[0].sync();
    for c in &clones[1..] {
        c.sync();
    }
    let mut added: Vec<String> = vec![shared.clone()];
    let mut notes: Vec<(String, String)> = Vec::new();
    let mut times = Vec::new();
    for round in 0..rounds {
        // Offline work: each clone adds a card at the bottom of the same
        // lane (the same rank, before ranks carried the id) and notes the
        // shared card.
        for (i, c) in clones.iter().enumerate() {
            let id = c.add(
                &format!("Round {round} by m{i:02}"),
                &["--lane", "data-prep"],
            );
            added.push(id.clone());
            let note = format!("m{i:02} saw {round}");
            ok(&c.lanes(&["note", &shared, &note]));
            notes.push((shared.clone(), note));
            let own = format!("first note on own card {round}");
            ok(&c.lanes(&["note", &id, &own]));
            notes.push((id, own));
        }
        let barrier = Barrier::new(n);
        let start = Instant::now();
        let results: Vec<(String, Output)> = std::thread::scope(|s| {
            let handles: Vec<_> = clones
                .iter()
                .map(|c| {
                    let b = &barrier;
                    s.spawn(move || {
                        b.wait();
                        (c.name.clone(), c.lanes(&["sync"]))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        times.push(start.elapsed());
        for (name, out) in &results {
            let said = both(out);
            assert!(
                out.status.success(),
                "round {round}: {name}'s sync failed:\n{said}"
            );
            assert!(!said.contains("offline"), "round {round}: {name}: {said}");
        }
    }
    // Settle: each clone syncs once more to take in the last pushes.
    for _ in 0..2 {
        for c in &clones {
            c.sync();
        }
    }
    let refs: Vec<&Repo> = clones.iter().collect();
    assert_same_boards(&refs);
    for c in &clones {
        assert_eq!(c.head(), w.remote_head(), "{} is not at the remote", c.name);
        c.assert_healthy();
        let st = c.git(&["status", "--porcelain"]);
        assert_eq!(st, "", "{}: status", c.name);
    }
    let ids = clones[0].card_ids();
    for id in &added {
        assert!(ids.contains(id), "card {id} lost");
    }
    assert_eq!(ids.len(), added.len(), "cards duplicated or appeared");
    for (id, note) in &notes {
        let text = clones[0].read(&card_path(id));
        assert_eq!(
            text.matches(note.as_str()).count(),
            1,
            "note {note:?} on {id} is not there exactly once"
        );
    }
    Some(times)
}

#[test]
fn eight_clones_syncing_at_once_all_succeed_and_converge() {
    if let Some(times) = storm(8, 3) {
        eprintln!("8 clones, rounds took {times:?}");
    }
}

#[test]
#[ignore = "a 32-clone storm takes a minute: cargo test --release --test sync_storm -- --ignored --nocapture"]
fn thirty_two_clones_syncing_at_once_all_succeed_and_converge() {
    if let Some(times) = storm(32, 3) {
        for (i, t) in times.iter().enumerate() {
            println!("32-clone storm, round {}: {:.1} s", i + 1, t.as_secs_f64());
        }
    }
}
