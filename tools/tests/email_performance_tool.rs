//! `get_email_performance` end to end against the Klaviyo emulator, on numbers
//! computed straight from the brand.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use omnify_core::{Secret, Tool, ToolError};
use omnify_tools::connectors::klaviyo::{KlaviyoClient, KlaviyoConfig};
use omnify_tools::email_performance::EmailPerformanceTool;
use omnify_tools::money::format_money;
use omnify_tools::{PlatformClients, RunningSandbox, SharedClients};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The production configuration (Klaviyo's real reporting limits) pointed at the
/// sandbox, which enforces the same limits.
fn tool(sandbox: &RunningSandbox) -> EmailPerformanceTool {
    let client = KlaviyoClient::new(KlaviyoConfig {
        base_url: sandbox.klaviyo_base_url(),
        ..KlaviyoConfig::new(Secret::new(TOKEN), "TrlHd7")
    })
    .unwrap();
    let mut clients = PlatformClients::new();
    clients.insert("klaviyo", Arc::new(client));
    EmailPerformanceTool::new(Arc::new(SharedClients(Arc::new(clients))))
}

fn parse(v: &serde_json::Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn email_performance_matches_the_brand_to_the_cent() {
    let sandbox = sandbox().await;
    let brand = sandbox.klaviyo().brand().clone();
    let (since, until) = (day("2026-11-01"), day(END));
    let in_range = |d: chrono::NaiveDate| d >= since && d <= until;
    let campaigns: Vec<_> = brand
        .klaviyo
        .campaigns
        .iter()
        .filter(|c| in_range(c.send_time.date_naive()))
        .collect();
    let campaign_cents: i64 = campaigns
        .iter()
        .map(|c| c.stats.conversion_value_cents)
        .sum();
    let days: Vec<_> = brand
        .klaviyo
        .flow_days
        .iter()
        .filter(|d| in_range(d.date))
        .collect();
    let flow_cents: i64 = days.iter().map(|d| d.stats.conversion_value_cents).sum();
    let mut per_flow: BTreeMap<&str, i64> = BTreeMap::new();
    for d in &days {
        *per_flow.entry(d.flow_id.as_str()).or_default() += d.stats.conversion_value_cents;
    }
    let (top_flow_id, top_flow_cents) = per_flow.iter().max_by_key(|(_, c)| **c).unwrap();
    let top_flow = brand.klaviyo.flow(top_flow_id).unwrap();
    let email_delivered: u64 = campaigns
        .iter()
        .filter(|c| c.channel == "email")
        .map(|c| c.stats.delivered)
        .sum::<u64>()
        + days
            .iter()
            .filter(|d| d.channel == "email")
            .map(|d| d.stats.delivered)
            .sum::<u64>();
    let email_opens: u64 = campaigns
        .iter()
        .filter(|c| c.channel == "email")
        .map(|c| c.stats.opens_unique)
        .sum::<u64>()
        + days
            .iter()
            .filter(|d| d.channel == "email")
            .map(|d| d.stats.opens_unique)
            .sum::<u64>();

    let out = tool(&sandbox)
        .call(
            &ctx(),
            json!({"date_range": {"since": "2026-11-01", "until": END}}),
        )
        .await
        .unwrap();

    assert_eq!(
        parse(&out.data["campaigns"]["totals"]["revenue"]),
        Decimal::new(campaign_cents, 2)
    );
    assert_eq!(
        parse(&out.data["flows"]["totals"]["revenue"]),
        Decimal::new(flow_cents, 2)
    );
    assert_eq!(
        parse(&out.data["totals"]["revenue"]),
        Decimal::new(campaign_cents + flow_cents, 2)
    );
    assert_eq!(out.data["campaigns"]["count"], campaigns.len());
    assert_eq!(
        out.data["by_channel"]["email"]["delivered"],
        email_delivered
    );
    let open_rate = out.data["by_channel"]["email"]["open_rate"]
        .as_f64()
        .unwrap();
    assert!((open_rate - email_opens as f64 / email_delivered as f64).abs() < 1e-4);
    assert_eq!(out.data["top_flows"][0]["name"], top_flow.name.as_str());
    assert!(
        Decimal::new(*top_flow_cents, 2) >= parse(&out.data["top_flows"][0]["metrics"]["revenue"])
    );

    let total_money = format_money(Decimal::new(campaign_cents + flow_cents, 2), "USD");
    assert!(
        out.summary.starts_with(&format!(
            "Klaviyo, 2026-11-01 to {END}: {total_money} revenue"
        )),
        "{}",
        out.summary
    );
    assert!(
        out.summary
            .contains(&format!("Top flow: {}", top_flow.name)),
        "{}",
        out.summary
    );
    assert!(out.summary.contains("SMS: click rate"), "{}", out.summary);
    assert_eq!(out.provenance.len(), 2);
    assert_eq!(out.provenance[0].account, "TrlHd7");
    assert!(
        out.provenance[1]
            .query
            .starts_with("POST /api/flow-values-reports timeframe=2026-11-01T00:00:00+00:00")
    );
    assert_eq!(out.chart.unwrap().x_labels.len(), 4);
    // Klaviyo's own limiter kept the sandbox from ever throttling.
    assert!(sandbox.klaviyo().requests().iter().all(|r| r.status == 200));
}

#[tokio::test]
async fn sms_only_and_the_not_connected_and_bad_range_answers() {
    let sandbox = sandbox().await;
    let out = tool(&sandbox)
        .call(&ctx(), json!({"date_range": {"since": "2026-10-01", "until": "2026-10-31"}, "channel": "sms", "top": 3}))
        .await
        .unwrap();
    assert_eq!(out.data["by_channel"]["email"]["delivered"], 0);
    assert!(
        out.data["top_campaigns"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["channel"] == "sms")
    );
    assert!(out.data["top_flows"].as_array().unwrap().len() <= 3);
    assert!(!out.summary.contains("Email: open rate"), "{}", out.summary);

    let empty =
        EmailPerformanceTool::new(Arc::new(SharedClients(Arc::new(PlatformClients::new()))));
    let err = empty
        .call(
            &ctx(),
            json!({"date_range": {"since": "2026-10-01", "until": "2026-10-31"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ToolError::NotConnected(
            "Klaviyo is not connected: connect it with `/omnify connect klaviyo`".into()
        )
    );
    let err = tool(&sandbox)
        .call(
            &ctx(),
            json!({"date_range": {"since": "2025-01-01", "until": "2026-10-31"}}),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ToolError::BadArguments(m) if m.contains("at most 366 days")));
}
