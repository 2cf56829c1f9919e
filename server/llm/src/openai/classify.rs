//! Turning async-openai's errors into the three kinds the turn loop acts on.

use async_openai::error::OpenAIError;
use omnify_core::{ModelError, ModelErrorKind};

/// Providers word an overflowing prompt differently; these cover OpenAI, Azure,
/// vLLM, llama.cpp and Ollama.
const CONTEXT_MARKERS: &[&str] = &[
    "context_length_exceeded",
    "maximum context length",
    "context length",
    "context window",
    "too many tokens",
    "prompt is too long",
    "exceeds the context",
];

pub fn classify(provider: &str, error: OpenAIError) -> ModelError {
    let kind = match &error {
        OpenAIError::ApiError(api) => {
            let code = api.api_error.code.as_deref().unwrap_or_default();
            let message = api.api_error.message.to_ascii_lowercase();
            let status = api.status_code.as_u16();
            if CONTEXT_MARKERS
                .iter()
                .any(|m| code.contains(m) || message.contains(m))
            {
                ModelErrorKind::ContextTooLong
            } else if status == 429 && code == "insufficient_quota" {
                // Out of credit: waiting will not help.
                ModelErrorKind::Permanent
            } else if status == 429 || status == 408 || status >= 500 {
                ModelErrorKind::Transient
            } else {
                ModelErrorKind::Permanent
            }
        }
        OpenAIError::Reqwest(e)
            if e.is_timeout() || e.is_connect() || e.is_request() || e.is_body() =>
        {
            ModelErrorKind::Transient
        }
        OpenAIError::StreamError(_) => ModelErrorKind::Transient,
        OpenAIError::JSONDeserialize(..) => ModelErrorKind::Transient,
        _ => ModelErrorKind::Permanent,
    };
    ModelError::new(kind, provider, error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_openai::error::{ApiError, ApiErrorResponse};

    fn api(status: u16, code: Option<&str>, message: &str) -> OpenAIError {
        OpenAIError::ApiError(ApiErrorResponse {
            status_code: reqwest::StatusCode::from_u16(status).unwrap(),
            api_error: ApiError {
                message: message.into(),
                code: code.map(Into::into),
                ..Default::default()
            },
        })
    }

    #[test]
    fn errors_are_classified() {
        let k = |e| classify("p", e).kind;
        assert_eq!(
            k(api(400, Some("context_length_exceeded"), "too long")),
            ModelErrorKind::ContextTooLong
        );
        assert_eq!(
            k(api(
                400,
                None,
                "This model's maximum context length is 8192 tokens"
            )),
            ModelErrorKind::ContextTooLong
        );
        assert_eq!(
            k(api(429, Some("rate_limit_exceeded"), "slow down")),
            ModelErrorKind::Transient
        );
        assert_eq!(
            k(api(429, Some("insufficient_quota"), "no credit")),
            ModelErrorKind::Permanent
        );
        assert_eq!(k(api(503, None, "overloaded")), ModelErrorKind::Transient);
        assert_eq!(
            k(api(401, Some("invalid_api_key"), "bad key")),
            ModelErrorKind::Permanent
        );
        assert_eq!(
            k(api(404, Some("model_not_found"), "no such model")),
            ModelErrorKind::Permanent
        );
    }
}
