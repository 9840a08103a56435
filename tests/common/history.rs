//! A scripted board history whose answers are known in advance: the real
//! `lanes` binary run as given authors on given dates, plus a hand edit, a
//! training-code commit naming a card and a merged branch.

use super::{Repo, Who};
use serde_json::Value;
use std::path::PathBuf;

pub const ALICE: Who = Who {
    name: "Alice Archer",
    email: "alice@example.com",
};
pub const BOB: Who = Who {
    name: "Bob Brown",
    email: "bob@example.com",
};
pub const CHEN: Who = Who {
    name: "Chen Wei",
    email: "chen@example.com",
};
pub const DANA: Who = Who {
    name: "Dana Diaz",
    email: "dana@example.com",
};

/// 2026-10-01T00:00:00Z in seconds since the epoch.
pub const OCT1: i64 = 1_790_812_800;
pub const DAY: i64 = 86_400;

/// Seconds since the epoch of 2026-10-`day` `hh`:`mm` UTC.
pub fn ts(day: i64, hh: i64, mm: i64) -> i64 {
    OCT1 + (day - 1) * DAY + hh * 3600 + mm * 60
}

/// The same moment as git wants it in `GIT_AUTHOR_DATE`.
pub fn iso(day: i64, hh: i64, mm: i64) -> String {
    format!("2026-10-{day:02}T{hh:02}:{mm:02}:00Z")
}

impl Repo {
    /// The history cache lanes keeps in the repository.
    pub fn history_cache(&self) -> PathBuf {
        self.path.join(".git").join("lanes").join("history-v2")
    }
}

/// The title of the card whose text must not break Markdown or terminals.
pub const NASTY_TITLE: &str = "Ablate | dropout \x1b[31mred";

/// The scripted board: ids of its cards and the commit of each step.
pub struct Scenario {
    pub repo: Repo,
    /// Hypothesis "Weekend features" (data-preparation, loops back twice,
    /// refuted, hand-edited, linked from training code, changed on a merged
    /// branch, reaches deployment).
    pub h: String,
    /// Task "Clean clickstream".
    pub x: String,
    /// Hypothesis "Two-tower retrieval" (modeling, supported).
    pub g: String,
    /// Hypothesis with a nasty title (evaluation, inconclusive, overdue).
    pub k: String,
    pub m1: String,
    pub m2: String,
    /// Task "Ship popularity prior".
    pub q: String,
    /// (step label, commit id) in the order they were made.
    pub commits: Vec<(&'static str, String)>,
}

impl Scenario {
    pub fn commit(&self, label: &str) -> &str {
        &self
            .commits
            .iter()
            .find(|(l, _)| *l == label)
            .unwrap_or_else(|| panic!("no step {label}"))
            .1
    }
}

/// Build the scripted history (every date 2026-10-DD, UTC):
///
/// ```text
/// 01 09:00 Alice init                          01 10:00 Alice add H (DP)
/// 01 10:05 Bob   add X (DP)                    01 10:10 Chen  add G (M)
/// 02 10:00 Bob   move H M                      03 10:00 Bob   move H DP   (loop-back)
/// 03 10:05 Bob   move X M                      04 10:05 Bob   move X DP   (loop-back)
/// 05 10:00 Alice move H M                      06 10:00 Chen  edit H result=0.232 cost=12.5
/// 06 11:00 Chen  note H                        07 10:00 Chen  verdict H refuted
/// 07 10:05 Bob   move X M                      07 12:00 Alice edit H labels
/// 08 10:00 Dana  hand edit H title (git CLI)   08 12:00 Bob   train.py, "Lanes-Card: H"
/// 09 10:00 Chen  note H on branch exp          09 11:00 Alice edit G cost="3 GPU-hours"
/// 09 12:00 Alice merge --no-ff exp             10 10:00 Chen  add M1 (M)
/// 10 10:01 Chen  add M2 (M)                    12 10:00 Bob   move H E
/// 12 10:05 Chen  add K (E, due 10-20)          12 10:06 Chen  edit K cost="2 GPU-hours"
/// 13 10:00 Bob   move H M     (loop-back)      14 10:00 Bob   move H E
/// 14 10:05 Bob   move X E                      14 11:00 Chen  verdict G supported 0.37
/// 15 10:00 Alice move H D                      15 10:05 Alice move X D
/// 16 10:00 Chen  archive M2                    16 11:00 Chen  verdict K inconclusive 0.55
/// 19 10:00 Alice add Q (E)                     20 10:00 Alice move Q D
/// ```
pub fn scenario() -> Scenario {
    let repo = Repo::new();
    let mut commits: Vec<(&'static str, String)> = Vec::new();
    macro_rules! step {
        ($label:expr, $who:expr, $d:expr, $h:expr, $m:expr, $args:expr) => {{
            let out = repo.lanes_as($who, &iso($d, $h, $m), $args);
            commits.push(($label, repo.head()));
            out.trim().to_string()
        }};
    }
    step!(
        "init",
        ALICE,
        1,
        9,
        0,
        &["init", "--name", "Research board"]
    );
    let h = step!(
        "add H",
        ALICE,
        1,
        10,
        0,
        &[
            "add",
            "Weekend features",
            "--kind",
            "hypothesis",
            "--lane",
            "data-preparation",
            "--hypothesis",
            "Weekend features lift ndcg@10",
            "--metric",
            "ndcg@10",
            "--baseline",
            "0.21",
            "--target",
            "0.25",
            "--label",
            "quick-win",
            "--assignee",
            "alice",
        ]
    );
    let x = step!(
        "add X",
        BOB,
        1,
        10,
        5,
        &["add", "Clean clickstream", "--lane", "data-preparation"]
    );
    let g = step!(
        "add G",
        CHEN,
        1,
        10,
        10,
        &[
            "add",
            "Two-tower retrieval",
            "--kind",
            "hypothesis",
            "--lane",
            "modeling",
            "--hypothesis",
            "Two-tower beats ALS on recall@20",
            "--metric",
            "recall@20",
            "--baseline",
            "0.30",
            "--target",
            "0.35",
            "--assignee",
            "chen",
        ]
    );
    step!("move H M", BOB, 2, 10, 0, &["move", &h, "modeling"]);
    step!(
        "move H DP",
        BOB,
        3,
        10,
        0,
        &["move", &h, "data-preparation"]
    );
    step!("move X M", BOB, 3, 10, 5, &["move", &x, "modeling"]);
    step!(
        "move X DP",
        BOB,
        4,
        10,
        5,
        &["move", &x, "data-preparation"]
    );
    step!("move H M again", ALICE, 5, 10, 0, &["move", &h, "modeling"]);
    step!(
        "edit H result",
        CHEN,
        6,
        10,
        0,
        &[
            "edit",
            &h,
            "--set",
            "hypothesis.result=0.232",
            "--set",
            "experiment.cost=12.5"
        ]
    );
    step!(
        "note H",
        CHEN,
        6,
        11,
        0,
        &["note", &h, "weekend traffic behaves differently"]
    );
    // 0.232 is between the baseline (0.21) and the target (0.25): the
    // numbers alone give inconclusive, so the team says why it is refuted.
    step!(
        "verdict H",
        CHEN,
        7,
        10,
        0,
        &[
            "verdict",
            &h,
            "refuted",
            "--because",
            "the lift is within the noise of the baseline"
        ]
    );
    step!("move X M again", BOB, 7, 10, 5, &["move", &x, "modeling"]);
    step!(
        "edit H labels",
        ALICE,
        7,
        12,
        0,
        &["edit", &h, "--set", "labels=[needs-review]"]
    );
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "",
        "lanes left changes"
    );

    // A hand edit: the card file changed with an editor, committed with git.
    let path = repo.card_file(&h);
    let text = std::fs::read_to_string(&path).expect("read card");
    assert!(text.contains("title: Weekend features\n"), "{text}");
    std::fs::write(
        &path,
        text.replace("title: Weekend features\n", "title: Weekend features v2\n"),
    )
    .expect("write card");
    repo.git(&["add", "-A"]);
    repo.git_as(
        DANA,
        &iso(8, 10, 0),
        &["commit", "-q", "-m", "Fix the weekend card title"],
    );
    commits.push(("hand edit", repo.head()));

    // Training code elsewhere in the repository naming the card.
    std::fs::write(repo.abs("train.py"), "print('training')\n").expect("write train.py");
    repo.git(&["add", "train.py"]);
    let msg = format!("Train the weekend model\n\nLanes-Card: {h}\n");
    repo.git_as(BOB, &iso(8, 12, 0), &["commit", "-q", "-m", &msg]);
    commits.push(("training", repo.head()));

    // A branch that changes the card, merged with a merge commit.
    repo.git(&["checkout", "-q", "-b", "exp"]);
    step!(
        "branch note H",
        CHEN,
        9,
        10,
        0,
        &["note", &h, "seasonality check on the branch"]
    );
    repo.git(&["checkout", "-q", "main"]);
    step!(
        "edit G cost",
        ALICE,
        9,
        11,
        0,
        &["edit", &g, "--set", "experiment.cost=3 GPU-hours"]
    );
    repo.git_as(
        ALICE,
        &iso(9, 12, 0),
        &["merge", "-q", "--no-ff", "-m", "Merge branch 'exp'", "exp"],
    );
    commits.push(("merge", repo.head()));

    let m1 = step!(
        "add M1",
        CHEN,
        10,
        10,
        0,
        &["add", "Tune learning rate", "--lane", "modeling"]
    );
    let m2 = step!(
        "add M2",
        CHEN,
        10,
        10,
        1,
        &["add", "Try dropout", "--lane", "modeling"]
    );
    step!("move H E", BOB, 12, 10, 0, &["move", &h, "evaluation"]);
    let k = step!(
        "add K",
        CHEN,
        12,
        10,
        5,
        &[
            "add",
            NASTY_TITLE,
            "--kind",
            "hypothesis",
            "--lane",
            "evaluation",
            "--metric",
            "F1",
            "--baseline",
            "0.5",
            "--target",
            "0.6",
            "--due",
            "2026-10-20",
        ]
    );
    step!(
        "edit K cost",
        CHEN,
        12,
        10,
        6,
        &["edit", &k, "--set", "experiment.cost=2 GPU-hours"]
    );
    step!("move H M 3", BOB, 13, 10, 0, &["move", &h, "modeling"]);
    step!("move H E 2", BOB, 14, 10, 0, &["move", &h, "evaluation"]);
    step!("move X E", BOB, 14, 10, 5, &["move", &x, "evaluation"]);
    step!(
        "verdict G",
        CHEN,
        14,
        11,
        0,
        &["verdict", &g, "supported", "--result", "0.37"]
    );
    step!("move H D", ALICE, 15, 10, 0, &["move", &h, "deployment"]);
    step!("move X D", ALICE, 15, 10, 5, &["move", &x, "deployment"]);
    step!("archive M2", CHEN, 16, 10, 0, &["archive", &m2]);
    step!(
        "verdict K",
        CHEN,
        16,
        11,
        0,
        &["verdict", &k, "inconclusive", "--result", "0.55"]
    );
    let q = step!(
        "add Q",
        ALICE,
        19,
        10,
        0,
        &["add", "Ship popularity prior", "--lane", "evaluation"]
    );
    step!("move Q D", ALICE, 20, 10, 0, &["move", &q, "deployment"]);
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "",
        "lanes left changes"
    );
    Scenario {
        repo,
        h,
        x,
        g,
        k,
        m1,
        m2,
        q,
        commits,
    }
}

/// A JSON value's field as a string (panics when missing or not a string).
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
}

/// A card timeline entry's changes as readable (field, before, after).
pub fn changes(entry: &Value) -> Vec<(String, Option<String>, Option<String>)> {
    entry["changes"]
        .as_array()
        .unwrap_or_else(|| panic!("no changes in {entry}"))
        .iter()
        .map(|c| {
            (
                s(c, "field").to_string(),
                c["before"].as_str().map(str::to_string),
                c["after"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// Shorthand for an expected change.
pub fn ch(
    field: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> (String, Option<String>, Option<String>) {
    (
        field.to_string(),
        before.map(str::to_string),
        after.map(str::to_string),
    )
}
