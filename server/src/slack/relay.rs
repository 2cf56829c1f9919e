//! Expert messages and hand-off notices of Slack conversations, posted into the
//! user's thread: the hub hands every published event to this watcher, which keeps
//! those whose conversation lives on Slack.

use super::SlackApp;
use super::adapter::{Thread, render, stream};
use omnify_core::OutboundEvent;
use std::sync::Arc;

pub async fn run(app: Arc<SlackApp>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    app.state.hub.watch(tx);
    while let Some((conversation_id, event)) = rx.recv().await {
        let (text, blocks) = match &event {
            OutboundEvent::ExpertMessage { author, text } => {
                let line = format!("*{author} (expert):* {text}");
                (line.clone(), render::mrkdwn_sections(&line))
            }
            OutboundEvent::Handoff { message, .. } => {
                (message.clone(), vec![render::plain_section(message)])
            }
            _ => continue,
        };
        let Some((tenant_id, thread)) = slack_thread(&app, &conversation_id).await else {
            continue;
        };
        app.remember(&tenant_id, &thread);
        let api = app.api_for_tenant(&tenant_id).await;
        if let Err(e) = stream::post_in_thread(&api, &thread, text, blocks).await {
            tracing::error!(error = %e, %conversation_id, "cannot relay to the Slack thread");
        }
    }
}

/// The tenant and Slack thread of a conversation, if it lives on Slack.
async fn slack_thread(app: &SlackApp, conversation_id: &str) -> Option<(String, Thread)> {
    let (tenant_id, channel, key) = app
        .state
        .store
        .conversation_route(conversation_id)
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "cannot read the conversation"))
        .ok()??;
    if channel != omnify_core::ChannelKind::Slack.as_str() {
        return None;
    }
    Some((tenant_id, Thread::from_key(&key)?))
}
