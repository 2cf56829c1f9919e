//! Our retry policy for OpenAI-compatible endpoints, installed as async-openai's HTTP
//! service so that it replaces the client's built-in one.
//!
//! Why our own: we need jitter (many replicas retrying in lockstep make a 429 storm
//! worse), `Retry-After` in both of its forms, retries on timeouts, and a bound we set.

use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use rand::Rng;
use reqwest::{Response, StatusCode};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// Longest we wait for response headers; the body (a stream) is not bounded here.
    pub response_timeout: Duration,
    /// Never sleep longer than this, whatever `Retry-After` says: a turn has a deadline.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            response_timeout: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Full-jitter exponential backoff: uniform in [0, min(max, initial·2^attempt)].
    pub fn backoff(&self, attempt: u32) -> Duration {
        let cap = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_backoff);
        let millis = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }
}

/// `Retry-After` as seconds or as an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
}

/// The tower service async-openai calls for every HTTP exchange.
#[derive(Clone, Debug)]
pub struct RetryingTransport {
    client: reqwest::Client,
    policy: RetryPolicy,
    provider: String,
}

impl RetryingTransport {
    pub fn new(client: reqwest::Client, policy: RetryPolicy, provider: String) -> Self {
        Self {
            client,
            policy,
            provider,
        }
    }

    async fn send(self, request: HttpRequestFactory) -> Result<Response, OpenAIError> {
        let mut attempt = 0;
        loop {
            let built = request.build().await?;
            let outcome =
                tokio::time::timeout(self.policy.response_timeout, self.client.execute(built))
                    .await;
            let retry_after = match outcome {
                Ok(Ok(response)) if !is_retryable(response.status()) => return Ok(response),
                Ok(Ok(response)) => {
                    if attempt >= self.policy.max_retries {
                        return Ok(response);
                    }
                    let hinted = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_retry_after);
                    tracing::warn!(provider = %self.provider, status = %response.status(), attempt, "model endpoint asked us to retry");
                    hinted
                }
                Ok(Err(e)) if e.is_connect() || e.is_timeout() || e.is_request() => {
                    if attempt >= self.policy.max_retries {
                        return Err(OpenAIError::Reqwest(e));
                    }
                    tracing::warn!(provider = %self.provider, error = %e, attempt, "model endpoint unreachable, retrying");
                    None
                }
                Ok(Err(e)) => return Err(OpenAIError::Reqwest(e)),
                Err(_elapsed) => {
                    if attempt >= self.policy.max_retries {
                        return Err(OpenAIError::StreamError(Box::new(
                            async_openai::error::StreamError::EventStream(format!(
                                "no response within {:?}",
                                self.policy.response_timeout
                            )),
                        )));
                    }
                    tracing::warn!(provider = %self.provider, attempt, "model endpoint timed out, retrying");
                    None
                }
            };
            let wait = retry_after
                .map(|d| d.min(self.policy.max_retry_after))
                .unwrap_or_else(|| self.policy.backoff(attempt));
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

impl tower::Service<HttpRequestFactory> for RetryingTransport {
    type Response = Response;
    type Error = OpenAIError;
    type Future = Pin<Box<dyn Future<Output = Result<Response, OpenAIError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequestFactory) -> Self::Future {
        Box::pin(self.clone().send(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn backoff_is_jittered_within_the_exponential_cap() {
        let p = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for attempt in 0..8 {
            let cap =
                Duration::from_millis(100 * 2u64.pow(attempt)).min(Duration::from_millis(1000));
            for _ in 0..50 {
                assert!(p.backoff(attempt) <= cap);
            }
        }
        let samples: std::collections::HashSet<_> = (0..50).map(|_| p.backoff(3)).collect();
        assert!(
            samples.len() > 5,
            "backoff must be jittered, got {samples:?}"
        );
    }
}
