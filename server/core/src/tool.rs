//! The seam between the turn loop and everything the model can call.

use crate::model::ToolSpec;
use async_trait::async_trait;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// Whether a tool only reads, or changes something on a platform. Write tools never
/// run directly: they go through approvals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolEffect {
    Read,
    Write,
}

/// An inclusive range of calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    pub since: NaiveDate,
    pub until: NaiveDate,
}

impl DateRange {
    pub fn days(&self) -> i64 {
        (self.until - self.since).num_days() + 1
    }

    /// The range of the same length that ends the day before this one starts.
    pub fn previous_period(&self) -> DateRange {
        let len = chrono::Duration::days(self.days());
        DateRange {
            since: self.since - len,
            until: self.since - chrono::Duration::days(1),
        }
    }
}

impl std::fmt::Display for DateRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} to {}", self.since, self.until)
    }
}

/// Where a number came from, so an answer can cite it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub platform: String,
    pub account: String,
    pub date_range: Option<DateRange>,
    /// The request made, in the platform's own terms (path and parameters).
    pub query: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChartKind {
    /// One line per series over the x labels (days, weeks).
    #[default]
    Line,
    /// Grouped bars: one group per x label, one bar per series (e.g. budget before/after).
    Bar,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChartSeries {
    pub name: String,
    /// One value per x label, in order; a shorter series simply ends early.
    pub values: Vec<f64>,
}

/// Something worth pointing at on a chart.
///
/// With a `y` it is a point (drawn as a red dot, e.g. "anomaly"); without one it is a
/// moment (drawn as a dashed vertical line, e.g. "predicted fatigue 2026-12-03").
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChartMarker {
    /// Position on the x axis as an index into `x_labels`. It may lie past the last
    /// label, for a prediction beyond the data; the axis is extended to show it.
    pub x: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<f64>,
    pub label: String,
}

/// An expected range, drawn as a shaded band between `lower` and `upper`
/// (one value of each per x label).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChartBand {
    pub name: String,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

/// A chart described as data; channels render it (PNG for Slack/Discord, SVG for web).
///
/// Build one with the fields you need and `..Default::default()` for the rest.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Chart {
    pub title: String,
    #[serde(default)]
    pub kind: ChartKind,
    pub x_labels: Vec<String>,
    pub series: Vec<ChartSeries>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub markers: Vec<ChartMarker>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<ChartBand>,
    /// What the values are, e.g. "Spend (USD)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y_label: Option<String>,
    /// What the x labels are, e.g. "Day".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_label: Option<String>,
}

/// What a tool returns: data for the model, a one-paragraph summary a person can read,
/// where the data came from, and optionally a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolOutput {
    pub data: serde_json::Value,
    pub summary: String,
    #[serde(default)]
    pub provenance: Vec<Provenance>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<Chart>,
}

impl ToolOutput {
    /// The text the model sees as the tool result.
    pub fn to_model_text(&self) -> String {
        serde_json::json!({
            "summary": self.summary,
            "data": self.data,
            "provenance": self.provenance,
        })
        .to_string()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
pub enum ToolError {
    /// The model sent arguments that do not fit the schema. Sent back to the model so
    /// it can correct itself.
    #[error("bad arguments: {0}")]
    BadArguments(String),
    /// The tenant has not connected the platform this tool needs.
    #[error("not connected: {0}")]
    NotConnected(String),
    /// The platform answered with an error the user should hear about, e.g.
    /// "Meta token expired: reconnect Meta Ads".
    #[error("{0}")]
    Upstream(String),
    #[error("timed out after {0} ms")]
    Timeout(u64),
    #[error("failed: {0}")]
    Failed(String),
}

/// Who is asking, for tenant scoping and permissions.
#[derive(Debug, Clone)]
pub struct ToolContext {
    pub tenant_id: String,
    pub conversation_id: String,
    pub user_id: Option<String>,
    /// "Today" for date arithmetic; injected so tests and the seeded brand agree.
    pub today: NaiveDate,
}

#[async_trait]
pub trait Tool: Send + Sync {
    fn spec(&self) -> ToolSpec;

    fn effect(&self) -> ToolEffect {
        ToolEffect::Read
    }

    async fn call(
        &self,
        ctx: &ToolContext,
        args: serde_json::Value,
    ) -> Result<ToolOutput, ToolError>;
}

/// Deserialize typed arguments, turning a mismatch into an error the model can act on.
pub fn parse_args<T: DeserializeOwned>(args: serde_json::Value) -> Result<T, ToolError> {
    serde_json::from_value(args).map_err(|e| ToolError::BadArguments(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previous_period_has_the_same_length_and_ends_the_day_before() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let r = DateRange {
            since: d("2026-11-16"),
            until: d("2026-11-22"),
        };
        let p = r.previous_period();
        assert_eq!(p.since, d("2026-11-09"));
        assert_eq!(p.until, d("2026-11-15"));
        assert_eq!(p.days(), 7);
    }

    #[test]
    fn a_chart_without_the_newer_fields_still_reads() {
        let chart: Chart = serde_json::from_value(serde_json::json!({
            "title": "Spend", "kind": "line", "x_labels": ["2026-11-16"],
            "series": [{"name": "Spend", "values": [10.0]}]
        }))
        .unwrap();
        assert!(chart.markers.is_empty() && chart.bands.is_empty() && chart.y_label.is_none());
        let marked = Chart {
            markers: vec![ChartMarker {
                x: 3,
                y: None,
                label: "predicted fatigue 2026-12-03".into(),
            }],
            ..chart.clone()
        };
        let json = serde_json::to_value(&marked).unwrap();
        assert_eq!(json["markers"][0]["x"], 3);
        assert!(json["markers"][0].get("y").is_none());
        assert_eq!(serde_json::from_value::<Chart>(json).unwrap(), marked);
    }

    #[test]
    fn parse_args_reports_the_missing_field() {
        #[derive(Deserialize, Debug)]
        struct A {
            #[allow(dead_code)]
            platform: String,
        }
        let err = parse_args::<A>(serde_json::json!({})).unwrap_err();
        assert!(matches!(err, ToolError::BadArguments(m) if m.contains("platform")));
    }
}
