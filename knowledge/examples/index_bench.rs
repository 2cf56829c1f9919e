//! Embedded vector index benchmark: build, load and search times, and recall@10
//! against an independent exact search, on random unit vectors with cluster
//! structure (like embeddings of a corpus about a few topics).
//!
//! cargo run --release -p omnify-knowledge --example index_bench -- --chunks 10000,100000
//! Options: --dims 384, --queries 500, --clusters 200.

use omnify_core::{Chunk, EmbeddedChunk, VectorIndex};
use omnify_knowledge::EmbeddedIndex;
use std::time::Instant;

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

fn option(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    let i = ((sorted_ms.len() as f64 - 1.0) * p).round() as usize;
    sorted_ms[i]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let sizes: Vec<usize> = option(&args, "--chunks")
        .unwrap_or_else(|| "10000,100000".to_owned())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let dims: usize = option(&args, "--dims").map_or(Ok(384), |s| s.parse())?;
    let queries: usize = option(&args, "--queries").map_or(Ok(500), |s| s.parse())?;
    let clusters: usize = option(&args, "--clusters").map_or(Ok(200), |s| s.parse())?;
    let filler = "Refresh creatives when click-through rate falls and frequency climbs. ".repeat(8);

    println!("| chunks | dims | build s | load s | search p50 ms | p99 ms | recall@10 |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for &n in &sizes {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ n as u64);
        let centres: Vec<Vec<f32>> = (0..clusters)
            .map(|_| {
                let mut c: Vec<f32> = (0..dims).map(|_| rng.signed()).collect();
                normalise(&mut c);
                c
            })
            .collect();
        let vectors: Vec<Vec<f32>> = (0..n).map(|_| near(&mut rng, &centres, 0.08)).collect();
        let dir = tempfile::tempdir()?;

        let started = Instant::now();
        {
            let index = EmbeddedIndex::open(dir.path())?;
            index.set_embedding_model("bench", "random").await?;
            for (b, batch) in vectors.chunks(1024).enumerate() {
                let items = batch
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let ordinal = (b * 1024 + i) as u32;
                        EmbeddedChunk {
                            chunk: Chunk {
                                id: format!("doc{}.md#{ordinal}", ordinal / 20),
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
        let build = started.elapsed().as_secs_f64();

        let started = Instant::now();
        let index = EmbeddedIndex::open(dir.path())?;
        let loaded = index.preload("bench").await?;
        let load = started.elapsed().as_secs_f64();
        assert_eq!(loaded, n, "every vector reloads");

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
            let truth: Vec<String> = exact[..10]
                .iter()
                .map(|(_, i)| format!("doc{}.md#{i}", i / 20))
                .collect();
            let found = hits.iter().filter(|h| truth.contains(&h.chunk.id)).count();
            recall += found as f64 / 10.0;
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {n} | {dims} | {build:.2} | {load:.2} | {:.2} | {:.2} | {:.3} |",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            recall / queries as f64
        );
    }
    Ok(())
}
