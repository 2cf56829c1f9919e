//! CRM questions as GoHighLevel searches. GoHighLevel filters opportunities by status,
//! pipeline, stage, owner, text and creation date on the server; close dates are
//! filtered here, from `lastStatusChangeAt`.

use super::hubspot::day_bounds;
use super::query::{CrmObjectKind, CrmQuery, DateField, Found};
use crate::connectors::gohighlevel::{self, GoHighLevelClient, OpportunityQuery};
use crate::model::{Deal, DealStatus, Pipeline};
use omnify_core::{DateRange, ToolError};
use serde_json::json;

/// Opportunities fetched at most when the date filter has to be applied here.
const MAX_SCANNED: usize = 5_000;

fn in_range(deal: &Deal, range: DateRange, field: DateField) -> bool {
    let date = match field {
        DateField::Created => Some(deal.created_at.date_naive()),
        DateField::Closed => deal.close_date.map(|c| c.date_naive()),
    };
    date.is_some_and(|d| d >= range.since && d <= range.until)
}

fn status_param(status: Option<DealStatus>) -> Option<String> {
    status.map(|s| s.as_str().to_owned())
}

pub(crate) async fn search(
    client: &GoHighLevelClient,
    query: &CrmQuery,
    pipelines: &[Pipeline],
) -> Result<Found, ToolError> {
    match query.object {
        CrmObjectKind::Companies => Err(ToolError::BadArguments(
            "GoHighLevel keeps no companies; search contacts instead (the company name is on the contact)"
                .to_owned(),
        )),
        CrmObjectKind::Contacts => {
            let mut filters = Vec::new();
            if let Some(tag) = &query.stage_id {
                filters.push(json!({"field": "tags", "operator": "contains", "value": tag}));
            }
            if let Some(owner) = &query.owner_id {
                filters.push(json!({"field": "assignedTo", "operator": "eq", "value": owner}));
            }
            if let Some(range) = query.range {
                let (gte, lte) = day_bounds(range);
                filters.push(json!({"field": "dateAdded", "operator": "range", "value": {"gte": gte, "lte": lte}}));
            }
            let results = client
                .search_contacts(query.text.as_deref(), &filters, query.max_results)
                .await?;
            let contacts = results
                .contacts
                .iter()
                .map(gohighlevel::to_contact)
                .collect::<Result<Vec<_>, _>>()?;
            let mut text = "POST /contacts/search".to_owned();
            if let Some(q) = &query.text {
                text.push_str(&format!(" query={q:?}"));
            }
            if !filters.is_empty() {
                text.push_str(&format!(" filters={}", serde_json::Value::Array(filters)));
            }
            Ok(Found { total: results.total, contacts, query: text, ..Found::default() })
        }
        CrmObjectKind::Deals => {
            let request = OpportunityQuery {
                status: status_param(query.status),
                pipeline_id: query.pipeline_id.clone(),
                stage_id: query.stage_id.clone(),
                assigned_to: query.owner_id.clone(),
                q: query.text.clone(),
                max_results: if query.range.is_some() { MAX_SCANNED } else { query.max_results },
            };
            let results = client.search_opportunities(&request).await?;
            let mut deals = results
                .opportunities
                .iter()
                .map(|o| gohighlevel::to_deal(o, pipelines))
                .collect::<Result<Vec<_>, _>>()?;
            let mut total = results.total;
            if let Some(range) = query.range {
                deals.retain(|d| in_range(d, range, query.date_field));
                total = deals.len() as u64;
            }
            deals.truncate(query.max_results);
            Ok(Found { total, deals, query: opportunity_query_text(&request, query), ..Found::default() })
        }
    }
}

fn opportunity_query_text(request: &OpportunityQuery, query: &CrmQuery) -> String {
    let mut text = "GET /opportunities/search".to_owned();
    for (name, value) in [
        ("status", &request.status),
        ("pipeline_id", &request.pipeline_id),
        ("pipeline_stage_id", &request.stage_id),
        ("assigned_to", &request.assigned_to),
        ("q", &request.q),
    ] {
        if let Some(v) = value {
            text.push_str(&format!(" {name}={v}"));
        }
    }
    if let Some(range) = query.range {
        let field = match query.date_field {
            DateField::Created => "createdAt",
            DateField::Closed => "lastStatusChangeAt",
        };
        text.push_str(&format!(
            " ({field} {}..{} filtered by Omnify)",
            range.since, range.until
        ));
    }
    text
}

/// Every opportunity (in one pipeline, or all) that is open, or was created or closed
/// in `window`.
pub(crate) async fn deals_touching(
    client: &GoHighLevelClient,
    window: DateRange,
    pipeline_id: Option<&str>,
    pipelines: &[Pipeline],
) -> Result<Found, ToolError> {
    let request = OpportunityQuery {
        status: Some("all".to_owned()),
        pipeline_id: pipeline_id.map(str::to_owned),
        max_results: MAX_SCANNED,
        ..OpportunityQuery::default()
    };
    let results = client.search_opportunities(&request).await?;
    let mut deals = results
        .opportunities
        .iter()
        .map(|o| gohighlevel::to_deal(o, pipelines))
        .collect::<Result<Vec<_>, _>>()?;
    deals.retain(|d| {
        d.status == DealStatus::Open
            || in_range(d, window, DateField::Created)
            || in_range(d, window, DateField::Closed)
    });
    let mut text = opportunity_query_text(&request, &CrmQuery::default());
    text.push_str(&format!(
        " (open, or created or closed {}..{}, filtered by Omnify)",
        window.since, window.until
    ));
    Ok(Found {
        total: deals.len() as u64,
        deals,
        query: text,
        ..Found::default()
    })
}
