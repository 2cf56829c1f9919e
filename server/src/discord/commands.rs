//! `/omnify ask <question>` and `/omnify report` (a turn, streamed into the question's
//! thread), `/omnify connect [platform]` and `/omnify help` (answered at once, only to
//! the caller).

use super::adapter::api::patiently;
use super::adapter::render::Message;
use super::adapter::stream::PATIENCE;
use super::adapter::{Context, Place, Target};
use super::{DiscordApp, inbound};
use std::sync::Arc;

pub const REPORT_QUESTION: &str = "how did all platforms do last week?";

pub const HELP: &str = "**Omnify** answers questions about your marketing, and says where every number came from.\n\
• `/omnify ask question:<your question>` — opens a thread with the answer; ask again in that thread to continue\n\
• `/omnify report` — how did all platforms do last week?\n\
• `/omnify connect platform:<name>` — how to connect a platform\n\
• `/omnify help` — this";

/// Where the conversation of a command lives, and where its answer goes.
async fn conversation(app: &DiscordApp, ctx: &Context, question: &str) -> (Target, String) {
    let here = Target::Interaction {
        token: ctx.token.clone(),
    };
    if ctx.place != Place::Channel {
        // In a thread or a DM the conversation is already together.
        return (here, ctx.channel_id.clone());
    }
    // In a channel: the deferred response becomes the question's header and the
    // thread hangs off it, so the answer and what follows stay together.
    let header = Message::text(format!("<@{}> asked: **{}**", ctx.user_id, question));
    let message_id = match patiently(PATIENCE, || app.api.edit_original(&ctx.token, &header)).await
    {
        Ok(id) if !id.is_empty() => id,
        Ok(_) | Err(_) => {
            tracing::warn!("cannot post the question's header; answering in place");
            return (here, ctx.channel_id.clone());
        }
    };
    let name = thread_name(question);
    match patiently(PATIENCE, || {
        app.api.start_thread(&ctx.channel_id, &message_id, &name)
    })
    .await
    {
        Ok(thread_id) => (
            Target::Channel {
                channel_id: thread_id.clone(),
            },
            thread_id,
        ),
        Err(e) => {
            tracing::warn!(error = %e, channel = %ctx.channel_id,
                "cannot open a thread (does the bot have Create Public Threads?); answering in place");
            (here, format!("{}:{message_id}", ctx.channel_id))
        }
    }
}

/// A thread's title: the question, shortened at a word.
fn thread_name(question: &str) -> String {
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
    let (target, key) = conversation(&app, &ctx, &question).await;
    let message = inbound(tenant_id, key, &ctx.user_id, question, &ctx.interaction_id);
    app.run_turn(target, message).await;
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
