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
    /// A tool drew a chart; it belongs under the answer being written. Sent after the
    /// tool's `ToolResult`, once the chart is stored, so its URLs work at once. The
    /// URLs are paths on this server; they need the same credentials as the
    /// conversation (API key, or the widget's `?visitor_token=`).
    Chart {
        /// Unguessable; the chart is also scoped to the conversation's tenant.
        id: String,
        /// The tool call that drew it.
        tool_call_id: String,
        /// Also the image's alternative text.
        title: String,
        svg_url: String,
        png_url: String,
    },
}

impl OutboundEvent {
    /// The event announcing the stored chart `id`.
    pub fn chart(id: &str, tool_call_id: &str, title: &str) -> Self {
        Self::Chart {
            id: id.to_string(),
            tool_call_id: tool_call_id.to_string(),
            title: title.to_string(),
            svg_url: chart_path(id, ChartFormat::Svg),
            png_url: chart_path(id, ChartFormat::Png),
        }
    }
}

/// How a stored chart is fetched: SVG for web pages, PNG for chat uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartFormat {
    Svg,
    Png,
}

impl ChartFormat {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Svg => "svg",
            Self::Png => "png",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Svg => "image/svg+xml",
            Self::Png => "image/png",
        }
    }
}

/// The server path of a stored chart, e.g. `/api/v1/charts/9f…c2.svg`.
pub fn chart_path(id: &str, format: ChartFormat) -> String {
    format!("/api/v1/charts/{id}.{}", format.extension())
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
