//! An OAuth2 token endpoint for the emulators of OAuth platforms (Google, LinkedIn):
//! the refresh-token grant, the tokens it issued, and faults a test can set.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Which platform's token response shape to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFlavor {
    /// `{"access_token","expires_in":3599,"scope","token_type":"Bearer"}`; the refresh
    /// token stays the same.
    Google,
    /// `{"access_token","expires_in","refresh_token","refresh_token_expires_in"}`.
    LinkedIn,
}

/// Handle to one token endpoint; clones share state.
#[derive(Clone)]
pub struct OAuthServer {
    state: Arc<OAuthState>,
}

struct OAuthState {
    flavor: TokenFlavor,
    refresh_token: Mutex<String>,
    valid_access_tokens: Mutex<HashSet<String>>,
    issued: AtomicU64,
    refuse: AtomicBool,
}

impl OAuthServer {
    /// Accepts `token` as the first valid access token and as the refresh token.
    pub fn new(flavor: TokenFlavor, token: &str) -> Self {
        Self {
            state: Arc::new(OAuthState {
                flavor,
                refresh_token: Mutex::new(token.to_owned()),
                valid_access_tokens: Mutex::new(HashSet::from([token.to_owned()])),
                issued: AtomicU64::new(0),
                refuse: AtomicBool::new(false),
            }),
        }
    }

    /// `POST {path}` serving the refresh-token grant.
    pub fn router(&self, path: &str) -> Router {
        Router::new()
            .route(path, post(token_handler))
            .with_state(self.clone())
    }

    pub fn is_valid(&self, access_token: &str) -> bool {
        lock(&self.state.valid_access_tokens).contains(access_token)
    }

    /// Every access token issued so far stops working, as when they expire.
    pub fn expire_access_tokens(&self) {
        lock(&self.state.valid_access_tokens).clear();
    }

    /// From now on the refresh token is refused (`invalid_grant`), as when the user
    /// revokes the app.
    pub fn revoke_refresh_token(&self) {
        self.state.refuse.store(true, Ordering::SeqCst);
    }

    /// Refreshes granted so far.
    pub fn refresh_count(&self) -> u64 {
        self.state.issued.load(Ordering::SeqCst)
    }

    /// The refresh token currently accepted (LinkedIn rotates it).
    pub fn current_refresh_token(&self) -> String {
        lock(&self.state.refresh_token).clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

async fn token_handler(
    State(server): State<OAuthServer>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let state = &server.state;
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "refresh_token" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Invalid grant_type.",
        );
    }
    if field("client_id").is_empty() || field("client_secret").is_empty() {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The OAuth client was not found.",
        );
    }
    let mut refresh_token = lock(&state.refresh_token);
    if state.refuse.load(Ordering::SeqCst) || field("refresh_token") != *refresh_token {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Token has been expired or revoked.",
        );
    }
    let n = state.issued.fetch_add(1, Ordering::SeqCst) + 1;
    let access_token = format!("sandbox-access-{n}-{:08x}", rand::random::<u32>());
    lock(&state.valid_access_tokens).insert(access_token.clone());
    let body = match state.flavor {
        TokenFlavor::Google => json!({
            "access_token": access_token,
            "expires_in": 3599,
            "scope": "https://www.googleapis.com/auth/adwords",
            "token_type": "Bearer",
        }),
        TokenFlavor::LinkedIn => {
            *refresh_token = format!("sandbox-refresh-{n}-{:08x}", rand::random::<u32>());
            json!({
                "access_token": access_token,
                "expires_in": 5_184_000,
                "refresh_token": *refresh_token,
                "refresh_token_expires_in": 31_536_000,
                "scope": "r_ads,r_ads_reporting,rw_ads",
            })
        }
    };
    (StatusCode::OK, Json(body)).into_response()
}
