//! The brand's TripleWhale account. TripleWhale stores nothing of its own here: every
//! number it reports is computed from the brand's Shopify orders and ad spend, so a
//! blended ROAS from TripleWhale equals Shopify revenue over the ad platforms' spend.

use super::Brand;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TripleWhaleAccount {
    /// The Shopify shop TripleWhale is connected to; every request names it.
    pub shop_domain: String,
}

/// TripleWhale's blended view of an inclusive range of days, in minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlendedDays {
    /// Shopify gross sales (order totals) of orders placed in the range.
    pub sales_minor: i64,
    /// Refunded so far on those orders.
    pub refunds_minor: i64,
    pub orders: u64,
    pub new_customer_orders: u64,
    pub new_customer_sales_minor: i64,
    /// Spend per ad platform registry key.
    pub spend_by_platform_minor: BTreeMap<&'static str, i64>,
    /// Purchase value each platform claimed (its own attribution), where it reports it.
    pub platform_reported_revenue_minor: BTreeMap<&'static str, i64>,
    /// Sales per day, for the summary charts.
    pub sales_by_day_minor: BTreeMap<NaiveDate, i64>,
}

impl BlendedDays {
    pub fn total_spend_minor(&self) -> i64 {
        self.spend_by_platform_minor.values().sum()
    }
}

/// The numbers behind TripleWhale's summary page for `since..=until`.
pub fn blended(brand: &Brand, since: NaiveDate, until: NaiveDate) -> BlendedDays {
    let mut out = BlendedDays::default();
    for order in brand.shopify.orders_between(since, until) {
        out.sales_minor += order.total_minor;
        out.refunds_minor += order.refunded_minor();
        out.orders += 1;
        *out.sales_by_day_minor
            .entry(order.created_at.date_naive())
            .or_insert(0) += order.total_minor;
        if order.customer_order_index == 1 {
            out.new_customer_orders += 1;
            out.new_customer_sales_minor += order.total_minor;
        }
    }
    for line in brand.ad_spend_by_campaign() {
        if line.date >= since && line.date <= until {
            *out.spend_by_platform_minor
                .entry(line.platform)
                .or_insert(0) += line.spend_minor;
        }
    }
    let meta_revenue: i64 = brand
        .meta
        .days
        .iter()
        .filter(|d| d.date >= since && d.date <= until)
        .map(|d| d.purchase_value_minor)
        .sum();
    out.platform_reported_revenue_minor
        .insert(super::meta_ads::PLATFORM, meta_revenue);
    out
}
