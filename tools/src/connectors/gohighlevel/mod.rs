//! GoHighLevel (HighLevel) CRM: contacts, opportunities and pipelines through API v2,
//! scoped to one sub-account ("location").
//!
//! [`GoHighLevelClient`] speaks the API; this module maps its records into the neutral
//! [`Contact`], [`Deal`] and [`Pipeline`].

mod client;
mod errors;
mod wire;

pub use client::{
    ContactResults, GoHighLevelAuth, GoHighLevelClient, GoHighLevelConfig, OpportunityQuery,
    OpportunityResults,
};
pub use errors::GoHighLevelError;
pub use wire::{WireContact, WireOpportunity};

use crate::model::{Contact, Deal, DealStatus, Pipeline, Stage};
use crate::money::parse_decimal;
use chrono::{DateTime, Utc};

/// Registry key of GoHighLevel.
pub const PLATFORM: &str = "gohighlevel";

fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl GoHighLevelClient {
    /// The location's pipelines; every GoHighLevel stage is an open stage (won and lost
    /// are the opportunity's `status`, not a stage).
    pub async fn pipelines(&self) -> Result<Vec<Pipeline>, GoHighLevelError> {
        Ok(self
            .pipelines_wire()
            .await?
            .into_iter()
            .map(|p| {
                let mut stages: Vec<Stage> = p
                    .stages
                    .into_iter()
                    .map(|s| Stage {
                        id: s.id,
                        label: s.name,
                        display_order: s.position,
                        outcome: DealStatus::Open,
                    })
                    .collect();
                stages.sort_by_key(|s| s.display_order);
                Pipeline {
                    platform: PLATFORM.to_owned(),
                    id: p.id,
                    label: p.name,
                    stages,
                }
            })
            .collect())
    }
}

pub fn to_contact(c: &WireContact) -> Result<Contact, GoHighLevelError> {
    // The search endpoint may send only the lower-cased names.
    let name = [
        c.first_name
            .as_deref()
            .or(c.first_name_lower_case.as_deref()),
        c.last_name.as_deref().or(c.last_name_lower_case.as_deref()),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    Ok(Contact {
        platform: PLATFORM.to_owned(),
        id: c.id.clone(),
        name,
        email: c.email.clone().filter(|e| !e.is_empty()),
        phone: c.phone.clone().filter(|p| !p.is_empty()),
        company: c.company_name.clone().filter(|n| !n.is_empty()),
        stage: (!c.tags.is_empty()).then(|| c.tags.join(", ")),
        owner_id: c.assigned_to.clone(),
        source: c.source.clone(),
        created_at: time(&c.date_added).ok_or_else(|| {
            GoHighLevelError::Malformed(format!("contact {} dateAdded {:?}", c.id, c.date_added))
        })?,
    })
}

pub fn to_deal(o: &WireOpportunity, pipelines: &[Pipeline]) -> Result<Deal, GoHighLevelError> {
    let status = match o.status.as_str() {
        "won" => DealStatus::Won,
        "lost" => DealStatus::Lost,
        "abandoned" => DealStatus::Abandoned,
        _ => DealStatus::Open,
    };
    let amount = o
        .monetary_value
        .as_ref()
        .map(|n| {
            parse_decimal(&n.to_string()).map_err(|_| {
                GoHighLevelError::Malformed(format!("opportunity {} monetaryValue {n}", o.id))
            })
        })
        .transpose()?;
    let stage_label = pipelines
        .iter()
        .find(|p| p.id == o.pipeline_id)
        .and_then(|p| p.stage(&o.pipeline_stage_id))
        .map(|s| s.label.clone());
    Ok(Deal {
        platform: PLATFORM.to_owned(),
        id: o.id.clone(),
        name: o.name.clone(),
        pipeline_id: o.pipeline_id.clone(),
        stage_id: o.pipeline_stage_id.clone(),
        stage_label,
        status,
        amount,
        currency: "USD".to_owned(),
        owner_id: o.assigned_to.clone(),
        created_at: time(&o.created_at).ok_or_else(|| {
            GoHighLevelError::Malformed(format!(
                "opportunity {} createdAt {:?}",
                o.id, o.created_at
            ))
        })?,
        close_date: if status.is_closed() {
            o.last_status_change_at.as_deref().and_then(time)
        } else {
            None
        },
        counterpart: o.contact.as_ref().and_then(|c| c.name.clone()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn the_documented_opportunity_maps_exactly() {
        let raw = serde_json::json!({"id":"yWQobCRIhRguQtD2llvk","name":"Website redesign","monetaryValue":500,"pipelineId":"VDm7RPYC2GLUvdpKmBfC",
            "pipelineStageId":"e93ba61a-53b3-45e7-985a-c7732dbcdb69","status":"open","source":"facebook","assignedTo":"zT46WSCPbudrq4zhWMk6","contactId":"c1",
            "locationId":"ve9EPM428h8vShlRW1KT","lastStatusChangeAt":"2025-06-03T04:55:17.355Z","createdAt":"2025-06-01T04:55:17.355Z","updatedAt":"2025-06-03T04:55:17.355Z",
            "contact":{"id":"c1","name":"John Deo","email":"john@deo.com","tags":[]}});
        let o: WireOpportunity = serde_json::from_value(raw).unwrap();
        let deal = to_deal(&o, &[]).unwrap();
        assert_eq!(deal.amount, Some(Decimal::from(500)));
        assert_eq!(deal.status, DealStatus::Open);
        assert_eq!(deal.close_date, None);
        assert_eq!(deal.counterpart.as_deref(), Some("John Deo"));
        let won: WireOpportunity = serde_json::from_value(serde_json::json!({"id":"x","pipelineId":"p","pipelineStageId":"s","status":"won",
            "monetaryValue":1250.5,"createdAt":"2025-06-01T00:00:00.000Z","lastStatusChangeAt":"2025-06-03T04:55:17.355Z"})).unwrap();
        let deal = to_deal(&won, &[]).unwrap();
        assert_eq!(deal.amount, Some(Decimal::new(12_505, 1)));
        assert_eq!(
            deal.close_date.unwrap().to_rfc3339(),
            "2025-06-03T04:55:17.355+00:00"
        );
    }
}
