//! API-key authentication: `Authorization: Bearer omk_…` names the tenant. The chat
//! WebSocket also takes web-chat visitors (`?visitor_token=ovt_…`, see [`ChatCaller`]).

use super::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::Digest;

/// The authenticated caller of an API request.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub tenant_id: String,
    pub key_id: String,
    /// `admin` or `member`.
    pub role: String,
}

/// Who is on the chat WebSocket: a tenant's API key (a member), or a web-chat visitor
/// with a visitor token (`?visitor_token=`, origin-checked; see `crate::widget`).
#[derive(Debug, Clone)]
pub struct ChatCaller {
    /// For a visitor: its tenant, `key_id` `visitor:<id>` (the rate-limit key), role `visitor`.
    pub api: ApiCaller,
    pub role: omnify_agent::UserRole,
    /// The visitor's id, when the caller is a visitor.
    pub visitor_id: Option<String>,
}

impl ChatCaller {
    /// Whether this caller may read or write `conversation_id` (of its tenant).
    pub fn may_open(&self, conversation_id: &str) -> bool {
        self.visitor_id
            .as_deref()
            .is_none_or(|v| crate::widget::owns(v, conversation_id))
    }
}

impl FromRequestParts<AppState> for ChatCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = crate::widget::query_param(parts.uri.query(), "visitor_token") else {
            let api = ApiCaller::from_request_parts(parts, state).await?;
            return Ok(Self {
                api,
                role: omnify_agent::UserRole::Member,
                visitor_id: None,
            });
        };
        let visitor = crate::widget::visitor_from(state, &parts.headers, token)?;
        let claims = visitor.claims;
        Ok(Self {
            api: ApiCaller {
                tenant_id: claims.tenant_id,
                key_id: format!("visitor:{}", claims.visitor_id),
                role: "visitor".into(),
            },
            role: visitor.role,
            visitor_id: Some(claims.visitor_id),
        })
    }
}

/// A caller whose key may administer the tenant (connections, keys).
#[derive(Debug, Clone)]
pub struct AdminCaller(pub ApiCaller);

impl FromRequestParts<AppState> for AdminCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = ApiCaller::from_request_parts(parts, state).await?;
        if caller.role != "admin" {
            return Err(ApiError::Forbidden("this needs an admin API key".into()));
        }
        Ok(Self(caller))
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        // Browsers cannot set headers on a WebSocket, so the socket may carry the key
        // in `?access_token=` instead.
        let from_query = || {
            parts.uri.query().and_then(|q| {
                q.split('&')
                    .find_map(|pair| pair.strip_prefix("access_token=").map(str::to_string))
            })
        };
        let key = match header {
            Some(h) => h.strip_prefix("Bearer ").map(|k| k.trim().to_string()),
            None => from_query(),
        }
        .filter(|k| !k.is_empty())
        .ok_or(ApiError::Unauthorized)?;
        // Every request presents its key: remember who it belongs to for a little
        // while rather than asking the database each time.
        let digest = hex::encode(sha2::Sha256::digest(key.as_bytes()));
        let identity = match state.key_cache.get(&digest) {
            Some(identity) => identity,
            None => {
                let identity = state
                    .store
                    .identify_api_key(&key)
                    .await?
                    .ok_or(ApiError::Unauthorized)?;
                state.key_cache.insert(digest, identity.clone());
                identity
            }
        };
        Ok(Self {
            tenant_id: identity.tenant_id,
            key_id: identity.key_id,
            role: identity.role,
        })
    }
}
