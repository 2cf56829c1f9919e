//! The seam between a turn and the surface that shows it (Slack, Discord, web).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// What a turn tells the surface as it runs. The web chat sends these as WebSocket
/// frames; Slack and Discord turn them into throttled message edits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutboundEvent {
    Delta {
        text: String,
    },
    ToolCall {
        id: String,
        name: String,
        arguments: serde_json::Value,
    },
    ToolResult {
        id: String,
        name: String,
        ok: bool,
        summary: String,
        duration_ms: u64,
    },
    Done {
        message_id: String,
        reply: String,
    },
    Error {
        message: String,
    },
    /// A human expert wrote in the conversation.
    ExpertMessage {
        author: String,
        text: String,
    },
    /// Who owns the conversation changed: `waiting` (an expert is on the way),
    /// `joined`, `left` (back to the bot) or `closed`.
    Handoff {
        status: String,
        expert: Option<String>,
        message: String,
    },
}

#[async_trait]
pub trait Channel: Send + Sync {
    /// Deliver one event to the conversation identified by `conversation_key`.
    async fn deliver(
        &self,
        conversation_key: &str,
        event: &OutboundEvent,
    ) -> Result<(), ChannelError>;
}

/// A delivery failure; logged, never shown to users.
#[derive(Debug, thiserror::Error)]
#[error("delivery failed: {0}")]
pub struct ChannelError(pub String);
