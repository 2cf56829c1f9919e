//! `GET /youtube/v3/videos?part=…&id=…`: the brand channel's videos with their
//! snippet, lifetime statistics (counts as strings) and content details (§9).

use super::GoogleError;
use crate::sandbox::brand::YouTubeChannel;
use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const PARTS: &[&str] = &["snippet", "statistics", "contentDetails", "id"];
const MAX_IDS: usize = 50;

/// `PT12M22S`, as ISO 8601 durations are written.
fn iso_duration(secs: u32) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = "PT".to_owned();
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || out == "PT" {
        out.push_str(&format!("{s}S"));
    }
    out
}

pub(crate) fn list(
    channel: &YouTubeChannel,
    params: &BTreeMap<String, String>,
    latest: NaiveDate,
) -> Result<Value, GoogleError> {
    let parts: Vec<&str> = params
        .get("part")
        .map(|p| p.split(',').map(str::trim).collect())
        .ok_or_else(|| {
            GoogleError::bad_request("No filter selected. Expected one of: id, chart, myRating.")
        })?;
    if let Some(bad) = parts.iter().find(|p| !PARTS.contains(p)) {
        return Err(GoogleError::bad_request(format!(
            "'{bad}' is not a valid part of the video resource"
        )));
    }
    let ids: Vec<&str> = params
        .get("id")
        .map(|i| {
            i.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .ok_or_else(|| {
            GoogleError::bad_request("No filter selected. Expected one of: id, chart, myRating.")
        })?;
    if ids.len() > MAX_IDS {
        return Err(GoogleError::bad_request(format!(
            "The request specifies more than {MAX_IDS} video ids."
        )));
    }
    let items: Vec<Value> = ids
        .iter()
        .filter_map(|id| channel.video(id))
        .map(|video| {
            let (mut views, mut likes, mut comments) = (0_u64, 0_u64, 0_u64);
            for day in channel
                .days
                .iter()
                .filter(|d| d.video_id == video.id && d.date <= latest)
            {
                views += day.views;
                likes += day.likes;
                comments += day.comments;
            }
            let mut item = Map::new();
            item.insert("kind".into(), json!("youtube#video"));
            item.insert("etag".into(), json!(format!("sandbox-{}", video.id)));
            item.insert("id".into(), json!(video.id));
            if parts.contains(&"snippet") {
                item.insert(
                    "snippet".into(),
                    json!({
                        "publishedAt": format!("{}T16:00:00Z", video.published_on),
                        "channelId": channel.channel_id,
                        "title": video.title,
                        "channelTitle": channel.title,
                    }),
                );
            }
            if parts.contains(&"statistics") {
                item.insert(
                    "statistics".into(),
                    json!({
                        "viewCount": views.to_string(),
                        "likeCount": likes.to_string(),
                        "commentCount": comments.to_string(),
                    }),
                );
            }
            if parts.contains(&"contentDetails") {
                item.insert(
                    "contentDetails".into(),
                    json!({"duration": iso_duration(video.duration_secs)}),
                );
            }
            Value::Object(item)
        })
        .collect();
    let count = items.len();
    Ok(json!({
        "kind": "youtube#videoListResponse",
        "etag": "sandbox",
        "items": items,
        "pageInfo": {"totalResults": count, "resultsPerPage": count},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_youtubes() {
        assert_eq!(iso_duration(742), "PT12M22S");
        assert_eq!(iso_duration(3600), "PT1H");
        assert_eq!(iso_duration(0), "PT0S");
    }
}
