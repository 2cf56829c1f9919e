//! `get_store_sales`: the arithmetic on known orders, and end to end through the
//! Shopify connector and emulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Utc};
use common::*;
use omnify_core::{Secret, Tool, ToolError};
use omnify_tools::connectors::retry::Backoff;
use omnify_tools::model::{Money, Order};
use omnify_tools::sandbox::shopify::ShopifyFault;
use omnify_tools::store_sales::SalesTotals;
use omnify_tools::{
    PlatformClients, RunningSandbox, SharedClients, ShopifyClient, ShopifyConfig, StoreSalesTool,
};
use rust_decimal::Decimal;
use serde_json::json;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

fn order(customer: &str, index: u32, total: &str, refunded: &str) -> Order {
    Order {
        platform: "shopify".into(),
        id: format!("gid://shopify/Order/{customer}{index}"),
        name: "#1".into(),
        created_at: DateTime::<Utc>::from_str("2026-11-20T10:00:00Z").unwrap(),
        customer_id: Some(customer.into()),
        customer_order_index: Some(index),
        total: Money::new(Decimal::from_str(total).unwrap(), "USD"),
        refunded: Money::new(Decimal::from_str(refunded).unwrap(), "USD"),
        financial_status: "PAID".into(),
        refunds: Vec::new(),
    }
}

#[test]
fn totals_on_known_orders() {
    let orders = [
        order("a", 1, "100.00", "0"),
        order("a", 2, "50.50", "50.50"),
        order("b", 3, "20.25", "0"),
        order("c", 1, "9.99", "2.00"),
    ];
    let t = SalesTotals::from_orders(&orders);
    assert_eq!(t.revenue, Decimal::from_str("180.74").unwrap());
    assert_eq!(t.orders, 4);
    assert_eq!(t.refunds, Decimal::from_str("52.50").unwrap());
    assert_eq!(t.net_revenue(), Decimal::from_str("128.24").unwrap());
    assert_eq!(t.aov(), Some(Decimal::from_str("45.185").unwrap()));
    // a and c bought for the first time; b had bought before.
    assert_eq!((t.new_customers, t.returning_customers), (2, 1));
    assert_eq!(
        (t.new_customer_orders, t.returning_customer_orders()),
        (2, 2)
    );
    assert_eq!(t.new_customer_revenue, Decimal::from_str("109.99").unwrap());
}

fn tool(sandbox: &RunningSandbox) -> StoreSalesTool {
    let client = ShopifyClient::new(ShopifyConfig {
        base_url: sandbox.shopify_base_url(),
        backoff: Backoff {
            base: Duration::from_millis(5),
            max: Duration::from_millis(20),
        },
        ..ShopifyConfig::new(Secret::new(TOKEN), "trailhead-supply.myshopify.com")
    })
    .unwrap();
    let mut clients = PlatformClients::new();
    clients.insert("shopify", Arc::new(client));
    StoreSalesTool::new(Arc::new(SharedClients(Arc::new(clients))))
}

#[tokio::test]
async fn end_to_end_the_numbers_match_the_brands_orders() {
    let sandbox = sandbox().await;
    let out = tool(&sandbox)
        .call(
            &ctx(),
            json!({"date_range": {"since": "2026-11-17", "until": END}, "breakdown": "day"}),
        )
        .await
        .unwrap();
    let brand = sandbox.shopify().brand().clone();
    let week: Vec<_> = brand
        .shopify
        .orders_between(day("2026-11-17"), day(END))
        .collect();
    let before: Vec<_> = brand
        .shopify
        .orders_between(day("2026-11-10"), day("2026-11-16"))
        .collect();
    let cents = |minor: i64| Decimal::new(minor, 2);
    let revenue = cents(week.iter().map(|o| o.total_minor).sum());
    let previous = cents(before.iter().map(|o| o.total_minor).sum());
    let totals = &out.data["totals"];
    assert_eq!(totals["revenue"], json!(revenue));
    assert_eq!(totals["orders"], week.len());
    assert_eq!(
        totals["refunds"],
        json!(cents(week.iter().map(|o| o.refunded_minor()).sum()))
    );
    let new_orders = week.iter().filter(|o| o.customer_order_index == 1).count();
    assert_eq!(totals["new_customer_orders"], new_orders);
    assert_eq!(
        totals["new_customers"], new_orders,
        "one first order per new customer"
    );
    assert_eq!(out.data["previous_totals"]["revenue"], json!(previous));
    assert_eq!(out.data["by_day"].as_array().unwrap().len(), 7);
    // One request sequence covers both weeks.
    assert_eq!(out.provenance.len(), 1);
    let p = &out.provenance[0];
    assert_eq!(p.platform, "shopify");
    assert_eq!(p.account, "trailhead-supply.myshopify.com");
    assert_eq!(p.date_range, Some(range("2026-11-10", END)));
    assert!(
        p.query
            .contains("created_at:>=2026-11-10 created_at:<2026-11-24")
    );
    assert!(out.summary.starts_with(
        "Shopify (trailhead-supply.myshopify.com), 2026-11-17 to 2026-11-23: revenue $"
    ));
    assert!(
        out.summary
            .contains(&omnify_tools::money::format_money(revenue, "USD"))
    );
    assert!(out.summary.contains("new and"));
    assert_eq!(out.chart.unwrap().x_labels.len(), 7);
}

#[tokio::test]
async fn not_connected_bad_dates_and_upstream_errors_read_well() {
    let sandbox = sandbox().await;
    let empty = StoreSalesTool::new(Arc::new(SharedClients(Arc::new(PlatformClients::new()))));
    let args = json!({"date_range": {"since": "2026-11-17", "until": END}});
    assert_eq!(
        empty.call(&ctx(), args.clone()).await.unwrap_err(),
        ToolError::NotConnected(
            "Shopify is not connected: connect it with `/omnify connect shopify`".into()
        )
    );
    let future = json!({"date_range": {"since": "2026-11-17", "until": "2026-12-30"}});
    assert!(matches!(
        tool(&sandbox).call(&ctx(), future).await.unwrap_err(),
        ToolError::BadArguments(_)
    ));
    sandbox.shopify().inject(ShopifyFault::TokenExpired, 1);
    let error = tool(&sandbox).call(&ctx(), args).await.unwrap_err();
    assert_eq!(
        error,
        ToolError::Upstream(
            "Shopify access token was rejected (expired or revoked): reconnect Shopify".into()
        )
    );
}

#[test]
fn the_spec_gives_the_planner_keywords_and_a_schema() {
    let spec =
        StoreSalesTool::new(Arc::new(SharedClients(Arc::new(PlatformClients::new())))).spec();
    assert_eq!(spec.name, "get_store_sales");
    assert!(spec.keywords.iter().any(|k| k == "aov"));
    assert_eq!(spec.parameters["required"], json!(["date_range"]));
}
