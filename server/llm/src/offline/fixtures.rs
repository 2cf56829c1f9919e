//! Tool specs and a fixed "today" shared by the offline planner's tests. They mirror
//! the shapes the real tools publish without depending on the tools crate.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use omnify_core::ToolSpec;
use serde_json::json;

/// Wednesday 2026-11-25: "last week" is 2026-11-16..2026-11-22.
pub(crate) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn spec(
    name: &str,
    description: &str,
    parameters: serde_json::Value,
    keywords: &[&str],
) -> ToolSpec {
    ToolSpec {
        name: name.to_string(),
        description: description.to_string(),
        parameters,
        keywords: keywords.iter().map(|k| (*k).to_string()).collect(),
    }
}

pub(crate) fn performance_tool() -> ToolSpec {
    spec(
        "get_marketing_performance",
        "Spend, impressions, clicks, conversions, revenue, ROAS, CPC, CPM and CTR for the \
         connected ad platforms over a date range, optionally broken down by campaign, ad or day.",
        json!({
            "type": "object",
            "properties": {
                "platform": {"type": "string", "enum": ["all", "meta", "google", "tiktok"]},
                "date_range": {
                    "type": "object",
                    "properties": {
                        "since": {"type": "string", "format": "date"},
                        "until": {"type": "string", "format": "date"}
                    },
                    "required": ["since", "until"]
                },
                "level": {"type": "string", "enum": ["platform", "campaign", "ad", "day"]}
            },
            "required": ["platform", "date_range"]
        }),
        &[
            "performance",
            "spend",
            "roas",
            "cpc",
            "cpm",
            "ctr",
            "cpa",
            "revenue",
            "conversions",
            "clicks",
            "impressions",
            "results",
            "how did",
            "doing",
            "numbers",
            "return on ad spend",
        ],
    )
}

pub(crate) fn budget_tool() -> ToolSpec {
    spec(
        "change_campaign_budget",
        "Raise or lower a campaign's daily budget by a percentage. Needs approval.",
        json!({
            "type": "object",
            "properties": {
                "platform": {"type": "string", "enum": ["meta", "google", "tiktok"]},
                "campaign": {"type": "string"},
                "change_percent": {"type": "number"}
            },
            "required": ["campaign", "change_percent"]
        }),
        &[
            "budget",
            "raise budget",
            "increase budget",
            "lower budget",
            "cut budget",
            "scale",
        ],
    )
}

pub(crate) fn knowledge_tool() -> ToolSpec {
    spec(
        "search_knowledge",
        "Search the marketing knowledge base: playbooks, platform guides and best practices.",
        json!({
            "type": "object",
            "properties": {"query": {"type": "string"}},
            "required": ["query"]
        }),
        &[
            "how often",
            "best practice",
            "should we",
            "guide",
            "playbook",
            "refresh",
            "creative fatigue",
            "strategy",
        ],
    )
}

pub(crate) fn escalation_tool() -> ToolSpec {
    spec(
        "escalate_to_expert",
        "Hand the conversation to a human marketing expert.",
        json!({
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": [
                    "human_requested", "high_stakes_decision", "low_confidence", "frustration",
                    "compliance_privacy", "integration_failure", "billing_account"
                ]},
                "reason": {"type": "string"}
            },
            "required": ["type", "reason"]
        }),
        &[
            "human",
            "expert",
            "talk to someone",
            "real person",
            "escalate",
        ],
    )
}

pub(crate) fn spec_tools() -> Vec<ToolSpec> {
    vec![
        performance_tool(),
        budget_tool(),
        knowledge_tool(),
        escalation_tool(),
    ]
}
