//! Meta Ads (Facebook and Instagram ads) through the Graph API's Marketing endpoints.
//!
//! [`MetaAdsClient`] speaks the API (auth, paging, retries, typed errors); this module
//! maps its rows into [`CampaignDay`]s and plugs it into the [`AdPlatform`] registry.

mod client;
mod errors;
mod wire;

pub use client::{InsightsLevel, MetaAdsClient, MetaConfig};
pub use errors::MetaError;
pub use wire::{CampaignInfo, InsightRow};

use crate::connectors::{AdPlatform, CampaignBudget, Detail, FrequencyReport, PlatformReport};
use crate::model::CampaignDay;
use async_trait::async_trait;
use omnify_core::{DateRange, ToolError};

/// Registry key of Meta Ads.
pub const PLATFORM: &str = "meta";

impl MetaAdsClient {
    /// Daily rows per campaign (or per ad) in the platform-neutral model.
    pub async fn campaign_days(
        &self,
        level: InsightsLevel,
        range: DateRange,
    ) -> Result<Vec<CampaignDay>, MetaError> {
        let rows = self.insights(level, range, true).await?;
        Ok(rows
            .into_iter()
            .map(|row| self.to_campaign_day(row))
            .collect())
    }

    fn to_campaign_day(&self, row: InsightRow) -> CampaignDay {
        CampaignDay {
            platform: PLATFORM.to_owned(),
            account_id: self.account_id().to_owned(),
            campaign_id: row.campaign_id.unwrap_or_default(),
            campaign_name: row.campaign_name.unwrap_or_default(),
            adset_id: row.adset_id,
            adset_name: row.adset_name,
            ad_id: row.ad_id,
            ad_name: row.ad_name,
            creative: None,
            date: row.date_start,
            spend: row.spend,
            impressions: row.impressions,
            clicks: row.clicks,
            conversions: row.purchases,
            revenue: row.purchase_value,
            // Every request asks for account_currency; USD only if Meta left it out.
            currency: row.currency.unwrap_or_else(|| "USD".to_owned()),
        }
    }
}

#[async_trait]
impl AdPlatform for MetaAdsClient {
    fn key(&self) -> &'static str {
        PLATFORM
    }

    fn display_name(&self) -> &'static str {
        "Meta Ads"
    }

    fn account_id(&self) -> &str {
        MetaAdsClient::account_id(self)
    }

    async fn daily_results(
        &self,
        range: DateRange,
        detail: Detail,
    ) -> Result<PlatformReport, ToolError> {
        let level = match detail {
            Detail::Campaign => InsightsLevel::Campaign,
            Detail::Ad => InsightsLevel::Ad,
        };
        let rows = self.campaign_days(level, range).await?;
        Ok(PlatformReport {
            rows,
            query: self.insights_query(level, range, true),
        })
    }

    async fn lifetime_frequency(
        &self,
        range: DateRange,
    ) -> Result<Option<FrequencyReport>, ToolError> {
        let rows = MetaAdsClient::lifetime_frequency(self, range).await?;
        Ok(Some(FrequencyReport {
            rows,
            query: self.lifetime_frequency_query(range),
        }))
    }

    async fn campaign_budgets(&self) -> Result<Vec<CampaignBudget>, ToolError> {
        let campaigns = self
            .campaigns()
            .await
            .map_err(|e| ToolError::Upstream(e.to_string()))?;
        Ok(campaigns
            .into_iter()
            .map(|c| CampaignBudget {
                // Minor units of a two-decimal currency (see set_daily_budget).
                daily_budget: c
                    .daily_budget_minor
                    .map(|m| rust_decimal::Decimal::new(m, 2)),
                id: c.id,
                name: c.name,
                status: c.status,
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
        MetaAdsClient::set_daily_budget(self, &campaign.id, amount)
            .await
            .map_err(|e| ToolError::Upstream(e.to_string()))
    }

    async fn pause_campaign(&self, campaign: &CampaignBudget) -> Result<(), ToolError> {
        self.pause(&campaign.id)
            .await
            .map_err(|e| ToolError::Upstream(e.to_string()))
    }
}
