//! `get_store_sales`: what the Shopify store sold over a date range — revenue, orders,
//! average order value, refunds, new versus returning customers — against the period
//! before.

mod sales;

pub use sales::{SalesTotals, by_day};

use crate::connections::ClientDirectory;
use crate::connectors::shopify::{PLATFORM, ShopifyClient};
use crate::model::Order;
use crate::money::{format_money, round_half_up};
use crate::range_args::{self, RawRange, describe_change};
use async_trait::async_trait;
use omnify_core::{
    Chart, ChartKind, ChartSeries, DateRange, Provenance, Tool, ToolContext, ToolError, ToolOutput,
    ToolSpec, parse_args,
};
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub const TOOL_NAME: &str = "get_store_sales";

/// Reads the calling tenant's Shopify store.
#[derive(Clone)]
pub struct StoreSalesTool {
    directory: Arc<dyn ClientDirectory>,
}

impl StoreSalesTool {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self { directory }
    }
}

const DESCRIPTION: &str = "\
Store sales from the connected Shopify store for a date range: revenue (gross sales), \
orders, average order value (AOV), refunds on those orders, net revenue, and new versus \
returning customers, with the change versus the previous period of the same length. \
Optionally broken down by day. Use it for questions like \"how much did the store sell \
last week?\", \"what is our AOV this month?\" or \"how many new customers did we get \
yesterday?\". Dates are inclusive ISO dates (YYYY-MM-DD) in the store's time zone: turn \
relative dates into exact ones using today's date first.";

const KEYWORDS: &[&str] = &[
    "sales",
    "sold",
    "store",
    "shop",
    "shopify",
    "orders",
    "order",
    "aov",
    "average order value",
    "refunds",
    "refunded",
    "new customers",
    "returning customers",
    "repeat customers",
    "revenue",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    date_range: RawRange,
    #[serde(default = "yes")]
    compare_previous: bool,
    #[serde(default)]
    breakdown: Breakdown,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Breakdown {
    #[default]
    None,
    Day,
}

#[async_trait]
impl Tool for StoreSalesTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: TOOL_NAME.to_owned(),
            description: DESCRIPTION.to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "date_range": range_args::schema(),
                    "compare_previous": {
                        "type": "boolean",
                        "default": true,
                        "description": "Also report the previous period of equal length and the change."
                    },
                    "breakdown": {
                        "type": "string",
                        "enum": ["none", "day"],
                        "default": "none",
                        "description": "\"day\" adds one line per day."
                    }
                },
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
        let shop = clients.get::<ShopifyClient>(PLATFORM).ok_or_else(|| {
            ToolError::NotConnected(
                "Shopify is not connected: connect it with `/omnify connect shopify`".to_owned(),
            )
        })?;
        // One request covering both periods: API cost is the scarce thing.
        let fetch_range = if args.compare_previous {
            DateRange {
                since: range.previous_period().since,
                until: range.until,
            }
        } else {
            range
        };
        let orders = shop.orders(fetch_range).await?;
        Ok(report(&shop, &args, range, fetch_range, &orders))
    }
}

fn report(
    shop: &ShopifyClient,
    args: &Args,
    range: DateRange,
    fetch_range: DateRange,
    orders: &[Order],
) -> ToolOutput {
    let within = |r: DateRange| {
        move |o: &&Order| {
            let day = o.created_at.date_naive();
            day >= r.since && day <= r.until
        }
    };
    let current: Vec<&Order> = orders.iter().filter(within(range)).collect();
    let previous_range = range.previous_period();
    let previous: Vec<&Order> = if args.compare_previous {
        orders.iter().filter(within(previous_range)).collect()
    } else {
        Vec::new()
    };
    let currency = current
        .first()
        .or(previous.first())
        .map_or_else(|| "USD".to_owned(), |o| o.total.currency.clone());
    let totals = SalesTotals::from_orders(current.iter().copied());
    let previous_totals = SalesTotals::from_orders(previous.iter().copied());

    let mut data = json!({
        "store": shop.shop_domain(),
        "date_range": {"since": range.since, "until": range.until, "days": range.days()},
        "currency": currency,
        "totals": totals.to_json(),
    });
    if args.compare_previous {
        data["previous_period"] =
            json!({"since": previous_range.since, "until": previous_range.until});
        data["previous_totals"] = previous_totals.to_json();
        data["change_vs_previous_pct"] = totals.changes_pct(&previous_totals);
    }
    let days = by_day(range, &current);
    if args.breakdown == Breakdown::Day {
        data["by_day"] = days
            .iter()
            .map(|(day, t)| {
                let mut line = t.to_json();
                line["date"] = json!(day);
                line
            })
            .collect();
    }
    let chart = (range.days() > 1).then(|| Chart {
        title: format!("Daily store revenue and orders ({currency}), {range}"),
        kind: ChartKind::Line,
        x_labels: days.keys().map(|d| d.to_string()).collect(),
        series: vec![
            ChartSeries {
                name: "Revenue".into(),
                values: days
                    .values()
                    .map(|t| round_half_up(t.revenue, 2).to_f64().unwrap_or(0.0))
                    .collect(),
            },
            ChartSeries {
                name: "Orders".into(),
                values: days.values().map(|t| t.orders as f64).collect(),
            },
        ],
        ..Default::default()
    });
    ToolOutput {
        summary: summary(
            shop.shop_domain(),
            range,
            args.compare_previous,
            &totals,
            &previous_totals,
            &currency,
        ),
        data,
        provenance: vec![Provenance {
            platform: PLATFORM.to_owned(),
            account: shop.shop_domain().to_owned(),
            date_range: Some(fetch_range),
            query: shop.orders_query(fetch_range),
        }],
        chart,
    }
}

fn summary(
    store: &str,
    range: DateRange,
    compare: bool,
    totals: &SalesTotals,
    previous: &SalesTotals,
    currency: &str,
) -> String {
    let money = |d| format_money(d, currency);
    let mut text = format!(
        "Shopify ({store}), {range}: revenue {} from {} orders",
        money(totals.revenue),
        totals.orders
    );
    if let Some(aov) = totals.aov() {
        text.push_str(&format!(" (AOV {})", money(aov)));
    }
    if compare {
        text.push_str(&format!(
            ", {} vs the previous {} days ({}).",
            describe_change(range_args::change_pct(totals.revenue, previous.revenue)),
            range.days(),
            money(previous.revenue)
        ));
    } else {
        text.push('.');
    }
    text.push_str(&format!(
        " Refunds on these orders so far: {}, leaving net revenue of {}.",
        money(totals.refunds),
        money(totals.net_revenue())
    ));
    text.push_str(&format!(
        " Customers: {} new and {} returning; new customers placed {} orders worth {}.",
        totals.new_customers,
        totals.returning_customers,
        totals.new_customer_orders,
        money(totals.new_customer_revenue)
    ));
    text
}
