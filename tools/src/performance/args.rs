//! The tool's arguments, checked before any platform is called.

use crate::connectors::{AdPlatform, AdPlatforms, KNOWN_AD_PLATFORMS};
use chrono::NaiveDate;
use omnify_core::{DateRange, ToolError, parse_args};
use serde::Deserialize;
use std::sync::Arc;

/// Longest range one call may cover; longer ones are slow and rarely what was meant.
pub const MAX_RANGE_DAYS: i64 = 400;

/// How the results are broken down.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Platform,
    #[default]
    Campaign,
    Ad,
    Day,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Platform => "platform",
            Self::Campaign => "campaign",
            Self::Ad => "ad",
            Self::Day => "day",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArgs {
    #[serde(default = "all_platforms")]
    platform: String,
    date_range: RawRange,
    #[serde(default)]
    level: Level,
    #[serde(default = "yes")]
    compare_previous: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    since: String,
    until: String,
}

fn all_platforms() -> String {
    "all".to_owned()
}

fn yes() -> bool {
    true
}

/// A validated request.
pub struct PerformanceRequest {
    /// The platforms to ask, in registry order.
    pub platforms: Vec<Arc<dyn AdPlatform>>,
    /// True when the user asked for "all" rather than one platform.
    pub all_platforms: bool,
    pub range: DateRange,
    pub level: Level,
    pub compare_previous: bool,
}

pub fn parse(
    args: serde_json::Value,
    today: NaiveDate,
    registry: &AdPlatforms,
) -> Result<PerformanceRequest, ToolError> {
    let raw: RawArgs = parse_args(args)?;
    let since = parse_date("date_range.since", &raw.date_range.since)?;
    let until = parse_date("date_range.until", &raw.date_range.until)?;
    if until < since {
        return Err(ToolError::BadArguments(format!(
            "date_range.until ({until}) is before date_range.since ({since})"
        )));
    }
    if until > today {
        return Err(ToolError::BadArguments(format!(
            "date_range.until ({until}) is in the future; today is {today}"
        )));
    }
    let range = DateRange { since, until };
    if range.days() > MAX_RANGE_DAYS {
        return Err(ToolError::BadArguments(format!(
            "date_range covers {} days; the most one call can cover is {MAX_RANGE_DAYS}",
            range.days()
        )));
    }

    let platform = raw.platform.trim().to_ascii_lowercase();
    let platforms: Vec<Arc<dyn AdPlatform>> = if platform == "all" {
        if registry.is_empty() {
            return Err(ToolError::NotConnected(
                "no ad platform is connected yet; connect Meta Ads in settings".to_owned(),
            ));
        }
        registry.iter().cloned().collect()
    } else if let Some(p) = registry.get(&platform) {
        vec![p.clone()]
    } else if platform == crate::connectors::youtube::PLATFORM {
        // YouTube ads are bought and billed as Google Ads video campaigns (§9).
        return Err(ToolError::BadArguments(
            "YouTube ad spend is reported in Google Ads: ask for platform google_ads".to_owned(),
        ));
    } else if let Some((_, name)) = KNOWN_AD_PLATFORMS.iter().find(|(k, _)| *k == platform) {
        return Err(ToolError::NotConnected(format!("{name} is not connected")));
    } else {
        let options: Vec<&str> = std::iter::once("all").chain(registry.keys()).collect();
        return Err(ToolError::BadArguments(format!(
            "unknown platform {:?}; use one of: {}",
            raw.platform,
            options.join(", ")
        )));
    };

    Ok(PerformanceRequest {
        platforms,
        all_platforms: platform == "all",
        range,
        level: raw.level,
        compare_previous: raw.compare_previous,
    })
}

fn parse_date(field: &str, text: &str) -> Result<NaiveDate, ToolError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        ToolError::BadArguments(format!(
            "{field} must be an ISO date like 2026-11-17, got {text:?}"
        ))
    })
}
