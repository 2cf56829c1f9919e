//! Stored messages and tool calls back into the model's message list.

use omnify_core::{ChatMessage, MessageRole, StoredMessage, ToolCallRecord, ToolCallRequest};
use std::collections::HashMap;

/// Rebuild the conversation as the model saw it: each earlier reply is preceded by
/// the tool calls it made and their summarised results, so follow-ups ("and for
/// TikTok?") can reuse what was asked before.
pub fn to_chat(messages: &[StoredMessage], calls: &[ToolCallRecord]) -> Vec<ChatMessage> {
    let mut by_reply: HashMap<&str, Vec<&ToolCallRecord>> = HashMap::new();
    for c in calls {
        by_reply.entry(c.message_id.as_str()).or_default().push(c);
    }
    let mut out = Vec::with_capacity(messages.len());
    for m in messages {
        match m.role {
            MessageRole::User => out.push(ChatMessage::user(&m.text)),
            MessageRole::Assistant => {
                if let Some(calls) = by_reply.get(m.id.as_str()) {
                    let requests = calls
                        .iter()
                        .map(|c| ToolCallRequest {
                            id: c.call_id.clone(),
                            name: c.name.clone(),
                            arguments: c.arguments.clone(),
                        })
                        .collect();
                    out.push(ChatMessage::assistant_tool_calls("", requests));
                    for c in calls {
                        out.push(ChatMessage::tool_result(
                            &c.call_id,
                            result_text(c.ok, &c.result_summary),
                        ));
                    }
                }
                out.push(ChatMessage::assistant(&m.text));
            }
            MessageRole::Expert => out.push(ChatMessage::assistant(format!(
                "[Expert {}] {}",
                m.author, m.text
            ))),
            MessageRole::System => out.push(ChatMessage::system(&m.text)),
        }
    }
    out
}

/// How a tool result reads to the model: the output's JSON on success, `error: …` on failure.
pub fn result_text(ok: bool, summary_or_error: &str) -> String {
    if ok {
        serde_json::json!({ "summary": summary_or_error }).to_string()
    } else {
        format!("error: {summary_or_error}")
    }
}
