//! `campaign-values-reports` and `flow-values-reports` computed from the brand.

use super::errors::KlaviyoFailure;
use crate::sandbox::brand::klaviyo::{KlaviyoAccount, SendStats};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Statistics the emulator computes; anything else is a 400, as on the real API.
const KNOWN: [&str; 12] = [
    "recipients",
    "delivered",
    "opens_unique",
    "open_rate",
    "clicks_unique",
    "click_rate",
    "conversions",
    "conversion_uniques",
    "conversion_rate",
    "conversion_value",
    "revenue_per_recipient",
    "bounced",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Report {
    Campaigns,
    Flows,
}

impl Report {
    fn resource_type(self) -> &'static str {
        match self {
            Self::Campaigns => "campaign-values-report",
            Self::Flows => "flow-values-report",
        }
    }
}

struct Request {
    statistics: Vec<String>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    channel: Option<String>,
}

fn parse(
    kind: Report,
    body: &Value,
    account: &KlaviyoAccount,
    today: NaiveDate,
) -> Result<Request, KlaviyoFailure> {
    let data = &body["data"];
    if data["type"].as_str() != Some(kind.resource_type()) {
        return Err(KlaviyoFailure::invalid(
            format!("data.type must be {}", kind.resource_type()),
            Some("/data/type"),
        ));
    }
    let attributes = &data["attributes"];
    let statistics: Vec<String> = attributes["statistics"]
        .as_array()
        .ok_or_else(|| {
            KlaviyoFailure::invalid(
                "statistics is required",
                Some("/data/attributes/statistics"),
            )
        })?
        .iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    if let Some(bad) = statistics.iter().find(|s| !KNOWN.contains(&s.as_str())) {
        return Err(KlaviyoFailure::invalid(
            format!("'{bad}' is not a valid statistic."),
            Some("/data/attributes/statistics"),
        ));
    }
    match attributes["conversion_metric_id"].as_str() {
        None => {
            return Err(KlaviyoFailure::invalid(
                "conversion_metric_id is required",
                Some("/data/attributes/conversion_metric_id"),
            ));
        }
        Some(id) if !account.metrics.iter().any(|(m, _)| m == id) => {
            return Err(KlaviyoFailure::invalid(
                format!("Metric {id} does not exist."),
                Some("/data/attributes/conversion_metric_id"),
            ));
        }
        Some(_) => {}
    }
    let timeframe = &attributes["timeframe"];
    let (start, end) = if let Some(key) = timeframe["key"].as_str() {
        let days = key
            .strip_prefix("last_")
            .and_then(|k| k.strip_suffix("_days"))
            .and_then(|n| n.parse::<i64>().ok())
            .ok_or_else(|| {
                KlaviyoFailure::invalid(
                    format!("Unknown timeframe key {key}"),
                    Some("/data/attributes/timeframe/key"),
                )
            })?;
        let start = (today - Duration::days(days))
            .and_time(chrono::NaiveTime::MIN)
            .and_utc();
        (start, today.and_time(chrono::NaiveTime::MIN).and_utc())
    } else {
        let time = |name: &str| {
            timeframe[name]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| {
                    KlaviyoFailure::invalid(
                        format!("timeframe.{name} must be an ISO 8601 datetime"),
                        Some("/data/attributes/timeframe"),
                    )
                })
        };
        (time("start")?, time("end")?)
    };
    if end < start || end - start > Duration::days(366) {
        return Err(KlaviyoFailure::invalid(
            "The timeframe must start before it ends and span at most 1 year.",
            Some("/data/attributes/timeframe"),
        ));
    }
    let channel = match attributes["filter"].as_str() {
        None => None,
        Some(f) => Some(
            f.strip_prefix("equals(send_channel,")
                .and_then(|r| r.strip_suffix(')'))
                .map(|c| c.trim_matches(|ch| ch == '"' || ch == '\'').to_owned())
                .ok_or_else(|| {
                    KlaviyoFailure::invalid(
                        format!("Unsupported filter {f}"),
                        Some("/data/attributes/filter"),
                    )
                })?,
        ),
    };
    Ok(Request {
        statistics,
        start,
        end,
        channel,
    })
}

#[derive(Default)]
struct Totals {
    recipients: u64,
    delivered: u64,
    opens: u64,
    clicks: u64,
    conversions: u64,
    value_cents: i64,
}

impl Totals {
    fn add(&mut self, s: &SendStats) {
        self.recipients += s.recipients;
        self.delivered += s.delivered;
        self.opens += s.opens_unique;
        self.clicks += s.clicks_unique;
        self.conversions += s.conversions;
        self.value_cents += s.conversion_value_cents;
    }

    fn statistic(&self, name: &str) -> Value {
        let rate = |n: u64| -> Value {
            if self.delivered == 0 {
                json!(0.0)
            } else {
                json!(((n as f64 / self.delivered as f64) * 10_000.0).round() / 10_000.0)
            }
        };
        match name {
            "recipients" => json!(self.recipients),
            "delivered" => json!(self.delivered),
            "bounced" => json!(self.recipients - self.delivered),
            "opens_unique" => json!(self.opens),
            "open_rate" => rate(self.opens),
            "clicks_unique" => json!(self.clicks),
            "click_rate" => rate(self.clicks),
            "conversions" | "conversion_uniques" => json!(self.conversions),
            "conversion_rate" => rate(self.conversions),
            // A JSON number, e.g. 1520.4, as Klaviyo sends it.
            "conversion_value" => json!(self.value_cents as f64 / 100.0),
            "revenue_per_recipient" => {
                if self.delivered == 0 {
                    json!(0.0)
                } else {
                    json!(
                        ((self.value_cents as f64 / 100.0 / self.delivered as f64) * 100.0).round()
                            / 100.0
                    )
                }
            }
            _ => Value::Null,
        }
    }
}

pub(crate) fn run(
    kind: Report,
    body: &Value,
    account: &KlaviyoAccount,
    today: NaiveDate,
    self_link: &str,
) -> Result<Value, KlaviyoFailure> {
    let request = parse(kind, body, account, today)?;
    let mut groups: BTreeMap<(String, String, String), Totals> = BTreeMap::new();
    let wanted_channel = |c: &str| request.channel.as_deref().is_none_or(|w| w == c);
    match kind {
        Report::Campaigns => {
            for c in account.campaigns.iter().filter(|c| {
                c.send_time >= request.start
                    && c.send_time <= request.end
                    && wanted_channel(&c.channel)
            }) {
                groups
                    .entry((c.id.clone(), c.message_id.clone(), c.channel.clone()))
                    .or_default()
                    .add(&c.stats);
            }
        }
        Report::Flows => {
            let (first, last) = (request.start.date_naive(), request.end.date_naive());
            for d in account
                .flow_days
                .iter()
                .filter(|d| d.date >= first && d.date <= last && wanted_channel(&d.channel))
            {
                groups
                    .entry((d.flow_id.clone(), d.message_id.clone(), d.channel.clone()))
                    .or_default()
                    .add(&d.stats);
            }
        }
    }
    let (id_key, message_key, related) = match kind {
        Report::Campaigns => ("campaign_id", "campaign_message_id", "campaign"),
        Report::Flows => ("flow_id", "flow_message_id", "flow"),
    };
    let mut related_ids: Vec<&String> = groups.keys().map(|(id, _, _)| id).collect();
    related_ids.dedup();
    let results: Vec<Value> = groups
        .iter()
        .map(|((id, message, channel), totals)| {
            let statistics: serde_json::Map<String, Value> = request
                .statistics
                .iter()
                .map(|s| (s.clone(), totals.statistic(s)))
                .collect();
            json!({
                "groupings": {id_key: id, message_key: message, "send_channel": channel},
                "statistics": statistics,
            })
        })
        .collect();
    Ok(json!({
        "data": {
            "type": kind.resource_type(),
            "attributes": {"results": results},
            "relationships": {
                format!("{related}s"): {"data": related_ids.iter().map(|id| json!({"type": related, "id": id})).collect::<Vec<_>>()}
            }
        },
        "links": {"self": self_link}
    }))
}
