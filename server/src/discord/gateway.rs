//! The bot's Gateway connection, started by `omnify serve` when a bot token is set and
//! `[discord] gateway` is on: it keeps the session alive (`omnify_adapters::discord::
//! gateway`) and hands each message to [`super::messages`]. When Discord refuses the
//! setup (bad token, Message Content intent not enabled) the Gateway stops with one
//! error saying what to fix; the server, and the interactions endpoint, carry on.

use super::DiscordApp;
use super::adapter::gateway::{self, Event, GatewayError, Options};
use crate::config::DiscordSettings;
use std::sync::Arc;

/// Whether the settings ask for the Gateway.
pub fn wanted(settings: &DiscordSettings) -> bool {
    settings.gateway && !settings.bot_token.expose().trim().is_empty()
}

pub async fn run(app: Arc<DiscordApp>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let client = tokio::spawn(gateway::run(
        app.api.clone(),
        app.state.settings.discord.bot_token.clone(),
        Options::default(),
        tx,
    ));
    // The bot's own user id, from READY: its mentions, and its own messages to ignore.
    let mut bot: Option<Arc<str>> = None;
    while let Some(event) = rx.recv().await {
        match event {
            Event::Ready {
                user_id,
                session_id,
            } => {
                tracing::info!(bot_user = %user_id, %session_id, "connected to the Discord Gateway");
                bot = Some(Arc::from(user_id));
            }
            Event::Resumed => tracing::info!("resumed the Discord Gateway session"),
            Event::Message(message) => match &bot {
                Some(bot) => {
                    tokio::spawn(super::messages::received(app.clone(), bot.clone(), message));
                }
                None => tracing::debug!("a Discord message before READY; ignored"),
            },
        }
    }
    match client.await {
        Ok(GatewayError::Refused(why)) => {
            tracing::error!(
                "the Discord Gateway is stopped: {why}. Slash commands still work; mentions, thread messages and DMs are not answered until this is fixed and Omnify restarted."
            );
        }
        Ok(GatewayError::Closed) => {}
        Err(e) => tracing::error!(error = %e, "the Discord Gateway task failed"),
    }
}
