//! Charts of a Slack answer, shared in its thread as PNG files once the answer is
//! posted (the chart frames of the turn name them; the store has their specs).

use super::SlackApp;
use super::adapter::stream::{self, ChartNotice};
use super::adapter::{SlackApi, Thread};
use omnify_analytics::chart::{PNG_SIZE, render_png};
use omnify_core::ConversationStore;

/// Upload each chart into the thread, in the order the tools drew them. A chart that
/// cannot be read, drawn or uploaded is logged and skipped: the answer is already there.
pub async fn share(
    app: &SlackApp,
    api: &SlackApi,
    thread: &Thread,
    tenant_id: &str,
    charts: &[ChartNotice],
) {
    for notice in charts {
        let stored = match app.state.store.chart(tenant_id, &notice.id).await {
            Ok(Some(stored)) => stored,
            Ok(None) => {
                tracing::warn!(chart = %notice.id, "the turn's chart is not stored; not sharing it");
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, chart = %notice.id, "cannot read the chart");
                continue;
            }
        };
        let drawn =
            tokio::task::spawn_blocking(move || render_png(&stored.chart, PNG_SIZE.0, PNG_SIZE.1))
                .await;
        let png = match drawn {
            Ok(Ok(png)) => png,
            Ok(Err(e)) => {
                tracing::error!(error = %e, chart = %notice.id, "cannot draw the chart");
                continue;
            }
            Err(e) => {
                tracing::error!(error = %e, chart = %notice.id, "chart drawing stopped");
                continue;
            }
        };
        if let Err(e) = stream::share_chart(api, thread, &notice.title, png).await {
            tracing::error!(error = %e, chart = %notice.id, thread = %thread.key(),
                "cannot upload the chart to Slack (does the app have the files:write scope?)");
        }
    }
}
