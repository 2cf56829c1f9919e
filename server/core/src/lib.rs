//! Omnify's domain types, the traits every other crate implements, and their errors.
//!
//! This crate has no I/O of its own. The server wires concrete implementations of
//! these traits (an OpenAI-compatible model, a SQL store, platform connectors…) into
//! one `AppState`; tests wire the doubles from the `test-utils` feature instead.

pub mod action;
pub mod channel;
pub mod conversation;
pub mod escalation;
pub mod knowledge;
pub mod markdown;
pub mod model;
pub mod secret;
pub mod store;
pub mod tool;

#[cfg(feature = "test-utils")]
pub mod test_utils;

pub use action::{ActionStatus, ActionStore, PendingAction, ProposedChange, WriteAction};
pub use channel::{Channel, ChannelError, ChartFormat, OutboundEvent, chart_path};
pub use conversation::{
    ChannelKind, ConversationMode, InboundMessage, MessageRole, StoredMessage, ToolCallRecord,
    TurnUsage,
};
pub use escalation::{
    Escalation, EscalationStatus, EscalationStore, Expert, InterventionKind, NewEscalation, Urgency,
};
pub use knowledge::{Chunk, EmbeddedChunk, Embedder, KnowledgeError, VectorHit, VectorIndex};
pub use model::{
    ChatMessage, ChatModel, ChatRequest, ChatResponse, DeltaSink, ModelError, ModelErrorKind, Role,
    ToolCallRequest, ToolSpec, ToolSpecs, Usage,
};
pub use secret::Secret;
pub use store::{ConversationStore, InboundOutcome, StoreError, StoredChart};
pub use tool::{
    Chart, ChartBand, ChartKind, ChartMarker, ChartSeries, DateRange, Provenance, Tool,
    ToolContext, ToolEffect, ToolError, ToolOutput, parse_args,
};
