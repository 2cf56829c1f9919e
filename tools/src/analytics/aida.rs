//! `score_ad_copy`: AIDA sub-scores (attention, interest, desire, action) with reasons
//! for an ad's text. Asks the configured language model for strict JSON when there is
//! one, and falls back to the offline rules (`omnify_analytics::aida::rules`) on any
//! failure, saying so.

use async_trait::async_trait;
use omnify_analytics::aida::{AdCopy, AdPlatform, AidaScore, model, rules};
use omnify_core::{
    Chart, ChartKind, ChartSeries, ChatModel, Provenance, Tool, ToolContext, ToolError, ToolOutput,
    ToolSpec, parse_args,
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub const TOOL_NAME: &str = "score_ad_copy";

/// Longest ad text accepted: a long e-mail, not a document.
const MAX_TEXT_CHARS: usize = 5_000;

#[derive(Clone)]
pub struct ScoreAdCopyTool {
    model: Option<Arc<dyn ChatModel>>,
}

impl ScoreAdCopyTool {
    /// `model`: the language model to ask first; `None` (or the offline planner)
    /// scores with the rules only.
    pub fn new(model: Option<Arc<dyn ChatModel>>) -> Self {
        Self { model }
    }
}

const DESCRIPTION: &str = "\
Scores ad copy on AIDA: attention, interest, desire and action, each 0-100 with reasons \
naming what works and what is missing (hook, numbers, question, length for the platform, \
benefits vs features, social proof, guarantee, urgency, offer, a clear call to action). \
Give the whole ad as text (headline, body and call to action on separate lines, or \
labelled \"Headline:\", \"Body:\", \"CTA:\"). Use it for \"how good is this ad copy?\", \
\"score my headline\" or \"which of these ads is stronger?\" (one call per ad).";

const KEYWORDS: &[&str] = &[
    "ad copy",
    "copy",
    "headline",
    "aida",
    "score my ad",
    "rate this ad",
    "call to action",
    "cta",
    "copywriting",
    "primary text",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    text: String,
    #[serde(default)]
    platform: Option<String>,
}

#[async_trait]
impl Tool for ScoreAdCopyTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: TOOL_NAME.to_owned(),
            description: DESCRIPTION.to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "text": {"type": "string", "description": "The ad: headline, body and call to action."},
                    "platform": {
                        "type": "string",
                        "enum": ["meta", "google_ads", "tiktok", "linkedin", "email", "generic"],
                        "description": "Where it will run (sets the length norms); generic when omitted."
                    }
                },
                "required": ["text"],
                "additionalProperties": false
            }),
            keywords: KEYWORDS.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    async fn call(&self, _ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        if args.text.trim().is_empty() {
            return Err(ToolError::BadArguments(
                "text is empty: give the ad's words".to_owned(),
            ));
        }
        if args.text.chars().count() > MAX_TEXT_CHARS {
            return Err(ToolError::BadArguments(format!(
                "text is longer than {MAX_TEXT_CHARS} characters: score one ad at a time"
            )));
        }
        let platform = match args.platform.as_deref() {
            None => AdPlatform::Generic,
            Some(name) => AdPlatform::parse(name).ok_or_else(|| {
                ToolError::BadArguments(format!(
                    "unknown platform {name:?}; use meta, google_ads, tiktok, linkedin, email or generic"
                ))
            })?,
        };
        let copy = AdCopy::parse(&args.text);
        let (score, note, scorer) = self.score(&copy, platform).await;
        Ok(output(&copy, platform, &score, note, scorer))
    }
}

impl ScoreAdCopyTool {
    /// The model's scores when it answers validly, otherwise the rules', with a note
    /// saying why; and who scored, for provenance.
    async fn score(
        &self,
        copy: &AdCopy,
        platform: AdPlatform,
    ) -> (AidaScore, Option<String>, String) {
        let rules_name = "omnify AIDA rules (word lists and length norms)".to_owned();
        let Some(model) = self.model.as_ref().filter(|m| !m.is_offline()) else {
            return (rules::score(copy, platform), None, rules_name);
        };
        let request = model::request(copy, platform);
        let failure = match model.complete(&request, &|_| {}).await {
            Ok(response) => match model::parse_answer(&response.text) {
                Ok(score) => return (score, None, format!("model {}", model.model_name())),
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        };
        tracing::warn!(error = %failure, "AIDA model scoring failed, using the rules");
        let note = format!(
            "the language model's scores could not be used ({failure}); scored by the offline rules instead"
        );
        (rules::score(copy, platform), Some(note), rules_name)
    }
}

fn output(
    copy: &AdCopy,
    platform: AdPlatform,
    score: &AidaScore,
    note: Option<String>,
    scorer: String,
) -> ToolOutput {
    let stages: serde_json::Map<String, Value> = score
        .stages()
        .iter()
        .map(|(name, s)| {
            (
                (*name).to_owned(),
                json!({"score": s.score, "reasons": s.reasons}),
            )
        })
        .collect();
    let (weakest, weak_stage) = score.weakest();
    let data = json!({
        "platform": platform,
        "parts": copy,
        "scores": stages,
        "overall": score.overall(),
        "weakest_stage": weakest,
        "scored_by": score.scorer,
        "note": note,
    });
    let fix = weak_stage
        .reasons
        .iter()
        .find(|r| r.starts_with("no ") || r.contains(':') || r.starts_with("more "))
        .or(weak_stage.reasons.first())
        .map_or(String::new(), |r| format!(" ({r})"));
    let mut summary = format!(
        "AIDA score for {}: {} overall — attention {}, interest {}, desire {}, action {}. \
         Weakest: {weakest}{fix}.",
        platform.label(),
        score.overall(),
        score.attention.score,
        score.interest.score,
        score.desire.score,
        score.action.score,
    );
    if let Some(note) = &note {
        summary.push_str(&format!(" Note: {note}."));
    }
    let chart = Chart {
        title: "AIDA sub-scores (0-100)".to_owned(),
        kind: ChartKind::Bar,
        x_labels: score
            .stages()
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect(),
        series: vec![ChartSeries {
            name: "Score".to_owned(),
            values: score
                .stages()
                .iter()
                .map(|(_, s)| f64::from(s.score))
                .collect(),
        }],
        y_label: Some("Score".to_owned()),
        ..Chart::default()
    };
    ToolOutput {
        summary,
        data,
        provenance: vec![Provenance {
            platform: "ad_copy".to_owned(),
            account: String::new(),
            date_range: None,
            query: scorer,
        }],
        chart: Some(chart),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use omnify_core::{ChatRequest, ChatResponse, DeltaSink, ModelError, ModelErrorKind};

    /// Answers every request with `answer`, or fails.
    struct FixedModel {
        answer: Result<String, ()>,
    }

    #[async_trait]
    impl ChatModel for FixedModel {
        fn model_name(&self) -> &str {
            "fixed"
        }
        fn context_window(&self) -> usize {
            8_000
        }
        async fn complete(
            &self,
            request: &ChatRequest,
            _: DeltaSink<'_>,
        ) -> Result<ChatResponse, ModelError> {
            assert!(request.messages[1].content.contains("Headline: Stay dry"));
            match &self.answer {
                Ok(text) => Ok(ChatResponse {
                    text: text.clone(),
                    ..ChatResponse::default()
                }),
                Err(()) => Err(ModelError::new(
                    ModelErrorKind::Transient,
                    "fixed",
                    "overloaded",
                )),
            }
        }
    }

    fn ctx() -> ToolContext {
        ToolContext {
            tenant_id: "t1".into(),
            conversation_id: "c1".into(),
            user_id: None,
            today: "2026-11-24".parse().unwrap(),
        }
    }

    const AD: &str = "Stay dry on your next 20-mile hike?\nYou'll love it: 4.8 stars from 12,000 reviews. Free returns. 25% off ends tonight.\nShop now";

    #[tokio::test]
    async fn analytics_score_ad_copy_by_rules_without_a_model() {
        let out = ScoreAdCopyTool::new(None)
            .call(&ctx(), json!({"text": AD, "platform": "meta"}))
            .await
            .unwrap();
        assert_eq!(out.data["scored_by"], "rules");
        assert!(out.data["scores"]["action"]["score"].as_u64().unwrap() >= 70);
        assert!(
            out.summary.starts_with("AIDA score for Meta"),
            "{}",
            out.summary
        );
        assert_eq!(
            out.chart.unwrap().x_labels,
            ["attention", "interest", "desire", "action"]
        );
        let err = ScoreAdCopyTool::new(None)
            .call(&ctx(), json!({"text": AD, "platform": "myspace"}))
            .await
            .unwrap_err();
        assert!(matches!(err, ToolError::BadArguments(_)));
    }

    #[tokio::test]
    async fn analytics_score_ad_copy_uses_a_valid_model_answer_and_falls_back_otherwise() {
        let answer = r#"{"attention":{"score":81,"reasons":["question hook"]},"interest":{"score":70,"reasons":["specific"]},"desire":{"score":88,"reasons":["reviews"]},"action":{"score":90,"reasons":["clear CTA"]}}"#;
        let good = ScoreAdCopyTool::new(Some(Arc::new(FixedModel {
            answer: Ok(answer.to_owned()),
        })));
        let out = good.call(&ctx(), json!({"text": AD})).await.unwrap();
        assert_eq!(out.data["scored_by"], "model");
        assert_eq!(out.data["scores"]["attention"]["score"], 81);
        assert_eq!(out.provenance[0].query, "model fixed");

        for model in [
            FixedModel {
                answer: Ok("I think it's great".to_owned()),
            },
            FixedModel { answer: Err(()) },
        ] {
            let out = ScoreAdCopyTool::new(Some(Arc::new(model)))
                .call(&ctx(), json!({"text": AD}))
                .await
                .unwrap();
            assert_eq!(out.data["scored_by"], "rules");
            assert!(
                out.summary.contains("scored by the offline rules instead"),
                "{}",
                out.summary
            );
        }
    }
}
