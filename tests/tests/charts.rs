#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! Charts end to end: a tool's chart reaches the WebSocket as a `chart` frame, is
//! kept for the conversation's history, is drawn as SVG and PNG for its tenant only,
//! and is uploaded into the Slack thread with Slack's current upload flow.

mod common;

use common::slack::*;
use futures_util::{SinkExt, StreamExt};
use omnify_llm::scripted_server::Reply;
use omnify_tests::{Model, Options, TestApp, spawn_app};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

const PERF_ARGS: &str = r#"{"platform":"meta","date_range":{"since":"2026-11-16","until":"2026-11-22"},"level":"campaign"}"#;
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Everything the socket sends for one message, up to `done`.
async fn ask(app: &TestApp, message: &str) -> Vec<Value> {
    let mut ws = app.websocket().await;
    let frame = serde_json::json!({"type": "message", "message": message, "client_id": "c1"});
    ws.send(Message::text(frame.to_string())).await.unwrap();
    let mut frames = Vec::new();
    while let Some(Ok(msg)) = ws.next().await {
        let Message::Text(t) = msg else { continue };
        let f: Value = serde_json::from_str(t.as_str()).unwrap();
        let last = matches!(f["type"].as_str(), Some("done" | "error"));
        frames.push(f);
        if last {
            break;
        }
    }
    frames
}

async fn get_bytes(app: &TestApp, path: &str, key: &str) -> reqwest::Response {
    app.http
        .get(app.url(path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_tools_chart_streams_as_a_frame_and_is_served_to_its_tenant_only() {
    let app = spawn_app(Options {
        model: Model::Scripted(vec![
            Reply::tool("get_marketing_performance", PERF_ARGS),
            Reply::text("Meta spent a little more last week."),
        ]),
        ..Default::default()
    })
    .await;
    let frames = ask(&app, "how did Meta do last week?").await;
    let kinds: Vec<&str> = frames.iter().filter_map(|f| f["type"].as_str()).collect();
    let result_at = kinds.iter().position(|k| *k == "tool_result").unwrap();
    let chart_at = kinds
        .iter()
        .position(|k| *k == "chart")
        .expect("a chart frame");
    assert!(
        chart_at > result_at,
        "the chart follows its tool's result: {kinds:?}"
    );
    assert_eq!(kinds.last(), Some(&"done"));

    let chart = &frames[chart_at];
    let id = chart["id"].as_str().unwrap();
    assert_eq!(id.len(), 32, "an unguessable id: {chart}");
    assert_eq!(chart["tool_call_id"], frames[result_at]["id"]);
    assert_eq!(chart["conversation_id"], frames[0]["conversation_id"]);
    let title = chart["title"].as_str().unwrap();
    assert!(title.contains("Daily spend and revenue"), "{title}");
    let svg_url = chart["svg_url"].as_str().unwrap();
    let png_url = chart["png_url"].as_str().unwrap();
    assert_eq!(svg_url, format!("/api/v1/charts/{id}.svg"));
    assert_eq!(png_url, format!("/api/v1/charts/{id}.png"));

    // The owner draws it, as SVG and PNG, cacheable for good by the browser only.
    let svg = get_bytes(&app, svg_url, &app.api_key).await;
    assert_eq!(svg.status(), 200);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let cache = svg.headers()["cache-control"].to_str().unwrap().to_string();
    assert!(
        cache.contains("immutable") && cache.contains("private"),
        "{cache}"
    );
    assert_eq!(svg.headers()["x-content-type-options"], "nosniff");
    let svg = svg.text().await.unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
    assert!(
        svg.contains("Spend") && svg.contains("Revenue"),
        "both series"
    );
    assert!(svg.contains("Nov 16"), "dates on the x axis");

    let png = get_bytes(&app, png_url, &app.api_key).await;
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let png = png.bytes().await.unwrap();
    assert!(png.starts_with(PNG_SIGNATURE));
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1200, 600));

    // Another tenant cannot tell it exists; no key at all is a 401.
    let other = app.store.create_tenant("Other Brand").await.unwrap();
    let other_key = app.store.create_api_key(&other.id, "other").await.unwrap();
    for path in [svg_url, png_url] {
        let refused = get_bytes(&app, path, other_key.plaintext.expose()).await;
        assert_eq!(refused.status(), 404, "{path}");
    }
    let anonymous = app.get(svg_url, None).await;
    assert_eq!(anonymous.status, 401);
    let unknown = app
        .get("/api/v1/charts/0123456789abcdef.svg", Some(&app.api_key))
        .await;
    assert_eq!(unknown.status, 404);

    // History lists the chart under the reply it belongs to.
    let conversation_id = frames[0]["conversation_id"].as_str().unwrap();
    let history = app
        .get(
            &format!("/api/v1/conversations/{conversation_id}"),
            Some(&app.api_key),
        )
        .await;
    let charts = history.body["charts"].as_array().unwrap();
    assert_eq!(charts.len(), 1, "{:?}", history.body);
    assert_eq!(charts[0]["id"], id);
    assert_eq!(charts[0]["svg_url"], svg_url);
    let reply_id = frames.last().unwrap()["message_id"].as_str().unwrap();
    assert_eq!(charts[0]["message_id"], reply_id);
}

#[tokio::test]
async fn a_chart_survives_a_restart() {
    let first = spawn_app(Options::default()).await;
    let data_dir = first.data_dir.clone();
    // The offline model asks get_marketing_performance, which draws daily spend.
    let frames = ask(&first, "how did Meta do last week?").await;
    let chart = frames
        .iter()
        .find(|f| f["type"] == "chart")
        .expect("the offline answer has a chart")
        .clone();
    first.store.close().await;
    // Keep the temp dir alive while the second server uses it.
    let keep = first;

    let second = spawn_app(Options {
        data_dir: Some(data_dir),
        ..Default::default()
    })
    .await;
    let png = get_bytes(&second, chart["png_url"].as_str().unwrap(), &second.api_key).await;
    assert_eq!(png.status(), 200);
    assert!(png.bytes().await.unwrap().starts_with(PNG_SIGNATURE));
    drop(keep);
}

#[tokio::test]
async fn a_web_visitor_sees_the_charts_of_its_own_conversations_only() {
    let app = spawn_app(Options::default()).await;
    let session = app
        .http
        .post(app.url("/api/v1/widget/session"))
        .json(&serde_json::json!({"tenant": app.tenant_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 201);
    let token = session.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let url = format!("ws://{}/api/v1/ws?visitor_token={token}", app.addr);
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let frame = serde_json::json!({"type": "message", "message": "how did Meta do last week?"});
    ws.send(Message::text(frame.to_string())).await.unwrap();
    let mut chart = None;
    let mut conversation_id = String::new();
    while let Some(Ok(msg)) = ws.next().await {
        let Message::Text(t) = msg else { continue };
        let f: Value = serde_json::from_str(t.as_str()).unwrap();
        if f["type"] == "chart" {
            chart = Some(f.clone());
        }
        if f["type"] == "done" {
            conversation_id = f["conversation_id"].as_str().unwrap().to_string();
            break;
        }
    }
    let chart = chart.expect("the demo visitor's answer has a chart");
    let svg_url = chart["svg_url"].as_str().unwrap();

    // An <img> cannot send headers: the visitor token rides in the query.
    let mine = app
        .get(&format!("{svg_url}?visitor_token={token}"), None)
        .await;
    assert_eq!(mine.status, 200);

    // The history the widget reloads carries the chart under its answer.
    let history = app
        .http
        .get(app.url(&format!("/api/v1/widget/conversations/{conversation_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let answer = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "assistant")
        .unwrap();
    assert_eq!(answer["charts"][0]["svg_url"], svg_url, "{history}");

    // Another visitor of the same tenant does not see it.
    let other = app
        .http
        .post(app.url("/api/v1/widget/session"))
        .json(&serde_json::json!({"tenant": app.tenant_id}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let other_token = other["token"].as_str().unwrap();
    let theirs = app
        .get(&format!("{svg_url}?visitor_token={other_token}"), None)
        .await;
    assert_eq!(theirs.status, 404);
}

#[tokio::test]
async fn a_slack_answer_with_a_chart_uploads_it_into_the_thread() {
    let (app, slack) = app_with_slack().await;
    let ts = "1700000009.000100";
    let body = event("EvChart1", mention("how did Meta do last week?", ts));
    let r = signed(&app, "/slack/events", &body, now(), &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    let completed = until(&slack, "the chart upload to complete", |c| {
        c.iter()
            .find(|(m, _)| m == "files.completeUploadExternal")
            .map(|(_, b)| b.clone())
    })
    .await;
    let calls = slack.calls();
    let at = |method: &str| calls.iter().position(|(m, _)| m == method).unwrap();
    let reserved = &calls[at("files.getUploadURLExternal")].1;
    let uploaded = &calls[at("upload")].1;
    // Reserve, send the bytes, complete; after the answer is in the thread.
    assert!(at("files.getUploadURLExternal") < at("upload"));
    assert!(at("upload") < at("files.completeUploadExternal"));
    let answered = calls
        .iter()
        .position(|(m, b)| m == "chat.update" && b["blocks"].is_array())
        .unwrap();
    assert!(
        answered < at("files.getUploadURLExternal"),
        "the answer comes first"
    );

    assert_eq!(reserved["filename"], "chart.png");
    let title = reserved["alt_txt"].as_str().unwrap();
    assert!(title.contains("Daily spend and revenue"), "{reserved}");
    assert_eq!(uploaded["file_id"], reserved["file_id"]);
    assert_eq!(uploaded["png"], true, "{uploaded}");
    assert_eq!(uploaded["content_type"], "image/png");
    assert_eq!(
        reserved["length"],
        uploaded["length"].as_u64().unwrap().to_string(),
        "the announced length is the sent length"
    );
    assert_eq!(completed["channel_id"], CHANNEL);
    assert_eq!(completed["thread_ts"], ts, "into the mention's thread");
    assert_eq!(completed["files"][0]["id"], reserved["file_id"]);
    assert_eq!(completed["files"][0]["title"], title);
    assert!(
        slack.of("files.upload").is_empty(),
        "the retired method is not used"
    );
}
