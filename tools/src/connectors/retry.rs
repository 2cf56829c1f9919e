//! Retry timing shared by every connector: bounded exponential backoff with jitter,
//! and `Retry-After` parsing.

use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::Duration;

/// Exponential backoff: the delay before retry `n` (0-based) is `base * 2^n`, capped at
/// `max`, then scaled by a random factor in [0.5, 1] so clients that failed together do
/// not retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(500),
            max: Duration::from_secs(8),
        }
    }
}

impl Backoff {
    pub fn delay(&self, attempt: u32) -> Duration {
        let exponential = self
            .base
            .saturating_mul(2_u32.saturating_pow(attempt.min(16)));
        let capped = exponential.min(self.max);
        capped.mul_f64(rand::random_range(0.5..=1.0))
    }
}

/// `Retry-After` in seconds. Ad APIs do not send the HTTP-date form, and guessing at
/// one is worse than falling back to backoff.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_grows_is_jittered_and_capped() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_millis(1000),
        };
        for _ in 0..50 {
            let first = b.delay(0);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = b.delay(2);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            assert!(b.delay(30) <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn retry_after_reads_seconds_only() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("1"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(1)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2026 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), None);
    }
}
