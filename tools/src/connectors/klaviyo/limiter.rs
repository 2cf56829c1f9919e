//! A client-side limiter for Klaviyo's reporting endpoints, which allow a burst of 1
//! request a second and a steady 2 a minute per account: sending faster only earns
//! 429s, and each 429 still counts against the 225-a-day budget.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Requests allowed per window, burst and steady.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportingLimit {
    pub burst: u32,
    pub burst_window: Duration,
    pub steady: u32,
    pub steady_window: Duration,
}

impl Default for ReportingLimit {
    /// Klaviyo's published limits for `campaign-values-reports` and
    /// `flow-values-reports`: 1/s burst, 2/min steady.
    fn default() -> Self {
        Self {
            burst: 1,
            burst_window: Duration::from_secs(1),
            steady: 2,
            steady_window: Duration::from_secs(60),
        }
    }
}

/// Sliding-window limiter; waiting callers are served in arrival order.
#[derive(Debug)]
pub(crate) struct Limiter {
    limit: ReportingLimit,
    /// Start times of the requests still inside the longer window.
    sent: Mutex<VecDeque<Instant>>,
}

impl Limiter {
    pub(crate) fn new(limit: ReportingLimit) -> Self {
        Self {
            limit,
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// How long until a request may start, given what was sent.
    fn wait_needed(&self, sent: &VecDeque<Instant>, now: Instant) -> Duration {
        let mut wait = Duration::ZERO;
        for (allowed, window) in [
            (self.limit.burst, self.limit.burst_window),
            (self.limit.steady, self.limit.steady_window),
        ] {
            let allowed = allowed.max(1) as usize;
            let recent: Vec<&Instant> = sent.iter().filter(|t| now < **t + window).collect();
            if recent.len() >= allowed {
                // The slot frees when the oldest request that fills the window leaves it.
                let oldest = recent[recent.len() - allowed];
                wait = wait.max(*oldest + window - now);
            }
        }
        wait
    }

    /// Waits for a slot and takes it; `Err(wait)` without taking one when the wait
    /// would exceed `max_wait`.
    pub(crate) async fn acquire(&self, max_wait: Duration) -> Result<Duration, Duration> {
        // Held while sleeping, so callers queue in order rather than racing.
        let mut sent = self.sent.lock().await;
        let start = Instant::now();
        let longest = self.limit.steady_window.max(self.limit.burst_window);
        while sent.front().is_some_and(|t| start >= *t + longest) {
            sent.pop_front();
        }
        let wait = self.wait_needed(&sent, start);
        if wait > max_wait {
            return Err(wait);
        }
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        sent.push_back(Instant::now());
        Ok(wait)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// With tokio's paused clock, sleeps complete instantly in virtual time and
    /// `Instant` differences are exact: no timing flakiness.
    #[tokio::test(start_paused = true)]
    async fn spaces_reports_one_a_second_and_two_a_minute() {
        let limiter = Limiter::new(ReportingLimit::default());
        let t0 = Instant::now();
        let max = Duration::from_secs(120);
        limiter.acquire(max).await.unwrap();
        assert_eq!(t0.elapsed(), Duration::ZERO);
        // Second: burst window of 1 s.
        assert_eq!(limiter.acquire(max).await.unwrap(), Duration::from_secs(1));
        assert_eq!(t0.elapsed(), Duration::from_secs(1));
        // Third: the steady 2/min window, 60 s after the first.
        assert_eq!(limiter.acquire(max).await.unwrap(), Duration::from_secs(59));
        assert_eq!(t0.elapsed(), Duration::from_secs(60));
        // Fourth: 60 s after the second.
        limiter.acquire(max).await.unwrap();
        assert_eq!(t0.elapsed(), Duration::from_secs(61));
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_longer_than_allowed_is_refused_without_taking_a_slot() {
        let limiter = Limiter::new(ReportingLimit::default());
        let short = Duration::from_secs(5);
        limiter.acquire(short).await.unwrap();
        limiter.acquire(short).await.unwrap();
        assert_eq!(
            limiter.acquire(short).await.unwrap_err(),
            Duration::from_secs(59)
        );
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(limiter.acquire(short).await.unwrap(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_queue_in_order() {
        let limiter = std::sync::Arc::new(Limiter::new(ReportingLimit {
            burst: 1,
            burst_window: Duration::from_secs(1),
            steady: 10,
            steady_window: Duration::from_secs(60),
        }));
        let t0 = Instant::now();
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let l = limiter.clone();
                tokio::spawn(async move {
                    l.acquire(Duration::from_secs(10)).await.unwrap();
                    t0.elapsed()
                })
            })
            .collect();
        let mut times = Vec::new();
        for h in handles {
            times.push(h.await.unwrap());
        }
        times.sort();
        assert_eq!(
            times,
            [
                Duration::ZERO,
                Duration::from_secs(1),
                Duration::from_secs(2)
            ]
        );
    }
}
