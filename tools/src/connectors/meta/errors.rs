//! What can go wrong talking to Meta, in words a marketer can act on.
//!
//! `Display` is the user-facing text (it reaches the chat via `ToolError::Upstream`);
//! the platform's own message is kept in the variant for logs and for the model.

use omnify_core::ToolError;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetaError {
    /// Code 190: expired, revoked or wrong token. Only the user can fix this.
    #[error("Meta Ads token expired: reconnect Meta Ads")]
    TokenExpired { message: String },
    /// Codes 4/17/32/613/80000-range or HTTP 429, still failing after the retries.
    #[error(
        "Meta Ads is rate-limiting requests for this ad account; try again in a few minutes (Meta said: {message})"
    )]
    RateLimited { code: Option<i64>, message: String },
    /// Codes 10 and 200-299: the connected user lacks access to the ad account.
    #[error(
        "Meta Ads denied access to this ad account; check the connected user has ads_read on it (Meta said: {message})"
    )]
    PermissionDenied { code: i64, message: String },
    /// 5xx or a transient Graph error, still failing after the retries.
    #[error("Meta Ads is temporarily unavailable (HTTP {status}); try again shortly")]
    Unavailable { status: u16, message: String },
    #[error("Meta Ads did not answer within {} seconds", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("could not reach Meta Ads: {0}")]
    Network(String),
    /// Any other Graph error, with Meta's message.
    #[error("Meta Ads error: {message}")]
    Api {
        status: u16,
        code: Option<i64>,
        subcode: Option<i64>,
        message: String,
        fbtrace_id: Option<String>,
    },
    #[error(
        "Meta Ads returned more than {max_pages} pages of results; ask for a shorter date range or a less detailed level"
    )]
    TooManyPages { max_pages: u32 },
    /// A write refused before anything was sent: a budget that is not a positive amount
    /// with at most two decimals, or an object id that is not a Graph id.
    #[error("Meta Ads change not sent: {0}")]
    InvalidWrite(String),
    /// A write answered with HTTP 200 but without `{"success":true}`: whether the
    /// change took effect is unknown.
    #[error(
        "Meta Ads did not confirm the change to {object_id}; check it in Ads Manager before trying again (Meta answered: {body})"
    )]
    WriteNotConfirmed { object_id: String, body: String },
    #[error("Meta Ads sent a response Omnify could not read: {0}")]
    Malformed(String),
    #[error("Meta Ads is misconfigured: {0}")]
    Config(String),
}

impl From<MetaError> for ToolError {
    fn from(error: MetaError) -> Self {
        match error {
            MetaError::Timeout(after) => ToolError::Timeout(after.as_millis() as u64),
            other => ToolError::Upstream(other.to_string()),
        }
    }
}

/// Meta's error envelope: `{"error":{"message","type","code","error_subcode",…}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GraphErrorBody {
    pub error: GraphErrorDetail,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GraphErrorDetail {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub error_subcode: Option<i64>,
    #[serde(default)]
    pub is_transient: bool,
    #[serde(default)]
    pub fbtrace_id: Option<String>,
}

/// Whether, and when, a failed request is worth repeating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    No,
    /// After the usual backoff.
    Backoff,
    /// After the server's `Retry-After`.
    After(Duration),
}

/// Meta's throttling codes (PLATFORMS.md §6): app, user, page, ad-account and the
/// business-use-case range.
fn is_rate_limit_code(code: i64) -> bool {
    matches!(code, 4 | 17 | 32 | 613 | 80_000..=80_099)
}

/// Turns an error response into a typed error and a retry decision.
pub(crate) fn classify(
    status: u16,
    body: Option<GraphErrorDetail>,
    retry_after: Option<Duration>,
) -> (MetaError, Retry) {
    let detail = body.unwrap_or_default();
    let retry_later = retry_after.map_or(Retry::Backoff, Retry::After);
    let message = if detail.message.is_empty() {
        format!("HTTP {status}")
    } else {
        detail.message.clone()
    };
    match detail.code {
        Some(190) => return (MetaError::TokenExpired { message }, Retry::No),
        Some(code) if is_rate_limit_code(code) => {
            return (
                MetaError::RateLimited {
                    code: Some(code),
                    message,
                },
                retry_later,
            );
        }
        Some(code @ (10 | 200..=299)) => {
            return (MetaError::PermissionDenied { code, message }, Retry::No);
        }
        _ => {}
    }
    if status == 429 {
        return (
            MetaError::RateLimited {
                code: None,
                message,
            },
            retry_later,
        );
    }
    if status >= 500 {
        return (MetaError::Unavailable { status, message }, retry_later);
    }
    let error = MetaError::Api {
        status,
        code: detail.code,
        subcode: detail.error_subcode,
        message,
        fbtrace_id: detail.fbtrace_id,
    };
    let retry = if detail.is_transient {
        retry_later
    } else {
        Retry::No
    };
    (error, retry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(code: i64, transient: bool) -> Option<GraphErrorDetail> {
        Some(GraphErrorDetail {
            message: format!("(#{code}) something"),
            code: Some(code),
            is_transient: transient,
            ..GraphErrorDetail::default()
        })
    }

    #[test]
    fn throttling_codes_are_retried_as_rate_limits() {
        for code in [4, 17, 32, 613, 80_000, 80_004] {
            let (error, retry) = classify(400, detail(code, true), None);
            assert!(matches!(error, MetaError::RateLimited { .. }), "{code}");
            assert_eq!(retry, Retry::Backoff);
        }
        let (error, retry) = classify(429, None, Some(Duration::from_secs(1)));
        assert!(matches!(error, MetaError::RateLimited { code: None, .. }));
        assert_eq!(retry, Retry::After(Duration::from_secs(1)));
    }

    #[test]
    fn token_errors_are_final_and_tell_the_user_to_reconnect() {
        let (error, retry) = classify(400, detail(190, false), None);
        assert_eq!(retry, Retry::No);
        assert_eq!(
            error.to_string(),
            "Meta Ads token expired: reconnect Meta Ads"
        );
        assert_eq!(
            ToolError::from(error),
            ToolError::Upstream("Meta Ads token expired: reconnect Meta Ads".into())
        );
    }

    #[test]
    fn server_errors_retry_and_bad_requests_do_not() {
        assert_eq!(classify(500, None, None).1, Retry::Backoff);
        assert!(matches!(
            classify(503, None, None).0,
            MetaError::Unavailable { status: 503, .. }
        ));
        let (error, retry) = classify(400, detail(100, false), None);
        assert_eq!(retry, Retry::No);
        assert_eq!(error.to_string(), "Meta Ads error: (#100) something");
        assert_eq!(classify(400, detail(2, true), None).1, Retry::Backoff);
        assert!(matches!(
            classify(403, detail(200, false), None).0,
            MetaError::PermissionDenied { code: 200, .. }
        ));
    }
}
