//! TikTok's JSON as sent: the `{code, message, request_id, data}` envelope, report rows
//! with `dimensions` and string `metrics` (`"-"` when there is no value), and the
//! campaign list (PLATFORMS.md §8).

use super::errors::TikTokError;
use crate::money::parse_decimal;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, Deserialize)]
pub(crate) struct Envelope {
    pub code: i64,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub data: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListPage {
    #[serde(default)]
    pub list: Vec<Value>,
    #[serde(default)]
    pub page_info: Option<PageInfo>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PageInfo {
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub total_page: u32,
}

#[derive(Debug, Deserialize)]
struct WireReportRow {
    #[serde(default)]
    dimensions: Map<String, Value>,
    #[serde(default)]
    metrics: Map<String, Value>,
}

/// One campaign (or ad) on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub date: NaiveDate,
    pub currency: Option<String>,
    pub campaign_id: String,
    pub campaign_name: String,
    pub adgroup_id: Option<String>,
    pub adgroup_name: Option<String>,
    pub ad_id: Option<String>,
    pub ad_name: Option<String>,
    pub spend: Decimal,
    pub impressions: u64,
    pub clicks: u64,
    /// `complete_payment`: purchases.
    pub purchases: Decimal,
    /// `total_complete_payment_rate`: purchase value (TikTok's name for it).
    pub purchase_value: Decimal,
}

/// A campaign with its status and budget.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignInfo {
    pub id: String,
    pub name: String,
    /// ENABLE or DISABLE.
    pub operation_status: String,
    /// BUDGET_MODE_DAY, BUDGET_MODE_TOTAL or BUDGET_MODE_INFINITE.
    pub budget_mode: String,
    pub budget: Decimal,
    pub objective_type: String,
}

fn text(map: &Map<String, Value>, field: &str) -> Option<String> {
    match map.get(field)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn decimal(map: &Map<String, Value>, field: &str) -> Result<Decimal, TikTokError> {
    match text(map, field).as_deref().map(str::trim) {
        None | Some("-") | Some("") => Ok(Decimal::ZERO),
        Some(raw) => parse_decimal(raw)
            .map_err(|_| TikTokError::Malformed(format!("{field} is not a number: {raw:?}"))),
    }
}

fn count(map: &Map<String, Value>, field: &str) -> Result<u64, TikTokError> {
    match text(map, field).as_deref().map(str::trim) {
        None | Some("-") | Some("") => Ok(0),
        Some(raw) => raw
            .parse::<u64>()
            .map_err(|_| TikTokError::Malformed(format!("{field} is not a count: {raw:?}"))),
    }
}

/// `"2025-06-01 00:00:00"` → 2025-06-01.
fn day(raw: &str) -> Result<NaiveDate, TikTokError> {
    NaiveDate::parse_from_str(raw.get(..10).unwrap_or(raw), "%Y-%m-%d")
        .map_err(|_| TikTokError::Malformed(format!("stat_time_day is not a date: {raw:?}")))
}

pub(crate) fn report_row(raw: Value) -> Result<ReportRow, TikTokError> {
    let row: WireReportRow =
        serde_json::from_value(raw).map_err(|e| TikTokError::Malformed(e.to_string()))?;
    let (d, m) = (&row.dimensions, &row.metrics);
    let date = day(&text(d, "stat_time_day")
        .ok_or_else(|| TikTokError::Malformed("report row without stat_time_day".to_owned()))?)?;
    let either = |field: &str| text(d, field).or_else(|| text(m, field));
    Ok(ReportRow {
        date,
        currency: text(m, "currency"),
        campaign_id: either("campaign_id").unwrap_or_default(),
        campaign_name: text(m, "campaign_name").unwrap_or_default(),
        adgroup_id: either("adgroup_id"),
        adgroup_name: text(m, "adgroup_name"),
        ad_id: either("ad_id"),
        ad_name: text(m, "ad_name"),
        spend: decimal(m, "spend")?,
        impressions: count(m, "impressions")?,
        clicks: count(m, "clicks")?,
        purchases: decimal(m, "complete_payment")?,
        purchase_value: decimal(m, "total_complete_payment_rate")?,
    })
}

pub(crate) fn campaign_info(raw: Value) -> Result<CampaignInfo, TikTokError> {
    let Value::Object(map) = raw else {
        return Err(TikTokError::Malformed(
            "campaign is not an object".to_owned(),
        ));
    };
    Ok(CampaignInfo {
        id: text(&map, "campaign_id").unwrap_or_default(),
        name: text(&map, "campaign_name").unwrap_or_default(),
        operation_status: text(&map, "operation_status").unwrap_or_default(),
        budget_mode: text(&map, "budget_mode").unwrap_or_default(),
        budget: decimal(&map, "budget")?,
        objective_type: text(&map, "objective_type").unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::str::FromStr;

    #[test]
    fn the_documented_row_parses_and_dashes_are_zero() {
        let raw = serde_json::json!({"dimensions":{"campaign_id":"1680018437245954","stat_time_day":"2025-06-01 00:00:00"},
            "metrics":{"spend":"1265.87","impressions":"3840449","clicks":"45231","ctr":"1.18","conversion":"37","campaign_name":"Spring",
                       "complete_payment":"-"}});
        let row = report_row(raw).unwrap();
        assert_eq!(row.spend, Decimal::from_str("1265.87").unwrap());
        assert_eq!(row.impressions, 3_840_449);
        assert_eq!(row.clicks, 45_231);
        assert_eq!(row.purchases, Decimal::ZERO);
        assert_eq!(row.campaign_id, "1680018437245954");
        assert_eq!(row.campaign_name, "Spring");
        assert_eq!(row.date.to_string(), "2025-06-01");
        let bad = serde_json::json!({"dimensions":{"stat_time_day":"2025-06-01 00:00:00"},"metrics":{"spend":"1,265"}});
        assert!(matches!(report_row(bad), Err(TikTokError::Malformed(_))));
    }
}
