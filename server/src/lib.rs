//! The Omnify server: configuration, command line, the HTTP and WebSocket API, and the
//! start-up code that wires concrete models, stores and tools into one [`state::AppState`].

pub mod analyze;
pub mod api;
pub mod ask;
pub mod cache;
pub mod chat;
pub mod cli;
pub mod config;
pub mod connections;
pub mod discord;
pub mod escalations;
pub mod fixed_tool;
pub mod html;
pub mod hub;
pub mod ingest;
pub mod knowledge;
pub mod slack;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod widget;

/// rustls needs one process-wide crypto provider; several crates bring their own, so
/// we choose explicitly before anything opens a TLS connection.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
