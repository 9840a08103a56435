//! Completions that know the board (issue 27): the script `lanes
//! completions bash` prints, sourced in a real bash and run as bash runs it
//! on Tab, completes card ids, lanes and labels from a board made with the
//! real binary; the other shells' answers carry the cards' titles.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

mod common;

use clap_complete::engine::ArgValueCompleter;
use common::{ok, Repo};
use std::path::Path;
use std::process::Command;

/// Whether a bash can be run; skipped (failing under `CI=true`) if not.
fn have_bash() -> bool {
    let found = Command::new("bash")
        .args(["-c", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        common::skip("bash is not installed");
    }
    found
}

/// What bash's completion offers for `line` (the words typed so far; the
/// last one, possibly empty, is the word under the cursor), with the
/// script `lanes completions bash` printed sourced, run in `dir`.
/// Returns the candidates and bash's stderr.
fn bash_tab(r: &Repo, dir: &Path, words: &[&str]) -> (Vec<String>, String) {
    let script = ok(&r.lanes(&["completions", "bash"]));
    let quoted: Vec<String> = words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', "'\\''")))
        .collect();
    let run = format!(
        r#"{script}
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
COMP_TYPE=9
_clap_complete_lanes lanes "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        words = quoted.join(" ")
    );
    let out = common::isolated("bash", dir, &r.home, &r.config)
        .args(["--norc", "--noprofile", "-c", &run])
        .output()
        .expect("run bash");
    let text = ok(&out);
    (
        text.lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        common::stderr(&out),
    )
}

/// The shortest prefix of `id` that no other id starts with.
fn unique_prefix<'a>(id: &'a str, others: &[&str]) -> &'a str {
    (1..=id.len())
        .map(|n| &id[..n])
        .find(|p| others.iter().all(|o| !o.starts_with(p)))
        .expect("ids differ")
}

#[test]
fn bash_completes_card_ids_then_lanes_from_the_board() {
    if !have_bash() {
        return;
    }
    let r = Repo::with_board("crisp-dm");
    let a = ok(&r.lanes(&[
        "add",
        "Session-recency features",
        "--label",
        "recsys",
        "--assignee",
        "mei",
    ]))
    .trim()
    .to_string();
    let b = ok(&r.lanes(&["add", "Cold-start rule", "--lane", "modeling"]))
        .trim()
        .to_string();
    let prefix = unique_prefix(&a, &[&b]);

    // `lanes move <prefix>` Tab: the card's id.
    let (got, err) = bash_tab(&r, &r.path, &["lanes", "move", prefix]);
    assert_eq!(got, [a.as_str()], "stderr: {err}");
    assert_eq!(err, "");

    // `lanes move ID ` Tab: the lanes (the options follow them).
    let (got, _) = bash_tab(&r, &r.path, &["lanes", "move", &a, ""]);
    let lanes = [
        "business-understanding",
        "data-understanding",
        "data-preparation",
        "modeling",
        "evaluation",
        "deployment",
    ];
    assert_eq!(got[..lanes.len()], lanes, "{got:?}");
    assert!(got.contains(&"--top".to_string()), "{got:?}");
    let (got, _) = bash_tab(&r, &r.path, &["lanes", "move", &a, "mo"]);
    assert_eq!(got, ["modeling"]);

    // From a folder below the board's, and for other arguments.
    std::fs::create_dir_all(r.path.join("src/deep")).expect("mkdir");
    let below = r.path.join("src/deep");
    let (got, _) = bash_tab(&r, &below, &["lanes", "list", "--label", "rec"]);
    assert_eq!(got, ["recsys"]);
    let (got, _) = bash_tab(&r, &below, &["lanes", "ready", "--assignee", ""]);
    assert_eq!(got, ["mei"]);
    let (got, _) = bash_tab(&r, &below, &["lanes", "link", &a, "--depends-on", prefix]);
    assert_eq!(got, [a.as_str()]);
    let (got, _) = bash_tab(&r, &below, &["lanes", "move", &b, "--before", prefix]);
    assert_eq!(got, [a.as_str()]);
}

#[test]
fn bash_finds_the_board_named_on_the_line_and_is_silent_without_one() {
    if !have_bash() {
        return;
    }
    let r = Repo::with_board("crisp-dm");
    let id = ok(&r.lanes(&["add", "Baseline"])).trim().to_string();
    let elsewhere = r.base().join("home");
    // No board here: nothing, and nothing on stderr.
    let (got, err) = bash_tab(&r, &elsewhere, &["lanes", "show", &id[..3]]);
    assert!(got.is_empty(), "{got:?}");
    assert_eq!(err, "");
    // `--board PATH` before the command, or `--board=PATH` after it.
    let board = r.path.to_str().expect("utf-8 path");
    let (got, _) = bash_tab(
        &r,
        &elsewhere,
        &["lanes", "--board", board, "show", &id[..3]],
    );
    assert_eq!(got, [id.as_str()]);
    let flag = format!("--board={board}");
    let (got, _) = bash_tab(&r, &elsewhere, &["lanes", "note", &flag, &id[..3]]);
    assert_eq!(got, [id.as_str()]);
}

/// `LANES_COMPLETE=fish lanes -- WORDS`: what fish's script asks on Tab,
/// one `value<TAB>description` per line.
fn fish_tab(r: &Repo, words: &[&str]) -> Vec<String> {
    let mut args = vec!["--", "lanes"];
    args.extend_from_slice(words);
    let out = r.lanes_env(&args, &[("LANES_COMPLETE", "fish")]);
    ok(&out).lines().map(str::to_string).collect()
}

#[test]
fn descriptions_are_titles_archived_cards_only_for_restore() {
    let r = Repo::with_board("crisp-dm");
    let live = ok(&r.lanes(&["add", "Recency \x1b[31mred\x1b[0m", "--lane", "modeling"]))
        .trim()
        .to_string();
    let gone = ok(&r.lanes(&["add", "Abandoned idea"])).trim().to_string();
    ok(&r.lanes(&["archive", &gone]));

    let got = fish_tab(&r, &["show", ""]);
    // The title, made visible (no escape reaches the terminal), and the lane.
    assert!(
        got.contains(&format!("{live}\tRecency ^[[31mred^[[0m (modeling)")),
        "{got:?}"
    );
    assert!(!got.iter().any(|l| l.starts_with(&gone)), "{got:?}");
    // An archived card is still offered when only it matches...
    let p = unique_prefix(&gone, &[&live]);
    assert_eq!(
        fish_tab(&r, &["show", p]),
        [format!("{gone}\tAbandoned idea (archived)")]
    );
    // ...and it is what `restore` offers.
    let got = fish_tab(&r, &["restore", ""]);
    assert!(got.iter().any(|l| l.starts_with(&gone)), "{got:?}");
    assert!(!got.iter().any(|l| l.starts_with(&live)), "{got:?}");
}

#[test]
fn every_card_lane_label_and_assignee_argument_completes_from_the_board() {
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            let value_name = arg
                .get_value_names()
                .and_then(|v| v.first())
                .map(|s| s.to_string());
            let board_values = matches!(value_name.as_deref(), Some("CARD" | "OTHER"))
                || matches!(
                    id,
                    "card" | "lane" | "label" | "labels" | "assignee" | "assignees" | "view"
                );
            if board_values && arg.get::<ArgValueCompleter>().is_none() {
                missing.push(format!("{path} {id}"));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut missing = Vec::new();
    walk(&lanes::cli::complete::command(), "lanes", &mut missing);
    assert!(missing.is_empty(), "no completer for {missing:?}");
}

#[test]
fn saved_views_complete_from_the_board_and_the_users_config() {
    let r = Repo::with_board("crisp-dm");
    // The template's own views replaced by two.
    let board = r.read(".lanes/board.yaml");
    let start = board.find("\nviews:\n").expect("the template has views") + 1;
    // It ends at the next top-level key (or the end of the file).
    let body = start + "views:\n".len();
    let end = board[body..]
        .match_indices('\n')
        .map(|(j, _)| body + j + 1)
        .find(|&k| board[k..].starts_with(|c: char| c.is_ascii_alphabetic()))
        .unwrap_or(board.len());
    r.write(
        ".lanes/board.yaml",
        format!(
            "{}views:\n  open-hypotheses: {{filter: \"kind:hypothesis verdict:open\", sort: updated}}\n  mine: {{filter: \"assignee:@me\"}}\n{}",
            &board[..start],
            &board[end..]
        ),
    );
    let config = r.config.join("config.yaml");
    std::fs::write(
        &config,
        "views:\n  mine: {filter: \"assignee:ana\"}\n  stale: {filter: \"stale\"}\n",
    )
    .expect("write config");
    let names = |current: &str| -> Vec<(String, String)> {
        lanes::cli::complete::views_in(&r.path, Some(&config), std::ffi::OsStr::new(current))
            .iter()
            .map(|c| {
                (
                    c.get_value().to_string_lossy().into_owned(),
                    c.get_help().map(|h| h.to_string()).unwrap_or_default(),
                )
            })
            .collect()
    };
    // The views in force, as the board shows them: the board's in its
    // order, the user's own replacing one of the same name, then the
    // user's others.
    assert_eq!(
        names(""),
        [
            (
                "open-hypotheses".to_string(),
                "kind:hypothesis verdict:open".to_string()
            ),
            ("mine".to_string(), "assignee:ana (yours)".to_string()),
            ("stale".to_string(), "stale (yours)".to_string()),
        ]
    );
    assert_eq!(names("o").len(), 1);
    // No board: nothing.
    assert!(lanes::cli::complete::views_in(&r.home, None, std::ffi::OsStr::new("")).is_empty());
}
