//! Discord, wired to the chat pipeline: Ed25519-signed interactions in
//! (`/discord/interactions`: PING, `/omnify ask|report|connect|help`, buttons) and
//! messages from the Gateway (mentions, thread messages, DMs, experts' replies in
//! escalation threads); turns through [`crate::chat`] (stored first, idempotent on the
//! interaction or message id), streamed replies, charts and relayed expert messages
//! out. The Discord-specific pieces (signature, payloads, rendering, the REST and
//! Gateway clients) are in `omnify_adapters::discord`.
//!
//! A conversation is a Discord thread (or DM): its key is that channel's id, so every
//! question asked in the thread continues it. A question asked in a plain channel opens
//! the thread first, on the question's message: Discord gives the thread that
//! message's id, so the key is known, and the message stored, before the thread exists.

mod buttons;
mod charts;
mod commands;
mod experts;
mod gateway;
mod interactions;
mod messages;
mod relay;

pub use omnify_adapters::discord as adapter;

use crate::api::error::error_response as error;
use crate::chat::{self, Answer, ChatError, StoredTurn};
use crate::state::AppState;
use adapter::render::{self, Message};
use adapter::signature::InteractionVerifier;
use adapter::stream;
use adapter::{DiscordApi, Target};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use omnify_adapters::turn::ToolUse;
use omnify_agent::UserRole;
use omnify_core::{ChannelKind, ConversationStore, InboundMessage, InboundOutcome, OutboundEvent};
use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Tools whose successful result is a proposal waiting for the user's confirmation.
const PROPOSAL_TOOLS: [&str; 2] = ["change_campaign_budget", "pause_campaign"];

/// Everything the Discord routes share.
pub struct DiscordApp {
    pub state: AppState,
    pub api: DiscordApi,
    /// Set with `[discord] public_key`: the interactions endpoint is mounted.
    verifier: Option<InteractionVerifier>,
    /// Interaction ids already acted on: a replayed request never starts a second turn.
    seen: Mutex<HashSet<String>>,
    first_tenant: tokio::sync::OnceCell<String>,
    interval: Duration,
    /// Which threads of the experts channel belong to which escalation.
    escalation_threads: experts::Threads,
}

/// The Discord app, when `[discord] public_key` is configured (the interactions
/// endpoint) or a bot token with `gateway` on (the Gateway).
pub fn build(state: &AppState) -> anyhow::Result<Option<Arc<DiscordApp>>> {
    let settings = &state.settings.discord;
    let interactions = !settings.public_key.trim().is_empty();
    if !interactions && !gateway::wanted(settings) {
        return Ok(None);
    }
    let verifier = if interactions {
        Some(InteractionVerifier::new(&settings.public_key)?)
    } else {
        None
    };
    let api = DiscordApi::new(
        &settings.api_base_url,
        settings.bot_token.expose(),
        &settings.application_id,
    )
    .map_err(|e| anyhow::anyhow!("[discord] application_id: {e}"))?;
    Ok(Some(Arc::new(DiscordApp {
        state: state.clone(),
        api,
        verifier,
        seen: Mutex::new(HashSet::new()),
        first_tenant: tokio::sync::OnceCell::new(),
        interval: Duration::from_millis(settings.update_interval_ms.max(1)),
        escalation_threads: experts::Threads::default(),
    })))
}

/// The interactions endpoint (with a public key), the Gateway (with a bot token), and
/// the watchers that post into Discord.
pub fn start(app: Arc<DiscordApp>) -> Router {
    tokio::spawn(relay::run(app.clone()));
    tokio::spawn(experts::watch_desk(app.clone()));
    tokio::spawn(experts::watch_user_messages(app.clone()));
    if gateway::wanted(&app.state.settings.discord) {
        tracing::info!("connecting to the Discord Gateway (mentions, threads, DMs)");
        tokio::spawn(gateway::run(app.clone()));
    }
    if app.verifier.is_none() {
        return Router::new();
    }
    tracing::info!("Discord interactions endpoint mounted at /discord/interactions");
    let max_body = app.state.settings.server.max_body_bytes;
    Router::new()
        .route("/discord/interactions", post(interactions::handle))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(app)
}

/// `omnify discord register-commands`: put `/omnify` on the application.
pub async fn register_commands(settings: &crate::config::Settings) -> anyhow::Result<usize> {
    let d = &settings.discord;
    if d.application_id.trim().is_empty() || d.bot_token.expose().is_empty() {
        anyhow::bail!(
            "set [discord] application_id and bot_token (or OMNIFY_DISCORD__APPLICATION_ID and OMNIFY_DISCORD__BOT_TOKEN) first"
        );
    }
    let api = DiscordApi::new(&d.api_base_url, d.bot_token.expose(), &d.application_id)?;
    let commands = adapter::commands::commands();
    Ok(adapter::api::patiently(stream::PATIENCE, || api.register_commands(&commands)).await?)
}

impl DiscordApp {
    /// Check Discord's signature on the raw body: 401 when missing, forged or stale.
    #[allow(clippy::result_large_err)]
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Response> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let Some(verifier) = &self.verifier else {
            return Err(error(
                StatusCode::NOT_FOUND,
                "not_found",
                "no Discord public key is configured",
            ));
        };
        verifier
            .verify(
                header("x-signature-ed25519"),
                header("x-signature-timestamp"),
                body,
                chrono::Utc::now().timestamp(),
            )
            .map_err(|e| {
                tracing::warn!(error = %e, "refused a Discord request");
                error(StatusCode::UNAUTHORIZED, "unauthorized", &e.to_string())
            })
    }

    /// True the first time an interaction (or message) id is seen (bounded memory).
    fn first_sight(&self, id: &str) -> bool {
        let Ok(mut seen) = self.seen.lock() else {
            return true;
        };
        if seen.len() > 10_000 {
            seen.clear();
        }
        seen.insert(id.to_string())
    }

    /// The tenant a guild (or a DM, `None`) belongs to: `[discord] guild_tenants`, else
    /// `tenant_id`, else the first tenant.
    async fn tenant(&self, guild_id: Option<&str>) -> anyhow::Result<String> {
        let settings = &self.state.settings.discord;
        if let Some(t) = guild_id.and_then(|g| settings.guild_tenants.get(g)) {
            return Ok(t.clone());
        }
        if let Some(t) = settings.tenant_id.clone().filter(|t| !t.is_empty()) {
            return Ok(t);
        }
        self.first_tenant
            .get_or_try_init(|| async {
                self.state
                    .store
                    .first_tenant_id()
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no tenant for Discord messages"))
            })
            .await
            .cloned()
    }

    /// Answer a message (stored first by `chat::answer`) and stream the turn to
    /// `target`; a retried interaction gets its earlier answer again.
    async fn run_turn(&self, target: Target, inbound: InboundMessage) {
        let tenant_id = inbound.tenant_id.clone();
        let key = inbound.conversation_key.clone();
        let state = &self.state;
        self.stream_turn(target, &tenant_id, &key, |tx| {
            chat::answer(state, inbound, UserRole::Member, Some(tx))
        })
        .await;
    }

    /// Store a message first: `None` when its event was seen before (a replayed
    /// interaction or a Gateway event Discord sent again), so nothing more happens —
    /// no thread, no second answer.
    async fn store_first(&self, inbound: &InboundMessage) -> Option<Stored> {
        match self.state.store.record_inbound(inbound).await {
            Ok(InboundOutcome::New {
                conversation_id,
                message_id,
                new_conversation,
            }) => Some(Stored {
                tenant_id: inbound.tenant_id.clone(),
                key: inbound.conversation_key.clone(),
                conversation_id,
                message_id,
                first_message: new_conversation.then(|| inbound.text.clone()),
            }),
            Ok(InboundOutcome::Duplicate { .. }) => {
                tracing::info!(event = %inbound.event_id, "Discord event seen before; not answered again");
                None
            }
            Err(e) => {
                tracing::error!(error = %e, event = %inbound.event_id, "cannot store the Discord message");
                None
            }
        }
    }

    /// Answer a message [`Self::store_first`] stored, streaming the turn to `target`.
    async fn run_stored(&self, target: Target, stored: Stored) {
        let state = &self.state;
        let turn = StoredTurn {
            tenant_id: &stored.tenant_id,
            conversation_id: &stored.conversation_id,
            message_id: &stored.message_id,
            first_message: stored.first_message.clone(),
        };
        self.stream_turn(target, &stored.tenant_id, &stored.key, |tx| {
            chat::run_stored(state, turn, UserRole::Member, Some(tx))
        })
        .await;
    }

    /// Run a turn and stream it to `target`. Nothing is posted unless a turn runs or an
    /// earlier answer is repeated: a conversation held by an expert stays silent (the
    /// expert's messages arrive through the relay).
    async fn stream_turn<F, Fut>(&self, target: Target, tenant_id: &str, key: &str, turn: F)
    where
        F: FnOnce(UnboundedSender<OutboundEvent>) -> Fut,
        Fut: Future<Output = Result<Answer, ChatError>>,
    {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let follower = tokio::spawn(stream::follow(
            self.api.clone(),
            target.clone(),
            rx,
            done_rx,
            self.interval,
        ));
        let answer = turn(tx).await;
        let _ = done_tx.send(());
        let streamed = follower.await.unwrap_or_default();
        let messages = match answer {
            Ok(Answer::Replied {
                conversation_id,
                outcome,
            }) => {
                let tools: Vec<ToolUse> = outcome.tool_calls.iter().map(ToolUse::from).collect();
                let buttons = self.proposal_buttons(&conversation_id, &tools).await;
                render::answer(&outcome.reply, &tools, &streamed.turn.handoffs, buttons)
            }
            Ok(Answer::AlreadyAnswered { reply, .. }) => {
                render::answer(&reply, &[], &[], Vec::new())
            }
            Ok(Answer::WithExpert { .. }) => {
                // The deferred response must say something, or it spins until it fails.
                if matches!(target, Target::Interaction { .. }) && streamed.opened.is_none() {
                    vec![Message::text(
                        "Your message was passed to the expert looking after this conversation.",
                    )]
                } else {
                    return;
                }
            }
            Ok(Answer::InProgress { .. }) => {
                tracing::debug!(%key, "Discord interaction already being answered");
                return;
            }
            Err(e) => {
                let note = match e {
                    ChatError::ModelUnavailable(_) => {
                        "I couldn't answer this because the language model did not respond. Your question is saved; please ask again in a moment."
                    }
                    _ => {
                        "I couldn't answer this because of an internal error. Your question is saved, and the team has been notified in the logs."
                    }
                };
                vec![Message::text(note)]
            }
        };
        if let Err(e) = stream::finish(&self.api, &target, &streamed, &messages).await {
            tracing::error!(error = %e, %key, "cannot post the reply in Discord");
            return;
        }
        charts::share(self, &target, tenant_id, &streamed.turn.charts).await;
    }

    /// Confirm / Cancel when the turn proposed a write action.
    async fn proposal_buttons(
        &self,
        conversation_id: &str,
        tools: &[ToolUse],
    ) -> Vec<serde_json::Value> {
        let proposed = tools
            .iter()
            .any(|t| t.ok == Some(true) && PROPOSAL_TOOLS.contains(&t.name.as_str()));
        if !proposed {
            return Vec::new();
        }
        match self
            .state
            .approvals
            .store()
            .proposed_action_for(conversation_id)
            .await
        {
            Ok(Some(action)) => vec![render::proposal_buttons(&action.id)],
            Ok(None) => Vec::new(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the proposed action");
                Vec::new()
            }
        }
    }
}

/// A message stored first, waiting for its turn.
struct Stored {
    tenant_id: String,
    key: String,
    conversation_id: String,
    message_id: String,
    /// Its text, when it started the conversation.
    first_message: Option<String>,
}

/// The inbound message of a Discord user in a conversation; `event_id` makes it
/// idempotent ([`interaction_event`], [`message_event`]).
fn inbound(
    tenant_id: String,
    key: String,
    user_id: &str,
    text: String,
    event_id: String,
) -> InboundMessage {
    InboundMessage {
        tenant_id,
        channel: ChannelKind::Discord,
        conversation_key: key,
        author: format!("discord:{user_id}"),
        text,
        event_id,
    }
}

/// The event id of a slash command: its interaction id.
fn interaction_event(interaction_id: &str) -> String {
    format!("interaction:{interaction_id}")
}

/// The event id of a message that arrived over the Gateway: the message's id.
fn message_event(message_id: &str) -> String {
    format!("message:{message_id}")
}

/// Where a conversation's messages go outside a live interaction: its key is the
/// thread or DM id, or `channel:message` when no thread could be opened.
pub fn channel_of(key: &str) -> &str {
    key.split(':').next().unwrap_or(key)
}
