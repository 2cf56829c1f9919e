//! `omnify analyze fatigue|ltv|anomalies|churn|budget --input FILE.csv`: the analytics
//! on an export, for analysts who bring their own data. The columns each analytic reads
//! are in docs/analytics.md; errors name the missing or malformed column and line.

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use omnify_analytics::table::Table;
use omnify_analytics::{anomalies, budget, churn, fatigue, ltv};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Analytic {
    /// Creatives whose CTR will fall 20% below its peak (columns: date, creative,
    /// impressions, clicks).
    Fatigue,
    /// 90-day customer value, BG/NBD + Gamma-Gamma (columns: customer_id, date, amount).
    Ltv,
    /// Unusual days or hours in each metric (columns: timestamp, then metrics).
    Anomalies,
    /// Customers likely to stop buying (columns: customer_id, date, amount[, churned]).
    Churn,
    /// A daily budget split by equal marginal ROAS (columns: date, channel, spend, revenue).
    Budget,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[arg(value_enum)]
    pub analytic: Analytic,
    /// The CSV export.
    #[arg(long, value_name = "FILE.csv")]
    pub input: PathBuf,
    /// Print the full result as JSON instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// anomalies: only this metric column (default: every numeric column).
    #[arg(long)]
    pub metric: Option<String>,
    /// ltv: the forecast horizon in days; churn: the churn window in days.
    #[arg(long)]
    pub days: Option<u32>,
    /// budget: the total daily budget to split (default: the current total).
    #[arg(long)]
    pub total: Option<f64>,
    /// budget: a channel's limits, `CHANNEL=MIN:MAX` (either side may be empty); repeat.
    #[arg(long = "limit", value_name = "CHANNEL=MIN:MAX")]
    pub limits: Vec<String>,
    /// ltv, churn: the day the data ends (default: the last date in the file).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
}

pub fn run(args: AnalyzeArgs) -> anyhow::Result<()> {
    let file = std::fs::File::open(&args.input)
        .with_context(|| format!("cannot open {}", args.input.display()))?;
    let table = Table::from_reader(file).map_err(|e| in_file(&args, e))?;
    if table.is_empty() {
        bail!("{}: no data rows", args.input.display());
    }
    match args.analytic {
        Analytic::Fatigue => {
            let series = fatigue::from_csv(&table).map_err(|e| in_file(&args, e))?;
            let found = fatigue::assess_all(&series, &fatigue::FatigueSettings::default());
            output(&args, &found, || {
                found
                    .iter()
                    .map(|a| format!("{}: {:?} — {}", a.creative, a.status, a.reason))
                    .collect()
            })
        }
        Analytic::Anomalies => {
            let series = anomalies::from_csv(&table, args.metric.as_deref())
                .map_err(|e| in_file(&args, e))?;
            let found: Vec<anomalies::Anomaly> = series
                .iter()
                .flat_map(|s| anomalies::detect(s, None))
                .collect();
            output(&args, &found, || {
                if found.is_empty() {
                    return vec!["No anomalies.".into()];
                }
                found
                    .iter()
                    .map(|a| {
                        format!(
                            "{} {}: {:.2} (expected {:.2}, range {:.2}–{:.2}), {:?} {:?}",
                            a.timestamp,
                            a.metric,
                            a.value,
                            a.expected,
                            a.low,
                            a.high,
                            a.direction,
                            a.severity
                        )
                    })
                    .collect()
            })
        }
        Analytic::Ltv => {
            let transactions = ltv::from_csv(&table).map_err(|e| in_file(&args, e))?;
            let options = ltv::LtvOptions {
                horizon_days: args.days.unwrap_or(90),
                observation_end: args.as_of,
                ..ltv::LtvOptions::default()
            };
            let forecast = ltv::forecast(&transactions, &options)?;
            output(&args, &forecast, || {
                let mut lines = vec![format!(
                    "{} customers; next {} days: {:.1} purchases, value {:.2}",
                    forecast.customers.len(),
                    forecast.horizon_days,
                    forecast.total.expected_purchases,
                    forecast.total.expected_value
                )];
                lines.extend(forecast.cohorts.iter().map(|c| {
                    format!(
                        "cohort {}: {} customers, {:.1} purchases, value {:.2}, P(alive) {:.2}",
                        c.cohort,
                        c.customers,
                        c.expected_purchases,
                        c.expected_value,
                        c.mean_probability_alive
                    )
                }));
                lines
            })
        }
        Analytic::Churn => {
            let data = churn::from_csv(&table).map_err(|e| in_file(&args, e))?;
            let as_of = args
                .as_of
                .or(data.last_date)
                .context("the file has no dates")?;
            let report = match &data.labels {
                Some(labels) => churn::assess_labelled(&data.activity, labels, as_of)?,
                None => churn::assess(
                    &data.activity,
                    &churn::ChurnOptions {
                        as_of,
                        window_days: i64::from(args.days.unwrap_or(90)),
                    },
                )?,
            };
            output(&args, &report, || {
                let auc = |a: Option<f64>| a.map_or_else(|| "n/a".into(), |v| format!("{v:.2}"));
                let mut lines = vec![format!(
                    "as of {}: cross-validated AUC {}, holdout AUC {}",
                    report.as_of,
                    auc(report.cross_validated_auc),
                    auc(report.holdout_auc)
                )];
                lines.extend(report.customers.iter().take(20).map(|c| {
                    format!(
                        "{}: {:.0}% — {}",
                        c.customer_id,
                        c.risk * 100.0,
                        c.reasons.join("; ")
                    )
                }));
                lines
            })
        }
        Analytic::Budget => {
            let days = budget::from_csv(&table).map_err(|e| in_file(&args, e))?;
            let models = budget::model_channels(&days, &budget::BudgetSettings::default());
            let current: f64 = models.iter().map(|m| m.current_spend).sum();
            let bounds = parse_limits(&args.limits)?;
            let plan = budget::plan(&models, args.total.unwrap_or(current), &bounds)?;
            output(&args, &plan, || {
                let mut lines: Vec<String> = plan
                    .channels
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {:.2} → {:.2} a day",
                            c.channel, c.current_spend, c.recommended_spend
                        )
                    })
                    .collect();
                lines.push(format!(
                    "expected daily revenue {:.2} → {:.2} (change {:+.2}, 90% band {:+.2} to {:+.2}; {:.2} taken off for the optimism of a plan fitted to noisy data)",
                    plan.revenue_before,
                    plan.revenue_after,
                    plan.revenue_after - plan.revenue_before,
                    plan.change_low,
                    plan.change_high,
                    plan.optimism
                ));
                lines
            })
        }
    }
}

/// `CHANNEL=MIN:MAX` limits.
fn parse_limits(raw: &[String]) -> anyhow::Result<BTreeMap<String, budget::Bounds>> {
    let mut limits = BTreeMap::new();
    for item in raw {
        let bad =
            || anyhow::anyhow!("--limit {item:?}: expected CHANNEL=MIN:MAX, e.g. meta=500:2000");
        let (channel, range) = item.split_once('=').ok_or_else(bad)?;
        let (min, max) = range.split_once(':').ok_or_else(bad)?;
        let number = |s: &str, default: f64| -> anyhow::Result<f64> {
            if s.trim().is_empty() {
                Ok(default)
            } else {
                s.trim().parse().map_err(|_| bad())
            }
        };
        limits.insert(
            channel.trim().to_string(),
            budget::Bounds {
                min: number(min, 0.0)?,
                max: number(max, f64::INFINITY)?,
            },
        );
    }
    Ok(limits)
}

fn in_file(args: &AnalyzeArgs, e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{}: {e}", args.input.display())
}

fn output<T: Serialize>(
    args: &AnalyzeArgs,
    value: &T,
    summary: impl FnOnce() -> Vec<String>,
) -> anyhow::Result<()> {
    if args.json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        for line in summary() {
            println!("{line}");
        }
    }
    Ok(())
}
