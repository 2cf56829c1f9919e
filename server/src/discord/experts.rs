//! The experts channel (`[discord] experts_channel_id`): every escalation the desk
//! opens, re-routes or pages is posted there with Claim / Resolve buttons, and the
//! first post gets a thread — the expert's side of the conversation. What a linked
//! expert (`[discord] expert_users`) writes in that thread reaches the user through
//! `escalations::reply`, exactly like a console reply (`resolve: …` / `close: …` hand
//! the conversation back); what the user writes meanwhile is posted into the thread.
//! Experts can also answer from the Omnify console (or the expert API).

use super::DiscordApp;
use super::adapter::api::patiently;
use super::adapter::gateway::GatewayMessage;
use super::adapter::interaction::Button;
use super::adapter::render::{self, Message};
use super::adapter::stream::PATIENCE;
use super::adapter::{DiscordApiError, Target, stream};
use crate::escalations as desk_ops;
use omnify_adapters::slack::escalation::{ThreadCommand, thread_command};
use omnify_core::{ConversationStore, Escalation, EscalationStore, MessageRole};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The escalation log's entry naming an escalation's Discord thread (its detail is the
/// thread id), so the thread is found again after a restart.
const THREAD_EVENT: &str = "discord_thread";

/// Which threads of the experts channel belong to which escalation: learnt when a
/// thread is opened, or after a restart from the thread's first message (the
/// escalation's post, whose id the thread shares).
#[derive(Default)]
pub struct Threads {
    /// Thread id → escalation id.
    escalations: Mutex<HashMap<String, String>>,
    /// Threads looked up and found to be no escalation's.
    others: Mutex<HashSet<String>>,
    /// (thread, user) pairs already told they cannot answer there.
    told: Mutex<HashSet<(String, String)>>,
}

impl Threads {
    /// The escalation of a thread, if it is known to be one's.
    pub fn escalation_of(&self, thread_id: &str) -> Option<String> {
        self.escalations.lock().ok()?.get(thread_id).cloned()
    }

    fn thread_of(&self, escalation_id: &str) -> Option<String> {
        let map = self.escalations.lock().ok()?;
        map.iter()
            .find(|(_, e)| e.as_str() == escalation_id)
            .map(|(t, _)| t.clone())
    }

    fn remember(&self, thread_id: &str, escalation_id: &str) {
        if let Ok(mut map) = self.escalations.lock() {
            map.insert(thread_id.to_string(), escalation_id.to_string());
        }
    }

    fn is_other(&self, thread_id: &str) -> bool {
        self.others
            .lock()
            .map(|o| o.contains(thread_id))
            .unwrap_or(false)
    }

    fn remember_other(&self, thread_id: &str) {
        if let Ok(mut others) = self.others.lock() {
            if others.len() > 10_000 {
                others.clear();
            }
            others.insert(thread_id.to_string());
        }
    }

    /// True the first time this user is told something in this thread.
    fn first_telling(&self, thread_id: &str, user_id: &str) -> bool {
        self.told
            .lock()
            .map(|mut t| t.insert((thread_id.to_string(), user_id.to_string())))
            .unwrap_or(false)
    }
}

pub async fn watch_desk(app: Arc<DiscordApp>) {
    let channel = app.state.settings.discord.experts_channel_id.clone();
    if channel.is_empty() {
        return;
    }
    let mut events = app.state.desk.subscribe();
    while let Some((escalation, note)) =
        desk_ops::next_for_experts_channel(&mut events, "Discord").await
    {
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
        channel_id: channel.clone(),
    };
    let posted = match stream::post(&app.api, &target, &message).await {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(error = %e, escalation_id = %escalation.id,
                "cannot post the escalation to the Discord experts channel");
            return;
        }
    };
    if thread_of(&app, &escalation.id).await.is_none() {
        open_thread(&app, &channel, &posted, &escalation).await;
    }
}

/// A thread on the escalation's post, where the expert answers the user.
async fn open_thread(app: &DiscordApp, channel: &str, post_id: &str, escalation: &Escalation) {
    let name = super::commands::thread_name(&format!("Escalation: {}", escalation.reason));
    let thread_id = match patiently(PATIENCE, || app.api.start_thread(channel, post_id, &name))
        .await
    {
        Ok(id) => id,
        Err(e) => {
            tracing::warn!(error = %e, escalation_id = %escalation.id,
                "cannot open the escalation's thread (does the bot have Create Public Threads?); experts answer from the console");
            return;
        }
    };
    app.escalation_threads.remember(&thread_id, &escalation.id);
    if let Err(e) = app
        .state
        .store
        .log_event(&escalation.id, THREAD_EVENT, &thread_id)
        .await
    {
        tracing::warn!(error = %e, "cannot record the escalation's Discord thread");
    }
    let hello = Message::text(
        "Claim the escalation, then write here: each message goes to the user. `resolve: <what was decided>` hands the conversation back to the bot; `close: <summary>` closes it.",
    );
    if let Err(e) = stream::post(
        &app.api,
        &Target::Channel {
            channel_id: thread_id,
        },
        &hello,
    )
    .await
    {
        tracing::warn!(error = %e, "cannot explain the escalation's thread");
    }
}

/// The Discord thread of an escalation: remembered, else from the escalation's log.
async fn thread_of(app: &DiscordApp, escalation_id: &str) -> Option<String> {
    if let Some(t) = app.escalation_threads.thread_of(escalation_id) {
        return Some(t);
    }
    let events = app
        .state
        .store
        .escalation_events(escalation_id)
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "cannot read the escalation's log"))
        .ok()?;
    let thread = events
        .into_iter()
        .find(|e| e.kind == THREAD_EVENT)
        .map(|e| e.detail)?;
    app.escalation_threads.remember(&thread, escalation_id);
    Some(thread)
}

/// User messages relayed to the expert → "**User:** …" in the escalation's thread.
pub async fn watch_user_messages(app: Arc<DiscordApp>) {
    if app.state.settings.discord.experts_channel_id.is_empty() {
        return;
    }
    let mut relayed = crate::chat::relayed_messages();
    while let Some(r) = crate::chat::next_relayed(&mut relayed).await {
        let Some(thread) = thread_of(&app, &r.escalation_id).await else {
            continue;
        };
        let Some(text) = r.text(&app.state).await else {
            continue;
        };
        let line = Message::text(render::preview(&format!("**User:** {text}")));
        let target = Target::Channel { channel_id: thread };
        if let Err(e) = stream::post(&app.api, &target, &line).await {
            tracing::warn!(error = %e, "cannot post the user's message in the escalation thread");
        }
    }
}

/// The escalation whose thread a message was written in, for a linked expert's
/// message in a thread nobody remembers (after a restart): the thread shares its id
/// with its first message, the escalation's post in the experts channel, whose
/// buttons name the escalation.
pub async fn escalation_of_thread(app: &DiscordApp, m: &GatewayMessage) -> Option<String> {
    let settings = &app.state.settings.discord;
    let channel = settings.experts_channel_id.as_str();
    if channel.is_empty()
        || m.guild_id.is_none()
        || m.channel_id == channel
        || !settings.expert_users.contains_key(&m.author.id)
        || app.escalation_threads.is_other(&m.channel_id)
    {
        return None;
    }
    let post = match app.api.message(channel, &m.channel_id).await {
        Ok(post) => post,
        Err(DiscordApiError::Api { status: 404, .. }) => {
            app.escalation_threads.remember_other(&m.channel_id);
            return None;
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the thread's first message");
            return None;
        }
    };
    let id = escalation_named_by(&post)?;
    match app.state.store.escalation(&id).await {
        Ok(Some(_)) => {
            app.escalation_threads.remember(&m.channel_id, &id);
            Some(id)
        }
        Ok(None) => {
            app.escalation_threads.remember_other(&m.channel_id);
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the escalation");
            None
        }
    }
}

/// The escalation an experts-channel post is about: its Claim / Resolve buttons,
/// else the id in its text (the buttons go once it is resolved).
fn escalation_named_by(post: &serde_json::Value) -> Option<String> {
    let from_buttons = post["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().into_iter().flatten())
        .filter_map(|b| b["custom_id"].as_str().and_then(Button::parse))
        .find_map(|b| match b {
            Button::Claim(id) | Button::Resolve(id) => Some(id),
            _ => None,
        });
    from_buttons.or_else(|| {
        let content = post["content"].as_str()?;
        let rest = content.split_once("**Escalation** `")?.1;
        let id = rest.split('`').next()?;
        (!id.is_empty()).then(|| id.to_string())
    })
}

/// A message in an escalation's thread: from a linked expert, a reply to the user or
/// `resolve:` / `close:`; from anyone else, nothing (they are told so once).
pub async fn thread_message(app: &DiscordApp, escalation_id: &str, m: &GatewayMessage) {
    let here = Target::Channel {
        channel_id: m.channel_id.clone(),
    };
    let say = |text: String| {
        let here = here.clone();
        async move {
            if let Err(e) = stream::post(&app.api, &here, &Message::text(text)).await {
                tracing::warn!(error = %e, "cannot answer in the escalation thread");
            }
        }
    };
    let expert = match super::buttons::expert_of(app, &m.author.id).await {
        Ok(x) => x,
        Err(problem) => {
            if app
                .escalation_threads
                .first_telling(&m.channel_id, &m.author.id)
            {
                say(format!(
                    "<@{}> {problem} Your messages here are not passed on to the user.",
                    m.author.id
                ))
                .await;
            }
            return;
        }
    };
    let state = &app.state;
    let problem = |e: desk_ops::DeskError| format!("<@{}> Not sent: {e}", m.author.id);
    match thread_command(&m.content) {
        ThreadCommand::Resolve(s) | ThreadCommand::Close(s) if s.is_empty() => {
            say("Say what was decided: `resolve: <summary>` or `close: <summary>`.".into()).await;
        }
        ThreadCommand::Resolve(s) => {
            match desk_ops::resolve(state, &expert, escalation_id, &s, false).await {
                Ok(_) => {
                    say(format!(
                        "✅ Resolved by {}; the bot takes the conversation back and follows this.",
                        expert.name
                    ))
                    .await
                }
                Err(e) => say(problem(e)).await,
            }
        }
        ThreadCommand::Close(s) => {
            match desk_ops::resolve(state, &expert, escalation_id, &s, true).await {
                Ok(_) => say(format!("🔒 Closed by {}.", expert.name)).await,
                Err(e) => say(problem(e)).await,
            }
        }
        ThreadCommand::Reply(text) if text.is_empty() => {}
        ThreadCommand::Reply(text) => {
            if let Err(e) = desk_ops::reply(state, &expert, escalation_id, &text).await {
                say(problem(e)).await;
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_escalation_post_names_its_escalation_by_buttons_or_text() {
        let post = json!({"content": "🆘 **Escalation** `e-1` · user_request",
            "components": [{"type": 1, "components": [
                {"type": 2, "custom_id": "omnify:claim:e-1"},
                {"type": 2, "custom_id": "omnify:resolve:e-1"}]}]});
        assert_eq!(escalation_named_by(&post).as_deref(), Some("e-1"));
        // Resolved: the buttons are gone, the text still says which.
        let resolved = json!({"content": "🆘 **Escalation** `e-2` · …\n\n✅ Resolved by Ana.", "components": []});
        assert_eq!(escalation_named_by(&resolved).as_deref(), Some("e-2"));
        let other = json!({"content": "lunch?", "components": [{"type": 1, "components": [
            {"type": 2, "custom_id": "omnify:confirm:a-1"}]}]});
        assert_eq!(escalation_named_by(&other), None);
    }
}
