//! `POST /slack/interactions` (or an `interactive` Socket Mode envelope): the Confirm /
//! Cancel buttons of a proposed action, and the experts' buttons. Slack gets its ack at
//! once; the action runs after, and the message is updated with the outcome.

use super::adapter::{Accepted, MessageBody, render};
use super::{SlackApp, form};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use omnify_core::ActionStatus;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
struct Form {
    payload: String,
}

/// An interaction payload: the `payload` field's JSON over HTTP, the envelope's
/// `payload` over Socket Mode.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Payload {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    user: Id,
    #[serde(default)]
    channel: Id,
    #[serde(default)]
    container: Container,
    #[serde(default)]
    actions: Vec<Action>,
}

#[derive(Debug, Default, Deserialize)]
struct Id {
    #[serde(default)]
    id: String,
}

#[derive(Debug, Default, Deserialize)]
struct Container {
    #[serde(default)]
    message_ts: Option<String>,
    #[serde(default)]
    channel_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Action {
    action_id: String,
    #[serde(default)]
    value: String,
}

pub async fn handle(State(app): State<Arc<SlackApp>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = app.verify(&headers, &body) {
        return refused;
    }
    let form: Form = match form(body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let payload: Payload = match serde_json::from_str(&form.payload) {
        Ok(p) => p,
        Err(e) => {
            return super::error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                &format!("bad interaction payload: {e}"),
            );
        }
    };
    super::respond(accept(app, payload))
}

/// An authenticated interaction: button clicks are acted on after the ack.
pub(super) fn accept(app: Arc<SlackApp>, payload: Payload) -> Accepted {
    if payload.kind == "block_actions" {
        Accepted::work(act(app, payload))
    } else {
        Accepted::nothing()
    }
}

async fn act(app: Arc<SlackApp>, payload: Payload) {
    let tenant = match app.tenant().await {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "cannot map the Slack workspace to a tenant");
            return;
        }
    };
    let actor = format!("slack:{}", payload.user.id);
    for action in &payload.actions {
        let result = match action.action_id.as_str() {
            super::adapter::escalation::CLAIM
            | super::adapter::escalation::RESOLVE
            | super::adapter::escalation::RETURN => {
                let channel = payload
                    .container
                    .channel_id
                    .clone()
                    .unwrap_or_else(|| payload.channel.id.clone());
                super::experts::button(
                    app.clone(),
                    payload.user.id.clone(),
                    channel,
                    action.action_id.clone(),
                    action.value.clone(),
                )
                .await;
                continue;
            }
            render::CONFIRM_ACTION => {
                app.state
                    .approvals
                    .confirm(&tenant, &action.value, &actor)
                    .await
            }
            render::CANCEL_ACTION => {
                app.state
                    .approvals
                    .cancel(&tenant, &action.value, &actor)
                    .await
            }
            _ => continue,
        };
        let text = match &result {
            Ok(a) => outcome(&payload.user.id, a.status, a.result.as_deref()),
            Err(e) => format!("Nothing changed: {e}"),
        };
        let channel = payload
            .container
            .channel_id
            .clone()
            .unwrap_or_else(|| payload.channel.id.clone());
        let Some(ts) = payload.container.message_ts.clone() else {
            continue;
        };
        let body = MessageBody {
            channel,
            ts: Some(ts),
            text: text.clone(),
            blocks: vec![render::plain_section(&text)],
            ..Default::default()
        };
        if let Err(e) = app.api.update_message_patiently(&body, 5).await {
            tracing::error!(error = %e, "cannot update the proposal in Slack");
        }
    }
}

fn outcome(user: &str, status: ActionStatus, result: Option<&str>) -> String {
    let what = match status {
        ActionStatus::Executed => "✅ Done",
        ActionStatus::AwaitingExpert => {
            "⏳ Confirmed; an expert must approve it too before it runs"
        }
        ActionStatus::Cancelled => "✖️ Cancelled",
        ActionStatus::Failed => "⚠️ It failed",
        ActionStatus::Rejected => "✖️ An expert rejected it",
        _ => "Confirmed",
    };
    let by = format!(" (by slack user {user})");
    match result {
        Some(r) if !r.is_empty() => format!("{what}{by}: {r}"),
        _ => format!("{what}{by}."),
    }
}
