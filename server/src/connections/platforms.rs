//! What Omnify needs to know to connect each platform: the credentials it takes, how
//! to build its client from them, and one cheap call to test them.

use async_trait::async_trait;
use omnify_core::{DateRange, Secret};
use omnify_tools::connectors::Detail;
use omnify_tools::sandbox::RunningSandbox;
use omnify_tools::{
    GoHighLevelClient, GoHighLevelConfig, GoogleAdsClient, GoogleAdsConfig, HubSpotClient,
    HubSpotConfig, KlaviyoClient, KlaviyoConfig, LinkedInClient, LinkedInConfig, MetaAdsClient,
    MetaConfig, OAuthCredentials, PlatformClients, ShopifyClient, ShopifyConfig, StripeClient,
    StripeConfig, TikTokClient, TikTokConfig, TokenListener, TripleWhaleClient, TripleWhaleConfig,
    YouTubeClient, YouTubeConfig,
};
use serde_json::Value;
use std::sync::Arc;

/// Credentials as the admin API receives them: a JSON object of strings.
pub type Credentials = serde_json::Map<String, Value>;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{platform} needs `{field}` in credentials")]
    MissingField {
        platform: &'static str,
        field: &'static str,
    },
    #[error("{0}")]
    Invalid(String),
}

/// One connectable platform.
#[async_trait]
pub trait PlatformConnector: Send + Sync {
    /// Registry key, as in tool arguments: "meta".
    fn key(&self) -> &'static str;
    fn display_name(&self) -> &'static str;
    /// Credential fields the admin must send.
    fn required_fields(&self) -> &'static [&'static str];
    /// Build the client into `clients`.
    fn add_client(
        &self,
        clients: &mut PlatformClients,
        account_id: &str,
        credentials: &Credentials,
        ctx: &BuildContext,
    ) -> Result<(), ConnectError>;
    /// One cheap call proving the credentials work; the error is what the user reads.
    async fn test(&self, clients: &PlatformClients, today: chrono::NaiveDate)
    -> Result<(), String>;
    /// How to reach this platform's emulator: account id, credentials, endpoints.
    fn sandbox(&self, sandbox: &RunningSandbox, token: &str) -> (String, Credentials, Endpoints);
}

/// Where a client sends its requests, when not to the platform's real API (the
/// sandbox, a proxy).
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    pub api: String,
    /// A second API root, for platforms split in two (YouTube's Data API).
    pub secondary: Option<String>,
    /// The OAuth token endpoint, for platforms that refresh tokens.
    pub token: Option<String>,
}

/// What building a client may use besides the credentials.
#[derive(Default)]
pub struct BuildContext {
    pub endpoints: Option<Endpoints>,
    /// Called with refreshed OAuth tokens, so they can be stored again.
    pub on_refresh: Option<TokenListener>,
}

impl BuildContext {
    fn api<'a>(&'a self, default: &'a str) -> &'a str {
        self.endpoints.as_ref().map_or(default, |e| e.api.as_str())
    }
    fn token_url<'a>(&'a self, default: &'a str) -> &'a str {
        self.endpoints
            .as_ref()
            .and_then(|e| e.token.as_deref())
            .unwrap_or(default)
    }
}

fn optional(credentials: &Credentials, name: &str) -> Option<Secret> {
    credentials
        .get(name)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map(Secret::new)
}

/// OAuth credentials from a stored connection: the app, the refresh token and, when a
/// refresh already happened, the access token and its expiry.
fn oauth(
    credentials: &Credentials,
    platform: &'static str,
    token_url: &str,
    ctx: &BuildContext,
) -> Result<OAuthCredentials, ConnectError> {
    let mut oauth = OAuthCredentials::new(
        token_url,
        field(credentials, platform, "client_id")?.expose(),
        field(credentials, platform, "client_secret")?,
        field(credentials, platform, "refresh_token")?,
    );
    oauth.access_token = optional(credentials, "access_token");
    oauth.access_token_expires_at = credentials
        .get("expires_at")
        .and_then(Value::as_i64)
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0));
    oauth.on_refresh = ctx.on_refresh.clone();
    Ok(oauth)
}

fn token_credentials(name: &str, token: &str) -> Credentials {
    let mut c = Credentials::new();
    c.insert(name.to_string(), Value::String(token.to_string()));
    c
}

pub fn field(
    credentials: &Credentials,
    platform: &'static str,
    name: &'static str,
) -> Result<Secret, ConnectError> {
    credentials
        .get(name)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map(Secret::new)
        .ok_or(ConnectError::MissingField {
            platform,
            field: name,
        })
}

/// Test an ad platform with yesterday's campaign results: small, and what we read anyway.
async fn test_ad_platform(
    clients: &PlatformClients,
    key: &str,
    today: chrono::NaiveDate,
) -> Result<(), String> {
    let platform = clients
        .ads()
        .get(key)
        .ok_or_else(|| format!("{key} is not connected"))?;
    let yesterday = today - chrono::Duration::days(1);
    platform
        .daily_results(
            DateRange {
                since: yesterday,
                until: yesterday,
            },
            Detail::Campaign,
        )
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub struct Meta {
    pub api_version: String,
    /// The Graph API root for stored connections (a proxy, or a test emulator).
    pub base_url: String,
}

#[async_trait]
impl PlatformConnector for Meta {
    fn key(&self) -> &'static str {
        "meta"
    }
    fn display_name(&self) -> &'static str {
        "Meta Ads"
    }
    fn required_fields(&self) -> &'static [&'static str] {
        &["access_token"]
    }
    fn add_client(
        &self,
        clients: &mut PlatformClients,
        account_id: &str,
        credentials: &Credentials,
        ctx: &BuildContext,
    ) -> Result<(), ConnectError> {
        let token = field(credentials, "Meta Ads", "access_token")?;
        let mut config = MetaConfig::new(token, account_id);
        config.api_version = self.api_version.clone();
        config.base_url = ctx.api(&self.base_url).to_string();
        let client =
            MetaAdsClient::new(config).map_err(|e| ConnectError::Invalid(e.to_string()))?;
        clients.ads_mut().insert(Arc::new(client));
        Ok(())
    }
    async fn test(
        &self,
        clients: &PlatformClients,
        today: chrono::NaiveDate,
    ) -> Result<(), String> {
        test_ad_platform(clients, self.key(), today).await
    }
    fn sandbox(&self, sandbox: &RunningSandbox, token: &str) -> (String, Credentials, Endpoints) {
        let account = sandbox.meta().brand().meta.account_id.clone();
        let endpoints = Endpoints {
            api: sandbox.meta_base_url(),
            token: None,
            secondary: None,
        };
        (account, token_credentials("access_token", token), endpoints)
    }
}

pub struct GoogleAds {
    pub api_version: String,
    pub base_url: String,
    pub token_url: String,
}

#[async_trait]
impl PlatformConnector for GoogleAds {
    fn key(&self) -> &'static str {
        "google_ads"
    }
    fn display_name(&self) -> &'static str {
        "Google Ads"
    }
    fn required_fields(&self) -> &'static [&'static str] {
        &[
            "developer_token",
            "client_id",
            "client_secret",
            "refresh_token",
        ]
    }
    fn add_client(
        &self,
        clients: &mut PlatformClients,
        account_id: &str,
        credentials: &Credentials,
        ctx: &BuildContext,
    ) -> Result<(), ConnectError> {
        let oauth = oauth(
            credentials,
            "Google Ads",
            ctx.token_url(&self.token_url),
            ctx,
        )?;
        let mut config = GoogleAdsConfig::new(
            field(credentials, "Google Ads", "developer_token")?,
            oauth,
            account_id,
        );
        config.api_version = self.api_version.clone();
        config.base_url = ctx.api(&self.base_url).to_string();
        config.login_customer_id =
            optional(credentials, "login_customer_id").map(|s| s.expose().to_string());
        let client =
            GoogleAdsClient::new(config).map_err(|e| ConnectError::Invalid(e.to_string()))?;
        clients.ads_mut().insert(Arc::new(client));
        Ok(())
    }
    async fn test(
        &self,
        clients: &PlatformClients,
        today: chrono::NaiveDate,
    ) -> Result<(), String> {
        test_ad_platform(clients, self.key(), today).await
    }
    fn sandbox(&self, sandbox: &RunningSandbox, token: &str) -> (String, Credentials, Endpoints) {
        let account = sandbox.meta().brand().google_ads.account_id.clone();
        let mut creds = token_credentials("refresh_token", token);
        for (k, v) in [
            ("developer_token", "sandbox-developer-token"),
            ("client_id", "sandbox"),
            ("client_secret", "sandbox"),
        ] {
            creds.insert(k.into(), v.into());
        }
        let endpoints = Endpoints {
            api: sandbox.google_ads_base_url(),
            token: Some(sandbox.google_token_url()),
            secondary: None,
        };
        (account, creds, endpoints)
    }
}

pub struct TikTok {
    pub api_version: String,
    pub base_url: String,
}

#[async_trait]
impl PlatformConnector for TikTok {
    fn key(&self) -> &'static str {
        "tiktok"
    }
    fn display_name(&self) -> &'static str {
        "TikTok Ads"
    }
    fn required_fields(&self) -> &'static [&'static str] {
        &["access_token"]
    }
    fn add_client(
        &self,
        clients: &mut PlatformClients,
        account_id: &str,
        credentials: &Credentials,
        ctx: &BuildContext,
    ) -> Result<(), ConnectError> {
        let mut config = TikTokConfig::new(
            field(credentials, "TikTok Ads", "access_token")?,
            account_id,
        );
        config.api_version = self.api_version.clone();
        config.base_url = ctx.api(&self.base_url).to_string();
        let client = TikTokClient::new(config).map_err(|e| ConnectError::Invalid(e.to_string()))?;
        clients.ads_mut().insert(Arc::new(client));
        Ok(())
    }
    async fn test(
        &self,
        clients: &PlatformClients,
        today: chrono::NaiveDate,
    ) -> Result<(), String> {
        test_ad_platform(clients, self.key(), today).await
    }
    fn sandbox(&self, sandbox: &RunningSandbox, token: &str) -> (String, Credentials, Endpoints) {
        let account = sandbox.meta().brand().tiktok.account_id.clone();
        let endpoints = Endpoints {
            api: sandbox.tiktok_base_url(),
            token: None,
            secondary: None,
        };
        (account, token_credentials("access_token", token), endpoints)
    }
}

fn yesterday(today: chrono::NaiveDate) -> DateRange {
    let d = today - chrono::Duration::days(1);
    DateRange { since: d, until: d }
}

/// A platform whose client is one object looked up by key, built from one secret
/// credential and the account id: Shopify, Stripe, TripleWhale…
macro_rules! simple_connector {
    ($name:ident, $key:literal, $display:literal, $field:literal, $config:ident, $client:ident,
     sandbox: |$sb:ident, $brand:ident| ($account:expr, $url:expr),
     test: |$c:ident, $today:ident| $test:expr) => {
        pub struct $name {
            pub settings: crate::config::ApiSettings,
        }

        #[async_trait]
        impl PlatformConnector for $name {
            fn key(&self) -> &'static str {
                $key
            }
            fn display_name(&self) -> &'static str {
                $display
            }
            fn required_fields(&self) -> &'static [&'static str] {
                &[$field]
            }
            fn add_client(
                &self,
                clients: &mut PlatformClients,
                account_id: &str,
                credentials: &Credentials,
                ctx: &BuildContext,
            ) -> Result<(), ConnectError> {
                let mut config = $config::new(field(credentials, $display, $field)?, account_id);
                if !self.settings.api_version.is_empty() {
                    config.api_version = self.settings.api_version.clone();
                }
                if let Some(e) = &ctx.endpoints {
                    config.base_url = e.api.clone();
                } else if !self.settings.base_url.is_empty() {
                    config.base_url = self.settings.base_url.clone();
                }
                let client =
                    $client::new(config).map_err(|e| ConnectError::Invalid(e.to_string()))?;
                clients.insert($key, Arc::new(client));
                Ok(())
            }
            async fn test(
                &self,
                clients: &PlatformClients,
                today: chrono::NaiveDate,
            ) -> Result<(), String> {
                let $c = clients
                    .get::<$client>($key)
                    .ok_or_else(|| format!("{} is not connected", $display))?;
                let $today = today;
                $test.await.map(|_| ()).map_err(|e| e.to_string())
            }
            fn sandbox(
                &self,
                $sb: &RunningSandbox,
                token: &str,
            ) -> (String, Credentials, Endpoints) {
                let $brand = $sb.meta().brand().clone();
                (
                    ($account).to_string(),
                    token_credentials($field, token),
                    Endpoints {
                        api: $url,
                        token: None,
                        secondary: None,
                    },
                )
            }
        }
    };
}

simple_connector!(Shopify, "shopify", "Shopify", "access_token", ShopifyConfig, ShopifyClient,
    sandbox: |sb, brand| (brand.shopify.shop_domain.clone(), sb.shopify_base_url()),
    test: |c, today| { let _ = today; c.shop() });
simple_connector!(Stripe, "stripe", "Stripe", "secret_key", StripeConfig, StripeClient,
    sandbox: |sb, brand| (brand.stripe.account_id.clone(), sb.stripe_base_url()),
    test: |c, today| c.charges(yesterday(today)));
simple_connector!(TripleWhale, "triplewhale", "Triple Whale", "api_key", TripleWhaleConfig, TripleWhaleClient,
    sandbox: |sb, brand| (brand.triplewhale.shop_domain.clone(), sb.triplewhale_base_url()),
    test: |c, today| c.summary_metrics(yesterday(today)));

/// The CRMs take either a static token (HubSpot private app, GoHighLevel private
/// integration) or OAuth credentials with a refresh token.
macro_rules! crm_connector {
    ($name:ident, $key:literal, $display:literal, $config:ident, $client:ident, $default_token_path:literal,
     sandbox: |$sb:ident, $brand:ident| ($account:expr, $url:expr),
     test: |$c:ident| $test:expr) => {
        pub struct $name {
            pub settings: crate::config::ApiSettings,
        }

        #[async_trait]
        impl PlatformConnector for $name {
            fn key(&self) -> &'static str {
                $key
            }
            fn display_name(&self) -> &'static str {
                $display
            }
            /// Or `client_id`, `client_secret` and `refresh_token` for OAuth.
            fn required_fields(&self) -> &'static [&'static str] {
                &["access_token"]
            }
            fn add_client(
                &self,
                clients: &mut PlatformClients,
                account_id: &str,
                credentials: &Credentials,
                ctx: &BuildContext,
            ) -> Result<(), ConnectError> {
                let base = ctx.api(&self.settings.base_url).to_string();
                let mut config = if credentials.contains_key("refresh_token") {
                    let default_token_url = format!("{base}{}", $default_token_path);
                    let token_url = if self.settings.token_url.is_empty() {
                        default_token_url.as_str()
                    } else {
                        self.settings.token_url.as_str()
                    };
                    $config::oauth(
                        oauth(credentials, $display, ctx.token_url(token_url), ctx)?,
                        account_id,
                    )
                } else {
                    $config::new(field(credentials, $display, "access_token")?, account_id)
                };
                config.base_url = base;
                if !self.settings.api_version.is_empty() {
                    config.api_version = self.settings.api_version.clone();
                }
                let client =
                    $client::new(config).map_err(|e| ConnectError::Invalid(e.to_string()))?;
                clients.insert($key, Arc::new(client));
                Ok(())
            }
            async fn test(
                &self,
                clients: &PlatformClients,
                _today: chrono::NaiveDate,
            ) -> Result<(), String> {
                let $c = clients
                    .get::<$client>($key)
                    .ok_or_else(|| format!("{} is not connected", $display))?;
                $test.await.map(|_| ()).map_err(|e| e.to_string())
            }
            fn sandbox(
                &self,
                $sb: &RunningSandbox,
                token: &str,
            ) -> (String, Credentials, Endpoints) {
                let $brand = $sb.meta().brand().clone();
                (
                    ($account).to_string(),
                    token_credentials("access_token", token),
                    Endpoints {
                        api: $url,
                        token: None,
                        secondary: None,
                    },
                )
            }
        }
    };
}

crm_connector!(HubSpot, "hubspot", "HubSpot", HubSpotConfig, HubSpotClient, "/oauth/v3/token",
    sandbox: |sb, brand| (brand.hubspot.portal_id.clone(), sb.hubspot_base_url()),
    test: |c| c.deal_pipelines());
crm_connector!(GoHighLevel, "gohighlevel", "GoHighLevel", GoHighLevelConfig, GoHighLevelClient, "/oauth/token",
    sandbox: |sb, brand| (brand.gohighlevel.location_id.clone(), sb.gohighlevel_base_url()),
    test: |c| c.pipelines());

pub struct Klaviyo {
    pub settings: crate::config::ApiSettings,
}

#[async_trait]
impl PlatformConnector for Klaviyo {
    fn key(&self) -> &'static str {
        "klaviyo"
    }
    fn display_name(&self) -> &'static str {
        "Klaviyo"
    }
    fn required_fields(&self) -> &'static [&'static str] {
        &["api_key"]
    }
    fn add_client(
        &self,
        clients: &mut PlatformClients,
        account_id: &str,
        credentials: &Credentials,
        ctx: &BuildContext,
    ) -> Result<(), ConnectError> {
        let mut config = KlaviyoConfig::new(field(credentials, "Klaviyo", "api_key")?, account_id);
        config.base_url = ctx.api(&self.settings.base_url).to_string();
        if !self.settings.api_version.is_empty() {
            config.revision = self.settings.api_version.clone();
        }
        if ctx.endpoints.is_some() {
            // The demo emulator does not enforce Klaviyo's 2-reports-a-minute limit, so
            // neither need we: a demo must not stall after one e-mail question.
            config.reporting_limit = omnify_tools::connectors::klaviyo::ReportingLimit {
                burst: 100,
                burst_window: std::time::Duration::from_secs(1),
                steady: 10_000,
                steady_window: std::time::Duration::from_secs(60),
            };
        }
        let client =
            KlaviyoClient::new(config).map_err(|e| ConnectError::Invalid(e.to_string()))?;
        clients.insert("klaviyo", Arc::new(client));
        Ok(())
    }
    async fn test(
        &self,
        clients: &PlatformClients,
        _today: chrono::NaiveDate,
    ) -> Result<(), String> {
        let c = clients
            .get::<KlaviyoClient>("klaviyo")
            .ok_or("Klaviyo is not connected")?;
        c.flows().await.map(|_| ()).map_err(|e| e.to_string())
    }
    fn sandbox(&self, sandbox: &RunningSandbox, token: &str) -> (String, Credentials, Endpoints) {
        let account = sandbox.meta().brand().klaviyo.account_id.clone();
        (
            account,
            token_credentials("api_key", token),
            Endpoints {
                api: sandbox.klaviyo_base_url(),
                token: None,
                secondary: None,
            },
        )
    }
}

const OAUTH_FIELDS: &[&str] = &["client_id", "client_secret", "refresh_token"];

/// LinkedIn rotates the refresh token on every refresh: the connection's listener
/// stores each new one, or the next start would hold a dead token.
pub struct LinkedIn {
    pub settings: crate::config::ApiSettings,
}

#[async_trait]
impl PlatformConnector for LinkedIn {
    fn key(&self) -> &'static str {
        "linkedin"
    }
    fn display_name(&self) -> &'static str {
        "LinkedIn Ads"
    }
    fn required_fields(&self) -> &'static [&'static str] {
        OAUTH_FIELDS
    }
    fn add_client(
        &self,
        clients: &mut PlatformClients,
        account_id: &str,
        credentials: &Credentials,
        ctx: &BuildContext,
    ) -> Result<(), ConnectError> {
        let oauth = oauth(
            credentials,
            "LinkedIn Ads",
            ctx.token_url(&self.settings.token_url),
            ctx,
        )?;
        let mut config = LinkedInConfig::new(oauth, account_id);
        config.base_url = ctx.api(&self.settings.base_url).to_string();
        if !self.settings.api_version.is_empty() {
            config.api_version = self.settings.api_version.clone();
        }
        let client =
            LinkedInClient::new(config).map_err(|e| ConnectError::Invalid(e.to_string()))?;
        clients.ads_mut().insert(Arc::new(client));
        Ok(())
    }
    async fn test(
        &self,
        clients: &PlatformClients,
        today: chrono::NaiveDate,
    ) -> Result<(), String> {
        test_ad_platform(clients, self.key(), today).await
    }
    fn sandbox(&self, sandbox: &RunningSandbox, _token: &str) -> (String, Credentials, Endpoints) {
        let mut creds = token_credentials(
            "refresh_token",
            &sandbox.linkedin().oauth().current_refresh_token(),
        );
        creds.insert("client_id".into(), "sandbox-client".into());
        creds.insert("client_secret".into(), "sandbox-secret".into());
        let endpoints = Endpoints {
            api: sandbox.linkedin_base_url(),
            token: Some(sandbox.linkedin_token_url()),
            secondary: None,
        };
        (
            omnify_tools::sandbox::brand::linkedin::ACCOUNT_ID.to_string(),
            creds,
            endpoints,
        )
    }
}

pub struct YouTube {
    pub analytics: crate::config::ApiSettings,
    pub data_base_url: String,
}

#[async_trait]
impl PlatformConnector for YouTube {
    fn key(&self) -> &'static str {
        "youtube"
    }
    fn display_name(&self) -> &'static str {
        "YouTube"
    }
    fn required_fields(&self) -> &'static [&'static str] {
        OAUTH_FIELDS
    }
    fn add_client(
        &self,
        clients: &mut PlatformClients,
        account_id: &str,
        credentials: &Credentials,
        ctx: &BuildContext,
    ) -> Result<(), ConnectError> {
        let oauth = oauth(
            credentials,
            "YouTube",
            ctx.token_url(&self.analytics.token_url),
            ctx,
        )?;
        let mut config = YouTubeConfig::new(oauth, account_id);
        config.analytics_base_url = ctx.api(&self.analytics.base_url).to_string();
        config.data_base_url = ctx
            .endpoints
            .as_ref()
            .and_then(|e| e.secondary.clone())
            .unwrap_or_else(|| self.data_base_url.clone());
        let client =
            YouTubeClient::new(config).map_err(|e| ConnectError::Invalid(e.to_string()))?;
        clients.insert("youtube", Arc::new(client));
        Ok(())
    }
    async fn test(
        &self,
        clients: &PlatformClients,
        today: chrono::NaiveDate,
    ) -> Result<(), String> {
        let c = clients
            .get::<YouTubeClient>("youtube")
            .ok_or("YouTube is not connected")?;
        c.daily(yesterday(today))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    fn sandbox(&self, sandbox: &RunningSandbox, token: &str) -> (String, Credentials, Endpoints) {
        let mut creds = token_credentials("refresh_token", token);
        creds.insert("client_id".into(), "sandbox".into());
        creds.insert("client_secret".into(), "sandbox".into());
        let endpoints = Endpoints {
            api: sandbox.youtube_analytics_base_url(),
            token: Some(sandbox.google_token_url()),
            secondary: Some(sandbox.youtube_data_base_url()),
        };
        (
            omnify_tools::sandbox::brand::youtube::CHANNEL_ID.to_string(),
            creds,
            endpoints,
        )
    }
}

/// Every platform Omnify can connect.
pub fn all(settings: &crate::config::Settings) -> Vec<Arc<dyn PlatformConnector>> {
    let p = &settings.platforms;
    vec![
        Arc::new(Meta {
            api_version: p.meta.api_version.clone(),
            base_url: p.meta.base_url.clone(),
        }),
        Arc::new(GoogleAds {
            api_version: p.google_ads.api_version.clone(),
            base_url: p.google_ads.base_url.clone(),
            token_url: p.google_ads.token_url.clone(),
        }),
        Arc::new(TikTok {
            api_version: p.tiktok.api_version.clone(),
            base_url: p.tiktok.base_url.clone(),
        }),
        Arc::new(Shopify {
            settings: p.shopify.clone(),
        }),
        Arc::new(Stripe {
            settings: p.stripe.clone(),
        }),
        Arc::new(TripleWhale {
            settings: p.triplewhale.clone(),
        }),
        Arc::new(HubSpot {
            settings: p.hubspot.clone(),
        }),
        Arc::new(Klaviyo {
            settings: p.klaviyo.clone(),
        }),
        Arc::new(GoHighLevel {
            settings: p.gohighlevel.clone(),
        }),
        Arc::new(LinkedIn {
            settings: p.linkedin.clone(),
        }),
        Arc::new(YouTube {
            analytics: p.youtube.clone(),
            data_base_url: "https://www.googleapis.com".into(),
        }),
    ]
}
