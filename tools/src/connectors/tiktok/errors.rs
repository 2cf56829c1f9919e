//! What can go wrong talking to TikTok Ads, in words a marketer can act on.
//!
//! TikTok reports most failures with HTTP 200 and a non-zero `code` in the envelope
//! (PLATFORMS.md §8), so classification looks at the code first.

use crate::connectors::attempts::Retry;
use omnify_core::ToolError;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TikTokError {
    /// Codes 40102/40104/40105: the access token is missing, expired or revoked.
    /// Advertiser tokens have no refresh flow: only reconnecting fixes it.
    #[error("TikTok Ads token expired or was revoked: reconnect TikTok Ads")]
    TokenExpired { code: i64, message: String },
    /// Code 40100 (or HTTP 429), still failing after the retries.
    #[error(
        "TikTok Ads is rate-limiting requests for this advertiser; try again in a few minutes (TikTok said: {message})"
    )]
    RateLimited { message: String },
    /// Code 40001: the token's user cannot see or change this advertiser.
    #[error(
        "TikTok Ads denied access to advertiser {advertiser_id}; check the connected user has access to it (TikTok said: {message})"
    )]
    PermissionDenied {
        advertiser_id: String,
        message: String,
    },
    #[error("TikTok Ads is temporarily unavailable ({detail}); try again shortly")]
    Unavailable { detail: String },
    #[error("TikTok Ads did not answer within {} seconds", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("could not reach TikTok Ads: {0}")]
    Network(String),
    #[error("TikTok Ads error {code}: {message}")]
    Api {
        code: i64,
        message: String,
        request_id: Option<String>,
    },
    #[error(
        "TikTok Ads returned more than {max_pages} pages of results; ask for a shorter date range or a less detailed level"
    )]
    TooManyPages { max_pages: u32 },
    #[error("TikTok Ads sent a response Omnify could not read: {0}")]
    Malformed(String),
    #[error("TikTok Ads is misconfigured: {0}")]
    Config(String),
}

impl From<TikTokError> for ToolError {
    fn from(error: TikTokError) -> Self {
        match error {
            TikTokError::Timeout(after) => ToolError::Timeout(after.as_millis() as u64),
            other => ToolError::Upstream(other.to_string()),
        }
    }
}

/// Throttling: TikTok's documented "too many requests" code.
pub(crate) const RATE_LIMIT_CODE: i64 = 40_100;

/// Classifies a non-zero envelope `code`.
pub(crate) fn classify(
    code: i64,
    message: String,
    request_id: Option<String>,
    advertiser_id: &str,
) -> (TikTokError, Retry) {
    match code {
        RATE_LIMIT_CODE => (TikTokError::RateLimited { message }, Retry::Backoff),
        40_102 | 40_104 | 40_105 => (TikTokError::TokenExpired { code, message }, Retry::No),
        40_001 => (
            TikTokError::PermissionDenied {
                advertiser_id: advertiser_id.to_owned(),
                message,
            },
            Retry::No,
        ),
        // System errors and timeouts on TikTok's side.
        50_000..=51_999 => (
            TikTokError::Unavailable {
                detail: format!("code {code}: {message}"),
            },
            Retry::Backoff,
        ),
        _ => (
            TikTokError::Api {
                code,
                message,
                request_id,
            },
            Retry::No,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_what_the_user_should_do() {
        let (e, r) = classify(40_100, "Too many requests".into(), None, "1");
        assert!(matches!(e, TikTokError::RateLimited { .. }));
        assert_eq!(r, Retry::Backoff);
        let (e, r) = classify(40_105, "revoked".into(), None, "1");
        assert_eq!(r, Retry::No);
        assert_eq!(
            e.to_string(),
            "TikTok Ads token expired or was revoked: reconnect TikTok Ads"
        );
        assert_eq!(classify(50_000, "x".into(), None, "1").1, Retry::Backoff);
        assert_eq!(classify(40_002, "x".into(), None, "1").1, Retry::No);
    }
}
