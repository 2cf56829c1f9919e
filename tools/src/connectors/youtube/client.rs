//! The HTTP client for YouTube Analytics API v2 (`reports`) and Data API v3
//! (`videos`): Google OAuth with refresh, Google's error envelope, bounded retries.

use super::errors::{ErrorEnvelope, YouTubeError, classify};
use super::wire::{ResultTable, VideoInfo, VideoList, video_info};
use crate::connectors::attempts::{Retry, RetryPolicy, with_retries};
use crate::connectors::oauth::{OAuthCredentials, OAuthSession, TokenPair};
use crate::connectors::retry::{Backoff, retry_after};
use crate::model::{ChannelDay, VideoResult};
use chrono::NaiveDate;
use omnify_core::{DateRange, Secret};
use reqwest::Url;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// The Data API takes at most this many video ids per call.
pub const MAX_IDS_PER_CALL: usize = 50;

/// The Analytics API's largest `maxResults` for a top-videos report.
pub const MAX_TOP_VIDEOS: u32 = 200;

const CHANNEL_METRICS: &str = "views,estimatedMinutesWatched,likes,subscribersGained";

/// How to reach one YouTube channel.
#[derive(Debug, Clone)]
pub struct YouTubeConfig {
    /// `https://youtubeanalytics.googleapis.com`; the sandbox's
    /// `youtube_analytics_base_url()` in development.
    pub analytics_base_url: String,
    /// e.g. "v2".
    pub analytics_version: String,
    /// `https://www.googleapis.com`; the sandbox's `youtube_data_base_url()`.
    pub data_base_url: String,
    /// e.g. "v3".
    pub data_version: String,
    /// Google OAuth with the `yt-analytics.readonly` and `youtube.readonly` scopes.
    pub oauth: OAuthCredentials,
    /// The channel (`UC…`), for provenance; reports ask for `channel==MINE`, the
    /// channel of the connected account.
    pub channel_id: String,
    pub max_retries: u32,
    pub timeout: Duration,
    pub backoff: Backoff,
    pub max_retry_after: Duration,
}

impl YouTubeConfig {
    pub fn new(oauth: OAuthCredentials, channel_id: impl Into<String>) -> Self {
        Self {
            analytics_base_url: "https://youtubeanalytics.googleapis.com".to_owned(),
            analytics_version: "v2".to_owned(),
            data_base_url: "https://www.googleapis.com".to_owned(),
            data_version: "v3".to_owned(),
            oauth,
            channel_id: channel_id.into(),
            max_retries: 3,
            timeout: Duration::from_secs(30),
            backoff: Backoff::default(),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// A client for one channel.
#[derive(Debug)]
pub struct YouTubeClient {
    http: reqwest::Client,
    config: YouTubeConfig,
    session: OAuthSession,
    /// `{analytics_base_url}/{analytics_version}/reports`.
    reports_url: String,
    /// `{data_base_url}/youtube/{data_version}/videos`.
    videos_url: String,
}

impl YouTubeClient {
    pub fn new(config: YouTubeConfig) -> Result<Self, YouTubeError> {
        if config.channel_id.trim().is_empty() {
            return Err(YouTubeError::Config("no channel id configured".to_owned()));
        }
        let reports_url = format!(
            "{}/{}/reports",
            config.analytics_base_url.trim_end_matches('/'),
            config.analytics_version.trim_matches('/')
        );
        let videos_url = format!(
            "{}/youtube/{}/videos",
            config.data_base_url.trim_end_matches('/'),
            config.data_version.trim_matches('/')
        );
        for url in [&reports_url, &videos_url] {
            Url::parse(url).map_err(|e| YouTubeError::Config(format!("{url:?}: {e}")))?;
        }
        let session = OAuthSession::new(config.oauth.clone(), config.timeout)
            .map_err(YouTubeError::Config)?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("omnify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| YouTubeError::Config(e.to_string()))?;
        Ok(Self {
            http,
            config,
            session,
            reports_url,
            videos_url,
        })
    }

    pub fn channel_id(&self) -> &str {
        self.config.channel_id.trim()
    }

    pub fn config(&self) -> &YouTubeConfig {
        &self.config
    }

    /// The current token pair, after any refresh, for the server to persist.
    pub async fn tokens(&self) -> TokenPair {
        self.session.tokens().await
    }

    fn daily_params(range: DateRange) -> Vec<(&'static str, String)> {
        vec![
            ("ids", "channel==MINE".to_owned()),
            ("startDate", range.since.to_string()),
            ("endDate", range.until.to_string()),
            ("metrics", CHANNEL_METRICS.to_owned()),
            ("dimensions", "day".to_owned()),
            ("sort", "day".to_owned()),
        ]
    }

    fn top_params(range: DateRange, max_results: u32) -> Vec<(&'static str, String)> {
        vec![
            ("ids", "channel==MINE".to_owned()),
            ("startDate", range.since.to_string()),
            ("endDate", range.until.to_string()),
            ("metrics", CHANNEL_METRICS.to_owned()),
            ("dimensions", "video".to_owned()),
            ("sort", "-views".to_owned()),
            ("maxResults", max_results.to_string()),
        ]
    }

    fn describe(&self, path: &str, params: &[(&str, String)]) -> String {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("GET {path}?{}", query.join("&"))
    }

    /// The daily channel report in YouTube's terms, for provenance.
    pub fn daily_query(&self, range: DateRange) -> String {
        let path = format!("/{}/reports", self.config.analytics_version);
        self.describe(&path, &Self::daily_params(range))
    }

    /// The top-videos report in YouTube's terms, for provenance.
    pub fn top_videos_query(&self, range: DateRange, max_results: u32) -> String {
        let path = format!("/{}/reports", self.config.analytics_version);
        self.describe(&path, &Self::top_params(range, max_results))
    }

    /// The video lookup in YouTube's terms, for provenance.
    pub fn videos_query(&self, ids: &[String]) -> String {
        format!(
            "GET /youtube/{}/videos?part=snippet,statistics&id={}",
            self.config.data_version,
            ids.join(",")
        )
    }

    /// The channel's views, watch time, likes and subscribers gained per day. YouTube
    /// leaves out the most recent days until their data is ready.
    pub async fn daily(&self, range: DateRange) -> Result<Vec<ChannelDay>, YouTubeError> {
        let table: ResultTable = self
            .get(&self.reports_url, &Self::daily_params(range))
            .await?;
        if table.rows.is_none() {
            return Ok(Vec::new());
        }
        table.require(&[
            "day",
            "views",
            "estimatedMinutesWatched",
            "likes",
            "subscribersGained",
        ])?;
        table
            .rows()
            .map(|row| {
                let day = row.text("day")?;
                Ok(ChannelDay {
                    date: NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| {
                        YouTubeError::Malformed(format!("day is not a date: {day:?}"))
                    })?,
                    views: row.count("views")?,
                    minutes_watched: row.count("estimatedMinutesWatched")?,
                    likes: row.count("likes")?,
                    subscribers_gained: row.count("subscribersGained")?,
                })
            })
            .collect()
    }

    /// The `max_results` most viewed videos in `range`, most viewed first, untitled.
    pub async fn top_videos(
        &self,
        range: DateRange,
        max_results: u32,
    ) -> Result<Vec<VideoResult>, YouTubeError> {
        if !(1..=MAX_TOP_VIDEOS).contains(&max_results) {
            return Err(YouTubeError::Config(format!(
                "top videos must be between 1 and {MAX_TOP_VIDEOS}, got {max_results}"
            )));
        }
        let table: ResultTable = self
            .get(&self.reports_url, &Self::top_params(range, max_results))
            .await?;
        if table.rows.is_none() {
            return Ok(Vec::new());
        }
        table.require(&["video", "views"])?;
        table
            .rows()
            .map(|row| {
                Ok(VideoResult {
                    video_id: row.text("video")?,
                    title: None,
                    views: row.count("views")?,
                    minutes_watched: row.count("estimatedMinutesWatched")?,
                    likes: row.count("likes")?,
                    subscribers_gained: row.count("subscribersGained")?,
                })
            })
            .collect()
    }

    /// Titles and lifetime counts of `ids`, asked for 50 at a time. Deleted or private
    /// videos are simply absent from the answer.
    pub async fn videos(&self, ids: &[String]) -> Result<Vec<VideoInfo>, YouTubeError> {
        let mut videos = Vec::new();
        for chunk in ids.chunks(MAX_IDS_PER_CALL) {
            // No `maxResults`: YouTube does not take it together with `id`.
            let params = [
                ("part", "snippet,statistics".to_owned()),
                ("id", chunk.join(",")),
            ];
            let list: VideoList = self.get(&self.videos_url, &params).await?;
            for item in list.items {
                videos.push(video_info(item)?);
            }
        }
        Ok(videos)
    }

    async fn get<T: DeserializeOwned>(
        &self,
        base: &str,
        params: &[(&str, String)],
    ) -> Result<T, YouTubeError> {
        let url = Url::parse_with_params(base, params)
            .map_err(|e| YouTubeError::Config(e.to_string()))?;
        let policy = RetryPolicy {
            max_retries: self.config.max_retries,
            backoff: self.config.backoff,
            max_retry_after: self.config.max_retry_after,
        };
        let what = url.path().to_owned();
        with_retries("youtube", &what, policy, || self.get_once(&url)).await
    }

    /// One request, refreshing the access token once if Google rejects it.
    async fn get_once<T: DeserializeOwned>(&self, url: &Url) -> Result<T, (YouTubeError, Retry)> {
        let token = self
            .session
            .access_token()
            .await
            .map_err(|e| YouTubeError::from_refresh(e, self.config.timeout))?;
        let mut response = self.send(url, &token).await?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            let fresh = self
                .session
                .refresh_after_rejection(&token)
                .await
                .map_err(|e| YouTubeError::from_refresh(e, self.config.timeout))?;
            response = self.send(url, &fresh).await?;
        }
        let status = response.status();
        let wait = retry_after(response.headers());
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| (YouTubeError::Malformed(e.to_string()), Retry::No));
        }
        let body = serde_json::from_slice::<ErrorEnvelope>(&bytes).ok();
        Err(classify(status.as_u16(), body, wait))
    }

    async fn send(
        &self,
        url: &Url,
        token: &Secret,
    ) -> Result<reqwest::Response, (YouTubeError, Retry)> {
        self.http
            .get(url.clone())
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(|e| self.transport_error(e))
    }

    fn transport_error(&self, error: reqwest::Error) -> (YouTubeError, Retry) {
        let error = error.without_url();
        if error.is_timeout() {
            (YouTubeError::Timeout(self.config.timeout), Retry::Backoff)
        } else {
            (YouTubeError::Network(error.to_string()), Retry::Backoff)
        }
    }
}
