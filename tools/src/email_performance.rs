//! `get_email_performance`: how Klaviyo's campaigns and flows did over a date range:
//! recipients, open and click rates, conversions, revenue and revenue per recipient,
//! top campaigns and flows, e-mail against SMS.

use crate::connections::ClientDirectory;
use crate::connectors::klaviyo::{self, KlaviyoClient, ReportKind};
use crate::crm::args::{RawRange, parse_range, range_schema};
use crate::model::{EmailCampaignStats, FlowStats, MessageChannel, MessageMetrics};
use crate::money::format_money;
use async_trait::async_trait;
use omnify_core::{
    Chart, ChartKind, ChartSeries, Provenance, Tool, ToolContext, ToolError, ToolOutput, ToolSpec,
    parse_args,
};
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub const TOOL_NAME: &str = "get_email_performance";

/// Klaviyo reports span at most a year.
pub const MAX_RANGE_DAYS: i64 = 366;

#[derive(Clone)]
pub struct EmailPerformanceTool {
    directory: Arc<dyn ClientDirectory>,
}

impl EmailPerformanceTool {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self { directory }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ChannelChoice {
    #[default]
    All,
    Email,
    Sms,
}

impl ChannelChoice {
    fn includes(self, channel: MessageChannel) -> bool {
        match self {
            Self::All => true,
            Self::Email => channel == MessageChannel::Email,
            Self::Sms => channel == MessageChannel::Sms,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    date_range: RawRange,
    #[serde(default)]
    channel: ChannelChoice,
    #[serde(default)]
    top: Option<usize>,
}

const DESCRIPTION: &str = "\
E-mail and SMS marketing results from Klaviyo for a date range: recipients, delivered, \
open rate, click rate, conversions (placed orders), revenue and revenue per recipient, for \
campaigns and for flows (welcome, abandoned cart, post-purchase, win-back…), with the top \
campaigns and flows by revenue and e-mail compared with SMS. Use it for \"how did our \
emails do last month?\", \"which flow makes the most money?\", \"is SMS worth it?\". Dates \
are inclusive ISO dates (YYYY-MM-DD), at most a year.";

const KEYWORDS: &[&str] = &[
    "email",
    "emails",
    "e-mail",
    "klaviyo",
    "newsletter",
    "campaign",
    "campaigns",
    "flow",
    "flows",
    "sms",
    "text message",
    "open rate",
    "click rate",
    "opens",
    "clicks",
    "abandoned cart",
    "welcome",
    "win-back",
    "post-purchase",
    "revenue per recipient",
    "list",
];

#[async_trait]
impl Tool for EmailPerformanceTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: TOOL_NAME.to_owned(),
            description: DESCRIPTION.to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "date_range": range_schema("Messages sent in this range (at most a year)."),
                    "channel": {"type": "string", "enum": ["all", "email", "sms"], "default": "all"},
                    "top": {"type": "integer", "minimum": 1, "maximum": 10, "default": 5, "description": "How many top campaigns and flows to list."}
                },
                "required": ["date_range"],
                "additionalProperties": false
            }),
            keywords: KEYWORDS.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        let range = parse_range(&args.date_range, ctx.today)?;
        if range.days() > MAX_RANGE_DAYS {
            return Err(ToolError::BadArguments(format!(
                "Klaviyo reports cover at most {MAX_RANGE_DAYS} days; {range} is {} days",
                range.days()
            )));
        }
        let top = args.top.unwrap_or(5);
        if !(1..=10).contains(&top) {
            return Err(ToolError::BadArguments(format!(
                "top must be between 1 and 10, got {top}"
            )));
        }
        let clients = self.directory.clients(&ctx.tenant_id).await?;
        let client = clients
            .get::<KlaviyoClient>(klaviyo::PLATFORM)
            .ok_or_else(|| {
                ToolError::NotConnected(
                    "Klaviyo is not connected: connect it with `/omnify connect klaviyo`"
                        .to_owned(),
                )
            })?;
        // One report each: Klaviyo allows two reports a minute.
        let campaigns: Vec<EmailCampaignStats> = client
            .campaign_stats(range)
            .await?
            .into_iter()
            .filter(|c| args.channel.includes(c.channel))
            .collect();
        let flows: Vec<FlowStats> = client
            .flow_stats(range)
            .await?
            .into_iter()
            .filter(|f| args.channel.includes(f.channel))
            .collect();
        let provenance = [ReportKind::Campaigns, ReportKind::Flows]
            .into_iter()
            .map(|kind| Provenance {
                platform: klaviyo::PLATFORM.to_owned(),
                account: client.account_id().to_owned(),
                date_range: Some(range),
                query: client.report_query(kind, range),
            })
            .collect();
        Ok(render(range, top, &campaigns, &flows, provenance))
    }
}

fn sum<'a>(items: impl Iterator<Item = &'a MessageMetrics>) -> MessageMetrics {
    let mut total = MessageMetrics::default();
    items.for_each(|m| total.add(m));
    total
}

fn round4(x: Option<f64>) -> Option<f64> {
    x.map(|v| (v * 10_000.0).round() / 10_000.0)
}

fn metrics_json(m: &MessageMetrics) -> Value {
    json!({
        "recipients": m.recipients,
        "delivered": m.delivered,
        "opens": m.opens,
        "open_rate": round4(m.open_rate()),
        "clicks": m.clicks,
        "click_rate": round4(m.click_rate()),
        "conversions": m.conversions,
        "conversion_rate": round4(m.conversion_rate()),
        "revenue": m.revenue.to_string(),
        "revenue_per_recipient": m.revenue_per_recipient().map(|r| r.to_string()),
    })
}

fn pct(rate: Option<f64>) -> String {
    rate.map_or_else(|| "n/a".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn render(
    range: omnify_core::DateRange,
    top: usize,
    campaigns: &[EmailCampaignStats],
    flows: &[FlowStats],
    provenance: Vec<Provenance>,
) -> ToolOutput {
    let currency = campaigns
        .first()
        .map(|c| c.currency.clone())
        .or_else(|| flows.first().map(|f| f.currency.clone()))
        .unwrap_or_else(|| "USD".to_owned());
    let money = |d| format_money(d, &currency);
    let campaign_total = sum(campaigns.iter().map(|c| &c.metrics));
    let flow_total = sum(flows.iter().map(|f| &f.metrics));
    let total = sum([&campaign_total, &flow_total].into_iter());
    let by_channel = |channel: MessageChannel| {
        sum(campaigns
            .iter()
            .filter(|c| c.channel == channel)
            .map(|c| &c.metrics)
            .chain(
                flows
                    .iter()
                    .filter(|f| f.channel == channel)
                    .map(|f| &f.metrics),
            ))
    };
    let email = by_channel(MessageChannel::Email);
    let sms = by_channel(MessageChannel::Sms);

    let mut top_campaigns: Vec<&EmailCampaignStats> = campaigns.iter().collect();
    top_campaigns.sort_by(|a, b| {
        b.metrics
            .revenue
            .cmp(&a.metrics.revenue)
            .then(a.name.cmp(&b.name))
    });
    top_campaigns.truncate(top);
    let mut top_flows: Vec<&FlowStats> = flows.iter().collect();
    top_flows.sort_by(|a, b| {
        b.metrics
            .revenue
            .cmp(&a.metrics.revenue)
            .then(a.name.cmp(&b.name))
    });
    top_flows.truncate(top);

    let data = json!({
        "platform": klaviyo::PLATFORM,
        "date_range": {"since": range.since, "until": range.until, "days": range.days()},
        "currency": currency,
        "totals": metrics_json(&total),
        "campaigns": {"count": campaigns.len(), "totals": metrics_json(&campaign_total)},
        "flows": {"count": flows.len(), "totals": metrics_json(&flow_total)},
        "by_channel": {"email": metrics_json(&email), "sms": metrics_json(&sms)},
        "top_campaigns": top_campaigns.iter().map(|c| json!({
            "id": c.campaign_id, "name": c.name, "channel": c.channel.as_str(),
            "send_time": c.send_time, "metrics": metrics_json(&c.metrics),
        })).collect::<Vec<_>>(),
        "top_flows": top_flows.iter().map(|f| json!({
            "id": f.flow_id, "name": f.name, "status": f.status, "channel": f.channel.as_str(),
            "metrics": metrics_json(&f.metrics),
        })).collect::<Vec<_>>(),
    });

    let mut summary = format!(
        "Klaviyo, {range}: {} revenue from {} delivered messages (campaigns {} from {} sends, flows {}); revenue per recipient {}.",
        money(total.revenue),
        total.delivered,
        money(campaign_total.revenue),
        campaigns.len(),
        money(flow_total.revenue),
        total
            .revenue_per_recipient()
            .map_or_else(|| "n/a".to_owned(), |r| format_money(r, &currency)),
    );
    if email.delivered > 0 {
        summary.push_str(&format!(
            " Email: open rate {}, click rate {}, {} revenue.",
            pct(email.open_rate()),
            pct(email.click_rate()),
            money(email.revenue)
        ));
    }
    if sms.delivered > 0 {
        summary.push_str(&format!(
            " SMS: click rate {}, {} revenue.",
            pct(sms.click_rate()),
            money(sms.revenue)
        ));
    }
    if let Some(c) = top_campaigns.first() {
        summary.push_str(&format!(
            " Top campaign: {} ({}, {} {}).",
            c.name,
            money(c.metrics.revenue),
            c.channel.label(),
            match c.channel {
                MessageChannel::Email => format!("open rate {}", pct(c.metrics.open_rate())),
                MessageChannel::Sms => format!("click rate {}", pct(c.metrics.click_rate())),
            }
        ));
    }
    if let Some(f) = top_flows.first() {
        summary.push_str(&format!(
            " Top flow: {} ({}).",
            f.name,
            money(f.metrics.revenue)
        ));
    }

    let parts = [
        (
            "Campaigns - Email",
            sum(campaigns
                .iter()
                .filter(|c| c.channel == MessageChannel::Email)
                .map(|c| &c.metrics)),
        ),
        (
            "Campaigns - SMS",
            sum(campaigns
                .iter()
                .filter(|c| c.channel == MessageChannel::Sms)
                .map(|c| &c.metrics)),
        ),
        (
            "Flows - Email",
            sum(flows
                .iter()
                .filter(|f| f.channel == MessageChannel::Email)
                .map(|f| &f.metrics)),
        ),
        (
            "Flows - SMS",
            sum(flows
                .iter()
                .filter(|f| f.channel == MessageChannel::Sms)
                .map(|f| &f.metrics)),
        ),
    ];
    let shown: Vec<&(&str, MessageMetrics)> =
        parts.iter().filter(|(_, m)| m.delivered > 0).collect();
    let chart = (!shown.is_empty()).then(|| Chart {
        title: format!("Revenue by source ({currency})"),
        kind: ChartKind::Bar,
        x_labels: shown.iter().map(|(l, _)| (*l).to_owned()).collect(),
        series: vec![ChartSeries {
            name: "Revenue".to_owned(),
            values: shown
                .iter()
                .map(|(_, m)| m.revenue.to_f64().unwrap_or(0.0))
                .collect(),
        }],
        ..Default::default()
    });
    ToolOutput {
        data,
        summary,
        provenance,
        chart,
    }
}
