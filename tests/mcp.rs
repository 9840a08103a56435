//! `lanes mcp` driven by a real MCP client (rmcp's client side) over
//! stdio: the real binary, real repositories, real commits.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)] // prints for people, not card text

mod common;

use common::mcp::*;
use common::*;
use rmcp::model::{ClientCapabilities, ClientInfo, Implementation};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

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

/// A client that offers roots (the folders it works in), as editors do
/// (roots are deprecated by the protocol's SEP-2577, and still what most
/// clients send).
#[allow(deprecated)]
struct WithRoots {
    info: ClientInfo,
    roots: Vec<rmcp::model::Root>,
}

impl rmcp::ClientHandler for WithRoots {
    fn get_info(&self) -> ClientInfo {
        self.info.clone()
    }

    #[allow(deprecated)]
    async fn list_roots(
        &self,
        _: rmcp::service::RequestContext<RoleClient>,
    ) -> Result<rmcp::model::ListRootsResult, rmcp::ErrorData> {
        Ok(rmcp::model::ListRootsResult::new(self.roots.clone()))
    }
}

/// Start `lanes mcp` in `dir` as the client `agent` whose only root is
/// `root`.
#[allow(deprecated)]
async fn connect_with_root(
    r: &Repo,
    dir: &Path,
    agent: &str,
    root: &Path,
) -> RunningService<RoleClient, WithRoots> {
    let mut cmd = r.lanes_cmd();
    cmd.current_dir(dir).arg("mcp");
    let cmd = tokio::process::Command::from(cmd);
    let mut caps = ClientCapabilities::default();
    caps.roots = Some(Default::default());
    let client = WithRoots {
        info: ClientInfo::new(caps, Implementation::new(agent, "1.0")),
        roots: vec![rmcp::model::Root::new(format!("file://{}", root.display()))],
    };
    client
        .serve(TokioChildProcess::new(cmd).expect("spawn lanes mcp"))
        .await
        .expect("initialize")
}

/// Two worktrees of one repository, each with an agent: a server started
/// in a worktree (or in a folder inside it), or one whose client's root
/// is the worktree, serves that worktree's board, with no `board`
/// argument: its answers are that branch's cards and its commits land on
/// that branch, never on the other checkout's.
#[test]
fn two_worktrees_each_get_their_own_board() {
    let r = Repo::with_board("crisp-dm");
    let shared = r.add("On both branches", &["--lane", "modeling"]);
    let wt: PathBuf = r.base().join("second-worktree");
    r.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "experiment",
        wt.to_str().unwrap(),
    ]);
    let inside = wt.join("notebooks");
    std::fs::create_dir_all(&inside).unwrap();
    let (main_head, wt_head) = (r.head(), r.git(&["rev-parse", "experiment"]));
    let ids = |v: &Value| -> Vec<String> {
        v["cards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap();
    let (in_main, in_wt) = runtime().block_on(async {
        // One agent in each checkout, both at once.
        let a = connect(&r, &r.path, "agent-main", &[]).await;
        let b = connect(&r, &inside, "agent-wt", &[]).await;
        let board_a = ok_call(&a, "board", json!({})).await;
        let board_b = ok_call(&b, "board", json!({})).await;
        assert_eq!(
            PathBuf::from(board_a["root"].as_str().unwrap()),
            canon(&r.path)
        );
        assert_eq!(PathBuf::from(board_b["root"].as_str().unwrap()), canon(&wt));
        let in_main = ok_call(
            &a,
            "add",
            json!({"title": "Made on main", "lane": "modeling"}),
        )
        .await["card"]
            .as_str()
            .unwrap()
            .to_string();
        let in_wt = ok_call(
            &b,
            "add",
            json!({"title": "Made in the worktree", "lane": "modeling"}),
        )
        .await["card"]
            .as_str()
            .unwrap()
            .to_string();
        ok_call(&b, "claim", json!({"card": &shared})).await;
        // Each lists its own branch's cards, and only those.
        let listed_a = ids(&ok_call(&a, "list", json!({"lane": "modeling"})).await);
        let listed_b = ids(&ok_call(&b, "list", json!({"lane": "modeling"})).await);
        assert!(
            listed_a.contains(&in_main) && !listed_a.contains(&in_wt),
            "{listed_a:?}"
        );
        assert!(
            listed_b.contains(&in_wt) && !listed_b.contains(&in_main),
            "{listed_b:?}"
        );
        // The claim is the worktree's: on main the card is ready.
        let ready_a = ids(&ok_call(&a, "list", json!({"ready": true})).await);
        let ready_b = ids(&ok_call(&b, "list", json!({"ready": true})).await);
        assert!(ready_a.contains(&shared), "{ready_a:?}");
        assert!(!ready_b.contains(&shared), "{ready_b:?}");
        a.cancel().await.expect("close");
        b.cancel().await.expect("close");
        // A server started in the main checkout whose client's root is
        // the worktree serves the worktree.
        let c = connect_with_root(&r, &r.path, "agent-roots", &wt).await;
        let board_c = ok_call(&c, "board", json!({})).await;
        assert_eq!(PathBuf::from(board_c["root"].as_str().unwrap()), canon(&wt));
        ok_call(
            &c,
            "note",
            json!({"card": &in_wt, "text": "seen through the root"}),
        )
        .await;
        let (kind, msg) = err_call(&c, "show", json!({"card": &in_main})).await;
        assert_eq!(kind, "not_found", "{msg}");
        c.cancel().await.expect("close");
        (in_main, in_wt)
    });
    // Each branch moved by its own commits, and only its own.
    let subjects = |range: &str| r.git(&["log", "--format=%s", range]);
    let on_main = subjects(&format!("{main_head}..main"));
    let on_wt = subjects(&format!("{}..experiment", wt_head.trim()));
    assert_eq!(on_main.lines().count(), 1, "{on_main}");
    assert!(on_main.starts_with("lanes: add"), "{on_main}");
    assert_eq!(on_wt.lines().count(), 3, "{on_wt}");
    for verb in ["lanes: add", "lanes: claim", "lanes: note"] {
        assert!(on_wt.contains(verb), "{on_wt}");
    }
    assert!(r.card_file(&in_main).is_file());
    assert!(!r.card_file(&in_wt).exists());
    assert!(wt.join(card_path(&in_wt)).is_file());
    assert!(!wt.join(card_path(&in_main)).exists());
    assert!(std::fs::read_to_string(wt.join(card_path(&in_wt)))
        .unwrap()
        .contains("seen through the root"));
    assert!(r.card_model(&shared).claim.is_none());
    r.assert_healthy();
}

/// Files changed by someone else (another terminal, an editor, `git
/// pull`) are seen by the next answer.
#[test]
fn the_server_sees_changes_made_around_it() {
    let r = Repo::with_board("crisp-dm");
    let id = r.add("Card", &[]);
    let other: PathBuf = r.base().join("puller");
    r.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "upstream",
        other.to_str().unwrap(),
    ]);
    runtime().block_on(async {
        let c = connect(&r, &r.path, "test-agent", &[]).await;
        let lane_of = |v: &Value| v["card"]["lane"].as_str().unwrap().to_string();
        let in_lane = |v: &Value| -> Vec<String> {
            v["cards"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string())
                .collect()
        };
        let before = ok_call(&c, "show", json!({"card": &id})).await;
        assert_eq!(lane_of(&before), "business-understanding");
        // Another terminal.
        ok(&r.lanes(&["move", &id, "evaluation"]));
        assert_eq!(
            lane_of(&ok_call(&c, "show", json!({"card": &id})).await),
            "evaluation"
        );
        let listed = ok_call(&c, "list", json!({"lane": "evaluation"})).await;
        assert_eq!(in_lane(&listed), vec![id.clone()]);
        // An editor, at once: the same size, most likely the same second
        // as the list the server just answered.
        let text = r.card_text(&id);
        let edited = text.replace("lane: evaluation", "lane: deployment");
        assert_eq!(edited.len(), text.len());
        std::fs::write(r.card_file(&id), edited).unwrap();
        let listed = ok_call(&c, "list", json!({"lane": "deployment"})).await;
        assert_eq!(in_lane(&listed), vec![id.clone()], "the edit was not seen");
        assert_eq!(
            lane_of(&ok_call(&c, "show", json!({"card": &id})).await),
            "deployment"
        );
        r.commit_all("by hand");
        // `git pull`: git itself rewrites the files (a fast-forward to a
        // branch where the card moved and another was added).
        let merged = r
            .git_cmd()
            .current_dir(&other)
            .args(["merge", "-q", "--ff-only", "main"])
            .output()
            .unwrap();
        ok(&merged);
        let out = r.lanes_in(&other, &["move", &id, "modeling"]);
        ok(&out);
        let added = ok(&r.lanes_in(&other, &["add", "Pulled in"]))
            .trim()
            .to_string();
        r.git(&["merge", "-q", "--ff-only", "upstream"]);
        assert_eq!(
            lane_of(&ok_call(&c, "show", json!({"card": &id})).await),
            "modeling"
        );
        let all = ok_call(&c, "list", json!({})).await;
        assert!(
            in_lane(&all).contains(&added),
            "the pulled card is not listed"
        );
        c.cancel().await.expect("close");
    });
}

/// The lane `show` answers for a card.
fn lane_of(shown: &Value) -> String {
    shown["card"]["lane"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The ids of the cards a `list` answers.
fn listed(page: &Value) -> Vec<String> {
    page["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .map(|c| c["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Rewrite a file that is no card in the board's folder thousands of
/// times, so that the server's file watcher has thousands of events to go
/// through before it reaches the change made next: an answer that did
/// not wait for the watcher to catch up would miss that change. (Fewer
/// events than the kernel's queue holds: an overflow is a reread.)
fn flood(r: &Repo) {
    use std::io::Write as _;
    let paths = [r.abs(".lanes/flood-a.tmp"), r.abs(".lanes/flood-b.tmp")];
    let mut files = paths
        .each_ref()
        .map(|p| std::fs::File::create(p).expect("a scratch file"));
    // One event per write; the kernel merges only repeats of the event
    // just before, so the writes alternate between two files.
    for _ in 0..7000 {
        for f in &mut files {
            f.write_all(b"x").unwrap();
        }
    }
    drop(files);
    for p in &paths {
        std::fs::remove_file(p).unwrap();
    }
}

/// A server keeps the board between calls; a card file written in place
/// (an editor, a script) just before a call is in that call's answer.
#[test]
fn a_warm_server_sees_a_card_written_in_place_at_its_next_call() {
    let r = Repo::with_board("crisp-dm");
    let id = r.add("Card", &[]);
    runtime().block_on(async {
        let c = connect(&r, &r.path, "test-agent", &[]).await;
        let shown = ok_call(&c, "show", json!({"card": &id})).await;
        assert_eq!(lane_of(&shown), "business-understanding");
        ok_call(&c, "list", json!({})).await;
        flood(&r);
        let text = r.card_text(&id);
        let edited = text.replace("lane: business-understanding", "lane: deployment");
        assert_ne!(edited, text);
        std::fs::write(r.card_file(&id), edited).unwrap();
        let page = ok_call(&c, "list", json!({"lane": "deployment"})).await;
        assert_eq!(listed(&page), vec![id.clone()], "the edit was not seen");
        flood(&r);
        let text = r.card_text(&id);
        std::fs::write(
            r.card_file(&id),
            text.replace("title: Card", "title: Renamed"),
        )
        .unwrap();
        let shown = ok_call(&c, "show", json!({"card": &id})).await;
        assert_eq!(shown["card"]["title"], "Renamed", "the edit was not seen");
        c.cancel().await.expect("close");
    });
}

/// `list` takes `where` terms as `lanes list --where` does, on the warm
/// board too: an edit that changes a field is in the next answer, and a
/// term that names no field is refused with the CLI's message.
#[test]
fn list_selects_by_field_values_as_the_command_line_does() {
    let r = Repo::with_board("crisp-dm");
    let task = r.add("A task", &[]);
    let hyp = r.add("A hypothesis", &["--kind", "hypothesis"]);
    let cli = r.lanes(&["list", "--where", "kind=hypothesis", "--json"]);
    let cli: Value = serde_json::from_str(&ok(&cli)).unwrap();
    assert_eq!(cli.as_array().map(Vec::len), Some(1));
    runtime().block_on(async {
        let c = connect(&r, &r.path, "test-agent", &[]).await;
        let page = ok_call(&c, "list", json!({"where": ["kind=hypothesis"]})).await;
        assert_eq!(listed(&page), vec![hyp.clone()]);
        assert_eq!(page["cards"][0], cli[0], "the same card JSON as the CLI");
        flood(&r);
        let text = r.card_text(&task);
        std::fs::write(
            r.card_file(&task),
            text.replace("kind: task", "kind: hypothesis"),
        )
        .unwrap();
        let mut both = vec![task.clone(), hyp.clone()];
        both.sort();
        let mut got = listed(&ok_call(&c, "list", json!({"where": ["kind=hypothesis"]})).await);
        got.sort();
        assert_eq!(got, both, "the edit was not seen");
        let (kind, message) = err_call(&c, "list", json!({"where": ["nosuchfield=1"]})).await;
        assert_eq!(kind, "refused");
        let cli = r.lanes(&["list", "--where", "nosuchfield=1"]);
        assert!(
            String::from_utf8_lossy(&cli.stderr).contains(&message),
            "the CLI's message {:?} names {message:?}",
            String::from_utf8_lossy(&cli.stderr)
        );
        c.cancel().await.expect("close");
    });
}

/// `git checkout` of another commit that changes cards: the next call
/// answers the checked-out cards (a moved card back, an added one gone).
#[test]
fn a_warm_server_sees_a_checkout_at_its_next_call() {
    let r = Repo::with_board("crisp-dm");
    let id = r.add("Card", &[]);
    let before = r.head();
    ok(&r.lanes(&["move", &id, "modeling"]));
    let added = r.add("Added later", &[]);
    runtime().block_on(async {
        let c = connect(&r, &r.path, "test-agent", &[]).await;
        assert_eq!(
            lane_of(&ok_call(&c, "show", json!({"card": &id})).await),
            "modeling"
        );
        assert!(listed(&ok_call(&c, "list", json!({})).await).contains(&added));
        flood(&r);
        r.git(&["checkout", "-q", &before]);
        let page = ok_call(&c, "list", json!({})).await;
        assert_eq!(listed(&page), vec![id.clone()], "the checkout was not seen");
        assert_eq!(
            lane_of(&ok_call(&c, "show", json!({"card": &id})).await),
            "business-understanding"
        );
        let (kind, _) = err_call(&c, "show", json!({"card": &added})).await;
        assert_eq!(kind, "not_found");
        c.cancel().await.expect("close");
    });
}

/// `lanes move` in another terminal: the next call answers the card in
/// its new lane, and its links computed again.
#[test]
fn a_warm_server_sees_a_move_on_the_command_line_at_its_next_call() {
    let r = Repo::with_board("crisp-dm");
    let id = r.add("Card", &[]);
    let waiting = r.add("Waits", &[]);
    ok(&r.lanes(&["link", &waiting, "--depends-on", &id]));
    runtime().block_on(async {
        let c = connect(&r, &r.path, "test-agent", &[]).await;
        let shown = ok_call(&c, "show", json!({"card": &waiting})).await;
        assert_eq!(shown["card"]["blocked"], true);
        let page = ok_call(&c, "list", json!({"ready": true})).await;
        assert_eq!(listed(&page), vec![id.clone()]);
        flood(&r);
        ok(&r.lanes(&["move", &id, "deployment"]));
        let page = ok_call(&c, "list", json!({"lane": "deployment"})).await;
        assert_eq!(listed(&page), vec![id.clone()], "the move was not seen");
        // Deployment is the done lane: what waited on the card is ready.
        let shown = ok_call(&c, "show", json!({"card": &waiting})).await;
        assert_eq!(shown["card"]["blocked"], false, "the links were not redone");
        assert_eq!(shown["card"]["ready"], true);
        flood(&r);
        ok(&r.lanes(&["move", &id, "modeling"]));
        let page = ok_call(&c, "list", json!({"ready": true})).await;
        assert_eq!(
            listed(&page),
            vec![id.clone()],
            "the move back was not seen"
        );
        c.cancel().await.expect("close");
    });
}

/// A card file created by hand and another deleted: the next call lists
/// the new card and not the deleted one, which `show` no longer finds.
#[test]
fn a_warm_server_sees_a_new_and_a_deleted_card_file_at_its_next_call() {
    let r = Repo::with_board("crisp-dm");
    let kept = r.add("Kept", &[]);
    let gone = r.add("Deleted by hand", &[]);
    runtime().block_on(async {
        let c = connect(&r, &r.path, "test-agent", &[]).await;
        let page = ok_call(&c, "list", json!({})).await;
        assert_eq!(listed(&page).len(), 2);
        ok_call(&c, "show", json!({"card": &gone})).await;
        flood(&r);
        let made = "handmade-card";
        let text = r
            .card_text(&kept)
            .replace(&kept, made)
            .replace("title: Kept", "title: Made by hand");
        r.write_card(made, &text);
        std::fs::remove_file(r.card_file(&gone)).unwrap();
        let page = ok_call(&c, "list", json!({})).await;
        let ids = listed(&page);
        assert!(
            ids.contains(&made.to_string()),
            "the new file was not seen: {ids:?}"
        );
        assert!(
            !ids.contains(&gone),
            "the deleted file is still listed: {ids:?}"
        );
        assert_eq!(page["total"], 2);
        let shown = ok_call(&c, "show", json!({"card": made})).await;
        assert_eq!(shown["card"]["title"], "Made by hand");
        let (kind, msg) = err_call(&c, "show", json!({"card": &gone})).await;
        assert_eq!(kind, "not_found", "{msg}");
        c.cancel().await.expect("close");
    });
}

/// What the server cannot do: change board.yaml, delete a card, rewrite a
/// journal, run a command, or reach outside the repository it serves;
/// and its inputs are bounded.
#[test]
fn the_server_keeps_to_its_repository_and_its_rules() {
    let r = Repo::with_board("crisp-dm");
    let elsewhere = Repo::with_board("crisp-dm");
    let theirs = elsewhere.add("Another project's card", &[]);
    let id = hypothesis(&r);
    r.ok(&["note", &id, "a first note by a person"]);
    r.write("metrics.json", r#"{"precision": 0.25}"#);
    std::fs::write(r.base().join("outside.json"), r#"{"precision": 0.9}"#).unwrap();
    let start = r.head();
    let board_before = r.read(".lanes/board.yaml");
    runtime().block_on(async {
        let c = connect(&r, &r.path, "test-agent", &[]).await;
        let tools = c.list_all_tools().await.expect("tools");
        let mut names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "add",
                "board",
                "claim",
                "hypotheses",
                "list",
                "move",
                "note",
                "release",
                "result",
                "show",
                "verdict"
            ],
            "no tool edits, deletes, archives or runs"
        );
        for t in &tools {
            let props = t.input_schema.get("properties").and_then(Value::as_object);
            for p in props.into_iter().flat_map(|p| p.keys()) {
                assert!(
                    !["command", "cmd", "args", "exec", "script", "shell"].contains(&p.as_str()),
                    "{} takes {p}",
                    t.name
                );
            }
        }
        // Every write, once.
        ok_call(&c, "claim", json!({"card": &id})).await;
        ok_call(&c, "note", json!({"card": &id, "text": "an agent's note"})).await;
        ok_call(&c, "move", json!({"card": &id, "lane": "evaluation"})).await;
        ok_call(&c, "add", json!({"title": "Follow-up"})).await;
        ok_call(&c, "release", json!({"card": &id})).await;
        ok_call(
            &c,
            "verdict",
            json!({"card": &id, "source": "dvc:metrics.json#precision"}),
        )
        .await;
        // Outside the repository: refused.
        let (kind, msg) = err_call(
            &c,
            "show",
            json!({"board": elsewhere.path.to_str().unwrap(), "card": &theirs}),
        )
        .await;
        assert_eq!(kind, "refused", "{msg}");
        assert!(
            msg.contains("outside the repository this server serves"),
            "{msg}"
        );
        let (kind, msg) = err_call(
            &c,
            "note",
            json!({"board": elsewhere.path.to_str().unwrap(), "card": &theirs, "text": "x"}),
        )
        .await;
        assert_eq!(kind, "refused", "{msg}");
        let (_, msg) = err_call(
            &c,
            "result",
            json!({"card": &id, "source": "dvc:../outside.json#precision"}),
        )
        .await;
        assert!(msg.contains("../outside.json"), "{msg}");
        // Bounded as the command line bounds them.
        let long = "a".repeat(5_000);
        for (tool, args) in [
            ("show", json!({"card": &long})),
            ("claim", json!({"card": &id, "for": &long})),
            ("list", json!({"label": &long})),
            ("board", json!({"board": &long})),
            ("add", json!({"title": "x".repeat(70_000)})),
        ] {
            let (kind, msg) = err_call(&c, tool, args).await;
            assert!(
                kind == "refused" || kind == "failed",
                "{tool}: {kind} {msg}"
            );
            assert!(msg.len() < 2_000, "{tool}: the answer echoes the input");
        }
        c.cancel().await.expect("close");
    });
    assert_eq!(
        r.read(".lanes/board.yaml"),
        board_before,
        "board.yaml changed"
    );
    assert!(elsewhere.card_text(&theirs).contains("Another project"));
    assert!(!elsewhere.card_text(&theirs).contains("journal"));
    // Over every commit the server made: no file deleted, board.yaml never
    // touched, every journal only appended to.
    let commits = r.git(&["rev-list", "--reverse", &format!("{start}..HEAD")]);
    let commits: Vec<&str> = commits.lines().collect();
    assert_eq!(commits.len(), 6);
    for c in commits {
        let changed = r.git(&["diff-tree", "--no-commit-id", "--name-status", "-r", c]);
        for line in changed.lines() {
            let (status, path) = line.split_once('\t').unwrap();
            assert_ne!(status, "D", "{c} deleted {path}");
            assert_ne!(path, ".lanes/board.yaml", "{c} changed board.yaml");
            let Some(card) = path.strip_prefix(".lanes/cards/") else {
                continue;
            };
            let at = |rev: &str| -> Vec<lanes::model::JournalEntry> {
                let out = r.git_output(&["show", &format!("{rev}:{path}")]);
                if !out.status.success() {
                    return Vec::new();
                }
                lanes::store::parse_card(card, &out.stdout)
                    .unwrap()
                    .card
                    .journal
            };
            let (was, now) = (at(&format!("{c}^")), at(c));
            assert!(now.starts_with(&was), "{c} rewrote the journal of {card}");
        }
    }
}

/// A hypothesis card with numbers a run can decide.
fn hypothesis(r: &Repo) -> String {
    r.add_hypothesis("Session recency")
}

#[test]
fn agents_claim_release_and_conclude_only_from_a_run() {
    let r = Repo::with_board("crisp-dm");
    let id = hypothesis(&r);
    let free = r.add("Free card", &["--lane", "modeling"]);
    r.write("metrics.json", r#"{"precision": 0.25}"#);
    let before = r.commit_count();
    runtime().block_on(async {
        let a = connect(&r, &r.path, "agent-a", &[]).await;
        let b = connect(&r, &r.path, "agent-b", &[]).await;
        let tools: Vec<String> = a
            .list_all_tools()
            .await
            .expect("tools")
            .into_iter()
            .map(|t| t.name.to_string())
            .collect();
        for t in ["claim", "release", "verdict"] {
            assert!(tools.iter().any(|n| n == t), "no {t} tool in {tools:?}");
        }

        let got = ok_call(&a, "claim", json!({"card": &id, "for": "3h"})).await;
        assert_eq!(got["claim"]["by"], format!("{USER_NAME} via agent-a"));
        assert!(got["commit"].as_str().is_some_and(|c| c.len() == 40));
        // The other agent is refused, told who holds it until when.
        let r2 = call(&b, "claim", json!({"card": &id})).await;
        assert_eq!(r2.is_error, Some(true));
        let e = r2.structured_content.expect("a structured error");
        assert_eq!(e["kind"], "conflict");
        assert_eq!(e["exit_code"], 4);
        assert_eq!(e["claim"]["by"], format!("{USER_NAME} via agent-a"));
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .contains(&format!("claimed by {USER_NAME} via agent-a until")),
            "{e}"
        );
        // ... and cannot release it.
        let (kind, msg) = err_call(&b, "release", json!({"card": &id})).await;
        assert_eq!(kind, "conflict", "{msg}");
        let listed = ok_call(&b, "list", json!({"lane": "modeling", "unclaimed": true})).await;
        let ids: Vec<&str> = listed["cards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [free.as_str()]);
        let (kind, _) = err_call(&a, "claim", json!({"card": &free, "for": "forever"})).await;
        assert_eq!(kind, "refused");

        // A bare verdict is refused, saying how to cite a run.
        let (kind, msg) =
            err_call(&a, "verdict", json!({"card": &id, "verdict": "supported"})).await;
        assert_eq!(kind, "refused");
        assert!(msg.contains("mlflow:RUN_ID or dvc:PATH#key"), "{msg}");
        assert!(msg.contains("source"), "{msg}");
        let (kind, _) = err_call(&a, "verdict", json!({"card": &id})).await;
        assert_eq!(kind, "refused");
        // A verdict the run does not give is refused too.
        let (kind, msg) = err_call(
            &a,
            "verdict",
            json!({"card": &id, "verdict": "refuted", "source": "dvc:metrics.json#precision"}),
        )
        .await;
        assert_eq!(kind, "refused");
        assert!(
            msg.contains("the numbers give supported, not refuted"),
            "{msg}"
        );
        // From the run: the verdict computed as `lanes result` does, and
        // the claim given back in the same commit.
        let done = ok_call(
            &a,
            "verdict",
            json!({"card": &id, "source": "dvc:metrics.json#precision"}),
        )
        .await;
        assert_eq!(done["verdict"], "supported");
        assert_eq!(done["result"], 0.25);
        assert_eq!(done["evidence"]["source"], "dvc:metrics.json#precision");
        let shown = ok_call(&b, "show", json!({"card": &id})).await;
        assert_eq!(shown["card"]["hypothesis"]["verdict"], "supported");
        assert!(shown["card"].get("claim").is_none(), "{shown}");
        // `open` claims nothing and needs no run.
        ok_call(&a, "verdict", json!({"card": &id, "verdict": "open"})).await;

        ok_call(&b, "claim", json!({"card": &free})).await;
        let back = ok_call(&b, "release", json!({"card": &free})).await;
        assert_eq!(back["claim"], Value::Null);

        // Busy: another process holds the index.
        std::fs::write(r.path.join(".git/index.lock"), "").unwrap();
        let (kind, msg) = err_call(&a, "claim", json!({"card": &free})).await;
        assert_eq!(kind, "busy", "{msg}");
        std::fs::remove_file(r.path.join(".git/index.lock")).unwrap();

        a.cancel().await.expect("close");
        b.cancel().await.expect("close");
    });
    // claim, result (verdict), open, claim, release: one commit each.
    assert_eq!(r.commit_count(), before + 5);
    let subjects = r.subjects();
    assert!(subjects[0].starts_with("lanes: release"), "{subjects:?}");
    let log = r.git(&[
        "log",
        "-5",
        "--format=%(trailers:key=Lanes-Agent,valueonly)",
    ]);
    let agents: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        agents,
        ["agent-b", "agent-b", "agent-a", "agent-a", "agent-a"]
    );
}

/// A board that asks no evidence of agents lets them give a verdict by
/// hand; one that asks it of everybody refuses the command line too.
#[test]
fn the_board_decides_whether_a_verdict_needs_a_run() {
    let r = Repo::with_board("crisp-dm");
    let id = hypothesis(&r);
    let mut board = r.read(".lanes/board.yaml");
    board.push_str("agents:\n  require_evidence: false\n");
    r.commit_file(".lanes/board.yaml", &board, "agents may conclude by hand");
    runtime().block_on(async {
        let c = connect(&r, &r.path, "test-agent", &[]).await;
        let done = ok_call(
            &c,
            "verdict",
            json!({"card": &id, "verdict": "inconclusive"}),
        )
        .await;
        assert_eq!(done["verdict"], "inconclusive");
        assert_eq!(done["evidence"], Value::Null);
        c.cancel().await.expect("close");
    });
    assert_eq!(r.show_json(&id)["hypothesis"]["verdict"], "inconclusive");
}

/// Two worktrees of one repository: a claim made through the server in
/// one is that branch's; merging the branches keeps the earlier claim.
#[test]
fn claims_in_two_worktrees_are_each_branchs_and_merge_to_the_earlier() {
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
    r.ok(&["setup"]);
    let t = lanes::model::date::now_secs();
    runtime().block_on(async {
        // The worktree's agent claims first (a minute ago) ...
        r.at(Some(t - 60));
        let c = connect(&r, &r.path, "agent-wt", &[]).await;
        let got = ok_call(
            &c,
            "claim",
            json!({"board": other.to_str().unwrap(), "card": &id}),
        )
        .await;
        assert_eq!(got["claim"]["by"], format!("{USER_NAME} via agent-wt"));
        c.cancel().await.expect("close");
        // ... then, on the main checkout's branch, another agent.
        r.at(Some(t));
        let m = connect(&r, &r.path, "agent-main", &[]).await;
        ok_call(&m, "claim", json!({"card": &id})).await;
        m.cancel().await.expect("close");
        r.at(None);
    });
    assert_eq!(
        r.card_model(&id).claim.unwrap().by,
        format!("{USER_NAME} via agent-main")
    );
    let in_wt = std::fs::read_to_string(other.join(card_path(&id))).unwrap();
    assert!(in_wt.contains("via agent-wt"), "{in_wt}");
    // Plain git merge, through lanes' merge driver: the earlier claim.
    r.git(&["merge", "-q", "--no-edit", "experiment"]);
    let merged = r.card_model(&id);
    assert_eq!(
        merged.claim.unwrap().by,
        format!("{USER_NAME} via agent-wt")
    );
    assert!(!r.card_text(&id).contains("conflicts:"));
    r.assert_healthy();
}

/// A clone's agent claims a card that a teammate's clone claimed earlier;
/// after `lanes sync` the agent's next claim says it lost the card, and
/// to whom.
#[test]
fn after_a_sync_the_agent_is_told_its_claim_was_lost() {
    use common::remote::*;
    let (w, _seed) = World::with_board(&["seed"]);
    let Some(daemon) = w.serve_or_skip() else {
        return;
    };
    let ana = w.clone_url(&daemon.url(), "ana");
    let bo = w.clone_url(&daemon.url(), "bo");
    let id = ana.add("Contested", &["--lane", "modeling"]);
    ana.sync();
    bo.sync();
    let t = lanes::model::date::now_secs();
    // Bo claims first, and shares it.
    bo.at(Some(t - 120));
    ok(&bo.lanes(&["claim", &id, "--for", "4h"]));
    bo.at(None);
    bo.sync();
    runtime().block_on(async {
        let c = connect(&ana, &ana.path, "claude-code", &[]).await;
        ok_call(&c, "claim", json!({"card": &id})).await;
        // A person (or cron) syncs this clone.
        let out = ana.lanes(&["sync", "--json"]);
        let said = both(&out);
        assert!(out.status.success(), "{said}");
        assert!(said.contains("lost the claim on"), "{said}");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["lost_claims"][0]["holder"]["by"], "Bo");
        let r = call(&c, "claim", json!({"card": &id})).await;
        assert_eq!(r.is_error, Some(true));
        let e = r.structured_content.expect("structured");
        assert_eq!(e["kind"], "conflict");
        let msg = e["message"].as_str().unwrap();
        assert!(msg.contains("claimed by Bo until"), "{msg}");
        assert!(msg.contains("you lost the claim on"), "{msg}");
        assert_eq!(e["lost"]["holder"]["by"], "Bo");
        assert_eq!(
            e["lost"]["yours"]["by"],
            format!("{} via claude-code", ana.name)
        );
        c.cancel().await.expect("close");
    });
}

/// The agent is named wherever a change is shown: `lanes log` (text and
/// JSON, the card's and the board's), the report and `lanes show`.
#[test]
fn the_agent_is_named_in_the_log_the_report_and_show() {
    let r = Repo::with_board("crisp-dm");
    let id = r.add("Card", &["--lane", "modeling"]);
    runtime().block_on(async {
        let c = connect(&r, &r.path, "claude-code", &[]).await;
        ok_call(&c, "claim", json!({"card": &id})).await;
        ok_call(&c, "note", json!({"card": &id, "text": "looking at it"})).await;
        ok_call(&c, "move", json!({"card": &id, "lane": "evaluation"})).await;
        c.cancel().await.expect("close");
    });
    let who = format!("{USER_NAME} via claude-code");
    let log = r.ok(&["log", &id]);
    let moved = log.lines().find(|l| l.contains("lanes: move")).unwrap();
    assert!(moved.contains(&who), "{log}");
    let added = log.lines().find(|l| l.contains("lanes: add")).unwrap();
    assert!(!added.contains("via"), "a person's own change: {added}");
    let entries = r.json(&["log", &id, "--json"]);
    let agents: Vec<&Value> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["agent"])
        .collect();
    assert_eq!(
        agents,
        [
            &Value::Null,
            &json!("claude-code"),
            &json!("claude-code"),
            &json!("claude-code")
        ]
    );
    assert_eq!(
        r.ok(&["log", &id, "--author", "claude-code"])
            .lines()
            .filter(|l| l.starts_with("20"))
            .count(),
        3
    );
    let feed = r.json(&["log", "--json"]);
    assert_eq!(feed[0]["agent"], "claude-code");
    assert_eq!(feed[0]["author"], USER_NAME);
    assert!(r.ok(&["log"]).lines().next().unwrap().contains(&who));
    let report = r.json(&["report", "--format", "json"]);
    assert_eq!(report["people"][&who]["move"], 1, "{}", report["people"]);
    assert!(r.ok(&["report"]).contains(&format!("- {who}: ")));
    let shown = r.ok(&["show", &id]);
    assert!(
        shown.contains(&format!("claimed:    by {who} until")),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("  {who}\n    looking at it")),
        "{shown}"
    );
}

/// `list` filters as `lanes list` does, through the same query: `ready`
/// (work to pick up now: not blocked, done or claimed), `blocked` and
/// `unclaimed`, alone or with the other filters, give the very cards (and
/// JSON) of `lanes list --ready`, `--blocked`, `--unclaimed`.
#[test]
fn list_offers_ready_blocked_and_unclaimed_as_the_command_line() {
    let r = Repo::with_board("crisp-dm");
    let free = r.add("Free", &["--lane", "modeling", "--label", "recsys"]);
    let held = r.add("Held", &["--lane", "modeling", "--label", "recsys"]);
    let waits = r.add("Waits", &["--lane", "modeling"]);
    let other_lane = r.add("Elsewhere", &["--lane", "evaluation"]);
    r.ok(&["link", &waits, "--depends-on", &free]);
    r.ok(&["claim", &held]);
    let ids = |v: &[Value]| -> Vec<String> {
        v.iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    runtime().block_on(async {
        let c = connect(&r, &r.path, "claude-code", &[]).await;
        for (args, cli) in [
            (json!({"ready": true}), vec!["--ready"]),
            (json!({"blocked": true}), vec!["--blocked"]),
            (json!({"unclaimed": true}), vec!["--unclaimed"]),
            (
                json!({"ready": true, "lane": "modeling", "label": "recsys"}),
                vec!["--ready", "--lane", "modeling", "--label", "recsys"],
            ),
            (
                json!({"blocked": true, "unclaimed": true}),
                vec!["--blocked", "--unclaimed"],
            ),
        ] {
            let got = ok_call(&c, "list", args.clone()).await;
            let want = r.list_json(&cli);
            assert_eq!(got["cards"].as_array().unwrap(), &want, "{args}");
            assert_eq!(got["total"], json!(want.len()), "{args}");
        }
        let ready = ok_call(&c, "list", json!({"ready": true})).await;
        let ready = ids(ready["cards"].as_array().unwrap());
        assert_eq!(ready, [free.clone(), other_lane.clone()]);
        let blocked = ok_call(&c, "list", json!({"blocked": true})).await;
        assert_eq!(
            ids(blocked["cards"].as_array().unwrap()),
            vec![waits.clone()]
        );
        let unclaimed = ok_call(&c, "list", json!({"unclaimed": true})).await;
        assert!(!ids(unclaimed["cards"].as_array().unwrap()).contains(&held));
        let (kind, msg) = err_call(&c, "list", json!({"ready": true, "blocked": true})).await;
        assert_eq!(kind, "refused", "{msg}");
        // `show` answers what `lanes show --json` prints: links both ways,
        // blocked and what it waits on, ready, claimed, flags.
        for id in [&free, &held, &waits] {
            let shown = ok_call(&c, "show", json!({"card": id})).await;
            assert_eq!(shown["card"], r.show_json(id), "{id}");
        }
        let shown = ok_call(&c, "show", json!({"card": &waits})).await;
        assert_eq!(shown["card"]["blocked"], true);
        assert_eq!(shown["card"]["waits_on"][0]["id"], free.as_str());
        let shown = ok_call(&c, "show", json!({"card": &held})).await;
        assert_eq!(
            (&shown["card"]["claimed"], &shown["card"]["ready"]),
            (&json!(true), &json!(false))
        );
        assert_eq!(
            ok_call(&c, "show", json!({"card": &free})).await["card"]["blocks"],
            json!([waits])
        );
        // The tool's schema offers the three.
        let tools = c.list_all_tools().await.expect("tools");
        let list = tools.iter().find(|t| t.name == "list").unwrap();
        let props = &list.input_schema["properties"];
        for f in ["ready", "blocked", "unclaimed"] {
            assert!(props.get(f).is_some(), "{f} not offered: {props}");
        }
        c.cancel().await.expect("close");
    });
}

/// `list` answers a page at a time (an agent reads its answer whole): 100
/// cards by default, at most 1,000, with the total and the next offset.
#[test]
fn list_answers_in_pages() {
    let r = Repo::with_board("crisp-dm");
    let ids: Vec<String> = (0..5).map(|i| r.add(&format!("Card {i}"), &[])).collect();
    runtime().block_on(async {
        let c = connect(&r, &r.path, "test-agent", &[]).await;
        let page = |v: &Value| -> Vec<String> {
            v["cards"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string())
                .collect()
        };
        let all = ok_call(&c, "list", json!({})).await;
        assert_eq!(page(&all), ids);
        assert_eq!(all["total"], 5);
        assert_eq!(all["next_offset"], Value::Null);
        let first = ok_call(&c, "list", json!({"limit": 2})).await;
        assert_eq!(page(&first), ids[..2]);
        assert_eq!(first["next_offset"], 2);
        let last = ok_call(&c, "list", json!({"limit": 2, "offset": 4})).await;
        assert_eq!(page(&last), ids[4..]);
        assert_eq!(last["total"], 5);
        assert_eq!(last["next_offset"], Value::Null);
        for limit in [0, 1001] {
            let (kind, msg) = err_call(&c, "list", json!({"limit": limit})).await;
            assert_eq!(kind, "refused", "{msg}");
        }
        c.cancel().await.expect("close");
    });
}
