//! The HTTP client for GoHighLevel's API v2: the `Version` header, private
//! integration tokens or OAuth with rotating refresh tokens, paging, retries.

use super::errors::{ErrorBody, GoHighLevelError, Retry, classify};
use super::wire::{
    ContactPage, OpportunityPage, PipelineList, WireContact, WireOpportunity, WirePipeline,
};
use crate::connectors::oauth::{OAuthCredentials, OAuthSession, TokenPair};
use crate::connectors::retry::{Backoff, retry_after};
use omnify_core::Secret;
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub enum GoHighLevelAuth {
    /// A Private Integration Token: static.
    PrivateIntegration(Secret),
    /// Marketplace OAuth. Access tokens last about a day; every refresh returns a new
    /// refresh token and spends the old one, so `on_refresh` must store each pair.
    /// An empty `token_url` means `{base_url}/oauth/token`.
    OAuth(OAuthCredentials),
}

#[derive(Debug, Clone)]
pub struct GoHighLevelConfig {
    /// `https://services.leadconnectorhq.com`; the sandbox's `gohighlevel_base_url()`.
    pub base_url: String,
    /// The `Version` header, "2021-07-28".
    pub api_version: String,
    pub auth: GoHighLevelAuth,
    /// The sub-account every request is scoped to.
    pub location_id: String,
    /// Records per page (contacts search allows up to 500, opportunities 100).
    pub page_limit: u32,
    pub max_pages: u32,
    pub max_retries: u32,
    pub timeout: Duration,
    pub backoff: Backoff,
    /// Wait after a 429, which comes without `Retry-After`.
    pub burst_wait: Duration,
}

impl GoHighLevelConfig {
    /// A private-integration-token connection.
    pub fn new(token: Secret, location_id: impl Into<String>) -> Self {
        Self {
            base_url: "https://services.leadconnectorhq.com".to_owned(),
            api_version: "2021-07-28".to_owned(),
            auth: GoHighLevelAuth::PrivateIntegration(token),
            location_id: location_id.into(),
            page_limit: 100,
            max_pages: 50,
            max_retries: 3,
            timeout: Duration::from_secs(30),
            backoff: Backoff::default(),
            burst_wait: Duration::from_secs(2),
        }
    }

    pub fn oauth(credentials: OAuthCredentials, location_id: impl Into<String>) -> Self {
        Self {
            auth: GoHighLevelAuth::OAuth(credentials),
            ..Self::new(Secret::default(), location_id)
        }
    }
}

/// Filters of `GET /opportunities/search`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpportunityQuery {
    /// open, won, lost, abandoned or all.
    pub status: Option<String>,
    pub pipeline_id: Option<String>,
    pub stage_id: Option<String>,
    pub assigned_to: Option<String>,
    /// Free text.
    pub q: Option<String>,
    pub max_results: usize,
}

/// Contacts and the total GoHighLevel counted.
#[derive(Debug, Clone)]
pub struct ContactResults {
    pub total: u64,
    pub contacts: Vec<WireContact>,
}

#[derive(Debug, Clone)]
pub struct OpportunityResults {
    pub total: u64,
    pub opportunities: Vec<WireOpportunity>,
}

#[derive(Debug, Clone)]
pub struct GoHighLevelClient {
    http: reqwest::Client,
    config: GoHighLevelConfig,
    root: String,
    oauth: Option<Arc<OAuthSession>>,
}

impl GoHighLevelClient {
    pub fn new(config: GoHighLevelConfig) -> Result<Self, GoHighLevelError> {
        if let GoHighLevelAuth::PrivateIntegration(token) = &config.auth
            && token.is_empty()
        {
            return Err(GoHighLevelError::Config(
                "no access token configured".to_owned(),
            ));
        }
        if config.location_id.trim().is_empty() {
            return Err(GoHighLevelError::Config(
                "no location id configured".to_owned(),
            ));
        }
        let root = config.base_url.trim_end_matches('/').to_owned();
        Url::parse(&root).map_err(|e| {
            GoHighLevelError::Config(format!("base_url {:?}: {e}", config.base_url))
        })?;
        let oauth = match &config.auth {
            GoHighLevelAuth::PrivateIntegration(_) => None,
            GoHighLevelAuth::OAuth(credentials) => {
                let mut credentials = credentials.clone();
                if credentials.token_url.is_empty() {
                    credentials.token_url = format!("{root}/oauth/token");
                }
                Some(Arc::new(
                    OAuthSession::new(credentials, config.timeout)
                        .map_err(GoHighLevelError::Config)?,
                ))
            }
        };
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("omnify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| GoHighLevelError::Config(e.to_string()))?;
        Ok(Self {
            http,
            config,
            root,
            oauth,
        })
    }

    pub fn location_id(&self) -> &str {
        &self.config.location_id
    }

    pub fn config(&self) -> &GoHighLevelConfig {
        &self.config
    }

    /// The current OAuth pair (after any refresh and rotation), for the server to store.
    pub async fn current_tokens(&self) -> Option<TokenPair> {
        match &self.oauth {
            Some(session) => Some(session.tokens().await),
            None => None,
        }
    }

    /// `POST /contacts/search`, page by page until `max_results` or the last page.
    /// `filters` are GoHighLevel filter objects (`{"field","operator","value"}`).
    pub async fn search_contacts(
        &self,
        query: Option<&str>,
        filters: &[Value],
        max_results: usize,
    ) -> Result<ContactResults, GoHighLevelError> {
        let url = format!("{}/contacts/search", self.root);
        let mut contacts = Vec::new();
        let mut total = 0;
        let cap = max_results.clamp(1, 10_000);
        for page in 1..=self.config.max_pages {
            let page_limit = (self.config.page_limit as usize)
                .min(cap - contacts.len())
                .max(1);
            let mut body = json!({
                "locationId": self.config.location_id,
                "page": page,
                "pageLimit": page_limit,
                "filters": filters,
                "sort": [{"field": "dateAdded", "direction": "desc"}],
            });
            if let Some(q) = query {
                body["query"] = json!(q);
            }
            let result: ContactPage = self.send(Method::POST, &url, &[], Some(&body)).await?;
            total = result.total.unwrap_or(total);
            let got = result.contacts.len();
            contacts.extend(result.contacts);
            if got < page_limit || contacts.len() >= cap || contacts.len() as u64 >= total {
                contacts.truncate(cap);
                return Ok(ContactResults { total, contacts });
            }
        }
        Err(GoHighLevelError::TooManyPages {
            max_pages: self.config.max_pages,
        })
    }

    /// `GET /opportunities/search`, following `meta.startAfter`/`startAfterId`.
    pub async fn search_opportunities(
        &self,
        query: &OpportunityQuery,
    ) -> Result<OpportunityResults, GoHighLevelError> {
        let url = format!("{}/opportunities/search", self.root);
        let cap = query.max_results.clamp(1, 100_000);
        let mut base: Vec<(&str, String)> = vec![
            ("location_id", self.config.location_id.clone()),
            ("limit", self.config.page_limit.min(100).to_string()),
        ];
        for (name, value) in [
            ("status", &query.status),
            ("pipeline_id", &query.pipeline_id),
            ("pipeline_stage_id", &query.stage_id),
            ("assigned_to", &query.assigned_to),
            ("q", &query.q),
        ] {
            if let Some(v) = value {
                base.push((name, v.clone()));
            }
        }
        let mut opportunities = Vec::new();
        let mut total = 0;
        let mut cursor: Option<(String, String)> = None;
        for _ in 0..self.config.max_pages {
            let mut params = base.clone();
            if let Some((after, after_id)) = &cursor {
                params.push(("startAfter", after.clone()));
                params.push(("startAfterId", after_id.clone()));
            }
            let page: OpportunityPage = self.send(Method::GET, &url, &params, None).await?;
            let meta = page.meta;
            total = meta.as_ref().and_then(|m| m.total).unwrap_or(total);
            let got = page.opportunities.len();
            opportunities.extend(page.opportunities);
            let next = meta.and_then(|m| {
                let more = m.next_page.as_ref().is_some_and(|n| !n.is_null());
                let after = m.start_after.map(|v| match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })?;
                more.then_some((after, m.start_after_id?))
            });
            match next {
                Some(c) if got > 0 && opportunities.len() < cap => cursor = Some(c),
                _ => {
                    opportunities.truncate(cap);
                    return Ok(OpportunityResults {
                        total,
                        opportunities,
                    });
                }
            }
        }
        Err(GoHighLevelError::TooManyPages {
            max_pages: self.config.max_pages,
        })
    }

    pub(crate) async fn pipelines_wire(&self) -> Result<Vec<WirePipeline>, GoHighLevelError> {
        let url = format!("{}/opportunities/pipelines", self.root);
        let params = [("locationId", self.config.location_id.clone())];
        let list: PipelineList = self.send(Method::GET, &url, &params, None).await?;
        Ok(list.pipelines)
    }

    /// `PUT /opportunities/{id}/status`: open, won, lost or abandoned.
    pub async fn update_opportunity_status(
        &self,
        opportunity_id: &str,
        status: &str,
    ) -> Result<(), GoHighLevelError> {
        if !["open", "won", "lost", "abandoned"].contains(&status) {
            return Err(GoHighLevelError::Invalid {
                message: format!("status must be open, won, lost or abandoned, got {status:?}"),
            });
        }
        if opportunity_id.is_empty() || !opportunity_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(GoHighLevelError::Invalid {
                message: format!(
                    "opportunity id must be letters and digits, got {opportunity_id:?}"
                ),
            });
        }
        let url = format!("{}/opportunities/{opportunity_id}/status", self.root);
        let answer: Value = self
            .send(Method::PUT, &url, &[], Some(&json!({"status": status})))
            .await?;
        // {"succeded":true}: GoHighLevel's spelling.
        if answer["succeded"].as_bool() == Some(true) || answer["succeeded"].as_bool() == Some(true)
        {
            Ok(())
        } else {
            Err(GoHighLevelError::Malformed(format!(
                "status update not confirmed: {answer}"
            )))
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        params: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<T, GoHighLevelError> {
        let mut attempt = 0;
        let mut refreshed = false;
        loop {
            let token = self.access_token().await?;
            let (error, retry) = match self
                .send_once(method.clone(), url, params, body, &token)
                .await
            {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            let wait = match retry {
                Retry::Refresh => match &self.oauth {
                    // One refresh per call: a token rejected right after a refresh is
                    // not going to work on the next try either.
                    Some(session) if !refreshed => {
                        refreshed = true;
                        session.refresh_after_rejection(&token).await?;
                        continue;
                    }
                    _ => None,
                },
                Retry::No => None,
                Retry::Backoff => Some(self.config.backoff.delay(attempt)),
                Retry::After(after) => Some(after),
            };
            let Some(wait) = wait.filter(|_| attempt < self.config.max_retries) else {
                return Err(error);
            };
            attempt += 1;
            tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, error = %error, "gohighlevel request failed, retrying");
            tokio::time::sleep(wait).await;
        }
    }

    async fn send_once<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        params: &[(&str, String)],
        body: Option<&Value>,
        token: &Secret,
    ) -> Result<T, (GoHighLevelError, Retry)> {
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(token.expose())
            .header("Version", &self.config.api_version)
            .header(reqwest::header::ACCEPT, "application/json");
        if !params.is_empty() {
            request = request.query(params);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| (GoHighLevelError::Malformed(e.to_string()), Retry::No));
        }
        let detail = serde_json::from_slice::<ErrorBody>(&bytes).ok();
        Err(classify(
            status.as_u16(),
            detail,
            retry_after(&headers),
            self.config.burst_wait,
        ))
    }

    async fn access_token(&self) -> Result<Secret, GoHighLevelError> {
        match (&self.config.auth, &self.oauth) {
            (_, Some(session)) => Ok(session.access_token().await?),
            (GoHighLevelAuth::PrivateIntegration(token), None) => Ok(token.clone()),
            (GoHighLevelAuth::OAuth(_), None) => {
                Err(GoHighLevelError::Config("OAuth session missing".to_owned()))
            }
        }
    }

    fn transport_error(&self, error: reqwest::Error) -> (GoHighLevelError, Retry) {
        let error = error.without_url();
        if error.is_timeout() {
            (
                GoHighLevelError::Timeout(self.config.timeout),
                Retry::Backoff,
            )
        } else {
            (GoHighLevelError::Network(error.to_string()), Retry::Backoff)
        }
    }
}
