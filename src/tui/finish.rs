//! Quitting: the board has closed, and what the worker still has to do
//! is finished on the terminal, line by line.

use super::worker::{Report, Running, Worker};
use super::{moves, Event};
use anyhow::Result;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

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
pub(super) fn finish(worker: &Worker, rx: &Receiver<Event>) -> Result<()> {
    use crate::term::{say_line, say_partial};
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
        None => {}
    }
    if left.syncs_not_started > 0 {
        not_done.push("the sync with the remote you asked for (run `lanes sync`)".into());
    }
    // Nothing to wait for (reads end with us).
    let idle = left.running.is_none() && left.changes_queued == 0;
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
    let failed = |e: &crate::ops::Error| (false, format!("failed: {e}"));
    Some(match ev {
        Event::Applied(Ok(_)) | Event::Moved(_, Ok(moves::Moved::Done(_))) => (true, "done".into()),
        Event::Moved(_, Ok(moves::Moved::Unchanged(why))) => (true, format!("done ({why})")),
        Event::Moved(_, Ok(moves::Moved::NotMade(why, _))) => (false, format!("not made: {why}")),
        Event::Undone(Ok(summary)) => (true, format!("done: {summary}")),
        Event::Applied(Err(crate::ops::Error::Conflict(c))) => (false, format!("not saved: {c}")),
        Event::Applied(Err(e)) | Event::Moved(_, Err(e)) | Event::Undone(Err(e)) => failed(e),
        Event::Synced(Ok(r)) if r.offline.is_none() => (true, format!("done: {}", r.summary())),
        Event::Synced(_) => (
            false,
            "stopped before it finished (run `lanes sync` to sync)".into(),
        ),
        _ => return None,
    })
}
