#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! The embedded index passes the vector-index contract, and survives a torn write.

use async_trait::async_trait;
use omnify_core::VectorIndex;
use omnify_knowledge::index::EmbeddedIndex;
use omnify_knowledge::index::contract::{self, IndexFactory, chunk, unit};
use std::sync::Arc;

struct Embedded {
    dir: tempfile::TempDir,
}

#[async_trait]
impl IndexFactory for Embedded {
    async fn open(&self, name: &str) -> Arc<dyn VectorIndex> {
        Arc::new(EmbeddedIndex::open(&self.dir.path().join(name)).unwrap())
    }

    fn persistent(&self) -> bool {
        true
    }
}

#[tokio::test]
async fn embedded_index_passes_the_contract() {
    let factory = Embedded {
        dir: tempfile::tempdir().unwrap(),
    };
    contract::run_all(&factory).await;
}

#[tokio::test]
async fn a_torn_last_write_is_cut_off_and_earlier_writes_survive() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = EmbeddedIndex::open(dir.path()).unwrap();
        index.set_embedding_model("t1", "m").await.unwrap();
        index
            .upsert("t1", vec![chunk("t1", "a.md", 0, unit(0, 0.0))])
            .await
            .unwrap();
        index
            .upsert("t1", vec![chunk("t1", "b.md", 0, unit(1, 0.0))])
            .await
            .unwrap();
    }
    // Simulate a crash in the middle of the last append.
    let log = dir.path().join(hex_of("t1")).join("vectors.log");
    let len = std::fs::metadata(&log).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&log).unwrap();
    file.set_len(len - 10).unwrap();
    drop(file);

    let index = EmbeddedIndex::open(dir.path()).unwrap();
    let hits = index.search("t1", &unit(0, 0.0), 10).await.unwrap();
    let ids: Vec<&str> = hits.iter().map(|h| h.chunk.id.as_str()).collect();
    assert_eq!(ids, vec!["a.md#0"]);
    // The log is usable again: new writes land after the cut.
    index
        .upsert("t1", vec![chunk("t1", "c.md", 0, unit(2, 0.0))])
        .await
        .unwrap();
    let reopened = EmbeddedIndex::open(dir.path()).unwrap();
    assert_eq!(reopened.preload("t1").await.unwrap(), 2);
}

#[tokio::test]
async fn compaction_keeps_exactly_the_live_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let index = EmbeddedIndex::open(dir.path()).unwrap();
    // Rewrite the same document many times: dead records pile up and trigger
    // compaction of the log.
    for round in 0..40u32 {
        let items = (0..64)
            .map(|i| {
                let mut c = chunk("t1", "doc.md", i, unit((i + round) as usize, 0.1));
                c.chunk.text = format!("round {round}");
                c
            })
            .collect();
        index.delete_document("t1", "doc.md").await.unwrap();
        index.upsert("t1", items).await.unwrap();
    }
    let log = dir.path().join(hex_of("t1")).join("vectors.log");
    let size = std::fs::metadata(&log).unwrap().len();
    // Uncompacted, 40 rounds × 64 records of about 270 bytes would be ~690 KB;
    // compaction runs once dead records outnumber max(live, 1024).
    assert!(size < 200 * 1024, "log is {size} bytes: not compacted");
    let reopened = EmbeddedIndex::open(dir.path()).unwrap();
    let hits = reopened.search("t1", &unit(0, 0.1), 100).await.unwrap();
    assert_eq!(hits.len(), 64);
    assert!(hits.iter().all(|h| h.chunk.text == "round 39"));
}

#[tokio::test]
async fn a_vector_of_the_wrong_dimension_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let index = EmbeddedIndex::open(dir.path()).unwrap();
    index
        .upsert("t1", vec![chunk("t1", "a.md", 0, unit(0, 0.0))])
        .await
        .unwrap();
    let mut wrong = chunk("t1", "b.md", 0, vec![1.0; 8]);
    wrong.vector = vec![1.0; 8];
    let err = index.upsert("t1", vec![wrong]).await.unwrap_err();
    assert!(err.to_string().contains("8-dimension"), "{err}");
    let err = index.search("t1", &[1.0; 8], 3).await.unwrap_err();
    assert!(err.to_string().contains("16-dimension"), "{err}");
}

fn hex_of(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn a_large_tenant_is_scanned_in_parts_and_finds_the_same_best_chunks() {
    // Over the parallel-scan threshold (20,000 rows): every row points away from the
    // query except five planted in different parts of the matrix, at known angles.
    let dir = tempfile::tempdir().unwrap();
    let index = EmbeddedIndex::open(dir.path()).unwrap();
    let planted: [(u32, f32); 5] = [
        (20_999, 0.0),
        (3, 0.1),
        (12_345, 0.2),
        (7_000, 0.3),
        (15_000, 0.4),
    ];
    let chunks: Vec<_> = (0..21_000u32)
        .map(|r| {
            let mut v = vec![0.0f32; contract::DIMENSIONS];
            match planted.iter().find(|(row, _)| *row == r) {
                Some((_, angle)) => {
                    v[0] = angle.cos();
                    v[1] = angle.sin();
                }
                None => v[2 + (r as usize % (contract::DIMENSIONS - 2))] = 1.0,
            }
            chunk("big", "rows.md", r, v)
        })
        .collect();
    index.upsert("big", chunks).await.unwrap();
    let mut query = vec![0.0f32; contract::DIMENSIONS];
    query[0] = 1.0;
    let hits = index.search("big", &query, 5).await.unwrap();
    let ordinals: Vec<u32> = hits.iter().map(|h| h.chunk.ordinal).collect();
    assert_eq!(ordinals, [20_999, 3, 12_345, 7_000, 15_000], "best first");
    assert!(
        (hits[2].score - 0.2f32.cos()).abs() < 1e-5,
        "{}",
        hits[2].score
    );
}
