#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! The expert console's login through HTTP: passwords set by admins, the session
//! cookie (its flags, that it opens the expert API and is not the API token), logout,
//! the same answer for a wrong password and an unknown address, and the attempt limit.
//! The page itself is exercised in Chromium by tests/browser.

use omnify_tests::{Options, TestApp, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

/// A client that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Add an expert (with a password when given); returns (id, API token).
async fn add_expert(app: &TestApp, email: &str, password: Option<&str>) -> (String, String) {
    let mut body = json!({"name": "Ana", "email": email, "skills": ["paid_social"]});
    if let Some(p) = password {
        body["password"] = json!(p);
    }
    let r = app
        .post_raw("/api/v1/experts", Some(&app.api_key), body.to_string(), &[])
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    (
        r.body["expert"]["id"].as_str().unwrap().to_string(),
        r.body["token"].as_str().unwrap().to_string(),
    )
}

async fn log_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    browser()
        .post(app.url("/console/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// The `Set-Cookie` header of a response, and the session id in it.
fn set_cookie(r: &reqwest::Response) -> (String, String) {
    let header = r
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .expect("a Set-Cookie header")
        .to_str()
        .unwrap()
        .to_string();
    let value = header
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("omnify_expert=")
        .expect("the omnify_expert cookie")
        .to_string();
    (header, value)
}

async fn with_cookie(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    session: &str,
) -> reqwest::Response {
    browser()
        .request(method, app.url(path))
        .header("cookie", format!("omnify_expert={session}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn logging_in_sets_a_strict_session_cookie_that_opens_the_expert_api_until_logout() {
    let app = spawn_app(Options::default()).await;
    let (_, token) = add_expert(&app, "ana@agency.test", Some(PASSWORD)).await;

    // Without a session, the console is the login form.
    let page = browser().get(app.url("/console")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("action=\"/console/login\""), "{html}");
    assert!(!html.contains("console.js"), "no console before the login");

    // The address is matched without regard to case.
    let r = log_in(&app, "Ana@Agency.test", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/console");
    let (cookie, session) = set_cookie(&r);
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http here, so no Secure: {cookie}"
    );
    assert!(session.starts_with("oxs_"), "{session}");
    assert_ne!(
        session, token,
        "the cookie is a session id, not the API token"
    );

    // The session opens the console page and the expert API.
    let page = with_cookie(&app, reqwest::Method::GET, "/console", &session).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("/console/console.js?v="), "{html}");
    let queue = with_cookie(&app, reqwest::Method::GET, "/api/v1/expert/queue", &session).await;
    assert_eq!(queue.status(), StatusCode::OK);
    let body: Value = queue.json().await.unwrap();
    assert_eq!(body["expert"]["name"], "Ana");
    // The script and style are served with their types and cached by version.
    for (path, kind) in [
        ("/console/console.js", "text/javascript"),
        ("/console/console.css", "text/css"),
    ] {
        let r = browser().get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{path}"
        );
        assert!(
            r.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age="),
            "{path}"
        );
    }

    // A browser's cross-site request cannot change anything with the cookie.
    let r = browser()
        .put(app.url("/api/v1/expert/status"))
        .header("cookie", format!("omnify_expert={session}"))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"status": "away"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = browser()
        .put(app.url("/api/v1/expert/status"))
        .header("cookie", format!("omnify_expert={session}"))
        .header("sec-fetch-site", "same-origin")
        .json(&json!({"status": "away"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    // Logging out ends the session and clears the cookie.
    let r = with_cookie(&app, reqwest::Method::POST, "/console/logout", &session).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (cleared, value) = set_cookie(&r);
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(value.is_empty());
    let queue = with_cookie(&app, reqwest::Method::GET, "/api/v1/expert/queue", &session).await;
    assert_eq!(queue.status(), StatusCode::UNAUTHORIZED);
    let page = with_cookie(&app, reqwest::Method::GET, "/console", &session).await;
    assert!(page.text().await.unwrap().contains("/console/login"));
    // The API token still works as before.
    assert_eq!(
        app.get("/api/v1/expert/queue", Some(&token)).await.status,
        200
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_address_get_the_same_answer_then_the_limit() {
    let app = spawn_app(Options::default()).await;
    add_expert(&app, "ana@agency.test", Some(PASSWORD)).await;
    add_expert(&app, "nopass@agency.test", None).await;

    for (email, password) in [
        ("ana@agency.test", "not the password"),
        ("nobody@agency.test", PASSWORD),
        ("nopass@agency.test", PASSWORD),
        ("nopass@agency.test", ""),
    ] {
        let r = log_in(&app, email, password).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{email}");
        assert!(r.headers().get("set-cookie").is_none(), "{email}");
        let html = r.text().await.unwrap();
        assert!(html.contains("Wrong e-mail or password"), "{email}: {html}");
        assert!(html.contains("action=\"/console/login\""));
    }
    // What was typed comes back escaped.
    let r = log_in(&app, "<script>x</script>@agency.test", "nope").await;
    let html = r.text().await.unwrap();
    assert!(!html.contains("<script>x"), "{html}");
    assert!(html.contains("&lt;script&gt;x"));

    // Five attempts a minute per address; the sixth is refused even when right.
    let email = "ana@agency.test";
    for _ in 0..4 {
        // One wrong attempt was made above already.
        assert_eq!(
            log_in(&app, email, "still wrong").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let r = log_in(&app, "ANA@agency.test", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    assert!(r.headers().get("set-cookie").is_none());
    assert!(r.text().await.unwrap().contains("Too many attempts"));
    // Other addresses are not affected.
    add_expert(&app, "bo@agency.test", Some(PASSWORD)).await;
    assert_eq!(
        log_in(&app, "bo@agency.test", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn admins_set_passwords_of_at_least_12_characters_and_that_ends_sessions() {
    let app = spawn_app(Options::default()).await;

    let r = app
        .post_raw(
            "/api/v1/experts",
            Some(&app.api_key),
            json!({"name": "Bo", "email": "bo@agency.test", "skills": [], "password": "short"})
                .to_string(),
            &[],
        )
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at least 12 characters")
    );

    let (id, token) = add_expert(&app, "ana@agency.test", None).await;
    let path = format!("/api/v1/experts/{id}/password");
    let put = |key: String, password: &'static str| {
        let url = app.url(&path);
        async move {
            browser()
                .put(url)
                .bearer_auth(key)
                .json(&json!({"password": password}))
                .send()
                .await
                .unwrap()
        }
    };
    let r = put(app.api_key.clone(), "eleven char").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at least 12 characters"),
        "{body}"
    );
    // Not with the expert's own token, nor another tenant's admin key.
    assert_eq!(
        put(token.clone(), "a long enough password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let other = app.store.create_tenant("Other").await.unwrap();
    let other_key = app.store.create_api_key(&other.id, "ops").await.unwrap();
    assert_eq!(
        put(
            other_key.plaintext.expose().to_string(),
            "a long enough password"
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );

    assert_eq!(
        put(app.api_key.clone(), "a long enough password")
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let r = log_in(&app, "ana@agency.test", "a long enough password").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, session) = set_cookie(&r);
    assert_eq!(
        with_cookie(&app, reqwest::Method::GET, "/api/v1/expert/queue", &session)
            .await
            .status(),
        StatusCode::OK
    );

    // A new password ends the sessions made with the old one.
    assert_eq!(
        put(app.api_key.clone(), "another long password")
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        with_cookie(&app, reqwest::Method::GET, "/api/v1/expert/queue", &session)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        log_in(&app, "ana@agency.test", "a long enough password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        log_in(&app, "ana@agency.test", "another long password")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_cookie_is_secure_when_the_public_url_is_https() {
    let app = spawn_app(Options {
        tweak: Some(Box::new(|s| {
            s.server.public_url = "https://omnify.example.com".into();
        })),
        ..Options::default()
    })
    .await;
    add_expert(&app, "ana@agency.test", Some(PASSWORD)).await;
    let r = log_in(&app, "ana@agency.test", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (cookie, _) = set_cookie(&r);
    assert!(cookie.contains("; Secure"), "{cookie}");
}
