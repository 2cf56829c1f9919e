//! HubSpot error responses, in HubSpot's envelope.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub(crate) struct HubSpotFailure {
    status: StatusCode,
    body: Value,
}

impl HubSpotFailure {
    fn new(status: StatusCode, category: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: json!({
                "status": "error",
                "message": message.into(),
                "correlationId": "0b6c7a3e-5d1f-4c1e-9a9b-6f5e2d7c8a10",
                "category": category,
            }),
        }
    }

    pub(crate) fn invalid_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        )
    }

    pub(crate) fn token_expired(seconds_ago: u64) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "EXPIRED_AUTHENTICATION",
            format!("The OAuth token used to make this call expired {seconds_ago} second(s) ago."),
        )
    }

    pub(crate) fn missing_scopes() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "MISSING_SCOPES",
            "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
        )
    }

    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
    }

    pub(crate) fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
            "resource not found",
        )
    }

    pub(crate) fn rate_limited(policy: &str) -> Self {
        let message = match policy {
            "DAILY" => "You have reached your daily limit.",
            "TEN_SECONDLY_ROLLING" => "You have reached your ten_secondly_rolling limit.",
            _ => "You have reached your secondly limit.",
        };
        let mut failure = Self::new(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITS", message);
        failure.body["errorType"] = json!("RATE_LIMIT");
        failure.body["policyName"] = json!(policy);
        failure
    }

    pub(crate) fn server_error() -> Self {
        Self::new(
            StatusCode::BAD_GATEWAY,
            "INTERNAL_ERROR",
            "internal error, reference 3c2a8f0e",
        )
    }

    /// The OAuth token endpoint's refusal.
    pub(crate) fn bad_refresh_token() -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: json!({
                "status": "BAD_REFRESH_TOKEN",
                "message": "missing or unknown refresh token",
                "correlationId": "5f1d2c3b-0a9e-4b8d-8c7f-1e2d3c4b5a69",
            }),
        }
    }

    pub(crate) fn bad_client() -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: json!({
                "status": "BAD_CLIENT_ID",
                "message": "missing or unknown client id",
                "correlationId": "5f1d2c3b-0a9e-4b8d-8c7f-1e2d3c4b5a70",
            }),
        }
    }
}

impl IntoResponse for HubSpotFailure {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
