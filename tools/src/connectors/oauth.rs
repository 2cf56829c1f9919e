//! OAuth2 refresh-token sessions (Google, LinkedIn): an access token kept in memory,
//! refreshed before it expires or after the platform rejects it, with the new token
//! pair handed to a listener so the server can store it.

use chrono::{DateTime, Utc};
use omnify_core::Secret;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// Refresh this long before the platform says the token expires, so a token never
/// runs out between the check and the request.
const EXPIRY_MARGIN_SECS: i64 = 60;

/// The tokens of one connection, as they stand after the latest refresh.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenPair {
    /// Empty until the first refresh when none was configured.
    pub access_token: Secret,
    /// Some platforms (LinkedIn) rotate it on refresh; Google keeps it.
    pub refresh_token: Secret,
    /// `None`: unknown, so the token is used until the platform rejects it.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Called with the new pair after every successful refresh, e.g. to store it
/// encrypted; it must not block.
#[derive(Clone)]
pub struct TokenListener(pub Arc<dyn Fn(&TokenPair) + Send + Sync>);

impl std::fmt::Debug for TokenListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenListener")
    }
}

/// An OAuth app's credentials and a user's refresh token.
#[derive(Debug, Clone)]
pub struct OAuthCredentials {
    /// e.g. `https://oauth2.googleapis.com/token`.
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub refresh_token: Secret,
    /// A still-valid access token from an earlier refresh, if the server stored one.
    pub access_token: Option<Secret>,
    pub access_token_expires_at: Option<DateTime<Utc>>,
    pub on_refresh: Option<TokenListener>,
}

impl OAuthCredentials {
    pub fn new(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Secret,
        refresh_token: Secret,
    ) -> Self {
        Self {
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_secret,
            refresh_token,
            access_token: None,
            access_token_expires_at: None,
            on_refresh: None,
        }
    }
}

/// Why a refresh failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RefreshError {
    /// The token endpoint refused the refresh token (`invalid_grant`, revoked app…):
    /// only reconnecting fixes it.
    #[error("the platform refused the refresh token ({error}: {description})")]
    Rejected { error: String, description: String },
    #[error("token endpoint unavailable (HTTP {0})")]
    Unavailable(u16),
    #[error("token endpoint did not answer in time")]
    Timeout,
    #[error("could not reach the token endpoint: {0}")]
    Network(String),
    #[error("unreadable token response: {0}")]
    Malformed(String),
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    refresh_token: Option<String>,
}

#[derive(Deserialize, Default)]
struct TokenErrorBody {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

/// One connection's live tokens.
#[derive(Debug)]
pub(crate) struct OAuthSession {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    client_secret: Secret,
    on_refresh: Option<TokenListener>,
    tokens: Mutex<TokenPair>,
}

impl OAuthSession {
    pub(crate) fn new(credentials: OAuthCredentials, timeout: Duration) -> Result<Self, String> {
        if credentials.refresh_token.is_empty() {
            return Err("no refresh token configured".to_owned());
        }
        reqwest::Url::parse(&credentials.token_url)
            .map_err(|e| format!("token_url {:?}: {e}", credentials.token_url))?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("omnify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            token_url: credentials.token_url,
            client_id: credentials.client_id,
            client_secret: credentials.client_secret,
            on_refresh: credentials.on_refresh,
            tokens: Mutex::new(TokenPair {
                access_token: credentials.access_token.unwrap_or_default(),
                refresh_token: credentials.refresh_token,
                expires_at: credentials.access_token_expires_at,
            }),
        })
    }

    pub(crate) async fn tokens(&self) -> TokenPair {
        self.tokens.lock().await.clone()
    }

    /// A usable access token, refreshed first when missing or about to expire.
    pub(crate) async fn access_token(&self) -> Result<Secret, RefreshError> {
        let mut tokens = self.tokens.lock().await;
        let expiring = tokens
            .expires_at
            .is_some_and(|at| at - chrono::Duration::seconds(EXPIRY_MARGIN_SECS) <= Utc::now());
        if tokens.access_token.is_empty() || expiring {
            self.refresh(&mut tokens).await?;
        }
        Ok(tokens.access_token.clone())
    }

    /// A new access token after the platform rejected `rejected`. When another request
    /// already refreshed meanwhile, its token is returned without a second refresh.
    pub(crate) async fn refresh_after_rejection(
        &self,
        rejected: &Secret,
    ) -> Result<Secret, RefreshError> {
        let mut tokens = self.tokens.lock().await;
        if &tokens.access_token == rejected {
            self.refresh(&mut tokens).await?;
        }
        Ok(tokens.access_token.clone())
    }

    async fn refresh(&self, tokens: &mut TokenPair) -> Result<(), RefreshError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens.refresh_token.expose()),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
        ];
        let response = self
            .http
            .post(&self.token_url)
            .form(&form)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let body = response.bytes().await.map_err(transport_error)?;
        if status.is_server_error() {
            return Err(RefreshError::Unavailable(status.as_u16()));
        }
        if !status.is_success() {
            let detail: TokenErrorBody = serde_json::from_slice(&body).unwrap_or_default();
            return Err(RefreshError::Rejected {
                error: if detail.error.is_empty() {
                    format!("HTTP {}", status.as_u16())
                } else {
                    detail.error
                },
                description: detail.error_description,
            });
        }
        let fresh: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| RefreshError::Malformed(e.to_string()))?;
        tokens.access_token = Secret::new(fresh.access_token);
        tokens.expires_at = fresh
            .expires_in
            .map(|secs| Utc::now() + chrono::Duration::seconds(secs));
        if let Some(rotated) = fresh.refresh_token.filter(|t| !t.is_empty()) {
            tokens.refresh_token = Secret::new(rotated);
        }
        tracing::info!(token_url = %self.token_url, "oauth access token refreshed");
        if let Some(listener) = &self.on_refresh {
            (listener.0)(tokens);
        }
        Ok(())
    }
}

fn transport_error(error: reqwest::Error) -> RefreshError {
    let error = error.without_url();
    if error.is_timeout() {
        RefreshError::Timeout
    } else {
        RefreshError::Network(error.to_string())
    }
}
