//! The HTTP client for the Meta Graph API: auth, paging, retries.

use super::errors::{GraphErrorBody, MetaError, Retry, classify};
use super::wire::{CampaignInfo, InsightRow, Page, WireCampaign, WireInsight};
use crate::connectors::retry::{Backoff, retry_after};
use crate::model::AdFrequency;
use omnify_core::{DateRange, Secret};
use reqwest::Url;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Duration;

/// How to reach one Meta ad account.
#[derive(Debug, Clone)]
pub struct MetaConfig {
    /// Graph API root; the sandbox's `meta_base_url()` in development.
    pub base_url: String,
    /// e.g. "v26.0". Marketing API versions expire within about a year: keep it in config.
    pub api_version: String,
    /// Sent only in the `Authorization` header, never in a URL, so it cannot reach logs.
    pub access_token: Secret,
    /// With or without the `act_` prefix.
    pub ad_account_id: String,
    /// Rows per page (Meta allows up to 500).
    pub page_limit: u32,
    /// Pages followed before giving up with [`MetaError::TooManyPages`].
    pub max_pages: u32,
    /// Retries per request after rate limits, 5xx and network errors.
    pub max_retries: u32,
    /// Per HTTP request.
    pub timeout: Duration,
    pub backoff: Backoff,
    /// The longest `Retry-After` worth sleeping through inside a chat turn; longer ones
    /// fail at once with [`MetaError::RateLimited`].
    pub max_retry_after: Duration,
}

impl MetaConfig {
    pub fn new(access_token: Secret, ad_account_id: impl Into<String>) -> Self {
        Self {
            base_url: "https://graph.facebook.com".to_owned(),
            api_version: "v26.0".to_owned(),
            access_token,
            ad_account_id: ad_account_id.into(),
            page_limit: 500,
            max_pages: 50,
            max_retries: 3,
            timeout: Duration::from_secs(30),
            backoff: Backoff::default(),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// The level insights are rolled up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsightsLevel {
    Account,
    Campaign,
    AdSet,
    Ad,
}

impl InsightsLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Campaign => "campaign",
            Self::AdSet => "adset",
            Self::Ad => "ad",
        }
    }

    /// The object fields that identify a row at this level.
    fn id_fields(self) -> &'static str {
        match self {
            Self::Account => "account_id,account_name",
            Self::Campaign => "campaign_id,campaign_name",
            Self::AdSet => "campaign_id,campaign_name,adset_id,adset_name",
            Self::Ad => "campaign_id,campaign_name,adset_id,adset_name,ad_id,ad_name",
        }
    }
}

/// Metric fields every insights request asks for.
const METRIC_FIELDS: &str = "account_currency,spend,impressions,clicks,actions,action_values";

/// Cumulative ranges per request for lifetime frequency. Meta documents no limit on
/// `time_ranges`; ten keeps each response to a few hundred rows.
const RANGES_PER_REQUEST: usize = 10;

/// How far back "lifetime" starts: Meta serves insights up to 37 months old, and an
/// ad's reach over a range that starts before its first day is its lifetime reach.
const LIFETIME_DAYS: i64 = 36 * 30;

/// Fields of the lifetime-frequency request.
const FREQUENCY_FIELDS: &str = "ad_id,impressions,reach,frequency";

/// The start of every cumulative range for `range`.
fn lifetime_since(range: DateRange) -> chrono::NaiveDate {
    range.until - chrono::Duration::days(LIFETIME_DAYS)
}

/// A client for one ad account.
#[derive(Debug, Clone)]
pub struct MetaAdsClient {
    http: reqwest::Client,
    config: MetaConfig,
    /// `act_…`, as the Graph paths want it.
    account: String,
    /// `{base_url}/{api_version}`: writes go to `{graph_root}/{object_id}`.
    graph_root: String,
    /// `{base_url}/{api_version}/{account}`.
    account_root: String,
}

impl MetaAdsClient {
    pub fn new(config: MetaConfig) -> Result<Self, MetaError> {
        let raw_id = config.ad_account_id.trim();
        let digits = raw_id.strip_prefix("act_").unwrap_or(raw_id);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(MetaError::Config(format!(
                "ad account id must be act_<digits>, got {raw_id:?}"
            )));
        }
        if config.access_token.is_empty() {
            return Err(MetaError::Config("no access token configured".to_owned()));
        }
        let account = format!("act_{digits}");
        let graph_root = format!(
            "{}/{}",
            config.base_url.trim_end_matches('/'),
            config.api_version.trim_matches('/')
        );
        let account_root = format!("{graph_root}/{account}");
        Url::parse(&account_root)
            .map_err(|e| MetaError::Config(format!("base_url {:?}: {e}", config.base_url)))?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("omnify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| MetaError::Config(e.to_string()))?;
        Ok(Self {
            http,
            config,
            account,
            graph_root,
            account_root,
        })
    }

    /// `act_…`.
    pub fn account_id(&self) -> &str {
        &self.account
    }

    pub fn config(&self) -> &MetaConfig {
        &self.config
    }

    /// The insights request in Meta's terms, for provenance.
    pub fn insights_query(&self, level: InsightsLevel, range: DateRange, daily: bool) -> String {
        format!(
            "GET /{}/{}/insights level={} time_increment={} time_range={}..{}",
            self.config.api_version,
            self.account,
            level.as_str(),
            if daily { "1" } else { "all_days" },
            range.since,
            range.until
        )
    }

    /// Every insights row for `range`, one per object (and per day when `daily`),
    /// following `paging.next` to the last page.
    pub async fn insights(
        &self,
        level: InsightsLevel,
        range: DateRange,
        daily: bool,
    ) -> Result<Vec<InsightRow>, MetaError> {
        let time_range = serde_json::json!({
            "since": range.since.to_string(),
            "until": range.until.to_string(),
        })
        .to_string();
        let fields = format!("{},{METRIC_FIELDS}", level.id_fields());
        let limit = self.config.page_limit.to_string();
        let url = self.url(
            "insights",
            &[
                ("level", level.as_str()),
                ("fields", &fields),
                ("time_range", &time_range),
                ("time_increment", if daily { "1" } else { "all_days" }),
                ("limit", &limit),
            ],
        )?;
        let wire: Vec<WireInsight> = self.all_pages(url).await?;
        wire.into_iter().map(InsightRow::try_from).collect()
    }

    /// Each ad's lifetime frequency on every day of `range`: one cumulative range per
    /// day (`time_ranges`, each from [`LIFETIME_DAYS`] back to that day) at ad level,
    /// so each row's `frequency` is impressions per person since the ad's first day.
    pub async fn lifetime_frequency(
        &self,
        range: DateRange,
    ) -> Result<Vec<AdFrequency>, MetaError> {
        let since = lifetime_since(range).to_string();
        let days: Vec<String> = range
            .since
            .iter_days()
            .take_while(|d| *d <= range.until)
            .map(|d| d.to_string())
            .collect();
        let limit = self.config.page_limit.to_string();
        let mut out = Vec::new();
        for chunk in days.chunks(RANGES_PER_REQUEST) {
            let ranges: Vec<Value> = chunk
                .iter()
                .map(|until| serde_json::json!({"since": since, "until": until}))
                .collect();
            let ranges = Value::Array(ranges).to_string();
            let url = self.url(
                "insights",
                &[
                    ("level", "ad"),
                    ("fields", FREQUENCY_FIELDS),
                    ("time_ranges", &ranges),
                    ("limit", &limit),
                ],
            )?;
            let wire: Vec<WireInsight> = self.all_pages(url).await?;
            for row in wire {
                let row = InsightRow::try_from(row)?;
                let frequency = row.frequency.or_else(|| {
                    let reach = row.reach.filter(|r| *r > 0)?;
                    Some(row.impressions as f64 / reach as f64)
                });
                if let (Some(ad_id), Some(frequency)) = (row.ad_id, frequency) {
                    out.push(AdFrequency {
                        ad_id,
                        date: row.date_stop,
                        frequency,
                    });
                }
            }
        }
        Ok(out)
    }

    /// The lifetime-frequency request in Meta's terms, for provenance.
    pub fn lifetime_frequency_query(&self, range: DateRange) -> String {
        format!(
            "GET /{}/{}/insights level=ad fields={FREQUENCY_FIELDS} time_ranges=[{}..each day {}..{}]",
            self.config.api_version,
            self.account,
            lifetime_since(range),
            range.since,
            range.until
        )
    }

    /// The account's campaigns with their daily budgets.
    pub async fn campaigns(&self) -> Result<Vec<CampaignInfo>, MetaError> {
        let limit = self.config.page_limit.to_string();
        let url = self.url(
            "campaigns",
            &[
                ("fields", "id,name,status,objective,daily_budget"),
                ("limit", &limit),
            ],
        )?;
        let wire: Vec<WireCampaign> = self.all_pages(url).await?;
        wire.into_iter().map(CampaignInfo::try_from).collect()
    }

    /// Sets the daily budget of a campaign (CBO) or ad set, given in the account
    /// currency's major units (`123.45` → `daily_budget=12345`).
    ///
    /// The amount must be positive with at most two decimals; anything else is refused
    /// with [`MetaError::InvalidWrite`] before a request is made. Assumes a currency with
    /// two-decimal minor units (USD, EUR, GBP…); for others use
    /// [`set_daily_budget_minor`](Self::set_daily_budget_minor).
    pub async fn set_daily_budget(
        &self,
        object_id: &str,
        daily_budget: Decimal,
    ) -> Result<(), MetaError> {
        let minor = budget_to_minor_units(daily_budget)?;
        self.set_daily_budget_minor(object_id, minor).await
    }

    /// Sets the daily budget of a campaign (CBO) or ad set in the account currency's
    /// minor units, as Meta takes it: `POST /{object_id}` with `daily_budget=<minor>`.
    pub async fn set_daily_budget_minor(
        &self,
        object_id: &str,
        daily_budget_minor: i64,
    ) -> Result<(), MetaError> {
        if daily_budget_minor <= 0 {
            return Err(MetaError::InvalidWrite(format!(
                "a daily budget must be more than zero, got {daily_budget_minor} minor units"
            )));
        }
        self.write(
            object_id,
            &[("daily_budget", &daily_budget_minor.to_string())],
        )
        .await
    }

    /// Pauses a campaign, ad set or ad: `POST /{object_id}` with `status=PAUSED`.
    pub async fn pause(&self, object_id: &str) -> Result<(), MetaError> {
        self.write(object_id, &[("status", "PAUSED")]).await
    }

    /// The write request in Meta's terms, for provenance and approval prompts.
    pub fn write_query(&self, object_id: &str, fields: &[(&str, &str)]) -> String {
        let fields: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!(
            "POST /{}/{object_id} {}",
            self.config.api_version,
            fields.join(" ")
        )
    }

    /// `POST {graph_root}/{object_id}` with form `fields`, expecting `{"success":true}`.
    ///
    /// Retried like reads: every write here sets an absolute value, so repeating one
    /// after an ambiguous failure cannot apply it twice.
    async fn write(&self, object_id: &str, fields: &[(&str, &str)]) -> Result<(), MetaError> {
        if object_id.is_empty() || !object_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(MetaError::InvalidWrite(format!(
                "object id must be a numeric Meta id, got {object_id:?}"
            )));
        }
        let url = Url::parse(&format!("{}/{object_id}", self.graph_root))
            .map_err(|e| MetaError::Config(e.to_string()))?;
        let answer: Value = self
            .with_retries(&url, || self.http.post(url.clone()).form(fields))
            .await?;
        if answer.get("success") == Some(&Value::Bool(true)) {
            tracing::info!(object_id, fields = ?field_names(fields), "meta write applied");
            return Ok(());
        }
        let mut body = answer.to_string();
        if body.len() > 200 {
            let cut = (0..=200)
                .rev()
                .find(|i| body.is_char_boundary(*i))
                .unwrap_or(0);
            body.truncate(cut);
            body.push('…');
        }
        Err(MetaError::WriteNotConfirmed {
            object_id: object_id.to_owned(),
            body,
        })
    }

    fn url(&self, edge: &str, params: &[(&str, &str)]) -> Result<Url, MetaError> {
        Url::parse_with_params(&format!("{}/{edge}", self.account_root), params)
            .map_err(|e| MetaError::Config(e.to_string()))
    }

    async fn all_pages<T: DeserializeOwned>(&self, first: Url) -> Result<Vec<T>, MetaError> {
        let mut rows = Vec::new();
        let mut url = first;
        for page_number in 1..=self.config.max_pages {
            let page: Page<T> = self
                .with_retries(&url, || self.http.get(url.clone()))
                .await?;
            tracing::debug!(
                path = url.path(),
                page_number,
                rows = page.data.len(),
                "meta page"
            );
            rows.extend(page.data);
            match page.paging.and_then(|p| p.next) {
                Some(next) => url = self.next_url(&next)?,
                None => return Ok(rows),
            }
        }
        Err(MetaError::TooManyPages {
            max_pages: self.config.max_pages,
        })
    }

    /// Checks a `paging.next` link points at the same Graph host before the token is
    /// sent to it, and drops any `access_token` Meta echoed into it.
    fn next_url(&self, next: &str) -> Result<Url, MetaError> {
        let mut url = Url::parse(next)
            .map_err(|_| MetaError::Malformed("paging.next is not a URL".to_owned()))?;
        let root = Url::parse(&self.account_root).map_err(|e| MetaError::Config(e.to_string()))?;
        if url.origin() != root.origin() {
            return Err(MetaError::Malformed(
                "paging.next points at another host".to_owned(),
            ));
        }
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "access_token")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut().clear().extend_pairs(kept);
        Ok(url)
    }

    /// Sends the request `build` makes until it succeeds, fails for good, or runs out of
    /// retries; `url` is only for logs (its path, never its query).
    async fn with_retries<T: DeserializeOwned>(
        &self,
        url: &Url,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, MetaError> {
        let mut attempt = 0;
        loop {
            let (error, retry) = match self.send_once(build()).await {
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
                "meta request failed, retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    async fn send_once<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, (MetaError, Retry)> {
        let response = request
            .bearer_auth(self.config.access_token.expose())
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|e| (MetaError::Malformed(e.to_string()), Retry::No));
        }
        let detail = serde_json::from_slice::<GraphErrorBody>(&body)
            .ok()
            .map(|b| b.error);
        Err(classify(status.as_u16(), detail, retry_after(&headers)))
    }

    fn transport_error(&self, error: reqwest::Error) -> (MetaError, Retry) {
        // without_url: a URL in an error message is one step from a log line.
        let error = error.without_url();
        if error.is_timeout() {
            (MetaError::Timeout(self.config.timeout), Retry::Backoff)
        } else {
            (MetaError::Network(error.to_string()), Retry::Backoff)
        }
    }
}

/// Names only: values may be budgets, which belong in the audit trail, not debug logs.
fn field_names<'a>(fields: &[(&'a str, &str)]) -> Vec<&'a str> {
    fields.iter().map(|(k, _)| *k).collect()
}

/// `123.45` → `12345`: exact, refusing amounts that are not positive, have more than two
/// decimals, or do not fit Meta's integer field.
pub(crate) fn budget_to_minor_units(amount: Decimal) -> Result<i64, MetaError> {
    if amount <= Decimal::ZERO {
        return Err(MetaError::InvalidWrite(format!(
            "a daily budget must be more than zero, got {amount}"
        )));
    }
    let amount = amount.normalize();
    if amount.scale() > 2 {
        return Err(MetaError::InvalidWrite(format!(
            "a daily budget can have at most 2 decimal places, got {amount}"
        )));
    }
    amount
        .checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|minor| minor.to_i64())
        .ok_or_else(|| MetaError::InvalidWrite(format!("daily budget {amount} is too large")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn client() -> MetaAdsClient {
        MetaAdsClient::new(MetaConfig {
            base_url: "http://127.0.0.1:9/meta/".into(),
            ..MetaConfig::new(Secret::new("tok"), "123")
        })
        .unwrap()
    }

    #[test]
    fn next_links_must_stay_on_the_graph_host_and_lose_any_echoed_token() {
        let c = client();
        let next = c
            .next_url(
                "http://127.0.0.1:9/meta/v26.0/act_123/insights?limit=5&access_token=tok&after=MjQ",
            )
            .unwrap();
        assert_eq!(
            next.as_str(),
            "http://127.0.0.1:9/meta/v26.0/act_123/insights?limit=5&after=MjQ"
        );
        assert!(
            c.next_url("http://evil.example/v26.0/act_123/insights?after=MjQ")
                .is_err()
        );
        assert!(c.next_url("not a url").is_err());
    }

    #[test]
    fn budgets_convert_to_minor_units_exactly_or_not_at_all() {
        use std::str::FromStr;
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(budget_to_minor_units(d("123.45")).unwrap(), 12_345);
        assert_eq!(budget_to_minor_units(d("50")).unwrap(), 5_000);
        assert_eq!(budget_to_minor_units(d("0.01")).unwrap(), 1);
        assert_eq!(budget_to_minor_units(d("19.900")).unwrap(), 1_990);
        for bad in ["0", "-5", "0.001", "12.345", "100000000000000000000"] {
            assert!(
                matches!(
                    budget_to_minor_units(d(bad)),
                    Err(MetaError::InvalidWrite(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn provenance_names_the_request_in_metas_terms() {
        let range = DateRange {
            since: chrono::NaiveDate::from_ymd_opt(2026, 11, 17).unwrap(),
            until: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        };
        assert_eq!(
            client().insights_query(InsightsLevel::Ad, range, false),
            "GET /v26.0/act_123/insights level=ad time_increment=all_days time_range=2026-11-17..2026-11-23"
        );
    }
}
