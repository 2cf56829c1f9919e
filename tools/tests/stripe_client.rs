//! The Stripe client against the Stripe emulator over real sockets, and the emulator's
//! answers against the documented shapes (PLATFORMS.md §11).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use omnify_core::{Secret, ToolError};
use omnify_tools::connectors::retry::Backoff;
use omnify_tools::sandbox::stripe::StripeFault;
use omnify_tools::{RunningSandbox, StripeClient, StripeConfig, StripeError};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashSet;
use std::time::{Duration, Instant};

fn config(sandbox: &RunningSandbox) -> StripeConfig {
    StripeConfig {
        base_url: sandbox.stripe_base_url(),
        backoff: Backoff {
            base: Duration::from_millis(5),
            max: Duration::from_millis(20),
        },
        timeout: Duration::from_secs(5),
        ..StripeConfig::new(Secret::new(TOKEN), "acct_1TrailheadGear")
    }
}

fn client(sandbox: &RunningSandbox) -> StripeClient {
    StripeClient::new(config(sandbox)).unwrap()
}

fn end_of_data() -> chrono::DateTime<chrono::Utc> {
    day(END).and_hms_opt(23, 59, 59).unwrap().and_utc()
}

#[tokio::test]
async fn paging_follows_starting_after_until_has_more_is_false() {
    let sandbox = sandbox().await;
    let brand = sandbox.stripe().brand().clone();
    let expected = brand.stripe.subscriptions.len();
    assert!(expected > 500, "need many pages, got {expected}");

    let subs = client(&sandbox).subscriptions(end_of_data()).await.unwrap();

    assert_eq!(subs.len(), expected);
    assert_eq!(
        sandbox.stripe().request_count(),
        expected.div_ceil(100) as u64
    );
    let ids: HashSet<_> = subs.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), expected);
    let requests = sandbox.stripe().requests();
    assert!(requests[0].path_and_query.contains("status=all"));
    assert!(
        requests[1..]
            .iter()
            .all(|r| r.path_and_query.contains("starting_after=sub_"))
    );
    for r in &requests {
        assert_eq!(r.auth_headers, ["authorization", "stripe-version"]);
        assert!(!r.path_and_query.contains(TOKEN));
    }
    // Money is exact minor units: $12.00 monthly and $120.00 yearly.
    let amounts: HashSet<Decimal> = subs.iter().map(|s| s.amount.amount).collect();
    assert_eq!(
        amounts,
        HashSet::from([Decimal::new(1200, 2), Decimal::new(12000, 2)])
    );
    let canceled = subs.iter().filter(|s| s.status == "canceled").count();
    assert_eq!(canceled, brand.ground_truth.subscriptions.churned.len());
}

#[tokio::test]
async fn invoices_and_charges_add_up_to_the_brands_billing() {
    let sandbox = sandbox().await;
    let week = range("2026-11-17", END);
    let brand = sandbox.stripe().brand().clone();
    let expected: Vec<_> = brand
        .stripe
        .invoices
        .iter()
        .filter(|i| i.created.date_naive() >= week.since && i.created.date_naive() <= week.until)
        .collect();
    let billed = Decimal::new(expected.iter().map(|i| i.amount).sum(), 2);
    let client = client(&sandbox);
    let invoices = client.invoices(week).await.unwrap();
    assert_eq!(invoices.len(), expected.len());
    assert_eq!(
        invoices
            .iter()
            .map(|i| i.amount_paid.amount)
            .sum::<Decimal>(),
        billed
    );
    assert!(invoices.iter().all(|i| {
        i.subscription_id
            .as_deref()
            .is_some_and(|s| s.starts_with("sub_"))
    }));
    let charges = client.charges(week).await.unwrap();
    assert_eq!(charges.len(), expected.len());
    assert_eq!(
        charges.iter().map(|c| c.amount.amount).sum::<Decimal>(),
        billed
    );
}

#[tokio::test]
async fn http_429_is_retried_after_retry_after_and_500s_with_backoff() {
    let sandbox = sandbox().await;
    sandbox.stripe().inject(StripeFault::TooManyRequests, 1);
    sandbox.stripe().inject(StripeFault::ServerError, 1);
    let started = Instant::now();
    client(&sandbox).charges(range(END, END)).await.unwrap();
    assert_eq!(sandbox.stripe().request_count(), 3);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn stripe_should_retry_false_is_obeyed() {
    let sandbox = sandbox().await;
    sandbox
        .stripe()
        .inject(StripeFault::TooManyRequestsNoRetry, 1);
    let error = client(&sandbox).charges(range(END, END)).await.unwrap_err();
    assert!(
        matches!(error, StripeError::RateLimited { code: Some(ref c), .. } if c == "rate_limit")
    );
    assert_eq!(sandbox.stripe().request_count(), 1);
    assert_eq!(
        error.to_string(),
        "Stripe is rate-limiting requests for this account; try again in a minute"
    );
}

#[tokio::test]
async fn key_errors_are_final_and_say_what_to_do() {
    let sandbox = sandbox().await;
    sandbox.stripe().inject(StripeFault::KeyRevoked, 1);
    let error = client(&sandbox).charges(range(END, END)).await.unwrap_err();
    assert_eq!(
        ToolError::from(error),
        ToolError::Upstream(
            "Stripe rejected the API key (rolled, revoked or wrong): reconnect Stripe".into()
        )
    );
    sandbox.stripe().inject(StripeFault::PermissionDenied, 1);
    let error = client(&sandbox).charges(range(END, END)).await.unwrap_err();
    assert!(matches!(error, StripeError::PermissionDenied { .. }));
    assert!(error.to_string().contains("restricted key"));
    assert_eq!(sandbox.stripe().request_count(), 2);

    let wrong = StripeClient::new(StripeConfig {
        secret_key: Secret::new("sk_test_wrong"),
        ..config(&sandbox)
    })
    .unwrap();
    assert!(matches!(
        wrong.charges(range(END, END)).await.unwrap_err(),
        StripeError::KeyRejected { .. }
    ));
}

#[tokio::test]
async fn slow_answers_time_out() {
    let sandbox = sandbox().await;
    sandbox
        .stripe()
        .inject(StripeFault::Slow(Duration::from_secs(2)), 3);
    let error = StripeClient::new(StripeConfig {
        timeout: Duration::from_millis(200),
        max_retries: 1,
        ..config(&sandbox)
    })
    .unwrap()
    .charges(range(END, END))
    .await
    .unwrap_err();
    assert!(matches!(error, StripeError::Timeout(_)));
}

async fn get(sandbox: &RunningSandbox, path: &str, basic: bool) -> reqwest::Response {
    let request = reqwest::Client::new().get(format!("{}{path}", sandbox.stripe_base_url()));
    let request = if basic {
        request.basic_auth(TOKEN, Some(""))
    } else {
        request.bearer_auth(TOKEN)
    };
    request.send().await.unwrap()
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn the_emulator_answers_in_the_documented_shapes() {
    let sandbox = sandbox().await;
    let response = get(&sandbox, "/v1/charges?limit=2", true).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("request-id"));
    let list: Value = response.json().await.unwrap();
    assert_eq!(list["object"], "list");
    assert_eq!(list["url"], "/v1/charges");
    assert_eq!(list["has_more"], true);
    let charge = &list["data"][0];
    for field in [
        "id",
        "object",
        "amount",
        "amount_captured",
        "amount_refunded",
        "currency",
        "status",
        "paid",
        "refunded",
        "customer",
        "balance_transaction",
        "payment_intent",
        "created",
        "metadata",
    ] {
        assert!(charge.get(field).is_some(), "charge.{field}");
    }
    assert!(charge["amount"].is_i64(), "minor units as integers");
    assert_eq!(charge["currency"], "usd");
    assert!(charge["id"].as_str().unwrap().starts_with("ch_"));

    let subs: Value = get(&sandbox, "/v1/subscriptions?limit=1&status=all", false)
        .await
        .json()
        .await
        .unwrap();
    let sub = &subs["data"][0];
    let item = &sub["items"]["data"][0];
    assert_eq!(sub["object"], "subscription");
    assert!(sub["cancel_at_period_end"].is_boolean());
    assert!(item["price"]["unit_amount"].is_i64());
    assert!(item["price"]["recurring"]["interval"].is_string());
    assert!(item["current_period_start"].is_i64() && item["current_period_end"].is_i64());

    let invoices: Value = get(&sandbox, "/v1/invoices?limit=1", false)
        .await
        .json()
        .await
        .unwrap();
    let invoice = &invoices["data"][0];
    for field in [
        "id",
        "object",
        "customer",
        "status",
        "currency",
        "amount_due",
        "amount_paid",
        "total",
        "period_start",
        "period_end",
        "created",
        "lines",
    ] {
        assert!(invoice.get(field).is_some(), "invoice.{field}");
    }
    assert_eq!(
        keys(&invoice["lines"]),
        ["data", "has_more", "object", "url"]
    );

    let bad = get(&sandbox, "/v1/charges?limit=500", false).await;
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
    let unauthorized = reqwest::Client::new()
        .get(format!("{}/v1/charges", sandbox.stripe_base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), 401);
}
