//! The behaviour every `VectorIndex` backend must have, as a suite another crate's
//! tests can run against its own backend:
//!
//! ```ignore
//! struct MyFactory { /* … */ }
//! #[async_trait::async_trait]
//! impl IndexFactory for MyFactory {
//!     async fn open(&self, name: &str) -> Arc<dyn VectorIndex> { /* same name → same storage */ }
//!     fn persistent(&self) -> bool { true }
//! }
//! #[tokio::test]
//! async fn contract() { omnify_knowledge::index::contract::run_all(&MyFactory::new()).await }
//! ```
//!
//! Vectors have [`DIMENSIONS`] dimensions. Each property opens indexes under its own
//! names, so properties never see each other's data; the factory must give a fresh,
//! empty index for a name it has not opened before in this run.

use async_trait::async_trait;
use omnify_core::{Chunk, EmbeddedChunk, VectorIndex};
use std::sync::Arc;

/// Dimensions of every vector the suite writes.
pub const DIMENSIONS: usize = 16;

/// Opens the backend under test.
#[async_trait]
pub trait IndexFactory: Send + Sync {
    /// The index stored under `name`: empty the first time a name is used in this
    /// run; opening the same name again opens the same storage (for persistence).
    async fn open(&self, name: &str) -> Arc<dyn VectorIndex>;
    /// Whether data outlives the index object (checked by [`persists_across_reopen`]).
    fn persistent(&self) -> bool;
}

/// Runs every property, in order; panics on the first failure with its name.
pub async fn run_all(factory: &dyn IndexFactory) {
    upsert_then_search_finds_it(factory).await;
    results_are_ordered_by_similarity(factory).await;
    limit_is_honoured(factory).await;
    upsert_with_the_same_id_replaces(factory).await;
    delete_document_removes_only_that_document(factory).await;
    tenants_are_isolated(factory).await;
    embedding_model_is_recorded_per_tenant(factory).await;
    clear_tenant_removes_everything_of_that_tenant(factory).await;
    empty_tenant_search_returns_nothing(factory).await;
    if factory.persistent() {
        persists_across_reopen(factory).await;
    }
}

/// A unit vector pointing mostly along `axis`, tilted towards `axis + 1` by `tilt`.
pub fn unit(axis: usize, tilt: f32) -> Vec<f32> {
    let mut v = [0.0f32; DIMENSIONS];
    v[axis % DIMENSIONS] = 1.0;
    v[(axis + 1) % DIMENSIONS] = tilt;
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / norm).collect()
}

/// A chunk `{document}#{ordinal}` for `tenant` with the given vector.
pub fn chunk(tenant: &str, document: &str, ordinal: u32, vector: Vec<f32>) -> EmbeddedChunk {
    EmbeddedChunk {
        chunk: Chunk {
            id: format!("{document}#{ordinal}"),
            tenant: tenant.to_owned(),
            document_id: document.to_owned(),
            title: format!("Title of {document}"),
            section: vec!["Section".to_owned(), format!("Part {ordinal}")],
            source: format!("docs/{document}"),
            ordinal,
            text: format!("text {ordinal} of {document}"),
        },
        vector,
    }
}

fn must<T, E: std::fmt::Display>(what: &str, result: Result<T, E>) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("contract: {what} failed: {e}"),
    }
}

async fn ids(index: &dyn VectorIndex, tenant: &str, query: &[f32], limit: usize) -> Vec<String> {
    must("search", index.search(tenant, query, limit).await)
        .into_iter()
        .map(|h| h.chunk.id)
        .collect()
}

pub async fn upsert_then_search_finds_it(factory: &dyn IndexFactory) {
    let index = factory.open("upsert_then_search").await;
    let stored = chunk("t1", "guide.md", 0, unit(3, 0.0));
    must("upsert", index.upsert("t1", vec![stored.clone()]).await);
    let hits = must("search", index.search("t1", &unit(3, 0.0), 5).await);
    assert_eq!(hits.len(), 1, "contract: the upserted chunk is found");
    assert_eq!(
        hits[0].chunk, stored.chunk,
        "contract: the chunk comes back whole"
    );
    assert!(
        (hits[0].score - 1.0).abs() < 1e-3,
        "contract: an identical vector scores cosine 1, got {}",
        hits[0].score
    );
}

pub async fn results_are_ordered_by_similarity(factory: &dyn IndexFactory) {
    let index = factory.open("ordering").await;
    let items = vec![
        chunk("t1", "a.md", 0, unit(0, 2.0)),
        chunk("t1", "a.md", 1, unit(0, 0.0)),
        chunk("t1", "a.md", 2, unit(0, 0.5)),
        chunk("t1", "a.md", 3, unit(5, 0.0)),
    ];
    must("upsert", index.upsert("t1", items).await);
    let hits = must("search", index.search("t1", &unit(0, 0.0), 4).await);
    let order: Vec<&str> = hits.iter().map(|h| h.chunk.id.as_str()).collect();
    assert_eq!(
        order,
        vec!["a.md#1", "a.md#2", "a.md#0", "a.md#3"],
        "contract: best first"
    );
    assert!(
        hits.windows(2).all(|w| w[0].score >= w[1].score),
        "contract: scores never increase down the list"
    );
}

pub async fn limit_is_honoured(factory: &dyn IndexFactory) {
    let index = factory.open("limit").await;
    let items = (0..10)
        .map(|i| chunk("t1", "many.md", i, unit(i as usize, 0.3)))
        .collect();
    must("upsert", index.upsert("t1", items).await);
    assert_eq!(ids(index.as_ref(), "t1", &unit(0, 0.0), 3).await.len(), 3);
    assert_eq!(ids(index.as_ref(), "t1", &unit(0, 0.0), 50).await.len(), 10);
}

pub async fn upsert_with_the_same_id_replaces(factory: &dyn IndexFactory) {
    let index = factory.open("replace").await;
    must(
        "upsert",
        index
            .upsert("t1", vec![chunk("t1", "r.md", 0, unit(1, 0.0))])
            .await,
    );
    let mut newer = chunk("t1", "r.md", 0, unit(7, 0.0));
    newer.chunk.text = "rewritten".to_owned();
    must("upsert", index.upsert("t1", vec![newer]).await);
    let hits = must("search", index.search("t1", &unit(7, 0.0), 10).await);
    assert_eq!(
        hits.len(),
        1,
        "contract: same id replaces, never duplicates"
    );
    assert_eq!(hits[0].chunk.text, "rewritten");
    assert!(
        hits[0].score > 0.99,
        "contract: the new vector replaced the old"
    );
}

pub async fn delete_document_removes_only_that_document(factory: &dyn IndexFactory) {
    let index = factory.open("delete_document").await;
    let items = vec![
        chunk("t1", "keep.md", 0, unit(2, 0.0)),
        chunk("t1", "gone.md", 0, unit(2, 0.1)),
        chunk("t1", "gone.md", 1, unit(2, 0.2)),
        chunk("t1", "keep.md", 1, unit(2, 0.3)),
    ];
    must("upsert", index.upsert("t1", items).await);
    must(
        "delete_document",
        index.delete_document("t1", "gone.md").await,
    );
    let mut found = ids(index.as_ref(), "t1", &unit(2, 0.0), 10).await;
    found.sort();
    assert_eq!(found, vec!["keep.md#0", "keep.md#1"]);
    // Deleting what is not there is not an error.
    must(
        "delete_document",
        index.delete_document("t1", "never.md").await,
    );
}

pub async fn tenants_are_isolated(factory: &dyn IndexFactory) {
    let index = factory.open("tenants").await;
    let v = unit(4, 0.0);
    must(
        "upsert",
        index
            .upsert("tenant-a", vec![chunk("tenant-a", "same.md", 0, v.clone())])
            .await,
    );
    must(
        "upsert",
        index
            .upsert("tenant-b", vec![chunk("tenant-b", "same.md", 0, v.clone())])
            .await,
    );
    let a = must("search", index.search("tenant-a", &v, 10).await);
    assert_eq!(a.len(), 1, "contract: A sees only its own chunk");
    assert_eq!(a[0].chunk.tenant, "tenant-a");
    must(
        "delete_document",
        index.delete_document("tenant-b", "same.md").await,
    );
    assert_eq!(
        ids(index.as_ref(), "tenant-a", &v, 10).await,
        vec!["same.md#0"],
        "contract: B's delete leaves A's chunk with the same id"
    );
    assert!(ids(index.as_ref(), "tenant-b", &v, 10).await.is_empty());
}

pub async fn embedding_model_is_recorded_per_tenant(factory: &dyn IndexFactory) {
    let index = factory.open("model").await;
    assert_eq!(
        must("embedding_model", index.embedding_model("t1").await),
        None
    );
    must(
        "set_embedding_model",
        index.set_embedding_model("t1", "model-one").await,
    );
    must(
        "set_embedding_model",
        index.set_embedding_model("t2", "model-two").await,
    );
    must(
        "upsert",
        index
            .upsert("t1", vec![chunk("t1", "m.md", 0, unit(0, 0.0))])
            .await,
    );
    assert_eq!(
        must("embedding_model", index.embedding_model("t1").await).as_deref(),
        Some("model-one")
    );
    assert_eq!(
        must("embedding_model", index.embedding_model("t2").await).as_deref(),
        Some("model-two")
    );
}

pub async fn clear_tenant_removes_everything_of_that_tenant(factory: &dyn IndexFactory) {
    let index = factory.open("clear").await;
    must(
        "set_embedding_model",
        index.set_embedding_model("t1", "old-model").await,
    );
    let items = (0..5)
        .map(|i| chunk("t1", "c.md", i, unit(i as usize, 0.0)))
        .collect();
    must("upsert", index.upsert("t1", items).await);
    must(
        "upsert",
        index
            .upsert("t2", vec![chunk("t2", "c.md", 0, unit(0, 0.0))])
            .await,
    );
    must("clear_tenant", index.clear_tenant("t1").await);
    assert!(
        ids(index.as_ref(), "t1", &unit(0, 0.0), 10)
            .await
            .is_empty()
    );
    assert_eq!(ids(index.as_ref(), "t2", &unit(0, 0.0), 10).await.len(), 1);
    // Re-embedding after a clear: a new model is recorded and new vectors searchable.
    must(
        "set_embedding_model",
        index.set_embedding_model("t1", "new-model").await,
    );
    must(
        "upsert",
        index
            .upsert("t1", vec![chunk("t1", "c.md", 0, unit(9, 0.0))])
            .await,
    );
    assert_eq!(
        must("embedding_model", index.embedding_model("t1").await).as_deref(),
        Some("new-model")
    );
    assert_eq!(
        ids(index.as_ref(), "t1", &unit(9, 0.0), 10).await,
        vec!["c.md#0"]
    );
}

pub async fn empty_tenant_search_returns_nothing(factory: &dyn IndexFactory) {
    let index = factory.open("empty").await;
    assert!(
        ids(index.as_ref(), "nobody", &unit(0, 0.0), 10)
            .await
            .is_empty()
    );
}

pub async fn persists_across_reopen(factory: &dyn IndexFactory) {
    {
        let index = factory.open("persist").await;
        must(
            "set_embedding_model",
            index.set_embedding_model("t1", "model-p").await,
        );
        let items = (0..4)
            .map(|i| chunk("t1", "p.md", i, unit(i as usize, 0.2)))
            .collect();
        must("upsert", index.upsert("t1", items).await);
        must("delete_document", index.delete_document("t1", "p.md").await);
        let items = (0..3)
            .map(|i| chunk("t1", "q.md", i, unit(i as usize, 0.2)))
            .collect();
        must("upsert", index.upsert("t1", items).await);
    }
    let reopened = factory.open("persist").await;
    assert_eq!(
        must("embedding_model", reopened.embedding_model("t1").await).as_deref(),
        Some("model-p")
    );
    let found = ids(reopened.as_ref(), "t1", &unit(1, 0.2), 10).await;
    assert_eq!(
        found.len(),
        3,
        "contract: what was durable survives reopening"
    );
    assert_eq!(found[0], "q.md#1");
    assert!(found.iter().all(|id| id.starts_with("q.md")));
}
