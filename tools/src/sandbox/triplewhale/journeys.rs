//! Orders with journeys (`POST /attribution/get-orders-with-journeys-v2`): the brand's
//! Shopify orders, newest first, each with the first click that brought it.

use crate::money::from_cents;
use crate::sandbox::brand::Brand;
use crate::sandbox::brand::shopify::ShopifyOrder;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

pub(crate) const MAX_PAGE_SIZE: usize = 100;

/// `2025-06-01T00:00:00.000-0400` (the documented request form) or RFC 3339.
pub(crate) fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn touches(order: &ShopifyOrder) -> Value {
    let touch = &order.first_touch;
    if touch.source == "direct" {
        return json!([]);
    }
    json!([{
        "source": touch.source,
        "campaignId": touch.campaign_id,
        "adsetId": null,
        "adId": null,
        "clickDate": touch.clicked_at.map(timestamp),
    }])
}

fn order_json(order: &ShopifyOrder, currency: &str, with_journey: bool) -> Value {
    let mut value = json!({
        "order_id": order.id,
        "order_name": order.name,
        "created_at": timestamp(order.created_at),
        "customer_id": order.customer_id,
        "total_price": format!("{:.2}", from_cents(order.total_minor)),
        "currency": currency,
        "attribution": {"firstClick": touches(order), "lastClick": touches(order)},
    });
    if with_journey {
        let landed = order
            .first_touch
            .clicked_at
            .unwrap_or(order.created_at - Duration::minutes(12));
        value["journey"] = json!([
            {"time": timestamp(landed), "event": "page loaded", "path": "/", "source": order.first_touch.source},
            {"time": timestamp(order.created_at), "event": "purchase", "path": "/checkout/thank_you"},
        ]);
    }
    value
}

/// One page of orders in `[start, end]`, newest first.
pub(crate) fn page(
    brand: &Brand,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    (raw_start, raw_end): (&str, &str),
    page: usize,
    page_size: usize,
    with_journey: bool,
) -> Value {
    let in_range: Vec<&ShopifyOrder> = brand
        .shopify
        .orders
        .iter()
        .rev()
        .filter(|o| o.created_at >= start && o.created_at <= end)
        .collect();
    let total = in_range.len();
    let offset = (page.max(1) - 1) * page_size;
    let batch: Vec<&ShopifyOrder> = in_range
        .iter()
        .skip(offset)
        .take(page_size)
        .copied()
        .collect();
    let currency = brand.shopify.currency.as_str();
    let mut body = json!({
        "totalForRange": total,
        "count": batch.len(),
        "page": page,
        "startDate": raw_start,
        "endDate": raw_end,
        "ordersWithJourneys": batch.iter().map(|o| order_json(o, currency, with_journey)).collect::<Vec<_>>(),
    });
    // Present while older orders remain, as the sample app's loop expects.
    if offset + batch.len() < total
        && let Some(oldest) = batch.last()
    {
        body["earliestDate"] = json!(timestamp(oldest.created_at));
    }
    body
}
