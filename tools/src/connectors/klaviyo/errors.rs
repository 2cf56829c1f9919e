//! What can go wrong talking to Klaviyo, in words a marketer can act on.

use omnify_core::ToolError;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KlaviyoError {
    /// 401: a wrong, deleted or missing private key.
    #[error("Klaviyo rejected the API key: reconnect Klaviyo with a valid private API key")]
    InvalidKey { detail: String },
    /// 403: the key lacks a scope.
    #[error(
        "Klaviyo denied access: reconnect Klaviyo with a private key that has campaigns:read, flows:read and metrics:read (flows:write to change flows) (Klaviyo said: {detail})"
    )]
    MissingScope { detail: String },
    /// 429 after the retries, or a `Retry-After` too long to wait inside a chat turn.
    #[error("Klaviyo is rate-limiting requests; try again in {} seconds", .retry_after.map_or(60, |d| d.as_secs().max(1)))]
    RateLimited {
        retry_after: Option<Duration>,
        detail: String,
    },
    /// The client-side reporting limiter would have to wait longer than allowed.
    #[error(
        "Klaviyo's reporting limit (2 reports a minute) is used up; try again in {} seconds",
        .wait.as_secs().max(1)
    )]
    ReportingBudget { wait: Duration },
    #[error("Klaviyo could not find that {what}")]
    NotFound { what: String, detail: String },
    /// 400: the request was refused (a bad filter, a report over a year).
    #[error("Klaviyo rejected the request: {detail}")]
    Invalid { code: String, detail: String },
    #[error("Klaviyo is temporarily unavailable (HTTP {status}); try again shortly")]
    Unavailable { status: u16, detail: String },
    #[error("Klaviyo did not answer within {} seconds", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("could not reach Klaviyo: {0}")]
    Network(String),
    #[error("Klaviyo error (HTTP {status}): {detail}")]
    Api { status: u16, detail: String },
    #[error("Klaviyo returned more than {max_pages} pages; ask about fewer campaigns")]
    TooManyPages { max_pages: u32 },
    #[error("Klaviyo sent a response Omnify could not read: {0}")]
    Malformed(String),
    #[error("Klaviyo is misconfigured: {0}")]
    Config(String),
}

impl From<KlaviyoError> for ToolError {
    fn from(error: KlaviyoError) -> Self {
        match error {
            KlaviyoError::Timeout(after) => ToolError::Timeout(after.as_millis() as u64),
            other => ToolError::Upstream(other.to_string()),
        }
    }
}

/// JSON:API errors: `{"errors":[{"id","status","code","title","detail","source"}]}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ErrorDocument {
    #[serde(default)]
    pub errors: Vec<ErrorObject>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ErrorObject {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    No,
    Backoff,
    After(Duration),
}

pub(crate) fn classify(
    status: u16,
    body: Option<ErrorDocument>,
    retry_after: Option<Duration>,
    what: &str,
) -> (KlaviyoError, Retry) {
    let first = body
        .and_then(|b| b.errors.into_iter().next())
        .unwrap_or_default();
    let detail = match (first.detail.is_empty(), first.title.is_empty()) {
        (false, _) => first.detail,
        (true, false) => first.title,
        _ => format!("HTTP {status}"),
    };
    match status {
        401 => (KlaviyoError::InvalidKey { detail }, Retry::No),
        403 => (KlaviyoError::MissingScope { detail }, Retry::No),
        404 => (
            KlaviyoError::NotFound {
                what: what.to_owned(),
                detail,
            },
            Retry::No,
        ),
        429 => (
            KlaviyoError::RateLimited {
                retry_after,
                detail,
            },
            retry_after.map_or(Retry::Backoff, Retry::After),
        ),
        400 | 409 | 422 => (
            KlaviyoError::Invalid {
                code: first.code,
                detail,
            },
            Retry::No,
        ),
        s if s >= 500 => (KlaviyoError::Unavailable { status, detail }, Retry::Backoff),
        _ => (KlaviyoError::Api { status, detail }, Retry::No),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_waits_for_retry_after_and_key_errors_say_reconnect() {
        let (error, retry) = classify(429, None, Some(Duration::from_secs(7)), "report");
        assert_eq!(retry, Retry::After(Duration::from_secs(7)));
        assert_eq!(
            error.to_string(),
            "Klaviyo is rate-limiting requests; try again in 7 seconds"
        );
        let (error, retry) = classify(401, None, None, "report");
        assert_eq!(retry, Retry::No);
        assert!(error.to_string().contains("reconnect Klaviyo"));
        assert_eq!(classify(503, None, None, "x").1, Retry::Backoff);
    }
}
