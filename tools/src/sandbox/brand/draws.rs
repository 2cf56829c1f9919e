//! Random draws from the distributions the commerce generators need (Poisson, Gamma,
//! Beta, exponential), on the brand's own [`SplitMix64`] so the numbers never move
//! with a dependency upgrade.

use crate::sandbox::prng::SplitMix64;

/// Standard normal, by Box–Muller.
pub fn normal(rng: &mut SplitMix64) -> f64 {
    // 1 - u keeps the logarithm away from zero.
    let u1 = 1.0 - rng.next_f64();
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Gamma with `shape` and `rate` (mean `shape / rate`), by Marsaglia–Tsang; shapes
/// below 1 use the `U^(1/shape)` boost.
pub fn gamma(rng: &mut SplitMix64, shape: f64, rate: f64) -> f64 {
    if shape < 1.0 {
        let boost = (1.0 - rng.next_f64()).powf(1.0 / shape);
        return gamma(rng, shape + 1.0, rate) * boost;
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = 1.0 - rng.next_f64();
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v / rate;
        }
    }
}

/// Beta(a, b) as a ratio of gammas.
pub fn beta(rng: &mut SplitMix64, a: f64, b: f64) -> f64 {
    let x = gamma(rng, a, 1.0);
    let y = gamma(rng, b, 1.0);
    x / (x + y)
}

/// Exponential with `rate` (mean `1 / rate`).
pub fn exponential(rng: &mut SplitMix64, rate: f64) -> f64 {
    -(1.0 - rng.next_f64()).ln() / rate
}

/// Poisson with mean `lambda`: Knuth's product method, which is exact and fast for
/// the daily counts here (tens); a normal approximation beyond 500.
pub fn poisson(rng: &mut SplitMix64, lambda: f64) -> u64 {
    if lambda <= 0.0 || !lambda.is_finite() {
        return 0;
    }
    if lambda > 500.0 {
        return (lambda + lambda.sqrt() * normal(rng)).round().max(0.0) as u64;
    }
    let limit = (-lambda).exp();
    let mut product = rng.next_f64();
    let mut count = 0;
    while product > limit {
        count += 1;
        product *= rng.next_f64();
    }
    count
}

/// A day's split of a campaign's spend between its live ads: each planned share moved
/// by up to ±`spread`, then scaled to sum to 1. The campaign's budget paces its spend;
/// the ads only divide it, so neither this noise nor an ad not launched yet may move
/// the campaign's total (if noise did, spend and revenue would share it and every
/// fitted response curve would look more linear than the true one).
pub fn delivery_shares(rng: &mut SplitMix64, planned: &[f64], spread: f64) -> Vec<f64> {
    let drawn: Vec<f64> = planned
        .iter()
        .map(|share| share * rng.noise(spread))
        .collect();
    let total: f64 = drawn.iter().sum();
    drawn.into_iter().map(|share| share / total).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean(draws: impl Iterator<Item = f64>) -> f64 {
        let (sum, n) = draws.fold((0.0, 0_u32), |(s, n), x| (s + x, n + 1));
        sum / f64::from(n)
    }

    #[test]
    fn sample_means_match_the_distributions() {
        let mut rng = SplitMix64::new(9);
        let n = 40_000;
        let g = mean((0..n).map(|_| gamma(&mut rng, 0.4, 2.0)));
        assert!((g - 0.2).abs() < 0.01, "gamma {g}");
        let g = mean((0..n).map(|_| gamma(&mut rng, 6.0, 0.5)));
        assert!((g - 12.0).abs() < 0.2, "gamma {g}");
        let b = mean((0..n).map(|_| beta(&mut rng, 0.7, 2.8)));
        assert!((b - 0.2).abs() < 0.01, "beta {b}");
        let p = mean((0..n).map(|_| poisson(&mut rng, 3.5) as f64));
        assert!((p - 3.5).abs() < 0.05, "poisson {p}");
        let e = mean((0..n).map(|_| exponential(&mut rng, 0.25)));
        assert!((e - 4.0).abs() < 0.1, "exponential {e}");
    }

    #[test]
    fn delivery_shares_vary_but_always_divide_the_whole_budget() {
        let mut rng = SplitMix64::new(3);
        let planned = [0.5, 0.3, 0.2];
        let first = delivery_shares(&mut rng, &planned, 0.12);
        let second = delivery_shares(&mut rng, &planned, 0.12);
        // Two of three ads live: they divide the whole budget, in their proportions.
        let two = delivery_shares(&mut rng, &planned[..2], 0.0);
        assert!((two[0] - 0.625).abs() < 1e-12 && (two[1] - 0.375).abs() < 1e-12);
        for shares in [&first, &second] {
            assert!(
                (shares.iter().sum::<f64>() - 1.0).abs() < 1e-12,
                "{shares:?}"
            );
            for (share, plan) in shares.iter().zip(planned) {
                assert!((share / plan - 1.0).abs() < 0.3, "{shares:?}");
            }
        }
        assert_ne!(first, second);
    }
}
