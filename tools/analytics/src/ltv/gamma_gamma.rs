//! Gamma-Gamma (Fader & Hardie 2013): how much a customer spends per purchase. Each
//! order value is Gamma(p, ν) around the customer's own mean, with ν ~ Gamma(q, v)
//! across customers; fitted by maximum likelihood on repeat customers' mean repeat
//! spend, like lifetimes' `GammaGammaFitter` (penalizer 0, log-parameters).

use super::optimize::{self, OptimizeError};
use super::special::{digamma, ln_gamma};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GammaGammaParams {
    pub p: f64,
    pub q: f64,
    pub v: f64,
}

impl GammaGammaParams {
    pub fn to_logs(self) -> [f64; 3] {
        [self.p.ln(), self.q.ln(), self.v.ln()]
    }

    pub fn from_logs(logs: &[f64]) -> Self {
        let e = |i: usize| logs.get(i).copied().unwrap_or(0.0).exp();
        Self {
            p: e(0),
            q: e(1),
            v: e(2),
        }
    }

    /// The mean order value across all customers, p·v / (q − 1) (infinite for q ≤ 1).
    pub fn population_mean(&self) -> f64 {
        if self.q > 1.0 {
            self.p * self.v / (self.q - 1.0)
        } else {
            f64::INFINITY
        }
    }

    /// Expected value of this customer's future orders: their own mean repeat spend
    /// shrunk towards the population mean, the more so the fewer repeat purchases.
    pub fn expected_average_value(&self, frequency: f64, monetary_value: f64) -> f64 {
        let Self { p, q, .. } = *self;
        let weight = p * frequency / (p * frequency + q - 1.0);
        (1.0 - weight) * self.population_mean() + weight * monetary_value
    }
}

/// Mean negative log-likelihood per repeat customer of `(frequency, mean repeat
/// spend)` pairs, and its gradient in (ln p, ln q, ln v).
pub fn negative_log_likelihood(customers: &[(f64, f64)], logs: &[f64]) -> (f64, Vec<f64>) {
    let GammaGammaParams { p, q, v } = GammaGammaParams::from_logs(logs);
    let n = customers.len() as f64;
    let (mut ll, mut dp, mut dq, mut dv) = (0.0, 0.0, 0.0, 0.0);
    let (lg_q, psi_q) = (ln_gamma(q), digamma(q));
    for &(x, m) in customers {
        let px = p * x;
        let total = x * m + v;
        ll +=
            ln_gamma(px + q) - ln_gamma(px) - lg_q + q * v.ln() + (px - 1.0) * m.ln() + px * x.ln()
                - (px + q) * total.ln();
        let psi_pxq = digamma(px + q);
        dp += x * (psi_pxq - digamma(px) + m.ln() + x.ln() - total.ln());
        dq += psi_pxq - psi_q + v.ln() - total.ln();
        dv += q / v - (px + q) / total;
    }
    (-ll / n, vec![-dp * p / n, -dq * q / n, -dv * v / n])
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GammaGammaFit {
    pub params: GammaGammaParams,
    pub mean_negative_log_likelihood: f64,
    pub iterations: usize,
    /// Laplace covariance of ln p, ln q, ln v; `None` if not positive definite.
    pub log_covariance: Option<Vec<Vec<f64>>>,
}

/// Fits on `(frequency, mean repeat spend)` of customers with frequency > 0 and a
/// positive mean spend (the caller filters).
pub fn fit(customers: &[(f64, f64)]) -> Result<GammaGammaFit, OptimizeError> {
    // Money is fitted in units of the mean spend so v starts near 1, then rescaled:
    // multiplying every amount by k multiplies v by k and leaves p, q unchanged.
    let mean = customers.iter().map(|c| c.1).sum::<f64>() / customers.len().max(1) as f64;
    let scale = if mean > 0.0 { mean } else { 1.0 };
    let scaled: Vec<(f64, f64)> = customers.iter().map(|&(x, m)| (x, m / scale)).collect();
    let min = optimize::minimize(|l| negative_log_likelihood(&scaled, l), &[0.0; 3])?;
    let mut logs = min.x.clone();
    logs[2] += scale.ln();
    let log_covariance = super::uncertainty::inverse_hessian(
        |l| negative_log_likelihood(customers, l).1,
        &logs,
        customers.len() as f64,
    );
    Ok(GammaGammaFit {
        params: GammaGammaParams::from_logs(&logs),
        mean_negative_log_likelihood: negative_log_likelihood(customers, &logs).0,
        iterations: min.iterations,
        log_covariance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let customers = [(1.0, 20.0), (2.0, 35.5), (5.0, 12.25)];
        let logs = GammaGammaParams {
            p: 3.0,
            q: 4.0,
            v: 15.0,
        }
        .to_logs();
        let (_, gradient) = negative_log_likelihood(&customers, &logs);
        for i in 0..3 {
            let h = 1e-6;
            let (mut up, mut down) = (logs, logs);
            up[i] += h;
            down[i] -= h;
            let numeric = (negative_log_likelihood(&customers, &up).0
                - negative_log_likelihood(&customers, &down).0)
                / (2.0 * h);
            assert!(
                (gradient[i] - numeric).abs() < 1e-7,
                "{i}: {} vs {numeric}",
                gradient[i]
            );
        }
    }

    #[test]
    fn one_purchase_likelihood_is_the_gamma_gamma_density_by_hand() {
        // x = 1: m ~ Gamma(p, ν), ν ~ Gamma(q, v) ⇒ f(m) = Γ(p+q)/(Γ(p)Γ(q)) vᵠ m^(p−1) / (m+v)^(p+q).
        let (p, q, v, m) = (3.0_f64, 4.0_f64, 15.0_f64, 20.0_f64);
        let by_hand = ln_gamma(p + q) - ln_gamma(p) - ln_gamma(q) + q * v.ln() + (p - 1.0) * m.ln()
            - (p + q) * (m + v).ln();
        let (nll, _) =
            negative_log_likelihood(&[(1.0, m)], &GammaGammaParams { p, q, v }.to_logs());
        assert!((nll + by_hand).abs() < 1e-12);
    }

    #[test]
    fn few_purchases_shrink_towards_the_population_mean() {
        let g = GammaGammaParams {
            p: 6.0,
            q: 4.0,
            v: 40.0,
        };
        assert_eq!(g.population_mean(), 80.0);
        let once = g.expected_average_value(1.0, 200.0);
        let often = g.expected_average_value(20.0, 200.0);
        assert!(
            once > 80.0 && once < often && often < 200.0,
            "{once} {often}"
        );
        assert_eq!(g.expected_average_value(0.0, 0.0), 80.0);
    }
}
