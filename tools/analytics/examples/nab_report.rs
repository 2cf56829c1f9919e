//! NAB's standard-profile score of our anomaly detector on the six realAdExchange
//! series, beside simple reference detectors (same scorer, same files) and NAB's
//! published figures.
//!
//! `cargo run -p omnify-analytics --example nab_report`

use omnify_analytics::anomalies::{AnomalySettings, Granularity, MetricSeries, anomaly_scores};
use omnify_analytics::nab::reference::{PUBLISHED, global_z, rolling_z};
use omnify_analytics::nab::{
    CostProfile, LabeledSeries, normalise, score_corpus, windows_from_json,
};
use std::error::Error;
use std::path::Path;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nab");
    let windows = windows_from_json(&std::fs::read_to_string(dir.join("windows.json"))?)?;
    let mut corpus = Vec::new();
    for (name, windows) in windows {
        let text = std::fs::read_to_string(dir.join(name.trim_start_matches("realAdExchange/")))?;
        corpus.push(LabeledSeries::from_csv(&name, &text)?.with_windows(windows)?);
    }

    println!(
        "NAB standard profile, realAdExchange (6 files, 14 windows); threshold optimised over these files"
    );
    println!(
        "{:<44} {:>10} {:>9} {:>8} {:>10}",
        "detector", "normalised", "raw", "windows", "threshold"
    );
    let ours = |settings: AnomalySettings| {
        corpus
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
            .collect::<Vec<_>>()
    };
    let hourly = AnomalySettings::for_granularity(Granularity::Hourly);
    let detectors: Vec<(&str, Vec<Vec<f64>>)> = vec![
        ("Omnify seasonal robust (hour x weekend)", ours(hourly)),
        (
            "reference: global z-score",
            corpus.iter().map(|s| global_z(&s.values)).collect(),
        ),
        (
            "reference: rolling z-score, 24 h",
            corpus.iter().map(|s| rolling_z(&s.values, 24)).collect(),
        ),
        (
            "reference: rolling z-score, 7 days",
            corpus.iter().map(|s| rolling_z(&s.values, 168)).collect(),
        ),
    ];
    for (name, scores) in &detectors {
        let score = score_corpus(&corpus, scores, CostProfile::STANDARD)?;
        println!(
            "{name:<44} {:>10.1} {:>9.3} {:>5}/{:<2} {:>10.4}",
            score.normalised,
            score.best.score,
            score.windows_detected,
            score.windows,
            score.best.threshold
        );
    }

    println!();
    println!("NAB's published detectors (threshold optimised over NAB's whole 58-file corpus)");
    println!(
        "{:<24} {:>22} {:>28}",
        "detector", "58-file corpus score", "these 6 files, normalised"
    );
    for p in PUBLISHED {
        let subset = p.ad_exchange_raw.map_or_else(
            || "n/a".to_owned(),
            |raw| format!("{:.1}", normalise(raw, -14.0, 14.0)),
        );
        println!(
            "{:<24} {:>22.1} {:>28}",
            p.detector, p.corpus_standard, subset
        );
    }
    Ok(())
}
