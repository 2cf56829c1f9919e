//! The HTTP client for the Stripe API: bearer auth, `has_more`/`starting_after`
//! paging, and retries that honour `Retry-After` and `Stripe-Should-Retry`.

use super::errors::{ErrorBody, Retry, StripeError, classify};
use super::wire::{List, Listed, WireCharge, WireInvoice, WireSubscription};
use crate::connectors::retry::{Backoff, retry_after};
use crate::model::{Charge, Invoice, Subscription};
use chrono::{DateTime, Utc};
use omnify_core::{DateRange, Secret};
use reqwest::Url;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// How to reach one Stripe account.
#[derive(Debug, Clone)]
pub struct StripeConfig {
    /// `https://api.stripe.com`; the sandbox's `stripe_base_url()` in development.
    pub base_url: String,
    /// Sent as `Stripe-Version`, pinning the response shapes.
    pub api_version: String,
    /// `sk_…` or a restricted `rk_…`; sent only as `Authorization: Bearer`.
    pub secret_key: Secret,
    /// `acct_…`: for provenance, and sent as `Stripe-Account` when `connect` is set.
    pub account_id: String,
    /// Act on a connected account (Stripe Connect platforms).
    pub connect: bool,
    /// Objects per page (1–100).
    pub page_limit: u32,
    pub max_pages: u32,
    pub max_retries: u32,
    pub timeout: Duration,
    pub backoff: Backoff,
    pub max_retry_after: Duration,
}

impl StripeConfig {
    pub fn new(secret_key: Secret, account_id: impl Into<String>) -> Self {
        Self {
            base_url: "https://api.stripe.com".to_owned(),
            api_version: "2025-03-31.basil".to_owned(),
            secret_key,
            account_id: account_id.into(),
            connect: false,
            page_limit: 100,
            max_pages: 200,
            max_retries: 3,
            timeout: Duration::from_secs(30),
            backoff: Backoff::default(),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// A client for one Stripe account.
#[derive(Debug, Clone)]
pub struct StripeClient {
    http: reqwest::Client,
    config: StripeConfig,
    root: String,
}

impl StripeClient {
    pub fn new(config: StripeConfig) -> Result<Self, StripeError> {
        if config.secret_key.is_empty() {
            return Err(StripeError::Config("no API key configured".to_owned()));
        }
        let root = format!("{}/v1", config.base_url.trim_end_matches('/'));
        Url::parse(&root)
            .map_err(|e| StripeError::Config(format!("base_url {:?}: {e}", config.base_url)))?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("omnify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| StripeError::Config(e.to_string()))?;
        Ok(Self { http, config, root })
    }

    pub fn account_id(&self) -> &str {
        &self.config.account_id
    }

    pub fn config(&self) -> &StripeConfig {
        &self.config
    }

    /// Every subscription created up to `created_until`, whatever its status now.
    pub async fn subscriptions(
        &self,
        created_until: DateTime<Utc>,
    ) -> Result<Vec<Subscription>, StripeError> {
        let until = created_until.timestamp().to_string();
        let wire: Vec<WireSubscription> = self
            .list(
                "subscriptions",
                &[("status", "all"), ("created[lte]", &until)],
            )
            .await?;
        wire.into_iter()
            .map(WireSubscription::into_subscription)
            .collect()
    }

    /// The subscriptions request in Stripe's terms, for provenance.
    pub fn subscriptions_query(&self, created_until: DateTime<Utc>) -> String {
        format!(
            "GET /v1/subscriptions status=all created[lte]={} (Stripe-Version {})",
            created_until.timestamp(),
            self.config.api_version
        )
    }

    /// Invoices created on the days of `range` (UTC).
    pub async fn invoices(&self, range: DateRange) -> Result<Vec<Invoice>, StripeError> {
        let (gte, lte) = bounds(range);
        let wire: Vec<WireInvoice> = self
            .list(
                "invoices",
                &[("created[gte]", &gte), ("created[lte]", &lte)],
            )
            .await?;
        wire.into_iter().map(WireInvoice::into_invoice).collect()
    }

    /// Charges created on the days of `range` (UTC).
    pub async fn charges(&self, range: DateRange) -> Result<Vec<Charge>, StripeError> {
        let (gte, lte) = bounds(range);
        let wire: Vec<WireCharge> = self
            .list("charges", &[("created[gte]", &gte), ("created[lte]", &lte)])
            .await?;
        wire.into_iter().map(WireCharge::into_charge).collect()
    }

    async fn list<T: DeserializeOwned + Listed>(
        &self,
        resource: &str,
        filters: &[(&str, &str)],
    ) -> Result<Vec<T>, StripeError> {
        let limit = self.config.page_limit.clamp(1, 100).to_string();
        let mut items: Vec<T> = Vec::new();
        let mut after: Option<String> = None;
        for page_number in 1..=self.config.max_pages {
            let mut params: Vec<(&str, &str)> = vec![("limit", &limit)];
            params.extend_from_slice(filters);
            if let Some(after) = after.as_deref() {
                params.push(("starting_after", after));
            }
            let url = Url::parse_with_params(&format!("{}/{resource}", self.root), &params)
                .map_err(|e| StripeError::Config(e.to_string()))?;
            let page: List<T> = self.get_with_retries(&url).await?;
            tracing::debug!(
                resource,
                page_number,
                objects = page.data.len(),
                "stripe page"
            );
            let last = page.data.last().map(|o| o.id().to_owned());
            items.extend(page.data);
            match (page.has_more, last) {
                (true, Some(last)) => after = Some(last),
                _ => return Ok(items),
            }
        }
        Err(StripeError::TooManyPages {
            max_pages: self.config.max_pages,
        })
    }

    async fn get_with_retries<T: DeserializeOwned>(&self, url: &Url) -> Result<T, StripeError> {
        let mut attempt = 0;
        loop {
            let (error, retry) = match self.get_once(url).await {
                Ok(body) => return Ok(body),
                Err(failure) => failure,
            };
            let wait = match retry {
                Retry::No => None,
                Retry::Backoff => Some(self.config.backoff.delay(attempt)),
                Retry::After(after) => (after <= self.config.max_retry_after).then_some(after),
            };
            let Some(wait) = wait.filter(|_| attempt < self.config.max_retries) else {
                return Err(error);
            };
            attempt += 1;
            tracing::warn!(
                path = url.path(),
                attempt,
                wait_ms = wait.as_millis() as u64,
                error = %error,
                "stripe request failed, retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    async fn get_once<T: DeserializeOwned>(&self, url: &Url) -> Result<T, (StripeError, Retry)> {
        let mut request = self
            .http
            .get(url.clone())
            .bearer_auth(self.config.secret_key.expose())
            .header("Stripe-Version", &self.config.api_version);
        if self.config.connect {
            request = request.header("Stripe-Account", &self.config.account_id);
        }
        let response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|e| (StripeError::Malformed(e.to_string()), Retry::No));
        }
        let detail = serde_json::from_slice::<ErrorBody>(&body)
            .map(|b| b.error)
            .unwrap_or_default();
        let should_retry = headers
            .get("stripe-should-retry")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.eq_ignore_ascii_case("true"));
        Err(classify(
            status.as_u16(),
            detail,
            retry_after(&headers),
            should_retry,
        ))
    }

    fn transport_error(&self, error: reqwest::Error) -> (StripeError, Retry) {
        let error = error.without_url();
        if error.is_timeout() {
            (StripeError::Timeout(self.config.timeout), Retry::Backoff)
        } else {
            (StripeError::Network(error.to_string()), Retry::Backoff)
        }
    }
}

/// Unix-second bounds covering the whole of `range`'s days in UTC.
fn bounds(range: DateRange) -> (String, String) {
    let start = range
        .since
        .and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp());
    let end = range
        .until
        .and_hms_opt(23, 59, 59)
        .map_or(0, |d| d.and_utc().timestamp());
    (start.to_string(), end.to_string())
}
