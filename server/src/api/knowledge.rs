//! The tenant's knowledge base over HTTP: upload documents (multipart), list them,
//! delete one, and search — what `search_knowledge` sees, for checking an upload.

use super::auth::{AdminCaller, ApiCaller};
use super::error::{ApiError, ApiJson};
use crate::state::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use omnify_core::KnowledgeError;
use omnify_knowledge::{
    Citation, DocumentSummary, IngestReport, KnowledgeBase, SearchMode, tool::SECTION_SEPARATOR,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

fn knowledge(state: &AppState) -> Result<&Arc<KnowledgeBase>, ApiError> {
    state.knowledge.as_ref().ok_or_else(|| {
        ApiError::NotFound("the knowledge base (turned off: `knowledge.enabled = false`)".into())
    })
}

fn api_error(e: KnowledgeError) -> ApiError {
    match e {
        KnowledgeError::Invalid(message) => ApiError::BadRequest(message),
        other => ApiError::Internal(other.to_string()),
    }
}

#[derive(Debug, Serialize)]
pub struct UploadedFile {
    pub file_name: String,
    #[serde(flatten)]
    pub report: IngestReport,
}

/// `POST /api/v1/knowledge/documents` (admin key), `multipart/form-data` with one or
/// more file parts. Markdown, text, HTML and PDF; a file with the same name replaces
/// the earlier one, an unchanged one is a no-op.
pub async fn upload(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    mut multipart: Multipart,
) -> Result<(StatusCode, ApiJson<Vec<UploadedFile>>), ApiError> {
    let knowledge = knowledge(&state)?;
    let limit = state.settings.knowledge.max_upload_bytes;
    let mut uploaded = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("unreadable multipart body: {e}")))?
    {
        let Some(file_name) = field.file_name().map(str::to_string) else {
            continue;
        };
        let bytes = field.bytes().await.map_err(|e| {
            ApiError::TooLarge(format!(
                "cannot read {file_name} (files up to {limit} bytes): {e}"
            ))
        })?;
        let report = knowledge
            .ingest_bytes(&caller.tenant_id, &file_name, &bytes)
            .await
            .map_err(|e| match e {
                KnowledgeError::Invalid(m) => ApiError::BadRequest(format!("{file_name}: {m}")),
                other => ApiError::Internal(other.to_string()),
            })?;
        uploaded.push(UploadedFile { file_name, report });
    }
    if uploaded.is_empty() {
        return Err(ApiError::BadRequest(
            "no file in the upload: send multipart/form-data with a file part, e.g. \
             `curl -F file=@playbook.md …`"
                .into(),
        ));
    }
    Ok((StatusCode::CREATED, ApiJson(uploaded)))
}

/// `GET /api/v1/knowledge/documents`
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<ApiJson<Vec<DocumentSummary>>, ApiError> {
    knowledge(&state)?
        .list_documents(&caller.tenant_id)
        .map(ApiJson)
        .map_err(api_error)
}

/// `DELETE /api/v1/knowledge/documents/{id}` (admin key); ids may contain `/`.
pub async fn remove(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let removed = knowledge(&state)?
        .delete_document(&caller.tenant_id, &id)
        .await
        .map_err(api_error)?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("document {id}")))
    }
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pub q: String,
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub mode: Option<SearchMode>,
}

#[derive(Debug, Serialize)]
pub struct SearchHit {
    pub n: usize,
    pub title: String,
    pub section: String,
    pub source: String,
    pub document_id: String,
    pub text: String,
    pub score: f32,
    /// The cited section's page (`/kb/…`), signed so it opens without an API key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl SearchHit {
    fn new(n: usize, c: Citation, url: Option<String>) -> Self {
        Self {
            url,
            n,
            section: c.section.join(SECTION_SEPARATOR),
            title: c.title,
            source: c.source,
            document_id: c.document_id,
            text: c.text,
            score: c.score,
        }
    }
}

/// `GET /api/v1/knowledge/search?q=…[&limit=5][&mode=hybrid|lexical|vector]`
pub async fn search(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(query): Query<SearchQuery>,
) -> Result<ApiJson<Vec<SearchHit>>, ApiError> {
    let limit = query.limit.unwrap_or(5).clamp(1, 50);
    let found = knowledge(&state)?
        .search(
            &caller.tenant_id,
            &query.q,
            limit,
            query.mode.unwrap_or_default(),
        )
        .await
        .map_err(api_error)?;
    Ok(ApiJson(
        found
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let url = state
                    .document_links
                    .url(&caller.tenant_id, &c.document_id, &c.section);
                SearchHit::new(i + 1, c, url)
            })
            .collect(),
    ))
}
