//! What Omnify needs to know to connect each platform: the credentials it takes, how
//! to build its client from them, and one cheap call to test them.

use async_trait::async_trait;
use omnify_core::{DateRange, Secret};
use omnify_tools::connectors::Detail;
use omnify_tools::sandbox::RunningSandbox;
use omnify_tools::{MetaAdsClient, MetaConfig, PlatformClients};
use serde_json::Value;
use std::sync::Arc;

/// Credentials as the admin API receives them: a JSON object of strings.
pub type Credentials = serde_json::Map<String, Value>;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{platform} needs `{field}` in credentials")]
    MissingField { platform: &'static str, field: &'static str },
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
    /// Build the client into `clients`. `base_url` overrides the platform's real API
    /// root (the sandbox, or a proxy).
    fn add_client(
        &self,
        clients: &mut PlatformClients,
        account_id: &str,
        credentials: &Credentials,
        base_url: Option<&str>,
    ) -> Result<(), ConnectError>;
    /// One cheap call proving the credentials work; the error is what the user reads.
    async fn test(&self, clients: &PlatformClients, today: chrono::NaiveDate) -> Result<(), String>;
    /// How to reach this platform's emulator: account id, credentials, base URL.
    fn sandbox(&self, sandbox: &RunningSandbox, token: &str) -> (String, Credentials, String);
}

fn token_credentials(name: &str, token: &str) -> Credentials {
    let mut c = Credentials::new();
    c.insert(name.to_string(), Value::String(token.to_string()));
    c
}

pub fn field(credentials: &Credentials, platform: &'static str, name: &'static str) -> Result<Secret, ConnectError> {
    credentials
        .get(name)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map(Secret::new)
        .ok_or(ConnectError::MissingField { platform, field: name })
}

/// Test an ad platform with yesterday's campaign results: small, and what we read anyway.
async fn test_ad_platform(clients: &PlatformClients, key: &str, today: chrono::NaiveDate) -> Result<(), String> {
    let platform = clients.ads().get(key).ok_or_else(|| format!("{key} is not connected"))?;
    let yesterday = today - chrono::Duration::days(1);
    platform
        .daily_results(DateRange { since: yesterday, until: yesterday }, Detail::Campaign)
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
        base_url: Option<&str>,
    ) -> Result<(), ConnectError> {
        let token = field(credentials, "Meta Ads", "access_token")?;
        let mut config = MetaConfig::new(token, account_id);
        config.api_version = self.api_version.clone();
        config.base_url = base_url.unwrap_or(&self.base_url).to_string();
        let client = MetaAdsClient::new(config).map_err(|e| ConnectError::Invalid(e.to_string()))?;
        clients.ads_mut().insert(Arc::new(client));
        Ok(())
    }
    async fn test(&self, clients: &PlatformClients, today: chrono::NaiveDate) -> Result<(), String> {
        test_ad_platform(clients, self.key(), today).await
    }
    fn sandbox(&self, sandbox: &RunningSandbox, token: &str) -> (String, Credentials, String) {
        let account = sandbox.meta().brand().meta.account_id.clone();
        (account, token_credentials("access_token", token), sandbox.meta_base_url())
    }
}

/// Every platform Omnify can connect.
pub fn all(settings: &crate::config::Settings) -> Vec<Arc<dyn PlatformConnector>> {
    let meta = &settings.platforms.meta;
    vec![Arc::new(Meta { api_version: meta.api_version.clone(), base_url: meta.base_url.clone() })]
}
