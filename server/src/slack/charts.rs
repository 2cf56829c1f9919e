//! Charts of a Slack answer, shared in its thread as PNG files once the answer is
//! posted (the chart frames of the turn name them; the store has their specs).

use super::SlackApp;
use super::adapter::stream;
use super::adapter::{SlackApi, Thread};
use crate::api::charts::png_for_upload;
use omnify_adapters::turn::ChartRef;

/// Upload each chart into the thread, in the order the tools drew them. A chart that
/// cannot be read, drawn or uploaded is logged and skipped: the answer is already there.
pub async fn share(
    app: &SlackApp,
    api: &SlackApi,
    thread: &Thread,
    tenant_id: &str,
    charts: &[ChartRef],
) {
    for notice in charts {
        let Some(png) = png_for_upload(&app.state, tenant_id, &notice.id).await else {
            continue;
        };
        if let Err(e) = stream::share_chart(api, thread, &notice.title, png).await {
            tracing::error!(error = %e, chart = %notice.id, thread = %thread.key(),
                "cannot upload the chart to Slack (does the app have the files:write scope?)");
        }
    }
}
