//! `get_youtube_channel_stats` end to end over the YouTube emulator: totals against
//! the brand, the previous period, top videos by name, the chart, provenance, and the
//! pointer to Google Ads for YouTube ad spend.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ads_common;
mod common;

use ads_common::*;
use common::*;
use omnify_core::{ChartKind, Tool, ToolError};
use omnify_tools::connectors::youtube::PLATFORM;
use omnify_tools::sandbox::brand::youtube::CHANNEL_ID;
use omnify_tools::sandbox::youtube::Fault;
use omnify_tools::youtube_stats::thousands;
use omnify_tools::{PlatformClients, SharedClients, YouTubeStatsTool};
use serde_json::{Value, json};
use std::sync::Arc;

fn tool_for(client: Option<omnify_tools::YouTubeClient>) -> YouTubeStatsTool {
    let mut clients = PlatformClients::new();
    if let Some(client) = client {
        clients.insert(PLATFORM, Arc::new(client));
    }
    YouTubeStatsTool::new(Arc::new(SharedClients(Arc::new(clients))))
}

fn args(since: &str, until: &str) -> Value {
    json!({"date_range": {"since": since, "until": until}})
}

#[tokio::test]
async fn a_week_of_the_channel_against_the_week_before() {
    let sandbox = sandbox().await;
    let brand = sandbox.youtube().brand().clone();
    let tool = tool_for(Some(youtube_client(&sandbox)));
    let week = range("2026-11-17", END);

    let out = tool.call(&ctx(), args("2026-11-17", END)).await.unwrap();

    let (views, minutes, likes, subs) = channel_totals(&brand.youtube, week);
    let (prev_views, ..) = channel_totals(&brand.youtube, week.previous_period());
    let d = &out.data;
    assert_eq!(d["totals"]["views"], json!(views));
    assert_eq!(d["totals"]["likes"], json!(likes));
    assert_eq!(d["totals"]["subscribers_gained"], json!(subs));
    let hours = (minutes as f64 / 60.0 * 10.0).round() / 10.0;
    assert_eq!(d["totals"]["watch_time_hours"], json!(hours));
    assert_eq!(d["previous_totals"]["views"], json!(prev_views));
    let change = ((views as f64 - prev_views as f64) / prev_views as f64 * 1000.0).round() / 10.0;
    assert_eq!(d["change_vs_previous_pct"]["views"], json!(change));
    assert_eq!(d["by_day"].as_array().unwrap().len(), 7);

    // Top five, most viewed first, by title.
    let top = d["top_videos"].as_array().unwrap();
    assert_eq!(top.len(), 5);
    assert!(
        top.windows(2)
            .all(|w| w[0]["views"].as_u64() >= w[1]["views"].as_u64())
    );
    let first_title = top[0]["title"].as_str().unwrap();
    assert!(brand.youtube.videos.iter().any(|v| v.title == first_title));

    assert!(
        out.summary.starts_with(&format!(
            "YouTube channel {CHANNEL_ID}, 2026-11-17 to 2026-11-23: {} views (",
            thousands(views)
        )),
        "{}",
        out.summary
    );
    assert!(out.summary.contains("vs the previous 7 days"));
    assert!(
        out.summary
            .contains(&format!("Top videos by views: \"{first_title}\""))
    );
    assert!(
        out.summary.ends_with(
            "YouTube ad spend is reported by Google Ads (video campaigns), so for spend use \
             get_marketing_performance with platform google_ads."
        ),
        "{}",
        out.summary
    );

    let chart = out.chart.unwrap();
    assert_eq!(chart.kind, ChartKind::Line);
    assert_eq!(chart.x_labels.len(), 7);
    assert_eq!(chart.series[0].name, "Views");
    assert_eq!(chart.series[0].values.iter().sum::<f64>(), views as f64);

    // Daily report (both periods in one request), top videos, titles.
    assert_eq!(out.provenance.len(), 3);
    assert!(
        out.provenance
            .iter()
            .all(|p| p.platform == "youtube" && p.account == CHANNEL_ID)
    );
    assert_eq!(out.provenance[0].date_range, Some(range("2026-11-10", END)));
    assert!(out.provenance[0].query.contains("dimensions=day"));
    assert!(out.provenance[1].query.contains("sort=-views&maxResults=5"));
    assert!(
        out.provenance[2]
            .query
            .starts_with("GET /youtube/v3/videos?part=snippet,statistics&id=")
    );
    assert_eq!(sandbox.youtube().request_count(), 3);
}

#[tokio::test]
async fn lagging_days_are_explained_not_shown_as_a_drop() {
    let sandbox = sandbox().await;
    sandbox.youtube().set_data_lag_days(2);
    let tool = tool_for(Some(youtube_client(&sandbox)));
    let mut a = args("2026-11-17", END);
    a["compare_previous"] = json!(false);
    a["top_videos"] = json!(2);
    let out = tool.call(&ctx(), a).await.unwrap();
    assert_eq!(out.data["data_available_until"], "2026-11-21");
    assert!(out.data.get("previous_totals").is_none());
    assert_eq!(out.data["top_videos"].as_array().unwrap().len(), 2);
    assert!(
        out.summary
            .contains("YouTube has no data yet after 2026-11-21"),
        "{}",
        out.summary
    );
    assert!(!out.summary.contains("previous"));
}

#[tokio::test]
async fn the_tool_explains_what_is_wrong() {
    let err = tool_for(None)
        .call(&ctx(), args("2026-11-17", END))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ToolError::NotConnected(
            "YouTube is not connected: connect it with `/omnify connect youtube`".into()
        )
    );

    let sandbox = sandbox().await;
    let tool = tool_for(Some(youtube_client(&sandbox)));
    let err = tool
        .call(&ctx(), args(END, "2026-11-01"))
        .await
        .unwrap_err();
    assert!(matches!(err, ToolError::BadArguments(_)), "{err}");
    let mut a = args("2026-11-17", END);
    a["top_videos"] = json!(500);
    assert!(matches!(
        tool.call(&ctx(), a).await.unwrap_err(),
        ToolError::BadArguments(_)
    ));

    sandbox.youtube().inject(Fault::QuotaExceeded, 3);
    let err = tool
        .call(&ctx(), args("2026-11-17", END))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ToolError::Upstream(m) if m.contains("quota")),
        "{err}"
    );
}

#[test]
fn the_spec_names_the_tool_and_its_keywords() {
    let spec = tool_for(None).spec();
    assert_eq!(spec.name, "get_youtube_channel_stats");
    assert_eq!(spec.parameters["required"], json!(["date_range"]));
    assert_eq!(spec.parameters["properties"]["top_videos"]["default"], 5);
    assert!(spec.description.contains("google_ads"));
    for k in ["youtube", "views", "subscribers", "watch time"] {
        assert!(spec.keywords.iter().any(|w| w == k), "{k}");
    }
}
