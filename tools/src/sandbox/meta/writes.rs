//! `POST /{object_id}`: budget and status writes on the brand's campaigns, ad sets and
//! ads (PLATFORMS.md §6), applied to the emulator's campaign changes.

use super::errors::GraphError;
use crate::sandbox::brand::MetaAdsAccount;
use crate::sandbox::campaign_changes::{CampaignChanges, Change};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

/// Form fields that carry auth rather than a change.
const AUTH_FIELDS: &[&str] = &["access_token", "appsecret_proof"];

/// What a write may target.
enum Target {
    Campaign,
    AdSet { campaign_budget: bool },
    Ad,
}

/// Validates every field first, then applies them all, so a rejected write changes
/// nothing.
pub(crate) fn apply(
    account: &MetaAdsAccount,
    changes: &CampaignChanges,
    object_id: &str,
    fields: &[(String, String)],
) -> Result<Value, GraphError> {
    let target = if account.campaign(object_id).is_some() {
        Target::Campaign
    } else if account.ad_set(object_id).is_some() {
        let campaign_budget = account
            .campaigns
            .iter()
            .find(|c| c.ad_sets.iter().any(|s| s.id == object_id))
            .is_some_and(|c| c.daily_budget_minor > 0);
        Target::AdSet { campaign_budget }
    } else if account.ad(object_id).is_some() {
        Target::Ad
    } else {
        return Err(GraphError::unsupported_post(object_id));
    };
    let mut pending = Vec::new();
    for (name, value) in fields {
        match name.as_str() {
            "daily_budget" => {
                match target {
                    Target::Campaign
                    | Target::AdSet {
                        campaign_budget: false,
                    } => {}
                    Target::AdSet {
                        campaign_budget: true,
                    } => {
                        return Err(GraphError::invalid_parameter(
                            "(#100) Cannot set a daily budget on an ad set whose campaign has a \
                             campaign budget; change the campaign's daily_budget instead",
                        ));
                    }
                    Target::Ad => {
                        return Err(GraphError::invalid_parameter(
                            "(#100) Param daily_budget is not valid for an ad",
                        ));
                    }
                }
                let minor = value
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|m| *m > 0)
                    .ok_or_else(|| {
                        GraphError::invalid_parameter(
                            "(#100) Param daily_budget must be a positive integer \
                             (the account currency's minor units)",
                        )
                    })?;
                // The brand's account is in USD: two decimals.
                pending.push(Change::DailyBudget(Decimal::new(minor, 2)));
            }
            "status" => {
                if !matches!(value.as_str(), "ACTIVE" | "PAUSED") {
                    return Err(GraphError::invalid_parameter(format!(
                        "(#100) Param status must be one of {{ACTIVE, PAUSED}}, got {value}"
                    )));
                }
                pending.push(Change::Status(value.clone()));
            }
            other if AUTH_FIELDS.contains(&other) => {}
            other => {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) Param {other} is not supported by this emulator's writes"
                )));
            }
        }
    }
    if pending.is_empty() {
        return Err(GraphError::invalid_parameter(
            "(#100) Nothing to update: send daily_budget and/or status",
        ));
    }
    for change in pending {
        changes.apply(object_id, change);
    }
    Ok(json!({ "success": true }))
}

/// A daily budget set through the API, back in minor units.
pub(crate) fn budget_minor(changes: &CampaignChanges, object_id: &str) -> Option<i64> {
    changes
        .daily_budget(object_id)
        .and_then(|major| (major * Decimal::ONE_HUNDRED).to_i64())
}
