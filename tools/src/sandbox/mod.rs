//! Local stand-ins for the marketing platforms' APIs, serving a seeded synthetic brand.
//!
//! `omnify serve` with no platform keys points every connector at these emulators,
//! and tests use them to exercise connectors over real sockets: the same client code
//! path as production, with faults injectable at run time.
//!
//! Each platform mounts under its own prefix (`/meta`, later `/google-ads`, `/tiktok`…)
//! so one listener serves them all.

pub mod brand;
pub mod campaign_changes;
pub mod gohighlevel;
pub mod google_ads;
pub mod harness;
pub mod hubspot;
pub mod klaviyo;
pub mod linkedin;
pub mod meta;
pub mod oauth;
mod prng;
pub mod shopify;
pub mod stripe;
pub mod tiktok;
pub mod triplewhale;
pub mod youtube;

use axum::Router;
use brand::Brand;
use meta::MetaEmulator;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Path prefix of the Meta Graph API emulator.
pub const META_PREFIX: &str = "/meta";

/// Path prefix of the Shopify Admin API emulator (stands in for `https://{shop}`).
pub const SHOPIFY_PREFIX: &str = "/shopify";

/// Path prefix of the Stripe API emulator (stands in for `https://api.stripe.com`).
pub const STRIPE_PREFIX: &str = "/stripe";

/// Path prefix of the TripleWhale API emulator (stands in for `https://api.triplewhale.com`).
pub const TRIPLEWHALE_PREFIX: &str = "/triplewhale";

/// Path prefix of the HubSpot API emulator.
pub const HUBSPOT_PREFIX: &str = "/hubspot";

/// Path prefix of the Klaviyo API emulator (stands in for `https://a.klaviyo.com`).
pub const KLAVIYO_PREFIX: &str = "/klaviyo";

/// Path prefix of the GoHighLevel API emulator (stands in for
/// `https://services.leadconnectorhq.com`).
pub const GOHIGHLEVEL_PREFIX: &str = "/gohighlevel";

/// Path prefix of the Google OAuth2 token endpoint emulator (`{prefix}/token`), shared by
/// Google Ads and YouTube.
pub const GOOGLE_OAUTH_PREFIX: &str = "/google-oauth";

/// Path prefix of the Google Ads REST API emulator.
pub const GOOGLE_ADS_PREFIX: &str = "/google-ads";

/// Path prefix of the TikTok Marketing API emulator (stands in for `…/open_api`).
pub const TIKTOK_PREFIX: &str = "/tiktok/open_api";

/// Path prefix of the LinkedIn Marketing API emulator (stands in for `https://api.linkedin.com/rest`).
pub const LINKEDIN_PREFIX: &str = "/linkedin/rest";

/// Path prefix of LinkedIn's OAuth2 endpoints (`{prefix}/accessToken`).
pub const LINKEDIN_OAUTH_PREFIX: &str = "/linkedin/oauth/v2";

/// Path prefix of the YouTube Analytics API emulator (stands in for
/// `https://youtubeanalytics.googleapis.com`).
pub const YOUTUBE_ANALYTICS_PREFIX: &str = "/youtube-analytics";

/// Path prefix of the YouTube Data API emulator (stands in for `https://www.googleapis.com`).
pub const YOUTUBE_DATA_PREFIX: &str = "/youtube-data";

/// Handles to every platform emulator serving one brand.
#[derive(Clone)]
pub struct Emulators {
    pub meta: MetaEmulator,
    /// Google's token endpoint: issues the access tokens Google Ads and YouTube accept.
    pub google_oauth: oauth::OAuthServer,
    pub google_ads: google_ads::GoogleAdsEmulator,
    pub tiktok: tiktok::TikTokEmulator,
    /// LinkedIn's token endpoint: rotates the refresh token on every refresh.
    pub linkedin_oauth: oauth::OAuthServer,
    pub linkedin: linkedin::LinkedInEmulator,
    /// Accepts the access tokens of `google_oauth`.
    pub youtube: youtube::YouTubeEmulator,
    pub shopify: shopify::ShopifyEmulator,
    pub stripe: stripe::StripeEmulator,
    pub triplewhale: triplewhale::TripleWhaleEmulator,
    pub hubspot: hubspot::HubSpotEmulator,
    /// Accepts `access_token` as the private API key.
    pub klaviyo: klaviyo::KlaviyoEmulator,
    /// Accepts `access_token` as a private integration token.
    pub gohighlevel: gohighlevel::GoHighLevelEmulator,
}

impl Emulators {
    /// Emulators that accept `access_token` as the only valid token on every platform.
    pub fn new(brand: Arc<Brand>, access_token: String) -> Self {
        // On OAuth platforms `access_token` is also the valid refresh token.
        let google_oauth = oauth::OAuthServer::new(oauth::TokenFlavor::Google, &access_token);
        let linkedin_oauth = oauth::OAuthServer::new(oauth::TokenFlavor::LinkedIn, &access_token);
        Self {
            youtube: youtube::YouTubeEmulator::new(brand.clone(), google_oauth.clone()),
            google_ads: google_ads::GoogleAdsEmulator::new(brand.clone(), google_oauth.clone()),
            google_oauth,
            tiktok: tiktok::TikTokEmulator::new(brand.clone(), access_token.clone()),
            linkedin: linkedin::LinkedInEmulator::new(brand.clone(), linkedin_oauth.clone()),
            linkedin_oauth,
            hubspot: hubspot::HubSpotEmulator::new(brand.clone(), access_token.clone()),
            klaviyo: klaviyo::KlaviyoEmulator::new(brand.clone(), access_token.clone()),
            gohighlevel: gohighlevel::GoHighLevelEmulator::new(brand.clone(), access_token.clone()),
            shopify: shopify::ShopifyEmulator::new(brand.clone(), access_token.clone()),
            stripe: stripe::StripeEmulator::new(brand.clone(), access_token.clone()),
            triplewhale: triplewhale::TripleWhaleEmulator::new(brand.clone(), access_token.clone()),
            meta: MetaEmulator::new(brand, access_token),
        }
    }

    /// One router with each platform under its prefix, for [`spawn`] or for mounting
    /// inside another server.
    pub fn router(&self) -> Router {
        Router::new()
            .nest(META_PREFIX, self.meta.router())
            .nest(GOOGLE_OAUTH_PREFIX, self.google_oauth.router("/token"))
            .nest(GOOGLE_ADS_PREFIX, self.google_ads.router())
            .nest(TIKTOK_PREFIX, self.tiktok.router())
            .nest(LINKEDIN_PREFIX, self.linkedin.router())
            .nest(YOUTUBE_ANALYTICS_PREFIX, self.youtube.analytics_router())
            .nest(YOUTUBE_DATA_PREFIX, self.youtube.data_router())
            .nest(
                LINKEDIN_OAUTH_PREFIX,
                self.linkedin_oauth.router("/accessToken"),
            )
            .nest(SHOPIFY_PREFIX, self.shopify.router())
            .nest(STRIPE_PREFIX, self.stripe.router())
            .nest(TRIPLEWHALE_PREFIX, self.triplewhale.router())
            .nest(HUBSPOT_PREFIX, self.hubspot.router())
            .nest(KLAVIYO_PREFIX, self.klaviyo.router())
            .nest(GOHIGHLEVEL_PREFIX, self.gohighlevel.router())
    }
}

/// A sandbox server running on 127.0.0.1. Dropping it stops the server.
pub struct RunningSandbox {
    addr: SocketAddr,
    emulators: Emulators,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// Binds 127.0.0.1 on a free port and serves every emulator for `brand`.
pub async fn spawn(brand: Arc<Brand>, access_token: String) -> std::io::Result<RunningSandbox> {
    let emulators = Emulators::new(brand, access_token);
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = emulators.router();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // A dropped sender also means stop.
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%addr, "sandbox platform emulators listening");
    Ok(RunningSandbox {
        addr,
        emulators,
        stop: Some(stop),
        server: Some(server),
    })
}

impl RunningSandbox {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What to put in `MetaConfig::base_url` to talk to the Meta emulator.
    pub fn meta_base_url(&self) -> String {
        format!("{}{META_PREFIX}", self.base_url())
    }

    /// What to put in `GoogleAdsConfig::base_url`.
    pub fn google_ads_base_url(&self) -> String {
        format!("{}{GOOGLE_ADS_PREFIX}", self.base_url())
    }

    /// What to put in `OAuthCredentials::token_url` for Google Ads and YouTube.
    pub fn google_token_url(&self) -> String {
        format!("{}{GOOGLE_OAUTH_PREFIX}/token", self.base_url())
    }

    /// What to put in `TikTokConfig::base_url`.
    pub fn tiktok_base_url(&self) -> String {
        format!("{}{TIKTOK_PREFIX}", self.base_url())
    }

    /// What to put in `LinkedInConfig::base_url`.
    pub fn linkedin_base_url(&self) -> String {
        format!("{}{LINKEDIN_PREFIX}", self.base_url())
    }

    /// What to put in `OAuthCredentials::token_url` for LinkedIn Ads.
    pub fn linkedin_token_url(&self) -> String {
        format!("{}{LINKEDIN_OAUTH_PREFIX}/accessToken", self.base_url())
    }

    /// What to put in `YouTubeConfig::analytics_base_url`.
    pub fn youtube_analytics_base_url(&self) -> String {
        format!("{}{YOUTUBE_ANALYTICS_PREFIX}", self.base_url())
    }

    /// What to put in `YouTubeConfig::data_base_url`.
    pub fn youtube_data_base_url(&self) -> String {
        format!("{}{YOUTUBE_DATA_PREFIX}", self.base_url())
    }

    /// Fault injection, data lag and request counts for the YouTube emulator.
    pub fn youtube(&self) -> &youtube::YouTubeEmulator {
        &self.emulators.youtube
    }

    /// Fault injection, OAuth and request counts for the LinkedIn emulator.
    pub fn linkedin(&self) -> &linkedin::LinkedInEmulator {
        &self.emulators.linkedin
    }

    pub fn tiktok(&self) -> &tiktok::TikTokEmulator {
        &self.emulators.tiktok
    }

    pub fn google_ads(&self) -> &google_ads::GoogleAdsEmulator {
        &self.emulators.google_ads
    }

    /// Fault injection and request counts for the Meta emulator.
    pub fn meta(&self) -> &MetaEmulator {
        &self.emulators.meta
    }

    /// What to put in `HubSpotConfig::base_url` to talk to the HubSpot emulator.
    pub fn hubspot_base_url(&self) -> String {
        format!("{}{HUBSPOT_PREFIX}", self.base_url())
    }

    /// Fault injection, OAuth and request counts for the HubSpot emulator.
    pub fn hubspot(&self) -> &hubspot::HubSpotEmulator {
        &self.emulators.hubspot
    }

    /// What to put in `KlaviyoConfig::base_url` to talk to the Klaviyo emulator.
    pub fn klaviyo_base_url(&self) -> String {
        format!("{}{KLAVIYO_PREFIX}", self.base_url())
    }

    /// Fault injection, reporting limits and request log of the Klaviyo emulator.
    pub fn klaviyo(&self) -> &klaviyo::KlaviyoEmulator {
        &self.emulators.klaviyo
    }

    /// What to put in `GoHighLevelConfig::base_url` to talk to the GoHighLevel emulator.
    pub fn gohighlevel_base_url(&self) -> String {
        format!("{}{GOHIGHLEVEL_PREFIX}", self.base_url())
    }

    /// Fault injection, OAuth and request log of the GoHighLevel emulator.
    pub fn gohighlevel(&self) -> &gohighlevel::GoHighLevelEmulator {
        &self.emulators.gohighlevel
    }

    /// What to put in `ShopifyConfig::base_url` to talk to the Shopify emulator.
    pub fn shopify_base_url(&self) -> String {
        format!("{}{SHOPIFY_PREFIX}", self.base_url())
    }

    /// Fault injection and request counts for the Shopify emulator.
    pub fn shopify(&self) -> &shopify::ShopifyEmulator {
        &self.emulators.shopify
    }

    /// What to put in `StripeConfig::base_url` to talk to the Stripe emulator.
    pub fn stripe_base_url(&self) -> String {
        format!("{}{STRIPE_PREFIX}", self.base_url())
    }

    /// Fault injection and request counts for the Stripe emulator.
    pub fn stripe(&self) -> &stripe::StripeEmulator {
        &self.emulators.stripe
    }

    /// What to put in `TripleWhaleConfig::base_url` to talk to the TripleWhale emulator.
    pub fn triplewhale_base_url(&self) -> String {
        format!("{}{TRIPLEWHALE_PREFIX}", self.base_url())
    }

    /// Fault injection and request counts for the TripleWhale emulator.
    pub fn triplewhale(&self) -> &triplewhale::TripleWhaleEmulator {
        &self.emulators.triplewhale
    }

    pub fn emulators(&self) -> &Emulators {
        &self.emulators
    }

    /// Stops accepting connections and waits (up to 5 s) for in-flight requests.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut server)
                .await
                .is_err()
        {
            server.abort();
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Without waiting for the graceful path: a dropped sandbox must not outlive
        // the test that dropped it.
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}
