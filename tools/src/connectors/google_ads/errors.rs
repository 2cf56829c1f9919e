//! What can go wrong talking to Google Ads, in words a marketer can act on.
//!
//! `Display` is the user-facing text (it reaches the chat via `ToolError::Upstream`);
//! Google's own message and request id stay in the variant for logs.

use crate::connectors::attempts::Retry;
use crate::connectors::oauth::RefreshError;
use omnify_core::ToolError;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GoogleAdsError {
    /// The refresh token was refused, or a fresh access token was still rejected.
    #[error("Google Ads access expired or was revoked: reconnect Google Ads")]
    TokenExpired { message: String },
    /// HTTP 429 / `quotaError`, still failing after the retries.
    #[error(
        "Google Ads is rate-limiting requests for this account; try again in a few minutes (Google said: {message})"
    )]
    RateLimited {
        /// `RESOURCE_EXHAUSTED` (the daily quota) or `RESOURCE_TEMPORARILY_EXHAUSTED`.
        quota_error: Option<String>,
        message: String,
        retry_delay: Option<Duration>,
    },
    /// HTTP 403: the connected user or developer token may not use this account.
    #[error(
        "Google Ads denied access to customer {customer_id}; check the connected user can see it and the developer token is approved (Google said: {message})"
    )]
    PermissionDenied {
        customer_id: String,
        message: String,
    },
    #[error("Google Ads is temporarily unavailable (HTTP {status}); try again shortly")]
    Unavailable { status: u16, message: String },
    #[error("Google Ads did not answer within {} seconds", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("could not reach Google Ads: {0}")]
    Network(String),
    /// Any other Google Ads failure, e.g. a `queryError`.
    #[error("Google Ads error: {message}")]
    Api {
        status: u16,
        /// The failure's error code, e.g. `queryError: PROHIBITED_FIELD_COMBINATION`.
        error_code: Option<String>,
        message: String,
        request_id: Option<String>,
    },
    #[error(
        "Google Ads returned more than {max_pages} pages of results; ask for a shorter date range or a less detailed level"
    )]
    TooManyPages { max_pages: u32 },
    #[error("Google Ads sent a response Omnify could not read: {0}")]
    Malformed(String),
    #[error("Google Ads is misconfigured: {0}")]
    Config(String),
}

impl From<GoogleAdsError> for ToolError {
    fn from(error: GoogleAdsError) -> Self {
        match error {
            GoogleAdsError::Timeout(after) => ToolError::Timeout(after.as_millis() as u64),
            other => ToolError::Upstream(other.to_string()),
        }
    }
}

impl GoogleAdsError {
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

/// The google.rpc.Status envelope.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct StatusBody {
    pub error: StatusDetail,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct StatusDetail {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub details: Vec<FailureDetail>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FailureDetail {
    #[serde(default)]
    pub errors: Vec<FailureError>,
    #[serde(default)]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FailureError {
    /// One key naming the error family, e.g. `{"quotaError":"RESOURCE_EXHAUSTED"}`.
    #[serde(default)]
    pub error_code: serde_json::Map<String, Value>,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub details: Option<Value>,
}

/// `"30s"` or `"1.5s"` as protobuf Durations are written in JSON.
fn parse_duration(text: &str) -> Option<Duration> {
    let secs: f64 = text.strip_suffix('s')?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// Turns an error response into a typed error and a retry decision.
pub(crate) fn classify(
    status: u16,
    body: Option<StatusDetail>,
    retry_after: Option<Duration>,
    customer_id: &str,
) -> (GoogleAdsError, Retry) {
    let detail = body.unwrap_or_default();
    let first = detail.details.iter().flat_map(|d| &d.errors).next();
    let request_id = detail.details.iter().find_map(|d| d.request_id.clone());
    let error_code = first
        .and_then(|e| e.error_code.iter().next())
        .map(|(family, v)| format!("{family}: {}", v.as_str().unwrap_or_default()));
    let quota_error = first
        .and_then(|e| e.error_code.get("quotaError"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let retry_delay = first
        .and_then(|e| e.details.as_ref())
        .and_then(|d| d.pointer("/quotaErrorDetails/retryDelay"))
        .and_then(Value::as_str)
        .and_then(parse_duration)
        .or(retry_after);
    let message = first
        .map(|e| e.message.clone())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| {
            if detail.message.is_empty() {
                format!("HTTP {status}")
            } else {
                detail.message.clone()
            }
        });
    if status == 429 || quota_error.is_some() || detail.status == "RESOURCE_EXHAUSTED" {
        // The daily quota does not come back within a conversation.
        let retry = match (quota_error.as_deref(), retry_delay) {
            (Some("RESOURCE_EXHAUSTED" | "ACCESS_PROHIBITED"), _) => Retry::No,
            (_, Some(delay)) => Retry::After(delay),
            _ => Retry::Backoff,
        };
        return (
            GoogleAdsError::RateLimited {
                quota_error,
                message,
                retry_delay,
            },
            retry,
        );
    }
    match status {
        401 => (GoogleAdsError::TokenExpired { message }, Retry::No),
        403 => (
            GoogleAdsError::PermissionDenied {
                customer_id: customer_id.to_owned(),
                message,
            },
            Retry::No,
        ),
        500.. => (
            GoogleAdsError::Unavailable { status, message },
            retry_after.map_or(Retry::Backoff, Retry::After),
        ),
        _ => (
            GoogleAdsError::Api {
                status,
                error_code,
                message,
                request_id,
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
    fn the_documented_quota_error_is_a_retryable_rate_limit() {
        let body: StatusBody = serde_json::from_str(r#"{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED",
  "details":[{"@type":"type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
   "errors":[{"errorCode":{"quotaError":"RESOURCE_TEMPORARILY_EXHAUSTED"},"message":"Too many requests...",
     "details":{"quotaErrorDetails":{"rateScope":"ACCOUNT","rateName":"Requests per account","retryDelay":"30s"}}}],
   "requestId":"abc"}]}}"#).unwrap();
        let (error, retry) = classify(429, Some(body.error), None, "1");
        assert_eq!(retry, Retry::After(Duration::from_secs(30)));
        assert!(
            matches!(error, GoogleAdsError::RateLimited { quota_error: Some(ref q), .. } if q == "RESOURCE_TEMPORARILY_EXHAUSTED")
        );
    }

    #[test]
    fn the_daily_quota_is_not_retried_and_server_errors_are() {
        let body: StatusBody = serde_json::from_str(r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"errors":[{"errorCode":{"quotaError":"RESOURCE_EXHAUSTED"},"message":"daily"}]}]}}"#).unwrap();
        assert_eq!(classify(429, Some(body.error), None, "1").1, Retry::No);
        assert_eq!(classify(503, None, None, "1").1, Retry::Backoff);
        assert_eq!(classify(400, None, None, "1").1, Retry::No);
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
    }
}
