//! Graph API error responses, in Meta's exact envelope.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error the emulator answers with instead of data.
#[derive(Debug, Clone)]
pub(crate) struct GraphError {
    status: StatusCode,
    code: i64,
    subcode: Option<i64>,
    message: String,
    is_transient: bool,
    retry_after_secs: Option<u64>,
}

impl GraphError {
    fn new(status: StatusCode, code: i64, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            subcode: None,
            message: message.into(),
            is_transient: false,
            retry_after_secs: None,
        }
    }

    pub(crate) fn invalid_token() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 190, "Invalid OAuth access token.")
    }

    pub(crate) fn session_expired() -> Self {
        Self {
            subcode: Some(463),
            ..Self::new(
                StatusCode::BAD_REQUEST,
                190,
                "Error validating access token: Session has expired",
            )
        }
    }

    /// Code 100: a parameter the API does not accept.
    pub(crate) fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 100, message)
    }

    pub(crate) fn unknown_object(id: &str) -> Self {
        Self::unsupported("get", id)
    }

    /// A write to an id that does not exist (or is not this account's).
    pub(crate) fn unsupported_post(id: &str) -> Self {
        Self::unsupported("post", id)
    }

    fn unsupported(method: &str, id: &str) -> Self {
        Self {
            subcode: Some(33),
            ..Self::new(
                StatusCode::BAD_REQUEST,
                100,
                format!(
                    "Unsupported {method} request. Object with ID '{id}' does not exist, cannot be \
                     loaded due to missing permissions, or does not support this operation."
                ),
            )
        }
    }

    pub(crate) fn rate_limited(code: i64, subcode: i64, message: &str) -> Self {
        Self {
            subcode: Some(subcode),
            is_transient: true,
            ..Self::new(StatusCode::BAD_REQUEST, code, message)
        }
    }

    pub(crate) fn too_many_requests() -> Self {
        Self {
            is_transient: true,
            retry_after_secs: Some(1),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                17,
                "(#17) User request limit reached",
            )
        }
    }

    pub(crate) fn server_error() -> Self {
        Self {
            is_transient: true,
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                2,
                "An unexpected error has occurred. Please retry your request later.",
            )
        }
    }

    pub(crate) fn into_response(self, fbtrace_id: String) -> Response {
        let mut error = json!({
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": fbtrace_id,
        });
        if let Some(subcode) = self.subcode {
            error["error_subcode"] = json!(subcode);
        }
        if self.is_transient {
            error["is_transient"] = json!(true);
        }
        let mut response = (self.status, Json(json!({ "error": error }))).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
