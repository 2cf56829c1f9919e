//! LinkedIn's JSON and Rest.li query syntax as sent (PLATFORMS.md §7): adAnalytics
//! elements with decimal-string costs, the cursor-paged search finders, and the
//! `List(…)` / `(start:(year:…))` query values with URL-encoded URNs.

use super::errors::LinkedInError;
use crate::money::parse_decimal;
use chrono::{Datelike, NaiveDate};
use omnify_core::DateRange;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

pub(crate) const ACCOUNT_URN: &str = "urn:li:sponsoredAccount:";

/// A URN as a Rest.li query value: its colons percent-encoded, as LinkedIn requires.
pub(crate) fn encode_urn(urn: &str) -> String {
    urn.replace(':', "%3A")
}

/// `List(a,b)` of encoded URNs.
pub(crate) fn urn_list(urns: &[String]) -> String {
    let encoded: Vec<String> = urns.iter().map(|u| encode_urn(u)).collect();
    format!("List({})", encoded.join(","))
}

/// `(start:(year:2025,month:6,day:1),end:(year:2025,month:6,day:30))`, both inclusive.
pub(crate) fn date_range(range: DateRange) -> String {
    let part = |d: NaiveDate| format!("(year:{},month:{},day:{})", d.year(), d.month(), d.day());
    format!("(start:{},end:{})", part(range.since), part(range.until))
}

/// The id at the end of a URN, or the text itself.
pub(crate) fn id_of(urn: &str) -> &str {
    urn.rsplit(':').next().unwrap_or(urn)
}

/// One page of a finder: `elements`, and `metadata.nextPageToken` on cursor finders.
#[derive(Debug, Deserialize)]
pub(crate) struct Page {
    #[serde(default)]
    pub elements: Vec<Value>,
    #[serde(default)]
    pub metadata: Option<PageMetadata>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageMetadata {
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireDate {
    year: i32,
    month: u32,
    day: u32,
}

#[derive(Debug, Deserialize)]
struct WireDateRange {
    start: WireDate,
}

/// A money field: LinkedIn sends decimal strings, but tolerate a number.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Amount {
    Text(String),
    Number(serde_json::Number),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireElement {
    date_range: WireDateRange,
    #[serde(default)]
    pivot_values: Vec<String>,
    #[serde(default)]
    impressions: u64,
    #[serde(default)]
    clicks: u64,
    #[serde(default)]
    cost_in_local_currency: Option<Amount>,
    #[serde(default)]
    external_website_conversions: u64,
    #[serde(default)]
    one_click_leads: u64,
    #[serde(default)]
    conversion_value_in_local_currency: Option<Amount>,
}

/// One campaign (or creative) on one day, from adAnalytics.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyticsRow {
    pub date: NaiveDate,
    /// The pivot's URN, e.g. `urn:li:sponsoredCampaign:6123`.
    pub pivot: String,
    pub impressions: u64,
    pub clicks: u64,
    /// `costInLocalCurrency`: in the ad account's currency.
    pub cost: Decimal,
    pub website_conversions: u64,
    /// Lead-gen form submissions.
    pub leads: u64,
    pub conversion_value: Decimal,
}

fn amount(field: &str, raw: Option<Amount>) -> Result<Decimal, LinkedInError> {
    let text = match raw {
        None => return Ok(Decimal::ZERO),
        Some(Amount::Text(t)) => t,
        Some(Amount::Number(n)) => n.to_string(),
    };
    parse_decimal(&text)
        .map_err(|_| LinkedInError::Malformed(format!("{field} is not an amount: {text:?}")))
}

pub(crate) fn analytics_row(raw: Value) -> Result<AnalyticsRow, LinkedInError> {
    let e: WireElement =
        serde_json::from_value(raw).map_err(|e| LinkedInError::Malformed(e.to_string()))?;
    let d = &e.date_range.start;
    let date = NaiveDate::from_ymd_opt(d.year, d.month, d.day).ok_or_else(|| {
        LinkedInError::Malformed(format!("not a date: {}-{}-{}", d.year, d.month, d.day))
    })?;
    Ok(AnalyticsRow {
        date,
        pivot: e.pivot_values.into_iter().next().unwrap_or_default(),
        impressions: e.impressions,
        clicks: e.clicks,
        cost: amount("costInLocalCurrency", e.cost_in_local_currency)?,
        website_conversions: e.external_website_conversions,
        leads: e.one_click_leads,
        conversion_value: amount(
            "conversionValueInLocalCurrency",
            e.conversion_value_in_local_currency,
        )?,
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireBudget {
    amount: String,
    currency_code: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCampaign {
    id: Value,
    #[serde(default)]
    name: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    objective_type: Option<String>,
    #[serde(default)]
    daily_budget: Option<WireBudget>,
}

/// A campaign with its status and daily budget, from the adCampaigns search.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignInfo {
    pub id: String,
    pub name: String,
    /// ACTIVE, PAUSED, ARCHIVED, COMPLETED…
    pub status: String,
    pub objective: Option<String>,
    pub daily_budget: Option<Decimal>,
    pub currency: Option<String>,
}

fn id_text(value: &Value) -> String {
    match value {
        Value::String(s) => id_of(s).to_owned(),
        other => other.to_string(),
    }
}

pub(crate) fn campaign_info(raw: Value) -> Result<CampaignInfo, LinkedInError> {
    let c: WireCampaign =
        serde_json::from_value(raw).map_err(|e| LinkedInError::Malformed(e.to_string()))?;
    let (daily_budget, currency) = match c.daily_budget {
        Some(b) => (
            Some(parse_decimal(&b.amount).map_err(|_| {
                LinkedInError::Malformed(format!("dailyBudget.amount {:?}", b.amount))
            })?),
            Some(b.currency_code),
        ),
        None => (None, None),
    };
    Ok(CampaignInfo {
        id: id_text(&c.id),
        name: c.name,
        status: c.status,
        objective: c.objective_type,
        daily_budget,
        currency,
    })
}

#[derive(Debug, Deserialize)]
struct WireCreative {
    id: Value,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    campaign: String,
}

/// A sponsored creative (LinkedIn's ad) and the campaign it runs in.
#[derive(Debug, Clone, PartialEq)]
pub struct CreativeInfo {
    pub id: String,
    pub name: Option<String>,
    pub campaign_id: String,
}

pub(crate) fn creative_info(raw: Value) -> Result<CreativeInfo, LinkedInError> {
    let c: WireCreative =
        serde_json::from_value(raw).map_err(|e| LinkedInError::Malformed(e.to_string()))?;
    Ok(CreativeInfo {
        id: id_text(&c.id),
        name: c.name,
        campaign_id: id_of(&c.campaign).to_owned(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::str::FromStr;

    #[test]
    fn the_documented_element_parses_with_exact_costs() {
        let raw = serde_json::json!({"dateRange":{"start":{"year":2025,"month":6,"day":1},"end":{"year":2025,"month":6,"day":1}},
            "pivotValues":["urn:li:sponsoredCampaign:6123"],"impressions":12500,"clicks":185,
            "costInLocalCurrency":"2312.50","costInUsd":"2312.50","externalWebsiteConversions":3,"oneClickLeads":12});
        let row = analytics_row(raw).unwrap();
        assert_eq!(row.cost, Decimal::from_str("2312.50").unwrap());
        assert_eq!(row.date.to_string(), "2025-06-01");
        assert_eq!(id_of(&row.pivot), "6123");
        assert_eq!((row.website_conversions, row.leads), (3, 12));
        assert_eq!(row.conversion_value, Decimal::ZERO);
        let bad = serde_json::json!({"dateRange":{"start":{"year":2025,"month":6,"day":1}},"costInLocalCurrency":"1,2"});
        assert!(matches!(
            analytics_row(bad),
            Err(LinkedInError::Malformed(_))
        ));
    }

    #[test]
    fn restli_values_are_written_as_linkedin_reads_them() {
        let range = DateRange {
            since: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
            until: NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
        };
        assert_eq!(
            date_range(range),
            "(start:(year:2025,month:6,day:1),end:(year:2025,month:6,day:30))"
        );
        assert_eq!(
            urn_list(&["urn:li:sponsoredAccount:5110".to_owned()]),
            "List(urn%3Ali%3AsponsoredAccount%3A5110)"
        );
    }
}
