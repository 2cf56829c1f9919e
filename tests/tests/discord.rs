#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! Discord end to end: Ed25519-signed interactions in (PING, forged and missing
//! signatures, `/omnify` commands, buttons), and a local stand-in for Discord's REST API
//! — the one serenity's requests are pointed at — recording what Omnify sends: the
//! question's header, the thread, the streamed edits, the final answer with its embeds,
//! a 429 waited out, the proposal's outcome, the escalation summary and the expert's
//! reply relayed into the thread. The stand-in is `common/discord.rs`.

use common::discord::*;
use omnify_server::discord::adapter::signature::{public_key_hex, sign};
use omnify_tests::{Options, TestApp, spawn_app};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

mod common;

async fn app_with_discord() -> (TestApp, Arc<Discord>) {
    let (discord, url) = start().await;
    let app = spawn_app(Options {
        tweak: Some(Box::new(move |s| {
            s.discord.public_key = public_key_hex(&PRIVATE_KEY);
            s.discord.application_id = APP_ID.into();
            s.discord.bot_token = omnify_core::Secret::new(BOT_TOKEN);
            s.discord.api_base_url = url;
            s.discord.update_interval_ms = 200;
            s.discord.experts_channel_id = EXPERTS_CHANNEL.into();
            s.discord
                .expert_users
                .insert(ANA.into(), "ana@agency.test".into());
            // Interactions only: the Gateway has its own tests (discord_gateway.rs).
            s.discord.gateway = false;
        })),
        ..Options::default()
    })
    .await;
    (app, discord)
}

#[tokio::test]
async fn ping_is_answered_and_missing_forged_or_stale_signatures_get_401() {
    let (app, discord) = app_with_discord().await;
    let ping = json!({"type": 1, "id": "1600000000000000001", "application_id": APP_ID, "token": "t", "version": 1});
    let r = signed(&app, &ping).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body, json!({"type": 1}));

    let r = app
        .post_raw("/discord/interactions", None, ping.to_string(), &[])
        .await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    assert_eq!(r.body["error"]["code"], "unauthorized");

    let ts = now().to_string();
    let forged = sign(&[7; 32], &ts, ping.to_string().as_bytes());
    let r = app
        .post_raw(
            "/discord/interactions",
            None,
            ping.to_string(),
            &[
                ("x-signature-ed25519", &forged),
                ("x-signature-timestamp", &ts),
            ],
        )
        .await;
    assert_eq!(r.status, 401, "{:?}", r.body);

    // A real signature over another body.
    let good = sign(&PRIVATE_KEY, &ts, ping.to_string().as_bytes());
    let tampered = ask("1600000000000000002", CHANNEL, 0, "how did Meta do?");
    let r = app
        .post_raw(
            "/discord/interactions",
            None,
            tampered.to_string(),
            &[
                ("x-signature-ed25519", &good),
                ("x-signature-timestamp", &ts),
            ],
        )
        .await;
    assert_eq!(r.status, 401, "{:?}", r.body);

    let r = signed_at(&app, &ping, now() - 301).await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("too old")
    );
    assert!(
        discord.calls().is_empty(),
        "nothing refused reached Discord"
    );
}

#[tokio::test]
async fn an_ask_in_a_channel_opens_a_thread_streams_the_answer_there_and_the_thread_continues() {
    let (app, discord) = app_with_discord().await;
    let first = ask(
        "1600000000000000010",
        CHANNEL,
        0,
        "how did Meta do last week?",
    );
    let r = signed(&app, &first).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body, json!({"type": 5}), "deferred");

    // The deferred response becomes the question's header; the thread hangs off it.
    let header = until(&discord, "the question's header", |c| {
        c.iter()
            .find(|c| {
                c.path
                    .ends_with("token-1600000000000000010/messages/@original")
            })
            .cloned()
    })
    .await;
    assert_eq!(header.method, "PATCH");
    assert_eq!(header.path.split('/').nth(1), Some(APP_ID));
    assert!(
        header.body["content"]
            .as_str()
            .unwrap()
            .contains("how did Meta do last week?")
    );
    assert_eq!(header.body["allowed_mentions"]["parse"], json!([]));
    let thread = until(&discord, "the thread", |c| {
        c.iter().find(|c| c.path.ends_with("/threads")).cloned()
    })
    .await;
    let parts: Vec<&str> = thread.path.split('/').collect();
    assert_eq!(parts[1], CHANNEL);
    assert_eq!(thread.body["name"], "how did Meta do last week?");
    assert_eq!(thread.auth, "Bot discord-bot-token");
    let thread_id = parts[3].to_string();

    // In the thread: a placeholder, edited as the answer streams, then the answer.
    let messages = format!("channels/{thread_id}/messages");
    let placeholder = until(&discord, "the placeholder", |c| {
        posts_to(c, &messages).first().cloned()
    })
    .await;
    assert!(
        placeholder.body["content"]
            .as_str()
            .unwrap()
            .starts_with("Looking into it"),
        "{:?}",
        placeholder.body
    );
    let opened = format!("{messages}/1400000000000000001");
    let done = until(&discord, "the final answer", |c| final_at(c, &opened)).await;
    let text = all_text(&done);
    assert!(text.contains("Meta"), "{text}");
    assert!(text.contains('$'), "numbers in the answer: {text}");
    let sources = done.body["embeds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["title"] == "Sources")
        .cloned()
        .unwrap_or_else(|| panic!("a Sources embed in {:#}", done.body));
    let cited = sources["fields"][0].to_string();
    assert!(
        cited.contains("get_marketing_performance") && cited.contains("meta"),
        "{cited}"
    );
    for c in discord.calls() {
        assert!(
            c.body["content"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .count()
                <= 2000,
            "{c:?}"
        );
    }

    // The same interaction again (a replay): acknowledged, never answered twice.
    let r = signed(&app, &first).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["type"], 4);
    assert_eq!(r.body["data"]["flags"], 64);

    // Asking in the thread continues the conversation; the answer comes in place.
    let calls_before = discord.calls().len();
    let second = ask("1600000000000000011", &thread_id, 11, "and TikTok?");
    assert_eq!(signed(&app, &second).await.body, json!({"type": 5}));
    let original = format!("webhooks/{APP_ID}/token-1600000000000000011/messages/@original");
    let reply = until(&discord, "the answer in the thread", |c| {
        final_at(c, &original)
    })
    .await;
    assert!(all_text(&reply).contains("TikTok"), "{:#}", reply.body);
    let new_calls = &discord.calls()[calls_before..];
    assert!(
        !new_calls.iter().any(|c| c.path.ends_with("/threads")),
        "no second thread: {new_calls:#?}"
    );
    let placeholders: Vec<Call> = posts_to(&discord.calls(), &messages)
        .into_iter()
        .filter(|c| c.files.is_empty())
        .collect();
    assert_eq!(
        placeholders.len(),
        1,
        "one placeholder for the first question (charts aside), none for the replay: {placeholders:#?}"
    );

    let conv = conversation_id(&app, &thread_id).await;
    let history = app
        .get(&format!("/api/v1/conversations/{conv}"), Some(&app.api_key))
        .await;
    assert_eq!(history.status, 200, "{:?}", history.body);
    assert_eq!(
        history.body["messages"].as_array().unwrap().len(),
        4,
        "{:#?}",
        history.body
    );
}

#[tokio::test]
async fn a_rate_limited_edit_waits_for_retry_after_and_the_answer_still_arrives() {
    let (app, discord) = app_with_discord().await;
    discord
        .throttle_channel_edits
        .store(1, std::sync::atomic::Ordering::SeqCst);
    let r = signed(
        &app,
        &ask(
            "1600000000000000020",
            CHANNEL,
            0,
            "how did Meta do last week?",
        ),
    )
    .await;
    assert_eq!(r.status, 200);
    let done = until(&discord, "the final answer", |c| {
        c.iter()
            .find(|c| {
                c.method == "PATCH"
                    && c.path.starts_with("channels/")
                    && c.body["embeds"].is_array()
            })
            .cloned()
    })
    .await;
    assert!(all_text(&done).contains("Meta"));
    let calls = discord.calls();
    let refused = calls
        .iter()
        .position(|c| c.method == "429")
        .expect("one edit was refused");
    let next = calls[refused + 1..]
        .iter()
        .find(|c| c.method == "PATCH" && c.path == calls[refused].path)
        .unwrap_or_else(|| panic!("an edit follows the 429: {calls:#?}"));
    let waited = next.at.duration_since(calls[refused].at);
    assert!(
        waited >= Duration::from_secs_f64(RETRY_AFTER_SECS),
        "waited {waited:?}, Discord asked for {}s",
        RETRY_AFTER_SECS
    );
}

#[tokio::test]
async fn confirming_a_proposal_with_its_button_executes_it() {
    let (app, discord) = app_with_discord().await;
    let question = "raise the daily budget of the Meta campaign \"Prospecting - Broad\" by 10%";
    let r = signed(&app, &ask("1600000000000000030", CHANNEL, 0, question)).await;
    assert_eq!(r.status, 200);
    let done = until(&discord, "the proposal", |c| {
        c.iter()
            .find(|c| {
                c.method == "PATCH"
                    && c.path.starts_with("channels/")
                    && c.body["embeds"].is_array()
            })
            .cloned()
    })
    .await;
    let buttons = done.body["components"][0]["components"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("buttons in {:#}", done.body));
    let confirm = buttons[0]["custom_id"].as_str().unwrap().to_string();
    assert!(confirm.starts_with("omnify:confirm:"), "{confirm}");
    assert_eq!(buttons[1]["label"], "Cancel");
    let action_id = confirm.trim_start_matches("omnify:confirm:").to_string();
    let before = app
        .get(&format!("/api/v1/actions/{action_id}"), Some(&app.api_key))
        .await;
    assert_eq!(before.body["status"], "proposed", "{:?}", before.body);

    let message_id = done.path.rsplit('/').next().unwrap();
    let message = json!({"id": message_id, "channel_id": CHANNEL, "content": done.body["content"]});
    let r = signed(
        &app,
        &click("1600000000000000031", MARKETER, CHANNEL, &message, &confirm),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body, json!({"type": 6}), "deferred update");

    let outcome = until(&discord, "the outcome", |c| {
        c.iter()
            .find(|c| {
                c.path
                    .ends_with("token-1600000000000000031/messages/@original")
            })
            .cloned()
    })
    .await;
    let content = outcome.body["content"].as_str().unwrap();
    assert!(content.contains("Done"), "{content}");
    assert_eq!(outcome.body["components"], json!([]), "buttons removed");
    let after = app
        .get(&format!("/api/v1/actions/{action_id}"), Some(&app.api_key))
        .await;
    assert_eq!(after.body["status"], "executed", "{:?}", after.body);
}

#[tokio::test]
async fn an_escalation_reaches_the_expert_and_their_reply_comes_back_to_the_thread() {
    let (app, discord) = app_with_discord().await;
    let body = json!({"name": "Ana", "email": "ana@agency.test", "skills": ["paid_social"]});
    let r = app
        .post_raw("/api/v1/experts", Some(&app.api_key), body.to_string(), &[])
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let ana = r.body["token"].as_str().unwrap().to_string();

    let question = "Can I talk to a human about our Meta budget?";
    let r = signed(&app, &ask("1600000000000000040", CHANNEL, 0, question)).await;
    assert_eq!(r.status, 200);
    let thread = until(&discord, "the thread", |c| {
        c.iter().find(|c| c.path.ends_with("/threads")).cloned()
    })
    .await;
    let thread_id = thread.path.split('/').nth(3).unwrap().to_string();
    let in_thread = format!("channels/{thread_id}/messages");
    let handoff = until(&discord, "the hand-off notice", |c| {
        c.iter()
            .filter(|c| c.path.starts_with(&in_thread))
            .find(|c| all_text(c).contains("expert"))
            .cloned()
    })
    .await;
    assert!(all_text(&handoff).contains("expert"), "{:#}", handoff.body);

    // The experts channel gets the escalation with Claim / Resolve.
    let summary = until(&discord, "the escalation summary", |c| {
        posts_to(c, &format!("channels/{EXPERTS_CHANNEL}/messages"))
            .first()
            .cloned()
    })
    .await;
    let content = summary.body["content"].as_str().unwrap().to_string();
    assert!(
        content.contains("Escalation") && content.contains(question),
        "{content}"
    );
    let claim = summary.body["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(claim.starts_with("omnify:claim:"), "{claim}");
    let escalation_id = claim.trim_start_matches("omnify:claim:").to_string();

    // A user who is no expert cannot claim it: only they are told why.
    let message =
        json!({"id": "1400000000000009999", "channel_id": EXPERTS_CHANNEL, "content": content});
    let r = signed(
        &app,
        &click(
            "1600000000000000041",
            MARKETER,
            EXPERTS_CHANNEL,
            &message,
            &claim,
        ),
    )
    .await;
    assert_eq!(r.body, json!({"type": 6}));
    let refusal = until(&discord, "the refusal", |c| {
        posts_to(c, &format!("webhooks/{APP_ID}/token-1600000000000000041"))
            .first()
            .cloned()
    })
    .await;
    assert_eq!(refusal.body["flags"], 64, "ephemeral");
    assert!(
        refusal.body["content"]
            .as_str()
            .unwrap()
            .contains("not linked")
    );

    // Ana claims it from Discord.
    let r = signed(
        &app,
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
    let claimed = until(&discord, "the claim", |c| {
        c.iter()
            .find(|c| {
                c.path
                    .ends_with("token-1600000000000000042/messages/@original")
            })
            .cloned()
    })
    .await;
    assert!(
        claimed.body["content"]
            .as_str()
            .unwrap()
            .contains("Claimed by Ana"),
        "{:#}",
        claimed.body
    );
    let detail = app
        .get(
            &format!("/api/v1/expert/escalations/{escalation_id}"),
            Some(&ana),
        )
        .await;
    assert_eq!(detail.status, 200, "{:?}", detail.body);
    assert!(
        detail.body.to_string().contains("claimed"),
        "{:#}",
        detail.body
    );

    // Her reply (from the console / expert API) arrives in the user's thread.
    let r = app
        .post_raw(
            &format!("/api/v1/expert/escalations/{escalation_id}/messages"),
            Some(&ana),
            json!({"text": "Hi! I'm looking at your Meta budget now."}).to_string(),
            &[],
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{:?}", r.body);
    let relayed = until(&discord, "the expert's message", |c| {
        posts_to(c, &in_thread)
            .into_iter()
            .find(|c| all_text(c).contains("Ana (expert)"))
    })
    .await;
    assert_eq!(
        relayed.body["content"],
        "**Ana (expert):** Hi! I'm looking at your Meta budget now."
    );
    assert_eq!(relayed.auth, "Bot discord-bot-token");

    // Resolve from Discord: her last reply is the resolution; the buttons go.
    let resolve = format!("omnify:resolve:{escalation_id}");
    let r = signed(
        &app,
        &click(
            "1600000000000000043",
            ANA,
            EXPERTS_CHANNEL,
            &message,
            &resolve,
        ),
    )
    .await;
    assert_eq!(r.body, json!({"type": 6}));
    let resolved = until(&discord, "the resolution", |c| {
        c.iter()
            .find(|c| {
                c.path
                    .ends_with("token-1600000000000000043/messages/@original")
            })
            .cloned()
    })
    .await;
    assert!(
        resolved.body["content"]
            .as_str()
            .unwrap()
            .contains("Resolved by Ana")
    );
    assert_eq!(resolved.body["components"], json!([]));
}

#[tokio::test]
async fn help_and_connect_answer_only_the_caller_and_report_runs_a_turn() {
    let (app, discord) = app_with_discord().await;
    let r = signed(
        &app,
        &command("1600000000000000050", CHANNEL, 0, "help", json!([])),
    )
    .await;
    assert_eq!(r.body["type"], 4);
    assert_eq!(r.body["data"]["flags"], 64);
    assert!(
        r.body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("/omnify report")
    );

    let r = signed(
        &app,
        &command(
            "1600000000000000051",
            CHANNEL,
            0,
            "connect",
            json!([{"name": "platform", "type": 3, "value": "Shopify"}]),
        ),
    )
    .await;
    let text = r.body["data"]["content"].as_str().unwrap();
    assert!(
        text.contains("/api/v1/connections") && text.contains("shopify"),
        "{text}"
    );
    assert!(!text.contains("discord-bot-token"), "no secrets echoed");

    let r = signed(
        &app,
        &command("1600000000000000052", CHANNEL, 0, "report", json!([])),
    )
    .await;
    assert_eq!(r.body, json!({"type": 5}));
    let done = until(&discord, "the report", |c| {
        c.iter()
            .find(|c| {
                c.method == "PATCH"
                    && c.path.starts_with("channels/")
                    && c.body["embeds"].is_array()
            })
            .cloned()
    })
    .await;
    let text = all_text(&done);
    assert!(text.contains("Meta") && text.contains("Google"), "{text}");
}

#[tokio::test]
async fn register_commands_puts_omnify_on_the_application() {
    let (discord, url) = start().await;
    let mut settings = omnify_server::config::Settings::default();
    settings.discord.application_id = APP_ID.into();
    settings.discord.bot_token = omnify_core::Secret::new("discord-bot-token");
    settings.discord.api_base_url = url;
    omnify_server::install_crypto_provider();
    let n = omnify_server::discord::register_commands(&settings)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let calls = discord.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].method, "PUT");
    assert_eq!(calls[0].path, format!("applications/{APP_ID}/commands"));
    assert_eq!(calls[0].auth, "Bot discord-bot-token");
    assert_eq!(calls[0].body[0]["name"], "omnify");
}

#[tokio::test]
async fn a_chart_the_turn_draws_is_attached_as_a_png_in_the_thread() {
    let (app, discord) = app_with_discord().await;
    let question = "show me the attribution summary by channel for last week";
    let r = signed(&app, &ask("1600000000000000060", CHANNEL, 0, question)).await;
    assert_eq!(r.status, 200);
    let thread = until(&discord, "the thread", |c| {
        c.iter().find(|c| c.path.ends_with("/threads")).cloned()
    })
    .await;
    let thread_id = thread.path.split('/').nth(3).unwrap().to_string();
    let chart = until(&discord, "the chart", |c| {
        posts_to(c, &format!("channels/{thread_id}/messages"))
            .into_iter()
            .find(|c| !c.files.is_empty())
    })
    .await;
    assert!(chart.png, "the file is a PNG");
    assert!(chart.files[0].ends_with(".png"), "{:?}", chart.files);
    assert_eq!(chart.body["attachments"][0]["id"], 0);
    assert!(
        chart.body["content"].as_str().unwrap().starts_with("📈"),
        "{:#}",
        chart.body
    );
    // It follows the answer.
    let calls = discord.calls();
    let answer = calls
        .iter()
        .position(|c| {
            c.method == "PATCH" && c.path.starts_with("channels/") && c.body["embeds"].is_array()
        })
        .expect("the answer");
    let attached = calls.iter().position(|c| !c.files.is_empty()).unwrap();
    assert!(answer < attached);
}
