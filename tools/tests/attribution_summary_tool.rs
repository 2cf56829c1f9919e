//! `get_attribution_summary`: channel credit on known orders, and end to end through
//! the TripleWhale connector and emulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Utc};
use common::*;
use omnify_core::{ChartKind, Secret, Tool, ToolError};
use omnify_tools::attribution_summary::{by_campaign, by_channel};
use omnify_tools::connectors::retry::Backoff;
use omnify_tools::model::{AttributedOrder, ChannelSpend, Money, Touch};
use omnify_tools::sandbox::triplewhale::TripleWhaleFault;
use omnify_tools::{
    AttributionSummaryTool, PlatformClients, RunningSandbox, SharedClients, TripleWhaleClient,
    TripleWhaleConfig,
};
use rust_decimal::Decimal;
use serde_json::json;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

fn order(total: &str, source: Option<(&str, Option<&str>)>) -> AttributedOrder {
    AttributedOrder {
        order_id: total.into(),
        order_name: "#1".into(),
        created_at: DateTime::<Utc>::from_str("2026-11-20T10:00:00Z").unwrap(),
        customer_id: None,
        total: Money::new(Decimal::from_str(total).unwrap(), "USD"),
        first_click: source.map(|(s, c)| Touch {
            source: s.into(),
            campaign_id: c.map(str::to_owned),
            adset_id: None,
            ad_id: None,
            clicked_at: None,
        }),
    }
}

#[test]
fn first_click_credit_on_known_orders() {
    let orders = [
        order("100.00", Some(("facebook-ads", Some("c1")))),
        order("50.00", Some(("facebook-ads", Some("c2")))),
        order("25.00", Some(("klaviyo", None))),
        order("10.00", None),
    ];
    let spend = [
        ChannelSpend {
            source: "facebook-ads".into(),
            spend: Money::new(Decimal::from(60), "USD"),
            platform_roas: Some(Decimal::from_str("2.1").unwrap()),
        },
        ChannelSpend {
            source: "google-ads".into(),
            spend: Money::new(Decimal::from(40), "USD"),
            platform_roas: None,
        },
    ];
    let channels = by_channel(&orders, &spend);
    let names: Vec<_> = channels.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(names, ["facebook-ads", "klaviyo", "direct", "google-ads"]);
    assert_eq!(channels[0].orders, 2);
    assert_eq!(channels[0].revenue, Decimal::from(150));
    assert_eq!(channels[0].roas(), Some(Decimal::from_str("2.5").unwrap()));
    assert_eq!(
        channels[3].roas(),
        Some(Decimal::ZERO),
        "spend with no credited orders"
    );
    assert_eq!(channels[1].roas(), None, "no spend on email");
    let campaigns = by_campaign(&orders);
    assert_eq!(campaigns.len(), 2);
    assert_eq!(campaigns[0].campaign_id, "c1");
}

fn tool(sandbox: &RunningSandbox) -> AttributionSummaryTool {
    let client = TripleWhaleClient::new(TripleWhaleConfig {
        base_url: sandbox.triplewhale_base_url(),
        backoff: Backoff {
            base: Duration::from_millis(5),
            max: Duration::from_millis(20),
        },
        ..TripleWhaleConfig::new(Secret::new(TOKEN), "trailhead-supply.myshopify.com")
    })
    .unwrap();
    let mut clients = PlatformClients::new();
    clients.insert("triplewhale", Arc::new(client));
    AttributionSummaryTool::new(Arc::new(SharedClients(Arc::new(clients))))
}

#[tokio::test]
async fn end_to_end_blended_roas_is_shopify_revenue_over_all_ad_spend() {
    let sandbox = sandbox().await;
    let week = range("2026-11-17", END);
    let out = tool(&sandbox)
        .call(
            &ctx(),
            json!({"date_range": {"since": "2026-11-17", "until": END}}),
        )
        .await
        .unwrap();
    let brand = sandbox.triplewhale().brand().clone();
    let orders: Vec<_> = brand
        .shopify
        .orders_between(week.since, week.until)
        .collect();
    let revenue = Decimal::new(orders.iter().map(|o| o.total_minor).sum(), 2);
    let spend_minor: i64 = brand
        .ad_spend_by_day()
        .range(week.since..=week.until)
        .map(|(_, v)| v)
        .sum();
    let spend = Decimal::new(spend_minor, 2);
    assert_eq!(out.data["revenue"], json!(revenue));
    assert_eq!(out.data["ad_spend"], json!(spend));
    assert_eq!(
        out.data["blended_roas"],
        json!((revenue / spend).round_dp(2))
    );
    assert_eq!(out.data["attributed_revenue"], json!(revenue));
    assert_eq!(out.data["attributed_orders"], orders.len());
    // Meta's first-click orders are exactly the brand's orders first clicked on Meta.
    let meta_orders = orders
        .iter()
        .filter(|o| o.first_touch.platform.as_deref() == Some("meta"))
        .count();
    let channels = out.data["channels"].as_array().unwrap();
    let facebook = channels
        .iter()
        .find(|c| c["source"] == "facebook-ads")
        .unwrap();
    assert_eq!(facebook["orders"], meta_orders);
    let campaign_ids: Vec<_> = brand.meta.campaigns.iter().map(|c| c.id.as_str()).collect();
    let top = out.data["top_campaigns"].as_array().unwrap();
    assert!(!top.is_empty());
    for c in top.iter().filter(|c| c["source"] == "facebook-ads") {
        assert!(campaign_ids.contains(&c["campaign_id"].as_str().unwrap()));
    }
    assert_eq!(out.provenance.len(), 2);
    assert!(out.provenance.iter().all(|p| p.platform == "triplewhale"));
    assert!(
        out.summary.starts_with(
            "TripleWhale (trailhead-supply.myshopify.com), 2026-11-17 to 2026-11-23: $"
        )
    );
    assert!(out.summary.contains("blended ROAS (MER)"));
    assert_eq!(out.chart.unwrap().kind, ChartKind::Bar);
}

#[tokio::test]
async fn not_connected_and_upstream_errors_read_well() {
    let empty =
        AttributionSummaryTool::new(Arc::new(SharedClients(Arc::new(PlatformClients::new()))));
    let args = json!({"date_range": {"since": "2026-11-17", "until": END}});
    assert_eq!(
        empty.call(&ctx(), args.clone()).await.unwrap_err(),
        ToolError::NotConnected(
            "TripleWhale is not connected: connect it with `/omnify connect triplewhale`".into()
        )
    );
    let sandbox = sandbox().await;
    sandbox
        .triplewhale()
        .inject(TripleWhaleFault::KeyExpired, 2);
    assert_eq!(
        tool(&sandbox).call(&ctx(), args).await.unwrap_err(),
        ToolError::Upstream("TripleWhale API key expired: reconnect TripleWhale".into())
    );
}
