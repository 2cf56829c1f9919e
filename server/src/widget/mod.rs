//! The web-chat widget for site visitors: `/widget.js`, anonymous visitor tokens,
//! visitor-scoped conversations, and the demo page at `/` (see docs/webchat.md).
//!
//! A visitor is [`UserRole::Visitor`]: only visitor-level tools (asking for a human),
//! never the tenant's platforms — except on the demo tenant with `demo.sandbox` and
//! `widget.demo_members` on. Visitors' conversation ids start with `v-<visitor id>-`,
//! so a visitor can open only its own.

pub mod identity;
pub mod routes;
pub mod token;

use crate::api::error::ApiError;
use crate::api::limits::RateLimiter;
use crate::config::Settings;
use crate::state::AppState;
use anyhow::Context;
use axum::http::{HeaderMap, header};
use omnify_agent::UserRole;
use rand::Rng;
use token::{TokenSigner, VisitorClaims};

const KEY_FILE: &str = "widget.key";

/// What the widget needs at run time; built once at start-up.
pub struct Widget {
    pub signer: TokenSigner,
    /// New sessions per client IP.
    pub sessions: RateLimiter,
    /// The demo tenant, when the demo sandbox is on.
    pub demo_tenant: Option<String>,
}

impl Widget {
    pub fn new(settings: &Settings, demo_tenant: Option<String>) -> anyhow::Result<Self> {
        Ok(Self {
            signer: TokenSigner::new(&signing_key(settings)?)?,
            sessions: RateLimiter::new(settings.widget.sessions_per_minute_per_ip),
            demo_tenant: demo_tenant.filter(|_| settings.demo.sandbox),
        })
    }

    /// The role a visitor of `tenant_id` chats with.
    pub fn role_for(&self, settings: &Settings, tenant_id: &str) -> UserRole {
        let demo = settings.widget.demo_members
            && settings.demo.sandbox
            && self.demo_tenant.as_deref() == Some(tenant_id);
        if demo {
            UserRole::Member
        } else {
            UserRole::Visitor
        }
    }
}

/// The server's signing secret: `widget.secret`, else the generated local key. Visitor
/// tokens are signed with it, and document links with a key derived from it.
pub fn signing_key(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if settings.widget.secret.is_empty() {
        local_key(settings)
    } else {
        Ok(settings.widget.secret.expose().as_bytes().to_vec())
    }
}

/// The key in `<data_dir>/widget.key` (hex of 32 random bytes), made once.
fn local_key(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    let path = settings.data_dir.join(KEY_FILE);
    if let Ok(existing) = std::fs::read_to_string(&path)
        && !existing.trim().is_empty()
    {
        return Ok(existing.trim().as_bytes().to_vec());
    }
    let random: [u8; 32] = rand::rng().random();
    let key = hex::encode(random);
    std::fs::create_dir_all(&settings.data_dir)?;
    write_private(&path, &key).with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated the widget's visitor-token key; set widget.secret to share one across machines");
    Ok(key.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

/// Which tenant's sites a request's origin is checked against.
#[derive(Debug, Clone, Copy)]
pub enum SiteOf<'a> {
    /// A visitor of this tenant (sessions, history, the socket).
    Tenant(&'a str),
    /// Not yet known (a CORS preflight carries no body): any tenant's site will do;
    /// the request that follows is checked against its own tenant.
    AnyTenant,
}

/// Whether the request's `Origin` may use the widget: this server's own origin, one
/// configured for every tenant (`widget.allowed_origins`) or for this tenant
/// (`widget.tenants.<id>.allowed_origins`), or any with `"*"`. Requests without
/// `Origin` (not from a browser page) pass: the check keeps other sites' pages out, it
/// does not authenticate.
pub fn origin_allowed(settings: &Settings, headers: &HeaderMap, site: SiteOf<'_>) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    let tenants = &settings.widget.tenants;
    let tenant_lists: Vec<&Vec<String>> = match site {
        SiteOf::Tenant(id) => tenants
            .get(id)
            .map(|t| &t.allowed_origins)
            .into_iter()
            .collect(),
        SiteOf::AnyTenant => tenants.values().map(|t| &t.allowed_origins).collect(),
    };
    let mut allowed = settings
        .widget
        .allowed_origins
        .iter()
        .chain(tenant_lists.into_iter().flatten());
    if allowed.any(|a| {
        let a = a.trim();
        a == "*" || a.trim_end_matches('/').to_ascii_lowercase() == origin
    }) {
        return true;
    }
    let public = settings
        .server
        .public_url
        .trim_end_matches('/')
        .to_ascii_lowercase();
    if !public.is_empty() && public == origin {
        return true;
    }
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase)
        .is_some_and(|host| {
            origin == format!("http://{host}") || origin == format!("https://{host}")
        })
}

/// The conversation-id prefix of a visitor's conversations.
pub fn conversation_prefix(visitor_id: &str) -> String {
    format!("v-{visitor_id}-")
}

/// A fresh conversation id for a visitor.
pub fn new_conversation_id(visitor_id: &str) -> String {
    format!(
        "{}{}",
        conversation_prefix(visitor_id),
        uuid::Uuid::new_v4().simple()
    )
}

pub fn owns(visitor_id: &str, conversation_id: &str) -> bool {
    conversation_id.starts_with(&conversation_prefix(visitor_id))
}

/// A web-chat visitor, authenticated by a visitor token.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub claims: VisitorClaims,
    pub role: UserRole,
}

/// Verify a visitor token and the request's origin.
pub fn visitor_from(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
) -> Result<Visitor, ApiError> {
    let claims = state
        .widget
        .signer
        .verify(token, chrono::Utc::now().timestamp())
        .map_err(|_| ApiError::Unauthorized)?;
    if !origin_allowed(&state.settings, headers, SiteOf::Tenant(&claims.tenant_id)) {
        return Err(ApiError::Forbidden(
            "this site may not use the chat widget".into(),
        ));
    }
    let role = state.widget.role_for(&state.settings, &claims.tenant_id);
    Ok(Visitor { claims, role })
}

/// `?name=value` from a query string.
pub fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then_some(v)
    })
}
