//! `GET /report/integrated/get/`: the brand's TikTok ad-days grouped by the requested
//! data level and day, metrics as strings (`"-"` when there is no value), paged.

use super::ApiError;
use crate::money::from_cents;
use crate::sandbox::brand::{AdAccount, AdDay};
use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const METRICS: &[&str] = &[
    "spend",
    "impressions",
    "clicks",
    "ctr",
    "cpc",
    "cpm",
    "conversion",
    "cost_per_conversion",
    "complete_payment",
    "total_complete_payment_rate",
    "video_play_actions",
    // Unconfirmed for auction ads (Fivetran: reach only for reservation ads); see
    // docs/analytics.md, "Creative fatigue".
    "reach",
    "frequency",
    "currency",
    "campaign_id",
    "campaign_name",
    "adgroup_id",
    "adgroup_name",
    "ad_name",
];

/// The id dimension of each data level.
fn id_dimension(data_level: &str) -> Result<&'static str, ApiError> {
    match data_level {
        "AUCTION_ADVERTISER" => Ok("advertiser_id"),
        "AUCTION_CAMPAIGN" => Ok("campaign_id"),
        "AUCTION_ADGROUP" => Ok("adgroup_id"),
        "AUCTION_AD" => Ok("ad_id"),
        other => Err(ApiError::params(format!(
            "data_level: invalid value {other}"
        ))),
    }
}

fn json_list(params: &BTreeMap<String, String>, name: &str) -> Result<Vec<String>, ApiError> {
    let raw = params
        .get(name)
        .ok_or_else(|| ApiError::params(format!("{name}: Missing data for required field.")))?;
    serde_json::from_str(raw)
        .map_err(|_| ApiError::params(format!("{name}: must be a JSON array of strings")))
}

#[derive(Default, Clone, Copy)]
struct Totals {
    spend_cents: i64,
    impressions: u64,
    clicks: u64,
    conversions: u64,
    value_cents: i64,
    video_views: u64,
    reach: u64,
}

fn key_of<'a>(day: &'a AdDay, dimension: &str, advertiser_id: &'a str) -> &'a str {
    match dimension {
        "campaign_id" => &day.campaign_id,
        "adgroup_id" => &day.ad_group_id,
        "ad_id" => &day.ad_id,
        _ => advertiser_id,
    }
}

pub(crate) fn rows(
    account: &AdAccount,
    params: &BTreeMap<String, String>,
) -> Result<Vec<Value>, ApiError> {
    if params.get("report_type").map(String::as_str) != Some("BASIC") {
        return Err(ApiError::params("report_type: only BASIC is supported"));
    }
    let level = params
        .get("data_level")
        .map_or("AUCTION_ADVERTISER", String::as_str);
    let id_dim = id_dimension(level)?;
    let dimensions = json_list(params, "dimensions")?;
    let by_day = dimensions.iter().any(|d| d == "stat_time_day");
    if let Some(bad) = dimensions
        .iter()
        .find(|d| *d != "stat_time_day" && *d != id_dim)
    {
        return Err(ApiError::params(format!(
            "dimensions: {bad} is not valid with data_level {level}"
        )));
    }
    let metrics = json_list(params, "metrics")?;
    if let Some(bad) = metrics.iter().find(|m| !METRICS.contains(&m.as_str())) {
        return Err(ApiError::params(format!("metrics: invalid metric {bad}")));
    }
    let date = |name: &str| {
        params
            .get(name)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .ok_or_else(|| ApiError::params(format!("{name}: must be YYYY-MM-DD")))
    };
    let (since, until) = (date("start_date")?, date("end_date")?);
    if until < since {
        return Err(ApiError::params("end_date must not be before start_date"));
    }
    if by_day && (until - since).num_days() >= 30 {
        return Err(ApiError::params(
            "The time span between start_date and end_date cannot exceed 30 days when stat_time_day is a dimension.",
        ));
    }
    let mut grouped: BTreeMap<(Option<NaiveDate>, String), (Totals, &AdDay)> = BTreeMap::new();
    for day in account
        .days
        .iter()
        .filter(|d| d.date >= since && d.date <= until)
    {
        let key = (
            by_day.then_some(day.date),
            key_of(day, id_dim, &account.account_id).to_owned(),
        );
        let (t, _) = grouped.entry(key).or_insert((Totals::default(), day));
        t.spend_cents += day.spend_minor;
        t.impressions += day.impressions;
        t.clicks += day.clicks;
        t.conversions += day.conversions;
        t.value_cents += day.conversion_value_minor;
        t.video_views += day.video_views;
        // Summed daily reach overstates unique reach over several days; exact for one.
        t.reach += day.reach;
    }
    Ok(grouped
        .into_iter()
        .filter(|(_, (t, _))| t.impressions > 0)
        .map(|((date, id), (totals, sample))| {
            let mut dims = Map::new();
            if id_dim != "advertiser_id" || dimensions.iter().any(|d| d == id_dim) {
                dims.insert(id_dim.to_owned(), json!(id));
            }
            if let Some(date) = date {
                dims.insert(
                    "stat_time_day".to_owned(),
                    json!(format!("{date} 00:00:00")),
                );
            }
            json!({
                "dimensions": dims,
                "metrics": render_metrics(account, &metrics, &totals, sample, id_dim),
            })
        })
        .collect())
}

fn ratio(num: f64, den: f64, scale: f64) -> Value {
    if den > 0.0 {
        json!(format!("{:.2}", num / den * scale))
    } else {
        json!("-")
    }
}

fn render_metrics(
    account: &AdAccount,
    metrics: &[String],
    t: &Totals,
    sample: &AdDay,
    id_dim: &str,
) -> Value {
    let spend = t.spend_cents as f64 / 100.0;
    let campaign = account.campaign(&sample.campaign_id);
    let group = account.ad_group(&sample.ad_group_id);
    let ad = account.ad(&sample.ad_id);
    // Attributes finer than the data level are "-", as TikTok sends them.
    let finer_than = |attribute_level: u8| {
        let level = match id_dim {
            "advertiser_id" => 0,
            "campaign_id" => 1,
            "adgroup_id" => 2,
            _ => 3,
        };
        attribute_level > level
    };
    let mut out = Map::new();
    for metric in metrics {
        let value = match metric.as_str() {
            "spend" => json!(from_cents(t.spend_cents).to_string()),
            "impressions" => json!(t.impressions.to_string()),
            "clicks" => json!(t.clicks.to_string()),
            "ctr" => ratio(t.clicks as f64, t.impressions as f64, 100.0),
            "cpc" => ratio(spend, t.clicks as f64, 1.0),
            "cpm" => ratio(spend, t.impressions as f64, 1000.0),
            "conversion" | "complete_payment" => json!(t.conversions.to_string()),
            "cost_per_conversion" => ratio(spend, t.conversions as f64, 1.0),
            "total_complete_payment_rate" => json!(from_cents(t.value_cents).to_string()),
            "video_play_actions" => json!(t.video_views.to_string()),
            "reach" => json!(t.reach.to_string()),
            "frequency" => ratio(t.impressions as f64, t.reach as f64, 1.0),
            "currency" => json!(account.currency),
            "campaign_id" if !finer_than(1) => json!(sample.campaign_id),
            "campaign_name" if !finer_than(1) => json!(campaign.map(|c| c.name.as_str())),
            "adgroup_id" if !finer_than(2) => json!(sample.ad_group_id),
            "adgroup_name" if !finer_than(2) => json!(group.map(|g| g.name.as_str())),
            "ad_name" if !finer_than(3) => json!(ad.map(|a| a.name.as_str())),
            _ => json!("-"),
        };
        out.insert(metric.clone(), value);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::sandbox::brand::{Brand, BrandConfig};

    #[test]
    fn ad_days_report_reach_and_frequency_as_strings() {
        let end = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let brand = Brand::generate(BrandConfig::new(42, end));
        let params: BTreeMap<String, String> = [
            ("report_type", "BASIC"),
            ("data_level", "AUCTION_AD"),
            ("dimensions", r#"["ad_id","stat_time_day"]"#),
            ("metrics", r#"["impressions","reach","frequency"]"#),
            ("start_date", "2026-11-23"),
            ("end_date", "2026-11-23"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let rows = rows(&brand.tiktok, &params).unwrap();
        assert!(!rows.is_empty());
        for row in rows {
            let m = &row["metrics"];
            let number = |k: &str| m[k].as_str().unwrap().parse::<f64>().unwrap();
            assert!(number("reach") > 0.0 && number("reach") <= number("impressions"));
            assert!(number("frequency") >= 1.0, "{row}");
            let ratio = number("impressions") / number("reach");
            assert!((number("frequency") - ratio).abs() < 0.006, "{row}");
        }
    }
}
