//! The demo board: a recommendation-engine project told through cards.
//!
//! `create` replays about three months of a small team's work through the
//! real library API: every step is an [`Action`] applied with
//! [`ops::apply`], so every step is a real commit, made by one of four
//! people at a set time. The story is written for September to November
//! 2026 and told shifted by whole days so that its last day is today (or
//! yesterday, when its last step would be later than now): the board
//! looks current, and `lanes report` for the last 30 days has its last
//! month in it. Every date the story writes (due dates, dates in text)
//! moves with it. Apart from card ids (which are random) and the shift,
//! the history is the same every time.
//!
//! `story` holds the cast, the lanes and the [`Story`] that turns each step
//! into a commit; `weeks_*` tell the steps, one function per week, in the
//! order [`tell_story`] calls them; `runs` writes the MLflow runs the cards
//! name.

mod runs;
mod story;
mod weeks_01_02;
mod weeks_03_05;
mod weeks_06_08;
mod weeks_09_12;

use crate::model::date;
use crate::ops;
use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};
use story::{Cards, Story};

/// A fresh temporary folder for the demo.
pub fn temp_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    let dir = base.join(format!("lanes-demo-{}", crate::model::id::new_id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Create the demo repository in `dir` (which must be empty or missing);
/// returns the board root.
///
/// The demo always gets a git repository of its own, even when `dir` lies
/// inside another repository: its history is made up and must not land in
/// anybody's project.
pub fn create(dir: &Path) -> Result<PathBuf> {
    create_at(dir, date::now_secs())
}

/// [`create`] with the story ending on the day of `now` (seconds since
/// the epoch) rather than today: the same board whatever the clock says.
pub fn create_at(dir: &Path, now: i64) -> Result<PathBuf> {
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} is not empty; the demo needs an empty or new folder",
                dir.display()
            );
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    git2::Repository::init(dir)
        .with_context(|| format!("cannot create a git repository in {}", dir.display()))?;

    tell_story(dir, now)
}

const YEAR: i64 = 2026;

/// The story's last step, as written (`tell_story` checks it is).
const LAST_STEP: &str = "11-20 16:00";

const DAY: i64 = 86_400;

/// How far (whole days, in seconds) the story is moved so that its last
/// step falls on the day of `now`, or the day before when that step's
/// time of day is still to come.
fn shift_for(now: i64) -> Result<i64> {
    let end = story_time(LAST_STEP)?;
    let shift = (now.div_euclid(DAY) - end.div_euclid(DAY)) * DAY;
    Ok(if end + shift > now {
        shift - DAY
    } else {
        shift
    })
}
/// Seconds since the epoch for `"MM-DD HH:MM"` (UTC) in the demo's year.
/// Steps fall on weekdays only: the team does not work weekends (which is
/// part of why nobody noticed the weekend traffic for so long).
fn story_time(when: &str) -> Result<i64> {
    let bad = || anyhow!("demo time {when:?} is not \"MM-DD HH:MM\"");
    let (day, time) = when.split_once(' ').ok_or_else(bad)?;
    let (m, d) = day.split_once('-').ok_or_else(bad)?;
    let (h, min) = time.split_once(':').ok_or_else(bad)?;
    let (m, d): (u32, u32) = (m.parse()?, d.parse()?);
    let (h, min): (i64, i64) = (h.parse()?, min.parse()?);
    if date::parse_date(&format!("{YEAR}-{m:02}-{d:02}")).is_none() || h > 23 || min > 59 {
        return Err(bad());
    }
    let days = date::days_from_civil(YEAR, m, d);
    // 1970-01-01 was a Thursday: (days + 3) % 7 is 0 on Mondays.
    if (days + 3).rem_euclid(7) >= 5 {
        bail!("demo time {when:?} falls on a weekend");
    }
    Ok(days * 86_400 + h * 3600 + min * 60)
}
/// The whole history, week by week.
fn tell_story(dir: &Path, now: i64) -> Result<PathBuf> {
    let mut s = Story {
        root: dir.to_path_buf(),
        now: i64::MIN,
        shift: shift_for(now)?,
        ctx: ops::Context::default(),
    };
    let c = &mut Cards::default();
    weeks_01_02::week_1(&mut s, c)?;
    weeks_01_02::week_2(&mut s, c)?;
    weeks_03_05::week_3(&mut s, c)?;
    weeks_03_05::week_4(&mut s, c)?;
    weeks_03_05::week_5(&mut s, c)?;
    weeks_06_08::week_6(&mut s, c)?;
    weeks_06_08::week_7(&mut s, c)?;
    weeks_06_08::week_8(&mut s, c)?;
    weeks_09_12::week_9(&mut s, c)?;
    weeks_09_12::week_10(&mut s, c)?;
    weeks_09_12::week_11(&mut s, c)?;
    weeks_09_12::week_12(&mut s, c)?;

    if s.now != story_time(LAST_STEP)? + s.shift {
        bail!("the demo's last step is not at {LAST_STEP}, where its dates are moved from");
    }
    // The runs the cards name, in an MLflow store beside the board.
    runs::log(&s.root, s.now)?;
    Ok(s.root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Verdict;
    use crate::store::{validate, Board};
    use std::collections::BTreeSet;

    /// (author name, author email, commit time, subject) from HEAD back.
    fn history(root: &Path) -> Vec<(String, String, i64, String)> {
        let repo = git2::Repository::open(root).expect("repo");
        let mut walk = repo.revwalk().expect("revwalk");
        walk.push_head().expect("head");
        walk.map(|oid| {
            let c = repo.find_commit(oid.expect("oid")).expect("commit");
            let a = c.author();
            (
                a.name().unwrap_or_default().to_string(),
                a.email().unwrap_or_default().to_string(),
                c.time().seconds(),
                c.summary().ok().flatten().unwrap_or_default().to_string(),
            )
        })
        .collect()
    }

    /// 2027-03-10 08:00 UTC: a day the story is told up to.
    const NOW: i64 = 1_804_636_800 + 8 * 3600;

    #[test]
    fn demo_board_tells_the_story() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = create_at(dir.path(), NOW).expect("demo");

        let board = Board::load(&root).expect("load");
        assert!(board.problems.is_empty(), "{:?}", board.problems);
        assert!(
            validate::check(&board).is_empty(),
            "{:?}",
            validate::check(&board)
        );
        assert!(board.cards.len() >= 25, "{} cards", board.cards.len());
        for v in [Verdict::Supported, Verdict::Refuted, Verdict::Inconclusive] {
            assert!(
                board.cards.iter().any(|c| c.verdict() == Some(v)),
                "no {v} card"
            );
        }
        assert!(board.cards.iter().any(|c| c.archived));
        let today = NOW.div_euclid(DAY);
        assert!(board.cards.iter().any(|c| c.is_overdue(today)));

        let log = history(&root);
        assert!(log.len() > 60, "{} commits", log.len());
        let loops = log
            .iter()
            .filter(|(.., s)| s.contains("(modeling -> data-preparation)"))
            .count();
        assert!(loops >= 1, "no card went back from modeling");
        let authors: BTreeSet<&str> = log.iter().map(|(n, ..)| n.as_str()).collect();
        assert!(authors.len() >= 3, "{authors:?}");
        // Dates walk forward through the story, which ends on the day
        // before NOW (its last step, at 16:00, is after 08:00).
        let times: Vec<i64> = log.iter().rev().map(|(_, _, t, _)| *t).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        let shift = shift_for(NOW).expect("shift");
        assert_eq!(shift % DAY, 0);
        assert_eq!(times[0], story_time("09-01 09:00").expect("time") + shift);
        let last = *times.last().expect("last");
        assert_eq!(last, story_time(LAST_STEP).expect("time") + shift);
        assert_eq!(date::format_timestamp(last), "2027-03-09T16:00:00Z");
    }

    #[test]
    fn the_story_ends_today_or_yesterday_and_its_dates_move_with_it() {
        // At 16:00 or later the last step is today; before, yesterday.
        for (now, last_day) in [
            (NOW, "2027-03-09"),
            (NOW + 8 * 3600, "2027-03-10"),
            (NOW + 8 * 3600 - 1, "2027-03-09"),
        ] {
            let end = story_time(LAST_STEP).expect("time") + shift_for(now).expect("shift");
            assert!(end <= now);
            assert_eq!(date::format_date(end.div_euclid(DAY)), last_day);
        }
        // As written, the story ends on 2026-11-20 at 16:00: told at 17:00
        // the day after, every date in it is a day later.
        let story = Story {
            root: PathBuf::new(),
            now: 0,
            shift: shift_for(story_time(LAST_STEP).expect("time") + DAY + 3600).expect("shift"),
            ctx: ops::Context::default(),
        };
        assert_eq!(story.shift, DAY);
        assert_eq!(
            story
                .dates("2026-07-01 to 2026-08-31, catalogue-2026-09-15, 12026-01-011 é 2026-02-30"),
            "2026-07-02 to 2026-09-01, catalogue-2026-09-16, 12026-01-011 é 2026-02-30"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let root = create_at(
            dir.path(),
            story_time(LAST_STEP).expect("time") + DAY + 3600,
        )
        .expect("demo");
        let board = Board::load(&root).expect("load");
        let interviews = board
            .cards
            .iter()
            .find(|c| c.title == "Stakeholder interviews")
            .expect("the interviews card");
        assert_eq!(interviews.due.as_deref(), Some("2026-09-26"));
    }

    #[test]
    fn concurrent_demos_do_not_mix() {
        let dirs: Vec<_> = (0..2)
            .map(|_| tempfile::tempdir().expect("tempdir"))
            .collect();
        let roots: Vec<PathBuf> = std::thread::scope(|scope| {
            let handles: Vec<_> = dirs
                .iter()
                .map(|d| scope.spawn(move || create_at(d.path(), NOW).expect("demo")))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        // Same authors at the same times: deterministic apart from ids.
        let strip = |log: Vec<(String, String, i64, String)>| {
            log.into_iter()
                .map(|(n, e, t, _)| (n, e, t))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(history(&roots[0])), strip(history(&roots[1])));
        // The story's clock was its own: the wall clock is untouched.
        assert!(date::now_secs() > story_time(LAST_STEP).expect("time"));
    }

    #[test]
    fn refuses_a_folder_that_is_not_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
        let err = create(dir.path()).unwrap_err();
        assert!(err.to_string().contains("not empty"), "{err}");
        assert!(!dir.path().join(".git").exists());
    }
}
