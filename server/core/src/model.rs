//! The seam between the turn loop and a language model.

use async_trait::async_trait;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
}

/// A tool call the model asked for. `arguments` is the raw JSON text the model wrote,
/// which may be malformed: the turn loop validates it, not the provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallRequest {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// One message of the conversation as the model sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
    /// Tool calls an assistant message made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCallRequest>,
    /// For `Role::Tool`: which call this is the result of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    pub fn system(content: impl Into<String>) -> Self {
        Self::plain(Role::System, content)
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self::plain(Role::User, content)
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::plain(Role::Assistant, content)
    }
    pub fn assistant_tool_calls(content: impl Into<String>, calls: Vec<ToolCallRequest>) -> Self {
        Self {
            tool_calls: calls,
            ..Self::plain(Role::Assistant, content)
        }
    }
    pub fn tool_result(call_id: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            tool_call_id: Some(call_id.into()),
            ..Self::plain(Role::Tool, content)
        }
    }
    fn plain(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

/// What the model is told about a tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON Schema of the arguments object.
    pub parameters: serde_json::Value,
    /// Words a marketer would use when they want this tool. Never sent to a remote
    /// model; the offline planner matches messages against them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
}

/// The tools offered in a request. A tenant's tool set is built once and shared by every
/// step of every turn that offers it: cloning is a reference count, and the wire form of
/// the schemas is serialised once, not per request (schemas are most of a request).
#[derive(Clone, Default)]
pub struct ToolSpecs(Arc<SpecsInner>);

#[derive(Default)]
struct SpecsInner {
    specs: Vec<ToolSpec>,
    /// The schemas as a provider sends them, built by the provider on first use.
    wire: OnceLock<Box<RawValue>>,
}

impl ToolSpecs {
    pub fn new(specs: Vec<ToolSpec>) -> Self {
        Self(Arc::new(SpecsInner {
            specs,
            wire: OnceLock::new(),
        }))
    }

    /// The specs in a provider's wire format, built with `build` the first time and
    /// remembered. One provider format per set: every provider we speak takes OpenAI's
    /// `tools` array, so the first builder's form is the one kept.
    pub fn wire(&self, build: impl FnOnce(&[ToolSpec]) -> Box<RawValue>) -> &RawValue {
        self.0.wire.get_or_init(|| build(&self.0.specs))
    }
}

impl Deref for ToolSpecs {
    type Target = [ToolSpec];
    fn deref(&self) -> &[ToolSpec] {
        &self.0.specs
    }
}

impl From<Vec<ToolSpec>> for ToolSpecs {
    fn from(specs: Vec<ToolSpec>) -> Self {
        Self::new(specs)
    }
}

impl std::fmt::Debug for ToolSpecs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for ToolSpecs {
    fn eq(&self, other: &Self) -> bool {
        self[..] == other[..]
    }
}

impl Serialize for ToolSpecs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.specs.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ToolSpecs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<ToolSpec>::deserialize(deserializer).map(Self::new)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub messages: Vec<ChatMessage>,
    pub tools: ToolSpecs,
    pub max_output_tokens: Option<u32>,
    pub temperature: Option<f32>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, rhs: Self) {
        self.prompt_tokens += rhs.prompt_tokens;
        self.completion_tokens += rhs.completion_tokens;
    }
}

/// One completed model step: text, tool calls, or both.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatResponse {
    pub text: String,
    pub tool_calls: Vec<ToolCallRequest>,
    pub usage: Usage,
    /// The model that actually answered (after any fallback), for pricing.
    pub model: String,
}

/// Receives text as the model streams it.
pub type DeltaSink<'a> = &'a (dyn Fn(&str) + Send + Sync);

/// How the caller should react to a failed model call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelErrorKind {
    /// Worth retrying (429, 5xx, timeout, connection reset).
    Transient,
    /// Retrying the same request will fail again (bad key, unknown model, bad request).
    Permanent,
    /// The prompt is longer than the model's context window: trim and retry.
    ContextTooLong,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind:?} model error from {provider}: {message}")]
pub struct ModelError {
    pub kind: ModelErrorKind,
    pub provider: String,
    pub message: String,
    /// What the provider asked us to wait before retrying (`Retry-After`).
    pub retry_after: Option<Duration>,
}

impl ModelError {
    pub fn new(
        kind: ModelErrorKind,
        provider: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            provider: provider.into(),
            message: message.into(),
            retry_after: None,
        }
    }
}

#[async_trait]
pub trait ChatModel: Send + Sync {
    /// The model id used for pricing and logs, e.g. `gpt-4o-mini` or `offline`.
    fn model_name(&self) -> &str;

    /// Tokens the model accepts in one request (prompt + completion).
    fn context_window(&self) -> usize;

    /// True for the offline planner, so answers can say they were written offline.
    fn is_offline(&self) -> bool {
        false
    }

    /// Run one completion, calling `on_text` with each text fragment as it arrives.
    async fn complete(
        &self,
        request: &ChatRequest,
        on_text: DeltaSink<'_>,
    ) -> Result<ChatResponse, ModelError>;
}
