//! What the bot answers over the Gateway: a message that mentions it (or replies to
//! it) in a channel opens a thread on that message and is answered there; a message in
//! a thread that is a conversation (any thread Omnify opened, found by its key in the
//! store) continues it without a mention; a DM is answered in the DM. Experts' messages
//! in escalation threads go to `experts`. The bot's own messages, other bots' and
//! system notices are ignored.
//!
//! Every message is stored first, idempotent on its id: a message Discord sends again
//! (a resumed session replays what it thinks we missed) is never answered twice, and
//! its thread is never opened twice.

use super::adapter::Target;
use super::adapter::gateway::GatewayMessage;
use super::adapter::render::Message;
use super::{DiscordApp, commands, experts, inbound, message_event};
use omnify_core::ChannelKind;
use std::sync::Arc;

/// What a bare mention gets: how to ask.
const HOW_TO_ASK: &str = "Ask me after the mention, e.g. `@Omnify how did Meta do last week?` — I'll answer in a thread.";

/// A `MESSAGE_CREATE`; `bot` is the bot's own user id.
pub async fn received(app: Arc<DiscordApp>, bot: Arc<str>, m: GatewayMessage) {
    if m.author.id == *bot || !m.from_a_person() {
        return;
    }
    if let Some(escalation_id) = app.escalation_threads.escalation_of(&m.channel_id) {
        experts::thread_message(&app, &escalation_id, &m).await;
        return;
    }
    let tenant_id = match app.tenant(m.guild_id.as_deref()).await {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, guild = ?m.guild_id, "cannot map the Discord guild to a tenant");
            return;
        }
    };
    let question = m.text_without_mention(&bot);
    if m.guild_id.is_none() {
        // A DM: the DM channel is the conversation.
        continue_in(&app, tenant_id, &m, question).await;
        return;
    }
    let known = app
        .state
        .store
        .conversation_by_key(&tenant_id, ChannelKind::Discord, &m.channel_id)
        .await;
    match known {
        Ok(Some(_)) => return continue_in(&app, tenant_id, &m, question).await,
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "cannot look up the Discord conversation");
            return;
        }
    }
    if let Some(escalation_id) = experts::escalation_of_thread(&app, &m).await {
        experts::thread_message(&app, &escalation_id, &m).await;
        return;
    }
    if m.addresses(&bot) {
        start_in_thread(&app, tenant_id, &m, question).await;
    }
}

/// A message in a conversation's own channel (its thread, or a DM).
async fn continue_in(app: &DiscordApp, tenant_id: String, m: &GatewayMessage, question: String) {
    if question.is_empty() {
        return;
    }
    let key = m.channel_id.clone();
    let message = inbound(
        tenant_id,
        key.clone(),
        &m.author.id,
        question,
        message_event(&m.id),
    );
    let Some(stored) = app.store_first(&message).await else {
        return;
    };
    app.run_stored(Target::Channel { channel_id: key }, stored)
        .await;
}

/// A mention in a channel: a thread on the message, named after the question, and
/// the answer in it. The conversation's key is the thread's id, which Discord makes
/// the message's: the message is stored before the thread is opened.
async fn start_in_thread(
    app: &DiscordApp,
    tenant_id: String,
    m: &GatewayMessage,
    question: String,
) {
    let here = Target::Channel {
        channel_id: m.channel_id.clone(),
    };
    if question.is_empty() {
        if app.first_sight(&message_event(&m.id)) {
            let _ = super::stream::post(&app.api, &here, &Message::text(HOW_TO_ASK)).await;
        }
        return;
    }
    let name = commands::thread_name(&question);
    let message = inbound(
        tenant_id,
        m.id.clone(),
        &m.author.id,
        question,
        message_event(&m.id),
    );
    let Some(stored) = app.store_first(&message).await else {
        return;
    };
    let target = commands::open_thread(app, &m.channel_id, &m.id, &name)
        .await
        .unwrap_or(here);
    app.run_stored(target, stored).await;
}
