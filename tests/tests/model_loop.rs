#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! The turn loop driven by a scripted OpenAI-compatible server through the real
//! async-openai client: SSE streaming, tool-call deltas, retries, fallback, bounds.

use omnify_llm::scripted_server::Reply;
use omnify_tests::{Model, Options, messages_of, spawn_app};
use serde_json::Value;

const PERF_ARGS: &str = r#"{"platform":"meta","date_range":{"since":"2026-11-16","until":"2026-11-22"},"level":"campaign"}"#;

#[tokio::test]
async fn a_tool_call_then_an_answer() {
    let app = spawn_app(Options {
        model: Model::Scripted(vec![
            Reply::tool("get_marketing_performance", PERF_ARGS),
            Reply::text("Meta spent a little more last week at a slightly lower ROAS."),
        ]),
        ..Default::default()
    })
    .await;
    let r = app.chat("how did Meta do last week?").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["reply"],
        "Meta spent a little more last week at a slightly lower ROAS."
    );
    let calls = r.body["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["name"], "get_marketing_performance");
    assert_eq!(calls[0]["ok"], true);
    assert_eq!(calls[0]["arguments"]["platform"], "meta");
    assert_eq!(r.body["usage"]["steps"], 2);
    assert!(r.body["usage"]["prompt_tokens"].as_u64().unwrap() > 0);
    assert!(
        r.body["usage"]["cost_usd"].as_f64().unwrap() > 0.0,
        "gpt-4o-mini has a price"
    );

    // The model's second step saw the tool's result, with its provenance.
    let requests = app.llm[0].requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["stream"], true);
    assert!(
        requests[0]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["function"]["name"] == "get_marketing_performance")
    );
    let second = messages_of(&requests[1]);
    let tool_msg = second
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("a tool message");
    assert_eq!(tool_msg["tool_call_id"], "call_0");
    let result: Value = serde_json::from_str(tool_msg["content"].as_str().unwrap()).unwrap();
    assert!(result["summary"].as_str().unwrap().contains("Meta Ads"));
    assert_eq!(result["provenance"][0]["platform"], "meta");

    // Everything was persisted: the reply, the call, the usage.
    let conv = r.body["conversation_id"].as_str().unwrap();
    let history = app
        .get(&format!("/api/v1/conversations/{conv}"), Some(&app.api_key))
        .await;
    assert_eq!(history.status, 200);
    assert_eq!(history.body["messages"].as_array().unwrap().len(), 2);
    assert_eq!(
        history.body["tool_calls"][0]["name"],
        "get_marketing_performance"
    );
    assert!(
        history.body["tool_calls"][0]["result_summary"]
            .as_str()
            .unwrap()
            .contains("spend")
    );
}

#[tokio::test]
async fn malformed_tool_arguments_go_back_to_the_model() {
    let app = spawn_app(Options {
        model: Model::Scripted(vec![
            Reply::tool(
                "get_marketing_performance",
                r#"{"platform": "meta", "date_range": "#,
            ),
            Reply::tool("get_marketing_performance", r#"{"platform": "meta"}"#),
            Reply::text("Sorry, which dates?"),
        ]),
        ..Default::default()
    })
    .await;
    let r = app.chat("meta?").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let calls = r.body["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|c| c["ok"] == false), "{calls:?}");
    let requests = app.llm[0].requests();
    let tool_text = |i: usize| {
        messages_of(&requests[i])
            .iter()
            .rev()
            .find(|m| m["role"] == "tool")
            .unwrap()["content"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        tool_text(1).starts_with("error: bad arguments: arguments are not valid JSON"),
        "{}",
        tool_text(1)
    );
    assert!(
        tool_text(2).contains("date_range"),
        "schema errors name the field: {}",
        tool_text(2)
    );
}

#[tokio::test]
async fn the_step_bound_stops_a_model_that_never_answers() {
    let app = spawn_app(Options {
        model: Model::Scripted(vec![
            Reply::tool("get_marketing_performance", PERF_ARGS),
            Reply::tool("get_marketing_performance", PERF_ARGS),
            Reply::tool("get_marketing_performance", PERF_ARGS),
        ]),
        tweak: Some(Box::new(|s| s.agent.max_steps = 3)),
        ..Default::default()
    })
    .await;
    let r = app.chat("loop forever").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let reply = r.body["reply"].as_str().unwrap();
    assert!(
        reply.starts_with(
            "I stopped before finishing because this question needed more than 3 steps"
        ),
        "{reply}"
    );
    assert!(
        reply.contains("get_marketing_performance: Meta Ads"),
        "what was found is passed on: {reply}"
    );
    assert_eq!(
        app.llm[0].requests().len(),
        3,
        "no model call past the bound"
    );
    assert_eq!(r.body["usage"]["steps"], 3);
}

#[tokio::test]
async fn rate_limited_calls_wait_for_retry_after_then_succeed() {
    let app = spawn_app(Options {
        model: Model::Scripted(vec![
            Reply::rate_limited(1),
            Reply::text("ok after waiting"),
        ]),
        ..Default::default()
    })
    .await;
    let started = std::time::Instant::now();
    let r = app.chat("hello").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["reply"], "ok after waiting");
    assert_eq!(app.llm[0].requests().len(), 2);
    // A lower bound only: Retry-After: 1 must not be retried sooner.
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_second_provider_answers_when_the_first_is_down() {
    let app = spawn_app(Options {
        model: Model::Chain(vec![
            vec![
                Reply::server_error(),
                Reply::server_error(),
                Reply::server_error(),
            ],
            vec![Reply::text("from the fallback")],
        ]),
        ..Default::default()
    })
    .await;
    let r = app.chat("hello").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["reply"], "from the fallback");
    assert_eq!(
        app.llm[0].requests().len(),
        3,
        "the primary is retried max_retries (2) times first"
    );
    assert_eq!(app.llm[1].requests().len(), 1);
}

#[tokio::test]
async fn a_model_that_stays_down_gives_503_and_keeps_the_message() {
    let app = spawn_app(Options {
        model: Model::Scripted(vec![
            Reply::server_error(),
            Reply::server_error(),
            Reply::server_error(),
        ]),
        ..Default::default()
    })
    .await;
    let r = app.chat("are you there?").await;
    assert_eq!(r.status, 503);
    assert_eq!(r.body["error"]["code"], "model_unavailable");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("your message is saved")
    );
    assert!(
        !r.body.to_string().contains("overloaded"),
        "provider details stay internal"
    );
}

#[tokio::test]
async fn context_too_long_trims_history_and_retries_once() {
    let long = |s: &str| format!("{s} {}", "lorem ipsum dolor sit amet ".repeat(60));
    let app = spawn_app(Options {
        model: Model::Scripted(vec![
            Reply::Text(long("first answer")),
            Reply::Text(long("second answer")),
            Reply::context_too_long(),
            Reply::text("third answer"),
        ]),
        tweak: Some(Box::new(|s| {
            // No platforms, so the tool schemas (which always fit) stay small and the
            // history is what the window squeezes.
            s.demo.sandbox = false;
            s.llm.context_window = 3000;
            s.agent.max_output_tokens = 200;
        })),
        ..Default::default()
    })
    .await;
    let first = app.chat(&long("first question")).await;
    let conv = first.body["conversation_id"].as_str().unwrap().to_string();
    assert_eq!(
        app.chat_in(Some(&conv), &long("second question"))
            .await
            .status,
        200
    );
    let third = app.chat_in(Some(&conv), "third question").await;
    assert_eq!(third.status, 200, "{:?}", third.body);
    assert_eq!(third.body["reply"], "third answer");

    let requests = app.llm[0].requests();
    assert_eq!(requests.len(), 4);
    let (rejected, retried) = (messages_of(&requests[2]), messages_of(&requests[3]));
    assert!(
        retried.len() < rejected.len(),
        "{} < {}",
        retried.len(),
        rejected.len()
    );
    assert_eq!(
        retried.first().unwrap()["role"],
        "system",
        "the system prompt is always kept"
    );
    assert_eq!(
        retried.last().unwrap()["content"],
        "third question",
        "the question is always kept"
    );
}

#[tokio::test]
async fn two_tool_calls_in_one_step_run_concurrently() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let google_args = PERF_ARGS.replace("meta", "all");
    let app = spawn_app(Options {
        model: Model::Scripted(vec![
            Reply::ToolCalls(vec![
                ("get_marketing_performance".into(), PERF_ARGS.into()),
                ("get_marketing_performance".into(), google_args),
            ]),
            Reply::text("compared"),
        ]),
        ..Default::default()
    })
    .await;
    let mut ws = app.websocket().await;
    ws.send(Message::text(
        r#"{"type":"message","message":"Meta against everything?"}"#,
    ))
    .await
    .unwrap();
    let mut order = Vec::new();
    while let Some(Ok(Message::Text(t))) = ws.next().await {
        let frame: Value = serde_json::from_str(t.as_str()).unwrap();
        let kind = frame["type"].as_str().unwrap().to_string();
        if kind == "tool_call" || kind == "tool_result" {
            order.push(kind.clone());
        }
        if kind == "done" || kind == "error" {
            assert_eq!(kind, "done", "{frame}");
            break;
        }
    }
    // Run one after the other, the frames would alternate call, result, call, result.
    assert_eq!(
        order,
        ["tool_call", "tool_call", "tool_result", "tool_result"]
    );
}
