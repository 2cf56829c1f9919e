#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! Slack end to end: signed Events API requests in, a local stand-in for Slack's Web
//! API recording what Omnify posts (placeholder, throttled edits, final Block Kit),
//! retries that never reply twice, rate limits, buttons and the expert relay.

mod common;

use common::slack::*;
use omnify_server::slack::adapter::signature::sign;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[tokio::test]
async fn a_mention_streams_into_its_thread_once_and_the_thread_continues() {
    let (app, slack) = app_with_slack().await;
    let ts = "1700000001.000100";
    let body = event("Ev0001", mention("how did Meta do last week?", ts));
    let r = signed(&app, "/slack/events", &body, now(), &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    // The placeholder goes into the thread of the mention, then it is edited.
    let placeholder = until(&slack, "the placeholder", |c| {
        c.iter()
            .find(|(m, _)| m == "chat.postMessage")
            .map(|(_, b)| b.clone())
    })
    .await;
    assert_eq!(placeholder["channel"], CHANNEL);
    assert_eq!(placeholder["thread_ts"], ts);
    assert_eq!(placeholder["text"], "Looking into it…");
    let reply_ts = "1800000000.000000";
    let done = until(&slack, "the final reply", |c| final_update(c, reply_ts)).await;
    let text = all_text(&done["blocks"]);
    assert!(text.contains("Meta"), "{text}");
    assert!(text.contains('$'), "numbers in the answer: {text}");
    let blocks = done["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "section");
    assert_eq!(blocks[0]["text"]["type"], "mrkdwn");
    let context = blocks.last().unwrap();
    assert_eq!(context["type"], "context");
    let tools = context["elements"][0]["text"].as_str().unwrap();
    assert!(tools.contains("get_marketing_performance"), "{tools}");
    assert!(
        tools.contains("meta"),
        "provenance names the platform: {tools}"
    );
    for b in blocks {
        assert!(b["text"]["text"].as_str().unwrap_or_default().len() <= 3000);
    }

    // Slack retries the same event: stored once, answered once, nothing new posted.
    let r = signed(
        &app,
        "/slack/events",
        &body,
        now(),
        &[
            ("x-slack-retry-num", "1"),
            ("x-slack-retry-reason", "http_timeout"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);

    // A reply in the thread, without a mention, continues the conversation.
    let reply = json!({"type": "message", "user": "U0MARKETER", "text": "and TikTok?",
        "channel": CHANNEL, "channel_type": "channel", "ts": "1700000002.000200", "thread_ts": ts});
    let r = signed(&app, "/slack/events", &event("Ev0002", reply), now(), &[]).await;
    assert_eq!(r.status, 200);
    let second_ts = "1800000000.000001";
    let second = until(&slack, "the second reply", |c| final_update(c, second_ts)).await;
    assert!(all_text(&second["blocks"]).contains("TikTok"), "{second}");

    let posts = slack.of("chat.postMessage");
    assert_eq!(
        posts.len(),
        2,
        "one placeholder per answered message, none for the retry: {posts:#?}"
    );
    assert!(posts.iter().all(|p| p["thread_ts"] == ts));
    let conv = conversation_id(&app, &format!("{CHANNEL}:{ts}")).await;
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
async fn unsigned_forged_and_stale_requests_get_401_and_the_url_check_its_challenge() {
    let (app, slack) = app_with_slack().await;
    let body = event(
        "Ev0100",
        mention("how did Meta do last week?", "1700000003.000100"),
    );

    let r = app.post_raw("/slack/events", None, body.clone(), &[]).await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    assert_eq!(r.body["error"]["code"], "unauthorized");

    let ts = now().to_string();
    let forged = sign(b"not-the-secret", &ts, body.as_bytes());
    let r = app
        .post_raw(
            "/slack/events",
            None,
            body.clone(),
            &[
                ("x-slack-request-timestamp", &ts),
                ("x-slack-signature", &forged),
            ],
        )
        .await;
    assert_eq!(r.status, 401, "{:?}", r.body);

    let r = signed(&app, "/slack/events", &body, now() - 301, &[]).await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("too old")
    );

    for path in ["/slack/interactions", "/slack/commands"] {
        let r = app.post_raw(path, None, "payload=%7B%7D".into(), &[]).await;
        assert_eq!(r.status, 401, "{path}");
    }

    let check = json!({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"});
    let r = signed(&app, "/slack/events", &check.to_string(), now(), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["challenge"], check["challenge"]);
    assert!(slack.calls().is_empty(), "nothing refused reached Slack");
}

#[tokio::test]
async fn a_rate_limited_edit_is_retried_after_retry_after_and_the_answer_arrives() {
    let (app, slack) = app_with_slack().await;
    slack.throttle_updates.store(1, Ordering::SeqCst);
    let ts = "1700000004.000100";
    let body = event("Ev0200", mention("how did Meta do last week?", ts));
    assert_eq!(
        signed(&app, "/slack/events", &body, now(), &[])
            .await
            .status,
        200
    );
    let done = until(&slack, "the final reply", |c| {
        final_update(c, "1800000000.000000")
    })
    .await;
    assert!(all_text(&done["blocks"]).contains("Meta"));
    let calls = slack.calls();
    let throttled = calls
        .iter()
        .position(|(m, _)| m == "429")
        .expect("one edit was refused");
    assert!(
        calls[throttled + 1..]
            .iter()
            .any(|(m, _)| m == "chat.update"),
        "an edit follows the 429: {calls:#?}"
    );
}

#[tokio::test]
async fn confirming_a_proposal_with_its_button_executes_it() {
    let (app, slack) = app_with_slack().await;
    let ts = "1700000005.000100";
    let ask = "raise the daily budget of the Meta campaign \"Prospecting - Broad\" by 10%";
    assert_eq!(
        signed(
            &app,
            "/slack/events",
            &event("Ev0300", mention(ask, ts)),
            now(),
            &[]
        )
        .await
        .status,
        200
    );
    let done = until(&slack, "the proposal", |c| {
        final_update(c, "1800000000.000000")
    })
    .await;
    let actions = done["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "actions")
        .cloned()
        .unwrap_or_else(|| panic!("buttons in {done:#}"));
    assert_eq!(actions["elements"][0]["action_id"], "confirm_action");
    assert_eq!(actions["elements"][1]["action_id"], "cancel_action");
    let action_id = actions["elements"][0]["value"]
        .as_str()
        .unwrap()
        .to_string();
    let before = app
        .get(&format!("/api/v1/actions/{action_id}"), Some(&app.api_key))
        .await;
    assert_eq!(before.body["status"], "proposed", "{:?}", before.body);

    let payload = json!({
        "type": "block_actions",
        "team": {"id": "T0TEAM"},
        "user": {"id": "U0MARKETER"},
        "channel": {"id": CHANNEL},
        "container": {"type": "message", "message_ts": "1800000000.000000", "channel_id": CHANNEL},
        "actions": [{"action_id": "confirm_action", "block_id": format!("proposal:{action_id}"), "value": action_id, "type": "button"}],
    });
    let request = app
        .http
        .post(app.url("/slack/interactions"))
        .form(&[("payload", payload.to_string())])
        .build()
        .unwrap();
    let form = String::from_utf8(request.body().unwrap().as_bytes().unwrap().to_vec()).unwrap();
    let r = signed(&app, "/slack/interactions", &form, now(), &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    let outcome = until(&slack, "the outcome", |c| {
        c.iter()
            .filter(|(m, b)| m == "chat.update" && b["ts"] == "1800000000.000000")
            .map(|(_, b)| b.clone())
            .find(|b| b["text"].as_str().unwrap_or_default().contains("Done"))
    })
    .await;
    assert!(outcome["blocks"].is_array());
    let after = app
        .get(&format!("/api/v1/actions/{action_id}"), Some(&app.api_key))
        .await;
    assert_eq!(after.body["status"], "executed", "{:?}", after.body);
}

#[tokio::test]
async fn an_experts_reply_reaches_the_slack_thread_and_the_bot_stays_quiet() {
    let (app, slack) = app_with_slack().await;
    let body = json!({"name": "Ana", "email": "ana@agency.test", "skills": ["paid_social"]});
    let r = app
        .post_raw("/api/v1/experts", Some(&app.api_key), body.to_string(), &[])
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let ana = r.body["token"].as_str().unwrap().to_string();

    let ts = "1700000006.000100";
    let ask = mention("Can I talk to a human about our Meta budget?", ts);
    assert_eq!(
        signed(&app, "/slack/events", &event("Ev0400", ask), now(), &[])
            .await
            .status,
        200
    );
    let handoff = until(&slack, "the hand-off notice", |c| {
        c.iter()
            .filter(|(m, b)| {
                (m == "chat.postMessage" || m == "chat.update") && b["blocks"].is_array()
            })
            .map(|(_, b)| b.clone())
            .next()
    })
    .await;
    assert!(
        all_text(&handoff["blocks"]).contains("expert"),
        "{handoff:#}"
    );

    let queue = app.get("/api/v1/expert/queue", Some(&ana)).await;
    let id = queue.body["escalations"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .post_raw(
            &format!("/api/v1/expert/escalations/{id}/claim"),
            Some(&ana),
            "{}".into(),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = app
        .post_raw(
            &format!("/api/v1/expert/escalations/{id}/messages"),
            Some(&ana),
            json!({"text": "Hi! I'm looking at your Meta budget now."}).to_string(),
            &[],
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{:?}", r.body);

    let relayed = until(&slack, "the expert's message", |c| {
        c.iter()
            .filter(|(m, _)| m == "chat.postMessage")
            .map(|(_, b)| b.clone())
            .find(|b| {
                b["text"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("Ana (expert)")
            })
    })
    .await;
    assert_eq!(relayed["thread_ts"], ts);
    assert_eq!(relayed["channel"], CHANNEL);
    assert_eq!(
        relayed["text"],
        "*Ana (expert):* Hi! I'm looking at your Meta budget now."
    );
    let joined = slack.of("chat.postMessage");
    assert!(
        joined
            .iter()
            .any(|b| b["text"] == "Ana joined the conversation."),
        "{joined:#?}"
    );

    // While Ana holds it, the user's next message goes to her, and the bot posts nothing.
    let posts_before = slack.of("chat.postMessage").len();
    let follow = json!({"type": "message", "user": "U0MARKETER", "text": "thanks, what do you suggest?",
        "channel": CHANNEL, "channel_type": "channel", "ts": "1700000006.000300", "thread_ts": ts});
    assert_eq!(
        signed(&app, "/slack/events", &event("Ev0401", follow), now(), &[])
            .await
            .status,
        200
    );
    let mut relayed_to_expert = false;
    for _ in 0..100 {
        let detail = app
            .get(&format!("/api/v1/expert/escalations/{id}"), Some(&ana))
            .await;
        if detail
            .body
            .to_string()
            .contains("thanks, what do you suggest?")
        {
            relayed_to_expert = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(relayed_to_expert, "the user's message reaches the expert");
    assert_eq!(
        slack.of("chat.postMessage").len(),
        posts_before,
        "the bot stays quiet"
    );
}

#[tokio::test]
async fn the_omnify_command_helps_reports_status_and_explains_connections() {
    let (app, slack) = app_with_slack().await;
    let command = |text: &str| {
        format!(
            "command=%2Fomnify&text={}&team_id=T0TEAM&channel_id={CHANNEL}&user_id=U0MARKETER&trigger_id=13345224609.738474920.8088930838d88f008e0",
            text.replace(' ', "+")
        )
    };
    let r = signed(&app, "/slack/commands", &command("help"), now(), &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["response_type"], "ephemeral");
    assert!(r.body["text"].as_str().unwrap().contains("/omnify report"));

    let r = signed(&app, "/slack/commands", &command("status"), now(), &[]).await;
    let text = r.body["text"].as_str().unwrap();
    assert!(text.contains("meta") && text.contains("offline"), "{text}");

    let r = signed(
        &app,
        "/slack/commands",
        &command("connect Shopify"),
        now(),
        &[],
    )
    .await;
    let text = r.body["text"].as_str().unwrap();
    assert!(
        text.contains("/api/v1/connections") && text.contains("shopify"),
        "{text}"
    );
    assert!(
        !text.contains("xoxb-test") && !text.contains(SECRET),
        "no secrets echoed"
    );

    let r = signed(&app, "/slack/commands", &command("report"), now(), &[]).await;
    assert_eq!(r.status, 200);
    let intro = until(&slack, "the report thread", |c| {
        c.iter()
            .find(|(m, b)| m == "chat.postMessage" && b["thread_ts"].is_null())
            .map(|(_, b)| b.clone())
    })
    .await;
    assert_eq!(intro["channel"], CHANNEL);
    let report = until(&slack, "the report", |c| {
        final_update(c, "1800000000.000001")
    })
    .await;
    let text = all_text(&report["blocks"]);
    assert!(text.contains("Meta") && text.contains("Google"), "{text}");
}

#[tokio::test]
async fn a_reply_in_a_thread_is_still_answered_without_a_mention_after_a_restart() {
    let (slack, url) = start_slack().await;
    let first = app_with_slack_at(url.clone(), None).await;
    let ts = "1700000009.000100";
    let ask = event("Ev0900", mention("how did Meta do last week?", ts));
    assert_eq!(
        signed(&first, "/slack/events", &ask, now(), &[])
            .await
            .status,
        200
    );
    until(&slack, "the first reply", |c| {
        final_update(c, "1800000000.000000")
    })
    .await;
    let key = format!("{CHANNEL}:{ts}");
    let conv = conversation_id(&first, &key).await;

    // A new server on the same database: nothing about the thread is in its memory.
    let data_dir = first.data_dir.clone();
    first.store.close().await;
    let keep = first; // its temp dir stays while the second server uses it
    let second = app_with_slack_at(url, Some(data_dir)).await;

    let reply = json!({"type": "message", "user": "U0MARKETER", "text": "and TikTok?",
        "channel": CHANNEL, "channel_type": "channel", "ts": "1700000009.000200", "thread_ts": ts});
    let r = signed(
        &second,
        "/slack/events",
        &event("Ev0901", reply),
        now(),
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    let answer = until(&slack, "the reply after the restart", |c| {
        final_update(c, "1800000000.000001")
    })
    .await;
    assert!(all_text(&answer["blocks"]).contains("TikTok"), "{answer}");
    let posts = slack.of("chat.postMessage");
    assert!(posts.iter().all(|p| p["thread_ts"] == ts), "{posts:#?}");

    assert_eq!(
        conversation_id(&second, &key).await,
        conv,
        "the same conversation"
    );
    let history = second
        .get(
            &format!("/api/v1/conversations/{conv}"),
            Some(&second.api_key),
        )
        .await;
    assert_eq!(history.status, 200, "{:?}", history.body);
    let messages = history.body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4, "{:#?}", history.body);
    assert_eq!(messages[2]["text"], "and TikTok?");
    drop(keep);
}

#[tokio::test]
async fn a_message_is_stored_before_slack_gets_its_ack_and_a_store_failure_asks_for_redelivery() {
    // A debug build under parallel tests may take longer than the 5 ms default.
    let (app, slack) = app_with_slack_and(|s| s.slack.ack_waits_for_store_ms = 5_000).await;
    let ts = "1700000010.000100";
    let body = event("Ev1000", mention("how did Meta do last week?", ts));
    let r = signed(&app, "/slack/events", &body, now(), &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // The 200 left only after the message was stored: it is there at once, whatever
    // happens to the process from now on.
    let conv = conversation_id(&app, &format!("{CHANNEL}:{ts}")).await;
    let history = app
        .get(&format!("/api/v1/conversations/{conv}"), Some(&app.api_key))
        .await;
    let first = history.body["messages"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        first.contains("how did Meta do last week?"),
        "{:?}",
        history.body
    );
    until(&slack, "the reply", |c| {
        final_update(c, "1800000000.000000")
    })
    .await;

    // The database is gone: Slack is told to deliver the event again, and nothing is
    // posted for it.
    app.store.close().await;
    let posts_before = slack.of("chat.postMessage").len();
    let body = event("Ev1001", mention("and TikTok?", "1700000010.000200"));
    let r = signed(&app, "/slack/events", &body, now(), &[]).await;
    assert_eq!(r.status, 503, "{:?}", r.body);
    assert_eq!(r.body["error"]["code"], "unavailable", "{:?}", r.body);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(slack.of("chat.postMessage").len(), posts_before);
}

#[tokio::test]
async fn with_no_wait_for_the_store_the_ack_goes_first_and_the_answer_still_comes_once() {
    let (app, slack) = app_with_slack_and(|s| s.slack.ack_waits_for_store_ms = 0).await;
    let ts = "1700000011.000100";
    let body = event("Ev1100", mention("how did Meta do last week?", ts));
    let r = signed(&app, "/slack/events", &body, now(), &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    until(&slack, "the reply", |c| {
        final_update(c, "1800000000.000000")
    })
    .await;
    let retry = signed(
        &app,
        "/slack/events",
        &body,
        now(),
        &[("x-slack-retry-num", "1")],
    )
    .await;
    assert_eq!(retry.status, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(slack.of("chat.postMessage").len(), 1, "answered once");
}
