//! What can go wrong talking to Shopify, in words a marketer can act on.
//!
//! `Display` is the user-facing text (it reaches the chat via `ToolError::Upstream`).

use omnify_core::ToolError;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShopifyError {
    /// HTTP 401: wrong, revoked or expired access token.
    #[error("Shopify access token was rejected (expired or revoked): reconnect Shopify")]
    TokenRejected { message: String },
    /// `ACCESS_DENIED` or HTTP 403: the app lacks a scope (e.g. `read_all_orders` for
    /// orders older than 60 days).
    #[error(
        "Shopify denied access: the Omnify app needs the read_orders, read_all_orders and read_customers scopes; reconnect Shopify to grant them (Shopify said: {message})"
    )]
    AccessDenied { message: String },
    /// `THROTTLED` (or HTTP 429) still failing after the retries.
    #[error(
        "Shopify is throttling requests for this store; try again in a minute (Shopify said: {message})"
    )]
    Throttled { message: String },
    /// 402 (frozen for non-payment), 423 (locked) or 404 (no such shop).
    #[error("the Shopify store is not available (HTTP {status}): {message}")]
    StoreUnavailable { status: u16, message: String },
    #[error("Shopify is temporarily unavailable (HTTP {status}); try again shortly")]
    Unavailable { status: u16, message: String },
    #[error("Shopify did not answer within {} seconds", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("could not reach Shopify: {0}")]
    Network(String),
    /// Any other GraphQL error, with Shopify's message.
    #[error("Shopify error: {message}")]
    Api {
        code: Option<String>,
        message: String,
    },
    #[error(
        "Shopify returned more than {max_pages} pages of results; ask for a shorter date range"
    )]
    TooManyPages { max_pages: u32 },
    #[error("Shopify sent a response Omnify could not read: {0}")]
    Malformed(String),
    #[error("Shopify is misconfigured: {0}")]
    Config(String),
}

impl From<ShopifyError> for ToolError {
    fn from(error: ShopifyError) -> Self {
        match error {
            ShopifyError::Timeout(after) => ToolError::Timeout(after.as_millis() as u64),
            other => ToolError::Upstream(other.to_string()),
        }
    }
}

/// Whether, and when, a failed request is worth repeating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Retry {
    No,
    Backoff,
    /// After this long: the server's `Retry-After`, or the time the cost bucket needs
    /// to refill enough for the query.
    After(Duration),
}

/// The wait a `THROTTLED` answer asks for: the points missing divided by the restore
/// rate, so the retry lands just as the bucket holds enough.
pub fn throttle_wait(requested: f64, available: f64, restore_rate: f64) -> Option<Duration> {
    if restore_rate.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        || !requested.is_finite()
        || !available.is_finite()
    {
        return None;
    }
    let missing = (requested - available).max(0.0);
    Some(Duration::from_secs_f64(missing / restore_rate))
}

/// Turns a non-success HTTP status into a typed error and a retry decision.
pub(crate) fn classify_status(
    status: u16,
    message: String,
    retry_after: Option<Duration>,
) -> (ShopifyError, Retry) {
    let retry_later = retry_after.map_or(Retry::Backoff, Retry::After);
    match status {
        401 => (ShopifyError::TokenRejected { message }, Retry::No),
        403 => (ShopifyError::AccessDenied { message }, Retry::No),
        402 | 404 | 423 => (
            ShopifyError::StoreUnavailable { status, message },
            Retry::No,
        ),
        429 => (ShopifyError::Throttled { message }, retry_later),
        s if s >= 500 => (ShopifyError::Unavailable { status, message }, retry_later),
        _ => (
            ShopifyError::Api {
                code: Some(format!("HTTP {status}")),
                message,
            },
            Retry::No,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_wait_is_the_missing_points_over_the_restore_rate() {
        assert_eq!(
            throttle_wait(253.0, 203.0, 100.0),
            Some(Duration::from_millis(500))
        );
        assert_eq!(throttle_wait(10.0, 500.0, 100.0), Some(Duration::ZERO));
        assert_eq!(throttle_wait(10.0, 0.0, 0.0), None);
    }

    #[test]
    fn statuses_map_to_what_the_user_should_do() {
        let (e, r) = classify_status(401, "bad".into(), None);
        assert_eq!(r, Retry::No);
        assert_eq!(
            e.to_string(),
            "Shopify access token was rejected (expired or revoked): reconnect Shopify"
        );
        assert_eq!(
            classify_status(429, String::new(), Some(Duration::from_secs(2))).1,
            Retry::After(Duration::from_secs(2))
        );
        assert_eq!(classify_status(503, String::new(), None).1, Retry::Backoff);
        assert!(matches!(
            classify_status(402, String::new(), None).0,
            ShopifyError::StoreUnavailable { status: 402, .. }
        ));
    }
}
