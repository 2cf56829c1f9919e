//! LinkedIn Ads through LinkedIn's versioned Marketing API (Rest.li 2.0).
//!
//! [`LinkedInClient`] speaks the API (OAuth refresh, versioned headers, adAnalytics
//! slices, cursor paging, retries, typed errors); this module joins analytics rows
//! with campaign and creative names into [`CampaignDay`]s and plugs the client into
//! the [`AdPlatform`] registry.

mod client;
mod errors;
mod wire;

pub use client::{
    LINKEDIN_TOKEN_URL, LinkedInClient, LinkedInConfig, MAX_ANALYTICS_ELEMENTS, Pivot,
    linkedin_oauth,
};
pub use errors::LinkedInError;
pub use wire::{AnalyticsRow, CampaignInfo, CreativeInfo};

use crate::connectors::{AdPlatform, Detail, PlatformReport};
use crate::model::CampaignDay;
use async_trait::async_trait;
use omnify_core::{DateRange, ToolError};
use std::collections::HashMap;
use wire::id_of;

/// Registry key of LinkedIn Ads.
pub const PLATFORM: &str = "linkedin";

impl LinkedInClient {
    /// Daily rows per campaign (or per creative) in the platform-neutral model, named
    /// from the campaign (and creative) finders since adAnalytics sends only URNs.
    pub async fn campaign_days(
        &self,
        pivot: Pivot,
        range: DateRange,
    ) -> Result<Vec<CampaignDay>, LinkedInError> {
        let (rows, campaigns) = tokio::try_join!(self.analytics(pivot, range), self.campaigns())?;
        let creatives = match pivot {
            Pivot::Campaign => Vec::new(),
            Pivot::Creative => self.creatives().await?,
        };
        // adAnalytics has no currency: the account bills in its campaigns' currency.
        let currency = campaigns
            .iter()
            .find_map(|c| c.currency.clone())
            .unwrap_or_else(|| "USD".to_owned());
        let campaign_names: HashMap<&str, &str> = campaigns
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_str()))
            .collect();
        let creatives: HashMap<&str, &CreativeInfo> =
            creatives.iter().map(|c| (c.id.as_str(), c)).collect();
        Ok(rows
            .into_iter()
            .map(|row| {
                let pivot_id = id_of(&row.pivot).to_owned();
                let (campaign_id, ad_id, ad_name) = match pivot {
                    Pivot::Campaign => (pivot_id, None, None),
                    Pivot::Creative => {
                        let creative = creatives.get(pivot_id.as_str());
                        (
                            creative.map(|c| c.campaign_id.clone()).unwrap_or_default(),
                            Some(pivot_id.clone()),
                            Some(
                                creative
                                    .and_then(|c| c.name.clone())
                                    .unwrap_or_else(|| format!("Creative {pivot_id}")),
                            ),
                        )
                    }
                };
                let campaign_name = campaign_names
                    .get(campaign_id.as_str())
                    .map_or_else(|| format!("Campaign {campaign_id}"), |n| (*n).to_owned());
                CampaignDay {
                    platform: PLATFORM.to_owned(),
                    account_id: self.account_id().to_owned(),
                    campaign_id,
                    campaign_name,
                    adset_id: None,
                    adset_name: None,
                    ad_id,
                    ad_name,
                    creative: None,
                    date: row.date,
                    spend: row.cost,
                    impressions: row.impressions,
                    clicks: row.clicks,
                    // A lead form submission is LinkedIn's primary conversion.
                    conversions: (row.website_conversions + row.leads).into(),
                    revenue: row.conversion_value,
                    currency: currency.clone(),
                }
            })
            .collect())
    }
}

#[async_trait]
impl AdPlatform for LinkedInClient {
    fn key(&self) -> &'static str {
        PLATFORM
    }

    fn display_name(&self) -> &'static str {
        "LinkedIn Ads"
    }

    fn account_id(&self) -> &str {
        LinkedInClient::account_id(self)
    }

    async fn daily_results(
        &self,
        range: DateRange,
        detail: Detail,
    ) -> Result<PlatformReport, ToolError> {
        let pivot = match detail {
            Detail::Campaign => Pivot::Campaign,
            Detail::Ad => Pivot::Creative,
        };
        let rows = self.campaign_days(pivot, range).await?;
        Ok(PlatformReport {
            rows,
            query: self.analytics_query(pivot, range),
        })
    }
}
