//! The offline model: a deterministic planner that stands in for a language model
//! when no LLM key is configured, so `omnify serve` answers on a fresh machine.
//!
//! It runs through the same tool loop as a real model. Step one reads the user's
//! message and asks for tools (chosen by keyword overlap, arguments read off each
//! tool's JSON schema); step two, once the results are in, writes the answer from
//! their summaries with templates and never asks for tools again, so the loop ends.
//!
//! - `select`: which tools a message asks for
//! - `args`, `extract`, `dates`: the arguments, from the message and the schema
//! - `plan`: step one, including follow-ups ("and for TikTok?")
//! - `answer`: every sentence the model writes

mod answer;
mod args;
mod cite;
mod dates;
mod extract;
#[cfg(test)]
mod fixtures;
mod howto;
mod plan;
mod select;
mod text;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use omnify_core::{
    ChatModel, ChatRequest, ChatResponse, DeltaSink, ModelError, Role, ToolCallRequest, Usage,
};

use plan::Plan;

/// Tells the planner what "today" is, so "last week" resolves against the same day
/// the tools use.
pub type Clock = Arc<dyn Fn() -> NaiveDate + Send + Sync>;

/// The embedded default `ChatModel`: keyword planning and templated answers.
#[derive(Clone)]
pub struct OfflineModel {
    today: Clock,
}

impl OfflineModel {
    pub const NAME: &'static str = "offline";

    /// A model for which every day is `today` (tests, evals, the seeded demo brand).
    pub fn new(today: NaiveDate) -> Self {
        Self::with_clock(Arc::new(move || today))
    }

    /// A model that asks `clock` for today's date on every request.
    pub fn with_clock(clock: Clock) -> Self {
        Self { today: clock }
    }
}

impl std::fmt::Debug for OfflineModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfflineModel")
            .field("today", &(self.today)())
            .finish()
    }
}

#[async_trait]
impl ChatModel for OfflineModel {
    fn model_name(&self) -> &str {
        Self::NAME
    }

    fn context_window(&self) -> usize {
        128_000
    }

    fn is_offline(&self) -> bool {
        true
    }

    async fn complete(
        &self,
        request: &ChatRequest,
        on_text: DeltaSink<'_>,
    ) -> Result<ChatResponse, ModelError> {
        let last_role = request
            .messages
            .iter()
            .rev()
            .find(|m| m.role != Role::System)
            .map(|m| m.role);
        let (text, tool_calls) = match last_role {
            // Results are in: answer from them, and never call tools again, which is
            // what guarantees the turn loop ends.
            Some(Role::Tool) => (answer::from_results(&request.messages), Vec::new()),
            _ => match plan::plan(request, (self.today)()) {
                Plan::Calls(calls) => (String::new(), calls),
                Plan::Reply(text) => (text, Vec::new()),
            },
        };
        for chunk in sentence_chunks(&text) {
            on_text(chunk);
        }
        let usage = Usage {
            prompt_tokens: prompt_tokens(request),
            completion_tokens: completion_tokens(&text, &tool_calls),
        };
        Ok(ChatResponse {
            text,
            tool_calls,
            usage,
            model: Self::NAME.to_string(),
        })
    }
}

/// The text cut after each sentence end and line break, so streaming surfaces see
/// it arrive in pieces. The pieces concatenate back to `text` exactly.
fn sentence_chunks(text: &str) -> Vec<&str> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|(_, n)| *n);
        let boundary = c == '\n'
            || (matches!(c, '.' | '?' | '!') && next.is_some_and(|n| n == ' ' || n == '\n'));
        if boundary {
            // Keep a following space with the sentence it ends.
            let mut end = i + c.len_utf8();
            if next == Some(' ') {
                end += 1;
                chars.next();
            }
            chunks.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        chunks.push(&text[start..]);
    }
    chunks
}

/// About four tokens for every three words: close enough for budgets and cost
/// reports, and the offline model has no tokenizer of its own.
fn approximate_tokens(words: usize) -> u64 {
    u64::try_from(words.saturating_mul(4) / 3).unwrap_or(u64::MAX)
}

fn prompt_tokens(request: &ChatRequest) -> u64 {
    let words = request
        .messages
        .iter()
        .map(|m| count_words(&m.content))
        .sum::<usize>()
        + request
            .tools
            .iter()
            .map(|t| count_words(&t.description) + count_words(&t.parameters.to_string()))
            .sum::<usize>();
    approximate_tokens(words)
}

fn completion_tokens(text: &str, calls: &[ToolCallRequest]) -> u64 {
    approximate_tokens(
        count_words(text)
            + calls
                .iter()
                .map(|c| count_words(&c.arguments) + 1)
                .sum::<usize>(),
    )
}

fn count_words(text: &str) -> usize {
    text.split_whitespace().count()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Mutex;

    use omnify_core::ChatMessage;
    use serde_json::{Value, json};

    use super::*;
    use crate::offline::fixtures::{spec_tools, today};

    fn request(messages: Vec<ChatMessage>) -> ChatRequest {
        ChatRequest {
            messages,
            tools: spec_tools().into(),
            max_output_tokens: None,
            temperature: None,
        }
    }

    /// Runs one step and returns the response with the deltas streamed.
    async fn step(messages: Vec<ChatMessage>) -> (ChatResponse, Vec<String>) {
        let model = OfflineModel::new(today());
        let deltas = Mutex::new(Vec::new());
        let sink = |d: &str| deltas.lock().unwrap().push(d.to_string());
        let response = model.complete(&request(messages), &sink).await.unwrap();
        (response, deltas.into_inner().unwrap())
    }

    #[test]
    fn identifies_as_offline() {
        let model = OfflineModel::new(today());
        assert_eq!(model.model_name(), "offline");
        assert!(model.is_offline());
        assert_eq!(model.context_window(), 128_000);
    }

    #[tokio::test]
    async fn a_question_becomes_tool_calls_then_an_answer() {
        let mut messages = vec![
            ChatMessage::system("You are Omnify."),
            ChatMessage::user("how did Meta do last week against Google?"),
        ];
        let (first, deltas) = step(messages.clone()).await;
        assert!(first.text.is_empty() && deltas.is_empty());
        assert_eq!(first.model, "offline");
        let ids: Vec<&str> = first.tool_calls.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["call_1", "call_2"]);
        let args: Vec<Value> = first
            .tool_calls
            .iter()
            .map(|c| serde_json::from_str(&c.arguments).unwrap())
            .collect();
        let week = json!({"since": "2026-11-16", "until": "2026-11-22"});
        assert_eq!(
            args,
            [
                json!({"platform": "meta", "date_range": week}),
                json!({"platform": "google", "date_range": week})
            ]
        );
        assert!(first.usage.prompt_tokens > 0 && first.usage.completion_tokens > 0);

        messages.push(ChatMessage::assistant_tool_calls(
            "",
            first.tool_calls.clone(),
        ));
        messages.push(ChatMessage::tool_result(
            "call_1",
            json!({"summary": "Meta spent $1,200 for 40 purchases (ROAS 3.1).", "data": {}, "provenance": [
                {"platform": "meta", "account": "act_1", "date_range": week, "query": "insights"}
            ]})
            .to_string(),
        ));
        messages.push(ChatMessage::tool_result(
            "call_2",
            "error: Google Ads token expired: reconnect Google Ads",
        ));
        let (second, deltas) = step(messages).await;
        assert!(
            second.tool_calls.is_empty(),
            "the loop must end once results are in"
        );
        assert!(
            second
                .text
                .contains("Meta spent $1,200 for 40 purchases (ROAS 3.1)."),
            "{}",
            second.text
        );
        assert!(
            second
                .text
                .contains("Meta, account act_1, 2026-11-16 to 2026-11-22"),
            "{}",
            second.text
        );
        assert!(second.text.contains(
            "I couldn't get marketing performance for Google Ads: Google Ads token expired"
        ));
        assert!(second.text.contains("Reconnect Google"));
        assert!(second.text.ends_with(answer::RESULTS_NOTE));
        assert!(deltas.len() > 2, "streamed in pieces: {deltas:?}");
        assert_eq!(deltas.concat(), second.text);
    }

    #[tokio::test]
    async fn an_unmatched_message_is_answered_directly() {
        let (response, deltas) =
            step(vec![ChatMessage::user("tell me a joke about penguins")]).await;
        assert!(response.tool_calls.is_empty());
        assert!(response.text.contains("What would you like to know?"));
        assert!(response.text.ends_with(answer::PLANNER_NOTE));
        assert_eq!(deltas.concat(), response.text);
    }

    #[tokio::test]
    async fn the_clock_is_read_per_request() {
        let model =
            OfflineModel::with_clock(Arc::new(|| NaiveDate::from_ymd_opt(2026, 3, 4).unwrap()));
        let request = request(vec![ChatMessage::user("ROAS yesterday")]);
        let response = model.complete(&request, &|_| {}).await.unwrap();
        let args: Value = serde_json::from_str(&response.tool_calls[0].arguments).unwrap();
        assert_eq!(
            args["date_range"],
            json!({"since": "2026-03-03", "until": "2026-03-03"})
        );
    }

    #[test]
    fn chunks_concatenate_to_the_text() {
        let text = "One. Two? Three!\nFour 3.1 five.";
        let chunks = sentence_chunks(text);
        assert_eq!(chunks, ["One. ", "Two? ", "Three!", "\n", "Four 3.1 five."]);
        assert_eq!(chunks.concat(), text);
    }
}
