//! Model-assisted AIDA scoring: the one request a language model is sent, and the
//! strict validation of its answer. The caller sends the request (this crate does no
//! I/O) and falls back to [`super::rules`] when [`parse_answer`] refuses.

use super::{AdCopy, AdPlatform, AidaScore, Scorer, StageScore};
use omnify_core::{ChatMessage, ChatRequest};
use serde::Deserialize;

const INSTRUCTIONS: &str = "You are a direct-response copy chief. Score the ad on the AIDA \
framework: attention (does the opening stop the scroll), interest (specific, relevant, \
readable), desire (benefits, proof, risk reversal), action (clear call to action, reason to \
act now). Answer with JSON only, no prose, exactly this shape: \
{\"attention\":{\"score\":0-100,\"reasons\":[\"...\"]},\"interest\":{...},\"desire\":{...},\
\"action\":{...}}. Each stage has an integer score from 0 to 100 and one to four short \
reasons that name what is present or missing in this ad.";

/// The single chat request asking for the scores.
pub fn request(copy: &AdCopy, platform: AdPlatform) -> ChatRequest {
    let ad = format!(
        "Platform: {}\nHeadline: {}\nBody: {}\nCall to action: {}",
        platform.label(),
        copy.headline,
        copy.body,
        copy.cta
    );
    ChatRequest {
        messages: vec![ChatMessage::system(INSTRUCTIONS), ChatMessage::user(ad)],
        tools: Default::default(),
        max_output_tokens: Some(600),
        temperature: Some(0.0),
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnswerError {
    #[error("the answer is not the JSON asked for: {0}")]
    NotJson(String),
    #[error("{stage}: score {score} is outside 0-100")]
    ScoreOutOfRange { stage: &'static str, score: f64 },
    #[error("{stage}: no reasons given")]
    NoReasons { stage: &'static str },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    attention: Stage,
    interest: Stage,
    desire: Stage,
    action: Stage,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Stage {
    score: f64,
    reasons: Vec<String>,
}

/// Validates the model's text: JSON (a ```json fence is tolerated), all four stages,
/// scores within 0–100, at least one non-empty reason each (at most four kept).
pub fn parse_answer(text: &str) -> Result<AidaScore, AnswerError> {
    let trimmed = text.trim();
    let json = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|t| t.strip_suffix("```"))
        .unwrap_or(trimmed);
    let answer: Answer =
        serde_json::from_str(json.trim()).map_err(|e| AnswerError::NotJson(e.to_string()))?;
    let stage = |name: &'static str, s: Stage| -> Result<StageScore, AnswerError> {
        if !(0.0..=100.0).contains(&s.score) || !s.score.is_finite() {
            return Err(AnswerError::ScoreOutOfRange {
                stage: name,
                score: s.score,
            });
        }
        let reasons: Vec<String> = s
            .reasons
            .into_iter()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .take(4)
            .collect();
        if reasons.is_empty() {
            return Err(AnswerError::NoReasons { stage: name });
        }
        Ok(StageScore {
            score: s.score.round() as u8,
            reasons,
        })
    };
    Ok(AidaScore {
        attention: stage("attention", answer.attention)?,
        interest: stage("interest", answer.interest)?,
        desire: stage("desire", answer.desire)?,
        action: stage("action", answer.action)?,
        scorer: Scorer::Model,
    })
}
