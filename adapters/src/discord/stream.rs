//! A turn streamed into Discord: at the turn's first event a message is opened (the
//! interaction's deferred response is edited, or a message is posted in the thread),
//! then edited with the text so far at most once per interval, and replaced by the
//! final answer once the turn is done. A 429 pushes the next edit back by Discord's
//! `retry_after`; the edit that follows carries the latest text, so nothing is lost,
//! only coalesced.

use crate::discord::api::{DiscordApi, DiscordApiError, Target, patiently};
use crate::discord::render::{Message, preview};
use crate::turn::TurnSoFar;
use omnify_core::OutboundEvent;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::oneshot;
use tokio::time::Instant;

pub use crate::turn::PLACEHOLDER;

/// Tries for the opening and final messages when Discord keeps rate limiting.
pub const PATIENCE: u32 = 5;

/// What the stream saw, for the final message.
#[derive(Debug, Default)]
pub struct Streamed {
    /// The opened message's id (the final answer replaces it).
    pub opened: Option<String>,
    pub turn: TurnSoFar,
    /// No edit before this (throttle and rate limits).
    pub next_edit: Option<Instant>,
    /// How many edits Discord refused with 429 (they were coalesced into later ones).
    pub rate_limited: u32,
}

impl Streamed {
    /// The in-progress text shown while the turn runs.
    pub fn progress(&self) -> String {
        self.turn.progress(preview)
    }
}

/// Follow a turn's events until `done` fires (or the sender is dropped).
pub async fn follow(
    api: DiscordApi,
    target: Target,
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
                if st.opened.is_none() {
                    let first = Message::text(st.progress());
                    match patiently(PATIENCE, || api.open(&target, &first)).await {
                        Ok(id) => {
                            st.opened = Some(id);
                            dirty = false;
                        }
                        Err(e) => tracing::warn!(error = %e, "cannot open the Discord reply"),
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
            _ = tokio::time::sleep_until(next_edit), if dirty && st.opened.is_some() => {
                let id = st.opened.clone().unwrap_or_default();
                match api.edit_opened(&target, &id, &Message::text(st.progress())).await {
                    Ok(()) => {
                        dirty = false;
                        next_edit = Instant::now() + interval;
                    }
                    Err(DiscordApiError::RateLimited { retry_after }) => {
                        tracing::info!(?retry_after, "Discord rate limited an edit; backing off");
                        st.rate_limited += 1;
                        next_edit = Instant::now() + retry_after;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot update the Discord reply");
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

/// Put the final messages at the target: the first replaces the opened message (after
/// the throttle or back-off) or opens one, the rest follow. Returns their ids.
pub async fn finish(
    api: &DiscordApi,
    target: &Target,
    streamed: &Streamed,
    messages: &[Message],
) -> Result<Vec<String>, DiscordApiError> {
    let mut ids = Vec::with_capacity(messages.len());
    for (i, message) in messages.iter().enumerate() {
        let id = match (i, &streamed.opened) {
            (0, Some(opened)) => {
                if let Some(at) = streamed.next_edit {
                    tokio::time::sleep_until(at).await;
                }
                patiently(PATIENCE, || api.edit_opened(target, opened, message)).await?;
                opened.clone()
            }
            (0, None) => patiently(PATIENCE, || api.open(target, message)).await?,
            _ => patiently(PATIENCE, || api.post(target, message)).await?,
        };
        ids.push(id);
    }
    Ok(ids)
}

/// Post one message at a target (relayed expert messages, hand-off notices, charts).
pub async fn post(
    api: &DiscordApi,
    target: &Target,
    message: &Message,
) -> Result<String, DiscordApiError> {
    patiently(PATIENCE, || api.post(target, message)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::turn::ChartRef;

    #[test]
    fn progress_shows_text_or_the_running_tool() {
        let mut st = Streamed::default();
        assert_eq!(st.progress(), PLACEHOLDER);
        st.turn.apply(OutboundEvent::ToolCall {
            id: "c1".into(),
            name: "get_marketing_performance".into(),
            arguments: serde_json::json!({}),
        });
        assert!(st.progress().contains("get_marketing_performance"));
        st.turn
            .apply(OutboundEvent::chart("ch1", "c1", "Spend by day"));
        assert_eq!(
            st.turn.charts,
            vec![ChartRef {
                id: "ch1".into(),
                title: "Spend by day".into()
            }]
        );
        st.turn.apply(OutboundEvent::Delta {
            text: "Meta spent ".repeat(400),
        });
        let p = st.progress();
        assert!(p.len() <= crate::discord::render::CONTENT_LIMIT);
        assert!(p.starts_with("Meta spent"));
    }
}
