//! What can go wrong talking to LinkedIn Ads, in words a marketer can act on.
//!
//! `Display` is the user-facing text (it reaches the chat via `ToolError::Upstream`);
//! LinkedIn's own code and message stay in the variant for logs.

use crate::connectors::attempts::Retry;
use crate::connectors::oauth::RefreshError;
use omnify_core::ToolError;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinkedInError {
    /// The refresh token was refused, or a fresh access token was still rejected.
    #[error("LinkedIn Ads token expired: reconnect LinkedIn Ads")]
    TokenExpired { message: String },
    /// HTTP 429, still failing after the retries. LinkedIn's limits are daily and
    /// reset at midnight UTC.
    #[error(
        "LinkedIn Ads is rate-limiting requests for this app; try again later (limits reset at midnight UTC)"
    )]
    RateLimited { message: String },
    /// HTTP 403: the connected member cannot read this ad account, or the app lacks
    /// the `r_ads_reporting` scope.
    #[error(
        "LinkedIn Ads denied access to ad account {account_id}; check the connected member has a role on it and granted reporting access (LinkedIn said: {message})"
    )]
    PermissionDenied { account_id: String, message: String },
    /// HTTP 426: the configured `LinkedIn-Version` has been sunset.
    #[error(
        "LinkedIn Ads no longer serves API version {version}; update the LinkedIn-Version setting"
    )]
    VersionSunset { version: String },
    #[error("LinkedIn Ads is temporarily unavailable (HTTP {status}); try again shortly")]
    Unavailable { status: u16, message: String },
    #[error("LinkedIn Ads did not answer within {} seconds", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("could not reach LinkedIn Ads: {0}")]
    Network(String),
    #[error("LinkedIn Ads error {status} {code}: {message}")]
    Api {
        status: u16,
        /// e.g. `ILLEGAL_ARGUMENT`.
        code: String,
        message: String,
    },
    #[error(
        "LinkedIn Ads returned more than {max_pages} pages of results; ask for fewer campaigns or a shorter date range"
    )]
    TooManyPages { max_pages: u32 },
    /// adAnalytics silently truncates large answers; even one day was too many rows.
    #[error(
        "LinkedIn Ads has more than {max_elements} rows for a single day on {date}; ask for a less detailed level"
    )]
    TooManyRows {
        max_elements: usize,
        date: chrono::NaiveDate,
    },
    #[error("LinkedIn Ads sent a response Omnify could not read: {0}")]
    Malformed(String),
    #[error("LinkedIn Ads is misconfigured: {0}")]
    Config(String),
}

impl From<LinkedInError> for ToolError {
    fn from(error: LinkedInError) -> Self {
        match error {
            LinkedInError::Timeout(after) => ToolError::Timeout(after.as_millis() as u64),
            other => ToolError::Upstream(other.to_string()),
        }
    }
}

impl LinkedInError {
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

/// LinkedIn's error body: `{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED",
/// "message":"…"}` (PLATFORMS.md §7; the `code` key is unconfirmed, so it is optional).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub service_error_code: Option<i64>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: String,
}

/// Turns an error response into a typed error and a retry decision.
pub(crate) fn classify(
    status: u16,
    body: Option<ErrorBody>,
    retry_after: Option<Duration>,
    account_id: &str,
    version: &str,
) -> (LinkedInError, Retry) {
    let body = body.unwrap_or_default();
    let message = if body.message.is_empty() {
        format!("HTTP {status}")
    } else {
        body.message.clone()
    };
    match status {
        // The only throttling signal LinkedIn documents; Retry-After if a proxy adds it.
        429 => (
            LinkedInError::RateLimited { message },
            retry_after.map_or(Retry::Backoff, Retry::After),
        ),
        401 => (LinkedInError::TokenExpired { message }, Retry::No),
        403 => (
            LinkedInError::PermissionDenied {
                account_id: account_id.to_owned(),
                message,
            },
            Retry::No,
        ),
        426 => (
            LinkedInError::VersionSunset {
                version: version.to_owned(),
            },
            Retry::No,
        ),
        500.. => (
            LinkedInError::Unavailable { status, message },
            retry_after.map_or(Retry::Backoff, Retry::After),
        ),
        _ => (
            LinkedInError::Api {
                status,
                code: body
                    .code
                    .or_else(|| body.service_error_code.map(|c| c.to_string()))
                    .unwrap_or_default(),
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
    fn statuses_map_to_what_the_user_should_do() {
        let body: ErrorBody = serde_json::from_str(
            r#"{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: adAnalytics"}"#,
        )
        .unwrap();
        let (e, r) = classify(403, Some(body), None, "5110", "202603");
        assert_eq!(r, Retry::No);
        assert!(e.to_string().contains("ad account 5110"), "{e}");
        let (e, r) = classify(429, None, Some(Duration::from_secs(2)), "1", "202603");
        assert!(matches!(e, LinkedInError::RateLimited { .. }));
        assert_eq!(r, Retry::After(Duration::from_secs(2)));
        assert_eq!(classify(503, None, None, "1", "v").1, Retry::Backoff);
        let (e, _) = classify(401, None, None, "1", "v");
        assert_eq!(
            e.to_string(),
            "LinkedIn Ads token expired: reconnect LinkedIn Ads"
        );
        assert!(matches!(
            classify(426, None, None, "1", "202503").0,
            LinkedInError::VersionSunset { .. }
        ));
    }
}
