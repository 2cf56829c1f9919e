//! The embedded vector index benchmark: build, load and search times, and recall@10
//! against an independent exact search, on random unit vectors with cluster structure
//! (like embeddings of a corpus about a few topics). Shared by
//! `examples/index_bench.rs` and the performance suite (`omnify-bench --suite knowledge`),
//! so both measure the same thing.

use crate::EmbeddedIndex;
use omnify_core::{Chunk, EmbeddedChunk, KnowledgeError, VectorIndex};
use std::path::Path;
use std::time::Instant;

/// The benchmark's shape, apart from the number of chunks.
#[derive(Debug, Clone, Copy)]
pub struct IndexBenchSettings {
    /// Vector dimensions (all-MiniLM-L6-v2 has 384).
    pub dims: usize,
    /// Searches timed per size.
    pub queries: usize,
    /// Topics the vectors are gathered around.
    pub clusters: usize,
}

impl Default for IndexBenchSettings {
    fn default() -> Self {
        Self {
            dims: 384,
            queries: 500,
            clusters: 200,
        }
    }
}

/// One size's measurements.
#[derive(Debug, Clone)]
pub struct IndexBenchResult {
    pub chunks: usize,
    pub dims: usize,
    pub queries: usize,
    /// Writing every chunk into a fresh index, persisted.
    pub build_secs: f64,
    /// Opening the index again and reading the tenant back into memory.
    pub load_secs: f64,
    pub search_p50_ms: f64,
    pub search_p99_ms: f64,
    /// Share of the exact top 10 that the index returned, averaged over the queries.
    pub recall_at_10: f64,
}

impl IndexBenchResult {
    /// The Markdown table's header, for [`Self::markdown_row`].
    pub const MARKDOWN_HEADER: &'static str = "| chunks | dims | build s | load s | search p50 ms | p99 ms | recall@10 |\n|---:|---:|---:|---:|---:|---:|---:|";

    pub fn markdown_row(&self) -> String {
        format!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.3} |",
            self.chunks,
            self.dims,
            self.build_secs,
            self.load_secs,
            self.search_p50_ms,
            self.search_p99_ms,
            self.recall_at_10
        )
    }
}

/// Build an index of `chunks` vectors in `dir` (which should be empty), reload it and
/// time `settings.queries` searches, checking each against an exact top 10.
pub async fn measure_index(
    chunks: usize,
    settings: IndexBenchSettings,
    dir: &Path,
) -> Result<IndexBenchResult, KnowledgeError> {
    let IndexBenchSettings {
        dims,
        queries,
        clusters,
    } = settings;
    if dims == 0 || clusters == 0 {
        return Err(KnowledgeError::Invalid(
            "the index benchmark needs dimensions and clusters".into(),
        ));
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ chunks as u64);
    let centres: Vec<Vec<f32>> = (0..clusters)
        .map(|_| {
            let mut c: Vec<f32> = (0..dims).map(|_| rng.signed()).collect();
            normalise(&mut c);
            c
        })
        .collect();
    let vectors: Vec<Vec<f32>> = (0..chunks)
        .map(|_| near(&mut rng, &centres, 0.08))
        .collect();
    let filler = "Refresh creatives when click-through rate falls and frequency climbs. ".repeat(8);

    let started = Instant::now();
    {
        let index = EmbeddedIndex::open(dir)?;
        index.set_embedding_model("bench", "random").await?;
        for (b, batch) in vectors.chunks(1024).enumerate() {
            let items = batch
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let ordinal = (b * 1024 + i) as u32;
                    EmbeddedChunk {
                        chunk: Chunk {
                            id: chunk_id(ordinal as usize),
                            tenant: "bench".to_owned(),
                            document_id: format!("doc{}.md", ordinal / 20),
                            title: "Benchmark document".to_owned(),
                            section: vec!["Benchmark document".to_owned(), "Part".to_owned()],
                            source: "bench".to_owned(),
                            ordinal,
                            text: filler.clone(),
                        },
                        vector: v.clone(),
                    }
                })
                .collect();
            index.upsert("bench", items).await?;
        }
    }
    let build_secs = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let index = EmbeddedIndex::open(dir)?;
    let loaded = index.preload("bench").await?;
    let load_secs = started.elapsed().as_secs_f64();
    if loaded != chunks {
        return Err(KnowledgeError::Index(format!(
            "{loaded} of {chunks} vectors reloaded"
        )));
    }

    let mut times = Vec::with_capacity(queries);
    let mut recall = 0.0;
    for _ in 0..queries {
        let query = near(&mut rng, &centres, 0.1);
        let started = Instant::now();
        let hits = index.search("bench", &query, 10).await?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
        // Exact top 10, computed independently of the index.
        let mut exact: Vec<(f32, usize)> = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| (v.iter().zip(&query).map(|(a, b)| a * b).sum(), i))
            .collect();
        exact.sort_by(|a, b| b.0.total_cmp(&a.0));
        let truth: Vec<String> = exact.iter().take(10).map(|(_, i)| chunk_id(*i)).collect();
        let found = hits.iter().filter(|h| truth.contains(&h.chunk.id)).count();
        recall += found as f64 / truth.len().max(1) as f64;
    }
    times.sort_by(f64::total_cmp);
    Ok(IndexBenchResult {
        chunks,
        dims,
        queries,
        build_secs,
        load_secs,
        search_p50_ms: percentile(&times, 0.5),
        search_p99_ms: percentile(&times, 0.99),
        recall_at_10: recall / queries.max(1) as f64,
    })
}

fn chunk_id(ordinal: usize) -> String {
    format!("doc{}.md#{ordinal}", ordinal / 20)
}

/// xorshift64: the same vectors on every run and machine, without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in [-1, 1).
    fn signed(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

fn normalise(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= n);
}

/// A point near one of the cluster centres.
fn near(rng: &mut Rng, centres: &[Vec<f32>], spread: f32) -> Vec<f32> {
    let centre = &centres[(rng.next() % centres.len() as u64) as usize];
    let mut v: Vec<f32> = centre.iter().map(|c| c + spread * rng.signed()).collect();
    normalise(&mut v);
    v
}

/// Rounded-index percentile of sorted values (NaN when there are none).
fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted_ms.len() as f64 - 1.0) * p).round() as usize;
    sorted_ms[i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_small_index_is_measured_with_exact_recall() {
        let dir = tempfile::tempdir().unwrap();
        let settings = IndexBenchSettings {
            dims: 16,
            queries: 20,
            clusters: 4,
        };
        let r = measure_index(300, settings, dir.path()).await.unwrap();
        assert_eq!((r.chunks, r.dims, r.queries), (300, 16, 20));
        assert!((r.recall_at_10 - 1.0).abs() < 1e-9, "exact search: {r:?}");
        assert!(r.search_p50_ms <= r.search_p99_ms);
        assert!(r.markdown_row().starts_with("| 300 | 16 |"));
    }
}
