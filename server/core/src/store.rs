//! What the turn loop needs from storage. The SQL implementation lives in omnify-store.

use crate::conversation::{
    ConversationMode, InboundMessage, StoredMessage, ToolCallRecord, TurnUsage,
};
use async_trait::async_trait;

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
}
