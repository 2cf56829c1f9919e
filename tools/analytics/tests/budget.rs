//! Budget allocation on curves with known optima, and curve fitting on known curves.
#![allow(clippy::unwrap_used)]

use chrono::{Datelike, Duration, NaiveDate};
use omnify_analytics::budget::{
    AllocationError, Bounds, BudgetSettings, ResponseCurve, SpendDay, allocate, from_csv,
    model_channels, plan,
};
use omnify_analytics::table::Table;
use std::collections::BTreeMap;

fn curve(a: f64, b: f64) -> ResponseCurve {
    ResponseCurve { a, b }
}

#[test]
fn two_channels_with_the_same_elasticity_split_by_the_closed_form() {
    // Max a1 x^b + a2 (T - x)^b: x1 / x2 = (a1 / a2)^(1 / (1 - b)).
    let (a1, a2, b, total) = (30.0, 20.0, 0.5, 1000.0);
    let spend = allocate(
        &[(curve(a1, b), Bounds::OPEN), (curve(a2, b), Bounds::OPEN)],
        total,
    )
    .unwrap();
    let ratio = (a1 / a2).powf(1.0 / (1.0 - b));
    let expected_first = total * ratio / (1.0 + ratio);
    assert!(
        (spend[0] - expected_first).abs() < 1e-6,
        "{spend:?} vs {expected_first}"
    );
    assert!((spend.iter().sum::<f64>() - total).abs() < 1e-9);
    let (m1, m2) = (
        curve(a1, b).marginal(spend[0]),
        curve(a2, b).marginal(spend[1]),
    );
    assert!((m1 - m2).abs() < 1e-9, "equal marginal ROAS: {m1} vs {m2}");
}

#[test]
fn bounds_bind_and_the_total_is_conserved() {
    let channels = [
        (
            curve(50.0, 0.6),
            Bounds {
                min: 0.0,
                max: 200.0,
            },
        ),
        (
            curve(10.0, 0.7),
            Bounds {
                min: 150.0,
                max: 1e6,
            },
        ),
        (curve(20.0, 0.5), Bounds::OPEN),
    ];
    let spend = allocate(&channels, 1000.0).unwrap();
    assert_eq!(spend[0], 200.0, "the best channel is capped at its maximum");
    assert!(spend[1] >= 150.0);
    assert!((spend.iter().sum::<f64>() - 1000.0).abs() < 1e-9);
    // The two free channels share a marginal ROAS, below the capped one's.
    let (m1, m2) = (
        channels[1].0.marginal(spend[1]),
        channels[2].0.marginal(spend[2]),
    );
    if spend[1] > 150.0 {
        assert!((m1 - m2).abs() / m2 < 1e-6, "{m1} vs {m2}");
    }
    assert!(channels[0].0.marginal(200.0) > m2);
    // No other split within the bounds earns more.
    let revenue = |s: &[f64]| {
        channels
            .iter()
            .zip(s)
            .map(|((c, _), x)| c.revenue(*x))
            .sum::<f64>()
    };
    let best = revenue(&spend);
    for shift in [-20.0, -5.0, 5.0, 20.0] {
        let mut other = spend.clone();
        other[1] += shift;
        other[2] -= shift;
        if other[1] >= 150.0 && other[2] >= 0.0 {
            assert!(revenue(&other) <= best + 1e-9);
        }
    }
}

#[test]
fn impossible_limits_are_explained() {
    let c = curve(10.0, 0.5);
    let err = allocate(
        &[
            (
                c,
                Bounds {
                    min: 600.0,
                    max: 1e9,
                },
            ),
            (
                c,
                Bounds {
                    min: 600.0,
                    max: 1e9,
                },
            ),
        ],
        1000.0,
    )
    .unwrap_err();
    assert!(matches!(err, AllocationError::MinimumsAboveBudget { .. }));
    assert!(err.to_string().contains("1200.00"), "{err}");
    let err = allocate(
        &[(
            c,
            Bounds {
                min: 0.0,
                max: 100.0,
            },
        )],
        1000.0,
    )
    .unwrap_err();
    assert!(matches!(err, AllocationError::MaximumsBelowBudget { .. }));
    assert!(allocate(&[(c, Bounds::OPEN)], 0.0).is_err());
}

/// `days` days of one channel on a known curve with a weekend lift and noise.
fn history(channel: &str, a: f64, b: f64, base: f64, days: i64, seed: u64) -> Vec<SpendDay> {
    let mut state = seed;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1_u64 << 53) as f64
    };
    let start = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    (0..days)
        .map(|i| {
            let date = start + Duration::days(i);
            let weekend = date.weekday().num_days_from_monday() >= 5;
            let spend = base * (0.6 + 0.8 * uniform());
            let lift = if weekend { 1.1 } else { 1.0 };
            let revenue = a * spend.powf(b) * lift * (0.92 + 0.16 * uniform());
            SpendDay {
                date,
                channel: channel.into(),
                spend,
                revenue,
            }
        })
        .collect()
}

#[test]
fn fitting_recovers_a_known_curve_and_plans_conserve_the_budget() {
    let mut days = history("search", 40.0, 0.6, 300.0, 120, 1);
    days.extend(history("social", 15.0, 0.75, 500.0, 120, 2));
    let models = model_channels(&days, &BudgetSettings::default());
    let search = models.iter().find(|m| m.channel == "search").unwrap();
    let fit = search.fit.as_ref().unwrap();
    assert!(
        (fit.curve.b - 0.6).abs() < 3.0 * fit.b_se.max(0.02),
        "{fit:?}"
    );
    assert!((fit.weekend_lift - 1.1).abs() < 0.05, "{fit:?}");
    // Average-day revenue at 300 within 3% of the truth (weekends 2 days in 7).
    let truth = 40.0 * 300_f64.powf(0.6) * (5.0 + 2.0 * 1.1) / 7.0;
    assert!((fit.curve.revenue(300.0) / truth - 1.0).abs() < 0.03);

    let total = 800.0;
    let result = plan(&models, total, &BTreeMap::new()).unwrap();
    let spent: f64 = result.channels.iter().map(|c| c.recommended_spend).sum();
    assert!((spent - total).abs() < 1e-6);
    assert!(result.change_low <= result.revenue_after - result.revenue_before + 1e-9);
    assert!(result.change_high >= result.revenue_after - result.revenue_before - 1e-9);
    let marginals: Vec<f64> = result
        .channels
        .iter()
        .map(|c| c.marginal_roas_after.unwrap())
        .collect();
    assert!(
        (marginals[0] - marginals[1]).abs() / marginals[0] < 1e-6,
        "{marginals:?}"
    );
}

#[test]
fn a_tracking_outage_does_not_bend_the_curve() {
    let mut days = history("meta", 40.0, 0.6, 300.0, 120, 3);
    let clean = model_channels(&days, &BudgetSettings::default())[0]
        .fit
        .clone()
        .unwrap();
    days[60].revenue *= 0.02;
    let with_outage = model_channels(&days, &BudgetSettings::default())[0]
        .fit
        .clone()
        .unwrap();
    assert_eq!(with_outage.days_dropped, 1);
    assert!((with_outage.curve.b - clean.curve.b).abs() < 0.01);
}

#[test]
fn a_channel_with_little_history_keeps_its_spend() {
    let mut days = history("search", 40.0, 0.6, 300.0, 120, 1);
    days.extend(
        history("new", 10.0, 0.6, 100.0, 120, 2)
            .into_iter()
            .skip(110),
    );
    let models = model_channels(&days, &BudgetSettings::default());
    let result = plan(&models, 420.0, &BTreeMap::new()).unwrap();
    let new = result.channels.iter().find(|c| c.channel == "new").unwrap();
    assert_eq!(new.recommended_spend, new.current_spend);
    assert!(new.note.as_ref().unwrap().contains("10 days"));
}

#[test]
fn csv_columns_are_checked() {
    let rows = from_csv(
        &Table::parse("date,channel,spend,revenue\n2026-05-01,meta,\"$1,000\",3200\n").unwrap(),
    )
    .unwrap();
    assert_eq!(rows[0].spend, 1000.0);
    let err =
        from_csv(&Table::parse("date,channel,spend\n2026-05-01,meta,5\n").unwrap()).unwrap_err();
    assert!(
        err.to_string().contains("missing column `revenue`"),
        "{err}"
    );
    let err =
        from_csv(&Table::parse("date,channel,spend,revenue\n2026-05-01,meta,-5,1\n").unwrap())
            .unwrap_err();
    assert!(
        err.to_string().starts_with("line 2, column `spend`"),
        "{err}"
    );
}

#[test]
fn a_channel_with_an_order_every_other_day_is_not_judged_by_its_lucky_days() {
    // Orders of 300 arrive as a Poisson count with mean a·spend^b / 300 (0.3-0.7 a
    // day): most days have no revenue at all.
    let (a, b, order) = (8.0, 0.6, 300.0);
    let mut days = history("linkedin", a, b, 100.0, 180, 5);
    let mut state = 11_u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1_u64 << 53) as f64
    };
    for day in &mut days {
        let limit = (-(a * day.spend.powf(b) / order)).exp();
        let (mut product, mut orders) = (uniform(), 0);
        while product > limit {
            orders += 1;
            product *= uniform();
        }
        day.revenue = orders as f64 * order;
    }
    assert!(days.iter().filter(|d| d.revenue == 0.0).count() > 60);
    let fit = model_channels(&days, &BudgetSettings::default())[0]
        .fit
        .clone()
        .unwrap();
    // No weekend lift planted; the fitted average day at the usual spend is within
    // 20% of the truth (a fit on the days with revenue alone gives two to three times it).
    let truth = a * 100_f64.powf(b);
    let fitted = fit.curve.revenue(100.0);
    assert!(
        (fitted / truth - 1.0).abs() < 0.2,
        "{fitted} vs {truth}: {fit:?}"
    );
    assert_eq!(fit.days_used, 180, "{fit:?}");
}
