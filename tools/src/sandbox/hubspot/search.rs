//! HubSpot search semantics: filter groups (OR of ANDs), free-text query, one sort,
//! `after` offset paging capped at 10,000 results.

use super::errors::HubSpotFailure;
use super::records::{Record, default_properties, searchable_properties};
use crate::connectors::hubspot::parse_time;
use serde::Deserialize;
use serde_json::{Value, json};
use std::cmp::Ordering;

const MAX_LIMIT: usize = 200;
const MAX_RESULTS: usize = 10_000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchBody {
    #[serde(default)]
    filter_groups: Vec<WireGroup>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    properties: Vec<String>,
    #[serde(default)]
    sorts: Vec<Value>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    after: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct WireGroup {
    #[serde(default)]
    filters: Vec<WireFilter>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireFilter {
    property_name: String,
    operator: String,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default)]
    high_value: Option<Value>,
    #[serde(default)]
    values: Vec<Value>,
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Compares two property values the way HubSpot does for their type: numbers as
/// numbers, dates as instants, everything else as case-insensitive text.
fn compare(a: &str, b: &str) -> Ordering {
    if let (Ok(x), Ok(y)) = (a.parse::<f64>(), b.parse::<f64>()) {
        return x.partial_cmp(&y).unwrap_or(Ordering::Equal);
    }
    if let (Some(x), Some(y)) = (parse_time(a), parse_time(b)) {
        return x.cmp(&y);
    }
    a.to_lowercase().cmp(&b.to_lowercase())
}

impl WireFilter {
    fn matches(&self, record: &Record) -> Result<bool, HubSpotFailure> {
        let actual = record
            .properties
            .get(&self.property_name)
            .filter(|v| !v.is_empty());
        let value = self.value.as_ref().map(text);
        let need_value = || {
            value.clone().ok_or_else(|| {
                HubSpotFailure::validation(format!(
                    "filter on {} with operator {} needs a value",
                    self.property_name, self.operator
                ))
            })
        };
        Ok(match self.operator.as_str() {
            "HAS_PROPERTY" => actual.is_some(),
            "NOT_HAS_PROPERTY" => actual.is_none(),
            "EQ" => {
                let v = need_value()?;
                actual.is_some_and(|a| compare(a, &v) == Ordering::Equal)
            }
            "NEQ" => {
                let v = value.clone().unwrap_or_default();
                actual.is_none_or(|a| compare(a, &v) != Ordering::Equal)
            }
            "LT" | "LTE" | "GT" | "GTE" => {
                let v = need_value()?;
                actual.is_some_and(|a| {
                    let order = compare(a, &v);
                    match self.operator.as_str() {
                        "LT" => order == Ordering::Less,
                        "LTE" => order != Ordering::Greater,
                        "GT" => order == Ordering::Greater,
                        _ => order != Ordering::Less,
                    }
                })
            }
            "BETWEEN" => {
                let low = need_value()?;
                let high = self
                    .high_value
                    .as_ref()
                    .map(text)
                    .ok_or_else(|| HubSpotFailure::validation("BETWEEN needs a highValue"))?;
                actual.is_some_and(|a| {
                    compare(a, &low) != Ordering::Less && compare(a, &high) != Ordering::Greater
                })
            }
            "IN" | "NOT_IN" => {
                let found = actual.is_some_and(|a| {
                    self.values
                        .iter()
                        .any(|v| compare(a, &text(v)) == Ordering::Equal)
                });
                (self.operator == "IN") == found
            }
            "CONTAINS_TOKEN" | "NOT_CONTAINS_TOKEN" => {
                let needle = need_value()?.trim_matches('*').to_lowercase();
                let found = actual.is_some_and(|a| a.to_lowercase().contains(&needle));
                (self.operator == "CONTAINS_TOKEN") == found
            }
            other => {
                return Err(HubSpotFailure::validation(format!(
                    "Unknown operator {other}"
                )));
            }
        })
    }
}

/// Runs a search over `records` and renders one page in HubSpot's shape.
pub(crate) fn search(
    object: &str,
    mut records: Vec<Record>,
    body: &SearchBody,
) -> Result<Value, HubSpotFailure> {
    let filter_count: usize = body.filter_groups.iter().map(|g| g.filters.len()).sum();
    if body.filter_groups.len() > 5 || filter_count > 25 {
        return Err(HubSpotFailure::validation(
            "Too many filters: at most 5 filterGroups, 10 filters per group and 25 in total",
        ));
    }
    if body.filter_groups.iter().any(|g| g.filters.len() > 10) {
        return Err(HubSpotFailure::validation(
            "At most 10 filters per filterGroup",
        ));
    }
    let limit = body.limit.unwrap_or(10);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(HubSpotFailure::validation(format!(
            "limit must be between 1 and {MAX_LIMIT}, got {limit}"
        )));
    }
    let offset = match &body.after {
        None => 0,
        Some(v) => text(v)
            .parse::<usize>()
            .map_err(|_| HubSpotFailure::validation(format!("after must be a number, got {v}")))?,
    };
    if offset >= MAX_RESULTS {
        return Err(HubSpotFailure::validation(
            "Search results are limited to 10,000; narrow the filters",
        ));
    }

    let mut kept = Vec::new();
    for record in records.drain(..) {
        let in_groups = if body.filter_groups.is_empty() {
            true
        } else {
            let mut any = false;
            for group in &body.filter_groups {
                let mut all = true;
                for filter in &group.filters {
                    if !filter.matches(&record)? {
                        all = false;
                        break;
                    }
                }
                if all {
                    any = true;
                    break;
                }
            }
            any
        };
        let in_query = body.query.as_deref().is_none_or(|q| {
            let q = q.trim().to_lowercase();
            searchable_properties(object).iter().any(|p| {
                record
                    .properties
                    .get(*p)
                    .is_some_and(|v| v.to_lowercase().contains(&q))
            })
        });
        if in_groups && in_query {
            kept.push(record);
        }
    }
    if let Some(sort) = body.sorts.first() {
        let (property, descending) = match sort {
            Value::String(s) => (s.trim_start_matches('-').to_owned(), s.starts_with('-')),
            other => (
                other["propertyName"]
                    .as_str()
                    .unwrap_or("hs_object_id")
                    .to_owned(),
                other["direction"].as_str() == Some("DESCENDING"),
            ),
        };
        kept.sort_by(|a, b| {
            let x = a.properties.get(&property).map_or("", String::as_str);
            let y = b.properties.get(&property).map_or("", String::as_str);
            let order = compare(x, y);
            if descending { order.reverse() } else { order }
        });
    }

    let total = kept.len();
    let end = (offset + limit).min(total).min(MAX_RESULTS);
    let wanted: Vec<String> = if body.properties.is_empty() {
        default_properties(object)
            .iter()
            .map(|p| (*p).to_owned())
            .collect()
    } else {
        body.properties.clone()
    };
    let results: Vec<Value> = kept
        .iter()
        .skip(offset)
        .take(end.saturating_sub(offset))
        .map(|r| render(r, &wanted))
        .collect();
    let mut page = json!({ "total": total, "results": results });
    if end < total.min(MAX_RESULTS) {
        page["paging"] =
            json!({"next": {"after": end.to_string(), "link": format!("?after={end}")}});
    }
    Ok(page)
}

/// A record with the requested properties (plus the three HubSpot always sends);
/// unknown properties come back as null, as on the real API.
pub(crate) fn render(record: &Record, wanted: &[String]) -> Value {
    let mut properties = serde_json::Map::new();
    let always = [
        "hs_object_id",
        "createdate",
        "hs_lastmodifieddate",
        "lastmodifieddate",
    ];
    for name in wanted.iter().map(String::as_str).chain(always) {
        if let Some(value) = record.properties.get(name) {
            properties.insert(name.to_owned(), json!(value));
        } else if wanted.iter().any(|w| w == name) {
            properties.insert(name.to_owned(), Value::Null);
        }
    }
    json!({
        "id": record.id,
        "properties": properties,
        "createdAt": super::records::time(record.created_at),
        "updatedAt": super::records::time(record.updated_at),
        "archived": false,
    })
}
