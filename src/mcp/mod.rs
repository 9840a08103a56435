//! `lanes mcp`: the board for agents, over the Model Context Protocol on
//! stdio (the official Rust SDK, `rmcp`). The tools call the library in
//! this process: every write goes through [`crate::ops::apply`], one
//! commit exactly as the command line makes it, with the agent named in
//! the journal and in a `Lanes-Agent` trailer. The async runtime lives
//! here alone: a single-threaded tokio runtime that runs the protocol,
//! with the blocking git work on tokio's blocking threads.
//!
//! Guards: the server never rewrites the journal, deletes cards, changes
//! `board.yaml` or runs commands; it reads only inside the board's
//! repository (evidence paths are confined as for the CLI); its inputs are
//! bounded as the CLI bounds them.

mod board;
mod tools;
mod warm;

pub use board::locate;
pub use tools::Server;

use anyhow::{Context as _, Result};
use std::path::PathBuf;

/// How the server was started.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where boards are found when a call names none and the client
    /// gives no roots: the server's working folder.
    pub cwd: PathBuf,
    /// The agent's name for commits and journal entries (`--as`);
    /// otherwise the MCP client's name from its `initialize`.
    pub agent: Option<String>,
}

/// Serve MCP on stdin/stdout until the client closes the connection.
pub fn serve(opts: Options) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the MCP server's runtime")?;
    runtime.block_on(async move {
        use rmcp::ServiceExt;
        let service = Server::new(opts)
            .serve(rmcp::transport::stdio())
            .await
            .context("the MCP client did not initialize")?;
        service
            .waiting()
            .await
            .context("the MCP connection failed")?;
        Ok(())
    })
}

/// The client configuration a person pastes into their agent, for
/// `lanes mcp --help` and docs/AGENTS.md.
pub const CLIENT_HELP: &str = r#"Configure your agent:
Claude Code:   claude mcp add lanes -- lanes mcp
Codex (~/.codex/config.toml):
    [mcp_servers.lanes]
    command = "lanes"
    args = ["mcp"]
Cursor, Claude Desktop and others (mcp.json / claude_desktop_config.json):
    { "mcpServers": { "lanes": { "command": "lanes", "args": ["mcp"] } } }"#;
