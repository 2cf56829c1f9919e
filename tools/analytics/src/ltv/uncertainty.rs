//! How sure the forecast is about its parameters: the Laplace approximation (the
//! inverse Hessian of the negative log-likelihood at the optimum is the covariance of
//! the log-parameters), and deterministic draws from it to put a band on any total.
//! This is parameter uncertainty only; it does not include how much a cohort's
//! actual purchases scatter around their expectation.

/// Inverse of the Hessian of the *total* negative log-likelihood (`count` times the
/// mean whose gradient `gradient` returns), by central differences of the analytic
/// gradient. `None` when it is not positive definite (a flat or degenerate fit).
// Matrix code reads clearer with explicit row and column indices.
#[allow(clippy::needless_range_loop)]
pub fn inverse_hessian(
    gradient: impl Fn(&[f64]) -> Vec<f64>,
    at: &[f64],
    count: f64,
) -> Option<Vec<Vec<f64>>> {
    let n = at.len();
    let h = 1e-5;
    let mut hessian = vec![vec![0.0; n]; n];
    for j in 0..n {
        let (mut up, mut down) = (at.to_vec(), at.to_vec());
        up[j] += h;
        down[j] -= h;
        let (gu, gd) = (gradient(&up), gradient(&down));
        for i in 0..n {
            hessian[i][j] = count * (gu.get(i)? - gd.get(i)?) / (2.0 * h);
        }
    }
    for i in 0..n {
        for j in 0..i {
            let mean = 0.5 * (hessian[i][j] + hessian[j][i]);
            hessian[i][j] = mean;
            hessian[j][i] = mean;
        }
    }
    let lower = cholesky(&hessian)?;
    // H⁻¹ column by column: solve L Lᵀ x = e_k.
    let mut inverse = vec![vec![0.0; n]; n];
    for k in 0..n {
        let mut y = vec![0.0; n];
        for i in 0..n {
            let e = if i == k { 1.0 } else { 0.0 };
            y[i] = (e - (0..i).map(|j| lower[i][j] * y[j]).sum::<f64>()) / lower[i][i];
        }
        let mut x = vec![0.0; n];
        for i in (0..n).rev() {
            x[i] = (y[i] - (i + 1..n).map(|j| lower[j][i] * x[j]).sum::<f64>()) / lower[i][i];
        }
        for i in 0..n {
            inverse[i][k] = x[i];
        }
    }
    Some(inverse)
}

/// Lower-triangular L with L Lᵀ = m, or `None` if m is not positive definite.
#[allow(clippy::needless_range_loop)]
pub fn cholesky(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = m[i][i] - sum;
                if d.is_nan() || d <= 0.0 || !d.is_finite() {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - sum) / l[j][j];
            }
        }
    }
    Some(l)
}

/// `count` parameter vectors drawn from N(mean, covariance), the same every run for a
/// given seed (so a forecast does not change between two identical questions).
pub fn draws(mean: &[f64], covariance: &[Vec<f64>], count: usize, seed: u64) -> Vec<Vec<f64>> {
    let Some(lower) = cholesky(covariance) else {
        return Vec::new();
    };
    let mut rng = SplitMix64(seed);
    (0..count)
        .map(|_| {
            let z: Vec<f64> = mean.iter().map(|_| rng.normal()).collect();
            mean.iter()
                .enumerate()
                .map(|(i, m)| m + (0..=i).map(|j| lower[i][j] * z[j]).sum::<f64>())
                .collect()
        })
        .collect()
}

/// The `q` quantile (0–1) of `values`, linearly interpolated; NaN when empty.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted.sort_by(f64::total_cmp);
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

/// SplitMix64: a tiny, well-mixed generator; enough for Monte Carlo bands.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// Standard normal by Box–Muller.
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_hessian_of_a_quadratic_is_its_covariance() {
        // f(x) = ½ xᵀ A x / n with A = [[4, 1], [1, 3]]: total Hessian A, inverse known.
        let gradient = |x: &[f64]| vec![(4.0 * x[0] + x[1]) / 10.0, (x[0] + 3.0 * x[1]) / 10.0];
        let inv = inverse_hessian(gradient, &[0.3, -0.2], 10.0).unwrap();
        let det = 11.0;
        let expected = [[3.0 / det, -1.0 / det], [-1.0 / det, 4.0 / det]];
        for i in 0..2 {
            for j in 0..2 {
                assert!((inv[i][j] - expected[i][j]).abs() < 1e-8, "{inv:?}");
            }
        }
    }

    #[test]
    fn draws_have_the_requested_mean_and_spread() {
        let cov = vec![vec![0.04, 0.0], vec![0.0, 0.25]];
        let d = draws(&[1.0, -2.0], &cov, 20_000, 7);
        let first: Vec<f64> = d.iter().map(|x| x[0]).collect();
        let second: Vec<f64> = d.iter().map(|x| x[1]).collect();
        assert!((quantile(&first, 0.5) - 1.0).abs() < 0.01);
        // The 84th percentile of a normal is one standard deviation above the median.
        assert!((quantile(&second, 0.841) - quantile(&second, 0.5) - 0.5).abs() < 0.03);
        assert_eq!(d, draws(&[1.0, -2.0], &cov, 20_000, 7), "deterministic");
    }
}
