//! The Google Ads client against the Google Ads and Google OAuth emulators over real
//! sockets, and the emulator against the documented example.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ads_common;
mod common;

use ads_common::*;
use chrono::Utc;
use common::*;
use omnify_core::Secret;
use omnify_tools::connectors::google_ads::{
    GoogleAdsClient, GoogleAdsConfig, GoogleAdsError, ReportLevel,
};
use omnify_tools::connectors::oauth::{TokenListener, TokenPair};
use omnify_tools::sandbox::campaign_changes::Change;
use omnify_tools::sandbox::google_ads::Fault;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[tokio::test]
async fn paging_follows_next_page_token_to_the_end_and_money_is_exact() {
    let sandbox = sandbox().await;
    sandbox.google_ads().set_page_size(10);
    let client = google_client(&sandbox);
    let week = range("2026-11-17", END);
    let brand = sandbox.google_ads().brand().clone();
    let expected = brand
        .google_ads
        .days
        .iter()
        .filter(|d| d.date >= week.since && d.date <= week.until && d.impressions > 0)
        .count();
    assert!(expected > 30, "need several pages, got {expected}");

    let rows = client.report(ReportLevel::Ad, week).await.unwrap();

    assert_eq!(rows.len(), expected);
    assert_eq!(
        sandbox.google_ads().request_count(),
        expected.div_ceil(10) as u64
    );
    let keys: HashSet<_> = rows.iter().map(|r| (r.ad_id.clone(), r.date)).collect();
    assert_eq!(keys.len(), rows.len());
    let cost: Decimal = rows.iter().map(|r| r.cost).sum();
    assert_eq!(cost, account_spend(&brand.google_ads, week));
    let value: Decimal = rows.iter().map(|r| r.conversions_value).sum();
    assert_eq!(value, account_revenue(&brand.google_ads, week));
    assert!(
        rows.iter()
            .all(|r| r.currency.as_deref() == Some("USD") && r.ad_name.is_some())
    );

    // One token refresh, then the developer token and manager id on every request,
    // and page tokens sent back in the body.
    assert_eq!(sandbox.google_ads().oauth().refresh_count(), 1);
    let requests = sandbox.google_ads().requests();
    assert!(
        requests
            .iter()
            .all(|r| r.developer_token.as_deref() == Some("dev-token")
                && r.login_customer_id.as_deref() == Some("9876543210"))
    );
    assert!(
        requests[1..]
            .iter()
            .all(|r| r.body["pageToken"].is_string())
    );
    assert!(requests[0].body.get("pageToken").is_none());
}

#[tokio::test]
async fn campaign_days_map_into_the_neutral_model_with_youtube_spend_as_a_video_campaign() {
    let sandbox = sandbox().await;
    let client = google_client(&sandbox);
    let days = client
        .campaign_days(ReportLevel::Campaign, range("2026-11-20", END))
        .await
        .unwrap();
    assert_eq!(days.len(), 16);
    assert!(
        days.iter()
            .all(|d| d.platform == "google_ads" && d.account_id == "1234567890")
    );
    let names: HashSet<_> = days.iter().map(|d| d.campaign_name.as_str()).collect();
    assert!(names.contains("Search - Brand") && names.contains("YouTube - Trail Stories"));
    let campaigns = client.campaigns().await.unwrap();
    let youtube = campaigns
        .iter()
        .find(|c| c.name == "YouTube - Trail Stories")
        .unwrap();
    assert_eq!(youtube.channel_type, "VIDEO");
    assert_eq!(youtube.daily_budget, Decimal::from(120));
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_before_the_request_and_reported() {
    let sandbox = sandbox().await;
    let seen: Arc<Mutex<Vec<TokenPair>>> = Arc::default();
    let sink = seen.clone();
    let mut config = google_config(&sandbox);
    config.oauth.access_token = Some(Secret::new("old-token"));
    config.oauth.access_token_expires_at = Some(Utc::now() - chrono::Duration::minutes(5));
    config.oauth.on_refresh = Some(TokenListener(Arc::new(move |pair: &TokenPair| {
        sink.lock().unwrap().push(pair.clone());
    })));
    let client = GoogleAdsClient::new(config).unwrap();
    client.campaigns().await.unwrap();
    assert_eq!(sandbox.google_ads().oauth().refresh_count(), 1);
    assert_eq!(
        sandbox.google_ads().request_count(),
        1,
        "no request with the old token"
    );
    let pairs = seen.lock().unwrap().clone();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0], client.tokens().await);
    assert!(pairs[0].expires_at.unwrap() > Utc::now() + chrono::Duration::minutes(55));
    assert_eq!(pairs[0].refresh_token.expose(), TOKEN);
}

#[tokio::test]
async fn a_401_refreshes_once_and_retries_and_a_revoked_grant_means_reconnect() {
    let sandbox = sandbox().await;
    let client = google_client(&sandbox);
    client.campaigns().await.unwrap();
    // Tokens expire server-side while the client still thinks they are good.
    sandbox.google_ads().oauth().expire_access_tokens();
    client.campaigns().await.unwrap();
    assert_eq!(sandbox.google_ads().oauth().refresh_count(), 2);
    assert_eq!(sandbox.google_ads().request_count(), 3);

    sandbox.google_ads().oauth().expire_access_tokens();
    sandbox.google_ads().oauth().revoke_refresh_token();
    let err = client.campaigns().await.unwrap_err();
    assert!(
        matches!(err, GoogleAdsError::TokenExpired { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Google Ads access expired or was revoked: reconnect Google Ads"
    );
}

#[tokio::test]
async fn an_injected_unauthenticated_answer_is_retried_with_a_fresh_token() {
    let sandbox = sandbox().await;
    let client = google_client(&sandbox);
    sandbox.google_ads().inject(Fault::TokenExpired, 1);
    client.campaigns().await.unwrap();
    assert_eq!(sandbox.google_ads().request_count(), 2);
    assert_eq!(sandbox.google_ads().oauth().refresh_count(), 2);
}

#[tokio::test]
async fn quota_throttling_waits_for_retry_delay_and_the_daily_quota_fails_at_once() {
    let sandbox = sandbox().await;
    sandbox.google_ads().inject(Fault::TemporarilyExhausted, 1);
    let started = Instant::now();
    google_client(&sandbox).campaigns().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retryDelay 1s honoured"
    );
    assert_eq!(sandbox.google_ads().request_count(), 2);

    sandbox.google_ads().reset_requests();
    sandbox.google_ads().inject(Fault::DailyQuotaExhausted, 5);
    let err = google_client(&sandbox).campaigns().await.unwrap_err();
    assert!(
        matches!(&err, GoogleAdsError::RateLimited { quota_error: Some(q), .. } if q == "RESOURCE_EXHAUSTED"),
        "{err:?}"
    );
    assert!(err.to_string().contains("try again in a few minutes"));
    assert_eq!(sandbox.google_ads().request_count(), 1);
}

#[tokio::test]
async fn server_errors_and_slow_answers_are_retried_within_bounds() {
    let sandbox = sandbox().await;
    sandbox.google_ads().inject(Fault::ServerError, 2);
    google_client(&sandbox).campaigns().await.unwrap();
    assert_eq!(sandbox.google_ads().request_count(), 3);

    sandbox.google_ads().reset_requests();
    sandbox.google_ads().inject(Fault::ServerError, 10);
    let err = google_client(&sandbox).campaigns().await.unwrap_err();
    assert!(
        matches!(err, GoogleAdsError::Unavailable { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(sandbox.google_ads().request_count(), 4);

    sandbox.google_ads().clear_faults();
    sandbox.google_ads().reset_requests();
    let client = GoogleAdsClient::new(GoogleAdsConfig {
        timeout: Duration::from_millis(300),
        ..google_config(&sandbox)
    })
    .unwrap();
    sandbox
        .google_ads()
        .inject(Fault::Slow(Duration::from_secs(2)), 1);
    client.campaigns().await.unwrap();
    assert_eq!(sandbox.google_ads().request_count(), 2);
}

#[tokio::test]
async fn the_page_cap_stops_paging_with_a_clear_error() {
    let sandbox = sandbox().await;
    sandbox.google_ads().set_page_size(5);
    let client = GoogleAdsClient::new(GoogleAdsConfig {
        max_pages: 3,
        ..google_config(&sandbox)
    })
    .unwrap();
    let err = client
        .report(ReportLevel::Ad, range("2026-11-01", END))
        .await
        .unwrap_err();
    assert_eq!(err, GoogleAdsError::TooManyPages { max_pages: 3 });
    assert_eq!(sandbox.google_ads().request_count(), 3);
}

#[tokio::test]
async fn budget_change_and_pause_are_sent_as_documented_and_read_back() {
    let sandbox = sandbox().await;
    let client = google_client(&sandbox);
    let before = client.campaigns().await.unwrap();
    let brand_campaign = before.iter().find(|c| c.name == "Search - Brand").unwrap();
    assert_eq!(brand_campaign.status, "ENABLED");

    // A validate-only preview changes nothing.
    client
        .set_campaign_budget(
            &brand_campaign.budget_resource_name,
            Decimal::from(60),
            true,
        )
        .await
        .unwrap();
    assert!(sandbox.google_ads().changes().is_empty());

    let name = client
        .set_campaign_budget(
            &brand_campaign.budget_resource_name,
            Decimal::from(60),
            false,
        )
        .await
        .unwrap();
    assert_eq!(name, brand_campaign.budget_resource_name);
    let paused = client
        .pause_campaign(&brand_campaign.id, false)
        .await
        .unwrap();
    assert_eq!(
        paused,
        format!("customers/1234567890/campaigns/{}", brand_campaign.id)
    );

    let requests = sandbox.google_ads().requests();
    let budget = requests
        .iter()
        .rev()
        .find(|r| r.method == "campaignBudgets:mutate")
        .unwrap();
    assert_eq!(
        budget.body,
        json!({"operations":[{"update":{"resourceName": brand_campaign.budget_resource_name,"amountMicros":"60000000"},"updateMask":"amountMicros"}],
               "validateOnly":false,"partialFailure":false})
    );
    let pause = requests
        .iter()
        .find(|r| r.method == "campaigns:mutate")
        .unwrap();
    assert_eq!(pause.body["operations"][0]["update"]["status"], "PAUSED");
    assert_eq!(pause.body["operations"][0]["updateMask"], "status");

    let changes = sandbox.google_ads().changes();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0].change, Change::DailyBudget(Decimal::from(60)));
    assert_eq!(changes[1].change, Change::Status("PAUSED".into()));

    let after = client.campaigns().await.unwrap();
    let changed = after.iter().find(|c| c.id == brand_campaign.id).unwrap();
    assert_eq!(changed.status, "PAUSED");
    assert_eq!(changed.daily_budget, Decimal::from(60));
}

/// The documented searchStream example (PLATFORMS.md §5), with its elided request id
/// filled in.
const DOCUMENTED_STREAM: &str = r#"[{"results":[{"campaign":{"resourceName":"customers/1234567890/campaigns/111","id":"111","name":"Brand","status":"ENABLED"},
       "metrics":{"costMicros":"45670000","impressions":"3400","clicks":"120","conversions":12.0,"conversionsValue":540.5},
       "segments":{"date":"2025-06-01"}}],
     "fieldMask":"campaign.id,campaign.name,campaign.status,segments.date,metrics.costMicros,metrics.impressions,metrics.clicks,metrics.conversions,metrics.conversionsValue",
     "requestId":"fXvT3k"}]"#;

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// Same keys and the same JSON kinds, recursively.
fn assert_same_shape(got: &Value, want: &Value, path: &str) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            assert_eq!(keys(got), keys(want), "keys at {path}");
            for (k, wv) in w {
                assert_same_shape(&g[k], wv, &format!("{path}.{k}"));
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            assert!(!g.is_empty(), "{path} is empty");
            for item in g {
                assert_same_shape(item, &w[0], &format!("{path}[]"));
            }
        }
        (Value::String(_), Value::String(_)) | (Value::Number(_), Value::Number(_)) => {}
        _ => panic!("{path}: got {got}, documented {want}"),
    }
}

#[tokio::test]
async fn search_stream_matches_the_documented_example_field_for_field() {
    let sandbox = sandbox().await;
    let example: Value = serde_json::from_str(DOCUMENTED_STREAM).unwrap();
    let http = reqwest::Client::new();
    let token_response: Value = http
        .post(sandbox.google_token_url())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", TOKEN),
            ("client_id", "c"),
            ("client_secret", "s"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        keys(&token_response),
        ["access_token", "expires_in", "scope", "token_type"]
            .map(String::from)
            .into()
    );
    assert_eq!(token_response["expires_in"], 3599);
    let access = token_response["access_token"].as_str().unwrap();

    let query = "SELECT campaign.id, campaign.name, campaign.status, segments.date, metrics.cost_micros, metrics.impressions, metrics.clicks, metrics.conversions, metrics.conversions_value FROM campaign WHERE segments.date BETWEEN '2026-11-20' AND '2026-11-23'";
    let response = http
        .post(format!(
            "{}/v26/customers/1234567890/googleAds:searchStream",
            sandbox.google_ads_base_url()
        ))
        .bearer_auth(access)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("request-id"));
    let body: Value = response.json().await.unwrap();
    assert_same_shape(&body, &example, "");
    assert_eq!(body[0]["fieldMask"], example[0]["fieldMask"]);
    let first = &body[0]["results"][0];
    assert_eq!(first["segments"]["date"], "2026-11-20");
    assert!(
        first["metrics"]["costMicros"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .is_ok()
    );
    assert!(
        first["campaign"]["resourceName"]
            .as_str()
            .unwrap()
            .starts_with("customers/1234567890/campaigns/")
    );
    let spend: Decimal = body[0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            Decimal::from_str(r["metrics"]["costMicros"].as_str().unwrap()).unwrap()
                / Decimal::from(1_000_000)
        })
        .sum();
    let brand = sandbox.google_ads().brand().clone();
    assert_eq!(
        spend,
        account_spend(&brand.google_ads, range("2026-11-20", END))
    );

    // Documented failure shapes: no token, pageSize, and the quota error.
    let unauthenticated = http
        .post(format!(
            "{}/v26/customers/1234567890/googleAds:search",
            sandbox.google_ads_base_url()
        ))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
    let paged = http
        .post(format!(
            "{}/v26/customers/1234567890/googleAds:search",
            sandbox.google_ads_base_url()
        ))
        .bearer_auth(access)
        .json(&json!({ "query": query, "pageSize": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(paged.status(), 400);
    let paged: Value = paged.json().await.unwrap();
    assert_eq!(
        paged["error"]["details"][0]["errors"][0]["errorCode"]["requestError"],
        "PAGE_SIZE_NOT_SUPPORTED"
    );
    sandbox.google_ads().inject(Fault::TemporarilyExhausted, 1);
    let throttled = http
        .post(format!(
            "{}/v26/customers/1234567890/googleAds:search",
            sandbox.google_ads_base_url()
        ))
        .bearer_auth(access)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(throttled.status(), 429);
    let throttled: Value = throttled.json().await.unwrap();
    let error = &throttled["error"];
    assert_eq!(error["status"], "RESOURCE_EXHAUSTED");
    assert_eq!(
        error["details"][0]["@type"],
        "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure"
    );
    let item = &error["details"][0]["errors"][0];
    assert_eq!(
        item["errorCode"]["quotaError"],
        "RESOURCE_TEMPORARILY_EXHAUSTED"
    );
    assert_eq!(item["details"]["quotaErrorDetails"]["retryDelay"], "1s");
}

#[test]
fn bad_configuration_is_refused_up_front_and_secrets_stay_hidden() {
    let oauth = omnify_tools::connectors::google_ads::google_oauth(
        "id",
        Secret::new("s"),
        Secret::new("r"),
    );
    let config = GoogleAdsConfig::new(Secret::new("dev"), oauth.clone(), "12345");
    assert!(matches!(
        GoogleAdsClient::new(config),
        Err(GoogleAdsError::Config(_))
    ));
    let mut no_refresh = oauth.clone();
    no_refresh.refresh_token = Secret::new("");
    let config = GoogleAdsConfig::new(Secret::new("dev"), no_refresh, "1234567890");
    assert!(matches!(
        GoogleAdsClient::new(config),
        Err(GoogleAdsError::Config(_))
    ));
    let client = GoogleAdsClient::new(GoogleAdsConfig::new(
        Secret::new("dev"),
        oauth,
        "1234567890",
    ))
    .unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains("\"dev\"") && !debug.contains("\"r\"") && debug.contains("redacted"));
}
