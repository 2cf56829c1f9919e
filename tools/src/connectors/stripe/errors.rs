//! What can go wrong talking to Stripe, in words a marketer can act on.

use omnify_core::ToolError;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StripeError {
    /// HTTP 401: wrong, rolled or revoked key.
    #[error("Stripe rejected the API key (rolled, revoked or wrong): reconnect Stripe")]
    KeyRejected { message: String },
    /// HTTP 403: a restricted key without read access to this resource.
    #[error(
        "the Stripe key cannot read this data: give the restricted key read access to subscriptions, invoices and charges, then reconnect Stripe (Stripe said: {message})"
    )]
    PermissionDenied { message: String },
    /// HTTP 429 (`rate_limit`, `lock_timeout`) still failing after the retries.
    #[error("Stripe is rate-limiting requests for this account; try again in a minute")]
    RateLimited {
        code: Option<String>,
        message: String,
    },
    #[error("Stripe is temporarily unavailable (HTTP {status}); try again shortly")]
    Unavailable { status: u16, message: String },
    #[error("Stripe did not answer within {} seconds", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("could not reach Stripe: {0}")]
    Network(String),
    /// Any other Stripe error, with its message.
    #[error("Stripe error: {message}")]
    Api {
        status: u16,
        kind: Option<String>,
        code: Option<String>,
        message: String,
    },
    #[error("Stripe returned more than {max_pages} pages; ask for a shorter date range")]
    TooManyPages { max_pages: u32 },
    #[error("Stripe sent a response Omnify could not read: {0}")]
    Malformed(String),
    #[error("Stripe is misconfigured: {0}")]
    Config(String),
}

impl From<StripeError> for ToolError {
    fn from(error: StripeError) -> Self {
        match error {
            StripeError::Timeout(after) => ToolError::Timeout(after.as_millis() as u64),
            other => ToolError::Upstream(other.to_string()),
        }
    }
}

/// Stripe's envelope: `{"error":{"type","code","message","param","doc_url"}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ErrorDetail {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    No,
    Backoff,
    After(Duration),
}

/// Turns an error response into a typed error and a retry decision.
/// `should_retry` is the `Stripe-Should-Retry` header, which overrides the status.
pub(crate) fn classify(
    status: u16,
    detail: ErrorDetail,
    retry_after: Option<Duration>,
    should_retry: Option<bool>,
) -> (StripeError, Retry) {
    let message = detail
        .message
        .clone()
        .unwrap_or_else(|| format!("HTTP {status}"));
    let error = match status {
        401 => StripeError::KeyRejected { message },
        403 => StripeError::PermissionDenied { message },
        429 => StripeError::RateLimited {
            code: detail.code,
            message,
        },
        s if s >= 500 => StripeError::Unavailable { status, message },
        _ => StripeError::Api {
            status,
            kind: detail.kind,
            code: detail.code,
            message,
        },
    };
    let by_status = status == 429 || status >= 500 || status == 409;
    let retry = match should_retry.unwrap_or(by_status) {
        false => Retry::No,
        true => retry_after.map_or(Retry::Backoff, Retry::After),
    };
    (error, retry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_should_retry_header_overrides_the_status() {
        let rate = || ErrorDetail {
            code: Some("rate_limit".into()),
            ..ErrorDetail::default()
        };
        assert_eq!(classify(429, rate(), None, None).1, Retry::Backoff);
        assert_eq!(classify(429, rate(), None, Some(false)).1, Retry::No);
        assert_eq!(
            classify(429, rate(), Some(Duration::from_secs(1)), Some(true)).1,
            Retry::After(Duration::from_secs(1))
        );
        assert_eq!(
            classify(400, ErrorDetail::default(), None, Some(true)).1,
            Retry::Backoff
        );
        let (error, retry) = classify(401, ErrorDetail::default(), None, None);
        assert_eq!(retry, Retry::No);
        assert_eq!(
            error.to_string(),
            "Stripe rejected the API key (rolled, revoked or wrong): reconnect Stripe"
        );
    }
}
