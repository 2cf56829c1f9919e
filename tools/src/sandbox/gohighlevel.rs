//! An emulator of GoHighLevel's API v2 (PLATFORMS.md §4): contact search, opportunity
//! search with `startAfter`/`startAfterId` cursors, pipelines, opportunity status
//! updates and the OAuth token endpoint with rotating refresh tokens, serving the
//! brand's GoHighLevel location.

pub mod faults;
mod records;

use crate::sandbox::brand::Brand;
use crate::sandbox::brand::gohighlevel::GhlOpportunity;
use axum::extract::{Form, OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use faults::FaultQueue;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use faults::Fault;

/// The sandbox's Marketplace app and the first refresh token it accepts. Each refresh
/// spends the token it was given and returns a new one.
pub const OAUTH_CLIENT_ID: &str = "sandbox-ghl-client";
pub const OAUTH_CLIENT_SECRET: &str = "sandbox-ghl-secret";
pub const OAUTH_REFRESH_TOKEN: &str = "sandbox-ghl-refresh-0";

#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub path_and_query: String,
    pub bearer: Option<String>,
    pub version: Option<String>,
    pub body: Option<Value>,
    pub status: u16,
}

#[derive(Clone)]
pub struct GoHighLevelEmulator {
    state: Arc<EmulatorState>,
}

struct EmulatorState {
    brand: Arc<Brand>,
    token: String,
    faults: FaultQueue,
    requests: AtomicU64,
    token_requests: AtomicU64,
    log: Mutex<Vec<RecordedRequest>>,
    oauth: Mutex<OAuthState>,
    statuses: Mutex<HashMap<String, (String, DateTime<Utc>)>>,
}

struct OAuthState {
    refresh_tokens: HashSet<String>,
    access_tokens: HashMap<String, Instant>,
    lifetime: Duration,
    issued: u64,
}

/// An error in GoHighLevel's shape: `{"statusCode","message"[,"error"]}`.
struct Failure {
    status: StatusCode,
    message: Value,
    headers: Vec<(&'static str, &'static str)>,
}

impl Failure {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: json!(message.into()),
            headers: Vec::new(),
        }
    }

    fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Invalid token: access token is invalid",
        )
    }

    fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "The token does not have access to this location",
        )
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    fn into_response(self) -> Response {
        let mut body = json!({"statusCode": self.status.as_u16(), "message": self.message});
        match self.status {
            StatusCode::UNAUTHORIZED => body["error"] = json!("Unauthorized"),
            StatusCode::BAD_REQUEST => body["error"] = json!("Bad Request"),
            _ => {}
        }
        body["traceId"] = json!("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f");
        let mut response = (self.status, Json(body)).into_response();
        for (name, value) in self.headers {
            response
                .headers_mut()
                .insert(name, HeaderValue::from_static(value));
        }
        response
    }
}

impl GoHighLevelEmulator {
    pub fn new(brand: Arc<Brand>, token: String) -> Self {
        Self {
            state: Arc::new(EmulatorState {
                brand,
                token,
                faults: FaultQueue::default(),
                requests: AtomicU64::new(0),
                token_requests: AtomicU64::new(0),
                log: Mutex::new(Vec::new()),
                oauth: Mutex::new(OAuthState {
                    refresh_tokens: HashSet::from([OAUTH_REFRESH_TOKEN.to_owned()]),
                    access_tokens: HashMap::new(),
                    lifetime: Duration::from_secs(86_399),
                    issued: 0,
                }),
                statuses: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Routes relative to `https://services.leadconnectorhq.com`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/contacts/search", post(contacts_handler))
            .route("/opportunities/search", get(opportunities_handler))
            .route("/opportunities/pipelines", get(pipelines_handler))
            .route("/opportunities/{id}/status", put(status_handler))
            .route("/oauth/token", post(token_handler))
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

    pub fn token_request_count(&self) -> u64 {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.log).clone()
    }

    pub fn reset_requests(&self) {
        self.state.requests.store(0, Ordering::SeqCst);
        self.state.token_requests.store(0, Ordering::SeqCst);
        lock(&self.state.log).clear();
    }

    /// Every access token issued so far stops working, as if its day were up.
    pub fn expire_access_tokens(&self) {
        let past = Instant::now();
        for expiry in lock(&self.state.oauth).access_tokens.values_mut() {
            *expiry = past;
        }
    }

    pub fn brand(&self) -> &Arc<Brand> {
        &self.state.brand
    }

    /// An opportunity's status after any update through the API.
    pub fn opportunity_status(&self, id: &str) -> Option<String> {
        let changed = lock(&self.state.statuses).get(id).map(|(s, _)| s.clone());
        changed.or_else(|| {
            self.state
                .brand
                .gohighlevel
                .opportunity(id)
                .map(|o| o.status.clone())
        })
    }

    fn current(&self, o: &GhlOpportunity) -> (String, DateTime<Utc>) {
        lock(&self.state.statuses)
            .get(&o.id)
            .cloned()
            .unwrap_or_else(|| (o.status.clone(), o.last_status_change_at))
    }

    async fn admit(&self, headers: &HeaderMap) -> Result<(), Failure> {
        match self.state.faults.take() {
            Some(Fault::TooManyRequests) => {
                let mut f = Failure::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
                f.headers = vec![
                    ("x-ratelimit-max", "100"),
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-interval-milliseconds", "10000"),
                ];
                return Err(f);
            }
            Some(Fault::ServerError) => {
                return Err(Failure::new(StatusCode::BAD_GATEWAY, "Bad Gateway"));
            }
            Some(Fault::TokenExpired) => return Err(Failure::unauthorized()),
            Some(Fault::Forbidden) => return Err(Failure::forbidden()),
            Some(Fault::Slow(delay)) => tokio::time::sleep(delay).await,
            None => {}
        }
        let token = bearer(headers).ok_or_else(Failure::unauthorized)?;
        if token != self.state.token {
            let expiry = lock(&self.state.oauth).access_tokens.get(&token).copied();
            if expiry.is_none_or(|at| at <= Instant::now()) {
                return Err(Failure::unauthorized());
            }
        }
        if headers
            .get("version")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| v.trim().is_empty())
        {
            return Err(Failure::bad_request("Version header was not found"));
        }
        Ok(())
    }

    fn check_location(&self, location: Option<&str>) -> Result<(), Failure> {
        match location {
            None => Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "locationId is required",
            )),
            Some(l) if l != self.state.brand.gohighlevel.location_id => Err(Failure::forbidden()),
            Some(_) => Ok(()),
        }
    }

    async fn serve(
        &self,
        method: Method,
        uri: OriginalUri,
        headers: HeaderMap,
        body: Option<Value>,
        answer: impl FnOnce(&Self, &str) -> Result<Value, Failure>,
    ) -> Response {
        let result = match self.admit(&headers).await {
            Ok(()) => {
                let host = headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or("127.0.0.1");
                answer(self, &format!("http://{host}{}", uri.0.path()))
            }
            Err(e) => Err(e),
        };
        let response = match result {
            Ok(value) => {
                let mut r = Json(value).into_response();
                r.headers_mut()
                    .insert("x-ratelimit-max", HeaderValue::from_static("100"));
                r.headers_mut()
                    .insert("x-ratelimit-remaining", HeaderValue::from_static("99"));
                r.headers_mut().insert(
                    "x-ratelimit-interval-milliseconds",
                    HeaderValue::from_static("10000"),
                );
                r
            }
            Err(f) => f.into_response(),
        };
        self.state.requests.fetch_add(1, Ordering::SeqCst);
        lock(&self.state.log).push(RecordedRequest {
            method: method.to_string(),
            path_and_query: uri
                .0
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            bearer: bearer(&headers),
            version: headers
                .get("version")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body,
            status: response.status().as_u16(),
        });
        response
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
}

/// GoHighLevel dates: `06-30-2025` (mm-dd-yyyy); ISO dates are accepted too.
fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%m-%d-%Y")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .ok()
}

fn contact_matches(c: &Value, filter: &Value) -> Result<bool, Failure> {
    let field = filter["field"].as_str().unwrap_or_default();
    let operator = filter["operator"].as_str().unwrap_or_default();
    let value = &filter["value"];
    let text = |v: &Value| v.as_str().map(str::to_lowercase).unwrap_or_default();
    Ok(match (field, operator) {
        ("dateAdded", "range") => {
            let added = c["dateAdded"]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.date_naive());
            let bound = |k: &str| {
                value[k]
                    .as_str()
                    .and_then(|t| parse_day(&t[..t.len().min(10)]))
            };
            added.is_some_and(|d| {
                bound("gte").is_none_or(|g| d >= g) && bound("lte").is_none_or(|l| d <= l)
            })
        }
        ("tags", "contains" | "eq") => c["tags"]
            .as_array()
            .is_some_and(|tags| tags.iter().any(|t| text(t) == text(value))),
        ("email" | "assignedTo" | "source" | "companyName", "eq") => text(&c[field]) == text(value),
        ("email" | "companyName", "contains") => text(&c[field]).contains(&text(value)),
        _ => {
            return Err(Failure::bad_request(format!(
                "Unsupported filter {field} {operator}"
            )));
        }
    })
}

async fn contacts_handler(
    State(emulator): State<GoHighLevelEmulator>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    let body = body.map(|Json(b)| b).unwrap_or(Value::Null);
    emulator
        .serve(method, uri, headers, Some(body.clone()), |e, _| {
            e.check_location(body["locationId"].as_str())?;
            let page = body["page"].as_u64().unwrap_or(1).max(1) as usize;
            let limit = body["pageLimit"].as_u64().unwrap_or(20) as usize;
            if !(1..=500).contains(&limit) {
                return Err(Failure::bad_request(
                    "pageLimit must not be greater than 500",
                ));
            }
            if page * limit > 10_000 {
                return Err(Failure::bad_request(
                    "page and pageLimit reach past 10,000 records; use searchAfter",
                ));
            }
            let location = &e.state.brand.gohighlevel;
            let query = body["query"]
                .as_str()
                .map(str::to_lowercase)
                .filter(|q| !q.is_empty());
            let mut matched = Vec::new();
            for c in location.contacts.iter().rev() {
                let json = records::contact(location, c);
                let mut keep = true;
                for f in body["filters"].as_array().into_iter().flatten() {
                    keep = keep && contact_matches(&json, f)?;
                }
                if let Some(q) = &query {
                    let hay = format!(
                        "{} {} {} {} {}",
                        c.first_name, c.last_name, c.email, c.phone, c.company_name
                    )
                    .to_lowercase();
                    keep = keep && hay.contains(q.as_str());
                }
                if keep {
                    matched.push(json);
                }
            }
            let total = matched.len();
            let contacts: Vec<Value> = matched
                .into_iter()
                .skip((page - 1) * limit)
                .take(limit)
                .collect();
            Ok(json!({"contacts": contacts, "total": total}))
        })
        .await
}

async fn opportunities_handler(
    State(emulator): State<GoHighLevelEmulator>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    emulator
        .serve(method, uri, headers, None, |e, url| {
            e.check_location(params.get("location_id").map(String::as_str))?;
            let limit = match params.get("limit") {
                None => 20,
                Some(l) => l
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=100).contains(n))
                    .ok_or_else(|| Failure::bad_request("limit must not be greater than 100"))?,
            };
            let location = &e.state.brand.gohighlevel;
            let status = params.get("status").map(String::as_str).unwrap_or("all");
            if !["open", "won", "lost", "abandoned", "all"].contains(&status) {
                return Err(Failure::bad_request(
                    "status must be one of open, won, lost, abandoned, all",
                ));
            }
            let from = params
                .get("date")
                .map(|d| {
                    parse_day(d).ok_or_else(|| Failure::bad_request("date must be mm-dd-yyyy"))
                })
                .transpose()?;
            let to = params
                .get("endDate")
                .map(|d| {
                    parse_day(d).ok_or_else(|| Failure::bad_request("endDate must be mm-dd-yyyy"))
                })
                .transpose()?;
            let q = params.get("q").map(|q| q.to_lowercase());
            let mut matched: Vec<(&GhlOpportunity, String, DateTime<Utc>)> = location
                .opportunities
                .iter()
                .map(|o| {
                    let (s, changed) = e.current(o);
                    (o, s, changed)
                })
                .filter(|(o, s, _)| {
                    (status == "all" || s == status)
                        && params
                            .get("pipeline_id")
                            .is_none_or(|p| *p == o.pipeline_id)
                        && params
                            .get("pipeline_stage_id")
                            .is_none_or(|p| *p == o.stage_id)
                        && params
                            .get("assigned_to")
                            .is_none_or(|p| *p == o.assigned_to)
                        && from.is_none_or(|f| o.created_at.date_naive() >= f)
                        && to.is_none_or(|t| o.created_at.date_naive() <= t)
                        && q.as_ref()
                            .is_none_or(|q| o.name.to_lowercase().contains(q.as_str()))
                })
                .collect();
            // Newest first; the cursor is the last row's (createdAt in ms, id).
            matched.sort_by(|a, b| {
                b.0.created_at
                    .cmp(&a.0.created_at)
                    .then(b.0.id.cmp(&a.0.id))
            });
            let total = matched.len();
            let start = match (params.get("startAfter"), params.get("startAfterId")) {
                (Some(after), Some(after_id)) => {
                    let ms: i64 = after
                        .parse()
                        .map_err(|_| Failure::bad_request("startAfter must be a number"))?;
                    matched
                        .iter()
                        .position(|(o, _, _)| {
                            (o.created_at.timestamp_millis(), o.id.as_str())
                                < (ms, after_id.as_str())
                        })
                        .unwrap_or(total)
                }
                _ => 0,
            };
            let page: Vec<_> = matched[start..].iter().take(limit).collect();
            let end = start + page.len();
            let opportunities: Vec<Value> = page
                .iter()
                .map(|(o, s, changed)| records::opportunity(location, o, s, *changed))
                .collect();
            let last = page
                .last()
                .map(|(o, _, _)| (o.id.clone(), o.created_at.timestamp_millis()));
            let current_page = start / limit + 1;
            let more = end < total;
            let mut meta = json!({
                "total": total,
                "currentPage": current_page,
                "nextPage": if more { json!(current_page + 1) } else { Value::Null },
                "prevPage": if current_page > 1 { json!(current_page - 1) } else { Value::Null },
                "startAfterId": last.as_ref().map(|l| l.0.clone()),
                "startAfter": last.as_ref().map(|l| l.1),
                "nextPageUrl": Value::Null,
            });
            if let (true, Some((id, ms))) = (more, &last) {
                let mut pairs: Vec<(String, String)> = params
                    .iter()
                    .filter(|(k, _)| *k != "startAfter" && *k != "startAfterId")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                pairs.push(("startAfter".into(), ms.to_string()));
                pairs.push(("startAfterId".into(), id.clone()));
                if let Ok(next) = reqwest::Url::parse_with_params(url, &pairs) {
                    meta["nextPageUrl"] = json!(next.to_string());
                }
            }
            Ok(json!({"opportunities": opportunities, "meta": meta, "aggregations": {}}))
        })
        .await
}

async fn pipelines_handler(
    State(emulator): State<GoHighLevelEmulator>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    emulator
        .serve(method, uri, headers, None, |e, _| {
            e.check_location(params.get("locationId").map(String::as_str))?;
            let location = &e.state.brand.gohighlevel;
            let pipelines: Vec<Value> = location.pipelines.iter().map(|p| json!({
                "id": p.id,
                "name": p.name,
                "stages": p.stages.iter().map(|s| json!({"id": s.id, "name": s.name, "position": s.position, "showInFunnel": true, "showInPieChart": true})).collect::<Vec<_>>(),
                "showInFunnel": true,
                "showInPieChart": true,
                "locationId": location.location_id,
            })).collect();
            Ok(json!({"pipelines": pipelines}))
        })
        .await
}

async fn status_handler(
    State(emulator): State<GoHighLevelEmulator>,
    Path(id): Path<String>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    let body = body.map(|Json(b)| b).unwrap_or(Value::Null);
    emulator
        .serve(method, uri, headers, Some(body.clone()), |e, _| {
            let brand = &e.state.brand;
            if brand.gohighlevel.opportunity(&id).is_none() {
                return Err(Failure::new(StatusCode::NOT_FOUND, "Opportunity not found"));
            }
            let status = body["status"].as_str().unwrap_or_default();
            if !["open", "won", "lost", "abandoned"].contains(&status) {
                let mut f = Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "");
                f.message = json!([
                    "status must be one of the following values: open, won, lost, abandoned"
                ]);
                return Err(f);
            }
            // "Now" in the sandbox's world: the day after the brand's last day.
            let today = brand.end_date + chrono::Duration::days(1);
            let changed = today.and_time(Utc::now().time()).and_utc();
            lock(&e.state.statuses).insert(id.clone(), (status.to_owned(), changed));
            Ok(json!({"succeded": true}))
        })
        .await
}

async fn token_handler(
    State(emulator): State<GoHighLevelEmulator>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    emulator.state.token_requests.fetch_add(1, Ordering::SeqCst);
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    let invalid = |description: &str| {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_grant", "error_description": description})),
        )
            .into_response()
    };
    if field("client_id") != OAUTH_CLIENT_ID || field("client_secret") != OAUTH_CLIENT_SECRET {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client", "error_description": "Client authentication failed"}))).into_response();
    }
    let mut oauth = lock(&emulator.state.oauth);
    // A refresh token works once: using it spends it.
    if field("grant_type") != "refresh_token"
        || !oauth.refresh_tokens.remove(field("refresh_token"))
    {
        return invalid("Invalid grant: refresh token is invalid");
    }
    oauth.issued += 1;
    let n = oauth.issued;
    let access = format!("ghl-oauth-access-{n}");
    let refresh = format!("sandbox-ghl-refresh-{n}");
    let lifetime = oauth.lifetime;
    oauth
        .access_tokens
        .insert(access.clone(), Instant::now() + lifetime);
    oauth.refresh_tokens.insert(refresh.clone());
    let location = &emulator.state.brand.gohighlevel;
    Json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs(),
        "refresh_token": refresh,
        "scope": "contacts.readonly opportunities.readonly opportunities.write",
        "userType": "Location",
        "locationId": location.location_id,
        "companyId": location.company_id,
        "userId": location.users.first().map(|u| u.0.clone()).unwrap_or_default(),
    }))
    .into_response()
}
