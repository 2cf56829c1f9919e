//! BG/NBD (Fader, Hardie & Lee 2005): how often a customer buys while "alive" and how
//! likely they are to have quietly stopped. Purchase rate λ ~ Gamma(r, α) (α a rate,
//! in days); after each repeat purchase a customer drops out with probability
//! p ~ Beta(a, b). Fitted by maximum likelihood like lifetimes' `BetaGeoFitter`
//! (penalizer 0): log-parameters, times scaled to a maximum age of 10 while fitting.

use super::optimize::{self, OptimizeError};
use super::special::{digamma, ln_gamma, ln_hyp2f1};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BgNbdParams {
    pub r: f64,
    /// Rate of the purchase-rate distribution, in days.
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

impl BgNbdParams {
    pub fn to_logs(self) -> [f64; 4] {
        [self.r.ln(), self.alpha.ln(), self.a.ln(), self.b.ln()]
    }

    pub fn from_logs(logs: &[f64]) -> Self {
        let e = |i: usize| logs.get(i).copied().unwrap_or(0.0).exp();
        Self {
            r: e(0),
            alpha: e(1),
            a: e(2),
            b: e(3),
        }
    }

    /// Expected repeat purchases in the next `t` days by a customer with `frequency`
    /// repeat purchases, the last `recency` days after the first, observed for `age`
    /// days (the conditional expectation, equation 10 of the paper).
    pub fn expected_purchases(&self, t: f64, frequency: f64, recency: f64, age: f64) -> f64 {
        let Self { r, alpha, a, b } = *self;
        let x = frequency;
        if t <= 0.0 {
            return 0.0;
        }
        let (ha, hb, hc) = (r + x, b + x, a + b + x - 1.0);
        let z = t / (alpha + age + t);
        let Some(ln_hyp) = ln_hyp2f1(ha, hb, hc, z) else {
            return f64::NAN;
        };
        let first = (a + b + x - 1.0) / (a - 1.0);
        let second = 1.0 - (ln_hyp + (r + x) * ((alpha + age) / (alpha + t + age)).ln()).exp();
        let denominator = if x > 0.0 {
            1.0 + a / (b + x - 1.0) * ((alpha + age) / (alpha + recency)).powf(r + x)
        } else {
            1.0
        };
        first * second / denominator
    }

    /// Probability the customer is still buying (1 for a customer with no repeat
    /// purchase: under the model nobody drops out before their first repeat).
    pub fn probability_alive(&self, frequency: f64, recency: f64, age: f64) -> f64 {
        if frequency == 0.0 {
            return 1.0;
        }
        let Self { r, alpha, a, b } = *self;
        let log_odds_dead = (r + frequency) * ((alpha + age) / (alpha + recency)).ln()
            + (a / (b + frequency - 1.0)).ln();
        1.0 / (1.0 + log_odds_dead.exp())
    }

    /// Expected repeat purchases in `t` days by a new customer (unconditional).
    pub fn expected_purchases_new_customer(&self, t: f64) -> f64 {
        let Self { r, alpha, a, b } = *self;
        let z = t / (alpha + t);
        let Some(ln_hyp) = ln_hyp2f1(r, b, a + b - 1.0, z) else {
            return f64::NAN;
        };
        (a + b - 1.0) / (a - 1.0) * (1.0 - ((alpha / (alpha + t)).powf(r) * ln_hyp.exp()))
    }
}

/// The customers as the likelihood sees them: (frequency, recency, age) per customer,
/// and how many customers share each frequency (the Gamma terms depend on it alone).
#[derive(Debug, Clone)]
pub struct PurchaseHistories {
    customers: Vec<[f64; 3]>,
    by_frequency: Vec<(f64, f64)>,
}

impl PurchaseHistories {
    pub fn new(customers: impl IntoIterator<Item = [f64; 3]>) -> Self {
        let customers: Vec<[f64; 3]> = customers.into_iter().collect();
        let mut counts: BTreeMap<u64, f64> = BTreeMap::new();
        for c in &customers {
            *counts.entry(c[0].to_bits()).or_insert(0.0) += 1.0;
        }
        let by_frequency = counts
            .into_iter()
            .map(|(bits, n)| (f64::from_bits(bits), n))
            .collect();
        Self {
            customers,
            by_frequency,
        }
    }

    pub fn len(&self) -> usize {
        self.customers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    fn scaled(&self, scale: f64) -> Self {
        Self {
            customers: self
                .customers
                .iter()
                .map(|[x, tx, age]| [*x, tx * scale, age * scale])
                .collect(),
            by_frequency: self.by_frequency.clone(),
        }
    }

    fn max_age(&self) -> f64 {
        self.customers.iter().fold(0.0, |m, c| m.max(c[2]))
    }
}

/// Mean negative log-likelihood per customer and its gradient with respect to the
/// log-parameters (ln r, ln α, ln a, ln b): the quantity lifetimes minimises.
pub fn negative_log_likelihood(data: &PurchaseHistories, logs: &[f64]) -> (f64, Vec<f64>) {
    let BgNbdParams { r, alpha, a, b } = BgNbdParams::from_logs(logs);
    let n = data.len() as f64;
    let (mut ll, mut dr, mut dalpha, mut da, mut db) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (psi_r, psi_b, psi_ab) = (digamma(r), digamma(b), digamma(a + b));
    let (lg_r, lg_b, lg_ab) = (ln_gamma(r), ln_gamma(b), ln_gamma(a + b));
    for &(x, count) in &data.by_frequency {
        ll += count
            * (ln_gamma(r + x) - lg_r + r * alpha.ln() + lg_ab + ln_gamma(b + x)
                - lg_b
                - ln_gamma(a + b + x));
        dr += count * (digamma(r + x) - psi_r + alpha.ln());
        dalpha += count * r / alpha;
        da += count * (psi_ab - digamma(a + b + x));
        db += count * (psi_ab + digamma(b + x) - psi_b - digamma(a + b + x));
    }
    for &[x, recency, age] in &data.customers {
        let a3 = -(r + x) * (alpha + age).ln();
        let dropout_term = b + x.max(1.0) - 1.0;
        let a4 = a.ln() - dropout_term.ln() - (r + x) * (alpha + recency).ln();
        // log(e^A3 + [x > 0] e^A4), computed around the larger term.
        let (w3, w4, log_sum) = if x > 0.0 {
            let top = a3.max(a4);
            let (e3, e4) = ((a3 - top).exp(), (a4 - top).exp());
            (e3 / (e3 + e4), e4 / (e3 + e4), top + (e3 + e4).ln())
        } else {
            (1.0, 0.0, a3)
        };
        ll += log_sum;
        dr -= w3 * (alpha + age).ln() + w4 * (alpha + recency).ln();
        dalpha -= (r + x) * (w3 / (alpha + age) + w4 / (alpha + recency));
        da += w4 / a;
        db -= w4 / dropout_term;
    }
    let gradient = vec![-dr * r / n, -dalpha * alpha / n, -da * a / n, -db * b / n];
    (-ll / n, gradient)
}

/// A fitted model with how well the optimiser did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BgNbdFit {
    pub params: BgNbdParams,
    /// Mean negative log-likelihood per customer at the optimum.
    pub mean_negative_log_likelihood: f64,
    pub iterations: usize,
    /// Inverse of the total negative log-likelihood's Hessian in log-parameters: the
    /// (Laplace) covariance of ln r, ln α, ln a, ln b. `None` if not positive definite.
    pub log_covariance: Option<Vec<Vec<f64>>>,
}

pub fn fit(data: &PurchaseHistories) -> Result<BgNbdFit, OptimizeError> {
    // Like lifetimes: fit on ages scaled to at most 10 so α starts near 1, then
    // rescale α (the likelihood is invariant to the time unit apart from α).
    let scale = 10.0 / data.max_age().max(1.0);
    let scaled = data.scaled(scale);
    let min = optimize::minimize(|p| negative_log_likelihood(&scaled, p), &[0.0; 4])?;
    let mut logs = min.x.clone();
    logs[1] -= scale.ln();
    let log_covariance = super::uncertainty::inverse_hessian(
        |p| negative_log_likelihood(data, p).1,
        &logs,
        data.len() as f64,
    );
    Ok(BgNbdFit {
        params: BgNbdParams::from_logs(&logs),
        mean_negative_log_likelihood: negative_log_likelihood(data, &logs).0,
        iterations: min.iterations,
        log_covariance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> PurchaseHistories {
        PurchaseHistories::new([
            [0.0, 0.0, 100.0],
            [1.0, 30.0, 120.0],
            [2.0, 45.0, 90.0],
            [5.0, 200.0, 300.0],
        ])
    }

    fn params() -> BgNbdParams {
        BgNbdParams {
            r: 0.5,
            alpha: 20.0,
            a: 0.8,
            b: 2.5,
        }
    }

    #[test]
    fn likelihood_of_one_new_customer_by_hand() {
        // x = 0: L = Γ(r+0)/Γ(r) · α^r · (α+T)^−r, the Gamma-Poisson chance of no purchase.
        let data = PurchaseHistories::new([[0.0, 0.0, 100.0]]);
        let p = params();
        let by_hand = -(p.r * (p.alpha / (p.alpha + 100.0)).ln());
        let (nll, _) = negative_log_likelihood(&data, &p.to_logs());
        assert!((nll - by_hand).abs() < 1e-12, "{nll} vs {by_hand}");
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let data = tiny();
        let logs = params().to_logs();
        let (_, gradient) = negative_log_likelihood(&data, &logs);
        for i in 0..4 {
            let h = 1e-6;
            let (mut up, mut down) = (logs, logs);
            up[i] += h;
            down[i] -= h;
            let numeric = (negative_log_likelihood(&data, &up).0
                - negative_log_likelihood(&data, &down).0)
                / (2.0 * h);
            assert!(
                (gradient[i] - numeric).abs() < 1e-7,
                "parameter {i}: {} vs {numeric}",
                gradient[i]
            );
        }
    }

    #[test]
    fn a_repeat_buyer_who_went_quiet_is_less_likely_alive() {
        let p = params();
        let recent = p.probability_alive(5.0, 290.0, 300.0);
        let quiet = p.probability_alive(5.0, 100.0, 300.0);
        assert!(recent > quiet, "{recent} vs {quiet}");
        assert_eq!(p.probability_alive(0.0, 0.0, 300.0), 1.0);
        assert!(
            p.expected_purchases(90.0, 5.0, 290.0, 300.0)
                > p.expected_purchases(90.0, 5.0, 100.0, 300.0)
        );
    }

    #[test]
    fn a_new_customer_today_expects_the_unconditional_purchases() {
        // With no history (x = 0, T = 0) the conditional expectation is the unconditional one.
        let p = params();
        let conditional = p.expected_purchases(90.0, 0.0, 0.0, 0.0);
        let unconditional = p.expected_purchases_new_customer(90.0);
        assert!(
            (conditional - unconditional).abs() < 1e-10,
            "{conditional} vs {unconditional}"
        );
    }
}
