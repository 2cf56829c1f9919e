//! The same store tests on SQLite (always) and PostgreSQL (when
//! `OMNIFY_TEST_DATABASE_URL` points at a server; `.ci/run` sets it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnify_core::{
    ChannelKind, ConversationMode, ConversationStore, InboundMessage, InboundOutcome, MessageRole,
    StoredMessage, ToolCallRecord, TurnUsage,
};
use omnify_store::SqlStore;
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;

/// A fresh, migrated database per test: a temp SQLite file, or a new PostgreSQL database.
struct TestDb {
    store: SqlStore,
    _dir: Option<tempfile::TempDir>,
    drop_pg: Option<(String, String)>,
}

impl TestDb {
    async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let store = SqlStore::connect(&url, 4).await.unwrap();
        store.migrate().await.unwrap();
        Self {
            store,
            _dir: Some(dir),
            drop_pg: None,
        }
    }

    async fn postgres(admin_url: &str) -> Self {
        sqlx::any::install_default_drivers();
        let name = format!("omnify_test_{}", uuid::Uuid::new_v4().simple());
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect(admin_url)
            .await
            .unwrap();
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        admin.close().await;
        let (base, _) = admin_url.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        let store = SqlStore::connect(&url, 4).await.unwrap();
        store.migrate().await.unwrap();
        Self {
            store,
            _dir: None,
            drop_pg: Some((admin_url.to_string(), name)),
        }
    }

    async fn finish(self) {
        self.store.close().await;
        if let Some((admin_url, name)) = self.drop_pg {
            let admin = AnyPoolOptions::new()
                .max_connections(1)
                .connect(&admin_url)
                .await
                .unwrap();
            admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name}"
                )))
                .await
                .unwrap();
        }
    }
}

/// Run one test body on every backend available here.
macro_rules! on_every_backend {
    ($name:ident, |$store:ident| $body:block) => {
        #[tokio::test]
        async fn $name() {
            async fn body($store: &SqlStore) $body
            let db = TestDb::sqlite().await;
            body(&db.store).await;
            db.finish().await;
            if let Ok(url) = std::env::var("OMNIFY_TEST_DATABASE_URL") {
                let db = TestDb::postgres(&url).await;
                body(&db.store).await;
                db.finish().await;
            }
        }
    };
}

fn inbound(tenant: &str, key: &str, event: &str, text: &str) -> InboundMessage {
    InboundMessage {
        tenant_id: tenant.into(),
        channel: ChannelKind::Api,
        conversation_key: key.into(),
        author: "ana".into(),
        text: text.into(),
        event_id: event.into(),
    }
}

on_every_backend!(migrations_are_idempotent, |store| {
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
});

on_every_backend!(api_keys_identify_their_tenant_until_revoked, |store| {
    let tenant = store.create_tenant("Acme").await.unwrap();
    let key = store.create_api_key(&tenant.id, "demo").await.unwrap();
    assert!(key.plaintext.expose().starts_with("omk_"));
    let who = store
        .identify_api_key(key.plaintext.expose())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(who.tenant_id, tenant.id);
    assert!(store.identify_api_key("omk_wrong").await.unwrap().is_none());
    store.revoke_api_key(&who.key_id).await.unwrap();
    assert!(
        store
            .identify_api_key(key.plaintext.expose())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.count_tenants().await.unwrap(), 1);
});

on_every_backend!(inbound_is_idempotent_on_channel_and_event, |store| {
    let tenant = store.create_tenant("Acme").await.unwrap();
    let first = store
        .record_inbound(&inbound(&tenant.id, "c1", "e1", "hi"))
        .await
        .unwrap();
    let InboundOutcome::New {
        conversation_id,
        message_id,
        new_conversation,
    } = first
    else {
        panic!("expected new")
    };
    assert_eq!(conversation_id, "c1");
    assert!(new_conversation);
    let InboundOutcome::New {
        new_conversation, ..
    } = store
        .record_inbound(&inbound(&tenant.id, "c1", "e-second", "more"))
        .await
        .unwrap()
    else {
        panic!("expected new")
    };
    assert!(
        !new_conversation,
        "the second message continues the conversation"
    );
    let again = store
        .record_inbound(&inbound(&tenant.id, "c1", "e1", "hi"))
        .await
        .unwrap();
    assert_eq!(
        again,
        InboundOutcome::Duplicate {
            conversation_id: conversation_id.clone(),
            message_id
        }
    );
    let history = store.history(&conversation_id).await.unwrap();
    assert_eq!(history.len(), 2, "a retry must not store a third message");
    assert_eq!(
        store.conversation_mode(&conversation_id).await.unwrap(),
        ConversationMode::Bot
    );
});

on_every_backend!(concurrent_retries_store_one_message, |store| {
    let tenant = store.create_tenant("Acme").await.unwrap();
    let msg = inbound(&tenant.id, "c1", "same-event", "hi");
    let (a, b, c) = tokio::join!(
        store.record_inbound(&msg),
        store.record_inbound(&msg),
        store.record_inbound(&msg)
    );
    let outcomes = [a.unwrap(), b.unwrap(), c.unwrap()];
    let new = outcomes
        .iter()
        .filter(|o| matches!(o, InboundOutcome::New { .. }))
        .count();
    assert_eq!(new, 1);
    assert_eq!(store.history("c1").await.unwrap().len(), 1);
});

on_every_backend!(another_tenant_cannot_use_a_conversation_id, |store| {
    let a = store.create_tenant("A").await.unwrap();
    let b = store.create_tenant("B").await.unwrap();
    store
        .record_inbound(&inbound(&a.id, "c1", "e1", "hi"))
        .await
        .unwrap();
    assert!(
        store
            .conversation_for_tenant("c1", &a.id)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .conversation_for_tenant("c1", &b.id)
            .await
            .unwrap()
            .is_none()
    );
    let err = store
        .record_inbound(&inbound(&b.id, "c1", "e2", "hijack"))
        .await;
    assert!(
        err.is_err(),
        "tenant B must not write into tenant A's conversation"
    );
    assert_eq!(store.history("c1").await.unwrap().len(), 1);
});

on_every_backend!(
    a_conversation_is_found_by_its_key_in_its_tenant_and_channel,
    |store| {
        let a = store.create_tenant("A").await.unwrap();
        let b = store.create_tenant("B").await.unwrap();
        let key = "C1:1700000000.000100";
        let thread = InboundMessage {
            channel: ChannelKind::Slack,
            ..inbound(&a.id, key, "Ev1", "hi")
        };
        let InboundOutcome::New {
            conversation_id, ..
        } = store.record_inbound(&thread).await.unwrap()
        else {
            panic!("a new message");
        };
        assert_eq!(
            store
                .conversation_by_key(&a.id, ChannelKind::Slack, key)
                .await
                .unwrap(),
            Some(conversation_id)
        );
        for (tenant, channel, key) in [
            (&b.id, ChannelKind::Slack, key),
            (&a.id, ChannelKind::Discord, key),
            (&a.id, ChannelKind::Slack, "C1:1700000000.000200"),
        ] {
            assert_eq!(
                store
                    .conversation_by_key(tenant, channel, key)
                    .await
                    .unwrap(),
                None,
                "{tenant} {channel:?} {key}"
            );
        }
    }
);

on_every_backend!(a_reply_is_stored_with_its_tool_calls_and_usage, |store| {
    let tenant = store.create_tenant("Acme").await.unwrap();
    let InboundOutcome::New {
        conversation_id,
        message_id,
        ..
    } = store
        .record_inbound(&inbound(&tenant.id, "c1", "e1", "how did meta do?"))
        .await
        .unwrap()
    else {
        panic!("expected new")
    };
    assert_eq!(store.pending_inbound(i64::MAX, 10).await.unwrap().len(), 1);
    let reply = StoredMessage {
        id: "r1".into(),
        conversation_id: conversation_id.clone(),
        role: MessageRole::Assistant,
        author: "omnify".into(),
        text: "Meta spent $100".into(),
        created_at_us: 0,
    };
    let call = ToolCallRecord {
        conversation_id: conversation_id.clone(),
        message_id: "r1".into(),
        call_id: "call_1".into(),
        name: "get_marketing_performance".into(),
        arguments: r#"{"platform":"meta"}"#.into(),
        duration_ms: 12,
        ok: true,
        result_summary: "spend $100".into(),
    };
    let usage = TurnUsage {
        conversation_id: conversation_id.clone(),
        message_id: "r1".into(),
        model: "gpt-4o-mini".into(),
        prompt_tokens: 1200,
        completion_tokens: 80,
        cost_usd: 0.00023,
        steps: 2,
    };
    store
        .record_reply(&message_id, &reply, std::slice::from_ref(&call), &usage)
        .await
        .unwrap();

    let history = store.history(&conversation_id).await.unwrap();
    assert_eq!(
        history.iter().map(|m| m.role).collect::<Vec<_>>(),
        [MessageRole::User, MessageRole::Assistant]
    );
    assert!(history[0].created_at_us < history[1].created_at_us);
    assert_eq!(
        store.tool_calls(&conversation_id).await.unwrap(),
        vec![call]
    );
    assert_eq!(store.usage_of("r1").await.unwrap().unwrap(), usage);
    assert!(
        store
            .pending_inbound(i64::MAX, 10)
            .await
            .unwrap()
            .is_empty(),
        "answered messages are not pending"
    );
    assert_eq!(
        store.reply_to(&message_id).await.unwrap().unwrap().text,
        "Meta spent $100"
    );
});

on_every_backend!(a_failed_turn_is_marked_and_explained, |store| {
    let tenant = store.create_tenant("Acme").await.unwrap();
    let InboundOutcome::New {
        conversation_id,
        message_id,
        ..
    } = store
        .record_inbound(&inbound(&tenant.id, "c1", "e1", "hi"))
        .await
        .unwrap()
    else {
        panic!("expected new")
    };
    store
        .mark_failed(&message_id, &conversation_id, "the model is unavailable")
        .await
        .unwrap();
    assert!(
        store
            .pending_inbound(i64::MAX, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let history = store.history(&conversation_id).await.unwrap();
    assert_eq!(history[1].role, MessageRole::System);
    assert_eq!(history[1].text, "the model is unavailable");
});

on_every_backend!(
    connections_keep_sealed_credentials_and_hide_them_from_listings,
    |store| {
        let tenant = store.create_tenant("Acme").await.unwrap();
        let other = store.create_tenant("Other").await.unwrap();
        let first = store
            .upsert_connection(
                &tenant.id,
                "shopify",
                "acme.myshopify.com",
                "Shop",
                "v1:k1:sealed-1",
            )
            .await
            .unwrap();
        assert_eq!(first.status, "untested");
        // Reconnecting the same account replaces the credentials, keeping one row.
        let again = store
            .upsert_connection(
                &tenant.id,
                "shopify",
                "acme.myshopify.com",
                "Shop",
                "v1:k1:sealed-2",
            )
            .await
            .unwrap();
        assert_eq!(again.id, first.id);
        let all = store.connections(&tenant.id).await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].sealed_credentials, "v1:k1:sealed-2");
        assert!(store.connections(&other.id).await.unwrap().is_empty());
        assert!(
            store
                .connection(&other.id, &first.id)
                .await
                .unwrap()
                .is_none(),
            "scoped by tenant"
        );

        store
            .record_connection_test(&first.id, Some("Shopify token expired: reconnect Shopify"))
            .await
            .unwrap();
        let tested = store
            .connection(&tenant.id, &first.id)
            .await
            .unwrap()
            .unwrap()
            .info;
        assert_eq!(tested.status, "failing");
        assert!(tested.last_tested_at.is_some());
        store
            .update_connection_credentials(&first.id, "v1:k2:rotated")
            .await
            .unwrap();
        assert_eq!(
            store.all_connections().await.unwrap()[0].sealed_credentials,
            "v1:k2:rotated"
        );

        assert!(
            !store.delete_connection(&other.id, &first.id).await.unwrap(),
            "another tenant cannot delete it"
        );
        assert!(
            store
                .delete_connection(&tenant.id, &first.id)
                .await
                .unwrap()
        );
        assert!(store.connections(&tenant.id).await.unwrap().is_empty());
    }
);

on_every_backend!(an_oauth_state_works_once_and_expires, |store| {
    let tenant = store.create_tenant("Acme").await.unwrap();
    store
        .save_oauth_state("s1", &tenant.id, "hubspot", "portal-1")
        .await
        .unwrap();
    let taken = store.take_oauth_state("s1", 600_000_000).await.unwrap();
    assert_eq!(
        taken,
        Some((
            tenant.id.clone(),
            "hubspot".to_string(),
            "portal-1".to_string()
        ))
    );
    assert_eq!(
        store.take_oauth_state("s1", 600_000_000).await.unwrap(),
        None,
        "used once"
    );
    store
        .save_oauth_state("s2", &tenant.id, "hubspot", "portal-1")
        .await
        .unwrap();
    assert_eq!(
        store.take_oauth_state("s2", 0).await.unwrap(),
        None,
        "too old"
    );
    assert_eq!(
        store.take_oauth_state("nope", 600_000_000).await.unwrap(),
        None
    );
});

on_every_backend!(member_keys_are_not_admin_keys, |store| {
    let tenant = store.create_tenant("Acme").await.unwrap();
    let member = store
        .create_api_key_with_role(&tenant.id, "bot", "member")
        .await
        .unwrap();
    let admin = store.create_api_key(&tenant.id, "ops").await.unwrap();
    assert_eq!(
        store
            .identify_api_key(member.plaintext.expose())
            .await
            .unwrap()
            .unwrap()
            .role,
        "member"
    );
    assert_eq!(
        store
            .identify_api_key(admin.plaintext.expose())
            .await
            .unwrap()
            .unwrap()
            .role,
        "admin"
    );
});

on_every_backend!(
    escalations_move_the_conversation_through_its_modes,
    |store| {
        use omnify_core::{
            EscalationStatus, EscalationStore, InterventionKind, NewEscalation, Urgency,
        };
        let tenant = store.create_tenant("Acme").await.unwrap();
        store
            .record_inbound(&inbound(&tenant.id, "c1", "e1", "human please"))
            .await
            .unwrap();
        let ana = store
            .create_expert(
                "Ana",
                "ana@x.test",
                &["paid_social".into()],
                &["*".into()],
                60,
                (9, 17),
                2,
            )
            .await
            .unwrap();
        assert!(
            store
                .expert_by_token(ana.token.expose())
                .await
                .unwrap()
                .is_some()
        );
        let new = NewEscalation {
            tenant_id: tenant.id.clone(),
            conversation_id: "c1".into(),
            kind: InterventionKind::HumanRequested,
            reason: "asked".into(),
            urgency: Urgency::High,
            source: "policy:human_requested".into(),
            skill: "paid_social".into(),
            assigned_expert_id: Some(ana.expert.id.clone()),
            sla_due_at: 0,
        };
        let (esc, created) = store.open_escalation(&new).await.unwrap();
        assert!(created);
        let (again, created) = store.open_escalation(&new).await.unwrap();
        assert!(!created, "one open escalation per conversation");
        assert_eq!(again.id, esc.id);
        assert_eq!(
            store.conversation_mode("c1").await.unwrap(),
            ConversationMode::WaitingForExpert
        );
        assert_eq!(
            store.expert_loads().await.unwrap().get(&ana.expert.id),
            Some(&1)
        );
        assert_eq!(store.overdue(1).await.unwrap().len(), 1);

        assert!(store.claim(&esc.id, &ana.expert.id).await.unwrap());
        assert!(
            !store.claim(&esc.id, &ana.expert.id).await.unwrap(),
            "claimed once"
        );
        assert_eq!(
            store.conversation_mode("c1").await.unwrap(),
            ConversationMode::WithExpert
        );
        assert!(
            store.overdue(i64::MAX).await.unwrap().is_empty(),
            "claimed ones are not overdue"
        );

        assert!(
            !store
                .resolve(&esc.id, "someone-else", "x", ConversationMode::Bot)
                .await
                .unwrap()
        );
        assert!(
            store
                .resolve(
                    &esc.id,
                    &ana.expert.id,
                    "Keep budgets flat.",
                    ConversationMode::Bot
                )
                .await
                .unwrap()
        );
        assert_eq!(
            store.conversation_mode("c1").await.unwrap(),
            ConversationMode::Bot
        );
        assert_eq!(
            store.escalation(&esc.id).await.unwrap().unwrap().status,
            EscalationStatus::Resolved
        );
        assert_eq!(
            store.expert_notes("c1").await.unwrap(),
            ["Keep budgets flat."]
        );
        store
            .log_event(&esc.id, "resolved", "Keep budgets flat.")
            .await
            .unwrap();
        assert_eq!(store.escalation_events(&esc.id).await.unwrap().len(), 1);
        assert!(store.open_escalation_for("c1").await.unwrap().is_none());
    }
);

on_every_backend!(console_sessions_open_expire_and_end, |store| {
    let ana = store
        .create_expert(
            "Ana",
            "Ana@X.test",
            &["general".into()],
            &["*".into()],
            0,
            (0, 24),
            5,
        )
        .await
        .unwrap();
    let id = &ana.expert.id;
    let login = store.expert_by_email("ana@x.test").await.unwrap().unwrap();
    assert_eq!(
        &login.expert.id, id,
        "e-mail matched without regard to case"
    );
    assert_eq!(login.password_hash, None);
    assert!(store.expert_by_email("bo@x.test").await.unwrap().is_none());
    assert!(
        !store
            .set_expert_password("no-such-expert", "$argon2id$x")
            .await
            .unwrap()
    );
    assert!(store.set_expert_password(id, "$argon2id$x").await.unwrap());
    assert_eq!(
        store
            .expert_by_email("ana@x.test")
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .as_deref(),
        Some("$argon2id$x")
    );

    let hour = std::time::Duration::from_secs(3600);
    let session = store.create_expert_session(id, hour).await.unwrap();
    assert!(session.expose().starts_with("oxs_"));
    assert_eq!(
        store
            .expert_by_session(session.expose())
            .await
            .unwrap()
            .map(|e| e.name),
        Some("Ana".to_string())
    );
    assert!(
        store
            .expert_by_session(ana.token.expose())
            .await
            .unwrap()
            .is_none(),
        "the API token is not a session"
    );
    assert!(store.expert_by_session("oxs_nope").await.unwrap().is_none());

    let expired = store
        .create_expert_session(id, std::time::Duration::ZERO)
        .await
        .unwrap();
    assert!(
        store
            .expert_by_session(expired.expose())
            .await
            .unwrap()
            .is_none()
    );

    store.delete_expert_session(session.expose()).await.unwrap();
    assert!(
        store
            .expert_by_session(session.expose())
            .await
            .unwrap()
            .is_none()
    );

    // A new password ends every session.
    let other = store.create_expert_session(id, hour).await.unwrap();
    assert!(store.set_expert_password(id, "$argon2id$y").await.unwrap());
    assert!(
        store
            .expert_by_session(other.expose())
            .await
            .unwrap()
            .is_none()
    );
});

on_every_backend!(charts_belong_to_their_tenant, |store| {
    use omnify_core::{Chart, ChartMarker, ChartSeries, StoredChart};
    let acme = store.create_tenant("Acme").await.unwrap();
    let other = store.create_tenant("Other").await.unwrap();
    let InboundOutcome::New {
        conversation_id, ..
    } = store
        .record_inbound(&inbound(&acme.id, "c-charts", "e-charts", "Meta?"))
        .await
        .unwrap()
    else {
        panic!("new message expected");
    };
    let chart = |id: &str, title: &str| StoredChart {
        id: id.into(),
        tenant_id: acme.id.clone(),
        conversation_id: conversation_id.clone(),
        message_id: "reply-1".into(),
        call_id: "call-1".into(),
        chart: Chart {
            title: title.into(),
            x_labels: vec!["2026-11-16".into(), "2026-11-17".into()],
            series: vec![ChartSeries {
                name: "Spend".into(),
                values: vec![1_200.5, 1_310.0],
            }],
            markers: vec![ChartMarker {
                x: 1,
                y: Some(1_310.0),
                label: "anomaly".into(),
            }],
            ..Default::default()
        },
        created_at_us: 0,
    };
    store.save_chart(&chart("ch-1", "Spend")).await.unwrap();
    store.save_chart(&chart("ch-2", "Revenue")).await.unwrap();
    // Saving again (a retried write) keeps the first.
    store.save_chart(&chart("ch-1", "Changed")).await.unwrap();

    let found = store.chart(&acme.id, "ch-1").await.unwrap().unwrap();
    assert_eq!(found.chart, chart("ch-1", "Spend").chart);
    assert_eq!(found.call_id, "call-1");
    assert!(found.created_at_us > 0);
    assert!(store.chart(&other.id, "ch-1").await.unwrap().is_none());
    assert!(store.chart(&acme.id, "ch-404").await.unwrap().is_none());

    let listed = store.charts(&conversation_id).await.unwrap();
    let titles: Vec<_> = listed.iter().map(|c| c.chart.title.as_str()).collect();
    assert_eq!(titles, ["Spend", "Revenue"]);
});

/// The database file alone (no `-wal` beside it) holds what was written once the
/// background checkpointer has run: the writer itself never checkpoints, and SQLite's
/// own automatic checkpoint would not fire for a few kilobytes of writes.
#[tokio::test]
async fn sqlite_writes_reach_the_database_file_through_background_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let store = SqlStore::connect(&format!("sqlite://{}?mode=rwc", path.display()), 4)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let tenant = store.create_tenant("Acme").await.unwrap();
    store
        .record_inbound(&inbound(&tenant.id, "c1", "e1", "checkpointed"))
        .await
        .unwrap();

    // The main file copied without its WAL, as a crash that lost the WAL would leave it.
    let copy_has_message = || async {
        let copy = dir.path().join("copy.db");
        std::fs::copy(&path, &copy).unwrap();
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&format!("sqlite://{}?mode=ro", copy.display()))
            .await
            .unwrap();
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE body = 'checkpointed'")
                .fetch_one(&pool)
                .await
                .unwrap_or(0);
        pool.close().await;
        std::fs::remove_file(&copy).unwrap();
        n == 1
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !copy_has_message().await {
        assert!(
            std::time::Instant::now() < deadline,
            "the message never left the WAL for the database file"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Writing goes on after a checkpoint (the WAL starts over), and closing stops the
    // checkpointer quietly.
    store
        .record_inbound(&inbound(&tenant.id, "c1", "e2", "after"))
        .await
        .unwrap();
    store.close().await;
}
