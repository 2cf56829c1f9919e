//! Klaviyo's JSON:API documents as sent. Report values are JSON numbers.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A list page: `{"data":[…],"links":{"next":…}}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ListPage {
    #[serde(default)]
    pub data: Vec<Resource>,
    #[serde(default)]
    pub links: Option<Links>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Links {
    #[serde(default)]
    pub next: Option<String>,
}

/// `{"type","id","attributes":{…}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Resource {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, Value>,
}

impl Resource {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(Value::as_str)
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct SingleDocument {
    pub data: Resource,
}

/// A values report: `{"data":{"attributes":{"results":[{"groupings","statistics"}]}}}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ReportDocument {
    pub data: ReportData,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReportData {
    pub attributes: ReportAttributes,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReportAttributes {
    #[serde(default)]
    pub results: Vec<ReportRow>,
}

/// One group of a values report, e.g. one campaign message on one channel.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReportRow {
    #[serde(default)]
    pub groupings: BTreeMap<String, String>,
    #[serde(default)]
    pub statistics: BTreeMap<String, serde_json::Number>,
}
