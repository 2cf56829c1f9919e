//! Retrieval quality against labelled questions (`evals/knowledge/questions.yaml`):
//! recall@k, hit@k and MRR@k per search mode, as a Markdown table.
//!
//! A label is `{doc, section}`: a result matches it when its document id is `doc`
//! and its section path contains the heading `section`.

use crate::base::{Citation, KnowledgeBase, SearchMode};
use omnify_core::KnowledgeError;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub question: String,
    pub relevant: Vec<Label>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// Path under the ingested folder, e.g. `playbooks/creative-fatigue.md`.
    pub doc: String,
    /// Exact heading text.
    pub section: String,
}

impl Label {
    pub fn matches(&self, c: &Citation) -> bool {
        c.document_id == self.doc && c.section.contains(&self.section)
    }
}

pub fn load_questions(path: &Path) -> Result<Vec<Question>, KnowledgeError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| KnowledgeError::Invalid(format!("cannot read {}: {e}", path.display())))?;
    let questions: Vec<Question> = serde_yaml_ng::from_str(&text).map_err(|e| {
        KnowledgeError::Invalid(format!("{} is not a question list: {e}", path.display()))
    })?;
    if let Some(q) = questions.iter().find(|q| q.relevant.is_empty()) {
        return Err(KnowledgeError::Invalid(format!(
            "{}: question \"{}\" has no relevant sections",
            path.display(),
            q.question
        )));
    }
    Ok(questions)
}

/// Scores of one question in one mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionScore {
    pub question: String,
    /// Share of the question's labels found in the top k.
    pub recall: f64,
    /// 1-based rank of the first relevant result within the top k.
    pub first_relevant: Option<usize>,
}

/// Averages over all questions for one mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeScores {
    pub mode: SearchMode,
    pub k: usize,
    pub recall: f64,
    pub hit_rate: f64,
    pub mrr: f64,
    pub questions: Vec<QuestionScore>,
}

/// Scores one ranked list against a question's labels.
pub fn score_question(question: &Question, ranked: &[Citation], k: usize) -> QuestionScore {
    let top = &ranked[..ranked.len().min(k)];
    let found = question
        .relevant
        .iter()
        .filter(|label| top.iter().any(|c| label.matches(c)))
        .count();
    let first_relevant = top
        .iter()
        .position(|c| question.relevant.iter().any(|l| l.matches(c)))
        .map(|p| p + 1);
    QuestionScore {
        question: question.question.clone(),
        recall: found as f64 / question.relevant.len().max(1) as f64,
        first_relevant,
    }
}

/// Runs every question in every mode against the tenant's knowledge.
pub async fn evaluate(
    knowledge: &KnowledgeBase,
    tenant: &str,
    questions: &[Question],
    k: usize,
) -> Result<Vec<ModeScores>, KnowledgeError> {
    let mut all = Vec::new();
    for mode in SearchMode::ALL {
        let mut scores = Vec::with_capacity(questions.len());
        for question in questions {
            let ranked = knowledge
                .search(tenant, &question.question, k, mode)
                .await?;
            scores.push(score_question(question, &ranked, k));
        }
        let n = scores.len().max(1) as f64;
        all.push(ModeScores {
            mode,
            k,
            recall: scores.iter().map(|s| s.recall).sum::<f64>() / n,
            hit_rate: scores.iter().filter(|s| s.first_relevant.is_some()).count() as f64 / n,
            mrr: scores
                .iter()
                .map(|s| s.first_relevant.map_or(0.0, |r| 1.0 / r as f64))
                .sum::<f64>()
                / n,
            questions: scores,
        });
    }
    Ok(all)
}

/// | mode | recall@k | hit@k | MRR@k | as Markdown.
pub fn markdown_table(scores: &[ModeScores]) -> String {
    let k = scores.first().map_or(5, |s| s.k);
    let mut out = format!("| mode | recall@{k} | hit@{k} | MRR@{k} |\n|---|---:|---:|---:|\n");
    for s in scores {
        out.push_str(&format!(
            "| {} | {:.3} | {:.3} | {:.3} |\n",
            s.mode.name(),
            s.recall,
            s.hit_rate,
            s.mrr
        ));
    }
    out
}
