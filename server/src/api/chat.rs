//! `POST /api/v1/chat`: one message in, the whole reply out.

use super::auth::ApiCaller;
use super::error::{ApiError, ApiJson};
use crate::chat::{Answer, ChatError, answer};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use omnify_agent::{TurnOutcome, UserRole};
use omnify_core::{ChannelKind, InboundMessage};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatBody {
    pub conversation_id: Option<String>,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct ToolCallView {
    pub name: String,
    pub arguments: serde_json::Value,
    pub duration_ms: u64,
    pub ok: bool,
}

#[derive(Debug, Serialize)]
pub struct UsageView {
    pub model: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
    pub steps: u32,
}

#[derive(Debug, Serialize)]
pub struct ChatReply {
    pub conversation_id: String,
    pub message_id: String,
    pub reply: String,
    pub tool_calls: Vec<ToolCallView>,
    pub usage: Option<UsageView>,
}

impl ChatReply {
    pub fn from_outcome(conversation_id: String, outcome: TurnOutcome) -> Self {
        Self {
            conversation_id,
            message_id: outcome.message_id,
            reply: outcome.reply,
            tool_calls: outcome
                .tool_calls
                .into_iter()
                .map(|c| ToolCallView {
                    arguments: serde_json::from_str(&c.arguments)
                        .unwrap_or(serde_json::Value::String(c.arguments)),
                    name: c.name,
                    duration_ms: c.duration_ms,
                    ok: c.ok,
                })
                .collect(),
            usage: Some(UsageView {
                model: outcome.usage.model,
                prompt_tokens: outcome.usage.prompt_tokens,
                completion_tokens: outcome.usage.completion_tokens,
                cost_usd: outcome.usage.cost_usd,
                steps: outcome.usage.steps,
            }),
        }
    }
}

/// Check a message against the limits and resolve its conversation, shared by the
/// HTTP and WebSocket surfaces.
pub async fn prepare(
    state: &AppState,
    caller: &ApiCaller,
    channel: ChannelKind,
    conversation_id: Option<String>,
    message: String,
    event_id: Option<String>,
) -> Result<InboundMessage, ApiError> {
    state
        .limiter
        .check(&caller.key_id)
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    let text = message.trim().to_string();
    if text.is_empty() {
        return Err(ApiError::BadRequest("`message` must not be empty".into()));
    }
    let max = state.settings.server.max_message_chars;
    let chars = text.chars().count();
    if chars > max {
        return Err(ApiError::TooLarge(format!(
            "`message` has {chars} characters; the limit is {max}"
        )));
    }
    let conversation_id = match conversation_id {
        Some(id) => {
            state
                .store
                .conversation_for_tenant(&id, &caller.tenant_id)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("conversation {id}")))?;
            id
        }
        None => uuid::Uuid::new_v4().to_string(),
    };
    // Scope the client's idempotency key to the tenant, so two tenants cannot collide.
    let event_id = match event_id {
        Some(key) => format!("{}:{key}", caller.tenant_id),
        None => uuid::Uuid::new_v4().to_string(),
    };
    Ok(InboundMessage {
        tenant_id: caller.tenant_id.clone(),
        channel,
        conversation_key: conversation_id,
        author: format!("api-key:{}", caller.key_id),
        text,
        event_id,
    })
}

pub fn chat_error(e: ChatError) -> ApiError {
    match e {
        ChatError::Store(s) => s.into(),
        ChatError::ModelUnavailable(_) => ApiError::ModelUnavailable,
        ChatError::Turn(detail) => ApiError::Internal(detail),
    }
}

pub async fn post_chat(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ChatBody>,
) -> Result<ApiJson<ChatReply>, ApiError> {
    let idempotency_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let inbound = prepare(
        &state,
        &caller,
        ChannelKind::Api,
        body.conversation_id,
        body.message,
        idempotency_key,
    )
    .await?;
    match answer(&state, inbound, UserRole::Member, None)
        .await
        .map_err(chat_error)?
    {
        Answer::Replied {
            conversation_id,
            outcome,
        } => Ok(ApiJson(ChatReply::from_outcome(conversation_id, outcome))),
        Answer::AlreadyAnswered {
            conversation_id,
            message_id,
            reply,
        } => Ok(ApiJson(ChatReply {
            conversation_id,
            message_id,
            reply,
            tool_calls: Vec::new(),
            usage: None,
        })),
        Answer::InProgress { .. } => Err(ApiError::Conflict(
            "this message is still being answered; retry in a moment".into(),
        )),
        Answer::WithExpert { conversation_id } => Ok(ApiJson(ChatReply {
            conversation_id,
            message_id: String::new(),
            reply: "An expert is handling this conversation; they have your message.".into(),
            tool_calls: Vec::new(),
            usage: None,
        })),
    }
}
