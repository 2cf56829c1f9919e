//! The expert console: one web page over the expert API, with e-mail + password login.
//!
//! `POST /console/login` checks the password (argon2id) and starts a server-side
//! session; the cookie holds the session's random id (only its SHA-256 is stored),
//! never the expert's API token. [`super::experts::ExpertCaller`] accepts that cookie
//! as well as `Authorization: Bearer oxk_…`. The page, its script and its style are
//! compiled in from `server/src/console/`.

use super::error::ApiError;
use super::limits::RateLimiter;
use crate::html::escape_html;
use crate::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::rejection::FormRejection;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use omnify_core::{Expert, StoreError};
use rand::Rng;
use serde::Deserialize;
use sha2::Digest;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

pub const SESSION_COOKIE: &str = "omnify_expert";
/// How long a console login lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_BYTES: usize = 1024;
/// Login attempts per e-mail address per minute; more get 429.
const LOGIN_ATTEMPTS_PER_MINUTE: u32 = 5;
const WRONG_LOGIN: &str = "Wrong e-mail or password.";

const INDEX_HTML: &str = include_str!("../console/index.html");
const LOGIN_HTML: &str = include_str!("../console/login.html");
const CONSOLE_JS: &str = include_str!("../console/console.js");
const CONSOLE_CSS: &str = include_str!("../console/console.css");

/// Changes whenever the script or style does, so their URLs can be cached for long.
static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let digest = sha2::Sha256::new()
        .chain_update(CONSOLE_JS)
        .chain_update(CONSOLE_CSS)
        .finalize();
    hex::encode(&digest[..6])
});

/// The console's routes; merged into the API router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(page))
        .route("/console/", get(to_console))
        .route("/console/login", post(login).get(to_console))
        .route("/console/logout", post(logout))
        .route("/console/console.js", get(script))
        .route("/console/console.css", get(style))
        .layer(Extension(Arc::new(LoginAttempts(RateLimiter::new(
            LOGIN_ATTEMPTS_PER_MINUTE,
        )))))
}

/// Login attempts, by lower-cased e-mail address.
struct LoginAttempts(RateLimiter);

/// The session id from the console's cookie, if any.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// The expert whose live console session this request carries.
pub async fn session_expert(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Expert>, StoreError> {
    match session_token(headers) {
        Some(token) => state.store.expert_by_session(token).await,
        None => Ok(None),
    }
}

/// A browser said this request comes from another site (`Sec-Fetch-Site`). The
/// cookie is `SameSite=Strict` already; this is the second lock on the door.
pub fn cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v != "same-origin" && v != "none")
}

/// Check a new password's length, then hash it with argon2id (off the async threads).
pub async fn hash_password(password: &str) -> Result<String, ApiError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::BadRequest(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::BadRequest(format!(
            "a password may be at most {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|e| ApiError::Internal(format!("password hashing task: {e}")))?
}

fn hash_now(password: &str) -> Result<String, ApiError> {
    let salt: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| ApiError::Internal(format!("password salt: {e}")))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("password hashing: {e}")))
}

/// Whether `password` matches `hash`. Without a hash (unknown e-mail, no password set)
/// a stand-in is checked, so both answers take the same time.
async fn verify_password(password: String, hash: Option<String>) -> bool {
    static STAND_IN: LazyLock<Option<String>> = LazyLock::new(|| {
        let random: [u8; 24] = rand::rng().random();
        hash_now(&hex::encode(random)).ok()
    });
    let known = hash.is_some();
    tokio::task::spawn_blocking(move || {
        let Some(hash) = hash.or_else(|| STAND_IN.clone()) else {
            return false;
        };
        let Ok(parsed) = PasswordHash::new(&hash) else {
            tracing::error!("an expert's stored password hash does not parse");
            return false;
        };
        let matches = argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        matches && known
    })
    .await
    .unwrap_or(false)
}

fn session_cookie(state: &AppState, value: &str, max_age_secs: u64) -> String {
    let secure = if state
        .settings
        .server
        .public_url
        .to_ascii_lowercase()
        .starts_with("https://")
    {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}{secure}"
    )
}

fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
             img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

fn fill(template: &str) -> String {
    template.replace("{{version}}", &ASSET_VERSION)
}

/// The login form, with a message (already plain text) and the e-mail typed before.
fn login_page(status: StatusCode, message: &str, email: &str) -> Response {
    let message = if message.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"notice error\" role=\"alert\">{}</p>",
            escape_html(message)
        )
    };
    html(
        status,
        fill(LOGIN_HTML)
            .replace("{{message}}", &message)
            .replace("{{email}}", &escape_html(email)),
    )
}

async fn page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if session_expert(&state, &headers).await?.is_some() {
        return Ok(html(StatusCode::OK, fill(INDEX_HTML)));
    }
    let mut response = login_page(StatusCode::OK, "", "");
    if session_token(&headers).is_some() {
        // An expired or ended session: drop the stale cookie.
        set_cookie(&mut response, &session_cookie(&state, "", 0));
    }
    Ok(response)
}

async fn to_console() -> Response {
    see_other("/console")
}

fn see_other(location: &'static str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    response
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(location));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    Extension(attempts): Extension<Arc<LoginAttempts>>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, ApiError> {
    if cross_site(&headers) {
        return Ok(login_page(
            StatusCode::FORBIDDEN,
            "Log in from the console page itself.",
            "",
        ));
    }
    let Ok(Form(form)) = form else {
        return Ok(login_page(
            StatusCode::BAD_REQUEST,
            "Enter your e-mail address and password.",
            "",
        ));
    };
    let email = form.email.trim();
    if let Err(retry_after) = attempts.0.check(&email.to_lowercase()) {
        let mut response = login_page(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("Too many attempts for this e-mail address. Try again in {retry_after} s."),
            email,
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        return Ok(response);
    }
    let found = if email.is_empty() {
        None
    } else {
        state.store.expert_by_email(email).await?
    };
    let hash = found.as_ref().and_then(|f| f.password_hash.clone());
    let matches = verify_password(form.password, hash).await;
    let Some(found) = found.filter(|_| matches) else {
        tracing::info!("a console login failed");
        return Ok(login_page(StatusCode::UNAUTHORIZED, WRONG_LOGIN, email));
    };
    let session = state
        .store
        .create_expert_session(&found.expert.id, SESSION_TTL)
        .await?;
    tracing::info!(expert_id = %found.expert.id, "an expert logged in to the console");
    let mut response = see_other("/console");
    set_cookie(
        &mut response,
        &session_cookie(&state, session.expose(), SESSION_TTL.as_secs()),
    );
    Ok(response)
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = session_token(&headers) {
        state.store.delete_expert_session(token).await?;
    }
    let mut response = see_other("/console");
    set_cookie(&mut response, &session_cookie(&state, "", 0));
    Ok(response)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The page asks for them with `?v=<hash of their content>`.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", CONSOLE_JS)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", CONSOLE_CSS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_read_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; omnify_expert=oxs_abc ; b=2"),
        );
        assert_eq!(session_token(&headers), Some("oxs_abc"));
        headers.insert(header::COOKIE, HeaderValue::from_static("omnify_expert="));
        assert_eq!(session_token(&headers), None);
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_now("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(rt.block_on(verify_password(
            "correct horse battery".into(),
            Some(hash.clone())
        )));
        assert!(!rt.block_on(verify_password("wrong horse battery".into(), Some(hash))));
        assert!(!rt.block_on(verify_password("anything".into(), None)));
    }
}
