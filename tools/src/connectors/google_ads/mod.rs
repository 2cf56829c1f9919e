//! Google Ads (Search, Performance Max and YouTube video campaigns) through the
//! Google Ads REST API and GAQL.
//!
//! [`GoogleAdsClient`] speaks the API (OAuth refresh, paging, retries, typed errors,
//! the budget and pause mutations); this module maps its rows into [`CampaignDay`]s
//! and plugs it into the [`AdPlatform`] registry.

mod client;
mod errors;
mod wire;

pub use client::{GOOGLE_TOKEN_URL, GoogleAdsClient, GoogleAdsConfig, ReportLevel, google_oauth};
pub use errors::GoogleAdsError;
pub use wire::{CampaignInfo, ReportRow};

use crate::connectors::{AdPlatform, CampaignBudget, Detail, PlatformReport};
use crate::model::CampaignDay;
use async_trait::async_trait;
use omnify_core::{DateRange, ToolError};

/// Registry key of Google Ads.
pub const PLATFORM: &str = "google_ads";

impl GoogleAdsClient {
    /// Daily rows per campaign (or per ad) in the platform-neutral model.
    pub async fn campaign_days(
        &self,
        level: ReportLevel,
        range: DateRange,
    ) -> Result<Vec<CampaignDay>, GoogleAdsError> {
        let rows = self.report(level, range).await?;
        Ok(rows
            .into_iter()
            .map(|row| CampaignDay {
                platform: PLATFORM.to_owned(),
                account_id: self.customer_id().to_owned(),
                campaign_id: row.campaign_id,
                campaign_name: row.campaign_name,
                adset_id: row.ad_group_id,
                adset_name: row.ad_group_name,
                ad_id: row.ad_id,
                ad_name: row.ad_name,
                creative: None,
                date: row.date,
                spend: row.cost,
                impressions: row.impressions,
                clicks: row.clicks,
                conversions: row.conversions,
                revenue: row.conversions_value,
                currency: row.currency.unwrap_or_else(|| "USD".to_owned()),
            })
            .collect())
    }
}

#[async_trait]
impl AdPlatform for GoogleAdsClient {
    fn key(&self) -> &'static str {
        PLATFORM
    }

    fn display_name(&self) -> &'static str {
        "Google Ads"
    }

    fn account_id(&self) -> &str {
        self.customer_id()
    }

    async fn daily_results(
        &self,
        range: DateRange,
        detail: Detail,
    ) -> Result<PlatformReport, ToolError> {
        let level = match detail {
            Detail::Campaign => ReportLevel::Campaign,
            Detail::Ad => ReportLevel::Ad,
        };
        let rows = self.campaign_days(level, range).await?;
        Ok(PlatformReport {
            rows,
            query: format!(
                "POST /{}/customers/{}/googleAds:search {}",
                self.config().api_version,
                self.customer_id(),
                Self::report_query(level, range)
            ),
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
                id: c.id,
                name: c.name,
                status: c.status,
                daily_budget: Some(c.daily_budget),
                currency: String::new(),
                budget_ref: Some(c.budget_resource_name),
            })
            .collect())
    }

    async fn set_daily_budget(
        &self,
        campaign: &CampaignBudget,
        amount: rust_decimal::Decimal,
    ) -> Result<(), ToolError> {
        let budget = campaign.budget_ref.as_deref().unwrap_or(&campaign.id);
        self.set_campaign_budget(budget, amount, false)
            .await
            .map(|_| ())
            .map_err(|e| ToolError::Upstream(e.to_string()))
    }

    async fn pause_campaign(&self, campaign: &CampaignBudget) -> Result<(), ToolError> {
        GoogleAdsClient::pause_campaign(self, &campaign.id, false)
            .await
            .map(|_| ())
            .map_err(|e| ToolError::Upstream(e.to_string()))
    }
}
