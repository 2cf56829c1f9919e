//! An emulator of HubSpot's CRM v3 API (PLATFORMS.md §2): search over contacts,
//! companies and deals, deal pipelines, deal updates and the OAuth v3 token endpoint,
//! serving the synthetic brand's wholesale portal, with faults injectable at run time.

mod errors;
pub mod faults;
mod records;
mod search;

use crate::sandbox::brand::Brand;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use errors::HubSpotFailure;
use faults::FaultQueue;
use records::{DealEdit, Record};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use faults::Fault;

/// The sandbox's OAuth app: the client id, secret and first refresh token the
/// emulator accepts.
pub const OAUTH_CLIENT_ID: &str = "sandbox-hubspot-client";
pub const OAUTH_CLIENT_SECRET: &str = "sandbox-hubspot-secret";
pub const OAUTH_REFRESH_TOKEN: &str = "sandbox-hubspot-refresh";

/// A request the emulator received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    /// Path and query under the emulator's prefix.
    pub path_and_query: String,
    pub bearer: Option<String>,
    pub body: Option<Value>,
}

/// Handle to a HubSpot emulator; clones share state.
#[derive(Clone)]
pub struct HubSpotEmulator {
    state: Arc<EmulatorState>,
}

struct EmulatorState {
    brand: Arc<Brand>,
    private_app_token: String,
    faults: FaultQueue,
    requests: AtomicU64,
    token_requests: AtomicU64,
    log: Mutex<Vec<RecordedRequest>>,
    oauth: Mutex<OAuthState>,
    deal_edits: Mutex<HashMap<String, DealEdit>>,
}

struct OAuthState {
    refresh_tokens: HashSet<String>,
    access_tokens: HashMap<String, Instant>,
    lifetime: Duration,
    issued: u64,
}

impl HubSpotEmulator {
    pub fn new(brand: Arc<Brand>, private_app_token: String) -> Self {
        Self {
            state: Arc::new(EmulatorState {
                brand,
                private_app_token,
                faults: FaultQueue::default(),
                requests: AtomicU64::new(0),
                token_requests: AtomicU64::new(0),
                log: Mutex::new(Vec::new()),
                oauth: Mutex::new(OAuthState {
                    refresh_tokens: HashSet::from([OAUTH_REFRESH_TOKEN.to_owned()]),
                    access_tokens: HashMap::new(),
                    lifetime: Duration::from_secs(1_800),
                    issued: 0,
                }),
                deal_edits: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Routes relative to the API root (`/crm/v3/…`, `/oauth/v3/token`).
    pub fn router(&self) -> Router {
        Router::new()
            .route(
                "/crm/{version}/objects/{object}/search",
                post(search_handler),
            )
            .route(
                "/crm/{version}/objects/{object}/{id}",
                get(read_handler).patch(update_deal_handler),
            )
            .route("/crm/{version}/pipelines/deals", get(pipelines_handler))
            .route("/oauth/v3/token", post(token_handler))
            .with_state(self.clone())
    }

    pub fn inject(&self, fault: Fault, times: u32) {
        self.state.faults.push(fault, times);
    }

    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// API requests received (token requests not included), faulted ones included.
    pub fn request_count(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Requests to the OAuth token endpoint.
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

    /// How long access tokens issued from now on live (`expires_in`).
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        lock(&self.state.oauth).lifetime = lifetime;
    }

    pub fn brand(&self) -> &Arc<Brand> {
        &self.state.brand
    }

    fn record(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: Option<Value>) {
        self.state.requests.fetch_add(1, Ordering::SeqCst);
        lock(&self.state.log).push(RecordedRequest {
            method: method.to_string(),
            path_and_query: uri
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            bearer: bearer(headers),
            body,
        });
    }

    /// Faults, then auth: the steps every API endpoint shares.
    async fn admit(&self, headers: &HeaderMap, version: &str) -> Result<(), HubSpotFailure> {
        match self.state.faults.take() {
            Some(Fault::SecondlyLimit) => return Err(HubSpotFailure::rate_limited("SECONDLY")),
            Some(Fault::TenSecondlyLimit) => {
                return Err(HubSpotFailure::rate_limited("TEN_SECONDLY_ROLLING"));
            }
            Some(Fault::DailyLimit) => return Err(HubSpotFailure::rate_limited("DAILY")),
            Some(Fault::ServerError) => return Err(HubSpotFailure::server_error()),
            Some(Fault::TokenExpired) => return Err(HubSpotFailure::token_expired(5)),
            Some(Fault::MissingScopes) => return Err(HubSpotFailure::missing_scopes()),
            Some(Fault::Slow(delay)) => tokio::time::sleep(delay).await,
            None => {}
        }
        let Some(token) = bearer(headers) else {
            return Err(HubSpotFailure::invalid_token());
        };
        if token != self.state.private_app_token {
            let expiry = lock(&self.state.oauth).access_tokens.get(&token).copied();
            match expiry {
                None => return Err(HubSpotFailure::invalid_token()),
                Some(at) if at <= Instant::now() => {
                    return Err(HubSpotFailure::token_expired(at.elapsed().as_secs()));
                }
                Some(_) => {}
            }
        }
        if version != "v3" {
            return Err(HubSpotFailure::not_found());
        }
        Ok(())
    }

    fn records(&self, object: &str) -> Result<Vec<Record>, HubSpotFailure> {
        let portal = &self.state.brand.hubspot;
        Ok(match object {
            "deals" => {
                let edits = lock(&self.state.deal_edits);
                portal
                    .deals
                    .iter()
                    .map(|d| records::deal(d, edits.get(&d.id)))
                    .collect()
            }
            "contacts" => portal
                .contacts
                .iter()
                .map(|c| records::contact(portal, c))
                .collect(),
            "companies" => portal.companies.iter().map(records::company).collect(),
            _ => return Err(HubSpotFailure::not_found()),
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned())
}

fn respond(result: Result<Value, HubSpotFailure>) -> Response {
    match result {
        Ok(body) => {
            let mut response = Json(body).into_response();
            let h = response.headers_mut();
            h.insert("x-hubspot-ratelimit-max", 190.into());
            h.insert("x-hubspot-ratelimit-remaining", 189.into());
            h.insert("x-hubspot-ratelimit-interval-milliseconds", 10_000.into());
            response
        }
        Err(failure) => failure.into_response(),
    }
}

async fn search_handler(
    State(emulator): State<HubSpotEmulator>,
    Path((version, object)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    let body = body.map(|Json(b)| b);
    emulator.record(&method, &uri, &headers, body.clone());
    let result = async {
        emulator.admit(&headers, &version).await?;
        let body: search::SearchBody = serde_json::from_value(body.unwrap_or(json!({})))
            .map_err(|e| HubSpotFailure::validation(format!("Invalid input JSON: {e}")))?;
        let records = emulator.records(&object)?;
        search::search(&object, records, &body)
    }
    .await;
    respond(result)
}

async fn read_handler(
    State(emulator): State<HubSpotEmulator>,
    Path((version, object, id)): Path<(String, String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    axum::extract::Query(params): axum::extract::Query<BTreeMap<String, String>>,
) -> Response {
    emulator.record(&method, &uri, &headers, None);
    let result = async {
        emulator.admit(&headers, &version).await?;
        let record = emulator
            .records(&object)?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(HubSpotFailure::not_found)?;
        let wanted: Vec<String> = match params.get("properties") {
            Some(list) => list.split(',').map(|p| p.trim().to_owned()).collect(),
            None => records::default_properties(&object)
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
        };
        Ok(search::render(&record, &wanted))
    }
    .await;
    respond(result)
}

async fn update_deal_handler(
    State(emulator): State<HubSpotEmulator>,
    Path((version, object, id)): Path<(String, String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    let body = body.map(|Json(b)| b);
    emulator.record(&method, &uri, &headers, body.clone());
    let result = async {
        emulator.admit(&headers, &version).await?;
        if object != "deals" {
            return Err(HubSpotFailure::not_found());
        }
        let portal = &emulator.state.brand.hubspot;
        let deal = portal.deal(&id).ok_or_else(HubSpotFailure::not_found)?;
        let properties = body
            .as_ref()
            .and_then(|b| b.get("properties"))
            .and_then(Value::as_object)
            .ok_or_else(|| HubSpotFailure::validation("Invalid input JSON: properties is required"))?;
        let mut edits = lock(&emulator.state.deal_edits);
        let mut edit = edits.get(&id).cloned().unwrap_or_default();
        for (name, value) in properties {
            let value = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                other => {
                    return Err(HubSpotFailure::validation(format!(
                        "Property values were not valid: {name} must be a string, got {other}"
                    )));
                }
            };
            match name.as_str() {
                "dealstage" => {
                    let stage = portal.pipeline.stages.iter().find(|s| s.id == value).ok_or_else(|| {
                        HubSpotFailure::validation(format!(
                            "Property values were not valid: {value} was not one of the allowed options for dealstage"
                        ))
                    })?;
                    // HubSpot stamps the close date when a deal is closed: "now" in
                    // the sandbox's world, the day after the brand's last day.
                    if stage.is_closed {
                        let today = emulator.state.brand.end_date + chrono::Duration::days(1);
                        edit.close_date = Some(today.and_time(Utc::now().time()).and_utc());
                    }
                    edit.stage_id = Some(value);
                }
                "amount" => {
                    crate::money::parse_decimal(&value).map_err(|_| {
                        HubSpotFailure::validation(format!(
                            "Property values were not valid: {value} is not a valid number for amount"
                        ))
                    })?;
                    edit.amount = Some(value);
                }
                other => {
                    return Err(HubSpotFailure::validation(format!(
                        "Property values were not valid: Property \"{other}\" does not exist or cannot be changed here"
                    )));
                }
            }
        }
        edit.updated_at = Some(Utc::now());
        edits.insert(id.clone(), edit.clone());
        let record = records::deal(deal, Some(&edit));
        let wanted: Vec<String> = record.properties.keys().cloned().collect();
        Ok(search::render(&record, &wanted))
    }
    .await;
    respond(result)
}

async fn pipelines_handler(
    State(emulator): State<HubSpotEmulator>,
    Path(version): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    emulator.record(&method, &uri, &headers, None);
    let result = async {
        emulator.admit(&headers, &version).await?;
        let brand = &emulator.state.brand;
        let created = records::time(brand.start_date.and_time(chrono::NaiveTime::MIN).and_utc());
        let p = &brand.hubspot.pipeline;
        let stages: Vec<Value> = p
            .stages
            .iter()
            .map(|s| {
                json!({
                    "label": s.label,
                    "displayOrder": s.display_order,
                    "metadata": {"isClosed": s.is_closed.to_string(), "probability": s.probability},
                    "id": s.id,
                    "createdAt": created,
                    "updatedAt": created,
                    "archived": false,
                })
            })
            .collect();
        Ok(json!({"results": [{
            "label": p.label,
            "displayOrder": 0,
            "id": p.id,
            "stages": stages,
            "createdAt": created,
            "updatedAt": created,
            "archived": false,
        }]}))
    }
    .await;
    respond(result)
}

async fn token_handler(
    State(emulator): State<HubSpotEmulator>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    emulator.state.token_requests.fetch_add(1, Ordering::SeqCst);
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    if field("client_id") != OAUTH_CLIENT_ID || field("client_secret") != OAUTH_CLIENT_SECRET {
        return HubSpotFailure::bad_client().into_response();
    }
    let mut oauth = lock(&emulator.state.oauth);
    if field("grant_type") != "refresh_token"
        || !oauth.refresh_tokens.contains(field("refresh_token"))
    {
        return HubSpotFailure::bad_refresh_token().into_response();
    }
    oauth.issued += 1;
    let access = format!("hs-oauth-access-{}", oauth.issued);
    let lifetime = oauth.lifetime;
    oauth
        .access_tokens
        .insert(access.clone(), Instant::now() + lifetime);
    // HubSpot refresh tokens do not rotate: the same one comes back.
    Json(json!({
        "token_type": "bearer",
        "refresh_token": field("refresh_token"),
        "access_token": access,
        "expires_in": lifetime.as_secs(),
    }))
    .into_response()
}
