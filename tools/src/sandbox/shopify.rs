//! An emulator of the Shopify Admin GraphQL API (PLATFORMS.md §10) serving the brand's
//! store: `orders`, `customers` and `shop`, relay cursor paging, the calculated-cost
//! bucket (THROTTLED inside HTTP 200), and faults injectable at run time.
//!
//! It does not parse GraphQL: it recognises the root field and answers with every
//! field the Omnify client selects.

mod bucket;
mod nodes;

use crate::sandbox::brand::Brand;
use crate::sandbox::harness::{FaultQueue, LoggedRequest, RequestLog};
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bucket::{BucketState, CostBucket};
use nodes::CreatedBounds;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

pub use bucket::BucketState as ShopifyBucket;

/// The header Shopify authenticates Admin API calls with.
pub const ACCESS_TOKEN_HEADER: &str = "x-shopify-access-token";

/// Bucket size the emulator uses (PLATFORMS.md: not documented; 2000 assumed).
pub const BUCKET_SIZE: f64 = 2000.0;
/// Points restored per second: a Shopify Plus store's rate, so long reads stay quick.
pub const RESTORE_RATE: f64 = 1000.0;

/// One misbehaviour of the Admin API.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShopifyFault {
    /// HTTP 200 with `errors[].extensions.code = "THROTTLED"`, a requested cost of 253
    /// with 203 points available and a restore rate of 100/s: a 0.5 s wait.
    Throttled,
    /// HTTP 429 with `Retry-After: 1` (some stores see this instead of THROTTLED).
    TooManyRequests,
    /// HTTP 500.
    ServerError,
    /// HTTP 401, as for an expired or revoked token.
    TokenExpired,
    /// HTTP 200 with `ACCESS_DENIED` (a missing scope such as `read_all_orders`).
    AccessDenied,
    /// Answers normally after this delay.
    Slow(Duration),
}

/// Handle to a running Shopify emulator; clones share state.
#[derive(Clone)]
pub struct ShopifyEmulator {
    state: Arc<ShopifyState>,
}

struct ShopifyState {
    brand: Arc<Brand>,
    access_token: String,
    faults: FaultQueue<ShopifyFault>,
    log: RequestLog,
    bucket: CostBucket,
}

impl ShopifyEmulator {
    pub fn new(brand: Arc<Brand>, access_token: String) -> Self {
        Self {
            state: Arc::new(ShopifyState {
                brand,
                access_token,
                faults: FaultQueue::default(),
                log: RequestLog::default(),
                bucket: CostBucket::new(BUCKET_SIZE, RESTORE_RATE),
            }),
        }
    }

    /// Routes relative to the shop's root (`/admin/api/2026-10/graphql.json`).
    pub fn router(&self) -> Router {
        Router::new()
            .route("/admin/api/{version}/graphql.json", post(graphql_handler))
            .with_state(self.clone())
    }

    pub fn inject(&self, fault: ShopifyFault, times: u32) {
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

    async fn answer(&self, version: &str, headers: &HeaderMap, body: &Value) -> Response {
        match self.state.faults.take() {
            Some(ShopifyFault::Throttled) => {
                let state = BucketState {
                    maximum_available: BUCKET_SIZE,
                    currently_available: 203.0,
                    restore_rate: 100.0,
                };
                return throttled(253.0, state);
            }
            Some(ShopifyFault::TooManyRequests) => {
                let mut response = (
                    StatusCode::TOO_MANY_REQUESTS,
                    Json(json!({"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."})),
                )
                    .into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                return response;
            }
            Some(ShopifyFault::ServerError) => {
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({"errors": "Internal Server Error"})),
                )
                    .into_response();
            }
            Some(ShopifyFault::TokenExpired) => return unauthorized(),
            Some(ShopifyFault::AccessDenied) => {
                return Json(json!({
                    "errors": [{
                        "message": "Access denied for orders field. Required access: `read_orders` access scope. Also: `read_all_orders` for orders older than 60 days.",
                        "extensions": {"code": "ACCESS_DENIED", "documentation": "https://shopify.dev/api/usage/access-scopes"},
                        "path": ["orders"]
                    }],
                    "data": null
                }))
                .into_response();
            }
            Some(ShopifyFault::Slow(delay)) => tokio::time::sleep(delay).await,
            None => {}
        }
        let token = headers
            .get(ACCESS_TOKEN_HEADER)
            .and_then(|v| v.to_str().ok());
        if token != Some(self.state.access_token.as_str()) {
            return unauthorized();
        }
        if !is_api_version(version) {
            return (StatusCode::NOT_FOUND, Json(json!({"errors": "Not Found"}))).into_response();
        }
        let query = body
            .get("query")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let variables = body.get("variables").cloned().unwrap_or(Value::Null);
        let brand = &self.state.brand;
        let currency = brand.shopify.currency.as_str();
        let result = if query.contains("orders(") {
            connection(
                &variables,
                |bounds| {
                    brand
                        .shopify
                        .orders
                        .iter()
                        .filter(|o| bounds.contains(o.created_at))
                        .collect()
                },
                |o| nodes::order_node(o, currency),
            )
            .map(|(page, cost)| (json!({"orders": page}), cost))
        } else if query.contains("customers(") {
            connection(
                &variables,
                |bounds| {
                    brand
                        .shopify
                        .customers
                        .iter()
                        .filter(|c| bounds.contains(c.created_at))
                        .collect()
                },
                |c| nodes::customer_node(c, currency),
            )
            .map(|(page, cost)| (json!({"customers": page}), cost))
        } else if query.contains("shop") {
            Ok((
                json!({"shop": {
                    "name": brand.shopify.name,
                    "currencyCode": currency,
                    "ianaTimezone": brand.shopify.iana_timezone,
                    "myshopifyDomain": brand.shopify.shop_domain,
                }}),
                (1.0, 1.0),
            ))
        } else {
            Err("Field must be one of orders, customers or shop on QueryRoot (emulator)".to_owned())
        };
        let ((data, (requested, actual)), bucket) = match result {
            Err(message) => {
                return Json(json!({"errors": [{"message": message, "extensions": {"code": "undefinedField"}}]}))
                    .into_response();
            }
            Ok(answer) => match self.state.bucket.spend(answer.1.0, answer.1.1) {
                Ok(bucket) => (answer, bucket),
                Err(bucket) => return throttled(answer.1.0, bucket),
            },
        };
        Json(json!({"data": data, "extensions": {"cost": cost(requested, Some(actual), bucket)}}))
            .into_response()
    }
}

/// `YYYY-MM` or `unstable`.
fn is_api_version(segment: &str) -> bool {
    segment == "unstable"
        || (segment.len() == 7
            && segment.as_bytes()[4] == b'-'
            && segment
                .chars()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit()))
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})),
    )
        .into_response()
}

fn cost(requested: f64, actual: Option<f64>, bucket: BucketState) -> Value {
    json!({
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": {
            "maximumAvailable": bucket.maximum_available,
            "currentlyAvailable": bucket.currently_available,
            "restoreRate": bucket.restore_rate,
        }
    })
}

/// Shopify's exact THROTTLED answer: HTTP 200, an error with the code, and the cost
/// block a client needs to compute its wait.
fn throttled(requested: f64, bucket: BucketState) -> Response {
    Json(json!({
        "errors": [{
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}
        }],
        "extensions": {"cost": cost(requested, None, bucket)}
    }))
    .into_response()
}

const CURSOR_PREFIX: &str = "eyJsYXN0X2lkIjo";

fn encode_cursor(index: usize) -> String {
    format!("{CURSOR_PREFIX}{index:x}")
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    usize::from_str_radix(cursor.strip_prefix(CURSOR_PREFIX)?, 16).ok()
}

/// One relay page of the nodes matching `variables.q`, with its (requested, actual)
/// cost: one point per node asked for, plus the connection.
/// One page of a connection. Only the page's records become JSON: a long read pages
/// through every record, and rendering all of them per page made it quadratic.
fn connection<T>(
    variables: &Value,
    matching: impl FnOnce(&CreatedBounds) -> Vec<T>,
    node: impl Fn(T) -> Value,
) -> Result<(Value, (f64, f64)), String> {
    let first = variables.get("first").and_then(Value::as_u64).unwrap_or(0) as usize;
    if !(1..=250).contains(&first) {
        return Err("The first argument must be between 1 and 250".to_owned());
    }
    let search = variables
        .get("q")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let bounds = CreatedBounds::parse(search)?;
    let start = match variables.get("after").and_then(Value::as_str) {
        None => 0,
        Some(cursor) => decode_cursor(cursor).ok_or("Invalid cursor for current pagination")? + 1,
    };
    let all = matching(&bounds);
    let total = all.len();
    let end = (start + first).min(total);
    let edges: Vec<Value> = all
        .into_iter()
        .enumerate()
        .skip(start)
        .take(end.saturating_sub(start))
        .map(|(i, record)| json!({"cursor": encode_cursor(i), "node": node(record)}))
        .collect();
    let returned = edges.len();
    let page = json!({
        "edges": edges,
        "pageInfo": {
            "hasNextPage": end < total,
            "endCursor": (returned > 0).then(|| encode_cursor(end - 1)),
        }
    });
    Ok((page, (2.0 + first as f64, 2.0 + returned as f64)))
}

async fn graphql_handler(
    State(emulator): State<ShopifyEmulator>,
    Path(version): Path<String>,
    uri: OriginalUri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let auth_headers = [ACCESS_TOKEN_HEADER, "authorization"]
        .iter()
        .filter(|h| headers.contains_key(**h))
        .map(|h| (*h).to_owned())
        .collect();
    emulator.state.log.record(LoggedRequest {
        method: "POST".to_owned(),
        path_and_query: uri
            .0
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        body: body.clone(),
        auth_headers,
    });
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"errors": [{"message": "Parse error: the body is not JSON"}]})),
        )
            .into_response();
    };
    emulator.answer(&version, &headers, &body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_versions_are_quarterly() {
        assert_eq!(decode_cursor(&encode_cursor(4242)), Some(4242));
        assert_eq!(decode_cursor("garbage"), None);
        assert!(is_api_version("2026-10"));
        assert!(is_api_version("unstable"));
        assert!(!is_api_version("v26.0"));
    }
}
