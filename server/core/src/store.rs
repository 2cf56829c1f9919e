//! What the turn loop needs from storage. The SQL implementation lives in omnify-store.

use crate::conversation::{
    ConversationMode, InboundMessage, StoredMessage, ToolCallRecord, TurnUsage,
};
use crate::tool::Chart;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("database error: {0}")]
    Database(String),
}

/// The result of recording an inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundOutcome {
    /// First time we see this event: it is stored and must be answered.
    /// `new_conversation` when this message started the conversation.
    New {
        conversation_id: String,
        message_id: String,
        new_conversation: bool,
    },
    /// A retry of an event already stored: do nothing.
    Duplicate {
        conversation_id: String,
        message_id: String,
    },
}

/// A chart a tool drew during a turn, kept so it can be shown again (history, a
/// reload) and fetched by URL. It belongs to its tenant: the id is unguessable, and
/// every read is also scoped to the tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredChart {
    pub id: String,
    pub tenant_id: String,
    pub conversation_id: String,
    /// The reply the chart belongs to (it is shown under that answer).
    pub message_id: String,
    /// The tool call that drew it.
    pub call_id: String,
    pub chart: Chart,
    /// Set by the store.
    pub created_at_us: i64,
}

#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// Store the message before anything else happens to it, creating the conversation
    /// on first contact. Idempotent on `(channel, event_id)`.
    async fn record_inbound(&self, message: &InboundMessage) -> Result<InboundOutcome, StoreError>;

    async fn conversation_mode(
        &self,
        conversation_id: &str,
    ) -> Result<ConversationMode, StoreError>;

    /// Messages of a conversation, oldest first.
    async fn history(&self, conversation_id: &str) -> Result<Vec<StoredMessage>, StoreError>;

    /// Tool calls of a conversation, oldest first.
    async fn tool_calls(&self, conversation_id: &str) -> Result<Vec<ToolCallRecord>, StoreError>;

    /// Store the bot's reply to `reply_to`, its tool calls and usage, and mark the user
    /// message answered — in one transaction, so a crash leaves either all or nothing.
    async fn record_reply(
        &self,
        reply_to: &str,
        reply: &StoredMessage,
        tool_calls: &[ToolCallRecord],
        usage: &TurnUsage,
    ) -> Result<(), StoreError>;

    /// Keep a chart drawn during a turn. Stored at once (not with the reply), because
    /// the chat shows it, and fetches it by URL, while the turn still runs.
    async fn save_chart(&self, chart: &StoredChart) -> Result<(), StoreError> {
        Err(StoreError::Database(format!(
            "this store does not keep charts (chart {})",
            chart.id
        )))
    }

    /// A chart of `tenant_id`; `None` when it does not exist or is another tenant's.
    async fn chart(&self, tenant_id: &str, id: &str) -> Result<Option<StoredChart>, StoreError> {
        let _ = (tenant_id, id);
        Ok(None)
    }

    /// The charts of a conversation, oldest first.
    async fn charts(&self, conversation_id: &str) -> Result<Vec<StoredChart>, StoreError> {
        let _ = conversation_id;
        Ok(Vec::new())
    }
}
