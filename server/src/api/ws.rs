//! `GET /api/v1/ws`: the streaming chat protocol (see `docs/websocket.md`).
//!
//! The client sends `{"type":"message","conversation_id":…,"message":…,"client_id":…}`;
//! the server answers with typed frames — `delta`, `tool_call`, `tool_result`, `done`,
//! `error` — each carrying the `conversation_id`.

use super::auth::ApiCaller;
use super::chat::{ChatReply, chat_error, prepare};
use super::error::ApiError;
use crate::chat::{Answer, answer};
use crate::state::AppState;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use omnify_agent::UserRole;
use omnify_core::{ChannelKind, OutboundEvent};
use serde::Deserialize;
use serde_json::{Value, json};

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
    Ping,
}

pub async fn upgrade(
    State(state): State<AppState>,
    caller: ApiCaller,
    ws: WebSocketUpgrade,
) -> Response {
    let max = state.settings.server.max_body_bytes;
    ws.max_message_size(max)
        .on_upgrade(move |socket| session(state, caller, socket))
}

fn frame(conversation_id: &str, event: &OutboundEvent) -> String {
    let mut v = serde_json::to_value(event).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert(
            "conversation_id".into(),
            Value::String(conversation_id.to_string()),
        );
    }
    v.to_string()
}

fn error_frame(conversation_id: Option<&str>, e: &ApiError) -> String {
    json!({"type": "error", "conversation_id": conversation_id, "code": e.code(), "message": e.to_string()}).to_string()
}

async fn session(state: AppState, caller: ApiCaller, socket: WebSocket) {
    let (mut tx, mut rx) = socket.split();
    while let Some(Ok(msg)) = rx.next().await {
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(_) => break,
            _ => continue,
        };
        let frame_in: ClientFrame = match serde_json::from_str(text.as_str()) {
            Ok(f) => f,
            Err(e) => {
                let err = ApiError::BadRequest(format!("malformed frame: {e}"));
                if tx
                    .send(Message::Text(error_frame(None, &err).into()))
                    .await
                    .is_err()
                {
                    break;
                }
                continue;
            }
        };
        let ClientFrame::Message {
            conversation_id,
            message,
            client_id,
        } = frame_in
        else {
            if tx
                .send(Message::Text(json!({"type": "pong"}).to_string().into()))
                .await
                .is_err()
            {
                break;
            }
            continue;
        };
        let inbound = match prepare(
            &state,
            &caller,
            ChannelKind::Web,
            conversation_id,
            message,
            client_id,
        )
        .await
        {
            Ok(i) => i,
            Err(e) => {
                if tx
                    .send(Message::Text(error_frame(None, &e).into()))
                    .await
                    .is_err()
                {
                    break;
                }
                continue;
            }
        };
        let conversation_id = inbound.conversation_key.clone();
        let (events_tx, mut events_rx) = tokio::sync::mpsc::unbounded_channel();
        let turn_state = state.clone();
        let turn = tokio::spawn(async move {
            answer(&turn_state, inbound, UserRole::Member, Some(events_tx)).await
        });
        // Forward everything but `done`: the final frame is sent below, with usage.
        let mut connected = true;
        while let Some(event) = events_rx.recv().await {
            if matches!(event, OutboundEvent::Done { .. }) {
                continue;
            }
            if connected
                && tx
                    .send(Message::Text(frame(&conversation_id, &event).into()))
                    .await
                    .is_err()
            {
                // Keep the turn running: the reply is stored and the client sees it on reconnect.
                connected = false;
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
            Ok(Ok(Answer::InProgress { conversation_id })) => error_frame(
                Some(&conversation_id),
                &ApiError::Conflict("this message is still being answered".into()),
            ),
            Ok(Ok(Answer::WithExpert { conversation_id })) => {
                json!({"type": "handoff", "conversation_id": conversation_id, "message": "An expert is handling this conversation; they have your message."}).to_string()
            }
            Ok(Err(e)) => error_frame(Some(&conversation_id), &chat_error(e)),
            Err(e) => error_frame(Some(&conversation_id), &ApiError::Internal(e.to_string())),
        };
        if !connected || tx.send(Message::Text(last.into())).await.is_err() {
            break;
        }
    }
}
