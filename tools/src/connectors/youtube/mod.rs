//! YouTube (organic) through the YouTube Analytics API v2 and Data API v3.
//!
//! Not an [`crate::connectors::AdPlatform`]: a channel has no ad spend of its own.
//! YouTube ads are bought and reported through Google Ads video campaigns (§9), so
//! spend questions go to [`crate::connectors::google_ads`]. Tools find this client
//! with `clients.get::<YouTubeClient>("youtube")`.

mod client;
mod errors;
mod wire;

pub use client::{MAX_IDS_PER_CALL, MAX_TOP_VIDEOS, YouTubeClient, YouTubeConfig};
pub use errors::YouTubeError;
pub use wire::VideoInfo;

use crate::connectors::google_ads::GOOGLE_TOKEN_URL;
use crate::connectors::oauth::OAuthCredentials;
use omnify_core::Secret;

/// Registry key of YouTube in [`crate::connections::PlatformClients`].
pub const PLATFORM: &str = "youtube";

/// Google OAuth credentials for YouTube: the same token endpoint as Google Ads.
pub fn youtube_oauth(
    client_id: impl Into<String>,
    client_secret: Secret,
    refresh_token: Secret,
) -> OAuthCredentials {
    OAuthCredentials::new(GOOGLE_TOKEN_URL, client_id, client_secret, refresh_token)
}
