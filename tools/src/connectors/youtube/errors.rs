//! What can go wrong talking to YouTube, in words a marketer can act on.
//!
//! Both YouTube APIs answer errors in Google's envelope
//! `{"error":{"code","message","errors":[{"domain","reason","message"}]}}`, and the
//! `reason` tells a used-up daily quota (403 `quotaExceeded`) from a short burst limit.

use crate::connectors::attempts::Retry;
use crate::connectors::oauth::RefreshError;
use omnify_core::ToolError;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum YouTubeError {
    /// The refresh token was refused, or a fresh access token was still rejected.
    #[error("YouTube access expired or was revoked: reconnect YouTube")]
    TokenExpired { message: String },
    /// 403 `quotaExceeded`: the project's daily units are spent. Retrying cannot help.
    #[error(
        "YouTube's daily API quota for this project is used up; it resets at midnight Pacific time, so try again then"
    )]
    QuotaExceeded { message: String },
    /// HTTP 429 or 403 `rateLimitExceeded`, still failing after the retries.
    #[error("YouTube is rate-limiting requests; try again in a few minutes")]
    RateLimited { message: String },
    /// Any other 403: the connected account cannot read this channel's analytics.
    #[error(
        "YouTube denied access to the channel's analytics; check the connected Google account owns or manages the channel (YouTube said: {message})"
    )]
    PermissionDenied { reason: String, message: String },
    #[error("YouTube is temporarily unavailable (HTTP {status}); try again shortly")]
    Unavailable { status: u16, message: String },
    #[error("YouTube did not answer within {} seconds", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("could not reach YouTube: {0}")]
    Network(String),
    #[error("YouTube error {status} ({reason}): {message}")]
    Api {
        status: u16,
        reason: String,
        message: String,
    },
    #[error("YouTube sent a response Omnify could not read: {0}")]
    Malformed(String),
    #[error("YouTube is misconfigured: {0}")]
    Config(String),
}

impl From<YouTubeError> for ToolError {
    fn from(error: YouTubeError) -> Self {
        match error {
            YouTubeError::Timeout(after) => ToolError::Timeout(after.as_millis() as u64),
            other => ToolError::Upstream(other.to_string()),
        }
    }
}

impl YouTubeError {
    pub(crate) fn from_refresh(error: RefreshError, timeout: Duration) -> (Self, Retry) {
        match error {
            RefreshError::Rejected { .. } => (
                Self::TokenExpired {
                    message: error.to_string(),
                },
                Retry::No,
            ),
            RefreshError::Unavailable(status) => (
                Self::Unavailable {
                    status,
                    message: error.to_string(),
                },
                Retry::Backoff,
            ),
            RefreshError::Timeout => (Self::Timeout(timeout), Retry::Backoff),
            RefreshError::Network(m) => (Self::Network(m), Retry::Backoff),
            RefreshError::Malformed(m) => (Self::Malformed(m), Retry::No),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ErrorEnvelope {
    #[serde(default)]
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ErrorDetail {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ErrorItem {
    #[serde(default)]
    pub reason: String,
}

/// Turns an error response into a typed error and a retry decision.
pub(crate) fn classify(
    status: u16,
    body: Option<ErrorEnvelope>,
    retry_after: Option<Duration>,
) -> (YouTubeError, Retry) {
    let detail = body.map(|b| b.error).unwrap_or_default();
    let reason = detail
        .errors
        .first()
        .map(|e| e.reason.clone())
        .unwrap_or_default();
    let message = if detail.message.is_empty() {
        format!("HTTP {status}")
    } else {
        detail.message
    };
    let later = retry_after.map_or(Retry::Backoff, Retry::After);
    match (status, reason.as_str()) {
        (403, "quotaExceeded" | "dailyLimitExceeded") => {
            (YouTubeError::QuotaExceeded { message }, Retry::No)
        }
        (429, _) | (403, "rateLimitExceeded" | "userRateLimitExceeded") => {
            (YouTubeError::RateLimited { message }, later)
        }
        (401, _) => (YouTubeError::TokenExpired { message }, Retry::No),
        (403, _) => (
            YouTubeError::PermissionDenied { reason, message },
            Retry::No,
        ),
        (500.., _) => (YouTubeError::Unavailable { status, message }, later),
        _ => (
            YouTubeError::Api {
                status,
                reason,
                message,
            },
            Retry::No,
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_documented_quota_error_is_final_and_bursts_are_retried() {
        let body: ErrorEnvelope = serde_json::from_str(r#"{"error":{"code":403,"message":"The request cannot be completed because you have exceeded your quota.","errors":[{"message":"...","domain":"youtube.quota","reason":"quotaExceeded"}]}}"#).unwrap();
        let (e, r) = classify(403, Some(body), None);
        assert_eq!(r, Retry::No);
        assert!(matches!(e, YouTubeError::QuotaExceeded { .. }));
        assert!(e.to_string().contains("midnight Pacific"));
        let (e, r) = classify(429, None, Some(Duration::from_secs(1)));
        assert!(matches!(e, YouTubeError::RateLimited { .. }));
        assert_eq!(r, Retry::After(Duration::from_secs(1)));
        assert_eq!(classify(503, None, None).1, Retry::Backoff);
        assert!(matches!(
            classify(403, None, None).0,
            YouTubeError::PermissionDenied { .. }
        ));
    }
}
