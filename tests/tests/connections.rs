#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! The connections admin API: credentials in, sealed at rest, never out; a stored
//! connection replaces the demo emulator for its tenant.

use omnify_tests::{Options, spawn_app, today};
use omnify_tools::sandbox::brand::{Brand, BrandConfig};
use serde_json::json;
use std::sync::Arc;

#[tokio::test]
async fn a_connection_is_tested_sealed_listed_used_and_removed() {
    // A separate "real" Meta account: an emulator only this connection's token opens.
    let brand = Arc::new(Brand::generate(BrandConfig::new(
        7,
        today() - chrono::Duration::days(1),
    )));
    let account = brand.meta.account_id.clone();
    let meta = omnify_tools::spawn(brand, "tok-real-123".into())
        .await
        .unwrap();
    let meta_url = meta.meta_base_url();
    let app = spawn_app(Options {
        tweak: Some(Box::new(move |s| s.platforms.meta.base_url = meta_url)),
        ..Default::default()
    })
    .await;
    let key = app.api_key.clone();

    let platforms = app.get("/api/v1/platforms", Some(&key)).await;
    assert_eq!(platforms.status, 200);
    let meta_entry = platforms.body["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["platform"] == "meta")
        .cloned();
    assert_eq!(
        meta_entry.unwrap()["credential_fields"],
        json!(["access_token"])
    );

    let create = |token: &str| {
        json!({"platform": "meta", "account_id": account, "label": "Main ad account", "credentials": {"access_token": token}})
            .to_string()
    };
    let bad = app
        .post_raw("/api/v1/connections", Some(&key), create("tok-wrong"), &[])
        .await;
    assert_eq!(bad.status, 201, "{:?}", bad.body);
    assert_eq!(bad.body["status"], "failing");
    assert!(
        bad.body["last_error"]
            .as_str()
            .unwrap()
            .contains("reconnect Meta Ads"),
        "{:?}",
        bad.body
    );

    let good = app
        .post_raw(
            "/api/v1/connections",
            Some(&key),
            create("tok-real-123"),
            &[],
        )
        .await;
    assert_eq!(good.status, 201, "{:?}", good.body);
    assert_eq!(good.body["status"], "ok", "{:?}", good.body);
    assert_eq!(
        good.body["id"], bad.body["id"],
        "reconnecting the same account keeps one connection"
    );
    let id = good.body["id"].as_str().unwrap().to_string();

    let list = app.get("/api/v1/connections", Some(&key)).await;
    assert_eq!(list.body["connections"].as_array().unwrap().len(), 1);
    assert!(
        !list.body.to_string().contains("tok-real-123"),
        "credentials never come back"
    );
    let stored = app.store.connections(&app.tenant_id).await.unwrap();
    assert!(stored[0].sealed_credentials.starts_with("v1:"));
    assert!(
        !stored[0].sealed_credentials.contains("tok-real-123"),
        "sealed at rest"
    );

    // The tenant's questions now go to its own account, not the demo emulator.
    let before = meta.meta().request_count();
    let r = app.chat("how did Meta do last week?").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["tool_calls"][0]["ok"], true, "{:?}", r.body);
    assert!(
        meta.meta().request_count() > before,
        "the stored connection was used"
    );

    let retest = app
        .post_raw(
            &format!("/api/v1/connections/{id}/test"),
            Some(&key),
            String::new(),
            &[],
        )
        .await;
    assert_eq!(retest.status, 200);
    assert_eq!(retest.body["status"], "ok");

    let del = app
        .http
        .delete(app.url(&format!("/api/v1/connections/{id}")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    let del = app
        .http
        .delete(app.url(&format!("/api/v1/connections/{id}")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 404);
    assert!(
        app.get("/api/v1/connections", Some(&key)).await.body["connections"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn bad_requests_and_member_keys_are_refused() {
    let app = spawn_app(Options::default()).await;
    let key = app.api_key.clone();
    let missing = json!({"platform": "meta", "account_id": "act_1", "credentials": {}}).to_string();
    let r = app
        .post_raw("/api/v1/connections", Some(&key), missing, &[])
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("access_token"),
        "{:?}",
        r.body
    );
    let unknown = json!({"platform": "myspace", "account_id": "x", "credentials": {"token": "t"}})
        .to_string();
    let r = app
        .post_raw("/api/v1/connections", Some(&key), unknown, &[])
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("myspace")
    );

    let member = app
        .store
        .create_api_key_with_role(&app.tenant_id, "bot", "member")
        .await
        .unwrap();
    let r = app
        .get("/api/v1/connections", Some(member.plaintext.expose()))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body["error"]["code"], "forbidden");
    assert_eq!(
        app.chat("how did meta do yesterday?").await.status,
        200,
        "member and admin keys both chat"
    );
}
