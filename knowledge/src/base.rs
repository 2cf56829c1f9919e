//! `KnowledgeBase`: the one object the server holds. Ingests documents (folders,
//! files, uploads), keeps the registry, the per-tenant BM25 index and the vector
//! index in step, and answers searches with citations. Every call is scoped to one
//! tenant.

use crate::chunk::{ChunkOrigin, ChunkingSettings, chunk_document, embedding_text};
use crate::document::{self, DocumentFormat, LoadError};
use crate::fusion::{RRF_K, reciprocal_rank_fusion};
use crate::lexical::LexicalIndex;
use crate::registry::{DocumentRecord, Registry, StoredSection};
use crate::rerank::{KeepFusedOrder, Reranker};
use omnify_core::{Chunk, EmbeddedChunk, Embedder, KnowledgeError, VectorIndex};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Texts per call to the embedder.
pub const EMBED_BATCH: usize = 32;
/// Candidates taken from each ranker before fusion.
pub const FUSION_CANDIDATES: usize = 30;

/// How to rank: by words (BM25), by meaning (vectors), or both fused (the default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchMode {
    Lexical,
    Vector,
    #[default]
    Hybrid,
}

impl SearchMode {
    pub const ALL: [SearchMode; 3] = [SearchMode::Lexical, SearchMode::Vector, SearchMode::Hybrid];

    pub fn name(self) -> &'static str {
        match self {
            SearchMode::Lexical => "lexical",
            SearchMode::Vector => "vector",
            SearchMode::Hybrid => "hybrid",
        }
    }
}

/// One search result, with everything needed to cite it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub chunk_id: String,
    pub document_id: String,
    pub title: String,
    pub section: Vec<String>,
    pub source: String,
    pub ordinal: u32,
    pub text: String,
    /// Higher is better; the scale depends on the mode (BM25, cosine, or RRF).
    pub score: f32,
}

impl Citation {
    fn from_chunk(chunk: &Chunk, score: f32) -> Self {
        Self {
            chunk_id: chunk.id.clone(),
            document_id: chunk.document_id.clone(),
            title: chunk.title.clone(),
            section: chunk.section.clone(),
            source: chunk.source.clone(),
            ordinal: chunk.ordinal,
            text: chunk.text.clone(),
            score,
        }
    }
}

/// What an ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// Chunks written (embedded) by this ingest.
    pub chunks: usize,
    /// Files in the folder that were not ingested, and why.
    pub skipped: Vec<SkippedFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedFile {
    pub path: String,
    pub reason: String,
}

/// What happened to one document during an ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentOutcome {
    Added,
    Updated,
    Unchanged,
    Skipped,
}

/// Progress of a folder ingest, one event per file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestProgress {
    /// Files handled so far, this one included.
    pub done: usize,
    pub total: usize,
    pub document_id: String,
    pub outcome: DocumentOutcome,
}

/// A document as listed to an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSummary {
    pub document_id: String,
    pub title: String,
    pub source: String,
    pub chunks: usize,
    pub ingested_at: u64,
}

/// A document's title and text by section, for the page a citation links to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentPage {
    pub document_id: String,
    pub title: String,
    pub source: String,
    pub ingested_at: u64,
    pub sections: Vec<StoredSection>,
}

/// Sections rebuilt from chunks, for records stored before their text was: each
/// section's chunks in order. Chunks overlap a little, so a sentence may repeat at a
/// chunk's seam; re-ingesting the document stores its text and ends that.
fn sections_from_chunks(chunks: &[Chunk]) -> Vec<StoredSection> {
    let mut sections: Vec<StoredSection> = Vec::new();
    for chunk in chunks {
        match sections.last_mut() {
            Some(last) if last.path == chunk.section => {
                last.text.push_str("\n\n");
                last.text.push_str(&chunk.text);
            }
            _ => sections.push(StoredSection {
                path: chunk.section.clone(),
                text: chunk.text.clone(),
            }),
        }
    }
    sections
}

/// A tenant's documents and the BM25 index over them, replaced whole on change so
/// searches never see half an ingest.
struct Snapshot {
    documents: BTreeMap<String, DocumentRecord>,
    lexical: LexicalIndex,
}

impl Snapshot {
    fn build(documents: BTreeMap<String, DocumentRecord>) -> Self {
        let lexical = LexicalIndex::build(documents.values().flat_map(|d| d.chunks.iter()));
        Self { documents, lexical }
    }
}

struct TenantShelf {
    /// Ingests, deletes and re-embedding of one tenant run one at a time.
    writer: tokio::sync::Mutex<()>,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Set once the vector index is known to hold this tenant's chunks embedded by
    /// the current model.
    vectors_current: AtomicBool,
}

pub struct KnowledgeBase {
    registry: Registry,
    embedder: Arc<dyn Embedder>,
    index: Arc<dyn VectorIndex>,
    settings: ChunkingSettings,
    reranker: Arc<dyn Reranker>,
    tenants: Mutex<HashMap<String, Arc<TenantShelf>>>,
}

impl KnowledgeBase {
    /// Opens the knowledge base stored under `dir` (the server passes
    /// `<data_dir>/knowledge/`). Tenants load lazily, on first use.
    pub fn open(
        dir: &Path,
        embedder: Arc<dyn Embedder>,
        index: Arc<dyn VectorIndex>,
        settings: ChunkingSettings,
    ) -> Result<Self, KnowledgeError> {
        settings.validate()?;
        Ok(Self {
            registry: Registry::open(dir)?,
            embedder,
            index,
            settings,
            reranker: Arc::new(KeepFusedOrder),
            tenants: Mutex::new(HashMap::new()),
        })
    }

    /// Replaces the step run after fusion (the default keeps the fused order).
    pub fn with_reranker(mut self, reranker: Arc<dyn Reranker>) -> Self {
        self.reranker = reranker;
        self
    }

    pub fn embedder(&self) -> &Arc<dyn Embedder> {
        &self.embedder
    }

    pub fn settings(&self) -> ChunkingSettings {
        self.settings
    }

    fn shelf(&self, tenant: &str) -> Result<Arc<TenantShelf>, KnowledgeError> {
        if tenant.is_empty() {
            return Err(KnowledgeError::Invalid("tenant id is empty".to_owned()));
        }
        let mut tenants = self.tenants.lock().map_err(|_| poisoned())?;
        if let Some(shelf) = tenants.get(tenant) {
            return Ok(Arc::clone(shelf));
        }
        let documents = self.registry.load_tenant(tenant)?;
        let shelf = Arc::new(TenantShelf {
            writer: tokio::sync::Mutex::new(()),
            snapshot: RwLock::new(Arc::new(Snapshot::build(documents))),
            vectors_current: AtomicBool::new(false),
        });
        tenants.insert(tenant.to_owned(), Arc::clone(&shelf));
        Ok(shelf)
    }

    fn snapshot(shelf: &TenantShelf) -> Result<Arc<Snapshot>, KnowledgeError> {
        Ok(Arc::clone(&*shelf.snapshot.read().map_err(|_| poisoned())?))
    }

    fn publish(
        shelf: &TenantShelf,
        documents: BTreeMap<String, DocumentRecord>,
    ) -> Result<(), KnowledgeError> {
        let snapshot = Arc::new(Snapshot::build(documents));
        *shelf.snapshot.write().map_err(|_| poisoned())? = snapshot;
        Ok(())
    }

    /// Ingests a file, or syncs a folder: new and changed files are (re)embedded,
    /// unchanged ones skipped, and documents synced earlier from this folder whose
    /// file is gone are removed. Document ids are paths relative to the folder (for a
    /// single file, its name). Unsupported or unreadable files in a folder are
    /// reported in `skipped`; a single file that cannot be read is an error.
    pub async fn ingest_path(
        &self,
        tenant: &str,
        path: &Path,
        progress: &(dyn Fn(IngestProgress) + Send + Sync),
    ) -> Result<IngestReport, KnowledgeError> {
        let metadata = std::fs::metadata(path)
            .map_err(|e| KnowledgeError::Invalid(format!("cannot read {}: {e}", path.display())))?;
        let shelf = self.shelf(tenant)?;
        let _writer = shelf.writer.lock().await;
        self.ensure_vectors_current(tenant, &shelf).await?;
        let mut documents = Self::snapshot(&shelf)?.documents.clone();
        let mut report = IngestReport::default();

        if metadata.is_file() {
            let name = file_name_of(path)?;
            let (bytes, doc) = read_and_parse(path, &name).await.map_err(load_error)?;
            let source = path.display().to_string();
            let outcome = self
                .store_document(
                    tenant,
                    &mut documents,
                    &name,
                    &source,
                    None,
                    &bytes,
                    doc,
                    &mut report,
                )
                .await?;
            progress(IngestProgress {
                done: 1,
                total: 1,
                document_id: name,
                outcome,
            });
            Self::publish(&shelf, documents)?;
            return Ok(report);
        }

        let folder = std::fs::canonicalize(path)
            .map_err(|e| KnowledgeError::Invalid(format!("cannot read {}: {e}", path.display())))?;
        let folder_key = folder.display().to_string();
        let files = walk(&folder)?;
        let total = files.len();
        let mut seen: HashSet<String> = HashSet::new();
        let mut kept_unreadable: HashSet<String> = HashSet::new();
        for (done, file) in files.into_iter().enumerate() {
            let document_id = relative_id(&folder, &file);
            let source = path.join(&document_id).display().to_string();
            seen.insert(document_id.clone());
            let loaded = if DocumentFormat::from_file_name(&document_id).is_none() {
                Err(LoadError::Unsupported {
                    file: document_id.clone(),
                })
            } else {
                read_and_parse(&file, &document_id).await
            };
            let outcome = match loaded {
                Ok((bytes, doc)) => {
                    self.store_document(
                        tenant,
                        &mut documents,
                        &document_id,
                        &source,
                        Some(&folder_key),
                        &bytes,
                        doc,
                        &mut report,
                    )
                    .await?
                }
                Err(e) => {
                    // A file that exists but cannot be read now keeps its earlier
                    // version rather than vanishing from answers.
                    kept_unreadable.insert(document_id.clone());
                    report.skipped.push(SkippedFile {
                        path: document_id.clone(),
                        reason: e.to_string(),
                    });
                    DocumentOutcome::Skipped
                }
            };
            progress(IngestProgress {
                done: done + 1,
                total,
                document_id,
                outcome,
            });
        }
        let gone: Vec<String> = documents
            .values()
            .filter(|d| d.folder.as_deref() == Some(folder_key.as_str()))
            .filter(|d| !seen.contains(&d.document_id) && !kept_unreadable.contains(&d.document_id))
            .map(|d| d.document_id.clone())
            .collect();
        for document_id in gone {
            self.remove_document(tenant, &document_id).await?;
            documents.remove(&document_id);
            report.removed += 1;
        }
        Self::publish(&shelf, documents)?;
        tracing::info!(
            tenant,
            folder = %folder.display(),
            added = report.added,
            updated = report.updated,
            unchanged = report.unchanged,
            removed = report.removed,
            skipped = report.skipped.len(),
            chunks = report.chunks,
            "knowledge folder synced"
        );
        Ok(report)
    }

    /// Ingests one uploaded file; its id is the file name (a second upload with the
    /// same name replaces the first).
    pub async fn ingest_bytes(
        &self,
        tenant: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<IngestReport, KnowledgeError> {
        let name = Path::new(file_name)
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| KnowledgeError::Invalid(format!("\"{file_name}\" is not a file name")))?
            .to_owned();
        let owned = bytes.to_vec();
        let parse_name = name.clone();
        let doc = tokio::task::spawn_blocking(move || document::parse(&parse_name, &owned))
            .await
            .map_err(|e| KnowledgeError::Invalid(format!("reading {name} failed: {e}")))?
            .map_err(load_error)?;
        let shelf = self.shelf(tenant)?;
        let _writer = shelf.writer.lock().await;
        self.ensure_vectors_current(tenant, &shelf).await?;
        let mut documents = Self::snapshot(&shelf)?.documents.clone();
        let mut report = IngestReport::default();
        self.store_document(
            tenant,
            &mut documents,
            &name,
            &name,
            None,
            bytes,
            doc,
            &mut report,
        )
        .await?;
        Self::publish(&shelf, documents)?;
        Ok(report)
    }

    /// Stores one parsed document unless its fingerprint is unchanged: chunks,
    /// embeds, replaces its vectors, then records it (the registry is written last,
    /// so a crash in between re-does the document at the next ingest).
    #[allow(clippy::too_many_arguments)]
    async fn store_document(
        &self,
        tenant: &str,
        documents: &mut BTreeMap<String, DocumentRecord>,
        document_id: &str,
        source: &str,
        folder: Option<&str>,
        bytes: &[u8],
        doc: document::Document,
        report: &mut IngestReport,
    ) -> Result<DocumentOutcome, KnowledgeError> {
        let fingerprint = format!(
            "{}:{}",
            hex::encode(Sha256::digest(bytes)),
            self.settings.fingerprint()
        );
        let existing = documents.get(document_id);
        // A record from before document pages existed is stored again, for its text.
        if existing.is_some_and(|d| {
            d.fingerprint == fingerprint && d.source == source && !d.sections.is_empty()
        }) {
            report.unchanged += 1;
            return Ok(DocumentOutcome::Unchanged);
        }
        let outcome = if existing.is_some() {
            DocumentOutcome::Updated
        } else {
            DocumentOutcome::Added
        };
        let origin = ChunkOrigin {
            tenant,
            document_id,
            source,
        };
        let chunks = chunk_document(&doc, &origin, &self.settings);
        let embedded = self.embed_chunks(&chunks).await?;
        self.index.delete_document(tenant, document_id).await?;
        self.index.upsert(tenant, embedded).await?;
        let record = DocumentRecord {
            document_id: document_id.to_owned(),
            title: doc.title.clone(),
            source: source.to_owned(),
            fingerprint,
            folder: folder.map(str::to_owned),
            ingested_at: unix_now(),
            chunks,
            sections: doc
                .sections
                .iter()
                .map(|s| StoredSection {
                    path: s.path.clone(),
                    text: s.text.clone(),
                })
                .collect(),
        };
        self.registry.save(tenant, &record)?;
        report.chunks += record.chunks.len();
        match outcome {
            DocumentOutcome::Added => report.added += 1,
            _ => report.updated += 1,
        }
        documents.insert(document_id.to_owned(), record);
        Ok(outcome)
    }

    async fn embed_chunks(&self, chunks: &[Chunk]) -> Result<Vec<EmbeddedChunk>, KnowledgeError> {
        let mut embedded = Vec::with_capacity(chunks.len());
        for batch in chunks.chunks(EMBED_BATCH) {
            let texts: Vec<String> = batch.iter().map(embedding_text).collect();
            let vectors = self.embedder.embed(&texts).await?;
            if vectors.len() != batch.len() {
                return Err(KnowledgeError::Embedding(format!(
                    "the embedder returned {} vectors for {} texts",
                    vectors.len(),
                    batch.len()
                )));
            }
            embedded.extend(
                batch
                    .iter()
                    .zip(vectors)
                    .map(|(chunk, vector)| EmbeddedChunk {
                        chunk: chunk.clone(),
                        vector,
                    }),
            );
        }
        Ok(embedded)
    }

    /// Makes sure the vector index holds this tenant's chunks embedded by the
    /// current model: after a model change (or a lost/new index) every chunk is
    /// re-embedded from the registry rather than mixing vectors of two models.
    /// Called with the tenant's writer lock held.
    async fn ensure_vectors_current(
        &self,
        tenant: &str,
        shelf: &TenantShelf,
    ) -> Result<(), KnowledgeError> {
        if shelf.vectors_current.load(Ordering::Acquire) {
            return Ok(());
        }
        let current = self.embedder.model_id().to_owned();
        let recorded = self.index.embedding_model(tenant).await?;
        let snapshot = Self::snapshot(shelf)?;
        let chunk_count: usize = snapshot.documents.values().map(|d| d.chunks.len()).sum();
        let needs_rebuild = match &recorded {
            Some(model) => *model != current,
            None => chunk_count > 0,
        };
        if needs_rebuild {
            tracing::info!(
                tenant,
                from = recorded.as_deref().unwrap_or("(none)"),
                to = %current,
                chunks = chunk_count,
                "re-embedding the tenant's knowledge with the current model"
            );
            self.index.clear_tenant(tenant).await?;
            self.index.set_embedding_model(tenant, &current).await?;
            for record in snapshot.documents.values() {
                let embedded = self.embed_chunks(&record.chunks).await?;
                self.index.upsert(tenant, embedded).await?;
            }
        } else if recorded.is_none() {
            self.index.set_embedding_model(tenant, &current).await?;
        }
        shelf.vectors_current.store(true, Ordering::Release);
        Ok(())
    }

    async fn remove_document(&self, tenant: &str, document_id: &str) -> Result<(), KnowledgeError> {
        self.index.delete_document(tenant, document_id).await?;
        self.registry.remove(tenant, document_id)
    }

    /// Removes a document from every index. Returns whether it existed.
    pub async fn delete_document(
        &self,
        tenant: &str,
        document_id: &str,
    ) -> Result<bool, KnowledgeError> {
        let shelf = self.shelf(tenant)?;
        let _writer = shelf.writer.lock().await;
        let mut documents = Self::snapshot(&shelf)?.documents.clone();
        if documents.remove(document_id).is_none() {
            return Ok(false);
        }
        self.remove_document(tenant, document_id).await?;
        Self::publish(&shelf, documents)?;
        Ok(true)
    }

    /// The tenant's documents, by id.
    pub fn list_documents(&self, tenant: &str) -> Result<Vec<DocumentSummary>, KnowledgeError> {
        let shelf = self.shelf(tenant)?;
        let snapshot = Self::snapshot(&shelf)?;
        Ok(snapshot
            .documents
            .values()
            .map(|d| DocumentSummary {
                document_id: d.document_id.clone(),
                title: d.title.clone(),
                source: d.source.clone(),
                chunks: d.chunks.len(),
                ingested_at: d.ingested_at,
            })
            .collect())
    }

    /// One document as its page shows it, or `None` when the tenant has no such
    /// document (never had it, or it was deleted).
    pub fn document(
        &self,
        tenant: &str,
        document_id: &str,
    ) -> Result<Option<DocumentPage>, KnowledgeError> {
        let shelf = self.shelf(tenant)?;
        let snapshot = Self::snapshot(&shelf)?;
        Ok(snapshot.documents.get(document_id).map(|d| DocumentPage {
            document_id: d.document_id.clone(),
            title: d.title.clone(),
            source: d.source.clone(),
            ingested_at: d.ingested_at,
            sections: if d.sections.is_empty() {
                sections_from_chunks(&d.chunks)
            } else {
                d.sections.clone()
            },
        }))
    }

    /// The best `limit` chunks of the tenant's knowledge for `query`.
    pub async fn search(
        &self,
        tenant: &str,
        query: &str,
        limit: usize,
        mode: SearchMode,
    ) -> Result<Vec<Citation>, KnowledgeError> {
        if query.trim().is_empty() {
            return Err(KnowledgeError::Invalid(
                "the search query is empty".to_owned(),
            ));
        }
        if limit == 0 {
            return Ok(Vec::new());
        }
        let shelf = self.shelf(tenant)?;
        let snapshot = Self::snapshot(&shelf)?;
        if snapshot.lexical.is_empty() {
            return Ok(Vec::new());
        }
        let candidates = limit.max(FUSION_CANDIDATES);
        let results = match mode {
            SearchMode::Lexical => lexical(&snapshot, query, limit),
            SearchMode::Vector => self.vector(tenant, &shelf, &snapshot, query, limit).await?,
            SearchMode::Hybrid => {
                let words = lexical(&snapshot, query, candidates);
                let meaning = self
                    .vector(tenant, &shelf, &snapshot, query, candidates)
                    .await?;
                fuse(words, meaning)
            }
        };
        let mut results = self.reranker.rerank(query, results);
        results.truncate(limit);
        Ok(results)
    }

    async fn vector(
        &self,
        tenant: &str,
        shelf: &TenantShelf,
        snapshot: &Snapshot,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Citation>, KnowledgeError> {
        if !shelf.vectors_current.load(Ordering::Acquire) {
            let _writer = shelf.writer.lock().await;
            self.ensure_vectors_current(tenant, shelf).await?;
        }
        let vectors = self.embedder.embed(&[query.to_owned()]).await?;
        let Some(vector) = vectors.into_iter().next() else {
            return Err(KnowledgeError::Embedding(
                "the embedder returned no vector".to_owned(),
            ));
        };
        let hits = self.index.search(tenant, &vector, limit).await?;
        // Only chunks the registry knows: an ingest interrupted between the vector
        // write and the registry write must not surface half a document.
        Ok(hits
            .into_iter()
            .filter(|h| h.chunk.tenant == tenant)
            .filter(|h| {
                snapshot
                    .documents
                    .get(&h.chunk.document_id)
                    .is_some_and(|d| d.chunks.iter().any(|c| c.id == h.chunk.id))
            })
            .map(|h| Citation::from_chunk(&h.chunk, h.score))
            .collect())
    }
}

fn lexical(snapshot: &Snapshot, query: &str, limit: usize) -> Vec<Citation> {
    snapshot
        .lexical
        .search(query, limit)
        .into_iter()
        .map(|(chunk, score)| Citation::from_chunk(chunk, score))
        .collect()
}

/// Reciprocal rank fusion of the two rankings; a citation keeps its fused score.
fn fuse(words: Vec<Citation>, meaning: Vec<Citation>) -> Vec<Citation> {
    let rankings = vec![
        words.iter().map(|c| c.chunk_id.clone()).collect(),
        meaning.iter().map(|c| c.chunk_id.clone()).collect(),
    ];
    let mut by_id: HashMap<String, Citation> = HashMap::new();
    for c in words.into_iter().chain(meaning) {
        by_id.entry(c.chunk_id.clone()).or_insert(c);
    }
    reciprocal_rank_fusion(&rankings, RRF_K)
        .into_iter()
        .filter_map(|(id, score)| {
            by_id.remove(&id).map(|mut c| {
                c.score = score;
                c
            })
        })
        .collect()
}

/// Every file under `folder`, sorted, skipping hidden files and folders.
fn walk(folder: &Path) -> Result<Vec<PathBuf>, KnowledgeError> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| {
            KnowledgeError::Invalid(format!("cannot read folder {}: {e}", dir.display()))
        })?;
        for entry in entries {
            let entry = entry.map_err(|e| {
                KnowledgeError::Invalid(format!("cannot read folder {}: {e}", dir.display()))
            })?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let kind = entry.file_type().map_err(|e| {
                KnowledgeError::Invalid(format!("cannot read {}: {e}", path.display()))
            })?;
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// `docs/meta/fatigue.md` under `docs` → `meta/fatigue.md` (always `/`).
fn relative_id(folder: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(folder).unwrap_or(file);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

async fn read_and_parse(
    file: &Path,
    document_id: &str,
) -> Result<(Vec<u8>, document::Document), LoadError> {
    let file = file.to_path_buf();
    let name = document_id.to_owned();
    let joined = tokio::task::spawn_blocking(move || {
        let bytes = std::fs::read(&file).map_err(|source| LoadError::Unreadable {
            file: name.clone(),
            source,
        })?;
        let doc = document::parse(&name, &bytes)?;
        Ok((bytes, doc))
    })
    .await;
    match joined {
        Ok(result) => result,
        Err(e) => Err(LoadError::Malformed {
            file: document_id.to_owned(),
            reason: format!("reading failed: {e}"),
        }),
    }
}

fn file_name_of(path: &Path) -> Result<String, KnowledgeError> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| KnowledgeError::Invalid(format!("{} has no file name", path.display())))
}

fn load_error(e: LoadError) -> KnowledgeError {
    KnowledgeError::Invalid(e.to_string())
}

fn poisoned() -> KnowledgeError {
    KnowledgeError::Index("knowledge base lock poisoned".to_owned())
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
