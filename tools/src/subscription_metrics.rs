//! `get_subscription_metrics`: MRR now and at the start of a period, with the new,
//! churned and reactivated subscriptions and the churn rate, from Stripe.

mod movement;

pub use movement::{Movement, daily_mrr, movement};

use crate::connections::ClientDirectory;
use crate::connectors::stripe::{PLATFORM, StripeClient};
use crate::money::{format_money, round_half_up};
use crate::range_args::{self, RawRange};
use async_trait::async_trait;
use movement::period_instants;
use omnify_core::{
    Chart, ChartKind, ChartSeries, DateRange, Provenance, Tool, ToolContext, ToolError, ToolOutput,
    ToolSpec, parse_args,
};
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub const TOOL_NAME: &str = "get_subscription_metrics";

/// Reads the calling tenant's Stripe account.
#[derive(Clone)]
pub struct SubscriptionMetricsTool {
    directory: Arc<dyn ClientDirectory>,
}

impl SubscriptionMetricsTool {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self { directory }
    }
}

const DESCRIPTION: &str = "\
Subscription metrics from the connected Stripe account for a date range: MRR (monthly \
recurring revenue) at the start and at the end of the range, active subscribers, new, \
churned and reactivated subscriptions, the churn rate (churned over active at the \
start) and subscriptions set to cancel. Use it for questions like \"what's our MRR?\", \
\"how many members churned last month?\" or \"did churn go up this quarter?\". Dates \
are inclusive ISO dates (YYYY-MM-DD, UTC): turn relative dates into exact ones using \
today's date first.";

const KEYWORDS: &[&str] = &[
    "mrr",
    "recurring revenue",
    "subscription",
    "subscriptions",
    "subscribers",
    "members",
    "membership",
    "churn",
    "churned",
    "cancellations",
    "canceled",
    "reactivated",
    "stripe",
    "retention",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    date_range: RawRange,
}

#[async_trait]
impl Tool for SubscriptionMetricsTool {
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
        let stripe = clients.get::<StripeClient>(PLATFORM).ok_or_else(|| {
            ToolError::NotConnected(
                "Stripe is not connected: connect it with `/omnify connect stripe`".to_owned(),
            )
        })?;
        let (_, end) = period_instants(range);
        let created_until = end - chrono::Duration::seconds(1);
        let subscriptions = stripe.subscriptions(created_until).await?;
        let currency = subscriptions
            .first()
            .map_or_else(|| "USD".to_owned(), |s| s.amount.currency.clone());
        let m = movement(&subscriptions, range);
        let daily = daily_mrr(&subscriptions, range);
        let money = |d: rust_decimal::Decimal| round_half_up(d, 2);
        let data = json!({
            "account": stripe.account_id(),
            "date_range": {"since": range.since, "until": range.until, "days": range.days()},
            "currency": currency,
            "mrr_at_start": money(m.mrr_start),
            "mrr_at_end": money(m.mrr_end),
            "net_new_mrr": money(m.net_new_mrr()),
            "mrr_change_pct": range_args::change_pct(m.mrr_end, m.mrr_start),
            "active_subscriptions_at_start": m.active_start,
            "active_subscriptions_at_end": m.active_end,
            "new_subscriptions": m.new,
            "new_mrr": money(m.new_mrr),
            "reactivated_subscriptions": m.reactivated,
            "reactivated_mrr": money(m.reactivated_mrr),
            "churned_subscriptions": m.churned,
            "churned_mrr": money(m.churned_mrr),
            "churn_rate_pct": m.churn_rate_pct().map(|c| round_half_up(c, 2)),
            "scheduled_to_cancel": m.scheduled_to_cancel,
        });
        let chart = (range.days() > 1).then(|| Chart {
            title: format!("MRR at the end of each day ({currency}), {range}"),
            kind: ChartKind::Line,
            x_labels: daily.iter().map(|(d, _)| d.to_string()).collect(),
            series: vec![ChartSeries {
                name: "MRR".into(),
                values: daily
                    .iter()
                    .map(|(_, v)| money(*v).to_f64().unwrap_or(0.0))
                    .collect(),
            }],
            ..Default::default()
        });
        Ok(ToolOutput {
            summary: summary(stripe.account_id(), range, &m, &currency),
            data,
            provenance: vec![Provenance {
                platform: PLATFORM.to_owned(),
                account: stripe.account_id().to_owned(),
                date_range: Some(range),
                query: stripe.subscriptions_query(created_until),
            }],
            chart,
        })
    }
}

fn summary(account: &str, range: DateRange, m: &Movement, currency: &str) -> String {
    let money = |d| format_money(d, currency);
    let churn = m
        .churn_rate_pct()
        .map_or_else(|| "n/a".to_owned(), |c| format!("{}%", round_half_up(c, 1)));
    format!(
        "Stripe ({account}), {range}: MRR went from {} to {} ({}, {} active subscriptions now). \
         {} new and {} reactivated subscriptions added {}; {} churned, taking {} \
         (churn rate {churn} of the {} active at the start). {} more are set to cancel at \
         the end of their period.",
        money(m.mrr_start),
        money(m.mrr_end),
        range_args::describe_change(range_args::change_pct(m.mrr_end, m.mrr_start)),
        m.active_end,
        m.new,
        m.reactivated,
        money(m.new_mrr + m.reactivated_mrr),
        m.churned,
        money(m.churned_mrr),
        m.active_start,
        m.scheduled_to_cancel,
    )
}
