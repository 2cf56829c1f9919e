//! An emulator of the Stripe API (PLATFORMS.md §11) serving the brand's Gear Club
//! membership: `GET /v1/subscriptions`, `/v1/invoices` and `/v1/charges` with
//! `has_more`/`starting_after` paging, bearer or basic auth, Stripe's error envelope
//! and `Stripe-Should-Retry`, and faults injectable at run time.

mod objects;

use crate::sandbox::brand::Brand;
use crate::sandbox::harness::{FaultQueue, LoggedRequest, RequestLog};
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// One misbehaviour of the Stripe API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StripeFault {
    /// HTTP 429 `rate_limit` with `Retry-After: 1` and `Stripe-Should-Retry: true`.
    TooManyRequests,
    /// HTTP 429 with `Stripe-Should-Retry: false`: the client must not retry.
    TooManyRequestsNoRetry,
    /// HTTP 500 `api_error`.
    ServerError,
    /// HTTP 401: the key was rolled or revoked.
    KeyRevoked,
    /// HTTP 403: a restricted key without this permission.
    PermissionDenied,
    Slow(Duration),
}

/// Handle to a running Stripe emulator; clones share state.
#[derive(Clone)]
pub struct StripeEmulator {
    state: Arc<StripeState>,
}

struct StripeState {
    brand: Arc<Brand>,
    secret_key: String,
    faults: FaultQueue<StripeFault>,
    log: RequestLog,
}

#[derive(Debug, Clone, Copy)]
enum Resource {
    Subscriptions,
    Invoices,
    Charges,
}

impl StripeEmulator {
    pub fn new(brand: Arc<Brand>, secret_key: String) -> Self {
        Self {
            state: Arc::new(StripeState {
                brand,
                secret_key,
                faults: FaultQueue::default(),
                log: RequestLog::default(),
            }),
        }
    }

    /// Routes relative to the API root (`/v1/subscriptions`).
    pub fn router(&self) -> Router {
        Router::new()
            .route("/v1/subscriptions", get(subscriptions_handler))
            .route("/v1/invoices", get(invoices_handler))
            .route("/v1/charges", get(charges_handler))
            .with_state(self.clone())
    }

    pub fn inject(&self, fault: StripeFault, times: u32) {
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
        resource: Resource,
        uri: &OriginalUri,
        headers: &HeaderMap,
        params: &[(String, String)],
    ) -> Response {
        let n = self.state.log.record(LoggedRequest {
            method: "GET".to_owned(),
            path_and_query: uri
                .0
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            body: String::new(),
            auth_headers: ["authorization", "stripe-version", "stripe-account"]
                .iter()
                .filter(|h| headers.contains_key(**h))
                .map(|h| (*h).to_owned())
                .collect(),
        });
        let mut response = match self.answer(resource, headers, params).await {
            Ok(body) => (StatusCode::OK, Json(body)).into_response(),
            Err(failure) => failure.into_response(),
        };
        if let Ok(id) = HeaderValue::from_str(&format!("req_Gc{n:012}")) {
            response.headers_mut().insert("request-id", id);
        }
        response
    }

    async fn answer(
        &self,
        resource: Resource,
        headers: &HeaderMap,
        params: &[(String, String)],
    ) -> Result<Value, Box<ApiFailure>> {
        match self.state.faults.take() {
            Some(StripeFault::TooManyRequests) => return Err(rate_limited(true)),
            Some(StripeFault::TooManyRequestsNoRetry) => return Err(rate_limited(false)),
            Some(StripeFault::ServerError) => {
                return Err(error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "api_error",
                    None,
                    "An unknown error occurred",
                    Some(true),
                ));
            }
            Some(StripeFault::KeyRevoked) => return Err(invalid_key()),
            Some(StripeFault::PermissionDenied) => {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    "invalid_request_error",
                    None,
                    "The provided key 'rk_test_****Gear' does not have the required permissions for this endpoint on account 'acct_1TrailheadGear'.",
                    Some(false),
                ));
            }
            Some(StripeFault::Slow(delay)) => tokio::time::sleep(delay).await,
            None => {}
        }
        if presented_key(headers).as_deref() != Some(self.state.secret_key.as_str()) {
            return Err(invalid_key());
        }
        let list = List::parse(params)?;
        let account = &self.state.brand.stripe;
        // Stripe lists newest first.
        let objects: Vec<(String, i64, Value)> = match resource {
            Resource::Subscriptions => account
                .subscriptions
                .iter()
                .rev()
                .filter(|s| list.status_matches(&s.status))
                .map(|s| {
                    (
                        s.id.clone(),
                        s.created.timestamp(),
                        objects::subscription(account, s),
                    )
                })
                .collect(),
            Resource::Invoices => account
                .invoices
                .iter()
                .rev()
                .map(|i| {
                    (
                        i.id.clone(),
                        i.created.timestamp(),
                        objects::invoice(account, i),
                    )
                })
                .collect(),
            Resource::Charges => account
                .invoices
                .iter()
                .rev()
                .map(|i| {
                    (
                        i.charge_id.clone(),
                        i.created.timestamp(),
                        objects::charge(i),
                    )
                })
                .collect(),
        };
        let url = match resource {
            Resource::Subscriptions => "/v1/subscriptions",
            Resource::Invoices => "/v1/invoices",
            Resource::Charges => "/v1/charges",
        };
        list.page(objects, url)
    }
}

/// The list parameters: `limit`, `starting_after`, `created[...]`, `status`.
struct List {
    limit: usize,
    starting_after: Option<String>,
    created_gte: Option<i64>,
    created_lte: Option<i64>,
    status: Option<String>,
}

impl List {
    fn parse(params: &[(String, String)]) -> Result<Self, Box<ApiFailure>> {
        let get = |name: &str| {
            params
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let bad = |param: &str, message: String| {
            error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                Some(("parameter_invalid_integer", param)),
                &message,
                Some(false),
            )
        };
        let limit = match get("limit") {
            None => 10,
            Some(raw) => match raw.parse::<usize>() {
                Ok(n @ 1..=100) => n,
                _ => {
                    return Err(bad(
                        "limit",
                        format!("Invalid limit: must be an integer between 1 and 100, got {raw}"),
                    ));
                }
            },
        };
        let int = |name: &str| -> Result<Option<i64>, Box<ApiFailure>> {
            get(name)
                .map(|raw| {
                    raw.parse::<i64>()
                        .map_err(|_| bad(name, format!("Invalid integer: {raw}")))
                })
                .transpose()
        };
        Ok(Self {
            limit,
            starting_after: get("starting_after").map(str::to_owned),
            created_gte: int("created[gte]")?,
            created_lte: int("created[lte]")?,
            status: get("status").map(str::to_owned),
        })
    }

    /// Stripe's default excludes canceled subscriptions; `all` includes them.
    fn status_matches(&self, status: &str) -> bool {
        match self.status.as_deref() {
            None => status != "canceled",
            Some("all") => true,
            Some(wanted) => wanted == status,
        }
    }

    fn page(
        &self,
        objects: Vec<(String, i64, Value)>,
        url: &str,
    ) -> Result<Value, Box<ApiFailure>> {
        let in_range: Vec<(String, Value)> = objects
            .into_iter()
            .filter(|(_, created, _)| {
                self.created_gte.is_none_or(|g| *created >= g)
                    && self.created_lte.is_none_or(|l| *created <= l)
            })
            .map(|(id, _, object)| (id, object))
            .collect();
        let start = match &self.starting_after {
            None => 0,
            Some(after) => match in_range.iter().position(|(id, _)| id == after) {
                Some(i) => i + 1,
                None => {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request_error",
                        Some(("resource_missing", "starting_after")),
                        &format!("No such object: '{after}'"),
                        Some(false),
                    ));
                }
            },
        };
        let total = in_range.len();
        let data: Vec<Value> = in_range
            .into_iter()
            .skip(start)
            .take(self.limit)
            .map(|(_, object)| object)
            .collect();
        Ok(json!({
            "object": "list",
            "url": url,
            "has_more": start + self.limit < total,
            "data": data,
        }))
    }
}

/// The key from `Authorization: Bearer sk_…` or `Basic base64(sk_…:)`.
fn presented_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    if let Some(token) = value.strip_prefix("Bearer ") {
        return Some(token.trim().to_owned());
    }
    let decoded = decode_base64(value.strip_prefix("Basic ")?.trim())?;
    let text = String::from_utf8(decoded).ok()?;
    Some(text.split(':').next().unwrap_or_default().to_owned())
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0_u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes().filter(|b| *b != b'=') {
        let value = ALPHABET.iter().position(|c| *c == byte)? as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

/// An error answer in Stripe's envelope, kept small until it becomes a response.
#[derive(Debug)]
struct ApiFailure {
    status: StatusCode,
    kind: &'static str,
    code_and_param: Option<(String, String)>,
    message: String,
    should_retry: Option<bool>,
    retry_after: bool,
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let mut detail = json!({
            "type": self.kind,
            "message": self.message,
            "request_log_url": "https://dashboard.stripe.com/test/logs",
        });
        if let Some((code, param)) = &self.code_and_param {
            detail["code"] = json!(code);
            detail["param"] = json!(param);
            detail["doc_url"] = json!(format!(
                "https://stripe.com/docs/error-codes/{}",
                code.replace('_', "-")
            ));
        }
        let mut response = (self.status, Json(json!({"error": detail}))).into_response();
        if let Some(retry) = self.should_retry {
            response.headers_mut().insert(
                "stripe-should-retry",
                HeaderValue::from_static(if retry { "true" } else { "false" }),
            );
        }
        if self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

fn error(
    status: StatusCode,
    kind: &'static str,
    code_and_param: Option<(&str, &str)>,
    message: &str,
    should_retry: Option<bool>,
) -> Box<ApiFailure> {
    Box::new(ApiFailure {
        status,
        kind,
        code_and_param: code_and_param.map(|(c, p)| (c.to_owned(), p.to_owned())),
        message: message.to_owned(),
        should_retry,
        retry_after: false,
    })
}

fn rate_limited(should_retry: bool) -> Box<ApiFailure> {
    let mut failure = error(
        StatusCode::TOO_MANY_REQUESTS,
        "invalid_request_error",
        Some(("rate_limit", "")),
        "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
        Some(should_retry),
    );
    failure.retry_after = true;
    failure
}

fn invalid_key() -> Box<ApiFailure> {
    error(
        StatusCode::UNAUTHORIZED,
        "invalid_request_error",
        None,
        "Invalid API Key provided: sk_test_****",
        Some(false),
    )
}

async fn subscriptions_handler(
    State(emulator): State<StripeEmulator>,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    emulator
        .serve(Resource::Subscriptions, &uri, &headers, &params)
        .await
}

async fn invoices_handler(
    State(emulator): State<StripeEmulator>,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    emulator
        .serve(Resource::Invoices, &uri, &headers, &params)
        .await
}

async fn charges_handler(
    State(emulator): State<StripeEmulator>,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    emulator
        .serve(Resource::Charges, &uri, &headers, &params)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_carries_the_key_as_the_user_name() {
        // base64("sk_test_abc:")
        assert_eq!(
            decode_base64("c2tfdGVzdF9hYmM6"),
            Some(b"sk_test_abc:".to_vec())
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic c2tfdGVzdF9hYmM6"),
        );
        assert_eq!(presented_key(&headers).as_deref(), Some("sk_test_abc"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer sk_x"),
        );
        assert_eq!(presented_key(&headers).as_deref(), Some("sk_x"));
    }
}
