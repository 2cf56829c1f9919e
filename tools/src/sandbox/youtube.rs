//! An emulator of YouTube Analytics API v2 and Data API v3 (PLATFORMS.md §9) serving
//! the brand's channel: `reports` and `videos`, OAuth bearer checks against the Google
//! token emulator, Google's error envelope, and faults injectable at run time (the
//! daily quota, 429, 500, slow answers, expired tokens).

mod reports;
mod videos;

use crate::sandbox::brand::Brand;
use crate::sandbox::harness::FaultQueue;
use crate::sandbox::oauth::OAuthServer;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Duration as Days;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One misbehaviour of the YouTube APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 403 `youtube.quota` / `quotaExceeded`: the project's daily units are spent.
    QuotaExceeded,
    /// HTTP 429 `rateLimitExceeded` with `Retry-After: 1`.
    TooManyRequests,
    /// HTTP 500 `backendError`.
    ServerError,
    /// Answers normally after this delay.
    Slow(Duration),
    /// HTTP 401 `authError`, as for an expired access token.
    TokenExpired,
}

/// Which of the two APIs a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Analytics,
    Data,
}

/// A request the emulator received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub api: Api,
    /// Path and query as received (under the emulator's prefix).
    pub path_and_query: String,
    /// Whether an `Authorization: Bearer` header came, never its value.
    pub bearer: bool,
}

/// An error in Google's envelope.
#[derive(Debug, Clone)]
pub(crate) struct GoogleError {
    status: StatusCode,
    domain: &'static str,
    reason: &'static str,
    message: String,
}

impl GoogleError {
    fn new(
        status: StatusCode,
        domain: &'static str,
        reason: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            domain,
            reason,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "global", "badRequest", message)
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "global", "forbidden", message)
    }

    fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "global",
            "authError",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        )
    }

    fn quota_exceeded() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "youtube.quota",
            "quotaExceeded",
            "The request cannot be completed because you have exceeded your quota.",
        )
    }

    fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "usageLimits",
            "rateLimitExceeded",
            "Too many requests. Please try again later.",
        )
    }

    fn backend() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "global",
            "backendError",
            "Backend Error",
        )
    }

    fn into_response(self) -> Response {
        let body = json!({"error": {
            "code": self.status.as_u16(),
            "message": self.message,
            "errors": [{"message": self.message, "domain": self.domain, "reason": self.reason}],
        }});
        (self.status, Json(body)).into_response()
    }
}

/// Handle to a running YouTube emulator; clones share state.
#[derive(Clone)]
pub struct YouTubeEmulator {
    state: Arc<EmulatorState>,
}

struct EmulatorState {
    brand: Arc<Brand>,
    oauth: OAuthServer,
    faults: FaultQueue<Fault>,
    /// Days at the end of the brand's history whose data is not ready yet.
    data_lag_days: AtomicI64,
    requests: AtomicU64,
    log: Mutex<Vec<RecordedRequest>>,
}

impl YouTubeEmulator {
    /// Accepts the access tokens `oauth` issued (Google's token emulator).
    pub fn new(brand: Arc<Brand>, oauth: OAuthServer) -> Self {
        Self {
            state: Arc::new(EmulatorState {
                brand,
                oauth,
                faults: FaultQueue::default(),
                data_lag_days: AtomicI64::new(0),
                requests: AtomicU64::new(0),
                log: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The Analytics API (`/v2/reports`), relative to `youtubeanalytics.googleapis.com`.
    pub fn analytics_router(&self) -> Router {
        Router::new()
            .route("/{version}/reports", get(reports_handler))
            .with_state(self.clone())
    }

    /// The Data API (`/youtube/v3/videos`), relative to `www.googleapis.com`.
    pub fn data_router(&self) -> Router {
        Router::new()
            .route("/youtube/{version}/videos", get(videos_handler))
            .with_state(self.clone())
    }

    pub fn inject(&self, fault: Fault, times: u32) {
        self.state.faults.push(fault, times);
    }

    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Leaves the last `days` out of every report, as YouTube does until they are ready.
    pub fn set_data_lag_days(&self, days: i64) {
        self.state
            .data_lag_days
            .store(days.max(0), Ordering::SeqCst);
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

    /// The last day whose data is ready.
    fn latest(&self) -> chrono::NaiveDate {
        self.state.brand.end_date - Days::days(self.state.data_lag_days.load(Ordering::SeqCst))
    }

    async fn serve(
        &self,
        api: Api,
        uri: &OriginalUri,
        headers: &HeaderMap,
        version: &str,
        answer: impl FnOnce(&Self) -> Result<Value, GoogleError>,
    ) -> Response {
        self.state.requests.fetch_add(1, Ordering::SeqCst);
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::to_owned);
        self.lock_log().push(RecordedRequest {
            api,
            path_and_query: uri
                .0
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            bearer: bearer.is_some(),
        });
        let fault = match self.state.faults.take() {
            Some(Fault::QuotaExceeded) => Some(GoogleError::quota_exceeded()),
            Some(Fault::TooManyRequests) => {
                let mut response = GoogleError::rate_limited().into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(1));
                return response;
            }
            Some(Fault::ServerError) => Some(GoogleError::backend()),
            Some(Fault::TokenExpired) => Some(GoogleError::unauthenticated()),
            Some(Fault::Slow(delay)) => {
                tokio::time::sleep(delay).await;
                None
            }
            None => None,
        };
        if let Some(error) = fault {
            return error.into_response();
        }
        if !bearer.is_some_and(|t| self.state.oauth.is_valid(&t)) {
            return GoogleError::unauthenticated().into_response();
        }
        let expected = match api {
            Api::Analytics => "v2",
            Api::Data => "v3",
        };
        if version != expected {
            return (StatusCode::NOT_FOUND, "Not Found").into_response();
        }
        match answer(self) {
            Ok(value) => (StatusCode::OK, Json(value)).into_response(),
            Err(error) => error.into_response(),
        }
    }
}

async fn reports_handler(
    State(emulator): State<YouTubeEmulator>,
    Path(version): Path<String>,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    emulator
        .serve(Api::Analytics, &uri, &headers, &version, |e| {
            reports::report(&e.state.brand.youtube, &params, e.latest())
        })
        .await
}

async fn videos_handler(
    State(emulator): State<YouTubeEmulator>,
    Path(version): Path<String>,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    emulator
        .serve(Api::Data, &uri, &headers, &version, |e| {
            videos::list(&e.state.brand.youtube, &params, e.latest())
        })
        .await
}
