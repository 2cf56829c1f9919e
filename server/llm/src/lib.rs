//! Language models behind the core `ChatModel` trait.
//!
//! - [`openai`]: any OpenAI-compatible endpoint (OpenAI, Azure OpenAI, Ollama, vLLM,
//!   llama.cpp server) through async-openai, streaming, with our own retry policy.
//! - [`offline`]: the embedded default when no key is configured; a deterministic
//!   planner that drives the same tool loop.
//! - [`fallback`]: an ordered chain of providers tried in turn.

pub mod fallback;
pub mod offline;
pub mod openai;
#[cfg(feature = "test-utils")]
pub mod scripted_server;

pub use fallback::FallbackChain;
pub use openai::{OpenAiModel, OpenAiSettings};
