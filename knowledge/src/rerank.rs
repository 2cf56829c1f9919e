//! The optional step after fusion. Today only the no-op: a cross-encoder would
//! need a second model on the machine, and the seed corpus does not yet show a
//! ranking problem fusion leaves behind. The trait is the place to add one.

use crate::base::Citation;

pub trait Reranker: Send + Sync {
    /// Reorders (and may drop) candidates for `query`; called with up to the
    /// fusion's candidate count, before the result is cut to the caller's limit.
    fn rerank(&self, query: &str, candidates: Vec<Citation>) -> Vec<Citation>;
}

/// Keeps the fused order.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeepFusedOrder;

impl Reranker for KeepFusedOrder {
    fn rerank(&self, _query: &str, candidates: Vec<Citation>) -> Vec<Citation> {
        candidates
    }
}
