//! Proposed write actions: the user confirms or cancels, an expert approves or
//! rejects, and the audit log shows every step.

use super::auth::{AdminCaller, ApiCaller};
use super::error::{ApiError, ApiJson};
use super::experts::ExpertCaller;
use crate::state::AppState;
use axum::extract::{Path, State};
use omnify_agent::approvals::ApprovalError;
use omnify_agent::approvals::desk::status_sentence;
use omnify_core::{ActionStatus, OutboundEvent, PendingAction};
use serde::Deserialize;
use serde_json::{Value, json};

impl From<ApprovalError> for ApiError {
    fn from(e: ApprovalError) -> Self {
        match e {
            ApprovalError::NotFound(id) => Self::NotFound(format!("action {id}")),
            ApprovalError::Conflict(m) => Self::Conflict(m),
            ApprovalError::Store(s) => s.into(),
        }
    }
}

/// Tell the conversation what became of its action, and store it in the history.
async fn tell(state: &AppState, action: &PendingAction, author: &str) -> Result<(), ApiError> {
    let text = status_sentence(action);
    state
        .store
        .add_system_message(&action.conversation_id, &text)
        .await?;
    state.hub.publish(
        &action.conversation_id,
        &OutboundEvent::ExpertMessage {
            author: author.to_string(),
            text,
        },
    );
    Ok(())
}

pub async fn get_action(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<ApiJson<PendingAction>, ApiError> {
    Ok(ApiJson(state.approvals.get(&caller.tenant_id, &id).await?))
}

pub async fn confirm(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<ApiJson<PendingAction>, ApiError> {
    let action = state
        .approvals
        .confirm(
            &caller.tenant_id,
            &id,
            &format!("api-key:{}", caller.key_id),
        )
        .await?;
    Ok(ApiJson(action))
}

pub async fn cancel(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<ApiJson<PendingAction>, ApiError> {
    Ok(ApiJson(
        state
            .approvals
            .cancel(
                &caller.tenant_id,
                &id,
                &format!("api-key:{}", caller.key_id),
            )
            .await?,
    ))
}

/// Actions waiting for an expert, for the tenants this expert serves.
pub async fn awaiting(
    State(state): State<AppState>,
    ExpertCaller(expert): ExpertCaller,
) -> Result<ApiJson<Value>, ApiError> {
    let actions: Vec<PendingAction> = state
        .store
        .actions_in(&[ActionStatus::AwaitingExpert])
        .await?
        .into_iter()
        .filter(|a| expert.serves(&a.tenant_id))
        .collect();
    Ok(ApiJson(json!({ "actions": actions })))
}

async fn served(
    state: &AppState,
    expert: &omnify_core::Expert,
    id: &str,
) -> Result<PendingAction, ApiError> {
    use omnify_core::ActionStore;
    state
        .store
        .action(id)
        .await?
        .filter(|a| expert.serves(&a.tenant_id))
        .ok_or_else(|| ApiError::NotFound(format!("action {id}")))
}

pub async fn approve(
    State(state): State<AppState>,
    ExpertCaller(expert): ExpertCaller,
    Path(id): Path<String>,
) -> Result<ApiJson<PendingAction>, ApiError> {
    let action = served(&state, &expert, &id).await?;
    let done = state
        .approvals
        .approve(&action.tenant_id, &id, &expert.name)
        .await?;
    tell(&state, &done, &expert.name).await?;
    Ok(ApiJson(done))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    pub reason: String,
}

pub async fn reject(
    State(state): State<AppState>,
    ExpertCaller(expert): ExpertCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Rejection>,
) -> Result<ApiJson<PendingAction>, ApiError> {
    if body.reason.trim().is_empty() {
        return Err(ApiError::BadRequest("say why in `reason`".into()));
    }
    let action = served(&state, &expert, &id).await?;
    let done = state
        .approvals
        .reject(&action.tenant_id, &id, &expert.name, body.reason.trim())
        .await?;
    tell(&state, &done, &expert.name).await?;
    Ok(ApiJson(done))
}

pub async fn audit(
    State(state): State<AppState>,
    AdminCaller(admin): AdminCaller,
) -> Result<ApiJson<Value>, ApiError> {
    Ok(ApiJson(
        json!({ "entries": state.store.audit_log(&admin.tenant_id, 500).await? }),
    ))
}
