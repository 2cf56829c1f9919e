//! An emulator of LinkedIn's versioned Marketing API (PLATFORMS.md §7) serving the
//! brand's LinkedIn ad account: adAnalytics, the adCampaigns and creatives finders,
//! the `LinkedIn-Version` / Rest.li header checks, OAuth bearer checks against the
//! LinkedIn token emulator, and faults injectable at run time.

mod analytics;
mod campaigns;
mod restli;

use crate::sandbox::brand::Brand;
use crate::sandbox::harness::FaultQueue;
use crate::sandbox::oauth::OAuthServer;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// adAnalytics' element cap: beyond it answers are cut short without a sign (§7).
pub const DEFAULT_ELEMENT_CAP: usize = 15_000;

/// The oldest `LinkedIn-Version` still served; 202503 is sunset (§7).
const OLDEST_VERSION: &str = "202504";

/// One misbehaviour of the LinkedIn API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 with `Retry-After: 1`: LinkedIn's only throttling signal.
    TooManyRequests,
    /// HTTP 500.
    ServerError,
    /// Answers normally after this delay.
    Slow(Duration),
    /// HTTP 401 `EXPIRED_ACCESS_TOKEN`, as for an expired access token.
    TokenExpired,
}

/// A request the emulator received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// Path and query as received (under the emulator's prefix), URNs still encoded.
    pub path_and_query: String,
    pub linkedin_version: Option<String>,
    pub restli_protocol_version: Option<String>,
    /// Whether an `Authorization: Bearer` header came, never its value.
    pub bearer: bool,
}

/// An error answer in LinkedIn's shape.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    status: StatusCode,
    service_error_code: i64,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(
        status: StatusCode,
        service_error_code: i64,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            service_error_code,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn illegal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 100, "ILLEGAL_ARGUMENT", message)
    }

    pub(crate) fn access_denied(resource: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            100,
            "ACCESS_DENIED",
            format!("Not enough permissions to access: {resource}"),
        )
    }

    fn invalid_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            65_600,
            "INVALID_ACCESS_TOKEN",
            "Invalid access token",
        )
    }

    fn expired_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            65_601,
            "EXPIRED_ACCESS_TOKEN",
            "The token used in the request has expired",
        )
    }

    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({
                "status": self.status.as_u16(),
                "serviceErrorCode": self.service_error_code,
                "code": self.code,
                "message": self.message,
            })),
        )
            .into_response()
    }
}

/// Handle to a running LinkedIn emulator; clones share state.
#[derive(Clone)]
pub struct LinkedInEmulator {
    state: Arc<EmulatorState>,
}

struct EmulatorState {
    brand: Arc<Brand>,
    oauth: OAuthServer,
    faults: FaultQueue<Fault>,
    element_cap: AtomicUsize,
    requests: AtomicU64,
    log: Mutex<Vec<RecordedRequest>>,
}

impl LinkedInEmulator {
    /// Accepts the access tokens `oauth` issued (LinkedIn's token emulator).
    pub fn new(brand: Arc<Brand>, oauth: OAuthServer) -> Self {
        Self {
            state: Arc::new(EmulatorState {
                brand,
                oauth,
                faults: FaultQueue::default(),
                element_cap: AtomicUsize::new(DEFAULT_ELEMENT_CAP),
                requests: AtomicU64::new(0),
                log: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Routes relative to `/rest` (`/adAnalytics`, `/adAccounts/{id}/adCampaigns`…);
    /// mount under a prefix.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/adAnalytics", get(analytics_handler))
            .route(
                "/adAccounts/{account_id}/adCampaigns",
                get(campaigns_handler),
            )
            .route("/adAccounts/{account_id}/creatives", get(creatives_handler))
            .with_state(self.clone())
    }

    pub fn inject(&self, fault: Fault, times: u32) {
        self.state.faults.push(fault, times);
    }

    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Lowers adAnalytics' silent truncation point so tests can reach it.
    pub fn set_element_cap(&self, elements: usize) {
        self.state
            .element_cap
            .store(elements.max(1), Ordering::SeqCst);
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
        uri: &OriginalUri,
        headers: &HeaderMap,
        raw_query: Option<&str>,
        answer: impl FnOnce(&Self, &restli::RestliQuery) -> Result<Value, ApiError>,
    ) -> Response {
        self.state.requests.fetch_add(1, Ordering::SeqCst);
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::to_owned);
        self.lock_log().push(RecordedRequest {
            path_and_query: uri
                .0
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            linkedin_version: header("linkedin-version"),
            restli_protocol_version: header("x-restli-protocol-version"),
            bearer: bearer.is_some(),
        });
        match self.state.faults.take() {
            Some(Fault::TooManyRequests) => {
                let mut response = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    0,
                    "TOO_MANY_REQUESTS",
                    "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
                )
                .into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(1));
                return response;
            }
            Some(Fault::ServerError) => {
                return ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    0,
                    "INTERNAL_SERVER_ERROR",
                    "Internal Server Error",
                )
                .into_response();
            }
            Some(Fault::TokenExpired) => return ApiError::expired_token().into_response(),
            Some(Fault::Slow(delay)) => tokio::time::sleep(delay).await,
            None => {}
        }
        if !bearer.is_some_and(|t| self.state.oauth.is_valid(&t)) {
            return ApiError::invalid_token().into_response();
        }
        let result = check_version(header("linkedin-version").as_deref())
            .and_then(|()| {
                // Without the 2.0.0 header LinkedIn reads the query as Rest.li 1.0, in
                // which `List(…)` and `(start:…)` are not valid.
                if header("x-restli-protocol-version").as_deref() == Some("2.0.0") {
                    Ok(())
                } else {
                    Err(ApiError::illegal(
                        "Invalid query parameters passed to request (X-Restli-Protocol-Version 2.0.0 expected)",
                    ))
                }
            })
            .and_then(|()| {
                let query = restli::parse_query(raw_query);
                match &query.unencoded_urn {
                    Some(param) => Err(ApiError::illegal(format!(
                        "Invalid value for param: {param} (URNs must be URL-encoded)"
                    ))),
                    None => answer(self, &query),
                }
            });
        match result {
            Ok(value) => (StatusCode::OK, Json(value)).into_response(),
            Err(error) => error.into_response(),
        }
    }

    fn account(
        &self,
        account_id: &str,
        resource: &str,
    ) -> Result<&crate::sandbox::brand::AdAccount, ApiError> {
        let account = &self.state.brand.linkedin;
        if account_id == account.account_id {
            Ok(account)
        } else {
            Err(ApiError::access_denied(resource))
        }
    }
}

fn check_version(version: Option<&str>) -> Result<(), ApiError> {
    let Some(version) = version else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            0,
            "VERSION_MISSING",
            "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
        ));
    };
    if version.len() != 6 || !version.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::illegal(format!(
            "Invalid LinkedIn-Version header: {version}"
        )));
    }
    // Same-length digit strings compare like the months they name.
    if version < OLDEST_VERSION {
        return Err(ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            0,
            "NONEXISTENT_VERSION",
            format!("Requested version {version} is not active"),
        ));
    }
    Ok(())
}

async fn analytics_handler(
    State(emulator): State<LinkedInEmulator>,
    uri: OriginalUri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    emulator
        .serve(&uri, &headers, raw.as_deref(), |e, query| {
            let brand = &e.state.brand;
            analytics::elements(
                &brand.linkedin,
                &query.params,
                brand.end_date,
                e.state.element_cap.load(Ordering::SeqCst),
            )
        })
        .await
}

async fn campaigns_handler(
    State(emulator): State<LinkedInEmulator>,
    Path(account_id): Path<String>,
    uri: OriginalUri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    emulator
        .serve(&uri, &headers, raw.as_deref(), |e, query| {
            campaigns::campaigns(e.account(&account_id, "adCampaigns")?, &query.params)
        })
        .await
}

async fn creatives_handler(
    State(emulator): State<LinkedInEmulator>,
    Path(account_id): Path<String>,
    uri: OriginalUri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    emulator
        .serve(&uri, &headers, raw.as_deref(), |e, query| {
            campaigns::creatives(e.account(&account_id, "creatives")?, &query.params)
        })
        .await
}
