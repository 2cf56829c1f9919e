//! Our NAB scorer against NAB's own published numbers.
#![allow(clippy::unwrap_used)]

use omnify_analytics::nab::{
    CostProfile, LabeledSeries, read_column, score_at_threshold, score_corpus, windows_from_json,
};
use omnify_analytics::table::Table;
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nab")
}

fn corpus() -> Vec<LabeledSeries> {
    let dir = data_dir();
    let windows =
        windows_from_json(&std::fs::read_to_string(dir.join("windows.json")).unwrap()).unwrap();
    windows
        .into_iter()
        .map(|(name, windows)| {
            let file = name.trim_start_matches("realAdExchange/");
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            LabeledSeries::from_csv(&name, &text)
                .unwrap()
                .with_windows(windows)
                .unwrap()
        })
        .collect()
}

fn numenta_scores(series: &LabeledSeries) -> Vec<f64> {
    let file = series.name.trim_start_matches("realAdExchange/");
    let path = data_dir().join("numenta").join(format!("numenta_{file}"));
    let (timestamps, scores) =
        read_column(&std::fs::read_to_string(path).unwrap(), "anomaly_score").unwrap();
    assert_eq!(timestamps, series.timestamps);
    scores
}

#[test]
fn reproduces_nabs_published_per_file_scores_of_the_htm_detector() {
    let published = Table::parse(
        &std::fs::read_to_string(
            data_dir().join("numenta/numenta_standard_scores_realAdExchange.csv"),
        )
        .unwrap(),
    )
    .unwrap();
    let corpus = corpus();
    assert_eq!(corpus.len(), 6);
    let mut checked = 0;
    for row in published.rows() {
        let file = row.text("file").unwrap();
        let series = corpus.iter().find(|s| s.name == file).unwrap();
        let threshold = row.number("threshold").unwrap();
        let ours = score_at_threshold(
            series,
            &numenta_scores(series),
            threshold,
            CostProfile::STANDARD,
        )
        .unwrap()
        .unwrap();
        let expected = row.number("score").unwrap();
        assert!(
            (ours.score - expected).abs() < 1e-9,
            "{file}: ours {} vs NAB {expected}",
            ours.score
        );
        assert_eq!(ours.tp as f64, row.number("tp").unwrap(), "{file}");
        assert_eq!(ours.fp as f64, row.number("fp").unwrap(), "{file}");
        assert_eq!(ours.fn_ as f64, row.number("fn").unwrap(), "{file}");
        assert_eq!(ours.tn as f64, row.number("tn").unwrap(), "{file}");
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn the_null_detector_scores_zero_and_a_perfect_one_a_hundred() {
    let corpus = corpus();
    let constant: Vec<Vec<f64>> = corpus.iter().map(|s| vec![0.5; s.values.len()]).collect();
    let null = score_corpus(&corpus, &constant, CostProfile::STANDARD).unwrap();
    assert_eq!(null.windows, 14);
    assert!((null.null + 14.0).abs() < 1e-9, "{null:?}");
    assert!(null.normalised.abs() < 1e-9);
    // Fires exactly at each window's left edge: every window at full credit.
    let perfect: Vec<Vec<f64>> = corpus
        .iter()
        .map(|s| {
            s.timestamps
                .iter()
                .map(|t| {
                    if s.windows.iter().any(|w| w.0 == *t) {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let best = score_corpus(&corpus, &perfect, CostProfile::STANDARD).unwrap();
    assert!((best.normalised - 100.0).abs() < 1e-9, "{best:?}");
    assert_eq!(best.windows_detected, 14);
}

/// Regression gate: our detector measured 70.9 (normalised, standard profile) on these
/// six files when written; `cargo run -p omnify-analytics --example nab_report` prints
/// the full table.
#[test]
fn our_detector_keeps_its_nab_score_on_the_ad_exchange_files() {
    use omnify_analytics::anomalies::{AnomalySettings, Granularity, MetricSeries, anomaly_scores};
    use omnify_analytics::nab::reference::global_z;
    let corpus = corpus();
    let settings = AnomalySettings::for_granularity(Granularity::Hourly);
    let ours: Vec<Vec<f64>> = corpus
        .iter()
        .map(|s| {
            let series = MetricSeries {
                metric: "value".into(),
                points: s
                    .timestamps
                    .iter()
                    .copied()
                    .zip(s.values.iter().copied())
                    .collect(),
            };
            anomaly_scores(&series, Granularity::Hourly, &settings)
        })
        .collect();
    let score = score_corpus(&corpus, &ours, CostProfile::STANDARD).unwrap();
    eprintln!("our NAB score: {score:?}");
    assert!(score.normalised >= 68.0, "{score:?}");
    let baseline: Vec<Vec<f64>> = corpus.iter().map(|s| global_z(&s.values)).collect();
    let baseline = score_corpus(&corpus, &baseline, CostProfile::STANDARD).unwrap();
    assert!(score.normalised > baseline.normalised + 5.0, "{baseline:?}");
}
