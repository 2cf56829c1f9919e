//! Reciprocal rank fusion: combine rankings by rank alone, so BM25 scores and
//! cosine similarities never have to be put on one scale.

use std::collections::HashMap;

/// The constant from Cormack et al. (2009): damps the weight of the very top ranks.
pub const RRF_K: f32 = 60.0;

/// Fuses rankings of ids (best first) into one, best first, each id with
/// `Σ 1 / (k + rank)` over the lists it appears in (rank from 1). Ties keep the
/// order of first appearance.
pub fn reciprocal_rank_fusion(rankings: &[Vec<String>], k: f32) -> Vec<(String, f32)> {
    let mut scores: HashMap<&str, (f32, usize)> = HashMap::new();
    let mut order = 0usize;
    for ranking in rankings {
        for (rank, id) in ranking.iter().enumerate() {
            let entry = scores.entry(id.as_str()).or_insert_with(|| {
                order += 1;
                (0.0, order)
            });
            entry.0 += 1.0 / (k + rank as f32 + 1.0);
        }
    }
    let mut fused: Vec<(&str, (f32, usize))> = scores.into_iter().collect();
    fused.sort_by(|a, b| b.1.0.total_cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
    fused
        .into_iter()
        .map(|(id, (score, _))| (id.to_owned(), score))
        .collect()
}
