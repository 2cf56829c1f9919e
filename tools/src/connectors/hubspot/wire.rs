//! HubSpot's CRM v3 JSON as sent. Every property value is a string (or null).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The CRM objects Omnify searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CrmObject {
    Contacts,
    Companies,
    Deals,
}

impl CrmObject {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contacts => "contacts",
            Self::Companies => "companies",
            Self::Deals => "deals",
        }
    }
}

/// One filter of a search, e.g. `dealstage EQ closedwon`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    pub property_name: String,
    pub operator: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

impl Filter {
    pub fn eq(property: &str, value: impl Into<String>) -> Self {
        Self::op(property, "EQ", value)
    }

    pub fn op(property: &str, operator: &str, value: impl Into<String>) -> Self {
        Self {
            property_name: property.to_owned(),
            operator: operator.to_owned(),
            value: Some(value.into()),
            high_value: None,
            values: None,
        }
    }

    pub fn between(property: &str, low: impl Into<String>, high: impl Into<String>) -> Self {
        Self {
            high_value: Some(high.into()),
            ..Self::op(property, "BETWEEN", low)
        }
    }

    pub fn one_of(property: &str, values: Vec<String>) -> Self {
        Self {
            property_name: property.to_owned(),
            operator: "IN".to_owned(),
            value: None,
            high_value: None,
            values: Some(values),
        }
    }
}

/// Filters in one group are ANDed; groups are ORed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FilterGroup {
    pub filters: Vec<Filter>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sort {
    pub property_name: String,
    /// ASCENDING or DESCENDING.
    pub direction: String,
}

/// A search, before paging.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    pub filter_groups: Vec<FilterGroup>,
    /// HubSpot's free-text `query` over the object's default searchable properties.
    pub query: Option<String>,
    pub properties: Vec<String>,
    pub sorts: Vec<Sort>,
    /// Stop after this many records (HubSpot's own cap is 10,000).
    pub max_results: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchBody<'a> {
    pub filter_groups: &'a [FilterGroup],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<&'a str>,
    pub properties: &'a [String],
    pub sorts: &'a [Sort],
    pub limit: u32,
    pub after: String,
}

/// A CRM record with its properties as HubSpot sent them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmRecord {
    pub id: String,
    #[serde(default)]
    pub properties: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub archived: bool,
}

impl CrmRecord {
    /// A property's value; empty strings count as absent, as in HubSpot's UI.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.properties
            .get(name)
            .and_then(|v| v.as_deref())
            .filter(|v| !v.is_empty())
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct SearchPage {
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub results: Vec<CrmRecord>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Paging {
    pub next: Option<NextPage>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct NextPage {
    pub after: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PipelineList {
    pub results: Vec<WirePipeline>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WirePipeline {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub stages: Vec<WireStage>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireStage {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub display_order: i64,
    #[serde(default)]
    pub metadata: BTreeMap<String, serde_json::Value>,
}

impl WireStage {
    /// `metadata.isClosed` and `metadata.probability` are strings ("true", "1.0").
    pub fn meta(&self, key: &str) -> Option<String> {
        match self.metadata.get(key)? {
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }
}
