#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! The offline planner through the API: what a newcomer sees with no LLM key.

use omnify_tests::{Options, spawn_app};

/// (question, expected tool, expected platform, expected since, expected until)
const PHRASINGS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "how did Meta do last week?",
        "get_marketing_performance",
        "meta",
        "2026-11-16",
        "2026-11-22",
    ),
    (
        "what was our ROAS yesterday",
        "get_marketing_performance",
        "all",
        "2026-11-24",
        "2026-11-24",
    ),
    (
        "facebook spend in the past 30 days",
        "get_marketing_performance",
        "meta",
        "2026-10-26",
        "2026-11-24",
    ),
    (
        "Q3 performance by campaign",
        "get_marketing_performance",
        "all",
        "2026-07-01",
        "2026-09-30",
    ),
    (
        "how are our ads doing this month?",
        "get_marketing_performance",
        "all",
        "2026-11-01",
        "2026-11-24",
    ),
    (
        "instagram CPA last month",
        "get_marketing_performance",
        "meta",
        "2026-10-01",
        "2026-10-31",
    ),
    (
        "show me campaign results for the last 14 days",
        "get_marketing_performance",
        "all",
        "2026-11-11",
        "2026-11-24",
    ),
    (
        "meta revenue from 2026-10-01 to 2026-10-15",
        "get_marketing_performance",
        "meta",
        "2026-10-01",
        "2026-10-15",
    ),
    (
        "how much did we spend on ads in October?",
        "get_marketing_performance",
        "all",
        "2026-10-01",
        "2026-10-31",
    ),
    (
        "conversions and CTR on FB year to date",
        "get_marketing_performance",
        "meta",
        "2026-01-01",
        "2026-11-24",
    ),
];

#[tokio::test]
async fn ten_phrasings_pick_the_right_tool_and_arguments() {
    let app = spawn_app(Options::default()).await;
    for (question, tool, platform, since, until) in PHRASINGS {
        let r = app.chat(question).await;
        assert_eq!(r.status, 200, "{question}: {:?}", r.body);
        let call = &r.body["tool_calls"][0];
        assert_eq!(call["name"], *tool, "{question}");
        assert_eq!(
            call["arguments"]["platform"], *platform,
            "{question}: {call}"
        );
        assert_eq!(
            call["arguments"]["date_range"]["since"], *since,
            "{question}: {call}"
        );
        assert_eq!(
            call["arguments"]["date_range"]["until"], *until,
            "{question}: {call}"
        );
        assert_eq!(call["ok"], true, "{question}: {call}");
        let reply = r.body["reply"].as_str().unwrap();
        assert!(reply.contains("offline mode"), "{question}: {reply}");
        assert!(reply.contains('$'), "answers carry numbers: {reply}");
    }
}

#[tokio::test]
async fn a_question_no_tool_fits_gets_a_clarifying_answer() {
    let app = spawn_app(Options::default()).await;
    let r = app.chat("sing me a song about penguins").await;
    assert_eq!(r.status, 200);
    assert!(r.body["tool_calls"].as_array().unwrap().is_empty());
    let reply = r.body["reply"].as_str().unwrap();
    assert!(reply.contains('?'), "asks a question: {reply}");
    assert!(reply.contains("offline mode"));
}

#[tokio::test]
async fn a_follow_up_reuses_the_previous_question() {
    let app = spawn_app(Options::default()).await;
    let first = app.chat("how did Meta do last week?").await;
    let conv = first.body["conversation_id"].as_str().unwrap();
    let r = app.chat_in(Some(conv), "and what about last month?").await;
    assert_eq!(r.status, 200);
    let call = &r.body["tool_calls"][0];
    assert_eq!(call["name"], "get_marketing_performance", "{:?}", r.body);
    assert_eq!(
        call["arguments"]["platform"], "meta",
        "the platform carries over: {call}"
    );
    assert_eq!(
        call["arguments"]["date_range"]["since"], "2026-10-01",
        "the new period replaces the old: {call}"
    );
}

#[tokio::test]
async fn a_comparison_across_ad_platforms_reads_each_of_them() {
    let app = spawn_app(Options::default()).await;
    let r = app
        .chat("how did Meta do last week against Google and TikTok?")
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let calls = r.body["tool_calls"].as_array().unwrap();
    let platforms: Vec<&str> = calls
        .iter()
        .map(|c| c["arguments"]["platform"].as_str().unwrap())
        .collect();
    assert_eq!(platforms, ["meta", "google_ads", "tiktok"]);
    assert!(calls.iter().all(|c| c["ok"] == true), "{calls:?}");
    let reply = r.body["reply"].as_str().unwrap();
    for name in ["Meta Ads", "Google Ads", "TikTok Ads"] {
        assert!(reply.contains(name), "{name} in {reply}");
    }
}

#[tokio::test]
async fn commerce_questions_reach_shopify_stripe_and_triple_whale() {
    let app = spawn_app(Options::default()).await;
    for (question, tool, source) in [
        (
            "what were our Shopify sales last week?",
            "get_store_sales",
            "Shopify",
        ),
        (
            "how is MRR and subscriber churn this month?",
            "get_subscription_metrics",
            "Stripe",
        ),
        (
            "what does Triple Whale attribution say for the last 30 days?",
            "get_attribution_summary",
            "Triple Whale",
        ),
    ] {
        let r = app.chat(question).await;
        assert_eq!(r.status, 200, "{question}: {:?}", r.body);
        let call = &r.body["tool_calls"][0];
        assert_eq!(call["name"], tool, "{question}: {:?}", r.body);
        assert_eq!(call["ok"], true, "{question}: {call}");
        let reply = r.body["reply"].as_str().unwrap();
        assert!(
            reply.contains(&format!("Source: {source}")),
            "{question}: {reply}"
        );
    }
}

#[tokio::test]
async fn crm_and_email_questions_reach_hubspot_gohighlevel_and_klaviyo() {
    let app = spawn_app(Options::default()).await;
    for (question, tool, source) in [
        (
            "how is our HubSpot pipeline this quarter?",
            "get_pipeline_summary",
            "HubSpot",
        ),
        ("search HubSpot for Summit", "search_crm", "HubSpot"),
        (
            "how is the GoHighLevel pipeline doing last month?",
            "get_pipeline_summary",
            "GoHighLevel",
        ),
        (
            "how did our Klaviyo emails do last month?",
            "get_email_performance",
            "Klaviyo",
        ),
    ] {
        let r = app.chat(question).await;
        assert_eq!(r.status, 200, "{question}: {:?}", r.body);
        let calls = r.body["tool_calls"].as_array().unwrap();
        let call = calls
            .iter()
            .find(|c| c["name"] == tool)
            .unwrap_or_else(|| panic!("{question}: {calls:?}"));
        assert_eq!(call["ok"], true, "{question}: {call}");
        assert!(
            r.body["reply"]
                .as_str()
                .unwrap()
                .contains(&format!("Source: {source}")),
            "{question}: {:?}",
            r.body
        );
    }
}

#[tokio::test]
async fn linkedin_and_youtube_are_answered_from_their_emulators() {
    let app = spawn_app(Options::default()).await;
    let r = app.chat("how did LinkedIn do last month?").await;
    let call = &r.body["tool_calls"][0];
    assert_eq!(call["arguments"]["platform"], "linkedin", "{:?}", r.body);
    assert_eq!(call["ok"], true, "{call}");
    let r = app
        .chat("how is our YouTube channel doing this month?")
        .await;
    let calls = r.body["tool_calls"].as_array().unwrap();
    let yt = calls
        .iter()
        .find(|c| c["name"] == "get_youtube_channel_stats")
        .unwrap_or_else(|| panic!("{calls:?}"));
    assert_eq!(yt["ok"], true, "{yt}");
    assert!(
        r.body["reply"]
            .as_str()
            .unwrap()
            .contains("reported by Google Ads"),
        "{:?}",
        r.body
    );
}
