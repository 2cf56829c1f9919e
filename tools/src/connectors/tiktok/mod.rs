//! TikTok Ads through the TikTok API for Business (Marketing API v1.3).
//!
//! [`TikTokClient`] speaks the API (the `code` envelope, paging, 30-day report
//! slices, retries, budget and status writes); this module maps its rows into
//! [`CampaignDay`]s and plugs it into the [`AdPlatform`] registry.

mod client;
mod errors;
mod wire;

pub use client::{CampaignStatus, DataLevel, MAX_DAYS_PER_REPORT, TikTokClient, TikTokConfig};
pub use errors::TikTokError;
pub use wire::{CampaignInfo, ReportRow};

use crate::connectors::{AdPlatform, CampaignBudget, Detail, PlatformReport};
use crate::model::CampaignDay;
use async_trait::async_trait;
use omnify_core::{DateRange, ToolError};

/// Registry key of TikTok Ads.
pub const PLATFORM: &str = "tiktok";

impl TikTokClient {
    /// Daily rows per campaign (or per ad) in the platform-neutral model.
    pub async fn campaign_days(
        &self,
        level: DataLevel,
        range: DateRange,
    ) -> Result<Vec<CampaignDay>, TikTokError> {
        let rows = self.report(level, range).await?;
        Ok(rows
            .into_iter()
            .map(|row| CampaignDay {
                platform: PLATFORM.to_owned(),
                account_id: self.advertiser_id().to_owned(),
                campaign_id: row.campaign_id,
                campaign_name: row.campaign_name,
                adset_id: row.adgroup_id,
                adset_name: row.adgroup_name,
                ad_id: row.ad_id,
                ad_name: row.ad_name,
                creative: None,
                date: row.date,
                spend: row.spend,
                impressions: row.impressions,
                clicks: row.clicks,
                conversions: row.purchases,
                revenue: row.purchase_value,
                currency: row.currency.unwrap_or_else(|| "USD".to_owned()),
            })
            .collect())
    }
}

#[async_trait]
impl AdPlatform for TikTokClient {
    fn key(&self) -> &'static str {
        PLATFORM
    }

    fn display_name(&self) -> &'static str {
        "TikTok Ads"
    }

    fn account_id(&self) -> &str {
        self.advertiser_id()
    }

    async fn daily_results(
        &self,
        range: DateRange,
        detail: Detail,
    ) -> Result<PlatformReport, ToolError> {
        let level = match detail {
            Detail::Campaign => DataLevel::Campaign,
            Detail::Ad => DataLevel::Ad,
        };
        let rows = self.campaign_days(level, range).await?;
        Ok(PlatformReport {
            rows,
            query: self.report_query(level, range),
        })
    }

    async fn campaign_budgets(&self) -> Result<Vec<CampaignBudget>, ToolError> {
        let campaigns = self
            .campaigns()
            .await
            .map_err(|e| ToolError::Upstream(e.to_string()))?;
        Ok(campaigns
            .into_iter()
            .map(|c| CampaignBudget {
                daily_budget: (c.budget_mode == "BUDGET_MODE_DAY").then_some(c.budget),
                id: c.id,
                name: c.name,
                status: c.operation_status,
                currency: String::new(),
                budget_ref: None,
            })
            .collect())
    }

    async fn set_daily_budget(
        &self,
        campaign: &CampaignBudget,
        amount: rust_decimal::Decimal,
    ) -> Result<(), ToolError> {
        self.set_campaign_budget(&campaign.id, amount)
            .await
            .map_err(|e| ToolError::Upstream(e.to_string()))
    }

    async fn pause_campaign(&self, campaign: &CampaignBudget) -> Result<(), ToolError> {
        TikTokClient::pause_campaign(self, &campaign.id)
            .await
            .map_err(|e| ToolError::Upstream(e.to_string()))
    }
}
