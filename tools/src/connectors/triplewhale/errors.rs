//! What can go wrong talking to TripleWhale, in words a marketer can act on.

use omnify_core::ToolError;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TripleWhaleError {
    /// HTTP 401: the key or token expired.
    #[error("TripleWhale API key expired: reconnect TripleWhale")]
    KeyExpired { message: String },
    /// HTTP 403: a bad key, a missing scope, or no access to this shop.
    #[error(
        "TripleWhale refused the API key for this shop: check the key has the Summary Page and Pixel Attribution read scopes and access to the shop, then reconnect TripleWhale (TripleWhale said: {message})"
    )]
    AccessDenied { message: String },
    #[error("TripleWhale is rate-limiting requests; try again in a minute")]
    RateLimited { message: String },
    #[error("TripleWhale is temporarily unavailable (HTTP {status}); try again shortly")]
    Unavailable { status: u16, message: String },
    #[error("TripleWhale did not answer within {} seconds", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("could not reach TripleWhale: {0}")]
    Network(String),
    #[error("TripleWhale error: {message}")]
    Api { status: u16, message: String },
    #[error(
        "TripleWhale returned more than {max_pages} pages of orders; ask for a shorter date range"
    )]
    TooManyPages { max_pages: u32 },
    #[error("TripleWhale sent a response Omnify could not read: {0}")]
    Malformed(String),
    #[error("TripleWhale is misconfigured: {0}")]
    Config(String),
}

impl From<TripleWhaleError> for ToolError {
    fn from(error: TripleWhaleError) -> Self {
        match error {
            TripleWhaleError::Timeout(after) => ToolError::Timeout(after.as_millis() as u64),
            other => ToolError::Upstream(other.to_string()),
        }
    }
}

/// `{"success":false,"message":"Missing fields: question"}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    No,
    Backoff,
    After(Duration),
}

pub(crate) fn classify(
    status: u16,
    message: Option<String>,
    retry_after: Option<Duration>,
) -> (TripleWhaleError, Retry) {
    let message = message.unwrap_or_else(|| format!("HTTP {status}"));
    let retry_later = retry_after.map_or(Retry::Backoff, Retry::After);
    match status {
        401 => (TripleWhaleError::KeyExpired { message }, Retry::No),
        403 => (TripleWhaleError::AccessDenied { message }, Retry::No),
        429 => (TripleWhaleError::RateLimited { message }, retry_later),
        s if s >= 500 => (
            TripleWhaleError::Unavailable { status, message },
            retry_later,
        ),
        _ => (TripleWhaleError::Api { status, message }, Retry::No),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_what_the_user_should_do() {
        let (e, r) = classify(401, None, None);
        assert_eq!(r, Retry::No);
        assert_eq!(
            e.to_string(),
            "TripleWhale API key expired: reconnect TripleWhale"
        );
        assert_eq!(
            classify(429, None, Some(Duration::from_secs(1))).1,
            Retry::After(Duration::from_secs(1))
        );
        assert!(matches!(
            classify(403, Some("no".into()), None).0,
            TripleWhaleError::AccessDenied { .. }
        ));
        assert_eq!(classify(502, None, None).1, Retry::Backoff);
        assert_eq!(classify(400, None, None).1, Retry::No);
    }
}
