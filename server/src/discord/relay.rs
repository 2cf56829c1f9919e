//! Expert messages and hand-off notices of Discord conversations, posted into the
//! user's thread (or DM) with the bot token — the interaction that started the
//! conversation may be long expired. The hub hands every published event to this
//! watcher, which keeps those whose conversation lives on Discord.

use super::adapter::render::Message;
use super::adapter::{Target, stream};
use super::{DiscordApp, channel_of};
use omnify_core::{ChannelKind, OutboundEvent};
use std::sync::Arc;

pub async fn run(app: Arc<DiscordApp>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    app.state.hub.watch(tx);
    while let Some((conversation_id, event)) = rx.recv().await {
        let Some(text) = relayed_text(&event) else {
            continue;
        };
        let Some(target) = discord_target(&app, &conversation_id).await else {
            continue;
        };
        if let Err(e) = stream::post(&app.api, &target, &Message::text(text)).await {
            tracing::error!(error = %e, %conversation_id, "cannot relay to the Discord thread");
        }
    }
}

/// What an event says in the thread, if it is relayed at all.
fn relayed_text(event: &OutboundEvent) -> Option<String> {
    match event {
        OutboundEvent::ExpertMessage { author, text } => Some(super::adapter::render::preview(
            &format!("**{author} (expert):** {text}"),
        )),
        OutboundEvent::Handoff { message, .. } => Some(message.clone()),
        _ => None,
    }
}

/// The channel of a conversation, if it lives on Discord.
async fn discord_target(app: &DiscordApp, conversation_id: &str) -> Option<Target> {
    let (_, channel, key) = app
        .state
        .store
        .conversation_route(conversation_id)
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "cannot read the conversation"))
        .ok()??;
    if channel != ChannelKind::Discord.as_str() {
        return None;
    }
    Some(Target::Channel {
        channel_id: channel_of(&key).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expert_messages_and_handoffs_are_relayed_and_nothing_else() {
        let m = OutboundEvent::ExpertMessage {
            author: "Ana".into(),
            text: "Looking now.".into(),
        };
        assert_eq!(
            relayed_text(&m).as_deref(),
            Some("**Ana (expert):** Looking now.")
        );
        let d = OutboundEvent::Delta { text: "x".into() };
        assert_eq!(relayed_text(&d), None);
    }
}
