//! `GET /campaign/get/` and the two campaign writes, `/campaign/update/` (budget) and
//! `/campaign/status/update/`, applied to the emulator's campaign changes.

use super::ApiError;
use crate::sandbox::brand::AdAccount;
use crate::sandbox::campaign_changes::{CampaignChanges, Change};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;

const FIELDS: &[&str] = &[
    "campaign_id",
    "campaign_name",
    "operation_status",
    "budget",
    "budget_mode",
    "objective_type",
    "advertiser_id",
];

pub(crate) fn list(
    account: &AdAccount,
    changes: &CampaignChanges,
    fields: Option<&str>,
) -> Result<Vec<Value>, ApiError> {
    let fields: Vec<String> = match fields {
        None => FIELDS.iter().map(|f| (*f).to_owned()).collect(),
        Some(raw) => serde_json::from_str(raw)
            .map_err(|_| ApiError::params("fields: must be a JSON array of strings"))?,
    };
    if let Some(bad) = fields.iter().find(|f| !FIELDS.contains(&f.as_str())) {
        return Err(ApiError::params(format!("fields: invalid field {bad}")));
    }
    Ok(account
        .campaigns
        .iter()
        .map(|c| {
            let budget = changes
                .daily_budget(&c.id)
                .unwrap_or_else(|| Decimal::new(c.daily_budget_minor, 2));
            let mut row = serde_json::Map::new();
            for field in &fields {
                let value = match field.as_str() {
                    "campaign_id" => json!(c.id),
                    "campaign_name" => json!(c.name),
                    "operation_status" => {
                        json!(changes.status(&c.id).unwrap_or_else(|| "ENABLE".to_owned()))
                    }
                    // TikTok sends budgets as JSON numbers.
                    "budget" => {
                        serde_json::from_str(&budget.normalize().to_string()).unwrap_or(Value::Null)
                    }
                    "budget_mode" => json!("BUDGET_MODE_DAY"),
                    "objective_type" => json!(c.objective),
                    _ => json!(account.account_id),
                };
                row.insert(field.clone(), value);
            }
            Value::Object(row)
        })
        .collect())
}

fn advertiser_matches(account: &AdAccount, body: &Value) -> Result<(), ApiError> {
    match body.get("advertiser_id").and_then(Value::as_str) {
        Some(id) if id == account.account_id => Ok(()),
        Some(_) => Err(ApiError::no_permission()),
        None => Err(ApiError::params(
            "advertiser_id: Missing data for required field.",
        )),
    }
}

pub(crate) fn update_budget(
    account: &AdAccount,
    changes: &CampaignChanges,
    body: &Value,
) -> Result<Value, ApiError> {
    advertiser_matches(account, body)?;
    let campaign_id = body
        .get("campaign_id")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::params("campaign_id: Missing data for required field."))?;
    let campaign = account
        .campaign(campaign_id)
        .ok_or_else(|| ApiError::params(format!("campaign_id: {campaign_id} does not exist")))?;
    let budget = body
        .get("budget")
        .and_then(|b| match b {
            Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
            _ => None,
        })
        .filter(|b| *b > Decimal::ZERO)
        .ok_or_else(|| ApiError::params("budget: must be a positive number"))?;
    changes.apply(&campaign.id, Change::DailyBudget(budget.normalize()));
    Ok(json!({ "campaign_id": campaign.id }))
}

pub(crate) fn update_status(
    account: &AdAccount,
    changes: &CampaignChanges,
    body: &Value,
) -> Result<Value, ApiError> {
    advertiser_matches(account, body)?;
    let ids: Vec<&str> = body
        .get("campaign_ids")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if ids.is_empty() || ids.len() > 20 {
        return Err(ApiError::params(
            "campaign_ids: Length must be between 1 and 20.",
        ));
    }
    let status = body
        .get("operation_status")
        .and_then(Value::as_str)
        .filter(|s| matches!(*s, "ENABLE" | "DISABLE" | "DELETE"))
        .ok_or_else(|| {
            ApiError::params("operation_status: must be one of ENABLE, DISABLE, DELETE")
        })?;
    for id in &ids {
        if account.campaign(id).is_none() {
            return Err(ApiError::params(format!(
                "campaign_ids: {id} does not exist"
            )));
        }
    }
    for id in &ids {
        changes.apply(id, Change::Status(status.to_owned()));
    }
    Ok(json!({ "campaign_ids": ids }))
}
