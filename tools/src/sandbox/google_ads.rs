//! An emulator of the Google Ads REST API (PLATFORMS.md §5) serving the brand's Google
//! Ads account: GAQL `search` (paged by `nextPageToken`) and `searchStream`, the budget
//! and status mutations, OAuth bearer checks against the Google token emulator, and
//! faults injectable at run time.

mod errors;
mod gaql;
mod mutate;
mod rows;

use crate::sandbox::brand::Brand;
use crate::sandbox::campaign_changes::{CampaignChange, CampaignChanges};
use crate::sandbox::harness::FaultQueue;
use crate::sandbox::oauth::OAuthServer;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use errors::RpcError;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Rows per `googleAds:search` page: fixed by Google, settable here so tests can page
/// through a small account.
pub const DEFAULT_PAGE_SIZE: usize = 10_000;

/// One misbehaviour of the Google Ads API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 `quotaError: RESOURCE_TEMPORARILY_EXHAUSTED` with `retryDelay: "1s"`.
    TemporarilyExhausted,
    /// HTTP 429 `quotaError: RESOURCE_EXHAUSTED`: the developer token's daily quota.
    DailyQuotaExhausted,
    /// HTTP 500 INTERNAL.
    ServerError,
    /// Answers normally after this delay.
    Slow(Duration),
    /// HTTP 401 UNAUTHENTICATED, as for an expired access token.
    TokenExpired,
}

/// A request the emulator received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// e.g. `googleAds:search`.
    pub method: String,
    pub body: Value,
    pub developer_token: Option<String>,
    pub login_customer_id: Option<String>,
}

/// Handle to a running Google Ads emulator; clones share state.
#[derive(Clone)]
pub struct GoogleAdsEmulator {
    state: Arc<EmulatorState>,
}

struct EmulatorState {
    brand: Arc<Brand>,
    oauth: OAuthServer,
    faults: FaultQueue<Fault>,
    changes: CampaignChanges,
    page_size: AtomicUsize,
    requests: AtomicU64,
    log: Mutex<Vec<RecordedRequest>>,
}

impl GoogleAdsEmulator {
    /// Accepts the access tokens `oauth` issued (Google's token emulator).
    pub fn new(brand: Arc<Brand>, oauth: OAuthServer) -> Self {
        Self {
            state: Arc::new(EmulatorState {
                brand,
                oauth,
                faults: FaultQueue::default(),
                changes: CampaignChanges::default(),
                page_size: AtomicUsize::new(DEFAULT_PAGE_SIZE),
                requests: AtomicU64::new(0),
                log: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Routes relative to the API root (`/v26/customers/…`); mount under a prefix.
    pub fn router(&self) -> Router {
        Router::new()
            .route(
                "/{version}/customers/{customer_id}/{method}",
                post(method_handler),
            )
            .route("/{version}/{method}", get(list_accessible_handler))
            .with_state(self.clone())
    }

    pub fn inject(&self, fault: Fault, times: u32) {
        self.state.faults.push(fault, times);
    }

    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    pub fn set_page_size(&self, rows: usize) {
        self.state.page_size.store(rows.max(1), Ordering::SeqCst);
    }

    /// API requests received (token requests are counted by the OAuth emulator).
    pub fn request_count(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock_log().clone()
    }

    pub fn reset_requests(&self) {
        self.state.requests.store(0, Ordering::SeqCst);
        self.lock_log().clear();
    }

    /// Budget and status changes accepted so far.
    pub fn changes(&self) -> Vec<CampaignChange> {
        self.state.changes.log()
    }

    pub fn oauth(&self) -> &OAuthServer {
        &self.state.oauth
    }

    pub fn brand(&self) -> &Arc<Brand> {
        &self.state.brand
    }

    fn lock_log(&self) -> std::sync::MutexGuard<'_, Vec<RecordedRequest>> {
        self.state.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn serve(
        &self,
        headers: &HeaderMap,
        version: &str,
        customer_id: Option<&str>,
        method: &str,
        body: Value,
    ) -> Response {
        let n = self.state.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        self.lock_log().push(RecordedRequest {
            method: method.to_owned(),
            body: body.clone(),
            developer_token: header("developer-token"),
            login_customer_id: header("login-customer-id"),
        });
        let request_id = format!("sandbox-{n:06}");
        match self
            .answer(headers, version, customer_id, method, &body)
            .await
        {
            Ok(value) => {
                let mut response = (StatusCode::OK, Json(value)).into_response();
                if let Ok(v) = request_id.parse() {
                    response.headers_mut().insert("request-id", v);
                }
                response
            }
            Err(error) => error.into_response(&request_id),
        }
    }

    async fn answer(
        &self,
        headers: &HeaderMap,
        version: &str,
        customer_id: Option<&str>,
        method: &str,
        body: &Value,
    ) -> Result<Value, RpcError> {
        match self.state.faults.take() {
            Some(Fault::TemporarilyExhausted) => return Err(RpcError::temporarily_exhausted()),
            Some(Fault::DailyQuotaExhausted) => return Err(RpcError::daily_quota_exhausted()),
            Some(Fault::ServerError) => return Err(RpcError::internal()),
            Some(Fault::TokenExpired) => return Err(RpcError::unauthenticated()),
            Some(Fault::Slow(delay)) => tokio::time::sleep(delay).await,
            None => {}
        }
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "));
        if !bearer.is_some_and(|t| self.state.oauth.is_valid(t)) {
            return Err(RpcError::unauthenticated());
        }
        if !is_version(version) {
            return Err(RpcError::not_found(&format!("{version}/{method}")));
        }
        let brand = &self.state.brand;
        let account = &brand.google_ads;
        let Some(customer_id) = customer_id else {
            return match method {
                "customers:listAccessibleCustomers" => Ok(json!({
                    "resourceNames": [format!("customers/{}", account.account_id)]
                })),
                other => Err(RpcError::not_found(other)),
            };
        };
        if customer_id != account.account_id {
            return Err(RpcError::permission_denied(customer_id));
        }
        let changes = &self.state.changes;
        match method {
            "googleAds:search" | "googleAds:searchStream" => {
                let query_text = body.get("query").and_then(Value::as_str).ok_or_else(|| {
                    RpcError::request("REQUIRED_FIELD_MISSING", "query is required.")
                })?;
                let query = gaql::parse(query_text, brand.end_date)?;
                let results = rows::results(account, changes, &query)?;
                let mask = rows::field_mask(&query);
                if method == "googleAds:search" {
                    self.search_page(results, mask, body)
                } else {
                    Ok(stream_batches(results, mask))
                }
            }
            "campaignBudgets:mutate" => mutate::budgets(account, changes, body),
            "campaigns:mutate" => mutate::campaigns(account, changes, body),
            other => Err(RpcError::not_found(other)),
        }
    }

    fn search_page(
        &self,
        results: Vec<Value>,
        mask: String,
        body: &Value,
    ) -> Result<Value, RpcError> {
        if body.get("pageSize").is_some() {
            return Err(RpcError::request(
                "PAGE_SIZE_NOT_SUPPORTED",
                "Setting the page size is not supported. Search responses have a fixed page size of 10000 rows.",
            ));
        }
        let offset = match body.get("pageToken").and_then(Value::as_str) {
            None | Some("") => 0,
            Some(token) => decode_page_token(token)
                .ok_or_else(|| RpcError::request("INVALID_PAGE_TOKEN", "Page token is invalid."))?,
        };
        let page_size = self.state.page_size.load(Ordering::SeqCst);
        let total = results.len();
        let page: Vec<Value> = results.into_iter().skip(offset).take(page_size).collect();
        let mut answer = json!({ "results": page, "fieldMask": mask });
        if offset + page_size < total {
            answer["nextPageToken"] = json!(encode_page_token(offset + page_size));
        }
        if body.get("returnTotalResultsCount").and_then(Value::as_bool) == Some(true) {
            answer["totalResultsCount"] = json!(total.to_string());
        }
        Ok(answer)
    }
}

/// searchStream: every row at once, in batches of up to 10,000.
fn stream_batches(results: Vec<Value>, mask: String) -> Value {
    if results.is_empty() {
        return json!([{ "fieldMask": mask, "requestId": "sandbox" }]);
    }
    let batches: Vec<Value> = results
        .chunks(DEFAULT_PAGE_SIZE)
        .map(|chunk| json!({ "results": chunk, "fieldMask": mask, "requestId": "sandbox" }))
        .collect();
    Value::Array(batches)
}

/// Opaque to clients, like Google's: the next row offset, hex, behind a marker.
fn encode_page_token(offset: usize) -> String {
    format!("CMp{offset:x}")
}

fn decode_page_token(token: &str) -> Option<usize> {
    usize::from_str_radix(token.strip_prefix("CMp")?, 16).ok()
}

/// `v26`-style version segments.
fn is_version(segment: &str) -> bool {
    segment
        .strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

async fn method_handler(
    State(emulator): State<GoogleAdsEmulator>,
    Path((version, customer_id, method)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    let body = body.map_or(Value::Null, |Json(b)| b);
    emulator
        .serve(&headers, &version, Some(&customer_id), &method, body)
        .await
}

async fn list_accessible_handler(
    State(emulator): State<GoogleAdsEmulator>,
    Path((version, method)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    emulator
        .serve(&headers, &version, None, &method, Value::Null)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip() {
        for offset in [0, 1, 25, 10_000] {
            assert_eq!(decode_page_token(&encode_page_token(offset)), Some(offset));
        }
        assert_eq!(decode_page_token("nope"), None);
    }
}
