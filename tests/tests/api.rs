#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! The HTTP API's contract: statuses, JSON error bodies, limits, idempotency.

use omnify_tests::{Options, spawn_app};
use serde_json::json;

fn assert_error(r: &omnify_tests::Response, status: u16, code: &str) {
    assert_eq!(r.status, status, "{:?}", r.body);
    assert_eq!(r.body["error"]["code"], code, "{:?}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{:?}",
        r.body
    );
}

#[tokio::test]
async fn every_error_has_its_status_and_a_json_body() {
    let app = spawn_app(Options {
        tweak: Some(Box::new(|s| {
            s.server.max_body_bytes = 2048;
            s.server.max_message_chars = 500;
        })),
        ..Default::default()
    })
    .await;
    let key = app.api_key.clone();

    let r = app
        .post_raw(
            "/api/v1/chat",
            None,
            json!({"message": "hi"}).to_string(),
            &[],
        )
        .await;
    assert_error(&r, 401, "unauthorized");
    let r = app
        .post_raw(
            "/api/v1/chat",
            Some("omk_not_a_key"),
            json!({"message": "hi"}).to_string(),
            &[],
        )
        .await;
    assert_error(&r, 401, "unauthorized");

    let r = app
        .post_raw("/api/v1/chat", Some(&key), "{\"message\": ".into(), &[])
        .await;
    assert_error(&r, 400, "bad_request");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("malformed JSON"),
        "{:?}",
        r.body
    );
    let r = app
        .post_raw(
            "/api/v1/chat",
            Some(&key),
            json!({"mesage": "typo"}).to_string(),
            &[],
        )
        .await;
    assert_error(&r, 400, "bad_request");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("mesage"),
        "names the bad field: {:?}",
        r.body
    );
    let r = app
        .post_raw(
            "/api/v1/chat",
            Some(&key),
            json!({"message": "   "}).to_string(),
            &[],
        )
        .await;
    assert_error(&r, 400, "bad_request");

    let r = app
        .post_raw(
            "/api/v1/chat",
            Some(&key),
            json!({"message": "x".repeat(4000)}).to_string(),
            &[],
        )
        .await;
    assert_error(&r, 413, "payload_too_large");
    let r = app
        .post_raw(
            "/api/v1/chat",
            Some(&key),
            json!({"message": "y".repeat(600)}).to_string(),
            &[],
        )
        .await;
    assert_error(&r, 413, "payload_too_large");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("600 characters")
    );

    let r = app.chat_in(Some("no-such-conversation"), "hi").await;
    assert_error(&r, 404, "not_found");
    let r = app.get("/api/v1/conversations/nope", Some(&key)).await;
    assert_error(&r, 404, "not_found");
    let r = app.get("/api/v1/nowhere", Some(&key)).await;
    assert_error(&r, 404, "not_found");
}

#[tokio::test]
async fn a_key_over_its_rate_gets_429_with_retry_after() {
    let app = spawn_app(Options {
        tweak: Some(Box::new(|s| s.server.rate_limit_per_minute = 2)),
        ..Default::default()
    })
    .await;
    assert_eq!(app.chat("what can you do?").await.status, 200);
    assert_eq!(app.chat("what can you do?").await.status, 200);
    let r = app.chat("what can you do?").await;
    assert_error(&r, 429, "rate_limited");
    let retry_after: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry_after));
}

#[tokio::test]
async fn a_retried_request_gets_the_same_answer_and_no_second_turn() {
    let app = spawn_app(Options::default()).await;
    let body = json!({"message": "what was our ROAS yesterday?"}).to_string();
    let headers = [("idempotency-key", "client-msg-1")];
    let first = app
        .post_raw("/api/v1/chat", Some(&app.api_key), body.clone(), &headers)
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let again = app
        .post_raw("/api/v1/chat", Some(&app.api_key), body, &headers)
        .await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(again.body["message_id"], first.body["message_id"]);
    assert_eq!(again.body["reply"], first.body["reply"]);
    let conv = first.body["conversation_id"].as_str().unwrap();
    let history = app
        .get(&format!("/api/v1/conversations/{conv}"), Some(&app.api_key))
        .await;
    assert_eq!(
        history.body["messages"].as_array().unwrap().len(),
        2,
        "one question, one answer"
    );
}

#[tokio::test]
async fn tenants_cannot_read_each_others_conversations() {
    let app = spawn_app(Options::default()).await;
    let r = app.chat("how did meta do yesterday?").await;
    let conv = r.body["conversation_id"].as_str().unwrap().to_string();
    let other = app.store.create_tenant("Other Co").await.unwrap();
    let other_key = app.store.create_api_key(&other.id, "k").await.unwrap();
    let other_key = other_key.plaintext.expose();
    let r = app
        .get(&format!("/api/v1/conversations/{conv}"), Some(other_key))
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .post_raw(
            "/api/v1/chat",
            Some(other_key),
            json!({"conversation_id": conv, "message": "hi"}).to_string(),
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app(Options::default()).await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ok");
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["database"], "ok");
    assert_eq!(r.body["model"], "offline");
}
