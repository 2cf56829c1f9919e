//! The brand's orders and customers as Admin GraphQL nodes, and the subset of
//! Shopify's search syntax the emulator understands (`created_at` bounds).

use crate::money::from_cents;
use crate::sandbox::brand::shopify::{ShopifyCustomer, ShopifyOrder};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

fn money(minor: i64, currency: &str) -> Value {
    json!({"shopMoney": {"amount": format!("{:.2}", from_cents(minor)), "currencyCode": currency}})
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub(crate) fn order_node(order: &ShopifyOrder, currency: &str) -> Value {
    let refunded = order.refunded_minor();
    let status = match refunded {
        0 => "PAID",
        r if r >= order.total_minor => "REFUNDED",
        _ => "PARTIALLY_REFUNDED",
    };
    let refunds: Vec<Value> = order
        .refund
        .iter()
        .map(|r| {
            json!({
                "id": format!("gid://shopify/Refund/{}", r.id),
                "createdAt": timestamp(r.created_at),
                "totalRefundedSet": money(r.amount_minor, currency),
            })
        })
        .collect();
    let utm_campaign = order.first_touch.campaign_id.clone();
    json!({
        "id": format!("gid://shopify/Order/{}", order.id),
        "name": order.name,
        "createdAt": timestamp(order.created_at),
        "displayFinancialStatus": status,
        "totalPriceSet": money(order.total_minor, currency),
        "currentTotalPriceSet": money(order.total_minor - refunded, currency),
        "totalRefundedSet": money(refunded, currency),
        "customer": {"id": format!("gid://shopify/Customer/{}", order.customer_id)},
        "customerJourneySummary": {
            "customerOrderIndex": order.customer_order_index,
            "firstVisit": {
                "source": order.first_touch.source,
                "utmParameters": utm_campaign.map(|c| json!({"campaign": c, "source": order.first_touch.source, "medium": "paid"})),
            }
        },
        "refunds": refunds,
    })
}

pub(crate) fn customer_node(customer: &ShopifyCustomer, currency: &str) -> Value {
    json!({
        "id": format!("gid://shopify/Customer/{}", customer.id),
        "createdAt": timestamp(customer.created_at),
        // UnsignedInt64: a string on the wire.
        "numberOfOrders": customer.orders_count.to_string(),
        "amountSpent": money(customer.amount_spent_minor, currency)["shopMoney"].clone(),
    })
}

/// `created_at` bounds from a search string such as
/// `created_at:>=2026-11-17 created_at:<2026-11-24 financial_status:paid`.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct CreatedBounds {
    from: Option<(DateTime<Utc>, bool)>,
    to: Option<(DateTime<Utc>, bool)>,
}

impl CreatedBounds {
    pub(crate) fn parse(search: &str) -> Result<Self, String> {
        let mut bounds = Self::default();
        for term in search.split_whitespace() {
            let Some(rest) = term.strip_prefix("created_at:") else {
                continue;
            };
            let (op, value) = [">=", "<=", ">", "<"]
                .iter()
                .find_map(|op| rest.strip_prefix(op).map(|v| (*op, v)))
                .ok_or_else(|| format!("unsupported created_at filter {term:?}"))?;
            let value = value.trim_matches(|c| c == '\'' || c == '"');
            let at = parse_instant(value).ok_or_else(|| format!("bad date in {term:?}"))?;
            match op {
                ">=" => bounds.from = Some((at, true)),
                ">" => bounds.from = Some((at, false)),
                "<=" => bounds.to = Some((at, true)),
                _ => bounds.to = Some((at, false)),
            }
        }
        Ok(bounds)
    }

    pub(crate) fn contains(&self, at: DateTime<Utc>) -> bool {
        let after = self
            .from
            .is_none_or(|(from, inclusive)| at > from || (inclusive && at == from));
        let before = self
            .to
            .is_none_or(|(to, inclusive)| at < to || (inclusive && at == to));
        after && before
    }
}

/// A date (midnight in the shop's zone, UTC here) or an RFC 3339 instant.
fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0).map(|d| d.and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn created_at_bounds_include_and_exclude_as_written() {
        let b = CreatedBounds::parse(
            "created_at:>=2026-11-17 created_at:<2026-11-24 financial_status:paid",
        )
        .unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert!(b.contains(at("2026-11-17T00:00:00Z")));
        assert!(b.contains(at("2026-11-23T23:59:59Z")));
        assert!(!b.contains(at("2026-11-24T00:00:00Z")));
        assert!(!b.contains(at("2026-11-16T23:59:59Z")));
        assert!(CreatedBounds::parse("created_at:~2026").is_err());
    }
}
