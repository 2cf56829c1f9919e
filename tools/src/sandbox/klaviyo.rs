//! An emulator of Klaviyo's JSON:API (PLATFORMS.md §3): campaign, flow and metric
//! lists, campaign and flow values reports (with Klaviyo's own reporting rate limit
//! enforced), and flow status updates, serving the brand's Klaviyo account.

mod errors;
pub mod faults;
mod lists;
mod reports;

use crate::connectors::klaviyo::ReportingLimit;
use crate::sandbox::brand::Brand;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use errors::KlaviyoFailure;
use faults::FaultQueue;
use reports::Report;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use faults::Fault;

/// A request the emulator received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub path_and_query: String,
    /// The `Authorization` header as sent.
    pub authorization: Option<String>,
    pub revision: Option<String>,
    pub body: Option<Value>,
    /// When it arrived, for spacing assertions.
    pub at: Instant,
    /// The status the emulator answered with.
    pub status: u16,
}

#[derive(Clone)]
pub struct KlaviyoEmulator {
    state: Arc<EmulatorState>,
}

struct EmulatorState {
    brand: Arc<Brand>,
    api_key: String,
    faults: FaultQueue,
    requests: AtomicU64,
    log: Mutex<Vec<RecordedRequest>>,
    reporting_limit: Mutex<Option<ReportingLimit>>,
    report_arrivals: Mutex<VecDeque<Instant>>,
    flow_status: Mutex<HashMap<String, String>>,
}

impl KlaviyoEmulator {
    pub fn new(brand: Arc<Brand>, api_key: String) -> Self {
        Self {
            state: Arc::new(EmulatorState {
                brand,
                api_key,
                faults: FaultQueue::default(),
                requests: AtomicU64::new(0),
                log: Mutex::new(Vec::new()),
                reporting_limit: Mutex::new(Some(ReportingLimit::default())),
                report_arrivals: Mutex::new(VecDeque::new()),
                flow_status: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Routes relative to the API host (`/api/…`).
    pub fn router(&self) -> Router {
        Router::new()
            .route("/api/campaigns", get(campaigns_handler))
            .route("/api/flows", get(flows_handler))
            .route("/api/flows/{id}", get(flow_handler).patch(flow_handler))
            .route("/api/metrics", get(metrics_handler))
            .route(
                "/api/campaign-values-reports",
                post(campaign_report_handler),
            )
            .route("/api/flow-values-reports", post(flow_report_handler))
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
        lock(&self.state.log).clone()
    }

    pub fn reset_requests(&self) {
        self.state.requests.store(0, Ordering::SeqCst);
        lock(&self.state.log).clear();
        lock(&self.state.report_arrivals).clear();
    }

    /// The reporting limit the emulator enforces with 429s (Klaviyo's by default);
    /// `None` turns enforcement off.
    pub fn set_reporting_limit(&self, limit: Option<ReportingLimit>) {
        *lock(&self.state.reporting_limit) = limit;
        lock(&self.state.report_arrivals).clear();
    }

    pub fn brand(&self) -> &Arc<Brand> {
        &self.state.brand
    }

    /// A flow's status after any update through the API.
    pub fn flow_status(&self, flow_id: &str) -> Option<String> {
        let overridden = lock(&self.state.flow_status).get(flow_id).cloned();
        overridden.or_else(|| {
            self.state
                .brand
                .klaviyo
                .flow(flow_id)
                .map(|f| f.status.clone())
        })
    }

    fn today(&self) -> chrono::NaiveDate {
        self.state.brand.end_date + chrono::Duration::days(1)
    }

    /// Faults, auth and the revision header: what every endpoint checks first.
    async fn admit(&self, headers: &HeaderMap) -> Result<(), KlaviyoFailure> {
        match self.state.faults.take() {
            Some(Fault::Throttled) => return Err(KlaviyoFailure::throttled(1)),
            Some(Fault::ServerError) => return Err(KlaviyoFailure::server_error()),
            Some(Fault::InvalidKey) => return Err(KlaviyoFailure::not_authenticated()),
            Some(Fault::MissingScope) => return Err(KlaviyoFailure::permission_denied()),
            Some(Fault::Slow(delay)) => tokio::time::sleep(delay).await,
            None => {}
        }
        let key = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Klaviyo-API-Key "));
        if key != Some(self.state.api_key.as_str()) {
            return Err(KlaviyoFailure::not_authenticated());
        }
        let revision = headers.get("revision").and_then(|h| h.to_str().ok());
        let valid = revision.is_some_and(|r| {
            let date = r.split('.').next().unwrap_or_default();
            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok()
        });
        if !valid {
            return Err(KlaviyoFailure::invalid(
                "The revision header is required and must be a date like 2026-10-15.",
                None,
            ));
        }
        Ok(())
    }

    /// Klaviyo's burst and steady windows for the reporting endpoints. A tenth of each
    /// window is forgiven, for the time requests spend in flight.
    fn admit_report(&self) -> Result<(), KlaviyoFailure> {
        let Some(limit) = *lock(&self.state.reporting_limit) else {
            return Ok(());
        };
        let mut arrivals = lock(&self.state.report_arrivals);
        let now = Instant::now();
        for (allowed, window) in [
            (limit.burst, limit.burst_window),
            (limit.steady, limit.steady_window),
        ] {
            let strict = window.mul_f64(0.9);
            let recent: Vec<&Instant> = arrivals
                .iter()
                .filter(|t| now.duration_since(**t) < strict)
                .collect();
            if recent.len() >= allowed.max(1) as usize {
                let oldest = recent[recent.len() - allowed.max(1) as usize];
                let wait = (*oldest + window).saturating_duration_since(now);
                return Err(KlaviyoFailure::throttled(
                    wait.as_secs_f64().ceil().max(1.0) as u64,
                ));
            }
        }
        arrivals.push_back(now);
        let longest = limit.steady_window.max(limit.burst_window);
        while arrivals
            .front()
            .is_some_and(|t| now.duration_since(*t) > longest)
        {
            arrivals.pop_front();
        }
        Ok(())
    }

    fn record(
        &self,
        method: &Method,
        uri: &OriginalUri,
        headers: &HeaderMap,
        body: Option<Value>,
        status: u16,
    ) {
        self.state.requests.fetch_add(1, Ordering::SeqCst);
        let header_text = |name: &str| {
            headers
                .get(name)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        };
        lock(&self.state.log).push(RecordedRequest {
            method: method.to_string(),
            path_and_query: uri
                .0
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            authorization: header_text("authorization"),
            revision: header_text("revision"),
            body,
            at: Instant::now(),
            status,
        });
    }

    async fn serve(
        &self,
        method: Method,
        uri: OriginalUri,
        headers: HeaderMap,
        body: Option<Value>,
        answer: impl FnOnce(&Self, &str) -> Result<Value, KlaviyoFailure>,
    ) -> Response {
        let started = Instant::now();
        let result = match self.admit(&headers).await {
            Ok(()) => answer(self, &full_url(&headers, &uri)),
            Err(e) => Err(e),
        };
        let response = match result {
            Ok(body) => {
                let mut r = Json(body).into_response();
                let h = r.headers_mut();
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/vnd.api+json"),
                );
                h.insert("ratelimit-limit", HeaderValue::from_static("150"));
                h.insert("ratelimit-remaining", HeaderValue::from_static("149"));
                h.insert("ratelimit-reset", HeaderValue::from_static("60"));
                r
            }
            Err(failure) => failure.into_response(),
        };
        self.record(&method, &uri, &headers, body, response.status().as_u16());
        if let Some(entry) = lock(&self.state.log).last_mut() {
            entry.at = started;
        }
        response
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// This request's absolute URL, so `links` point back at the same host and prefix.
fn full_url(headers: &HeaderMap, uri: &OriginalUri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!(
        "http://{host}{}",
        uri.0.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    )
}

/// The API root as seen by the client (`http://host/klaviyo`), for resource links.
fn api_base(url: &str) -> String {
    url.split("/api/").next().unwrap_or(url).to_owned()
}

async fn campaigns_handler(
    State(emulator): State<KlaviyoEmulator>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    emulator
        .serve(method, uri, headers, None, |e, url| {
            let filter = params.iter().find(|(k, _)| k == "filter").map(|(_, v)| v.as_str());
            let channel = filter
                .and_then(|f| f.strip_prefix("equals(messages.channel,"))
                .and_then(|f| f.strip_suffix(')'))
                .map(|c| c.trim_matches(|ch| ch == '\'' || ch == '"'))
                .filter(|c| *c == "email" || *c == "sms")
                .ok_or_else(|| {
                    KlaviyoFailure::invalid(
                        "A channel filter is required. Use equals(messages.channel,'email') or equals(messages.channel,'sms').",
                        Some("filter"),
                    )
                })?;
            let base = api_base(url);
            let items = e.state.brand.klaviyo.campaigns.iter().filter(|c| c.channel == channel).map(|c| lists::campaign(c, &base)).collect();
            lists::page(items, &params, url, 10, 100)
        })
        .await
}

async fn flows_handler(
    State(emulator): State<KlaviyoEmulator>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    emulator
        .serve(method, uri, headers, None, |e, url| {
            let base = api_base(url);
            let items = e
                .state
                .brand
                .klaviyo
                .flows
                .iter()
                .map(|f| {
                    let status = e.flow_status(&f.id).unwrap_or_default();
                    lists::flow(f, &status, f.created_at + chrono::Duration::days(30), &base)
                })
                .collect();
            lists::page(items, &params, url, 50, 50)
        })
        .await
}

async fn flow_handler(
    State(emulator): State<KlaviyoEmulator>,
    Path(id): Path<String>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    let body = body.map(|Json(b)| b);
    let patch = method == Method::PATCH;
    emulator
        .serve(method, uri, headers, body.clone(), |e, url| {
            let flow = e
                .state
                .brand
                .klaviyo
                .flow(&id)
                .ok_or_else(|| KlaviyoFailure::not_found(format!("A flow with id {id} does not exist.")))?;
            let mut updated = flow.created_at + chrono::Duration::days(30);
            if patch {
                let data = body.as_ref().map(|b| &b["data"]).unwrap_or(&Value::Null);
                if data["type"].as_str() != Some("flow") || data["id"].as_str() != Some(id.as_str()) {
                    return Err(KlaviyoFailure::invalid("data.type must be flow and data.id must match the URL", Some("/data")));
                }
                let status = data["attributes"]["status"].as_str().unwrap_or_default();
                if !["draft", "manual", "live"].contains(&status) {
                    return Err(KlaviyoFailure::invalid(
                        format!("'{status}' is not a valid choice. Use draft, manual or live."),
                        Some("/data/attributes/status"),
                    ));
                }
                lock(&e.state.flow_status).insert(id.clone(), status.to_owned());
                updated = Utc::now();
            }
            let status = e.flow_status(&id).unwrap_or_default();
            Ok(json!({"data": lists::flow(flow, &status, updated, &api_base(url)), "links": {"self": url}}))
        })
        .await
}

async fn metrics_handler(
    State(emulator): State<KlaviyoEmulator>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
) -> Response {
    emulator
        .serve(method, uri, headers, None, |e, url| {
            Ok(json!({"data": lists::metrics(&e.state.brand.klaviyo, &api_base(url)), "links": {"self": url}}))
        })
        .await
}

async fn report(
    emulator: KlaviyoEmulator,
    kind: Report,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    let body = body.map(|Json(b)| b).unwrap_or(Value::Null);
    emulator
        .serve(method, uri, headers, Some(body.clone()), |e, url| {
            e.admit_report()?;
            reports::run(kind, &body, &e.state.brand.klaviyo, e.today(), url)
        })
        .await
}

async fn campaign_report_handler(
    State(emulator): State<KlaviyoEmulator>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    report(emulator, Report::Campaigns, method, uri, headers, body).await
}

async fn flow_report_handler(
    State(emulator): State<KlaviyoEmulator>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    report(emulator, Report::Flows, method, uri, headers, body).await
}
