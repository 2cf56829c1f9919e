//! `allocate_budget`: how to split a daily ad budget across channels for the most
//! revenue, from each channel's diminishing-returns curve (`omnify_analytics::budget`).
//! A read-only recommendation: changing budgets is `change_budget`'s job, with approval.

pub mod evaluate;

pub use evaluate::{BudgetEvaluation, evaluate_budget_on_brand};

use crate::analytics::ad_data::{fetch, lookback, lookback_days, platform_name, select_platforms};
use crate::connections::ClientDirectory;
use crate::connectors::Detail;
use async_trait::async_trait;
use chrono::NaiveDate;
use omnify_analytics::budget::{
    Bounds, BudgetPlan, BudgetSettings, SpendDay, model_channels, plan,
};
use omnify_core::{
    Chart, ChartKind, ChartSeries, Tool, ToolContext, ToolError, ToolOutput, ToolSpec, parse_args,
};
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const TOOL_NAME: &str = "allocate_budget";

const DEFAULT_LOOKBACK: i64 = 90;

#[derive(Clone)]
pub struct BudgetAllocationTool {
    directory: Arc<dyn ClientDirectory>,
}

impl BudgetAllocationTool {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self { directory }
    }
}

const DESCRIPTION: &str = "\
Budget allocation: how to split a total daily ad budget across the connected platforms \
(or their campaigns) for the most revenue, from each one's diminishing-returns curve \
fitted on its daily spend and revenue. Returns current and recommended daily spend per \
channel, expected daily revenue before and after, and the expected change with a 90% \
band. A recommendation only: nothing is changed. Use it for \"where should the next \
$1,000 a day go?\", \"how should we split $5k/day?\" or \"are we overspending on Meta?\".";

const KEYWORDS: &[&str] = &[
    "budget",
    "allocate",
    "allocation",
    "reallocate",
    "split",
    "shift spend",
    "move budget",
    "diminishing returns",
    "where should",
    "optimal",
    "marginal",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default)]
    total_daily_budget: Option<f64>,
    #[serde(default)]
    limits: BTreeMap<String, Limit>,
    #[serde(default)]
    lookback_days: Option<i64>,
    #[serde(default)]
    level: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Limit {
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
}

#[async_trait]
impl Tool for BudgetAllocationTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: TOOL_NAME.to_owned(),
            description: DESCRIPTION.to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "total_daily_budget": {"type": "number", "exclusiveMinimum": 0,
                        "description": "Total daily budget to split, in the account currency; default: the current daily total."},
                    "limits": {"type": "object",
                        "description": "Daily spend limits per channel: at platform level keyed by platform (e.g. {\"meta\": {\"min\": 500, \"max\": 2000}}), at campaign level by campaign name. Without limits a channel stays within half to double its current spend, where its curve is measured.",
                        "additionalProperties": {"type": "object", "properties": {"min": {"type": "number", "minimum": 0}, "max": {"type": "number", "minimum": 0}}, "additionalProperties": false}},
                    "lookback_days": {"type": "integer", "minimum": 28, "maximum": 400, "default": DEFAULT_LOOKBACK,
                        "description": "Days of spend and revenue history to fit the curves on."},
                    "level": {"type": "string", "enum": ["platform", "campaign"], "default": "platform",
                        "description": "Split between platforms, or between campaigns."}
                },
                "additionalProperties": false
            }),
            keywords: KEYWORDS.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        let days = lookback_days(args.lookback_days, DEFAULT_LOOKBACK, 28, 400)?;
        let by_campaign = match args.level.as_deref() {
            None | Some("platform") => false,
            Some("campaign") => true,
            Some(other) => {
                return Err(ToolError::BadArguments(format!(
                    "level must be \"platform\" or \"campaign\", got {other:?}"
                )));
            }
        };
        let clients = self.directory.clients(&ctx.tenant_id).await?;
        let platforms = select_platforms(clients.ads(), None)?;
        let range = lookback(ctx.today, days);
        let fetched = fetch(&platforms, range, Detail::Campaign).await?;
        let mut sums: BTreeMap<(String, NaiveDate), (f64, f64)> = BTreeMap::new();
        for row in &fetched.rows {
            let channel = if by_campaign {
                format!("{} ({})", row.campaign_name, platform_name(&row.platform))
            } else {
                row.platform.clone()
            };
            let e = sums.entry((channel, row.date)).or_default();
            e.0 += row.spend.to_f64().unwrap_or(0.0);
            e.1 += row.revenue.to_f64().unwrap_or(0.0);
        }
        let history: Vec<SpendDay> = sums
            .into_iter()
            .map(|((channel, date), (spend, revenue))| SpendDay {
                date,
                channel,
                spend,
                revenue,
            })
            .collect();
        let models = model_channels(&history, &BudgetSettings::default());
        if models.is_empty() {
            return Err(ToolError::Failed(
                "no spend in the lookback period to learn from".to_owned(),
            ));
        }
        let current: f64 = models.iter().map(|m| m.current_spend).sum();
        let total = args.total_daily_budget.unwrap_or(current);
        if !(total.is_finite() && total > 0.0) {
            return Err(ToolError::BadArguments(format!(
                "total_daily_budget must be positive, got {total}"
            )));
        }
        for name in args.limits.keys() {
            if !models.iter().any(|m| &m.channel == name) {
                let known: Vec<&str> = models.iter().map(|m| m.channel.as_str()).collect();
                return Err(ToolError::BadArguments(format!(
                    "limits: unknown channel {name:?}; use one of: {}",
                    known.join(", ")
                )));
            }
        }
        // Curves are trusted near the spend they were measured at; the default range
        // stretches with the budget so a bigger or smaller total stays feasible.
        let scale = total / current.max(1e-9);
        let bounds: BTreeMap<String, Bounds> = models
            .iter()
            .map(|m| {
                let limit = args.limits.get(&m.channel);
                let min = limit
                    .and_then(|l| l.min)
                    .unwrap_or(0.5 * m.current_spend * scale.min(1.0));
                let max = limit
                    .and_then(|l| l.max)
                    .unwrap_or(2.0 * m.current_spend * scale.max(1.0));
                (m.channel.clone(), Bounds { min, max })
            })
            .collect();
        let result =
            plan(&models, total, &bounds).map_err(|e| ToolError::BadArguments(e.to_string()))?;
        let currency = fetched
            .rows
            .first()
            .map_or("USD", |r| r.currency.as_str())
            .to_owned();
        let label = |c: &str| {
            if by_campaign {
                c.to_owned()
            } else {
                platform_name(c)
            }
        };
        Ok(ToolOutput {
            summary: summarize(&result, &currency, &label, &fetched.unavailable),
            data: data_json(&result, &currency, range, &label),
            chart: Some(chart(&result, &currency, &label)),
            provenance: fetched.provenance,
        })
    }
}

fn summarize(
    plan: &BudgetPlan,
    currency: &str,
    label: &dyn Fn(&str) -> String,
    unavailable: &[(String, String)],
) -> String {
    let mut moves: Vec<String> = plan
        .channels
        .iter()
        .filter(|c| {
            (c.recommended_spend - c.current_spend).abs() >= 0.01 * c.current_spend.max(1.0)
        })
        .map(|c| {
            format!(
                "{} {:.0} → {:.0}",
                label(&c.channel),
                c.current_spend,
                c.recommended_spend
            )
        })
        .collect();
    if moves.is_empty() {
        moves.push("keep the current split".to_owned());
    }
    let change = plan.revenue_after - plan.revenue_before;
    let mut text = format!(
        "For a daily budget of {:.0} {currency} (now {:.0}): {}. Expected daily revenue {:.0} → {:.0} {currency} ({:+.0}, 90% band {:+.0} to {:+.0}). A recommendation only; nothing was changed.",
        plan.total_budget,
        plan.current_total,
        moves.join(", "),
        plan.revenue_before,
        plan.revenue_after,
        change,
        plan.change_low,
        plan.change_high
    );
    if plan.optimism >= 0.5 {
        text.push_str(&format!(
            " The expected change already has {:.0} {currency} a day taken off: a plan made from noisy curves overstates its own gain.",
            plan.optimism
        ));
    }
    for c in plan.channels.iter().filter(|c| c.note.is_some()) {
        text.push_str(&format!(
            " {}: {}.",
            label(&c.channel),
            c.note.as_deref().unwrap_or_default()
        ));
    }
    for (platform, message) in unavailable {
        text.push_str(&format!(" {platform} was left out: {message}."));
    }
    text
}

fn data_json(
    plan: &BudgetPlan,
    currency: &str,
    range: omnify_core::DateRange,
    label: &dyn Fn(&str) -> String,
) -> Value {
    let r = |v: f64| (v * 100.0).round() / 100.0;
    json!({
        "currency": currency,
        "fitted_on": {"since": range.since, "until": range.until},
        "total_daily_budget": r(plan.total_budget),
        "current_daily_total": r(plan.current_total),
        "expected_daily_revenue_before": r(plan.revenue_before),
        "expected_daily_revenue_after": r(plan.revenue_after),
        "expected_change": r(plan.revenue_after - plan.revenue_before),
        "expected_change_90pct": [r(plan.change_low), r(plan.change_high)],
        "optimism_taken_off": r(plan.optimism),
        "channels": plan.channels.iter().map(|c| json!({
            "channel": label(&c.channel),
            "current_daily_spend": r(c.current_spend),
            "recommended_daily_spend": r(c.recommended_spend),
            "expected_revenue_before": r(c.revenue_before),
            "expected_revenue_after": r(c.revenue_after),
            "expected_change_90pct": [r(c.change_low), r(c.change_high)],
            "marginal_roas_after": c.marginal_roas_after.map(r),
            "elasticity": c.curve.map(|k| (k.b * 1000.0).round() / 1000.0),
            "elasticity_measured_alone": c.measured_elasticity.map(|(b, se)| json!({
                "value": (b * 1000.0).round() / 1000.0,
                "standard_error": (se * 1000.0).round() / 1000.0,
            })),
            "note": c.note,
        })).collect::<Vec<_>>(),
    })
}

fn chart(plan: &BudgetPlan, currency: &str, label: &dyn Fn(&str) -> String) -> Chart {
    Chart {
        title: "Daily budget: current vs recommended".to_owned(),
        kind: ChartKind::Bar,
        x_labels: plan.channels.iter().map(|c| label(&c.channel)).collect(),
        series: vec![
            ChartSeries {
                name: "current".to_owned(),
                values: plan.channels.iter().map(|c| c.current_spend).collect(),
            },
            ChartSeries {
                name: "recommended".to_owned(),
                values: plan.channels.iter().map(|c| c.recommended_spend).collect(),
            },
        ],
        y_label: Some(format!("Daily spend ({currency})")),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::analytics::fatigue::tests_support::meta_tool_context;

    #[tokio::test]
    async fn analytics_allocate_budget_through_the_meta_emulator() {
        let (directory, ctx, sandbox) = meta_tool_context().await;
        let tool = BudgetAllocationTool::new(directory);
        let out = tool.call(&ctx, json!({"level": "campaign"})).await.unwrap();
        let channels = out.data["channels"].as_array().unwrap();
        assert_eq!(channels.len(), 4);
        let spent: f64 = channels
            .iter()
            .map(|c| c["recommended_daily_spend"].as_f64().unwrap())
            .sum();
        let total = out.data["total_daily_budget"].as_f64().unwrap();
        assert!((spent - total).abs() < 0.05, "{spent} vs {total}");
        // Black Friday Teaser has only 20 days: it keeps its spend and says why.
        assert!(
            out.summary.contains("Black Friday Teaser"),
            "{}",
            out.summary
        );
        assert!(
            out.summary.contains("nothing was changed"),
            "{}",
            out.summary
        );
        let chart = out.chart.unwrap();
        assert_eq!(chart.kind, ChartKind::Bar);
        assert_eq!(chart.series.len(), 2);
        let err = tool
            .call(&ctx, json!({"limits": {"snapchat": {"max": 5}}}))
            .await
            .unwrap_err();
        assert!(matches!(err, ToolError::BadArguments(m) if m.contains("meta")));
        let bigger = tool
            .call(&ctx, json!({"total_daily_budget": 2000.0}))
            .await
            .unwrap();
        assert_eq!(bigger.data["total_daily_budget"], json!(2000.0));
        eprintln!("{}", bigger.summary);
        sandbox.shutdown().await;
    }
}
