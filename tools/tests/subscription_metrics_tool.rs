//! `get_subscription_metrics`: MRR and movement on known subscriptions, and end to end
//! through the Stripe connector and emulator against the brand's planted churn.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Utc};
use common::*;
use omnify_core::{Secret, Tool, ToolError};
use omnify_tools::connectors::retry::Backoff;
use omnify_tools::model::{BillingInterval, Money, Subscription};
use omnify_tools::subscription_metrics::movement;
use omnify_tools::{
    PlatformClients, RunningSandbox, SharedClients, StripeClient, StripeConfig,
    SubscriptionMetricsTool,
};
use rust_decimal::Decimal;
use serde_json::json;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::<Utc>::from_str(s).unwrap()
}

fn sub(
    customer: &str,
    cents: i64,
    interval: BillingInterval,
    created: &str,
    ended: Option<&str>,
) -> Subscription {
    Subscription {
        platform: "stripe".into(),
        id: format!("sub_{customer}_{created}"),
        customer_id: customer.into(),
        status: if ended.is_some() {
            "canceled"
        } else {
            "active"
        }
        .into(),
        plan_id: "price".into(),
        plan_name: None,
        amount: Money::new(Decimal::new(cents, 2), "USD"),
        interval,
        interval_count: 1,
        created_at: at(created),
        canceled_at: ended.map(at),
        ended_at: ended.map(at),
        cancel_at_period_end: false,
        current_period_start: None,
        current_period_end: None,
    }
}

#[test]
fn movement_on_known_subscriptions() {
    use BillingInterval::{Month, Year};
    let subs = [
        // Running through the whole month.
        sub("a", 1200, Month, "2026-09-01T00:00:00Z", None),
        // Annual: $120 a year is $10 MRR.
        sub("b", 12000, Year, "2026-08-01T00:00:00Z", None),
        // Churned in the month.
        sub(
            "c",
            1200,
            Month,
            "2026-09-15T00:00:00Z",
            Some("2026-10-15T00:00:00Z"),
        ),
        // Churned before, came back in the month.
        sub(
            "d",
            1200,
            Month,
            "2026-07-01T00:00:00Z",
            Some("2026-08-01T00:00:00Z"),
        ),
        sub("d", 1200, Month, "2026-10-20T00:00:00Z", None),
        // Brand new in the month.
        sub("e", 12000, Year, "2026-10-05T12:00:00Z", None),
    ];
    let m = movement(&subs, range("2026-10-01", "2026-10-31"));
    assert_eq!(m.mrr_start, Decimal::from(34)); // 12 + 10 + 12
    assert_eq!(m.mrr_end, Decimal::from(44)); // 12 + 10 + 12 + 10
    assert_eq!((m.active_start, m.active_end), (3, 4));
    assert_eq!((m.new, m.reactivated, m.churned), (1, 1, 1));
    assert_eq!(m.new_mrr, Decimal::from(10));
    assert_eq!(m.churned_mrr, Decimal::from(12));
    assert_eq!(
        m.churn_rate_pct().unwrap().round_dp(2),
        Decimal::from_str("33.33").unwrap()
    );
}

fn tool(sandbox: &RunningSandbox) -> SubscriptionMetricsTool {
    let client = StripeClient::new(StripeConfig {
        base_url: sandbox.stripe_base_url(),
        backoff: Backoff {
            base: Duration::from_millis(5),
            max: Duration::from_millis(20),
        },
        ..StripeConfig::new(Secret::new(TOKEN), "acct_1TrailheadGear")
    })
    .unwrap();
    let mut clients = PlatformClients::new();
    clients.insert("stripe", Arc::new(client));
    SubscriptionMetricsTool::new(Arc::new(SharedClients(Arc::new(clients))))
}

#[tokio::test]
async fn end_to_end_churn_matches_the_planted_truth() {
    let sandbox = sandbox().await;
    let month = range("2026-10-24", END);
    let out = tool(&sandbox)
        .call(
            &ctx(),
            json!({"date_range": {"since": "2026-10-24", "until": END}}),
        )
        .await
        .unwrap();
    let brand = sandbox.stripe().brand().clone();
    let truth = &brand.ground_truth.subscriptions;
    let churned = truth
        .churned
        .iter()
        .filter(|c| {
            c.ended_at.date_naive() >= month.since && c.ended_at.date_naive() <= month.until
        })
        .count();
    assert!(churned > 10, "{churned}");
    assert_eq!(out.data["churned_subscriptions"], churned);
    // MRR now straight from the brand.
    let end = day(END)
        .succ_opt()
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let mrr_cents: f64 = brand
        .stripe
        .subscriptions
        .iter()
        .filter(|s| s.is_active_at(end))
        .map(|s| brand.stripe.price(&s.price_id).unwrap().monthly_amount())
        .sum();
    let reported: f64 = out.data["mrr_at_end"].as_str().unwrap().parse().unwrap();
    assert!(
        (reported - mrr_cents / 100.0).abs() < 0.01,
        "{reported} vs {mrr_cents}"
    );
    assert!(out.data["reactivated_subscriptions"].as_u64().unwrap() > 0);
    let rate: f64 = out.data["churn_rate_pct"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // A month of mostly monthly members at a 7% per-renewal hazard.
    assert!((3.0..12.0).contains(&rate), "{rate}");
    assert_eq!(out.provenance[0].platform, "stripe");
    assert_eq!(out.provenance[0].account, "acct_1TrailheadGear");
    assert!(
        out.provenance[0]
            .query
            .starts_with("GET /v1/subscriptions status=all")
    );
    assert!(
        out.summary
            .starts_with("Stripe (acct_1TrailheadGear), 2026-10-24 to 2026-11-23: MRR went from $")
    );
    assert_eq!(out.chart.unwrap().series[0].values.len(), 31);
}

#[tokio::test]
async fn not_connected_and_upstream_errors_read_well() {
    let empty =
        SubscriptionMetricsTool::new(Arc::new(SharedClients(Arc::new(PlatformClients::new()))));
    let args = json!({"date_range": {"since": "2026-11-17", "until": END}});
    assert_eq!(
        empty.call(&ctx(), args.clone()).await.unwrap_err(),
        ToolError::NotConnected(
            "Stripe is not connected: connect it with `/omnify connect stripe`".into()
        )
    );
    let sandbox = sandbox().await;
    sandbox
        .stripe()
        .inject(omnify_tools::sandbox::stripe::StripeFault::KeyRevoked, 1);
    assert!(matches!(
        tool(&sandbox).call(&ctx(), args).await.unwrap_err(),
        ToolError::Upstream(m) if m.contains("reconnect Stripe")
    ));
}
