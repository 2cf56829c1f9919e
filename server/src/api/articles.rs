//! Expert answers into the knowledge base: a resolved escalation is proposed as an
//! article (a draft from the conversation: the question, the expert's answers, the
//! decision), an expert edits it, then publishes it — ingested into the tenant's
//! knowledge base, so later answers cite it — or rejects it.

use super::error::{ApiError, ApiJson};
use super::experts::ExpertCaller;
use crate::escalations as desk_ops;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use omnify_core::{ConversationStore, Escalation, EscalationStatus, Expert, MessageRole};
use omnify_store::Article;
use serde::Deserialize;

/// Published articles become documents named like this in the knowledge base.
const DOCUMENT_PREFIX: &str = "expert-answer-";

/// `POST /api/v1/expert/escalations/{id}/article`: a draft from a resolved escalation
/// (the same draft again if one was proposed already).
pub async fn propose(
    State(state): State<AppState>,
    ExpertCaller(expert): ExpertCaller,
    Path(id): Path<String>,
) -> Result<(StatusCode, ApiJson<Article>), ApiError> {
    let escalation = desk_ops::visible(&state, &expert, &id).await?;
    if !matches!(
        escalation.status,
        EscalationStatus::Resolved | EscalationStatus::Closed
    ) {
        return Err(ApiError::Conflict(format!(
            "escalation {id} is not resolved yet: resolve it first, so the article says what was decided"
        )));
    }
    let (title, body) = draft(&state, &escalation).await?;
    let article = state
        .store
        .propose_article(&escalation.tenant_id, &id, &title, &body, &expert.id)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(article)))
}

async fn draft(state: &AppState, escalation: &Escalation) -> Result<(String, String), ApiError> {
    let messages = state.store.history(&escalation.conversation_id).await?;
    let said = |role: MessageRole| -> Vec<String> {
        messages
            .iter()
            .filter(|m| m.role == role)
            .map(|m| m.text.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    };
    let questions = said(MessageRole::User);
    let answers = said(MessageRole::Expert);
    let title = questions
        .first()
        .map(|q| q.trim_end_matches(['?', '.', '!']).to_string())
        .filter(|q| !q.is_empty())
        .unwrap_or_else(|| escalation.reason.clone());
    let title: String = title.chars().take(100).collect();
    let mut body = format!("# {title}\n\n## Question\n\n{}\n", questions.join("\n\n"));
    if !answers.is_empty() {
        body.push_str(&format!(
            "\n## What our expert answered\n\n{}\n",
            answers.join("\n\n")
        ));
    }
    if let Some(decision) = escalation.resolution.as_deref() {
        body.push_str(&format!("\n## Decision\n\n{decision}\n"));
    }
    Ok((title, body))
}

/// An article this expert may see: its escalation's tenant is one they serve.
async fn visible(state: &AppState, expert: &Expert, id: &str) -> Result<Article, ApiError> {
    let not_found = || ApiError::NotFound(format!("article {id}"));
    let article = state.store.article(id).await?.ok_or_else(not_found)?;
    desk_ops::visible(state, expert, &article.escalation_id)
        .await
        .map_err(|_| not_found())?;
    Ok(article)
}

/// `GET /api/v1/expert/articles`: proposals waiting for a decision, in the tenants
/// this expert serves.
pub async fn proposed(
    State(state): State<AppState>,
    ExpertCaller(expert): ExpertCaller,
) -> Result<ApiJson<Vec<Article>>, ApiError> {
    let mut proposed = state.store.articles("proposed").await?;
    proposed.retain(|a| expert.serves(&a.tenant_id));
    Ok(ApiJson(proposed))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    pub title: String,
    pub body: String,
}

/// `PUT /api/v1/expert/articles/{id}`: edit a proposal's title and Markdown body.
pub async fn edit(
    State(state): State<AppState>,
    ExpertCaller(expert): ExpertCaller,
    Path(id): Path<String>,
    ApiJson(edit): ApiJson<Edit>,
) -> Result<ApiJson<Article>, ApiError> {
    let (title, body) = (edit.title.trim(), edit.body.trim());
    if title.is_empty() || body.is_empty() {
        return Err(ApiError::BadRequest(
            "an article needs a `title` and a `body`".into(),
        ));
    }
    visible(&state, &expert, &id).await?;
    if !state.store.edit_article(&id, title, body).await? {
        return Err(ApiError::Conflict(format!(
            "article {id} was already published or rejected"
        )));
    }
    Ok(ApiJson(visible(&state, &expert, &id).await?))
}

/// `POST /api/v1/expert/articles/{id}/publish`: ingest it into the tenant's knowledge
/// base; from then on `search_knowledge` finds and cites it.
pub async fn publish(
    State(state): State<AppState>,
    ExpertCaller(expert): ExpertCaller,
    Path(id): Path<String>,
) -> Result<ApiJson<Article>, ApiError> {
    let article = visible(&state, &expert, &id).await?;
    if article.status != "proposed" {
        return Err(ApiError::Conflict(format!(
            "article {id} was already {}",
            article.status
        )));
    }
    let knowledge = state.knowledge.as_ref().ok_or_else(|| {
        ApiError::Conflict("the knowledge base is turned off (`knowledge.enabled`)".into())
    })?;
    let document_id = format!("{DOCUMENT_PREFIX}{id}.md");
    // The body is the document; make sure it opens with its title.
    let text = if article.body.trim_start().starts_with('#') {
        article.body.clone()
    } else {
        format!("# {}\n\n{}", article.title, article.body)
    };
    knowledge
        .ingest_bytes(&article.tenant_id, &document_id, text.as_bytes())
        .await
        .map_err(|e| ApiError::Internal(format!("cannot ingest article {id}: {e}")))?;
    if !state
        .store
        .decide_article(&id, "published", &expert.id, Some(&document_id))
        .await?
    {
        // Someone decided first; their decision stands (a rejection removes ours).
        let _ = knowledge
            .delete_document(&article.tenant_id, &document_id)
            .await;
        return Err(ApiError::Conflict(format!(
            "article {id} was decided by someone else meanwhile"
        )));
    }
    Ok(ApiJson(visible(&state, &expert, &id).await?))
}

/// `POST /api/v1/expert/articles/{id}/reject`
pub async fn reject(
    State(state): State<AppState>,
    ExpertCaller(expert): ExpertCaller,
    Path(id): Path<String>,
) -> Result<ApiJson<Article>, ApiError> {
    visible(&state, &expert, &id).await?;
    if !state
        .store
        .decide_article(&id, "rejected", &expert.id, None)
        .await?
    {
        return Err(ApiError::Conflict(format!(
            "article {id} was already published or rejected"
        )));
    }
    Ok(ApiJson(visible(&state, &expert, &id).await?))
}
