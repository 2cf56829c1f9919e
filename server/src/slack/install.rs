//! OAuth v2 installs into many workspaces: `GET /slack/install` sends the installer to
//! Slack with a single-use `state`; `GET /slack/oauth/callback` exchanges the code for
//! the workspace's bot token, seals it (bound to the team id) and maps the team to a
//! tenant — a new one named after the team the first time.

use super::SlackApp;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use omnify_core::Secret;
use omnify_store::SlackInstallation;
use serde::Deserialize;
use std::sync::Arc;

pub const AUTHORIZE_URL: &str = "https://slack.com/oauth/v2/authorize";
/// How long an install may take between the redirect and the callback.
const STATE_MAX_AGE_US: i64 = 10 * 60 * 1_000_000;

/// The sealing context of a workspace's bot token.
pub fn token_context(team_id: &str) -> String {
    format!("slack_installation:{team_id}")
}

fn redirect_uri(app: &SlackApp, headers: &HeaderMap) -> String {
    let settings = &app.state.settings;
    if !settings.slack.redirect_uri.is_empty() {
        return settings.slack.redirect_uri.clone();
    }
    let base = if settings.server.public_url.is_empty() {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("https://{host}")
    } else {
        settings.server.public_url.trim_end_matches('/').to_string()
    };
    format!("{base}/slack/oauth/callback")
}

/// Percent-encoding for a query value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn install(State(app): State<Arc<SlackApp>>, headers: HeaderMap) -> Response {
    let settings = &app.state.settings.slack;
    if settings.client_id.is_empty() || settings.client_secret.expose().is_empty() {
        return super::error(
            StatusCode::NOT_FOUND,
            "not_found",
            "OAuth installs need [slack] client_id and client_secret",
        );
    }
    let state = uuid::Uuid::new_v4().simple().to_string();
    if let Err(e) = app.state.store.save_slack_oauth_state(&state).await {
        tracing::error!(error = %e, "cannot store the install state");
        return super::error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "try again");
    }
    let url = format!(
        "{AUTHORIZE_URL}?client_id={}&scope={}&state={}&redirect_uri={}",
        enc(&settings.client_id),
        enc(&settings.scopes),
        enc(&state),
        enc(&redirect_uri(&app, &headers)),
    );
    Redirect::to(&url).into_response()
}

#[derive(Debug, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    State(app): State<Arc<SlackApp>>,
    headers: HeaderMap,
    Query(q): Query<Callback>,
) -> Response {
    if let Some(e) = q.error {
        return super::error(
            StatusCode::BAD_REQUEST,
            "install_cancelled",
            &format!("Slack did not install the app: {e}"),
        );
    }
    let (Some(code), Some(state)) = (q.code, q.state) else {
        return super::error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "missing code or state",
        );
    };
    match app
        .state
        .store
        .take_slack_oauth_state(&state, STATE_MAX_AGE_US)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return super::error(
                StatusCode::BAD_REQUEST,
                "bad_state",
                "this install link expired or was already used; start again at /slack/install",
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot check the install state");
            return super::error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "try again");
        }
    }
    match complete(&app, &code, &redirect_uri(&app, &headers)).await {
        Ok((team, tenant)) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"installed": true, "team": team, "tenant_id": tenant})),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "Slack install failed");
            super::error(StatusCode::BAD_GATEWAY, "install_failed", &e.to_string())
        }
    }
}

/// Exchange the code, seal and store the token; `(team name, tenant id)`.
async fn complete(
    app: &SlackApp,
    code: &str,
    redirect_uri: &str,
) -> anyhow::Result<(String, String)> {
    let settings = &app.state.settings.slack;
    let installed = app
        .api
        .oauth_v2_access(
            &settings.client_id,
            settings.client_secret.expose(),
            code,
            Some(redirect_uri),
        )
        .await?;
    let store = &app.state.store;
    let tenant_id = match store.slack_installation(&installed.team_id).await? {
        Some(existing) => existing.tenant_id,
        None => {
            let name = if installed.team_name.trim().is_empty() {
                installed.team_id.clone()
            } else {
                installed.team_name.clone()
            };
            store.create_tenant(&name).await?.id
        }
    };
    let sealed = app.secret_box.seal(
        &Secret::new(installed.bot_token.clone()),
        &token_context(&installed.team_id),
    )?;
    store
        .save_slack_installation(&SlackInstallation {
            team_id: installed.team_id.clone(),
            tenant_id: tenant_id.clone(),
            bot_user_id: installed.bot_user_id.clone(),
            sealed_token: sealed,
            installed_at: chrono::Utc::now().timestamp_micros(),
        })
        .await?;
    app.workspaces.remove(&installed.team_id);
    tracing::info!(team_id = %installed.team_id, %tenant_id, "Slack workspace installed");
    Ok((installed.team_name, tenant_id))
}
