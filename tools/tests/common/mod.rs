//! One harness for the connector and tool tests: a sandbox on a free port serving a
//! fixed brand, and a Meta client pointed at it with test-speed backoff.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use omnify_core::{DateRange, Secret, ToolContext};
use omnify_tools::connectors::retry::Backoff;
use omnify_tools::sandbox::brand::{Brand, BrandConfig};
use omnify_tools::{MetaAdsClient, MetaConfig, RunningSandbox};
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Duration;

pub const TOKEN: &str = "sandbox-meta-token";
pub const END: &str = "2026-11-23";

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn range(since: &str, until: &str) -> DateRange {
    DateRange {
        since: day(since),
        until: day(until),
    }
}

pub fn brand() -> Arc<Brand> {
    Arc::new(Brand::generate(BrandConfig::new(42, day(END))))
}

pub async fn sandbox() -> RunningSandbox {
    omnify_tools::spawn(brand(), TOKEN.to_owned())
        .await
        .unwrap()
}

pub fn meta_config(sandbox: &RunningSandbox) -> MetaConfig {
    MetaConfig {
        base_url: sandbox.meta_base_url(),
        backoff: Backoff {
            base: Duration::from_millis(5),
            max: Duration::from_millis(20),
        },
        timeout: Duration::from_secs(5),
        ..MetaConfig::new(Secret::new(TOKEN), "act_1234567890")
    }
}

pub fn meta_client(sandbox: &RunningSandbox) -> MetaAdsClient {
    MetaAdsClient::new(meta_config(sandbox)).unwrap()
}

/// "Today" as the sandbox sees it: the day after the brand's last day of data.
pub fn ctx() -> ToolContext {
    ToolContext {
        tenant_id: "t1".into(),
        conversation_id: "c1".into(),
        user_id: None,
        today: day(END) + chrono::Duration::days(1),
    }
}

/// Exact spend in `range` straight from the brand, in dollars.
pub fn brand_spend(brand: &Brand, range: DateRange) -> Decimal {
    let cents: i64 = brand
        .meta
        .days
        .iter()
        .filter(|d| d.date >= range.since && d.date <= range.until)
        .map(|d| d.spend_minor)
        .sum();
    Decimal::new(cents, 2)
}

pub fn brand_revenue(brand: &Brand, range: DateRange) -> Decimal {
    let cents: i64 = brand
        .meta
        .days
        .iter()
        .filter(|d| d.date >= range.since && d.date <= range.until)
        .map(|d| d.purchase_value_minor)
        .sum();
    Decimal::new(cents, 2)
}

pub fn brand_purchases(brand: &Brand, range: DateRange) -> u64 {
    brand
        .meta
        .days
        .iter()
        .filter(|d| d.date >= range.since && d.date <= range.until)
        .map(|d| d.purchases)
        .sum()
}
