//! Omnify's knowledge base: documents the team trusts, split into cited chunks,
//! embedded, and searched by meaning and by words.
//!
//! - `document/` — loaders: Markdown, plain text, HTML, PDF → title + sections
//! - `chunk` — heading-aware chunking sized in o200k tokens
//! - `registry` — per-tenant document fingerprints and chunks, on disk
//! - `lexical` — BM25 (k1 1.2, b 0.75) per tenant, in memory
//! - `embed/` — embedders: MiniLM (local), OpenAI-compatible, hashing (no model)
//! - `index/` — vector indexes: embedded (default, exact), Qdrant; the contract suite
//! - `fusion` — reciprocal rank fusion; `rerank` — the step after it
//! - `base` — `KnowledgeBase`, the facade the server holds
//! - `tool` — the `search_knowledge` tool
//! - `links` — signed links to the documents citations name, with section anchors
//! - `quality` — recall/hit/MRR against labelled questions
//! - `bench` — the embedded index benchmark (examples/index_bench.rs, `omnify-bench`)

pub mod base;
pub mod bench;
pub mod chunk;
pub mod document;
mod durable;
pub mod embed;
pub mod fusion;
pub mod index;
pub mod lexical;
pub mod links;
pub mod quality;
pub mod registry;
pub mod rerank;
pub mod tool;

pub use base::{
    Citation, DocumentOutcome, DocumentPage, DocumentSummary, IngestProgress, IngestReport,
    KnowledgeBase, SearchMode, SkippedFile,
};
pub use chunk::ChunkingSettings;
pub use embed::hashing::HashingEmbedder;
pub use index::EmbeddedIndex;
pub use tool::SearchKnowledgeTool;
