//! An emulator of the Meta Graph API's ads endpoints (PLATFORMS.md §6), serving the
//! synthetic brand's Meta account, with faults injectable at run time.

mod campaigns;
mod errors;
pub mod faults;
mod insights;
mod paging;
mod request;

use crate::sandbox::brand::Brand;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use errors::GraphError;
use faults::FaultQueue;
use request::GraphRequest;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub use faults::Fault;

/// A request the emulator received, for tests that assert on paging and retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Path and query as received (under the emulator's prefix).
    pub path_and_query: String,
    /// Whether the token came in an `Authorization: Bearer` header.
    pub bearer: bool,
}

/// Handle to a running Meta emulator; clones share state.
#[derive(Clone)]
pub struct MetaEmulator {
    state: Arc<EmulatorState>,
}

struct EmulatorState {
    brand: Arc<Brand>,
    access_token: String,
    faults: FaultQueue,
    requests: AtomicU64,
    log: Mutex<Vec<RecordedRequest>>,
}

impl MetaEmulator {
    pub fn new(brand: Arc<Brand>, access_token: String) -> Self {
        Self {
            state: Arc::new(EmulatorState {
                brand,
                access_token,
                faults: FaultQueue::default(),
                requests: AtomicU64::new(0),
                log: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Routes relative to the Graph root (`/v26.0/act_…/insights`); mount under a prefix.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/{version}/{account}/insights", get(insights_handler))
            .route("/{version}/{account}/campaigns", get(campaigns_handler))
            .with_state(self.clone())
    }

    /// The next `times` requests fail with `fault` (after any faults already queued).
    pub fn inject(&self, fault: Fault, times: u32) {
        self.state.faults.push(fault, times);
    }

    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Requests received since start (or the last reset), faulted ones included.
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

    pub fn brand(&self) -> &Arc<Brand> {
        &self.state.brand
    }

    fn lock_log(&self) -> std::sync::MutexGuard<'_, Vec<RecordedRequest>> {
        self.state.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The steps every endpoint shares: count, fault, authenticate, resolve the
    /// account, then produce rows and page them.
    async fn serve(
        &self,
        uri: &OriginalUri,
        headers: &HeaderMap,
        params: Vec<(String, String)>,
        (version, account): (String, String),
        rows: fn(&Brand, &GraphRequest) -> Result<Vec<Value>, GraphError>,
    ) -> Response {
        let n = self.state.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let request = GraphRequest::new(&uri.0, headers, params);
        self.lock_log().push(RecordedRequest {
            path_and_query: uri
                .0
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            bearer: request.bearer_present(),
        });
        let trace_id = paging::encode_cursor(1_000_000 + n as usize);
        match self.answer(&request, &version, &account, rows).await {
            Ok(body) => {
                let mut response = (StatusCode::OK, Json(body)).into_response();
                // Usage header real clients watch to slow down before a hard limit.
                let usage = format!(
                    "{{\"acc_id_util_pct\":{:.2},\"reset_time_duration\":0,\"ads_api_access_tier\":\"standard_access\"}}",
                    (n % 100) as f64
                );
                if let Ok(value) = HeaderValue::from_str(&usage) {
                    response.headers_mut().insert("x-ad-account-usage", value);
                }
                response
            }
            Err(error) => error.into_response(trace_id),
        }
    }

    async fn answer(
        &self,
        request: &GraphRequest,
        version: &str,
        account: &str,
        rows: fn(&Brand, &GraphRequest) -> Result<Vec<Value>, GraphError>,
    ) -> Result<Value, GraphError> {
        match self.state.faults.take() {
            Some(Fault::UserRequestLimit) => {
                return Err(GraphError::rate_limited(
                    17,
                    2_446_079,
                    "(#17) User request limit reached",
                ));
            }
            Some(Fault::AppRequestLimit) => {
                return Err(GraphError::rate_limited(
                    4,
                    1_504_022,
                    "(#4) Application request limit reached",
                ));
            }
            Some(Fault::AdAccountRequestLimit) => {
                return Err(GraphError::rate_limited(
                    613,
                    1_487_742,
                    "(#613) Calls to this api have exceeded the rate limit.",
                ));
            }
            Some(Fault::TooManyRequests) => return Err(GraphError::too_many_requests()),
            Some(Fault::ServerError) => return Err(GraphError::server_error()),
            Some(Fault::TokenExpired) => return Err(GraphError::session_expired()),
            Some(Fault::Slow(delay)) => tokio::time::sleep(delay).await,
            None => {}
        }
        if !request.is_authorized(&self.state.access_token) {
            return Err(GraphError::invalid_token());
        }
        if !is_graph_version(version) {
            return Err(GraphError::invalid_parameter(format!(
                "(#2635) Unknown or unsupported API version {version}"
            )));
        }
        let brand = &self.state.brand;
        if account != brand.meta.account_id {
            return Err(GraphError::unknown_object(account));
        }
        paging::page(rows(brand, request)?, request)
    }
}

/// `v26.0`-style version segments.
fn is_graph_version(segment: &str) -> bool {
    segment
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .is_some_and(|major| !major.is_empty() && major.chars().all(|c| c.is_ascii_digit()))
}

async fn insights_handler(
    State(emulator): State<MetaEmulator>,
    Path(path): Path<(String, String)>,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    emulator
        .serve(&uri, &headers, params, path, insights::rows)
        .await
}

async fn campaigns_handler(
    State(emulator): State<MetaEmulator>,
    Path(path): Path<(String, String)>,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    emulator
        .serve(&uri, &headers, params, path, campaigns::rows)
        .await
}
