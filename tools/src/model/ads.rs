//! Advertising: what every ad connector maps into, so analytics and tools
//! never care which API a number came from.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One day of one campaign (or of one ad, when `ad_id` is set) on one ad platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignDay {
    /// Registry key of the platform: "meta", later "google_ads", "tiktok"…
    pub platform: String,
    pub account_id: String,
    pub campaign_id: String,
    pub campaign_name: String,
    /// Meta ad set / Google ad group / TikTok ad group, when the row is that detailed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adset_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adset_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ad_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ad_name: Option<String>,
    /// The creative's name when the platform reports it with the row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creative: Option<String>,
    pub date: NaiveDate,
    pub spend: Decimal,
    pub impressions: u64,
    pub clicks: u64,
    /// Purchases (or the platform's primary conversion). Decimal because attribution
    /// models can report fractional conversions.
    pub conversions: Decimal,
    /// Purchase value attributed by the platform.
    pub revenue: Decimal,
    /// ISO 4217 code of `spend` and `revenue`.
    pub currency: String,
}

/// One ad's lifetime frequency as of one day: impressions per person reached, from the
/// ad's first day through `date`. Creative fatigue follows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdFrequency {
    pub ad_id: String,
    pub date: NaiveDate,
    pub frequency: f64,
}
