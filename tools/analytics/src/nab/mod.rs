//! The Numenta Anomaly Benchmark's scoring, reimplemented from its scorer
//! (github.com/numenta/NAB, `nab/sweeper.py`, `nab/optimizer.py`, `nab/runner.py`,
//! `config/profiles.json`; MIT licence, see `tests/data/nab/LICENSE.txt`).
//!
//! How NAB scores a streaming detector:
//! - each labelled anomaly window rewards only its earliest detection, by a scaled
//!   sigmoid of where in the window it came (1 at the left edge, 0 at the right);
//! - a window with no detection costs `fn_weight`;
//! - each detection outside a window costs `fp_weight` times a sigmoid of how far it
//!   is past the preceding window (1 when there is none), so detections just after a
//!   window cost little;
//! - the first 15% of each file (at most 750 rows) is a probationary period, not scored;
//! - the detection threshold is swept and the best one over the whole corpus kept;
//! - scores are normalised: 100 × (raw − null) / (perfect − null), where null is the
//!   detector that never fires and perfect detects every window at its left edge.
//!
//! The tests reproduce NAB's published per-file scores of its HTM detector.

mod corpus;
pub mod reference;

pub use corpus::{LabeledSeries, NabError, parse_timestamp, read_column, windows_from_json};

/// NAB's application profiles (`config/profiles.json`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostProfile {
    pub tp_weight: f64,
    pub fp_weight: f64,
    pub fn_weight: f64,
}

impl CostProfile {
    pub const STANDARD: Self = Self {
        tp_weight: 1.0,
        fp_weight: 0.11,
        fn_weight: 1.0,
    };
    pub const REWARD_LOW_FP: Self = Self {
        tp_weight: 1.0,
        fp_weight: 0.22,
        fn_weight: 1.0,
    };
    pub const REWARD_LOW_FN: Self = Self {
        tp_weight: 1.0,
        fp_weight: 0.11,
        fn_weight: 2.0,
    };
}

/// Share of each file not scored.
pub const PROBATION_PERCENT: f64 = 0.15;

/// NAB's probationary length: `min(floor(0.15 n), 0.15 × 5000)`.
pub fn probationary_length(rows: usize) -> f64 {
    (PROBATION_PERCENT * rows as f64)
        .floor()
        .min(PROBATION_PERCENT * 5000.0)
}

/// `2·sigmoid(−5x) − 1`: 0.987 at the left edge of a window (x = −1), 0 at its right
/// edge, −0.987 one window-width past it, −1 beyond three.
pub fn scaled_sigmoid(relative_position: f64) -> f64 {
    if relative_position > 3.0 {
        -1.0
    } else {
        2.0 / (1.0 + (5.0 * relative_position).exp()) - 1.0
    }
}

/// Where a row stands for scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Probationary,
    /// Inside the window with this corpus-wide id.
    InWindow(usize),
    Outside,
}

/// One row with its anomaly score and what a detection there would be worth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepRow {
    pub anomaly_score: f64,
    pub sweep_score: f64,
    pub kind: RowKind,
}

/// NAB's `calcSweepScore`: the value of a detection at each row. `first_window_id`
/// keeps window ids unique when files are pooled.
pub fn sweep_rows(
    series: &LabeledSeries,
    scores: &[f64],
    profile: CostProfile,
    first_window_id: usize,
) -> Result<Vec<SweepRow>, NabError> {
    let n = series.timestamps.len();
    if scores.len() != n {
        return Err(NabError::LengthMismatch {
            file: series.name.clone(),
            scores: scores.len(),
            rows: n,
        });
    }
    let index_of = |t| {
        series
            .timestamps
            .binary_search(&t)
            .map_err(|_| NabError::WindowOutsideSeries {
                file: series.name.clone(),
                timestamp: t,
            })
    };
    let bounds: Vec<(usize, usize)> = series
        .windows
        .iter()
        .map(|&(s, e)| Ok((index_of(s)?, index_of(e)?)))
        .collect::<Result<_, NabError>>()?;
    let max_tp = scaled_sigmoid(-1.0);
    let probation = probationary_length(n);
    let mut rows = Vec::with_capacity(n);
    let mut next_window = 0;
    let mut current: Option<(usize, usize, f64)> = None; // (id, right index, width)
    let mut previous: Option<(usize, f64)> = None; // (right index, width)
    for (i, &anomaly_score) in scores.iter().enumerate() {
        if current.is_none()
            && let Some(&(left, right)) = bounds.get(next_window)
            && left == i
        {
            current = Some((
                first_window_id + next_window,
                right,
                (right - left + 1) as f64,
            ));
            next_window += 1;
        }
        let sweep_score = match (current, previous) {
            (Some((_, right, width)), _) => {
                let position = -((right as f64) - i as f64 + 1.0) / width;
                scaled_sigmoid(position) * profile.tp_weight / max_tp
            }
            (None, None) => -profile.fp_weight,
            (None, Some((right, width))) => {
                let past = (right as f64 - i as f64).abs() / (width - 1.0);
                scaled_sigmoid(past) * profile.fp_weight
            }
        };
        let kind = if (i as f64) < probation {
            RowKind::Probationary
        } else {
            current.map_or(RowKind::Outside, |(id, _, _)| RowKind::InWindow(id))
        };
        rows.push(SweepRow {
            anomaly_score,
            sweep_score,
            kind,
        });
        if let Some((_, right, width)) = current
            && right == i
        {
            previous = Some((right, width));
            current = None;
        }
    }
    Ok(rows)
}

/// The score of one threshold, with NAB's row counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdScore {
    /// Rows with an anomaly score at or above this are detections.
    pub threshold: f64,
    pub score: f64,
    pub tp: usize,
    pub tn: usize,
    pub fp: usize,
    pub fn_: usize,
}

/// NAB's `calcScoreByThreshold`: the score at every distinct anomaly score, from
/// "nothing detected" (threshold 1.1) down.
pub fn scores_by_threshold(rows: &[SweepRow], profile: CostProfile) -> Vec<ThresholdScore> {
    let mut scorable: Vec<&SweepRow> = rows
        .iter()
        .filter(|r| r.kind != RowKind::Probationary)
        .collect();
    // Stable, like Python's `sorted`: equal scores keep their time order.
    scorable.sort_by(|a, b| b.anomaly_score.total_cmp(&a.anomaly_score));
    let mut windows: std::collections::BTreeMap<usize, f64> = scorable
        .iter()
        .filter_map(|r| match r.kind {
            RowKind::InWindow(id) => Some((id, -profile.fn_weight)),
            _ => None,
        })
        .collect();
    let mut fp_sum = 0.0;
    let mut tn = scorable
        .iter()
        .filter(|r| r.kind == RowKind::Outside)
        .count();
    let mut fn_ = scorable.len() - tn;
    let (mut tp, mut fp) = (0, 0);
    let mut threshold = 1.1;
    let mut out = Vec::new();
    let total = |windows: &std::collections::BTreeMap<usize, f64>, fp_sum: f64| {
        windows.values().sum::<f64>() + fp_sum
    };
    for row in scorable {
        if row.anomaly_score != threshold {
            out.push(ThresholdScore {
                threshold,
                score: total(&windows, fp_sum),
                tp,
                tn,
                fp,
                fn_,
            });
            threshold = row.anomaly_score;
        }
        match row.kind {
            RowKind::InWindow(id) => {
                tp += 1;
                fn_ -= 1;
                if let Some(best) = windows.get_mut(&id) {
                    *best = best.max(row.sweep_score);
                }
            }
            _ => {
                fp += 1;
                tn -= 1;
                fp_sum += row.sweep_score;
            }
        }
    }
    out.push(ThresholdScore {
        threshold,
        score: total(&windows, fp_sum),
        tp,
        tn,
        fp,
        fn_,
    });
    out
}

/// NAB's `scoreDataSet`: the score of one file at a given threshold (the row of the
/// sweep at that threshold, or the last one above it).
pub fn score_at_threshold(
    series: &LabeledSeries,
    scores: &[f64],
    threshold: f64,
    profile: CostProfile,
) -> Result<Option<ThresholdScore>, NabError> {
    let rows = sweep_rows(series, scores, profile, 0)?;
    let mut previous = None;
    for row in scores_by_threshold(&rows, profile) {
        if row.threshold == threshold {
            return Ok(Some(row));
        }
        if row.threshold < threshold {
            return Ok(previous);
        }
        previous = Some(row);
    }
    Ok(previous)
}

/// A detector's result on a corpus, normalised like NAB's scoreboard.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CorpusScore {
    /// The best threshold over the corpus, and its raw score and counts.
    pub best: ThresholdScore,
    /// The null detector's raw score on the same corpus.
    pub null: f64,
    /// Every window detected at its left edge.
    pub perfect: f64,
    /// 100 × (raw − null) / (perfect − null).
    pub normalised: f64,
    /// Windows detected at the best threshold, and windows scored.
    pub windows_detected: usize,
    pub windows: usize,
}

/// Scores a detector on a corpus the way NAB's optimiser and normaliser do: rows of
/// every file pooled, the best threshold kept, then normalised against the null
/// detector (a constant 0.5, scored the same way).
pub fn score_corpus(
    corpus: &[LabeledSeries],
    scores: &[Vec<f64>],
    profile: CostProfile,
) -> Result<CorpusScore, NabError> {
    let rows = pooled_rows(corpus, scores, profile)?;
    let sweep = scores_by_threshold(&rows, profile);
    let best = sweep
        .iter()
        .copied()
        .max_by(|a, b| a.score.total_cmp(&b.score))
        .unwrap_or(ThresholdScore {
            threshold: 1.1,
            score: 0.0,
            tp: 0,
            tn: 0,
            fp: 0,
            fn_: 0,
        });
    let constant: Vec<Vec<f64>> = corpus.iter().map(|s| vec![0.5; s.values.len()]).collect();
    let null_rows = pooled_rows(corpus, &constant, profile)?;
    let null = scores_by_threshold(&null_rows, profile)
        .iter()
        .map(|t| t.score)
        .fold(f64::NEG_INFINITY, f64::max);
    // NAB counts every label, probationary or not.
    let windows: usize = corpus.iter().map(|s| s.windows.len()).sum();
    let perfect = windows as f64 * profile.tp_weight;
    let detected: std::collections::BTreeSet<usize> = rows
        .iter()
        .filter(|r| r.anomaly_score >= best.threshold)
        .filter_map(|r| match r.kind {
            RowKind::InWindow(id) => Some(id),
            _ => None,
        })
        .collect();
    Ok(CorpusScore {
        best,
        null,
        perfect,
        normalised: normalise(best.score, null, perfect),
        windows_detected: detected.len(),
        windows,
    })
}

/// NAB's normalisation: 0 for the null detector, 100 for a perfect one.
pub fn normalise(raw: f64, null: f64, perfect: f64) -> f64 {
    100.0 * (raw - null) / (perfect - null)
}

fn pooled_rows(
    corpus: &[LabeledSeries],
    scores: &[Vec<f64>],
    profile: CostProfile,
) -> Result<Vec<SweepRow>, NabError> {
    let mut rows = Vec::new();
    let mut first_window = 0;
    for (series, scores) in corpus.iter().zip(scores) {
        rows.extend(sweep_rows(series, scores, profile, first_window)?);
        first_window += series.windows.len();
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sigmoid_has_nabs_documented_values() {
        assert!((scaled_sigmoid(-1.0) - 0.986_614).abs() < 1e-6);
        assert!((scaled_sigmoid(-0.5) - 0.848_284).abs() < 1e-6);
        assert!(scaled_sigmoid(0.0).abs() < 1e-12);
        assert!((scaled_sigmoid(1.0) + 0.986_614).abs() < 1e-6);
        assert_eq!(scaled_sigmoid(3.5), -1.0);
    }

    #[test]
    fn probation_is_fifteen_percent_capped_at_750_rows() {
        assert_eq!(probationary_length(1624), 243.0);
        assert_eq!(probationary_length(10_000), 750.0);
    }
}
