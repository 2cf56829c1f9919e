//! Any OpenAI-compatible chat-completions endpoint, streamed.

mod classify;
pub mod retry;
mod wire;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::types::chat::CreateChatCompletionStreamResponse;
use async_trait::async_trait;
use futures_util::StreamExt;
use omnify_core::{
    ChatModel, ChatRequest, ChatResponse, DeltaSink, ModelError, ModelErrorKind, Secret,
    ToolCallRequest, Usage,
};
pub use retry::RetryPolicy;
use std::collections::BTreeMap;
use std::time::Duration;

/// One configured provider.
#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    /// A label for logs and errors, e.g. "openai" or "local-vllm".
    pub name: String,
    /// e.g. `https://api.openai.com/v1`, `http://localhost:11434/v1` (Ollama).
    pub base_url: String,
    pub api_key: Secret,
    pub model: String,
    pub context_window: usize,
    pub retry: RetryPolicy,
    /// Longest silence tolerated between two stream chunks.
    pub stream_idle_timeout: Duration,
}

pub struct OpenAiModel {
    settings: OpenAiSettings,
    client: Client<OpenAIConfig>,
}

impl OpenAiModel {
    pub fn new(settings: OpenAiSettings) -> Result<Self, ModelError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(256)
            .build()
            .map_err(|e| {
                ModelError::new(ModelErrorKind::Permanent, &settings.name, e.to_string())
            })?;
        let config = OpenAIConfig::new()
            .with_api_base(settings.base_url.trim_end_matches('/'))
            .with_api_key(settings.api_key.expose());
        let transport =
            retry::RetryingTransport::new(http, settings.retry.clone(), settings.name.clone());
        let client = Client::with_config(config).with_http_service(transport);
        Ok(Self { settings, client })
    }
}

/// A tool call being reassembled from its stream fragments, keyed by `index`.
#[derive(Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

#[async_trait]
impl ChatModel for OpenAiModel {
    fn model_name(&self) -> &str {
        &self.settings.model
    }

    fn context_window(&self) -> usize {
        self.settings.context_window
    }

    async fn complete(
        &self,
        request: &ChatRequest,
        on_text: DeltaSink<'_>,
    ) -> Result<ChatResponse, ModelError> {
        let provider = self.settings.name.as_str();
        let mut stream = self
            .client
            .chat()
            .create_stream_byot::<_, CreateChatCompletionStreamResponse>(wire::Request::new(
                &self.settings.model,
                request,
            ))
            .await
            .map_err(|e| classify::classify(provider, e))?;

        let mut text = String::new();
        let mut calls: BTreeMap<u32, PartialCall> = BTreeMap::new();
        let mut usage = Usage::default();
        let mut model = self.settings.model.clone();
        loop {
            let next = tokio::time::timeout(self.settings.stream_idle_timeout, stream.next()).await;
            let chunk = match next {
                Err(_) => {
                    return Err(ModelError::new(
                        ModelErrorKind::Transient,
                        provider,
                        format!("stream stalled for {:?}", self.settings.stream_idle_timeout),
                    ));
                }
                Ok(None) => break,
                Ok(Some(chunk)) => chunk.map_err(|e| classify::classify(provider, e))?,
            };
            if !chunk.model.is_empty() {
                model = chunk.model;
            }
            if let Some(u) = chunk.usage {
                usage = Usage {
                    prompt_tokens: u.prompt_tokens.into(),
                    completion_tokens: u.completion_tokens.into(),
                };
            }
            for choice in chunk.choices {
                if let Some(content) = choice.delta.content.filter(|c| !c.is_empty()) {
                    on_text(&content);
                    text.push_str(&content);
                }
                for fragment in choice.delta.tool_calls.unwrap_or_default() {
                    let call = calls.entry(fragment.index).or_default();
                    if let Some(id) = fragment.id {
                        call.id = id;
                    }
                    if let Some(f) = fragment.function {
                        if let Some(name) = f.name {
                            call.name.push_str(&name);
                        }
                        if let Some(args) = f.arguments {
                            call.arguments.push_str(&args);
                        }
                    }
                }
            }
        }
        let tool_calls = calls
            .into_iter()
            .map(|(index, c)| ToolCallRequest {
                id: if c.id.is_empty() {
                    format!("call_{index}")
                } else {
                    c.id
                },
                name: c.name,
                arguments: c.arguments,
            })
            .collect();
        Ok(ChatResponse {
            text,
            tool_calls,
            usage,
            model,
        })
    }
}
