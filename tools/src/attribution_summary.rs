//! `get_attribution_summary`: blended results from TripleWhale — ad spend across every
//! channel, store revenue, blended ROAS (MER) — and first-click credit per channel and
//! campaign.

mod channels;

pub use channels::{CampaignCredit, ChannelCredit, DIRECT, by_campaign, by_channel};

use crate::connections::ClientDirectory;
use crate::connectors::triplewhale::{PLATFORM, TripleWhaleClient};
use crate::model::{AttributedOrder, AttributionSummary};
use crate::money::{format_money, round_half_up};
use crate::range_args::{self, RawRange, change_pct, describe_change};
use async_trait::async_trait;
use omnify_core::{
    Chart, ChartKind, ChartSeries, DateRange, Provenance, Tool, ToolContext, ToolError, ToolOutput,
    ToolSpec, parse_args,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub const TOOL_NAME: &str = "get_attribution_summary";

/// Campaign lines beyond this are left out of the data.
const MAX_CAMPAIGNS: usize = 10;

#[derive(Clone)]
pub struct AttributionSummaryTool {
    directory: Arc<dyn ClientDirectory>,
}

impl AttributionSummaryTool {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self { directory }
    }
}

const DESCRIPTION: &str = "\
Blended marketing results from TripleWhale for a date range: total ad spend across every \
ad channel, store revenue and orders, blended ROAS (also called MER: revenue divided by \
total ad spend) against the previous period, and first-click attribution: orders and \
revenue credited to each channel (Facebook, Google, TikTok, email, organic, direct) and \
to the top ad campaigns, with each channel's first-click ROAS. Use it for questions like \
\"what's our blended ROAS?\", \"which channel drives the most revenue?\" or \"what is \
our MER this month?\". Dates are inclusive ISO dates (YYYY-MM-DD).";

const KEYWORDS: &[&str] = &[
    "attribution",
    "attributed",
    "blended",
    "mer",
    "blended roas",
    "first click",
    "channel",
    "channels",
    "triplewhale",
    "triple whale",
    "total ad spend",
    "which channel",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    date_range: RawRange,
}

#[async_trait]
impl Tool for AttributionSummaryTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: TOOL_NAME.to_owned(),
            description: DESCRIPTION.to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {"date_range": range_args::schema()},
                "required": ["date_range"],
                "additionalProperties": false
            }),
            keywords: KEYWORDS.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        let range = range_args::validate(&args.date_range, ctx.today)?;
        let clients = self.directory.clients(&ctx.tenant_id).await?;
        let tw = clients.get::<TripleWhaleClient>(PLATFORM).ok_or_else(|| {
            ToolError::NotConnected(
                "TripleWhale is not connected: connect it with `/omnify connect triplewhale`"
                    .to_owned(),
            )
        })?;
        let (summary, orders) = futures_util::future::join(
            tw.attribution_summary(range),
            tw.orders_with_journeys(range),
        )
        .await;
        let (summary, orders) = (summary?, orders?);
        Ok(output(&tw, range, &summary, &orders))
    }
}

fn output(
    tw: &TripleWhaleClient,
    range: DateRange,
    summary: &AttributionSummary,
    orders: &[AttributedOrder],
) -> ToolOutput {
    let currency = summary.revenue.currency.clone();
    let channels = by_channel(orders, &summary.channels);
    let campaigns = by_campaign(orders);
    let attributed: Decimal = orders.iter().map(|o| o.total.amount).sum();
    let roas = summary.blended_roas();
    let previous_roas = summary
        .previous_revenue
        .as_ref()
        .zip(summary.previous_ad_spend.as_ref())
        .filter(|(_, s)| !s.amount.is_zero())
        .map(|(r, s)| r.amount / s.amount);
    let money = |d: Decimal| round_half_up(d, 2);
    let share = |d: Decimal| {
        (!attributed.is_zero()).then(|| round_half_up(d * Decimal::ONE_HUNDRED / attributed, 1))
    };
    let data = json!({
        "shop": tw.shop_domain(),
        "date_range": {"since": range.since, "until": range.until, "days": range.days()},
        "currency": currency,
        "revenue": money(summary.revenue.amount),
        "previous_revenue": summary.previous_revenue.as_ref().map(|m| money(m.amount)),
        "revenue_change_pct": summary.previous_revenue.as_ref().and_then(|p| change_pct(summary.revenue.amount, p.amount)),
        "orders": summary.orders,
        "new_customer_revenue": summary.new_customer_revenue.as_ref().map(|m| money(m.amount)),
        "ad_spend": money(summary.ad_spend.amount),
        "previous_ad_spend": summary.previous_ad_spend.as_ref().map(|m| money(m.amount)),
        "blended_roas": roas.map(|r| round_half_up(r, 2)),
        "previous_blended_roas": previous_roas.map(|r| round_half_up(r, 2)),
        "attribution_model": "first click",
        "attributed_orders": orders.len(),
        "attributed_revenue": money(attributed),
        "channels": channels.iter().map(|c| json!({
            "source": c.source,
            "orders": c.orders,
            "revenue": money(c.revenue),
            "share_of_revenue_pct": share(c.revenue),
            "spend": c.spend.map(money),
            "first_click_roas": c.roas().map(|r| round_half_up(r, 2)),
            "platform_reported_roas": c.platform_roas,
        })).collect::<Vec<_>>(),
        "top_campaigns": campaigns.iter().take(MAX_CAMPAIGNS).map(|c| json!({
            "source": c.source,
            "campaign_id": c.campaign_id,
            "orders": c.orders,
            "revenue": money(c.revenue),
        })).collect::<Vec<_>>(),
    });
    let chart = Chart {
        title: format!("First-click revenue and ad spend by channel ({currency}), {range}"),
        kind: ChartKind::Bar,
        x_labels: channels.iter().map(|c| c.source.clone()).collect(),
        series: vec![
            ChartSeries {
                name: "Revenue (first click)".into(),
                values: channels
                    .iter()
                    .map(|c| money(c.revenue).to_f64().unwrap_or(0.0))
                    .collect(),
            },
            ChartSeries {
                name: "Ad spend".into(),
                values: channels
                    .iter()
                    .map(|c| c.spend.map_or(0.0, |s| money(s).to_f64().unwrap_or(0.0)))
                    .collect(),
            },
        ],
        ..Default::default()
    };
    let provenance = vec![
        Provenance {
            platform: PLATFORM.to_owned(),
            account: tw.shop_domain().to_owned(),
            date_range: Some(DateRange {
                since: range.previous_period().since,
                until: range.until,
            }),
            query: tw.summary_query(range),
        },
        Provenance {
            platform: PLATFORM.to_owned(),
            account: tw.shop_domain().to_owned(),
            date_range: Some(range),
            query: tw.journeys_query(range),
        },
    ];
    ToolOutput {
        summary: summary_text(
            tw.shop_domain(),
            range,
            summary,
            roas,
            previous_roas,
            &channels,
            &currency,
        ),
        data,
        provenance,
        chart: Some(chart),
    }
}

fn summary_text(
    shop: &str,
    range: DateRange,
    s: &AttributionSummary,
    roas: Option<Decimal>,
    previous_roas: Option<Decimal>,
    channels: &[ChannelCredit],
    currency: &str,
) -> String {
    let money = |d| format_money(d, currency);
    let roas_text = roas.map_or_else(
        || "n/a (no ad spend)".to_owned(),
        |r| format!("{:.2}", round_half_up(r, 2)),
    );
    let mut text = format!(
        "TripleWhale ({shop}), {range}: {} revenue from {} orders on {} total ad spend, a blended ROAS (MER) of {roas_text}",
        money(s.revenue.amount),
        s.orders,
        money(s.ad_spend.amount),
    );
    if let Some(previous) = previous_roas {
        text.push_str(&format!(
            " vs {:.2} the period before",
            round_half_up(previous, 2)
        ));
    }
    if let Some(previous) = &s.previous_revenue {
        text.push_str(&format!(
            "; revenue {}",
            describe_change(change_pct(s.revenue.amount, previous.amount))
        ));
    }
    text.push('.');
    let top: Vec<String> = channels
        .iter()
        .take(3)
        .map(|c| {
            let roas = c.roas().map_or_else(String::new, |r| {
                format!(", ROAS {:.2}", round_half_up(r, 2))
            });
            format!(
                "{} {} ({} orders{roas})",
                c.source,
                money(c.revenue),
                c.orders
            )
        })
        .collect();
    if !top.is_empty() {
        text.push_str(&format!(
            " First-click revenue by channel: {}.",
            top.join("; ")
        ));
    }
    text
}
