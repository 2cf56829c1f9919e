//! Google Ads REST JSON as sent: camelCase names, int64 values as strings, doubles as
//! numbers (PLATFORMS.md §5), and its conversion to typed rows.

use super::errors::GoogleAdsError;
use crate::money::{from_micros, parse_decimal};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

/// One `googleAds:search` page, or one `searchStream` batch.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchPage {
    #[serde(default)]
    pub results: Vec<WireRow>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireRow {
    #[serde(default)]
    customer: Option<WireCustomer>,
    #[serde(default)]
    campaign: Option<WireCampaign>,
    #[serde(default)]
    campaign_budget: Option<WireBudget>,
    #[serde(default)]
    ad_group: Option<WireNamed>,
    #[serde(default)]
    ad_group_ad: Option<WireAdGroupAd>,
    #[serde(default)]
    metrics: Option<WireMetrics>,
    #[serde(default)]
    segments: Option<WireSegments>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCustomer {
    #[serde(default)]
    currency_code: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCampaign {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    advertising_channel_type: Option<String>,
    /// The CampaignBudget's resource name.
    #[serde(default)]
    campaign_budget: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireBudget {
    #[serde(default)]
    resource_name: Option<String>,
    #[serde(default)]
    amount_micros: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
struct WireNamed {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct WireAdGroupAd {
    #[serde(default)]
    ad: Option<WireNamed>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireMetrics {
    #[serde(default)]
    cost_micros: Option<Value>,
    #[serde(default)]
    impressions: Option<Value>,
    #[serde(default)]
    clicks: Option<Value>,
    #[serde(default)]
    conversions: Option<Value>,
    #[serde(default)]
    conversions_value: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
struct WireSegments {
    #[serde(default)]
    date: Option<NaiveDate>,
}

/// One campaign (or ad) on one day, money exact.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub date: NaiveDate,
    pub currency: Option<String>,
    pub campaign_id: String,
    pub campaign_name: String,
    pub ad_group_id: Option<String>,
    pub ad_group_name: Option<String>,
    pub ad_id: Option<String>,
    pub ad_name: Option<String>,
    /// `costMicros / 1e6`, exactly.
    pub cost: Decimal,
    pub impressions: u64,
    pub clicks: u64,
    pub conversions: Decimal,
    pub conversions_value: Decimal,
}

/// A campaign with its status and budget.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignInfo {
    pub id: String,
    pub name: String,
    /// ENABLED, PAUSED or REMOVED.
    pub status: String,
    /// SEARCH, PERFORMANCE_MAX, VIDEO…
    pub channel_type: String,
    /// `customers/{cid}/campaignBudgets/{id}`: what a budget change mutates.
    pub budget_resource_name: String,
    pub daily_budget: Decimal,
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn int64(field: &str, value: Option<&Value>) -> Result<i64, GoogleAdsError> {
    let Some(value) = value else { return Ok(0) };
    text(value)
        .and_then(|t| t.trim().parse::<i64>().ok())
        .ok_or_else(|| GoogleAdsError::Malformed(format!("{field} is not an int64: {value}")))
}

fn count(field: &str, value: Option<&Value>) -> Result<u64, GoogleAdsError> {
    u64::try_from(int64(field, value)?)
        .map_err(|_| GoogleAdsError::Malformed(format!("{field} is negative")))
}

/// Doubles come as JSON numbers; their shortest decimal text is what Google computed.
fn double(field: &str, value: Option<&Value>) -> Result<Decimal, GoogleAdsError> {
    let Some(value) = value else {
        return Ok(Decimal::ZERO);
    };
    text(value)
        .and_then(|t| parse_decimal(&t).ok())
        .ok_or_else(|| GoogleAdsError::Malformed(format!("{field} is not a number: {value}")))
}

impl WireRow {
    pub(crate) fn into_report_row(self) -> Result<ReportRow, GoogleAdsError> {
        let campaign = self.campaign.unwrap_or_default();
        let metrics = self.metrics.unwrap_or_default();
        let date = self
            .segments
            .and_then(|s| s.date)
            .ok_or_else(|| GoogleAdsError::Malformed("row without segments.date".to_owned()))?;
        let ad = self.ad_group_ad.and_then(|a| a.ad);
        Ok(ReportRow {
            date,
            currency: self.customer.and_then(|c| c.currency_code),
            campaign_id: campaign.id.unwrap_or_default(),
            campaign_name: campaign.name.unwrap_or_default(),
            ad_group_id: self.ad_group.as_ref().and_then(|g| g.id.clone()),
            ad_group_name: self.ad_group.and_then(|g| g.name),
            ad_id: ad.as_ref().and_then(|a| a.id.clone()),
            ad_name: ad.and_then(|a| a.name),
            cost: from_micros(int64("metrics.costMicros", metrics.cost_micros.as_ref())?),
            impressions: count("metrics.impressions", metrics.impressions.as_ref())?,
            clicks: count("metrics.clicks", metrics.clicks.as_ref())?,
            conversions: double("metrics.conversions", metrics.conversions.as_ref())?,
            conversions_value: double(
                "metrics.conversionsValue",
                metrics.conversions_value.as_ref(),
            )?,
        })
    }

    pub(crate) fn into_campaign_info(self) -> Result<CampaignInfo, GoogleAdsError> {
        let campaign = self.campaign.unwrap_or_default();
        let budget = self.campaign_budget.unwrap_or_default();
        Ok(CampaignInfo {
            id: campaign.id.unwrap_or_default(),
            name: campaign.name.unwrap_or_default(),
            status: campaign.status.unwrap_or_default(),
            channel_type: campaign.advertising_channel_type.unwrap_or_default(),
            budget_resource_name: budget
                .resource_name
                .or(campaign.campaign_budget)
                .unwrap_or_default(),
            daily_budget: from_micros(int64(
                "campaignBudget.amountMicros",
                budget.amount_micros.as_ref(),
            )?),
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
        let raw = r#"[{"results":[{"campaign":{"resourceName":"customers/1234567890/campaigns/111","id":"111","name":"Brand","status":"ENABLED"},
       "metrics":{"costMicros":"45670000","impressions":"3400","clicks":"120","conversions":12.0,"conversionsValue":540.5},
       "segments":{"date":"2025-06-01"}}],
     "fieldMask":"campaign.id,campaign.name,campaign.status,segments.date,metrics.costMicros,metrics.impressions,metrics.clicks,metrics.conversions,metrics.conversionsValue",
     "requestId":"fXvT3k"}]"#;
        let mut batches: Vec<SearchPage> = serde_json::from_str(raw).unwrap();
        let row = batches
            .remove(0)
            .results
            .remove(0)
            .into_report_row()
            .unwrap();
        assert_eq!(row.cost, Decimal::from_str("45.67").unwrap());
        assert_eq!(row.impressions, 3_400);
        assert_eq!(row.clicks, 120);
        assert_eq!(row.conversions, Decimal::from(12));
        assert_eq!(row.conversions_value, Decimal::from_str("540.5").unwrap());
        assert_eq!(row.campaign_name, "Brand");
        assert_eq!(row.date.to_string(), "2025-06-01");
    }
}
