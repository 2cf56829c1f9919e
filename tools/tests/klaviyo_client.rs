//! The Klaviyo client against the Klaviyo emulator over real sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use omnify_core::Secret;
use omnify_tools::RunningSandbox;
use omnify_tools::connectors::klaviyo::{
    FlowStatus, KlaviyoClient, KlaviyoConfig, KlaviyoError, ReportKind, ReportingLimit,
};
use omnify_tools::connectors::retry::Backoff;
use omnify_tools::sandbox::klaviyo::Fault;
use rust_decimal::Decimal;
use std::time::{Duration, Instant};

/// Reporting limits scaled down so tests run fast; the emulator enforces the same.
fn fast_limit() -> ReportingLimit {
    ReportingLimit {
        burst: 1,
        burst_window: Duration::from_millis(100),
        steady: 2,
        steady_window: Duration::from_millis(600),
    }
}

fn config(sandbox: &RunningSandbox) -> KlaviyoConfig {
    sandbox.klaviyo().set_reporting_limit(Some(fast_limit()));
    KlaviyoConfig {
        base_url: sandbox.klaviyo_base_url(),
        backoff: Backoff {
            base: Duration::from_millis(5),
            max: Duration::from_millis(20),
        },
        timeout: Duration::from_secs(5),
        reporting_limit: fast_limit(),
        ..KlaviyoConfig::new(Secret::new(TOKEN), "TrlHd7")
    }
}

fn client(sandbox: &RunningSandbox) -> KlaviyoClient {
    KlaviyoClient::new(config(sandbox)).unwrap()
}

#[tokio::test]
async fn campaign_lists_follow_links_next_with_the_key_in_the_header_only() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let brand = sandbox.klaviyo().brand().clone();
    let expected = brand
        .klaviyo
        .campaigns
        .iter()
        .filter(|c| c.channel == "email")
        .count();
    assert!(expected > 100, "need two pages, got {expected}");

    let campaigns = client.campaigns("email").await.unwrap();

    assert_eq!(campaigns.len(), expected);
    assert_eq!(
        sandbox.klaviyo().request_count(),
        expected.div_ceil(100) as u64
    );
    let requests = sandbox.klaviyo().requests();
    for r in &requests {
        assert_eq!(
            r.authorization.as_deref(),
            Some(format!("Klaviyo-API-Key {TOKEN}").as_str())
        );
        assert_eq!(r.revision.as_deref(), Some("2026-10-15"));
        assert!(!r.path_and_query.contains(TOKEN));
        assert!(
            r.path_and_query
                .contains("filter=equals%28messages.channel%2C%27email%27%29"),
            "{}",
            r.path_and_query
        );
    }
    assert!(
        requests[1].path_and_query.contains("page%5Bcursor%5D="),
        "{}",
        requests[1].path_and_query
    );
    assert!(
        campaigns
            .iter()
            .all(|c| c.kind == "campaign" && c.text("name").is_some())
    );
}

#[tokio::test]
async fn reports_join_with_lists_and_revenue_is_exact_to_the_cent() {
    let sandbox = sandbox().await;
    sandbox.klaviyo().set_reporting_limit(None);
    let client = KlaviyoClient::new(KlaviyoConfig {
        reporting_limit: ReportingLimit {
            burst: 100,
            steady: 100,
            ..fast_limit()
        },
        ..config(&sandbox)
    })
    .unwrap();
    sandbox.klaviyo().set_reporting_limit(None);
    let brand = sandbox.klaviyo().brand().clone();
    let week = range("2026-11-01", END);

    let campaigns = client.campaign_stats(week).await.unwrap();
    let flows = client.flow_stats(week).await.unwrap();

    let sent: Vec<_> = brand
        .klaviyo
        .campaigns
        .iter()
        .filter(|c| {
            let d = c.send_time.date_naive();
            d >= week.since && d <= week.until
        })
        .collect();
    assert_eq!(campaigns.len(), sent.len());
    let revenue: Decimal = campaigns.iter().map(|c| c.metrics.revenue).sum();
    let cents: i64 = sent.iter().map(|c| c.stats.conversion_value_cents).sum();
    assert_eq!(revenue, Decimal::new(cents, 2));
    let named = campaigns
        .iter()
        .find(|c| c.campaign_id == sent[0].id)
        .unwrap();
    assert_eq!(named.name, sent[0].name);
    assert_eq!(named.metrics.delivered, sent[0].stats.delivered);

    let flow_cents: i64 = brand
        .klaviyo
        .flow_days
        .iter()
        .filter(|d| d.date >= week.since && d.date <= week.until)
        .map(|d| d.stats.conversion_value_cents)
        .sum();
    assert_eq!(
        flows.iter().map(|f| f.metrics.revenue).sum::<Decimal>(),
        Decimal::new(flow_cents, 2)
    );
    assert!(flows.iter().any(
        |f| f.name == "Abandoned Cart" && f.channel == omnify_tools::model::MessageChannel::Sms
    ));

    // The Placed Order metric was looked up once, by name.
    let metric_lookups = sandbox
        .klaviyo()
        .requests()
        .iter()
        .filter(|r| r.path_and_query.starts_with("/klaviyo/api/metrics"))
        .count();
    assert_eq!(metric_lookups, 1);
    let report = sandbox
        .klaviyo()
        .requests()
        .into_iter()
        .find(|r| r.path_and_query == "/klaviyo/api/campaign-values-reports")
        .unwrap();
    assert_eq!(
        report.body.unwrap()["data"]["attributes"]["conversion_metric_id"],
        "RESQ6t"
    );
}

#[tokio::test]
async fn the_limiter_spaces_reports_so_klaviyo_never_throttles() {
    let sandbox = sandbox().await;
    let client = KlaviyoClient::new(KlaviyoConfig {
        conversion_metric_id: Some("RESQ6t".into()),
        ..config(&sandbox)
    })
    .unwrap();
    let week = range("2026-11-17", END);
    let started = Instant::now();
    for kind in [
        ReportKind::Campaigns,
        ReportKind::Flows,
        ReportKind::Campaigns,
    ] {
        client.values_report(kind, week).await.unwrap();
    }
    // Lower bounds only: the third report had to wait for the 600 ms steady window.
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    let requests = sandbox.klaviyo().requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests.iter().all(|r| r.status == 200),
        "no 429s: {:?}",
        requests.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(requests[1].at.duration_since(requests[0].at) >= Duration::from_millis(90));
    assert!(requests[2].at.duration_since(requests[0].at) >= Duration::from_millis(540));
}

#[tokio::test]
async fn without_the_limiter_the_emulator_throttles_like_klaviyo() {
    let sandbox = sandbox().await;
    sandbox
        .klaviyo()
        .set_reporting_limit(Some(ReportingLimit::default()));
    let http = reqwest::Client::new();
    let body = serde_json::json!({"data": {"type": "flow-values-report", "attributes": {
        "statistics": ["recipients"], "timeframe": {"key": "last_30_days"}, "conversion_metric_id": "RESQ6t"}}});
    let send = || {
        http.post(format!(
            "{}/api/flow-values-reports",
            sandbox.klaviyo_base_url()
        ))
        .header("Authorization", format!("Klaviyo-API-Key {TOKEN}"))
        .header("revision", "2026-10-15")
        .json(&body)
        .send()
    };
    assert_eq!(send().await.unwrap().status(), 200);
    let throttled = send().await.unwrap();
    assert_eq!(throttled.status(), 429);
    assert_eq!(throttled.headers()["retry-after"], "1");
    assert!(throttled.headers().get("ratelimit-remaining").is_none());
}

#[tokio::test]
async fn a_report_that_would_wait_too_long_fails_with_a_clear_message() {
    let sandbox = sandbox().await;
    sandbox
        .klaviyo()
        .set_reporting_limit(Some(ReportingLimit::default()));
    let client = KlaviyoClient::new(KlaviyoConfig {
        reporting_limit: ReportingLimit::default(),
        max_report_wait: Duration::from_millis(200),
        conversion_metric_id: Some("RESQ6t".into()),
        ..config(&sandbox)
    })
    .unwrap();
    let week = range("2026-11-17", END);
    client
        .values_report(ReportKind::Campaigns, week)
        .await
        .unwrap();
    let error = client
        .values_report(ReportKind::Flows, week)
        .await
        .unwrap_err();
    assert!(
        matches!(error, KlaviyoError::ReportingBudget { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "Klaviyo's reporting limit (2 reports a minute) is used up; try again in 1 seconds"
    );
    assert_eq!(
        sandbox.klaviyo().request_count(),
        1,
        "the refused report was never sent"
    );
}

#[tokio::test]
async fn throttling_is_retried_after_retry_after_and_other_faults_are_typed() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    sandbox.klaviyo().inject(Fault::Throttled, 1);
    let started = Instant::now();
    client.flows().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 honoured"
    );
    assert_eq!(sandbox.klaviyo().request_count(), 2);

    sandbox.klaviyo().inject(Fault::ServerError, 2);
    client.flows().await.unwrap();
    sandbox.klaviyo().inject(Fault::ServerError, 4);
    let error = client.flows().await.unwrap_err();
    assert!(matches!(
        error,
        KlaviyoError::Unavailable { status: 503, .. }
    ));

    sandbox.klaviyo().inject(Fault::InvalidKey, 1);
    let error = client.flows().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Klaviyo rejected the API key: reconnect Klaviyo with a valid private API key"
    );
    sandbox.klaviyo().inject(Fault::MissingScope, 1);
    let error = client.flows().await.unwrap_err();
    assert!(matches!(error, KlaviyoError::MissingScope { .. }));
    assert!(error.to_string().contains("flows:read"));

    let wrong = KlaviyoClient::new(KlaviyoConfig {
        api_key: Secret::new("pk_wrong"),
        ..config(&sandbox)
    })
    .unwrap();
    assert!(matches!(
        wrong.flows().await.unwrap_err(),
        KlaviyoError::InvalidKey { .. }
    ));

    let impatient = KlaviyoClient::new(KlaviyoConfig {
        timeout: Duration::from_millis(100),
        max_retries: 0,
        ..config(&sandbox)
    })
    .unwrap();
    sandbox
        .klaviyo()
        .inject(Fault::Slow(Duration::from_millis(400)), 1);
    assert!(matches!(
        impatient.flows().await.unwrap_err(),
        KlaviyoError::Timeout(_)
    ));
}

#[tokio::test]
async fn pausing_a_flow_is_applied_and_a_later_read_shows_it() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let cart = sandbox
        .klaviyo()
        .brand()
        .klaviyo
        .flows
        .iter()
        .find(|f| f.name == "Abandoned Cart")
        .unwrap()
        .id
        .clone();
    let updated = client
        .update_flow_status(&cart, FlowStatus::Manual)
        .await
        .unwrap();
    assert_eq!(updated.text("status"), Some("manual"));
    let flows = client.flows().await.unwrap();
    assert_eq!(
        flows.iter().find(|f| f.id == cart).unwrap().text("status"),
        Some("manual")
    );
    assert_eq!(
        sandbox.klaviyo().flow_status(&cart).as_deref(),
        Some("manual")
    );
    let patch = sandbox
        .klaviyo()
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        patch.body.unwrap(),
        serde_json::json!({"data": {"type": "flow", "id": cart, "attributes": {"status": "manual"}}})
    );

    let error = client
        .update_flow_status("NOPE00", FlowStatus::Live)
        .await
        .unwrap_err();
    assert!(matches!(error, KlaviyoError::NotFound { .. }));
}
