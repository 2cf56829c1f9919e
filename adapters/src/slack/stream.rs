//! A turn streamed into a Slack thread: a placeholder at the turn's first event, then
//! `chat.update` with the text so far at most once per interval, and the final message
//! once the turn is done. A 429 pushes the next edit back by `Retry-After`; the edit
//! that follows carries the latest text, so nothing is lost, only coalesced.

use crate::slack::api::{FileUpload, MessageBody, SlackApi, SlackApiError};
use crate::slack::events::Thread;
use crate::slack::render::preview;
use crate::turn::TurnSoFar;
use omnify_core::OutboundEvent;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::oneshot;
use tokio::time::Instant;

pub use crate::turn::PLACEHOLDER;

/// Tries for the placeholder and the final message when Slack keeps rate limiting.
const PATIENCE: u32 = 5;

/// What the stream saw, for the final message.
#[derive(Debug, Default)]
pub struct Streamed {
    /// The placeholder's `ts`, once posted (the final message replaces it).
    pub ts: Option<String>,
    pub turn: TurnSoFar,
    /// No edit before this (throttle and rate limits).
    pub next_edit: Option<Instant>,
}

impl Streamed {
    fn progress(&self) -> String {
        self.turn.progress(preview)
    }
}

/// Follow a turn's events until `done` fires (or the sender is dropped).
pub async fn follow(
    api: SlackApi,
    thread: Thread,
    mut events: UnboundedReceiver<OutboundEvent>,
    mut done: oneshot::Receiver<()>,
    interval: Duration,
) -> Streamed {
    let mut st = Streamed::default();
    let mut next_edit = Instant::now();
    let mut dirty = false;
    loop {
        tokio::select! {
            biased;
            event = events.recv() => {
                let Some(event) = event else { break };
                st.turn.apply(event);
                dirty = true;
                if st.ts.is_none() {
                    let body = MessageBody {
                        channel: thread.channel.clone(),
                        thread_ts: Some(thread.thread_ts.clone()),
                        text: PLACEHOLDER.to_string(),
                        ..Default::default()
                    };
                    match api.post_message_patiently(&body, PATIENCE).await {
                        Ok(ts) => st.ts = Some(ts),
                        Err(e) => tracing::warn!(error = %e, "cannot post the Slack placeholder"),
                    }
                    next_edit = Instant::now() + interval;
                }
            }
            _ = &mut done => {
                while let Ok(event) = events.try_recv() {
                    st.turn.apply(event);
                }
                break;
            }
            _ = tokio::time::sleep_until(next_edit), if dirty && st.ts.is_some() => {
                let body = MessageBody {
                    channel: thread.channel.clone(),
                    ts: st.ts.clone(),
                    text: st.progress(),
                    ..Default::default()
                };
                match api.update_message(&body).await {
                    Ok(()) => {
                        dirty = false;
                        next_edit = Instant::now() + interval;
                    }
                    Err(SlackApiError::RateLimited { retry_after }) => {
                        tracing::info!(?retry_after, "Slack rate limited an edit; backing off");
                        next_edit = Instant::now() + retry_after;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot update the Slack reply");
                        dirty = false;
                        next_edit = Instant::now() + interval;
                    }
                }
            }
        }
    }
    st.next_edit = Some(next_edit);
    st
}

/// Put the final message in the thread: replace the placeholder when there is one
/// (after the throttle or back-off), else post it. Returns the message's `ts`.
pub async fn finish(
    api: &SlackApi,
    thread: &Thread,
    streamed: &Streamed,
    text: String,
    blocks: Vec<serde_json::Value>,
) -> Result<String, SlackApiError> {
    let mut body = MessageBody {
        channel: thread.channel.clone(),
        text: preview(&text),
        blocks,
        ..Default::default()
    };
    match &streamed.ts {
        Some(ts) => {
            if let Some(at) = streamed.next_edit {
                tokio::time::sleep_until(at).await;
            }
            body.ts = Some(ts.clone());
            api.update_message_patiently(&body, PATIENCE).await?;
            Ok(ts.clone())
        }
        None => {
            body.thread_ts = Some(thread.thread_ts.clone());
            api.post_message_patiently(&body, PATIENCE).await
        }
    }
}

/// Post one message in a thread (relayed expert messages, hand-off notices).
pub async fn post_in_thread(
    api: &SlackApi,
    thread: &Thread,
    text: String,
    blocks: Vec<serde_json::Value>,
) -> Result<String, SlackApiError> {
    let body = MessageBody {
        channel: thread.channel.clone(),
        thread_ts: Some(thread.thread_ts.clone()),
        text: preview(&text),
        blocks,
        ..Default::default()
    };
    api.post_message_patiently(&body, PATIENCE).await
}

/// Share a chart, drawn as PNG, in the thread (under the answer, which is already
/// posted). Returns the file's id.
pub async fn share_chart(
    api: &SlackApi,
    thread: &Thread,
    title: &str,
    png: Vec<u8>,
) -> Result<String, SlackApiError> {
    let upload = FileUpload {
        channel: thread.channel.clone(),
        thread_ts: Some(thread.thread_ts.clone()),
        filename: "chart.png".into(),
        title: title.to_string(),
        alt_text: title.to_string(),
        content_type: "image/png".into(),
        bytes: png,
    };
    let mut tries = 0;
    loop {
        tries += 1;
        match api.upload_file(&upload).await {
            Err(SlackApiError::RateLimited { retry_after }) if tries < PATIENCE => {
                tokio::time::sleep(retry_after).await;
            }
            other => return other,
        }
    }
}
