//! The TikTok client against the TikTok emulator over real sockets, and the emulator
//! against the documented example.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ads_common;
mod common;

use ads_common::*;
use common::*;
use omnify_core::Secret;
use omnify_tools::connectors::tiktok::{
    CampaignStatus, DataLevel, TikTokClient, TikTokConfig, TikTokError,
};
use omnify_tools::sandbox::brand::tiktok::ADVERTISER_ID;
use omnify_tools::sandbox::campaign_changes::Change;
use omnify_tools::sandbox::tiktok::Fault;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashSet};
use std::str::FromStr;
use std::time::{Duration, Instant};

#[tokio::test]
async fn paging_walks_every_page_and_money_is_exact() {
    let sandbox = sandbox().await;
    let client = TikTokClient::new(TikTokConfig {
        page_size: 7,
        ..tiktok_config(&sandbox)
    })
    .unwrap();
    let week = range("2026-11-17", END);
    let brand = sandbox.tiktok().brand().clone();
    let expected = brand
        .tiktok
        .days
        .iter()
        .filter(|d| d.date >= week.since && d.date <= week.until && d.impressions > 0)
        .count();
    assert!(expected > 20);

    let rows = client.report(DataLevel::Ad, week).await.unwrap();

    assert_eq!(rows.len(), expected);
    assert_eq!(
        sandbox.tiktok().request_count(),
        expected.div_ceil(7) as u64
    );
    let keys: HashSet<_> = rows.iter().map(|r| (r.ad_id.clone(), r.date)).collect();
    assert_eq!(keys.len(), rows.len());
    let spend: Decimal = rows.iter().map(|r| r.spend).sum();
    assert_eq!(spend, account_spend(&brand.tiktok, week));
    let value: Decimal = rows.iter().map(|r| r.purchase_value).sum();
    assert_eq!(value, account_revenue(&brand.tiktok, week));
    assert!(
        rows.iter()
            .all(|r| r.campaign_name.len() > 3 && r.ad_name.is_some())
    );

    let requests = sandbox.tiktok().requests();
    assert!(
        requests
            .iter()
            .all(|r| r.access_token.as_deref() == Some(TOKEN))
    );
    assert!(requests.iter().all(|r| !r.path_and_query.contains(TOKEN)));
    assert!(
        requests
            .last()
            .unwrap()
            .path_and_query
            .contains(&format!("page={}", expected.div_ceil(7)))
    );
}

#[tokio::test]
async fn long_ranges_are_asked_for_in_30_day_slices() {
    let sandbox = sandbox().await;
    let client = tiktok_client(&sandbox);
    let quarter = range("2026-08-26", END); // 90 days
    let days = client
        .campaign_days(DataLevel::Campaign, quarter)
        .await
        .unwrap();
    assert_eq!(sandbox.tiktok().request_count(), 3);
    assert_eq!(days.len(), 90 * 3);
    let spend: Decimal = days.iter().map(|d| d.spend).sum();
    assert_eq!(
        spend,
        account_spend(&sandbox.tiktok().brand().tiktok, quarter)
    );
    assert!(
        days.iter().all(|d| d.platform == "tiktok"
            && d.account_id == ADVERTISER_ID
            && d.currency == "USD")
    );
}

#[tokio::test]
async fn code_40100_is_retried_and_a_persistent_one_is_rate_limited() {
    let sandbox = sandbox().await;
    sandbox.tiktok().inject(Fault::Throttled, 2);
    let rows = tiktok_client(&sandbox)
        .report(DataLevel::Campaign, range("2026-11-20", END))
        .await
        .unwrap();
    assert_eq!(rows.len(), 12);
    assert_eq!(sandbox.tiktok().request_count(), 3);

    sandbox.tiktok().reset_requests();
    sandbox.tiktok().inject(Fault::Throttled, 100);
    let err = tiktok_client(&sandbox).campaigns().await.unwrap_err();
    assert!(matches!(err, TikTokError::RateLimited { .. }), "{err:?}");
    assert!(err.to_string().contains("try again in a few minutes"));
    assert_eq!(sandbox.tiktok().request_count(), 4);
}

#[tokio::test]
async fn http_429_honours_retry_after_and_500s_are_retried() {
    let sandbox = sandbox().await;
    sandbox.tiktok().inject(Fault::TooManyRequests, 1);
    let started = Instant::now();
    tiktok_client(&sandbox).campaigns().await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(sandbox.tiktok().request_count(), 2);

    sandbox.tiktok().reset_requests();
    sandbox.tiktok().inject(Fault::ServerError, 10);
    let err = tiktok_client(&sandbox).campaigns().await.unwrap_err();
    assert!(matches!(err, TikTokError::Unavailable { .. }), "{err:?}");
    assert_eq!(sandbox.tiktok().request_count(), 4);

    sandbox.tiktok().clear_faults();
    sandbox.tiktok().reset_requests();
    let client = TikTokClient::new(TikTokConfig {
        timeout: Duration::from_millis(300),
        ..tiktok_config(&sandbox)
    })
    .unwrap();
    sandbox
        .tiktok()
        .inject(Fault::Slow(Duration::from_secs(2)), 1);
    client.campaigns().await.unwrap();
    assert_eq!(sandbox.tiktok().request_count(), 2);
}

#[tokio::test]
async fn a_revoked_or_wrong_token_is_final_and_says_reconnect() {
    let sandbox = sandbox().await;
    sandbox.tiktok().inject(Fault::TokenRevoked, 1);
    let err = tiktok_client(&sandbox).campaigns().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "TikTok Ads token expired or was revoked: reconnect TikTok Ads"
    );
    assert_eq!(sandbox.tiktok().request_count(), 1);
    let wrong = TikTokClient::new(TikTokConfig {
        access_token: Secret::new("nope"),
        ..tiktok_config(&sandbox)
    })
    .unwrap();
    assert!(matches!(
        wrong.campaigns().await.unwrap_err(),
        TikTokError::TokenExpired { code: 40105, .. }
    ));
}

#[tokio::test]
async fn the_page_cap_stops_paging() {
    let sandbox = sandbox().await;
    let client = TikTokClient::new(TikTokConfig {
        page_size: 3,
        max_pages: 2,
        ..tiktok_config(&sandbox)
    })
    .unwrap();
    let err = client
        .report(DataLevel::Ad, range("2026-11-17", END))
        .await
        .unwrap_err();
    assert_eq!(err, TikTokError::TooManyPages { max_pages: 2 });
    assert_eq!(sandbox.tiktok().request_count(), 2);
}

#[tokio::test]
async fn budget_and_status_writes_are_sent_as_documented_and_read_back() {
    let sandbox = sandbox().await;
    let client = tiktok_client(&sandbox);
    let campaigns = client.campaigns().await.unwrap();
    let spark = campaigns
        .iter()
        .find(|c| c.name == "Spark Ads - Creator Hauls")
        .unwrap();
    assert_eq!(spark.budget, Decimal::from(180));
    assert_eq!(spark.operation_status, "ENABLE");
    assert_eq!(spark.budget_mode, "BUDGET_MODE_DAY");

    client
        .set_campaign_budget(&spark.id, Decimal::from_str("150.5").unwrap())
        .await
        .unwrap();
    client
        .set_campaign_status(&[&spark.id], CampaignStatus::Disable)
        .await
        .unwrap();

    let requests = sandbox.tiktok().requests();
    let budget = requests
        .iter()
        .find(|r| r.path_and_query.ends_with("/campaign/update/"))
        .unwrap();
    assert_eq!(
        budget.body,
        Some(json!({"advertiser_id": ADVERTISER_ID, "campaign_id": spark.id, "budget": 150.5}))
    );
    let status = requests
        .iter()
        .find(|r| r.path_and_query.ends_with("/campaign/status/update/"))
        .unwrap();
    assert_eq!(
        status.body,
        Some(
            json!({"advertiser_id": ADVERTISER_ID, "campaign_ids": [spark.id], "operation_status": "DISABLE"})
        )
    );

    let changes = sandbox.tiktok().changes();
    assert_eq!(
        changes[0].change,
        Change::DailyBudget(Decimal::from_str("150.5").unwrap())
    );
    assert_eq!(changes[1].change, Change::Status("DISABLE".into()));
    let after = client.campaigns().await.unwrap();
    let spark_after = after.iter().find(|c| c.id == spark.id).unwrap();
    assert_eq!(spark_after.budget, Decimal::from_str("150.5").unwrap());
    assert_eq!(spark_after.operation_status, "DISABLE");

    let err = client
        .set_campaign_status(&[], CampaignStatus::Enable)
        .await
        .unwrap_err();
    assert!(matches!(err, TikTokError::Config(_)));
}

/// The documented report example (PLATFORMS.md §8).
const DOCUMENTED: &str = r#"{"code":0,"message":"OK","request_id":"20251114113337267C3017B572313C5F0A",
    "data":{"list":[{"dimensions":{"campaign_id":"1680018437245954","stat_time_day":"2025-06-01 00:00:00"},
                     "metrics":{"spend":"1265.87","impressions":"3840449","clicks":"45231","ctr":"1.18","conversion":"37","campaign_name":"Spring"}}],
            "page_info":{"page":1,"page_size":1000,"total_number":2500,"total_page":3}}}"#;

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn the_report_matches_the_documented_example_field_for_field() {
    let sandbox = sandbox().await;
    let example: Value = serde_json::from_str(DOCUMENTED).unwrap();
    let url = reqwest::Url::parse_with_params(
        &format!("{}/v1.3/report/integrated/get/", sandbox.tiktok_base_url()),
        &[
            ("advertiser_id", ADVERTISER_ID),
            ("report_type", "BASIC"),
            ("data_level", "AUCTION_CAMPAIGN"),
            ("dimensions", r#"["campaign_id","stat_time_day"]"#),
            (
                "metrics",
                r#"["spend","impressions","clicks","ctr","conversion","campaign_name"]"#,
            ),
            ("start_date", "2026-11-20"),
            ("end_date", END),
            ("page", "1"),
            ("page_size", "5"),
        ],
    )
    .unwrap();
    let http = reqwest::Client::new();
    let response = http
        .get(url.clone())
        .header("Access-Token", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(keys(&body), keys(&example));
    assert_eq!(body["code"], 0);
    assert_eq!(keys(&body["data"]), keys(&example["data"]));
    assert_eq!(
        keys(&body["data"]["page_info"]),
        keys(&example["data"]["page_info"])
    );
    assert_eq!(body["data"]["page_info"]["total_number"], 12);
    assert_eq!(body["data"]["page_info"]["total_page"], 3);
    let want = &example["data"]["list"][0];
    for row in body["data"]["list"].as_array().unwrap() {
        assert_eq!(keys(row), keys(want));
        assert_eq!(keys(&row["dimensions"]), keys(&want["dimensions"]));
        assert_eq!(keys(&row["metrics"]), keys(&want["metrics"]));
        assert!(
            row["metrics"]
                .as_object()
                .unwrap()
                .values()
                .all(Value::is_string)
        );
        assert!(
            row["dimensions"]["stat_time_day"]
                .as_str()
                .unwrap()
                .ends_with(" 00:00:00")
        );
        assert!(Decimal::from_str(row["metrics"]["spend"].as_str().unwrap()).is_ok());
    }

    // Errors and throttling come back as HTTP 200 with a non-zero code.
    sandbox.tiktok().inject(Fault::Throttled, 1);
    let throttled = http
        .get(url.clone())
        .header("Access-Token", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(throttled.status(), 200);
    let throttled: Value = throttled.json().await.unwrap();
    assert_eq!(throttled["code"], 40100);
    let no_token: Value = http.get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(no_token["code"], 40104);
}
