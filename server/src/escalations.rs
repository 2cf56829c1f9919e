//! The expert side of a hand-off: claiming, relaying both ways, handing back.
//!
//! Every surface (the expert API and console, the Slack and Discord experts channels)
//! calls these, so the conversation's state, the messages stored and what the user
//! sees stay the same whichever surface the expert uses.

use crate::state::AppState;
use omnify_core::{
    ConversationMode, Escalation, EscalationStore, Expert, OutboundEvent, StoreError,
};

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("escalation {0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The next escalation an experts channel posts (Slack's, Discord's): each one the
/// desk opens, re-routes or pages, with a note for the last two. `None` once the desk
/// is gone. `surface` names the channel in the warning when events were missed.
pub async fn next_for_experts_channel(
    events: &mut tokio::sync::broadcast::Receiver<omnify_agent::escalation::DeskEvent>,
    surface: &str,
) -> Option<(Escalation, Option<String>)> {
    use omnify_agent::escalation::DeskEvent;
    use tokio::sync::broadcast::error::RecvError;
    loop {
        let event = match events.recv().await {
            Ok(e) => e,
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, surface, "an experts channel missed desk events");
                continue;
            }
            Err(RecvError::Closed) => return None,
        };
        return Some(match event {
            DeskEvent::Opened(e) => (e, None),
            DeskEvent::Rerouted { escalation, reason } => (
                escalation,
                Some(format!("↪️ Re-routed (not claimed in time): {reason}")),
            ),
            DeskEvent::Paged { escalation, reason } => (
                escalation,
                Some(format!("📟 Nobody available, paging: {reason}")),
            ),
        });
    }
}

/// The escalation, if this expert may see it (they serve its tenant).
pub async fn visible(state: &AppState, expert: &Expert, id: &str) -> Result<Escalation, DeskError> {
    state
        .store
        .escalation(id)
        .await?
        .filter(|e| expert.serves(&e.tenant_id))
        .ok_or_else(|| DeskError::NotFound(id.to_string()))
}

/// Tell the user and store it, so the history shows it too.
async fn announce(
    state: &AppState,
    conversation_id: &str,
    status: &str,
    expert: &Expert,
    message: String,
) -> Result<(), DeskError> {
    state
        .store
        .add_system_message(conversation_id, &message)
        .await?;
    state.hub.publish(
        conversation_id,
        &OutboundEvent::Handoff {
            status: status.into(),
            expert: Some(expert.name.clone()),
            message,
        },
    );
    Ok(())
}

pub async fn claim(state: &AppState, expert: &Expert, id: &str) -> Result<Escalation, DeskError> {
    let escalation = visible(state, expert, id).await?;
    if !state.store.claim(id, &expert.id).await? {
        return Err(DeskError::Conflict(
            "this escalation was already claimed or is closed".into(),
        ));
    }
    state
        .store
        .log_event(id, "claimed", &format!("claimed by {}", expert.name))
        .await?;
    announce(
        state,
        &escalation.conversation_id,
        "joined",
        expert,
        format!("{} joined the conversation.", expert.name),
    )
    .await?;
    visible(state, expert, id).await
}

/// An expert's message, stored and delivered to the user's channel.
pub async fn reply(
    state: &AppState,
    expert: &Expert,
    id: &str,
    text: &str,
) -> Result<String, DeskError> {
    let escalation = held(state, expert, id).await?;
    let message_id = state
        .store
        .add_expert_message(&escalation.conversation_id, &expert.name, text)
        .await?;
    state
        .store
        .log_event(id, "expert_message", &format!("{} replied", expert.name))
        .await?;
    state.hub.publish(
        &escalation.conversation_id,
        &OutboundEvent::ExpertMessage {
            author: expert.name.clone(),
            text: text.to_string(),
        },
    );
    Ok(message_id)
}

/// Hand the conversation back to the bot (or close it) with the expert's summary,
/// which the bot follows from then on.
pub async fn resolve(
    state: &AppState,
    expert: &Expert,
    id: &str,
    summary: &str,
    close: bool,
) -> Result<Escalation, DeskError> {
    let escalation = held(state, expert, id).await?;
    let then = if close {
        ConversationMode::Closed
    } else {
        ConversationMode::Bot
    };
    if !state.store.resolve(id, &expert.id, summary, then).await? {
        return Err(DeskError::Conflict(
            "only the expert who claimed it can resolve it".into(),
        ));
    }
    state
        .store
        .log_event(id, if close { "closed" } else { "resolved" }, summary)
        .await?;
    let message = if close {
        format!("{} closed the conversation.", expert.name)
    } else {
        format!("{} handed the conversation back to Omnify.", expert.name)
    };
    announce(
        state,
        &escalation.conversation_id,
        if close { "closed" } else { "left" },
        expert,
        message,
    )
    .await?;
    visible(state, expert, id).await
}

async fn held(state: &AppState, expert: &Expert, id: &str) -> Result<Escalation, DeskError> {
    let escalation = visible(state, expert, id).await?;
    if escalation.expert_id.as_deref() != Some(expert.id.as_str()) {
        return Err(DeskError::Conflict("claim the escalation first".into()));
    }
    Ok(escalation)
}

/// Re-route escalations nobody claimed in time, every `reroute_interval_secs`.
pub async fn watch_slas(state: AppState) {
    let every =
        std::time::Duration::from_secs(state.settings.escalation.reroute_interval_secs.max(1));
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if let Err(e) = state.desk.reroute_overdue(chrono::Utc::now()).await {
            tracing::error!(error = %e, "re-routing overdue escalations failed");
        }
    }
}
