//! `GET /api/v1/conversations/{id}`: the history of one conversation.

use super::auth::ApiCaller;
use super::error::{ApiError, ApiJson};
use crate::state::AppState;
use axum::extract::{Path, State};
use omnify_core::{ConversationStore, StoredMessage, ToolCallRecord};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ConversationView {
    pub id: String,
    pub mode: omnify_core::ConversationMode,
    pub channel: String,
    pub messages: Vec<StoredMessage>,
    pub tool_calls: Vec<ToolCallRecord>,
    /// Charts tools drew, each under the reply (`message_id`) it belongs to.
    pub charts: Vec<super::charts::ChartLink>,
}

pub async fn get_conversation(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<ApiJson<ConversationView>, ApiError> {
    let info = state
        .store
        .conversation_for_tenant(&id, &caller.tenant_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("conversation {id}")))?;
    let messages = state.store.history(&id).await?;
    let tool_calls = state.store.tool_calls(&id).await?;
    let charts = super::charts::links(&state, &id).await?;
    Ok(ApiJson(ConversationView {
        id: info.id,
        mode: info.mode,
        channel: info.channel,
        messages,
        tool_calls,
        charts,
    }))
}
