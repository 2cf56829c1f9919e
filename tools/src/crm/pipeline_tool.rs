//! `get_pipeline_summary`: the sales pipeline by stage, what was won and lost in a date
//! range, win rate and average deal size, against the previous period.

use super::args::{RawRange, parse_range, range_schema};
use super::pipeline_metrics::{PeriodStats, StageLine, by_stage, change_pct, period_stats};
use super::source::{CrmSource, KNOWN_CRMS};
use crate::connections::ClientDirectory;
use crate::model::{DealStatus, Pipeline};
use crate::money::format_money;
use async_trait::async_trait;
use omnify_core::{
    Chart, ChartKind, ChartSeries, DateRange, Provenance, Tool, ToolContext, ToolError, ToolOutput,
    ToolSpec, parse_args,
};
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub const TOOL_NAME: &str = "get_pipeline_summary";

#[derive(Clone)]
pub struct PipelineSummaryTool {
    directory: Arc<dyn ClientDirectory>,
}

impl PipelineSummaryTool {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self { directory }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default = "default_platform")]
    platform: String,
    date_range: RawRange,
    #[serde(default)]
    pipeline: Option<String>,
    #[serde(default = "yes")]
    compare_previous: bool,
}

fn default_platform() -> String {
    "hubspot".to_owned()
}

fn yes() -> bool {
    true
}

const DESCRIPTION: &str = "\
Sales pipeline summary from the connected CRM (HubSpot, or GoHighLevel): open deals by \
stage with counts and amounts, deals won and lost in a date range with their amounts, \
win rate (won / (won + lost)), average won deal size, and new deals created, compared with \
the previous period of the same length. Use it for \"how is the wholesale pipeline?\", \
\"what did we close last quarter?\", \"what's our win rate this month?\". Dates are \
inclusive ISO dates (YYYY-MM-DD).";

const KEYWORDS: &[&str] = &[
    "pipeline",
    "deals",
    "deal",
    "won",
    "lost",
    "win rate",
    "close",
    "closed",
    "closing",
    "forecast",
    "sales",
    "wholesale",
    "b2b",
    "stage",
    "stages",
    "hubspot",
    "gohighlevel",
    "opportunities",
    "deal size",
];

#[async_trait]
impl Tool for PipelineSummaryTool {
    fn spec(&self) -> ToolSpec {
        let platforms: Vec<&str> = KNOWN_CRMS.iter().map(|(k, _)| *k).collect();
        ToolSpec {
            name: TOOL_NAME.to_owned(),
            description: DESCRIPTION.to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "platform": {"type": "string", "enum": platforms, "default": "hubspot", "description": "Which CRM."},
                    "date_range": range_schema("Deals won, lost and created in this range."),
                    "pipeline": {"type": "string", "description": "One pipeline by name or id; all pipelines when left out."},
                    "compare_previous": {"type": "boolean", "default": true, "description": "Also compare with the previous period of the same length."}
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
        let clients = self.directory.clients(&ctx.tenant_id).await?;
        let source = CrmSource::resolve(&clients, &args.platform)?;
        let (pipelines, pipelines_query) = source.pipelines().await?;
        let chosen: Vec<&Pipeline> = match &args.pipeline {
            None => pipelines.iter().collect(),
            Some(wanted) => {
                let w = wanted.trim().to_lowercase();
                let found: Vec<&Pipeline> = pipelines
                    .iter()
                    .filter(|p| p.id.to_lowercase() == w || p.label.to_lowercase().contains(&w))
                    .take(1)
                    .collect();
                if found.is_empty() {
                    let names: Vec<&str> = pipelines.iter().map(|p| p.label.as_str()).collect();
                    return Err(ToolError::BadArguments(format!(
                        "no pipeline called {wanted:?}; the pipelines are: {}",
                        names.join(", ")
                    )));
                }
                found
            }
        };
        let pipeline_id = args
            .pipeline
            .as_ref()
            .and(chosen.first().map(|p| p.id.as_str()));
        let previous = range.previous_period();
        let window = if args.compare_previous {
            DateRange {
                since: previous.since,
                until: range.until,
            }
        } else {
            range
        };
        let found = source
            .deals_touching(window, pipeline_id, &pipelines)
            .await?;
        let deals: Vec<_> = found
            .deals
            .into_iter()
            .filter(|d| chosen.iter().any(|p| p.id == d.pipeline_id))
            .collect();
        let current = period_stats(&deals, range);
        let before = args
            .compare_previous
            .then(|| period_stats(&deals, previous));
        let stages = by_stage(&deals, &chosen, range);
        let currency = deals
            .first()
            .map_or("USD", |d| d.currency.as_str())
            .to_owned();
        let provenance = vec![
            Provenance {
                platform: source.key().to_owned(),
                account: source.account(),
                date_range: None,
                query: pipelines_query,
            },
            Provenance {
                platform: source.key().to_owned(),
                account: source.account(),
                date_range: Some(window),
                query: found.query,
            },
        ];
        let labels: Vec<&str> = chosen.iter().map(|p| p.label.as_str()).collect();
        let summary = summarize(
            &source,
            &labels,
            range,
            &current,
            before.as_ref(),
            &stages,
            &currency,
        );
        let mut data = json!({
            "platform": source.key(),
            "pipelines": labels,
            "date_range": {"since": range.since, "until": range.until, "days": range.days()},
            "currency": currency,
            "period": current.to_json(),
            "by_stage": stages.iter().map(|s| json!({
                "pipeline": s.pipeline, "stage_id": s.stage_id, "stage": s.label,
                "kind": match s.outcome { DealStatus::Open => "open now", DealStatus::Won => "won in range", _ => "lost in range" },
                "count": s.count, "amount": s.amount.to_string(),
            })).collect::<Vec<_>>(),
            "open_pipeline": {
                "count": stages.iter().filter(|s| s.outcome == DealStatus::Open).map(|s| s.count).sum::<u64>(),
                "amount": stages.iter().filter(|s| s.outcome == DealStatus::Open).map(|s| s.amount).sum::<rust_decimal::Decimal>().to_string(),
            },
        });
        if let Some(before) = &before {
            data["previous_period"] = json!({"since": previous.since, "until": previous.until});
            data["previous"] = before.to_json();
            data["change_vs_previous_pct"] = changes(&current, before);
        }
        let open: Vec<&StageLine> = stages
            .iter()
            .filter(|s| s.outcome == DealStatus::Open)
            .collect();
        let chart = (!open.is_empty()).then(|| Chart {
            title: format!("Open pipeline by stage ({currency})"),
            kind: ChartKind::Bar,
            x_labels: open.iter().map(|s| s.label.clone()).collect(),
            series: vec![ChartSeries {
                name: "Amount".to_owned(),
                values: open
                    .iter()
                    .map(|s| s.amount.to_f64().unwrap_or(0.0))
                    .collect(),
            }],
            ..Default::default()
        });
        Ok(ToolOutput {
            data,
            summary,
            provenance,
            chart,
        })
    }
}

fn changes(now: &PeriodStats, before: &PeriodStats) -> Value {
    let f = |d: rust_decimal::Decimal| d.to_f64().unwrap_or(0.0);
    json!({
        "won_amount": change_pct(f(now.won_amount), f(before.won_amount)),
        "won_count": change_pct(now.won_count as f64, before.won_count as f64),
        "created_count": change_pct(now.created_count as f64, before.created_count as f64),
        "win_rate_points": match (now.win_rate(), before.win_rate()) {
            (Some(a), Some(b)) => Some(((a - b) * 1_000.0).round() / 10.0),
            _ => None,
        },
    })
}

fn pct(rate: Option<f64>) -> String {
    rate.map_or_else(|| "n/a".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn summarize(
    source: &CrmSource,
    pipelines: &[&str],
    range: DateRange,
    now: &PeriodStats,
    before: Option<&PeriodStats>,
    stages: &[StageLine],
    currency: &str,
) -> String {
    let money = |d| format_money(d, currency);
    let mut text = format!(
        "{} pipeline ({}), {range}: won {} deals worth {}, lost {} ({}); win rate {}; average won deal {}; {} new deals worth {}.",
        source.display_name(),
        pipelines.join(", "),
        now.won_count,
        money(now.won_amount),
        now.lost_count,
        money(now.lost_amount),
        pct(now.win_rate()),
        now.average_deal_size()
            .map_or_else(|| "n/a".to_owned(), money),
        now.created_count,
        money(now.created_amount),
    );
    if let Some(b) = before {
        text.push_str(&format!(
            " Previous period: won {} worth {}, win rate {}.",
            b.won_count,
            money(b.won_amount),
            pct(b.win_rate())
        ));
    }
    let open: Vec<String> = stages
        .iter()
        .filter(|s| s.outcome == DealStatus::Open && s.count > 0)
        .map(|s| format!("{} {} ({})", s.label, s.count, money(s.amount)))
        .collect();
    if !open.is_empty() {
        let total: rust_decimal::Decimal = stages
            .iter()
            .filter(|s| s.outcome == DealStatus::Open)
            .map(|s| s.amount)
            .sum();
        text.push_str(&format!(
            " Open now: {} — {}.",
            money(total),
            open.join(", ")
        ));
    }
    text
}
