//! `/omnify ask <question>` and `/omnify report` (a turn, streamed into the question's
//! thread), `/omnify connect [platform]` and `/omnify help` (answered at once, only to
//! the caller).

use super::adapter::api::patiently;
use super::adapter::render::Message;
use super::adapter::stream::PATIENCE;
use super::adapter::{Context, Place, Target};
use super::{DiscordApp, inbound, interaction_event};
use std::sync::Arc;

pub const REPORT_QUESTION: &str = "how did all platforms do last week?";

const HELP: &str = "**Omnify** answers questions about your marketing, and says where every number came from.\n\
• `/omnify ask question:<your question>` — opens a thread with the answer; ask again in that thread to continue\n\
• `/omnify report` — how did all platforms do last week?\n\
• `/omnify connect platform:<name>` — how to connect a platform\n\
• `/omnify help` — this";

/// With the Gateway on, mentions, thread messages and DMs are answered too.
const HELP_GATEWAY: &str = "Or mention me in a channel (`@Omnify how did Meta do last week?`) and I answer in a thread, where you can go on without mentioning me; in a DM just ask.";

/// What `/omnify help` shows.
pub fn help(app: &DiscordApp) -> String {
    if super::gateway::wanted(&app.state.settings.discord) {
        format!("{HELP}\n{HELP_GATEWAY}")
    } else {
        HELP.to_string()
    }
}

/// A thread's title: the question, shortened at a word.
pub(super) fn thread_name(question: &str) -> String {
    let q = question.trim();
    if q.chars().count() <= 90 {
        return q.to_string();
    }
    let cut: String = q.chars().take(90).collect();
    match cut.rfind(' ') {
        Some(i) if i > 40 => format!("{}…", &cut[..i]),
        _ => format!("{cut}…"),
    }
}

/// Answer a question (after the deferred response).
pub async fn ask(app: Arc<DiscordApp>, ctx: Context, question: String) {
    let tenant_id = match app.tenant(ctx.guild_id.as_deref()).await {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "cannot map the Discord guild to a tenant");
            let note = Message::text(format!("Omnify is not set up for this server: {e}"));
            let _ = app.api.edit_original(&ctx.token, &note).await;
            return;
        }
    };
    let here = Target::Interaction {
        token: ctx.token.clone(),
    };
    let event = interaction_event(&ctx.interaction_id);
    // The answer in the interaction's own channel, keyed by it.
    let answer_in_place = |question: String, event: String| async {
        let message = inbound(
            tenant_id.clone(),
            ctx.channel_id.clone(),
            &ctx.user_id,
            question,
            event,
        );
        app.run_turn(here.clone(), message).await;
    };
    if ctx.place != Place::Channel {
        // In a thread or a DM the conversation is already together.
        answer_in_place(question, event).await;
        return;
    }
    // In a channel: the deferred response becomes the question's header and the
    // thread hangs off it, so the answer and what follows stay together.
    let header = Message::text(format!("<@{}> asked: **{}**", ctx.user_id, question));
    let message_id = match patiently(PATIENCE, || app.api.edit_original(&ctx.token, &header)).await
    {
        Ok(id) if !id.is_empty() => id,
        Ok(_) | Err(_) => {
            tracing::warn!("cannot post the question's header; answering in place");
            answer_in_place(question, event).await;
            return;
        }
    };
    // Stored first under the thread's id-to-be (Discord gives a thread on a message
    // that message's id): an interaction replayed after a restart stops here, before
    // a second thread is opened.
    let name = thread_name(&question);
    let message = inbound(
        tenant_id.clone(),
        message_id.clone(),
        &ctx.user_id,
        question,
        event,
    );
    let Some(stored) = app.store_first(&message).await else {
        return;
    };
    let target = open_thread(&app, &ctx.channel_id, &message_id, &name)
        .await
        .unwrap_or(here);
    app.run_stored(target, stored).await;
}

/// Start a thread on a message; `None` (logged) when the bot may not.
pub(super) async fn open_thread(
    app: &DiscordApp,
    channel_id: &str,
    message_id: &str,
    name: &str,
) -> Option<Target> {
    match patiently(PATIENCE, || {
        app.api.start_thread(channel_id, message_id, name)
    })
    .await
    {
        Ok(thread_id) => {
            if thread_id != message_id {
                tracing::warn!(%thread_id, %message_id,
                    "Discord gave the thread an id other than its message's; expert messages may not reach it");
            }
            Some(Target::Channel {
                channel_id: thread_id,
            })
        }
        Err(e) => {
            tracing::warn!(error = %e, channel = %channel_id,
                "cannot open a thread (does the bot have Create Public Threads?); answering in place");
            None
        }
    }
}

/// How to connect: never asks for (or echoes) a secret in Discord.
pub fn connect(app: &DiscordApp, platform: Option<&str>) -> String {
    let known: Vec<&'static str> = crate::connections::platforms::all(&app.state.settings)
        .iter()
        .map(|c| c.key())
        .collect();
    let Some(platform) = platform else {
        return format!(
            "Which platform? `/omnify connect platform:<name>`, one of: {}",
            known.join(", ")
        );
    };
    let Some(key) = known.iter().find(|k| **k == platform) else {
        return format!("I don't know `{platform}`. Platforms: {}", known.join(", "));
    };
    let oauth = if app.state.settings.oauth.contains_key(*key) {
        format!(
            "\n• or with OAuth: `POST /api/v1/connections/oauth/{key}/start` and open the URL it returns"
        )
    } else {
        String::new()
    };
    format!(
        "To connect **{key}**, an admin of your Omnify account uses the API (never paste credentials in Discord):\n\
         • `GET /api/v1/platforms` lists the credentials {key} needs\n\
         • `POST /api/v1/connections` with `{{\"platform\": \"{key}\", \"account\": …, \"credentials\": {{…}}}}` and your admin API key{oauth}\n\
         Omnify tests the connection before saving it and keeps the credentials encrypted."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_names_are_short_and_cut_at_words() {
        assert_eq!(thread_name(" how did Meta do? "), "how did Meta do?");
        let long = "how did every single campaign on Meta and Google and TikTok do compared with the same week last year";
        let name = thread_name(long);
        assert!(name.chars().count() <= 91, "{name}");
        assert!(name.ends_with('…') && !name.ends_with(" …"), "{name}");
    }
}
