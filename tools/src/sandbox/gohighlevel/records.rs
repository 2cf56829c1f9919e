//! The brand's GoHighLevel location as API v2 JSON.

use crate::sandbox::brand::gohighlevel::{GhlContact, GhlOpportunity, GoHighLevelLocation};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

/// GoHighLevel's timestamps: `2025-06-03T09:31:30.255Z`.
pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A JSON number the way GoHighLevel stores money: 500, 1250.5.
pub(crate) fn money(cents: i64) -> Value {
    if cents % 100 == 0 {
        json!(cents / 100)
    } else {
        json!(cents as f64 / 100.0)
    }
}

pub(crate) fn contact(location: &GoHighLevelLocation, c: &GhlContact) -> Value {
    let mut attributions = Vec::new();
    if !c.utm_source.is_empty() {
        attributions.push(
            json!({"utmSource": c.utm_source, "utmCampaign": "wholesale-2025", "isFirst": true}),
        );
    }
    json!({
        "id": c.id,
        "locationId": location.location_id,
        "firstName": c.first_name,
        "lastName": c.last_name,
        "firstNameLowerCase": c.first_name.to_lowercase(),
        "lastNameLowerCase": c.last_name.to_lowercase(),
        "email": c.email,
        "phone": c.phone,
        "companyName": c.company_name,
        "source": c.source,
        "tags": c.tags,
        "dateAdded": time(c.date_added),
        "customFields": [],
        "attributions": attributions,
    })
}

/// Status and when it last changed, after any update through the API.
pub(crate) fn opportunity(
    location: &GoHighLevelLocation,
    o: &GhlOpportunity,
    status: &str,
    changed: DateTime<Utc>,
) -> Value {
    let contact = location.contact(&o.contact_id);
    json!({
        "id": o.id,
        "name": o.name,
        "monetaryValue": money(o.monetary_value_cents),
        "pipelineId": o.pipeline_id,
        "pipelineStageId": o.stage_id,
        "status": status,
        "source": o.source,
        "assignedTo": o.assigned_to,
        "contactId": o.contact_id,
        "locationId": location.location_id,
        "lastStatusChangeAt": time(changed),
        "createdAt": time(o.created_at),
        "updatedAt": time(changed.max(o.created_at)),
        "contact": contact.map(|c| json!({
            "id": c.id,
            "name": format!("{} {}", c.first_name, c.last_name),
            "email": c.email,
            "tags": c.tags,
        })),
    })
}
