//! Anomaly detection on series whose anomalies we planted.
#![allow(clippy::unwrap_used)]

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use omnify_analytics::anomalies::{
    AnomalySettings, Direction, Granularity, MetricSeries, Severity, detect, from_csv, judge,
};
use omnify_analytics::table::Table;

fn start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 6, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

/// Daily revenue with a strong weekend lift, ±4% noise and slow growth.
fn daily_revenue(days: i64, planted: &[(i64, f64)]) -> MetricSeries {
    let mut state = 7_u64;
    let points = (0..days)
        .map(|i| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let noise = 1.0 + 0.08 * (((state >> 11) as f64 / (1_u64 << 53) as f64) - 0.5);
            let t = start() + Duration::days(i);
            let weekday =
                [1.0, 0.95, 0.95, 1.0, 1.1, 1.4, 1.35][t.weekday().num_days_from_monday() as usize];
            let mut value = 1000.0 * (1.0 + 0.002 * i as f64) * weekday * noise;
            if let Some((_, factor)) = planted.iter().find(|(day, _)| *day == i) {
                value *= factor;
            }
            (t, value)
        })
        .collect();
    MetricSeries {
        metric: "revenue".into(),
        points,
    }
}

#[test]
fn finds_a_planted_outage_and_nothing_else() {
    let series = daily_revenue(150, &[(100, 0.05)]);
    let found = detect(&series, None);
    assert_eq!(found.len(), 1, "{found:#?}");
    let a = &found[0];
    assert_eq!(a.timestamp, start() + Duration::days(100));
    assert_eq!(a.direction, Direction::Down);
    assert_eq!(a.severity, Severity::High);
    assert!(a.expected > a.high * 0.8 && a.low < a.expected && a.expected < a.high);
    assert!(a.score > 0.5 && a.score < 1.0);
}

#[test]
fn weekends_are_expected_not_flagged() {
    // Saturdays are 40% above Mondays: a detector without seasonality would flag them.
    let series = daily_revenue(120, &[]);
    assert!(detect(&series, None).is_empty());
    let judged = judge(
        &series,
        Granularity::Daily,
        &AnomalySettings::for_granularity(Granularity::Daily),
    );
    let saturday = judged
        .iter()
        .rev()
        .find(|j| j.timestamp.weekday() == chrono::Weekday::Sat)
        .unwrap();
    let monday = judged
        .iter()
        .rev()
        .find(|j| j.timestamp.weekday() == chrono::Weekday::Mon)
        .unwrap();
    assert!(saturday.expected.unwrap() > monday.expected.unwrap() * 1.25);
}

#[test]
fn judging_is_causal() {
    let series = daily_revenue(120, &[]);
    let mut changed = series.clone();
    changed.points[110].1 *= 10.0;
    let settings = AnomalySettings::for_granularity(Granularity::Daily);
    let before = judge(&series, Granularity::Daily, &settings);
    let after = judge(&changed, Granularity::Daily, &settings);
    assert_eq!(before[..110], after[..110]);
    assert!(after[110].z > 10.0);
}

#[test]
fn hourly_data_is_recognised_and_a_spike_found() {
    let points: Vec<(NaiveDateTime, f64)> = (0..24 * 30)
        .map(|h| {
            let t = start() + Duration::hours(h);
            let daily_shape = 1.0 + 0.5 * ((h % 24) as f64 / 24.0 * std::f64::consts::TAU).sin();
            let value = if h == 24 * 25 + 3 {
                9.0
            } else {
                2.0 * daily_shape + 0.01 * (h % 7) as f64
            };
            (t, value)
        })
        .collect();
    let series = MetricSeries {
        metric: "cpc".into(),
        points,
    };
    assert_eq!(Granularity::infer(&series.points), Granularity::Hourly);
    let found = detect(&series, None);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].direction, Direction::Up);
}

#[test]
fn csv_reads_every_numeric_column_or_the_one_asked_for() {
    let text = "timestamp,spend,revenue,campaign\n2026-06-01,100,300,A\n2026-06-02,110,,A\n";
    let table = Table::parse(text).unwrap();
    let all = from_csv(&table, None).unwrap();
    let names: Vec<&str> = all.iter().map(|s| s.metric.as_str()).collect();
    assert_eq!(names, ["spend", "revenue"]);
    assert_eq!(all[1].points.len(), 1, "an empty cell is a missing point");
    let one = from_csv(&table, Some("Spend")).unwrap();
    assert_eq!(one.len(), 1);
    let err = from_csv(&table, Some("roas")).unwrap_err();
    assert!(err.to_string().contains("missing column `roas`"), "{err}");
    let bad = Table::parse("timestamp,spend\nyesterday,5\n").unwrap();
    let err = from_csv(&bad, None).unwrap_err();
    assert!(
        err.to_string().starts_with("line 2, column `timestamp`"),
        "{err}"
    );
}
