//! The bounded retry loop the newer connectors share: one attempt, then backoff or
//! the platform's `Retry-After`, up to a fixed number of retries.

use crate::connectors::retry::Backoff;
use std::future::Future;
use std::time::Duration;

/// Whether, and when, a failed request is worth repeating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    No,
    /// After the usual backoff.
    Backoff,
    /// After the platform's own delay (`Retry-After`, Google's `retryDelay`).
    After(Duration),
}

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub max_retries: u32,
    pub backoff: Backoff,
    /// Longer waits than this fail at once: a chat turn cannot sleep for minutes.
    pub max_retry_after: Duration,
}

/// Runs `attempt` until it succeeds, fails for good, or the retries run out.
pub(crate) async fn with_retries<T, E, F, Fut>(
    platform: &'static str,
    what: &str,
    policy: RetryPolicy,
    mut attempt: F,
) -> Result<T, E>
where
    E: std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, (E, Retry)>>,
{
    let mut retries = 0;
    loop {
        let (error, retry) = match attempt().await {
            Ok(value) => return Ok(value),
            Err(failure) => failure,
        };
        let wait = match retry {
            Retry::No => None,
            Retry::Backoff => Some(policy.backoff.delay(retries)),
            Retry::After(after) => (after <= policy.max_retry_after).then_some(after),
        };
        let Some(wait) = wait.filter(|_| retries < policy.max_retries) else {
            return Err(error);
        };
        retries += 1;
        tracing::warn!(
            platform,
            what,
            retries,
            wait_ms = wait.as_millis() as u64,
            error = %error,
            "request failed, retrying"
        );
        tokio::time::sleep(wait).await;
    }
}
