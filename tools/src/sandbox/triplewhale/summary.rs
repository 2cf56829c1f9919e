//! The summary page (`POST /summary-page/get-data`) in TripleWhale's rich shape, every
//! value computed from the brand's Shopify orders and ad spend.

use crate::sandbox::brand::Brand;
use crate::sandbox::brand::triplewhale::{BlendedDays, blended};
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

/// How TripleWhale names an ad platform's spend and ROAS metrics: (id stem, spend
/// metricId, title, service). `fb_ads_spend` and `facebook-ads` are documented; the
/// others follow the same pattern and are unconfirmed.
fn channel(platform: &str) -> (String, String, String, String) {
    let (stem, metric, title, service) = match platform {
        "meta" => ("facebook", "fb_ads_spend", "Facebook Ads", "facebook-ads"),
        "google_ads" => ("google", "ga_adCost", "Google Ads", "google-ads"),
        "tiktok" => ("tiktok", "tiktok_ads_spend", "TikTok Ads", "tiktok"),
        "linkedin" => ("linkedin", "linkedin_ads_spend", "LinkedIn Ads", "linkedin"),
        other => (other, other, other, other),
    };
    (
        stem.to_owned(),
        metric.to_owned(),
        title.to_owned(),
        service.to_owned(),
    )
}

fn dollars(minor: i64) -> f64 {
    Decimal::new(minor, 2).to_f64().unwrap_or(0.0)
}

fn ratio(numerator: i64, denominator: i64, dp: u32) -> Option<f64> {
    (denominator != 0).then(|| {
        (Decimal::from(numerator) / Decimal::from(denominator))
            .round_dp(dp)
            .to_f64()
            .unwrap_or(0.0)
    })
}

fn delta(current: f64, previous: f64) -> Value {
    if previous == 0.0 {
        Value::Null
    } else {
        json!(((current - previous) / previous * 100.0).round())
    }
}

fn metric(
    id: &str,
    metric_id: &str,
    title: &str,
    services: &[&str],
    value_type: &str,
    current: f64,
    previous: f64,
) -> Value {
    json!({
        "id": id,
        "metricId": metric_id,
        "title": title,
        "services": services,
        "valueType": value_type,
        "delta": delta(current, previous),
        "values": {"current": current, "previous": previous},
    })
}

/// The metrics for `since..=until` and the previous period of the same length.
pub(crate) fn metrics(brand: &Brand, since: NaiveDate, until: NaiveDate) -> Value {
    let days = (until - since).num_days() + 1;
    let previous_since = since - Duration::days(days);
    let previous_until = since - Duration::days(1);
    let now = blended(brand, since, until);
    let before = blended(brand, previous_since, previous_until);
    let mut list = Vec::new();
    let mut sales = metric(
        "sales",
        "totalSales",
        "Sales",
        &["shopify"],
        "currency",
        dollars(now.sales_minor),
        dollars(before.sales_minor),
    );
    sales["charts"] = json!({"current": chart(&now), "previous": chart(&before)});
    list.push(sales);
    list.push(metric(
        "netSales",
        "netSales",
        "Net Sales",
        &["shopify"],
        "currency",
        dollars(now.sales_minor - now.refunds_minor),
        dollars(before.sales_minor - before.refunds_minor),
    ));
    list.push(metric(
        "shopifyOrders",
        "totalOrders",
        "Orders",
        &["shopify"],
        "decimal",
        now.orders as f64,
        before.orders as f64,
    ));
    list.push(metric(
        "newCustomerSales",
        "newCustomerSales",
        "New Customer Sales",
        &["shopify"],
        "currency",
        dollars(now.new_customer_sales_minor),
        dollars(before.new_customer_sales_minor),
    ));
    let (spend, previous_spend) = (now.total_spend_minor(), before.total_spend_minor());
    list.push(metric(
        "blendedAds",
        "totalAdSpend",
        "Blended Ad Spend",
        &[],
        "currency",
        dollars(spend),
        dollars(previous_spend),
    ));
    list.push(metric(
        "roas",
        "totalRoas",
        "Blended ROAS",
        &[],
        "decimal",
        ratio(now.sales_minor, spend, 3).unwrap_or(0.0),
        ratio(before.sales_minor, previous_spend, 3).unwrap_or(0.0),
    ));
    list.push(metric(
        "totalCpa",
        "totalCpa",
        "Blended CPA",
        &[],
        "currency",
        ratio(spend, now.orders as i64 * 100, 2).unwrap_or(0.0),
        ratio(previous_spend, before.orders as i64 * 100, 2).unwrap_or(0.0),
    ));
    for (platform, minor) in &now.spend_by_platform_minor {
        let previous = before
            .spend_by_platform_minor
            .get(platform)
            .copied()
            .unwrap_or(0);
        let (stem, metric_id, title, service) = channel(platform);
        list.push(metric(
            &format!("{stem}Ads"),
            &metric_id,
            &title,
            &[service.as_str()],
            "currency",
            dollars(*minor),
            dollars(previous),
        ));
        if let Some(revenue) = now.platform_reported_revenue_minor.get(platform) {
            let previous_revenue = before
                .platform_reported_revenue_minor
                .get(platform)
                .copied()
                .unwrap_or(0);
            let roas_id = if stem == "facebook" {
                "fb_ads_purchase_roas".to_owned()
            } else {
                format!("{metric_id}_roas")
            };
            let mut roas = json!({
                "id": format!("{stem}Roas"),
                "metricId": roas_id,
                "valueType": "decimal",
                "values": {
                    "current": ratio(*revenue, *minor, 3).unwrap_or(0.0),
                    "previous": ratio(previous_revenue, previous, 3).unwrap_or(0.0),
                }
            });
            roas["title"] = json!(format!("{title} ROAS"));
            list.push(roas);
        }
    }
    json!({"metrics": list})
}

/// Daily sales as `{x, y}` points, x counting days from 1.
fn chart(days: &BlendedDays) -> Vec<Value> {
    days.sales_by_day_minor
        .values()
        .enumerate()
        .map(|(i, minor)| json!({"x": i + 1, "y": dollars(*minor)}))
        .collect()
}
