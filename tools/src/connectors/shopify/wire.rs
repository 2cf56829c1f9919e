//! The Admin GraphQL API's JSON as sent (PLATFORMS.md §10), and its conversion into
//! the commerce model. Money arrives as decimal strings and stays exact.

use super::errors::ShopifyError;
use crate::model::{Customer, Money, Order, Refund};
use crate::money::parse_decimal;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// Registry key of Shopify.
pub const PLATFORM: &str = "shopify";

/// The GraphQL envelope. `errors` stays raw: Shopify sends a list of objects for
/// GraphQL errors but a bare string for some HTTP-level ones.
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope<T> {
    pub data: Option<T>,
    #[serde(default)]
    pub errors: Option<Value>,
    #[serde(default)]
    pub extensions: Option<Extensions>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Extensions {
    #[serde(default)]
    pub cost: Option<QueryCost>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryCost {
    pub requested_query_cost: f64,
    #[serde(default)]
    pub actual_query_cost: Option<f64>,
    pub throttle_status: ThrottleStatus,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleStatus {
    pub maximum_available: f64,
    pub currently_available: f64,
    pub restore_rate: f64,
}

/// One entry of `errors[]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GraphQlError {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub extensions: Option<GraphQlErrorExtensions>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GraphQlErrorExtensions {
    #[serde(default)]
    pub code: Option<String>,
}

/// `errors` as a list, whichever shape it came in.
pub(crate) fn graphql_errors(raw: &Value) -> Vec<GraphQlError> {
    match raw {
        Value::Array(items) => items
            .iter()
            .map(|v| serde_json::from_value(v.clone()).unwrap_or_default())
            .collect(),
        Value::String(message) => vec![GraphQlError {
            message: message.clone(),
            extensions: None,
        }],
        Value::Object(_) => vec![serde_json::from_value(raw.clone()).unwrap_or_default()],
        _ => Vec::new(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Connection<T> {
    #[serde(default = "Vec::new")]
    pub edges: Vec<Edge<T>>,
    pub page_info: PageInfo,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Edge<T> {
    pub node: T,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageInfo {
    pub has_next_page: bool,
    #[serde(default)]
    pub end_cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct OrdersData {
    pub orders: Connection<WireOrder>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CustomersData {
    pub customers: Connection<WireCustomer>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ShopData {
    pub shop: ShopInfo,
}

/// The store itself.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShopInfo {
    pub name: String,
    pub currency_code: String,
    pub iana_timezone: String,
    pub myshopify_domain: String,
}

#[derive(Debug, Deserialize)]
struct MoneyBag {
    #[serde(rename = "shopMoney")]
    shop_money: MoneyV2,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoneyV2 {
    amount: Value,
    #[serde(default)]
    currency_code: Option<String>,
}

#[derive(Debug, Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JourneySummary {
    #[serde(default)]
    customer_order_index: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireOrder {
    id: String,
    name: String,
    created_at: DateTime<Utc>,
    #[serde(default)]
    display_financial_status: Option<String>,
    total_price_set: MoneyBag,
    #[serde(default)]
    total_refunded_set: Option<MoneyBag>,
    #[serde(default)]
    customer: Option<IdOnly>,
    #[serde(default)]
    customer_journey_summary: Option<JourneySummary>,
    #[serde(default)]
    refunds: Vec<WireRefund>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRefund {
    id: String,
    created_at: DateTime<Utc>,
    total_refunded_set: MoneyBag,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireCustomer {
    id: String,
    created_at: DateTime<Utc>,
    #[serde(default)]
    number_of_orders: Option<Value>,
    amount_spent: MoneyV2,
}

fn money(field: &str, value: &MoneyV2, fallback_currency: &str) -> Result<Money, ShopifyError> {
    let text = match &value.amount {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => {
            return Err(ShopifyError::Malformed(format!(
                "{field} is not an amount: {other}"
            )));
        }
    };
    let amount = parse_decimal(&text)
        .map_err(|_| ShopifyError::Malformed(format!("{field} is not an amount: {text:?}")))?;
    let currency = value
        .currency_code
        .clone()
        .unwrap_or_else(|| fallback_currency.to_owned());
    Ok(Money::new(amount, currency))
}

impl WireOrder {
    pub(crate) fn into_order(self) -> Result<Order, ShopifyError> {
        let total = money("totalPriceSet", &self.total_price_set.shop_money, "USD")?;
        let currency = total.currency.clone();
        let refunded = match &self.total_refunded_set {
            Some(set) => money("totalRefundedSet", &set.shop_money, &currency)?,
            None => Money::zero(&currency),
        };
        let refunds = self
            .refunds
            .iter()
            .map(|r| {
                Ok(Refund {
                    id: r.id.clone(),
                    order_id: self.id.clone(),
                    created_at: r.created_at,
                    amount: money(
                        "refunds.totalRefundedSet",
                        &r.total_refunded_set.shop_money,
                        &currency,
                    )?,
                })
            })
            .collect::<Result<Vec<_>, ShopifyError>>()?;
        Ok(Order {
            platform: PLATFORM.to_owned(),
            id: self.id,
            name: self.name,
            created_at: self.created_at,
            customer_id: self.customer.map(|c| c.id),
            customer_order_index: self
                .customer_journey_summary
                .and_then(|j| j.customer_order_index),
            total,
            refunded,
            financial_status: self.display_financial_status.unwrap_or_default(),
            refunds,
        })
    }
}

impl WireCustomer {
    pub(crate) fn into_customer(self) -> Result<Customer, ShopifyError> {
        // numberOfOrders is an UnsignedInt64, which GraphQL sends as a string.
        let orders_count = match &self.number_of_orders {
            None => 0,
            Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
            Some(Value::String(s)) => s.trim().parse().map_err(|_| {
                ShopifyError::Malformed(format!("numberOfOrders is not a count: {s:?}"))
            })?,
            Some(other) => {
                return Err(ShopifyError::Malformed(format!(
                    "numberOfOrders is not a count: {other}"
                )));
            }
        };
        Ok(Customer {
            platform: PLATFORM.to_owned(),
            amount_spent: money("amountSpent", &self.amount_spent, "USD")?,
            id: self.id,
            created_at: self.created_at,
            orders_count,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::str::FromStr;

    #[test]
    fn the_documented_order_parses_exactly() {
        let raw = serde_json::json!({"id":"gid://shopify/Order/5500000001","name":"#1001",
            "createdAt":"2025-06-01T14:03:22Z","displayFinancialStatus":"PAID",
            "totalPriceSet":{"shopMoney":{"amount":"84.50","currencyCode":"USD"}}});
        let order = serde_json::from_value::<WireOrder>(raw)
            .unwrap()
            .into_order()
            .unwrap();
        assert_eq!(
            order.total.amount,
            rust_decimal::Decimal::from_str("84.50").unwrap()
        );
        assert_eq!(order.total.currency, "USD");
        assert_eq!(order.refunded.amount, rust_decimal::Decimal::ZERO);
        assert_eq!(order.name, "#1001");
        assert_eq!(order.customer_order_index, None);
    }

    #[test]
    fn errors_come_as_a_list_or_a_string() {
        let list = serde_json::json!([{"message":"Throttled","extensions":{"code":"THROTTLED"}}]);
        let parsed = graphql_errors(&list);
        assert_eq!(
            parsed[0].extensions.as_ref().unwrap().code.as_deref(),
            Some("THROTTLED")
        );
        let text = serde_json::json!("[API] Invalid API key or access token");
        assert_eq!(
            graphql_errors(&text)[0].message,
            "[API] Invalid API key or access token"
        );
    }
}
