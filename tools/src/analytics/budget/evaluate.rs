//! How good the budget recommendation is on the seeded brand, whose true response
//! curves we know: fit per campaign on the last 90 days, reallocate the current total
//! within 0.5×–2× each campaign's current spend, and value the current, recommended
//! and truly optimal allocations under the TRUE curves (average day: weekends 2 in 7).

use crate::sandbox::brand::{Brand, BrandConfig, ResponseCurve as TrueCurve};
use chrono::{Duration, NaiveDate};
use omnify_analytics::budget::{
    Bounds, BudgetSettings, ResponseCurve, SpendDay, allocate, model_channels, plan,
};
use serde::Serialize;
use std::collections::BTreeMap;

const FIT_DAYS: i64 = 90;

#[derive(Debug, Clone, Serialize)]
pub struct BudgetEvaluation {
    pub seed: u64,
    pub campaigns: usize,
    /// Campaigns kept at their spend for lack of history.
    pub kept: usize,
    pub daily_budget: f64,
    /// True expected daily revenue of each allocation.
    pub revenue_current: f64,
    pub revenue_recommended: f64,
    pub revenue_optimal: f64,
    /// (recommended − current) / (optimal − current).
    pub uplift_captured: f64,
    /// Our predicted change and its 90% band, and the true change.
    pub predicted_change: f64,
    pub predicted_low: f64,
    pub predicted_high: f64,
    pub true_change: f64,
    /// Fitted vs true elasticity per campaign.
    pub elasticities: Vec<(String, f64, f64)>,
}

pub fn evaluate_budget_on_brand(seed: u64) -> BudgetEvaluation {
    let end = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or(NaiveDate::MIN);
    let brand = Brand::generate(BrandConfig::new(seed, end));
    let days = campaign_days(&brand, end - Duration::days(FIT_DAYS - 1));
    let models = model_channels(&days, &BudgetSettings::default());
    let truth: BTreeMap<String, &TrueCurve> = brand
        .ground_truth
        .response_curves
        .iter()
        .map(|c| (format!("{}/{}", c.platform, c.campaign_id), c))
        .collect();
    let true_curve = |channel: &str| {
        truth.get(channel).map(|c| ResponseCurve {
            a: c.a * (5.0 + 2.0 * c.weekend_lift) / 7.0,
            b: c.b,
        })
    };
    let bounds: BTreeMap<String, Bounds> = models
        .iter()
        .map(|m| {
            (
                m.channel.clone(),
                Bounds {
                    min: 0.5 * m.current_spend,
                    max: 2.0 * m.current_spend,
                },
            )
        })
        .collect();
    let total: f64 = models.iter().map(|m| m.current_spend).sum();
    let recommendation = plan(&models, total, &bounds).ok();
    let value = |spend: &dyn Fn(&str) -> f64| -> f64 {
        models
            .iter()
            .filter_map(|m| Some(true_curve(&m.channel)?.revenue(spend(&m.channel))))
            .sum()
    };
    let current: BTreeMap<&str, f64> = models
        .iter()
        .map(|m| (m.channel.as_str(), m.current_spend))
        .collect();
    let recommended: BTreeMap<&str, f64> = recommendation
        .iter()
        .flat_map(|p| &p.channels)
        .map(|c| (c.channel.as_str(), c.recommended_spend))
        .collect();
    // The true optimum over the same choices: same bounds, same campaigns held.
    let free: Vec<&omnify_analytics::budget::ChannelModel> =
        models.iter().filter(|m| m.fit.is_some()).collect();
    let held: f64 = models
        .iter()
        .filter(|m| m.fit.is_none())
        .map(|m| m.current_spend)
        .sum();
    let inputs: Vec<(ResponseCurve, Bounds)> = free
        .iter()
        .filter_map(|m| Some((true_curve(&m.channel)?, bounds[&m.channel])))
        .collect();
    let optimal: BTreeMap<&str, f64> = allocate(&inputs, total - held)
        .map(|spend| free.iter().map(|m| m.channel.as_str()).zip(spend).collect())
        .unwrap_or_default();
    let at =
        |map: &BTreeMap<&str, f64>, c: &str| map.get(c).or(current.get(c)).copied().unwrap_or(0.0);
    let revenue_current = value(&|c| at(&current, c));
    let revenue_recommended = value(&|c| at(&recommended, c));
    let revenue_optimal = value(&|c| at(&optimal, c));
    let (predicted_change, predicted_low, predicted_high) =
        recommendation.as_ref().map_or((0.0, 0.0, 0.0), |p| {
            (
                p.revenue_after - p.revenue_before,
                p.change_low,
                p.change_high,
            )
        });
    BudgetEvaluation {
        seed,
        campaigns: models.len(),
        kept: models.len() - free.len(),
        daily_budget: total,
        revenue_current,
        revenue_recommended,
        revenue_optimal,
        uplift_captured: (revenue_recommended - revenue_current)
            / (revenue_optimal - revenue_current),
        predicted_change,
        predicted_low,
        predicted_high,
        true_change: revenue_recommended - revenue_current,
        elasticities: models
            .iter()
            .filter_map(|m| {
                Some((
                    m.channel.clone(),
                    m.fit.as_ref()?.curve.b,
                    truth.get(&m.channel)?.b,
                ))
            })
            .collect(),
    }
}

/// Spend and attributed revenue per campaign per day since `since`, channel
/// `platform/campaign_id`.
fn campaign_days(brand: &Brand, since: NaiveDate) -> Vec<SpendDay> {
    let mut sums: BTreeMap<(String, NaiveDate), (i64, i64)> = BTreeMap::new();
    for d in brand.meta.days.iter().filter(|d| d.date >= since) {
        let e = sums
            .entry((format!("meta/{}", d.campaign_id), d.date))
            .or_default();
        e.0 += d.spend_minor;
        e.1 += d.purchase_value_minor;
    }
    for (platform, account) in [
        ("google_ads", &brand.google_ads),
        ("tiktok", &brand.tiktok),
        ("linkedin", &brand.linkedin),
    ] {
        for d in account.days.iter().filter(|d| d.date >= since) {
            let e = sums
                .entry((format!("{platform}/{}", d.campaign_id), d.date))
                .or_default();
            e.0 += d.spend_minor;
            e.1 += d.conversion_value_minor;
        }
    }
    sums.into_iter()
        .map(|((channel, date), (spend, revenue))| SpendDay {
            date,
            channel,
            spend: spend as f64 / 100.0,
            revenue: revenue as f64 / 100.0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression gate (see `docs/analytics.md`): measured 89.7%, 93.7% and 95.3% of
    /// the achievable uplift on seeds 42, 7 and 2026 when written; predicted changes
    /// 24%, 7% and 18% above the true ones, each inside its 90% band.
    #[test]
    fn analytics_budget_captures_most_of_the_achievable_uplift_on_the_brand() {
        for seed in [42, 7, 2026] {
            let e = evaluate_budget_on_brand(seed);
            eprintln!("{}", serde_json::to_string(&e).unwrap_or_default());
            assert!(e.uplift_captured >= 0.85, "{e:?}");
            assert!(
                (e.predicted_change / e.true_change - 1.0).abs() <= 0.3,
                "{e:?}"
            );
            assert!(
                (e.predicted_low..=e.predicted_high).contains(&e.true_change),
                "{e:?}"
            );
            assert!(e.revenue_recommended > e.revenue_current, "{e:?}");
            assert!(e.revenue_recommended <= e.revenue_optimal + 1e-6, "{e:?}");
        }
    }
}
