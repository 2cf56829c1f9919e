#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! The WebSocket protocol: typed frames streamed as the answer is written.

use futures_util::{SinkExt, StreamExt};
use omnify_tests::{Options, spawn_app};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

async fn frames_until_done(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Vec<Value> {
    let mut frames = Vec::new();
    while let Some(Ok(msg)) = ws.next().await {
        let Message::Text(t) = msg else { continue };
        let frame: Value = serde_json::from_str(t.as_str()).unwrap();
        let last = matches!(frame["type"].as_str(), Some("done" | "error"));
        frames.push(frame);
        if last {
            break;
        }
    }
    frames
}

#[tokio::test]
async fn an_answer_streams_as_typed_frames() {
    let app = spawn_app(Options::default()).await;
    let mut ws = app.websocket().await;
    ws.send(Message::text(
        r#"{"type":"message","message":"how did Meta do last week?","client_id":"m1"}"#,
    ))
    .await
    .unwrap();
    let frames = frames_until_done(&mut ws).await;
    let kinds: Vec<&str> = frames.iter().filter_map(|f| f["type"].as_str()).collect();
    assert_eq!(kinds.first(), Some(&"tool_call"), "{kinds:?}");
    assert_eq!(kinds[1], "tool_result");
    assert!(
        kinds.iter().filter(|k| **k == "delta").count() >= 2,
        "text arrives in pieces: {kinds:?}"
    );
    assert_eq!(kinds.last(), Some(&"done"));

    let conversation_id = frames[0]["conversation_id"].as_str().unwrap();
    assert!(
        frames
            .iter()
            .all(|f| f["conversation_id"] == conversation_id),
        "every frame names the conversation"
    );
    assert_eq!(frames[0]["name"], "get_marketing_performance");
    assert_eq!(frames[1]["ok"], true);
    let streamed: String = frames
        .iter()
        .filter(|f| f["type"] == "delta")
        .filter_map(|f| f["text"].as_str())
        .collect();
    let done = frames.last().unwrap();
    assert_eq!(
        streamed,
        done["reply"].as_str().unwrap(),
        "the deltas add up to the reply"
    );
    assert_eq!(done["usage"]["model"], "offline");

    // The same conversation continues on the same socket.
    let follow_up = format!(
        r#"{{"type":"message","conversation_id":"{conversation_id}","message":"and last month?"}}"#
    );
    ws.send(Message::text(follow_up)).await.unwrap();
    let frames = frames_until_done(&mut ws).await;
    assert_eq!(frames.last().unwrap()["type"], "done");
    let history = app
        .get(
            &format!("/api/v1/conversations/{conversation_id}"),
            Some(&app.api_key),
        )
        .await;
    assert_eq!(history.body["messages"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn bad_frames_get_an_error_frame_and_the_socket_stays_open() {
    let app = spawn_app(Options::default()).await;
    let mut ws = app.websocket().await;
    ws.send(Message::text("not json")).await.unwrap();
    let frames = frames_until_done(&mut ws).await;
    assert_eq!(frames[0]["type"], "error");
    assert_eq!(frames[0]["code"], "bad_request");
    ws.send(Message::text(r#"{"type":"message","message":""}"#))
        .await
        .unwrap();
    let frames = frames_until_done(&mut ws).await;
    assert_eq!(frames[0]["code"], "bad_request");
    ws.send(Message::text(r#"{"type":"ping"}"#)).await.unwrap();
    let Some(Ok(Message::Text(t))) = ws.next().await else {
        panic!("expected pong")
    };
    assert!(t.as_str().contains("pong"));
}

#[tokio::test]
async fn a_socket_without_a_key_is_refused() {
    let app = spawn_app(Options::default()).await;
    let url = format!("ws://{}/api/v1/ws", app.addr);
    let err = tokio_tungstenite::connect_async(url).await.unwrap_err();
    assert!(err.to_string().contains("401"), "{err}");
}

#[tokio::test]
async fn frames_larger_than_the_read_buffer_are_read_and_frames_over_the_limit_close_the_socket() {
    let app = spawn_app(Options::default()).await;
    let mut ws = app.websocket().await;
    // 8,001 characters: twice the socket's 4 KiB read buffer, one over the message limit.
    let long = format!(r#"{{"type":"message","message":"{}"}}"#, "a".repeat(8_001));
    ws.send(Message::text(long)).await.unwrap();
    let frames = frames_until_done(&mut ws).await;
    assert_eq!(frames[0]["code"], "payload_too_large", "{frames:?}");

    // Over `server.max_body_bytes` (64 KiB): the server closes the socket.
    let huge = format!(r#"{{"type":"ping","pad":"{}"}}"#, "a".repeat(70 * 1024));
    ws.send(Message::text(huge)).await.unwrap();
    let next = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
        .await
        .expect("the server answers or closes");
    assert!(
        matches!(next, None | Some(Err(_)) | Some(Ok(Message::Close(_)))),
        "{next:?}"
    );
}

#[tokio::test]
async fn a_client_that_stops_reading_is_disconnected_instead_of_queued_for() {
    let app = spawn_app(Options::default()).await;
    let mut ws = app.websocket().await;
    // Each request makes the server answer with a large error frame (it names the
    // unknown conversation); the client sends and never reads. Once the socket's
    // buffers are full the server's queue fills, and the server must hang up rather
    // than keep queueing.
    let unknown = "x".repeat(30_000);
    let request = serde_json::json!({"type": "subscribe", "conversation_id": unknown}).to_string();
    let mut refused_after = None;
    for sent in 0..20_000 {
        let send = ws.send(Message::text(request.clone()));
        match tokio::time::timeout(std::time::Duration::from_secs(10), send).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(_) => {
                refused_after = Some(sent);
                break;
            }
        }
    }
    let sent =
        refused_after.expect("the server closed the connection of a client that does not read");
    assert!(
        sent > 1_024,
        "the queue holds 1,024 frames first: closed after {sent}"
    );

    // The server is fine, and other clients are served.
    let mut other = app.websocket().await;
    other
        .send(Message::text(r#"{"type":"ping"}"#))
        .await
        .unwrap();
    let pong = tokio::time::timeout(std::time::Duration::from_secs(5), other.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(pong.to_text().unwrap().contains("pong"), "{pong:?}");
}
