//! What can go wrong talking to HubSpot, in words a marketer can act on.
//!
//! `Display` is the user-facing text (it reaches the chat through
//! `ToolError::Upstream`); HubSpot's own message stays in the variant.

use crate::connectors::oauth::RefreshError;
use omnify_core::ToolError;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HubSpotError {
    /// 401: a revoked private-app token, or an OAuth token HubSpot no longer accepts.
    #[error("HubSpot token expired or was revoked: reconnect HubSpot")]
    TokenExpired { message: String },
    /// The OAuth refresh token was refused: the app was uninstalled or the grant revoked.
    #[error("HubSpot connection expired: reconnect HubSpot (HubSpot said: {message})")]
    ConnectionExpired { message: String },
    /// 403: the token lacks a scope such as `crm.objects.deals.read`.
    #[error(
        "HubSpot denied access; reconnect HubSpot and grant the CRM scopes Omnify asks for (HubSpot said: {message})"
    )]
    MissingScopes { message: String },
    /// 429 after the retries. `policy` is HubSpot's `policyName`.
    #[error("{}", rate_limit_text(.policy))]
    RateLimited { policy: String, message: String },
    #[error("HubSpot could not find that record: {message}")]
    NotFound { message: String },
    /// 400: HubSpot rejected the request's values (e.g. an unknown deal stage).
    #[error("HubSpot rejected the request: {message}")]
    Invalid { category: String, message: String },
    #[error("HubSpot is temporarily unavailable (HTTP {status}); try again shortly")]
    Unavailable { status: u16, message: String },
    #[error("HubSpot did not answer within {} seconds", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("could not reach HubSpot: {0}")]
    Network(String),
    #[error("HubSpot error (HTTP {status}): {message}")]
    Api { status: u16, message: String },
    #[error(
        "HubSpot returned more than {max_pages} pages of results; narrow the search (a stage, an owner or a shorter date range)"
    )]
    TooManyPages { max_pages: u32 },
    #[error("HubSpot sent a response Omnify could not read: {0}")]
    Malformed(String),
    #[error("HubSpot is misconfigured: {0}")]
    Config(String),
}

fn rate_limit_text(policy: &str) -> String {
    if policy == "DAILY" {
        "HubSpot's daily API limit for this account is used up; it resets at midnight in the account's time zone".to_owned()
    } else {
        format!(
            "HubSpot is rate-limiting requests for this account ({policy}); try again in a few seconds"
        )
    }
}

impl From<HubSpotError> for ToolError {
    fn from(error: HubSpotError) -> Self {
        match error {
            HubSpotError::Timeout(after) => ToolError::Timeout(after.as_millis() as u64),
            other => ToolError::Upstream(other.to_string()),
        }
    }
}

impl From<RefreshError> for HubSpotError {
    fn from(error: RefreshError) -> Self {
        match error {
            RefreshError::Rejected { error, description } => Self::ConnectionExpired {
                message: if description.is_empty() {
                    error
                } else {
                    description
                },
            },
            RefreshError::Unavailable(status) => Self::Unavailable {
                status,
                message: "token endpoint unavailable".to_owned(),
            },
            RefreshError::Timeout => Self::Network("the token endpoint did not answer".to_owned()),
            RefreshError::Network(message) => Self::Network(message),
            RefreshError::Malformed(message) => Self::Malformed(message),
        }
    }
}

/// HubSpot's error envelope: `{"status":"error","message","correlationId","category",
/// "errorType","policyName",…}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub policy_name: Option<String>,
}

/// Whether, and when, a failed request is worth repeating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    No,
    Backoff,
    After(Duration),
}

/// Turns an error response into a typed error and a retry decision. HubSpot sends no
/// `Retry-After`; its burst windows are 1 s and 10 s, so a short wait is enough
/// (`burst_wait`), and a spent daily quota is final.
pub(crate) fn classify(
    status: u16,
    body: Option<ErrorBody>,
    retry_after: Option<Duration>,
    burst_wait: Duration,
) -> (HubSpotError, Retry) {
    let body = body.unwrap_or_default();
    let message = if body.message.is_empty() {
        format!("HTTP {status}")
    } else {
        body.message
    };
    match status {
        401 => (HubSpotError::TokenExpired { message }, Retry::No),
        403 => (HubSpotError::MissingScopes { message }, Retry::No),
        404 => (HubSpotError::NotFound { message }, Retry::No),
        429 => {
            let policy = body.policy_name.unwrap_or_else(|| "SECONDLY".to_owned());
            let retry = if policy == "DAILY" {
                Retry::No
            } else {
                Retry::After(retry_after.unwrap_or(burst_wait))
            };
            (HubSpotError::RateLimited { policy, message }, retry)
        }
        400 | 409 | 422 => (
            HubSpotError::Invalid {
                category: body.category.unwrap_or_default(),
                message,
            },
            Retry::No,
        ),
        s if s >= 500 => (
            HubSpotError::Unavailable { status, message },
            Retry::Backoff,
        ),
        _ => (HubSpotError::Api { status, message }, Retry::No),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(policy: Option<&str>) -> Option<ErrorBody> {
        Some(ErrorBody {
            message: "You have reached your secondly limit.".into(),
            category: None,
            policy_name: policy.map(Into::into),
        })
    }

    #[test]
    fn burst_limits_wait_and_the_daily_limit_is_final() {
        let wait = Duration::from_secs(1);
        let (error, retry) = classify(429, body(Some("SECONDLY")), None, wait);
        assert_eq!(retry, Retry::After(wait));
        assert!(error.to_string().contains("try again in a few seconds"));
        let (error, retry) = classify(429, body(Some("DAILY")), None, wait);
        assert_eq!(retry, Retry::No);
        assert!(error.to_string().contains("daily API limit"));
    }

    #[test]
    fn token_errors_tell_the_user_to_reconnect() {
        let (error, retry) = classify(401, None, None, Duration::ZERO);
        assert_eq!(retry, Retry::No);
        assert_eq!(
            ToolError::from(error),
            ToolError::Upstream("HubSpot token expired or was revoked: reconnect HubSpot".into())
        );
        assert_eq!(classify(502, None, None, Duration::ZERO).1, Retry::Backoff);
    }
}
