//! Connecting a platform with OAuth 2.0 (authorization-code flow).
//!
//! 1. An admin calls `POST /api/v1/connections/oauth/{platform}/start` with the
//!    account id; we remember a random `state` and return the platform's authorize URL.
//! 2. The person approves on the platform, which redirects their browser to
//!    `GET /oauth/{platform}/callback?code=…&state=…`.
//! 3. We check the state (once, within 10 minutes), exchange the code for tokens at the
//!    platform's token endpoint, and store them sealed as the tenant's connection.

use super::auth::AdminCaller;
use super::error::{ApiError, ApiJson};
use crate::config::OAuthApp;
use crate::connections::platforms::Credentials;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Html;
use serde::Deserialize;
use serde_json::{Value, json};

/// How long a started flow may take.
const STATE_MAX_AGE_US: i64 = 10 * 60 * 1_000_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    pub account_id: String,
}

fn app_for<'a>(state: &'a AppState, platform: &str) -> Result<&'a OAuthApp, ApiError> {
    state
        .settings
        .oauth
        .get(platform)
        .filter(|a| !a.client_id.is_empty() && !a.authorize_url.is_empty() && !a.token_url.is_empty())
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "OAuth for {platform} is not configured: set oauth.{platform}.client_id, client_secret, authorize_url and token_url"
            ))
        })
}

fn redirect_uri(state: &AppState, headers: &HeaderMap, platform: &str) -> String {
    let base = if state.settings.server.public_url.is_empty() {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        format!("http://{host}")
    } else {
        state
            .settings
            .server
            .public_url
            .trim_end_matches('/')
            .to_string()
    };
    format!("{base}/oauth/{platform}/callback")
}

pub async fn start(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    headers: HeaderMap,
    Path(platform): Path<String>,
    ApiJson(body): ApiJson<StartBody>,
) -> Result<ApiJson<Value>, ApiError> {
    state.connections.connector(&platform)?;
    let app = app_for(&state, &platform)?;
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    state
        .store
        .save_oauth_state(&nonce, &caller.tenant_id, &platform, &body.account_id)
        .await?;
    let mut url = reqwest::Url::parse(&app.authorize_url)
        .map_err(|e| ApiError::Internal(format!("oauth.{platform}.authorize_url: {e}")))?;
    url.query_pairs_mut()
        .append_pair("client_id", &app.client_id)
        .append_pair("redirect_uri", &redirect_uri(&state, &headers, &platform))
        .append_pair("response_type", "code")
        .append_pair("scope", &app.scopes)
        .append_pair("state", &nonce);
    Ok(ApiJson(
        json!({"authorize_url": url.to_string(), "state": nonce}),
    ))
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

fn page(title: &str, message: &str) -> Html<String> {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>{t}</title>\
         <body style=\"font-family:system-ui;max-width:32rem;margin:4rem auto\"><h1>{t}</h1><p>{m}</p></body>",
        t = escape(title),
        m = escape(message)
    ))
}

pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(platform): Path<String>,
    Query(q): Query<CallbackQuery>,
) -> (axum::http::StatusCode, Html<String>) {
    use axum::http::StatusCode;
    let name = state
        .connections
        .connector(&platform)
        .map(|c| c.display_name())
        .unwrap_or("the platform");
    if let Some(error) = q.error {
        let detail = q.error_description.unwrap_or(error);
        return (
            StatusCode::BAD_REQUEST,
            page(
                "Not connected",
                &format!("{name} said: {detail}. Nothing was saved."),
            ),
        );
    }
    let (Some(code), Some(nonce)) = (q.code, q.state) else {
        return (
            StatusCode::BAD_REQUEST,
            page("Not connected", "The link is missing its code or state."),
        );
    };
    match finish(&state, &headers, &platform, &code, &nonce).await {
        Ok(()) => (
            StatusCode::OK,
            page(
                "Connected",
                &format!("{name} is connected. You can close this tab and go back to your chat."),
            ),
        ),
        Err(e) => {
            tracing::warn!(platform, error = %e, "OAuth callback failed");
            (
                StatusCode::BAD_REQUEST,
                page("Not connected", &e.to_string()),
            )
        }
    }
}

async fn finish(
    state: &AppState,
    headers: &HeaderMap,
    platform: &str,
    code: &str,
    nonce: &str,
) -> Result<(), ApiError> {
    let Some((tenant_id, started_for, account_id)) = state
        .store
        .take_oauth_state(nonce, STATE_MAX_AGE_US)
        .await?
    else {
        return Err(ApiError::BadRequest(
            "this sign-in link has expired or was already used; start again".into(),
        ));
    };
    if started_for != platform {
        return Err(ApiError::BadRequest(
            "this sign-in link was started for another platform".into(),
        ));
    }
    let app = app_for(state, platform)?;
    let response = reqwest::Client::new()
        .post(&app.token_url)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &redirect_uri(state, headers, platform)),
            ("client_id", &app.client_id),
            ("client_secret", app.client_secret.expose()),
        ])
        .timeout(std::time::Duration::from_secs(20))
        .send()
        .await
        .map_err(|e| ApiError::BadRequest(format!("could not reach the token endpoint: {e}")))?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let Some(access_token) = body
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|_| status.is_success())
    else {
        let why = body
            .get("error_description")
            .or(body.get("message"))
            .or(body.get("error"))
            .cloned();
        return Err(ApiError::BadRequest(format!(
            "the token exchange was refused ({status}): {}",
            why.map(|v| v.to_string())
                .unwrap_or_else(|| "no reason given".into())
        )));
    };
    let mut credentials = Credentials::new();
    credentials.insert("access_token".into(), access_token.into());
    if let Some(refresh) = body.get("refresh_token").and_then(Value::as_str) {
        credentials.insert("refresh_token".into(), refresh.into());
    }
    if let Some(expires_in) = body.get("expires_in").and_then(Value::as_i64) {
        credentials.insert(
            "expires_at".into(),
            (chrono::Utc::now().timestamp() + expires_in).into(),
        );
    }
    credentials.insert("client_id".into(), app.client_id.clone().into());
    credentials.insert("client_secret".into(), app.client_secret.expose().into());
    let label = format!("{platform} (OAuth)");
    state
        .connections
        .connect(&tenant_id, platform, &account_id, &label, &credentials)
        .await?;
    Ok(())
}
