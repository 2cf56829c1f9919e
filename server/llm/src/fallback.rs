//! An ordered chain of providers: the first that answers wins.

use async_trait::async_trait;
use omnify_core::{ChatModel, ChatRequest, ChatResponse, DeltaSink, ModelError, ModelErrorKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub struct FallbackChain {
    models: Vec<Arc<dyn ChatModel>>,
}

impl FallbackChain {
    /// `models` must not be empty; the first is the primary.
    pub fn new(models: Vec<Arc<dyn ChatModel>>) -> Option<Self> {
        (!models.is_empty()).then_some(Self { models })
    }
}

#[async_trait]
impl ChatModel for FallbackChain {
    fn model_name(&self) -> &str {
        self.models
            .first()
            .map(|m| m.model_name())
            .unwrap_or("none")
    }

    /// The smallest window in the chain, so a trimmed prompt fits whichever answers.
    fn context_window(&self) -> usize {
        self.models
            .iter()
            .map(|m| m.context_window())
            .min()
            .unwrap_or(0)
    }

    async fn complete(
        &self,
        request: &ChatRequest,
        on_text: DeltaSink<'_>,
    ) -> Result<ChatResponse, ModelError> {
        let mut last_error = None;
        for model in &self.models {
            // Once a provider has streamed text to the user, switching providers would
            // repeat or contradict it, so only a silent failure falls through.
            let streamed = AtomicBool::new(false);
            let sink = |t: &str| {
                streamed.store(true, Ordering::Relaxed);
                on_text(t);
            };
            match model.complete(request, &sink).await {
                Ok(response) => return Ok(response),
                // The caller trims the prompt and retries; another provider would fail too.
                Err(e) if e.kind == ModelErrorKind::ContextTooLong => return Err(e),
                Err(e) if streamed.load(Ordering::Relaxed) => return Err(e),
                Err(e) => {
                    tracing::warn!(provider = %e.provider, error = %e.message, "model failed, trying the next provider");
                    last_error = Some(e);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| {
            ModelError::new(ModelErrorKind::Permanent, "fallback", "no model configured")
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omnify_core::test_utils::ScriptedModel;
    use omnify_core::{ChatMessage, ChatResponse};

    fn request() -> ChatRequest {
        ChatRequest {
            messages: vec![ChatMessage::user("hi")],
            tools: Default::default(),
            max_output_tokens: None,
            temperature: None,
        }
    }

    fn answer(text: &str) -> ChatResponse {
        ChatResponse {
            text: text.into(),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn falls_through_to_the_next_provider_on_failure() {
        let down = Arc::new(ScriptedModel::new(vec![Err(ModelError::new(
            ModelErrorKind::Transient,
            "a",
            "503",
        ))]));
        let up = Arc::new(ScriptedModel::new(vec![Ok(answer("from b"))]));
        let chain = FallbackChain::new(vec![down, up]).unwrap();
        let got = chain.complete(&request(), &|_| {}).await.unwrap();
        assert_eq!(got.text, "from b");
    }

    #[tokio::test]
    async fn context_too_long_is_returned_not_passed_on() {
        let long = Arc::new(ScriptedModel::new(vec![Err(ModelError::new(
            ModelErrorKind::ContextTooLong,
            "a",
            "long",
        ))]));
        let never = Arc::new(ScriptedModel::new(vec![]));
        let chain = FallbackChain::new(vec![long, never]).unwrap();
        let err = chain.complete(&request(), &|_| {}).await.unwrap_err();
        assert_eq!(err.kind, ModelErrorKind::ContextTooLong);
    }
}
