//! Klaviyo (e-mail and SMS campaigns and flows) through its JSON:API.
//!
//! [`KlaviyoClient`] speaks the API; this module joins the values reports with the
//! campaign and flow lists into [`EmailCampaignStats`] and [`FlowStats`].

mod client;
mod errors;
pub mod limiter;
mod wire;

pub use client::{FlowStatus, KlaviyoClient, KlaviyoConfig, ReportKind, STATISTICS};
pub use errors::KlaviyoError;
pub use limiter::ReportingLimit;
pub use wire::{ReportRow, Resource};

use crate::model::{EmailCampaignStats, FlowStats, MessageChannel, MessageMetrics};
use crate::money::parse_decimal;
use chrono::{DateTime, Utc};
use omnify_core::DateRange;
use std::collections::BTreeMap;

/// Registry key of Klaviyo.
pub const PLATFORM: &str = "klaviyo";

fn channel(text: Option<&String>) -> MessageChannel {
    match text.map(String::as_str) {
        Some("sms") => MessageChannel::Sms,
        _ => MessageChannel::Email,
    }
}

/// A report row's counts and revenue; rates are recomputed from the counts.
pub fn metrics(row: &ReportRow) -> Result<MessageMetrics, KlaviyoError> {
    let count = |name: &str| -> Result<u64, KlaviyoError> {
        match row.statistics.get(name) {
            None => Ok(0),
            Some(n) => n
                .as_u64()
                .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f.round() as u64))
                .ok_or_else(|| KlaviyoError::Malformed(format!("{name} is not a count: {n}"))),
        }
    };
    let revenue = match row.statistics.get("conversion_value") {
        None => Default::default(),
        // The number's own text ("1520.4"), so no float rounding creeps in.
        Some(n) => parse_decimal(&n.to_string())
            .map_err(|_| KlaviyoError::Malformed(format!("conversion_value is not money: {n}")))?,
    };
    Ok(MessageMetrics {
        recipients: count("recipients")?,
        delivered: count("delivered")?,
        opens: count("opens_unique")?,
        clicks: count("clicks_unique")?,
        conversions: count("conversions")?,
        revenue,
    })
}

impl KlaviyoClient {
    /// Every campaign message sent in `range` with its results, named from the
    /// campaign lists.
    pub async fn campaign_stats(
        &self,
        range: DateRange,
    ) -> Result<Vec<EmailCampaignStats>, KlaviyoError> {
        let rows = self.values_report(ReportKind::Campaigns, range).await?;
        let mut campaigns = self.campaigns("email").await?;
        campaigns.extend(self.campaigns("sms").await?);
        let by_id: BTreeMap<&str, &Resource> =
            campaigns.iter().map(|c| (c.id.as_str(), c)).collect();
        rows.iter()
            .map(|row| {
                let id = row
                    .groupings
                    .get("campaign_id")
                    .cloned()
                    .unwrap_or_default();
                let campaign = by_id.get(id.as_str());
                Ok(EmailCampaignStats {
                    platform: PLATFORM.to_owned(),
                    account_id: self.account_id().to_owned(),
                    message_id: row
                        .groupings
                        .get("campaign_message_id")
                        .cloned()
                        .unwrap_or_default(),
                    name: campaign
                        .and_then(|c| c.text("name"))
                        .unwrap_or(id.as_str())
                        .to_owned(),
                    send_time: campaign
                        .and_then(|c| c.text("send_time"))
                        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| t.with_timezone(&Utc)),
                    channel: channel(row.groupings.get("send_channel")),
                    metrics: metrics(row)?,
                    currency: "USD".to_owned(),
                    campaign_id: id,
                })
            })
            .collect()
    }

    /// Each flow's results in `range`, one entry per flow and channel (its messages
    /// added up).
    pub async fn flow_stats(&self, range: DateRange) -> Result<Vec<FlowStats>, KlaviyoError> {
        let rows = self.values_report(ReportKind::Flows, range).await?;
        let flows = self.flows().await?;
        let by_id: BTreeMap<&str, &Resource> = flows.iter().map(|f| (f.id.as_str(), f)).collect();
        let mut out: BTreeMap<(String, MessageChannel), FlowStats> = BTreeMap::new();
        for row in &rows {
            let id = row.groupings.get("flow_id").cloned().unwrap_or_default();
            let channel = channel(row.groupings.get("send_channel"));
            let flow = by_id.get(id.as_str());
            let entry = out
                .entry((id.clone(), channel))
                .or_insert_with(|| FlowStats {
                    platform: PLATFORM.to_owned(),
                    account_id: self.account_id().to_owned(),
                    name: flow
                        .and_then(|f| f.text("name"))
                        .unwrap_or(id.as_str())
                        .to_owned(),
                    status: flow
                        .and_then(|f| f.text("status"))
                        .unwrap_or_default()
                        .to_owned(),
                    trigger: flow.and_then(|f| f.text("trigger_type")).map(str::to_owned),
                    flow_id: id.clone(),
                    channel,
                    metrics: MessageMetrics::default(),
                    currency: "USD".to_owned(),
                });
            entry.metrics.add(&metrics(row)?);
        }
        Ok(out.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    #[test]
    fn the_documented_report_row_parses_exactly() {
        let row: ReportRow = serde_json::from_value(serde_json::json!({
            "groupings": {"send_channel": "email", "campaign_id": "01GMRWDSA0ARTAKE1SFX8JGXAY", "campaign_message_id": "01GMRWDSA0ARTAKE1SFX8JGXAY"},
            "statistics": {"opens_unique": 123, "open_rate": 0.8253, "conversion_value": 1520.4}
        }))
        .unwrap();
        let m = metrics(&row).unwrap();
        assert_eq!(m.opens, 123);
        assert_eq!(m.revenue, Decimal::from_str("1520.4").unwrap());
        assert_eq!(m.delivered, 0);
        assert_eq!(
            channel(row.groupings.get("send_channel")),
            MessageChannel::Email
        );
    }
}
