//! CRM questions as HubSpot searches.

use super::query::{CrmObjectKind, CrmQuery, DateField, Found, stage_ids_with};
use crate::connectors::hubspot::{
    self, CrmObject, Filter, FilterGroup, HubSpotClient, SearchRequest, Sort,
};
use crate::model::{DealStatus, Pipeline};
use omnify_core::{DateRange, ToolError};

fn object(kind: CrmObjectKind) -> CrmObject {
    match kind {
        CrmObjectKind::Contacts => CrmObject::Contacts,
        CrmObjectKind::Companies => CrmObject::Companies,
        CrmObjectKind::Deals => CrmObject::Deals,
    }
}

/// HubSpot date filters take ISO instants; a day runs to its last millisecond.
pub(crate) fn day_bounds(range: DateRange) -> (String, String) {
    (
        format!("{}T00:00:00Z", range.since),
        format!("{}T23:59:59.999Z", range.until),
    )
}

/// One filter group (AND) for `query`.
fn filters(query: &CrmQuery, pipelines: &[Pipeline]) -> Vec<Filter> {
    let mut filters = Vec::new();
    let deals = query.object == CrmObjectKind::Deals;
    if let Some(stage) = &query.stage_id {
        let property = if deals { "dealstage" } else { "lifecyclestage" };
        filters.push(Filter::eq(property, stage.clone()));
    }
    if deals {
        if let Some(pipeline) = &query.pipeline_id {
            filters.push(Filter::eq("pipeline", pipeline.clone()));
        }
        match query.status {
            Some(status @ (DealStatus::Won | DealStatus::Lost)) => {
                let ids = stage_ids_with(pipelines, query.pipeline_id.as_deref(), status);
                filters.push(Filter::one_of("dealstage", ids));
            }
            Some(DealStatus::Open) => {
                let mut closed =
                    stage_ids_with(pipelines, query.pipeline_id.as_deref(), DealStatus::Won);
                closed.extend(stage_ids_with(
                    pipelines,
                    query.pipeline_id.as_deref(),
                    DealStatus::Lost,
                ));
                let mut f = Filter::one_of("dealstage", closed);
                f.operator = "NOT_IN".to_owned();
                filters.push(f);
            }
            _ => {}
        }
    }
    if let Some(owner) = &query.owner_id {
        filters.push(Filter::eq("hubspot_owner_id", owner.clone()));
    }
    if let Some(range) = query.range {
        let property = match (query.date_field, deals) {
            (DateField::Closed, true) => "closedate",
            _ => "createdate",
        };
        let (low, high) = day_bounds(range);
        filters.push(Filter::between(property, low, high));
    }
    filters
}

pub(crate) async fn search(
    client: &HubSpotClient,
    query: &CrmQuery,
    pipelines: &[Pipeline],
) -> Result<Found, ToolError> {
    let object = object(query.object);
    let filters = filters(query, pipelines);
    let sort_property = match query.object {
        CrmObjectKind::Deals if query.date_field == DateField::Closed => "closedate",
        _ => "createdate",
    };
    let request = SearchRequest {
        filter_groups: if filters.is_empty() {
            Vec::new()
        } else {
            vec![FilterGroup { filters }]
        },
        query: query.text.clone(),
        properties: hubspot::properties(object),
        sorts: vec![Sort {
            property_name: sort_property.to_owned(),
            direction: "DESCENDING".to_owned(),
        }],
        max_results: query.max_results,
    };
    let results = client.search(object, &request).await?;
    let mut found = Found {
        total: results.total,
        query: client.search_query(object, &request),
        ..Found::default()
    };
    for record in &results.records {
        match query.object {
            CrmObjectKind::Deals => found.deals.push(hubspot::to_deal(record, pipelines)?),
            CrmObjectKind::Contacts => found.contacts.push(hubspot::to_contact(record)?),
            CrmObjectKind::Companies => found.companies.push(hubspot::to_company(record)?),
        }
    }
    Ok(found)
}

/// Every deal in `pipeline_id` (or all pipelines) that was open, created or closed in
/// `window`: one search of three OR-ed filter groups.
pub(crate) async fn deals_touching(
    client: &HubSpotClient,
    window: DateRange,
    pipeline_id: Option<&str>,
    pipelines: &[Pipeline],
) -> Result<Found, ToolError> {
    let (low, high) = day_bounds(window);
    let pipeline_filter = || pipeline_id.map(|p| Filter::eq("pipeline", p));
    let mut closed = stage_ids_with(pipelines, pipeline_id, DealStatus::Won);
    closed.extend(stage_ids_with(pipelines, pipeline_id, DealStatus::Lost));
    let mut open = Filter::one_of("dealstage", closed);
    open.operator = "NOT_IN".to_owned();
    let groups = [
        Filter::between("closedate", low.clone(), high.clone()),
        Filter::between("createdate", low, high),
        open,
    ]
    .into_iter()
    .map(|f| FilterGroup {
        filters: std::iter::once(f).chain(pipeline_filter()).collect(),
    })
    .collect();
    let request = SearchRequest {
        filter_groups: groups,
        query: None,
        properties: hubspot::properties(CrmObject::Deals),
        sorts: vec![Sort {
            property_name: "createdate".to_owned(),
            direction: "ASCENDING".to_owned(),
        }],
        max_results: 10_000,
    };
    let results = client.search(CrmObject::Deals, &request).await?;
    let deals = results
        .records
        .iter()
        .map(|r| hubspot::to_deal(r, pipelines))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Found {
        total: results.total,
        deals,
        query: client.search_query(CrmObject::Deals, &request),
        ..Found::default()
    })
}
