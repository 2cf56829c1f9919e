//! Slack, wired to the chat pipeline: signed requests in (`/slack/events`,
//! `/slack/interactions`, `/slack/commands`) or the same payloads over Socket Mode
//! (`socket_mode.rs`), turns through [`crate::chat::answer`] (idempotent on Slack's
//! `event_id`, so a retried event never gets a second reply), streamed replies and
//! relayed expert messages out. The Slack-specific pieces (signatures, payloads, Block
//! Kit, the Web API client, the Socket Mode client) are in `omnify_adapters::slack`.
//!
//! One workspace per server for now: its bot token and tenant come from `[slack]`.

mod charts;
mod commands;
mod experts;
mod install;
mod interactions;
mod relay;
pub mod socket_mode;

pub use omnify_adapters::slack as adapter;

use crate::api::error::error_response as error;
use crate::chat::{self, Answer};
use crate::state::AppState;
use adapter::{Accepted, Envelope, Incoming, SlackApi, Thread, ToolUse, render, signature, stream};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use omnify_agent::UserRole;
use omnify_core::{ChannelKind, ConversationStore, InboundMessage, InboundOutcome, Secret};
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Tools whose successful result is a proposal waiting for the user's confirmation.
const PROPOSAL_TOOLS: [&str; 2] = ["change_campaign_budget", "pause_campaign"];

/// Everything the Slack routes share.
pub struct SlackApp {
    pub state: AppState,
    pub api: SlackApi,
    signing_secret: Secret,
    tenant: tokio::sync::OnceCell<String>,
    /// Threads known to hold a conversation (tenant and `channel:thread_ts`), where a
    /// reply continues it without a new mention. A cache: the store is the truth, so
    /// threads stay known across restarts.
    known_threads: Mutex<HashSet<(String, String)>>,
    /// Event ids of experts' thread messages already acted on (Slack retries events).
    seen_events: Mutex<HashSet<String>>,
    interval: Duration,
    /// Seals installed workspaces' bot tokens.
    secret_box: Arc<omnify_store::secret_box::SecretBox>,
    /// Workspace → its tenant and Web API client, for a minute: every event needs it
    /// before its acknowledgement, and a database read there would queue behind a
    /// burst's writes. A new install replaces its entry.
    workspaces: crate::cache::TtlCache<String, (String, SlackApi)>,
}

/// The Slack app, when `[slack] signing_secret` (HTTP) or `app_token` (Socket Mode) is
/// configured.
pub fn build(state: &AppState) -> anyhow::Result<Option<Arc<SlackApp>>> {
    let settings = &state.settings.slack;
    if settings.signing_secret.is_empty() && settings.app_token.is_empty() {
        return Ok(None);
    }
    let api = SlackApi::new(&settings.api_url, settings.bot_token.expose())?;
    Ok(Some(Arc::new(SlackApp {
        state: state.clone(),
        api,
        signing_secret: settings.signing_secret.clone(),
        tenant: tokio::sync::OnceCell::new(),
        known_threads: Mutex::new(HashSet::new()),
        seen_events: Mutex::new(HashSet::new()),
        secret_box: Arc::new(crate::connections::keys::secret_box(&state.settings)?),
        interval: Duration::from_millis(settings.update_interval_ms.max(1)),
        workspaces: crate::cache::TtlCache::new(Duration::from_secs(60), 10_000),
    })))
}

/// The Slack routes, and the relay of expert messages into Slack threads. The signed
/// routes exist only with a signing secret (without one, Slack speaks over Socket
/// Mode, started by [`socket_mode::spawn`]).
pub fn start(app: Arc<SlackApp>) -> Router {
    tokio::spawn(relay::run(app.clone()));
    tokio::spawn(experts::watch_desk(app.clone()));
    tokio::spawn(experts::watch_user_messages(app.clone()));
    let max_body = app.state.settings.server.max_body_bytes;
    let mut router = Router::new();
    if app.signing_secret.is_empty() {
        tracing::info!(
            "Slack without a signing secret: no /slack/events, /slack/interactions or /slack/commands routes"
        );
    } else {
        tracing::info!(
            "Slack routes mounted at /slack/events, /slack/interactions, /slack/commands"
        );
        router = router
            .route("/slack/events", post(events))
            .route("/slack/interactions", post(interactions::handle))
            .route("/slack/commands", post(commands::handle));
    }
    router
        .route("/slack/install", get(install::install))
        .route("/slack/oauth/callback", get(install::callback))
        .route("/api/v1/experts/{id}/slack", put(experts::link))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(app)
}

impl SlackApp {
    /// Check Slack's signature on the raw body: 401 when missing, forged or stale.
    #[allow(clippy::result_large_err)]
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Response> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        signature::verify(
            self.signing_secret.expose().as_bytes(),
            header("x-slack-request-timestamp"),
            header("x-slack-signature"),
            body,
            chrono::Utc::now().timestamp(),
        )
        .map_err(|e| {
            tracing::warn!(error = %e, "refused a Slack request");
            error(StatusCode::UNAUTHORIZED, "unauthorized", &e.to_string())
        })
    }

    /// The tenant this workspace's messages belong to.
    async fn tenant(&self) -> anyhow::Result<String> {
        self.tenant
            .get_or_try_init(|| async {
                if let Some(t) = self.state.settings.slack.tenant_id.clone() {
                    return Ok(t);
                }
                self.state
                    .store
                    .first_tenant_id()
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no tenant for Slack messages"))
            })
            .await
            .cloned()
    }

    /// True the first time an event id is seen (bounded memory: forgets after 10 000).
    fn first_sight(&self, event_id: &str) -> bool {
        let Ok(mut seen) = self.seen_events.lock() else {
            return true;
        };
        if seen.len() > 10_000 {
            seen.clear();
        }
        seen.insert(event_id.to_string())
    }

    /// A thread of the tenant now holds a conversation (cached; the store has it too).
    fn remember(&self, tenant_id: &str, thread: &Thread) {
        if let Ok(mut known) = self.known_threads.lock() {
            if known.len() > 10_000 {
                known.clear();
            }
            known.insert((tenant_id.to_string(), thread.key()));
        }
    }

    /// Whether the tenant has a conversation in this thread: then a reply there
    /// continues it without a mention, also after a restart.
    async fn knows(
        &self,
        tenant_id: &str,
        thread: &Thread,
    ) -> Result<bool, omnify_core::StoreError> {
        let entry = (tenant_id.to_string(), thread.key());
        if self
            .known_threads
            .lock()
            .map(|k| k.contains(&entry))
            .unwrap_or(false)
        {
            return Ok(true);
        }
        let found = self
            .state
            .store
            .conversation_by_key(tenant_id, ChannelKind::Slack, &entry.1)
            .await?
            .is_some();
        if found {
            self.remember(tenant_id, thread);
        }
        Ok(found)
    }

    /// The tenant and Web API client of a workspace: its OAuth installation when it
    /// has one, else the configured single workspace (`bot_token`, `tenant_id`).
    async fn workspace(&self, team_id: &str) -> anyhow::Result<(String, SlackApi)> {
        if let Some(known) = self.workspaces.get(&team_id.to_string()) {
            return Ok(known);
        }
        let found = match self.state.store.slack_installation(team_id).await? {
            Some(i) => {
                let token = self
                    .secret_box
                    .open(&i.sealed_token, &install::token_context(team_id))?;
                (i.tenant_id, self.api.with_token(token.expose()))
            }
            None => (self.tenant().await?, self.api.clone()),
        };
        self.workspaces.insert(team_id.to_string(), found.clone());
        Ok(found)
    }

    /// The Web API client that speaks in a tenant's workspace.
    async fn api_for_tenant(&self, tenant_id: &str) -> SlackApi {
        let installed = match self
            .state
            .store
            .slack_installation_for_tenant(tenant_id)
            .await
        {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the Slack installation");
                None
            }
        };
        if let Some(i) = installed {
            match self
                .secret_box
                .open(&i.sealed_token, &install::token_context(&i.team_id))
            {
                Ok(token) => return self.api.with_token(token.expose()),
                Err(e) => {
                    tracing::error!(error = %e, team_id = %i.team_id, "cannot open the workspace's bot token")
                }
            }
        }
        self.api.clone()
    }

    /// Keep one message from Slack before Slack gets its acknowledgement: stored under
    /// its event id, so a crash after the ack loses nothing (the next start answers
    /// it) and a redelivery is recognised. The answer is the work after the ack.
    async fn keep(self: Arc<Self>, incoming: Incoming) -> Accepted {
        // A failure here may pass (the database is back, the tenant is set up): Slack
        // delivers the event again, a few times, rather than it being dropped.
        let (tenant_id, api) = match self.workspace(&incoming.team_id).await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, "cannot map the Slack workspace to a tenant; Slack will deliver the event again");
                return Accepted::redeliver();
            }
        };
        if incoming.needs_known_thread {
            match self.knows(&tenant_id, &incoming.thread).await {
                Ok(true) => {}
                Ok(false) => return Accepted::nothing(),
                Err(e) => {
                    tracing::error!(error = %e, thread = %incoming.thread.key(), "cannot look up the Slack thread's conversation; Slack will deliver the event again");
                    return Accepted::redeliver();
                }
            }
        }
        let inbound = InboundMessage {
            tenant_id: tenant_id.clone(),
            channel: ChannelKind::Slack,
            conversation_key: incoming.thread.key(),
            author: format!("slack:{}", incoming.user),
            text: incoming.text,
            event_id: incoming.event_id,
        };
        // The write runs in a task of its own, so it completes even when the ack
        // stops waiting for it.
        let store = self.state.store.clone();
        let event_id = inbound.event_id.clone();
        let text = inbound.text.clone();
        let mut storing = tokio::spawn(async move { store.record_inbound(&inbound).await });
        let budget = Duration::from_millis(self.state.settings.slack.ack_waits_for_store_ms);
        let stored = match tokio::time::timeout(budget, &mut storing).await {
            Ok(done) => done,
            Err(_) => {
                // A burst is queueing on the database's one writer: acknowledge now
                // (Slack must hear within 3 s) and answer once the write lands.
                tracing::debug!(%event_id, "Slack event acknowledged before its store finished");
                return Accepted::work(async move {
                    if let Some(turn) = kept(storing.await, &event_id, tenant_id, text) {
                        self.run_turn(&api, incoming.thread, turn).await;
                    }
                });
            }
        };
        let failed = !matches!(stored, Ok(Ok(_)));
        match kept(stored, &event_id, tenant_id, text) {
            Some(turn) => Accepted::work(async move {
                self.run_turn(&api, incoming.thread, turn).await;
            }),
            None if failed => Accepted::redeliver(),
            None => Accepted::nothing(),
        }
    }

    /// Run the turn and stream it into the thread. Nothing is posted unless a turn
    /// runs: a retried event or a conversation held by an expert stays silent.
    async fn run_turn(&self, api: &SlackApi, thread: Thread, turn: Turn) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let follower = tokio::spawn(stream::follow(
            api.clone(),
            thread.clone(),
            rx,
            done_rx,
            self.interval,
        ));
        let (tenant_id, answer) = match turn {
            Turn::New(inbound) => (
                inbound.tenant_id.clone(),
                chat::answer(&self.state, inbound, UserRole::Member, Some(tx)).await,
            ),
            Turn::Stored {
                tenant_id,
                conversation_id,
                message_id,
                first_message,
            } => {
                let stored = chat::StoredTurn {
                    tenant_id: &tenant_id,
                    conversation_id: &conversation_id,
                    message_id: &message_id,
                    first_message,
                };
                let answer =
                    chat::run_stored(&self.state, stored, UserRole::Member, Some(tx)).await;
                (tenant_id, answer)
            }
        };
        let _ = done_tx.send(());
        let streamed = follower.await.unwrap_or_default();
        let posted = match answer {
            Ok(Answer::Replied {
                conversation_id,
                outcome,
            }) => {
                self.remember(&tenant_id, &thread);
                let tools: Vec<ToolUse> = outcome.tool_calls.iter().map(ToolUse::from).collect();
                let mut blocks = render::answer_blocks(&outcome.reply, &tools);
                for notice in &streamed.turn.handoffs {
                    blocks.push(render::plain_section(notice));
                }
                let proposed = tools
                    .iter()
                    .any(|t| t.ok == Some(true) && PROPOSAL_TOOLS.contains(&t.name.as_str()));
                if proposed {
                    match self
                        .state
                        .approvals
                        .store()
                        .proposed_action_for(&conversation_id)
                        .await
                    {
                        Ok(Some(action)) => blocks.push(render::proposal_buttons(&action.id)),
                        Ok(None) => {}
                        Err(e) => tracing::warn!(error = %e, "cannot read the proposed action"),
                    }
                }
                let posted = stream::finish(api, &thread, &streamed, outcome.reply, blocks).await;
                if posted.is_ok() {
                    charts::share(self, api, &thread, &tenant_id, &streamed.turn.charts).await;
                }
                posted
            }
            Ok(Answer::WithExpert { .. }) => {
                self.remember(&tenant_id, &thread);
                return;
            }
            Ok(Answer::AlreadyAnswered { .. } | Answer::InProgress { .. }) => {
                tracing::debug!(thread = %thread.key(), "Slack event already handled");
                return;
            }
            Err(e) => {
                let note = match e {
                    chat::ChatError::ModelUnavailable(_) => {
                        "I couldn't answer this message because the language model did not respond. It is saved; please ask again in a moment."
                    }
                    _ => {
                        "I couldn't answer this message because of an internal error. It is saved, and the team has been notified in the logs."
                    }
                };
                let blocks = vec![render::plain_section(note)];
                stream::finish(api, &thread, &streamed, note.to_string(), blocks).await
            }
        };
        if let Err(e) = posted {
            tracing::error!(error = %e, thread = %thread.key(), "cannot post the reply in Slack");
        }
    }
}

/// `POST /slack/events`: the URL check, and messages for the bot, answered after the ACK.
async fn events(State(app): State<Arc<SlackApp>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = app.verify(&headers, &body) {
        return refused;
    }
    let envelope: Envelope = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                &format!("not an Events API payload: {e}"),
            );
        }
    };
    let retry = headers
        .get("x-slack-retry-num")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    respond(accept_event(&app, envelope, retry).await)
}

/// The HTTP answer to a delivery: its reply as JSON (or an empty 200); the work starts
/// as the response leaves.
fn respond(accepted: Accepted) -> Response {
    if accepted.redeliver {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the message could not be stored; deliver it again",
        );
    }
    if let Some(work) = accepted.work {
        tokio::spawn(work);
    }
    match accepted.reply {
        Some(reply) => Json(reply).into_response(),
        None => StatusCode::OK.into_response(),
    }
}

/// The turn for a message just stored; `None` (logged) when it was stored before (a
/// redelivery) or could not be stored.
fn kept(
    stored: Result<Result<InboundOutcome, omnify_core::StoreError>, tokio::task::JoinError>,
    event_id: &str,
    tenant_id: String,
    text: String,
) -> Option<Turn> {
    match stored {
        Ok(Ok(InboundOutcome::New {
            conversation_id,
            message_id,
            new_conversation,
        })) => Some(Turn::Stored {
            tenant_id,
            conversation_id,
            message_id,
            first_message: new_conversation.then_some(text),
        }),
        Ok(Ok(InboundOutcome::Duplicate { .. })) => {
            tracing::debug!(%event_id, "Slack event already kept");
            None
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, %event_id, "cannot store the Slack message; unless it was acknowledged already, Slack delivers it again");
            None
        }
        Err(e) => {
            tracing::error!(error = %e, %event_id, "storing the Slack message failed");
            None
        }
    }
}

/// What a turn answers: a message to store first (a slash command's report), or one
/// kept already (an event, stored before its ack).
pub(super) enum Turn {
    New(InboundMessage),
    Stored {
        tenant_id: String,
        conversation_id: String,
        message_id: String,
        /// The text, when the message started its conversation.
        first_message: Option<String>,
    },
}

/// An Events API body from Slack, authenticated already (signed HTTP request, or the
/// Socket Mode connection): the URL check's challenge, or the work of answering the
/// message. A redelivery (`retry` > 0) runs the same way: the message is stored under
/// its event id first, so it is never answered twice.
async fn accept_event(app: &Arc<SlackApp>, envelope: Envelope, retry: u32) -> Accepted {
    match envelope {
        Envelope::UrlVerification { challenge } => {
            Accepted::reply(json!({ "challenge": challenge }))
        }
        Envelope::EventCallback {
            team_id,
            event_id,
            authorizations,
            event,
        } => {
            let bot = authorizations.iter().find_map(|a| a.user_id.clone());
            if experts::in_experts_thread(app, &event) {
                if app.first_sight(&event_id) {
                    return Accepted::work(experts::thread_message(app.clone(), *event));
                }
                return Accepted::nothing();
            }
            match adapter::events::incoming(&team_id, &event_id, bot.as_deref(), &event) {
                Some(incoming) => {
                    tracing::info!(%event_id, retry, kind = %event.kind, "Slack event");
                    app.clone().keep(incoming).await
                }
                None => Accepted::nothing(),
            }
        }
        Envelope::Other => Accepted::nothing(),
    }
}

/// Parse an `application/x-www-form-urlencoded` body we already verified.
async fn form<T: serde::de::DeserializeOwned>(body: Bytes) -> Result<T, Response> {
    use axum::extract::FromRequest;
    let mut request = axum::http::Request::new(axum::body::Body::from(body));
    // A GET would make `Form` read the query string.
    *request.method_mut() = axum::http::Method::POST;
    request.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    let parsed = axum::extract::Form::<T>::from_request(request, &()).await;
    parsed.map(|f| f.0).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("bad form: {e}"),
        )
    })
}
