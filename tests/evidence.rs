//! Evidence-linked hypotheses: `lanes result` and `lanes run` against
//! stores written by the real tools (MLflow's SQLite and file stores, DVC's
//! dvc.lock, DVCLive's metrics), committed under tests/fixtures/evidence/
//! by its make.sh, so these tests need no Python.

#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

mod common;

use common::{both, fails, ok, stderr, Repo};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evidence")
}

/// The id of a fixture run by its name (`good`, `failed`, ...).
fn run_id(store: &str, name: &str) -> String {
    let text = std::fs::read_to_string(fixtures().join(format!("{store}-runs.json")))
        .expect("the fixture's run ids");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    v[name].as_str().expect("a run of that name").to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// A repository with a board, the fixture stores at its root (copied:
/// tests never touch the committed ones) and one hypothesis card on
/// `precision_at_10`, baseline 0.18, target 0.2.
fn setup(files: &[&str]) -> (Repo, String) {
    let r = Repo::with_board("crisp-dm");
    for f in files {
        let from = fixtures().join(f);
        if from.is_dir() {
            copy_dir(&from, &r.abs(f));
        } else {
            if let Some(dir) = r.abs(f).parent() {
                std::fs::create_dir_all(dir).unwrap();
            }
            std::fs::copy(&from, r.abs(f)).unwrap();
        }
    }
    let id = r.add(
        "Session recency",
        &[
            "--hypothesis",
            "Session recency raises precision",
            "--metric",
            "precision_at_10",
            "--baseline",
            "0.18",
            "--target",
            "0.2",
        ],
    );
    (r, id)
}

fn hyp(r: &Repo, id: &str) -> serde_yaml::Value {
    r.card(id)["hypothesis"].clone()
}

/// The card's file and the branch are as they were.
struct Unchanged {
    text: String,
    commits: usize,
}

impl Unchanged {
    fn of(r: &Repo, id: &str) -> Unchanged {
        Unchanged {
            text: r.card_text(id),
            commits: r.commit_count(),
        }
    }

    fn check(&self, r: &Repo, id: &str, what: &str) {
        assert_eq!(r.card_text(id), self.text, "{what}: the card changed");
        assert_eq!(r.commit_count(), self.commits, "{what}: a commit was made");
    }
}

#[test]
fn result_from_mlflow_sqlite_records_value_verdict_and_provenance() {
    let (r, id) = setup(&["mlflow.db", "dvc.lock"]);
    let run = run_id("sqlite", "good");
    let before = r.commit_count();
    let out = ok(&r.lanes(&["result", &id[..6], &format!("mlflow:{run}")]));
    assert!(out.contains("precision_at_10 0.232 (step 2)"), "{out}");
    assert!(out.contains("supported"), "{out}");
    assert_eq!(r.commit_count(), before + 1, "one commit");
    assert_eq!(r.head_trailer("Lanes-Action"), ["result"]);
    assert_eq!(r.head_paths(), [common::card_path(&id)]);
    let h = hyp(&r, &id);
    assert_eq!(h["result"].as_f64(), Some(0.232));
    assert_eq!(h["verdict"].as_str(), Some("supported"));
    let e = &h["evidence"];
    assert_eq!(e["source"].as_str(), Some(format!("mlflow:{run}").as_str()));
    assert_eq!(e["store"].as_str(), Some("mlflow.db"));
    assert_eq!(e["metric"].as_str(), Some("precision_at_10"));
    assert_eq!(e["step"].as_i64(), Some(2));
    assert_eq!(e["value"].as_f64(), Some(0.232));
    // The commit MLflow recorded for the run (set by the fixture script).
    assert_eq!(
        e["commit"].as_str(),
        Some("9f2c1ab0d5e3c0ffee0000000000000000000001")
    );
    assert_eq!(e["commit_from"].as_str(), Some("run"));
    assert_eq!(e["params"]["lr"].as_str(), Some("0.01"));
    assert_eq!(e["params"]["model"].as_str(), Some("als-hybrid"));
    // Every dep dvc.lock records, with its hash.
    assert_eq!(
        e["data"]["data/clicks.csv"].as_str(),
        Some("290d2a49b9fe470d51aeb57b96c68486")
    );
    assert!(e["run_time"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(e["verdict"].as_str(), Some("supported"));
    assert_eq!(
        r.card(&id)["experiment"]["runs"][0].as_str(),
        Some(format!("mlflow:{run}").as_str())
    );
    // The evidence sits after the verdict, keys in the fixed order.
    let text = r.card_text(&id);
    let order: Vec<usize> = [
        "  verdict: supported",
        "  evidence:",
        "    source:",
        "    store:",
        "    metric:",
        "    step:",
        "    value:",
        "    run_time:",
        "    commit:",
        "    commit_from:",
        "    params:",
        "    data:",
        "    recorded_at:",
        "    verdict:",
        "experiment:",
    ]
    .iter()
    .map(|k| text.find(k).unwrap_or_else(|| panic!("{k} in\n{text}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    r.assert_healthy();
    // `lanes show` says where the result came from.
    let shown = ok(&r.lanes(&["show", &id]));
    assert!(shown.contains("evidence"), "{shown}");
    assert!(shown.contains("recorded by the run"), "{shown}");
    assert!(!shown.contains("STALE"), "{shown}");
}

#[test]
fn the_final_value_is_the_latest_step_in_both_stores() {
    // The run logged step 5 before step 3: the final value is step 5's.
    let (r, id) = setup(&["mlflow.db"]);
    let run = run_id("sqlite", "out_of_order");
    ok(&r.lanes(&["result", &id, &format!("mlflow:{run}")]));
    assert_eq!(hyp(&r, &id)["result"].as_f64(), Some(0.3));
    assert_eq!(hyp(&r, &id)["evidence"]["step"].as_i64(), Some(5));

    // The older file store, found at the repository root.
    let (r, id) = setup(&["mlruns"]);
    let run = run_id("file", "out_of_order");
    ok(&r.lanes(&["result", &id, &format!("mlflow:{}", &run[..10])]));
    assert_eq!(hyp(&r, &id)["result"].as_f64(), Some(0.3));
    assert_eq!(hyp(&r, &id)["evidence"]["store"].as_str(), Some("mlruns"));
    let good = run_id("file", "good");
    ok(&r.lanes(&["result", &id, &good]));
    let h = hyp(&r, &id);
    assert_eq!(h["result"].as_f64(), Some(0.232));
    assert_eq!(h["evidence"]["params"]["lr"].as_str(), Some("0.01"));
}

#[test]
fn the_store_is_found_as_mlflow_finds_it() {
    // MLFLOW_TRACKING_URI names a database outside the repository.
    let (r, id) = setup(&[]);
    let db = r.base().join("elsewhere.db");
    std::fs::copy(fixtures().join("mlflow.db"), &db).unwrap();
    let uri = format!("sqlite:///{}", db.display());
    let run = run_id("sqlite", "flat");
    ok(&r.lanes_env(
        &["result", &id, &format!("mlflow:{run}")],
        &[("MLFLOW_TRACKING_URI", &uri)],
    ));
    let h = hyp(&r, &id);
    assert_eq!(h["result"].as_f64(), Some(0.19));
    assert_eq!(h["verdict"].as_str(), Some("inconclusive"));
    assert_eq!(
        h["evidence"]["store"].as_str(),
        Some(db.canonicalize().unwrap().to_str().unwrap())
    );
    // A plain path, and --store over everything.
    copy_dir(&fixtures().join("mlruns"), &r.base().join("runs"));
    let frun = run_id("file", "good");
    let runs = r.base().join("runs");
    ok(&r.lanes_env(
        &["result", &id, &frun],
        &[("MLFLOW_TRACKING_URI", runs.to_str().unwrap())],
    ));
    assert_eq!(hyp(&r, &id)["result"].as_f64(), Some(0.232));
    ok(&r.lanes_env(
        &["result", &id, &run, "--store", db.to_str().unwrap()],
        &[("MLFLOW_TRACKING_URI", "file:///nowhere")],
    ));
    assert_eq!(hyp(&r, &id)["result"].as_f64(), Some(0.19));
    // No store at all: says where it looked.
    let (r, id) = setup(&[]);
    let err = fails(&r.lanes(&["result", &id, &run]), 1);
    assert!(err.contains("no MLflow store found"), "{err}");
}

#[test]
fn verdicts_follow_direction_baseline_and_target() {
    let (r, id) = setup(&["mlflow.db"]);
    // 0.3 for lower-is-better with baseline 0.25: refuted.
    ok(&r.lanes(&[
        "edit",
        &id,
        "--set",
        "hypothesis.direction=lower",
        "--set",
        "hypothesis.baseline=0.25",
        "--set",
        "hypothesis.target=0.2",
    ]));
    ok(&r.lanes(&["result", &id, &run_id("sqlite", "out_of_order")]));
    assert_eq!(hyp(&r, &id)["verdict"].as_str(), Some("refuted"));
    // 0.19 is below the target of 0.2: supported, lower being better.
    ok(&r.lanes(&["result", &id, &run_id("sqlite", "flat")]));
    assert_eq!(hyp(&r, &id)["verdict"].as_str(), Some("supported"));
    // --no-verdict records the result and leaves the verdict.
    ok(&r.lanes(&["verdict", &id, "open"]));
    ok(&r.lanes(&["result", &id, &run_id("sqlite", "good"), "--no-verdict"]));
    let h = hyp(&r, &id);
    assert_eq!(h["result"].as_f64(), Some(0.232));
    assert_eq!(h["verdict"].as_str(), Some("open"));
    assert!(h["evidence"]["verdict"].is_null());
    // Both runs joined experiment.runs; each result is in history.
    let runs = r.card(&id)["experiment"]["runs"].clone();
    assert_eq!(runs.as_sequence().map(Vec::len), Some(3));
    let log = ok(&r.lanes(&["log", &id]));
    assert!(
        log.contains("0.3") && log.contains("0.19") && log.contains("0.232"),
        "{log}"
    );
}

#[test]
fn dvc_metrics_files_in_every_format() {
    let (r, id) = setup(&[
        "dvclive",
        "metrics.yaml",
        "metrics.toml",
        "dvc.lock",
        "params.yaml",
    ]);
    // DVCLive's metrics.json, produced by the train stage of dvc.lock.
    let head = r.head();
    let out = ok(&r.lanes(&["result", &id, "dvc:dvclive/metrics.json"]));
    assert!(out.contains("0.22"), "{out}");
    let h = hyp(&r, &id);
    assert_eq!(h["result"].as_f64(), Some(0.22));
    assert_eq!(h["verdict"].as_str(), Some("supported"));
    let e = &h["evidence"];
    assert_eq!(
        e["source"].as_str(),
        Some("dvc:dvclive/metrics.json#precision_at_10")
    );
    assert_eq!(e["step"].as_i64(), Some(2));
    assert_eq!(e["params"]["lr"].as_str(), Some("0.01"));
    assert_eq!(
        e["data"]["train.py"].as_str(),
        Some("556c392a10cf4102a2d64612c8897ecc")
    );
    // HEAD when recorded: the run recorded no commit.
    assert_eq!(e["commit"].as_str(), Some(head.as_str()));
    assert_eq!(e["commit_from"].as_str(), Some("head"));
    // YAML and TOML, with the key's path.
    ok(&r.lanes(&["result", &id, "dvc:metrics.yaml#eval.precision_at_10"]));
    assert_eq!(hyp(&r, &id)["result"].as_f64(), Some(0.215));
    ok(&r.lanes(&["result", &id, "dvc:metrics.toml#eval.precision_at_10"]));
    assert_eq!(hyp(&r, &id)["result"].as_f64(), Some(0.225));
    assert_eq!(hyp(&r, &id)["evidence"]["step"].as_i64(), Some(7));
}

#[test]
fn bad_input_is_a_clear_error_and_the_card_is_unchanged() {
    let (r, id) = setup(&["mlflow.db", "mlruns", "nan.json", "metrics.yaml"]);
    let same = Unchanged::of(&r, &id);
    let cases: Vec<(String, &str)> = vec![
        ("mlflow:0123456789abcdef".into(), "no run 0123456789abcdef"),
        (run_id("sqlite", "loss_only"), "it logged: auc, loss"),
        (run_id("sqlite", "running"), "is still running"),
        (run_id("sqlite", "failed"), "did not finish (status FAILED)"),
        (run_id("sqlite", "nan"), "is NaN"),
        (run_id("sqlite", "inf"), "is infinite"),
        ("dvc:nan.json".into(), "nan.json:1:30: the value is NaN"),
        (
            "dvc:metrics.yaml#train.precision_at_10".into(),
            "has no train.precision_at_10, but has eval.precision_at_10",
        ),
        ("dvc:missing.json".into(), "missing.json does not exist"),
        ("wandb:team/run".into(), "not a source"),
    ];
    for (source, want) in &cases {
        let err = fails(&r.lanes(&["result", &id, source]), 1);
        assert!(err.contains(want), "{source}: want {want:?} in {err}");
        same.check(&r, &id, source);
    }
    // The file store: failed, running, NaN.
    for (name, want) in [
        ("failed", "status FAILED"),
        ("running", "still running"),
        ("nan", "is NaN"),
        ("inf", "is infinite"),
    ] {
        let run = run_id("file", name);
        let err = fails(&r.lanes(&["result", &id, &run, "--store", "mlruns"]), 1);
        assert!(err.contains(want), "file store {name}: {err}");
        same.check(&r, &id, name);
    }
    // A corrupt database, a corrupt metrics file.
    r.write("broken.db", "this is not a database, just text long enough to be read as a header....................................................");
    let err = fails(
        &r.lanes(&[
            "result",
            &id,
            &run_id("sqlite", "good"),
            "--store",
            "broken.db",
        ]),
        1,
    );
    assert!(err.contains("not a readable MLflow database"), "{err}");
    r.write("broken.json", "{\"precision_at_10\": 0.2,,}");
    let err = fails(&r.lanes(&["result", &id, "dvc:broken.json"]), 1);
    assert!(err.contains("broken.json:1:25: not valid JSON"), "{err}");
    // A file store metric MLflow is writing (its last line cut off), and
    // one that is damaged: path:line:col.
    let good = run_id("file", "good");
    let metric = std::fs::read_dir(r.abs("mlruns"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .join(&good)
                .join("metrics/precision_at_10")
        })
        .find(|p| p.exists())
        .unwrap();
    let text = std::fs::read_to_string(&metric).unwrap();
    std::fs::write(&metric, format!("{text}1796294215599 0.2")).unwrap();
    let err = fails(&r.lanes(&["result", &id, &good, "--store", "mlruns"]), 1);
    assert!(err.contains("mid-write"), "{err}");
    std::fs::write(&metric, format!("{text}1796294215599 zero 3\n")).unwrap();
    let err = fails(&r.lanes(&["result", &id, &good, "--store", "mlruns"]), 1);
    assert!(
        err.contains("precision_at_10:4:15: the value is not a number"),
        "{err}"
    );
    same.check(&r, &id, "file store");
    // A card without a metric.
    let plain = r.add("No metric", &[]);
    let err = fails(&r.lanes(&["result", &plain, &run_id("sqlite", "good")]), 1);
    assert!(err.contains("no hypothesis.metric"), "{err}");
    // A hypothesis with no target can get a result only with --no-verdict.
    ok(&r.lanes(&["edit", &id, "--set", "hypothesis.target="]));
    let same = Unchanged::of(&r, &id);
    let err = fails(&r.lanes(&["result", &id, &run_id("sqlite", "good")]), 1);
    assert!(err.contains("no target"), "{err}");
    same.check(&r, &id, "no target");
}

#[test]
fn a_store_mlflow_is_writing_is_an_error_not_a_wait() {
    let (r, id) = setup(&["mlflow.db"]);
    let same = Unchanged::of(&r, &id);
    // A writer holds the database (as MLflow does while committing).
    let conn = rusqlite::Connection::open(r.abs("mlflow.db")).unwrap();
    conn.execute_batch("BEGIN EXCLUSIVE; UPDATE metrics SET value = value;")
        .unwrap();
    let t = std::time::Instant::now();
    let err = fails(&r.lanes(&["result", &id, &run_id("sqlite", "good")]), 1);
    assert!(err.contains("is locked: MLflow is writing to it"), "{err}");
    assert!(t.elapsed() < std::time::Duration::from_secs(10));
    same.check(&r, &id, "locked");
    conn.execute_batch("ROLLBACK").unwrap();
    drop(conn);
    // lanes never wrote the store: its bytes are the fixture's.
    assert_eq!(
        std::fs::read(r.abs("mlflow.db")).unwrap(),
        std::fs::read(fixtures().join("mlflow.db")).unwrap()
    );
    ok(&r.lanes(&["result", &id, &run_id("sqlite", "good")]));
    assert_eq!(
        std::fs::read(r.abs("mlflow.db")).unwrap(),
        std::fs::read(fixtures().join("mlflow.db")).unwrap(),
        "reading changed the store"
    );
}

#[test]
fn a_store_left_mid_write_is_an_error_and_stays_as_it_was() {
    // MLflow killed during a write: the database and its hot journal, as
    // make.sh left them. A read-only reader may not roll it back, and
    // lanes does not: it says so.
    let (r, id) = setup(&["hot.db", "hot.db-journal"]);
    let same = Unchanged::of(&r, &id);
    let err = fails(
        &r.lanes(&[
            "result",
            &id,
            &run_id("sqlite", "good"),
            "--store",
            "hot.db",
        ]),
        1,
    );
    assert!(err.contains("is mid-write"), "{err}");
    same.check(&r, &id, "mid-write");
    for f in ["hot.db", "hot.db-journal"] {
        assert_eq!(
            std::fs::read(r.abs(f)).unwrap(),
            std::fs::read(fixtures().join(f)).unwrap(),
            "{f} changed"
        );
    }
}

#[test]
fn stale_verdicts_say_why_everywhere() {
    let (r, id) = setup(&["mlflow.db", "dvc.lock"]);
    let run = run_id("sqlite", "good");
    ok(&r.lanes(&["result", &id, &run]));
    let rows = r.json(&["hypotheses", "--json"]);
    assert_eq!(rows[0]["stale"], serde_json::json!(false));
    // The data changed: dvc.lock has a new hash for data/clicks.csv.
    let lock = r.read("dvc.lock").replace(
        "290d2a49b9fe470d51aeb57b96c68486",
        "7e1d0000000000000000000000000000",
    );
    r.write("dvc.lock", lock);
    let rows = r.json(&["hypotheses", "--json"]);
    assert_eq!(rows[0]["stale"], serde_json::json!(true));
    let why = rows[0]["stale_why"][0].as_str().unwrap();
    assert!(
        why.contains("data/clicks.csv changed in dvc.lock (290d2a49 → 7e1d0000)"),
        "{why}"
    );
    let text = ok(&r.lanes(&["hypotheses"]));
    assert!(
        text.contains("supported is stale: data/clicks.csv changed"),
        "{text}"
    );
    let show = ok(&r.lanes(&["show", &id]));
    assert!(
        show.contains("STALE") && show.contains("data/clicks.csv"),
        "{show}"
    );
    let report = ok(&r.lanes(&["report"]));
    assert!(report.contains("## Stale verdicts"), "{report}");
    assert!(
        report.contains("supported (stale: data/clicks.csv changed"),
        "{report}"
    );
    let rep = r.json(&["report", "--format", "json"]);
    assert_eq!(rep["stale_verdicts"][0]["id"].as_str(), Some(id.as_str()));
    // The run's stored value changed (rewritten in MLflow).
    ok(&r.lanes(&["result", &id, &run]));
    let rows = r.json(&["hypotheses", "--json"]);
    assert_eq!(rows[0]["stale"], serde_json::json!(false), "re-recorded");
    let conn = rusqlite::Connection::open(r.abs("mlflow.db")).unwrap();
    conn.execute(
        "UPDATE metrics SET value = 0.19 WHERE run_uuid = ?1 AND step = 2",
        [&run],
    )
    .unwrap();
    drop(conn);
    let rows = r.json(&["hypotheses", "--json"]);
    assert_eq!(rows[0]["stale"], serde_json::json!(true));
    let why = rows[0]["stale_why"][0].as_str().unwrap();
    assert!(
        why.contains("precision_at_10 is now 0.19 (step 2), not 0.232"),
        "{why}"
    );
    // A hypothesis without evidence is never stale.
    let other = r.add("Plain", &["--metric", "auc"]);
    let rows = r.json(&["hypotheses", "--json"]);
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == other.as_str())
        .unwrap();
    assert_eq!(row["stale"], serde_json::json!(false));
}

#[test]
fn evidence_survives_other_changes_and_older_readers() {
    let (r, id) = setup(&["mlflow.db", "dvc.lock"]);
    ok(&r.lanes(&["result", &id, &run_id("sqlite", "good")]));
    let block = |t: &str| {
        let start = t.find("  evidence:").unwrap();
        let end = t.find("experiment:").unwrap();
        t[start..end].to_string()
    };
    let before = block(&r.card_text(&id));
    ok(&r.lanes(&["move", &id, "modeling"]));
    ok(&r.lanes(&["note", &id, "looks good"]));
    ok(&r.lanes(&[
        "edit",
        &id,
        "--set",
        "hypothesis.statement=Recency raises p@10",
    ]));
    assert_eq!(block(&r.card_text(&id)), before);
    assert_eq!(r.show_json(&id)["hypothesis"]["evidence"]["step"], 2);
    r.assert_healthy();
}

/// Set the board's cost rate (committed with plain git).
fn set_rate(r: &Repo, rate: &str) {
    let board = r.read(".lanes/board.yaml");
    let board = board.replace(
        "settings:\n",
        &format!("settings:\n  cost_per_hour: {rate}\n"),
    );
    assert!(board.contains("cost_per_hour"), "{board}");
    r.commit_file(".lanes/board.yaml", &board, "rate");
}

#[test]
fn lanes_run_records_command_result_and_cost() {
    let (r, id) = setup(&["dvc.lock"]);
    set_rate(&r, "2.5 GPU-hour");
    let before = r.commit_count();
    let out = r.lanes(&[
        "run",
        &id,
        "--metrics",
        "out/metrics.json",
        "--",
        "sh",
        "-c",
        "mkdir -p out && echo '{\"precision_at_10\": 0.21, \"step\": 9}' > out/metrics.json && echo training",
    ]);
    let stdout = ok(&out);
    assert!(
        stdout.contains("training"),
        "the command's output is the terminal's: {stdout}"
    );
    assert_eq!(r.commit_count(), before + 1, "one commit: {}", stderr(&out));
    assert_eq!(r.head_trailer("Lanes-Action"), ["run"]);
    let card = r.card(&id);
    let h = &card["hypothesis"];
    assert_eq!(h["result"].as_f64(), Some(0.21));
    assert_eq!(h["verdict"].as_str(), Some("supported"));
    assert_eq!(h["evidence"]["step"].as_i64(), Some(9));
    assert_eq!(h["evidence"]["commit_from"].as_str(), Some("head"));
    assert_eq!(h["evidence"]["dirty"].as_bool(), Some(false));
    let journal = card["journal"][0]["text"].as_str().unwrap();
    assert!(journal.starts_with("ran `sh -c "), "{journal}");
    assert!(journal.contains(": exit 0 after "), "{journal}");
    assert!(
        journal.contains("result: precision_at_10 0.21 (step 9)"),
        "{journal}"
    );
    let cost = card["experiment"]["cost"].as_str().unwrap();
    assert!(cost.ends_with(" GPU-hours"), "{cost}");
    // A failed command: the failure is recorded, the verdict left alone,
    // and lanes exits with the command's status.
    let out = r.lanes(&["run", &id, "--", "sh", "-c", "exit 3"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let card = r.card(&id);
    assert_eq!(card["hypothesis"]["verdict"].as_str(), Some("supported"));
    assert_eq!(card["hypothesis"]["result"].as_f64(), Some(0.21));
    let journal = card["journal"][1]["text"].as_str().unwrap();
    assert!(journal.contains("failed (exit 3)"), "{journal}");
    assert!(journal.contains("verdict is left as it was"), "{journal}");
    // Costs in one unit add up.
    assert!(card["experiment"]["cost"]
        .as_str()
        .unwrap()
        .ends_with(" GPU-hours"));
}

#[test]
fn lanes_run_without_a_new_run_records_the_command_only() {
    // The fixture's runs all started before the command: none is its.
    let (r, id) = setup(&["mlflow.db"]);
    let out = r.lanes(&["run", &id, "--", "true"]);
    let err = fails(&out, 1);
    assert!(err.contains("no MLflow run in"), "{err}");
    assert!(err.contains("started after the command did"), "{err}");
    let card = r.card(&id);
    assert!(card["hypothesis"]["result"].is_null());
    let journal = card["journal"][0]["text"].as_str().unwrap();
    assert!(journal.contains("ran `true`: exit 0"), "{journal}");
    assert!(journal.contains("no result recorded"), "{journal}");
    // A command that cannot start changes nothing.
    let same = Unchanged::of(&r, &id);
    let err = fails(&r.lanes(&["run", &id, "--", "/no/such/program"]), 1);
    assert!(err.contains("cannot run"), "{err}");
    same.check(&r, &id, "no such program");
}

/// The Python that has MLflow: `LANES_TEST_PYTHON`, else `python3`.
fn python_with_mlflow() -> Option<String> {
    let py = std::env::var("LANES_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&py)
        .args(["-c", "import mlflow"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(py)
}

/// Python is deliberately not a dependency of `cargo test` (the committed
/// fixtures, written by a real MLflow, cover the stores): this one runs a
/// live MLflow and is asked for by name, where MLflow is installed:
/// `LANES_TEST_PYTHON=.venv/bin/python cargo test --test evidence -- --ignored`.
/// Asked for without MLflow, it fails, saying so.
#[test]
#[ignore = "runs a live MLflow: needs a Python with mlflow (LANES_TEST_PYTHON), run with --ignored"]
fn lanes_run_wraps_a_live_mlflow_run() {
    let py = python_with_mlflow().unwrap_or_else(|| {
        panic!("no `import mlflow` in python3: set LANES_TEST_PYTHON to a Python that has it")
    });
    let (r, id) = setup(&[]);
    set_rate(&r, "3");
    r.write(
        "train.py",
        "import mlflow\nmlflow.set_tracking_uri('sqlite:///mlflow.db')\nwith mlflow.start_run():\n    mlflow.log_param('lr', '0.02')\n    for s, v in enumerate([0.17, 0.195]):\n        mlflow.log_metric('precision_at_10', v, step=s)\n",
    );
    let out = r.lanes(&["run", &id, "--", &py, "train.py"]);
    ok(&out);
    let card = r.card(&id);
    let h = &card["hypothesis"];
    assert_eq!(h["result"].as_f64(), Some(0.195), "{}", stderr(&out));
    assert_eq!(h["verdict"].as_str(), Some("inconclusive"));
    assert_eq!(h["evidence"]["params"]["lr"].as_str(), Some("0.02"));
    assert_eq!(h["evidence"]["step"].as_i64(), Some(1));
    let run = h["evidence"]["source"].as_str().unwrap();
    assert_eq!(card["experiment"]["runs"][0].as_str(), Some(run));
    assert!(card["experiment"]["cost"].as_f64().is_some());
    // The store MLflow wrote is readable for completion, newest first.
    let wanted = lanes::evidence::names::Wanted {
        metric: Some("precision@10".into()),
        ..Default::default()
    };
    let recent = lanes::evidence::recent_runs(&r.abs("."), &wanted, 5).unwrap();
    assert_eq!(recent[0].key, "precision_at_10");
    assert_eq!(format!("mlflow:{}", recent[0].id), run);
}

#[test]
fn the_board_screen_shows_evidence_and_a_stale_badge() {
    use common::tui::{code, press, render, screen_text};
    use ratatui::crossterm::event::KeyCode;
    let (r, id) = setup(&["mlflow.db", "dvc.lock"]);
    ok(&r.lanes(&["result", &id, &run_id("sqlite", "good")]));
    let app = r.app(160, 40);
    let screen = screen_text(render(&app).backend().buffer());
    assert!(screen.contains("supported"), "{screen}");
    assert!(!screen.contains("stale"), "{screen}");
    let lock = r.read("dvc.lock").replace("556c392a", "0000392a");
    r.write("dvc.lock", lock);
    let mut app = r.app(160, 40);
    // What the event loop's worker does when the board is read.
    let root = app.root.clone();
    app.stale = lanes::evidence::stale::check_cards(&root, &app.evidence_cards());
    let screen = screen_text(render(&app).backend().buffer());
    assert!(screen.contains("⚠stale"), "{screen}");
    press(&mut app, &[code(KeyCode::Enter)]);
    let screen = screen_text(render(&app).backend().buffer());
    assert!(screen.contains("Evidence"), "{screen}");
    assert!(
        screen.contains("precision_at_10 = 0.232 at step 2"),
        "{screen}"
    );
    assert!(screen.contains("train.py changed in dvc.lock"), "{screen}");
}

#[test]
fn r_on_the_board_records_a_result_from_a_recent_run() {
    use common::tui::{buffer, code, locate, press, render, screen_text};
    use lanes::tui::app::{Effect, Mode};
    use ratatui::crossterm::event::KeyCode;
    let (r, id) = setup(&["mlflow.db", "dvc.lock"]);
    let mut app = r.app(80, 24);
    let before = r.commit_count();
    let effects = press(
        &mut app,
        &[ratatui::crossterm::event::KeyEvent::from(KeyCode::Char(
            'r',
        ))],
    );
    let [Effect::LoadRuns { card, .. }] = &effects[..] else {
        panic!("expected the runs to be looked up, got {effects:?}");
    };
    assert_eq!(card, &id);
    // What the worker does: the store's recent runs of the metric.
    let offer = lanes::evidence::pick::offer_for(&app.root, card, 12);
    assert!(!offer.choices.is_empty(), "{offer:?}");
    app.on_runs(card.clone(), offer);
    assert!(matches!(app.mode, Mode::Prompt(_)));
    locate(&buffer(&app), "Recent runs that logged precision_at_10:");
    // Tab goes through them until the good run is in the line.
    let good = format!(
        "mlflow:{}",
        run_id("sqlite", "good").trim_start_matches("mlflow:")
    );
    for _ in 0..12 {
        if matches!(&app.mode, Mode::Prompt(p) if p.input == good) {
            break;
        }
        press(&mut app, &[code(KeyCode::Tab)]);
    }
    assert!(
        matches!(&app.mode, Mode::Prompt(p) if p.input == good),
        "{:?}",
        app.mode
    );
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    let [Effect::RecordResult { card, source }] = &effects[..] else {
        panic!("expected a record, got {effects:?}");
    };
    assert_eq!(source, &good);
    // What the worker does: the run read and recorded, as `lanes result`.
    let ctx = lanes::ops::Context::from_env();
    let opts = lanes::evidence::Options::default();
    let (_, outcome) =
        lanes::evidence::record_result(&ctx, &app.root, card, source, &opts).expect("recorded");
    app.on_applied(Ok(outcome));
    let message = r.head_message();
    assert!(message.contains("Lanes-Action: result"), "{message}");
    assert_eq!(r.commit_count(), before + 1);
    let c = r.card(&id);
    assert_eq!(c["hypothesis"]["result"].as_f64(), Some(0.232));
    assert_eq!(
        c["hypothesis"]["evidence"]["source"].as_str(),
        Some(good.as_str())
    );
    let screen = screen_text(render(&app).backend().buffer());
    assert!(screen.contains("supported"), "{screen}");
    // A card without a metric says why nothing can be read.
    let other = r.lanes(&["add", "Plain task"]);
    assert!(other.status.success());
    let mut app = r.app(80, 24);
    let plain = String::from_utf8_lossy(&other.stdout).trim().to_string();
    app.selected_id = Some(plain);
    app.rebuild();
    assert!(press(
        &mut app,
        &[ratatui::crossterm::event::KeyEvent::from(KeyCode::Char(
            'r'
        ))]
    )
    .is_empty());
    locate(&buffer(&app), "no hypothesis metric");
}

#[test]
fn result_and_run_report_what_they_recorded_as_json() {
    let (r, id) = setup(&["mlflow.db", "dvc.lock"]);
    let good = run_id("sqlite", "good");
    let out = r.lanes(&["result", &id, &good, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&ok(&out)).expect("stdout is one JSON object");
    assert_eq!(v["card"].as_str(), Some(id.as_str()));
    assert_eq!(v["result"].as_f64(), Some(0.232));
    assert_eq!(v["verdict"].as_str(), Some("supported"));
    let head = r.git(&["rev-parse", "HEAD"]);
    assert_eq!(v["commit"].as_str(), Some(head.trim()));
    let e = &v["evidence"];
    assert_eq!(e["metric"].as_str(), Some("precision_at_10"));
    assert_eq!(e["step"].as_i64(), Some(2));
    assert!(e["source"]
        .as_str()
        .is_some_and(|s| s.starts_with("mlflow:")));
    assert!(e["params"].is_object() && e["data"].is_object(), "{e}");
    assert!(e["recorded_at"].as_str().is_some_and(|t| t.ends_with('Z')));

    // lanes run --json: the command's output goes to stderr, stdout holds
    // only the report.
    let out = r.lanes(&[
        "run",
        &id,
        "--json",
        "--metrics",
        "out/m.json",
        "--",
        "sh",
        "-c",
        "mkdir -p out && echo '{\"precision_at_10\": 0.19}' > out/m.json && echo training",
    ]);
    let text = ok(&out);
    let v: serde_json::Value = serde_json::from_str(&text).expect("stdout is one JSON object");
    assert!(stderr(&out).contains("training"), "{}", stderr(&out));
    assert_eq!(v["exit_code"].as_i64(), Some(0));
    assert!(v["duration_seconds"].as_f64().is_some_and(|d| d >= 0.0));
    assert_eq!(v["result"].as_f64(), Some(0.19));
    assert_eq!(v["verdict"].as_str(), Some("inconclusive"));
    assert!(v["no_result"].is_null());
    // A failed command: no result, its exit code, the verdict untouched.
    let out = r.lanes(&["run", &id, "--json", "--", "sh", "-c", "exit 4"]);
    assert_eq!(out.status.code(), Some(4));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    assert_eq!(v["exit_code"].as_i64(), Some(4));
    assert!(v["result"].is_null() && v["evidence"].is_null(), "{v}");
}

// ---------------------------------------------------------------------------
// Hostile evidence files (issue 21): every file a teammate can commit or a
// card can name is read only if it is a regular file inside the
// repository, up to a bound; never through a link out, never a FIFO or a
// device, never a path outside.

/// A generous deadline for a command that must finish at once.
#[cfg(unix)]
const PROMPTLY: std::time::Duration = std::time::Duration::from_secs(60);
/// Far more than lanes needs on these boards (a few tens of MB), far less
/// than a runaway read.
#[cfg(unix)]
const MEMORY_KB: i64 = 300 * 1024;

#[cfg(unix)]
fn link(target: impl AsRef<Path>, at: &Path) {
    let _ = std::fs::remove_file(at);
    std::os::unix::fs::symlink(target, at).unwrap();
}

#[cfg(unix)]
fn mkfifo(at: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(at)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo {}", at.display());
}

#[cfg(unix)]
#[test]
fn evidence_files_linked_to_dev_zero_cannot_hang_or_swamp_the_board() {
    let (r, id) = setup(&["mlflow.db", "dvc.lock", "dvclive"]);
    ok(&r.lanes(&["result", &id, &run_id("sqlite", "good")]));
    let other = r.add(
        "From DVCLive",
        &[
            "--hypothesis",
            "Recency helps",
            "--metric",
            "precision_at_10",
            "--baseline",
            "0.18",
            "--target",
            "0.2",
        ],
    );
    ok(&r.lanes(&["result", &other, "dvc:dvclive/metrics.json"]));
    assert!(!hyp(&r, &id)["evidence"]["data"].is_null());
    assert!(!hyp(&r, &other)["evidence"]["data"].is_null());
    r.commit_all("evidence");
    let cards = (r.card_text(&id), r.card_text(&other));
    // A teammate commits dvc.lock and the metrics file as links to a
    // device that never ends.
    link("/dev/zero", &r.abs("dvc.lock"));
    link("/dev/zero", &r.abs("dvclive/metrics.json"));
    r.commit_all("links to /dev/zero");
    let lock_why = "dvc.lock is a symbolic link to /dev/zero, outside the repository";
    let metrics_why =
        "dvclive/metrics.json is a symbolic link to /dev/zero, outside the repository";
    for args in [
        vec!["hypotheses"],
        vec!["hypotheses", "--json"],
        vec!["report"],
        vec!["report", "--format", "json"],
        vec!["show", &id],
        vec!["show", &other],
        vec!["list"],
        vec!["validate"],
    ] {
        let what = format!("lanes {args:?}");
        let out = r.lanes_watched(&args, PROMPTLY).finished(&what, MEMORY_KB);
        let text = ok(&out);
        match args[0] {
            "hypotheses" | "report" => assert!(text.contains(lock_why), "{what}: {text}"),
            "show" if args[1] == other => {
                assert!(
                    text.contains(lock_why) && text.contains(metrics_why),
                    "{what}: {text}"
                )
            }
            "show" => assert!(
                text.contains("STALE") && text.contains(lock_why),
                "{what}: {text}"
            ),
            _ => {}
        }
    }
    let rows = r.json(&["hypotheses", "--json"]);
    for row in rows.as_array().unwrap() {
        assert_eq!(row["stale"], serde_json::json!(true), "{row}");
    }
    // Recording refuses rather than record provenance it could not read.
    let out = r
        .lanes_watched(&["result", &id, &run_id("sqlite", "good")], PROMPTLY)
        .finished("lanes result", MEMORY_KB);
    let err = fails(&out, 1);
    assert!(err.contains(lock_why), "{err}");
    assert_eq!((r.card_text(&id), r.card_text(&other)), cards);
}

#[cfg(unix)]
#[test]
fn links_in_an_mlflow_file_store_are_refused() {
    let (r, id) = setup(&["mlruns"]);
    let good = run_id("file", "good");
    let run_dir = std::fs::read_dir(r.abs("mlruns"))
        .unwrap()
        .map(|e| e.unwrap().path().join(&good))
        .find(|p| p.exists())
        .unwrap();
    let outside = r.base().join("outside");
    std::fs::write(&outside, "0.5\n").unwrap();
    let same = Unchanged::of(&r, &id);
    for (entry, target) in [
        ("params/lr", Path::new("/dev/zero")),
        ("tags/mlflow.source.git.commit", Path::new("/dev/zero")),
        ("metrics/precision_at_10", Path::new("/dev/zero")),
        ("meta.yaml", Path::new("/dev/zero")),
        ("params/lr", outside.as_path()),
    ] {
        let at = run_dir.join(entry);
        let saved = std::fs::read(&at).unwrap();
        link(target, &at);
        let what = format!("{entry} -> {}", target.display());
        let out = r
            .lanes_watched(&["result", &id, &good], PROMPTLY)
            .finished(&what, MEMORY_KB);
        let err = fails(&out, 1);
        let want = format!(
            "{entry} is a symbolic link to {}, outside the MLflow store",
            target.display()
        );
        assert!(err.contains(&want), "{what}: want {want:?} in {err}");
        same.check(&r, &id, &what);
        std::fs::remove_file(&at).unwrap();
        std::fs::write(&at, saved).unwrap();
    }
    // A FIFO where a param is.
    let lr = run_dir.join("params/lr");
    std::fs::remove_file(&lr).unwrap();
    mkfifo(&lr);
    let out = r
        .lanes_watched(&["result", &id, &good], PROMPTLY)
        .finished("a FIFO param", MEMORY_KB);
    let err = fails(&out, 1);
    assert!(
        err.contains("params/lr is not a regular file (a FIFO)"),
        "{err}"
    );
    same.check(&r, &id, "FIFO");
    // The store itself linked out of the repository is not the store
    // found at the repository root.
    std::fs::rename(r.abs("mlruns"), r.base().join("mlruns")).unwrap();
    link("../mlruns", &r.abs("mlruns"));
    let err = fails(&r.lanes(&["result", &id, &good]), 1);
    assert!(
        err.contains("mlruns is a symbolic link to ../mlruns, outside the repository"),
        "{err}"
    );
    same.check(&r, &id, "store linked out");
}

#[cfg(unix)]
#[test]
fn evidence_paths_outside_the_repository_are_refused_naming_the_path() {
    let (r, id) = setup(&[]);
    // What a path out of the repository would read: a value of its own,
    // which must never be printed.
    let outside = r.base().join("x.json");
    std::fs::write(&outside, r#"{"precision_at_10": 0.77}"#).unwrap();
    mkfifo(&r.abs("fifo.json"));
    link("../x.json", &r.abs("out.json"));
    link(r.base(), &r.abs("up"));
    link("/dev/zero", &r.abs("zero.json"));
    std::fs::create_dir_all(r.abs("sub")).unwrap();
    std::fs::write(r.abs("sub/m.json"), r#"{"precision_at_10": 0.21}"#).unwrap();
    link("sub/m.json", &r.abs("inside.json"));
    let abs = outside.display().to_string();
    let same = Unchanged::of(&r, &id);
    let cases: Vec<(String, String)> = vec![
        (
            "dvc:fifo.json".into(),
            "fifo.json is not a regular file (a FIFO)".into(),
        ),
        (
            "dvc:../x.json".into(),
            "../x.json leads out of the repository".into(),
        ),
        (format!("dvc:{abs}"), format!("{abs} is an absolute path")),
        (
            "dvc:out.json".into(),
            "out.json is a symbolic link to ../x.json, outside the repository".into(),
        ),
        (
            "dvc:up/x.json".into(),
            format!(
                "up/x.json goes through the symbolic link up (to {}), outside the repository",
                r.base().display()
            ),
        ),
        (
            "dvc:zero.json".into(),
            "zero.json is a symbolic link to /dev/zero, outside the repository".into(),
        ),
    ];
    for (source, want) in &cases {
        let out = r
            .lanes_watched(&["result", &id, source], PROMPTLY)
            .finished(source, MEMORY_KB);
        let err = fails(&out, 1);
        assert!(err.contains(want), "{source}: want {want:?} in {err}");
        assert!(!both(&out).contains("0.77"), "{source}: {}", both(&out));
        same.check(&r, &id, source);
    }
    // `lanes run --metrics` with a path out: the command is journalled,
    // the value outside is not recorded.
    let out = r
        .lanes_watched(
            &["run", &id, "--metrics", "../x.json", "--", "true"],
            PROMPTLY,
        )
        .finished("run --metrics ../x.json", MEMORY_KB);
    let err = fails(&out, 1);
    assert!(
        err.contains("../x.json leads out of the repository"),
        "{err}"
    );
    assert!(hyp(&r, &id)["result"].is_null());
    // A link that stays inside the repository is fine.
    ok(&r.lanes(&["result", &id, "dvc:inside.json"]));
    assert_eq!(hyp(&r, &id)["result"].as_f64(), Some(0.21));
    // A card committed with a path out: the staleness check says why it
    // cannot check it, and never reads or prints what is outside.
    let text = r
        .card_text(&id)
        .replace("source: dvc:inside.json", "source: dvc:../x.json");
    assert!(text.contains("dvc:../x.json"), "{text}");
    r.commit_file(&common::card_path(&id), &text, "evidence out of the repo");
    for args in [
        vec!["hypotheses", "--json"],
        vec!["report"],
        vec!["show", &id],
    ] {
        let what = format!("lanes {args:?}");
        let out = r.lanes_watched(&args, PROMPTLY).finished(&what, MEMORY_KB);
        let text = ok(&out);
        assert!(
            text.contains("../x.json leads out of the repository"),
            "{what}: {text}"
        );
        assert!(
            !text.contains("0.77"),
            "{what} printed what is outside: {text}"
        );
    }
    assert_eq!(r.card_text(&id), text);
}

#[cfg(unix)]
#[test]
fn a_store_outside_the_repository_is_read_only_when_the_user_names_it() {
    let (r, id) = setup(&["mlflow.db"]);
    let run = run_id("sqlite", "good");
    ok(&r.lanes(&["result", &id, &run]));
    // The same store outside the repository, with the run's value changed.
    let elsewhere = r.base().join("elsewhere.db");
    std::fs::copy(r.abs("mlflow.db"), &elsewhere).unwrap();
    let conn = rusqlite::Connection::open(&elsewhere).unwrap();
    conn.execute(
        "UPDATE metrics SET value = 0.19 WHERE run_uuid = ?1 AND step = 2",
        [&run],
    )
    .unwrap();
    drop(conn);
    // A teammate's card names it: lanes does not open it on its own.
    let text = r.card_text(&id).replace(
        "store: mlflow.db",
        &format!("store: {}", elsewhere.display()),
    );
    assert!(text.contains("elsewhere.db"), "{text}");
    r.commit_file(&common::card_path(&id), &text, "store outside");
    let rows = r.json(&["hypotheses", "--json"]);
    assert_eq!(rows[0]["stale"], serde_json::json!(false), "{}", rows[0]);
    // The user names it (MLFLOW_TRACKING_URI): now it is compared.
    let uri = format!("sqlite:///{}", elsewhere.display());
    let out = r.lanes_env(&["hypotheses", "--json"], &[("MLFLOW_TRACKING_URI", &uri)]);
    let rows: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(rows[0]["stale"], serde_json::json!(true), "{}", rows[0]);
    assert!(
        rows[0]["stale_why"][0]
            .as_str()
            .unwrap()
            .contains("precision_at_10 is now 0.19"),
        "{}",
        rows[0]
    );
    // mlflow.db at the repository root linked out of it is refused, not
    // followed.
    std::fs::remove_file(r.abs("mlflow.db")).unwrap();
    link(&elsewhere, &r.abs("mlflow.db"));
    let same = Unchanged::of(&r, &id);
    let err = fails(&r.lanes(&["result", &id, &run]), 1);
    let want = format!(
        "mlflow.db is a symbolic link to {}, outside the repository",
        elsewhere.display()
    );
    assert!(err.contains(&want), "want {want:?} in {err}");
    same.check(&r, &id, "mlflow.db linked out");
    // ... and a FIFO there is refused at once.
    std::fs::remove_file(r.abs("mlflow.db")).unwrap();
    mkfifo(&r.abs("mlflow.db"));
    let out = r
        .lanes_watched(&["result", &id, &run], PROMPTLY)
        .finished("mlflow.db FIFO", MEMORY_KB);
    let err = fails(&out, 1);
    assert!(
        err.contains("mlflow.db is not a regular file (a FIFO)"),
        "{err}"
    );
    // The user's own choice outside the repository still works.
    ok(&r.lanes(&["result", &id, &run, "--store", elsewhere.to_str().unwrap()]));
    assert_eq!(hyp(&r, &id)["result"].as_f64(), Some(0.19));
}

// ---------------------------------------------------------------------------
// `lanes run` waits for its command as a shell waits for a job (issue 21):
// the terminal's Ctrl+C goes to the command, lanes stays to record what it
// did, and exits as a shell would (128+N for a signal).

/// `lanes` started in a process group of its own, as a shell starts a
/// foreground job: a terminal's Ctrl+C is SIGINT to that whole group.
/// Dropping it kills the group.
#[cfg(unix)]
struct Job {
    pgid: libc::pid_t,
    child: std::process::Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

#[cfg(unix)]
impl Job {
    fn start(r: &Repo, args: &[&str]) -> Job {
        use std::os::unix::process::CommandExt;
        let stdout = r.base().join("job-stdout");
        let stderr = r.base().join("job-stderr");
        let mut child = r.lanes_cmd();
        child
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .process_group(0);
        // A job a shell starts in the foreground has the keyboard's signals
        // at their defaults, whatever this test process inherited: `cargo
        // test` started in the background of a script ignores SIGINT, and
        // lanes rightly passes an ignored signal on to its command ignored.
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            child.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGQUIT, libc::SIG_DFL);
                Ok(())
            });
        }
        let child = child.spawn().expect("run the lanes binary");
        Job {
            pgid: child.id() as libc::pid_t,
            child,
            stdout,
            stderr,
        }
    }

    /// What the terminal does on Ctrl+C (SIGINT) or Ctrl+\ (SIGQUIT):
    /// the signal to the whole foreground process group.
    fn keyboard(&self, sig: libc::c_int) {
        // SAFETY: signalling the process group this job created.
        assert_eq!(unsafe { libc::kill(-self.pgid, sig) }, 0);
    }

    /// Wait until a process of the job's group runs `command` (lanes has
    /// started it, and it has exec'd).
    fn wait_for_command(&self, command: &str) {
        let start = std::time::Instant::now();
        let pgid = self.pgid.to_string();
        loop {
            let ps = std::process::Command::new("ps")
                .args(["-eo", "pgid=,comm="])
                .output()
                .expect("run ps");
            let running = String::from_utf8_lossy(&ps.stdout).lines().any(|l| {
                let mut f = l.split_whitespace();
                f.next() == Some(pgid.as_str()) && f.next() == Some(command)
            });
            if running {
                return;
            }
            assert!(
                start.elapsed() < PROMPTLY,
                "lanes run never started {command}; stderr: {}",
                std::fs::read_to_string(&self.stderr).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// The processes of the job's group, for a failure message.
    fn processes(&self) -> String {
        let out = std::process::Command::new("ps")
            .args(["-eo", "pid,pgid,ppid,stat,wchan:24,args"])
            .output();
        let pgid = self.pgid.to_string();
        out.map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| l.split_whitespace().nth(1) == Some(pgid.as_str()))
                .map(|l| {
                    let pid = l.split_whitespace().next().unwrap_or_default();
                    let sig: Vec<String> = std::fs::read_to_string(format!("/proc/{pid}/status"))
                        .unwrap_or_default()
                        .lines()
                        .filter(|s| s.starts_with("Sig") || s.starts_with("ShdPnd"))
                        .map(str::to_string)
                        .collect();
                    format!("{l}  [{}]", sig.join(" "))
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
    }

    /// Wait for lanes to exit (at most `PROMPTLY`), then for every process
    /// of its group to be gone.
    fn finish(mut self) -> std::process::Output {
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                start.elapsed() < PROMPTLY,
                "lanes run did not exit; stderr: {}\nits process group:\n{}",
                std::fs::read_to_string(&self.stderr).unwrap_or_default(),
                self.processes()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        // SAFETY: signal 0 only asks whether the group has a process.
        while unsafe { libc::kill(-self.pgid, 0) } == 0 {
            assert!(
                start.elapsed() < PROMPTLY,
                "a process of lanes run's group was left behind:\n{}",
                self.processes()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::process::Output {
            status,
            stdout: std::fs::read(&self.stdout).unwrap_or_default(),
            stderr: std::fs::read(&self.stderr).unwrap_or_default(),
        }
    }
}

#[cfg(unix)]
impl Drop for Job {
    fn drop(&mut self) {
        // SAFETY: as above; nothing left (ESRCH) is the usual case.
        unsafe { libc::kill(-self.pgid, libc::SIGKILL) };
        let _ = self.child.try_wait();
    }
}

#[cfg(unix)]
fn wait_for_file(path: &Path) {
    let start = std::time::Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < PROMPTLY,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_lanes_run_goes_to_the_command_and_lanes_records_what_it_did() {
    use std::os::unix::process::ExitStatusExt;
    let (r, id) = setup(&[]);
    let before = r.commit_count();
    // A training command that stops cleanly on Ctrl+C: it writes its
    // metrics and exits 0.
    let train = r#"trap 'echo "{\"precision_at_10\": 0.21}" > m.json; exit 0' INT
echo started > ready
while :; do sleep 0.1; done"#;
    let job = Job::start(
        &r,
        &["run", &id, "--metrics", "m.json", "--", "sh", "-c", train],
    );
    wait_for_file(&r.abs("ready"));
    job.keyboard(libc::SIGINT);
    let out = job.finish();
    assert_eq!(
        (out.status.code(), out.status.signal()),
        (Some(0), None),
        "lanes run must exit with the command's status; stderr: {}",
        stderr(&out)
    );
    assert_eq!(r.commit_count(), before + 1, "one commit: {}", stderr(&out));
    let card = r.card(&id);
    assert_eq!(card["hypothesis"]["result"].as_f64(), Some(0.21));
    assert_eq!(card["hypothesis"]["verdict"].as_str(), Some("supported"));
    let journal = card["journal"][0]["text"].as_str().unwrap();
    assert!(journal.contains(": exit 0 after "), "{journal}");

    // A command that does not catch it dies of it: recorded as such, and
    // lanes exits 128+2 as a shell does. (The command is the sleeping
    // process itself: a `sh -c` that catches SIGINT between its commands
    // would wait for the next one before dying of it.)
    let job = Job::start(&r, &["run", &id, "--", "sleep", "100"]);
    job.wait_for_command("sleep");
    job.keyboard(libc::SIGINT);
    let out = job.finish();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the command was killed by SIGINT after"),
        "{}",
        stderr(&out)
    );
    let card = r.card(&id);
    let journal = card["journal"][1]["text"].as_str().unwrap();
    assert!(journal.contains(": killed by SIGINT after "), "{journal}");
    assert!(
        journal.contains("the verdict is left as it was"),
        "{journal}"
    );
    assert_eq!(card["hypothesis"]["result"].as_f64(), Some(0.21));
    assert_eq!(r.commit_count(), before + 2);

    // Ctrl+\ likewise: 128+3.
    let job = Job::start(&r, &["run", &id, "--", "sleep", "100"]);
    job.wait_for_command("sleep");
    job.keyboard(libc::SIGQUIT);
    let out = job.finish();
    assert_eq!(out.status.code(), Some(131), "{}", stderr(&out));
    let journal = r.card(&id)["journal"][2]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(journal.contains(": killed by SIGQUIT after "), "{journal}");
}

#[test]
fn a_command_killed_by_a_signal_makes_lanes_run_exit_128_plus_n() {
    let (r, id) = setup(&[]);
    let out = r.lanes(&["run", &id, "--json", "--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.status.code(), Some(143), "{}", stderr(&out));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    assert!(v["exit_code"].is_null(), "{v}");
    assert_eq!(v["signal"].as_str(), Some("SIGTERM"), "{v}");
    assert!(v["result"].is_null(), "{v}");
    let journal = r.card(&id)["journal"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(journal.contains(": killed by SIGTERM after "), "{journal}");
    assert_eq!(r.head_trailer("Lanes-Action"), ["run"]);
    assert!(
        r.head_subject().contains("killed by SIGTERM"),
        "{}",
        r.head_subject()
    );
}

// ---------------------------------------------------------------------------
// Metric names as trackers write them (issue 22 item 1): MLflow refuses
// `@` and `,` in a key, so a hypothesis about precision@10 reads the run's
// precision_at_10.

/// A hypothesis on `metric` (baseline 0.18, target 0.2, higher is better),
/// with `extra` arguments to `lanes add`.
fn hypothesis_on(r: &Repo, metric: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "--hypothesis",
        "Hybrid features raise it",
        "--metric",
        metric,
        "--direction",
        "higher",
        "--baseline",
        "0.18",
        "--target",
        "0.2",
    ];
    args.extend_from_slice(extra);
    r.add(&format!("On {metric}"), &args)
}

#[test]
fn a_metric_mlflow_cannot_name_reads_the_key_its_rules_give() {
    let (r, _) = setup(&["mlflow.db", "mlruns"]);
    let id = hypothesis_on(&r, "precision@10", &[]);
    let named = run_id("sqlite", "named");
    let out = r.lanes(&["result", &id, &format!("mlflow:{named}")]);
    let said = ok(&out);
    // It says which key it read, and why that one.
    assert!(said.contains("precision_at_10 0.24 (step 1)"), "{said}");
    assert!(
        said.contains("the run's key for precision@10, by MLflow's name rules"),
        "{said}"
    );
    let h = hyp(&r, &id);
    assert_eq!(h["result"].as_f64(), Some(0.24));
    assert_eq!(h["verdict"].as_str(), Some("supported"));
    assert_eq!(h["metric"].as_str(), Some("precision@10"));
    let e = &h["evidence"];
    assert_eq!(e["metric"].as_str(), Some("precision_at_10"));
    assert_eq!(e["metric_from"].as_str(), Some("name"));
    let shown = ok(&r.lanes(&["show", &id]));
    assert!(
        shown.contains("precision_at_10 = 0.24 at step 1 (the run's key for precision@10"),
        "{shown}"
    );
    // Case and the separators _ - . space do not count either way.
    for (metric, value) in [("recall@5", 0.41), ("Add-To-Cart Rate", 0.031)] {
        let id = hypothesis_on(&r, metric, &[]);
        ok(&r.lanes(&["result", &id, &named, "--no-verdict"]));
        assert_eq!(hyp(&r, &id)["result"].as_f64(), Some(value), "{metric}");
    }
    // The file store, the same.
    let id = hypothesis_on(&r, "precision@10", &[]);
    let named = run_id("file", "named");
    ok(&r.lanes(&["result", &id, &named, "--store", "mlruns"]));
    assert_eq!(
        hyp(&r, &id)["evidence"]["metric"].as_str(),
        Some("precision_at_10")
    );
    // The JSON report names the key and how it was chosen.
    let id = hypothesis_on(&r, "precision@10", &[]);
    let v: serde_json::Value = serde_json::from_str(&ok(&r.lanes(&[
        "result",
        &id,
        &run_id("sqlite", "named"),
        "--json",
    ])))
    .unwrap();
    assert_eq!(v["evidence"]["metric"], "precision_at_10");
    assert_eq!(v["evidence"]["metric_from"], "name");
    r.assert_healthy();
}

#[test]
fn metric_key_wins_and_a_run_without_the_metric_lists_its_keys() {
    let (r, _) = setup(&["mlflow.db"]);
    let named = run_id("sqlite", "named");
    // The hypothesis names its tracker key: it is read, whatever the
    // metric's name would match.
    let id = hypothesis_on(&r, "precision@10", &["--metric-key", "recall_at_5"]);
    let text = r.card_text(&id);
    let at = |k: &str| text.find(k).unwrap_or_else(|| panic!("{k} in\n{text}"));
    assert!(
        at("  metric: ") < at("  metric_key: recall_at_5")
            && at("  metric_key:") < at("  direction:"),
        "{text}"
    );
    let said = ok(&r.lanes(&["result", &id, &named, "--no-verdict"]));
    assert!(said.contains("recall_at_5 0.41"), "{said}");
    let h = hyp(&r, &id);
    assert_eq!(h["result"].as_f64(), Some(0.41));
    assert_eq!(h["evidence"]["metric_from"].as_str(), Some("metric_key"));
    // Set on an existing card.
    ok(&r.lanes(&[
        "edit",
        &id,
        "--set",
        "hypothesis.metric_key=add_to_cart_rate",
    ]));
    ok(&r.lanes(&["result", &id, &named, "--no-verdict"]));
    assert_eq!(hyp(&r, &id)["result"].as_f64(), Some(0.031));

    // Nothing matches: the run's keys are listed, nothing is written.
    let id = hypothesis_on(&r, "ndcg@10", &[]);
    let same = Unchanged::of(&r, &id);
    let err = fails(&r.lanes(&["result", &id, &named]), 1);
    assert!(
        err.contains("logged no ndcg@10")
            && err
                .contains("it logged: add_to_cart_rate, precision_at_10, recall_at_5, train/loss"),
        "{err}"
    );
    same.check(&r, &id, "no key matches");
    // Two keys the rules match: ambiguous, both named.
    let pid = hypothesis_on(&r, "precision@10", &[]);
    let err = fails(
        &r.lanes(&["result", &pid, &run_id("sqlite", "two_spellings")]),
        1,
    );
    assert!(err.contains("Precision-At-10, precision_at_10"), "{err}");
    let two = run_id("sqlite", "two_spellings");
    assert!(err.contains(&format!("mlflow:{}#KEY", &two[..8])), "{err}");
    ok(&r.lanes(&["result", &pid, &format!("mlflow:{two}#Precision-At-10")]));
    assert_eq!(hyp(&r, &pid)["result"].as_f64(), Some(0.25));
    assert_eq!(
        hyp(&r, &pid)["metric_key"].as_str(),
        Some("Precision-At-10")
    );
    // A key named when recording is read, and kept as the metric_key so
    // that the next result finds it.
    let said = ok(&r.lanes(&["result", &id, &format!("mlflow:{named}#recall_at_5")]));
    assert!(said.contains("now the hypothesis's metric_key"), "{said}");
    let h = hyp(&r, &id);
    assert_eq!(h["metric_key"].as_str(), Some("recall_at_5"));
    assert_eq!(h["evidence"]["metric_from"].as_str(), Some("given"));
    assert!(
        r.head_message()
            .contains("hypothesis.metric_key: recall_at_5"),
        "{}",
        r.head_message()
    );
    ok(&r.lanes(&["result", &id, &named]));
    assert_eq!(
        hyp(&r, &id)["evidence"]["metric_from"].as_str(),
        Some("metric_key")
    );
    r.assert_healthy();
}

/// The helper `lanes run` runs as its command (this test binary again):
/// it logs a run to the MLflow store named in `LANES_TEST_LOG_RUN`, as
/// MLflow would, with the keys in `LANES_TEST_LOG_KEYS`. Without them it
/// does nothing.
#[test]
#[ignore = "a helper: lanes run runs it as a training command"]
fn helper_logs_an_mlflow_run() {
    let (Ok(db), Ok(keys)) = (
        std::env::var("LANES_TEST_LOG_RUN"),
        std::env::var("LANES_TEST_LOG_KEYS"),
    ) else {
        return;
    };
    let conn = rusqlite::Connection::open(db).expect("the store");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let id = format!("{:032x}", now as u128 * 7919);
    conn.execute(
        "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES (?1, 'train', 'LOCAL', 'train.py', '', 'mei', 'FINISHED', ?2, ?2, '', 'active', '', 1)",
        rusqlite::params![id, now + 1],
    )
    .expect("a run");
    for key in keys.split(',') {
        for table in ["metrics", "latest_metrics"] {
            conn.execute(
                &format!("INSERT INTO {table} (key, value, timestamp, run_uuid, step, is_nan) VALUES (?1, 0.5, ?2, ?3, 0, 0)"),
                rusqlite::params![key, now + 1, id],
            )
            .expect("a metric");
        }
    }
}

/// `lanes run` with the helper above as its command.
fn run_logging(r: &Repo, card: &str, keys: &str) -> std::process::Output {
    let me = std::env::current_exe().expect("this test binary");
    let db = r.abs("mlflow.db");
    r.lanes_env(
        &[
            "run",
            card,
            "--",
            me.to_str().unwrap(),
            "--exact",
            "helper_logs_an_mlflow_run",
            "--ignored",
            "--quiet",
        ],
        &[
            ("LANES_TEST_LOG_RUN", db.to_str().unwrap()),
            ("LANES_TEST_LOG_KEYS", keys),
        ],
    )
}

#[test]
fn lanes_run_finds_the_key_and_says_what_a_run_logged_when_it_is_not_there() {
    let (r, _) = setup(&["mlflow.db"]);
    let id = hypothesis_on(&r, "precision@10", &[]);
    // The run the command logs names the metric MLflow's way.
    let out = run_logging(&r, &id, "precision_at_10,loss");
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let h = hyp(&r, &id);
    assert_eq!(h["result"].as_f64(), Some(0.5), "{said}");
    assert_eq!(h["evidence"]["metric"].as_str(), Some("precision_at_10"));
    // A run that logged other keys: the hint says what it logged and how
    // to record one of them, not to give a metrics file.
    let id = hypothesis_on(&r, "ndcg@10", &[]);
    let out = run_logging(&r, &id, "loss,auc_roc");
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("logged no ndcg@10"), "{said}");
    assert!(said.contains("logged auc_roc, loss"), "{said}");
    assert!(
        said.contains(&format!("lanes result {}", &id[..6])),
        "{said}"
    );
    assert!(!said.contains("--metrics PATH"), "{said}");
    let journal = r.card(&id)["journal"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        journal.contains("no result recorded") && journal.contains("auc_roc"),
        "{journal}"
    );
}

/// `lanes` in the demo repository at `dir`, as someone exploring it.
fn in_demo(r: &Repo, dir: &Path, args: &[&str]) -> std::process::Output {
    r.lanes_cmd()
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Explorer")
        .env("GIT_AUTHOR_EMAIL", "explorer@example.com")
        .env("GIT_COMMITTER_NAME", "Explorer")
        .env("GIT_COMMITTER_EMAIL", "explorer@example.com")
        .output()
        .expect("run the lanes binary")
}

/// The ids of the demo's hypotheses by title.
fn demo_card(r: &Repo, dir: &Path, title_starts: &str) -> String {
    let out = in_demo(r, dir, &["list", "--json", "--all"]);
    let cards: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    cards
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["title"]
                .as_str()
                .is_some_and(|t| t.starts_with(title_starts))
        })
        .and_then(|c| c["id"].as_str())
        .unwrap_or_else(|| panic!("no demo card {title_starts:?}"))
        .to_string()
}

/// `sqlite_master` of a store: its schema, row by row.
fn schema_of(db: &Path) -> Vec<(String, String, Option<String>)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut st = conn
        .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn the_demo_logs_its_runs_so_results_come_from_them() {
    let r = Repo::new();
    let dir = r.base().join("demo");
    ok(&in_demo(&r, r.base(), &["demo", dir.to_str().unwrap()]));
    // The store is MLflow's own schema, as MLflow 3.17 wrote the fixture.
    let db = dir.join("mlflow.db");
    assert_eq!(schema_of(&db), schema_of(&fixtures().join("mlflow.db")));
    // The demo's metrics are names MLflow accepts.
    let rows: serde_json::Value =
        serde_json::from_str(&ok(&in_demo(&r, &dir, &["hypotheses", "--json"]))).unwrap();
    for row in rows.as_array().unwrap() {
        let m = row["metric"].as_str().unwrap();
        assert!(
            m.chars()
                .all(|c| c.is_alphanumeric() || "_-. :/".contains(c)),
            "MLflow refuses {m:?}"
        );
    }
    // The weekend hypothesis records the run it has not recorded yet.
    let weekend = demo_card(&r, &dir, "Weekend-specific retraining");
    let said = ok(&in_demo(
        &r,
        &dir,
        &["result", &weekend, "mlflow:9b2f415e7520"],
    ));
    assert!(
        said.contains("precision_at_10_weekend 0.204 (step 2)"),
        "{said}"
    );
    let card: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(dir.join(format!(".lanes/cards/{weekend}.yaml"))).unwrap(),
    )
    .unwrap();
    let h = &card["hypothesis"];
    assert_eq!(h["result"].as_f64(), Some(0.204));
    assert_eq!(h["verdict"].as_str(), Some("inconclusive"));
    assert_eq!(h["evidence"]["store"].as_str(), Some("mlflow.db"));
    assert_eq!(h["evidence"]["params"]["weekend_days"].as_str(), Some("22"));
    // A card's own run gives the number the story gave it.
    let hybrid = demo_card(&r, &dir, "Hybrid ALS + content");
    ok(&in_demo(
        &r,
        &dir,
        &["result", &hybrid, "mlflow:6c20a46521ca"],
    ));
    let shown = ok(&in_demo(&r, &dir, &["show", &hybrid]));
    assert!(
        shown.contains("precision_at_10 = 0.225 at step 2"),
        "{shown}"
    );
    // The store is not part of the story's history.
    let status = std::process::Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&status.stdout), "");
}

/// The screen's text as one line: borders gone, wrapped lines joined.
fn flat(screen: &str) -> String {
    screen
        .replace(['│', '╭', '╮', '╰', '╯', '─'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn r_on_an_80x24_board_lists_the_runs_keys_and_one_can_be_picked() {
    use common::tmux::{tmux_or_skip, Tmux};
    if !tmux_or_skip() {
        return;
    }
    let r = Repo::with_board("crisp-dm");
    std::fs::copy(fixtures().join("mlflow.db"), r.abs("mlflow.db")).unwrap();
    let id = hypothesis_on(&r, "ndcg@10", &[]);
    let t = Tmux::start_sized(&r, false, &[], 80, 24);
    let long = std::time::Duration::from_secs(60);
    t.wait_within(long, "the board", |s| s.contains("On ndcg@10"));
    t.keys(&["r"]);
    let (screen, _) = t.wait_within(long, "what r offers", |s| {
        flat(s).contains("No run in mlflow.db logged ndcg@10")
    });
    // The reason is whole (wrapped, never cut) and names no command-line
    // option the screen cannot give.
    let text = flat(&screen);
    assert!(
        text.contains(
            "No run in mlflow.db logged ndcg@10, nor a key MLflow's name rules match to it. Pick the key it is logged under: it becomes the hypothesis's metric_key."
        ),
        "{screen}"
    );
    assert!(!screen.contains(" --"), "{screen}");
    // The recent runs' keys are listed.
    let named = run_id("sqlite", "named");
    assert!(
        screen.contains(&format!("mlflow:{}#precision_at_10", &named[..12])),
        "{screen}"
    );
    // Pick one: typed and completed with Tab, recorded with Enter.
    t.type_text("recall");
    t.keys(&["Tab"]);
    t.wait_within(long, "the key in the line", |s| {
        s.contains(&format!("mlflow:{}#recall_at_5", &named[..12]))
    });
    t.keys(&["Enter"]);
    let start = std::time::Instant::now();
    while hyp(&r, &id)["result"].is_null() {
        assert!(start.elapsed() < long, "nothing recorded: {}", t.screen());
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let h = hyp(&r, &id);
    assert_eq!(h["result"].as_f64(), Some(0.41));
    assert_eq!(h["metric_key"].as_str(), Some("recall_at_5"));
    assert_eq!(
        h["evidence"]["source"].as_str(),
        Some(format!("mlflow:{named}").as_str())
    );
    t.wait_within(long, "the commit said", |s| s.contains("lanes: result"));
    // Next time, r finds the runs that logged it.
    t.keys(&["r"]);
    t.wait_within(long, "the runs of the key", |s| {
        flat(s).contains("Recent runs that logged recall_at_5 (the hypothesis's metric_key):")
    });
    t.keys(&["Escape"]);
}

#[test]
fn r_on_the_board_finds_the_runs_of_a_metric_mlflow_cannot_name() {
    use common::tui::{buffer, screen_text};
    let r = Repo::with_board("crisp-dm");
    std::fs::copy(fixtures().join("mlflow.db"), r.abs("mlflow.db")).unwrap();
    let id = hypothesis_on(&r, "recall@5", &[]);
    let offer = lanes::evidence::pick::offer_for(&r.abs("."), &id, 12);
    assert_eq!(
        offer.about,
        "Recent runs that logged recall@5 (as recall_at_5, by MLflow's name rules):"
    );
    let named = run_id("sqlite", "named");
    assert_eq!(offer.choices.len(), 1, "{offer:?}");
    assert_eq!(offer.choices[0].0, format!("mlflow:{named}"));
    assert!(
        offer.choices[0].1.starts_with("0.41 · started "),
        "{offer:?}"
    );
    // precision@10: one run logged it twice over (precision_at_10 and
    // Precision-At-10); its keys are offered by name, and each run says
    // which key it is.
    let id = hypothesis_on(&r, "precision@10", &[]);
    let offer = lanes::evidence::pick::offer_for(&r.abs("."), &id, 12);
    assert_eq!(
        offer.about,
        "Recent runs that logged precision@10 (under the keys shown):"
    );
    let two = run_id("sqlite", "two_spellings");
    let values: Vec<&str> = offer.choices.iter().map(|(v, _)| v.as_str()).collect();
    assert!(
        values.contains(&format!("mlflow:{}#Precision-At-10", &two[..12]).as_str()),
        "{values:?}"
    );
    assert!(
        values.contains(&format!("mlflow:{}#precision_at_10", &two[..12]).as_str()),
        "{values:?}"
    );
    let named_row = offer
        .choices
        .iter()
        .find(|(v, _)| *v == format!("mlflow:{named}"))
        .expect("the named run");
    assert!(
        named_row.1.starts_with("precision_at_10 0.24 · started"),
        "{named_row:?}"
    );
    // No store: said for the screen, no command-line option.
    let bare = Repo::with_board("crisp-dm");
    let other = hypothesis_on(&bare, "precision@10", &[]);
    let none = lanes::evidence::pick::offer_for(&bare.abs("."), &other, 12);
    assert!(none.choices.is_empty());
    assert!(
        none.about.starts_with("no MLflow store found"),
        "{}",
        none.about
    );
    assert!(!none.about.contains("--"), "{}", none.about);
    let mut app = bare.app(80, 24);
    app.selected_id = Some(other.clone());
    app.rebuild();
    app.on_runs(other, none.clone());
    let screen = flat(&screen_text(&buffer(&app)));
    assert!(screen.contains(&none.about), "{screen}");
}

// ---------------------------------------------------------------------------
// Verdicts that agree with their numbers (issue 22 item 3).

#[test]
fn a_verdict_the_numbers_contradict_needs_a_reason_shown_wherever_the_verdict_is() {
    let (r, id) = setup(&[]);
    // Target 0.2, higher is better: 0.25 gives supported.
    ok(&r.lanes(&["edit", &id, "--set", "hypothesis.direction=higher"]));
    let same = Unchanged::of(&r, &id);
    let err = fails(
        &r.lanes(&["verdict", &id, "refuted", "--result", "0.25"]),
        1,
    );
    assert!(
        err.contains("the numbers give supported, not refuted"),
        "{err}"
    );
    assert!(
        err.contains("result 0.25, target 0.2, baseline 0.18, higher is better"),
        "{err}"
    );
    assert!(err.contains("--because TEXT"), "{err}");
    same.check(&r, &id, "a contradicting verdict");
    // The same through --set.
    let err = fails(
        &r.lanes(&[
            "edit",
            &id,
            "--set",
            "hypothesis.verdict=refuted",
            "--set",
            "hypothesis.result=0.25",
        ]),
        1,
    );
    assert!(err.contains("the numbers give supported"), "{err}");
    same.check(&r, &id, "a contradicting --set");
    // With a reason it is given, and the reason is kept with it.
    let why = "the eval set leaked into training; the 0.25 does not count";
    ok(&r.lanes(&[
        "verdict",
        &id,
        "refuted",
        "--result",
        "0.25",
        "--because",
        why,
    ]));
    let h = hyp(&r, &id);
    assert_eq!(h["verdict"].as_str(), Some("refuted"));
    assert_eq!(h["rationale"].as_str(), Some(why));
    let text = r.card_text(&id);
    assert!(
        text.find("  verdict: refuted").unwrap() < text.find("  rationale:").unwrap(),
        "{text}"
    );
    assert!(
        r.head_message()
            .contains(&format!("hypothesis.rationale: {why}")),
        "{}",
        r.head_message()
    );
    // Everywhere the verdict is shown.
    let shown = ok(&r.lanes(&["show", &id]));
    assert!(shown.contains(&format!("because:  {why}")), "{shown}");
    let table = ok(&r.lanes(&["hypotheses"]));
    assert!(
        table.contains(&format!("{} refuted because: {why}", &id[..6])),
        "{table}"
    );
    let rows = r.json(&["hypotheses", "--json"]);
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id.as_str())
        .unwrap();
    assert_eq!(row["rationale"].as_str(), Some(why));
    let report = ok(&r.lanes(&["report", "--since", "30d"]));
    assert!(
        report.contains(&format!("Refuted because: {why}")),
        "{report}"
    );
    let json = r.json(&["report", "--format", "json", "--since", "30d"]);
    assert_eq!(
        json["refuted"][0]["rationale"].as_str(),
        Some(why),
        "{json}"
    );
    // A verdict the numbers give needs no reason, and the old one goes.
    ok(&r.lanes(&["verdict", &id, "supported"]));
    let h = hyp(&r, &id);
    assert!(h["rationale"].is_null(), "{h:?}");
    assert!(
        r.head_message().contains("hypothesis.rationale: removed"),
        "{}",
        r.head_message()
    );
    // open claims nothing; numbers that give no verdict contradict nothing.
    ok(&r.lanes(&["verdict", &id, "open"]));
    let plain = r.add("No target", &["--metric", "auc", "--baseline", "0.7"]);
    ok(&r.lanes(&["verdict", &plain, "refuted", "--result", "0.9"]));
    // An empty reason is no reason.
    let err = fails(&r.lanes(&["verdict", &id, "refuted", "--because", " "]), 1);
    assert!(err.contains("the reason is empty"), "{err}");
    // A card edited by hand into a contradiction (its result is still
    // 0.25) says so where it is shown.
    let text = r
        .card_text(&id)
        .replace("  verdict: open", "  verdict: refuted");
    let file = r.base().join("hand.yaml");
    std::fs::write(&file, text).unwrap();
    ok(&r.lanes(&["edit", &id, "--file", file.to_str().unwrap()]));
    let shown = ok(&r.lanes(&["show", &id]));
    assert!(
        shown.contains("! the numbers give supported, not refuted"),
        "{shown}"
    );
    r.assert_healthy();
}

#[test]
fn a_verdict_by_hand_after_a_run_supersedes_its_evidence() {
    let (r, id) = setup(&["mlflow.db", "dvc.lock"]);
    ok(&r.lanes(&["result", &id, &run_id("sqlite", "good")]));
    assert_eq!(
        hyp(&r, &id)["evidence"]["verdict"].as_str(),
        Some("supported")
    );
    // Another verdict on the same number: the evidence stays (it is where
    // 0.232 came from) but no longer claims a verdict from the value.
    ok(&r.lanes(&["verdict", &id, "inconclusive", "--because", "one seed only"]));
    let h = hyp(&r, &id);
    assert_eq!(h["evidence"]["value"].as_f64(), Some(0.232));
    assert!(h["evidence"]["verdict"].is_null(), "{h:?}");
    let shown = ok(&r.lanes(&["show", &id]));
    assert!(!shown.contains("(from the value)"), "{shown}");
    assert!(
        shown.contains("inconclusive given by hand; the value gives supported"),
        "{shown}"
    );
    assert!(shown.contains("because:  one seed only"), "{shown}");
    let message = r.head_message();
    assert!(
        message.contains("hypothesis.evidence.verdict: removed"),
        "{message}"
    );
    // Another result by hand: the evidence is about 0.232 and moves out;
    // git keeps it, and lanes log says where it went.
    ok(&r.lanes(&["verdict", &id, "refuted", "--result", "0.17"]));
    let h = hyp(&r, &id);
    assert!(h["evidence"].is_null(), "{h:?}");
    let shown = ok(&r.lanes(&["show", &id]));
    assert!(!shown.contains("evidence ("), "{shown}");
    let message = r.head_message();
    assert!(
        message.contains("hypothesis.evidence: moved out"),
        "{message}"
    );
    let diff = r.git(&[
        "log",
        "-p",
        "-1",
        "--format=",
        "--",
        &common::card_path(&id),
    ]);
    assert!(
        diff.contains("-  evidence:") && diff.contains("-    value: 0.232"),
        "{diff}"
    );
    let log = ok(&r.lanes(&["log", &id]));
    assert!(log.contains("evidence"), "{log}");
    r.assert_healthy();
}

#[test]
fn a_verdict_kept_with_no_verdict_must_agree_with_the_new_result() {
    let (r, id) = setup(&["mlflow.db"]);
    ok(&r.lanes(&["edit", &id, "--set", "hypothesis.direction=higher"]));
    ok(&r.lanes(&["verdict", &id, "refuted", "--result", "0.1"]));
    let same = Unchanged::of(&r, &id);
    // 0.232 against a target of 0.2 gives supported: keeping refuted needs
    // a reason.
    let good = run_id("sqlite", "good");
    let err = fails(&r.lanes(&["result", &id, &good, "--no-verdict"]), 1);
    assert!(
        err.contains("the numbers give supported, not refuted"),
        "{err}"
    );
    assert!(err.contains("--because"), "{err}");
    same.check(&r, &id, "a kept verdict the result contradicts");
    ok(&r.lanes(&[
        "result",
        &id,
        &good,
        "--no-verdict",
        "--because",
        "offline numbers only",
    ]));
    let h = hyp(&r, &id);
    assert_eq!(
        (h["verdict"].as_str(), h["result"].as_f64()),
        (Some("refuted"), Some(0.232))
    );
    assert_eq!(h["rationale"].as_str(), Some("offline numbers only"));
    // A result with its verdict from the value takes the reason away.
    ok(&r.lanes(&["result", &id, &good]));
    assert!(hyp(&r, &id)["rationale"].is_null());
}

#[test]
fn v_on_the_board_asks_why_when_the_verdict_contradicts_the_numbers() {
    use common::tui::{buffer, code, key, locate, press, run_effects, type_text};
    use lanes::ops::Action;
    use lanes::tui::app::{Effect, Mode};
    use ratatui::crossterm::event::KeyCode;
    let (r, id) = setup(&[]);
    let mut app = r.app(80, 24);
    app.selected_id = Some(id.clone());
    app.rebuild();
    press(&mut app, &[key('v'), key('r')]);
    type_text(&mut app, "0.25");
    // Refuted at 0.25 against a target of 0.2: the reason is asked first.
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        matches!(&app.mode, Mode::Prompt(p) if p.input.is_empty()),
        "{:?}",
        app.mode
    );
    let buf = buffer(&app);
    locate(&buf, "Reason for refuted:");
    locate(&buf, "the numbers give supported");
    let screen = flat(&common::tui::screen_text(&buf));
    assert!(
        screen.contains("The numbers give supported, not refuted (result 0.25, target 0.2, baseline 0.18, direction from baseline to target). Say why refuted holds"),
        "{screen}"
    );
    // No reason, no verdict.
    assert!(press(&mut app, &[code(KeyCode::Enter)]).is_empty());
    assert!(matches!(app.mode, Mode::Prompt(_)));
    type_text(&mut app, "leakage in the eval set");
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    assert!(
        matches!(&effects[..], [Effect::Apply { action: Action::Verdict { because: Some(b), .. }, note: None }] if b == "leakage in the eval set"),
        "{effects:?}"
    );
    run_effects(&mut app, &r.abs("."), effects);
    let h = hyp(&r, &id);
    assert_eq!(h["verdict"].as_str(), Some("refuted"));
    assert_eq!(h["rationale"].as_str(), Some("leakage in the eval set"));
    // The detail view shows the reason with the verdict.
    press(&mut app, &[code(KeyCode::Enter)]);
    locate(&buffer(&app), "because    leakage in the eval set");
    // A verdict the numbers give is not asked about.
    press(&mut app, &[code(KeyCode::Esc), key('v'), key('s')]);
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    assert!(
        matches!(
            &effects[..],
            [Effect::Apply {
                action: Action::Verdict { because: None, .. },
                note: None
            }]
        ),
        "{effects:?}"
    );
}

#[test]
fn a_run_typed_on_the_board_without_the_metric_says_what_to_do_there() {
    use common::tui::{buffer, code, press, screen_text, type_text};
    use lanes::tui::app::Effect;
    use ratatui::crossterm::event::KeyCode;
    let r = Repo::with_board("crisp-dm");
    std::fs::copy(fixtures().join("mlflow.db"), r.abs("mlflow.db")).unwrap();
    let id = hypothesis_on(&r, "ndcg@10", &[]);
    let mut app = r.app(80, 24);
    app.selected_id = Some(id.clone());
    app.rebuild();
    app.on_runs(
        id.clone(),
        lanes::evidence::pick::offer_for(&r.abs("."), &id, 12),
    );
    let named = run_id("sqlite", "named");
    type_text(&mut app, &format!("mlflow:{named}"));
    let effects = press(&mut app, &[code(KeyCode::Enter)]);
    let [Effect::RecordResult { card, source }] = &effects[..] else {
        panic!("expected a record, got {effects:?}");
    };
    // What the worker does.
    let ctx = lanes::ops::Context::from_env();
    let done = lanes::evidence::pick::record(&ctx, &app.root, card, source);
    let err = done
        .as_ref()
        .expect_err("the run has no ndcg@10")
        .to_string();
    app.on_applied(done);
    let screen = flat(&screen_text(&buffer(&app)));
    assert!(screen.contains(&flat(&err)), "{screen}");
    assert!(
        err.contains("it logged: add_to_cart_rate, precision_at_10, recall_at_5, train/loss"),
        "{err}"
    );
    assert!(
        err.ends_with("Press r again and pick one of its keys with Tab."),
        "{err}"
    );
    assert!(!screen.contains("--"), "{screen}");
    assert!(hyp(&r, &id)["result"].is_null());
    // A hypothesis without a numeric target gets its result on the board.
    let plain = r.add("No target", &["--metric", "recall@5"]);
    lanes::evidence::pick::record(&ctx, &app.root, &plain, &format!("mlflow:{named}"))
        .expect("recorded without a verdict");
    assert_eq!(hyp(&r, &plain)["result"].as_f64(), Some(0.41));
    assert_eq!(hyp(&r, &plain)["verdict"].as_str(), Some("open"));
}
