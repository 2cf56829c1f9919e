//! The HTTP client for the Google Ads REST API: OAuth, GAQL search and searchStream,
//! paging, retries, and the two approval-gated writes (budget and pause).

use super::errors::{GoogleAdsError, StatusBody, classify};
use super::wire::{CampaignInfo, ReportRow, SearchPage};
use crate::connectors::attempts::{Retry, RetryPolicy, with_retries};
use crate::connectors::oauth::{OAuthCredentials, OAuthSession, TokenPair};
use crate::connectors::retry::{Backoff, retry_after};
use omnify_core::{DateRange, Secret};
use reqwest::Url;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::time::Duration;

/// Google's OAuth2 token endpoint (PLATFORMS.md §5).
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";

/// How to reach one Google Ads customer account.
#[derive(Debug, Clone)]
pub struct GoogleAdsConfig {
    /// API root; the sandbox's `google_ads_base_url()` in development.
    pub base_url: String,
    /// e.g. "v26". Each major lives about a year: keep it in config.
    pub api_version: String,
    /// Sent as the `developer-token` header.
    pub developer_token: Secret,
    pub oauth: OAuthCredentials,
    /// 10 digits; hyphens are stripped.
    pub customer_id: String,
    /// The manager (MCC) account acting for the customer, sent as `login-customer-id`.
    pub login_customer_id: Option<String>,
    /// Pages of `googleAds:search` followed before [`GoogleAdsError::TooManyPages`].
    pub max_pages: u32,
    pub max_retries: u32,
    pub timeout: Duration,
    pub backoff: Backoff,
    pub max_retry_after: Duration,
}

impl GoogleAdsConfig {
    pub fn new(
        developer_token: Secret,
        oauth: OAuthCredentials,
        customer_id: impl Into<String>,
    ) -> Self {
        Self {
            base_url: "https://googleads.googleapis.com".to_owned(),
            api_version: "v26".to_owned(),
            developer_token,
            oauth,
            customer_id: customer_id.into(),
            login_customer_id: None,
            max_pages: 50,
            max_retries: 3,
            timeout: Duration::from_secs(30),
            backoff: Backoff::default(),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// Google OAuth credentials against [`GOOGLE_TOKEN_URL`].
pub fn google_oauth(
    client_id: impl Into<String>,
    client_secret: Secret,
    refresh_token: Secret,
) -> OAuthCredentials {
    OAuthCredentials::new(GOOGLE_TOKEN_URL, client_id, client_secret, refresh_token)
}

/// How detailed report rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportLevel {
    Campaign,
    Ad,
}

/// A client for one customer account.
#[derive(Debug)]
pub struct GoogleAdsClient {
    http: reqwest::Client,
    config: GoogleAdsConfig,
    customer_id: String,
    login_customer_id: Option<String>,
    session: OAuthSession,
    /// `{base_url}/{api_version}/customers/{customer_id}`.
    customer_root: String,
}

fn digits_only(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| *c != '-').collect();
    (digits.len() == 10 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

impl GoogleAdsClient {
    pub fn new(config: GoogleAdsConfig) -> Result<Self, GoogleAdsError> {
        let customer_id = digits_only(config.customer_id.trim()).ok_or_else(|| {
            GoogleAdsError::Config(format!(
                "customer id must be 10 digits, got {:?}",
                config.customer_id
            ))
        })?;
        let login_customer_id = match &config.login_customer_id {
            None => None,
            Some(raw) => Some(digits_only(raw.trim()).ok_or_else(|| {
                GoogleAdsError::Config(format!("login customer id must be 10 digits, got {raw:?}"))
            })?),
        };
        let customer_root = format!(
            "{}/{}/customers/{customer_id}",
            config.base_url.trim_end_matches('/'),
            config.api_version.trim_matches('/')
        );
        Url::parse(&customer_root)
            .map_err(|e| GoogleAdsError::Config(format!("base_url {:?}: {e}", config.base_url)))?;
        let session = OAuthSession::new(config.oauth.clone(), config.timeout)
            .map_err(GoogleAdsError::Config)?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("omnify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| GoogleAdsError::Config(e.to_string()))?;
        Ok(Self {
            http,
            config,
            customer_id,
            login_customer_id,
            session,
            customer_root,
        })
    }

    /// The 10-digit customer id.
    pub fn customer_id(&self) -> &str {
        &self.customer_id
    }

    pub fn config(&self) -> &GoogleAdsConfig {
        &self.config
    }

    /// The current token pair, after any refresh, for the server to persist.
    pub async fn tokens(&self) -> TokenPair {
        self.session.tokens().await
    }

    /// The GAQL behind [`GoogleAdsClient::report`].
    pub fn report_query(level: ReportLevel, range: DateRange) -> String {
        let (resource, extra) = match level {
            ReportLevel::Campaign => ("campaign", ""),
            ReportLevel::Ad => (
                "ad_group_ad",
                " ad_group.id, ad_group.name, ad_group_ad.ad.id, ad_group_ad.ad.name,",
            ),
        };
        format!(
            "SELECT customer.currency_code, campaign.id, campaign.name,{extra} segments.date, \
             metrics.cost_micros, metrics.impressions, metrics.clicks, metrics.conversions, \
             metrics.conversions_value FROM {resource} \
             WHERE segments.date BETWEEN '{}' AND '{}'",
            range.since, range.until
        )
    }

    /// Daily rows per campaign (or ad) through paged `googleAds:search`.
    pub async fn report(
        &self,
        level: ReportLevel,
        range: DateRange,
    ) -> Result<Vec<ReportRow>, GoogleAdsError> {
        let query = Self::report_query(level, range);
        let rows = self.search(&query).await?;
        rows.into_iter().map(|r| r.into_report_row()).collect()
    }

    /// Every campaign with its status and daily budget, in one `searchStream` call.
    pub async fn campaigns(&self) -> Result<Vec<CampaignInfo>, GoogleAdsError> {
        let query = "SELECT campaign.id, campaign.name, campaign.status, \
                     campaign.advertising_channel_type, campaign_budget.resource_name, \
                     campaign_budget.amount_micros FROM campaign";
        let batches: Vec<SearchPage> = self
            .post("googleAds:searchStream", &json!({ "query": query }))
            .await?;
        batches
            .into_iter()
            .flat_map(|b| b.results)
            .map(|r| r.into_campaign_info())
            .collect()
    }

    /// Rows of a GAQL query, following `nextPageToken` to the end.
    pub(crate) async fn search(
        &self,
        query: &str,
    ) -> Result<Vec<super::wire::WireRow>, GoogleAdsError> {
        let mut rows = Vec::new();
        let mut page_token: Option<String> = None;
        for page_number in 1..=self.config.max_pages {
            let mut body = json!({ "query": query });
            if let Some(token) = &page_token {
                body["pageToken"] = json!(token);
            }
            let page: SearchPage = self.post("googleAds:search", &body).await?;
            tracing::debug!(page_number, rows = page.results.len(), "google ads page");
            rows.extend(page.results);
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => page_token = Some(next),
                None => return Ok(rows),
            }
        }
        Err(GoogleAdsError::TooManyPages {
            max_pages: self.config.max_pages,
        })
    }

    /// Sets a campaign budget's daily amount (`campaignBudgets:mutate`). With
    /// `validate_only`, Google checks the change without making it: an approval preview.
    pub async fn set_campaign_budget(
        &self,
        budget_id: &str,
        daily_amount: Decimal,
        validate_only: bool,
    ) -> Result<String, GoogleAdsError> {
        let micros = (daily_amount * Decimal::from(1_000_000))
            .round()
            .to_string();
        if daily_amount <= Decimal::ZERO || micros.parse::<i64>().is_err() {
            return Err(GoogleAdsError::Config(format!(
                "a daily budget must be a positive amount, got {daily_amount}"
            )));
        }
        let resource_name = format!(
            "customers/{}/campaignBudgets/{}",
            self.customer_id,
            id_of(budget_id)
        );
        let body = json!({
            "operations": [{
                "update": {"resourceName": resource_name, "amountMicros": micros},
                "updateMask": "amountMicros"
            }],
            "validateOnly": validate_only,
            "partialFailure": false
        });
        self.mutate("campaignBudgets:mutate", &body).await
    }

    /// Pauses a campaign (`campaigns:mutate`, status PAUSED).
    pub async fn pause_campaign(
        &self,
        campaign_id: &str,
        validate_only: bool,
    ) -> Result<String, GoogleAdsError> {
        self.set_campaign_status(campaign_id, "PAUSED", validate_only)
            .await
    }

    /// Sets a campaign's status: ENABLED or PAUSED.
    pub async fn set_campaign_status(
        &self,
        campaign_id: &str,
        status: &str,
        validate_only: bool,
    ) -> Result<String, GoogleAdsError> {
        let resource_name = format!(
            "customers/{}/campaigns/{}",
            self.customer_id,
            id_of(campaign_id)
        );
        let body = json!({
            "operations": [{
                "update": {"resourceName": resource_name, "status": status},
                "updateMask": "status"
            }],
            "validateOnly": validate_only,
            "partialFailure": false
        });
        self.mutate("campaigns:mutate", &body).await
    }

    async fn mutate(&self, method: &str, body: &Value) -> Result<String, GoogleAdsError> {
        let answer: Value = self.post(method, body).await?;
        Ok(answer
            .pointer("/results/0/resourceName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned())
    }

    async fn post<T: DeserializeOwned>(
        &self,
        method: &str,
        body: &Value,
    ) -> Result<T, GoogleAdsError> {
        let url = format!("{}/{method}", self.customer_root);
        let policy = RetryPolicy {
            max_retries: self.config.max_retries,
            backoff: self.config.backoff,
            max_retry_after: self.config.max_retry_after,
        };
        with_retries("google_ads", method, policy, || self.post_once(&url, body)).await
    }

    /// One request, refreshing the access token once if Google rejects it.
    async fn post_once<T: DeserializeOwned>(
        &self,
        url: &str,
        body: &Value,
    ) -> Result<T, (GoogleAdsError, Retry)> {
        let token = self
            .session
            .access_token()
            .await
            .map_err(|e| GoogleAdsError::from_refresh(e, self.config.timeout))?;
        let mut response = self.send(url, body, &token).await?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            let fresh = self
                .session
                .refresh_after_rejection(&token)
                .await
                .map_err(|e| GoogleAdsError::from_refresh(e, self.config.timeout))?;
            response = self.send(url, body, &fresh).await?;
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| (GoogleAdsError::Malformed(e.to_string()), Retry::No));
        }
        let detail = serde_json::from_slice::<StatusBody>(&bytes)
            .ok()
            .map(|b| b.error);
        Err(classify(
            status.as_u16(),
            detail,
            retry_after(&headers),
            &self.customer_id,
        ))
    }

    async fn send(
        &self,
        url: &str,
        body: &Value,
        token: &Secret,
    ) -> Result<reqwest::Response, (GoogleAdsError, Retry)> {
        let mut request = self
            .http
            .post(url)
            .bearer_auth(token.expose())
            .header("developer-token", self.config.developer_token.expose())
            .json(body);
        if let Some(login) = &self.login_customer_id {
            request = request.header("login-customer-id", login);
        }
        request.send().await.map_err(|e| self.transport_error(e))
    }

    fn transport_error(&self, error: reqwest::Error) -> (GoogleAdsError, Retry) {
        let error = error.without_url();
        if error.is_timeout() {
            (GoogleAdsError::Timeout(self.config.timeout), Retry::Backoff)
        } else {
            (GoogleAdsError::Network(error.to_string()), Retry::Backoff)
        }
    }
}

/// The id at the end of a resource name, or the id itself.
fn id_of(id_or_resource_name: &str) -> &str {
    id_or_resource_name
        .rsplit('/')
        .next()
        .unwrap_or(id_or_resource_name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ids_and_queries_are_in_googles_terms() {
        assert_eq!(digits_only("123-456-7890").as_deref(), Some("1234567890"));
        assert_eq!(digits_only("12345"), None);
        assert_eq!(id_of("customers/1/campaignBudgets/456"), "456");
        assert_eq!(id_of("456"), "456");
        let range = DateRange {
            since: chrono::NaiveDate::from_ymd_opt(2026, 11, 17).unwrap(),
            until: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        };
        let q = GoogleAdsClient::report_query(ReportLevel::Campaign, range);
        assert!(
            q.ends_with("FROM campaign WHERE segments.date BETWEEN '2026-11-17' AND '2026-11-23'")
        );
    }
}
