//! Logs: human-readable text or JSON lines, with a tracing filter.

use crate::config::LogFormat;
use tracing_subscriber::EnvFilter;

/// `RUST_LOG` wins over the configured filter, as operators expect.
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
