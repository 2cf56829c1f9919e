//! Clients for the marketing platforms' APIs, and the registry tools find them in.
//!
//! Each platform lives in its own module (`meta/`, later `google_ads/`, `tiktok/`…) and
//! implements [`AdPlatform`], the one seam the cross-platform tools depend on.

pub mod attempts;
pub mod gohighlevel;
pub mod google_ads;
pub mod hubspot;
pub mod klaviyo;
pub mod linkedin;
pub mod meta;
pub mod oauth;
pub mod retry;
pub mod shopify;
pub mod stripe;
pub mod tiktok;
pub mod triplewhale;
pub mod youtube;

use crate::model::{AdFrequency, CampaignDay};
use async_trait::async_trait;
use omnify_core::{DateRange, ToolError};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Ad platforms Omnify knows by registry key, with the name marketers use for each.
/// Lets a tool say "Google Ads is not connected" rather than "unknown platform".
pub const KNOWN_AD_PLATFORMS: &[(&str, &str)] = &[
    ("meta", "Meta Ads"),
    ("google_ads", "Google Ads"),
    ("tiktok", "TikTok Ads"),
    ("linkedin", "LinkedIn Ads"),
    // Not YouTube: its ads are Google Ads video campaigns, and its own numbers (views,
    // watch time) have their own tool.
];

/// How detailed the daily rows should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Campaign,
    Ad,
}

/// Daily rows from one platform, with the request that produced them, for provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformReport {
    pub rows: Vec<CampaignDay>,
    /// The request in the platform's own terms, e.g.
    /// `GET /v26.0/act_1234567890/insights level=campaign time_increment=1 …`.
    pub query: String,
}

/// Lifetime frequency per ad and day from one platform, with the request behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct FrequencyReport {
    pub rows: Vec<AdFrequency>,
    pub query: String,
}

/// One connected ad account on one platform.
///
/// Errors are already [`ToolError`]s because connectors exist to serve tools, and
/// `ToolError::Upstream` carries exactly what the user should hear ("Meta Ads token
/// expired: reconnect Meta Ads").
#[async_trait]
pub trait AdPlatform: Send + Sync {
    /// Registry key, also the `platform` argument value: "meta".
    fn key(&self) -> &'static str;
    /// The name a marketer knows it by: "Meta Ads".
    fn display_name(&self) -> &'static str;
    fn account_id(&self) -> &str;
    /// One row per campaign (or ad) per day that had delivery in `range`.
    async fn daily_results(
        &self,
        range: DateRange,
        detail: Detail,
    ) -> Result<PlatformReport, ToolError>;

    /// Each ad's lifetime frequency on every day of `range`, for the creative fatigue
    /// forecast. `None`: this platform does not report reach per ad.
    async fn lifetime_frequency(
        &self,
        range: DateRange,
    ) -> Result<Option<FrequencyReport>, ToolError> {
        let _ = range;
        Ok(None)
    }

    /// Campaigns with their daily budgets, for proposing changes. Platforms without
    /// write support say so.
    async fn campaign_budgets(&self) -> Result<Vec<CampaignBudget>, ToolError> {
        Err(ToolError::Failed(format!(
            "changing {} campaigns is not supported yet",
            self.display_name()
        )))
    }

    /// Set a campaign's daily budget. Only the approvals desk calls this.
    async fn set_daily_budget(
        &self,
        campaign: &CampaignBudget,
        amount: rust_decimal::Decimal,
    ) -> Result<(), ToolError> {
        let _ = (campaign, amount);
        Err(ToolError::Failed(format!(
            "changing {} budgets is not supported yet",
            self.display_name()
        )))
    }

    /// Pause a campaign. Only the approvals desk calls this.
    async fn pause_campaign(&self, campaign: &CampaignBudget) -> Result<(), ToolError> {
        let _ = campaign;
        Err(ToolError::Failed(format!(
            "pausing {} campaigns is not supported yet",
            self.display_name()
        )))
    }
}

/// A campaign and its daily budget, as a write action sees it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CampaignBudget {
    pub id: String,
    pub name: String,
    /// e.g. ACTIVE, ENABLED, ENABLE.
    pub status: String,
    /// `None` for campaigns without a daily budget (lifetime or ad-set budgets).
    pub daily_budget: Option<rust_decimal::Decimal>,
    pub currency: String,
    /// What the platform's mutation addresses when it is not the campaign id
    /// (Google Ads' campaign budget resource).
    pub budget_ref: Option<String>,
}

/// The ad platforms a tenant has connected, keyed by [`AdPlatform::key`].
#[derive(Clone, Default)]
pub struct AdPlatforms {
    platforms: BTreeMap<&'static str, Arc<dyn AdPlatform>>,
}

impl AdPlatforms {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the platform under its key.
    pub fn with(mut self, platform: Arc<dyn AdPlatform>) -> Self {
        self.insert(platform);
        self
    }

    pub fn insert(&mut self, platform: Arc<dyn AdPlatform>) {
        self.platforms.insert(platform.key(), platform);
    }

    pub fn get(&self, key: &str) -> Option<&Arc<dyn AdPlatform>> {
        self.platforms.get(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.platforms.keys().copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn AdPlatform>> + '_ {
        self.platforms.values()
    }

    pub fn is_empty(&self) -> bool {
        self.platforms.is_empty()
    }
}

impl std::fmt::Debug for AdPlatforms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.platforms.keys()).finish()
    }
}
