//! Retrieval quality of the knowledge base on labelled questions: recall@k, hit@k
//! and MRR@k in the lexical, vector and hybrid modes, as a Markdown table.
//!
//! cargo run --release -p omnify-knowledge --example retrieval_quality -- \
//!     --model-dir data/models/all-MiniLM-L6-v2
//! Options: --docs knowledge/docs, --questions evals/knowledge/questions.yaml, --k 5,
//! --max-tokens 200, --overlap 40, --misses (list the questions missed per mode).
//! Without --model-dir (or if the model cannot be loaded) the hashing embedder is used
//! and the vector column measures word overlap, not meaning.

use omnify_core::Embedder;
use omnify_knowledge::embed::{self, EmbedderKind, EmbedderSettings};
use omnify_knowledge::quality;
use omnify_knowledge::{ChunkingSettings, EmbeddedIndex, HashingEmbedder, KnowledgeBase};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

fn option(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let docs = option(&args, "--docs").map_or_else(|| root.join("knowledge/docs"), PathBuf::from);
    let questions_path = option(&args, "--questions").map_or_else(
        || root.join("evals/knowledge/questions.yaml"),
        PathBuf::from,
    );
    let k: usize = option(&args, "--k").map_or(Ok(5), |s| s.parse())?;
    let settings = ChunkingSettings {
        max_tokens: option(&args, "--max-tokens").map_or(Ok(200), |s| s.parse())?,
        overlap_tokens: option(&args, "--overlap").map_or(Ok(40), |s| s.parse())?,
    };
    let data = tempfile::tempdir()?;

    let embedder: Arc<dyn Embedder> = match option(&args, "--model-dir") {
        Some(dir) => {
            let settings = EmbedderSettings {
                kind: EmbedderKind::Local,
                model_dir: Some(PathBuf::from(&dir)),
                ..EmbedderSettings::default()
            };
            match embed::build(&settings, data.path()).await {
                Ok(e) => e,
                Err(e) => {
                    eprintln!(
                        "note: cannot load the model from {dir} ({e}); using the hashing embedder"
                    );
                    Arc::new(HashingEmbedder::new())
                }
            }
        }
        None => {
            eprintln!(
                "note: no --model-dir given; using the hashing embedder (word overlap, not meaning)"
            );
            Arc::new(HashingEmbedder::new())
        }
    };

    let kb = KnowledgeBase::open(
        &data.path().join("knowledge"),
        Arc::clone(&embedder),
        Arc::new(EmbeddedIndex::open(&data.path().join("vectors"))?),
        settings,
    )?;
    let started = Instant::now();
    let report = kb.ingest_path("eval", &docs, &|_| {}).await?;
    let ingest = started.elapsed().as_secs_f64();
    let questions = quality::load_questions(&questions_path)?;
    let started = Instant::now();
    let scores = quality::evaluate(&kb, "eval", &questions, k).await?;
    let per_query_ms = started.elapsed().as_secs_f64() * 1e3 / (questions.len() * 3).max(1) as f64;

    println!(
        "Embedder `{}`; chunks of {} tokens with {} overlap; {} documents, {} chunks (ingest {ingest:.1} s); {} questions; {per_query_ms:.1} ms per search.\n",
        embedder.model_id(),
        settings.max_tokens,
        settings.overlap_tokens,
        report.added,
        report.chunks,
        questions.len()
    );
    if !report.skipped.is_empty() {
        println!("Skipped: {:?}\n", report.skipped);
    }
    print!("{}", quality::markdown_table(&scores));
    if args.iter().any(|a| a == "--misses") {
        for s in &scores {
            println!("\nMissed in {} mode:", s.mode.name());
            for q in s.questions.iter().filter(|q| q.first_relevant.is_none()) {
                println!("- {}", q.question);
            }
        }
    }
    Ok(())
}
