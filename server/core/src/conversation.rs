//! Conversations, messages and what a turn cost, as stored.

use serde::{Deserialize, Serialize};

/// The surface a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Api,
    Web,
    Slack,
    Discord,
    Cli,
}

impl ChannelKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Web => "web",
            Self::Slack => "slack",
            Self::Discord => "discord",
            Self::Cli => "cli",
        }
    }
}

/// Who is answering a conversation right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationMode {
    Bot,
    WaitingForExpert,
    WithExpert,
    Closed,
}

impl ConversationMode {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Bot => "bot",
            Self::WaitingForExpert => "waiting_for_expert",
            Self::WithExpert => "with_expert",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "bot" => Self::Bot,
            "waiting_for_expert" => Self::WaitingForExpert,
            "with_expert" => Self::WithExpert,
            "closed" => Self::Closed,
            _ => return None,
        })
    }
}

/// A message as it arrives from any surface, before anything else happens to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    pub tenant_id: String,
    pub channel: ChannelKind,
    /// Identifies the conversation on its surface: a Slack thread ts, a Discord
    /// thread id, or an Omnify conversation id for the API and web chat.
    pub conversation_key: String,
    pub author: String,
    pub text: String,
    /// The surface's own id for this event; a retry carries the same one.
    pub event_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageRole {
    User,
    Assistant,
    Expert,
    System,
}

impl MessageRole {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Assistant => "assistant",
            Self::Expert => "expert",
            Self::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "user" => Self::User,
            "assistant" => Self::Assistant,
            "expert" => Self::Expert,
            "system" => Self::System,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMessage {
    pub id: String,
    pub conversation_id: String,
    pub role: MessageRole,
    pub author: String,
    pub text: String,
    /// Microseconds since the Unix epoch.
    pub created_at_us: i64,
}

/// One tool call as persisted for audit and debugging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallRecord {
    pub conversation_id: String,
    pub message_id: String,
    pub call_id: String,
    pub name: String,
    pub arguments: String,
    pub duration_ms: u64,
    pub ok: bool,
    /// The tool's summary on success, the error on failure.
    pub result_summary: String,
}

/// Tokens and cost of one turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnUsage {
    pub conversation_id: String,
    pub message_id: String,
    pub model: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
    pub steps: u32,
}
