//! The decline model: log CTR flat until a hinge day, then falling linearly (an
//! exponential decay of CTR), fitted by impression-weighted least squares with the
//! hinge chosen by scanning. Flat-then-decay is how fatigue looks in practice: a
//! creative holds its CTR until its audience has seen it enough, then loses it.

/// One day of the fitted window: position (days from the window's start), log CTR and
/// its weight.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Point {
    pub t: f64,
    pub y: f64,
    pub w: f64,
}

/// The fitted hinge model `y = level + slope * max(0, t - hinge)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct HingeFit {
    pub hinge: f64,
    pub level: f64,
    /// Change of log CTR per day after the hinge (negative when declining).
    pub slope: f64,
    pub slope_se: f64,
    /// Standard error of the fitted log CTR at the last day.
    pub end_se: f64,
    /// Weighted residual standard deviation (log CTR).
    pub residual_sd: f64,
    /// Days after the hinge with data.
    pub days_declining: usize,
    pub last_t: f64,
}

impl HingeFit {
    /// Fitted log CTR at day `t` (extrapolating the decline past the data).
    pub fn at(&self, t: f64) -> f64 {
        self.level + self.slope * (t - self.hinge).max(0.0)
    }
}

/// The best hinge with at least `min_before` days before it and `min_after` after it;
/// `None` when there are too few points.
pub(crate) fn fit_hinge(points: &[Point], min_before: usize, min_after: usize) -> Option<HingeFit> {
    if points.len() < min_before + min_after {
        return None;
    }
    let mut best: Option<(f64, HingeFit)> = None;
    for split in min_before..=(points.len() - min_after) {
        // Hinge on the last flat day: the first declining day has x = 1.
        let hinge = points[split - 1].t;
        let Some((fit, sse)) = weighted_fit(points, hinge) else {
            continue;
        };
        if best.as_ref().is_none_or(|(best_sse, _)| sse < *best_sse) {
            best = Some((sse, fit));
        }
    }
    best.map(|(_, fit)| fit)
}

/// Weighted least squares of `y` on `x = max(0, t - hinge)`; returns the fit and its
/// weighted sum of squared residuals.
fn weighted_fit(points: &[Point], hinge: f64) -> Option<(HingeFit, f64)> {
    let x = |p: &Point| (p.t - hinge).max(0.0);
    let sw: f64 = points.iter().map(|p| p.w).sum();
    if sw <= 0.0 {
        return None;
    }
    let mx = points.iter().map(|p| p.w * x(p)).sum::<f64>() / sw;
    let my = points.iter().map(|p| p.w * p.y).sum::<f64>() / sw;
    let sxx: f64 = points.iter().map(|p| p.w * (x(p) - mx).powi(2)).sum();
    if sxx <= 1e-12 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| p.w * (x(p) - mx) * (p.y - my)).sum();
    let slope = sxy / sxx;
    let level = my - slope * mx;
    let sse: f64 = points
        .iter()
        .map(|p| p.w * (p.y - level - slope * x(p)).powi(2))
        .sum();
    // Weights are normalised to a mean of one, so sse / (n - 2) is the variance of
    // an average day's log CTR.
    let n = points.len() as f64;
    let variance = sse / (n - 2.0).max(1.0);
    let slope_se = (variance / sxx).sqrt();
    let last = points.iter().map(|p| p.t).fold(f64::MIN, f64::max);
    let x_end = (last - hinge).max(0.0);
    let end_se = (variance * (1.0 / sw + (x_end - mx).powi(2) / sxx)).sqrt();
    let days_declining = points.iter().filter(|p| p.t > hinge).count();
    Some((
        HingeFit {
            hinge,
            level,
            slope,
            slope_se,
            end_se,
            residual_sd: variance.sqrt(),
            days_declining,
            last_t: last,
        },
        sse,
    ))
}

/// Standard normal cumulative distribution (Abramowitz and Stegun 7.1.26, error below
/// 1.5e-7), enough for a confidence shown to two decimals.
pub(crate) fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_hinge_and_the_slope_of_a_clean_decline() {
        let points: Vec<Point> = (0..30)
            .map(|i| {
                let t = f64::from(i);
                let y = if t <= 20.0 {
                    -4.0
                } else {
                    -4.0 - 0.05 * (t - 20.0)
                };
                Point { t, y, w: 1.0 }
            })
            .collect();
        let fit = fit_hinge(&points, 7, 3).unwrap();
        assert_eq!(fit.hinge, 20.0);
        assert!((fit.slope + 0.05).abs() < 1e-9, "{fit:?}");
        assert!((fit.at(40.0) - (-5.0)).abs() < 1e-9);
    }

    #[test]
    fn normal_cdf_matches_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.96) - 0.975).abs() < 1e-4);
        assert!((normal_cdf(-1.0) - 0.158_655).abs() < 1e-5);
    }
}
