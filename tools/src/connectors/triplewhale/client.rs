//! The HTTP client for the TripleWhale API: `x-api-key` auth, the summary page, and
//! the journeys endpoint in both of its paging styles.

use super::errors::{ErrorBody, Retry, TripleWhaleError, classify};
use super::wire::{JourneysResponse, SummaryMetric, SummaryResponse};
use crate::connectors::retry::{Backoff, retry_after};
use crate::model::{AttributedOrder, AttributionSummary, ChannelSpend, Money};
use omnify_core::{DateRange, Secret};
use reqwest::Url;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// How to page `get-orders-with-journeys-v2`: the docs' `page`/`pageSize`, or the
/// official sample app's "move `endDate` to `earliestDate`" loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JourneyPaging {
    Pages,
    EarliestDate,
}

/// How to reach one shop's TripleWhale data.
#[derive(Debug, Clone)]
pub struct TripleWhaleConfig {
    /// `https://api.triplewhale.com`; the sandbox's `triplewhale_base_url()` in development.
    pub base_url: String,
    /// The path version: "v2" gives `/api/v2/...`.
    pub api_version: String,
    /// Sent only in the `x-api-key` header.
    pub api_key: Secret,
    /// `x.myshopify.com`, which every request names.
    pub shop_domain: String,
    /// Orders per journeys page (1–100).
    pub page_size: u32,
    pub journey_paging: JourneyPaging,
    pub max_pages: u32,
    pub max_retries: u32,
    pub timeout: Duration,
    pub backoff: Backoff,
    pub max_retry_after: Duration,
    /// Channel spend and revenue currency (TripleWhale reports in the shop's currency
    /// and does not name it in the summary).
    pub currency: String,
}

impl TripleWhaleConfig {
    pub fn new(api_key: Secret, shop_domain: impl Into<String>) -> Self {
        Self {
            base_url: "https://api.triplewhale.com".to_owned(),
            api_version: "v2".to_owned(),
            api_key,
            shop_domain: shop_domain.into(),
            page_size: 100,
            journey_paging: JourneyPaging::Pages,
            max_pages: 200,
            max_retries: 3,
            timeout: Duration::from_secs(30),
            backoff: Backoff::default(),
            max_retry_after: Duration::from_secs(30),
            currency: "USD".to_owned(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TripleWhaleClient {
    http: reqwest::Client,
    config: TripleWhaleConfig,
    root: String,
}

impl TripleWhaleClient {
    pub fn new(config: TripleWhaleConfig) -> Result<Self, TripleWhaleError> {
        if config.api_key.is_empty() {
            return Err(TripleWhaleError::Config("no API key configured".to_owned()));
        }
        if config.shop_domain.trim().is_empty() {
            return Err(TripleWhaleError::Config(
                "no shop domain configured".to_owned(),
            ));
        }
        let root = format!(
            "{}/api/{}",
            config.base_url.trim_end_matches('/'),
            config.api_version.trim_matches('/')
        );
        Url::parse(&root).map_err(|e| {
            TripleWhaleError::Config(format!("base_url {:?}: {e}", config.base_url))
        })?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("omnify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TripleWhaleError::Config(e.to_string()))?;
        Ok(Self { http, config, root })
    }

    pub fn shop_domain(&self) -> &str {
        &self.config.shop_domain
    }

    pub fn config(&self) -> &TripleWhaleConfig {
        &self.config
    }

    pub fn summary_query(&self, range: DateRange) -> String {
        format!(
            "POST /api/{}/summary-page/get-data period={}..{}",
            self.config.api_version, range.since, range.until
        )
    }

    pub fn journeys_query(&self, range: DateRange) -> String {
        format!(
            "POST /api/{}/attribution/get-orders-with-journeys-v2 startDate={} endDate={} (first click)",
            self.config.api_version, range.since, range.until
        )
    }

    /// Every summary-page metric for `range`, with TripleWhale's previous period.
    pub async fn summary_metrics(
        &self,
        range: DateRange,
    ) -> Result<Vec<SummaryMetric>, TripleWhaleError> {
        let body = json!({
            "shopDomain": self.config.shop_domain,
            "period": {"start": range.since.to_string(), "end": range.until.to_string()},
            "todayHour": 25,
        });
        let response: SummaryResponse = self.post("summary-page/get-data", &body).await?;
        response
            .metrics
            .into_iter()
            .map(SummaryMetric::try_from)
            .collect()
    }

    /// The summary page read as blended results: Shopify revenue and orders, total
    /// ad spend and each ad channel's spend.
    pub async fn attribution_summary(
        &self,
        range: DateRange,
    ) -> Result<AttributionSummary, TripleWhaleError> {
        let metrics = self.summary_metrics(range).await?;
        Ok(blended_summary(range, &metrics, &self.config.currency))
    }

    /// Every order placed in `range` with its first-click touch, newest first.
    pub async fn orders_with_journeys(
        &self,
        range: DateRange,
    ) -> Result<Vec<AttributedOrder>, TripleWhaleError> {
        let start = format!("{}T00:00:00.000+0000", range.since);
        let mut end = format!("{}T23:59:59.999+0000", range.until);
        let mut orders = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let page_size = self.config.page_size.clamp(1, 100);
        for page in 1..=self.config.max_pages {
            let page_number = match self.config.journey_paging {
                JourneyPaging::Pages => page,
                JourneyPaging::EarliestDate => 1,
            };
            let body = json!({
                "shop": self.config.shop_domain,
                "startDate": start,
                "endDate": end,
                "page": page_number,
                "pageSize": page_size,
                "excludeJourneyData": true,
            });
            let response: JourneysResponse = self
                .post("attribution/get-orders-with-journeys-v2", &body)
                .await?;
            let batch = response.orders_with_journeys.len();
            let mut added = 0;
            for order in response.orders_with_journeys {
                // Moving endDate to earliestDate returns the boundary order again.
                if seen.insert(order.order_key()) {
                    orders.push(order.into_order()?);
                    added += 1;
                }
            }
            let done = match self.config.journey_paging {
                JourneyPaging::Pages => {
                    let total = response.total_for_range.unwrap_or(0);
                    batch == 0 || u64::from(page * page_size) >= total
                }
                JourneyPaging::EarliestDate => match response.earliest_date {
                    None => true,
                    Some(_) if added == 0 => {
                        return Err(TripleWhaleError::Malformed(
                            "earliestDate paging made no progress".to_owned(),
                        ));
                    }
                    Some(earliest) => {
                        end = earliest;
                        false
                    }
                },
            };
            if done {
                return Ok(orders);
            }
        }
        Err(TripleWhaleError::TooManyPages {
            max_pages: self.config.max_pages,
        })
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<T, TripleWhaleError> {
        let url = Url::parse(&format!("{}/{path}", self.root))
            .map_err(|e| TripleWhaleError::Config(e.to_string()))?;
        let mut attempt = 0;
        loop {
            let (error, retry) = match self.post_once(&url, body).await {
                Ok(answer) => return Ok(answer),
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
            tracing::warn!(path, attempt, wait_ms = wait.as_millis() as u64, error = %error, "triplewhale request failed, retrying");
            tokio::time::sleep(wait).await;
        }
    }

    async fn post_once<T: DeserializeOwned>(
        &self,
        url: &Url,
        body: &Value,
    ) -> Result<T, (TripleWhaleError, Retry)> {
        let response = self
            .http
            .post(url.clone())
            .header("x-api-key", self.config.api_key.expose())
            .json(body)
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| (TripleWhaleError::Malformed(e.to_string()), Retry::No));
        }
        let message = serde_json::from_slice::<ErrorBody>(&bytes)
            .ok()
            .and_then(|b| b.message);
        Err(classify(status.as_u16(), message, retry_after(&headers)))
    }

    fn transport_error(&self, error: reqwest::Error) -> (TripleWhaleError, Retry) {
        let error = error.without_url();
        if error.is_timeout() {
            (
                TripleWhaleError::Timeout(self.config.timeout),
                Retry::Backoff,
            )
        } else {
            (TripleWhaleError::Network(error.to_string()), Retry::Backoff)
        }
    }
}

/// Reads the summary page's metrics as blended results. Channel spend metrics are the
/// ids ending in `Ads` (`facebookAds`, `googleAds`…) other than the blended one; a
/// channel's own ROAS is the id with `Roas` for `Ads` (`facebookRoas`).
pub fn blended_summary(
    range: DateRange,
    metrics: &[SummaryMetric],
    currency: &str,
) -> AttributionSummary {
    let by_id = |id: &str| metrics.iter().find(|m| m.id == id);
    // TripleWhale sends floats (17135.0); money keeps the currency's decimal places.
    let money = |d: Decimal| {
        let mut amount =
            crate::money::round_half_up(d, crate::money::minor_unit_exponent(currency));
        amount.rescale(crate::money::minor_unit_exponent(currency));
        Money::new(amount, currency)
    };
    let mut roas_by_stem: BTreeMap<&str, Decimal> = BTreeMap::new();
    for m in metrics {
        if let Some(stem) = m.id.strip_suffix("Roas").filter(|s| !s.is_empty()) {
            roas_by_stem.insert(stem, m.current);
        }
    }
    let mut channels = Vec::new();
    let (mut spend, mut previous_spend) = (Decimal::ZERO, Some(Decimal::ZERO));
    for m in metrics {
        let Some(stem) = m.id.strip_suffix("Ads") else {
            continue;
        };
        if stem.is_empty() || stem == "blended" || m.value_type != "currency" {
            continue;
        }
        spend += m.current;
        previous_spend = previous_spend.zip(m.previous).map(|(a, b)| a + b);
        channels.push(ChannelSpend {
            source: m
                .services
                .first()
                .cloned()
                .unwrap_or_else(|| stem.to_owned()),
            spend: money(m.current),
            platform_roas: roas_by_stem.get(stem).copied(),
        });
    }
    if let Some(blended) = by_id("blendedAds") {
        spend = blended.current;
        previous_spend = blended.previous;
    }
    let sales = by_id("sales");
    let orders = by_id("shopifyOrders");
    let count = |d: Decimal| u64::try_from(d.round()).unwrap_or(0);
    AttributionSummary {
        since: range.since,
        until: range.until,
        revenue: money(sales.map_or(Decimal::ZERO, |m| m.current)),
        previous_revenue: sales.and_then(|m| m.previous).map(money),
        orders: orders.map_or(0, |m| count(m.current)),
        previous_orders: orders.and_then(|m| m.previous).map(count),
        new_customer_revenue: by_id("newCustomerSales").map(|m| money(m.current)),
        ad_spend: money(spend),
        previous_ad_spend: previous_spend.map(money),
        channels,
    }
}
