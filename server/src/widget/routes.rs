//! The widget's HTTP routes: the script, the demo page, visitor sessions and history.

use super::{SiteOf, Visitor, identity, origin_allowed, owns, visitor_from};
use crate::api::error::{ApiError, ApiJson};
use crate::html::escape_html;
use crate::state::AppState;
use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use omnify_core::{ConversationStore, MessageRole};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::net::SocketAddr;
use std::sync::LazyLock;

const WIDGET_JS: &str = include_str!("assets/widget.js");
const DEMO_HTML: &str = include_str!("assets/demo.html");

/// A strong validator for the script: changes whenever it does.
static WIDGET_ETAG: LazyLock<String> = LazyLock::new(|| {
    let digest = sha2::Sha256::digest(WIDGET_JS.as_bytes());
    format!("\"{}\"", hex::encode(&digest[..8]))
});

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(demo_page))
        .route("/widget.js", get(script))
        .route("/api/v1/widget/session", post(session).options(preflight))
        .route(
            "/api/v1/widget/conversations/{id}",
            get(history).options(preflight),
        )
}

/// CORS headers for an allowed origin (the caller checked it).
fn allow_origin(headers: &HeaderMap, response: &mut Response) {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

fn forbidden_origin() -> ApiError {
    ApiError::Forbidden("this site may not use the chat widget".into())
}

async fn preflight(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !origin_allowed(&state.settings, &headers, SiteOf::AnyTenant) {
        return forbidden_origin().into_response();
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    allow_origin(&headers, &mut response);
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    response
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionBody {
    pub tenant: String,
    /// An identified visitor: a JWT (HS256) the tenant's site signed with its
    /// identity secret (see `identity.rs`). Absent: an anonymous visitor.
    #[serde(default)]
    pub identity: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SessionView {
    pub token: String,
    pub visitor_id: String,
    pub tenant: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// Whether the site vouched for who the visitor is.
    pub identified: bool,
    /// The identified visitor's most recent conversation, so a returning user on a
    /// new device continues where they left off.
    pub latest_conversation: Option<String>,
}

/// `POST /api/v1/widget/session`: a new anonymous visitor of a tenant.
async fn session(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    ApiJson(body): ApiJson<SessionBody>,
) -> Result<Response, ApiError> {
    let tenant = body.tenant.trim();
    if !origin_allowed(&state.settings, &headers, SiteOf::Tenant(tenant)) {
        return Err(forbidden_origin());
    }
    // Behind a proxy every visitor shares its address; put the limit there too.
    let ip = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
    state
        .widget
        .sessions
        .check(&ip)
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    if tenant.is_empty() || state.store.tenant(tenant).await?.is_none() {
        return Err(ApiError::NotFound(format!("tenant {tenant}")));
    }
    let now = chrono::Utc::now().timestamp();
    let ttl = i64::from(state.settings.widget.token_ttl_days) * 86_400;
    let signer = &state.widget.signer;
    let identity_token = body
        .identity
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let identified = identity_token.is_some();
    let (token, claims) = match identity_token {
        None => signer.issue(tenant, ttl, now),
        Some(jwt) => {
            let secret = state
                .settings
                .widget
                .tenants
                .get(tenant)
                .map(|t| &t.identity_secret)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "identified visitors are not set up for tenant {tenant}: \
                         set widget.tenants.{tenant}.identity_secret"
                    ))
                })?;
            let who = identity::verify(secret.expose().as_bytes(), jwt, now)
                .map_err(|e| ApiError::BadRequest(e.to_string()))?;
            // The visitor token never outlives the site's statement.
            let ttl = ttl.min(who.exp - now);
            let visitor_id = identity::visitor_id(tenant, &who.sub);
            signer.issue_for(tenant, &visitor_id, who.name, ttl, now)
        }
    };
    let latest_conversation = if identified {
        state
            .store
            .latest_conversation_with_prefix(
                tenant,
                &super::conversation_prefix(&claims.visitor_id),
            )
            .await?
    } else {
        None
    };
    let mut response = (
        StatusCode::CREATED,
        ApiJson(SessionView {
            token,
            visitor_id: claims.visitor_id,
            tenant: claims.tenant_id,
            expires_at: claims.expires_at,
            identified,
            latest_conversation,
        }),
    )
        .into_response();
    allow_origin(&headers, &mut response);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A visitor on an HTTP route: `Authorization: Bearer ovt_…`.
pub struct VisitorCaller(pub Visitor);

impl FromRequestParts<AppState> for VisitorCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::Unauthorized)?;
        visitor_from(state, &parts.headers, token).map(Self)
    }
}

#[derive(Debug, Serialize)]
pub struct MessageView {
    pub role: MessageRole,
    pub author: Option<String>,
    pub text: String,
    pub created_at_us: i64,
    /// Charts shown under this answer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub charts: Vec<crate::api::charts::ChartLink>,
}

#[derive(Debug, Serialize)]
pub struct HistoryView {
    pub id: String,
    pub mode: omnify_core::ConversationMode,
    pub messages: Vec<MessageView>,
}

/// `GET /api/v1/widget/conversations/{id}`: a visitor's own conversation.
async fn history(
    State(state): State<AppState>,
    headers: HeaderMap,
    VisitorCaller(visitor): VisitorCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("conversation {id}"));
    if !owns(&visitor.claims.visitor_id, &id) {
        return Err(not_found());
    }
    let info = state
        .store
        .conversation_for_tenant(&id, &visitor.claims.tenant_id)
        .await?
        .ok_or_else(not_found)?;
    let charts = crate::api::charts::links(&state, &id).await?;
    let messages = state
        .store
        .history(&id)
        .await?
        .into_iter()
        .map(|m| MessageView {
            charts: charts
                .iter()
                .filter(|c| c.message_id == m.id)
                .cloned()
                .collect(),
            // Visitors see experts' names, not internal authors.
            author: (m.role == MessageRole::Expert).then_some(m.author),
            role: m.role,
            text: m.text,
            created_at_us: m.created_at_us,
        })
        .collect();
    let mut response = ApiJson(HistoryView {
        id: info.id,
        mode: info.mode,
        messages,
    })
    .into_response();
    allow_origin(&headers, &mut response);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /widget.js`: cached for an hour, revalidated by ETag.
async fn script(headers: HeaderMap) -> Response {
    let etag = WIDGET_ETAG.as_str();
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        WIDGET_JS.into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Other sites' pages load it with a plain <script> tag.
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    response
}

/// `GET /`: the demo brand's page with the widget installed (demo sandbox only).
async fn demo_page(State(state): State<AppState>) -> Result<Response, ApiError> {
    let Some(tenant) = state.widget.demo_tenant.clone() else {
        return Err(ApiError::NotFound("page".into()));
    };
    let name = state
        .store
        .tenant(&tenant)
        .await?
        .map_or_else(|| "Demo Brand".to_string(), |t| t.name);
    let body = DEMO_HTML
        .replace("{{tenant}}", &escape_html(&tenant))
        .replace("{{name}}", &escape_html(&name));
    let mut response = body.into_response();
    let h = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    Ok(response)
}
