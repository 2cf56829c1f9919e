//! Slack's Web API stand-in and signed-request helpers, shared by the Slack tests.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use omnify_server::slack::adapter::signature::sign;
use omnify_tests::{Options, TestApp, spawn_app};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The bot token `oauth.v2.access` hands out (the second workspace's).
pub const INSTALLED_TOKEN: &str = "xoxb-team2-installed";

pub const SECRET: &str = "test-signing-secret";
/// The app-level token `apps.connections.open` accepts (Socket Mode).
pub const APP_TOKEN: &str = "xapp-1-A0APP-1-socketsecret";
pub const BOT: &str = "UBOT";
pub const CHANNEL: &str = "C0MARKETING";

/// Slack's Web API, as far as Omnify uses it.
#[derive(Default)]
pub struct Slack {
    calls: Mutex<Vec<(String, Value)>>,
    /// The `Authorization` header of each call, in order.
    pub auths: Mutex<Vec<(String, String)>>,
    /// This many next `chat.update` calls get 429 with `Retry-After: 1`.
    pub throttle_updates: AtomicUsize,
    pub next_ts: AtomicUsize,
    /// `http://127.0.0.1:PORT`, where upload URLs point.
    origin: Mutex<String>,
    next_file: AtomicUsize,
    /// What `apps.connections.open` hands out: the Socket Mode server's `ws://` URL.
    pub socket_url: Mutex<String>,
}

impl Slack {
    pub fn calls(&self) -> Vec<(String, Value)> {
        self.calls.lock().unwrap().clone()
    }

    pub fn of(&self, method: &str) -> Vec<Value> {
        self.calls()
            .into_iter()
            .filter(|(m, _)| m == method)
            .map(|(_, b)| b)
            .collect()
    }
}

/// `a=1&b=x%20y` as pairs, percent-decoded.
fn query_pairs(query: &str) -> std::collections::HashMap<String, String> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Where `files.getUploadURLExternal` sends the bytes: recorded as `upload` with the
/// file id, size, content type and whether it is a PNG. Slack answers in plain text.
async fn upload(
    State(slack): State<Arc<Slack>>,
    axum::extract::Path(file_id): axum::extract::Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    slack.calls.lock().unwrap().push((
        "upload".into(),
        json!({"file_id": file_id, "length": body.len(), "content_type": content_type,
               "png": body.starts_with(b"\x89PNG\r\n\x1a\n")}),
    ));
    (
        [("content-type", "text/plain")],
        format!("OK - {}", body.len()),
    )
        .into_response()
}

async fn web_api(
    State(slack): State<Arc<Slack>>,
    axum::extract::Path(method): axum::extract::Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    slack
        .auths
        .lock()
        .unwrap()
        .push((method.clone(), auth.clone()));
    if method == "apps.connections.open" {
        // Socket Mode: only the app-level token opens a connection; each URL carries a
        // fresh ticket, as Slack's do.
        let n = slack.of("apps.connections.open").len();
        slack.calls.lock().unwrap().push((
            method.clone(),
            json!({"authorized": auth == format!("Bearer {APP_TOKEN}")}),
        ));
        if auth != format!("Bearer {APP_TOKEN}") {
            return Json(json!({"ok": false, "error": "invalid_auth"})).into_response();
        }
        let url = slack.socket_url.lock().unwrap().clone();
        return Json(json!({"ok": true, "url": format!("{url}?ticket={n}")})).into_response();
    }
    if method == "oauth.v2.access" {
        // Basic auth with the app's client id and secret, the code in the query.
        assert!(
            auth.starts_with("Basic "),
            "client credentials sent: {auth}"
        );
        slack
            .calls
            .lock()
            .unwrap()
            .push((method.clone(), json!({"auth": auth})));
        return Json(json!({
            "ok": true, "access_token": INSTALLED_TOKEN, "token_type": "bot",
            "scope": "chat:write,app_mentions:read", "bot_user_id": "UBOT2", "app_id": "A0APP",
            "team": {"id": "T0TEAM2", "name": "Team Two"}, "authed_user": {"id": "U0INSTALLER"}
        }))
        .into_response();
    }
    assert!(
        auth == "Bearer xoxb-test" || auth == format!("Bearer {INSTALLED_TOKEN}"),
        "a bot token is sent: {auth}"
    );
    if method == "files.getUploadURLExternal" {
        // A GET: the file's name, length and alt text are in the query.
        let params: std::collections::HashMap<String, String> =
            query.as_deref().map(query_pairs).unwrap_or_default();
        let file_id = format!("F{:04}", slack.next_file.fetch_add(1, Ordering::SeqCst));
        slack.calls.lock().unwrap().push((
            method.clone(),
            json!({"filename": params.get("filename"), "length": params.get("length"),
                   "alt_txt": params.get("alt_txt"), "file_id": file_id}),
        ));
        let origin = slack.origin.lock().unwrap().clone();
        return Json(json!({"ok": true, "upload_url": format!("{origin}/upload/{file_id}"), "file_id": file_id}))
            .into_response();
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if method == "files.completeUploadExternal" {
        slack
            .calls
            .lock()
            .unwrap()
            .push((method.clone(), body.clone()));
        let files: Vec<Value> = body["files"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| json!({"id": f["id"], "title": f["title"]}))
            .collect();
        return Json(json!({"ok": true, "files": files})).into_response();
    }
    if method == "chat.update"
        && slack
            .throttle_updates
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    {
        slack.calls.lock().unwrap().push(("429".into(), body));
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            Json(json!({"ok": false, "error": "ratelimited"})),
        )
            .into_response();
    }
    slack
        .calls
        .lock()
        .unwrap()
        .push((method.clone(), body.clone()));
    let ts = match method.as_str() {
        "chat.postMessage" => format!(
            "1800000000.{:06}",
            slack.next_ts.fetch_add(1, Ordering::SeqCst)
        ),
        _ => body["ts"].as_str().unwrap_or_default().to_string(),
    };
    Json(json!({"ok": true, "ts": ts, "channel": body["channel"], "message": {"text": body["text"]}}))
        .into_response()
}

pub async fn start_slack() -> (Arc<Slack>, String) {
    let slack = Arc::new(Slack::default());
    let app = axum::Router::new()
        .route("/api/{method}", any(web_api))
        .route("/upload/{file_id}", post(upload))
        .with_state(slack.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    *slack.origin.lock().unwrap() = origin.clone();
    let url = format!("{origin}/api");
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (slack, url)
}

/// The app with Slack configured against the stand-in at `url`, on `data_dir` when given
/// (to restart on the same database).
pub async fn app_with_slack_at(url: String, data_dir: Option<std::path::PathBuf>) -> TestApp {
    spawn_app(Options {
        tweak: Some(Box::new(move |s| {
            s.slack.signing_secret = omnify_core::Secret::new(SECRET);
            s.slack.bot_token = omnify_core::Secret::new("xoxb-test");
            s.slack.api_url = url;
            s.slack.update_interval_ms = 200;
        })),
        data_dir,
        ..Options::default()
    })
    .await
}

pub async fn app_with_slack() -> (TestApp, Arc<Slack>) {
    app_with_slack_and(|_| {}).await
}

/// The app with Slack configured, and more settings changed by `more`.
pub async fn app_with_slack_and(
    more: impl FnOnce(&mut omnify_server::config::Settings) + Send + 'static,
) -> (TestApp, Arc<Slack>) {
    let (slack, url) = start_slack().await;
    let app = spawn_app(Options {
        tweak: Some(Box::new(move |s| {
            s.slack.signing_secret = omnify_core::Secret::new(SECRET);
            s.slack.bot_token = omnify_core::Secret::new("xoxb-test");
            s.slack.api_url = url;
            s.slack.update_interval_ms = 200;
            more(s);
        })),
        ..Options::default()
    })
    .await;
    (app, slack)
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// POST a body signed like Slack signs it (at `timestamp`), with extra headers.
pub async fn signed(
    app: &TestApp,
    path: &str,
    body: &str,
    timestamp: i64,
    headers: &[(&str, &str)],
) -> omnify_tests::Response {
    let ts = timestamp.to_string();
    let sig = sign(SECRET.as_bytes(), &ts, body.as_bytes());
    let mut all = vec![
        ("x-slack-request-timestamp", ts.as_str()),
        ("x-slack-signature", sig.as_str()),
    ];
    all.extend_from_slice(headers);
    app.post_raw(path, None, body.to_string(), &all).await
}

pub fn event(event_id: &str, event: Value) -> String {
    json!({
        "type": "event_callback",
        "team_id": "T0TEAM",
        "api_app_id": "A0APP",
        "event_id": event_id,
        "event_time": now(),
        "authorizations": [{"team_id": "T0TEAM", "user_id": BOT, "is_bot": true}],
        "event": event,
    })
    .to_string()
}

pub fn mention(text: &str, ts: &str) -> Value {
    json!({"type": "app_mention", "user": "U0MARKETER", "text": format!("<@{BOT}> {text}"),
           "channel": CHANNEL, "channel_type": "channel", "ts": ts, "event_ts": ts})
}

/// Wait (bounded) until `check` holds for the recorded calls.
pub async fn until<T>(
    slack: &Slack,
    what: &str,
    check: impl Fn(&[(String, Value)]) -> Option<T>,
) -> T {
    for _ in 0..200 {
        if let Some(t) = check(&slack.calls()) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "timed out waiting for {what}; Slack saw {:#?}",
        slack.calls()
    );
}

/// The final Block Kit reply for the message `ts` (an update that carries blocks).
pub fn final_update(calls: &[(String, Value)], ts: &str) -> Option<Value> {
    calls
        .iter()
        .find(|(m, b)| m == "chat.update" && b["ts"] == ts && b["blocks"].is_array())
        .map(|(_, b)| b.clone())
}

pub fn all_text(blocks: &Value) -> String {
    blocks
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let mut s = b["text"]["text"].as_str().unwrap_or_default().to_string();
            for e in b["elements"].as_array().into_iter().flatten() {
                s.push_str(e["text"].as_str().unwrap_or_default());
            }
            s
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub use omnify_tests::conversation_id;
