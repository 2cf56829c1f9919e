#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! A crash mid-turn loses no user message: what was stored but never answered is
//! answered when the server starts again.

use omnify_core::{ChannelKind, ConversationStore, InboundMessage, InboundOutcome};
use omnify_tests::{Options, spawn_app};
use std::time::Duration;

#[tokio::test]
async fn a_message_left_pending_is_answered_after_a_restart() {
    let first = spawn_app(Options::default()).await;
    let data_dir = first.data_dir.clone();
    // The state a crash leaves: the message stored, no reply.
    let stored = first
        .store
        .record_inbound(&InboundMessage {
            tenant_id: first.tenant_id.clone(),
            channel: ChannelKind::Api,
            conversation_key: "conv-crashed".into(),
            author: "ana".into(),
            text: "how did Meta do last week?".into(),
            event_id: "evt-crashed".into(),
        })
        .await
        .unwrap();
    assert!(matches!(stored, InboundOutcome::New { .. }));
    first.store.close().await;
    // Keep the temp dir alive while the second server uses it.
    let keep = first;

    let second = spawn_app(Options {
        data_dir: Some(data_dir),
        ..Default::default()
    })
    .await;
    let mut history = Vec::new();
    for _ in 0..100 {
        history = second.store.history("conv-crashed").await.unwrap();
        if history.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        history.len(),
        2,
        "the pending message was answered: {history:?}"
    );
    assert!(history[1].text.contains("Meta Ads"), "{}", history[1].text);
    assert!(
        second
            .store
            .pending_inbound(i64::MAX, 10)
            .await
            .unwrap()
            .is_empty()
    );
    drop(keep);
}
