//! The chat-completions request as it goes on the wire, borrowed from our own types.
//!
//! async-openai's request types own their strings and schemas, so sending through them
//! copied the system prompt, the history and every tool schema into them on every model
//! call, then serialised and freed the copies. Borrowing here, and serialising each tool
//! set's schemas once ([`ToolSpecs::wire`]), removes that work from every step; the
//! streamed response is still parsed by async-openai's types (`create_stream_byot`).

use omnify_core::{ChatMessage, ChatRequest, Role, ToolCallRequest, ToolSpec, ToolSpecs};
use serde::Serialize;
use serde_json::value::RawValue;

#[derive(Serialize)]
pub struct Request<'a> {
    model: &'a str,
    messages: Vec<Message<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parallel_tool_calls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    stream: bool,
    stream_options: StreamOptions,
}

#[derive(Serialize)]
struct StreamOptions {
    /// Ask for the final usage chunk: tokens are what a turn costs.
    include_usage: bool,
}

impl<'a> Request<'a> {
    pub fn new(model: &'a str, request: &'a ChatRequest) -> Self {
        let offers_tools = !request.tools.is_empty();
        Self {
            model,
            messages: request.messages.iter().map(Message::from).collect(),
            tools: offers_tools.then(|| tools(&request.tools)),
            parallel_tool_calls: offers_tools.then_some(true),
            max_completion_tokens: request.max_output_tokens,
            temperature: request.temperature,
            stream: true,
            stream_options: StreamOptions {
                include_usage: true,
            },
        }
    }
}

/// The `tools` array, serialised once per tool set.
fn tools(specs: &ToolSpecs) -> &RawValue {
    specs.wire(|specs| {
        let tools: Vec<Tool<'_>> = specs.iter().map(Tool::from).collect();
        // Borrowed strings and `serde_json::Value`s always serialise (every map key is
        // a string); were that ever to break, offering no tools beats failing the turn.
        serde_json::value::to_raw_value(&tools).unwrap_or_else(|e| {
            tracing::error!(error = %e, "tool schemas did not serialise; offering none");
            RawValue::from_string("[]".to_owned()).unwrap_or_default()
        })
    })
}

#[derive(Serialize)]
struct Message<'a> {
    role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<Vec<ToolCall<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_call_id: Option<&'a str>,
}

impl<'a> From<&'a ChatMessage> for Message<'a> {
    fn from(m: &'a ChatMessage) -> Self {
        let text = Some(m.content.as_str());
        match m.role {
            Role::System => Self::plain("system", text),
            Role::User => Self::plain("user", text),
            Role::Assistant => Self {
                // An assistant message that only calls tools has no content at all.
                content: text.filter(|t| !t.is_empty()),
                tool_calls: (!m.tool_calls.is_empty())
                    .then(|| m.tool_calls.iter().map(ToolCall::from).collect()),
                ..Self::plain("assistant", None)
            },
            Role::Tool => Self {
                tool_call_id: Some(m.tool_call_id.as_deref().unwrap_or_default()),
                ..Self::plain("tool", text)
            },
        }
    }
}

impl<'a> Message<'a> {
    fn plain(role: &'static str, content: Option<&'a str>) -> Self {
        Self {
            role,
            content,
            tool_calls: None,
            tool_call_id: None,
        }
    }
}

#[derive(Serialize)]
struct ToolCall<'a> {
    id: &'a str,
    r#type: &'static str,
    function: FunctionCall<'a>,
}

#[derive(Serialize)]
struct FunctionCall<'a> {
    name: &'a str,
    arguments: &'a str,
}

impl<'a> From<&'a ToolCallRequest> for ToolCall<'a> {
    fn from(c: &'a ToolCallRequest) -> Self {
        Self {
            id: &c.id,
            r#type: "function",
            function: FunctionCall {
                name: &c.name,
                arguments: &c.arguments,
            },
        }
    }
}

#[derive(Serialize)]
struct Tool<'a> {
    r#type: &'static str,
    function: Function<'a>,
}

#[derive(Serialize)]
struct Function<'a> {
    name: &'a str,
    description: &'a str,
    parameters: &'a serde_json::Value,
}

impl<'a> From<&'a ToolSpec> for Tool<'a> {
    fn from(spec: &'a ToolSpec) -> Self {
        Self {
            r#type: "function",
            function: Function {
                name: &spec.name,
                description: &spec.description,
                parameters: &spec.parameters,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn a_turn_goes_on_the_wire_as_the_chat_completions_api_reads_it() {
        let call = ToolCallRequest {
            id: "call_1".into(),
            name: "get_marketing_performance".into(),
            arguments: r#"{"platform":"meta"}"#.into(),
        };
        let request = ChatRequest {
            messages: vec![
                ChatMessage::system("be brief"),
                ChatMessage::user("how did Meta do?"),
                ChatMessage::assistant_tool_calls("", vec![call]),
                ChatMessage::tool_result("call_1", "spend 10"),
                ChatMessage::assistant("Meta spent 10."),
            ],
            tools: vec![ToolSpec {
                name: "get_marketing_performance".into(),
                description: "Spend and revenue.".into(),
                parameters: json!({"type": "object", "properties": {}}),
                keywords: vec!["spend".into()],
            }]
            .into(),
            max_output_tokens: Some(1024),
            temperature: None,
        };
        let body = serde_json::to_value(Request::new("gpt-4o-mini", &request)).unwrap();
        assert_eq!(
            body,
            json!({
                "model": "gpt-4o-mini",
                "messages": [
                    {"role": "system", "content": "be brief"},
                    {"role": "user", "content": "how did Meta do?"},
                    {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
                        "function": {"name": "get_marketing_performance", "arguments": "{\"platform\":\"meta\"}"}}]},
                    {"role": "tool", "content": "spend 10", "tool_call_id": "call_1"},
                    {"role": "assistant", "content": "Meta spent 10."},
                ],
                "tools": [{"type": "function", "function": {"name": "get_marketing_performance",
                    "description": "Spend and revenue.", "parameters": {"type": "object", "properties": {}}}}],
                "parallel_tool_calls": true,
                "max_completion_tokens": 1024,
                "stream": true,
                "stream_options": {"include_usage": true},
            })
        );
        // The schemas are serialised once per tool set and shared by later requests.
        let again = Request::new("gpt-4o-mini", &request);
        assert!(std::ptr::eq(
            again.tools.unwrap(),
            Request::new("m", &request).tools.unwrap()
        ));
    }

    #[test]
    fn no_tools_means_no_tools_field() {
        let request = ChatRequest {
            messages: vec![ChatMessage::user("hi")],
            tools: ToolSpecs::default(),
            max_output_tokens: None,
            temperature: Some(0.0),
        };
        let body = serde_json::to_value(Request::new("m", &request)).unwrap();
        assert_eq!(body.get("tools"), None);
        assert_eq!(body.get("parallel_tool_calls"), None);
        assert_eq!(body["temperature"], json!(0.0));
    }
}
