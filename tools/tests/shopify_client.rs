//! The Shopify client against the Shopify emulator over real sockets, and the
//! emulator's answers against the documented shapes (PLATFORMS.md §10).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use omnify_core::{DateRange, Secret, ToolError};
use omnify_tools::connectors::retry::Backoff;
use omnify_tools::sandbox::shopify::ShopifyFault;
use omnify_tools::{RunningSandbox, ShopifyClient, ShopifyConfig, ShopifyError};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::{Duration, Instant};

const SHOP: &str = "trailhead-supply.myshopify.com";

fn config(sandbox: &RunningSandbox) -> ShopifyConfig {
    ShopifyConfig {
        base_url: sandbox.shopify_base_url(),
        backoff: Backoff {
            base: Duration::from_millis(5),
            max: Duration::from_millis(20),
        },
        timeout: Duration::from_secs(5),
        ..ShopifyConfig::new(Secret::new(TOKEN), SHOP)
    }
}

fn client(sandbox: &RunningSandbox) -> ShopifyClient {
    ShopifyClient::new(config(sandbox)).unwrap()
}

fn brand_orders(sandbox: &RunningSandbox, range: DateRange) -> (usize, i64, i64) {
    let brand = sandbox.shopify().brand();
    let orders: Vec<_> = brand
        .shopify
        .orders_between(range.since, range.until)
        .collect();
    (
        orders.len(),
        orders.iter().map(|o| o.total_minor).sum(),
        orders.iter().map(|o| o.refunded_minor()).sum(),
    )
}

#[tokio::test]
async fn paging_follows_end_cursors_to_the_last_page_and_money_is_exact() {
    let sandbox = sandbox().await;
    let client = ShopifyClient::new(ShopifyConfig {
        page_size: 100,
        ..config(&sandbox)
    })
    .unwrap();
    let week = range("2026-11-17", END);
    let (count, total_minor, refunded_minor) = brand_orders(&sandbox, week);
    assert!(count > 300, "need several pages, got {count}");

    let orders = client.orders(week).await.unwrap();

    assert_eq!(orders.len(), count);
    assert_eq!(
        sandbox.shopify().request_count(),
        count.div_ceil(100) as u64
    );
    let ids: HashSet<_> = orders.iter().map(|o| o.id.clone()).collect();
    assert_eq!(ids.len(), count, "no order twice");
    let total: Decimal = orders.iter().map(|o| o.total.amount).sum();
    assert_eq!(total, Decimal::new(total_minor, 2));
    let refunded: Decimal = orders.iter().map(|o| o.refunded.amount).sum();
    assert_eq!(refunded, Decimal::new(refunded_minor, 2));
    assert!(orders.iter().all(|o| o.total.currency == "USD"));
    assert!(
        orders
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at)
    );
    assert!(orders.iter().all(|o| o.customer_order_index.is_some()));
    // The token travels in X-Shopify-Access-Token only, never in the URL or body.
    for request in sandbox.shopify().requests() {
        assert_eq!(request.auth_headers, ["x-shopify-access-token"]);
        assert!(!request.path_and_query.contains(TOKEN) && !request.body.contains(TOKEN));
        assert_eq!(
            request.path_and_query,
            "/shopify/admin/api/2026-10/graphql.json"
        );
    }
    let later = &sandbox.shopify().requests()[1..];
    assert!(later.iter().all(|r| r.body.contains("\"after\":\"")));
    assert!(client.last_cost().is_some());
}

#[tokio::test]
async fn customers_and_shop_map_into_the_model() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let week = range("2026-11-17", END);
    let customers = client.customers(week).await.unwrap();
    let brand = sandbox.shopify().brand().clone();
    let expected = brand
        .shopify
        .customers
        .iter()
        .filter(|c| c.created_at.date_naive() >= week.since)
        .count();
    assert_eq!(customers.len(), expected);
    assert!(customers.iter().all(|c| c.orders_count >= 1));
    let shop = client.shop().await.unwrap();
    assert_eq!(shop.myshopify_domain, SHOP);
    assert_eq!(shop.currency_code, "USD");
}

#[tokio::test]
async fn throttled_answers_wait_for_the_bucket_to_refill_then_retry() {
    let sandbox = sandbox().await;
    sandbox.shopify().inject(ShopifyFault::Throttled, 1);
    let started = Instant::now();
    let orders = client(&sandbox).orders(range(END, END)).await.unwrap();
    assert!(!orders.is_empty());
    assert_eq!(sandbox.shopify().request_count(), 2);
    // (253 requested − 203 available) / 100 per second = 0.5 s, not the 5 ms backoff.
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(500), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
}

#[tokio::test]
async fn http_429_honours_retry_after_and_500s_are_retried() {
    let sandbox = sandbox().await;
    sandbox.shopify().inject(ShopifyFault::TooManyRequests, 1);
    sandbox.shopify().inject(ShopifyFault::ServerError, 2);
    let started = Instant::now();
    client(&sandbox).orders(range(END, END)).await.unwrap();
    assert_eq!(sandbox.shopify().request_count(), 4);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn persistent_server_errors_give_up_with_a_message_the_user_can_act_on() {
    let sandbox = sandbox().await;
    sandbox.shopify().inject(ShopifyFault::ServerError, 10);
    let error = ShopifyClient::new(ShopifyConfig {
        max_retries: 2,
        ..config(&sandbox)
    })
    .unwrap()
    .orders(range(END, END))
    .await
    .unwrap_err();
    assert!(matches!(
        error,
        ShopifyError::Unavailable { status: 500, .. }
    ));
    assert_eq!(sandbox.shopify().request_count(), 3);
    assert_eq!(
        ToolError::from(error).to_string(),
        "Shopify is temporarily unavailable (HTTP 500); try again shortly"
    );
}

#[tokio::test]
async fn token_and_scope_errors_are_final_and_say_what_to_do() {
    let sandbox = sandbox().await;
    sandbox.shopify().inject(ShopifyFault::TokenExpired, 1);
    let error = client(&sandbox).orders(range(END, END)).await.unwrap_err();
    assert!(matches!(error, ShopifyError::TokenRejected { .. }));
    assert!(error.to_string().contains("reconnect Shopify"));
    assert_eq!(sandbox.shopify().request_count(), 1);

    sandbox.shopify().inject(ShopifyFault::AccessDenied, 1);
    let error = client(&sandbox).orders(range(END, END)).await.unwrap_err();
    assert!(matches!(error, ShopifyError::AccessDenied { .. }));
    assert!(error.to_string().contains("read_all_orders"));

    let wrong = ShopifyClient::new(ShopifyConfig {
        access_token: Secret::new("shpat_wrong"),
        ..config(&sandbox)
    })
    .unwrap();
    let error = wrong.orders(range(END, END)).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Shopify access token was rejected (expired or revoked): reconnect Shopify"
    );
}

#[tokio::test]
async fn a_slow_store_times_out_as_a_timeout() {
    let sandbox = sandbox().await;
    sandbox
        .shopify()
        .inject(ShopifyFault::Slow(Duration::from_secs(2)), 5);
    let error = ShopifyClient::new(ShopifyConfig {
        timeout: Duration::from_millis(200),
        max_retries: 1,
        ..config(&sandbox)
    })
    .unwrap()
    .orders(range(END, END))
    .await
    .unwrap_err();
    assert!(matches!(error, ShopifyError::Timeout(_)));
    assert!(matches!(ToolError::from(error), ToolError::Timeout(200)));
}

async fn post(sandbox: &RunningSandbox, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!(
            "{}/admin/api/2026-10/graphql.json",
            sandbox.shopify_base_url()
        ))
        .header("X-Shopify-Access-Token", TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
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
async fn the_emulator_answers_in_the_documented_shape() {
    let sandbox = sandbox().await;
    let body = post(
        &sandbox,
        json!({"query": "query($first:Int!,$after:String,$q:String){ orders(first:$first, after:$after, query:$q, sortKey:CREATED_AT){ edges{ cursor node{ id } } pageInfo{ hasNextPage endCursor } } }",
               "variables": {"first": 2, "q": "created_at:>=2026-11-20 created_at:<2026-11-21 financial_status:paid"}}),
    )
    .await;
    let orders = &body["data"]["orders"];
    let edge = &orders["edges"][0];
    assert!(
        edge["cursor"]
            .as_str()
            .unwrap()
            .starts_with("eyJsYXN0X2lkIjo")
    );
    let node = &edge["node"];
    assert!(
        node["id"]
            .as_str()
            .unwrap()
            .starts_with("gid://shopify/Order/")
    );
    assert!(node["name"].as_str().unwrap().starts_with('#'));
    assert!(node["createdAt"].as_str().unwrap().ends_with('Z'));
    assert!(
        ["PAID", "PARTIALLY_REFUNDED", "REFUNDED"]
            .contains(&node["displayFinancialStatus"].as_str().unwrap())
    );
    for set in ["totalPriceSet", "currentTotalPriceSet", "totalRefundedSet"] {
        let money = &node[set]["shopMoney"];
        assert_eq!(keys(money), ["amount", "currencyCode"]);
        let amount = money["amount"]
            .as_str()
            .expect("amount is a decimal string");
        assert!(
            amount
                .split_once('.')
                .is_some_and(|(_, cents)| cents.len() == 2),
            "{amount}"
        );
        assert_eq!(money["currencyCode"], "USD");
    }
    assert!(
        node["customer"]["id"]
            .as_str()
            .unwrap()
            .starts_with("gid://shopify/Customer/")
    );
    assert_eq!(keys(&orders["pageInfo"]), ["endCursor", "hasNextPage"]);
    assert_eq!(orders["pageInfo"]["hasNextPage"], true);
    let cost = &body["extensions"]["cost"];
    assert_eq!(
        keys(cost),
        ["actualQueryCost", "requestedQueryCost", "throttleStatus"]
    );
    assert_eq!(
        keys(&cost["throttleStatus"]),
        ["currentlyAvailable", "maximumAvailable", "restoreRate"]
    );
    assert_eq!(cost["throttleStatus"]["maximumAvailable"], 2000.0);

    sandbox.shopify().inject(ShopifyFault::Throttled, 1);
    let throttled = post(&sandbox, json!({"query": "{ shop { name } }"})).await;
    assert_eq!(throttled["errors"][0]["message"], "Throttled");
    assert_eq!(throttled["errors"][0]["extensions"]["code"], "THROTTLED");
    assert_eq!(
        throttled["extensions"]["cost"]["actualQueryCost"],
        Value::Null
    );
    assert!(throttled.get("data").is_none());
}

#[tokio::test]
async fn a_bad_token_is_http_401_with_shopifys_message() {
    let sandbox = sandbox().await;
    let response = reqwest::Client::new()
        .post(format!(
            "{}/admin/api/2026-10/graphql.json",
            sandbox.shopify_base_url()
        ))
        .header("X-Shopify-Access-Token", "nope")
        .json(&json!({"query": "{ shop { name } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"],
        "[API] Invalid API key or access token (unrecognized login or wrong password)"
    );
}
