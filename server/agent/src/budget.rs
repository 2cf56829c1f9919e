//! Counting tokens and trimming history to fit the model's context window.

use omnify_core::{ChatMessage, ToolSpec};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use tiktoken_rs::CoreBPE;

/// Per-message overhead of the chat format (role markers), as OpenAI documents it.
const PER_MESSAGE: usize = 4;

/// Counts tokens with o200k_base, the encoding of current OpenAI models; for other
/// models it is a close, slightly generous estimate, which is the safe direction.
pub struct TokenCounter {
    bpe: &'static CoreBPE,
    /// Counts of texts sent on every turn (system prompts, tool schemas), by hash.
    repeated: Mutex<HashMap<u64, usize>>,
}

/// Enough for every tenant's system prompt and tool set of a busy day.
const REPEATED_CAPACITY: usize = 4096;

impl TokenCounter {
    pub fn new() -> Self {
        Self {
            bpe: tiktoken_rs::o200k_base_singleton(),
            repeated: Mutex::new(HashMap::new()),
        }
    }

    /// Like [`TokenCounter::text`], remembered: for the texts every turn repeats.
    pub fn repeated_text(&self, text: &str) -> usize {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut hasher);
        let key = hasher.finish();
        if let Some(n) = self.repeated.lock().ok().and_then(|m| m.get(&key).copied()) {
            return n;
        }
        let n = self.text(text);
        if let Ok(mut m) = self.repeated.lock() {
            if m.len() >= REPEATED_CAPACITY {
                m.clear();
            }
            m.insert(key, n);
        }
        n
    }

    pub fn text(&self, text: &str) -> usize {
        self.bpe.encode_with_special_tokens(text).len()
    }

    pub fn message(&self, m: &ChatMessage) -> usize {
        let calls: usize = m
            .tool_calls
            .iter()
            .map(|c| self.text(&c.name) + self.text(&c.arguments))
            .sum();
        PER_MESSAGE + self.text(&m.content) + calls
    }

    pub fn tools(&self, tools: &[ToolSpec]) -> usize {
        tools
            .iter()
            .map(|t| {
                self.repeated_text(&t.name)
                    + self.repeated_text(&t.description)
                    + self.repeated_text(&t.parameters.to_string())
            })
            .sum()
    }

    /// Keep the newest messages that fit in `budget` tokens. The last message (the
    /// question being answered) is always kept, and a tool result is never kept
    /// without the assistant message that asked for it.
    pub fn trim(&self, history: Vec<ChatMessage>, budget: usize) -> Vec<ChatMessage> {
        let mut used = 0;
        let mut keep_from = history.len();
        for (i, m) in history.iter().enumerate().rev() {
            let cost = self.message(m);
            if used + cost > budget && keep_from < history.len() {
                break;
            }
            used += cost;
            keep_from = i;
        }
        // Do not start on orphaned tool results.
        while keep_from < history.len().saturating_sub(1)
            && history[keep_from].role == omnify_core::Role::Tool
        {
            keep_from += 1;
        }
        history.into_iter().skip(keep_from).collect()
    }
}

impl Default for TokenCounter {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omnify_core::{ChatMessage, Role, ToolCallRequest};

    #[test]
    fn counts_like_o200k() {
        let c = TokenCounter::new();
        assert_eq!(c.text("hello world"), 2);
        assert_eq!(c.repeated_text("hello world"), 2);
        assert_eq!(c.repeated_text("hello world"), 2, "from the cache");
        assert_eq!(c.message(&ChatMessage::user("hello world")), 6);
    }

    #[test]
    fn trim_keeps_the_newest_messages_and_always_the_question() {
        let c = TokenCounter::new();
        let history: Vec<_> = (0..10)
            .map(|i| ChatMessage::user(format!("message number {i}")))
            .collect();
        let one = c.message(&history[9]);
        let trimmed = c.trim(history.clone(), one * 3);
        assert_eq!(trimmed, history[7..].to_vec());
        let tiny = c.trim(history.clone(), 1);
        assert_eq!(
            tiny,
            history[9..].to_vec(),
            "the question survives any budget"
        );
    }

    #[test]
    fn trim_never_starts_on_a_tool_result() {
        let c = TokenCounter::new();
        let call = ToolCallRequest {
            id: "c1".into(),
            name: "t".into(),
            arguments: "{}".into(),
        };
        let history = vec![
            ChatMessage::user("a long question ".repeat(50)),
            ChatMessage::assistant_tool_calls("", vec![call]),
            ChatMessage::tool_result("c1", "result"),
            ChatMessage::assistant("answer"),
            ChatMessage::user("next"),
        ];
        let budget = c.message(&history[2]) + c.message(&history[3]) + c.message(&history[4]);
        let trimmed = c.trim(history, budget);
        assert_eq!(trimmed.first().map(|m| m.role), Some(Role::Assistant));
        assert_eq!(trimmed.len(), 2);
    }
}
