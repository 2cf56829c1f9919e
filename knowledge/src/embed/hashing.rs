//! A feature-hashing embedder: no model, no weights, fully deterministic.
//!
//! What it is, honestly: a bag of word unigrams and adjacent-word bigrams (tokenised
//! and stemmed like the BM25 side), each hashed to one of 384 signed buckets and the
//! counts L2-normalised. Cosine between two such vectors measures *shared words*,
//! not meaning: "raise campaign spend" and "increase ad budget" score about 0. It
//! exists so tests run without a model, and as a fallback when no embedding model
//! is installed — then "vector" search is a second lexical ranker and hybrid search
//! is roughly BM25 fused with a word-overlap ranking. Install MiniLM for semantics.

use crate::lexical::tokenize;
use async_trait::async_trait;
use omnify_core::{Embedder, KnowledgeError};

pub const DIMENSIONS: usize = 384;
/// Recorded with the vectors: a change of scheme means re-embedding.
pub const MODEL_ID: &str = "hashing-unigram-bigram-384-v1";

#[derive(Debug, Default, Clone, Copy)]
pub struct HashingEmbedder;

impl HashingEmbedder {
    pub fn new() -> Self {
        Self
    }

    /// The vector for one text (all zeros for a text with no words).
    pub fn embed_one(text: &str) -> Vec<f32> {
        let mut v = vec![0f32; DIMENSIONS];
        let terms = tokenize(text);
        for term in &terms {
            add(&mut v, term.as_bytes(), 1.0);
        }
        for pair in terms.windows(2) {
            let bigram = format!("{} {}", pair[0], pair[1]);
            // Bigrams weigh less than words: they sharpen, words carry.
            add(&mut v, bigram.as_bytes(), 0.5);
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            for x in &mut v {
                *x /= norm;
            }
        }
        v
    }
}

/// Adds `weight` to the feature's bucket with the feature's sign (a second hash bit),
/// so collisions cancel on average instead of piling up.
fn add(v: &mut [f32], feature: &[u8], weight: f32) {
    let h = fnv1a(feature);
    let bucket = (h % DIMENSIONS as u64) as usize;
    let sign = if (h >> 63) & 1 == 1 { -1.0 } else { 1.0 };
    v[bucket] += sign * weight;
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[async_trait]
impl Embedder for HashingEmbedder {
    fn model_id(&self) -> &str {
        MODEL_ID
    }

    fn dimensions(&self) -> usize {
        DIMENSIONS
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, KnowledgeError> {
        Ok(texts.iter().map(|t| Self::embed_one(t)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn shared_words_score_high_and_synonyms_do_not() {
        let a = HashingEmbedder::embed_one("refresh TikTok creatives every week");
        let b = HashingEmbedder::embed_one("how often to refresh TikTok creatives");
        let c = HashingEmbedder::embed_one("quarterly revenue forecast");
        assert!(cosine(&a, &b) > 0.4, "{}", cosine(&a, &b));
        assert!(cosine(&a, &c).abs() < 0.2, "{}", cosine(&a, &c));
        let norm: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
    }
}
