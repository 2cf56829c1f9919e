//! Doubles for tests: a scripted model that answers from a list and checks it was used up.

use crate::model::{ChatModel, ChatRequest, ChatResponse, DeltaSink, ModelError};
use async_trait::async_trait;
use std::collections::VecDeque;
use std::sync::Mutex;

/// A `ChatModel` that returns the scripted steps in order and records every request.
/// Dropping it with steps left over panics, so a test cannot pass while skipping a step.
pub struct ScriptedModel {
    steps: Mutex<VecDeque<Result<ChatResponse, ModelError>>>,
    requests: Mutex<Vec<ChatRequest>>,
}

impl ScriptedModel {
    pub fn new(steps: Vec<Result<ChatResponse, ModelError>>) -> Self {
        Self {
            steps: Mutex::new(steps.into()),
            requests: Mutex::new(Vec::new()),
        }
    }

    pub fn requests(&self) -> Vec<ChatRequest> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for ScriptedModel {
    fn drop(&mut self) {
        let left = self.steps.lock().map(|s| s.len()).unwrap_or(0);
        if left > 0 && !std::thread::panicking() {
            panic!("ScriptedModel dropped with {left} unused step(s)");
        }
    }
}

#[async_trait]
impl ChatModel for ScriptedModel {
    fn model_name(&self) -> &str {
        "scripted"
    }

    fn context_window(&self) -> usize {
        128_000
    }

    async fn complete(
        &self,
        request: &ChatRequest,
        on_text: DeltaSink<'_>,
    ) -> Result<ChatResponse, ModelError> {
        if let Ok(mut r) = self.requests.lock() {
            r.push(request.clone());
        }
        let step = self
            .steps
            .lock()
            .ok()
            .and_then(|mut s| s.pop_front())
            .unwrap_or_else(|| panic!("ScriptedModel called more often than scripted"));
        if let Ok(resp) = &step
            && !resp.text.is_empty()
        {
            on_text(&resp.text);
        }
        step
    }
}
