//! The local embedder against the real all-MiniLM-L6-v2 weights.
//!
//! Needs `OMNIFY_TEST_EMBEDDING_MODEL_DIR` (a model folder, e.g. the
//! `models/all-MiniLM-L6-v2` that `scripts/install-embedding-model.sh DATA_DIR`
//! creates); each test prints a notice and passes without checking when it is unset.

#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use omnify_core::Embedder;
use omnify_knowledge::embed::minilm::{DEFAULT_MODEL_NAME, MiniLmEmbedder};
use omnify_knowledge::embed::{EmbedderSettings, build};

fn model_dir() -> Option<PathBuf> {
    match std::env::var_os("OMNIFY_TEST_EMBEDDING_MODEL_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            eprintln!(
                "skipped: set OMNIFY_TEST_EMBEDDING_MODEL_DIR to a model folder \
                 (scripts/install-embedding-model.sh DATA_DIR installs one) to run this test"
            );
            None
        }
    }
}

/// Loaded once for the whole file: loading costs about a second in debug builds.
fn embedder() -> Option<Arc<MiniLmEmbedder>> {
    static MODEL: OnceLock<Arc<MiniLmEmbedder>> = OnceLock::new();
    let dir = model_dir()?;
    Some(Arc::clone(MODEL.get_or_init(|| {
        Arc::new(MiniLmEmbedder::load(&dir, DEFAULT_MODEL_NAME, 32).unwrap())
    })))
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn texts(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn similar_marketing_phrases_are_close_and_unrelated_ones_are_not() {
    let Some(model) = embedder() else { return };
    let v = model
        .embed(&texts(&[
            "increase ad budget",
            "raise campaign spend",
            "the cat sat",
        ]))
        .await
        .unwrap();
    let related = cosine(&v[0], &v[1]);
    let unrelated = cosine(&v[0], &v[2]);
    // Reference values from sentence-transformers with the same weights.
    assert!((related - 0.50).abs() < 0.03, "related: {related}");
    assert!((unrelated + 0.11).abs() < 0.03, "unrelated: {unrelated}");
}

#[tokio::test]
async fn vectors_are_unit_length_with_the_models_dimension() {
    let Some(model) = embedder() else { return };
    assert_eq!(model.dimensions(), 384);
    assert_eq!(model.model_id(), "all-MiniLM-L6-v2+mean+max256");
    let v = model
        .embed(&texts(&["ROAS by channel last week", ""]))
        .await
        .unwrap();
    for vector in &v {
        assert_eq!(vector.len(), 384);
        let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    assert!(model.embed(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn batching_and_padding_do_not_change_a_texts_vector() {
    let Some(model) = embedder() else { return };
    // 40 texts of very different lengths: two batches, lots of padding in each.
    let inputs: Vec<String> = (0..40)
        .map(|i| {
            let words = "creative fatigue shows up as rising frequency and falling click-through";
            words
                .split(' ')
                .cycle()
                .take(1 + (i * 7) % 37)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let together = model.embed(&inputs).await.unwrap();
    assert_eq!(together.len(), inputs.len());
    for (text, batched) in inputs.iter().zip(&together) {
        let alone = model.embed(std::slice::from_ref(text)).await.unwrap();
        let drift = alone[0]
            .iter()
            .zip(batched)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(drift < 1e-4, "{text:?} drifted by {drift} in a batch");
    }
}

#[tokio::test]
async fn long_texts_are_cut_at_the_models_limit_not_refused() {
    let Some(model) = embedder() else { return };
    let head = "Refresh TikTok creatives weekly when frequency passes three. ";
    let long = format!("{head}{}", "Budget pacing notes. ".repeat(300));
    let longer = format!(
        "{long}{}",
        "Completely different tail about cats. ".repeat(100)
    );
    let v = model.embed(&[long, longer]).await.unwrap();
    // Both are cut after 256 tokens, long before their tails differ.
    assert!(cosine(&v[0], &v[1]) > 0.999);
}

#[tokio::test]
async fn the_server_settings_build_the_local_model() {
    let Some(dir) = model_dir() else { return };
    let settings = EmbedderSettings {
        model_dir: Some(dir),
        ..EmbedderSettings::default()
    };
    let embedder = build(&settings, std::path::Path::new("/nonexistent"))
        .await
        .unwrap();
    assert_eq!(embedder.dimensions(), 384);
    assert!(embedder.model_id().starts_with(DEFAULT_MODEL_NAME));
}
