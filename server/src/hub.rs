//! Live delivery to the people watching a conversation: the web-chat sockets
//! subscribed to it. Expert replies and hand-off notices go out through here.
//!
//! One process only for now; across replicas this becomes Postgres LISTEN/NOTIFY.

use omnify_core::OutboundEvent;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;
use tokio::sync::mpsc::{self, UnboundedSender, error::TrySendError};

type Subscribers = HashMap<String, Vec<(u64, FrameSender)>>;

/// One socket's outgoing frames. Bounded: a client that stops reading must not make
/// the server queue frames for it without end. A frame that does not fit is dropped
/// and the socket is told (`overflowed`), so it can close the session.
#[derive(Clone)]
pub struct FrameSender {
    tx: mpsc::Sender<String>,
    overflowed: Arc<Notify>,
}

/// The frame did not go out: the socket is closed, or its client stopped reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameDropped;

impl FrameSender {
    pub fn send(&self, text: String) -> Result<(), FrameDropped> {
        match self.tx.try_send(text) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                self.overflowed.notify_one();
                Err(FrameDropped)
            }
            Err(TrySendError::Closed(_)) => Err(FrameDropped),
        }
    }
}

/// A socket's frame queue of `capacity` frames: the sender for everyone who writes to
/// the socket, the receiver for its writer, and the signal that the queue overflowed.
pub fn frame_queue(capacity: usize) -> (FrameSender, mpsc::Receiver<String>, Arc<Notify>) {
    let (tx, rx) = mpsc::channel(capacity);
    let overflowed = Arc::new(Notify::new());
    let sender = FrameSender {
        tx,
        overflowed: overflowed.clone(),
    };
    (sender, rx, overflowed)
}

/// A surface that delivers events for its own conversations (Slack): it gets every
/// event with its conversation id and keeps those on its channel.
pub type Watcher = UnboundedSender<(String, OutboundEvent)>;

#[derive(Default)]
pub struct ConversationHub {
    subscribers: Mutex<Subscribers>,
    watchers: Mutex<Vec<Watcher>>,
    next_id: AtomicU64,
}

/// Unsubscribes when dropped (the socket closed).
pub struct Subscription {
    hub: Arc<ConversationHub>,
    conversation_id: String,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Ok(mut subs) = self.hub.subscribers.lock()
            && let Some(list) = subs.get_mut(&self.conversation_id)
        {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                subs.remove(&self.conversation_id);
            }
        }
    }
}

/// The JSON frame for an event in a conversation, as the WebSocket sends it.
pub fn frame(conversation_id: &str, event: &OutboundEvent) -> String {
    let mut v = serde_json::to_value(event).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(map) = &mut v {
        map.insert(
            "conversation_id".into(),
            serde_json::Value::String(conversation_id.to_string()),
        );
    }
    v.to_string()
}

impl ConversationHub {
    pub fn subscribe(self: &Arc<Self>, conversation_id: &str, tx: FrameSender) -> Subscription {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut subs) = self.subscribers.lock() {
            subs.entry(conversation_id.to_string())
                .or_default()
                .push((id, tx));
        }
        Subscription {
            hub: self.clone(),
            conversation_id: conversation_id.to_string(),
            id,
        }
    }

    /// Receive every event published from now on (until `tx` is dropped).
    pub fn watch(&self, tx: Watcher) {
        if let Ok(mut watchers) = self.watchers.lock() {
            watchers.push(tx);
        }
    }

    /// Send to everyone watching; returns how many sockets received it.
    pub fn publish(&self, conversation_id: &str, event: &OutboundEvent) -> usize {
        if let Ok(mut watchers) = self.watchers.lock() {
            watchers.retain(|w| w.send((conversation_id.to_string(), event.clone())).is_ok());
        }
        let text = frame(conversation_id, event);
        let Ok(subs) = self.subscribers.lock() else {
            return 0;
        };
        subs.get(conversation_id).map_or(0, |list| {
            list.iter()
                .filter(|(_, tx)| tx.send(text.clone()).is_ok())
                .count()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_the_frame_and_says_so() {
        let (tx, mut rx, overflowed) = frame_queue(2);
        assert_eq!(tx.send("a".into()), Ok(()));
        assert_eq!(tx.send("b".into()), Ok(()));
        assert_eq!(tx.send("c".into()), Err(FrameDropped));
        // The signal waits for the session even if it was not listening yet.
        let notified = overflowed.notified();
        futures_util::pin_mut!(notified);
        assert!(futures_util::FutureExt::now_or_never(notified).is_some());
        assert_eq!(rx.try_recv().unwrap(), "a");
        assert_eq!(tx.send("d".into()), Ok(()), "room again once read");
        drop(rx);
        assert_eq!(tx.send("e".into()), Err(FrameDropped));
    }

    #[test]
    fn subscribers_get_events_until_they_drop() {
        let hub = Arc::new(ConversationHub::default());
        let (tx, mut rx, _) = frame_queue(8);
        let sub = hub.subscribe("c1", tx);
        let event = OutboundEvent::ExpertMessage {
            author: "Ana".into(),
            text: "On it".into(),
        };
        assert_eq!(hub.publish("c1", &event), 1);
        assert_eq!(hub.publish("c2", &event), 0);
        let got: serde_json::Value = serde_json::from_str(&rx.try_recv().unwrap()).unwrap();
        assert_eq!(got["type"], "expert_message");
        assert_eq!(got["conversation_id"], "c1");
        drop(sub);
        assert_eq!(hub.publish("c1", &event), 0);
    }

    #[test]
    fn watchers_get_every_conversations_events() {
        let hub = Arc::new(ConversationHub::default());
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        hub.watch(tx);
        let event = OutboundEvent::ExpertMessage {
            author: "Ana".into(),
            text: "On it".into(),
        };
        hub.publish("c1", &event);
        hub.publish("c2", &event);
        assert_eq!(rx.try_recv().unwrap(), ("c1".to_string(), event.clone()));
        assert_eq!(rx.try_recv().unwrap().0, "c2");
        drop(rx);
        hub.publish("c3", &event);
        assert!(
            hub.watchers.lock().unwrap().is_empty(),
            "closed watchers are dropped"
        );
    }
}
