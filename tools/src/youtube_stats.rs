//! `get_youtube_channel_stats`: how the brand's YouTube channel did over a date range —
//! views, watch time, likes, subscribers gained — against the period before, with the
//! top videos by name and a chart of daily views. Organic only: YouTube ad spend is
//! Google Ads' to report.

mod totals;

pub use totals::{ChannelTotals, thousands};

use crate::connections::ClientDirectory;
use crate::connectors::youtube::{PLATFORM, YouTubeClient};
use crate::model::{ChannelDay, VideoResult};
use crate::range_args::{self, RawRange};
use async_trait::async_trait;
use omnify_core::{
    Chart, ChartKind, ChartSeries, DateRange, Provenance, Tool, ToolContext, ToolError, ToolOutput,
    ToolSpec, parse_args,
};
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use totals::{SummaryInput, hours, summarize};

pub const TOOL_NAME: &str = "get_youtube_channel_stats";

/// Most top videos one answer lists.
const MAX_TOP_VIDEOS: u32 = 25;

/// Reads the calling tenant's YouTube channel.
#[derive(Clone)]
pub struct YouTubeStatsTool {
    directory: Arc<dyn ClientDirectory>,
}

impl YouTubeStatsTool {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self { directory }
    }
}

const DESCRIPTION: &str = "\
Organic YouTube channel results for a date range: views, watch time (hours), likes and \
subscribers gained, with the change versus the previous period of the same length, the \
top videos by views with their titles, and daily views. Use it for questions like \"how \
did our YouTube channel do last week?\", \"which videos got the most views this month?\" \
or \"how many subscribers did we gain?\". It has no ad spend: YouTube ads are reported by \
Google Ads video campaigns (get_marketing_performance with platform google_ads). Dates \
are inclusive ISO dates (YYYY-MM-DD): turn relative dates into exact ones using today's \
date first.";

const KEYWORDS: &[&str] = &[
    "youtube",
    "channel",
    "video",
    "videos",
    "views",
    "watch time",
    "watched",
    "subscribers",
    "subscriber",
    "likes",
    "top videos",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    date_range: RawRange,
    #[serde(default = "yes")]
    compare_previous: bool,
    #[serde(default = "five")]
    top_videos: u32,
}

fn yes() -> bool {
    true
}

fn five() -> u32 {
    5
}

#[async_trait]
impl Tool for YouTubeStatsTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: TOOL_NAME.to_owned(),
            description: DESCRIPTION.to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "date_range": range_args::schema(),
                    "compare_previous": {
                        "type": "boolean",
                        "default": true,
                        "description": "Also report the previous period of equal length and the change."
                    },
                    "top_videos": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_TOP_VIDEOS,
                        "default": 5,
                        "description": "How many of the most viewed videos to list."
                    }
                },
                "required": ["date_range"],
                "additionalProperties": false
            }),
            keywords: KEYWORDS.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        let range = range_args::validate(&args.date_range, ctx.today)?;
        if !(1..=MAX_TOP_VIDEOS).contains(&args.top_videos) {
            return Err(ToolError::BadArguments(format!(
                "top_videos must be between 1 and {MAX_TOP_VIDEOS}, got {}",
                args.top_videos
            )));
        }
        let clients = self.directory.clients(&ctx.tenant_id).await?;
        let youtube = clients.get::<YouTubeClient>(PLATFORM).ok_or_else(|| {
            ToolError::NotConnected(
                "YouTube is not connected: connect it with `/omnify connect youtube`".to_owned(),
            )
        })?;
        // One daily report covering both periods: API quota is the scarce thing.
        let fetch_range = if args.compare_previous {
            DateRange {
                since: range.previous_period().since,
                until: range.until,
            }
        } else {
            range
        };
        let (days, mut top) = tokio::try_join!(
            youtube.daily(fetch_range),
            youtube.top_videos(range, args.top_videos)
        )?;
        let ids: Vec<String> = top.iter().map(|v| v.video_id.clone()).collect();
        // Titles make the answer readable, but the numbers stand without them.
        let titles_error = if ids.is_empty() {
            None
        } else {
            match youtube.videos(&ids).await {
                Ok(videos) => {
                    for video in &mut top {
                        video.title = videos
                            .iter()
                            .find(|v| v.id == video.video_id)
                            .map(|v| v.title.clone());
                    }
                    None
                }
                Err(error) => {
                    tracing::warn!(%error, "youtube video titles unavailable");
                    Some(error.to_string())
                }
            }
        };
        Ok(report(
            &youtube,
            &args,
            range,
            fetch_range,
            &days,
            &top,
            titles_error,
        ))
    }
}

fn report(
    youtube: &YouTubeClient,
    args: &Args,
    range: DateRange,
    fetch_range: DateRange,
    days: &[ChannelDay],
    top: &[VideoResult],
    titles_error: Option<String>,
) -> ToolOutput {
    let within = |r: DateRange| move |d: &&ChannelDay| d.date >= r.since && d.date <= r.until;
    let current: Vec<&ChannelDay> = days.iter().filter(within(range)).collect();
    let previous_range = range.previous_period();
    let previous: Vec<&ChannelDay> = if args.compare_previous {
        days.iter().filter(within(previous_range)).collect()
    } else {
        Vec::new()
    };
    let totals = ChannelTotals::from_days(current.iter().copied());
    let previous_totals = ChannelTotals::from_days(previous.iter().copied());
    let last_day = current.iter().map(|d| d.date).max();
    // YouTube leaves out days whose data is not ready: say so rather than show a drop.
    let data_ends = match last_day {
        Some(last) if last < range.until => Some(Some(last)),
        None => Some(None),
        _ => None,
    };

    let channel = youtube.channel_id();
    let mut data = json!({
        "channel": channel,
        "date_range": {"since": range.since, "until": range.until, "days": range.days()},
        "totals": totals.to_json(),
        "top_videos": top.iter().map(|v| json!({
            "video_id": v.video_id,
            "title": v.title,
            "views": v.views,
            "watch_time_hours": hours(v.minutes_watched).to_f64().unwrap_or(0.0),
            "likes": v.likes,
            "subscribers_gained": v.subscribers_gained,
        })).collect::<Vec<_>>(),
        "by_day": current.iter().map(|d| json!({
            "date": d.date,
            "views": d.views,
            "watch_time_hours": hours(d.minutes_watched).to_f64().unwrap_or(0.0),
            "likes": d.likes,
            "subscribers_gained": d.subscribers_gained,
        })).collect::<Vec<_>>(),
        "ad_spend_note": "YouTube ad spend is reported by Google Ads (video campaigns): use get_marketing_performance with platform google_ads.",
    });
    if args.compare_previous {
        data["previous_period"] =
            json!({"since": previous_range.since, "until": previous_range.until});
        data["previous_totals"] = previous_totals.to_json();
        data["change_vs_previous_pct"] = totals.changes_pct(&previous_totals);
    }
    if let Some(Some(last)) = data_ends {
        data["data_available_until"] = json!(last);
    }
    if let Some(error) = &titles_error {
        data["titles_unavailable"] = json!(error);
    }

    let chart = (current.len() > 1).then(|| Chart {
        title: format!("Daily YouTube views, {range}"),
        kind: ChartKind::Line,
        x_labels: current.iter().map(|d| d.date.to_string()).collect(),
        series: vec![ChartSeries {
            name: "Views".into(),
            values: current.iter().map(|d| d.views as f64).collect(),
        }],
        ..Default::default()
    });

    let mut provenance = vec![
        Provenance {
            platform: PLATFORM.to_owned(),
            account: channel.to_owned(),
            date_range: Some(fetch_range),
            query: youtube.daily_query(fetch_range),
        },
        Provenance {
            platform: PLATFORM.to_owned(),
            account: channel.to_owned(),
            date_range: Some(range),
            query: youtube.top_videos_query(range, args.top_videos),
        },
    ];
    if !top.is_empty() && titles_error.is_none() {
        let ids: Vec<String> = top.iter().map(|v| v.video_id.clone()).collect();
        provenance.push(Provenance {
            platform: PLATFORM.to_owned(),
            account: channel.to_owned(),
            date_range: None,
            query: youtube.videos_query(&ids),
        });
    }

    ToolOutput {
        summary: summarize(&SummaryInput {
            channel,
            range,
            compare: args.compare_previous,
            totals: &totals,
            previous: &previous_totals,
            top_videos: top,
            data_ends,
        }),
        data,
        provenance,
        chart,
    }
}
