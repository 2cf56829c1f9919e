//! An emulator of the TripleWhale API (PLATFORMS.md §1): the summary page and orders
//! with journeys, computed from the brand's Shopify orders and ad spend so the numbers
//! agree across platforms; `x-api-key` auth, RateLimit headers, 429 with Retry-After,
//! and faults injectable at run time.

mod journeys;
mod summary;

use crate::sandbox::brand::Brand;
use crate::sandbox::harness::{FaultQueue, LoggedRequest, RequestLog};
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Requests allowed per 60-second window, as `RateLimit-Policy` reports it.
pub const REQUESTS_PER_MINUTE: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TripleWhaleFault {
    /// HTTP 429 with `Retry-After: 1`.
    TooManyRequests,
    ServerError,
    /// HTTP 401: the key or token expired.
    KeyExpired,
    /// HTTP 403: no access to the shop.
    AccessDenied,
    Slow(Duration),
}

#[derive(Clone)]
pub struct TripleWhaleEmulator {
    state: Arc<TripleWhaleState>,
}

struct TripleWhaleState {
    brand: Arc<Brand>,
    api_key: String,
    faults: FaultQueue<TripleWhaleFault>,
    log: RequestLog,
}

#[derive(Debug, Clone, Copy)]
enum Endpoint {
    Summary,
    Journeys,
}

impl TripleWhaleEmulator {
    pub fn new(brand: Arc<Brand>, api_key: String) -> Self {
        Self {
            state: Arc::new(TripleWhaleState {
                brand,
                api_key,
                faults: FaultQueue::default(),
                log: RequestLog::default(),
            }),
        }
    }

    /// Routes relative to the API host (`/api/v2/summary-page/get-data`).
    pub fn router(&self) -> Router {
        Router::new()
            .route("/api/v2/summary-page/get-data", post(summary_handler))
            .route(
                "/api/v2/attribution/get-orders-with-journeys-v2",
                post(journeys_handler),
            )
            .with_state(self.clone())
    }

    pub fn inject(&self, fault: TripleWhaleFault, times: u32) {
        self.state.faults.push(fault, times);
    }

    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    pub fn request_count(&self) -> u64 {
        self.state.log.count()
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state.log.requests()
    }

    pub fn reset_requests(&self) {
        self.state.log.reset();
    }

    pub fn brand(&self) -> &Arc<Brand> {
        &self.state.brand
    }

    async fn serve(
        &self,
        endpoint: Endpoint,
        uri: &OriginalUri,
        headers: &HeaderMap,
        body: String,
    ) -> Response {
        let n = self.state.log.record(LoggedRequest {
            method: "POST".to_owned(),
            path_and_query: uri
                .0
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            body: body.clone(),
            auth_headers: ["x-api-key", "authorization"]
                .iter()
                .filter(|h| headers.contains_key(**h))
                .map(|h| (*h).to_owned())
                .collect(),
        });
        let mut response = match self.answer(endpoint, headers, &body).await {
            Ok(value) => (StatusCode::OK, Json(value)).into_response(),
            Err(failure) => failure.into_response(),
        };
        let remaining = REQUESTS_PER_MINUTE.saturating_sub(n % REQUESTS_PER_MINUTE);
        let headers = response.headers_mut();
        headers.insert("ratelimit-policy", HeaderValue::from_static("100;w=60"));
        if let Ok(value) = HeaderValue::from_str(&format!("{remaining}/60")) {
            headers.insert("ratelimit", value);
        }
        response
    }

    async fn answer(
        &self,
        endpoint: Endpoint,
        headers: &HeaderMap,
        body: &str,
    ) -> Result<Value, Box<Failure>> {
        match self.state.faults.take() {
            Some(TripleWhaleFault::TooManyRequests) => {
                let mut limited = failure(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many requests, please try again later.",
                );
                limited.retry_after = true;
                return Err(limited);
            }
            Some(TripleWhaleFault::ServerError) => {
                return Err(failure(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal server error",
                ));
            }
            Some(TripleWhaleFault::KeyExpired) => {
                return Err(failure(
                    StatusCode::UNAUTHORIZED,
                    "Unauthorized: the API key has expired",
                ));
            }
            Some(TripleWhaleFault::AccessDenied) => {
                return Err(failure(
                    StatusCode::FORBIDDEN,
                    "Forbidden: this key has no access to the shop",
                ));
            }
            Some(TripleWhaleFault::Slow(delay)) => tokio::time::sleep(delay).await,
            None => {}
        }
        let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
        if key != Some(self.state.api_key.as_str()) {
            return Err(failure(StatusCode::FORBIDDEN, "Invalid API key"));
        }
        let body: Value = serde_json::from_str(body)
            .map_err(|_| failure(StatusCode::BAD_REQUEST, "Body must be JSON"))?;
        let brand = &self.state.brand;
        let shop_field = match endpoint {
            Endpoint::Summary => "shopDomain",
            Endpoint::Journeys => "shop",
        };
        let shop = body
            .get(shop_field)
            .and_then(Value::as_str)
            .ok_or_else(|| {
                failure(
                    StatusCode::BAD_REQUEST,
                    &format!("Missing fields: {shop_field}"),
                )
            })?;
        if shop != brand.triplewhale.shop_domain {
            return Err(failure(
                StatusCode::FORBIDDEN,
                &format!("No access to shop {shop}"),
            ));
        }
        match endpoint {
            Endpoint::Summary => {
                let day = |field: &str| {
                    body.pointer(&format!("/period/{field}"))
                        .and_then(Value::as_str)
                        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                        .ok_or_else(|| {
                            failure(
                                StatusCode::BAD_REQUEST,
                                &format!("Missing fields: period.{field}"),
                            )
                        })
                };
                let (start, end) = (day("start")?, day("end")?);
                if end < start {
                    return Err(failure(
                        StatusCode::BAD_REQUEST,
                        "period.end is before period.start",
                    ));
                }
                Ok(summary::metrics(brand, start, end))
            }
            Endpoint::Journeys => {
                let text = |field: &str| {
                    body.get(field).and_then(Value::as_str).ok_or_else(|| {
                        failure(StatusCode::BAD_REQUEST, &format!("Missing fields: {field}"))
                    })
                };
                let (raw_start, raw_end) = (text("startDate")?, text("endDate")?);
                let instant = |raw: &str, field: &str| {
                    journeys::parse_instant(raw).ok_or_else(|| {
                        failure(
                            StatusCode::BAD_REQUEST,
                            &format!("{field} is not a date: {raw}"),
                        )
                    })
                };
                let range = (
                    instant(raw_start, "startDate")?,
                    instant(raw_end, "endDate")?,
                );
                let page = body.get("page").and_then(Value::as_u64).unwrap_or(1) as usize;
                let page_size = body.get("pageSize").and_then(Value::as_u64).unwrap_or(50) as usize;
                if !(1..=journeys::MAX_PAGE_SIZE).contains(&page_size) {
                    return Err(failure(
                        StatusCode::BAD_REQUEST,
                        "pageSize must be between 1 and 100",
                    ));
                }
                let exclude = body
                    .get("excludeJourneyData")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                Ok(journeys::page(
                    brand,
                    range,
                    (raw_start, raw_end),
                    page,
                    page_size,
                    !exclude,
                ))
            }
        }
    }
}

/// TripleWhale's error body, `{"success":false,"message":…}`, kept small until it
/// becomes a response.
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    message: String,
    retry_after: bool,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(json!({"success": false, "message": self.message})),
        )
            .into_response();
        if self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

fn failure(status: StatusCode, message: &str) -> Box<Failure> {
    Box::new(Failure {
        status,
        message: message.to_owned(),
        retry_after: false,
    })
}

async fn summary_handler(
    State(emulator): State<TripleWhaleEmulator>,
    uri: OriginalUri,
    headers: HeaderMap,
    body: String,
) -> Response {
    emulator
        .serve(Endpoint::Summary, &uri, &headers, body)
        .await
}

async fn journeys_handler(
    State(emulator): State<TripleWhaleEmulator>,
    uri: OriginalUri,
    headers: HeaderMap,
    body: String,
) -> Response {
    emulator
        .serve(Endpoint::Journeys, &uri, &headers, body)
        .await
}
