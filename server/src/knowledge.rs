//! The knowledge base in the server: built from `[knowledge]`, the seed documents synced
//! into the demo tenant at start, and `omnify ingest` (the upload API is
//! `api/knowledge.rs`). The crate `omnify-knowledge` does the work; this wires it.

use crate::config::Settings;
use anyhow::Context;
use omnify_core::{Embedder, VectorIndex};
use omnify_knowledge::embed::{self, EmbedderSettings};
use omnify_knowledge::index::qdrant::{QdrantIndex, QdrantSettings};
use omnify_knowledge::{ChunkingSettings, EmbeddedIndex, IngestProgress, KnowledgeBase};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `[knowledge]` in `omnify.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KnowledgeSettings {
    /// Off: no `search_knowledge` tool and no knowledge routes.
    pub enabled: bool,
    /// Documents synced into the demo tenant at start (demo sandbox only); a folder
    /// that does not exist is skipped with a note in the log.
    pub seed_dir: PathBuf,
    /// Chunk size and overlap, in o200k tokens.
    pub chunk_tokens: usize,
    pub chunk_overlap_tokens: usize,
    /// Where vectors live: `embedded` (under the data directory) or `qdrant`.
    pub index: IndexKind,
    /// `[knowledge.qdrant]`: Qdrant's gRPC endpoint and the collection all tenants
    /// share (payload-filtered by tenant).
    pub qdrant: QdrantSettings,
    pub embedder: EmbedderSettings,
    /// Largest file the upload API accepts.
    pub max_upload_bytes: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexKind {
    #[default]
    Embedded,
    Qdrant,
}

impl Default for KnowledgeSettings {
    fn default() -> Self {
        let chunking = ChunkingSettings::default();
        Self {
            enabled: true,
            seed_dir: PathBuf::from("knowledge/docs"),
            chunk_tokens: chunking.max_tokens,
            chunk_overlap_tokens: chunking.overlap_tokens,
            index: IndexKind::Embedded,
            qdrant: QdrantSettings::default(),
            embedder: EmbedderSettings::default(),
            max_upload_bytes: 10 * 1024 * 1024,
        }
    }
}

/// The knowledge base described by `settings`, or `None` when it is turned off.
///
/// A missing local model is not fatal: the server runs with the hashing embedder (words,
/// not meaning) and says how to install the model. Anything else misconfigured is.
pub async fn build(settings: &Settings) -> anyhow::Result<Option<Arc<KnowledgeBase>>> {
    let config = &settings.knowledge;
    if !config.enabled {
        return Ok(None);
    }
    let embedder = embedder(config, &settings.data_dir).await?;
    let index: Arc<dyn VectorIndex> = match config.index {
        IndexKind::Embedded => Arc::new(
            EmbeddedIndex::open(&knowledge_dir(settings).join("vectors"))
                .context("cannot open the knowledge index")?,
        ),
        IndexKind::Qdrant => Arc::new(
            QdrantIndex::new(&config.qdrant, embedder.dimensions())
                .context("cannot set up the Qdrant knowledge index")?,
        ),
    };
    let chunking = ChunkingSettings {
        max_tokens: config.chunk_tokens,
        overlap_tokens: config.chunk_overlap_tokens,
    };
    let base = KnowledgeBase::open(&knowledge_dir(settings), embedder, index, chunking)
        .context("cannot open the knowledge base")?;
    Ok(Some(Arc::new(base)))
}

async fn embedder(
    config: &KnowledgeSettings,
    data_dir: &Path,
) -> anyhow::Result<Arc<dyn Embedder>> {
    match embed::build(&config.embedder, data_dir).await {
        Ok(e) => {
            tracing::info!(model = e.model_id(), "knowledge base embedder ready");
            Ok(e)
        }
        Err(e) if config.embedder.kind == embed::EmbedderKind::Local => {
            tracing::warn!(
                "{e}; the knowledge base falls back to the hashing embedder (matches words, \
                 not meaning) until the model is installed: scripts/install-embedding-model.sh {}",
                data_dir.display()
            );
            embed::build(&EmbedderSettings::hashing(), data_dir)
                .await
                .context("cannot build the fallback embedder")
        }
        Err(e) => Err(e).context("cannot build the knowledge base's embedder"),
    }
}

fn knowledge_dir(settings: &Settings) -> PathBuf {
    settings.data_dir.join("knowledge")
}

/// Syncs the seed folder into `tenant` in the background: unchanged documents are
/// skipped, so restarts cost a hash per file.
pub fn sync_seed_documents(knowledge: Arc<KnowledgeBase>, tenant: String, dir: PathBuf) {
    if !dir.is_dir() {
        tracing::info!(dir = %dir.display(), "no seed knowledge folder here; skipping the sync");
        return;
    }
    tokio::spawn(async move {
        let progress = |p: IngestProgress| {
            tracing::debug!(done = p.done, total = p.total, document = %p.document_id, outcome = ?p.outcome, "knowledge sync");
        };
        match knowledge.ingest_path(&tenant, &dir, &progress).await {
            Ok(report) => tracing::info!(
                added = report.added,
                updated = report.updated,
                unchanged = report.unchanged,
                removed = report.removed,
                chunks = report.chunks,
                "seed knowledge synced into the demo tenant"
            ),
            Err(e) => tracing::warn!("cannot sync the seed knowledge: {e}"),
        }
    });
}
