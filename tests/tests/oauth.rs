#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! Connecting a platform with OAuth: start, the platform's redirect back, the code
//! exchanged at a token endpoint (a local stand-in speaking the OAuth 2.0 wire format).

use axum::routing::post;
use axum::{Form, Json, Router};
use omnify_server::config::OAuthApp;
use omnify_tests::{Options, spawn_app};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A token endpoint: `code=good` gets tokens, anything else `invalid_grant`.
async fn token_endpoint(seen: Arc<Mutex<Vec<HashMap<String, String>>>>) -> String {
    let app = Router::new().route(
        "/token",
        post(move |Form(form): Form<HashMap<String, String>>| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(form.clone());
                if form.get("code").map(String::as_str) == Some("good") && form.get("client_secret").map(String::as_str) == Some("shh") {
                    (axum::http::StatusCode::OK, Json(json!({"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 1800, "token_type": "bearer"})))
                } else {
                    (axum::http::StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": "code expired"})))
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/token")
}

#[tokio::test]
async fn an_admin_connects_a_platform_through_oauth() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let token_url = token_endpoint(seen.clone()).await;
    let app = spawn_app(Options {
        tweak: Some(Box::new(move |s| {
            s.oauth.insert(
                "meta".into(),
                OAuthApp {
                    client_id: "client-1".into(),
                    client_secret: omnify_core::Secret::new("shh"),
                    authorize_url: "https://www.facebook.com/v26.0/dialog/oauth".into(),
                    token_url,
                    scopes: "ads_read".into(),
                },
            );
        })),
        ..Default::default()
    })
    .await;
    let start = app
        .post_raw(
            "/api/v1/connections/oauth/meta/start",
            Some(&app.api_key),
            json!({"account_id": "act_42"}).to_string(),
            &[],
        )
        .await;
    assert_eq!(start.status, 200, "{:?}", start.body);
    let url = reqwest::Url::parse(start.body["authorize_url"].as_str().unwrap()).unwrap();
    let q: HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], "client-1");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["redirect_uri"], app.url("/oauth/meta/callback"));
    let state = q["state"].clone();

    // The platform refuses a bad code: nothing is saved and the person is told why.
    let bad = app
        .http
        .get(app.url(&format!("/oauth/meta/callback?code=bad&state={state}")))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("code expired"));

    // The state was used up by that attempt: start again.
    let start = app
        .post_raw(
            "/api/v1/connections/oauth/meta/start",
            Some(&app.api_key),
            json!({"account_id": "act_42"}).to_string(),
            &[],
        )
        .await;
    let state = start.body["state"].as_str().unwrap().to_string();
    let ok = app
        .http
        .get(app.url(&format!("/oauth/meta/callback?code=good&state={state}")))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("Meta Ads is connected"));
    let exchange = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(exchange["grant_type"], "authorization_code");
    assert_eq!(exchange["redirect_uri"], app.url("/oauth/meta/callback"));

    let list = app.get("/api/v1/connections", Some(&app.api_key)).await;
    let conns = list.body["connections"].as_array().unwrap();
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0]["account_id"], "act_42");
    assert!(!list.body.to_string().contains("at-1") && !list.body.to_string().contains("rt-1"));

    let replay = app
        .http
        .get(app.url(&format!("/oauth/meta/callback?code=good&state={state}")))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400, "a state works once");
    let denied = app
        .http
        .get(app.url("/oauth/meta/callback?error=access_denied"))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 400);
    assert!(denied.text().await.unwrap().contains("access_denied"));
}

#[tokio::test]
async fn oauth_for_an_unconfigured_platform_says_what_to_set() {
    let app = spawn_app(Options::default()).await;
    let r = app
        .post_raw(
            "/api/v1/connections/oauth/meta/start",
            Some(&app.api_key),
            json!({"account_id": "a"}).to_string(),
            &[],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("oauth.meta.client_id"),
        "{:?}",
        r.body
    );
    let _: Value = r.body;
}
