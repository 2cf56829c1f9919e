//! What a turn has shown so far, the same for every chat surface: the text streamed,
//! the tools called and how they ended, the charts drawn and the hand-off notices.
//! Slack and Discord each stream it their own way (`slack::stream`, `discord::stream`).

use omnify_core::OutboundEvent;
use serde_json::Value;

/// Shown until the turn has text: what the user sees while tools run.
pub const PLACEHOLDER: &str = "Looking into it…";

/// A tool the turn called, for the context line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolUse {
    pub id: String,
    pub name: String,
    pub arguments: Value,
    pub ok: Option<bool>,
    pub summary: String,
}

/// A stored tool call, as the context line shows it.
impl From<&omnify_core::ToolCallRecord> for ToolUse {
    fn from(r: &omnify_core::ToolCallRecord) -> Self {
        Self {
            id: r.call_id.clone(),
            name: r.name.clone(),
            arguments: serde_json::from_str(&r.arguments).unwrap_or(Value::Null),
            ok: Some(r.ok),
            summary: r.result_summary.clone(),
        }
    }
}

impl ToolUse {
    /// Where the data came from, as far as the call says: platforms and dates.
    pub fn provenance(&self) -> String {
        let mut parts = Vec::new();
        let platforms: Vec<String> =
            match (&self.arguments["platforms"], &self.arguments["platform"]) {
                (Value::Array(list), _) => list
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect(),
                (_, Value::String(p)) => vec![p.clone()],
                _ => Vec::new(),
            };
        if !platforms.is_empty() {
            parts.push(platforms.join(", "));
        }
        let range =
            |a: &str, b: &str| match (self.arguments[a].as_str(), self.arguments[b].as_str()) {
                (Some(s), Some(e)) => Some(format!("{s} → {e}")),
                _ => None,
            };
        if let Some(r) = range("start_date", "end_date").or_else(|| range("since", "until")) {
            parts.push(r);
        } else if let Some(p) = self.arguments["date_range"]
            .as_str()
            .or(self.arguments["period"].as_str())
        {
            parts.push(p.to_string());
        }
        parts.join(" · ")
    }
}

/// A chart the turn drew: its stored id and title, to share once the answer is posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartRef {
    pub id: String,
    pub title: String,
}

/// The turn's events folded into what a surface shows.
#[derive(Debug, Default)]
pub struct TurnSoFar {
    pub text: String,
    pub tools: Vec<ToolUse>,
    pub charts: Vec<ChartRef>,
    /// Hand-off notices published during the turn.
    pub handoffs: Vec<String>,
}

impl TurnSoFar {
    pub fn apply(&mut self, event: OutboundEvent) {
        match event {
            OutboundEvent::Delta { text } => self.text.push_str(&text),
            OutboundEvent::ToolCall {
                id,
                name,
                arguments,
            } => self.tools.push(ToolUse {
                id,
                name,
                arguments,
                ok: None,
                summary: String::new(),
            }),
            OutboundEvent::ToolResult {
                id, ok, summary, ..
            } => {
                if let Some(t) = self.tools.iter_mut().find(|t| t.id == id) {
                    t.ok = Some(ok);
                    t.summary = summary;
                }
            }
            OutboundEvent::Chart { id, title, .. } => self.charts.push(ChartRef { id, title }),
            OutboundEvent::Handoff { message, .. } => self.handoffs.push(message),
            OutboundEvent::Done { .. }
            | OutboundEvent::Error { .. }
            | OutboundEvent::ExpertMessage { .. } => {}
        }
    }

    /// The in-progress text while the turn runs, cut by the surface's `preview`.
    pub fn progress(&self, preview: impl Fn(&str) -> String) -> String {
        if !self.text.trim().is_empty() {
            return preview(&format!("{} …", self.text.trim_end()));
        }
        match self.tools.iter().rev().find(|t| t.ok.is_none()) {
            Some(t) => format!("{PLACEHOLDER} (running `{}`)", t.name),
            None => PLACEHOLDER.to_string(),
        }
    }
}
