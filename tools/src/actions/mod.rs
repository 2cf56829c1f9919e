//! Write actions on ad platforms: change a campaign's daily budget, pause a campaign.
//! They implement `omnify_core::WriteAction`: the server wraps them so a model's call
//! only proposes; they execute after the user (and, above thresholds, an expert) agree.

mod budget;
mod pause;

pub use budget::ChangeBudgetAction;
pub use pause::PauseCampaignAction;

use crate::connections::ClientDirectory;
use crate::connectors::{AdPlatform, CampaignBudget};
use omnify_core::{DateRange, ToolContext, ToolError};
use rust_decimal::prelude::ToPrimitive;
use std::sync::Arc;

/// Platforms whose campaigns these actions can change.
pub const WRITABLE_PLATFORMS: &[&str] = &["meta", "google_ads", "tiktok"];

/// The platform client and the campaign the user named (by id, exact name, or a
/// unique part of the name).
pub(crate) async fn find_campaign(
    directory: &Arc<dyn ClientDirectory>,
    ctx: &ToolContext,
    platform: &str,
    campaign: &str,
) -> Result<(Arc<dyn AdPlatform>, CampaignBudget), ToolError> {
    let clients = directory.clients(&ctx.tenant_id).await?;
    let client = clients
        .ads()
        .get(platform)
        .cloned()
        .ok_or_else(|| ToolError::NotConnected(format!("{platform} is not connected")))?;
    let campaigns = client.campaign_budgets().await?;
    let wanted = campaign.trim().to_lowercase();
    if let Some(c) = campaigns
        .iter()
        .find(|c| c.id == campaign.trim() || c.name.to_lowercase() == wanted)
    {
        return Ok((client, c.clone()));
    }
    let partial: Vec<&CampaignBudget> = campaigns
        .iter()
        .filter(|c| c.name.to_lowercase().contains(&wanted))
        .collect();
    match partial.as_slice() {
        [one] => Ok((client.clone(), (*one).clone())),
        [] => Err(ToolError::BadArguments(format!(
            "no {} campaign matches {campaign:?}; campaigns: {}",
            client.display_name(),
            campaigns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        many => Err(ToolError::BadArguments(format!(
            "{campaign:?} matches several campaigns: {}; say which",
            many.iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The campaign's last 7 days: (spend per day, revenue per day), when it delivered.
pub(crate) async fn recent_daily(
    client: &Arc<dyn AdPlatform>,
    campaign_id: &str,
    today: chrono::NaiveDate,
) -> Option<(f64, f64)> {
    let range = DateRange {
        since: today - chrono::Duration::days(7),
        until: today - chrono::Duration::days(1),
    };
    let report = client
        .daily_results(range, crate::connectors::Detail::Campaign)
        .await
        .ok()?;
    let rows: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.campaign_id == campaign_id)
        .collect();
    if rows.is_empty() {
        return None;
    }
    let spend: f64 = rows.iter().filter_map(|r| r.spend.to_f64()).sum();
    let revenue: f64 = rows.iter().filter_map(|r| r.revenue.to_f64()).sum();
    Some((spend / 7.0, revenue / 7.0))
}
