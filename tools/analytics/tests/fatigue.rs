//! Creative fatigue on synthetic creatives whose truth we know.
#![allow(clippy::unwrap_used)]

use chrono::{Datelike, Duration, NaiveDate};
use omnify_analytics::fatigue::{
    CreativeDay, CreativeSeries, FatigueSettings, FatigueStatus, FrequencyModel, assess,
    assess_all, assess_with, from_csv,
};
use omnify_analytics::table::Table;

/// A small deterministic generator so the tests need no crate.
struct Lcg(u64);
impl Lcg {
    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1_u64 << 53) as f64
    }
    fn noise(&mut self, spread: f64) -> f64 {
        1.0 + spread * (2.0 * self.uniform() - 1.0)
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// `days` days ending on `end`; CTR 1.5% times `factor(date)`, ±10% daily noise,
/// impressions swinging by weekday like the seeded brand's spend.
fn creative(
    end: NaiveDate,
    days: i64,
    seed: u64,
    factor: impl Fn(NaiveDate) -> f64,
) -> CreativeSeries {
    let mut rng = Lcg(seed);
    let weekday = [0.94, 0.96, 0.98, 1.0, 1.04, 1.14, 1.12];
    let days = (0..days)
        .map(|i| {
            let date = end - Duration::days(days - 1 - i);
            let impressions = (8000.0
                * weekday[date.weekday().num_days_from_monday() as usize]
                * rng.noise(0.15))
            .round();
            let clicks = (impressions * 0.015 * factor(date) * rng.noise(0.1)).round();
            CreativeDay {
                date,
                impressions,
                clicks,
                conversions: None,
                spend: None,
                frequency: None,
            }
        })
        .collect();
    CreativeSeries {
        creative: format!("creative {seed}"),
        platform: Some("meta".into()),
        days,
    }
}

fn decay(onset: NaiveDate, rate: f64, floor: f64) -> impl Fn(NaiveDate) -> f64 {
    move |d| {
        let t = (d - onset).num_days();
        if t < 0 {
            1.0
        } else {
            floor + (1.0 - floor) * (-rate * t as f64).exp()
        }
    }
}

#[test]
fn a_creative_that_only_wobbles_stays_healthy() {
    let end = day("2026-11-23");
    for seed in 1..=20 {
        let a = assess(
            &creative(end, 120, seed, |_| 1.0),
            &FatigueSettings::default(),
        );
        assert_eq!(a.status, FatigueStatus::Healthy, "seed {seed}: {a:?}");
        assert!(a.confidence < 0.5, "{a:?}");
        assert!((a.current_ctr - 0.015).abs() < 0.0015, "{a:?}");
    }
}

#[test]
fn a_slow_decline_is_warned_about_before_it_crosses() {
    let end = day("2026-11-23");
    // 5%/day towards a floor of 50%: crosses 80% of the peak 11 days after onset.
    let onset = end - Duration::days(8);
    let truth_crossing = onset + Duration::days(11);
    let mut warned = 0;
    let mut errors = Vec::new();
    for seed in 1..=10 {
        let a = assess(
            &creative(end, 120, seed, decay(onset, 0.05, 0.5)),
            &FatigueSettings::default(),
        );
        if a.status == FatigueStatus::Warning {
            warned += 1;
            let predicted = a.predicted_date.unwrap();
            let error = (predicted - truth_crossing).num_days().abs();
            eprintln!(
                "seed {seed}: predicted {predicted}, truth {truth_crossing}, confidence {:.2}",
                a.confidence
            );
            errors.push(error);
            assert_eq!(a.days_left, Some((predicted - end).num_days()));
            let trend = a.trend.as_ref().unwrap();
            assert!(trend.daily_change_pct < -1.0, "{trend:?}");
            assert!(a.confidence >= 0.5 && a.confidence <= 1.0);
        }
    }
    assert!(warned >= 7, "warned {warned} of 10");
    // Five days into a decline the slope is uncertain; the dates are right on average.
    errors.sort_unstable();
    let median = errors[errors.len() / 2];
    assert!(median <= 3, "median error {median} days: {errors:?}");
}

#[test]
fn a_creative_far_below_its_peak_is_fatigued() {
    let end = day("2026-11-23");
    let onset = end - Duration::days(30);
    let a = assess(
        &creative(end, 120, 7, decay(onset, 0.07, 0.45)),
        &FatigueSettings::default(),
    );
    assert_eq!(a.status, FatigueStatus::Fatigued, "{a:?}");
    assert_eq!(a.confidence, 1.0);
    assert!(a.current_ctr < 0.8 * a.peak_ctr);
    let crossed = a.predicted_date.unwrap();
    assert!(
        crossed > onset && crossed < onset + Duration::days(16),
        "{crossed}"
    );
    assert!(a.peak_date.unwrap() < onset + Duration::days(3));
}

#[test]
fn too_little_history_is_said_not_guessed() {
    let end = day("2026-11-23");
    let a = assess(&creative(end, 10, 3, |_| 1.0), &FatigueSettings::default());
    assert_eq!(a.status, FatigueStatus::NotEnoughData);
    assert!(a.reason.contains("10 days"), "{}", a.reason);
}

#[test]
fn csv_rows_group_by_creative_and_errors_name_the_line() {
    let text = "date,creative,impressions,clicks,spend\n\
                2026-11-02,Hero,1000,12,5.5\n\
                2026-11-01,Hero,900,10,5\n\
                2026-11-01,Video,500,4,\n";
    let series = from_csv(&Table::parse(text).unwrap()).unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].creative, "Hero");
    assert_eq!(series[0].days.len(), 2);
    assert_eq!(series[0].days[0].spend, Some(5.5));
    assert_eq!(series[1].days[0].spend, None);

    let bad = "date,creative,impressions,clicks\n2026-11-01,Hero,100,500\n";
    let err = from_csv(&Table::parse(bad).unwrap()).unwrap_err();
    assert!(
        err.to_string().starts_with("line 2, column `clicks`"),
        "{err}"
    );
    let missing = "date,creative,clicks\n2026-11-01,Hero,5\n";
    let err = from_csv(&Table::parse(missing).unwrap()).unwrap_err();
    assert!(
        err.to_string().contains("missing column `impressions`"),
        "{err}"
    );
}

/// `series` with a lifetime frequency rising `rise` a day and reaching `at` on `day`.
fn with_frequency(
    mut series: CreativeSeries,
    day: NaiveDate,
    at: f64,
    rise: f64,
) -> CreativeSeries {
    for d in &mut series.days {
        d.frequency = Some(at + rise * (d.date - day).num_days() as f64);
    }
    series
}

#[test]
fn frequency_warns_before_ctr_moves_when_the_threshold_is_known() {
    let end = day("2026-11-23");
    let known = FrequencyModel {
        threshold_mean: 3.0,
        threshold_sd: 0.02,
        decline_days_mean: 5.0,
        decline_days_sd: 0.5,
        learned_from: 4,
    };
    // Flat CTR; frequency 2.9 today, rising 0.02 a day: 3.0 in 5 days, then 5 days of
    // decline: the crossing on day 10.
    let series = with_frequency(creative(end, 120, 5, |_| 1.0), end, 2.9, 0.02);
    let a = assess_with(&series, &FatigueSettings::default(), &known);
    assert_eq!(a.status, FatigueStatus::Warning, "{a:?}");
    assert_eq!(a.days_left, Some(10), "{a:?}");
    assert!(a.confidence > 0.9, "{a:?}");
    let f = a.frequency.unwrap();
    assert!((f.daily_rise - 0.02).abs() < 1e-9 && (f.lifetime_frequency - 2.9).abs() < 1e-9);
    // Three days earlier (frequency 2.84, crossing on day 13) it is too early to warn:
    // a frequency warning aims at the middle of the 7-14-day window (11 days).
    let earlier = with_frequency(creative(end, 120, 5, |_| 1.0), end, 2.84, 0.02);
    let a = assess_with(&earlier, &FatigueSettings::default(), &known);
    assert_eq!(a.status, FatigueStatus::Healthy, "{a:?}");
    let days_left = a
        .frequency
        .as_ref()
        .and_then(|f| f.days_left)
        .map(f64::ceil);
    assert_eq!(days_left, Some(13.0), "{a:?}");
    // With the industry prior (3.5 ± 0.75) the first creative is not warned.
    let a = assess(&series, &FatigueSettings::default());
    assert_eq!(a.status, FatigueStatus::Healthy, "{a:?}");
    assert!(a.confidence < 0.5, "{a:?}");
}

#[test]
fn the_account_learns_its_threshold_from_a_fatigued_creative() {
    let end = day("2026-11-23");
    let onset = end - Duration::days(30);
    // Fatigued: its decline began at frequency 3.0.
    let tired = with_frequency(
        creative(end, 120, 7, decay(onset, 0.07, 0.45)),
        onset,
        3.0,
        0.01,
    );
    let fresh = with_frequency(creative(end, 120, 8, |_| 1.0), end, 2.0, 0.01);
    let found = assess_all(&[tired, fresh], &FatigueSettings::default());
    assert_eq!(found[0].status, FatigueStatus::Fatigued);
    let f = found[1].frequency.as_ref().unwrap();
    assert_eq!(f.learned_from, 1, "{f:?}");
    // The prior's 3.5 and the observed 3.0, weighted equally.
    assert!((f.threshold_mean - 3.25).abs() < 0.03, "{f:?}");
    assert_eq!(found[1].status, FatigueStatus::Healthy);
}
