//! Clients for the Google Ads, TikTok, LinkedIn and YouTube emulators with test-speed
//! backoff; the sandbox itself comes from `common`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::common::TOKEN;
use omnify_core::DateRange;
use omnify_core::Secret;
use omnify_tools::RunningSandbox;
use omnify_tools::connectors::google_ads::{GoogleAdsClient, GoogleAdsConfig};
use omnify_tools::connectors::oauth::OAuthCredentials;
use omnify_tools::connectors::retry::Backoff;
use omnify_tools::sandbox::brand::AdAccount;
use rust_decimal::Decimal;
use std::time::Duration;

pub fn fast_backoff() -> Backoff {
    Backoff {
        base: Duration::from_millis(5),
        max: Duration::from_millis(20),
    }
}

/// Google credentials whose refresh token the sandbox accepts; no access token yet.
pub fn google_oauth(sandbox: &RunningSandbox) -> OAuthCredentials {
    OAuthCredentials::new(
        sandbox.google_token_url(),
        "sandbox-client",
        Secret::new("sandbox-secret"),
        Secret::new(TOKEN),
    )
}

pub fn google_config(sandbox: &RunningSandbox) -> GoogleAdsConfig {
    GoogleAdsConfig {
        base_url: sandbox.google_ads_base_url(),
        backoff: fast_backoff(),
        timeout: Duration::from_secs(5),
        login_customer_id: Some("9876543210".into()),
        ..GoogleAdsConfig::new(
            Secret::new("dev-token"),
            google_oauth(sandbox),
            "123-456-7890",
        )
    }
}

pub fn google_client(sandbox: &RunningSandbox) -> GoogleAdsClient {
    GoogleAdsClient::new(google_config(sandbox)).unwrap()
}

/// Exact spend of an account in `range`, from the brand.
pub fn account_spend(account: &AdAccount, range: DateRange) -> Decimal {
    let cents: i64 = account
        .days
        .iter()
        .filter(|d| d.date >= range.since && d.date <= range.until)
        .map(|d| d.spend_minor)
        .sum();
    Decimal::new(cents, 2)
}

pub fn account_revenue(account: &AdAccount, range: DateRange) -> Decimal {
    let cents: i64 = account
        .days
        .iter()
        .filter(|d| d.date >= range.since && d.date <= range.until)
        .map(|d| d.conversion_value_minor)
        .sum();
    Decimal::new(cents, 2)
}

pub fn tiktok_config(sandbox: &RunningSandbox) -> omnify_tools::connectors::tiktok::TikTokConfig {
    omnify_tools::connectors::tiktok::TikTokConfig {
        base_url: sandbox.tiktok_base_url(),
        backoff: fast_backoff(),
        timeout: Duration::from_secs(5),
        ..omnify_tools::connectors::tiktok::TikTokConfig::new(
            Secret::new(TOKEN),
            omnify_tools::sandbox::brand::tiktok::ADVERTISER_ID,
        )
    }
}

pub fn tiktok_client(sandbox: &RunningSandbox) -> omnify_tools::connectors::tiktok::TikTokClient {
    omnify_tools::connectors::tiktok::TikTokClient::new(tiktok_config(sandbox)).unwrap()
}

/// LinkedIn credentials with the refresh token the sandbox accepts now: LinkedIn
/// rotates it on every refresh, so a second client must start from the latest one,
/// as the server does by storing what `on_refresh` reports.
pub fn linkedin_oauth(sandbox: &RunningSandbox) -> OAuthCredentials {
    OAuthCredentials::new(
        sandbox.linkedin_token_url(),
        "sandbox-client",
        Secret::new("sandbox-secret"),
        Secret::new(sandbox.linkedin().oauth().current_refresh_token()),
    )
}

pub fn linkedin_config(
    sandbox: &RunningSandbox,
) -> omnify_tools::connectors::linkedin::LinkedInConfig {
    omnify_tools::connectors::linkedin::LinkedInConfig {
        base_url: sandbox.linkedin_base_url(),
        backoff: fast_backoff(),
        timeout: Duration::from_secs(5),
        ..omnify_tools::connectors::linkedin::LinkedInConfig::new(
            linkedin_oauth(sandbox),
            omnify_tools::sandbox::brand::linkedin::ACCOUNT_ID,
        )
    }
}

pub fn linkedin_client(
    sandbox: &RunningSandbox,
) -> omnify_tools::connectors::linkedin::LinkedInClient {
    omnify_tools::connectors::linkedin::LinkedInClient::new(linkedin_config(sandbox)).unwrap()
}

pub fn youtube_config(
    sandbox: &RunningSandbox,
) -> omnify_tools::connectors::youtube::YouTubeConfig {
    omnify_tools::connectors::youtube::YouTubeConfig {
        analytics_base_url: sandbox.youtube_analytics_base_url(),
        data_base_url: sandbox.youtube_data_base_url(),
        backoff: fast_backoff(),
        timeout: Duration::from_secs(5),
        ..omnify_tools::connectors::youtube::YouTubeConfig::new(
            google_oauth(sandbox),
            omnify_tools::sandbox::brand::youtube::CHANNEL_ID,
        )
    }
}

pub fn youtube_client(
    sandbox: &RunningSandbox,
) -> omnify_tools::connectors::youtube::YouTubeClient {
    omnify_tools::connectors::youtube::YouTubeClient::new(youtube_config(sandbox)).unwrap()
}

/// The brand channel's (views, minutes, likes, subscribers) in `range`.
pub fn channel_totals(
    channel: &omnify_tools::sandbox::brand::YouTubeChannel,
    range: DateRange,
) -> (u64, u64, u64, u64) {
    channel
        .days
        .iter()
        .filter(|d| d.date >= range.since && d.date <= range.until)
        .fold((0, 0, 0, 0), |(v, m, l, s), d| {
            (
                v + d.views,
                m + d.minutes_watched,
                l + d.likes,
                s + d.subscribers_gained,
            )
        })
}
