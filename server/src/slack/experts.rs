//! The experts channel (`[slack] experts_channel`): every escalation the desk opens,
//! re-routes or pages is posted there as a summary with Claim / Resolve / Return
//! buttons; the summary's thread is the expert's side of the conversation. What the
//! expert writes there reaches the user (through `escalations::reply`, in the user's
//! own channel); what the user writes meanwhile is posted into the thread.

use super::SlackApp;
use super::adapter::escalation::{self as summary, Status, Summary, ThreadCommand};
use super::adapter::{Event, MessageBody, ToolUse};
use crate::escalations::{self as desk_ops, DeskError};
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use omnify_core::{
    ConversationStore, Escalation, EscalationStatus, EscalationStore, Expert, MessageRole,
};
use omnify_store::SlackThread;
use serde_json::json;
use std::sync::Arc;

pub const RETURNED: &str = "Returned to the bot without changes";

/// Post each escalation the desk opens, re-routes or pages.
pub async fn watch_desk(app: Arc<SlackApp>) {
    let mut events = app.state.desk.subscribe();
    while let Some((escalation, note)) =
        desk_ops::next_for_experts_channel(&mut events, "Slack").await
    {
        tokio::spawn(post_summary(app.clone(), escalation, note));
    }
}

/// User messages relayed to the expert → "*User:* …" in the escalation's thread.
pub async fn watch_user_messages(app: Arc<SlackApp>) {
    let mut relayed = crate::chat::relayed_messages();
    while let Some(r) = crate::chat::next_relayed(&mut relayed).await {
        let Ok(Some(thread)) = app.state.store.slack_thread_of(&r.escalation_id).await else {
            continue;
        };
        let Some(text) = r.text(&app.state).await else {
            continue;
        };
        let line = format!("*User:* {}", summary::escape(&text));
        post_in(&app, &thread, line).await;
    }
}

async fn post_in(app: &SlackApp, thread: &SlackThread, text: String) {
    let body = MessageBody {
        channel: thread.channel.clone(),
        thread_ts: Some(thread.ts.clone()),
        text: text.clone(),
        blocks: vec![
            json!({"type": "section", "text": {"type": "mrkdwn", "text": super::adapter::render::preview(&text)}}),
        ],
        ..Default::default()
    };
    if let Err(e) = app.api.post_message_patiently(&body, 5).await {
        tracing::error!(error = %e, "cannot post in the escalation thread");
    }
}

async fn post_summary(app: Arc<SlackApp>, escalation: Escalation, note: Option<String>) {
    let channel = app.state.settings.slack.experts_channel.clone();
    if channel.is_empty() {
        return;
    }
    // The desk opens escalations mid-turn: wait for the turn to end, so the summary
    // shows its messages and the data it used.
    drop(
        app.state
            .turn_locks
            .get(&escalation.conversation_id)
            .lock()
            .await,
    );
    let existing = app
        .state
        .store
        .slack_thread_of(&escalation.id)
        .await
        .ok()
        .flatten();
    let s = match build(&app, &escalation.id, note.clone()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, escalation_id = %escalation.id, "cannot summarise the escalation");
            return;
        }
    };
    if let Some(thread) = existing {
        update(&app, &thread, &s).await;
        if let Some(note) = note {
            let mention = s.routed_to.clone().unwrap_or_default();
            post_in(
                &app,
                &thread,
                format!("{} {mention}", summary::escape(&note)),
            )
            .await;
        }
        return;
    }
    let body = MessageBody {
        channel: channel.clone(),
        text: s.text(),
        blocks: s.blocks(),
        ..Default::default()
    };
    match app.api.post_message_patiently(&body, 5).await {
        Ok(ts) => {
            let thread = SlackThread {
                escalation_id: escalation.id.clone(),
                channel,
                ts,
            };
            if let Err(e) = app.state.store.save_slack_thread(&thread).await {
                tracing::error!(error = %e, "cannot remember the escalation's Slack thread");
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot post the escalation to the experts channel"),
    }
}

/// The summary of an escalation as it stands now.
async fn build(app: &SlackApp, id: &str, note: Option<String>) -> anyhow::Result<Summary> {
    let store = &app.state.store;
    let e = store
        .escalation(id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("escalation {id} not found"))?;
    let tenant = store
        .tenant(&e.tenant_id)
        .await?
        .map(|t| t.name)
        .unwrap_or_else(|| e.tenant_id.clone());
    let history = store.history(&e.conversation_id).await?;
    let channel = store
        .conversation_route(&e.conversation_id)
        .await?
        .map(|(_, channel, _)| channel)
        .unwrap_or_default();
    let who = history
        .iter()
        .find(|m| m.role == MessageRole::User)
        .map(|m| format!("{} ({channel})", m.author))
        .unwrap_or_else(|| channel.clone());
    let expert_label = |x: &Expert| match &x.slack_user_id {
        Some(u) => format!("<@{u}>"),
        None => summary::escape(&x.name),
    };
    let routed_to = match &e.assigned_expert_id {
        Some(x) => store.expert(x).await?.map(|x| expert_label(&x)),
        None => None,
    };
    let holder = match &e.expert_id {
        Some(x) => store.expert(x).await?.map(|x| x.name),
        None => None,
    }
    .unwrap_or_else(|| "an expert".into());
    let resolution = e.resolution.clone().unwrap_or_default();
    let status = match e.status {
        EscalationStatus::Waiting => Status::Waiting,
        EscalationStatus::Claimed => Status::Claimed { by: holder },
        EscalationStatus::Resolved => Status::Resolved {
            by: holder,
            summary: resolution,
        },
        _ => Status::Closed {
            by: holder,
            summary: resolution,
        },
    };
    let messages = history
        .iter()
        .map(|m| {
            let who = match m.role {
                MessageRole::User => "User".to_string(),
                MessageRole::Expert => format!("{} (expert)", m.author),
                _ => "Omnify".to_string(),
            };
            (who, m.text.clone())
        })
        .collect();
    let tools = store
        .tool_calls(&e.conversation_id)
        .await?
        .iter()
        .map(ToolUse::from)
        .collect();
    let sla_due = chrono::DateTime::from_timestamp_micros(e.sla_due_at)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    Ok(Summary {
        escalation_id: e.id.clone(),
        kind: e.kind.as_str().to_string(),
        urgency: e.urgency.as_str().to_string(),
        tenant,
        who,
        skill: e.skill.clone(),
        routed_to,
        reason: e.reason.clone(),
        sla_due,
        note,
        messages,
        tools,
        status,
    })
}

async fn update(app: &SlackApp, thread: &SlackThread, s: &Summary) {
    let body = MessageBody {
        channel: thread.channel.clone(),
        ts: Some(thread.ts.clone()),
        text: s.text(),
        blocks: s.blocks(),
        ..Default::default()
    };
    if let Err(e) = app.api.update_message_patiently(&body, 5).await {
        tracing::error!(error = %e, "cannot update the escalation summary");
    }
}

/// Re-render the summary after a claim or resolution.
async fn refresh(app: &SlackApp, escalation_id: &str) {
    let Ok(Some(thread)) = app.state.store.slack_thread_of(escalation_id).await else {
        return;
    };
    match build(app, escalation_id, None).await {
        Ok(s) => update(app, &thread, &s).await,
        Err(e) => tracing::warn!(error = %e, "cannot refresh the escalation summary"),
    }
}

/// Only the clicking (or writing) user sees it.
async fn hint(app: &SlackApp, channel: &str, user: &str, thread_ts: Option<&str>, text: &str) {
    if let Err(e) = app.api.post_ephemeral(channel, user, thread_ts, text).await {
        tracing::warn!(error = %e, "cannot post an ephemeral hint");
    }
}

async fn expert_for(app: &SlackApp, channel: &str, user: &str) -> Option<Expert> {
    match app.state.store.expert_by_slack_user(user).await {
        Ok(Some(x)) => Some(x),
        Ok(None) => {
            hint(app, channel, user, None, "Your Slack user is not linked to an Omnify expert. An admin links it with `PUT /api/v1/experts/{id}/slack {\"slack_user_id\": \"U…\"}`.").await;
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot look up the expert");
            None
        }
    }
}

fn problem(e: &DeskError) -> String {
    format!("Nothing changed: {e}")
}

/// A Claim / Resolve / Return button in the experts channel.
pub async fn button(
    app: Arc<SlackApp>,
    user: String,
    channel: String,
    action_id: String,
    id: String,
) {
    let Some(expert) = expert_for(&app, &channel, &user).await else {
        return;
    };
    let state = &app.state;
    let result = match action_id.as_str() {
        summary::CLAIM => desk_ops::claim(state, &expert, &id).await.map(|_| ()),
        summary::RESOLVE => {
            let last = match desk_ops::visible(state, &expert, &id).await {
                Ok(e) => last_reply(&app, &e, &expert).await,
                Err(e) => return hint(&app, &channel, &user, None, &problem(&e)).await,
            };
            match last {
                Some(text) => desk_ops::resolve(state, &expert, &id, &text, false)
                    .await
                    .map(|_| ()),
                None => {
                    return hint(&app, &channel, &user, None, "To resolve, reply in the thread with `resolve: <summary>` (what was decided; the bot follows it from then on).").await;
                }
            }
        }
        summary::RETURN => {
            let claimed = match desk_ops::visible(state, &expert, &id).await {
                Ok(e) if e.expert_id.is_none() => {
                    desk_ops::claim(state, &expert, &id).await.map(|_| ())
                }
                Ok(_) => Ok(()),
                Err(e) => Err(e),
            };
            match claimed {
                Ok(()) => desk_ops::resolve(state, &expert, &id, RETURNED, false)
                    .await
                    .map(|_| ()),
                Err(e) => Err(e),
            }
        }
        _ => return,
    };
    match result {
        Ok(()) => refresh(&app, &id).await,
        Err(e) => hint(&app, &channel, &user, None, &problem(&e)).await,
    }
}

/// The expert's last message to the user since they claimed it, if any.
async fn last_reply(app: &SlackApp, e: &Escalation, expert: &Expert) -> Option<String> {
    if e.expert_id.as_deref() != Some(expert.id.as_str()) {
        return None;
    }
    let history = app.state.store.history(&e.conversation_id).await.ok()?;
    history
        .into_iter()
        .rfind(|m| {
            m.role == MessageRole::Expert
                && m.author == expert.name
                && m.created_at_us >= e.created_at
        })
        .map(|m| m.text)
}

/// Whether a message event is in an escalation thread of the experts channel.
pub fn in_experts_thread(app: &SlackApp, e: &Event) -> bool {
    let channel = &app.state.settings.slack.experts_channel;
    !channel.is_empty()
        && e.channel == *channel
        && e.kind == "message"
        && e.thread_ts.as_deref().is_some_and(|t| t != e.ts)
        && e.bot_id.is_none()
        && e.subtype.is_none()
        && e.user.is_some()
}

/// An expert wrote in an escalation's thread: a command, or a message for the user.
pub async fn thread_message(app: Arc<SlackApp>, e: Event) {
    let (Some(user), Some(thread_ts)) = (e.user.clone(), e.thread_ts.clone()) else {
        return;
    };
    let thread = match app
        .state
        .store
        .slack_thread_at(&e.channel, &thread_ts)
        .await
    {
        Ok(Some(t)) => t,
        Ok(None) => return,
        Err(err) => {
            tracing::error!(error = %err, "cannot look up the escalation thread");
            return;
        }
    };
    let Some(expert) = expert_for(&app, &e.channel, &user).await else {
        return;
    };
    let id = thread.escalation_id.as_str();
    let state = &app.state;
    let result = match summary::thread_command(&e.text) {
        ThreadCommand::Resolve(s) | ThreadCommand::Close(s) if s.is_empty() => {
            return hint(
                &app,
                &e.channel,
                &user,
                Some(&thread_ts),
                "Say what was decided: `resolve: <summary>` or `close: <summary>`.",
            )
            .await;
        }
        ThreadCommand::Resolve(s) => desk_ops::resolve(state, &expert, id, &s, false)
            .await
            .map(|_| true),
        ThreadCommand::Close(s) => desk_ops::resolve(state, &expert, id, &s, true)
            .await
            .map(|_| true),
        ThreadCommand::Reply(text) if text.is_empty() => return,
        ThreadCommand::Reply(text) => desk_ops::reply(state, &expert, id, &text)
            .await
            .map(|_| false),
    };
    match result {
        Ok(true) => refresh(&app, id).await,
        Ok(false) => {}
        Err(err) => hint(&app, &e.channel, &user, Some(&thread_ts), &problem(&err)).await,
    }
}

/// `PUT /api/v1/experts/{id}/slack {"slack_user_id": "U…"}` (tenant admin): link an
/// expert to their Slack user, so their clicks and thread replies in the experts
/// channel act as them. `null` unlinks.
pub async fn link(
    State(app): State<Arc<SlackApp>>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    use axum::extract::FromRequestParts;
    let (mut parts, body) = request.into_parts();
    let admin =
        match crate::api::auth::AdminCaller::from_request_parts(&mut parts, &app.state).await {
            Ok(crate::api::auth::AdminCaller(a)) => a,
            Err(e) => return e.into_response(),
        };
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return super::error(StatusCode::BAD_REQUEST, "bad_request", "unreadable body");
    };
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Link {
        slack_user_id: Option<String>,
    }
    let link: Link = match serde_json::from_slice(&bytes) {
        Ok(l) => l,
        Err(e) => {
            return super::error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                &format!("expected {{\"slack_user_id\": \"U…\"}}: {e}"),
            );
        }
    };
    let slack_user = link
        .slack_user_id
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    if slack_user
        .as_deref()
        .is_some_and(|u| !u.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return super::error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "slack_user_id is a Slack user id like U012AB3CD",
        );
    }
    let store = &app.state.store;
    let expert = match store.expert(&id).await {
        Ok(Some(x)) if x.tenants.contains(&admin.tenant_id) => x,
        Ok(_) => {
            return super::error(
                StatusCode::NOT_FOUND,
                "not_found",
                &format!("expert {id} not found"),
            );
        }
        Err(e) => return crate::api::error::ApiError::from(e).into_response(),
    };
    if let Err(e) = store
        .set_expert_slack_user(&expert.id, slack_user.as_deref())
        .await
    {
        return crate::api::error::ApiError::from(e).into_response();
    }
    match store.expert(&id).await {
        Ok(Some(x)) => axum::Json(json!({"expert": x})).into_response(),
        Ok(None) => super::error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("expert {id} not found"),
        ),
        Err(e) => crate::api::error::ApiError::from(e).into_response(),
    }
}
