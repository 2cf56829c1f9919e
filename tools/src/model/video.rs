//! Organic video results (YouTube): a channel's day and a video's totals. No spend
//! here: paid video lives in the ads model, reported by the ad platform that bills it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One day of a whole channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelDay {
    pub date: NaiveDate,
    pub views: u64,
    pub minutes_watched: u64,
    pub likes: u64,
    pub subscribers_gained: u64,
}

/// One video's results over a date range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoResult {
    pub video_id: String,
    /// From the video's metadata; `None` until looked up (or when it was deleted).
    pub title: Option<String>,
    pub views: u64,
    pub minutes_watched: u64,
    pub likes: u64,
    pub subscribers_gained: u64,
}
