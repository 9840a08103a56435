//! An MCP client for `lanes mcp`: rmcp's client side driving the real
//! binary over stdio, as an agent does.

use super::Repo;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientInfo, Implementation,
};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{Peer, RoleClient, ServiceExt};
use serde_json::Value;
use std::path::Path;

pub type Client = RunningService<RoleClient, ClientInfo>;

/// The runtime a test drives its client on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Start `lanes mcp [args]` in `dir` as the client named `agent`.
pub async fn connect(r: &Repo, dir: &Path, agent: &str, args: &[&str]) -> Client {
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

pub async fn call(c: &Peer<RoleClient>, tool: &str, args: Value) -> CallToolResult {
    let Value::Object(args) = args else {
        panic!("arguments must be an object");
    };
    c.call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args))
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"))
}

/// A call that must succeed: its structured content.
pub async fn ok_call(c: &Peer<RoleClient>, tool: &str, args: Value) -> Value {
    let r = call(c, tool, args).await;
    assert_ne!(r.is_error, Some(true), "{tool} failed: {r:?}");
    let what = format!("{r:?}");
    r.structured_content
        .unwrap_or_else(|| panic!("{tool}: no structured content: {what}"))
}

/// A call that must fail: its error's kind and message.
pub async fn err_call(c: &Peer<RoleClient>, tool: &str, args: Value) -> (String, String) {
    let r = call(c, tool, args).await;
    assert_eq!(r.is_error, Some(true), "{tool} should fail: {r:?}");
    let e = r.structured_content.expect("a structured error");
    (
        e["kind"].as_str().unwrap_or_default().to_string(),
        e["message"].as_str().unwrap_or_default().to_string(),
    )
}
