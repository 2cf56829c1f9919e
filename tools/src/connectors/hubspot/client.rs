//! The HTTP client for HubSpot's CRM v3 API: auth (private-app token or OAuth with
//! refresh on expiry), search paging, retries.

use super::errors::{ErrorBody, HubSpotError, Retry, classify};
use super::wire::{
    CrmObject, CrmRecord, PipelineList, SearchBody, SearchPage, SearchRequest, WirePipeline,
};
use crate::connectors::oauth::{OAuthCredentials, OAuthSession, TokenPair};
use crate::connectors::retry::{Backoff, retry_after};
use omnify_core::Secret;
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// How the connection authenticates.
#[derive(Debug, Clone)]
pub enum HubSpotAuth {
    /// A private app's static token (`pat-na1-…`): no expiry, no refresh.
    PrivateApp(Secret),
    /// A public app installed with OAuth: access tokens last about 30 minutes and are
    /// refreshed from `expires_in`, before they expire. HubSpot's docs say a 401 is not
    /// a reliable refresh signal, so a 401 is reported, not refreshed. An empty
    /// `token_url` means `{base_url}/oauth/v3/token`; set `on_refresh` to store the
    /// refreshed pair.
    OAuth(OAuthCredentials),
}

/// How to reach one HubSpot account.
#[derive(Debug, Clone)]
pub struct HubSpotConfig {
    /// API root; the sandbox's `hubspot_base_url()` in development.
    pub base_url: String,
    /// The CRM API version in the paths, "v3".
    pub api_version: String,
    pub auth: HubSpotAuth,
    /// The account's Hub ID, for provenance.
    pub portal_id: String,
    /// Records per search page (HubSpot allows up to 200).
    pub page_limit: u32,
    /// Pages followed before giving up with [`HubSpotError::TooManyPages`].
    pub max_pages: u32,
    pub max_retries: u32,
    pub timeout: Duration,
    pub backoff: Backoff,
    /// Wait after a burst (SECONDLY / TEN_SECONDLY_ROLLING) 429, which has no
    /// `Retry-After`.
    pub burst_wait: Duration,
}

impl HubSpotConfig {
    /// A private-app connection.
    pub fn new(access_token: Secret, portal_id: impl Into<String>) -> Self {
        Self {
            base_url: "https://api.hubapi.com".to_owned(),
            api_version: "v3".to_owned(),
            auth: HubSpotAuth::PrivateApp(access_token),
            portal_id: portal_id.into(),
            page_limit: 100,
            max_pages: 20,
            max_retries: 3,
            timeout: Duration::from_secs(30),
            backoff: Backoff::default(),
            burst_wait: Duration::from_secs(1),
        }
    }

    /// An OAuth connection; see [`HubSpotAuth::OAuth`].
    pub fn oauth(credentials: OAuthCredentials, portal_id: impl Into<String>) -> Self {
        Self {
            auth: HubSpotAuth::OAuth(credentials),
            ..Self::new(Secret::default(), portal_id)
        }
    }
}

/// Changes to a deal (`PATCH /crm/v3/objects/deals/{id}`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DealUpdate {
    /// A stage id of the deal's pipeline, e.g. "closedlost".
    pub stage_id: Option<String>,
    pub amount: Option<rust_decimal::Decimal>,
}

/// A search's records and HubSpot's count of all matches.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    pub total: u64,
    pub records: Vec<CrmRecord>,
}

/// A client for one HubSpot account; clones share the OAuth tokens.
#[derive(Debug, Clone)]
pub struct HubSpotClient {
    http: reqwest::Client,
    config: HubSpotConfig,
    /// `{base_url}/crm/{api_version}`.
    crm_root: String,
    /// The OAuth session, shared by clones so one refresh serves them all.
    oauth: Option<Arc<OAuthSession>>,
}

/// HubSpot search returns at most this many records per query.
const SEARCH_CAP: usize = 10_000;

impl HubSpotClient {
    pub fn new(config: HubSpotConfig) -> Result<Self, HubSpotError> {
        if let HubSpotAuth::PrivateApp(token) = &config.auth
            && token.is_empty()
        {
            return Err(HubSpotError::Config(
                "no access token configured".to_owned(),
            ));
        }
        if config.page_limit == 0 || config.page_limit > 200 {
            return Err(HubSpotError::Config(format!(
                "page_limit must be 1..=200, got {}",
                config.page_limit
            )));
        }
        let base = config.base_url.trim_end_matches('/');
        let crm_root = format!("{base}/crm/{}", config.api_version.trim_matches('/'));
        Url::parse(&crm_root)
            .map_err(|e| HubSpotError::Config(format!("base_url {:?}: {e}", config.base_url)))?;
        let oauth = match &config.auth {
            HubSpotAuth::PrivateApp(_) => None,
            HubSpotAuth::OAuth(credentials) => {
                let mut credentials = credentials.clone();
                if credentials.token_url.is_empty() {
                    credentials.token_url = format!("{base}/oauth/v3/token");
                }
                let session =
                    OAuthSession::new(credentials, config.timeout).map_err(HubSpotError::Config)?;
                Some(Arc::new(session))
            }
        };
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("omnify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HubSpotError::Config(e.to_string()))?;
        Ok(Self {
            http,
            config,
            crm_root,
            oauth,
        })
    }

    pub fn portal_id(&self) -> &str {
        &self.config.portal_id
    }

    pub fn config(&self) -> &HubSpotConfig {
        &self.config
    }

    /// The current OAuth token pair (after any refresh), for the server to persist.
    pub async fn current_tokens(&self) -> Option<TokenPair> {
        match &self.oauth {
            Some(session) => Some(session.tokens().await),
            None => None,
        }
    }

    /// `POST /crm/v3/objects/{object}/search`, following `paging.next.after` until the
    /// last page or `request.max_results`.
    pub async fn search(
        &self,
        object: CrmObject,
        request: &SearchRequest,
    ) -> Result<SearchResults, HubSpotError> {
        let url = format!("{}/objects/{}/search", self.crm_root, object.as_str());
        let cap = request.max_results.clamp(1, SEARCH_CAP);
        let mut records = Vec::new();
        let mut after = "0".to_owned();
        let mut total = 0;
        for page_number in 1..=self.config.max_pages {
            let remaining = cap - records.len();
            let body = SearchBody {
                filter_groups: &request.filter_groups,
                query: request.query.as_deref(),
                properties: &request.properties,
                sorts: &request.sorts,
                limit: self.config.page_limit.min(remaining as u32),
                after: after.clone(),
            };
            let body =
                serde_json::to_value(&body).map_err(|e| HubSpotError::Malformed(e.to_string()))?;
            let page: SearchPage = self.send(Method::POST, &url, Some(&body)).await?;
            tracing::debug!(
                object = object.as_str(),
                page_number,
                rows = page.results.len(),
                "hubspot page"
            );
            total = page.total.unwrap_or(total);
            records.extend(page.results);
            records.truncate(cap);
            match page.paging.and_then(|p| p.next) {
                Some(next) if records.len() < cap => after = next.after,
                _ => return Ok(SearchResults { total, records }),
            }
        }
        Err(HubSpotError::TooManyPages {
            max_pages: self.config.max_pages,
        })
    }

    /// `GET /crm/v3/pipelines/deals`.
    pub(crate) async fn deal_pipelines_wire(&self) -> Result<Vec<WirePipeline>, HubSpotError> {
        let url = format!("{}/pipelines/deals", self.crm_root);
        let list: PipelineList = self.send(Method::GET, &url, None).await?;
        Ok(list.results)
    }

    /// `PATCH /crm/v3/objects/deals/{id}`; returns the updated deal.
    pub async fn update_deal(
        &self,
        deal_id: &str,
        update: &DealUpdate,
    ) -> Result<CrmRecord, HubSpotError> {
        if deal_id.is_empty() || !deal_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(HubSpotError::Invalid {
                category: "VALIDATION_ERROR".to_owned(),
                message: format!("deal id must be digits, got {deal_id:?}"),
            });
        }
        let mut properties = serde_json::Map::new();
        if let Some(stage) = &update.stage_id {
            properties.insert("dealstage".to_owned(), stage.clone().into());
        }
        if let Some(amount) = update.amount {
            properties.insert("amount".to_owned(), amount.normalize().to_string().into());
        }
        let body = serde_json::json!({ "properties": properties });
        let url = format!("{}/objects/deals/{deal_id}", self.crm_root);
        self.send(Method::PATCH, &url, Some(&body)).await
    }

    /// The request in HubSpot's terms, for provenance.
    pub fn search_query(&self, object: CrmObject, request: &SearchRequest) -> String {
        let filters: Vec<String> = request
            .filter_groups
            .iter()
            .flat_map(|g| &g.filters)
            .map(|f| match (&f.value, &f.high_value, &f.values) {
                (Some(v), Some(h), _) => format!("{} {} {v}..{h}", f.property_name, f.operator),
                (Some(v), None, _) => format!("{} {} {v}", f.property_name, f.operator),
                (None, _, Some(vs)) => {
                    format!("{} {} [{}]", f.property_name, f.operator, vs.join(","))
                }
                _ => format!("{} {}", f.property_name, f.operator),
            })
            .collect();
        let mut text = format!(
            "POST /crm/{}/objects/{}/search",
            self.config.api_version,
            object.as_str()
        );
        if let Some(q) = &request.query {
            text.push_str(&format!(" query={q:?}"));
        }
        if !filters.is_empty() {
            text.push_str(&format!(" filters=[{}]", filters.join("; ")));
        }
        text
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, HubSpotError> {
        let mut attempt = 0;
        loop {
            let (error, retry) = match self.send_once(method.clone(), url, body).await {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            let wait = match retry {
                Retry::No => None,
                Retry::Backoff => Some(self.config.backoff.delay(attempt)),
                Retry::After(after) => Some(after),
            };
            let Some(wait) = wait.filter(|_| attempt < self.config.max_retries) else {
                return Err(error);
            };
            attempt += 1;
            tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, error = %error, "hubspot request failed, retrying");
            tokio::time::sleep(wait).await;
        }
    }

    async fn send_once<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, (HubSpotError, Retry)> {
        let token = self.access_token().await.map_err(|e| (e, Retry::No))?;
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(token.expose())
            .header(reqwest::header::ACCEPT, "application/json");
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
                .map_err(|e| (HubSpotError::Malformed(e.to_string()), Retry::No));
        }
        let detail = serde_json::from_slice::<ErrorBody>(&bytes).ok();
        Err(classify(
            status.as_u16(),
            detail,
            retry_after(&headers),
            self.config.burst_wait,
        ))
    }

    /// The token to send now: the private-app token, or a fresh OAuth access token.
    async fn access_token(&self) -> Result<Secret, HubSpotError> {
        match (&self.config.auth, &self.oauth) {
            (_, Some(session)) => Ok(session.access_token().await?),
            (HubSpotAuth::PrivateApp(token), None) => Ok(token.clone()),
            (HubSpotAuth::OAuth(_), None) => {
                Err(HubSpotError::Config("OAuth session missing".to_owned()))
            }
        }
    }

    fn transport_error(&self, error: reqwest::Error) -> (HubSpotError, Retry) {
        let error = error.without_url();
        if error.is_timeout() {
            (HubSpotError::Timeout(self.config.timeout), Retry::Backoff)
        } else {
            (HubSpotError::Network(error.to_string()), Retry::Backoff)
        }
    }
}
