//! Vector index backends behind `omnify_core::VectorIndex`: the embedded default
//! (in-process, exact, persisted under the data dir) and Qdrant. Every backend
//! passes the same contract suite (`contract`, behind the `test-utils` feature).

#[cfg(feature = "test-utils")]
pub mod contract;
pub mod embedded;
pub mod qdrant;

pub use embedded::EmbeddedIndex;
