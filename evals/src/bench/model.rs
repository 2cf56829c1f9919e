//! The zero-latency scripted model every suite's turns run against, served in the
//! bench process. Every turn is two model calls: the user's message is answered with
//! one tool call, the tool result with a short final answer.

use anyhow::{Context, Result};
use omnify_llm::scripted_server::{Reply, ScriptedServer};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The question every turn asks.
pub const MESSAGE: &str = "how did Meta do last week?";
/// Omnify's tool and the arguments the scripted model calls it with: Meta, the last
/// seven days before the pinned "today" (2026-11-25), platform totals only, no
/// previous period, so the emulator does as little as the tool allows.
pub const PERFORMANCE_TOOL: &str = "get_marketing_performance";
pub const PERFORMANCE_ARGS: &str = r#"{"platform":"meta","date_range":{"since":"2026-11-18","until":"2026-11-24"},"level":"platform","compare_previous":false}"#;
pub const TODAY: &str = "2026-11-25";
const FINAL_ANSWER: &str =
    "Meta spent $12,450 last week and brought in $48,211 of revenue, a ROAS of 3.87.";

/// The scripted model, counting its calls so a report can show two per turn.
pub struct Model {
    pub server: ScriptedServer,
    calls: Arc<AtomicU64>,
}

impl Model {
    pub async fn start() -> Result<Self> {
        let calls = Arc::new(AtomicU64::new(0));
        let counter = calls.clone();
        let server = ScriptedServer::start_with(Arc::new(move |request: &Value| {
            counter.fetch_add(1, Ordering::Relaxed);
            respond(request)
        }))
        .await
        .context("cannot start the scripted model")?;
        Ok(Self { server, calls })
    }

    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    pub fn url(&self) -> String {
        self.server.base_url()
    }
}

/// One turn's script, decided from the request alone so any agent framework can use
/// it: answer the user's message with a tool call, and a tool result with the answer.
fn respond(request: &Value) -> Reply {
    let last_role = request["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["role"].as_str());
    if last_role != Some("user") {
        return Reply::text(FINAL_ANSWER);
    }
    match pick_tool(request) {
        Some((name, true)) => Reply::tool(&name, PERFORMANCE_ARGS),
        Some((name, false)) => Reply::tool(&name, "{}"),
        None => Reply::text(FINAL_ANSWER),
    }
}

/// Omnify's performance tool when offered, else the first tool; with whether it has
/// required parameters (the peer's fixed-result tool takes none).
fn pick_tool(request: &Value) -> Option<(String, bool)> {
    let tools = request["tools"].as_array()?;
    let tool = tools
        .iter()
        .find(|t| t["function"]["name"] == PERFORMANCE_TOOL)
        .or_else(|| tools.first())?;
    let name = tool["function"]["name"].as_str()?.to_string();
    let has_required = tool["function"]["parameters"]["required"]
        .as_array()
        .is_some_and(|r| !r.is_empty());
    Some((name, has_required))
}
