//! `GET /api/v1/ws`: the streaming chat protocol (see `docs/websocket.md`).
//!
//! The client sends `{"type":"message","conversation_id":…,"message":…,"client_id":…}`;
//! the server answers with typed frames — `delta`, `tool_call`, `tool_result`, `done`,
//! `error` — each carrying the `conversation_id`. A socket also receives, live, what
//! happens in the conversations it has written to: an expert's messages
//! (`expert_message`) and hand-offs (`handoff`).
//!
//! Web-chat visitors connect with `?visitor_token=` instead of a key: they chat with
//! the visitor role and only in their own conversations (`crate::widget`).

use super::auth::ChatCaller;
use super::chat::{ChatReply, chat_error, prepare};
use super::error::ApiError;
use crate::chat::{Answer, answer};
use crate::hub::{FrameSender, frame_queue};
use crate::hub::{Subscription, frame};
use crate::state::AppState;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use omnify_agent::UserRole;
use omnify_core::{ChannelKind, OutboundEvent};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientFrame {
    Message {
        conversation_id: Option<String>,
        message: String,
        /// The client's id for this message; resending it after a reconnect does not
        /// produce a second answer.
        client_id: Option<String>,
    },
    /// Receive live events of a conversation this socket did not write to in this
    /// session (after a reconnect).
    Subscribe {
        conversation_id: String,
    },
    Ping,
}

/// A session's read buffer. tungstenite's default is 128 KiB and it zeroes all of it
/// before each read, so every idle socket kept 128 KiB resident (133 KB of RSS per
/// idle session measured with `omnify-bench --suite ws`). Client frames are small (a
/// chat message is at most `server.max_message_chars`); a larger one grows the buffer
/// to fit, up to the frame limit below.
const READ_BUFFER_BYTES: usize = 4 * 1024;
/// Frames queued for a client before it counts as not reading and is disconnected:
/// far more than one streamed answer leaves unread, while the client reads.
const OUTGOING_FRAMES: usize = 1024;

pub async fn upgrade(
    State(state): State<AppState>,
    caller: ChatCaller,
    ws: WebSocketUpgrade,
) -> Response {
    let max = state.settings.server.max_body_bytes;
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .max_message_size(max)
        // A frame is buffered whole before the message limit is checked: with the
        // default frame limit (16 MiB) a client could make its socket hold that much.
        .max_frame_size(max)
        .on_upgrade(move |socket| session(state, caller, socket))
}

fn error_frame(conversation_id: Option<&str>, e: &ApiError) -> String {
    json!({"type": "error", "conversation_id": conversation_id, "code": e.code(), "message": e.to_string()}).to_string()
}

async fn session(state: AppState, caller: ChatCaller, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    // Everything the socket sends goes through one queue: turn frames and live events
    // from the hub interleave without two writers.
    let (out, mut outgoing, overflowed) = frame_queue(OUTGOING_FRAMES);
    let mut writer = tokio::spawn(async move {
        while let Some(text) = outgoing.recv().await {
            if sink.send(Message::Text(text.into())).await.is_err() {
                break;
            }
        }
    });
    let mut writer_done = false;
    let mut subscriptions: HashMap<String, Subscription> = HashMap::new();
    loop {
        let next = tokio::select! {
            next = stream.next() => next,
            _ = overflowed.notified() => {
                tracing::warn!(frames = OUTGOING_FRAMES, "closing a WebSocket session: its client stopped reading");
                // The writer may be stuck on a socket nobody reads: stop it, which
                // closes the connection.
                writer.abort();
                writer_done = true;
                break;
            }
            _ = &mut writer => {
                writer_done = true;
                break;
            }
        };
        let Some(Ok(msg)) = next else {
            break;
        };
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(_) => break,
            _ => continue,
        };
        let frame_in: ClientFrame = match serde_json::from_str(text.as_str()) {
            Ok(f) => f,
            Err(e) => {
                let _ = out.send(error_frame(
                    None,
                    &ApiError::BadRequest(format!("malformed frame: {e}")),
                ));
                continue;
            }
        };
        match frame_in {
            ClientFrame::Ping => {
                let _ = out.send(json!({"type": "pong"}).to_string());
            }
            ClientFrame::Subscribe { conversation_id } => {
                let found = if caller.may_open(&conversation_id) {
                    state
                        .store
                        .conversation_for_tenant(&conversation_id, &caller.api.tenant_id)
                        .await
                } else {
                    Ok(None)
                };
                match found {
                    Ok(Some(_)) => {
                        subscriptions
                            .entry(conversation_id.clone())
                            .or_insert_with(|| state.hub.subscribe(&conversation_id, out.clone()));
                        let _ = out.send(
                            json!({"type": "subscribed", "conversation_id": conversation_id})
                                .to_string(),
                        );
                    }
                    Ok(None) => {
                        let e = ApiError::NotFound(format!("conversation {conversation_id}"));
                        let _ = out.send(error_frame(Some(&conversation_id), &e));
                    }
                    Err(e) => {
                        let _ = out.send(error_frame(Some(&conversation_id), &e.into()));
                    }
                }
            }
            ClientFrame::Message {
                conversation_id,
                message,
                client_id,
            } => {
                if let Some(id) = conversation_id.as_deref()
                    && !caller.may_open(id)
                {
                    let e = ApiError::NotFound(format!("conversation {id}"));
                    let _ = out.send(error_frame(Some(id), &e));
                    continue;
                }
                let new_conversation = conversation_id.is_none();
                // A visitor's idempotency keys are its own.
                let client_id = match &caller.visitor_id {
                    Some(v) => client_id.map(|c| format!("visitor:{v}:{c}")),
                    None => client_id,
                };
                let mut inbound = match prepare(
                    &state,
                    &caller.api,
                    ChannelKind::Web,
                    conversation_id,
                    message,
                    client_id,
                )
                .await
                {
                    Ok(i) => i,
                    Err(e) => {
                        let _ = out.send(error_frame(None, &e));
                        continue;
                    }
                };
                if let Some(v) = &caller.visitor_id {
                    inbound.author = format!("visitor:{v}");
                    if new_conversation {
                        inbound.conversation_key = crate::widget::new_conversation_id(v);
                    }
                }
                let conversation_id = inbound.conversation_key.clone();
                subscriptions
                    .entry(conversation_id.clone())
                    .or_insert_with(|| state.hub.subscribe(&conversation_id, out.clone()));
                // Answer in the background so the socket keeps reading (pings, more messages).
                tokio::spawn(run_turn(state.clone(), inbound, caller.role, out.clone()));
            }
        }
    }
    drop(subscriptions);
    drop(out);
    if !writer_done {
        let _ = writer.await;
    }
}

async fn run_turn(
    state: AppState,
    inbound: omnify_core::InboundMessage,
    role: UserRole,
    out: FrameSender,
) {
    let conversation_id = inbound.conversation_key.clone();
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let turn_state = state.clone();
    let turn =
        tokio::spawn(async move { answer(&turn_state, inbound, role, Some(events_tx)).await });
    // Forward everything but `done`: the final frame is sent below, with usage. If the
    // socket is gone the turn still completes and is stored.
    while let Some(event) = events.recv().await {
        if !matches!(event, OutboundEvent::Done { .. }) {
            let _ = out.send(frame(&conversation_id, &event));
        }
    }
    let last = match turn.await {
        Ok(Ok(Answer::Replied { conversation_id, outcome })) => {
            let reply = ChatReply::from_outcome(conversation_id, outcome);
            json!({"type": "done", "conversation_id": reply.conversation_id, "message_id": reply.message_id,
                   "reply": reply.reply, "usage": reply.usage})
            .to_string()
        }
        Ok(Ok(Answer::AlreadyAnswered { conversation_id, message_id, reply })) => {
            json!({"type": "done", "conversation_id": conversation_id, "message_id": message_id, "reply": reply, "usage": null})
                .to_string()
        }
        Ok(Ok(Answer::InProgress { conversation_id })) => {
            error_frame(Some(&conversation_id), &ApiError::Conflict("this message is still being answered".into()))
        }
        Ok(Ok(Answer::WithExpert { conversation_id })) => json!({
            "type": "relayed", "conversation_id": conversation_id,
            "message": "An expert is handling this conversation; they have your message."
        })
        .to_string(),
        Ok(Err(e)) => error_frame(Some(&conversation_id), &chat_error(e)),
        Err(e) => error_frame(Some(&conversation_id), &ApiError::Internal(e.to_string())),
    };
    let _ = out.send(last);
}
