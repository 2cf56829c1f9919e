//! Campaign, flow and metric lists as JSON:API resources, with `page[cursor]` paging.

use super::errors::KlaviyoFailure;
use crate::sandbox::brand::klaviyo::{KlaviyoAccount, KlaviyoCampaign, KlaviyoFlow};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

/// Klaviyo's timestamp format (`2025-03-01T15:00:00+00:00`).
pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

pub(crate) fn campaign(c: &KlaviyoCampaign, base: &str) -> Value {
    json!({
        "type": "campaign",
        "id": c.id,
        "attributes": {
            "name": c.name,
            "status": c.status,
            "archived": false,
            "audiences": {"included": ["Xy7Lst"], "excluded": []},
            "send_options": {"use_smart_sending": true},
            "tracking_options": {"add_tracking_params": true, "is_tracking_clicks": true, "is_tracking_opens": c.channel == "email"},
            "send_strategy": {"method": "static", "datetime": time(c.send_time)},
            "created_at": time(c.created_at),
            "scheduled_at": time(c.send_time - chrono::Duration::hours(20)),
            "updated_at": time(c.send_time),
            "send_time": time(c.send_time),
        },
        "relationships": {"campaign-messages": {"data": [{"type": "campaign-message", "id": c.message_id}]}},
        "links": {"self": format!("{base}/api/campaigns/{}/", c.id)},
    })
}

pub(crate) fn flow(f: &KlaviyoFlow, status: &str, updated: DateTime<Utc>, base: &str) -> Value {
    json!({
        "type": "flow",
        "id": f.id,
        "attributes": {
            "name": f.name,
            "status": status,
            "archived": false,
            "created": time(f.created_at),
            "updated": time(updated),
            "trigger_type": f.trigger_type,
        },
        "links": {"self": format!("{base}/api/flows/{}/", f.id)},
    })
}

pub(crate) fn metrics(account: &KlaviyoAccount, base: &str) -> Vec<Value> {
    account
        .metrics
        .iter()
        .map(|(id, name)| {
            json!({
                "type": "metric",
                "id": id,
                "attributes": {"name": name, "created": "2024-01-10T12:00:00+00:00", "updated": "2024-01-10T12:00:00+00:00",
                               "integration": {"object": "integration", "name": "Shopify", "category": "eCommerce"}},
                "links": {"self": format!("{base}/api/metrics/{id}/")},
            })
        })
        .collect()
}

/// Opaque to clients, like Klaviyo's `bmV4dDo6…` cursors.
fn encode_cursor(offset: usize) -> String {
    format!("bmV4dDo6{offset:x}")
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    usize::from_str_radix(cursor.strip_prefix("bmV4dDo6")?, 16).ok()
}

/// One page of `items` per `page[size]` (default and max given) and `page[cursor]`.
/// `url` is this request's full URL, to build `links.next` from.
pub(crate) fn page(
    items: Vec<Value>,
    params: &[(String, String)],
    url: &str,
    default_size: usize,
    max_size: usize,
) -> Result<Value, KlaviyoFailure> {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let size = match get("page[size]") {
        None => default_size,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=max_size).contains(&n) => n,
            _ => {
                return Err(KlaviyoFailure::invalid(
                    format!("page[size] must be between 1 and {max_size}"),
                    None,
                ));
            }
        },
    };
    let offset = match get("page[cursor]") {
        None => 0,
        Some(c) => {
            decode_cursor(c).ok_or_else(|| KlaviyoFailure::invalid("Invalid page cursor", None))?
        }
    };
    let total = items.len();
    let end = (offset + size).min(total);
    let data: Vec<Value> = items
        .into_iter()
        .skip(offset)
        .take(end.saturating_sub(offset))
        .collect();
    let mut links = json!({"self": url});
    if end < total {
        let pairs: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k != "page[cursor]")
            .cloned()
            .chain(std::iter::once((
                "page[cursor]".to_owned(),
                encode_cursor(end),
            )))
            .collect();
        let base = url.split('?').next().unwrap_or(url);
        if let Ok(next) = reqwest::Url::parse_with_params(base, &pairs) {
            links["next"] = json!(next.to_string());
        }
    }
    Ok(json!({"data": data, "links": links}))
}
