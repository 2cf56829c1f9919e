//! Simple reference detectors, scored by the same scorer as ours so the comparison is
//! like for like. Each returns an anomaly score in 0–1 per point, causally.

/// `|z| / (|z| + 3)`: monotone in |z|, 0.5 at three standard deviations.
fn squash(z: f64) -> f64 {
    let z = z.abs();
    if z.is_finite() { z / (z + 3.0) } else { 1.0 }
}

/// z-score against the mean and standard deviation of every earlier point.
pub fn global_z(values: &[f64]) -> Vec<f64> {
    let (mut n, mut mean, mut m2) = (0.0_f64, 0.0_f64, 0.0_f64);
    values
        .iter()
        .map(|&x| {
            let score = if n >= 2.0 {
                let sd = (m2 / (n - 1.0)).sqrt();
                if sd > 0.0 {
                    squash((x - mean) / sd)
                } else {
                    0.0
                }
            } else {
                0.0
            };
            // Welford's update, after scoring: the point is judged on the past only.
            n += 1.0;
            let delta = x - mean;
            mean += delta / n;
            m2 += delta * (x - mean);
            score
        })
        .collect()
}

/// z-score against the mean and standard deviation of the last `window` points
/// (NAB's "windowed Gaussian" idea).
pub fn rolling_z(values: &[f64], window: usize) -> Vec<f64> {
    (0..values.len())
        .map(|i| {
            let past = &values[i.saturating_sub(window)..i];
            if past.len() < 2 {
                return 0.0;
            }
            let n = past.len() as f64;
            let mean = past.iter().sum::<f64>() / n;
            let sd = (past.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            if sd > 0.0 {
                squash((values[i] - mean) / sd)
            } else {
                0.0
            }
        })
        .collect()
}

/// NAB's published results, for the report. `corpus_standard` is the scoreboard's
/// standard-profile score over all 58 files (NAB README, v1.1); `ad_exchange_raw` is
/// the sum of the detector's standard-profile raw scores on the six realAdExchange
/// files, at the threshold NAB optimised over the whole corpus
/// (`results/<detector>/<detector>_standard_scores.csv`), `None` where NAB's file has
/// no rows for them.
pub struct Published {
    pub detector: &'static str,
    pub corpus_standard: f64,
    pub ad_exchange_raw: Option<f64>,
}

pub const PUBLISHED: &[Published] = &[
    Published {
        detector: "Numenta HTM",
        corpus_standard: 70.1,
        ad_exchange_raw: Some(7.521_830),
    },
    Published {
        detector: "CAD OSE",
        corpus_standard: 69.9,
        ad_exchange_raw: Some(6.164_266),
    },
    Published {
        detector: "KNN CAD",
        corpus_standard: 58.0,
        ad_exchange_raw: Some(5.884_688),
    },
    Published {
        detector: "Relative Entropy",
        corpus_standard: 54.6,
        ad_exchange_raw: Some(-3.692_795),
    },
    Published {
        detector: "Twitter ADVec",
        corpus_standard: 47.1,
        ad_exchange_raw: Some(-0.107_363),
    },
    Published {
        detector: "Windowed Gaussian",
        corpus_standard: 39.6,
        ad_exchange_raw: Some(1.931_761),
    },
    Published {
        detector: "Etsy Skyline",
        corpus_standard: 35.7,
        ad_exchange_raw: Some(-8.722_176),
    },
    Published {
        detector: "Bayesian changepoint",
        corpus_standard: 17.7,
        ad_exchange_raw: Some(-1.988_073),
    },
    Published {
        detector: "Random",
        corpus_standard: 11.0,
        ad_exchange_raw: None,
    },
    Published {
        detector: "Null",
        corpus_standard: 0.0,
        ad_exchange_raw: Some(-14.0),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_detectors_flag_a_spike_and_only_look_back() {
        let mut values: Vec<f64> = (0..100).map(|i| 10.0 + f64::from(i % 3)).collect();
        values[80] = 40.0;
        for scores in [global_z(&values), rolling_z(&values, 24)] {
            let top = scores
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(i, _)| i);
            assert_eq!(top, Some(80));
        }
        // Changing the future does not change the past's scores.
        let mut later = values.clone();
        later[90] = -100.0;
        assert_eq!(global_z(&values)[..90], global_z(&later)[..90]);
    }
}
