#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! Slack over Socket Mode, end to end: the Web API stand-in serves
//! `apps.connections.open`, a local WebSocket server speaks Slack's envelope protocol
//! (hello, envelopes, acks, disconnect), and the answers land in the stand-in as with
//! the HTTP Events API. The server runs without a signing secret: no public URL.

mod common;

use common::slack::*;
use futures_util::{SinkExt, StreamExt};
use omnify_tests::{Options, TestApp, spawn_app};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

type Socket = WebSocketStream<TcpStream>;

/// Everything the server logs in this test binary (the subscriber is process-wide).
fn logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
            .with_writer(move || LogSink(sink.clone()))
            .init();
        buffer
    })
    .clone()
}

struct LogSink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logged() -> String {
    String::from_utf8_lossy(&logs().lock().unwrap()).into_owned()
}

/// Slack's Socket Mode endpoint: every WebSocket the server opens is handed to the test.
async fn start_socket_server() -> (String, mpsc::UnboundedReceiver<Socket>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/link/", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            if let Ok(ws) = tokio_tungstenite::accept_async(stream).await {
                let _ = tx.send(ws);
            }
        }
    });
    (url, rx)
}

struct Harness {
    app: TestApp,
    slack: Arc<Slack>,
    sockets: mpsc::UnboundedReceiver<Socket>,
}

/// The server with Socket Mode on (`app_token`) and no signing secret.
async fn app_with_socket_mode(app_token: &str) -> Harness {
    logs();
    let (slack, api_url) = start_slack().await;
    let (socket_url, sockets) = start_socket_server().await;
    *slack.socket_url.lock().unwrap() = socket_url;
    let app_token = app_token.to_string();
    let app = spawn_app(Options {
        tweak: Some(Box::new(move |s| {
            s.slack.app_token = omnify_core::Secret::new(app_token);
            s.slack.bot_token = omnify_core::Secret::new("xoxb-test");
            s.slack.api_url = api_url;
            s.slack.update_interval_ms = 200;
        })),
        ..Options::default()
    })
    .await;
    Harness {
        app,
        slack,
        sockets,
    }
}

impl Harness {
    /// The next connection the server opens, greeted with `hello`.
    async fn connection(&mut self) -> Socket {
        let mut ws = tokio::time::timeout(Duration::from_secs(10), self.sockets.recv())
            .await
            .expect("the server connects")
            .unwrap();
        let hello = json!({"type": "hello", "num_connections": 1,
            "debug_info": {"host": "applink-test", "approximate_connection_time": 18060},
            "connection_info": {"app_id": "A0APP"}});
        ws.send(Message::text(hello.to_string())).await.unwrap();
        ws
    }
}

async fn send(ws: &mut Socket, frame: Value) {
    ws.send(Message::text(frame.to_string())).await.unwrap();
}

fn events_api(envelope_id: &str, body: &str, retry_attempt: u32) -> Value {
    json!({
        "envelope_id": envelope_id,
        "type": "events_api",
        "payload": serde_json::from_str::<Value>(body).unwrap(),
        "accepts_response_payload": false,
        "retry_attempt": retry_attempt,
        "retry_reason": if retry_attempt > 0 { "timeout" } else { "" },
    })
}

/// The next text frame from the server (an ack), within a few seconds.
async fn next_ack(ws: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("an ack in time")
            .expect("the connection is open")
            .unwrap();
        if let Message::Text(text) = frame {
            return serde_json::from_str(text.as_str()).unwrap();
        }
    }
}

fn thread_reply(text: &str, ts: &str, thread_ts: &str) -> Value {
    json!({"type": "message", "user": "U0MARKETER", "text": text, "channel": CHANNEL,
           "channel_type": "channel", "ts": ts, "thread_ts": thread_ts})
}

#[tokio::test]
async fn a_mention_is_acknowledged_then_answered_in_its_thread_and_a_redelivery_is_not() {
    let mut h = app_with_socket_mode(APP_TOKEN).await;
    let mut ws = h.connection().await;
    let opened = h.slack.of("apps.connections.open");
    assert_eq!(opened, vec![json!({"authorized": true})]);

    let ts = "1700000101.000100";
    let body = event("Ev0101", mention("how did Meta do last week?", ts));
    send(&mut ws, events_api("env-101", &body, 0)).await;
    assert_eq!(next_ack(&mut ws).await, json!({"envelope_id": "env-101"}));

    let placeholder = until(&h.slack, "the placeholder", |c| {
        c.iter()
            .find(|(m, _)| m == "chat.postMessage")
            .map(|(_, b)| b.clone())
    })
    .await;
    assert_eq!(placeholder["channel"], CHANNEL);
    assert_eq!(placeholder["thread_ts"], ts);
    let done = until(&h.slack, "the final reply", |c| {
        final_update(c, "1800000000.000000")
    })
    .await;
    assert!(all_text(&done["blocks"]).contains("Meta"), "{done}");

    // Slack redelivers the event (as if our ack was late): acknowledged, not answered.
    send(&mut ws, events_api("env-102", &body, 1)).await;
    assert_eq!(next_ack(&mut ws).await, json!({"envelope_id": "env-102"}));

    // A reply in the thread, without a mention, continues the conversation.
    let reply = event(
        "Ev0102",
        thread_reply("and TikTok?", "1700000101.000200", ts),
    );
    send(&mut ws, events_api("env-103", &reply, 0)).await;
    assert_eq!(next_ack(&mut ws).await, json!({"envelope_id": "env-103"}));
    let second = until(&h.slack, "the second reply", |c| {
        final_update(c, "1800000000.000001")
    })
    .await;
    assert!(all_text(&second["blocks"]).contains("TikTok"), "{second}");

    let posts = h.slack.of("chat.postMessage");
    assert_eq!(
        posts.len(),
        2,
        "one placeholder per answered message, none for the redelivery: {posts:#?}"
    );
    assert!(posts.iter().all(|p| p["thread_ts"] == ts));
    let conv = conversation_id(&h.app, &format!("{CHANNEL}:{ts}")).await;
    let history = h
        .app
        .get(
            &format!("/api/v1/conversations/{conv}"),
            Some(&h.app.api_key),
        )
        .await;
    assert_eq!(history.body["messages"].as_array().unwrap().len(), 4);

    // Without a signing secret the signed HTTP routes do not exist.
    let r = h
        .app
        .post_raw("/slack/events", None, body.clone(), &[])
        .await;
    assert_eq!(r.status, 404);
    assert!(
        !logged().contains(APP_TOKEN),
        "the app token is never logged"
    );
}

#[tokio::test]
async fn a_disconnect_or_a_dropped_connection_opens_a_new_one_that_is_served() {
    let mut h = app_with_socket_mode(APP_TOKEN).await;
    let mut first = h.connection().await;
    send(
        &mut first,
        json!({"type": "disconnect", "reason": "refresh_requested",
               "debug_info": {"host": "applink-test"}}),
    )
    .await;
    let mut second = h.connection().await;
    assert_eq!(h.slack.of("apps.connections.open").len(), 2);

    let ts = "1700000201.000100";
    let body = event("Ev0201", mention("how did Google do last week?", ts));
    send(&mut second, events_api("env-201", &body, 0)).await;
    assert_eq!(
        next_ack(&mut second).await,
        json!({"envelope_id": "env-201"})
    );
    let done = until(&h.slack, "the reply on the new connection", |c| {
        final_update(c, "1800000000.000000")
    })
    .await;
    assert!(all_text(&done["blocks"]).contains("Google"), "{done}");

    // The connection drops without a word: the server backs off briefly and reconnects.
    drop(second);
    let mut third = h.connection().await;
    assert_eq!(h.slack.of("apps.connections.open").len(), 3);
    let reply = event("Ev0202", thread_reply("and Meta?", "1700000201.000200", ts));
    send(&mut third, events_api("env-202", &reply, 0)).await;
    assert_eq!(
        next_ack(&mut third).await,
        json!({"envelope_id": "env-202"})
    );
    let second_reply = until(&h.slack, "the reply after reconnecting", |c| {
        final_update(c, "1800000000.000001")
    })
    .await;
    assert!(
        all_text(&second_reply["blocks"]).contains("Meta"),
        "{second_reply}"
    );
    let log = logged();
    assert!(
        log.contains("Slack asked for a new Socket Mode connection"),
        "{log}"
    );
    assert!(log.contains("Slack Socket Mode connection lost"), "{log}");
}

#[tokio::test]
async fn a_button_and_a_slash_command_arrive_over_socket_mode() {
    let mut h = app_with_socket_mode(APP_TOKEN).await;
    let mut ws = h.connection().await;

    // A slash command's answer travels in the ack.
    let command = json!({
        "envelope_id": "env-301",
        "type": "slash_commands",
        "payload": {"token": "x", "team_id": "T0TEAM", "channel_id": CHANNEL,
                    "user_id": "U0MARKETER", "command": "/omnify", "text": "help",
                    "trigger_id": "13345224609.738474920.8088930838d88f008e0"},
        "accepts_response_payload": true,
    });
    send(&mut ws, command).await;
    let ack = next_ack(&mut ws).await;
    assert_eq!(ack["envelope_id"], "env-301");
    assert_eq!(ack["payload"]["response_type"], "ephemeral");
    assert!(
        ack["payload"]["text"]
            .as_str()
            .unwrap()
            .contains("/omnify report"),
        "{ack}"
    );

    let ts = "1700000301.000100";
    let ask = "raise the daily budget of the Meta campaign \"Prospecting - Broad\" by 10%";
    send(
        &mut ws,
        events_api("env-302", &event("Ev0301", mention(ask, ts)), 0),
    )
    .await;
    assert_eq!(next_ack(&mut ws).await, json!({"envelope_id": "env-302"}));
    let done = until(&h.slack, "the proposal", |c| {
        final_update(c, "1800000000.000000")
    })
    .await;
    let action_id = done["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "actions")
        .map(|b| b["elements"][0]["value"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("buttons in {done:#}"));

    let click = json!({
        "envelope_id": "env-303",
        "type": "interactive",
        "payload": {
            "type": "block_actions",
            "team": {"id": "T0TEAM"},
            "user": {"id": "U0MARKETER"},
            "channel": {"id": CHANNEL},
            "container": {"type": "message", "message_ts": "1800000000.000000", "channel_id": CHANNEL},
            "actions": [{"action_id": "confirm_action", "block_id": format!("proposal:{action_id}"),
                         "value": action_id, "type": "button"}],
        },
        "accepts_response_payload": false,
    });
    send(&mut ws, click).await;
    assert_eq!(next_ack(&mut ws).await, json!({"envelope_id": "env-303"}));
    until(&h.slack, "the outcome", |c| {
        c.iter()
            .filter(|(m, b)| m == "chat.update" && b["ts"] == "1800000000.000000")
            .find(|(_, b)| b["text"].as_str().unwrap_or_default().contains("Done"))
            .map(|_| ())
    })
    .await;
    let after = h
        .app
        .get(
            &format!("/api/v1/actions/{action_id}"),
            Some(&h.app.api_key),
        )
        .await;
    assert_eq!(after.body["status"], "executed", "{:?}", after.body);
}

#[tokio::test]
async fn a_refused_app_token_is_reported_once_and_the_server_keeps_serving() {
    let h = app_with_socket_mode("xapp-1-A0APP-1-revoked").await;
    until(&h.slack, "the connection attempt", |c| {
        c.iter()
            .any(|(m, _)| m == "apps.connections.open")
            .then_some(())
    })
    .await;
    let mut log = String::new();
    for _ in 0..100 {
        log = logged();
        if log.contains("Slack Socket Mode is off") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        log.contains("Slack refused the app token (invalid_auth)") && log.contains("xapp-"),
        "a clear error naming the problem and the token to set: {log}"
    );
    assert!(
        !log.contains("A0APP-1-revoked"),
        "the token itself is not logged"
    );

    // No retry loop against a token Slack refused, and the server is up.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        h.slack.of("apps.connections.open"),
        vec![json!({"authorized": false})]
    );
    let health = h.app.get("/healthz", None).await;
    assert_eq!(health.status, 200);
    let r = h.app.chat("how did Meta do last week?").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

#[tokio::test]
async fn an_envelope_that_cannot_be_stored_is_not_acknowledged_so_slack_delivers_it_again() {
    let mut h = app_with_socket_mode(APP_TOKEN).await;
    let mut ws = h.connection().await;
    h.app.store.close().await;
    let body = event(
        "Ev0601",
        mention("how did Meta do last week?", "1700000601.000100"),
    );
    send(&mut ws, events_api("env-601", &body, 0)).await;
    // No ack: Slack keeps the envelope and delivers it again (to this or another
    // connection), instead of it being lost with the database down.
    let frame = tokio::time::timeout(Duration::from_millis(1500), ws.next()).await;
    assert!(frame.is_err(), "no frame expected, got {frame:?}");
    assert!(h.slack.of("chat.postMessage").is_empty());
}
