//! An emulator of the Meta Graph API's ads endpoints (PLATFORMS.md §6), serving the
//! synthetic brand's Meta account, with faults injectable at run time.

mod campaigns;
mod errors;
pub mod faults;
mod insights;
mod paging;
mod request;
mod writes;

use crate::sandbox::brand::Brand;
use crate::sandbox::campaign_changes::{CampaignChange, CampaignChanges};
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
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

/// A `POST /{object_id}` the emulator received, whatever its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedWrite {
    pub object_id: String,
    /// Form fields in the order sent, `access_token` left out.
    pub fields: Vec<(String, String)>,
    /// Whether it was applied (false when faulted, unauthorized or invalid).
    pub applied: bool,
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
    changes: CampaignChanges,
    writes: Mutex<Vec<RecordedWrite>>,
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
                changes: CampaignChanges::default(),
                writes: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Routes relative to the Graph root (`/v26.0/act_…/insights`); mount under a prefix.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/{version}/{account}/insights", get(insights_handler))
            .route("/{version}/{account}/campaigns", get(campaigns_handler))
            .route("/{version}/{object_id}", post(write_handler))
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

    /// Every `POST /{object_id}` received, oldest first, faulted and refused ones
    /// included (see [`RecordedWrite::applied`]).
    pub fn writes(&self) -> Vec<RecordedWrite> {
        self.lock_writes().clone()
    }

    /// Budget and status changes applied so far, oldest first. Budgets are in major
    /// units (the brand's account is USD; Meta's wire value is 100 times this).
    pub fn changes(&self) -> Vec<CampaignChange> {
        self.state.changes.log()
    }

    fn lock_writes(&self) -> std::sync::MutexGuard<'_, Vec<RecordedWrite>> {
        self.state.writes.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn brand(&self) -> &Arc<Brand> {
        &self.state.brand
    }

    fn lock_log(&self) -> std::sync::MutexGuard<'_, Vec<RecordedRequest>> {
        self.state.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The steps every read shares: count, fault, authenticate, resolve the account,
    /// then produce rows and page them.
    async fn serve(
        &self,
        uri: &OriginalUri,
        headers: &HeaderMap,
        params: Vec<(String, String)>,
        (version, account): (String, String),
        rows: impl FnOnce(&Self, &GraphRequest) -> Result<Vec<Value>, GraphError>,
    ) -> Response {
        let (n, request) = self.receive(uri, headers, params);
        let result = match self.check(&request, &version).await {
            Err(error) => Err(error),
            Ok(()) if account != self.state.brand.meta.account_id => {
                Err(GraphError::unknown_object(&account))
            }
            Ok(()) => rows(self, &request).and_then(|rows| paging::page(rows, &request)),
        };
        Self::respond(n, result)
    }

    /// `POST /{object_id}`: the same faults, auth and version checks as reads, then
    /// the write applied to the campaign changes. Every attempt is logged.
    async fn write(
        &self,
        uri: &OriginalUri,
        headers: &HeaderMap,
        query: Vec<(String, String)>,
        (version, object_id): (String, String),
        form: Result<Vec<(String, String)>, String>,
    ) -> Response {
        let body = form.as_ref().map(Vec::as_slice).unwrap_or_default();
        // Meta reads parameters from the query string and the form body alike.
        let params: Vec<(String, String)> = query.iter().chain(body).cloned().collect();
        let fields: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k != "access_token")
            .cloned()
            .collect();
        let (n, request) = self.receive(uri, headers, params);
        let result = match self.check(&request, &version).await {
            Err(error) => Err(error),
            Ok(()) => match &form {
                Err(rejection) => Err(GraphError::invalid_parameter(format!(
                    "(#100) Could not read the form body: {rejection}"
                ))),
                Ok(_) => writes::apply(
                    &self.state.brand.meta,
                    &self.state.changes,
                    &object_id,
                    &fields,
                ),
            },
        };
        self.lock_writes().push(RecordedWrite {
            object_id,
            fields,
            applied: result.is_ok(),
        });
        Self::respond(n, result)
    }

    /// Counts and logs a request.
    fn receive(
        &self,
        uri: &OriginalUri,
        headers: &HeaderMap,
        params: Vec<(String, String)>,
    ) -> (u64, GraphRequest) {
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
        (n, request)
    }

    /// Any queued fault, then the token and the version.
    async fn check(&self, request: &GraphRequest, version: &str) -> Result<(), GraphError> {
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
        Ok(())
    }

    /// Meta's success (with the usage header) or error shape for request number `n`.
    fn respond(n: u64, result: Result<Value, GraphError>) -> Response {
        match result {
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
            Err(error) => error.into_response(paging::encode_cursor(1_000_000 + n as usize)),
        }
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
        .serve(&uri, &headers, params, path, |this, request| {
            insights::rows(&this.state.brand, request)
        })
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
        .serve(&uri, &headers, params, path, |this, request| {
            campaigns::rows(&this.state.brand, &this.state.changes, request)
        })
        .await
}

async fn write_handler(
    State(emulator): State<MetaEmulator>,
    Path(path): Path<(String, String)>,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let form = form.map(|Form(fields)| fields).map_err(|e| e.body_text());
    emulator.write(&uri, &headers, query, path, form).await
}
