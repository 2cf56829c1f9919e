//! Diminishing-returns response curves: revenue = a · spend^b on an average day, fitted
//! as a log-link regression with a weekend term, and bootstrapped for their
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
    /// The elasticity this channel's own days measure (before pooling and clamping),
    /// and its standard error: the regression's, replaced by the bootstrap's when
    /// [`super::model_channels`] has resampled the days.
    pub measured_b: f64,
    pub b_se: f64,
    /// Days used (days with spend, outliers removed).
    pub days_used: usize,
    pub days_dropped: usize,
    /// Set when `b` was clamped.
    pub clamped: bool,
    /// ln a on a weekday at the measured elasticity, and the revenue-weighted mean ln
    /// spend: moving the elasticity by d moves ln a by −d times it, which keeps the
    /// curve's total over the days used equal to their revenue (to first order), so a
    /// curve with a pooled or clamped elasticity still fits the data.
    anchor: (f64, f64),
}

impl CurveFit {
    /// This channel's curve with elasticity `b` (clamped), still through the data.
    pub fn with_elasticity(&self, b: f64) -> ResponseCurve {
        let b = b.clamp(MIN_ELASTICITY, MAX_ELASTICITY);
        let (c, mean_x) = self.anchor;
        let c = c - (b - self.measured_b) * mean_x;
        ResponseCurve {
            a: c.exp() * (5.0 + 2.0 * self.weekend_lift) / 7.0,
            b,
        }
    }

    /// Replaces the measured elasticity by `b` (a pooled estimate).
    pub fn set_elasticity(&mut self, b: f64) {
        self.curve = self.with_elasticity(b);
        self.clamped = !(MIN_ELASTICITY..=MAX_ELASTICITY).contains(&b);
    }
}

/// A day's revenue further than this many standard deviations from the fitted curve
/// is set aside (a tracking outage must not bend the curve). Counted in the fit's own
/// dispersion, a quiet day of a channel with one order every other day is well inside.
const OUTLIER_SDS: f64 = 5.0;

/// One day as the regression sees it.
#[derive(Debug, Clone, Copy)]
struct Point {
    ln_spend: f64,
    revenue: f64,
    weekend: f64,
}

/// Expected revenue = e^(c + b ln spend + g·weekend), fitted as a quasi-Poisson GLM
/// (log link, variance proportional to the mean). Unlike least squares on ln revenue,
/// it keeps the days without revenue: a channel with an order every other day would
/// otherwise be fitted on its lucky days only and look three times as good. Refitted
/// once without the days more than [`OUTLIER_SDS`] off.
pub fn fit(days: &[&SpendDay]) -> Option<CurveFit> {
    let usable: Vec<Point> = days
        .iter()
        .filter(|d| d.spend > 0.0 && d.revenue >= 0.0 && d.revenue.is_finite())
        .map(|d| Point {
            ln_spend: d.spend.ln(),
            revenue: d.revenue,
            weekend: if matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun) {
                1.0
            } else {
                0.0
            },
        })
        .collect();
    let first = Glm::fit(&usable)?;
    let kept: Vec<Point> = usable
        .iter()
        .filter(|p| first.pearson(p).abs() <= OUTLIER_SDS)
        .copied()
        .collect();
    let glm = Glm::fit(&kept)?;
    let fitted: Vec<f64> = kept.iter().map(|p| glm.mean(p)).collect();
    let mean_x = kept
        .iter()
        .zip(&fitted)
        .map(|(p, m)| m * p.ln_spend)
        .sum::<f64>()
        / fitted.iter().sum::<f64>();
    let mut fit = CurveFit {
        curve: ResponseCurve { a: 0.0, b: 0.0 },
        weekend_lift: glm.g.exp(),
        measured_b: glm.b,
        b_se: glm.b_se,
        days_used: kept.len(),
        days_dropped: days.len() - kept.len(),
        clamped: false,
        anchor: (glm.c, mean_x),
    };
    fit.set_elasticity(glm.b);
    Some(fit)
}

/// A fitted quasi-Poisson regression.
struct Glm {
    c: f64,
    b: f64,
    g: f64,
    b_se: f64,
    /// Variance / mean of a day's revenue.
    dispersion: f64,
}

impl Glm {
    fn mean(&self, p: &Point) -> f64 {
        (self.c + self.b * p.ln_spend + self.g * p.weekend).exp()
    }

    /// (observed − expected) in standard deviations.
    fn pearson(&self, p: &Point) -> f64 {
        let mean = self.mean(p);
        (p.revenue - mean) / (self.dispersion * mean).sqrt()
    }

    /// Iteratively reweighted least squares. `None` when spend barely varies, there is
    /// no revenue at all, or the fit does not converge.
    fn fit(points: &[Point]) -> Option<Self> {
        if points.len() < 8 {
            return None;
        }
        let n = points.len() as f64;
        let mean_revenue = points.iter().map(|p| p.revenue).sum::<f64>() / n;
        if mean_revenue <= 0.0 {
            return None;
        }
        // Centring ln spend keeps the intercept and slope apart numerically.
        let mean_x = points.iter().map(|p| p.ln_spend).sum::<f64>() / n;
        let weekends = points.iter().filter(|p| p.weekend > 0.0).count();
        let columns = if weekends == 0 || weekends == points.len() {
            2
        } else {
            3
        };
        let row = |p: &Point| [1.0, p.ln_spend - mean_x, p.weekend];
        let mut beta = [mean_revenue.ln(), 0.0, 0.0];
        for _ in 0..50 {
            let mut xtwx = [[0.0; 3]; 3];
            let mut xtwz = [0.0; 3];
            for p in points {
                let x = row(p);
                let eta: f64 = (0..columns).map(|j| beta[j] * x[j]).sum();
                let mean = eta.exp();
                if !mean.is_finite() {
                    return None;
                }
                let z = eta + (p.revenue - mean) / mean;
                for j in 0..columns {
                    xtwz[j] += mean * x[j] * z;
                    for k in 0..columns {
                        xtwx[j][k] += mean * x[j] * x[k];
                    }
                }
            }
            let next = solve(xtwx, xtwz, columns)?;
            let step = (0..columns)
                .map(|j| (next[j] - beta[j]).abs())
                .fold(0.0, f64::max);
            beta = next;
            if step < 1e-10 {
                return Self::converged(points, beta, mean_x, columns, xtwx);
            }
        }
        None
    }

    /// The fit at converged coefficients (on centred ln spend), with the dispersion
    /// and the slope's standard error from the information matrix `xtwx`.
    fn converged(
        points: &[Point],
        beta: [f64; 3],
        mean_x: f64,
        columns: usize,
        xtwx: [[f64; 3]; 3],
    ) -> Option<Self> {
        let glm = Self {
            c: beta[0] - beta[1] * mean_x,
            b: beta[1],
            g: beta[2],
            b_se: 0.0,
            dispersion: 1.0,
        };
        let chi2: f64 = points
            .iter()
            .map(|p| {
                let mean = glm.mean(p);
                (p.revenue - mean).powi(2) / mean
            })
            .sum();
        let n = points.len() as f64;
        let dispersion = (chi2 / (n - columns as f64).max(1.0)).max(f64::MIN_POSITIVE);
        let slope_variance = inverse_diagonal(xtwx, columns, 1)?;
        Some(Self {
            b_se: (dispersion * slope_variance).sqrt(),
            dispersion,
            ..glm
        })
    }
}

/// Solves the first `k` equations of `a · x = y` by Gaussian elimination with partial
/// pivoting; `None` when singular (spend that never varies).
fn solve(mut a: [[f64; 3]; 3], mut y: [f64; 3], k: usize) -> Option<[f64; 3]> {
    let size = (0..k).map(|i| a[i][i].abs()).fold(0.0, f64::max);
    for col in 0..k {
        let pivot = (col..k).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() <= 1e-12 * size {
            return None;
        }
        a.swap(col, pivot);
        y.swap(col, pivot);
        let pivot_row = a[col];
        for row in col + 1..k {
            let factor = a[row][col] / pivot_row[col];
            for (cell, above) in a[row][col..k].iter_mut().zip(&pivot_row[col..k]) {
                *cell -= factor * above;
            }
            y[row] -= factor * y[col];
        }
    }
    let mut x = [0.0; 3];
    for row in (0..k).rev() {
        let known: f64 = (row + 1..k).map(|j| a[row][j] * x[j]).sum();
        x[row] = (y[row] - known) / a[row][row];
    }
    Some(x)
}

/// Entry `(i, i)` of the inverse of the first `k` rows and columns of `a`.
fn inverse_diagonal(a: [[f64; 3]; 3], k: usize, i: usize) -> Option<f64> {
    let mut unit = [0.0; 3];
    unit[i] = 1.0;
    solve(a, unit, k).map(|column| column[i])
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

/// Fits on days resampled with replacement.
pub fn bootstrap(days: &[&SpendDay], resamples: usize, seed: u64) -> Vec<CurveFit> {
    let mut rng = SplitMix64::new(seed);
    (0..resamples)
        .filter_map(|_| {
            let sample: Vec<&SpendDay> = (0..days.len())
                .map(|_| days[rng.below(days.len())])
                .collect();
            fit(&sample)
        })
        .collect()
}
