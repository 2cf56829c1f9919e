//! What a CRM tool asks for, before it is put in any one CRM's terms.

use crate::model::{Company, Contact, Deal, DealStatus, Pipeline};
use omnify_core::DateRange;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CrmObjectKind {
    Contacts,
    Companies,
    #[default]
    Deals,
}

impl CrmObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contacts => "contacts",
            Self::Companies => "companies",
            Self::Deals => "deals",
        }
    }
}

/// Which date a date range filters on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateField {
    #[default]
    Created,
    Closed,
}

#[derive(Debug, Clone, Default)]
pub struct CrmQuery {
    pub object: CrmObjectKind,
    /// Free text: a name, an email, a company.
    pub text: Option<String>,
    /// A stage id, already resolved from whatever label the user gave.
    pub stage_id: Option<String>,
    /// Deals only.
    pub status: Option<DealStatus>,
    pub owner_id: Option<String>,
    pub range: Option<DateRange>,
    pub date_field: DateField,
    pub pipeline_id: Option<String>,
    /// Records to fetch at most (the total count comes from the CRM).
    pub max_results: usize,
}

/// A search's answer in the neutral model.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Matches the CRM counted, which may exceed the records fetched.
    pub total: u64,
    pub contacts: Vec<Contact>,
    pub companies: Vec<Company>,
    pub deals: Vec<Deal>,
    /// The request in the CRM's terms, for provenance.
    pub query: String,
}

/// Stage ids of `pipelines` (or of the one with `pipeline_id`) with this outcome.
pub fn stage_ids_with(
    pipelines: &[Pipeline],
    pipeline_id: Option<&str>,
    outcome: DealStatus,
) -> Vec<String> {
    pipelines
        .iter()
        .filter(|p| pipeline_id.is_none_or(|id| p.id == id))
        .flat_map(|p| &p.stages)
        .filter(|s| s.outcome == outcome)
        .map(|s| s.id.clone())
        .collect()
}
