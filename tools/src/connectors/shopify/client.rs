//! The HTTP client for the Shopify Admin GraphQL API: auth, cursor paging, and the
//! cost-bucket throttling Shopify signals inside HTTP 200 answers.

use super::errors::{Retry, ShopifyError, classify_status, throttle_wait};
use super::wire::{
    Connection, CustomersData, Envelope, OrdersData, QueryCost, ShopData, ShopInfo, graphql_errors,
};
use crate::connectors::retry::{Backoff, retry_after};
use crate::model::{Customer, Order};
use omnify_core::{DateRange, Secret};
use reqwest::Url;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Mutex;
use std::time::Duration;

/// How to reach one Shopify store.
#[derive(Debug, Clone)]
pub struct ShopifyConfig {
    /// `https://{shop}.myshopify.com` by default; the sandbox's `shopify_base_url()`
    /// in development.
    pub base_url: String,
    /// Quarterly `YYYY-MM` version; each is supported about a year, so keep it in config.
    pub api_version: String,
    /// Sent only in the `X-Shopify-Access-Token` header.
    pub access_token: Secret,
    /// `trailhead-supply.myshopify.com`.
    pub shop_domain: String,
    /// Nodes per page (Shopify allows at most 250).
    pub page_size: u32,
    /// Pages followed before giving up with [`ShopifyError::TooManyPages`].
    pub max_pages: u32,
    /// Retries per request after throttling, 5xx and network errors.
    pub max_retries: u32,
    pub timeout: Duration,
    pub backoff: Backoff,
    /// The longest wait worth sleeping through inside a chat turn.
    pub max_retry_after: Duration,
}

impl ShopifyConfig {
    pub fn new(access_token: Secret, shop_domain: impl Into<String>) -> Self {
        let shop_domain = shop_domain.into();
        Self {
            base_url: format!("https://{shop_domain}"),
            api_version: "2026-10".to_owned(),
            access_token,
            shop_domain,
            page_size: 250,
            max_pages: 200,
            max_retries: 5,
            timeout: Duration::from_secs(30),
            backoff: Backoff::default(),
            max_retry_after: Duration::from_secs(20),
        }
    }
}

const ORDERS_QUERY: &str = "query($first:Int!,$after:String,$q:String){\
 orders(first:$first, after:$after, query:$q, sortKey:CREATED_AT){\
 edges{ cursor node{ id name createdAt displayFinancialStatus\
 totalPriceSet{shopMoney{amount currencyCode}}\
 currentTotalPriceSet{shopMoney{amount currencyCode}}\
 totalRefundedSet{shopMoney{amount currencyCode}}\
 customer{id}\
 customerJourneySummary{ customerOrderIndex }\
 refunds{ id createdAt totalRefundedSet{shopMoney{amount currencyCode}} } } }\
 pageInfo{ hasNextPage endCursor } } }";

const CUSTOMERS_QUERY: &str = "query($first:Int!,$after:String,$q:String){\
 customers(first:$first, after:$after, query:$q, sortKey:CREATED_AT){\
 edges{ cursor node{ id createdAt numberOfOrders amountSpent{amount currencyCode} } }\
 pageInfo{ hasNextPage endCursor } } }";

const SHOP_QUERY: &str = "{ shop { name currencyCode ianaTimezone myshopifyDomain } }";

/// A client for one store.
#[derive(Debug)]
pub struct ShopifyClient {
    http: reqwest::Client,
    config: ShopifyConfig,
    endpoint: Url,
    /// The cost bucket as of the last answer, for logs and for callers pacing bulk reads.
    last_cost: Mutex<Option<QueryCost>>,
}

impl ShopifyClient {
    pub fn new(config: ShopifyConfig) -> Result<Self, ShopifyError> {
        if config.access_token.is_empty() {
            return Err(ShopifyError::Config(
                "no access token configured".to_owned(),
            ));
        }
        if config.shop_domain.trim().is_empty() {
            return Err(ShopifyError::Config("no shop domain configured".to_owned()));
        }
        let endpoint = format!(
            "{}/admin/api/{}/graphql.json",
            config.base_url.trim_end_matches('/'),
            config.api_version.trim_matches('/')
        );
        let endpoint = Url::parse(&endpoint)
            .map_err(|e| ShopifyError::Config(format!("base_url {:?}: {e}", config.base_url)))?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("omnify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ShopifyError::Config(e.to_string()))?;
        Ok(Self {
            http,
            config,
            endpoint,
            last_cost: Mutex::new(None),
        })
    }

    pub fn shop_domain(&self) -> &str {
        &self.config.shop_domain
    }

    pub fn config(&self) -> &ShopifyConfig {
        &self.config
    }

    /// The cost block of the last successful answer.
    pub fn last_cost(&self) -> Option<QueryCost> {
        self.last_cost
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Shopify's search syntax for orders placed on `range` (days in the shop's time zone).
    pub fn created_filter(range: DateRange) -> String {
        let until_exclusive = range.until + chrono::Duration::days(1);
        format!("created_at:>={} created_at:<{until_exclusive}", range.since)
    }

    /// The orders request in Shopify's terms, for provenance.
    pub fn orders_query(&self, range: DateRange) -> String {
        format!(
            "POST /admin/api/{}/graphql.json orders(query: \"{}\", sortKey: CREATED_AT)",
            self.config.api_version,
            Self::created_filter(range)
        )
    }

    /// Every order placed in `range`, with its refunds, oldest first.
    pub async fn orders(&self, range: DateRange) -> Result<Vec<Order>, ShopifyError> {
        let filter = Self::created_filter(range);
        let wire = self
            .all_pages(ORDERS_QUERY, &filter, |d: OrdersData| d.orders)
            .await?;
        wire.into_iter().map(|o| o.into_order()).collect()
    }

    /// Every customer created in `range`.
    pub async fn customers(&self, range: DateRange) -> Result<Vec<Customer>, ShopifyError> {
        let filter = Self::created_filter(range);
        let wire = self
            .all_pages(CUSTOMERS_QUERY, &filter, |d: CustomersData| d.customers)
            .await?;
        wire.into_iter().map(|c| c.into_customer()).collect()
    }

    /// The store's name, currency and time zone.
    pub async fn shop(&self) -> Result<ShopInfo, ShopifyError> {
        let data: ShopData = self.query_with_retries(SHOP_QUERY, json!({})).await?;
        Ok(data.shop)
    }

    async fn all_pages<D: DeserializeOwned, T>(
        &self,
        query: &str,
        filter: &str,
        connection: impl Fn(D) -> Connection<T>,
    ) -> Result<Vec<T>, ShopifyError> {
        let mut nodes = Vec::new();
        let mut after: Option<String> = None;
        for page_number in 1..=self.config.max_pages {
            let variables = json!({
                "first": self.config.page_size.min(250),
                "after": after,
                "q": filter,
            });
            let data: D = self.query_with_retries(query, variables).await?;
            let page = connection(data);
            tracing::debug!(page_number, nodes = page.edges.len(), "shopify page");
            nodes.extend(page.edges.into_iter().map(|e| e.node));
            match (page.page_info.has_next_page, page.page_info.end_cursor) {
                (true, Some(cursor)) => after = Some(cursor),
                (true, None) => {
                    return Err(ShopifyError::Malformed(
                        "hasNextPage without an endCursor".to_owned(),
                    ));
                }
                (false, _) => return Ok(nodes),
            }
        }
        Err(ShopifyError::TooManyPages {
            max_pages: self.config.max_pages,
        })
    }

    async fn query_with_retries<D: DeserializeOwned>(
        &self,
        query: &str,
        variables: Value,
    ) -> Result<D, ShopifyError> {
        let body = json!({"query": query, "variables": variables});
        let mut attempt = 0;
        loop {
            let (error, retry) = match self.post_once(&body).await {
                Ok(data) => return Ok(data),
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
                attempt,
                wait_ms = wait.as_millis() as u64,
                error = %error,
                "shopify request failed, retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    async fn post_once<D: DeserializeOwned>(
        &self,
        body: &Value,
    ) -> Result<D, (ShopifyError, Retry)> {
        let response = self
            .http
            .post(self.endpoint.clone())
            .header("X-Shopify-Access-Token", self.config.access_token.expose())
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
        if !status.is_success() {
            let message = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|v| v.get("errors").map(graphql_errors))
                .and_then(|errors| errors.into_iter().next())
                .map(|e| e.message)
                .unwrap_or_else(|| format!("HTTP {status}"));
            return Err(classify_status(
                status.as_u16(),
                message,
                retry_after(&headers),
            ));
        }
        let envelope: Envelope<D> = serde_json::from_slice(&bytes)
            .map_err(|e| (ShopifyError::Malformed(e.to_string()), Retry::No))?;
        let cost = envelope.extensions.and_then(|e| e.cost);
        if let Some(errors) = envelope.errors.as_ref().map(graphql_errors)
            && let Some(first) = errors.first()
        {
            return Err(self.graphql_error(first.clone(), cost.as_ref()));
        }
        if let Some(cost) = cost {
            *self.last_cost.lock().unwrap_or_else(|p| p.into_inner()) = Some(cost);
        }
        envelope
            .data
            .ok_or_else(|| (ShopifyError::Malformed("no data".to_owned()), Retry::No))
    }

    fn graphql_error(
        &self,
        error: super::wire::GraphQlError,
        cost: Option<&QueryCost>,
    ) -> (ShopifyError, Retry) {
        let code = error.extensions.and_then(|e| e.code);
        let message = error.message;
        match code.as_deref() {
            Some("THROTTLED") => {
                let wait = cost.and_then(|c| {
                    throttle_wait(
                        c.requested_query_cost,
                        c.throttle_status.currently_available,
                        c.throttle_status.restore_rate,
                    )
                });
                let retry = wait.map_or(Retry::Backoff, Retry::After);
                (ShopifyError::Throttled { message }, retry)
            }
            Some("ACCESS_DENIED") => (ShopifyError::AccessDenied { message }, Retry::No),
            Some("INTERNAL_SERVER_ERROR") => (
                ShopifyError::Unavailable {
                    status: 200,
                    message,
                },
                Retry::Backoff,
            ),
            _ => (ShopifyError::Api { code, message }, Retry::No),
        }
    }

    fn transport_error(&self, error: reqwest::Error) -> (ShopifyError, Retry) {
        let error = error.without_url();
        if error.is_timeout() {
            (ShopifyError::Timeout(self.config.timeout), Retry::Backoff)
        } else {
            (ShopifyError::Network(error.to_string()), Retry::Backoff)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_date_filter_is_inclusive_of_the_last_day() {
        let range = DateRange {
            since: chrono::NaiveDate::from_ymd_opt(2026, 11, 17).unwrap(),
            until: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        };
        assert_eq!(
            ShopifyClient::created_filter(range),
            "created_at:>=2026-11-17 created_at:<2026-11-24"
        );
    }

    #[test]
    fn the_endpoint_carries_the_version() {
        let client = ShopifyClient::new(ShopifyConfig {
            base_url: "http://127.0.0.1:9/shopify/".into(),
            ..ShopifyConfig::new(Secret::new("shpat_x"), "x.myshopify.com")
        })
        .unwrap();
        assert_eq!(
            client.endpoint.as_str(),
            "http://127.0.0.1:9/shopify/admin/api/2026-10/graphql.json"
        );
    }
}
