//! A deterministic synthetic brand: the data every sandbox emulator serves.
//!
//! The same seed and end date always give the same numbers, so evals can assert on
//! them, and the [`GroundTruth`] records what was planted (fatigue, anomalies, response
//! curves) so analytics tools can be scored on whether they find it.
//!
//! Each platform has its own generator module and its own PRNG stream
//! ([`SplitMix64::for_stream`]), so adding Google Ads or TikTok later does not move a
//! single Meta number.

pub mod meta_ads;

use crate::sandbox::prng::SplitMix64;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

pub use meta_ads::{MetaAd, MetaAdDay, MetaAdSet, MetaAdsAccount, MetaCampaign, MetaCreative};

/// The least history the brand carries: enough for a 90-day range and its previous
/// period.
pub const MIN_HISTORY_DAYS: u32 = 180;

/// How to generate a brand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrandConfig {
    pub seed: u64,
    /// The last day with data, normally yesterday.
    pub end_date: NaiveDate,
    /// Days of history up to and including `end_date`; at least [`MIN_HISTORY_DAYS`].
    pub history_days: u32,
}

impl BrandConfig {
    pub fn new(seed: u64, end_date: NaiveDate) -> Self {
        Self {
            seed,
            end_date,
            history_days: 400,
        }
    }
}

/// The synthetic brand: an outdoor-gear DTC store advertising on several platforms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Brand {
    pub name: String,
    pub seed: u64,
    /// ISO 4217 code every account bills in.
    pub currency: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub meta: MetaAdsAccount,
    pub ground_truth: GroundTruth,
}

impl Brand {
    /// The seed `omnify serve` uses when no other is configured.
    pub const DEFAULT_SEED: u64 = 20_261_124;

    pub fn generate(config: BrandConfig) -> Self {
        let history = i64::from(config.history_days.max(MIN_HISTORY_DAYS));
        let calendar = Calendar {
            start: config.end_date - Duration::days(history - 1),
            end: config.end_date,
        };
        let mut ground_truth = GroundTruth {
            weekday_spend_factors: WEEKDAY_SPEND_FACTORS,
            ..GroundTruth::default()
        };
        let mut meta_rng = SplitMix64::for_stream(config.seed, "meta");
        let meta = meta_ads::generate(&calendar, &mut meta_rng, &mut ground_truth);
        Self {
            name: "Trailhead Supply Co.".to_owned(),
            seed: config.seed,
            currency: "USD".to_owned(),
            start_date: calendar.start,
            end_date: calendar.end,
            meta,
            ground_truth,
        }
    }

    /// The default sandbox brand for a server whose "today" is `today`: data ends
    /// yesterday, like a real account after the overnight attribution settles.
    pub fn for_today(today: NaiveDate) -> Self {
        Self::generate(BrandConfig::new(
            Self::DEFAULT_SEED,
            today - Duration::days(1),
        ))
    }
}

/// The days a brand has data for, shared by every platform generator.
#[derive(Debug, Clone, Copy)]
pub struct Calendar {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Calendar {
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let (start, end) = (self.start, self.end);
        start.iter_days().take_while(move |d| *d <= end)
    }

    /// `end` minus `days`, clamped to the calendar, for planting events "N days ago".
    pub fn days_before_end(&self, days: i64) -> NaiveDate {
        (self.end - Duration::days(days)).max(self.start)
    }
}

/// Spend multiplier by weekday, Monday first: this brand's shoppers buy at weekends,
/// so Advantage+ and the bid strategies push more spend then.
pub const WEEKDAY_SPEND_FACTORS: [f64; 7] = [0.94, 0.96, 0.98, 1.0, 1.04, 1.14, 1.12];

pub fn weekday_spend_factor(date: NaiveDate) -> f64 {
    WEEKDAY_SPEND_FACTORS[date.weekday().num_days_from_monday() as usize]
}

pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// What the generator planted, for scoring analytics against the truth.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub response_curves: Vec<ResponseCurve>,
    pub fatigue: Vec<CreativeFatigue>,
    pub anomalies: Vec<Anomaly>,
    /// Spend multiplier per weekday, Monday first.
    pub weekday_spend_factors: [f64; 7],
}

/// Daily revenue = `a * spend^b` (spend and revenue in major units, before weekend
/// lift and fatigue). `b < 1` is the diminishing return a budget tool should find.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseCurve {
    pub platform: String,
    pub campaign_id: String,
    pub campaign_name: String,
    pub a: f64,
    pub b: f64,
    /// Revenue multiplier on Saturdays and Sundays.
    pub weekend_lift: f64,
}

impl ResponseCurve {
    pub fn expected_revenue(&self, spend: f64) -> f64 {
        self.a * spend.max(0.0).powf(self.b)
    }
}

/// A creative whose CTR decays from `onset`: factor = floor + (1 - floor) * e^(-decay * days).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreativeFatigue {
    pub platform: String,
    pub campaign_id: String,
    pub ad_id: String,
    pub creative_id: String,
    pub creative_name: String,
    pub onset: NaiveDate,
    pub daily_decay: f64,
    pub floor: f64,
}

impl CreativeFatigue {
    /// Multiplier on CTR (and on the ad's conversion volume) on `date`.
    pub fn factor(&self, date: NaiveDate) -> f64 {
        let days = (date - self.onset).num_days();
        if days < 0 {
            return 1.0;
        }
        self.floor + (1.0 - self.floor) * (-self.daily_decay * days as f64).exp()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// The pixel/CAPI stopped reporting: spend and clicks normal, purchases near zero.
    TrackingOutage,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    pub platform: String,
    pub date: NaiveDate,
    pub kind: AnomalyKind,
    pub description: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn brand(seed: u64) -> Brand {
        Brand::generate(BrandConfig::new(seed, day("2026-11-23")))
    }

    #[test]
    fn same_seed_gives_the_same_brand_and_another_seed_does_not() {
        let a = brand(42);
        assert_eq!(a, brand(42));
        let b = brand(43);
        assert_eq!(a.meta.campaigns.len(), b.meta.campaigns.len());
        assert_ne!(a.meta.days, b.meta.days);
    }

    #[test]
    fn history_spans_at_least_180_days_and_ends_on_end_date() {
        let short = Brand::generate(BrandConfig {
            history_days: 30,
            ..BrandConfig::new(1, day("2026-11-23"))
        });
        assert_eq!(short.end_date, day("2026-11-23"));
        assert_eq!((short.end_date - short.start_date).num_days() + 1, 180);
        let b = brand(42);
        assert_eq!(
            b.meta.days.iter().map(|d| d.date).max(),
            Some(day("2026-11-23"))
        );
        assert_eq!(b.meta.days.iter().map(|d| d.date).min(), Some(b.start_date));
    }

    #[test]
    fn meta_structure_is_four_campaigns_two_ad_sets_each_two_or_three_ads() {
        let b = brand(42);
        assert_eq!(b.meta.account_id, "act_1234567890");
        assert_eq!(b.meta.campaigns.len(), 4);
        for c in &b.meta.campaigns {
            assert_eq!(c.ad_sets.len(), 2, "{}", c.name);
            assert!(c.daily_budget_minor > 0);
            for s in &c.ad_sets {
                assert!((2..=3).contains(&s.ads.len()), "{}", s.name);
            }
        }
        let names: Vec<_> = b.meta.campaigns.iter().map(|c| c.name.as_str()).collect();
        assert!(names.contains(&"ASC - Evergreen"));
        assert!(names.contains(&"Retargeting - 7d"));
    }

    #[test]
    fn weekends_spend_more_than_weekdays() {
        let b = brand(42);
        let (mut weekend, mut weekday) = ((0_i64, 0_u32), (0_i64, 0_u32));
        let evergreen = &b.meta.campaigns[0].id;
        let mut per_day = std::collections::BTreeMap::<NaiveDate, i64>::new();
        for d in b.meta.days.iter().filter(|d| &d.campaign_id == evergreen) {
            *per_day.entry(d.date).or_default() += d.spend_minor;
        }
        for (date, spend) in per_day {
            let bucket = if is_weekend(date) {
                &mut weekend
            } else {
                &mut weekday
            };
            bucket.0 += spend;
            bucket.1 += 1;
        }
        let weekend_avg = weekend.0 as f64 / f64::from(weekend.1);
        let weekday_avg = weekday.0 as f64 / f64::from(weekday.1);
        assert!(
            weekend_avg > weekday_avg * 1.08,
            "{weekend_avg} vs {weekday_avg}"
        );
    }

    #[test]
    fn fatigued_creatives_lose_ctr_after_onset() {
        let b = brand(42);
        assert!(b.ground_truth.fatigue.len() >= 2);
        for f in &b.ground_truth.fatigue {
            let ctr = |from: i64, to: i64| {
                let (mut clicks, mut impressions) = (0_u64, 0_u64);
                for d in b.meta.days.iter().filter(|d| d.ad_id == f.ad_id) {
                    let offset = (d.date - f.onset).num_days();
                    if (from..to).contains(&offset) {
                        clicks += d.clicks;
                        impressions += d.impressions;
                    }
                }
                clicks as f64 / impressions as f64
            };
            let before = ctr(-14, 0);
            let after = ctr(14, 28);
            assert!(
                after < before * 0.8,
                "{}: {before} -> {after}",
                f.creative_name
            );
        }
    }

    #[test]
    fn the_tracking_outage_day_has_almost_no_purchases() {
        let b = brand(42);
        let outage = b
            .ground_truth
            .anomalies
            .iter()
            .find(|a| a.kind == AnomalyKind::TrackingOutage && a.platform == "meta")
            .unwrap();
        let purchases_on = |date: NaiveDate| -> u64 {
            b.meta
                .days
                .iter()
                .filter(|d| d.date == date)
                .map(|d| d.purchases)
                .sum()
        };
        let spend_on = |date: NaiveDate| -> i64 {
            b.meta
                .days
                .iter()
                .filter(|d| d.date == date)
                .map(|d| d.spend_minor)
                .sum()
        };
        let week_before = outage.date - Duration::days(7);
        assert!(
            purchases_on(week_before) > 20,
            "{}",
            purchases_on(week_before)
        );
        assert!(purchases_on(outage.date) * 10 <= purchases_on(week_before));
        // Spend keeps flowing during the outage: that is what makes it an anomaly.
        assert!(spend_on(outage.date) * 2 > spend_on(week_before));
    }

    #[test]
    fn response_curves_have_diminishing_returns() {
        let b = brand(42);
        assert_eq!(b.ground_truth.response_curves.len(), 4);
        for c in &b.ground_truth.response_curves {
            assert!(c.b > 0.0 && c.b < 1.0);
            let roas_low = c.expected_revenue(100.0) / 100.0;
            let roas_high = c.expected_revenue(1000.0) / 1000.0;
            assert!(roas_high < roas_low);
        }
    }
}
