#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! The Slack experts channel (escalations posted with Claim / Resolve / Return buttons,
//! the expert working in the summary's thread) and OAuth installs into more workspaces.

mod common;

use common::slack::*;
use serde_json::{Value, json};

const EXPERTS: &str = "C0EXPERTS";
const ANA: &str = "U0ANA";

/// The `ts` the stand-in gave the `n`-th `chat.postMessage` (0-based).
fn ts_of(n: usize) -> String {
    format!("1800000000.{n:06}")
}

/// The first `chat.postMessage` matching `pick`, with the `ts` it got.
fn posted(calls: &[(String, Value)], pick: impl Fn(&Value) -> bool) -> Option<(String, Value)> {
    calls
        .iter()
        .filter(|(m, _)| m == "chat.postMessage")
        .enumerate()
        .find(|(_, (_, b))| pick(b))
        .map(|(n, (_, b))| (ts_of(n), b.clone()))
}

async fn sql_one(app: &omnify_tests::TestApp, sql: &str) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", app.data_dir.join("omnify.db").display());
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    rows.into_iter().map(|r| r.0).collect()
}

async fn click(app: &omnify_tests::TestApp, action: &str, id: &str, message_ts: &str) {
    let payload = json!({
        "type": "block_actions",
        "team": {"id": "T0TEAM"},
        "user": {"id": ANA},
        "channel": {"id": EXPERTS},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": EXPERTS},
        "actions": [{"action_id": action, "block_id": format!("escalation:{id}"), "value": id, "type": "button"}],
    });
    let request = app
        .http
        .post(app.url("/slack/interactions"))
        .form(&[("payload", payload.to_string())])
        .build()
        .unwrap();
    let form = String::from_utf8(request.body().unwrap().as_bytes().unwrap().to_vec()).unwrap();
    let r = signed(app, "/slack/interactions", &form, now(), &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

async fn say(app: &omnify_tests::TestApp, event_id: &str, e: Value) {
    let r = signed(app, "/slack/events", &event(event_id, e), now(), &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

fn text_of(b: &Value) -> String {
    b["text"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn an_escalation_is_worked_from_the_experts_channel() {
    let (app, slack) = app_with_slack_and(|s| s.slack.experts_channel = EXPERTS.into()).await;
    let body = json!({"name": "Ana", "email": "ana@agency.test", "skills": ["paid_social"]});
    let r = app
        .post_raw("/api/v1/experts", Some(&app.api_key), body.to_string(), &[])
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let ana_id = r.body["expert"]["id"].as_str().unwrap().to_string();
    let link = app
        .http
        .put(app.url(&format!("/api/v1/experts/{ana_id}/slack")))
        .bearer_auth(&app.api_key)
        .json(&json!({"slack_user_id": ANA}))
        .send()
        .await
        .unwrap();
    assert_eq!(link.status(), 200);
    let linked: Value = link.json().await.unwrap();
    assert_eq!(linked["expert"]["slack_user_id"], ANA);
    let anonymous = app
        .http
        .put(app.url(&format!("/api/v1/experts/{ana_id}/slack")))
        .json(&json!({"slack_user_id": "U0EVE"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401, "admins only");

    // The user asks for a human: the summary lands in the experts channel.
    let ts = "1700000106.000100";
    say(
        &app,
        "Ev1000",
        mention("Can I talk to a human about our Meta budget?", ts),
    )
    .await;
    let (summary_ts, summary) = until(&slack, "the summary", |c| {
        posted(c, |b| b["channel"] == EXPERTS && b["thread_ts"].is_null())
    })
    .await;
    let blocks = summary["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    let all = summary["blocks"].to_string();
    for want in [
        "Tenant",
        "Who asked",
        "Routed to",
        "<@U0ANA>",
        "Reason",
        "SLA due",
        "talk to a human",
    ] {
        assert!(all.contains(want), "{want} in {all}");
    }
    let actions = blocks.iter().find(|b| b["type"] == "actions").unwrap();
    let ids: Vec<&str> = actions["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["expert_claim", "expert_resolve", "expert_return"]);
    let id = actions["elements"][0]["value"]
        .as_str()
        .unwrap()
        .to_string();

    // Resolve before anything was written: only a hint, nothing changes.
    click(&app, "expert_resolve", &id, &summary_ts).await;
    until(&slack, "the hint", |c| {
        c.iter()
            .find(|(m, _)| m == "chat.postEphemeral")
            .map(|_| ())
    })
    .await;

    // Ana claims: the user's thread hears it, the summary loses its Claim button.
    click(&app, "expert_claim", &id, &summary_ts).await;
    let (_, joined) = until(&slack, "the join notice", |c| {
        posted(c, |b| {
            b["channel"] == CHANNEL && text_of(b) == "Ana joined the conversation."
        })
    })
    .await;
    assert_eq!(joined["thread_ts"], ts);
    until(&slack, "the claimed summary", |c| {
        c.iter()
            .find(|(m, b)| {
                m == "chat.update"
                    && b["ts"] == summary_ts
                    && b["blocks"].to_string().contains("Claimed by Ana")
            })
            .map(|_| ())
    })
    .await;

    // Ana writes in the escalation's thread: the user's thread gets it.
    let from_ana = |text: &str, msg_ts: &str| {
        json!({"type": "message", "user": ANA, "text": text, "channel": EXPERTS,
               "channel_type": "channel", "ts": msg_ts, "thread_ts": summary_ts})
    };
    say(
        &app,
        "Ev1001",
        from_ana("Hi! Looking at your Meta budget now.", "1700000106.000400"),
    )
    .await;
    let (_, relayed) = until(&slack, "Ana's message in the user's thread", |c| {
        posted(c, |b| {
            b["channel"] == CHANNEL && text_of(b).contains("Ana (expert)")
        })
    })
    .await;
    assert_eq!(relayed["thread_ts"], ts);
    assert_eq!(
        text_of(&relayed),
        "*Ana (expert):* Hi! Looking at your Meta budget now."
    );

    // The user answers in their thread: it shows in the escalation's thread.
    let follow = json!({"type": "message", "user": "U0MARKETER", "text": "thanks, what do you suggest?",
        "channel": CHANNEL, "channel_type": "channel", "ts": "1700000106.000500", "thread_ts": ts});
    say(&app, "Ev1002", follow).await;
    let (_, user_line) = until(&slack, "the user's message in the escalation thread", |c| {
        posted(c, |b| {
            b["channel"] == EXPERTS && text_of(b).starts_with("*User:*")
        })
    })
    .await;
    assert_eq!(user_line["thread_ts"], summary_ts.as_str());
    assert_eq!(text_of(&user_line), "*User:* thanks, what do you suggest?");

    // `resolve:` hands it back with the note, and the summary says so without buttons.
    say(
        &app,
        "Ev1003",
        from_ana("resolve: keep budgets flat", "1700000106.000600"),
    )
    .await;
    until(&slack, "the hand-back notice", |c| {
        posted(c, |b| {
            b["channel"] == CHANNEL && text_of(b).contains("handed the conversation back")
        })
    })
    .await;
    let resolved = until(&slack, "the resolved summary", |c| {
        c.iter()
            .filter(|(m, b)| m == "chat.update" && b["ts"] == summary_ts)
            .map(|(_, b)| b.clone())
            .find(|b| b["blocks"].to_string().contains("keep budgets flat"))
    })
    .await;
    assert!(
        resolved["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["type"] != "actions")
    );

    // The bot answers again and follows the note.
    let again = json!({"type": "message", "user": "U0MARKETER", "text": "how did Meta do last week?",
        "channel": CHANNEL, "channel_type": "channel", "ts": "1700000106.000700", "thread_ts": ts});
    say(&app, "Ev1004", again).await;
    let answer = until(&slack, "the bot's next answer", |c| {
        c.iter()
            .filter(|(m, b)| m == "chat.update" && b["blocks"].is_array() && b["ts"] != summary_ts)
            .map(|(_, b)| b.clone())
            .find(|b| all_text(&b["blocks"]).contains("keep budgets flat"))
    })
    .await;
    assert!(all_text(&answer["blocks"]).contains("Meta"), "{answer:#}");

    // A retried thread event is not relayed twice.
    say(
        &app,
        "Ev1001",
        from_ana("Hi! Looking at your Meta budget now.", "1700000106.000400"),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let copies = slack
        .of("chat.postMessage")
        .iter()
        .filter(|b| text_of(b).contains("Looking at your Meta budget"))
        .count();
    assert_eq!(copies, 1);
}

#[tokio::test]
async fn a_second_workspace_installs_with_oauth_and_is_answered_with_its_own_token() {
    let (app, slack) = app_with_slack_and(|s| {
        s.slack.client_id = "111.222".into();
        s.slack.client_secret = omnify_core::Secret::new("client-secret");
        s.slack.redirect_uri = "https://omnify.test/slack/oauth/callback".into();
    })
    .await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects
        .get(app.url("/slack/install"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("https://slack.com/oauth/v2/authorize?client_id=111.222&scope="),
        "{location}"
    );
    assert!(
        location.contains("redirect_uri=https%3A%2F%2Fomnify.test%2Fslack%2Foauth%2Fcallback"),
        "{location}"
    );
    let state = location
        .split('&')
        .find_map(|p| p.strip_prefix("state="))
        .unwrap()
        .to_string();

    let callback = format!("/slack/oauth/callback?code=the-code&state={state}");
    let r = app.get(&callback, None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["team"], "Team Two");
    let auth = slack
        .auths
        .lock()
        .unwrap()
        .iter()
        .find(|(m, _)| m == "oauth.v2.access")
        .map(|(_, a)| a.clone())
        .expect("the code was exchanged");
    assert!(auth.starts_with("Basic "));
    let again = app.get(&callback, None).await;
    assert_eq!(again.status, 400, "a state works once: {:?}", again.body);

    let sealed = sql_one(
        &app,
        "SELECT sealed_token FROM slack_installations WHERE team_id = 'T0TEAM2'",
    )
    .await;
    assert_eq!(sealed.len(), 1);
    assert!(
        !sealed[0].contains(INSTALLED_TOKEN) && sealed[0].starts_with("v1:"),
        "sealed: {}",
        sealed[0]
    );
    let tenants = sql_one(
        &app,
        "SELECT t.name FROM slack_installations s JOIN tenants t ON t.id = s.tenant_id",
    )
    .await;
    assert_eq!(tenants, ["Team Two"]);

    // A mention in the new workspace is answered with its token, for its tenant.
    let ts = "1700000200.000100";
    let body = json!({
        "type": "event_callback", "team_id": "T0TEAM2", "api_app_id": "A0APP", "event_id": "Ev2000",
        "event_time": now(), "authorizations": [{"team_id": "T0TEAM2", "user_id": "UBOT2", "is_bot": true}],
        "event": {"type": "app_mention", "user": "U0OTHER", "text": "<@UBOT2> how did Meta do last week?",
                  "channel": "C0TEAM2", "channel_type": "channel", "ts": ts, "event_ts": ts},
    })
    .to_string();
    let r = signed(&app, "/slack/events", &body, now(), &[]).await;
    assert_eq!(r.status, 200);
    until(&slack, "the answer in team two", |c| {
        final_update(c, "1800000000.000000")
    })
    .await;
    let auths = slack.auths.lock().unwrap().clone();
    let posts: Vec<&String> = auths
        .iter()
        .filter(|(m, _)| m.starts_with("chat."))
        .map(|(_, a)| a)
        .collect();
    assert!(!posts.is_empty());
    assert!(
        posts
            .iter()
            .all(|a| *a == &format!("Bearer {INSTALLED_TOKEN}")),
        "{posts:?}"
    );
    let owners = sql_one(
        &app,
        "SELECT t.name FROM conversations c JOIN tenants t ON t.id = c.tenant_id WHERE c.conversation_key = 'C0TEAM2:1700000200.000100'",
    )
    .await;
    assert_eq!(owners, ["Team Two"]);
}
