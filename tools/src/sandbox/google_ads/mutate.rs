//! `campaignBudgets:mutate` and `campaigns:mutate`: the two writes Omnify makes,
//! validated like the API and applied to the emulator's campaign changes.

use super::errors::RpcError;
use crate::sandbox::brand::{AdAccount, AdCampaign};
use crate::sandbox::campaign_changes::{CampaignChanges, Change};
use rust_decimal::Decimal;
use serde_json::{Value, json};

struct Update<'a> {
    resource_name: &'a str,
    fields: &'a Value,
    mask: Vec<&'a str>,
}

fn updates(body: &Value) -> Result<(Vec<Update<'_>>, bool), RpcError> {
    let operations = body
        .get("operations")
        .and_then(Value::as_array)
        .filter(|ops| !ops.is_empty())
        .ok_or_else(|| RpcError::mutate("mutateError", "EMPTY_OPERATIONS", "No operations."))?;
    let validate_only = body
        .get("validateOnly")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut out = Vec::new();
    for op in operations {
        let fields = op.get("update").ok_or_else(|| {
            RpcError::mutate(
                "requestError",
                "UNSUPPORTED_OPERATION",
                "Only update operations are supported in the sandbox.",
            )
        })?;
        let resource_name = fields
            .get("resourceName")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                RpcError::mutate(
                    "requestError",
                    "RESOURCE_NAME_MISSING",
                    "Resource name is missing.",
                )
            })?;
        let mask = op
            .get("updateMask")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .collect();
        out.push(Update {
            resource_name,
            fields,
            mask,
        });
    }
    Ok((out, validate_only))
}

fn find<'a>(
    account: &'a AdAccount,
    resource_name: &str,
    collection: &str,
    id_of: fn(&AdCampaign) -> &str,
) -> Result<&'a AdCampaign, RpcError> {
    let prefix = format!("customers/{}/{collection}/", account.account_id);
    resource_name
        .strip_prefix(&prefix)
        .and_then(|id| account.campaigns.iter().find(|c| id_of(c) == id))
        .ok_or_else(|| {
            RpcError::mutate(
                "requestError",
                "BAD_RESOURCE_ID",
                "The resource name is malformed or does not exist.",
            )
        })
}

/// Applies budget updates; answers with the results the API returns.
pub(crate) fn budgets(
    account: &AdAccount,
    changes: &CampaignChanges,
    body: &Value,
) -> Result<Value, RpcError> {
    let (updates, validate_only) = updates(body)?;
    let mut planned = Vec::new();
    for update in &updates {
        let campaign = find(account, update.resource_name, "campaignBudgets", |c| {
            &c.budget_id
        })?;
        if update.mask != ["amountMicros"] && update.mask != ["amount_micros"] {
            return Err(RpcError::mutate(
                "fieldMaskError",
                "FIELD_NOT_FOUND",
                "updateMask must name amountMicros.",
            ));
        }
        let micros = update
            .fields
            .get("amountMicros")
            .and_then(|v| match v {
                Value::String(s) => s.parse::<i64>().ok(),
                other => other.as_i64(),
            })
            .filter(|m| *m > 0)
            .ok_or_else(|| {
                RpcError::mutate(
                    "campaignBudgetError",
                    "NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT",
                    "amountMicros must be a positive int64.",
                )
            })?;
        if micros % 10_000 != 0 {
            return Err(RpcError::mutate(
                "campaignBudgetError",
                "NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT",
                "The budget amount must be a multiple of the currency's minimum unit.",
            ));
        }
        planned.push((campaign, update.resource_name, Decimal::new(micros, 6)));
    }
    apply(planned, validate_only, |(campaign, _, amount)| {
        changes.apply(&campaign.id, Change::DailyBudget(amount.normalize()));
    })
}

/// Applies campaign status updates.
pub(crate) fn campaigns(
    account: &AdAccount,
    changes: &CampaignChanges,
    body: &Value,
) -> Result<Value, RpcError> {
    let (updates, validate_only) = updates(body)?;
    let mut planned = Vec::new();
    for update in &updates {
        let campaign = find(account, update.resource_name, "campaigns", |c| &c.id)?;
        if update.mask != ["status"] {
            return Err(RpcError::mutate(
                "fieldMaskError",
                "FIELD_NOT_FOUND",
                "The sandbox only changes campaign status.",
            ));
        }
        let status = update
            .fields
            .get("status")
            .and_then(Value::as_str)
            .filter(|s| matches!(*s, "ENABLED" | "PAUSED" | "REMOVED"))
            .ok_or_else(|| {
                RpcError::mutate(
                    "requestError",
                    "INVALID_ENUM_VALUE",
                    "status must be ENABLED, PAUSED or REMOVED.",
                )
            })?;
        planned.push((campaign, update.resource_name, status.to_owned()));
    }
    apply(planned, validate_only, |(campaign, _, status)| {
        changes.apply(&campaign.id, Change::Status(status));
    })
}

/// All operations were valid: apply them (unless validating) and list the results.
fn apply<T>(
    planned: Vec<(&AdCampaign, &str, T)>,
    validate_only: bool,
    mut each: impl FnMut((&AdCampaign, &str, T)),
) -> Result<Value, RpcError> {
    if validate_only {
        // The API answers a validate-only mutate with an empty body.
        return Ok(json!({}));
    }
    let results: Vec<Value> = planned
        .iter()
        .map(|(_, name, _)| json!({ "resourceName": name }))
        .collect();
    planned.into_iter().for_each(&mut each);
    Ok(json!({ "results": results }))
}
