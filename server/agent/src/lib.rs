//! The turn loop: from a stored user message to a stored, streamed reply.
//!
//! A turn assembles the context (system prompt from `prompts/`, tenant facts, history
//! trimmed to a token budget, the tools this tenant and user may use), then alternates
//! model steps and concurrent tool calls until the model answers, within bounds on
//! steps, tokens and wall time. Everything it did is persisted in one transaction.

pub mod approvals;
mod budget;
pub mod escalation;
mod history;
mod pricing;
mod prompts;
mod registry;
mod turn;

pub use budget::TokenCounter;
pub use pricing::{ModelPrice, PriceTable};
pub use prompts::{Prompts, TenantFacts};
pub use registry::{ToolRegistry, UserRole};
pub use turn::{Agent, TurnError, TurnInput, TurnLimits, TurnOutcome};
