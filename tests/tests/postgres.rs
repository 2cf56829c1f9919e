#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! The whole server on PostgreSQL. Runs when `OMNIFY_TEST_DATABASE_URL` is set
//! (`.ci/run` sets it); the store's own tests cover both backends query by query.

use omnify_tests::{Options, spawn_app};

#[tokio::test]
async fn chat_and_history_work_on_postgres() {
    if std::env::var("OMNIFY_TEST_DATABASE_URL").is_err() {
        eprintln!("skipped: OMNIFY_TEST_DATABASE_URL is not set");
        return;
    }
    let app = spawn_app(Options {
        postgres: true,
        ..Default::default()
    })
    .await;
    let r = app.chat("how did Meta do last week?").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let conv = r.body["conversation_id"].as_str().unwrap();
    let again = app.chat_in(Some(conv), "and last month?").await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    let history = app
        .get(&format!("/api/v1/conversations/{conv}"), Some(&app.api_key))
        .await;
    assert_eq!(history.body["messages"].as_array().unwrap().len(), 4);
    assert_eq!(history.body["tool_calls"].as_array().unwrap().len(), 2);
}
