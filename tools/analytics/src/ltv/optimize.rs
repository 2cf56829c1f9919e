//! Minimising a smooth function with its gradient: BFGS with a backtracking (Armijo)
//! line search. The models have three or four parameters, so a dense inverse-Hessian
//! estimate costs nothing, and fits are deterministic (no random restarts).

/// Where the search stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub gradient: Vec<f64>,
    pub iterations: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptimizeError {
    #[error("the likelihood is not finite at the starting point")]
    BadStart,
    #[error("the fit did not converge in {iterations} iterations (gradient {gradient:.2e})")]
    NoConvergence { iterations: usize, gradient: f64 },
}

/// Stop when every gradient component is below this (the objective is a mean
/// log-likelihood per customer, so this is far tighter than any reported digit).
const GRADIENT_TOLERANCE: f64 = 1e-9;
const MAX_ITERATIONS: usize = 1_000;

/// Minimises `f`, which returns the value and gradient at a point (a non-finite value
/// means "outside the domain": the line search steps back from it).
pub fn minimize(
    f: impl Fn(&[f64]) -> (f64, Vec<f64>),
    start: &[f64],
) -> Result<Minimum, OptimizeError> {
    let n = start.len();
    let mut x = start.to_vec();
    let (mut value, mut gradient) = f(&x);
    if !value.is_finite() || gradient.iter().any(|g| !g.is_finite()) {
        return Err(OptimizeError::BadStart);
    }
    let mut inverse_hessian = identity(n);
    let mut stalled = 0;
    for iteration in 0..MAX_ITERATIONS {
        if max_abs(&gradient) < GRADIENT_TOLERANCE {
            return Ok(Minimum {
                x,
                value,
                gradient,
                iterations: iteration,
            });
        }
        let mut direction: Vec<f64> = (0..n)
            .map(|i| -dot(&inverse_hessian[i], &gradient))
            .collect();
        let mut slope = dot(&direction, &gradient);
        if slope >= 0.0 {
            // The estimate lost positive definiteness: restart from steepest descent.
            inverse_hessian = identity(n);
            direction = gradient.iter().map(|g| -g).collect();
            slope = dot(&direction, &gradient);
        }
        // The first step of a fresh estimate is scaled so it moves about one unit.
        let mut step = if iteration == 0 {
            (1.0 / max_abs(&direction)).min(1.0)
        } else {
            1.0
        };
        let accepted = loop {
            let trial: Vec<f64> = x
                .iter()
                .zip(&direction)
                .map(|(xi, di)| xi + step * di)
                .collect();
            let (trial_value, trial_gradient) = f(&trial);
            let finite = trial_value.is_finite() && trial_gradient.iter().all(|g| g.is_finite());
            if finite && trial_value <= value + 1e-4 * step * slope {
                break Some((trial, trial_value, trial_gradient));
            }
            step *= 0.5;
            if step < 1e-20 {
                break None;
            }
        };
        let Some((next, next_value, next_gradient)) = accepted else {
            // No decrease is possible at this precision: the minimum is as good as
            // floating point allows if the gradient is small, otherwise a failure.
            return finish(x, value, gradient, iteration);
        };
        let s: Vec<f64> = next.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = next_gradient
            .iter()
            .zip(&gradient)
            .map(|(a, b)| a - b)
            .collect();
        if (value - next_value).abs() <= 1e-16 * value.abs().max(1.0) {
            stalled += 1;
        } else {
            stalled = 0;
        }
        x = next;
        value = next_value;
        gradient = next_gradient;
        if stalled >= 5 {
            return finish(x, value, gradient, iteration + 1);
        }
        let sy = dot(&s, &y);
        if sy > 1e-300 {
            bfgs_update(&mut inverse_hessian, &s, &y, sy);
        }
    }
    Err(OptimizeError::NoConvergence {
        iterations: MAX_ITERATIONS,
        gradient: max_abs(&gradient),
    })
}

fn finish(
    x: Vec<f64>,
    value: f64,
    gradient: Vec<f64>,
    iterations: usize,
) -> Result<Minimum, OptimizeError> {
    // Rounding stops progress below about 1e-7 of the gradient scale; accept that.
    if max_abs(&gradient) < 1e-6 {
        Ok(Minimum {
            x,
            value,
            gradient,
            iterations,
        })
    } else {
        Err(OptimizeError::NoConvergence {
            iterations,
            gradient: max_abs(&gradient),
        })
    }
}

/// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, with ρ = 1 / (yᵀ s).
fn bfgs_update(h: &mut [Vec<f64>], s: &[f64], y: &[f64], sy: f64) {
    let n = s.len();
    let rho = 1.0 / sy;
    let hy: Vec<f64> = (0..n).map(|i| dot(&h[i], y)).collect();
    let yhy = dot(y, &hy);
    for i in 0..n {
        for j in 0..n {
            h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
        }
    }
}

fn identity(n: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect()
}

pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_the_rosenbrock_valley() {
        let rosenbrock = |x: &[f64]| {
            let (a, b) = (x[0], x[1]);
            let value = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
            let gradient = vec![
                -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
                200.0 * (b - a * a),
            ];
            (value, gradient)
        };
        let min = minimize(rosenbrock, &[-1.2, 1.0]).unwrap();
        assert!((min.x[0] - 1.0).abs() < 1e-6, "{:?}", min.x);
        assert!((min.x[1] - 1.0).abs() < 1e-6, "{:?}", min.x);
    }

    #[test]
    fn a_domain_edge_is_stepped_back_from() {
        // ln-barrier: NaN below zero, minimum at x = 1.
        let f = |x: &[f64]| (x[0] - x[0].ln(), vec![1.0 - 1.0 / x[0]]);
        let min = minimize(f, &[30.0]).unwrap();
        assert!((min.x[0] - 1.0).abs() < 1e-6, "{:?}", min.x);
    }
}
