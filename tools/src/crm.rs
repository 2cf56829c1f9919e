//! The CRM tools: `search_crm` and `get_pipeline_summary`, over HubSpot or GoHighLevel.
//!
//! Each tool resolves the tenant's CRM client ([`CrmSource`]), puts the question in
//! that CRM's terms (`hubspot.rs`), and works on the neutral [`crate::model`] records.

/// The date-range argument, shared with the e-mail tool.
pub(crate) mod args;
mod gohighlevel;
mod hubspot;
pub mod pipeline_metrics;
mod pipeline_tool;
pub mod query;
mod search_tool;
mod source;

pub use pipeline_tool::PipelineSummaryTool;
pub use search_tool::SearchCrmTool;
pub use source::{CrmSource, KNOWN_CRMS};
