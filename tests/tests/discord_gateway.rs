#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! The Discord Gateway end to end, against the stand-ins in `common/discord.rs` (a
//! ws:// Gateway speaking API v10's JSON protocol, `GET /gateway/bot` pointing at it,
//! the REST API recording what Omnify sends): Identify with the token and intents,
//! heartbeats, a mention opening a thread on its message, the thread continued without
//! a mention, DMs, the bot's own messages ignored, a replayed event after op 7 → Resume
//! answered once, a refused intent (4014) stopping the Gateway, a zombie connection
//! resumed, experts answering from an escalation's thread (also after a restart), and
//! a restart that replays an interaction and an event without opening a second thread.

use common::discord::*;
use omnify_server::discord::adapter::DiscordApi;
use omnify_server::discord::adapter::gateway::{self, GatewayError, Options as GatewayOptions};
use omnify_server::discord::adapter::signature::public_key_hex;
use omnify_tests::{Options, TestApp, spawn_app};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

mod common;

const DM_CHANNEL: &str = "1800000000000000001";
const BYSTANDER: &str = "1300000000000000003";
const OTHER_BOT: &str = "1100000000000000009";
/// The stand-in's heartbeat interval.
const HEARTBEAT_MS: u64 = 300;

struct Setup {
    app: TestApp,
    discord: Arc<Discord>,
    gateway: Arc<Gateway>,
}

async fn app_on(discord_url: String, data_dir: Option<std::path::PathBuf>) -> TestApp {
    spawn_app(Options {
        data_dir,
        tweak: Some(Box::new(move |s| {
            s.discord.public_key = public_key_hex(&PRIVATE_KEY);
            s.discord.application_id = APP_ID.into();
            s.discord.bot_token = omnify_core::Secret::new(BOT_TOKEN);
            s.discord.api_base_url = discord_url;
            s.discord.update_interval_ms = 200;
            s.discord.experts_channel_id = EXPERTS_CHANNEL.into();
            s.discord
                .expert_users
                .insert(ANA.into(), "ana@agency.test".into());
        })),
        ..Options::default()
    })
    .await
}

/// A server with the Gateway connected (READY received).
async fn connected() -> Setup {
    let (discord, url) = start().await;
    let gateway = Gateway::start(HEARTBEAT_MS).await;
    discord.set_gateway_url(&gateway.url);
    let app = app_on(url, None).await;
    gateway.until_session(1).await;
    Setup {
        app,
        discord,
        gateway,
    }
}

fn thread_calls(calls: &[Call]) -> Vec<Call> {
    calls
        .iter()
        .filter(|c| c.method == "POST" && c.path.ends_with("/threads"))
        .cloned()
        .collect()
}

/// The final answer posted or edited in a channel (it carries embeds; streamed edits never do).
fn answer_in(calls: &[Call], channel: &str, after: usize) -> Option<Call> {
    let prefix = format!("channels/{channel}/messages");
    calls[after.min(calls.len())..]
        .iter()
        .find(|c| c.path.starts_with(&prefix) && c.body["embeds"].is_array())
        .cloned()
}

/// Ask in a DM and wait for the answer: everything dispatched before it was handled
/// (or ignored) by then.
async fn barrier(s: &Setup, id: &str) {
    let before = s.discord.calls().len();
    s.gateway.dispatch(
        "MESSAGE_CREATE",
        message_create(
            id,
            DM_CHANNEL,
            None,
            MARKETER,
            "how did Google do last week?",
        ),
    );
    until(&s.discord, "the answer to the barrier DM", |c| {
        answer_in(c, DM_CHANNEL, before)
    })
    .await;
}

#[tokio::test]
async fn identify_carries_the_token_and_intents_and_heartbeats_follow() {
    let s = connected().await;
    let identify = s.gateway.until("Identify", |r| r.frame["op"] == 2).await;
    let d = &identify.frame["d"];
    assert_eq!(d["token"], BOT_TOKEN);
    assert_eq!(d["intents"], 1 | (1 << 9) | (1 << 12) | (1 << 15));
    assert_eq!(d["properties"]["browser"], "omnify");
    assert_eq!(d["properties"]["device"], "omnify");
    assert!(d["properties"]["os"].is_string());
    assert!(
        identify.path.contains("v=10") && identify.path.contains("encoding=json"),
        "{}",
        identify.path
    );
    let discovered = s
        .discord
        .calls()
        .into_iter()
        .find(|c| c.path == "gateway/bot")
        .expect("GET /gateway/bot");
    assert_eq!(discovered.method, "GET");
    assert_eq!(discovered.auth, format!("Bot {BOT_TOKEN}"));

    // Beats every interval, carrying the last sequence number (READY's).
    s.gateway
        .until("three heartbeats", |_| s.gateway.frames(1).len() >= 3)
        .await;
    let beats = s.gateway.frames(1);
    assert_eq!(beats.last().unwrap().frame["d"], 1, "{beats:#?}");
    for pair in beats.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(
            gap >= Duration::from_millis(HEARTBEAT_MS - 60)
                && gap <= Duration::from_millis(HEARTBEAT_MS * 3),
            "heartbeats {gap:?} apart, the interval is {HEARTBEAT_MS} ms"
        );
    }
    assert_eq!(
        s.gateway.connections(),
        1,
        "ACKed beats keep the connection"
    );
}

#[tokio::test]
async fn a_mention_opens_a_thread_on_the_message_and_the_thread_continues_without_one() {
    let s = connected().await;
    let question = "1700000000000000001";
    s.gateway.dispatch(
        "MESSAGE_CREATE",
        message_create(
            question,
            CHANNEL,
            Some(GUILD),
            MARKETER,
            &format!("<@{APP_ID}> how did Meta do last week?"),
        ),
    );
    let thread = until(&s.discord, "the thread", |c| {
        thread_calls(c).first().cloned()
    })
    .await;
    assert_eq!(
        thread.path,
        format!("channels/{CHANNEL}/messages/{question}/threads")
    );
    assert_eq!(
        thread.body["name"], "how did Meta do last week?",
        "mention stripped"
    );
    assert_eq!(thread.auth, format!("Bot {BOT_TOKEN}"));
    // The thread's id is the message's: the answer is posted, then edited, there.
    let answer = until(&s.discord, "the answer in the thread", |c| {
        answer_in(c, question, 0)
    })
    .await;
    assert!(all_text(&answer).contains("Meta"), "{:#}", answer.body);
    let calls = s.discord.calls();
    let opened = posts_to(&calls, &format!("channels/{question}/messages"));
    assert!(!opened.is_empty(), "a message opened in the thread");
    assert!(
        calls.iter().any(|c| c.method == "PATCH"
            && c.path
                .starts_with(&format!("channels/{question}/messages/"))),
        "the opened message is edited: {calls:#?}"
    );

    // In the thread, no mention needed: the same conversation goes on.
    let before = s.discord.calls().len();
    s.gateway.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1700000000000000002",
            question,
            Some(GUILD),
            MARKETER,
            "and TikTok?",
        ),
    );
    let reply = until(&s.discord, "the follow-up's answer", |c| {
        answer_in(c, question, before)
    })
    .await;
    assert!(all_text(&reply).contains("TikTok"), "{:#}", reply.body);
    assert_eq!(
        thread_calls(&s.discord.calls()).len(),
        1,
        "no second thread"
    );

    let conversation = conversation_id(&s.app, question).await;
    let history = s
        .app
        .get(
            &format!("/api/v1/conversations/{conversation}"),
            Some(&s.app.api_key),
        )
        .await;
    assert_eq!(history.status, 200, "{:?}", history.body);
    let messages = history.body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4, "{:#?}", history.body);
    assert_eq!(messages[0]["text"], "how did Meta do last week?");
    assert_eq!(messages[2]["text"], "and TikTok?");

    // A message in a channel that does not mention the bot is not its business.
    let before = s.discord.calls().len();
    s.gateway.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1700000000000000003",
            CHANNEL,
            Some(GUILD),
            MARKETER,
            "lunch at noon?",
        ),
    );
    barrier(&s, "1700000000000000004").await;
    let since = &s.discord.calls()[before..];
    assert!(
        !since
            .iter()
            .any(|c| c.path.starts_with(&format!("channels/{CHANNEL}"))),
        "{since:#?}"
    );
}

#[tokio::test]
async fn a_dm_is_answered_in_the_dm_and_the_bots_own_messages_are_ignored() {
    let s = connected().await;
    // The bot's own message (what it posts comes back as MESSAGE_CREATE), and another
    // bot's mention: neither is answered.
    let mut own = message_create(
        "1700000000000000010",
        CHANNEL,
        Some(GUILD),
        APP_ID,
        &format!("<@{APP_ID}> how did Meta do last week?"),
    );
    own["author"]["bot"] = json!(true);
    s.gateway.dispatch("MESSAGE_CREATE", own);
    let mut other = message_create(
        "1700000000000000011",
        CHANNEL,
        Some(GUILD),
        OTHER_BOT,
        &format!("<@{APP_ID}> how did Meta do last week?"),
    );
    other["author"]["bot"] = json!(true);
    s.gateway.dispatch("MESSAGE_CREATE", other);

    s.gateway.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1700000000000000012",
            DM_CHANNEL,
            None,
            MARKETER,
            "how did Google do last week?",
        ),
    );
    let answer = until(&s.discord, "the answer in the DM", |c| {
        answer_in(c, DM_CHANNEL, 0)
    })
    .await;
    assert!(all_text(&answer).contains("Google"), "{:#}", answer.body);
    let calls = s.discord.calls();
    assert!(
        thread_calls(&calls).is_empty(),
        "a DM opens no thread: {calls:#?}"
    );
    assert!(
        !calls
            .iter()
            .any(|c| c.path.starts_with(&format!("channels/{CHANNEL}"))),
        "bots' messages are not answered: {calls:#?}"
    );
    let conversation = conversation_id(&s.app, DM_CHANNEL).await;
    assert!(
        !conversation.is_empty(),
        "the DM channel is the conversation"
    );
}

#[tokio::test]
async fn a_message_replayed_after_reconnect_and_resume_is_answered_once() {
    let s = connected().await;
    let question = "1700000000000000020";
    let seq = s.gateway.dispatch(
        "MESSAGE_CREATE",
        message_create(
            question,
            CHANNEL,
            Some(GUILD),
            MARKETER,
            &format!("<@{APP_ID}> how did Meta do last week?"),
        ),
    );
    until(&s.discord, "the answer", |c| answer_in(c, question, 0)).await;
    // Messages opened in the thread (charts, which follow the answer, aside).
    let opened = |c: &[Call]| {
        posts_to(c, &format!("channels/{question}/messages"))
            .into_iter()
            .filter(|c| c.files.is_empty())
            .count()
    };
    let answered = opened(&s.discord.calls());

    // op 7: reconnect to the resume URL and resume with the session and last sequence.
    s.gateway.send(json!({"op": 7, "d": null}));
    let resume = s.gateway.until("Resume", |r| r.frame["op"] == 6).await;
    assert_eq!(resume.connection, 2);
    assert!(resume.path.starts_with("/resume"), "{}", resume.path);
    assert_eq!(resume.frame["d"]["session_id"], SESSION_ID);
    assert_eq!(resume.frame["d"]["seq"], seq);
    assert_eq!(resume.frame["d"]["token"], BOT_TOKEN);
    assert!(
        s.gateway.frames(2).len() == 1,
        "resumed, not identified again: {:#?}",
        s.gateway.received()
    );
    // The stand-in replayed the mention before RESUMED; a DM after it is answered…
    s.gateway.until_session(2).await;
    barrier(&s, "1700000000000000021").await;
    // …and the replayed mention was not.
    let calls = s.discord.calls();
    assert_eq!(thread_calls(&calls).len(), 1, "{calls:#?}");
    assert_eq!(opened(&calls), answered, "no second answer: {calls:#?}");
}

#[tokio::test]
async fn a_refused_message_content_intent_stops_the_gateway_without_a_reconnect_loop() {
    let s = connected().await;
    s.gateway.close(4014, "Disallowed intent(s).");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(s.gateway.connections(), 1, "{:#?}", s.gateway.received());
    assert_eq!(s.gateway.frames(2).len(), 1, "no second Identify");
    // The server carries on: interactions still work.
    let ping = json!({"type": 1, "id": "1600000000000000001", "application_id": APP_ID, "token": "t", "version": 1});
    assert_eq!(signed(&s.app, &ping).await.body, json!({"type": 1}));
}

#[tokio::test]
async fn the_gateway_client_says_what_to_fix_when_discord_refuses_the_intent() {
    omnify_server::install_crypto_provider();
    let (discord, url) = start().await;
    let stand_in = Gateway::start(HEARTBEAT_MS).await;
    discord.set_gateway_url(&stand_in.url);
    let api = DiscordApi::new(&url, BOT_TOKEN, APP_ID).unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let client = tokio::spawn(gateway::run(
        api,
        omnify_core::Secret::new(BOT_TOKEN),
        GatewayOptions::default(),
        tx,
    ));
    stand_in.until("Identify", |r| r.frame["op"] == 2).await;
    stand_in.close(4014, "Disallowed intent(s).");
    let ended = tokio::time::timeout(Duration::from_secs(5), client)
        .await
        .expect("the client stops instead of reconnecting")
        .unwrap();
    let GatewayError::Refused(why) = ended else {
        panic!("refused, got {ended:?}");
    };
    assert!(
        why.contains("4014")
            && why.contains("MESSAGE CONTENT INTENT")
            && why.contains("Privileged Gateway Intents"),
        "{why}"
    );
    assert_eq!(stand_in.connections(), 1);
}

#[tokio::test]
async fn a_connection_whose_heartbeats_go_unacknowledged_is_replaced_and_resumed() {
    let s = connected().await;
    s.gateway
        .ack_heartbeats
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let resume = s.gateway.until("Resume", |r| r.frame["op"] == 6).await;
    assert_eq!(resume.connection, 2);
    assert_eq!(resume.frame["d"]["session_id"], SESSION_ID);
    s.gateway
        .ack_heartbeats
        .store(true, std::sync::atomic::Ordering::SeqCst);
    s.gateway.until_session(2).await;
    barrier(&s, "1700000000000000030").await;
}

#[tokio::test]
async fn an_expert_answers_from_the_escalation_thread_and_the_user_gets_it() {
    let s = connected().await;
    let body = json!({"name": "Ana", "email": "ana@agency.test", "skills": ["paid_social"]});
    let r = s
        .app
        .post_raw(
            "/api/v1/experts",
            Some(&s.app.api_key),
            body.to_string(),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let ana_token = r.body["token"].as_str().unwrap().to_string();

    let question = "1700000000000000040";
    s.gateway.dispatch(
        "MESSAGE_CREATE",
        message_create(
            question,
            CHANNEL,
            Some(GUILD),
            MARKETER,
            &format!("<@{APP_ID}> Can I talk to a human about our Meta budget?"),
        ),
    );
    let experts = format!("channels/{EXPERTS_CHANNEL}/messages");
    let summary = until(&s.discord, "the escalation summary", |c| {
        c.iter()
            .find(|c| c.method == "POST" && c.path == experts)
            .cloned()
    })
    .await;
    let claim = summary.body["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let escalation_id = claim.trim_start_matches("omnify:claim:").to_string();
    // The post gets a thread: the expert's side of the conversation.
    let opened = until(&s.discord, "the escalation's thread", |c| {
        thread_calls(c)
            .into_iter()
            .find(|t| t.path.starts_with(&format!("{experts}/")))
    })
    .await;
    let post_id = opened.path.split('/').nth(3).unwrap().to_string();
    let escalation_thread = post_id.clone();
    assert!(
        opened.body["name"]
            .as_str()
            .unwrap()
            .starts_with("Escalation"),
        "{:#}",
        opened.body
    );

    // Ana claims it with the button.
    let message =
        json!({"id": post_id, "channel_id": EXPERTS_CHANNEL, "content": summary.body["content"]});
    let r = signed(
        &s.app,
        &click(
            "1600000000000000042",
            ANA,
            EXPERTS_CHANNEL,
            &message,
            &claim,
        ),
    )
    .await;
    assert_eq!(r.body, json!({"type": 6}));
    until(&s.discord, "the claim", |c| {
        c.iter()
            .find(|c| {
                c.path
                    .ends_with("token-1600000000000000042/messages/@original")
            })
            .cloned()
    })
    .await;

    // Someone who is no expert writes in the thread: not passed on; told once.
    for id in ["1700000000000000041", "1700000000000000042"] {
        s.gateway.dispatch(
            "MESSAGE_CREATE",
            message_create(
                id,
                &escalation_thread,
                Some(GUILD),
                BYSTANDER,
                "I can take this one",
            ),
        );
    }
    let told = until(&s.discord, "the bystander told", |c| {
        posts_to(c, &format!("channels/{escalation_thread}/messages"))
            .into_iter()
            .find(|c| all_text(c).contains("not linked"))
    })
    .await;
    assert!(all_text(&told).contains(BYSTANDER), "{:#}", told.body);

    // Ana writes in the thread: the user's thread gets it, as from the console.
    s.gateway.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1700000000000000043",
            &escalation_thread,
            Some(GUILD),
            ANA,
            "Hi! I'm looking at your Meta budget now.",
        ),
    );
    let relayed = until(&s.discord, "Ana's reply in the user's thread", |c| {
        posts_to(c, &format!("channels/{question}/messages"))
            .into_iter()
            .find(|c| all_text(c).contains("(expert)"))
    })
    .await;
    assert_eq!(
        relayed.body["content"],
        "**Ana (expert):** Hi! I'm looking at your Meta budget now."
    );
    let calls = s.discord.calls();
    assert_eq!(
        calls
            .iter()
            .filter(|c| all_text(c).contains("not linked"))
            .count(),
        1,
        "told once"
    );
    assert!(
        !calls
            .iter()
            .any(|c| c.path.starts_with(&format!("channels/{question}/"))
                && all_text(c).contains("take this one")),
        "the bystander's words never reach the user"
    );
    let detail = s
        .app
        .get(
            &format!("/api/v1/expert/escalations/{escalation_id}"),
            Some(&ana_token),
        )
        .await;
    assert!(
        detail
            .body
            .to_string()
            .contains("looking at your Meta budget"),
        "{:#}",
        detail.body
    );

    // The user answers in their thread: it reaches Ana's thread, and the bot stays quiet.
    s.gateway.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1700000000000000044",
            question,
            Some(GUILD),
            MARKETER,
            "Thanks, I'll wait.",
        ),
    );
    until(
        &s.discord,
        "the user's words in the escalation thread",
        |c| {
            posts_to(c, &format!("channels/{escalation_thread}/messages"))
                .into_iter()
                .find(|c| all_text(c).contains("**User:** Thanks, I'll wait."))
        },
    )
    .await;

    // `resolve:` hands the conversation back to the bot.
    s.gateway.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1700000000000000045",
            &escalation_thread,
            Some(GUILD),
            ANA,
            "resolve: keep the Meta budget as it is until the sale ends",
        ),
    );
    until(&s.discord, "the resolution", |c| {
        posts_to(c, &format!("channels/{escalation_thread}/messages"))
            .into_iter()
            .find(|c| all_text(c).contains("Resolved by Ana"))
    })
    .await;
    let detail = s
        .app
        .get(
            &format!("/api/v1/expert/escalations/{escalation_id}"),
            Some(&ana_token),
        )
        .await;
    assert!(
        detail.body.to_string().contains("resolved"),
        "{:#}",
        detail.body
    );
}

#[tokio::test]
async fn after_a_restart_a_replayed_interaction_or_event_opens_no_second_thread() {
    let (discord, url) = start().await;
    let gateway = Gateway::start(HEARTBEAT_MS).await;
    discord.set_gateway_url(&gateway.url);
    let dir = tempfile::tempdir().unwrap();
    let first = app_on(url.clone(), Some(dir.path().to_path_buf())).await;
    gateway.until_session(1).await;

    // A slash command in a channel and a mention, each answered in its own thread.
    let interaction = ask(
        "1600000000000000090",
        CHANNEL,
        0,
        "how did Meta do last week?",
    );
    assert_eq!(signed(&first, &interaction).await.body, json!({"type": 5}));
    let mention_id = "1700000000000000090";
    let mention = message_create(
        mention_id,
        CHANNEL,
        Some(GUILD),
        MARKETER,
        &format!("<@{APP_ID}> how did Google do last week?"),
    );
    gateway.dispatch("MESSAGE_CREATE", mention.clone());
    until(&discord, "both threads answered", |c| {
        let threads = thread_calls(c);
        let answered = threads
            .iter()
            .filter(|t| {
                let id = t.path.split('/').nth(3).unwrap();
                answer_in(c, id, 0).is_some()
            })
            .count();
        (threads.len() == 2 && answered == 2).then_some(())
    })
    .await;
    let header_edits = |c: &[Call]| {
        c.iter()
            .filter(|c| {
                c.path
                    .ends_with("token-1600000000000000090/messages/@original")
            })
            .count()
    };
    let headers_before = header_edits(&discord.calls());
    drop(first);

    let second = app_on(url, Some(dir.path().to_path_buf())).await;
    gateway.until_session(2).await;
    let before = discord.calls().len();
    // The same interaction again, now that the in-memory guard is gone: acknowledged,
    // its header rewritten in place, and nothing else.
    assert_eq!(signed(&second, &interaction).await.body, json!({"type": 5}));
    until(&discord, "the replay's header", |c| {
        (header_edits(c) > headers_before).then_some(())
    })
    .await;
    // The same event again (a new session's Discord would not, but a resume may).
    gateway.dispatch("MESSAGE_CREATE", mention);
    let s = Setup {
        app: second,
        discord: discord.clone(),
        gateway: gateway.clone(),
    };
    barrier(&s, "1700000000000000091").await;
    let since = &discord.calls()[before..];
    assert!(
        thread_calls(since).is_empty(),
        "no second thread: {since:#?}"
    );
    assert!(
        !since
            .iter()
            .any(|c| c.path.starts_with(&format!("channels/{mention_id}/")) && c.files.is_empty()),
        "no second answer (a late chart of the first aside): {since:#?}"
    );

    // The thread still is a conversation after the restart: no mention needed.
    let before = discord.calls().len();
    gateway.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1700000000000000092",
            mention_id,
            Some(GUILD),
            MARKETER,
            "and Meta?",
        ),
    );
    let reply = until(&discord, "the follow-up after the restart", |c| {
        answer_in(c, mention_id, before)
    })
    .await;
    assert!(all_text(&reply).contains("Meta"), "{:#}", reply.body);
}

#[tokio::test]
async fn after_a_restart_an_experts_reply_in_the_escalation_thread_still_reaches_the_user() {
    let (discord, url) = start().await;
    let gateway = Gateway::start(HEARTBEAT_MS).await;
    discord.set_gateway_url(&gateway.url);
    let dir = tempfile::tempdir().unwrap();
    let first = app_on(url.clone(), Some(dir.path().to_path_buf())).await;
    gateway.until_session(1).await;
    let body = json!({"name": "Ana", "email": "ana@agency.test", "skills": ["paid_social"]});
    let r = first
        .post_raw(
            "/api/v1/experts",
            Some(&first.api_key),
            body.to_string(),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    let question = "1700000000000000060";
    gateway.dispatch(
        "MESSAGE_CREATE",
        message_create(
            question,
            CHANNEL,
            Some(GUILD),
            MARKETER,
            &format!("<@{APP_ID}> Can I talk to a human about our Meta budget?"),
        ),
    );
    let experts = format!("channels/{EXPERTS_CHANNEL}/messages");
    let opened = until(&discord, "the escalation's thread", |c| {
        thread_calls(c)
            .into_iter()
            .find(|t| t.path.starts_with(&format!("{experts}/")))
    })
    .await;
    let escalation_thread = opened.path.split('/').nth(3).unwrap().to_string();
    let summary = discord
        .calls()
        .into_iter()
        .find(|c| c.method == "POST" && c.path == experts)
        .unwrap();
    let claim = summary.body["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let message = json!({"id": escalation_thread, "channel_id": EXPERTS_CHANNEL, "content": summary.body["content"]});
    signed(
        &first,
        &click(
            "1600000000000000061",
            ANA,
            EXPERTS_CHANNEL,
            &message,
            &claim,
        ),
    )
    .await;
    until(&discord, "the claim", |c| {
        c.iter()
            .find(|c| {
                c.path
                    .ends_with("token-1600000000000000061/messages/@original")
            })
            .cloned()
    })
    .await;
    drop(first);

    // A new process knows neither the thread nor the escalation from memory.
    let _second = app_on(url, Some(dir.path().to_path_buf())).await;
    gateway.until_session(2).await;
    gateway.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1700000000000000061",
            &escalation_thread,
            Some(GUILD),
            ANA,
            "Back after the restart: I'm on it.",
        ),
    );
    until(&discord, "Ana's reply in the user's thread", |c| {
        posts_to(c, &format!("channels/{question}/messages"))
            .into_iter()
            .find(|c| all_text(c).contains("**Ana (expert):** Back after the restart"))
    })
    .await;
    // The thread's first message was read back to find the escalation.
    assert!(
        discord
            .calls()
            .iter()
            .any(|c| c.method == "GET" && c.path == format!("{experts}/{escalation_thread}")),
        "the escalation's post was read back"
    );
    // And the user's answer finds the expert's thread through the escalation's log.
    gateway.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1700000000000000062",
            question,
            Some(GUILD),
            MARKETER,
            "Great, thanks!",
        ),
    );
    until(&discord, "the user's words in the escalation thread", |c| {
        posts_to(c, &format!("channels/{escalation_thread}/messages"))
            .into_iter()
            .find(|c| all_text(c).contains("**User:** Great, thanks!"))
    })
    .await;
}
