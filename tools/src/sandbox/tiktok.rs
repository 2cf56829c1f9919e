//! An emulator of TikTok's Marketing API v1.3 (PLATFORMS.md §8) serving the brand's
//! TikTok advertiser: the integrated report, campaign list, and campaign budget and
//! status writes, with TikTok's HTTP-200 `code` envelope for errors and throttling.

mod campaigns;
mod report;

use crate::sandbox::brand::Brand;
use crate::sandbox::campaign_changes::{CampaignChange, CampaignChanges};
use crate::sandbox::harness::FaultQueue;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One misbehaviour of the TikTok API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 200 with `code: 40100` "Too many requests": TikTok's throttle signal.
    Throttled,
    /// HTTP 429 with `Retry-After: 1` (seen at the gateway).
    TooManyRequests,
    /// HTTP 500.
    ServerError,
    /// HTTP 200 with `code: 40105`: the token was revoked.
    TokenRevoked,
    /// Answers normally after this delay.
    Slow(Duration),
}

/// A request the emulator received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// Path and query as received (under the emulator's prefix).
    pub path_and_query: String,
    /// The `Access-Token` header, if any.
    pub access_token: Option<String>,
    /// The JSON body of a write.
    pub body: Option<Value>,
}

/// An error answer: TikTok's envelope with a non-zero code.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    http: StatusCode,
    code: i64,
    message: String,
}

impl ApiError {
    fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            http: StatusCode::OK,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn params(message: impl Into<String>) -> Self {
        Self::new(40_002, message)
    }

    pub(crate) fn no_permission() -> Self {
        Self::new(
            40_001,
            "No permission to operate advertiser; please make sure you have been granted access.",
        )
    }
}

/// Handle to a running TikTok emulator; clones share state.
#[derive(Clone)]
pub struct TikTokEmulator {
    state: Arc<EmulatorState>,
}

struct EmulatorState {
    brand: Arc<Brand>,
    access_token: String,
    faults: FaultQueue<Fault>,
    changes: CampaignChanges,
    requests: AtomicU64,
    log: Mutex<Vec<RecordedRequest>>,
}

impl TikTokEmulator {
    pub fn new(brand: Arc<Brand>, access_token: String) -> Self {
        Self {
            state: Arc::new(EmulatorState {
                brand,
                access_token,
                faults: FaultQueue::default(),
                changes: CampaignChanges::default(),
                requests: AtomicU64::new(0),
                log: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Routes relative to `/open_api` (`/v1.3/report/integrated/get/`); mount under a prefix.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/{version}/report/integrated/get/", get(report_handler))
            .route("/{version}/campaign/get/", get(campaign_get_handler))
            .route("/{version}/campaign/update/", post(campaign_update_handler))
            .route(
                "/{version}/campaign/status/update/",
                post(campaign_status_handler),
            )
            .with_state(self.clone())
    }

    pub fn inject(&self, fault: Fault, times: u32) {
        self.state.faults.push(fault, times);
    }

    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

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

    pub fn brand(&self) -> &Arc<Brand> {
        &self.state.brand
    }

    fn lock_log(&self) -> std::sync::MutexGuard<'_, Vec<RecordedRequest>> {
        self.state.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn serve(
        &self,
        uri: &OriginalUri,
        headers: &HeaderMap,
        version: &str,
        body: Option<Value>,
        answer: impl FnOnce(&Self) -> Result<Value, ApiError>,
    ) -> Response {
        let n = self.state.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let token = headers
            .get("access-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        self.lock_log().push(RecordedRequest {
            path_and_query: uri
                .0
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            access_token: token.clone(),
            body,
        });
        let request_id = format!("2026112300000{n:06}SANDBOX");
        let result = match self.state.faults.take() {
            Some(Fault::Throttled) => Err(ApiError::new(
                40_100,
                "Too many requests. Please retry in some time.",
            )),
            Some(Fault::TokenRevoked) => Err(ApiError::new(
                40_105,
                "Access token is incorrect or has been revoked.",
            )),
            Some(Fault::TooManyRequests) => {
                let mut response =
                    (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
                response.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(1),
                );
                return response;
            }
            Some(Fault::ServerError) => {
                return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
                    .into_response();
            }
            Some(Fault::Slow(delay)) => {
                tokio::time::sleep(delay).await;
                Ok(())
            }
            None => Ok(()),
        }
        .and_then(|()| match token.as_deref() {
            None | Some("") => Err(ApiError::new(40_104, "Access token is null, please check.")),
            Some(t) if t != self.state.access_token => Err(ApiError::new(
                40_105,
                "Access token is incorrect or has been revoked.",
            )),
            Some(_) if version != "v1.3" => Err(ApiError::new(
                40_002,
                format!("API version {version} is not supported"),
            )),
            Some(_) => answer(self),
        });
        match result {
            Ok(data) => Json(json!({"code": 0, "message": "OK", "request_id": request_id, "data": data}))
                .into_response(),
            Err(error) => (
                error.http,
                Json(json!({"code": error.code, "message": error.message, "request_id": request_id, "data": {}})),
            )
                .into_response(),
        }
    }

    fn advertiser(&self, params: &BTreeMap<String, String>) -> Result<(), ApiError> {
        match params.get("advertiser_id") {
            Some(id) if *id == self.state.brand.tiktok.account_id => Ok(()),
            Some(_) => Err(ApiError::no_permission()),
            None => Err(ApiError::params(
                "advertiser_id: Missing data for required field.",
            )),
        }
    }
}

/// `page` / `page_size` paging with `page_info`.
fn paged(rows: Vec<Value>, params: &BTreeMap<String, String>) -> Result<Value, ApiError> {
    let number = |name: &str, default: usize, max: usize| -> Result<usize, ApiError> {
        match params.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| ApiError::params(format!("{name}: must be between 1 and {max}"))),
        }
    };
    let page = number("page", 1, 100_000)?;
    let page_size = number("page_size", 10, 1000)?;
    let total = rows.len();
    let list: Vec<Value> = rows
        .into_iter()
        .skip((page - 1) * page_size)
        .take(page_size)
        .collect();
    Ok(json!({
        "list": list,
        "page_info": {
            "page": page,
            "page_size": page_size,
            "total_number": total,
            "total_page": total.div_ceil(page_size),
        }
    }))
}

async fn report_handler(
    State(emulator): State<TikTokEmulator>,
    Path(version): Path<String>,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    emulator
        .serve(&uri, &headers, &version, None, |e| {
            e.advertiser(&params)?;
            paged(report::rows(&e.state.brand.tiktok, &params)?, &params)
        })
        .await
}

async fn campaign_get_handler(
    State(emulator): State<TikTokEmulator>,
    Path(version): Path<String>,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    emulator
        .serve(&uri, &headers, &version, None, |e| {
            e.advertiser(&params)?;
            let rows = campaigns::list(
                &e.state.brand.tiktok,
                &e.state.changes,
                params.get("fields").map(String::as_str),
            )?;
            paged(rows, &params)
        })
        .await
}

async fn campaign_update_handler(
    State(emulator): State<TikTokEmulator>,
    Path(version): Path<String>,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    let body = body.map_or(Value::Null, |Json(b)| b);
    emulator
        .serve(&uri, &headers, &version, Some(body.clone()), |e| {
            campaigns::update_budget(&e.state.brand.tiktok, &e.state.changes, &body)
        })
        .await
}

async fn campaign_status_handler(
    State(emulator): State<TikTokEmulator>,
    Path(version): Path<String>,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    let body = body.map_or(Value::Null, |Json(b)| b);
    emulator
        .serve(&uri, &headers, &version, Some(body.clone()), |e| {
            campaigns::update_status(&e.state.brand.tiktok, &e.state.changes, &body)
        })
        .await
}
