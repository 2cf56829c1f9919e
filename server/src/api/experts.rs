//! The expert API: the same operations as the expert console, for teams that work
//! from their own help desk. Experts authenticate with their `oxk_…` token; adding an
//! expert takes a tenant admin key.

use super::auth::AdminCaller;
use super::console;
use super::error::{ApiError, ApiJson};
use crate::escalations::{self as desk_ops, DeskError};
use crate::state::AppState;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use omnify_core::{ConversationStore, Escalation, Expert};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> Self {
        match e {
            DeskError::NotFound(id) => Self::NotFound(format!("escalation {id}")),
            DeskError::Conflict(m) => Self::Conflict(m),
            DeskError::Store(s) => s.into(),
        }
    }
}

/// An authenticated expert: `Authorization: Bearer oxk_…`, or the console's session
/// cookie (refused on state-changing requests a browser marks as cross-site).
pub struct ExpertCaller(pub Expert);

impl FromRequestParts<AppState> for ExpertCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim);
        let expert = match bearer {
            Some(token) => state.store.expert_by_token(token).await?,
            None if console::session_token(&parts.headers).is_some() => {
                if !parts.method.is_safe() && console::cross_site(&parts.headers) {
                    return Err(ApiError::Forbidden(
                        "the console session cannot be used from another site".into(),
                    ));
                }
                console::session_expert(state, &parts.headers).await?
            }
            None => None,
        };
        Ok(Self(expert.ok_or(ApiError::Unauthorized)?))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewExpert {
    pub name: String,
    pub email: String,
    pub skills: Vec<String>,
    /// Minutes east of UTC (e.g. -300 for New York in winter).
    #[serde(default)]
    pub utc_offset_minutes: i64,
    /// Local working hours `[start, end)`; default all day.
    pub work_hours: Option<(i64, i64)>,
    pub capacity: Option<i64>,
    /// For the console login (at least 12 characters); can be set later too.
    pub password: Option<String>,
}

pub async fn create_expert(
    State(state): State<AppState>,
    AdminCaller(admin): AdminCaller,
    ApiJson(body): ApiJson<NewExpert>,
) -> Result<(StatusCode, ApiJson<Value>), ApiError> {
    if body.name.trim().is_empty() || !body.email.contains('@') {
        return Err(ApiError::BadRequest(
            "an expert needs a name and an e-mail address".into(),
        ));
    }
    let hours = body.work_hours.unwrap_or((0, 24));
    if !(0..=24).contains(&hours.0) || !(0..=24).contains(&hours.1) {
        return Err(ApiError::BadRequest(
            "work_hours are hours of the day, 0 to 24".into(),
        ));
    }
    let password_hash = match &body.password {
        Some(password) => Some(console::hash_password(password).await?),
        None => None,
    };
    let created = state
        .store
        .create_expert(
            &body.name,
            &body.email,
            &body.skills,
            std::slice::from_ref(&admin.tenant_id),
            body.utc_offset_minutes,
            hours,
            body.capacity.unwrap_or(5).max(1),
        )
        .await?;
    if let Some(hash) = password_hash {
        state
            .store
            .set_expert_password(&created.expert.id, &hash)
            .await?;
    }
    Ok((
        StatusCode::CREATED,
        ApiJson(json!({"expert": created.expert, "token": created.token.expose()})),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    pub password: String,
}

/// Set an expert's console password (admin of a tenant the expert serves). Ends the
/// expert's console sessions.
pub async fn set_password(
    State(state): State<AppState>,
    AdminCaller(admin): AdminCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewPassword>,
) -> Result<StatusCode, ApiError> {
    let expert = state
        .store
        .expert(&id)
        .await?
        .filter(|e| e.tenants.contains(&admin.tenant_id))
        .ok_or_else(|| ApiError::NotFound(format!("expert {id}")))?;
    let hash = console::hash_password(&body.password).await?;
    state.store.set_expert_password(&expert.id, &hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize)]
pub struct QueueItem {
    #[serde(flatten)]
    pub escalation: Escalation,
    /// Seconds until the claim deadline; negative when overdue.
    pub sla_seconds_left: i64,
    pub assigned_to_me: bool,
    pub tenant_name: String,
}

pub async fn queue(
    State(state): State<AppState>,
    ExpertCaller(expert): ExpertCaller,
) -> Result<ApiJson<Value>, ApiError> {
    let now = chrono::Utc::now().timestamp_micros();
    let mut items = Vec::new();
    for e in state.store.open_escalations().await? {
        if !expert.serves(&e.tenant_id) {
            continue;
        }
        items.push(QueueItem {
            sla_seconds_left: (e.sla_due_at - now) / 1_000_000,
            assigned_to_me: e.assigned_expert_id.as_deref() == Some(&expert.id)
                || e.expert_id.as_deref() == Some(&expert.id),
            tenant_name: tenant_name(&state, &e.tenant_id).await?,
            escalation: e,
        });
    }
    Ok(ApiJson(json!({"expert": expert, "escalations": items})))
}

async fn tenant_name(state: &AppState, tenant_id: &str) -> Result<String, ApiError> {
    if let Some(name) = state.tenant_names.get(&tenant_id.to_string()) {
        return Ok(name);
    }
    let name = state
        .store
        .tenant(tenant_id)
        .await?
        .map(|t| t.name)
        .unwrap_or_else(|| tenant_id.to_string());
    state
        .tenant_names
        .insert(tenant_id.to_string(), name.clone());
    Ok(name)
}

pub async fn detail(
    State(state): State<AppState>,
    ExpertCaller(expert): ExpertCaller,
    Path(id): Path<String>,
) -> Result<ApiJson<Value>, ApiError> {
    let escalation = desk_ops::visible(&state, &expert, &id).await?;
    let messages = state.store.history(&escalation.conversation_id).await?;
    let tool_calls = state.store.tool_calls(&escalation.conversation_id).await?;
    let events = state.store.escalation_events(&id).await?;
    Ok(ApiJson(
        json!({"escalation": escalation, "messages": messages, "tool_calls": tool_calls, "events": events}),
    ))
}

pub async fn claim(
    State(state): State<AppState>,
    ExpertCaller(expert): ExpertCaller,
    Path(id): Path<String>,
) -> Result<ApiJson<Escalation>, ApiError> {
    Ok(ApiJson(desk_ops::claim(&state, &expert, &id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpertReply {
    pub text: String,
}

pub async fn reply(
    State(state): State<AppState>,
    ExpertCaller(expert): ExpertCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ExpertReply>,
) -> Result<(StatusCode, ApiJson<Value>), ApiError> {
    if body.text.trim().is_empty() {
        return Err(ApiError::BadRequest("`text` must not be empty".into()));
    }
    let message_id = desk_ops::reply(&state, &expert, &id, body.text.trim()).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(json!({"message_id": message_id})),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// What was decided; the bot follows it for the rest of the conversation.
    pub summary: String,
    /// Close the conversation instead of handing it back to the bot.
    #[serde(default)]
    pub close: bool,
}

pub async fn resolve(
    State(state): State<AppState>,
    ExpertCaller(expert): ExpertCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Resolution>,
) -> Result<ApiJson<Escalation>, ApiError> {
    if body.summary.trim().is_empty() {
        return Err(ApiError::BadRequest(
            "`summary` must say what was decided".into(),
        ));
    }
    Ok(ApiJson(
        desk_ops::resolve(&state, &expert, &id, body.summary.trim(), body.close).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    pub status: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    ExpertCaller(expert): ExpertCaller,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<StatusCode, ApiError> {
    if !["available", "away", "offline"].contains(&body.status.as_str()) {
        return Err(ApiError::BadRequest(
            "status is one of available, away, offline".into(),
        ));
    }
    state
        .store
        .set_expert_status(&expert.id, &body.status)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
