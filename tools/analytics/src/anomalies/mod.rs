//! Anomalies in daily or hourly metrics (spend, CPC, CPM, CTR, ROAS, revenue).
//!
//! Streaming and causal: each point is judged only on what came before it, as a live
//! alert would be (and as NAB scores). For each point:
//! 1. seasonal offsets: over a trailing window, each slot's median minus the window's
//!    median (slot = weekday for daily data; hour of day × weekday/weekend for hourly);
//! 2. level: the median of the most recent points with their slot's offset removed;
//! 3. expected value = level + the point's slot offset;
//! 4. spread: 1.4826 × the median absolute deviation of the past residuals (a robust
//!    standard deviation that one outage cannot inflate);
//! 5. robust z = (value − expected) / spread; an anomaly when |z| ≥ the threshold.
//!
//! Medians everywhere, so a past anomaly neither drags the expected value nor widens
//! the band.

mod csv_input;
mod robust;

pub use csv_input::from_csv;

use chrono::{Datelike, NaiveDateTime, Timelike, Weekday};
use robust::{mad, median};
use serde::{Deserialize, Serialize};

/// One metric over time, in time order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSeries {
    pub metric: String,
    pub points: Vec<(NaiveDateTime, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Daily,
    Hourly,
}

impl Granularity {
    /// From the typical spacing of the points: under six hours is hourly.
    pub fn infer(points: &[(NaiveDateTime, f64)]) -> Self {
        let mut gaps: Vec<i64> = points
            .windows(2)
            .map(|w| (w[1].0 - w[0].0).num_minutes())
            .collect();
        gaps.sort_unstable();
        match gaps.get(gaps.len() / 2) {
            Some(&gap) if gap < 6 * 60 => Self::Hourly,
            _ => Self::Daily,
        }
    }

    /// Which seasonal slot a timestamp falls in.
    fn slot(self, t: NaiveDateTime) -> usize {
        match self {
            Self::Daily => t.weekday().num_days_from_monday() as usize,
            Self::Hourly => {
                let weekend = matches!(t.weekday(), Weekday::Sat | Weekday::Sun);
                t.hour() as usize + if weekend { 24 } else { 0 }
            }
        }
    }
}

/// Window lengths in points; the defaults follow the granularity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AnomalySettings {
    /// |robust z| at or above this is an anomaly.
    pub threshold_z: f64,
    /// Points the seasonal offsets are estimated from.
    pub season_window: usize,
    /// Most recent points the level is the median of.
    pub level_window: usize,
    /// Past residuals the spread is estimated from.
    pub spread_window: usize,
    /// Points needed before anything is judged.
    pub warm_up: usize,
    /// The spread is at least this share of the expected value, so a metric that has
    /// been nearly constant does not flag every tiny move.
    pub min_relative_spread: f64,
}

impl AnomalySettings {
    pub fn for_granularity(granularity: Granularity) -> Self {
        match granularity {
            Granularity::Daily => Self {
                threshold_z: 3.5,
                season_window: 56,
                level_window: 7,
                spread_window: 56,
                warm_up: 21,
                min_relative_spread: 0.01,
            },
            Granularity::Hourly => Self {
                threshold_z: 3.5,
                season_window: 14 * 24,
                level_window: 12,
                spread_window: 14 * 24,
                warm_up: 3 * 24,
                min_relative_spread: 0.01,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    /// Low from the threshold, medium from 5, high from 8 robust standard deviations.
    pub fn from_z(z: f64) -> Self {
        match z.abs() {
            z if z >= 8.0 => Self::High,
            z if z >= 5.0 => Self::Medium,
            _ => Self::Low,
        }
    }
}

/// How one point was judged (every point, for charts and scoring).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    pub timestamp: NaiveDateTime,
    pub value: f64,
    /// `None` during warm-up.
    pub expected: Option<f64>,
    /// The 95% band around `expected`.
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub z: f64,
    /// 0–1, rising with |z|: `|z| / (|z| + threshold)`, so 0.5 at the threshold.
    pub score: f64,
}

/// A point outside its expected range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    pub timestamp: NaiveDateTime,
    pub metric: String,
    pub value: f64,
    pub expected: f64,
    pub low: f64,
    pub high: f64,
    pub direction: Direction,
    pub severity: Severity,
    /// Robust z-score: how many robust standard deviations from expected.
    pub z: f64,
    pub score: f64,
}

/// Judges every point of `series` on the points before it.
pub fn judge(
    series: &MetricSeries,
    granularity: Granularity,
    settings: &AnomalySettings,
) -> Vec<Judgement> {
    let points = &series.points;
    let slots: Vec<usize> = points.iter().map(|(t, _)| granularity.slot(*t)).collect();
    let mut residuals: Vec<f64> = Vec::new();
    let mut out = Vec::with_capacity(points.len());
    for (i, &(timestamp, value)) in points.iter().enumerate() {
        let mut judgement = Judgement {
            timestamp,
            value,
            expected: None,
            low: None,
            high: None,
            z: 0.0,
            score: 0.0,
        };
        if let Some(expected) = expect(points, &slots, i, settings) {
            let residual = value - expected;
            let recent = &residuals[residuals.len().saturating_sub(settings.spread_window)..];
            if recent.len() >= settings.warm_up / 2 {
                let spread = (1.4826 * mad(recent))
                    .max(settings.min_relative_spread * expected.abs())
                    .max(1e-12);
                let z = residual / spread;
                judgement.expected = Some(expected);
                judgement.low = Some(expected - 1.96 * spread);
                judgement.high = Some(expected + 1.96 * spread);
                judgement.z = z;
                judgement.score = z.abs() / (z.abs() + settings.threshold_z);
            }
            residuals.push(residual);
        }
        out.push(judgement);
    }
    out
}

/// The expected value of point `i` from the points before it.
fn expect(
    points: &[(NaiveDateTime, f64)],
    slots: &[usize],
    i: usize,
    settings: &AnomalySettings,
) -> Option<f64> {
    if i < settings.warm_up {
        return None;
    }
    let start = i.saturating_sub(settings.season_window);
    let window = &points[start..i];
    let window_slots = &slots[start..i];
    let overall = median(window.iter().map(|p| p.1).collect())?;
    let mut offsets: std::collections::HashMap<usize, f64> = std::collections::HashMap::new();
    let offset =
        |slot: usize, offsets: &mut std::collections::HashMap<usize, f64>| -> Option<f64> {
            if let Some(o) = offsets.get(&slot) {
                return Some(*o);
            }
            let in_slot = |same: &dyn Fn(usize) -> bool| -> Vec<f64> {
                window
                    .iter()
                    .zip(window_slots)
                    .filter(|(_, s)| same(**s))
                    .map(|(p, _)| p.1)
                    .collect()
            };
            let mut values = in_slot(&|s| s == slot);
            if values.len() < 2 && slot >= 24 {
                // A weekend hour not seen yet: the same hour on any day.
                values = in_slot(&|s| s % 24 == slot % 24);
            }
            // Two points of a slot are the least that says anything about it.
            let o = if values.len() >= 2 {
                median(values)? - overall
            } else {
                0.0
            };
            offsets.insert(slot, o);
            Some(o)
        };
    let level_start = i.saturating_sub(settings.level_window);
    let mut deseasonalised = Vec::with_capacity(i - level_start);
    for j in level_start..i {
        deseasonalised.push(points[j].1 - offset(slots[j], &mut offsets)?);
    }
    let level = median(deseasonalised)?;
    Some(level + offset(slots[i], &mut offsets)?)
}

/// The anomalies of `series`: points with |z| at or above the threshold.
pub fn detect(series: &MetricSeries, settings: Option<AnomalySettings>) -> Vec<Anomaly> {
    let granularity = Granularity::infer(&series.points);
    let settings = settings.unwrap_or_else(|| AnomalySettings::for_granularity(granularity));
    anomalies_in(series, &judge(series, granularity, &settings), &settings)
}

/// The judgements at or above the threshold, as anomalies.
pub fn anomalies_in(
    series: &MetricSeries,
    judgements: &[Judgement],
    settings: &AnomalySettings,
) -> Vec<Anomaly> {
    judgements
        .iter()
        .filter(|j| j.z.abs() >= settings.threshold_z)
        .filter_map(|j| {
            Some(Anomaly {
                timestamp: j.timestamp,
                metric: series.metric.clone(),
                value: j.value,
                expected: j.expected?,
                low: j.low?,
                high: j.high?,
                direction: if j.z > 0.0 {
                    Direction::Up
                } else {
                    Direction::Down
                },
                severity: Severity::from_z(j.z),
                z: j.z,
                score: j.score,
            })
        })
        .collect()
}

/// NAB-style anomaly scores (0–1 per point) from our detector, for benchmarking.
pub fn anomaly_scores(
    series: &MetricSeries,
    granularity: Granularity,
    settings: &AnomalySettings,
) -> Vec<f64> {
    judge(series, granularity, settings)
        .iter()
        .map(|j| j.score)
        .collect()
}
