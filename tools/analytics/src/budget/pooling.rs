//! Partial pooling of the channels' elasticities. One channel's 90 days measure its
//! elasticity poorly (spend moves a few percent a day), and the allocation then chases
//! the noise: the channel that looks least saturated by chance gets the money, and the
//! predicted gain is the noise's. Channels of one account are alike, so each estimate is
//! pulled towards the account's mean by as much as its own uncertainty exceeds the real
//! spread between channels (a normal random-effects model, spread estimated by
//! DerSimonian–Laird, the estimator meta-analyses use).

/// The account's elasticities: their mean and the variance between channels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pool {
    pub mean: f64,
    pub between: f64,
}

/// Below this many channels the spread between them cannot be estimated; no pooling.
pub const MIN_CHANNELS: usize = 3;

/// A floor on standard errors, so a perfect fit cannot take all the weight.
const MIN_SE: f64 = 1e-3;

/// A floor on the spread between channels (SD 0.1). DerSimonian–Laird puts it at zero
/// whenever the channels' own noise hides it, which would declare every channel the
/// same and make the band falsely narrow; a search campaign and a video campaign are
/// rarely closer than ±0.1 in elasticity.
pub const MIN_BETWEEN: f64 = 0.01;

impl Pool {
    /// From each channel's measured elasticity and its standard error.
    pub fn estimate(measured: &[(f64, f64)]) -> Option<Self> {
        let usable: Vec<(f64, f64)> = measured
            .iter()
            .filter(|(b, se)| b.is_finite() && se.is_finite())
            .map(|&(b, se)| (b, se.max(MIN_SE).powi(2)))
            .collect();
        if usable.len() < MIN_CHANNELS {
            return None;
        }
        let weights: Vec<f64> = usable.iter().map(|(_, v)| 1.0 / v).collect();
        let total: f64 = weights.iter().sum();
        let fixed_mean = usable
            .iter()
            .zip(&weights)
            .map(|((b, _), w)| w * b)
            .sum::<f64>()
            / total;
        let q: f64 = usable
            .iter()
            .zip(&weights)
            .map(|((b, _), w)| w * (b - fixed_mean).powi(2))
            .sum();
        let spread = total - weights.iter().map(|w| w * w).sum::<f64>() / total;
        let between = ((q - (usable.len() - 1) as f64) / spread).max(MIN_BETWEEN);
        let weights: Vec<f64> = usable.iter().map(|(_, v)| 1.0 / (v + between)).collect();
        let mean = usable
            .iter()
            .zip(&weights)
            .map(|((b, _), w)| w * b)
            .sum::<f64>()
            / weights.iter().sum::<f64>();
        Some(Self { mean, between })
    }

    /// The weight of a channel's own estimate: the share of its variance that is real
    /// spread between channels.
    pub fn own_weight(&self, se: f64) -> f64 {
        self.between / (self.between + se.max(MIN_SE).powi(2))
    }

    /// The channel's elasticity after pooling.
    pub fn shrink(&self, measured: f64, se: f64) -> f64 {
        self.mean + self.own_weight(se) * (measured - self.mean)
    }

    /// A resampled estimate moved to the pooled one's uncertainty: the pooled estimate's
    /// variance is `own_weight · se²`, so a resample's distance from the measured value
    /// is scaled by the root of the weight.
    pub fn resample(&self, measured: f64, se: f64, resampled: f64) -> f64 {
        self.shrink(measured, se) + self.own_weight(se).sqrt() * (resampled - measured)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_estimates_keep_the_floor_of_spread() {
        let pool = Pool::estimate(&[(0.6, 0.1), (0.6, 0.2), (0.6, 0.05)]).unwrap();
        assert!((pool.mean - 0.6).abs() < 1e-12);
        assert_eq!(pool.between, MIN_BETWEEN);
        // se 0.1: half its own value, half the mean's.
        assert!((pool.shrink(0.9, 0.1) - 0.75).abs() < 1e-12);
        // The resample keeps the posterior's spread: sqrt(0.5) of the bootstrap's.
        let moved = pool.resample(0.9, 0.1, 1.0) - pool.shrink(0.9, 0.1);
        assert!((moved - 0.1 * 0.5_f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn dersimonian_laird_on_a_hand_computed_case() {
        // Weights 100, 25, 100 (se 0.1, 0.2, 0.1). Fixed mean = (20 + 15 + 80) / 225
        // = 0.5111; Q = 100·0.3111² + 25·0.0889² + 100·0.2889² = 18.222; C = 225 −
        // 20625/225 = 133.333; between = (18.222 − 2) / 133.333 = 0.121667.
        let pool = Pool::estimate(&[(0.2, 0.1), (0.6, 0.2), (0.8, 0.1)]).unwrap();
        assert!((pool.between - 0.121667).abs() < 1e-5, "{pool:?}");
        // Random-effects weights 1 / (v + between): 7.5949, 6.1856, 7.5949, mean 0.528938.
        assert!((pool.mean - 0.528938).abs() < 1e-5, "{pool:?}");
        // A precise estimate keeps most of its own value, a vague one moves to the mean.
        let precise = pool.shrink(0.2, 0.1);
        let vague = pool.shrink(0.2, 0.5);
        assert!(
            (precise - 0.2).abs() < (vague - 0.2).abs(),
            "{precise} {vague}"
        );
        assert!(precise > 0.2 && vague < pool.mean, "{precise} {vague}");
    }

    #[test]
    fn too_few_channels_are_not_pooled() {
        assert_eq!(Pool::estimate(&[(0.2, 0.1), (0.8, 0.1)]), None);
        assert_eq!(
            Pool::estimate(&[(0.2, 0.1), (f64::NAN, 0.1), (0.8, 0.1)]),
            None
        );
    }
}
