//! Per-key rate limiting: a token bucket per API key, refilled continuously.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take one request from `key`'s bucket, or say how many seconds until one is free.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        // Forget idle keys now and then so the map cannot grow without bound.
        if buckets.len() > 10_000 {
            let full_after = 60.0;
            buckets.retain(|_, b| now.duration_since(b.updated).as_secs_f64() < full_after);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: self.per_minute,
            updated: now,
        });
        let refill = now.duration_since(bucket.updated).as_secs_f64() * self.per_minute / 60.0;
        bucket.tokens = (bucket.tokens + refill).min(self.per_minute);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) * 60.0 / self.per_minute;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_quota_then_waits_and_keys_are_independent() {
        let limiter = RateLimiter::new(3);
        for _ in 0..3 {
            assert!(limiter.check("a").is_ok());
        }
        let wait = limiter.check("a").unwrap_err();
        assert!((1..=20).contains(&wait), "wait {wait}");
        assert!(limiter.check("b").is_ok());
    }
}
