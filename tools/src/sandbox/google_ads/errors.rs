//! Google Ads error responses in the google.rpc.Status envelope (PLATFORMS.md §5).

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone)]
pub(crate) struct RpcError {
    status: StatusCode,
    rpc_status: &'static str,
    message: String,
    /// (family, code), e.g. ("queryError", "UNRECOGNIZED_FIELD").
    failure: Option<(&'static str, &'static str)>,
    retry_delay: Option<&'static str>,
}

impl RpcError {
    fn new(status: StatusCode, rpc_status: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            rpc_status,
            message: message.into(),
            failure: None,
            retry_delay: None,
        }
    }

    fn failure(mut self, family: &'static str, code: &'static str) -> Self {
        self.failure = Some((family, code));
        self
    }

    pub(crate) fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "Request is missing required authentication credential. Expected OAuth 2 access \
             token, login cookie or other valid authentication credential.",
        )
        .failure("authenticationError", "OAUTH_TOKEN_INVALID")
    }

    pub(crate) fn permission_denied(customer_id: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            format!("User doesn't have permission to access customer {customer_id}."),
        )
        .failure("authorizationError", "USER_PERMISSION_DENIED")
    }

    pub(crate) fn query(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message).failure("queryError", code)
    }

    pub(crate) fn request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message)
            .failure("requestError", code)
    }

    pub(crate) fn mutate(family: &'static str, code: &'static str, message: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message).failure(family, code)
    }

    pub(crate) fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Method not found: {what}"),
        )
    }

    pub(crate) fn temporarily_exhausted() -> Self {
        Self {
            retry_delay: Some("1s"),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RESOURCE_EXHAUSTED",
                "Resource has been exhausted (e.g. check quota).",
            )
            .failure("quotaError", "RESOURCE_TEMPORARILY_EXHAUSTED")
        }
    }

    pub(crate) fn daily_quota_exhausted() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RESOURCE_EXHAUSTED",
            "Resource has been exhausted (e.g. check quota).",
        )
        .failure("quotaError", "RESOURCE_EXHAUSTED")
    }

    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "Internal error encountered.",
        )
        .failure("internalError", "INTERNAL_ERROR")
    }

    pub(crate) fn into_response(self, request_id: &str) -> Response {
        let mut error = json!({
            "code": self.status.as_u16(),
            "message": self.message,
            "status": self.rpc_status,
        });
        if let Some((family, code)) = self.failure {
            let mut item = json!({"errorCode": {family: code}, "message": self.message});
            if let Some(delay) = self.retry_delay {
                item["details"] = json!({"quotaErrorDetails": {
                    "rateScope": "ACCOUNT", "rateName": "Requests per account", "retryDelay": delay}});
            }
            error["details"] = json!([{
                "@type": "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
                "errors": [item],
                "requestId": request_id,
            }]);
        }
        let mut response = (self.status, Json(json!({ "error": error }))).into_response();
        if let Ok(value) = HeaderValue::from_str(request_id) {
            response.headers_mut().insert("request-id", value);
        }
        response
    }
}
