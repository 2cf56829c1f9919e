//! The experts channel (`[discord] experts_channel_id`): every escalation the desk
//! opens, re-routes or pages is posted there with Claim / Resolve buttons. Experts
//! answer the user from the Omnify console (or the expert API); their messages reach
//! the user's Discord thread through the relay.

use super::DiscordApp;
use super::adapter::render::{self, Message};
use super::adapter::{Target, stream};
use omnify_agent::escalation::DeskEvent;
use omnify_core::{ConversationStore, Escalation, MessageRole};
use std::sync::Arc;

pub async fn watch_desk(app: Arc<DiscordApp>) {
    let channel = app.state.settings.discord.experts_channel_id.clone();
    if channel.is_empty() {
        return;
    }
    let mut events = app.state.desk.subscribe();
    loop {
        let event = match events.recv().await {
            Ok(e) => e,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "the Discord experts channel missed desk events");
                continue;
            }
            Err(_) => return,
        };
        let (escalation, note) = match event {
            DeskEvent::Opened(e) => (e, None),
            DeskEvent::Rerouted { escalation, reason } => (
                escalation,
                Some(format!("↪️ Re-routed (not claimed in time): {reason}")),
            ),
            DeskEvent::Paged { escalation, reason } => (
                escalation,
                Some(format!("📟 Nobody available, paging: {reason}")),
            ),
        };
        tokio::spawn(post_summary(app.clone(), channel.clone(), escalation, note));
    }
}

async fn post_summary(
    app: Arc<DiscordApp>,
    channel: String,
    escalation: Escalation,
    note: Option<String>,
) {
    // The desk opens escalations mid-turn: wait for the turn to end, so the summary
    // shows the user's latest words.
    drop(
        app.state
            .turn_locks
            .get(&escalation.conversation_id)
            .lock()
            .await,
    );
    let asked = match app.state.store.history(&escalation.conversation_id).await {
        Ok(h) => h
            .into_iter()
            .rfind(|m| m.role == MessageRole::User)
            .map(|m| format!("{}: {}", m.author, m.text)),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the escalated conversation");
            None
        }
    };
    let message = Message {
        content: render::preview(&summary(&escalation, asked.as_deref(), note.as_deref())),
        components: vec![render::expert_buttons(&escalation.id)],
        ..Default::default()
    };
    let target = Target::Channel {
        channel_id: channel,
    };
    if let Err(e) = stream::post(&app.api, &target, &message).await {
        tracing::error!(error = %e, escalation_id = %escalation.id,
            "cannot post the escalation to the Discord experts channel");
    }
}

fn summary(e: &Escalation, asked: Option<&str>, note: Option<&str>) -> String {
    let due = chrono::DateTime::from_timestamp_micros(e.sla_due_at)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    let mut text = format!(
        "🆘 **Escalation** `{}` · {} · {} urgency · claim by {due}\n**Why:** {}",
        e.id,
        e.kind.as_str(),
        e.urgency.as_str(),
        e.reason
    );
    if let Some(asked) = asked {
        text.push_str(&format!("\n**Last message:** {asked}"));
    }
    if let Some(note) = note {
        text.push_str(&format!("\n{note}"));
    }
    text
}
