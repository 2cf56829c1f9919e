//! From an inbound message to a reply, for every surface: store first, then answer.
//!
//! The message is persisted before any work (so a crash loses nothing and a platform
//! retry is recognised), then the turn runs under the conversation's lock.

use crate::state::AppState;
use omnify_agent::{TurnError, TurnInput, TurnOutcome, UserRole};
use omnify_core::{
    ConversationMode, ConversationStore, EscalationStore, InboundMessage, InboundOutcome,
    ModelErrorKind, OutboundEvent,
};
use tokio::sync::mpsc::UnboundedSender;

#[derive(Debug)]
pub enum Answer {
    /// A turn ran and this is its reply.
    Replied {
        conversation_id: String,
        outcome: TurnOutcome,
    },
    /// The event was seen before and already answered: here is that answer again.
    AlreadyAnswered {
        conversation_id: String,
        message_id: String,
        reply: String,
    },
    /// The event was seen before and its answer is still being written.
    InProgress { conversation_id: String },
    /// A human owns the conversation; the message was stored for them.
    WithExpert { conversation_id: String },
}

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error(transparent)]
    Store(#[from] omnify_core::StoreError),
    #[error("model unavailable: {0}")]
    ModelUnavailable(String),
    #[error("turn failed: {0}")]
    Turn(String),
}

pub async fn answer(
    state: &AppState,
    inbound: InboundMessage,
    role: UserRole,
    events: Option<UnboundedSender<OutboundEvent>>,
) -> Result<Answer, ChatError> {
    let (conversation_id, message_id, first_message) =
        match state.store.record_inbound(&inbound).await? {
            InboundOutcome::New {
                conversation_id,
                message_id,
                new_conversation,
            } => (
                conversation_id,
                message_id,
                new_conversation.then(|| inbound.text.clone()),
            ),
            InboundOutcome::Duplicate {
                conversation_id,
                message_id,
            } => {
                return Ok(match state.store.reply_to(&message_id).await? {
                    Some(reply) => Answer::AlreadyAnswered {
                        conversation_id,
                        message_id: reply.id,
                        reply: reply.text,
                    },
                    None => Answer::InProgress { conversation_id },
                });
            }
        };
    let stored = StoredTurn {
        tenant_id: &inbound.tenant_id,
        conversation_id: &conversation_id,
        message_id: &message_id,
        first_message,
    };
    run_stored(state, stored, role, events).await
}

/// A stored user message to answer.
pub struct StoredTurn<'a> {
    pub tenant_id: &'a str,
    pub conversation_id: &'a str,
    pub message_id: &'a str,
    /// The text, when this message started its conversation: there is no history to read.
    pub first_message: Option<String>,
}

/// Answer a message that is already stored (a fresh one, or one left pending by a crash).
pub async fn run_stored(
    state: &AppState,
    turn: StoredTurn<'_>,
    role: UserRole,
    events: Option<UnboundedSender<OutboundEvent>>,
) -> Result<Answer, ChatError> {
    let StoredTurn {
        tenant_id,
        conversation_id,
        message_id,
        first_message,
    } = turn;
    let lock = state.turn_locks.get(conversation_id);
    let _turn = lock.lock().await;
    // Recovery at start-up and a live request can both reach an old message: whoever
    // gets the lock second finds it answered and leaves it.
    if first_message.is_none() && !state.store.is_pending(message_id).await? {
        return Ok(match state.store.reply_to(message_id).await? {
            Some(reply) => Answer::AlreadyAnswered {
                conversation_id: conversation_id.to_string(),
                message_id: reply.id,
                reply: reply.text,
            },
            None => Answer::InProgress {
                conversation_id: conversation_id.to_string(),
            },
        });
    }
    // A conversation that just started is with the bot; any other may have been handed over.
    if first_message.is_none()
        && state.store.conversation_mode(conversation_id).await? != ConversationMode::Bot
    {
        relay_to_expert(state, conversation_id, message_id).await?;
        return Ok(Answer::WithExpert {
            conversation_id: conversation_id.to_string(),
        });
    }
    let input = TurnInput {
        tenant_id: tenant_id.to_string(),
        conversation_id: conversation_id.to_string(),
        message_id: message_id.to_string(),
        user_id: None,
        role,
        tenant: state.tenant_facts(tenant_id).await?,
        today: state.settings.today(),
        first_message,
    };
    match state.agent.run_turn(input, events).await {
        Ok(outcome) => Ok(Answer::Replied {
            conversation_id: conversation_id.to_string(),
            outcome,
        }),
        Err(e) => {
            let transient = matches!(&e, TurnError::Model(m) if m.kind == ModelErrorKind::Transient)
                || matches!(e, TurnError::WallTime(_));
            tracing::error!(error = %e, conversation_id, "turn failed");
            let note = if transient {
                "I couldn't answer this message because the language model did not respond. It is saved; please ask again in a moment."
            } else {
                "I couldn't answer this message because of an internal error. It is saved, and the team has been notified in the logs."
            };
            state
                .store
                .mark_failed(message_id, conversation_id, note)
                .await?;
            Err(if transient {
                ChatError::ModelUnavailable(e.to_string())
            } else {
                ChatError::Turn(e.to_string())
            })
        }
    }
}

/// A human owns the conversation: the bot stays silent and the message waits for the
/// expert in the escalation (the console and expert API show it with the history).
async fn relay_to_expert(
    state: &AppState,
    conversation_id: &str,
    message_id: &str,
) -> Result<(), ChatError> {
    state.store.mark_relayed(message_id).await?;
    if let Some(escalation) = state.store.open_escalation_for(conversation_id).await? {
        state
            .store
            .log_event(&escalation.id, "user_message", "relayed to the expert")
            .await?;
        let _ = RELAYED.send(Relayed {
            escalation_id: escalation.id,
            conversation_id: conversation_id.to_string(),
            message_id: message_id.to_string(),
        });
    }
    Ok(())
}

/// A user message passed to the expert holding the conversation.
#[derive(Debug, Clone)]
pub struct Relayed {
    pub escalation_id: String,
    pub conversation_id: String,
    pub message_id: String,
}

impl Relayed {
    /// The relayed message's words, from the store; `None` (logged when the store
    /// fails) when they cannot be read.
    pub async fn text(&self, state: &AppState) -> Option<String> {
        match state.store.history(&self.conversation_id).await {
            Ok(h) => h
                .into_iter()
                .find(|m| m.id == self.message_id)
                .map(|m| m.text),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the relayed message");
                None
            }
        }
    }
}

static RELAYED: std::sync::LazyLock<tokio::sync::broadcast::Sender<Relayed>> =
    std::sync::LazyLock::new(|| tokio::sync::broadcast::channel(256).0);

/// User messages relayed to experts from now on, for surfaces where experts work
/// (the Slack experts channel). Process-wide: a receiver checks the ids against its
/// own store.
pub fn relayed_messages() -> tokio::sync::broadcast::Receiver<Relayed> {
    RELAYED.subscribe()
}

/// The next relayed message (missed ones skipped); `None` once the relay is gone.
pub async fn next_relayed(
    relayed: &mut tokio::sync::broadcast::Receiver<Relayed>,
) -> Option<Relayed> {
    loop {
        match relayed.recv().await {
            Ok(r) => return Some(r),
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
        }
    }
}

/// Answer what a previous process stored but never answered (it stopped mid-turn).
/// `started_us`: when this process started serving; newer messages are live requests.
pub async fn resume_pending(state: AppState, started_us: i64) {
    let pending = match state.store.pending_inbound(started_us, 1000).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "cannot list pending messages");
            return;
        }
    };
    if !pending.is_empty() {
        tracing::info!(
            count = pending.len(),
            "answering messages left pending by the last run"
        );
    }
    for p in pending {
        let turn = StoredTurn {
            tenant_id: &p.tenant_id,
            conversation_id: &p.conversation_id,
            message_id: &p.message_id,
            first_message: None,
        };
        let result = run_stored(&state, turn, UserRole::Member, None).await;
        if let Err(e) = result {
            tracing::warn!(error = %e, message_id = %p.message_id, "could not answer a pending message");
        }
    }
}
