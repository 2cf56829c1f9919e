//! The account's search finders, `adCampaigns?q=search` and `creatives?q=criteria`,
//! with cursor paging: `pageSize` and `pageToken` in, `metadata.nextPageToken` out.

use super::ApiError;
use super::restli::{list, status_filter};
use crate::money::from_cents;
use crate::sandbox::brand::AdAccount;
use chrono::{NaiveTime, TimeZone, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// `pageSize` when none is given, and the largest accepted.
const DEFAULT_PAGE_SIZE: usize = 100;
const MAX_PAGE_SIZE: usize = 1000;

pub(crate) fn campaigns(
    account: &AdAccount,
    params: &BTreeMap<String, String>,
) -> Result<Value, ApiError> {
    if params.get("q").map(String::as_str) != Some("search") {
        return Err(ApiError::illegal("Invalid value for param: q"));
    }
    let statuses = status_filter(params.get("search").map(String::as_str))?;
    let account_urn = format!("urn:li:sponsoredAccount:{}", account.account_id);
    let elements: Vec<Value> = account
        .campaigns
        .iter()
        .filter(|c| statuses.as_ref().is_none_or(|s| s.contains(&c.status)))
        .map(|c| {
            let start_ms = Utc
                .from_utc_datetime(&c.starts_on.and_time(NaiveTime::MIN))
                .timestamp_millis();
            let group = c.ad_groups.first().map_or("0", |g| g.id.as_str());
            json!({
                "id": c.id.parse::<u64>().unwrap_or_default(),
                "name": c.name,
                "status": c.status,
                "type": "SPONSORED_UPDATES",
                "objectiveType": c.objective,
                "costType": "CPM",
                "dailyBudget": {
                    "amount": from_cents(c.daily_budget_minor).normalize().to_string(),
                    "currencyCode": account.currency,
                },
                "runSchedule": {"start": start_ms},
                "campaignGroup": format!("urn:li:sponsoredCampaignGroup:{group}"),
                "account": account_urn,
            })
        })
        .collect();
    paged(elements, params)
}

pub(crate) fn creatives(
    account: &AdAccount,
    params: &BTreeMap<String, String>,
) -> Result<Value, ApiError> {
    if params.get("q").map(String::as_str) != Some("criteria") {
        return Err(ApiError::illegal("Invalid value for param: q"));
    }
    let campaigns = match params.get("campaigns") {
        Some(raw) => Some(list("campaigns", raw)?),
        None => None,
    };
    let account_urn = format!("urn:li:sponsoredAccount:{}", account.account_id);
    let mut elements = Vec::new();
    for campaign in &account.campaigns {
        let campaign_urn = format!("urn:li:sponsoredCampaign:{}", campaign.id);
        if campaigns
            .as_ref()
            .is_some_and(|c| !c.contains(&campaign_urn))
        {
            continue;
        }
        for ad in campaign.ad_groups.iter().flat_map(|g| &g.ads) {
            elements.push(json!({
                "id": format!("urn:li:sponsoredCreative:{}", ad.id),
                "name": ad.creative.name,
                "campaign": campaign_urn,
                "account": account_urn,
                "intendedStatus": campaign.status,
                "isServing": campaign.status == "ACTIVE",
            }));
        }
    }
    paged(elements, params)
}

fn paged(elements: Vec<Value>, params: &BTreeMap<String, String>) -> Result<Value, ApiError> {
    let page_size = match params.get("pageSize") {
        None => DEFAULT_PAGE_SIZE,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or_else(|| {
                ApiError::illegal(format!("pageSize must be between 1 and {MAX_PAGE_SIZE}"))
            })?,
    };
    let offset = match params.get("pageToken") {
        None => 0,
        Some(token) => decode_page_token(token)
            .filter(|o| *o <= elements.len())
            .ok_or_else(|| ApiError::illegal("Invalid value for param: pageToken"))?,
    };
    let total = elements.len();
    let page: Vec<Value> = elements.into_iter().skip(offset).take(page_size).collect();
    let mut answer = json!({
        "paging": {"start": offset, "count": page_size, "links": []},
        "elements": page,
        "metadata": {},
    });
    if offset + page_size < total {
        answer["metadata"]["nextPageToken"] = json!(encode_page_token(offset + page_size));
    }
    Ok(answer)
}

/// Opaque to clients, like LinkedIn's cursors: the next offset behind a marker, with
/// characters that must be encoded in a URL.
fn encode_page_token(offset: usize) -> String {
    format!("dXJu/{offset:x}=")
}

fn decode_page_token(token: &str) -> Option<usize> {
    let hex = token.strip_prefix("dXJu/")?.strip_suffix('=')?;
    usize::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip() {
        for offset in [0, 1, 100, 4096] {
            assert_eq!(decode_page_token(&encode_page_token(offset)), Some(offset));
        }
        assert_eq!(decode_page_token("nope"), None);
    }
}
