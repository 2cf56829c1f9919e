//! HubSpot CRM (contacts, companies, deals and deal pipelines) through the CRM v3 API.
//!
//! [`HubSpotClient`] speaks the API; this module maps its string-valued records into
//! the neutral [`Contact`], [`Company`], [`Deal`] and [`Pipeline`].

mod client;
mod errors;
mod wire;

pub use client::{DealUpdate, HubSpotAuth, HubSpotClient, HubSpotConfig, SearchResults};
pub use errors::HubSpotError;
pub use wire::{CrmObject, CrmRecord, Filter, FilterGroup, SearchRequest, Sort};

use crate::model::{Company, Contact, Deal, DealStatus, Pipeline, Stage};
use crate::money::parse_decimal;
use chrono::{DateTime, Utc};

/// Registry key of HubSpot.
pub const PLATFORM: &str = "hubspot";

pub const DEAL_PROPERTIES: &[&str] = &[
    "dealname",
    "amount",
    "dealstage",
    "pipeline",
    "closedate",
    "createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
    "hubspot_owner_id",
    "deal_currency_code",
];
pub const CONTACT_PROPERTIES: &[&str] = &[
    "firstname",
    "lastname",
    "email",
    "phone",
    "company",
    "jobtitle",
    "lifecyclestage",
    "hubspot_owner_id",
    "createdate",
    "lastmodifieddate",
    "hs_object_id",
];
pub const COMPANY_PROPERTIES: &[&str] = &[
    "name",
    "domain",
    "city",
    "state",
    "industry",
    "hubspot_owner_id",
    "createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
];

pub fn properties(object: CrmObject) -> Vec<String> {
    let list = match object {
        CrmObject::Contacts => CONTACT_PROPERTIES,
        CrmObject::Companies => COMPANY_PROPERTIES,
        CrmObject::Deals => DEAL_PROPERTIES,
    };
    list.iter().map(|p| (*p).to_owned()).collect()
}

/// HubSpot dates: ISO 8601 (`2025-06-12T00:00:00Z`, with or without milliseconds),
/// or epoch milliseconds as older properties still send.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        return DateTime::from_timestamp_millis(text.parse().ok()?);
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn created(record: &CrmRecord) -> Result<DateTime<Utc>, HubSpotError> {
    record
        .get("createdate")
        .or(record.created_at.as_deref())
        .and_then(parse_time)
        .ok_or_else(|| HubSpotError::Malformed(format!("record {} has no createdate", record.id)))
}

impl HubSpotClient {
    /// The deal pipelines with their stages in display order.
    pub async fn deal_pipelines(&self) -> Result<Vec<Pipeline>, HubSpotError> {
        let wire = self.deal_pipelines_wire().await?;
        Ok(wire
            .into_iter()
            .map(|p| {
                let mut stages: Vec<Stage> = p
                    .stages
                    .iter()
                    .map(|s| {
                        let closed = s.meta("isClosed").is_some_and(|v| v == "true");
                        let probability = s
                            .meta("probability")
                            .and_then(|v| v.parse::<f64>().ok())
                            .unwrap_or(0.0);
                        let outcome = match (closed, probability >= 1.0) {
                            (false, _) => DealStatus::Open,
                            (true, true) => DealStatus::Won,
                            (true, false) => DealStatus::Lost,
                        };
                        Stage {
                            id: s.id.clone(),
                            label: s.label.clone(),
                            display_order: s.display_order,
                            outcome,
                        }
                    })
                    .collect();
                stages.sort_by_key(|s| s.display_order);
                Pipeline {
                    platform: PLATFORM.to_owned(),
                    id: p.id,
                    label: p.label,
                    stages,
                }
            })
            .collect())
    }
}

/// A deal record in the neutral model; `pipelines` label the stage and decide won/lost.
pub fn to_deal(record: &CrmRecord, pipelines: &[Pipeline]) -> Result<Deal, HubSpotError> {
    let stage_id = record.get("dealstage").unwrap_or_default().to_owned();
    let pipeline_id = record.get("pipeline").unwrap_or("default").to_owned();
    let stage = pipelines
        .iter()
        .find(|p| p.id == pipeline_id)
        .and_then(|p| p.stage(&stage_id));
    let status = stage.map_or_else(
        || match stage_id.as_str() {
            "closedwon" => DealStatus::Won,
            "closedlost" => DealStatus::Lost,
            _ => DealStatus::Open,
        },
        |s| s.outcome,
    );
    let amount = record
        .get("amount")
        .map(|a| {
            parse_decimal(a).map_err(|_| {
                HubSpotError::Malformed(format!("deal {} amount {a:?} is not a number", record.id))
            })
        })
        .transpose()?;
    Ok(Deal {
        platform: PLATFORM.to_owned(),
        id: record.id.clone(),
        name: record.get("dealname").unwrap_or_default().to_owned(),
        pipeline_id,
        stage_label: stage.map(|s| s.label.clone()),
        stage_id,
        status,
        amount,
        currency: record.get("deal_currency_code").unwrap_or("USD").to_owned(),
        owner_id: record.get("hubspot_owner_id").map(str::to_owned),
        created_at: created(record)?,
        close_date: record.get("closedate").and_then(parse_time),
        counterpart: None,
    })
}

pub fn to_contact(record: &CrmRecord) -> Result<Contact, HubSpotError> {
    let name = [record.get("firstname"), record.get("lastname")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Contact {
        platform: PLATFORM.to_owned(),
        id: record.id.clone(),
        name,
        email: record.get("email").map(str::to_owned),
        phone: record.get("phone").map(str::to_owned),
        company: record.get("company").map(str::to_owned),
        stage: record.get("lifecyclestage").map(str::to_owned),
        owner_id: record.get("hubspot_owner_id").map(str::to_owned),
        source: None,
        created_at: created(record)?,
    })
}

pub fn to_company(record: &CrmRecord) -> Result<Company, HubSpotError> {
    Ok(Company {
        platform: PLATFORM.to_owned(),
        id: record.id.clone(),
        name: record.get("name").unwrap_or_default().to_owned(),
        domain: record.get("domain").map(str::to_owned),
        city: record.get("city").map(str::to_owned),
        state: record.get("state").map(str::to_owned),
        industry: record.get("industry").map(str::to_owned),
        owner_id: record.get("hubspot_owner_id").map(str::to_owned),
        created_at: created(record)?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    #[test]
    fn the_documented_search_result_maps_exactly() {
        let raw = serde_json::json!({"id":"512","properties":{"amount":"1500","dealname":"Acme renewal","dealstage":"closedwon",
            "closedate":"2025-06-12T00:00:00Z","createdate":"2025-05-01T10:00:00Z","hs_lastmodifieddate":"2025-06-12T09:00:00Z","hs_object_id":"512"},
            "createdAt":"2025-05-01T10:00:00Z","updatedAt":"2025-06-12T09:00:00Z","archived":false});
        let record: CrmRecord = serde_json::from_value(raw).unwrap();
        let deal = to_deal(&record, &[]).unwrap();
        assert_eq!(deal.amount, Some(Decimal::from(1500)));
        assert_eq!(deal.status, DealStatus::Won);
        assert_eq!(deal.name, "Acme renewal");
        assert_eq!(deal.close_date, parse_time("2025-06-12T00:00:00Z"));
        assert_eq!(deal.created_at.to_rfc3339(), "2025-05-01T10:00:00+00:00");
        let cents = CrmRecord {
            properties: [("amount".to_owned(), Some("8420.55".to_owned()))].into(),
            ..record
        };
        assert_eq!(
            to_deal(&cents, &[]).unwrap().amount,
            Some(Decimal::from_str("8420.55").unwrap())
        );
        assert_eq!(
            parse_time("1749686400000"),
            parse_time("2025-06-12T00:00:00Z")
        );
    }
}
