//! Diminishing-returns response curves: revenue = a · spend^b on an average day, fitted
//! by least squares in log space with a weekend term, and bootstrapped for their
//! uncertainty.

use super::SpendDay;
use chrono::{Datelike, Weekday};
use serde::{Deserialize, Serialize};

/// Revenue on an average day (weekends weighted 2 in 7) at a daily spend.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ResponseCurve {
    pub a: f64,
    /// Elasticity: 1% more spend brings `b`% more revenue. Below 1: diminishing returns.
    pub b: f64,
}

impl ResponseCurve {
    pub fn revenue(&self, spend: f64) -> f64 {
        self.a * spend.max(0.0).powf(self.b)
    }

    /// Revenue from one more unit of spend (the marginal ROAS).
    pub fn marginal(&self, spend: f64) -> f64 {
        self.a * self.b * spend.max(1e-9).powf(self.b - 1.0)
    }

    /// The spend at which the marginal ROAS equals `roas` (inverse of `marginal`).
    pub fn spend_at_marginal(&self, roas: f64) -> f64 {
        (roas / (self.a * self.b)).powf(1.0 / (self.b - 1.0))
    }
}

/// Elasticities outside this range are clamped: at 1 or above the curve has no
/// optimum (all budget to one channel), near 0 spend does nothing.
pub const MIN_ELASTICITY: f64 = 0.05;
pub const MAX_ELASTICITY: f64 = 0.95;

/// A fitted curve and what the fit says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveFit {
    pub curve: ResponseCurve,
    pub weekend_lift: f64,
    pub b_se: f64,
    /// Days used (days with spend and revenue, outliers removed).
    pub days_used: usize,
    pub days_dropped: usize,
    /// Set when `b` was clamped.
    pub clamped: bool,
}

/// Least squares of `ln revenue = c + b ln spend + g·weekend`, refitted once without
/// days more than 4 robust standard deviations off (a tracking outage must not bend
/// the curve).
pub fn fit(days: &[&SpendDay]) -> Option<CurveFit> {
    let usable: Vec<(f64, f64, f64)> = days
        .iter()
        .filter(|d| d.spend > 0.0 && d.revenue > 0.0)
        .map(|d| {
            let weekend = matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun);
            (
                d.spend.ln(),
                d.revenue.ln(),
                if weekend { 1.0 } else { 0.0 },
            )
        })
        .collect();
    let first = least_squares(&usable)?;
    let residuals: Vec<f64> = usable
        .iter()
        .map(|p| (p.1 - first.predict(p)).abs())
        .collect();
    let mut sorted = residuals.clone();
    sorted.sort_by(f64::total_cmp);
    let scale = 1.4826 * sorted[sorted.len() / 2];
    let kept: Vec<(f64, f64, f64)> = usable
        .iter()
        .zip(&residuals)
        .filter(|(_, r)| scale <= 0.0 || **r <= 4.0 * scale)
        .map(|(p, _)| *p)
        .collect();
    let ols = least_squares(&kept)?;
    let b = ols.b.clamp(MIN_ELASTICITY, MAX_ELASTICITY);
    let lift = ols.g.exp();
    // Refit the intercept for a clamped b so the curve still passes through the data.
    let c = if b == ols.b {
        ols.c
    } else {
        kept.iter()
            .map(|p| p.1 - b * p.0 - ols.g * p.2)
            .sum::<f64>()
            / kept.len() as f64
    };
    Some(CurveFit {
        curve: ResponseCurve {
            a: c.exp() * (5.0 + 2.0 * lift) / 7.0,
            b,
        },
        weekend_lift: lift,
        b_se: ols.b_se,
        days_used: kept.len(),
        days_dropped: days.len() - kept.len(),
        clamped: b != ols.b,
    })
}

struct Ols {
    c: f64,
    b: f64,
    g: f64,
    b_se: f64,
}

impl Ols {
    fn predict(&self, p: &(f64, f64, f64)) -> f64 {
        self.c + self.b * p.0 + self.g * p.2
    }
}

/// Three-parameter least squares by the normal equations (Cramer's rule); `None`
/// when spend barely varies or all days are the same kind.
fn least_squares(points: &[(f64, f64, f64)]) -> Option<Ols> {
    let n = points.len() as f64;
    if points.len() < 8 {
        return None;
    }
    let mean = |f: &dyn Fn(&(f64, f64, f64)) -> f64| points.iter().map(f).sum::<f64>() / n;
    let (mx, my, mw) = (mean(&|p| p.0), mean(&|p| p.1), mean(&|p| p.2));
    let (mut sxx, mut sxw, mut sww, mut sxy, mut swy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for p in points {
        let (x, y, w) = (p.0 - mx, p.1 - my, p.2 - mw);
        sxx += x * x;
        sxw += x * w;
        sww += w * w;
        sxy += x * y;
        swy += w * y;
    }
    let (b, g, det) = if sww > 1e-12 {
        let det = sxx * sww - sxw * sxw;
        if det.abs() < 1e-12 {
            return None;
        }
        (
            (sxy * sww - swy * sxw) / det,
            (swy * sxx - sxy * sxw) / det,
            det,
        )
    } else {
        // No weekend days (or only weekend days): no weekend term.
        if sxx < 1e-12 {
            return None;
        }
        (sxy / sxx, 0.0, sxx)
    };
    let c = my - b * mx - g * mw;
    let sse: f64 = points
        .iter()
        .map(|p| (p.1 - c - b * p.0 - g * p.2).powi(2))
        .sum();
    let variance = sse / (n - 3.0).max(1.0);
    let b_se = if sww > 1e-12 {
        (variance * sww / det).sqrt()
    } else {
        (variance / det).sqrt()
    };
    Some(Ols { c, b, g, b_se })
}

/// A small deterministic generator for resampling, so a plan is reproducible.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z % n as u64) as usize
    }
}

/// Curves refitted on days resampled with replacement.
pub fn bootstrap(days: &[&SpendDay], resamples: usize, seed: u64) -> Vec<ResponseCurve> {
    let mut rng = SplitMix64::new(seed);
    (0..resamples)
        .filter_map(|_| {
            let sample: Vec<&SpendDay> = (0..days.len())
                .map(|_| days[rng.below(days.len())])
                .collect();
            fit(&sample).map(|f| f.curve)
        })
        .collect()
}
