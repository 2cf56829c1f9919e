#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! Reciprocal rank fusion on a known case, and the `search_knowledge` tool's shape.

use chrono::NaiveDate;
use omnify_core::{Tool, ToolContext, ToolError};
use omnify_knowledge::fusion::{RRF_K, reciprocal_rank_fusion};
use omnify_knowledge::{
    ChunkingSettings, EmbeddedIndex, HashingEmbedder, KnowledgeBase, SearchKnowledgeTool,
};
use serde_json::json;
use std::sync::Arc;

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn rrf_rewards_agreement_between_rankers() {
    let words = ids(&["a", "b", "c"]);
    let meaning = ids(&["c", "b", "d"]);
    let fused = reciprocal_rank_fusion(&[words, meaning], RRF_K);
    let order: Vec<&str> = fused.iter().map(|(id, _)| id.as_str()).collect();
    // b: 1/62 + 1/62; c: 1/63 + 1/61; a: 1/61; d: 1/63.
    assert_eq!(order, vec!["c", "b", "a", "d"]);
    let score = |id: &str| fused.iter().find(|(i, _)| i == id).unwrap().1;
    assert!((score("b") - 2.0 / 62.0).abs() < 1e-6);
    assert!((score("c") - (1.0 / 63.0 + 1.0 / 61.0)).abs() < 1e-6);
    assert!((score("a") - 1.0 / 61.0).abs() < 1e-6);
}

#[test]
fn rrf_ties_keep_first_appearance() {
    let fused = reciprocal_rank_fusion(&[ids(&["x"]), ids(&["y"])], RRF_K);
    assert_eq!(fused[0].0, "x");
    assert_eq!(fused[1].0, "y");
}

fn ctx(tenant: &str) -> ToolContext {
    ToolContext {
        tenant_id: tenant.to_owned(),
        conversation_id: "c1".to_owned(),
        user_id: None,
        today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    }
}

async fn tool_with_docs() -> (SearchKnowledgeTool, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let kb = KnowledgeBase::open(
        &data.path().join("knowledge"),
        Arc::new(HashingEmbedder),
        Arc::new(EmbeddedIndex::open(&data.path().join("vectors")).unwrap()),
        ChunkingSettings::default(),
    )
    .unwrap();
    kb.ingest_bytes(
        "acme",
        "fatigue.md",
        b"# Creative fatigue\n\n## Refresh cadence\n\n### TikTok\n\nRefresh TikTok creatives every 7 to 10 days.\n",
    )
    .await
    .unwrap();
    kb.ingest_bytes(
        "acme",
        "pacing.md",
        b"# Budget pacing\n\nCheck TikTok pacing daily.\n",
    )
    .await
    .unwrap();
    (SearchKnowledgeTool::new(Arc::new(kb)), data)
}

#[tokio::test]
async fn results_are_numbered_with_title_section_source_and_text() {
    let (tool, _data) = tool_with_docs().await;
    let spec = tool.spec();
    assert_eq!(spec.name, "search_knowledge");
    assert_eq!(spec.parameters["required"], json!(["query"]));

    let out = tool
        .call(
            &ctx("acme"),
            json!({"query": "how often to refresh TikTok creatives", "limit": 2}),
        )
        .await
        .unwrap();
    let results = out.data["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[0],
        json!({
            "n": 1,
            "title": "Creative fatigue",
            "section": "Creative fatigue › Refresh cadence › TikTok",
            "source": "fatigue.md",
            "text": "Refresh TikTok creatives every 7 to 10 days."
        })
    );
    assert_eq!(results[1]["n"], 2);
    assert!(
        out.summary
            .contains("[1] Creative fatigue › Refresh cadence › TikTok"),
        "{}",
        out.summary
    );
    assert!(
        out.summary.contains("cite each one you use inline as [n]"),
        "{}",
        out.summary
    );
    assert_eq!(out.provenance.len(), 2);
    assert_eq!(out.provenance[0].platform, "knowledge base");
    assert_eq!(out.provenance[0].account, "fatigue.md");
    assert!(out.chart.is_none());
}

#[tokio::test]
async fn the_tenant_comes_from_the_context() {
    let (tool, _data) = tool_with_docs().await;
    let out = tool
        .call(&ctx("globex"), json!({"query": "refresh TikTok creatives"}))
        .await
        .unwrap();
    assert_eq!(out.data["results"], json!([]));
    assert!(out.summary.contains("has nothing on"), "{}", out.summary);
}

#[tokio::test]
async fn bad_arguments_go_back_to_the_model() {
    let (tool, _data) = tool_with_docs().await;
    for args in [
        json!({}),
        json!({"query": "  "}),
        json!({"query": "x", "limit": 0}),
        json!({"query": "x", "top": 3}),
    ] {
        let err = tool.call(&ctx("acme"), args.clone()).await.unwrap_err();
        assert!(matches!(err, ToolError::BadArguments(_)), "{args}: {err}");
    }
}
