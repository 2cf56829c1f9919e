//! The Meta Ads client against the Meta emulator over real sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use omnify_tools::connectors::meta::InsightsLevel;
use omnify_tools::sandbox::meta::Fault;
use omnify_tools::{MetaAdsClient, MetaConfig, MetaError};
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::time::{Duration, Instant};

#[tokio::test]
async fn paging_follows_next_to_the_last_page_and_money_is_exact() {
    let sandbox = sandbox().await;
    let client = MetaAdsClient::new(MetaConfig {
        page_limit: 25,
        ..meta_config(&sandbox)
    })
    .unwrap();
    let week = range("2026-11-17", END);
    let brand = sandbox.meta().brand().clone();
    let expected_rows = brand
        .meta
        .days
        .iter()
        .filter(|d| d.date >= week.since && d.date <= week.until && d.impressions > 0)
        .count();
    assert!(
        expected_rows > 100,
        "need several pages, got {expected_rows} rows"
    );

    let rows = client
        .insights(InsightsLevel::Ad, week, true)
        .await
        .unwrap();

    assert_eq!(rows.len(), expected_rows);
    let pages = expected_rows.div_ceil(25) as u64;
    assert_eq!(sandbox.meta().request_count(), pages);
    // No row twice: paging neither skipped nor repeated.
    let keys: HashSet<_> = rows
        .iter()
        .map(|r| (r.ad_id.clone(), r.date_start))
        .collect();
    assert_eq!(keys.len(), rows.len());
    let spend: Decimal = rows.iter().map(|r| r.spend).sum();
    assert_eq!(spend, brand_spend(&brand, week));
    let revenue: Decimal = rows.iter().map(|r| r.purchase_value).sum();
    assert_eq!(revenue, brand_revenue(&brand, week));
    let purchases: Decimal = rows.iter().map(|r| r.purchases).sum();
    assert_eq!(purchases, Decimal::from(brand_purchases(&brand, week)));
    assert!(rows.iter().all(|r| r.currency.as_deref() == Some("USD")));
    assert!(
        rows.iter()
            .all(|r| r.ad_name.is_some() && r.campaign_name.is_some())
    );

    // The token travels in the Authorization header, never in a URL.
    let requests = sandbox.meta().requests();
    assert!(requests.iter().all(|r| r.bearer));
    assert!(requests.iter().all(|r| !r.path_and_query.contains(TOKEN)));
    assert!(
        requests[1..]
            .iter()
            .all(|r| r.path_and_query.contains("after="))
    );
}

#[tokio::test]
async fn campaign_days_map_into_the_neutral_model() {
    let sandbox = sandbox().await;
    let client = meta_client(&sandbox);
    let days = client
        .campaign_days(InsightsLevel::Campaign, range("2026-11-20", END))
        .await
        .unwrap();
    // Four campaigns, four days, all delivering.
    assert_eq!(days.len(), 16);
    let first = &days[0];
    assert_eq!(first.platform, "meta");
    assert_eq!(first.account_id, "act_1234567890");
    assert_eq!(first.currency, "USD");
    assert!(first.ad_id.is_none());
    let names: HashSet<_> = days.iter().map(|d| d.campaign_name.as_str()).collect();
    assert!(names.contains("ASC - Evergreen") && names.contains("Black Friday Teaser"));
}

#[tokio::test]
async fn http_429_is_retried_after_the_retry_after_delay() {
    let sandbox = sandbox().await;
    sandbox.meta().inject(Fault::TooManyRequests, 1);
    let started = Instant::now();
    let rows = meta_client(&sandbox)
        .insights(InsightsLevel::Campaign, range("2026-11-17", END), false)
        .await
        .unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(sandbox.meta().request_count(), 2);
    // Retry-After: 1 was honoured rather than the 5 ms test backoff.
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn rate_limit_codes_17_4_and_613_are_retried_then_succeed() {
    let sandbox = sandbox().await;
    sandbox.meta().inject(Fault::UserRequestLimit, 1);
    sandbox.meta().inject(Fault::AppRequestLimit, 1);
    sandbox.meta().inject(Fault::AdAccountRequestLimit, 1);
    let rows = meta_client(&sandbox)
        .insights(InsightsLevel::Account, range("2026-11-17", END), false)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(sandbox.meta().request_count(), 4);
}

#[tokio::test]
async fn a_persistent_rate_limit_ends_in_rate_limited_after_bounded_retries() {
    let sandbox = sandbox().await;
    sandbox.meta().inject(Fault::UserRequestLimit, 100);
    let err = meta_client(&sandbox)
        .insights(InsightsLevel::Campaign, range("2026-11-17", END), true)
        .await
        .unwrap_err();
    match &err {
        MetaError::RateLimited { code, message } => {
            assert_eq!(*code, Some(17));
            assert_eq!(message, "(#17) User request limit reached");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(err.to_string().contains("try again in a few minutes"));
    // One try plus max_retries (3).
    assert_eq!(sandbox.meta().request_count(), 4);
}

#[tokio::test]
async fn an_expired_token_is_not_retried_and_tells_the_user_to_reconnect() {
    let sandbox = sandbox().await;
    sandbox.meta().inject(Fault::TokenExpired, 1);
    let err = meta_client(&sandbox)
        .insights(InsightsLevel::Campaign, range("2026-11-17", END), true)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MetaError::TokenExpired { message } if message.contains("Session has expired"))
    );
    assert_eq!(
        err.to_string(),
        "Meta Ads token expired: reconnect Meta Ads"
    );
    assert_eq!(sandbox.meta().request_count(), 1);
}

#[tokio::test]
async fn a_wrong_token_is_a_token_error_too() {
    let sandbox = sandbox().await;
    let client = MetaAdsClient::new(MetaConfig {
        access_token: omnify_core::Secret::new("not-the-token"),
        ..meta_config(&sandbox)
    })
    .unwrap();
    let err = client
        .insights(InsightsLevel::Campaign, range("2026-11-17", END), true)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MetaError::TokenExpired { message } if message == "Invalid OAuth access token.")
    );
    assert_eq!(sandbox.meta().request_count(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_and_a_persistent_one_is_unavailable() {
    let sandbox = sandbox().await;
    sandbox.meta().inject(Fault::ServerError, 2);
    let rows = meta_client(&sandbox)
        .insights(InsightsLevel::Campaign, range("2026-11-17", END), false)
        .await
        .unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(sandbox.meta().request_count(), 3);

    sandbox.meta().reset_requests();
    sandbox.meta().inject(Fault::ServerError, 10);
    let err = meta_client(&sandbox)
        .insights(InsightsLevel::Campaign, range("2026-11-17", END), false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, MetaError::Unavailable { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(sandbox.meta().request_count(), 4);
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried() {
    let sandbox = sandbox().await;
    let client = MetaAdsClient::new(MetaConfig {
        timeout: Duration::from_millis(300),
        ..meta_config(&sandbox)
    })
    .unwrap();
    sandbox
        .meta()
        .inject(Fault::Slow(Duration::from_secs(2)), 1);
    let rows = client
        .insights(InsightsLevel::Campaign, range("2026-11-17", END), false)
        .await
        .unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(sandbox.meta().request_count(), 2);

    sandbox.meta().reset_requests();
    sandbox
        .meta()
        .inject(Fault::Slow(Duration::from_secs(2)), 4);
    let err = client
        .insights(InsightsLevel::Campaign, range("2026-11-17", END), false)
        .await
        .unwrap_err();
    assert!(matches!(err, MetaError::Timeout(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Meta Ads did not answer within 0.3 seconds"
    );
}

#[tokio::test]
async fn paging_stops_at_the_page_cap_with_a_clear_error() {
    let sandbox = sandbox().await;
    let client = MetaAdsClient::new(MetaConfig {
        page_limit: 5,
        max_pages: 3,
        ..meta_config(&sandbox)
    })
    .unwrap();
    let err = client
        .insights(InsightsLevel::Ad, range("2026-11-17", END), true)
        .await
        .unwrap_err();
    assert_eq!(err, MetaError::TooManyPages { max_pages: 3 });
    assert!(err.to_string().contains("shorter date range"));
    assert_eq!(sandbox.meta().request_count(), 3);
}

#[tokio::test]
async fn campaigns_come_with_budgets_in_minor_units() {
    let sandbox = sandbox().await;
    let campaigns = meta_client(&sandbox).campaigns().await.unwrap();
    let brand = sandbox.meta().brand().clone();
    assert_eq!(campaigns.len(), brand.meta.campaigns.len());
    for (got, want) in campaigns.iter().zip(&brand.meta.campaigns) {
        assert_eq!(got.id, want.id);
        assert_eq!(got.name, want.name);
        assert_eq!(got.daily_budget_minor, Some(want.daily_budget_minor));
    }
    assert_eq!(campaigns[0].daily_budget_minor, Some(45_000));
}

#[test]
fn bad_configuration_is_refused_up_front() {
    let config = MetaConfig::new(omnify_core::Secret::new("t"), "1234-x");
    assert!(matches!(
        MetaAdsClient::new(config),
        Err(MetaError::Config(_))
    ));
    let config = MetaConfig::new(omnify_core::Secret::new(""), "act_1");
    assert!(matches!(
        MetaAdsClient::new(config),
        Err(MetaError::Config(_))
    ));
    let config = MetaConfig::new(omnify_core::Secret::new("t"), "1234567890");
    let client = MetaAdsClient::new(config).unwrap();
    assert_eq!(client.account_id(), "act_1234567890");
    // Debug output never shows the token.
    let debug = format!("{client:?}");
    assert!(!debug.contains("\"t\"") && debug.contains("redacted"));
}

#[tokio::test]
async fn lifetime_frequency_is_cumulative_impressions_over_lifetime_reach() {
    let sandbox = sandbox().await;
    let client = meta_client(&sandbox);
    // 12 days: two requests of up to 10 cumulative ranges each.
    let window = range("2026-11-12", END);
    let rows = client.lifetime_frequency(window).await.unwrap();
    assert_eq!(sandbox.meta().request_count(), 2);
    let requests = sandbox.meta().requests();
    assert!(
        requests
            .iter()
            .all(|r| r.path_and_query.contains("time_ranges="))
    );

    // The truth: impressions since the ad's first day over the people reached by then.
    let brand = sandbox.meta().brand().clone();
    let mut checked = 0;
    for row in &rows {
        let days: Vec<_> = brand
            .meta
            .days
            .iter()
            .filter(|d| d.ad_id == row.ad_id && d.date <= row.date)
            .collect();
        let impressions: u64 = days.iter().map(|d| d.impressions).sum();
        let reach = days.last().unwrap().lifetime_reach;
        let truth = impressions as f64 / reach as f64;
        assert!(
            (row.frequency - truth).abs() < 1e-5,
            "{} on {}: {} vs {truth}",
            row.ad_id,
            row.date,
            row.frequency
        );
        checked += 1;
    }
    // 18 ads, all live in the window, every day of it.
    assert_eq!(checked, 18 * 12);
    let tired = brand
        .ground_truth
        .fatigue
        .iter()
        .find(|f| f.platform == "meta")
        .unwrap();
    let latest = rows
        .iter()
        .filter(|r| r.ad_id == tired.ad_id)
        .max_by_key(|r| r.date)
        .unwrap();
    // A creative that fatigued has passed the frequency it fatigued at.
    assert!(
        latest.frequency > tired.onset_frequency,
        "{latest:?} vs {tired:?}"
    );
}
