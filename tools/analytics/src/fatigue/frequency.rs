//! Frequency as the leading signal. A creative fatigues once its audience has seen it
//! often enough: its lifetime frequency (impressions per person reached) climbs
//! steadily with delivery, and CTR starts to fall when it passes a threshold. The
//! threshold differs from creative to creative, so it is learned from the account:
//! every creative that already fatigued tells us its frequency on the day its decline
//! began, and how many days the decline took to cost 20% of CTR. Until one has, an
//! industry prior stands in ([`FrequencyModel::prior`]).
//!
//! For a creative that has not declined yet, the crossing comes `D` days (decline time)
//! after its frequency reaches its threshold `θ`. With frequency `F` rising `g` a day,
//! the crossing is within `h` days when `θ + g D <= F + g h`. `θ` and `D` are uncertain
//! (normal, with the learned means and spreads), and `θ` is known to be above the
//! frequency a few days ago (else a decline would show by now), so the probability is
//! that of a normal truncated below.

use super::fit::normal_cdf;
use serde::{Deserialize, Serialize};

/// When this account's creatives fatigue, in lifetime frequency.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrequencyModel {
    /// Mean lifetime frequency at which a decline begins.
    pub threshold_mean: f64,
    /// Its spread across creatives (standard deviation).
    pub threshold_sd: f64,
    /// Mean days from the start of a decline to CTR 20% below peak.
    pub decline_days_mean: f64,
    pub decline_days_sd: f64,
    /// Fatigued creatives of the account it was learned from (0: the prior alone).
    pub learned_from: usize,
}

/// What one fatigued creative showed: its frequency when the decline began, and the
/// days the decline took to cross.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    pub threshold: f64,
    pub decline_days: f64,
}

/// Weight of the prior, in creatives.
const PRIOR_WEIGHT: f64 = 1.0;
/// Weight of the prior in the spread: heavier, so two creatives that happened to
/// fatigue at the same frequency do not make the model overconfident.
const PRIOR_SPREAD_WEIGHT: f64 = 2.0;

impl FrequencyModel {
    /// The industry rule of thumb: fatigue sets in somewhere around a lifetime
    /// frequency of 3 to 4 (mean 3.5, standard deviation 0.75), and CTR then takes
    /// about a week to lose a fifth (8 ± 3 days).
    pub fn prior() -> Self {
        Self {
            threshold_mean: 3.5,
            threshold_sd: 0.75,
            decline_days_mean: 8.0,
            decline_days_sd: 3.0,
            learned_from: 0,
        }
    }

    /// The prior updated with the account's fatigued creatives: means and variances
    /// are weighted averages of the prior's and the observed ones.
    pub fn learn(observed: &[Observed]) -> Self {
        let prior = Self::prior();
        let n = observed.len() as f64;
        if observed.is_empty() {
            return prior;
        }
        let pooled = |prior_mean: f64, prior_sd: f64, values: &mut dyn Iterator<Item = f64>| {
            let values: Vec<f64> = values.collect();
            let mean =
                (PRIOR_WEIGHT * prior_mean + values.iter().sum::<f64>()) / (PRIOR_WEIGHT + n);
            let scatter: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
            let variance =
                (PRIOR_SPREAD_WEIGHT * prior_sd.powi(2) + scatter) / (PRIOR_SPREAD_WEIGHT + n);
            (mean, variance.sqrt())
        };
        let (threshold_mean, threshold_sd) = pooled(
            prior.threshold_mean,
            prior.threshold_sd,
            &mut observed.iter().map(|o| o.threshold),
        );
        let (decline_days_mean, decline_days_sd) = pooled(
            prior.decline_days_mean,
            prior.decline_days_sd,
            &mut observed.iter().map(|o| o.decline_days),
        );
        Self {
            threshold_mean,
            threshold_sd,
            decline_days_mean,
            decline_days_sd,
            learned_from: observed.len(),
        }
    }

    /// Probability the threshold is at or below `frequency`.
    pub fn share_fatigued_by(&self, frequency: f64) -> f64 {
        normal_cdf((frequency - self.threshold_mean) / self.threshold_sd.max(1e-9))
    }
}

/// The frequency forecast of one creative.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Projection {
    /// Probability of crossing within the horizon.
    pub probability: f64,
    /// Median days to the crossing.
    pub days_left: f64,
}

/// Forecast for a creative at lifetime frequency `now`, rising `growth` a day, whose
/// threshold is known to exceed `floor` (its frequency when a decline started then
/// would already show), over `horizon` days.
pub(crate) fn project(
    model: &FrequencyModel,
    now: f64,
    growth: f64,
    floor: f64,
    horizon: f64,
) -> Option<Projection> {
    if growth <= 0.0 || !growth.is_finite() || !now.is_finite() {
        return None;
    }
    let s = model.threshold_sd.max(1e-9);
    // W = θ + g D: the frequency the creative will be at on its crossing day.
    let w_mean = model.threshold_mean + growth * model.decline_days_mean;
    let w_sd = (s.powi(2) + (growth * model.decline_days_sd).powi(2)).sqrt();
    let below_floor = normal_cdf((floor - model.threshold_mean) / s);
    let remaining = 1.0 - below_floor;
    if remaining <= 1e-12 {
        return None;
    }
    let by = |days: f64| -> f64 {
        ((normal_cdf((now + growth * days - w_mean) / w_sd) - below_floor) / remaining)
            .clamp(0.0, 1.0)
    };
    // The median: the first day by which the crossing is as likely as not.
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    while by(hi) < 0.5 && hi < 3650.0 {
        hi *= 2.0;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if by(mid) < 0.5 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(Projection {
        probability: by(horizon),
        days_left: hi,
    })
}

/// Least-squares slope of `(t, y)` points; `None` with fewer than 3 or no spread in t.
pub(crate) fn slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 3 {
        return None;
    }
    let n = points.len() as f64;
    let mt = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let stt: f64 = points.iter().map(|p| (p.0 - mt).powi(2)).sum();
    if stt <= 1e-12 {
        return None;
    }
    Some(points.iter().map(|p| (p.0 - mt) * (p.1 - my)).sum::<f64>() / stt)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn learning_moves_the_prior_towards_the_account() {
        let prior = FrequencyModel::learn(&[]);
        assert_eq!(prior, FrequencyModel::prior());
        let observed = [
            Observed {
                threshold: 2.5,
                decline_days: 6.0,
            },
            Observed {
                threshold: 3.1,
                decline_days: 10.0,
            },
        ];
        let m = FrequencyModel::learn(&observed);
        // (3.5 + 2.5 + 3.1) / 3 = 3.0333; variance (2 * 0.5625 + 0.2844 + 0.0044) / 4.
        assert!((m.threshold_mean - 3.033_333).abs() < 1e-6, "{m:?}");
        let scatter = (2.5_f64 - 3.033_333).powi(2) + (3.1_f64 - 3.033_333).powi(2);
        let sd = ((2.0 * 0.5625 + scatter) / 4.0).sqrt();
        assert!((m.threshold_sd - sd).abs() < 1e-6, "{m:?}");
        assert!((m.decline_days_mean - 8.0).abs() < 1e-9);
        assert_eq!(m.learned_from, 2);
        assert!((m.share_fatigued_by(m.threshold_mean) - 0.5).abs() < 1e-7);
    }

    #[test]
    fn projection_on_a_known_case() {
        // θ ~ N(3, 0.1), D exactly 5 days, F = 2.5 rising 0.05 a day, nothing ruled
        // out: F reaches 3 in 10 days, so the crossing is due in 15.
        let model = FrequencyModel {
            threshold_mean: 3.0,
            threshold_sd: 0.1,
            decline_days_mean: 5.0,
            decline_days_sd: 0.0,
            learned_from: 3,
        };
        let p = project(&model, 2.5, 0.05, 0.0, 14.0).unwrap();
        assert!((p.days_left - 15.0).abs() < 1e-6, "{p:?}");
        // By day 14 F + g(14 - 5) = 2.95: half a standard deviation short.
        assert!((p.probability - normal_cdf(-0.5)).abs() < 1e-6, "{p:?}");
        // Known to be above 3.0 already (no decline yet): the crossing is close.
        let p = project(&model, 3.1, 0.05, 3.0, 14.0).unwrap();
        assert!(p.probability > 0.99, "{p:?}");
        assert!(project(&model, 2.5, 0.0, 0.0, 14.0).is_none());
    }

    #[test]
    fn slope_of_a_line() {
        let points: Vec<(f64, f64)> = (0..10)
            .map(|i| (f64::from(i), 2.0 + 0.03 * f64::from(i)))
            .collect();
        assert!((slope(&points).unwrap() - 0.03).abs() < 1e-12);
        assert!(slope(&points[..2]).is_none());
    }
}
