//! `GET /act_{id}/campaigns`: campaign structure and budgets, with any budget and
//! status writes applied.

use super::errors::GraphError;
use super::request::GraphRequest;
use super::writes;
use crate::sandbox::brand::Brand;
use crate::sandbox::campaign_changes::CampaignChanges;
use serde_json::{Map, Value, json};

const KNOWN_FIELDS: &[&str] = &[
    "id",
    "name",
    "status",
    "effective_status",
    "objective",
    "daily_budget",
    "lifetime_budget",
    "buying_type",
    "start_time",
];

pub(crate) fn rows(
    brand: &Brand,
    changes: &CampaignChanges,
    request: &GraphRequest,
) -> Result<Vec<Value>, GraphError> {
    let fields = request.fields(KNOWN_FIELDS, &["id"])?;
    Ok(brand
        .meta
        .campaigns
        .iter()
        .map(|c| {
            let status = changes.status(&c.id).unwrap_or_else(|| c.status.clone());
            let budget = writes::budget_minor(changes, &c.id).unwrap_or(c.daily_budget_minor);
            let mut row = Map::new();
            for field in &fields {
                let value = match field.as_str() {
                    "id" => json!(c.id),
                    "name" => json!(c.name),
                    "status" | "effective_status" => json!(status),
                    "objective" => json!(c.objective),
                    // Minor units of the account currency, as a string.
                    "daily_budget" => json!(budget.to_string()),
                    "lifetime_budget" => json!("0"),
                    "buying_type" => json!("AUCTION"),
                    "start_time" => json!(format!("{}T00:00:00-0800", c.starts_on)),
                    _ => continue,
                };
                row.insert(field.clone(), value);
            }
            Value::Object(row)
        })
        .collect())
}
