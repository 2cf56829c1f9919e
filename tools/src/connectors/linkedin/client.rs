//! The HTTP client for LinkedIn's versioned Marketing API: bearer OAuth with refresh,
//! the `LinkedIn-Version` and Rest.li headers, the adAnalytics finder (sliced by date
//! because it silently truncates instead of paging), cursor-paged search finders and
//! bounded retries.

use super::errors::{ErrorBody, LinkedInError, classify};
use super::wire::{
    ACCOUNT_URN, AnalyticsRow, CampaignInfo, CreativeInfo, Page, analytics_row, campaign_info,
    creative_info, date_range, urn_list,
};
use crate::connectors::attempts::{Retry, RetryPolicy, with_retries};
use crate::connectors::oauth::{OAuthCredentials, OAuthSession, TokenPair};
use crate::connectors::retry::{Backoff, retry_after};
use chrono::Duration as Days;
use omnify_core::{DateRange, Secret};
use reqwest::Url;
use serde_json::Value;
use std::collections::VecDeque;
use std::time::Duration;

/// LinkedIn's OAuth2 token endpoint (PLATFORMS.md §7).
pub const LINKEDIN_TOKEN_URL: &str = "https://www.linkedin.com/oauth/v2/accessToken";

/// adAnalytics answers at most about this many elements and drops the rest silently.
pub const MAX_ANALYTICS_ELEMENTS: usize = 15_000;

/// The metrics asked of adAnalytics (at most 20 are allowed per call).
const ANALYTICS_FIELDS: &str = "dateRange,pivotValues,impressions,clicks,costInLocalCurrency,\
externalWebsiteConversions,oneClickLeads,conversionValueInLocalCurrency";

/// Campaign statuses to list: every one that can have delivered in a past range.
const CAMPAIGN_STATUSES: &str = "ACTIVE,PAUSED,ARCHIVED,COMPLETED,CANCELED";

/// How to reach one LinkedIn ad account.
#[derive(Debug, Clone)]
pub struct LinkedInConfig {
    /// Root up to `/rest`; the sandbox's `linkedin_base_url()` in development.
    pub base_url: String,
    /// `LinkedIn-Version`, `YYYYMM`. Each version lives about a year: keep it in config.
    pub api_version: String,
    pub oauth: OAuthCredentials,
    /// The sponsored account id (digits of `urn:li:sponsoredAccount:…`).
    pub account_id: String,
    /// `pageSize` of the search finders (LinkedIn's default and usual maximum: 100).
    pub page_size: u32,
    /// Pages of a search finder followed before [`LinkedInError::TooManyPages`].
    pub max_pages: u32,
    /// adAnalytics date slice; smaller slices keep each answer under the element cap.
    pub days_per_report: i64,
    /// An answer this long may have been truncated: its slice is split and asked again.
    pub max_elements: usize,
    pub max_retries: u32,
    pub timeout: Duration,
    pub backoff: Backoff,
    pub max_retry_after: Duration,
}

impl LinkedInConfig {
    pub fn new(oauth: OAuthCredentials, account_id: impl Into<String>) -> Self {
        Self {
            base_url: "https://api.linkedin.com/rest".to_owned(),
            api_version: "202603".to_owned(),
            oauth,
            account_id: account_id.into(),
            page_size: 100,
            max_pages: 50,
            days_per_report: 90,
            max_elements: MAX_ANALYTICS_ELEMENTS,
            max_retries: 3,
            timeout: Duration::from_secs(30),
            backoff: Backoff::default(),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// LinkedIn OAuth credentials against [`LINKEDIN_TOKEN_URL`]. LinkedIn rotates the
/// refresh token on refresh: listen with `on_refresh` to store the new one.
pub fn linkedin_oauth(
    client_id: impl Into<String>,
    client_secret: Secret,
    refresh_token: Secret,
) -> OAuthCredentials {
    OAuthCredentials::new(LINKEDIN_TOKEN_URL, client_id, client_secret, refresh_token)
}

/// What adAnalytics groups rows by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pivot {
    Campaign,
    /// LinkedIn's ads are sponsored creatives.
    Creative,
}

impl Pivot {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Campaign => "CAMPAIGN",
            Self::Creative => "CREATIVE",
        }
    }
}

/// A client for one ad account.
#[derive(Debug)]
pub struct LinkedInClient {
    http: reqwest::Client,
    config: LinkedInConfig,
    account_id: String,
    session: OAuthSession,
    /// `{base_url}` without a trailing slash.
    root: String,
}

impl LinkedInClient {
    pub fn new(config: LinkedInConfig) -> Result<Self, LinkedInError> {
        let account_id = config
            .account_id
            .trim()
            .trim_start_matches(ACCOUNT_URN)
            .to_owned();
        if account_id.is_empty() || !account_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(LinkedInError::Config(format!(
                "ad account id must be digits, got {:?}",
                config.account_id
            )));
        }
        let version = config.api_version.trim();
        if version.len() != 6 || !version.chars().all(|c| c.is_ascii_digit()) {
            return Err(LinkedInError::Config(format!(
                "LinkedIn-Version must be YYYYMM, got {:?}",
                config.api_version
            )));
        }
        if config.days_per_report < 1 || config.max_elements == 0 {
            return Err(LinkedInError::Config(
                "days_per_report and max_elements must be positive".to_owned(),
            ));
        }
        let root = config.base_url.trim_end_matches('/').to_owned();
        Url::parse(&root)
            .map_err(|e| LinkedInError::Config(format!("base_url {:?}: {e}", config.base_url)))?;
        let session = OAuthSession::new(config.oauth.clone(), config.timeout)
            .map_err(LinkedInError::Config)?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("omnify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LinkedInError::Config(e.to_string()))?;
        Ok(Self {
            http,
            config,
            account_id,
            session,
            root,
        })
    }

    /// The sponsored account id, digits only.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    pub fn config(&self) -> &LinkedInConfig {
        &self.config
    }

    /// The current token pair, after any refresh (LinkedIn rotates the refresh token),
    /// for the server to persist.
    pub async fn tokens(&self) -> TokenPair {
        self.session.tokens().await
    }

    fn account_urn(&self) -> String {
        format!("{ACCOUNT_URN}{}", self.account_id)
    }

    fn analytics_params(&self, pivot: Pivot, range: DateRange) -> String {
        format!(
            "q=analytics&pivot={}&timeGranularity=DAILY&dateRange={}&accounts={}&fields={ANALYTICS_FIELDS}",
            pivot.as_str(),
            date_range(range),
            urn_list(&[self.account_urn()]),
        )
    }

    /// The adAnalytics request in LinkedIn's terms, for provenance.
    pub fn analytics_query(&self, pivot: Pivot, range: DateRange) -> String {
        format!(
            "GET /rest/adAnalytics?{} (LinkedIn-Version {})",
            self.analytics_params(pivot, range),
            self.config.api_version.trim()
        )
    }

    /// Daily rows per campaign (or creative) for `range`. adAnalytics has no paging:
    /// the range is asked for in slices, and a slice whose answer reaches the element
    /// cap (so may have been cut short) is halved and asked again.
    pub async fn analytics(
        &self,
        pivot: Pivot,
        range: DateRange,
    ) -> Result<Vec<AnalyticsRow>, LinkedInError> {
        let mut pending = VecDeque::new();
        let mut since = range.since;
        while since <= range.until {
            let until = (since + Days::days(self.config.days_per_report - 1)).min(range.until);
            pending.push_back(DateRange { since, until });
            since = until + Days::days(1);
        }
        let mut rows = Vec::new();
        while let Some(slice) = pending.pop_front() {
            let url = self.url("adAnalytics", &self.analytics_params(pivot, slice))?;
            let page: Page = serde_json::from_value(self.get(url).await?)
                .map_err(|e| LinkedInError::Malformed(e.to_string()))?;
            if page.elements.len() >= self.config.max_elements {
                if slice.days() == 1 {
                    return Err(LinkedInError::TooManyRows {
                        max_elements: self.config.max_elements,
                        date: slice.since,
                    });
                }
                let mid = slice.since + Days::days(slice.days() / 2 - 1);
                tracing::debug!(%slice, "linkedin analytics answer may be truncated; splitting");
                pending.push_front(DateRange {
                    since: mid + Days::days(1),
                    until: slice.until,
                });
                pending.push_front(DateRange {
                    since: slice.since,
                    until: mid,
                });
                continue;
            }
            for raw in page.elements {
                rows.push(analytics_row(raw)?);
            }
        }
        Ok(rows)
    }

    /// Every campaign of the account that can have delivered, with names and budgets.
    pub async fn campaigns(&self) -> Result<Vec<CampaignInfo>, LinkedInError> {
        let params = format!("q=search&search=(status:(values:List({CAMPAIGN_STATUSES})))");
        let path = format!("adAccounts/{}/adCampaigns", self.account_id);
        self.all_pages(&path, &params)
            .await?
            .into_iter()
            .map(campaign_info)
            .collect()
    }

    /// Every sponsored creative of the account, with the campaign it belongs to.
    pub async fn creatives(&self) -> Result<Vec<CreativeInfo>, LinkedInError> {
        let path = format!("adAccounts/{}/creatives", self.account_id);
        self.all_pages(&path, "q=criteria")
            .await?
            .into_iter()
            .map(creative_info)
            .collect()
    }

    /// Elements of a cursor-paged finder, following `metadata.nextPageToken` to the end.
    async fn all_pages(&self, path: &str, params: &str) -> Result<Vec<Value>, LinkedInError> {
        let mut elements = Vec::new();
        let mut token: Option<String> = None;
        for page_number in 1..=self.config.max_pages {
            let mut query = format!("{params}&pageSize={}", self.config.page_size);
            if let Some(token) = &token {
                query.push_str("&pageToken=");
                query.push_str(&percent_encode(token));
            }
            let page: Page = serde_json::from_value(self.get(self.url(path, &query)?).await?)
                .map_err(|e| LinkedInError::Malformed(e.to_string()))?;
            tracing::debug!(
                path,
                page_number,
                rows = page.elements.len(),
                "linkedin page"
            );
            elements.extend(page.elements);
            match page
                .metadata
                .and_then(|m| m.next_page_token)
                .filter(|t| !t.is_empty())
            {
                Some(next) => token = Some(next),
                None => return Ok(elements),
            }
        }
        Err(LinkedInError::TooManyPages {
            max_pages: self.config.max_pages,
        })
    }

    /// `{root}/{path}?{query}` with the Rest.li query kept as written: parentheses,
    /// commas and colons are syntax, and URNs are already encoded.
    fn url(&self, path: &str, query: &str) -> Result<Url, LinkedInError> {
        let mut url = Url::parse(&format!("{}/{path}", self.root))
            .map_err(|e| LinkedInError::Config(e.to_string()))?;
        url.set_query(Some(query));
        Ok(url)
    }

    async fn get(&self, url: Url) -> Result<Value, LinkedInError> {
        let policy = RetryPolicy {
            max_retries: self.config.max_retries,
            backoff: self.config.backoff,
            max_retry_after: self.config.max_retry_after,
        };
        let what = url.path().to_owned();
        with_retries("linkedin", &what, policy, || self.get_once(&url)).await
    }

    /// One request, refreshing the access token once if LinkedIn rejects it.
    async fn get_once(&self, url: &Url) -> Result<Value, (LinkedInError, Retry)> {
        let token = self
            .session
            .access_token()
            .await
            .map_err(|e| LinkedInError::from_refresh(e, self.config.timeout))?;
        let mut response = self.send(url, &token).await?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            let fresh = self
                .session
                .refresh_after_rejection(&token)
                .await
                .map_err(|e| LinkedInError::from_refresh(e, self.config.timeout))?;
            response = self.send(url, &fresh).await?;
        }
        let status = response.status();
        let wait = retry_after(response.headers());
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| (LinkedInError::Malformed(e.to_string()), Retry::No));
        }
        let body = serde_json::from_slice::<ErrorBody>(&bytes).ok();
        Err(classify(
            status.as_u16(),
            body,
            wait,
            &self.account_id,
            self.config.api_version.trim(),
        ))
    }

    async fn send(
        &self,
        url: &Url,
        token: &Secret,
    ) -> Result<reqwest::Response, (LinkedInError, Retry)> {
        self.http
            .get(url.clone())
            .bearer_auth(token.expose())
            .header("LinkedIn-Version", self.config.api_version.trim())
            .header("X-Restli-Protocol-Version", "2.0.0")
            .send()
            .await
            .map_err(|e| self.transport_error(e))
    }

    fn transport_error(&self, error: reqwest::Error) -> (LinkedInError, Retry) {
        let error = error.without_url();
        if error.is_timeout() {
            (LinkedInError::Timeout(self.config.timeout), Retry::Backoff)
        } else {
            (LinkedInError::Network(error.to_string()), Retry::Backoff)
        }
    }
}

/// Percent-encodes everything but unreserved characters, for opaque page tokens.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_are_encoded_whole() {
        assert_eq!(percent_encode("abc-_.~"), "abc-_.~");
        assert_eq!(percent_encode("a=b/c+"), "a%3Db%2Fc%2B");
    }
}
