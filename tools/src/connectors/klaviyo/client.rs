//! The HTTP client for Klaviyo's JSON:API: private-key auth with the `revision`
//! header, `links.next` paging, the reporting-rate limiter, retries.

use super::errors::{ErrorDocument, KlaviyoError, Retry, classify};
use super::limiter::{Limiter, ReportingLimit};
use super::wire::{ListPage, ReportDocument, ReportRow, Resource, SingleDocument};
use crate::connectors::retry::{Backoff, retry_after};
use omnify_core::{DateRange, Secret};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// How to reach one Klaviyo account.
#[derive(Debug, Clone)]
pub struct KlaviyoConfig {
    /// `https://a.klaviyo.com`; the sandbox's `klaviyo_base_url()` in development.
    pub base_url: String,
    /// The `revision` header, e.g. "2026-10-15".
    pub revision: String,
    /// A private key (`pk_…`), sent as `Authorization: Klaviyo-API-Key …`.
    pub api_key: Secret,
    /// The account's public id, for provenance.
    pub account_id: String,
    /// The "Placed Order" metric reports attribute conversions to; looked up by name
    /// (`GET /api/metrics`) when `None`.
    pub conversion_metric_id: Option<String>,
    pub max_pages: u32,
    pub max_retries: u32,
    pub timeout: Duration,
    pub backoff: Backoff,
    /// The longest `Retry-After` worth sleeping through inside a chat turn.
    pub max_retry_after: Duration,
    /// Klaviyo's limit on the values-report endpoints, enforced before sending.
    pub reporting_limit: ReportingLimit,
    /// The longest the limiter may hold a report request.
    pub max_report_wait: Duration,
}

impl KlaviyoConfig {
    pub fn new(api_key: Secret, account_id: impl Into<String>) -> Self {
        Self {
            base_url: "https://a.klaviyo.com".to_owned(),
            revision: "2026-10-15".to_owned(),
            api_key,
            account_id: account_id.into(),
            conversion_metric_id: None,
            max_pages: 50,
            max_retries: 3,
            timeout: Duration::from_secs(30),
            backoff: Backoff::default(),
            max_retry_after: Duration::from_secs(30),
            reporting_limit: ReportingLimit::default(),
            max_report_wait: Duration::from_secs(30),
        }
    }
}

/// A flow's sending status (`PATCH /api/flows/{id}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowStatus {
    Draft,
    /// Paused: messages queue for manual review instead of sending.
    Manual,
    Live,
}

impl FlowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Manual => "manual",
            Self::Live => "live",
        }
    }
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Campaigns,
    Flows,
}

impl ReportKind {
    fn path(self) -> &'static str {
        match self {
            Self::Campaigns => "campaign-values-reports",
            Self::Flows => "flow-values-reports",
        }
    }

    fn resource_type(self) -> &'static str {
        match self {
            Self::Campaigns => "campaign-values-report",
            Self::Flows => "flow-values-report",
        }
    }

    fn group_by(self) -> [&'static str; 3] {
        match self {
            Self::Campaigns => ["campaign_id", "campaign_message_id", "send_channel"],
            Self::Flows => ["flow_id", "flow_message_id", "send_channel"],
        }
    }
}

/// Statistics every values report asks for.
pub const STATISTICS: [&str; 9] = [
    "recipients",
    "delivered",
    "opens_unique",
    "open_rate",
    "clicks_unique",
    "click_rate",
    "conversions",
    "conversion_value",
    "revenue_per_recipient",
];

/// Klaviyo reports span at most a year.
const MAX_REPORT_DAYS: i64 = 366;

#[derive(Debug, Clone)]
pub struct KlaviyoClient {
    http: reqwest::Client,
    config: KlaviyoConfig,
    /// `{base_url}/api`.
    api_root: String,
    /// Shared by clones: the limit is per account, not per client value.
    limiter: Arc<Limiter>,
    metric_id: Arc<OnceCell<String>>,
}

impl KlaviyoClient {
    pub fn new(config: KlaviyoConfig) -> Result<Self, KlaviyoError> {
        if config.api_key.is_empty() {
            return Err(KlaviyoError::Config("no API key configured".to_owned()));
        }
        if config.revision.trim().is_empty() {
            return Err(KlaviyoError::Config("no revision configured".to_owned()));
        }
        let api_root = format!("{}/api", config.base_url.trim_end_matches('/'));
        Url::parse(&api_root)
            .map_err(|e| KlaviyoError::Config(format!("base_url {:?}: {e}", config.base_url)))?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("omnify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| KlaviyoError::Config(e.to_string()))?;
        let metric_id = Arc::new(match &config.conversion_metric_id {
            Some(id) => OnceCell::new_with(Some(id.clone())),
            None => OnceCell::new(),
        });
        Ok(Self {
            http,
            limiter: Arc::new(Limiter::new(config.reporting_limit)),
            config,
            api_root,
            metric_id,
        })
    }

    pub fn account_id(&self) -> &str {
        &self.config.account_id
    }

    pub fn config(&self) -> &KlaviyoConfig {
        &self.config
    }

    /// Campaigns on one channel ("email" or "sms"): Klaviyo requires the channel filter.
    pub async fn campaigns(&self, channel: &str) -> Result<Vec<Resource>, KlaviyoError> {
        let filter = format!("equals(messages.channel,'{channel}')");
        let url = self.url("campaigns", &[("filter", &filter), ("page[size]", "100")])?;
        self.all_pages(url, "campaign").await
    }

    pub async fn flows(&self) -> Result<Vec<Resource>, KlaviyoError> {
        let url = self.url("flows", &[("page[size]", "50")])?;
        self.all_pages(url, "flow").await
    }

    /// The conversion metric's id, from config or `GET /api/metrics` (looked up once).
    pub async fn conversion_metric_id(&self) -> Result<String, KlaviyoError> {
        self.metric_id
            .get_or_try_init(|| async {
                let url = self.url("metrics", &[])?;
                let metrics = self.all_pages(url, "metric").await?;
                metrics
                    .iter()
                    .find(|m| m.text("name") == Some("Placed Order"))
                    .map(|m| m.id.clone())
                    .ok_or_else(|| KlaviyoError::NotFound {
                        what: "Placed Order metric".to_owned(),
                        detail: "no metric named Placed Order; is a store integration connected?"
                            .to_owned(),
                    })
            })
            .await
            .cloned()
    }

    /// `POST /api/{campaign|flow}-values-reports` for `range`, grouped per message and
    /// channel; goes through the reporting limiter.
    pub async fn values_report(
        &self,
        kind: ReportKind,
        range: DateRange,
    ) -> Result<Vec<ReportRow>, KlaviyoError> {
        if range.days() > MAX_REPORT_DAYS {
            return Err(KlaviyoError::Invalid {
                code: "invalid".to_owned(),
                detail: format!(
                    "Klaviyo reports cover at most a year; {range} is {} days",
                    range.days()
                ),
            });
        }
        let metric = self.conversion_metric_id().await?;
        let (start, end) = timeframe(range);
        let body = json!({"data": {"type": kind.resource_type(), "attributes": {
            "statistics": STATISTICS,
            "timeframe": {"start": start, "end": end},
            "conversion_metric_id": metric,
            "group_by": kind.group_by(),
        }}});
        let url = self.url(kind.path(), &[])?;
        let document: ReportDocument = self
            .send(Method::POST, url, Some(&body), "report", true)
            .await?;
        Ok(document.data.attributes.results)
    }

    /// `PATCH /api/flows/{id}` with a new status; returns the updated flow.
    pub async fn update_flow_status(
        &self,
        flow_id: &str,
        status: FlowStatus,
    ) -> Result<Resource, KlaviyoError> {
        if flow_id.is_empty() || !flow_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(KlaviyoError::Invalid {
                code: "invalid".to_owned(),
                detail: format!("flow id must be letters and digits, got {flow_id:?}"),
            });
        }
        let body = json!({"data": {"type": "flow", "id": flow_id, "attributes": {"status": status.as_str()}}});
        let url = self.url(&format!("flows/{flow_id}"), &[])?;
        let document: SingleDocument = self
            .send(Method::PATCH, url, Some(&body), "flow", false)
            .await?;
        Ok(document.data)
    }

    /// The report request in Klaviyo's terms, for provenance.
    pub fn report_query(&self, kind: ReportKind, range: DateRange) -> String {
        let (start, end) = timeframe(range);
        format!(
            "POST /api/{} timeframe={start}..{end} group_by={} revision={}",
            kind.path(),
            kind.group_by().join(","),
            self.config.revision
        )
    }

    fn url(&self, path: &str, params: &[(&str, &str)]) -> Result<Url, KlaviyoError> {
        let text = format!("{}/{path}", self.api_root);
        // Without parameters, no bare "?" on the path.
        let url = if params.is_empty() {
            Url::parse(&text)
        } else {
            Url::parse_with_params(&text, params)
        };
        url.map_err(|e| KlaviyoError::Config(e.to_string()))
    }

    async fn all_pages(&self, first: Url, what: &str) -> Result<Vec<Resource>, KlaviyoError> {
        let mut items = Vec::new();
        let mut url = first;
        for _ in 0..self.config.max_pages {
            let page: ListPage = self
                .send(Method::GET, url.clone(), None, what, false)
                .await?;
            items.extend(page.data);
            match page.links.and_then(|l| l.next) {
                Some(next) => url = self.next_url(&next)?,
                None => return Ok(items),
            }
        }
        Err(KlaviyoError::TooManyPages {
            max_pages: self.config.max_pages,
        })
    }

    /// A `links.next` must stay on Klaviyo's host before the key is sent to it.
    fn next_url(&self, next: &str) -> Result<Url, KlaviyoError> {
        let url = Url::parse(next)
            .map_err(|_| KlaviyoError::Malformed("links.next is not a URL".to_owned()))?;
        let root = Url::parse(&self.api_root).map_err(|e| KlaviyoError::Config(e.to_string()))?;
        if url.origin() != root.origin() {
            return Err(KlaviyoError::Malformed(
                "links.next points at another host".to_owned(),
            ));
        }
        Ok(url)
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        what: &str,
        reporting: bool,
    ) -> Result<T, KlaviyoError> {
        let mut attempt = 0;
        loop {
            if reporting {
                self.limiter
                    .acquire(self.config.max_report_wait)
                    .await
                    .map_err(|wait| KlaviyoError::ReportingBudget { wait })?;
            }
            let (error, retry) = match self.send_once(method.clone(), &url, body, what).await {
                Ok(value) => return Ok(value),
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
            tracing::warn!(path = url.path(), attempt, wait_ms = wait.as_millis() as u64, error = %error, "klaviyo request failed, retrying");
            tokio::time::sleep(wait).await;
        }
    }

    async fn send_once<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &Url,
        body: Option<&Value>,
        what: &str,
    ) -> Result<T, (KlaviyoError, Retry)> {
        let mut request = self
            .http
            .request(method, url.clone())
            .header(
                reqwest::header::AUTHORIZATION,
                format!("Klaviyo-API-Key {}", self.config.api_key.expose()),
            )
            .header("revision", &self.config.revision)
            .header(reqwest::header::ACCEPT, "application/vnd.api+json");
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/vnd.api+json")
                .body(body.to_string());
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
                .map_err(|e| (KlaviyoError::Malformed(e.to_string()), Retry::No));
        }
        let document = serde_json::from_slice::<ErrorDocument>(&bytes).ok();
        Err(classify(
            status.as_u16(),
            document,
            retry_after(&headers),
            what,
        ))
    }

    fn transport_error(&self, error: reqwest::Error) -> (KlaviyoError, Retry) {
        let error = error.without_url();
        if error.is_timeout() {
            (KlaviyoError::Timeout(self.config.timeout), Retry::Backoff)
        } else {
            (KlaviyoError::Network(error.to_string()), Retry::Backoff)
        }
    }
}

/// A report's timeframe: the first second of `since` to the last of `until`, UTC.
fn timeframe(range: DateRange) -> (String, String) {
    (
        format!("{}T00:00:00+00:00", range.since),
        format!("{}T23:59:59+00:00", range.until),
    )
}
