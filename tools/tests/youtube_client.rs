//! The YouTube client against the YouTube and Google OAuth emulators over real
//! sockets, and the emulator against the documented examples (PLATFORMS.md §9).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ads_common;
mod common;

use ads_common::*;
use common::*;
use omnify_core::Secret;
use omnify_tools::connectors::youtube::{YouTubeClient, YouTubeConfig, YouTubeError};
use omnify_tools::sandbox::youtube::{Api, Fault};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

#[tokio::test]
async fn daily_channel_results_add_up_to_the_brand() {
    let sandbox = sandbox().await;
    let client = youtube_client(&sandbox);
    let week = range("2026-11-17", END);
    let days = client.daily(week).await.unwrap();
    assert_eq!(days.len(), 7);
    assert!(days.windows(2).all(|w| w[0].date < w[1].date));
    let brand = sandbox.youtube().brand().clone();
    let (views, minutes, likes, subs) = channel_totals(&brand.youtube, week);
    assert_eq!(days.iter().map(|d| d.views).sum::<u64>(), views);
    assert_eq!(days.iter().map(|d| d.minutes_watched).sum::<u64>(), minutes);
    assert_eq!(days.iter().map(|d| d.likes).sum::<u64>(), likes);
    assert_eq!(days.iter().map(|d| d.subscribers_gained).sum::<u64>(), subs);

    // One Google token refresh; the token rides in the header, never the URL.
    assert_eq!(sandbox.youtube().oauth().refresh_count(), 1);
    let request = &sandbox.youtube().requests()[0];
    assert_eq!(request.api, Api::Analytics);
    assert!(request.bearer);
    assert!(
        request.path_and_query.starts_with(
            "/youtube-analytics/v2/reports?ids=channel%3D%3DMINE&startDate=2026-11-17&endDate=2026-11-23&metrics=views%2CestimatedMinutesWatched%2Clikes%2CsubscribersGained&dimensions=day&sort=day"
        ),
        "{}",
        request.path_and_query
    );
    assert!(!request.path_and_query.contains("token"));
}

#[tokio::test]
async fn top_videos_come_most_viewed_first_and_titles_from_the_data_api() {
    let sandbox = sandbox().await;
    let client = youtube_client(&sandbox);
    let week = range("2026-11-17", END);
    let top = client.top_videos(week, 3).await.unwrap();
    assert_eq!(top.len(), 3);
    assert!(top.windows(2).all(|w| w[0].views >= w[1].views));
    let brand = sandbox.youtube().brand().clone();
    let expected_views: u64 = brand
        .youtube
        .days
        .iter()
        .filter(|d| d.video_id == top[0].video_id && d.date >= week.since && d.date <= week.until)
        .map(|d| d.views)
        .sum();
    assert_eq!(top[0].views, expected_views);

    let ids: Vec<String> = top.iter().map(|v| v.video_id.clone()).collect();
    let videos = client.videos(&ids).await.unwrap();
    assert_eq!(videos.len(), 3);
    for video in &videos {
        let seeded = brand.youtube.video(&video.id).unwrap();
        assert_eq!(video.title, seeded.title);
        let lifetime: u64 = brand
            .youtube
            .days
            .iter()
            .filter(|d| d.video_id == video.id)
            .map(|d| d.views)
            .sum();
        assert_eq!(video.view_count, Some(lifetime));
    }
    assert_eq!(sandbox.youtube().requests()[1].api, Api::Data);

    // More than 50 ids go in several calls; unknown ids are simply absent.
    sandbox.youtube().reset_requests();
    let many: Vec<String> = (0..60)
        .map(|i| format!("missing{i:04}"))
        .chain(ids.clone())
        .collect();
    assert_eq!(client.videos(&many).await.unwrap().len(), 3);
    assert_eq!(sandbox.youtube().request_count(), 2);
    assert!(client.top_videos(week, 0).await.is_err());
}

#[tokio::test]
async fn days_youtube_has_not_finished_are_left_out() {
    let sandbox = sandbox().await;
    sandbox.youtube().set_data_lag_days(2);
    let days = youtube_client(&sandbox)
        .daily(range("2026-11-17", END))
        .await
        .unwrap();
    assert_eq!(days.last().unwrap().date, day("2026-11-21"));
    let none = youtube_client(&sandbox)
        .daily(range("2026-11-22", END))
        .await
        .unwrap();
    assert!(none.is_empty(), "no rows at all: `rows` is omitted");
}

#[tokio::test]
async fn the_daily_quota_fails_at_once_with_a_clear_error() {
    let sandbox = sandbox().await;
    sandbox.youtube().inject(Fault::QuotaExceeded, 5);
    let err = youtube_client(&sandbox)
        .daily(range("2026-11-17", END))
        .await
        .unwrap_err();
    assert!(matches!(err, YouTubeError::QuotaExceeded { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "YouTube's daily API quota for this project is used up; it resets at midnight Pacific time, so try again then"
    );
    assert_eq!(sandbox.youtube().request_count(), 1);
}

#[tokio::test]
async fn throttling_waits_for_retry_after_and_server_errors_and_slowness_are_retried() {
    let sandbox = sandbox().await;
    let week = range("2026-11-17", END);
    sandbox.youtube().inject(Fault::TooManyRequests, 1);
    let started = Instant::now();
    youtube_client(&sandbox).daily(week).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(sandbox.youtube().request_count(), 2);

    sandbox.youtube().reset_requests();
    sandbox.youtube().inject(Fault::ServerError, 2);
    youtube_client(&sandbox).daily(week).await.unwrap();
    assert_eq!(sandbox.youtube().request_count(), 3);

    sandbox.youtube().reset_requests();
    sandbox.youtube().inject(Fault::ServerError, 10);
    let err = youtube_client(&sandbox).daily(week).await.unwrap_err();
    assert!(
        matches!(err, YouTubeError::Unavailable { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(sandbox.youtube().request_count(), 4);

    sandbox.youtube().clear_faults();
    sandbox.youtube().reset_requests();
    let client = YouTubeClient::new(YouTubeConfig {
        timeout: Duration::from_millis(300),
        ..youtube_config(&sandbox)
    })
    .unwrap();
    sandbox
        .youtube()
        .inject(Fault::Slow(Duration::from_secs(2)), 1);
    client.daily(week).await.unwrap();
    assert_eq!(sandbox.youtube().request_count(), 2);
}

#[tokio::test]
async fn a_401_refreshes_once_and_a_revoked_grant_means_reconnect() {
    let sandbox = sandbox().await;
    let client = youtube_client(&sandbox);
    let week = range("2026-11-17", END);
    client.daily(week).await.unwrap();
    sandbox.youtube().inject(Fault::TokenExpired, 1);
    client.daily(week).await.unwrap();
    assert_eq!(sandbox.youtube().oauth().refresh_count(), 2);
    assert_eq!(sandbox.youtube().request_count(), 3);

    sandbox.youtube().oauth().expire_access_tokens();
    sandbox.youtube().oauth().revoke_refresh_token();
    let err = client.daily(week).await.unwrap_err();
    assert!(matches!(err, YouTubeError::TokenExpired { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "YouTube access expired or was revoked: reconnect YouTube"
    );
}

/// The documented report (PLATFORMS.md §9).
const DOCUMENTED_REPORT: &str = r#"{"kind":"youtubeAnalytics#resultTable",
 "columnHeaders":[{"name":"day","columnType":"DIMENSION","dataType":"STRING"},
                  {"name":"views","columnType":"METRIC","dataType":"INTEGER"},
                  {"name":"estimatedRevenue","columnType":"METRIC","dataType":"FLOAT"}],
 "rows":[["2025-06-01",1523,12.37],["2025-06-02",1710,14.02]]}"#;

/// The documented video list (PLATFORMS.md §9).
const DOCUMENTED_VIDEOS: &str = r#"{"kind":"youtube#videoListResponse","items":[{"id":"ID1","snippet":{"title":"...","publishedAt":"..."},"statistics":{"viewCount":"15023","likeCount":"812","commentCount":"44"}}],"pageInfo":{"totalResults":2,"resultsPerPage":2}}"#;

/// The documented quota error (PLATFORMS.md §9).
const DOCUMENTED_QUOTA: &str = r#"{"error":{"code":403,"message":"The request cannot be completed because you have exceeded your quota.","errors":[{"message":"...","domain":"youtube.quota","reason":"quotaExceeded"}]}}"#;

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// Every documented key is present with the documented JSON kind (the emulator may
/// send more, as YouTube does: `etag`, `channelId`…).
fn assert_documented_fields(got: &Value, want: &Value, path: &str) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for (k, wv) in w {
                assert!(g.contains_key(k), "{path}.{k} missing in {got}");
                assert_documented_fields(&g[k], wv, &format!("{path}.{k}"));
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            assert!(!g.is_empty(), "{path} is empty");
            for (i, item) in g.iter().enumerate() {
                assert_documented_fields(item, &w[i.min(w.len() - 1)], &format!("{path}[{i}]"));
            }
        }
        (Value::String(_), Value::String(_)) | (Value::Number(_), Value::Number(_)) => {}
        _ => panic!("{path}: got {got}, documented {want}"),
    }
}

#[tokio::test]
async fn the_emulator_matches_the_documented_examples_field_for_field() {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let token: Value = http
        .post(sandbox.google_token_url())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", TOKEN),
            ("client_id", "c"),
            ("client_secret", "s"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = token["access_token"].as_str().unwrap().to_owned();

    let report: Value = http
        .get(format!(
            "{}/v2/reports",
            sandbox.youtube_analytics_base_url()
        ))
        .query(&[
            ("ids", "channel==MINE"),
            ("startDate", "2026-11-22"),
            ("endDate", END),
            ("metrics", "views,estimatedRevenue"),
            ("dimensions", "day"),
            ("sort", "day"),
        ])
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let example: Value = serde_json::from_str(DOCUMENTED_REPORT).unwrap();
    assert_eq!(keys(&report), keys(&example));
    assert_eq!(report["kind"], example["kind"]);
    assert_eq!(report["columnHeaders"], example["columnHeaders"]);
    assert_documented_fields(&report, &example, "");
    assert_eq!(report["rows"][0][0], "2026-11-22");
    assert!(report["rows"][0][1].is_u64());
    assert_eq!(report["rows"].as_array().unwrap().len(), 2);

    let top = youtube_client(&sandbox)
        .top_videos(range("2026-11-22", END), 2)
        .await
        .unwrap();
    let ids: Vec<&str> = top.iter().map(|v| v.video_id.as_str()).collect();
    let videos: Value = http
        .get(format!(
            "{}/youtube/v3/videos",
            sandbox.youtube_data_base_url()
        ))
        .query(&[("part", "snippet,statistics"), ("id", &ids.join(","))])
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let example: Value = serde_json::from_str(DOCUMENTED_VIDEOS).unwrap();
    assert_documented_fields(&videos, &example, "");
    assert_eq!(videos["pageInfo"]["totalResults"], 2);
    assert!(
        videos["items"][0]["statistics"]["viewCount"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );

    sandbox.youtube().inject(Fault::QuotaExceeded, 1);
    let quota = http
        .get(format!(
            "{}/youtube/v3/videos",
            sandbox.youtube_data_base_url()
        ))
        .query(&[("part", "snippet"), ("id", ids[0])])
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(quota.status(), 403);
    let quota: Value = quota.json().await.unwrap();
    let example: Value = serde_json::from_str(DOCUMENTED_QUOTA).unwrap();
    assert_eq!(keys(&quota["error"]), keys(&example["error"]));
    assert_eq!(quota["error"]["message"], example["error"]["message"]);
    assert_eq!(
        keys(&quota["error"]["errors"][0]),
        keys(&example["error"]["errors"][0])
    );
    assert_eq!(quota["error"]["errors"][0]["reason"], "quotaExceeded");
    assert_eq!(quota["error"]["errors"][0]["domain"], "youtube.quota");

    let anonymous = http
        .get(format!(
            "{}/v2/reports",
            sandbox.youtube_analytics_base_url()
        ))
        .query(&[("ids", "channel==MINE")])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[test]
fn bad_configuration_is_refused_up_front_and_secrets_stay_hidden() {
    let oauth =
        omnify_tools::connectors::youtube::youtube_oauth("id", Secret::new("s"), Secret::new("r"));
    assert_eq!(oauth.token_url, "https://oauth2.googleapis.com/token");
    assert!(matches!(
        YouTubeClient::new(YouTubeConfig::new(oauth.clone(), " ")),
        Err(YouTubeError::Config(_))
    ));
    let client = YouTubeClient::new(YouTubeConfig::new(oauth, "UC123")).unwrap();
    assert_eq!(client.channel_id(), "UC123");
    let debug = format!("{client:?}");
    assert!(!debug.contains("\"r\"") && !debug.contains("\"s\"") && debug.contains("redacted"));
}
