//! What can go wrong talking to GoHighLevel, in words a marketer can act on.

use crate::connectors::oauth::RefreshError;
use omnify_core::ToolError;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GoHighLevelError {
    /// 401 that a refresh did not cure, or a private integration token that was revoked.
    #[error("GoHighLevel token expired or was revoked: reconnect GoHighLevel")]
    TokenExpired { message: String },
    /// The refresh token was refused (already used, or the app was uninstalled).
    #[error("GoHighLevel connection expired: reconnect GoHighLevel (GoHighLevel said: {message})")]
    ConnectionExpired { message: String },
    /// 403: the token is not allowed on this location or lacks a scope.
    #[error(
        "GoHighLevel denied access to this sub-account; reconnect GoHighLevel with contacts.readonly and opportunities.readonly (opportunities.write to change deals) (GoHighLevel said: {message})"
    )]
    Forbidden { message: String },
    #[error(
        "GoHighLevel is rate-limiting requests for this sub-account; try again in a few seconds"
    )]
    RateLimited { message: String },
    #[error("GoHighLevel could not find that record: {message}")]
    NotFound { message: String },
    #[error("GoHighLevel rejected the request: {message}")]
    Invalid { message: String },
    #[error("GoHighLevel is temporarily unavailable (HTTP {status}); try again shortly")]
    Unavailable { status: u16, message: String },
    #[error("GoHighLevel did not answer within {} seconds", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("could not reach GoHighLevel: {0}")]
    Network(String),
    #[error("GoHighLevel error (HTTP {status}): {message}")]
    Api { status: u16, message: String },
    #[error("GoHighLevel returned more than {max_pages} pages; narrow the search")]
    TooManyPages { max_pages: u32 },
    #[error("GoHighLevel sent a response Omnify could not read: {0}")]
    Malformed(String),
    #[error("GoHighLevel is misconfigured: {0}")]
    Config(String),
}

impl From<GoHighLevelError> for ToolError {
    fn from(error: GoHighLevelError) -> Self {
        match error {
            GoHighLevelError::Timeout(after) => ToolError::Timeout(after.as_millis() as u64),
            other => ToolError::Upstream(other.to_string()),
        }
    }
}

impl From<RefreshError> for GoHighLevelError {
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

/// `{"statusCode":401,"message":"Invalid token: access token is invalid","error":"Unauthorized"}`;
/// `message` is sometimes a list of validation messages.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub message: Option<serde_json::Value>,
}

impl ErrorBody {
    pub(crate) fn text(&self, status: u16) -> String {
        match &self.message {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join("; "),
            _ => format!("HTTP {status}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    No,
    /// 401 on OAuth: refresh once, then retry.
    Refresh,
    Backoff,
    After(Duration),
}

pub(crate) fn classify(
    status: u16,
    body: Option<ErrorBody>,
    retry_after: Option<Duration>,
    burst_wait: Duration,
) -> (GoHighLevelError, Retry) {
    let message = body.unwrap_or_default().text(status);
    match status {
        401 => (GoHighLevelError::TokenExpired { message }, Retry::Refresh),
        403 => (GoHighLevelError::Forbidden { message }, Retry::No),
        404 => (GoHighLevelError::NotFound { message }, Retry::No),
        // Burst windows are 10 s; no Retry-After is documented.
        429 => (
            GoHighLevelError::RateLimited { message },
            Retry::After(retry_after.unwrap_or(burst_wait)),
        ),
        400 | 422 => (GoHighLevelError::Invalid { message }, Retry::No),
        s if s >= 500 => (
            GoHighLevelError::Unavailable { status, message },
            Retry::Backoff,
        ),
        _ => (GoHighLevelError::Api { status, message }, Retry::No),
    }
}
