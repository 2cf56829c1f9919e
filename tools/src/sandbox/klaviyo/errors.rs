//! Klaviyo's JSON:API error documents.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone)]
pub(crate) struct KlaviyoFailure {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: String,
    pointer: Option<String>,
    retry_after_secs: Option<u64>,
}

impl KlaviyoFailure {
    fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            title,
            detail: detail.into(),
            pointer: None,
            retry_after_secs: None,
        }
    }

    pub(crate) fn not_authenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "not_authenticated",
            "Authentication credentials were not provided.",
            "Missing or invalid private key.",
        )
    }

    pub(crate) fn permission_denied() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "permission_denied",
            "You do not have permission to perform this action.",
            "This API key is missing required scopes.",
        )
    }

    pub(crate) fn invalid(detail: impl Into<String>, pointer: Option<&str>) -> Self {
        Self {
            pointer: pointer.map(str::to_owned),
            ..Self::new(StatusCode::BAD_REQUEST, "invalid", "Invalid input.", detail)
        }
    }

    pub(crate) fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found.", detail)
    }

    pub(crate) fn throttled(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                "Request was throttled.",
                format!("Request was throttled. Expected available in {retry_after_secs} second."),
            )
        }
    }

    pub(crate) fn server_error() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "error",
            "A server error occurred.",
            "Service temporarily unavailable.",
        )
    }
}

impl IntoResponse for KlaviyoFailure {
    fn into_response(self) -> Response {
        let mut error = json!({
            "id": "2f3c8a1e-7b5d-4c9a-9e6f-1a2b3c4d5e6f",
            "status": self.status.as_u16(),
            "code": self.code,
            "title": self.title,
            "detail": self.detail,
        });
        if let Some(pointer) = self.pointer {
            error["source"] = json!({"pointer": pointer});
        }
        let mut response = (self.status, Json(json!({"errors": [error]}))).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/vnd.api+json"),
        );
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
