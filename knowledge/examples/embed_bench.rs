//! How fast the local embedder is on this machine: sentences per second, one at a
//! time (a search query) and in batches of 32 (an ingest).
//!
//! cargo run -p omnify-knowledge --example embed_bench [--release] -- [MODEL_DIR]
//!
//! MODEL_DIR defaults to `$OMNIFY_TEST_EMBEDDING_MODEL_DIR`, then
//! `data/models/all-MiniLM-L6-v2`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use omnify_knowledge::embed::minilm::{DEFAULT_BATCH_SIZE, DEFAULT_MODEL_NAME, MiniLmEmbedder};

/// Typical marketing questions and playbook lines, 5–25 words each.
const SENTENCES: [&str; 8] = [
    "What was our ROAS on Meta last week?",
    "Refresh TikTok creatives when frequency passes three and CTR drops by a fifth.",
    "increase ad budget",
    "Which campaigns spent the most without a single purchase in the last 14 days?",
    "Our brand guidelines ask for the logo in the first two seconds of every video.",
    "Compare Google Ads cost per acquisition with the quarterly target by region.",
    "Email open rates fell after the subject-line test; roll back to the control.",
    "Shift ten percent of spend from prospecting to retargeting during the sale.",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("OMNIFY_TEST_EMBEDDING_MODEL_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("data/models/all-MiniLM-L6-v2"));
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };

    let started = Instant::now();
    let model = MiniLmEmbedder::load(&dir, DEFAULT_MODEL_NAME, DEFAULT_BATCH_SIZE)?;
    println!("{profile}: model loaded in {:.2?}", started.elapsed());

    let singles: Vec<String> = SENTENCES.iter().map(|s| (*s).to_owned()).collect();
    model.embed_blocking(&singles[..1])?; // warm-up
    let single_rate = rate(Duration::from_secs(5), 1, || {
        for sentence in &singles {
            model.embed_blocking(std::slice::from_ref(sentence))?;
        }
        Ok(singles.len())
    })?;
    println!("{profile}: one sentence at a time: {single_rate:.1} sentences/s");

    let batch: Vec<String> = SENTENCES
        .iter()
        .cycle()
        .take(DEFAULT_BATCH_SIZE)
        .map(|s| (*s).to_owned())
        .collect();
    let batch_rate = rate(Duration::from_secs(5), 1, || {
        model.embed_blocking(&batch)?;
        Ok(batch.len())
    })?;
    println!("{profile}: batches of {DEFAULT_BATCH_SIZE}: {batch_rate:.1} sentences/s");
    Ok(())
}

/// Sentences per second of `round`, repeated for at least `budget` and `min_rounds`.
fn rate(
    budget: Duration,
    min_rounds: usize,
    mut round: impl FnMut() -> Result<usize, omnify_core::KnowledgeError>,
) -> Result<f64, omnify_core::KnowledgeError> {
    let started = Instant::now();
    let mut sentences = 0;
    let mut rounds = 0;
    while rounds < min_rounds || started.elapsed() < budget {
        sentences += round()?;
        rounds += 1;
    }
    Ok(sentences as f64 / started.elapsed().as_secs_f64())
}
