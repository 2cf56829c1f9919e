//! `predict_creative_fatigue`: which creatives will lose their click-through rate
//! soon, from ad-level daily delivery (`omnify_analytics::fatigue` does the maths).

pub mod evaluate;

pub use evaluate::{FatigueEvaluation, evaluate_on_brand, evaluate_with_known_thresholds};

use super::ad_data::{
    fetch, lookback, lookback_days, platform_name, provenance_of, select_platforms,
};
use crate::connections::ClientDirectory;
use crate::connectors::{AdPlatform, Detail, KNOWN_AD_PLATFORMS};
use crate::model::CampaignDay;
use async_trait::async_trait;
use chrono::NaiveDate;
use futures_util::future::join_all;
use omnify_analytics::fatigue::{
    CreativeDay, CreativeSeries, FatigueAssessment, FatigueSettings, FatigueStatus, assess_all,
    trailing_ctr,
};
use omnify_core::{
    Chart, ChartKind, ChartMarker, ChartSeries, DateRange, Provenance, Tool, ToolContext,
    ToolError, ToolOutput, ToolSpec, parse_args,
};
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const TOOL_NAME: &str = "predict_creative_fatigue";

const DEFAULT_LOOKBACK: i64 = 90;

#[derive(Clone)]
pub struct CreativeFatigueTool {
    directory: Arc<dyn ClientDirectory>,
    settings: FatigueSettings,
}

impl CreativeFatigueTool {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self {
            directory,
            settings: FatigueSettings::default(),
        }
    }
}

const DESCRIPTION: &str = "\
Creative fatigue forecast: which ads' creatives will see their click-through rate (CTR) \
fall 20% below its peak in the next 14 days, with the predicted date, days left and a \
confidence, and which are already fatigued. Reads ad-level daily delivery from the \
connected ad platforms. Use it for \"which creatives are burning out?\", \"what should \
we refresh?\" or \"is our ad fatigue getting worse?\".";

const KEYWORDS: &[&str] = &[
    "fatigue",
    "fatigued",
    "creative",
    "creatives",
    "refresh",
    "burn out",
    "burning out",
    "wearing out",
    "ctr dropping",
    "ad fatigue",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default)]
    platform: Option<String>,
    #[serde(default)]
    lookback_days: Option<i64>,
}

#[async_trait]
impl Tool for CreativeFatigueTool {
    fn spec(&self) -> ToolSpec {
        let platforms: Vec<&str> = std::iter::once("all")
            .chain(KNOWN_AD_PLATFORMS.iter().map(|(k, _)| *k))
            .collect();
        ToolSpec {
            name: TOOL_NAME.to_owned(),
            description: DESCRIPTION.to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "platform": {"type": "string", "enum": platforms, "default": "all",
                        "description": "One connected ad platform, or \"all\"."},
                    "lookback_days": {"type": "integer", "minimum": 28, "maximum": 400, "default": DEFAULT_LOOKBACK,
                        "description": "Days of history to judge each creative on (its peak is found in them)."}
                },
                "additionalProperties": false
            }),
            keywords: KEYWORDS.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        let days = lookback_days(args.lookback_days, DEFAULT_LOOKBACK, 28, 400)?;
        let clients = self.directory.clients(&ctx.tenant_id).await?;
        let platforms = select_platforms(clients.ads(), args.platform.as_deref())?;
        let range = lookback(ctx.today, days);
        let fetched = fetch(&platforms, range, Detail::Ad).await?;
        let mut unavailable = fetched.unavailable;
        let mut provenance = fetched.provenance;
        let answered: Vec<Arc<dyn AdPlatform>> = platforms
            .iter()
            .filter(|p| provenance.iter().any(|q| q.platform == p.key()))
            .cloned()
            .collect();
        let frequency = frequencies(&answered, range, &mut provenance, &mut unavailable).await;
        let (series, without_ads) = creatives(&fetched.rows, &frequency);
        for key in without_ads {
            unavailable.push((
                platform_name(&key),
                "ad-level rows are not available from this platform, so its creatives cannot be judged"
                    .to_owned(),
            ));
        }
        let assessments = assess_all(&series, &self.settings);
        Ok(ToolOutput {
            summary: summarize(&assessments, &unavailable, self.settings.horizon_days),
            data: data_json(&assessments, &unavailable, range),
            chart: chart(&series, &assessments, &self.settings),
            provenance,
        })
    }
}

/// Lifetime frequency by (platform, ad, day), from the platforms that report it. A
/// platform whose frequency cannot be read is judged on CTR alone, and the answer says
/// so.
async fn frequencies(
    platforms: &[Arc<dyn AdPlatform>],
    range: DateRange,
    provenance: &mut Vec<Provenance>,
    unavailable: &mut Vec<(String, String)>,
) -> BTreeMap<(String, String, NaiveDate), f64> {
    let calls = platforms
        .iter()
        .map(|p| async move { (p.clone(), p.lifetime_frequency(range).await) });
    let mut by_day = BTreeMap::new();
    for (platform, result) in join_all(calls).await {
        match result {
            Ok(None) => {}
            Ok(Some(report)) => {
                provenance.push(provenance_of(platform.as_ref(), range, report.query));
                for row in report.rows {
                    by_day.insert(
                        (platform.key().to_owned(), row.ad_id, row.date),
                        row.frequency,
                    );
                }
            }
            Err(error) => {
                tracing::warn!(platform = platform.key(), %error, "lifetime frequency fetch failed");
                unavailable.push((
                    platform.display_name().to_owned(),
                    format!("lifetime frequency could not be read ({error}), so its creatives were judged on CTR alone"),
                ));
            }
        }
    }
    by_day
}

/// One series per (platform, ad), named after the ad, with its lifetime frequency
/// where the platform reported it; and the platforms whose rows had no ad id.
fn creatives(
    rows: &[CampaignDay],
    frequency: &BTreeMap<(String, String, NaiveDate), f64>,
) -> (Vec<CreativeSeries>, Vec<String>) {
    let mut by_ad: BTreeMap<(String, String), CreativeSeries> = BTreeMap::new();
    let mut without_ads = std::collections::BTreeSet::new();
    for row in rows {
        let Some(ad_id) = &row.ad_id else {
            without_ads.insert(row.platform.clone());
            continue;
        };
        let name = row
            .creative
            .clone()
            .or_else(|| row.ad_name.clone())
            .unwrap_or_else(|| format!("Ad {ad_id}"));
        let series = by_ad
            .entry((row.platform.clone(), ad_id.clone()))
            .or_insert_with(|| CreativeSeries {
                creative: name,
                platform: Some(row.platform.clone()),
                days: Vec::new(),
            });
        series.days.push(CreativeDay {
            date: row.date,
            impressions: row.impressions as f64,
            clicks: row.clicks as f64,
            conversions: row.conversions.to_f64(),
            spend: row.spend.to_f64(),
            frequency: frequency
                .get(&(row.platform.clone(), ad_id.clone(), row.date))
                .copied(),
        });
    }
    (
        by_ad.into_values().collect(),
        without_ads.into_iter().collect(),
    )
}

/// Warnings soonest first, then fatigued creatives by how far they have fallen.
fn at_risk(
    assessments: &[FatigueAssessment],
) -> (Vec<&FatigueAssessment>, Vec<&FatigueAssessment>) {
    let mut warnings: Vec<&FatigueAssessment> = assessments
        .iter()
        .filter(|a| a.status == FatigueStatus::Warning)
        .collect();
    warnings.sort_by(|a, b| {
        a.days_left
            .cmp(&b.days_left)
            .then(b.confidence.total_cmp(&a.confidence))
    });
    let mut fatigued: Vec<&FatigueAssessment> = assessments
        .iter()
        .filter(|a| a.status == FatigueStatus::Fatigued)
        .collect();
    fatigued.sort_by(|a, b| (a.current_ctr / a.peak_ctr).total_cmp(&(b.current_ctr / b.peak_ctr)));
    (warnings, fatigued)
}

fn label(a: &FatigueAssessment) -> String {
    match &a.platform {
        Some(p) => format!("{} ({})", a.creative, platform_name(p)),
        None => a.creative.clone(),
    }
}

fn summarize(
    assessments: &[FatigueAssessment],
    unavailable: &[(String, String)],
    horizon: i64,
) -> String {
    let (warnings, fatigued) = at_risk(assessments);
    let judged = assessments
        .iter()
        .filter(|a| a.status != FatigueStatus::NotEnoughData)
        .count();
    let mut text = if warnings.is_empty() {
        format!(
            "No creative is predicted to fatigue in the next {horizon} days ({judged} checked)."
        )
    } else {
        let list: Vec<String> = warnings
            .iter()
            .take(5)
            .map(|a| {
                format!(
                    "{} around {} ({} days, {:.0}% confidence; CTR {:.2}% vs peak {:.2}%)",
                    label(a),
                    a.predicted_date
                        .map_or_else(String::new, |d| d.format("%b %-d").to_string()),
                    a.days_left.unwrap_or(0),
                    a.confidence * 100.0,
                    a.current_ctr * 100.0,
                    a.peak_ctr * 100.0
                )
            })
            .collect();
        let more = warnings.len().saturating_sub(5);
        format!(
            "{} creative{} will fatigue in the next {horizon} days: {}{}; refresh {} first.",
            warnings.len(),
            if warnings.len() == 1 { "" } else { "s" },
            list.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            },
            warnings[0].creative
        )
    };
    if !fatigued.is_empty() {
        let names: Vec<String> = fatigued
            .iter()
            .take(5)
            .map(|a| {
                format!(
                    "{} ({:.0}% below peak)",
                    label(a),
                    (1.0 - a.current_ctr / a.peak_ctr) * 100.0
                )
            })
            .collect();
        text.push_str(&format!(
            " Already fatigued (CTR 20%+ below peak): {}.",
            names.join(", ")
        ));
    }
    text.push_str(&frequency_note(assessments));
    for (platform, message) in unavailable {
        text.push_str(&format!(" {platform}: {message}."));
    }
    text
}

/// Which platforms' creatives were also judged on lifetime frequency, and where this
/// account's creatives start to fatigue on each.
fn frequency_note(assessments: &[FatigueAssessment]) -> String {
    let mut by_platform: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for a in assessments {
        if let (Some(platform), Some(f)) = (&a.platform, &a.frequency) {
            by_platform
                .entry(platform_name(platform))
                .or_insert((f.threshold_mean, f.learned_from));
        }
    }
    let parts: Vec<String> = by_platform
        .into_iter()
        .map(|(name, (threshold, learned))| {
            let source = if learned == 0 {
                "the industry rule of thumb until one of them fatigues".to_owned()
            } else {
                format!("learned from {learned} that did")
            };
            format!("{name} creatives start to fatigue around a lifetime frequency of {threshold:.1} ({source})")
        })
        .collect();
    if parts.is_empty() {
        return String::new();
    }
    format!(
        " Judged on CTR and lifetime frequency where reported: {}.",
        parts.join("; ")
    )
}

fn data_json(
    assessments: &[FatigueAssessment],
    unavailable: &[(String, String)],
    range: omnify_core::DateRange,
) -> Value {
    let (warnings, fatigued) = at_risk(assessments);
    let row = |a: &&FatigueAssessment| {
        json!({
            "creative": a.creative,
            "platform": a.platform,
            "status": a.status.as_str(),
            "predicted_date": a.predicted_date,
            "days_left": a.days_left,
            "confidence": (a.confidence * 100.0).round() / 100.0,
            "current_ctr_pct": (a.current_ctr * 10_000.0).round() / 100.0,
            "peak_ctr_pct": (a.peak_ctr * 10_000.0).round() / 100.0,
            "peak_date": a.peak_date,
            "daily_ctr_change_pct": a.trend.as_ref().map(|t| (t.daily_change_pct * 100.0).round() / 100.0),
            "lifetime_frequency": a.frequency.as_ref().map(|f| (f.lifetime_frequency * 100.0).round() / 100.0),
            "account_fatigue_frequency": a.frequency.as_ref().map(|f| (f.threshold_mean * 100.0).round() / 100.0),
            "reason": a.reason,
        })
    };
    let mut data = json!({
        "date_range": {"since": range.since, "until": range.until},
        "creatives_checked": assessments.len(),
        "at_risk": warnings.iter().map(row).collect::<Vec<_>>(),
        "fatigued": fatigued.iter().map(row).collect::<Vec<_>>(),
        "healthy": assessments.iter().filter(|a| a.status == FatigueStatus::Healthy).count(),
        "not_enough_data": assessments.iter().filter(|a| a.status == FatigueStatus::NotEnoughData).map(|a| &a.creative).collect::<Vec<_>>(),
    });
    if !unavailable.is_empty() {
        data["unavailable"] = unavailable
            .iter()
            .map(|(platform, message)| json!({"platform": platform, "message": message}))
            .collect();
    }
    data
}

/// The 7-day CTR of the most at-risk creative, its 80%-of-peak line, and the predicted
/// crossing.
fn chart(
    series: &[CreativeSeries],
    assessments: &[FatigueAssessment],
    settings: &FatigueSettings,
) -> Option<Chart> {
    let (warnings, fatigued) = at_risk(assessments);
    let top = warnings.first().or(fatigued.first())?;
    let creative = series
        .iter()
        .find(|s| s.creative == top.creative && s.platform == top.platform)?;
    let mut days = creative.days.clone();
    days.sort_by_key(|d| d.date);
    let ctr = trailing_ctr(&days, settings.current_days);
    let points: Vec<(chrono::NaiveDate, f64)> = ctr
        .iter()
        .filter_map(|(d, c)| c.map(|c| (*d, c * 100.0)))
        .collect();
    let last = points.last()?.0;
    let markers = top
        .predicted_date
        .filter(|_| top.status == FatigueStatus::Warning)
        .map(|d| ChartMarker {
            x: points.len() - 1 + (d - last).num_days().max(0) as usize,
            y: None,
            label: format!("predicted fatigue {d}"),
        })
        .into_iter()
        .collect();
    Some(Chart {
        title: format!("{}: 7-day CTR", label(top)),
        kind: ChartKind::Line,
        x_labels: points.iter().map(|(d, _)| d.to_string()).collect(),
        series: vec![
            ChartSeries {
                name: "CTR, 7-day (%)".to_owned(),
                values: points.iter().map(|(_, c)| *c).collect(),
            },
            ChartSeries {
                name: "80% of peak (%)".to_owned(),
                values: vec![top.threshold_ctr * 100.0; points.len()],
            },
        ],
        markers,
        y_label: Some("CTR (%)".to_owned()),
        x_label: Some("Day".to_owned()),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod tests_support;
