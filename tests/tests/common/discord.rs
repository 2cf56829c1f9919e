//! Discord as far as Omnify uses it, for the Discord tests: the REST API under
//! `/api/v10` (recording each call; messages it was sent are kept, so they can be read
//! back; a second thread on one message is refused as Discord refuses it), and a
//! Gateway (ws://) speaking API v10's JSON protocol: Hello, Identify → READY,
//! heartbeats → ACK, Resume → the session's events again → RESUMED, and whatever a
//! test sends (dispatches, op 7, close codes). Plus signed-interaction helpers.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use futures_util::{SinkExt, StreamExt};
use omnify_server::discord::adapter::signature::sign;
use omnify_tests::TestApp;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

pub const PRIVATE_KEY: [u8; 32] = [42; 32];
/// The application's id, which is also the bot user's id (as on Discord).
pub const APP_ID: &str = "1100000000000000001";
pub const GUILD: &str = "1200000000000000001";
pub const CHANNEL: &str = "1200000000000000002";
pub const EXPERTS_CHANNEL: &str = "1200000000000000003";
pub const MARKETER: &str = "1300000000000000001";
pub const ANA: &str = "1300000000000000002";
pub const BOT_TOKEN: &str = "discord-bot-token";
/// The Gateway session the stand-in hands out.
pub const SESSION_ID: &str = "stand-in-session-1";

/// How long the stand-in's 429 asks to wait (the body's `retry_after`).
pub const RETRY_AFTER_SECS: f64 = 0.4;

#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    /// After `/api/v10/`.
    pub path: String,
    /// The JSON body, or a multipart request's `payload_json`.
    pub body: Value,
    pub files: Vec<String>,
    pub png: bool,
    pub auth: String,
    pub at: Instant,
}

#[derive(Default)]
pub struct Discord {
    calls: Mutex<Vec<Call>>,
    /// This many next edits of channel messages get 429.
    pub throttle_channel_edits: AtomicUsize,
    next_id: AtomicU64,
    originals: Mutex<HashMap<String, String>>,
    /// Messages posted with the bot token, by id: what `GET` returns.
    messages: Mutex<HashMap<String, Value>>,
    /// Messages that have a thread.
    threaded: Mutex<Vec<String>>,
    /// What `GET /gateway/bot` points at.
    gateway_url: Mutex<String>,
}

impl Discord {
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    pub fn set_gateway_url(&self, url: &str) {
        *self.gateway_url.lock().unwrap() = url.to_string();
    }

    fn new_id(&self) -> String {
        (1_400_000_000_000_000_000 + self.next_id.fetch_add(1, Ordering::SeqCst)).to_string()
    }

    /// The message id of an interaction's original response.
    fn original(&self, token: &str) -> String {
        let mut o = self.originals.lock().unwrap();
        if let Some(id) = o.get(token) {
            return id.clone();
        }
        let id = self.new_id();
        o.insert(token.to_string(), id.clone());
        id
    }

    fn keep(&self, id: &str, channel: &str, body: &Value) {
        let mut messages = self.messages.lock().unwrap();
        let message = messages.entry(id.to_string()).or_insert_with(|| {
            json!({"id": id, "channel_id": channel, "type": 0,
                   "author": {"id": APP_ID, "username": "Omnify", "bot": true}})
        });
        for field in ["content", "components", "embeds"] {
            if !body[field].is_null() {
                message[field] = body[field].clone();
            }
        }
    }
}

fn multipart(body: &[u8]) -> (Value, Vec<String>, bool) {
    let text = String::from_utf8_lossy(body);
    let payload = text
        .split("name=\"payload_json\"")
        .nth(1)
        .and_then(|rest| rest.split("\r\n\r\n").nth(1))
        .and_then(|rest| rest.split("\r\n--").next())
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or(Value::Null);
    let files = text
        .split("filename=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_string))
        .collect();
    let png = body.windows(4).any(|w| w == b"\x89PNG");
    (payload, files, png)
}

fn not_found(what: &str, code: u32) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"message": what, "code": code})),
    )
        .into_response()
}

async fn api(
    State(discord): State<Arc<Discord>>,
    method: Method,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let multipart_body = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("multipart/form-data"));
    let (body, files, png) = if multipart_body {
        multipart(&body)
    } else {
        (
            serde_json::from_slice(&body).unwrap_or(Value::Null),
            vec![],
            false,
        )
    };
    let call = Call {
        method: method.to_string(),
        path: path.clone(),
        body: body.clone(),
        files,
        png,
        auth,
        at: Instant::now(),
    };
    let parts: Vec<&str> = path.split('/').collect();
    let is_channel_edit = method == Method::PATCH && parts.first() == Some(&"channels");
    if is_channel_edit
        && discord
            .throttle_channel_edits
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    {
        discord.calls.lock().unwrap().push(Call {
            method: "429".into(),
            ..call
        });
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            axum::Json(json!({"message": "You are being rate limited.",
                "retry_after": RETRY_AFTER_SECS, "global": false})),
        )
            .into_response();
    }
    discord.calls.lock().unwrap().push(call);
    let reply = match (method.as_str(), parts.as_slice()) {
        ("PATCH", ["webhooks", _, token, "messages", "@original"]) => {
            json!({"id": discord.original(token), "content": body["content"]})
        }
        ("POST", ["webhooks", _, _]) => json!({"id": discord.new_id()}),
        ("PATCH", ["webhooks", _, _, "messages", id]) => json!({"id": id}),
        ("POST", ["channels", channel, "messages"]) => {
            let id = discord.new_id();
            discord.keep(&id, channel, &body);
            json!({"id": id, "channel_id": channel})
        }
        ("PATCH", ["channels", channel, "messages", id]) => {
            discord.keep(id, channel, &body);
            json!({"id": id, "channel_id": channel})
        }
        ("GET", ["channels", channel, "messages", id]) => {
            match discord.messages.lock().unwrap().get(*id) {
                Some(m) if m["channel_id"] == *channel => m.clone(),
                _ => return not_found("Unknown Message", 10008),
            }
        }
        ("POST", ["channels", channel, "messages", id, "threads"]) => {
            let mut threaded = discord.threaded.lock().unwrap();
            if threaded.iter().any(|t| t == id) {
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({"message": "A thread has already been created for this message", "code": 160004})),
                )
                    .into_response();
            }
            threaded.push(id.to_string());
            json!({"id": id, "type": 11, "parent_id": channel, "name": body["name"]})
        }
        ("GET", ["gateway", "bot"]) => {
            json!({"url": *discord.gateway_url.lock().unwrap(), "shards": 1,
                   "session_start_limit": {"total": 1000, "remaining": 999,
                                           "reset_after": 14_400_000, "max_concurrency": 1}})
        }
        ("PUT", ["applications", _, "commands"]) => body.clone(),
        _ => return not_found("404: Not Found", 0),
    };
    axum::Json(reply).into_response()
}

/// The REST API stand-in and its base URL.
pub async fn start() -> (Arc<Discord>, String) {
    let discord = Arc::new(Discord::default());
    let app = axum::Router::new()
        .route("/api/v10/{*path}", any(api))
        .with_state(discord.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (discord, url)
}

/// A frame a client sent the Gateway stand-in.
#[derive(Debug, Clone)]
pub struct Received {
    /// Which connection (1, 2, …).
    pub connection: usize,
    /// The path and query the connection was opened with.
    pub path: String,
    pub frame: Value,
    pub at: Instant,
}

/// The Gateway stand-in.
pub struct Gateway {
    pub url: String,
    received: Mutex<Vec<Received>>,
    connections: AtomicUsize,
    /// The latest connection: what tests send goes there.
    current: Mutex<Option<tokio::sync::mpsc::UnboundedSender<WsMessage>>>,
    seq: AtomicU64,
    /// The session's dispatches, replayed on Resume from the client's `seq` on.
    sent: Mutex<Vec<Value>>,
    heartbeat_interval_ms: u64,
    /// Off: heartbeats go unanswered (a zombie connection).
    pub ack_heartbeats: AtomicBool,
    /// READYs (and RESUMEDs) sent so far.
    sessions: AtomicUsize,
}

impl Gateway {
    pub async fn start(heartbeat_interval_ms: u64) -> Arc<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gateway = Arc::new(Self {
            url: format!("ws://{}", listener.local_addr().unwrap()),
            received: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            current: Mutex::new(None),
            seq: AtomicU64::new(0),
            sent: Mutex::new(Vec::new()),
            heartbeat_interval_ms,
            ack_heartbeats: AtomicBool::new(true),
            sessions: AtomicUsize::new(0),
        });
        let serving = gateway.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serving.clone().connection(stream));
            }
        });
        gateway
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Frames with this opcode, in order.
    pub fn frames(&self, op: u64) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.frame["op"] == op)
            .collect()
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn last_seq(&self) -> u64 {
        self.seq.load(Ordering::SeqCst)
    }

    fn to_client(&self, message: WsMessage) {
        if let Some(tx) = self.current.lock().unwrap().as_ref() {
            let _ = tx.send(message);
        }
    }

    fn numbered(&self, t: &str, d: Value) -> Value {
        let s = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        json!({"op": 0, "s": s, "t": t, "d": d})
    }

    /// An op 0 dispatch with the next sequence number, to the latest connection.
    pub fn dispatch(&self, t: &str, d: Value) -> u64 {
        let frame = self.numbered(t, d);
        self.sent.lock().unwrap().push(frame.clone());
        self.to_client(WsMessage::text(frame.to_string()));
        frame["s"].as_u64().unwrap()
    }

    /// Any other frame (op 7 Reconnect, op 9 Invalid Session, …).
    pub fn send(&self, frame: Value) {
        self.to_client(WsMessage::text(frame.to_string()));
    }

    /// Close the latest connection with a close code.
    pub fn close(&self, code: u16, reason: &str) {
        self.to_client(WsMessage::Close(Some(CloseFrame {
            code: code.into(),
            reason: reason.to_string().into(),
        })));
    }

    /// Wait (bounded) until the stand-in has sent its `n`th READY or RESUMED: what a
    /// test dispatches from then on follows it on the wire.
    pub async fn until_session(&self, n: usize) {
        for _ in 0..300 {
            if self.sessions.load(Ordering::SeqCst) >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no session {n}; the Gateway got {:#?}", self.received());
    }

    /// Wait (bounded) until a frame matching `check` arrives.
    pub async fn until(&self, what: &str, check: impl Fn(&Received) -> bool) -> Received {
        for _ in 0..300 {
            if let Some(r) = self.received().into_iter().find(|r| check(r)) {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "timed out waiting for {what}; the Gateway got {:#?}",
            self.received()
        );
    }

    #[allow(clippy::result_large_err)] // the handshake callback's type is tungstenite's
    async fn connection(self: Arc<Self>, stream: tokio::net::TcpStream) {
        let path = Arc::new(Mutex::new(String::new()));
        let seen = path.clone();
        let callback =
            move |request: &tokio_tungstenite::tungstenite::handshake::server::Request,
                  response| {
                *seen.lock().unwrap() = request.uri().to_string();
                Ok(response)
            };
        let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
            return;
        };
        let path = path.lock().unwrap().clone();
        let number = self.connections.fetch_add(1, Ordering::SeqCst) + 1;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        *self.current.lock().unwrap() = Some(tx);
        let hello = json!({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}});
        if ws.send(WsMessage::text(hello.to_string())).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                out = rx.recv() => {
                    let Some(out) = out else { return };
                    let closing = matches!(out, WsMessage::Close(_));
                    if ws.send(out).await.is_err() || closing {
                        // Let the client read the close frame before the socket goes.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        return;
                    }
                }
                incoming = ws.next() => {
                    let text = match incoming {
                        Some(Ok(WsMessage::Text(text))) => text,
                        Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => return,
                        Some(Ok(_)) => continue,
                    };
                    let frame: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    self.received.lock().unwrap().push(Received {
                        connection: number,
                        path: path.clone(),
                        frame: frame.clone(),
                        at: Instant::now(),
                    });
                    let replies = match frame["op"].as_u64() {
                        Some(1) if self.ack_heartbeats.load(Ordering::SeqCst) => {
                            vec![json!({"op": 11})]
                        }
                        Some(2) => {
                            self.sent.lock().unwrap().clear();
                            let resume_url = format!("{}/resume", self.url);
                            let ready = self.numbered("READY", json!({
                                "v": 10, "session_id": SESSION_ID,
                                "resume_gateway_url": resume_url,
                                "user": {"id": APP_ID, "username": "Omnify", "bot": true},
                                "guilds": [{"id": GUILD, "unavailable": true}],
                                "application": {"id": APP_ID, "flags": 0}
                            }));
                            self.sent.lock().unwrap().push(ready.clone());
                            vec![ready]
                        }
                        Some(6) => {
                            // Discord replays what the client may have missed; the
                            // stand-in replays from the client's last sequence number
                            // on, so the last event arrives a second time.
                            let from = frame["d"]["seq"].as_u64().unwrap_or(0);
                            let mut replies: Vec<Value> = self
                                .sent
                                .lock()
                                .unwrap()
                                .iter()
                                .filter(|f| f["s"].as_u64().unwrap_or(0) >= from && f["t"] != "READY")
                                .cloned()
                                .collect();
                            replies.push(self.numbered("RESUMED", json!({})));
                            replies
                        }
                        _ => vec![],
                    };
                    for reply in replies {
                        if ws.send(WsMessage::text(reply.to_string())).await.is_err() {
                            return;
                        }
                        if reply["t"] == "READY" || reply["t"] == "RESUMED" {
                            self.sessions.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            }
        }
    }
}

/// A `MESSAGE_CREATE` payload as Discord sends it.
pub fn message_create(
    id: &str,
    channel: &str,
    guild: Option<&str>,
    author: &str,
    content: &str,
) -> Value {
    let mentions: Vec<Value> = if content.contains(&format!("<@{APP_ID}>")) {
        vec![json!({"id": APP_ID, "username": "Omnify", "bot": true})]
    } else {
        vec![]
    };
    let mut m = json!({
        "id": id, "channel_id": channel, "type": 0, "content": content,
        "author": {"id": author, "username": format!("user{author}"), "global_name": null},
        "mentions": mentions, "attachments": [], "embeds": [], "tts": false,
        "mention_everyone": false, "pinned": false,
        "timestamp": "2026-11-25T10:00:00.000000+00:00"
    });
    if let Some(guild) = guild {
        m["guild_id"] = json!(guild);
    }
    m
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// POST an interaction signed like Discord signs it, at `timestamp`.
pub async fn signed_at(app: &TestApp, body: &Value, timestamp: i64) -> omnify_tests::Response {
    let body = body.to_string();
    let ts = timestamp.to_string();
    let sig = sign(&PRIVATE_KEY, &ts, body.as_bytes());
    app.post_raw(
        "/discord/interactions",
        None,
        body,
        &[
            ("x-signature-ed25519", &sig),
            ("x-signature-timestamp", &ts),
        ],
    )
    .await
}

pub async fn signed(app: &TestApp, body: &Value) -> omnify_tests::Response {
    signed_at(app, body, now()).await
}

/// `/omnify <sub>` from the marketer in a channel of `channel_type` (0 text, 11 thread).
pub fn command(id: &str, channel: &str, channel_type: u8, sub: &str, options: Value) -> Value {
    json!({
        "type": 2, "id": id, "application_id": APP_ID, "token": format!("token-{id}"),
        "version": 1, "guild_id": GUILD, "channel_id": channel,
        "channel": {"id": channel, "type": channel_type},
        "member": {"user": {"id": MARKETER, "username": "mia"}, "roles": []},
        "locale": "en-US", "entitlements": [], "attachment_size_limit": 8388608,
        "data": {"id": "1500000000000000001", "name": "omnify", "type": 1,
                 "options": [{"name": sub, "type": 1, "options": options}]}
    })
}

pub fn ask(id: &str, channel: &str, channel_type: u8, question: &str) -> Value {
    command(
        id,
        channel,
        channel_type,
        "ask",
        json!([{"name": "question", "type": 3, "value": question}]),
    )
}

pub fn click(id: &str, user: &str, channel: &str, message: &Value, custom_id: &str) -> Value {
    json!({
        "type": 3, "id": id, "application_id": APP_ID, "token": format!("token-{id}"),
        "version": 1, "guild_id": GUILD, "channel_id": channel,
        "channel": {"id": channel, "type": 0},
        "member": {"user": {"id": user, "username": "someone"}},
        "message": message,
        "data": {"custom_id": custom_id, "component_type": 2}
    })
}

/// Wait (bounded) until `check` holds for the recorded calls.
pub async fn until<T>(discord: &Discord, what: &str, check: impl Fn(&[Call]) -> Option<T>) -> T {
    for _ in 0..300 {
        if let Some(t) = check(&discord.calls()) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "timed out waiting for {what}; Discord saw {:#?}",
        discord.calls()
    );
}

/// The final answer: the first call to `path` that carries embeds (streamed edits never do).
pub fn final_at(calls: &[Call], path: &str) -> Option<Call> {
    calls
        .iter()
        .find(|c| c.path == path && c.body["embeds"].is_array())
        .cloned()
}

pub fn posts_to(calls: &[Call], prefix: &str) -> Vec<Call> {
    calls
        .iter()
        .filter(|c| c.method == "POST" && c.path.starts_with(prefix))
        .cloned()
        .collect()
}

pub fn all_text(call: &Call) -> String {
    let mut s = call.body["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for e in call.body["embeds"].as_array().into_iter().flatten() {
        s.push('\n');
        s.push_str(&e.to_string());
    }
    s
}

pub use omnify_tests::conversation_id;
