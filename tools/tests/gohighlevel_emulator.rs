//! The GoHighLevel emulator's responses match PLATFORMS.md §4 field for field.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use omnify_tools::sandbox::gohighlevel::{
    OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_REFRESH_TOKEN,
};
use serde_json::{Value, json};

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn the_documented_searches_get_the_documented_shapes() {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let base = sandbox.gohighlevel_base_url();
    let page: Value = http
        .post(format!("{base}/contacts/search"))
        .bearer_auth(TOKEN)
        .header("Version", "2021-07-28")
        .json(&json!({"locationId":"ve9EPM428h8vShlRW1KT","page":1,"pageLimit":100,
            "filters":[{"field":"dateAdded","operator":"range","value":{"gte":"2025-06-01","lte":"2026-11-30"}}],
            "sort":[{"field":"dateAdded","direction":"desc"}]}))
        .send().await.unwrap().json().await.unwrap();
    assert_eq!(keys(&page), ["contacts", "total"]);
    let c = &page["contacts"][0];
    for key in [
        "id",
        "locationId",
        "firstNameLowerCase",
        "email",
        "phone",
        "source",
        "tags",
        "dateAdded",
        "customFields",
        "attributions",
    ] {
        assert!(c.get(key).is_some(), "contact field {key}");
    }
    // "2025-06-03T09:31:30.255Z"
    let added = c["dateAdded"].as_str().unwrap();
    assert!(added.ends_with('Z') && added.len() == 24, "{added}");

    let doc: Value = http
        .get(format!(
            "{base}/opportunities/search?location_id=ve9EPM428h8vShlRW1KT&status=all&limit=5"
        ))
        .bearer_auth(TOKEN)
        .header("Version", "2021-07-28")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let o = &doc["opportunities"][0];
    for key in [
        "id",
        "name",
        "monetaryValue",
        "pipelineId",
        "pipelineStageId",
        "status",
        "source",
        "assignedTo",
        "contactId",
        "locationId",
        "lastStatusChangeAt",
        "createdAt",
        "updatedAt",
        "contact",
    ] {
        assert!(o.get(key).is_some(), "opportunity field {key}");
    }
    assert!(o["monetaryValue"].is_number());
    assert_eq!(keys(&o["contact"]), ["email", "id", "name", "tags"]);
    let meta = &doc["meta"];
    for key in [
        "total",
        "startAfterId",
        "startAfter",
        "nextPageUrl",
        "currentPage",
        "nextPage",
    ] {
        assert!(meta.get(key).is_some(), "meta field {key}");
    }
    assert!(meta["startAfter"].is_i64(), "ms epoch number");
    assert_eq!(meta["currentPage"], 1);
    assert_eq!(meta["nextPage"], 2);
    assert_eq!(meta["startAfterId"], doc["opportunities"][4]["id"]);

    let pipelines: Value = http
        .get(format!(
            "{base}/opportunities/pipelines?locationId=ve9EPM428h8vShlRW1KT"
        ))
        .bearer_auth(TOKEN)
        .header("Version", "2021-07-28")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pipelines["pipelines"].as_array().unwrap().len(), 2);
    assert!(
        pipelines["pipelines"][0]["stages"][0]["id"]
            .as_str()
            .unwrap()
            .len()
            == 36,
        "UUID stage ids"
    );
}

#[tokio::test]
async fn errors_tokens_and_the_status_write_match_the_docs() {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let base = sandbox.gohighlevel_base_url();
    let response = http
        .get(format!(
            "{base}/opportunities/pipelines?locationId=ve9EPM428h8vShlRW1KT"
        ))
        .bearer_auth("nope")
        .header("Version", "2021-07-28")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["statusCode"], 401);
    assert_eq!(body["message"], "Invalid token: access token is invalid");
    assert_eq!(body["error"], "Unauthorized");

    let grant: Value = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("client_id", OAUTH_CLIENT_ID),
            ("client_secret", OAUTH_CLIENT_SECRET),
            ("grant_type", "refresh_token"),
            ("refresh_token", OAUTH_REFRESH_TOKEN),
            ("user_type", "Location"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        keys(&grant),
        [
            "access_token",
            "companyId",
            "expires_in",
            "locationId",
            "refresh_token",
            "scope",
            "token_type",
            "userId",
            "userType"
        ]
    );
    assert_eq!(grant["token_type"], "Bearer");
    assert_eq!(grant["expires_in"], 86399);
    assert_eq!(grant["userType"], "Location");
    assert_ne!(grant["refresh_token"], OAUTH_REFRESH_TOKEN);

    let id = sandbox.gohighlevel().brand().gohighlevel.opportunities[0]
        .id
        .clone();
    let answer: Value = http
        .put(format!("{base}/opportunities/{id}/status"))
        .bearer_auth(grant["access_token"].as_str().unwrap())
        .header("Version", "2021-07-28")
        .json(&json!({"status": "lost"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer, json!({"succeded": true}), "the typo is real");

    let response = http
        .get(format!(
            "{base}/opportunities/pipelines?locationId=ve9EPM428h8vShlRW1KT"
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "the Version header is required");
}
