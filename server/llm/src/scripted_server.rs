//! A scripted OpenAI-compatible server for tests and benchmarks.
//!
//! It speaks the real wire format of `POST /v1/chat/completions`: a JSON completion,
//! or with `"stream": true` server-sent events whose chunks carry `id`, `object`,
//! `created`, `model` and `choices`, tool-call deltas split across chunks, a final
//! usage chunk with empty `choices`, and `data: [DONE]`. Errors come back as OpenAI
//! does: a status code and `{"error": {...}}`, with `Retry-After` on 429.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Assistant text, streamed in pieces of `chunk_chars` characters.
    Text(String),
    /// Tool calls `(name, arguments JSON)` in one step.
    ToolCalls(Vec<(String, String)>),
    /// An error status with an OpenAI error body and an optional `Retry-After` (seconds).
    Error {
        status: u16,
        code: String,
        message: String,
        retry_after: Option<u64>,
    },
    /// Wait, then answer.
    Delayed(Duration, Box<Reply>),
}

impl Reply {
    pub fn text(t: &str) -> Self {
        Self::Text(t.into())
    }
    pub fn tool(name: &str, args: &str) -> Self {
        Self::ToolCalls(vec![(name.into(), args.into())])
    }
    pub fn rate_limited(retry_after: u64) -> Self {
        Self::Error {
            status: 429,
            code: "rate_limit_exceeded".into(),
            message: "Rate limit reached, please retry".into(),
            retry_after: Some(retry_after),
        }
    }
    pub fn context_too_long() -> Self {
        Self::Error {
            status: 400,
            code: "context_length_exceeded".into(),
            message: "This model's maximum context length is 4096 tokens.".into(),
            retry_after: None,
        }
    }
    pub fn server_error() -> Self {
        Self::Error {
            status: 503,
            code: "server_error".into(),
            message: "overloaded".into(),
            retry_after: None,
        }
    }
}

/// Decides a reply from the request, for endless scripts such as benchmarks.
pub type Responder = Arc<dyn Fn(&Value) -> Reply + Send + Sync>;

struct Script {
    replies: Mutex<VecDeque<Reply>>,
    responder: Option<Responder>,
    requests: Mutex<Vec<Value>>,
    record: bool,
    chunk_chars: usize,
}

/// A running scripted server; stops when dropped.
pub struct ScriptedServer {
    pub addr: SocketAddr,
    script: Arc<Script>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl ScriptedServer {
    /// Serve `replies` in order; a request past the end gets a 500 the test will see.
    pub async fn start(replies: Vec<Reply>) -> std::io::Result<Self> {
        Self::spawn(Script {
            replies: Mutex::new(replies.into()),
            responder: None,
            requests: Mutex::new(Vec::new()),
            record: true,
            chunk_chars: 4,
        })
        .await
    }

    /// Answer every request with `responder`, recording nothing (for load).
    pub async fn start_with(responder: Responder) -> std::io::Result<Self> {
        Self::spawn(Script {
            replies: Mutex::new(VecDeque::new()),
            responder: Some(responder),
            requests: Mutex::new(Vec::new()),
            record: false,
            chunk_chars: 16,
        })
        .await
    }

    async fn spawn(script: Script) -> std::io::Result<Self> {
        let script = Arc::new(script);
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self {
            addr,
            script,
            _shutdown: tx,
        })
    }

    /// The base URL to configure as the provider's `base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Request bodies received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.script
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// Scripted replies not yet served.
    pub fn remaining(&self) -> usize {
        self.script.replies.lock().map(|r| r.len()).unwrap_or(0)
    }
}

async fn completions(State(script): State<Arc<Script>>, body: String) -> Response {
    let Ok(request) = serde_json::from_str::<Value>(&body) else {
        return error(400, "invalid_request_error", "body is not JSON", None);
    };
    if script.record
        && let Ok(mut r) = script.requests.lock()
    {
        r.push(request.clone());
    }
    let reply = match &script.responder {
        Some(responder) => Some(responder(&request)),
        None => script.replies.lock().ok().and_then(|mut r| r.pop_front()),
    };
    let Some(mut reply) = reply else {
        return error(
            500,
            "script_exhausted",
            "the scripted server has no reply left",
            None,
        );
    };
    while let Reply::Delayed(wait, inner) = reply {
        tokio::time::sleep(wait).await;
        reply = *inner;
    }
    let model = request["model"].as_str().unwrap_or("scripted").to_string();
    let prompt_tokens = body.len() as u64 / 4;
    match reply {
        Reply::Error {
            status,
            code,
            message,
            retry_after,
        } => error(status, &code, &message, retry_after),
        Reply::Delayed(..) => error(500, "unreachable", "nested delay", None),
        reply if request["stream"] == json!(true) => {
            sse(&model, &reply, prompt_tokens, script.chunk_chars)
        }
        reply => axum::Json(completion(&model, &reply, prompt_tokens)).into_response(),
    }
}

fn error(status: u16, code: &str, message: &str, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"error": {"message": message, "type": "error", "param": null, "code": code}});
    let mut headers = HeaderMap::new();
    if let Some(secs) = retry_after {
        headers.insert("retry-after", HeaderValue::from(secs));
    }
    (status, headers, axum::Json(body)).into_response()
}

fn completion_tokens(reply: &Reply) -> u64 {
    match reply {
        Reply::Text(t) => t.len() as u64 / 4 + 1,
        Reply::ToolCalls(calls) => calls.iter().map(|(_, a)| a.len() as u64 / 4 + 5).sum(),
        _ => 0,
    }
}

fn completion(model: &str, reply: &Reply, prompt_tokens: u64) -> Value {
    let (message, finish) = match reply {
        Reply::ToolCalls(calls) => (
            json!({"role": "assistant", "content": null, "tool_calls": calls.iter().enumerate().map(|(i, (name, args))| {
                json!({"id": format!("call_{i}"), "type": "function", "function": {"name": name, "arguments": args}})
            }).collect::<Vec<_>>()}),
            "tool_calls",
        ),
        Reply::Text(t) => (json!({"role": "assistant", "content": t}), "stop"),
        _ => (json!({"role": "assistant", "content": ""}), "stop"),
    };
    let completion_tokens = completion_tokens(reply);
    json!({
        "id": "chatcmpl-scripted", "object": "chat.completion", "created": 1_700_000_000u32, "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens}
    })
}

fn chunk(model: &str, choices: Value, usage: Value) -> String {
    let c = json!({"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 1_700_000_000u32,
        "model": model, "choices": choices, "usage": usage});
    format!("data: {c}\n\n")
}

fn pieces(s: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    chars
        .chunks(size.max(1))
        .map(|c| c.iter().collect())
        .collect()
}

fn sse(model: &str, reply: &Reply, prompt_tokens: u64, chunk_chars: usize) -> Response {
    let mut out = chunk(
        model,
        json!([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]),
        Value::Null,
    );
    let finish = match reply {
        Reply::Text(t) => {
            for piece in pieces(t, chunk_chars) {
                out += &chunk(
                    model,
                    json!([{"index": 0, "delta": {"content": piece}, "finish_reason": null}]),
                    Value::Null,
                );
            }
            "stop"
        }
        Reply::ToolCalls(calls) => {
            for (i, (name, args)) in calls.iter().enumerate() {
                // The first fragment names the call; the arguments follow split in two
                // or more fragments, as real providers send them.
                out += &chunk(
                    model,
                    json!([{"index": 0, "delta": {"tool_calls": [{"index": i, "id": format!("call_{i}"), "type": "function", "function": {"name": name, "arguments": ""}}]}, "finish_reason": null}]),
                    Value::Null,
                );
                for piece in pieces(args, (args.chars().count() / 2).max(1)) {
                    out += &chunk(
                        model,
                        json!([{"index": 0, "delta": {"tool_calls": [{"index": i, "function": {"arguments": piece}}]}, "finish_reason": null}]),
                        Value::Null,
                    );
                }
            }
            "tool_calls"
        }
        _ => "stop",
    };
    out += &chunk(
        model,
        json!([{"index": 0, "delta": {}, "finish_reason": finish}]),
        Value::Null,
    );
    let completion_tokens = completion_tokens(reply);
    out += &chunk(
        model,
        json!([]),
        json!({"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens}),
    );
    out += "data: [DONE]\n\n";
    (
        [
            ("content-type", "text/event-stream"),
            ("cache-control", "no-cache"),
        ],
        out,
    )
        .into_response()
}
