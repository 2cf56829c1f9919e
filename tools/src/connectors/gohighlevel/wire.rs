//! GoHighLevel API v2 JSON as sent.

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireContact {
    pub id: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub first_name_lower_case: Option<String>,
    #[serde(default)]
    pub last_name_lower_case: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub company_name: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub assigned_to: Option<String>,
    pub date_added: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ContactPage {
    #[serde(default)]
    pub contacts: Vec<WireContact>,
    #[serde(default)]
    pub total: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireOpportunity {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// A JSON number (e.g. 500 or 1250.5).
    #[serde(default)]
    pub monetary_value: Option<serde_json::Number>,
    pub pipeline_id: String,
    pub pipeline_stage_id: String,
    pub status: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub assigned_to: Option<String>,
    #[serde(default)]
    pub contact_id: Option<String>,
    #[serde(default)]
    pub last_status_change_at: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub contact: Option<WireOpportunityContact>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireOpportunityContact {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct OpportunityPage {
    #[serde(default)]
    pub opportunities: Vec<WireOpportunity>,
    #[serde(default)]
    pub meta: Option<OpportunityMeta>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpportunityMeta {
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub start_after_id: Option<String>,
    /// Milliseconds since the epoch; sent as a number.
    #[serde(default)]
    pub start_after: Option<Value>,
    #[serde(default)]
    pub next_page: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PipelineList {
    #[serde(default)]
    pub pipelines: Vec<WirePipeline>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WirePipeline {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub stages: Vec<WireStage>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireStage {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub position: i64,
}
