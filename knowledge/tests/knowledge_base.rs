#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! The facade: ingest (unchanged → no-op, changed → replaced, gone → removed),
//! persistence across reopen, tenant isolation, model changes, the three modes.

use async_trait::async_trait;
use omnify_core::{Embedder, KnowledgeError, VectorIndex};
use omnify_knowledge::{
    ChunkingSettings, DocumentOutcome, EmbeddedIndex, HashingEmbedder, IngestProgress,
    KnowledgeBase, SearchMode,
};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The hashing embedder under a chosen model id, counting what it embeds.
struct CountingEmbedder {
    model: String,
    texts: AtomicUsize,
}

impl CountingEmbedder {
    fn new(model: &str) -> Arc<Self> {
        Arc::new(Self {
            model: model.to_owned(),
            texts: AtomicUsize::new(0),
        })
    }
}

#[async_trait]
impl Embedder for CountingEmbedder {
    fn model_id(&self) -> &str {
        &self.model
    }
    fn dimensions(&self) -> usize {
        HashingEmbedder.dimensions()
    }
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, KnowledgeError> {
        self.texts.fetch_add(texts.len(), Ordering::SeqCst);
        HashingEmbedder.embed(texts).await
    }
}

struct Setup {
    data: tempfile::TempDir,
    docs: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        Self {
            data: tempfile::tempdir().unwrap(),
            docs: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.docs.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn index(&self) -> Arc<EmbeddedIndex> {
        Arc::new(EmbeddedIndex::open(&self.data.path().join("vectors")).unwrap())
    }

    fn open(&self, embedder: Arc<dyn Embedder>) -> (KnowledgeBase, Arc<EmbeddedIndex>) {
        let index = self.index();
        let kb = KnowledgeBase::open(
            &self.data.path().join("knowledge"),
            embedder,
            index.clone(),
            ChunkingSettings::default(),
        )
        .unwrap();
        (kb, index)
    }
}

fn quiet(_: IngestProgress) {}

const FATIGUE: &str = "# Creative fatigue\n\n## Refresh cadence\n\nRefresh TikTok creatives every 7 to 10 days.\n\n## Signals\n\nClick-through rate falls while frequency rises.\n";
const PACING: &str =
    "# Budget pacing\n\nSpend evenly across the month; check pacing each morning.\n";

async fn top_doc(
    kb: &KnowledgeBase,
    tenant: &str,
    query: &str,
    mode: SearchMode,
) -> Option<String> {
    kb.search(tenant, query, 3, mode)
        .await
        .unwrap()
        .first()
        .map(|c| c.document_id.clone())
}

#[tokio::test]
async fn reingesting_an_unchanged_folder_is_a_no_op_and_changes_replace_chunks() {
    let s = Setup::new();
    s.write("playbooks/fatigue.md", FATIGUE);
    s.write("pacing.md", PACING);
    s.write("deck.pptx", "binary");
    let embedder = CountingEmbedder::new("counting-v1");
    let (kb, _) = s.open(embedder.clone());

    let events = Mutex::new(Vec::new());
    let record = |p: IngestProgress| events.lock().unwrap().push(p);
    let first = kb
        .ingest_path("acme", s.docs.path(), &record)
        .await
        .unwrap();
    assert_eq!(
        (first.added, first.updated, first.unchanged, first.removed),
        (2, 0, 0, 0)
    );
    assert_eq!(first.chunks, 3);
    assert_eq!(first.skipped.len(), 1);
    assert!(first.skipped[0].reason.contains("unsupported file type"));
    let events = events.into_inner().unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events.last().unwrap().done, 3);
    assert_eq!(events.last().unwrap().total, 3);
    let embedded_once = embedder.texts.load(Ordering::SeqCst);
    assert_eq!(embedded_once, 3);

    let again = kb.ingest_path("acme", s.docs.path(), &quiet).await.unwrap();
    assert_eq!(
        (again.added, again.updated, again.unchanged, again.chunks),
        (0, 0, 2, 0)
    );
    assert_eq!(
        embedder.texts.load(Ordering::SeqCst),
        embedded_once,
        "nothing re-embedded"
    );

    s.write(
        "playbooks/fatigue.md",
        &FATIGUE.replace("7 to 10 days", "5 days during launches"),
    );
    let changed = kb.ingest_path("acme", s.docs.path(), &quiet).await.unwrap();
    assert_eq!((changed.updated, changed.unchanged), (1, 1));
    for mode in SearchMode::ALL {
        let hits = kb
            .search("acme", "refresh TikTok creatives", 5, mode)
            .await
            .unwrap();
        assert!(
            hits.iter()
                .any(|c| c.text.contains("5 days during launches")),
            "{mode:?}"
        );
        assert!(
            hits.iter().all(|c| !c.text.contains("7 to 10 days")),
            "{mode:?}: old text still found"
        );
    }
}

#[tokio::test]
async fn a_file_gone_from_the_folder_or_deleted_disappears_from_results() {
    let s = Setup::new();
    s.write("fatigue.md", FATIGUE);
    s.write("pacing.md", PACING);
    let (kb, _) = s.open(Arc::new(HashingEmbedder));
    kb.ingest_path("acme", s.docs.path(), &quiet).await.unwrap();
    // A document uploaded separately is not part of the folder and must survive its sync.
    kb.ingest_bytes(
        "acme",
        "upload.txt",
        b"Pacing alerts go to the account lead.",
    )
    .await
    .unwrap();

    std::fs::remove_file(s.docs.path().join("pacing.md")).unwrap();
    let report = kb.ingest_path("acme", s.docs.path(), &quiet).await.unwrap();
    assert_eq!(report.removed, 1);
    for mode in SearchMode::ALL {
        let hits = kb
            .search("acme", "budget pacing spend evenly", 10, mode)
            .await
            .unwrap();
        assert!(
            hits.iter().all(|c| c.document_id != "pacing.md"),
            "{mode:?}"
        );
    }
    let ids: Vec<String> = kb
        .list_documents("acme")
        .unwrap()
        .into_iter()
        .map(|d| d.document_id)
        .collect();
    assert_eq!(ids, vec!["fatigue.md", "upload.txt"]);

    assert!(kb.delete_document("acme", "fatigue.md").await.unwrap());
    assert!(!kb.delete_document("acme", "fatigue.md").await.unwrap());
    for mode in SearchMode::ALL {
        let hits = kb
            .search("acme", "refresh TikTok creatives", 10, mode)
            .await
            .unwrap();
        assert!(
            hits.iter().all(|c| c.document_id != "fatigue.md"),
            "{mode:?}"
        );
    }
}

#[tokio::test]
async fn documents_survive_reopening() {
    let s = Setup::new();
    s.write("fatigue.md", FATIGUE);
    {
        let (kb, _) = s.open(Arc::new(HashingEmbedder));
        kb.ingest_path("acme", s.docs.path(), &quiet).await.unwrap();
    }
    let embedder = CountingEmbedder::new(omnify_knowledge::embed::hashing::MODEL_ID);
    let (kb, _) = s.open(embedder.clone());
    assert_eq!(kb.list_documents("acme").unwrap().len(), 1);
    for mode in SearchMode::ALL {
        assert_eq!(
            top_doc(&kb, "acme", "how often to refresh TikTok creatives", mode)
                .await
                .as_deref(),
            Some("fatigue.md"),
            "{mode:?}"
        );
    }
    // Same model: only the queries were embedded, no chunk re-embedded.
    assert_eq!(embedder.texts.load(Ordering::SeqCst), 2);
    let report = kb.ingest_path("acme", s.docs.path(), &quiet).await.unwrap();
    assert_eq!(report.unchanged, 1);
}

#[tokio::test]
async fn a_new_embedding_model_re_embeds_the_tenant_instead_of_mixing_vectors() {
    let s = Setup::new();
    s.write("fatigue.md", FATIGUE);
    s.write("pacing.md", PACING);
    {
        let (kb, _) = s.open(CountingEmbedder::new("model-a"));
        kb.ingest_path("acme", s.docs.path(), &quiet).await.unwrap();
    }
    let model_b = CountingEmbedder::new("model-b");
    let (kb, index) = s.open(model_b.clone());
    let hits = kb
        .search("acme", "check pacing each morning", 3, SearchMode::Vector)
        .await
        .unwrap();
    assert_eq!(hits[0].document_id, "pacing.md");
    assert_eq!(
        index.embedding_model("acme").await.unwrap().as_deref(),
        Some("model-b")
    );
    // 3 chunks re-embedded + 1 query.
    assert_eq!(model_b.texts.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn tenants_never_see_each_other() {
    let s = Setup::new();
    let (kb, _) = s.open(Arc::new(HashingEmbedder));
    kb.ingest_bytes("acme", "fatigue.md", FATIGUE.as_bytes())
        .await
        .unwrap();
    kb.ingest_bytes("globex", "fatigue.md", PACING.as_bytes())
        .await
        .unwrap();
    for mode in SearchMode::ALL {
        let acme = kb
            .search("acme", "refresh TikTok creatives pacing", 10, mode)
            .await
            .unwrap();
        assert!(!acme.is_empty());
        assert!(
            acme.iter()
                .all(|c| c.text.contains("TikTok") || c.text.contains("Click")),
            "{mode:?}"
        );
        let globex = kb
            .search("globex", "refresh TikTok creatives pacing", 10, mode)
            .await
            .unwrap();
        assert!(
            globex.iter().all(|c| c.text.contains("pacing")),
            "{mode:?}: {globex:?}"
        );
        assert!(
            kb.search("initech", "pacing", 10, mode)
                .await
                .unwrap()
                .is_empty()
        );
    }
    kb.delete_document("globex", "fatigue.md").await.unwrap();
    assert_eq!(kb.list_documents("acme").unwrap().len(), 1);
}

#[tokio::test]
async fn bm25_ranks_the_chunk_with_the_rare_term_first() {
    let s = Setup::new();
    let (kb, _) = s.open(Arc::new(HashingEmbedder));
    kb.ingest_bytes(
        "acme",
        "a.md",
        b"# Meta\n\nCampaign budget and campaign spend for campaign reporting.",
    )
    .await
    .unwrap();
    kb.ingest_bytes(
        "acme",
        "b.md",
        b"# Attribution\n\nCampaign budget under a 7-day click attribution window.",
    )
    .await
    .unwrap();
    kb.ingest_bytes("acme", "c.md", b"# Brand\n\nOur brand voice is warm.")
        .await
        .unwrap();
    let hits = kb
        .search("acme", "campaign attribution", 5, SearchMode::Lexical)
        .await
        .unwrap();
    let ids: Vec<&str> = hits.iter().map(|c| c.document_id.as_str()).collect();
    // "attribution" is rare (one chunk, twice counting its title) and outweighs
    // three mentions of the common "campaign"; the chunk without either is absent.
    assert_eq!(ids, vec!["b.md", "a.md"]);
    assert!(hits[0].score > hits[1].score);
}

#[tokio::test]
async fn empty_queries_and_unsupported_uploads_are_clear_errors() {
    let s = Setup::new();
    let (kb, _) = s.open(Arc::new(HashingEmbedder));
    let err = kb
        .search("acme", "  ", 5, SearchMode::Hybrid)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    let err = kb
        .ingest_bytes("acme", "deck.pptx", b"x")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unsupported file type"), "{err}");
    let err = kb
        .ingest_path("acme", Path::new("/nonexistent/docs"), &quiet)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/docs"), "{err}");
}

#[tokio::test]
async fn progress_reports_each_file_outcome() {
    let s = Setup::new();
    s.write("fatigue.md", FATIGUE);
    let (kb, _) = s.open(Arc::new(HashingEmbedder));
    kb.ingest_path("acme", &s.docs.path().join("fatigue.md"), &quiet)
        .await
        .unwrap();
    let outcomes = Mutex::new(Vec::new());
    kb.ingest_path("acme", &s.docs.path().join("fatigue.md"), &|p| {
        outcomes.lock().unwrap().push(p.outcome)
    })
    .await
    .unwrap();
    assert_eq!(
        outcomes.into_inner().unwrap(),
        vec![DocumentOutcome::Unchanged]
    );
}
