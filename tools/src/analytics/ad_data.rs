//! Fetching daily ad rows for the analytic tools: which platforms, which days, and
//! what to say about platforms that did not answer. Shared by the fatigue, anomaly and
//! budget tools.

use crate::connectors::{AdPlatform, AdPlatforms, Detail, KNOWN_AD_PLATFORMS};
use crate::model::CampaignDay;
use chrono::{Duration, NaiveDate};
use futures_util::future::join_all;
use omnify_core::{DateRange, Provenance, ToolError};
use std::sync::Arc;

/// The connected platforms to read: one by key, or all of them.
pub(crate) fn select_platforms(
    registry: &AdPlatforms,
    platform: Option<&str>,
) -> Result<Vec<Arc<dyn AdPlatform>>, ToolError> {
    let key = platform.map(|p| p.trim().to_ascii_lowercase());
    match key.as_deref() {
        None | Some("all") => {
            if registry.is_empty() {
                return Err(ToolError::NotConnected(
                    "no ad platform is connected yet; connect Meta Ads, Google Ads or TikTok Ads in settings"
                        .to_owned(),
                ));
            }
            Ok(registry.iter().cloned().collect())
        }
        Some(key) => {
            if let Some(p) = registry.get(key) {
                return Ok(vec![p.clone()]);
            }
            if let Some((_, name)) = KNOWN_AD_PLATFORMS.iter().find(|(k, _)| *k == key) {
                return Err(ToolError::NotConnected(format!("{name} is not connected")));
            }
            let options: Vec<&str> = std::iter::once("all").chain(registry.keys()).collect();
            Err(ToolError::BadArguments(format!(
                "unknown platform {key:?}; use one of: {}",
                options.join(", ")
            )))
        }
    }
}

/// The `days` days ending yesterday (today's numbers are incomplete).
pub(crate) fn lookback(today: NaiveDate, days: i64) -> DateRange {
    let until = today - Duration::days(1);
    DateRange {
        since: until - Duration::days(days - 1),
        until,
    }
}

/// Checks an optional lookback argument against its limits.
pub(crate) fn lookback_days(
    value: Option<i64>,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, ToolError> {
    let days = value.unwrap_or(default);
    if !(min..=max).contains(&days) {
        return Err(ToolError::BadArguments(format!(
            "lookback_days must be between {min} and {max}, got {days}"
        )));
    }
    Ok(days)
}

/// Rows from every platform that answered, their provenance, and the ones that did not.
pub(crate) struct Fetched {
    pub rows: Vec<CampaignDay>,
    pub provenance: Vec<Provenance>,
    /// (platform name, what went wrong)
    pub unavailable: Vec<(String, String)>,
}

/// Daily rows from each platform; an error only when none answered.
pub(crate) async fn fetch(
    platforms: &[Arc<dyn AdPlatform>],
    range: DateRange,
    detail: Detail,
) -> Result<Fetched, ToolError> {
    let calls = platforms
        .iter()
        .map(|p| async move { (p.clone(), p.daily_results(range, detail).await) });
    let mut fetched = Fetched {
        rows: Vec::new(),
        provenance: Vec::new(),
        unavailable: Vec::new(),
    };
    for (platform, result) in join_all(calls).await {
        match result {
            Ok(report) => {
                fetched
                    .provenance
                    .push(provenance_of(platform.as_ref(), range, report.query));
                fetched.rows.extend(report.rows);
            }
            Err(error) => {
                tracing::warn!(platform = platform.key(), %error, "analytics fetch failed");
                fetched
                    .unavailable
                    .push((platform.display_name().to_owned(), error.to_string()));
            }
        }
    }
    if fetched.provenance.is_empty() {
        let messages: Vec<&str> = fetched
            .unavailable
            .iter()
            .map(|(_, m)| m.as_str())
            .collect();
        return Err(ToolError::Upstream(messages.join("; ")));
    }
    Ok(fetched)
}

/// Where one platform's numbers came from: its account, the days and the request.
pub(crate) fn provenance_of(
    platform: &dyn AdPlatform,
    range: DateRange,
    query: String,
) -> Provenance {
    Provenance {
        platform: platform.key().to_owned(),
        account: platform.account_id().to_owned(),
        date_range: Some(range),
        query,
    }
}

/// A platform key's marketer-facing name.
pub(crate) fn platform_name(key: &str) -> String {
    KNOWN_AD_PLATFORMS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or_else(|| key.to_owned(), |(_, name)| (*name).to_owned())
}
