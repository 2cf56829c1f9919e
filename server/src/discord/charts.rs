//! Charts of a Discord answer, attached as PNG files once the answer is posted (the
//! turn's chart events name them; the store has their specs).

use super::DiscordApp;
use super::adapter::Target;
use super::adapter::render::{Attachment, Message};
use super::adapter::stream::{self, ChartRef};
use omnify_analytics::chart::{PNG_SIZE, render_png};
use omnify_core::ConversationStore;

/// Post each chart as a message with its PNG, in the order the tools drew them. A chart
/// that cannot be read, drawn or uploaded is logged and skipped: the answer is there.
pub async fn share(app: &DiscordApp, target: &Target, tenant_id: &str, charts: &[ChartRef]) {
    for chart in charts {
        let stored = match app.state.store.chart(tenant_id, &chart.id).await {
            Ok(Some(stored)) => stored,
            Ok(None) => {
                tracing::warn!(chart = %chart.id, "the turn's chart is not stored; not sharing it");
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, chart = %chart.id, "cannot read the chart");
                continue;
            }
        };
        // Drawing takes tens of milliseconds of CPU: keep it off the async workers.
        let drawn =
            tokio::task::spawn_blocking(move || render_png(&stored.chart, PNG_SIZE.0, PNG_SIZE.1))
                .await;
        let png = match drawn {
            Ok(Ok(png)) => png,
            Ok(Err(e)) => {
                tracing::error!(error = %e, chart = %chart.id, "cannot draw the chart");
                continue;
            }
            Err(e) => {
                tracing::error!(error = %e, chart = %chart.id, "chart drawing stopped");
                continue;
            }
        };
        let message = Message {
            content: format!("📈 {}", chart.title),
            attachment: Some(Attachment {
                filename: format!("chart-{}.png", chart.id),
                description: chart.title.chars().take(1000).collect(),
                bytes: png,
            }),
            ..Default::default()
        };
        if let Err(e) = stream::post(&app.api, target, &message).await {
            tracing::error!(error = %e, chart = %chart.id, "cannot upload the chart to Discord");
        }
    }
}
