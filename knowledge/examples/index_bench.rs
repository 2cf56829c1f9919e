//! Embedded vector index benchmark: build, load and search times, and recall@10
//! against an independent exact search, on random unit vectors with cluster
//! structure (like embeddings of a corpus about a few topics). The measurement is
//! `omnify_knowledge::bench`, which `omnify-bench --suite knowledge` runs too.
//!
//! cargo run --release -p omnify-knowledge --example index_bench -- --chunks 10000,100000
//! Options: --dims 384, --queries 500, --clusters 200.

use omnify_knowledge::bench::{IndexBenchResult, IndexBenchSettings, measure_index};

fn option(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let sizes: Vec<usize> = option(&args, "--chunks")
        .unwrap_or_else(|| "10000,100000".to_owned())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let defaults = IndexBenchSettings::default();
    let settings = IndexBenchSettings {
        dims: option(&args, "--dims").map_or(Ok(defaults.dims), |s| s.parse())?,
        queries: option(&args, "--queries").map_or(Ok(defaults.queries), |s| s.parse())?,
        clusters: option(&args, "--clusters").map_or(Ok(defaults.clusters), |s| s.parse())?,
    };

    println!("{}", IndexBenchResult::MARKDOWN_HEADER);
    for &n in &sizes {
        let dir = tempfile::tempdir()?;
        let result = measure_index(n, settings, dir.path()).await?;
        println!("{}", result.markdown_row());
    }
    Ok(())
}
