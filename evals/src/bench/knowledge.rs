//! The knowledge suite: the embedded vector index benchmark of `omnify_knowledge::bench`
//! (also `cargo run --release -p omnify-knowledge --example index_bench`), run in this
//! process at each size.

use super::{Args, Context};
use anyhow::Result;
use omnify_knowledge::bench::{IndexBenchResult, IndexBenchSettings, measure_index};
use std::fmt::Write as _;

pub async fn run(args: &Args, cx: &Context) -> Result<String> {
    let settings = IndexBenchSettings {
        queries: args.knowledge_queries,
        ..IndexBenchSettings::default()
    };
    let mut table = format!("{}\n", IndexBenchResult::MARKDOWN_HEADER);
    for &chunks in &args.knowledge_chunks {
        eprintln!("knowledge: {chunks} chunks…");
        let dir = tempfile::tempdir()?;
        let result = measure_index(chunks, settings, dir.path()).await?;
        let row = result.markdown_row();
        eprintln!("  {row}");
        let _ = writeln!(table, "{row}");
    }
    println!("{table}");
    Ok(format!(
        r#"## Knowledge search: the embedded vector index

{measured}

### Method

- `omnify_knowledge::bench::measure_index` (the same code as
  `cargo run --release -p omnify-knowledge --example index_bench`), in the bench process.
- Random unit vectors of {dims} dimensions gathered around {clusters} cluster centres
  (like the embeddings of a corpus about a few topics), one tenant, each chunk with a
  realistic ~560-character text.
- **build s**: a fresh `EmbeddedIndex` (the default backend), every chunk upserted in
  batches of 1,024 and persisted. **load s**: the index opened again and the tenant
  read back into memory (what a server start does).
- **search**: {queries} top-10 searches with queries near the cluster centres; the
  percentiles of the wall time of `VectorIndex::search` are the sorted times at index
  round((n − 1) · p), as the example prints them. Tenants of
  20,000 chunks or more are scanned in parts on up to four threads.
- **recall@10**: the share of an exact top 10, computed independently by brute force,
  that the index returned. The index is exact, so anything below 1.000 is a bug.

### Results

{table}
The issue sets no target for knowledge search; `docs/knowledge.md` discusses the
alternatives measured (int8 pre-scan, HNSW) and when to use Qdrant instead.
"#,
        measured = cx.measured_line(args),
        dims = settings.dims,
        clusters = settings.clusters,
        queries = settings.queries,
    ))
}
