//! `detect_anomalies`: days when a platform's spend, CPC, CPM, CTR, ROAS or revenue
//! left its expected range (`omnify_analytics::anomalies` does the maths: seasonal,
//! robust and causal).

use crate::analytics::ad_data::{fetch, lookback, lookback_days, platform_name, select_platforms};
use crate::connections::ClientDirectory;
use crate::connectors::{Detail, KNOWN_AD_PLATFORMS};
use crate::model::CampaignDay;
use async_trait::async_trait;
use chrono::{Duration, NaiveDate};
use omnify_analytics::anomalies::{
    Anomaly, AnomalySettings, Granularity, Judgement, MetricSeries, anomalies_in, judge,
};
use omnify_core::{
    Chart, ChartBand, ChartKind, ChartMarker, ChartSeries, DateRange, Tool, ToolContext, ToolError,
    ToolOutput, ToolSpec, parse_args,
};
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const TOOL_NAME: &str = "detect_anomalies";

const DEFAULT_LOOKBACK: i64 = 30;
/// Extra history fetched before the lookback so its first day is judged on eight weeks.
const WARM_UP_DAYS: i64 = 56;

/// The metrics a marketer can ask about.
pub const METRICS: &[&str] = &[
    "spend",
    "revenue",
    "roas",
    "ctr",
    "cpc",
    "cpm",
    "conversions",
];

#[derive(Clone)]
pub struct AnomalyTool {
    directory: Arc<dyn ClientDirectory>,
}

impl AnomalyTool {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self { directory }
    }
}

const DESCRIPTION: &str = "\
Anomaly detection on daily ad metrics: days when spend, revenue (purchase value), ROAS, \
CTR, CPC, CPM or conversions on a connected ad platform left its expected range, with \
the expected value and 95% range (weekday seasonality and recent level taken into \
account), the direction and a severity. Use it for \"anything weird in our ads \
lately?\", \"did tracking break?\" or \"why did ROAS drop on Tuesday?\".";

const KEYWORDS: &[&str] = &[
    "anomaly",
    "anomalies",
    "unusual",
    "weird",
    "spike",
    "drop",
    "outage",
    "tracking",
    "broke",
    "strange",
    "outlier",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default)]
    platform: Option<String>,
    #[serde(default)]
    metric: Option<String>,
    #[serde(default)]
    lookback_days: Option<i64>,
}

#[async_trait]
impl Tool for AnomalyTool {
    fn spec(&self) -> ToolSpec {
        let platforms: Vec<&str> = std::iter::once("all")
            .chain(KNOWN_AD_PLATFORMS.iter().map(|(k, _)| *k))
            .collect();
        let metrics: Vec<&str> = std::iter::once("all")
            .chain(METRICS.iter().copied())
            .collect();
        ToolSpec {
            name: TOOL_NAME.to_owned(),
            description: DESCRIPTION.to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "platform": {"type": "string", "enum": platforms, "default": "all",
                        "description": "One connected ad platform, or \"all\" (each is checked on its own)."},
                    "metric": {"type": "string", "enum": metrics, "default": "all",
                        "description": "The metric to check, or \"all\"."},
                    "lookback_days": {"type": "integer", "minimum": 1, "maximum": 180, "default": DEFAULT_LOOKBACK,
                        "description": "Report anomalies in this many days up to yesterday."}
                },
                "additionalProperties": false
            }),
            keywords: KEYWORDS.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        let days = lookback_days(args.lookback_days, DEFAULT_LOOKBACK, 1, 180)?;
        let metrics: Vec<&str> = match args.metric.as_deref().map(str::trim) {
            None | Some("all") => METRICS.to_vec(),
            Some(m) => match METRICS.iter().find(|k| k.eq_ignore_ascii_case(m)) {
                Some(k) => vec![*k],
                None => {
                    return Err(ToolError::BadArguments(format!(
                        "unknown metric {m:?}; use one of: all, {}",
                        METRICS.join(", ")
                    )));
                }
            },
        };
        let clients = self.directory.clients(&ctx.tenant_id).await?;
        let platforms = select_platforms(clients.ads(), args.platform.as_deref())?;
        let report = lookback(ctx.today, days);
        let fetch_range = DateRange {
            since: report.since - Duration::days(WARM_UP_DAYS),
            until: report.until,
        };
        let fetched = fetch(&platforms, fetch_range, Detail::Campaign).await?;
        let settings = AnomalySettings::for_granularity(Granularity::Daily);
        let mut found: Vec<(String, Anomaly)> = Vec::new();
        let mut judged: BTreeMap<(String, String), Vec<Judgement>> = BTreeMap::new();
        for (platform, totals) in daily_totals(&fetched.rows) {
            for metric in &metrics {
                let series = metric_series(metric, &totals);
                let judgements = judge(&series, Granularity::Daily, &settings);
                for anomaly in anomalies_in(&series, &judgements, &settings) {
                    if anomaly.timestamp.date() >= report.since {
                        found.push((platform.clone(), anomaly));
                    }
                }
                judged.insert((platform.clone(), (*metric).to_owned()), judgements);
            }
        }
        found.sort_by(|a, b| b.1.z.abs().total_cmp(&a.1.z.abs()));
        Ok(ToolOutput {
            summary: summarize(&found, report, &fetched.unavailable),
            data: data_json(&found, report, &metrics, &fetched.unavailable),
            chart: found.first().and_then(|(platform, top)| {
                chart(
                    platform,
                    top,
                    judged.get(&(platform.clone(), top.metric.clone()))?,
                    report,
                )
            }),
            provenance: fetched.provenance,
        })
    }
}

/// One platform's totals on one day.
#[derive(Debug, Default, Clone, Copy)]
struct DayTotals {
    spend: f64,
    revenue: f64,
    impressions: f64,
    clicks: f64,
    conversions: f64,
}

fn daily_totals(rows: &[CampaignDay]) -> BTreeMap<String, BTreeMap<NaiveDate, DayTotals>> {
    let mut out: BTreeMap<String, BTreeMap<NaiveDate, DayTotals>> = BTreeMap::new();
    for row in rows {
        let day = out
            .entry(row.platform.clone())
            .or_default()
            .entry(row.date)
            .or_default();
        day.spend += row.spend.to_f64().unwrap_or(0.0);
        day.revenue += row.revenue.to_f64().unwrap_or(0.0);
        day.impressions += row.impressions as f64;
        day.clicks += row.clicks as f64;
        day.conversions += row.conversions.to_f64().unwrap_or(0.0);
    }
    out
}

/// The metric per day; days where it is undefined (no spend, no clicks) are left out.
fn metric_series(metric: &str, days: &BTreeMap<NaiveDate, DayTotals>) -> MetricSeries {
    let ratio = |a: f64, b: f64| (b > 0.0).then(|| a / b);
    let points = days
        .iter()
        .filter_map(|(date, d)| {
            let value = match metric {
                "spend" => Some(d.spend),
                "revenue" => Some(d.revenue),
                "conversions" => Some(d.conversions),
                "roas" => ratio(d.revenue, d.spend),
                "ctr" => ratio(d.clicks * 100.0, d.impressions),
                "cpc" => ratio(d.spend, d.clicks),
                "cpm" => ratio(d.spend * 1000.0, d.impressions),
                _ => None,
            }?;
            Some((date.and_hms_opt(0, 0, 0)?, value))
        })
        .collect();
    MetricSeries {
        metric: metric.to_owned(),
        points,
    }
}

fn describe(platform: &str, a: &Anomaly) -> String {
    let change = if a.expected.abs() > 1e-9 {
        format!(" ({:+.0}%)", (a.value / a.expected - 1.0) * 100.0)
    } else {
        String::new()
    };
    format!(
        "{} {} on {} was {:.2} vs {:.2} expected{change}, {} severity",
        platform_name(platform),
        a.metric,
        a.timestamp.date(),
        a.value,
        a.expected,
        match a.severity {
            omnify_analytics::anomalies::Severity::Low => "low",
            omnify_analytics::anomalies::Severity::Medium => "medium",
            omnify_analytics::anomalies::Severity::High => "high",
        }
    )
}

fn summarize(
    found: &[(String, Anomaly)],
    range: DateRange,
    unavailable: &[(String, String)],
) -> String {
    let mut text = if found.is_empty() {
        format!("No anomalies from {range}: every metric stayed within its expected range.")
    } else {
        let days: std::collections::BTreeSet<NaiveDate> =
            found.iter().map(|(_, a)| a.timestamp.date()).collect();
        let top: Vec<String> = found.iter().take(4).map(|(p, a)| describe(p, a)).collect();
        format!(
            "{} anomal{} on {} day{} from {range}. Most severe: {}.",
            found.len(),
            if found.len() == 1 { "y" } else { "ies" },
            days.len(),
            if days.len() == 1 { "" } else { "s" },
            top.join("; ")
        )
    };
    if found.iter().any(|(_, a)| {
        matches!(a.metric.as_str(), "revenue" | "roas" | "conversions")
            && a.direction == omnify_analytics::anomalies::Direction::Down
            && a.value < 0.2 * a.expected
    }) {
        text.push_str(" Conversions fell to almost nothing while spend continued: check the pixel / conversion tracking for those days.");
    }
    for (platform, message) in unavailable {
        text.push_str(&format!(" {platform} could not be checked: {message}."));
    }
    text
}

fn data_json(
    found: &[(String, Anomaly)],
    range: DateRange,
    metrics: &[&str],
    unavailable: &[(String, String)],
) -> Value {
    let mut data = json!({
        "date_range": {"since": range.since, "until": range.until},
        "metrics": metrics,
        "anomalies": found.iter().take(50).map(|(platform, a)| json!({
            "platform": platform,
            "date": a.timestamp.date(),
            "metric": a.metric,
            "value": round(a.value),
            "expected": round(a.expected),
            "expected_range": [round(a.low), round(a.high)],
            "direction": a.direction,
            "severity": a.severity,
            "robust_z": (a.z * 10.0).round() / 10.0,
            "score": (a.score * 100.0).round() / 100.0,
        })).collect::<Vec<_>>(),
        "anomalies_omitted": found.len().saturating_sub(50),
    });
    if !unavailable.is_empty() {
        data["unavailable"] = unavailable
            .iter()
            .map(|(platform, message)| json!({"platform": platform, "message": message}))
            .collect();
    }
    data
}

fn round(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// The metric of the most severe anomaly over the reported days, its expected band,
/// and every anomaly of that metric marked.
fn chart(
    platform: &str,
    top: &Anomaly,
    judgements: &[Judgement],
    range: DateRange,
) -> Option<Chart> {
    let shown: Vec<&Judgement> = judgements
        .iter()
        .filter(|j| j.timestamp.date() >= range.since)
        .collect();
    if shown.is_empty() {
        return None;
    }
    let markers = shown
        .iter()
        .enumerate()
        .filter(|(_, j)| j.score >= 0.5)
        .map(|(x, j)| ChartMarker {
            x,
            y: Some(j.value),
            label: format!("anomaly {}", j.timestamp.date()),
        })
        .collect();
    Some(Chart {
        title: format!("{} {} by day", platform_name(platform), top.metric),
        kind: ChartKind::Line,
        x_labels: shown
            .iter()
            .map(|j| j.timestamp.date().to_string())
            .collect(),
        series: vec![ChartSeries {
            name: top.metric.clone(),
            values: shown.iter().map(|j| j.value).collect(),
        }],
        bands: vec![ChartBand {
            name: "expected range (95%)".to_owned(),
            lower: shown.iter().map(|j| j.low.unwrap_or(j.value)).collect(),
            upper: shown.iter().map(|j| j.high.unwrap_or(j.value)).collect(),
        }],
        markers,
        y_label: Some(top.metric.clone()),
        x_label: Some("Day".to_owned()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::connections::{PlatformClients, SharedClients};
    use crate::sandbox::brand::{Brand, BrandConfig};
    use crate::{MetaAdsClient, MetaConfig};
    use omnify_core::Secret;

    /// Through the Meta connector and emulator: the planted tracking outage is found.
    #[tokio::test]
    async fn finds_the_brands_tracking_outage() {
        let end = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let brand = Arc::new(Brand::generate(BrandConfig::new(42, end)));
        let outage = brand
            .ground_truth
            .anomalies
            .iter()
            .find(|a| a.platform == "meta")
            .unwrap()
            .date;
        let sandbox = crate::spawn(brand.clone(), "token".to_owned())
            .await
            .unwrap();
        let meta = MetaAdsClient::new(MetaConfig {
            base_url: sandbox.meta_base_url(),
            ..MetaConfig::new(Secret::new("token"), "act_1234567890")
        })
        .unwrap();
        let mut clients = PlatformClients::new();
        clients.ads_mut().insert(Arc::new(meta));
        let tool = AnomalyTool::new(Arc::new(SharedClients(Arc::new(clients))));
        let ctx = ToolContext {
            tenant_id: "t".into(),
            conversation_id: "c".into(),
            user_id: None,
            today: end + Duration::days(1),
        };
        let out = tool
            .call(&ctx, json!({"platform": "meta", "lookback_days": 60}))
            .await
            .unwrap();
        let anomalies = out.data["anomalies"].as_array().unwrap();
        let on_outage: Vec<&Value> = anomalies
            .iter()
            .filter(|a| a["date"] == json!(outage))
            .collect();
        let revenue = on_outage.iter().find(|a| a["metric"] == "revenue").unwrap();
        assert_eq!(revenue["direction"], "down");
        assert_eq!(revenue["severity"], "high");
        assert!(on_outage.iter().any(|a| a["metric"] == "roas"));
        // Spend was normal that day: it is not what was flagged.
        assert!(!on_outage.iter().any(|a| a["metric"] == "spend"));
        assert!(out.summary.contains(&outage.to_string()), "{}", out.summary);
        assert!(out.summary.contains("tracking"), "{}", out.summary);
        let chart = out.chart.unwrap();
        assert_eq!(chart.bands.len(), 1);
        assert!(
            chart
                .markers
                .iter()
                .any(|m| m.label.contains(&outage.to_string()))
        );
        eprintln!(
            "{}\n{}",
            out.summary,
            serde_json::to_string_pretty(&out.data).unwrap()
        );
        sandbox.shutdown().await;
    }
}
