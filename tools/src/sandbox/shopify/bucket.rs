//! Shopify's calculated-cost leaky bucket: each query costs points, the bucket refills
//! at the restore rate, and a query costing more than is available is `THROTTLED`.

use std::sync::Mutex;
use std::time::Instant;

/// The bucket as a query sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketState {
    pub maximum_available: f64,
    pub currently_available: f64,
    pub restore_rate: f64,
}

#[derive(Debug)]
pub(crate) struct CostBucket {
    maximum: f64,
    restore_rate: f64,
    state: Mutex<(f64, Instant)>,
}

impl CostBucket {
    pub(crate) fn new(maximum: f64, restore_rate: f64) -> Self {
        Self {
            maximum,
            restore_rate,
            state: Mutex::new((maximum, Instant::now())),
        }
    }

    /// Takes `requested` points if available (then refunds down to `actual`, as
    /// Shopify does once the query has run); otherwise leaves the bucket alone and
    /// reports the shortfall.
    pub(crate) fn spend(&self, requested: f64, actual: f64) -> Result<BucketState, BucketState> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let refilled = state.0 + now.duration_since(state.1).as_secs_f64() * self.restore_rate;
        let available = refilled.min(self.maximum);
        *state = (available, now);
        if requested > available {
            return Err(self.view(available));
        }
        state.0 = available - actual.min(requested);
        Ok(self.view(state.0))
    }

    pub(crate) fn view(&self, available: f64) -> BucketState {
        BucketState {
            maximum_available: self.maximum,
            currently_available: available.floor(),
            restore_rate: self.restore_rate,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn queries_drain_the_bucket_until_one_is_throttled() {
        let bucket = CostBucket::new(1000.0, 0.001);
        assert!(bucket.spend(400.0, 400.0).is_ok());
        assert!(bucket.spend(400.0, 400.0).is_ok());
        let throttled = bucket.spend(400.0, 400.0).unwrap_err();
        assert!(throttled.currently_available < 400.0);
        // Only the actual cost is kept.
        let bucket = CostBucket::new(1000.0, 0.001);
        let after = bucket.spend(900.0, 100.0).unwrap();
        assert!(after.currently_available >= 899.0);
    }
}
