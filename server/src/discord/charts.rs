//! Charts of a Discord answer, attached as PNG files once the answer is posted (the
//! turn's chart events name them; the store has their specs).

use super::DiscordApp;
use super::adapter::Target;
use super::adapter::render::{Attachment, Message};
use super::adapter::stream;
use crate::api::charts::png_for_upload;
use omnify_adapters::turn::ChartRef;

/// Post each chart as a message with its PNG, in the order the tools drew them. A chart
/// that cannot be read, drawn or uploaded is logged and skipped: the answer is there.
pub async fn share(app: &DiscordApp, target: &Target, tenant_id: &str, charts: &[ChartRef]) {
    for chart in charts {
        let Some(png) = png_for_upload(&app.state, tenant_id, &chart.id).await else {
            continue;
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
