//! `GET /rest/adAnalytics?q=analytics`: the brand's LinkedIn ad-days grouped by the
//! pivot (and by day with `timeGranularity=DAILY`), costs as decimal strings, counts as
//! integers, only the requested `fields`, silently cut at the element cap (§7).

use super::ApiError;
use super::restli::{date_range, list};
use crate::money::from_cents;
use crate::sandbox::brand::{AdAccount, AdDay};
use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const METRICS: &[&str] = &[
    "impressions",
    "clicks",
    "costInLocalCurrency",
    "costInUsd",
    "externalWebsiteConversions",
    "oneClickLeads",
    "landingPageClicks",
    "conversionValueInLocalCurrency",
    "videoViews",
];

/// At most this many metrics per call (§7).
const MAX_METRICS: usize = 20;

/// Without `fields`, LinkedIn answers with these.
const DEFAULT_FIELDS: &[&str] = &["dateRange", "pivotValues", "impressions", "clicks"];

#[derive(Default, Clone, Copy)]
struct Totals {
    spend_cents: i64,
    impressions: u64,
    clicks: u64,
    conversions: u64,
    value_cents: i64,
    video_views: u64,
}

fn pivot_urn(day: &AdDay, pivot: &str, account_id: &str) -> String {
    match pivot {
        "CAMPAIGN" => format!("urn:li:sponsoredCampaign:{}", day.campaign_id),
        "CREATIVE" => format!("urn:li:sponsoredCreative:{}", day.ad_id),
        _ => format!("urn:li:sponsoredAccount:{account_id}"),
    }
}

fn rest_li_date(date: NaiveDate) -> Value {
    json!({"year": date.year(), "month": date.month(), "day": date.day()})
}

pub(crate) fn elements(
    account: &AdAccount,
    params: &BTreeMap<String, String>,
    latest: NaiveDate,
    cap: usize,
) -> Result<Value, ApiError> {
    if params.get("q").map(String::as_str) != Some("analytics") {
        return Err(ApiError::illegal("Invalid value for param: q"));
    }
    let pivot = params.get("pivot").map(String::as_str).unwrap_or_default();
    if !matches!(pivot, "CAMPAIGN" | "CREATIVE" | "ACCOUNT") {
        return Err(ApiError::illegal(format!(
            "Invalid value for param: pivot ({pivot})"
        )));
    }
    let daily = match params.get("timeGranularity").map(String::as_str) {
        Some("DAILY") => true,
        Some("ALL") => false,
        _ => {
            return Err(ApiError::illegal(
                "Invalid value for param: timeGranularity",
            ));
        }
    };
    let (since, until) = date_range(
        params
            .get("dateRange")
            .ok_or_else(|| ApiError::illegal("Missing required param: dateRange"))?,
        latest,
    )?;
    let account_urn = format!("urn:li:sponsoredAccount:{}", account.account_id);
    let campaigns = match params.get("campaigns") {
        Some(raw) => Some(list("campaigns", raw)?),
        None => None,
    };
    match params.get("accounts") {
        Some(raw) => {
            let accounts = list("accounts", raw)?;
            if accounts.iter().any(|a| *a != account_urn) {
                return Err(ApiError::access_denied("adAnalytics"));
            }
        }
        None if campaigns.is_none() => {
            return Err(ApiError::illegal(
                "One of the following params must be present: accounts, campaigns",
            ));
        }
        None => {}
    }
    let fields: Vec<String> = match params.get("fields") {
        Some(raw) => raw.split(',').map(|f| f.trim().to_owned()).collect(),
        None => DEFAULT_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
    };
    let metrics = fields
        .iter()
        .filter(|f| !matches!(f.as_str(), "dateRange" | "pivotValues"))
        .count();
    if metrics > MAX_METRICS {
        return Err(ApiError::illegal(format!(
            "At most {MAX_METRICS} metrics may be requested, got {metrics}"
        )));
    }
    if let Some(bad) = fields.iter().find(|f| {
        !METRICS.contains(&f.as_str()) && !matches!(f.as_str(), "dateRange" | "pivotValues")
    }) {
        return Err(ApiError::illegal(format!("Invalid field: {bad}")));
    }

    let mut grouped: BTreeMap<(Option<NaiveDate>, String), Totals> = BTreeMap::new();
    for day in account
        .days
        .iter()
        .filter(|d| d.date >= since && d.date <= until)
    {
        let campaign_urn = format!("urn:li:sponsoredCampaign:{}", day.campaign_id);
        if campaigns
            .as_ref()
            .is_some_and(|c| !c.contains(&campaign_urn))
        {
            continue;
        }
        let key = (
            daily.then_some(day.date),
            pivot_urn(day, pivot, &account.account_id),
        );
        let t = grouped.entry(key).or_default();
        t.spend_cents += day.spend_minor;
        t.impressions += day.impressions;
        t.clicks += day.clicks;
        t.conversions += day.conversions;
        t.value_cents += day.conversion_value_minor;
        t.video_views += day.video_views;
    }
    let lead_gen = |urn: &str| {
        let id = urn.rsplit(':').next().unwrap_or_default();
        let campaign = match pivot {
            "CREATIVE" => account
                .campaigns
                .iter()
                .find(|c| c.ad_groups.iter().flat_map(|g| &g.ads).any(|a| a.id == id)),
            _ => account.campaign(id),
        };
        campaign.is_some_and(|c| c.objective == "LEAD_GENERATION")
    };
    let elements: Vec<Value> = grouped
        .into_iter()
        .filter(|(_, t)| t.impressions > 0)
        .take(cap)
        .map(|((date, urn), t)| {
            let (start, end) = date.map_or((since, until), |d| (d, d));
            let leads = lead_gen(&urn);
            let mut element = Map::new();
            for field in &fields {
                let value = match field.as_str() {
                    "dateRange" => json!({"start": rest_li_date(start), "end": rest_li_date(end)}),
                    "pivotValues" => json!([urn]),
                    "impressions" => json!(t.impressions),
                    "clicks" => json!(t.clicks),
                    // The account bills in USD, so both costs agree.
                    "costInLocalCurrency" | "costInUsd" => {
                        json!(from_cents(t.spend_cents).to_string())
                    }
                    "externalWebsiteConversions" => json!(if leads { 0 } else { t.conversions }),
                    "oneClickLeads" => json!(if leads { t.conversions } else { 0 }),
                    "landingPageClicks" => json!(t.clicks - t.clicks / 10),
                    "conversionValueInLocalCurrency" => {
                        json!(from_cents(t.value_cents).to_string())
                    }
                    _ => json!(t.video_views),
                };
                element.insert(field.clone(), value);
            }
            Value::Object(element)
        })
        .collect();
    Ok(json!({
        "paging": {"start": 0, "count": 10, "links": []},
        "elements": elements,
    }))
}
