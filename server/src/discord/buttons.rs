//! Button clicks, after Discord got its deferred update: Confirm / Cancel on a proposed
//! write action (the user's), Claim / Resolve on an escalation (an expert's). The
//! outcome is added to the message the button was on, and the buttons that no longer
//! apply are removed.

use super::DiscordApp;
use super::adapter::api::patiently;
use super::adapter::render::{self, Message};
use super::adapter::stream::PATIENCE;
use super::adapter::{Button, Context};
use crate::escalations as desk_ops;
use omnify_core::{ActionStatus, ConversationStore, Expert, MessageRole};
use std::sync::Arc;

pub async fn click(app: Arc<DiscordApp>, ctx: Context, button: Button, content: String) {
    let (outcome, buttons) = match &button {
        Button::Confirm(id) | Button::Cancel(id) => {
            (proposal(&app, &ctx, &button, id).await, vec![])
        }
        Button::Claim(id) | Button::Resolve(id) => {
            match expert_click(&app, &ctx, &button, id).await {
                Ok(done) => done,
                Err(problem) => {
                    // Only the clicking user sees why nothing changed; the buttons stay.
                    let note = Message {
                        content: problem,
                        ephemeral: true,
                        ..Default::default()
                    };
                    if let Err(e) =
                        patiently(PATIENCE, || app.api.create_followup(&ctx.token, &note)).await
                    {
                        tracing::warn!(error = %e, "cannot tell the expert why nothing changed");
                    }
                    return;
                }
            }
        }
    };
    let updated = Message {
        content: render::preview(&format!("{content}\n\n{outcome}")),
        components: buttons,
        ..Default::default()
    };
    if let Err(e) = patiently(PATIENCE, || app.api.edit_original(&ctx.token, &updated)).await {
        tracing::error!(error = %e, "cannot update the message with the button's outcome");
    }
}

async fn proposal(app: &DiscordApp, ctx: &Context, button: &Button, id: &str) -> String {
    let tenant = match app.tenant(ctx.guild_id.as_deref()).await {
        Ok(t) => t,
        Err(e) => return format!("Nothing changed: {e}"),
    };
    let actor = format!("discord:{}", ctx.user_id);
    let result = match button {
        Button::Confirm(_) => app.state.approvals.confirm(&tenant, id, &actor).await,
        _ => app.state.approvals.cancel(&tenant, id, &actor).await,
    };
    match result {
        Ok(a) => outcome(&ctx.user_id, a.status, a.result.as_deref()),
        Err(e) => format!("Nothing changed: {e}"),
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
    let by = format!(" (by <@{user}>)");
    match result {
        Some(r) if !r.is_empty() => format!("{what}{by}: {r}"),
        _ => format!("{what}{by}."),
    }
}

/// The expert a Discord user acts as (`[discord] expert_users`: an expert's id or email).
pub(super) async fn expert_of(app: &DiscordApp, user_id: &str) -> Result<Expert, String> {
    let Some(who) = app.state.settings.discord.expert_users.get(user_id) else {
        return Err(format!(
            "Your Discord user ({user_id}) is not linked to an Omnify expert. An admin adds `\"{user_id}\" = \"<expert id or email>\"` under `[discord.expert_users]`."
        ));
    };
    let store = &app.state.store;
    let found = match store.expert(who).await {
        Ok(None) if who.contains('@') => store
            .expert_by_email(who)
            .await
            .map(|login| login.map(|l| l.expert)),
        other => other,
    };
    match found {
        Ok(Some(x)) => Ok(x),
        Ok(None) => Err(format!(
            "The expert {who} linked to your Discord user does not exist."
        )),
        Err(e) => Err(format!("Cannot look up your expert profile: {e}")),
    }
}

/// Claim or resolve; the outcome line and the buttons still useful.
async fn expert_click(
    app: &DiscordApp,
    ctx: &Context,
    button: &Button,
    id: &str,
) -> Result<(String, Vec<serde_json::Value>), String> {
    let expert = expert_of(app, &ctx.user_id).await?;
    let state = &app.state;
    let problem = |e: desk_ops::DeskError| format!("Nothing changed: {e}");
    match button {
        Button::Claim(_) => {
            desk_ops::claim(state, &expert, id).await.map_err(problem)?;
            Ok((
                format!(
                    "🙋 Claimed by {}. Reply to the user in this post's thread (or from the Omnify console); your messages reach their Discord thread.",
                    expert.name
                ),
                vec![render::expert_buttons(id)],
            ))
        }
        _ => {
            let escalation = desk_ops::visible(state, &expert, id)
                .await
                .map_err(problem)?;
            let summary = last_reply(app, &escalation, &expert)
                .await
                .unwrap_or_else(|| "Resolved from Discord.".to_string());
            desk_ops::resolve(state, &expert, id, &summary, false)
                .await
                .map_err(problem)?;
            Ok((format!("✅ Resolved by {}.", expert.name), vec![]))
        }
    }
}

/// The expert's last message to the user since the escalation opened: the resolution.
async fn last_reply(
    app: &DiscordApp,
    e: &omnify_core::Escalation,
    expert: &Expert,
) -> Option<String> {
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
