//! The Klaviyo emulator's responses match PLATFORMS.md §3 field for field.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use omnify_tools::sandbox::klaviyo::Fault;
use serde_json::{Value, json};

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn request(
    sandbox: &omnify_tools::RunningSandbox,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, format!("{}{path}", sandbox.klaviyo_base_url()))
        .header("Authorization", format!("Klaviyo-API-Key {TOKEN}"))
        .header("revision", "2026-10-15")
        .header("accept", "application/vnd.api+json")
}

#[tokio::test]
async fn the_documented_campaign_values_report_gets_the_documented_shape() {
    let sandbox = sandbox().await;
    let body = json!({"data":{"type":"campaign-values-report","attributes":{
        "statistics":["recipients","opens_unique","open_rate","clicks_unique","click_rate","conversions","conversion_value","revenue_per_recipient"],
        "timeframe":{"start":"2026-10-01T00:00:00+00:00","end":"2026-10-31T23:59:59+00:00"},
        "conversion_metric_id":"RESQ6t",
        "filter":"equals(send_channel,\"email\")","group_by":["campaign_id","campaign_message_id","send_channel"]}}});
    let response = request(
        &sandbox,
        reqwest::Method::POST,
        "/api/campaign-values-reports",
    )
    .header("content-type", "application/vnd.api+json")
    .body(body.to_string())
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("ratelimit-limit").is_some());
    let doc: Value = response.json().await.unwrap();
    assert_eq!(keys(&doc), ["data", "links"]);
    assert_eq!(doc["data"]["type"], "campaign-values-report");
    assert!(
        doc["links"]["self"]
            .as_str()
            .unwrap()
            .ends_with("/api/campaign-values-reports")
    );
    let results = doc["data"]["attributes"]["results"].as_array().unwrap();
    assert!(results.len() >= 8, "about two e-mail campaigns a week");
    let first = &results[0];
    assert_eq!(keys(first), ["groupings", "statistics"]);
    assert_eq!(
        keys(&first["groupings"]),
        ["campaign_id", "campaign_message_id", "send_channel"]
    );
    assert_eq!(first["groupings"]["send_channel"], "email");
    let stats = &first["statistics"];
    assert_eq!(keys(stats).len(), 8);
    assert!(stats["opens_unique"].is_u64());
    for rate in ["open_rate", "click_rate"] {
        let r = stats[rate].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&r), "{rate} is a fraction: {r}");
    }
    assert!(
        stats["conversion_value"].is_number(),
        "a JSON number, not a string"
    );
    assert!(
        results
            .iter()
            .all(|r| r["groupings"]["send_channel"] == "email")
    );
}

#[tokio::test]
async fn lists_require_the_channel_filter_and_errors_are_json_api() {
    let sandbox = sandbox().await;
    let response = request(&sandbox, reqwest::Method::GET, "/api/campaigns")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let doc: Value = response.json().await.unwrap();
    let error = &doc["errors"][0];
    for key in ["id", "code", "title", "detail"] {
        assert!(error[key].is_string(), "{key}");
    }
    assert_eq!(error["code"], "invalid");

    let doc: Value = request(
        &sandbox,
        reqwest::Method::GET,
        "/api/campaigns?filter=equals(messages.channel,'sms')&page[size]=2",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let campaign = &doc["data"][0];
    assert_eq!(campaign["type"], "campaign");
    for key in [
        "name",
        "status",
        "archived",
        "audiences",
        "send_options",
        "tracking_options",
        "send_strategy",
        "created_at",
        "scheduled_at",
        "updated_at",
        "send_time",
    ] {
        assert!(
            campaign["attributes"].get(key).is_some(),
            "campaign attribute {key}"
        );
    }
    assert_eq!(campaign["attributes"]["status"], "Sent");
    // "2025-03-01T15:00:00+00:00"
    assert!(
        campaign["attributes"]["send_time"]
            .as_str()
            .unwrap()
            .ends_with("+00:00")
    );
    assert!(
        doc["links"]["next"]
            .as_str()
            .unwrap()
            .contains("page%5Bcursor%5D=")
    );

    let doc: Value = request(&sandbox, reqwest::Method::GET, "/api/flows")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["data"].as_array().unwrap().len(), 4);
    assert_eq!(
        keys(&doc["data"][0]["attributes"]),
        [
            "archived",
            "created",
            "name",
            "status",
            "trigger_type",
            "updated"
        ]
    );

    sandbox.klaviyo().inject(Fault::Throttled, 1);
    let response = request(&sandbox, reqwest::Method::GET, "/api/flows")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    assert!(
        response.headers().get("ratelimit-limit").is_none(),
        "429s drop the RateLimit headers"
    );
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["errors"][0]["code"], "throttled");
    assert_eq!(doc["errors"][0]["title"], "Request was throttled.");

    let response = reqwest::Client::new()
        .get(format!("{}/api/flows", sandbox.klaviyo_base_url()))
        .header("Authorization", format!("Klaviyo-API-Key {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "the revision header is required");
}

#[tokio::test]
async fn the_documented_flow_patch_round_trips() {
    let sandbox = sandbox().await;
    let id = sandbox.klaviyo().brand().klaviyo.flows[3].id.clone();
    let doc: Value = request(
        &sandbox,
        reqwest::Method::PATCH,
        &format!("/api/flows/{id}"),
    )
    .header("content-type", "application/vnd.api+json")
    .body(json!({"data":{"type":"flow","id":id,"attributes":{"status":"manual"}}}).to_string())
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(doc["data"]["attributes"]["status"], "manual");
    let response = request(
        &sandbox,
        reqwest::Method::PATCH,
        &format!("/api/flows/{id}"),
    )
    .header("content-type", "application/vnd.api+json")
    .body(json!({"data":{"type":"flow","id":id,"attributes":{"status":"paused"}}}).to_string())
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 400, "only draft, manual and live");
}
