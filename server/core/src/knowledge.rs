//! The knowledge-base seams: what turns text into vectors (`Embedder`) and where
//! vectors are kept and searched (`VectorIndex`). Implementations live in
//! `omnify-knowledge`; every index backend passes the same contract tests there.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// One retrievable piece of a document, with what a citation needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// Stable id: the document id and the chunk's position in it.
    pub id: String,
    pub tenant: String,
    /// Stable per source (e.g. the file path relative to the ingest root).
    pub document_id: String,
    /// The document's title (first heading, `<title>`, or the file name).
    pub title: String,
    /// Headings from the top of the document down to this chunk, e.g.
    /// `["Creative fatigue", "Refresh cadence", "TikTok"]`.
    pub section: Vec<String>,
    /// Where a reader can open the original: a path or URL.
    pub source: String,
    /// Position of the chunk in its document, from 0.
    pub ordinal: u32,
    pub text: String,
}

/// A chunk with its embedding, as stored in a vector index.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddedChunk {
    pub chunk: Chunk,
    pub vector: Vec<f32>,
}

/// One vector-search result: higher `score` is closer (cosine similarity).
#[derive(Debug, Clone, PartialEq)]
pub struct VectorHit {
    pub chunk: Chunk,
    pub score: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// The input cannot be used (unsupported file type, empty text, wrong dimension…).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The embedding model could not be loaded or run.
    #[error("embedding failed: {0}")]
    Embedding(String),
    /// The index backend failed (I/O, Qdrant unreachable…).
    #[error("index failed: {0}")]
    Index(String),
}

/// Turns texts into unit-length vectors. Implementations batch internally.
#[async_trait]
pub trait Embedder: Send + Sync {
    /// Identifies the model and its settings; an index records it, and a change of
    /// model means re-embedding rather than mixing vectors.
    fn model_id(&self) -> &str;
    fn dimensions(&self) -> usize;
    /// One vector per input text, in order, each L2-normalised.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, KnowledgeError>;
}

/// Where embedded chunks live. Every operation is scoped to one tenant: a search
/// never returns another tenant's chunks.
#[async_trait]
pub trait VectorIndex: Send + Sync {
    /// Inserts or replaces chunks by id. Durable when it returns.
    async fn upsert(&self, tenant: &str, chunks: Vec<EmbeddedChunk>) -> Result<(), KnowledgeError>;
    /// Removes every chunk of one document.
    async fn delete_document(&self, tenant: &str, document_id: &str) -> Result<(), KnowledgeError>;
    /// The `limit` chunks closest to `vector`, best first.
    async fn search(
        &self,
        tenant: &str,
        vector: &[f32],
        limit: usize,
    ) -> Result<Vec<VectorHit>, KnowledgeError>;
    /// The embedding model the tenant's vectors were made with, if any are stored.
    async fn embedding_model(&self, tenant: &str) -> Result<Option<String>, KnowledgeError>;
    /// Records the model for the tenant's vectors (called before the first upsert).
    async fn set_embedding_model(&self, tenant: &str, model_id: &str)
    -> Result<(), KnowledgeError>;
    /// Removes every chunk of the tenant (used before re-embedding with a new model).
    async fn clear_tenant(&self, tenant: &str) -> Result<(), KnowledgeError>;
}
