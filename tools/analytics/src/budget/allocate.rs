//! Splitting a budget so every channel's marginal ROAS is equal (water-filling): at
//! the optimum of Σ revenue_i(x_i) with Σ x_i = total, a channel is either at a bound
//! or at the spend where one more dollar earns λ, the same λ for all.

use super::curve::ResponseCurve;
use serde::{Deserialize, Serialize};

/// Daily spend limits of one channel.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    pub min: f64,
    pub max: f64,
}

impl Bounds {
    pub const OPEN: Self = Self {
        min: 0.0,
        max: f64::INFINITY,
    };
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AllocationError {
    #[error("the minimums add up to {minimum:.2}, more than the budget of {total:.2}")]
    MinimumsAboveBudget { minimum: f64, total: f64 },
    #[error("the maximums add up to {maximum:.2}, less than the budget of {total:.2}")]
    MaximumsBelowBudget { maximum: f64, total: f64 },
    #[error("channel {index}: minimum {min:.2} is above maximum {max:.2}")]
    InvertedBounds { index: usize, min: f64, max: f64 },
    #[error("the budget must be a positive amount, got {0}")]
    BadTotal(f64),
}

/// The spend per channel that maximises total revenue under the bounds.
pub fn allocate(
    channels: &[(ResponseCurve, Bounds)],
    total: f64,
) -> Result<Vec<f64>, AllocationError> {
    if !(total.is_finite() && total > 0.0) {
        return Err(AllocationError::BadTotal(total));
    }
    for (index, (_, b)) in channels.iter().enumerate() {
        if b.min > b.max {
            return Err(AllocationError::InvertedBounds {
                index,
                min: b.min,
                max: b.max,
            });
        }
    }
    let minimum: f64 = channels.iter().map(|(_, b)| b.min).sum();
    let maximum: f64 = channels.iter().map(|(_, b)| b.max).sum();
    if minimum > total * (1.0 + 1e-12) {
        return Err(AllocationError::MinimumsAboveBudget { minimum, total });
    }
    if maximum < total * (1.0 - 1e-12) {
        return Err(AllocationError::MaximumsBelowBudget { maximum, total });
    }
    let spend_at = |lambda: f64| -> Vec<f64> {
        channels
            .iter()
            .map(|(curve, b)| curve.spend_at_marginal(lambda).clamp(b.min, b.max))
            .collect()
    };
    // Total spend falls as λ rises; bisect on ln λ.
    let (mut lo, mut hi) = (-60.0_f64, 60.0_f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        let spent: f64 = spend_at(mid.exp()).iter().sum();
        if spent > total {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut spend = spend_at(lo.exp());
    // Put the bisection's last crumbs on the channels not at a bound, so the total is
    // exactly conserved.
    let gap = total - spend.iter().sum::<f64>();
    let room = |i: usize| {
        let b = channels[i].1;
        if gap > 0.0 {
            b.max - spend[i]
        } else {
            spend[i] - b.min
        }
    };
    if let Some(i) = (0..spend.len()).max_by(|&i, &j| room(i).total_cmp(&room(j))) {
        let b = channels[i].1;
        spend[i] = (spend[i] + gap).clamp(b.min, b.max);
    }
    Ok(spend)
}
