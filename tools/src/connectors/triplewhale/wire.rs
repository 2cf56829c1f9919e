//! TripleWhale's JSON as sent (PLATFORMS.md §1). Values are JSON numbers; they are
//! read through their decimal text so cents stay exact.

use super::errors::TripleWhaleError;
use crate::model::{AttributedOrder, Money, Touch};
use crate::money::parse_decimal;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

/// Registry key of TripleWhale.
pub const PLATFORM: &str = "triplewhale";

/// A JSON number (or numeric string) as an exact decimal.
pub(crate) fn number(field: &str, value: &Value) -> Result<Decimal, TripleWhaleError> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => {
            return Err(TripleWhaleError::Malformed(format!(
                "{field} is not a number: {other}"
            )));
        }
    };
    parse_decimal(&text)
        .or_else(|_| Decimal::from_scientific(&text).map_err(|_| ()))
        .map_err(|_| TripleWhaleError::Malformed(format!("{field} is not a number: {text:?}")))
}

#[derive(Debug, Deserialize)]
pub(crate) struct SummaryResponse {
    #[serde(default = "Vec::new")]
    pub metrics: Vec<WireMetric>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireMetric {
    id: String,
    #[serde(default)]
    metric_id: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    value_type: Option<String>,
    #[serde(default)]
    delta: Option<Value>,
    /// The rich shape: `{"current","previous"}`.
    #[serde(default)]
    values: Option<WireValues>,
    /// The simplified OpenAPI shape: a single `value`.
    #[serde(default)]
    value: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct WireValues {
    current: Value,
    #[serde(default)]
    previous: Option<Value>,
}

/// One summary-page metric.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryMetric {
    /// e.g. "sales", "facebookAds".
    pub id: String,
    /// e.g. "totalSales", "fb_ads_spend".
    pub metric_id: String,
    pub title: String,
    /// e.g. ["facebook-ads"].
    pub services: Vec<String>,
    /// currency, decimal or percent.
    pub value_type: String,
    pub current: Decimal,
    pub previous: Option<Decimal>,
    pub delta_pct: Option<Decimal>,
}

impl TryFrom<WireMetric> for SummaryMetric {
    type Error = TripleWhaleError;

    fn try_from(w: WireMetric) -> Result<Self, TripleWhaleError> {
        let (current, previous) = match (&w.values, &w.value) {
            (Some(values), _) => (
                number(&w.id, &values.current)?,
                values
                    .previous
                    .as_ref()
                    .filter(|v| !v.is_null())
                    .map(|v| number(&w.id, v))
                    .transpose()?,
            ),
            (None, Some(value)) => (number(&w.id, value)?, None),
            (None, None) => {
                return Err(TripleWhaleError::Malformed(format!(
                    "metric {} has no value",
                    w.id
                )));
            }
        };
        Ok(Self {
            delta_pct: w
                .delta
                .as_ref()
                .filter(|v| !v.is_null())
                .map(|v| number("delta", v))
                .transpose()?,
            metric_id: w.metric_id.unwrap_or_else(|| w.id.clone()),
            title: w.title.unwrap_or_else(|| w.id.clone()),
            services: w.services,
            value_type: w.value_type.unwrap_or_else(|| "decimal".to_owned()),
            id: w.id,
            current,
            previous,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JourneysResponse {
    #[serde(default)]
    pub total_for_range: Option<u64>,
    #[serde(default)]
    pub earliest_date: Option<String>,
    #[serde(default = "Vec::new")]
    pub orders_with_journeys: Vec<WireJourneyOrder>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireJourneyOrder {
    pub order_id: Value,
    #[serde(default)]
    order_name: Option<String>,
    created_at: DateTime<Utc>,
    #[serde(default)]
    customer_id: Option<Value>,
    total_price: Value,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    attribution: Option<WireAttribution>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireAttribution {
    #[serde(default)]
    first_click: Vec<WireTouch>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireTouch {
    source: String,
    #[serde(default)]
    campaign_id: Option<String>,
    #[serde(default)]
    adset_id: Option<String>,
    #[serde(default)]
    ad_id: Option<String>,
    #[serde(default)]
    click_date: Option<DateTime<Utc>>,
}

fn id_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl WireJourneyOrder {
    pub(crate) fn order_key(&self) -> String {
        id_text(&self.order_id)
    }

    pub(crate) fn into_order(self) -> Result<AttributedOrder, TripleWhaleError> {
        let currency = self.currency.unwrap_or_else(|| "USD".to_owned());
        let first_click = self
            .attribution
            .and_then(|a| a.first_click.into_iter().next())
            .map(|t| Touch {
                source: t.source,
                campaign_id: t.campaign_id,
                adset_id: t.adset_id,
                ad_id: t.ad_id,
                clicked_at: t.click_date,
            });
        Ok(AttributedOrder {
            order_id: id_text(&self.order_id),
            order_name: self.order_name.unwrap_or_default(),
            created_at: self.created_at,
            customer_id: self.customer_id.as_ref().map(id_text),
            total: Money::new(number("total_price", &self.total_price)?, currency),
            first_click,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::str::FromStr;

    #[test]
    fn the_documented_metric_and_order_parse_exactly() {
        let metric = serde_json::json!({"id":"sales","metricId":"totalSales","title":"Sales","services":["shopify"],
            "valueType":"currency","delta":12,"values":{"current":36140.95,"previous":32091.46},
            "charts":{"current":[{"x":1,"y":1653.57}],"previous":[{"x":341,"y":1997.65}]}});
        let m =
            SummaryMetric::try_from(serde_json::from_value::<WireMetric>(metric).unwrap()).unwrap();
        assert_eq!(m.current, Decimal::from_str("36140.95").unwrap());
        assert_eq!(m.previous, Some(Decimal::from_str("32091.46").unwrap()));
        assert_eq!(m.metric_id, "totalSales");
        let simple = serde_json::json!({"metricName":"revenue","id":"revenue","value":12345.67});
        let m =
            SummaryMetric::try_from(serde_json::from_value::<WireMetric>(simple).unwrap()).unwrap();
        assert_eq!(m.current, Decimal::from_str("12345.67").unwrap());

        let order = serde_json::json!({"order_id":5500000001_u64,"order_name":"#1001","created_at":"2025-06-01T14:03:22Z",
            "customer_id":7100000001_u64,"total_price":"84.50","currency":"USD",
            "attribution":{"firstClick":[{"source":"facebook-ads","campaignId":"120214728393150052","adsetId":"1","adId":"2","clickDate":"2025-06-01T13:00:00Z"}]},
            "journey":[{"time":"2025-06-01T13:00:00Z","event":"page loaded","path":"/products/tee","productId":"9"}]});
        let o = serde_json::from_value::<WireJourneyOrder>(order)
            .unwrap()
            .into_order()
            .unwrap();
        assert_eq!(o.order_id, "5500000001");
        assert_eq!(o.total.amount, Decimal::from_str("84.50").unwrap());
        let touch = o.first_click.unwrap();
        assert_eq!(touch.source, "facebook-ads");
        assert_eq!(touch.campaign_id.as_deref(), Some("120214728393150052"));
    }
}
