//! Budget allocation: fit each channel's diminishing-returns curve from its daily spend
//! and revenue ([`curve`]), then split a daily budget so every channel's marginal ROAS
//! is equal under per-channel limits ([`allocate`]). Bootstrapped curves give the
//! uncertainty of the expected revenue change.

mod allocate;
mod csv_input;
pub mod curve;
pub mod pooling;

pub use allocate::{AllocationError, Bounds, allocate};
pub use csv_input::from_csv;
pub use curve::{CurveFit, ResponseCurve};

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One channel's spend and revenue on one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendDay {
    pub date: NaiveDate,
    pub channel: String,
    pub spend: f64,
    pub revenue: f64,
}

/// How the plan is made.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BudgetSettings {
    /// The current spend is the average of this many last days.
    pub current_days: i64,
    /// Fewer usable days than this: the channel is kept at its current spend.
    pub min_days: usize,
    pub resamples: usize,
    pub seed: u64,
}

impl Default for BudgetSettings {
    fn default() -> Self {
        Self {
            current_days: 14,
            min_days: 21,
            resamples: 200,
            seed: 17,
        }
    }
}

/// A channel's history reduced to what planning needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelModel {
    pub channel: String,
    /// Average daily spend over the last `current_days`.
    pub current_spend: f64,
    /// `None` when there was too little data to fit: the channel keeps its spend.
    pub fit: Option<CurveFit>,
    #[serde(skip)]
    pub resampled: Vec<ResponseCurve>,
    pub note: Option<String>,
}

/// Fit every channel in `days`, each channel's elasticity pooled with the others'
/// ([`pooling`]).
pub fn model_channels(days: &[SpendDay], settings: &BudgetSettings) -> Vec<ChannelModel> {
    let mut by_channel: BTreeMap<&str, Vec<&SpendDay>> = BTreeMap::new();
    for day in days {
        by_channel
            .entry(day.channel.as_str())
            .or_default()
            .push(day);
    }
    let channels: Vec<(ChannelModel, Vec<CurveFit>)> = by_channel
        .into_iter()
        .enumerate()
        .map(|(i, (channel, rows))| fit_channel(channel, rows, i, settings))
        .collect();
    let measured: Vec<(f64, f64)> = channels
        .iter()
        .filter_map(|(m, _)| m.fit.as_ref().map(|f| (f.measured_b, f.b_se)))
        .collect();
    let pool = pooling::Pool::estimate(&measured);
    channels
        .into_iter()
        .map(|(mut model, resampled)| {
            if let Some(fit) = model.fit.as_mut() {
                let (measured, se) = (fit.measured_b, fit.b_se);
                fit.set_elasticity(pool.map_or(measured, |p| p.shrink(measured, se)));
                // The band shows the pooled estimate's uncertainty, not the raw fit's.
                model.resampled = resampled
                    .iter()
                    .map(|r| {
                        let b =
                            pool.map_or(r.measured_b, |p| p.resample(measured, se, r.measured_b));
                        r.with_elasticity(b)
                    })
                    .collect();
                if fit.clamped {
                    model.note = Some(
                        "no diminishing return could be measured; the curve's elasticity was capped"
                            .to_owned(),
                    );
                }
            }
            model
        })
        .collect()
}

/// One channel's own fit and its bootstrap, before pooling.
fn fit_channel(
    channel: &str,
    mut rows: Vec<&SpendDay>,
    index: usize,
    settings: &BudgetSettings,
) -> (ChannelModel, Vec<CurveFit>) {
    rows.sort_by_key(|d| d.date);
    let last = rows.last().map_or(NaiveDate::MIN, |d| d.date);
    let since = last - Duration::days(settings.current_days - 1);
    let recent: f64 = rows
        .iter()
        .filter(|d| d.date >= since)
        .map(|d| d.spend)
        .sum();
    let current_spend = recent / settings.current_days as f64;
    let usable = rows
        .iter()
        .filter(|d| d.spend > 0.0 && d.revenue > 0.0)
        .count();
    let (fit, resampled, note) = if usable < settings.min_days {
        let note = format!(
            "only {usable} days with spend and revenue; at least {} are needed, so its spend is kept",
            settings.min_days
        );
        (None, Vec::new(), Some(note))
    } else {
        match curve::fit(&rows) {
            Some(mut fit) => {
                let seed = settings.seed.wrapping_add(index as u64);
                let resampled = curve::bootstrap(&rows, settings.resamples, seed);
                if let Some(se) = bootstrap_se(&resampled) {
                    fit.b_se = se;
                }
                (Some(fit), resampled, None)
            }
            None => {
                let note = "spend barely varied, so no curve could be fitted; its spend is kept";
                (None, Vec::new(), Some(note.to_owned()))
            }
        }
    };
    let model = ChannelModel {
        channel: channel.to_owned(),
        current_spend,
        fit,
        resampled: Vec::new(),
        note,
    };
    (model, resampled)
}

/// The standard deviation of the resampled elasticities: the fit's own formula
/// assumes the days' noise is as the model says, and on real data (and the seeded
/// brand) it is not, so it understates the uncertainty.
fn bootstrap_se(resampled: &[CurveFit]) -> Option<f64> {
    if resampled.len() < 20 {
        return None;
    }
    let n = resampled.len() as f64;
    let mean = resampled.iter().map(|f| f.measured_b).sum::<f64>() / n;
    let variance = resampled
        .iter()
        .map(|f| (f.measured_b - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0);
    Some(variance.sqrt())
}

/// One channel's recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelPlan {
    pub channel: String,
    pub current_spend: f64,
    pub recommended_spend: f64,
    /// Expected daily revenue at the current and recommended spend (fitted curve).
    pub revenue_before: f64,
    pub revenue_after: f64,
    /// 90% band of `revenue_after - revenue_before` over the bootstrapped curves.
    pub change_low: f64,
    pub change_high: f64,
    pub marginal_roas_after: Option<f64>,
    /// The planning curve: its elasticity is pooled with the account's other channels.
    pub curve: Option<ResponseCurve>,
    /// The elasticity this channel's own days measure, and its standard error.
    pub measured_elasticity: Option<(f64, f64)>,
    pub note: Option<String>,
}

/// The whole recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetPlan {
    pub total_budget: f64,
    pub current_total: f64,
    pub channels: Vec<ChannelPlan>,
    /// Expected daily revenue before and after: the fitted curves' values, less the
    /// `optimism` for the plan as a whole.
    pub revenue_before: f64,
    pub revenue_after: f64,
    /// 90% band of the total daily revenue change (optimism removed too).
    pub change_low: f64,
    pub change_high: f64,
    /// What a plan fitted to noisy curves promises and does not deliver: it moves money
    /// towards the channels whose curves happen to look best, so its own curves
    /// overstate its gain (the optimizer's curse). Estimated by bootstrap: replan on
    /// each resample and compare its promise there with its value on the fitted curves.
    pub optimism: f64,
}

/// Recommend a split of `total` (per day) over the modelled channels. `bounds` maps a
/// channel to its limits (default: no limits). Channels without a curve keep their
/// current spend; the rest share what is left.
pub fn plan(
    models: &[ChannelModel],
    total: f64,
    bounds: &BTreeMap<String, Bounds>,
) -> Result<BudgetPlan, AllocationError> {
    let fixed: f64 = models
        .iter()
        .filter(|m| m.fit.is_none())
        .map(|m| m.current_spend)
        .sum();
    let fitted: Vec<&ChannelModel> = models.iter().filter(|m| m.fit.is_some()).collect();
    let inputs: Vec<(ResponseCurve, Bounds)> = fitted
        .iter()
        .filter_map(|m| {
            Some((
                m.fit.as_ref()?.curve,
                bounds.get(&m.channel).copied().unwrap_or(Bounds::OPEN),
            ))
        })
        .collect();
    let spend = if inputs.is_empty() {
        Vec::new()
    } else {
        allocate(&inputs, total - fixed)?
    };
    let recommended: BTreeMap<&str, f64> = fitted
        .iter()
        .map(|m| m.channel.as_str())
        .zip(spend)
        .collect();
    let resamples = fitted.iter().map(|m| m.resampled.len()).min().unwrap_or(0);
    let mut total_changes = vec![0.0; resamples];
    let mut channels = Vec::new();
    for m in models {
        let after = recommended
            .get(m.channel.as_str())
            .copied()
            .unwrap_or(m.current_spend);
        let curve = m.fit.as_ref().map(|f| f.curve);
        let (before_rev, after_rev) = curve.map_or((0.0, 0.0), |c| {
            (c.revenue(m.current_spend), c.revenue(after))
        });
        let mut changes: Vec<f64> = m
            .resampled
            .iter()
            .take(resamples)
            .map(|c| c.revenue(after) - c.revenue(m.current_spend))
            .collect();
        for (sum, change) in total_changes.iter_mut().zip(&changes) {
            *sum += change;
        }
        let (low, high) = band(&mut changes);
        channels.push(ChannelPlan {
            channel: m.channel.clone(),
            current_spend: m.current_spend,
            recommended_spend: after,
            revenue_before: before_rev,
            revenue_after: after_rev,
            change_low: low,
            change_high: high,
            marginal_roas_after: curve.map(|c| c.marginal(after)),
            curve,
            measured_elasticity: m.fit.as_ref().map(|f| (f.measured_b, f.b_se)),
            note: m.note.clone(),
        });
    }
    let optimism = optimism(&fitted, &inputs, total - fixed, resamples);
    for change in &mut total_changes {
        *change -= optimism;
    }
    let (change_low, change_high) = band(&mut total_changes);
    Ok(BudgetPlan {
        total_budget: total,
        current_total: models.iter().map(|m| m.current_spend).sum(),
        revenue_before: channels.iter().map(|c| c.revenue_before).sum(),
        revenue_after: channels.iter().map(|c| c.revenue_after).sum::<f64>() - optimism,
        channels,
        change_low,
        change_high,
        optimism,
    })
}

/// The bootstrap estimate of a plan's optimism (Efron's optimism bootstrap): on each
/// resample, the plan made from the resampled curves promises its gain under those
/// curves; the same plan is worth less under the fitted curves. The mean difference is
/// how much planning on noise flatters a plan. Never negative.
fn optimism(
    fitted: &[&ChannelModel],
    inputs: &[(ResponseCurve, Bounds)],
    budget: f64,
    resamples: usize,
) -> f64 {
    if inputs.is_empty() || resamples == 0 {
        return 0.0;
    }
    // The revenue change of moving each channel from its current spend to `spend`.
    let gain = |curves: &[(ResponseCurve, Bounds)], spend: &[f64]| -> f64 {
        fitted
            .iter()
            .zip(curves)
            .zip(spend)
            .map(|((m, (curve, _)), x)| curve.revenue(*x) - curve.revenue(m.current_spend))
            .sum()
    };
    let mut total = 0.0;
    let mut counted = 0;
    for k in 0..resamples {
        let resampled: Vec<(ResponseCurve, Bounds)> = fitted
            .iter()
            .zip(inputs)
            .map(|(m, (_, bounds))| (m.resampled[k], *bounds))
            .collect();
        let Ok(spend) = allocate(&resampled, budget) else {
            continue;
        };
        let promised = gain(&resampled, &spend);
        let delivered = gain(inputs, &spend);
        total += promised - delivered;
        counted += 1;
    }
    if counted == 0 {
        return 0.0;
    }
    (total / counted as f64).max(0.0)
}

/// The 5th and 95th percentiles (0, 0 for no samples).
fn band(values: &mut [f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    (at(0.05), at(0.95))
}
