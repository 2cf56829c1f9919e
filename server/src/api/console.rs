//! The expert console's session: a secure cookie holding the expert's token.

use axum::http::HeaderMap;

pub const SESSION_COOKIE: &str = "omnify_expert";

/// The expert token from the console's session cookie, if any.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}
