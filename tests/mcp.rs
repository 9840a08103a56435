//! `lanes mcp` driven by a real MCP client (rmcp's client side) over
//! stdio: the real binary, real repositories, real commits.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::*;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientInfo, Implementation,
};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

type Client = RunningService<RoleClient, ClientInfo>;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Start `lanes mcp [args]` in `dir` as the client named `agent`.
async fn connect(r: &Repo, dir: &Path, agent: &str, args: &[&str]) -> Client {
    let mut cmd = r.lanes_cmd();
    cmd.current_dir(dir).arg("mcp").args(args);
    let cmd = tokio::process::Command::from(cmd);
    let info = ClientInfo::new(
        ClientCapabilities::default(),
        Implementation::new(agent, "1.0"),
    );
    info.serve(TokioChildProcess::new(cmd).expect("spawn lanes mcp"))
        .await
        .expect("initialize")
}

async fn call(c: &Client, tool: &str, args: Value) -> CallToolResult {
    let Value::Object(args) = args else {
        panic!("arguments must be an object");
    };
    c.call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args))
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"))
}

/// A call that must succeed: its structured content.
async fn ok_call(c: &Client, tool: &str, args: Value) -> Value {
    let r = call(c, tool, args).await;
    assert_ne!(r.is_error, Some(true), "{tool} failed: {r:?}");
    let what = format!("{r:?}");
    r.structured_content
        .unwrap_or_else(|| panic!("{tool}: no structured content: {what}"))
}

/// A call that must fail: its error's kind and message.
async fn err_call(c: &Client, tool: &str, args: Value) -> (String, String) {
    let r = call(c, tool, args).await;
    assert_eq!(r.is_error, Some(true), "{tool} should fail: {r:?}");
    let e = r.structured_content.expect("a structured error");
    (
        e["kind"].as_str().unwrap_or_default().to_string(),
        e["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn an_agent_reads_and_changes_the_board_through_mcp() {
    let r = Repo::with_board("crisp-dm");
    let existing = r.add("Clean the clickstream", &["--lane", "data-prep"]);
    let commits_before = r.commit_count();
    runtime().block_on(async {
        let c = connect(&r, &r.path, "test-agent", &[]).await;
        let tools: Vec<String> = c
            .list_all_tools()
            .await
            .expect("tools")
            .into_iter()
            .map(|t| {
                assert!(t.output_schema.is_some(), "{} has no output schema", t.name);
                assert!(
                    t.description
                        .as_deref()
                        .is_some_and(|d| !d.is_empty() && d.len() < 200),
                    "{}: short description",
                    t.name
                );
                t.name.to_string()
            })
            .collect();
        for t in [
            "board",
            "list",
            "show",
            "add",
            "move",
            "note",
            "result",
            "hypotheses",
        ] {
            assert!(tools.iter().any(|n| n == t), "no {t} tool in {tools:?}");
        }

        let board = ok_call(&c, "board", json!({})).await;
        assert_eq!(board["lanes"][0]["id"], "business-understanding");
        let prep = board["lanes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == "data-preparation")
            .expect("the data-preparation lane");
        assert_eq!(prep["cards"], 1);

        let added = ok_call(
            &c,
            "add",
            json!({"title": "Session recency", "lane": "modeling",
                   "hypothesis": "Recency raises precision@10", "metric": "precision@10",
                   "direction": "higher", "baseline": 0.18, "target": 0.2}),
        )
        .await;
        let id = added["card"].as_str().expect("an id").to_string();
        assert!(added["commit"].as_str().is_some_and(|c| c.len() == 40));

        let listed = ok_call(&c, "list", json!({"lane": "modeling"})).await;
        let cards = listed["cards"].as_array().expect("cards");
        assert_eq!(cards.len(), 1);
        assert_eq!(cards[0]["id"], id.as_str());

        let shown = ok_call(&c, "show", json!({"card": &id[..6]})).await;
        assert_eq!(shown["card"]["hypothesis"]["metric"], "precision@10");

        ok_call(&c, "move", json!({"card": &id, "lane": "evaluation"})).await;
        let noted = ok_call(
            &c,
            "note",
            json!({"card": &id, "text": "weekend traffic differs"}),
        )
        .await;
        assert!(noted["summary"]
            .as_str()
            .unwrap()
            .starts_with("lanes: note"));

        let rows = ok_call(&c, "hypotheses", json!({})).await;
        assert_eq!(rows["hypotheses"][0]["id"], id.as_str());

        // Errors are tool errors with the CLI's message and kind.
        let (kind, msg) = err_call(&c, "show", json!({"card": "zzzzzz"})).await;
        assert_eq!(kind, "not_found");
        assert!(msg.contains("no card \"zzzzzz\""), "{msg}");
        let (kind, _) = err_call(&c, "move", json!({"card": &existing, "lane": "nowhere"})).await;
        assert_eq!(kind, "not_found");
        let (kind, _) = err_call(&c, "note", json!({"card": &existing, "text": "  "})).await;
        assert_eq!(kind, "refused");
        std::fs::write(r.path.join(".git/index.lock"), "").unwrap();
        let (kind, msg) = err_call(&c, "note", json!({"card": &existing, "text": "held"})).await;
        assert_eq!(kind, "busy", "{msg}");
        std::fs::remove_file(r.path.join(".git/index.lock")).unwrap();
        let huge = "x".repeat(70_000);
        let (kind, _) = err_call(&c, "note", json!({"card": &existing, "text": huge})).await;
        assert_eq!(kind, "refused");

        c.cancel().await.expect("close");
    });
    // One commit per write, by the person, naming the agent.
    assert_eq!(r.commit_count(), commits_before + 3);
    let log = r.git(&[
        "log",
        "-3",
        "--format=%an <%ae>|%s|%(trailers:key=Lanes-Agent,valueonly)",
    ]);
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            line.starts_with(&format!("{USER_NAME} <{USER_EMAIL}>|lanes: ")),
            "{line}"
        );
        assert!(line.ends_with("|test-agent"), "{line}");
    }
    let journal = r.git(&["show", "HEAD", "--", ".lanes/cards"]);
    assert!(
        journal.contains(&format!("by: {USER_NAME} via test-agent")),
        "{journal}"
    );
}

#[test]
fn as_names_the_agent_whatever_the_client_says() {
    let r = Repo::with_board("crisp-dm");
    let id = r.add("Card", &[]);
    runtime().block_on(async {
        let c = connect(&r, &r.path, "generic-client", &["--as", "nightly-trainer"]).await;
        ok_call(&c, "note", json!({"card": &id, "text": "epoch 3 done"})).await;
        c.cancel().await.expect("close");
    });
    assert!(r
        .git(&["log", "-1", "--format=%B"])
        .contains("Lanes-Agent: nightly-trainer"));
}

/// A linked worktree's board is that worktree's: the server started in the
/// main checkout writes to the worktree's branch when the call names it.
#[test]
fn each_worktree_is_its_own_board() {
    let r = Repo::with_board("crisp-dm");
    let id = r.add("Shared card", &[]);
    let other: PathBuf = r.base().join("second-worktree");
    r.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "experiment",
        other.to_str().unwrap(),
    ]);
    let main_head = r.head();
    runtime().block_on(async {
        let c = connect(&r, &r.path, "test-agent", &[]).await;
        let board = ok_call(&c, "board", json!({"board": other.to_str().unwrap()})).await;
        assert_eq!(
            PathBuf::from(board["root"].as_str().unwrap()),
            std::fs::canonicalize(&other).unwrap()
        );
        ok_call(
            &c,
            "note",
            json!({"board": other.to_str().unwrap(), "card": &id, "text": "on the branch"}),
        )
        .await;
        c.cancel().await.expect("close");
    });
    assert_eq!(
        r.head(),
        main_head,
        "the main checkout's branch did not move"
    );
    let branch_log = r.git(&["log", "-1", "--format=%s", "experiment"]);
    assert!(branch_log.starts_with("lanes: note"), "{branch_log}");
    assert!(!r.card_text(&id).contains("on the branch"));
    let in_worktree = std::fs::read_to_string(other.join(card_path(&id))).unwrap();
    assert!(in_worktree.contains("on the branch"));
}

/// Files changed by someone else (another terminal, `git pull`) are seen
/// by the next answer.
#[test]
fn the_server_sees_changes_made_around_it() {
    let r = Repo::with_board("crisp-dm");
    let id = r.add("Card", &[]);
    runtime().block_on(async {
        let c = connect(&r, &r.path, "test-agent", &[]).await;
        let before = ok_call(&c, "show", json!({"card": &id})).await;
        assert_eq!(before["card"]["lane"], "business-understanding");
        ok(&r.lanes(&["move", &id, "modeling"]));
        let after = ok_call(&c, "show", json!({"card": &id})).await;
        assert_eq!(after["card"]["lane"], "modeling");
        let listed = ok_call(&c, "list", json!({"lane": "modeling"})).await;
        assert_eq!(listed["cards"].as_array().unwrap().len(), 1);
        c.cancel().await.expect("close");
    });
}
