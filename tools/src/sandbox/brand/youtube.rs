//! The brand's YouTube channel: organic uploads with daily views, watch time, likes
//! and subscribers. No ad spend here: the brand's YouTube ads run as the Google Ads
//! video campaign [`super::google_ads::YOUTUBE_CAMPAIGN`], where real accounts report
//! them too (PLATFORMS.md §9).

use super::{Calendar, is_weekend};
use crate::sandbox::prng::SplitMix64;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

pub const CHANNEL_ID: &str = "UCtr4ilhe4dSupplyC0mpany";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YouTubeChannel {
    pub channel_id: String,
    pub title: String,
    /// The channel's uploads playlist (`UU…`).
    pub uploads_playlist_id: String,
    /// Subscribers on the calendar's first day, before `subscribers_gained` add up.
    pub starting_subscribers: u64,
    pub videos: Vec<YouTubeVideo>,
    /// One row per video per day from its publish date, ordered by date.
    pub days: Vec<VideoDay>,
}

impl YouTubeChannel {
    pub fn video(&self, video_id: &str) -> Option<&YouTubeVideo> {
        self.videos.iter().find(|v| v.id == video_id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YouTubeVideo {
    /// 11 characters, like a real video id.
    pub id: String,
    pub title: String,
    pub published_on: NaiveDate,
    /// Length in seconds.
    pub duration_secs: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoDay {
    pub date: NaiveDate,
    pub video_id: String,
    pub views: u64,
    pub minutes_watched: u64,
    pub likes: u64,
    pub comments: u64,
    pub subscribers_gained: u64,
    /// Ad revenue the channel earned from YouTube, in cents (not ad spend).
    pub estimated_revenue_minor: i64,
}

struct VideoPlan {
    title: &'static str,
    published_days_before_end: i64,
    duration_secs: u32,
    /// Views on launch day, before decay.
    launch_views: f64,
    /// Long-tail daily views once the launch bump has faded.
    evergreen_views: f64,
    retention: f64,
}

const VIDEOS: &[VideoPlan] = &[
    VideoPlan {
        title: "Trail Pack 40L: 6 months, 600 miles",
        published_days_before_end: 380,
        duration_secs: 742,
        launch_views: 5_200.0,
        evergreen_views: 310.0,
        retention: 0.46,
    },
    VideoPlan {
        title: "How to pack for your first overnight hike",
        published_days_before_end: 300,
        duration_secs: 965,
        launch_views: 3_800.0,
        evergreen_views: 420.0,
        retention: 0.41,
    },
    VideoPlan {
        title: "Summit Jacket rain test (we used a fire hose)",
        published_days_before_end: 210,
        duration_secs: 388,
        launch_views: 9_600.0,
        evergreen_views: 190.0,
        retention: 0.58,
    },
    VideoPlan {
        title: "Why we started Trailhead Supply Co.",
        published_days_before_end: 150,
        duration_secs: 512,
        launch_views: 2_100.0,
        evergreen_views: 60.0,
        retention: 0.52,
    },
    VideoPlan {
        title: "Ultralight vs. comfortable: the real trade-offs",
        published_days_before_end: 95,
        duration_secs: 1_124,
        launch_views: 4_400.0,
        evergreen_views: 260.0,
        retention: 0.38,
    },
    VideoPlan {
        title: "Trail Stories: the ridge line",
        published_days_before_end: 48,
        duration_secs: 1_380,
        launch_views: 6_900.0,
        evergreen_views: 240.0,
        retention: 0.44,
    },
    VideoPlan {
        title: "Black Friday gear guide: what is worth it",
        published_days_before_end: 12,
        duration_secs: 836,
        launch_views: 7_800.0,
        evergreen_views: 300.0,
        retention: 0.49,
    },
];

/// Views a day rise this much at weekends, when people plan their hikes.
const WEEKEND_VIEW_LIFT: f64 = 1.25;

pub(super) fn generate(calendar: &Calendar, rng: &mut SplitMix64) -> YouTubeChannel {
    let mut videos = Vec::new();
    for (index, plan) in VIDEOS.iter().enumerate() {
        videos.push(YouTubeVideo {
            id: video_id(rng, index),
            title: plan.title.to_owned(),
            published_on: calendar.end - Duration::days(plan.published_days_before_end),
            duration_secs: plan.duration_secs,
        });
    }
    let mut days = Vec::new();
    for date in calendar.days() {
        for (video, plan) in videos.iter().zip(VIDEOS) {
            let age = (date - video.published_on).num_days();
            if age < 0 {
                continue;
            }
            let lift = if is_weekend(date) {
                WEEKEND_VIEW_LIFT
            } else {
                1.0
            };
            let expected = (plan.launch_views * (-(age as f64) / 6.0).exp() + plan.evergreen_views)
                * lift
                * rng.noise(0.15);
            let views = rng.round_count(expected);
            let watched_secs =
                views as f64 * f64::from(plan.duration_secs) * plan.retention * rng.noise(0.05);
            days.push(VideoDay {
                date,
                video_id: video.id.clone(),
                views,
                minutes_watched: (watched_secs / 60.0).round() as u64,
                likes: rng.round_count(views as f64 * 0.034),
                comments: rng.round_count(views as f64 * 0.002),
                subscribers_gained: rng.round_count(views as f64 * 0.0045),
                estimated_revenue_minor: (views as f64 * 0.21 * rng.noise(0.2)).round() as i64,
            });
        }
    }
    YouTubeChannel {
        channel_id: CHANNEL_ID.to_owned(),
        title: "Trailhead Supply Co.".to_owned(),
        uploads_playlist_id: format!("UU{}", &CHANNEL_ID[2..]),
        starting_subscribers: 18_400,
        videos,
        days,
    }
}

/// An 11-character id from YouTube's alphabet.
fn video_id(rng: &mut SplitMix64, index: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut id = String::with_capacity(11);
    id.push(char::from(ALPHABET[index % 26]));
    for _ in 0..10 {
        id.push(char::from(ALPHABET[(rng.next_u64() % 64) as usize]));
    }
    id
}
