//! Audience saturation: each ad reaches a finite audience, so the more it is shown the
//! fewer of its impressions find new people and the higher its frequency climbs.
//! Planted fatigue sets in when an ad's lifetime frequency reaches its own threshold.
//!
//! Model (the classic random-exposure reach curve): an ad with an audience of `N`
//! people that has served `C` impressions in its life has reached
//! `R(C) = N (1 - e^(-C/N))` of them, so its lifetime frequency is
//! `C / R(C) = x / (1 - e^(-x))` with `x = C / N`. On one day the ad's `I` impressions
//! reach `new = R(C_t) - R(C_(t-1))` people for the first time (never more than `I`,
//! since `R' <= 1`); the other `I - new` go to people reached before, each of whom sees
//! the ad `k` times that day (`k` between 1.1 and 1.6, the day's repeat factor). Daily
//! reach = `new + (I - new) / k`, capped by the people reached before, so daily reach
//! never exceeds impressions and frequency is never below 1.
//!
//! Audiences are back-solved from delivery that is already fixed: a fatiguing creative
//! gets the audience that makes its lifetime frequency reach its threshold (drawn from
//! 2.5-4.5) exactly on its planned onset day; a steady one gets an audience that leaves
//! its lifetime frequency at 1.2-2.8 on the last day, so some approach the thresholds
//! without fatiguing. Nothing else about the ad's delivery changes.

use super::CreativeFatigue;
use crate::sandbox::prng::SplitMix64;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Range of the lifetime frequency at which a planted creative starts to fatigue.
pub const FATIGUE_FREQUENCY: (f64, f64) = (2.5, 4.5);
/// Range of the lifetime frequency a steady creative ends the history at.
pub const STEADY_FINAL_FREQUENCY: (f64, f64) = (1.2, 2.8);

/// One ad's audience, as planted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdAudience {
    pub platform: String,
    pub ad_id: String,
    /// People the ad can reach.
    pub size: f64,
    /// Lifetime frequency on the brand's last day.
    pub final_frequency: f64,
}

/// Lifetime frequency `x / (1 - e^(-x))` at saturation `x = impressions / audience`.
pub fn lifetime_frequency(x: f64) -> f64 {
    if x < 1e-9 {
        return 1.0 + x / 2.0;
    }
    x / -(-x).exp_m1()
}

/// The saturation `x` at which the lifetime frequency is `frequency` (> 1), by
/// bisection (the function is increasing).
pub fn saturation_for(frequency: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, frequency.max(1.0) + 1.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if lifetime_frequency(mid) < frequency {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// People reached at least once after `impressions` impressions to `audience` people.
pub fn cumulative_reach(audience: f64, impressions: f64) -> f64 {
    if audience <= 0.0 {
        return 0.0;
    }
    -audience * (-impressions / audience).exp_m1()
}

/// One day's unique reach: the day's first-time viewers plus the returning ones, each
/// returning viewer seeing the ad `repeat` (> 1) times. `before` is the lifetime
/// impressions before the day.
pub fn daily_reach(audience: f64, before: f64, impressions: f64, repeat: f64) -> f64 {
    let reached_before = cumulative_reach(audience, before);
    let new =
        (cumulative_reach(audience, before + impressions) - reached_before).clamp(0.0, impressions);
    let returning = ((impressions - new) / repeat.max(1.0)).min(reached_before);
    new + returning
}

/// An ad's daily delivery, for [`plant`].
pub(crate) struct Delivery {
    pub date: NaiveDate,
    pub impressions: u64,
    /// The day's repeat factor (1.1-1.6).
    pub repeat: f64,
}

/// Daily and lifetime reach per row, in the rows' order.
pub(crate) struct Reach {
    pub daily: u64,
    pub lifetime: u64,
}

/// Draws each ad's audience (from `rng`, its own stream), records it (and on the
/// fatiguing creatives in `fatigue`, their threshold), and returns every
/// row's reach. `rows` are (ad id, delivery) in date order.
pub(crate) fn plant(
    platform: &str,
    ads: &[String],
    rows: &[(&str, Delivery)],
    fatigue: &mut [CreativeFatigue],
    audiences: &mut Vec<AdAudience>,
    rng: &mut SplitMix64,
) -> Vec<Reach> {
    let mut sizes: BTreeMap<&str, f64> = BTreeMap::new();
    for ad in ads {
        let planted = fatigue
            .iter_mut()
            .find(|f| f.platform == platform && &f.ad_id == ad);
        let until = |day: Option<NaiveDate>| -> f64 {
            rows.iter()
                .filter(|(id, d)| id == ad && day.is_none_or(|day| d.date <= day))
                .map(|(_, d)| d.impressions as f64)
                .sum()
        };
        let size = match planted {
            Some(f) => {
                let threshold = rng.uniform(FATIGUE_FREQUENCY.0, FATIGUE_FREQUENCY.1);
                let size = until(Some(f.onset)) / saturation_for(threshold);
                f.onset_frequency = threshold;
                size
            }
            None => {
                let target = rng.uniform(STEADY_FINAL_FREQUENCY.0, STEADY_FINAL_FREQUENCY.1);
                until(None) / saturation_for(target)
            }
        };
        let size = size.round().max(1.0);
        let total = until(None);
        audiences.push(AdAudience {
            platform: platform.to_owned(),
            ad_id: ad.clone(),
            size,
            final_frequency: if total > 0.0 {
                total / cumulative_reach(size, total)
            } else {
                1.0
            },
        });
        sizes.insert(ad.as_str(), size);
    }
    let mut served: BTreeMap<&str, f64> = BTreeMap::new();
    rows.iter()
        .map(|(ad, d)| {
            let size = sizes.get(ad).copied().unwrap_or(1.0);
            let before = served.entry(ad).or_insert(0.0);
            let impressions = d.impressions as f64;
            let daily = daily_reach(size, *before, impressions, d.repeat);
            *before += impressions;
            let lifetime = cumulative_reach(size, *before);
            Reach {
                daily: (daily.round() as u64).min(d.impressions),
                lifetime: lifetime.round() as u64,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn saturation_formula_on_known_values() {
        // x = 1: F = 1 / (1 - e^-1) = 1.581977; x = 3: 3 / (1 - e^-3) = 3.157187.
        assert!((lifetime_frequency(1.0) - 1.581_977).abs() < 1e-6);
        assert!((lifetime_frequency(3.0) - 3.157_187).abs() < 1e-6);
        assert!((lifetime_frequency(0.0) - 1.0).abs() < 1e-12);
        for f in [1.2, 2.5, 3.157_187, 4.5] {
            assert!(
                (lifetime_frequency(saturation_for(f)) - f).abs() < 1e-9,
                "{f}"
            );
        }
        assert!((saturation_for(3.157_187) - 3.0).abs() < 1e-5);
        // 1,000 people, 1,000 impressions: 632 reached.
        assert!((cumulative_reach(1000.0, 1000.0) - 632.120_56).abs() < 1e-4);
    }

    #[test]
    fn daily_reach_stays_between_impressions_over_repeat_and_impressions() {
        // Fresh audience: almost every impression is a new person.
        let fresh = daily_reach(1e6, 0.0, 1000.0, 1.5);
        assert!(fresh > 999.0 && fresh <= 1000.0, "{fresh}");
        // Saturated: new people are rare, returning viewers see it 1.5 times.
        let saturated = daily_reach(1000.0, 10_000.0, 900.0, 1.5);
        assert!((saturated - 600.0).abs() < 0.1, "{saturated}");
        // The known case: 1,000 people, 500 served before, 500 today, repeat 2:
        // new = 1000 (e^-0.5 - e^-1) = 238.651; returning = (500 - 238.651) / 2.
        let r = daily_reach(1000.0, 500.0, 500.0, 2.0);
        assert!((r - (238.651 + 130.674)).abs() < 1e-2, "{r}");
    }
}

#[cfg(test)]
mod brand_tests {
    #![allow(clippy::unwrap_used)]
    use crate::sandbox::brand::{Brand, BrandConfig};
    use chrono::NaiveDate;

    /// Lifetime frequency of `ad` through `day`, from the rows.
    fn frequency(rows: &[(NaiveDate, &str, u64, u64)], ad: &str, day: NaiveDate) -> f64 {
        let served: u64 = rows
            .iter()
            .filter(|r| r.1 == ad && r.0 <= day)
            .map(|r| r.2)
            .sum();
        let reach = rows
            .iter()
            .filter(|r| r.1 == ad && r.0 <= day)
            .map(|r| r.3)
            .next_back()
            .unwrap();
        served as f64 / reach as f64
    }

    #[test]
    fn fatigue_starts_at_the_planted_frequency_and_reach_stays_sane() {
        let brand = Brand::generate(BrandConfig::new(
            42,
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        ));
        let meta: Vec<_> = brand
            .meta
            .days
            .iter()
            .map(|d| (d.date, d.ad_id.as_str(), d.impressions, d.lifetime_reach))
            .collect();
        let tiktok: Vec<_> = brand
            .tiktok
            .days
            .iter()
            .map(|d| (d.date, d.ad_id.as_str(), d.impressions, d.lifetime_reach))
            .collect();
        for d in &brand.meta.days {
            assert!(
                d.reach <= d.impressions && d.reach <= d.lifetime_reach,
                "{d:?}"
            );
            assert!(d.impressions == 0 || d.reach > 0, "{d:?}");
        }
        for d in &brand.tiktok.days {
            assert!(
                d.reach <= d.impressions && d.reach <= d.lifetime_reach,
                "{d:?}"
            );
        }
        let mut thresholds = Vec::new();
        for f in &brand.ground_truth.fatigue {
            let rows = match f.platform.as_str() {
                "meta" => &meta,
                "tiktok" => &tiktok,
                _ => continue,
            };
            let at_onset = frequency(rows, &f.ad_id, f.onset);
            assert!(
                (at_onset - f.onset_frequency).abs() < 0.01,
                "{f:?}: {at_onset}"
            );
            assert!((2.5..4.5).contains(&f.onset_frequency), "{f:?}");
            thresholds.push(f.onset_frequency);
        }
        // A spread, not one number.
        let (lo, hi) = thresholds
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), t| (lo.min(*t), hi.max(*t)));
        assert!(hi - lo > 0.5, "{thresholds:?}");
        // Steady ads end between 1.2 and 2.8; some come near the thresholds.
        let steady: Vec<f64> = brand
            .ground_truth
            .audiences
            .iter()
            .filter(|a| {
                !brand
                    .ground_truth
                    .fatigue
                    .iter()
                    .any(|f| f.platform == a.platform && f.ad_id == a.ad_id)
            })
            .map(|a| a.final_frequency)
            .collect();
        assert!(
            steady.iter().all(|f| (1.19..2.81).contains(f)),
            "{steady:?}"
        );
        assert!(steady.iter().any(|f| *f > 2.4), "{steady:?}");
    }
}
