//! The shared vector-index contract against a real Qdrant.
//!
//! Needs `OMNIFY_TEST_QDRANT_URL` (the gRPC endpoint, e.g. `http://localhost:6334`;
//! `OMNIFY_TEST_QDRANT_API_KEY` if the server wants one). Without it the test prints
//! a notice and passes without checking. Every run uses fresh collections
//! (`omnify_contract_<pid>_<time>_<property>`) and deletes them afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use omnify_core::{Secret, VectorIndex};
use omnify_knowledge::index::contract::{self, DIMENSIONS, IndexFactory};
use omnify_knowledge::index::qdrant::{QdrantIndex, QdrantSettings};
use qdrant_client::Qdrant;

struct QdrantFactory {
    url: String,
    api_key: Secret,
    prefix: String,
}

impl QdrantFactory {
    fn settings(&self, collection: String) -> QdrantSettings {
        QdrantSettings {
            url: self.url.clone(),
            api_key: self.api_key.clone(),
            collection,
            ..QdrantSettings::default()
        }
    }

    /// Deletes every collection this run created.
    async fn clean_up(&self) {
        let key = (!self.api_key.is_empty()).then(|| self.api_key.expose().to_owned());
        let client = Qdrant::from_url(&self.url)
            .api_key(key)
            .skip_compatibility_check()
            .build()
            .unwrap();
        let listed = client.list_collections().await.unwrap();
        for collection in listed.collections {
            if collection.name.starts_with(&self.prefix) {
                client.delete_collection(collection.name).await.unwrap();
            }
        }
    }
}

#[async_trait]
impl IndexFactory for QdrantFactory {
    async fn open(&self, name: &str) -> Arc<dyn VectorIndex> {
        let settings = self.settings(format!("{}_{name}", self.prefix));
        Arc::new(QdrantIndex::new(&settings, DIMENSIONS).unwrap())
    }

    fn persistent(&self) -> bool {
        true
    }
}

fn factory() -> Option<QdrantFactory> {
    let Ok(url) = std::env::var("OMNIFY_TEST_QDRANT_URL") else {
        eprintln!(
            "skipped: set OMNIFY_TEST_QDRANT_URL (e.g. http://localhost:6334, the gRPC port) \
             to run the vector-index contract against Qdrant"
        );
        return None;
    };
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    Some(QdrantFactory {
        url,
        api_key: Secret::new(std::env::var("OMNIFY_TEST_QDRANT_API_KEY").unwrap_or_default()),
        prefix: format!("omnify_contract_{}_{started}", std::process::id()),
    })
}

#[tokio::test]
async fn qdrant_passes_the_vector_index_contract() {
    let Some(factory) = factory() else { return };
    contract::run_all(&factory).await;
    factory.clean_up().await;
}

#[tokio::test]
async fn a_collection_of_another_dimension_is_refused_with_advice() {
    let Some(factory) = factory() else { return };
    let settings = factory.settings(format!("{}_dimension", factory.prefix));
    let small = QdrantIndex::new(&settings, DIMENSIONS).unwrap();
    small.set_embedding_model("t1", "model-16").await.unwrap();
    let large = QdrantIndex::new(&settings, DIMENSIONS * 2).unwrap();
    let error = large.embedding_model("t1").await.unwrap_err().to_string();
    assert!(error.contains("new collection"), "{error}");
    factory.clean_up().await;
}
