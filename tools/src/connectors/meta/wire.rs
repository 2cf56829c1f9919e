//! The Graph API's JSON as sent, and its conversion to typed rows.
//!
//! Meta sends every metric as a string (PLATFORMS.md §6); these types accept JSON
//! numbers too, so a quiet format change does not take the connector down.

use super::errors::MetaError;
use crate::money::parse_decimal;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub(crate) struct Page<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Paging {
    #[serde(default)]
    pub next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireInsight {
    account_currency: Option<String>,
    campaign_id: Option<String>,
    campaign_name: Option<String>,
    adset_id: Option<String>,
    adset_name: Option<String>,
    ad_id: Option<String>,
    ad_name: Option<String>,
    spend: Option<Value>,
    impressions: Option<Value>,
    clicks: Option<Value>,
    reach: Option<Value>,
    frequency: Option<Value>,
    #[serde(default)]
    actions: Vec<WireAction>,
    #[serde(default)]
    action_values: Vec<WireAction>,
    date_start: NaiveDate,
    date_stop: NaiveDate,
}

#[derive(Debug, Deserialize)]
struct WireAction {
    action_type: String,
    value: Value,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireCampaign {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    objective: String,
    daily_budget: Option<Value>,
}

/// One insights row with money as exact decimals and counts as integers.
#[derive(Debug, Clone, PartialEq)]
pub struct InsightRow {
    pub date_start: NaiveDate,
    pub date_stop: NaiveDate,
    /// Present when `account_currency` was requested.
    pub currency: Option<String>,
    pub campaign_id: Option<String>,
    pub campaign_name: Option<String>,
    pub adset_id: Option<String>,
    pub adset_name: Option<String>,
    pub ad_id: Option<String>,
    pub ad_name: Option<String>,
    pub spend: Decimal,
    pub impressions: u64,
    pub clicks: u64,
    /// People reached over the row's span, when requested (not additive across rows).
    pub reach: Option<u64>,
    /// Impressions per person reached over the row's span, when requested.
    pub frequency: Option<f64>,
    /// Purchases, de-duplicated across web, app and offline where Meta reports it.
    pub purchases: Decimal,
    /// Purchase value attributed to the ads.
    pub purchase_value: Decimal,
}

/// A campaign and its budget.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignInfo {
    pub id: String,
    pub name: String,
    pub status: String,
    pub objective: String,
    /// In the account currency's minor units, as Meta stores it (and as the budget
    /// write endpoints take it); `None` when budgets are set on the ad sets instead.
    pub daily_budget_minor: Option<i64>,
}

/// Purchase action types, most complete first: `omni_purchase` counts web, app and
/// offline purchases once each.
const PURCHASE_TYPES: [&str; 3] = [
    "omni_purchase",
    "purchase",
    "offsite_conversion.fb_pixel_purchase",
];

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn decimal(field: &str, value: Option<&Value>) -> Result<Decimal, MetaError> {
    let Some(value) = value else {
        return Ok(Decimal::ZERO);
    };
    text(value)
        .and_then(|t| parse_decimal(&t).ok())
        .ok_or_else(|| MetaError::Malformed(format!("{field} is not a number: {value}")))
}

fn count(field: &str, value: Option<&Value>) -> Result<u64, MetaError> {
    let Some(value) = value else {
        return Ok(0);
    };
    text(value)
        .and_then(|t| t.trim().parse::<u64>().ok())
        .ok_or_else(|| MetaError::Malformed(format!("{field} is not a count: {value}")))
}

fn purchase_metric(field: &str, actions: &[WireAction]) -> Result<Decimal, MetaError> {
    for kind in PURCHASE_TYPES {
        if let Some(action) = actions.iter().find(|a| a.action_type == kind) {
            return decimal(field, Some(&action.value));
        }
    }
    Ok(Decimal::ZERO)
}

impl TryFrom<WireInsight> for InsightRow {
    type Error = MetaError;

    fn try_from(w: WireInsight) -> Result<Self, MetaError> {
        Ok(Self {
            spend: decimal("spend", w.spend.as_ref())?,
            impressions: count("impressions", w.impressions.as_ref())?,
            clicks: count("clicks", w.clicks.as_ref())?,
            reach: w
                .reach
                .as_ref()
                .map(|r| count("reach", Some(r)))
                .transpose()?,
            frequency: w
                .frequency
                .as_ref()
                .map(|f| decimal("frequency", Some(f)).map(|d| d.to_f64().unwrap_or(0.0)))
                .transpose()?,
            purchases: purchase_metric("actions", &w.actions)?,
            purchase_value: purchase_metric("action_values", &w.action_values)?,
            date_start: w.date_start,
            date_stop: w.date_stop,
            currency: w.account_currency,
            campaign_id: w.campaign_id,
            campaign_name: w.campaign_name,
            adset_id: w.adset_id,
            adset_name: w.adset_name,
            ad_id: w.ad_id,
            ad_name: w.ad_name,
        })
    }
}

impl TryFrom<WireCampaign> for CampaignInfo {
    type Error = MetaError;

    fn try_from(w: WireCampaign) -> Result<Self, MetaError> {
        let daily_budget_minor = match w.daily_budget.as_ref().and_then(text) {
            None => None,
            Some(raw) => {
                let minor = raw.trim().parse::<i64>().map_err(|_| {
                    MetaError::Malformed(format!("daily_budget is not minor units: {raw}"))
                })?;
                (minor > 0).then_some(minor)
            }
        };
        Ok(Self {
            id: w.id,
            name: w.name,
            status: w.status,
            objective: w.objective,
            daily_budget_minor,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::str::FromStr;

    #[test]
    fn the_documented_example_row_parses_exactly() {
        let raw = serde_json::json!({"campaign_id":"120214728393150052","campaign_name":"ASC - Evergreen",
            "spend":"1234.56","impressions":"98765","clicks":"1402","ctr":"1.419","cpm":"12.50",
            "actions":[{"action_type":"purchase","value":"37"},{"action_type":"link_click","value":"1210"}],
            "action_values":[{"action_type":"purchase","value":"4321.90"}],
            "purchase_roas":[{"action_type":"omni_purchase","value":"3.50"}],
            "date_start":"2025-06-01","date_stop":"2025-06-01"});
        let row =
            InsightRow::try_from(serde_json::from_value::<WireInsight>(raw).unwrap()).unwrap();
        assert_eq!(row.spend, Decimal::from_str("1234.56").unwrap());
        assert_eq!(row.impressions, 98_765);
        assert_eq!(row.clicks, 1_402);
        assert_eq!(row.purchases, Decimal::from(37));
        assert_eq!(row.purchase_value, Decimal::from_str("4321.90").unwrap());
        assert_eq!(row.campaign_name.as_deref(), Some("ASC - Evergreen"));
    }

    #[test]
    fn reach_and_frequency_parse_when_requested() {
        let raw = serde_json::json!({"ad_id":"120214728393170001","impressions":"30000",
            "reach":"9000","frequency":"3.333333",
            "date_start":"2023-12-01","date_stop":"2026-11-20"});
        let row =
            InsightRow::try_from(serde_json::from_value::<WireInsight>(raw).unwrap()).unwrap();
        assert_eq!(row.reach, Some(9_000));
        assert!((row.frequency.unwrap() - 3.333333).abs() < 1e-12);
        let without = serde_json::json!({"date_start":"2026-11-20","date_stop":"2026-11-20"});
        let row =
            InsightRow::try_from(serde_json::from_value::<WireInsight>(without).unwrap()).unwrap();
        assert_eq!((row.reach, row.frequency), (None, None));
    }

    #[test]
    fn omni_purchase_wins_and_garbage_is_malformed() {
        let raw = serde_json::json!({"spend": 10.5, "actions":[
            {"action_type":"purchase","value":"3"},{"action_type":"omni_purchase","value":"4"}],
            "date_start":"2025-06-01","date_stop":"2025-06-01"});
        let row =
            InsightRow::try_from(serde_json::from_value::<WireInsight>(raw).unwrap()).unwrap();
        assert_eq!(row.purchases, Decimal::from(4));
        assert_eq!(row.spend, Decimal::from_str("10.5").unwrap());
        let bad =
            serde_json::json!({"spend":"12,00","date_start":"2025-06-01","date_stop":"2025-06-01"});
        let err =
            InsightRow::try_from(serde_json::from_value::<WireInsight>(bad).unwrap()).unwrap_err();
        assert!(matches!(err, MetaError::Malformed(_)));
    }
}
