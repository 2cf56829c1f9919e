//! The connections admin API: add, list, test and remove a tenant's platform
//! connections. Credentials go in; they never come out.

use super::auth::AdminCaller;
use super::error::{ApiError, ApiJson};
use crate::connections::ConnectionError;
use crate::connections::platforms::Credentials;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use omnify_store::ConnectionInfo;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

impl From<ConnectionError> for ApiError {
    fn from(e: ConnectionError) -> Self {
        match e {
            ConnectionError::UnknownPlatform(_) | ConnectionError::Connect(_) => {
                Self::BadRequest(e.to_string())
            }
            ConnectionError::NotFound(what) => Self::NotFound(format!("connection {what}")),
            ConnectionError::Store(s) => s.into(),
            ConnectionError::Sealed(detail) => Self::Internal(detail),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewConnection {
    pub platform: String,
    pub account_id: String,
    pub label: Option<String>,
    pub credentials: Credentials,
    /// Make one cheap call right away (default true).
    pub test: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct ConnectionList {
    pub connections: Vec<ConnectionInfo>,
}

pub async fn list_platforms(State(state): State<AppState>, _admin: AdminCaller) -> ApiJson<Value> {
    let platforms: Vec<Value> = state
        .connections
        .catalogue()
        .into_iter()
        .map(|(key, name, fields)| json!({"platform": key, "name": name, "credential_fields": fields}))
        .collect();
    ApiJson(json!({ "platforms": platforms }))
}

pub async fn create(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiJson(body): ApiJson<NewConnection>,
) -> Result<(StatusCode, ApiJson<ConnectionInfo>), ApiError> {
    let label = body.label.unwrap_or_else(|| body.account_id.clone());
    let info = state
        .connections
        .connect(
            &caller.tenant_id,
            &body.platform,
            &body.account_id,
            &label,
            &body.credentials,
        )
        .await?;
    let info = if body.test.unwrap_or(true) {
        state.connections.test(&caller.tenant_id, &info.id).await?
    } else {
        info
    };
    Ok((StatusCode::CREATED, ApiJson(info)))
}

pub async fn list(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
) -> Result<ApiJson<ConnectionList>, ApiError> {
    Ok(ApiJson(ConnectionList {
        connections: state.connections.list(&caller.tenant_id).await?,
    }))
}

pub async fn test(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
) -> Result<ApiJson<ConnectionInfo>, ApiError> {
    Ok(ApiJson(
        state.connections.test(&caller.tenant_id, &id).await?,
    ))
}

pub async fn remove(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.connections.remove(&caller.tenant_id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
