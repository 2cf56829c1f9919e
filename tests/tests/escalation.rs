#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! The human loop: a user asks for a person in the web chat, the escalation is routed
//! to an expert, the expert's reply reaches the chat, the expert hands back with a
//! decision, and the bot's next answer carries it.

use futures_util::{SinkExt, StreamExt};
use omnify_llm::scripted_server::Reply;
use omnify_tests::{Model, Options, TestApp, messages_of, spawn_app};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn add_expert(app: &TestApp, name: &str, skills: &[&str]) -> String {
    let body = json!({"name": name, "email": format!("{}@agency.test", name.to_lowercase()), "skills": skills});
    let r = app
        .post_raw("/api/v1/experts", Some(&app.api_key), body.to_string(), &[])
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["token"].as_str().unwrap().to_string()
}

async fn expert_post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: Value,
) -> omnify_tests::Response {
    app.post_raw(path, Some(token), body.to_string(), &[]).await
}

/// The next frame of one of `types`, skipping others.
async fn next_of(ws: &mut Socket, types: &[&str]) -> Value {
    let wait = async {
        while let Some(Ok(msg)) = ws.next().await {
            let Message::Text(t) = msg else { continue };
            let frame: Value = serde_json::from_str(t.as_str()).unwrap();
            if types.contains(&frame["type"].as_str().unwrap_or_default()) {
                return frame;
            }
        }
        panic!("socket closed while waiting for {types:?}");
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("frame in time")
}

async fn say(ws: &mut Socket, conversation_id: Option<&str>, text: &str) {
    let frame = json!({"type": "message", "conversation_id": conversation_id, "message": text});
    ws.send(Message::text(frame.to_string())).await.unwrap();
}

#[tokio::test]
async fn a_web_chat_user_gets_an_expert_and_the_bot_follows_the_decision() {
    let app = spawn_app(Options::default()).await;
    let ana = add_expert(&app, "Ana", &["paid_social"]).await;
    let _cy = add_expert(&app, "Cy", &["crm"]).await;
    let mut ws = app.websocket().await;

    say(
        &mut ws,
        None,
        "Can I talk to a human about our Meta budget?",
    )
    .await;
    let done = next_of(&mut ws, &["done", "error"]).await;
    assert_eq!(done["type"], "done", "{done}");
    assert!(
        done["reply"]
            .as_str()
            .unwrap()
            .contains("asked a human expert"),
        "{done}"
    );
    let conv = done["conversation_id"].as_str().unwrap().to_string();

    let queue = app.get("/api/v1/expert/queue", Some(&ana)).await;
    assert_eq!(queue.status, 200, "{:?}", queue.body);
    let item = &queue.body["escalations"][0];
    assert_eq!(item["kind"], "human_requested");
    assert_eq!(item["skill"], "paid_social");
    assert_eq!(item["assigned_to_me"], true, "routed by skill to Ana");
    assert!(item["sla_seconds_left"].as_i64().unwrap() > 0);
    let id = item["id"].as_str().unwrap().to_string();
    let detail = app
        .get(&format!("/api/v1/expert/escalations/{id}"), Some(&ana))
        .await;
    let events: Vec<&str> = detail.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert!(
        events
            .iter()
            .any(|d| d.contains("routed to Ana: has skill paid_social")),
        "{events:?}"
    );
    let conversation = app
        .get(&format!("/api/v1/conversations/{conv}"), Some(&app.api_key))
        .await;
    assert_eq!(conversation.body["mode"], "waiting_for_expert");

    let claimed = expert_post(
        &app,
        &ana,
        &format!("/api/v1/expert/escalations/{id}/claim"),
        json!({}),
    )
    .await;
    assert_eq!(claimed.status, 200, "{:?}", claimed.body);
    let joined = next_of(&mut ws, &["handoff"]).await;
    assert_eq!(joined["status"], "joined");
    assert_eq!(joined["expert"], "Ana");

    // While the expert holds the conversation, the bot stays silent and relays.
    say(
        &mut ws,
        Some(&conv),
        "We want to double the Meta budget next week.",
    )
    .await;
    let relayed = next_of(&mut ws, &["relayed", "done", "error"]).await;
    assert_eq!(relayed["type"], "relayed", "{relayed}");
    let detail = app
        .get(&format!("/api/v1/expert/escalations/{id}"), Some(&ana))
        .await;
    let texts: Vec<&str> = detail.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"We want to double the Meta budget next week."),
        "{texts:?}"
    );

    let r = expert_post(
        &app,
        &ana,
        &format!("/api/v1/expert/escalations/{id}/messages"),
        json!({"text": "Let's keep it flat until December."}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let expert_msg = next_of(&mut ws, &["expert_message"]).await;
    assert_eq!(expert_msg["author"], "Ana");
    assert_eq!(expert_msg["text"], "Let's keep it flat until December.");

    let summary = "Keep the Meta budget flat until December; revisit after Black Friday.";
    let r = expert_post(
        &app,
        &ana,
        &format!("/api/v1/expert/escalations/{id}/resolve"),
        json!({"summary": summary}),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "resolved");
    let left = next_of(&mut ws, &["handoff"]).await;
    assert_eq!(left["status"], "left");

    say(&mut ws, Some(&conv), "how did Meta do last week?").await;
    let done = next_of(&mut ws, &["done", "error"]).await;
    assert_eq!(done["type"], "done", "{done}");
    let reply = done["reply"].as_str().unwrap();
    assert!(reply.contains("Meta Ads"), "the bot answers again: {reply}");
    assert!(
        reply.contains(summary),
        "and follows the expert's decision: {reply}"
    );

    let history = app
        .get(&format!("/api/v1/conversations/{conv}"), Some(&app.api_key))
        .await;
    assert_eq!(history.body["mode"], "bot");
    let roles: Vec<&str> = history.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert!(
        roles.contains(&"expert") && roles.contains(&"system"),
        "{roles:?}"
    );
}

#[tokio::test]
async fn claims_are_exclusive_and_experts_see_only_their_tenants() {
    let app = spawn_app(Options::default()).await;
    let ana = add_expert(&app, "Ana", &["general"]).await;
    let bo = add_expert(&app, "Bo", &["general"]).await;
    let r = app.chat("I need a human please").await;
    assert_eq!(r.status, 200);
    let id = app.get("/api/v1/expert/queue", Some(&ana)).await.body["escalations"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let path = |what: &str| format!("/api/v1/expert/escalations/{id}/{what}");
    let reply = expert_post(&app, &ana, &path("messages"), json!({"text": "hi"})).await;
    assert_eq!(reply.status, 409, "claim first");
    assert_eq!(
        expert_post(&app, &ana, &path("claim"), json!({}))
            .await
            .status,
        200
    );
    assert_eq!(
        expert_post(&app, &bo, &path("claim"), json!({}))
            .await
            .status,
        409,
        "already claimed"
    );
    assert_eq!(
        expert_post(&app, &bo, &path("resolve"), json!({"summary": "x"}))
            .await
            .status,
        409
    );
    assert_eq!(
        expert_post(&app, &ana, &path("resolve"), json!({"summary": ""}))
            .await
            .status,
        400
    );

    let other = app.store.create_tenant("Other").await.unwrap();
    let stranger = app
        .store
        .create_expert(
            "Zed",
            "zed@x.test",
            &["general".into()],
            std::slice::from_ref(&other.id),
            0,
            (0, 24),
            5,
        )
        .await
        .unwrap();
    let seen = app
        .get(
            &format!("/api/v1/expert/escalations/{id}"),
            Some(stranger.token.expose()),
        )
        .await;
    assert_eq!(seen.status, 404);
    assert!(
        app.get("/api/v1/expert/queue", Some(stranger.token.expose()))
            .await
            .body["escalations"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.get("/api/v1/expert/queue", Some("oxk_forged"))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn an_unclaimed_escalation_is_rerouted_when_its_sla_runs_out() {
    let app = spawn_app(Options {
        tweak: Some(Box::new(|s| {
            s.escalation.sla.high_secs = 0;
            s.escalation.reroute_interval_secs = 1;
        })),
        ..Default::default()
    })
    .await;
    let ana = add_expert(&app, "Ana", &["general"]).await;
    let _bo = add_expert(&app, "Bo", &["general"]).await;
    assert_eq!(app.chat("talk to a person").await.status, 200);
    let id = app.get("/api/v1/expert/queue", Some(&ana)).await.body["escalations"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut kinds = Vec::new();
    for _ in 0..60 {
        let detail = app
            .get(&format!("/api/v1/expert/escalations/{id}"), Some(&ana))
            .await;
        kinds = detail.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect();
        if kinds.iter().any(|k| k == "rerouted") {
            let detail = &detail.body["events"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["kind"] == "rerouted")
                .unwrap()["detail"];
            assert!(
                detail
                    .as_str()
                    .unwrap()
                    .contains("not claimed within the SLA"),
                "{detail}"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never rerouted: {kinds:?}");
}

#[tokio::test]
async fn the_model_can_escalate_and_later_sees_the_experts_decision() {
    let app = spawn_app(Options {
        model: Model::Scripted(vec![
            Reply::tool("escalate_to_expert", r#"{"type":"high_stakes_decision","reason":"wants to move $50k to TikTok","urgency":"high"}"#),
            Reply::text("I've asked an expert to review this with you."),
            Reply::text("Noted: the budget stays put."),
        ]),
        ..Default::default()
    })
    .await;
    let ana = add_expert(&app, "Ana", &["paid_social"]).await;
    let r = app.chat("move $50k from Meta to TikTok tomorrow").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["tool_calls"][0]["name"], "escalate_to_expert");
    assert_eq!(r.body["tool_calls"][0]["ok"], true);
    let conv = r.body["conversation_id"].as_str().unwrap().to_string();
    let item = app.get("/api/v1/expert/queue", Some(&ana)).await.body["escalations"][0].clone();
    assert_eq!(item["kind"], "high_stakes_decision");
    assert_eq!(item["source"], "tool");
    let id = item["id"].as_str().unwrap();
    expert_post(
        &app,
        &ana,
        &format!("/api/v1/expert/escalations/{id}/claim"),
        json!({}),
    )
    .await;
    expert_post(
        &app,
        &ana,
        &format!("/api/v1/expert/escalations/{id}/resolve"),
        json!({"summary": "No budget moves before the December review."}),
    )
    .await;

    let next = app.chat_in(Some(&conv), "ok, so what now?").await;
    assert_eq!(next.body["reply"], "Noted: the budget stays put.");
    let requests = app.llm[0].requests();
    let system = messages_of(requests.last().unwrap())[0]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        system.contains("No budget moves before the December review."),
        "{system}"
    );
}
