//! The TripleWhale client against the TripleWhale emulator over real sockets, and the
//! emulator's answers against the documented shapes (PLATFORMS.md §1).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use omnify_core::{Secret, ToolError};
use omnify_tools::connectors::retry::Backoff;
use omnify_tools::connectors::triplewhale::JourneyPaging;
use omnify_tools::sandbox::triplewhale::TripleWhaleFault;
use omnify_tools::{RunningSandbox, TripleWhaleClient, TripleWhaleConfig, TripleWhaleError};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::{Duration, Instant};

const SHOP: &str = "trailhead-supply.myshopify.com";

fn config(sandbox: &RunningSandbox) -> TripleWhaleConfig {
    TripleWhaleConfig {
        base_url: sandbox.triplewhale_base_url(),
        backoff: Backoff {
            base: Duration::from_millis(5),
            max: Duration::from_millis(20),
        },
        timeout: Duration::from_secs(5),
        ..TripleWhaleConfig::new(Secret::new(TOKEN), SHOP)
    }
}

fn client(sandbox: &RunningSandbox) -> TripleWhaleClient {
    TripleWhaleClient::new(config(sandbox)).unwrap()
}

fn shopify_week(sandbox: &RunningSandbox) -> (usize, Decimal) {
    let brand = sandbox.triplewhale().brand();
    let orders: Vec<_> = brand
        .shopify
        .orders_between(day("2026-11-17"), day(END))
        .collect();
    (
        orders.len(),
        Decimal::new(orders.iter().map(|o| o.total_minor).sum(), 2),
    )
}

#[tokio::test]
async fn journeys_page_by_page_number_to_the_total() {
    let sandbox = sandbox().await;
    let (count, revenue) = shopify_week(&sandbox);
    let orders = client(&sandbox)
        .orders_with_journeys(range("2026-11-17", END))
        .await
        .unwrap();
    assert_eq!(orders.len(), count);
    assert_eq!(
        sandbox.triplewhale().request_count(),
        count.div_ceil(100) as u64
    );
    assert_eq!(
        orders.iter().map(|o| o.total.amount).sum::<Decimal>(),
        revenue
    );
    let ids: HashSet<_> = orders.iter().map(|o| o.order_id.as_str()).collect();
    assert_eq!(ids.len(), count);
    for r in sandbox.triplewhale().requests() {
        assert_eq!(r.auth_headers, ["x-api-key"]);
        assert!(!r.body.contains(TOKEN));
    }
}

#[tokio::test]
async fn journeys_page_by_moving_end_date_to_earliest_date() {
    let sandbox = sandbox().await;
    let (count, revenue) = shopify_week(&sandbox);
    let orders = TripleWhaleClient::new(TripleWhaleConfig {
        journey_paging: JourneyPaging::EarliestDate,
        page_size: 100,
        ..config(&sandbox)
    })
    .unwrap()
    .orders_with_journeys(range("2026-11-17", END))
    .await
    .unwrap();
    assert_eq!(
        orders.len(),
        count,
        "the boundary order is not counted twice"
    );
    assert_eq!(
        orders.iter().map(|o| o.total.amount).sum::<Decimal>(),
        revenue
    );
    let requests = sandbox.triplewhale().requests();
    // Each page after the first repeats one boundary order, so 99 new per page.
    assert_eq!(requests.len(), (count - 1).div_ceil(99));
    let bodies: Vec<Value> = requests
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert!(bodies.iter().all(|b| b["page"] == 1));
    assert!(bodies[1]["endDate"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn the_summary_reads_as_blended_results() {
    let sandbox = sandbox().await;
    let week = range("2026-11-17", END);
    let summary = client(&sandbox).attribution_summary(week).await.unwrap();
    let (count, revenue) = shopify_week(&sandbox);
    assert_eq!(summary.revenue.amount, revenue);
    assert_eq!(summary.orders, count as u64);
    let brand = sandbox.triplewhale().brand().clone();
    let spend: i64 = brand
        .ad_spend_by_day()
        .range(week.since..=week.until)
        .map(|(_, v)| v)
        .sum();
    assert_eq!(summary.ad_spend.amount, Decimal::new(spend, 2));
    let channel_total: Decimal = summary.channels.iter().map(|c| c.spend.amount).sum();
    assert_eq!(channel_total, summary.ad_spend.amount);
    let facebook = summary
        .channels
        .iter()
        .find(|c| c.source == "facebook-ads")
        .unwrap();
    assert!(facebook.platform_roas.is_some());
    assert!(summary.previous_revenue.is_some());
}

#[tokio::test]
async fn http_429_honours_retry_after_and_5xx_is_retried() {
    let sandbox = sandbox().await;
    sandbox
        .triplewhale()
        .inject(TripleWhaleFault::TooManyRequests, 1);
    sandbox
        .triplewhale()
        .inject(TripleWhaleFault::ServerError, 1);
    let started = Instant::now();
    client(&sandbox)
        .summary_metrics(range(END, END))
        .await
        .unwrap();
    assert_eq!(sandbox.triplewhale().request_count(), 3);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn key_errors_are_final_and_say_what_to_do() {
    let sandbox = sandbox().await;
    sandbox
        .triplewhale()
        .inject(TripleWhaleFault::KeyExpired, 1);
    let error = client(&sandbox)
        .summary_metrics(range(END, END))
        .await
        .unwrap_err();
    assert_eq!(
        ToolError::from(error),
        ToolError::Upstream("TripleWhale API key expired: reconnect TripleWhale".into())
    );
    sandbox
        .triplewhale()
        .inject(TripleWhaleFault::AccessDenied, 1);
    let error = client(&sandbox)
        .summary_metrics(range(END, END))
        .await
        .unwrap_err();
    assert!(matches!(error, TripleWhaleError::AccessDenied { .. }));
    assert_eq!(sandbox.triplewhale().request_count(), 2);
    let other_shop = TripleWhaleClient::new(TripleWhaleConfig {
        shop_domain: "someone-else.myshopify.com".into(),
        ..config(&sandbox)
    })
    .unwrap();
    let error = other_shop
        .summary_metrics(range(END, END))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("No access to shop someone-else.myshopify.com")
    );
}

#[tokio::test]
async fn slow_answers_time_out() {
    let sandbox = sandbox().await;
    sandbox
        .triplewhale()
        .inject(TripleWhaleFault::Slow(Duration::from_secs(2)), 3);
    let error = TripleWhaleClient::new(TripleWhaleConfig {
        timeout: Duration::from_millis(200),
        max_retries: 1,
        ..config(&sandbox)
    })
    .unwrap()
    .summary_metrics(range(END, END))
    .await
    .unwrap_err();
    assert!(matches!(error, TripleWhaleError::Timeout(_)));
}

async fn post(sandbox: &RunningSandbox, path: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/v2/{path}", sandbox.triplewhale_base_url()))
        .header("x-api-key", TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_emulator_answers_in_the_documented_shapes() {
    let sandbox = sandbox().await;
    let response = post(
        &sandbox,
        "summary-page/get-data",
        json!({"shopDomain": SHOP, "period": {"start": "2026-11-17", "end": END}, "todayHour": 25}),
    )
    .await;
    assert_eq!(response.headers()["ratelimit-policy"], "100;w=60");
    assert!(response.headers().contains_key("ratelimit"));
    let body: Value = response.json().await.unwrap();
    let metrics = body["metrics"].as_array().unwrap();
    let find = |id: &str| metrics.iter().find(|m| m["id"] == id).unwrap();
    let sales = find("sales");
    assert_eq!(sales["metricId"], "totalSales");
    assert_eq!(sales["title"], "Sales");
    assert_eq!(sales["services"], json!(["shopify"]));
    assert_eq!(sales["valueType"], "currency");
    assert!(sales["values"]["current"].is_f64() && sales["values"]["previous"].is_f64());
    assert!(sales["delta"].is_number());
    let point = &sales["charts"]["current"][0];
    assert!(point["x"].is_u64() && point["y"].is_number());
    let facebook = find("facebookAds");
    assert_eq!(facebook["metricId"], "fb_ads_spend");
    assert_eq!(facebook["services"], json!(["facebook-ads"]));
    assert_eq!(find("facebookRoas")["metricId"], "fb_ads_purchase_roas");
    assert_eq!(find("shopifyOrders")["metricId"], "totalOrders");
    assert_eq!(find("shopifyOrders")["valueType"], "decimal");

    let body: Value = post(
        &sandbox,
        "attribution/get-orders-with-journeys-v2",
        json!({"shop": SHOP, "startDate": "2026-11-20T00:00:00.000-0400", "endDate": "2026-11-20T23:59:59.999-0400",
               "page": 1, "pageSize": 50, "excludeJourneyData": false}),
    )
    .await
    .json()
    .await
    .unwrap();
    for field in [
        "totalForRange",
        "count",
        "page",
        "startDate",
        "endDate",
        "earliestDate",
        "ordersWithJourneys",
    ] {
        assert!(body.get(field).is_some(), "{field}");
    }
    assert_eq!(body["count"], 50);
    let order = &body["ordersWithJourneys"][0];
    assert!(order["order_id"].is_u64() && order["customer_id"].is_u64());
    assert!(order["order_name"].as_str().unwrap().starts_with('#'));
    assert!(order["total_price"].is_string());
    assert_eq!(order["currency"], "USD");
    assert!(order["attribution"]["firstClick"].is_array());
    let journey = &order["journey"][0];
    assert!(
        journey["time"].is_string() && journey["event"].is_string() && journey["path"].is_string()
    );
    let paid = body["ordersWithJourneys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["attribution"]["firstClick"][0]["campaignId"].is_string())
        .expect("some paid orders that day");
    let click = &paid["attribution"]["firstClick"][0];
    assert!(click["source"].is_string() && click["clickDate"].is_string());

    let bad = post(&sandbox, "attribution/get-orders-with-journeys-v2", json!({"shop": SHOP, "startDate": "2026-11-20T00:00:00Z", "endDate": "2026-11-20T23:00:00Z", "pageSize": 500})).await;
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["success"], false);
    let missing = post(
        &sandbox,
        "summary-page/get-data",
        json!({"period": {"start": END, "end": END}}),
    )
    .await;
    assert_eq!(missing.status(), 400);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["message"], "Missing fields: shopDomain");
}
