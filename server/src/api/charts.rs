//! `GET /api/v1/charts/{id}.svg` and `.png`: a chart a tool drew, drawn from its
//! stored spec.
//!
//! Authorised like the conversation it belongs to: the tenant's API key, or the web
//! visitor's token (`?visitor_token=`, since an `<img>` cannot send headers) for the
//! visitor's own conversations. Anything else is a 404, so ids of other tenants'
//! charts cannot be probed. A chart never changes once drawn, so responses may be
//! cached for good, but only by the browser that was allowed to see it.

use super::auth::ChatCaller;
use super::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use omnify_analytics::chart::{PNG_SIZE, render_png, render_svg};
use omnify_core::{ChartFormat, ConversationStore, StoredChart, chart_path};
use serde::Serialize;

/// A chart as conversation histories list it.
#[derive(Debug, Clone, Serialize)]
pub struct ChartLink {
    pub id: String,
    /// The reply it is shown under.
    pub message_id: String,
    pub tool_call_id: String,
    pub title: String,
    pub svg_url: String,
    pub png_url: String,
}

impl From<&StoredChart> for ChartLink {
    fn from(c: &StoredChart) -> Self {
        Self {
            id: c.id.clone(),
            message_id: c.message_id.clone(),
            tool_call_id: c.call_id.clone(),
            title: c.chart.title.clone(),
            svg_url: chart_path(&c.id, ChartFormat::Svg),
            png_url: chart_path(&c.id, ChartFormat::Png),
        }
    }
}

/// `{id}.svg` or `{id}.png`.
fn parse_file(file: &str) -> Option<(&str, ChartFormat)> {
    let (id, extension) = file.rsplit_once('.')?;
    let format = match extension {
        "svg" => ChartFormat::Svg,
        "png" => ChartFormat::Png,
        _ => return None,
    };
    let plausible = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    plausible.then_some((id, format))
}

pub async fn get_chart(
    State(state): State<AppState>,
    caller: ChatCaller,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("chart {file}"));
    let (id, format) = parse_file(&file).ok_or_else(not_found)?;
    let stored = state
        .store
        .chart(&caller.api.tenant_id, id)
        .await?
        .filter(|c| caller.may_open(&c.conversation_id))
        .ok_or_else(not_found)?;
    // Drawing a PNG takes tens of milliseconds of CPU: keep it off the async workers.
    let drawn = tokio::task::spawn_blocking(move || match format {
        ChartFormat::Svg => render_svg(&stored.chart).map(String::into_bytes),
        ChartFormat::Png => render_png(&stored.chart, PNG_SIZE.0, PNG_SIZE.1),
    })
    .await
    .map_err(|e| ApiError::Internal(format!("chart drawing stopped: {e}")))?
    .map_err(|e| ApiError::Internal(e.to_string()))?;

    let mut response = drawn.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // An SVG opened on its own is a document of this origin: it may run nothing.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    // The widget shows charts on customers' sites.
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    Ok(response)
}

/// The charts of a conversation, for history views.
pub async fn links(state: &AppState, conversation_id: &str) -> Result<Vec<ChartLink>, ApiError> {
    Ok(state
        .store
        .charts(conversation_id)
        .await?
        .iter()
        .map(ChartLink::from)
        .collect())
}

/// A stored chart of the tenant drawn as a PNG, for the chat surfaces that upload
/// images (Slack, Discord). `None` when it cannot be read or drawn: that is logged,
/// and the surface skips the chart — its answer is already posted.
pub async fn png_for_upload(state: &AppState, tenant_id: &str, chart_id: &str) -> Option<Vec<u8>> {
    let stored = match state.store.chart(tenant_id, chart_id).await {
        Ok(Some(stored)) => stored,
        Ok(None) => {
            tracing::warn!(chart = %chart_id, "the turn's chart is not stored; not sharing it");
            return None;
        }
        Err(e) => {
            tracing::warn!(error = %e, chart = %chart_id, "cannot read the chart");
            return None;
        }
    };
    // Drawing takes tens of milliseconds of CPU: keep it off the async workers.
    let drawn =
        tokio::task::spawn_blocking(move || render_png(&stored.chart, PNG_SIZE.0, PNG_SIZE.1))
            .await;
    match drawn {
        Ok(Ok(png)) => Some(png),
        Ok(Err(e)) => {
            tracing::error!(error = %e, chart = %chart_id, "cannot draw the chart");
            None
        }
        Err(e) => {
            tracing::error!(error = %e, chart = %chart_id, "chart drawing stopped");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_files_name_an_id_and_a_format() {
        assert_eq!(parse_file("9f3c.svg"), Some(("9f3c", ChartFormat::Svg)));
        assert_eq!(parse_file("9f3c.png"), Some(("9f3c", ChartFormat::Png)));
        assert_eq!(parse_file("9f3c.gif"), None);
        assert_eq!(parse_file("9f3c"), None);
        assert_eq!(parse_file(".svg"), None);
        assert_eq!(parse_file("a%2Fb.svg"), None);
    }
}
