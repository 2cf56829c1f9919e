//! Rolls campaign-days up to the requested breakdown and builds the chart.

use super::args::Level;
use super::metrics::{Metrics, changes_pct};
use crate::model::CampaignDay;
use crate::money::round_half_up;
use omnify_core::{Chart, ChartKind, ChartSeries, DateRange};
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Rows beyond this are summarised as `rows_omitted`, to keep the model's context small.
pub const MAX_ROWS: usize = 50;

/// One line of the breakdown: a platform, campaign, ad or day.
#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown {
    /// What the line is, e.g. `{"platform":"meta","campaign_id":…,"campaign_name":…}`.
    pub labels: Map<String, Value>,
    /// The name a marketer would read: campaign, ad or platform name, or the date.
    pub name: String,
    pub current: Metrics,
    /// The same object over the previous period (zero if it did not run then).
    pub previous: Metrics,
}

/// Groups `current` and `previous` rows by `level`; `display_name` maps a platform key
/// to its marketer-facing name. Day lines are in date order, others by spend, highest
/// first.
pub fn breakdown(
    level: Level,
    current: &[&CampaignDay],
    previous: &[&CampaignDay],
    display_name: &dyn Fn(&str) -> String,
) -> Vec<Breakdown> {
    let mut lines: BTreeMap<String, Breakdown> = BTreeMap::new();
    let mut add = |row: &CampaignDay, is_current: bool| {
        let (key, name, labels) = identify(level, row, display_name);
        let line = lines.entry(key).or_insert_with(|| Breakdown {
            labels,
            name,
            current: Metrics::default(),
            previous: Metrics::default(),
        });
        if is_current {
            line.current.add(row);
        } else {
            line.previous.add(row);
        }
    };
    for row in current {
        add(row, true);
    }
    // A day has no counterpart in the previous period; the totals carry that comparison.
    if level != Level::Day {
        for row in previous {
            add(row, false);
        }
    }
    let mut lines: Vec<Breakdown> = lines
        .into_values()
        .filter(|l| !l.current.is_empty())
        .collect();
    if level != Level::Day {
        lines.sort_by(|a, b| {
            b.current
                .spend
                .cmp(&a.current.spend)
                .then(a.name.cmp(&b.name))
        });
    }
    lines
}

fn identify(
    level: Level,
    row: &CampaignDay,
    display_name: &dyn Fn(&str) -> String,
) -> (String, String, Map<String, Value>) {
    let mut labels = Map::new();
    if level != Level::Day {
        labels.insert("platform".into(), json!(row.platform));
    }
    match level {
        Level::Platform => {
            let name = display_name(&row.platform);
            labels.insert("platform_name".into(), json!(name));
            (row.platform.clone(), name, labels)
        }
        Level::Campaign => {
            labels.insert("campaign_id".into(), json!(row.campaign_id));
            labels.insert("campaign_name".into(), json!(row.campaign_name));
            let key = format!("{}/{}", row.platform, row.campaign_id);
            (key, row.campaign_name.clone(), labels)
        }
        Level::Ad => {
            let ad_id = row.ad_id.clone().unwrap_or_default();
            let name = row.ad_name.clone().unwrap_or_else(|| ad_id.clone());
            labels.insert("campaign_name".into(), json!(row.campaign_name));
            if let Some(adset) = &row.adset_name {
                labels.insert("adset_name".into(), json!(adset));
            }
            labels.insert("ad_id".into(), json!(ad_id));
            labels.insert("ad_name".into(), json!(name));
            (format!("{}/{ad_id}", row.platform), name, labels)
        }
        Level::Day => {
            let date = row.date.to_string();
            labels.insert("date".into(), json!(date));
            (date.clone(), date, labels)
        }
    }
}

impl Breakdown {
    pub fn to_json(&self, compare: bool, level: Level) -> Value {
        let mut row = self.labels.clone();
        row.extend(self.current.to_json());
        if compare && level != Level::Day {
            row.insert("previous".into(), Value::Object(self.previous.to_json()));
            row.insert(
                "change_vs_previous_pct".into(),
                Value::Object(changes_pct(&self.current, &self.previous)),
            );
        }
        Value::Object(row)
    }
}

/// Daily spend and revenue over `range`, zero on days without delivery so the line
/// does not skip.
pub fn daily_chart(range: DateRange, rows: &[&CampaignDay], currency: &str) -> Chart {
    let mut by_day: BTreeMap<_, Metrics> = range
        .since
        .iter_days()
        .take(range.days().max(0) as usize)
        .map(|d| (d, Metrics::default()))
        .collect();
    for row in rows {
        if let Some(day) = by_day.get_mut(&row.date) {
            day.add(row);
        }
    }
    let values = |pick: fn(&Metrics) -> rust_decimal::Decimal| -> Vec<f64> {
        by_day
            .values()
            .map(|m| round_half_up(pick(m), 2).to_f64().unwrap_or(0.0))
            .collect()
    };
    Chart {
        title: format!("Daily spend and revenue ({currency}), {range}"),
        kind: ChartKind::Line,
        x_labels: by_day.keys().map(|d| d.to_string()).collect(),
        series: vec![
            ChartSeries {
                name: "Spend".into(),
                values: values(|m| m.spend),
            },
            ChartSeries {
                name: "Revenue".into(),
                values: values(|m| m.revenue),
            },
        ],
        ..Default::default()
    }
}
