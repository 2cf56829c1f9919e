//! The HTTP client for TikTok's Marketing API v1.3: the `Access-Token` header, the
//! `code` envelope, page/page_size paging, 30-day report slices, retries, and the
//! campaign budget and status writes.

use super::errors::{RATE_LIMIT_CODE, TikTokError, classify};
use super::wire::{CampaignInfo, Envelope, ListPage, ReportRow, campaign_info, report_row};
use crate::connectors::attempts::{Retry, RetryPolicy, with_retries};
use crate::connectors::retry::{Backoff, retry_after};
use chrono::Duration as Days;
use omnify_core::{DateRange, Secret};
use reqwest::{Method, Url};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::time::Duration;

/// The longest range TikTok reports by day in one request.
pub const MAX_DAYS_PER_REPORT: i64 = 30;

/// How to reach one TikTok advertiser account.
#[derive(Debug, Clone)]
pub struct TikTokConfig {
    /// Root up to `/open_api`; the sandbox's `tiktok_base_url()` in development.
    pub base_url: String,
    /// e.g. "v1.3".
    pub api_version: String,
    /// Sent only in the `Access-Token` header.
    pub access_token: Secret,
    pub advertiser_id: String,
    /// Rows per page (TikTok allows up to 1000).
    pub page_size: u32,
    pub max_pages: u32,
    pub max_retries: u32,
    pub timeout: Duration,
    pub backoff: Backoff,
    pub max_retry_after: Duration,
}

impl TikTokConfig {
    pub fn new(access_token: Secret, advertiser_id: impl Into<String>) -> Self {
        Self {
            base_url: "https://business-api.tiktok.com/open_api".to_owned(),
            api_version: "v1.3".to_owned(),
            access_token,
            advertiser_id: advertiser_id.into(),
            page_size: 1000,
            max_pages: 50,
            max_retries: 3,
            timeout: Duration::from_secs(30),
            backoff: Backoff::default(),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// The report's `data_level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataLevel {
    Campaign,
    Ad,
}

impl DataLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Campaign => "AUCTION_CAMPAIGN",
            Self::Ad => "AUCTION_AD",
        }
    }

    fn dimensions(self) -> &'static str {
        match self {
            Self::Campaign => r#"["campaign_id","stat_time_day"]"#,
            Self::Ad => r#"["ad_id","stat_time_day"]"#,
        }
    }

    fn metrics(self) -> &'static str {
        match self {
            Self::Campaign => {
                r#"["spend","impressions","clicks","complete_payment","total_complete_payment_rate","currency","campaign_name"]"#
            }
            Self::Ad => {
                r#"["spend","impressions","clicks","complete_payment","total_complete_payment_rate","currency","campaign_id","campaign_name","adgroup_id","adgroup_name","ad_name"]"#
            }
        }
    }
}

/// A campaign's on/off switch as `/campaign/status/update/` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignStatus {
    Enable,
    Disable,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enable => "ENABLE",
            Self::Disable => "DISABLE",
        }
    }
}

#[derive(Debug, Clone)]
pub struct TikTokClient {
    http: reqwest::Client,
    config: TikTokConfig,
    /// `{base_url}/{api_version}`.
    root: String,
}

impl TikTokClient {
    pub fn new(config: TikTokConfig) -> Result<Self, TikTokError> {
        let id = config.advertiser_id.trim();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(TikTokError::Config(format!(
                "advertiser id must be digits, got {id:?}"
            )));
        }
        if config.access_token.is_empty() {
            return Err(TikTokError::Config("no access token configured".to_owned()));
        }
        let root = format!(
            "{}/{}",
            config.base_url.trim_end_matches('/'),
            config.api_version.trim_matches('/')
        );
        Url::parse(&root)
            .map_err(|e| TikTokError::Config(format!("base_url {:?}: {e}", config.base_url)))?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("omnify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TikTokError::Config(e.to_string()))?;
        Ok(Self { http, config, root })
    }

    pub fn advertiser_id(&self) -> &str {
        self.config.advertiser_id.trim()
    }

    pub fn config(&self) -> &TikTokConfig {
        &self.config
    }

    /// The report request in TikTok's terms, for provenance.
    pub fn report_query(&self, level: DataLevel, range: DateRange) -> String {
        format!(
            "GET /{}/report/integrated/get/ advertiser_id={} report_type=BASIC data_level={} \
             dimensions={} start_date={} end_date={}",
            self.config.api_version,
            self.advertiser_id(),
            level.as_str(),
            level.dimensions(),
            range.since,
            range.until
        )
    }

    /// Daily rows for `range`, asked for in slices of at most 30 days, every page.
    pub async fn report(
        &self,
        level: DataLevel,
        range: DateRange,
    ) -> Result<Vec<ReportRow>, TikTokError> {
        let mut rows = Vec::new();
        let mut since = range.since;
        while since <= range.until {
            let until = (since + Days::days(MAX_DAYS_PER_REPORT - 1)).min(range.until);
            let (start, end) = (since.to_string(), until.to_string());
            let params = [
                ("advertiser_id", self.advertiser_id()),
                ("report_type", "BASIC"),
                ("data_level", level.as_str()),
                ("dimensions", level.dimensions()),
                ("metrics", level.metrics()),
                ("start_date", &start),
                ("end_date", &end),
            ];
            for raw in self.all_pages("report/integrated/get/", &params).await? {
                rows.push(report_row(raw)?);
            }
            since = until + Days::days(1);
        }
        Ok(rows)
    }

    /// Every campaign with its status and budget.
    pub async fn campaigns(&self) -> Result<Vec<CampaignInfo>, TikTokError> {
        let fields = r#"["campaign_id","campaign_name","operation_status","budget","budget_mode","objective_type"]"#;
        let params = [("advertiser_id", self.advertiser_id()), ("fields", fields)];
        self.all_pages("campaign/get/", &params)
            .await?
            .into_iter()
            .map(campaign_info)
            .collect()
    }

    /// Sets a campaign's budget (`/campaign/update/`), in the account currency; the
    /// campaign's `budget_mode` (daily or lifetime) stays as it is.
    pub async fn set_campaign_budget(
        &self,
        campaign_id: &str,
        budget: Decimal,
    ) -> Result<(), TikTokError> {
        let amount: Value = serde_json::from_str(&budget.normalize().to_string())
            .ok()
            .filter(|_| budget > Decimal::ZERO)
            .ok_or_else(|| {
                TikTokError::Config(format!("a budget must be a positive amount, got {budget}"))
            })?;
        let body = json!({
            "advertiser_id": self.advertiser_id(),
            "campaign_id": campaign_id,
            "budget": amount,
        });
        self.post("campaign/update/", &body).await.map(|_| ())
    }

    /// Turns campaigns on or off (`/campaign/status/update/`, 1-20 ids).
    pub async fn set_campaign_status(
        &self,
        campaign_ids: &[&str],
        status: CampaignStatus,
    ) -> Result<(), TikTokError> {
        if campaign_ids.is_empty() || campaign_ids.len() > 20 {
            return Err(TikTokError::Config(format!(
                "TikTok changes 1 to 20 campaigns per call, got {}",
                campaign_ids.len()
            )));
        }
        let body = json!({
            "advertiser_id": self.advertiser_id(),
            "campaign_ids": campaign_ids,
            "operation_status": status.as_str(),
        });
        self.post("campaign/status/update/", &body)
            .await
            .map(|_| ())
    }

    /// Pauses one campaign.
    pub async fn pause_campaign(&self, campaign_id: &str) -> Result<(), TikTokError> {
        self.set_campaign_status(&[campaign_id], CampaignStatus::Disable)
            .await
    }

    async fn all_pages(
        &self,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<Vec<Value>, TikTokError> {
        let page_size = self.config.page_size.to_string();
        let mut rows = Vec::new();
        for page in 1..=self.config.max_pages {
            let page_text = page.to_string();
            let mut query: Vec<(&str, &str)> = params.to_vec();
            query.push(("page", &page_text));
            query.push(("page_size", &page_size));
            let url = Url::parse_with_params(&format!("{}/{path}", self.root), &query)
                .map_err(|e| TikTokError::Config(e.to_string()))?;
            let data = self.call(Method::GET, url, None).await?;
            let list: ListPage =
                serde_json::from_value(data).map_err(|e| TikTokError::Malformed(e.to_string()))?;
            tracing::debug!(path, page, rows = list.list.len(), "tiktok page");
            rows.extend(list.list);
            let last = list
                .page_info
                .is_none_or(|info| info.page.max(page) >= info.total_page);
            if last {
                return Ok(rows);
            }
        }
        Err(TikTokError::TooManyPages {
            max_pages: self.config.max_pages,
        })
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value, TikTokError> {
        let url = Url::parse(&format!("{}/{path}", self.root))
            .map_err(|e| TikTokError::Config(e.to_string()))?;
        self.call(Method::POST, url, Some(body)).await
    }

    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Value, TikTokError> {
        let policy = RetryPolicy {
            max_retries: self.config.max_retries,
            backoff: self.config.backoff,
            max_retry_after: self.config.max_retry_after,
        };
        let what = url.path().to_owned();
        with_retries("tiktok", &what, policy, || {
            self.call_once(method.clone(), &url, body)
        })
        .await
    }

    async fn call_once(
        &self,
        method: Method,
        url: &Url,
        body: Option<&Value>,
    ) -> Result<Value, (TikTokError, Retry)> {
        let mut request = self
            .http
            .request(method, url.clone())
            .header("Access-Token", self.config.access_token.expose());
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status();
        let wait = retry_after(response.headers());
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        if status.as_u16() == 429 {
            let (error, _) = classify(
                RATE_LIMIT_CODE,
                format!("HTTP {status}"),
                None,
                self.advertiser_id(),
            );
            return Err((error, wait.map_or(Retry::Backoff, Retry::After)));
        }
        if status.is_server_error() {
            return Err((
                TikTokError::Unavailable {
                    detail: format!("HTTP {}", status.as_u16()),
                },
                wait.map_or(Retry::Backoff, Retry::After),
            ));
        }
        let envelope: Envelope = serde_json::from_slice(&bytes).map_err(|e| {
            (
                TikTokError::Malformed(format!("HTTP {}: {e}", status.as_u16())),
                Retry::No,
            )
        })?;
        if envelope.code != 0 {
            return Err(classify(
                envelope.code,
                envelope.message,
                envelope.request_id,
                self.advertiser_id(),
            ));
        }
        Ok(envelope.data.unwrap_or(Value::Null))
    }

    fn transport_error(&self, error: reqwest::Error) -> (TikTokError, Retry) {
        let error = error.without_url();
        if error.is_timeout() {
            (TikTokError::Timeout(self.config.timeout), Retry::Backoff)
        } else {
            (TikTokError::Network(error.to_string()), Retry::Backoff)
        }
    }
}
