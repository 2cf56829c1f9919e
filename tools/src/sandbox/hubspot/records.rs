//! The brand's portal as HubSpot records: every property a string, as on the wire.

use crate::sandbox::brand::hubspot::{HubSpotCompany, HubSpotContact, HubSpotDeal, HubSpotPortal};
use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One record before property selection.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub id: String,
    pub properties: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A change written through `PATCH /crm/v3/objects/deals/{id}`.
#[derive(Debug, Clone, Default)]
pub(crate) struct DealEdit {
    pub stage_id: Option<String>,
    pub amount: Option<String>,
    pub close_date: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// HubSpot's timestamp format (`2025-06-12T09:00:00Z`).
pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Exact amount text from cents: 1500.00 → "1500", 8420.55 → "8420.55".
pub(crate) fn amount(cents: i64) -> String {
    Decimal::new(cents, 2).normalize().to_string()
}

fn props(pairs: Vec<(&str, String)>) -> BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

pub(crate) fn deal(deal: &HubSpotDeal, edit: Option<&DealEdit>) -> Record {
    // Modified a day after creation, or at the close, whichever is later.
    let mut updated_at = deal
        .close_date
        .max(deal.created_at + chrono::Duration::days(1));
    let mut stage = deal.stage_id.clone();
    let mut amount_text = amount(deal.amount_cents);
    let mut close = deal.close_date;
    if let Some(edit) = edit {
        stage = edit.stage_id.clone().unwrap_or(stage);
        amount_text = edit.amount.clone().unwrap_or(amount_text);
        close = edit.close_date.unwrap_or(close);
        updated_at = edit.updated_at.unwrap_or(updated_at);
    }
    Record {
        id: deal.id.clone(),
        properties: props(vec![
            ("dealname", deal.name.clone()),
            ("amount", amount_text),
            ("dealstage", stage),
            ("pipeline", deal.pipeline_id.clone()),
            ("closedate", time(close)),
            ("createdate", time(deal.created_at)),
            ("hs_lastmodifieddate", time(updated_at)),
            ("hs_object_id", deal.id.clone()),
            ("hubspot_owner_id", deal.owner_id.clone()),
            ("deal_currency_code", "USD".to_owned()),
        ]),
        created_at: deal.created_at,
        updated_at,
    }
}

pub(crate) fn contact(portal: &HubSpotPortal, c: &HubSpotContact) -> Record {
    let company = portal
        .company(&c.company_id)
        .map(|co| co.name.clone())
        .unwrap_or_default();
    let updated_at = c.created_at + chrono::Duration::days(2);
    Record {
        id: c.id.clone(),
        properties: props(vec![
            ("firstname", c.first_name.clone()),
            ("lastname", c.last_name.clone()),
            ("email", c.email.clone()),
            ("phone", c.phone.clone()),
            ("company", company),
            ("jobtitle", c.job_title.clone()),
            ("lifecyclestage", c.lifecycle_stage.clone()),
            ("hubspot_owner_id", c.owner_id.clone()),
            ("associatedcompanyid", c.company_id.clone()),
            ("createdate", time(c.created_at)),
            ("lastmodifieddate", time(updated_at)),
            ("hs_object_id", c.id.clone()),
        ]),
        created_at: c.created_at,
        updated_at,
    }
}

pub(crate) fn company(c: &HubSpotCompany) -> Record {
    let updated_at = c.created_at + chrono::Duration::days(3);
    Record {
        id: c.id.clone(),
        properties: props(vec![
            ("name", c.name.clone()),
            ("domain", c.domain.clone()),
            ("city", c.city.clone()),
            ("state", c.state.clone()),
            ("industry", c.industry.clone()),
            ("hubspot_owner_id", c.owner_id.clone()),
            ("createdate", time(c.created_at)),
            ("hs_lastmodifieddate", time(updated_at)),
            ("hs_object_id", c.id.clone()),
        ]),
        created_at: c.created_at,
        updated_at,
    }
}

/// Properties returned when a request names none (HubSpot's defaults).
pub(crate) fn default_properties(object: &str) -> &'static [&'static str] {
    match object {
        "contacts" => &[
            "createdate",
            "email",
            "firstname",
            "hs_object_id",
            "lastmodifieddate",
            "lastname",
        ],
        "companies" => &[
            "createdate",
            "domain",
            "hs_lastmodifieddate",
            "hs_object_id",
            "name",
        ],
        _ => &[
            "amount",
            "closedate",
            "createdate",
            "dealname",
            "dealstage",
            "hs_lastmodifieddate",
            "hs_object_id",
            "pipeline",
        ],
    }
}

/// Properties the free-text `query` looks in.
pub(crate) fn searchable_properties(object: &str) -> &'static [&'static str] {
    match object {
        "contacts" => &["firstname", "lastname", "email", "phone", "company"],
        "companies" => &["name", "domain", "city"],
        _ => &["dealname"],
    }
}
